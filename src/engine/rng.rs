//! Random-number streams (docs/ODD.md §7.12).
//!
//! One master seed. Every unit of work (a run, a tournament match and repetition) gets its own
//! ChaCha8 stream whose seed is derived from the master seed and the unit's indices by SplitMix64
//! mixing. Work is split by these fixed units, never by thread, so results are byte-identical
//! at any thread count.

pub use crate::model::probability::{threshold, Coin};
use rand::{RngCore, SeedableRng};
use rand_chacha::rand_core::block::BlockRngCore;
use rand_chacha::{ChaCha8Core, ChaCha8Rng};

/// The generator used everywhere in the model.
pub type Stream = ChaCha8Rng;

/// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective mixer of 64-bit words.
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Derives the seed of a unit of work from the master seed and the unit's indices.
///
/// The derivation is positional: `derive_seed(s, &[a, b])` differs from `derive_seed(s, &[b, a])`.
pub fn derive_seed(master: u64, indices: &[u64]) -> u64 {
    let mut h = splitmix64(master ^ 0x005E_ED0F_4E61_4D45);
    for (k, &i) in indices.iter().enumerate() {
        h = splitmix64(h ^ splitmix64(i.wrapping_add((k as u64 + 1) << 56)));
    }
    h
}

/// A ChaCha8 stream seeded from a derived seed.
pub fn stream(seed: u64) -> Stream {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A source of 32-bit words for [`Bits`]: a [`Stream`], or a [`MatchStream`], which gives the
/// same words.
pub trait Words {
    /// The next word (for a [`Stream`], its `next_u32`).
    fn next_word(&mut self) -> u32;
}

impl Words for Stream {
    #[inline(always)]
    fn next_word(&mut self) -> u32 {
        self.next_u32()
    }
}

/// The words of [`stream`]`(seed)`, for the many short matches of a tournament: the same
/// ChaCha8 key stream in the same order (`next_u32` of the rand_chacha generator), but the
/// generator is re-keyed in place ([`MatchStream::reseed`]), so one value serves all the
/// matches a worker plays instead of building, zeroing and moving a 300-byte generator per
/// match. Its words are only read through [`Bits`]; it is not an `RngCore`.
#[derive(Clone)]
pub struct MatchStream {
    core: ChaCha8Core,
    /// Four ChaCha blocks, as rand_chacha's block generator fills them.
    words: <ChaCha8Core as BlockRngCore>::Results,
    /// The next word to read from `words` (64: none left).
    index: usize,
}

impl MatchStream {
    /// The words of `stream(seed)`.
    pub fn new(seed: u64) -> Self {
        MatchStream {
            core: ChaCha8Core::seed_from_u64(seed),
            words: Default::default(),
            index: 64,
        }
    }

    /// Starts over with the words of `stream(seed)`.
    #[inline]
    pub fn reseed(&mut self, seed: u64) {
        self.core = ChaCha8Core::seed_from_u64(seed);
        self.index = 64;
    }
}

impl Words for MatchStream {
    #[inline(always)]
    fn next_word(&mut self) -> u32 {
        if self.index >= 64 {
            self.core.generate(&mut self.words);
            self.index = 0;
        }
        let w = self.words.as_ref()[self.index];
        self.index += 1;
        w
    }
}

/// Random bits from a [`Stream`], read one at a time: the stream's `u32` words in order, each
/// most significant bit first.
#[derive(Debug)]
pub struct Bits<'a, R: Words = Stream> {
    rng: &'a mut R,
    buf: u64,
    avail: u32,
}

impl<'a, R: Words> Bits<'a, R> {
    /// One exact Bernoulli trial, like [`Bits::trial`] but without a branch on the kind of
    /// coin: for interleaved matches, where the coin changes from turn to turn with the
    /// partner's random moves. Reads exactly the same bits as [`Bits::trial`].
    #[inline(always)]
    pub fn trial_branchless(&mut self, c: &Coin) -> bool {
        if self.avail < 32 {
            self.buf |= u64::from(self.rng.next_word()) << (32 - self.avail);
            self.avail += 32;
        }
        let span = c.len.min(self.avail);
        let d = (self.buf ^ c.frac).leading_zeros();
        if d >= self.avail || c.lead > 0 {
            let (r, buf, avail) = trial_slow(self.rng, self.buf, self.avail, c);
            self.buf = buf;
            self.avail = avail;
            return r;
        }
        // A certain coin has len = 0: nothing decided, nothing read, the outcome is `certain`.
        let decided = d < span;
        let k = if decided { d + 1 } else { c.len };
        let bit = (c.frac << (d & 63)) >> 63 == 1;
        self.buf = self.buf.checked_shl(k).unwrap_or(0);
        self.avail -= k;
        (decided & bit) | c.certain
    }

