//! The Nowak–May fast path (issue 16): a lattice of memoryless cooperators and defectors that
//! imitate the best, with nothing else going on, run on bytes instead of edges.
//!
//! When [`applies`] holds — a Moore torus of at least 3 x 3 cells (with or without
//! self-interaction), one issue, every strategy `cooperator` or `defector`, no noise, no shocks,
//! learning by imitating the best without mutation (or no learning), no regime in place and no
//! negotiation before the last round, and every state playing the same stage game — a round has
//! no random draw and no treaty: a cell's payoff depends only on its own move and its eight
//! neighbours' moves. [`super::run`] then runs this engine instead of the general one, with the
//! same outputs to the last bit at any number of threads (tested against the general engine).
//!
//! What it keeps: one byte per cell for its move (1 = defects), its payoff class this round, its
//! utility since the last revision and its run totals; neighbours are computed from the cell's
//! position, never stored, and no edge is stored. A round:
//! 1. **play**: each cell's class is its own move, its neighbours' moves in the order of their
//!    indices and how many of them have a lower index than the cell; a table filled at set-up
//!    holds the payoff and utility of every class, formed by the same additions in the same
//!    order as the general engine's edge pass (`tally::sum_edges`: a cell's edges as second
//!    state in edge order, then its own edges from the self-interaction on), so the sums agree
//!    to the last bit. Rows are split into fixed blocks on rayon's pool; every cell's result is
//!    its own, so the split does not matter.
//! 2. **record**: the regime tracker as in the general engine (with no member it never holds),
//!    the round's cooperation share, and with a full record the `timeseries.csv` rows, whose
//!    payoff and utility sums over cells are formed serially in index order, as the general
//!    engine forms them — side by side with the revision.
//! 3. **revise**: a cell keeps its move if a cell of its 3 x 3 window with the same move has the
//!    best utility of the window, else it takes the other move: the general engine's rule
//!    (keep one's own strategy on ties) for two strategies.
//!
//! May import [`crate::model`], [`crate::engine::world`] and the sibling modules of [`super`].

use super::record;
use super::state::Catalogue;
use super::{IssueSummary, Record, RunId, RunOutput, StateRow, TimeseriesRow};
use crate::engine::world::World;
use crate::model;
use crate::model::strategy::Strategy;
use crate::model::world::TopologyKind;
use crate::model::{LearningRule, RegimeTracker, Rules, Scenario};
use rayon::prelude::*;

/// Cells per parallel task (rounded to whole rows): enough work (~50 µs) to pay for a task.
const TASK_CELLS: usize = 1 << 14;

/// Classes: (neighbours with a lower index (0..=8) * 2 + own move) * 256 + neighbours' moves.
const CLASSES: usize = 9 * 2 * 256;

