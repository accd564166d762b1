//! Resolution: every section of a deserialised scenario file range-checked and converted into
//! the model's types, one function per section, in the order errors are reported (header,
//! noise, rule sets, issues, states, topology, regime, learning, shocks).
//!
//! Part of `io::scenario`; may import the model and `error`, nothing from `engine`,
//! `analysis`, `plot` or clap.

use super::edges_csv::read_edges;
use super::file::{
    BlocSpec, IssueSpec, LearningSpec, MembersSpec, NoiseSpec, RegimeSpec, RulesSpec, ScenarioFile,
    ShockSpec, StateSpec, TopologySpec,
};
use super::fora_csv::read_fora;
use super::limits::{
    MAX_LEARNING_INTERVAL, MAX_POWER, MAX_REGIME_ROUNDS, MAX_ROUNDS, MAX_STATES, MAX_VALUE,
    MAX_YEAR,
};
use super::state_names::StateNames;
use super::states_csv::read_states_csv;
use super::validate::Validator;
use crate::error::Result;
use crate::model::strategy::Strategy;
use crate::model::{
    CivilSocietyAccess, Dist, Forum, Founding, InitialRegime, Issue, IssueKind, Learning,
    LearningRule, Members, Noise, RegimeCriteria, Rules, Scenario, Shock, ShockKind, StateSource,
    StrategyMix, Topology, TopologyKind,
};
use std::collections::BTreeMap;
use std::path::Path;

/// Validates a scenario file and builds the model's [`Scenario`].
pub(super) fn resolve(raw: ScenarioFile, v: &Validator, base_dir: &Path) -> Result<Scenario> {
    check_header(&raw, v)?;
    let noise = resolve_noise(&raw.noise, v)?;
    let rule_sets = resolve_rule_sets(&raw.rules, &raw.rule_sets, v)?;
    let issues = resolve_issues(&raw.issues, raw.start_year, v)?;
    let issue_names: Vec<&str> = issues.iter().map(|i| i.name.as_str()).collect();
    let states = resolve_states(&raw, &issue_names, v, base_dir)?;
    let (topology, edges) = resolve_topology(&raw.topology, &states, v, base_dir)?;
    let fora = match &raw.fora_file {
        Some(f) => read_fora(&base_dir.join(f), &states.names)?,
        None => Vec::new(),
    };
    let regime = resolve_regime(&raw.regime, v)?;
    let (learning, learning_strategies) = resolve_learning(&raw.learning, v)?;
    let shocks = resolve_shocks(&raw, &states, &issue_names, v)?;
    Ok(Scenario {
        name: raw.name,
        description: raw.description,
        source: v.file.clone(),
        start_year: raw.start_year,
        rounds: raw.rounds,
        seed: raw.seed,
        replicates: raw.replicates,
        rule_sets,
        topology,
        edges,
        fora,
        noise,
        states: states.source,
        issues,
        regime,
        learning,
        learning_strategies,
        shocks,
        text: v.text.to_string(),
    })
}

/// Name, rounds and replicates.
fn check_header(raw: &ScenarioFile, v: &Validator) -> Result<()> {
    if raw.name.trim().is_empty() {
        return Err(v.err("name", "a non-empty name", "\"\""));
    }
    if raw.rounds == 0 || raw.rounds > MAX_ROUNDS {
        return Err(v.err(
            "rounds",
            format!("a number of rounds in [1, {MAX_ROUNDS}]"),
            raw.rounds.to_string(),
        ));
    }
    if raw.start_year.abs() > MAX_YEAR {
        return Err(v.err(
            "start_year",
            format!("a year in [-{MAX_YEAR}, {MAX_YEAR}]"),
            raw.start_year.to_string(),
        ));
    }
    if raw.replicates == 0 {
        return Err(v.err("replicates", "a number > 0", "0"));
    }
    Ok(())
}

/// `[noise]`.
fn resolve_noise(n: &NoiseSpec, v: &Validator) -> Result<Noise> {
    v.unit("noise.implementation", n.implementation)?;
    v.unit("noise.misperception", n.misperception)?;
    Ok(Noise {
        implementation: n.implementation,
        misperception: n.misperception,
    })
}

