//! The engine: one run of a scenario under one rule set (ODD 3 "Process overview and
//! scheduling", ODD 7.4-7.10 for the submodels, ODD 7.12 for the random streams).
//!
//! Within a round everything happens in this fixed order:
//! 1. shocks of the round are applied, in file order (a random shock draws every round);
//!    then, issue by issue:
//! 2. every state decides whether it would comply with the treaty (members act on it);
//! 3. every linked pair plays the stage game once;
//! 4. the regime is assessed (criterion, emergence, collapse, strength) and the round is
//!    recorded;
//! 5. at the end of a learning interval states revise strategies, all at once;
//! 6. at the end of a negotiation interval states ratify or withdraw, all at once.
//!
//! Nothing is revised after the last round, so the last recorded round is the final state.
//!
//! Between members the treaty governs play (institutionalised reciprocity, Keohane 1986): a
//! complying member cooperates with a member unless that member is in bad standing (it
//! defected while the complier was in good standing, as far as the complier saw) or monitoring
//! caught it cheating on at least a quarter of its treaty partners (systematic cheating, made
//! known to all members); such a punishment is lawful, and a state in bad standing accepts it
//! rather than answering it (contrite reciprocity, Sugden 1986), so that errors do not echo.
//! Any other defection toward a member is cheating: detected with probability `monitoring` and
//! then sanctioned.
//!
//! Per-pair memory lives in flat arrays indexed by edge; strategies are finite-state machines
//! dispatched by table lookup; counters are kept running, never recomputed from histories.
//! Each purpose (play of an issue, shocks, learning, negotiation) has its own random stream
//! derived from the run seed, so rule sets of a replicate share their random numbers
//! (common random numbers) as far as their decisions allow.
//!
//! The parts (private modules): `schedule` (the `Run` engine: set-up, one named step per
//! phase of a round, finish), `state` (per-issue run state), `tally` (what is counted, and the
//! payoff pass of play), `play` (deciding moves: standing, treaty play, transition tables),
//! `learn`, `negotiate`, `shocks` and `record` (time series, events, summaries); `blocks`
//! (parallel within a run) and `lattice` (the Nowak–May fast path, chosen by [`run`] when
//! [`uses_lattice_path`] holds).
//!
//! This module may import [`crate::model`] (with the resolved scenario it runs) and the
//! engine's [`rng`](crate::engine::rng) and [`world`](crate::engine::world); never
//! [`crate::io`], [`crate::analysis`], [`crate::plot`] or clap. (Its unit tests load shipped
//! scenarios through `io`.)

mod blocks;
mod lattice;
mod learn;
mod negotiate;
mod outside;
mod play;
mod probe;
mod record;
mod schedule;
mod shocks;
mod state;
mod tally;

use crate::engine::world::World;
use crate::model::strategy::Strategy;
use crate::model::Status;
use crate::model::{MembershipTerms, Rules, Scenario};
pub use probe::{ExitRecord, ForcedExit, PanelRow, Probe, ProbeOutput};

/// Stream index of the play of an issue (ODD 7.12).
const PLAY_STREAM: u64 = 2;
/// Stream index of the shocks (ODD 7.12).
const SHOCK_STREAM: u64 = 3;
/// Stream index of the learning of an issue (ODD 7.12).
const LEARN_STREAM: u64 = 4;
/// Stream index of the negotiation of an issue (ODD 7.12).
const NEGOTIATE_STREAM: u64 = 5;

/// How much a run records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// Only the per-issue summary (sweeps).
    Summary,
    /// The summary, per-state results and the final world, without time series or events
    /// (calibration and target validation, which read nothing else).
    States,
    /// Time series, events and per-state results too.
    Full,
    /// Everything of `Full`, and every state's decision in every negotiation
    /// ([`NegotiationRow`]; `regime run --negotiations`).
    FullWithNegotiations,
}