    /// Four trials of the same coin, as a nibble with the first trial in the high bit and 1
    /// for a failure (a defection when the coin is a cooperation probability). Reads exactly
    /// the bits of four calls to [`Bits::trial`].
    #[inline(always)]
    pub fn failures4(&mut self, c: &Coin) -> u32 {
        if c.len == 1 && c.lead == 0 {
            // fair coin: each bit is one trial, 1 = U >= 1/2 = failure
            if self.avail < 32 {
                self.buf |= u64::from(self.rng.next_word()) << (32 - self.avail);
                self.avail += 32;
            }
            let n = (self.buf >> 60) as u32;
            self.buf <<= 4;
            self.avail -= 4;
            return n;
        }
        let mut n = 0;
        for _ in 0..4 {
            n = n << 1 | u32::from(!self.trial(c));
        }
        n
    }

    /// The next 32 bits, first bit in the high bit: 32 trials of a fair coin (1 = failure).
    #[inline(always)]
    pub fn take32(&mut self) -> u32 {
        if self.avail < 32 {
            self.buf |= u64::from(self.rng.next_word()) << (32 - self.avail);
            self.avail += 32;
        }
        let w = (self.buf >> 32) as u32;
        self.buf <<= 32;
        self.avail -= 32;
        w
    }

    /// The next `width <= 32` bits without reading them (first bit highest); the buffer is
    /// topped up to at least 32 bits first.
    #[inline(always)]
    pub fn peek(&mut self, width: u32) -> u32 {
        if self.avail < 32 {
            self.buf |= u64::from(self.rng.next_word()) << (32 - self.avail);
            self.avail += 32;
        }
        (self.buf >> (64 - width)) as u32
    }

    /// Reads (drops) `k` bits already seen with [`Bits::peek`].
    #[inline(always)]
    pub fn consume(&mut self, k: u32) {
        debug_assert!(k <= self.avail);
        self.buf = self.buf.checked_shl(k).unwrap_or(0);
        self.avail -= k;
    }

    /// Reads a run of trials of `c` that fail early and returns how many (at most `max`): when
    /// p < 1/2 has `lead` zeros after the point before its first one, a trial fails as soon as
    /// U shows a one among its first `lead` bits, reading the bits up to that one; this is
    /// exactly what [`Bits::trial`] reads for such a trial. Stops before a trial whose first `lead` bits are
    /// all zero (a full [`Bits::trial`] decides it), at the end of the buffer, or after `max`.
    /// Returns 0 when p >= 1/2 or p < 2^-16.
    ///
    /// Word-parallel: every trial starts right after a one (or where reading starts), so the
    /// first run of `lead` zeros in the buffer starts the first trial that does not fail early,
    /// and the ones before it are the failed trials.
    #[inline(always)]
    pub fn early_failures(&mut self, c: &Coin, max: u64) -> u64 {
        // p's zeros after the point: in `lead` when its expansion does not fit in one word,
        // else at the head of `frac`.
        let lead = if c.lead > 0 {
            c.lead
        } else {
            c.frac.leading_zeros()
        };
        if lead == 0 || lead > 16 || c.len == 0 || max == 0 {
            return 0;
        }
        if self.avail < 32 {
            self.buf |= u64::from(self.rng.next_word()) << (32 - self.avail);
            self.avail += 32;
        }
        // The buffer's bits, first bit highest; positions past `avail` are not known.
        let known = !u64::MAX.checked_shr(self.avail).unwrap_or(0);
        let zeros = !self.buf & known;
        // Bit set where `lead` zeros start (all of them known).
        let mut window = zeros;
        for k in 1..lead {
            window &= zeros << k;
        }
        let stop = window.leading_zeros();
        let (take, failures) = if stop < 64 {
            // The bits before the run: ones ending failed trials (the bit before is a one).
            let head = if stop == 0 {
                0
            } else {
                self.buf >> (64 - stop)
            };
            (stop, u64::from(head.count_ones()))
        } else {
            // No run: up to the last one (a trial after it is not decided within the buffer).
            let ones = self.buf & known;
            if ones == 0 {
                return 0;
            }
            (64 - ones.trailing_zeros(), u64::from(ones.count_ones()))
        };
        if failures > max {
            // Only `max` trials are wanted: read them one by one.
            for _ in 0..max {
                let z = self.buf.leading_zeros();
                self.consume(z + 1);
            }
            return max;
        }
        self.consume(take);
        failures
    }

    /// Reads the trials of `c` up to its next success, at most `max` of them: returns how many
    /// failed before it and whether the success was read (false: `max` failures were read and
    /// nothing after them). Reads exactly the bits of as many [`Bits::trial`] calls: the
    /// trials that fail early by [`Bits::early_failures`], the others one by one.
    #[inline(always)]
    pub fn failures_before_success(&mut self, c: &Coin, max: u64) -> (u64, bool) {
        let mut k = 0;
        while k < max {
            k += self.early_failures(c, max - k);
            if k == max {
                break;
            }
            if self.trial(c) {
                return (k, true);
            }
            k += 1;
        }
        (k, false)
    }