/// `[rules.NAME]` tables and `rule_sets`: every rule set a replicate runs, fully resolved.
fn resolve_rule_sets(
    specs: &BTreeMap<String, RulesSpec>,
    names: &[String],
    v: &Validator,
) -> Result<Vec<(String, Rules)>> {
    for (name, spec) in specs {
        check_rules_spec(name, spec, v)?;
    }
    if names.is_empty() {
        return Err(v.err("rule_sets", "at least one rule set", "[]"));
    }
    let mut rule_sets = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let spec = specs.get(name);
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
    Ok(rule_sets)
}

/// One `[rules.NAME]` table: a known base, and values in range.
fn check_rules_spec(name: &str, spec: &RulesSpec, v: &Validator) -> Result<()> {
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
        ("path_dependence", spec.path_dependence),
        ("norm_pressure", spec.norm_pressure),
    ] {
        if let Some(x) = x {
            v.range(&p(f), x, 0.0, MAX_VALUE)?;
        }
    }
    for (f, x) in [
        ("monitoring", spec.monitoring),
        ("transaction_cost_cut", spec.transaction_cost_cut),
        ("hegemonic_provision", spec.hegemonic_provision),
        ("regional_norm", spec.regional_norm),
    ] {
        if let Some(x) = x {
            v.unit(&p(f), x)?;
        }
    }
    Ok(())
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
        hegemonic_provision,
        monitoring,
        sanctions,
        transaction_cost_cut,
        path_dependence,
        norm_pressure,
        regional_norm
    );
}

/// `[[issues]]`: at least one, names unique.
fn resolve_issues(specs: &[IssueSpec], start_year: i64, v: &Validator) -> Result<Vec<Issue>> {
    if specs.is_empty() {
        return Err(v.err("issues", "at least one [[issues]] table", "none"));
    }
    let mut issues: Vec<Issue> = Vec::new();
    for (i, is) in specs.iter().enumerate() {
        if is.name.trim().is_empty() {
            return Err(v.err(&format!("issues[{i}].name"), "a non-empty name", "\"\""));
        }
        if issues.iter().any(|x| x.name == is.name) {
            return Err(v.err(
                &format!("issues[{i}].name"),
                "a unique issue name",
                format!("`{}` twice", is.name),
            ));
        }
        issues.push(resolve_issue(i, is, start_year, v)?);
    }
    Ok(issues)
}

/// One issue (name already checked): its game, shifts, kind, civil-society access, forum and initial regime.
fn resolve_issue(i: usize, is: &IssueSpec, start_year: i64, v: &Validator) -> Result<Issue> {
    let p = |f: &str| format!("issues[{i}].{f}");
    check_game(is, v, &p)?;
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
    v.range(
        &p("sovereignty_weight"),
        is.sovereignty_weight,
        0.0,
        MAX_VALUE,
    )?;
    v.unit(&p("detection"), is.detection)?;
    v.range(&p("transaction_cost"), is.transaction_cost, 0.0, MAX_VALUE)?;
    v.unit(&p("security_stakes"), is.security_stakes)?;
    if let Some(f) = &is.forum {
        v.unit(&p("forum.information"), f.information)?;
    }
    let initial_regime = match &is.initial_regime {
        Some(ir) => Some(InitialRegime {
            since_year: ir.since_year,
            members: resolve_members(&ir.members, v, &p("initial_regime.members"))?,
            strength: initial_strength(ir.strength, v, &p("initial_regime.strength"))?,
            founding: Founding::parse(&ir.founding).ok_or_else(|| {
                v.err(
                    &p("initial_regime.founding"),
                    "negotiated or given",
                    format!("`{}`", ir.founding),
                )
            })?,
        }),
        None => None,
    };
    if let Some(ir) = &initial_regime {
        if ir.since_year > start_year {
            return Err(v.err(
                &p("initial_regime.since_year"),
                format!("a year <= start_year ({start_year})"),
                ir.since_year.to_string(),
            ));
        }
    }
    Ok(Issue {
        name: is.name.clone(),
        kind,
        payoffs: is.payoffs,
        allow_any_game: is.allow_any_game,
        shifts: is.shifts,
        civil_society_access: access,
        sovereignty_weight: is.sovereignty_weight,
        detection: is.detection,
        transaction_cost: is.transaction_cost,
        security_stakes: is.security_stakes,
        forum: is.forum.map(|f| Forum {
            from_year: f.from_year,
            information: f.information,
        }),
        initial_regime,
    })
}

