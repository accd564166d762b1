//! Throughput of `regime sweep` in runs per second, on one and on two worker threads, for a tiny
//! scenario (2 states, 1 issue, 5 rounds) where the sweep machinery (point scenarios, seeds, row
//! formatting, ordered streaming writes with fsync) weighs most against the engine. Run with
//! `cargo bench --bench sweep`; the figures and the 10^6-run memory measurement
//! (`benches/sweep_scaling.sh`) are recorded in `results/benchmarks-sweep.md`.

#![allow(clippy::result_large_err)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use regime::analysis::sweep::{sweep_command, Common, SweepArgs};
use regime::io::scenario;
use std::path::PathBuf;
use std::time::Duration;

/// Two states, one issue, five rounds; `points` x `replicates` runs under one rule set.
fn tiny(points: u64, replicates: u64) -> String {
    format!(
        r#"
name = "tiny"
rounds = 5
seed = 1
rule_sets = ["realist"]

[[states]]
name = "north"
group = "receiving"
region = "europe"
power = 2.0
position = 0.8
security = 0.6
economy = 0.7
rights = 0.3
sovereignty_cost = 0.8
discount = 0.9
strategy = "tit_for_tat"

[[states]]
name = "south"
group = "sending"
region = "africa"
power = 1.0
position = -0.6
security = 0.2
economy = 0.6
rights = 0.6
sovereignty_cost = 0.2
discount = 0.85
strategy = "grudger"

[[issues]]
name = "labour"
payoffs = {{ t = 5.0, r = 3.0, p = 1.0, s = 0.0 }}

[sweep]
design = "grid"
replicates = {replicates}
[sweep.axes]
"rules.realist.relative_gains" = {{ range = [0, {}], step = 1 }}
"#,
        points - 1
    )
}

fn sweep_runs_per_second(c: &mut Criterion) {
    let (points, replicates) = (20u64, 1000u64);
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("tiny.toml");
    std::fs::write(&file, tiny(points, replicates)).expect("write scenario");
    let s = scenario::load(&file, &[]).expect("valid scenario");
    let args = SweepArgs {
        scenario: file.clone(),
        resume: false,
        shard: None,
        plots: false,
    };
    let mut g = c.benchmark_group("sweep_tiny_runs");
    g.throughput(Throughput::Elements(points * replicates));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        let out: PathBuf = dir.path().join(format!("out-{threads}"));
        let common = Common {
            seed: None,
            out: Some(out),
            force: true,
            quiet: true,
            threads,
            limits: regime::analysis::budget::Limits::with_defaults(None, None, dir.path()),
        };
        g.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, _| {
            b.iter(|| {
                pool.install(|| sweep_command(&s, &args, &common))
                    .expect("sweep")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, sweep_runs_per_second);
criterion_main!(benches);
