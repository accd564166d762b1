//! `regime status DIR`: where a sweep submitted with `regime sweep --slurm` stands. Each shard is
//! complete, running, queued, partial or missing (from the files in `DIR/shards` and, when the
//! caller could ask `squeue`, the queue), the merge is done, running, queued, stuck or not
//! queued, and the exact shell commands to resubmit what is missing and re-queue the merge.
//! Besides its sibling parts it may import only `error`, `serde_json` and `std`.

use super::partial::partial_path;
use super::slurm::{shell_quote, CLUSTER_FILE, JOBS_FILE, SHARDS_DIR, SLURM_DIR};
use crate::error::{RegimeError, Result};
use std::path::{Path, PathBuf};

/// The `squeue -h -r -o` format [`parse_squeue`] reads: id, state, reason, command.
pub const SQUEUE_FORMAT: &str = "%i|%T|%r|%o";

/// One line of `squeue -h -r -o '%i|%T|%r|%o'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    /// `12` or, for an array task, `12_3`.
    pub id: String,
    /// `PENDING`, `RUNNING`, ...
    pub state: String,
    /// Why a pending job waits (`Dependency`, `DependencyNeverSatisfied`, ...).
    pub reason: String,
    /// The batch script (absolute).
    pub command: String,
}

/// Reads the output of `squeue -h -r -o '%i|%T|%r|%o'`; lines of another form are skipped.
pub fn parse_squeue(text: &str) -> Vec<QueueEntry> {
    text.lines()
        .filter_map(|line| {
            let mut it = line.trim().splitn(4, '|');
            Some(QueueEntry {
                id: it.next()?.to_string(),
                state: it.next()?.to_string(),
                reason: it.next()?.to_string(),
                command: it.next()?.to_string(),
            })
        })
        .collect()
}

/// Where one shard stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardState {
    /// `DIR/shards/K/manifest.json` is there.
    Complete,
    /// Its array task runs (the task's job id).
    Running(String),
    /// Its array task waits in the queue (the task's job id).
    Queued(String),
    /// `DIR/shards/K.partial` is there and no task works on it: resubmit, it resumes.
    Partial,
    /// Nothing done and nothing queued: resubmit.
    Missing,
}

/// Where the merge stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeState {
    /// `DIR/manifest.json` is there.
    Done,
    /// The merge job runs (its id).
    Running(String),
    /// The merge job waits (its id and Slurm's reason).
    Queued(String, String),
    /// The merge job waits for a dependency that can never be met (a failed task).
    Stuck(String),
    /// No merge job in the queue and no merged output.
    NotQueued,
}

/// Where a Slurm sweep stands, and what to run next.
#[derive(Debug, Clone)]
pub struct Status {
    /// `DIR`.
    pub dir: PathBuf,
    /// Array tasks = shards.
    pub tasks: u64,
    /// State of shard K at index K - 1.
    pub shards: Vec<ShardState>,
    /// The merge.
    pub merge: MergeState,
    /// Job ids of `DIR/slurm/jobs.json` (array, merge), if the jobs were submitted with `--submit`.
    pub submitted: Option<(String, String)>,
    /// Shell commands that resubmit the missing shards and re-queue the merge (empty when
    /// nothing needs doing).
    pub commands: Vec<String>,
}

/// What `DIR/slurm/cluster.json` and `jobs.json` say.
struct Layout {
    tasks: u64,
    sweep_script: String,
    merge_script: String,
    submitted: Option<(String, String)>,
}

/// The status of the Slurm sweep in `dir`, given the queue (empty when `squeue` is not there).
pub fn status(dir: &Path, queue: &[QueueEntry]) -> Result<Status> {
    let layout = read_layout(dir)?;
    let array_id = layout.submitted.as_ref().map(|(a, _)| a.as_str());
    let merge_id = layout.submitted.as_ref().map(|(_, m)| m.as_str());
    let ours = |e: &&QueueEntry, script: &str, id: Option<&str>| {
        e.command == script || Some(base_id(&e.id)) == id
    };
    let tasks: Vec<&QueueEntry> = queue
        .iter()
        .filter(|e| ours(e, &layout.sweep_script, array_id))
        .collect();
    let merges: Vec<&QueueEntry> = queue
        .iter()
        .filter(|e| ours(e, &layout.merge_script, merge_id))
        .collect();
    let shards: Vec<ShardState> = (1..=layout.tasks)
        .map(|k| shard_state(dir, k, &tasks))
        .collect();
    let merge = merge_state(dir, &merges);
    let mut old_arrays: Vec<String> = tasks.iter().map(|e| base_id(&e.id).to_string()).collect();
    old_arrays.sort();
    old_arrays.dedup();
    let commands = commands(&layout, &shards, &merge, &old_arrays);
    Ok(Status {
        dir: dir.to_path_buf(),
        tasks: layout.tasks,
        shards,
        merge,
        submitted: layout.submitted,
        commands,
    })
}

