//! The engine of one run ([`Run`]): set-up, one named step per phase of a round in the order of
//! ODD 3 (shocks; then per issue compliance, play, regime assessment, recording and tallies,
//! learning, negotiation) and a finish step (summaries).
//!
//! Per-state work is written over ranges of states where that is natural, so that it could
//! later be split into blocks. May import [`crate::model`], [`crate::engine::rng`],
//! [`crate::engine::world`] and the sibling modules of [`super`].

use std::ops::Range;

use super::blocks::{parallel_within_run, Blocks};
use super::learn::{learn, learns};
use super::negotiate::{found, negotiate, Recording};
use super::play::{play_issue, Lane, PlayConditions, PlayScratch, Transitions};
use super::probe::{self, Probe, Probes};
use super::record;
use super::shocks::{apply_shock, shock_fires};
use super::state::{Catalogue, Graph, IssueState};
use super::{Record, RunId, RunOutput, LEARN_STREAM, PLAY_STREAM, SHOCK_STREAM};
use crate::engine::rng::{derive_seed, stream, threshold, Stream};
use crate::engine::world::World;
use crate::model;
use crate::model::{Rules, Scenario};
use rayon::prelude::*;

/// One run in progress: the world, the per-issue state, the reusable buffers of play and the
/// output gathered so far.
pub(super) struct Run<'a> {
    scenario: &'a Scenario,
    rules: &'a Rules,
    /// What the run records.
    record: Record,
    /// The states (attributes change through shocks).
    world: World,
    graph: Graph,
    catalogue: Catalogue,
    issues: Vec<IssueState>,
    shock_rng: Stream,
    /// Each issue's veto players (ODD 7.7).
    veto: Vec<Vec<usize>>,
    scratch: PlayScratch,
    /// The probes of `regime hypotheses` (none in an ordinary run).
    probes: Probes,
    /// The next strategies of a revision (reused).
    next: Vec<u8>,
    /// A large world's fixed blocks and each issue's per-block lanes of play and learning
    /// streams; `None` for a small world, played on one thread ([`super::blocks`]).
    parallel: Option<Parallel>,
    /// The attributes the round reads of every state, compact (refreshed after shocks).
    compact: Compact,
    /// Per issue, the enforcement under which every state's compliance disposition was last
    /// decided; `None` after a shock to attributes (the dispositions must be decided anew).
    decided_under: Vec<Option<model::Enforcement>>,
    out: RunOutput,
}

/// What a world played in blocks keeps: the blocks, and per issue one play lane and one
/// learning stream per block.
struct Parallel {
    blocks: Blocks,
    lanes: Vec<Vec<Lane>>,
    learn_streams: Vec<Vec<Stream>>,
}

impl Parallel {
    /// The blocks of `graph` and the streams of `issues` issues, if the world is large enough
    /// to be played in blocks.
    fn new(graph: &Graph, issues: usize, machines: usize, seed: u64) -> Option<Self> {
        let n = graph.degree.len();
        if !parallel_within_run(n, graph.edges.len()) {
            return None;
        }
        let blocks = Blocks::new(n, &graph.edges);
        let lanes = (0..issues)
            .map(|ii| {
                let streams = blocks.streams(seed, PLAY_STREAM, ii);
                streams
                    .into_iter()
                    .map(|rng| Lane {
                        rng,
                        transitions: Transitions::new(machines),
                    })
                    .collect()
            })
            .collect();
        let learn_streams = (0..issues)
            .map(|ii| blocks.streams(seed, LEARN_STREAM, ii))
            .collect();
        Some(Parallel {
            blocks,
            lanes,
            learn_streams,
        })
    }
}

/// The attributes every round reads of every state, in arrays of their own: a state of the
/// world is a large record (names, region, all attributes), so reading one field of each per
/// round would fetch a cache line per state.
struct Compact {
    /// Each state's group.
    group: Vec<u32>,
    /// Each state's power share.
    power: Vec<f64>,
    /// Each state's discount factor.
    discount: Vec<f64>,
}

impl Compact {
    fn new(world: &World) -> Self {
        let states = &world.states;
        Compact {
            group: states.iter().map(|s| s.group as u32).collect(),
            power: states.iter().map(|s| s.power).collect(),
            discount: states.iter().map(|s| s.discount).collect(),
        }
    }
}

