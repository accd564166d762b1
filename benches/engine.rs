//! Throughput of the engines in pair-rounds per second (one stage game between two states in
//! one round). Run with `cargo bench --bench engine`; figures are recorded in
//! `results/benchmarks.md`.

#![allow(clippy::result_large_err)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use regime::analysis::experiment::run_replicates;
use regime::engine::rng::stream;
use regime::engine::sim::Record;
use regime::engine::tournament::{self, TournamentConfig};
use regime::io::scenario;
use regime::model::game::Payoffs;
use regime::model::strategy::Strategy;
use std::time::Duration;

const MEMORY_ONE: [&str; 8] = [
    "cooperator",
    "defector",
    "tit_for_tat",
    "win_stay_lose_shift",
    "suspicious_tit_for_tat",
    "memory_one(0,1,1,0,D)",
    "memory_one(1,0,0,0)",
    "memory_one(1,1,0,1,D)",
];

fn tournament_config(turns: u64, reps: u32, noise: f64) -> TournamentConfig {
    TournamentConfig {
        strategies: MEMORY_ONE
            .iter()
            .map(|s| Strategy::parse(s).expect("strategy"))
            .collect(),
        turns,
        reps,
        noise,
        payoffs: Payoffs::STANDARD,
        seed: 1,
        record_actions: false,
    }
}

/// Deterministic tournament of memory-one strategies: the exact cycle-skipping engine.
fn tournament_deterministic(c: &mut Criterion) {
    let mut g = c.benchmark_group("tournament_deterministic_memory_one");
    for turns in [200u64, 10_000] {
        let cfg = tournament_config(turns, 1000, 0.0);
        g.throughput(Throughput::Elements(cfg.pair_rounds()));
        g.bench_with_input(BenchmarkId::from_parameter(turns), &cfg, |b, cfg| {
            b.iter(|| tournament::run(cfg))
        });
    }
    g.finish();
}

/// The tournament of `benches/peers/compare_axelrod.sh` (the 8 deterministic strategies plus
/// gtft and random, 200 turns, 1000 repetitions) in-process, warm: the engine's side of the
/// Axelrod-Python ratio without a fresh process's first-call costs.
fn tournament_axelrod(c: &mut Criterion) {
    // the ten strategies that take no parameters, as in the script
    let names = &Strategy::NAMES[..10];
    assert_eq!(names[9], "random");
    let cfg = TournamentConfig {
        strategies: names
            .iter()
            .map(|s| Strategy::parse(s).expect("strategy"))
            .collect(),
        ..tournament_config(200, 1000, 0.0)
    };
    let mut g = c.benchmark_group("tournament_axelrod_10_strategies");
    g.throughput(Throughput::Elements(cfg.pair_rounds()));
    g.bench_function("1000_reps", |b| b.iter(|| tournament::run(&cfg)));
    g.finish();
}

/// The same matches played turn by turn (no cycle skipping), single thread.
fn tournament_turn_by_turn(c: &mut Criterion) {
    let g_payoffs = Payoffs::STANDARD;
    let machines: Vec<_> = MEMORY_ONE
        .iter()
        .map(|s| Strategy::parse(s).expect("strategy").machine(&g_payoffs))
        .collect();
    let turns = 10_000u64;
    let mut g = c.benchmark_group("tournament_turn_by_turn_one_thread");
    g.throughput(Throughput::Elements(
        turns * (machines.len() * machines.len()) as u64,
    ));
    g.bench_function("memory_one_8x8", |b| {
        let mut rng = stream(1);
        b.iter(|| {
            let mut total = 0u64;
            for ma in &machines {
                for mb in &machines {
                    total += tournament::play_turns(ma, mb, turns, 0.0, &mut rng, None)[0];
                }
            }
            total
        })
    });
    g.finish();
}

/// The full model on the shipped 193-state world scenario (8 issues, 61 rounds, both rule
/// sets), summaries only, replicates in parallel on all cores.
fn full_model(c: &mut Criterion) {
    let s =
        scenario::load(std::path::Path::new("scenarios/world.toml"), &[]).expect("world scenario");
    let reps = 4u64;
    // pair-rounds of one run: edges x issues x rounds
    let n = s.state_count();
    let per_run = n * (n - 1) / 2 * s.issues.len() as u64 * s.rounds;
    let mut g = c.benchmark_group("full_model_world_193");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(
        per_run * reps * s.rule_sets.len() as u64,
    ));
    g.bench_function("4_replicates_x_2_rule_sets", |b| {
        b.iter(|| {
            run_replicates(&s, &s.rule_sets, reps, Record::Summary, |_| Ok(())).expect("runs")
        })
    });
    g.finish();
}

