//! `points.csv` from `runs.csv`: interval estimates per point, rule set and issue, computed in one
//! pass holding one point at a time. Besides its sibling parts it may import only
//! `analysis::stats`, `error` and `io`.

use super::columns::POINT_COLUMNS;
use crate::analysis::stats;
use crate::error::{RegimeError, Result};
use crate::io::output::{csv_line, num, CsvBytes};
use std::fs;
use std::path::Path;

/// Per rule set and issue of one point.
struct Group {
    key: (Vec<u8>, Vec<u8>),
    axes: Vec<String>,
    emerged: u64,
    survival: Vec<stats::Survival>,
    cooperation: Vec<f64>,
    member_share: Vec<f64>,
}

/// Computes `points.csv` from `runs.csv` in one pass (rows of a point are contiguous, so only
/// one point is held at a time). Returns the number of rows written. The emergence probability
/// has a Wilson 95% interval; the median time to emergence is Kaplan-Meier with runs without a
/// regime censored at their last round (empty when the median is not reached); cooperation and
/// final member share are means with normal 95% intervals.
pub fn points_from_runs(runs: &Path, points: &Path) -> Result<u64> {
    let file = fs::File::open(runs).map_err(|source| RegimeError::ReadInput {
        path: runs.to_path_buf(),
        source,
    })?;
    let mut rdr =
        csv::ReaderBuilder::new().from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let cols = RunColumns::find(runs, &mut rdr)?;
    let head = cols.points_header();
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut out = CsvBytes::create(points.to_path_buf(), &head)?;
    let mut written = 0;
    let mut current: Option<Vec<u8>> = None;
    let mut groups: Vec<Group> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_err(runs, e.to_string()))?
    {
        let point = rec.get(cols.point).unwrap_or(b"");
        if current.as_deref() != Some(point) {
            if let Some(p) = current.take() {
                written += write_point(&mut out, &p, &mut groups)?;
            }
            current = Some(point.to_vec());
        }
        cols.add_run(runs, &rec, &mut groups)?;
    }
    if let Some(p) = current.take() {
        written += write_point(&mut out, &p, &mut groups)?;
    }
    out.flush()?;
    Ok(written)
}

/// A problem with `runs.csv`.
fn csv_err(path: &Path, message: String) -> RegimeError {
    RegimeError::Csv {
        path: path.to_path_buf(),
        message,
    }
}

/// Where the columns that `points.csv` needs are in `runs.csv`.
struct RunColumns {
    header: Vec<String>,
    point: usize,
    rule_set: usize,
    issue: usize,
    emerged: usize,
    emergence_round: usize,
    rounds: usize,
    cooperation: usize,
    member_share: usize,
    /// The axis columns: those between `rule_set` and `issue`.
    axes: Vec<usize>,
}

impl RunColumns {
    /// Reads the header of `runs.csv` (at `runs`, for messages).
    fn find<R: std::io::Read>(runs: &Path, rdr: &mut csv::Reader<R>) -> Result<RunColumns> {
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
        let (point, rule_set, issue) = (col("point")?, col("rule_set")?, col("issue")?);
        let (emerged, emergence_round, rounds) =
            (col("emerged")?, col("emergence_round")?, col("rounds")?);
        let (cooperation, member_share) = (col("mean_cooperation")?, col("final_member_share")?);
        if issue < rule_set {
            return Err(csv_err(runs, "`issue` must come after `rule_set`".into()));
        }
        Ok(RunColumns {
            axes: (rule_set + 1..issue).collect(),
            header,
            point,
            rule_set,
            issue,
            emerged,
            emergence_round,
            rounds,
            cooperation,
            member_share,
        })
    }

    /// The header of `points.csv`: `point, rule_set, <axes>, issue`, then [`POINT_COLUMNS`].
    fn points_header(&self) -> Vec<String> {
        let mut head: Vec<String> = vec!["point".into(), "rule_set".into()];
        head.extend(self.axes.iter().map(|&c| self.header[c].clone()));
        head.push("issue".into());
        head.extend(POINT_COLUMNS.iter().map(|s| s.to_string()));
        head
    }

    /// Adds one run (a row of `runs.csv`) to the group of its rule set and issue.
    fn add_run(&self, runs: &Path, rec: &csv::ByteRecord, groups: &mut Vec<Group>) -> Result<()> {
        let key = (
            rec.get(self.rule_set).unwrap_or(b"").to_vec(),
            rec.get(self.issue).unwrap_or(b"").to_vec(),
        );
        let i = match groups.iter().position(|g| g.key == key) {
            Some(i) => i,
            None => {
                groups.push(Group {
                    key,
                    axes: self
                        .axes
                        .iter()
                        .map(|&c| String::from_utf8_lossy(rec.get(c).unwrap_or(b"")).to_string())
                        .collect(),
                    emerged: 0,
                    survival: Vec::new(),
                    cooperation: Vec::new(),
                    member_share: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        let number = |c: usize, what: &str| number(runs, rec, c, what);
        let emerged = number(self.emerged, "emerged")?.unwrap_or(0.0) > 0.0;
        let rounds = number(self.rounds, "rounds")?.unwrap_or(0.0);
        let survival = match (emerged, number(self.emergence_round, "emergence_round")?) {
            (true, Some(t)) => stats::Survival::event(t),
            _ => stats::Survival::censored(rounds),
        };
        g.emerged += emerged as u64;
        g.survival.push(survival);
        g.cooperation
            .push(number(self.cooperation, "mean_cooperation")?.unwrap_or(f64::NAN));
        g.member_share
            .push(number(self.member_share, "final_member_share")?.unwrap_or(f64::NAN));
        Ok(())
    }
}

/// The number in column `c` (`what`) of a row of `runs`; `None` when the cell is empty.
fn number(runs: &Path, rec: &csv::ByteRecord, c: usize, what: &str) -> Result<Option<f64>> {
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
}

/// Writes the rows of one point (one per rule set and issue, in order of appearance) and
/// empties `groups`. Returns the number of rows written.
fn write_point(out: &mut CsvBytes, point: &[u8], groups: &mut Vec<Group>) -> Result<u64> {
    let point = String::from_utf8_lossy(point).to_string();
    let mut written = 0;
    for g in groups.drain(..) {
        out.write(csv_line(&point_row(&point, g)).as_bytes())?;
        written += 1;
    }
    Ok(written)
}

/// The row of one rule set and issue of a point: runs, emergences, the emergence probability
/// with its Wilson interval, the Kaplan-Meier median time to emergence, and mean cooperation
/// and final member share with their normal intervals.
fn point_row(point: &str, g: Group) -> Vec<String> {
    let n = g.cooperation.len() as u64;
    let (lo, hi) = stats::wilson_interval(g.emerged, n, stats::Z95);
    let coop = stats::mean_ci(&g.cooperation);
    let share = stats::mean_ci(&g.member_share);
    let mut row = vec![
        point.to_string(),
        String::from_utf8_lossy(&g.key.0).to_string(),
    ];
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
    row
}
