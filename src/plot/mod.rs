//! Figures from the tool's CSVs: `regime plot` and the standard figure sets of `run`, `compare`
//! and `sweep`.
//!
//! Figures are meant to be printed, often in greyscale, and read by people who did not write the
//! scenario. Hence: every series differs by line style and marker shape as well as by colour
//! (an Okabe–Ito palette, safe for colour-blind readers), heatmaps use viridis (its lightness
//! rises monotonically, so it survives greyscale), legends sit beside the data instead of on it,
//! and titles, axis labels and legend titles come from the CSV's column names. Uncertainty is
//! always drawn: a shaded 95% band when rows are replicates, Wilson intervals for emergence
//! probabilities, Kaplan–Meier curves (with censoring marks) for time to emergence.
//!
//! The font (DejaVu Sans, in `assets/fonts/`, with its licence) is compiled into the binary, so
//! figures never depend on the fonts of the machine. A figure is first drawn to a temporary file
//! in the output directory and renamed into place when complete, so no half-written figure is
//! ever left behind.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::OnceLock;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontDesc};

use crate::analysis::stats;
use crate::error::RegimeError;
use crate::io::table::Table;
use crate::Result;

/// Size in pixels of a single-panel figure when none is requested.
pub const DEFAULT_SIZE: (u32, u32) = (1000, 620);

/// What `regime plot` should draw from a CSV.
///
/// Without `z`, a line plot of `y` over `x` (one line per `by` group; replicated rows at the same
/// `x` are drawn as their mean with a shaded 95% band). With `z`, a heatmap of the mean of `z`
/// over the cells of `x` × `y` (one panel per `by` group).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlotSpec {
    /// Column on the horizontal axis (numeric for line plots).
    pub x: String,
    /// Column on the vertical axis.
    pub y: String,
    /// Column whose values split the rows into lines (line plot) or panels (heatmap).
    pub by: Option<String>,
    /// Column coloured in a heatmap; when given, the figure is a heatmap.
    pub z: Option<String>,
    /// Figure title; by default "`y` by `x`" (or "`z` by `x` and `y`" for a heatmap).
    pub title: Option<String>,
}

impl PlotSpec {
    /// A line plot of `y` over `x`, with every option at its default.
    pub fn new(x: impl Into<String>, y: impl Into<String>) -> Self {
        PlotSpec {
            x: x.into(),
            y: y.into(),
            ..PlotSpec::default()
        }
    }
}

/// The kind of figure [`plot_csv`] drew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotKind {
    /// Lines over a numeric `x`.
    Line,
    /// A heatmap of `z` over `x` × `y`.
    Heatmap,
}

/// What [`plot_csv`] drew, so callers and tests can check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotReport {
    /// Line plot or heatmap.
    pub kind: PlotKind,
    /// Lines drawn (line plot), or panels (heatmap: one per `by` group, else one).
    pub series: usize,
    /// Heatmap cells drawn: distinct (`by`, `x`, `y`) combinations with a value; 0 for lines.
    pub cells: usize,
    /// Plotted positions: distinct (`by`, `x`) for a line plot; equal to `cells` for a heatmap.
    pub points: usize,
    /// Lines drawn with a shaded 95% band (some `x` had replicated rows); 0 for a heatmap.
    pub bands: usize,
    /// CSV rows used (rows with an empty value in a plotted column are skipped).
    pub rows: usize,
}

/// Draws one figure from a CSV: a line plot, or a heatmap when `spec.z` is given.
///
/// The format follows the extension of `output` (`.svg` or `.png`). Errors name what the user can
/// fix: an unknown column (the message lists the available ones), a non-numeric value in a
/// numeric column (file, line and column), an empty CSV, an unsupported extension.
pub fn plot_csv(csv: &Path, spec: &PlotSpec, output: &Path) -> Result<PlotReport> {
    plot_csv_sized(csv, spec, output, DEFAULT_SIZE)
}

/// Smallest and largest width or height accepted by [`plot_csv_sized`], in pixels.
pub const SIZE_LIMITS: (u32, u32) = (200, 20_000);

/// [`plot_csv`] at a given width and height in pixels (each within [`SIZE_LIMITS`]).
pub fn plot_csv_sized(
    csv: &Path,
    spec: &PlotSpec,
    output: &Path,
    size: (u32, u32),
) -> Result<PlotReport> {
    let (low, high) = SIZE_LIMITS;
    if !(low..=high).contains(&size.0) || !(low..=high).contains(&size.1) {
        return Err(RegimeError::argument(
            "--size",
            format!("a width and height between {low} and {high} pixels"),
            format!("{}x{}", size.0, size.1),
        ));
    }
    let format = ImageFormat::of(output)?;
    let table = Table::read(csv)?;
    if table.is_empty() {
        return Err(table.error("the file has a header but no data rows: nothing to plot"));
    }
    let x = table.column_for_argument("--x", &spec.x)?;
    let y = table.column_for_argument("--y", &spec.y)?;
    let by = match &spec.by {
        Some(name) => Some(table.column_for_argument("--by", name)?),
        None => None,
    };
    let z = match &spec.z {
        Some(name) => Some(table.column_for_argument("--z", name)?),
        None => None,
    };
    let (figure, report) = match z {
        Some(z) => heatmap_from_table(&table, spec, x, y, z, by)?,
        None => lines_from_table(&table, spec, x, y, by)?,
    };
    save_figure(&figure, output, format, size)?;
    Ok(report)
}

