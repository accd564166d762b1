//! Exact representations of a probability, computed once when a strategy is compiled: a
//! threshold for a uniform `u32` draw, and the binary expansion that an exact Bernoulli trial
//! compares random bits with (Knuth & Yao 1976). Pure arithmetic: the random bits themselves
//! are the engine's (`engine::rng`). May import nothing from the rest of the crate.

/// Converts a probability into a threshold for a uniform `u32` draw: the event happens when
/// `draw < threshold`. `p = 1` gives `2^32` (always), `p = 0` gives 0 (never).
pub fn threshold(p: f64) -> u64 {
    let p = p.clamp(0.0, 1.0);
    (p * 4_294_967_296.0).round() as u64
}

/// An exact Bernoulli(p) trial read lazily from random bits (Knuth & Yao 1976).
///
/// A uniform U in [0, 1) is compared with p bit by bit, most significant first: the first bit
/// where U and p differ decides (U < p where p has the 1), so the trial happens with probability
/// exactly p (an `f64` has a finite binary expansion), and on average it reads two bits. A fair
/// coin reads exactly one; p = 0 and p = 1 read none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coin {
    /// Zero bits of p's expansion before its leading one (0 for p >= 1/2).
    pub(crate) lead: u32,
    /// p's significant bits from the leading one, left-aligned.
    pub(crate) frac: u64,
    /// How many bits of `frac` are significant (up to the last one); 0 for p = 0 or p = 1.
    pub(crate) len: u32,
    /// The outcome when no bits are read: p = 1.
    pub(crate) certain: bool,
}

impl Coin {
    /// The trial for probability `p` (clamped to [0, 1]).
    pub fn new(p: f64) -> Coin {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        if p == 0.0 || p == 1.0 {
            return Coin {
                lead: 0,
                frac: 0,
                len: 0,
                certain: p == 1.0,
            };
        }
        // p = m * 2^(e - 52) with a 53-bit (or subnormal) integer mantissa m.
        let bits = p.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64;
        let (m, e) = if exp == 0 {
            (bits & ((1 << 52) - 1), -1022i64)
        } else {
            (bits & ((1 << 52) - 1) | (1 << 52), exp - 1023)
        };
        let top = 63 - m.leading_zeros() as i64; // position of m's leading one
                                                 // p's leading one is at binary place -(e - 52 + top) after the point, i.e. it is
                                                 // preceded by (-(e - 52 + top) - 1) zeros.
        let lead = (-(e - 52 + top) - 1) as u32;
        let mut frac = m << (63 - top);
        let mut len = 64 - frac.trailing_zeros();
        let mut lead = lead;
        if lead + len <= 64 {
            // The whole expansion fits in one word: compare the leading zeros with the rest.
            frac >>= lead;
            len += lead;
            lead = 0;
        }
        Coin {
            lead,
            frac,
            len,
            certain: false,
        }
    }

    /// The probability p.
    pub fn p(&self) -> f64 {
        if self.len == 0 {
            return if self.certain { 1.0 } else { 0.0 };
        }
        // frac has at most 53 significant bits, so each halving is exact.
        let mut x = self.frac as f64 / 18_446_744_073_709_551_616.0;
        for _ in 0..self.lead {
            x *= 0.5;
        }
        x
    }

    /// The trial read from the `width` low bits of `chunk` (first bit highest) after the first
    /// `pos`: `Some((success, bits read))`, or `None` when those bits do not decide it. The
    /// comparison of U with p of [`Coin::trial_in_chunk_by_bits`], in a few word operations
    /// when p's expansion fits in one word.
    #[inline]
    pub fn trial_in_chunk(&self, chunk: u32, width: u32, pos: u32) -> Option<(bool, u32)> {
        debug_assert!(pos <= width && width <= 32);
        if self.len == 0 {
            return Some((self.certain, 0));
        }
        if self.lead > 0 {
            return self.trial_in_chunk_by_bits(chunk, width, pos);
        }
        let avail = width - pos;
        // the unread bits of the chunk, left-aligned (zeros after them)
        let u = u64::from(chunk) << 32 << (32 - width + pos);
        // the first place where U and p differ decides: U < p where p has the one
        let d = (u ^ self.frac).leading_zeros();
        if d < self.len.min(avail) {
            Some(((self.frac << d) >> 63 == 1, d + 1))
        } else if self.len <= avail {
            Some((false, self.len)) // U agrees with all of p's bits: U >= p
        } else {
            None
        }
    }

    /// [`Coin::trial_in_chunk`] bit by bit: the definition that `engine::rng::Bits::trial` implements
    /// word by word.
    pub fn trial_in_chunk_by_bits(&self, chunk: u32, width: u32, pos: u32) -> Option<(bool, u32)> {
        if self.len == 0 {
            return Some((self.certain, 0));
        }
        for i in 0..self.lead + self.len {
            if pos + i >= width {
                return None;
            }
            let u = (chunk >> (width - 1 - pos - i)) & 1 == 1;
            let p = i >= self.lead && (self.frac >> (63 - (i - self.lead))) & 1 == 1;
            if u != p {
                return Some((p, i + 1)); // U < p where p has the one
            }
        }
        Some((false, self.lead + self.len)) // U agrees with all of p's bits: U >= p
    }

    /// True when the trial needs no random bits (p = 0 or p = 1).
    #[inline]
    pub fn is_certain(&self) -> bool {
        self.len == 0
    }

    /// The outcome of a certain trial (p = 1); meaningless for uncertain ones.
    #[inline]
    pub fn certain_outcome(&self) -> bool {
        self.certain
    }
}