/// An issue's payoffs (a strict prisoner's dilemma unless `allow_any_game`) and shifts.
fn check_game(is: &IssueSpec, v: &Validator, p: &dyn Fn(&str) -> String) -> Result<()> {
    let pay = is.payoffs;
    for (f, x) in [("t", pay.t), ("r", pay.r), ("p", pay.p), ("s", pay.s)] {
        v.range(&p(&format!("payoffs.{f}")), x, -MAX_VALUE, MAX_VALUE)?;
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
        v.range(&p(&format!("shifts.{f}")), x, -MAX_VALUE, MAX_VALUE)?;
    }
    Ok(())
}

/// `initial_regime.members`: `"all"`, a list of groups, or a share in (0, 1].
fn resolve_members(m: &MembersSpec, v: &Validator, path: &str) -> Result<Members> {
    match m {
        MembersSpec::All(s) if s != "all" => Err(v.err(
            path,
            "\"all\", a list of groups, or a share in (0, 1]",
            format!("`{s}`"),
        )),
        MembersSpec::Share(x) if !(*x > 0.0 && *x <= 1.0) => {
            Err(v.err(path, "a share in (0, 1]", x.to_string()))
        }
        MembersSpec::All(_) => Ok(Members::All),
        MembersSpec::Groups(g) => Ok(Members::Groups(g.clone())),
        MembersSpec::Share(x) => Ok(Members::Share(*x)),
    }
}

/// The states of a scenario, resolved, with what later sections check names against.
struct ResolvedStates {
    /// The model's states and blocs.
    source: StateSource,
    /// Every state name (listed, from the CSV, and numbered by blocs).
    names: StateNames,
    /// Number of states a replicate has.
    count: u64,
}

impl ResolvedStates {
    /// Whether a group has states.
    fn has_group(&self, g: &str) -> bool {
        self.source.fixed.iter().any(|x| x.group == g)
            || self.source.blocs.iter().any(|b| b.group == g)
    }
}

/// `[[states]]`, `states_file` and `[[blocs]]`: at least two states, names unique.
fn resolve_states(
    raw: &ScenarioFile,
    issue_names: &[&str],
    v: &Validator,
    base_dir: &Path,
) -> Result<ResolvedStates> {
    let fixed = listed_states(raw, issue_names, v, base_dir)?;
    let mut names = StateNames::default();
    for (i, s) in fixed.iter().enumerate() {
        if !names.insert(&s.name) {
            return Err(duplicate_state(raw, i, &s.name, v, base_dir));
        }
    }
    let count = check_state_count(fixed.len() as u64, &raw.blocs, v)?;
    for (i, b) in raw.blocs.iter().enumerate() {
        check_bloc(i, b, issue_names, v, &mut names)?;
    }
    if count < 2 {
        return Err(v.err(
            "states",
            "at least two states (from [[states]], states_file or [[blocs]])",
            count.to_string(),
        ));
    }
    Ok(ResolvedStates {
        source: StateSource {
            fixed: fixed.into_iter().map(StateSpec::into_template).collect(),
            blocs: raw.blocs.iter().cloned().map(BlocSpec::into_bloc).collect(),
        },
        names,
        count,
    })
}

