//! Resource estimates made from the resolved scenario before anything is allocated: the memory
//! of the worlds and run states in flight, of the recorded rows waiting to be written and of the
//! bookkeeping per run, and the rows and bytes written. A command checks them against
//! [`Limits`] (`--max-memory`, `--max-output`) and refuses, saying what is too large and how to
//! shrink it, instead of running out of memory or disk hours later.
//!
//! The figures are deliberately generous upper estimates (bytes per state, edge and row measured
//! on the shipped scenarios, rounded up); they never change what a run computes.

use super::experiment::BATCH;
use crate::error::{RegimeError, Result};
use crate::io::output::{STATE_ROWS_IN_MEMORY, STATE_ROW_BYTES_IN_MEMORY};
use crate::model::{Scenario, TopologyKind};
use std::path::Path;

/// Bytes of a state in a world and its run state, and per issue.
const STATE_BYTES: f64 = 512.0;
const STATE_ISSUE_BYTES: f64 = 256.0;
/// Bytes of an edge (pair of states) in a world and its run state, and per issue (measured:
/// about 80 bytes per edge with 8 issues, on the world scenario with 3,000 states; rounded up
/// to 192).
const EDGE_BYTES: f64 = 64.0;
const EDGE_ISSUE_BYTES: f64 = 16.0;
/// Bytes of a recorded row in memory, and of a written CSV row.
const ROW_BYTES: f64 = 160.0;
const CSV_ROW_BYTES: f64 = 200.0;
/// Bytes of bookkeeping per run (its place in the schedule, its paired summary per issue).
const RUN_BYTES: f64 = 32.0;
const RUN_ISSUE_BYTES: f64 = 96.0;
/// Bytes of one state's value on one issue kept per run by the analyses (membership, value).
const STATE_VALUE_BYTES: f64 = 16.0;
/// `--max-memory` when the machine's memory cannot be read.
const FALLBACK_MEMORY: u64 = 8 << 30;

/// What a command may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of memory (`--max-memory`; default half of `MemTotal` in `/proc/meminfo`).
    pub max_memory: u64,
    /// Bytes of output (`--max-output`; default the free space where the outputs go).
    pub max_output: u64,
}

impl Limits {
    /// The limits given, with the machine's defaults for those not given.
    pub fn with_defaults(memory: Option<u64>, output: Option<u64>, out_dir: &Path) -> Limits {
        Limits {
            max_memory: memory.unwrap_or_else(default_max_memory),
            max_output: output.unwrap_or_else(|| free_space(out_dir).unwrap_or(u64::MAX)),
        }
    }
}

/// Half of the machine's memory (`MemTotal` in `/proc/meminfo`), or 8 GiB where absent.
pub fn default_max_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            let line = t.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib.saturating_mul(1024) / 2)
        })
        .unwrap_or(FALLBACK_MEMORY)
}

/// Free bytes on the file system of `dir` (or of its nearest existing ancestor).
fn free_space(dir: &Path) -> Option<u64> {
    let mut at = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    while !at.exists() {
        at = match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
    }
    free_bytes(at)
}

#[cfg(unix)]
fn free_bytes(at: &Path) -> Option<u64> {
    let s = rustix::fs::statvfs(at).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_: &Path) -> Option<u64> {
    None
}

/// The sizes a command will reach, estimated before it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The scenario's source, named in messages.
    pub scenario: String,
    /// States per world.
    pub states: f64,
    /// Edges (pairs that play) per world, expected.
    pub edges: f64,
    /// Runs in all.
    pub runs: f64,
    /// Peak memory in bytes.
    pub memory: f64,
    /// CSV rows written.
    pub rows: f64,
    /// Bytes written.
    pub output: f64,
}

