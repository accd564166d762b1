//! The marks of a series, in any coordinate system: its line (colour and dash pattern), its
//! marker (colour and shape), and the vertical line of a regime event.
//!
//! This file may import plotters and the styles; it knows nothing of figures or data.

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::render::plot_err;
use super::style::{colour, Dash, Marker, DASHES, MARKERS};
use crate::Result;

/// A line in a series' colour and dash pattern.
pub(super) fn draw_path<DB, CT>(
    area: &DrawingArea<DB, CT>,
    path: &[CT::From],
    style: usize,
) -> Result<()>
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
pub(super) fn draw_event_line<DB, CT>(
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
pub(super) fn draw_marker<DB, CT>(
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