impl<'a> Run<'a> {
    /// Everything at the start of the run (ODD 5), in `world` (the run's own copy: shocks
    /// change it, and a full record returns it as the final world).
    pub fn set_up(
        scenario: &'a Scenario,
        world: World,
        rules: &'a Rules,
        id: RunId,
        record: Record,
    ) -> Self {
        let graph = Graph::new(&world);
        let catalogue = Catalogue::new(scenario, &world);
        let issues: Vec<IssueState> = scenario
            .issues
            .iter()
            .enumerate()
            .map(|(ii, is)| {
                let context = (scenario, rules, &world);
                IssueState::new(ii, is, context, &catalogue, &graph, id.seed)
            })
            .collect();
        let shock_rng = stream(derive_seed(id.seed, &[SHOCK_STREAM]));
        let veto = veto_players_by_issue(scenario, &world);
        let scratch = PlayScratch::new(graph.edges.len());
        let parallel = Parallel::new(&graph, issues.len(), catalogue.strategies.len(), id.seed);
        let mut issues = issues;
        found_regimes_in_place(&mut issues, &graph, (scenario, rules, &world), &veto);
        let compact = Compact::new(&world);
        Run {
            scenario,
            rules,
            record,
            world,
            graph,
            catalogue,
            issues,
            shock_rng,
            veto,
            scratch,
            probes: Probes::default(),
            next: Vec::new(),
            parallel,
            compact,
            decided_under: vec![None; scenario.issues.len()],
            out: RunOutput::empty(id),
        }
    }

    /// One round: shocks, then every issue in file order (ODD 3).
    pub fn play_round(&mut self, round: u64) {
        if self.apply_shocks(round) {
            self.refresh_after_shock();
        }
        // Nothing is revised after the last round: its outcome is the run's final state.
        let last = round + 1 == self.scenario.rounds;
        let states = 0..self.world.states.len();
        for ii in 0..self.issues.len() {
            if self.probes.exit_due(round) {
                self.force_exit(ii, round);
            }
            let monitoring = self.issues[ii].institutions.monitoring(self.rules);
            self.decide_compliance(ii, monitoring, states.clone());
            self.play(ii, round, monitoring);
            self.assess_regime(ii, round);
            self.record_round(ii, round, states.clone());
            if !last
                && (round + 1).is_multiple_of(self.scenario.learning.interval)
                && learns(self.scenario)
            {
                self.learn(ii);
            }
            if !last && (round + 1).is_multiple_of(self.scenario.regime.negotiation_interval) {
                self.negotiate(ii, round, monitoring);
            }
            self.issues[ii].round.clear(states.clone());
        }
    }

    /// Sets the probes of the run (`sim::run_probed`).
    pub fn probe(&mut self, spec: Probe) {
        self.probes = Probes {
            spec,
            barred: vec![Vec::new(); self.issues.len()],
        };
    }

    /// The forced exit of a probe (`probe::ForcedExit`), before the issue's round begins.
    fn force_exit(&mut self, ii: usize, round: u64) {
        let count = self.probes.spec.forced_exit.map_or(0, |f| f.count);
        let barred = &mut self.probes.barred[ii];
        let exit = probe::force_exit(
            &mut self.issues[ii],
            &self.world,
            (ii, round, count),
            barred,
        );
        self.out.probe.exits.push(exit);
    }

    /// Step 1: the shocks of the round, in file order (ODD 7.10); whether attributes changed.
    fn apply_shocks(&mut self, round: u64) -> bool {
        let year = self.scenario.year(round);
        let mut changed = false;
        for shock in &self.scenario.shocks {
            if shock_fires(shock, year, round, &mut self.shock_rng) {
                changed |= apply_shock(
                    shock,
                    self.scenario,
                    &mut self.world,
                    &mut self.issues,
                    round,
                    self.record.is_full().then_some(&mut self.out.events),
                );
            }
        }
        changed
    }

    /// After a shock to attributes: every stage game, partners' mean table and the veto
    /// players anew.
    fn refresh_after_shock(&mut self) {
        for (rt, is) in self.issues.iter_mut().zip(&self.scenario.issues) {
            rt.refresh_games(is, &self.world, self.rules, &self.graph);
        }
        self.veto = veto_players_by_issue(self.scenario, &self.world);
        self.compact = Compact::new(&self.world);
        self.decided_under.fill(None);
    }