    /// Reads bits from `rng`.
    pub fn new(rng: &'a mut R) -> Self {
        Bits {
            rng,
            buf: 0,
            avail: 0,
        }
    }

    /// One exact Bernoulli trial (see [`Coin`]).
    ///
    /// Branch-free on the common path except for the kind of coin, which is the same turn after
    /// turn in a match (the outcome itself is random, so a branch on it would be mispredicted
    /// half the time): certain coins read nothing, fair coins one bit, others compare with p
    /// after topping the buffer up to at least 32 bits, which decide the trial unless U and p
    /// agree on all of them (probability 2^-32, the slow path).
    #[inline(always)]
    pub fn trial(&mut self, c: &Coin) -> bool {
        if c.len == 0 {
            return c.certain;
        }
        if self.avail < 32 {
            self.buf |= u64::from(self.rng.next_word()) << (32 - self.avail);
            self.avail += 32;
        }
        if c.len == 1 && c.lead == 0 {
            // p = 1/2: U < 1/2 exactly when its first bit is 0.
            let r = self.buf >> 63 == 0;
            self.buf <<= 1;
            self.avail -= 1;
            return r;
        }
        let span = c.len.min(self.avail);
        let d = (self.buf ^ c.frac).leading_zeros();
        // Undecided within the buffer (U agrees with p on all available bits, probability at
        // most 2^-32), or a very small p whose expansion does not fit in one word.
        if d >= self.avail || c.lead > 0 {
            // By value, so that the buffer can live in registers on the fast path.
            let (r, buf, avail) = trial_slow(self.rng, self.buf, self.avail, c);
            self.buf = buf;
            self.avail = avail;
            return r;
        }
        let decided = d < span;
        let k = if decided { d + 1 } else { c.len };
        let bit = (c.frac << (d & 63)) >> 63 == 1;
        self.buf = self.buf.checked_shl(k).unwrap_or(0);
        self.avail -= k;
        decided & bit
    }
}

