//! What a run counts, per state and issue: this round ([`RoundTally`]), since the last
//! strategy revision ([`LearningTally`]), since the last negotiation ([`NegotiationTally`]) and
//! over the whole run ([`RunTally`]); and the second pass of play, which adds up the payoffs and
//! counts of the moves decided by [`super::play`] (ODD 7.6, steps 4-6).
//!
//! Every sum is formed in a fixed order (edges in sorted order, then states in index order), so
//! results are the same to the last bit however the work is arranged. May import
//! the sibling modules of [`super`]; nothing outside the engine and
//! the model.

use std::ops::Range;

use super::blocks::{split_mut, Blocks};
use super::play::{MoveCode, PlayScratch, BOTH, DETECTED_A, DETECTED_B, KEPT_A, KEPT_B};
use super::state::{Graph, IssueState};
use crate::model::Rules;
use rayon::prelude::*;

/// What each state did and got in the current round of an issue; cleared after the round.
#[derive(Debug, Clone, Default)]
pub(super) struct RoundTally {
    /// Summed payoff (after transaction-cost cuts and sanctions).
    pub payoff: Vec<f64>,
    /// Summed utility (relative gains, ODD 7.2).
    pub utility: Vec<f64>,
    /// Moves that were C.
    pub cooperated: Vec<u32>,
    /// Moves toward treaty partners (both sides members).
    pub treaty_moves: Vec<u32>,
    /// Moves toward treaty partners that conformed to the treaty (C or a lawful punishment).
    pub treaty_conforming: Vec<u32>,
    /// Moves of its treaty partners toward it that conformed (it received as many treaty moves
    /// as it made).
    pub received_conforming: Vec<u32>,
    /// Times its cheating on a treaty partner was detected.
    pub detected: Vec<u32>,
}

impl RoundTally {
    /// Zero counts for `n` states.
    pub fn new(n: usize) -> Self {
        RoundTally {
            payoff: vec![0.0; n],
            utility: vec![0.0; n],
            cooperated: vec![0; n],
            treaty_moves: vec![0; n],
            treaty_conforming: vec![0; n],
            received_conforming: vec![0; n],
            detected: vec![0; n],
        }
    }

    /// Sets the counts of the states in `states` back to zero.
    pub fn clear(&mut self, states: Range<usize>) {
        for i in states {
            self.payoff[i] = 0.0;
            self.utility[i] = 0.0;
            self.cooperated[i] = 0;
            self.treaty_moves[i] = 0;
            self.treaty_conforming[i] = 0;
            self.received_conforming[i] = 0;
            self.detected[i] = 0;
        }
    }
}

/// What each state earned since the last strategy revision (ODD 7.8: `W_i`).
#[derive(Debug, Clone, Default)]
pub(super) struct LearningTally {
    /// Summed utility since the last revision.
    pub utility: Vec<f64>,
}

impl LearningTally {
    /// Zero for `n` states.
    pub fn new(n: usize) -> Self {
        LearningTally {
            utility: vec![0.0; n],
        }
    }

    /// Adds the round's utilities of the states in `states`.
    pub fn add_round(&mut self, round: &RoundTally, states: Range<usize>) {
        for i in states {
            self.utility[i] += round.utility[i];
        }
    }
}

/// What happened since the last negotiation: the observed compliance of the treaty (ODD 7.9).
#[derive(Debug, Clone, Default)]
pub(super) struct NegotiationTally {
    /// Moves between treaty partners, all states.
    pub treaty_moves: u64,
    /// Moves between treaty partners that conformed to the treaty, all states.
    pub treaty_conforming: u64,
}

impl NegotiationTally {
    /// Starts a new negotiation interval.
    pub fn clear(&mut self) {
        self.treaty_moves = 0;
        self.treaty_conforming = 0;
    }
}

