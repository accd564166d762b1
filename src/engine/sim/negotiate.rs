//! Treaty negotiation (ODD 7.9): at the end of a negotiation interval every state values
//! membership with the same continuation values that decide its compliance, adds its
//! persistent taste, and ratification moves from the current members
//! ([`model::ratify`]: members leave, then a conference of non-members joins).
//!
//! May import [`crate::model`], [`crate::engine::world`] and the
//! sibling modules of [`super`].

use super::play::reset_standing;
use super::state::{Graph, IssueState};
use super::NegotiationRow;
use crate::engine::world::World;
use crate::model;
use crate::model::{Rules, Scenario};

/// What a negotiation records beyond the membership changes.
pub(super) enum Recording<'a> {
    /// Nothing (summary records: sweeps).
    Nothing,
    /// Each state's value of membership, kept for `states.csv`.
    Values,
    /// The values, and every state's decision with the terms of its value, as rows of
    /// `negotiations.csv` for (round, issue).
    Decisions(&'a mut Vec<NegotiationRow>, u64, usize),
}

/// One negotiation of an issue (ODD 7.9); returns (state, joined) for every change and resets
/// the negotiation tally; `recording` says what else is kept. States marked in `barred` (a
/// forced exit of `regime hypotheses`; empty in an ordinary run) may not join.
#[inline(never)]
pub(super) fn negotiate(
    rt: &mut IssueState,
    graph: &Graph,
    (scenario, rules, world): (&Scenario, &Rules, &World),
    (monitoring, barred): (f64, &[bool]),
    recording: Recording,
) -> Vec<(usize, bool)> {
    let members_now = rt.member.iter().filter(|&&m| m).count();
    let tally = &rt.negotiation;
    let observed = (members_now >= 2 && tally.treaty_moves > 0)
        .then(|| tally.treaty_conforming as f64 / tally.treaty_moves as f64);
    let ctx = context(rt, (scenario, rules, world), monitoring);
    let views = state_views(rt, graph, world);
    let eligible: Vec<bool> = (rt.member.iter().enumerate())
        .map(|(i, &m)| !m && !barred.get(i).copied().unwrap_or(false))
        .collect();
    let outcome = model::ratify(
        &views,
        &graph.neighbours,
        &rt.taste,
        observed,
        &ctx,
        &eligible,
    );
    if !matches!(recording, Recording::Nothing) {
        for (i, t) in outcome.terms.iter().enumerate() {
            rt.membership_value[i] = t.value();
        }
        if let Recording::Decisions(rows, round, issue) = recording {
            record_decisions(rows, (round, issue), &rt.member, &outcome, &rt.taste);
        }
    }
    let changes = admit(rt, graph, outcome.members);
    rt.negotiation.clear();
    changes
}

/// The founding negotiation of a regime in place at the start (ODD 5): its listed members are
/// the only states that may join, and those that do not value membership stay out.
pub(super) fn found(
    rt: &mut IssueState,
    graph: &Graph,
    (scenario, rules, world): (&Scenario, &Rules, &World),
    monitoring: f64,
) {
    let n = rt.member.len();
    let listed = std::mem::replace(&mut rt.member, vec![false; n]);
    let ctx = context(rt, (scenario, rules, world), monitoring);
    let views = state_views(rt, graph, world);
    let outcome = model::ratify(&views, &graph.neighbours, &rt.taste, None, &ctx, &listed);
    rt.member = outcome.members;
}

/// Applies a negotiation's outcome: a new member starts in good standing with every partner
/// (ODD 7.6: standing resets when a state joins). Returns (state, joined) for every change.
fn admit(rt: &mut IssueState, graph: &Graph, members: Vec<bool>) -> Vec<(usize, bool)> {
    let mut changes = Vec::new();
    for (i, &now) in members.iter().enumerate() {
        if now != rt.member[i] {
            changes.push((i, now));
            if now {
                for &(e, _) in &graph.incident[i] {
                    rt.pair[e as usize] = reset_standing(rt.pair[e as usize]);
                }
            }
        }
    }
    rt.member = members;
    changes
}

/// The issue-level inputs of a negotiation (ODD 7.9).
fn context<'a>(
    rt: &IssueState,
    (scenario, rules, world): (&Scenario, &'a Rules, &World),
    monitoring: f64,
) -> model::NegotiationContext<'a> {
    model::NegotiationContext {
        rules,
        enforcement: rt.enforcement(rules, monitoring),
        anarchy: model::Enforcement::anarchy(rt.detection),
        norm_weight: rules.norm_pressure * rt.institutions.access.norm_factor(),
        exit_cost: rt.regime.strength * (rt.base.r - rt.base.p),
        ratification_cost: scenario.regime.ratification_cost,
        noise: scenario.noise.implementation,
        sovereignty_weight: rt.sovereignty_weight,
        hegemon: hegemon(world),
    }
}

