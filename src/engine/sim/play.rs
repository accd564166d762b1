//! Deciding moves: pass 1 of play (ODD 7.6, steps 1-3). Standing (contrite reciprocity),
//! treaty play between members, strategy machines outside the treaty, implementation noise,
//! misperception and detection draws, and the transition tables that play most edges by one
//! lookup with exactly the same result and random numbers (ODD 7.6, "How the engine computes
//! this"; draw order ODD 7.12).
//!
//! [`play_issue`] runs pass 1 ([`decide_moves`]) and pass 2 ([`super::tally::PackedSums`] fed
//! edge by edge, or [`super::tally::tally_payoffs`] after it) over buffers owned by the engine
//! ([`PlayScratch`]), so a round allocates nothing. May import
//! [`crate::model`], [`crate::engine::rng`] and the sibling modules of
//! [`super`].

use super::blocks::{split_mut, Blocks};
use super::state::{Graph, IssueState};
use super::tally::{self, Sums};
use crate::engine::rng::{BernoulliSkip, Stream};
use crate::model::game::Action;
use crate::model::strategy::{Machine, MAX_STATES};
use crate::model::Rules;
use rand::RngCore;
use rayon::prelude::*;

/// Buffers of the play of an issue's round, owned by the engine and reused every round (their
/// contents never outlive a round).
#[derive(Default)]
pub(super) struct PlayScratch {
    /// Everything the loop reads about each state.
    pub players: Vec<Player>,
    /// Each state's kind ([`Transitions::kind`]).
    pub kinds: Vec<usize>,
    /// This round's move code of each edge (pass 1 to pass 2).
    pub moves: Vec<MoveCode>,
    /// Each state's payoff table outside and inside the treaty (pass 2).
    pub pay: Vec<[f64; 8]>,
    /// Each state's sums (pass 2).
    pub sums: Vec<Sums>,
    /// Each state's per-edge sums in pass 2 on a small graph ([`tally::HotSums`]).
    pub hot: Vec<tally::HotSums>,
}

impl PlayScratch {
    /// Buffers for a graph of `edges` edges.
    pub fn new(edges: usize) -> Self {
        PlayScratch {
            moves: vec![0; edges],
            ..PlayScratch::default()
        }
    }

    /// Loads the states' current play-relevant attributes into [`PlayScratch::players`] and
    /// their kinds.
    fn load_players(&mut self, rt: &IssueState, parallel: bool) {
        let n = rt.strat.len();
        let player = |i: usize| Player {
            game: rt.game[i],
            k: rt.k[i],
            strat: rt.strat[i],
            member: rt.member[i],
            complies: rt.comply[i],
            flagged: rt.flagged[i],
        };
        self.players.clear();
        self.kinds.clear();
        if parallel {
            // A large world played in blocks: each state's entry is its own (issue 16).
            let players = (0..n).into_par_iter().with_min_len(4096).map(player);
            self.players.par_extend(players);
            let kinds = self.players.par_iter().with_min_len(4096);
            self.kinds.par_extend(kinds.map(Transitions::kind));
            return;
        }
        self.players.extend((0..n).map(player));
        self.kinds
            .extend(self.players.iter().map(Transitions::kind));
    }
}

/// The conditions of a round's play: noise, misperception and monitoring.
#[derive(Debug, Clone, Copy)]
pub(super) struct PlayConditions {
    /// Implementation noise: probability that a move flips.
    pub implementation: f64,
    /// Misperception probability outside the treaty `[0]` and between members `[1]` (ODD 7.4).
    pub misperception: [f64; 2],
    /// Detection threshold of a cheating move ([`crate::engine::rng::threshold`] of the
    /// effective monitoring).
    pub detect_t: u64,
    /// Threshold of the issue's base detection q: a member's cheating that the monitor did not
    /// catch is still seen by its victim with probability q, and otherwise passes for
    /// cooperation (ODD 7.6; Green & Porter 1984).
    pub see_t: u64,
    /// The transaction cost members save on a cooperative move with another member
    /// ([`crate::model::Enforcement::saving`]).
    pub saving: f64,
}

/// Every edge plays the stage game once (ODD 7.6): pass 1 decides the moves, pass 2 adds up
/// payoffs and counts into the issue's round tally. On a small graph pass 1 feeds pass 2's
/// sums edge by edge (one pass over the edges); a larger one keeps the move codes for a second
/// pass, serially or block by block.
pub(super) fn play_issue(
    rt: &mut IssueState,
    scratch: &mut PlayScratch,
    graph: &Graph,
    rules: &Rules,
    conditions: PlayConditions,
    lanes: Option<(&Blocks, &mut [Lane])>,
) {
    scratch.load_players(rt, lanes.is_some());
    match lanes {
        Some(lanes) => play_in_blocks(rt, scratch, (graph, rules), conditions, lanes),
        None if tally::packed_sums_apply(graph.edges.len()) => {
            play_in_one_pass(rt, scratch, &graph.edges, rules, conditions)
        }
        None => play_in_two_passes(rt, scratch, &graph.edges, rules, conditions),
    }
}

