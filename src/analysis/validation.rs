//! The out-of-sample check of `regime validate-targets` (docs/hypotheses.md, "Out-of-sample
//! check"): how well each state's simulated value of membership of an issue (`membership_value`
//! of `states.csv`, averaged over replicates) separates the states that voted no or abstained
//! on the 2018 Global Compact for Migration (`gcm_2018_vote` of `targets.csv`) from those that
//! voted yes, as an AUC with a stratified bootstrap 95 % interval, against the baseline of
//! migration position alone.
//!
//! The vote is read only here, after the runs: it is never an input of the model.

use crate::analysis::experiment::run_replicates;
use crate::analysis::stats::auc;
use crate::engine::rng::{derive_seed, stream};
use crate::engine::sim::Record;
use crate::error::{did_you_mean, RegimeError, Result};
use crate::io::table::Table;
use crate::model::Scenario;
use rand::Rng;
use std::collections::BTreeMap;
use std::path::Path;

/// The column of the vote in `targets.csv`.
pub const VOTE_COLUMN: &str = "gcm_2018_vote";

/// The AUCs of two scores of the same cases, and of their difference (first minus second),
/// each with a percentile 95 % interval from `resamples` stratified bootstrap resamples
/// (positives and negatives resampled separately, with replacement, the same resample for both
/// scores), drawn from `seed`. Returns `[(estimate, low, high); 3]`.
pub fn paired_auc(
    first: &[f64],
    second: &[f64],
    positive: &[bool],
    (resamples, seed): (usize, u64),
) -> [(f64, f64, f64); 3] {
    let estimate = [auc(first, positive), auc(second, positive)];
    let pos: Vec<usize> = (0..positive.len()).filter(|&i| positive[i]).collect();
    let neg: Vec<usize> = (0..positive.len()).filter(|&i| !positive[i]).collect();
    let mut draws: [Vec<f64>; 3] = Default::default();
    let mut rng = stream(derive_seed(seed, &[0]));
    for _ in 0..resamples {
        let mut pick: Vec<usize> = Vec::with_capacity(positive.len());
        for group in [&pos, &neg] {
            for _ in 0..group.len() {
                pick.push(group[rng.random_range(0..group.len() as u64) as usize]);
            }
        }
        let labels: Vec<bool> = pick.iter().map(|&i| positive[i]).collect();
        let a = auc(&pick.iter().map(|&i| first[i]).collect::<Vec<_>>(), &labels);
        let b = auc(
            &pick.iter().map(|&i| second[i]).collect::<Vec<_>>(),
            &labels,
        );
        draws[0].push(a);
        draws[1].push(b);
        draws[2].push(a - b);
    }
    let diff = estimate[0] - estimate[1];
    let mut out = [(0.0, 0.0, 0.0); 3];
    for (k, e) in [estimate[0], estimate[1], diff].into_iter().enumerate() {
        let (lo, hi) = percentile_interval(&mut draws[k]);
        out[k] = (e, lo, hi);
    }
    out
}

/// The 2.5 % and 97.5 % percentiles (nearest rank) of finite values.
fn percentile_interval(values: &mut Vec<f64>) -> (f64, f64) {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    values.sort_by(f64::total_cmp);
    let at =
        |q: f64| values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
    (at(0.025), at(0.975))
}

/// Each state's vote from `targets.csv`, by name: `true` for no or abstain, `false` for yes;
/// states absent from the vote (or with an empty cell) are left out. Any other value is an
/// error naming the file, line and column.
pub fn read_votes(path: &Path) -> Result<BTreeMap<String, bool>> {
    let t = Table::read(path)?;
    let name = t.require("name")?;
    let vote = t.require(VOTE_COLUMN)?;
    let mut out = BTreeMap::new();
    for row in 0..t.len() {
        let label = match t.text(row, vote) {
            "no" | "abstain" => true,
            "yes" => false,
            "absent" | "" => continue,
            other => {
                return Err(t.cell_error(row, vote, "yes, no, abstain or absent", other));
            }
        };
        out.insert(t.text(row, name).to_string(), label);
    }
    if out.is_empty() {
        return Err(RegimeError::Csv {
            path: path.to_path_buf(),
            message: format!("no state with a vote of yes, no or abstain in `{VOTE_COLUMN}`"),
        });
    }
    Ok(out)
}

/// The check of one rule set: the states with a vote that the scenario has, how many voted no
/// or abstained, and `[membership, position, membership minus position]` as (AUC, low, high).
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Rule set.
    pub rule_set: String,
    /// States of the scenario with a yes, no or abstain vote.
    pub states: usize,
    /// Of those, the no and abstain votes.
    pub positives: usize,
    /// The AUC of minus the mean membership value, of position, and their difference.
    pub auc: [(f64, f64, f64); 3],
}

