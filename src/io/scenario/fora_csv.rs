//! The fora CSV (`fora_file`): one `forum,name` row per state's membership of a migration
//! forum (a regional consultative process, thesis ch. 2.2 C); other columns are ignored.
//!
//! Part of `io::scenario`; may import `error`, nothing from the model, `engine`, `analysis`,
//! `plot` or clap.

use super::csv_err;
use crate::error::{Location, RegimeError, Result};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// Reads the memberships of `fora_file` as (forum, state) names in file order, checking that
/// every name is a state's, that no forum name is empty and that no membership repeats.
pub(super) fn read_fora(
    path: &Path,
    names: &super::state_names::StateNames,
) -> Result<Vec<(String, String)>> {
    #[derive(Deserialize)]
    struct Membership {
        forum: String,
        name: String,
    }
    let mut rdr = super::open_csv(path, "fora_file")?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (i, rec) in rdr.deserialize::<Membership>().enumerate() {
        let m = rec.map_err(|e| csv_err(path, e))?;
        let bad = |field: &str, expected: &str, found: String| {
            RegimeError::field(
                Location {
                    file: path.display().to_string(),
                    line: Some(i + 2),
                    column: None,
                },
                field,
                expected,
                found,
            )
        };
        if m.forum.trim().is_empty() {
            return Err(bad("forum", "a non-empty forum name", "\"\"".into()));
        }
        if !names.contains(&m.name) {
            let found = format!("`{}`", m.name);
            return Err(bad("name", "the name of a state of the scenario", found));
        }
        if !seen.insert((m.forum.clone(), m.name.clone())) {
            let found = format!("`{}` in `{}` again", m.name, m.forum);
            return Err(bad("name", "each membership once", found));
        }
        out.push((m.forum, m.name));
    }
    Ok(out)
}
