//! The outside option of a negotiation (ODD 7.9): what each state's strategy is expected to earn
//! against its partners' strategies outside any treaty, as a discounted per-round value.
//!
//! `anarchy_utility` (kept for the tests) is the plain computation, state by state over its
//! partners.
//! [`OutsideOption`] gives the same values to the last bit with less work where the plain
//! path repeats itself within one negotiation (issue 16, row 5: the partner loop was most of
//! a negotiation's time on the complete graph of 193 states):
//!
//! - on a complete graph every state's partners are all other states in index order, so the
//!   sums over a strategy group the state is not in are the same for every such state
//!   (formed once), and the sum over its own group is the group's prefix before it continued
//!   over the rest: the same additions in the same order as the plain loop;
//! - the discounted weights of an outcome path depend only on the path and the discount
//!   factor, so they are formed once per (path, discount) for the few discount factors a world
//!   usually has.
//!
//! May import [`crate::model`] and the sibling modules of [`super`].

use super::state::{Graph, IssueState};
use crate::model;

#[cfg(test)]
thread_local! {
    /// Tests switch the fast paths of [`OutsideOption`] off to compare with the plain ones.
    pub(super) static PLAIN_OUTSIDE_OPTION: std::cell::Cell<bool> =
        const { std::cell::Cell::new(false) };
}

/// Whether [`OutsideOption`] may use its fast paths (always, outside tests).
#[inline(always)]
fn fast_paths_enabled() -> bool {
    #[cfg(test)]
    {
        !PLAIN_OUTSIDE_OPTION.with(|c| c.get())
    }
    #[cfg(not(test))]
    {
        true
    }
}

/// Discount factors whose weights one negotiation keeps (a world drawn from blocs or read from
/// data has a handful; beyond this many the weights are formed state by state).
const MAX_DISCOUNTS: usize = 16;

/// The outside option of every state in one negotiation of an issue (`anarchy_utility`,
/// computed with the shortcuts described in the module's documentation).
pub(super) struct OutsideOption<'a> {
    rt: &'a IssueState,
    graph: &'a Graph,
    /// The strategy groups of a complete graph, `None` on any other graph.
    groups: Option<CompleteGroups>,
    /// Bits of the discount factors with cached weights.
    discounts: Vec<u64>,
    /// Discounted weights per (discount, path): `[discount * paths + path]`.
    weights: Vec<Option<[f64; 4]>>,
    /// Per strategy: partners in the group and their summed games (reused state by state).
    count: Vec<usize>,
    games: Vec<[f64; 4]>,
}

impl<'a> OutsideOption<'a> {
    /// The outside option of the states of `rt` on `graph` as they stand.
    pub fn new(rt: &'a IssueState, graph: &'a Graph) -> Self {
        let nc = rt.machines.len();
        let groups = (graph.complete && fast_paths_enabled()).then(|| CompleteGroups::new(rt));
        OutsideOption {
            rt,
            graph,
            groups,
            discounts: Vec::new(),
            weights: Vec::new(),
            count: vec![0; nc],
            games: vec![[0.0; 4]; nc],
        }
    }

    /// State `i`'s outside option with relative-gains weight `k` and discount factor
    /// `discount`: exactly `anarchy_utility`.
    pub fn utility(&mut self, i: usize, k: f64, discount: f64) -> Option<f64> {
        let rt = self.rt;
        let partners = &self.graph.neighbours[i];
        if partners.is_empty() {
            return None;
        }
        match &self.groups {
            Some(g) => g.sums(rt, i, &mut self.count, &mut self.games),
            None => group_sums(rt, partners, &mut self.count, &mut self.games),
        }
        let nc = rt.machines.len();
        let own = rt.strat[i] as usize;
        let mut total = 0.0;
        for s in 0..nc {
            if self.count[s] == 0 {
                continue;
            }
            let n = self.count[s] as f64;
            let mean = self.games[s].map(|g| g / n);
            let u = model::pair_utility(&rt.game[i], &mean, k);
            let q = self.weights(own * nc + s, discount);
            total += n * (q[0] * u[0] + q[1] * u[1] + q[2] * u[2] + q[3] * u[3]);
        }
        Some(total / partners.len() as f64)
    }

    /// [`discounted_outcomes`] of anarchy path `path` with `discount`, cached per discount.
    fn weights(&mut self, path: usize, discount: f64) -> [f64; 4] {
        let paths = self.rt.anarchy_paths.len();
        let bits = discount.to_bits();
        let class = match self.discounts.iter().position(|&d| d == bits) {
            Some(c) => c,
            None if self.discounts.len() < MAX_DISCOUNTS && fast_paths_enabled() => {
                self.discounts.push(bits);
                self.weights.resize(self.discounts.len() * paths, None);
                self.discounts.len() - 1
            }
            None => return discounted_outcomes(&self.rt.anarchy_paths[path], discount),
        };
        *self.weights[class * paths + path]
            .get_or_insert_with(|| discounted_outcomes(&self.rt.anarchy_paths[path], discount))
    }
}

/// The strategy groups of a complete graph: each strategy's states in index order and the
/// running sums of their games (`prefix[s][k]`: the first `k` states' games added in order
/// from zero), and each state's position in its own group.
struct CompleteGroups {
    members: Vec<Vec<u32>>,
    prefix: Vec<Vec<[f64; 4]>>,
    position: Vec<u32>,
}

