//! The `[sweep]` table: its keys, design, samples and replicates, and the types of an axis (what it
//! changes and the values it takes); each axis is read by `axis`. Every problem is named by file,
//! line and field. Besides its sibling parts it may import only `error` and `io`.

use super::axis::{name_columns, read_axis};
use crate::error::{did_you_mean, Location, RegimeError, Result};
use crate::io::output::num;
use crate::io::scenario::{self, Scenario};

/// How the points of a sweep are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    /// Every combination of the axes' values (first axis slowest).
    Grid,
    /// `samples` independent draws: `uniform` axes uniformly, listed values with equal chances.
    Random,
    /// `samples` Latin hypercube draws (McKay, Beckman & Conover 1979): each axis is cut into
    /// `samples` equal strata and every stratum holds exactly one point.
    LatinHypercube,
}

impl Design {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Design::Grid => "grid",
            Design::Random => "random",
            Design::LatinHypercube => "latin_hypercube",
        }
    }
}

/// One value an axis takes, kept with its TOML type so that `--set` gets what the field expects.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisValue {
    /// An integer (e.g. `rounds`, `regime.veto_players`).
    Int(i64),
    /// A number.
    Float(f64),
    /// A switch (e.g. `rules.realist.hegemonic_veto`).
    Bool(bool),
    /// A word (e.g. a strategy or a rule set).
    Text(String),
}

impl AxisValue {
    /// The value as TOML, for a `--set` override.
    pub fn to_toml(&self) -> String {
        match self {
            AxisValue::Int(i) => toml_edit::Value::from(*i).to_string(),
            AxisValue::Float(x) => toml_edit::Value::from(*x).to_string(),
            AxisValue::Bool(b) => b.to_string(),
            AxisValue::Text(s) => toml_edit::Value::from(s.as_str()).to_string(),
        }
    }

    /// The value as a CSV cell (plain decimal numbers, `true`/`false`, words as they are).
    pub fn to_cell(&self) -> String {
        match self {
            AxisValue::Int(i) => i.to_string(),
            AxisValue::Float(x) => num(*x),
            AxisValue::Bool(b) => b.to_string(),
            AxisValue::Text(s) => s.clone(),
        }
    }

    pub(super) fn as_f64(&self) -> Option<f64> {
        match self {
            AxisValue::Int(i) => Some(*i as f64),
            AxisValue::Float(x) => Some(*x),
            _ => None,
        }
    }
}

/// The values an axis ranges over.
#[derive(Debug, Clone, PartialEq)]
pub enum Levels {
    /// Listed values (`values = [...]`, or a `range` with a `step`).
    List(Vec<AxisValue>),
    /// A continuous interval (`uniform = [low, high]`), for random and Latin hypercube designs.
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
}

/// One scenario field moved by a linked axis: `path` takes `at_zero + t (at_one - at_zero)`
/// where `t` is the axis value.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// A `--set` path, e.g. `rules.mix.monitoring`.
    pub path: String,
    /// The field's value at t = 0.
    pub at_zero: f64,
    /// The field's value at t = 1.
    pub at_one: f64,
}

/// What an axis changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// One scenario field, named by its `--set` path (`blocs.*.discount`).
    Path(String),
    /// Several fields moved together along a line between two ends (`links = { ... }`): how a
    /// continuum between the realist and the institutionalist presets is swept on one axis.
    Linked(Vec<Link>),
}

/// One axis of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The key in `[sweep.axes]`.
    pub key: String,
    /// Its column in `runs.csv` and `points.csv`.
    pub column: String,
    /// What it changes.
    pub target: Target,
    /// The values it takes.
    pub levels: Levels,
    /// Where it is written (for messages).
    pub location: Location,
}

impl Axis {
    /// The `--set` overrides that put this axis at `value`.
    pub fn overrides(&self, value: &AxisValue) -> Vec<String> {
        match &self.target {
            Target::Path(p) => vec![format!("{p}={}", value.to_toml())],
            Target::Linked(links) => {
                let t = value.as_f64().unwrap_or(0.0);
                links
                    .iter()
                    .map(|l| {
                        let x = round12(l.at_zero + t * (l.at_one - l.at_zero));
                        format!("{}={}", l.path, AxisValue::Float(x).to_toml())
                    })
                    .collect()
            }
        }
    }

