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
//!
//! A figure is made in two steps. First the CSV's rows become a `Figure` (in `figure.rs`), a
//! description of what to draw that knows nothing of pixels or file formats: `data.rs` gathers
//! columns, and `line.rs`, `timeseries.rs`, `timeline.rs`, `survival.rs`, `emergence.rs` and
//! `heatmap.rs` each build one kind of figure. Then the description is drawn with plotters:
//! `render.rs` lays out the page and saves SVG or PNG, `panels.rs` draws each kind of panel,
//! `legend.rs` the legends, `marks.rs` a series' lines and markers, and `style.rs` holds colours,
//! fonts and sizes.
//!
//! `plot` reads CSVs through [`crate::io::table`] and uses [`crate::analysis::stats`] for means,
//! intervals and Kaplan–Meier estimates; it must never import [`crate::engine`],
//! [`crate::model`] or clap: a figure shows only what a CSV holds.

mod data;
mod emergence;
mod figure;
mod heatmap;
mod hypotheses;
mod legend;
mod line;
mod marks;
mod panels;
mod render;
mod style;
mod survival;
mod timeline;
mod timeseries;

use std::path::{Path, PathBuf};

use crate::error::RegimeError;
use crate::io::table::Table;
use crate::Result;

use emergence::{emergence_figure, sweep_line_figure};
use heatmap::{heatmap_from_table, phase_figure};
use line::lines_from_table;
use render::{save_figure, save_standard, ImageFormat};
use survival::survival_figure;
use timeline::events_timeline;
use timeseries::{compare_cooperation_figure, cooperation_figure, membership_figure, TimeSeries};

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
    /// Only rows whose column equals the value, for every (column, value) pair
    /// (`--where rule_set=realist --where group=all`).
    pub filters: Vec<(String, String)>,
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

impl std::fmt::Display for PlotReport {
    /// What was drawn, in words: "8 lines (8 with a 95% band) over 488 points from 29280 rows".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            PlotKind::Line => write!(
                f,
                "{} lines ({} with a 95% band) over {} points from {} rows",
                self.series, self.bands, self.points, self.rows
            ),
            PlotKind::Heatmap => write!(
                f,
                "a heatmap of {} cells in {} panels from {} rows",
                self.cells, self.series, self.rows
            ),
        }
    }
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
    let mut table = Table::read(csv)?;
    if table.is_empty() {
        return Err(table.error("the file has a header but no data rows: nothing to plot"));
    }
    for (column, value) in &spec.filters {
        let col = table.column_for_argument("--where", column)?;
        let values = table.distinct(col, &table.all_rows());
        table.retain_rows(|row| row.get(col) == Some(value.as_str()));
        if table.is_empty() {
            return Err(RegimeError::argument(
                "--where",
                format!(
                    "a value of `{column}` in the file (one of: {})",
                    values.join(", ")
                ),
                format!("`{value}`"),
            ));
        }
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
    let series = TimeSeries::of(&timeseries)?;
    let mut written = Vec::new();

    let figure = cooperation_figure(&series)?;
    written.push(save_standard(&figure, &dir.join("cooperation.svg"))?);

    let figure = membership_figure(&series, summary.as_ref(), events.as_ref())?;
    written.push(save_standard(&figure, &dir.join("membership.svg"))?);

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
    let figure = compare_cooperation_figure(&timeseries)?;
    written.push(save_standard(
        &figure,
        &dir.join("compare_cooperation.svg"),
    )?);

    // Time to emergence (Kaplan–Meier), one panel per issue.
    let figure = survival_figure(&summary)?;
    written.push(save_standard(&figure, &dir.join("compare_survival.svg"))?);

    // Emergence probability with Wilson intervals.
    let figure = emergence_figure(&comparison, &survival::in_place_issues(&summary))?;
    written.push(save_standard(&figure, &dir.join("compare_emergence.svg"))?);
    Ok(written)
}

/// The figure of a `regime hypotheses` output directory, `hypotheses.svg`, from
/// `hypotheses.csv` (the rows pooled over issues, with their 95 % intervals). Returns the
/// files written.
pub fn hypotheses_figures(dir: &Path) -> Result<Vec<PathBuf>> {
    let table = Table::read(&dir.join("hypotheses.csv"))?;
    let figure = hypotheses::hypotheses_figure(&table)?;
    Ok(vec![save_standard(&figure, &dir.join("hypotheses.svg"))?])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("labour"), "labour");
        assert_eq!(file_stem("asylum/refugees 2"), "asylum_refugees_2");
        assert_eq!(file_stem(""), "all");
    }
}
