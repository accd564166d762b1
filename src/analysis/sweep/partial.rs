//! The partial directory `<out>.partial`: its state and progress files, durable commits of
//! `runs.csv` in the background, and how a sweep starts, resumes after `kill -9` or refuses.
//! Besides its sibling parts it may import only `error`, `serde_json` and `std`.

use super::columns::runs_header;
use super::point::Sweep;
use super::{Common, Job, SweepArgs};
use crate::error::{Location, RegimeError, Result};
use crate::io::output::csv_line;
use std::fs;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub(super) const STATE_FILE: &str = "sweep-state.json";
pub(super) const PROGRESS_FILE: &str = "sweep-progress";

pub(super) fn write_err(path: &Path) -> impl Fn(std::io::Error) -> RegimeError + '_ {
    move |source| RegimeError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a small file atomically and durably: temporary file, fsync, rename, fsync of the
/// directory.
pub(super) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
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

pub(super) fn sync_dir(dir: &Path) -> Result<()> {
    // Directories cannot be opened for syncing everywhere; where they can, make renames durable.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Progress of a partial sweep: the next cell to run and the length of `runs.csv` up to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Progress {
    pub(super) next_cell: u64,
    pub(super) bytes: u64,
}

impl Progress {
    pub(super) fn write(&self, dir: &Path) -> Result<()> {
        write_atomic(
            dir,
            PROGRESS_FILE,
            format!("{} {}\n", self.next_cell, self.bytes).as_bytes(),
        )
    }

    pub(super) fn read(dir: &Path) -> Option<Progress> {
        let text = fs::read_to_string(dir.join(PROGRESS_FILE)).ok()?;
        let mut it = text.split_whitespace();
        let next_cell = it.next()?.parse().ok()?;
        let bytes = it.next()?.parse().ok()?;
        Some(Progress { next_cell, bytes })
    }
}

/// `<out>.partial`.
pub(super) fn partial_path(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "out".into());
    name.push(".partial");
    out.with_file_name(name)
}

/// Locks the sweep state so that two processes never write one partial sweep.
pub(super) fn lock_state(dir: &Path) -> Result<fs::File> {
    let path = dir.join(STATE_FILE);
    let f = fs::File::open(&path).map_err(|source| RegimeError::ReadInput {
        path: path.clone(),
        source,
    })?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(RegimeError::argument(
            "--out",
            "a partial sweep no other process is writing",
            format!(
                "{} is being written by another `regime sweep`",
                dir.display()
            ),
        )),
        Err(fs::TryLockError::Error(_)) => Ok(f), // file systems without locks: go on unlocked
    }
}

/// Writes `runs.csv` rows in the background and commits them (fsync, then progress) about
/// once a second, so that the workers never wait for the disk.
pub(super) struct Committer {
    pub(super) tx: Option<std::sync::mpsc::SyncSender<(Vec<String>, u64)>>,
    pub(super) handle: Option<std::thread::JoinHandle<Result<Progress>>>,
}

