//! Shards: `--shard I/N` splits the points of a sweep into N contiguous blocks. Besides its sibling
//! parts it may import only `error`.

use crate::error::{RegimeError, Result};

/// `--shard I/N`: the I-th (1-based) of N contiguous blocks of points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Parses `I/N` with 1 <= I <= N.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || RegimeError::argument("--shard", "I/N with 1 <= I <= N, e.g. 2/8", text);
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The points of this shard out of `total`: `[(I-1) total / N, I total / N)`.
    pub fn points(&self, total: u64) -> std::ops::Range<u64> {
        let at = |k: u64| ((k as u128 * total as u128) / self.count as u128) as u64;
        at(self.index - 1)..at(self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_points() {
        for total in [0u64, 1, 7, 100, 101] {
            for n in 1..=9 {
                let mut next = 0;
                for i in 1..=n {
                    let r = Shard { index: i, count: n }.points(total);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
        assert!(Shard::parse("x").is_err());
        assert_eq!(Shard::parse("2/3").ok(), Some(Shard { index: 2, count: 3 }));
    }
}
