//! Scenario files: the TOML format users write, its validation, and its resolution into a
//! [`Scenario`] the engine runs.
//!
//! Reading happens in three steps, so that every error can name the file, the line and column,
//! and the field: the text is parsed into a syntax tree that keeps positions (`toml_edit`);
//! `--set path=value` overrides are applied to that tree; the result is deserialised into
//! strict structs (unknown keys are errors) and every value is range-checked, each problem
//! located back in the text by its dotted path.

use crate::error::{Location, RegimeError, Result};
use crate::model::game::Payoffs;
use crate::model::strategy::Strategy;
use crate::model::{
    Bloc, Dist, Forum, InitialRegime, IssueKind, Learning, LearningRule, Members, Noise,
    RegimeCriteria, Shock, ShockKind, StateTemplate, StrategyMix, Topology, TopologyKind,
};
pub use crate::model::{CivilSocietyAccess, Issue, Rules, Scenario, Shifts, StateSource};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The world scenario, embedded so that `regime run` works with no file at all.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/world.toml");
/// Name shown for the embedded scenario in messages and manifests.
pub const DEFAULT_SCENARIO_NAME: &str = "<embedded scenarios/world.toml>";

// ---------------------------------------------------------------------------------------------
// The file format (raw, as written by users)
// ---------------------------------------------------------------------------------------------

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
    fn into_template(self) -> StateTemplate {
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
    fn into_bloc(self) -> Bloc {
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
    /// Year the regime was founded (its compliant age at the start drives path dependence).
    pub since_year: i64,
    /// Who is a member at the start.
    pub members: MembersSpec,
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
    /// Scale of the logistic noise on ratification decisions (0 = deterministic).
    pub decision_noise: f64,
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
    /// See [`Rules::relative_gains`].
    #[serde(default)]
    pub relative_gains: Option<f64>,
    /// See [`Rules::relative_gains_dilution`].
    #[serde(default)]
    pub relative_gains_dilution: Option<f64>,
    /// See [`Rules::security_weight`].
    #[serde(default)]
    pub security_weight: Option<f64>,
    /// See [`Rules::hegemonic_veto`].
    #[serde(default)]
    pub hegemonic_veto: Option<bool>,
    /// See [`Rules::monitoring`].
    #[serde(default)]
    pub monitoring: Option<f64>,
    /// See [`Rules::sanctions`].
    #[serde(default)]
    pub sanctions: Option<f64>,
    /// See [`Rules::transaction_cost_cut`].
    #[serde(default)]
    pub transaction_cost_cut: Option<f64>,
    /// See [`Rules::path_dependence`].
    #[serde(default)]
    pub path_dependence: Option<f64>,
    /// See [`Rules::norm_pressure`].
    #[serde(default)]
    pub norm_pressure: Option<f64>,
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

/// Overrides a preset's mechanisms with the fields a `[rules.NAME]` table sets.
fn apply_overrides(rules: &mut Rules, o: &RulesSpec) {
    macro_rules! set {
        ($($f:ident),*) => {$( if let Some(v) = o.$f { rules.$f = v; } )*};
    }
    set!(
        relative_gains,
        relative_gains_dilution,
        security_weight,
        hegemonic_veto,
        monitoring,
        sanctions,
        transaction_cost_cut,
        path_dependence,
        norm_pressure
    );
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Reads, overrides, validates and resolves a scenario file.
pub fn load(path: &Path, sets: &[String]) -> Result<Scenario> {
    let text = std::fs::read_to_string(path).map_err(|source| RegimeError::ReadInput {
        path: path.to_path_buf(),
        source,
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&text, &path.display().to_string(), &base, sets)
}

/// Reads the embedded default scenario (the world scenario).
pub fn load_default(sets: &[String]) -> Result<Scenario> {
    parse(
        DEFAULT_SCENARIO,
        DEFAULT_SCENARIO_NAME,
        Path::new("scenarios"),
        sets,
    )
}

/// Converts a byte offset into 1-based line and column.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// One step of a dotted path: a key or an array index.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
    Any,
}

fn parse_path(path: &str) -> std::result::Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    let mut rest = path.trim();
    while !rest.is_empty() {
        let key_end;
        if let Some(stripped) = rest.strip_prefix('"') {
            let close = stripped.find('"').ok_or("unclosed quote")?;
            segs.push(Seg::Key(stripped[..close].to_string()));
            key_end = close + 2;
        } else {
            key_end = rest.find(['.', '[']).unwrap_or(rest.len());
            let k = &rest[..key_end];
            if k.is_empty() {
                return Err("empty key".into());
            }
            if k == "*" {
                segs.push(Seg::Any);
            } else if let Ok(i) = k.parse::<usize>() {
                segs.push(Seg::Index(i));
            } else {
                segs.push(Seg::Key(k.to_string()));
            }
        }
        rest = &rest[key_end..];
        while let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']').ok_or("unclosed `[`")?;
            let inner = &r[..close];
            if inner == "*" {
                segs.push(Seg::Any);
            } else {
                segs.push(Seg::Index(
                    inner.parse().map_err(|_| format!("bad index `{inner}`"))?,
                ));
            }
            rest = &r[close + 1..];
        }
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
            if rest.is_empty() {
                return Err("trailing `.`".into());
            }
        } else if !rest.is_empty() {
            return Err(format!("unexpected `{rest}`"));
        }
    }
    if segs.is_empty() {
        return Err("empty path".into());
    }
    Ok(segs)
}

