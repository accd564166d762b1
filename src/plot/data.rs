//! Gathering the tool's CSV columns for figures: rows that describe all states, the time axis,
//! values per panel, series and `x` (replicates kept together so that means and bands can be
//! drawn), and the notes that say how many runs a line averages.
//!
//! This file may import [`crate::io::table`], [`crate::analysis::stats`] and the figure model; it
//! must never import plotters.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::figure::{Body, LinesBody, Panel, StyleBook, VLine};
use super::line::mean_curve;
use crate::io::table::Table;
use crate::Result;

/// Rows of a time series that describe all states (`group == "all"`); every row when the file
/// has no `group` column.
pub(super) fn group_all_filter(table: &Table) -> Vec<usize> {
    match table.column("group") {
        Some(group) => (0..table.len())
            .filter(|&r| table.text(r, group) == "all")
            .collect(),
        None => (0..table.len()).collect(),
    }
}

/// A subtitle saying what lines and bands are, given the fewest and most runs per point.
pub(super) fn replicate_note((fewest, most): (usize, usize), banded: bool) -> Option<String> {
    if !banded {
        return None;
    }
    let runs = if fewest == most {
        format!("{most}")
    } else {
        format!("{fewest}–{most}")
    };
    Some(format!(
        "Lines: mean over {runs} runs; shaded: 95% confidence interval of the mean"
    ))
}

/// The time axis of a time series: `year` when present, else `round`.
pub(super) struct TimeColumn {
    pub(super) col: usize,
    pub(super) label: String,
}

impl TimeColumn {
    pub(super) fn of(table: &Table) -> Result<TimeColumn> {
        let name = if table.column("year").is_some() {
            "year"
        } else {
            "round"
        };
        Ok(TimeColumn {
            col: table.require(name)?,
            label: name.to_string(),
        })
    }
}

/// A float usable as an ordered map key (total order, so NaN cannot corrupt a map).
#[derive(Debug, Clone, Copy)]
pub(super) struct Key(pub(super) f64);

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Values of one column gathered per panel, per series label and per `x`, in row order.
pub(super) struct Collected {
    /// Panel names in order of first appearance (one empty name when there are no panel columns).
    pub(super) panels: Vec<String>,
    /// Series labels in order of first appearance.
    pub(super) labels: Vec<String>,
    pub(super) values: BTreeMap<(usize, usize), BTreeMap<Key, Vec<f64>>>,
    /// Rows that had both an `x` and a value.
    pub(super) rows_used: usize,
}

impl Collected {
    /// Gathers `value_col` over `x_col` from `rows`; rows with an empty `x` or value are skipped.
    pub(super) fn gather(
        table: &Table,
        panel_cols: &[usize],
        label_cols: &[usize],
        x_col: usize,
        value_col: usize,
        rows: &[usize],
    ) -> Result<Collected> {
        let mut collected = Collected {
            panels: Vec::new(),
            labels: Vec::new(),
            values: BTreeMap::new(),
            rows_used: 0,
        };
        for &row in rows {
            let (Some(x), Some(value)) = (table.number(row, x_col)?, table.number(row, value_col)?)
            else {
                continue;
            };
            let panel = index_of(&mut collected.panels, join_cells(table, row, panel_cols));
            let label = index_of(&mut collected.labels, join_cells(table, row, label_cols));
            collected
                .values
                .entry((panel, label))
                .or_default()
                .entry(Key(x))
                .or_default()
                .push(value);
            collected.rows_used += 1;
        }
        Ok(collected)
    }

    /// The fewest and the most values at one `x` of one series (the runs averaged per point).
    pub(super) fn replicates(&self) -> (usize, usize) {
        let counts = self
            .values
            .values()
            .flat_map(|by_x| by_x.values().map(Vec::len));
        let fewest = counts.clone().min().unwrap_or(0);
        let most = counts.max().unwrap_or(0);
        (fewest, most)
    }

    /// One line panel per panel name; lines are means, with a 95% band where `x` has replicated
    /// values. Returns the panels and whether any band was drawn.
    pub(super) fn line_panels(
        &self,
        styles: &mut StyleBook,
        y_range: Option<(f64, f64)>,
        vlines: &[VLine],
    ) -> (Vec<Panel>, bool) {
        let mut any_band = false;
        let mut panels = Vec::new();
        for (p, panel_name) in self.panels.iter().enumerate() {
            let mut curves = Vec::new();
            for (l, label) in self.labels.iter().enumerate() {
                let Some(values) = self.values.get(&(p, l)) else {
                    continue;
                };
                let style = styles.style(label);
                let curve = mean_curve(values, style, y_range);
                any_band |= !curve.bands.is_empty();
                curves.push(curve);
            }
            panels.push(Panel {
                title: (!panel_name.is_empty()).then(|| panel_name.clone()),
                body: Body::Lines(LinesBody {
                    curves,
                    vlines: vlines.to_vec(),
                    event_ticks: false,
                    y_range,
                }),
            });
        }
        if panels.is_empty() {
            panels.push(Panel {
                title: None,
                body: Body::Lines(LinesBody {
                    curves: Vec::new(),
                    vlines: Vec::new(),
                    event_ticks: false,
                    y_range,
                }),
            });
        }
        (panels, any_band)
    }
}

pub(super) fn join_cells(table: &Table, row: usize, cols: &[usize]) -> String {
    cols.iter()
        .map(|&c| table.text(row, c))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Index of `value` in `list`, appending it when new.
pub(super) fn index_of(list: &mut Vec<String>, value: String) -> usize {
    match list.iter().position(|v| *v == value) {
        Some(i) => i,
        None => {
            list.push(value);
            list.len() - 1
        }
    }
}

/// Labels sorted numerically when all are numbers, else as text.
pub(super) fn sorted_labels(labels: &[String]) -> Vec<String> {
    let mut sorted = labels.to_vec();
    let numbers: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
    if numbers.is_some() {
        sorted.sort_by(|a, b| {
            let a = a.parse::<f64>().unwrap_or(f64::NAN);
            let b = b.parse::<f64>().unwrap_or(f64::NAN);
            a.total_cmp(&b)
        });
    } else {
        sorted.sort();
    }
    sorted
}
