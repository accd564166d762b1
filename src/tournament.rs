//! Round-robin tournaments of repeated-game strategies, as in Axelrod-Python (every unordered
//! pair once, self-play included), with implementation noise.
//!
//! A match is scored from its outcome counts (CC, CD, DC, DD), so scores are exact and do not
//! depend on the order of summation. Deterministic matches without noise are finite-state
//! systems: the engine follows the joint machine state until it repeats and then extends the
//! cycle arithmetically, which gives exactly the counts of turn-by-turn play.

use crate::game::{Action, Payoffs};
use crate::rng::{derive_seed, stream, threshold, Stream};
use crate::strategy::{Machine, Strategy, MAX_STATES};
use rand::RngCore;
use rayon::prelude::*;

/// Settings of a tournament.
#[derive(Debug, Clone)]
pub struct TournamentConfig {
    /// The players (distinct strategies).
    pub strategies: Vec<Strategy>,
    /// Turns per match.
    pub turns: u64,
    /// Repetitions of every match.
    pub reps: u32,
    /// Probability that an intended move is flipped.
    pub noise: f64,
    /// The stage game.
    pub payoffs: Payoffs,
    /// Master seed.
    pub seed: u64,
    /// Keep every turn's actions (for `actions.csv` and cross-checks).
    pub record_actions: bool,
}

/// The result of one match repetition.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchResult {
    /// Index of the first player.
    pub a: usize,
    /// Index of the second player (>= a).
    pub b: usize,
    /// Repetition, 0-based.
    pub rep: u32,
    /// Turns ending CC, CD, DC, DD from `a`'s view.
    pub outcomes: [u64; 4],
    /// Every turn's actions, when recorded.
    pub actions: Option<Vec<(Action, Action)>>,
}

impl MatchResult {
    /// Total payoff of player a.
    pub fn score_a(&self, g: &Payoffs) -> f64 {
        score(self.outcomes, g)
    }
    /// Total payoff of player b.
    pub fn score_b(&self, g: &Payoffs) -> f64 {
        let [cc, cd, dc, dd] = self.outcomes;
        score([cc, dc, cd, dd], g)
    }
    /// Turns a cooperated.
    pub fn cooperations_a(&self) -> u64 {
        self.outcomes[0] + self.outcomes[1]
    }
    /// Turns b cooperated.
    pub fn cooperations_b(&self) -> u64 {
        self.outcomes[0] + self.outcomes[2]
    }
}

fn score(o: [u64; 4], g: &Payoffs) -> f64 {
    o[0] as f64 * g.r + o[1] as f64 * g.s + o[2] as f64 * g.t + o[3] as f64 * g.p
}

/// One line of the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct RankRow {
    /// 1-based rank by mean score per turn.
    pub rank: usize,
    /// Strategy name.
    pub strategy: String,
    /// Mean payoff per turn over all its matches.
    pub mean_score_per_turn: f64,
    /// Total payoff.
    pub total_score: f64,
    /// Share of its turns it cooperated.
    pub cooperation: f64,
    /// Matches (excluding self-play) it scored more than its partner.
    pub wins: u64,
    /// Matches it played (repetitions counted).
    pub matches: u64,
}

/// A finished tournament.
#[derive(Debug, Clone)]
pub struct Tournament {
    /// The configuration it ran.
    pub config: TournamentConfig,
    /// Every match repetition, ordered by (a, b, rep).
    pub matches: Vec<MatchResult>,
}

#[inline]
fn decide(m: &Machine, state: u8, rng: &mut Stream) -> Action {
    let t = m.coop_threshold[state as usize];
    if t == 0 {
        Action::D
    } else if t >= 1 << 32 || (rng.next_u32() as u64) < t {
        Action::C
    } else {
        Action::D
    }
}

/// Plays one match turn by turn. Random numbers are drawn in a fixed order each turn: a's
/// choice (if it randomises), b's choice (if it randomises), a's noise, b's noise.
pub fn play_match(
    ma: &Machine,
    mb: &Machine,
    turns: u64,
    noise: f64,
    rng: &mut Stream,
    record: Option<&mut Vec<(Action, Action)>>,
) -> [u64; 4] {
    if threshold(noise) == 0 && ma.deterministic && mb.deterministic && record.is_none() {
        return play_deterministic(ma, mb, turns);
    }
    play_turns(ma, mb, turns, noise, rng, record)
}

