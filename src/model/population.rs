//! The states a scenario describes, before a replicate draws them (ODD 5): states listed one
//! by one, and blocs whose attributes are drawn from distributions.
//!
//! Plain data; drawing is the engine's (`engine::world`). May import nothing from `io`,
//! `engine`, `analysis`, `plot` or clap.

use serde::Serialize;
use std::collections::BTreeMap;

/// A state listed one by one (or a row of a states CSV), validated.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StateTemplate {
    /// Unique name.
    pub name: String,
    /// Bloc, e.g. "north-receiving".
    pub group: String,
    /// Region (drives regional topology).
    pub region: String,
    /// Capabilities (> 0; normalised to shares).
    pub power: f64,
    /// Net migration position in [-1, 1]: +1 receiving, -1 sending.
    pub position: f64,
    /// Securitisation of migration in [0, 1].
    pub security: f64,
    /// Economic interest in migration in [0, 1].
    pub economy: f64,
    /// Weight on migrants' rights in [0, 1].
    pub rights: f64,
    /// Per-round cost of being bound (>= 0).
    pub sovereignty_cost: f64,
    /// Shadow of the future in (0, 1).
    pub discount: f64,
    /// Strategy in every issue, as written.
    pub strategy: String,
    /// Per-issue strategy overrides, as written.
    pub strategies: BTreeMap<String, String>,
}

/// A distribution for a generated attribute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dist {
    /// Always this value.
    Constant(f64),
    /// Uniform on [a, b].
    Uniform([f64; 2]),
    /// Normal with mean and standard deviation (then clamped to the field's range).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Pareto with scale (minimum) and shape.
    Pareto {
        /// Minimum value.
        scale: f64,
        /// Tail index.
        shape: f64,
    },
}

/// A strategy, or a mixture of strategies with shares (blocs only), as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StrategyMix {
    /// One strategy for every state.
    One(String),
    /// Shares of strategies; each state draws one.
    Mix(BTreeMap<String, f64>),
}

/// A bloc: states whose attributes are drawn per replicate.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bloc {
    /// Group of the generated states.
    pub group: String,
    /// Region of the generated states.
    pub region: String,
    /// Number of states (> 0).
    pub count: u64,
    /// Optional names (as many as `count`); default `<group>-<k>`.
    pub names: Vec<String>,
    /// Capabilities.
    pub power: Dist,
    /// Net migration position.
    pub position: Dist,
    /// Securitisation.
    pub security: Dist,
    /// Economic interest.
    pub economy: Dist,
    /// Rights weight.
    pub rights: Dist,
    /// Sovereignty cost.
    pub sovereignty_cost: Dist,
    /// Discount factor.
    pub discount: Dist,
    /// Strategy or mixture.
    pub strategy: StrategyMix,
    /// Per-issue strategy overrides.
    pub strategies: BTreeMap<String, StrategyMix>,
}

/// How states are generated for a replicate.
#[derive(Debug, Clone, Serialize)]
pub struct StateSource {
    /// States given one by one (from `[[states]]` and `states_file`), resolved.
    pub fixed: Vec<StateTemplate>,
    /// Blocs to draw.
    pub blocs: Vec<Bloc>,
}
