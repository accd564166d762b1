//! The scenario file format: the structs a TOML scenario is deserialised into, as users write
//! it (strings for kinds, unknown keys are errors), and the conversions into the model's types
//! that need no validation.
//!
//! Part of `io::scenario`; may import the model and `error`, nothing from `engine`, `analysis`,
//! `plot` or clap.

use crate::model::game::Payoffs;
use crate::model::{Bloc, Dist, Shifts, StateTemplate, StrategyMix};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A scenario file as written. Unknown keys are errors.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Short name used in outputs.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Calendar year of round 0.
    #[serde(default = "default_start_year")]
    pub start_year: i64,
    /// Number of rounds (one round is one year).
    pub rounds: u64,
    /// Master seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Default number of replicates.
    #[serde(default = "default_replicates")]
    pub replicates: u64,
    /// Rule sets every replicate runs under (common random numbers).
    #[serde(default = "default_rule_sets")]
    pub rule_sets: Vec<String>,
    /// Who plays whom.
    #[serde(default)]
    pub topology: TopologySpec,
    /// Implementation and observation noise.
    #[serde(default)]
    pub noise: NoiseSpec,
    /// States listed one by one.
    #[serde(default)]
    pub states: Vec<StateSpec>,
    /// A CSV of states (relative to the scenario file).
    #[serde(default)]
    pub states_file: Option<String>,
    /// A CSV of the migration fora states take part in (relative to the scenario file): one
    /// `forum,name` row per membership (other columns ignored). With a rule set's
    /// `regional_norm` > 0, norms spread through a state's fora instead of its region
    /// (ODD 7.9; thesis ch. 2.2 C).
    #[serde(default)]
    pub fora_file: Option<String>,
    /// Generated blocs of states.
    #[serde(default)]
    pub blocs: Vec<BlocSpec>,
    /// Issue areas.
    pub issues: Vec<IssueSpec>,
    /// Regime negotiation and emergence criterion.
    #[serde(default)]
    pub regime: RegimeSpec,
    /// Strategy revision.
    #[serde(default)]
    pub learning: LearningSpec,
    /// Rule-set overrides and custom rule sets.
    #[serde(default)]
    pub rules: BTreeMap<String, RulesSpec>,
    /// Scheduled and random shocks.
    #[serde(default)]
    pub shocks: Vec<ShockSpec>,
    /// Sweep design, read by `regime sweep`.
    #[serde(default)]
    pub sweep: Option<toml::Value>,
    /// Calibration (priors, targets, method), read by `regime calibrate`.
    #[serde(default)]
    pub calibrate: Option<toml::Value>,
}

fn default_start_year() -> i64 {
    1990
}
fn default_seed() -> u64 {
    42
}
fn default_replicates() -> u64 {
    1
}
fn default_rule_sets() -> Vec<String> {
    vec!["realist".into(), "institutionalist".into()]
}

/// `[topology]`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TopologySpec {
    /// complete | regional | random | scale_free | lattice | edge_list
    pub kind: String,
    /// regional: probability of each cross-region link.
    #[serde(default)]
    pub cross_region_probability: Option<f64>,
    /// random: Erdos-Renyi link probability.
    #[serde(default)]
    pub probability: Option<f64>,
    /// scale_free: links each new state makes (Barabasi-Albert m).
    #[serde(default)]
    pub links_per_node: Option<u64>,
    /// lattice: width of the torus.
    #[serde(default)]
    pub width: Option<u64>,
    /// lattice: height of the torus.
    #[serde(default)]
    pub height: Option<u64>,
    /// lattice: each state also plays itself (Nowak & May 1992).
    #[serde(default)]
    pub self_interaction: Option<bool>,
    /// edge_list: CSV with `source,target` state names.
    #[serde(default)]
    pub file: Option<String>,
}

impl Default for TopologySpec {
    fn default() -> Self {
        TopologySpec {
            kind: "complete".into(),
            cross_region_probability: None,
            probability: None,
            links_per_node: None,
            width: None,
            height: None,
            self_interaction: None,
            file: None,
        }
    }
}