impl Committer {
    pub(super) fn start(dir: &Path, from: Progress) -> Result<Committer> {
        let runs = dir.join("runs.csv");
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
                p.write(&dir)
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
        })
    }

    /// Hands over the rows of the cells before `next_cell`. Fails if the writer failed.
    pub(super) fn send(&mut self, rows: Vec<String>, next_cell: u64) -> Result<()> {
        if let Some(tx) = &self.tx {
            if tx.send((rows, next_cell)).is_ok() {
                return Ok(());
            }
        }
        self.finish()?;
        Err(RegimeError::Write {
            path: PathBuf::from("runs.csv"),
            source: std::io::Error::other("the writer thread has stopped"),
        })
    }

    /// Commits what is left and returns the final progress.
    pub(super) fn finish(&mut self) -> Result<Progress> {
        self.tx = None;
        match self.handle.take() {
            Some(h) => h.join().unwrap_or_else(|_| {
                Err(RegimeError::Write {
                    path: PathBuf::from("runs.csv"),
                    source: std::io::Error::other("the writer thread panicked"),
                })
            }),
            None => Err(RegimeError::Write {
                path: PathBuf::from("runs.csv"),
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

/// Resumes the partial sweep, starts a fresh one, or refuses.
pub(super) fn begin(sweep: &Sweep, job: &Job, args: &SweepArgs, c: &Common) -> Result<Begin> {
    let partial = &job.partial;
    if partial.exists() {
        if let Some(b) = existing_partial(job, args, c)? {
            return Ok(b);
        }
    }
    if args.resume && !c.quiet {
        eprintln!(
            "no interrupted sweep in {}: starting one",
            partial.display()
        );
    }
    sweep.check()?;
    start_fresh(sweep, job)
}

/// What to do with an existing `<out>.partial`: resume it (`--resume`), or remove it
/// (`--force`, or `--resume` of a sweep whose setup never finished; then `None`), or refuse.
fn existing_partial(job: &Job, args: &SweepArgs, c: &Common) -> Result<Option<Begin>> {
    let partial = &job.partial;
    if !args.resume && !c.force {
        return Err(RegimeError::argument(
            "--resume",
            format!(
                "--resume to continue the interrupted sweep in {}, or --force to start it again",
                partial.display()
            ),
            "neither",
        ));
    }
    if !args.resume {
        // --force: start again, unless another process is writing it right now.
        if partial.join(STATE_FILE).exists() {
            drop(lock_state(partial)?);
        }
        fs::remove_dir_all(partial).map_err(write_err(partial))?;
        return Ok(None);
    }
    match read_partial(partial, &job.hash, job.shard_text().as_deref())? {
        PartialState::Running => resume(job).map(Some),
        PartialState::Finished => finish_rename(partial, &job.out, c.force)
            .map(Begin::Done)
            .map(Some),
        PartialState::Unstarted => {
            fs::remove_dir_all(partial).map_err(write_err(partial))?;
            Ok(None)
        }
    }
}

/// Resumes a running partial sweep from its progress record, holding its lock.
fn resume(job: &Job) -> Result<Begin> {
    let partial = &job.partial;
    let lock = lock_state(partial)?;
    let p = Progress::read(partial).ok_or_else(|| {
        RegimeError::argument(
            "--resume",
            "a partial sweep with a progress record",
            format!("{} has none (use --force)", partial.display()),
        )
    })?;
    if p.next_cell < job.cells.start || p.next_cell > job.cells.end {
        return Err(RegimeError::argument(
            "--resume",
            "a progress record of this sweep",
            format!("cell {} outside {:?}", p.next_cell, job.cells),
        ));
    }
    Ok(Begin::Run {
        from: p,
        resumed: true,
        lock,
    })
}

/// A fresh partial directory: `runs.csv` with its header, the progress record, then the state
/// file, whose presence says that the directory holds a started sweep.
fn start_fresh(sweep: &Sweep, job: &Job) -> Result<Begin> {
    let partial = &job.partial;
    fs::create_dir_all(partial).map_err(write_err(partial))?;
    let header = csv_line(&runs_header(&sweep.columns));
    let runs = partial.join("runs.csv");
    {
        let mut f = fs::File::create(&runs).map_err(write_err(&runs))?;
        f.write_all(header.as_bytes()).map_err(write_err(&runs))?;
        f.sync_all().map_err(write_err(&runs))?;
    }
    let from = Progress {
        next_cell: job.cells.start,
        bytes: header.len() as u64,
    };
    from.write(partial)?;
    let state = serde_json::json!({
        "sweep_sha256": job.hash,
        "shard": job.shard_text(),
        "points": sweep.plan.points(),
        "cells": [job.cells.start, job.cells.end],
    });
    let text = serde_json::to_string_pretty(&state).unwrap_or_default();
    write_atomic(partial, STATE_FILE, text.as_bytes())?;
    Ok(Begin::Run {
        from,
        resumed: false,
        lock: lock_state(partial)?,
    })
}

/// What a `<out>.partial` directory holds.
pub(super) enum PartialState {
    /// Setup did not finish: nothing to keep.
    Unstarted,
    /// Runs in progress.
    Running,
    /// Everything written; only the final rename is missing.
    Finished,
}

pub(super) fn read_partial(
    partial: &Path,
    hash: &str,
    shard: Option<&str>,
) -> Result<PartialState> {
    let mismatch = |what: &str| {
        RegimeError::argument(
            "--resume",
            format!("the same sweep as the one interrupted in {} (scenario text, --set overrides, seed, --shard and tool version)", partial.display()),
            format!("a different {what}; use --force to start again"),
        )
    };
    let state_path = partial.join(STATE_FILE);
    let manifest_path = partial.join("manifest.json");
    let (path, state) = if state_path.exists() {
        (state_path, PartialState::Running)
    } else if manifest_path.exists() {
        (manifest_path, PartialState::Finished)
    } else {
        return Ok(PartialState::Unstarted);
    };
    let text = fs::read_to_string(&path).map_err(|source| RegimeError::ReadInput {
        path: path.clone(),
        source,
    })?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| RegimeError::Parse {
        location: Location {
            file: path.display().to_string(),
            line: Some(e.line()),
            column: Some(e.column()),
        },
        message: e.to_string(),
    })?;
    if v.get("sweep_sha256").and_then(|x| x.as_str()) != Some(hash) {
        return Err(mismatch("sweep"));
    }
    let recorded = match v.get("shard") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Object(o)) => match (o.get("index"), o.get("count")) {
            (Some(i), Some(n)) => Some(format!("{i}/{n}")),
            _ => None,
        },
        _ => None,
    };
    if recorded.as_deref() != shard {
        return Err(mismatch("--shard"));
    }
    Ok(state)
}

pub(super) fn finish_rename(partial: &Path, out: &Path, force: bool) -> Result<PathBuf> {
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

/// How a sweep starts.
pub(super) enum Begin {
    /// Run from this progress on, holding the lock of the partial directory.
    Run {
        from: Progress,
        resumed: bool,
        lock: fs::File,
    },
    /// An interrupted sweep had already finished; it has just been moved into place.
    Done(PathBuf),
}
