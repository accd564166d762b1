//! Round-robin tournaments of repeated-game strategies, as in Axelrod-Python (every unordered
//! pair once, self-play included), with implementation noise.
//!
//! A match is scored from its outcome counts (CC, CD, DC, DD), so scores are exact and do not
//! depend on the order of summation. Deterministic matches without noise are finite-state
//! systems: the engine follows the joint machine state until it repeats and then extends the
//! cycle arithmetically, which gives exactly the counts of turn-by-turn play.

use crate::engine::rng::{derive_seed, stream, Bits, Coin, MatchStream, Words};
use crate::model::game::{Action, Payoffs};
use crate::model::strategy::{Machine, Strategy, MAX_STATES};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};

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

/// The result of one match repetition (a row of `matches.csv`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchResult {
    /// Index of the first player.
    pub a: usize,
    /// Index of the second player (>= a).
    pub b: usize,
    /// Repetition, 0-based.
    pub rep: u32,
    /// Turns ending CC, CD, DC, DD from `a`'s view.
    pub outcomes: [u64; 4],
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
///
/// Its match repetitions are read with [`Tournament::matches`]. A pair whose every repetition
/// is the same (it reads no random bits) is stored once, the others once per repetition, so
/// a large tournament of mostly deterministic pairs takes little memory.
#[derive(Debug, Clone)]
pub struct Tournament {
    /// The configuration it ran.
    pub config: TournamentConfig,
    /// The (a, b) pairs of the round robin, in output order ([`TournamentConfig::pairs`]).
    pairs: Vec<(usize, usize)>,
    /// Per pair: the outcome counts of every repetition, or where its repetitions start in
    /// `played`.
    outcomes: Vec<PairOutcomes>,
    /// Outcome counts of the pairs played repetition by repetition, pair by pair.
    played: Vec<[u64; 4]>,
    /// Every turn's actions of each match, in the order of [`Tournament::matches`], when
    /// [`TournamentConfig::record_actions`] is set (empty otherwise).
    pub actions: Vec<MatchActions>,
}

/// Every turn's actions of one match, (a's, b's).
pub type MatchActions = Vec<(Action, Action)>;

/// How a [`Tournament`] holds a pair's outcome counts.
#[derive(Debug, Clone, Copy)]
enum PairOutcomes {
    /// The same in every repetition.
    Every([u64; 4]),
    /// Repetition r is `played[start + r]`.
    Each { start: usize },
}

/// Plays one match and returns its outcome counts (CC, CD, DC, DD from `ma`'s view).
///
/// Random bits are read from `rng` in a fixed order each turn: a's choice (if a's state
/// randomises), b's choice (if b's does), a's noise, b's noise; each is an exact Bernoulli
/// trial ([`Coin`]). Stretches of turns that read no bits (every move certain, no noise) are
/// followed until the joint state repeats and then extended arithmetically, which gives exactly
/// the counts of turn-by-turn play ([`play_turns`]) and reads the same bits.
pub fn play_match<R: Words>(
    ma: &Machine,
    mb: &Machine,
    turns: u64,
    noise: f64,
    rng: &mut R,
    record: Option<&mut Vec<(Action, Action)>>,
) -> [u64; 4] {
    match record {
        Some(r) => play_turns(ma, mb, turns, noise, rng, Some(r)),
        None => {
            let noise = Coin::new(noise);
            play_planned(plan(ma, mb, &noise), ma, mb, turns, &noise, rng, None)
        }
    }
}

/// How a match without recorded actions is played; every way reads the same bits and gives
/// the same counts as [`play_turns`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Plan {
    /// One side plays the same lottery every turn (`random`), the other is deterministic and
    /// there is no noise: four turns per table lookup ([`Machine::block`]).
    Blocks {
        /// The lottery is player a.
        lottery_is_a: bool,
    },
    /// Both sides play the same lottery every turn and there is no noise: moves do not
    /// depend on the past (sixteen turns per 32 bits when both coins are fair).
    Lotteries,
    /// Some stretch of the match may read no random bits: skip repeating stretches.
    Cycles,
    /// A reactive side (its move depends only on the partner's last move, like `gtft`)
    /// against an oblivious one (its moves do not depend on the partner: `defector`,
    /// `alternator`, `random`), without noise: no state chain through the reactive side.
    Reactive {
        /// The reactive side is player a.
        reactive_is_a: bool,
    },
    /// Noise, and two machines that can settle into a stretch of certain moves (two
    /// deterministic machines, or e.g. `gtft` against `tit_for_tat`): the turns between noise
    /// flips are played without reading trials one by one and stretches of them by one lookup
    /// ([`play_noisy_stretches`]).
    NoisyStretches,
    /// Turn by turn; with a [`PairTable`] (pairs played over enough turns, see
    /// [`turn_width`]) the turns a chunk of random bits decides at once ([`play_turn_chunks`]).
    Turns,
}

fn plan(ma: &Machine, mb: &Machine, noise: &Coin) -> Plan {
    if !noise.is_certain() {
        if (ma.deterministic && mb.deterministic) || has_certain_cycle(ma, mb) {
            return Plan::NoisyStretches;
        }
        return Plan::Turns;
    }
    let lottery = |m: &Machine| m.states == 1 && !m.coin[0].is_certain();
    if !noise.certain_outcome() {
        if lottery(ma) && lottery(mb) {
            return Plan::Lotteries;
        }
        if lottery(ma) && mb.deterministic {
            return Plan::Blocks { lottery_is_a: true };
        }
        if lottery(mb) && ma.deterministic {
            return Plan::Blocks {
                lottery_is_a: false,
            };
        }
    }
    if has_certain_cycle(ma, mb) {
        return Plan::Cycles;
    }
    if !noise.certain_outcome() {
        if reactive(ma).is_some() && oblivious(mb) {
            return Plan::Reactive {
                reactive_is_a: true,
            };
        }
        if reactive(mb).is_some() && oblivious(ma) {
            return Plan::Reactive {
                reactive_is_a: false,
            };
        }
    }
    Plan::Turns
}

/// The cooperation trials after the partner's C and after its D, if `m` is reactive: every
/// state's successor has a trial that depends only on the partner's move (Nowak & Sigmund
/// 1992's reactive strategies: TFT, GTFT, ALLC, ALLD).
fn reactive(m: &Machine) -> Option<[Coin; 2]> {
    let after =
        |s: usize, own: usize, partner: usize| m.coin[m.next[s * 4 + own * 2 + partner] as usize];
    let r = [after(0, 0, 0), after(0, 0, 1)];
    (0..m.states as usize)
        .all(|s| (0..2).all(|own| (0..2).all(|partner| after(s, own, partner) == r[partner])))
        .then_some(r)
}

/// True if `m`'s moves never depend on the partner's: a lottery, or a deterministic machine
/// whose transitions ignore the partner's move.
fn oblivious(m: &Machine) -> bool {
    (m.states == 1 && !m.coin[0].is_certain())
        || (m.deterministic
            && (0..m.states as usize * 2).all(|k| m.next[k * 2] == m.next[k * 2 + 1]))
}

/// Plays a match by its plan; `table` speeds up [`Plan::Reactive`], [`Plan::Blocks`] with a
/// fair lottery, [`Plan::Turns`] and [`Plan::NoisyStretches`] (see [`PairTable`]).
fn play_planned<R: Words>(
    plan: Plan,
    ma: &Machine,
    mb: &Machine,
    turns: u64,
    noise: &Coin,
    rng: &mut R,
    table: Option<&PairTable>,
) -> [u64; 4] {
    match plan {
        Plan::Blocks { lottery_is_a: true } => play_blocks(ma, mb, turns, rng, table),
        Plan::Blocks {
            lottery_is_a: false,
        } => {
            let [cc, cd, dc, dd] = play_blocks(mb, ma, turns, rng, table);
            [cc, dc, cd, dd]
        }
        Plan::Lotteries => play_lotteries(&ma.coin[0], &mb.coin[0], turns, rng),
        Plan::Cycles => play_cycles(ma, mb, turns, noise, rng),
        Plan::Reactive {
            reactive_is_a: true,
        } => match table {
            Some(t) => play_reactive_chunks(ma, mb, true, turns, rng, t),
            None => play_reactive(ma, mb, true, turns, rng),
        },
        Plan::Reactive {
            reactive_is_a: false,
        } => {
            let [cc, cd, dc, dd] = match table {
                Some(t) => play_reactive_chunks(mb, ma, false, turns, rng, t),
                None => play_reactive(mb, ma, false, turns, rng),
            };
            [cc, dc, cd, dd]
        }
        Plan::NoisyStretches => {
            let own;
            let jumps = match table.and_then(|t| t.jumps.as_ref()) {
                Some(jumps) => jumps,
                None => {
                    own = JumpTable::new(ma);
                    &own
                }
            };
            play_noisy_stretches(ma, mb, turns, noise, rng, jumps)
        }
        Plan::Turns => match table {
            Some(t) => play_turn_chunks(ma, mb, turns, noise, rng, t),
            None => play_turns(ma, mb, turns, noise.p(), rng, None),
        },
    }
}