#[cfg(test)]
thread_local! {
    /// Tests run the general engine on a world this path would take, to compare the two.
    pub(super) static FORCE_GENERAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Runs taken by this path on this thread (tests check that it is taken).
    pub(super) static RUNS_TAKEN: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Whether a run of `world` under `rules` is a Nowak–May lattice that this engine runs
/// (the conditions are in the module's documentation).
pub(super) fn applies(scenario: &Scenario, world: &World, rules: &Rules) -> bool {
    #[cfg(test)]
    if FORCE_GENERAL.with(|c| c.get()) {
        return false;
    }
    let [issue] = &scenario.issues[..] else {
        return false;
    };
    let quiet = scenario.noise.implementation == 0.0
        && scenario.noise.misperception == 0.0
        && scenario.shocks.is_empty();
    let learning = match scenario.learning.rule {
        LearningRule::ImitateBest => scenario.learning.mutation == 0.0,
        LearningRule::None => true,
        LearningRule::Fermi | LearningRule::BestResponse => false,
    };
    let no_treaty =
        issue.initial_regime.is_none() && scenario.regime.negotiation_interval >= scenario.rounds;
    Lattice::of(scenario, world).is_some()
        && quiet
        && learning
        && no_treaty
        && memoryless(scenario, world)
        && one_game(issue, world, rules)
}

/// Every strategy of the run is `cooperator` or `defector`.
fn memoryless(scenario: &Scenario, world: &World) -> bool {
    let plain = |s: &Strategy| matches!(s, Strategy::Cooperator | Strategy::Defector);
    scenario.learning_strategies.iter().all(plain)
        && world.states.iter().all(|s| s.strategies.iter().all(plain))
}

/// Every state plays the same stage game.
fn one_game(issue: &model::Issue, world: &World, rules: &Rules) -> bool {
    let bits = |g: [f64; 4]| g.map(f64::to_bits);
    let first = bits(model::stage_game(issue, &world.states[0], rules));
    world
        .states
        .iter()
        .all(|s| bits(model::stage_game(issue, s, rules)) == first)
}

/// The torus: width, height and self-interaction.
#[derive(Debug, Clone, Copy)]
struct Lattice {
    w: usize,
    h: usize,
    self_play: bool,
}

impl Lattice {
    /// The lattice of `world`, if its topology is a Moore torus whose eight neighbours are
    /// distinct (at least 3 x 3) and its edges are the ones `engine::world` draws for it.
    fn of(scenario: &Scenario, world: &World) -> Option<Self> {
        let t = &scenario.topology;
        if t.kind != TopologyKind::Lattice {
            return None;
        }
        let (w, h) = (t.width? as usize, t.height? as usize);
        let self_play = t.self_interaction.unwrap_or(false);
        let n = world.states.len();
        let edges = n * (4 + usize::from(self_play));
        (w >= 3 && h >= 3 && w * h == n && world.edges.len() == edges).then_some(Lattice {
            w,
            h,
            self_play,
        })
    }

    /// Stage games a cell plays per round (its degree in the general engine).
    fn degree(&self) -> u64 {
        8 + u64::from(self.self_play)
    }

    /// The eight neighbours of cell (x, y), in the order of their indices.
    fn sorted_neighbours(&self, x: usize, y: usize) -> [usize; 8] {
        let (w, h) = (self.w, self.h);
        let mut nb = [0usize; 8];
        let mut k = 0;
        for dy in [h - 1, 0, 1] {
            for dx in [w - 1, 0, 1] {
                if dx != 0 || dy != 0 {
                    nb[k] = ((y + dy) % h) * w + (x + dx) % w;
                    k += 1;
                }
            }
        }
        nb.sort_unstable();
        nb
    }

    /// The class of cell (x, y) from the general neighbour order (any cell; used on the border).
    fn class_at(&self, defects: &[u8], x: usize, y: usize) -> u16 {
        let i = y * self.w + x;
        let nb = self.sorted_neighbours(x, y);
        let below = nb.iter().filter(|&&j| j < i).count();
        let bits = nb
            .iter()
            .enumerate()
            .fold(0usize, |b, (t, &j)| b | usize::from(defects[j]) << t);
        (((below * 2 + usize::from(defects[i])) << 8) | bits) as u16
    }
}

/// The payoff and utility of every class: what the general engine's edge pass adds up for a
/// cell whose sorted neighbours have the class's moves (`game`: `[R, S, T, P]`, `k`: the
/// relative-gains weight of every cell).
fn class_table(game: [f64; 4], k: f64, self_play: bool) -> Vec<(f64, f64)> {
    let pay = |me: usize, other: usize| game[me * 2 + other];
    let mut table = Vec::with_capacity(CLASSES);
    for class in 0..CLASSES {
        let (below, own, bits) = (class >> 9, class >> 8 & 1, class & 255);
        // The edges where the cell is the second state, in edge order.
        let (mut b_pay, mut b_partner) = (0.0f64, 0.0f64);
        for t in 0..below {
            let nb = bits >> t & 1;
            b_pay += pay(own, nb);
            b_partner += pay(nb, own);
        }
        // Its own edges: the self-interaction first, then the higher neighbours.
        let (mut a_pay, mut a_partner, mut a_self) = (0.0f64, 0.0f64, 0.0f64);
        if self_play {
            a_pay += pay(own, own);
            a_self += pay(own, own);
        }
        for t in below..8 {
            let nb = bits >> t & 1;
            a_pay += pay(own, nb);
            a_partner += pay(nb, own);
        }
        let (payoff, partner, self_payoff) = (b_pay + a_pay, b_partner + a_partner, 0.0 + a_self);
        let utility = (1.0 + k) * (payoff - self_payoff) - k * partner + self_payoff;
        table.push((0.0 + payoff, 0.0 + utility));
    }
    table
}

/// Per-cell arrays of a run.
struct Cells {
    /// Each cell's move: 1 if it defects (its strategy is `defector`).
    defects: Vec<u8>,
    /// The next moves of a revision.
    next: Vec<u8>,
    /// Each cell's class this round.
    class: Vec<u16>,
    /// The rank of each cell's utility this round, as its class's pair in [`utility_ranks`].
    score: Vec<[u16; 2]>,
    /// Each cell's utility since the last revision.
    learn_utility: Vec<f64>,
    /// Each cell's summed payoff and utility over the run (side by side: one stream).
    totals: Vec<[f64; 2]>,
    /// Rounds in which each cell cooperated.
    cooperated_rounds: Vec<u32>,
}

/// The run in progress.
struct LatticeRun<'a> {
    scenario: &'a Scenario,
    rules: &'a Rules,
    world: &'a World,
    record: Record,
    lattice: Lattice,
    table: Vec<(f64, f64)>,
    /// The rank of each class's utility ([`utility_ranks`]).
    rank: Vec<[u16; 2]>,
    /// Catalogue index of `cooperator` and of `defector`.
    strategy_of: [u8; 2],
    catalogue: Catalogue,
    initial: Vec<u8>,
    cells: Cells,
    /// Each cell's group, if there is more than one.
    group: Option<Vec<u32>>,
    /// Per slot (groups, then all): states and summed power, formed in index order.
    slots: Vec<(f64, f64)>,
    /// The learning utility starts afresh this round (after a revision).
    fresh: bool,
    regime: RegimeTracker,
    veto_ok: bool,
    cooperation_share_sum: f64,
    last_cooperation_share: f64,
    out: RunOutput,
}

