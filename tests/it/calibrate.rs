//! `regime calibrate`: byte-identical particles at any thread count and after a real SIGKILL
//! and `--resume`, the outputs (rejection's accepted draws, a calibrated scenario that
//! validates), and located errors for bad `[calibrate]` tables. The sampler itself is tested
//! on toy models with known posteriors in `src/analysis/abc/tests.rs`.

use crate::common::{s, Work, BIN};
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Seven generated states in two blocs, one issue, short runs.
const WORLD: &str = r#"
name = "tiny"
rounds = 12
seed = 7
rule_sets = ["fitted"]

[[blocs]]
group = "north"
region = "europe"
count = 3
power = { uniform = [1.0, 2.0] }
position = 0.8
security = 0.6
economy = 0.7
rights = 0.3
sovereignty_cost = 0.8
discount = 0.9
strategy = "tit_for_tat"

[[blocs]]
group = "south"
region = "africa"
count = 4
power = { uniform = [0.1, 0.5] }
position = -0.6
security = 0.2
economy = 0.6
rights = 0.6
sovereignty_cost = 0.2
discount = 0.85
strategy = "grudger"

[[issues]]
name = "labour"
payoffs = { t = 5.0, r = 3.0, p = 1.0, s = 0.0 }

[regime]
sustain_rounds = 2

[rules.fitted]
base = "institutionalist"
"#;

/// The parameters and targets every test scenario shares.
const FIT: &str = r#"
[calibrate.parameters]
"rules.fitted.monitoring" = { uniform = [0.0, 1.0] }
"rules.fitted.norm_pressure" = { log_uniform = [0.05, 2.0] }
"regime.veto_players" = { values = [0, 1, 2] }

[calibrate.targets]
members = { statistic = "member_share", issue = "labour", observed = 0.4, scale = 0.1 }
forming = { statistic = "status", issue = "labour", status = "forming", observed = 1, scale = 0.5 }
north = { statistic = "group_member_share", issue = "labour", groups = ["north"], observed = 0, scale = 0.5 }
"#;

fn smc(population: u64, generations: u64) -> String {
    format!(
        "{WORLD}\n[calibrate]\nmethod = \"smc\"\nreplicates = 2\npopulation = {population}\ngenerations = {generations}\n{FIT}"
    )
}

fn calibrate(w: &Work, scenario: &Path, out: &str, extra: &[&str]) -> crate::common::Outcome {
    let sc = s(scenario);
    let mut args = vec!["calibrate", sc.as_str(), "--out", out, "-q"];
    args.extend_from_slice(extra);
    w.run(&args)
}

const FILES: [&str; 4] = [
    "particles.csv",
    "posterior.csv",
    "fit.csv",
    "calibrated.toml",
];

