//! The states of a replicate and who plays whom (ODD 2 and 7.11): [`State`], [`World`] and the
//! [`Topology`] a world's interaction graph is built from.
//!
//! Plain data; generating a world is the engine's (`engine::world`). May import nothing from
//! `io`, `engine`, `analysis`, `plot` or clap.

use crate::model::strategy::Strategy;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// A state's name: as given (listed states, a bloc's `names`), or numbered within its bloc
/// (`{group}-{k}`, formed when it is shown: no string per state in a world of 10^6 cells).
#[derive(Debug, Clone)]
pub enum StateName {
    /// A name as given.
    Given(Box<str>),
    /// `{prefix}-{number}`, the name of a bloc's state without a given name.
    Numbered {
        /// The bloc's group, shared by its states.
        prefix: Arc<str>,
        /// The state's number within its bloc, from 1.
        number: u32,
    },
}

impl StateName {
    /// The name as text (borrowed when it was given).
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            StateName::Given(s) => Cow::Borrowed(s),
            StateName::Numbered { .. } => Cow::Owned(self.to_string()),
        }
    }
}

impl fmt::Display for StateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateName::Given(s) => f.write_str(s),
            StateName::Numbered { prefix, number } => write!(f, "{prefix}-{number}"),
        }
    }
}

impl StateName {
    /// True when the name reads `text` (without forming a numbered name).
    pub fn is(&self, text: &str) -> bool {
        match self {
            StateName::Given(s) => **s == *text,
            StateName::Numbered { prefix, number } => text
                .strip_prefix(&**prefix)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|digits| {
                    digits.bytes().all(|b| b.is_ascii_digit())
                        && !digits.starts_with('0')
                        && digits.parse::<u32>() == Ok(*number)
                }),
        }
    }
}

impl PartialEq for StateName {
    fn eq(&self, other: &StateName) -> bool {
        match other {
            StateName::Given(s) => self.is(s),
            StateName::Numbered { .. } => self.is(&other.text()),
        }
    }
}

impl PartialEq<str> for StateName {
    fn eq(&self, other: &str) -> bool {
        self.is(other)
    }
}

impl PartialEq<&str> for StateName {
    fn eq(&self, other: &&str) -> bool {
        self.is(other)
    }
}

impl PartialEq<String> for StateName {
    fn eq(&self, other: &String) -> bool {
        self.is(other)
    }
}

impl From<&str> for StateName {
    fn from(s: &str) -> StateName {
        StateName::Given(s.into())
    }
}

impl From<String> for StateName {
    fn from(s: String) -> StateName {
        StateName::Given(s.into_boxed_str())
    }
}

/// A state's initial strategy per issue: one inline (no allocation per state in the common
/// one-issue world), more in a vector. Reads as a slice.
#[derive(Debug, Clone, PartialEq)]
pub enum IssueStrategies {
    /// One issue.
    One(Strategy),
    /// Any other number of issues.
    Many(Vec<Strategy>),
}

impl std::ops::Deref for IssueStrategies {
    type Target = [Strategy];
    fn deref(&self) -> &[Strategy] {
        match self {
            IssueStrategies::One(s) => std::slice::from_ref(s),
            IssueStrategies::Many(v) => v,
        }
    }
}

impl FromIterator<Strategy> for IssueStrategies {
    fn from_iter<I: IntoIterator<Item = Strategy>>(iter: I) -> Self {
        let mut it = iter.into_iter();
        match (it.next(), it.next()) {
            (Some(a), None) => IssueStrategies::One(a),
            (None, _) => IssueStrategies::Many(Vec::new()),
            (Some(a), Some(b)) => IssueStrategies::Many([a, b].into_iter().chain(it).collect()),
        }
    }
}

/// One state's attributes (thesis concepts; ODD 2).
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Name.
    pub name: StateName,
    /// Index into [`World::groups`].
    pub group: usize,
    /// Region (shared by the states of a bloc).
    pub region: Arc<str>,
    /// Share of capabilities (all states sum to 1).
    pub power: f64,
    /// Net migration position in [-1, 1].
    pub position: f64,
    /// Securitisation of migration.
    pub security: f64,
    /// Economic interest in migration.
    pub economy: f64,
    /// Weight on migrants' rights.
    pub rights: f64,
    /// Per-round cost of being bound by a binding regime.
    pub sovereignty_cost: f64,
    /// Discount factor.
    pub discount: f64,
    /// Initial strategy per issue (scenario issue order).
    pub strategies: IssueStrategies,
}