/// Noisy play between flips (issue 16). From a joint state where both machines' moves are
/// certain, the next turns' moves stay certain until a flip or until a machine reaches a state
/// where it randomises ([`JumpTable::certain`]; two deterministic machines: to the end of the
/// match), so the bits of those turns are their noise trials alone (a's, b's, turn by turn):
/// they are read up to the next flip at once ([`Bits::failures_before_success`]: trials that
/// fail early a buffer at a time), the turns before the flip are played by lookups
/// ([`JumpTable::jump`], up to [`MAX_JUMP`] turns each) and the turn of the flip step by step.
/// A turn in which a machine randomises is played as in [`play_turns`]. The counts and the bits
/// read are exactly those of turn-by-turn play.
fn play_noisy_stretches<R: Words>(
    ma: &Machine,
    mb: &Machine,
    turns: u64,
    noise: &Coin,
    rng: &mut R,
    jumps: &JumpTable,
) -> [u64; 4] {
    let deterministic = ma.deterministic && mb.deterministic;
    let mut bits = Bits::new(rng);
    let mut n = [0u64; 4];
    let mut j = 0usize;
    let mut t = 0u64;
    while t < turns {
        let (sa, sb) = jumps.split(j);
        let (ca, cb) = (&ma.coin[sa], &mb.coin[sb]);
        let (a, b) = if ca.is_certain() && cb.is_certain() {
            let certain = if deterministic {
                turns - t
            } else {
                jumps.certain(ma, mb, j).min(turns - t)
            };
            // the trials of the certain turns from t, up to the next flip
            let (failed, flipped) = bits.failures_before_success(noise, 2 * certain);
            let mut quiet = failed / 2;
            t += quiet;
            while quiet > 0 {
                let len = quiet.min(MAX_JUMP);
                let e = jumps.jump(ma, mb, j, len);
                for (k, c) in n.iter_mut().enumerate() {
                    *c += e >> (8 * k) & 0xff;
                }
                j = (e >> 32) as usize;
                quiet -= len;
            }
            if !flipped {
                continue;
            }
            // the turn of the flip: a's move flipped (b's trial still to read), or b's
            let (flip_a, flip_b) = if failed % 2 == 0 {
                (true, bits.trial(noise))
            } else {
                (false, true)
            };
            let (sa, sb) = jumps.split(j);
            (
                ma.coin[sa].certain_outcome() != flip_a,
                mb.coin[sb].certain_outcome() != flip_b,
            )
        } else {
            let (xa, xb) = (bits.trial(ca), bits.trial(cb));
            (xa != bits.trial(noise), xb != bits.trial(noise))
        };
        let o = outcome(a, b);
        n[o] += 1;
        j = joint_after(ma, mb, j, o);
        t += 1;
    }
    n
}

/// The longest run of quiet turns one [`JumpTable`] lookup plays.
const MAX_JUMP: u64 = 32;

/// The joint state (`sa * MAX_STATES + sb`) after joint state `j` and a turn ending in
/// outcome `o` (from a's view).
#[inline(always)]
fn joint_after(ma: &Machine, mb: &Machine, j: usize, o: usize) -> usize {
    let (sa, sb) = (j / MAX_STATES, j % MAX_STATES);
    ma.next[sa * 4 + o] as usize * MAX_STATES + mb.next[sb * 4 + swapped(o)] as usize
}

/// Runs of turns without noise events for one pair of machines under noise, filled as
/// needed and shared by all repetitions and threads (entries are pure functions of their
/// index, as in [`PairTable`]). A joint state is `sa * MAX_STATES + sb`. Per joint state, entry
/// `len` (1 to [`MAX_JUMP`]) holds the outcome counts of `len` turns whose moves are certain
/// (CC, CD, DC, DD in bytes 0-3) and the joint state after them (bits 32-37); entry 0 holds how
/// many turns from the state have certain moves (capped at [`MAX_JUMP`]). Bit 63 marks an entry
/// worked out.
pub(crate) struct JumpTable {
    entries: Vec<std::sync::atomic::AtomicU64>,
}

impl JumpTable {
    /// Entries per joint state.
    const ROW: usize = MAX_JUMP as usize + 1;
    const SET: u64 = 1 << 63;

    fn new(ma: &Machine) -> Self {
        // joint states by a constant stride: no division to split them
        let joint = ma.states as usize * MAX_STATES;
        JumpTable {
            entries: (0..joint * Self::ROW)
                .map(|_| std::sync::atomic::AtomicU64::new(0))
                .collect(),
        }
    }

    /// The machine states of joint state `j`.
    #[inline(always)]
    fn split(&self, j: usize) -> (usize, usize) {
        (j / MAX_STATES, j % MAX_STATES)
    }

    #[inline(always)]
    fn get(&self, i: usize, fill: impl FnOnce() -> u64) -> u64 {
        let slot = &self.entries[i];
        let e = slot.load(Ordering::Relaxed);
        if e != 0 {
            return e;
        }
        let e = fill() | Self::SET;
        slot.store(e, Ordering::Relaxed);
        e
    }

    /// How many turns from joint state `j` have certain moves (at most [`MAX_JUMP`]).
    #[inline(always)]
    fn certain(&self, ma: &Machine, mb: &Machine, j: usize) -> u64 {
        let e = self.get(j * Self::ROW, || {
            let mut j = j;
            let mut len = 0;
            while len < MAX_JUMP {
                let (sa, sb) = self.split(j);
                let (ca, cb) = (&ma.coin[sa], &mb.coin[sb]);
                if !ca.is_certain() || !cb.is_certain() {
                    break;
                }
                j = joint_after(
                    ma,
                    mb,
                    j,
                    outcome(ca.certain_outcome(), cb.certain_outcome()),
                );
                len += 1;
            }
            len
        });
        e & !Self::SET
    }

    /// `len` (1 to [`MAX_JUMP`], at most [`JumpTable::certain`]) turns from joint state `j`
    /// without flips: the counts in bytes 0-3 and the joint state after from bit 32.
    #[inline(always)]
    fn jump(&self, ma: &Machine, mb: &Machine, j: usize, len: u64) -> u64 {
        debug_assert!(len >= 1 && len <= self.certain(ma, mb, j));
        self.get(j * Self::ROW + len as usize, || {
            let (mut j, mut counts) = (j, 0u64);
            for _ in 0..len {
                let (sa, sb) = self.split(j);
                let o = outcome(ma.coin[sa].certain_outcome(), mb.coin[sb].certain_outcome());
                counts += 1 << (8 * o);
                j = joint_after(ma, mb, j, o);
            }
            counts | (j as u64) << 32
        }) & !Self::SET
    }
}

/// A reactive machine `x` against an oblivious `y`, without noise. Counts from x's view; bits
/// are read in the order of the players (`x_is_a`: x's trial first).
fn play_reactive<R: Words>(
    x: &Machine,
    y: &Machine,
    x_is_a: bool,
    turns: u64,
    rng: &mut R,
) -> [u64; 4] {
    let [r0, r1] = reactive(x).expect("planned for a reactive machine");
    // x's trial: the first move, then after y's C, then after y's D
    let coins = [x.coin[0], r0, r1];
    let mut k = 0usize;
    let mut bits = Bits::new(rng);
    let mut sy = 0usize;
    // cooperations of x, of y, and turns both cooperated
    let (mut xc, mut yc, mut cc) = (0u64, 0u64, 0u64);
    for _ in 0..turns {
        let (xm, ym);
        (xm, ym, (k, sy)) = reactive_turn(&mut bits, &coins, y, x_is_a, (k, sy));
        xc += u64::from(xm);
        yc += u64::from(ym);
        cc += u64::from(xm & ym);
    }
    [cc, xc - cc, yc - cc, turns - xc - yc + cc]
}

