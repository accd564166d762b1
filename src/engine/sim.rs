//! The engine: one run of a scenario under one rule set (DESIGN 2.1-2.9, 4, 5).
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
//! rather than answering it (contrite reciprocity, Sugden 1986), so that errors do not echo. Any other defection toward a member is cheating: detected with
//! probability `monitoring` and then sanctioned.
//!
//! Per-pair memory lives in flat arrays indexed by edge; strategies are finite-state machines
//! dispatched by table lookup; counters are kept running, never recomputed from histories.
//! Each purpose (play of an issue, shocks, learning, negotiation) has its own random stream
//! derived from the run seed, so rule sets of a replicate share their random numbers
//! (common random numbers) as far as their decisions allow.

use crate::engine::rng::{derive_seed, stream, threshold, BernoulliSkip, Stream};
use crate::engine::world::World;
use crate::model::game::{Action, Payoffs};
use crate::model::strategy::{expected_outcomes, Machine, Strategy, MAX_STATES};
use crate::model::{self, Status};
use crate::model::{CivilSocietyAccess, LearningRule, Rules, Scenario, Shock, ShockKind};
use rand::{Rng, RngCore};

const PLAY_STREAM: u64 = 2;
const SHOCK_STREAM: u64 = 3;
const LEARN_STREAM: u64 = 4;
const NEGOTIATE_STREAM: u64 = 5;

/// How much a run records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// Only the per-issue summary (sweeps).
    Summary,
    /// Time series, events and per-state results too.
    Full,
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

/// Event kinds (DESIGN 2.9).
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

/// Per state and issue results (a row of `states.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    /// State index.
    pub state: usize,
    /// Issue index.
    pub issue: usize,
    /// Attributes at the end (after shocks): power, position, security, economy, rights.
    pub attributes: [f64; 5],
    /// Initial strategy.
    pub initial_strategy: Strategy,
    /// Final strategy.
    pub final_strategy: Strategy,
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
    /// Per state and issue (Record::Full only).
    pub states: Vec<StateRow>,
    /// The world's states after shocks (Record::Full only).
    pub final_world: Option<World>,
    /// Stage games played (pair-rounds).
    pub pair_rounds: u64,
}

/// Runtime state of one issue.
struct IssueRt {
    base: Payoffs,
    access: CivilSocietyAccess,
    monitoring_extra: f64,
    forum_from: Option<u64>,
    forum_information: f64,
    sovereignty_weight: f64,
    machines: Vec<Machine>,
    /// Expected outcome counts over a learning interval, [candidate * n + partner].
    outcome_table: Vec<[f64; 4]>,
    strat: Vec<u8>,
    initial_strat: Vec<u8>,
    game: Vec<[f64; 4]>,
    /// Mean payoff table of each state's partners (cached; refreshed after shocks).
    partner: Vec<[f64; 4]>,
    /// Per edge: both machine states and both sides' treaty standing ([`PairState`]).
    /// Standing is as each side sees it (contrite reciprocity in the treaty): bit 0 own
    /// standing good, bit 1 partner's standing good.
    pair: Vec<PairState>,
    /// Each kind of pair's moves from each pair state, filled as needed.
    transitions: Transitions,
    /// Scratch: this round's move code of each edge (pass 1 of [`play_issue`] to pass 2).
    moves: Vec<u8>,
    /// Systematic cheating detected last round (known to all members this round).
    flagged: Vec<bool>,
    /// Rank of each catalogue strategy by name (order-free tie-breaking in imitation).
    name_rank: Vec<u16>,
    member: Vec<bool>,
    comply: Vec<bool>,
    regime: model::RegimeTracker,
    // per round
    r_payoff: Vec<f64>,
    r_util: Vec<f64>,
    r_coop: Vec<u32>,
    r_m2m: Vec<u32>,
    r_m2m_coop: Vec<u32>,
    r_detected: Vec<u32>,
    // since the last learning revision
    w_util: Vec<f64>,
    // since the last negotiation
    n_util_in: Vec<f64>,
    n_util: Vec<f64>,
    n_rounds: u64,
    n_m2m: u64,
    n_m2m_coop: u64,
    // whole run
    t_payoff: Vec<f64>,
    t_util: Vec<f64>,
    t_moves: Vec<u64>,
    t_coop: Vec<u64>,
    t_detected: Vec<u64>,
    coop_by_round_sum: f64,
    last_coop: f64,
    rng: Stream,
    learn_rng: Stream,
    negotiate_rng: Stream,
}

