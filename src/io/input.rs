//! Reading input files within bounds: an input must be a regular file no larger than its kind
//! allows, so that `/dev/zero`, a FIFO or a mistaken multi-gigabyte file fails at once, naming
//! the file, instead of filling memory. Text must be UTF-8; a bad byte is located by line,
//! column and byte offset.

use crate::error::{Location, RegimeError, Result};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The largest scenario file read (16 MiB; the world scenario is 30 KiB).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;
/// The largest CSV input read whole (states, edge lists, tables to plot: 1 GiB).
pub const MAX_CSV_BYTES: u64 = 1 << 30;
/// The largest manifest read (64 MiB).
pub const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// Opens `path` for reading at most `limit` bytes (`None`: no limit, for files streamed row by
/// row). Refuses what is not a regular file and a file larger than the limit.
pub fn open(path: &Path, limit: Option<u64>) -> Result<std::io::Take<File>> {
    let read_err = |source| RegimeError::ReadInput {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    let refuse = |message: String| RegimeError::Parse {
        location: Location {
            file: path.display().to_string(),
            line: None,
            column: None,
        },
        message,
    };
    if !meta.is_file() {
        return Err(refuse(
            "not a regular file (a device, directory or pipe cannot be read as input)".into(),
        ));
    }
    if let Some(limit) = limit.filter(|&l| meta.len() > l) {
        return Err(refuse(format!(
            "the file has {} bytes, more than the {} this kind of input may have",
            meta.len(),
            limit
        )));
    }
    let file = File::open(path).map_err(read_err)?;
    Ok(file.take(limit.unwrap_or(u64::MAX)))
}

/// Reads a whole text file of at most `limit` bytes; invalid UTF-8 is an error naming the
/// line, column and byte offset of the first bad byte.
pub fn read_text(path: &Path, limit: u64) -> Result<String> {
    let mut bytes = Vec::new();
    open(path, Some(limit))?
        .read_to_end(&mut bytes)
        .map_err(|source| RegimeError::ReadInput {
            path: path.to_path_buf(),
            source,
        })?;
    String::from_utf8(bytes).map_err(|e| utf8_error(&path.display().to_string(), e))
}

/// Reads a JSON file (a manifest or a state file) of at most [`MAX_MANIFEST_BYTES`], with a
/// parse error located at its line and column.
pub fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = read_text(path, MAX_MANIFEST_BYTES)?;
    serde_json::from_str(&text).map_err(|e| RegimeError::Parse {
        location: Location {
            file: path.display().to_string(),
            line: Some(e.line()),
            column: Some(e.column()),
        },
        message: e.to_string(),
    })
}

/// Locates the first invalid byte of a text that is not UTF-8.
pub fn utf8_error(file: &str, e: std::string::FromUtf8Error) -> RegimeError {
    let offset = e.utf8_error().valid_up_to();
    let bytes = e.as_bytes();
    let valid = String::from_utf8_lossy(&bytes[..offset]);
    let line = valid.matches('\n').count() + 1;
    let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    RegimeError::Parse {
        location: Location {
            file: file.to_string(),
            line: Some(line),
            column: Some(column),
        },
        message: format!(
            "invalid UTF-8 at byte offset {offset} (byte 0x{:02X}); save the file as UTF-8",
            bytes[offset]
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_located_by_line_column_and_offset() {
        let bytes = b"name = \"a\"\nrounds = \"\xff\"\n".to_vec();
        let e = utf8_error("s.toml", String::from_utf8(bytes).unwrap_err());
        assert_eq!(
            e.to_string(),
            "s.toml:2:11: invalid UTF-8 at byte offset 21 (byte 0xFF); save the file as UTF-8"
        );
    }

    #[test]
    fn devices_and_large_files_are_refused_at_once() {
        let e = read_text(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(
            e.to_string().contains("/dev/zero: not a regular file"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.toml");
        std::fs::write(&p, "x".repeat(11)).unwrap();
        let e = read_text(&p, 10).unwrap_err();
        assert!(e.to_string().contains("11 bytes, more than the 10"), "{e}");
        std::fs::write(&p, "0123456789").unwrap();
        assert_eq!(read_text(&p, 10).unwrap(), "0123456789");
    }
}
