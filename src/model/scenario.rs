//! The resolved scenario: everything a run needs, validated, with every kind parsed into an
//! enum (ODD 2, 5 and 6). Reading it from a file is `io::scenario`'s.
//!
//! May import nothing from `io`, `engine`, `analysis`, `plot` or clap. A `[sweep]` table is
//! not part of the model: `analysis::sweep` reads it from [`Scenario::text`].

use crate::model::issue::Issue;
use crate::model::learning::Learning;
use crate::model::population::StateSource;
use crate::model::regime::RegimeCriteria;
use crate::model::rules::Rules;
use crate::model::shocks::Shock;
use crate::model::strategy::Strategy;
use crate::model::world::Topology;
use serde::Serialize;

/// Implementation and observation noise.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Noise {
    /// Probability that an intended move flips.
    pub implementation: f64,
    /// Probability that a partner's move is misread.
    pub misperception: f64,
}

/// A fully validated scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Where it came from (file path or the embedded name).
    pub source: String,
    /// Year of round 0.
    pub start_year: i64,
    /// Rounds.
    pub rounds: u64,
    /// Master seed.
    pub seed: u64,
    /// Default replicates.
    pub replicates: u64,
    /// Rule sets in order, fully resolved.
    pub rule_sets: Vec<(String, Rules)>,
    /// Topology.
    pub topology: Topology,
    /// Edge list read from `topology.file`, as (source, target) names.
    pub edges: Vec<(String, String)>,
    /// Forum memberships read from `fora_file`, as (forum, state) names, in file order.
    pub fora: Vec<(String, String)>,
    /// Noise.
    pub noise: Noise,
    /// States.
    pub states: StateSource,
    /// Issue areas.
    pub issues: Vec<Issue>,
    /// Regime settings.
    pub regime: RegimeCriteria,
    /// Learning settings.
    pub learning: Learning,
    /// Strategies learning draws from, parsed.
    #[serde(skip)]
    pub learning_strategies: Vec<Strategy>,
    /// Shocks.
    pub shocks: Vec<Shock>,
    /// The scenario text after `--set` overrides (hashed into the manifest).
    #[serde(skip)]
    pub text: String,
}

impl Scenario {
    /// Total number of states a replicate has.
    pub fn state_count(&self) -> u64 {
        self.states.fixed.len() as u64 + self.states.blocs.iter().map(|b| b.count).sum::<u64>()
    }

    /// Year of a round.
    pub fn year(&self, round: u64) -> i64 {
        self.start_year + round as i64
    }

    /// SHA-256 of the scenario text after overrides, hex.
    pub fn hash(&self) -> String {
        use sha2::Digest;
        let d = sha2::Sha256::digest(self.text.as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect()
    }
}
