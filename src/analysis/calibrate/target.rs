//! The targets of a calibration: named summary statistics of a particle's runs, each with an
//! observed value, a scale and a weight, and the distance that combines them.
//!
//! A particle's statistic is computed over its replicates: the mean of the per-run value for the
//! issue-level statistics, and for the per-state ones each state's membership frequency over the
//! replicates, scored against the CSV column. The distance is
//!
//! ```text
//! d = sqrt( Σ_k w_k ((s_k − o_k) / scale_k)² / Σ_k w_k )
//! ```
//!
//! a weighted root mean square of the deviations in units of each target's scale (so `scale` is
//! the deviation one would call "one unit off"). Besides its sibling parts it may import only
//! `engine` (result types), `model`, `io` and `error`.

use super::spec::{table_span, Reader};
use crate::analysis::sweep::spec::{describe_item, entry_span, quoted_key};
use crate::engine::sim::RunOutput;
use crate::engine::world::World;
use crate::error::{did_you_mean, Location, Result};
use crate::io::scenario::Scenario;
use crate::io::table::Table;
use crate::model::Status;
use std::collections::HashMap;

/// What a target measures.
#[derive(Debug, Clone, PartialEq)]
pub enum Statistic {
    /// Final members / states (mean over replicates).
    MemberShare,
    /// Final members' share of power.
    PowerShare,
    /// Mean share of cooperative moves over the run.
    Cooperation,
    /// 1 if a binding regime emerged (or was in place), else 0: P(emerged) over replicates.
    Emerged,
    /// 1 if the final status is this one, else 0.
    Status(Status),
    /// Final members among the states of these groups / states of these groups.
    GroupMemberShare(Vec<String>),
    /// Area under the ROC curve of the states' membership frequency against a 0/1 column
    /// (ties count one half; Hanley & McNeil 1982).
    StateAuc(StateLabels),
    /// Brier score: mean over states of (membership frequency − label)².
    StateBrier(StateLabels),
}

impl Statistic {
    /// The name used in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            Statistic::MemberShare => "member_share",
            Statistic::PowerShare => "power_share",
            Statistic::Cooperation => "cooperation",
            Statistic::Emerged => "emerged",
            Statistic::Status(_) => "status",
            Statistic::GroupMemberShare(_) => "group_member_share",
            Statistic::StateAuc(_) => "state_auc",
            Statistic::StateBrier(_) => "state_brier",
        }
    }

    /// Whether it needs per-state results (a full record of the runs).
    pub fn per_state(&self) -> bool {
        matches!(
            self,
            Statistic::GroupMemberShare(_) | Statistic::StateAuc(_) | Statistic::StateBrier(_)
        )
    }
}

const STATISTICS: [&str; 8] = [
    "member_share",
    "power_share",
    "cooperation",
    "emerged",
    "status",
    "group_member_share",
    "state_auc",
    "state_brier",
];
const TARGET_KEYS: [&str; 11] = [
    "statistic",
    "issue",
    "observed",
    "scale",
    "weight",
    "status",
    "groups",
    "file",
    "column",
    "key",
    "name",
];

/// The 0/1 labels of states read from a CSV column, by state name.
#[derive(Debug, Clone, PartialEq)]
pub struct StateLabels {
    /// The file, as written in the scenario.
    pub file: String,
    /// The column.
    pub column: String,
    /// Label per state name (the key column's value).
    pub labels: HashMap<String, f64>,
}

/// One target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Its key in `[calibrate.targets]`; its column in `particles.csv`.
    pub name: String,
    /// What it measures.
    pub statistic: Statistic,
    /// Issue index.
    pub issue: usize,
    /// Issue name.
    pub issue_name: String,
    /// Observed value.
    pub observed: f64,
    /// Deviation counted as one unit of distance.
    pub scale: f64,
    /// Weight in the distance.
    pub weight: f64,
    /// Where it is written.
    pub location: Location,
}