/// Standard figures of a `regime run` output directory, written into that directory:
/// `cooperation.svg` (cooperation over the years, one line per issue, or per issue and rule set),
/// `membership.svg` (member share and member power share, with regime emergence and collapse
/// marked) and `events.svg` (a timeline of events; only when `events.csv` exists).
///
/// Reads the rows of `timeseries.csv` whose `group` is `all`; emergence and collapse years come
/// from `summary.csv`, or from `events.csv` when there is no summary. Replicates are averaged,
/// with a shaded 95% band. Returns the files written.
pub fn run_figures(dir: &Path) -> Result<Vec<PathBuf>> {
    let timeseries = Table::read(&dir.join("timeseries.csv"))?;
    let summary = Table::read_optional(&dir.join("summary.csv"))?;
    let events = Table::read_optional(&dir.join("events.csv"))?;

    let all_rows = group_all_filter(&timeseries);
    let time = TimeColumn::of(&timeseries)?;
    let issue = timeseries.require("issue")?;
    let rule_set = timeseries.column("rule_set");
    let issues = timeseries.distinct(issue, &all_rows);
    let several_rule_sets = rule_set
        .map(|col| timeseries.distinct(col, &all_rows).len() > 1)
        .unwrap_or(false);
    let mut written = Vec::new();

    // Cooperation over time: one line per issue in one panel while that stays readable, else one
    // panel per issue with one line per rule set.
    let (panel_cols, label_cols, legend_title) =
        if issues.len() > 1 && !several_rule_sets && issues.len() <= MAX_LINES_PER_PANEL {
            (Vec::new(), vec![issue], "issue")
        } else {
            (vec![issue], rule_set.into_iter().collect(), "rule set")
        };
    let cooperation = timeseries.require("cooperation")?;
    let collected = Collected::gather(
        &timeseries,
        &panel_cols,
        &label_cols,
        time.col,
        cooperation,
        &all_rows,
    )?;
    let mut styles = StyleBook::default();
    let (panels, banded) = collected.line_panels(&mut styles, Some(UNIT_RANGE), &[]);
    let figure = Figure {
        title: "Cooperation over time".to_string(),
        subtitle: replicate_note(collected.replicates(), banded),
        x_label: time.label.clone(),
        y_label: "cooperation (share of C moves)".to_string(),
        panels,
        legend: styles.legend(Some(legend_title.to_string()), true, banded, &[]),
    };
    written.push(save_standard(&figure, &dir.join("cooperation.svg"))?);

    // Membership: one panel per issue, member share and member power share (per rule set when
    // several), with each run's regime emergence and collapse marked.
    let rule_set_cols: Vec<usize> = if several_rule_sets {
        rule_set.into_iter().collect()
    } else {
        Vec::new()
    };
    let measures = [
        (timeseries.require("member_share")?, "member share"),
        (timeseries.require("member_power_share")?, "power share"),
    ];
    let mut gathered = Vec::new();
    for (col, name) in measures {
        let collected = Collected::gather(
            &timeseries,
            &[issue],
            &rule_set_cols,
            time.col,
            col,
            &all_rows,
        )?;
        gathered.push((name, collected));
    }
    let series_label = |measure: &str, rule_set: &str| {
        if rule_set.is_empty() {
            measure.to_string()
        } else {
            format!("{measure} · {rule_set}")
        }
    };
    // Styles in a fixed order: per rule set, member share then power share.
    let mut styles = StyleBook::default();
    for rule_set_name in &gathered[0].1.labels {
        for (name, _) in &gathered {
            styles.style(&series_label(name, rule_set_name));
        }
    }
    let marks = regime_marks(summary.as_ref(), events.as_ref(), &time)?;
    // With several runs per line, full-height lines for every run's regime would hide the data:
    // mark each run's emergence with a tick from the top and its collapse with one from the
    // bottom instead.
    let runs = gathered[0].1.replicates();
    let ticks = runs.1 > 1;
    let mut panels = Vec::new();
    let mut banded = false;
    for issue_name in &issues {
        let mut curves = Vec::new();
        for (name, collected) in &gathered {
            let Some(p) = collected.panels.iter().position(|n| n == issue_name) else {
                continue;
            };
            for (l, label) in collected.labels.iter().enumerate() {
                if let Some(values) = collected.values.get(&(p, l)) {
                    let style = styles.style(&series_label(name, label));
                    let curve = mean_curve(values, style, Some(UNIT_RANGE));
                    banded |= !curve.bands.is_empty();
                    curves.push(curve);
                }
            }
        }
        let mut vlines: Vec<VLine> = marks
            .iter()
            .filter(|m| &m.issue == issue_name)
            .filter_map(|m| {
                let rule_set_label = if several_rule_sets {
                    m.rule_set.as_str()
                } else {
                    ""
                };
                styles
                    .find(&series_label(gathered[0].0, rule_set_label))
                    .map(|style| VLine {
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
        panels.push(Panel {
            title: Some(issue_name.clone()),
            body: Body::Lines(LinesBody {
                curves,
                vlines,
                event_ticks: ticks,
                y_range: Some(UNIT_RANGE),
            }),
        });
    }
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
    let legend_title = if several_rule_sets {
        "measure · rule set"
    } else {
        "measure"
    };
    let figure = Figure {
        title: "Regime membership".to_string(),
        subtitle: replicate_note(runs, banded),
        x_label: time.label.clone(),
        y_label: "share".to_string(),
        panels,
        legend: styles.legend(Some(legend_title.to_string()), true, banded, &extra),
    };
    written.push(save_standard(&figure, &dir.join("membership.svg"))?);

    // Events timeline.
    if let Some(events) = &events {
        let figure = events_timeline(events)?;
        written.push(save_standard(&figure, &dir.join("events.svg"))?);
    }
    Ok(written)
}

/// Standard figures of a `regime compare` output directory, written into that directory:
/// `compare_cooperation.svg` (mean cooperation over the years per rule set with 95% bands across
/// replicates, one panel per issue), `compare_survival.svg` (Kaplan–Meier curves of the time to
/// emergence per rule set, one panel per issue; runs without a regime are censored at `rounds`)
/// and `compare_emergence.svg` (emergence probability per rule set and issue with Wilson 95%
/// intervals, from `comparison.csv`). Returns the files written.
pub fn compare_figures(dir: &Path) -> Result<Vec<PathBuf>> {
    let timeseries = Table::read(&dir.join("timeseries.csv"))?;
    let summary = Table::read(&dir.join("summary.csv"))?;
    let comparison = Table::read(&dir.join("comparison.csv"))?;
    let mut written = Vec::new();

    // Cooperation per rule set, one panel per issue.
    let all_rows = group_all_filter(&timeseries);
    let time = TimeColumn::of(&timeseries)?;
    let issue = timeseries.require("issue")?;
    let rule_set = timeseries.require("rule_set")?;
    let cooperation = timeseries.require("cooperation")?;
    let collected = Collected::gather(
        &timeseries,
        &[issue],
        &[rule_set],
        time.col,
        cooperation,
        &all_rows,
    )?;
    let mut styles = StyleBook::default();
    let (panels, banded) = collected.line_panels(&mut styles, Some(UNIT_RANGE), &[]);
    let figure = Figure {
        title: "Cooperation by rule set".to_string(),
        subtitle: replicate_note(collected.replicates(), banded),
        x_label: time.label.clone(),
        y_label: "cooperation (share of C moves)".to_string(),
        panels,
        legend: styles.legend(Some("rule set".to_string()), true, banded, &[]),
    };
    written.push(save_standard(
        &figure,
        &dir.join("compare_cooperation.svg"),
    )?);

    // Time to emergence (Kaplan–Meier), one panel per issue.
    let figure = survival_figure(&summary)?;
    written.push(save_standard(&figure, &dir.join("compare_survival.svg"))?);

    // Emergence probability with Wilson intervals.
    let figure = emergence_figure(&comparison)?;
    written.push(save_standard(&figure, &dir.join("compare_emergence.svg"))?);
    Ok(written)
}

/// Standard figures of a `regime sweep` output directory, from `points.csv`, written into that
/// directory. With two or more sweep `axes`, a phase diagram per issue, `phase_<issue>.svg`: a
/// heatmap of the emergence probability over the first two axes (averaged over any further axes),
/// one panel per rule set. With one axis, `sweep_<issue>.svg`: the emergence probability with its
/// Wilson band over that axis, one line per rule set (points with error bars when the axis is not
/// numeric). An axis named `rule_set` does not count: rule sets always get their own lines or
/// panels. With no axes there is nothing to draw. Returns the files written.
pub fn sweep_figures(dir: &Path, axes: &[String]) -> Result<Vec<PathBuf>> {
    if axes.is_empty() {
        return Ok(Vec::new());
    }
    let points = Table::read(&dir.join("points.csv"))?;
    for axis in axes {
        points.column_for_argument("sweep axis", axis)?;
    }
    // Sweeping over the rule set itself splits the figure into one line or panel per rule set,
    // as in any sweep with several rule sets; the other axes go across (and up).
    let mut plotted: Vec<String> = axes.iter().filter(|a| *a != "rule_set").cloned().collect();
    if plotted.is_empty() {
        plotted = axes.to_vec();
    }
    let axis_cols = plotted
        .iter()
        .map(|axis| points.column_for_argument("sweep axis", axis))
        .collect::<Result<Vec<_>>>()?;
    let issue = points.require("issue")?;
    let rule_set = points.column("rule_set");
    let probability = points.require("emergence_probability")?;
    let every_row: Vec<usize> = points.all_rows();
    let issues = points.distinct(issue, &every_row);
    let mut written = Vec::new();
    for issue_name in &issues {
        let rows: Vec<usize> = every_row
            .iter()
            .copied()
            .filter(|&r| points.text(r, issue) == issue_name)
            .collect();
        let file_name;
        let figure = if axis_cols.len() >= 2 {
            file_name = format!("phase_{}.svg", file_stem(issue_name));
            phase_figure(
                &points,
                &rows,
                issue_name,
                &plotted,
                &axis_cols,
                rule_set,
                probability,
            )?
        } else {
            file_name = format!("sweep_{}.svg", file_stem(issue_name));
            sweep_line_figure(
                &points,
                &rows,
                issue_name,
                &plotted[0],
                axis_cols[0],
                rule_set,
            )?
        };
        written.push(save_standard(&figure, &dir.join(file_name))?);
    }
    Ok(written)
}

// ---------------------------------------------------------------------------------------------
// Reading CSVs
// ---------------------------------------------------------------------------------------------

/// Rows of a time series that describe all states (`group == "all"`); every row when the file
/// has no `group` column.
fn group_all_filter(table: &Table) -> Vec<usize> {
    match table.column("group") {
        Some(group) => (0..table.len())
            .filter(|&r| table.text(r, group) == "all")
            .collect(),
        None => (0..table.len()).collect(),
    }
}

/// A subtitle saying what lines and bands are, given the fewest and most runs per point.
fn replicate_note((fewest, most): (usize, usize), banded: bool) -> Option<String> {
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
struct TimeColumn {
    col: usize,
    label: String,
}

impl TimeColumn {
    fn of(table: &Table) -> Result<TimeColumn> {
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
struct Key(f64);

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
struct Collected {
    /// Panel names in order of first appearance (one empty name when there are no panel columns).
    panels: Vec<String>,
    /// Series labels in order of first appearance.
    labels: Vec<String>,
    values: BTreeMap<(usize, usize), BTreeMap<Key, Vec<f64>>>,
    /// Rows that had both an `x` and a value.
    rows_used: usize,
}

impl Collected {
    /// Gathers `value_col` over `x_col` from `rows`; rows with an empty `x` or value are skipped.
    fn gather(
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
    fn replicates(&self) -> (usize, usize) {
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
    fn line_panels(
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

fn join_cells(table: &Table, row: usize, cols: &[usize]) -> String {
    cols.iter()
        .map(|&c| table.text(row, c))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Index of `value` in `list`, appending it when new.
fn index_of(list: &mut Vec<String>, value: String) -> usize {
    match list.iter().position(|v| *v == value) {
        Some(i) => i,
        None => {
            list.push(value);
            list.len() - 1
        }
    }
}

/// The mean at each `x`, with a 95% band ([`stats::mean_ci`]) over stretches of `x` that have
/// two or more values. Bands are clipped to `clip` (e.g. shares stay within 0..1).
fn mean_curve(values: &BTreeMap<Key, Vec<f64>>, style: usize, clip: Option<(f64, f64)>) -> Curve {
    let mut path = Vec::with_capacity(values.len());
    let mut bands = Vec::new();
    let mut stretch: Vec<(f64, f64, f64)> = Vec::new();
    for (x, ys) in values {
        let (mean, low, high) = stats::mean_ci(ys);
        path.push((x.0, mean));
        if ys.len() >= 2 {
            let (low, high) = match clip {
                Some((lo, hi)) => (low.max(lo), high.min(hi)),
                None => (low, high),
            };
            stretch.push((x.0, low, high));
        } else if !stretch.is_empty() {
            bands.push(band_polygon(&stretch));
            stretch.clear();
        }
    }
    if !stretch.is_empty() {
        bands.push(band_polygon(&stretch));
    }
    Curve {
        style,
        markers: thin_markers(&path, style),
        path,
        bands,
    }
}

/// The outline of a band: the upper edge left to right, then the lower edge back.
fn band_polygon(stretch: &[(f64, f64, f64)]) -> Vec<(f64, f64)> {
    let mut outline: Vec<(f64, f64)> = stretch.iter().map(|&(x, _, hi)| (x, hi)).collect();
    outline.extend(stretch.iter().rev().map(|&(x, lo, _)| (x, lo)));
    outline
}

/// Markers on at most about a dozen points of a long line, staggered by series so markers of
/// different series rarely sit on top of each other.
fn thin_markers(path: &[(f64, f64)], style: usize) -> Vec<(f64, f64)> {
    const MAX_MARKERS: usize = 12;
    if path.len() <= MAX_MARKERS {
        return path.to_vec();
    }
    let step = path.len().div_ceil(MAX_MARKERS);
    let phase = style % step;
    path.iter()
        .enumerate()
        .filter(|(i, _)| i % step == phase)
        .map(|(_, &p)| p)
        .collect()
}

/// A regime event of one run to mark on a time axis.
struct RegimeMark {
    issue: String,
    /// Empty when the file has no `rule_set` column.
    rule_set: String,
    x: f64,
    collapsed: bool,
}

/// Emergence and collapse times, from `summary.csv` (`emergence_year`/`collapse_year`, or the
/// `_round` columns when the time axis is rounds), else from `events.csv`
/// (`regime_emerged`/`regime_collapsed`). Missing files or empty cells are simply not marked.
fn regime_marks(
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

/// Event types in the order of the output contract; other types follow alphabetically.
const EVENT_ORDER: [&str; 8] = [
    "regime_emerged",
    "regime_collapsed",
    "ratified",
    "withdrew",
    "cheating_detected",
    "sanctioned",
    "strategy_changed",
    "shock",
];

/// A timeline of `events.csv`: years across, event types down, one marker per issue (shape and
/// colour) whose size grows with the number of events; one panel per rule set when several.
fn events_timeline(events: &Table) -> Result<Figure> {
    let time = TimeColumn::of(events)?;
    let event = events.require("event")?;
    let issue = events.require("issue")?;
    let rule_set = events.column("rule_set");
    let every_row: Vec<usize> = events.all_rows();
    let mut types: Vec<String> = events.distinct(event, &every_row);
    types.sort_by_key(|t| {
        let rank = EVENT_ORDER
            .iter()
            .position(|o| o == t)
            .unwrap_or(EVENT_ORDER.len());
        (rank, t.clone())
    });
    // Top to bottom in contract order: the first type gets the highest row.
    types.reverse();
    let issues = events.distinct(issue, &every_row);
    let panel_names = match rule_set {
        Some(col) if events.distinct(col, &every_row).len() > 1 => events.distinct(col, &every_row),
        _ => vec![String::new()],
    };

    // Issue-level events that concern no issue in particular (e.g. a world-wide shock).
    let mut styles = StyleBook::default();
    for name in &issues {
        styles.style(if name.is_empty() { "(no issue)" } else { name });
    }
    let mut panels = Vec::new();
    for panel_name in &panel_names {
        let mut counts: BTreeMap<(usize, usize, Key), usize> = BTreeMap::new();
        for &row in &every_row {
            if let (Some(col), false) = (rule_set, panel_name.is_empty()) {
                if events.text(row, col) != panel_name {
                    continue;
                }
            }
            let Some(x) = events.number(row, time.col)? else {
                continue;
            };
            let category = types
                .iter()
                .position(|t| t == events.text(row, event))
                .unwrap_or(0);
            let slot = issues
                .iter()
                .position(|i| i == events.text(row, issue))
                .unwrap_or(0);
            *counts.entry((category, slot, Key(x))).or_default() += 1;
        }
        let marks = counts
            .into_iter()
            .map(|((category, slot, x), count)| Mark {
                x: x.0,
                category,
                slot,
                style: slot,
                count,
            })
            .collect();
        panels.push(Panel {
            title: (!panel_name.is_empty()).then(|| panel_name.clone()),
            body: Body::Timeline(TimelineBody {
                categories: types.clone(),
                slots: issues.len(),
                marks,
            }),
        });
    }
    let any_event = panels.iter().any(|p| match &p.body {
        Body::Timeline(body) => !body.marks.is_empty(),
        _ => false,
    });
    let extra = [LegendEntry::new(
        "marker size: number of events",
        Sample::Note,
    )];
    let legend = if any_event {
        styles.legend(Some("issue".to_string()), false, false, &extra)
    } else {
        Legend::None
    };
    Ok(Figure {
        title: "Events".to_string(),
        subtitle: Some(format!(
            "One marker per issue, event type and {} (all runs)",
            time.label
        )),
        x_label: time.label,
        y_label: String::new(),
        panels,
        legend,
    })
}

/// Kaplan–Meier curves of the time to emergence per rule set, one panel per issue, from
/// `summary.csv`: a run's time is its `emergence_round`, or `rounds` (censored) when empty.
fn survival_figure(summary: &Table) -> Result<Figure> {
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
    let mut panels = Vec::new();
    for issue_name in &issues {
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
fn km_curve(steps: &[stats::KmStep], style: usize) -> Curve {
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

/// Emergence probability per issue (across) and rule set (marker), with Wilson intervals, from
/// `comparison.csv`.
fn emergence_figure(comparison: &Table) -> Result<Figure> {
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

/// A phase diagram for one issue: mean emergence probability over the first two sweep axes,
/// one panel per rule set.
fn phase_figure(
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

/// Emergence probability over a single sweep axis, one line (or point series, when the axis is
/// not numeric) per rule set, with the Wilson interval from `points.csv`.
fn sweep_line_figure(
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

/// A file name part from an issue name: letters, digits, `-` and `_` kept, the rest `_`.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "all".to_string()
    } else {
        stem
    }
}

// ---------------------------------------------------------------------------------------------
// `regime plot`: figures from any CSV
// ---------------------------------------------------------------------------------------------

fn lines_from_table(
    table: &Table,
    spec: &PlotSpec,
    x: usize,
    y: usize,
    by: Option<usize>,
) -> Result<(Figure, PlotReport)> {
    let every_row: Vec<usize> = (0..table.len()).collect();
    let label_cols: Vec<usize> = by.into_iter().collect();
    let collected = Collected::gather(table, &[], &label_cols, x, y, &every_row)?;
    if collected.rows_used == 0 {
        return Err(table.error(&format!(
            "no row has both `{}` and `{}`: nothing to plot",
            spec.x, spec.y
        )));
    }
    // Series in sorted order (numerically when every label is a number), so that e.g. replicate
    // 10 follows replicate 9 and styles do not depend on row order.
    let mut styles = StyleBook::default();
    for label in sorted_labels(&collected.labels) {
        styles.style(&label);
    }
    let (panels, banded) = collected.line_panels(&mut styles, None, &[]);
    let (series, bands, points) = match panels.first().map(|p| &p.body) {
        Some(Body::Lines(body)) => (
            body.curves.len(),
            body.curves.iter().filter(|c| !c.bands.is_empty()).count(),
            body.curves.iter().map(|c| c.path.len()).sum(),
        ),
        _ => (0, 0, 0),
    };
    let legend = if by.is_some() {
        styles.legend(spec.by.clone(), true, banded, &[])
    } else if banded {
        Legend::Series {
            title: None,
            entries: vec![
                LegendEntry::new(
                    &spec.y,
                    Sample::Series {
                        style: 0,
                        line: true,
                    },
                ),
                LegendEntry::new("95% CI of the mean", Sample::Band),
            ],
        }
    } else {
        Legend::None
    };
    let figure = Figure {
        title: spec
            .title
            .clone()
            .unwrap_or_else(|| format!("{} by {}", spec.y, spec.x)),
        subtitle: banded.then(|| {
            "Lines: mean of the rows at each x; shaded: 95% confidence interval".to_string()
        }),
        x_label: spec.x.clone(),
        y_label: spec.y.clone(),
        panels,
        legend,
    };
    let report = PlotReport {
        kind: PlotKind::Line,
        series,
        cells: 0,
        points,
        bands,
        rows: collected.rows_used,
    };
    Ok((figure, report))
}

fn heatmap_from_table(
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

/// Labels sorted numerically when all are numbers, else as text.
fn sorted_labels(labels: &[String]) -> Vec<String> {
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

/// One axis of a heatmap: its distinct values, sorted (numerically when all are numbers).
struct HeatAxis {
    labels: Vec<String>,
    /// The values, when the axis is numeric.
    values: Option<Vec<f64>>,
}

impl HeatAxis {
    /// The axis of the given raw values, and the index on it of each value.
    fn build(raw: &[&str]) -> (HeatAxis, Vec<usize>) {
        let numbers: Option<Vec<f64>> = raw
            .iter()
            .map(|s| s.parse::<f64>().ok().filter(|v| v.is_finite()))
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

    fn len(&self) -> usize {
        self.labels.len()
    }
}

/// Mean `z` per (panel, x, y) cell.
struct HeatData {
    panel_names: Vec<String>,
    x_axis: HeatAxis,
    y_axis: HeatAxis,
    /// (panel, x index, y index) → mean z.
    cells: BTreeMap<(usize, usize, usize), f64>,
    rows_used: usize,
    /// Whether some cell averages several rows.
    replicated: bool,
}

impl HeatData {
    fn gather(
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

    fn z_range(&self) -> (f64, f64) {
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

    fn panels(&self) -> Vec<Panel> {
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

// ---------------------------------------------------------------------------------------------
// Figure description (what to draw, independent of the output format)
// ---------------------------------------------------------------------------------------------

const UNIT_RANGE: (f64, f64) = (0.0, 1.0);

/// More lines than this in one panel become hard to tell apart: use small multiples instead.
const MAX_LINES_PER_PANEL: usize = 6;

struct Figure {
    title: String,
    subtitle: Option<String>,
    x_label: String,
    y_label: String,
    panels: Vec<Panel>,
    legend: Legend,
}

struct Panel {
    title: Option<String>,
    body: Body,
}

enum Body {
    Lines(LinesBody),
    Points(PointsBody),
    Timeline(TimelineBody),
    Heat(HeatBody),
}

struct LinesBody {
    curves: Vec<Curve>,
    vlines: Vec<VLine>,
    /// Draw regime events as short ticks at the top (emergence) and bottom (collapse) edges
    /// instead of full-height lines.
    event_ticks: bool,
    /// Fixed vertical range (e.g. 0..1 for shares); the data's range otherwise.
    y_range: Option<(f64, f64)>,
}

struct Curve {
    style: usize,
    path: Vec<(f64, f64)>,
    markers: Vec<(f64, f64)>,
    /// Closed outlines of shaded bands.
    bands: Vec<Vec<(f64, f64)>>,
}

/// A vertical line marking a regime emerging (solid) or collapsing (dashed).
#[derive(Debug, Clone, Copy)]
struct VLine {
    x: f64,
    style: usize,
    collapsed: bool,
}

/// Points with error bars over categories; `slots` series share each category side by side.
struct PointsBody {
    categories: Vec<String>,
    slots: usize,
    points: Vec<ErrorPoint>,
    y_range: (f64, f64),
}

struct ErrorPoint {
    category: usize,
    slot: usize,
    style: usize,
    y: f64,
    low: f64,
    high: f64,
}

/// Markers over a numeric `x` and categorical rows; `slots` series share each row.
struct TimelineBody {
    categories: Vec<String>,
    slots: usize,
    marks: Vec<Mark>,
}

struct Mark {
    x: f64,
    category: usize,
    slot: usize,
    style: usize,
    count: usize,
}

struct HeatBody {
    x_labels: Vec<String>,
    y_labels: Vec<String>,
    x_values: Option<Vec<f64>>,
    y_values: Option<Vec<f64>>,
    /// (x index, y index, z).
    cells: Vec<(usize, usize, f64)>,
    /// Draw coloured points at the numeric positions instead of a grid of cells.
    scatter: bool,
}

enum Legend {
    None,
    Series {
        title: Option<String>,
        entries: Vec<LegendEntry>,
    },
    ColourScale {
        label: String,
        min: f64,
        max: f64,
    },
}

struct LegendEntry {
    label: String,
    sample: Sample,
}

impl LegendEntry {
    fn new(label: &str, sample: Sample) -> Self {
        LegendEntry {
            label: label.to_string(),
            sample,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Sample {
    /// A series: line (when `line`) and marker in its style.
    Series { style: usize, line: bool },
    /// A shaded band.
    Band,
    /// A regime event: a line, or a tick when `ticks`.
    Event { collapsed: bool, ticks: bool },
    /// Text only.
    Note,
}

/// One visual style per series label, in order of first use, shared by all panels of a figure.
#[derive(Default)]
struct StyleBook {
    labels: Vec<String>,
}

impl StyleBook {
    fn style(&mut self, label: &str) -> usize {
        index_of(&mut self.labels, label.to_string())
    }

    fn find(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }

    fn legend(
        &self,
        title: Option<String>,
        line: bool,
        band: bool,
        extra: &[LegendEntry],
    ) -> Legend {
        let mut entries: Vec<LegendEntry> = self
            .labels
            .iter()
            .enumerate()
            .filter(|(_, label)| !label.is_empty())
            .map(|(style, label)| LegendEntry::new(label, Sample::Series { style, line }))
            .collect();
        if band {
            entries.push(LegendEntry::new("95% CI of the mean", Sample::Band));
        }
        for entry in extra {
            entries.push(LegendEntry::new(&entry.label, entry.sample));
        }
        Legend::Series { title, entries }
    }
}

// ---------------------------------------------------------------------------------------------
// Styles: colour + dash + marker, so series stay apart in greyscale
// ---------------------------------------------------------------------------------------------

/// Okabe & Ito's colour-blind-safe palette (2008), darkest and most distinct first; yellow, too
/// light on white, left out.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(51, 51, 51),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

fn colour(style: usize) -> RGBColor {
    PALETTE[style % PALETTE.len()]
}

#[derive(Clone, Copy)]
enum Dash {
    Solid,
    Dashed,
    Dotted,
    LongDashed,
}

const DASHES: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::LongDashed];

#[derive(Clone, Copy)]
enum Marker {
    FilledCircle,
    OpenSquare,
    FilledTriangle,
    Cross,
    OpenCircle,
    FilledDiamond,
    Plus,
    FilledSquare,
}

const MARKERS: [Marker; 8] = [
    Marker::FilledCircle,
    Marker::OpenSquare,
    Marker::FilledTriangle,
    Marker::Cross,
    Marker::OpenCircle,
    Marker::FilledDiamond,
    Marker::Plus,
    Marker::FilledSquare,
];

const GRID: RGBColor = RGBColor(225, 225, 225);
const ROW_SEPARATOR: RGBColor = RGBColor(200, 200, 200);
const AXIS_TEXT: RGBColor = RGBColor(40, 40, 40);
const NOTE_TEXT: RGBColor = RGBColor(90, 90, 90);
const EVENT_LINE: RGBColor = RGBColor(110, 110, 110);

/// Viridis (van der Walt & Smith, matplotlib), at eleven evenly spaced stops.
const VIRIDIS: [(u8, u8, u8); 11] = [
    (68, 1, 84),
    (72, 36, 117),
    (65, 68, 135),
    (53, 95, 141),
    (42, 120, 142),
    (33, 145, 140),
    (34, 168, 132),
    (68, 191, 112),
    (122, 209, 81),
    (189, 223, 38),
    (253, 231, 37),
];

/// The viridis colour of `t` in 0..1 (clamped), interpolated linearly between stops.
fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let scaled = t * (VIRIDIS.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(VIRIDIS.len() - 2);
    let f = scaled - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Text on a coloured cell: white on dark colours, black on light ones.
fn text_on(background: RGBColor) -> RGBColor {
    let luminance =
        0.2126 * background.0 as f64 + 0.7152 * background.1 as f64 + 0.0722 * background.2 as f64;
    if luminance < 128.0 {
        WHITE
    } else {
        BLACK
    }
}

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from(FontDesc::new(
        FontFamily::SansSerif,
        size as f64,
        FontStyle::Normal,
    ))
    .color(&AXIS_TEXT)
}

/// Tick labels: integers without decimals, others with up to four, trailing zeros dropped.
fn format_number(value: f64) -> String {
    if value == value.round() && value.abs() < 1e15 {
        return format!("{}", value as i64);
    }
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------------------------

/// The embedded font (DejaVu Sans; licence in `assets/fonts/LICENSE`).
static FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font with plotters, once per process.
fn ensure_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let registered = *REGISTERED
        .get_or_init(|| register_font("sans-serif", FontStyle::Normal, FONT_DATA).is_ok());
    if registered {
        Ok(())
    } else {
        Err(RegimeError::Plot(
            "the embedded font could not be loaded".to_string(),
        ))
    }
}

fn plot_err<E: std::fmt::Display>(error: E) -> RegimeError {
    RegimeError::Plot(error.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    fn of(path: &Path) -> Result<ImageFormat> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("svg") => Ok(ImageFormat::Svg),
            Some("png") => Ok(ImageFormat::Png),
            _ => Err(RegimeError::argument(
                "--output",
                "a file name ending in .svg or .png",
                path.display().to_string(),
            )),
        }
    }
}

/// Saves a standard figure as SVG at a size that suits its number of panels.
fn save_standard(figure: &Figure, path: &Path) -> Result<PathBuf> {
    save_figure(figure, path, ImageFormat::Svg, standard_size(figure))?;
    Ok(path.to_path_buf())
}

fn standard_size(figure: &Figure) -> (u32, u32) {
    // Tall enough for the whole legend (title, entries, room above and below).
    let legend_height = match &figure.legend {
        Legend::Series { entries, .. } => {
            let rows = entries.len().min(MAX_LEGEND_ENTRIES) as u32 + 1;
            200 + rows * LEGEND_ROW as u32
        }
        _ => 0,
    };
    let (rows, cols) = grid_shape(figure.panels.len());
    if rows * cols <= 1 {
        return (DEFAULT_SIZE.0, DEFAULT_SIZE.1.max(legend_height));
    }
    let legend_width = match figure.legend {
        Legend::None => 0,
        _ => 280,
    };
    (
        (cols as u32 * 560 + legend_width).max(DEFAULT_SIZE.0),
        (rows as u32 * 430 + 100)
            .max(DEFAULT_SIZE.1)
            .max(legend_height),
    )
}

/// Rows and columns of a grid of `n` panels, as square as possible, wider than tall.
fn grid_shape(n: usize) -> (usize, usize) {
    let n = n.max(1);
    let mut cols = 1;
    while cols * cols < n {
        cols += 1;
    }
    (n.div_ceil(cols), cols)
}

/// Renders `figure` and writes it atomically: to a temporary file in the same directory, renamed
/// over `path` only when complete.
fn save_figure(figure: &Figure, path: &Path, format: ImageFormat, size: (u32, u32)) -> Result<()> {
    ensure_font()?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(RegimeError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("directory {} does not exist", dir.display()),
            ),
        });
    }
    let temporary = temporary_path(&dir, path, format);
    let outcome = match format {
        ImageFormat::Svg => {
            let mut svg = String::new();
            let drawn = {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                render(&root, figure).and_then(|()| root.present().map_err(plot_err))
            };
            drawn.and_then(|()| write_file(&temporary, svg.as_bytes()))
        }
        ImageFormat::Png => {
            let root = BitMapBackend::new(&temporary, size).into_drawing_area();
            render(&root, figure).and_then(|()| root.present().map_err(plot_err))
        }
    };
    let outcome = outcome.and_then(|()| {
        fs::rename(&temporary, path).map_err(|source| RegimeError::Write {
            path: path.to_path_buf(),
            source,
        })
    });
    if outcome.is_err() {
        // Best effort: the temporary file may not exist, and the first error is what matters.
        let _ = fs::remove_file(&temporary);
    }
    outcome
}

fn temporary_path(dir: &Path, path: &Path, format: ImageFormat) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, AtomicOrdering::Relaxed);
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The extension stays last: the PNG encoder picks its format from it.
    let extension = match format {
        ImageFormat::Svg => "svg",
        ImageFormat::Png => "png",
    };
    dir.join(format!(
        ".{name}.{}-{n}.partial.{extension}",
        std::process::id()
    ))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let write_error = |source| RegimeError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = fs::File::create(path).map_err(write_error)?;
    file.write_all(bytes).map_err(write_error)?;
    file.sync_all().map_err(write_error)
}

const TITLE_SIZE: u32 = 26;
const SUBTITLE_SIZE: u32 = 16;
const PANEL_TITLE_SIZE: u32 = 19;
const AXIS_LABEL_SIZE: u32 = 17;
const TICK_SIZE: u32 = 14;
const LEGEND_SIZE: u32 = 15;

fn render<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, figure: &Figure) -> Result<()> {
    root.fill(&WHITE).map_err(plot_err)?;
    let (width, _) = root.dim_in_pixel();
    let centre = (width / 2) as i32;
    root.draw(&Text::new(
        figure.title.clone(),
        (centre, 12),
        font(TITLE_SIZE).pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(plot_err)?;
    let mut header = 12 + TITLE_SIZE as i32 + 12;
    if let Some(subtitle) = &figure.subtitle {
        root.draw(&Text::new(
            subtitle.clone(),
            (centre, header - 2),
            font(SUBTITLE_SIZE)
                .color(&NOTE_TEXT)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(plot_err)?;
        header += SUBTITLE_SIZE as i32 + 10;
    }
    let body = root.margin(header, 8, 8, 8);
    let legend_width = legend_width(&body, &figure.legend)?;
    let (plots, legend_area) = if legend_width > 0 {
        let (body_width, _) = body.dim_in_pixel();
        let (plots, legend) = body.split_horizontally(body_width.saturating_sub(legend_width));
        (plots, Some(legend))
    } else {
        (body, None)
    };
    let (rows, cols) = grid_shape(figure.panels.len());
    let areas = plots.split_evenly((rows, cols));
    let shared = SharedRanges::of(figure);
    for (panel, area) in figure.panels.iter().zip(&areas) {
        draw_panel(area, figure, panel, &shared)?;
    }
    if let Some(area) = legend_area {
        draw_legend(&area, &figure.legend)?;
    }
    Ok(())
}

fn legend_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, legend: &Legend) -> Result<u32> {
    let text_width = |text: &str| -> Result<u32> {
        Ok(area
            .estimate_text_size(text, &font(LEGEND_SIZE))
            .map_err(plot_err)?
            .0)
    };
    let width = match legend {
        Legend::None => 0,
        Legend::Series { title, entries } => {
            let mut widest = 0;
            if let Some(title) = title {
                widest = widest.max(text_width(title)?);
            }
            for entry in entries.iter().take(MAX_LEGEND_ENTRIES) {
                let indent = match entry.sample {
                    Sample::Note => 0,
                    _ => LEGEND_SAMPLE_WIDTH + 10,
                };
                widest = widest.max(indent + text_width(&entry.label)?);
            }
            widest + 2 * LEGEND_PADDING
        }
        Legend::ColourScale { label, .. } => (text_width(label)? + 2 * LEGEND_PADDING).max(130),
    };
    // Never let the legend take more than 40% of the figure.
    let (area_width, _) = area.dim_in_pixel();
    Ok(width.min(area_width * 2 / 5))
}

const LEGEND_PADDING: u32 = 14;
/// Length in pixels of a regime-event tick.
const EVENT_TICK: i32 = 14;
const LEGEND_SAMPLE_WIDTH: u32 = 40;
const LEGEND_ROW: i32 = 26;
const MAX_LEGEND_ENTRIES: usize = 30;

fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, legend: &Legend) -> Result<()> {
    match legend {
        Legend::None => Ok(()),
        Legend::Series { title, entries } => draw_series_legend(area, title.as_deref(), entries),
        Legend::ColourScale { label, min, max } => draw_colour_scale(area, label, *min, *max),
    }
}

fn draw_series_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: Option<&str>,
    entries: &[LegendEntry],
) -> Result<()> {
    let x0 = LEGEND_PADDING as i32;
    let mut y = 40;
    if let Some(title) = title {
        area.draw_text(title, &font(LEGEND_SIZE + 1), (x0, y))
            .map_err(plot_err)?;
        y += LEGEND_ROW + 4;
    }
    let sample_end = x0 + LEGEND_SAMPLE_WIDTH as i32;
    // Entries that fit above the bottom edge, keeping a row for "… and N more".
    let (_, height) = area.dim_in_pixel();
    let room = ((height as i32 - y) / LEGEND_ROW).max(1) as usize;
    let shown = if entries.len() > room.min(MAX_LEGEND_ENTRIES) {
        room.min(MAX_LEGEND_ENTRIES).saturating_sub(1)
    } else {
        entries.len()
    };
    for entry in entries.iter().take(shown) {
        let middle = y + LEGEND_SIZE as i32 / 2 + 1;
        let mut text_x = sample_end + 10;
        match entry.sample {
            Sample::Series { style, line } => {
                if line {
                    draw_path(area, &[(x0, middle), (sample_end, middle)], style)?;
                }
                draw_marker(area, ((x0 + sample_end) / 2, middle), style, 5)?;
            }
            Sample::Band => {
                area.draw(&Rectangle::new(
                    [(x0, middle - 7), (sample_end, middle + 7)],
                    colour(2).mix(0.18).filled(),
                ))
                .map_err(plot_err)?;
            }
            Sample::Event { collapsed, ticks } => {
                let x = (x0 + sample_end) / 2;
                if ticks {
                    let (from, to) = if collapsed {
                        (middle + 8, middle + 8 - EVENT_TICK)
                    } else {
                        (middle - 8, middle - 8 + EVENT_TICK)
                    };
                    area.draw(&PathElement::new(
                        vec![(x, from), (x, to)],
                        EVENT_LINE.stroke_width(2),
                    ))
                    .map_err(plot_err)?;
                } else {
                    draw_event_line(
                        area,
                        (x, middle - 10),
                        (x, middle + 10),
                        EVENT_LINE,
                        collapsed,
                    )?;
                }
            }
            Sample::Note => text_x = x0,
        }
        let style = match entry.sample {
            Sample::Note => font(LEGEND_SIZE - 1).color(&NOTE_TEXT),
            _ => font(LEGEND_SIZE),
        };
        area.draw_text(&entry.label, &style, (text_x, y))
            .map_err(plot_err)?;
        y += LEGEND_ROW;
    }
    if entries.len() > shown {
        let more = format!("… and {} more", entries.len() - shown);
        area.draw_text(&more, &font(LEGEND_SIZE - 1).color(&NOTE_TEXT), (x0, y))
            .map_err(plot_err)?;
    }
    Ok(())
}

fn draw_colour_scale<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    min: f64,
    max: f64,
) -> Result<()> {
    let (min, max) = if max > min {
        (min, max)
    } else {
        (min - 0.5, max + 0.5)
    };
    let (width, height) = area.dim_in_pixel();
    // The label sits where a series legend has its title; the bar below it, 32 pixels wide.
    let top = 40;
    area.draw_text(label, &font(LEGEND_SIZE + 1), (LEGEND_PADDING as i32, top))
        .map_err(plot_err)?;
    const BAR_WIDTH: u32 = 32;
    const LABELS_WIDTH: u32 = 56;
    let mut chart = ChartBuilder::on(area)
        .margin_top(top as u32 + LEGEND_ROW as u32 + 8)
        .margin_bottom((height / 4).max(40))
        .margin_left(LEGEND_PADDING)
        .margin_right(
            width
                .saturating_sub(LEGEND_PADDING + BAR_WIDTH + LABELS_WIDTH)
                .max(4),
        )
        .set_label_area_size(LabelAreaPosition::Right, LABELS_WIDTH)
        .build_cartesian_2d(0.0..1.0, min..max)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| format_number(*v))
        .label_style(font(TICK_SIZE))
        .axis_style(AXIS_TEXT)
        .draw()
        .map_err(plot_err)?;
    const STEPS: usize = 100;
    let span = max - min;
    chart
        .draw_series((0..STEPS).map(|i| {
            let low = min + span * i as f64 / STEPS as f64;
            let high = min + span * (i + 1) as f64 / STEPS as f64;
            Rectangle::new(
                [(0.0, low), (1.0, high)],
                viridis((i as f64 + 0.5) / STEPS as f64).filled(),
            )
        }))
        .map_err(plot_err)?;
    Ok(())
}

/// Data ranges common to all panels of a figure, so that small multiples share their axes and
/// compare at a glance.
struct SharedRanges {
    /// Extent of `x` over line and timeline panels.
    x: Option<(f64, f64)>,
    /// Padded extent of `y` over line panels without a fixed range.
    y: Option<(f64, f64)>,
}

impl SharedRanges {
    fn of(figure: &Figure) -> SharedRanges {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for panel in &figure.panels {
            match &panel.body {
                Body::Lines(body) => {
                    for curve in &body.curves {
                        xs.extend(curve.path.iter().chain(&curve.markers).map(|p| p.0));
                        if body.y_range.is_none() {
                            ys.extend(
                                curve
                                    .path
                                    .iter()
                                    .chain(curve.bands.iter().flatten())
                                    .map(|p| p.1),
                            );
                        }
                    }
                    xs.extend(body.vlines.iter().map(|v| v.x));
                }
                Body::Timeline(body) => xs.extend(body.marks.iter().map(|m| m.x)),
                Body::Points(_) | Body::Heat(_) => {}
            }
        }
        SharedRanges {
            x: padded_range(xs.into_iter(), 0.0),
            y: padded_range(ys.into_iter(), 0.05),
        }
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &Figure,
    panel: &Panel,
    shared: &SharedRanges,
) -> Result<()> {
    match &panel.body {
        Body::Lines(body) => draw_lines_panel(area, figure, panel, body, shared),
        Body::Points(body) => draw_points_panel(area, figure, panel, body),
        Body::Timeline(body) => draw_timeline_panel(area, figure, panel, body, shared),
        Body::Heat(body) => {
            let scale = match &figure.legend {
                Legend::ColourScale { min, max, .. } => (*min, *max),
                _ => UNIT_RANGE,
            };
            draw_heat_panel(area, figure, panel, body, scale)
        }
    }
}

/// A chart builder with the margins, label areas and caption every panel uses.
fn panel_builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: Option<&'b str>,
    y_label_width: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(10)
        .margin_right(24)
        .x_label_area_size(58)
        .y_label_area_size(y_label_width);
    if let Some(title) = title {
        builder.caption(title, font(PANEL_TITLE_SIZE));
    }
    builder
}

/// Draws a centred message in an empty panel.
fn draw_empty<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: Option<&str>,
    message: &str,
) -> Result<()> {
    let (width, height) = area.dim_in_pixel();
    let text = match title {
        Some(title) => format!("{title}: {message}"),
        None => message.to_string(),
    };
    area.draw(&Text::new(
        text,
        ((width / 2) as i32, (height / 2) as i32),
        font(AXIS_LABEL_SIZE)
            .color(&NOTE_TEXT)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(plot_err)
}

/// A padded range over `values`; `(v − 0.5, v + 0.5)` for a single value.
fn padded_range(values: impl Iterator<Item = f64>, pad_fraction: f64) -> Option<(f64, f64)> {
    let (min, max) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !min.is_finite() {
        return None;
    }
    if max - min < 1e-12 {
        let half = if min.abs() > 1.0 {
            min.abs() * 0.05
        } else {
            0.5
        };
        return Some((min - half, max + half));
    }
    let pad = (max - min) * pad_fraction;
    Some((min - pad, max + pad))
}

/// A range widened by `fraction` of its span on both sides, so markers on the edges are not cut.
fn with_margin((low, high): (f64, f64), fraction: f64) -> (f64, f64) {
    let pad = (high - low) * fraction;
    (low - pad, high + pad)
}

fn draw_lines_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &Figure,
    panel: &Panel,
    body: &LinesBody,
    shared: &SharedRanges,
) -> Result<()> {
    let (Some(x_range), false) = (shared.x, body.curves.is_empty()) else {
        return draw_empty(area, panel.title.as_deref(), "no data");
    };
    // A little room on both sides, so markers on the first and last points are not cut.
    let (x0, x1) = with_margin(x_range, 0.015);
    let (y0, y1) = match body.y_range {
        Some(range) => with_margin(range, 0.03),
        None => shared.y.unwrap_or(UNIT_RANGE),
    };
    let mut chart = panel_builder(area, panel.title.as_deref(), 76)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(plot_err)?;
    let tick = |v: &f64| format_number(*v);
    chart
        .configure_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .x_labels(8)
        .y_labels(7)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(AXIS_LABEL_SIZE))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS_TEXT)
        .draw()
        .map_err(plot_err)?;
    let plotting = chart.plotting_area();
    for curve in &body.curves {
        for band in &curve.bands {
            plotting
                .draw(&Polygon::new(
                    band.clone(),
                    colour(curve.style).mix(0.18).filled(),
                ))
                .map_err(plot_err)?;
        }
    }
    if !body.event_ticks {
        for vline in &body.vlines {
            draw_event_line(
                plotting,
                (vline.x, y0),
                (vline.x, y1),
                colour(vline.style),
                vline.collapsed,
            )?;
        }
    }
    for curve in &body.curves {
        draw_path(plotting, &curve.path, curve.style)?;
    }
    for curve in &body.curves {
        for &point in &curve.markers {
            draw_marker(plotting, point, curve.style, 5)?;
        }
    }
    if body.event_ticks {
        // Emergence hangs from the top edge, collapse stands on the bottom edge; drawn last so
        // that lines at 0 or 1 do not hide them.
        for vline in &body.vlines {
            let (at, tip) = if vline.collapsed {
                ((vline.x, y0), -EVENT_TICK)
            } else {
                ((vline.x, y1), EVENT_TICK)
            };
            let tick =
                PathElement::new(vec![(0, 0), (0, tip)], colour(vline.style).stroke_width(2));
            plotting
                .draw(&(EmptyElement::at(at) + tick))
                .map_err(plot_err)?;
        }
    }
    Ok(())
}

/// A categorical axis: category `i` sits at `i`, the axis runs from −0.5 to `n` − 0.5, and ticks
/// (labelled with the category names by the caller's formatter) sit exactly on categories.
/// (plotters' `with_key_points` cannot be combined with its mesh on `f64` axes.)
struct CategoryRange {
    low: f64,
    high: f64,
    ticks: Vec<f64>,
}

impl CategoryRange {
    fn new(categories: usize, ticks: Vec<f64>) -> Self {
        CategoryRange {
            low: -0.5,
            high: categories.max(1) as f64 - 0.5,
            ticks,
        }
    }
}

impl Ranged for CategoryRange {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let fraction = (value - self.low) / (self.high - self.low);
        limit.0 + (fraction * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.low..self.high
    }
}

/// Horizontal offset of side-by-side series `slot` of `slots` within one category.
fn slot_offset(slot: usize, slots: usize) -> f64 {
    if slots <= 1 {
        return 0.0;
    }
    let step = (0.6 / (slots - 1) as f64).min(0.2);
    (slot as f64 - (slots - 1) as f64 / 2.0) * step
}

/// Category positions to label: all of them, or every k-th when they would not fit in `pixels`.
fn category_ticks(labels: &[String], pixels: u32) -> Vec<f64> {
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as u32;
    let per_label = widest * (TICK_SIZE * 6 / 10) + 14;
    let fit = (pixels / per_label.max(1)).max(2) as usize;
    let step = labels.len().div_ceil(fit).max(1);
    (0..labels.len()).step_by(step).map(|i| i as f64).collect()
}

fn category_label(labels: &[String], value: f64) -> String {
    let index = value.round();
    if (value - index).abs() > 1e-6 || index < 0.0 {
        return String::new();
    }
    labels.get(index as usize).cloned().unwrap_or_default()
}

/// Width of a vertical label area holding `labels` plus the axis description.
fn y_label_width(labels: &[String]) -> u32 {
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
    (widest * (TICK_SIZE * 6 / 10) + 44).clamp(60, 220)
}

fn draw_points_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &Figure,
    panel: &Panel,
    body: &PointsBody,
) -> Result<()> {
    if body.categories.is_empty() || body.points.is_empty() {
        return draw_empty(area, panel.title.as_deref(), "no data");
    }
    let (width, _) = area.dim_in_pixel();
    let ticks = category_ticks(&body.categories, width.saturating_sub(100));
    let (y0, y1) = with_margin(body.y_range, 0.03);
    let mut chart = panel_builder(area, panel.title.as_deref(), 76)
        .build_cartesian_2d(CategoryRange::new(body.categories.len(), ticks), y0..y1)
        .map_err(plot_err)?;
    let x_tick = |v: &f64| category_label(&body.categories, *v);
    let y_tick = |v: &f64| format_number(*v);
    chart
        .configure_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .disable_x_mesh()
        .y_labels(7)
        .x_label_formatter(&x_tick)
        .y_label_formatter(&y_tick)
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(AXIS_LABEL_SIZE))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS_TEXT)
        .draw()
        .map_err(plot_err)?;
    let plotting = chart.plotting_area();
    for point in &body.points {
        let x = point.category as f64 + slot_offset(point.slot, body.slots);
        let style = colour(point.style).stroke_width(2);
        plotting
            .draw(&PathElement::new(
                vec![(x, point.low), (x, point.high)],
                style,
            ))
            .map_err(plot_err)?;
        for end in [point.low, point.high] {
            plotting
                .draw(
                    &(EmptyElement::at((x, end)) + PathElement::new(vec![(-6, 0), (6, 0)], style)),
                )
                .map_err(plot_err)?;
        }
        draw_marker(plotting, (x, point.y), point.style, 6)?;
    }
    Ok(())
}

fn draw_timeline_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &Figure,
    panel: &Panel,
    body: &TimelineBody,
    shared: &SharedRanges,
) -> Result<()> {
    let (Some(x_range), false) = (shared.x, body.marks.is_empty()) else {
        return draw_empty(area, panel.title.as_deref(), "no events recorded");
    };
    let (x0, x1) = with_margin(x_range, 0.03);
    let ticks: Vec<f64> = (0..body.categories.len()).map(|i| i as f64).collect();
    let mut chart = panel_builder(
        area,
        panel.title.as_deref(),
        y_label_width(&body.categories),
    )
    .build_cartesian_2d(x0..x1, CategoryRange::new(body.categories.len(), ticks))
    .map_err(plot_err)?;
    let x_tick = |v: &f64| format_number(*v);
    let y_tick = |v: &f64| category_label(&body.categories, *v);
    chart
        .configure_mesh()
        .x_desc(figure.x_label.as_str())
        .x_labels(8)
        .x_label_formatter(&x_tick)
        .y_label_formatter(&y_tick)
        .disable_y_mesh()
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(AXIS_LABEL_SIZE))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS_TEXT)
        .draw()
        .map_err(plot_err)?;
    let plotting = chart.plotting_area();
    // Lines between the rows (not through them), so each issue's markers clearly belong to the
    // row they sit in.
    for boundary in 1..body.categories.len() {
        let y = boundary as f64 - 0.5;
        plotting
            .draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                ROW_SEPARATOR.stroke_width(1),
            ))
            .map_err(plot_err)?;
    }
    let most = body.marks.iter().map(|m| m.count).max().unwrap_or(1).max(1) as f64;
    // Rows are one unit apart; the issues share the middle of a row (half of it for a few issues,
    // most of it for many), first issue on top. Markers shrink so neighbouring issues do not
    // overlap.
    let share_of_row = if body.slots > 3 { 0.8 } else { 0.5 };
    let spread = |slot: usize| {
        if body.slots <= 1 {
            0.0
        } else {
            (slot as f64 / (body.slots - 1) as f64 - 0.5) * share_of_row
        }
    };
    let (_, plot_height) = plotting.dim_in_pixel();
    let row_pixels = plot_height as f64 / body.categories.len().max(1) as f64;
    let slot_pixels = if body.slots <= 1 {
        row_pixels / 2.0
    } else {
        row_pixels * share_of_row / (body.slots - 1) as f64
    };
    let largest = (slot_pixels * 0.45).clamp(2.0, 8.0);
    let smallest = (largest * 0.4).max(2.0);
    for mark in &body.marks {
        let size = smallest + (largest - smallest) * (mark.count as f64 / most).sqrt();
        let y = mark.category as f64 - spread(mark.slot);
        draw_marker(plotting, (mark.x, y), mark.style, size.round() as i32)?;
    }
    Ok(())
}

fn draw_heat_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &Figure,
    panel: &Panel,
    body: &HeatBody,
    (z_min, z_max): (f64, f64),
) -> Result<()> {
    if body.cells.is_empty() {
        return draw_empty(area, panel.title.as_deref(), "no data");
    }
    let normalise = |z: f64| {
        if z_max > z_min {
            (z - z_min) / (z_max - z_min)
        } else {
            0.5
        }
    };
    if body.scatter {
        if let (Some(xs), Some(ys)) = (&body.x_values, &body.y_values) {
            return draw_heat_scatter(area, figure, panel, body, xs, ys, &normalise);
        }
    }
    let (nx, ny) = (body.x_labels.len() as f64, body.y_labels.len() as f64);
    let (width, height) = area.dim_in_pixel();
    let x_ticks = category_ticks(&body.x_labels, width.saturating_sub(120));
    // Rows of labels are one text line high, so they fit more densely than columns.
    let rows_that_fit = (height.saturating_sub(110) / (TICK_SIZE + 10)).max(2) as usize;
    let y_step = body.y_labels.len().div_ceil(rows_that_fit).max(1);
    let y_ticks: Vec<f64> = (0..body.y_labels.len())
        .step_by(y_step)
        .map(|i| i as f64)
        .collect();
    let mut chart = panel_builder(area, panel.title.as_deref(), y_label_width(&body.y_labels))
        .build_cartesian_2d(
            CategoryRange::new(body.x_labels.len(), x_ticks),
            CategoryRange::new(body.y_labels.len(), y_ticks),
        )
        .map_err(plot_err)?;
    let x_tick = |v: &f64| category_label(&body.x_labels, *v);
    let y_tick = |v: &f64| category_label(&body.y_labels, *v);
    chart
        .configure_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .disable_x_mesh()
        .disable_y_mesh()
        .x_label_formatter(&x_tick)
        .y_label_formatter(&y_tick)
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(AXIS_LABEL_SIZE))
        .axis_style(AXIS_TEXT)
        .draw()
        .map_err(plot_err)?;
    let plotting = chart.plotting_area();
    let (plot_width, plot_height) = plotting.dim_in_pixel();
    let cell_width = plot_width as f64 / nx;
    let cell_height = plot_height as f64 / ny;
    let annotate = cell_width >= 44.0 && cell_height >= 24.0;
    for &(ix, iy, z) in &body.cells {
        let (x, y) = (ix as f64, iy as f64);
        let fill = viridis(normalise(z));
        plotting
            .draw(&Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                fill.filled(),
            ))
            .map_err(plot_err)?;
        if annotate {
            plotting
                .draw(&Text::new(
                    format_cell(z),
                    (x, y),
                    font(TICK_SIZE - 1)
                        .color(&text_on(fill))
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(plot_err)?;
        }
    }
    Ok(())
}

/// A heatmap value written in its cell: two decimals for values below 10.
fn format_cell(value: f64) -> String {
    if value.abs() < 10.0 {
        format!("{value:.2}")
    } else {
        format_number(value.round())
    }
}

fn draw_heat_scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &Figure,
    panel: &Panel,
    body: &HeatBody,
    xs: &[f64],
    ys: &[f64],
    normalise: &dyn Fn(f64) -> f64,
) -> Result<()> {
    let (x0, x1) = padded_range(xs.iter().copied(), 0.04).unwrap_or(UNIT_RANGE);
    let (y0, y1) = padded_range(ys.iter().copied(), 0.04).unwrap_or(UNIT_RANGE);
    let mut chart = panel_builder(area, panel.title.as_deref(), 76)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(plot_err)?;
    let tick = |v: &f64| format_number(*v);
    chart
        .configure_mesh()
        .x_desc(figure.x_label.as_str())
        .y_desc(figure.y_label.as_str())
        .x_labels(8)
        .y_labels(7)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(AXIS_LABEL_SIZE))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS_TEXT)
        .draw()
        .map_err(plot_err)?;
    let plotting = chart.plotting_area();
    for &(ix, iy, z) in &body.cells {
        let (Some(&x), Some(&y)) = (xs.get(ix), ys.get(iy)) else {
            continue;
        };
        let fill = viridis(normalise(z));
        plotting
            .draw(
                &(EmptyElement::at((x, y))
                    + Circle::new((0, 0), 7, fill.filled())
                    + Circle::new((0, 0), 7, BLACK.mix(0.6).stroke_width(1))),
            )
            .map_err(plot_err)?;
    }
    Ok(())
}

/// A line in a series' colour and dash pattern.
fn draw_path<DB, CT>(area: &DrawingArea<DB, CT>, path: &[CT::From], style: usize) -> Result<()>
where
    DB: DrawingBackend,
    CT: CoordTranslate,
    CT::From: Clone,
{
    let stroke = colour(style).stroke_width(2);
    let points = path.iter().cloned();
    let drawn = match DASHES[style % DASHES.len()] {
        Dash::Solid => area.draw(&PathElement::new(path.to_vec(), stroke)),
        Dash::Dashed => area.draw(&DashedPathElement::new(points, 9, 5, stroke)),
        Dash::Dotted => area.draw(&DashedPathElement::new(points, 2, 4, stroke)),
        Dash::LongDashed => area.draw(&DashedPathElement::new(points, 18, 6, stroke)),
    };
    drawn.map_err(plot_err)
}

/// A vertical regime-event line: solid for emergence, dashed for collapse.
fn draw_event_line<DB, CT>(
    area: &DrawingArea<DB, CT>,
    from: CT::From,
    to: CT::From,
    colour: RGBColor,
    collapsed: bool,
) -> Result<()>
where
    DB: DrawingBackend,
    CT: CoordTranslate,
    CT::From: Clone,
{
    let stroke = colour.mix(0.7).stroke_width(1);
    let drawn = if collapsed {
        area.draw(&DashedPathElement::new(vec![from, to], 6, 4, stroke))
    } else {
        area.draw(&PathElement::new(vec![from, to], stroke))
    };
    drawn.map_err(plot_err)
}

/// A series' marker, `size` pixels from the centre to the edge.
fn draw_marker<DB, CT>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    style: usize,
    size: i32,
) -> Result<()>
where
    DB: DrawingBackend,
    CT: CoordTranslate,
{
    let c = colour(style);
    let s = size;
    let stroke = c.stroke_width(2);
    let anchor = EmptyElement::at(at);
    let drawn = match MARKERS[style % MARKERS.len()] {
        Marker::FilledCircle => area.draw(&(anchor + Circle::new((0, 0), s, c.filled()))),
        Marker::OpenSquare => area.draw(
            &(anchor
                + Rectangle::new([(-s, -s), (s, s)], WHITE.filled())
                + Rectangle::new([(-s, -s), (s, s)], stroke)),
        ),
        Marker::FilledTriangle => {
            area.draw(&(anchor + TriangleMarker::new((0, 0), s + 2, c.filled())))
        }
        Marker::Cross => area.draw(&(anchor + Cross::new((0, 0), s, stroke))),
        Marker::OpenCircle => area.draw(
            &(anchor + Circle::new((0, 0), s, WHITE.filled()) + Circle::new((0, 0), s, stroke)),
        ),
        Marker::FilledDiamond => {
            let r = s + 1;
            area.draw(&(anchor + Polygon::new(vec![(0, -r), (r, 0), (0, r), (-r, 0)], c.filled())))
        }
        Marker::Plus => {
            let r = s + 1;
            area.draw(
                &(anchor
                    + PathElement::new(vec![(-r, 0), (r, 0)], stroke)
                    + PathElement::new(vec![(0, -r), (0, r)], stroke)),
            )
        }
        Marker::FilledSquare => {
            let r = s - 1;
            area.draw(&(anchor + Rectangle::new([(-r, -r), (r, r)], c.filled())))
        }
    };
    drawn.map_err(plot_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_without_noise() {
        assert_eq!(format_number(1990.0), "1990");
        assert_eq!(format_number(0.25), "0.25");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(-0.00001), "0");
        assert_eq!(format_cell(0.456), "0.46");
    }

    #[test]
    fn viridis_runs_dark_to_light() {
        let luminance =
            |c: RGBColor| 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
        let mut previous = -1.0;
        for i in 0..=20 {
            let l = luminance(viridis(i as f64 / 20.0));
            assert!(l > previous, "viridis must get lighter: step {i}");
            previous = l;
        }
        assert_eq!(viridis(-1.0), viridis(0.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }

    #[test]
    fn grid_is_wider_than_tall() {
        assert_eq!(grid_shape(1), (1, 1));
        assert_eq!(grid_shape(2), (1, 2));
        assert_eq!(grid_shape(3), (2, 2));
        assert_eq!(grid_shape(5), (2, 3));
        assert_eq!(grid_shape(0), (1, 1));
    }

    #[test]
    fn styles_differ_in_more_than_colour() {
        // The first eight series differ in marker shape, and neighbours differ in dash pattern.
        let shapes: BTreeSet<usize> = MARKERS.iter().map(|&m| m as usize).collect();
        assert_eq!(shapes.len(), MARKERS.len(), "two series share a marker");
        assert_ne!(DASHES[0] as usize, DASHES[1] as usize);
    }

    #[test]
    fn mean_curve_bands_only_replicated_stretches() {
        let mut values: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
        values.insert(Key(0.0), vec![0.2, 0.4]);
        values.insert(Key(1.0), vec![0.3, 0.5]);
        values.insert(Key(2.0), vec![0.9]);
        let curve = mean_curve(&values, 0, Some(UNIT_RANGE));
        assert_eq!(curve.path.len(), 3);
        assert!((curve.path[0].1 - 0.3).abs() < 1e-12);
        assert_eq!(curve.bands.len(), 1);
        assert_eq!(curve.bands[0].len(), 4);
        assert!(curve.bands[0].iter().all(|p| (0.0..=1.0).contains(&p.1)));
    }

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

    #[test]
    fn heat_axes_sort_numbers_numerically() {
        let (axis, index) = HeatAxis::build(&["10", "2", "2.0", "1"]);
        assert_eq!(axis.labels, vec!["1", "2", "10"]);
        assert_eq!(index, vec![2, 1, 1, 0]);
        let (axis, index) = HeatAxis::build(&["b", "a", "b"]);
        assert_eq!(axis.labels, vec!["a", "b"]);
        assert_eq!(index, vec![1, 0, 1]);
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("labour"), "labour");
        assert_eq!(file_stem("asylum/refugees 2"), "asylum_refugees_2");
        assert_eq!(file_stem(""), "all");
    }

    #[test]
    fn unsupported_extension_is_an_argument_error() {
        let error = ImageFormat::of(Path::new("figure.pdf")).unwrap_err();
        assert!(error.is_input());
        assert!(error.to_string().contains(".svg or .png"));
        assert_eq!(
            ImageFormat::of(Path::new("a.PNG")).unwrap(),
            ImageFormat::Png
        );
    }
}