/// A small graph's play in one pass over the edges: pass 2's packed sums are fed as pass 1
/// decides each edge ([`tally::PackedSums`]).
fn play_in_one_pass(
    rt: &mut IssueState,
    scratch: &mut PlayScratch,
    edges: &[(u32, u32)],
    rules: &Rules,
    conditions: PlayConditions,
) {
    tally::fill_payoff_tables(scratch, conditions.saving);
    let n = scratch.players.len();
    let who = Who::of(&scratch.players, &scratch.kinds, &rt.machines);
    let target = (&mut scratch.hot, &mut scratch.sums);
    let mut sums = tally::PackedSums::new(&scratch.pay, target, n, rules.sanctions);
    let lane = (&mut rt.rng, &mut rt.transitions);
    decide_moves(who, lane, (edges, &mut rt.pair[..]), &mut sums, conditions);
    sums.finish();
    tally::add_sums(rt, scratch);
}

/// Play in two passes: the move codes of every edge, then pass 2 over them (a graph too large
/// for the packed sums, or tests that switch them off).
fn play_in_two_passes(
    rt: &mut IssueState,
    scratch: &mut PlayScratch,
    edges: &[(u32, u32)],
    rules: &Rules,
    conditions: PlayConditions,
) {
    let who = Who::of(&scratch.players, &scratch.kinds, &rt.machines);
    let lane = (&mut rt.rng, &mut rt.transitions);
    let mut codes = Codes(&mut scratch.moves[..]);
    decide_moves(who, lane, (edges, &mut rt.pair[..]), &mut codes, conditions);
    tally::tally_payoffs(rt, scratch, edges, rules, conditions.saving);
}

/// A large world's play block by block on rayon's pool ([`super::blocks`]): both passes.
fn play_in_blocks(
    rt: &mut IssueState,
    scratch: &mut PlayScratch,
    (graph, rules): (&Graph, &Rules),
    conditions: PlayConditions,
    (blocks, lanes): (&Blocks, &mut [Lane]),
) {
    let who = Who::of(&scratch.players, &scratch.kinds, &rt.machines);
    let work = (&graph.edges[..], &mut rt.pair[..], &mut scratch.moves[..]);
    decide_moves_in_blocks(who, blocks, lanes, work, conditions);
    tally::tally_payoffs_in_blocks(rt, scratch, graph, blocks, rules, conditions.saving);
}

/// Where pass 1 puts each edge's move code: the codes themselves ([`Codes`], for pass 2 to
/// read), or pass 2's sums directly ([`tally::PackedSums`]). Edges come in edge order.
trait EdgeSink {
    /// Edge `e` = (`a`, `b`) played with move code `code`.
    fn edge(&mut self, e: usize, a: usize, b: usize, code: MoveCode);
    /// The edges that follow have first state `a` (until the next call, or [`EdgeSink::edge`]
    /// with another first state).
    fn first(&mut self, a: usize);
    /// Edge `e` = (first state, `b`), `b` another state, played by a table lookup with move
    /// code `code` (no detection).
    /// Outside the treaty (`MEMBER` false) the code has no [`BOTH`] bit.
    fn table_edge<const MEMBER: bool>(&mut self, e: usize, b: usize, code: MoveCode);
}

/// Each edge's move code, indexed by edge.
struct Codes<'a>(&'a mut [MoveCode]);

impl EdgeSink for Codes<'_> {
    #[inline(always)]
    fn edge(&mut self, e: usize, _: usize, _: usize, code: MoveCode) {
        self.0[e] = code;
    }

    #[inline(always)]
    fn first(&mut self, _: usize) {}

    #[inline(always)]
    fn table_edge<const MEMBER: bool>(&mut self, e: usize, _: usize, code: MoveCode) {
        self.0[e] = code;
    }
}

impl EdgeSink for tally::PackedSums<'_> {
    #[inline(always)]
    fn edge(&mut self, _: usize, a: usize, b: usize, code: MoveCode) {
        self.add(a, b, code);
    }

    #[inline(always)]
    fn first(&mut self, a: usize) {
        self.start(a);
    }

    #[inline(always)]
    fn table_edge<const MEMBER: bool>(&mut self, _: usize, b: usize, code: MoveCode) {
        self.add_table::<MEMBER>(b, code);
    }
}

