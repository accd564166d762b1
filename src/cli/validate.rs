//! `regime validate`: checks a scenario and prints it fully resolved.

use super::{load, Common};
use regime::analysis::budget;
use regime::io::scenario::Scenario;
use std::path::Path;

/// `regime validate SCENARIO`.
pub fn validate(c: &Common, scenario: &Path) -> anyhow::Result<()> {
    let s = load(Some(scenario), c)?;
    print!("{}", describe(&s));
    Ok(())
}

fn describe(s: &Scenario) -> String {
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
    let estimate = budget::estimate_runs(
        s,
        s.rule_sets.len(),
        s.replicates,
        false,
        rayon::current_num_threads(),
    );
    out.push_str(&estimate.describe(
        &format!(
            "`regime run` ({} replicates x {} rule sets)",
            s.replicates,
            s.rule_sets.len()
        ),
        &limits,
    ));
    out.push_str("# fully resolved (defaults filled in, rule sets expanded):\n");
    match toml::to_string_pretty(&resolved_view(s)) {
        Ok(t) => out.push_str(&t),
        Err(e) => out.push_str(&format!("# (cannot render: {e})\n")),
    }
    out
}

fn resolved_view(s: &Scenario) -> serde_json::Value {
    let mut v = regime::io::scenario::resolved_json(s);
    if let Some(obj) = v.as_object_mut() {
        obj.remove("text");
        let rs: serde_json::Map<String, serde_json::Value> = s
            .rule_sets
            .iter()
            .map(|(n, r)| (n.clone(), serde_json::to_value(r).unwrap_or_default()))
            .collect();
        obj.insert("rule_sets".into(), serde_json::Value::Object(rs));
        // TOML cannot hold nulls: drop them.
        strip_nulls(&mut v);
    }
    v
}

fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            for x in m.values_mut() {
                strip_nulls(x);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a.iter_mut() {
                strip_nulls(x);
            }
        }
        _ => {}
    }
}