/// `12` of `12_3` or `12_[3-4]`.
fn base_id(id: &str) -> &str {
    id.split('_').next().unwrap_or(id)
}

/// The array tasks of a queue id: `12_3` → [3], `12_[1-3,5]` → [1, 2, 3, 5].
fn task_indices(id: &str) -> Vec<u64> {
    let Some((_, tail)) = id.split_once('_') else {
        return Vec::new();
    };
    let list = tail.trim_start_matches('[').trim_end_matches(']');
    let list = list.split('%').next().unwrap_or(list);
    list.split(',')
        .flat_map(|part| match part.split_once('-') {
            Some((a, b)) => match (a.parse::<u64>(), b.parse::<u64>()) {
                (Ok(a), Ok(b)) => (a..=b).collect(),
                _ => Vec::new(),
            },
            None => part.parse().map(|k| vec![k]).unwrap_or_default(),
        })
        .collect()
}

/// Shard `k`: the queue first (a running task may have finished its files a moment ago, and a
/// queued one will redo nothing), then the files.
fn shard_state(dir: &Path, k: u64, tasks: &[&QueueEntry]) -> ShardState {
    let out = dir.join(SHARDS_DIR).join(k.to_string());
    if let Some(e) = tasks.iter().find(|e| task_indices(&e.id).contains(&k)) {
        let id = format!("{}_{k}", base_id(&e.id));
        return match e.state.as_str() {
            "PENDING" | "REQUEUED" | "SUSPENDED" => ShardState::Queued(id),
            _ => ShardState::Running(id),
        };
    }
    if out.join("manifest.json").is_file() {
        ShardState::Complete
    } else if partial_path(&out).is_dir() {
        ShardState::Partial
    } else {
        ShardState::Missing
    }
}

/// The merge: the queue first, then `DIR/manifest.json`.
fn merge_state(dir: &Path, merges: &[&QueueEntry]) -> MergeState {
    if let Some(e) = merges.first() {
        return match (e.state.as_str(), e.reason.as_str()) {
            ("PENDING", "DependencyNeverSatisfied") => MergeState::Stuck(e.id.clone()),
            ("PENDING", reason) => MergeState::Queued(e.id.clone(), reason.to_string()),
            _ => MergeState::Running(e.id.clone()),
        };
    }
    if dir.join("manifest.json").is_file() {
        MergeState::Done
    } else {
        MergeState::NotQueued
    }
}

/// The commands that bring the sweep to its end: resubmit the shards that are missing or
/// partial (as one array) and queue a fresh merge after them and after any tasks still in the
/// queue, cancelling a merge that waits in vain; or just queue the merge.
fn commands(
    layout: &Layout,
    shards: &[ShardState],
    merge: &MergeState,
    old_arrays: &[String],
) -> Vec<String> {
    let redo: Vec<String> = shards
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, ShardState::Missing | ShardState::Partial))
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    let sweep = shell_quote(&layout.sweep_script);
    let merge_script = shell_quote(&layout.merge_script);
    let after_old: String = old_arrays
        .iter()
        .map(|id| format!(",afterany:{id}"))
        .collect();
    let mut out = Vec::new();
    let waiting = match merge {
        MergeState::Queued(id, _) | MergeState::Stuck(id) => Some(id.clone()),
        _ => None,
    };
    if !redo.is_empty() {
        out.extend(waiting.map(|id| format!("scancel {id}")));
        out.push(format!(
            "id=$(sbatch --parsable --array={} {sweep}) && sbatch --dependency=afterok:${{id%%;*}}{after_old} {merge_script}",
            redo.join(",")
        ));
    } else if let MergeState::Stuck(id) = merge {
        out.push(format!("scancel {id}"));
        out.push(resubmit_merge(&merge_script, old_arrays));
    } else if *merge == MergeState::NotQueued {
        out.push(resubmit_merge(&merge_script, old_arrays));
    }
    out
}