/// The dominant state: the most powerful (the first of equals), if any.
fn hegemon(world: &World) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, s) in world.states.iter().enumerate() {
        if best.is_none_or(|b| s.power > world.states[b].power) {
            best = Some(i);
        }
    }
    best
}

/// What each state knows when it values membership (ODD 7.9): its utilities against the
/// average partner, its discount factor and sovereignty cost, and what its strategy is
/// expected to earn outside a treaty.
fn state_views(rt: &IssueState, graph: &Graph, world: &World) -> Vec<model::StateView> {
    let region = region_indices(world);
    (0..rt.member.len())
        .map(|i| {
            let k = rt.k[i];
            let s = &world.states[i];
            model::StateView {
                utility: model::pair_utility(&rt.game[i], &rt.partner[i], k),
                discount: s.discount,
                sovereignty: s.sovereignty_cost,
                u_out: anarchy_utility(rt, i, &graph.neighbours[i], k, s.discount),
                member: rt.member[i],
                k,
                remembered: (rt.total.received[i] > 0)
                    .then(|| rt.total.received_conforming[i] as f64 / rt.total.received[i] as f64),
                region: region[i],
            }
        })
        .collect()
}

/// Each state's region as an index, regions numbered in order of first appearance.
fn region_indices(world: &World) -> Vec<usize> {
    let mut names: Vec<&str> = Vec::new();
    world
        .states
        .iter()
        .map(|s| match names.iter().position(|&r| r == s.region) {
            Some(r) => r,
            None => {
                names.push(&s.region);
                names.len() - 1
            }
        })
        .collect()
}

/// What state i's strategy is expected to earn per interaction against its partners'
/// strategies outside any treaty, with implementation noise and misperception, as a
/// discounted per-round value with its own discount factor: the outside option of every
/// state, member or not (ODD 7.9). Partners are grouped by strategy: utility is linear in the
/// partner's payoffs, so a group plays as its mean payoff table.
fn anarchy_utility(
    rt: &IssueState,
    i: usize,
    partners: &[u32],
    k: f64,
    discount: f64,
) -> Option<f64> {
    if partners.is_empty() {
        return None;
    }
    let nc = rt.machines.len();
    let mut count = vec![0usize; nc];
    let mut games = vec![[0.0f64; 4]; nc];
    for &j in partners {
        let s = rt.strat[j as usize] as usize;
        count[s] += 1;
        for (g, x) in games[s].iter_mut().zip(rt.game[j as usize]) {
            *g += x;
        }
    }
    let own = rt.strat[i] as usize;
    let mut total = 0.0;
    for s in (0..nc).filter(|&s| count[s] > 0) {
        let n = count[s] as f64;
        let mean = games[s].map(|g| g / n);
        let u = model::pair_utility(&rt.game[i], &mean, k);
        let q = discounted_outcomes(&rt.anarchy_paths[own * nc + s], discount);
        total += n * (q[0] * u[0] + q[1] * u[1] + q[2] * u[2] + q[3] * u[3]);
    }
    Some(total / partners.len() as f64)
}

/// The outcome probabilities of a path weighted by delta^t and normalised: the per-round
/// value's weights of a discounted stream.
fn discounted_outcomes(path: &[[f64; 4]], discount: f64) -> [f64; 4] {
    let mut q = [0.0; 4];
    let (mut w, mut total) = (1.0, 0.0);
    for p in path {
        for (x, y) in q.iter_mut().zip(p) {
            *x += w * y;
        }
        total += w;
        w *= discount;
    }
    q.map(|x| x / total)
}

/// Every state's decision in one negotiation, with the terms it decided on.
fn record_decisions(
    rows: &mut Vec<NegotiationRow>,
    (round, issue): (u64, usize),
    before: &[bool],
    outcome: &model::Ratification,
    taste: &[f64],
) {
    for (i, t) in outcome.terms.iter().enumerate() {
        rows.push(NegotiationRow {
            round,
            issue,
            state: i,
            member_before: before[i],
            member_after: outcome.members[i],
            terms: *t,
            taste: taste[i],
        });
    }
}
