//! The figure of `regime hypotheses --plots` (`hypotheses.svg`), from `hypotheses.csv`: the
//! rows pooled over issues (`issue = all`) as points with their 95 % intervals, rule sets side by
//! side, one panel per group of measures on a common scale.
//!
//! This file may import [`crate::io::table`], the figure model and the data gathering; it must
//! never import plotters.

use super::figure::{Body, ErrorPoint, Figure, Panel, PointsBody, StyleBook};
use crate::io::table::Table;
use crate::Result;

/// The panels: a title and the measures (with their category labels) it shows.
const PANELS: [(&str, &[(&str, &str)]); 6] = [
    (
        "1 who decides: access on - off",
        &[
            ("d_p_binding_access", "P(binding)"),
            ("d_cooperation_access", "cooperation"),
        ],
    ),
    (
        "1 who decides: emergence round, on - off",
        &[("d_emergence_round_access", "round")],
    ),
    (
        "2 cooperation possible: P(binding) by horizon",
        &[
            ("p_binding_horizon_x0.5", "x0.5"),
            ("p_binding_horizon_x1", "x1"),
            ("p_binding_horizon_x2", "x2"),
        ],
    ),
    (
        "2 cooperation possible: cooperation by horizon",
        &[
            ("cooperation_horizon_x0.5", "x0.5"),
            ("cooperation_horizon_x1", "x1"),
            ("cooperation_horizon_x2", "x2"),
        ],
    ),
    (
        "3 what institutions are",
        &[
            ("p_survives_exit", "P(survives exit)"),
            ("joining_cooperation_did", "joining: d coop."),
        ],
    ),
    (
        "4 who gains: payoff DiD by power quartile",
        &[
            ("payoff_did_power_q1", "Q1"),
            ("payoff_did_power_q2", "Q2"),
            ("payoff_did_power_q3", "Q3"),
            ("payoff_did_power_q4", "Q4"),
        ],
    ),
];

/// Points with intervals per panel of [`PANELS`], rule sets side by side.
pub(super) fn hypotheses_figure(table: &Table) -> Result<Figure> {
    let measure = table.require("measure")?;
    let rule_set = table.require("rule_set")?;
    let issue = table.require("issue")?;
    let (estimate, low, high) = (
        table.require("estimate")?,
        table.require("ci_low")?,
        table.require("ci_high")?,
    );
    let pooled: Vec<usize> = (table.all_rows().into_iter())
        .filter(|&r| table.text(r, issue) == "all")
        .collect();
    let rule_sets = table.distinct(rule_set, &pooled);
    let mut styles = StyleBook::default();
    let mut panels = Vec::new();
    for (title, measures) in PANELS {
        let mut points = Vec::new();
        for &row in &pooled {
            let Some(category) = measures
                .iter()
                .position(|m| m.0 == table.text(row, measure))
            else {
                continue;
            };
            let Some(y) = table.number(row, estimate)? else {
                continue;
            };
            let name = table.text(row, rule_set);
            points.push(ErrorPoint {
                category,
                slot: rule_sets.iter().position(|r| r == name).unwrap_or(0),
                style: styles.style(name),
                y,
                low: table.number(row, low)?.unwrap_or(y),
                high: table.number(row, high)?.unwrap_or(y),
            });
        }
        panels.push(Panel {
            title: Some(title.to_string()),
            body: Body::Points(PointsBody {
                categories: measures.iter().map(|m| m.1.to_string()).collect(),
                slots: rule_sets.len(),
                y_range: y_range(&points),
                points,
            }),
        });
    }
    Ok(Figure {
        title: "The thesis's four contrasts (ch. 5) on simulated worlds".to_string(),
        subtitle: Some(
            "Points: estimates pooled over issues; bars: 95% intervals (docs/hypotheses.md)"
                .to_string(),
        ),
        x_label: "measure".to_string(),
        y_label: "estimate".to_string(),
        panels,
        legend: styles.legend(Some("rule set".to_string()), false, false, &[]),
    })
}

/// A range that holds every interval and 0, with a little room.
fn y_range(points: &[ErrorPoint]) -> (f64, f64) {
    let lo = points.iter().map(|p| p.low.min(p.y)).fold(0.0, f64::min);
    let hi = points.iter().map(|p| p.high.max(p.y)).fold(0.0, f64::max);
    let pad = ((hi - lo) * 0.08).max(0.05);
    (lo - pad, hi + pad)
}
