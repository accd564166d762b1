//! Strategy revision settings (ODD 7.8): which learning rule states use and how often.
//!
//! Plain data; may import nothing from `io`, `engine`, `analysis`, `plot` or clap.

use serde::Serialize;

/// How states revise their strategies (ODD 7.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LearningRule {
    /// Copy the strategy of the best scorer among neighbours and self.
    ImitateBest,
    /// Pairwise comparison with a random neighbour, Fermi probability (Szabó & Tőke 1998).
    Fermi,
    /// The strategy that would earn most against the partners' current strategies.
    BestResponse,
    /// No revision and no mutation.
    None,
}

impl LearningRule {
    /// Parses `imitate_best | fermi | best_response | none`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "imitate_best" => Some(Self::ImitateBest),
            "fermi" => Some(Self::Fermi),
            "best_response" => Some(Self::BestResponse),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// Resolved learning settings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Learning {
    /// The learning rule.
    pub rule: LearningRule,
    /// Rounds between revisions.
    pub interval: u64,
    /// Probability a revising state instead draws a random strategy from `strategies`.
    pub mutation: f64,
    /// Fermi temperature K.
    pub temperature: f64,
    /// Strategies best response and mutation choose from, as written (parsed in
    /// [`crate::model::Scenario::learning_strategies`]).
    pub strategies: Vec<String>,
}