/// `[noise]`.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NoiseSpec {
    /// Probability that an intended move flips.
    #[serde(default)]
    pub implementation: f64,
    /// Probability that a partner's move is misread.
    #[serde(default)]
    pub misperception: f64,
}

/// A state listed one by one (or a row of a states CSV).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
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
    /// Strategy in every issue.
    pub strategy: String,
    /// Per-issue strategy overrides.
    #[serde(default)]
    pub strategies: BTreeMap<String, String>,
}

impl StateSpec {
    /// The model's template of this state.
    pub(super) fn into_template(self) -> StateTemplate {
        StateTemplate {
            name: self.name,
            group: self.group,
            region: self.region,
            power: self.power,
            position: self.position,
            security: self.security,
            economy: self.economy,
            rights: self.rights,
            sovereignty_cost: self.sovereignty_cost,
            discount: self.discount,
            strategy: self.strategy,
            strategies: self.strategies,
        }
    }
}

const DIST_EXPECTED: &str =
    "a number, { uniform = [a, b] }, { normal = { mean = m, sd = s } } or { pareto = { scale = x, shape = a } }";

impl<'de> Deserialize<'de> for Dist {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let v = toml::Value::deserialize(d)?;
        let num = |v: &toml::Value| -> Option<f64> {
            v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
        };
        if let Some(x) = num(&v) {
            return Ok(Dist::Constant(x));
        }
        let bad = || D::Error::custom(format!("expected {DIST_EXPECTED}, found {v}"));
        let t = v.as_table().ok_or_else(bad)?;
        if t.len() != 1 {
            return Err(bad());
        }
        let (k, inner) = t.iter().next().ok_or_else(bad)?;
        let field = |name: &str| -> std::result::Result<f64, D::Error> {
            inner
                .as_table()
                .and_then(|it| it.get(name))
                .and_then(num)
                .ok_or_else(|| D::Error::custom(format!("`{k}` needs a number `{name}`")))
        };
        match k.as_str() {
            "uniform" => {
                let a = inner.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
                    D::Error::custom("`uniform` needs two numbers: { uniform = [a, b] }")
                })?;
                match (num(&a[0]), num(&a[1])) {
                    (Some(x), Some(y)) => Ok(Dist::Uniform([x, y])),
                    _ => Err(D::Error::custom(
                        "`uniform` needs two numbers: { uniform = [a, b] }",
                    )),
                }
            }
            "normal" => Ok(Dist::Normal {
                mean: field("mean")?,
                sd: field("sd")?,
            }),
            "pareto" => Ok(Dist::Pareto {
                scale: field("scale")?,
                shape: field("shape")?,
            }),
            _ => Err(bad()),
        }
    }
}

impl<'de> Deserialize<'de> for StrategyMix {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        /// The file's form: a strategy name, or a table of shares.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            One(String),
            Mix(BTreeMap<String, f64>),
        }
        Ok(match Written::deserialize(d)? {
            Written::One(s) => StrategyMix::One(s),
            Written::Mix(m) => StrategyMix::Mix(m),
        })
    }
}

/// `[[blocs]]`: generated states.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BlocSpec {
    /// Group of the generated states.
    pub group: String,
    /// Region of the generated states.
    pub region: String,
    /// Number of states (> 0).
    pub count: u64,
    /// Optional names (as many as `count`); default `<group>-<k>`.
    #[serde(default)]
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
    #[serde(default)]
    pub strategies: BTreeMap<String, StrategyMix>,
}

/// `forum = { ... }`: an informal, non-binding forum (GFMD, regional consultative processes).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ForumSpec {
    /// First year the forum meets (default: from the start).
    #[serde(default)]
    pub from_year: Option<i64>,
    /// Share of misperception removed by the information it shares, in [0, 1].
    #[serde(default = "default_forum_information")]
    pub information: f64,
}

fn default_forum_information() -> f64 {
    0.5
}

