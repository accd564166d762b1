//! The four contrasts of the thesis's chapter 5 table (docs/hypotheses.md), measured from the
//! facts of a rule set's runs: one [`Row`] per hypothesis, measure and issue (and `all`, the
//! issues pooled within a run), each with its 95 % interval and the theory it matches.

use super::facts::{IssueFacts, RunFacts};
use super::rules::{who_gains, Match, Rule};
use crate::analysis::stats::{mean_ci, wilson_interval, Z95};

/// One row of `hypotheses.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `who_decides`, `cooperation_possible`, `what_institutions_are` or `who_gains`.
    pub hypothesis: &'static str,
    /// The measure (docs/outputs.md, `hypotheses.csv`).
    pub measure: String,
    /// Rule set.
    pub rule_set: String,
    /// Issue, or `all` for the issues pooled within each run.
    pub issue: String,
    /// Estimate (NaN: no data).
    pub estimate: f64,
    /// 95 % interval.
    pub ci: (f64, f64),
    /// The units the interval rests on (replicates, runs or run-issue pairs).
    pub n: u64,
    /// The theory whose prediction the interval matches.
    pub matches: Match,
}

/// One rule set's runs, by variant: `[replicate]`.
pub struct RuleSetRuns<'a> {
    /// Rule set name.
    pub rule_set: &'a str,
    /// Baseline runs.
    pub baseline: Vec<&'a RunFacts>,
    /// Runs without civil-society access.
    pub access_off: Vec<&'a RunFacts>,
    /// Runs at each horizon factor of the design, shortest first.
    pub horizons: [Vec<&'a RunFacts>; 2],
    /// Runs with the forced exit.
    pub exit: Vec<&'a RunFacts>,
}

/// What the measures need to know of the scenario.
pub struct IssueSet<'a> {
    /// Issue names.
    pub names: &'a [String],
    /// Per issue: no regime at the start (emergence is defined).
    pub emerging: &'a [bool],
    /// Per issue: civil society has access at some time (H1 changes something).
    pub access: &'a [bool],
    /// The horizon factors of H2, shortest first.
    pub horizons: [f64; 2],
}

/// A builder of the rows of one rule set.
struct Rows<'a> {
    rule_set: &'a str,
    names: &'a [String],
    out: Vec<Row>,
}

impl Rows<'_> {
    fn push(&mut self, (hypothesis, measure): (&'static str, &str), issue: Option<usize>, e: Est) {
        let issue = issue.map_or("all".to_string(), |i| self.names[i].clone());
        self.out.push(Row {
            hypothesis,
            measure: measure.to_string(),
            rule_set: self.rule_set.to_string(),
            issue,
            estimate: e.estimate,
            ci: e.ci,
            n: e.n,
            matches: e.rule.decide(e.ci),
        });
    }
}

/// An estimate with its interval, units and decision rule.
#[derive(Debug, Clone, Copy)]
struct Est {
    estimate: f64,
    ci: (f64, f64),
    n: u64,
    rule: Rule,
}

/// The mean of per-unit values with its normal 95 % interval.
fn mean_of(values: &[f64], rule: Rule) -> Est {
    let (m, lo, hi) = mean_ci(values);
    Est {
        estimate: m,
        ci: (lo, hi),
        n: values.len() as u64,
        rule,
    }
}

/// A mean of shares, its interval clipped to [0, 1].
fn share_mean(values: &[f64], rule: Rule) -> Est {
    let e = mean_of(values, rule);
    Est {
        ci: (e.ci.0.max(0.0), e.ci.1.min(1.0)),
        ..e
    }
}

/// A proportion with its Wilson interval.
fn share_of(flags: &[bool], rule: Rule) -> Est {
    let n = flags.len() as u64;
    let k = flags.iter().filter(|&&f| f).count() as u64;
    Est {
        estimate: if n == 0 {
            f64::NAN
        } else {
            k as f64 / n as f64
        },
        ci: if n == 0 {
            (f64::NAN, f64::NAN)
        } else {
            wilson_interval(k, n, Z95)
        },
        n,
        rule,
    }
}

