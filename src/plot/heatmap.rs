//! Heatmaps: the mean of a value over the cells of two columns, sorted numerically when they
//! are numbers, one panel per group; coloured points instead of cells when a sweep was sampled
//! at random. Used by `regime plot --z` and by the phase diagrams of `sweep` (`phase_<issue>.svg`).
//!
//! This file may import [`crate::io::table`], [`crate::analysis::stats`], the figure model and
//! the data gathering; it must never import plotters.

use std::collections::{BTreeMap, BTreeSet};

use super::data::{index_of, join_cells, Key};
use super::figure::{Body, Figure, HeatBody, Legend, Panel};
use super::style::format_number;
use super::{PlotKind, PlotReport, PlotSpec};
use crate::analysis::stats;
use crate::io::table::Table;
use crate::Result;

/// A phase diagram for one issue: mean emergence probability over the first two sweep axes,
/// one panel per rule set.
pub(super) fn phase_figure(
    points: &Table,
    rows: &[usize],
    issue_name: &str,
    axes: &[String],
    axis_cols: &[usize],
    rule_set: Option<usize>,
    probability: usize,
) -> Result<Figure> {
    let panel_cols: Vec<usize> = match rule_set {
        Some(col) if points.distinct(col, rows).len() > 1 => vec![col],
        _ => Vec::new(),
    };
    let heat = HeatData::gather(
        points,
        rows,
        axis_cols[0],
        axis_cols[1],
        probability,
        &panel_cols,
    )?;
    let subtitle = if axes.len() > 2 {
        format!(
            "Colour: emergence probability, mean over the other axes ({})",
            axes[2..].join(", ")
        )
    } else {
        "Colour: share of runs in which a regime emerged".to_string()
    };
    Ok(Figure {
        title: format!("Emergence probability: {issue_name}"),
        subtitle: Some(subtitle),
        x_label: axes[0].clone(),
        y_label: axes[1].clone(),
        panels: heat.panels(),
        legend: Legend::ColourScale {
            label: "emergence probability".to_string(),
            min: 0.0,
            max: 1.0,
        },
    })
}

/// The heatmap of `regime plot --z`: the mean of `z` over the cells of `x` × `y`, one panel per
/// `by` group.
pub(super) fn heatmap_from_table(
    table: &Table,
    spec: &PlotSpec,
    x: usize,
    y: usize,
    z: usize,
    by: Option<usize>,
) -> Result<(Figure, PlotReport)> {
    let every_row: Vec<usize> = (0..table.len()).collect();
    let panel_cols: Vec<usize> = by.into_iter().collect();
    let heat = HeatData::gather(table, &every_row, x, y, z, &panel_cols)?;
    if heat.rows_used == 0 {
        return Err(table.error(&format!(
            "no row has `{}`, `{}` and `{}`: nothing to plot",
            spec.x,
            spec.y,
            spec.z.as_deref().unwrap_or_default()
        )));
    }
    let (min, max) = heat.z_range();
    let z_name = spec.z.clone().unwrap_or_default();
    let cells = heat.cells.len();
    let report = PlotReport {
        kind: PlotKind::Heatmap,
        series: heat.panel_names.len(),
        cells,
        points: cells,
        bands: 0,
        rows: heat.rows_used,
    };
    let figure = Figure {
        title: spec
            .title
            .clone()
            .unwrap_or_else(|| format!("{} by {} and {}", z_name, spec.x, spec.y)),
        subtitle: heat
            .replicated
            .then(|| format!("Colour: mean of {z_name} over the rows in each cell")),
        x_label: spec.x.clone(),
        y_label: spec.y.clone(),
        panels: heat.panels(),
        legend: Legend::ColourScale {
            label: z_name,
            min,
            max,
        },
    };
    Ok((figure, report))
}

/// One axis of a heatmap: its distinct values, sorted (numerically when all are numbers).
pub(super) struct HeatAxis {
    pub(super) labels: Vec<String>,
    /// The values, when the axis is numeric.
    pub(super) values: Option<Vec<f64>>,
}

impl HeatAxis {
    /// The axis of the given raw values, and the index on it of each value.
    pub(super) fn build(raw: &[&str]) -> (HeatAxis, Vec<usize>) {
        let numbers: Option<Vec<f64>> = raw
            .iter()
            .map(|s| {
                s.parse::<f64>()
                    .ok()
                    .filter(|v| v.abs() <= crate::io::table::MAX_MAGNITUDE)
            })
            .collect();
        match numbers {
            Some(numbers) => {
                let distinct: Vec<f64> = numbers
                    .iter()
                    .map(|&v| Key(v))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .map(|k| k.0)
                    .collect();
                let index = numbers
                    .iter()
                    .map(|v| {
                        distinct
                            .binary_search_by(|d| d.total_cmp(v))
                            .unwrap_or_default()
                    })
                    .collect();
                let axis = HeatAxis {
                    labels: distinct.iter().map(|&v| format_number(v)).collect(),
                    values: Some(distinct),
                };
                (axis, index)
            }
            None => {
                let distinct: Vec<String> = raw
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let index = raw
                    .iter()
                    .map(|s| {
                        distinct
                            .binary_search_by(|d| d.as_str().cmp(s))
                            .unwrap_or_default()
                    })
                    .collect();
                (
                    HeatAxis {
                        labels: distinct,
                        values: None,
                    },
                    index,
                )
            }
        }
    }