/// What the play of one block of edges draws from and caches in: its own random stream and
/// its own transition tables (issue 16: within-run parallel play; see [`super::blocks`]).
pub(super) struct Lane {
    /// The block's play stream.
    pub rng: Stream,
    /// The block's transition tables (an exact cache, so one per block changes nothing).
    pub transitions: Transitions,
}

/// What the play loop reads about the states: their players, kinds and strategy machines.
#[derive(Clone, Copy)]
struct Who<'a> {
    players: &'a [Player],
    kinds: &'a [usize],
    machines: &'a [Machine],
}

impl<'a> Who<'a> {
    fn of(players: &'a [Player], kinds: &'a [usize], machines: &'a [Machine]) -> Self {
        Who {
            players,
            kinds,
            machines,
        }
    }
}

/// Pass 1 of play block by block on rayon's pool, each block with its own lane; the same
/// moves whatever the number of threads.
fn decide_moves_in_blocks(
    who: Who,
    blocks: &Blocks,
    lanes: &mut [Lane],
    (edges, pair, moves): (&[(u32, u32)], &mut [PairState], &mut [MoveCode]),
    conditions: PlayConditions,
) {
    let pairs = split_mut(pair, &blocks.edges);
    let codes = split_mut(&mut moves[..edges.len()], &blocks.edges);
    lanes
        .par_iter_mut()
        .zip(pairs)
        .zip(codes)
        .zip(&blocks.edges)
        .for_each(|(((lane, pair), moves), range)| {
            let lane_parts = (&mut lane.rng, &mut lane.transitions);
            let work = (&edges[range.clone()], pair);
            decide_moves(who, lane_parts, work, &mut Codes(moves), conditions);
        });
}

/// Standing bit: own standing good.
const SELF_GOOD: u8 = 1;
/// Standing bit: partner's standing good.
const PARTNER_GOOD: u8 = 2;
const GOOD_BOTH: u8 = SELF_GOOD | PARTNER_GOOD;

/// Contrite tit-for-tat's standing (Sugden 1986): the partner falls into bad standing by
/// defecting while I am in good standing and regains it by cooperating; the same for me.
#[inline]
fn update_standing(standing: u8, own: Action, seen: Action) -> u8 {
    let self_good = standing & SELF_GOOD != 0;
    let partner_good = standing & PARTNER_GOOD != 0;
    let partner_next = seen == Action::C || !self_good;
    let self_next = own == Action::C || !partner_good;
    (self_next as u8) | ((partner_next as u8) << 1)
}

/// The move of machine `m` in `state` when it needs no random number: threshold 0 defects,
/// 2^32 cooperates; `None` when the state randomises.
#[inline]
fn certain_move(m: &Machine, state: u8) -> Option<Action> {
    match m.coop_threshold[state as usize] {
        0 => Some(Action::D),
        t if t >= 1 << 32 => Some(Action::C),
        _ => None,
    }
}

/// The move of machine `m` in `state`, drawing a number only when the state randomises.
#[inline]
fn decide(m: &Machine, state: u8, rng: &mut Stream) -> Action {
    certain_move(m, state).unwrap_or_else(|| {
        if (rng.next_u32() as u64) < m.coop_threshold[state as usize] {
            Action::C
        } else {
            Action::D
        }
    })
}

/// Everything the loop reads about a state, in one cache line.
#[derive(Clone, Copy)]
pub(super) struct Player {
    /// Its stage game (payoffs R, S, T, P).
    pub game: [f64; 4],
    /// Its relative-gains weight.
    pub k: f64,
    /// Its strategy (index into the catalogue).
    pub strat: u8,
    /// A member of the treaty.
    pub member: bool,
    /// Its compliance disposition this round.
    pub complies: bool,
    /// A known systematic cheater this round.
    pub flagged: bool,
}

/// The state of an edge between rounds, packed in 10 bits: a's and b's strategy-machine states
/// (3 bits each, [`MAX_STATES`] = 8) and each side's treaty standing (2 bits each).
pub(super) type PairState = u16;

const _: () = assert!(MAX_STATES <= 8);

/// The pair state of a fresh edge: both machines in their first state, both in good standing.
pub(super) const PAIR_START: PairState = pack(0, 0, GOOD_BOTH, GOOD_BOTH);

#[inline(always)]
const fn pack(sa: u8, sb: u8, st_a: u8, st_b: u8) -> PairState {
    sa as u16 | (sb as u16) << 3 | (st_a as u16) << 6 | (st_b as u16) << 8
}

#[inline(always)]
fn unpack(ps: PairState) -> (u8, u8, u8, u8) {
    (
        (ps & 7) as u8,
        (ps >> 3 & 7) as u8,
        (ps >> 6 & 3) as u8,
        (ps >> 8 & 3) as u8,
    )
}