/// A state name given twice: located at the second `[[states]]` table, or at the line of the
/// states CSV that repeats it.
fn duplicate_state(
    raw: &ScenarioFile,
    i: usize,
    name: &str,
    v: &Validator,
    base_dir: &Path,
) -> crate::error::RegimeError {
    let found = format!("`{name}` twice");
    match (i.checked_sub(raw.states.len()), &raw.states_file) {
        (Some(row), Some(f)) => crate::error::RegimeError::field(
            crate::error::Location {
                file: base_dir.join(f).display().to_string(),
                line: Some(row + 2),
                column: None,
            },
            "name",
            "unique state names",
            found,
        ),
        _ => v.err(&format!("states[{i}].name"), "unique state names", found),
    }
}

/// The number of states, at most [`MAX_STATES`], checked before any bloc's names are made.
fn check_state_count(listed: u64, blocs: &[BlocSpec], v: &Validator) -> Result<u64> {
    let mut count = listed;
    for (i, b) in blocs.iter().enumerate() {
        count = count.saturating_add(b.count);
        if count > MAX_STATES {
            return Err(v.err(
                &format!("blocs[{i}].count"),
                format!(
                    "at most {MAX_STATES} states in all ({listed} listed, {} before this bloc)",
                    count - b.count
                ),
                b.count.to_string(),
            ));
        }
    }
    Ok(count)
}

/// States listed one by one, then those of `states_file`, each checked.
fn listed_states(
    raw: &ScenarioFile,
    issue_names: &[&str],
    v: &Validator,
    base_dir: &Path,
) -> Result<Vec<StateSpec>> {
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
        check_state(s, v, &p, issue_names)?;
    }
    Ok(fixed)
}

/// One bloc: count, names, distributions and strategies; its state names join `names`.
fn check_bloc(
    i: usize,
    b: &BlocSpec,
    issue_names: &[&str],
    v: &Validator,
    names: &mut StateNames,
) -> Result<()> {
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
    check_bloc_distributions(b, v, &p)?;
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
    let twice = |n: &str| v.err(&p("group"), "unique state names", format!("`{n}` twice"));
    if b.names.is_empty() {
        return names
            .insert_numbered(&b.group, b.count)
            .map_err(|n| twice(&n));
    }
    match b.names.iter().find(|n| !names.insert(n)) {
        Some(n) => Err(twice(n)),
        None => Ok(()),
    }
}

/// A bloc's attribute distributions, each within its attribute's range.
fn check_bloc_distributions(b: &BlocSpec, v: &Validator, p: &dyn Fn(&str) -> String) -> Result<()> {
    v.dist(&p("power"), &b.power, 0.0, MAX_POWER, true)?;
    v.dist(&p("position"), &b.position, -1.0, 1.0, false)?;
    v.dist(&p("security"), &b.security, 0.0, 1.0, false)?;
    v.dist(&p("economy"), &b.economy, 0.0, 1.0, false)?;
    v.dist(&p("rights"), &b.rights, 0.0, 1.0, false)?;
    v.dist(
        &p("sovereignty_cost"),
        &b.sovereignty_cost,
        0.0,
        MAX_VALUE,
        false,
    )?;
    v.dist(&p("discount"), &b.discount, 0.0, 1.0, false)?;
    if let Dist::Constant(d) = b.discount {
        v.open_unit(&p("discount"), d)?;
    }
    Ok(())
}

/// `[topology]`: the kind's parameters, and the edge list when the kind reads one.
fn resolve_topology(
    t: &TopologySpec,
    states: &ResolvedStates,
    v: &Validator,
    base_dir: &Path,
) -> Result<(Topology, Vec<(String, String)>)> {
    let kind = TopologyKind::parse(&t.kind).ok_or_else(|| {
        v.err(
            "topology.kind",
            "complete, regional, random, scale_free, lattice or edge_list",
            format!("`{}`", t.kind),
        )
    })?;
    let mut edges = Vec::new();
    match kind {
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
        TopologyKind::ScaleFree => check_scale_free(t, states.count, v)?,
        TopologyKind::Lattice => check_lattice(t, states.count, v)?,
        TopologyKind::EdgeList => {
            let f = t.file.as_ref().ok_or_else(|| {
                v.err(
                    "topology.file",
                    "a CSV file of edges for kind = \"edge_list\"",
                    "none",
                )
            })?;
            edges = read_edges(&base_dir.join(f), &states.names)?;
        }
    }
    if t.self_interaction.is_some() && kind != TopologyKind::Lattice {
        return Err(v.err(
            "topology.self_interaction",
            "self_interaction only with kind = \"lattice\"",
            t.kind.clone(),
        ));
    }
    let topology = Topology {
        kind,
        cross_region_probability: t.cross_region_probability,
        probability: t.probability,
        links_per_node: t.links_per_node,
        width: t.width,
        height: t.height,
        self_interaction: t.self_interaction,
        file: t.file.clone(),
    };
    Ok((topology, edges))
}

