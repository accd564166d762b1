//! `regime sweep --slurm`: a sweep as a Slurm job array. Writes `DIR/slurm/sweep.sbatch` (task K
//! runs shard K/N into `DIR/shards/K`), `DIR/slurm/merge.sbatch` (`regime merge DIR`, submitted
//! after the array) and `DIR/slurm/cluster.json`, without running anything; submitting them is
//! the command line's job. Besides its sibling parts it may import only `error`, `io::output`
//! (output directories), `io::scenario` (the scenario type), `serde_json` and `std`.

use super::partial::{write_atomic, write_err};
use super::point::Sweep;
use super::{Common, SweepArgs, SweepSpec};
use crate::error::{RegimeError, Result};
use crate::io::output::OutputDir;
use crate::io::scenario::Scenario;
use std::fs;
use std::path::{Path, PathBuf};

/// The folder of `DIR` that holds the scripts, `cluster.json` and `jobs.json`.
pub const SLURM_DIR: &str = "slurm";
/// The folder of `DIR` that holds one shard output per array task (`shards/K`).
pub const SHARDS_DIR: &str = "shards";
/// The job array's script.
pub const SWEEP_SCRIPT: &str = "sweep.sbatch";
/// The merge job's script.
pub const MERGE_SCRIPT: &str = "merge.sbatch";
/// What the job is: tasks, points, the command lines.
pub const CLUSTER_FILE: &str = "cluster.json";
/// The ids of submitted jobs.
pub const JOBS_FILE: &str = "jobs.json";
/// Array tasks when `--tasks` is not given (fewer if the sweep has fewer points).
const DEFAULT_TASKS: u64 = 16;

/// The Slurm options of `regime sweep --slurm` (the command line's arguments, without clap).
#[derive(Debug, Clone, Default)]
pub struct SlurmOptions {
    /// Array tasks, one shard each (default: 16, at most the sweep's points).
    pub tasks: Option<u64>,
    /// `#SBATCH --partition`.
    pub partition: Option<String>,
    /// `#SBATCH --time` (Slurm's forms: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH[:MM[:SS]]`).
    pub time: Option<String>,
    /// `#SBATCH --cpus-per-task`, also the tasks' `--threads` unless that is passed through.
    pub cpus_per_task: Option<u32>,
    /// The `regime` binary the tasks run (absolute).
    pub binary: PathBuf,
    /// Options every task passes on to `regime sweep` (`--seed`, `--set`, `--threads`, `-q`).
    pub pass_through: Vec<String>,
}

/// A sweep laid out as a job array: everything the scripts say.
#[derive(Debug, Clone)]
pub struct SlurmJob {
    /// Absolute output directory `DIR`.
    pub out: PathBuf,
    /// Absolute scenario file.
    pub scenario: PathBuf,
    /// Array tasks = shards.
    pub tasks: u64,
    /// Points of the whole sweep.
    pub points: u64,
    /// The sweep's hash, as in its manifests.
    pub hash: String,
    /// Slurm job name (the scenario's name, made safe).
    pub name: String,
    /// The options, validated.
    pub options: SlurmOptions,
}

/// Prepares the job array of a sweep and writes its files into `DIR` (see the module
/// documentation). Refuses `--plots` and `--shard`, bad Slurm options and an existing `DIR`
/// without `--force` (which rewrites `DIR/slurm` and keeps `DIR/shards`) with input errors.
pub fn slurm_command(
    s: &Scenario,
    args: &SweepArgs,
    c: &Common,
    options: SlurmOptions,
) -> Result<SlurmJob> {
    refuse_with_slurm(args)?;
    let spec = SweepSpec::from_scenario(s)?;
    let sweep = Sweep::new(s, &args.scenario, spec, c.seed.unwrap_or(s.seed))?;
    sweep.check()?;
    let job = SlurmJob::new(&sweep, &args.scenario, c, options)?;
    write_files(&job, c.force)?;
    Ok(job)
}

