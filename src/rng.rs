//! Random-number streams (DESIGN section 4).
//!
//! One master seed. Every unit of work (a run, a tournament match and repetition) gets its own
//! ChaCha8 stream whose seed is derived from the master seed and the unit's indices by SplitMix64
//! mixing. Work is split by these fixed units, never by thread, so results are byte-identical
//! at any thread count.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

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
    let mut h = splitmix64(master ^ 0x5EED_0F_4E61_4D45);
    for (k, &i) in indices.iter().enumerate() {
        h = splitmix64(h ^ splitmix64(i.wrapping_add((k as u64 + 1) << 56)));
    }
    h
}

/// A ChaCha8 stream seeded from a derived seed.
pub fn stream(seed: u64) -> Stream {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Converts a probability into a threshold for a uniform `u32` draw: the event happens when
/// `draw < threshold`. `p = 1` gives `2^32` (always), `p = 0` gives 0 (never).
pub fn threshold(p: f64) -> u64 {
    let p = p.clamp(0.0, 1.0);
    (p * 4_294_967_296.0).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

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
