//! Shocks: scheduled and random changes of states' attributes or of an issue's institutions
//! (ODD 7.10).
//!
//! Plain data and the attribute change itself; may import nothing from `io`, `engine`,
//! `analysis`, `plot` or clap.

use crate::model::issue::CivilSocietyAccess;
use crate::model::world::State;
use serde::Serialize;

/// What a shock changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShockKind {
    /// Securitisation of migration.
    Security,
    /// Economic interest in migration.
    Economy,
    /// Weight on migrants' rights.
    Rights,
    /// Net migration position.
    Position,
    /// Capabilities.
    Power,
    /// Cost of being bound.
    SovereigntyCost,
    /// A refugee surge: securitises migration in the states it reaches.
    RefugeeSurge,
    /// An issue's institutions: civil-society access, a forum, monitoring.
    Institutional,
}

impl ShockKind {
    /// Every kind, in the order error messages list them.
    pub const ALL: [ShockKind; 8] = [
        ShockKind::Security,
        ShockKind::Economy,
        ShockKind::Rights,
        ShockKind::Position,
        ShockKind::Power,
        ShockKind::SovereigntyCost,
        ShockKind::RefugeeSurge,
        ShockKind::Institutional,
    ];

    /// The name in scenario files and event details.
    pub fn name(self) -> &'static str {
        match self {
            ShockKind::Security => "security",
            ShockKind::Economy => "economy",
            ShockKind::Rights => "rights",
            ShockKind::Position => "position",
            ShockKind::Power => "power",
            ShockKind::SovereigntyCost => "sovereignty_cost",
            ShockKind::RefugeeSurge => "refugee_surge",
            ShockKind::Institutional => "institutional",
        }
    }

    /// Whether the shock changes an issue's institutions rather than states' attributes.
    pub fn is_institutional(self) -> bool {
        match self {
            ShockKind::Institutional => true,
            ShockKind::Security
            | ShockKind::Economy
            | ShockKind::Rights
            | ShockKind::Position
            | ShockKind::Power
            | ShockKind::SovereigntyCost
            | ShockKind::RefugeeSurge => false,
        }
    }

    /// Parses a name of [`ShockKind::name`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// A resolved shock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shock {
    /// Year it happens (scheduled shocks).
    pub year: Option<i64>,
    /// Round it happens (alternative to `year`).
    pub round: Option<u64>,
    /// What it changes.
    pub kind: ShockKind,
    /// Target group.
    pub group: Option<String>,
    /// Target region.
    pub region: Option<String>,
    /// Target states by name.
    pub states: Vec<String>,
    /// Additive change of the attribute.
    pub change: f64,
    /// Random shock: probability per round within [from_year, to_year].
    pub probability: Option<f64>,
    /// Window start of a random shock.
    pub from_year: Option<i64>,
    /// Window end of a random shock.
    pub to_year: Option<i64>,
    /// Institutional: the issue it changes.
    pub issue: Option<String>,
    /// Institutional: new civil-society access.
    pub civil_society_access: Option<CivilSocietyAccess>,
    /// Institutional: opens an informal forum on the issue.
    pub forum: Option<bool>,
    /// Institutional: added to the issue's monitoring.
    pub monitoring: Option<f64>,
}

/// Applies an attribute shock (ODD 7.10). security, economy, rights: additive, clamped to
/// [0, 1]; position: additive, clamped to [-1, 1]; sovereignty_cost: additive, at least 0;
/// power: multiplied by max(1 + change, 0.01) (then renormalised by the caller); refugee_surge:
/// security rises by change, clamped (a surge securitises migration in the states it reaches).
/// An institutional shock changes no attribute.
pub fn apply_attribute_shock(s: &mut State, kind: ShockKind, change: f64) {
    match kind {
        ShockKind::Security => s.security = (s.security + change).clamp(0.0, 1.0),
        ShockKind::Economy => s.economy = (s.economy + change).clamp(0.0, 1.0),
        ShockKind::Rights => s.rights = (s.rights + change).clamp(0.0, 1.0),
        ShockKind::Position => s.position = (s.position + change).clamp(-1.0, 1.0),
        ShockKind::SovereigntyCost => s.sovereignty_cost = (s.sovereignty_cost + change).max(0.0),
        ShockKind::Power => s.power *= (1.0 + change).max(0.01),
        ShockKind::RefugeeSurge => s.security = (s.security + change).clamp(0.0, 1.0),
        ShockKind::Institutional => {}
    }
}