/// A pair state with one side's machine reset to its first state (after a change of strategy).
pub(super) fn reset_machine(ps: PairState, side_a: bool) -> PairState {
    if side_a {
        ps & !7
    } else {
        ps & !(7 << 3)
    }
}

/// A pair state with both sides' treaty standing good again (when one of the two joins a
/// treaty: what they did to each other before it does not count against them inside it).
pub(super) fn reset_standing(ps: PairState) -> PairState {
    let (sa, sb, _, _) = unpack(ps);
    pack(sa, sb, GOOD_BOTH, GOOD_BOTH)
}

/// Move code of an edge's round: bit 1 is a's move and bit 0 b's move (1 = D); the flags
/// follow. This one: a's (b's) move conforms to the treaty (cooperation or a lawful
/// punishment; always set outside a treaty).
pub(super) const CONFORM_A: MoveCode = 1 << 2;
pub(super) const CONFORM_B: MoveCode = 1 << 3;
/// Move-code bit: both are members (the edge is played under the treaty).
pub(super) const BOTH: MoveCode = 1 << 4;
/// Move-code bits: a's (b's) cheating was detected this round.
pub(super) const DETECTED_A: MoveCode = 1 << 5;
pub(super) const DETECTED_B: MoveCode = 1 << 6;
/// Move-code bits: a's (b's) move kept the treaty toward a partner as the record stands:
/// cooperation, or the punishment of a partner whose own record is bad (it defected against a
/// partner in good standing) or that the monitor flagged. Compliance is measured by these
/// (cooperation with members in good standing); a punishment born of a misread move conforms
/// in the punisher's eyes (it is not cheating) but does not keep the treaty.
pub(super) const KEPT_A: MoveCode = 1 << 7;
pub(super) const KEPT_B: MoveCode = 1 << 8;

/// A round's move code of an edge: the moves and the flags above.
pub(super) type MoveCode = u16;

#[inline(always)]
fn move_code(xa: Action, xb: Action, treaty: TreatyFlags, both: bool) -> MoveCode {
    let (da, db) = (xa == Action::D, xb == Action::D);
    let bit = |x: bool, at: u32| (x as MoveCode) << at;
    bit(da, 1)
        | bit(db, 0)
        | bit(!both || !da || treaty.punish.0, 2)
        | bit(!both || !db || treaty.punish.1, 3)
        | bit(both, 4)
        | bit(!both || !da || treaty.lawful.0, 7)
        | bit(!both || !db || treaty.lawful.1, 8)
}

/// Whether each side's move in treaty play is a punishment (in its own eyes), and whether the
/// punishment is lawful as the record stands (the partner's own standing is bad, or the partner
/// is flagged).
#[derive(Clone, Copy, Default)]
struct TreatyFlags {
    punish: (bool, bool),
    lawful: (bool, bool),
}

/// Treaty play (contrite reciprocity, Sugden 1986; Boyd 1989): a complier in good standing
/// punishes a partner in bad standing, or a partner known to cheat systematically; a state in
/// bad standing (it defected against a partner in good standing) accepts the punishment instead
/// of answering it, so that implementation errors do not echo. A non-complier cheats.
/// Returns the moves and whether each is a punishment, and a lawful one.
#[inline(always)]
fn treaty_moves(pa: &Player, pb: &Player, st_a: u8, st_b: u8) -> (Action, Action, TreatyFlags) {
    let punish_a = pa.complies
        && !pa.flagged
        && st_a & SELF_GOOD != 0
        && (st_a & PARTNER_GOOD == 0 || pb.flagged);
    let punish_b = pb.complies
        && !pb.flagged
        && st_b & SELF_GOOD != 0
        && (st_b & PARTNER_GOOD == 0 || pa.flagged);
    let xa = if pa.complies && !punish_a {
        Action::C
    } else {
        Action::D
    };
    let xb = if pb.complies && !punish_b {
        Action::C
    } else {
        Action::D
    };
    let lawful_a = punish_a && (st_b & SELF_GOOD == 0 || pb.flagged);
    let lawful_b = punish_b && (st_a & SELF_GOOD == 0 || pa.flagged);
    let flags = TreatyFlags {
        punish: (punish_a, punish_b),
        lawful: (lawful_a, lawful_b),
    };
    (xa, xb, flags)
}