/// Runs one scenario replicate under one rule set.
pub fn run(
    scenario: &Scenario,
    world: &World,
    rules: &Rules,
    id: RunId,
    record: Record,
) -> RunOutput {
    let mut world = world.clone();
    let n = world.states.len();
    let edges = world.edges.clone();
    let neighbours = world.neighbours();
    // Incident edges per state: (edge, is side a).
    let mut incident: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n];
    for (e, &(a, b)) in edges.iter().enumerate() {
        incident[a as usize].push((e as u32, true));
        if a != b {
            incident[b as usize].push((e as u32, false));
        }
    }
    // Stage games each state plays per round and issue (self-interaction counts once).
    let degree: Vec<u32> = incident.iter().map(|v| v.len() as u32).collect();
    // Strategy catalogue: initial strategies and the learning set.
    let mut catalog: Vec<Strategy> = scenario.learning_strategies.clone();
    for s in &world.states {
        for st in &s.strategies {
            if !catalog.contains(st) {
                catalog.push(*st);
            }
        }
    }
    let name_rank: Vec<u16> = {
        let mut order: Vec<usize> = (0..catalog.len()).collect();
        order.sort_by_key(|&c| catalog[c].name());
        let mut rank = vec![0u16; catalog.len()];
        for (r, &c) in order.iter().enumerate() {
            rank[c] = r as u16;
        }
        rank
    };
    let learn_set: Vec<u8> = scenario
        .learning_strategies
        .iter()
        .map(|s| catalog.iter().position(|c| c == s).unwrap_or(0) as u8)
        .collect();
    let k_eff: Vec<f64> = neighbours
        .iter()
        .map(|nb| model::relative_gains_weight(rules, nb.len()))
        .collect();

    let interval = scenario.learning.interval as usize;
    let mut issues: Vec<IssueRt> = scenario
        .issues
        .iter()
        .enumerate()
        .map(|(ii, is)| {
            let machines: Vec<Machine> = catalog.iter().map(|s| s.machine(&is.payoffs)).collect();
            let nc = machines.len();
            let mut outcome_table = vec![[0.0; 4]; nc * nc];
            for a in 0..nc {
                for b in 0..nc {
                    outcome_table[a * nc + b] =
                        expected_outcomes(&machines[a], &machines[b], interval);
                }
            }
            let strat: Vec<u8> = world
                .states
                .iter()
                .map(|s| {
                    catalog
                        .iter()
                        .position(|c| *c == s.strategies[ii])
                        .unwrap_or(0) as u8
                })
                .collect();
            let member = model::initial_members(is, &world);
            let regime =
                model::RegimeTracker::new(is, scenario.start_year, member.iter().any(|&m| m));
            IssueRt {
                base: is.payoffs,
                access: is.civil_society_access,
                monitoring_extra: 0.0,
                forum_from: is.forum.map(|f| {
                    f.from_year
                        .map_or(0, |y| (y - scenario.start_year).max(0) as u64)
                }),
                forum_information: is.forum.map_or(0.0, |f| f.information),
                sovereignty_weight: is.sovereignty_weight,
                machines,
                outcome_table,
                initial_strat: strat.clone(),
                strat,
                game: world
                    .states
                    .iter()
                    .map(|s| model::stage_game(is, s, rules))
                    .collect(),
                partner: Vec::new(),
                pair: vec![PAIR_START; edges.len()],
                transitions: Transitions::new(catalog.len()),
                moves: vec![0; edges.len()],
                flagged: vec![false; n],
                name_rank: name_rank.clone(),
                member,
                comply: vec![true; n],
                regime,
                r_payoff: vec![0.0; n],
                r_util: vec![0.0; n],
                r_coop: vec![0; n],
                r_m2m: vec![0; n],
                r_m2m_coop: vec![0; n],
                r_detected: vec![0; n],
                w_util: vec![0.0; n],
                n_util_in: vec![0.0; n],
                n_util: vec![0.0; n],
                n_rounds: 0,
                n_m2m: 0,
                n_m2m_coop: 0,
                t_payoff: vec![0.0; n],
                t_util: vec![0.0; n],
                t_moves: vec![0; n],
                t_coop: vec![0; n],
                t_detected: vec![0; n],
                coop_by_round_sum: 0.0,
                last_coop: 0.0,
                rng: stream(derive_seed(id.seed, &[PLAY_STREAM, ii as u64])),
                learn_rng: stream(derive_seed(id.seed, &[LEARN_STREAM, ii as u64])),
                negotiate_rng: stream(derive_seed(id.seed, &[NEGOTIATE_STREAM, ii as u64])),
            }
        })
        .collect();
    for rt in issues.iter_mut() {
        rt.partner = neighbours
            .iter()
            .map(|nb| model::mean_partner_game(&rt.game, nb))
            .collect();
    }
    let mut shock_rng = stream(derive_seed(id.seed, &[SHOCK_STREAM]));
    let veto_for = |world: &World| -> Vec<Vec<usize>> {
        scenario
            .issues
            .iter()
            .map(|is| model::veto_players(world, scenario.regime.veto_players as usize, is.kind))
            .collect()
    };
    let mut veto = veto_for(&world);

    let mut out = RunOutput {
        id,
        summaries: Vec::new(),
        timeseries: Vec::new(),
        events: Vec::new(),
        states: Vec::new(),
        final_world: None,
        pair_rounds: 0,
    };
    let full = record == Record::Full;

    for round in 0..scenario.rounds {
        let year = scenario.year(round);
        // 1. Shocks.
        let mut changed = false;
        for shock in &scenario.shocks {
            let fires = match shock.probability {
                Some(p) => {
                    let in_window = shock.from_year.is_none_or(|y| year >= y)
                        && shock.to_year.is_none_or(|y| year <= y)
                        && shock.year.is_none_or(|y| y == year)
                        && shock.round.is_none_or(|r| r == round);
                    // Always draw, so the stream does not depend on the window.
                    let u: f64 = shock_rng.random();
                    in_window && u < p
                }
                None => shock.year == Some(year) || shock.round == Some(round),
            };
            if fires {
                changed |= apply_shock(
                    shock,
                    scenario,
                    &mut world,
                    &mut issues,
                    round,
                    full.then_some(&mut out.events),
                );
            }
        }
        if changed {
            for (ii, is) in scenario.issues.iter().enumerate() {
                for (i, s) in world.states.iter().enumerate() {
                    issues[ii].game[i] = model::stage_game(is, s, rules);
                }
                let rt = &mut issues[ii];
                rt.partner = neighbours
                    .iter()
                    .map(|nb| model::mean_partner_game(&rt.game, nb))
                    .collect();
            }
            veto = veto_for(&world);
        }

        for (ii, rt) in issues.iter_mut().enumerate() {
            let monitoring = (rules.monitoring * rt.access.monitoring_factor()
                + rt.monitoring_extra)
                .clamp(0.0, 1.0);
            // 2. Compliance dispositions.
            for i in 0..n {
                rt.comply[i] = model::complies(
                    &rt.game[i],
                    &rt.partner[i],
                    k_eff[i],
                    world.states[i].discount,
                    rules,
                    monitoring,
                );
            }
            // 3. Play.
            let forum = rt.forum_from.is_some_and(|f| round >= f);
            let mis = scenario.noise.misperception
                * if forum {
                    1.0 - rt.forum_information
                } else {
                    1.0
                };
            let detect_t = threshold(monitoring);
            play_issue(
                rt,
                &edges,
                &k_eff,
                rules,
                scenario.noise.implementation,
                [mis, mis * (1.0 - monitoring)],
                detect_t,
            );
            out.pair_rounds += edges.len() as u64;
            // A state is a known cheater when monitoring caught it cheating on at least a quarter
            // of its treaty partners this round: systematic, not accidental, non-compliance.
            for i in 0..n {
                rt.flagged[i] = rt.r_detected[i] > 0 && 4 * rt.r_detected[i] >= rt.r_m2m[i];
            }

            // 4. Regime assessment.
            let members: u32 = rt.member.iter().filter(|&&m| m).count() as u32;
            let power: f64 = (0..n)
                .filter(|&i| rt.member[i])
                .map(|i| world.states[i].power)
                .sum::<f64>()
                .min(1.0);
            let m2m: u64 = rt.r_m2m.iter().map(|&x| x as u64).sum();
            let m2m_coop: u64 = rt.r_m2m_coop.iter().map(|&x| x as u64).sum();
            let compliance = (m2m > 0).then(|| m2m_coop as f64 / m2m as f64);
            let veto_ok = !rules.hegemonic_veto || veto[ii].iter().all(|&v| rt.member[v]);
            let holds = model::criterion_holds(
                &scenario.regime,
                members as f64 / n as f64,
                power,
                veto_ok,
                compliance,
            );
            let transition =
                rt.regime
                    .update(round, holds, members, compliance, &scenario.regime, rules);
            if full {
                match transition {
                    Some(model::Transition::Emerged(r0)) => out.events.push(Event {
                        round,
                        issue: Some(ii),
                        state: None,
                        kind: EventKind::RegimeEmerged,
                        value: r0 as f64,
                        detail: format!("criterion held since round {r0} ({})", scenario.year(r0)),
                    }),
                    Some(model::Transition::Collapsed(r0)) => out.events.push(Event {
                        round,
                        issue: Some(ii),
                        state: None,
                        kind: EventKind::RegimeCollapsed,
                        value: r0 as f64,
                        detail: format!(
                            "criterion failed since round {r0} ({})",
                            scenario.year(r0)
                        ),
                    }),
                    None => {}
                }
                let detected: u64 = rt.r_detected.iter().map(|&x| x as u64).sum();
                if detected > 0 {
                    let cheaters = rt.r_detected.iter().filter(|&&x| x > 0).count();
                    out.events.push(Event {
                        round,
                        issue: Some(ii),
                        state: None,
                        kind: EventKind::CheatingDetected,
                        value: detected as f64,
                        detail: format!("{cheaters} states"),
                    });
                    if rules.sanctions > 0.0 {
                        out.events.push(Event {
                            round,
                            issue: Some(ii),
                            state: None,
                            kind: EventKind::Sanctioned,
                            value: detected as f64 * rules.sanctions,
                            detail: format!("{cheaters} states"),
                        });
                    }
                }
            }
            let total_moves: u64 = degree.iter().map(|&x| x as u64).sum();
            let total_coop: u64 = rt.r_coop.iter().map(|&x| x as u64).sum();
            rt.last_coop = if total_moves > 0 {
                total_coop as f64 / total_moves as f64
            } else {
                0.0
            };
            rt.coop_by_round_sum += rt.last_coop;

            // 7 (recorded before learning and negotiation change who is who).
            if full {
                record_round(&mut out.timeseries, rt, &world, &degree, round, ii, n);
            }
            for i in 0..n {
                rt.t_payoff[i] += rt.r_payoff[i];
                rt.t_util[i] += rt.r_util[i];
                rt.t_moves[i] += degree[i] as u64;
                rt.n_util[i] += rt.r_util[i];
                rt.t_coop[i] += rt.r_coop[i] as u64;
                rt.t_detected[i] += rt.r_detected[i] as u64;
                rt.w_util[i] += rt.r_util[i];
            }

            rt.n_rounds += 1;
            // 5. Learning.
            // Nothing is revised after the last round: its outcome is the run's final state.
            let last = round + 1 == scenario.rounds;
            if !last
                && (round + 1) % scenario.learning.interval == 0
                && scenario.learning.rule != LearningRule::None
            {
                learn(rt, scenario, &learn_set, &neighbours, &incident, &k_eff);
            }
            // 6. Negotiation.
            if !last && (round + 1) % scenario.regime.negotiation_interval == 0 {
                let changes = negotiate(
                    rt,
                    &degree,
                    scenario,
                    &world,
                    &neighbours,
                    &k_eff,
                    rules,
                    monitoring,
                );
                if full {
                    for (i, joined) in changes {
                        out.events.push(Event {
                            round,
                            issue: Some(ii),
                            state: Some(i),
                            kind: if joined {
                                EventKind::Ratified
                            } else {
                                EventKind::Withdrew
                            },
                            value: 1.0,
                            detail: String::new(),
                        });
                    }
                }
            }
            for i in 0..n {
                rt.r_payoff[i] = 0.0;
                rt.r_util[i] = 0.0;
                rt.r_coop[i] = 0;
                rt.r_m2m[i] = 0;
                rt.r_m2m_coop[i] = 0;
                rt.r_detected[i] = 0;
            }
        }
    }

    // Summaries.
    for (ii, rt) in issues.iter().enumerate() {
        let members = rt.member.iter().filter(|&&m| m).count() as u32;
        let power: f64 = (0..n)
            .filter(|&i| rt.member[i])
            .map(|i| world.states[i].power)
            .sum();
        let moves: u64 = rt.t_moves.iter().sum();
        let pay: f64 = rt.t_payoff.iter().sum();
        let util: f64 = rt.t_util.iter().sum();
        out.summaries.push(IssueSummary {
            issue: ii,
            preexisting: rt.regime.preexisting,
            emergence_round: rt.regime.emergence_round,
            collapse_round: rt.regime.collapse_round,
            final_status: rt.regime.status,
            final_members: members,
            final_member_share: members as f64 / n as f64,
            final_power_share: power.min(1.0),
            mean_cooperation: rt.coop_by_round_sum / scenario.rounds as f64,
            final_cooperation: rt.last_coop,
            mean_payoff: if moves > 0 { pay / moves as f64 } else { 0.0 },
            mean_utility: if moves > 0 { util / moves as f64 } else { 0.0 },
        });
        if full {
            for i in 0..n {
                let s = &world.states[i];
                let mv = rt.t_moves[i].max(1) as f64;
                out.states.push(StateRow {
                    state: i,
                    issue: ii,
                    attributes: [s.power, s.position, s.security, s.economy, s.rights],
                    initial_strategy: catalog[rt.initial_strat[i] as usize],
                    final_strategy: catalog[rt.strat[i] as usize],
                    member: rt.member[i],
                    mean_payoff: rt.t_payoff[i] / mv,
                    mean_utility: rt.t_util[i] / mv,
                    cooperation: rt.t_coop[i] as f64 / mv,
                    times_detected: rt.t_detected[i],
                });
            }
        }
    }
    if full {
        out.final_world = Some(world);
    }
    out
}

