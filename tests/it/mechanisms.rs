//! Mechanism tests (issue #3): each test shows ONE mechanism of the model (docs/ODD.md §2 and §7,
//! `src/model.rs`) at work in the engine (`src/sim.rs`), with everything else held fixed: the
//! same scenario, world and seed, and one parameter changed.
//!
//! Scenarios start from `tests/data/mechanisms/base.toml`, in which everything is switched off
//! (no noise, learning, negotiation or civil society; a rule set `test` with every mechanism at
//! zero). A test appends its states and shocks, turns on what it needs with `--set` overrides,
//! and varies one field of the rule set or of the scenario. Expected values are worked out by
//! hand in the comments; payoffs are Axelrod's T = 5, R = 3, P = 1, S = 0 unless said otherwise.
//!
//! Floats that are sums of a few exact payoffs are compared with tolerance [`EPS`]; statistical
//! checks (random detection, misperception) state their margins where they are made.
//!
//! Tests marked `#[ignore = "FAILS: ..."]` state a requirement the engine does not meet (issue
//! #3); they are kept failing, not weakened. Run them with
//! `cargo test --release --test it mechanisms -- --ignored`.

// `RegimeError` is large by design (it carries file, line and field); the library allows this
// lint for the same reason, and the closure passed to `run_replicates` returns it.
#![allow(clippy::result_large_err)]

use regime::analysis::experiment;
use regime::engine::rng;
use regime::engine::sim::{
    self, Event, EventKind, Record, RunId, RunOutput, StateRow, TimeseriesRow,
};
use regime::engine::tournament;
use regime::engine::world;
use regime::io::output;
use regime::io::scenario::{self, Rules, Scenario};
use regime::model;
use regime::model::game::Payoffs;
use regime::model::strategy::Strategy;
use std::path::PathBuf;

/// Tolerance for sums of a few payoffs.
const EPS: f64 = 1e-9;

/// The base scenario (everything off).
const BASE: &str = include_str!("../data/mechanisms/base.toml");

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/mechanisms")
}

// ---------------------------------------------------------------------------------------------
// Building scenarios and running them
// ---------------------------------------------------------------------------------------------

/// A state listed one by one; neutral defaults (no payoff shifts apply).
#[derive(Debug, Clone)]
struct St {
    name: String,
    group: String,
    region: String,
    power: f64,
    position: f64,
    security: f64,
    economy: f64,
    sovereignty_cost: f64,
    discount: f64,
    strategy: String,
}

fn st(name: &str) -> St {
    St {
        name: name.into(),
        group: "g".into(),
        region: "r".into(),
        power: 1.0,
        position: 0.0,
        security: 0.0,
        economy: 0.0,
        sovereignty_cost: 0.0,
        discount: 0.95,
        strategy: "tit_for_tat".into(),
    }
}

impl St {
    fn group(mut self, g: &str) -> Self {
        self.group = g.into();
        self
    }
    fn region(mut self, r: &str) -> Self {
        self.region = r.into();
        self
    }
    fn power(mut self, x: f64) -> Self {
        self.power = x;
        self
    }
    fn position(mut self, x: f64) -> Self {
        self.position = x;
        self
    }
    fn security(mut self, x: f64) -> Self {
        self.security = x;
        self
    }
    fn economy(mut self, x: f64) -> Self {
        self.economy = x;
        self
    }
    fn sov(mut self, x: f64) -> Self {
        self.sovereignty_cost = x;
        self
    }
    fn discount(mut self, x: f64) -> Self {
        self.discount = x;
        self
    }
    fn strategy(mut self, s: &str) -> Self {
        self.strategy = s.into();
        self
    }
    fn toml(&self) -> String {
        format!(
            "\n[[states]]\nname = \"{}\"\ngroup = \"{}\"\nregion = \"{}\"\npower = {:?}\nposition = {:?}\n\
             security = {:?}\neconomy = {:?}\nrights = 0.0\nsovereignty_cost = {:?}\ndiscount = {:?}\n\
             strategy = \"{}\"\n",
            self.name,
            self.group,
            self.region,
            self.power,
            self.position,
            self.security,
            self.economy,
            self.sovereignty_cost,
            self.discount,
            self.strategy
        )
    }
}

/// The base scenario with `states`, then `extra` TOML (shocks), then `--set` overrides.
fn scenario(states: &[St], sets: &[&str], extra: &str) -> Scenario {
    let mut text = BASE.to_string();
    for s in states {
        text.push_str(&s.toml());
    }
    text.push_str(extra);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    scenario::parse(&text, "mechanisms.toml", &fixture_dir(), &sets)
        .unwrap_or_else(|e| panic!("scenario does not parse: {e}"))
}

/// The rule set `test` of the base scenario (every mechanism zero, or as overridden).
fn rules(s: &Scenario) -> Rules {
    s.rule_sets[0].1
}

/// One full run of `s` under `r`, in the world of the scenario's own seed, with every
/// negotiation decision recorded (see [`terms`]).
fn run(s: &Scenario, r: &Rules) -> RunOutput {
    let w = world::generate(s, s.seed);
    sim::run(
        s,
        &w,
        r,
        RunId {
            run_id: 0,
            replicate: 0,
            seed: s.seed,
            rule_set: "test".into(),
        },
        Record::FullWithNegotiations,
    )
}

fn events(out: &RunOutput, kind: EventKind) -> Vec<&Event> {
    out.events.iter().filter(|e| e.kind == kind).collect()
}

/// Timeseries rows of all states (group = all) of issue 0, by round.
fn overall(out: &RunOutput) -> Vec<&TimeseriesRow> {
    out.timeseries
        .iter()
        .filter(|r| r.issue == 0 && r.group.is_none())
        .collect()
}

fn index_of(out: &RunOutput, name: &str) -> usize {
    let w = out
        .final_world
        .as_ref()
        .expect("a full run keeps its world");
    w.states
        .iter()
        .position(|s| s.name == name)
        .unwrap_or_else(|| panic!("no state {name}"))
}

/// The `states.csv` row of a state (issue 0).
fn row<'a>(out: &'a RunOutput, name: &str) -> &'a StateRow {
    let i = index_of(out, name);
    out.states
        .iter()
        .find(|r| r.state as usize == i && r.issue == 0)
        .expect("a row per state")
}

/// A state's membership terms at the negotiation of `round` (issue 0; `negotiations.csv`).
fn terms(out: &RunOutput, name: &str, round: u64) -> model::MembershipTerms {
    let i = index_of(out, name);
    out.negotiations
        .iter()
        .find(|r| r.state == i && r.issue == 0 && r.round == round)
        .unwrap_or_else(|| panic!("no negotiation row of {name} in round {round}"))
        .terms
}

fn name_of(out: &RunOutput, i: usize) -> String {
    out.final_world.as_ref().expect("full run").states[i]
        .name
        .to_string()
}

/// Names of the states of the events of one kind.
fn event_states(out: &RunOutput, kind: EventKind) -> Vec<String> {
    let mut v: Vec<String> = events(out, kind)
        .iter()
        .filter_map(|e| e.state)
        .map(|i| name_of(out, i))
        .collect();
    v.sort();
    v
}

