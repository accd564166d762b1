//! Mutation fuzzing of the scenario reader (issue 14): mutated copies of the shipped scenarios
//! and sweeps (lines deleted, duplicated and swapped; values replaced by boundary numbers such
//! as 0, -1, 1e308, 2^63, NaN-ish strings; invalid bytes; truncation) go through
//! `regime validate` and a small `regime run`. Every case must exit 0 or 2 (never a panic, a
//! signal or a hang), leave nothing behind on error, and name the file in its message.
//!
//! The seed is fixed; `REGIME_FUZZ_N` (default 300) and `REGIME_FUZZ_SEED` (default 14) give a
//! larger or different run, e.g. `REGIME_FUZZ_N=5000 cargo test --release --test it fuzz`.
//! A failing case is written to the message with its seed and index, so it can be replayed.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::common::{repo, shipped_files, BIN};

/// Time a single command may take before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Values that sit on or beyond a boundary of some field.
const BOUNDARY: [&str; 22] = [
    "0",
    "-1",
    "1",
    "0.5",
    "1e308",
    "-1e308",
    "1e-320",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "4294967296",
    "1000000000",
    "nan",
    "inf",
    "-inf",
    "\"NaN\"",
    "\"\"",
    "\"x\"",
    "[]",
    "{}",
    "true",
];

/// The shipped scenarios and sweeps, as (name, text).
fn corpus() -> Vec<(String, String)> {
    shipped_files()
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// One to three mutations of `text`.
fn mutate(text: &str, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.random_range(1..=3) {
        bytes = mutate_once(bytes, rng);
    }
    bytes
}

fn mutate_once(bytes: Vec<u8>, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let n = lines.len();
    let i = rng.random_range(0..n);
    match rng.random_range(0..8) {
        0 => {
            lines.remove(i);
        }
        1 => lines.insert(i, lines[i].clone()),
        2 => lines.swap(i, rng.random_range(0..n)),
        3 | 4 => lines[i] = replace_value(&lines[i], rng),
        5 => {
            let at = rng.random_range(0..=lines[i].len());
            let bad: &[u8] =
                [&b"\xff"[..], b"\xc3", b"\0", b"\xed\xa0\x80"][rng.random_range(0..4)];
            lines[i].splice(at..at, bad.iter().copied());
        }
        6 => {
            let mut all = lines.join(&b'\n');
            all.truncate(rng.random_range(0..=bytes.len()));
            return all;
        }
        _ => {
            if !lines[i].is_empty() {
                let at = rng.random_range(0..lines[i].len());
                lines[i].remove(at);
            }
        }
    }
    lines.join(&b'\n')
}

/// The line with the value after its first `=` replaced by a boundary value (or, without a
/// `=`, a boundary value appended).
fn replace_value(line: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let value = BOUNDARY[rng.random_range(0..BOUNDARY.len())].as_bytes();
    match line.iter().position(|&b| b == b'=') {
        Some(eq) => {
            let end = line[eq..]
                .iter()
                .position(|&b| b == b'#')
                .map_or(line.len(), |k| eq + k);
            [&line[..=eq], b" ", value, b" ", &line[end..]].concat()
        }
        None => [line, b" = ", value].concat(),
    }
}

/// What one command did.
enum Outcome {
    Exited(i32, String),
    Signalled,
    Hung,
}

fn run(dir: &Path, args: &[&str]) -> Outcome {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start the regime binary");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting for regime") {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
            }
            return match status.code() {
                Some(code) => Outcome::Exited(code, stderr),
                None => Outcome::Signalled,
            };
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Outcome::Hung;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn entries(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Runs validate and a one-replicate run on `case.toml` in `dir`: whether validate accepted
/// it, or the problem.
fn check_case(dir: &Path) -> std::result::Result<bool, String> {
    let before = entries(dir);
    let mut valid = false;
    let commands: [&[&str]; 2] = [
        &["validate", "case.toml"],
        &[
            "run",
            "case.toml",
            "--reps",
            "1",
            "--threads",
            "1",
            "--out",
            "out",
            "-q",
        ],
    ];
    for args in commands {
        let what = args[0];
        match run(dir, args) {
            Outcome::Signalled => return Err(format!("{what}: killed by a signal")),
            Outcome::Hung => return Err(format!("{what}: no answer in {TIMEOUT:?}")),
            Outcome::Exited(0, _) => valid |= what == "validate",
            Outcome::Exited(2, stderr) => {
                if !stderr.contains("case.toml") {
                    return Err(format!("{what}: exit 2 without naming the file: {stderr}"));
                }
                if entries(dir) != before {
                    return Err(format!("{what}: failed but left {:?}", entries(dir)));
                }
            }
            Outcome::Exited(code, stderr) => {
                return Err(format!("{what}: exit {code}: {stderr}"));
            }
        }
    }
    Ok(valid)
}

/// Counts of a fuzz run.
#[derive(Default, Debug)]
struct Counts {
    accepted: u64,
    refused: u64,
    failures: Vec<String>,
}

fn fuzz_range(seed: u64, cases: std::ops::Range<u64>, corpus: &[(String, String)]) -> Counts {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    fs::create_dir(dir.join("data")).unwrap();
    fs::copy(
        repo().join("scenarios/data/world-states.csv"),
        dir.join("data/world-states.csv"),
    )
    .unwrap();
    let mut counts = Counts::default();
    for case in cases {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let (name, text) = &corpus[rng.random_range(0..corpus.len())];
        let mutated = mutate(text, &mut rng);
        fs::write(dir.join("case.toml"), &mutated).unwrap();
        match check_case(dir) {
            Ok(true) => counts.accepted += 1,
            Ok(false) => counts.refused += 1,
            Err(problem) => {
                let keep = std::env::temp_dir().join(format!("regime-fuzz-{seed}-{case}.toml"));
                let _ = fs::write(&keep, &mutated);
                counts.failures.push(format!(
                    "case {case} (seed {seed}, from {name}, kept as {}): {problem}",
                    keep.display()
                ));
            }
        }
        let _ = fs::remove_dir_all(dir.join("out"));
    }
    counts
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn mutated_scenarios_exit_0_or_2_and_name_the_file() {
    let n = env_number("REGIME_FUZZ_N", 300);
    let seed = env_number("REGIME_FUZZ_SEED", 14);
    let corpus = corpus();
    assert!(
        corpus.len() >= 8,
        "expected the shipped scenarios and sweeps"
    );
    let started = Instant::now();
    let half = n / 2;
    let (a, b) = std::thread::scope(|scope| {
        let first = scope.spawn(|| fuzz_range(seed, 0..half, &corpus));
        let second = fuzz_range(seed, half..n, &corpus);
        (first.join().unwrap(), second)
    });
    let failures: Vec<&String> = a.failures.iter().chain(&b.failures).collect();
    eprintln!(
        "fuzz: {n} cases (seed {seed}) in {:.1} s: {} valid, {} refused with exit 2, {} failures",
        started.elapsed().as_secs_f64(),
        a.accepted + b.accepted,
        a.refused + b.refused,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {n} mutated scenarios failed:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