/// Standing bit: own standing good.
const SELF_GOOD: u8 = 1;
/// Standing bit: partner's standing good.
const PARTNER_GOOD: u8 = 2;
const GOOD_BOTH: u8 = SELF_GOOD | PARTNER_GOOD;

/// Contrite tit-for-tat's standing (Sugden 1986): the partner falls into bad standing by
/// defecting while I am in good standing and regains it by cooperating; the same for me.
#[inline]
fn update_standing(standing: u8, own: Action, seen: Action) -> u8 {
    let self_good = standing & SELF_GOOD != 0;
    let partner_good = standing & PARTNER_GOOD != 0;
    let partner_next = seen == Action::C || !self_good;
    let self_next = own == Action::C || !partner_good;
    (self_next as u8) | ((partner_next as u8) << 1)
}

/// The move of machine `m` in `state` when it needs no random number: threshold 0 defects,
/// 2^32 cooperates; `None` when the state randomises.
#[inline]
fn certain_move(m: &Machine, state: u8) -> Option<Action> {
    match m.coop_threshold[state as usize] {
        0 => Some(Action::D),
        t if t >= 1 << 32 => Some(Action::C),
        _ => None,
    }
}

#[inline]
fn decide(m: &Machine, state: u8, rng: &mut Stream) -> Action {
    certain_move(m, state).unwrap_or_else(|| {
        if (rng.next_u32() as u64) < m.coop_threshold[state as usize] {
            Action::C
        } else {
            Action::D
        }
    })
}