/// The mean over the issues in `set` of `value`, per run (None when the set is empty).
fn pooled(run: &RunFacts, set: &[usize], value: impl Fn(&IssueFacts) -> f64) -> Option<f64> {
    (!set.is_empty())
        .then(|| set.iter().map(|&i| value(&run.issues[i])).sum::<f64>() / set.len() as f64)
}

/// Every row of one rule set, hypothesis by hypothesis.
pub fn rows(runs: &RuleSetRuns, issues: &IssueSet) -> Vec<Row> {
    let mut b = Rows {
        rule_set: runs.rule_set,
        names: issues.names,
        out: Vec::new(),
    };
    who_decides(&mut b, runs, issues);
    cooperation_possible(&mut b, runs, issues);
    what_institutions_are(&mut b, runs);
    who_gains_rows(&mut b, runs);
    b.out
}

/// Indices of the issues where `flag` holds.
fn indices(flags: &[bool]) -> Vec<usize> {
    (0..flags.len()).filter(|&i| flags[i]).collect()
}

/// H1, who decides: civil-society access on minus off, paired by replicate, on the issues
/// without a regime at the start where access changes anything: P(binding) and the round of
/// emergence (decided), and cooperation (descriptive: what access does below a ceiling).
fn who_decides(b: &mut Rows, runs: &RuleSetRuns, issues: &IssueSet) {
    const H: &str = "who_decides";
    let both: Vec<bool> = (0..issues.names.len())
        .map(|i| issues.emerging[i] && issues.access[i])
        .collect();
    let set = indices(&both);
    type Value = fn(&IssueFacts) -> f64;
    let measures: [(&str, Value, Rule); 3] = [
        ("d_cooperation_access", |f| f.cooperation, Rule::Descriptive),
        (
            "d_p_binding_access",
            |f| f.emerged as u8 as f64,
            Rule::Effect(1.0),
        ),
        (
            "d_emergence_round_access",
            |f| f.emergence_time,
            Rule::Effect(-1.0),
        ),
    ];
    for (measure, value, rule) in measures {
        let diffs = |group: &[usize]| -> Vec<f64> {
            let on = runs.baseline.iter();
            on.zip(&runs.access_off)
                .filter_map(|(a, z)| Some(pooled(a, group, value)? - pooled(z, group, value)?))
                .collect()
        };
        b.push((H, measure), None, mean_of(&diffs(&set), rule));
        for &i in &set {
            b.push((H, measure), Some(i), mean_of(&diffs(&[i]), rule));
        }
    }
}

/// H2, whether cooperation is possible: cooperation and P(binding) at each horizon factor,
/// and the paired differences longest minus shortest horizon (descriptive). P(binding) at the
/// longest horizon is decided: a binding regime more often than not matches institutionalism
/// (cooperation is possible given a long shadow of the future), less often realism.
fn cooperation_possible(b: &mut Rows, runs: &RuleSetRuns, issues: &IssueSet) {
    const H: &str = "cooperation_possible";
    let all: Vec<usize> = (0..issues.names.len()).collect();
    let emerging = indices(issues.emerging);
    let [h0, h1] = issues.horizons;
    let levels: [(f64, &Vec<&RunFacts>); 3] = [
        (h0, &runs.horizons[0]),
        (1.0, &runs.baseline),
        (h1, &runs.horizons[1]),
    ];
    type Value = fn(&IssueFacts) -> f64;
    let measures: [(&str, Value, &Vec<usize>); 2] = [
        ("cooperation", |f| f.cooperation, &all),
        ("p_binding", |f| f.emerged as u8 as f64, &emerging),
    ];
    for (name, value, set) in measures {
        for (h, level) in levels {
            let measure = format!("{name}_horizon_x{h}");
            let decided = name == "p_binding" && h == h1;
            let rule = if decided {
                Rule::Majority
            } else {
                Rule::Descriptive
            };
            let per_run: Vec<f64> = level.iter().filter_map(|r| pooled(r, set, value)).collect();
            b.push((H, &measure), None, share_mean(&per_run, rule));
            if decided {
                for &i in set.iter() {
                    let flags: Vec<bool> = level.iter().map(|r| r.issues[i].emerged).collect();
                    b.push((H, &measure), Some(i), share_of(&flags, rule));
                }
            }
        }
        let measure = format!("d_{name}_horizon_x{h1}_vs_x{h0}");
        let diffs = |group: &[usize]| -> Vec<f64> {
            let long = runs.horizons[1].iter();
            long.zip(&runs.horizons[0])
                .filter_map(|(l, s)| Some(pooled(l, group, value)? - pooled(s, group, value)?))
                .collect()
        };
        b.push((H, &measure), None, mean_of(&diffs(set), Rule::Descriptive));
        for &i in set.iter() {
            b.push(
                (H, &measure),
                Some(i),
                mean_of(&diffs(&[i]), Rule::Descriptive),
            );
        }
    }
}

