//! World generation: draws the states of a replicate and who plays whom (ODD 5 and 7.11).
//!
//! A world is drawn once per replicate from its own stream, so every rule set of a replicate
//! plays in the same world (common random numbers). The types are the model's
//! ([`crate::model::world`]); this module may import the model and `engine::rng`, nothing from
//! `io`, `analysis`, `plot` or clap.

use crate::engine::rng::{derive_seed, normal, pareto, stream, Stream};
use crate::model::population::{Bloc, Dist, StateTemplate, StrategyMix};
use crate::model::scenario::Scenario;
use crate::model::strategy::Strategy;
use crate::model::world::TopologyKind;
pub use crate::model::world::{IssueStrategies, State, StateName, World};
use rand::Rng;
use std::sync::Arc;

/// Stream label of world generation within a run seed.
pub const WORLD_STREAM: u64 = 1;

fn draw(d: &Dist, lo: f64, hi: f64, rng: &mut Stream) -> f64 {
    let x = match *d {
        Dist::Constant(x) => x,
        Dist::Uniform([a, b]) => {
            if a == b {
                a
            } else {
                rng.random_range(a..=b)
            }
        }
        Dist::Normal { mean, sd } => {
            if sd == 0.0 {
                mean
            } else {
                normal(rng, mean, sd)
            }
        }
        Dist::Pareto { scale, shape } => pareto(rng, scale, shape),
    };
    x.clamp(lo, hi)
}

/// A strategy mix with its names parsed once per bloc, not once per state drawn.
enum Mix {
    /// One strategy for every state (no draw).
    One(Strategy),
    /// Shares in the mix's order, with their sum in that order.
    Shares(f64, Vec<(Strategy, f64)>),
}

impl Mix {
    fn of(m: &StrategyMix) -> Mix {
        // Validated when the scenario was read.
        let parse = |s: &str| Strategy::parse(s).unwrap_or(Strategy::TitForTat);
        match m {
            StrategyMix::One(s) => Mix::One(parse(s)),
            StrategyMix::Mix(map) => Mix::Shares(
                map.values().sum(),
                map.iter()
                    .map(|(name, &share)| (parse(name), share))
                    .collect(),
            ),
        }
    }

    /// A state's strategy: the first whose cumulative share exceeds a uniform draw.
    fn draw(&self, rng: &mut Stream) -> Strategy {
        match self {
            Mix::One(s) => *s,
            Mix::Shares(total, shares) => {
                let u: f64 = rng.random::<f64>() * total;
                let mut acc = 0.0;
                let mut last = Strategy::TitForTat;
                for &(strategy, share) in shares {
                    last = strategy;
                    acc += share;
                    if u < acc {
                        return last;
                    }
                }
                last
            }
        }
    }
}

/// A bloc's mixes, parsed: its base mix, and per scenario issue its own mix if it has one.
struct BlocMixes {
    base: Mix,
    per_issue: Vec<Option<Mix>>,
}

impl BlocMixes {
    fn of(b: &Bloc, issues: &[&str]) -> BlocMixes {
        BlocMixes {
            base: Mix::of(&b.strategy),
            per_issue: issues
                .iter()
                .map(|i| b.strategies.get(*i).map(Mix::of))
                .collect(),
        }
    }
}