/// Everything the loop reads about a state, in one cache line.
#[derive(Clone, Copy)]
struct Player {
    game: [f64; 4],
    k: f64,
    strat: u8,
    member: bool,
    complies: bool,
    flagged: bool,
}

/// The state of an edge between rounds, packed in 10 bits: a's and b's strategy-machine states
/// (3 bits each, [`MAX_STATES`] = 8) and each side's treaty standing (2 bits each).
type PairState = u16;

const _: () = assert!(MAX_STATES <= 8);

/// The pair state of a fresh edge: both machines in their first state, both in good standing.
const PAIR_START: PairState = pack(0, 0, GOOD_BOTH, GOOD_BOTH);

#[inline(always)]
const fn pack(sa: u8, sb: u8, st_a: u8, st_b: u8) -> PairState {
    sa as u16 | (sb as u16) << 3 | (st_a as u16) << 6 | (st_b as u16) << 8
}

#[inline(always)]
fn unpack(ps: PairState) -> (u8, u8, u8, u8) {
    (
        (ps & 7) as u8,
        (ps >> 3 & 7) as u8,
        (ps >> 6 & 3) as u8,
        (ps >> 8 & 3) as u8,
    )
}

/// A pair state with one side's machine reset to its first state (after a change of strategy).
fn reset_machine(ps: PairState, side_a: bool) -> PairState {
    if side_a {
        ps & !7
    } else {
        ps & !(7 << 3)
    }
}

/// Move code of an edge's round: bit 1 is a's move and bit 0 b's move (1 = D); the flags
/// follow. This one: a's (b's) move conforms to the treaty (cooperation or a lawful
/// punishment; always set outside a treaty).
const CONFORM_A: u8 = 1 << 2;
const CONFORM_B: u8 = 1 << 3;
/// Move-code bit: both are members (the edge is played under the treaty).
const BOTH: u8 = 1 << 4;
/// Move-code bits: a's (b's) cheating was detected this round.
const DETECTED_A: u8 = 1 << 5;
const DETECTED_B: u8 = 1 << 6;

#[inline(always)]
fn move_code(xa: Action, xb: Action, punish: (bool, bool), both: bool) -> u8 {
    let (da, db) = (xa == Action::D, xb == Action::D);
    (da as u8) << 1
        | db as u8
        | ((!both || !da || punish.0) as u8) << 2
        | ((!both || !db || punish.1) as u8) << 3
        | (both as u8) << 4
}

/// Treaty play (contrite reciprocity, Sugden 1986; Boyd 1989): a complier in good standing
/// punishes a partner in bad standing, or a partner known to cheat systematically; a state in
/// bad standing (it defected against a partner in good standing) accepts the punishment instead
/// of answering it, so that implementation errors do not echo. A non-complier cheats.
/// Returns the moves and whether each is a punishment.
#[inline(always)]
fn treaty_moves(pa: &Player, pb: &Player, st_a: u8, st_b: u8) -> (Action, Action, bool, bool) {
    let punish_a = pa.complies
        && !pa.flagged
        && st_a & SELF_GOOD != 0
        && (st_a & PARTNER_GOOD == 0 || pb.flagged);
    let punish_b = pb.complies
        && !pb.flagged
        && st_b & SELF_GOOD != 0
        && (st_b & PARTNER_GOOD == 0 || pa.flagged);
    let xa = if pa.complies && !punish_a {
        Action::C
    } else {
        Action::D
    };
    let xb = if pb.complies && !punish_b {
        Action::C
    } else {
        Action::D
    };
    (xa, xb, punish_a, punish_b)
}

/// The pair state after a round with moves `xa`, `xb` as made and as seen by the other side:
/// machines step on (own move, move seen); standings update (contrite reciprocity). A known
/// systematic cheater is in bad standing with every member: punishing it keeps the punisher's
/// own standing, and it accepts the punishment.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn advance(
    ma: &Machine,
    mb: &Machine,
    pa: &Player,
    pb: &Player,
    both: bool,
    ps: PairState,
    (xa, xb): (Action, Action),
    (seen_by_a, seen_by_b): (Action, Action),
) -> PairState {
    let (sa, sb, mut st_a, mut st_b) = unpack(ps);
    if both {
        if pb.flagged {
            st_a &= !PARTNER_GOOD;
            st_b &= !SELF_GOOD;
        }
        if pa.flagged {
            st_b &= !PARTNER_GOOD;
            st_a &= !SELF_GOOD;
        }
    }
    pack(
        ma.step(sa, xa, seen_by_a),
        mb.step(sb, xb, seen_by_b),
        update_standing(st_a, xa, seen_by_a),
        update_standing(st_b, xb, seen_by_b),
    )
}