/// [`Bits::trial`] when the buffer cannot decide: reads more words as needed. Takes and returns
/// the buffer (`buf`, `avail` bits, left-aligned).
#[cold]
#[inline(never)]
fn trial_slow<R: Words>(rng: &mut R, mut buf: u64, mut avail: u32, c: &Coin) -> (bool, u64, u32) {
    let consume = |buf: &mut u64, avail: &mut u32, k: u32| {
        *buf = buf.checked_shl(k).unwrap_or(0);
        *avail -= k;
    };
    let refill = |rng: &mut R, buf: &mut u64, avail: &mut u32| {
        *buf = u64::from(rng.next_word()) << 32;
        *avail = 32;
    };
    if c.len == 0 {
        return (c.certain, buf, avail);
    }
    // The zeros before p's leading one: any one bit of U there makes U > p.
    let mut lead = c.lead;
    while lead > 0 {
        if avail == 0 {
            refill(rng, &mut buf, &mut avail);
        }
        let z = buf.leading_zeros().min(avail);
        if z < lead && z < avail {
            consume(&mut buf, &mut avail, z + 1);
            return (false, buf, avail);
        }
        let k = lead.min(avail);
        consume(&mut buf, &mut avail, k);
        lead -= k;
    }
    let (mut frac, mut len) = (c.frac, c.len);
    loop {
        if avail == 0 {
            refill(rng, &mut buf, &mut avail);
        }
        let d = (buf ^ frac).leading_zeros();
        let span = len.min(avail);
        if d < span {
            consume(&mut buf, &mut avail, d + 1);
            return ((frac << d) >> 63 == 1, buf, avail);
        }
        if len <= avail {
            consume(&mut buf, &mut avail, len);
            return (false, buf, avail); // U's bits equal all of p's: U >= p
        }
        let k = avail;
        consume(&mut buf, &mut avail, k);
        frac <<= k;
        len -= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    /// A [`MatchStream`] gives the words of [`stream`] with the same seed, across block
    /// refills, and again after being re-keyed part-way through a block.
    #[test]
    fn match_stream_words_equal_the_stream() {
        let mut m = MatchStream::new(0);
        for (k, seed) in [0u64, 1, 42, u64::MAX, derive_seed(7, &[3, 999])]
            .into_iter()
            .enumerate()
        {
            m.reseed(seed);
            let mut s = stream(seed);
            // 37 words stop the next re-key inside the first block; 300 cross four refills
            for i in 0..[37, 300][k % 2] {
                assert_eq!(m.next_word(), s.next_u32(), "seed {seed}, word {i}");
            }
        }
        let mut fresh = MatchStream::new(5);
        let mut s = stream(5);
        assert!((0..200).all(|_| fresh.next_word() == s.next_u32()));
        // and it is not the same stream for another seed
        let mut other = stream(6);
        let mut m5 = MatchStream::new(5);
        assert!((0..8).any(|_| m5.next_word() != other.next_u32()));
    }

    /// Probabilities for coin tests: simple fractions, ones with long and short expansions,
    /// tiny p whose expansion spans more than one word (slow path), a subnormal, and p just
    /// below 1.
    pub(super) fn sample_ps() -> Vec<f64> {
        vec![
            0.0,
            1.0,
            0.5,
            0.25,
            0.75,
            0.0625,
            1.0 / 3.0,
            0.1,
            0.3,
            0.9,
            0.01,
            1e-5,
            0.999,
            0.999_999,
            2f64.powi(-40),
            0.1 * 2f64.powi(-20),
            1e-300,
            5e-324,
            1.0 - f64::EPSILON / 2.0,
        ]
    }

    /// The word version of a chunk trial equals the bit-by-bit one, for every chunk of
    /// widths 1 to 12 (and samples of 32-bit chunks), every start, and coins of short, long and
    /// lead-zero expansions.
    #[test]
    fn chunk_trials_equal_bit_by_bit_trials() {
        let ps = sample_ps();
        let mut rng = stream(11);
        for p in ps {
            let c = Coin::new(p);
            for width in (1..=12).chain([32]) {
                let chunks: Vec<u32> = if width <= 12 {
                    (0..1u32 << width).collect()
                } else {
                    (0..4000).map(|_| rng.next_u32()).collect()
                };
                for chunk in chunks {
                    for pos in 0..=width {
                        assert_eq!(
                            c.trial_in_chunk(chunk, width, pos),
                            c.trial_in_chunk_by_bits(chunk, width, pos),
                            "p {p}, chunk {chunk:#b}, width {width}, pos {pos}"
                        );
                    }
                }
            }
        }
    }

    /// [`Bits::early_failures`] reads exactly what as many [`Bits::trial`] calls read, each of
    /// them a failure, and leaves the stream where they leave it (the next trials agree), for
    /// every sample coin, with and without a cap.
    #[test]
    fn early_failures_read_what_trials_read() {
        for p in sample_ps() {
            let c = Coin::new(p);
            let mut total = 0;
            for seed in 0..100 {
                let (mut r1, mut r2) = (stream(seed), stream(seed));
                let (mut fast, mut slow) = (Bits::new(&mut r1), Bits::new(&mut r2));
                for k in 0..60 {
                    let max = [u64::MAX, 3, 1, 40, 0][k % 5];
                    let failed = fast.early_failures(&c, max);
                    assert!(failed <= max, "p {p}: {failed} > {max}");
                    for _ in 0..failed {
                        assert!(
                            !slow.trial(&c),
                            "p {p}, seed {seed}: an early failure succeeded"
                        );
                    }
                    total += failed;
                    assert_eq!(
                        fast.trial(&c),
                        slow.trial(&c),
                        "p {p}, seed {seed}, step {k}"
                    );
                }
            }
            if p > 0.0 && p < 0.5 && p > 1e-4 {
                assert!(total > 1000, "p {p}: only {total} early failures read");
            }
        }
    }

    /// [`Bits::failures_before_success`] reads what [`Bits::trial`] calls read up to and
    /// including the first success, or `max` failures, and leaves the stream where they do.
    #[test]
    fn failures_before_success_reads_what_trials_read() {
        for p in sample_ps() {
            let c = Coin::new(p);
            for seed in 0..60 {
                let (mut r1, mut r2) = (stream(seed), stream(seed));
                let (mut fast, mut slow) = (Bits::new(&mut r1), Bits::new(&mut r2));
                for k in 0..40u64 {
                    let max = [5000, 3, 1, 40, 0, 700][k as usize % 6];
                    let (failed, hit) = fast.failures_before_success(&c, max);
                    let mut want = 0;
                    let mut want_hit = false;
                    while want < max {
                        if slow.trial(&c) {
                            want_hit = true;
                            break;
                        }
                        want += 1;
                    }
                    assert_eq!(
                        (failed, hit),
                        (want, want_hit),
                        "p {p}, seed {seed}, step {k}"
                    );
                    assert_eq!(
                        fast.trial(&c),
                        slow.trial(&c),
                        "p {p}, seed {seed}, step {k}"
                    );
                }
            }
        }
    }

    #[test]
    fn derived_seeds_are_pinned() {
        // Value stability: changing the derivation changes every published result.
        assert_eq!(derive_seed(42, &[0]), derive_seed(42, &[0]));
        assert_ne!(derive_seed(42, &[0]), derive_seed(42, &[1]));
        assert_ne!(derive_seed(42, &[0, 1]), derive_seed(42, &[1, 0]));
        assert_ne!(derive_seed(42, &[0]), derive_seed(43, &[0]));
        let mut s = stream(derive_seed(42, &[0]));
        let first = s.next_u64();
        let mut s2 = stream(derive_seed(42, &[0]));
        assert_eq!(first, s2.next_u64());
    }

    #[test]
    fn thresholds_cover_the_extremes() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(1.0), 1 << 32);
        assert_eq!(threshold(0.5), 1 << 31);
    }
}

