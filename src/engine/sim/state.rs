//! The state of a run: who plays whom ([`Graph`]), the strategies in play ([`Catalogue`]) and
//! everything one issue keeps between rounds ([`IssueState`]): strategies, memberships, pair
//! memories, the regime, the issue's institutions, its tallies and its random streams (ODD 2,
//! "State variables"; ODD 5, initialisation).
//!
//! May import [`crate::model`], the engine's
//! [`rng`](crate::engine::rng) and [`world`](crate::engine::world) and the sibling modules of
//! [`super`].

use super::play::{PairState, Transitions, PAIR_START};
use super::tally::{LearningTally, NegotiationTally, RoundTally, RunTally};
use super::{LEARN_STREAM, NEGOTIATE_STREAM, PLAY_STREAM};
use crate::engine::rng::{derive_seed, stream, Stream};
use crate::engine::world::World;
use crate::model::game::Payoffs;
use crate::model::strategy::{expected_outcomes, noisy_outcome_path, Machine, PlayNoise, Strategy};
use crate::model::{self, RegimeTracker};
use crate::model::{CivilSocietyAccess, Issue, Rules, Scenario};
use rand::Rng;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Who plays whom: the interaction graph in the forms the steps need.
pub(super) struct Graph {
    /// Edges `(a, b)`, sorted, `a <= b` (`a == b`: lattice self-interaction).
    pub edges: Vec<(u32, u32)>,
    /// Each state's partners (without itself).
    pub neighbours: Vec<Vec<u32>>,
    /// Each state's incident edges: (edge, is side a).
    pub incident: Vec<Vec<(u32, bool)>>,
    /// Stage games each state plays per round and issue (self-interaction counts once).
    pub degree: Vec<u32>,
    /// Every state's partners are all other states, in index order (a complete graph).
    pub complete: bool,
}

impl Graph {
    /// The graph of `world`.
    pub fn new(world: &World) -> Self {
        let n = world.states.len();
        let edges = world.edges.clone();
        let neighbours = world.neighbours();
        let mut incident: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n];
        for (e, &(a, b)) in edges.iter().enumerate() {
            incident[a as usize].push((e as u32, true));
            if a != b {
                incident[b as usize].push((e as u32, false));
            }
        }
        let degree: Vec<u32> = incident.iter().map(|v| v.len() as u32).collect();
        let complete = is_complete(&neighbours);
        Graph {
            edges,
            neighbours,
            incident,
            degree,
            complete,
        }
    }
}

/// Whether every state's partners are all other states in index order.
fn is_complete(neighbours: &[Vec<u32>]) -> bool {
    let n = neighbours.len();
    neighbours.iter().enumerate().all(|(i, nb)| {
        nb.len() + 1 == n
            && nb
                .iter()
                .zip((0..n as u32).filter(|&j| j as usize != i))
                .all(|(&a, b)| a == b)
    })
}

/// The strategies of a run: the learning set and every initial strategy. States hold indices
/// into it.
pub(super) struct Catalogue {
    /// The strategies.
    pub strategies: Vec<Strategy>,
    /// Rank of each strategy by name (order-free tie-breaking in imitation, ODD 7.8).
    pub name_rank: Vec<u16>,
    /// Indices of the learning set (`[learning] strategies`).
    pub learn_set: Vec<u8>,
}

impl Catalogue {
    /// The learning set, then the states' initial strategies not in it, in order of states.
    pub fn new(scenario: &Scenario, world: &World) -> Self {
        let mut strategies: Vec<Strategy> = scenario.learning_strategies.clone();
        for s in &world.states {
            for st in s.strategies.iter() {
                if !strategies.contains(st) {
                    strategies.push(*st);
                }
            }
        }
        let name_rank: Vec<u16> = {
            let mut order: Vec<usize> = (0..strategies.len()).collect();
            order.sort_by_key(|&c| strategies[c].name());
            let mut rank = vec![0u16; strategies.len()];
            for (r, &c) in order.iter().enumerate() {
                rank[c] = r as u16;
            }
            rank
        };
        let learn_set: Vec<u8> = scenario
            .learning_strategies
            .iter()
            .map(|s| strategies.iter().position(|c| c == s).unwrap_or(0) as u8)
            .collect();
        Catalogue {
            strategies,
            name_rank,
            learn_set,
        }
    }