/// Reads target `key` of `[calibrate.targets]`.
pub(super) fn read_target(
    rd: &Reader,
    targets: &dyn toml_edit::TableLike,
    key: &str,
    it: &toml_edit::Item,
    s: &Scenario,
) -> Result<Target> {
    let prefix = format!("calibrate.targets.{}", quoted_key(key));
    let span = entry_span(targets, key);
    let t = it.as_table_like().ok_or_else(|| {
        rd.r.err(
            &span,
            &prefix,
            "a table: { statistic = \"member_share\", issue = \"refugees\", observed = 0.76, scale = 0.1 }",
            describe_item(it),
        )
    })?;
    if !crate::analysis::sweep::spec::is_column_name(key) {
        return Err(rd.r.err(
            &span,
            &prefix,
            "a name of lower-case letters, digits and _ (it is a column of particles.csv)",
            format!("`{key}`"),
        ));
    }
    rd.check_keys(t, &prefix, &TARGET_KEYS)?;
    let need = |k: &str| -> Result<String> {
        rd.text(t, &prefix, k)?.ok_or_else(|| {
            rd.r.err(&table_span(t), &format!("{prefix}.{k}"), "a string", "none")
        })
    };
    let issue_name = need("issue")?;
    let issue = s
        .issues
        .iter()
        .position(|i| i.name == issue_name)
        .ok_or_else(|| {
            let names: Vec<&str> = s.issues.iter().map(|i| i.name.as_str()).collect();
            rd.err_at(
                t,
                &prefix,
                "issue",
                format!("an issue of the scenario ({})", names.join(", ")),
                format!("\"{issue_name}\"{}", did_you_mean(&issue_name, names)),
            )
        })?;
    let statistic = read_statistic(rd, t, &prefix, &need("statistic")?, s)?;
    let default_observed = match statistic {
        Statistic::StateAuc(_) => Some(1.0),
        Statistic::StateBrier(_) => Some(0.0),
        _ => None,
    };
    Ok(Target {
        name: key.to_string(),
        issue,
        issue_name,
        observed: rd.number(t, &prefix, "observed", (-1e12, 1e12), default_observed)?,
        scale: rd.number(t, &prefix, "scale", (1e-12, 1e12), Some(1.0))?,
        weight: rd.number(t, &prefix, "weight", (0.0, 1e12), Some(1.0))?,
        statistic,
        location: rd.r.loc(&span),
    })
}

/// The statistic of a target and the keys that go with it.
fn read_statistic(
    rd: &Reader,
    t: &dyn toml_edit::TableLike,
    prefix: &str,
    name: &str,
    s: &Scenario,
) -> Result<Statistic> {
    Ok(match name {
        "member_share" => Statistic::MemberShare,
        "power_share" => Statistic::PowerShare,
        "cooperation" => Statistic::Cooperation,
        "emerged" => Statistic::Emerged,
        "status" => {
            let status = rd.text(t, prefix, "status")?.unwrap_or_default();
            let st = [
                Status::Absent,
                Status::Forming,
                Status::Binding,
                Status::Collapsed,
            ]
            .into_iter()
            .find(|x| x.name() == status)
            .ok_or_else(|| {
                rd.err_at(
                    t,
                    prefix,
                    "status",
                    "\"absent\", \"forming\", \"binding\" or \"collapsed\"",
                    format!("\"{status}\""),
                )
            })?;
            Statistic::Status(st)
        }
        "group_member_share" => {
            let groups = t
                .get("groups")
                .and_then(|g| g.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect::<Vec<_>>())
                .filter(|g| !g.is_empty())
                .ok_or_else(|| {
                    rd.r.err(
                        &entry_span(t, "groups").or(table_span(t)),
                        &format!("{prefix}.groups"),
                        "a non-empty list of group names, e.g. groups = [\"north-receiving\", \"gulf-receiving\"]",
                        describe_item(t.get("groups").unwrap_or(&toml_edit::Item::None)),
                    )
                })?;
            let known = crate::engine::world::generate(s, s.seed).groups;
            if let Some(g) = groups.iter().find(|g| !known.contains(g)) {
                return Err(rd.err_at(
                    t,
                    prefix,
                    "groups",
                    format!("groups of the scenario ({})", known.join(", ")),
                    format!(
                        "\"{g}\"{}",
                        did_you_mean(g, known.iter().map(String::as_str))
                    ),
                ));
            }
            Statistic::GroupMemberShare(groups)
        }
        "state_auc" => Statistic::StateAuc(read_labels(rd, t, prefix, s)?),
        "state_brier" => Statistic::StateBrier(read_labels(rd, t, prefix, s)?),
        other => {
            return Err(rd.err_at(
                t,
                prefix,
                "statistic",
                format!("one of {}", STATISTICS.join(", ")),
                format!("\"{other}\"{}", did_you_mean(other, STATISTICS)),
            ))
        }
    })
}

