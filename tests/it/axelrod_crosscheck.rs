//! Cross-check of `regime tournament` against Axelrod-Python (docs/ODD.md §7.3: deterministic
//! matches without noise must give exactly Axelrod-Python's scores).
//!
//! For every pair (with self-play) of the deterministic strategies, plus a few deterministic
//! `memory_one` vectors, and for the standard and for non-standard payoffs, the Axelrod-Python
//! run (`benches/peers/axelrod_tournament.py`, in a project-local virtualenv made by
//! `benches/peers/setup_venv.sh`) is compared with two `regime tournament` runs: one without
//! `--record-actions` (regime's fast path, which skips the cycles of deterministic matches),
//! whose `matches.csv` must agree, and one with it, whose `matches.csv` and every action of
//! every turn in `actions.csv` must agree. Numbers are compared with tolerance 1e-9.
//!
//! When the virtualenv cannot be set up (no python3, no venv module, no pip or no PyPI), the
//! test prints `SKIPPED axelrod cross-check: <reason>` straight to stderr (visible even without
//! `--nocapture`) and returns. Set `REGIME_REQUIRE_AXELROD=1` to make that a failure instead.
//!
//! Run it with `cargo test --release --test it axelrod_crosscheck -- --nocapture`. The first run installs
//! Axelrod-Python (about 40 s); later runs reuse the venv. Each Python run spends ~15 s in
//! `import axelrod`, so the Python runs for the payoff sets are started concurrently.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// Every deterministic strategy, plus deterministic memory-one vectors that exercise the
/// four-vector order (p_cc, p_cd, p_dc, p_dd), the default first move and an explicit `D`.
const STRATEGIES: &[&str] = &[
    "cooperator",
    "defector",
    "tit_for_tat",
    "grudger",
    "win_stay_lose_shift",
    "tit_for_two_tats",
    "suspicious_tit_for_tat",
    "alternator",
    "memory_one(1,0,0,1)",   // WSLS's vector, default first move C
    "memory_one(0,1,1,0,D)", // cooperate after CD or DC, open with D
    "memory_one(0,1,0,1,C)", // anti-TFT: cooperate iff the partner defected
];

/// T,R,P,S: the standard game, a non-standard integer one and a fractional one. Each is a
/// strict prisoner's dilemma (T > R > P > S).
const PAYOFF_SETS: &[&str] = &["5,3,1,0", "4,2,1,0", "3.5,2.25,0.5,0.125"];

const TURNS: u32 = 200;
/// Two repetitions: the second must repeat the first exactly (no noise, all deterministic).
const REPS: u32 = 2;
const TOLERANCE: f64 = 1e-9;
const MATCHES_HEADER: &[&str] = &[
    "player_a",
    "player_b",
    "rep",
    "score_a",
    "score_b",
    "cooperation_a",
    "cooperation_b",
];
const ACTIONS_HEADER: &[&str] = &[
    "player_a", "player_b", "rep", "turn", "action_a", "action_b",
];
/// At most this many mismatches are listed per payoff set and file.
const MAX_LISTED: usize = 40;

use super::common::{repo as root, BIN};

/// Writes straight to the process's stderr, bypassing the test harness's output capture.
fn shout(msg: &str) {
    let _ = std::io::stderr().write_all(format!("{msg}\n").as_bytes());
}

