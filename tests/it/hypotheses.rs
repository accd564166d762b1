//! `regime hypotheses` (docs/hypotheses.md): the engine's probe (a run without a probe is the
//! ordinary run; a forced exit removes the most powerful members for good), answers known by
//! construction, and the same bytes at any thread count.

use crate::common::{s, shipped, Work};
use regime::analysis::hypotheses::{self, design, design::Design, rules::Match};
use regime::engine::sim::{self, EventKind, ForcedExit, Probe, Record, RunId, RunOutput};
use regime::engine::world;
use regime::io::scenario::{self, Rules, Scenario};

fn teaching() -> Scenario {
    scenario::load(&shipped("teaching.toml"), &[]).expect("teaching.toml loads")
}

fn id(s: &Scenario) -> RunId {
    RunId {
        run_id: 0,
        replicate: 0,
        seed: s.seed,
        rule_set: "test".into(),
    }
}

fn probed(s: &Scenario, rules: &Rules, probe: &Probe) -> RunOutput {
    let w = world::generate(s, s.seed);
    sim::run_probed(s, &w, rules, (id(s), Record::Full), probe)
}

fn text(o: &RunOutput) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        o.summaries, o.timeseries, o.events, o.states
    )
}

/// Without a probe, `run_probed` is `run`, to the last bit; the panel only observes.
#[test]
fn a_run_without_a_probe_is_the_ordinary_run() {
    let s = teaching();
    for (_, rules) in &s.rule_sets {
        let w = world::generate(&s, s.seed);
        let plain = sim::run(&s, &w, rules, id(&s), Record::Full);
        let none = probed(&s, rules, &Probe::default());
        let panel = probed(
            &s,
            rules,
            &Probe {
                forced_exit: None,
                panel: true,
            },
        );
        assert_eq!(text(&plain), text(&none));
        assert_eq!(text(&plain), text(&panel));
        assert!(none.probe.panel.is_empty() && none.probe.exits.is_empty());
        assert!(!panel.probe.panel.is_empty());
    }
}

/// A forced exit removes the most powerful members of each issue at its round and they never
/// ratify again; before it, the run is the baseline's.
#[test]
fn forced_exit_removes_the_most_powerful_members_for_good() {
    let s = teaching();
    let rules = Rules::INSTITUTIONALIST;
    let exit = ForcedExit {
        round: 20,
        count: 2,
    };
    let probe = Probe {
        forced_exit: Some(exit),
        panel: false,
    };
    let o = probed(&s, &rules, &probe);
    let base = probed(&s, &rules, &Probe::default());
    let w = world::generate(&s, s.seed);
    assert_eq!(o.probe.exits.len(), s.issues.len());
    let mut removed_any = false;
    for e in &o.probe.exits {
        assert!(e.removed.len() <= 2);
        removed_any |= !e.removed.is_empty();
        let powers: Vec<f64> = e.removed.iter().map(|&i| w.states[i].power).collect();
        assert!(powers.windows(2).all(|p| p[0] >= p[1]), "{powers:?}");
        for ev in &o.events {
            let rejoined = ev.kind == EventKind::Ratified
                && ev.issue == Some(e.issue)
                && ev.round >= exit.round
                && ev.state.is_some_and(|i| e.removed.contains(&i));
            assert!(!rejoined, "a state forced out joined again: {ev:?}");
        }
    }
    assert!(
        removed_any,
        "no member was forced out: the test shows nothing"
    );
    let before = |o: &RunOutput| -> Vec<String> {
        let rows = o.timeseries.iter().filter(|r| r.round < exit.round);
        rows.map(|r| format!("{r:?}")).collect()
    };
    assert_eq!(before(&o), before(&base));
    assert_ne!(text(&o), text(&base), "the exit changed nothing");
}

/// With civil-society access off, a rule set without monitoring and norm pressure (the two
/// channels of access) runs exactly as with access on, so H1's paired differences are exactly
/// zero and match realism; the institutionalist preset's runs do differ.
#[test]
fn access_contrast_is_exactly_zero_when_its_mechanisms_are_off() {
    let s = scenario::load(&shipped("civil-society.toml"), &[]).expect("loads");
    let off = design::without_access(&s);
    let deaf = Rules {
        monitoring: 0.0,
        norm_pressure: 0.0,
        ..Rules::INSTITUTIONALIST
    };
    let same = |rules: &Rules| {
        text(&probed(&s, rules, &Probe::default())) == text(&probed(&off, rules, &Probe::default()))
    };
    assert!(same(&deaf));
    assert!(
        !same(&Rules::INSTITUTIONALIST),
        "access changed nothing under institutionalism"
    );
    let mut t = teaching();
    t.rule_sets = vec![("deaf".into(), deaf)];
    let rows = hypotheses::run(
        &t,
        &t.rule_sets.clone(),
        &Design::for_scenario(&t, 6),
        |_| {},
    );
    let h1: Vec<_> = rows
        .iter()
        .filter(|r| r.hypothesis == "who_decides")
        .collect();
    assert!(!h1.is_empty());
    for r in h1 {
        assert_eq!((r.estimate, r.ci), (0.0, (0.0, 0.0)), "{r:?}");
        let decided = r.measure != "d_cooperation_access";
        let want = if decided {
            Match::Realist
        } else {
            Match::Descriptive
        };
        assert_eq!(r.matches, want, "{r:?}");
        assert_eq!(r.n, 6);
    }
}