/// `file`, `column` and `key` of a per-state target: the 0/1 labels by state name.
fn read_labels(
    rd: &Reader,
    t: &dyn toml_edit::TableLike,
    prefix: &str,
    s: &Scenario,
) -> Result<StateLabels> {
    let missing = |k: &str, ex: &str| {
        rd.r.err(&table_span(t), &format!("{prefix}.{k}"), ex, "none")
    };
    let file = rd.text(t, prefix, "file")?.ok_or_else(|| {
        missing(
            "file",
            "a CSV file of states, relative to the scenario file (e.g. \"data/targets.csv\")",
        )
    })?;
    let column = rd.text(t, prefix, "column")?.ok_or_else(|| {
        missing(
            "column",
            "a 0/1 column of the file (e.g. \"icrmw_party_2022\")",
        )
    })?;
    let key = rd.text(t, prefix, "key")?.unwrap_or("name".into());
    let base = crate::io::scenario::base_dir(std::path::Path::new(&s.source));
    let path = base.join(&file);
    let table = Table::read(&path).map_err(|e| {
        rd.err_at(
            t,
            prefix,
            "file",
            "a readable CSV file of states",
            e.to_string(),
        )
    })?;
    let col = table.column(&column).ok_or_else(|| {
        rd.err_at(
            t,
            prefix,
            "column",
            format!("a column of {file} ({})", table.column_list()),
            format!("\"{column}\""),
        )
    })?;
    let key_col = table.column(&key).ok_or_else(|| {
        rd.err_at(
            t,
            prefix,
            "key",
            format!("a column of {file} ({})", table.column_list()),
            format!("\"{key}\""),
        )
    })?;
    let mut labels = HashMap::new();
    for row in table.all_rows() {
        let v = match table.text(row, col) {
            "0" => 0.0,
            "1" => 1.0,
            other => return Err(table.cell_error(row, col, "0 or 1", other)),
        };
        labels.insert(table.text(row, key_col).to_string(), v);
    }
    let world = crate::engine::world::generate(s, s.seed);
    let matched = world
        .states
        .iter()
        .filter(|x| labels.contains_key(x.name.text().as_ref()))
        .count();
    let positives = world
        .states
        .iter()
        .filter(|x| labels.get(x.name.text().as_ref()) == Some(&1.0))
        .count();
    if positives == 0 || positives == matched {
        return Err(rd.err_at(
            t,
            prefix,
            "column",
            format!("states of the scenario labelled both 0 and 1 in column `{column}` (matched by `{key}` with the states' names)"),
            format!("{matched} states matched, {positives} of them labelled 1"),
        ));
    }
    Ok(StateLabels {
        file,
        column,
        labels,
    })
}

/// The statistics of one particle, accumulated over its replicates.
pub(super) struct Accumulator<'a> {
    targets: &'a [Target],
    runs: u64,
    sums: Vec<f64>,
    /// Per target: per state, runs in which it was a member; and the state's label.
    members: Vec<Vec<(u32, Option<f64>)>>,
}

impl<'a> Accumulator<'a> {
    pub(super) fn new(targets: &'a [Target]) -> Self {
        Accumulator {
            targets,
            runs: 0,
            sums: vec![0.0; targets.len()],
            members: vec![Vec::new(); targets.len()],
        }
    }

