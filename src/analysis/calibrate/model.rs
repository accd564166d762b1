//! The regime model as an ABC simulator: a particle's parameters become `--set` overrides of the
//! scenario text, the scenario is resolved again (so every particle is validated like a user's
//! file), and its replicates run under the calibrated rule set. Besides its sibling parts it may
//! import only `engine`, `io`, `error` and `analysis::abc`.

use super::spec::{CalibrateSpec, Parameter};
use super::target::{distance, Accumulator};
use crate::analysis::abc::Prior;
use crate::analysis::sweep::spec::quoted_key;
use crate::engine::rng::derive_seed;
use crate::engine::sim::{self, Record, RunId};
use crate::engine::world;
use crate::error::{RegimeError, Result};
use crate::io::scenario::{self, Scenario};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The scenario and the table, ready to simulate particles.
pub struct Model<'a> {
    /// The scenario (text with any `--set` of the command line).
    pub base: &'a Scenario,
    /// The `[calibrate]` table.
    pub spec: CalibrateSpec,
    base_dir: PathBuf,
    record: Record,
    /// Nanoseconds spent generating worlds and running them, summed over threads.
    pub simulation_nanos: AtomicU64,
    /// Runs simulated.
    pub runs: AtomicU64,
}

impl<'a> Model<'a> {
    /// The model of `spec` on `base`, read from `scenario_file`.
    pub fn new(base: &'a Scenario, base_dir: PathBuf, spec: CalibrateSpec) -> Model<'a> {
        let record = if spec.targets.iter().any(|t| t.statistic.per_state()) {
            Record::Full
        } else {
            Record::Summary
        };
        Model {
            base,
            spec,
            base_dir,
            record,
            simulation_nanos: AtomicU64::new(0),
            runs: AtomicU64::new(0),
        }
    }

    /// The overrides of a parameter point (and the one rule set simulated).
    pub fn overrides(&self, params: &[f64]) -> Vec<String> {
        let mut sets: Vec<String> = self
            .spec
            .parameters
            .iter()
            .zip(params)
            .map(|(p, &x)| p.set(x))
            .collect();
        sets.push(format!(
            "rule_sets={}",
            toml_edit::Value::from_iter([self.spec.rule_set.as_str()])
        ));
        sets
    }

    /// The resolved scenario of a parameter point.
    pub fn scenario(&self, params: &[f64]) -> Result<Scenario> {
        scenario::parse(
            &self.base.text,
            &self.base.source,
            &self.base_dir,
            &self.overrides(params),
        )
    }

    /// The statistics of a parameter point: its replicates (seeds `derive_seed(seed, [r])`)
    /// under the calibrated rule set, summarised target by target.
    pub fn simulate(&self, params: &[f64], seed: u64) -> Result<Vec<f64>> {
        let s = self.scenario(params)?;
        let (name, rules) = &s.rule_sets[0];
        let mut acc = Accumulator::new(&self.spec.targets);
        for r in 0..self.spec.replicates {
            let run_seed = derive_seed(seed, &[r]);
            let t0 = Instant::now();
            let w = world::generate(&s, run_seed);
            let id = RunId {
                run_id: r,
                replicate: r,
                seed: run_seed,
                rule_set: name.clone(),
            };
            let o = sim::run(&s, &w, rules, id, self.record);
            self.simulation_nanos
                .fetch_add(t0.elapsed().as_nanos() as u64, Ordering::Relaxed);
            self.runs.fetch_add(1, Ordering::Relaxed);
            acc.add(&w, &o);
        }
        Ok(acc.finish())
    }

    /// The distance of statistics from the targets.
    pub fn distance(&self, stats: &[f64]) -> f64 {
        distance(&self.spec.targets, stats)
    }

    /// Checks, before anything runs, that the rule set exists, that every parameter path is a
    /// field of the scenario and that both ends of every prior (every listed value) give a
    /// valid scenario, naming the parameter when not.
    pub fn check(&self) -> Result<()> {
        let text = &self.base.text;
        let rs = format!(
            "rule_sets={}",
            toml_edit::Value::from_iter([self.spec.rule_set.as_str()])
        );
        if let Err(e) = scenario::parse(text, &self.base.source, &self.base_dir, &[rs]) {
            return Err(RegimeError::field(
                self.spec.rule_set_location.clone(),
                "calibrate.rule_set",
                "realist, institutionalist, or a rule set defined in [rules.NAME] with a base",
                format!(
                    "\"{}\", with which the scenario fails: {e}",
                    self.spec.rule_set
                ),
            ));
        }
        let first: Vec<f64> = self
            .spec
            .parameters
            .iter()
            .map(|p| probes(&p.prior)[0])
            .collect();
        for (i, p) in self.spec.parameters.iter().enumerate() {
            crate::analysis::sweep::check_path(text, &p.path, &p.location, &field(p))?;
            for x in probes(&p.prior) {
                let mut point = first.clone();
                point[i] = x;
                self.scenario(&point).map_err(|e| {
                    RegimeError::field(
                        p.location.clone(),
                        field(p),
                        "a prior whose values give a valid scenario",
                        format!("the value {x}, with which the scenario fails: {e}"),
                    )
                })?;
            }
        }
        Ok(())
    }
}

fn field(p: &Parameter) -> String {
    format!("calibrate.parameters.{}", quoted_key(&p.path))
}

/// The values of a prior worth checking: its ends, or every listed value.
fn probes(p: &Prior) -> Vec<f64> {
    match p {
        Prior::Uniform { low, high } | Prior::LogUniform { low, high } => vec![*low, *high],
        Prior::Values(v) => v.clone(),
    }
}