/// Runs `benches/peers/setup_venv.sh`; returns the venv's python, or why it is unavailable.
fn peers_python() -> Result<PathBuf, String> {
    let script = root().join("benches/peers/setup_venv.sh");
    let out = Command::new("bash")
        .arg(&script)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run bash {}: {e}", script.display()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let reason = stderr
            .lines()
            .rev()
            .find(|l| l.contains("ERROR"))
            .or_else(|| stderr.lines().last())
            .unwrap_or("no message")
            .trim()
            .to_string();
        return Err(format!(
            "{} failed ({}): {reason}",
            script.display(),
            out.status
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("PEERS_PYTHON="))
        .map(|p| PathBuf::from(p.trim()))
        .ok_or_else(|| format!("{} printed no PEERS_PYTHON= line", script.display()))
}

/// The arguments shared by both implementations.
fn tournament_args(payoffs: &str, out: &Path, record_actions: bool) -> Vec<String> {
    let mut args: Vec<String> = [
        "--strategies",
        &STRATEGIES.join(","),
        "--turns",
        &TURNS.to_string(),
        "--reps",
        &REPS.to_string(),
        "--noise",
        "0",
        "--payoffs",
        payoffs,
        "--seed",
        "1",
        "--threads",
        "1",
        "--out",
        out.to_str().expect("temporary path is UTF-8"),
        "--force",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if record_actions {
        args.push("--record-actions".into());
    }
    args
}

fn spawn(cmd: &mut Command) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"))
}

fn expect_success(what: &str, out: Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Canonical spelling of a player name: `memory_one` parameters are reparsed so that `1`,
/// `1.0` and `1.00` agree and a missing first move reads as `C`; other names are kept as
/// written (both sides must write the long names).
fn canonical(name: &str) -> String {
    let n = name.trim();
    let Some(body) = n
        .strip_prefix("memory_one(")
        .and_then(|b| b.strip_suffix(')'))
    else {
        return n.to_string();
    };
    let mut parts: Vec<String> = body.split(',').map(|s| s.trim().to_string()).collect();
    if parts.len() == 4 {
        parts.push("C".into());
    }
    let nums: Vec<String> = parts
        .iter()
        .take(4)
        .map(|p| {
            p.parse::<f64>()
                .map(|v| v.to_string())
                .unwrap_or_else(|_| p.clone())
        })
        .collect();
    format!("memory_one({},{})", nums.join(","), parts[4..].join(","))
}

type Key = (String, String, u32);

struct MatchRow {
    values: [f64; 4], // score_a, score_b, cooperation_a, cooperation_b
}

/// Reads a CSV, checking its header; returns its records.
fn read_csv(path: &Path, header: &[&str]) -> Result<Vec<csv::StringRecord>, String> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let found: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    if found != header {
        return Err(format!(
            "{}: header is {:?}, expected {:?}",
            path.display(),
            found,
            header
        ));
    }
    rdr.records()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| format!("{}: record {}: {e}", path.display(), i + 1)))
        .collect()
}

fn field<'a>(rec: &'a csv::StringRecord, i: usize, path: &Path) -> Result<&'a str, String> {
    rec.get(i).ok_or_else(|| {
        format!(
            "{}: line {}: missing column {i}",
            path.display(),
            line_of(rec)
        )
    })
}

fn line_of(rec: &csv::StringRecord) -> u64 {
    rec.position().map_or(0, |p| p.line())
}

fn number<T: std::str::FromStr>(
    rec: &csv::StringRecord,
    i: usize,
    path: &Path,
) -> Result<T, String> {
    let s = field(rec, i, path)?;
    s.trim().parse().map_err(|_| {
        format!(
            "{}: line {}: `{s}` in column {i} is not a number",
            path.display(),
            line_of(rec)
        )
    })
}

fn key_of(rec: &csv::StringRecord, path: &Path) -> Result<Key, String> {
    Ok((
        canonical(field(rec, 0, path)?),
        canonical(field(rec, 1, path)?),
        number(rec, 2, path)?,
    ))
}

fn read_matches(path: &Path) -> Result<BTreeMap<Key, MatchRow>, String> {
    let mut out = BTreeMap::new();
    for rec in read_csv(path, MATCHES_HEADER)? {
        let key = key_of(&rec, path)?;
        let mut values = [0.0; 4];
        for (k, v) in values.iter_mut().enumerate() {
            *v = number(&rec, 3 + k, path)?;
        }
        if out.insert(key.clone(), MatchRow { values }).is_some() {
            return Err(format!("{}: duplicate row for {key:?}", path.display()));
        }
    }
    Ok(out)
}

/// One row of actions.csv: (turn, action_a, action_b).
type Turn = (u32, String, String);

/// Per match, its turns in file order.
fn read_actions(path: &Path) -> Result<BTreeMap<Key, Vec<Turn>>, String> {
    let mut out: BTreeMap<Key, Vec<Turn>> = BTreeMap::new();
    for rec in read_csv(path, ACTIONS_HEADER)? {
        let key = key_of(&rec, path)?;
        let turn = number(&rec, 3, path)?;
        let a = field(&rec, 4, path)?.trim().to_string();
        let b = field(&rec, 5, path)?.trim().to_string();
        out.entry(key).or_default().push((turn, a, b));
    }
    Ok(out)
}