/// `scale_free`: links per new state in [1, states - 1].
fn check_scale_free(t: &TopologySpec, n_states: u64, v: &Validator) -> Result<()> {
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
    Ok(())
}

/// `lattice`: a torus of at least 3 x 3 with one cell per state.
fn check_lattice(t: &TopologySpec, n_states: u64, v: &Validator) -> Result<()> {
    let (w, h) = (t.width.unwrap_or(0), t.height.unwrap_or(0));
    if w < 3 || h < 3 {
        return Err(v.err(
            "topology.width",
            "width >= 3 and height >= 3 for kind = \"lattice\"",
            format!("{w} x {h}"),
        ));
    }
    if w.checked_mul(h) != Some(n_states) {
        return Err(v.err(
            "topology.width",
            format!("width x height equal to the number of states ({n_states})"),
            format!("{w} x {h} = {}", u128::from(w) * u128::from(h)),
        ));
    }
    Ok(())
}

/// A regime's strength at the start: in [0, 1), since strength 1 would be an infinite age.
fn initial_strength(x: f64, v: &Validator, path: &str) -> Result<f64> {
    if (0.0..1.0).contains(&x) {
        Ok(x)
    } else {
        Err(v.err(path, "a number in [0, 1)", x.to_string()))
    }
}

/// `[regime]`.
fn resolve_regime(r: &RegimeSpec, v: &Validator) -> Result<RegimeCriteria> {
    for (f, x) in [
        ("negotiation_interval", r.negotiation_interval),
        ("sustain_rounds", r.sustain_rounds),
    ] {
        if x == 0 || x > MAX_REGIME_ROUNDS {
            return Err(v.err(
                &format!("regime.{f}"),
                format!("a number of rounds in [1, {MAX_REGIME_ROUNDS}]"),
                x.to_string(),
            ));
        }
    }
    v.unit("regime.min_member_share", r.min_member_share)?;
    v.unit("regime.min_power_share", r.min_power_share)?;
    v.unit("regime.min_compliance", r.min_compliance)?;
    v.range("regime.decision_noise", r.decision_noise, 0.0, MAX_VALUE)?;
    v.range(
        "regime.ratification_cost",
        r.ratification_cost,
        0.0,
        MAX_VALUE,
    )?;
    Ok(RegimeCriteria {
        negotiation_interval: r.negotiation_interval,
        min_member_share: r.min_member_share,
        min_power_share: r.min_power_share,
        min_compliance: r.min_compliance,
        sustain_rounds: r.sustain_rounds,
        veto_players: r.veto_players,
        decision_noise: r.decision_noise,
        ratification_cost: r.ratification_cost,
    })
}

