//! `regime compare`: the same replicates under named rule sets (presets or the scenario's) on
//! common random numbers, through the same steps as `regime run`.

use super::run::{run_command, Extras};
use super::{load, Common};
use regime::error::RegimeError;
use regime::io::scenario::{Rules, Scenario};
use std::path::Path;

/// `regime compare SCENARIO --rule-sets A,B`: named rule sets (presets or the scenario's).
pub fn compare(
    c: &Common,
    scenario: &Path,
    rule_sets: &[String],
    reps: u64,
    extras: Extras,
) -> anyhow::Result<()> {
    let s = load(Some(scenario), c)?;
    if reps == 0 {
        return Err(RegimeError::argument("--reps", "a number >= 1", "0").into());
    }
    let resolved = resolve_rule_sets(&s, rule_sets)?;
    run_command("compare", &s, &resolved, reps, extras, c, true)
}

fn resolve_rule_sets(s: &Scenario, names: &[String]) -> anyhow::Result<Vec<(String, Rules)>> {
    let mut out = Vec::new();
    for n in names {
        let n = n.trim();
        if let Some((_, r)) = s.rule_sets.iter().find(|(name, _)| name == n) {
            out.push((n.to_string(), *r));
        } else if let Some(r) = Rules::preset(n) {
            out.push((n.to_string(), r));
        } else {
            return Err(RegimeError::argument(
                "--rule-sets",
                "realist, institutionalist, or a rule set named in the scenario's rule_sets",
                n,
            )
            .into());
        }
    }
    if out.is_empty() {
        return Err(RegimeError::argument("--rule-sets", "at least one rule set", "none").into());
    }
    Ok(out)
}
