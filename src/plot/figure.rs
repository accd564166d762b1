//! The figure model: what a figure shows (title, axis labels, panels of lines, points, timeline
//! marks or heatmap cells, and a legend), independent of how and in which format it is drawn.
//!
//! Series refer to a visual style by number ([`StyleBook`] hands the numbers out per label); the
//! drawing code turns a number into colour, dash pattern and marker shape. This file may import
//! nothing of plotters and nothing outside `plot`.

use super::data::index_of;

pub(super) const UNIT_RANGE: (f64, f64) = (0.0, 1.0);

/// More lines than this in one panel become hard to tell apart: use small multiples instead.
pub(super) const MAX_LINES_PER_PANEL: usize = 6;

pub(super) struct Figure {
    pub(super) title: String,
    pub(super) subtitle: Option<String>,
    pub(super) x_label: String,
    pub(super) y_label: String,
    pub(super) panels: Vec<Panel>,
    pub(super) legend: Legend,
}

pub(super) struct Panel {
    pub(super) title: Option<String>,
    pub(super) body: Body,
}

pub(super) enum Body {
    /// No chart, only a note saying why (e.g. a regime in place from the start has no time to
    /// emergence).
    Note(String),
    Lines(LinesBody),
    Points(PointsBody),
    Timeline(TimelineBody),
    Heat(HeatBody),
}

pub(super) struct LinesBody {
    pub(super) curves: Vec<Curve>,
    pub(super) vlines: Vec<VLine>,
    /// Draw regime events as short ticks at the top (emergence) and bottom (collapse) edges
    /// instead of full-height lines.
    pub(super) event_ticks: bool,
    /// Fixed vertical range (e.g. 0..1 for shares); the data's range otherwise.
    pub(super) y_range: Option<(f64, f64)>,
}

pub(super) struct Curve {
    pub(super) style: usize,
    pub(super) path: Vec<(f64, f64)>,
    pub(super) markers: Vec<(f64, f64)>,
    /// Closed outlines of shaded bands.
    pub(super) bands: Vec<Vec<(f64, f64)>>,
}

/// A vertical line marking a regime emerging (solid) or collapsing (dashed).
#[derive(Debug, Clone, Copy)]
pub(super) struct VLine {
    pub(super) x: f64,
    pub(super) style: usize,
    pub(super) collapsed: bool,
}

/// Points with error bars over categories; `slots` series share each category side by side.
pub(super) struct PointsBody {
    pub(super) categories: Vec<String>,
    pub(super) slots: usize,
    pub(super) points: Vec<ErrorPoint>,
    pub(super) y_range: (f64, f64),
}

pub(super) struct ErrorPoint {
    pub(super) category: usize,
    pub(super) slot: usize,
    pub(super) style: usize,
    pub(super) y: f64,
    pub(super) low: f64,
    pub(super) high: f64,
}

/// Markers over a numeric `x` and categorical rows; `slots` series share each row.
pub(super) struct TimelineBody {
    pub(super) categories: Vec<String>,
    pub(super) slots: usize,
    pub(super) marks: Vec<Mark>,
}

pub(super) struct Mark {
    pub(super) x: f64,
    pub(super) category: usize,
    pub(super) slot: usize,
    pub(super) style: usize,
    pub(super) count: usize,
}

pub(super) struct HeatBody {
    pub(super) x_labels: Vec<String>,
    pub(super) y_labels: Vec<String>,
    pub(super) x_values: Option<Vec<f64>>,
    pub(super) y_values: Option<Vec<f64>>,
    /// (x index, y index, z).
    pub(super) cells: Vec<(usize, usize, f64)>,
    /// Draw coloured points at the numeric positions instead of a grid of cells.
    pub(super) scatter: bool,
}

pub(super) enum Legend {
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

pub(super) struct LegendEntry {
    pub(super) label: String,
    pub(super) sample: Sample,
}

impl LegendEntry {
    pub(super) fn new(label: &str, sample: Sample) -> Self {
        LegendEntry {
            label: label.to_string(),
            sample,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Sample {
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
pub(super) struct StyleBook {
    pub(super) labels: Vec<String>,
}

impl StyleBook {
    pub(super) fn style(&mut self, label: &str) -> usize {
        index_of(&mut self.labels, label.to_string())
    }

    pub(super) fn find(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }

    pub(super) fn legend(
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
