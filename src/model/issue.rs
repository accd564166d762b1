//! Issue areas: the stage game of each, its regime at the start and civil society's access to
//! its institutions (ODD 2 and 7.1; thesis ch. 2-5).
//!
//! Plain data; may import nothing from `io`, `engine`, `analysis`, `plot` or clap.

use crate::model::game::Payoffs;
use serde::{Deserialize, Serialize, Serializer};

/// What kind of issue area: migration (the thesis's case) or a comparison area (trade, health,
/// climate). It decides who the veto players are (see [`crate::model::veto_players`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// Migration: receiving states hold the veto.
    Migration,
    /// A comparison issue area: the most powerful states hold the veto.
    Comparison,
}

impl IssueKind {
    /// Parses `migration | comparison`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "migration" => Some(Self::Migration),
            "comparison" => Some(Self::Comparison),
            _ => None,
        }
    }
}

/// Civil-society access to an issue's institutions (thesis ch. 3-4): raises monitoring and
/// norm pressure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CivilSocietyAccess {
    /// No access.
    None,
    /// Observer status.
    Observer,
    /// Consultative status.
    Consultative,
    /// A share in decisions (the ILO's tripartism).
    Decision,
}

impl CivilSocietyAccess {
    /// Parses `none | observer | consultative | decision`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(Self::None),
            "observer" => Some(Self::Observer),
            "consultative" => Some(Self::Consultative),
            "decision" => Some(Self::Decision),
            _ => None,
        }
    }

    /// 0, 1, 2 or 3.
    pub fn level(self) -> f64 {
        match self {
            Self::None => 0.0,
            Self::Observer => 1.0,
            Self::Consultative => 2.0,
            Self::Decision => 3.0,
        }
    }

    /// Factor on the rule set's monitoring: 1 + 0.25 per level (NGOs report violations to
    /// institutions that monitor). Multiplicative, so under realism (monitoring 0) civil
    /// society adds no monitoring: institutions change nothing by themselves.
    pub fn monitoring_factor(self) -> f64 {
        1.0 + 0.25 * self.level()
    }

    /// Factor on norm pressure: 1 + 0.25 per level (NGOs as norm entrepreneurs).
    pub fn norm_factor(self) -> f64 {
        1.0 + 0.25 * self.level()
    }
}

/// Attribute-to-payoff shifts of an issue area (see [`crate::model::stage_game`]).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Shifts {
    /// T_i += this x security_weight x security_i x receiving_i.
    #[serde(default)]
    pub temptation_per_security: f64,
    /// R_i += this x economy_i.
    #[serde(default)]
    pub reward_per_economy: f64,
    /// R_i += this x rights_i.
    #[serde(default)]
    pub reward_per_rights: f64,
    /// R_i += this x sending_i (sending states gain more from cooperation).
    #[serde(default)]
    pub reward_per_sending: f64,
    /// S_i -= this x security_weight x security_i x receiving_i.
    #[serde(default)]
    pub sucker_per_security: f64,
}

/// An informal, non-binding forum (GFMD, regional consultative processes).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Forum {
    /// First year the forum meets (default: from the start).
    pub from_year: Option<i64>,
    /// Share of misperception removed by the information it shares, in [0, 1].
    pub information: f64,
}

/// Members of a regime that exists at the start.
#[derive(Debug, Clone, PartialEq)]
pub enum Members {
    /// Every state (written `"all"`).
    All,
    /// The states of these groups.
    Groups(Vec<String>),
    /// The most powerful share of states, in (0, 1].
    Share(f64),
}

impl Serialize for Members {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Members::All => s.serialize_str("all"),
            Members::Groups(g) => g.serialize(s),
            Members::Share(x) => s.serialize_f64(*x),
        }
    }
}

/// How the members of a regime in place at the start come to be members (ODD 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Founding {
    /// The listed states negotiate at set-up: those that value membership join (the default).
    Negotiated,
    /// The listed states are members, whatever they value (for experiments that need a
    /// treaty of given members).
    Given,
}

impl Founding {
    /// Parses `negotiated | given`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "negotiated" => Some(Self::Negotiated),
            "given" => Some(Self::Given),
            _ => None,
        }
    }
}

/// A regime in place at the start (e.g. the refugee regime since 1951).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InitialRegime {
    /// Year the regime was founded (informative: the strength at the start is `strength`, not
    /// derived from the regime's age).
    pub since_year: i64,
    /// Regime strength at the start, in [0, 1) (ODD 5 and 7.7): the exit cost that history has
    /// built (Pierson 2000), stated rather than granted for age alone. Under a rule set without
    /// path dependence strength is always 0.
    pub strength: f64,
    /// Who is listed as a member at the start.
    pub members: Members,
    /// Whether the listed members negotiate at set-up or are given.
    pub founding: Founding,
}

/// A resolved issue area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// Name.
    pub name: String,
    /// Migration or comparison.
    pub kind: IssueKind,
    /// Base payoffs.
    pub payoffs: Payoffs,
    /// Whether a non-PD game was admitted.
    pub allow_any_game: bool,
    /// Attribute-to-payoff shifts.
    pub shifts: Shifts,
    /// Civil-society access at the start.
    pub civil_society_access: CivilSocietyAccess,
    /// Share of a state's sovereignty cost this issue's regime costs.
    pub sovereignty_weight: f64,
    /// Base probability that cheating is seen by partners without monitoring (q in
    /// [`crate::model::compliance::detection_probability`]; ODD 7.5).
    pub detection: f64,
    /// Transaction cost of a cooperative move outside a treaty, in payoff units (ODD 7.1): R and
    /// S are lowered by it; treaty members save the rule set's `transaction_cost_cut` share of
    /// it (Keohane 1984: institutions reduce the costs of making and keeping agreements).
    pub transaction_cost: f64,
    /// Security stakes of the issue in [0, 1] (ODD 7.2): the share of the rule set's
    /// relative-gains weight that applies here (Powell 1991: relative gains matter where gains
    /// can be turned into security advantage; Grieco 1988).
    pub security_stakes: f64,
    /// Informal forum.
    pub forum: Option<Forum>,
    /// Regime in place at the start.
    pub initial_regime: Option<InitialRegime>,
}