/// The `summary.csv` fields of issue 0, by column name.
fn summary_field(s: &Scenario, out: &RunOutput, column: &str) -> String {
    let k = output::SUMMARY_COLUMNS
        .iter()
        .position(|c| *c == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    output::summary_fields(s, out, 0)[k].clone()
}

fn total_detected(out: &RunOutput) -> u64 {
    out.states.iter().map(|r| r.times_detected).sum()
}

/// Enforcement with perfect detection and no monitoring, sanctions or transaction costs: the
/// plain grim-trigger condition.
fn perfect(r: &Rules) -> model::Enforcement {
    model::Enforcement::new(1.0, 0.0, r, 0.0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < EPS
}

/// `n` identical states named `prefix1..prefixN`.
fn many(prefix: &str, n: usize, f: impl Fn(St) -> St) -> Vec<St> {
    (1..=n).map(|k| f(st(&format!("{prefix}{k}")))).collect()
}

// ---------------------------------------------------------------------------------------------
// The plain engine
// ---------------------------------------------------------------------------------------------

/// With relative_gains = 0 and no institutions (every mechanism 0, no veto, and no regime able
/// to form because sovereignty costs are prohibitive) the model is the plain repeated game:
/// each state's payoff over the run equals `tournament::play_match`'s score for its pair.
/// Pairs are kept apart by a regional topology with one region per pair and no cross links.
#[test]
fn plain_engine_equals_tournament_play_match() {
    let pairs = [
        ("tit_for_tat", "defector"),
        ("grudger", "win_stay_lose_shift"),
        ("tit_for_two_tats", "alternator"),
        ("suspicious_tit_for_tat", "tit_for_tat"),
        ("win_stay_lose_shift", "defector"),
        ("cooperator", "alternator"),
        ("grudger", "suspicious_tit_for_tat"),
        ("win_stay_lose_shift", "suspicious_tit_for_tat"),
    ];
    let mut states = Vec::new();
    for (k, (a, b)) in pairs.iter().enumerate() {
        let region = format!("pair{k}");
        states.push(st(&format!("A{k}")).region(&region).strategy(a).sov(1e6));
        states.push(st(&format!("B{k}")).region(&region).strategy(b).sov(1e6));
    }
    let turns = 37u64; // odd, and not a multiple of any cycle length, to exercise cycle ends
    let s = scenario(
        &states,
        &[
            "rounds=37",
            "topology.kind=\"regional\"",
            "topology.cross_region_probability=0.0",
            "regime.negotiation_interval=5", // treaties are on the table, but nobody ratifies
        ],
        "",
    );
    let out = run(&s, &rules(&s));
    assert_eq!(
        out.final_world.as_ref().map(|w| w.edges.len()),
        Some(pairs.len()),
        "one edge per pair"
    );
    assert!(
        events(&out, EventKind::Ratified).is_empty(),
        "no regime may form"
    );
    assert!(out.summaries[0].emergence_round.is_none());
    let g = Payoffs::STANDARD;
    for (k, (a, b)) in pairs.iter().enumerate() {
        let ma = Strategy::parse(a).expect("strategy").machine(&g);
        let mb = Strategy::parse(b).expect("strategy").machine(&g);
        let mut stream = rng::stream(1);
        let counts = tournament::play_match(&ma, &mb, turns, 0.0, &mut stream, None);
        let [cc, cd, dc, dd] = counts.map(|c| c as f64);
        let score_a = cc * g.r + cd * g.s + dc * g.t + dd * g.p;
        let score_b = cc * g.r + cd * g.t + dc * g.s + dd * g.p;
        let ra = row(&out, &format!("A{k}"));
        let rb = row(&out, &format!("B{k}"));
        assert!(
            (ra.mean_payoff * turns as f64 - score_a).abs() < EPS,
            "{a} vs {b}: engine {} vs play_match {score_a}",
            ra.mean_payoff * turns as f64
        );
        assert!(
            (rb.mean_payoff * turns as f64 - score_b).abs() < EPS,
            "{b} vs {a}: engine {} vs play_match {score_b}",
            rb.mean_payoff * turns as f64
        );
        // k = 0: utility is payoff.
        assert!(close(ra.mean_utility, ra.mean_payoff) && close(rb.mean_utility, rb.mean_payoff));
        // Cooperation shares agree with the outcome counts.
        assert!(
            close(ra.cooperation * turns as f64, cc + cd),
            "{a} vs {b}: cooperation of {a}"
        );
        assert!(
            close(rb.cooperation * turns as f64, cc + dc),
            "{a} vs {b}: cooperation of {b}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Relative gains (Grieco 1988)
// ---------------------------------------------------------------------------------------------

/// TFT against ALLD for 10 rounds: TFT earns S + 9P = 9, ALLD T + 9P = 14. With k = 0.5 TFT's
/// payoff is unchanged and its utility falls by k (T - S) = 2.5 over the run; ALLD's rises by
/// the same amount.
#[test]
fn relative_gains_lower_the_utility_not_the_payoff_of_the_lesser_earner() {
    let states = [st("TFT").sov(1e6), st("ALLD").strategy("defector").sov(1e6)];
    let s = scenario(&states, &["rounds=10"], "");
    let r0 = rules(&s);
    let r1 = Rules {
        relative_gains: 0.5,
        ..r0
    };
    let (a, b) = (run(&s, &r0), run(&s, &r1));
    for out in [&a, &b] {
        assert!(
            close(row(out, "TFT").mean_payoff, 0.9),
            "TFT payoff (S + 9P) / 10"
        );
        assert!(
            close(row(out, "ALLD").mean_payoff, 1.4),
            "ALLD payoff (T + 9P) / 10"
        );
    }
    assert!(close(row(&a, "TFT").mean_utility, 0.9));
    assert!(
        close(row(&b, "TFT").mean_utility, 0.9 - 0.25),
        "k (T - S) / 10 = 0.25 less"
    );
    assert!(
        close(row(&b, "ALLD").mean_utility, 1.4 + 0.25),
        "k (T - S) / 10 = 0.25 more"
    );
    assert!(
        close(a.summaries[0].mean_payoff, b.summaries[0].mean_payoff),
        "payoffs do not move"
    );
}

/// The grim-trigger threshold with relative gains is delta* = (T' - R) / (T' - P) with
/// T' = (1 + k) T - k S: 0.5 at k = 0 and 4.5 / 6.5 = 0.692 at k = 0.5. Two members with
/// discount 0.6 (between the thresholds) comply at k = 0 and cheat at k = 0.5, which shows in
/// the run as member compliance 1 and 0.
#[test]
fn relative_gains_raise_the_compliance_threshold_in_a_run() {
    let g = Payoffs::STANDARD;
    let t = g.as_array();
    let delta = 0.6;
    let star = |k: f64| {
        let tk = (1.0 + k) * g.t - k * g.s;
        (tk - g.r) / (tk - g.p)
    };
    assert!(close(star(0.0), 0.5) && close(star(0.5), 4.5 / 6.5));
    assert!(close(star(0.5), g.relative_gains(0.5).grim_threshold()));
    assert!(star(0.0) < delta && delta < star(0.5));

    let states = [st("A").discount(delta), st("B").discount(delta)];
    let s = scenario(
        &states,
        &[
            "rounds=6",
            "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
        ],
        "",
    );
    let r0 = rules(&s);
    let r1 = Rules {
        relative_gains: 0.5,
        ..r0
    };
    // The model's rule, at the two k.
    assert!(model::complies(&t, &t, 0.0, delta, &perfect(&r0)));
    assert!(!model::complies(&t, &t, 0.5, delta, &perfect(&r1)));
    // Just either side of the k = 0.5 threshold.
    assert!(model::complies(
        &t,
        &t,
        0.5,
        star(0.5) + 1e-6,
        &perfect(&r1)
    ));
    assert!(!model::complies(
        &t,
        &t,
        0.5,
        star(0.5) - 1e-6,
        &perfect(&r1)
    ));

    let (a, b) = (run(&s, &r0), run(&s, &r1));
    for r in overall(&a) {
        assert_eq!(
            r.compliance,
            Some(1.0),
            "k = 0, round {}: members comply",
            r.round
        );
        assert!(close(r.cooperation, 1.0));
    }
    for r in overall(&b) {
        assert_eq!(
            r.compliance,
            Some(0.0),
            "k = 0.5, round {}: members cheat",
            r.round
        );
        assert!(close(r.cooperation, 0.0));
    }
    assert!(close(row(&a, "A").mean_payoff, g.r) && close(row(&b, "A").mean_payoff, g.p));
}

/// Dilution (Snidal 1991): k_eff = k / (1 + d (m - 1)) with m partners. A TFT state playing
/// three ALLD states for 10 rounds loses k_eff (T - S) / 10 of utility per interaction: 0.25 at
/// k = 0.5 undiluted, a third of that with d = 1 (m = 3); its payoff does not move.
#[test]
fn relative_gains_are_diluted_over_many_partners() {
    let mut states = vec![st("TFT").sov(1e6)];
    states.extend(many("D", 3, |s| s.strategy("defector").sov(1e6)));
    let s = scenario(
        &states,
        &[
            "rounds=10",
            "topology.kind=\"edge_list\"",
            "topology.file=\"edges-star.csv\"",
        ],
        "",
    );
    let k = Rules {
        relative_gains: 0.5,
        ..rules(&s)
    };
    let diluted = Rules {
        relative_gains_dilution: 1.0,
        ..k
    };
    let (a, b) = (run(&s, &k), run(&s, &diluted));
    assert!(close(
        model::relative_gains_weight(&diluted, 3, 1.0),
        0.5 / 3.0
    ));
    let t = |o: &RunOutput| row(o, "TFT").clone();
    assert!(close(t(&a).mean_payoff, 0.9) && close(t(&b).mean_payoff, 0.9));
    assert!(close(t(&a).mean_utility, 0.9 - 0.25));
    assert!(close(t(&b).mean_utility, 0.9 - 0.25 / 3.0));
    // Each ALLD has one partner: no dilution for it.
    assert!(close(row(&b, "D1").mean_utility, 1.4 + 0.25));
}

// ---------------------------------------------------------------------------------------------
// Monitoring and sanctions (Keohane 1984; Keohane & Martin 1995)
// ---------------------------------------------------------------------------------------------

/// Five members with discount 0.1 cheat whatever the monitoring here: they comply only when
/// R >= 0.9 (T - m s) + 0.1 P, i.e. m s >= 1.78, and s = 1, m <= 1. Every member-to-member move
/// is D (payoff P = 1) and is detected with probability m and then costs s = 1. Over 10 rounds
/// each state makes 40 such moves.
fn cheaters() -> Scenario {
    let states = many("M", 5, |s| s.discount(0.1));
    scenario(
        &states,
        &[
            "rounds=10",
            "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
        ],
        "",
    )
}

#[test]
fn monitoring_detects_cheaters_and_lowers_their_payoff() {
    let s = cheaters();
    let base = Rules {
        sanctions: 1.0,
        ..rules(&s)
    };
    let at = |m: f64| {
        run(
            &s,
            &Rules {
                monitoring: m,
                ..base
            },
        )
    };
    let (m0, m5, m10) = (at(0.0), at(0.5), at(1.0));
    for out in [&m0, &m5, &m10] {
        assert!(
            overall(out).iter().all(|r| r.compliance == Some(0.0)),
            "every member cheats"
        );
    }
    // m = 0: no detections, no events, payoff P.
    assert_eq!(total_detected(&m0), 0);
    assert!(events(&m0, EventKind::CheatingDetected).is_empty());
    assert!(events(&m0, EventKind::Sanctioned).is_empty());
    assert!(m0.states.iter().all(|r| close(r.mean_payoff, 1.0)));
    // m = 1: every cheating move is detected: 40 per state, 20 per round, payoff P - s = 0.
    assert!(m10
        .states
        .iter()
        .all(|r| r.times_detected == 40 && close(r.mean_payoff, 0.0)));
    let ev = events(&m10, EventKind::CheatingDetected);
    assert_eq!(ev.len(), 10, "one cheating_detected row per round");
    assert!(ev
        .iter()
        .all(|e| close(e.value, 20.0) && e.detail == "5 states"));
    // m = 0.5: in between. Detections ~ Binomial(200, 0.5): 100 +- 7; allow +- 40 (5.7 sd).
    let d = total_detected(&m5);
    assert!((60..=140).contains(&d), "detections at m = 0.5: {d}");
    for r in &m5.states {
        // Each detection costs s = 1 out of 40 moves of payoff P = 1.
        assert!(
            close(r.mean_payoff, 1.0 - r.times_detected as f64 / 40.0),
            "state {}",
            r.state
        );
    }
    let events_total: f64 = events(&m5, EventKind::CheatingDetected)
        .iter()
        .map(|e| e.value)
        .sum();
    assert!(
        close(events_total, d as f64),
        "event values add up to states.csv times_detected"
    );
    let pay = |o: &RunOutput| o.summaries[0].mean_payoff;
    assert!(
        pay(&m0) > pay(&m5) && pay(&m5) > pay(&m10),
        "payoff falls as monitoring rises"
    );
    assert!(
        events(&m5, EventKind::CheatingDetected).len()
            <= events(&m10, EventKind::CheatingDetected).len()
    );
}

/// Honest implementation errors are not cheating (issue 12; ODD D10): five complying members
/// with noise 0.1 and monitoring 1 make non-conforming moves by mistake (compliance below 1),
/// but a monitor detects deliberate cheating only, so nothing is detected or sanctioned (the
/// false-positive rate is 0). Deliberate cheaters under the same noise are still detected: every
/// cheating move that the noise did not turn into cooperation, so about 0.9 x 200.
#[test]
fn monitoring_detects_cheating_but_not_honest_implementation_errors() {
    let states = many("M", 5, |s| s);
    let s = scenario(
        &states,
        &[
            "rounds=20",
            "noise.implementation=0.1",
            "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
        ],
        "",
    );
    let monitored = Rules {
        monitoring: 1.0,
        sanctions: 1.0,
        ..rules(&s)
    };
    let out = run(&s, &monitored);
    let rows = overall(&out);
    assert!(
        rows.iter().any(|r| r.compliance.is_some_and(|c| c < 1.0)),
        "the noise makes members err"
    );
    assert_eq!(
        total_detected(&out),
        0,
        "errors are not detected as cheating"
    );
    assert!(events(&out, EventKind::CheatingDetected).is_empty());
    assert!(events(&out, EventKind::Sanctioned).is_empty());

    let c = scenario(
        &many("M", 5, |s| s.discount(0.1)),
        &[
            "rounds=10",
            "noise.implementation=0.1",
            "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
        ],
        "",
    );
    let out = run(&c, &monitored);
    let d = total_detected(&out);
    // 200 cheating moves, each kept as D with probability 0.9: 180 +- 4.2 (sd); allow +- 25.
    assert!(
        (155..=200).contains(&d),
        "deliberate cheating detected: {d}"
    );
}

/// Monitoring 1: sanctions 0 gives the same detections but no `sanctioned` rows and no payoff
/// loss; sanctions 1 gives both (penalty 20 per round = 20 detections x 1).
#[test]
fn sanctions_need_detection_and_cost_the_detected() {
    let s = cheaters();
    let base = Rules {
        monitoring: 1.0,
        ..rules(&s)
    };
    let (s0, s1) = (
        run(
            &s,
            &Rules {
                sanctions: 0.0,
                ..base
            },
        ),
        run(
            &s,
            &Rules {
                sanctions: 1.0,
                ..base
            },
        ),
    );
    assert_eq!(total_detected(&s0), 200);
    assert_eq!(total_detected(&s1), 200);
    assert_eq!(events(&s0, EventKind::CheatingDetected).len(), 10);
    assert!(
        events(&s0, EventKind::Sanctioned).is_empty(),
        "no sanctions, no sanctioned rows"
    );
    assert!(
        s0.states.iter().all(|r| close(r.mean_payoff, 1.0)),
        "no payoff loss without sanctions"
    );
    let sanctioned = events(&s1, EventKind::Sanctioned);
    assert_eq!(sanctioned.len(), 10);
    assert!(sanctioned.iter().all(|e| close(e.value, 20.0)));
    assert!(s1.states.iter().all(|r| close(r.mean_payoff, 0.0)));
    // Sanctions without monitoring do nothing.
    let blind = run(
        &s,
        &Rules {
            monitoring: 0.0,
            sanctions: 1.0,
            ..base
        },
    );
    assert_eq!(total_detected(&blind), 0);
    assert!(events(&blind, EventKind::Sanctioned).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Reciprocity inside the treaty (Keohane 1986; contrite reciprocity, Sugden 1986)
// ---------------------------------------------------------------------------------------------

/// Timeseries rows of one group of issue 0, by round.
fn group_rows<'a>(out: &'a RunOutput, group: &str) -> Vec<&'a TimeseriesRow> {
    let g = out
        .final_world
        .as_ref()
        .expect("full run")
        .groups
        .iter()
        .position(|x| x == group)
        .unwrap_or_else(|| panic!("no group {group}"));
    out.timeseries
        .iter()
        .filter(|r| r.issue == 0 && r.group == Some(g))
        .collect()
}

/// Two complying members, A and B, each alone in its group, so that the group rows of the
/// timeseries show each one's move (cooperation 0 or 1) and whether it conformed to the treaty
/// (compliance 0 or 1) in every round. Implementation noise 0.005, no misperception, no
/// monitoring (nobody is flagged; standing alone governs).
///
/// When noise turns a cooperation into a defection (A in round t, say), A falls into bad
/// standing with B. In round t + 1 B punishes, lawfully (D, conforming), and A, in bad standing,
/// accepts the punishment (C) instead of answering it; both are then in good standing, and from
/// round t + 2 they cooperate again: one punishment, no echo. (Plain reciprocity, "punish what
/// you saw", would have A answer in round t + 2, B in t + 3, and so on for ever.)
///
/// Over the seeds 1, 2, ... the test takes the first five runs with exactly one non-conforming
/// move, early enough for two rounds to follow, and checks every move of every round. (Noise
/// that hits a cooperation is always non-conforming, so it cannot hide in these runs; only the
/// punishment itself could be flipped to C by noise, with probability 0.005 per run.)
#[test]
fn an_accidental_defection_is_answered_by_one_punishment_without_echo() {
    let rounds = 12usize;
    let states = [st("A").group("a"), st("B").group("b")];
    let mut found = Vec::new();
    for seed in 1..=1000u64 {
        let s = scenario(
            &states,
            &[
                &format!("rounds={rounds}"),
                &format!("seed={seed}"),
                "noise.implementation=0.005",
                "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
            ],
            "",
        );
        let out = run(&s, &rules(&s));
        // moves[side][round] = (cooperated, conformed)
        let moves: Vec<Vec<(bool, bool)>> = ["a", "b"]
            .iter()
            .map(|g| {
                group_rows(&out, g)
                    .iter()
                    .map(|r| {
                        let conformed = r.compliance.expect("members met");
                        assert!(r.cooperation == 0.0 || r.cooperation == 1.0);
                        assert!(conformed == 0.0 || conformed == 1.0);
                        (r.cooperation == 1.0, conformed == 1.0)
                    })
                    .collect()
            })
            .collect();
        let errors: Vec<(usize, usize)> = (0..2)
            .flat_map(|side| (0..rounds).map(move |round| (side, round)))
            .filter(|&(side, round)| !moves[side][round].1)
            .collect();
        let [(x, t)] = errors[..] else { continue };
        if t + 2 >= rounds {
            continue;
        }
        let y = 1 - x;
        for (round, (&got_x, &got_y)) in moves[x].iter().zip(&moves[y]).enumerate() {
            let (want_x, want_y) = if round == t {
                ((false, false), (true, true)) // the error; the partner cooperates
            } else if round == t + 1 {
                ((true, true), (false, true)) // accepted; one lawful punishment
            } else {
                ((true, true), (true, true)) // cooperation before, and again after
            };
            assert_eq!(
                (got_x, got_y),
                (want_x, want_y),
                "seed {seed}: error in round {t}, round {round}: (cooperated, conformed) of \
                 the erring state and its partner"
            );
        }
        assert_eq!(total_detected(&out), 0, "no monitoring");
        found.push(seed);
        if found.len() == 5 {
            break;
        }
    }
    assert_eq!(found.len(), 5, "runs with a single error: {found:?}");
}

/// A misread between two members (misperception 0.005, no implementation noise, no monitor)
/// enters the treaty's public record as the victim reported it (ODD 7.6, D24). Both sides read
/// the same record, so the reported side is in bad standing in its own eyes too: its partner
/// punishes once, lawfully, and it accepts the punishment. No punishment is ever answered
/// (with private standing each side thought itself in the right and answered, an echo; Boyd
/// 1989), and every move keeps the treaty. Checked on every move of 400 seeded runs, at least
/// ten of which have a misread punishment.
#[test]
fn a_misread_between_members_is_answered_by_one_accepted_punishment() {
    let rounds = 12usize;
    let states = [st("A").group("a"), st("B").group("b")];
    let mut with_punishment = 0;
    for seed in 1..=400u64 {
        let s = scenario(
            &states,
            &[
                &format!("rounds={rounds}"),
                &format!("seed={seed}"),
                "noise.implementation=0",
                "noise.misperception=0.005",
                "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
            ],
            "",
        );
        let out = run(&s, &rules(&s));
        let defected: Vec<Vec<bool>> = ["a", "b"]
            .iter()
            .map(|g| {
                group_rows(&out, g)
                    .iter()
                    .map(|r| {
                        assert_eq!(r.compliance, Some(1.0), "seed {seed}: every move keeps");
                        r.cooperation == 0.0
                    })
                    .collect()
            })
            .collect();
        for t in 0..rounds - 1 {
            for (x, y) in [(0, 1), (1, 0)] {
                assert!(
                    !(defected[y][t] && defected[x][t + 1]),
                    "seed {seed}: side {x} answered side {y}'s punishment of round {t}"
                );
            }
        }
        with_punishment += defected.iter().flatten().any(|&d| d) as usize;
    }
    assert!(
        with_punishment >= 10,
        "runs with a punishment: {with_punishment}"
    );
}

/// A state caught cheating on at least a quarter of its treaty partners is known to all members
/// as a systematic cheater, and every complying member partner in good standing punishes it in
/// the next round, even one whose own record would not (Keohane 1986: institutions spread
/// information about cheaters).
///
/// Five members: C1-C3; Y, whose temptation (security 1, receiving 1: T = 5 + 2 = 7) makes it
/// cheat in round 0 only (a shock takes its security to 0 in round 1); and Cheat, who complies
/// in round 0 and cheats from round 1 on (a shock raises its security to 1). Discount 0.6: with
/// T = 5 a state complies (R = 3 >= 0.4 x 5 + 0.6 P), with T = 7 it cheats (3 < 3.4).
/// Monitoring 1 or 0, sanctions 0. Each state plays 4 member partners a round; the groups c, y,
/// cheat show the moves of C1-C3, Y and Cheat.
///
/// - Round 0: Y defects on all four (caught four times: flagged). Everyone else cooperates.
/// - Round 1: C1-C3 punish Y (it is in bad standing and flagged); Y, in bad standing, accepts
///   and cooperates; Cheat defects on all four (caught: flagged). Y saw Cheat's defection while
///   Y itself was in bad standing, so by its own record Cheat's standing stays good.
/// - Round 2: C1-C3 punish Cheat. With monitoring 1, Y punishes it too, although its own
///   record would not: Cheat is a known cheater. With monitoring 0 nobody is flagged and Y
///   cooperates with Cheat once more, punishing it only from round 3, after seeing it defect.
/// - Rounds 3-5: all four punish Cheat, which keeps cheating.
///
/// Lawful punishments conform to the treaty and are never detected: the compliance of C1-C3
/// and of Y (after round 0) is 1, and only Y (4, in round 0) and Cheat (4 a round from round 1)
/// are ever detected.
#[test]
fn a_known_systematic_cheater_is_punished_by_all_member_partners() {
    let mut states = many("C", 3, |s| s.group("c").discount(0.6));
    states.push(st("Y").group("y").position(1.0).security(1.0).discount(0.6));
    states.push(st("Cheat").group("cheat").position(1.0).discount(0.6));
    let s = scenario(
        &states,
        &[
            "rounds=6",
            "issues[0].shifts.temptation_per_security=2.0",
            "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
        ],
        "\n[[shocks]]\nround = 1\nkind = \"security\"\nstates = [\"Y\"]\nchange = -1.0\n\
         \n[[shocks]]\nround = 1\nkind = \"security\"\nstates = [\"Cheat\"]\nchange = 1.0\n",
    );
    let at = |m: f64| {
        run(
            &s,
            &Rules {
                security_weight: 1.0,
                monitoring: m,
                ..rules(&s)
            },
        )
    };
    let (known, unknown) = (at(1.0), at(0.0));
    let series = |out: &RunOutput, group: &str| -> Vec<(f64, Option<f64>)> {
        group_rows(out, group)
            .iter()
            .map(|r| (r.cooperation, r.compliance))
            .collect()
    };
    // (cooperation, compliance) by round. C1-C3: 12 moves a round, 3 of them punishments from
    // round 1 (of Y in round 1, of Cheat from round 2).
    let c = [(1.0, Some(1.0))]
        .into_iter()
        .chain([(0.75, Some(1.0)); 5])
        .collect::<Vec<_>>();
    let cheat = [(1.0, Some(1.0))]
        .into_iter()
        .chain([(0.0, Some(0.0)); 5])
        .collect::<Vec<_>>();
    let y_known = [(0.0, Some(0.0)), (1.0, Some(1.0))]
        .into_iter()
        .chain([(0.75, Some(1.0)); 4])
        .collect::<Vec<_>>();
    let y_unknown = [(0.0, Some(0.0)), (1.0, Some(1.0)), (1.0, Some(1.0))]
        .into_iter()
        .chain([(0.75, Some(1.0)); 3])
        .collect::<Vec<_>>();
    for out in [&known, &unknown] {
        assert_eq!(series(out, "c"), c);
        assert_eq!(series(out, "cheat"), cheat);
    }
    assert_eq!(
        series(&known, "y"),
        y_known,
        "monitoring 1: Y must punish the known cheater in every round from round 2 on (a \
         lawful punishment of a known cheater must not cost the punisher its own standing)"
    );
    assert_eq!(
        series(&unknown, "y"),
        y_unknown,
        "monitoring 0: Y punishes Cheat only after seeing it defect"
    );
    // Cheat earns 3R + S in round 0 (Y defects on it), T = 7 from all four in round 1, then P
    // from all four (monitoring 1) or, with monitoring 0, T once more from Y in round 2.
    assert!(close(
        row(&known, "Cheat").mean_payoff,
        (3.0 * 3.0 + 4.0 * 7.0 + 16.0 * 1.0) / 24.0
    ));
    assert!(close(
        row(&unknown, "Cheat").mean_payoff,
        (3.0 * 3.0 + 4.0 * 7.0 + 7.0 + 15.0 * 1.0) / 24.0
    ));
    let detected = |out: &RunOutput, name: &str| row(out, name).times_detected;
    assert_eq!(
        ["C1", "C2", "C3", "Y", "Cheat"].map(|x| detected(&known, x)),
        [0, 0, 0, 4, 20],
        "lawful punishments are never detected"
    );
    assert_eq!(total_detected(&unknown), 0);
}

// ---------------------------------------------------------------------------------------------
// Transaction-cost cuts (Keohane 1984)
// ---------------------------------------------------------------------------------------------

/// A and B are members, C is not; all play TFT and comply, so every move is C. The issue has a
/// transaction cost tc = 0.5, which lowers R to R - tc = 2.5 for every state (issue 12); members
/// save the share `transaction_cost_cut` = 0.5 of it, saving = 0.25, on each cooperative move
/// with another member. Per round A earns R - tc + saving from B and R - tc from C: mean
/// 2.5 + 0.125 (2.5 with no cut). C earns R - tc = 2.5 whatever the cut is.
#[test]
fn transaction_cost_cut_adds_tc_per_cooperative_member_move() {
    let states = [
        st("A").group("core"),
        st("B").group("core"),
        st("C").group("out"),
    ];
    let s = scenario(
        &states,
        &[
            "rounds=8",
            "issues[0].transaction_cost=0.5",
            "issues[0].initial_regime={ since_year = 1990, members = [\"core\"], founding = \"given\" }",
        ],
        "",
    );
    let r0 = rules(&s);
    let tc = 0.5 * 0.5; // the saving: transaction cost 0.5 x cut 0.5
    let (a, b) = (
        run(&s, &r0),
        run(
            &s,
            &Rules {
                transaction_cost_cut: 0.5,
                ..r0
            },
        ),
    );
    for out in [&a, &b] {
        assert!(out.states.iter().all(|r| close(r.cooperation, 1.0)));
    }
    for name in ["A", "B"] {
        assert!(close(row(&a, name).mean_payoff, 2.5));
        assert!(
            close(row(&b, name).mean_payoff, 2.5 + tc / 2.0),
            "{name}: R - 0.5 + saving/2"
        );
        assert!(close(
            row(&b, name).mean_payoff - row(&a, name).mean_payoff,
            tc / 2.0
        ));
    }
    assert!(
        close(row(&a, "C").mean_payoff, 2.5) && close(row(&b, "C").mean_payoff, 2.5),
        "outsider unaffected"
    );
    // Total: 8 rounds x 2 member moves (A to B, B to A) x saving, over 8 x 6 moves.
    let extra = (b.summaries[0].mean_payoff - a.summaries[0].mean_payoff) * 48.0;
    assert!(close(extra, 8.0 * 2.0 * tc));
}

// ---------------------------------------------------------------------------------------------
// The hegemonic veto, emergence and path dependence (docs/ODD.md §7.7, §7.9)
// ---------------------------------------------------------------------------------------------

/// A receiving hegemon (power 10 of 110) with a prohibitive sovereignty cost and five senders
/// (power 20 each) that gain from a treaty: the issue's transaction cost 1 lowers R to 2 for
/// everyone, and members save the share 0.5 of it (saving 0.5) on each cooperative move with
/// another member. Everyone plays TFT, so outside a treaty a state earns R - tc = 2 (its
/// anarchy utility) and inside R - tc + saving = 2.5 from every complying partner: a sender's
/// value is f x 0.5 > 0 (f = 4/5 once the hegemon is out), the hegemon's f x 0.5 - 1000. Negotiation every 2 rounds, so the senders
/// ratify at the end of round 1; from round 2 the criterion holds (member share 5/6, power
/// share 100/110, compliance 1) unless the veto (the strongest receiver must be in) bites.
/// With sustain_rounds = 3 the regime becomes binding in round 4 with emergence round 2.
fn hegemon_world(hegemon_cost: f64) -> Scenario {
    let mut states = vec![st("Hegemon")
        .group("receiver")
        .power(10.0)
        .position(0.9)
        .security(0.5)
        .sov(hegemon_cost)];
    states.extend(many("S", 5, |s| {
        s.group("sender").power(20.0).position(-0.6)
    }));
    scenario(
        &states,
        &[
            "rounds=12",
            "regime.negotiation_interval=2",
            "issues[0].transaction_cost=1.0",
        ],
        "",
    )
}

fn hegemon_rules(s: &Scenario) -> Rules {
    Rules {
        transaction_cost_cut: 0.5,
        ..rules(s)
    }
}

#[test]
fn hegemonic_veto_blocks_emergence_while_the_strongest_receiver_stays_out() {
    let s = hegemon_world(1000.0);
    let off = Rules {
        hegemonic_veto: false,
        ..hegemon_rules(&s)
    };
    let on = Rules {
        hegemonic_veto: true,
        ..off
    };
    let (a, b) = (run(&s, &off), run(&s, &on));
    for out in [&a, &b] {
        assert_eq!(
            event_states(out, EventKind::Ratified),
            ["S1", "S2", "S3", "S4", "S5"],
            "the senders ratify, the hegemon does not"
        );
        assert!(events(out, EventKind::Ratified)
            .iter()
            .all(|e| e.round == 1));
    }
    assert_eq!(
        events(&a, EventKind::RegimeEmerged).len(),
        1,
        "veto off: the regime emerges"
    );
    assert_eq!(a.summaries[0].emergence_round, Some(2));
    assert!(
        events(&b, EventKind::RegimeEmerged).is_empty(),
        "veto on: blocked"
    );
    assert_eq!(b.summaries[0].emergence_round, None);
    assert_eq!(b.summaries[0].final_status, model::Status::Forming);
    // Control: with the hegemon willing to join, the veto is satisfied and the regime emerges.
    let c = run(&hegemon_world(0.0), &on);
    assert_eq!(event_states(&c, EventKind::Ratified).len(), 6);
    assert_eq!(c.summaries[0].emergence_round, Some(2));
}

/// "If they leave, it collapses" (docs/ODD.md §7.7): the hegemon joins (cost 0) and the regime
/// emerges with the veto on; in 2007 its sovereignty cost jumps by 1000, it withdraws at the
/// negotiation of round 7, and from round 8 the veto fails although the senders (100/110 of
/// the power) stay: collapse logged in round 10, collapse round 8. Without the veto the same
/// shock leaves the regime binding.
#[test]
fn hegemonic_veto_collapses_the_regime_when_the_hegemon_leaves() {
    let mut states = vec![st("Hegemon")
        .group("receiver")
        .power(10.0)
        .position(0.9)
        .security(0.5)];
    states.extend(many("S", 5, |s| {
        s.group("sender").power(20.0).position(-0.6)
    }));
    let s = scenario(
        &states,
        &[
            "rounds=12",
            "regime.negotiation_interval=2",
            "issues[0].transaction_cost=1.0",
        ],
        "\n[[shocks]]\nyear = 2007\nkind = \"sovereignty_cost\"\nstates = [\"Hegemon\"]\nchange = 1000.0\n",
    );
    let off = Rules {
        hegemonic_veto: false,
        ..hegemon_rules(&s)
    };
    let on = Rules {
        hegemonic_veto: true,
        ..off
    };
    let (a, b) = (run(&s, &off), run(&s, &on));
    for out in [&a, &b] {
        assert_eq!(out.summaries[0].emergence_round, Some(2));
        assert_eq!(event_states(out, EventKind::Withdrew), ["Hegemon"]);
        assert!(events(out, EventKind::Withdrew)
            .iter()
            .all(|e| e.round == 7));
        assert_eq!(out.summaries[0].final_members, 5);
    }
    assert!(
        events(&a, EventKind::RegimeCollapsed).is_empty(),
        "veto off: the senders carry on"
    );
    assert_eq!(a.summaries[0].final_status, model::Status::Binding);
    let c = events(&b, EventKind::RegimeCollapsed);
    assert_eq!(
        c.iter().map(|e| (e.round, e.value)).collect::<Vec<_>>(),
        [(10, 8.0)]
    );
    assert_eq!(b.summaries[0].collapse_round, Some(8));
}

/// The veto players follow power: two receivers, the stronger (power 10) staying out, the
/// weaker (power 5) joining. With the veto on nothing emerges until a power shock in 2005
/// multiplies the weaker receiver's power by 5 (25 > 10, after renormalisation too); it is
/// then the strongest receiver, already in, and the regime emerges (emergence round 5).
#[test]
fn hegemonic_veto_players_are_recomputed_after_a_power_shock() {
    let mut states = vec![
        st("Big")
            .group("receiver")
            .power(10.0)
            .position(0.9)
            .sov(1000.0),
        st("Small").group("receiver").power(5.0).position(0.9),
    ];
    states.extend(many("S", 5, |s| {
        s.group("sender").power(20.0).position(-0.6)
    }));
    let s = scenario(
        &states,
        &[
            "rounds=12",
            "regime.negotiation_interval=2",
            "issues[0].transaction_cost=1.0",
        ],
        "\n[[shocks]]\nyear = 2005\nkind = \"power\"\nstates = [\"Small\"]\nchange = 4.0\n",
    );
    let on = Rules {
        hegemonic_veto: true,
        ..hegemon_rules(&s)
    };
    let out = run(&s, &on);
    assert_eq!(
        event_states(&out, EventKind::Ratified),
        ["S1", "S2", "S3", "S4", "S5", "Small"]
    );
    assert_eq!(out.summaries[0].emergence_round, Some(5));
    let w = out.final_world.as_ref().expect("full run");
    let total: f64 = w.states.iter().map(|x| x.power).sum();
    assert!(close(total, 1.0), "power shares renormalised");
    assert!(close(w.states[1].power / w.states[0].power, 2.5));
}

/// The emergence round is the first round of the sustained streak (round 2), logged when the
/// streak reaches sustain_rounds (round 4); the timeseries status is absent (no members),
/// forming (members, streak too short), then binding; summary: emerged = 1, year 2002.
#[test]
fn emergence_is_logged_at_the_first_round_of_the_sustained_streak() {
    let s = hegemon_world(1000.0);
    let out = run(&s, &hegemon_rules(&s));
    let em = events(&out, EventKind::RegimeEmerged);
    assert_eq!(em.len(), 1);
    assert_eq!(
        (em[0].round, em[0].value),
        (4, 2.0),
        "logged in round 4, emergence round 2"
    );
    assert_eq!(em[0].issue, Some(0));
    let status: Vec<&str> = overall(&out).iter().map(|r| r.status.name()).collect();
    assert_eq!(
        &status[..6],
        ["absent", "absent", "forming", "forming", "binding", "binding"]
    );
    assert!(status[4..].iter().all(|x| *x == "binding"));
    assert_eq!(summary_field(&s, &out, "emerged"), "1");
    assert_eq!(summary_field(&s, &out, "emergence_round"), "2");
    assert_eq!(summary_field(&s, &out, "emergence_year"), "2002");
    assert_eq!(summary_field(&s, &out, "preexisting"), "0");
    assert_eq!(summary_field(&s, &out, "collapsed"), "0");
    assert_eq!(summary_field(&s, &out, "collapse_round"), "");
}

/// Right-censoring: a regime that never emerges has empty emergence_round and emergence_year.
#[test]
fn censored_emergence_leaves_round_and_year_empty() {
    let s = hegemon_world(1000.0);
    let out = run(
        &s,
        &Rules {
            hegemonic_veto: true,
            ..hegemon_rules(&s)
        },
    );
    assert_eq!(summary_field(&s, &out, "emerged"), "0");
    assert_eq!(summary_field(&s, &out, "emergence_round"), "");
    assert_eq!(summary_field(&s, &out, "emergence_year"), "");
    assert_eq!(summary_field(&s, &out, "collapse_year"), "");
}

/// Strength = 1 - exp(-path_dependence x compliant age), the age counting binding, compliant
/// rounds from the round the regime becomes binding (round 4 here): strictly increasing while
/// binding, exactly 0 without path dependence, 0 before the regime binds.
#[test]
fn path_dependence_strength_grows_with_compliant_age() {
    let s = hegemon_world(1000.0);
    let r0 = hegemon_rules(&s);
    let (flat, grows) = (
        run(&s, &r0),
        run(
            &s,
            &Rules {
                path_dependence: 0.1,
                ..r0
            },
        ),
    );
    assert!(
        overall(&flat).iter().all(|r| r.strength == 0.0),
        "path_dependence = 0: no strength"
    );
    let rows = overall(&grows);
    let mut last = 0.0;
    for r in &rows {
        if r.status == model::Status::Binding {
            let age = (r.round - 3) as f64; // 1 in round 4
            assert!(
                close(r.strength, 1.0 - (-0.1 * age).exp()),
                "round {}: {}",
                r.round,
                r.strength
            );
            assert!(r.strength > last, "round {}: strength must grow", r.round);
            last = r.strength;
        } else {
            assert_eq!(r.strength, 0.0, "round {}: not binding", r.round);
        }
    }
    assert!(last > 0.5, "eight binding rounds: 1 - exp(-0.8) = 0.55");
}

/// Four members of a regime in place with stated strength 0.99 (`initial_regime.strength`;
/// issue 12: strength is no longer derived from since_year). The issue's transaction cost 1
/// lowers R to 2; members save the share 0.5 of it, so they gain u_in - u_out =
/// (R - tc + saving) - (R - tc) = 0.5 from membership: with everyone in, a member has no partner
/// outside the treaty, so its outside option is what its strategy would earn against its
/// partners' strategies (TFT against TFT: R - tc), not mutual defection. In 2002 a shock raises
/// every sovereignty cost from 0.2 to 2.2, so at the negotiation of round 4 the value is
/// 0.5 - 2.2 = -1.7 without path dependence (strength 0 whatever is stated): all withdraw, and
/// the regime collapses three rounds later (collapse round 5, logged in round 7). With
/// path_dependence = 0.1 the stated strength is a compliant age a0 = -ln(0.01) / 0.1 = 46.05;
/// rounds 0-4 add 5, so at the negotiation of round 4 the strength is 1 - 0.01 exp(-0.5) =
/// 0.99393 and the exit cost strength x (R - P) = 1.98787 keeps them in (value 0.288 > 0).
fn exit_cost_world() -> Scenario {
    let states = many("M", 4, |s| s.sov(0.2));
    scenario(
        &states,
        &[
            "rounds=12",
            "regime.negotiation_interval=5",
            "issues[0].transaction_cost=1.0",
            "issues[0].initial_regime={ since_year = 1950, members = \"all\", founding = \"given\", strength = 0.99 }",
        ],
        "\n[[shocks]]\nyear = 2002\nkind = \"sovereignty_cost\"\nchange = 2.0\n",
    )
}

#[test]
fn path_dependence_exit_cost_keeps_members_in_after_a_shock() {
    let s = exit_cost_world();
    let r0 = Rules {
        transaction_cost_cut: 0.5,
        ..rules(&s)
    };
    let (free, locked) = (
        run(&s, &r0),
        run(
            &s,
            &Rules {
                path_dependence: 0.1,
                ..r0
            },
        ),
    );
    assert_eq!(
        event_states(&free, EventKind::Withdrew),
        ["M1", "M2", "M3", "M4"]
    );
    assert!(events(&free, EventKind::Withdrew)
        .iter()
        .all(|e| e.round == 4));
    assert!(
        events(&locked, EventKind::Withdrew).is_empty(),
        "exit costs keep members in"
    );
    assert_eq!(locked.summaries[0].final_members, 4);
    assert_eq!(locked.summaries[0].final_status, model::Status::Binding);
    // The terms of round 4, as derived.
    let (f, l) = (terms(&free, "M1", 4), terms(&locked, "M1", 4));
    assert!(close(f.gain, 0.5) && close(l.gain, 0.5), "{f:?} {l:?}");
    assert!(close(f.value(), -1.7), "{f:?}");
    assert!(close(l.exit_cost, 2.0 * (1.0 - 0.01 * (-0.5f64).exp())));
    assert!(
        close(l.value(), 0.5 - 2.2 + l.exit_cost) && l.value() > 0.28,
        "{l:?}"
    );
    // Strength of the pre-existing regime in round 0: compliant age a0 + 1, 1 - 0.01 exp(-0.1).
    let r = overall(&locked)[0];
    assert!(close(r.strength, 1.0 - 0.01 * (-0.1f64).exp()));
    // ... and in round 4, when it decides: 1 - 0.01 exp(-0.5).
    assert!(close(
        overall(&locked)[4].strength,
        1.0 - 0.01 * (-0.5f64).exp()
    ));
}

/// The membership decision at a tie: a member leaves only if its value is negative, and a
/// non-member joins only if its value is positive. Four TFT states, all complying; the issue's
/// transaction cost 1 lowers R to 2 and members save the share 0.5 of it (saving 0.5); one
/// negotiation at the end of round 2 (rounds = 4: nothing is negotiated after the last round).
/// Members (a regime in place, strength 0, no norm) observe compliance 1 and have no partner
/// outside the treaty, so their outside option is TFT against TFT, R - tc = 2:
/// value = (2 + 0.5) - 2 - c = 0.5 - c. Non-members (one accession conference of all four)
/// expect 2.5 inside (all partners would keep) against the same anarchy utility 2 outside: the
/// same value. All sums are exact in binary, so c = 0.5 gives a value of exactly 0: members
/// stay and non-members stay out; c = 0.51 drives the members out, c = 0.49 draws the
/// non-members in.
#[test]
fn membership_ties_keep_members_in_and_non_members_out() {
    let changes = |members: bool, cost: f64| {
        let states = many("M", 4, |s| s.sov(cost));
        let mut sets = vec![
            "rounds=4",
            "regime.negotiation_interval=3",
            "issues[0].transaction_cost=1.0",
        ];
        if members {
            sets.push("issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }");
        }
        let s = scenario(&states, &sets, "");
        let out = run(
            &s,
            &Rules {
                transaction_cost_cut: 0.5,
                ..rules(&s)
            },
        );
        let kind = if members {
            EventKind::Withdrew
        } else {
            EventKind::Ratified
        };
        assert!(events(&out, kind).iter().all(|e| e.round == 2));
        events(&out, kind).len()
    };
    assert_eq!(changes(true, 0.5), 0, "value 0: members stay");
    assert_eq!(changes(false, 0.5), 0, "value 0: non-members stay out");
    assert_eq!(changes(true, 0.51), 4, "value < 0: members leave");
    assert_eq!(changes(false, 0.49), 4, "value > 0: non-members join");
}

/// The same shock without path dependence collapses the regime: regime_collapsed is logged in
/// round 7 with collapse round 5 (the first of three failing rounds); summary collapsed = 1.
#[test]
fn a_shock_that_drives_members_out_collapses_the_regime() {
    let s = exit_cost_world();
    let out = run(
        &s,
        &Rules {
            transaction_cost_cut: 0.5,
            ..rules(&s)
        },
    );
    let c = events(&out, EventKind::RegimeCollapsed);
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].round, c[0].value), (7, 5.0));
    assert_eq!(out.summaries[0].collapse_round, Some(5));
    assert_eq!(out.summaries[0].final_status, model::Status::Collapsed);
    assert_eq!(summary_field(&s, &out, "collapsed"), "1");
    assert_eq!(summary_field(&s, &out, "collapse_year"), "2005");
    let status: Vec<&str> = overall(&out).iter().map(|r| r.status.name()).collect();
    assert_eq!(
        &status[4..9],
        ["binding", "binding", "binding", "collapsed", "collapsed"]
    );
    // The pre-existing regime still counts as emerged (left-truncated).
    assert_eq!(summary_field(&s, &out, "emerged"), "1");
    assert_eq!(summary_field(&s, &out, "preexisting"), "1");
}

/// A regime in place at the start (the refugee regime since 1951) is binding from round 0,
/// with emergence round 0 and preexisting = 1.
#[test]
fn a_preexisting_regime_starts_binding() {
    let mut states = vec![st("Big").power(5.0).group("core")];
    states.extend(many("S", 5, |s| s.group("rest")));
    let s = scenario(
        &states,
        &[
            "rounds=6",
            "start_year=1990",
            "issues[0].initial_regime={ since_year = 1951, members = 0.5, founding = \"given\" }",
        ],
        "",
    );
    let out = run(&s, &rules(&s));
    let rows = overall(&out);
    assert!(rows.iter().all(|r| r.status == model::Status::Binding));
    assert_eq!(
        rows[0].members, 3,
        "share 0.5 of 6 states, most powerful first"
    );
    assert!(row(&out, "Big").member);
    assert!(
        events(&out, EventKind::RegimeEmerged).is_empty(),
        "no emergence event for a regime that was already there"
    );
    assert!(out.summaries[0].preexisting);
    assert_eq!(out.summaries[0].emergence_round, Some(0));
    assert_eq!(summary_field(&s, &out, "emerged"), "1");
    assert_eq!(summary_field(&s, &out, "preexisting"), "1");
    assert_eq!(summary_field(&s, &out, "emergence_round"), "0");
}

// ---------------------------------------------------------------------------------------------
// Norm pressure and civil society (Finnemore & Sikkink 1998; thesis ch. 3-4)
// ---------------------------------------------------------------------------------------------

/// Four core members (sovereignty cost 0) and six outsiders with costs 0.12 ... 0.37. Everyone
/// plays TFT and complies; the issue's transaction cost 1 lowers R to 2 and members save the
/// share 0.1 of it, so an outsider expects (R - tc + 0.1) - (R - tc) = 0.1 per interaction
/// from joining, times the share f of its partners in the set; norm = norm_pressure x
/// civil-society factor x the share of all ten states in the set it decides on (issue 12: the
/// set, not the current members). One negotiation, at the end of round 2 (the run has a fourth
/// round, since nothing is negotiated after the last round). The core members stay (value
/// 3/9 x 0.1 + norm > 0). By hand, with m states in the set (the core and the outsiders still
/// in the accession conference; all six start in; those with value <= 0 drop out, all at once,
/// until none drops), value = 0.1 (m - 1)/9 + np m/10 - c:
/// - np 0: 0.1 - c < 0 for all: 0 ratify;
/// - np 0.2: m = 10: 0.3 - c drops 0.32, 0.37; m = 8: 0.2578 - c drops 0.27; m = 7: 0.2267 - c
///   drops 0.22; m = 6: 0.1956 - c keeps 0.12 and 0.17 (0.0056 > 0): 2;
/// - np 0.25: m = 10 drops 0.37 (0.35 - c); m = 9 drops 0.32 (0.3139 - c); m = 8 keeps 0.27
///   (0.2778 - c = 0.0078): 4;
/// - np 0.3: m = 10: 0.4 - c > 0 for all: 6.
fn norm_states() -> Vec<St> {
    let mut states = many("C", 4, |s| s.group("core"));
    for (k, c) in [0.12, 0.17, 0.22, 0.27, 0.32, 0.37].iter().enumerate() {
        states.push(st(&format!("O{}", k + 1)).group("out").sov(*c));
    }
    states
}

fn norm_world(extra_sets: &[&str]) -> Scenario {
    let mut sets = vec![
        "rounds=4",
        "regime.negotiation_interval=3",
        "issues[0].transaction_cost=1.0",
        "issues[0].initial_regime={ since_year = 1990, members = [\"core\"], founding = \"given\" }",
    ];
    sets.extend_from_slice(extra_sets);
    scenario(&norm_states(), &sets, "")
}

#[test]
fn norm_pressure_draws_in_more_ratifications() {
    let s = norm_world(&[]);
    let base = Rules {
        transaction_cost_cut: 0.1,
        ..rules(&s)
    };
    let ratified = |np: f64| {
        let out = run(
            &s,
            &Rules {
                norm_pressure: np,
                ..base
            },
        );
        assert!(
            events(&out, EventKind::Withdrew).is_empty(),
            "norm_pressure {np}: the core stays"
        );
        event_states(&out, EventKind::Ratified)
    };
    assert_eq!(ratified(0.0), Vec::<String>::new());
    let out = run(
        &s,
        &Rules {
            norm_pressure: 0.2,
            ..base
        },
    );
    let t = terms(&out, "O2", 2);
    assert!(
        close(t.norm, 0.2 * 0.6) && close(t.share_in, 5.0 / 9.0),
        "{t:?}"
    );
    assert!(close(t.value(), 0.1 * 5.0 / 9.0 + 0.12 - 0.17), "{t:?}");
    assert_eq!(ratified(0.2), ["O1", "O2"]);
    assert_eq!(ratified(0.25), ["O1", "O2", "O3", "O4"]);
    assert_eq!(ratified(0.3), ["O1", "O2", "O3", "O4", "O5", "O6"]);
}

/// Norm pressure works through the share of states in the treaty: with the core in, norm
/// pressure 0.5 draws all six outsiders in (m = 10: 0.1 + 0.5 - c > 0 for all). Issue 12: the
/// norm term counts the states in the set a state decides on, not the members before the
/// negotiation, so a core that is merely not yet in would join in the same conference; here the
/// core is instead unwilling (sovereignty cost 1000, no regime in place), and the outsiders alone
/// unravel: value = 0.1 (m - 1)/9 + 0.5 m/10 - c over m states in the conference (m = 10 at
/// first: the core drops out, value < -999; m = 6 drops 0.37: 0.3556 - 0.37 < 0; m = 5 drops 0.32; m = 4 drops 0.27; m = 3 drops 0.22;
/// m = 2: 0.1111 - c < 0 for 0.12 and 0.17): no outsider joins.
#[test]
fn norm_pressure_needs_others_already_in() {
    let with_core = norm_world(&[]);
    let mut unwilling = norm_states();
    for s in unwilling.iter_mut().take(4) {
        s.sovereignty_cost = 1000.0;
    }
    let without_core = scenario(
        &unwilling,
        &[
            "rounds=4",
            "regime.negotiation_interval=3",
            "issues[0].transaction_cost=1.0",
        ],
        "",
    );
    let r = Rules {
        transaction_cost_cut: 0.1,
        norm_pressure: 0.5,
        ..rules(&with_core)
    };
    let a = run(&with_core, &r);
    let b = run(&without_core, &r);
    let outsiders = |v: Vec<String>| v.into_iter().filter(|n| n.starts_with('O')).count();
    assert_eq!(outsiders(event_states(&a, EventKind::Ratified)), 6);
    assert_eq!(outsiders(event_states(&b, EventKind::Ratified)), 0);
}

/// Civil-society access raises norm pressure by a factor 1 + 0.25 x level: with
/// norm_pressure 0.2 the effective pressure is 0.2 (none), 0.25 (observer), 0.3 (consultative)
/// and 0.35 (decision), so by the derivation above the outsiders joining are 2, 4, 6 and 6
/// (np 0.35: m = 10: 0.45 - c > 0 for all).
/// Access also scales the rule set's monitoring, which is 0 here, so it adds no monitoring.
#[test]
fn civil_society_access_raises_norm_pressure() {
    let joined = |access: &str| {
        let s = norm_world(&[&format!("issues[0].civil_society_access=\"{access}\"")]);
        let r = Rules {
            transaction_cost_cut: 0.1,
            norm_pressure: 0.2,
            ..rules(&s)
        };
        event_states(&run(&s, &r), EventKind::Ratified).len()
    };
    assert_eq!(joined("none"), 2);
    assert_eq!(joined("observer"), 4);
    assert_eq!(joined("consultative"), 6);
    assert_eq!(joined("decision"), 6);
}

/// Civil-society access multiplies the rule set's monitoring by 1 + 0.25 x level (NGOs report
/// violations the monitoring body then acts on): monitoring_eff = clamp(m (1 + 0.25 level), 0,
/// 1). Six cheating members make 600 cheating moves in 20 rounds (non-compliers never punish,
/// so every member-to-member move is a non-conforming D), each detected with probability
/// monitoring_eff:
///
/// - m = 0: no detections at any level (access scales monitoring, it adds none by itself);
/// - m = 0.4: about 240, 300, 360, 420 with none, observer, consultative, decision access
///   (sd <= 12.3; margins 5 sd). The detection draws are the same at every level (common random
///   numbers), so the detections can only grow with the level;
/// - m = 0.6 with decision access: 0.6 x 1.75 = 1.05, clamped to 1: all 600 detected.
#[test]
fn civil_society_access_raises_monitoring() {
    use regime::io::scenario::CivilSocietyAccess as Access;
    let factors = [
        Access::None,
        Access::Observer,
        Access::Consultative,
        Access::Decision,
    ]
    .map(Access::monitoring_factor);
    assert_eq!(factors, [1.0, 1.25, 1.5, 1.75]);
    let states = many("M", 6, |s| s.discount(0.1));
    let detections = |access: &str, m: f64| {
        let s = scenario(
            &states,
            &[
                "rounds=20",
                "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
                &format!("issues[0].civil_society_access=\"{access}\""),
            ],
            "",
        );
        let out = run(
            &s,
            &Rules {
                monitoring: m,
                ..rules(&s)
            },
        );
        assert!(
            overall(&out).iter().all(|r| r.compliance == Some(0.0)),
            "every member cheats"
        );
        total_detected(&out)
    };
    let levels = ["none", "observer", "consultative", "decision"];
    for access in levels {
        assert_eq!(
            detections(access, 0.0),
            0,
            "{access}: no monitoring in the rule set, no detections"
        );
    }
    let d: Vec<u64> = levels.iter().map(|a| detections(a, 0.4)).collect();
    for (k, expected) in [240.0f64, 300.0, 360.0, 420.0].into_iter().enumerate() {
        let sd = (600.0 * (expected / 600.0) * (1.0 - expected / 600.0)).sqrt();
        assert!(
            (d[k] as f64 - expected).abs() < 5.0 * sd,
            "{}: {} detections, expected {expected}",
            levels[k],
            d[k]
        );
    }
    assert!(d[0] < d[1] && d[1] < d[2] && d[2] < d[3], "{d:?}");
    assert_eq!(detections("decision", 0.6), 600, "monitoring clamped to 1");
}

// ---------------------------------------------------------------------------------------------
// Security first (thesis ch. 5.1)
// ---------------------------------------------------------------------------------------------

/// T_i = T + temptation_per_security x security_weight x security_i x receiving_i: a receiver
/// (position 1, security 0.8) is tempted more with security_weight 1 than 0; a sender is not.
/// Its compliance threshold rises from 0.5 to (5.8 - 3) / (5.8 - 1) = 0.583, so a member with
/// discount 0.55 complies at weight 0 and cheats at weight 1. The sender (threshold 0.5) still
/// complies: it cooperates in round 0, then lawfully punishes the receiver, in bad standing
/// since its first defection, in rounds 1-4 (cooperation 1/5); a lawful punishment conforms to
/// the treaty, so member compliance is 1/2 in every round (the receiver's moves are cheating,
/// the sender's are not). The receiver earns 5.8 once and then P: (5.8 + 4) / 5.
#[test]
fn security_weight_raises_receivers_temptation() {
    let states = [
        st("Receiver").position(1.0).security(0.8).discount(0.55),
        st("Sender").position(-0.8).security(0.8).discount(0.55),
    ];
    let s = scenario(
        &states,
        &[
            "rounds=5",
            "issues[0].shifts.temptation_per_security=1.0",
            "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
        ],
        "",
    );
    let w = world::generate(&s, s.seed);
    let r0 = rules(&s);
    let r1 = Rules {
        security_weight: 1.0,
        ..r0
    };
    let issue = &s.issues[0];
    let (g0, g1) = (
        model::stage_game(issue, &w.states[0], &r0),
        model::stage_game(issue, &w.states[0], &r1),
    );
    assert!(
        close(g0[2], 5.0) && close(g1[2], 5.8),
        "receiver's temptation: {} -> {}",
        g0[2],
        g1[2]
    );
    assert_eq!(
        model::stage_game(issue, &w.states[1], &r0),
        model::stage_game(issue, &w.states[1], &r1),
        "the sender's game does not move"
    );
    let (a, b) = (run(&s, &r0), run(&s, &r1));
    assert!(
        close(row(&a, "Receiver").cooperation, 1.0),
        "weight 0: the receiver complies"
    );
    assert!(
        close(row(&b, "Receiver").cooperation, 0.0),
        "weight 1: the receiver cheats"
    );
    assert!(
        overall(&a).iter().all(|r| r.compliance == Some(1.0)),
        "weight 0: full compliance"
    );
    assert!(
        close(row(&b, "Sender").cooperation, 0.2),
        "the sender cooperates once, then punishes: {}",
        row(&b, "Sender").cooperation
    );
    assert!(
        overall(&b).iter().all(|r| r.compliance == Some(0.5)),
        "the sender's punishments conform to the treaty: {:?}",
        overall(&b).iter().map(|r| r.compliance).collect::<Vec<_>>()
    );
    assert!(close(row(&b, "Receiver").mean_payoff, (5.8 + 4.0) / 5.0));
    assert!(close(row(&b, "Sender").mean_payoff, 4.0 / 5.0));
}

/// Security weighting lowers receivers' membership through their payoffs (issue 12:
/// securitisation no longer multiplies the sovereignty cost; it counts once, in the stage
/// game). The issue's transaction cost 1.5 lowers R to 1.5 and S to -1.5; members save all of
/// it (cut 1), so keeping is worth R - tc + saving = 3 against a keeper. Two receivers
/// (security 0.8, discount 0.55, sovereignty cost 0.1): at weight 0 their temptation is 5 and
/// they keep (3 >= 0.45 x 5 + 0.55 x 1 = 2.8; threshold 0.5); at weight 1 it is 5 + 0.8 = 5.8
/// and they would cheat (3 < 0.45 x 5.8 + 0.55 = 3.16; threshold 2.8 / 4.8 = 0.583). A
/// would-be cheater gains nothing from joining (detection 1 inside and out, no sanctions:
/// W_in = W_out, gain 0), so its value is -0.1 and it stays out; a keeper expects
/// f x 1.5 - 0.1 = 1.4 with everyone in and joins. The senders (discount 0.95) join either way: with the
/// cheating receivers still in the conference they expect c = 3/5 compliance,
/// u_in = 0.6 x 3 + 0.4 x (S - tc + saving = 0) = 1.8 against 1.5 outside (gain 0.3 > 0), and
/// 3/5 x 1.5 > 0 once the receivers are out. One negotiation, at the end of round 2; the run
/// has a fourth round, since nothing is negotiated after the last round.
#[test]
fn security_weight_lowers_receivers_membership() {
    let mut states = many("R", 2, |s| {
        s.group("receiver")
            .position(1.0)
            .security(0.8)
            .sov(0.1)
            .discount(0.55)
    });
    states.extend(many("S", 4, |s| {
        s.group("sender").position(-0.5).security(0.1)
    }));
    let s = scenario(
        &states,
        &[
            "rounds=4",
            "regime.negotiation_interval=3",
            "issues[0].shifts.temptation_per_security=1.0",
            "issues[0].transaction_cost=1.5",
        ],
        "",
    );
    let r0 = Rules {
        transaction_cost_cut: 1.0,
        ..rules(&s)
    };
    let w = world::generate(&s, s.seed);
    let keeps = |r: &Rules| {
        let g = model::stage_game(&s.issues[0], &w.states[0], r);
        let e = model::Enforcement::new(1.0, 0.0, r, 1.5);
        model::complies(&g, &g, 0.0, 0.55, &e)
    };
    assert!(keeps(&r0), "weight 0: the receivers would keep");
    assert!(
        !keeps(&Rules {
            security_weight: 1.0,
            ..r0
        }),
        "weight 1: the receivers would cheat"
    );
    let (a, b) = (
        run(&s, &r0),
        run(
            &s,
            &Rules {
                security_weight: 1.0,
                ..r0
            },
        ),
    );
    assert_eq!(
        event_states(&a, EventKind::Ratified),
        ["R1", "R2", "S1", "S2", "S3", "S4"]
    );
    assert_eq!(
        event_states(&b, EventKind::Ratified),
        ["S1", "S2", "S3", "S4"]
    );
    // The terms each decided on (the final set): at weight 1 the receivers gain nothing and the
    // senders 3/5 x 1.5; at weight 0 everyone gains 1.5.
    assert!(close(terms(&b, "R1", 2).gain, 0.0) && close(terms(&b, "R1", 2).value(), -0.1));
    assert!(close(terms(&b, "S1", 2).gain, 0.9));
    assert!(close(terms(&a, "R1", 2).value(), 1.4));
}

// ---------------------------------------------------------------------------------------------
// Informal fora (GFMD; docs/ODD.md §7.4)
// ---------------------------------------------------------------------------------------------

/// Sixteen TFT states (120 pairs) with misperception 0.05 and no other noise, over 30 rounds:
/// a misread defection sets off an echo of retaliation, so cooperation falls below 1. A forum
/// that shares all information (information = 1) removes misperception: cooperation exactly 1.
/// Half the information gives fewer misreadings and more cooperation than none (0.76 vs 0.67
/// here; over seeds 1-10 the gap was 0.09 to 0.17, so the margin of 0.03 is safe). Before a forum starts the run is
/// identical to the run without one (same random numbers).
#[test]
fn informal_forum_cuts_misperception() {
    let states = many("T", 16, |s| s);
    let at = |forum: Option<&str>| {
        let mut sets = vec![
            "rounds=30".to_string(),
            "noise.misperception=0.05".to_string(),
        ];
        if let Some(f) = forum {
            sets.push(format!("issues[0].forum={f}"));
        }
        let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
        let s = scenario(&states, &sets, "");
        run(&s, &rules(&s))
    };
    let none = at(None);
    let full = at(Some("{ information = 1.0 }"));
    let half = at(Some("{ information = 0.5 }"));
    let late = at(Some("{ from_year = 2015, information = 1.0 }"));
    let coop = |o: &RunOutput| o.summaries[0].mean_cooperation;
    assert!(
        coop(&none) < 0.95,
        "misperception breaks TFT cooperation: {}",
        coop(&none)
    );
    assert!(
        close(coop(&full), 1.0),
        "no misperception left: {}",
        coop(&full)
    );
    assert!(
        coop(&none) + 0.03 < coop(&half) && coop(&half) < 1.0,
        "none {} < half {}",
        coop(&none),
        coop(&half)
    );
    let (n, l) = (overall(&none), overall(&late));
    for round in 0..15 {
        assert_eq!(
            n[round].cooperation, l[round].cooperation,
            "round {round}: the forum has not met yet"
        );
    }
    assert!(l[29].cooperation >= n[29].cooperation);
}

/// Compliance is cooperation with members in good standing on the treaty's public record
/// (ODD 7.6, D23, D24). Sixteen members, misperception 0.05, no implementation noise, no
/// monitor. A misread puts the reported side in bad standing on the record that both sides
/// read: its partner punishes it once, lawfully, and it accepts, so every move keeps the
/// treaty (compliance 1 in every round) and cooperation falls only by about one punishment per
/// misread (about 0.05), without the echo that private standing starts (Boyd 1989: before the
/// public record, cooperation here fell below 0.9 and compliance with it). Monitoring 1
/// corrects every misread between members: cooperation 1. No move is ever cheating: nobody is
/// detected at any monitoring.
#[test]
fn compliance_counts_cooperation_with_members_in_good_standing() {
    let states = many("T", 16, |s| s);
    let at = |monitoring: f64| {
        let m = format!("rules.test.monitoring={monitoring}");
        let sets = [
            "rounds=30",
            "noise.misperception=0.05",
            "rules.test.sanctions=1.0",
            "issues[0].initial_regime={ since_year = 2000, members = \"all\", founding = \"given\" }",
            &m,
        ];
        let s = scenario(&states, &sets, "");
        run(&s, &rules(&s))
    };
    let mean = |o: &RunOutput, f: fn(&TimeseriesRow) -> f64| {
        let rows = overall(o);
        rows.iter().map(|r| f(r)).sum::<f64>() / rows.len() as f64
    };
    let compliance = |r: &TimeseriesRow| r.compliance.expect("members play");
    let cooperation = |r: &TimeseriesRow| r.cooperation;
    for monitoring in [0.0, 0.5] {
        let o = at(monitoring);
        assert!(
            overall(&o).iter().all(|r| r.compliance == Some(1.0)),
            "monitoring {monitoring}: every punishment is lawful on the public record"
        );
        let c = mean(&o, cooperation);
        assert!(
            c < 1.0 && c > 0.9,
            "monitoring {monitoring}: misreads cost one accepted punishment each, no echo: {c}"
        );
        assert_eq!(total_detected(&o), 0, "a punishment is not cheating");
    }
    assert!(mean(&at(0.0), cooperation) < mean(&at(0.5), cooperation));
    let full = at(1.0);
    assert_eq!(mean(&full, compliance), 1.0);
    assert_eq!(mean(&full, cooperation), 1.0);
    assert_eq!(total_detected(&full), 0);
}

// ---------------------------------------------------------------------------------------------
// Events (docs/ODD.md §4.11, §7.10)
// ---------------------------------------------------------------------------------------------

/// A regime's life cycle, with every event type (Ratified, Withdrew, CheatingDetected,
/// Sanctioned, Shock, RegimeEmerged, RegimeCollapsed). Issue 12 removed the old premise, a
/// myopic cheater that joins, cheats, leaves and rejoins: a would-be cheater now never joins
/// (selection effect). Here every event arises from a legitimate mechanism instead: a shock
/// turns a member into a cheater, which is detected and sanctioned and then leaves; the shock
/// is reversed and it rejoins; a second shock drives everyone out and the regime collapses.
///
/// Five senders (discount 0.95) and one receiver "Swing" (position 0.9, security 0, discount
/// 0.5); the issue's transaction cost 1 lowers R to 2 and S to -1, members save all of it
/// (cut 1): keeping is worth 3 against a keeper and 0 against a cheater; monitoring 1,
/// sanctions 0.5 (penalty m s = 0.5 per detection), security weight 1 with
/// temptation_per_security 10; no veto; negotiation every 2 rounds, min_compliance 0.8. Swing
/// keeps iff 3 >= 0.5 (T - 0.5) + 0.5 P.
///
/// - Round 1: all six ratify: everyone keeps (Swing: 3 >= 0.5 x 4.5 + 0.5 = 2.75), so each
///   expects 3 inside against its anarchy utility 2 (TFT against TFT): value 1 > 0.
/// - Rounds 2-4: the criterion holds (6/6 members, compliance >= 0.8): emergence logged in
///   round 4, emergence round 2.
/// - Round 4 (year 2004): a shock raises Swing's security by 0.5: T = 5 + 10 x 0.5 x 0.9 = 9.5
///   and Swing cheats (0.5 x 9 + 0.5 = 5 > 3). Rounds 4 and 5: its 5 moves to members are
///   detected (5 detections, penalty 2.5, "1 states"); in round 5 the members punish it
///   lawfully. Compliance 25/30 in both rounds (punishments conform).
/// - Round 5: Swing, a would-be cheater, values membership at c (W_in - W_out) with c = 50/60,
///   W_in = 0.5 (9.5 - 0.5) + 0.5 = 5 and W_out = 0.5 x 9.5 + 0.5 = 5.25: negative, it
///   withdraws. The senders expect c 3 + (1 - c) 0 = 2.5 > 2 and stay.
/// - Round 6 (year 2006): a shock lowers Swing's security by 0.5 (T = 5 again). Round 7: Swing,
///   a keeper again, sees observed compliance 1 (rounds 6-7) and expects 3 > 2: it ratifies
///   again (its standing is reset on joining).
/// - Round 8 (year 2008): a shock adds 10 to every sovereignty cost; in round 9 all six
///   withdraw (value 1 - 10 < 0); the criterion fails from round 10 and the regime collapses in
///   round 12 (collapse round 10). Nothing is negotiated after the last round (13).
#[test]
fn every_event_type_is_logged_over_a_regime_life_cycle() {
    let mut states = vec![st("Swing")
        .group("receiver")
        .power(20.0)
        .position(0.9)
        .discount(0.5)];
    states.extend(many("S", 5, |s| {
        s.group("sender").power(20.0).position(-0.6)
    }));
    let s = scenario(
        &states,
        &[
            "rounds=14",
            "regime.negotiation_interval=2",
            "regime.min_compliance=0.8",
            "issues[0].transaction_cost=1.0",
            "issues[0].shifts.temptation_per_security=10.0",
        ],
        "\n[[shocks]]\nyear = 2004\nkind = \"security\"\nstates = [\"Swing\"]\nchange = 0.5\n\
         \n[[shocks]]\nyear = 2006\nkind = \"security\"\nstates = [\"Swing\"]\nchange = -0.5\n\
         \n[[shocks]]\nyear = 2008\nkind = \"sovereignty_cost\"\nchange = 10.0\n",
    );
    let r = Rules {
        transaction_cost_cut: 1.0,
        monitoring: 1.0,
        sanctions: 0.5,
        security_weight: 1.0,
        ..rules(&s)
    };
    let out = run(&s, &r);
    let everyone = ["S1", "S2", "S3", "S4", "S5", "Swing"];
    let rounds =
        |kind: EventKind| -> Vec<u64> { events(&out, kind).iter().map(|e| e.round).collect() };

    let changes = |kind: EventKind| -> Vec<(u64, String)> {
        events(&out, kind)
            .iter()
            .map(|e| (e.round, name_of(&out, e.state.expect("a state's event"))))
            .collect()
    };
    let mut ratified = changes(EventKind::Ratified);
    ratified.sort();
    let mut want: Vec<(u64, String)> = everyone.iter().map(|x| (1, x.to_string())).collect();
    want.push((7, "Swing".into()));
    assert_eq!(ratified, want);
    assert!(events(&out, EventKind::Ratified)
        .iter()
        .all(|e| e.issue == Some(0)));

    let detected = events(&out, EventKind::CheatingDetected);
    assert_eq!(rounds(EventKind::CheatingDetected), [4, 5]);
    assert!(detected
        .iter()
        .all(|e| close(e.value, 5.0) && e.detail == "1 states" && e.state.is_none()));
    assert_eq!(rounds(EventKind::Sanctioned), [4, 5]);
    assert!(events(&out, EventKind::Sanctioned)
        .iter()
        .all(|e| close(e.value, 2.5)));
    assert_eq!(row(&out, "Swing").times_detected, 10);
    assert_eq!(row(&out, "S1").times_detected, 0, "punishments are lawful");
    let compliance: Vec<Option<f64>> = overall(&out).iter().map(|r| r.compliance).collect();
    for (round, c) in compliance.iter().enumerate() {
        let want = match round {
            0 | 1 | 10.. => None,
            4 | 5 => Some(25.0 / 30.0),
            _ => Some(1.0),
        };
        assert_eq!(*c, want, "compliance in round {round}");
    }

    let emerged = events(&out, EventKind::RegimeEmerged);
    assert_eq!(
        (emerged.len(), emerged[0].round, emerged[0].value),
        (1, 4, 2.0)
    );

    let shocks = events(&out, EventKind::Shock);
    assert_eq!(
        shocks
            .iter()
            .map(|e| (e.round, e.issue, e.value))
            .collect::<Vec<_>>(),
        [(4, None, 0.5), (6, None, -0.5), (8, None, 10.0)]
    );
    assert_eq!(shocks[0].detail, "security (1 states)");
    assert_eq!(shocks[2].detail, "sovereignty_cost (6 states)");

    // Swing's terms as derived: a would-be cheater's loss in round 5, a keeper's gain in round 7.
    // Swing's expected compliance is its own memory of membership: every move its partners made
    // toward it conformed (cooperation, then lawful punishment of its detected cheating), so
    // c = 1, not the treaty-wide 50/60 that its own cheating drags down.
    let t5 = terms(&out, "Swing", 5);
    assert!(close(t5.expected_compliance, 1.0), "{t5:?}");
    assert!(close(t5.gain, 5.0 - 5.25), "{t5:?}");
    let t7 = terms(&out, "Swing", 7);
    assert!(close(t7.gain, 1.0) && close(t7.u_out, 2.0), "{t7:?}");

    let mut withdrew = changes(EventKind::Withdrew);
    withdrew.sort();
    let mut want: Vec<(u64, String)> = vec![(5, "Swing".into())];
    want.extend(everyone.iter().map(|x| (9, x.to_string())));
    assert_eq!(withdrew, want);

    let collapsed = events(&out, EventKind::RegimeCollapsed);
    assert_eq!(
        (collapsed.len(), collapsed[0].round, collapsed[0].value),
        (1, 12, 10.0)
    );
    assert_eq!(summary_field(&s, &out, "emergence_year"), "2002");
    assert_eq!(summary_field(&s, &out, "collapse_year"), "2010");

    // Events come in round order.
    assert!(out.events.windows(2).all(|w| w[0].round <= w[1].round));
}

/// Shocks scheduled by year and by round, a random shock with probability 1 in a window
/// (fires in every round of the window and nowhere else), a random shock with probability 0
/// (never fires), and an institutional shock in round 6 that grants civil-society access
/// "decision" and adds monitoring 1. Access alone would add nothing here: it scales the rule
/// set's monitoring, which is 0. The added monitoring makes it 1 from round 6, so every move of
/// the three cheating members (discount 0.1) is detected from then on and none before: 6
/// detections a round in rounds 6-14.
#[test]
fn shocks_fire_by_year_by_round_and_at_random_in_their_window() {
    let states = [
        st("A").group("ga").region("north").discount(0.1),
        st("B").group("gb").region("south").discount(0.1),
        st("C").group("gb").region("north").discount(0.1),
    ];
    let shocks = r#"
[[shocks]]
year = 2003
kind = "security"
states = ["A"]
change = 0.1

[[shocks]]
round = 5
kind = "security"
group = "gb"
change = 0.2

[[shocks]]
kind = "security"
region = "north"
change = 0.1
probability = 1.0
from_year = 2010
to_year = 2012

[[shocks]]
kind = "economy"
change = 0.5
probability = 0.0

[[shocks]]
round = 6
kind = "institutional"
issue = "labour"
civil_society_access = "decision"
monitoring = 1.0
"#;
    let s = scenario(
        &states,
        &[
            "rounds=15",
            "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
        ],
        shocks,
    );
    let out = run(&s, &rules(&s));
    let shock_events = events(&out, EventKind::Shock);
    let got: Vec<(u64, String)> = shock_events
        .iter()
        .map(|e| (e.round, e.detail.clone()))
        .collect();
    let expected: Vec<(u64, String)> = vec![
        (3, "security (1 states)".into()),
        (5, "security (2 states)".into()),
        (6, "institutional".into()),
        (10, "security (2 states)".into()),
        (11, "security (2 states)".into()),
        (12, "security (2 states)".into()),
    ];
    assert_eq!(got, expected);
    assert_eq!(
        (shock_events[2].issue, shock_events[2].value),
        (Some(0), 1.0),
        "an institutional shock names its issue and logs the monitoring it adds"
    );
    let w = out.final_world.as_ref().expect("full run");
    let security: Vec<f64> = w.states.iter().map(|x| x.security).collect();
    for (x, want) in security.iter().zip([0.4, 0.2, 0.5]) {
        assert!(close(*x, want), "final security {security:?}");
    }
    assert!(
        w.states.iter().all(|x| x.economy == 0.0),
        "a shock with probability 0 never fires"
    );
    // The institutional shock switches on monitoring from round 6.
    let detected: Vec<(u64, f64)> = events(&out, EventKind::CheatingDetected)
        .iter()
        .map(|e| (e.round, e.value))
        .collect();
    assert_eq!(detected, (6..15).map(|r| (r, 6.0)).collect::<Vec<_>>());
    assert_eq!(total_detected(&out), 54);
}

/// A refugee surge securitises every state it reaches: security rises by `change` (clamped to
/// [0, 1]) whatever the state's position, so a sender is hit as hard as a receiver; a state the
/// shock does not target is untouched. (It used to be scaled by receiving = max(position, 0).)
#[test]
fn a_refugee_surge_securitises_every_state_it_reaches() {
    let states = [
        st("Receiver").position(0.5).security(0.2),
        st("Sender").position(-0.8).security(0.2),
        st("Exposed").position(0.0).security(0.8),
        st("Spared").position(0.5).security(0.2),
    ];
    let s = scenario(
        &states,
        &["rounds=3"],
        "\n[[shocks]]\nround = 1\nkind = \"refugee_surge\"\nstates = [\"Receiver\", \"Sender\", \"Exposed\"]\nchange = 0.4\n",
    );
    let out = run(&s, &rules(&s));
    let w = out.final_world.as_ref().expect("full run");
    let security: Vec<f64> = w.states.iter().map(|x| x.security).collect();
    for (x, want) in security.iter().zip([0.2 + 0.4, 0.2 + 0.4, 1.0, 0.2]) {
        assert!(close(*x, want), "final security {security:?}");
    }
    let shocks = events(&out, EventKind::Shock);
    assert_eq!(
        shocks
            .iter()
            .map(|e| (e.round, e.detail.as_str()))
            .collect::<Vec<_>>(),
        [(1, "refugee_surge (3 states)")]
    );
}

// ---------------------------------------------------------------------------------------------
// Common random numbers (docs/ODD.md §7.12; src/analysis/experiment.rs)
// ---------------------------------------------------------------------------------------------

/// Under `run_replicates` with two rule sets, replicate r has the same seed and the same world
/// under both (same generated states, same initial strategies), and random shocks fire in the
/// same rounds, with the same attributes at the end; replicates differ from each other.
#[test]
fn rule_sets_of_a_replicate_share_seed_world_and_shocks() {
    let blocs = r#"
[[blocs]]
group = "north"
region = "north"
count = 4
power = { pareto = { scale = 1.0, shape = 1.5 } }
position = { uniform = [0.3, 1.0] }
security = { uniform = [0.3, 0.9] }
economy = { uniform = [0.2, 0.8] }
rights = { uniform = [0.0, 0.5] }
sovereignty_cost = { uniform = [0.2, 1.0] }
discount = { uniform = [0.5, 0.99] }
strategy = { tit_for_tat = 0.5, grudger = 0.3, defector = 0.2 }

[[blocs]]
group = "south"
region = "south"
count = 6
power = { uniform = [0.1, 1.0] }
position = { uniform = [-1.0, -0.2] }
security = 0.2
economy = { normal = { mean = 0.6, sd = 0.2 } }
rights = 0.6
sovereignty_cost = { uniform = [0.0, 0.3] }
discount = { uniform = [0.5, 0.99] }
strategy = { tit_for_tat = 0.5, cooperator = 0.3, win_stay_lose_shift = 0.2 }

[[shocks]]
kind = "security"
group = "north"
change = 0.05
probability = 0.3
from_year = 2003
to_year = 2016
"#;
    let s = scenario(
        &[],
        &[
            "rounds=20",
            "rule_sets=[\"realist\", \"institutionalist\"]",
            "noise.implementation=0.02",
            "noise.misperception=0.02",
            "learning.rule=\"best_response\"",
            "learning.interval=5",
            "learning.mutation=0.05",
            "regime.negotiation_interval=5",
            "regime.decision_noise=0.1",
        ],
        blocs,
    );
    let mut outs: Vec<RunOutput> = Vec::new();
    experiment::run_replicates(&s, &s.rule_sets, 3, Record::Full, |o| {
        outs.push(o);
        Ok(())
    })
    .expect("runs");
    assert_eq!(outs.len(), 6);
    let shock_rounds = |o: &RunOutput| -> Vec<u64> {
        events(o, EventKind::Shock)
            .iter()
            .map(|e| e.round)
            .collect()
    };
    for r in 0..3u64 {
        let (a, b) = (&outs[2 * r as usize], &outs[2 * r as usize + 1]);
        assert_eq!((a.id.replicate, b.id.replicate), (r, r));
        assert_eq!(
            (a.id.rule_set.as_str(), b.id.rule_set.as_str()),
            ("realist", "institutionalist")
        );
        assert_eq!(
            a.id.seed, b.id.seed,
            "replicate {r}: one seed for both rule sets"
        );
        assert_eq!(a.id.seed, experiment::replicate_seed(s.seed, r));
        assert_eq!(
            world::generate(&s, a.id.seed).states,
            world::generate(&s, b.id.seed).states
        );
        let initial = |o: &RunOutput| -> Vec<String> {
            o.states
                .iter()
                .map(|x| o.strategy(x.initial_strategy).name())
                .collect()
        };
        assert_eq!(
            initial(a),
            initial(b),
            "replicate {r}: same initial strategies"
        );
        let sr = shock_rounds(a);
        assert!(
            !sr.is_empty() && sr.len() < 14,
            "replicate {r}: the random shock is random: {sr:?}"
        );
        assert_eq!(
            sr,
            shock_rounds(b),
            "replicate {r}: shocks in the same rounds"
        );
        let attrs = |o: &RunOutput| -> Vec<[f64; 5]> {
            let w = o.final_world.as_ref().expect("full run");
            o.states.iter().map(|x| x.attributes(w)).collect()
        };
        assert_eq!(
            attrs(a),
            attrs(b),
            "replicate {r}: same attributes at the end"
        );
    }
    assert_ne!(outs[0].id.seed, outs[2].id.seed);
    assert_ne!(
        world::generate(&s, outs[0].id.seed).states,
        world::generate(&s, outs[2].id.seed).states
    );
}

// ---------------------------------------------------------------------------------------------
// Learning (docs/ODD.md §7.8)
// ---------------------------------------------------------------------------------------------

/// A lattice scenario for the Nowak & May (1992) spatial game: `side` x `side` torus, Moore
/// neighbourhood with self-interaction, weak PD T = b = 1.85, R = 1, P = S = 0, imitate the
/// best every round, no noise, no institutions. `blocs` gives the cells in row-major order.
fn nowak_may(side: usize, rounds: u64, blocs: &[(usize, &str)]) -> Scenario {
    let mut extra = String::new();
    for (k, (count, strategy)) in blocs.iter().enumerate() {
        extra.push_str(&format!(
            "\n[[blocs]]\ngroup = \"cell\"\nregion = \"lattice\"\nnames = [{}]\ncount = {count}\npower = 1.0\nposition = 0.0\n\
             security = 0.0\neconomy = 0.0\nrights = 0.0\nsovereignty_cost = 0.0\ndiscount = 0.5\nstrategy = {strategy}\n",
            (0..*count).map(|i| format!("\"b{k}-{i}\"")).collect::<Vec<_>>().join(", ")
        ));
    }
    scenario(
        &[],
        &[
            &format!("rounds={rounds}"),
            "topology.kind=\"lattice\"",
            &format!("topology.width={side}"),
            &format!("topology.height={side}"),
            "topology.self_interaction=true",
            "issues[0].payoffs={ t = 1.85, r = 1.0, p = 0.0, s = 0.0 }",
            "issues[0].allow_any_game=true",
            "learning.rule=\"imitate_best\"",
            "learning.interval=1",
        ],
        &extra,
    )
}

/// Cells that defect at the end of a run, as (x, y).
fn defectors(out: &RunOutput, side: usize) -> Vec<(usize, usize)> {
    let mut v: Vec<(usize, usize)> = out
        .states
        .iter()
        .filter(|r| out.strategy(r.final_strategy) == Strategy::Defector)
        .map(|r| (r.state as usize % side, r.state as usize / side))
        .collect();
    v.sort();
    v
}

fn block(centre: usize, radius: usize) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    for x in centre - radius..=centre + radius {
        for y in centre - radius..=centre + radius {
            v.push((x, y));
        }
    }
    v.sort();
    v
}

/// Nowak & May (1992) by hand, b = 1.85, every cell playing its 8 neighbours and itself:
///
/// Round 0, one defector among cooperators: the defector earns 8b = 14.8; its 8 neighbours
/// 7 + 1 = 8; every other cooperator 9. Each neighbour of the defector sees 14.8 > 9 and
/// defects; cells two steps away see at best 9 (cooperators) and stay: a 3x3 block.
///
/// Round 1, a 3x3 block: its corners earn 5b = 9.25 (5 cooperating neighbours), its edge
/// cells 3b = 5.55, its centre 0; cooperators next to the block 8 (diagonal to a corner),
/// 7 or 6; cooperators farther out 9. Every cell two steps from the centre sees a corner
/// (9.25 > 9) and defects; cells three steps away see at best 9 and stay; every block cell
/// sees a corner (or is one) and stays D: a 5x5 block.
///
/// Every state plays 9 games a round, so cooperation = cooperators / 441: 440/441, 432/441,
/// then 416/441; mean payoff in round 0 = (14.8 + 8 x 8 + 432 x 9) / (441 x 9). Strategies are
/// revised after every round but the last, so a run of r rounds ends after r - 1 revisions, with
/// the strategies it played in its last round.
#[test]
fn nowak_may_single_defector_grows_to_3x3_then_5x5() {
    let blocs = [
        (220, "\"cooperator\""),
        (1, "\"defector\""),
        (220, "\"cooperator\""),
    ];
    let s1 = nowak_may(21, 1, &blocs);
    let none = run(&s1, &rules(&s1));
    assert_eq!(
        none.strategy(none.states[220].initial_strategy),
        Strategy::Defector,
        "the defector is in the centre (10, 10)"
    );
    assert_eq!(
        defectors(&none, 21),
        block(10, 0),
        "one round: no revision after the last round"
    );
    let s2 = nowak_may(21, 2, &blocs);
    let one = run(&s2, &rules(&s2));
    assert_eq!(defectors(&one, 21), block(10, 1), "after one revision: 3x3");
    let s = nowak_may(21, 3, &blocs);
    let two = run(&s, &rules(&s));
    assert_eq!(
        defectors(&two, 21),
        block(10, 2),
        "after two revisions: 5x5"
    );
    let rows = overall(&two);
    for (round, cooperators) in [(0, 440.0), (1, 432.0), (2, 416.0)] {
        assert!(
            close(rows[round].cooperation, cooperators / 441.0),
            "round {round}: {}",
            rows[round].cooperation
        );
    }
    assert!(close(
        rows[0].mean_payoff,
        (14.8 + 8.0 * 8.0 + 432.0 * 9.0) / (441.0 * 9.0)
    ));
    // The last recorded round is the final state: its 25 defectors are the 5x5 block.
    assert!(close(
        two.summaries[0].final_cooperation,
        (441.0 - 25.0) / 441.0
    ));
}

/// An independent implementation of the Nowak-May update (scores over the Moore neighbourhood
/// and self, then every cell copies the best scorer of its neighbourhood, itself included)
/// gives the engine's cooperation share round by round, from a random initial lattice with
/// 10 % defectors. With b = 1.85 a defector's score is 1.85 k and a cooperator's an integer, so
/// no tie between different strategies can occur and the update is unambiguous.
#[test]
fn nowak_may_engine_matches_a_reference_implementation() {
    let side = 30;
    let rounds = 25;
    let s = nowak_may(
        side,
        rounds,
        &[(side * side, "{ cooperator = 0.9, defector = 0.1 }")],
    );
    let out = run(&s, &rules(&s));
    let w = world::generate(&s, s.seed);
    let mut defect: Vec<bool> = w
        .states
        .iter()
        .map(|x| x.strategies[0] == Strategy::Defector)
        .collect();
    let n = side * side;
    let hood = |i: usize| -> Vec<usize> {
        let (x, y) = (i % side, i / side);
        let mut v = Vec::with_capacity(9);
        for dy in [side - 1, 0, 1] {
            for dx in [side - 1, 0, 1] {
                v.push(((y + dy) % side) * side + (x + dx) % side);
            }
        }
        v
    };
    let rows = overall(&out);
    assert_eq!(rows.len(), rounds as usize);
    for (round, row) in rows.iter().enumerate() {
        let cooperators = defect.iter().filter(|&&d| !d).count();
        assert!(
            close(row.cooperation, cooperators as f64 / n as f64),
            "round {round}: engine {} vs reference {}",
            row.cooperation,
            cooperators as f64 / n as f64
        );
        let score: Vec<f64> = (0..n)
            .map(|i| {
                hood(i).iter().filter(|&&j| !defect[j]).count() as f64
                    * if defect[i] { 1.85 } else { 1.0 }
            })
            .collect();
        defect = (0..n)
            .map(|i| {
                let best = hood(i)
                    .into_iter()
                    .fold(i, |b, j| if score[j] > score[b] { j } else { b });
                defect[best]
            })
            .collect();
    }
    assert!(
        rows[rounds as usize - 1].cooperation > 0.1 && rows[rounds as usize - 1].cooperation < 0.9,
        "coexistence, as in Nowak & May"
    );
}

/// Best response: four states (three ALLC, one TFT) on a complete graph. Over a learning
/// interval of 5 rounds, against ALLC defecting earns 5T = 25 and cooperating 5R = 15; against
/// TFT defecting earns T + 4P = 9 and cooperating 15. Everyone's best response is ALLD
/// (3 x 25 > 45 for the TFT state; 2 x 25 + 9 = 59 > 45 for the others). The revision comes at
/// the end of round 4; nothing is revised after the last round, so the run has a sixth round,
/// in which everyone defects: the last recorded round shows the final strategies.
#[test]
fn best_response_switches_to_the_best_reply() {
    let mut states = many("C", 3, |s| s.strategy("cooperator"));
    states.push(st("T"));
    let s = scenario(
        &states,
        &[
            "rounds=6",
            "learning.rule=\"best_response\"",
            "learning.interval=5",
        ],
        "",
    );
    let out = run(&s, &rules(&s));
    let rows = overall(&out);
    assert!(
        rows[..5].iter().all(|r| close(r.cooperation, 1.0)),
        "before the revision everyone cooperates (ALLC and TFT)"
    );
    assert_eq!(rows[5].cooperation, 0.0, "after it everyone defects");
    assert!(
        out.states
            .iter()
            .all(|r| out.strategy(r.final_strategy) == Strategy::Defector),
        "{:?}",
        out.states
            .iter()
            .map(|r| out.strategy(r.final_strategy).name())
            .collect::<Vec<_>>()
    );
}

/// Fermi imitation: cooperators among defectors earn less and copy them with probability
/// 1 / (1 + exp((u_i - u_j) / K)), close to 1 at K = 0.1; strategies change.
#[test]
fn fermi_changes_strategies() {
    let mut states = many("C", 5, |s| s.strategy("cooperator"));
    states.extend(many("D", 5, |s| s.strategy("defector")));
    let s = scenario(
        &states,
        &[
            "rounds=10",
            "learning.rule=\"fermi\"",
            "learning.interval=1",
        ],
        "",
    );
    let out = run(&s, &rules(&s));
    let changed = out
        .states
        .iter()
        .filter(|r| r.final_strategy != r.initial_strategy)
        .count();
    assert!(changed > 0, "no state changed its strategy");
    assert!(
        out.states
            .iter()
            .all(|r| out.strategy(r.final_strategy) == Strategy::Defector),
        "defectors take over a well-mixed population"
    );
}

/// With learning "none" and mutation 0 strategies never change, noise or not.
#[test]
fn without_learning_strategies_stay_fixed() {
    let strategies = [
        "cooperator",
        "defector",
        "tit_for_tat",
        "grudger",
        "win_stay_lose_shift",
        "alternator",
    ];
    let states: Vec<St> = strategies
        .iter()
        .enumerate()
        .map(|(k, x)| st(&format!("X{k}")).strategy(x))
        .collect();
    let s = scenario(
        &states,
        &[
            "rounds=20",
            "noise.implementation=0.1",
            "noise.misperception=0.1",
        ],
        "",
    );
    let out = run(&s, &rules(&s));
    for r in &out.states {
        assert_eq!(r.final_strategy, r.initial_strategy);
        assert_eq!(
            out.strategy(r.initial_strategy).name(),
            strategies[r.state as usize]
        );
    }
}

/// Eight states on a fixed graph (tests/data/mechanisms/edges.csv, by name), mixed
/// deterministic strategies, payoffs made distinct by economy shifts (so no two states tie).
/// All revise at once from the same snapshot, so listing the states in another order gives
/// the same run up to relabelling: the same final strategy, payoff and cooperation per name.
#[test]
fn simultaneous_revision_is_independent_of_the_order_of_states() {
    let spec = [
        ("A", "cooperator"),
        ("B", "defector"),
        ("C", "tit_for_tat"),
        ("D", "grudger"),
        ("E", "win_stay_lose_shift"),
        ("F", "defector"),
        ("G", "cooperator"),
        ("H", "tit_for_tat"),
    ];
    let make = |order: &[usize], rule: &str| {
        let states: Vec<St> = order
            .iter()
            .map(|&k| {
                st(spec[k].0)
                    .strategy(spec[k].1)
                    .economy(0.05 + 0.1 * k as f64)
            })
            .collect();
        scenario(
            &states,
            &[
                "rounds=8",
                "topology.kind=\"edge_list\"",
                "topology.file=\"edges.csv\"",
                "issues[0].shifts.reward_per_economy=1.0",
                &format!("learning.rule=\"{rule}\""),
                "learning.interval=2",
            ],
            "",
        )
    };
    for rule in ["imitate_best", "best_response"] {
        let by_name = |order: &[usize]| {
            let s = make(order, rule);
            let out = run(&s, &rules(&s));
            let mut v: Vec<(String, String, f64, f64)> = out
                .states
                .iter()
                .map(|r| {
                    (
                        name_of(&out, r.state as usize),
                        out.strategy(r.final_strategy).name(),
                        r.mean_payoff,
                        r.cooperation,
                    )
                })
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            (
                v,
                out.states
                    .iter()
                    .filter(|r| r.final_strategy != r.initial_strategy)
                    .count(),
            )
        };
        let (a, changed) = by_name(&[0, 1, 2, 3, 4, 5, 6, 7]);
        let (b, _) = by_name(&[7, 2, 5, 0, 4, 1, 6, 3]);
        assert!(changed > 0, "{rule}: the test needs some revisions");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                (&x.0, &x.1),
                (&y.0, &y.1),
                "{rule}: final strategy of {}",
                x.0
            );
            assert!(
                (x.2 - y.2).abs() < EPS && (x.3 - y.3).abs() < EPS,
                "{rule}: payoff/cooperation of {}: {x:?} vs {y:?}",
                x.0
            );
        }
    }
}