    /// The index of `strategy` (0 if absent).
    fn index(&self, strategy: &Strategy) -> u8 {
        self.strategies
            .iter()
            .position(|c| c == strategy)
            .unwrap_or(0) as u8
    }
}

/// An issue's institutions as they stand in the run (institutional shocks change them,
/// ODD 7.10): civil-society access, extra monitoring and the informal forum (ODD 7.4).
pub(super) struct Institutions {
    /// Civil-society access.
    pub access: CivilSocietyAccess,
    /// Monitoring added by institutional shocks.
    pub monitoring_extra: f64,
    /// The round the forum opens, if any.
    pub forum_from: Option<u64>,
    /// The forum's information (share of misperception it removes).
    pub forum_information: f64,
}

impl Institutions {
    /// Effective monitoring under `rules` (ODD 7.4).
    pub fn monitoring(&self, rules: &Rules) -> f64 {
        (rules.monitoring * self.access.monitoring_factor() + self.monitoring_extra).clamp(0.0, 1.0)
    }

    /// Misperception in `round` (ODD 7.4): reduced by an open forum.
    pub fn misperception(&self, base: f64, round: u64) -> f64 {
        let forum = self.forum_from.is_some_and(|f| round >= f);
        base * if forum {
            1.0 - self.forum_information
        } else {
            1.0
        }
    }
}

/// Everything one issue keeps between rounds.
pub(super) struct IssueState {
    /// The issue's base payoffs.
    pub base: Payoffs,
    /// Its institutions as they stand.
    pub institutions: Institutions,
    /// Weight of the sovereignty cost on this issue.
    pub sovereignty_weight: f64,
    /// Each state's relative-gains weight on this issue (ODD 7.2): the rule set's k times the
    /// issue's security stakes, diluted by the state's number of partners.
    pub k: Vec<f64>,
    /// The issue's base detection q (ODD 7.5).
    pub detection: f64,
    /// The issue's transaction cost of a cooperative move outside a treaty (ODD 7.1).
    pub transaction_cost: f64,
    /// Each state's persistent taste for membership of this issue's treaty: a logistic draw
    /// made once at set-up (ODD 7.9), the part of its value of membership the model does not
    /// explain.
    pub taste: Vec<f64>,
    /// The catalogue's strategy machines under this issue's payoffs.
    pub machines: Vec<Machine>,
    /// Expected outcome counts over a learning interval, [candidate * n + partner].
    pub outcome_table: Vec<[f64; 4]>,
    /// Outcome probabilities turn by turn outside a treaty, under the scenario's noise, over
    /// [`ANARCHY_HORIZON`] turns, [strategy * n + partner] (ODD 7.9: the outside option).
    pub anarchy_paths: Arc<AnarchyPaths>,
    /// Each state's strategy (catalogue index).
    pub strat: Vec<u8>,
    /// Each state's initial strategy.
    pub initial_strat: Vec<u8>,
    /// Each state's value of membership at the last negotiation, without decision noise
    /// (NaN before the first; full records only).
    pub membership_value: Vec<f64>,
    /// Each state's stage game.
    pub game: Vec<[f64; 4]>,
    /// Mean payoff table of each state's partners (cached; refreshed after shocks).
    pub partner: Vec<[f64; 4]>,
    /// Per edge: both machine states and both sides' treaty standing ([`PairState`]).
    /// Standing is as each side sees it (contrite reciprocity in the treaty): bit 0 own
    /// standing good, bit 1 partner's standing good.
    pub pair: Vec<PairState>,
    /// Each kind of pair's moves from each pair state, filled as needed.
    pub transitions: Transitions,
    /// Systematic cheating detected last round (known to all members this round).
    pub flagged: Vec<bool>,
    /// Each state's membership of the treaty.
    pub member: Vec<bool>,
    /// Each state's compliance disposition this round.
    pub comply: Vec<bool>,
    /// The regime's status, streaks and strength.
    pub regime: RegimeTracker,
    /// This round's counts.
    pub round: RoundTally,
    /// Counts since the last strategy revision.
    pub learning: LearningTally,
    /// Counts since the last negotiation.
    pub negotiation: NegotiationTally,
    /// Counts over the whole run.
    pub total: RunTally,
    /// Play stream.
    pub rng: Stream,
    /// Learning stream.
    pub learn_rng: Stream,
}