    /// Step 2: every state's compliance disposition (ODD 7.5); in blocks of states on rayon's
    /// pool for a large world (each state's disposition is its own, so any split gives the same).
    ///
    /// A disposition depends on the state's stage game, its partners' mean game, its
    /// relative-gains weight and discount factor, and the issue's enforcement. The first four
    /// change only through shocks to attributes ([`Run::refresh_after_shock`] forgets the
    /// dispositions then), so when the enforcement is the one they were decided under they are
    /// still exact and are not decided again.
    fn decide_compliance(&mut self, ii: usize, monitoring: f64, states: Range<usize>) {
        let rt = &mut self.issues[ii];
        let enforcement = rt.enforcement(self.rules, monitoring);
        if self.decided_under[ii] == Some(enforcement) {
            return;
        }
        self.decided_under[ii] = Some(enforcement);
        let (game, partner, k) = (&rt.game[..], &rt.partner[..], &rt.k[..]);
        let discount = &self.compact.discount[..];
        let start = states.start;
        let decide = |(i, c): (usize, &mut bool)| {
            let i = start + i;
            *c = model::complies(&game[i], &partner[i], k[i], discount[i], &enforcement);
        };
        let comply = &mut rt.comply[states.clone()];
        match self.parallel {
            None => comply.iter_mut().enumerate().for_each(decide),
            Some(_) => comply
                .par_iter_mut()
                .enumerate()
                .with_min_len(4096)
                .for_each(decide),
        }
    }

    /// Step 3: every edge plays the stage game once (ODD 7.6); then the systematic cheaters are
    /// flagged for the next round.
    fn play(&mut self, ii: usize, round: u64, monitoring: f64) {
        let rt = &mut self.issues[ii];
        let mis = rt
            .institutions
            .misperception(self.scenario.noise.misperception, round);
        let conditions = PlayConditions {
            implementation: self.scenario.noise.implementation,
            misperception: [mis, mis * (1.0 - monitoring)],
            detect_t: threshold(monitoring),
            see_t: threshold(rt.detection),
            saving: rt.enforcement(self.rules, monitoring).saving,
        };
        let lanes = self
            .parallel
            .as_mut()
            .map(|p| (&p.blocks, &mut p.lanes[ii][..]));
        play_issue(
            rt,
            &mut self.scratch,
            &self.graph,
            self.rules,
            conditions,
            lanes,
        );
        self.out.pair_rounds += self.graph.edges.len() as u64;
        flag_systematic_cheaters(rt, 0..self.world.states.len());
    }

    /// Step 4: the regime assessment (ODD 7.7) and its events.
    fn assess_regime(&mut self, ii: usize, round: u64) {
        let (scenario, rules) = (self.scenario, self.rules);
        let rt = &mut self.issues[ii];
        let members = rt.members();
        let (share, power, veto_ok) = membership_facts(rt, rules, &self.world, &self.veto[ii]);
        let m2m: u64 = rt.round.treaty_moves.iter().map(|&x| x as u64).sum();
        let m2m_coop: u64 = rt.round.treaty_conforming.iter().map(|&x| x as u64).sum();
        let compliance = (m2m > 0).then(|| m2m_coop as f64 / m2m as f64);
        let holds = model::criterion_holds(&scenario.regime, share, power, veto_ok, compliance);
        let transition =
            rt.regime
                .update(round, holds, members, compliance, &scenario.regime, rules);
        if self.record.is_full() {
            let events = &mut self.out.events;
            record::regime_event(events, transition, scenario, round, ii);
            record::detection_events(events, rt, rules, round, ii);
        }
    }

    /// Step 5: the round's time series (before learning and negotiation change who is who),
    /// then the round's counts added to the learning, negotiation and run tallies.
    fn record_round(&mut self, ii: usize, round: u64, states: Range<usize>) {
        let rt = &mut self.issues[ii];
        let degree = &self.graph.degree;
        rt.total.add_cooperation_share(&rt.round, degree);
        if self.record.is_full() {
            let rows = &mut self.out.timeseries;
            let (groups, power) = (&self.compact.group, &self.compact.power);
            let group_count = self.world.groups.len();
            record::timeseries_rows(rows, rt, (groups, power, group_count), degree, round, ii);
        }
        rt.total.add_round(&rt.round, degree, states.clone());
        rt.learning.add_round(&rt.round, states);
    }