impl Record {
    /// Time series and events are recorded.
    pub fn is_full(self) -> bool {
        match self {
            Record::Summary | Record::States => false,
            Record::Full | Record::FullWithNegotiations => true,
        }
    }

    /// Per-state rows (with each state's value of membership) and the final world are kept.
    pub fn keeps_states(self) -> bool {
        self != Record::Summary
    }
}

/// Identifies a run in outputs.
#[derive(Debug, Clone)]
pub struct RunId {
    /// 0-based run index.
    pub run_id: u64,
    /// Replicate index.
    pub replicate: u64,
    /// The run's seed (shared by the rule sets of a replicate).
    pub seed: u64,
    /// Rule-set name.
    pub rule_set: String,
}

/// One row of `timeseries.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeseriesRow {
    /// Round.
    pub round: u64,
    /// Issue index.
    pub issue: usize,
    /// Group index, or `None` for all states.
    pub group: Option<usize>,
    /// States in the group.
    pub states: u32,
    /// Share of C moves made by the group this round.
    pub cooperation: f64,
    /// Mean payoff per interaction.
    pub mean_payoff: f64,
    /// Mean utility per interaction.
    pub mean_utility: f64,
    /// Regime status.
    pub status: Status,
    /// Members in the group.
    pub members: u32,
    /// Members / states of the group.
    pub member_share: f64,
    /// Members' share of the group's power.
    pub member_power_share: f64,
    /// Share of member-to-member moves by the group's members that were C.
    pub compliance: Option<f64>,
    /// Regime strength.
    pub strength: f64,
}

/// Event kinds (`events.csv`, docs/outputs.md; ODD 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A state joined the regime.
    Ratified,
    /// A member left.
    Withdrew,
    /// Members' cheating on members was detected; one row per round and issue (value: number
    /// of detections, detail: number of states detected). Per-state totals are in `states.csv`.
    CheatingDetected,
    /// Detected cheaters paid sanctions; one row per round and issue (value: total penalty).
    Sanctioned,
    /// A shock happened (value: its change).
    Shock,
    /// The regime became binding (value: the emergence round).
    RegimeEmerged,
    /// The regime collapsed (value: the collapse round).
    RegimeCollapsed,
}

impl EventKind {
    /// The name in `events.csv`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Ratified => "ratified",
            EventKind::Withdrew => "withdrew",
            EventKind::CheatingDetected => "cheating_detected",
            EventKind::Sanctioned => "sanctioned",
            EventKind::Shock => "shock",
            EventKind::RegimeEmerged => "regime_emerged",
            EventKind::RegimeCollapsed => "regime_collapsed",
        }
    }
}

/// One row of `events.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Round.
    pub round: u64,
    /// Issue index (None for shocks to attributes, which affect all issues).
    pub issue: Option<usize>,
    /// State index (None for issue-level events).
    pub state: Option<usize>,
    /// Kind.
    pub kind: EventKind,
    /// A number (see [`EventKind`]).
    pub value: f64,
    /// Free text.
    pub detail: String,
}

/// Per-issue result of a run (a row of `summary.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct IssueSummary {
    /// Issue index.
    pub issue: usize,
    /// The regime existed at the start (left-truncated).
    pub preexisting: bool,
    /// First round the emergence criterion held (of the streak that made it binding).
    pub emergence_round: Option<u64>,
    /// First round of the failing streak that collapsed it.
    pub collapse_round: Option<u64>,
    /// Status after the last round.
    pub final_status: Status,
    /// Members at the end.
    pub final_members: u32,
    /// Members / states at the end.
    pub final_member_share: f64,
    /// Members' power share at the end.
    pub final_power_share: f64,
    /// Mean over rounds of the share of C moves.
    pub mean_cooperation: f64,
    /// Share of C moves in the last round.
    pub final_cooperation: f64,
    /// Mean payoff per interaction over the run.
    pub mean_payoff: f64,
    /// Mean utility per interaction over the run.
    pub mean_utility: f64,
}