/// A sequence of independent Bernoulli(p) trials simulated by skipping: instead of one uniform
/// draw per trial, the number of failures before the next success is drawn from the geometric
/// distribution, floor(ln U / ln(1 - p)). The trials have exactly the same distribution as
/// per-trial draws, at a fraction of the cost when p is small (noise, misperception).
///
/// The logarithm is the pure-Rust `libm::log` (a port of musl's), not the platform's `ln`, so
/// that a last-ulp difference between C libraries cannot change a gap: the same seed gives the
/// same bytes on Linux, macOS and Windows (pinned by `gaps_are_pinned_values`). A cheap table
/// logarithm with a stated error bound decides the gap wherever that bound cannot change the
/// floor, and `libm::log` decides the rest, so the gaps are those of `libm::log` exactly
/// (tested: `fast_gaps_equal_exact_gaps`).
#[derive(Debug, Clone)]
pub struct BernoulliSkip {
    ln_q: f64,
    /// 1 / ln(1 - p), so that a gap costs a multiplication, not a division.
    inv_ln_q: f64,
    /// The part of [`BernoulliSkip::gap_of`]'s margin that does not depend on the draw.
    margin: f64,
    gap: u64,
}

impl BernoulliSkip {
    /// A process with success probability `p`; draws the first gap from `rng`.
    pub fn new(p: f64, rng: &mut Stream) -> Self {
        let p = p.clamp(0.0, 1.0);
        let mut s = BernoulliSkip::with_ln_q(libm::log(1.0 - p));
        s.gap = s.draw_gap(rng);
        s
    }

    /// A process with ln(1 - p) = `ln_q` and no gap drawn yet.
    fn with_ln_q(ln_q: f64) -> Self {
        BernoulliSkip {
            ln_q,
            inv_ln_q: 1.0 / ln_q,
            margin: FAST_LN_ERROR / -ln_q,
            gap: 0,
        }
    }

    fn draw_gap(&self, rng: &mut Stream) -> u64 {
        if self.ln_q == 0.0 {
            return u64::MAX; // p = 0: never
        }
        if self.ln_q == f64::NEG_INFINITY {
            return 0; // p = 1: always
        }
        self.gap_of(rng.next_u64() >> 11)
    }

    /// The gap drawn from the 53 random bits `m`: floor(ln U / ln(1 - p)) with U = (m + 1) /
    /// 2^53 in (0, 1], as [`BernoulliSkip::exact_gap`] computes it, by a cheap logarithm
    /// ([`fast_ln`]) whenever its error bound cannot change the floor; near an integer (about
    /// one draw in 10^8) the exact computation decides.
    #[inline]
    fn gap_of(&self, m: u64) -> u64 {
        // y >= 0: ln U <= 0 and 1 / ln q < 0.
        let y = fast_ln(m + 1) * self.inv_ln_q;
        // |y - exact| <= FAST_LN_ERROR / |ln q| plus the rounding of the reciprocal, the
        // product and the exact side's division (a few ulp, far below 1e-15 y).
        let margin = self.margin + y * 1e-15;
        if y < 9.0e15 {
            // truncation is the floor of a number >= 0 (and needs no call to `floor`); through
            // i64, which holds it, a conversion is one instruction (an unsigned one is several)
            let g = y as i64;
            let k = g as f64;
            if y - k > margin && k + 1.0 - y > margin {
                return g as u64;
            }
        }
        self.exact_gap(m)
    }

    /// The gap drawn from the 53 random bits `m`, computed with `libm::log` (the definition).
    fn exact_gap(&self, m: u64) -> u64 {
        let u = (m + 1) as f64 * (1.0 / (1u64 << 53) as f64);
        let g = (libm::log(u) / self.ln_q).floor();
        if g >= u64::MAX as f64 {
            u64::MAX
        } else {
            g as u64
        }
    }

    /// Failures before the next success: the next `gap()` trials fail for certain.
    #[inline]
    pub fn gap(&self) -> u64 {
        self.gap
    }

    /// Runs `k` trials known to fail (`k <= gap()`), drawing nothing: the same as calling
    /// [`BernoulliSkip::trial`] `k` times.
    #[inline]
    pub fn skip(&mut self, k: u64) {
        debug_assert!(k <= self.gap);
        self.gap -= k;
    }