/// Ties. X plays A (TFT) and B (GRIM); A and B each also play two cooperators. In round 0 A
/// and B both earn 3R = 9 and X 2R = 6, so X copies "the best scorer among its neighbours"
/// (docs/ODD.md §7.8) but there are two, with different strategies. The tie-break does not depend on
/// the order of states: X keeps its own strategy if a tied best scorer uses it, else it takes
/// the tied strategy first by name. So an ALLC X becomes `grudger` (before `tit_for_tat`),
/// and a TFT X stays TFT (A, a best scorer, plays it), whether A or B is listed first. The run
/// has two rounds, since nothing is revised after the last round.
#[test]
fn imitate_best_ties_do_not_depend_on_the_order_of_states() {
    let others = [
        st("A"),
        st("B").strategy("grudger"),
        st("A1").strategy("cooperator"),
        st("A2").strategy("cooperator"),
        st("B1").strategy("cooperator"),
        st("B2").strategy("cooperator"),
    ];
    let final_of_x = |x: &str, order: &[usize]| {
        let mut states = vec![st("X").strategy(x)];
        states.extend(order.iter().map(|&k| others[k].clone()));
        let s = scenario(
            &states,
            &[
                "rounds=2",
                "topology.kind=\"edge_list\"",
                "topology.file=\"edges-tie.csv\"",
                "learning.rule=\"imitate_best\"",
                "learning.interval=1",
            ],
            "",
        );
        let out = run(&s, &rules(&s));
        assert!(
            close(row(&out, "A").mean_payoff, 3.0) && close(row(&out, "X").mean_payoff, 3.0),
            "everyone cooperates: A earns 3R = 9 over 3 games a round, X 2R = 6 over 2"
        );
        out.strategy(row(&out, "X").final_strategy).name()
    };
    for (x, want) in [("cooperator", "grudger"), ("tit_for_tat", "tit_for_tat")] {
        let a_first = final_of_x(x, &[0, 1, 2, 3, 4, 5]);
        let b_first = final_of_x(x, &[1, 0, 2, 3, 4, 5]);
        assert_eq!(
            a_first, b_first,
            "{x}: X's new strategy depends on whether A or B is listed first"
        );
        assert_eq!(a_first, want, "{x}: tie-break");
    }
}

