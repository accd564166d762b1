//! `regime validate-targets`: the out-of-sample check of a scenario of real states against the
//! 2018 GCM vote (docs/hypotheses.md): `validation.csv`, a manifest and the printed table.

use super::{default_out, load, Common, LimitArgs};
use anyhow::Context;
use regime::analysis::budget;
use regime::analysis::validation::{self, Check};
use regime::error::RegimeError;
use regime::io::output::{self, num, Csv, OutputDir};
use std::path::{Path, PathBuf};

/// The columns of `validation.csv` (docs/outputs.md).
const COLUMNS: [&str; 8] = [
    "rule_set",
    "issue",
    "predictor",
    "states",
    "no_or_abstain",
    "auc",
    "ci_low",
    "ci_high",
];

/// The three predictors of a check, in the order of [`Check::auc`].
const PREDICTORS: [&str; 3] = [
    "membership_value",
    "position",
    "membership_value_minus_position",
];

/// `regime validate-targets SCENARIO`.
pub fn validate_targets(
    c: &Common,
    path: &Path,
    (reps, issue, targets, resamples): (u64, &str, Option<PathBuf>, usize),
    limits: LimitArgs,
) -> anyhow::Result<()> {
    let s = load(Some(path), c)?;
    if reps == 0 {
        return Err(RegimeError::argument("--reps", "a number >= 1", "0").into());
    }
    let targets = targets.unwrap_or_else(|| {
        let dir = path.parent().unwrap_or(Path::new("."));
        dir.join("data").join("targets.csv")
    });
    let votes = validation::read_votes(&targets)?;
    let target = default_out(c, "validate-targets", &s.name);
    let runs = reps * s.rule_sets.len() as u64;
    budget::estimate_analysis(
        &s,
        runs,
        4 * s.rule_sets.len() as u64,
        rayon::current_num_threads(),
    )
    .check(&limits.limits(&target))?;
    let dir = OutputDir::create(&target, c.force)?;
    let checks = validation::check(&s, (reps, issue), &votes, resamples)?;
    write_csv(&dir, issue, &checks)?;
    let fields = serde_json::json!({
        "replicates": reps,
        "issue": issue,
        "targets": targets.display().to_string(),
        "bootstrap_resamples": resamples,
    });
    let manifest = super::scenario_manifest(&s, "validate-targets", fields);
    output::write_manifest(&dir, &manifest)?;
    let done = dir
        .commit()
        .context("moving the finished outputs into place")?;
    println!("{}", table(issue, &checks));
    if !c.quiet {
        eprintln!("outputs in {}", done.display());
    }
    Ok(())
}

fn write_csv(dir: &OutputDir, issue: &str, checks: &[Check]) -> anyhow::Result<()> {
    let mut csv = Csv::create(dir.file("validation.csv"), &COLUMNS)?;
    for ch in checks {
        for (p, (e, lo, hi)) in PREDICTORS.iter().zip(ch.auc) {
            csv.row([
                ch.rule_set.clone(),
                issue.to_string(),
                p.to_string(),
                ch.states.to_string(),
                ch.positives.to_string(),
                num(e),
                num(lo),
                num(hi),
            ])?;
        }
    }
    csv.flush()?;
    Ok(())
}

fn table(issue: &str, checks: &[Check]) -> String {
    let mut s = format!(
        "GCM 2018 (no or abstain vs yes) predicted by the mean `{issue}` membership_value, against position alone\n{:<18} {:>6} {:>6}  {:<24} {:<24} {}\n",
        "rule set", "states", "no/abs", "AUC value [95% CI]", "AUC position [95% CI]", "difference [95% CI]"
    );
    let f = |(e, lo, hi): (f64, f64, f64)| format!("{e:.3} [{lo:.3}, {hi:.3}]");
    for ch in checks {
        s.push_str(&format!(
            "{:<18} {:>6} {:>6}  {:<24} {:<24} {}\n",
            ch.rule_set,
            ch.states,
            ch.positives,
            f(ch.auc[0]),
            f(ch.auc[1]),
            f(ch.auc[2])
        ));
    }
    s.push_str("(AUC: probability that a state that voted no or abstained scores above one that voted yes; stratified bootstrap percentile intervals; the vote is never a model input)\n");
    s
}