/// The pair state after a round with moves `xa`, `xb` as made and as seen by the other side:
/// machines step on (own move, move seen); standings update (contrite reciprocity).
///
/// Between members the standings are the treaty's public record (ODD 7.6, D24): each move
/// enters it as its victim reported it (after the monitor's corrections and with cheating
/// nobody saw passing for cooperation), and both sides read the same record, so a misread puts
/// the reported side in bad standing in its own eyes too: it accepts one punishment instead of
/// answering it, and perception errors do not echo (Boyd 1989 shows that private standing
/// cannot do this). Outside a treaty each side keeps its own view. A known systematic cheater
/// is in bad standing with every member: punishing it keeps the punisher's own standing, and
/// it accepts the punishment.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn advance(
    ma: &Machine,
    mb: &Machine,
    pa: &Player,
    pb: &Player,
    both: bool,
    ps: PairState,
    (xa, xb): (Action, Action),
    (seen_by_a, seen_by_b): (Action, Action),
) -> PairState {
    let (sa, sb, mut st_a, mut st_b) = unpack(ps);
    if both {
        if pb.flagged {
            st_a &= !PARTNER_GOOD;
            st_b &= !SELF_GOOD;
        }
        if pa.flagged {
            st_b &= !PARTNER_GOOD;
            st_a &= !SELF_GOOD;
        }
    }
    // The record of each move: as its victim saw it between members, as made outside.
    let (record_a, record_b) = if both {
        (seen_by_b, seen_by_a)
    } else {
        (xa, xb)
    };
    pack(
        ma.step(sa, xa, seen_by_a),
        mb.step(sb, xb, seen_by_b),
        update_standing(st_a, record_a, seen_by_a),
        update_standing(st_b, record_b, seen_by_b),
    )
}