/// Runs `reps` replicates of every rule set of `scenario` with full records and checks the mean
/// `membership_value` of `issue` per state against `votes` (by state name), with `resamples`
/// bootstrap resamples. The score of a state is minus its mean value (a state that values
/// the treaty less is expected to vote no); the baseline's is its position (receivers are
/// expected to vote no).
pub fn check(
    scenario: &Scenario,
    (reps, issue): (u64, &str),
    votes: &BTreeMap<String, bool>,
    resamples: usize,
) -> Result<Vec<Check>> {
    let names: Vec<&str> = scenario.issues.iter().map(|i| i.name.as_str()).collect();
    let Some(ii) = names.iter().position(|n| *n == issue) else {
        let closest = did_you_mean(issue, names.iter().copied());
        return Err(RegimeError::argument(
            "--issue",
            format!("an issue of the scenario ({})", names.join(", ")),
            format!("`{issue}`{closest}"),
        ));
    };
    let k = scenario.rule_sets.len();
    // per rule set, per state: (sum of values, count), and the states' names and positions
    let mut sums: Vec<Vec<(f64, u64)>> = vec![Vec::new(); k];
    let mut states: Vec<(String, f64)> = Vec::new();
    run_replicates(scenario, &scenario.rule_sets, reps, Record::States, |o| {
        let r = scenario
            .rule_sets
            .iter()
            .position(|x| x.0 == o.id.rule_set)
            .unwrap_or(0);
        if let (true, Some(w)) = (states.is_empty(), &o.final_world) {
            states = w
                .states
                .iter()
                .map(|s| (s.name.to_string(), s.position))
                .collect();
        }
        sums[r].resize(o.states.len(), (0.0, 0));
        for row in o.states.iter().filter(|row| row.issue as usize == ii) {
            if let Some(v) = row.membership_value {
                sums[r][row.state as usize].0 += v;
                sums[r][row.state as usize].1 += 1;
            }
        }
        Ok(())
    })?;
    let mut out = Vec::new();
    for (r, (name, _)) in scenario.rule_sets.iter().enumerate() {
        let value = |i: usize| sums[r].get(i).map_or(f64::NAN, |&(s, n)| s / n as f64);
        // states with a vote and a value (a state never in a negotiation has none)
        let voted: Vec<usize> = (0..states.len())
            .filter(|&i| votes.contains_key(&states[i].0) && value(i).is_finite())
            .collect();
        let positive: Vec<bool> = voted.iter().map(|&i| votes[&states[i].0]).collect();
        let position: Vec<f64> = voted.iter().map(|&i| states[i].1).collect();
        let score: Vec<f64> = voted.iter().map(|&i| -value(i)).collect();
        out.push(Check {
            rule_set: name.clone(),
            states: voted.len(),
            positives: positive.iter().filter(|&&p| p).count(),
            auc: paired_auc(&score, &position, &positive, (resamples, scenario.seed)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // positives 3 and 2, negatives 1 and 2: pairs (3,1) (3,2) (2,1) win, (2,2) ties.
        let scores = [3.0, 2.0, 1.0, 2.0];
        let positive = [true, true, false, false];
        assert_eq!(auc(&scores, &positive), 3.5 / 4.0);
        assert_eq!(auc(&[1.0, 2.0], &[true, false]), 0.0);
        assert!(auc(&[1.0], &[true]).is_nan());
    }

    #[test]
    fn bootstrap_brackets_the_estimate_and_is_reproducible() {
        let n = 60;
        let positive: Vec<bool> = (0..n).map(|i| i % 4 == 0).collect();
        let a: Vec<f64> = (0..n)
            .map(|i| (i % 4 == 0) as u8 as f64 + (i % 7) as f64 * 0.2)
            .collect();
        let b: Vec<f64> = (0..n).map(|i| (i % 5) as f64).collect();
        let r = paired_auc(&a, &b, &positive, (500, 9));
        for (e, lo, hi) in r {
            assert!(
                lo <= e + 1e-12 && e <= hi + 1e-12,
                "{e} not in [{lo}, {hi}]"
            );
        }
        assert_eq!(r, paired_auc(&a, &b, &positive, (500, 9)));
        let same = paired_auc(&a, &a, &positive, (200, 1));
        assert_eq!((same[2].1, same[2].2), (0.0, 0.0));
    }
}
