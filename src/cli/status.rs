//! `regime status DIR`: where a sweep submitted with `regime sweep --slurm` stands, asking
//! `squeue` when it is there, and the commands that finish it.

use regime::analysis::sweep::{self, MergeState, ShardState, Status};
use std::path::Path;
use std::process::Command;

/// `regime status DIR`.
pub fn status(dir: &Path) -> anyhow::Result<()> {
    let (queue, asked) = match squeue() {
        Some(text) => (sweep::parse_squeue(&text), true),
        None => (Vec::new(), false),
    };
    let st = sweep::status(dir, &queue)?;
    print(&st, asked);
    Ok(())
}

/// The output of `squeue -h -r -o FORMAT`, or `None` when there is no squeue (or it fails).
fn squeue() -> Option<String> {
    let out = Command::new("squeue")
        .args(["-h", "-r", "-o", sweep::SQUEUE_FORMAT])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Prints one line per shard, the merge, and the commands to run.
fn print(st: &Status, asked: bool) {
    let jobs = st
        .submitted
        .as_ref()
        .map(|(a, m)| format!(" (array job {a}, merge job {m})"))
        .unwrap_or_default();
    println!("{}: {} shards{jobs}", st.dir.display(), st.tasks);
    if !asked {
        println!("(squeue is not available: running and queued tasks show as partial or missing)");
    }
    for (i, s) in st.shards.iter().enumerate() {
        let state = match s {
            ShardState::Complete => "complete".to_string(),
            ShardState::Running(id) => format!("running (job {id})"),
            ShardState::Queued(id) => format!("queued (job {id})"),
            ShardState::Partial => "partial (interrupted; resubmit to resume it)".to_string(),
            ShardState::Missing => "missing".to_string(),
        };
        println!("shard {}/{}  {state}", i + 1, st.tasks);
    }
    let merge = match &st.merge {
        MergeState::Done => "done (runs.csv, points.csv, manifest.json)".to_string(),
        MergeState::Running(id) => format!("running (job {id})"),
        MergeState::Queued(id, reason) => format!("queued (job {id}, {reason})"),
        MergeState::Stuck(id) => format!("stuck (job {id} waits for a task that failed)"),
        MergeState::NotQueued => "not queued".to_string(),
    };
    println!("merge  {merge}");
    if st.commands.is_empty() {
        println!("nothing to resubmit");
        return;
    }
    println!("to resubmit the missing shards and re-queue the merge, run:");
    for c in &st.commands {
        println!("  {c}");
    }
}
