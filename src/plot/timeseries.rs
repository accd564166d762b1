//! Figures over time from `timeseries.csv`: cooperation per issue or rule set (`run` and
//! `compare`) and regime membership with each run's regime emergence and collapse marked
//! (`run`; the years come from `summary.csv`, else from `events.csv`).
//!
//! This file may import [`crate::io::table`], the figure model and the data gathering; it must
//! never import plotters.

use super::data::{group_all_filter, replicate_note, Collected, TimeColumn};
use super::figure::{
    Body, Curve, Figure, LegendEntry, LinesBody, Panel, Sample, StyleBook, VLine,
    MAX_LINES_PER_PANEL, UNIT_RANGE,
};
use super::line::mean_curve;
use crate::io::table::Table;
use crate::Result;

/// The rows of `timeseries.csv` that describe all states, with the columns every figure over
/// time needs.
pub(super) struct TimeSeries<'a> {
    table: &'a Table,
    /// Rows whose `group` is `all`.
    rows: Vec<usize>,
    time: TimeColumn,
    issue: usize,
    /// The `rule_set` column, when the file has one.
    rule_set: Option<usize>,
    /// Issue names in order of first appearance.
    issues: Vec<String>,
    /// Whether the rows hold more than one rule set.
    several_rule_sets: bool,
}

