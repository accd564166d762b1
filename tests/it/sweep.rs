//! `regime sweep` and `regime merge`: byte-identical outputs at any thread count, in any shard
//! split and after a real SIGKILL, the design's guarantees (Latin hypercube strata, common
//! random numbers across rule sets), and located errors for bad `[sweep]` tables.

use regime::analysis::sweep::{AxisValue, Design, Levels, Plan, Shard, SweepSpec, Target};
use regime::io::scenario;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Seven generated states in two blocs, one issue, short runs: fast enough for many runs.
const WORLD: &str = r#"
name = "tiny"
rounds = 12
seed = 7
rule_sets = ["realist", "institutionalist"]

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
"#;

/// A grid of 3 x 4 points with `replicates` replicates.
pub(crate) fn grid(replicates: u64) -> String {
    format!(
        "{WORLD}
[sweep]
design = \"grid\"
replicates = {replicates}

[sweep.axes]
\"rules.realist.relative_gains\" = {{ values = [0.0, 0.25, 0.5] }}
\"blocs.*.discount\" = {{ range = [0.5, 0.95], step = 0.15 }}
"
    )
}

use super::common::{Work as Dir, BIN};

fn regime(args: &[&str]) -> Output {
    super::common::output(None, args)
}

fn sweep(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        scenario.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
        "-q",
    ];
    args.extend_from_slice(extra);
    regime(&args)
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "regime failed ({:?}):\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn bytes(p: &Path) -> Vec<u8> {
    fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn same_outputs(a: &Path, b: &Path) {
    for f in ["runs.csv", "points.csv"] {
        assert!(
            bytes(&a.join(f)) == bytes(&b.join(f)),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

// ---------------------------------------------------------------------------------------------
// Determinism: threads, shards, merge
// ---------------------------------------------------------------------------------------------

#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let d = Dir::new();
    let s = d.write("grid.toml", &grid(30));
    let one = d.path("one");
    let two = d.path("two");
    ok(&sweep(&s, &one, &["--threads", "1"]));
    ok(&sweep(&s, &two, &["--threads", "2"]));
    same_outputs(&one, &two);
    let runs = fs::read_to_string(one.join("runs.csv")).expect("runs.csv");
    // 12 points x 30 replicates x 2 rule sets, one issue, plus the header.
    assert_eq!(runs.lines().count(), 12 * 30 * 2 + 1);
    let points = fs::read_to_string(one.join("points.csv")).expect("points.csv");
    assert_eq!(points.lines().count(), 12 * 2 + 1);
    assert!(points.starts_with(
        "point,rule_set,relative_gains,discount,issue,runs,emerged,emergence_probability,emergence_ci_low,emergence_ci_high,median_emergence_round,mean_cooperation,mean_cooperation_ci_low,mean_cooperation_ci_high,mean_final_member_share,final_member_share_ci_low,final_member_share_ci_high\n"
    ));
    assert!(runs.starts_with(
        "point,replicate,run_id,seed,rule_set,relative_gains,discount,issue,preexisting,emerged,"
    ));
    assert!(
        !d.path("one.partial").exists(),
        "the partial directory is renamed away"
    );
}

#[test]
fn merged_shards_equal_one_sweep_byte_for_byte() {
    let d = Dir::new();
    let s = d.write("grid.toml", &grid(7));
    let whole = d.path("whole");
    ok(&sweep(&s, &whole, &[]));
    for n in [2u64, 5] {
        let mut dirs = Vec::new();
        for i in 1..=n {
            let out = d.path(&format!("shard-{i}-of-{n}"));
            ok(&sweep(&s, &out, &["--shard", &format!("{i}/{n}")]));
            dirs.push(out);
        }
        // Shards may be given in any order.
        dirs.reverse();
        let merged = d.path(&format!("merged-{n}"));
        let mut args = vec!["merge".to_string()];
        args.extend(dirs.iter().map(|p| p.display().to_string()));
        args.extend(["--out".to_string(), merged.display().to_string()]);
        let o = regime(&args.iter().map(String::as_str).collect::<Vec<_>>());
        ok(&o);
        same_outputs(&whole, &merged);
    }
}

#[test]
fn merge_refuses_missing_duplicate_and_foreign_shards() {
    let d = Dir::new();
    let s = d.write("grid.toml", &grid(2));
    let other = d.write("other.toml", &grid(3));
    let s1 = d.path("s1");
    let s2 = d.path("s2");
    let f2 = d.path("f2");
    ok(&sweep(&s, &s1, &["--shard", "1/2"]));
    ok(&sweep(&s, &s2, &["--shard", "2/2"]));
    ok(&sweep(&other, &f2, &["--shard", "2/2"]));
    let out = d.path("merged");
    let p = |x: &PathBuf| x.display().to_string();

    let o = regime(&["merge", &p(&s1), "--out", &p(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("shard 2/2 missing"), "{}", stderr(&o));

    let o = regime(&["merge", &p(&s1), &p(&s1), "--out", &p(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("twice"), "{}", stderr(&o));

    let o = regime(&["merge", &p(&s1), &p(&f2), "--out", &p(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("another sweep"), "{}", stderr(&o));

    // A different master seed is a different sweep too.
    let g2 = d.path("g2");
    ok(&sweep(&s, &g2, &["--shard", "2/2", "--seed", "8"]));
    let o = regime(&["merge", &p(&s1), &p(&g2), "--out", &p(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());

    let o = regime(&["merge", &p(&s2), &p(&s1), "--out", &p(&out)]);
    ok(&o);
    assert!(out.join("manifest.json").exists());
}

/// Regression (issue 14): a shard whose runs.csv had lost whole lines merged with exit 0 into
/// wrong points (n = 2 instead of 4). Every shard's rows are now checked against its manifest,
/// and a shard with missing or cut lines is refused by name, with nothing written.
#[test]
fn merge_refuses_a_shard_with_missing_or_cut_rows() {
    let d = Dir::new();
    let s = d.write("grid.toml", &grid(2));
    let (s1, s2) = (d.path("s1"), d.path("s2"));
    ok(&sweep(&s, &s1, &["--shard", "1/2"]));
    ok(&sweep(&s, &s2, &["--shard", "2/2"]));
    let runs = s2.join("runs.csv");
    let whole = fs::read_to_string(&runs).expect("runs.csv");
    let out = d.path("merged");
    let p = |x: &PathBuf| x.display().to_string();
    let lines: Vec<&str> = whole.lines().collect();
    let missing = lines[..lines.len() - 5].join("\n") + "\n";
    let cut = &whole[..whole.len() - 7];
    for (broken, found) in [(missing.as_str(), "rows"), (cut, "cut last line")] {
        fs::write(&runs, broken).expect("write");
        let o = regime(&["merge", &p(&s1), &p(&s2), "--out", &p(&out)]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let msg = stderr(&o);
        assert!(msg.contains(&runs.display().to_string()), "{msg}");
        assert!(msg.contains(found) && msg.contains("shard 2"), "{msg}");
        assert!(!out.exists());
    }
    fs::write(&runs, &whole).expect("write");
    ok(&regime(&["merge", &p(&s1), &p(&s2), "--out", &p(&out)]));
}

// ---------------------------------------------------------------------------------------------
// Resume after SIGKILL
// ---------------------------------------------------------------------------------------------

/// Starts a sweep and kills it with SIGKILL once `runs.csv` in the partial directory has more
/// than `min_bytes`. Returns false if the sweep finished before it could be killed.
fn kill_during(scenario: &Path, out: &Path, resume: bool, min_bytes: u64) -> bool {
    let mut args = vec![
        "sweep".to_string(),
        scenario.display().to_string(),
        "--out".into(),
        out.display().to_string(),
        "-q".into(),
    ];
    if resume {
        args.push("--resume".into());
    }
    let mut child = Command::new(BIN).args(&args).spawn().expect("spawn regime");
    let mut partial = out.as_os_str().to_os_string();
    partial.push(".partial");
    let runs = PathBuf::from(partial).join("runs.csv");
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            assert!(status.success(), "the sweep failed before it was killed");
            return false;
        }
        let size = fs::metadata(&runs).map(|m| m.len()).unwrap_or(0);
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
fn resume_after_sigkill_gives_the_uninterrupted_files() {
    let d = Dir::new();
    // Big enough to be killed mid-way in both debug and release builds.
    let reps = if cfg!(debug_assertions) { 600 } else { 8000 };
    let s = d.write("grid.toml", &grid(reps));
    let whole = d.path("whole");
    ok(&sweep(&s, &whole, &[]));
    let total = fs::metadata(whole.join("runs.csv"))
        .expect("runs.csv")
        .len();

    let out = d.path("killed");
    let partial = d.path("killed.partial");
    // First kill: early, when only a few rows (perhaps none committed) are there.
    let killed = kill_during(&s, &out, false, 2_000);
    assert!(
        killed,
        "the sweep finished before it could be killed; make it bigger"
    );
    assert!(partial.exists());

    // Without --resume, the partial sweep is an error that says what to do.
    let o = sweep(&s, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));

    // Second kill: after the resumed sweep has written about half of the file.
    let killed = kill_during(&s, &out, true, total / 2);
    assert!(killed || out.exists());
    // Third: a resume that is killed at once, maybe before it wrote anything.
    if partial.exists() {
        let mut child = Command::new(BIN)
            .args([
                "sweep",
                s.to_str().unwrap_or(""),
                "--out",
                out.to_str().unwrap_or(""),
                "-q",
                "--resume",
            ])
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(30));
        let _ = child.kill();
        let _ = child.wait();
    }
    if partial.exists() {
        ok(&sweep(&s, &out, &["--resume"]));
    }
    assert!(!partial.exists());
    same_outputs(&whole, &out);
}

#[test]
fn resume_refuses_a_different_sweep() {
    let d = Dir::new();
    let reps = if cfg!(debug_assertions) { 600 } else { 8000 };
    let s = d.write("grid.toml", &grid(reps));
    let out = d.path("out");
    assert!(kill_during(&s, &out, false, 2_000));
    let o = sweep(&s, &out, &["--resume", "--seed", "99"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("different sweep"), "{}", stderr(&o));
    let o = sweep(&s, &out, &["--resume", "--shard", "1/2"]);
    assert_eq!(o.status.code(), Some(2));
    // --force starts again.
    let o = sweep(&s, &out, &["--force", "--shard", "1/40"]);
    ok(&o);
    assert!(!d.path("out.partial").exists());
}

// ---------------------------------------------------------------------------------------------
// Rule sets: common random numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn a_rule_set_axis_runs_each_point_on_common_random_numbers() {
    let d = Dir::new();
    let without_axis = d.write("a.toml", &grid(4));
    let with_axis = d.write(
        "b.toml",
        &grid(4).replace(
            "[sweep.axes]\n",
            "[sweep.axes]\nrule_set = { values = [\"realist\", \"institutionalist\"] }\n",
        ),
    );
    let a = d.path("a");
    let b = d.path("b");
    ok(&sweep(&without_axis, &a, &[]));
    ok(&sweep(&with_axis, &b, &[]));
    // The axis names the rule sets the scenario already runs: the same sweep.
    same_outputs(&a, &b);

    // Rule sets of one (point, replicate) share the seed; seeds differ across replicates.
    let text = fs::read_to_string(b.join("runs.csv")).expect("runs.csv");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    for pair in rows.chunks(2) {
        assert_eq!(pair[0][4], "realist");
        assert_eq!(pair[1][4], "institutionalist");
        assert_eq!(pair[0][0], pair[1][0], "same point");
        assert_eq!(pair[0][3], pair[1][3], "same seed");
    }
    assert_ne!(rows[0][3], rows[2][3]);

    // A single rule set on the axis gives exactly that rule set's rows of the full sweep.
    let only = d.write(
        "c.toml",
        &grid(4).replace(
            "[sweep.axes]\n",
            "[sweep.axes]\nrule_set = { values = [\"institutionalist\"] }\n",
        ),
    );
    let c = d.path("c");
    ok(&sweep(&only, &c, &[]));
    let only_rows: Vec<String> = fs::read_to_string(c.join("runs.csv"))
        .expect("runs.csv")
        .lines()
        .skip(1)
        .map(|l| {
            // Drop run_id, which numbers runs within a sweep.
            let f: Vec<&str> = l.split(',').collect();
            [&f[..2], &f[3..]].concat().join(",")
        })
        .collect();
    let full_rows: Vec<String> = rows
        .iter()
        .filter(|f| f[4] == "institutionalist")
        .map(|f| [&f[..2], &f[3..]].concat().join(","))
        .collect();
    assert_eq!(only_rows, full_rows);
}

// ---------------------------------------------------------------------------------------------
// Designs
// ---------------------------------------------------------------------------------------------

fn spec_of(text: &str) -> Result<SweepSpec, String> {
    let s = scenario::parse(text, "test.toml", Path::new("."), &[]).map_err(|e| e.to_string())?;
    SweepSpec::from_scenario(&s).map_err(|e| e.to_string())
}

#[test]
fn latin_hypercube_puts_one_sample_in_every_stratum_of_every_axis() {
    for samples in [1u64, 2, 10, 97] {
        let text = format!(
            "{WORLD}
[sweep]
design = \"latin_hypercube\"
samples = {samples}
[sweep.axes]
\"rules.realist.relative_gains\" = {{ uniform = [0.0, 1.0] }}
\"blocs.*.discount\" = {{ uniform = [0.5, 0.95] }}
\"regime.min_member_share\" = {{ uniform = [0.2, 0.6] }}
"
        );
        let spec = spec_of(&text).expect("valid sweep");
        assert_eq!(spec.design, Design::LatinHypercube);
        let plan = Plan::new(spec.clone(), 1234).expect("plan");
        assert_eq!(plan.points(), samples);
        for (d, axis) in spec.axes.iter().enumerate() {
            let Levels::Uniform { low, high } = axis.levels else {
                panic!("uniform axis")
            };
            let mut hits = vec![0u32; samples as usize];
            for p in 0..samples {
                let AxisValue::Float(x) = plan.values(p)[d] else {
                    panic!("a number")
                };
                assert!(x > low && x < high, "{x} inside ({low}, {high})");
                let stratum = ((x - low) / (high - low) * samples as f64).floor() as usize;
                hits[stratum] += 1;
            }
            assert!(hits.iter().all(|&h| h == 1), "axis {d}: {hits:?}");
        }
        // The same seed gives the same design; another seed another one.
        let again = Plan::new(spec.clone(), 1234).expect("plan");
        let other = Plan::new(spec, 4321).expect("plan");
        let all = |p: &Plan| (0..samples).map(|i| p.values(i)).collect::<Vec<_>>();
        assert_eq!(all(&plan), all(&again));
        if samples > 2 {
            assert_ne!(all(&plan), all(&other));
        }
    }
}

#[test]
fn random_designs_stay_in_bounds_and_grids_enumerate_row_major() {
    let text = format!(
        "{WORLD}
[sweep]
design = \"random\"
samples = 200
[sweep.axes]
\"rules.realist.relative_gains\" = {{ uniform = [0.1, 0.2] }}
\"learning.rule\" = {{ values = [\"fermi\", \"imitate_best\"] }}
"
    );
    let plan = Plan::new(spec_of(&text).expect("valid"), 5).expect("plan");
    let mut words = std::collections::BTreeSet::new();
    for p in 0..200 {
        let v = plan.values(p);
        match (&v[0], &v[1]) {
            (AxisValue::Float(x), AxisValue::Text(w)) => {
                assert!((0.1..0.2).contains(x));
                words.insert(w.clone());
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(words.len(), 2);

    let plan = Plan::new(spec_of(&grid(1)).expect("valid"), 5).expect("plan");
    assert_eq!(plan.points(), 12);
    assert_eq!(
        plan.values(0),
        vec![AxisValue::Float(0.0), AxisValue::Float(0.5)]
    );
    assert_eq!(
        plan.values(1),
        vec![AxisValue::Float(0.0), AxisValue::Float(0.65)]
    );
    assert_eq!(
        plan.values(4),
        vec![AxisValue::Float(0.25), AxisValue::Float(0.5)]
    );
    assert_eq!(
        plan.values(11),
        vec![AxisValue::Float(0.5), AxisValue::Float(0.95)]
    );
    assert_eq!(
        plan.overrides(11),
        vec![
            "rules.realist.relative_gains=0.5".to_string(),
            "blocs.*.discount=0.95".to_string()
        ]
    );
}

#[test]
fn a_linked_axis_moves_several_mechanisms_along_one_line() {
    let text = format!(
        "{WORLD}
[rules.mix]
base = \"realist\"

[sweep]
replicates = 2
[sweep.axes]
rule_set = {{ values = [\"mix\"] }}
continuum = {{ range = [0.0, 1.0], step = 0.25, links = {{ \"rules.mix.relative_gains\" = [0.5, 0.0], \"rules.mix.monitoring\" = [0.0, 0.8] }} }}
"
    );
    let spec = spec_of(&text).expect("valid");
    assert_eq!(spec.rule_set_axis, Some(vec!["mix".to_string()]));
    assert_eq!(spec.axes[0].column, "continuum");
    assert!(matches!(spec.axes[0].target, Target::Linked(ref l) if l.len() == 2));
    let plan = Plan::new(spec, 1).expect("plan");
    assert_eq!(plan.points(), 5);
    assert_eq!(
        plan.overrides(1),
        vec![
            "rules.mix.relative_gains=0.375".to_string(),
            "rules.mix.monitoring=0.2".to_string(),
            "rule_sets=[\"mix\"]".to_string()
        ]
    );
    // And it runs: the custom rule set is resolved at every point.
    let d = Dir::new();
    let s = d.write("mix.toml", &text);
    let out = d.path("mix");
    ok(&sweep(&s, &out, &[]));
    let points = fs::read_to_string(out.join("points.csv")).expect("points.csv");
    assert!(points.starts_with("point,rule_set,continuum,issue,"));
    assert!(points
        .lines()
        .nth(1)
        .unwrap_or("")
        .starts_with("0,mix,0,labour,2,"));
}

#[test]
fn shard_blocks_are_contiguous_and_cover_every_point() {
    let mut seen = Vec::new();
    for i in 1..=4 {
        seen.extend(Shard { index: i, count: 4 }.points(10));
    }
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// points.csv
// ---------------------------------------------------------------------------------------------

#[test]
fn points_count_censored_runs_and_give_kaplan_meier_medians() {
    let d = Dir::new();
    let runs = d.path("runs.csv");
    let header = regime::analysis::sweep::runs_header(&["k".to_string()]).join(",");
    let row = |point: u32, rep: u32, emerged: Option<u32>, coop: f64| {
        format!(
            "{point},{rep},{},1,realist,0.5,labour,0,{},{},,0,,,absent,1,0.5,0.5,{coop},{coop},1,1,10,4",
            point * 10 + rep,
            emerged.is_some() as u8,
            emerged.map(|r| r.to_string()).unwrap_or_default()
        )
    };
    let mut text = header + "\n";
    // Point 0: emergence at 2, 4, censored, censored -> S(2) = 3/4, S(4) = 3/4 * 2/3 = 1/2.
    for (rep, e) in [(0, Some(2)), (1, Some(4)), (2, None), (3, None)] {
        text.push_str(&row(0, rep, e, 0.5));
        text.push('\n');
    }
    // Point 1: never: the median is not reached.
    for rep in 0..3 {
        text.push_str(&row(1, rep, None, 0.25));
        text.push('\n');
    }
    fs::write(&runs, text).expect("write");
    let points = d.path("points.csv");
    assert_eq!(
        regime::analysis::sweep::points_from_runs(&runs, &points).expect("points"),
        2
    );
    let p = fs::read_to_string(points).expect("read");
    let lines: Vec<Vec<&str>> = p.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        lines[0][..6],
        ["point", "rule_set", "k", "issue", "runs", "emerged"]
    );
    assert_eq!(
        lines[1][..8],
        [
            "0",
            "realist",
            "0.5",
            "labour",
            "4",
            "2",
            "0.5",
            lines[1][7]
        ]
    );
    assert_eq!(lines[1][9], "4", "Kaplan-Meier median");
    assert_eq!(lines[1][10], "0.5", "mean cooperation");
    assert_eq!(lines[2][5], "0");
    assert_eq!(
        lines[2][7], "0",
        "Wilson lower bound is 0 with no successes"
    );
    assert_eq!(lines[2][9], "", "median not reached");
}

// ---------------------------------------------------------------------------------------------
// Bad sweep tables: exit 2, file, line and field
// ---------------------------------------------------------------------------------------------

/// Runs a sweep of `WORLD` plus `table` and returns stderr, asserting exit code 2.
fn bad(table: &str) -> String {
    let d = Dir::new();
    let text = format!("{WORLD}\n{table}");
    let s = d.write("bad.toml", &text);
    let o = sweep(&s, &d.path("out"), &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        !d.path("out").exists() && !d.path("out.partial").exists(),
        "nothing written"
    );
    err
}

/// The 1-based line of the first occurrence of `needle` in `WORLD` + "\n" + `table`.
fn line_of(table: &str, needle: &str) -> usize {
    let text = format!("{WORLD}\n{table}");
    let at = text.find(needle).expect("needle");
    text[..at].matches('\n').count() + 1
}

#[test]
fn an_unknown_design_is_located() {
    let t = "[sweep]\ndesign = \"latin_hypercub\"\nsamples = 4\n[sweep.axes]\n\"blocs.*.discount\" = { uniform = [0.5, 0.9] }\n";
    let e = bad(t);
    assert!(
        e.contains(&format!("bad.toml:{}", line_of(t, "design"))),
        "{e}"
    );
    assert!(
        e.contains("sweep.design") && e.contains("did you mean `latin_hypercube`"),
        "{e}"
    );
}

#[test]
fn empty_values_are_located() {
    let t = "[sweep]\n[sweep.axes]\n\"blocs.*.discount\" = { values = [] }\n";
    let e = bad(t);
    assert!(
        e.contains(&format!("bad.toml:{}", line_of(t, "values"))),
        "{e}"
    );
    assert!(
        e.contains("sweep.axes.\"blocs.*.discount\".values") && e.contains("non-empty"),
        "{e}"
    );
}

#[test]
fn a_step_that_is_not_positive_is_located() {
    for step in ["0", "-0.1"] {
        let t = format!("[sweep]\n[sweep.axes]\n\"blocs.*.discount\" = {{ range = [0.5, 0.9], step = {step} }}\n");
        let e = bad(&t);
        assert!(
            e.contains(&format!("bad.toml:{}", line_of(&t, "step"))),
            "{e}"
        );
        assert!(e.contains(".step") && e.contains("a number > 0"), "{e}");
    }
}

#[test]
fn an_unknown_axis_path_is_located() {
    let t = "[sweep]\n[sweep.axes]\n\"states.*.discount\" = { values = [0.5] }\n";
    let e = bad(t);
    assert!(
        e.contains(&format!("bad.toml:{}", line_of(t, "\"states"))),
        "{e}"
    );
    assert!(
        e.contains("sweep.axes.\"states.*.discount\"") && e.contains("matches nothing"),
        "{e}"
    );
    // A misspelt mechanism: the scenario's own "did you mean".
    let t = "[sweep]\n[sweep.axes]\n\"rules.realist.relative_gain\" = { values = [0.5] }\n";
    let e = bad(t);
    assert!(
        e.contains(&format!("bad.toml:{}", line_of(t, "\"rules"))),
        "{e}"
    );
    assert!(e.contains("relative_gains"), "{e}");
}

#[test]
fn a_value_the_scenario_rejects_names_the_axis() {
    let t = "[sweep]\n[sweep.axes]\n\"rules.realist.relative_gains\" = { values = [0.0] }\n\"blocs.*.discount\" = { values = [0.5, 1.5] }\n";
    let e = bad(t);
    assert!(
        e.contains(&format!("bad.toml:{}", line_of(t, "\"blocs"))),
        "{e}"
    );
    assert!(
        e.contains("sweep.axes.\"blocs.*.discount\"") && e.contains("1.5"),
        "{e}"
    );
}

#[test]
fn other_mistakes_are_located_too() {
    let cases = [
        ("[sweep]\nreplicate = 3\n[sweep.axes]\nrounds = { values = [5] }\n", "replicate", "did you mean `replicates`"),
        ("[sweep]\ndesign = \"random\"\n[sweep.axes]\n\"blocs.*.discount\" = { uniform = [0.5, 0.9] }\n", "design", "samples"),
        ("[sweep]\n[sweep.axes]\n\"blocs.*.discount\" = { uniform = [0.5, 0.9] }\n", "{ uniform = [0.5", "random"),
        ("[sweep]\n[sweep.axes]\n\"blocs.*.discount\" = { range = [0.9, 0.5], step = 0.1 }\n", "range", "a <= b"),
        ("[sweep]\n[sweep.axes]\n\"blocs.*.discount\" = { values = [0.5, 0.5] }\n", "values", "distinct"),
        ("[sweep]\n[sweep.axes]\nrule_set = { values = [\"realism\"] }\n", "rule_set = {", "realism"),
        ("[sweep]\n[sweep.axes]\nseed = { values = [1, 2] }\n", "seed = {", "master seed"),
        ("[sweep]\n[sweep.axes]\n", "[sweep.axes]", "at least one axis"),
        ("[sweep]\nsamples = 3\n[sweep.axes]\nrounds = { values = [5] }\n", "samples", "grid"),
    ];
    for (t, needle, says) in cases {
        let e = bad(t);
        assert!(
            e.contains(&format!("bad.toml:{}", line_of(t, needle))),
            "{t}\n{e}"
        );
        assert!(e.contains(says), "{t}\n{e}");
    }
    // No [sweep] table at all.
    let d = Dir::new();
    let s = d.write("plain.toml", WORLD);
    let o = sweep(&s, &d.path("out"), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("[sweep]"), "{}", stderr(&o));
    // A bad --shard.
    let s = d.write("grid.toml", &grid(1));
    let o = sweep(&s, &d.path("out"), &["--shard", "3/2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--shard"));
}

#[test]
fn an_existing_output_is_not_overwritten_without_force() {
    let d = Dir::new();
    let s = d.write("grid.toml", &grid(1));
    let out = d.path("out");
    ok(&sweep(&s, &out, &[]));
    let o = sweep(&s, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"));
    ok(&sweep(&s, &out, &["--force"]));
}