/// Runs one replicate on the fast path; [`applies`] must hold. The caller sets the final world
/// of a full record (`world` itself: no shock changes it).
pub(super) fn run(
    scenario: &Scenario,
    world: &World,
    rules: &Rules,
    id: RunId,
    record: Record,
) -> RunOutput {
    #[cfg(test)]
    RUNS_TAKEN.with(|c| c.set(c.get() + 1));
    let mut run = LatticeRun::set_up(scenario, world, rules, id, record);
    for round in 0..scenario.rounds {
        run.play_round(round);
    }
    run.finish()
}

impl<'a> LatticeRun<'a> {
    fn set_up(
        scenario: &'a Scenario,
        world: &'a World,
        rules: &'a Rules,
        id: RunId,
        record: Record,
    ) -> Self {
        let lattice = Lattice::of(scenario, world).expect("a lattice (checked by `applies`)");
        let issue = &scenario.issues[0];
        let n = world.states.len();
        let game = model::stage_game(issue, &world.states[0], rules);
        let k = model::relative_gains_weight(rules, 8, issue.security_stakes);
        let catalogue = Catalogue::new(scenario, world);
        let position = |s: Strategy| catalogue.strategies.iter().position(|c| *c == s);
        let strategy_of = [
            position(Strategy::Cooperator).unwrap_or(0) as u8,
            position(Strategy::Defector).unwrap_or(0) as u8,
        ];
        let defects: Vec<u8> = world
            .states
            .iter()
            .map(|s| u8::from(s.strategies[0] == Strategy::Defector))
            .collect();
        let groups = world.groups.len();
        let group = (groups > 1).then(|| world.states.iter().map(|s| s.group as u32).collect());
        let mut slots = vec![(0.0f64, 0.0f64); groups + 1];
        for s in &world.states {
            for slot in [s.group, groups] {
                slots[slot].0 += 1.0;
                slots[slot].1 += s.power;
            }
        }
        // the veto players (a sort of every cell by power) matter only under a hegemonic veto
        let veto_ok = !rules.hegemonic_veto
            || model::veto_players(world, scenario.regime.veto_players as usize, issue.kind)
                .is_empty();
        let regime = RegimeTracker::new(issue, false, rules);
        let table = class_table(game, k, lattice.self_play);
        LatticeRun {
            scenario,
            rules,
            world,
            record,
            lattice,
            rank: utility_ranks(&table),
            table,
            strategy_of,
            catalogue,
            initial: defects.clone(),
            cells: Cells {
                next: defects.clone(),
                defects,
                class: vec![0; n],
                score: vec![[0; 2]; n],
                learn_utility: vec![0.0; n],
                totals: vec![[0.0; 2]; n],
                cooperated_rounds: vec![0; n],
            },
            group,
            slots,
            fresh: true,
            regime,
            veto_ok,
            cooperation_share_sum: 0.0,
            last_cooperation_share: 0.0,
            out: RunOutput::empty(id),
        }
    }

