//! Figures over time from `timeseries.csv`: cooperation per issue or rule set (`run` and
//! `compare`) and regime membership with each run's regime emergence and collapse marked
//! (`run`; the years come from `summary.csv`, else from `events.csv`).
//!
//! This file may import [`crate::io::table`], the figure model and the data gathering; it must
//! never import plotters.

use super::data::TimeColumn;
use crate::io::table::Table;
use crate::Result;

/// A regime event of one run to mark on a time axis.
pub(super) struct RegimeMark {
    pub(super) issue: String,
    /// Empty when the file has no `rule_set` column.
    pub(super) rule_set: String,
    pub(super) x: f64,
    pub(super) collapsed: bool,
}

/// Emergence and collapse times, from `summary.csv` (`emergence_year`/`collapse_year`, or the
/// `_round` columns when the time axis is rounds), else from `events.csv`
/// (`regime_emerged`/`regime_collapsed`). Missing files or empty cells are simply not marked.
pub(super) fn regime_marks(
    summary: Option<&Table>,
    events: Option<&Table>,
    time: &TimeColumn,
) -> Result<Vec<RegimeMark>> {
    let mut marks = Vec::new();
    let mark = |table: &Table, row: usize, issue: usize, x: f64, collapsed: bool| RegimeMark {
        issue: table.text(row, issue).to_string(),
        rule_set: table
            .column("rule_set")
            .map(|c| table.text(row, c).to_string())
            .unwrap_or_default(),
        x,
        collapsed,
    };
    if let Some((table, issue)) = summary.and_then(|t| t.column("issue").map(|i| (t, i))) {
        let emerged = table.column(&format!("emergence_{}", time.label));
        let collapsed = table.column(&format!("collapse_{}", time.label));
        for row in 0..table.len() {
            for (col, is_collapse) in [(emerged, false), (collapsed, true)] {
                if let Some(col) = col {
                    if let Some(x) = table.number(row, col)? {
                        marks.push(mark(table, row, issue, x, is_collapse));
                    }
                }
            }
        }
        return Ok(marks);
    }
    if let Some(table) = events {
        let (Some(issue), Some(event), Some(x_col)) = (
            table.column("issue"),
            table.column("event"),
            table.column(&time.label),
        ) else {
            return Ok(marks);
        };
        for row in 0..table.len() {
            let collapsed = match table.text(row, event) {
                "regime_emerged" => false,
                "regime_collapsed" => true,
                _ => continue,
            };
            if let Some(x) = table.number(row, x_col)? {
                marks.push(mark(table, row, issue, x, collapsed));
            }
        }
    }
    Ok(marks)
}