    /// Values worth checking before the sweep starts: every listed value (at most 256 of
    /// them: the first, the last and evenly spaced ones between), or both ends of an interval.
    pub(super) fn probes(&self) -> Vec<AxisValue> {
        match &self.levels {
            Levels::Uniform { low, high } => {
                let mut v = vec![AxisValue::Float(*low)];
                if high != low {
                    v.push(AxisValue::Float(*high));
                }
                v
            }
            Levels::List(list) if list.len() <= 256 => list.clone(),
            Levels::List(list) => (0..256)
                .map(|k| list[k * (list.len() - 1) / 255].clone())
                .collect(),
        }
    }
}

/// A parsed `[sweep]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// How points are chosen.
    pub design: Design,
    /// Points of a random or Latin hypercube design.
    pub samples: Option<u64>,
    /// Replicates per point (default: the scenario's `replicates`).
    pub replicates: u64,
    /// Parameter axes, in file order (the rule-set axis is kept apart).
    pub axes: Vec<Axis>,
    /// The `rule_set` axis: the rule sets every point runs under, replacing the scenario's
    /// `rule_sets`. Points differ only by parameters; the rule set is a column of its own.
    pub rule_set_axis: Option<Vec<String>>,
    /// Where the `rule_set` axis is written.
    pub rule_set_location: Option<Location>,
}

pub(super) const SWEEP_KEYS: [&str; 4] = ["design", "samples", "replicates", "axes"];
pub(super) const AXIS_KEYS: [&str; 6] = ["values", "range", "step", "uniform", "links", "name"];
pub(super) const AXIS_EXPECTED: &str =
    "{ values = [...] }, { range = [a, b], step = s } or { uniform = [a, b] } (see docs/sweep.md)";
/// Largest grid axis a `range` may generate.
pub(super) const MAX_RANGE_VALUES: u64 = 1_000_000;
/// Largest number of points a sweep may have.
pub(super) const MAX_POINTS: u64 = 1 << 40;
/// Largest Latin hypercube (its permutations are kept in memory, 4 bytes per point and axis).
pub(super) const MAX_LHS_SAMPLES: u64 = 50_000_000;

/// Reads a table of a scenario text (`[sweep]`, `[calibrate]`), with every problem located in
/// the text.
pub(crate) struct SpecReader<'a> {
    file: &'a str,
    text: &'a str,
}

impl<'a> SpecReader<'a> {
    /// A reader of the scenario text `text` of file `file`.
    pub(crate) fn new(file: &'a str, text: &'a str) -> SpecReader<'a> {
        SpecReader { file, text }
    }
}

pub(crate) type Span = Option<std::ops::Range<usize>>;

impl SpecReader<'_> {
    pub(crate) fn loc(&self, span: &Span) -> Location {
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = scenario::line_col(self.text, s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        Location {
            file: self.file.to_string(),
            line,
            column,
        }
    }

    pub(crate) fn err(
        &self,
        span: &Span,
        field: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> RegimeError {
        RegimeError::field(self.loc(span), field, expected, found)
    }
}

/// The span of an entry of a table: its key where known, else its value.
pub(crate) fn entry_span(t: &dyn toml_edit::TableLike, key: &str) -> Span {
    t.key(key)
        .and_then(|k| k.span())
        .or_else(|| t.get(key).and_then(item_span))
}

pub(crate) fn item_span(it: &toml_edit::Item) -> Span {
    match it {
        toml_edit::Item::Value(v) => v.span(),
        toml_edit::Item::Table(t) => t.span(),
        toml_edit::Item::ArrayOfTables(a) => a.span(),
        toml_edit::Item::None => None,
    }
}

pub(crate) fn toml_number(v: &toml_edit::Value) -> Option<f64> {
    match v {
        toml_edit::Value::Float(f) => Some(*f.value()),
        toml_edit::Value::Integer(i) => Some(*i.value() as f64),
        _ => None,
    }
}

pub(crate) fn describe_item(it: &toml_edit::Item) -> String {
    match it {
        toml_edit::Item::Value(v) => {
            let mut v = v.clone();
            v.decor_mut().clear();
            v.to_string()
        }
        toml_edit::Item::Table(_) => "a table".into(),
        toml_edit::Item::ArrayOfTables(_) => "an array of tables".into(),
        toml_edit::Item::None => "nothing".into(),
    }
}

/// Rounds to 12 significant decimals, so that `0.1 + 3 x 0.1` is written `0.4`.
pub(crate) fn round12(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let s = format!("{x:.11e}");
    s.parse().unwrap_or(x)
}

pub(crate) fn quoted_key(k: &str) -> String {
    if k.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        format!("\"{k}\"")
    }
}