/// One turn of a reactive `x` against an oblivious `y`, read bit by bit (the trials in the
/// players' order): the moves (true = C), then x's next trial (1 after y's C, 2 after its D)
/// and y's next state.
#[inline(always)]
fn reactive_turn<R: Words>(
    bits: &mut Bits<R>,
    coins: &[Coin; 3],
    y: &Machine,
    x_is_a: bool,
    (k, sy): (usize, usize),
) -> (bool, bool, (usize, usize)) {
    let (xm, ym) = if x_is_a {
        let xm = bits.trial_branchless(&coins[k]);
        (xm, bits.trial(&y.coin[sy]))
    } else {
        let ym = bits.trial(&y.coin[sy]);
        (bits.trial_branchless(&coins[k]), ym)
    };
    let y_defected = usize::from(!ym);
    // oblivious: the partner's move is moot
    (
        xm,
        ym,
        (1 + y_defected, y.next[sy * 4 + y_defected * 2] as usize),
    )
}

/// Lookup tables for the many matches of one pair, filled as needed.
///
/// Entries are worked out the first time they are needed and shared by all repetitions and
/// threads: an entry is a pure function of its index, so which thread fills it does not matter
/// (0 marks an entry not yet worked out; relaxed atomics, no locks).
///
/// [`Plan::Reactive`] reads a chunk of random bits at a time ([`play_reactive_chunks`]). The
/// state of such a match between turns is x's next trial (after y's C or after y's D) and y's
/// machine state; from a state, the next few random bits ([`reactive_width`]: more for pairs
/// played in more repetitions, over which a larger table pays) decide a run of whole
/// turns (up to eight), which the table stores: x's and y's cooperations, the bits read and
/// the state after, from [`Coin::trial_in_chunk`]. A turn that the chunk does not decide, and
/// the last turns of a match, are played bit by bit as in [`play_reactive`].
///
/// [`Plan::Turns`] does the same for any pair: its state is the joint state of the two
/// machines, and a chunk decides the whole turns whose four trials (choices and noise) it
/// holds ([`turn_entry`]).
///
/// [`Plan::Blocks`] with a fair lottery reads eight turns of the lottery (one byte) at a time:
/// from the deterministic side's machine state, the table gives its eight answers and its
/// state after, from two lookups in [`Machine::block`].
pub(crate) struct PairTable {
    entries: Vec<AtomicU32>,
    /// Random bits per lookup of a [`Plan::Reactive`] or [`Plan::Turns`] pair.
    width: u32,
    /// The runs of quiet turns of [`Plan::NoisyStretches`].
    jumps: Option<JumpTable>,
}

/// Reactive-table states: x's trial after C or after D, times y's machine state.
const REACTIVE_STATES: usize = 2 * MAX_STATES;
/// Marks a worked-out [`PairTable`] entry (0 is "not yet").
const ENTRY_SET: u32 = 1 << 31;
/// Repetitions from which a pair gets a [`PairTable`] (filling one pays only over several).
const TABLE_REPS: u32 = 4;
/// Repetitions from which reactive pairs read eight bits per lookup instead of six.
const WIDE_REPS: u32 = 256;
/// Repetitions from which reactive pairs read ten bits per lookup.
const WIDER_REPS: u32 = 4096;

/// Random bits per [`PairTable`] lookup of a reactive pair played in `reps` repetitions.
/// Filling an entry costs several lookups, and a table has 2^width entries per state: the
/// widths are those that were fastest in `examples`-style timings of gtft against defector
/// and random at 1,000 and 20,000 repetitions (see `results/benchmarks.md`).
fn reactive_width(reps: u32) -> u32 {
    match reps {
        r if r >= WIDER_REPS => 10,
        r if r >= WIDE_REPS => 8,
        _ => 6,
    }
}

impl PairTable {
    fn new(len: usize, width: u32) -> Self {
        PairTable {
            entries: (0..len).map(|_| AtomicU32::new(0)).collect(),
            width,
            jumps: None,
        }
    }

    /// A table for `plan` when it has one, sized for it and for `reps` repetitions.
    fn for_plan(plan: Plan, ma: &Machine, mb: &Machine, (reps, turns): (u32, u64)) -> Option<Self> {
        let fair = |m: &Machine| m.states == 1 && m.coin[0].p() == 0.5;
        match plan {
            Plan::Turns => {
                let all_turns = u64::from(reps).saturating_mul(turns);
                let width = turn_width(all_turns, ma.states as usize)?;
                Some(PairTable::new(
                    (ma.states as usize * MAX_STATES) << width,
                    width,
                ))
            }
            Plan::Reactive { .. } => {
                let width = reactive_width(reps);
                Some(PairTable::new(REACTIVE_STATES << width, width))
            }
            Plan::Blocks { lottery_is_a } if fair(if lottery_is_a { ma } else { mb }) => {
                Some(PairTable::new(MAX_STATES * 256, 8))
            }
            Plan::NoisyStretches => Some(PairTable {
                jumps: Some(JumpTable::new(ma)),
                ..PairTable::new(0, 0)
            }),
            _ => None,
        }
    }

    /// The entry at `i`, worked out by `fill` the first time.
    #[inline(always)]
    fn get(&self, i: usize, fill: impl FnOnce() -> u32) -> u32 {
        let slot = &self.entries[i];
        let e = slot.load(Ordering::Relaxed);
        if e != 0 {
            return e;
        }
        let e = fill();
        debug_assert!(e != 0);
        slot.store(e, Ordering::Relaxed);
        e
    }
}

/// A [`PairTable`] entry: from state `st`, the whole turns that `chunk` decides. Layout, as
/// counts over those turns: x's cooperations (bits 0-3), y's (4-7), both's (8-11); then turns
/// (16-19), bits read (20-23), next state (24-27), [`ENTRY_SET`].
fn reactive_entry(
    coins: &[Coin; 3],
    y: &Machine,
    x_is_a: bool,
    st: usize,
    (chunk, width): (u32, u32),
) -> u32 {
    let (mut k, mut sy) = (1 + st / MAX_STATES, st % MAX_STATES);
    let (mut pos, mut n, mut xb, mut yb) = (0u32, 0u32, 0u32, 0u32);
    while n < 8 {
        let (cx, cy) = (&coins[k], &y.coin[sy]);
        let (first, second) = if x_is_a { (cx, cy) } else { (cy, cx) };
        let Some((r1, u1)) = first.trial_in_chunk(chunk, width, pos) else {
            break;
        };
        let Some((r2, u2)) = second.trial_in_chunk(chunk, width, pos + u1) else {
            break;
        };
        pos += u1 + u2;
        let (xm, ym) = if x_is_a { (r1, r2) } else { (r2, r1) };
        xb |= u32::from(xm) << n;
        yb |= u32::from(ym) << n;
        n += 1;
        let y_defected = usize::from(!ym);
        k = 1 + y_defected;
        sy = y.next[sy * 4 + y_defected * 2] as usize;
    }
    let next = ((k - 1) * MAX_STATES + sy) as u32;
    let counts = xb.count_ones() | yb.count_ones() << 4 | (xb & yb).count_ones() << 8;
    ENTRY_SET | counts | n << 16 | pos << 20 | next << 24
}

/// [`play_reactive`] with a [`PairTable`]: the same bits read, the same counts.
fn play_reactive_chunks<R: Words>(
    x: &Machine,
    y: &Machine,
    x_is_a: bool,
    turns: u64,
    rng: &mut R,
    table: &PairTable,
) -> [u64; 4] {
    let [r0, r1] = reactive(x).expect("planned for a reactive machine");
    let coins = [x.coin[0], r0, r1];
    let width = table.width;
    // state k * MAX_STATES + sy: x's trial k (0 the first move, 1 after y's C, 2 after its D)
    // and y's machine state; the table holds the states from k = 1 on
    let lookup = |bits: &mut Bits<R>, state: usize| {
        let st = state.checked_sub(MAX_STATES)?;
        let chunk = bits.peek(width);
        let e = table.get((st << width) + chunk as usize, || {
            reactive_entry(&coins, y, x_is_a, st, (chunk, width))
        });
        let coop = [e & 15, e >> 4 & 15, e >> 8 & 15].map(u64::from);
        let next = (e >> 24 & 15) as usize + MAX_STATES;
        Some(Decided {
            turns: u64::from(e >> 16 & 15),
            coop,
            bits: e >> 20 & 15,
            next,
        })
    };
    let step = |bits: &mut Bits<R>, state: usize| {
        let (k, sy) = (state / MAX_STATES, state % MAX_STATES);
        let (xm, ym, (k, sy)) = reactive_turn(bits, &coins, y, x_is_a, (k, sy));
        (xm, ym, k * MAX_STATES + sy)
    };
    let [xc, yc, cc] = play_by_chunks(&mut Bits::new(rng), turns, 0, lookup, step);
    [cc, xc - cc, yc - cc, turns - xc - yc + cc]
}