/// Standing resets when a state joins (issue 12): what states did to each other before a
/// treaty existed does not count against them inside it. 15 tit-for-tat and 5 always-defect
/// states, all patient (discount 0.95, so all would comply), no noise: before the first
/// negotiation the defectors defect and the tit-for-tat states answer; all join at the end of
/// round 4; in round 5, the first treaty round, every member complies and no one is in bad
/// standing, so every move is C. (Before the reset, incumbents punished the entrants' old
/// defections: cooperation 0.737 in that round.)
///
/// Issue 12: membership must have a value for them to join. The issue's transaction cost 1
/// lowers R to 2 and S to -1; members save half of it (saving 0.5), so each expects 2.5 inside
/// (all would keep). Outside, each expects what its strategy earns against its partners' over
/// one learning interval (10 rounds here; learning is off): TFT against TFT 2, against ALLD
/// (S + 9P)/10 = 0.8, so a TFT state expects (14 x 2 + 5 x 0.8)/19 = 1.68; ALLD against TFT
/// (T + 9P)/10 = 1.4 and against ALLD 1, so (15 x 1.4 + 4 x 1)/19 = 1.32. Both gain: all join.
#[test]
fn standing_resets_when_a_state_joins() {
    let mut states = many("T", 15, |s| s.strategy("tit_for_tat"));
    states.extend(many("D", 5, |s| s.strategy("defector")));
    let s = scenario(
        &states,
        &[
            "rounds=8",
            "regime.negotiation_interval=5",
            "learning.interval=10",
            "issues[0].transaction_cost=1.0",
        ],
        "",
    );
    let out = run(
        &s,
        &Rules {
            transaction_cost_cut: 0.5,
            ..rules(&s)
        },
    );
    let joined = events(&out, EventKind::Ratified);
    assert_eq!(joined.len(), 20, "all join at the first negotiation");
    assert!(joined.iter().all(|e| e.round == 4));
    let rows = overall(&out);
    assert!(
        rows[4].cooperation < 0.9,
        "defectors defect before the treaty"
    );
    assert_eq!(rows[5].members, 20);
    assert_eq!(
        rows[5].cooperation, 1.0,
        "the first treaty round: {:?}",
        rows[5]
    );
}