/// `sbatch merge.sbatch`, after the array jobs still in the queue if any.
fn resubmit_merge(merge_script: &str, old_arrays: &[String]) -> String {
    if old_arrays.is_empty() {
        return format!("sbatch {merge_script}");
    }
    let after: Vec<String> = old_arrays
        .iter()
        .map(|id| format!("afterany:{id}"))
        .collect();
    format!("sbatch --dependency={} {merge_script}", after.join(","))
}

/// Reads `DIR/slurm/cluster.json` (required) and `DIR/slurm/jobs.json` (if submitted).
fn read_layout(dir: &Path) -> Result<Layout> {
    let path = dir.join(SLURM_DIR).join(CLUSTER_FILE);
    if !path.is_file() {
        return Err(RegimeError::argument(
            "DIR",
            "the output directory of `regime sweep --slurm` (with slurm/cluster.json)",
            format!("{}, which has no {SLURM_DIR}/{CLUSTER_FILE}", dir.display()),
        ));
    }
    let cluster = crate::io::input::read_json(&path)?;
    let field =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(String::from);
    let jobs_path = dir.join(SLURM_DIR).join(JOBS_FILE);
    let submitted = if jobs_path.is_file() {
        let jobs = crate::io::input::read_json(&jobs_path)?;
        field(&jobs, "array_job").zip(field(&jobs, "merge_job"))
    } else {
        None
    };
    let tasks = cluster.get("tasks").and_then(|x| x.as_u64());
    match (
        tasks,
        field(&cluster, "sweep_script"),
        field(&cluster, "merge_script"),
    ) {
        (Some(tasks), Some(sweep_script), Some(merge_script)) if tasks > 0 => Ok(Layout {
            tasks,
            sweep_script,
            merge_script,
            submitted,
        }),
        _ => Err(RegimeError::argument(
            "DIR",
            "a cluster.json with tasks, sweep_script and merge_script",
            format!("{}, which lacks them", path.display()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn array_ids_expand_to_their_tasks() {
        assert_eq!(task_indices("12_3"), [3]);
        assert_eq!(task_indices("12_[1-3,5]"), [1, 2, 3, 5]);
        assert_eq!(task_indices("12_[2-4%2]"), [2, 3, 4]);
        assert!(task_indices("12").is_empty());
        assert_eq!(base_id("12_[1-3]"), "12");
    }

    #[test]
    fn shards_and_merge_are_read_from_files_and_queue_with_the_commands_to_finish() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path();
        let (sweep, merge) = ("/c/slurm/sweep.sbatch", "/c/slurm/merge.sbatch");
        fs::create_dir_all(dir.join("slurm")).expect("mkdir");
        let cluster = serde_json::json!({"tasks": 4, "sweep_script": sweep, "merge_script": merge});
        fs::write(dir.join("slurm/cluster.json"), cluster.to_string()).expect("write");
        fs::create_dir_all(dir.join("shards/1")).expect("mkdir");
        fs::write(dir.join("shards/1/manifest.json"), "{}").expect("write");
        fs::create_dir_all(dir.join("shards/2.partial")).expect("mkdir");
        let queue = parse_squeue(&format!(
            "7_4|PENDING|Resources|{sweep}\n8|PENDING|DependencyNeverSatisfied|{merge}\n9_1|RUNNING|None|/other.sbatch\n"
        ));
        let st = status(dir, &queue).expect("status");
        use ShardState::*;
        assert_eq!(
            st.shards,
            [Complete, Partial, Missing, Queued("7_4".into())]
        );
        assert_eq!(st.merge, MergeState::Stuck("8".into()));
        assert_eq!(
            st.commands,
            [
                "scancel 8".to_string(),
                format!("id=$(sbatch --parsable --array=2,3 {sweep}) && sbatch --dependency=afterok:${{id%%;*}},afterany:7 {merge}")
            ]
        );
        // Everything complete, nothing queued: queue the merge.
        let st = status(dir, &[]).expect("status");
        assert_eq!(st.merge, MergeState::NotQueued);
        assert!(st.commands[0].contains("--array=2,3"), "{:?}", st.commands);
        for k in 2..=4 {
            fs::create_dir_all(dir.join(format!("shards/{k}"))).expect("mkdir");
            fs::write(dir.join(format!("shards/{k}/manifest.json")), "{}").expect("write");
        }
        assert_eq!(
            status(dir, &[]).expect("status").commands,
            [format!("sbatch {merge}")]
        );
        fs::write(dir.join("manifest.json"), "{}").expect("write");
        assert!(status(dir, &[]).expect("status").commands.is_empty());
        assert!(status(&dir.join("nowhere"), &[]).is_err());
    }
}