/// Per state and issue results (a row of `states.csv`). Compact (64 bytes, a million of them
/// in a large world): the strategies are indices into [`RunOutput::strategies`] and the
/// attributes are read from the final world ([`StateRow::attributes`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    /// State index.
    pub state: u32,
    /// Issue index.
    pub issue: u32,
    /// Initial strategy: an index into [`RunOutput::strategies`].
    pub initial_strategy: u8,
    /// Final strategy: an index into [`RunOutput::strategies`].
    pub final_strategy: u8,
    /// Member at the end.
    pub member: bool,
    /// Mean payoff per interaction.
    pub mean_payoff: f64,
    /// Mean utility per interaction.
    pub mean_utility: f64,
    /// Share of its moves that were C.
    pub cooperation: f64,
    /// Times its cheating on members was detected.
    pub times_detected: u64,
    /// Its value of membership at the last negotiation, without decision noise (ODD 7.9);
    /// `None` when no negotiation took place.
    pub membership_value: Option<f64>,
}

impl StateRow {
    /// The state's attributes at the end (after shocks): power, position, security, economy,
    /// rights, read from the run's final world.
    pub fn attributes(&self, final_world: &World) -> [f64; 5] {
        let s = &final_world.states[self.state as usize];
        [s.power, s.position, s.security, s.economy, s.rights]
    }
}

/// One state's decision in one negotiation of one issue (a row of `negotiations.csv`): the
/// terms of its value of membership once the others' membership had settled (ODD 7.9).
#[derive(Debug, Clone, PartialEq)]
pub struct NegotiationRow {
    /// Round at whose end the negotiation took place.
    pub round: u64,
    /// Issue index.
    pub issue: usize,
    /// State index.
    pub state: usize,
    /// Member before the negotiation.
    pub member_before: bool,
    /// Member after it.
    pub member_after: bool,
    /// The terms of the value; their sum is [`MembershipTerms::value`].
    pub terms: MembershipTerms,
    /// The state's persistent taste for membership (ODD 7.9).
    pub taste: f64,
}

impl NegotiationRow {
    /// `joined`, `stayed`, `withdrew` or `stayed_out`.
    pub fn decision(&self) -> &'static str {
        match (self.member_before, self.member_after) {
            (false, true) => "joined",
            (true, true) => "stayed",
            (true, false) => "withdrew",
            (false, false) => "stayed_out",
        }
    }
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Identity.
    pub id: RunId,
    /// Per-issue summaries.
    pub summaries: Vec<IssueSummary>,
    /// Time series (Record::Full only).
    pub timeseries: Vec<TimeseriesRow>,
    /// Events (Record::Full only).
    pub events: Vec<Event>,
    /// Per state and issue (Record::States and fuller).
    pub states: Vec<StateRow>,
    /// The strategies that [`StateRow`]'s strategy indices refer to (Record::States and fuller).
    pub strategies: Vec<Strategy>,
    /// Every state's decision in every negotiation (Record::FullWithNegotiations only).
    pub negotiations: Vec<NegotiationRow>,
    /// The world's states after shocks (Record::States and fuller).
    pub final_world: Option<World>,
    /// Stage games played (pair-rounds).
    pub pair_rounds: u64,
    /// What the probes of [`run_probed`] recorded (empty for [`run`]).
    pub probe: ProbeOutput,
}

impl RunOutput {
    /// The output of run `id` before anything is recorded.
    pub fn empty(id: RunId) -> RunOutput {
        RunOutput {
            id,
            summaries: Vec::new(),
            timeseries: Vec::new(),
            events: Vec::new(),
            states: Vec::new(),
            strategies: Vec::new(),
            negotiations: Vec::new(),
            final_world: None,
            pair_rounds: 0,
            probe: ProbeOutput::default(),
        }
    }