// ---------------------------------------------------------------------------------------------
// Compliance thresholds and membership (issue 12)
// ---------------------------------------------------------------------------------------------

/// Five patient TFT states (discount 0.95) and one state "X" whose discount is varied. The
/// issue's transaction cost 1 lowers R to 2 and S to -1; members save all of it (cut 1), so
/// keeping is worth 3 against a keeper and 0 against a cheater; monitoring 1, sanctions 0.5.
/// X keeps iff 3 >= (1 - d)(T - 0.5) + d P, i.e. d >= 1.5 / 3.5 = 0.4286. With d = 0.3 it would
/// cheat (0.7 x 4.5 + 0.3 = 3.45 > 3); with d = 0.6 it keeps (0.4 x 4.5 + 0.6 = 2.4).
///
/// A would-be cheater values membership at f c (W_in - W_out) with W_in = 3.45 and
/// W_out = 0.7 x 5 + 0.3 = 3.8 (no sanction outside): negative, so it never joins, and as a
/// member of a regime given at the start it leaves at the first negotiation (round 1; c =
/// 50/60 observed, value < 0). The patient states expect 0.8 x 3 + 0.2 x 0 = 2.4 > 2 with X in
/// the conference and 3 > 2 without it, and join (or stay). With d = 0.6, X joins once (value
/// 1 > 0, everyone keeps) and stays: one `ratified`, no `withdrew`. Negotiations at the end of
/// rounds 1, 3 and 5.
#[test]
fn a_cheater_below_the_threshold_neither_joins_nor_stays() {
    let world = |d: f64, given: bool| {
        let mut states = vec![st("X").discount(d)];
        states.extend(many("P", 5, |s| s));
        let mut sets = vec![
            "rounds=8",
            "regime.negotiation_interval=2",
            "issues[0].transaction_cost=1.0",
        ];
        if given {
            sets.push(
                "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
            );
        }
        scenario(&states, &sets, "")
    };
    let rules_of = |s: &Scenario| Rules {
        transaction_cost_cut: 1.0,
        monitoring: 1.0,
        sanctions: 0.5,
        ..rules(s)
    };
    // The thresholds as derived, from the model's own compliance rule.
    let g = [2.0, -1.0, 5.0, 1.0];
    let r = rules_of(&world(0.3, false));
    let e = model::Enforcement::new(1.0, 1.0, &r, 1.0);
    let star = 1.5 / 3.5;
    assert!(model::complies(&g, &g, 0.0, star + 1e-9, &e));
    assert!(!model::complies(&g, &g, 0.0, star - 1e-9, &e));

    let x_events = |out: &RunOutput, kind: EventKind| -> Vec<u64> {
        let x = index_of(out, "X");
        events(out, kind)
            .iter()
            .filter(|e| e.state == Some(x))
            .map(|e| e.round)
            .collect()
    };
    // Low discount, no regime at the start: the others join, X never does.
    let s = world(0.3, false);
    let out = run(&s, &rules_of(&s));
    assert_eq!(
        event_states(&out, EventKind::Ratified),
        ["P1", "P2", "P3", "P4", "P5"]
    );
    assert!(x_events(&out, EventKind::Ratified).is_empty());
    assert!(!row(&out, "X").member);
    assert!(events(&out, EventKind::Withdrew).is_empty());
    let t = terms(&out, "X", 1);
    assert!(
        close(t.gain, 3.45 - 3.8),
        "f = c = 1 in the conference: {t:?}"
    );
    assert!(overall(&out)[2..].iter().all(|r| r.members == 5));
    // Low discount, given as a member: X cheats (detected), leaves at the first negotiation and
    // never rejoins; the others stay.
    let s = world(0.3, true);
    let out = run(&s, &rules_of(&s));
    assert!(row(&out, "X").times_detected > 0, "X cheats while in");
    assert_eq!(x_events(&out, EventKind::Withdrew), [1]);
    // X's expected compliance is its memory of membership: its partners' moves toward it all
    // conformed (cooperation, then lawful punishment of its cheating), so c = 1 (the treaty-wide
    // compliance its cheating drags to 50/60 is not what it expects of its partners).
    let t = terms(&out, "X", 1);
    assert!(close(t.expected_compliance, 1.0), "{t:?}");
    assert!(close(t.gain, 3.45 - 3.8), "{t:?}");
    assert_eq!(event_states(&out, EventKind::Withdrew), ["X"]);
    assert!(events(&out, EventKind::Ratified).is_empty());
    assert!(!row(&out, "X").member);
    assert!(overall(&out)[2..].iter().all(|r| r.members == 5));
    // High discount: X joins once, with the others, and stays.
    let s = world(0.6, false);
    let out = run(&s, &rules_of(&s));
    assert_eq!(x_events(&out, EventKind::Ratified), [1]);
    assert_eq!(event_states(&out, EventKind::Ratified).len(), 6);
    assert!(events(&out, EventKind::Withdrew).is_empty());
    assert!(row(&out, "X").member);
    assert_eq!(row(&out, "X").times_detected, 0);
}

