//! Strategy revision (ODD 7.8): at the end of a learning interval every state compares what it
//! earned (utility) since the last revision, all from the same snapshot, then all switch at
//! once. Rules: imitate the best (Nowak & May 1992), Fermi imitation (Szabó & Tőke 1998), best
//! response; then mutation.
//!
//! May import [`crate::model`], [`crate::engine::rng`] and the sibling
//! modules of [`super`].

use super::play::reset_machine;
use super::state::{Catalogue, Graph, IssueState};
use crate::engine::rng::threshold;
use crate::model;
use crate::model::{LearningRule, Scenario};
use rand::{Rng, RngCore};

/// Whether states revise strategies at all (the rule is not `none`).
pub(super) fn learns(scenario: &Scenario) -> bool {
    match scenario.learning.rule {
        LearningRule::ImitateBest | LearningRule::Fermi | LearningRule::BestResponse => true,
        LearningRule::None => false,
    }
}

/// One revision of every state's strategy (ODD 7.8); resets the learning tally.
#[inline(never)]
pub(super) fn learn(
    rt: &mut IssueState,
    scenario: &Scenario,
    catalogue: &Catalogue,
    graph: &Graph,
) {
    let n = rt.strat.len();
    let learn_set = &catalogue.learn_set[..];
    let mut next = rt.strat.clone();
    let mutation_t = threshold(scenario.learning.mutation);
    let temperature = scenario.learning.temperature;
    let rule = scenario.learning.rule;
    for i in 0..n {
        let nb = &graph.neighbours[i];
        match rule {
            LearningRule::ImitateBest => next[i] = imitate_best(rt, i, nb, &catalogue.name_rank),
            LearningRule::Fermi if !nb.is_empty() => {
                if let Some(s) = fermi(rt, i, nb, temperature) {
                    next[i] = s;
                }
            }
            LearningRule::BestResponse => next[i] = best_response(rt, i, nb, learn_set, rt.k[i]),
            // A state without partners has no one to compare with.
            LearningRule::Fermi | LearningRule::None => {}
        }
        if mutation_t > 0 && (rt.learn_rng.next_u32() as u64) < mutation_t && !learn_set.is_empty()
        {
            next[i] = learn_set[rt.learn_rng.random_range(0..learn_set.len() as u64) as usize];
        }
    }
    switch_strategies(rt, &next, &graph.incident);
}

/// Copy the strategy of the best scorer among neighbours and self. Ties: keep one's own
/// strategy if a best scorer uses it, else take the tied strategy first by name, so the result
/// never depends on the order of states.
fn imitate_best(rt: &IssueState, i: usize, nb: &[u32], name_rank: &[u16]) -> u8 {
    let w_util = &rt.learning.utility;
    let mut best_score = w_util[i];
    for &j in nb {
        best_score = best_score.max(w_util[j as usize]);
    }
    let mut choice: Option<u8> = None;
    for &j in std::iter::once(&(i as u32)).chain(nb.iter()) {
        let j = j as usize;
        if w_util[j] != best_score {
            continue;
        }
        let s = rt.strat[j];
        choice = Some(match choice {
            None => s,
            Some(c) if c == rt.strat[i] => c,
            Some(_) if s == rt.strat[i] => s,
            Some(c) if name_rank[s as usize] < name_rank[c as usize] => s,
            Some(c) => c,
        });
    }
    choice.unwrap_or(rt.strat[i])
}

/// Fermi imitation: a random partner's strategy, copied with a probability rising with how
/// much more it earned; `None` to keep one's own. `nb` is not empty.
fn fermi(rt: &mut IssueState, i: usize, nb: &[u32], temperature: f64) -> Option<u8> {
    let w_util = &rt.learning.utility;
    let j = nb[rt.learn_rng.random_range(0..nb.len() as u64) as usize] as usize;
    let p = 1.0 / (1.0 + libm::exp((w_util[i] - w_util[j]) / temperature));
    let u: f64 = rt.learn_rng.random();
    (u < p).then_some(rt.strat[j])
}

/// Best response: the expected utility of each candidate against the partners' current
/// strategies over one learning interval. Members play the treaty with members, so only
/// partners outside the treaty relationship count. The current strategy is kept unless another
/// does strictly better.
fn best_response(rt: &IssueState, i: usize, nb: &[u32], learn_set: &[u8], k: f64) -> u8 {
    let nc = rt.machines.len();
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
        let u = model::pair_utility(&rt.game[i], &rt.game[j], k);
        let partner = rt.strat[j] as usize;
        for (v, &c) in values.iter_mut().zip(&candidates) {
            let counts = &rt.outcome_table[c as usize * nc + partner];
            *v += counts[0] * u[0] + counts[1] * u[1] + counts[2] * u[2] + counts[3] * u[3];
        }
    }
    let mut best = rt.strat[i];
    let mut best_value = values[candidates.iter().position(|&c| c == best).unwrap_or(0)];
    for (&c, &v) in candidates.iter().zip(&values) {
        if v > best_value + 1e-9 {
            best_value = v;
            best = c;
        }
    }
    best
}

/// All states switch at once; a state whose strategy changed restarts its machines on its side
/// of every incident edge. The learning tally starts afresh.
fn switch_strategies(rt: &mut IssueState, next: &[u8], incident: &[Vec<(u32, bool)>]) {
    for i in 0..next.len() {
        if next[i] != rt.strat[i] {
            rt.strat[i] = next[i];
            for &(e, side_a) in &incident[i] {
                rt.pair[e as usize] = reset_machine(rt.pair[e as usize], side_a);
            }
        }
        rt.learning.utility[i] = 0.0;
    }
}