/// Plays one match turn by turn, whatever the strategies (the reference implementation the
/// cycle-skipping fast path is tested against, and the engine for noisy or stochastic play).
pub fn play_turns(
    ma: &Machine,
    mb: &Machine,
    turns: u64,
    noise: f64,
    rng: &mut Stream,
    mut record: Option<&mut Vec<(Action, Action)>>,
) -> [u64; 4] {
    let noise_t = threshold(noise);
    let mut counts = [0u64; 4];
    let (mut sa, mut sb) = (0u8, 0u8);
    for _ in 0..turns {
        let mut a = decide(ma, sa, rng);
        let mut b = decide(mb, sb, rng);
        if noise_t > 0 {
            if (rng.next_u32() as u64) < noise_t {
                a = a.flip();
            }
            if (rng.next_u32() as u64) < noise_t {
                b = b.flip();
            }
        }
        counts[a.index() * 2 + b.index()] += 1;
        if let Some(r) = record.as_deref_mut() {
            r.push((a, b));
        }
        sa = ma.step(sa, a, b);
        sb = mb.step(sb, b, a);
    }
    counts
}

/// Exact outcome counts of a deterministic match by cycle detection on the joint state.
pub fn play_deterministic(ma: &Machine, mb: &Machine, turns: u64) -> [u64; 4] {
    let mut seen = [[u64::MAX; MAX_STATES]; MAX_STATES];
    // outcome index of each turn until the cycle closes (at most 64 distinct joint states)
    let mut path: Vec<u8> = Vec::with_capacity(MAX_STATES * MAX_STATES);
    let (mut sa, mut sb) = (0u8, 0u8);
    let mut t = 0u64;
    while t < turns {
        let first = seen[sa as usize][sb as usize];
        if first != u64::MAX {
            let mut counts = [0u64; 4];
            for &o in &path[..first as usize] {
                counts[o as usize] += 1;
            }
            let cycle = &path[first as usize..];
            let len = cycle.len() as u64;
            let remaining = turns - first;
            let full = remaining / len;
            let rest = (remaining % len) as usize;
            for (k, &o) in cycle.iter().enumerate() {
                counts[o as usize] += full + u64::from(k < rest);
            }
            return counts;
        }
        seen[sa as usize][sb as usize] = t;
        let a = ma.certain_move(sa);
        let b = mb.certain_move(sb);
        path.push((a.index() * 2 + b.index()) as u8);
        sa = ma.step(sa, a, b);
        sb = mb.step(sb, b, a);
        t += 1;
    }
    let mut counts = [0u64; 4];
    for &o in &path {
        counts[o as usize] += 1;
    }
    counts
}

impl TournamentConfig {
    /// The (a, b) index pairs of the round robin, self-play included, in output order.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        let n = self.strategies.len();
        (0..n).flat_map(|a| (a..n).map(move |b| (a, b))).collect()
    }

    /// Total pair-rounds (turns over all matches and repetitions).
    pub fn pair_rounds(&self) -> u64 {
        self.pairs().len() as u64 * self.reps as u64 * self.turns
    }
}

/// Runs the tournament. Each (pair, repetition) has its own random stream derived from the
/// master seed, so the result does not depend on the thread count.
pub fn run(config: &TournamentConfig) -> Tournament {
    let machines: Vec<Machine> = config
        .strategies
        .iter()
        .map(|s| s.machine(&config.payoffs))
        .collect();
    let pairs = config.pairs();
    let units: Vec<(usize, u32)> = (0..pairs.len())
        .flat_map(|p| (0..config.reps).map(move |r| (p, r)))
        .collect();
    let matches: Vec<MatchResult> = units
        .par_iter()
        .with_min_len(64)
        .map(|&(p, rep)| {
            let (a, b) = pairs[p];
            let mut rng = stream(derive_seed(config.seed, &[p as u64, rep as u64]));
            let mut actions = config.record_actions.then(Vec::new);
            let outcomes = play_match(
                &machines[a],
                &machines[b],
                config.turns,
                config.noise,
                &mut rng,
                actions.as_mut(),
            );
            MatchResult {
                a,
                b,
                rep,
                outcomes,
                actions,
            }
        })
        .collect();
    Tournament {
        config: config.clone(),
        matches,
    }
}