fn same_files(a: &Path, b: &Path) {
    for f in FILES {
        let x = fs::read(a.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let y = fs::read(b.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn calibration_is_byte_identical_at_1_and_2_threads() {
    let w = Work::new();
    let sc = w.write("fit.toml", &smc(40, 3));
    calibrate(&w, &sc, "one", &["--threads", "1"]).ok();
    calibrate(&w, &sc, "two", &["--threads", "2"]).ok();
    same_files(&w.path("one"), &w.path("two"));
    let particles = fs::read_to_string(w.path("one/particles.csv")).expect("particles.csv");
    assert_eq!(
        particles.lines().count(),
        1 + 3 * 40,
        "header and 3 generations of 40"
    );
    // a different seed gives different particles
    calibrate(&w, &sc, "seed", &["--seed", "8"]).ok();
    let other = fs::read_to_string(w.path("seed/particles.csv")).expect("particles.csv");
    assert_ne!(particles, other);
}

#[test]
fn calibrated_scenario_validates_and_holds_the_posterior_medians() {
    let w = Work::new();
    let sc = w.write("fit.toml", &smc(30, 2));
    calibrate(&w, &sc, "out", &["--plots"]).ok();
    let cal = w.path("out/calibrated.toml");
    w.run(&["validate", &s(&cal)]).ok();
    let posterior = fs::read_to_string(w.path("out/posterior.csv")).expect("posterior.csv");
    let text = fs::read_to_string(&cal).expect("calibrated.toml");
    for line in posterior.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (path, median) = (f[0], f[5]);
        assert!(
            text.contains(&format!("#   {path}={median}")),
            "{path} = {median} not recorded in calibrated.toml"
        );
    }
    // the veto players' median is written as an integer and validated with it
    assert!(text.contains("veto_players = "), "{text}");
    for fig in ["posterior_1.svg", "posterior_3.svg", "pair.svg", "fit.svg"] {
        assert!(w.path("out").join(fig).exists(), "{fig}");
    }
}

#[test]
fn rejection_keeps_the_closest_draws() {
    let w = Work::new();
    let text =
        format!("{WORLD}\n[calibrate]\nmethod = \"rejection\"\ndraws = 200\naccept = 0.1\n{FIT}");
    let sc = w.write("rej.toml", &text);
    calibrate(&w, &sc, "out", &[]).ok();
    let read = |f: &str| -> Vec<Vec<String>> {
        fs::read_to_string(w.path("out").join(f))
            .expect("csv")
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    };
    let draws = read("draws.csv");
    let kept = read("particles.csv");
    assert_eq!(draws.len(), 200);
    assert_eq!(kept.len(), 20);
    let d = |r: &Vec<String>| r[3].parse::<f64>().expect("distance");
    let worst_kept = kept.iter().map(d).fold(0.0, f64::max);
    let closer = draws.iter().filter(|r| d(r) < worst_kept).count();
    assert!(
        closer < 20,
        "{closer} draws are closer than the worst kept one"
    );
    assert!(kept.iter().all(|r| draws.contains(&{
        let mut x = r.clone();
        x[2] = "1".into();
        x[4] = String::new();
        x
    })));
}

/// Starts a calibration and kills it with SIGKILL once its particles.csv has more than
/// `min_bytes`. Returns false if it finished first.
fn kill_during(w: &Work, scenario: &Path, out: &str, resume: bool, min_bytes: u64) -> bool {
    let mut args = vec![
        "calibrate".to_string(),
        s(scenario),
        "--out".into(),
        out.into(),
        "-q".into(),
    ];
    if resume {
        args.push("--resume".into());
    }
    let mut child = Command::new(BIN)
        .current_dir(w.path(""))
        .args(&args)
        .spawn()
        .expect("spawn regime");
    let stream = w.path(&format!("{out}.partial")).join("particles.csv");
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            assert!(
                status.success(),
                "the calibration failed before it was killed"
            );
            return false;
        }
        let size = fs::metadata(&stream).map(|m| m.len()).unwrap_or(0);
        if size > min_bytes || start.elapsed() > Duration::from_secs(120) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
    let _ = child.wait();
    true
}

#[test]
fn resume_after_sigkill_gives_the_uninterrupted_particles() {
    let w = Work::new();
    let population = if cfg!(debug_assertions) { 150 } else { 1500 };
    let sc = w.write("fit.toml", &smc(population, 3));
    calibrate(&w, &sc, "whole", &[]).ok();
    let total = fs::metadata(w.path("whole/particles.csv"))
        .expect("particles")
        .len();
    // first kill: early, in generation 0
    assert!(
        kill_during(&w, &sc, "killed", false, 2_000),
        "the calibration finished before it could be killed; make it bigger"
    );
    // without --resume the partial directory is an error that says what to do
    let o = calibrate(&w, &sc, "killed", &[]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("--resume"), "{}", o.stderr);
    // a different calibration is refused
    let o = calibrate(&w, &sc, "killed", &["--resume", "--seed", "99"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    // second kill: in a later generation
    let killed = kill_during(&w, &sc, "killed", true, total * 2 / 3);
    if killed {
        calibrate(&w, &sc, "killed", &["--resume"]).ok();
    }
    assert!(!w.path("killed.partial").exists());
    same_files(&w.path("whole"), &w.path("killed"));
    // a finished calibration whose final rename was lost is moved into place by --resume
    fs::rename(w.path("killed"), w.path("killed.partial")).expect("rename");
    calibrate(&w, &sc, "killed", &["--resume"]).ok();
    assert!(!w.path("killed.partial").exists());
    same_files(&w.path("whole"), &w.path("killed"));
}

/// A scenario whose `[calibrate]` table has `bad` in place of `good`.
fn bad_table(w: &Work, good: &str, bad: &str) -> std::path::PathBuf {
    let text = smc(10, 2);
    assert!(text.contains(good), "{good}");
    w.write("bad.toml", &text.replacen(good, bad, 1))
}

#[test]
fn bad_calibrate_tables_are_located_errors() {
    let w = Work::new();
    // (good text, bad text, field named, hint in the message, text of the line named)
    let cases: [(&str, &str, &str, &str, &str); 10] = [
        (
            "{ uniform = [0.0, 1.0] }",
            "{ normal = [0.0, 1.0] }",
            "rules.fitted.monitoring",
            "log_uniform",
            "\"rules.fitted.monitoring\"",
        ),
        (
            "{ log_uniform = [0.05, 2.0] }",
            "{ log_uniform = [0.0, 2.0] }",
            "norm_pressure",
            "0 < low",
            "norm_pressure",
        ),
        (
            "\"rules.fitted.monitoring\"",
            "\"rules.fitted.monitorin\"",
            "monitorin",
            "did you mean `monitoring`",
            "monitorin",
        ),
        (
            "{ uniform = [0.0, 1.0] }",
            "{ uniform = [0.0, 1.5] }",
            "rules.fitted.monitoring",
            "the value 1.5",
            "\"rules.fitted.monitoring\"",
        ),
        (
            "statistic = \"member_share\"",
            "statistic = \"member_shares\"",
            "calibrate.targets.members.statistic",
            "did you mean",
            "members =",
        ),
        (
            "issue = \"labour\", observed = 0.4",
            "issue = \"labor\", observed = 0.4",
            "calibrate.targets.members.issue",
            "labour",
            "members =",
        ),
        (
            "groups = [\"north\"]",
            "groups = [\"nord\"]",
            "calibrate.targets.north.groups",
            "north",
            "north =",
        ),
        (
            "status = \"forming\"",
            "status = \"emerging\"",
            "calibrate.targets.forming.status",
            "binding",
            "forming =",
        ),
        (
            "population = 10",
            "population = 0",
            "calibrate.population",
            "whole number",
            "population =",
        ),
        (
            "method = \"smc\"",
            "method = \"smc\"\ndraws = 5",
            "calibrate.draws",
            "other method",
            "draws =",
        ),
    ];
    for (good, bad, field, hint, on_line) in cases {
        let sc = bad_table(&w, good, bad);
        let text = fs::read_to_string(&sc).expect("bad.toml");
        let line = text
            .lines()
            .position(|l| l.contains(on_line))
            .expect("the line")
            + 1;
        let at = format!("bad.toml:{line}:");
        w.input_error(
            &["calibrate", &s(&sc), "--out", "out"],
            &[at.as_str(), field, hint],
        );
    }
    // an unknown rule set is blamed on calibrate.rule_set
    let text = smc(10, 2).replace("method = \"smc\"", "method = \"smc\"\nrule_set = \"nope\"");
    let sc = w.write("bad.toml", &text);
    let line = text
        .lines()
        .position(|l| l.contains("rule_set = \"nope\""))
        .expect("line")
        + 1;
    let at = format!("bad.toml:{line}:");
    w.input_error(
        &["calibrate", &s(&sc), "--out", "out"],
        &[at.as_str(), "calibrate.rule_set"],
    );
    // no [calibrate] table at all
    let sc = w.write("bad.toml", WORLD);
    w.input_error(
        &["calibrate", &s(&sc), "--out", "out"],
        &["calibrate", "docs/calibration.md"],
    );
}

#[test]
fn state_targets_read_their_column_and_are_checked() {
    let w = Work::new();
    let mut csv = String::from("name,party\n");
    for k in 1..=7 {
        // the generated states' names: check the label reaches both classes
        csv.push_str(&format!("{},{}\n", state_name(&w, k), u8::from(k > 3)));
    }
    w.write("labels.csv", &csv);
    let target = "auc = { statistic = \"state_auc\", issue = \"labour\", file = \"labels.csv\", column = \"party\", scale = 0.25 }\n";
    let sc = w.write("fit.toml", &format!("{}{target}", smc(12, 2)));
    calibrate(&w, &sc, "out", &[]).ok();
    let fit = fs::read_to_string(w.path("out/fit.csv")).expect("fit.csv");
    let row = fit
        .lines()
        .find(|l| l.starts_with("auc,"))
        .expect("the auc target");
    let mean: f64 = row
        .split(',')
        .nth(6)
        .and_then(|x| x.parse().ok())
        .expect("simulated mean");
    assert!((0.0..=1.0).contains(&mean), "{row}");
    // a missing column is named
    let sc = w.write(
        "fit.toml",
        &format!("{}{}", smc(12, 2), target.replace("\"party\"", "\"parti\"")),
    );
    w.input_error(
        &["calibrate", &s(&sc), "--out", "out2"],
        &["fit.toml:", "calibrate.targets.auc.column", "party"],
    );
}

/// The name of generated state `k` (1-based), as `regime run` writes it in states.csv.
fn state_name(w: &Work, k: usize) -> String {
    let sc = w.write("names.toml", WORLD);
    w.run(&[
        "run",
        &s(&sc),
        "--reps",
        "1",
        "--out",
        "names",
        "-q",
        "--force",
    ])
    .ok();
    let states = fs::read_to_string(w.path("names/states.csv")).expect("states.csv");
    let header: Vec<&str> = states.lines().next().unwrap_or("").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "state")
        .expect("a state column");
    let names: Vec<String> = states
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap_or("").to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    names[k - 1].clone()
}