    /// Step 6: strategy revision (ODD 7.8).
    fn learn(&mut self, ii: usize) {
        let blocks = self
            .parallel
            .as_mut()
            .map(|p| (&p.blocks, &mut p.learn_streams[ii][..]));
        learn(
            &mut self.issues[ii],
            (self.scenario, &self.catalogue, &self.graph),
            &mut self.next,
            blocks,
        );
    }

    /// Step 7: negotiation (ODD 7.9) and its events.
    fn negotiate(&mut self, ii: usize, round: u64, monitoring: f64) {
        let context = (self.scenario, self.rules, &self.world);
        let recording = match self.record {
            Record::Summary => Recording::Nothing,
            Record::States | Record::Full => Recording::Values,
            Record::FullWithNegotiations => {
                Recording::Decisions(&mut self.out.negotiations, round, ii)
            }
        };
        if self.probes.spec.panel {
            probe::panel_rows(&mut self.out.probe.panel, &self.issues[ii], round, ii);
        }
        let changes = negotiate(
            &mut self.issues[ii],
            &self.graph,
            context,
            (monitoring, self.probes.barred(ii)),
            recording,
        );
        if self.record.is_full() {
            record::membership_events(&mut self.out.events, &changes, round, ii);
        }
    }

    /// The end of the run: per-issue summaries and, with a record that keeps states, per-state
    /// rows and the final world.
    pub fn finish(mut self) -> RunOutput {
        for (ii, rt) in self.issues.iter().enumerate() {
            let summary = record::issue_summary(rt, &self.world, self.scenario.rounds, ii);
            self.out.summaries.push(summary);
            if self.record.keeps_states() {
                let n = self.world.states.len();
                record::state_rows(&mut self.out.states, rt, n, ii);
            }
        }
        if self.record.keeps_states() {
            self.out.strategies = self.catalogue.strategies.clone();
            self.out.final_world = Some(self.world);
        }
        self.out
    }
}

/// A state is a known cheater when monitoring caught it cheating on at least a quarter of its
/// treaty partners this round: systematic, not accidental, non-compliance (ODD 7.6, D19).
fn flag_systematic_cheaters(rt: &mut IssueState, states: Range<usize>) {
    let r = &rt.round;
    for i in states {
        rt.flagged[i] = r.detected[i] > 0 && 4 * r.detected[i] >= r.treaty_moves[i];
    }
}

/// The founding negotiation of every regime in place at the start (ODD 5): its listed members
/// join if they value membership, and the regime starts binding only if they meet the
/// membership part of the criterion (member share, power share, veto).
fn found_regimes_in_place(
    issues: &mut [IssueState],
    graph: &Graph,
    (scenario, rules, world): (&Scenario, &Rules, &World),
    veto: &[Vec<usize>],
) {
    for ((rt, is), veto) in issues.iter_mut().zip(&scenario.issues).zip(veto) {
        let founding = is.initial_regime.as_ref().map(|r| r.founding);
        if founding == Some(model::Founding::Negotiated) {
            let monitoring = rt.institutions.monitoring(rules);
            found(rt, graph, (scenario, rules, world), monitoring);
            let (share, power, veto_ok) = membership_facts(rt, rules, world, veto);
            if !model::membership_criterion_holds(&scenario.regime, share, power, veto_ok) {
                rt.regime.founding_failed(rt.members() > 0);
            }
        }
    }
}

/// An issue's membership as the criterion reads it (ODD 7.7): the member share of states, the
/// member share of power (at most 1), and whether every veto player is in (always, without
/// the hegemonic veto).
fn membership_facts(
    rt: &IssueState,
    rules: &Rules,
    world: &World,
    veto: &[usize],
) -> (f64, f64, bool) {
    let n = world.states.len();
    let power: f64 = (0..n)
        .filter(|&i| rt.member[i])
        .map(|i| world.states[i].power)
        .sum::<f64>()
        .min(1.0);
    let veto_ok = !rules.hegemonic_veto || veto.iter().all(|&v| rt.member[v]);
    (rt.members() as f64 / n.max(1) as f64, power, veto_ok)
}

/// Each issue's veto players (ODD 7.7, D18): the most powerful receiving states on migration
/// issues, the most powerful states on the others.
fn veto_players_by_issue(scenario: &Scenario, world: &World) -> Vec<Vec<usize>> {
    let count = scenario.regime.veto_players as usize;
    scenario
        .issues
        .iter()
        .map(|is| model::veto_players(world, count, is.kind))
        .collect()
}