/// `--plots` and `--shard` make no sense for a job array.
fn refuse_with_slurm(args: &SweepArgs) -> Result<()> {
    if args.plots {
        return Err(RegimeError::argument(
            "--plots",
            "no --plots with --slurm (draw figures after the merge: regime plot DIR/points.csv ...)",
            "--plots",
        ));
    }
    if let Some(sh) = &args.shard {
        return Err(RegimeError::argument(
            "--shard",
            "no --shard with --slurm (array task K runs shard K of --tasks)",
            sh.clone(),
        ));
    }
    Ok(())
}

impl SlurmJob {
    /// The job of `sweep`, with absolute paths and checked options.
    fn new(sweep: &Sweep, scenario: &Path, c: &Common, options: SlurmOptions) -> Result<SlurmJob> {
        let points = sweep.plan.points();
        let tasks = options.tasks.unwrap_or(DEFAULT_TASKS.min(points.max(1)));
        if tasks == 0 || tasks > points.max(1) {
            return Err(RegimeError::argument(
                "--tasks",
                format!("a number from 1 to {} (the sweep's points)", points.max(1)),
                tasks.to_string(),
            ));
        }
        check_options(&options)?;
        let out = c
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("out").join(format!("sweep-{}", sweep.base.name)));
        Ok(SlurmJob {
            out: utf8(absolute(&out, "--out")?, "--out")?,
            scenario: utf8(absolute(scenario, "SCENARIO")?, "SCENARIO")?,
            tasks,
            points,
            hash: sweep.hash(),
            name: job_name(&sweep.base.name),
            options: SlurmOptions {
                binary: utf8(options.binary.clone(), "the regime binary")?,
                ..options
            },
        })
    }

    /// `DIR/slurm/NAME`.
    pub fn slurm_file(&self, name: &str) -> PathBuf {
        self.out.join(SLURM_DIR).join(name)
    }
}

/// `path` made absolute (an existing file is canonicalised, so that symlinks do not matter).
fn absolute(path: &Path, what: &str) -> Result<PathBuf> {
    fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .map_err(|e| RegimeError::argument(what, "a path that can be made absolute", e.to_string()))
}

/// Scripts are text: paths must be UTF-8.
fn utf8(path: PathBuf, what: &str) -> Result<PathBuf> {
    match path.to_str() {
        Some(_) => Ok(path),
        None => Err(RegimeError::argument(
            what,
            "a UTF-8 path",
            path.display().to_string(),
        )),
    }
}

/// Text of a path checked by [`utf8`].
fn text(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}

/// A Slurm job name from the scenario's name: letters, digits, `_`, `.` and `-` only.
fn job_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || "_.-".contains(ch) {
                ch
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("regime-{safe}")
}

/// `--partition`, `--time` and `--cpus-per-task` are values Slurm accepts and safe in a
/// `#SBATCH` line.
fn check_options(o: &SlurmOptions) -> Result<()> {
    if let Some(p) = &o.partition {
        let ok = !p.is_empty()
            && p.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "_.,-".contains(ch));
        if !ok {
            return Err(RegimeError::argument(
                "--partition",
                "a partition name (letters, digits, _ . - and commas between names)",
                p.clone(),
            ));
        }
    }
    if let Some(t) = &o.time {
        if !is_slurm_time(t) {
            return Err(RegimeError::argument(
                "--time",
                "a time limit as Slurm takes it: HH:MM:SS, MM, MM:SS or D-HH[:MM[:SS]]",
                t.clone(),
            ));
        }
    }
    if o.cpus_per_task == Some(0) {
        return Err(RegimeError::argument(
            "--cpus-per-task",
            "a number >= 1",
            "0",
        ));
    }
    Ok(())
}