/// Draws the world of a replicate: states (listed, from CSV, then blocs, in that order),
/// power normalised to shares, and the interaction graph.
pub fn generate(scenario: &Scenario, run_seed: u64) -> World {
    let mut rng = stream(derive_seed(run_seed, &[WORLD_STREAM]));
    let issues: Vec<&str> = scenario.issues.iter().map(|i| i.name.as_str()).collect();
    let mut groups: Vec<String> = Vec::new();
    let group_index = |g: &str, groups: &mut Vec<String>| -> usize {
        match groups.iter().position(|x| x == g) {
            Some(i) => i,
            None => {
                groups.push(g.to_string());
                groups.len() - 1
            }
        }
    };
    let mut states = Vec::with_capacity(scenario.state_count() as usize);
    for s in &scenario.states.fixed {
        let g = group_index(&s.group, &mut groups);
        states.push(from_template(s, g, &issues));
    }
    for b in &scenario.states.blocs {
        let g = group_index(&b.group, &mut groups);
        let shared = (Arc::from(b.group.as_str()), Arc::from(b.region.as_str()));
        let mixes = BlocMixes::of(b, &issues);
        for k in 0..b.count as usize {
            states.push(draw_state(b, (k, g), &shared, &mixes, &mut rng));
        }
    }
    let total: f64 = states.iter().map(|s| s.power).sum();
    for s in &mut states {
        s.power /= total;
    }
    let edges = topology(scenario, &states, &mut rng);
    let fora = fora(scenario, &states);
    World {
        states,
        groups,
        edges,
        fora,
    }
}

/// Each state's fora as indices (fora numbered in order of first appearance), from the
/// scenario's (forum, state) memberships; names were checked when the scenario was read.
fn fora(scenario: &Scenario, states: &[State]) -> Vec<Vec<u32>> {
    if scenario.fora.is_empty() {
        return Vec::new();
    }
    let mut of_state = vec![Vec::new(); states.len()];
    let index: std::collections::HashMap<String, usize> = states
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.to_string(), i))
        .collect();
    let mut names: Vec<&str> = Vec::new();
    for (forum, state) in &scenario.fora {
        let f = names.iter().position(|n| n == forum).unwrap_or_else(|| {
            names.push(forum);
            names.len() - 1
        });
        if let Some(&i) = index.get(state) {
            of_state[i].push(f as u32);
        }
    }
    of_state
}

/// Draws the `k`-th state of a bloc in group `g` (attributes in a fixed order, then
/// strategies); `(prefix, region)` are the bloc's group and region, shared by its states,
/// `mixes` its strategy mixes, parsed.
fn draw_state(
    b: &Bloc,
    (k, g): (usize, usize),
    (prefix, region): &(Arc<str>, Arc<str>),
    mixes: &BlocMixes,
    rng: &mut Stream,
) -> State {
    let name = match b.names.get(k) {
        Some(given) => StateName::from(given.as_str()),
        None => StateName::Numbered {
            prefix: prefix.clone(),
            number: k as u32 + 1,
        },
    };
    let power = draw(&b.power, 1e-9, f64::MAX, rng);
    let position = draw(&b.position, -1.0, 1.0, rng);
    let security = draw(&b.security, 0.0, 1.0, rng);
    let economy = draw(&b.economy, 0.0, 1.0, rng);
    let rights = draw(&b.rights, 0.0, 1.0, rng);
    let sovereignty_cost = draw(&b.sovereignty_cost, 0.0, f64::MAX, rng);
    let discount = draw(&b.discount, 0.001, 0.999, rng);
    let base = mixes.base.draw(rng);
    let strategies = mixes
        .per_issue
        .iter()
        .map(|m| m.as_ref().map_or(base, |m| m.draw(rng)))
        .collect();
    State {
        name,
        group: g,
        region: region.clone(),
        power,
        position,
        security,
        economy,
        rights,
        sovereignty_cost,
        discount,
        strategies,
    }
}

/// A listed state, with its per-issue strategies (validated when the scenario was read).
fn from_template(s: &StateTemplate, group: usize, issues: &[&str]) -> State {
    let base = Strategy::parse(&s.strategy).unwrap_or(Strategy::TitForTat);
    State {
        name: StateName::from(s.name.as_str()),
        group,
        region: Arc::from(s.region.as_str()),
        power: s.power,
        position: s.position,
        security: s.security,
        economy: s.economy,
        rights: s.rights,
        sovereignty_cost: s.sovereignty_cost,
        discount: s.discount,
        strategies: issues
            .iter()
            .map(|i| {
                s.strategies
                    .get(*i)
                    .and_then(|x| Strategy::parse(x).ok())
                    .unwrap_or(base)
            })
            .collect(),
    }
}