impl BlocSpec {
    /// The model's bloc.
    pub(super) fn into_bloc(self) -> Bloc {
        Bloc {
            group: self.group,
            region: self.region,
            count: self.count,
            names: self.names,
            power: self.power,
            position: self.position,
            security: self.security,
            economy: self.economy,
            rights: self.rights,
            sovereignty_cost: self.sovereignty_cost,
            discount: self.discount,
            strategy: self.strategy,
            strategies: self.strategies,
        }
    }
}

/// Members of a regime that exists at the start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MembersSpec {
    /// `"all"`.
    All(String),
    /// Groups whose states are members.
    Groups(Vec<String>),
    /// The most powerful share of states, in (0, 1].
    Share(f64),
}

/// `initial_regime = { ... }`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InitialRegimeSpec {
    /// Year the regime was founded (informative; strength at the start is `strength`).
    pub since_year: i64,
    /// Who is listed as a member: the states that may join at the founding negotiation.
    pub members: MembersSpec,
    /// Regime strength at the start, in [0, 1) (default 0).
    #[serde(default)]
    pub strength: f64,
    /// negotiated (default: the listed states join if they value membership) | given.
    #[serde(default = "default_founding")]
    pub founding: String,
}

fn default_founding() -> String {
    "negotiated".into()
}

/// `[[issues]]`: an issue area with its stage game and its regime.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IssueSpec {
    /// Name, e.g. "labour".
    pub name: String,
    /// migration | comparison.
    #[serde(default = "default_issue_kind")]
    pub kind: String,
    /// Base payoffs.
    pub payoffs: Payoffs,
    /// Admit any 2x2 game instead of requiring a strict prisoner's dilemma.
    #[serde(default)]
    pub allow_any_game: bool,
    /// Attribute-to-payoff shifts.
    #[serde(default)]
    pub shifts: Shifts,
    /// none | observer | consultative | decision.
    #[serde(default = "default_access")]
    pub civil_society_access: String,
    /// How much of a state's `sovereignty_cost` a binding regime on this issue costs it
    /// (1 for migration: control over entry; small for trade, health, climate).
    #[serde(default = "default_sovereignty_weight")]
    pub sovereignty_weight: f64,
    /// Probability that a state's cheating on this issue is seen by its partners without any
    /// monitoring (1: the perfect observability the grim-trigger condition assumes).
    #[serde(default = "default_detection")]
    pub detection: f64,
    /// Transaction cost of a cooperative move outside a treaty (payoff units; default 0.5).
    #[serde(default = "default_transaction_cost")]
    pub transaction_cost: f64,
    /// Security stakes in [0, 1]: the share of relative-gains sensitivity that applies here
    /// (default 1).
    #[serde(default = "default_security_stakes")]
    pub security_stakes: f64,
    /// Informal forum.
    #[serde(default)]
    pub forum: Option<ForumSpec>,
    /// Regime already in place at the start.
    #[serde(default)]
    pub initial_regime: Option<InitialRegimeSpec>,
}

fn default_issue_kind() -> String {
    "migration".into()
}
fn default_access() -> String {
    "none".into()
}
fn default_sovereignty_weight() -> f64 {
    1.0
}
fn default_detection() -> f64 {
    1.0
}
fn default_transaction_cost() -> f64 {
    0.5
}
fn default_security_stakes() -> f64 {
    1.0
}

/// `[regime]`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RegimeSpec {
    /// Rounds between negotiations.
    pub negotiation_interval: u64,
    /// Member share of states needed (Finnemore & Sikkink's tipping point, 1/3).
    pub min_member_share: f64,
    /// Member share of power needed.
    pub min_power_share: f64,
    /// Member compliance needed.
    pub min_compliance: f64,
    /// Consecutive rounds for emergence and for collapse.
    pub sustain_rounds: u64,
    /// The hegemonic veto needs the N most powerful receiving states.
    pub veto_players: u64,
    /// Scale of each state's persistent logistic taste for membership (0 = none).
    pub decision_noise: f64,
    /// Per-round value of the one-off cost of ratifying or withdrawing.
    pub ratification_cost: f64,
}