#[cfg(test)]
thread_local! {
    /// Tests switch the transition tables off to compare with playing every edge in full.
    static FULL_PLAY_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether [`play_issue`] may use the transition tables (always, outside tests).
#[inline(always)]
fn tables_enabled() -> bool {
    #[cfg(test)]
    {
        !FULL_PLAY_ONLY.with(|c| c.get())
    }
    #[cfg(not(test))]
    {
        true
    }
}

/// A [`Transitions`] entry not yet worked out.
const UNKNOWN: u32 = 0;
/// A [`Transitions`] entry whose moves are random (a machine randomises in its state).
const RANDOM_MOVES: u32 = 1;
/// Flag of a [`Transitions`] entry with certain moves.
const CERTAIN: u32 = 1 << 31;
/// A [`Transitions`] entry holds the next pair state in its low bits and the move code above.
const PAIR_BITS: u32 = 10;
const PAIR_MASK: u32 = (1 << PAIR_BITS) - 1;

/// What each kind of pair does from each pair state when no noise event falls on it.
///
/// A state's kind is its strategy, membership, compliance and whether it is a known cheater
/// ([`Transitions::kind`]); these and the pair state decide the moves of a round completely,
/// unless a machine randomises or a noise or misperception trial succeeds. For each pair of
/// kinds a table over the 1,024 pair states holds the next pair state and the move code
/// ([`CERTAIN`] | code << [`PAIR_BITS`] | next), [`RANDOM_MOVES`], or [`UNKNOWN`] until
/// first needed.
/// The tables depend only on the strategy machines, so they are filled lazily and kept for
/// the whole run: after the first rounds, most edges are played by one lookup.
struct Transitions {
    /// Table index + 1 of each (kind a, kind b), 0 when none is allocated yet.
    index: Vec<u32>,
    kinds: usize,
    tables: Vec<Box<[u32; 1024]>>,
}

impl Transitions {
    fn new(machines: usize) -> Self {
        let kinds = machines * 8;
        Transitions {
            index: vec![0; kinds * kinds],
            kinds,
            tables: Vec::new(),
        }
    }

    #[inline(always)]
    fn kind(p: &Player) -> usize {
        p.strat as usize * 8
            + (p.member as usize) * 4
            + (p.complies as usize) * 2
            + p.flagged as usize
    }

    /// The table of a pair of kinds, allocated on first use.
    #[inline(always)]
    fn table(&mut self, ka: usize, kb: usize) -> usize {
        let slot = &mut self.index[ka * self.kinds + kb];
        if *slot == 0 {
            self.tables.push(Box::new([UNKNOWN; 1024]));
            *slot = self.tables.len() as u32;
        }
        *slot as usize - 1
    }

    /// Works out an entry: the round from pair state `ps` without noise events.
    #[cold]
    fn entry(ma: &Machine, mb: &Machine, pa: &Player, pb: &Player, ps: PairState) -> u32 {
        let both = pa.member && pb.member;
        let (sa, sb, st_a, st_b) = unpack(ps);
        let (xa, xb, punish) = if both {
            let (xa, xb, punish_a, punish_b) = treaty_moves(pa, pb, st_a, st_b);
            (xa, xb, (punish_a, punish_b))
        } else {
            match (certain_move(ma, sa), certain_move(mb, sb)) {
                (Some(xa), Some(xb)) => (xa, xb, (false, false)),
                _ => return RANDOM_MOVES,
            }
        };
        let next = advance(ma, mb, pa, pb, both, ps, (xa, xb), (xb, xa));
        CERTAIN | (move_code(xa, xb, punish, both) as u32) << PAIR_BITS | next as u32
    }
}

/// The hot loop: every edge plays the stage game once.
///
/// Random numbers per pair, in order: a's choice and b's choice (only when their machine
/// randomises in its state), then a's and b's implementation-noise trials and b's and a's
/// misperception trials (Bernoulli processes, see [`BernoulliSkip`]), then a detection draw for
/// each cheating member. Edges are sorted by their first state, so the first state's sums are
/// kept in registers and written once per run of edges.
///
/// Most edges, most rounds, are played by one table lookup ([`Transitions`]): when the pair's
/// moves are certain and no noise or misperception trial of the edge succeeds (the processes'
/// gaps are at least two), the tabulated moves and next pair state are exactly those of
/// playing the edge in full, and the random numbers consumed are the same.
///
/// Pass 1 works out every edge's moves (a move code per edge) and pass 2 adds up payoffs and
/// counts, so that neither loop juggles the other's variables.
#[allow(clippy::too_many_arguments)]
fn play_issue(
    rt: &mut IssueRt,
    edges: &[(u32, u32)],
    k_eff: &[f64],
    rules: &Rules,
    implementation: f64,
    misperception: [f64; 2],
    detect_t: u64,
) {
    /// Everything the loop adds up for a state.
    #[derive(Clone, Copy, Default)]
    /// Utilities are formed once per state at the end: the sum over partners of
    /// pi_i - k (pi_j - pi_i) is (1 + k) sum pi_i - k sum pi_j.
    struct Sums {
        payoff: f64,
        partner: f64,
        self_payoff: f64,
        payoff_in: f64,
        partner_in: f64,
        coop: u32,
        m2m: u32,
        m2m_coop: u32,
        detected: u32,
    }
    impl Sums {
        fn add(&mut self, o: &Sums) {
            self.payoff += o.payoff;
            self.partner += o.partner;
            self.self_payoff += o.self_payoff;
            self.payoff_in += o.payoff_in;
            self.partner_in += o.partner_in;
            self.coop += o.coop;
            self.m2m += o.m2m;
            self.m2m_coop += o.m2m_coop;
            self.detected += o.detected;
        }
    }
    let n = rt.strat.len();
    let players: Vec<Player> = (0..n)
        .map(|i| Player {
            game: rt.game[i],
            k: k_eff[i],
            strat: rt.strat[i],
            member: rt.member[i],
            complies: rt.comply[i],
            flagged: rt.flagged[i],
        })
        .collect();
    let moves = &mut rt.moves[..edges.len()];

    // Pass 1: the moves of every edge, as a move code plus detection bits.
    {
        let machines = &rt.machines[..];
        let rng = &mut rt.rng;
        let pair = &mut rt.pair[..edges.len()];
        let trans = &mut rt.transitions;
        let kind: Vec<usize> = players.iter().map(Transitions::kind).collect();
        // Noise trials are Bernoulli processes simulated by geometric skipping (exact in
        // distribution, far fewer random draws). Fresh processes each round: memorylessness
        // makes that exact too, and lets probabilities change between rounds.
        let mut noise = BernoulliSkip::new(implementation, rng);
        let mut misread = [
            BernoulliSkip::new(misperception[0], rng),
            BernoulliSkip::new(misperception[1], rng),
        ];
        let tables = tables_enabled();
        let mut cur = usize::MAX;
        let mut row = 0;
        for (e, &(a, b)) in edges.iter().enumerate() {
            let (a, b) = (a as usize, b as usize);
            if a != cur {
                cur = a;
                row = kind[a] * trans.kinds;
            }
            let ps = pair[e];
            let slot = trans.index[row + kind[b]];
            let entry = if slot > 0 && a != b && tables {
                trans.tables[slot as usize - 1][ps as usize]
            } else {
                UNKNOWN
            };
            let code = (entry >> PAIR_BITS) as u8 & (BOTH | CONFORM_A | CONFORM_B | 0b11);
            let both = code & BOTH != 0;
            if entry & CERTAIN != 0
                && noise.gap() >= 2
                && misread[both as usize].gap() >= 2
                && (code & (CONFORM_A | CONFORM_B) == CONFORM_A | CONFORM_B || detect_t == 0)
            {
                // Certain moves and no noise event on this edge: four failed trials, no other
                // random numbers, the tabulated moves and next pair state.
                noise.skip(2);
                misread[both as usize].skip(2);
                pair[e] = (entry & PAIR_MASK) as PairState;
                moves[e] = code;
                continue;
            }
            let pa_ = &players[a];
            let pb_ = &players[b];
            let ma = &machines[pa_.strat as usize];
            let mb = &machines[pb_.strat as usize];
            if entry == UNKNOWN && a != b && tables {
                let t = trans.table(kind[a], kind[b]);
                trans.tables[t][ps as usize] = Transitions::entry(ma, mb, pa_, pb_, ps);
            }
            let both = a != b && pa_.member && pb_.member;
            let (sa, sb, st_a, st_b) = unpack(ps);
            let (mut xa, mut xb, punish_a, punish_b) = if both {
                treaty_moves(pa_, pb_, st_a, st_b)
            } else {
                (decide(ma, sa, rng), decide(mb, sb, rng), false, false)
            };
            if noise.trial(rng) {
                xa = xa.flip();
            }
            if noise.trial(rng) {
                xb = xb.flip();
            }
            let m = &mut misread[both as usize];
            let seen_by_b = if m.trial(rng) { xa.flip() } else { xa };
            let seen_by_a = if m.trial(rng) { xb.flip() } else { xb };
            pair[e] = advance(ma, mb, pa_, pb_, both, ps, (xa, xb), (seen_by_a, seen_by_b));
            // A non-conforming move between members is detected with the monitoring
            // probability (a's draw first).
            let code = move_code(xa, xb, (punish_a, punish_b), both);
            let detected_a =
                code & CONFORM_A == 0 && detect_t > 0 && (rng.next_u32() as u64) < detect_t;
            let detected_b =
                code & CONFORM_B == 0 && detect_t > 0 && (rng.next_u32() as u64) < detect_t;
            moves[e] = code
                | if detected_a { DETECTED_A } else { 0 }
                | if detected_b { DETECTED_B } else { 0 };
        }
    }

    // Pass 2: payoffs and counts. Each state's payoff table, outside a treaty and inside
    // (where cooperation costs tc less), indexed by `both * 4 + own * 2 + partner`.
    let tc = rules.transaction_cost_cut;
    let sanction = rules.sanctions;
    let pay: Vec<[f64; 8]> = players
        .iter()
        .map(|p| {
            let g = p.game;
            [g[0], g[1], g[2], g[3], g[0] + tc, g[1] + tc, g[2], g[3]]
        })
        .collect();
    let mut sums = vec![Sums::default(); n];
    // Running sums of the current first state `cur` (edges are sorted by first state).
    let mut cur = usize::MAX;
    let mut acc = Sums::default();
    for (&(a, b), &m) in edges.iter().zip(moves.iter()) {
        let (a, b) = (a as usize, b as usize);
        if a != cur {
            if cur != usize::MAX {
                sums[cur].add(&acc);
            }
            cur = a;
            acc = Sums::default();
        }
        let both = usize::from(m & BOTH != 0);
        let (da, db) = (usize::from(m >> 1 & 1), usize::from(m & 1));
        let mut pa = pay[a][both * 4 + da * 2 + db];
        let mut pb = pay[b][both * 4 + db * 2 + da];
        let (ca, cb) = ((da ^ 1) as u32, (db ^ 1) as u32);
        if a == b {
            // Self-interaction (lattice): counted once, no relative gains against oneself.
            acc.payoff += pa;
            acc.self_payoff += pa;
            acc.coop += ca;
            continue;
        }
        if m & (DETECTED_A | DETECTED_B) != 0 {
            if m & DETECTED_A != 0 {
                pa -= sanction;
                acc.detected += 1;
            }
            if m & DETECTED_B != 0 {
                pb -= sanction;
                sums[b].detected += 1;
            }
        }
        let both_u = both as u32;
        acc.m2m += both_u;
        acc.m2m_coop += both_u & u32::from(m & CONFORM_A != 0);
        acc.payoff += pa;
        acc.partner += pb;
        acc.coop += ca;
        let s = &mut sums[b];
        s.m2m += both_u;
        s.m2m_coop += both_u & u32::from(m & CONFORM_B != 0);
        s.payoff += pb;
        s.partner += pa;
        s.coop += cb;
        if both != 0 {
            acc.payoff_in += pa;
            acc.partner_in += pb;
            s.payoff_in += pb;
            s.partner_in += pa;
        }
    }
    if cur != usize::MAX {
        sums[cur].add(&acc);
    }
    let mut m2m_total = 0u64;
    let mut m2m_coop_total = 0u64;
    for (i, s) in sums.iter().enumerate() {
        let k = players[i].k;
        rt.r_payoff[i] += s.payoff;
        rt.r_util[i] += (1.0 + k) * (s.payoff - s.self_payoff) - k * s.partner + s.self_payoff;
        rt.n_util_in[i] += (1.0 + k) * s.payoff_in - k * s.partner_in;
        rt.r_coop[i] += s.coop;
        rt.r_m2m[i] += s.m2m;
        rt.r_m2m_coop[i] += s.m2m_coop;
        rt.r_detected[i] += s.detected;
        m2m_total += s.m2m as u64;
        m2m_coop_total += s.m2m_coop as u64;
    }
    rt.n_m2m += m2m_total;
    rt.n_m2m_coop += m2m_coop_total;
}

#[inline(never)]
fn record_round(
    rows: &mut Vec<TimeseriesRow>,
    rt: &IssueRt,
    world: &World,
    degree: &[u32],
    round: u64,
    ii: usize,
    n: usize,
) {
    let groups = world.groups.len();
    // index groups..: per group; index `groups`: all
    let mut acc = vec![[0.0f64; 9]; groups + 1];
    for i in 0..n {
        let g = world.states[i].group;
        for slot in [g, groups] {
            let a = &mut acc[slot];
            a[0] += 1.0;
            a[1] += rt.r_coop[i] as f64;
            a[2] += degree[i] as f64;
            a[3] += rt.r_payoff[i];
            a[4] += rt.r_util[i];
            if rt.member[i] {
                a[5] += 1.0;
                a[6] += world.states[i].power;
            }
            a[7] += world.states[i].power;
            a[8] += rt.r_m2m_coop[i] as f64;
        }
    }
    let mut m2m = vec![0.0f64; groups + 1];
    for i in 0..n {
        m2m[world.states[i].group] += rt.r_m2m[i] as f64;
        m2m[groups] += rt.r_m2m[i] as f64;
    }
    for slot in std::iter::once(groups).chain(0..groups) {
        let a = &acc[slot];
        let moves = a[2].max(1.0);
        rows.push(TimeseriesRow {
            round,
            issue: ii,
            group: (slot < groups).then_some(slot),
            states: a[0] as u32,
            cooperation: a[1] / moves,
            mean_payoff: a[3] / moves,
            mean_utility: a[4] / moves,
            status: rt.regime.status,
            members: a[5] as u32,
            member_share: if a[0] > 0.0 { a[5] / a[0] } else { 0.0 },
            member_power_share: if a[7] > 0.0 { a[6] / a[7] } else { 0.0 },
            compliance: (m2m[slot] > 0.0).then(|| a[8] / m2m[slot]),
            strength: rt.regime.strength,
        });
    }
}

/// Strategy revision (DESIGN 2.7): every state compares what it earned (utility) since the
/// last revision, all from the same snapshot, then all switch at once.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn learn(
    rt: &mut IssueRt,
    scenario: &Scenario,
    learn_set: &[u8],
    neighbours: &[Vec<u32>],
    incident: &[Vec<(u32, bool)>],
    k_eff: &[f64],
) {
    let n = rt.strat.len();
    let nc = rt.machines.len();
    let mut next = rt.strat.clone();
    let mutation_t = threshold(scenario.learning.mutation);
    let temperature = scenario.learning.temperature;
    for i in 0..n {
        let nb = &neighbours[i];
        match scenario.learning.rule {
            LearningRule::ImitateBest => {
                // Copy the strategy of the best scorer among neighbours and self. Ties: keep
                // one's own strategy if a best scorer uses it, else take the tied strategy
                // first by name, so the result never depends on the order of states.
                let mut best_score = rt.w_util[i];
                for &j in nb {
                    best_score = best_score.max(rt.w_util[j as usize]);
                }
                let mut choice: Option<u8> = None;
                for &j in std::iter::once(&(i as u32)).chain(nb.iter()) {
                    let j = j as usize;
                    if rt.w_util[j] != best_score {
                        continue;
                    }
                    let s = rt.strat[j];
                    choice = Some(match choice {
                        None => s,
                        Some(c) if c == rt.strat[i] => c,
                        Some(_) if s == rt.strat[i] => s,
                        Some(c) if rt.name_rank[s as usize] < rt.name_rank[c as usize] => s,
                        Some(c) => c,
                    });
                }
                next[i] = choice.unwrap_or(rt.strat[i]);
            }
            LearningRule::Fermi if !nb.is_empty() => {
                let j = nb[rt.learn_rng.random_range(0..nb.len() as u64) as usize] as usize;
                let p = 1.0 / (1.0 + ((rt.w_util[i] - rt.w_util[j]) / temperature).exp());
                let u: f64 = rt.learn_rng.random();
                if u < p {
                    next[i] = rt.strat[j];
                }
            }
            LearningRule::BestResponse => {
                // Expected utility of each candidate against the partners' current strategies
                // over one learning interval. Members play the treaty with members, so only
                // partners outside the treaty relationship count.
                let mut candidates: Vec<u8> = learn_set.to_vec();
                if !candidates.contains(&rt.strat[i]) {
                    candidates.push(rt.strat[i]);
                }
                let mut values = vec![0.0f64; candidates.len()];
                for &j in nb {
                    let j = j as usize;
                    if rt.member[i] && rt.member[j] {
                        continue;
                    }
                    let u = model::pair_utility(&rt.game[i], &rt.game[j], k_eff[i]);
                    let partner = rt.strat[j] as usize;
                    for (v, &c) in values.iter_mut().zip(&candidates) {
                        let counts = &rt.outcome_table[c as usize * nc + partner];
                        *v += counts[0] * u[0]
                            + counts[1] * u[1]
                            + counts[2] * u[2]
                            + counts[3] * u[3];
                    }
                }
                // The current strategy is kept unless another does strictly better.
                let mut best = rt.strat[i];
                let mut best_value =
                    values[candidates.iter().position(|&c| c == best).unwrap_or(0)];
                for (&c, &v) in candidates.iter().zip(&values) {
                    if v > best_value + 1e-9 {
                        best_value = v;
                        best = c;
                    }
                }
                next[i] = best;
            }
            LearningRule::Fermi | LearningRule::None => {}
        }
        if mutation_t > 0 && (rt.learn_rng.next_u32() as u64) < mutation_t && !learn_set.is_empty()
        {
            next[i] = learn_set[rt.learn_rng.random_range(0..learn_set.len() as u64) as usize];
        }
    }
    for i in 0..n {
        if next[i] != rt.strat[i] {
            rt.strat[i] = next[i];
            for &(e, side_a) in &incident[i] {
                rt.pair[e as usize] = reset_machine(rt.pair[e as usize], side_a);
            }
        }
        rt.w_util[i] = 0.0;
    }
}