/// Monitoring lowers the compliance threshold as derived: with tc = s = 0 and k = 0,
/// delta*(pi) = (T - R) / (T - R + pi (R - P)) = 2 / (2 + 2 pi). The issue's detection is
/// q = 0.5, so without monitoring pi = 0.5 and delta* = 2/3; with monitoring m = 0.5,
/// pi = 1 - 0.5 x 0.5 = 0.75 and delta* = 2/3.5 = 0.571. A member "Mid" with discount 0.6
/// (between the two) cheats without monitoring (every move to a member is D: cooperation 0) and
/// complies with it (cooperation 1), in a regime given at the start with four patient members.
#[test]
fn monitoring_changes_the_compliance_threshold_in_a_run() {
    let mut states = vec![st("Mid").discount(0.6)];
    states.extend(many("P", 4, |s| s));
    let s = scenario(
        &states,
        &[
            "rounds=5",
            "issues[0].detection=0.5",
            "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
        ],
        "",
    );
    let star = |pi: f64| 2.0 / (2.0 + 2.0 * pi);
    let (lo, hi) = (star(0.75), star(0.5));
    assert!(close(hi, 2.0 / 3.0) && close(lo, 2.0 / 3.5));
    assert!(lo < 0.6 && 0.6 < hi);
    let g = Payoffs::STANDARD.as_array();
    let r0 = rules(&s);
    let r1 = Rules {
        monitoring: 0.5,
        ..r0
    };
    let e0 = model::Enforcement::new(0.5, 0.0, &r0, 0.0);
    let e1 = model::Enforcement::new(0.5, 0.5, &r1, 0.0);
    assert!(close(e1.pi, 0.75));
    for (e, pi) in [(&e0, 0.5), (&e1, 0.75)] {
        assert!(model::complies(&g, &g, 0.0, star(pi) + 1e-9, e));
        assert!(!model::complies(&g, &g, 0.0, star(pi) - 1e-9, e));
    }
    let (a, b) = (run(&s, &r0), run(&s, &r1));
    assert_eq!(row(&a, "Mid").cooperation, 0.0, "no monitoring: Mid cheats");
    assert_eq!(row(&b, "Mid").cooperation, 1.0, "monitoring: Mid complies");
    assert!(overall(&b).iter().all(|r| r.compliance == Some(1.0)));
    assert!(overall(&a).iter().all(|r| r.compliance.unwrap() < 1.0));
}

