//! `regime merge`: checks the manifests of shard outputs (one sweep, every shard once) and
//! concatenates them into the files one machine would have written. Besides its sibling parts it
//! may import only `error`, `io::output` and `serde_json`.

use super::aggregate::points_from_runs;
use super::partial::{partial_path, sync_dir, write_err};
use crate::error::{RegimeError, Result};
use crate::io::output::{self, OutputDir};
use std::fs;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

/// Merges shard outputs.
///
/// Every directory must be a finished `regime sweep --shard I/N` output of the same sweep
/// (same `sweep_sha256` and N), and every shard 1..N must be given exactly once. Writes
/// `runs.csv` (the shards' rows in shard order), `points.csv` (recomputed from it) and a
/// `manifest.json`: the same CSVs, byte for byte, as one unsharded sweep.
pub fn merge_command(dirs: &[PathBuf], out: &Path, force: bool) -> Result<()> {
    let (shards, count) = read_shards(dirs)?;
    let dir = OutputDir::create(out, force)?;
    write_merged(&shards, count, &dir)?;
    dir.commit()?;
    Ok(())
}

/// The files a merge writes: `runs.csv`, `points.csv`, `manifest.json`, into `dir`.
const MERGED_FILES: [&str; 3] = ["runs.csv", "points.csv", "manifest.json"];

/// Writes the merged `runs.csv`, `points.csv` and `manifest.json` of `shards` into `dir`.
fn write_merged(shards: &[ShardDir], count: u64, dir: &OutputDir) -> Result<()> {
    let merged = dir.file("runs.csv");
    concatenate_runs(shards, &merged)?;
    let point_rows = points_from_runs(&merged, &dir.file("points.csv"))?;
    let manifest = merged_manifest(shards, count, point_rows);
    output::write_manifest(dir, &manifest)
}

/// Merges the shards in `DIR/shards/*` (the layout of `regime sweep --slurm`) into `DIR`
/// itself: the files are written aside, then renamed into `DIR` one at a time, `manifest.json`
/// last (an old one is removed first), so that `DIR` holds a manifest only when its files are
/// whole. Running it again rewrites the same files. Refuses, naming the shard, a shard that is
/// unfinished, of another sweep or in the wrong folder.
pub fn merge_in_place(dir: &Path) -> Result<()> {
    let dirs = shard_dirs(dir)?;
    let (shards, count) = read_shards(&dirs)?;
    check_folders(&shards)?;
    let staging = OutputDir::create(&dir.join("merge"), true)?;
    write_merged(&shards, count, &staging)?;
    let old = dir.join("manifest.json");
    if old.exists() {
        fs::remove_file(&old).map_err(write_err(&old))?;
    }
    for name in MERGED_FILES {
        let target = dir.join(name);
        fs::rename(staging.file(name), &target).map_err(write_err(&target))?;
    }
    sync_dir(dir)
}

/// The shard directories of `DIR/shards`: every folder `K`, and for a `K.partial` without its
/// `K` the (missing) `K`, so that the merge names the unfinished shard.
fn shard_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let shards = dir.join("shards");
    let entries = fs::read_dir(&shards).map_err(|_| {
        bad(
            "a directory written by `regime sweep --slurm`, with the shards in DIR/shards".into(),
            format!("{}, which has no shards folder (merge shard folders with: regime merge DIR... --out OUT)", dir.display()),
        )
    })?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !e.path().is_dir() {
            continue;
        }
        let path = match name.strip_suffix(".partial") {
            Some(base) => shards.join(base),
            None => e.path(),
        };
        if !dirs.contains(&path) {
            dirs.push(path);
        }
    }
    dirs.sort_by_key(|p| {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
        (name.as_deref().and_then(|n| n.parse::<u64>().ok()), name)
    });
    Ok(dirs)
}

/// `DIR/shards/K` holds shard K (a shard copied into the wrong folder is refused).
fn check_folders(shards: &[ShardDir]) -> Result<()> {
    for s in shards {
        let name = s.dir.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.as_deref() != Some(s.index.to_string().as_str()) {
            return Err(bad(
                format!("shard K in DIR/shards/K (here shard {})", s.index),
                format!("it in {}", s.dir.display()),
            ));
        }
    }
    Ok(())
}