/// The whole turns that one lookup in a [`PairTable`] decides.
struct Decided {
    turns: u64,
    /// Cooperations of the first side, of the second, of both.
    coop: [u64; 3],
    /// Random bits the turns read.
    bits: u32,
    /// The state after them.
    next: usize,
}

/// The turn loop of the chunked plays ([`play_reactive_chunks`], [`play_turn_chunks`]): from
/// `state`, the turns `lookup` decides from the next random bits at once (when it decides any
/// and the match has that many turns left), else one turn by `step`, which returns the moves
/// (true = C) and the state after. Returns the cooperations of the first side, the second and
/// both.
#[inline(always)]
fn play_by_chunks<R: Words>(
    bits: &mut Bits<R>,
    turns: u64,
    mut state: usize,
    lookup: impl Fn(&mut Bits<R>, usize) -> Option<Decided>,
    mut step: impl FnMut(&mut Bits<R>, usize) -> (bool, bool, usize),
) -> [u64; 3] {
    let [mut first, mut second, mut both] = [0u64; 3];
    let mut t = 0u64;
    while t < turns {
        if let Some(d) = lookup(bits, state) {
            if d.turns > 0 && t + d.turns <= turns {
                first += d.coop[0];
                second += d.coop[1];
                both += d.coop[2];
                bits.consume(d.bits);
                state = d.next;
                t += d.turns;
                continue;
            }
        }
        // one turn bit by bit: a turn the table does not hold or the chunk does not decide,
        // or the last turns
        let (x, y, next) = step(bits, state);
        first += u64::from(x);
        second += u64::from(y);
        both += u64::from(x & y);
        state = next;
        t += 1;
    }
    [first, second, both]
}

/// Random bits per [`PairTable`] lookup of a [`Plan::Turns`] pair whose repetitions play
/// `turns` turns in all, with `states` machine states for player a; `None` when a table would
/// not pay. Filling an entry costs a few turns of play and a table has 2^width entries per
/// joint state, so a table takes enough turns to look each entry up many times, and a wider
/// one more: 8 bits from [`TURN_WIDE_TURNS`], and from [`TURN_WIDER_TURNS`] the widest of 10,
/// 9 and 8 bits whose table is within [`TURN_TABLE_BYTES`]. The thresholds are from timings
/// of the 10-strategy tournament under noise 0.05 at 10 to 2,000 repetitions
/// (`results/benchmarks.md`, session 13).
fn turn_width(turns: u64, states: usize) -> Option<u32> {
    let width = match turns {
        t if t >= TURN_WIDER_TURNS => 10,
        t if t >= TURN_WIDE_TURNS => 8,
        _ => return None,
    };
    let bytes = |w: u32| ((states * MAX_STATES) << w) * std::mem::size_of::<AtomicU32>();
    Some(
        (8..=width)
            .rev()
            .find(|&w| bytes(w) <= TURN_TABLE_BYTES)
            .unwrap_or(8),
    )
}

/// Turns over all repetitions from which a [`Plan::Turns`] pair gets a [`PairTable`] with
/// eight bits per lookup (below, it played no faster with a table: 200-turn matches at 40
/// repetitions).
const TURN_WIDE_TURNS: u64 = 16_384;
/// Turns over all repetitions from which a [`Plan::Turns`] pair reads up to ten bits per
/// lookup.
const TURN_WIDER_TURNS: u64 = 262_144;
/// The largest [`Plan::Turns`] table that reads more than eight bits per lookup.
const TURN_TABLE_BYTES: usize = 64 << 10;

/// A [`PairTable`] entry of a [`Plan::Turns`] pair: from joint state `j` (as in
/// [`JumpTable`]), the whole turns (up to seven) that `chunk`'s `width` bits decide, each read
/// as in [`play_turns`] (a's choice, b's choice, a's noise, b's noise; trials of certain coins
/// read nothing) by [`Coin::trial_in_chunk`]. Layout: a's cooperations (bits 0-2), b's (3-5),
/// both's (6-8), turns (9-11), bits read (12-15), joint state after (16-21), [`ENTRY_SET`].
fn turn_entry(
    ma: &Machine,
    mb: &Machine,
    noise: &Coin,
    j: usize,
    (chunk, width): (u32, u32),
) -> u32 {
    let (mut j, mut pos, mut n) = (j, 0u32, 0u32);
    let (mut ca, mut cb, mut cc) = (0u32, 0u32, 0u32);
    while n < 7 {
        let (sa, sb) = (j / MAX_STATES, j % MAX_STATES);
        let coins = [&ma.coin[sa], &mb.coin[sb], noise, noise];
        let Some((a, b, after)) = turn_in_chunk(coins, (chunk, width), pos) else {
            break;
        };
        pos = after;
        (ca, cb, cc) = (ca + u32::from(a), cb + u32::from(b), cc + u32::from(a & b));
        n += 1;
        j = joint_after(ma, mb, j, outcome(a, b));
    }
    ENTRY_SET | ca | cb << 3 | cc << 6 | n << 9 | pos << 12 | (j as u32) << 16
}

/// One turn read from `chunk`'s `width` bits after the first `pos`, its trials in the order
/// of `coins` (a's choice, b's choice, a's noise, b's noise): the moves (true = C) and the
/// position after, or `None` when the chunk does not decide all four.
#[inline]
fn turn_in_chunk(
    coins: [&Coin; 4],
    (chunk, width): (u32, u32),
    pos: u32,
) -> Option<(bool, bool, u32)> {
    let mut pos = pos;
    let mut r = [false; 4];
    for (r, c) in r.iter_mut().zip(coins) {
        let used;
        (*r, used) = c.trial_in_chunk(chunk, width, pos)?;
        pos += used;
    }
    Some((r[0] != r[2], r[1] != r[3], pos))
}

/// [`play_turns`] with a [`PairTable`] (issue 16, row 3: noisy matches of `random` or `gtft`
/// that cannot settle into certain moves): from each joint state the next `width` random bits
/// are looked up, and the whole turns they decide ([`turn_entry`]) played at once; a turn they
/// do not decide, and the last turns of a match, are played bit by bit. The same bits read,
/// the same counts (looking ahead may take a word from `rng` that turn-by-turn play would not;
/// every match has a stream of its own).
fn play_turn_chunks<R: Words>(
    ma: &Machine,
    mb: &Machine,
    turns: u64,
    noise: &Coin,
    rng: &mut R,
    table: &PairTable,
) -> [u64; 4] {
    let width = table.width;
    let lookup = |bits: &mut Bits<R>, j: usize| {
        let chunk = bits.peek(width);
        let e = table.get((j << width) + chunk as usize, || {
            turn_entry(ma, mb, noise, j, (chunk, width))
        });
        let coop = [e & 7, e >> 3 & 7, e >> 6 & 7].map(u64::from);
        Some(Decided {
            turns: u64::from(e >> 9 & 7),
            coop,
            bits: e >> 12 & 15,
            next: (e >> 16 & 63) as usize,
        })
    };
    let step = |bits: &mut Bits<R>, j: usize| {
        let (sa, sb) = (j / MAX_STATES, j % MAX_STATES);
        let (a, b) = moves(&ma.coin[sa], &mb.coin[sb], noise, bits);
        (a, b, joint_after(ma, mb, j, outcome(a, b)))
    };
    let [ca, cb, cc] = play_by_chunks(&mut Bits::new(rng), turns, 0, lookup, step);
    [cc, ca - cc, cb - cc, turns - ca - cb + cc]
}

