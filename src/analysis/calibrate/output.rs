//! The files of a calibration: the rows of `particles.csv` (and of `draws.csv` for rejection)
//! and reading them back on `--resume`, `posterior.csv`, `fit.csv` and `calibrated.toml`.
//! Besides its sibling parts it may import only `io`, `error` and `analysis::abc`.

use super::model::Model;
use crate::analysis::abc::{weighted_summary, Particle, Population, Prior};
use crate::analysis::durable::write_atomic;
use crate::error::{RegimeError, Result};
use crate::io::output::{csv_line, num};
use crate::io::table::Table;
use std::path::Path;

/// The columns before the parameters and statistics.
pub(super) const ID_COLUMNS: [&str; 6] = [
    "generation",
    "particle",
    "weight",
    "distance",
    "tolerance",
    "simulations",
];

/// The header of `particles.csv` and `draws.csv`: ids, one column per parameter (its path),
/// one per target (its name).
pub(super) fn header(m: &Model) -> String {
    let cols: Vec<&str> = ID_COLUMNS
        .into_iter()
        .chain(m.spec.parameters.iter().map(|p| p.path.as_str()))
        .chain(m.spec.targets.iter().map(|t| t.name.as_str()))
        .collect();
    csv_line(&cols)
}

/// The row of particle `i` of generation `g` (tolerance empty when infinite).
pub(super) fn row(g: u64, i: u64, tolerance: f64, p: &Particle) -> String {
    let mut f = vec![
        g.to_string(),
        i.to_string(),
        num(p.weight),
        num(p.distance),
        num(tolerance),
        p.simulations.to_string(),
    ];
    f.extend(p.params.iter().map(|&x| num(x)));
    f.extend(p.stats.iter().map(|&x| num(x)));
    csv_line(&f)
}

/// Reads the committed rows of a streamed file back into generations (the last may be
/// incomplete). Numbers are written in their shortest exact form, so the particles read back
/// are bit for bit those that were computed.
pub(super) fn read_back(path: &Path, m: &Model) -> Result<Vec<Population>> {
    let t = Table::read(path)?;
    let (np, nt) = (m.spec.parameters.len(), m.spec.targets.len());
    if t.headers().len() != ID_COLUMNS.len() + np + nt {
        return Err(t.error("the columns of this calibration"));
    }
    let mut pops: Vec<Population> = Vec::new();
    for row in t.all_rows() {
        let n = |c: usize| t.required_number(row, c);
        let g = n(0)? as u64;
        let tolerance = t.number(row, 4)?.unwrap_or(f64::INFINITY);
        let col = |k: usize| n(ID_COLUMNS.len() + k);
        let particle = Particle {
            weight: n(2)?,
            distance: n(3)?,
            simulations: n(5)? as u64,
            params: (0..np).map(col).collect::<Result<_>>()?,
            stats: (np..np + nt).map(col).collect::<Result<_>>()?,
        };
        if pops.last().map(|p| p.generation) != Some(g) {
            pops.push(Population {
                generation: g,
                tolerance,
                particles: Vec::new(),
            });
        }
        if let Some(p) = pops.last_mut() {
            p.particles.push(particle);
        }
    }
    Ok(pops)
}

/// Writes `particles.csv` of a rejection fit: the accepted draws.
pub(super) fn write_particles(
    dir: &Path,
    m: &Model,
    accepted: &Population,
    index: &[u64],
) -> Result<()> {
    let mut text = header(m);
    for (p, &i) in accepted.particles.iter().zip(index) {
        text.push_str(&row(accepted.generation, i, accepted.tolerance, p));
    }
    write_atomic(dir, "particles.csv", text.as_bytes())
}

/// `posterior.csv`: per parameter, its prior and the weighted mean, median, sd and 95 %
/// interval of the final population. Returns the medians (the calibrated point).
pub(super) fn write_posterior(dir: &Path, m: &Model, last: &Population) -> Result<Vec<f64>> {
    let w = last.normalised_weights();
    let mut text = csv_line(&[
        "parameter",
        "prior",
        "prior_low",
        "prior_high",
        "mean",
        "median",
        "sd",
        "q2_5",
        "q97_5",
    ]);
    let mut medians = Vec::new();
    for (k, p) in m.spec.parameters.iter().enumerate() {
        let x: Vec<f64> = last.particles.iter().map(|q| q.params[k]).collect();
        let s = weighted_summary(&x, &w);
        let (lo, hi) = match &p.prior {
            Prior::Uniform { low, high } | Prior::LogUniform { low, high } => (*low, *high),
            Prior::Values(v) => (
                v.iter().copied().fold(f64::INFINITY, f64::min),
                v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ),
        };
        text.push_str(&csv_line(&[
            p.path.clone(),
            p.prior.kind().to_string(),
            num(lo),
            num(hi),
            num(s.mean),
            num(s.median),
            num(s.sd),
            num(s.low),
            num(s.high),
        ]));
        medians.push(s.median);
    }
    write_atomic(dir, "posterior.csv", text.as_bytes())?;
    Ok(medians)
}

/// `fit.csv`: per target, the observation and the weighted mean and 95 % interval of the final
/// population's statistics (each a mean over the particle's replicates).
pub(super) fn write_fit(dir: &Path, m: &Model, last: &Population) -> Result<()> {
    let w = last.normalised_weights();
    let mut text = csv_line(&[
        "target",
        "statistic",
        "issue",
        "observed",
        "scale",
        "weight",
        "simulated_mean",
        "simulated_q2_5",
        "simulated_q97_5",
        "scaled_deviation",
    ]);
    for (k, t) in m.spec.targets.iter().enumerate() {
        let x: Vec<f64> = last.particles.iter().map(|q| q.stats[k]).collect();
        let s = weighted_summary(&x, &w);
        text.push_str(&csv_line(&[
            t.name.clone(),
            t.statistic.name().to_string(),
            t.issue_name.clone(),
            num(t.observed),
            num(t.scale),
            num(t.weight),
            num(s.mean),
            num(s.low),
            num(s.high),
            num((s.mean - t.observed) / t.scale),
        ]));
    }
    write_atomic(dir, "fit.csv", text.as_bytes())
}

/// `calibrated.toml`: the scenario text with every parameter set to its posterior median,
/// after comment lines that say so; checked by resolving it again.
pub(super) fn write_calibrated(dir: &Path, m: &Model, medians: &[f64], seed: u64) -> Result<()> {
    let sets: Vec<String> = m
        .spec
        .parameters
        .iter()
        .zip(medians)
        .map(|(p, &x)| p.set(x))
        .collect();
    let body = crate::io::scenario::apply_sets(&m.base.text, &sets)?;
    m.scenario(medians).map_err(|e| {
        RegimeError::argument(
            "calibrate",
            "a posterior median that gives a valid scenario",
            e.to_string(),
        )
    })?;
    let mut text = format!(
        "# calibrated by `regime calibrate` (seed {seed}) from {}: every parameter of\n\
         # [calibrate.parameters] is set to its weighted posterior median (posterior.csv).\n\
         # Relative paths (states_file, topology.file, target files) are those of the input: keep this\n\
         # file beside it. Re-run the fit with `regime calibrate` on this file.\n",
        m.base.source
    );
    for s in &sets {
        text.push_str(&format!("#   {s}\n"));
    }
    text.push_str(&body);
    write_atomic(dir, "calibrated.toml", text.as_bytes())
}
