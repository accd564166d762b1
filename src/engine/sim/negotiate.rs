//! Treaty negotiation (ODD 7.9): at the end of a negotiation interval every state values
//! membership with the same continuation values that decide its compliance, adds its
//! persistent taste, and ratification moves from the current members
//! ([`model::ratify`]: members leave, then a conference of non-members joins).
//!
//! May import [`crate::model`], [`crate::engine::world`] and the
//! sibling modules of [`super`].

use super::outside::OutsideOption;
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
    (scenario, rules, world): (&Scenario, &'a Rules, &'a World),
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
        fora: &world.fora,
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
    let mut outside = OutsideOption::new(rt, graph);
    (0..rt.member.len())
        .map(|i| {
            let k = rt.k[i];
            let s = &world.states[i];
            model::StateView {
                utility: model::pair_utility(&rt.game[i], &rt.partner[i], k),
                discount: s.discount,
                sovereignty: s.sovereignty_cost,
                u_out: outside.utility(i, k, s.discount),
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
        .map(|s| match names.iter().position(|&r| *r == *s.region) {
            Some(r) => r,
            None => {
                names.push(&s.region);
                names.len() - 1
            }
        })
        .collect()
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