impl IssueState {
    /// Issue `ii` at the start of a run with seed `seed` (ODD 5).
    pub fn new(
        ii: usize,
        is: &Issue,
        (scenario, rules, world): (&Scenario, &Rules, &World),
        catalogue: &Catalogue,
        graph: &Graph,
        seed: u64,
    ) -> Self {
        let n = world.states.len();
        let machines: Vec<Machine> = catalogue
            .strategies
            .iter()
            .map(|s| s.machine(&is.payoffs))
            .collect();
        let outcome_table = outcome_table(&machines, scenario.learning.interval as usize);
        let noise = PlayNoise {
            implementation: scenario.noise.implementation,
            misperception: scenario.noise.misperception,
        };
        let anarchy_paths = cached_anarchy_paths(&machines, noise);
        let strat: Vec<u8> = world
            .states
            .iter()
            .map(|s| catalogue.index(&s.strategies[ii]))
            .collect();
        let member = model::initial_members(is, world);
        let regime = RegimeTracker::new(is, member.iter().any(|&m| m), rules);
        let game: Vec<[f64; 4]> = world
            .states
            .iter()
            .map(|s| model::stage_game(is, s, rules))
            .collect();
        let partner = partner_games(&game, &graph.neighbours);
        let k = graph
            .neighbours
            .iter()
            .map(|nb| model::relative_gains_weight(rules, nb.len(), is.security_stakes))
            .collect();
        let mut taste_rng = stream(derive_seed(seed, &[NEGOTIATE_STREAM, ii as u64]));
        let taste = tastes(&mut taste_rng, n, scenario.regime.decision_noise);
        IssueState {
            base: is.payoffs,
            institutions: Institutions {
                access: is.civil_society_access,
                monitoring_extra: 0.0,
                forum_from: is.forum.map(|f| {
                    f.from_year
                        .map_or(0, |y| (y - scenario.start_year).max(0) as u64)
                }),
                forum_information: is.forum.map_or(0.0, |f| f.information),
            },
            sovereignty_weight: is.sovereignty_weight,
            k,
            detection: is.detection,
            transaction_cost: is.transaction_cost,
            taste,
            machines,
            outcome_table,
            anarchy_paths,
            initial_strat: strat.clone(),
            membership_value: vec![f64::NAN; strat.len()],
            strat,
            game,
            partner,
            pair: vec![PAIR_START; graph.edges.len()],
            transitions: Transitions::new(catalogue.strategies.len()),
            flagged: vec![false; n],
            member,
            comply: vec![true; n],
            regime,
            round: RoundTally::new(n),
            learning: LearningTally::new(n),
            negotiation: NegotiationTally::default(),
            total: RunTally::new(n),
            rng: stream(derive_seed(seed, &[PLAY_STREAM, ii as u64])),
            learn_rng: stream(derive_seed(seed, &[LEARN_STREAM, ii as u64])),
        }
    }

    /// Recomputes every state's stage game and the partners' mean tables (after a shock to
    /// attributes).
    pub fn refresh_games(&mut self, is: &Issue, world: &World, rules: &Rules, graph: &Graph) {
        for (i, s) in world.states.iter().enumerate() {
            self.game[i] = model::stage_game(is, s, rules);
        }
        self.partner = partner_games(&self.game, &graph.neighbours);
    }