    /// One round: play, the regime's assessment, recording, and revision when it is due.
    fn play_round(&mut self, round: u64) {
        let summed = self.scenario.learning.interval != 1;
        let tables = (&self.table[..], &self.rank[..]);
        let cooperators = play(self.lattice, tables, &mut self.cells, (self.fresh, summed));
        self.assess_regime(round);
        let n = self.world.states.len() as u64;
        let degree = self.lattice.degree();
        let (moves, cooperated) = (n * degree, cooperators * degree);
        self.last_cooperation_share = if moves > 0 {
            cooperated as f64 / moves as f64
        } else {
            0.0
        };
        self.cooperation_share_sum += self.last_cooperation_share;
        let last = round + 1 == self.scenario.rounds;
        let learning = &self.scenario.learning;
        let revise_now = !last
            && (round + 1).is_multiple_of(learning.interval)
            && learning.rule == LearningRule::ImitateBest;
        let every_round = learning.interval == 1;
        let rows = self.record.is_full().then(|| self.row_base(round));
        let (lattice, table, group) = (self.lattice, &self.table[..], self.group.as_deref());
        let degree = lattice.degree() as f64;
        let Cells {
            defects,
            next,
            class,
            score,
            learn_utility,
            ..
        } = &mut self.cells;
        let (rows, ()) = rayon::join(
            || rows.map(|r| fill_rows(r, class, table, (group, degree))),
            || {
                if revise_now {
                    match every_round {
                        true => revise_ranked(lattice, defects, score, next),
                        false => revise(lattice, defects, Utility(learn_utility), next),
                    }
                }
            },
        );
        if let Some(rows) = rows {
            self.out.timeseries.extend(rows);
        }
        if revise_now {
            std::mem::swap(&mut self.cells.defects, &mut self.cells.next);
        }
        self.fresh = revise_now;
        self.out.pair_rounds += self.world.edges.len() as u64;
    }

    /// The regime's assessment (ODD 7.7) as the general engine makes it: without members the
    /// criterion never holds, but the tracker's status and strength are recorded as they are.
    fn assess_regime(&mut self, round: u64) {
        let n = self.world.states.len();
        let share = 0u32 as f64 / n.max(1) as f64;
        let power = std::iter::empty::<f64>().sum::<f64>().min(1.0);
        let spec = &self.scenario.regime;
        let holds = model::criterion_holds(spec, share, power, self.veto_ok, None);
        let transition = self.regime.update(round, holds, 0, None, spec, self.rules);
        if self.record.is_full() {
            record::regime_event(&mut self.out.events, transition, self.scenario, round, 0);
        }
    }

    /// The round's rows without their payoff and utility sums (filled by [`fill_rows`]): all
    /// states, then each group.
    fn row_base(&self, round: u64) -> Vec<TimeseriesRow> {
        let groups = self.slots.len() - 1;
        let degree = self.lattice.degree() as f64;
        let c = &self.cells;
        let mut cooperators = vec![0u64; groups + 1];
        for (i, &d) in c.defects.iter().enumerate() {
            let g = self.group.as_ref().map_or(0, |g| g[i] as usize);
            cooperators[g] += u64::from(d == 0);
        }
        cooperators[groups] = cooperators[..groups].iter().sum();
        std::iter::once(groups)
            .chain(0..groups)
            .map(|slot| {
                let (states, power) = self.slots[slot];
                let moves = (states * degree).max(1.0);
                TimeseriesRow {
                    round,
                    issue: 0,
                    group: (slot < groups).then_some(slot),
                    states: states as u32,
                    cooperation: cooperators[slot] as f64 * degree / moves,
                    mean_payoff: 0.0,
                    mean_utility: 0.0,
                    status: self.regime.status,
                    members: 0,
                    member_share: if states > 0.0 { 0.0 / states } else { 0.0 },
                    member_power_share: if power > 0.0 { 0.0 / power } else { 0.0 },
                    compliance: None,
                    strength: self.regime.strength,
                }
            })
            .collect()
    }