    /// The next trial: true on success.
    #[inline]
    pub fn trial(&mut self, rng: &mut Stream) -> bool {
        if self.gap > 0 {
            self.gap -= 1;
            false
        } else {
            self.gap = self.draw_gap(rng);
            true
        }
    }
}

/// Bound on |[`fast_ln`] - ln| over its whole domain, far above its analysed error (below
/// 5e-12: table entries within 1 ulp, a cubic for ln(1 + r) with |r| <= 2^-9 whose remainder is
/// below r^4 / 4 < 4e-12, and the rounding of a few operations on numbers below 40).
const FAST_LN_ERROR: f64 = 1e-9;

/// ln(k / 2^53) for k in [1, 2^53]: k = 2^e f with f in [1, 2), f = c (1 + r) with c the
/// centre of f's 1/256 interval, ln f = ln c + ln(1 + r) by a table and a cubic.
#[inline]
fn fast_ln(k: u64) -> f64 {
    let table = ln_table();
    let e = 63 - k.leading_zeros() as i32; // k in [2^e, 2^(e+1))
    let x = k as i64 as f64; // exact: k <= 2^53 (through i64: one instruction)
    let bits = x.to_bits();
    let j = ((bits >> 44) & 0xff) as usize; // the top 8 bits of the mantissa
    let f = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let [inverse, ln_centre] = table.0[j].0;
    let r = (f - centre_of(f)) * inverse;
    let ln_1p = r - r * r * (0.5 - r * (1.0 / 3.0));
    (e - 53) as f64 * std::f64::consts::LN_2 + ln_centre + ln_1p
}

/// The centre c = 1 + (j + 1/2) / 256 of the 1/256 interval [1 + j/256, 1 + (j+1)/256) that
/// holds `f` in [1, 2): f's sign, exponent and top 8 bits of mantissa, then a one (exact).
#[inline(always)]
fn centre_of(f: f64) -> f64 {
    f64::from_bits((f.to_bits() & !((1 << 44) - 1)) | 1 << 43)
}

/// The table of [`fast_ln`]: for each of the 256 intervals [1 + j/256, 1 + (j+1)/256) with
/// centre c, 1/c and ln c (by `libm::log`); 4 KB, so that it stays in the first-level cache
/// beside the play loop's tables (row 4 of issue 16 waited on it).
struct LnTable([LnEntry; 256]);

/// 1/c and ln c.
#[repr(align(16))]
#[derive(Clone, Copy)]
struct LnEntry([f64; 2]);

fn ln_table() -> &'static LnTable {
    static TABLE: std::sync::OnceLock<LnTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = LnTable([LnEntry([0.0; 2]); 256]);
        for (j, entry) in t.0.iter_mut().enumerate() {
            let c = 1.0 + (j as f64 + 0.5) / 256.0;
            *entry = LnEntry([1.0 / c, libm::log(c)]);
        }
        t
    })
}

#[cfg(test)]
mod skip_tests {
    use super::*;

    const PINNED_GAPS: [u64; 18] = [178, 1, 37, 9, 36, 69, 9, 3, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0];