/// Totals over the whole run (`summary.csv` and `states.csv`).
#[derive(Debug, Clone, Default)]
pub(super) struct RunTally {
    /// Each state's summed payoff.
    pub payoff: Vec<f64>,
    /// Each state's summed utility.
    pub utility: Vec<f64>,
    /// Each state's moves (stage games played).
    pub moves: Vec<u64>,
    /// Each state's moves that were C.
    pub cooperated: Vec<u64>,
    /// Times each state's cheating was detected.
    pub detected: Vec<u64>,
    /// Each state's memory of membership (ODD 7.9): moves its treaty partners made toward it,
    /// across all its memberships.
    pub received: Vec<u64>,
    /// Of those, the moves that conformed to the treaty.
    pub received_conforming: Vec<u64>,
    /// Sum over rounds of the share of C moves of all states.
    pub cooperation_share_sum: f64,
    /// Share of C moves of all states in the latest round.
    pub last_cooperation_share: f64,
}

impl RunTally {
    /// Zero for `n` states.
    pub fn new(n: usize) -> Self {
        RunTally {
            payoff: vec![0.0; n],
            utility: vec![0.0; n],
            moves: vec![0; n],
            cooperated: vec![0; n],
            detected: vec![0; n],
            received: vec![0; n],
            received_conforming: vec![0; n],
            cooperation_share_sum: 0.0,
            last_cooperation_share: 0.0,
        }
    }

    /// Records the share of C moves of all states in the round (`degree`: stage games per state
    /// and round).
    pub fn add_cooperation_share(&mut self, round: &RoundTally, degree: &[u32]) {
        let total_moves: u64 = degree.iter().map(|&x| x as u64).sum();
        let total_coop: u64 = round.cooperated.iter().map(|&x| x as u64).sum();
        self.last_cooperation_share = if total_moves > 0 {
            total_coop as f64 / total_moves as f64
        } else {
            0.0
        };
        self.cooperation_share_sum += self.last_cooperation_share;
    }

    /// Adds the round's counts of the states in `states`.
    pub fn add_round(&mut self, round: &RoundTally, degree: &[u32], states: Range<usize>) {
        for i in states {
            self.payoff[i] += round.payoff[i];
            self.utility[i] += round.utility[i];
            self.moves[i] += degree[i] as u64;
            self.cooperated[i] += round.cooperated[i] as u64;
            self.detected[i] += round.detected[i] as u64;
            self.received[i] += round.treaty_moves[i] as u64;
            self.received_conforming[i] += round.received_conforming[i] as u64;
        }
    }
}

/// Everything the payoff pass adds up for a state in a round.
///
/// Utilities are formed once per state at the end: the sum over partners of
/// pi_i - k (pi_j - pi_i) is (1 + k) sum pi_i - k sum pi_j.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sums {
    payoff: f64,
    partner: f64,
    self_payoff: f64,
    received_conforming: u32,
    coop: u32,
    m2m: u32,
    m2m_coop: u32,
    detected: u32,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.payoff += o.payoff;
        self.partner += o.partner;
        self.self_payoff += o.self_payoff;
        self.received_conforming += o.received_conforming;
        self.coop += o.coop;
        self.m2m += o.m2m;
        self.m2m_coop += o.m2m_coop;
        self.detected += o.detected;
    }
}

/// Pass 2 of play (ODD 7.6, steps 4-6): the payoffs and counts of the moves in
/// `scratch.moves`, added to the issue's round tally (and the member-pair utility to its
/// negotiation tally).
pub(super) fn tally_payoffs(
    rt: &mut IssueState,
    scratch: &mut PlayScratch,
    edges: &[(u32, u32)],
    rules: &Rules,
    saving: f64,
) {
    fill_payoff_tables(scratch, saving);
    if packed_sums_apply(edges.len()) {
        sum_edges_packed(scratch, edges, rules.sanctions);
    } else {
        sum_edges(scratch, edges, rules.sanctions);
    }
    add_sums(rt, scratch);
}

/// Pass 2 of play for a world played in blocks ([`super::blocks`]): the same sums as
/// [`tally_payoffs`], gathered state by state over each state's incident edges, block by block
/// on rayon's pool. Every state's sums are formed by the same additions in the same order as
/// [`sum_edges`] forms them (its edges as second state, in edge order, then its edges as first
/// state from zero, added last), so the results are identical to the last bit.
pub(super) fn tally_payoffs_in_blocks(
    rt: &mut IssueState,
    scratch: &mut PlayScratch,
    graph: &Graph,
    blocks: &Blocks,
    rules: &Rules,
    saving: f64,
) {
    fill_payoff_tables_in_parallel(scratch, saving);
    let n = scratch.players.len();
    if scratch.sums.len() != n {
        // Every element is overwritten below: resized once, never cleared.
        scratch.sums.clear();
        scratch.sums.resize(n, Sums::default());
    }
    let sanction = rules.sanctions;
    let (pay, moves) = (&scratch.pay[..], &scratch.moves[..]);
    let pieces = split_mut(&mut scratch.sums[..], &blocks.states);
    pieces
        .into_par_iter()
        .zip(&blocks.states)
        .for_each(|(sums, states)| {
            for (s, i) in sums.iter_mut().zip(states.clone()) {
                *s = gather_state(i, &graph.incident[i], &graph.edges, (pay, moves), sanction);
            }
        });
    add_sums_in_parallel(rt, scratch);
}

