//! Drawing a whole figure and saving it: the image format from the file extension, the size of a
//! standard figure from its panels and legend, the title and subtitle, the grid of panels with
//! shared axis ranges, and the atomic write (a temporary file renamed into place when complete).
//!
//! This file may import plotters, [`crate::error`] and the figure model; it must never import
//! [`crate::io::table`]: it draws a finished description and reads no data.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{Body, Figure, Legend};
use super::legend::{draw_legend, legend_width, LEGEND_ROW, MAX_LEGEND_ENTRIES};
use super::panels::draw_panel;
use super::style::{ensure_font, font, NOTE_TEXT, SUBTITLE_SIZE, TITLE_SIZE};
use super::DEFAULT_SIZE;
use crate::error::RegimeError;
use crate::Result;

pub(super) fn plot_err<E: std::fmt::Display>(error: E) -> RegimeError {
    RegimeError::Plot(error.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    pub(super) fn of(path: &Path) -> Result<ImageFormat> {
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
pub(super) fn save_standard(figure: &Figure, path: &Path) -> Result<PathBuf> {
    save_figure(figure, path, ImageFormat::Svg, standard_size(figure))?;
    Ok(path.to_path_buf())
}

pub(super) fn standard_size(figure: &Figure) -> (u32, u32) {
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
        return (
            DEFAULT_SIZE.0.max(categories_width(figure)),
            DEFAULT_SIZE.1.max(legend_height),
        );
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

/// The width a single panel of points over categories needs to label every category (the
/// plot's margins and legend included).
fn categories_width(figure: &Figure) -> u32 {
    match figure.panels.first().map(|p| &p.body) {
        Some(Body::Points(b)) => {
            let labels = b.categories.len() as u32;
            labels * super::panels::category_label_pixels(&b.categories) + 100 + 280
        }
        _ => 0,
    }
}

/// Rows and columns of a grid of `n` panels, as square as possible, wider than tall.
pub(super) fn grid_shape(n: usize) -> (usize, usize) {
    let n = n.max(1);
    let mut cols = 1;
    while cols * cols < n {
        cols += 1;
    }
    (n.div_ceil(cols), cols)
}

/// Renders `figure` and writes it atomically: to a temporary file in the same directory, renamed
/// over `path` only when complete.
pub(super) fn save_figure(
    figure: &Figure,
    path: &Path,
    format: ImageFormat,
    size: (u32, u32),
) -> Result<()> {
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

pub(super) fn temporary_path(dir: &Path, path: &Path, format: ImageFormat) -> PathBuf {
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

pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let write_error = |source| RegimeError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = fs::File::create(path).map_err(write_error)?;
    file.write_all(bytes).map_err(write_error)?;
    file.sync_all().map_err(write_error)
}

pub(super) fn render<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
) -> Result<()> {
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

/// Data ranges common to all panels of a figure, so that small multiples share their axes and
/// compare at a glance.
pub(super) struct SharedRanges {
    /// Extent of `x` over line and timeline panels.
    pub(super) x: Option<(f64, f64)>,
    /// Padded extent of `y` over line panels without a fixed range.
    pub(super) y: Option<(f64, f64)>,
}

impl SharedRanges {
    pub(super) fn of(figure: &Figure) -> SharedRanges {
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
                Body::Note(_) | Body::Points(_) | Body::Heat(_) => {}
            }
        }
        SharedRanges {
            x: padded_range(xs.into_iter(), 0.0),
            y: padded_range(ys.into_iter(), 0.05),
        }
    }
}

/// A padded range over `values`; `(v − 0.5, v + 0.5)` for a single value.
pub(super) fn padded_range(
    values: impl Iterator<Item = f64>,
    pad_fraction: f64,
) -> Option<(f64, f64)> {
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
pub(super) fn with_margin((low, high): (f64, f64), fraction: f64) -> (f64, f64) {
    let pad = (high - low) * fraction;
    (low - pad, high + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_wider_than_tall() {
        assert_eq!(grid_shape(1), (1, 1));
        assert_eq!(grid_shape(2), (1, 2));
        assert_eq!(grid_shape(3), (2, 2));
        assert_eq!(grid_shape(5), (2, 3));
        assert_eq!(grid_shape(0), (1, 1));
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
