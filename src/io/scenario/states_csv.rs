//! The states CSV (`states_file`): one state per row, columns as in `[[states]]` without
//! per-issue strategies, each cell checked with the CSV's own line numbers.
//!
//! Part of `io::scenario`; may import the model's value types and `error`, nothing from
//! `engine`, `analysis`, `plot` or clap.

use super::csv_err;
use super::file::StateSpec;
use super::limits::{MAX_POWER, MAX_VALUE};
use super::validate::Validator;
use crate::error::{Location, RegimeError, Result};
use crate::model::strategy::Strategy;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads a CSV of states (columns as [`StateSpec`], `strategies` excluded).
pub(super) fn read_states_csv(path: &Path, v: &Validator, field: &str) -> Result<Vec<StateSpec>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Row {
        name: String,
        group: String,
        region: String,
        power: f64,
        position: f64,
        security: f64,
        economy: f64,
        rights: f64,
        sovereignty_cost: f64,
        discount: f64,
        strategy: String,
    }
    if !path.exists() {
        return Err(v.err(
            field,
            "an existing CSV file (relative to the scenario file)",
            path.display().to_string(),
        ));
    }
    let input = crate::io::input::open(path, Some(crate::io::input::MAX_CSV_BYTES))?;
    let mut rdr = csv::Reader::from_reader(std::io::BufReader::new(input));
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_err(path, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    let file = path.display().to_string();
    for (i, rec) in rdr.deserialize::<Row>().enumerate() {
        let r = rec.map_err(|e| {
            // Name the column of a bad cell.
            if let csv::ErrorKind::Deserialize { pos, err } = e.kind() {
                if let Some(col) = err.field().and_then(|k| headers.get(k as usize)) {
                    return RegimeError::field(
                        Location {
                            file: path.display().to_string(),
                            line: pos.as_ref().map(|p| p.line() as usize),
                            column: None,
                        },
                        col.clone(),
                        "a value of the right type",
                        err.kind().to_string(),
                    );
                }
            }
            csv_err(path, e)
        })?;
        let s = StateSpec {
            name: r.name,
            group: r.group,
            region: r.region,
            power: r.power,
            position: r.position,
            security: r.security,
            economy: r.economy,
            rights: r.rights,
            sovereignty_cost: r.sovereignty_cost,
            discount: r.discount,
            strategy: r.strategy,
            strategies: BTreeMap::new(),
        };
        // Validate with the CSV's own line numbers (header is line 1).
        let line = i + 2;
        let csv_v = CsvLoc { file: &file, line };
        csv_v.check(&s)?;
        out.push(s);
    }
    if out.is_empty() {
        return Err(v.err(
            field,
            "a CSV with at least one state",
            format!("{} has no rows", path.display()),
        ));
    }
    Ok(out)
}

struct CsvLoc<'a> {
    file: &'a str,
    line: usize,
}

impl CsvLoc<'_> {
    fn err(&self, field: &str, expected: &str, found: String) -> RegimeError {
        RegimeError::field(
            Location {
                file: self.file.to_string(),
                line: Some(self.line),
                column: None,
            },
            field,
            expected,
            found,
        )
    }
    fn check(&self, s: &StateSpec) -> Result<()> {
        let unit = |f: &str, x: f64| {
            if (0.0..=1.0).contains(&x) {
                Ok(())
            } else {
                Err(self.err(f, "a number in [0, 1]", x.to_string()))
            }
        };
        if !(s.power > 0.0 && s.power <= MAX_POWER) {
            return Err(self.err(
                "power",
                &format!("a number in (0, {MAX_POWER:e}]"),
                s.power.to_string(),
            ));
        }
        if !(-1.0..=1.0).contains(&s.position) {
            return Err(self.err("position", "a number in [-1, 1]", s.position.to_string()));
        }
        unit("security", s.security)?;
        unit("economy", s.economy)?;
        unit("rights", s.rights)?;
        if !(0.0..=MAX_VALUE).contains(&s.sovereignty_cost) {
            return Err(self.err(
                "sovereignty_cost",
                &format!("a number in [0, {MAX_VALUE:e}]"),
                s.sovereignty_cost.to_string(),
            ));
        }
        if !(s.discount > 0.0 && s.discount < 1.0) {
            return Err(self.err("discount", "a number in (0, 1)", s.discount.to_string()));
        }
        Strategy::parse(&s.strategy).map_err(|e| {
            let (expected, found) = crate::error::split_expected_found(&e);
            let found = found.unwrap_or_else(|| format!("`{}`", s.strategy));
            self.err("strategy", &format!("a strategy: {expected}"), found)
        })?;
        Ok(())
    }
}