/// [`fill_payoff_tables`] on rayon's pool (each state's table is its own).
fn fill_payoff_tables_in_parallel(scratch: &mut PlayScratch, tc: f64) {
    scratch.pay.clear();
    let players = &scratch.players;
    scratch
        .pay
        .par_extend(players.par_iter().with_min_len(4096).map(|p| {
            let g = p.game;
            [g[0], g[1], g[2], g[3], g[0] + tc, g[1] + tc, g[2], g[3]]
        }));
}

/// [`add_sums`] on rayon's pool: each state's tallies are its own, and the totals are sums of
/// integers (the same in any order).
fn add_sums_in_parallel(rt: &mut IssueState, scratch: &PlayScratch) {
    let r = &mut rt.round;
    let per_state = (
        r.payoff.par_iter_mut(),
        r.utility.par_iter_mut(),
        r.received_conforming.par_iter_mut(),
        r.cooperated.par_iter_mut(),
        r.treaty_moves.par_iter_mut(),
        r.treaty_conforming.par_iter_mut(),
        r.detected.par_iter_mut(),
        scratch.sums.par_iter(),
        scratch.players.par_iter(),
    );
    per_state.into_par_iter().with_min_len(4096).for_each(
        |(payoff, utility, received, cooperated, moves, conforming, detected, s, player)| {
            let k = player.k;
            *payoff += s.payoff;
            *utility += (1.0 + k) * (s.payoff - s.self_payoff) - k * s.partner + s.self_payoff;
            *received += s.received_conforming;
            *cooperated += s.coop;
            *moves += s.m2m;
            *conforming += s.m2m_coop;
            *detected += s.detected;
        },
    );
    let (m2m, m2m_coop) = scratch
        .sums
        .par_iter()
        .map(|s| (s.m2m as u64, s.m2m_coop as u64))
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    rt.negotiation.treaty_moves += m2m;
    rt.negotiation.treaty_conforming += m2m_coop;
}

/// State `i`'s sums over its incident edges `incident` (in edge order: those where it is the
/// second state come first), exactly as [`sum_edges`] adds them.
#[inline]
fn gather_state(
    i: usize,
    incident: &[(u32, bool)],
    edges: &[(u32, u32)],
    (pay, moves): (&[[f64; 8]], &[MoveCode]),
    sanction: f64,
) -> Sums {
    let mut s = Sums::default();
    let mut acc = Sums::default();
    let mut first = false;
    for &(e, side_a) in incident {
        let (a, b) = edges[e as usize];
        let (a, b) = (a as usize, b as usize);
        let m = moves[e as usize];
        let both = usize::from(m & BOTH != 0);
        let (da, db) = (usize::from(m >> 1 & 1), usize::from(m & 1));
        let mut pa = pay[a][both * 4 + da * 2 + db];
        let mut pb = pay[b][both * 4 + db * 2 + da];
        let (ca, cb) = ((da ^ 1) as u32, (db ^ 1) as u32);
        let both_u = both as u32;
        if side_a {
            first = true;
            if a == b {
                acc.payoff += pa;
                acc.self_payoff += pa;
                acc.coop += ca;
                continue;
            }
            if m & DETECTED_A != 0 {
                pa -= sanction;
                acc.detected += 1;
            }
            if m & DETECTED_B != 0 {
                pb -= sanction;
            }
            acc.m2m += both_u;
            acc.m2m_coop += both_u & u32::from(m & KEPT_A != 0);
            acc.payoff += pa;
            acc.partner += pb;
            acc.coop += ca;
            acc.received_conforming += both_u & u32::from(m & KEPT_B != 0);
        } else {
            debug_assert_eq!(b, i);
            if m & DETECTED_A != 0 {
                pa -= sanction;
            }
            if m & DETECTED_B != 0 {
                pb -= sanction;
                s.detected += 1;
            }
            s.m2m += both_u;
            s.m2m_coop += both_u & u32::from(m & KEPT_B != 0);
            s.payoff += pb;
            s.partner += pa;
            s.coop += cb;
            s.received_conforming += both_u & u32::from(m & KEPT_A != 0);
        }
    }
    if first {
        s.add(&acc);
    }
    s
}

