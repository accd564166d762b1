//! Time to regime emergence (`compare_survival.svg`): Kaplan–Meier curves per rule set
//! ([`crate::analysis::stats::kaplan_meier`]), runs without a regime censored at their last
//! round and marked.
//!
//! This file may import [`crate::io::table`], [`crate::analysis::stats`] and the figure model; it
//! must never import plotters.

use super::figure::{Body, Curve, Figure, LinesBody, Panel, StyleBook, UNIT_RANGE};
use crate::analysis::stats;
use crate::io::table::Table;
use crate::Result;
use std::collections::BTreeSet;

/// What a survival panel of an issue whose regime was in place from the start says instead of
/// a curve.
pub(super) const IN_PLACE_NOTE: &str = "regime in place from the start (no time to emergence)";

/// The issues of `summary.csv` whose regime was in place at the start of every run
/// (`preexisting` = 1); none when the file has no `preexisting` column.
pub(super) fn in_place_issues(summary: &Table) -> BTreeSet<String> {
    let (Some(issue), Some(preexisting)) = (summary.column("issue"), summary.column("preexisting"))
    else {
        return BTreeSet::new();
    };
    let rows = summary.all_rows();
    let mut in_place: BTreeSet<String> = summary.distinct(issue, &rows).into_iter().collect();
    for &row in &rows {
        if summary.text(row, preexisting) != "1" {
            in_place.remove(summary.text(row, issue));
        }
    }
    in_place
}

/// Kaplan–Meier curves of the time to emergence per rule set, one panel per issue, from
/// `summary.csv`: a run's time is its `emergence_round`, or `rounds` (censored) when empty.
pub(super) fn survival_figure(summary: &Table) -> Result<Figure> {
    let issue = summary.require("issue")?;
    let rule_set = summary.require("rule_set")?;
    let emergence = summary.require("emergence_round")?;
    let rounds = summary.require("rounds")?;
    let every_row: Vec<usize> = summary.all_rows();
    let issues = summary.distinct(issue, &every_row);
    let rule_sets = summary.distinct(rule_set, &every_row);
    let mut styles = StyleBook::default();
    for name in &rule_sets {
        styles.style(name);
    }
    let in_place = in_place_issues(summary);
    let mut panels = Vec::new();
    for issue_name in &issues {
        if in_place.contains(issue_name) {
            panels.push(Panel {
                title: Some(issue_name.clone()),
                body: Body::Note(IN_PLACE_NOTE.to_string()),
            });
            continue;
        }
        let mut curves = Vec::new();
        for rule_set_name in &rule_sets {
            let mut observations = Vec::new();
            for &row in &every_row {
                if summary.text(row, issue) != issue_name
                    || summary.text(row, rule_set) != rule_set_name
                {
                    continue;
                }
                observations.push(match summary.number(row, emergence)? {
                    Some(round) => stats::Survival::event(round),
                    None => stats::Survival::censored(summary.required_number(row, rounds)?),
                });
            }
            if observations.is_empty() {
                continue;
            }
            let style = styles.style(rule_set_name);
            curves.push(km_curve(&stats::kaplan_meier(&observations), style));
        }
        panels.push(Panel {
            title: Some(issue_name.clone()),
            body: Body::Lines(LinesBody {
                curves,
                vlines: Vec::new(),
                event_ticks: false,
                y_range: Some(UNIT_RANGE),
            }),
        });
    }
    Ok(Figure {
        title: "Time to regime emergence".to_string(),
        subtitle: Some(
            "Kaplan–Meier estimate of the share of runs still without a regime; \
             markers: runs censored (no regime by the last round)"
                .to_string(),
        ),
        x_label: "round".to_string(),
        y_label: "share of runs without a regime".to_string(),
        panels,
        legend: styles.legend(Some("rule set".to_string()), true, false, &[]),
    })
}

/// The step function of a Kaplan–Meier curve, starting at S(0) = 1, with markers at censoring
/// times.
pub(super) fn km_curve(steps: &[stats::KmStep], style: usize) -> Curve {
    let mut path = vec![(0.0, 1.0)];
    let mut markers = Vec::new();
    let mut survival = 1.0;
    for step in steps {
        if step.events > 0 {
            path.push((step.time, survival));
            path.push((step.time, step.survival));
            survival = step.survival;
        }
        if step.censored > 0 {
            markers.push((step.time, survival));
        }
    }
    if let Some(last) = steps.last() {
        path.push((last.time, survival));
    }
    Curve {
        style,
        path,
        markers,
        bands: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn km_curve_steps_down_at_events_and_marks_censoring() {
        let obs = [
            stats::Survival::event(2.0),
            stats::Survival::event(4.0),
            stats::Survival::censored(10.0),
            stats::Survival::censored(10.0),
        ];
        let curve = km_curve(&stats::kaplan_meier(&obs), 0);
        assert_eq!(
            curve.path,
            vec![
                (0.0, 1.0),
                (2.0, 1.0),
                (2.0, 0.75),
                (4.0, 0.75),
                (4.0, 0.5),
                (10.0, 0.5)
            ]
        );
        assert_eq!(curve.markers, vec![(10.0, 0.5)]);
    }
}