/// Two lotteries without noise: per turn a's trial, then b's.
fn play_lotteries<R: Words>(ca: &Coin, cb: &Coin, turns: u64, rng: &mut R) -> [u64; 4] {
    let mut bits = Bits::new(rng);
    // defections of a, of b, and turns both defected
    let (mut ad, mut bd, mut dd) = (0u64, 0u64, 0u64);
    let fair = |c: &Coin| c.p() == 0.5;
    let mut left = turns;
    if fair(ca) && fair(cb) {
        // 32 bits are 16 turns: a's moves in the odd bits (from the high end), b's in the even;
        // two words at a time (one count of each kind per 32 turns)
        const A2: u64 = 0xAAAA_AAAA_AAAA_AAAA;
        while left >= 32 {
            let w = u64::from(bits.take32()) << 32 | u64::from(bits.take32());
            ad += u64::from((w & A2).count_ones());
            bd += u64::from((w & !A2).count_ones());
            dd += u64::from((w & (w << 1) & A2).count_ones());
            left -= 32;
        }
        const A: u32 = 0xAAAA_AAAA;
        if left >= 16 {
            let w = bits.take32();
            ad += u64::from((w & A).count_ones());
            bd += u64::from((w & !A).count_ones());
            dd += u64::from((w & (w << 1) & A).count_ones());
            left -= 16;
        }
    }
    for _ in 0..left {
        let a = u64::from(!bits.trial(ca));
        let b = u64::from(!bits.trial(cb));
        ad += a;
        bd += b;
        dd += a & b;
    }
    [turns - ad - bd + dd, bd - dd, ad - dd, dd]
}

/// A lottery `x` (one state, the same cooperation probability every turn) against a
/// deterministic machine `y`, without noise: x's moves are read four at a time and y's
/// answers looked up in its block table (eight at a time with a [`PairTable`], which needs a
/// fair lottery). Counts from x's view.
fn play_blocks<R: Words>(
    x: &Machine,
    y: &Machine,
    turns: u64,
    rng: &mut R,
    table: Option<&PairTable>,
) -> [u64; 4] {
    let coin = x.coin[0];
    let mut bits = Bits::new(rng);
    let mut s = 0usize;
    // defections of x, of y, and turns both defected
    let (mut xd, mut yd, mut dd) = (0u64, 0u64, 0u64);
    let mut left = turns;
    if let Some(table) = table {
        debug_assert!(coin.p() == 0.5);
        while left >= 8 {
            // a fair coin: each bit is one trial, 1 = U >= 1/2 = a defection
            let xn = bits.peek(8);
            bits.consume(8);
            // from y's answers (first turn in the high bit, 1 = D): the defections of x
            // (bits 0-3), of y (4-7), of both (8-11), and y's state after (12-14)
            let e = table.get(s * 256 + xn as usize, || {
                let hi = y.block[s][xn as usize >> 4];
                let lo = y.block[usize::from(hi >> 4)][xn as usize & 15];
                let yn = u32::from(hi & 15) << 4 | u32::from(lo & 15);
                let counts = xn.count_ones() | yn.count_ones() << 4 | (xn & yn).count_ones() << 8;
                ENTRY_SET | u32::from(lo >> 4) << 12 | counts
            });
            s = (e >> 12 & 7) as usize;
            xd += u64::from(e & 15);
            yd += u64::from(e >> 4 & 15);
            dd += u64::from(e >> 8 & 15);
            left -= 8;
        }
    }
    for _ in 0..left / 4 {
        let xn = bits.failures4(&coin);
        let e = y.block[s][xn as usize];
        s = usize::from(e >> 4);
        let yn = u32::from(e & 15);
        xd += u64::from(xn.count_ones());
        yd += u64::from(yn.count_ones());
        dd += u64::from((xn & yn).count_ones());
    }
    for _ in 0..left % 4 {
        let xm = usize::from(!bits.trial(&coin));
        let ym = usize::from(!y.coin[s].certain_outcome());
        xd += xm as u64;
        yd += ym as u64;
        dd += (xm & ym) as u64;
        s = y.next[s * 4 + ym * 2 + xm] as usize;
    }
    [turns - xd - yd + dd, yd - dd, xd - dd, dd]
}

/// The outcome index (C = 0, D = 1): `own * 2 + partner`.
#[inline]
fn outcome(a_cooperates: bool, b_cooperates: bool) -> usize {
    usize::from(!a_cooperates) * 2 + usize::from(!b_cooperates)
}

/// The same outcome seen from the other side.
#[inline]
fn swapped(o: usize) -> usize {
    (o >> 1) | ((o & 1) << 1)
}

/// One turn's moves (true = cooperate), reading bits in the documented order.
#[inline(always)]
fn moves<R: Words>(ca: &Coin, cb: &Coin, noise: &Coin, bits: &mut Bits<R>) -> (bool, bool) {
    let a = bits.trial(ca);
    let b = bits.trial(cb);
    if noise.is_certain() {
        let flip = noise.certain_outcome();
        return (a != flip, b != flip);
    }
    let flip_a = bits.trial(noise);
    let flip_b = bits.trial(noise);
    (a != flip_a, b != flip_b)
}

/// True when a match from the start reads no random bits in `turns` turns without noise: the
/// path of joint states from the first reaches a cycle, or the end of the match, before any
/// state where a machine randomises.
pub fn reads_no_bits(ma: &Machine, mb: &Machine, turns: u64) -> bool {
    let mut seen = [false; MAX_STATES * MAX_STATES];
    let (mut sa, mut sb) = (0usize, 0usize);
    for _ in 0..turns {
        let (ca, cb) = (&ma.coin[sa], &mb.coin[sb]);
        if !ca.is_certain() || !cb.is_certain() {
            return false;
        }
        let j = sa * MAX_STATES + sb;
        if seen[j] {
            return true;
        }
        seen[j] = true;
        let o = outcome(ca.certain_outcome(), cb.certain_outcome());
        sa = ma.next[sa * 4 + o] as usize;
        sb = mb.next[sb * 4 + swapped(o)] as usize;
    }
    true
}

/// True when some cycle of joint states reads no random bits, so that a match (without noise)
/// can settle into a stretch that [`play_match`] skips. Matches without one (e.g. anything
/// against `random`, or `gtft` against `defector`) are played turn by turn.
pub fn has_certain_cycle(ma: &Machine, mb: &Machine) -> bool {
    const JOINT: usize = MAX_STATES * MAX_STATES;
    let (na, nb) = (ma.states as usize, mb.states as usize);
    // The successor of a certain joint state, or None if it randomises.
    let succ = |j: usize| -> Option<usize> {
        let (sa, sb) = (j / MAX_STATES, j % MAX_STATES);
        let (ca, cb) = (&ma.coin[sa], &mb.coin[sb]);
        (ca.is_certain() && cb.is_certain()).then(|| {
            let o = outcome(ca.certain_outcome(), cb.certain_outcome());
            ma.next[sa * 4 + o] as usize * MAX_STATES + mb.next[sb * 4 + swapped(o)] as usize
        })
    };
    // Each certain state has one successor: walk each path once, marking states on the
    // current path (1) and states known to lead out of the certain ones (2).
    let mut mark = [0u8; JOINT];
    for k in 0..na * nb {
        let start = (k / nb) * MAX_STATES + k % nb;
        let mut j = start;
        while mark[j] == 0 {
            mark[j] = 1;
            match succ(j) {
                Some(next) => j = next,
                None => break,
            }
        }
        if mark[j] == 1 && succ(j).is_some() {
            return true; // came back to the current path
        }
        let mut i = start;
        while mark[i] == 1 {
            mark[i] = 2;
            match succ(i) {
                Some(next) => i = next,
                None => break,
            }
        }
    }
    false
}