impl State {
    /// How much the state receives migrants: max(position, 0).
    pub fn receiving(&self) -> f64 {
        self.position.max(0.0)
    }
    /// How much the state sends migrants: max(-position, 0).
    pub fn sending(&self) -> f64 {
        (-self.position).max(0.0)
    }
}

/// States, groups and the interaction graph of one replicate.
#[derive(Debug, Clone)]
pub struct World {
    /// The states.
    pub states: Vec<State>,
    /// Group names in order of first appearance.
    pub groups: Vec<String>,
    /// Interaction pairs (i <= j; i == j only for lattice self-interaction), sorted.
    pub edges: Vec<(u32, u32)>,
    /// Each state's migration fora (indices in order of first appearance in the scenario's
    /// `fora_file`), through which norms spread (ODD 7.9); empty (no entry per state) without
    /// a fora file.
    pub fora: Vec<Vec<u32>>,
}

impl World {
    /// Neighbour lists (excluding self-loops), in edge order.
    pub fn neighbours(&self) -> Vec<Vec<u32>> {
        let mut n = vec![Vec::new(); self.states.len()];
        for &(a, b) in &self.edges {
            if a != b {
                n[a as usize].push(b);
                n[b as usize].push(a);
            }
        }
        n
    }
}

/// The shape of the interaction graph (ODD 7.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopologyKind {
    /// Everyone plays everyone.
    Complete,
    /// Everyone in a region, plus random cross-region links.
    Regional,
    /// Erdos-Renyi random graph.
    Random,
    /// Barabasi-Albert preferential attachment.
    ScaleFree,
    /// A torus with Moore neighbourhoods (Nowak & May 1992).
    Lattice,
    /// Links listed in a CSV file.
    EdgeList,
}

impl TopologyKind {
    /// Every kind, in the order error messages list them.
    pub const ALL: [TopologyKind; 6] = [
        TopologyKind::Complete,
        TopologyKind::Regional,
        TopologyKind::Random,
        TopologyKind::ScaleFree,
        TopologyKind::Lattice,
        TopologyKind::EdgeList,
    ];

    /// The name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            TopologyKind::Complete => "complete",
            TopologyKind::Regional => "regional",
            TopologyKind::Random => "random",
            TopologyKind::ScaleFree => "scale_free",
            TopologyKind::Lattice => "lattice",
            TopologyKind::EdgeList => "edge_list",
        }
    }

    /// Parses a name of [`TopologyKind::name`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl std::fmt::Display for TopologyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Who plays whom: the graph kind and its parameters (the parameters a kind does not use are
/// kept as given, so that the resolved scenario shows everything that was written).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Topology {
    /// The graph kind.
    pub kind: TopologyKind,
    /// regional: probability of each cross-region link.
    pub cross_region_probability: Option<f64>,
    /// random: Erdos-Renyi link probability.
    pub probability: Option<f64>,
    /// scale_free: links each new state makes (Barabasi-Albert m).
    pub links_per_node: Option<u64>,
    /// lattice: width of the torus.
    pub width: Option<u64>,
    /// lattice: height of the torus.
    pub height: Option<u64>,
    /// lattice: each state also plays itself (Nowak & May 1992).
    pub self_interaction: Option<bool>,
    /// edge_list: the CSV with `source,target` state names the edges were read from.
    pub file: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state of a generated world holds no heap memory of its own (a numbered name, a
    /// shared region, one issue's strategy inline): 144 bytes on a 64-bit target.
    #[test]
    fn states_are_compact() {
        use std::mem::size_of;
        assert_eq!(size_of::<IssueStrategies>(), size_of::<Strategy>());
        assert!(size_of::<StateName>() <= 24);
        if size_of::<usize>() == 8 {
            assert_eq!(size_of::<State>(), 144);
        }
        let numbered = StateName::Numbered {
            prefix: "cell".into(),
            number: 12,
        };
        assert_eq!(numbered.to_string(), "cell-12");
        assert!(numbered == "cell-12" && numbered != "cell-1" && numbered != "cell-012");
        assert_eq!(numbered, StateName::from("cell-12"));
        let two: IssueStrategies = [Strategy::Cooperator, Strategy::Defector]
            .into_iter()
            .collect();
        assert_eq!(&two[..], &[Strategy::Cooperator, Strategy::Defector]);
    }
}