/// Builds the interaction graph (ODD 7.11). Random graphs draw from the world stream in a
/// fixed order (pairs in lexicographic order), so graphs are reproducible.
fn topology(scenario: &Scenario, states: &[State], rng: &mut Stream) -> Vec<(u32, u32)> {
    let n = states.len();
    let t = &scenario.topology;
    let mut edges = match t.kind {
        TopologyKind::Complete => all_pairs(n, &mut |_, _| true),
        TopologyKind::Regional => {
            let p = t.cross_region_probability.unwrap_or(0.0);
            all_pairs(n, &mut |i, j| {
                states[i].region == states[j].region || rng.random::<f64>() < p
            })
        }
        TopologyKind::Random => {
            let p = t.probability.unwrap_or(0.0);
            all_pairs(n, &mut |_, _| rng.random::<f64>() < p)
        }
        TopologyKind::ScaleFree => scale_free(n, t.links_per_node.unwrap_or(1) as usize, rng),
        TopologyKind::Lattice => lattice(
            t.width.unwrap_or(0) as usize,
            t.height.unwrap_or(0) as usize,
            t.self_interaction.unwrap_or(false),
        ),
        TopologyKind::EdgeList => listed(states, &scenario.edges),
    };
    if t.kind != TopologyKind::Lattice {
        edges.sort_unstable();
        edges.dedup();
    }
    edges
}

/// The pairs i < j that `keep` accepts, in lexicographic order.
fn all_pairs(n: usize, keep: &mut dyn FnMut(usize, usize) -> bool) -> Vec<(u32, u32)> {
    let mut e = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if keep(i, j) {
                e.push((i as u32, j as u32));
            }
        }
    }
    e
}

/// Barabasi-Albert: a complete core of m + 1 states, then each new state links to m distinct
/// existing states chosen with probability proportional to degree.
fn scale_free(n: usize, m: usize, rng: &mut Stream) -> Vec<(u32, u32)> {
    let mut edges = Vec::new();
    let mut ends: Vec<u32> = Vec::new();
    for i in 0..=m.min(n - 1) {
        for j in i + 1..=m.min(n - 1) {
            edges.push((i as u32, j as u32));
            ends.push(i as u32);
            ends.push(j as u32);
        }
    }
    for new in m + 1..n {
        let mut chosen: Vec<u32> = Vec::with_capacity(m);
        while chosen.len() < m {
            let k = rng.random_range(0..ends.len() as u64) as usize;
            let target = ends[k];
            if !chosen.contains(&target) {
                chosen.push(target);
            }
        }
        for &c in &chosen {
            edges.push((c, new as u32));
            ends.push(c);
            ends.push(new as u32);
        }
    }
    edges
}

/// Square torus, Moore neighbourhood (8 neighbours), states in row-major order; with
/// `self_interaction` every state also plays itself (Nowak & May 1992). The pairs come sorted
/// and without repeats (each state's partners with a larger or equal index, in order), as
/// sorting and deduplicating every state's four forward links would give them.
fn lattice(w: usize, h: usize, self_interaction: bool) -> Vec<(u32, u32)> {
    let mut edges = Vec::with_capacity(w * h * (4 + usize::from(self_interaction)));
    let mut partners: Vec<usize> = Vec::with_capacity(9);
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            partners.clear();
            if self_interaction {
                partners.push(i);
            }
            for (dx, dy) in [(1, 0), (1, 1), (0, 1), (w - 1, 1)] {
                let forward = ((y + dy) % h) * w + (x + dx) % w;
                let backward = ((y + h - dy % h) % h) * w + (x + w - dx % w) % w;
                partners.extend([forward, backward].into_iter().filter(|&j| j >= i));
            }
            partners.sort_unstable();
            partners.dedup();
            edges.extend(partners.iter().map(|&j| (i as u32, j as u32)));
        }
    }
    edges
}

