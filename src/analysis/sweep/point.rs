//! One point of a sweep made concrete: its scenario (the base scenario with the point's `--set`
//! overrides), the checks run before a sweep starts, the rows of the runs of one (point, replicate)
//! cell, and the hash that identifies a sweep. Besides its sibling parts it may import only
//! `engine`, `error` and `io` (and `rayon`, `sha2`).

use super::design::Plan;
use super::spec::{quoted_key, AxisValue, SweepSpec, Target};
use crate::engine::rng::derive_seed;
use crate::engine::sim::{self, Record, RunId};
use crate::engine::world;
use crate::error::{Location, RegimeError, Result};
use crate::io::output;
use crate::io::scenario::{self, Scenario};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// A point made concrete: its scenario and its axis cells.
pub(super) struct PointRun {
    pub(super) scenario: Scenario,
    /// The point's axis cells, in axis order.
    pub(super) axis_cells: Vec<String>,
}

/// Everything a sweep needs to run any of its runs.
pub(super) struct Sweep<'a> {
    pub(super) base: &'a Scenario,
    pub(super) base_dir: PathBuf,
    pub(super) plan: Plan,
    pub(super) replicates: u64,
    pub(super) rule_sets: usize,
    pub(super) columns: Vec<String>,
}

impl<'a> Sweep<'a> {
    /// The sweep of `spec` over the base scenario `base` (read from `scenario_file`, whose
    /// folder anchors relative paths) for the master seed `seed`.
    pub(super) fn new(
        base: &'a Scenario,
        scenario_file: &Path,
        spec: SweepSpec,
        seed: u64,
    ) -> Result<Sweep<'a>> {
        let base_dir = scenario_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let replicates = spec.replicates;
        let rule_sets = spec
            .rule_set_axis
            .as_ref()
            .map(Vec::len)
            .unwrap_or(base.rule_sets.len());
        let columns = spec.columns();
        Ok(Sweep {
            base,
            base_dir,
            plan: Plan::new(spec, seed)?,
            replicates,
            rule_sets,
            columns,
        })
    }
    pub(super) fn point(&self, point: u64) -> Result<PointRun> {
        let values = self.plan.values(point);
        let sets = self.plan.overrides(point);
        let scenario = scenario::parse(&self.base.text, &self.base.source, &self.base_dir, &sets)
            .map_err(|e| self.point_error(point, &values, e))?;
        if scenario.rule_sets.len() != self.rule_sets {
            return Err(RegimeError::argument(
                "sweep",
                "the same rule sets at every point",
                format!("{} at point {point}", scenario.rule_sets.len()),
            ));
        }
        let axis_cells = values.iter().map(AxisValue::to_cell).collect();
        Ok(PointRun {
            scenario,
            axis_cells,
        })
    }

    pub(super) fn point_error(
        &self,
        point: u64,
        values: &[AxisValue],
        e: RegimeError,
    ) -> RegimeError {
        let at: Vec<String> = self
            .plan
            .spec
            .axes
            .iter()
            .zip(values)
            .map(|(a, v)| format!("{} = {}", a.key, v.to_toml()))
            .collect();
        let location = self
            .plan
            .spec
            .axes
            .first()
            .map(|a| a.location.clone())
            .or_else(|| self.plan.spec.rule_set_location.clone())
            .unwrap_or_default();
        RegimeError::field(
            location,
            "sweep.axes",
            "axis values that give a valid scenario at every point",
            format!("point {point} ({}), where {e}", at.join(", ")),
        )
    }

    /// Checks, before anything runs, that every axis path exists and that every listed value
    /// (or both ends of an interval) gives a valid scenario, naming the axis when not.
    pub(super) fn check(&self) -> Result<()> {
        let spec = &self.plan.spec;
        let first: Vec<AxisValue> = spec.axes.iter().map(|a| a.probes()[0].clone()).collect();
        let text = &self.base.text;
        for a in &spec.axes {
            let paths: Vec<&str> = match &a.target {
                Target::Path(p) => vec![p.as_str()],
                Target::Linked(l) => l.iter().map(|x| x.path.as_str()).collect(),
            };
            for p in paths {
                let field = format!("sweep.axes.{}", quoted_key(&a.key));
                check_path(text, p, &a.location, &field)?;
            }
        }
        // The rule-set axis alone, so that an unknown rule set is blamed on it.
        if let Some(rs) = self.plan.rule_set_override() {
            if let Err(e) = scenario::parse(text, &self.base.source, &self.base_dir, &[rs]) {
                return Err(RegimeError::field(
                    spec.rule_set_location.clone().unwrap_or_default(),
                    "sweep.axes.rule_set",
                    "realist, institutionalist, or rule sets defined in [rules.NAME] with a base",
                    format!("rule sets with which the scenario fails: {e}"),
                ));
            }
        }
        let jobs: Vec<(usize, AxisValue)> = spec
            .axes
            .iter()
            .enumerate()
            .flat_map(|(i, a)| a.probes().into_iter().map(move |v| (i, v)))
            .collect();
        let check_one = |(i, v): &(usize, AxisValue)| -> Result<()> {
            let mut sets = Vec::new();
            for (j, a) in spec.axes.iter().enumerate() {
                sets.extend(a.overrides(if j == *i { v } else { &first[j] }));
            }
            sets.extend(self.plan.rule_set_override());
            scenario::parse(text, &self.base.source, &self.base_dir, &sets)
                .map(|_| ())
                .map_err(|e| {
                    let a = &spec.axes[*i];
                    RegimeError::field(
                        a.location.clone(),
                        format!("sweep.axes.{}", quoted_key(&a.key)),
                        "values that give a valid scenario",
                        format!(
                            "the value {}, with which the scenario fails: {e}",
                            v.to_toml()
                        ),
                    )
                })
        };
        // Report the first failure in file order, whatever the thread count.
        let results: Vec<Result<()>> = jobs.par_iter().map(check_one).collect();
        results.into_iter().collect()
    }

    /// The rows of every run of one (point, replicate) cell.
    pub(super) fn cell(&self, p: &PointRun, point: u64, replicate: u64, out: &mut String) -> u64 {
        let seed = derive_seed(self.plan.seed, &[point, replicate]);
        let w = world::generate(&p.scenario, seed);
        let cell = point * self.replicates + replicate;
        let mut pair_rounds = 0;
        for (k, (name, rules)) in p.scenario.rule_sets.iter().enumerate() {
            let run_id = cell * self.rule_sets as u64 + k as u64;
            let o = sim::run(
                &p.scenario,
                &w,
                rules,
                RunId {
                    run_id,
                    replicate,
                    seed,
                    rule_set: name.clone(),
                },
                Record::Summary,
            );
            pair_rounds += o.pair_rounds;
            let ids = [
                point.to_string(),
                replicate.to_string(),
                run_id.to_string(),
                seed.to_string(),
                name.clone(),
            ];
            for i in 0..o.summaries.len() {
                let summary = output::summary_fields(&p.scenario, &o, i);
                let row: Vec<&str> = ids
                    .iter()
                    .chain(&p.axis_cells)
                    .chain(&summary)
                    .map(String::as_str)
                    .collect();
                out.push_str(&output::csv_line(&row));
            }
        }
        pair_rounds
    }

    pub(super) fn hash(&self) -> String {
        sweep_hash(self.base, self.plan.seed)
    }
}