/// Each state's payoff table, outside a treaty and inside (where a cooperative move costs
/// `saving` less: the share of the transaction cost members save), indexed by
/// `both * 4 + own * 2 + partner`.
pub(super) fn fill_payoff_tables(scratch: &mut PlayScratch, tc: f64) {
    scratch.pay.clear();
    scratch.pay.extend(scratch.players.iter().map(|p| {
        let g = p.game;
        [g[0], g[1], g[2], g[3], g[0] + tc, g[1] + tc, g[2], g[3]]
    }));
}

/// Adds up every edge's payoffs and counts into `scratch.sums`, edge by edge in sorted order.
/// Edges are sorted by their first state, so the first state's sums are kept in registers and
/// written once per run of edges.
fn sum_edges(scratch: &mut PlayScratch, edges: &[(u32, u32)], sanction: f64) {
    let pay = &scratch.pay[..];
    let sums = &mut scratch.sums;
    sums.clear();
    sums.resize(scratch.players.len(), Sums::default());
    // Running sums of the current first state `cur`.
    let mut cur = usize::MAX;
    let mut acc = Sums::default();
    for (&(a, b), &m) in edges.iter().zip(scratch.moves.iter()) {
        let (a, b) = (a as usize, b as usize);
        if a != cur {
            if cur != usize::MAX {
                sums[cur].add(&acc);
            }
            cur = a;
            acc = Sums::default();
        }
        let both = usize::from(m & BOTH != 0);
        let (da, db) = (usize::from(m >> 1 & 1), usize::from(m & 1));
        let mut pa = pay[a][both * 4 + da * 2 + db];
        let mut pb = pay[b][both * 4 + db * 2 + da];
        let (ca, cb) = ((da ^ 1) as u32, (db ^ 1) as u32);
        if a == b {
            // Self-interaction (lattice): counted once, no relative gains against oneself.
            acc.payoff += pa;
            acc.self_payoff += pa;
            acc.coop += ca;
            continue;
        }
        if m & (DETECTED_A | DETECTED_B) != 0 {
            if m & DETECTED_A != 0 {
                pa -= sanction;
                acc.detected += 1;
            }
            if m & DETECTED_B != 0 {
                pb -= sanction;
                sums[b].detected += 1;
            }
        }
        let both_u = both as u32;
        acc.m2m += both_u;
        acc.m2m_coop += both_u & u32::from(m & KEPT_A != 0);
        acc.payoff += pa;
        acc.partner += pb;
        acc.coop += ca;
        let s = &mut sums[b];
        s.m2m += both_u;
        s.m2m_coop += both_u & u32::from(m & KEPT_B != 0);
        s.payoff += pb;
        s.partner += pa;
        s.coop += cb;
        acc.received_conforming += both_u & u32::from(m & KEPT_B != 0);
        s.received_conforming += both_u & u32::from(m & KEPT_A != 0);
    }
    if cur != usize::MAX {
        sums[cur].add(&acc);
    }
}

#[cfg(test)]
thread_local! {
    /// Tests switch [`sum_edges_packed`] off to compare with [`sum_edges`].
    pub(super) static PLAIN_SUMS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether [`tally_payoffs`] may use [`sum_edges_packed`] (always, outside tests).
#[inline(always)]
fn packed_enabled() -> bool {
    #[cfg(test)]
    {
        !PLAIN_SUMS.with(|c| c.get())
    }
    #[cfg(not(test))]
    {
        true
    }
}

/// [`sum_edges_packed`] counts in 16-bit fields: a graph with fewer edges than this cannot give
/// any state so many moves in a round that a field overflows.
const PACKED_MAX_EDGES: usize = 1 << 16;

/// What [`sum_edges_packed`] adds up for a state on every edge: its payoffs, its partners'
/// payoffs and, packed in one word ([`COUNTS`]), its counts of C moves, treaty moves, treaty
/// moves kept and partners' treaty moves kept.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct HotSums {
    payoff: f64,
    partner: f64,
    counts: u64,
}