#[cfg(test)]
thread_local! {
    /// Tests switch the transition tables off to compare with playing every edge in full.
    pub(super) static FULL_PLAY_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether [`decide_moves`] may use the transition tables (always, outside tests).
#[inline(always)]
fn tables_enabled() -> bool {
    #[cfg(test)]
    {
        !FULL_PLAY_ONLY.with(|c| c.get())
    }
    #[cfg(not(test))]
    {
        true
    }
}

/// A [`Transitions`] entry not yet worked out.
const UNKNOWN: u32 = 0;
/// A [`Transitions`] entry whose moves are random (a machine randomises in its state).
const RANDOM_MOVES: u32 = 1;
/// Flag of a [`Transitions`] entry with certain moves.
const CERTAIN: u32 = 1 << 31;
/// A [`Transitions`] entry holds the next pair state in its low bits and the move code above.
const PAIR_BITS: u32 = 10;
const PAIR_MASK: u32 = (1 << PAIR_BITS) - 1;

/// What each kind of pair does from each pair state when no noise event falls on it.
///
/// A state's kind is its strategy, membership, compliance and whether it is a known cheater
/// ([`Transitions::kind`]); these and the pair state decide the moves of a round completely,
/// unless a machine randomises or a noise or misperception trial succeeds. For each pair of
/// kinds a table over the 1,024 pair states holds the next pair state and the move code
/// ([`CERTAIN`] | code << [`PAIR_BITS`] | next), [`RANDOM_MOVES`], or [`UNKNOWN`] until
/// first needed.
/// The tables depend only on the strategy machines, so they are filled lazily and kept for
/// the whole run: after the first rounds, most edges are played by one lookup.
pub(super) struct Transitions {
    /// Table index + 1 of each (kind a, kind b), 0 when none is allocated yet.
    index: Vec<u32>,
    kinds: usize,
    /// The tables one after the other, [`TABLE`] entries each (table t from `t * TABLE`): an
    /// entry is one load from the index's slot, with no pointer in between.
    tables: Vec<u32>,
}

/// Entries of a [`Transitions`] table: one per pair state.
const TABLE: usize = 1 << PAIR_BITS;

impl Transitions {
    /// No tables yet, for a catalogue of `machines` strategies.
    pub(super) fn new(machines: usize) -> Self {
        let kinds = machines * 8;
        Transitions {
            index: vec![0; kinds * kinds],
            kinds,
            tables: Vec::new(),
        }
    }

    #[inline(always)]
    fn kind(p: &Player) -> usize {
        p.strat as usize * 8
            + (p.member as usize) * 4
            + (p.complies as usize) * 2
            + p.flagged as usize
    }

    /// The table of a pair of kinds, allocated on first use.
    #[inline(always)]
    fn table(&mut self, ka: usize, kb: usize) -> usize {
        let slot = &mut self.index[ka * self.kinds + kb];
        if *slot == 0 {
            self.tables.resize(self.tables.len() + TABLE, UNKNOWN);
            *slot = (self.tables.len() / TABLE) as u32;
        }
        *slot as usize - 1
    }

    /// Works out an entry: the round from pair state `ps` without noise events.
    #[cold]
    fn entry(ma: &Machine, mb: &Machine, pa: &Player, pb: &Player, ps: PairState) -> u32 {
        let both = pa.member && pb.member;
        let (sa, sb, st_a, st_b) = unpack(ps);
        let (xa, xb, flags) = if both {
            treaty_moves(pa, pb, st_a, st_b)
        } else {
            match (certain_move(ma, sa), certain_move(mb, sb)) {
                (Some(xa), Some(xb)) => (xa, xb, TreatyFlags::default()),
                _ => return RANDOM_MOVES,
            }
        };
        let next = advance(ma, mb, pa, pb, both, ps, (xa, xb), (xb, xa));
        CERTAIN | (move_code(xa, xb, flags, both) as u32) << PAIR_BITS | next as u32
    }
}

/// Pass 1 of play, the hot loop: every edge's moves, as a move code plus detection bits handed
/// to `sink` in edge order (the move codes for pass 2, or pass 2's sums directly), and its next
/// pair state.
///
/// Random numbers per pair, in order: a's choice and b's choice (only when their machine
/// randomises in its state), then a's and b's implementation-noise trials and b's and a's
/// misperception trials (Bernoulli processes, see [`BernoulliSkip`]), then a detection draw for
/// each cheating member.
///
/// Most edges, most rounds, are played by one table lookup ([`Transitions`]): when the pair's
/// moves are certain and no noise or misperception trial of the edge succeeds (the processes'
/// gaps are at least two), the tabulated moves and next pair state are exactly those of
/// playing the edge in full, and the random numbers consumed are the same. The loop is two
/// named steps: runs of such edges with the same first state ([`table_run`], then
/// [`member_run`] where a member's run needs a check per edge) and an edge played in full
/// ([`play_edge_in_full`]).
fn decide_moves(
    who: Who,
    (rng, trans): (&mut Stream, &mut Transitions),
    (edges, pair): (&[(u32, u32)], &mut [PairState]),
    sink: &mut impl EdgeSink,
    conditions: PlayConditions,
) {
    let pair = &mut pair[..edges.len()];
    // Noise trials are Bernoulli processes simulated by geometric skipping (exact in
    // distribution, far fewer random draws). Fresh processes each round: memorylessness
    // makes that exact too, and lets probabilities change between rounds.
    let mut trials = Trials {
        noise: BernoulliSkip::new(conditions.implementation, rng),
        misread: [
            BernoulliSkip::new(conditions.misperception[0], rng),
            BernoulliSkip::new(conditions.misperception[1], rng),
        ],
    };
    // Without monitoring or hidden cheating, a non-conforming tabulated move draws nothing.
    let lookups = Lookups {
        enabled: tables_enabled(),
        any_conformity: conditions.detect_t == 0 && conditions.see_t >= 1 << 32,
    };
    let mut e = 0;
    while e < edges.len() {
        let a = edges[e].0 as usize;
        let end = if !lookups.enabled {
            e
        } else if who.players[a].member {
            let end = table_run::<true>(who, trans, (edges, pair, sink), e, &mut trials, lookups);
            if end > e {
                end
            } else {
                member_run(who, trans, (edges, pair, sink), e, &mut trials, lookups)
            }
        } else {
            table_run::<false>(who, trans, (edges, pair, sink), e, &mut trials, lookups)
        };
        if end > e {
            e = end;
            continue;
        }
        let code = play_edge_in_full(who, (rng, trans), (edges, pair), e, &mut trials, conditions);
        sink.edge(e, a, edges[e].1 as usize, code);
        e += 1;
    }
}

/// The Bernoulli processes of a round's play: implementation noise, and misperception outside
/// the treaty `[0]` and between members `[1]`.
struct Trials {
    noise: BernoulliSkip,
    misread: [BernoulliSkip; 2],
}

impl Trials {
    /// Runs the trials of `edges` quiet edges, `members` of them between members: two failed
    /// trials of noise each, two of the misperception of their kind.
    #[inline(always)]
    fn skip_edges(&mut self, edges: u64, members: u64) {
        self.noise.skip(2 * edges);
        self.misread[1].skip(2 * members);
        self.misread[0].skip(2 * (edges - members));
    }
}

/// How the runs of edges ([`table_run`], [`member_run`]) may use the transition tables.
#[derive(Clone, Copy)]
struct Lookups {
    /// Tables in use (always, outside tests).
    enabled: bool,
    /// A tabulated non-conforming move needs no detection or sighting draw (no monitoring, and
    /// every cheat is seen).
    any_conformity: bool,
}

/// Plays edges from `start` with the same first state, a member of the treaty, by one table
/// lookup each while their moves are certain and every trial of theirs fails for certain (the
/// processes' gaps), and returns the edge that stopped the run (`edges.len()` at the end),
/// having run the trials of the edges played.
#[inline(always)]
fn member_run(
    who: Who,
    trans: &Transitions,
    (edges, pair, sink): (&[(u32, u32)], &mut [PairState], &mut impl EdgeSink),
    start: usize,
    trials: &mut Trials,
    lookups: Lookups,
) -> usize {
    let a = edges[start].0 as usize;
    // Edges each process leaves quiet.
    let noise_left = trials.noise.gap() / 2;
    let misread_left = [trials.misread[0].gap() / 2, trials.misread[1].gap() / 2];
    let mut members = 0u64;
    let row = who.kinds[a] * trans.kinds;
    let mut end = edges.len();
    for e in start..edges.len() {
        let Some((b, next, code)) =
            tabulated::<true>(who, trans, (edges, pair), (a, row), e, lookups)
        else {
            end = e;
            break;
        };
        let both = (code & BOTH != 0) as u64;
        let played = (e - start) as u64;
        let misread_used = [played - members, members][both as usize];
        if played == noise_left || misread_used == misread_left[both as usize] {
            end = e;
            break;
        }
        pair[e] = next;
        sink.edge(e, a, b, code);
        members += both;
    }
    trials.skip_edges((end - start) as u64, members);
    end
}

/// Plays edges from `start` with the same first state by one table lookup each while their
/// moves are certain, for as many edges as every process's gap allows (no budget check per
/// edge: a member's edges may try both misperception processes, so its run stops at the
/// smaller gap, where [`member_run`] goes on edge by edge). Outside the treaty (`MEMBER`
/// false) every move conforms and only misperception outside the treaty is tried. Returns the
/// edge that stopped the run, having run the trials of the edges played.
#[inline(always)]
fn table_run<const MEMBER: bool>(
    who: Who,
    trans: &Transitions,
    (edges, pair, sink): (&[(u32, u32)], &mut [PairState], &mut impl EdgeSink),
    start: usize,
    trials: &mut Trials,
    lookups: Lookups,
) -> usize {
    let a = edges[start].0 as usize;
    let mut quiet = trials.noise.gap().min(trials.misread[0].gap());
    if MEMBER {
        quiet = quiet.min(trials.misread[1].gap());
    }
    let quiet = (quiet / 2).min(usize::MAX as u64) as usize;
    let limit = edges.len().min(start.saturating_add(quiet));
    let row = who.kinds[a] * trans.kinds;
    sink.first(a);
    let mut members = 0u64;
    let mut end = limit;
    for e in start..limit {
        let Some((b, next, code)) =
            tabulated::<MEMBER>(who, trans, (edges, pair), (a, row), e, lookups)
        else {
            end = e;
            break;
        };
        pair[e] = next;
        sink.table_edge::<MEMBER>(e, b, code);
        if MEMBER {
            members += u64::from(code & BOTH != 0);
        }
    }
    trials.skip_edges((end - start) as u64, members);
    end
}

/// Edge `e`'s partner, next pair state and move code by one table lookup, in a run of edges
/// with first state `a` (table row `row` of its kind); `None` when the edge ends the run:
/// another first state, a self-interaction, a pair of kinds without a table yet, moves that
/// are not certain, or (for a member, `MEMBER`) a non-conforming move that would draw a
/// detection or sighting number.
#[inline(always)]
fn tabulated<const MEMBER: bool>(
    who: Who,
    trans: &Transitions,
    (edges, pair): (&[(u32, u32)], &[PairState]),
    (a, row): (usize, usize),
    e: usize,
    lookups: Lookups,
) -> Option<(usize, PairState, MoveCode)> {
    let (first, b) = (edges[e].0 as usize, edges[e].1 as usize);
    let slot = trans.index[row + who.kinds[b]];
    if first != a || slot == 0 || a == b {
        return None;
    }
    let entry = trans.tables[(slot as usize - 1) * TABLE + pair[e] as usize];
    let code = (entry >> PAIR_BITS) as MoveCode & TABLE_CODE;
    let conforms = code & (CONFORM_A | CONFORM_B) == CONFORM_A | CONFORM_B;
    if entry & CERTAIN == 0 || (MEMBER && !conforms && !lookups.any_conformity) {
        return None;
    }
    Some((b, (entry & PAIR_MASK) as PairState, code))
}

/// The bits of a tabulated move code: the moves, both members, conforming and kept.
const TABLE_CODE: MoveCode = BOTH | CONFORM_A | CONFORM_B | KEPT_A | KEPT_B | 0b11;

/// Plays edge `e` in full: its moves (drawn when a machine randomises, or by treaty play), its
/// noise and misperception trials, detection and sighting draws, and its next pair state; on
/// the way, works out its transition-table entry if it is not known yet. Returns its move code
/// with the detection bits.
fn play_edge_in_full(
    who: Who,
    (rng, trans): (&mut Stream, &mut Transitions),
    (edges, pair): (&[(u32, u32)], &mut [PairState]),
    e: usize,
    trials: &mut Trials,
    conditions: PlayConditions,
) -> MoveCode {
    let (a, b) = (edges[e].0 as usize, edges[e].1 as usize);
    let ps = pair[e];
    let (pa_, pb_) = (&who.players[a], &who.players[b]);
    let ma = &who.machines[pa_.strat as usize];
    let mb = &who.machines[pb_.strat as usize];
    if a != b && tables_enabled() {
        let t = trans.table(who.kinds[a], who.kinds[b]);
        let at = t * TABLE + ps as usize;
        if trans.tables[at] == UNKNOWN {
            trans.tables[at] = Transitions::entry(ma, mb, pa_, pb_, ps);
        }
    }
    let both = a != b && pa_.member && pb_.member;
    let (sa, sb, st_a, st_b) = unpack(ps);
    let (mut xa, mut xb, flags) = if both {
        treaty_moves(pa_, pb_, st_a, st_b)
    } else {
        let (xa, xb) = (decide(ma, sa, rng), decide(mb, sb, rng));
        (xa, xb, TreatyFlags::default())
    };
    // What each side meant to do: only a deliberate non-conforming move is cheating that
    // a monitor can detect; an honest implementation error is not (ODD 7.6).
    let meant = (xa, xb);
    if trials.noise.trial(rng) {
        xa = xa.flip();
    }
    if trials.noise.trial(rng) {
        xb = xb.flip();
    }
    let m = &mut trials.misread[both as usize];
    let seen_by_b = if m.trial(rng) { xa.flip() } else { xa };
    let seen_by_a = if m.trial(rng) { xb.flip() } else { xb };
    let code = move_code(xa, xb, flags, both);
    let detected = detections(code, meant, conditions.detect_t, rng);
    let see_t = conditions.see_t;
    let seen = hide_unseen_cheating((seen_by_a, seen_by_b), code, meant, detected, see_t, rng);
    pair[e] = advance(ma, mb, pa_, pb_, both, ps, (xa, xb), seen);
    code | detected
}

/// The moves as each side saw them, `(seen by a, seen by b)`, once cheating the victim did not
/// see passes for cooperation: a deliberate non-conforming move that the monitor did not detect
/// is seen by the partner itself with the base detection q (threshold `see_t`; a's draw first,
/// a draw only when 0 < q < 1), so that cheating is seen with pi = 1 - (1 - q)(1 - m) in play as
/// in the compliance condition (ODD 7.5, 7.6).
#[inline(always)]
fn hide_unseen_cheating(
    (seen_by_a, seen_by_b): (Action, Action),
    code: MoveCode,
    meant: (Action, Action),
    detected: MoveCode,
    see_t: u64,
    rng: &mut Stream,
) -> (Action, Action) {
    if see_t >= 1 << 32 {
        return (seen_by_a, seen_by_b);
    }
    let mut unseen = |cheat: bool, caught: bool| {
        cheat && !caught && (see_t == 0 || (rng.next_u32() as u64) >= see_t)
    };
    let a = unseen(
        code & CONFORM_A == 0 && meant.0 == Action::D,
        detected & DETECTED_A != 0,
    );
    let b = unseen(
        code & CONFORM_B == 0 && meant.1 == Action::D,
        detected & DETECTED_B != 0,
    );
    let hide = |seen: Action, unseen: bool| if unseen { Action::C } else { seen };
    (hide(seen_by_a, b), hide(seen_by_b, a))
}

/// The detection bits of an edge's round: a deliberate non-conforming move between members
/// (cheating, not an error: the state also intended the D) is detected with the monitoring
/// probability, a's draw first (ODD 7.6).
#[inline(always)]
fn detections(
    code: MoveCode,
    meant: (Action, Action),
    detect_t: u64,
    rng: &mut Stream,
) -> MoveCode {
    let cheat_a = code & CONFORM_A == 0 && meant.0 == Action::D;
    let cheat_b = code & CONFORM_B == 0 && meant.1 == Action::D;
    let detected_a = cheat_a && detect_t > 0 && (rng.next_u32() as u64) < detect_t;
    let detected_b = cheat_b && detect_t > 0 && (rng.next_u32() as u64) < detect_t;
    (if detected_a { DETECTED_A } else { 0 }) | if detected_b { DETECTED_B } else { 0 }
}