/// Cheating is seen in play with the base detection q (ODD 7.6), as the compliance condition
/// assumes: a myopic member X (discount 0.05) cheats its four patient TFT partners every round of
/// a given treaty, without a monitor. With q = 1 every partner sees it and punishes X in every
/// round after the first (9 of its 10 moves toward X are D; with its 3 other partners, cooperation
/// (40 - 9) / 40 = 0.775).
/// With q = 0.5 a partner sees each cheating move only half the time; an unseen one passes for
/// cooperation and restores X's standing in that partner's eyes, so the partners punish X less
/// often, but still sometimes. X itself cheats in both (cooperation 0).
#[test]
fn cheating_is_seen_in_play_with_the_base_detection() {
    let mut states = vec![st("X").discount(0.05)];
    states.extend(many("P", 4, |s| s));
    let at = |q: f64| {
        let q = format!("issues[0].detection={q}");
        let sets = [
            "rounds=10",
            "issues[0].initial_regime={ since_year = 1990, members = \"all\", founding = \"given\" }",
            &q,
        ];
        let s = scenario(&states, &sets, "");
        run(&s, &rules(&s))
    };
    let punishments = |o: &RunOutput| -> f64 {
        (1..=4)
            .map(|k| (1.0 - row(o, &format!("P{k}")).cooperation) * 40.0)
            .sum()
    };
    let seen = at(1.0);
    let half = at(0.5);
    assert_eq!(row(&seen, "X").cooperation, 0.0);
    assert_eq!(row(&half, "X").cooperation, 0.0);
    for k in 1..=4 {
        assert!(close(row(&seen, &format!("P{k}")).cooperation, 31.0 / 40.0));
    }
    assert!(close(punishments(&seen), 36.0), "{}", punishments(&seen));
    let p = punishments(&half);
    assert!(
        p > 0.0 && p < 36.0,
        "partners punish less when they see less: {p}"
    );
}