/// Per move code (its low nine bits), the packed counts it adds to its first state `[0]` and
/// to its second `[1]`: 16-bit fields, from the lowest: C moves, treaty moves, treaty moves
/// kept, the partner's treaty moves kept (as [`sum_edges`] counts them).
const COUNTS: [[u64; 2]; 512] = counts_by_code();

const fn counts_by_code() -> [[u64; 2]; 512] {
    let mut table = [[0u64; 2]; 512];
    let mut m = 0;
    while m < 512 {
        let code = m as u64;
        let (db, da) = (code & 1, code >> 1 & 1);
        let both = (code & BOTH as u64 != 0) as u64;
        let kept_a = both & (code & KEPT_A as u64 != 0) as u64;
        let kept_b = both & (code & KEPT_B as u64 != 0) as u64;
        table[m][0] = (da ^ 1) | both << 16 | kept_a << 32 | kept_b << 48;
        table[m][1] = (db ^ 1) | both << 16 | kept_b << 32 | kept_a << 48;
        m += 1;
    }
    table
}

/// [`sum_edges`] with the four per-edge counts of each side added as one packed word from a
/// table by move code, and the rare fields (self-interaction, detections) kept apart: the same
/// floating-point additions in the same order, the same counts (issue 16, row 5: pass 2 was a
/// third of a round). Requires fewer than [`PACKED_MAX_EDGES`] edges. Pass 1 feeds the same
/// sums edge by edge without this loop ([`PackedSums`]).
fn sum_edges_packed(scratch: &mut PlayScratch, edges: &[(u32, u32)], sanction: f64) {
    debug_assert!(edges.len() < PACKED_MAX_EDGES);
    let n = scratch.players.len();
    let target = (&mut scratch.hot, &mut scratch.sums);
    let mut sums = PackedSums::new(&scratch.pay, target, n, sanction);
    for (&(a, b), &m) in edges.iter().zip(scratch.moves.iter()) {
        sums.add(a as usize, b as usize, m);
    }
    sums.finish();
}

/// Whether pass 2 may take the packed sums ([`PackedSums`]) on a graph of `edges` edges
/// (always below [`PACKED_MAX_EDGES`], outside tests that switch it off).
#[inline]
pub(super) fn packed_sums_apply(edges: usize) -> bool {
    edges < PACKED_MAX_EDGES && packed_enabled()
}

/// Pass 2 on a small graph, edge by edge in edge order: the running sums of the current first
/// state in registers, each second state's sums in [`HotSums`], the counts packed
/// ([`COUNTS`]). Fed by [`sum_edges_packed`], or by pass 1 itself as it decides each edge's
/// moves (one pass over the edges instead of two; the same additions in the same order).
pub(super) struct PackedSums<'a> {
    pay: &'a [[f64; 8]],
    hot: &'a mut [HotSums],
    sums: &'a mut [Sums],
    sanction: f64,
    /// The current first state (`usize::MAX` before the first edge).
    cur: usize,
    acc: HotSums,
    acc_self: f64,
    acc_detected: u32,
}

impl<'a> PackedSums<'a> {
    /// Zero sums for `n` states in `hot` and `sums`, with each state's payoff table `pay`
    /// ([`fill_payoff_tables`]).
    pub(super) fn new(
        pay: &'a [[f64; 8]],
        (hot, sums): (&'a mut Vec<HotSums>, &'a mut Vec<Sums>),
        n: usize,
        sanction: f64,
    ) -> Self {
        hot.clear();
        hot.resize(n, HotSums::default());
        sums.clear();
        sums.resize(n, Sums::default());
        PackedSums {
            pay,
            hot,
            sums,
            sanction,
            cur: usize::MAX,
            acc: HotSums::default(),
            acc_self: 0.0,
            acc_detected: 0,
        }
    }

    /// The edges that follow have first state `a`.
    #[inline(always)]
    pub(super) fn start(&mut self, a: usize) {
        if a != self.cur {
            self.flush();
            self.cur = a;
        }
    }

