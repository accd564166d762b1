//! Line figures: the mean of replicated rows at each `x` with a shaded 95% band
//! ([`crate::analysis::stats::mean_ci`]), markers thinned on long lines, and the line plot of
//! `regime plot` (one line per `--by` group).
//!
//! This file may import [`crate::io::table`], [`crate::analysis::stats`], the figure model and
//! the data gathering; it must never import plotters.

use std::collections::BTreeMap;

use super::data::{sorted_labels, Collected, Key};
use super::figure::{Body, Curve, Figure, Legend, LegendEntry, Sample, StyleBook};
use super::{PlotKind, PlotReport, PlotSpec};
use crate::analysis::stats;
use crate::io::table::Table;
use crate::Result;

/// The mean at each `x`, with a 95% band ([`stats::mean_ci`]) over stretches of `x` that have
/// two or more values. Bands are clipped to `clip` (e.g. shares stay within 0..1).
pub(super) fn mean_curve(
    values: &BTreeMap<Key, Vec<f64>>,
    style: usize,
    clip: Option<(f64, f64)>,
) -> Curve {
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
pub(super) fn band_polygon(stretch: &[(f64, f64, f64)]) -> Vec<(f64, f64)> {
    let mut outline: Vec<(f64, f64)> = stretch.iter().map(|&(x, _, hi)| (x, hi)).collect();
    outline.extend(stretch.iter().rev().map(|&(x, lo, _)| (x, lo)));
    outline
}

/// Markers on at most about a dozen points of a long line, staggered by series so markers of
/// different series rarely sit on top of each other.
pub(super) fn thin_markers(path: &[(f64, f64)], style: usize) -> Vec<(f64, f64)> {
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

/// The line plot of `regime plot`: `y` over `x`, one line per `by` group, the mean of replicated
/// rows with a 95% band.
pub(super) fn lines_from_table(
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
    let legend = lines_legend(&styles, spec, by.is_some(), banded);
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

/// The legend of a line plot: one entry per group when `grouped` by `--by`; with a single line,
/// the line and its band when it has one, else none.
fn lines_legend(styles: &StyleBook, spec: &PlotSpec, grouped: bool, banded: bool) -> Legend {
    if grouped {
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
    }
}

#[cfg(test)]
mod tests {
    use super::super::figure::UNIT_RANGE;
    use super::*;

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
}