fn play_cycles<R: Words>(
    ma: &Machine,
    mb: &Machine,
    turns: u64,
    noise: &Coin,
    rng: &mut R,
) -> [u64; 4] {
    const JOINT: usize = MAX_STATES * MAX_STATES;
    let mut bits = Bits::new(rng);
    // Counted in registers (a counter in memory indexed by the outcome makes a chain of
    // store-to-load forwarding when the same outcome repeats).
    let mut n = [0u64; 4];
    let (mut sa, mut sb) = (0usize, 0usize);
    // Turn at which each joint state was last entered, and the outcomes since the last turn
    // that read random bits (a deterministic stretch repeats a joint state within JOINT turns).
    let mut seen = [u64::MAX; JOINT];
    let mut path = [0u8; JOINT];
    let mut path_start = 0u64;
    let mut t = 0u64;
    while t < turns {
        let (ca, cb) = (&ma.coin[sa], &mb.coin[sb]);
        let o = if ca.is_certain() && cb.is_certain() && noise.is_certain() {
            let j = sa * MAX_STATES + sb;
            let t0 = seen[j];
            if t0 != u64::MAX && t0 >= path_start {
                // Turns t0..t repeat for ever: extend the cycle to the end of the match.
                let cycle = &path[(t0 - path_start) as usize..(t - path_start) as usize];
                let len = cycle.len() as u64;
                let remaining = turns - t;
                let (full, rest) = (remaining / len, (remaining % len) as usize);
                for (k, &o) in cycle.iter().enumerate() {
                    n[o as usize] += full + u64::from(k < rest);
                }
                return n;
            }
            seen[j] = t;
            let flip = noise.certain_outcome();
            let o = outcome(ca.certain_outcome() != flip, cb.certain_outcome() != flip);
            path[(t - path_start) as usize] = o as u8;
            o
        } else {
            path_start = t + 1;
            let (a, b) = moves(ca, cb, noise, &mut bits);
            outcome(a, b)
        };
        // n[o] += 1 without indexing memory by o
        n[0] += u64::from(o == 0);
        n[1] += u64::from(o == 1);
        n[2] += u64::from(o == 2);
        n[3] += u64::from(o == 3);
        sa = ma.next[sa * 4 + o] as usize;
        sb = mb.next[sb * 4 + swapped(o)] as usize;
        t += 1;
    }
    n
}

/// Plays one match turn by turn, reading the same random bits as [`play_match`] (the reference
/// implementation the cycle skipping is tested against, and the engine when actions are
/// recorded).
pub fn play_turns<R: Words>(
    ma: &Machine,
    mb: &Machine,
    turns: u64,
    noise: f64,
    rng: &mut R,
    record: Option<&mut Vec<(Action, Action)>>,
) -> [u64; 4] {
    let noise = Coin::new(noise);
    match record {
        Some(r) => turn_by_turn(ma, mb, turns, &noise, rng, |a, b| {
            let act = |c: bool| if c { Action::C } else { Action::D };
            r.push((act(a), act(b)));
        }),
        None => turn_by_turn(ma, mb, turns, &noise, rng, |_, _| {}),
    }
}

/// The turn loop of [`play_turns`], calling `each(a, b)` with every turn's moves (true = C).
#[inline(always)]
fn turn_by_turn<R: Words>(
    ma: &Machine,
    mb: &Machine,
    turns: u64,
    noise: &Coin,
    rng: &mut R,
    mut each: impl FnMut(bool, bool),
) -> [u64; 4] {
    let mut bits = Bits::new(rng);
    // Counted in registers: turns a cooperated, b cooperated, both cooperated.
    let (mut ca_n, mut cb_n, mut cc_n) = (0u64, 0u64, 0u64);
    let (mut sa, mut sb) = (0usize, 0usize);
    for _ in 0..turns {
        // The four possible next states are loaded with the state, before the moves are
        // known, and the moves then select one by a shift (shorter than a dependent load).
        let next4 = |m: &Machine, s: usize| {
            u32::from_le_bytes([
                m.next[s * 4],
                m.next[s * 4 + 1],
                m.next[s * 4 + 2],
                m.next[s * 4 + 3],
            ])
        };
        let (na, nb) = (next4(ma, sa), next4(mb, sb));
        let (a, b) = moves(&ma.coin[sa], &mb.coin[sb], noise, &mut bits);
        ca_n += u64::from(a);
        cb_n += u64::from(b);
        cc_n += u64::from(a & b);
        each(a, b);
        let o = outcome(a, b);
        sa = (na >> (o * 8) & 0xff) as usize;
        sb = (nb >> (swapped(o) * 8) & 0xff) as usize;
    }
    [cc_n, ca_n - cc_n, cb_n - cc_n, turns - ca_n - cb_n + cc_n]
}

/// Exact outcome counts of a match without noise that reads no random bits: two deterministic
/// machines, or any pair for which [`reads_no_bits`] holds.
pub fn play_deterministic(ma: &Machine, mb: &Machine, turns: u64) -> [u64; 4] {
    debug_assert!(reads_no_bits(ma, mb, turns));
    play_cycles(ma, mb, turns, &Coin::new(0.0), &mut stream(0))
}

impl TournamentConfig {
    /// The (a, b) index pairs of the round robin, self-play included, in output order.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        let n = self.strategies.len();
        (0..n).flat_map(|a| (a..n).map(move |b| (a, b))).collect()
    }

    /// Total pair-rounds (turns over all matches and repetitions), saturating at `u64::MAX`.
    pub fn pair_rounds(&self) -> u64 {
        (self.pairs().len() as u64 * self.reps as u64).saturating_mul(self.turns)
    }
}

/// Runs the tournament. Each (pair, repetition) has its own random stream derived from the
/// master seed, so the result does not depend on the thread count.
pub fn run(config: &TournamentConfig) -> Tournament {
    let (machines, pairs, plans) = compile(config);
    let fixed = fixed_outcomes(config, &machines, &pairs);
    let noise = Coin::new(config.noise);
    let tables = pair_tables(config, &machines, &pairs, &plans, &fixed);
    // The pairs played repetition by repetition, in output order.
    let live: Vec<usize> = (0..pairs.len()).filter(|&p| fixed[p].is_none()).collect();
    let setup = LivePlay {
        config,
        machines: &machines,
        pairs: &pairs,
        plans: &plans,
        tables: &tables,
        noise: &noise,
        live: &live,
    };
    let (played, actions) = setup.play_all();
    let outcomes = outcome_index(&fixed, config.reps as usize);
    Tournament {
        config: config.clone(),
        pairs,
        outcomes,
        played,
        actions,
    }
}

/// The strategies' machines, the round robin's pairs and each pair's plan.
fn compile(config: &TournamentConfig) -> (Vec<Machine>, Vec<(usize, usize)>, Vec<Plan>) {
    let machines: Vec<Machine> = config
        .strategies
        .iter()
        .map(|s| s.machine(&config.payoffs))
        .collect();
    let pairs = config.pairs();
    let noise = Coin::new(config.noise);
    let plans = pairs
        .iter()
        .map(|&(a, b)| plan(&machines[a], &machines[b], &noise))
        .collect();
    (machines, pairs, plans)
}

/// A match without noise that never reaches a state where a machine randomises (two
/// deterministic machines, or e.g. gtft against tit_for_tat) reads no random bits and is the
/// same in every repetition: its outcomes, played once (as Axelrod-Python's deterministic cache
/// does for deterministic pairs); `None` for pairs played repetition by repetition.
fn fixed_outcomes(
    config: &TournamentConfig,
    machines: &[Machine],
    pairs: &[(usize, usize)],
) -> Vec<Option<[u64; 4]>> {
    pairs
        .iter()
        .map(|&(a, b)| {
            let (ma, mb) = (&machines[a], &machines[b]);
            (config.noise == 0.0 && !config.record_actions && reads_no_bits(ma, mb, config.turns))
                .then(|| play_deterministic(ma, mb, config.turns))
        })
        .collect()
}

/// Lookup tables for pairs played in more than a few repetitions.
fn pair_tables(
    config: &TournamentConfig,
    machines: &[Machine],
    pairs: &[(usize, usize)],
    plans: &[Plan],
    fixed: &[Option<[u64; 4]>],
) -> Vec<Option<PairTable>> {
    // recorded matches are played turn by turn, without tables
    if config.record_actions {
        return pairs.iter().map(|_| None).collect();
    }
    let mut turn_bytes = 0usize;
    pairs
        .iter()
        .zip(plans)
        .zip(fixed)
        .map(|((&(a, b), &p), f)| {
            // jump tables are filled only as far as needed: worth it from one repetition
            if f.is_some() || (config.reps < TABLE_REPS && p != Plan::NoisyStretches) {
                return None;
            }
            if p == Plan::Turns && turn_bytes > TURN_TABLES_BYTES {
                return None; // over the cap already: build no more
            }
            let (ma, mb) = (&machines[a], &machines[b]);
            let table = PairTable::for_plan(p, ma, mb, (config.reps, config.turns))?;
            if p == Plan::Turns {
                // a large tournament of randomising strategies: the first pairs' tables only
                turn_bytes += table.entries.len() * std::mem::size_of::<AtomicU32>();
                if turn_bytes > TURN_TABLES_BYTES {
                    return None;
                }
            }
            Some(table)
        })
        .collect()
}