    #[test]
    fn skipping_has_the_bernoulli_rate_and_extremes() {
        let mut rng = stream(9);
        for p in [0.01, 0.2, 0.7] {
            let mut b = BernoulliSkip::new(p, &mut rng);
            let n = 200_000;
            let hits = (0..n).filter(|_| b.trial(&mut rng)).count() as f64;
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (hits / n as f64 - p).abs() < 5.0 * sd,
                "p = {p}: {}",
                hits / n as f64
            );
        }
        let mut never = BernoulliSkip::new(0.0, &mut rng);
        assert!((0..1000).all(|_| !never.trial(&mut rng)));
        let mut always = BernoulliSkip::new(1.0, &mut rng);
        assert!((0..1000).all(|_| always.trial(&mut rng)));
    }

    /// Value stability (as the `rand` crate pins its distributions): the first gaps of two
    /// processes from a fixed stream. A change here changes every noisy run's output.
    #[test]
    fn gaps_are_pinned_values() {
        let mut rng = stream(2024);
        let mut gaps = Vec::new();
        for p in [0.01, 0.3, 0.6] {
            for _ in 0..6 {
                gaps.push(BernoulliSkip::new(p, &mut rng).gap);
            }
        }
        assert_eq!(gaps, PINNED_GAPS);
    }

    /// The cheap logarithm is within its stated bound, and the gaps it gives equal the exact
    /// ones for every p the scenarios use and many more, over random bits and the edges of the
    /// range (U = 2^-53, U = 1, powers of two and their neighbours).
    #[test]
    fn fast_gaps_equal_exact_gaps() {
        let mut rng = stream(77);
        let mut ms: Vec<u64> = (0..200_000).map(|_| rng.next_u64() >> 11).collect();
        ms.extend((0..53).flat_map(|e| {
            let k = 1u64 << e;
            [k.saturating_sub(2), k - 1, k, k + 1]
        }));
        ms.extend([0, 1, 2, (1 << 53) - 2, (1 << 53) - 1]);
        ms.retain(|&m| m < 1 << 53);
        for &m in &ms {
            let exact = libm::log((m + 1) as f64 / (1u64 << 53) as f64);
            let err = (fast_ln(m + 1) - exact).abs();
            assert!(err < FAST_LN_ERROR / 100.0, "m = {m}: error {err}");
        }
        let ps = [
            1e-9, 1e-4, 0.001, 0.01, 0.02, 0.05, 0.1, 0.25, 0.3, 0.5, 0.6, 0.9, 0.999,
        ];
        for p in ps {
            let b = BernoulliSkip::with_ln_q(libm::log(1.0 - p));
            for &m in &ms {
                assert_eq!(b.gap_of(m), b.exact_gap(m), "p = {p}, m = {m}");
            }
        }
    }

    /// The centre [`fast_ln`] computes from a number's bits is the interval's centre,
    /// 1 + (j + 1/2) / 256, at both ends of every interval and inside it.
    #[test]
    fn centres_from_bits_are_the_intervals_centres() {
        for j in 0..256u32 {
            let centre = 1.0 + (f64::from(j) + 0.5) / 256.0;
            let low = 1.0 + f64::from(j) / 256.0;
            let high = f64::from_bits((1.0 + f64::from(j + 1) / 256.0).to_bits() - 1);
            for f in [low, centre, (low + centre) / 2.0, high] {
                assert_eq!(centre_of(f).to_bits(), centre.to_bits(), "j = {j}, f = {f}");
            }
        }
    }

    /// The same over 2 x 10^7 random draws for each of four rates (`cargo test --release --
    /// --ignored fast_gaps`; about 10 s).
    #[test]
    #[ignore]
    fn fast_gaps_equal_exact_gaps_over_many_draws() {
        let mut rng = stream(78);
        for p in [0.01, 0.02, 0.05, 0.3] {
            let b = BernoulliSkip::with_ln_q(libm::log(1.0 - p));
            for _ in 0..20_000_000 {
                let m = rng.next_u64() >> 11;
                assert_eq!(b.gap_of(m), b.exact_gap(m), "p = {p}, m = {m}");
            }
        }
    }

    #[test]
    fn gaps_are_geometric() {
        // P(first success at trial k+1) = (1-p)^k p: check P(gap = 0) and P(gap >= 3).
        let p = 0.3;
        let mut rng = stream(11);
        let n = 100_000;
        let (mut zero, mut ge3) = (0, 0);
        for _ in 0..n {
            let b = BernoulliSkip::new(p, &mut rng);
            if b.gap == 0 {
                zero += 1;
            }
            if b.gap >= 3 {
                ge3 += 1;
            }
        }
        assert!((zero as f64 / n as f64 - p).abs() < 0.01);
        assert!((ge3 as f64 / n as f64 - 0.7f64.powi(3)).abs() < 0.01);
    }

    /// Reference: compare U, read bit by bit, with p's binary expansion computed by exact
    /// doubling in f64.
    fn reference_trial(words: &mut Stream, buf: &mut Vec<bool>, p: f64) -> bool {
        let mut q = p;
        loop {
            if q == 0.0 {
                return false; // U agrees with all of p's bits: U >= p
            }
            if q == 1.0 {
                return true;
            }
            q *= 2.0;
            let p_bit = q >= 1.0;
            if p_bit {
                q -= 1.0;
            }
            if buf.is_empty() {
                let w = words.next_u32();
                buf.extend((0..32).rev().map(|i| (w >> i) & 1 == 1));
                buf.reverse();
            }
            let u_bit = buf.pop().expect("refilled");
            if u_bit != p_bit {
                return p_bit;
            }
        }
    }

    #[test]
    fn coin_trials_equal_the_bit_by_bit_comparison() {
        let mut ps = super::tests::sample_ps();
        let mut gen = stream(99);
        for _ in 0..40 {
            ps.push((gen.next_u64() >> 11) as f64 / (1u64 << 53) as f64);
        }
        for (k, &p) in ps.iter().enumerate() {
            let c = Coin::new(p);
            assert_eq!(c.p(), p, "round trip of {p}");
            let mut fast_rng = stream(1000 + k as u64);
            let mut ref_rng = stream(1000 + k as u64);
            let mut bits = Bits::new(&mut fast_rng);
            let mut other_rng = stream(1000 + k as u64);
            let mut other = Bits::new(&mut other_rng);
            let mut pending = Vec::new();
            for t in 0..3000 {
                // interleave a fair coin so that the bits consumed must agree too
                let fast = (bits.trial(&c), bits.trial(&Coin::new(0.5)));
                let branchless = (
                    other.trial_branchless(&c),
                    other.trial_branchless(&Coin::new(0.5)),
                );
                assert_eq!(fast, branchless, "p = {p}, trial {t}");
                let slow = (
                    reference_trial(&mut ref_rng, &mut pending, p),
                    reference_trial(&mut ref_rng, &mut pending, 0.5),
                );
                assert_eq!(fast, slow, "p = {p}, trial {t}");
            }
        }
    }

    #[test]
    fn coin_frequencies_are_p() {
        let mut rng = stream(5);
        let mut bits = Bits::new(&mut rng);
        for p in [1.0 / 3.0, 0.05, 0.5, 0.9] {
            let c = Coin::new(p);
            let n = 400_000;
            let hits = (0..n).filter(|_| bits.trial(&c)).count() as f64 / n as f64;
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            assert!((hits - p).abs() < 5.0 * sd, "p = {p}: {hits}");
        }
        let (never, always) = (Coin::new(0.0), Coin::new(1.0));
        assert!((0..100).all(|_| !bits.trial(&never) && bits.trial(&always)));
        assert!(never.is_certain() && always.is_certain() && !Coin::new(0.5).is_certain());
    }
}