/// `[learning]`, with the strategies it draws from parsed.
fn resolve_learning(l: &LearningSpec, v: &Validator) -> Result<(Learning, Vec<Strategy>)> {
    let rule = LearningRule::parse(&l.rule).ok_or_else(|| {
        v.err(
            "learning.rule",
            "imitate_best, fermi, best_response or none",
            format!("`{}`", l.rule),
        )
    })?;
    if l.interval == 0 || l.interval > MAX_LEARNING_INTERVAL {
        return Err(v.err(
            "learning.interval",
            format!("a number of rounds in [1, {MAX_LEARNING_INTERVAL}]"),
            l.interval.to_string(),
        ));
    }
    v.unit("learning.mutation", l.mutation)?;
    v.positive("learning.temperature", l.temperature)?;
    v.range("learning.temperature", l.temperature, 0.0, MAX_VALUE)?;
    let mut strategies = Vec::new();
    for (i, s) in l.strategies.iter().enumerate() {
        strategies.push(v.strategy(&format!("learning.strategies[{i}]"), s)?);
    }
    let needs_strategies = match rule {
        LearningRule::BestResponse => true,
        LearningRule::ImitateBest | LearningRule::Fermi | LearningRule::None => l.mutation > 0.0,
    };
    if strategies.is_empty() && needs_strategies {
        return Err(v.err(
            "learning.strategies",
            "at least one strategy for best_response or mutation",
            "[]",
        ));
    }
    let learning = Learning {
        rule,
        interval: l.interval,
        mutation: l.mutation,
        temperature: l.temperature,
        strategies: l.strategies.clone(),
    };
    Ok((learning, strategies))
}

/// `[[shocks]]`, in file order.
fn resolve_shocks(
    raw: &ScenarioFile,
    states: &ResolvedStates,
    issue_names: &[&str],
    v: &Validator,
) -> Result<Vec<Shock>> {
    let mut shocks = Vec::new();
    for (i, s) in raw.shocks.iter().enumerate() {
        let p = |f: &str| format!("shocks[{i}].{f}");
        let kind = ShockKind::parse(&s.kind).ok_or_else(|| {
            let kinds: Vec<&str> = ShockKind::ALL.iter().map(|k| k.name()).collect();
            v.err(&p("kind"), kinds.join(", "), format!("`{}`", s.kind))
        })?;
        check_shock_timing(s, raw, v, &p)?;
        check_shock_targets(s, states, v, &p)?;
        let access = if kind.is_institutional() {
            check_institutional(s, issue_names, v, &p)?
        } else {
            check_not_institutional(s, v, &p)?;
            None
        };
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
    Ok(shocks)
}

/// When a shock happens: a year or a round (not both), or a probability per round; a year
/// within the run.
fn check_shock_timing(
    s: &ShockSpec,
    raw: &ScenarioFile,
    v: &Validator,
    p: &dyn Fn(&str) -> String,
) -> Result<()> {
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
        (Some(_), None, None) | (None, Some(_), None) => {}
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
    Ok(())
}

/// What a shock hits: a finite change, a known group, known states.
fn check_shock_targets(
    s: &ShockSpec,
    states: &ResolvedStates,
    v: &Validator,
    p: &dyn Fn(&str) -> String,
) -> Result<()> {
    v.range(&p("change"), s.change, -MAX_VALUE, MAX_VALUE)?;
    if let Some(g) = &s.group {
        if !states.has_group(g) {
            return Err(v.err(
                &p("group"),
                "a group of the scenario's states",
                format!("`{g}`"),
            ));
        }
    }
    for (k, n) in s.states.iter().enumerate() {
        if !states.names.contains(n) {
            return Err(v.err(
                &p(&format!("states[{k}]")),
                "a state name",
                format!("`{n}`"),
            ));
        }
    }
    Ok(())
}

/// An institutional shock: the issue it changes, and its new civil-society access (returned)
/// and monitoring.
fn check_institutional(
    s: &ShockSpec,
    issue_names: &[&str],
    v: &Validator,
    p: &dyn Fn(&str) -> String,
) -> Result<Option<CivilSocietyAccess>> {
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
    let mut access = None;
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
    Ok(access)
}

/// An attribute shock sets none of the institutional fields.
fn check_not_institutional(s: &ShockSpec, v: &Validator, p: &dyn Fn(&str) -> String) -> Result<()> {
    if s.issue.is_some()
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
    Ok(())
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
    v.range(&p("power"), s.power, 0.0, MAX_POWER)?;
    v.range(&p("position"), s.position, -1.0, 1.0)?;
    v.unit(&p("security"), s.security)?;
    v.unit(&p("economy"), s.economy)?;
    v.unit(&p("rights"), s.rights)?;
    v.range(&p("sovereignty_cost"), s.sovereignty_cost, 0.0, MAX_VALUE)?;
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