    /// Adds the edge (first state, b), b another state, with move code `m` without detection
    /// bits: what [`PackedSums::add`] does for such an edge. `MEMBER` false: the code has no
    /// [`BOTH`] bit (the first state is outside the treaty).
    #[inline(always)]
    pub(super) fn add_table<const MEMBER: bool>(&mut self, b: usize, m: MoveCode) {
        let both = usize::from(MEMBER && m & BOTH != 0);
        let (da, db) = (usize::from(m >> 1 & 1), usize::from(m & 1));
        let pa = self.pay[self.cur][both * 4 + da * 2 + db];
        let pb = self.pay[b][both * 4 + db * 2 + da];
        self.add_pair(b, (pa, pb), m);
    }

    /// Adds an edge between the first state and `b`, another state, with payoffs `pa` and
    /// `pb` (after sanctions) and move code `m`.
    #[inline(always)]
    fn add_pair(&mut self, b: usize, (pa, pb): (f64, f64), m: MoveCode) {
        let counts = &COUNTS[usize::from(m & 0x1ff)];
        self.acc.counts += counts[0];
        self.acc.payoff += pa;
        self.acc.partner += pb;
        let s = &mut self.hot[b];
        s.counts += counts[1];
        s.payoff += pb;
        s.partner += pa;
    }

    /// Adds the edge (a, b) with move code `m`; edges come in edge order.
    #[inline(always)]
    pub(super) fn add(&mut self, a: usize, b: usize, m: MoveCode) {
        self.start(a);
        let pay = self.pay;
        let both = usize::from(m & BOTH != 0);
        let (da, db) = (usize::from(m >> 1 & 1), usize::from(m & 1));
        let mut pa = pay[a][both * 4 + da * 2 + db];
        let mut pb = pay[b][both * 4 + db * 2 + da];
        if a == b {
            self.acc.payoff += pa;
            self.acc_self += pa;
            self.acc.counts += (da ^ 1) as u64;
            return;
        }
        if m & (DETECTED_A | DETECTED_B) != 0 {
            if m & DETECTED_A != 0 {
                pa -= self.sanction;
                self.acc_detected += 1;
            }
            if m & DETECTED_B != 0 {
                pb -= self.sanction;
                self.sums[b].detected += 1;
            }
        }
        self.add_pair(b, (pa, pb), m);
    }

    /// Adds the current first state's running sums to its sums and starts afresh.
    #[inline(always)]
    fn flush(&mut self) {
        if self.cur != usize::MAX {
            let (acc, own, detected) = (self.acc, self.acc_self, self.acc_detected);
            flush_first_state(
                &mut self.hot[self.cur],
                &mut self.sums[self.cur],
                acc,
                own,
                detected,
            );
        }
        (self.acc, self.acc_self, self.acc_detected) = (HotSums::default(), 0.0, 0);
    }

    /// The sums of every state, once all edges are in.
    pub(super) fn finish(mut self) {
        self.flush();
        for (s, h) in self.sums.iter_mut().zip(self.hot.iter()) {
            s.payoff = h.payoff;
            s.partner = h.partner;
            s.coop = (h.counts & 0xffff) as u32;
            s.m2m = (h.counts >> 16 & 0xffff) as u32;
            s.m2m_coop = (h.counts >> 32 & 0xffff) as u32;
            s.received_conforming = (h.counts >> 48) as u32;
        }
    }
}

/// Adds a first state's running sums to its sums, as [`Sums::add`] does.
#[inline(always)]
fn flush_first_state(h: &mut HotSums, s: &mut Sums, acc: HotSums, own: f64, detected: u32) {
    h.payoff += acc.payoff;
    h.partner += acc.partner;
    h.counts += acc.counts;
    s.self_payoff += own;
    s.detected += detected;
}