impl<'a> TimeSeries<'a> {
    /// The rows and columns of `table`; `issue` and a time column (`year` or `round`) must be
    /// there.
    pub(super) fn of(table: &'a Table) -> Result<TimeSeries<'a>> {
        let rows = group_all_filter(table);
        let time = TimeColumn::of(table)?;
        let issue = table.require("issue")?;
        let rule_set = table.column("rule_set");
        let issues = table.distinct(issue, &rows);
        let several_rule_sets = rule_set
            .map(|col| table.distinct(col, &rows).len() > 1)
            .unwrap_or(false);
        Ok(TimeSeries {
            table,
            rows,
            time,
            issue,
            rule_set,
            issues,
            several_rule_sets,
        })
    }
}

/// Cooperation over time for `run` (`cooperation.svg`): one line per issue in one panel while
/// that stays readable, else one panel per issue with one line per rule set.
pub(super) fn cooperation_figure(series: &TimeSeries) -> Result<Figure> {
    let issues = series.issues.len();
    let (panel_cols, label_cols, legend_title) =
        if issues > 1 && !series.several_rule_sets && issues <= MAX_LINES_PER_PANEL {
            (Vec::new(), vec![series.issue], "issue")
        } else {
            (
                vec![series.issue],
                series.rule_set.into_iter().collect(),
                "rule set",
            )
        };
    let lines = CooperationLines {
        panel_cols,
        label_cols,
        title: "Cooperation over time",
        legend_title,
    };
    lines.figure(series.table, &series.rows, &series.time)
}

/// Cooperation per rule set for `compare` (`compare_cooperation.svg`), one panel per issue, with
/// 95% bands across replicates; the file must have a `rule_set` column.
pub(super) fn compare_cooperation_figure(timeseries: &Table) -> Result<Figure> {
    let all_rows = group_all_filter(timeseries);
    let time = TimeColumn::of(timeseries)?;
    let issue = timeseries.require("issue")?;
    let rule_set = timeseries.require("rule_set")?;
    let lines = CooperationLines {
        panel_cols: vec![issue],
        label_cols: vec![rule_set],
        title: "Cooperation by rule set",
        legend_title: "rule set",
    };
    lines.figure(timeseries, &all_rows, &time)
}

/// How cooperation is split into panels and lines, and what the figure and legend are called.
struct CooperationLines {
    panel_cols: Vec<usize>,
    label_cols: Vec<usize>,
    title: &'static str,
    legend_title: &'static str,
}

impl CooperationLines {
    /// Mean cooperation over time with 95% bands where runs are replicated.
    fn figure(&self, table: &Table, rows: &[usize], time: &TimeColumn) -> Result<Figure> {
        let cooperation = table.require("cooperation")?;
        let collected = Collected::gather(
            table,
            &self.panel_cols,
            &self.label_cols,
            time.col,
            cooperation,
            rows,
        )?;
        let mut styles = StyleBook::default();
        let (panels, banded) = collected.line_panels(&mut styles, Some(UNIT_RANGE), &[]);
        Ok(Figure {
            title: self.title.to_string(),
            subtitle: replicate_note(collected.replicates(), banded),
            x_label: time.label.clone(),
            y_label: "cooperation (share of C moves)".to_string(),
            panels,
            legend: styles.legend(Some(self.legend_title.to_string()), true, banded, &[]),
        })
    }
}

/// A membership measure's name and its values per issue and rule set.
type Measure = (&'static str, Collected);

/// Regime membership for `run` (`membership.svg`): one panel per issue, member share and member
/// power share (per rule set when several), with each run's regime emergence and collapse
/// marked ([`regime_marks`]).
pub(super) fn membership_figure(
    series: &TimeSeries,
    summary: Option<&Table>,
    events: Option<&Table>,
) -> Result<Figure> {
    let measures = membership_measures(series)?;
    let mut styles = measure_styles(&measures);
    let marks = regime_marks(summary, events, &series.time)?;
    // With several runs per line, full-height lines for every run's regime would hide the data:
    // mark each run's emergence with a tick from the top and its collapse with one from the
    // bottom instead.
    let runs = measures[0].1.replicates();
    let ticks = runs.1 > 1;
    let mut panels = Vec::new();
    let mut banded = false;
    for issue_name in &series.issues {
        let curves = measure_curves(&measures, issue_name, &mut styles);
        banded |= curves.iter().any(|curve| !curve.bands.is_empty());
        let rule_set_label = |mark: &RegimeMark| {
            let rule_set = if series.several_rule_sets {
                mark.rule_set.as_str()
            } else {
                ""
            };
            measure_label(measures[0].0, rule_set)
        };
        panels.push(Panel {
            title: Some(issue_name.clone()),
            body: Body::Lines(LinesBody {
                curves,
                vlines: regime_lines(&marks, issue_name, &styles, rule_set_label),
                event_ticks: ticks,
                y_range: Some(UNIT_RANGE),
            }),
        });
    }
    let extra = regime_legend_entries(&panels, ticks);
    let legend_title = if series.several_rule_sets {
        "measure · rule set"
    } else {
        "measure"
    };
    Ok(Figure {
        title: "Regime membership".to_string(),
        subtitle: replicate_note(runs, banded),
        x_label: series.time.label.clone(),
        y_label: "share".to_string(),
        panels,
        legend: styles.legend(Some(legend_title.to_string()), true, banded, &extra),
    })
}

/// Member share and member power share per issue, per rule set when several.
fn membership_measures(series: &TimeSeries) -> Result<Vec<Measure>> {
    let rule_set_cols: Vec<usize> = if series.several_rule_sets {
        series.rule_set.into_iter().collect()
    } else {
        Vec::new()
    };
    let table = series.table;
    let measures = [
        (table.require("member_share")?, "member share"),
        (table.require("member_power_share")?, "power share"),
    ];
    let mut gathered = Vec::new();
    for (col, name) in measures {
        let collected = Collected::gather(
            table,
            &[series.issue],
            &rule_set_cols,
            series.time.col,
            col,
            &series.rows,
        )?;
        gathered.push((name, collected));
    }
    Ok(gathered)
}

/// A membership line's label: the measure, and the rule set when there are several.
fn measure_label(measure: &str, rule_set: &str) -> String {
    if rule_set.is_empty() {
        measure.to_string()
    } else {
        format!("{measure} · {rule_set}")
    }
}

/// Styles in a fixed order: per rule set, member share then power share.
fn measure_styles(measures: &[Measure]) -> StyleBook {
    let mut styles = StyleBook::default();
    for rule_set_name in &measures[0].1.labels {
        for (name, _) in measures {
            styles.style(&measure_label(name, rule_set_name));
        }
    }
    styles
}

/// The mean curves of every measure and rule set in the panel of one issue.
fn measure_curves(measures: &[Measure], issue_name: &str, styles: &mut StyleBook) -> Vec<Curve> {
    let mut curves = Vec::new();
    for (name, collected) in measures {
        let Some(p) = collected.panels.iter().position(|n| n == issue_name) else {
            continue;
        };
        for (l, label) in collected.labels.iter().enumerate() {
            if let Some(values) = collected.values.get(&(p, l)) {
                let style = styles.style(&measure_label(name, label));
                curves.push(mean_curve(values, style, Some(UNIT_RANGE)));
            }
        }
    }
    curves
}

/// The regime events of one issue as vertical lines in the style of the line they belong to
/// (`style_label` names it), sorted, each drawn once.
fn regime_lines(
    marks: &[RegimeMark],
    issue_name: &str,
    styles: &StyleBook,
    style_label: impl Fn(&RegimeMark) -> String,
) -> Vec<VLine> {
    let mut vlines: Vec<VLine> = marks
        .iter()
        .filter(|m| m.issue == issue_name)
        .filter_map(|m| {
            styles.find(&style_label(m)).map(|style| VLine {
                x: m.x,
                style,
                collapsed: m.collapsed,
            })
        })
        .collect();
    vlines.sort_by(|a, b| {
        a.x.total_cmp(&b.x)
            .then(a.style.cmp(&b.style))
            .then(a.collapsed.cmp(&b.collapsed))
    });
    vlines.dedup_by(|a, b| a.x == b.x && a.style == b.style && a.collapsed == b.collapsed);
    vlines
}

/// Legend entries for the regime events drawn in `panels`: as lines, or as ticks (`ticks`).
fn regime_legend_entries(panels: &[Panel], ticks: bool) -> Vec<LegendEntry> {
    let all_vlines = || {
        panels.iter().flat_map(|p| match &p.body {
            Body::Lines(body) => body.vlines.as_slice(),
            _ => &[],
        })
    };
    let mut extra = Vec::new();
    if all_vlines().any(|v| !v.collapsed) {
        let label = if ticks {
            "regime emerged (a run; tick at top)"
        } else {
            "regime emerged"
        };
        extra.push(LegendEntry::new(
            label,
            Sample::Event {
                collapsed: false,
                ticks,
            },
        ));
    }
    if all_vlines().any(|v| v.collapsed) {
        let label = if ticks {
            "regime collapsed (a run; tick at bottom)"
        } else {
            "regime collapsed"
        };
        extra.push(LegendEntry::new(
            label,
            Sample::Event {
                collapsed: true,
                ticks,
            },
        ));
    }
    extra
}

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