impl Tournament {
    /// Ranking by mean score per turn (ties broken by name).
    pub fn ranking(&self) -> Vec<RankRow> {
        let g = &self.config.payoffs;
        let n = self.config.strategies.len();
        let mut total = vec![0.0; n];
        let mut coop = vec![0u64; n];
        let mut turns = vec![0u64; n];
        let mut wins = vec![0u64; n];
        let mut played = vec![0u64; n];
        for m in &self.matches {
            let (sa, sb) = (m.score_a(g), m.score_b(g));
            let t = self.config.turns;
            total[m.a] += sa;
            coop[m.a] += m.cooperations_a();
            turns[m.a] += t;
            played[m.a] += 1;
            if m.a != m.b {
                total[m.b] += sb;
                coop[m.b] += m.cooperations_b();
                turns[m.b] += t;
                played[m.b] += 1;
                if sa > sb {
                    wins[m.a] += 1;
                } else if sb > sa {
                    wins[m.b] += 1;
                }
            }
        }
        let mut rows: Vec<RankRow> = (0..n)
            .map(|i| RankRow {
                rank: 0,
                strategy: self.config.strategies[i].name(),
                mean_score_per_turn: if turns[i] > 0 {
                    total[i] / turns[i] as f64
                } else {
                    0.0
                },
                total_score: total[i],
                cooperation: if turns[i] > 0 {
                    coop[i] as f64 / turns[i] as f64
                } else {
                    0.0
                },
                wins: wins[i],
                matches: played[i],
            })
            .collect();
        rows.sort_by(|x, y| {
            y.mean_score_per_turn
                .total_cmp(&x.mean_score_per_turn)
                .then_with(|| x.strategy.cmp(&y.strategy))
        });
        for (k, r) in rows.iter_mut().enumerate() {
            r.rank = k + 1;
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(names: &[&str], turns: u64, noise: f64) -> TournamentConfig {
        TournamentConfig {
            strategies: names.iter().map(|n| Strategy::parse(n).unwrap()).collect(),
            turns,
            reps: 2,
            noise,
            payoffs: Payoffs::STANDARD,
            seed: 7,
            record_actions: false,
        }
    }

    #[test]
    fn cycle_skipping_equals_turn_by_turn_play() {
        let all = [
            "cooperator",
            "defector",
            "tit_for_tat",
            "grudger",
            "win_stay_lose_shift",
            "tit_for_two_tats",
            "suspicious_tit_for_tat",
            "alternator",
            "memory_one(0,1,1,0,D)",
        ];
        let g = Payoffs::STANDARD;
        let mut rng = stream(1);
        for a in all {
            for b in all {
                let ma = Strategy::parse(a).unwrap().machine(&g);
                let mb = Strategy::parse(b).unwrap().machine(&g);
                for turns in [0, 1, 2, 3, 7, 200, 1001] {
                    let mut rec = Vec::new();
                    let slow = play_match(&ma, &mb, turns, 0.0, &mut rng, Some(&mut rec));
                    let fast = play_deterministic(&ma, &mb, turns);
                    assert_eq!(slow, fast, "{a} vs {b}, {turns} turns");
                    assert_eq!(rec.len() as u64, turns);
                }
            }
        }
    }

    #[test]
    fn known_scores_over_200_turns() {
        let t = run(&cfg(&["tit_for_tat", "defector", "alternator"], 200, 0.0));
        let g = Payoffs::STANDARD;
        let find = |a: usize, b: usize| t.matches.iter().find(|m| m.a == a && m.b == b).unwrap();
        // TFT vs ALLD: CD once, then DD: 0 + 199 * 1 for TFT, 5 + 199 for ALLD.
        assert_eq!(find(0, 1).score_a(&g), 199.0);
        assert_eq!(find(0, 1).score_b(&g), 204.0);
        // TFT vs itself: mutual cooperation.
        assert_eq!(find(0, 0).score_a(&g), 600.0);
        // ALLD vs alternator: T on C turns (100), P on D turns (100).
        assert_eq!(find(1, 2).score_a(&g), 600.0);
        assert_eq!(t.matches.len(), 6 * 2);
    }

    #[test]
    fn noisy_tournament_is_reproducible_and_thread_independent() {
        let c = cfg(
            &["tit_for_tat", "gtft", "random", "win_stay_lose_shift"],
            100,
            0.05,
        );
        let a = run(&c);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = one.install(|| run(&c));
        assert_eq!(a.matches, b.matches);
        // noise actually changes something
        let clean = run(&cfg(
            &["tit_for_tat", "gtft", "random", "win_stay_lose_shift"],
            100,
            0.0,
        ));
        assert_ne!(a.matches, clean.matches);
    }

    #[test]
    fn ranking_puts_defector_first_against_suckers() {
        let t = run(&cfg(&["cooperator", "defector"], 10, 0.0));
        let r = t.ranking();
        assert_eq!(r[0].strategy, "defector");
        assert_eq!(r[0].wins, 2);
        // defector: vs ALLC 50, vs self 10 => per turn (50+10)/20 = 3 per rep
        assert!((r[0].mean_score_per_turn - 3.0).abs() < 1e-12);
    }
}
