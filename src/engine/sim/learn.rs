//! Strategy revision (ODD 7.8): at the end of a learning interval every state compares what it
//! earned (utility) since the last revision, all from the same snapshot, then all switch at
//! once. Rules: imitate the best (Nowak & May 1992), Fermi imitation (Szabó & Tőke 1998), best
//! response; then mutation.
//!
//! May import [`crate::model`], [`crate::engine::rng`] and the sibling
//! modules of [`super`].

use super::blocks::{split_mut, Blocks};
use super::play::reset_machine;
use super::state::{Catalogue, Graph, IssueState};
use crate::engine::rng::{threshold, Stream};
use crate::model;
use crate::model::{LearningRule, Scenario};
use rand::{Rng, RngCore};
use rayon::prelude::*;

/// Whether states revise strategies at all (the rule is not `none`).
pub(super) fn learns(scenario: &Scenario) -> bool {
    match scenario.learning.rule {
        LearningRule::ImitateBest | LearningRule::Fermi | LearningRule::BestResponse => true,
        LearningRule::None => false,
    }
}

/// One revision of every state's strategy (ODD 7.8); resets the learning tally. `next` is a
/// buffer owned by the engine (no allocation per revision); `blocks` with one learning stream
/// per block revises a large world block by block on rayon's pool ([`super::blocks`]).
#[inline(never)]
pub(super) fn learn(
    rt: &mut IssueState,
    (scenario, catalogue, graph): (&Scenario, &Catalogue, &Graph),
    next: &mut Vec<u8>,
    blocks: Option<(&Blocks, &mut [Stream])>,
) {
    next.clear();
    next.extend_from_slice(&rt.strat);
    let how = Revision {
        rule: scenario.learning.rule,
        mutation_t: threshold(scenario.learning.mutation),
        temperature: scenario.learning.temperature,
        catalogue,
    };
    match blocks {
        None => {
            let mut rng = rt.learn_rng.clone();
            revise(
                rt,
                &how,
                &graph.neighbours,
                (0..next.len(), &mut next[..]),
                &mut rng,
            );
            rt.learn_rng = rng;
            switch_strategies(rt, next, &graph.incident);
        }
        Some((blocks, streams)) => {
            let view: &IssueState = rt;
            let pieces = split_mut(&mut next[..], &blocks.states);
            streams
                .par_iter_mut()
                .zip(pieces)
                .zip(&blocks.states)
                .for_each(|((rng, piece), states)| {
                    revise(view, &how, &graph.neighbours, (states.clone(), piece), rng);
                });
            switch_strategies_in_blocks(rt, next, &graph.edges, blocks);
        }
    }
}

/// The rule of a revision and what it needs.
struct Revision<'a> {
    rule: LearningRule,
    mutation_t: u64,
    temperature: f64,
    catalogue: &'a Catalogue,
}