/// Relative gains scale with the issue's security stakes: k_i = k x stakes / (1 + d (partners -
/// 1)), one partner here. TFT against ALLD for 10 rounds: TFT earns S + 9P = 9, ALLD
/// T + 9P = 14, whatever the stakes. With k = 0.5, TFT's utility falls by k x stakes x (T - S)
/// = 2.5 x stakes over the run (0.25 x stakes per round) and ALLD's rises by as much: stakes
/// 0 (stakes are in [0, 1]) gives no relative gains, 0.5 gives 0.125 per round, 1 gives 0.25.
#[test]
fn relative_gains_scale_with_the_issues_security_stakes() {
    let states = [st("TFT").sov(1e6), st("ALLD").strategy("defector").sov(1e6)];
    for stakes in [0.0, 0.5, 1.0] {
        let s = scenario(
            &states,
            &[
                "rounds=10",
                &format!("issues[0].security_stakes={stakes:?}"),
            ],
            "",
        );
        let out = run(
            &s,
            &Rules {
                relative_gains: 0.5,
                ..rules(&s)
            },
        );
        assert!(close(row(&out, "TFT").mean_payoff, 0.9), "stakes {stakes}");
        assert!(close(row(&out, "ALLD").mean_payoff, 1.4), "stakes {stakes}");
        assert!(
            close(row(&out, "TFT").mean_utility, 0.9 - 0.25 * stakes),
            "stakes {stakes}: {}",
            row(&out, "TFT").mean_utility
        );
        assert!(
            close(row(&out, "ALLD").mean_utility, 1.4 + 0.25 * stakes),
            "stakes {stakes}: {}",
            row(&out, "ALLD").mean_utility
        );
    }
}

/// A regime in place starts binding only if its founding meets the membership criterion
/// (ODD 5): four listed states whose sovereignty cost 10 no treaty can cover found nothing, so
/// the regime is absent from round 0 (not pre-existing, never binding, no collapse logged);
/// with `founding = "given"` the same states are imposed members and it starts binding.
#[test]
fn a_founding_nobody_joins_does_not_start_binding() {
    let states = many("M", 4, |s| s.sov(10.0));
    let at = |founding: &str| {
        let regime = format!(
            "issues[0].initial_regime={{ since_year = 1950, members = \"all\", founding = \"{founding}\" }}"
        );
        let s = scenario(&states, &["rounds=6", &regime], "");
        run(&s, &rules(&s))
    };
    let founded = at("negotiated");
    let summary = &founded.summaries[0];
    assert!(!summary.preexisting);
    assert_eq!(summary.emergence_round, None);
    assert_eq!(summary.collapse_round, None);
    assert!(events(&founded, EventKind::RegimeCollapsed).is_empty());
    assert!(founded
        .timeseries
        .iter()
        .filter(|r| r.issue == 0)
        .all(|r| r.status != model::Status::Binding));
    let given = at("given");
    assert!(given.summaries[0].preexisting);
    assert_eq!(given.summaries[0].emergence_round, Some(0));
}
