//! `regime hypotheses`: the four contrasts of the thesis's chapter 5 table (realism vs
//! institutionalism: who decides, whether cooperation is possible, what institutions are, who
//! gains) measured on simulated worlds, per rule set, with 95 % intervals and the theory each
//! result matches (docs/hypotheses.md).
//!
//! Every replicate's world runs under every rule set in the variants of [`design`] on common
//! random numbers; each run is reduced to its [`facts`] at once, in parallel batches collected
//! in run order, so the result is the same at any thread count. [`measures`] turns the facts
//! into rows and [`rules`] decides which theory each matches.

pub mod design;
pub mod facts;
pub mod measures;
pub mod rules;

use crate::analysis::experiment::{replicate_seed, BATCH};
use crate::engine::sim::{self, Record, RunId};
use crate::engine::world;
use crate::error::Result;
use crate::io::output::{num, Csv, OutputDir};
use crate::model::{Rules, Scenario};
use design::{Design, Variant};
use facts::RunFacts;
use measures::{IssueSet, Row, RuleSetRuns};
use rayon::prelude::*;

/// The columns of `hypotheses.csv` (docs/outputs.md).
pub const COLUMNS: [&str; 9] = [
    "hypothesis",
    "measure",
    "rule_set",
    "issue",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
    "matches",
];

/// Runs the design for every rule set and returns the rows, rule set by rule set;
/// `progress` is called with the number of runs done after every batch.
pub fn run(
    scenario: &Scenario,
    rule_sets: &[(String, Rules)],
    design: &Design,
    mut progress: impl FnMut(u64),
) -> Vec<Row> {
    let variants = design.variants();
    let access_off = design::without_access(scenario);
    let units: Vec<(u64, usize, usize)> = (0..design.reps)
        .flat_map(|r| (0..rule_sets.len()).map(move |k| (r, k)))
        .flat_map(|(r, k)| (0..variants.len()).map(move |v| (r, k, v)))
        .collect();
    let mut facts: Vec<RunFacts> = Vec::with_capacity(units.len());
    for batch in units.chunks(BATCH) {
        let done: Vec<RunFacts> = batch
            .par_iter()
            .map(|&(r, k, v)| {
                let seed = replicate_seed(scenario.seed, r);
                let base_world = world::generate(scenario, seed);
                let variant = variants[v];
                let s = match variant {
                    Variant::AccessOff => &access_off,
                    _ => scenario,
                };
                let w = design.world(variant, &base_world);
                let (name, rules) = &rule_sets[k];
                let id = RunId {
                    run_id: (r * rule_sets.len() as u64 + k as u64) * variants.len() as u64
                        + v as u64,
                    replicate: r,
                    seed,
                    rule_set: name.clone(),
                };
                let probe = design.probe(variant);
                let out = sim::run_probed(s, &w, rules, (id, Record::Summary), &probe);
                facts::run_facts(&out, &base_world, scenario.rounds)
            })
            .collect();
        facts.extend(done);
        progress(batch.len() as u64);
    }
    summarise(scenario, rule_sets, design, &facts)
}

/// The rows of every rule set from the facts of all runs (in the unit order of [`run`]).
fn summarise(
    scenario: &Scenario,
    rule_sets: &[(String, Rules)],
    design: &Design,
    facts: &[RunFacts],
) -> Vec<Row> {
    let variants = design.variants();
    let names: Vec<String> = scenario.issues.iter().map(|i| i.name.clone()).collect();
    let emerging: Vec<bool> = scenario
        .issues
        .iter()
        .map(|i| i.initial_regime.is_none())
        .collect();
    let access = design::access_matters(scenario);
    let issues = IssueSet {
        names: &names,
        emerging: &emerging,
        access: &access,
        horizons: design.horizons,
    };
    let per_rep = rule_sets.len() * variants.len();
    let mut rows = Vec::new();
    for (k, (name, _)) in rule_sets.iter().enumerate() {
        let of = |variant: Variant| -> Vec<&RunFacts> {
            let v = variants.iter().position(|x| *x == variant).unwrap_or(0);
            (0..design.reps as usize)
                .map(|r| &facts[r * per_rep + k * variants.len() + v])
                .collect()
        };
        let runs = RuleSetRuns {
            rule_set: name,
            baseline: of(Variant::Baseline),
            access_off: of(Variant::AccessOff),
            horizons: [of(Variant::Horizon(0)), of(Variant::Horizon(1))],
            exit: of(Variant::ForcedExit),
        };
        rows.extend(measures::rows(&runs, &issues));
    }
    rows
}

/// Writes `hypotheses.csv` into `dir`.
pub fn write_csv(dir: &OutputDir, rows: &[Row]) -> Result<()> {
    let mut c = Csv::create(dir.file("hypotheses.csv"), &COLUMNS)?;
    for r in rows {
        c.row([
            r.hypothesis.to_string(),
            r.measure.clone(),
            r.rule_set.clone(),
            r.issue.clone(),
            num(r.estimate),
            num(r.ci.0),
            num(r.ci.1),
            r.n.to_string(),
            r.matches.name().to_string(),
        ])?;
    }
    c.flush()
}

/// The printed table: the rows pooled over issues (`issue = all`), rule set by rule set; the
/// per-issue rows are in `hypotheses.csv`.
pub fn table(rows: &[Row]) -> String {
    let mut s = format!(
        "{:<22} {:<40} {:<16} {:>30} {:>5}  {}\n",
        "hypothesis", "measure", "rule set", "estimate [95% CI]", "n", "matches"
    );
    for r in rows.iter().filter(|r| r.issue == "all") {
        let est = if r.estimate.is_nan() {
            "no data".to_string()
        } else {
            format!("{:.3} [{:.3}, {:.3}]", r.estimate, r.ci.0, r.ci.1)
        };
        s.push_str(&format!(
            "{:<22} {:<40} {:<16} {:>30} {:>5}  {}\n",
            r.hypothesis,
            r.measure,
            r.rule_set,
            est,
            r.n,
            r.matches.name()
        ));
    }
    s.push_str(
        "(issues pooled within each run; per-issue rows in hypotheses.csv; decision rules in \
         docs/hypotheses.md)\n",
    );
    s
}