    /// The strategy of a [`StateRow`]'s strategy index.
    pub fn strategy(&self, index: u8) -> Strategy {
        self.strategies[index as usize]
    }
}

/// Runs one scenario replicate under one rule set: on the Nowak–May fast path when
/// [`uses_lattice_path`] holds (same outputs to the last bit), else on the general engine.
/// A full record keeps a copy of `world` as its final world; [`run_world`] keeps `world` itself.
pub fn run(
    scenario: &Scenario,
    world: &World,
    rules: &Rules,
    id: RunId,
    record: Record,
) -> RunOutput {
    if lattice::applies(scenario, world, rules) {
        let mut out = lattice::run(scenario, world, rules, id, record);
        out.final_world = record.keeps_states().then(|| world.clone());
        return out;
    }
    run_general(scenario, world.clone(), rules, id, record)
}

/// [`run`] on a world the caller gives away: a full record keeps it as its final world
/// instead of a copy (one world in memory instead of two: 144 MB for 10^6 lattice cells).
pub fn run_world(
    scenario: &Scenario,
    world: World,
    rules: &Rules,
    id: RunId,
    record: Record,
) -> RunOutput {
    if lattice::applies(scenario, &world, rules) {
        let mut out = lattice::run(scenario, &world, rules, id, record);
        out.final_world = record.keeps_states().then_some(world);
        return out;
    }
    run_general(scenario, world, rules, id, record)
}

/// The general engine: every edge played, every mechanism on.
fn run_general(
    scenario: &Scenario,
    world: World,
    rules: &Rules,
    id: RunId,
    record: Record,
) -> RunOutput {
    let mut engine = schedule::Run::set_up(scenario, world, rules, id, record);
    for round in 0..scenario.rounds {
        engine.play_round(round);
    }
    engine.finish()
}

/// Whether [`run`] runs `world` under `rules` on the Nowak–May fast path (issue 16; ODD 7.12):
/// a Moore torus of at least 3 x 3 cells, one issue, only `cooperator` and `defector`, no noise,
/// no shocks, imitation of the best without mutation (or no learning), no regime in place, no
/// negotiation before the last round and one stage game for all. The outputs are the general
/// engine's to the last bit; only the speed and the memory differ.
pub fn uses_lattice_path(scenario: &Scenario, world: &World, rules: &Rules) -> bool {
    lattice::applies(scenario, world, rules)
}

/// Runs one scenario replicate under one rule set with probes (`regime hypotheses`): a
/// forced exit of the most powerful members and a panel of every state's play at each
/// negotiation ([`Probe`]). With `Probe::default()` it is exactly [`run`].
pub fn run_probed(
    scenario: &Scenario,
    world: &World,
    rules: &Rules,
    (id, record): (RunId, Record),
    probe: &Probe,
) -> RunOutput {
    let mut engine = schedule::Run::set_up(scenario, world.clone(), rules, id, record);
    engine.probe(probe.clone());
    for round in 0..scenario.rounds {
        engine.play_round(round);
    }
    engine.finish()
}

#[cfg(test)]
mod tests {
    use super::play::FULL_PLAY_ONLY;
    use super::*;
    use crate::io::scenario;

    /// The id of a test's one run with seed `seed`.
    fn test_id(seed: u64) -> RunId {
        RunId {
            run_id: 0,
            replicate: 0,
            seed,
            rule_set: "test".into(),
        }
    }

    /// Full record of one run on the general engine (never the lattice fast path), as text.
    fn record(s: &Scenario, rules: &Rules, full_play_only: bool) -> String {
        lattice::FORCE_GENERAL.with(|c| c.set(true));
        let text = record_on(s, rules, full_play_only);
        lattice::FORCE_GENERAL.with(|c| c.set(false));
        text
    }