    /// The end of the run: the summary and, with a full record, per-state rows.
    fn finish(mut self) -> RunOutput {
        let n = self.world.states.len();
        let moves_per_state = self.lattice.degree() * self.scenario.rounds;
        let moves = moves_per_state * n as u64;
        let pay: f64 = self.cells.totals.iter().map(|t| t[0]).sum();
        let util: f64 = self.cells.totals.iter().map(|t| t[1]).sum();
        let power: f64 = std::iter::empty::<f64>().sum();
        self.out.summaries.push(IssueSummary {
            issue: 0,
            preexisting: self.regime.preexisting,
            emergence_round: self.regime.emergence_round,
            collapse_round: self.regime.collapse_round,
            final_status: self.regime.status,
            final_members: 0,
            final_member_share: 0u32 as f64 / n as f64,
            final_power_share: power.min(1.0),
            mean_cooperation: self.cooperation_share_sum / self.scenario.rounds as f64,
            final_cooperation: self.last_cooperation_share,
            mean_payoff: if moves > 0 { pay / moves as f64 } else { 0.0 },
            mean_utility: if moves > 0 { util / moves as f64 } else { 0.0 },
        });
        if self.record.keeps_states() {
            self.out.states = self.state_rows(moves_per_state);
            self.out.strategies = self.catalogue.strategies.clone();
        }
        self.out
    }

    /// The rows of `states.csv`, as `record::state_rows` forms them; the per-cell arrays that
    /// the rows do not read are freed first (a smaller peak of memory).
    fn state_rows(&mut self, moves_per_state: u64) -> Vec<StateRow> {
        let c = &mut self.cells;
        (c.next, c.class, c.score, c.learn_utility) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mv = moves_per_state.max(1) as f64;
        let degree = self.lattice.degree();
        let strategy_of = self.strategy_of;
        let c = &self.cells;
        (0..self.world.states.len())
            .map(|i| StateRow {
                state: i as u32,
                issue: 0,
                initial_strategy: strategy_of[self.initial[i] as usize],
                final_strategy: strategy_of[c.defects[i] as usize],
                member: false,
                mean_payoff: c.totals[i][0] / mv,
                mean_utility: c.totals[i][1] / mv,
                cooperation: (u64::from(c.cooperated_rounds[i]) * degree) as f64 / mv,
                times_detected: 0,
                membership_value: None,
            })
            .collect()
    }
}

/// The payoff and utility sums of the round's rows (`row_base`'s order: all, then groups),
/// formed cell by cell in index order as `record::timeseries_rows` forms them.
fn fill_rows(
    mut rows: Vec<TimeseriesRow>,
    class: &[u16],
    table: &[(f64, f64)],
    (group, degree): (Option<&[u32]>, f64),
) -> Vec<TimeseriesRow> {
    let groups = rows.len() - 1;
    let mut acc = vec![(0.0f64, 0.0f64); groups + 1];
    match group {
        None => {
            let (mut pay, mut util) = (0.0f64, 0.0f64);
            for &c in class {
                let (p, u) = table[c as usize];
                pay += p;
                util += u;
            }
            acc = vec![(pay, util); groups + 1];
        }
        Some(group) => {
            for (&c, &g) in class.iter().zip(group) {
                let (p, u) = table[c as usize];
                for slot in [g as usize, groups] {
                    acc[slot].0 += p;
                    acc[slot].1 += u;
                }
            }
        }
    }
    for (row, slot) in rows
        .iter_mut()
        .zip(std::iter::once(groups).chain(0..groups))
    {
        let moves = (f64::from(row.states) * degree).max(1.0);
        row.mean_payoff = acc[slot].0 / moves;
        row.mean_utility = acc[slot].1 / moves;
    }
    rows
}

/// Rows per parallel task.
fn task_rows(w: usize) -> usize {
    (TASK_CELLS / w).max(1)
}

/// Every cell plays its neighbours (and itself): its class, and its payoff and utility added
/// to its tallies, rows in fixed blocks on rayon's pool; the number of cooperators.
/// `summed`: the utility since the last revision is summed per cell (revision is not every
/// round); `fresh`: it starts afresh this round.
fn play(
    lattice: Lattice,
    (table, rank): (&[(f64, f64)], &[[u16; 2]]),
    cells: &mut Cells,
    (fresh, summed): (bool, bool),
) -> u64 {
    let w = lattice.w;
    let chunk = task_rows(w) * w;
    let defects = &cells.defects[..];
    (
        cells.class.par_chunks_mut(chunk),
        cells.score.par_chunks_mut(chunk),
        cells.learn_utility.par_chunks_mut(chunk),
        cells.totals.par_chunks_mut(chunk),
        cells.cooperated_rounds.par_chunks_mut(chunk),
    )
        .into_par_iter()
        .enumerate()
        .map(|(block, (class, score, learn, totals, cooperated))| {
            let start = block * chunk;
            for (r, class) in class.chunks_mut(w).enumerate() {
                classify_row(lattice, defects, (start / w) + r, class);
            }
            let own = &defects[start..start + class.len()];
            tally_block((table, rank), class, own, (score, totals, cooperated));
            if summed {
                for (l, &c) in learn.iter_mut().zip(&class[..]) {
                    *l = if fresh { 0.0 } else { *l } + table[c as usize].1;
                }
            }
            own.iter().map(|&d| u64::from(d == 0)).sum::<u64>()
        })
        .sum()
}

