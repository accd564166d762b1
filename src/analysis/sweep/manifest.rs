//! The `manifest.json` of a sweep: what was run (scenario, seed, design, axes, shard) and the
//! machine-dependent figures of the session. Besides its sibling parts it may import only
//! `serde_json`.

use super::point::Sweep;
use super::spec::{AxisValue, Levels, Target};
use super::Job;

/// Machine-dependent figures of a session, for the manifest.
pub(super) struct Timing {
    pub(super) seconds: f64,
    pub(super) run_seconds: f64,
    pub(super) pair_rounds: u64,
    pub(super) threads: usize,
}

pub(super) fn manifest(
    sweep: &Sweep,
    job: &Job,
    resumed: bool,
    t: Timing,
    point_rows: u64,
) -> serde_json::Value {
    let s = sweep.base;
    let spec = &sweep.plan.spec;
    let axes: Vec<serde_json::Value> = spec
        .axes
        .iter()
        .map(|a| {
            let levels = match &a.levels {
                Levels::List(l) => serde_json::json!({"values": l.iter().map(AxisValue::to_cell).collect::<Vec<_>>()}),
                Levels::Uniform { low, high } => serde_json::json!({"uniform": [low, high]}),
            };
            let target = match &a.target {
                Target::Path(p) => serde_json::json!({"path": p}),
                Target::Linked(l) => serde_json::json!({"links": l.iter().map(|x| serde_json::json!({"path": x.path, "at_0": x.at_zero, "at_1": x.at_one})).collect::<Vec<_>>()}),
            };
            serde_json::json!({"key": a.key, "column": a.column, "target": target, "levels": levels})
        })
        .collect();
    let rule_sets: Vec<String> = spec
        .rule_set_axis
        .clone()
        .unwrap_or_else(|| s.rule_sets.iter().map(|r| r.0.clone()).collect());
    serde_json::json!({
        "tool": "regime",
        "version": env!("CARGO_PKG_VERSION"),
        "command": "sweep",
        "arguments": std::env::args().collect::<Vec<_>>(),
        "scenario_source": s.source,
        "scenario_sha256": s.hash(),
        "sweep_sha256": job.hash,
        "scenario_text": s.text,
        "master_seed": sweep.plan.seed,
        "seed_rule": "run seed = derive_seed(master_seed, [point, replicate]), shared by the rule sets of a point",
        "design": spec.design.name(),
        "samples": spec.samples,
        "replicates": sweep.replicates,
        "axes": axes,
        "rule_sets": rule_sets,
        "rule_set_axis": spec.rule_set_axis.is_some(),
        "points": sweep.plan.points(),
        "shard": job.shard.map(|sh| serde_json::json!({"index": sh.index, "count": sh.count})),
        "shard_points": [job.points.start, job.points.end],
        "runs": job.runs,
        "points_rows": point_rows,
        "resumed": resumed,
        "threads": t.threads,
        "seconds": t.seconds,
        "run_seconds_this_session": t.run_seconds,
        "pair_rounds_this_session": t.pair_rounds,
        "note": "runs.csv and points.csv depend only on the scenario, the seed and the sweep table, never on threads, shards, interruptions or timing; `seconds`, `threads`, `resumed` and the session figures are the only machine-dependent fields."
    })
}
