//! Emergence probability with its Wilson 95% interval: per issue and rule set from
//! `comparison.csv` (`compare_emergence.svg`), and over a single sweep axis from `points.csv`
//! (`sweep_<issue>.svg`: a line with a shaded interval, or points with error bars when the axis
//! is not numeric).
//!
//! This file may import [`crate::io::table`], the figure model and the data gathering; it must
//! never import plotters.

use std::collections::{BTreeMap, BTreeSet};

use super::data::{index_of, Key};
use super::figure::{
    Body, Curve, ErrorPoint, Figure, Legend, LegendEntry, LinesBody, Panel, PointsBody, Sample,
    StyleBook, UNIT_RANGE,
};
use super::line::{band_polygon, thin_markers};
use crate::io::table::Table;
use crate::Result;

/// Emergence probability per issue (across) and rule set (marker), with Wilson intervals, from
/// `comparison.csv`. Issues in `in_place` (a regime at the start of every run) are labelled
/// "in place" and get no point: their regime did not emerge.
pub(super) fn emergence_figure(comparison: &Table, in_place: &BTreeSet<String>) -> Result<Figure> {
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
        if in_place.contains(comparison.text(row, issue)) {
            continue;
        }
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
    let mut subtitle =
        "Points: share of runs in which a regime emerged; bars: Wilson 95% interval".to_string();
    if !in_place.is_empty() {
        subtitle.push_str("; \"in place\": a regime from the start, not counted as emerged");
    }
    let categories = issues
        .into_iter()
        .map(|i| match in_place.contains(&i) {
            true => format!("{i} (in place)"),
            false => i,
        })
        .collect();
    Ok(Figure {
        title: "Emergence probability by rule set".to_string(),
        subtitle: Some(subtitle),
        x_label: "issue".to_string(),
        y_label: "emergence probability".to_string(),
        panels: vec![Panel {
            title: None,
            body: Body::Points(PointsBody {
                categories,
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
    let sweep = SweepPoints {
        points,
        rows,
        axis_col,
        rule_set,
        probability: points.require("emergence_probability")?,
        low: points.require("emergence_ci_low")?,
        high: points.require("emergence_ci_high")?,
    };
    let numeric = rows
        .iter()
        .all(|&r| points.text(r, axis_col).parse::<f64>().is_ok());
    let title = format!("Emergence probability: {issue_name}");
    if numeric {
        sweep.line_figure(title, axis)
    } else {
        sweep.points_figure(title, axis)
    }
}

/// The rows of one issue in `points.csv` and the columns of a figure over one sweep axis.
struct SweepPoints<'a> {
    points: &'a Table,
    rows: &'a [usize],
    axis_col: usize,
    rule_set: Option<usize>,
    probability: usize,
    low: usize,
    high: usize,
}

/// (estimate, low, high) of each point at one axis value.
type Intervals = BTreeMap<Key, Vec<(f64, f64, f64)>>;

impl SweepPoints<'_> {
    /// The rule set of a row: its series label ("all" when the file has no `rule_set`).
    fn label_of(&self, row: usize) -> &str {
        self.rule_set
            .map(|c| self.points.text(row, c))
            .unwrap_or("all")
    }

    /// The lower and upper Wilson bound of a row, the estimate `y` where a bound is empty.
    fn interval(&self, row: usize, y: f64) -> Result<(f64, f64)> {
        let low = self.points.number(row, self.low)?.unwrap_or(y);
        let high = self.points.number(row, self.high)?.unwrap_or(y);
        Ok((low, high))
    }

    /// Points with error bars over the categories of a non-numeric axis.
    fn points_figure(&self, title: String, axis: &str) -> Result<Figure> {
        let points = self.points;
        let mut styles = StyleBook::default();
        let categories = points.distinct(self.axis_col, self.rows);
        let mut rule_sets = Vec::new();
        for &row in self.rows {
            index_of(&mut rule_sets, self.label_of(row).to_string());
        }
        let mut error_points = Vec::new();
        for &row in self.rows {
            let Some(y) = points.number(row, self.probability)? else {
                continue;
            };
            let label = self.label_of(row);
            let (low, high) = self.interval(row, y)?;
            error_points.push(ErrorPoint {
                category: categories
                    .iter()
                    .position(|c| c == points.text(row, self.axis_col))
                    .unwrap_or(0),
                slot: rule_sets.iter().position(|r| r == label).unwrap_or(0),
                style: styles.style(label),
                y,
                low,
                high,
            });
        }
        Ok(Figure {
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
        })
    }

    /// Lines with a shaded Wilson interval over a numeric axis.
    fn line_figure(&self, title: String, axis: &str) -> Result<Figure> {
        let mut styles = StyleBook::default();
        let mut curves = Vec::new();
        let mut banded = false;
        for (label, values) in &self.intervals_by_label()? {
            let curve = interval_curve(values, styles.style(label));
            banded |= !curve.bands.is_empty();
            curves.push(curve);
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

    /// Per rule set (in order of first appearance) and axis value: probability, low and high.
    fn intervals_by_label(&self) -> Result<Vec<(String, Intervals)>> {
        let mut by_label: Vec<(String, Intervals)> = Vec::new();
        for &row in self.rows {
            let (Some(x), Some(y)) = (
                self.points.number(row, self.axis_col)?,
                self.points.number(row, self.probability)?,
            ) else {
                continue;
            };
            let (low, high) = self.interval(row, y)?;
            let label = self.label_of(row);
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
                .push((y, low, high));
        }
        Ok(by_label)
    }
}

/// The line of the mean probability at each axis value (averaged if a value repeats), with a
/// band of the mean interval when some interval has a width.
fn interval_curve(values: &Intervals, style: usize) -> Curve {
    let mut path = Vec::new();
    let mut stretch = Vec::new();
    for (x, triples) in values {
        let n = triples.len() as f64;
        let mean = |f: fn(&(f64, f64, f64)) -> f64| triples.iter().map(f).sum::<f64>() / n;
        path.push((x.0, mean(|t| t.0)));
        stretch.push((x.0, mean(|t| t.1), mean(|t| t.2)));
    }
    let bands = if stretch.iter().any(|&(_, lo, hi)| hi > lo) {
        vec![band_polygon(&stretch)]
    } else {
        Vec::new()
    };
    Curve {
        style,
        markers: thin_markers(&path, style),
        path,
        bands,
    }
}
