//! The `--plots` figures of a calibration, drawn by [`crate::plot`] from small CSVs written
//! beside them (so every figure can be redrawn with `regime plot`):
//!
//! * `posterior_density.csv` → `posterior_<k>.svg`: each parameter's weighted histogram over the
//!   final population (20 bins over its prior's range, or one bar per listed value);
//! * `pair_density.csv` → `pair.svg`: the weighted 2-D histogram (12 × 12 bins) of the two
//!   parameters with the largest absolute weighted correlation (with two parameters or more);
//! * `fit.csv` → `fit.svg`: per target (numbered in file order), the observation and the
//!   simulated mean and 95 % interval.

use super::model::Model;
use crate::analysis::abc::{Population, Prior};
use crate::analysis::durable::write_atomic;
use crate::error::Result;
use crate::io::output::{csv_line, num};
use crate::plot::{plot_csv, PlotSpec};
use std::path::{Path, PathBuf};

const BINS: usize = 20;
const PAIR_BINS: usize = 12;

/// Draws the figures into `dir`; returns the files written.
pub(super) fn figures(dir: &Path, m: &Model, last: &Population) -> Result<Vec<PathBuf>> {
    let w = last.normalised_weights();
    let cols: Vec<Vec<f64>> = (0..m.spec.parameters.len())
        .map(|k| last.particles.iter().map(|p| p.params[k]).collect())
        .collect();
    let mut written = Vec::new();
    let mut text = csv_line(&["parameter", "value", "density"]);
    for (k, p) in m.spec.parameters.iter().enumerate() {
        for (x, d) in histogram(&p.prior, &cols[k], &w) {
            text.push_str(&csv_line(&[p.path.clone(), num(x), num(d)]));
        }
    }
    write_atomic(dir, "posterior_density.csv", text.as_bytes())?;
    for (k, p) in m.spec.parameters.iter().enumerate() {
        let mut spec = PlotSpec::new("value", "density");
        spec.filters = vec![("parameter".into(), p.path.clone())];
        spec.title = Some(format!("posterior of {}", p.path));
        let file = dir.join(format!("posterior_{}.svg", k + 1));
        plot_csv(&dir.join("posterior_density.csv"), &spec, &file)?;
        written.push(file);
    }
    if let Some((a, b)) = most_correlated(&cols, &w) {
        let (pa, pb) = (&m.spec.parameters[a], &m.spec.parameters[b]);
        let mut text = csv_line(&[pa.path.as_str(), pb.path.as_str(), "density"]);
        for (x, y, d) in pair_histogram((&pa.prior, &cols[a]), (&pb.prior, &cols[b]), &w) {
            text.push_str(&csv_line(&[num(x), num(y), num(d)]));
        }
        write_atomic(dir, "pair_density.csv", text.as_bytes())?;
        let mut spec = PlotSpec::new(pa.path.clone(), pb.path.clone());
        spec.z = Some("density".into());
        spec.title = Some("posterior density of the two most correlated parameters".into());
        let file = dir.join("pair.svg");
        plot_csv(&dir.join("pair_density.csv"), &spec, &file)?;
        written.push(file);
    }
    written.push(fit_figure(dir)?);
    Ok(written)
}

/// `fit.svg` from `fit.csv`, through a long table of (target number, series, value).
fn fit_figure(dir: &Path) -> Result<PathBuf> {
    let fit = crate::io::table::Table::read(&dir.join("fit.csv"))?;
    let mut text = csv_line(&["target", "series", "value"]);
    let series = [
        ("observed", "observed"),
        ("simulated_mean", "simulated mean"),
        ("simulated_q2_5", "simulated 2.5 %"),
        ("simulated_q97_5", "simulated 97.5 %"),
    ];
    for row in fit.all_rows() {
        for (col, name) in series {
            let c = fit.require(col)?;
            text.push_str(&csv_line(&[
                (row + 1).to_string(),
                name.to_string(),
                fit.text(row, c).to_string(),
            ]));
        }
    }
    write_atomic(dir, "fit_plot.csv", text.as_bytes())?;
    let mut spec = PlotSpec::new("target", "value");
    spec.by = Some("series".into());
    spec.title = Some("targets (numbered as in fit.csv) vs simulated".into());
    let file = dir.join("fit.svg");
    plot_csv(&dir.join("fit_plot.csv"), &spec, &file)?;
    Ok(file)
}

