//! The regime model as an ABC simulator: a particle's parameters become `--set` overrides of the
//! scenario text, the scenario is resolved again (so every particle is validated like a user's
//! file), and its replicates run under the calibrated rule set. Besides its sibling parts it may
//! import only `engine`, `io`, `error` and `analysis::abc`.

use super::patch::Patcher;
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

/// One probe: the parameter moved, its value, the point, and the scenario read there.
type ProbeRead = (usize, f64, Vec<f64>, Result<Scenario>);

/// The scenario and the table, ready to simulate particles.
pub struct Model<'a> {
    /// The scenario (text with any `--set` of the command line).
    pub base: &'a Scenario,
    /// The `[calibrate]` table.
    pub spec: CalibrateSpec,
    base_dir: PathBuf,
    /// The text every particle's overrides apply to (see [`particle_text`]).
    particle_text: String,
    /// Writes particles straight into the resolved scenario where that gives the same scenario.
    patcher: Option<Patcher>,
    /// The probes at which reading the scenario failed: parameter, value, message (reported by
    /// [`Model::check`]).
    probe_failures: Vec<(usize, f64, String)>,
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
            Record::States
        } else {
            Record::Summary
        };
        let mut model = Model {
            base,
            spec,
            base_dir,
            particle_text: particle_text(&base.text),
            patcher: None,
            probe_failures: Vec::new(),
            record,
            simulation_nanos: AtomicU64::new(0),
            runs: AtomicU64::new(0),
        };
        let reads = model.read_probes();
        model.probe_failures = reads
            .iter()
            .filter_map(|(i, x, _, r)| r.as_ref().err().map(|e| (*i, *x, e.to_string())))
            .collect();
        model.patcher = model.make_patcher(reads);
        model
    }

    /// The scenario read at every probe: each parameter moved over its probes (both ends of its
    /// prior, every listed value), the others at their first probe. Read once, both to validate
    /// the priors ([`Model::check`]) and to check the [`Patcher`].
    fn read_probes(&self) -> Vec<ProbeRead> {
        let probes: Vec<Vec<f64>> = self
            .spec
            .parameters
            .iter()
            .map(|p| probes(&p.prior))
            .collect();
        let first: Vec<f64> = probes.iter().map(|v| v[0]).collect();
        let mut reads = Vec::new();
        for (i, values) in probes.iter().enumerate() {
            for &x in values {
                let mut point = first.clone();
                point[i] = x;
                let read = self.read(&point);
                reads.push((i, x, point, read));
            }
        }
        reads
    }

    /// A [`Patcher`] checked against the scenarios read at the probes and at the point of every
    /// parameter's last probe, or `None` (every particle then reads the text).
    fn make_patcher(&self, reads: Vec<ProbeRead>) -> Option<Patcher> {
        let base = self.read(&[]).ok()?;
        let paths: Vec<String> = self
            .spec
            .parameters
            .iter()
            .map(|p| p.path.clone())
            .collect();
        let mut checks = Vec::with_capacity(reads.len() + 1);
        for (_, _, point, read) in reads {
            checks.push((point, read.ok()?));
        }
        let last: Vec<f64> = self
            .spec
            .parameters
            .iter()
            .map(|p| probes(&p.prior).last().copied().unwrap_or(0.0))
            .collect();
        let at_last = self.read(&last).ok()?;
        checks.push((last, at_last));
        Patcher::new(base, &paths, &self.spec.rule_set, &checks)
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

    /// The resolved scenario of a parameter point: patched where [`Patcher`] was checked,
    /// else read.
    pub fn scenario(&self, params: &[f64]) -> Result<Scenario> {
        match self.patcher.as_ref().and_then(|p| p.scenario(params)) {
            Some(s) => Ok(s),
            None => self.read(params),
        }
    }

    /// The resolved scenario of a parameter point, read from the text with its overrides (and
    /// validated like a user's file). With no parameters: the simulated rule set only.
    fn read(&self, params: &[f64]) -> Result<Scenario> {
        let sets = self.overrides(params);
        scenario::parse(
            &self.particle_text,
            &self.base.source,
            &self.base_dir,
            &sets,
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
        for (i, p) in self.spec.parameters.iter().enumerate() {
            crate::analysis::sweep::check_path(text, &p.path, &p.location, &field(p))?;
            if let Some((_, x, e)) = self.probe_failures.iter().find(|(j, ..)| *j == i) {
                return Err(RegimeError::field(
                    p.location.clone(),
                    field(p),
                    "a prior whose values give a valid scenario",
                    format!("the value {x}, with which the scenario fails: {e}"),
                ));
            }
        }
        Ok(())
    }
}

/// The scenario text that particles re-read: `text` without its `[calibrate]` and `[sweep]`
/// tables and without comments. Reading a particle's scenario (its overrides applied, then
/// validated like a user's file) is the one cost of a particle outside simulation; on a small
/// scenario with a long commented file it was a fifth of the thread time. The resolved scenario
/// is the same as from the text as written (tested); `check` has already validated that text
/// at both ends of every prior. Falls back to `text` if it cannot be written again.
fn particle_text(text: &str) -> String {
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return text.to_string();
    };
    table.remove("calibrate");
    table.remove("sweep");
    toml::to_string(&table).unwrap_or_else(|_| text.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::calibrate::patch::comparable as resolved;
    use crate::analysis::calibrate::spec::CalibrateSpec;

    #[test]
    fn patched_particles_resolve_to_the_scenario_of_the_text_as_written() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        for file in ["calibrate/teaching-labour.toml", "calibrated.toml"] {
            let path = root.join(file);
            let base = scenario::load(&path, &[]).expect("a shipped scenario loads");
            let spec = CalibrateSpec::from_scenario(&base).expect("its [calibrate] table");
            let model = Model::new(&base, scenario::base_dir(&path), spec);
            assert!(model.particle_text.len() < base.text.len() / 2, "{file}");
            assert!(!model.particle_text.contains("[calibrate"), "{file}");
            assert!(model.patcher.is_some(), "{file}: particles are patched");
            for corner in [0.0, 0.37, 1.0] {
                let point: Vec<f64> = model
                    .spec
                    .parameters
                    .iter()
                    .map(|p| match &p.prior {
                        Prior::Uniform { low, high } | Prior::LogUniform { low, high } => {
                            low + corner * (high - low)
                        }
                        Prior::Values(v) => v[((v.len() - 1) as f64 * corner) as usize],
                    })
                    .collect();
                let fast = model.scenario(&point).expect("a particle resolves");
                let plain = scenario::parse(
                    &base.text,
                    &base.source,
                    &scenario::base_dir(&path),
                    &model.overrides(&point),
                )
                .expect("the text as written resolves");
                assert_eq!(resolved(&fast), resolved(&plain), "{file} at {corner}");
            }
        }
    }
}