impl CompleteGroups {
    fn new(rt: &IssueState) -> Self {
        let nc = rt.machines.len();
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); nc];
        let mut prefix: Vec<Vec<[f64; 4]>> = vec![vec![[0.0; 4]]; nc];
        let mut position = Vec::with_capacity(rt.strat.len());
        for (j, &s) in rt.strat.iter().enumerate() {
            let s = s as usize;
            position.push(members[s].len() as u32);
            members[s].push(j as u32);
            let last = prefix[s][prefix[s].len() - 1];
            prefix[s].push(add(last, rt.game[j]));
        }
        CompleteGroups {
            members,
            prefix,
            position,
        }
    }

    /// State `i`'s partners per strategy and their summed games, as [`group_sums`] forms them
    /// over all other states in index order.
    fn sums(&self, rt: &IssueState, i: usize, count: &mut [usize], games: &mut [[f64; 4]]) {
        let own = rt.strat[i] as usize;
        for (s, group) in self.members.iter().enumerate() {
            let sums = &self.prefix[s];
            if s != own {
                count[s] = group.len();
                games[s] = sums[group.len()];
                continue;
            }
            let p = self.position[i] as usize;
            let mut g = sums[p];
            for &j in &group[p + 1..] {
                g = add(g, rt.game[j as usize]);
            }
            count[s] = group.len() - 1;
            games[s] = g;
        }
    }
}

/// Component-wise sum, in the order the plain loop adds.
#[inline(always)]
fn add(mut g: [f64; 4], x: [f64; 4]) -> [f64; 4] {
    for (g, x) in g.iter_mut().zip(x) {
        *g += x;
    }
    g
}

/// State i's partners per strategy and their summed games, partner by partner in order.
fn group_sums(rt: &IssueState, partners: &[u32], count: &mut [usize], games: &mut [[f64; 4]]) {
    count.fill(0);
    games.fill([0.0; 4]);
    for &j in partners {
        let s = rt.strat[j as usize] as usize;
        count[s] += 1;
        games[s] = add(games[s], rt.game[j as usize]);
    }
}

/// What state i's strategy is expected to earn per interaction against its partners'
/// strategies outside any treaty, with implementation noise and misperception, as a
/// discounted per-round value with its own discount factor: the outside option of every
/// state, member or not (ODD 7.9). Partners are grouped by strategy: utility is linear in the
/// partner's payoffs, so a group plays as its mean payoff table. The plain path of
/// [`OutsideOption::utility`].
#[cfg(test)]
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

#[cfg(test)]
mod tests {
    use super::super::state::scrambled_issue;
    use super::*;
    use crate::io::scenario;
    use rand::Rng;

    /// On a complete graph (and on a regional one, where the groups are not used), every
    /// state's outside option through [`OutsideOption`] equals [`anarchy_utility`] to the last
    /// bit, with a few discount factors (cached) and with one per state (beyond the cache).
    #[test]
    fn the_outside_option_equals_the_plain_computation() {
        for (kind, seed) in [("complete", 1), ("regional", 2)] {
            let sets = [format!("topology.kind=\"{kind}\"")];
            let s = scenario::load(std::path::Path::new("scenarios/world.toml"), &sets)
                .expect("world scenario");
            let world = crate::engine::world::generate(&s, seed);
            let (rt, graph) = scrambled_issue(&world, seed);
            assert_eq!(graph.complete, kind == "complete");
            let mut fast = OutsideOption::new(&rt, &graph);
            let mut rng = crate::engine::rng::stream(seed + 10);
            let few = [0.9, 0.95, 0.5];
            for i in 0..rt.strat.len() {
                let k = rng.random_range(0.0..0.5);
                for discount in [few[i % 3], rng.random_range(0.05..0.99)] {
                    let plain = anarchy_utility(&rt, i, &graph.neighbours[i], k, discount);
                    let got = fast.utility(i, k, discount);
                    assert_eq!(
                        got.map(f64::to_bits),
                        plain.map(f64::to_bits),
                        "{kind}: state {i}"
                    );
                }
            }
            assert_eq!(
                fast.discounts.len(),
                MAX_DISCOUNTS,
                "{kind}: cache not full"
            );
        }
    }

    /// The complete graph's group sums are the plain loop's sums (the test above would also
    /// fail, but this one names the group).
    #[test]
    fn complete_groups_sum_like_the_partner_loop() {
        let s = scenario::load(std::path::Path::new("scenarios/world.toml"), &[]).expect("world");
        let world = crate::engine::world::generate(&s, 3);
        let (rt, graph) = scrambled_issue(&world, 3);
        let groups = CompleteGroups::new(&rt);
        let nc = rt.machines.len();
        let (mut c1, mut g1) = (vec![0; nc], vec![[0.0; 4]; nc]);
        let (mut c2, mut g2) = (vec![0; nc], vec![[0.0; 4]; nc]);
        for i in 0..rt.strat.len() {
            groups.sums(&rt, i, &mut c1, &mut g1);
            group_sums(&rt, &graph.neighbours[i], &mut c2, &mut g2);
            assert_eq!(c1, c2, "state {i}");
            for s in 0..nc {
                assert_eq!(
                    g1[s].map(f64::to_bits),
                    g2[s].map(f64::to_bits),
                    "state {i}, {s}"
                );
            }
        }
    }
}
