//! `regime sweep --slurm --submit` on a real one-node Slurm cluster (started by `.ci/run` with
//! `.ci/slurm-up.sh`, which exports `REGIME_SLURM_CONF`): the merged files equal those of one
//! local sweep byte for byte, and a failed shard is resubmitted with the commands `regime status`
//! prints. Without a cluster the tests print `SKIPPED: ...` on standard error and return.

use super::common::{s, Work, BIN};
use super::sweep::grid;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Set by `.ci/run` to the cluster's slurm.conf when `.ci/slurm-up.sh` started one.
const CONF_VAR: &str = "REGIME_SLURM_CONF";
/// How long a tiny sweep may take on the test cluster, queueing included.
const TIMEOUT: Duration = Duration::from_secs(180);
/// Manifest keys that differ between a local sweep and a merged one: timings, threads, the
/// command line and where the merge came from (docs/sweep.md).
const MACHINE_KEYS: [&str; 7] = [
    "seconds",
    "threads",
    "resumed",
    "run_seconds_this_session",
    "pair_rounds_this_session",
    "arguments",
    "merged_from",
];

/// The cluster's slurm.conf, or `None` after a visible `SKIPPED` line.
fn cluster(test: &str) -> Option<String> {
    let conf = std::env::var(CONF_VAR).unwrap_or_default();
    let why = if conf.is_empty() {
        format!("{CONF_VAR} is not set (.ci/run starts a cluster with .ci/slurm-up.sh)")
    } else if Command::new("sbatch").arg("--version").output().is_err() {
        "sbatch is not on PATH".to_string()
    } else {
        return Some(conf);
    };
    // Straight to the process's standard error: the test harness captures `eprintln!`.
    let line = format!("SKIPPED: slurm::{test}: no Slurm cluster: {why}\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    None
}

/// Runs `program ARGS` with the cluster's configuration.
fn on_cluster(conf: &str, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("SLURM_CONF", conf)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

/// Asserts success and returns standard output.
fn ok(o: Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what} failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Waits until `done()` holds; on timeout fails with the queue and the jobs' logs.
fn wait_for(conf: &str, out: &Path, what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > TIMEOUT {
            let queue = on_cluster(conf, "squeue", &["-h", "-r"]);
            let logs: String = fs::read_dir(out.join("slurm/logs"))
                .map(|it| {
                    it.flatten()
                        .map(|e| {
                            let text = fs::read_to_string(e.path()).unwrap_or_default();
                            format!("--- {}\n{text}", e.path().display())
                        })
                        .collect()
                })
                .unwrap_or_default();
            panic!(
                "timed out after {TIMEOUT:?} waiting for {what}\nsqueue:\n{}\n{logs}",
                String::from_utf8_lossy(&queue.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The array job id recorded in `DIR/slurm/jobs.json`.
fn array_job(out: &Path) -> String {
    let text = fs::read_to_string(out.join("slurm/jobs.json")).expect("jobs.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("jobs.json is JSON");
    v["array_job"].as_str().expect("array_job").to_string()
}

/// A manifest without the keys that may differ.
fn manifest(dir: &Path) -> serde_json::Value {
    let text = fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    let o = v.as_object_mut().expect("manifest is an object");
    for k in MACHINE_KEYS {
        o.remove(k);
    }
    v
}

/// The merged sweep in `out` equals a local single-process sweep of `scenario`.
fn same_as_local(d: &Work, scenario: &Path, out: &Path) {
    let local = d.path("local");
    let args = [
        "sweep",
        &s(scenario),
        "--seed",
        "9",
        "--out",
        &s(&local),
        "-q",
    ];
    if !local.exists() {
        let o = Command::new(BIN).args(args).output().expect("regime");
        ok(o, "local sweep");
    }
    for f in ["runs.csv", "points.csv"] {
        assert!(
            fs::read(out.join(f)).expect(f) == fs::read(local.join(f)).expect(f),
            "{f} of the Slurm sweep differs from the local one"
        );
    }
    assert_eq!(manifest(out), manifest(&local));
}

/// A tiny sweep (12 points, 2 replicates) and its output directory, whose name has a space and
/// quotes.
fn setup(d: &Work, name: &str) -> (PathBuf, PathBuf) {
    let scenario = d.write("grid.toml", &grid(2));
    let scenario = fs::canonicalize(scenario).expect("canonical path");
    (scenario, d.path(name))
}

#[test]
fn a_job_array_merges_into_the_files_of_one_local_sweep() {
    let Some(conf) = cluster("a_job_array_merges_into_the_files_of_one_local_sweep") else {
        return;
    };
    let d = Work::new();
    let (scenario, out) = setup(&d, "cluster run's \"out\"");
    let args = [
        "sweep",
        &s(&scenario),
        "--slurm",
        "--submit",
        "--tasks",
        "4",
        "--seed",
        "9",
        "--out",
        &s(&out),
    ];
    let printed = ok(
        on_cluster(&conf, BIN, &args),
        "regime sweep --slurm --submit",
    );
    assert!(printed.contains("submitted array job"), "{printed}");
    wait_for(&conf, &out, "the merge", || {
        out.join("manifest.json").exists()
    });
    same_as_local(&d, &scenario, &out);
    let status = ok(
        on_cluster(&conf, BIN, &["status", &s(&out)]),
        "regime status",
    );
    assert!(status.contains("shard 4/4  complete"), "{status}");
    assert!(status.contains("nothing to resubmit"), "{status}");
}

#[test]
fn a_failed_shard_is_resubmitted_with_the_commands_status_prints() {
    let Some(conf) = cluster("a_failed_shard_is_resubmitted_with_the_commands_status_prints")
    else {
        return;
    };
    let d = Work::new();
    let (scenario, out) = setup(&d, "retry 'dir'");
    let base = [
        "sweep",
        &s(&scenario),
        "--slurm",
        "--tasks",
        "4",
        "--seed",
        "9",
    ];
    let out_args = ["--out", &s(&out)];
    let write = [&base[..], &out_args[..]].concat();
    ok(on_cluster(&conf, BIN, &write), "regime sweep --slurm");
    // A file where shard 3 goes makes array task 3 fail.
    let blocker = out.join("shards/3");
    fs::write(&blocker, "not a shard").expect("write");
    let submit = [&write[..], &["--force", "--submit"][..]].concat();
    ok(
        on_cluster(&conf, BIN, &submit),
        "regime sweep --slurm --submit",
    );
    let array = array_job(&out);
    wait_for(&conf, &out, "the array's tasks", || {
        let q = on_cluster(&conf, "squeue", &["-h", "-r", "-o", "%i"]);
        !String::from_utf8_lossy(&q.stdout)
            .lines()
            .any(|l| l.starts_with(&format!("{array}_")))
    });
    assert!(
        !out.join("manifest.json").exists(),
        "merged without shard 3"
    );
    fs::remove_file(&blocker).expect("remove");

    let status = ok(
        on_cluster(&conf, BIN, &["status", &s(&out)]),
        "regime status",
    );
    assert!(status.contains("shard 3/4  missing"), "{status}");
    assert!(status.contains("shard 1/4  complete"), "{status}");
    let commands: Vec<&str> = status
        .lines()
        .skip_while(|l| !l.ends_with("run:"))
        .skip(1)
        .map(str::trim)
        .collect();
    assert!(
        commands.iter().any(|c| c.contains("--array=3 ")),
        "{status}"
    );
    for c in &commands {
        ok(on_cluster(&conf, "sh", &["-c", c]), c);
    }
    wait_for(&conf, &out, "the re-queued merge", || {
        out.join("manifest.json").exists()
    });
    same_as_local(&d, &scenario, &out);
}

// ---------------------------------------------------------------------------------------------
// Without a cluster: refused options and the in-place merge
// ---------------------------------------------------------------------------------------------

#[test]
fn options_that_make_no_sense_for_a_job_array_are_refused() {
    let d = Work::new();
    let scenario = s(&d.write("grid.toml", &grid(2)));
    let base = ["sweep", scenario.as_str(), "--out", "x"];
    let with = |extra: &[&'static str]| [&base[..], extra].concat();
    d.input_error(&with(&["--slurm", "--plots"]), &["--plots", "regime plot"]);
    d.input_error(&with(&["--slurm", "--shard", "1/2"]), &["--shard"]);
    d.input_error(
        &with(&["--slurm", "--tasks", "13"]),
        &["--tasks", "1 to 12"],
    );
    d.input_error(&with(&["--slurm", "--time", "1h"]), &["--time", "HH:MM:SS"]);
    d.input_error(&with(&["--slurm", "--partition", "a b"]), &["--partition"]);
    d.input_error(&with(&["--tasks", "2"]), &["--slurm"]);
    // Several shard directories need --out: only one directory is merged into itself.
    d.input_error(&["merge", "a", "b"], &["--out"]);
}

#[test]
fn merge_into_a_slurm_directory_refuses_unfinished_and_foreign_shards() {
    let d = Work::new();
    let (scenario, out) = setup(&d, "in place");
    let other = d.write("other.toml", &grid(3));
    let run = |args: &[&str]| Command::new(BIN).args(args).output().expect("regime");
    let sweep = |sc: &Path, k: u64, dir: &Path| {
        let shard = format!("{k}/2");
        let args = [
            "sweep",
            &s(sc),
            "--seed",
            "9",
            "--shard",
            &shard,
            "--out",
            &s(dir),
            "-q",
        ];
        ok(run(&args), "regime sweep --shard");
    };
    let args = [
        "sweep",
        &s(&scenario),
        "--seed",
        "9",
        "--slurm",
        "--tasks",
        "2",
        "--out",
        &s(&out),
    ];
    ok(run(&args), "regime sweep --slurm");
    let shard = |k: u64| out.join(format!("shards/{k}"));
    sweep(&scenario, 1, &shard(1));
    fs::create_dir_all(out.join("shards/2.partial")).expect("mkdir");
    let refused = |needle: &str| {
        let o = run(&["merge", &s(&out)]);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{needle:?} not in {err}");
        assert!(!out.join("runs.csv").exists() && !out.join("manifest.json").exists());
    };
    refused(&format!("{}, which has no manifest.json", s(&shard(2))));
    fs::remove_dir(out.join("shards/2.partial")).expect("rmdir");
    sweep(&other, 2, &shard(2));
    refused(&format!("{}, a shard of another sweep", s(&shard(2))));
    fs::remove_dir_all(shard(2)).expect("rm");
    sweep(&scenario, 2, &shard(2));
    ok(run(&["merge", &s(&out), "-q"]), "regime merge DIR");
    same_as_local(&d, &scenario, &out);
    // It can run again (a re-queued merge job): same files.
    ok(run(&["merge", &s(&out), "-q"]), "regime merge DIR again");
    same_as_local(&d, &scenario, &out);
}