fn describe(key: &Key) -> String {
    format!("{} vs {} (rep {})", key.0, key.1, key.2)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

/// Records a mismatch, listing at most `MAX_LISTED`.
fn note(problems: &mut Vec<String>, msg: String) {
    if problems.len() < MAX_LISTED {
        problems.push(msg);
    } else if problems.len() == MAX_LISTED {
        problems.push("... (more mismatches not listed)".into());
    }
}

/// Compares regime's matches.csv with Axelrod's; returns one line per mismatch, each
/// starting with `label`.
fn compare_matches(regime_dir: &Path, axelrod_dir: &Path, label: &str) -> Vec<String> {
    let mut problems = Vec::new();
    // matches.csv: scores and cooperation shares.
    let load = |dir: &Path| read_matches(&dir.join("matches.csv"));
    match (load(regime_dir), load(axelrod_dir)) {
        (Err(e), _) | (_, Err(e)) => problems.push(format!("{label}: {e}")),
        (Ok(reg), Ok(axl)) => {
            for key in axl.keys().filter(|k| !reg.contains_key(*k)) {
                note(
                    &mut problems,
                    format!("{label}: no regime row for {}", describe(key)),
                );
            }
            for key in reg.keys().filter(|k| !axl.contains_key(*k)) {
                note(
                    &mut problems,
                    format!("{label}: extra regime row for {}", describe(key)),
                );
            }
            for (key, a) in &axl {
                let Some(r) = reg.get(key) else { continue };
                for (k, column) in MATCHES_HEADER[3..].iter().enumerate() {
                    if !close(r.values[k], a.values[k]) {
                        note(
                            &mut problems,
                            format!(
                                "{label}: {}: {column} regime {} vs axelrod {}",
                                describe(key),
                                r.values[k],
                                a.values[k]
                            ),
                        );
                    }
                }
            }
        }
    }

    problems
}

/// Compares regime's actions.csv with Axelrod's, turn by turn; one line per mismatch.
fn compare_actions(regime_dir: &Path, axelrod_dir: &Path, turns: u32) -> Vec<String> {
    let mut problems = Vec::new();
    // actions.csv: every action of every turn.
    let load = |dir: &Path| read_actions(&dir.join("actions.csv"));
    match (load(regime_dir), load(axelrod_dir)) {
        (Err(e), _) | (_, Err(e)) => problems.push(format!("actions.csv: {e}")),
        (Ok(reg), Ok(axl)) => {
            for key in axl.keys().filter(|k| !reg.contains_key(*k)) {
                note(
                    &mut problems,
                    format!("actions.csv: no regime rows for {}", describe(key)),
                );
            }
            for key in reg.keys().filter(|k| !axl.contains_key(*k)) {
                note(
                    &mut problems,
                    format!("actions.csv: extra regime rows for {}", describe(key)),
                );
            }
            for (key, a_turns) in &axl {
                let Some(r_turns) = reg.get(key) else {
                    continue;
                };
                let r_numbers: Vec<u32> = r_turns.iter().map(|t| t.0).collect();
                let expected: Vec<u32> = (1..=turns).collect();
                if r_numbers != expected {
                    note(
                        &mut problems,
                        format!(
                            "actions.csv: {}: regime's turns are not 1..={turns} in order \
                             ({} rows, first {:?})",
                            describe(key),
                            r_numbers.len(),
                            &r_numbers[..r_numbers.len().min(5)]
                        ),
                    );
                    continue;
                }
                let first_diff = a_turns
                    .iter()
                    .zip(r_turns)
                    .find(|(a, r)| (&a.1, &a.2) != (&r.1, &r.2));
                if let Some((a, r)) = first_diff {
                    note(
                        &mut problems,
                        format!(
                            "actions.csv: {}: first difference at turn {}: regime played \
                             ({}, {}), axelrod played ({}, {})",
                            describe(key),
                            a.0,
                            r.1,
                            r.2,
                            a.1,
                            a.2
                        ),
                    );
                }
            }
        }
    }
    problems
}

/// Both files of one regime run against Axelrod's.
fn compare(regime_dir: &Path, axelrod_dir: &Path, turns: u32) -> Vec<String> {
    let mut problems = compare_matches(regime_dir, axelrod_dir, "matches.csv");
    problems.extend(compare_actions(regime_dir, axelrod_dir, turns));
    problems
}

#[test]
fn deterministic_matches_equal_axelrod_python() {
    let python = match peers_python() {
        Ok(p) => p,
        Err(reason) => {
            if std::env::var_os("REGIME_REQUIRE_AXELROD").is_some_and(|v| v == "1") {
                panic!("axelrod cross-check required (REGIME_REQUIRE_AXELROD=1) but: {reason}");
            }
            shout(&format!("SKIPPED axelrod cross-check: {reason}"));
            return;
        }
    };
    let script = root().join("benches/peers/axelrod_tournament.py");
    let regime = BIN;
    let tmp = tempfile::tempdir().expect("temporary directory");
    // Per payoff set: regime without --record-actions (its fast path: cycles of
    // deterministic matches are skipped), regime with it (turn by turn), and Axelrod.
    let dirs: Vec<[PathBuf; 3]> = (0..PAYOFF_SETS.len())
        .map(|i| {
            ["regime", "regime-actions", "axelrod"].map(|d| tmp.path().join(format!("{d}-{i}")))
        })
        .collect();

    // Axelrod-Python runs start together (each spends ~15 s importing axelrod) ...
    let python_runs: Vec<Child> = PAYOFF_SETS
        .iter()
        .zip(&dirs)
        .map(|(payoffs, [_, _, axl_dir])| {
            spawn(
                Command::new(&python)
                    .arg(&script)
                    .args(tournament_args(payoffs, axl_dir, true)),
            )
        })
        .collect();
    // ... while regime runs one after the other.
    let mut regime_runs = Vec::new();
    for (payoffs, [fast_dir, actions_dir, _]) in PAYOFF_SETS.iter().zip(&dirs) {
        for (dir, record) in [(fast_dir, false), (actions_dir, true)] {
            let mut cmd = Command::new(regime);
            cmd.arg("tournament")
                .args(tournament_args(payoffs, dir, record));
            let what = format!("{cmd:?}");
            regime_runs.push((
                what,
                spawn(&mut cmd)
                    .wait_with_output()
                    .expect("waiting for regime"),
            ));
        }
    }
    let python_runs: Vec<Output> = python_runs
        .into_iter()
        .map(|child| child.wait_with_output().expect("waiting for python"))
        .collect();
    for (what, out) in regime_runs {
        expect_success(&what, out);
    }
    for (payoffs, out) in PAYOFF_SETS.iter().zip(python_runs) {
        eprint!(
            "payoffs {payoffs}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        expect_success(&format!("axelrod_tournament.py --payoffs {payoffs}"), out);
    }

    let n = STRATEGIES.len();
    let matches = n * (n + 1) / 2 * REPS as usize;
    let mut report = String::new();
    let mut failed_sets = 0;
    for (payoffs, [fast_dir, actions_dir, axl_dir]) in PAYOFF_SETS.iter().zip(&dirs) {
        let mut problems = compare_matches(fast_dir, axl_dir, "matches.csv");
        problems.extend(compare_matches(
            actions_dir,
            axl_dir,
            "matches.csv (run with --record-actions)",
        ));
        problems.extend(compare_actions(actions_dir, axl_dir, TURNS));
        if problems.is_empty() {
            eprintln!("payoffs {payoffs}: all {matches} matches x {TURNS} turns identical");
        } else {
            failed_sets += 1;
            let _ = writeln!(report, "payoffs T,R,P,S = {payoffs}:");
            for p in problems {
                let _ = writeln!(report, "  {p}");
            }
        }
    }
    assert!(
        failed_sets == 0,
        "regime tournament differs from Axelrod-Python for {failed_sets} of {} payoff sets \
         ({} strategies, {TURNS} turns, {REPS} reps, self-play included):\n{report}",
        PAYOFF_SETS.len(),
        n
    );
}

/// The checker itself: it must find a flipped action and a wrong score, and accept names
/// that differ only in how `memory_one`'s numbers are spelled.
#[test]
fn comparison_reports_first_differing_turn_and_scores() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let write = |dir: &str, name: &str, score_a: &str, turn2: &str| {
        let d = tmp.path().join(dir);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("matches.csv"),
            format!(
                "{}\n\"{name}\",tit_for_tat,0,{score_a},8,1,0.6666666666666666\n",
                MATCHES_HEADER.join(",")
            ),
        )
        .unwrap();
        std::fs::write(
            d.join("actions.csv"),
            format!(
                "{}\n\"{name}\",tit_for_tat,0,1,C,C\n\"{name}\",tit_for_tat,0,2,{turn2},C\n\
                 \"{name}\",tit_for_tat,0,3,C,D\n",
                ACTIONS_HEADER.join(",")
            ),
        )
        .unwrap();
        d
    };
    let axl = write("axl", "memory_one(1,0,0,1,C)", "6", "C");
    let same = write("same", "memory_one(1.0,0,0,1)", "6.0000000000001", "C");
    let wrong = write("wrong", "memory_one(1,0,0,1,C)", "7", "D");
    assert_eq!(compare(&same, &axl, 3), Vec::<String>::new());
    let problems = compare(&wrong, &axl, 3);
    let pair = "memory_one(1,0,0,1,C) vs tit_for_tat (rep 0)";
    assert_eq!(
        problems,
        vec![
            format!("matches.csv: {pair}: score_a regime 7 vs axelrod 6"),
            format!(
                "actions.csv: {pair}: first difference at turn 2: regime played (D, C), \
                 axelrod played (C, C)"
            ),
        ]
    );
    assert_eq!(
        compare(&wrong, &axl, 4).len(),
        2,
        "turn numbering 1..=4 expected"
    );
}

#[test]
fn canonical_names_ignore_number_spelling() {
    assert_eq!(
        canonical("memory_one(1.0, 0, 0.50, 1)"),
        "memory_one(1,0,0.5,1,C)"
    );
    assert_eq!(canonical("memory_one(1,0,0,1,D)"), "memory_one(1,0,0,1,D)");
    assert_eq!(canonical(" tit_for_tat "), "tit_for_tat");
}
