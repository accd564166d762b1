//! The set of a scenario's state names, checked for uniqueness without forming the names that
//! blocs number (`{group}-{k}`): the 10^6 cells of a large lattice cost no string each.
//!
//! Part of `io::scenario`; imports nothing from the model, `engine`, `analysis`, `plot` or
//! clap.

use std::collections::HashSet;

/// Every state name of a scenario: the names given (listed states, states CSV, a bloc's
/// `names`) and the ranges `{prefix}-1` … `{prefix}-{count}` of blocs without names.
#[derive(Debug, Default)]
pub(super) struct StateNames {
    given: HashSet<String>,
    numbered: Vec<(String, u64)>,
}

impl StateNames {
    /// Whether `name` is a state's.
    pub fn contains(&self, name: &str) -> bool {
        self.given.contains(name) || self.numbered_contains(name)
    }

    /// Adds a given name; false if the scenario already has it.
    pub fn insert(&mut self, name: &str) -> bool {
        if self.numbered_contains(name) {
            return false;
        }
        self.given.insert(name.to_string())
    }

    /// Adds `{prefix}-1` … `{prefix}-{count}` (`count` > 0); the first of them (lowest number)
    /// the scenario already has, if any, as the error.
    pub fn insert_numbered(&mut self, prefix: &str, count: u64) -> Result<(), String> {
        let same_prefix = self.numbered.iter().any(|(p, _)| p == prefix);
        let first_given = self
            .given
            .iter()
            .filter_map(|g| number_in(g, prefix))
            .filter(|k| (1..=count).contains(k))
            .min();
        match (same_prefix, first_given) {
            (true, _) => Err(format!("{prefix}-1")),
            (false, Some(k)) => Err(format!("{prefix}-{k}")),
            (false, None) => {
                self.numbered.push((prefix.to_string(), count));
                Ok(())
            }
        }
    }

    fn numbered_contains(&self, name: &str) -> bool {
        self.numbered
            .iter()
            .any(|(p, count)| number_in(name, p).is_some_and(|k| (1..=*count).contains(&k)))
    }
}

/// `k` when `name` reads `{prefix}-{k}` with `k` written as `format!` writes it (digits, no
/// leading zero).
fn number_in(name: &str, prefix: &str) -> Option<u64> {
    let digits = name.strip_prefix(prefix)?.strip_prefix('-')?;
    let canonical = digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
    canonical.then(|| digits.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The set answers as the set of every name formed would (the names the engine gives).
    #[test]
    fn numbered_names_behave_as_formed_names() {
        let mut n = StateNames::default();
        assert!(n.insert("cell-3"));
        assert!(!n.insert("cell-3"));
        assert_eq!(n.insert_numbered("cell", 5), Err("cell-3".into()));
        assert_eq!(n.insert_numbered("cell", 2), Ok(()));
        assert_eq!(n.insert_numbered("cell", 9), Err("cell-1".into()));
        assert_eq!(
            n.insert_numbered("cell-1", 4),
            Ok(()),
            "`cell-1-2` is not `cell-12`"
        );
        for (name, has) in [
            ("cell-1", true),
            ("cell-2", true),
            ("cell-3", true),
            ("cell-4", false),
            ("cell-0", false),
            ("cell-01", false),
            ("cell-+1", false),
            ("cell-1-4", true),
            ("cell-1-5", false),
            ("cell", false),
            ("cell-", false),
            ("cell-99999999999999999999999", false),
        ] {
            assert_eq!(n.contains(name), has, "{name}");
        }
        assert!(!n.insert("cell-2"), "a given name repeating a numbered one");
        assert!(!n.insert("cell-1-4"));
        assert!(n.insert("cell-02"));
    }
}