/// The sizes of one world of the scenario: states, edges and the bytes of one world with its
/// run state.
fn world_size(s: &Scenario) -> (f64, f64, f64) {
    let n = s.state_count() as f64;
    let pairs = n * (n - 1.0) / 2.0;
    let t = &s.topology;
    let edges = match t.kind {
        TopologyKind::Complete | TopologyKind::Regional => pairs,
        TopologyKind::Random => t.probability.unwrap_or(1.0) * pairs,
        TopologyKind::ScaleFree => t.links_per_node.unwrap_or(1) as f64 * n,
        TopologyKind::Lattice => 5.0 * n,
        TopologyKind::EdgeList => s.edges.len() as f64,
    };
    let issues = s.issues.len() as f64;
    let bytes = n * (STATE_BYTES + issues * STATE_ISSUE_BYTES)
        + edges * (EDGE_BYTES + issues * EDGE_ISSUE_BYTES);
    (n, edges, bytes)
}

/// Groups of the scenario's states (timeseries rows are per group and for all).
fn groups(s: &Scenario) -> f64 {
    let mut g: Vec<&str> = s.states.fixed.iter().map(|x| x.group.as_str()).collect();
    g.extend(s.states.blocs.iter().map(|b| b.group.as_str()));
    g.sort_unstable();
    g.dedup();
    g.len() as f64
}

/// `regime run` and `compare`: `reps` replicates under `rule_sets` rule sets on `threads`
/// threads, with or without negotiations.csv.
pub fn estimate_runs(
    s: &Scenario,
    rule_sets: usize,
    reps: u64,
    negotiations: bool,
    threads: usize,
) -> Estimate {
    let (states, edges, world) = world_size(s);
    let issues = s.issues.len() as f64;
    let rounds = s.rounds as f64;
    let runs = reps as f64 * rule_sets as f64;
    let mut rows_per_run = rounds * issues * (groups(s) + 1.0) + states * issues;
    if negotiations {
        let negotiations = rounds / s.regime.negotiation_interval as f64 + 1.0;
        rows_per_run += negotiations * states * issues;
    }
    let in_flight = runs.min(BATCH as f64);
    // the text of `states.csv` being encoded: at most a window of rows
    let state_rows = (states * issues).min(STATE_ROWS_IN_MEMORY as f64);
    let state_text = state_rows * STATE_ROW_BYTES_IN_MEMORY as f64;
    let memory = threads.max(1) as f64 * world
        + in_flight * rows_per_run * ROW_BYTES
        + state_text
        + runs * (RUN_BYTES + issues * RUN_ISSUE_BYTES);
    let rows = runs * rows_per_run;
    Estimate {
        scenario: s.source.clone(),
        states,
        edges,
        runs,
        memory,
        rows,
        output: rows * CSV_ROW_BYTES,
    }
}

/// `regime calibrate`, `hypotheses` and `validate-targets`: `runs` runs held at once on
/// `threads` threads, each kept as a summary per issue and a value per state and issue (no
/// recorded rows), and `rows` small CSV rows written.
pub fn estimate_analysis(s: &Scenario, runs: u64, rows: u64, threads: usize) -> Estimate {
    let (states, edges, world) = world_size(s);
    let issues = s.issues.len() as f64;
    let runs = runs as f64;
    let per_run = RUN_BYTES + issues * (RUN_ISSUE_BYTES + states * STATE_VALUE_BYTES);
    Estimate {
        scenario: s.source.clone(),
        states,
        edges,
        runs,
        memory: threads.max(1) as f64 * world + runs * per_run,
        rows: rows as f64,
        output: rows as f64 * CSV_ROW_BYTES,
    }
}

/// `regime sweep`: `points` points x `rule_sets` rule sets x `reps` replicates, one runs.csv
/// row per run and issue (points.csv is smaller).
pub fn estimate_sweep(
    s: &Scenario,
    points: u64,
    rule_sets: usize,
    reps: u64,
    threads: usize,
) -> Estimate {
    let (states, edges, world) = world_size(s);
    let issues = s.issues.len() as f64;
    let runs = points as f64 * rule_sets as f64 * reps as f64;
    let rows = runs * issues;
    Estimate {
        scenario: s.source.clone(),
        states,
        edges,
        runs,
        memory: threads.max(1) as f64 * world + BATCH as f64 * issues * ROW_BYTES,
        rows,
        output: rows * CSV_ROW_BYTES,
    }
}

