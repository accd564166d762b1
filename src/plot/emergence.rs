//! Emergence probability with its Wilson 95% interval: per issue and rule set from
//! `comparison.csv` (`compare_emergence.svg`), and over a single sweep axis from `points.csv`
//! (`sweep_<issue>.svg`: a line with a shaded interval, or points with error bars when the axis
//! is not numeric).
//!
//! This file may import [`crate::io::table`], the figure model and the data gathering; it must
//! never import plotters.

use std::collections::BTreeMap;

use super::data::{index_of, Key};
use super::figure::{
    Body, Curve, ErrorPoint, Figure, Legend, LegendEntry, LinesBody, Panel, PointsBody, Sample,
    StyleBook, UNIT_RANGE,
};
use super::line::{band_polygon, thin_markers};
use crate::io::table::Table;
use crate::Result;

/// Emergence probability per issue (across) and rule set (marker), with Wilson intervals, from
/// `comparison.csv`.
pub(super) fn emergence_figure(comparison: &Table) -> Result<Figure> {
    let issue = comparison.require("issue")?;
    let rule_set = comparison.require("rule_set")?;
    let probability = comparison.require("emergence_probability")?;
    let low = comparison.require("emergence_ci_low")?;
    let high = comparison.require("emergence_ci_high")?;
    let every_row: Vec<usize> = comparison.all_rows();
    let issues = comparison.distinct(issue, &every_row);
    let rule_sets = comparison.distinct(rule_set, &every_row);
    let mut styles = StyleBook::default();
    let mut points = Vec::new();
    for &row in &every_row {
        let Some(y) = comparison.number(row, probability)? else {
            continue;
        };
        let lo = comparison.number(row, low)?.unwrap_or(y);
        let hi = comparison.number(row, high)?.unwrap_or(y);
        let slot = rule_sets
            .iter()
            .position(|r| r == comparison.text(row, rule_set))
            .unwrap_or(0);
        points.push(ErrorPoint {
            category: issues
                .iter()
                .position(|i| i == comparison.text(row, issue))
                .unwrap_or(0),
            slot,
            style: styles.style(comparison.text(row, rule_set)),
            y,
            low: lo,
            high: hi,
        });
    }
    Ok(Figure {
        title: "Emergence probability by rule set".to_string(),
        subtitle: Some(
            "Points: share of runs in which a regime emerged; bars: Wilson 95% interval"
                .to_string(),
        ),
        x_label: "issue".to_string(),
        y_label: "emergence probability".to_string(),
        panels: vec![Panel {
            title: None,
            body: Body::Points(PointsBody {
                categories: issues,
                slots: rule_sets.len(),
                points,
                y_range: UNIT_RANGE,
            }),
        }],
        legend: styles.legend(Some("rule set".to_string()), false, false, &[]),
    })
}

/// Emergence probability over a single sweep axis, one line (or point series, when the axis is
/// not numeric) per rule set, with the Wilson interval from `points.csv`.
pub(super) fn sweep_line_figure(
    points: &Table,
    rows: &[usize],
    issue_name: &str,
    axis: &str,
    axis_col: usize,
    rule_set: Option<usize>,
) -> Result<Figure> {
    let probability = points.require("emergence_probability")?;
    let low = points.require("emergence_ci_low")?;
    let high = points.require("emergence_ci_high")?;
    let numeric = rows
        .iter()
        .all(|&r| points.text(r, axis_col).parse::<f64>().is_ok());
    let mut styles = StyleBook::default();
    let label_of = |row: usize| rule_set.map(|c| points.text(row, c)).unwrap_or("all");
    let title = format!("Emergence probability: {issue_name}");

    if !numeric {
        let categories = points.distinct(axis_col, rows);
        let rule_sets: Vec<String> = {
            let mut names = Vec::new();
            for &row in rows {
                index_of(&mut names, label_of(row).to_string());
            }
            names
        };
        let mut error_points = Vec::new();
        for &row in rows {
            let Some(y) = points.number(row, probability)? else {
                continue;
            };
            let label = label_of(row);
            error_points.push(ErrorPoint {
                category: categories
                    .iter()
                    .position(|c| c == points.text(row, axis_col))
                    .unwrap_or(0),
                slot: rule_sets.iter().position(|r| r == label).unwrap_or(0),
                style: styles.style(label),
                y,
                low: points.number(row, low)?.unwrap_or(y),
                high: points.number(row, high)?.unwrap_or(y),
            });
        }
        return Ok(Figure {
            title,
            subtitle: Some(
                "Points: share of runs in which a regime emerged; bars: Wilson 95% interval"
                    .to_string(),
            ),
            x_label: axis.to_string(),
            y_label: "emergence probability".to_string(),
            panels: vec![Panel {
                title: None,
                body: Body::Points(PointsBody {
                    categories,
                    slots: rule_sets.len(),
                    points: error_points,
                    y_range: UNIT_RANGE,
                }),
            }],
            legend: styles.legend(Some("rule set".to_string()), false, false, &[]),
        });
    }

    // Per rule set and axis value: probability, low and high (averaged if a value repeats).
    // (estimate, low, high) per axis value.
    type Intervals = BTreeMap<Key, Vec<(f64, f64, f64)>>;
    let mut by_label: Vec<(String, Intervals)> = Vec::new();
    for &row in rows {
        let (Some(x), Some(y)) = (
            points.number(row, axis_col)?,
            points.number(row, probability)?,
        ) else {
            continue;
        };
        let lo = points.number(row, low)?.unwrap_or(y);
        let hi = points.number(row, high)?.unwrap_or(y);
        let label = label_of(row);
        let slot = match by_label.iter().position(|(l, _)| l == label) {
            Some(i) => i,
            None => {
                by_label.push((label.to_string(), BTreeMap::new()));
                by_label.len() - 1
            }
        };
        by_label[slot]
            .1
            .entry(Key(x))
            .or_default()
            .push((y, lo, hi));
    }
    let mut curves = Vec::new();
    let mut banded = false;
    for (label, values) in &by_label {
        let style = styles.style(label);
        let mut path = Vec::new();
        let mut stretch = Vec::new();
        for (x, triples) in values {
            let n = triples.len() as f64;
            let mean = |f: fn(&(f64, f64, f64)) -> f64| triples.iter().map(f).sum::<f64>() / n;
            path.push((x.0, mean(|t| t.0)));
            stretch.push((x.0, mean(|t| t.1), mean(|t| t.2)));
        }
        let bands = if stretch.iter().any(|&(_, lo, hi)| hi > lo) {
            banded = true;
            vec![band_polygon(&stretch)]
        } else {
            Vec::new()
        };
        curves.push(Curve {
            style,
            markers: thin_markers(&path, style),
            path,
            bands,
        });
    }
    let mut legend = styles.legend(Some("rule set".to_string()), true, false, &[]);
    if banded {
        if let Legend::Series { entries, .. } = &mut legend {
            entries.push(LegendEntry::new("Wilson 95% interval", Sample::Band));
        }
    }
    Ok(Figure {
        title,
        subtitle: Some(
            "Lines: share of runs in which a regime emerged; shaded: Wilson 95% interval"
                .to_string(),
        ),
        x_label: axis.to_string(),
        y_label: "emergence probability".to_string(),
        panels: vec![Panel {
            title: None,
            body: Body::Lines(LinesBody {
                curves,
                vlines: Vec::new(),
                event_ticks: false,
                y_range: Some(UNIT_RANGE),
            }),
        }],
        legend,
    })
}