/// Slurm's time forms: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S` (digits only).
fn is_slurm_time(t: &str) -> bool {
    let digits = |x: &str| !x.is_empty() && x.len() <= 6 && x.bytes().all(|b| b.is_ascii_digit());
    let (days, rest) = match t.split_once('-') {
        Some((d, r)) => (Some(d), r),
        None => (None, t),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    days.is_none_or(digits) && parts.iter().all(|p| digits(p)) && parts.len() <= 3
}

/// Quotes `s` for a POSIX shell: as it is when it holds only safe characters, otherwise in
/// single quotes, with each `'` written as `'\''`.
pub fn shell_quote(s: &str) -> String {
    let safe = |ch: char| ch.is_ascii_alphanumeric() || "_./:=,+@%-".contains(ch);
    if !s.is_empty() && s.chars().all(safe) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The `#!` line, the `#SBATCH` lines and the log redirection shared by both scripts.
fn header(job: &SlurmJob, name: &str, array: bool) -> String {
    let mut h = String::from("#!/bin/sh\n");
    h.push_str(&format!("#SBATCH --job-name={}-{name}\n", job.name));
    if array {
        h.push_str(&format!("#SBATCH --array=1-{}\n", job.tasks));
    }
    // Slurm cannot quote paths in #SBATCH lines: the script redirects its own output instead.
    h.push_str("#SBATCH --output=/dev/null\n");
    if let Some(p) = &job.options.partition {
        h.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(t) = &job.options.time {
        h.push_str(&format!("#SBATCH --time={t}\n"));
    }
    if let Some(c) = job.options.cpus_per_task {
        h.push_str(&format!("#SBATCH --cpus-per-task={c}\n"));
    }
    h
}

/// The lines after the comments: strict mode, `out=DIR`, the script's own `lines`, and the
/// output sent to the log file `DIR/slurm/logs/LOG`.
fn prologue(job: &SlurmJob, lines: &str, log: &str) -> String {
    format!(
        "set -eu\nout={}\n{lines}mkdir -p \"$out/{SLURM_DIR}/logs\"\nexec >>\"$out/{SLURM_DIR}/logs/{log}\" 2>&1\n",
        shell_quote(text(&job.out))
    )
}

/// The options every task passes to `regime sweep` after `--resume`.
fn pass_through(job: &SlurmJob) -> Vec<String> {
    let mut extra = job.options.pass_through.clone();
    if let Some(c) = job.options.cpus_per_task {
        if !extra.iter().any(|a| a == "--threads") {
            extra.extend(["--threads".to_string(), c.to_string()]);
        }
    }
    extra
}

/// The command of array task `$task`, quoted for `sh` (it refers to `$out` and `$task`).
pub fn task_command(job: &SlurmJob) -> String {
    let mut words = vec![
        shell_quote(text(&job.options.binary)),
        "sweep".to_string(),
        shell_quote(text(&job.scenario)),
        "--shard".to_string(),
        format!("\"$task/{}\"", job.tasks),
        "--out".to_string(),
        format!("\"$out/{SHARDS_DIR}/$task\""),
        "--resume".to_string(),
    ];
    words.extend(pass_through(job).iter().map(|a| shell_quote(a)));
    words.join(" ")
}

/// `DIR/slurm/sweep.sbatch`: array task K runs shard K/N into `DIR/shards/K`, unless that
/// shard is complete already.
pub fn sweep_script(job: &SlurmJob) -> String {
    let n = job.tasks;
    let mut s = header(job, "sweep", true);
    s.push_str(&format!(
        "# Written by `regime sweep --slurm` (docs/sweep.md). Array task K runs shard K/{n} of the\n\
         # sweep into DIR/shards/K, resuming it if it was interrupted; a complete shard is left alone.\n\
         # Resubmit one task: sbatch --array=K {script}\n",
        script = shell_quote(text(&job.slurm_file(SWEEP_SCRIPT)))
    ));
    s.push_str(&prologue(
        job,
        "task=${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is a job array}\n",
        "sweep-$task.log",
    ));
    s.push_str(&format!(
        "if [ -f \"$out/{SHARDS_DIR}/$task/manifest.json\" ]; then\n  \
         echo \"shard $task/{n} is complete already: nothing to do\"\n  exit 0\nfi\n\
         exec {}\n",
        task_command(job)
    ));
    s
}

/// The merge job's command: `regime merge DIR`.
pub fn merge_command_line(job: &SlurmJob) -> String {
    format!(
        "{} merge {}",
        shell_quote(text(&job.options.binary)),
        shell_quote(text(&job.out))
    )
}

/// `DIR/slurm/merge.sbatch`: `regime merge DIR`, to be submitted with
/// `--dependency=afterok:<array job id>`; it can be re-queued at any time.
pub fn merge_script(job: &SlurmJob) -> String {
    let mut s = header(job, "merge", false);
    s.push_str(&format!(
        "# Written by `regime sweep --slurm` (docs/sweep.md). Merges DIR/shards/* into DIR once every\n\
         # shard is complete. Submit after the array: sbatch --dependency=afterok:ARRAY_JOB_ID {script}\n\
         # Re-queue it alone at any time: sbatch {script}\n",
        script = shell_quote(text(&job.slurm_file(MERGE_SCRIPT)))
    ));
    s.push_str(&prologue(job, "", "merge.log"));
    s.push_str(&format!("exec {}\n", merge_command_line(job)));
    s
}

/// `--dependency=afterok:ID`: the merge starts once every task of array job `ID` has succeeded.
pub fn merge_dependency(array_job: &str) -> String {
    format!("--dependency=afterok:{array_job}")
}

/// The shell line that submits the array and then the merge after it (what `--submit` does).
pub fn submit_line(job: &SlurmJob) -> String {
    format!(
        "id=$(sbatch --parsable {}) && sbatch {} {}",
        shell_quote(text(&job.slurm_file(SWEEP_SCRIPT))),
        merge_dependency("${id%%;*}"),
        shell_quote(text(&job.slurm_file(MERGE_SCRIPT)))
    )
}

/// `DIR/slurm/cluster.json`: the job in a form programs read (`regime status` among them).
pub fn cluster_json(job: &SlurmJob) -> serde_json::Value {
    let shards: Vec<serde_json::Value> = (1..=job.tasks)
        .map(|k| {
            let r = super::Shard {
                index: k,
                count: job.tasks,
            }
            .points(job.points);
            serde_json::json!({"task": k, "shard": format!("{k}/{}", job.tasks), "points": [r.start, r.end]})
        })
        .collect();
    serde_json::json!({
        "tool": "regime",
        "version": env!("CARGO_PKG_VERSION"),
        "scenario": text(&job.scenario),
        "out": text(&job.out),
        "sweep_sha256": job.hash,
        "points": job.points,
        "tasks": job.tasks,
        "array": format!("1-{}", job.tasks),
        "partition": job.options.partition,
        "time": job.options.time,
        "cpus_per_task": job.options.cpus_per_task,
        "sweep_script": text(&job.slurm_file(SWEEP_SCRIPT)),
        "merge_script": text(&job.slurm_file(MERGE_SCRIPT)),
        "task_command": format!("out={}; task=$SLURM_ARRAY_TASK_ID; {}", shell_quote(text(&job.out)), task_command(job)),
        "merge_command": merge_command_line(job),
        "submit": submit_line(job),
        "shards": shards,
    })
}

/// Writes the scripts and `cluster.json` into `DIR/slurm` and creates `DIR/shards`. A new `DIR`
/// appears whole (renamed into place); with `--force` an existing `DIR/slurm` is replaced
/// whole and `DIR/shards` is kept.
fn write_files(job: &SlurmJob, force: bool) -> Result<()> {
    let cluster = serde_json::to_string_pretty(&cluster_json(job)).unwrap_or_default() + "\n";
    let files = [
        (SWEEP_SCRIPT, sweep_script(job)),
        (MERGE_SCRIPT, merge_script(job)),
        (CLUSTER_FILE, cluster),
    ];
    if !job.out.exists() {
        let dir = OutputDir::create(&job.out, false)?;
        write_slurm_dir(&dir.file(SLURM_DIR), &files)?;
        let shards = dir.file(SHARDS_DIR);
        fs::create_dir(&shards).map_err(write_err(&shards))?;
        dir.commit()?;
        return Ok(());
    }
    if !force {
        return Err(RegimeError::OutputExists(job.out.clone()));
    }
    let staging = job
        .out
        .join(format!(".{SLURM_DIR}.tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    write_slurm_dir(&staging, &files)?;
    let target = job.out.join(SLURM_DIR);
    if target.exists() {
        fs::remove_dir_all(&target).map_err(write_err(&target))?;
    }
    fs::rename(&staging, &target).map_err(write_err(&target))?;
    let shards = job.out.join(SHARDS_DIR);
    fs::create_dir_all(&shards).map_err(write_err(&shards))
}

/// Creates `dir` with `files` (name, text) in it.
fn write_slurm_dir(dir: &Path, files: &[(&str, String)]) -> Result<()> {
    fs::create_dir_all(dir).map_err(write_err(dir))?;
    for (name, text) in files {
        let path = dir.join(name);
        fs::write(&path, text).map_err(write_err(&path))?;
    }
    Ok(())
}

/// Records the submitted jobs' ids in `DIR/slurm/jobs.json` (atomically).
pub fn record_jobs(job: &SlurmJob, array: &str, merge: &str) -> Result<()> {
    let v = serde_json::json!({
        "array_job": array,
        "merge_job": merge,
        "tasks": job.tasks,
        "sweep_script": text(&job.slurm_file(SWEEP_SCRIPT)),
        "merge_script": text(&job.slurm_file(MERGE_SCRIPT)),
    });
    let text = serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    write_atomic(&job.out.join(SLURM_DIR), JOBS_FILE, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// A job of 4 tasks whose "binary" prints its arguments one per line, in folders whose
    /// names hold spaces and quotes.
    fn job(root: &Path, options: SlurmOptions) -> SlurmJob {
        let bin_dir = root.join("bin 'x' \"y\"");
        fs::create_dir_all(&bin_dir).expect("mkdir");
        let binary = bin_dir.join("print args");
        fs::write(
            &binary,
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n",
        )
        .expect("write");
        let mut perm = fs::metadata(&binary).expect("meta").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        fs::set_permissions(&binary, perm).expect("chmod");
        SlurmJob {
            out: root.join("out $HOME 'q' \"d\" `x`"),
            scenario: root.join("my scenario's.toml"),
            tasks: 4,
            points: 10,
            hash: "abc".into(),
            name: job_name("tiny world"),
            options: SlurmOptions { binary, ..options },
        }
    }

    /// Runs `script` with `sh` and `SLURM_ARRAY_TASK_ID=task`; returns the lines of `log`.
    fn run(job: &SlurmJob, script: &str, task: &str, log: &str) -> Vec<String> {
        let path = job.out.join("script.sh");
        fs::create_dir_all(&job.out).expect("mkdir");
        fs::write(&path, script).expect("write");
        let status = Command::new("sh")
            .arg(&path)
            .env("SLURM_ARRAY_TASK_ID", task)
            .status()
            .expect("sh");
        assert!(status.success());
        let text = fs::read_to_string(job.out.join("slurm/logs").join(log)).expect("log");
        text.lines().map(String::from).collect()
    }

    #[test]
    fn quoting_survives_a_round_trip_through_sh() {
        for s in [
            "plain", "a b", "it's", "\"q\"", "$HOME", "`id`", "a'b\"c d", "", "\\n;|&",
        ] {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", shell_quote(s)))
                .output()
                .expect("sh");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                s,
                "{}",
                shell_quote(s)
            );
        }
        assert_eq!(shell_quote("/a/b-c_d.toml"), "/a/b-c_d.toml");
    }

    #[test]
    fn the_array_script_runs_shard_k_of_n_with_the_passed_options() {
        let root = tempfile::tempdir().expect("tempdir");
        let options = SlurmOptions {
            partition: Some("short".into()),
            time: Some("01:30:00".into()),
            cpus_per_task: Some(2),
            pass_through: vec![
                "--seed".into(),
                "9".into(),
                "--set".into(),
                "a b='c'".into(),
            ],
            ..SlurmOptions::default()
        };
        let job = job(root.path(), options);
        let script = sweep_script(&job);
        for line in [
            "#SBATCH --array=1-4\n",
            "#SBATCH --partition=short\n",
            "#SBATCH --time=01:30:00\n",
            "#SBATCH --cpus-per-task=2\n",
            "#SBATCH --job-name=regime-tiny_world-sweep\n",
        ] {
            assert!(script.contains(line), "{line} missing from\n{script}");
        }
        let shard = job.out.join("shards/2");
        let expected = [
            "sweep",
            job.scenario.to_str().unwrap_or_default(),
            "--shard",
            "2/4",
            "--out",
            shard.to_str().unwrap_or_default(),
            "--resume",
            "--seed",
            "9",
            "--set",
            "a b='c'",
            "--threads",
            "2",
        ];
        assert_eq!(run(&job, &script, "2", "sweep-2.log"), expected);
        // A complete shard is left alone.
        fs::create_dir_all(&shard).expect("mkdir");
        fs::write(shard.join("manifest.json"), "{}").expect("write");
        let log = run(&job, &script, "2", "sweep-2.log");
        assert!(
            log.last().is_some_and(|l| l.contains("complete already")),
            "{log:?}"
        );
    }

    #[test]
    fn the_merge_script_merges_the_directory_into_itself() {
        let root = tempfile::tempdir().expect("tempdir");
        let job = job(root.path(), SlurmOptions::default());
        let script = merge_script(&job);
        assert!(!script.contains("--array"), "{script}");
        assert!(
            script.contains("--dependency=afterok:ARRAY_JOB_ID"),
            "{script}"
        );
        let out = job.out.to_str().unwrap_or_default();
        assert_eq!(run(&job, &script, "", "merge.log"), ["merge", out]);
        let cluster = cluster_json(&job);
        assert_eq!(cluster["tasks"], 4);
        assert_eq!(cluster["shards"][3]["points"], serde_json::json!([7, 10]));
    }

    #[test]
    fn the_submit_line_queues_the_merge_after_the_array() {
        let root = tempfile::tempdir().expect("tempdir");
        let job = job(root.path(), SlurmOptions::default());
        // A fake sbatch that records its arguments and answers as `--parsable` does.
        let bin = root.path().join("fake bin");
        fs::create_dir_all(&bin).expect("mkdir");
        let record = root.path().join("calls");
        let fake = format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >>{}\necho -- >>{}\necho '42;cluster'\n",
            shell_quote(text(&record)),
            shell_quote(text(&record))
        );
        let sbatch = bin.join("sbatch");
        fs::write(&sbatch, fake).expect("write");
        let mut perm = fs::metadata(&sbatch).expect("meta").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        fs::set_permissions(&sbatch, perm).expect("chmod");
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("sh")
            .args(["-c", &submit_line(&job)])
            .env("PATH", path)
            .output()
            .expect("sh");
        assert!(out.status.success());
        let calls = fs::read_to_string(&record).expect("calls");
        let sweep = job.slurm_file(SWEEP_SCRIPT);
        let merge = job.slurm_file(MERGE_SCRIPT);
        let expected = format!(
            "--parsable\n{}\n--\n--dependency=afterok:42\n{}\n--\n",
            sweep.display(),
            merge.display()
        );
        assert_eq!(calls, expected);
    }

    #[test]
    fn slurm_options_are_checked() {
        for t in ["01:00:00", "30", "10:00", "2-12", "1-00:30:00"] {
            assert!(is_slurm_time(t), "{t}");
        }
        for t in ["", "1h", "01:00:00:00", "1 h", "-1", "1-"] {
            assert!(!is_slurm_time(t), "{t}");
        }
        let bad = |o: SlurmOptions| check_options(&o).is_err();
        assert!(bad(SlurmOptions {
            partition: Some("a;b".into()),
            ..SlurmOptions::default()
        }));
        assert!(bad(SlurmOptions {
            cpus_per_task: Some(0),
            ..SlurmOptions::default()
        }));
        assert!(!bad(SlurmOptions {
            partition: Some("gpu,short".into()),
            ..SlurmOptions::default()
        }));
    }
}