/// One finished shard directory and its manifest.
struct ShardDir {
    /// 1-based index of the shard.
    index: u64,
    dir: PathBuf,
    manifest: serde_json::Value,
}

/// A merge refused: what was expected and what was found.
fn bad(expected: String, found: String) -> RegimeError {
    RegimeError::argument("merge", expected, found)
}

/// Reads and checks the shards' manifests: one sweep, one split, every shard once. Returns the
/// shards in shard order and their count.
fn read_shards(dirs: &[PathBuf]) -> Result<(Vec<ShardDir>, u64)> {
    let mut shards: Vec<ShardDir> = Vec::new();
    let mut reference: Option<(String, u64, PathBuf)> = None;
    for d in dirs {
        let m = read_manifest(d)?;
        let hash = m
            .get("sweep_sha256")
            .and_then(|x| x.as_str())
            .unwrap_or("")
            .to_string();
        let (index, count) = match m.get("shard") {
            Some(serde_json::Value::Object(o)) => (
                o.get("index").and_then(|x| x.as_u64()).unwrap_or(0),
                o.get("count").and_then(|x| x.as_u64()).unwrap_or(0),
            ),
            _ => (1, 1),
        };
        match &reference {
            None => reference = Some((hash.clone(), count, d.clone())),
            Some((h, n, first)) => same_sweep(h, *n, first, &hash, index, count, d)?,
        }
        if let Some(other) = shards.iter().find(|s| s.index == index) {
            return Err(bad(
                "every shard once".into(),
                format!(
                    "shard {index}/{count} twice: {} and {}",
                    other.dir.display(),
                    d.display()
                ),
            ));
        }
        shards.push(ShardDir {
            index,
            dir: d.clone(),
            manifest: m,
        });
    }
    let Some((_, count, _)) = reference else {
        return Err(bad("at least one shard directory".into(), "none".into()));
    };
    check_complete(&shards, count)?;
    shards.sort_by_key(|s| s.index);
    Ok((shards, count))
}

/// The manifest of a finished sweep output in `d`.
fn read_manifest(d: &Path) -> Result<serde_json::Value> {
    let mpath = d.join("manifest.json");
    if !mpath.exists() {
        let hint = if partial_path(d).exists() {
            format!(
                " ({} exists: finish that shard with --resume first)",
                partial_path(d).display()
            )
        } else {
            String::new()
        };
        return Err(bad(
            "finished sweep shard directories (each with manifest.json, runs.csv)".into(),
            format!("{}, which has no manifest.json{hint}", d.display()),
        ));
    }
    let m = crate::io::input::read_json(&mpath)?;
    if m.get("command").and_then(|x| x.as_str()) != Some("sweep") {
        return Err(bad(
            "outputs of `regime sweep --shard I/N`".into(),
            format!("{}, which is not a sweep output", d.display()),
        ));
    }
    Ok(m)
}

/// Shard `index/count` of `d`, with sweep hash `hash`, belongs to the sweep of the first
/// directory `first` (hash `h`, split into `n`).
fn same_sweep(
    h: &str,
    n: u64,
    first: &Path,
    hash: &str,
    index: u64,
    count: u64,
    d: &Path,
) -> Result<()> {
    if h != hash {
        return Err(bad(
            format!("shards of one sweep (same scenario, overrides, seed and version as {}, sweep_sha256 {})", first.display(), &h[..h.len().min(12)]),
            format!("{}, a shard of another sweep (sweep_sha256 {})", d.display(), &hash[..hash.len().min(12)]),
        ));
    }
    if n != count {
        return Err(bad(
            format!("shards of one split into {n} (as {})", first.display()),
            format!("{}, shard {index}/{count}", d.display()),
        ));
    }
    Ok(())
}