/// The edges of an edge list, by state name (self-links dropped).
fn listed(states: &[State], pairs: &[(String, String)]) -> Vec<(u32, u32)> {
    let index = |name: &str| states.iter().position(|s| s.name == name);
    let mut edges = Vec::new();
    for (a, b) in pairs {
        if let (Some(i), Some(j)) = (index(a), index(b)) {
            if i != j {
                edges.push((i.min(j) as u32, i.max(j) as u32));
            }
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::scenario;
    use std::path::Path;

    fn scen(extra: &str, n: usize) -> Scenario {
        let text = format!(
            r#"
name = "t"
rounds = 3
{extra}
[[blocs]]
group = "g"
region = "r"
count = {n}
power = {{ pareto = {{ scale = 1.0, shape = 1.5 }} }}
position = {{ uniform = [-1.0, 1.0] }}
security = 0.5
economy = 0.5
rights = 0.5
sovereignty_cost = 1.0
discount = 0.9
strategy = {{ tit_for_tat = 0.5, defector = 0.5 }}
[[issues]]
name = "labour"
payoffs = {{ t = 5.0, r = 3.0, p = 1.0, s = 0.0 }}
"#
        );
        scenario::parse(&text, "t.toml", Path::new("."), &[]).unwrap()
    }

    #[test]
    fn lattice_has_moore_neighbourhoods() {
        let s = scen(
            "[topology]\nkind = \"lattice\"\nwidth = 5\nheight = 4\nself_interaction = true",
            20,
        );
        let w = generate(&s, 1);
        let nb = w.neighbours();
        assert!(nb.iter().all(|x| x.len() == 8));
        assert_eq!(w.edges.iter().filter(|(a, b)| a == b).count(), 20);
    }

    /// The lattice's pairs, formed in order, are the sorted, deduplicated forward links of
    /// every state (the construction they replace), on tori down to 1 x 1.
    #[test]
    fn lattice_pairs_come_sorted_as_sorting_would_give_them() {
        let sorted_forward_links = |w: usize, h: usize, self_interaction: bool| {
            let mut edges = Vec::new();
            for i in 0..w * h {
                let (x, y) = (i % w, i / w);
                if self_interaction {
                    edges.push((i as u32, i as u32));
                }
                for (dx, dy) in [(1, 0), (1, 1), (0, 1), (w - 1, 1)] {
                    let j = ((y + dy) % h) * w + (x + dx) % w;
                    edges.push((i.min(j) as u32, i.max(j) as u32));
                }
            }
            edges.sort_unstable();
            edges.dedup();
            edges
        };
        for (w, h) in [
            (1, 1),
            (1, 4),
            (2, 2),
            (2, 5),
            (3, 3),
            (4, 3),
            (5, 7),
            (30, 20),
        ] {
            for self_interaction in [false, true] {
                assert_eq!(
                    lattice(w, h, self_interaction),
                    sorted_forward_links(w, h, self_interaction),
                    "{w} x {h}, self {self_interaction}"
                );
            }
        }
    }

    #[test]
    fn complete_and_scale_free_graphs() {
        let s = scen("", 10);
        let w = generate(&s, 1);
        assert_eq!(w.edges.len(), 45);
        let total: f64 = w.states.iter().map(|s| s.power).sum();
        assert!((total - 1.0).abs() < 1e-12);
        let sf = scen("[topology]\nkind = \"scale_free\"\nlinks_per_node = 2", 50);
        let w = generate(&sf, 3);
        // core of 3 states (3 edges) plus 2 edges per later state
        assert_eq!(w.edges.len(), 3 + 2 * 47);
        assert!(w.neighbours().iter().all(|x| x.len() >= 2));
    }

    #[test]
    fn worlds_are_reproducible_and_seed_dependent() {
        let s = scen("", 30);
        assert_eq!(generate(&s, 5).states, generate(&s, 5).states);
        assert_ne!(generate(&s, 5).states, generate(&s, 6).states);
    }
}