/// Treaty negotiation (DESIGN 2.8); returns (state, joined) for every change.
/// What state i's strategy would earn per interaction against its partners' strategies
/// outside any treaty (expected over one learning interval, no noise): the outside option of a
/// member that has no partners outside the treaty to learn it from.
fn anarchy_utility(rt: &IssueRt, i: usize, partners: &[u32], k: f64, interval: u64) -> Option<f64> {
    if partners.is_empty() || interval == 0 {
        return None;
    }
    let nc = rt.machines.len();
    let mut total = 0.0;
    for &j in partners {
        let j = j as usize;
        let counts = &rt.outcome_table[rt.strat[i] as usize * nc + rt.strat[j] as usize];
        let u = model::pair_utility(&rt.game[i], &rt.game[j], k);
        total += counts[0] * u[0] + counts[1] * u[1] + counts[2] * u[2] + counts[3] * u[3];
    }
    Some(total / (partners.len() as f64 * interval as f64))
}

#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn negotiate(
    rt: &mut IssueRt,
    degree: &[u32],
    scenario: &Scenario,
    world: &World,
    neighbours: &[Vec<u32>],
    k_eff: &[f64],
    rules: &Rules,
    monitoring: f64,
) -> Vec<(usize, bool)> {
    let n = rt.member.len();
    let members_now = rt.member.iter().filter(|&&m| m).count();
    let observed =
        (members_now >= 2 && rt.n_m2m > 0).then(|| rt.n_m2m_coop as f64 / rt.n_m2m as f64);
    let ctx = model::NegotiationContext {
        rules,
        monitoring,
        norm: rules.norm_pressure * rt.access.norm_factor() * members_now as f64 / n as f64,
        exit_cost: rt.regime.strength * (rt.base.r - rt.base.p),
        noise: scenario.noise.implementation,
        sovereignty_weight: rt.sovereignty_weight,
    };
    // Interactions since the last negotiation with treaty partners (inside) and others; the
    // membership is constant between negotiations. Self-interaction counts as outside.
    let rounds = rt.n_rounds;
    let mut cnt_in = vec![0u64; n];
    let mut cnt_out = vec![0u64; n];
    for i in 0..n {
        let inside = if rt.member[i] {
            neighbours[i]
                .iter()
                .filter(|&&j| rt.member[j as usize])
                .count() as u64
        } else {
            0
        };
        cnt_in[i] = inside * rounds;
        cnt_out[i] = (degree[i] as u64 - inside) * rounds;
    }
    // Logistic decision noise, one draw per state, always drawn.
    let eps: Vec<f64> = (0..n)
        .map(|_| {
            let u: f64 = rt.negotiate_rng.random::<f64>().clamp(1e-12, 1.0 - 1e-12);
            scenario.regime.decision_noise * (u / (1.0 - u)).ln()
        })
        .collect();
    let views: Vec<model::StateView> = (0..n)
        .map(|i| {
            let u = model::pair_utility(&rt.game[i], &rt.partner[i], k_eff[i]);
            model::StateView {
                utility: u,
                discount: world.states[i].discount,
                sovereignty: world.states[i].sovereignty_cost
                    * (1.0
                        + rules.security_weight
                            * world.states[i].security
                            * world.states[i].receiving()),
                u_out: if cnt_out[i] > 0 {
                    Some((rt.n_util[i] - rt.n_util_in[i]) / cnt_out[i] as f64)
                } else {
                    anarchy_utility(rt, i, &neighbours[i], k_eff[i], scenario.learning.interval)
                },
                u_in: (rt.member[i] && cnt_in[i] > 0).then(|| rt.n_util_in[i] / cnt_in[i] as f64),
                member: rt.member[i],
                complies: rt.comply[i],
                k: k_eff[i],
            }
        })
        .collect();
    let new_members = model::treaty_fixed_point(&views, neighbours, &eps, observed, &ctx);
    let mut changes = Vec::new();
    for i in 0..n {
        if new_members[i] != rt.member[i] {
            changes.push((i, new_members[i]));
        }
        rt.n_util_in[i] = 0.0;
        rt.n_util[i] = 0.0;
    }
    rt.member = new_members;
    rt.n_m2m = 0;
    rt.n_m2m_coop = 0;
    rt.n_rounds = 0;
    changes
}