/// A longer shadow of the future never lowers the discount factor, and the horizon variants
/// run on the replicate's world otherwise unchanged.
#[test]
fn horizon_variants_change_only_discount_factors() {
    let s = teaching();
    let d = Design::for_scenario(&s, 2);
    let w = world::generate(&s, s.seed);
    let short = d.world(design::Variant::Horizon(0), &w);
    let long = d.world(design::Variant::Horizon(1), &w);
    for ((a, b), c) in short.states.iter().zip(&w.states).zip(&long.states) {
        assert!(a.discount < b.discount && b.discount < c.discount);
        let h = |x: f64| 1.0 / (1.0 - x);
        assert!((h(c.discount) / h(b.discount) - 2.0).abs() < 1e-9);
        assert_eq!(a.power, b.power);
    }
}

/// `hypotheses.csv` is byte-identical at 1 and 2 threads, and an error writes nothing.
#[test]
fn hypotheses_csv_is_the_same_at_any_thread_count() {
    let work = Work::new();
    let sc = s(&shipped("teaching.toml"));
    let mut csvs = Vec::new();
    for t in ["1", "2"] {
        let out = work.path(&format!("h{t}"));
        let out_text = s(&out);
        let args = [
            "hypotheses",
            &sc,
            "--reps",
            "8",
            "--threads",
            t,
            "--out",
            &out_text,
            "-q",
        ];
        let plots: &[&str] = if t == "2" { &["--plots"] } else { &[] };
        let o = work.run(&[&args[..], plots].concat()).ok();
        assert!(o.stdout.contains("who_gains"), "{}", o.stdout);
        csvs.push(std::fs::read(out.join("hypotheses.csv")).expect("hypotheses.csv"));
    }
    assert_eq!(csvs[0], csvs[1]);
    let svg = std::fs::read_to_string(work.path("h2").join("hypotheses.svg")).expect("svg");
    assert!(svg.contains("who gains"), "the figure lacks its panels");
    let header = String::from_utf8_lossy(&csvs[0])
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert_eq!(header, hypotheses::COLUMNS.join(","));
    work.input_error(&["hypotheses", &sc, "--reps", "1"], &["--reps"]);
}

/// `validate-targets` writes one row per rule set and predictor, the same at 1 and 2 threads;
/// a vote that is not yes, no, abstain or absent is bad input naming its line and column.
#[test]
fn validate_targets_reports_aucs_and_rejects_bad_votes() {
    let work = Work::new();
    let sc = s(&shipped("world-data.toml"));
    let mut csvs = Vec::new();
    for t in ["1", "2"] {
        let out = work.path(&format!("v{t}"));
        let args = ["validate-targets", &sc, "--reps", "1", "--bootstrap", "50"];
        let o = work
            .run(&[&args[..], &["--threads", t, "--out", &s(&out), "-q"]].concat())
            .ok();
        assert!(o.stdout.contains("AUC position"), "{}", o.stdout);
        csvs.push(std::fs::read_to_string(out.join("validation.csv")).expect("validation.csv"));
    }
    assert_eq!(csvs[0], csvs[1]);
    let lines: Vec<&str> = csvs[0].lines().collect();
    assert_eq!(lines.len(), 1 + 2 * 3, "{}", csvs[0]);
    for line in lines[1..].iter().filter(|l| !l.contains("minus")) {
        let auc: f64 = line
            .split(',')
            .nth(5)
            .and_then(|x| x.parse().ok())
            .expect("auc");
        assert!((0.0..=1.0).contains(&auc), "{line}");
    }
    let bad = work.write(
        "targets.csv",
        "name,gcm_2018_vote\nAfghanistan,yes\nAngola,maybe\n",
    );
    work.input_error(
        &[
            "validate-targets",
            &sc,
            "--reps",
            "1",
            "--targets",
            &s(&bad),
        ],
        &["targets.csv", "line 3", "gcm_2018_vote", "maybe"],
    );
}
