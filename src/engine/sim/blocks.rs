//! Parallel work within one run, for worlds large enough to pay for it (issue 16).
//!
//! A small world (the shipped scenarios: up to a few thousand states) runs on one thread and
//! parallelism comes from running replicates side by side. A large world — a lattice of
//! 300 x 300 cells, a random graph of 10^5 states — would leave every core but one idle, so its
//! round is split into fixed **blocks**: contiguous ranges of states, each with the edges whose
//! first state lies in it (edges are sorted by their first state). Play, the payoff tally,
//! learning and the reset of machines after learning run block by block on rayon's pool.
//!
//! Results never depend on the number of threads:
//! - the block boundaries depend only on the graph ([`Blocks::new`]: a block closes once it
//!   holds [`BLOCK_WORK`] states plus edges), never on the pool;
//! - each block has its own random streams, derived from the run seed, the purpose, the issue
//!   and the block index ([`block_seed`]), so a block draws the same numbers whichever thread
//!   plays it and whenever;
//! - every sum is formed in a fixed order: a state's payoffs are gathered over its incident
//!   edges in edge order (the same additions, in the same order, as the serial pass), and
//!   totals over states stay serial.
//!
//! The choice is automatic ([`parallel_within_run`]): a world whose states plus edges reach
//! [`PARALLEL_MIN_WORK`] is played in blocks. Play and learning draw from per-block streams
//! then, so a large world's random draws (noise, randomising strategies, mutation, Fermi
//! imitation) differ from those of the serial engine with the same seed — equally valid draws,
//! not the same ones. A world without random draws in play and learning (the Nowak–May
//! lattice) gives the serial engine's results exactly. Small worlds are untouched: the golden
//! CSVs are the serial engine's.
//!
//! May import [`crate::engine::rng`] and the sibling modules of [`super`].

use std::ops::Range;

use crate::engine::rng::{derive_seed, stream, Stream};

/// A world with at least this many states plus edges is played in blocks (2^18 = 262,144:
/// a 300 x 300 lattice with self-interaction has 540,000; the 193-state world 18,721).
pub(super) const PARALLEL_MIN_WORK: usize = 1 << 18;

/// A block closes once it holds this many states plus edges (2^15 = 32,768): about 6,500 cells
/// of a Moore lattice with self-interaction, enough work (~100 µs) to pay for a rayon task.
pub(super) const BLOCK_WORK: usize = 1 << 15;

/// Index that marks a per-block stream in [`derive_seed`]'s path (never an issue index or a
/// purpose of the serial engine in that position).
const BLOCK_TAG: u64 = 0xB10C;

#[cfg(test)]
thread_local! {
    /// Tests force a large world onto the serial engine to compare the two.
    pub(super) static FORCE_SERIAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a world of `states` states and `edges` edges is played in blocks.
pub(super) fn parallel_within_run(states: usize, edges: usize) -> bool {
    #[cfg(test)]
    if FORCE_SERIAL.with(|c| c.get()) {
        return false;
    }
    states + edges >= PARALLEL_MIN_WORK
}

/// The seed of block `block`'s stream for `purpose` (play, learning) of issue `issue`.
pub(super) fn block_seed(seed: u64, purpose: u64, issue: usize, block: usize) -> u64 {
    derive_seed(seed, &[purpose, issue as u64, BLOCK_TAG, block as u64])
}

/// The fixed blocks of a graph: contiguous ranges of states and, for each, the edges whose
/// first state lies in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Blocks {
    /// Each block's states.
    pub states: Vec<Range<usize>>,
    /// Each block's edges (those whose first state is in its states).
    pub edges: Vec<Range<usize>>,
}

impl Blocks {
    /// The blocks of `n` states and `edges` sorted by first state: a block closes after the
    /// state at which its states plus edges reach [`BLOCK_WORK`].
    pub fn new(n: usize, edges: &[(u32, u32)]) -> Self {
        Self::with_work(n, edges, BLOCK_WORK)
    }

    fn with_work(n: usize, edges: &[(u32, u32)], work: usize) -> Self {
        let mut blocks = Blocks {
            states: Vec::new(),
            edges: Vec::new(),
        };
        let (mut s0, mut e0, mut e) = (0, 0, 0);
        for i in 0..n {
            while e < edges.len() && edges[e].0 as usize == i {
                e += 1;
            }
            if (i + 1 - s0) + (e - e0) >= work || i + 1 == n {
                blocks.states.push(s0..i + 1);
                blocks.edges.push(e0..e);
                (s0, e0) = (i + 1, e);
            }
        }
        blocks
    }

    /// Number of blocks.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// One stream per block for `purpose` of issue `issue`.
    pub fn streams(&self, seed: u64, purpose: u64, issue: usize) -> Vec<Stream> {
        (0..self.len())
            .map(|b| stream(block_seed(seed, purpose, issue, b)))
            .collect()
    }
}

/// Splits `slice` into consecutive mutable pieces of the given contiguous `ranges` (which start
/// at 0 and cover it). Allocates the list of pieces only (one pointer pair per block).
pub(super) fn split_mut<'s, T>(
    mut slice: &'s mut [T],
    ranges: &[Range<usize>],
) -> Vec<&'s mut [T]> {
    let mut pieces = Vec::with_capacity(ranges.len());
    for r in ranges {
        let (head, tail) = slice.split_at_mut(r.len());
        pieces.push(head);
        slice = tail;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_states_and_edges_in_order() {
        // 10 states; state i has i % 3 edges to later states
        let mut edges = Vec::new();
        for i in 0..10u32 {
            for k in 0..(i % 3) {
                edges.push((i, (i + 1 + k).min(9)));
            }
        }
        let b = Blocks::with_work(10, &edges, 5);
        assert_eq!(b.states.first().map(|r| r.start), Some(0));
        assert_eq!(b.states.last().map(|r| r.end), Some(10));
        assert_eq!(b.edges.last().map(|r| r.end), Some(edges.len()));
        for w in b.states.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
        for (s, e) in b.states.iter().zip(&b.edges) {
            assert!(edges[e.clone()]
                .iter()
                .all(|&(a, _)| s.contains(&(a as usize))));
        }
        assert!(b.len() >= 3, "small work per block gives several blocks");
        // One block when the work fits.
        assert_eq!(Blocks::with_work(10, &edges, 1000).len(), 1);
    }

    #[test]
    fn block_streams_differ_from_each_other_and_from_the_serial_stream() {
        let serial = derive_seed(7, &[2, 0]);
        let a = block_seed(7, 2, 0, 0);
        let b = block_seed(7, 2, 0, 1);
        assert!(a != b && a != serial && b != serial);
    }
}
