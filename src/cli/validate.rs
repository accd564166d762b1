//! `regime validate`: checks a scenario and prints it fully resolved.

use super::{load, Common};
use regime::analysis::budget;
use regime::io::scenario::{self, Scenario};
use std::path::Path;

/// `regime validate SCENARIO`.
pub fn validate(c: &Common, scenario: &Path) -> anyhow::Result<()> {
    let s = load(Some(scenario), c)?;
    print!("{}", describe(&s, scenario)?);
    Ok(())
}

fn describe(s: &Scenario, path: &Path) -> anyhow::Result<String> {
    let mut out = String::new();
    out.push_str(&format!(
        "# scenario `{}` from {} is valid\n",
        s.name, s.source
    ));
    out.push_str(&format!("# sha256 {}\n", s.hash()));
    out.push_str(&format!(
        "# {} states ({} listed, {} in {} blocs), {} issues, {} rounds ({}-{}), topology {}\n",
        s.state_count(),
        s.states.fixed.len(),
        s.states.blocs.iter().map(|b| b.count).sum::<u64>(),
        s.states.blocs.len(),
        s.issues.len(),
        s.rounds,
        s.start_year,
        s.year(s.rounds - 1),
        s.topology.kind
    ));
    let limits = budget::Limits::with_defaults(None, None, std::path::Path::new("out"));
    let threads = rayon::current_num_threads();
    let estimate = budget::estimate_runs(s, s.rule_sets.len(), s.replicates, false, threads);
    out.push_str(&estimate.describe(
        &format!(
            "`regime run` ({} replicates x {} rule sets)",
            s.replicates,
            s.rule_sets.len()
        ),
        &limits,
    ));
    if let Some((points, sweep)) = budget::estimate_scenario_sweep(s, threads)? {
        out.push_str(&sweep.describe(&format!("`regime sweep` ({points} points)"), &limits));
    }
    if let Some(line) = regime::analysis::calibrate::check_table(s, path)? {
        out.push_str(&line);
    }
    out.push_str(
        "# fully resolved (defaults filled in, states_file listed, rule sets expanded); \
         `regime run` reads it back to the same results:\n",
    );
    out.push_str(&scenario::resolved_toml(s, &scenario::base_dir(path))?);
    Ok(out)
}