/// Forms each state's utilities from its sums and adds everything to the issue's tallies.
pub(super) fn add_sums(rt: &mut IssueState, scratch: &PlayScratch) {
    let round = &mut rt.round;
    let mut m2m_total = 0u64;
    let mut m2m_coop_total = 0u64;
    for (i, s) in scratch.sums.iter().enumerate() {
        let k = scratch.players[i].k;
        round.payoff[i] += s.payoff;
        round.utility[i] += (1.0 + k) * (s.payoff - s.self_payoff) - k * s.partner + s.self_payoff;
        round.received_conforming[i] += s.received_conforming;
        round.cooperated[i] += s.coop;
        round.treaty_moves[i] += s.m2m;
        round.treaty_conforming[i] += s.m2m_coop;
        round.detected[i] += s.detected;
        m2m_total += s.m2m as u64;
        m2m_coop_total += s.m2m_coop as u64;
    }
    rt.negotiation.treaty_moves += m2m_total;
    rt.negotiation.treaty_conforming += m2m_coop_total;
}

#[cfg(test)]
mod tests {
    use super::super::play::Player;
    use super::*;
    use crate::engine::rng::stream;
    use rand::Rng;

    /// The packed pass 2 forms every sum exactly as the plain one (same additions, same
    /// order, same counts), on a random graph with self-interactions, every move code, both
    /// members, detections and sanctions.
    #[test]
    fn packed_sums_equal_the_plain_edge_pass() {
        let mut rng = stream(17);
        let n = 300;
        let mut edges: Vec<(u32, u32)> = Vec::new();
        for a in 0..n as u32 {
            if rng.random::<f64>() < 0.3 {
                edges.push((a, a));
            }
            for b in a + 1..n as u32 {
                if rng.random::<f64>() < 0.2 {
                    edges.push((a, b));
                }
            }
        }
        let player = Player {
            game: [0.0; 4],
            k: 0.0,
            strat: 0,
            member: false,
            complies: false,
            flagged: false,
        };
        let mut scratch = PlayScratch {
            players: vec![player; n],
            ..PlayScratch::default()
        };
        scratch.pay = (0..n)
            .map(|_| std::array::from_fn(|_| rng.random_range(-3.0..7.0)))
            .collect();
        scratch.moves = edges.iter().map(|_| rng.random::<u16>() & 0x1ff).collect();
        sum_edges(&mut scratch, &edges, 0.7);
        let plain = format!("{:?}", scratch.sums);
        scratch.sums.clear();
        sum_edges_packed(&mut scratch, &edges, 0.7);
        assert!(plain == format!("{:?}", scratch.sums), "packed sums differ");
        assert!(scratch
            .sums
            .iter()
            .any(|s| s.received_conforming > 0 && s.detected > 0));
    }

    /// The per-state gather of a world played in blocks forms every sum exactly as the serial
    /// edge pass does (same additions, same order: equal to the last bit), on a random graph
    /// with self-interactions, both-member edges, detections and sanctions.
    #[test]
    fn gathering_per_state_equals_the_edge_pass() {
        let mut rng = stream(16);
        let n = 300;
        let mut edges: Vec<(u32, u32)> = Vec::new();
        for a in 0..n as u32 {
            if rng.random::<f64>() < 0.5 {
                edges.push((a, a));
            }
            for b in a + 1..n as u32 {
                if rng.random::<f64>() < 0.05 {
                    edges.push((a, b));
                }
            }
        }
        let mut incident: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n];
        for (e, &(a, b)) in edges.iter().enumerate() {
            incident[a as usize].push((e as u32, true));
            if a != b {
                incident[b as usize].push((e as u32, false));
            }
        }
        let player = Player {
            game: [0.0; 4],
            k: 0.0,
            strat: 0,
            member: false,
            complies: false,
            flagged: false,
        };
        let mut scratch = PlayScratch {
            players: vec![player; n],
            ..PlayScratch::default()
        };
        scratch.pay = (0..n)
            .map(|_| std::array::from_fn(|_| rng.random_range(-3.0..7.0)))
            .collect();
        scratch.moves = edges.iter().map(|_| rng.random::<u16>() & 0x1ff).collect();
        let sanction = 0.7;
        sum_edges(&mut scratch, &edges, sanction);
        let moves_with_detection = scratch.moves.iter().filter(|&&m| m & DETECTED_B != 0);
        assert!(moves_with_detection.count() > 100);
        for i in 0..n {
            let gathered = gather_state(
                i,
                &incident[i],
                &edges,
                (&scratch.pay, &scratch.moves),
                sanction,
            );
            assert_eq!(
                format!("{gathered:?}"),
                format!("{:?}", scratch.sums[i]),
                "state {i}"
            );
        }
    }
}