/// Finds the span of the item at a dotted path like `blocs[2].discount` in the parsed text.
fn locate(doc: &toml_edit::ImDocument<String>, path: &str) -> Option<std::ops::Range<usize>> {
    enum Node<'a> {
        Table(&'a toml_edit::Table),
        Item(&'a toml_edit::Item),
        Value(&'a toml_edit::Value),
    }
    let segs = parse_path(path).ok()?;
    let mut node = Node::Table(doc.as_table());
    let mut span = None;
    for seg in segs {
        node = match (seg, node) {
            (Seg::Key(k), Node::Table(t)) => Node::Item(t.get(&k)?),
            (Seg::Key(k), Node::Item(toml_edit::Item::Table(t))) => Node::Item(t.get(&k)?),
            (Seg::Key(k), Node::Item(toml_edit::Item::Value(toml_edit::Value::InlineTable(t))))
            | (Seg::Key(k), Node::Value(toml_edit::Value::InlineTable(t))) => {
                Node::Value(t.get(&k)?)
            }
            (Seg::Index(i), Node::Item(toml_edit::Item::ArrayOfTables(a))) => {
                Node::Table(a.get(i)?)
            }
            (Seg::Index(i), Node::Item(toml_edit::Item::Value(toml_edit::Value::Array(a))))
            | (Seg::Index(i), Node::Value(toml_edit::Value::Array(a))) => Node::Value(a.get(i)?),
            _ => return span,
        };
        let s = match &node {
            Node::Table(t) => t.span(),
            Node::Item(it) => it.span(),
            Node::Value(v) => v.span(),
        };
        if s.is_some() {
            span = s;
        }
    }
    span
}

/// The dotted path of the innermost item whose span contains `offset` (for parser errors).
fn path_at(doc: &toml_edit::ImDocument<String>, offset: usize) -> Option<String> {
    fn walk_table(t: &toml_edit::Table, offset: usize, prefix: &str, best: &mut Option<String>) {
        for (k, it) in t.iter() {
            let p = if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            };
            walk_item(it, offset, &p, best);
            if let Some(key) = t.key(k) {
                if key.span().is_some_and(|s| s.contains(&offset)) {
                    *best = Some(p.clone());
                }
            }
        }
    }
    fn walk_inline(
        t: &toml_edit::InlineTable,
        offset: usize,
        prefix: &str,
        best: &mut Option<String>,
    ) {
        for (k, v) in t.iter() {
            let p = format!("{prefix}.{k}");
            walk_value(v, offset, &p, best);
            if let Some(key) = t.key(k) {
                if key.span().is_some_and(|s| s.contains(&offset)) {
                    *best = Some(p.clone());
                }
            }
        }
    }
    fn walk_value(v: &toml_edit::Value, offset: usize, p: &str, best: &mut Option<String>) {
        if v.span().is_some_and(|s| s.contains(&offset)) {
            *best = Some(p.to_string());
        }
        match v {
            toml_edit::Value::InlineTable(t) => walk_inline(t, offset, p, best),
            toml_edit::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk_value(x, offset, &format!("{p}[{i}]"), best);
                }
            }
            _ => {}
        }
    }
    fn walk_item(it: &toml_edit::Item, offset: usize, p: &str, best: &mut Option<String>) {
        match it {
            toml_edit::Item::Value(v) => walk_value(v, offset, p, best),
            toml_edit::Item::Table(t) => {
                if t.span().is_some_and(|s| s.contains(&offset)) {
                    *best = Some(p.to_string());
                }
                walk_table(t, offset, p, best)
            }
            toml_edit::Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    let pi = format!("{p}[{i}]");
                    if t.span().is_some_and(|s| s.contains(&offset)) {
                        *best = Some(pi.clone());
                    }
                    walk_table(t, offset, &pi, best);
                }
            }
            toml_edit::Item::None => {}
        }
    }
    let mut best = None;
    walk_table(doc.as_table(), offset, "", &mut best);
    best
}

/// Applies `path=value` overrides to the document text. Values are TOML values (`0.5`, `true`,
/// `"grudger"`, `[1, 2]`); a bare word is taken as a string. `*` matches every element of an
/// array or every key of a table.
pub fn apply_sets(text: &str, sets: &[String]) -> Result<String> {
    if sets.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: toml_edit::DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| RegimeError::Parse {
                location: Location {
                    file: "<scenario>".into(),
                    line: None,
                    column: None,
                },
                message: e.to_string(),
            })?;
    for set in sets {
        let cmd = Location {
            file: "<command line>".into(),
            line: None,
            column: None,
        };
        let (path, raw) = set.split_once('=').ok_or_else(|| {
            RegimeError::field(cmd.clone(), "--set", "path.to.field=value", set.clone())
        })?;
        let segs = parse_path(path).map_err(|e| {
            RegimeError::field(cmd.clone(), "--set", format!("a dotted path ({e})"), path)
        })?;
        let value = parse_value(raw.trim());
        let mut hits = 0;
        set_in_item(doc.as_item_mut(), &segs, &value, &mut hits);
        if hits == 0 {
            return Err(RegimeError::field(
                cmd,
                format!("--set {path}"),
                "a path into the scenario (e.g. regime.min_member_share, rules.realist.relative_gains, blocs[0].discount, blocs.*.discount)",
                format!("`{path}`, which matches nothing"),
            ));
        }
    }
    Ok(doc.to_string())
}

fn parse_value(raw: &str) -> toml_edit::Value {
    let doc = format!("v = {raw}");
    if let Ok(d) = doc.parse::<toml_edit::DocumentMut>() {
        if let Some(v) = d.get("v").and_then(|i| i.as_value()) {
            let mut v = v.clone();
            v.decor_mut().clear();
            return v;
        }
    }
    toml_edit::Value::from(raw)
}

