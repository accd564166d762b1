//! `points.csv` from `runs.csv`: interval estimates per point, rule set and issue, computed in
//! one pass holding one point at a time. Imports only `analysis::stats`, `error` and `io`.

use super::columns::POINT_COLUMNS;
use crate::analysis::stats;
use crate::error::{RegimeError, Result};
use crate::io::output::csv_line;
use crate::io::output::num;
use std::fs;
use std::io::Write;
use std::path::Path;

/// Per rule set and issue of one point.
pub(super) struct Group {
    pub(super) key: (Vec<u8>, Vec<u8>),
    pub(super) axes: Vec<String>,
    pub(super) emerged: u64,
    pub(super) survival: Vec<stats::Survival>,
    pub(super) cooperation: Vec<f64>,
    pub(super) member_share: Vec<f64>,
}

/// Computes `points.csv` from `runs.csv` in one pass (rows of a point are contiguous, so only
/// one point is held at a time). Returns the number of rows written. The emergence probability
/// has a Wilson 95% interval; the median time to emergence is Kaplan-Meier with runs without a
/// regime censored at their last round (empty when the median is not reached); cooperation and
/// final member share are means with normal 95% intervals.
pub fn points_from_runs(runs: &Path, points: &Path) -> Result<u64> {
    let csv_err = |path: &Path, message: String| RegimeError::Csv {
        path: path.to_path_buf(),
        message,
    };
    let file = fs::File::open(runs).map_err(|source| RegimeError::ReadInput {
        path: runs.to_path_buf(),
        source,
    })?;
    let mut rdr =
        csv::ReaderBuilder::new().from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_err(runs, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| csv_err(runs, format!("missing column `{name}`")))
    };
    let (c_point, c_rule_set, c_issue) = (col("point")?, col("rule_set")?, col("issue")?);
    let (c_emerged, c_round, c_rounds) = (col("emerged")?, col("emergence_round")?, col("rounds")?);
    let (c_coop, c_share) = (col("mean_cooperation")?, col("final_member_share")?);
    if c_issue < c_rule_set {
        return Err(csv_err(runs, "`issue` must come after `rule_set`".into()));
    }
    let axis_cols: Vec<usize> = (c_rule_set + 1..c_issue).collect();
    let mut head: Vec<String> = vec!["point".into(), "rule_set".into()];
    head.extend(axis_cols.iter().map(|&c| header[c].clone()));
    head.push("issue".into());
    head.extend(POINT_COLUMNS.iter().map(|s| s.to_string()));
    let out_file = fs::File::create(points).map_err(|source| RegimeError::Write {
        path: points.to_path_buf(),
        source,
    })?;
    let mut out = std::io::BufWriter::new(out_file);
    let write_err = |source| RegimeError::Write {
        path: points.to_path_buf(),
        source,
    };
    out.write_all(csv_line(&head).as_bytes())
        .map_err(write_err)?;
    let mut current: Option<Vec<u8>> = None;
    let mut groups: Vec<Group> = Vec::new();
    let mut written = 0;
    let mut flush = |point: &[u8],
                     groups: &mut Vec<Group>,
                     out: &mut std::io::BufWriter<fs::File>|
     -> Result<()> {
        let point = String::from_utf8_lossy(point).to_string();
        for g in groups.drain(..) {
            let n = g.cooperation.len() as u64;
            let (lo, hi) = stats::wilson_interval(g.emerged, n, stats::Z95);
            let coop = stats::mean_ci(&g.cooperation);
            let share = stats::mean_ci(&g.member_share);
            let mut row = vec![point.clone(), String::from_utf8_lossy(&g.key.0).to_string()];
            row.extend(g.axes);
            row.push(String::from_utf8_lossy(&g.key.1).to_string());
            row.extend([
                n.to_string(),
                g.emerged.to_string(),
                num(g.emerged as f64 / n.max(1) as f64),
                num(lo),
                num(hi),
                stats::km_median(&g.survival).map(num).unwrap_or_default(),
                num(coop.0),
                num(coop.1),
                num(coop.2),
                num(share.0),
                num(share.1),
                num(share.2),
            ]);
            out.write_all(csv_line(&row).as_bytes())
                .map_err(|source| RegimeError::Write {
                    path: points.to_path_buf(),
                    source,
                })?;
            written += 1;
        }
        Ok(())
    };
    let mut rec = csv::ByteRecord::new();
    let number = |rec: &csv::ByteRecord, c: usize, what: &str| -> Result<Option<f64>> {
        let cell = rec.get(c).unwrap_or(b"");
        if cell.is_empty() {
            return Ok(None);
        }
        std::str::from_utf8(cell)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .map(Some)
            .ok_or_else(|| {
                let line = rec.position().map(|p| p.line()).unwrap_or(0);
                csv_err(
                    runs,
                    format!(
                        "line {line}: column `{what}` is not a number: {}",
                        String::from_utf8_lossy(cell)
                    ),
                )
            })
    };
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_err(runs, e.to_string()))?
    {
        let point = rec.get(c_point).unwrap_or(b"");
        if current.as_deref() != Some(point) {
            if let Some(p) = current.take() {
                flush(&p, &mut groups, &mut out)?;
            }
            current = Some(point.to_vec());
        }
        let key = (
            rec.get(c_rule_set).unwrap_or(b"").to_vec(),
            rec.get(c_issue).unwrap_or(b"").to_vec(),
        );
        let g = match groups.iter().position(|g| g.key == key) {
            Some(i) => &mut groups[i],
            None => {
                groups.push(Group {
                    key,
                    axes: axis_cols
                        .iter()
                        .map(|&c| String::from_utf8_lossy(rec.get(c).unwrap_or(b"")).to_string())
                        .collect(),
                    emerged: 0,
                    survival: Vec::new(),
                    cooperation: Vec::new(),
                    member_share: Vec::new(),
                });
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        let emerged = number(&rec, c_emerged, "emerged")?.unwrap_or(0.0) > 0.0;
        let rounds = number(&rec, c_rounds, "rounds")?.unwrap_or(0.0);
        let survival = match (emerged, number(&rec, c_round, "emergence_round")?) {
            (true, Some(t)) => stats::Survival::event(t),
            _ => stats::Survival::censored(rounds),
        };
        g.emerged += emerged as u64;
        g.survival.push(survival);
        g.cooperation
            .push(number(&rec, c_coop, "mean_cooperation")?.unwrap_or(f64::NAN));
        g.member_share
            .push(number(&rec, c_share, "final_member_share")?.unwrap_or(f64::NAN));
    }
    if let Some(p) = current.take() {
        flush(&p, &mut groups, &mut out)?;
    }
    out.flush().map_err(write_err)?;
    Ok(written)
}