/// H3, what institutions are: whether a binding regime is still binding at the end after its
/// most powerful members were forced out (and the paired change against the baseline); and
/// whether joining changes a member's own cooperation against its matched non-member.
fn what_institutions_are(b: &mut Rows, runs: &RuleSetRuns) {
    const H: &str = "what_institutions_are";
    let n_issues = runs.baseline.first().map_or(0, |r| r.issues.len());
    let pairs = || runs.exit.iter().zip(&runs.baseline);
    let shares: Vec<f64> = pairs()
        .filter_map(|(x, _)| {
            let bound: Vec<&IssueFacts> = x.issues.iter().filter(|f| f.binding_at_exit).collect();
            let kept = bound.iter().filter(|f| f.binding_end).count() as f64;
            (!bound.is_empty()).then(|| kept / bound.len() as f64)
        })
        .collect();
    b.push(
        (H, "p_survives_exit"),
        None,
        share_mean(&shares, Rule::Majority),
    );
    for i in 0..n_issues {
        let kept: Vec<bool> = pairs()
            .filter(|(x, _)| x.issues[i].binding_at_exit)
            .map(|(x, _)| x.issues[i].binding_end)
            .collect();
        b.push(
            (H, "p_survives_exit"),
            Some(i),
            share_of(&kept, Rule::Majority),
        );
        let diffs: Vec<f64> = pairs()
            .filter(|(x, _)| x.issues[i].binding_at_exit)
            .map(|(x, z)| {
                x.issues[i].binding_end as u8 as f64 - z.issues[i].binding_end as u8 as f64
            })
            .collect();
        b.push(
            (H, "d_binding_end_exit"),
            Some(i),
            mean_of(&diffs, Rule::Descriptive),
        );
    }
    let measure = (H, "joining_cooperation_did");
    let rule = Rule::Effect(1.0);
    let per_run = |issue: Option<usize>| -> Vec<f64> {
        let joiners = |r: &RunFacts| -> Vec<f64> {
            let js = r
                .joiners
                .iter()
                .filter(|j| issue.is_none_or(|i| j.issue == i));
            js.map(|j| j.cooperation).collect()
        };
        runs.baseline
            .iter()
            .filter_map(|r| mean(&joiners(r)))
            .collect()
    };
    b.push(measure, None, mean_of(&per_run(None), rule));
    for i in 0..n_issues {
        b.push(measure, Some(i), mean_of(&per_run(Some(i)), rule));
    }
}

/// The mean of a non-empty slice.
fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// H4, who gains: joiners' payoff change per move against matched non-members, by power
/// quartile (descriptive), and the lower three quartiles pooled, decided with the top one.
fn who_gains_rows(b: &mut Rows, runs: &RuleSetRuns) {
    const H: &str = "who_gains";
    let per_run = |quartiles: &[u8]| -> Vec<f64> {
        let gains = |r: &RunFacts| -> Vec<f64> {
            let js = r.joiners.iter().filter(|j| quartiles.contains(&j.quartile));
            js.map(|j| j.payoff).collect()
        };
        runs.baseline
            .iter()
            .filter_map(|r| mean(&gains(r)))
            .collect()
    };
    let mut top = (f64::NAN, f64::NAN);
    for q in 1..=4u8 {
        let e = mean_of(&per_run(&[q]), Rule::Descriptive);
        if q == 4 {
            top = e.ci;
        }
        b.push((H, &format!("payoff_did_power_q{q}")), None, e);
    }
    let lower = mean_of(&per_run(&[1, 2, 3]), Rule::Descriptive);
    b.push((H, "payoff_did_power_q1_q3"), None, lower);
    if let Some(row) = b.out.last_mut() {
        row.matches = who_gains(lower.ci, top);
    }
}
