//! Output files: tidy CSVs and the manifest (docs/outputs.md), written into a temporary directory that
//! is renamed into place only when complete, so no half-written output is ever left behind.

use crate::engine::sim::{Event, RunOutput, StateRow};
use crate::engine::tournament::Tournament;
use crate::error::{RegimeError, Result};
use crate::io::scenario::Scenario;
use rayon::prelude::*;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// An output directory being written: files go to a hidden temporary sibling, which
/// [`OutputDir::commit`] renames to the final name. Dropped without commit, it is removed.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    tmp: PathBuf,
    force: bool,
    committed: bool,
}

impl OutputDir {
    /// Prepares `target`. Fails if it exists and `force` is false.
    pub fn create(target: &Path, force: bool) -> Result<OutputDir> {
        if target.exists() && !force {
            return Err(RegimeError::OutputExists(target.to_path_buf()));
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "out".into());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|source| RegimeError::Write {
            path: parent.clone(),
            source,
        })?;
        remove_stale_temporaries(&parent);
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            let _ = fs::remove_dir_all(&tmp);
        }
        fs::create_dir(&tmp).map_err(|source| RegimeError::Write {
            path: tmp.clone(),
            source,
        })?;
        Ok(OutputDir {
            target: target.to_path_buf(),
            tmp,
            force,
            committed: false,
        })
    }

    /// Path of a file inside the (temporary) directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// The temporary directory (figures are drawn here before commit).
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// The final directory.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished directory into place.
    pub fn commit(mut self) -> Result<PathBuf> {
        if self.target.exists() {
            if !self.force {
                return Err(RegimeError::OutputExists(self.target.clone()));
            }
            fs::remove_dir_all(&self.target).map_err(|source| RegimeError::Write {
                path: self.target.clone(),
                source,
            })?;
        }
        fs::rename(&self.tmp, &self.target).map_err(|source| RegimeError::Write {
            path: self.target.clone(),
            source,
        })?;
        self.committed = true;
        Ok(self.target.clone())
    }
}