/// A block's cells after [`classify_row`]: each cell's rank, its payoff and utility added to
/// its totals, and a round of cooperation counted for each cooperator.
#[inline(always)]
fn tally_block(
    (table, rank): (&[(f64, f64)], &[[u16; 2]]),
    class: &[u16],
    own: &[u8],
    (score, totals, cooperated): (&mut [[u16; 2]], &mut [[f64; 2]], &mut [u32]),
) {
    let cells = class.iter().zip(own).zip(score).zip(totals).zip(cooperated);
    for ((((&c, &d), score), totals), cooperated) in cells {
        let (p, u) = table[c as usize];
        *score = rank[c as usize];
        totals[0] += p;
        totals[1] += u;
        *cooperated += u32::from(d == 0);
    }
}

/// The classes of row `y`: inner cells from the fixed order of an inner cell's neighbours (the
/// row above, left, right, the row below), border cells by sorting their neighbours.
fn classify_row(lattice: Lattice, defects: &[u8], y: usize, class: &mut [u16]) {
    let (w, h) = (lattice.w, lattice.h);
    if y == 0 || y + 1 == h {
        for (x, c) in class.iter_mut().enumerate() {
            *c = lattice.class_at(defects, x, y);
        }
        return;
    }
    let up = &defects[(y - 1) * w..y * w];
    let row = &defects[y * w..(y + 1) * w];
    let down = &defects[(y + 1) * w..(y + 2) * w];
    // Inner cells have four lower neighbours: classes (4 * 2 + own) * 256 + bits.
    for x in 1..w - 1 {
        let bits = up[x - 1]
            | up[x] << 1
            | up[x + 1] << 2
            | row[x - 1] << 3
            | row[x + 1] << 4
            | down[x - 1] << 5
            | down[x] << 6
            | down[x + 1] << 7;
        class[x] = ((8 + u16::from(row[x])) << 8) | u16::from(bits);
    }
    class[0] = lattice.class_at(defects, 0, y);
    class[w - 1] = lattice.class_at(defects, w - 1, y);
}

/// Imitate the best (ODD 7.8) for every cell into `next`, rows in fixed blocks on rayon's pool.
fn revise(lattice: Lattice, defects: &[u8], utility: Utility, next: &mut [u8]) {
    let (w, h) = (lattice.w, lattice.h);
    let chunk = task_rows(w) * w;
    next.par_chunks_mut(chunk)
        .enumerate()
        .for_each(|(block, next)| {
            let y0 = block * chunk / w;
            for (r, next) in next.chunks_mut(w).enumerate() {
                let y = y0 + r;
                let rows = [(y + h - 1) % h, y, (y + 1) % h].map(|yy| yy * w);
                for (x, slot) in next.iter_mut().enumerate() {
                    let left = if x == 0 { w - 1 } else { x - 1 };
                    let right = if x + 1 == w { 0 } else { x + 1 };
                    let cols = [left, x, right];
                    let i = y * w + x;
                    *slot = imitate(defects[i], utility.of(i), rows, cols, (defects, utility));
                }
            }
        });
}

/// Each cell's utility since the last revision, summed over the rounds since.
#[derive(Clone, Copy)]
struct Utility<'a>(&'a [f64]);

impl Utility<'_> {
    #[inline]
    fn of(self, i: usize) -> f64 {
        self.0[i]
    }
}

/// The rank of every class's utility among the distinct utilities of the table (1 for the
/// least; ranks compare as the utilities do, equal ones included), as a pair: (rank, 0) for a
/// cooperator's class, (0, rank) for a defector's.
fn utility_ranks(table: &[(f64, f64)]) -> Vec<[u16; 2]> {
    let mut values: Vec<f64> = table.iter().map(|t| t.1).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    table
        .iter()
        .enumerate()
        .map(|(class, t)| {
            let rank = values.partition_point(|&v| v < t.1) as u16 + 1;
            match class >> 8 & 1 {
                0 => [rank, 0],
                _ => [0, rank],
            }
        })
        .collect()
}

