//! Drawing one panel of each kind: lines with bands and regime events, points with error bars
//! over categories, an events timeline, and heatmap cells (or coloured points); plus the
//! categorical axis they share and the message of an empty panel.
//!
//! This file may import plotters and the figure model; it must never import
//! [`crate::io::table`].

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{
    Body, Figure, HeatBody, Legend, LinesBody, Panel, PointsBody, TimelineBody, VLine, UNIT_RANGE,
};
use super::marks::{draw_event_line, draw_marker, draw_path};
use super::render::{padded_range, plot_err, with_margin, SharedRanges};
use super::style::{
    colour, font, format_cell, format_number, text_on, viridis, AXIS_LABEL_SIZE, AXIS_TEXT,
    EVENT_TICK, GRID, NOTE_TEXT, PANEL_TITLE_SIZE, ROW_SEPARATOR, TICK_SIZE,
};
use crate::Result;

pub(super) fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &Figure,
    panel: &Panel,
    shared: &SharedRanges,
) -> Result<()> {
    match &panel.body {
        Body::Note(note) => draw_empty(area, panel.title.as_deref(), note),
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
pub(super) fn panel_builder<'a, 'b, DB: DrawingBackend>(
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
pub(super) fn draw_empty<DB: DrawingBackend>(
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

/// A chart over two numeric axes.
type NumberChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The plotting area of a [`NumberChart`].
type NumberArea<DB> = DrawingArea<DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Lines with their bands, regime events and markers over a numeric `x`.
pub(super) fn draw_lines_panel<DB: DrawingBackend>(
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
    draw_number_mesh(&mut chart, figure)?;
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
        draw_regime_lines(plotting, &body.vlines, (y0, y1))?;
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
        // Drawn last so that lines at 0 or 1 do not hide them.
        draw_regime_ticks(plotting, &body.vlines, (y0, y1))?;
    }
    Ok(())
}

/// Axis descriptions, numeric tick labels and a light grid on a [`NumberChart`].
fn draw_number_mesh<DB: DrawingBackend>(
    chart: &mut NumberChart<DB>,
    figure: &Figure,
) -> Result<()> {
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
        .map_err(plot_err)
}

/// Regime events as full-height lines in their series' colour, from `y0` to `y1`.
fn draw_regime_lines<DB: DrawingBackend>(
    plotting: &NumberArea<DB>,
    vlines: &[VLine],
    (y0, y1): (f64, f64),
) -> Result<()> {
    for vline in vlines {
        draw_event_line(
            plotting,
            (vline.x, y0),
            (vline.x, y1),
            colour(vline.style),
            vline.collapsed,
        )?;
    }
    Ok(())
}

/// Regime events as short ticks: emergence hangs from the top edge (`y1`), collapse stands on
/// the bottom edge (`y0`).
fn draw_regime_ticks<DB: DrawingBackend>(
    plotting: &NumberArea<DB>,
    vlines: &[VLine],
    (y0, y1): (f64, f64),
) -> Result<()> {
    for vline in vlines {
        let (at, tip) = if vline.collapsed {
            ((vline.x, y0), -EVENT_TICK)
        } else {
            ((vline.x, y1), EVENT_TICK)
        };
        let tick = PathElement::new(vec![(0, 0), (0, tip)], colour(vline.style).stroke_width(2));
        plotting
            .draw(&(EmptyElement::at(at) + tick))
            .map_err(plot_err)?;
    }
    Ok(())
}

/// A categorical axis: category `i` sits at `i`, the axis runs from −0.5 to `n` − 0.5, and ticks
/// (labelled with the category names by the caller's formatter) sit exactly on categories.
/// (plotters' `with_key_points` cannot be combined with its mesh on `f64` axes.)
pub(super) struct CategoryRange {
    pub(super) low: f64,
    pub(super) high: f64,
    pub(super) ticks: Vec<f64>,
}

impl CategoryRange {
    pub(super) fn new(categories: usize, ticks: Vec<f64>) -> Self {
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
pub(super) fn slot_offset(slot: usize, slots: usize) -> f64 {
    if slots <= 1 {
        return 0.0;
    }
    let step = (0.6 / (slots - 1) as f64).min(0.2);
    (slot as f64 - (slots - 1) as f64 / 2.0) * step
}

/// Category positions to label: all of them, or every k-th when they would not fit in `pixels`.
pub(super) fn category_ticks(labels: &[String], pixels: u32) -> Vec<f64> {
    let fit = (pixels / category_label_pixels(labels).max(1)).max(2) as usize;
    let step = labels.len().div_ceil(fit).max(1);
    (0..labels.len()).step_by(step).map(|i| i as f64).collect()
}

/// The width one category needs for its label on an axis.
pub(super) fn category_label_pixels(labels: &[String]) -> u32 {
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as u32;
    widest * (TICK_SIZE * 6 / 10) + 14
}

pub(super) fn category_label(labels: &[String], value: f64) -> String {
    let index = value.round();
    if (value - index).abs() > 1e-6 || index < 0.0 {
        return String::new();
    }
    labels.get(index as usize).cloned().unwrap_or_default()
}

/// Width of a vertical label area holding `labels` plus the axis description.
pub(super) fn y_label_width(labels: &[String]) -> u32 {
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
    (widest * (TICK_SIZE * 6 / 10) + 44).clamp(60, 220)
}

pub(super) fn draw_points_panel<DB: DrawingBackend>(
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

pub(super) fn draw_timeline_panel<DB: DrawingBackend>(
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
    draw_timeline_marks(plotting, body)
}

/// The marks of a timeline, issues side by side within each row, sized by their number of
/// events.
fn draw_timeline_marks<DB: DrawingBackend>(
    plotting: &DrawingArea<DB, Cartesian2d<RangedCoordf64, CategoryRange>>,
    body: &TimelineBody,
) -> Result<()> {
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

pub(super) fn draw_heat_panel<DB: DrawingBackend>(
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
    let (x_ticks, y_ticks) = heat_ticks(body, area.dim_in_pixel());
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
    draw_heat_cells(chart.plotting_area(), body, normalise)
}

/// Category positions to label on a heatmap of `width` × `height` pixels: columns as far as their
/// labels fit side by side, rows as far as they fit one text line apart.
fn heat_ticks(body: &HeatBody, (width, height): (u32, u32)) -> (Vec<f64>, Vec<f64>) {
    let x_ticks = category_ticks(&body.x_labels, width.saturating_sub(120));
    // Rows of labels are one text line high, so they fit more densely than columns.
    let rows_that_fit = (height.saturating_sub(110) / (TICK_SIZE + 10)).max(2) as usize;
    let y_step = body.y_labels.len().div_ceil(rows_that_fit).max(1);
    let y_ticks: Vec<f64> = (0..body.y_labels.len())
        .step_by(y_step)
        .map(|i| i as f64)
        .collect();
    (x_ticks, y_ticks)
}

/// The cells of a heatmap in viridis, each labelled with its value when cells are large enough.
fn draw_heat_cells<DB: DrawingBackend>(
    plotting: &DrawingArea<DB, Cartesian2d<CategoryRange, CategoryRange>>,
    body: &HeatBody,
    normalise: impl Fn(f64) -> f64,
) -> Result<()> {
    let (nx, ny) = (body.x_labels.len() as f64, body.y_labels.len() as f64);
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

pub(super) fn draw_heat_scatter<DB: DrawingBackend>(
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
    draw_number_mesh(&mut chart, figure)?;
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