/// The revised strategies of the states in `states` into `next` (indexed from the range's
/// start), drawing from `rng` in order of states.
fn revise(
    rt: &IssueState,
    how: &Revision,
    neighbours: &[Vec<u32>],
    (states, next): (std::ops::Range<usize>, &mut [u8]),
    rng: &mut Stream,
) {
    let learn_set = &how.catalogue.learn_set[..];
    // best response: the rows of the learning set, shared by every state whose strategy is in it
    let shared = match how.rule {
        LearningRule::BestResponse => CandidateRows::new(rt, learn_set),
        _ => None,
    };
    for (slot, i) in next.iter_mut().zip(states) {
        let nb = &neighbours[i];
        match how.rule {
            LearningRule::ImitateBest => *slot = imitate_best(rt, i, nb, &how.catalogue.name_rank),
            LearningRule::Fermi if !nb.is_empty() => {
                if let Some(s) = fermi(rt, i, nb, how.temperature, rng) {
                    *slot = s;
                }
            }
            LearningRule::BestResponse => {
                *slot = best_response(rt, (i, nb), learn_set, shared.as_ref(), rt.k[i])
            }
            // A state without partners has no one to compare with.
            LearningRule::Fermi | LearningRule::None => {}
        }
        if how.mutation_t > 0 && (rng.next_u32() as u64) < how.mutation_t && !learn_set.is_empty() {
            *slot = learn_set[rng.random_range(0..learn_set.len() as u64) as usize];
        }
    }
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
fn fermi(rt: &IssueState, i: usize, nb: &[u32], temperature: f64, rng: &mut Stream) -> Option<u8> {
    let w_util = &rt.learning.utility;
    let j = nb[rng.random_range(0..nb.len() as u64) as usize] as usize;
    let p = 1.0 / (1.0 + libm::exp((w_util[i] - w_util[j]) / temperature));
    let u: f64 = rng.random();
    (u < p).then_some(rt.strat[j])
}

/// Best response: the expected utility of each candidate against the partners' current
/// strategies over one learning interval. Members play the treaty with members, so only
/// partners outside the treaty relationship count. The current strategy is kept unless another
/// does strictly better. The candidates are the learning set, plus the state's own strategy
/// when it is not in it; `shared` holds the learning set's [`CandidateRows`] (built once per
/// revision), used when the candidates are exactly the learning set.
fn best_response(
    rt: &IssueState,
    (i, nb): (usize, &[u32]),
    learn_set: &[u8],
    shared: Option<&CandidateRows>,
    k: f64,
) -> u8 {
    let own = rt.strat[i];
    if learn_set.contains(&own) {
        if let Some(rows) = shared {
            return best_of(own, learn_set, &rows.values(rt, i, nb, k));
        }
    }
    let mut candidates: Vec<u8> = learn_set.to_vec();
    if !candidates.contains(&own) {
        candidates.push(own);
    }
    match CandidateRows::new(rt, &candidates) {
        Some(rows) => best_of(own, &candidates, &rows.values(rt, i, nb, k)),
        None => best_of(
            own,
            &candidates,
            &candidate_values(rt, i, nb, &candidates, k),
        ),
    }
}

/// The candidate of highest value (`values[c]` is `candidates[c]`'s, possibly with more values
/// after them), `own` unless another is better by more than 1e-9.
fn best_of(own: u8, candidates: &[u8], values: &[f64]) -> u8 {
    let mut best = own;
    let mut best_value = values[candidates.iter().position(|&c| c == best).unwrap_or(0)];
    for (&c, &v) in candidates.iter().zip(values) {
        if v > best_value + 1e-9 {
            best_value = v;
            best = c;
        }
    }
    best
}

/// Each candidate's expected utility against the partners `nb` of state `i` (ODD 7.8): over
/// the partners in order, the candidate's expected outcome counts against the partner's
/// strategy times i's utility of each outcome against that partner.
fn candidate_values(rt: &IssueState, i: usize, nb: &[u32], candidates: &[u8], k: f64) -> Vec<f64> {
    let nc = rt.machines.len();
    let mut values = vec![0.0f64; candidates.len()];
    for &j in nb {
        let j = j as usize;
        if rt.member[i] && rt.member[j] {
            continue;
        }
        let u = model::pair_utility(&rt.game[i], &rt.game[j], k);
        let partner = rt.strat[j] as usize;
        for (v, &c) in values.iter_mut().zip(candidates) {
            let counts = &rt.outcome_table[c as usize * nc + partner];
            *v += counts[0] * u[0] + counts[1] * u[1] + counts[2] * u[2] + counts[3] * u[3];
        }
    }
    values
}

/// Candidates [`CandidateRows`] weighs side by side (lanes); more take [`candidate_values`].
const LANES: usize = 8;
/// Catalogue size up to which [`CandidateRows`] holds a row per partner strategy.
const ROW_STRATEGIES: usize = 16;

/// [`candidate_values`] with the candidates side by side: per partner strategy and outcome,
/// the candidates' expected counts in one row of [`LANES`], so that every candidate's sum is
/// formed by the same operations in the same order, lane by lane (issue 16: revision was a
/// tenth of the world scenario's time).
struct CandidateRows {
    /// [partner strategy][outcome][candidate].
    rows: [[[f64; LANES]; 4]; ROW_STRATEGIES],
}

impl CandidateRows {
    /// The rows of `candidates`, or `None` when there are too many candidates or strategies.
    fn new(rt: &IssueState, candidates: &[u8]) -> Option<Self> {
        let nc = rt.machines.len();
        if candidates.len() > LANES || nc > ROW_STRATEGIES {
            return None;
        }
        let mut rows = [[[0.0; LANES]; 4]; ROW_STRATEGIES];
        for (partner, row) in rows.iter_mut().enumerate().take(nc) {
            for (lane, &c) in candidates.iter().enumerate() {
                let counts = &rt.outcome_table[c as usize * nc + partner];
                for o in 0..4 {
                    row[o][lane] = counts[o];
                }
            }
        }
        Some(CandidateRows { rows })
    }

    /// The candidates' values in the first lanes (the others hold zeros), equal to
    /// [`candidate_values`] to the last bit.
    fn values(&self, rt: &IssueState, i: usize, nb: &[u32], k: f64) -> [f64; LANES] {
        let mut v = [0.0f64; LANES];
        for &j in nb {
            let j = j as usize;
            if rt.member[i] && rt.member[j] {
                continue;
            }
            let u = model::pair_utility(&rt.game[i], &rt.game[j], k);
            let r = &self.rows[rt.strat[j] as usize];
            for c in 0..LANES {
                v[c] += r[0][c] * u[0] + r[1][c] * u[1] + r[2][c] * u[2] + r[3][c] * u[3];
            }
        }
        v
    }
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

/// [`switch_strategies`] for a world played in blocks: each block resets the machines of the
/// changed states on its edges (a reset touches only its own side, so the order does not
/// matter), then all states switch.
fn switch_strategies_in_blocks(
    rt: &mut IssueState,
    next: &[u8],
    edges: &[(u32, u32)],
    blocks: &Blocks,
) {
    let strat = &rt.strat[..];
    let pieces = split_mut(&mut rt.pair[..edges.len()], &blocks.edges);
    pieces
        .into_par_iter()
        .zip(&blocks.edges)
        .for_each(|(pair, range)| {
            for (ps, &(a, b)) in pair.iter_mut().zip(&edges[range.clone()]) {
                let (a, b) = (a as usize, b as usize);
                if next[a] != strat[a] {
                    *ps = reset_machine(*ps, true);
                }
                if b != a && next[b] != strat[b] {
                    *ps = reset_machine(*ps, false);
                }
            }
        });
    rt.strat.copy_from_slice(next);
    rt.learning.utility.fill(0.0);
}

#[cfg(test)]
mod tests {
    use super::super::state::scrambled_issue;
    use super::*;
    use crate::io::scenario;
    use rand::Rng;

    /// The world scenario's first issue ([`scrambled_issue`] of world `seed`), with about 40 %
    /// of the states members, drawn from stream `members`.
    fn scrambled_members(seed: u64, members: u64) -> (IssueState, Graph) {
        let s = scenario::load(std::path::Path::new("scenarios/world.toml"), &[]).expect("world");
        let world = crate::engine::world::generate(&s, seed);
        let (mut rt, graph) = scrambled_issue(&world, seed);
        let mut rng = crate::engine::rng::stream(members);
        for member in rt.member.iter_mut() {
            *member = rng.random::<f64>() < 0.4;
        }
        (rt, graph)
    }

    /// Best response with the learning set's rows built once per revision chooses as with
    /// the candidates worked out state by state (the plain loop), for states whose strategy is
    /// in the learning set and for states whose strategy is not (their candidates add it).
    #[test]
    fn shared_rows_choose_as_the_plain_loop() {
        let (rt, graph) = scrambled_members(5, 41);
        let nc = rt.machines.len() as u8;
        let (mut outside, mut changed) = (0, [0usize; 2]);
        for learn_set in [vec![0u8, 1, 2], (0..nc).collect(), vec![nc - 1, 0]] {
            let shared = CandidateRows::new(&rt, &learn_set).expect("rows");
            for i in 0..rt.strat.len() {
                let nb = &graph.neighbours[i][..];
                let k = rt.k[i];
                let with = best_response(&rt, (i, nb), &learn_set, Some(&shared), k);
                let without = best_response(&rt, (i, nb), &learn_set, None, k);
                let mut candidates = learn_set.clone();
                let inside = candidates.contains(&rt.strat[i]);
                if !inside {
                    candidates.push(rt.strat[i]);
                    outside += 1;
                }
                let values = candidate_values(&rt, i, nb, &candidates, k);
                let plain = best_of(rt.strat[i], &candidates, &values);
                assert_eq!(
                    (with, without),
                    (plain, plain),
                    "state {i}, set {learn_set:?}"
                );
                // changes by the shared rows (strategy in the set) count apart
                changed[usize::from(inside)] += usize::from(plain != rt.strat[i]);
            }
        }
        assert!(outside > 0, "no state outside the learning sets");
        assert!(
            changed[0] > 0 && changed[1] > 0,
            "changes outside and inside the sets: {changed:?}"
        );
    }

    /// The candidates side by side ([`CandidateRows`]) give every candidate's value to the last
    /// bit of the plain loop ([`candidate_values`]), on the world scenario's first issue with
    /// scrambled strategies, games, memberships and relative-gains weights, for candidate sets
    /// of every size up to [`LANES`] (and none beyond it).
    #[test]
    fn candidates_side_by_side_equal_the_plain_loop() {
        let (rt, graph) = scrambled_members(3, 31);
        let mut rng = crate::engine::rng::stream(31);
        let nc = rt.machines.len();
        assert!((2..=ROW_STRATEGIES).contains(&nc), "{nc} strategies");
        for size in 1..=LANES + 1 {
            let candidates: Vec<u8> = (0..size).map(|c| (c % nc) as u8).collect();
            let Some(rows) = CandidateRows::new(&rt, &candidates) else {
                assert!(size > LANES, "{size} candidates refused");
                continue;
            };
            for i in (0..rt.strat.len()).step_by(7) {
                let k = rng.random_range(0.0..0.8);
                let nb = &graph.neighbours[i];
                let plain = candidate_values(&rt, i, nb, &candidates, k);
                let fast = rows.values(&rt, i, nb, k)[..size].to_vec();
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fast), bits(&plain), "{size} candidates, state {i}");
            }
        }
    }
}