    /// Full record of one run on the engine [`run`] chooses, as text.
    fn record_on(s: &Scenario, rules: &Rules, full_play_only: bool) -> String {
        FULL_PLAY_ONLY.with(|c| c.set(full_play_only));
        let w = crate::engine::world::generate(s, s.seed);
        let id = test_id(s.seed);
        let out = run(s, &w, rules, id, Record::Full);
        FULL_PLAY_ONLY.with(|c| c.set(false));
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}",
            out.summaries,
            out.timeseries,
            out.events,
            out.states,
            out.strategies,
            out.final_world,
            out.pair_rounds
        )
    }

    /// A record that keeps states has exactly the summaries, per-state rows, strategies and
    /// final world of a full record, and no time series or events (the general engine and the
    /// lattice path).
    #[test]
    fn a_states_record_is_the_full_record_without_series() {
        for name in ["teaching", "spatial"] {
            let path = format!("scenarios/{name}.toml");
            let s = scenario::load(std::path::Path::new(&path), &[]).expect("a shipped scenario");
            let w = crate::engine::world::generate(&s, s.seed);
            let rules = &s.rule_sets[0].1;
            let id = || test_id(s.seed);
            let full = run(&s, &w, rules, id(), Record::Full);
            let states = run(&s, &w, rules, id(), Record::States);
            assert!(
                !full.timeseries.is_empty() && !full.states.is_empty(),
                "{name}"
            );
            assert!(
                states.timeseries.is_empty() && states.events.is_empty(),
                "{name}"
            );
            assert_eq!(states.summaries, full.summaries, "{name}");
            assert_eq!(states.states, full.states, "{name}");
            assert_eq!(states.strategies, full.strategies, "{name}");
            let worlds = [&states.final_world, &full.final_world].map(|w| format!("{w:?}"));
            assert_eq!(worlds[0], worlds[1], "{name}");
        }
    }

    /// The transition tables are a cache: every shipped scenario under both rule sets, with
    /// noise as shipped and with much more of it, gives exactly the run of playing every edge
    /// in full (same moves, same random numbers, same sums to the last bit).
    #[test]
    fn transition_tables_equal_full_play() {
        let noisier = ["noise.implementation=0.2", "noise.misperception=0.3"];
        for name in ["teaching", "hegemon", "civil-society", "spatial", "world"] {
            let path = format!("scenarios/{name}.toml");
            for sets in [&[][..], &noisier[..]] {
                let sets: Vec<String> = sets.iter().map(|x| x.to_string()).collect();
                let s = scenario::load(std::path::Path::new(&path), &sets)
                    .unwrap_or_else(|e| panic!("{path}: {e}"));
                for (set, rules) in &s.rule_sets {
                    let fast = record(&s, rules, false);
                    let full = record(&s, rules, true);
                    assert!(
                        fast == full,
                        "{name} {set} {sets:?}: table play differs from full play"
                    );
                    assert!(fast.len() > 1000, "{name}: the run recorded nothing");
                }
            }
        }
    }

    /// Every negotiation's decisions and terms and the full record of one run of `s`, with
    /// the fast paths of the outside option and of pass 2 switched off if `plain`.
    fn record_with_negotiations(s: &Scenario, rules: &Rules, plain: bool) -> String {
        outside::PLAIN_OUTSIDE_OPTION.with(|c| c.set(plain));
        tally::PLAIN_SUMS.with(|c| c.set(plain));
        let w = crate::engine::world::generate(s, s.seed);
        let id = test_id(s.seed);
        let out = run(s, &w, rules, id, Record::FullWithNegotiations);
        outside::PLAIN_OUTSIDE_OPTION.with(|c| c.set(false));
        tally::PLAIN_SUMS.with(|c| c.set(false));
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            out.summaries, out.timeseries, out.events, out.states, out.negotiations
        )
    }

    /// The fast paths of the outside option (complete-graph groups, cached discount weights)
    /// and of pass 2 (packed counts) are exact: the world scenarios (complete graphs, a few
    /// discount factors), a regional world and worlds with a discount factor per state give
    /// the same record, every negotiation's terms included, with and without them.
    #[test]
    fn the_outside_option_and_packed_sums_change_nothing() {
        let cases: [(&str, &[&str]); 5] = [
            ("scenarios/world.toml", &[]),
            ("scenarios/world-data.toml", &[]),
            ("scenarios/world.toml", &["topology.kind=\"regional\""]),
            ("tests/data/golden.toml", &[]),
            ("tests/data/golden.toml", &["topology.kind=\"complete\""]),
        ];
        for (path, sets) in cases {
            let sets: Vec<String> = sets.iter().map(|x| x.to_string()).collect();
            let s = scenario::load(std::path::Path::new(path), &sets)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            for (set, rules) in &s.rule_sets {
                let fast = record_with_negotiations(&s, rules, false);
                let plain = record_with_negotiations(&s, rules, true);
                assert!(fast.len() > 10_000, "{path}: the run recorded nothing");
                assert!(fast == plain, "{path} {set} {sets:?}: fast paths differ");
            }
        }
    }

    /// A full record of `path` with `sets`, run on a rayon pool of `threads` threads (by the
    /// serial engine if `serial`, whatever the world's size).
    fn record_with_threads(path: &str, sets: &[&str], threads: usize, serial: bool) -> String {
        let sets: Vec<String> = sets.iter().map(|x| x.to_string()).collect();
        let s = scenario::load(std::path::Path::new(path), &sets)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        let (_, rules) = &s.rule_sets[0];
        pool.install(|| {
            // The run is set up on the pool's thread: the switch must be set there.
            blocks::FORCE_SERIAL.with(|c| c.set(serial));
            let text = record(&s, rules, false);
            blocks::FORCE_SERIAL.with(|c| c.set(false));
            text
        })
    }

    /// A 300 x 300 lattice (540,000 states plus edges: played in blocks), with implementation
    /// noise, misperception and mutation so that every per-block stream is drawn from.
    const NOISY_LATTICE: [&str; 10] = [
        "blocs[0].count=90000",
        "topology.width=300",
        "topology.height=300",
        "rounds=12",
        "issues[0].transaction_cost=0",
        "noise.implementation=0.02",
        "noise.misperception=0.02",
        "learning.mutation=0.01",
        "learning.strategies=[\"cooperator\", \"defector\", \"tit_for_tat\", \"gtft\"]",
        "blocs[0].strategy={ cooperator = 0.4, defector = 0.1, tit_for_tat = 0.3, gtft = 0.2 }",
    ];

    /// The golden fixture (every stream in use: noise, gtft, Fermi learning with mutation,
    /// negotiation, shocks) on a scale-free random graph of 50,002 states with 5 links each
    /// (about 300,000 states plus edges: played in blocks).
    const BIG_RANDOM_GRAPH: [&str; 5] = [
        "blocs[0].count=50000",
        "topology.kind=\"scale_free\"",
        "topology.links_per_node=5",
        "topology.cross_region_probability=0.0",
        "rounds=7",
    ];

    /// Within-run parallel play (issue 16): a large world gives the same record, to the last
    /// bit, on 1, 2 and 3 threads (fixed blocks with their own streams, sums in a fixed order).
    #[test]
    fn large_worlds_give_the_same_record_at_any_thread_count() {
        let big = [
            ("scenarios/spatial.toml", &NOISY_LATTICE[..]),
            ("tests/data/golden.toml", &BIG_RANDOM_GRAPH[..]),
        ];
        for (path, sets) in big {
            let one = record_with_threads(path, sets, 1, false);
            assert!(one.len() > 10_000, "{path}: the run recorded nothing");
            for threads in [2, 3] {
                let many = record_with_threads(path, sets, threads, false);
                assert!(one == many, "{path}: {threads} threads differ from 1");
            }
        }
    }

    /// The large worlds above are played in blocks, and blocks change the random draws: the
    /// serial engine gives another record from the same seed (so the test above compares the
    /// block engine, not the serial one).
    #[test]
    fn large_worlds_are_played_in_blocks() {
        for (path, sets) in [
            ("scenarios/spatial.toml", &NOISY_LATTICE[..]),
            ("tests/data/golden.toml", &BIG_RANDOM_GRAPH[..]),
        ] {
            let blocks = record_with_threads(path, sets, 2, false);
            let serial = record_with_threads(path, sets, 2, true);
            assert!(blocks != serial, "{path}: not played in blocks");
        }
    }

    /// Without random draws in play and learning (Nowak and May's lattice), the block engine
    /// makes exactly the serial engine's moves and sums: per-block transition tables, the
    /// payoff sums gathered per state, revision and machine resets in blocks change nothing.
    #[test]
    fn blocks_equal_the_serial_engine_without_random_draws() {
        let sets = [
            "blocs[0].count=90000",
            "topology.width=300",
            "topology.height=300",
            "rounds=15",
            "issues[0].transaction_cost=0",
        ];
        let blocks = record_with_threads("scenarios/spatial.toml", &sets, 3, false);
        let serial = record_with_threads("scenarios/spatial.toml", &sets, 1, true);
        assert!(
            blocks == serial,
            "the block engine differs from the serial one"
        );
    }

    /// `scenarios/spatial.toml` with `extra` TOML appended and `sets` applied, seed `seed`.
    fn spatial(sets: &[&str], extra: &str, seed: u64) -> Scenario {
        let text = std::fs::read_to_string("scenarios/spatial.toml").expect("spatial.toml") + extra;
        let sets: Vec<String> = sets.iter().map(|x| x.to_string()).collect();
        let mut s = scenario::parse(
            &text,
            "spatial.toml",
            std::path::Path::new("scenarios"),
            &sets,
        )
        .unwrap_or_else(|e| panic!("{sets:?}: {e}"));
        s.seed = seed;
        s
    }

    /// `f` on a rayon pool of `threads` threads.
    fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        pool.install(f)
    }

    /// A second bloc of 250 cells in a group of its own (blocs[0] must then hold the rest).
    const SECOND_GROUP: &str = "\n[[blocs]]\ngroup = \"rim\"\nregion = \"lattice\"\ncount = 250\n\
        power = 2.0\nposition = 0.0\nsecurity = 0.0\neconomy = 0.0\nrights = 0.0\n\
        sovereignty_cost = 0.0\ndiscount = 0.5\nstrategy = { cooperator = 0.5, defector = 0.5 }\n";

    /// Nowak–May lattices that the fast path runs: square, non-square and the smallest,
    /// with and without self-interaction, other payoffs with relative gains, revision every
    /// third round, no learning, two groups, and a 300 x 300 lattice (played in blocks by the
    /// general engine).
    fn lattice_cases() -> Vec<(Vec<&'static str>, &'static str)> {
        let size = |w: &'static str, h: &'static str, n: &'static str| {
            vec![
                w,
                h,
                n,
                "rounds=40",
                "regime.negotiation_interval=40",
                "regime.sustain_rounds=40",
            ]
        };
        let mut cases = vec![
            (vec!["rounds=60"], ""),
            (
                size("topology.width=3", "topology.height=3", "blocs[0].count=9"),
                "",
            ),
            (
                size("topology.width=7", "topology.height=4", "blocs[0].count=28"),
                "",
            ),
            (
                size("topology.width=3", "topology.height=5", "blocs[0].count=15"),
                "",
            ),
            (
                size(
                    "topology.width=41",
                    "topology.height=23",
                    "blocs[0].count=943",
                ),
                "",
            ),
        ];
        let mut no_self = size(
            "topology.width=23",
            "topology.height=31",
            "blocs[0].count=713",
        );
        no_self.push("topology.self_interaction=false");
        cases.push((no_self, ""));
        let mut other_game = size(
            "topology.width=30",
            "topology.height=20",
            "blocs[0].count=600",
        );
        other_game.extend([
            "issues[0].payoffs={ t = 5.0, r = 3.0, p = 1.0, s = 0.0 }",
            "issues[0].security_stakes=0.7",
            "rules.plain.relative_gains=0.4",
            "learning.interval=3",
            "blocs[0].strategy={ cooperator = 0.5, defector = 0.5 }",
        ]);
        cases.push((other_game, ""));
        let mut frozen = size(
            "topology.width=9",
            "topology.height=11",
            "blocs[0].count=99",
        );
        frozen.push("learning.rule=\"none\"");
        cases.push((frozen, ""));
        let groups = size(
            "topology.width=30",
            "topology.height=25",
            "blocs[0].count=500",
        );
        cases.push((groups, SECOND_GROUP));
        let big = vec![
            "blocs[0].count=90000",
            "topology.width=300",
            "topology.height=300",
            "rounds=6",
            "regime.negotiation_interval=6",
        ];
        cases.push((big, ""));
        cases
    }

    /// The Nowak–May fast path (issue 16) gives the general engine's full record to the last
    /// bit (summaries, time series, events, per-state rows, final world, pair-rounds), from
    /// several seeds, on 1, 2 and 3 threads; and it is taken for every case.
    #[test]
    fn lattice_path_equals_the_general_engine() {
        for (sets, extra) in lattice_cases() {
            for seed in [1, 7, 2026] {
                let s = spatial(&sets, extra, seed);
                let (_, rules) = &s.rule_sets[0];
                let w = crate::engine::world::generate(&s, s.seed);
                assert!(uses_lattice_path(&s, &w, rules), "{sets:?}: not eligible");
                let general = on_threads(1, || record(&s, rules, false));
                assert!(general.len() > 1000, "{sets:?}: the run recorded nothing");
                for threads in [1, 2, 3] {
                    let (fast, taken) = on_threads(threads, || {
                        let before = lattice::RUNS_TAKEN.with(|c| c.get());
                        let text = record_on(&s, rules, false);
                        (text, lattice::RUNS_TAKEN.with(|c| c.get()) - before)
                    });
                    assert_eq!(taken, 1, "{sets:?}: the fast path was not taken");
                    assert!(
                        fast == general,
                        "{sets:?} seed {seed}, {threads} threads: the fast path differs"
                    );
                }
            }
        }
    }

    /// The fast path is chosen exactly when nothing it leaves out can happen: the shipped
    /// spatial scenario takes it; noise, a strategy with memory, Fermi imitation, mutation,
    /// a negotiation before the last round or a shock do not. (A lattice narrower than 3 cells,
    /// whose neighbours would coincide, is rejected when the scenario is read.)
    #[test]
    fn lattice_path_is_chosen_when_it_applies() {
        let chosen = |sets: &[&str], extra: &str| {
            let s = spatial(sets, extra, 1992);
            let w = crate::engine::world::generate(&s, s.seed);
            uses_lattice_path(&s, &w, &s.rule_sets[0].1)
        };
        assert!(chosen(&[], ""));
        assert!(chosen(
            &["rounds=100", "regime.negotiation_interval=100"],
            ""
        ));
        let not = [
            "noise.implementation=0.01",
            "noise.misperception=0.01",
            "learning.mutation=0.01",
            "learning.rule=\"fermi\"",
            "learning.strategies=[\"cooperator\", \"defector\", \"tit_for_tat\"]",
            "blocs[0].strategy={ cooperator = 0.9, tit_for_tat = 0.1 }",
            "regime.negotiation_interval=50",
        ];
        for set in not {
            assert!(!chosen(&[set], ""), "{set}: chosen");
        }
        let shock = "\n[[shocks]]\nyear = 5\nkind = \"security\"\ngroup = \"cell\"\nchange = 0.1\n";
        assert!(!chosen(&[], shock), "a shock: chosen");
    }
}
