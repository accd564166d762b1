//! How figures look: the series styles (colour, dash pattern and marker shape, so that series
//! stay apart in greyscale), the viridis colour scale, greys for grids and notes, the embedded
//! font and its sizes, and the formatting of numbers on axes and in cells.
//!
//! This file may import plotters' colour and text types and [`crate::error`]; it draws nothing.

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{register_font, FontDesc};

use crate::error::RegimeError;
use crate::Result;

/// Okabe & Ito's colour-blind-safe palette (2008), darkest and most distinct first; yellow, too
/// light on white, left out.
pub(super) const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(51, 51, 51),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

pub(super) fn colour(style: usize) -> RGBColor {
    PALETTE[style % PALETTE.len()]
}

#[derive(Clone, Copy)]
pub(super) enum Dash {
    Solid,
    Dashed,
    Dotted,
    LongDashed,
}

pub(super) const DASHES: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::LongDashed];

#[derive(Clone, Copy)]
pub(super) enum Marker {
    FilledCircle,
    OpenSquare,
    FilledTriangle,
    Cross,
    OpenCircle,
    FilledDiamond,
    Plus,
    FilledSquare,
}

pub(super) const MARKERS: [Marker; 8] = [
    Marker::FilledCircle,
    Marker::OpenSquare,
    Marker::FilledTriangle,
    Marker::Cross,
    Marker::OpenCircle,
    Marker::FilledDiamond,
    Marker::Plus,
    Marker::FilledSquare,
];

pub(super) const GRID: RGBColor = RGBColor(225, 225, 225);

pub(super) const ROW_SEPARATOR: RGBColor = RGBColor(200, 200, 200);

pub(super) const AXIS_TEXT: RGBColor = RGBColor(40, 40, 40);

pub(super) const NOTE_TEXT: RGBColor = RGBColor(90, 90, 90);

pub(super) const EVENT_LINE: RGBColor = RGBColor(110, 110, 110);

/// Viridis (van der Walt & Smith, matplotlib), at eleven evenly spaced stops.
pub(super) const VIRIDIS: [(u8, u8, u8); 11] = [
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
pub(super) fn viridis(t: f64) -> RGBColor {
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
pub(super) fn text_on(background: RGBColor) -> RGBColor {
    let luminance =
        0.2126 * background.0 as f64 + 0.7152 * background.1 as f64 + 0.0722 * background.2 as f64;
    if luminance < 128.0 {
        WHITE
    } else {
        BLACK
    }
}

pub(super) fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from(FontDesc::new(
        FontFamily::SansSerif,
        size as f64,
        FontStyle::Normal,
    ))
    .color(&AXIS_TEXT)
}

/// Tick labels: integers without decimals, others with up to four, trailing zeros dropped.
pub(super) fn format_number(value: f64) -> String {
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

/// The embedded font (DejaVu Sans; licence in `assets/fonts/LICENSE`).
pub(super) static FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font with plotters, once per process.
pub(super) fn ensure_font() -> Result<()> {
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

pub(super) const TITLE_SIZE: u32 = 26;

pub(super) const SUBTITLE_SIZE: u32 = 16;

pub(super) const PANEL_TITLE_SIZE: u32 = 19;

pub(super) const AXIS_LABEL_SIZE: u32 = 17;

pub(super) const TICK_SIZE: u32 = 14;

pub(super) const LEGEND_SIZE: u32 = 15;

/// Length in pixels of a regime-event tick.
pub(super) const EVENT_TICK: i32 = 14;

/// A heatmap value written in its cell: two decimals for values below 10.
pub(super) fn format_cell(value: f64) -> String {
    if value.abs() < 10.0 {
        format!("{value:.2}")
    } else {
        format_number(value.round())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

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
    fn styles_differ_in_more_than_colour() {
        // The first eight series differ in marker shape, and neighbours differ in dash pattern.
        let shapes: BTreeSet<usize> = MARKERS.iter().map(|&m| m as usize).collect();
        assert_eq!(shapes.len(), MARKERS.len(), "two series share a marker");
        assert_ne!(DASHES[0] as usize, DASHES[1] as usize);
    }
}