/// `regime sweep` of the scenario's own `[sweep]` table (`None` without one), whole (all
/// shards).
pub fn estimate_scenario_sweep(s: &Scenario, threads: usize) -> Result<Option<(u64, Estimate)>> {
    if crate::io::scenario::sweep_table(&s.text).is_none() {
        return Ok(None);
    }
    let spec = super::sweep::SweepSpec::from_scenario(s)?;
    let replicates = spec.replicates;
    let rule_sets = spec
        .rule_set_axis
        .as_ref()
        .map_or(s.rule_sets.len(), Vec::len);
    let points = super::sweep::Plan::new(spec, s.seed)?.points();
    let estimate = estimate_sweep(s, points, rule_sets, replicates, threads);
    Ok(Some((points, estimate)))
}

impl Estimate {
    /// Comment lines for `regime validate`.
    pub fn describe(&self, what: &str, limits: &Limits) -> String {
        format!(
            "# estimate for {what}: {} runs of {} states and {} edges; memory about {} \
             (--max-memory {}), output about {} in {} rows (--max-output {})\n",
            count(self.runs),
            count(self.states),
            count(self.edges),
            bytes(self.memory),
            bytes(limits.max_memory as f64),
            bytes(self.output),
            count(self.rows),
            bytes(limits.max_output as f64),
        )
    }

    /// Refuses a command whose estimate exceeds the limits, saying what is too large and how
    /// to shrink it.
    pub fn check(&self, limits: &Limits) -> Result<()> {
        if self.memory > limits.max_memory as f64 {
            return Err(RegimeError::TooLarge {
                scenario: self.scenario.clone(),
                what: format!(
                    "about {} of memory ({} states and {} edges per world, {} runs)",
                    bytes(self.memory),
                    count(self.states),
                    count(self.edges),
                    count(self.runs)
                ),
                limit: format!("--max-memory {}", bytes(limits.max_memory as f64)),
                advice: "fewer states (blocs count), a sparser topology, fewer rounds, \
                         replicates or rule sets, no --negotiations; or raise --max-memory"
                    .into(),
            });
        }
        if self.output > limits.max_output as f64 {
            return Err(RegimeError::TooLarge {
                scenario: self.scenario.clone(),
                what: format!(
                    "about {} of output ({} rows from {} runs)",
                    bytes(self.output),
                    count(self.rows),
                    count(self.runs)
                ),
                limit: format!(
                    "--max-output {} (default: the free disk space)",
                    bytes(limits.max_output as f64)
                ),
                advice: "fewer replicates, rounds, points or rule sets; or raise --max-output"
                    .into(),
            });
        }
        Ok(())
    }
}

/// A count for messages: exact below a million, else in scientific notation.
fn count(x: f64) -> String {
    if x < 1e6 {
        format!("{x:.0}")
    } else {
        format!("{x:.1e}")
    }
}

/// Bytes for messages, in binary units.
pub fn bytes(x: f64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = x;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} B")
    } else if v < 1e4 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.1e} {}", UNITS[unit])
    }
}

/// Parses a size such as `8G`, `512M`, `1.5GiB` or `1000000` (bytes), in binary units.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => {
            return Err(format!(
                "expected a size such as 8G or 512M, found `{text}`"
            ))
        }
    };
    let x: f64 = number
        .parse()
        .map_err(|_| format!("expected a size such as 8G or 512M, found `{text}`"))?;
    let b = x * scale as f64;
    if !(b >= 1.0 && b < u64::MAX as f64) {
        return Err(format!(
            "expected a size from 1 byte to 16 EiB, found `{text}`"
        ));
    }
    Ok(b as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_size("8G"), Ok(8 << 30));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("8X").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("1e30").is_err());
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GiB");
    }

    #[test]
    fn a_complete_world_of_a_million_states_is_refused() {
        let mut s = crate::io::scenario::load_default(&[]).unwrap();
        let limits = Limits {
            max_memory: 8 << 30,
            max_output: 1 << 40,
        };
        assert!(estimate_runs(&s, 2, 2, false, 2).check(&limits).is_ok());
        s.states.blocs[0].count = 1_000_000;
        let e = estimate_runs(&s, 2, 2, false, 2)
            .check(&limits)
            .unwrap_err();
        assert!(e.to_string().contains("of memory"), "{e}");
        assert!(e.to_string().contains("--max-memory"), "{e}");
    }
}