/// [`revise`] when every round is revised: a cell's utility is its class's, compared by rank.
/// The best of the window among cooperators and among defectors; a cell keeps its move unless
/// the other move's best is higher. Rows in fixed blocks on rayon's pool, each row in segments
/// ([`revise_segment`]).
fn revise_ranked(lattice: Lattice, defects: &[u8], score: &[[u16; 2]], next: &mut [u8]) {
    let (w, h) = (lattice.w, lattice.h);
    let chunk = task_rows(w) * w;
    next.par_chunks_mut(chunk)
        .enumerate()
        .for_each(|(block, next)| {
            let y0 = block * chunk / w;
            for (r, next) in next.chunks_mut(w).enumerate() {
                let y = y0 + r;
                let rows = [(y + h - 1) % h, y, (y + 1) % h].map(|yy| yy * w);
                let own = &defects[y * w..(y + 1) * w];
                for x0 in (0..w).step_by(SEGMENT) {
                    let len = SEGMENT.min(w - x0);
                    let cells = x0..x0 + len;
                    revise_segment(w, (score, rows), &own[cells.clone()], x0, &mut next[cells]);
                }
            }
        });
}

/// Cells of a row that [`revise_segment`] takes at a time (its buffers live on the stack).
const SEGMENT: usize = 256;

/// [`revise_ranked`] for the cells `x0..x0 + next.len()` of a row whose three rows (above,
/// its own, below) start at `rows` in `score`, with own moves `own`. First the best rank of
/// each column of three cells, for cooperators and defectors side by side (the segment's
/// columns and one either side, wrapping around the torus); then the best of three adjacent
/// columns. A cell switches when the other move's best rank beats its own move's: a cooperator
/// when best_d > best_c, a defector when best_c <= best_d; both are `best_d + d > best_c` with
/// d = 1 for a defector (integer ranks). Plain loops over flat arrays, which the compiler turns
/// into vector instructions.
fn revise_segment(
    w: usize,
    (score, rows): (&[[u16; 2]], [usize; 3]),
    own: &[u8],
    x0: usize,
    next: &mut [u8],
) {
    let len = next.len();
    let column = |x: usize| {
        let [a, b, c] = rows.map(|r| score[r + x]);
        [a[0].max(b[0]).max(c[0]), a[1].max(b[1]).max(c[1])]
    };
    // columns x0 - 1 ..= x0 + len, as (cooperators, defectors) pairs
    let mut col = [0u16; 2 * (SEGMENT + 2)];
    let [up, mid, down] = rows.map(|r| score[r + x0..r + x0 + len].as_flattened());
    for (i, c) in col[2..2 + 2 * len].iter_mut().enumerate() {
        *c = up[i].max(mid[i]).max(down[i]);
    }
    col[..2].copy_from_slice(&column((x0 + w - 1) % w));
    col[2 * len + 2..2 * len + 4].copy_from_slice(&column((x0 + len) % w));
    let mut best = [0u16; 2 * SEGMENT];
    for (i, b) in best[..2 * len].iter_mut().enumerate() {
        *b = col[i].max(col[i + 2]).max(col[i + 4]);
    }
    for ((slot, &d), b) in next.iter_mut().zip(own).zip(best.chunks_exact(2)) {
        *slot = u8::from(b[1] + u16::from(d) > b[0]);
    }
}

/// A cell's next move: its own if a cell of its 3 x 3 window (itself included) with the same
/// move earned the window's best utility, else the other move (only the other can then).
#[inline]
fn imitate(
    own: u8,
    own_utility: f64,
    rows: [usize; 3],
    cols: [usize; 3],
    (defects, utility): (&[u8], Utility),
) -> u8 {
    let (mut best, mut best_same) = (own_utility, own_utility);
    for r in rows {
        for c in cols {
            let (d, u) = (defects[r + c], utility.of(r + c));
            // Utilities are never NaN: a plain comparison is `f64::max` here.
            if u > best {
                best = u;
            }
            if d == own && u > best_same {
                best_same = u;
            }
        }
    }
    if best_same == best {
        own
    } else {
        own ^ 1
    }
}
