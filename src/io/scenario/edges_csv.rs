//! The edge list CSV (`topology.file`): one `source,target` pair of state names per row.
//!
//! Part of `io::scenario`; may import `error`, nothing from the model, `engine`, `analysis`,
//! `plot` or clap.

use super::csv_err;
use crate::error::{Location, RegimeError, Result};
use serde::Deserialize;
use std::path::Path;

/// Reads the edges of an `edge_list` topology, checking that every name is a state's.
pub(super) fn read_edges(
    path: &Path,
    names: &super::state_names::StateNames,
) -> Result<Vec<(String, String)>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Edge {
        source: String,
        target: String,
    }
    let mut rdr = super::open_csv(path, "topology.file")?;
    let mut out = Vec::new();
    for (i, rec) in rdr.deserialize::<Edge>().enumerate() {
        let e = rec.map_err(|e| csv_err(path, e))?;
        for (f, n) in [("source", &e.source), ("target", &e.target)] {
            if !names.contains(n) {
                return Err(RegimeError::field(
                    Location {
                        file: path.display().to_string(),
                        line: Some(i + 2),
                        column: None,
                    },
                    f,
                    "the name of a state of the scenario",
                    format!("`{n}`"),
                ));
            }
        }
        out.push((e.source, e.target));
    }
    Ok(out)
}