/// How long a temporary output directory must have been left untouched before it counts as
/// stale (a guard for directories on a shared filesystem, written by a process on another host).
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Removes the temporary output directories (`.NAME.tmp-PID`) that a killed process left in
/// `parent`: those whose process no longer runs on this machine and that nobody has touched for
/// ten minutes (`STALE_AFTER`). Where the process table cannot be read (no `/proc`), nothing is removed.
/// Returns how many were removed.
pub fn remove_stale_temporaries(parent: &Path) -> usize {
    let proc_fs = Path::new("/proc/self");
    if !proc_fs.exists() {
        return 0;
    }
    let Ok(entries) = fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temporary_owner(&name) else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        let idle = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if !alive && idle && entry.path().is_dir() && fs::remove_dir_all(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The process id in a temporary output directory's name `.NAME.tmp-PID`.
fn temporary_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, pid) = rest.rsplit_once(".tmp-")?;
    pid.parse().ok()
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Formats a number in plain decimal (Rust never uses an exponent in `Display` for floats).
/// Non-finite values are written as empty cells.
pub fn num(x: f64) -> String {
    let mut s = String::new();
    push_num(&mut s, x);
    s
}

/// Appends [`num`]`(x)` to `buf` (no allocation of its own: rows of many cells reuse buffers).
pub fn push_num(buf: &mut String, x: f64) {
    use std::fmt::Write;
    if !x.is_finite() {
        return;
    }
    if x == 0.0 {
        buf.push('0');
    } else if x.fract() == 0.0 && x.abs() < INTEGER_EXACT {
        // the same digits as `Display` (a whole f64 prints without a point), without the
        // shortest-representation search: scores with whole payoffs are whole
        let _ = write!(buf, "{}", x as i64);
    } else {
        let _ = write!(buf, "{x}");
    }
}

/// Whole numbers below this magnitude convert to `i64` exactly (2^53: every integer of that
/// size is an f64).
const INTEGER_EXACT: f64 = 9_007_199_254_740_992.0;

/// Formats an optional number; `None` is an empty cell.
pub fn opt_num(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

/// `fields` encoded as [`Csv::row`] writes them (quoted where needed, comma-separated,
/// ending in a newline).
pub fn encode_fields(fields: &[&str]) -> Vec<u8> {
    // a small buffer: the default 8 KiB would be allocated and zeroed per call
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .buffer_capacity(256)
        .from_writer(Vec::new());
    w.write_record(fields)
        .expect("writing to memory cannot fail");
    w.into_inner().expect("flushing to memory cannot fail")
}

/// `fields` encoded as one CSV line by [`encode_fields`], as text (for rows assembled in
/// memory, e.g. a sweep's `runs.csv`).
pub fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let fields: Vec<&str> = fields.iter().map(AsRef::as_ref).collect();
    String::from_utf8(encode_fields(&fields)).expect("CSV of UTF-8 fields is UTF-8")
}

/// A CSV file written as bytes already encoded by [`encode_fields`], for files of many rows
/// that repeat but for a field or two (`matches.csv`) or are encoded in parallel (`states.csv`);
/// errors name the file.
pub struct CsvBytes {
    path: PathBuf,
    out: std::io::BufWriter<fs::File>,
}

impl CsvBytes {
    /// Creates the file and writes the header.
    pub fn create(path: PathBuf, header: &[&str]) -> Result<CsvBytes> {
        let f = fs::File::create(&path).map_err(|source| RegimeError::Write {
            path: path.clone(),
            source,
        })?;
        let mut c = CsvBytes {
            path,
            out: std::io::BufWriter::with_capacity(1 << 16, f),
        };
        c.write(&encode_fields(header))?;
        Ok(c)
    }

    /// Writes encoded rows.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|source| RegimeError::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Flushes to disk.
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(|source| RegimeError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

/// A CSV writer bound to a path, with errors naming the file.
pub struct Csv {
    path: PathBuf,
    inner: csv::Writer<std::io::BufWriter<fs::File>>,
}

impl Csv {
    /// Creates the file and writes the header.
    pub fn create(path: PathBuf, header: &[&str]) -> Result<Csv> {
        let f = fs::File::create(&path).map_err(|source| RegimeError::Write {
            path: path.clone(),
            source,
        })?;
        let mut inner = csv::Writer::from_writer(std::io::BufWriter::new(f));
        inner
            .write_record(header)
            .map_err(|e| csv_write(&path, e))?;
        Ok(Csv { path, inner })
    }

    /// Appends to an existing file without a header (used by `--resume`).
    pub fn append(path: PathBuf) -> Result<Csv> {
        let f = fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|source| RegimeError::Write {
                path: path.clone(),
                source,
            })?;
        let inner = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(std::io::BufWriter::new(f));
        Ok(Csv { path, inner })
    }

    /// Writes a row.
    pub fn row<I, T>(&mut self, fields: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.inner
            .write_record(fields)
            .map_err(|e| csv_write(&self.path, e))
    }

    /// Flushes to disk.
    pub fn flush(&mut self) -> Result<()> {
        self.inner.flush().map_err(|source| RegimeError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

/// A failure to write a CSV file: a failing disk or file is a [`RegimeError::Write`] (exit code
/// 1, like every other output file), anything else the writer refuses a [`RegimeError::Csv`].
fn csv_write(path: &Path, e: csv::Error) -> RegimeError {
    let path = path.to_path_buf();
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => RegimeError::Write { path, source },
        _ => RegimeError::Csv { path, message },
    }
}

/// Writes `matches.csv`, `ranking.csv` and (when recorded) `actions.csv`.
pub fn write_tournament(dir: &OutputDir, t: &Tournament) -> Result<()> {
    let names: Vec<String> = t.config.strategies.iter().map(|s| s.name()).collect();
    write_matches(dir, t, &names)?;
    write_ranking(dir, t)?;
    if t.config.record_actions {
        write_actions(dir, t, &names)?;
    }
    Ok(())
}

/// `matches.csv`: one row per match and repetition.
fn write_matches(dir: &OutputDir, t: &Tournament, names: &[String]) -> Result<()> {
    let g = &t.config.payoffs;
    let turns = t.config.turns.max(1) as f64;
    let mut m = CsvBytes::create(
        dir.file("matches.csv"),
        &[
            "player_a",
            "player_b",
            "rep",
            "score_a",
            "score_b",
            "cooperation_a",
            "cooperation_b",
        ],
    )?;
    // A cooperation share is a count over the turns: format each count once.
    let mut shares: Vec<Option<String>> =
        vec![None; t.config.turns.min((1 << 16) - 1) as usize + 1];
    let mut share = |count: u64| match shares.get_mut(count as usize) {
        Some(cell) => cell
            .get_or_insert_with(|| num(count as f64 / turns))
            .clone(),
        None => num(count as f64 / turns),
    };
    // A row is the pair's names, the repetition, and numbers that depend only on the pair and
    // its outcome counts, which repeat from one repetition to the next (always, for pairs that
    // read no random bits): encode the names once per pair and the numbers once per run of
    // equal rows; only the repetition is written per row (digits, never quoted).
    let mut names_enc: Option<((usize, usize), Vec<u8>)> = None;
    let mut numbers_enc: Option<([u64; 4], Vec<u8>)> = None;
    let mut rows = Vec::new();
    for r in t.matches() {
        let pair = (r.a, r.b);
        if names_enc.as_ref().is_none_or(|(k, _)| *k != pair) {
            // "a,b,\n" without the newline
            let mut enc = encode_fields(&[&names[r.a], &names[r.b], ""]);
            enc.pop();
            names_enc = Some((pair, enc));
            numbers_enc = None;
        }
        if numbers_enc.as_ref().is_none_or(|(k, _)| *k != r.outcomes) {
            let cells = [
                num(r.score_a(g)),
                num(r.score_b(g)),
                share(r.cooperations_a()),
                share(r.cooperations_b()),
            ];
            // ",score_a,score_b,cooperation_a,cooperation_b\n"
            let enc = encode_fields(&["", &cells[0], &cells[1], &cells[2], &cells[3]]);
            numbers_enc = Some((r.outcomes, enc));
        }
        let (Some((_, head)), Some((_, tail))) = (&names_enc, &numbers_enc) else {
            unreachable!("both are encoded above");
        };
        rows.extend_from_slice(head);
        write!(rows, "{}", r.rep).expect("writing to memory cannot fail");
        rows.extend_from_slice(tail);
        if rows.len() >= 1 << 16 {
            m.write(&rows)?;
            rows.clear();
        }
    }
    m.write(&rows)?;
    m.flush()
}

/// `ranking.csv`: the strategies by mean score per turn.
fn write_ranking(dir: &OutputDir, t: &Tournament) -> Result<()> {
    let mut k = Csv::create(
        dir.file("ranking.csv"),
        &[
            "rank",
            "strategy",
            "mean_score_per_turn",
            "total_score",
            "cooperation",
            "wins",
            "matches",
        ],
    )?;
    for r in t.ranking() {
        k.row([
            r.rank.to_string(),
            r.strategy,
            num(r.mean_score_per_turn),
            num(r.total_score),
            num(r.cooperation),
            r.wins.to_string(),
            r.matches.to_string(),
        ])?;
    }
    k.flush()
}

/// `actions.csv`: every turn's two actions (with `--record-actions`).
fn write_actions(dir: &OutputDir, t: &Tournament, names: &[String]) -> Result<()> {
    let mut a = Csv::create(
        dir.file("actions.csv"),
        &[
            "player_a", "player_b", "rep", "turn", "action_a", "action_b",
        ],
    )?;
    for (r, acts) in t.matches().zip(&t.actions) {
        let rep = r.rep.to_string();
        for (turn, (x, y)) in acts.iter().enumerate() {
            a.row([
                names[r.a].as_str(),
                names[r.b].as_str(),
                rep.as_str(),
                (turn + 1).to_string().as_str(),
                x.as_char().encode_utf8(&mut [0; 4]),
                y.as_char().encode_utf8(&mut [0; 4]),
            ])?;
        }
    }
    a.flush()
}

/// Columns shared by `comparison.csv` and `points.csv`: how often and how soon a binding regime
/// emerged over a set of runs, and how much states cooperated and joined.
pub const EMERGENCE_COLUMNS: [&str; 10] = [
    "runs",
    "emerged",
    "emergence_probability",
    "emergence_ci_low",
    "emergence_ci_high",
    "median_emergence_round",
    "mean_cooperation",
    "mean_cooperation_ci_low",
    "mean_cooperation_ci_high",
    "mean_final_member_share",
];

/// Column names of `summary.csv` after the identifying columns.
pub const SUMMARY_COLUMNS: [&str; 18] = [
    "issue",
    "preexisting",
    "emerged",
    "emergence_round",
    "emergence_year",
    "collapsed",
    "collapse_round",
    "collapse_year",
    "final_status",
    "final_members",
    "final_member_share",
    "final_power_share",
    "mean_cooperation",
    "final_cooperation",
    "mean_payoff",
    "mean_utility",
    "rounds",
    "states",
];

/// The summary values of one run and issue, in [`SUMMARY_COLUMNS`] order.
pub fn summary_fields(scenario: &Scenario, out: &RunOutput, k: usize) -> Vec<String> {
    let s = &out.summaries[k];
    let year = |r: Option<u64>| r.map(|r| scenario.year(r).to_string()).unwrap_or_default();
    vec![
        scenario.issues[s.issue].name.clone(),
        (s.preexisting as u8).to_string(),
        (s.emergence_round.is_some() as u8).to_string(),
        s.emergence_round.map(|r| r.to_string()).unwrap_or_default(),
        year(s.emergence_round),
        (s.collapse_round.is_some() as u8).to_string(),
        s.collapse_round.map(|r| r.to_string()).unwrap_or_default(),
        year(s.collapse_round),
        s.final_status.name().to_string(),
        s.final_members.to_string(),
        num(s.final_member_share),
        num(s.final_power_share),
        num(s.mean_cooperation),
        num(s.final_cooperation),
        num(s.mean_payoff),
        num(s.mean_utility),
        scenario.rounds.to_string(),
        scenario.state_count().to_string(),
    ]
}

/// Streaming writer of the four per-run CSVs of `run` and `compare`.
pub struct RunWriter {
    timeseries: Csv,
    events: Csv,
    states: CsvBytes,
    summary: Csv,
    negotiations: Option<Csv>,
}

/// Columns of `negotiations.csv` after the run's identity: one row per negotiation, issue and
/// state, with the terms of its value of membership (ODD 7.9).
pub const NEGOTIATION_COLUMNS: [&str; 19] = [
    "round",
    "year",
    "issue",
    "state",
    "member_before",
    "share_in",
    "expected_compliance",
    "u_in",
    "u_out",
    "gain",
    "sovereignty_cost",
    "norm",
    "exit_cost",
    "ratification",
    "hegemonic_provision",
    "value",
    "taste",
    "decision",
    "member_after",
];

const ID: [&str; 4] = ["run_id", "replicate", "seed", "rule_set"];

fn with_id(cols: &[&str]) -> Vec<String> {
    ID.iter()
        .chain(cols.iter())
        .map(|s| s.to_string())
        .collect()
}

impl RunWriter {
    /// Creates the files with their headers (`negotiations.csv` only when asked for).
    pub fn create(dir: &OutputDir, negotiations: bool) -> Result<RunWriter> {
        let h = |cols: &[&str]| with_id(cols);
        let ts = h(&[
            "round",
            "year",
            "issue",
            "group",
            "states",
            "cooperation",
            "mean_payoff",
            "mean_utility",
            "regime_status",
            "members",
            "member_share",
            "member_power_share",
            "compliance",
            "regime_strength",
        ]);
        let ev = h(&[
            "round", "year", "issue", "state", "event", "value", "detail",
        ]);
        let st = h(&[
            "state",
            "group",
            "region",
            "issue",
            "power",
            "position",
            "security",
            "economy",
            "rights",
            "sovereignty_cost",
            "discount",
            "initial_strategy",
            "final_strategy",
            "member",
            "mean_payoff",
            "mean_utility",
            "cooperation",
            "times_detected",
            "membership_value",
        ]);
        let su = h(&SUMMARY_COLUMNS);
        let ne = h(&NEGOTIATION_COLUMNS);
        Ok(RunWriter {
            timeseries: Csv::create(
                dir.file("timeseries.csv"),
                &ts.iter().map(String::as_str).collect::<Vec<_>>(),
            )?,
            events: Csv::create(
                dir.file("events.csv"),
                &ev.iter().map(String::as_str).collect::<Vec<_>>(),
            )?,
            states: CsvBytes::create(
                dir.file("states.csv"),
                &st.iter().map(String::as_str).collect::<Vec<_>>(),
            )?,
            summary: Csv::create(
                dir.file("summary.csv"),
                &su.iter().map(String::as_str).collect::<Vec<_>>(),
            )?,
            negotiations: match negotiations {
                true => Some(Csv::create(
                    dir.file("negotiations.csv"),
                    &ne.iter().map(String::as_str).collect::<Vec<_>>(),
                )?),
                false => None,
            },
        })
    }

    /// Writes every row of one run.
    pub fn write(&mut self, scenario: &Scenario, out: &RunOutput) -> Result<()> {
        let id = [
            out.id.run_id.to_string(),
            out.id.replicate.to_string(),
            out.id.seed.to_string(),
            out.id.rule_set.clone(),
        ];
        self.write_timeseries(&id, scenario, out)?;
        self.write_events(&id, scenario, out)?;
        self.write_states(&id, scenario, out)?;
        self.write_negotiations(&id, scenario, out)?;
        for k in 0..out.summaries.len() {
            let mut row = id.to_vec();
            row.extend(summary_fields(scenario, out, k));
            self.summary.row(row)?;
        }
        Ok(())
    }

    /// `timeseries.csv`: one row per round, issue and group (and `all`).
    fn write_timeseries(
        &mut self,
        id: &[String],
        scenario: &Scenario,
        out: &RunOutput,
    ) -> Result<()> {
        let world = out.final_world.as_ref();
        use std::fmt::Write;
        let group_name = |g: Option<usize>| match (g, world) {
            (Some(g), Some(w)) => w.groups[g].as_str(),
            _ => "all",
        };
        // one buffer per cell, reused row after row (a run has rounds x issues x groups rows)
        let mut cells: [String; 14] = Default::default();
        for r in &out.timeseries {
            cells.iter_mut().for_each(String::clear);
            let [round, year, issue, group, states, coop, payoff, utility, status, members, share, power, compliance, strength] =
                &mut cells;
            let _ = write!(round, "{}", r.round);
            let _ = write!(year, "{}", scenario.year(r.round));
            issue.push_str(&scenario.issues[r.issue].name);
            group.push_str(group_name(r.group));
            let _ = write!(states, "{}", r.states);
            push_num(coop, r.cooperation);
            push_num(payoff, r.mean_payoff);
            push_num(utility, r.mean_utility);
            status.push_str(r.status.name());
            let _ = write!(members, "{}", r.members);
            push_num(share, r.member_share);
            push_num(power, r.member_power_share);
            if let Some(c) = r.compliance {
                push_num(compliance, c);
            }
            push_num(strength, r.strength);
            self.timeseries.row(id.iter().chain(&cells))?;
        }
        Ok(())
    }

    /// `events.csv`: one row per logged event.
    fn write_events(&mut self, id: &[String], scenario: &Scenario, out: &RunOutput) -> Result<()> {
        let world = out.final_world.as_ref();
        for e in &out.events {
            let Event {
                round,
                issue,
                state,
                kind,
                value,
                detail,
            } = e;
            let mut row = id.to_vec();
            row.extend([
                round.to_string(),
                scenario.year(*round).to_string(),
                issue
                    .map(|i| scenario.issues[i].name.clone())
                    .unwrap_or_default(),
                match (state, world) {
                    (Some(s), Some(w)) => w.states[*s].name.to_string(),
                    _ => String::new(),
                },
                kind.name().to_string(),
                num(*value),
                detail.clone(),
            ]);
            self.events.row(row)?;
        }
        Ok(())
    }

    /// `negotiations.csv`: every state's decision in every negotiation (full records only).
    fn write_negotiations(
        &mut self,
        id: &[String],
        scenario: &Scenario,
        out: &RunOutput,
    ) -> Result<()> {
        let (Some(w), Some(file)) = (out.final_world.as_ref(), self.negotiations.as_mut()) else {
            return Ok(());
        };
        for r in &out.negotiations {
            let t = &r.terms;
            let mut row = id.to_vec();
            row.extend([
                r.round.to_string(),
                scenario.year(r.round).to_string(),
                scenario.issues[r.issue].name.clone(),
                w.states[r.state].name.to_string(),
                (r.member_before as u8).to_string(),
                num(t.share_in),
                num(t.expected_compliance),
                num(t.u_in),
                num(t.u_out),
                num(t.gain),
                num(t.sovereignty_cost),
                num(t.norm),
                num(t.exit_cost),
                num(t.ratification),
                num(t.hegemonic_provision),
                num(t.value()),
                num(r.taste),
                r.decision().to_string(),
                (r.member_after as u8).to_string(),
            ]);
            file.row(row)?;
        }
        Ok(())
    }

    /// `states.csv`: one row per state and issue at the end of the run (full records only).
    /// A large world's rows are encoded in blocks on rayon's pool ([`encode_in_windows`]):
    /// the same bytes as encoding them one by one, with at most a window's text in memory.
    fn write_states(&mut self, id: &[String], scenario: &Scenario, out: &RunOutput) -> Result<()> {
        let Some(w) = out.final_world.as_ref() else {
            return Ok(());
        };
        let strategies: Vec<String> = out.strategies.iter().map(|s| s.name()).collect();
        let rows = StateRows {
            id,
            scenario,
            world: w,
            strategies: &strategies,
        };
        let blocks = (STATE_ROWS_PER_TASK, STATE_TASKS_PER_WINDOW);
        debug_assert_eq!(blocks.0 * blocks.1, STATE_ROWS_IN_MEMORY);
        let states = &mut self.states;
        encode_in_windows(&out.states, |r| rows.encode(r), blocks, |b| states.write(b))
    }

    /// Flushes every file.
    pub fn finish(mut self) -> Result<()> {
        self.timeseries.flush()?;
        self.events.flush()?;
        self.states.flush()?;
        if let Some(n) = self.negotiations.as_mut() {
            n.flush()?;
        }
        self.summary.flush()
    }
}

/// Cells of a row of `states.csv` after the run's four id cells.
const STATE_CELLS: usize = 19;

/// Rows of `states.csv` encoded by one task (about 1 MB of text).
const STATE_ROWS_PER_TASK: usize = 4_096;

/// Tasks encoded before their text is written.
const STATE_TASKS_PER_WINDOW: usize = 8;

/// Bytes reserved for a row of `states.csv` (the world scenario's rows average 258).
const STATE_ROW_BYTES: usize = 320;

/// The most rows of `states.csv` whose text is in memory at once (a window; the memory budget
/// counts them).
pub const STATE_ROWS_IN_MEMORY: usize = STATE_ROWS_PER_TASK * STATE_TASKS_PER_WINDOW;

/// A bound on the bytes of memory a row of `states.csv` being encoded takes: its share of its
/// block's buffer, which may double once.
pub const STATE_ROW_BYTES_IN_MEMORY: usize = 2 * STATE_ROW_BYTES;

/// `rows` encoded by `encode`, block by block on rayon's pool (`per_task` rows a block, `tasks`
/// blocks a window), and handed to `write` in order, a window at a time. The bytes are the same
/// as `encode` of all rows at once when a row's encoding does not depend on the rows before
/// it (as for `states.csv`: [`state_cells`] keeps cells from the row before only when they
/// would be formed the same).
fn encode_in_windows<R: Sync>(
    rows: &[R],
    encode: impl Fn(&[R]) -> Vec<u8> + Sync,
    (per_task, tasks): (usize, usize),
    mut write: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    if rows.len() <= per_task {
        return write(&encode(rows));
    }
    for window in rows.chunks(per_task * tasks) {
        let blocks: Vec<Vec<u8>> = window.par_chunks(per_task).map(&encode).collect();
        for bytes in &blocks {
            write(bytes)?;
        }
    }
    Ok(())
}

/// What the rows of a run's `states.csv` are formed from.
struct StateRows<'a> {
    id: &'a [String],
    scenario: &'a Scenario,
    world: &'a crate::model::World,
    strategies: &'a [String],
}

impl StateRows<'_> {
    /// `rows` encoded as CSV lines, as [`Csv::row`] would write them (the file is a
    /// [`CsvBytes`]). The cells are formed into
    /// buffers reused from row to row ([`state_cells`]).
    fn encode(&self, rows: &[StateRow]) -> Vec<u8> {
        let mut csv = csv::Writer::from_writer(Vec::with_capacity(rows.len() * STATE_ROW_BYTES));
        let mut cells = vec![String::new(); STATE_CELLS];
        let mut last = [None; STATE_CELLS];
        for s in rows {
            let st = &self.world.states[s.state as usize];
            let text = [
                self.world.groups[st.group].as_str(),
                &st.region,
                &self.scenario.issues[s.issue as usize].name,
                &self.strategies[s.initial_strategy as usize],
                &self.strategies[s.final_strategy as usize],
            ];
            state_cells(
                (&mut cells, &mut last),
                s,
                st,
                text,
                s.attributes(self.world),
            );
            csv.write_record(self.id.iter().chain(&cells))
                .expect("writing to memory cannot fail");
        }
        csv.into_inner().expect("flushing to memory cannot fail")
    }
}

/// Forms the cells of state row `s` into `cells`; `text` holds the group, region, issue,
/// initial and final strategy, `attributes` the state's at the end. `last` holds the bits of
/// the number each numeric cell holds from the previous row: a cell whose number is the same
/// keeps its text (the attributes of a bloc's states are often equal), and a utility equal to
/// the payoff copies its text, so the shortest-digits search runs once per distinct value.
fn state_cells(
    (cells, last): (&mut [String], &mut [Option<u64>; STATE_CELLS]),
    s: &StateRow,
    st: &crate::model::State,
    text: [&str; 5],
    attributes: [f64; 5],
) {
    use std::fmt::Write;
    for (k, cell) in cells.iter_mut().enumerate() {
        if last[k].is_none() {
            cell.clear();
        }
    }
    let _ = write!(cells[0], "{}", st.name);
    for (k, t) in [1, 2, 3, 11, 12].into_iter().zip(text) {
        cells[k].push_str(t);
    }
    let numbers = attributes
        .into_iter()
        .chain([st.sovereignty_cost, st.discount]);
    for (k, x) in (4..11).zip(numbers) {
        number_cell(&mut cells[k], &mut last[k], x);
    }
    cells[13].push(if s.member { '1' } else { '0' });
    number_cell(&mut cells[14], &mut last[14], s.mean_payoff);
    if s.mean_utility.to_bits() == s.mean_payoff.to_bits() && s.mean_payoff.is_finite() {
        let (payoff, utility) = cells.split_at_mut(15);
        if last[15] != Some(s.mean_utility.to_bits()) {
            utility[0].clear();
            utility[0].push_str(&payoff[14]);
            last[15] = Some(s.mean_utility.to_bits());
        }
    } else {
        number_cell(&mut cells[15], &mut last[15], s.mean_utility);
    }
    number_cell(&mut cells[16], &mut last[16], s.cooperation);
    let _ = write!(cells[17], "{}", s.times_detected);
    if let Some(v) = s.membership_value {
        push_num(&mut cells[18], v);
    }
}

/// Writes `x` into `cell` unless the cell already holds it (`last`: the bits it holds).
fn number_cell(cell: &mut String, last: &mut Option<u64>, x: f64) {
    if *last == Some(x.to_bits()) {
        return;
    }
    cell.clear();
    push_num(cell, x);
    *last = Some(x.to_bits());
}

/// Writes `manifest.json`.
pub fn write_manifest(dir: &OutputDir, manifest: &serde_json::Value) -> Result<()> {
    let path = dir.file("manifest.json");
    let mut f = fs::File::create(&path).map_err(|source| RegimeError::Write {
        path: path.clone(),
        source,
    })?;
    let text = serde_json::to_string_pretty(manifest).unwrap_or_else(|_| "{}".into());
    f.write_all(text.as_bytes())
        .and_then(|_| f.write_all(b"\n"))
        .map_err(|source| RegimeError::Write { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cells of `states.csv` formed into reused buffers are the strings the writer formed
    /// one by one before (`num`, `opt_num`, `to_string`), over whole, fractional, negative,
    /// tiny, non-finite and absent values, buffers dirty from a previous row, numbers repeated
    /// from the row before (cells kept) and utilities equal to the payoff (text copied).
    #[test]
    fn state_cells_equal_the_cells_formed_one_by_one() {
        let state = |name: crate::model::StateName, x: f64| crate::model::State {
            name,
            group: 0,
            region: "r,\"q\"".into(),
            power: x,
            position: -x,
            security: 0.0,
            economy: 1e-300,
            rights: f64::NAN,
            sovereignty_cost: 2.0,
            discount: 0.1 + 0.2,
            strategies: std::iter::empty().collect(),
        };
        let numbered = crate::model::StateName::Numbered {
            prefix: "cell".into(),
            number: 77,
        };
        let row = |x: f64, member: bool, value: Option<f64>| StateRow {
            state: 0,
            issue: 0,
            initial_strategy: 0,
            final_strategy: 1,
            member,
            mean_payoff: x,
            mean_utility: x / 3.0,
            cooperation: f64::INFINITY,
            times_detected: u64::MAX,
            membership_value: value,
        };
        let mut cells = vec!["dirty".to_string(); STATE_CELLS];
        let mut last = [None; STATE_CELLS];
        let same = |x: f64| StateRow {
            mean_utility: x,
            ..row(x, false, None)
        };
        for (st, s) in [
            (state("A b".into(), 0.25), row(3.0, true, Some(-0.5))),
            (state(numbered, 1.0 / 3.0), row(-1e21, false, None)),
            (state("z".into(), 5.0), row(0.0, false, Some(7.0))),
            // the same numbers as the row before (cells kept), no membership value
            (state("y".into(), 5.0), row(0.0, true, None)),
            // a utility equal to the payoff (copied), then a different one
            (state("x".into(), 5.0), same(0.1 + 0.2)),
            (state("x".into(), 5.0), same(0.1 + 0.2)),
            (state("w".into(), 0.5), row(0.1 + 0.2, true, Some(0.0))),
        ] {
            let a = [st.power, st.position, st.security, st.economy, st.rights];
            let text = ["g", "r,\"q\"", "labour", "tit_for_tat", "defector"];
            state_cells((&mut cells, &mut last), &s, &st, text, a);
            let mut one_by_one = vec![st.name.to_string()];
            one_by_one.extend(text[..3].iter().map(|t| t.to_string()));
            one_by_one.extend(a.into_iter().map(num));
            one_by_one.extend([num(st.sovereignty_cost), num(st.discount)]);
            one_by_one.extend(text[3..].iter().map(|t| t.to_string()));
            one_by_one.push((s.member as u8).to_string());
            one_by_one.extend([s.mean_payoff, s.mean_utility, s.cooperation].map(num));
            one_by_one.push(s.times_detected.to_string());
            one_by_one.push(opt_num(s.membership_value));
            assert_eq!(cells, one_by_one);
        }
    }

    /// `states.csv` encoded block by block in windows (several blocks, several windows, a
    /// last short block) is the text of encoding every row at once and of encoding each row on
    /// its own (no cell kept from a row before): the cells a block keeps from its previous row
    /// (the same numbers, a utility equal to the payoff) are never text that differs.
    #[test]
    fn states_encoded_in_windows_equal_states_encoded_at_once() {
        let scenario = crate::io::scenario::load_default(&[]).unwrap();
        let state = |k: usize| crate::model::State {
            name: crate::model::StateName::Numbered {
                prefix: "s".into(),
                number: k as u32,
            },
            group: 0,
            region: "r,\"q\"".into(),
            // runs of equal values, so that blocks start both inside and after a run
            power: (k / 3) as f64 / 7.0,
            position: -0.5,
            security: if k.is_multiple_of(5) { 0.25 } else { 0.1 + 0.2 },
            economy: k as f64,
            rights: 1.0,
            sovereignty_cost: 2.0,
            discount: 0.9,
            strategies: std::iter::empty().collect(),
        };
        let n = 23;
        let world = crate::model::World {
            states: (0..n).map(state).collect(),
            groups: vec!["g".into()],
            edges: Vec::new(),
            fora: Vec::new(),
        };
        let rows: Vec<StateRow> = (0..n)
            .map(|k| StateRow {
                state: k as u32,
                issue: (k % scenario.issues.len()) as u32,
                initial_strategy: (k % 2) as u8,
                final_strategy: 1,
                member: k.is_multiple_of(4),
                mean_payoff: (k / 4) as f64 * 0.5,
                mean_utility: if k.is_multiple_of(3) {
                    (k / 4) as f64 * 0.5
                } else {
                    -1.0 / 3.0
                },
                cooperation: 0.75,
                times_detected: k as u64,
                membership_value: k.is_multiple_of(6).then_some(0.1),
            })
            .collect();
        let strategies = ["tit_for_tat".to_string(), "defector".to_string()];
        let id = ["0".to_string(), "0".into(), "7".into(), "realist".into()];
        let encoder = StateRows {
            id: &id,
            scenario: &scenario,
            world: &world,
            strategies: &strategies,
        };
        let at_once = encoder.encode(&rows);
        assert_eq!(at_once.iter().filter(|&&c| c == b'\n').count(), n);
        let alone: Vec<u8> = rows
            .iter()
            .flat_map(|r| encoder.encode(std::slice::from_ref(r)))
            .collect();
        assert_eq!(
            String::from_utf8_lossy(&alone),
            String::from_utf8_lossy(&at_once)
        );
        for blocks in [(4, 2), (5, 1), (1, 3), (22, 1), (23, 4), (100, 2)] {
            let mut written = Vec::new();
            encode_in_windows(
                &rows,
                |r| encoder.encode(r),
                blocks,
                |b| {
                    written.extend_from_slice(b);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&at_once),
                "{blocks:?}"
            );
        }
    }

    /// A CSV file that cannot be written is a write error (exit code 1), not bad input: here
    /// `/dev/full`, where every write fails with "no space left".
    #[test]
    fn a_failing_disk_is_a_write_error_not_bad_input() {
        let full = PathBuf::from("/dev/full");
        if !full.exists() {
            return;
        }
        let Err(e) = Csv::create(full.clone(), &["a"; 10_000]).and_then(|mut c| c.flush()) else {
            panic!("writing to /dev/full succeeded");
        };
        assert!(matches!(e, RegimeError::Write { .. }), "{e}");
        assert!(!e.is_input(), "{e}");
        let mut bytes = CsvBytes::create(full, &["a"]).unwrap();
        let Err(e) = bytes.write(&[b'x'; 1 << 17]) else {
            panic!("writing to /dev/full succeeded");
        };
        assert!(!e.is_input(), "{e}");
    }

    /// A `matches.csv` row put together from encoded pieces (names with an empty third field,
    /// less the newline; the repetition; an empty first field and the numbers) is the row the
    /// csv writer writes whole, also for names that need quoting.
    #[test]
    fn rows_from_encoded_pieces_equal_whole_rows() {
        let names = [
            "tit_for_tat",
            "memory_one(0.9,0.1,0.8,0.2)",
            "say \"hi\"",
            "two\nlines",
            "",
            " padded ",
        ];
        for a in names {
            for b in names {
                let cells = ["600", "-1.5", "0.515", ""];
                let whole = encode_fields(&[a, b, "17", cells[0], cells[1], cells[2], cells[3]]);
                let mut head = encode_fields(&[a, b, ""]);
                assert_eq!(head.pop(), Some(b'\n'));
                let tail = encode_fields(&["", cells[0], cells[1], cells[2], cells[3]]);
                let pieced = [head, b"17".to_vec(), tail].concat();
                assert_eq!(
                    String::from_utf8_lossy(&pieced),
                    String::from_utf8_lossy(&whole),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    /// The fast path for whole numbers writes exactly what `Display` writes.
    #[test]
    fn whole_numbers_are_formatted_as_display_does() {
        let mut xs = vec![
            1.0,
            -1.0,
            5.0,
            600.0,
            -204.0,
            1e15,
            -1e15,
            4_503_599_627_370_497.0,
        ];
        xs.extend([
            INTEGER_EXACT - 1.0,
            -(INTEGER_EXACT - 1.0),
            INTEGER_EXACT,
            1e300,
        ]);
        xs.extend((0..2000).map(|i| (i as f64 * 7.3).round() - 4000.0));
        for x in xs {
            let want = if x == 0.0 {
                "0".to_string()
            } else {
                format!("{x}")
            };
            assert_eq!(num(x), want, "{x}");
        }
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(f64::NAN), "");
    }

    #[test]
    fn numbers_are_plain_decimals() {
        assert_eq!(num(1e-7), "0.0000001");
        assert_eq!(num(1e21), "1000000000000000000000");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(f64::NAN), "");
    }

    #[test]
    fn output_dir_is_atomic_and_refuses_to_overwrite() {
        let base = tempfile::tempdir().unwrap();
        let target = base.path().join("out");
        {
            let d = OutputDir::create(&target, false).unwrap();
            fs::write(d.file("a.csv"), "x\n").unwrap();
            // dropped without commit
        }
        assert!(!target.exists());
        assert_eq!(
            fs::read_dir(base.path()).unwrap().count(),
            0,
            "temporary directory removed"
        );
        let d = OutputDir::create(&target, false).unwrap();
        fs::write(d.file("a.csv"), "x\n").unwrap();
        d.commit().unwrap();
        assert!(target.join("a.csv").exists());
        assert!(matches!(
            OutputDir::create(&target, false),
            Err(RegimeError::OutputExists(_))
        ));
        let d = OutputDir::create(&target, true).unwrap();
        fs::write(d.file("b.csv"), "y\n").unwrap();
        d.commit().unwrap();
        assert!(target.join("b.csv").exists() && !target.join("a.csv").exists());
    }

    /// Regression (issue 14): a killed run left its `.NAME.tmp-PID` directory for ever. The next
    /// output in the same folder removes it once its process is gone and it has been idle; a
    /// live process's directory, a fresh one and other files are kept.
    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let base = tempfile::tempdir().unwrap();
        let age = |p: &Path, ago: &str| {
            let ok = std::process::Command::new("touch")
                .args(["-d", ago])
                .arg(p)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "touch -d");
        };
        // pid_max is at most 2^22 on Linux: 999999999 is never a running process.
        let dead_old = base.path().join(".run-world.tmp-999999999");
        let dead_fresh = base.path().join(".run-x.tmp-999999998");
        let alive_old = base
            .path()
            .join(format!(".run-y.tmp-{}", std::process::id()));
        let other = base.path().join(".not-ours.tmp-abc");
        for d in [&dead_old, &dead_fresh, &alive_old, &other] {
            fs::create_dir(d).unwrap();
            fs::write(d.join("timeseries.csv"), "partial").unwrap();
        }
        for d in [&dead_old, &alive_old, &other] {
            age(d, "2 hours ago");
        }
        assert_eq!(
            temporary_owner(".run-world.tmp-999999999"),
            Some(999_999_999)
        );
        assert_eq!(temporary_owner("run.tmp-1"), None);
        let d = OutputDir::create(&base.path().join("out"), false).unwrap();
        d.commit().unwrap();
        assert!(
            !dead_old.exists(),
            "a dead process's idle directory is removed"
        );
        assert!(
            dead_fresh.exists(),
            "a fresh one may belong to another host"
        );
        assert!(alive_old.exists(), "a live process's directory is kept");
        assert!(other.exists(), "names that are not ours are kept");
    }
}
