//! The partial directory `<out>.partial` of a sweep: its state and progress files, and how a
//! sweep starts, resumes after `kill -9` or refuses (the durable commits of `runs.csv` are
//! `analysis::durable`'s). Besides its sibling parts it may import only `error`,
//! `analysis::durable`, `serde_json` and `std`.

use super::columns::runs_header;
use super::point::Sweep;
use super::{Common, Job, SweepArgs};
pub(super) use crate::analysis::durable::{
    finish_rename, partial_path, sync_dir, write_atomic, write_err, Committer, Progress,
};
use crate::error::{RegimeError, Result};
use crate::io::output::csv_line;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Locks the sweep state so that two processes never write one partial sweep.
pub(super) fn lock_state(dir: &Path) -> Result<fs::File> {
    crate::analysis::durable::lock_state(dir, STATE_FILE, "regime sweep")
}

pub(super) const STATE_FILE: &str = "sweep-state.json";
pub(super) const PROGRESS_FILE: &str = "sweep-progress";

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
    let p = Progress::read(partial, PROGRESS_FILE).ok_or_else(|| {
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
    from.write(partial, PROGRESS_FILE)?;
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
    let v = crate::io::input::read_json(&path)?;
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
