//! Drawing legends beside the panels: a series legend (a sample of each series' line and
//! marker, bands, regime events and notes, cut short with "… and N more" when too long) or a
//! viridis colour scale for heatmaps.
//!
//! This file may import plotters and the figure model; it must never import
//! [`crate::io::table`].

use plotters::coord::Shift;
use plotters::prelude::*;

use super::figure::{Legend, LegendEntry, Sample};
use super::marks::{draw_event_line, draw_marker, draw_path};
use super::render::plot_err;
use super::style::{
    colour, font, format_number, viridis, AXIS_TEXT, EVENT_LINE, EVENT_TICK, LEGEND_SIZE,
    NOTE_TEXT, TICK_SIZE,
};
use crate::Result;

pub(super) fn legend_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &Legend,
) -> Result<u32> {
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

pub(super) const LEGEND_PADDING: u32 = 14;

pub(super) const LEGEND_SAMPLE_WIDTH: u32 = 40;

pub(super) const LEGEND_ROW: i32 = 26;

pub(super) const MAX_LEGEND_ENTRIES: usize = 30;

pub(super) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &Legend,
) -> Result<()> {
    match legend {
        Legend::None => Ok(()),
        Legend::Series { title, entries } => draw_series_legend(area, title.as_deref(), entries),
        Legend::ColourScale { label, min, max } => draw_colour_scale(area, label, *min, *max),
    }
}

pub(super) fn draw_series_legend<DB: DrawingBackend>(
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
        draw_legend_sample(area, entry.sample, (x0, sample_end), middle)?;
        let text_x = match entry.sample {
            Sample::Note => x0,
            _ => sample_end + 10,
        };
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

/// The sample of one legend entry between `x0` and `sample_end`, centred on `middle`; nothing
/// for a note.
fn draw_legend_sample<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    sample: Sample,
    (x0, sample_end): (i32, i32),
    middle: i32,
) -> Result<()> {
    match sample {
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
        Sample::Note => {}
    }
    Ok(())
}

pub(super) fn draw_colour_scale<DB: DrawingBackend>(
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