/// The most memory the [`Plan::Turns`] tables of one tournament take (pairs after that are
/// played without one: the same counts, more slowly).
const TURN_TABLES_BYTES: usize = 32 << 20;

/// Where each pair's outcomes are: once for a fixed pair, or `reps` entries from `start` of
/// the played outcomes.
fn outcome_index(fixed: &[Option<[u64; 4]>], reps: usize) -> Vec<PairOutcomes> {
    let mut next = 0;
    fixed
        .iter()
        .map(|f| match *f {
            Some(o) => PairOutcomes::Every(o),
            None => {
                next += reps;
                PairOutcomes::Each { start: next - reps }
            }
        })
        .collect()
}

/// What playing the live pairs needs: unit i is repetition i % reps of the (i / reps)-th live
/// pair, in output order (a, b, rep).
struct LivePlay<'a> {
    config: &'a TournamentConfig,
    machines: &'a [Machine],
    pairs: &'a [(usize, usize)],
    plans: &'a [Plan],
    tables: &'a [Option<PairTable>],
    noise: &'a Coin,
    live: &'a [usize],
}

impl LivePlay<'_> {
    /// Every unit's outcomes (and actions, when recorded), in unit order.
    fn play_all(&self) -> (Vec<[u64; 4]>, Vec<MatchActions>) {
        let units = 0..self.live.len() * self.config.reps as usize;
        if self.config.record_actions {
            // every pair is live: no pair is fixed when actions are recorded
            map_in_order(units, |rng, i| self.play_recorded(rng, i))
                .into_iter()
                .unzip()
        } else {
            (map_in_order(units, |rng, i| self.play(rng, i)), Vec::new())
        }
    }

    /// The machines of unit `i`, with `rng` re-keyed for it (each worker re-keys one generator
    /// for every match it plays).
    fn unit(&self, rng: &mut MatchStream, i: usize) -> (usize, &Machine, &Machine) {
        let reps = self.config.reps as usize;
        let (p, rep) = (self.live[i / reps], (i % reps) as u64);
        let (a, b) = self.pairs[p];
        rng.reseed(derive_seed(self.config.seed, &[p as u64, rep]));
        (p, &self.machines[a], &self.machines[b])
    }

    /// Unit `i` by its plan.
    fn play(&self, rng: &mut MatchStream, i: usize) -> [u64; 4] {
        let (p, ma, mb) = self.unit(rng, i);
        let table = self.tables[p].as_ref();
        let c = self.config;
        play_planned(self.plans[p], ma, mb, c.turns, self.noise, rng, table)
    }

    /// Unit `i` turn by turn, keeping its actions.
    fn play_recorded(&self, rng: &mut MatchStream, i: usize) -> ([u64; 4], MatchActions) {
        let (_, ma, mb) = self.unit(rng, i);
        let mut actions = Vec::new();
        let c = self.config;
        let o = play_turns(ma, mb, c.turns, c.noise, rng, Some(&mut actions));
        (o, actions)
    }
}

/// `f` over `units`, results in unit order, in parallel; with one thread on the calling
/// thread (no hand-over to the pool). `f` gets a generator to re-key, one per worker (its
/// words depend only on the seed `f` gives it). The results are the same either way.
fn map_in_order<T: Send>(
    units: std::ops::Range<usize>,
    f: impl Fn(&mut MatchStream, usize) -> T + Sync + Send,
) -> Vec<T> {
    let init = || MatchStream::new(0);
    if rayon::current_num_threads() == 1 {
        let mut rng = init();
        units.map(|i| f(&mut rng, i)).collect()
    } else {
        units
            .into_par_iter()
            .with_min_len(64)
            .map_init(init, f)
            .collect()
    }
}