/// `scenarios/spatial.toml` (Nowak and May 1992: Moore + self, imitate the best, b = 1.85) on a
/// `side` x `side` torus for `rounds` rounds.
fn nowak_may_scenario(side: u64, rounds: u64) -> regime::model::Scenario {
    let sets: Vec<String> = [
        format!("blocs[0].count={}", side * side),
        format!("topology.width={side}"),
        format!("topology.height={side}"),
        format!("rounds={rounds}"),
        format!("regime.negotiation_interval={rounds}"),
        format!("regime.sustain_rounds={rounds}"),
    ]
    .into();
    scenario::load(std::path::Path::new("scenarios/spatial.toml"), &sets).expect("spatial")
}

/// Issue 16, rows 1 and 2: the Nowak-May lattice, one replicate, summaries only (a large world
/// is played in blocks on all cores, see `engine::sim` blocks). Pair-rounds: 5 per cell and
/// round (4 undirected Moore links and itself).
fn nowak_may_lattice(c: &mut Criterion) {
    let mut g = c.benchmark_group("nowak_may_lattice");
    g.sample_size(10);
    for (side, rounds) in [(300u64, 40u64), (1000, 10)] {
        let s = nowak_may_scenario(side, rounds);
        g.throughput(Throughput::Elements(5 * side * side * rounds));
        let name = format!("{side}x{side}_{rounds}_rounds");
        g.bench_function(name, |b| {
            b.iter(|| {
                run_replicates(&s, &s.rule_sets, 1, Record::Summary, |_| Ok(())).expect("runs")
            })
        });
    }
    g.finish();
}

/// Issue 16, row 3: the 10-strategy tournament of `compare_axelrod.sh` with noise 0.05, 200
/// turns, 100 repetitions, all cores.
fn tournament_noisy(c: &mut Criterion) {
    let names = &Strategy::NAMES[..10];
    let cfg = TournamentConfig {
        strategies: names
            .iter()
            .map(|s| Strategy::parse(s).expect("strategy"))
            .collect(),
        ..tournament_config(200, 100, 0.05)
    };
    let mut g = c.benchmark_group("tournament_noisy_10_strategies");
    g.throughput(Throughput::Elements(cfg.pair_rounds()));
    g.bench_function("noise_0.05_100_reps", |b| b.iter(|| tournament::run(&cfg)));
    g.finish();
}

/// Issue 16, row 4: 193 states on a complete graph, 5 strategies, imitate the best every 10
/// rounds, no treaty (the spatial scenario's inert regime), 61 rounds, noise 0.05; 8 replicates
/// side by side on all cores.
fn imitation_complete_193(c: &mut Criterion) {
    let sets: Vec<String> = [
        "blocs[0].count=193",
        "topology.kind=\"complete\"",
        "rounds=61",
        "regime.negotiation_interval=61",
        "regime.sustain_rounds=61",
        "learning.interval=10",
        "noise.implementation=0.05",
        "learning.strategies=[\"cooperator\", \"defector\", \"tit_for_tat\", \"grudger\", \"win_stay_lose_shift\"]",
        "blocs[0].strategy={ cooperator = 0.2, defector = 0.2, tit_for_tat = 0.2, grudger = 0.2, win_stay_lose_shift = 0.2 }",
        "issues[0].payoffs={ t = 5.0, r = 3.0, p = 1.0, s = 0.0 }",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    // the spatial scenario without its lattice keys
    let text: String = std::fs::read_to_string("scenarios/spatial.toml")
        .expect("spatial.toml")
        .lines()
        .filter(|l| {
            !["width ", "height ", "self_interaction "]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let s = scenario::parse(
        &text,
        "complete.toml",
        std::path::Path::new("scenarios"),
        &sets,
    )
    .expect("complete graph");
    let reps = 8u64;
    let n = s.state_count();
    let mut g = c.benchmark_group("imitation_complete_193");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n * (n - 1) / 2 * s.rounds * reps));
    g.bench_function("8_replicates", |b| {
        b.iter(|| {
            run_replicates(&s, &s.rule_sets, reps, Record::Summary, |_| Ok(())).expect("runs")
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // Criterion's own charts need system fonts; the figures we need are the numbers.
    config = Criterion::default().without_plots();
    targets = tournament_deterministic, tournament_axelrod, tournament_turn_by_turn, full_model,
        nowak_may_lattice, tournament_noisy, imitation_complete_193
}
criterion_main!(benches);