    /// How the treaty is enforced this round with effective monitoring `monitoring` (ODD 7.5).
    pub fn enforcement(&self, rules: &Rules, monitoring: f64) -> model::Enforcement {
        model::Enforcement::new(self.detection, monitoring, rules, self.transaction_cost)
    }

    /// Number of members.
    pub fn members(&self) -> u32 {
        self.member.iter().filter(|&&m| m).count() as u32
    }
}

/// Turns over which the outside option is valued (ODD 7.9): long enough for echoes of
/// retaliation to develop, and beyond which discounting leaves little (0.9^100 < 3e-5).
pub(super) const ANARCHY_HORIZON: usize = 100;

/// Outcome paths outside a treaty, [strategy * n + partner][turn].
pub type AnarchyPaths = Vec<Vec<[f64; 4]>>;

/// Anarchy paths already computed, by machines and noise. They depend on nothing else, and every
/// issue of every run of a scenario, sweep point or calibration particle builds the same ones:
/// on small worlds they were most of a run's cost. Bounded: emptied when it holds
/// [`PATH_CACHE_ENTRIES`] catalogues. A pure function's memo, so results cannot depend on it.
static PATH_CACHE: OnceLock<Mutex<HashMap<Vec<u64>, Arc<AnarchyPaths>>>> = OnceLock::new();
const PATH_CACHE_ENTRIES: usize = 64;

/// What an anarchy path depends on: the noise and each machine's used states, cooperation
/// probabilities and transitions.
fn path_key(machines: &[Machine], noise: PlayNoise) -> Vec<u64> {
    let mut key = vec![
        noise.implementation.to_bits(),
        noise.misperception.to_bits(),
    ];
    for m in machines {
        let k = m.states as usize;
        key.push(k as u64);
        key.extend(m.p_coop[..k].iter().map(|p| p.to_bits()));
        key.extend(m.next[..k * 4].iter().map(|&x| u64::from(x)));
    }
    key
}

/// [`anarchy_paths`], computed once per catalogue of machines and noise in the process.
fn cached_anarchy_paths(machines: &[Machine], noise: PlayNoise) -> Arc<AnarchyPaths> {
    let cache = PATH_CACHE.get_or_init(Default::default);
    let key = path_key(machines, noise);
    if let Some(p) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Arc::clone(p);
    }
    let paths = Arc::new(anarchy_paths(machines, noise));
    let mut c = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if c.len() >= PATH_CACHE_ENTRIES {
        c.clear();
    }
    c.insert(key, Arc::clone(&paths));
    paths
}

/// The outcome path of every pair of machines outside a treaty under `noise`.
fn anarchy_paths(machines: &[Machine], noise: PlayNoise) -> AnarchyPaths {
    let mut paths = Vec::with_capacity(machines.len() * machines.len());
    for a in machines {
        for b in machines {
            paths.push(noisy_outcome_path(a, b, ANARCHY_HORIZON, noise));
        }
    }
    paths
}

/// Each state's persistent taste for membership: a logistic draw with scale `scale`, one per
/// state in order (ODD 7.9).
fn tastes(rng: &mut Stream, n: usize, scale: f64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let u: f64 = rng.random::<f64>().clamp(1e-12, 1.0 - 1e-12);
            scale * libm::log(u / (1.0 - u))
        })
        .collect()
}

/// Expected outcome counts of every pair of machines over `interval` turns (ODD 7.8).
fn outcome_table(machines: &[Machine], interval: usize) -> Vec<[f64; 4]> {
    let nc = machines.len();
    let mut table = vec![[0.0; 4]; nc * nc];
    for a in 0..nc {
        for b in 0..nc {
            table[a * nc + b] = expected_outcomes(&machines[a], &machines[b], interval);
        }
    }
    table
}