    /// Adds one run (of the world `w`).
    pub(super) fn add(&mut self, w: &World, o: &RunOutput) {
        self.runs += 1;
        for (k, t) in self.targets.iter().enumerate() {
            let Some(sum) = o.summaries.iter().find(|x| x.issue == t.issue) else {
                continue;
            };
            self.sums[k] += match &t.statistic {
                Statistic::MemberShare => sum.final_member_share,
                Statistic::PowerShare => sum.final_power_share,
                Statistic::Cooperation => sum.mean_cooperation,
                Statistic::Emerged => {
                    f64::from(u8::from(sum.emergence_round.is_some() || sum.preexisting))
                }
                Statistic::Status(st) => f64::from(u8::from(sum.final_status == *st)),
                Statistic::GroupMemberShare(groups) => group_share(w, o, t.issue, groups),
                Statistic::StateAuc(l) | Statistic::StateBrier(l) => {
                    let m = &mut self.members[k];
                    if m.is_empty() {
                        *m = w
                            .states
                            .iter()
                            .map(|s| (0, l.labels.get(s.name.text().as_ref()).copied()))
                            .collect();
                    }
                    for r in o
                        .states
                        .iter()
                        .filter(|r| r.issue as usize == t.issue && r.member)
                    {
                        if let Some(e) = m.get_mut(r.state as usize) {
                            e.0 += 1;
                        }
                    }
                    0.0
                }
            };
        }
    }

    /// The statistics, in target order.
    pub(super) fn finish(self) -> Vec<f64> {
        let n = self.runs.max(1) as f64;
        self.targets
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let scored: Vec<(f64, f64)> = self.members[k]
                    .iter()
                    .filter_map(|(c, l)| l.map(|l| (*c as f64 / n, l)))
                    .collect();
                match t.statistic {
                    Statistic::StateAuc(_) => auc(&scored),
                    Statistic::StateBrier(_) => {
                        scored.iter().map(|(f, l)| (f - l).powi(2)).sum::<f64>()
                            / scored.len().max(1) as f64
                    }
                    _ => self.sums[k] / n,
                }
            })
            .collect()
    }
}

/// Share of the states of `groups` that are members of issue `issue` at the end.
fn group_share(w: &World, o: &RunOutput, issue: usize, groups: &[String]) -> f64 {
    let in_groups: Vec<bool> = w
        .states
        .iter()
        .map(|s| groups.iter().any(|g| w.groups.get(s.group) == Some(g)))
        .collect();
    let total = in_groups.iter().filter(|&&b| b).count();
    let members = o
        .states
        .iter()
        .filter(|r| {
            r.issue as usize == issue && r.member && in_groups.get(r.state as usize) == Some(&true)
        })
        .count();
    members as f64 / total.max(1) as f64
}

/// AUC of scores against 0/1 labels ([`crate::analysis::stats::auc`]); cases with any other
/// label are left out.
pub fn auc(scored: &[(f64, f64)]) -> f64 {
    let known: Vec<&(f64, f64)> = scored.iter().filter(|x| x.1 == 1.0 || x.1 == 0.0).collect();
    let scores: Vec<f64> = known.iter().map(|x| x.0).collect();
    let positive: Vec<bool> = known.iter().map(|x| x.1 == 1.0).collect();
    crate::analysis::stats::auc(&scores, &positive)
}

/// The distance of statistics from the targets' observations (module documentation).
pub fn distance(targets: &[Target], stats: &[f64]) -> f64 {
    let total_w: f64 = targets.iter().map(|t| t.weight).sum();
    let sum: f64 = targets
        .iter()
        .zip(stats)
        .map(|(t, s)| {
            let z = (s - t.observed) / t.scale;
            t.weight * if z.is_finite() { z * z } else { 1e12 }
        })
        .sum();
    (sum / total_w.max(f64::MIN_POSITIVE)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::auc;

    #[test]
    fn auc_counts_ties_one_half() {
        assert_eq!(auc(&[(0.9, 1.0), (0.1, 0.0)]), 1.0);
        assert_eq!(auc(&[(0.1, 1.0), (0.9, 0.0)]), 0.0);
        assert_eq!(auc(&[(0.5, 1.0), (0.5, 0.0)]), 0.5);
        assert_eq!(auc(&[(0.5, 1.0), (0.2, 0.0), (0.7, 0.0)]), 0.5);
        assert!(auc(&[(0.5, 1.0)]).is_nan());
    }
}