/// A uniform number in (0, 1] from 53 random bits (never 0, so its logarithm is finite).
fn open_unit(rng: &mut impl RngCore) -> f64 {
    ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A normal draw N(mean, sd) by the Box–Muller transform (Box & Muller 1958), from two
/// uniforms: mean + sd sqrt(-2 ln U1) cos(2 pi U2). Its logarithm and cosine are the pure-Rust
/// `libm` ones, so the same seed draws the same world on every platform (`rand_distr`'s
/// ziggurat calls the platform's `exp` and `ln` in its tails); pinned by
/// `world_draws_are_pinned_values`.
pub fn normal(rng: &mut impl RngCore, mean: f64, sd: f64) -> f64 {
    let radius = (-2.0 * libm::log(open_unit(rng))).sqrt();
    let angle = 2.0 * std::f64::consts::PI * open_unit(rng);
    mean + sd * radius * libm::cos(angle)
}

/// A Pareto draw with the given scale (minimum) and shape, by inversion:
/// scale U^(-1/shape) with U uniform in (0, 1], through the pure-Rust `libm::pow` (see
/// [`normal`]).
pub fn pareto(rng: &mut impl RngCore, scale: f64, shape: f64) -> f64 {
    scale * libm::pow(open_unit(rng), -1.0 / shape)
}

#[cfg(test)]
mod distribution_tests {
    use super::*;

    /// Value stability: the first draws of each distribution from a fixed stream. A change
    /// here changes every world drawn from a `normal` or `pareto` template.
    #[test]
    fn world_draws_are_pinned_values() {
        let mut rng = stream(1958);
        let mut draws: Vec<f64> = (0..3).map(|_| normal(&mut rng, 0.5, 0.2)).collect();
        draws.extend((0..3).map(|_| pareto(&mut rng, 1.0, 1.5)));
        let bits: Vec<u64> = draws.iter().map(|x| x.to_bits()).collect();
        assert_eq!(bits, PINNED_DRAWS, "{draws:?}");
    }

    /// N(0.5, 0.2): 0.4706465143392369, 0.3668002229076561, 0.6412727762679189;
    /// Pareto(1, 1.5): 2.9504363040097896, 2.0854447753518177, 4.49126834612653.
    const PINNED_DRAWS: [u64; 6] = [
        4602150033784311560,
        4600279305306731260,
        4603951291217762502,
        4613826210719676844,
        4611878422956605505,
        4616742737039896990,
    ];

    /// Moments within sampling error (100,000 draws): the normal's mean and sd, the Pareto's
    /// median scale 2^(1/shape) and minimum.
    #[test]
    fn draws_have_their_distributions() {
        let mut rng = stream(7);
        let n = 100_000;
        let xs: Vec<f64> = (0..n).map(|_| normal(&mut rng, 2.0, 3.0)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!((mean - 2.0).abs() < 0.05, "mean {mean}");
        assert!((sd - 3.0).abs() < 0.05, "sd {sd}");
        let mut ps: Vec<f64> = (0..n).map(|_| pareto(&mut rng, 0.5, 1.5)).collect();
        ps.sort_by(f64::total_cmp);
        assert!(ps[0] >= 0.5);
        let median = ps[n / 2];
        let want = 0.5 * 2f64.powf(1.0 / 1.5);
        assert!((median - want).abs() < 0.01, "median {median} vs {want}");
    }
}
