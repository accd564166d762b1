//! Parameter sweeps (`regime sweep`, `regime merge`).
//!
//! A sweep runs one scenario at many *points* of its parameter space, each point `replicates`
//! times under every rule set, and writes one row per run (`runs.csv`) and one row per point,
//! rule set and issue (`points.csv`). It is built around three promises a research user needs
//! when a sweep takes hours on a cluster:
//!
//! * **Reproducible bit for bit.** The seed of a run is `derive_seed(master, [point, replicate])`,
//!   shared by every rule set of the point (common random numbers); sampled designs draw their
//!   points from their own streams of the master seed. Runs are computed in parallel in chunks
//!   and written in run order, so the files do not depend on threads, chunking, shards or
//!   interruptions.
//! * **Constant memory.** Runs record only their summaries and rows stream to disk as chunks
//!   finish; `points.csv` is computed afterwards in one pass over `runs.csv`, which is sorted by
//!   point, holding one point at a time.
//! * **Survives being killed.** Outputs go to `<out>.partial/`; after each commit (about once a
//!   second) `runs.csv` is fsynced and a small progress file records how many runs and bytes are
//!   complete. `--resume` truncates `runs.csv` to the last complete length and carries on; the
//!   finished directory is renamed to `<out>` only when complete.
//!
//! `--shard I/N` runs a contiguous block of points; `regime merge` checks the shards' manifests
//! (same sweep hash, every shard exactly once) and concatenates them into the files one machine
//! would have written. The format of the `[sweep]` table is in `docs/sweep.md`.
//!
//! The parts, each of which may import only the crate's `engine`, `io`, `error`,
//! [`crate::analysis::stats`], `analysis::durable` and `analysis::display` (never clap, the CLI
//! or the plots; only this file draws figures). `spec`'s table reader and `check_path` are
//! shared with `analysis::calibrate`:
//!
//! * `spec` and `axis`: the `[sweep]` table read and checked, every problem named by file, line
//!   and field;
//! * `design`: the points of a grid, random or Latin hypercube design ([`Plan`]);
//! * `shard`: `--shard I/N` ([`Shard`]);
//! * `columns`: the columns of `runs.csv` and `points.csv`;
//! * `point`: one point made concrete (its scenario) and the rows of its runs;
//! * `partial` and `runner`: the `<out>.partial` directory (its durable commits are
//!   `analysis::durable`'s, shared with calibrations) and running the runs in chunks
//!   with commits that survive `kill -9`, with the progress display of
//!   `crate::analysis::display`;
//! * `aggregate`: `points.csv` from `runs.csv` ([`points_from_runs`]);
//! * `manifest` and `merge`: the manifest of a sweep and `regime merge` of shards (also in
//!   place, into the directory of a Slurm sweep);
//! * `slurm` and `status`: `regime sweep --slurm` (a job array's scripts) and `regime status`.

mod aggregate;
mod axis;
mod columns;
mod design;
mod manifest;
mod merge;
mod partial;
mod point;
mod runner;
mod shard;
mod slurm;
pub(crate) mod spec;
mod status;

pub use aggregate::points_from_runs;
pub use columns::{runs_header, POINT_COLUMNS};
pub use design::Plan;
pub use merge::{merge_command, merge_in_place};
pub use point::{check_path, sweep_hash};
pub use shard::Shard;
pub use slurm::{merge_dependency, record_jobs, shell_quote, slurm_command, submit_line};
pub use slurm::{SlurmJob, SlurmOptions};
pub use slurm::{CLUSTER_FILE, JOBS_FILE, MERGE_SCRIPT, SHARDS_DIR, SLURM_DIR, SWEEP_SCRIPT};
pub use spec::{Axis, AxisValue, Design, Levels, Link, SweepSpec, Target};
pub use status::{parse_squeue, status, MergeState, QueueEntry, ShardState, Status, SQUEUE_FORMAT};