    pub(super) fn len(&self) -> usize {
        self.labels.len()
    }
}

/// Mean `z` per (panel, x, y) cell.
pub(super) struct HeatData {
    pub(super) panel_names: Vec<String>,
    pub(super) x_axis: HeatAxis,
    pub(super) y_axis: HeatAxis,
    /// (panel, x index, y index) → mean z.
    pub(super) cells: BTreeMap<(usize, usize, usize), f64>,
    pub(super) rows_used: usize,
    /// Whether some cell averages several rows.
    pub(super) replicated: bool,
}

impl HeatData {
    pub(super) fn gather(
        table: &Table,
        rows: &[usize],
        x: usize,
        y: usize,
        z: usize,
        panel_cols: &[usize],
    ) -> Result<HeatData> {
        let mut used = Vec::new();
        let mut zs = Vec::new();
        for &row in rows {
            if table.text(row, x).is_empty() || table.text(row, y).is_empty() {
                continue;
            }
            if let Some(value) = table.number(row, z)? {
                used.push(row);
                zs.push(value);
            }
        }
        let xs: Vec<&str> = used.iter().map(|&r| table.text(r, x)).collect();
        let ys: Vec<&str> = used.iter().map(|&r| table.text(r, y)).collect();
        let (x_axis, x_index) = HeatAxis::build(&xs);
        let (y_axis, y_index) = HeatAxis::build(&ys);
        let mut panel_names = Vec::new();
        let mut values: BTreeMap<(usize, usize, usize), Vec<f64>> = BTreeMap::new();
        for (i, &row) in used.iter().enumerate() {
            let panel = index_of(&mut panel_names, join_cells(table, row, panel_cols));
            values
                .entry((panel, x_index[i], y_index[i]))
                .or_default()
                .push(zs[i]);
        }
        if panel_names.is_empty() {
            panel_names.push(String::new());
        }
        let replicated = values.values().any(|v| v.len() > 1);
        let cells = values
            .into_iter()
            .map(|(key, v)| (key, stats::mean_ci(&v).0))
            .collect();
        Ok(HeatData {
            panel_names,
            x_axis,
            y_axis,
            cells,
            rows_used: used.len(),
            replicated,
        })
    }

    pub(super) fn z_range(&self) -> (f64, f64) {
        let min = self.cells.values().copied().fold(f64::INFINITY, f64::min);
        let max = self
            .cells
            .values()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        if min.is_finite() && max.is_finite() {
            (min, max)
        } else {
            (0.0, 1.0)
        }
    }

    pub(super) fn panels(&self) -> Vec<Panel> {
        // A sweep sampled at random (or on a Latin hypercube) has nearly as many distinct values
        // per axis as points: a grid of cells would be mostly empty, so draw coloured points at
        // their true positions instead.
        let per_panel_max = (0..self.panel_names.len())
            .map(|p| self.cells.keys().filter(|k| k.0 == p).count())
            .max()
            .unwrap_or(0);
        let scatter = self.x_axis.values.is_some()
            && self.y_axis.values.is_some()
            && per_panel_max * 2 < self.x_axis.len() * self.y_axis.len();
        self.panel_names
            .iter()
            .enumerate()
            .map(|(p, name)| Panel {
                title: (!name.is_empty()).then(|| name.clone()),
                body: Body::Heat(HeatBody {
                    x_labels: self.x_axis.labels.clone(),
                    y_labels: self.y_axis.labels.clone(),
                    x_values: self.x_axis.values.clone(),
                    y_values: self.y_axis.values.clone(),
                    cells: self
                        .cells
                        .iter()
                        .filter(|(k, _)| k.0 == p)
                        .map(|(k, &z)| (k.1, k.2, z))
                        .collect(),
                    scatter,
                }),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_axes_sort_numbers_numerically() {
        let (axis, index) = HeatAxis::build(&["10", "2", "2.0", "1"]);
        assert_eq!(axis.labels, vec!["1", "2", "10"]);
        assert_eq!(index, vec![2, 1, 1, 0]);
        let (axis, index) = HeatAxis::build(&["b", "a", "b"]);
        assert_eq!(axis.labels, vec!["a", "b"]);
        assert_eq!(index, vec![1, 0, 1]);
    }
}