pub(crate) fn is_column_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

impl SweepSpec {
    /// Reads the `[sweep]` table of a scenario (from its text, so that errors name the line).
    pub fn from_scenario(s: &Scenario) -> Result<SweepSpec> {
        let r = SpecReader::new(&s.source, &s.text);
        let doc = parse_text(&r)?;
        let (sweep_item, sweep) = sweep_table(&r, doc.as_table())?;
        check_sweep_keys(&r, sweep)?;
        let design = read_design(&r, sweep)?;
        let samples = read_count(&r, sweep, "samples", MAX_POINTS)?;
        let replicates = read_count(&r, sweep, "replicates", 1 << 40)?.unwrap_or(s.replicates);
        check_samples(&r, sweep, design, samples)?;
        let axes_table = axes_table(&r, sweep_item, sweep)?;
        let mut axes = Vec::new();
        let mut rule_set_axis = None;
        let mut rule_set_location = None;
        for (key, item) in axes_table.iter() {
            let field = format!("sweep.axes.{}", quoted_key(key));
            let span = entry_span(axes_table, key);
            let spec = item
                .as_table_like()
                .ok_or_else(|| r.err(&span, &field, AXIS_EXPECTED, describe_item(item)))?;
            let axis = read_axis(&r, design, key, &field, &span, spec)?;
            if key == "rule_set" {
                rule_set_axis = Some(rule_set_names(&r, &span, &field, &axis.levels)?);
                rule_set_location = Some(axis.location.clone());
            } else {
                axes.push(axis);
            }
        }
        name_columns(&r, &mut axes, axes_table)?;
        Ok(SweepSpec {
            design,
            samples,
            replicates,
            axes,
            rule_set_axis,
            rule_set_location,
        })
    }

    /// The axes' columns, in order.
    pub fn columns(&self) -> Vec<String> {
        self.axes.iter().map(|a| a.column.clone()).collect()
    }
}

/// The scenario text as a TOML document (with spans, for messages).
pub(crate) fn parse_text(r: &SpecReader) -> Result<toml_edit::ImDocument<String>> {
    r.text
        .parse::<toml_edit::ImDocument<String>>()
        .map_err(|e| RegimeError::Parse {
            location: r.loc(&e.span()),
            message: format!(
                "TOML syntax error: {}",
                e.message().lines().next().unwrap_or("")
            ),
        })
}

/// The `[sweep]` item and its table.
fn sweep_table<'d>(
    r: &SpecReader,
    root: &'d toml_edit::Table,
) -> Result<(&'d toml_edit::Item, &'d dyn toml_edit::TableLike)> {
    let Some(sweep_item) = root.get("sweep") else {
        return Err(r.err(
            &None,
            "sweep",
            "a [sweep] table with `axes` (see docs/sweep.md and scenarios/sweeps/)",
            "none",
        ));
    };
    let sweep = sweep_item.as_table_like().ok_or_else(|| {
        r.err(
            &item_span(sweep_item),
            "sweep",
            "a table",
            describe_item(sweep_item),
        )
    })?;
    Ok((sweep_item, sweep))
}

/// Every key of `[sweep]` is one of [`SWEEP_KEYS`].
fn check_sweep_keys(r: &SpecReader, sweep: &dyn toml_edit::TableLike) -> Result<()> {
    for (k, _) in sweep.iter() {
        if !SWEEP_KEYS.contains(&k) {
            return Err(r.err(
                &entry_span(sweep, k),
                &format!("sweep.{}", quoted_key(k)),
                format!("one of {}", SWEEP_KEYS.join(", ")),
                format!("unknown key `{k}`{}", did_you_mean(k, SWEEP_KEYS)),
            ));
        }
    }
    Ok(())
}