/// Weighted histogram of one parameter: (bin centre or listed value, density).
fn histogram(prior: &Prior, x: &[f64], w: &[f64]) -> Vec<(f64, f64)> {
    if let Prior::Values(v) = prior {
        return v
            .iter()
            .map(|&val| {
                let mass: f64 = x
                    .iter()
                    .zip(w)
                    .filter(|(a, _)| **a == val)
                    .map(|(_, b)| b)
                    .sum();
                (val, mass)
            })
            .collect();
    }
    let (lo, hi) = bounds(prior);
    let width = (hi - lo) / BINS as f64;
    let mut mass = [0.0; BINS];
    for (a, b) in x.iter().zip(w) {
        mass[bin(*a, lo, hi, BINS)] += b;
    }
    (0..BINS)
        .map(|k| (lo + (k as f64 + 0.5) * width, mass[k] / width))
        .collect()
}

/// Weighted 2-D histogram: (x centre, y centre, mass).
fn pair_histogram(a: (&Prior, &[f64]), b: (&Prior, &[f64]), w: &[f64]) -> Vec<(f64, f64, f64)> {
    let (alo, ahi) = bounds(a.0);
    let (blo, bhi) = bounds(b.0);
    let mut mass = vec![0.0; PAIR_BINS * PAIR_BINS];
    for ((x, y), wi) in a.1.iter().zip(b.1).zip(w) {
        mass[bin(*x, alo, ahi, PAIR_BINS) * PAIR_BINS + bin(*y, blo, bhi, PAIR_BINS)] += wi;
    }
    let centre = |lo: f64, hi: f64, k: usize| lo + (k as f64 + 0.5) * (hi - lo) / PAIR_BINS as f64;
    (0..PAIR_BINS * PAIR_BINS)
        .map(|c| {
            let (i, j) = (c / PAIR_BINS, c % PAIR_BINS);
            (centre(alo, ahi, i), centre(blo, bhi, j), mass[c])
        })
        .collect()
}

fn bounds(p: &Prior) -> (f64, f64) {
    match p {
        Prior::Uniform { low, high } | Prior::LogUniform { low, high } => (*low, *high),
        Prior::Values(v) => (
            v.iter().copied().fold(f64::INFINITY, f64::min),
            v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ),
    }
}

fn bin(x: f64, lo: f64, hi: f64, bins: usize) -> usize {
    if hi <= lo {
        return 0;
    }
    (((x - lo) / (hi - lo) * bins as f64) as usize).min(bins - 1)
}

/// The pair of parameters with the largest absolute weighted correlation (first pair on ties).
fn most_correlated(cols: &[Vec<f64>], w: &[f64]) -> Option<(usize, usize)> {
    let mean = |x: &[f64]| x.iter().zip(w).map(|(a, b)| a * b).sum::<f64>();
    let mut best: Option<(usize, usize, f64)> = None;
    for a in 0..cols.len() {
        for b in a + 1..cols.len() {
            let (ma, mb) = (mean(&cols[a]), mean(&cols[b]));
            let mut sab = 0.0;
            let mut saa = 0.0;
            let mut sbb = 0.0;
            for k in 0..w.len() {
                let (da, db) = (cols[a][k] - ma, cols[b][k] - mb);
                sab += w[k] * da * db;
                saa += w[k] * da * da;
                sbb += w[k] * db * db;
            }
            let r = if saa > 0.0 && sbb > 0.0 {
                (sab / (saa * sbb).sqrt()).abs()
            } else {
                0.0
            };
            if best.is_none_or(|x| r > x.2) {
                best = Some((a, b, r));
            }
        }
    }
    best.map(|(a, b, _)| (a, b))
}