fn apply_shock(
    shock: &Shock,
    scenario: &Scenario,
    world: &mut World,
    issues: &mut [IssueRt],
    round: u64,
    events: Option<&mut Vec<Event>>,
) -> bool {
    let issue_index = shock
        .issue
        .as_ref()
        .and_then(|name| scenario.issues.iter().position(|i| &i.name == name));
    if shock.kind == ShockKind::Institutional {
        if let Some(ii) = issue_index {
            let rt = &mut issues[ii];
            if let Some(a) = shock.civil_society_access {
                rt.access = a;
            }
            if shock.forum == Some(true) && rt.forum_from.is_none() {
                rt.forum_from = Some(round);
                rt.forum_information = 0.5;
            }
            if let Some(m) = shock.monitoring {
                rt.monitoring_extra += m;
            }
        }
        if let Some(ev) = events {
            ev.push(Event {
                round,
                issue: issue_index,
                state: None,
                kind: EventKind::Shock,
                value: shock.monitoring.unwrap_or(0.0),
                detail: "institutional".into(),
            });
        }
        return false;
    }
    let group = shock
        .group
        .as_ref()
        .and_then(|g| world.groups.iter().position(|x| x == g));
    let mut targets = 0;
    for s in world.states.iter_mut() {
        let hit = shock.group.as_ref().is_none_or(|_| Some(s.group) == group)
            && shock.region.as_ref().is_none_or(|r| &s.region == r)
            && (shock.states.is_empty() || shock.states.contains(&s.name));
        if !hit {
            continue;
        }
        targets += 1;
        model::apply_attribute_shock(s, shock.kind, shock.change);
    }
    if shock.kind == ShockKind::Power {
        let total: f64 = world.states.iter().map(|s| s.power).sum();
        for s in world.states.iter_mut() {
            s.power /= total;
        }
    }
    if let Some(ev) = events {
        ev.push(Event {
            round,
            issue: None,
            state: None,
            kind: EventKind::Shock,
            value: shock.change,
            detail: format!("{} ({} states)", shock.kind.name(), targets),
        });
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::scenario;

    /// Full record of one run, as text.
    fn record(s: &Scenario, rules: &Rules, full_play_only: bool) -> String {
        FULL_PLAY_ONLY.with(|c| c.set(full_play_only));
        let w = crate::engine::world::generate(s, s.seed);
        let id = RunId {
            run_id: 0,
            replicate: 0,
            seed: s.seed,
            rule_set: "test".into(),
        };
        let out = run(s, &w, rules, id, Record::Full);
        FULL_PLAY_ONLY.with(|c| c.set(false));
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}",
            out.summaries, out.timeseries, out.events, out.states
        )
    }

    /// The transition tables are a cache: every shipped scenario under both rule sets, with
    /// noise as shipped and with much more of it, gives exactly the run of playing every edge
    /// in full (same moves, same random numbers, same sums to the last bit).
    #[test]
    fn transition_tables_equal_full_play() {
        let noisier = ["noise.implementation=0.2", "noise.misperception=0.3"];
        for name in ["teaching", "hegemon", "civil-society", "spatial"] {
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
}