/// Checks that `path` is a field of the scenario `text`, as `--set` takes it; the error names
/// `field` (the key that gave the path) at `location`. Used by sweeps and calibrations.
pub fn check_path(text: &str, path: &str, location: &Location, field: &str) -> Result<()> {
    let probe = format!("{path}=0");
    if let Err(e) = scenario::apply_sets(text, &[probe]) {
        let found = match e {
            RegimeError::InvalidField { found, .. } => found,
            other => other.to_string(),
        };
        return Err(RegimeError::field(
            location.clone(),
            field,
            "a path into the scenario, as for --set (e.g. regime.min_member_share, rules.realist.relative_gains, blocs.*.discount, blocs[0].discount)",
            found,
        ));
    }
    Ok(())
}

/// SHA-256 identifying a sweep: tool version, master seed, scenario text (with its `[sweep]`
/// table and any `--set` overrides) and the resolved scenario (states and edges read from
/// files included). Shards of one sweep share it; `--resume` and `regime merge` check it.
pub fn sweep_hash(s: &Scenario, master_seed: u64) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(
        format!(
            "regime-sweep\n{}\n{master_seed}\n",
            env!("CARGO_PKG_VERSION")
        )
        .as_bytes(),
    );
    h.update(s.text.as_bytes());
    // The resolved scenario too, so that states and edges read from files count; not where the
    // file was read from, which differs between machines.
    let mut resolved = crate::io::scenario::resolved_json(s);
    if let Some(o) = resolved.as_object_mut() {
        o.remove("source");
    }
    h.update(resolved.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
