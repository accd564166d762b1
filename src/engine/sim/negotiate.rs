//! Treaty negotiation (ODD 7.9): at the end of a negotiation interval every state values
//! membership from what it experienced since the last negotiation, a logistic decision noise is
//! drawn per state, and all ratify or withdraw at once (the simultaneous fixed point of
//! [`model::treaty_fixed_point`]).
//!
//! May import [`crate::model`], [`crate::engine::world`] and the
//! sibling modules of [`super`].

use super::play::reset_standing;
use super::state::{Graph, IssueState};
use super::NegotiationRow;
use crate::engine::world::World;
use crate::model;
use crate::model::{Rules, Scenario};
use rand::Rng;

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
/// the negotiation tally; `recording` says what else is kept.
#[inline(never)]
pub(super) fn negotiate(
    rt: &mut IssueState,
    graph: &Graph,
    (scenario, rules, world): (&Scenario, &Rules, &World),
    monitoring: f64,
    recording: Recording,
) -> Vec<(usize, bool)> {
    let n = rt.member.len();
    let members_now = rt.member.iter().filter(|&&m| m).count();
    let tally = &rt.negotiation;
    let observed = (members_now >= 2 && tally.treaty_moves > 0)
        .then(|| tally.treaty_conforming as f64 / tally.treaty_moves as f64);
    let ctx = model::NegotiationContext {
        rules,
        monitoring,
        norm: rules.norm_pressure * rt.institutions.access.norm_factor() * members_now as f64
            / n as f64,
        exit_cost: rt.regime.strength * (rt.base.r - rt.base.p),
        noise: scenario.noise.implementation,
        sovereignty_weight: rt.sovereignty_weight,
    };
    let (cnt_in, cnt_out) = interaction_counts(rt, graph);
    let eps = decision_noise(rt, n, scenario.regime.decision_noise);
    let views = state_views(rt, graph, (scenario, rules, world), &cnt_in, &cnt_out);
    let new_members = model::treaty_fixed_point(&views, &graph.neighbours, &eps, observed, &ctx);
    if !matches!(recording, Recording::Nothing) {
        let terms = model::terms_at(&views, &graph.neighbours, &new_members, observed, &ctx);
        for (i, t) in terms.iter().enumerate() {
            rt.membership_value[i] = t.value();
        }
        if let Recording::Decisions(rows, round, issue) = recording {
            record_decisions(rows, (round, issue), &rt.member, &new_members, terms, &eps);
        }
    }
    let mut changes = Vec::new();
    for i in 0..n {
        if new_members[i] != rt.member[i] {
            changes.push((i, new_members[i]));
            if new_members[i] {
                // A new member starts in good standing with every partner (ODD 7.6).
                for &(e, _) in &graph.incident[i] {
                    rt.pair[e as usize] = reset_standing(rt.pair[e as usize]);
                }
            }
        }
    }
    rt.negotiation.clear();
    rt.member = new_members;
    changes
}

/// Interactions since the last negotiation with treaty partners (inside) and others, per
/// state; the membership is constant between negotiations. Self-interaction counts as outside.
fn interaction_counts(rt: &IssueState, graph: &Graph) -> (Vec<u64>, Vec<u64>) {
    let n = rt.member.len();
    let rounds = rt.negotiation.rounds;
    let mut cnt_in = vec![0u64; n];
    let mut cnt_out = vec![0u64; n];
    for i in 0..n {
        let inside = if rt.member[i] {
            graph.neighbours[i]
                .iter()
                .filter(|&&j| rt.member[j as usize])
                .count() as u64
        } else {
            0
        };
        cnt_in[i] = inside * rounds;
        cnt_out[i] = (graph.degree[i] as u64 - inside) * rounds;
    }
    (cnt_in, cnt_out)
}

/// Logistic decision noise, one draw per state, always drawn.
fn decision_noise(rt: &mut IssueState, n: usize, scale: f64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let u: f64 = rt.negotiate_rng.random::<f64>().clamp(1e-12, 1.0 - 1e-12);
            scale * libm::log(u / (1.0 - u))
        })
        .collect()
}

/// What each state knows when it values membership (ODD 7.9).
fn state_views(
    rt: &IssueState,
    graph: &Graph,
    (scenario, rules, world): (&Scenario, &Rules, &World),
    cnt_in: &[u64],
    cnt_out: &[u64],
) -> Vec<model::StateView> {
    let tally = &rt.negotiation;
    (0..rt.member.len())
        .map(|i| {
            let k = graph.k_eff[i];
            let u = model::pair_utility(&rt.game[i], &rt.partner[i], k);
            let s = &world.states[i];
            model::StateView {
                utility: u,
                discount: s.discount,
                sovereignty: s.sovereignty_cost
                    * (1.0 + rules.security_weight * s.security * s.receiving()),
                u_out: if cnt_out[i] > 0 {
                    Some((tally.utility[i] - tally.utility_in_treaty[i]) / cnt_out[i] as f64)
                } else {
                    let interval = scenario.learning.interval;
                    anarchy_utility(rt, i, &graph.neighbours[i], k, interval)
                },
                u_in: (rt.member[i] && cnt_in[i] > 0)
                    .then(|| tally.utility_in_treaty[i] / cnt_in[i] as f64),
                member: rt.member[i],
                complies: rt.comply[i],
                k,
            }
        })
        .collect()
}

/// What state i's strategy would earn per interaction against its partners' strategies
/// outside any treaty (expected over one learning interval, no noise): the outside option of a
/// member that has no partners outside the treaty to learn it from.
fn anarchy_utility(
    rt: &IssueState,
    i: usize,
    partners: &[u32],
    k: f64,
    interval: u64,
) -> Option<f64> {
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

/// Every state's decision in one negotiation, with the terms of its value.
fn record_decisions(
    rows: &mut Vec<NegotiationRow>,
    (round, issue): (u64, usize),
    before: &[bool],
    after: &[bool],
    terms: Vec<model::MembershipTerms>,
    noise: &[f64],
) {
    for (i, t) in terms.into_iter().enumerate() {
        rows.push(NegotiationRow {
            round,
            issue,
            state: i,
            member_before: before[i],
            member_after: after[i],
            terms: t,
            noise: noise[i],
        });
    }
}
