//! Running the cells of a sweep: chunks of (point, replicate) cells computed in parallel, sized for
//! about 0.2 s of work, handed in run order to the committer. Besides its sibling parts it may
//! import only `error` (and `rayon`).

use super::partial::{Committer, Progress, PROGRESS_FILE};
use super::point::{PointRun, Sweep};
use super::{Common, Job};
use crate::analysis::display::Display;
use crate::error::{RegimeError, Result};
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// Target wall time of one chunk of runs computed in parallel.
pub(super) const CHUNK_SECONDS: f64 = 0.2;
/// Largest chunk, in (point, replicate) cells.
pub(super) const MAX_CHUNK_CELLS: u64 = 1 << 16;
/// Largest chunk of rows held in memory, in bytes.
pub(super) const MAX_CHUNK_BYTES: f64 = 32e6;
/// Largest number of points (parsed scenarios) in one chunk.
pub(super) const MAX_CHUNK_POINTS: u64 = 256;

/// Runs the cells from `from` to the end of the job: chunks of cells computed in parallel,
/// handed in order to the committer. Returns the pair-rounds played.
pub(super) fn run_cells(
    sweep: &Sweep,
    job: &Job,
    from: Progress,
    c: &Common,
    done_before: u64,
) -> Result<u64> {
    let min_chunk = (4 * c.threads.max(1)) as u64;
    let replicates = sweep.replicates;
    let runs_per_cell = sweep.rule_sets as u64;
    let mut display = Display::new(
        c.quiet,
        job.runs,
        done_before,
        &sweep.base.name,
        "sweep",
        "runs",
    );
    let mut committer = Committer::start(&job.partial, "runs.csv", PROGRESS_FILE, from)?;
    let mut next = from.next_cell;
    let mut chunk = min_chunk;
    let mut cached: Option<(u64, Arc<PointRun>)> = None;
    let mut pair_rounds: u64 = 0;
    while next < job.cells.end {
        let t0 = Instant::now();
        let p0 = next / replicates;
        // At most MAX_CHUNK_POINTS scenarios are held at once.
        let end = (next + chunk)
            .min(job.cells.end)
            .min((p0 + MAX_CHUNK_POINTS) * replicates);
        let p1 = (end - 1) / replicates;
        let made: Vec<Result<Arc<PointRun>>> = (p0..=p1)
            .collect::<Vec<u64>>()
            .par_iter()
            .map(|&p| match &cached {
                Some((q, run)) if *q == p => Ok(run.clone()),
                _ => sweep.point(p).map(Arc::new),
            })
            .collect();
        let point_runs: Vec<Arc<PointRun>> = made.into_iter().collect::<Result<_>>()?;
        let results: Vec<(String, u64)> = (0..(end - next) as usize)
            .into_par_iter()
            .map(|i| {
                let cell = next + i as u64;
                let (point, replicate) = (cell / replicates, cell % replicates);
                let mut rows = String::new();
                let pr = sweep.cell(
                    &point_runs[(point - p0) as usize],
                    point,
                    replicate,
                    &mut rows,
                );
                (rows, pr)
            })
            .collect();
        cached = point_runs.last().map(|r| (p1, r.clone()));
        let bytes: usize = results.iter().map(|r| r.0.len()).sum();
        pair_rounds += results.iter().map(|r| r.1).sum::<u64>();
        committer.send(results.into_iter().map(|r| r.0).collect(), end)?;
        let cells_done = end - next;
        next = end;
        display.update((next - job.cells.start) * runs_per_cell);
        // Size the next chunk for about CHUNK_SECONDS of work and a bounded amount of memory.
        let per_cell = t0.elapsed().as_secs_f64() / cells_done as f64;
        let by_time = CHUNK_SECONDS / per_cell.max(1e-9);
        let by_bytes = MAX_CHUNK_BYTES / (bytes as f64 / cells_done as f64).max(1.0);
        chunk = (by_time.min(by_bytes) as u64).clamp(min_chunk, MAX_CHUNK_CELLS);
    }
    let last = committer.finish()?;
    display.finish();
    if last.next_cell != job.cells.end {
        return Err(RegimeError::Write {
            path: job.partial.join("runs.csv"),
            source: std::io::Error::other("not every run was written"),
        });
    }
    Ok(pair_rounds)
}