/// Every shard 1..=count is there.
fn check_complete(shards: &[ShardDir], count: u64) -> Result<()> {
    let missing: Vec<String> = (1..=count)
        .filter(|i| !shards.iter().any(|s| s.index == *i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(bad(
            format!("all {count} shards of the sweep"),
            format!(
                "shard{} {} missing",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Writes the shards' `runs.csv` into `merged`, in shard order, with the header once (every
/// shard must have the same header).
fn concatenate_runs(shards: &[ShardDir], merged: &Path) -> Result<()> {
    let f = fs::File::create(merged).map_err(write_err(merged))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    let mut header: Option<String> = None;
    for s in shards {
        let path = s.dir.join("runs.csv");
        let read_err = |source| RegimeError::ReadInput {
            path: path.clone(),
            source,
        };
        let f = crate::io::input::open(&path, None)?;
        let mut r = std::io::BufReader::with_capacity(1 << 20, f);
        let mut h = String::new();
        r.read_line(&mut h).map_err(read_err)?;
        match &header {
            None => {
                w.write_all(h.as_bytes()).map_err(write_err(merged))?;
                header = Some(h);
            }
            Some(first) if *first != h => {
                return Err(bad(
                    "shards with the same runs.csv columns".into(),
                    format!("{} has other columns", path.display()),
                ));
            }
            _ => {}
        }
        let mut buf = Vec::new();
        r.read_to_end(&mut buf).map_err(read_err)?;
        check_rows(s, &path, &buf)?;
        w.write_all(&buf).map_err(write_err(merged))?;
    }
    w.flush().map_err(write_err(merged))
}

/// Every run of a shard is in its `runs.csv`, whole: as many complete lines as its manifest
/// records runs times issues, so that a shard with lost or cut lines is refused by name instead
/// of being merged into wrong points.
fn check_rows(s: &ShardDir, path: &Path, data: &[u8]) -> Result<()> {
    let Some(expected) = expected_rows(&s.manifest) else {
        return Ok(());
    };
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    let cut = data.last().is_some_and(|&b| b != b'\n');
    if lines == expected && !cut {
        return Ok(());
    }
    let found = if cut {
        format!("{lines} complete rows and a cut last line")
    } else {
        format!("{lines} rows")
    };
    Err(bad(
        format!(
            "shards whose runs.csv holds every run their manifest records ({expected} rows: \
             runs x issues); re-run shard {} with the same command",
            s.index
        ),
        format!("{} has {found}", path.display()),
    ))
}

/// Rows a shard's `runs.csv` must have: runs x issues, where issues = rows of `points.csv` /
/// (points x rule sets). `None` when the manifest does not say (an older `regime`).
fn expected_rows(m: &serde_json::Value) -> Option<u64> {
    let runs = m.get("runs")?.as_u64()?;
    let point_rows = m.get("points_rows")?.as_u64()?;
    let range = m.get("shard_points")?.as_array()?;
    let points = range
        .get(1)?
        .as_u64()?
        .checked_sub(range.first()?.as_u64()?)?;
    let rule_sets = m.get("rule_sets")?.as_array()?.len() as u64;
    let cells = points.checked_mul(rule_sets)?;
    if cells == 0 {
        return Some(0);
    }
    Some(runs * (point_rows / cells))
}

/// The manifest of the merged sweep: the first shard's, as one unsharded sweep, with where
/// it was merged from and without the machine-dependent figures of the sessions.
fn merged_manifest(shards: &[ShardDir], count: u64, point_rows: u64) -> serde_json::Value {
    let mut manifest = shards[0].manifest.clone();
    let total_runs: u64 = shards
        .iter()
        .map(|s| s.manifest.get("runs").and_then(|x| x.as_u64()).unwrap_or(0))
        .sum();
    let points = manifest.get("points").and_then(|x| x.as_u64()).unwrap_or(0);
    if let Some(o) = manifest.as_object_mut() {
        o.insert("shard".into(), serde_json::Value::Null);
        o.insert("shard_points".into(), serde_json::json!([0, points]));
        o.insert("runs".into(), serde_json::json!(total_runs));
        o.insert("points_rows".into(), serde_json::json!(point_rows));
        o.insert(
            "arguments".into(),
            serde_json::json!(std::env::args().collect::<Vec<_>>()),
        );
        o.insert(
            "merged_from".into(),
            serde_json::json!(shards
                .iter()
                .map(|s| serde_json::json!({
                    "shard": format!("{}/{count}", s.index),
                    "dir": s.dir.display().to_string(),
                    "seconds": s.manifest.get("seconds"),
                    "threads": s.manifest.get("threads"),
                }))
                .collect::<Vec<_>>()),
        );
        for k in [
            "seconds",
            "threads",
            "resumed",
            "run_seconds_this_session",
            "pair_rounds_this_session",
        ] {
            o.remove(k);
        }
    }
    manifest
}