impl Tournament {
    /// Every match repetition, ordered by (a, b, rep).
    pub fn matches(&self) -> impl Iterator<Item = MatchResult> + '_ {
        let reps = self.config.reps;
        self.pairs
            .iter()
            .zip(&self.outcomes)
            .flat_map(move |(&(a, b), &o)| {
                (0..reps).map(move |rep| MatchResult {
                    a,
                    b,
                    rep,
                    outcomes: match o {
                        PairOutcomes::Every(o) => o,
                        PairOutcomes::Each { start } => self.played[start + rep as usize],
                    },
                })
            })
    }

    /// Number of match repetitions ([`Tournament::matches`]).
    pub fn match_count(&self) -> usize {
        self.pairs.len() * self.config.reps as usize
    }

    /// Ranking by mean score per turn (ties broken by name).
    pub fn ranking(&self) -> Vec<RankRow> {
        let g = &self.config.payoffs;
        let n = self.config.strategies.len();
        let mut total = vec![0.0; n];
        let mut coop = vec![0u64; n];
        let mut turns = vec![0u64; n];
        let mut wins = vec![0u64; n];
        let mut played = vec![0u64; n];
        for m in self.matches() {
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

    /// The tables of noisy matches played turn by turn stay within [`TURN_TABLES_BYTES`] in a
    /// large tournament of randomising strategies (later pairs get none), and recorded
    /// tournaments, which play turn by turn, build none.
    #[test]
    fn turn_tables_stay_within_their_memory() {
        let names: Vec<String> = (0..60)
            .map(|k| format!("random(0.{:03})", 200 + k))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut config = TournamentConfig {
            reps: 2_000,
            ..cfg(&names, 200, 0.05)
        };
        let tables_of = |config: &TournamentConfig| {
            let (machines, pairs, plans) = compile(config);
            assert!(plans.iter().all(|&p| p == Plan::Turns));
            let fixed = vec![None; pairs.len()];
            pair_tables(config, &machines, &pairs, &plans, &fixed)
        };
        let tables = tables_of(&config);
        let bytes: usize = tables.iter().flatten().map(|t| t.entries.len() * 4).sum();
        let built = tables.iter().flatten().count();
        assert!(bytes <= TURN_TABLES_BYTES, "{bytes} bytes of tables");
        assert!(
            built > 100 && built < tables.len(),
            "{built} of {} tables",
            tables.len()
        );
        config.record_actions = true;
        assert!(tables_of(&config).iter().all(Option::is_none));
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
    fn every_plan_equals_turn_by_turn_play() {
        let all = [
            "cooperator",
            "defector",
            "tit_for_tat",
            "grudger",
            "win_stay_lose_shift",
            "tit_for_two_tats",
            "suspicious_tit_for_tat",
            "alternator",
            "gtft",
            "random",
            "random(0.3)",
            "memory_one(0.9,0.2,0.7,0.1,D)",
            "memory_one(0,1,1,0,D)",
        ];
        let g = Payoffs::STANDARD;
        let mut seen = Vec::new();
        // widths of the tables of noisy matches played turn by turn
        let mut turn_widths = Vec::new();
        for a in all {
            for b in all {
                let ma = Strategy::parse(a).unwrap().machine(&g);
                let mb = Strategy::parse(b).unwrap().machine(&g);
                for (turns, noise) in [
                    (0, 0.0),
                    (1, 0.0),
                    (3, 0.0),
                    (157, 0.0),
                    (157, 0.05),
                    (40, 1.0),
                    (2000, 0.01),
                    (333, 0.2),
                    (500, 1e-6),
                    (97, 0.4),
                ] {
                    let n = Coin::new(noise);
                    let p = plan(&ma, &mb, &n);
                    seen.push(p);
                    // tables (of each width) shared by all seeds, as by the repetitions of a
                    // tournament
                    let tables = [TABLE_REPS, WIDE_REPS, WIDER_REPS]
                        .map(|reps| PairTable::for_plan(p, &ma, &mb, (reps, turns)));
                    if p == Plan::Turns && noise > 0.0 {
                        turn_widths.extend(tables.iter().flatten().map(|t| t.width));
                    }
                    for seed in 0..12 {
                        let want = play_turns(&ma, &mb, turns, noise, &mut stream(seed), None);
                        let got = play_planned(p, &ma, &mb, turns, &n, &mut stream(seed), None);
                        assert_eq!(got, want, "{a} vs {b}, {turns} turns, noise {noise}, {p:?}");
                        for table in tables.iter().flatten() {
                            let mut rng = stream(seed);
                            let got = play_planned(p, &ma, &mb, turns, &n, &mut rng, Some(table));
                            let w = table.width;
                            assert_eq!(got, want, "{a} vs {b}, {turns} turns, table width {w}");
                        }
                        if noise == 0.0 && reads_no_bits(&ma, &mb, turns) {
                            // the same counts whatever the stream: nothing is read
                            let other = play_turns(&ma, &mb, turns, 0.0, &mut stream(99), None);
                            assert_eq!(other, want, "{a} vs {b} reads no bits");
                        }
                    }
                }
            }
        }
        assert_every_plan_seen(&seen);
        for width in [8, 9, 10] {
            assert!(
                turn_widths.contains(&width),
                "no noisy {width}-bit turn table"
            );
        }
    }

    /// Every way of playing a match was chosen at least once.
    fn assert_every_plan_seen(seen: &[Plan]) {
        for p in [
            Plan::Lotteries,
            Plan::Blocks { lottery_is_a: true },
            Plan::Blocks {
                lottery_is_a: false,
            },
            Plan::Cycles,
            Plan::NoisyStretches,
            Plan::Reactive {
                reactive_is_a: true,
            },
            Plan::Reactive {
                reactive_is_a: false,
            },
            Plan::Turns,
        ] {
            assert!(seen.contains(&p), "{p:?} never chosen");
        }
    }

    /// Issue 16: noisy play by runs of quiet turns equals turn-by-turn play from the same bits,
    /// for every pair that gets the plan (deterministic pairs, and stochastic ones that can
    /// settle, such as gtft against tit_for_tat), over many seeds, noise levels and lengths,
    /// with a jump table shared by all seeds (as by a tournament's repetitions) and without.
    #[test]
    fn noisy_stretches_equal_turn_by_turn_play() {
        let all = [
            "cooperator",
            "defector",
            "tit_for_tat",
            "grudger",
            "win_stay_lose_shift",
            "tit_for_two_tats",
            "suspicious_tit_for_tat",
            "alternator",
            "gtft",
            "gtft(0.9)",
            "random",
            "memory_one(1,0.5,1,0,C)",
            "memory_one(0,1,1,0,D)",
        ];
        let g = Payoffs::STANDARD;
        let mut planned = 0;
        for a in all {
            for b in all {
                let ma = Strategy::parse(a).unwrap().machine(&g);
                let mb = Strategy::parse(b).unwrap().machine(&g);
                for noise in [0.05, 0.001, 0.02, 0.1, 0.3, 0.6] {
                    let n = Coin::new(noise);
                    if plan(&ma, &mb, &n) != Plan::NoisyStretches {
                        continue;
                    }
                    planned += 1;
                    let shared = JumpTable::new(&ma);
                    for (seed, turns) in (0..60).zip([200, 1, 2, 33, 64, 65, 1000].iter().cycle()) {
                        let want = play_turns(&ma, &mb, *turns, noise, &mut stream(seed), None);
                        let mut rng = stream(seed);
                        let got = play_noisy_stretches(&ma, &mb, *turns, &n, &mut rng, &shared);
                        assert_eq!(
                            got, want,
                            "{a} vs {b}, {turns} turns, noise {noise}, seed {seed}"
                        );
                        let alone = play_planned(
                            Plan::NoisyStretches,
                            &ma,
                            &mb,
                            *turns,
                            &n,
                            &mut stream(seed),
                            None,
                        );
                        assert_eq!(
                            alone, want,
                            "{a} vs {b}, {turns} turns, noise {noise}, own table"
                        );
                    }
                }
            }
        }
        assert!(
            planned > 300,
            "only {planned} pairs and noise levels planned"
        );
        let m = |s: &str| Strategy::parse(s).unwrap().machine(&g);
        let noise = Coin::new(0.05);
        assert_eq!(
            plan(&m("gtft"), &m("tit_for_tat"), &noise),
            Plan::NoisyStretches
        );
        assert_eq!(plan(&m("gtft"), &m("defector"), &noise), Plan::Turns);
        assert_eq!(plan(&m("random"), &m("cooperator"), &noise), Plan::Turns);
    }

    #[test]
    fn certain_cycles_are_found_where_play_can_settle() {
        let g = Payoffs::STANDARD;
        let m = |s: &str| Strategy::parse(s).unwrap().machine(&g);
        // gtft cooperates for sure after mutual cooperation; tft and gtft settle into CC
        assert!(has_certain_cycle(&m("gtft"), &m("tit_for_tat")));
        assert!(has_certain_cycle(&m("suspicious_tit_for_tat"), &m("gtft")));
        assert!(has_certain_cycle(&m("defector"), &m("alternator")));
        // gtft randomises after every defection of its partner
        assert!(!has_certain_cycle(&m("gtft"), &m("defector")));
        assert!(!has_certain_cycle(&m("alternator"), &m("gtft")));
        // random never plays a certain move
        assert!(!has_certain_cycle(&m("random"), &m("cooperator")));
    }

    #[test]
    fn known_scores_over_200_turns() {
        let t = run(&cfg(&["tit_for_tat", "defector", "alternator"], 200, 0.0));
        let g = Payoffs::STANDARD;
        let find = |a: usize, b: usize| t.matches().find(|m| m.a == a && m.b == b).unwrap();
        // TFT vs ALLD: CD once, then DD: 0 + 199 * 1 for TFT, 5 + 199 for ALLD.
        assert_eq!(find(0, 1).score_a(&g), 199.0);
        assert_eq!(find(0, 1).score_b(&g), 204.0);
        // TFT vs itself: mutual cooperation.
        assert_eq!(find(0, 0).score_a(&g), 600.0);
        // ALLD vs alternator: T on C turns (100), P on D turns (100).
        assert_eq!(find(1, 2).score_a(&g), 600.0);
        assert_eq!(t.matches().count(), 6 * 2);
        assert_eq!(t.match_count(), 6 * 2);
    }

    /// Repetition r of a pair has its own stream, so its result does not depend on how many
    /// repetitions are played, although more repetitions switch on lookup tables (and wider
    /// ones from [`WIDE_REPS`] and [`WIDER_REPS`]): the first three repetitions of
    /// tournaments of 3, 4, WIDE_REPS and WIDER_REPS repetitions are the same, and they equal
    /// recorded turn-by-turn play.
    #[test]
    fn a_repetition_does_not_depend_on_the_number_of_repetitions() {
        let names = [
            "gtft",
            "defector",
            "alternator",
            "random",
            "tit_for_tat",
            "suspicious_tit_for_tat",
        ];
        let first3 = |reps: u32, record_actions: bool| {
            let c = TournamentConfig {
                reps,
                record_actions,
                ..cfg(&names, 200, 0.0)
            };
            let mut m: Vec<(usize, usize, u32, [u64; 4])> = run(&c)
                .matches()
                .filter(|m| m.rep < 3)
                .map(|m| (m.a, m.b, m.rep, m.outcomes))
                .collect();
            m.sort();
            m
        };
        let reference = first3(3, true);
        assert_eq!(reference.len(), 21 * 3);
        for reps in [TABLE_REPS - 1, TABLE_REPS, WIDE_REPS, WIDER_REPS] {
            assert_eq!(first3(reps, false), reference, "{reps} repetitions");
        }
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
        assert!(a.matches().eq(b.matches()));
        // noise actually changes something
        let clean = run(&cfg(
            &["tit_for_tat", "gtft", "random", "win_stay_lose_shift"],
            100,
            0.0,
        ));
        assert!(!a.matches().eq(clean.matches()));
    }

    /// Pairs that read no random bits are stored once for all repetitions; every repetition
    /// must still be listed, in order, with the counts of playing it (here: recorded
    /// turn-by-turn play of every pair and repetition, where nothing is stored once).
    #[test]
    fn matches_lists_every_repetition_of_stored_once_pairs() {
        let names = ["tit_for_tat", "defector", "gtft", "random", "alternator"];
        let c = TournamentConfig {
            reps: 5,
            ..cfg(&names, 50, 0.0)
        };
        let t = run(&c);
        let every = run(&TournamentConfig {
            record_actions: true,
            ..c.clone()
        });
        let got: Vec<MatchResult> = t.matches().collect();
        assert_eq!(got.len(), t.match_count());
        assert_eq!(got.len(), 15 * 5);
        assert_eq!(got, every.matches().collect::<Vec<_>>());
        let order: Vec<(usize, usize, u32)> = got.iter().map(|m| (m.a, m.b, m.rep)).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        // some pairs were stored once (tit_for_tat against defector), some per repetition
        assert!(t.played.len() < got.len() && !t.played.is_empty());
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