use crate::error::{RegimeError, Result};
use crate::io::scenario::Scenario;
use manifest::{manifest, Timing};
use partial::{begin, finish_rename, partial_path, sync_dir, write_atomic, write_err, Begin};
use partial::{PROGRESS_FILE, STATE_FILE};
use point::Sweep;
use runner::run_cells;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `regime sweep` was asked to do (the command line's arguments, without clap).
#[derive(Debug, Clone)]
pub struct SweepArgs {
    /// Scenario file with a `[sweep]` table.
    pub scenario: PathBuf,
    /// Continue an interrupted sweep (from `<out>.partial`) with the same command.
    pub resume: bool,
    /// Run only shard I of N, a contiguous block of points (1-based, e.g. 2/8); combine the
    /// shards with `regime merge`.
    pub shard: Option<String>,
    /// Also draw the standard figures.
    pub plots: bool,
}

/// Options shared with other commands.
#[derive(Debug, Clone)]
pub struct Common {
    /// Master seed override.
    pub seed: Option<u64>,
    /// Output directory.
    pub out: Option<PathBuf>,
    /// Replace an existing directory.
    pub force: bool,
    /// No progress output.
    pub quiet: bool,
    /// Threads in use.
    pub threads: usize,
    /// Memory and output the sweep may use.
    pub limits: crate::analysis::budget::Limits,
}

/// Where a sweep (or one shard of it) writes, and which runs it does.
struct Job {
    out: PathBuf,
    partial: PathBuf,
    hash: String,
    shard: Option<Shard>,
    /// Points of this shard.
    points: std::ops::Range<u64>,
    /// (point, replicate) cells of this shard: `point x replicates + replicate`.
    cells: std::ops::Range<u64>,
    runs: u64,
}

impl Job {
    /// The job of `sweep` (or of one shard of it); refuses an existing output directory
    /// unless `--force`.
    fn new(sweep: &Sweep, shard: Option<Shard>, c: &Common) -> Result<Job> {
        let total_points = sweep.plan.points();
        let points = shard
            .map(|sh| sh.points(total_points))
            .unwrap_or(0..total_points);
        let cells = points.start * sweep.replicates..points.end * sweep.replicates;
        let out = c.out.clone().unwrap_or_else(|| {
            let mut name = format!("sweep-{}", sweep.base.name);
            if let Some(sh) = shard {
                name.push_str(&format!("-shard-{}-of-{}", sh.index, sh.count));
            }
            PathBuf::from("out").join(name)
        });
        if out.exists() && !c.force {
            return Err(RegimeError::OutputExists(out));
        }
        Ok(Job {
            partial: partial_path(&out),
            out,
            hash: sweep.hash(),
            shard,
            runs: (cells.end - cells.start) * sweep.rule_sets as u64,
            points,
            cells,
        })
    }

    fn shard_text(&self) -> Option<String> {
        self.shard.map(|sh| format!("{}/{}", sh.index, sh.count))
    }
}

/// Runs a sweep (see the module documentation and `docs/sweep.md`).
pub fn sweep_command(s: &Scenario, args: &SweepArgs, c: &Common) -> Result<()> {
    let started = Instant::now();
    let spec = SweepSpec::from_scenario(s)?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let sweep = Sweep::new(s, &args.scenario, spec, c.seed.unwrap_or(s.seed))?;
    let job = Job::new(&sweep, shard, c)?;
    let points = job.points.end - job.points.start;
    crate::analysis::budget::estimate_sweep(
        s,
        points,
        sweep.rule_sets,
        sweep.replicates,
        c.threads,
    )
    .check(&c.limits)?;
    let (from, resumed, lock) = match begin(&sweep, &job, args, c)? {
        Begin::Run {
            from,
            resumed,
            lock,
        } => (from, resumed, lock),
        Begin::Done(done) => {
            if !c.quiet {
                eprintln!(
                    "the sweep had finished before it was interrupted; outputs in {}",
                    done.display()
                );
            }
            return Ok(());
        }
    };
    let done_before = (from.next_cell - job.cells.start) * sweep.rule_sets as u64;
    let session = Instant::now();
    let pair_rounds = run_cells(&sweep, &job, from, c, done_before)?;
    let run_seconds = session.elapsed().as_secs_f64();
    let point_rows = write_points_and_figures(&sweep, &job, args, c)?;
    let elapsed = started.elapsed().as_secs_f64();
    let timing = Timing {
        seconds: elapsed,
        run_seconds,
        pair_rounds,
        threads: c.threads,
    };
    let manifest = manifest(&sweep, &job, resumed, timing, point_rows);
    let done = finish(&job, &manifest, lock, c.force)?;
    if !c.quiet {
        let session_runs = job.runs - done_before;
        report(
            &sweep,
            &job,
            resumed,
            session_runs,
            elapsed,
            run_seconds,
            &done,
        );
    }
    Ok(())
}

/// `points.csv` from `runs.csv` and, with `--plots`, the figures. Returns the rows of
/// `points.csv`.
fn write_points_and_figures(sweep: &Sweep, job: &Job, args: &SweepArgs, c: &Common) -> Result<u64> {
    let partial = &job.partial;
    let point_rows = points_from_runs(&partial.join("runs.csv"), &partial.join("points.csv"))?;
    if args.plots {
        let figs = crate::plot::sweep_figures(partial, &sweep.columns)?;
        if !c.quiet {
            eprintln!("drew {} figures", figs.len());
        }
    }
    Ok(point_rows)
}

/// Finishes a sweep: the manifest (whose presence marks a finished sweep), then the state
/// files go, the lock is released and the directory is renamed into place. Returns where.
fn finish(job: &Job, manifest: &serde_json::Value, lock: fs::File, force: bool) -> Result<PathBuf> {
    let partial = &job.partial;
    let text = serde_json::to_string_pretty(manifest).unwrap_or_default();
    write_atomic(partial, "manifest.json", format!("{text}\n").as_bytes())?;
    fs::remove_file(partial.join(PROGRESS_FILE)).map_err(write_err(partial))?;
    fs::remove_file(partial.join(STATE_FILE)).map_err(write_err(partial))?;
    drop(lock);
    sync_dir(partial)?;
    finish_rename(partial, &job.out, force)
}

/// The closing line: runs, points, replicates, rule sets, shard, time and where the outputs are.
fn report(
    sweep: &Sweep,
    job: &Job,
    resumed: bool,
    session_runs: u64,
    elapsed: f64,
    run_seconds: f64,
    done: &Path,
) {
    let total_points = sweep.plan.points();
    eprintln!(
        "{} runs ({} points x {} replicates x {} rule sets{}) of `{}` in {:.2} s ({:.0} runs/s{}); outputs in {}",
        job.runs,
        job.points.end - job.points.start,
        sweep.replicates,
        sweep.rule_sets,
        job.shard
            .map(|sh| format!(", shard {}/{} of {total_points} points", sh.index, sh.count))
            .unwrap_or_default(),
        sweep.base.name,
        elapsed,
        session_runs as f64 / run_seconds.max(1e-9),
        if resumed {
            format!(", {session_runs} of them after resuming")
        } else {
            String::new()
        },
        done.display()
    );
}
