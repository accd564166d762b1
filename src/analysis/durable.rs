//! Durable output directories of long computations (`regime sweep`, `regime calibrate`): a
//! `<out>.partial` directory whose one streamed CSV is committed (flushed, fsynced, then a small
//! progress record written atomically) about once a second by a background thread, so that a
//! `kill -9` loses at most the uncommitted tail and `--resume` truncates the CSV to the last
//! committed length and carries on. The finished directory is renamed into place. Imports only
//! `error` and `std`.

use crate::error::{RegimeError, Result};
use std::fs;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub(crate) fn write_err(path: &Path) -> impl Fn(std::io::Error) -> RegimeError + '_ {
    move |source| RegimeError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a small file atomically and durably: temporary file, fsync, rename, fsync of the
/// directory.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(name);
    {
        let mut f = fs::File::create(&tmp).map_err(write_err(&tmp))?;
        f.write_all(bytes).map_err(write_err(&tmp))?;
        f.sync_all().map_err(write_err(&tmp))?;
    }
    fs::rename(&tmp, &path).map_err(write_err(&path))?;
    sync_dir(dir)
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    // Directories cannot be opened for syncing everywhere; where they can, make renames durable.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Progress of a partial computation: the next unit of work (a sweep's cell, a calibration's
/// particle) and the length of the streamed CSV up to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    pub(crate) next_cell: u64,
    pub(crate) bytes: u64,
}

impl Progress {
    /// Writes the record as `file` in `dir`, atomically.
    pub(crate) fn write(&self, dir: &Path, file: &str) -> Result<()> {
        write_atomic(
            dir,
            file,
            format!("{} {}\n", self.next_cell, self.bytes).as_bytes(),
        )
    }

    /// Reads the record `file` of `dir`, if there is a well-formed one.
    pub(crate) fn read(dir: &Path, file: &str) -> Option<Progress> {
        let text = fs::read_to_string(dir.join(file)).ok()?;
        let mut it = text.split_whitespace();
        let next_cell = it.next()?.parse().ok()?;
        let bytes = it.next()?.parse().ok()?;
        Some(Progress { next_cell, bytes })
    }
}

/// `<out>.partial`.
pub(crate) fn partial_path(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "out".into());
    name.push(".partial");
    out.with_file_name(name)
}

/// Locks the state file `state` of a partial directory so that two processes never write it;
/// `command` names the command in the message (`regime sweep`).
pub(crate) fn lock_state(dir: &Path, state: &str, command: &str) -> Result<fs::File> {
    let path = dir.join(state);
    let f = fs::File::open(&path).map_err(|source| RegimeError::ReadInput {
        path: path.clone(),
        source,
    })?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(RegimeError::argument(
            "--out",
            "a partial directory no other process is writing",
            format!("{} is being written by another `{command}`", dir.display()),
        )),
        Err(fs::TryLockError::Error(_)) => Ok(f), // file systems without locks: go on unlocked
    }
}

/// Writes the rows of a streamed CSV in the background and commits them (fsync, then the
/// progress record) about once a second, so that the workers never wait for the disk.
pub(crate) struct Committer {
    tx: Option<std::sync::mpsc::SyncSender<(Vec<String>, u64)>>,
    handle: Option<std::thread::JoinHandle<Result<Progress>>>,
    csv: PathBuf,
}

impl Committer {
    /// Appends to `dir/csv` (truncated to `from.bytes` first), recording progress in
    /// `dir/progress`.
    pub(crate) fn start(
        dir: &Path,
        csv: &str,
        progress: &str,
        from: Progress,
    ) -> Result<Committer> {
        let runs = dir.join(csv);
        let progress_file = progress.to_string();
        let mut f = fs::OpenOptions::new()
            .write(true)
            .open(&runs)
            .map_err(write_err(&runs))?;
        f.set_len(from.bytes).map_err(write_err(&runs))?;
        f.seek(std::io::SeekFrom::End(0))
            .map_err(write_err(&runs))?;
        let dir = dir.to_path_buf();
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<String>, u64)>(1);
        let handle = std::thread::spawn(move || -> Result<Progress> {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            let mut progress = from;
            let mut last = Instant::now();
            let mut dirty = false;
            let commit = |w: &mut std::io::BufWriter<fs::File>, p: Progress| -> Result<()> {
                w.flush().map_err(write_err(&runs))?;
                w.get_ref().sync_data().map_err(write_err(&runs))?;
                p.write(&dir, &progress_file)
            };
            for (rows, next_cell) in rx {
                for r in rows {
                    w.write_all(r.as_bytes()).map_err(write_err(&runs))?;
                    progress.bytes += r.len() as u64;
                }
                progress.next_cell = next_cell;
                dirty = true;
                if last.elapsed() >= Duration::from_secs(1) {
                    commit(&mut w, progress)?;
                    last = Instant::now();
                    dirty = false;
                }
            }
            if dirty {
                commit(&mut w, progress)?;
            }
            Ok(progress)
        });
        Ok(Committer {
            tx: Some(tx),
            handle: Some(handle),
            csv: PathBuf::from(csv),
        })
    }

    /// Hands over the rows of the cells before `next_cell`. Fails if the writer failed.
    pub(crate) fn send(&mut self, rows: Vec<String>, next_cell: u64) -> Result<()> {
        if let Some(tx) = &self.tx {
            if tx.send((rows, next_cell)).is_ok() {
                return Ok(());
            }
        }
        self.finish()?;
        Err(RegimeError::Write {
            path: self.csv.clone(),
            source: std::io::Error::other("the writer thread has stopped"),
        })
    }

    /// Commits what is left and returns the final progress.
    pub(crate) fn finish(&mut self) -> Result<Progress> {
        self.tx = None;
        match self.handle.take() {
            Some(h) => h.join().unwrap_or_else(|_| {
                Err(RegimeError::Write {
                    path: self.csv.clone(),
                    source: std::io::Error::other("the writer thread panicked"),
                })
            }),
            None => Err(RegimeError::Write {
                path: self.csv.clone(),
                source: std::io::Error::other("the writer thread has stopped"),
            }),
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

pub(crate) fn finish_rename(partial: &Path, out: &Path, force: bool) -> Result<PathBuf> {
    if out.exists() {
        if !force {
            return Err(RegimeError::OutputExists(out.to_path_buf()));
        }
        fs::remove_dir_all(out).map_err(write_err(out))?;
    }
    fs::rename(partial, out).map_err(write_err(out))?;
    if let Some(parent) = out.parent() {
        sync_dir(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        })?;
    }
    Ok(out.to_path_buf())
}