/// Mean payoff table of each state's partners.
fn partner_games(game: &[[f64; 4]], neighbours: &[Vec<u32>]) -> Vec<[f64; 4]> {
    neighbours
        .iter()
        .map(|nb| model::mean_partner_game(game, nb))
        .collect()
}

/// Test support: an issue of `scenarios/world.toml` on `world`, with strategies and games
/// scrambled from `seed` so that every group and every discount factor appears in many orders
/// (the outside option's and best response's tests).
#[cfg(test)]
pub(super) fn scrambled_issue(world: &World, seed: u64) -> (IssueState, Graph) {
    let s = crate::io::scenario::load(std::path::Path::new("scenarios/world.toml"), &[])
        .expect("world scenario");
    let rules = &s.rule_sets[0].1;
    let graph = Graph::new(world);
    let catalogue = Catalogue::new(&s, world);
    let context = (&s, rules, world);
    let mut rt = IssueState::new(0, &s.issues[0], context, &catalogue, &graph, 7);
    let mut rng = crate::engine::rng::stream(seed);
    let nc = rt.machines.len() as u64;
    for i in 0..rt.strat.len() {
        rt.strat[i] = rng.random_range(0..nc) as u8;
        rt.game[i] = std::array::from_fn(|_| rng.random_range(-2.0..6.0));
    }
    (rt, graph)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::scenario;
    use crate::model::game::Payoffs;

    #[test]
    fn anarchy_paths_are_computed_once_per_catalogue_and_noise() {
        let payoffs = Payoffs {
            t: 5.0,
            r: 3.0,
            p: 1.0,
            s: 0.0,
        };
        let machines: Vec<Machine> = ["tit_for_tat", "grudger", "gtft", "defector"]
            .iter()
            .map(|name| Strategy::parse(name).expect("a strategy").machine(&payoffs))
            .collect();
        let noise = PlayNoise {
            implementation: 0.0123,
            misperception: 0.0456,
        };
        let first = cached_anarchy_paths(&machines, noise);
        assert_eq!(*first, anarchy_paths(&machines, noise));
        assert!(Arc::ptr_eq(&first, &cached_anarchy_paths(&machines, noise)));
        // another noise or another catalogue is another entry, with its own paths
        let quieter = PlayNoise {
            implementation: 0.0123,
            misperception: 0.0,
        };
        let other = cached_anarchy_paths(&machines, quieter);
        assert_eq!(*other, anarchy_paths(&machines, quieter));
        assert_ne!(*other, *first);
        let fewer = cached_anarchy_paths(&machines[..3], noise);
        assert_eq!(fewer.len(), 9);
        assert_eq!(*fewer, anarchy_paths(&machines[..3], noise));
    }

    /// The paths an issue takes from the process-wide cache are the ones it would compute
    /// itself, and the world scenario's issues share them (its eight issues have two sets of
    /// payoffs).
    #[test]
    fn cached_paths_are_each_issues_own() {
        let s = scenario::load(std::path::Path::new("scenarios/world.toml"), &[]).expect("world");
        let world = crate::engine::world::generate(&s, 5);
        let graph = Graph::new(&world);
        let catalogue = Catalogue::new(&s, &world);
        let noise = PlayNoise {
            implementation: s.noise.implementation,
            misperception: s.noise.misperception,
        };
        let mut shared = std::collections::BTreeSet::new();
        for (ii, is) in s.issues.iter().enumerate() {
            let rules = &s.rule_sets[0].1;
            let rt = IssueState::new(ii, is, (&s, rules, &world), &catalogue, &graph, 5);
            let own = anarchy_paths(&rt.machines, noise);
            let bits = |p: &AnarchyPaths| -> Vec<u64> {
                p.iter().flatten().flatten().map(|x| x.to_bits()).collect()
            };
            assert_eq!(bits(&rt.anarchy_paths), bits(&own), "issue {ii}");
            shared.insert(Arc::as_ptr(&rt.anarchy_paths) as usize);
        }
        assert!(shared.len() < s.issues.len(), "no issue shared its paths");
    }
}