fn set_in_item(
    item: &mut toml_edit::Item,
    segs: &[Seg],
    value: &toml_edit::Value,
    hits: &mut usize,
) {
    let Some((first, rest)) = segs.split_first() else {
        return;
    };
    let last = rest.is_empty();
    match first {
        Seg::Key(k) => {
            if let Some(t) = item.as_table_like_mut() {
                if last {
                    if t.get(k).is_some() || !matches!(item, toml_edit::Item::None) {
                        let mut v = value.clone();
                        if let Some(old) = item.get(k.as_str()).and_then(|i| i.as_value()) {
                            *v.decor_mut() = old.decor().clone();
                        }
                        item[k.as_str()] = toml_edit::Item::Value(v);
                        *hits += 1;
                    }
                } else if item.get(k.as_str()).is_some() {
                    set_in_item(&mut item[k.as_str()], rest, value, hits);
                } else {
                    // Create intermediate tables (e.g. rules.realist when absent).
                    let mut t = toml_edit::Table::new();
                    t.set_implicit(true);
                    item[k.as_str()] = toml_edit::Item::Table(t);
                    set_in_item(&mut item[k.as_str()], rest, value, hits);
                }
            }
        }
        Seg::Index(i) => match item {
            toml_edit::Item::ArrayOfTables(a) => {
                if let Some(t) = a.get_mut(*i) {
                    let mut it = toml_edit::Item::Table(std::mem::take(t));
                    set_in_item(&mut it, rest, value, hits);
                    if let toml_edit::Item::Table(nt) = it {
                        *t = nt;
                    }
                }
            }
            toml_edit::Item::Value(toml_edit::Value::Array(a)) if last => {
                if let Some(slot) = a.get_mut(*i) {
                    *slot = value.clone();
                    *hits += 1;
                }
            }
            _ => {}
        },
        Seg::Any => match item {
            toml_edit::Item::ArrayOfTables(a) => {
                for t in a.iter_mut() {
                    let mut it = toml_edit::Item::Table(std::mem::take(t));
                    set_in_item(&mut it, rest, value, hits);
                    if let toml_edit::Item::Table(nt) = it {
                        *t = nt;
                    }
                }
            }
            toml_edit::Item::Table(t) => {
                let keys: Vec<String> = t.iter().map(|(k, _)| k.to_string()).collect();
                for k in keys {
                    set_in_item(&mut item[k.as_str()], rest, value, hits);
                }
            }
            _ => {}
        },
    }
}

/// Parses scenario text (with `--set` overrides) and validates it.
pub fn parse(text: &str, file: &str, base_dir: &Path, sets: &[String]) -> Result<Scenario> {
    let loc0 = |line: Option<usize>, column: Option<usize>| Location {
        file: file.to_string(),
        line,
        column,
    };
    if text.trim().is_empty() {
        return Err(RegimeError::Parse {
            location: loc0(Some(1), Some(1)),
            message: "the scenario file is empty; it needs at least `name`, `rounds` and one [[issues]] table (see scenarios/teaching.toml)".into(),
        });
    }
    // Syntax first, with positions.
    let syntax_error = |e: toml_edit::TomlError| {
        let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        let first = e.message().lines().next().unwrap_or("").to_string();
        // Name the key on the offending line, when there is one (`key = ...`).
        let key = text
            .lines()
            .nth(line.saturating_sub(1))
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim().trim_matches('"').to_string())
            .filter(|k| !k.is_empty() && !k.starts_with('[') && !k.contains(' '));
        let message = match key {
            Some(k) => format!("TOML syntax error in the value of `{k}`: {first}"),
            None => format!("TOML syntax error: {first}"),
        };
        RegimeError::Parse {
            location: loc0(Some(line), Some(col)),
            message,
        }
    };
    text.parse::<toml_edit::ImDocument<String>>()
        .map_err(syntax_error)?;
    let original = text;
    let text = apply_sets(text, sets)?;
    let doc = text
        .parse::<toml_edit::ImDocument<String>>()
        .map_err(syntax_error)?;
    let set_paths: Vec<(Vec<Seg>, String)> = sets
        .iter()
        .filter_map(|s| {
            let (p, _) = s.split_once('=')?;
            Some((parse_path(p).ok()?, s.clone()))
        })
        .collect();
    let from_set = |field: &str| -> Option<String> {
        let f = parse_path(field).ok()?;
        set_paths
            .iter()
            .find(|(p, _)| path_matches(p, &f))
            .map(|(_, s)| s.clone())
    };
    let raw: ScenarioFile = toml::from_str(&text).map_err(|e| {
        let span = e.span();
        let (line, col) = span
            .clone()
            .map(|s| line_col(&text, s.start))
            .unwrap_or((1, 1));
        let field = span
            .and_then(|s| path_at(&doc, s.start))
            .unwrap_or_else(|| "(top level)".into());
        let msg = e.message().to_string();
        let msg = suggest_key(&msg);
        // An error in a value that came from --set is reported as the command line's.
        let unknown_key_from_set =
            !sets.is_empty() && toml::from_str::<ScenarioFile>(original).is_ok();
        match from_set(&field) {
            Some(set) => RegimeError::InvalidField {
                location: Location {
                    file: format!("--set {set} (command line)"),
                    line: None,
                    column: None,
                },
                field,
                expected: "a valid value".into(),
                found: msg,
            },
            None if unknown_key_from_set => RegimeError::InvalidField {
                location: Location {
                    file: format!("--set {} (command line)", sets.join(" --set ")),
                    line: None,
                    column: None,
                },
                field,
                expected: "a valid value".into(),
                found: msg,
            },
            None => RegimeError::InvalidField {
                location: loc0(Some(line), Some(col)),
                field,
                expected: "a valid value".into(),
                found: msg,
            },
        }
    })?;
    let v = Validator {
        file: file.to_string(),
        text: &text,
        doc: &doc,
        sets: set_paths,
    };
    resolve(raw, &v, base_dir)
}

/// Adds a "did you mean" to serde's unknown-field messages.
fn suggest_key(msg: &str) -> String {
    // serde: "unknown field `foo`, expected one of `a`, `b`" or "expected `a` or `b`"
    let Some(rest) = msg.strip_prefix("unknown field `") else {
        return msg.to_string();
    };
    let Some(end) = rest.find('`') else {
        return msg.to_string();
    };
    let found = &rest[..end];
    // rest[end..] is "`, expected one of `a`, `b`": names are the even pieces after the first.
    let candidates: Vec<&str> = rest[end..]
        .split('`')
        .enumerate()
        .filter(|(i, _)| *i > 0 && i % 2 == 0)
        .map(|(_, s)| s)
        .collect();
    format!("{msg}{}", crate::error::did_you_mean(found, candidates))
}