/// `design = "grid" | "random" | "latin_hypercube"` (default: a grid).
fn read_design(r: &SpecReader, sweep: &dyn toml_edit::TableLike) -> Result<Design> {
    let Some(it) = sweep.get("design") else {
        return Ok(Design::Grid);
    };
    match it.as_str() {
        Some("grid") => Ok(Design::Grid),
        Some("random") => Ok(Design::Random),
        Some("latin_hypercube") => Ok(Design::LatinHypercube),
        _ => {
            let found = describe_item(it);
            let hint = it
                .as_str()
                .map(|x| did_you_mean(x, ["grid", "random", "latin_hypercube"]))
                .unwrap_or_default();
            Err(r.err(
                &entry_span(sweep, "design"),
                "sweep.design",
                "\"grid\", \"random\" or \"latin_hypercube\"",
                format!("{found}{hint}"),
            ))
        }
    }
}

/// A whole number in `[1, max]` under `key`, if given.
fn read_count(
    r: &SpecReader,
    sweep: &dyn toml_edit::TableLike,
    key: &str,
    max: u64,
) -> Result<Option<u64>> {
    match sweep.get(key) {
        None => Ok(None),
        Some(it) => match it.as_integer() {
            Some(n) if n >= 1 && (n as u64) <= max => Ok(Some(n as u64)),
            _ => Err(r.err(
                &entry_span(sweep, key),
                &format!("sweep.{key}"),
                format!("a whole number in [1, {max}]"),
                describe_item(it),
            )),
        },
    }
}

/// `samples` goes with the sampled designs only (and is bounded for a Latin hypercube).
fn check_samples(
    r: &SpecReader,
    sweep: &dyn toml_edit::TableLike,
    design: Design,
    samples: Option<u64>,
) -> Result<()> {
    match (design, samples) {
        (Design::Grid, Some(n)) => Err(r.err(
            &entry_span(sweep, "samples"),
            "sweep.samples",
            "no `samples` with design = \"grid\" (a grid has one point per combination of values; use design = \"random\" or \"latin_hypercube\" to draw samples)",
            n.to_string(),
        )),
        (Design::Random | Design::LatinHypercube, None) => Err(r.err(
            &entry_span(sweep, "design"),
            "sweep.samples",
            format!("a number of samples for design = \"{}\"", design.name()),
            "none",
        )),
        (Design::LatinHypercube, Some(n)) if n > MAX_LHS_SAMPLES => Err(r.err(
            &entry_span(sweep, "samples"),
            "sweep.samples",
            format!("at most {MAX_LHS_SAMPLES} samples for a Latin hypercube"),
            n.to_string(),
        )),
        _ => Ok(()),
    }
}

/// The non-empty `[sweep.axes]` table.
fn axes_table<'d>(
    r: &SpecReader,
    sweep_item: &toml_edit::Item,
    sweep: &'d dyn toml_edit::TableLike,
) -> Result<&'d dyn toml_edit::TableLike> {
    let axes_item = sweep.get("axes").ok_or_else(|| {
        r.err(
            &item_span(sweep_item),
            "sweep.axes",
            "a table of axes, e.g. [sweep.axes] \"rules.realist.relative_gains\" = { values = [0.0, 0.5] }",
            "none",
        )
    })?;
    let axes_table = axes_item.as_table_like().ok_or_else(|| {
        r.err(
            &entry_span(sweep, "axes"),
            "sweep.axes",
            "a table of axes",
            describe_item(axes_item),
        )
    })?;
    if axes_table.is_empty() {
        return Err(r.err(
            &entry_span(sweep, "axes"),
            "sweep.axes",
            "at least one axis",
            "an empty table",
        ));
    }
    Ok(axes_table)
}

/// The names of the `rule_set` axis: a list of strings.
fn rule_set_names(
    r: &SpecReader,
    span: &Span,
    field: &str,
    levels: &Levels,
) -> Result<Vec<String>> {
    let Levels::List(values) = levels else {
        return Err(r.err(
            span,
            field,
            "rule_set = { values = [\"realist\", \"institutionalist\"] }",
            "an interval",
        ));
    };
    values
        .iter()
        .map(|v| match v {
            AxisValue::Text(t) => Ok(t.clone()),
            other => Err(r.err(span, field, "names of rule sets (strings)", other.to_toml())),
        })
        .collect()
}