impl Default for RegimeSpec {
    fn default() -> Self {
        RegimeSpec {
            negotiation_interval: 5,
            min_member_share: 0.333,
            min_power_share: 0.5,
            min_compliance: 0.9,
            sustain_rounds: 5,
            veto_players: 3,
            decision_noise: 0.1,
            ratification_cost: 0.0,
        }
    }
}

/// `[learning]`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LearningSpec {
    /// imitate_best | fermi | best_response | none.
    pub rule: String,
    /// Rounds between revisions.
    pub interval: u64,
    /// Probability a revising state instead draws a random strategy from `strategies`.
    pub mutation: f64,
    /// Fermi temperature K.
    pub temperature: f64,
    /// Strategies best response and mutation choose from.
    pub strategies: Vec<String>,
}

impl Default for LearningSpec {
    fn default() -> Self {
        LearningSpec {
            rule: "best_response".into(),
            interval: 5,
            mutation: 0.01,
            temperature: 0.1,
            strategies: [
                "cooperator",
                "defector",
                "tit_for_tat",
                "grudger",
                "win_stay_lose_shift",
                "gtft",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }
}

/// `[rules.NAME]`: overrides of a preset, or a custom rule set built on `base`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RulesSpec {
    /// Preset the rule set starts from (default: the preset of the same name).
    #[serde(default)]
    pub base: Option<String>,
    /// See [`crate::model::Rules::relative_gains`].
    #[serde(default)]
    pub relative_gains: Option<f64>,
    /// See [`crate::model::Rules::relative_gains_dilution`].
    #[serde(default)]
    pub relative_gains_dilution: Option<f64>,
    /// See [`crate::model::Rules::security_weight`].
    #[serde(default)]
    pub security_weight: Option<f64>,
    /// See [`crate::model::Rules::hegemonic_veto`].
    #[serde(default)]
    pub hegemonic_veto: Option<bool>,
    /// See [`crate::model::Rules::hegemonic_provision`].
    #[serde(default)]
    pub hegemonic_provision: Option<f64>,
    /// See [`crate::model::Rules::monitoring`].
    #[serde(default)]
    pub monitoring: Option<f64>,
    /// See [`crate::model::Rules::sanctions`].
    #[serde(default)]
    pub sanctions: Option<f64>,
    /// See [`crate::model::Rules::transaction_cost_cut`].
    #[serde(default)]
    pub transaction_cost_cut: Option<f64>,
    /// See [`crate::model::Rules::path_dependence`].
    #[serde(default)]
    pub path_dependence: Option<f64>,
    /// See [`crate::model::Rules::norm_pressure`].
    #[serde(default)]
    pub norm_pressure: Option<f64>,
    /// See [`crate::model::Rules::regional_norm`].
    #[serde(default)]
    pub regional_norm: Option<f64>,
}

/// `[[shocks]]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ShockSpec {
    /// Year it happens (scheduled shocks).
    #[serde(default)]
    pub year: Option<i64>,
    /// Round it happens (alternative to `year`).
    #[serde(default)]
    pub round: Option<u64>,
    /// security | economy | rights | position | power | sovereignty_cost | refugee_surge | institutional.
    pub kind: String,
    /// Target group.
    #[serde(default)]
    pub group: Option<String>,
    /// Target region.
    #[serde(default)]
    pub region: Option<String>,
    /// Target states by name.
    #[serde(default)]
    pub states: Vec<String>,
    /// Additive change of the attribute.
    #[serde(default)]
    pub change: f64,
    /// Random shock: probability per round within [from_year, to_year].
    #[serde(default)]
    pub probability: Option<f64>,
    /// Window start of a random shock.
    #[serde(default)]
    pub from_year: Option<i64>,
    /// Window end of a random shock.
    #[serde(default)]
    pub to_year: Option<i64>,
    /// Institutional: the issue it changes.
    #[serde(default)]
    pub issue: Option<String>,
    /// Institutional: new civil-society access.
    #[serde(default)]
    pub civil_society_access: Option<String>,
    /// Institutional: opens an informal forum on the issue.
    #[serde(default)]
    pub forum: Option<bool>,
    /// Institutional: added to the issue's monitoring.
    #[serde(default)]
    pub monitoring: Option<f64>,
}