/// True when a `--set` path (with `*` wildcards) names the field path `field`.
fn path_matches(set: &[Seg], field: &[Seg]) -> bool {
    set.len() == field.len()
        && set.iter().zip(field).all(|(a, b)| match (a, b) {
            (Seg::Any, _) => true,
            (Seg::Key(x), Seg::Key(y)) => x == y,
            (Seg::Index(i), Seg::Index(j)) => i == j,
            (Seg::Key(x), Seg::Index(j)) | (Seg::Index(j), Seg::Key(x)) => x == &j.to_string(),
            _ => false,
        })
}

/// Locates fields for error messages.
pub struct Validator<'a> {
    file: String,
    text: &'a str,
    doc: &'a toml_edit::ImDocument<String>,
    sets: Vec<(Vec<Seg>, String)>,
}

impl Validator<'_> {
    fn loc(&self, path: &str) -> Location {
        if let Ok(f) = parse_path(path) {
            if let Some((_, set)) = self.sets.iter().find(|(p, _)| path_matches(p, &f)) {
                return Location {
                    file: format!("--set {set} (command line)"),
                    line: None,
                    column: None,
                };
            }
        }
        let (line, column) = match locate(self.doc, path) {
            Some(s) => {
                let (l, c) = line_col(self.text, s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        Location {
            file: self.file.clone(),
            line,
            column,
        }
    }

    fn err(
        &self,
        path: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> RegimeError {
        RegimeError::field(self.loc(path), path, expected, found)
    }

    fn finite(&self, path: &str, x: f64) -> Result<()> {
        if x.is_finite() {
            Ok(())
        } else {
            Err(self.err(path, "a finite number", x.to_string()))
        }
    }

    fn unit(&self, path: &str, x: f64) -> Result<()> {
        if (0.0..=1.0).contains(&x) {
            Ok(())
        } else {
            Err(self.err(path, "a number in [0, 1]", x.to_string()))
        }
    }

    fn range(&self, path: &str, x: f64, lo: f64, hi: f64) -> Result<()> {
        if x >= lo && x <= hi {
            Ok(())
        } else {
            Err(self.err(path, format!("a number in [{lo}, {hi}]"), x.to_string()))
        }
    }

    fn open_unit(&self, path: &str, x: f64) -> Result<()> {
        if x > 0.0 && x < 1.0 {
            Ok(())
        } else {
            Err(self.err(path, "a number in (0, 1)", x.to_string()))
        }
    }

    fn non_negative(&self, path: &str, x: f64) -> Result<()> {
        if x >= 0.0 && x.is_finite() {
            Ok(())
        } else {
            Err(self.err(path, "a number >= 0", x.to_string()))
        }
    }

    fn positive(&self, path: &str, x: f64) -> Result<()> {
        if x > 0.0 && x.is_finite() {
            Ok(())
        } else {
            Err(self.err(path, "a number > 0", x.to_string()))
        }
    }

    fn strategy(&self, path: &str, s: &str) -> Result<Strategy> {
        Strategy::parse(s).map_err(|e| self.err(path, "a strategy", e))
    }

    fn dist(&self, path: &str, d: &Dist, lo: f64, hi: f64, positive: bool) -> Result<()> {
        let check = |x: f64| -> Result<()> {
            self.finite(path, x)?;
            if positive {
                self.positive(path, x)
            } else {
                self.range(path, x, lo, hi)
            }
        };
        match *d {
            Dist::Constant(x) => check(x),
            Dist::Uniform([a, b]) => {
                check(a)?;
                check(b)?;
                if a > b {
                    return Err(self.err(
                        path,
                        "{ uniform = [a, b] } with a <= b",
                        format!("[{a}, {b}]"),
                    ));
                }
                Ok(())
            }
            Dist::Normal { mean, sd } => {
                self.finite(path, mean)?;
                self.non_negative(path, sd)
            }
            Dist::Pareto { scale, shape } => {
                self.positive(path, scale)?;
                self.positive(path, shape)
            }
        }
    }
}

fn resolve(raw: ScenarioFile, v: &Validator, base_dir: &Path) -> Result<Scenario> {
    if raw.name.trim().is_empty() {
        return Err(v.err("name", "a non-empty name", "\"\""));
    }
    if raw.rounds == 0 {
        return Err(v.err("rounds", "a number of rounds > 0", "0"));
    }
    if raw.replicates == 0 {
        return Err(v.err("replicates", "a number > 0", "0"));
    }
    // Noise
    v.unit("noise.implementation", raw.noise.implementation)?;
    v.unit("noise.misperception", raw.noise.misperception)?;

    // Rule sets
    for (name, spec) in &raw.rules {
        let p = |f: &str| format!("rules.{name}.{f}");
        if let Some(b) = &spec.base {
            if Rules::preset(b).is_none() {
                return Err(v.err(&p("base"), "realist or institutionalist", format!("`{b}`")));
            }
        } else if Rules::preset(name).is_none() {
            return Err(v.err(
                &format!("rules.{name}"),
                "a preset name (realist, institutionalist) or a `base = \"realist\"|\"institutionalist\"`",
                format!("a custom rule set `{name}` without `base`"),
            ));
        }
        for (f, x) in [
            ("relative_gains", spec.relative_gains),
            ("relative_gains_dilution", spec.relative_gains_dilution),
            ("security_weight", spec.security_weight),
            ("sanctions", spec.sanctions),
            ("transaction_cost_cut", spec.transaction_cost_cut),
            ("path_dependence", spec.path_dependence),
            ("norm_pressure", spec.norm_pressure),
        ] {
            if let Some(x) = x {
                v.non_negative(&p(f), x)?;
            }
        }
        if let Some(m) = spec.monitoring {
            v.unit(&p("monitoring"), m)?;
        }
    }
    if raw.rule_sets.is_empty() {
        return Err(v.err("rule_sets", "at least one rule set", "[]"));
    }
    let mut rule_sets = Vec::new();
    for (i, name) in raw.rule_sets.iter().enumerate() {
        let spec = raw.rules.get(name);
        let base = spec
            .and_then(|s| s.base.clone())
            .unwrap_or_else(|| name.clone());
        let mut rules = Rules::preset(&base).ok_or_else(|| {
            v.err(
                &format!("rule_sets[{i}]"),
                "realist, institutionalist, or a rule set defined in [rules.NAME] with a base",
                format!("`{name}`"),
            )
        })?;
        if let Some(s) = spec {
            apply_overrides(&mut rules, s);
        }
        if rule_sets.iter().any(|(n, _): &(String, Rules)| n == name) {
            return Err(v.err(
                &format!("rule_sets[{i}]"),
                "distinct rule sets",
                format!("`{name}` twice"),
            ));
        }
        rule_sets.push((name.clone(), rules));
    }

    // Issues
    if raw.issues.is_empty() {
        return Err(v.err("issues", "at least one [[issues]] table", "none"));
    }
    let mut issues: Vec<Issue> = Vec::new();
    for (i, is) in raw.issues.iter().enumerate() {
        let p = |f: &str| format!("issues[{i}].{f}");
        if is.name.trim().is_empty() {
            return Err(v.err(&p("name"), "a non-empty name", "\"\""));
        }
        if issues.iter().any(|x| x.name == is.name) {
            return Err(v.err(
                &p("name"),
                "a unique issue name",
                format!("`{}` twice", is.name),
            ));
        }
        if !is.payoffs.is_finite() {
            return Err(v.err(&p("payoffs"), "finite payoffs", format!("{:?}", is.payoffs)));
        }
        if !is.allow_any_game {
            if let Some(why) = is.payoffs.strict_pd_violation() {
                return Err(v.err(
                    &p("payoffs"),
                    format!("a strict prisoner's dilemma ({why}); set `allow_any_game = true` to admit any 2x2 game"),
                    format!("t = {}, r = {}, p = {}, s = {}", is.payoffs.t, is.payoffs.r, is.payoffs.p, is.payoffs.s),
                ));
            }
        }
        for (f, x) in [
            ("temptation_per_security", is.shifts.temptation_per_security),
            ("reward_per_economy", is.shifts.reward_per_economy),
            ("reward_per_rights", is.shifts.reward_per_rights),
            ("reward_per_sending", is.shifts.reward_per_sending),
            ("sucker_per_security", is.shifts.sucker_per_security),
        ] {
            v.finite(&p(&format!("shifts.{f}")), x)?;
        }
        let kind = IssueKind::parse(&is.kind).ok_or_else(|| {
            v.err(
                &p("kind"),
                "migration or comparison",
                format!("`{}`", is.kind),
            )
        })?;
        let access = CivilSocietyAccess::parse(&is.civil_society_access).ok_or_else(|| {
            v.err(
                &p("civil_society_access"),
                "none, observer, consultative or decision",
                format!("`{}`", is.civil_society_access),
            )
        })?;
        v.non_negative(&p("sovereignty_weight"), is.sovereignty_weight)?;
        if let Some(f) = &is.forum {
            v.unit(&p("forum.information"), f.information)?;
        }
        if let Some(ir) = &is.initial_regime {
            match &ir.members {
                MembersSpec::All(s) if s != "all" => {
                    return Err(v.err(
                        &p("initial_regime.members"),
                        "\"all\", a list of groups, or a share in (0, 1]",
                        format!("`{s}`"),
                    ));
                }
                MembersSpec::Share(x) if !(*x > 0.0 && *x <= 1.0) => {
                    return Err(v.err(
                        &p("initial_regime.members"),
                        "a share in (0, 1]",
                        x.to_string(),
                    ));
                }
                _ => {}
            }
            if ir.since_year > raw.start_year {
                return Err(v.err(
                    &p("initial_regime.since_year"),
                    format!("a year <= start_year ({})", raw.start_year),
                    ir.since_year.to_string(),
                ));
            }
        }
        issues.push(Issue {
            name: is.name.clone(),
            kind,
            payoffs: is.payoffs,
            allow_any_game: is.allow_any_game,
            shifts: is.shifts,
            civil_society_access: access,
            sovereignty_weight: is.sovereignty_weight,
            forum: is.forum.map(|f| Forum {
                from_year: f.from_year,
                information: f.information,
            }),
            initial_regime: is.initial_regime.as_ref().map(|r| InitialRegime {
                since_year: r.since_year,
                members: match &r.members {
                    MembersSpec::All(_) => Members::All,
                    MembersSpec::Groups(g) => Members::Groups(g.clone()),
                    MembersSpec::Share(x) => Members::Share(*x),
                },
            }),
        });
    }
    let issue_names: Vec<&str> = issues.iter().map(|i| i.name.as_str()).collect();

    // States
    let mut fixed: Vec<StateSpec> = raw.states.clone();
    if let Some(f) = &raw.states_file {
        let path = base_dir.join(f);
        fixed.extend(read_states_csv(&path, v, "states_file")?);
    }
    for (i, s) in fixed.iter().enumerate() {
        let from_csv = i >= raw.states.len();
        let p = |f: &str| {
            if from_csv {
                format!("states_file.{f}")
            } else {
                format!("states[{i}].{f}")
            }
        };
        check_state(s, v, &p, &issue_names)?;
    }
    let mut names = std::collections::HashSet::new();
    for s in &fixed {
        if !names.insert(s.name.clone()) {
            return Err(v.err(
                "states",
                "unique state names",
                format!("`{}` twice", s.name),
            ));
        }
    }
    for (i, b) in raw.blocs.iter().enumerate() {
        let p = |f: &str| format!("blocs[{i}].{f}");
        if b.count == 0 {
            return Err(v.err(&p("count"), "a count > 0", "0"));
        }
        if !b.names.is_empty() && b.names.len() as u64 != b.count {
            return Err(v.err(
                &p("names"),
                format!("{} names (count)", b.count),
                b.names.len().to_string(),
            ));
        }
        v.dist(&p("power"), &b.power, 0.0, f64::INFINITY, true)?;
        v.dist(&p("position"), &b.position, -1.0, 1.0, false)?;
        v.dist(&p("security"), &b.security, 0.0, 1.0, false)?;
        v.dist(&p("economy"), &b.economy, 0.0, 1.0, false)?;
        v.dist(&p("rights"), &b.rights, 0.0, 1.0, false)?;
        v.dist(
            &p("sovereignty_cost"),
            &b.sovereignty_cost,
            0.0,
            f64::INFINITY,
            false,
        )?;
        v.dist(&p("discount"), &b.discount, 0.0, 1.0, false)?;
        if let Dist::Constant(d) = b.discount {
            v.open_unit(&p("discount"), d)?;
        }
        check_mix(&b.strategy, v, &p("strategy"))?;
        for (issue, m) in &b.strategies {
            if !issue_names.contains(&issue.as_str()) {
                return Err(v.err(
                    &p(&format!("strategies.{issue}")),
                    format!("an issue name ({})", issue_names.join(", ")),
                    format!("`{issue}`"),
                ));
            }
            check_mix(m, v, &p(&format!("strategies.{issue}")))?;
        }
        let blocnames: Vec<String> = if b.names.is_empty() {
            (1..=b.count).map(|k| format!("{}-{k}", b.group)).collect()
        } else {
            b.names.clone()
        };
        for n in blocnames {
            if !names.insert(n.clone()) {
                return Err(v.err(&p("group"), "unique state names", format!("`{n}` twice")));
            }
        }
    }
    let n_states = fixed.len() as u64 + raw.blocs.iter().map(|b| b.count).sum::<u64>();
    if n_states < 2 {
        return Err(v.err(
            "states",
            "at least two states (from [[states]], states_file or [[blocs]])",
            n_states.to_string(),
        ));
    }

    // Topology
    let t = &raw.topology;
    let mut edges = Vec::new();
    let topology_kind = TopologyKind::parse(&t.kind).ok_or_else(|| {
        v.err(
            "topology.kind",
            "complete, regional, random, scale_free, lattice or edge_list",
            format!("`{}`", t.kind),
        )
    })?;
    match topology_kind {
        TopologyKind::Complete => {}
        TopologyKind::Regional => v.unit(
            "topology.cross_region_probability",
            t.cross_region_probability.unwrap_or(0.0),
        )?,
        TopologyKind::Random => {
            let pr = t.probability.ok_or_else(|| {
                v.err(
                    "topology.probability",
                    "a link probability for kind = \"random\"",
                    "none",
                )
            })?;
            v.unit("topology.probability", pr)?;
        }
        TopologyKind::ScaleFree => {
            let m = t.links_per_node.ok_or_else(|| {
                v.err(
                    "topology.links_per_node",
                    "links_per_node >= 1 for kind = \"scale_free\"",
                    "none",
                )
            })?;
            if m == 0 || m >= n_states {
                return Err(v.err(
                    "topology.links_per_node",
                    format!("a number in [1, {}]", n_states - 1),
                    m.to_string(),
                ));
            }
        }
        TopologyKind::Lattice => {
            let (w, h) = (t.width.unwrap_or(0), t.height.unwrap_or(0));
            if w < 3 || h < 3 {
                return Err(v.err(
                    "topology.width",
                    "width >= 3 and height >= 3 for kind = \"lattice\"",
                    format!("{w} x {h}"),
                ));
            }
            if w * h != n_states {
                return Err(v.err(
                    "topology.width",
                    format!("width x height equal to the number of states ({n_states})"),
                    format!("{w} x {h} = {}", w * h),
                ));
            }
        }
        TopologyKind::EdgeList => {
            let f = t.file.as_ref().ok_or_else(|| {
                v.err(
                    "topology.file",
                    "a CSV file of edges for kind = \"edge_list\"",
                    "none",
                )
            })?;
            edges = read_edges(&base_dir.join(f), &names)?;
        }
    }
    if t.self_interaction.is_some() && topology_kind != TopologyKind::Lattice {
        return Err(v.err(
            "topology.self_interaction",
            "self_interaction only with kind = \"lattice\"",
            t.kind.clone(),
        ));
    }

    // Regime
    let r = &raw.regime;
    if r.negotiation_interval == 0 {
        return Err(v.err("regime.negotiation_interval", "a number of rounds > 0", "0"));
    }
    v.unit("regime.min_member_share", r.min_member_share)?;
    v.unit("regime.min_power_share", r.min_power_share)?;
    v.unit("regime.min_compliance", r.min_compliance)?;
    if r.sustain_rounds == 0 {
        return Err(v.err("regime.sustain_rounds", "a number of rounds > 0", "0"));
    }
    v.non_negative("regime.decision_noise", r.decision_noise)?;

    // Learning
    let l = &raw.learning;
    let rule = LearningRule::parse(&l.rule).ok_or_else(|| {
        v.err(
            "learning.rule",
            "imitate_best, fermi, best_response or none",
            format!("`{}`", l.rule),
        )
    })?;
    if l.interval == 0 {
        return Err(v.err("learning.interval", "a number of rounds > 0", "0"));
    }
    v.unit("learning.mutation", l.mutation)?;
    v.positive("learning.temperature", l.temperature)?;
    let mut learning_strategies = Vec::new();
    for (i, s) in l.strategies.iter().enumerate() {
        learning_strategies.push(v.strategy(&format!("learning.strategies[{i}]"), s)?);
    }
    if learning_strategies.is_empty() && (l.mutation > 0.0 || rule == LearningRule::BestResponse) {
        return Err(v.err(
            "learning.strategies",
            "at least one strategy for best_response or mutation",
            "[]",
        ));
    }

    // Shocks
    let mut shocks = Vec::new();
    for (i, s) in raw.shocks.iter().enumerate() {
        let p = |f: &str| format!("shocks[{i}].{f}");
        let kind = ShockKind::parse(&s.kind).ok_or_else(|| {
            let kinds: Vec<&str> = ShockKind::ALL.iter().map(|k| k.name()).collect();
            v.err(&p("kind"), kinds.join(", "), format!("`{}`", s.kind))
        })?;
        match (s.year, s.round, s.probability) {
            (Some(_), Some(_), _) => {
                return Err(v.err(&p("round"), "either year or round, not both", "both"))
            }
            (None, None, None) => {
                return Err(v.err(
                    &p("year"),
                    "a year, a round, or a probability (random shock)",
                    "none",
                ))
            }
            (_, _, Some(pr)) => v.unit(&p("probability"), pr)?,
            _ => {}
        }
        if let Some(y) = s.year {
            let last = raw.start_year + raw.rounds as i64 - 1;
            if y < raw.start_year || y > last {
                return Err(v.err(
                    &p("year"),
                    format!("a year in [{}, {last}]", raw.start_year),
                    y.to_string(),
                ));
            }
        }
        v.finite(&p("change"), s.change)?;
        if let Some(g) = &s.group {
            let known =
                fixed.iter().any(|x| &x.group == g) || raw.blocs.iter().any(|b| &b.group == g);
            if !known {
                return Err(v.err(
                    &p("group"),
                    "a group of the scenario's states",
                    format!("`{g}`"),
                ));
            }
        }
        for (k, n) in s.states.iter().enumerate() {
            if !names.contains(n) {
                return Err(v.err(
                    &p(&format!("states[{k}]")),
                    "a state name",
                    format!("`{n}`"),
                ));
            }
        }
        let mut access = None;
        if kind == ShockKind::Institutional {
            let iss = s.issue.as_ref().ok_or_else(|| {
                v.err(
                    &p("issue"),
                    "the issue an institutional shock changes",
                    "none",
                )
            })?;
            if !issue_names.contains(&iss.as_str()) {
                return Err(v.err(
                    &p("issue"),
                    format!("an issue name ({})", issue_names.join(", ")),
                    format!("`{iss}`"),
                ));
            }
            if let Some(a) = &s.civil_society_access {
                access = Some(CivilSocietyAccess::parse(a).ok_or_else(|| {
                    v.err(
                        &p("civil_society_access"),
                        "none, observer, consultative or decision",
                        format!("`{a}`"),
                    )
                })?);
            }
            if let Some(m) = s.monitoring {
                v.range(&p("monitoring"), m, -1.0, 1.0)?;
            }
        } else if s.issue.is_some()
            || s.civil_society_access.is_some()
            || s.forum.is_some()
            || s.monitoring.is_some()
        {
            return Err(v.err(
                &p("kind"),
                "kind = \"institutional\" for issue, civil_society_access, forum or monitoring",
                format!("`{}`", s.kind),
            ));
        }
        shocks.push(Shock {
            year: s.year,
            round: s.round,
            kind,
            group: s.group.clone(),
            region: s.region.clone(),
            states: s.states.clone(),
            change: s.change,
            probability: s.probability,
            from_year: s.from_year,
            to_year: s.to_year,
            issue: s.issue.clone(),
            civil_society_access: access,
            forum: s.forum,
            monitoring: s.monitoring,
        });
    }

    Ok(Scenario {
        name: raw.name,
        description: raw.description,
        source: v.file.clone(),
        start_year: raw.start_year,
        rounds: raw.rounds,
        seed: raw.seed,
        replicates: raw.replicates,
        rule_sets,
        topology: Topology {
            kind: topology_kind,
            cross_region_probability: t.cross_region_probability,
            probability: t.probability,
            links_per_node: t.links_per_node,
            width: t.width,
            height: t.height,
            self_interaction: t.self_interaction,
            file: t.file.clone(),
        },
        edges,
        noise: Noise {
            implementation: raw.noise.implementation,
            misperception: raw.noise.misperception,
        },
        states: StateSource {
            fixed: fixed.into_iter().map(StateSpec::into_template).collect(),
            blocs: raw.blocs.into_iter().map(BlocSpec::into_bloc).collect(),
        },
        issues,
        regime: RegimeCriteria {
            negotiation_interval: r.negotiation_interval,
            min_member_share: r.min_member_share,
            min_power_share: r.min_power_share,
            min_compliance: r.min_compliance,
            sustain_rounds: r.sustain_rounds,
            veto_players: r.veto_players,
            decision_noise: r.decision_noise,
        },
        learning: Learning {
            rule,
            interval: l.interval,
            mutation: l.mutation,
            temperature: l.temperature,
            strategies: l.strategies.clone(),
        },
        learning_strategies,
        shocks,
        sweep: raw.sweep,
        text: v.text.to_string(),
    })
}

fn check_mix(m: &StrategyMix, v: &Validator, path: &str) -> Result<()> {
    match m {
        StrategyMix::One(s) => v.strategy(path, s).map(|_| ()),
        StrategyMix::Mix(map) => {
            if map.is_empty() {
                return Err(v.err(path, "a strategy or a table of shares", "{}"));
            }
            let mut total = 0.0;
            for (s, share) in map {
                v.strategy(path, s)?;
                v.non_negative(path, *share)?;
                total += share;
            }
            if total <= 0.0 {
                return Err(v.err(path, "shares that sum to more than 0", total.to_string()));
            }
            Ok(())
        }
    }
}

fn check_state(
    s: &StateSpec,
    v: &Validator,
    p: &dyn Fn(&str) -> String,
    issues: &[&str],
) -> Result<()> {
    if s.name.trim().is_empty() {
        return Err(v.err(&p("name"), "a non-empty name", "\"\""));
    }
    v.positive(&p("power"), s.power)?;
    v.range(&p("position"), s.position, -1.0, 1.0)?;
    v.unit(&p("security"), s.security)?;
    v.unit(&p("economy"), s.economy)?;
    v.unit(&p("rights"), s.rights)?;
    v.non_negative(&p("sovereignty_cost"), s.sovereignty_cost)?;
    v.open_unit(&p("discount"), s.discount)?;
    v.strategy(&p("strategy"), &s.strategy)?;
    for (issue, st) in &s.strategies {
        if !issues.contains(&issue.as_str()) {
            return Err(v.err(
                &p(&format!("strategies.{issue}")),
                format!("an issue name ({})", issues.join(", ")),
                format!("`{issue}`"),
            ));
        }
        v.strategy(&p(&format!("strategies.{issue}")), st)?;
    }
    Ok(())
}

/// Reads a CSV of states (columns as [`StateSpec`], `strategies` excluded).
fn read_states_csv(path: &Path, v: &Validator, field: &str) -> Result<Vec<StateSpec>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Row {
        name: String,
        group: String,
        region: String,
        power: f64,
        position: f64,
        security: f64,
        economy: f64,
        rights: f64,
        sovereignty_cost: f64,
        discount: f64,
        strategy: String,
    }
    if !path.exists() {
        return Err(v.err(
            field,
            "an existing CSV file (relative to the scenario file)",
            path.display().to_string(),
        ));
    }
    let mut rdr = csv::Reader::from_path(path).map_err(|e| csv_err(path, e))?;
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_err(path, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    let file = path.display().to_string();
    for (i, rec) in rdr.deserialize::<Row>().enumerate() {
        let r = rec.map_err(|e| {
            // Name the column of a bad cell.
            if let csv::ErrorKind::Deserialize { pos, err } = e.kind() {
                if let Some(col) = err.field().and_then(|k| headers.get(k as usize)) {
                    return RegimeError::field(
                        Location {
                            file: path.display().to_string(),
                            line: pos.as_ref().map(|p| p.line() as usize),
                            column: None,
                        },
                        col.clone(),
                        "a value of the right type",
                        err.kind().to_string(),
                    );
                }
            }
            csv_err(path, e)
        })?;
        let s = StateSpec {
            name: r.name,
            group: r.group,
            region: r.region,
            power: r.power,
            position: r.position,
            security: r.security,
            economy: r.economy,
            rights: r.rights,
            sovereignty_cost: r.sovereignty_cost,
            discount: r.discount,
            strategy: r.strategy,
            strategies: BTreeMap::new(),
        };
        // Validate with the CSV's own line numbers (header is line 1).
        let line = i + 2;
        let csv_v = CsvLoc { file: &file, line };
        csv_v.check(&s)?;
        out.push(s);
    }
    if out.is_empty() {
        return Err(v.err(
            field,
            "a CSV with at least one state",
            format!("{} has no rows", path.display()),
        ));
    }
    Ok(out)
}

struct CsvLoc<'a> {
    file: &'a str,
    line: usize,
}

impl CsvLoc<'_> {
    fn err(&self, field: &str, expected: &str, found: String) -> RegimeError {
        RegimeError::field(
            Location {
                file: self.file.to_string(),
                line: Some(self.line),
                column: None,
            },
            field,
            expected,
            found,
        )
    }
    fn check(&self, s: &StateSpec) -> Result<()> {
        let unit = |f: &str, x: f64| {
            if (0.0..=1.0).contains(&x) {
                Ok(())
            } else {
                Err(self.err(f, "a number in [0, 1]", x.to_string()))
            }
        };
        if !(s.power > 0.0 && s.power.is_finite()) {
            return Err(self.err("power", "a number > 0", s.power.to_string()));
        }
        if !(-1.0..=1.0).contains(&s.position) {
            return Err(self.err("position", "a number in [-1, 1]", s.position.to_string()));
        }
        unit("security", s.security)?;
        unit("economy", s.economy)?;
        unit("rights", s.rights)?;
        if !(s.sovereignty_cost >= 0.0 && s.sovereignty_cost.is_finite()) {
            return Err(self.err(
                "sovereignty_cost",
                "a number >= 0",
                s.sovereignty_cost.to_string(),
            ));
        }
        if !(s.discount > 0.0 && s.discount < 1.0) {
            return Err(self.err("discount", "a number in (0, 1)", s.discount.to_string()));
        }
        Strategy::parse(&s.strategy).map_err(|e| self.err("strategy", "a strategy", e))?;
        Ok(())
    }
}

fn csv_err(path: &Path, e: csv::Error) -> RegimeError {
    let line = e.position().map(|p| p.line() as usize);
    RegimeError::Parse {
        location: Location {
            file: path.display().to_string(),
            line,
            column: None,
        },
        message: format!("CSV: {e}"),
    }
}

fn read_edges(
    path: &Path,
    names: &std::collections::HashSet<String>,
) -> Result<Vec<(String, String)>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Edge {
        source: String,
        target: String,
    }
    if !path.exists() {
        return Err(RegimeError::ReadInput {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "edge list not found (topology.file)",
            ),
        });
    }
    let mut rdr = csv::Reader::from_path(path).map_err(|e| csv_err(path, e))?;
    let mut out = Vec::new();
    for (i, rec) in rdr.deserialize::<Edge>().enumerate() {
        let e = rec.map_err(|e| csv_err(path, e))?;
        for (f, n) in [("source", &e.source), ("target", &e.target)] {
            if !names.contains(n) {
                return Err(RegimeError::field(
                    Location {
                        file: path.display().to_string(),
                        line: Some(i + 2),
                        column: None,
                    },
                    f,
                    "the name of a state of the scenario",
                    format!("`{n}`"),
                ));
            }
        }
        out.push((e.source, e.target));
    }
    Ok(out)
}
