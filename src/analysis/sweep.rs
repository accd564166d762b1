//! Parameter sweeps (`regime sweep`, `regime merge`).
//!
//! A sweep runs one scenario at many *points* of its parameter space, each point `replicates`
//! times under every rule set, and writes one row per run (`runs.csv`) and one row per point,
//! rule set and issue (`points.csv`). It is built around three promises a research user needs
//! when a sweep takes hours on a cluster:
//!
//! * **Reproducible bit for bit.** The seed of a run is `derive_seed(master, [point, replicate])`,
//!   shared by every rule set of the point (common random numbers); sampled designs draw their
//!   points from their own streams of the master seed. Runs are computed in parallel in chunks
//!   and written in run order, so the files do not depend on threads, chunking, shards or
//!   interruptions.
//! * **Constant memory.** Runs record only their summaries and rows stream to disk as chunks
//!   finish; `points.csv` is computed afterwards in one pass over `runs.csv`, which is sorted by
//!   point, holding one point at a time.
//! * **Survives being killed.** Outputs go to `<out>.partial/`; after each commit (about once a
//!   second) `runs.csv` is fsynced and a small progress file records how many runs and bytes are
//!   complete. `--resume` truncates `runs.csv` to the last complete length and carries on; the
//!   finished directory is renamed to `<out>` only when complete.
//!
//! `--shard I/N` runs a contiguous block of points; `regime merge` checks the shards' manifests
//! (same sweep hash, every shard exactly once) and concatenates them into the files one machine
//! would have written. The format of the `[sweep]` table is in `docs/sweep.md`.

use crate::analysis::stats;
use crate::engine::rng::{derive_seed, stream};
use crate::engine::sim::{self, Record, RunId};
use crate::engine::world;
use crate::error::{did_you_mean, Location, RegimeError, Result};
use crate::io::output::{self, num, OutputDir, EMERGENCE_COLUMNS, SUMMARY_COLUMNS};
use crate::io::scenario::{self, Scenario};
use rand::{Rng, RngCore};
use rayon::prelude::*;
use std::fs;
use std::io::{BufRead, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What `regime sweep` was asked to do (the command line's arguments, without clap).
#[derive(Debug, Clone)]
pub struct SweepArgs {
    /// Scenario file with a `[sweep]` table.
    pub scenario: PathBuf,
    /// Continue an interrupted sweep (from `<out>.partial`) with the same command.
    pub resume: bool,
    /// Run only shard I of N, a contiguous block of points (1-based, e.g. 2/8); combine the
    /// shards with `regime merge`.
    pub shard: Option<String>,
    /// Also draw the standard figures.
    pub plots: bool,
}

/// Options shared with other commands.
#[derive(Debug, Clone)]
pub struct Common {
    /// Master seed override.
    pub seed: Option<u64>,
    /// Output directory.
    pub out: Option<PathBuf>,
    /// Replace an existing directory.
    pub force: bool,
    /// No progress output.
    pub quiet: bool,
    /// Threads in use.
    pub threads: usize,
}

// ---------------------------------------------------------------------------------------------
// The [sweep] table
// ---------------------------------------------------------------------------------------------

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

    fn as_f64(&self) -> Option<f64> {
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
    fn probes(&self) -> Vec<AxisValue> {
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

const SWEEP_KEYS: [&str; 4] = ["design", "samples", "replicates", "axes"];
const AXIS_KEYS: [&str; 6] = ["values", "range", "step", "uniform", "links", "name"];
const AXIS_EXPECTED: &str =
    "{ values = [...] }, { range = [a, b], step = s } or { uniform = [a, b] } (see docs/sweep.md)";
/// Largest grid axis a `range` may generate.
const MAX_RANGE_VALUES: u64 = 1_000_000;
/// Largest number of points a sweep may have.
const MAX_POINTS: u64 = 1 << 40;
/// Largest Latin hypercube (its permutations are kept in memory, 4 bytes per point and axis).
const MAX_LHS_SAMPLES: u64 = 50_000_000;

/// Reads the `[sweep]` table of a scenario text, with every problem located in the text.
struct SpecReader<'a> {
    file: &'a str,
    text: &'a str,
}

type Span = Option<std::ops::Range<usize>>;

impl SpecReader<'_> {
    fn loc(&self, span: &Span) -> Location {
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

    fn err(
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
fn entry_span(t: &dyn toml_edit::TableLike, key: &str) -> Span {
    t.key(key)
        .and_then(|k| k.span())
        .or_else(|| t.get(key).and_then(item_span))
}

fn item_span(it: &toml_edit::Item) -> Span {
    match it {
        toml_edit::Item::Value(v) => v.span(),
        toml_edit::Item::Table(t) => t.span(),
        toml_edit::Item::ArrayOfTables(a) => a.span(),
        toml_edit::Item::None => None,
    }
}

fn toml_number(v: &toml_edit::Value) -> Option<f64> {
    match v {
        toml_edit::Value::Float(f) => Some(*f.value()),
        toml_edit::Value::Integer(i) => Some(*i.value() as f64),
        _ => None,
    }
}

fn describe_item(it: &toml_edit::Item) -> String {
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
fn round12(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let s = format!("{x:.11e}");
    s.parse().unwrap_or(x)
}

fn quoted_key(k: &str) -> String {
    if k.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        format!("\"{k}\"")
    }
}

fn is_column_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Columns of `runs.csv` an axis may not take as its name.
fn reserved_columns() -> Vec<&'static str> {
    let mut v = vec!["point", "replicate", "run_id", "seed", "rule_set"];
    v.extend(SUMMARY_COLUMNS);
    v.extend(POINT_COLUMNS);
    v
}

impl SweepSpec {
    /// Reads the `[sweep]` table of a scenario (from its text, so that errors name the line).
    pub fn from_scenario(s: &Scenario) -> Result<SweepSpec> {
        let r = SpecReader {
            file: &s.source,
            text: &s.text,
        };
        let doc = s
            .text
            .parse::<toml_edit::ImDocument<String>>()
            .map_err(|e| RegimeError::Parse {
                location: r.loc(&e.span()),
                message: format!(
                    "TOML syntax error: {}",
                    e.message().lines().next().unwrap_or("")
                ),
            })?;
        let root = doc.as_table();
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
        let design = match sweep.get("design") {
            None => Design::Grid,
            Some(it) => match it.as_str() {
                Some("grid") => Design::Grid,
                Some("random") => Design::Random,
                Some("latin_hypercube") => Design::LatinHypercube,
                _ => {
                    let found = describe_item(it);
                    let hint = it
                        .as_str()
                        .map(|x| did_you_mean(x, ["grid", "random", "latin_hypercube"]))
                        .unwrap_or_default();
                    return Err(r.err(
                        &entry_span(sweep, "design"),
                        "sweep.design",
                        "\"grid\", \"random\" or \"latin_hypercube\"",
                        format!("{found}{hint}"),
                    ));
                }
            },
        };
        let positive = |key: &str, max: u64| -> Result<Option<u64>> {
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
        };
        let samples = positive("samples", MAX_POINTS)?;
        let replicates = positive("replicates", 1 << 40)?.unwrap_or(s.replicates);
        match (design, samples) {
            (Design::Grid, Some(n)) => {
                return Err(r.err(
                    &entry_span(sweep, "samples"),
                    "sweep.samples",
                    "no `samples` with design = \"grid\" (a grid has one point per combination of values; use design = \"random\" or \"latin_hypercube\" to draw samples)",
                    n.to_string(),
                ))
            }
            (Design::Random | Design::LatinHypercube, None) => {
                return Err(r.err(
                    &entry_span(sweep, "design"),
                    "sweep.samples",
                    format!("a number of samples for design = \"{}\"", design.name()),
                    "none",
                ))
            }
            (Design::LatinHypercube, Some(n)) if n > MAX_LHS_SAMPLES => {
                return Err(r.err(
                    &entry_span(sweep, "samples"),
                    "sweep.samples",
                    format!("at most {MAX_LHS_SAMPLES} samples for a Latin hypercube"),
                    n.to_string(),
                ))
            }
            _ => {}
        }
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
                let Levels::List(values) = &axis.levels else {
                    return Err(r.err(
                        &span,
                        &field,
                        "rule_set = { values = [\"realist\", \"institutionalist\"] }",
                        "an interval",
                    ));
                };
                let mut names = Vec::new();
                for v in values {
                    match v {
                        AxisValue::Text(t) => names.push(t.clone()),
                        other => {
                            return Err(r.err(
                                &span,
                                &field,
                                "names of rule sets (strings)",
                                other.to_toml(),
                            ))
                        }
                    }
                }
                rule_set_axis = Some(names);
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

fn read_axis(
    r: &SpecReader,
    design: Design,
    key: &str,
    field: &str,
    span: &Span,
    spec: &dyn toml_edit::TableLike,
) -> Result<Axis> {
    let sub = |k: &str| format!("{field}.{k}");
    for (k, _) in spec.iter() {
        if !AXIS_KEYS.contains(&k) {
            return Err(r.err(
                &entry_span(spec, k),
                &sub(k),
                format!("one of {}", AXIS_KEYS.join(", ")),
                format!("unknown key `{k}`{}", did_you_mean(k, AXIS_KEYS)),
            ));
        }
    }
    let given: Vec<&str> = ["values", "range", "uniform"]
        .into_iter()
        .filter(|k| spec.contains_key(k))
        .collect();
    if given.len() != 1 {
        return Err(r.err(
            span,
            field,
            format!("exactly one of `values`, `range` or `uniform`: {AXIS_EXPECTED}"),
            if given.is_empty() {
                "none of them".to_string()
            } else {
                given.join(" and ")
            },
        ));
    }
    if spec.contains_key("step") && given[0] != "range" {
        return Err(r.err(
            &entry_span(spec, "step"),
            &sub("step"),
            "`step` only with `range = [a, b]`",
            "a step without a range",
        ));
    }
    let array_of = |k: &str| -> Result<&toml_edit::Array> {
        let it = spec
            .get(k)
            .ok_or_else(|| r.err(span, &sub(k), "a value", "none"))?;
        it.as_array()
            .ok_or_else(|| r.err(&entry_span(spec, k), &sub(k), "an array", describe_item(it)))
    };
    let two_numbers = |k: &str| -> Result<(f64, f64, bool)> {
        let a = array_of(k)?;
        let nums: Vec<f64> = a.iter().filter_map(toml_number).collect();
        if a.len() != 2 || nums.len() != 2 || !nums.iter().all(|x| x.is_finite()) {
            return Err(r.err(
                &entry_span(spec, k),
                &sub(k),
                format!("two finite numbers: {k} = [a, b]"),
                describe_item(spec.get(k).unwrap_or(&toml_edit::Item::None)),
            ));
        }
        if nums[0] > nums[1] {
            return Err(r.err(
                &entry_span(spec, k),
                &sub(k),
                format!("{k} = [a, b] with a <= b"),
                format!("[{}, {}]", nums[0], nums[1]),
            ));
        }
        let ints = a.iter().all(|v| v.as_integer().is_some());
        Ok((nums[0], nums[1], ints))
    };
    let levels = match given[0] {
        "values" => {
            let a = array_of("values")?;
            if a.is_empty() {
                return Err(r.err(
                    &entry_span(spec, "values"),
                    &sub("values"),
                    "a non-empty list of values",
                    "[]",
                ));
            }
            let mut list = Vec::new();
            for v in a.iter() {
                let x = match v {
                    toml_edit::Value::Integer(i) => AxisValue::Int(*i.value()),
                    toml_edit::Value::Float(f) if f.value().is_finite() => {
                        AxisValue::Float(*f.value())
                    }
                    toml_edit::Value::Boolean(b) => AxisValue::Bool(*b.value()),
                    toml_edit::Value::String(s) => AxisValue::Text(s.value().clone()),
                    other => {
                        let mut o = other.clone();
                        o.decor_mut().clear();
                        return Err(r.err(
                            &entry_span(spec, "values"),
                            &sub("values"),
                            "numbers, true/false or strings",
                            o.to_string(),
                        ));
                    }
                };
                let kind = |x: &AxisValue| match x {
                    AxisValue::Int(_) | AxisValue::Float(_) => 0,
                    AxisValue::Bool(_) => 1,
                    AxisValue::Text(_) => 2,
                };
                if let Some(first) = list.first() {
                    if kind(first) != kind(&x) {
                        return Err(r.err(
                            &entry_span(spec, "values"),
                            &sub("values"),
                            "values of one kind (all numbers, all true/false or all strings)",
                            describe_item(spec.get("values").unwrap_or(&toml_edit::Item::None)),
                        ));
                    }
                }
                if list.iter().any(|y: &AxisValue| y.to_cell() == x.to_cell()) {
                    return Err(r.err(
                        &entry_span(spec, "values"),
                        &sub("values"),
                        "distinct values",
                        format!("{} twice", x.to_toml()),
                    ));
                }
                list.push(x);
            }
            Levels::List(list)
        }
        "range" => {
            let (a, b, ints) = two_numbers("range")?;
            let step_item = spec.get("step").ok_or_else(|| {
                r.err(
                    &entry_span(spec, "range"),
                    &sub("step"),
                    "a step > 0 with range = [a, b]",
                    "none",
                )
            })?;
            let step = step_item
                .as_value()
                .and_then(toml_number)
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    r.err(
                        &entry_span(spec, "step"),
                        &sub("step"),
                        "a number > 0",
                        describe_item(step_item),
                    )
                })?;
            if step <= 0.0 {
                return Err(r.err(
                    &entry_span(spec, "step"),
                    &sub("step"),
                    "a number > 0",
                    num(step),
                ));
            }
            let count = ((b - a) / step + 1e-9).floor() + 1.0;
            if count > MAX_RANGE_VALUES as f64 {
                return Err(r.err(
                    &entry_span(spec, "step"),
                    &sub("step"),
                    format!("a step giving at most {MAX_RANGE_VALUES} values"),
                    format!("{step}, giving {count} values"),
                ));
            }
            let ints = ints && step_item.as_integer().is_some();
            let list = (0..count as u64)
                .map(|i| {
                    if ints {
                        AxisValue::Int(a as i64 + i as i64 * step as i64)
                    } else {
                        AxisValue::Float(round12(a + i as f64 * step))
                    }
                })
                .collect();
            Levels::List(list)
        }
        _ => {
            let (low, high, _) = two_numbers("uniform")?;
            if design == Design::Grid {
                return Err(r.err(
                    &entry_span(spec, "uniform"),
                    &sub("uniform"),
                    "`values` or `range` in a grid (`uniform` needs design = \"random\" or \"latin_hypercube\")",
                    format!("uniform = [{}, {}]", num(low), num(high)),
                ));
            }
            Levels::Uniform { low, high }
        }
    };
    let column = match spec.get("name") {
        None => None,
        Some(it) => match it.as_str() {
            Some(n) if is_column_name(n) => Some(n.to_string()),
            _ => {
                return Err(r.err(
                    &entry_span(spec, "name"),
                    &sub("name"),
                    "a column name in snake_case (a-z, 0-9, _)",
                    describe_item(it),
                ))
            }
        },
    };
    let target = if let Some(links_item) = spec.get("links") {
        if key == "rule_set" {
            return Err(r.err(
                &entry_span(spec, "links"),
                &sub("links"),
                "no links on the rule_set axis",
                "links",
            ));
        }
        if !is_column_name(key) {
            return Err(r.err(span, field, "a linked axis named in snake_case (it names the column), e.g. `continuum = { range = [0, 1], step = 0.1, links = { ... } }`", format!("`{key}`")));
        }
        let lt = links_item.as_table_like().ok_or_else(|| {
            r.err(
                &entry_span(spec, "links"),
                &sub("links"),
                "a table of paths and their ends: { \"rules.mix.monitoring\" = [0.0, 0.8], ... }",
                describe_item(links_item),
            )
        })?;
        if lt.is_empty() {
            return Err(r.err(
                &entry_span(spec, "links"),
                &sub("links"),
                "at least one linked path",
                "an empty table",
            ));
        }
        let mut links = Vec::new();
        for (path, it) in lt.iter() {
            let lf = format!("{}.{}", sub("links"), quoted_key(path));
            let ends: Vec<f64> = it
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(toml_number)
                        .filter(|x| x.is_finite())
                        .collect()
                })
                .unwrap_or_default();
            if ends.len() != 2 || it.as_array().map(|a| a.len()) != Some(2) {
                return Err(r.err(
                    &entry_span(lt, path),
                    &lf,
                    "two numbers [value at 0, value at 1]",
                    describe_item(it),
                ));
            }
            check_axis_path(r, &entry_span(lt, path), &lf, path)?;
            links.push(Link {
                path: path.to_string(),
                at_zero: ends[0],
                at_one: ends[1],
            });
        }
        match &levels {
            Levels::List(l) if l.iter().any(|v| v.as_f64().is_none()) => {
                return Err(r.err(
                    span,
                    field,
                    "numbers (the position between the two ends) on a linked axis",
                    "values that are not numbers",
                ));
            }
            _ => {}
        }
        Target::Linked(links)
    } else {
        if key != "rule_set" {
            check_axis_path(r, span, field, key)?;
        }
        Target::Path(key.to_string())
    };
    if key == "rule_set" && column.is_some() {
        return Err(r.err(
            &entry_span(spec, "name"),
            &sub("name"),
            "no name on the rule_set axis (its column is `rule_set`)",
            "a name",
        ));
    }
    Ok(Axis {
        key: key.to_string(),
        column: column.unwrap_or_default(),
        target,
        levels,
        location: r.loc(span),
    })
}

/// Rejects paths that a sweep cannot move (they would be silently ignored or change the sweep).
fn check_axis_path(r: &SpecReader, span: &Span, field: &str, path: &str) -> Result<()> {
    let head = path.split(['.', '[']).next().unwrap_or("");
    let why = match head {
        "sweep" => Some("the [sweep] table itself"),
        "seed" => Some("the master seed (every run has its own seed; use more replicates)"),
        "rule_sets" => Some("the rule sets (use a `rule_set = { values = [...] }` axis)"),
        "replicates" => Some("the replicates (set sweep.replicates)"),
        "name" => Some("the scenario's name"),
        _ => None,
    };
    match why {
        Some(w) => Err(r.err(
            span,
            field,
            "a path to a model parameter",
            format!("`{path}`, which is {w}"),
        )),
        None => Ok(()),
    }
}

/// Gives every axis a column: its `name`, else the last key of its path (`discount`), else,
/// when that is taken by another axis or a fixed column, the whole path in snake_case.
fn name_columns(r: &SpecReader, axes: &mut [Axis], table: &dyn toml_edit::TableLike) -> Result<()> {
    let reserved = reserved_columns();
    let short = |a: &Axis| -> String {
        let last = a
            .key
            .rsplit('.')
            .find(|s| !s.is_empty() && *s != "*" && !s.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or(&a.key);
        snake(last.split('[').next().unwrap_or(last))
    };
    let shorts: Vec<String> = axes.iter().map(short).collect();
    for i in 0..axes.len() {
        if !axes[i].column.is_empty() {
            continue;
        }
        let s = &shorts[i];
        let clash = reserved.contains(&s.as_str())
            || shorts.iter().enumerate().any(|(j, o)| j != i && o == s)
            || axes.iter().any(|a| &a.column == s);
        axes[i].column = if clash {
            snake(&axes[i].key)
        } else {
            s.clone()
        };
    }
    for i in 0..axes.len() {
        let c = &axes[i].column;
        let field = format!("sweep.axes.{}", quoted_key(&axes[i].key));
        let span = entry_span(table, &axes[i].key);
        if c.is_empty()
            || reserved.contains(&c.as_str())
            || axes
                .iter()
                .enumerate()
                .any(|(j, a)| j != i && &a.column == c)
        {
            return Err(r.err(
                &span,
                &field,
                format!("a column name not used by another axis or by runs.csv (give one with `name = \"...\"`); taken: {}", reserved.join(", ")),
                format!("`{c}`"),
            ));
        }
    }
    Ok(())
}

fn snake(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The design: which values each point takes
// ---------------------------------------------------------------------------------------------

/// Stream tags of the design draws (distinct from the run streams `[point, replicate]`).
const RANDOM_DESIGN_STREAM: u64 = 0x5357_4545_5052_4E44; // "SWEEPRND"
const LHS_STREAM: u64 = 0x5357_4545_504C_4853; // "SWEEPLHS"

/// The points of a sweep: the design made concrete for one master seed.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The sweep table.
    pub spec: SweepSpec,
    /// The master seed.
    pub seed: u64,
    points: u64,
    /// Latin hypercube: one permutation of the strata per axis.
    strata: Vec<Vec<u32>>,
}

impl Plan {
    /// Lays out the points of `spec` for the master seed `seed`.
    pub fn new(spec: SweepSpec, seed: u64) -> Result<Plan> {
        let points = match spec.design {
            Design::Grid => {
                let mut n: u64 = 1;
                for a in &spec.axes {
                    let len = match &a.levels {
                        Levels::List(l) => l.len() as u64,
                        Levels::Uniform { .. } => 1,
                    };
                    n = n
                        .checked_mul(len)
                        .filter(|&n| n <= MAX_POINTS)
                        .ok_or_else(|| {
                            RegimeError::field(
                                a.location.clone(),
                                "sweep.axes",
                                format!("a grid of at most {MAX_POINTS} points"),
                                "more",
                            )
                        })?;
                }
                n
            }
            Design::Random | Design::LatinHypercube => spec.samples.unwrap_or(1),
        };
        let strata = if spec.design == Design::LatinHypercube {
            (0..spec.axes.len())
                .map(|d| {
                    let mut rng = stream(derive_seed(seed, &[LHS_STREAM, d as u64]));
                    let mut perm: Vec<u32> = (0..points as u32).collect();
                    // Fisher-Yates, drawing u64 (never usize) so that it is the same everywhere.
                    for i in (1..perm.len()).rev() {
                        let j = rng.random_range(0..=i as u64) as usize;
                        perm.swap(i, j);
                    }
                    perm
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Plan {
            spec,
            seed,
            points,
            strata,
        })
    }

    /// Number of points.
    pub fn points(&self) -> u64 {
        self.points
    }

    /// The value of every axis at `point`, in axis order.
    pub fn values(&self, point: u64) -> Vec<AxisValue> {
        let mut out = Vec::with_capacity(self.spec.axes.len());
        match self.spec.design {
            Design::Grid => {
                let mut rest = point;
                let mut rev = Vec::with_capacity(self.spec.axes.len());
                for a in self.spec.axes.iter().rev() {
                    match &a.levels {
                        Levels::List(l) => {
                            let len = l.len() as u64;
                            rev.push(l[(rest % len) as usize].clone());
                            rest /= len;
                        }
                        Levels::Uniform { low, .. } => rev.push(AxisValue::Float(*low)),
                    }
                }
                out.extend(rev.into_iter().rev());
            }
            Design::Random => {
                for (d, a) in self.spec.axes.iter().enumerate() {
                    let mut rng = stream(derive_seed(
                        self.seed,
                        &[RANDOM_DESIGN_STREAM, point, d as u64],
                    ));
                    out.push(match &a.levels {
                        Levels::Uniform { low, high } => {
                            AxisValue::Float(low + rng.random::<f64>() * (high - low))
                        }
                        Levels::List(l) => l[rng.random_range(0..l.len() as u64) as usize].clone(),
                    });
                }
            }
            Design::LatinHypercube => {
                let n = self.points as f64;
                for (d, a) in self.spec.axes.iter().enumerate() {
                    let stratum = self.strata[d][point as usize] as f64;
                    let mut rng = stream(derive_seed(self.seed, &[LHS_STREAM, point, d as u64]));
                    // A position strictly inside the stratum: (k + 0.5) / 2^32 with k < 2^32.
                    let u = (rng.next_u32() as f64 + 0.5) / 4_294_967_296.0;
                    let t = (stratum + u) / n;
                    out.push(match &a.levels {
                        Levels::Uniform { low, high } => AxisValue::Float(low + t * (high - low)),
                        Levels::List(l) => {
                            let k = ((t * l.len() as f64).floor() as usize).min(l.len() - 1);
                            l[k].clone()
                        }
                    });
                }
            }
        }
        out
    }

    /// The `--set` overrides of `point` (plus the rule sets of a `rule_set` axis).
    pub fn overrides(&self, point: u64) -> Vec<String> {
        let mut sets: Vec<String> = self
            .spec
            .axes
            .iter()
            .zip(self.values(point))
            .flat_map(|(a, v)| a.overrides(&v))
            .collect();
        sets.extend(self.rule_set_override());
        sets
    }

    fn rule_set_override(&self) -> Option<String> {
        self.spec.rule_set_axis.as_ref().map(|names| {
            let list: Vec<String> = names
                .iter()
                .map(|n| toml_edit::Value::from(n.as_str()).to_string())
                .collect();
            format!("rule_sets=[{}]", list.join(", "))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Shards
// ---------------------------------------------------------------------------------------------

/// `--shard I/N`: the I-th (1-based) of N contiguous blocks of points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Parses `I/N` with 1 <= I <= N.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || RegimeError::argument("--shard", "I/N with 1 <= I <= N, e.g. 2/8", text);
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The points of this shard out of `total`: `[(I-1) total / N, I total / N)`.
    pub fn points(&self, total: u64) -> std::ops::Range<u64> {
        let at = |k: u64| ((k as u128 * total as u128) / self.count as u128) as u64;
        at(self.index - 1)..at(self.index)
    }
}

// ---------------------------------------------------------------------------------------------
// CSV rows
// ---------------------------------------------------------------------------------------------

/// Appends a CSV field, quoted when it has to be (as the `csv` crate does).
fn push_field(buf: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        buf.push('"');
        buf.push_str(&field.replace('"', "\"\""));
        buf.push('"');
    } else {
        buf.push_str(field);
    }
}

fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut s = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        push_field(&mut s, f.as_ref());
    }
    s.push('\n');
    s
}

/// The header of `runs.csv` for these axis columns.
pub fn runs_header(axis_columns: &[String]) -> Vec<String> {
    let mut h: Vec<String> = ["point", "replicate", "run_id", "seed", "rule_set"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    h.extend(axis_columns.iter().cloned());
    h.extend(SUMMARY_COLUMNS.iter().map(|s| s.to_string()));
    h
}

/// Columns of `points.csv` after `point, rule_set, <axes>, issue`.
pub const POINT_COLUMNS: [&str; 12] = {
    let mut c = [""; 12];
    let mut k = 0;
    while k < EMERGENCE_COLUMNS.len() {
        c[k] = EMERGENCE_COLUMNS[k];
        k += 1;
    }
    c[10] = "final_member_share_ci_low";
    c[11] = "final_member_share_ci_high";
    c
};

// ---------------------------------------------------------------------------------------------
// points.csv from runs.csv
// ---------------------------------------------------------------------------------------------

/// Per rule set and issue of one point.
struct Group {
    key: (Vec<u8>, Vec<u8>),
    axes: Vec<String>,
    emerged: u64,
    survival: Vec<stats::Survival>,
    cooperation: Vec<f64>,
    member_share: Vec<f64>,
}

/// Computes `points.csv` from `runs.csv` in one pass (rows of a point are contiguous, so only
/// one point is held at a time). Returns the number of rows written. The emergence probability
/// has a Wilson 95% interval; the median time to emergence is Kaplan-Meier with runs without a
/// regime censored at their last round (empty when the median is not reached); cooperation and
/// final member share are means with normal 95% intervals.
pub fn points_from_runs(runs: &Path, points: &Path) -> Result<u64> {
    let csv_err = |path: &Path, message: String| RegimeError::Csv {
        path: path.to_path_buf(),
        message,
    };
    let file = fs::File::open(runs).map_err(|source| RegimeError::ReadInput {
        path: runs.to_path_buf(),
        source,
    })?;
    let mut rdr =
        csv::ReaderBuilder::new().from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_err(runs, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| csv_err(runs, format!("missing column `{name}`")))
    };
    let (c_point, c_rule_set, c_issue) = (col("point")?, col("rule_set")?, col("issue")?);
    let (c_emerged, c_round, c_rounds) = (col("emerged")?, col("emergence_round")?, col("rounds")?);
    let (c_coop, c_share) = (col("mean_cooperation")?, col("final_member_share")?);
    if c_issue < c_rule_set {
        return Err(csv_err(runs, "`issue` must come after `rule_set`".into()));
    }
    let axis_cols: Vec<usize> = (c_rule_set + 1..c_issue).collect();
    let mut head: Vec<String> = vec!["point".into(), "rule_set".into()];
    head.extend(axis_cols.iter().map(|&c| header[c].clone()));
    head.push("issue".into());
    head.extend(POINT_COLUMNS.iter().map(|s| s.to_string()));
    let out_file = fs::File::create(points).map_err(|source| RegimeError::Write {
        path: points.to_path_buf(),
        source,
    })?;
    let mut out = std::io::BufWriter::new(out_file);
    let write_err = |source| RegimeError::Write {
        path: points.to_path_buf(),
        source,
    };
    out.write_all(csv_line(&head).as_bytes())
        .map_err(write_err)?;
    let mut current: Option<Vec<u8>> = None;
    let mut groups: Vec<Group> = Vec::new();
    let mut written = 0;
    let mut flush = |point: &[u8],
                     groups: &mut Vec<Group>,
                     out: &mut std::io::BufWriter<fs::File>|
     -> Result<()> {
        let point = String::from_utf8_lossy(point).to_string();
        for g in groups.drain(..) {
            let n = g.cooperation.len() as u64;
            let (lo, hi) = stats::wilson_interval(g.emerged, n, stats::Z95);
            let coop = stats::mean_ci(&g.cooperation);
            let share = stats::mean_ci(&g.member_share);
            let mut row = vec![point.clone(), String::from_utf8_lossy(&g.key.0).to_string()];
            row.extend(g.axes);
            row.push(String::from_utf8_lossy(&g.key.1).to_string());
            row.extend([
                n.to_string(),
                g.emerged.to_string(),
                num(g.emerged as f64 / n.max(1) as f64),
                num(lo),
                num(hi),
                stats::km_median(&g.survival).map(num).unwrap_or_default(),
                num(coop.0),
                num(coop.1),
                num(coop.2),
                num(share.0),
                num(share.1),
                num(share.2),
            ]);
            out.write_all(csv_line(&row).as_bytes())
                .map_err(|source| RegimeError::Write {
                    path: points.to_path_buf(),
                    source,
                })?;
            written += 1;
        }
        Ok(())
    };
    let mut rec = csv::ByteRecord::new();
    let number = |rec: &csv::ByteRecord, c: usize, what: &str| -> Result<Option<f64>> {
        let cell = rec.get(c).unwrap_or(b"");
        if cell.is_empty() {
            return Ok(None);
        }
        std::str::from_utf8(cell)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .map(Some)
            .ok_or_else(|| {
                let line = rec.position().map(|p| p.line()).unwrap_or(0);
                csv_err(
                    runs,
                    format!(
                        "line {line}: column `{what}` is not a number: {}",
                        String::from_utf8_lossy(cell)
                    ),
                )
            })
    };
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_err(runs, e.to_string()))?
    {
        let point = rec.get(c_point).unwrap_or(b"");
        if current.as_deref() != Some(point) {
            if let Some(p) = current.take() {
                flush(&p, &mut groups, &mut out)?;
            }
            current = Some(point.to_vec());
        }
        let key = (
            rec.get(c_rule_set).unwrap_or(b"").to_vec(),
            rec.get(c_issue).unwrap_or(b"").to_vec(),
        );
        let g = match groups.iter().position(|g| g.key == key) {
            Some(i) => &mut groups[i],
            None => {
                groups.push(Group {
                    key,
                    axes: axis_cols
                        .iter()
                        .map(|&c| String::from_utf8_lossy(rec.get(c).unwrap_or(b"")).to_string())
                        .collect(),
                    emerged: 0,
                    survival: Vec::new(),
                    cooperation: Vec::new(),
                    member_share: Vec::new(),
                });
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        let emerged = number(&rec, c_emerged, "emerged")?.unwrap_or(0.0) > 0.0;
        let rounds = number(&rec, c_rounds, "rounds")?.unwrap_or(0.0);
        let survival = match (emerged, number(&rec, c_round, "emergence_round")?) {
            (true, Some(t)) => stats::Survival::event(t),
            _ => stats::Survival::censored(rounds),
        };
        g.emerged += emerged as u64;
        g.survival.push(survival);
        g.cooperation
            .push(number(&rec, c_coop, "mean_cooperation")?.unwrap_or(f64::NAN));
        g.member_share
            .push(number(&rec, c_share, "final_member_share")?.unwrap_or(f64::NAN));
    }
    if let Some(p) = current.take() {
        flush(&p, &mut groups, &mut out)?;
    }
    out.flush().map_err(write_err)?;
    Ok(written)
}

// ---------------------------------------------------------------------------------------------
// The sweep command
// ---------------------------------------------------------------------------------------------

/// A point made concrete: its scenario and its axis cells.
struct PointRun {
    scenario: Scenario,
    /// `,`-joined, escaped axis cells (with a trailing comma when there are axes).
    axis_cells: String,
}

/// Everything a sweep needs to run any of its runs.
struct Sweep<'a> {
    base: &'a Scenario,
    base_dir: PathBuf,
    plan: Plan,
    replicates: u64,
    rule_sets: usize,
    columns: Vec<String>,
}

impl Sweep<'_> {
    fn point(&self, point: u64) -> Result<PointRun> {
        let values = self.plan.values(point);
        let sets = self.plan.overrides(point);
        let scenario = scenario::parse(&self.base.text, &self.base.source, &self.base_dir, &sets)
            .map_err(|e| self.point_error(point, &values, e))?;
        if scenario.rule_sets.len() != self.rule_sets {
            return Err(RegimeError::argument(
                "sweep",
                "the same rule sets at every point",
                format!("{} at point {point}", scenario.rule_sets.len()),
            ));
        }
        let mut axis_cells = String::new();
        for v in &values {
            push_field(&mut axis_cells, &v.to_cell());
            axis_cells.push(',');
        }
        Ok(PointRun {
            scenario,
            axis_cells,
        })
    }

    fn point_error(&self, point: u64, values: &[AxisValue], e: RegimeError) -> RegimeError {
        let at: Vec<String> = self
            .plan
            .spec
            .axes
            .iter()
            .zip(values)
            .map(|(a, v)| format!("{} = {}", a.key, v.to_toml()))
            .collect();
        let location = self
            .plan
            .spec
            .axes
            .first()
            .map(|a| a.location.clone())
            .or_else(|| self.plan.spec.rule_set_location.clone())
            .unwrap_or_default();
        RegimeError::field(
            location,
            "sweep.axes",
            "axis values that give a valid scenario at every point",
            format!("point {point} ({}), where {e}", at.join(", ")),
        )
    }

    /// Checks, before anything runs, that every axis path exists and that every listed value
    /// (or both ends of an interval) gives a valid scenario, naming the axis when not.
    fn check(&self) -> Result<()> {
        let spec = &self.plan.spec;
        let first: Vec<AxisValue> = spec.axes.iter().map(|a| a.probes()[0].clone()).collect();
        let text = &self.base.text;
        for a in &spec.axes {
            let paths: Vec<&str> = match &a.target {
                Target::Path(p) => vec![p.as_str()],
                Target::Linked(l) => l.iter().map(|x| x.path.as_str()).collect(),
            };
            for p in paths {
                let probe = format!("{p}=0");
                if let Err(e) = scenario::apply_sets(text, &[probe]) {
                    let found = match e {
                        RegimeError::InvalidField { found, .. } => found,
                        other => other.to_string(),
                    };
                    return Err(RegimeError::field(
                        a.location.clone(),
                        format!("sweep.axes.{}", quoted_key(&a.key)),
                        "a path into the scenario, as for --set (e.g. regime.min_member_share, rules.realist.relative_gains, blocs.*.discount, blocs[0].discount)",
                        found,
                    ));
                }
            }
        }
        // The rule-set axis alone, so that an unknown rule set is blamed on it.
        if let Some(rs) = self.plan.rule_set_override() {
            if let Err(e) = scenario::parse(text, &self.base.source, &self.base_dir, &[rs]) {
                return Err(RegimeError::field(
                    spec.rule_set_location.clone().unwrap_or_default(),
                    "sweep.axes.rule_set",
                    "realist, institutionalist, or rule sets defined in [rules.NAME] with a base",
                    format!("rule sets with which the scenario fails: {e}"),
                ));
            }
        }
        let jobs: Vec<(usize, AxisValue)> = spec
            .axes
            .iter()
            .enumerate()
            .flat_map(|(i, a)| a.probes().into_iter().map(move |v| (i, v)))
            .collect();
        let check_one = |(i, v): &(usize, AxisValue)| -> Result<()> {
            let mut sets = Vec::new();
            for (j, a) in spec.axes.iter().enumerate() {
                sets.extend(a.overrides(if j == *i { v } else { &first[j] }));
            }
            sets.extend(self.plan.rule_set_override());
            scenario::parse(text, &self.base.source, &self.base_dir, &sets)
                .map(|_| ())
                .map_err(|e| {
                    let a = &spec.axes[*i];
                    RegimeError::field(
                        a.location.clone(),
                        format!("sweep.axes.{}", quoted_key(&a.key)),
                        "values that give a valid scenario",
                        format!(
                            "the value {}, with which the scenario fails: {e}",
                            v.to_toml()
                        ),
                    )
                })
        };
        // Report the first failure in file order, whatever the thread count.
        let results: Vec<Result<()>> = jobs.par_iter().map(check_one).collect();
        results.into_iter().collect()
    }

    /// The rows of every run of one (point, replicate) cell.
    fn cell(&self, p: &PointRun, point: u64, replicate: u64, out: &mut String) -> u64 {
        let seed = derive_seed(self.plan.seed, &[point, replicate]);
        let w = world::generate(&p.scenario, seed);
        let cell = point * self.replicates + replicate;
        let mut pair_rounds = 0;
        for (k, (name, rules)) in p.scenario.rule_sets.iter().enumerate() {
            let run_id = cell * self.rule_sets as u64 + k as u64;
            let o = sim::run(
                &p.scenario,
                &w,
                rules,
                RunId {
                    run_id,
                    replicate,
                    seed,
                    rule_set: name.clone(),
                },
                Record::Summary,
            );
            pair_rounds += o.pair_rounds;
            let mut prefix = format!("{point},{replicate},{run_id},{seed},");
            push_field(&mut prefix, name);
            prefix.push(',');
            prefix.push_str(&p.axis_cells);
            for i in 0..o.summaries.len() {
                out.push_str(&prefix);
                for (j, f) in output::summary_fields(&p.scenario, &o, i)
                    .iter()
                    .enumerate()
                {
                    if j > 0 {
                        out.push(',');
                    }
                    push_field(out, f);
                }
                out.push('\n');
            }
        }
        pair_rounds
    }

    fn hash(&self) -> String {
        sweep_hash(self.base, self.plan.seed)
    }
}

/// SHA-256 identifying a sweep: tool version, master seed, scenario text (with its `[sweep]`
/// table and any `--set` overrides) and the resolved scenario (states and edges read from
/// files included). Shards of one sweep share it; `--resume` and `regime merge` check it.
pub fn sweep_hash(s: &Scenario, master_seed: u64) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(
        format!(
            "regime-sweep\n{}\n{master_seed}\n",
            env!("CARGO_PKG_VERSION")
        )
        .as_bytes(),
    );
    h.update(s.text.as_bytes());
    // The resolved scenario too, so that states and edges read from files count; not where the
    // file was read from, which differs between machines.
    let mut resolved = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = resolved.as_object_mut() {
        o.remove("source");
    }
    h.update(resolved.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// The partial directory: state, commits, resume
// ---------------------------------------------------------------------------------------------

const STATE_FILE: &str = "sweep-state.json";
const PROGRESS_FILE: &str = "sweep-progress";

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> RegimeError + '_ {
    move |source| RegimeError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a small file atomically and durably: temporary file, fsync, rename, fsync of the
/// directory.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(name);
    {
        let mut f = fs::File::create(&tmp).map_err(write_err(&tmp))?;
        f.write_all(bytes).map_err(write_err(&tmp))?;
        f.sync_all().map_err(write_err(&tmp))?;
    }
    fs::rename(&tmp, &path).map_err(write_err(&path))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<()> {
    // Directories cannot be opened for syncing everywhere; where they can, make renames durable.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Progress of a partial sweep: the next cell to run and the length of `runs.csv` up to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Progress {
    next_cell: u64,
    bytes: u64,
}

impl Progress {
    fn write(&self, dir: &Path) -> Result<()> {
        write_atomic(
            dir,
            PROGRESS_FILE,
            format!("{} {}\n", self.next_cell, self.bytes).as_bytes(),
        )
    }

    fn read(dir: &Path) -> Option<Progress> {
        let text = fs::read_to_string(dir.join(PROGRESS_FILE)).ok()?;
        let mut it = text.split_whitespace();
        let next_cell = it.next()?.parse().ok()?;
        let bytes = it.next()?.parse().ok()?;
        Some(Progress { next_cell, bytes })
    }
}

/// `<out>.partial`.
fn partial_path(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "out".into());
    name.push(".partial");
    out.with_file_name(name)
}

/// Locks the sweep state so that two processes never write one partial sweep.
fn lock_state(dir: &Path) -> Result<fs::File> {
    let path = dir.join(STATE_FILE);
    let f = fs::File::open(&path).map_err(|source| RegimeError::ReadInput {
        path: path.clone(),
        source,
    })?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(RegimeError::argument(
            "--out",
            "a partial sweep no other process is writing",
            format!(
                "{} is being written by another `regime sweep`",
                dir.display()
            ),
        )),
        Err(fs::TryLockError::Error(_)) => Ok(f), // file systems without locks: go on unlocked
    }
}

/// Writes `runs.csv` rows in the background and commits them (fsync, then progress) about
/// once a second, so that the workers never wait for the disk.
struct Committer {
    tx: Option<std::sync::mpsc::SyncSender<(Vec<String>, u64)>>,
    handle: Option<std::thread::JoinHandle<Result<Progress>>>,
}

impl Committer {
    fn start(dir: &Path, from: Progress) -> Result<Committer> {
        let runs = dir.join("runs.csv");
        let mut f = fs::OpenOptions::new()
            .write(true)
            .open(&runs)
            .map_err(write_err(&runs))?;
        f.set_len(from.bytes).map_err(write_err(&runs))?;
        f.seek(std::io::SeekFrom::End(0))
            .map_err(write_err(&runs))?;
        let dir = dir.to_path_buf();
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<String>, u64)>(1);
        let handle = std::thread::spawn(move || -> Result<Progress> {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            let mut progress = from;
            let mut last = Instant::now();
            let mut dirty = false;
            let commit = |w: &mut std::io::BufWriter<fs::File>, p: Progress| -> Result<()> {
                w.flush().map_err(write_err(&runs))?;
                w.get_ref().sync_data().map_err(write_err(&runs))?;
                p.write(&dir)
            };
            for (rows, next_cell) in rx {
                for r in rows {
                    w.write_all(r.as_bytes()).map_err(write_err(&runs))?;
                    progress.bytes += r.len() as u64;
                }
                progress.next_cell = next_cell;
                dirty = true;
                if last.elapsed() >= Duration::from_secs(1) {
                    commit(&mut w, progress)?;
                    last = Instant::now();
                    dirty = false;
                }
            }
            if dirty {
                commit(&mut w, progress)?;
            }
            Ok(progress)
        });
        Ok(Committer {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Hands over the rows of the cells before `next_cell`. Fails if the writer failed.
    fn send(&mut self, rows: Vec<String>, next_cell: u64) -> Result<()> {
        if let Some(tx) = &self.tx {
            if tx.send((rows, next_cell)).is_ok() {
                return Ok(());
            }
        }
        self.finish()?;
        Err(RegimeError::Write {
            path: PathBuf::from("runs.csv"),
            source: std::io::Error::other("the writer thread has stopped"),
        })
    }

    /// Commits what is left and returns the final progress.
    fn finish(&mut self) -> Result<Progress> {
        self.tx = None;
        match self.handle.take() {
            Some(h) => h.join().unwrap_or_else(|_| {
                Err(RegimeError::Write {
                    path: PathBuf::from("runs.csv"),
                    source: std::io::Error::other("the writer thread panicked"),
                })
            }),
            None => Err(RegimeError::Write {
                path: PathBuf::from("runs.csv"),
                source: std::io::Error::other("the writer thread has stopped"),
            }),
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Progress display
// ---------------------------------------------------------------------------------------------

/// A progress bar on a terminal; plain lines every 10 % or 30 s otherwise; nothing when quiet.
enum Display {
    Quiet,
    Bar(indicatif::ProgressBar),
    Lines {
        total: u64,
        start_done: u64,
        started: Instant,
        last_line: Instant,
        last_tenth: u64,
    },
}

impl Display {
    fn new(quiet: bool, total: u64, done: u64, name: &str) -> Display {
        use std::io::IsTerminal;
        if quiet {
            return Display::Quiet;
        }
        if std::io::stderr().is_terminal() {
            let pb = indicatif::ProgressBar::new(total);
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:40}] {pos}/{len} runs, {rate}, {eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0} runs/s", state.per_sec());
                    },
                )
                .progress_chars("=> "),
            );
            pb.set_message(format!("sweep {name}"));
            pb.set_position(done);
            pb.reset_eta();
            return Display::Bar(pb);
        }
        Display::Lines {
            total,
            start_done: done,
            started: Instant::now(),
            last_line: Instant::now(),
            last_tenth: done * 10 / total.max(1),
        }
    }

    fn update(&mut self, done: u64) {
        match self {
            Display::Quiet => {}
            Display::Bar(pb) => pb.set_position(done),
            Display::Lines {
                total,
                start_done,
                started,
                last_line,
                last_tenth,
            } => {
                let tenth = done * 10 / (*total).max(1);
                if tenth > *last_tenth || last_line.elapsed() >= Duration::from_secs(30) {
                    *last_tenth = tenth;
                    *last_line = Instant::now();
                    let secs = started.elapsed().as_secs_f64().max(1e-9);
                    let rate = (done - *start_done) as f64 / secs;
                    let left = if rate > 0.0 {
                        format!(", about {:.0} s left", (*total - done) as f64 / rate)
                    } else {
                        String::new()
                    };
                    eprintln!(
                        "sweep: {done}/{total} runs ({:.0} %), {rate:.1} runs/s{left}",
                        100.0 * done as f64 / (*total).max(1) as f64
                    );
                }
            }
        }
    }

    fn finish(self) {
        if let Display::Bar(pb) = self {
            pb.finish_and_clear();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/// Target wall time of one chunk of runs computed in parallel.
const CHUNK_SECONDS: f64 = 0.2;
/// Largest chunk, in (point, replicate) cells.
const MAX_CHUNK_CELLS: u64 = 1 << 16;
/// Largest chunk of rows held in memory, in bytes.
const MAX_CHUNK_BYTES: f64 = 32e6;
/// Largest number of points (parsed scenarios) in one chunk.
const MAX_CHUNK_POINTS: u64 = 256;

/// Where a sweep (or one shard of it) writes, and which runs it does.
struct Job {
    out: PathBuf,
    partial: PathBuf,
    hash: String,
    shard: Option<Shard>,
    /// Points of this shard.
    points: std::ops::Range<u64>,
    /// (point, replicate) cells of this shard: `point x replicates + replicate`.
    cells: std::ops::Range<u64>,
    runs: u64,
}

impl Job {
    fn shard_text(&self) -> Option<String> {
        self.shard.map(|sh| format!("{}/{}", sh.index, sh.count))
    }
}

/// How a sweep starts.
enum Begin {
    /// Run from this progress on, holding the lock of the partial directory.
    Run {
        from: Progress,
        resumed: bool,
        lock: fs::File,
    },
    /// An interrupted sweep had already finished; it has just been moved into place.
    Done(PathBuf),
}

/// Runs a sweep (see the module documentation and `docs/sweep.md`).
pub fn sweep_command(s: &Scenario, args: &SweepArgs, c: &Common) -> Result<()> {
    let started = Instant::now();
    let spec = SweepSpec::from_scenario(s)?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let base_dir = args
        .scenario
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let replicates = spec.replicates;
    let rule_sets = spec
        .rule_set_axis
        .as_ref()
        .map(Vec::len)
        .unwrap_or(s.rule_sets.len());
    let columns = spec.columns();
    let sweep = Sweep {
        base: s,
        base_dir,
        plan: Plan::new(spec, c.seed.unwrap_or(s.seed))?,
        replicates,
        rule_sets,
        columns,
    };
    let total_points = sweep.plan.points();
    let points = shard
        .map(|sh| sh.points(total_points))
        .unwrap_or(0..total_points);
    let cells = points.start * replicates..points.end * replicates;
    let out = c.out.clone().unwrap_or_else(|| {
        let mut name = format!("sweep-{}", s.name);
        if let Some(sh) = shard {
            name.push_str(&format!("-shard-{}-of-{}", sh.index, sh.count));
        }
        PathBuf::from("out").join(name)
    });
    if out.exists() && !c.force {
        return Err(RegimeError::OutputExists(out));
    }
    let job = Job {
        partial: partial_path(&out),
        out,
        hash: sweep.hash(),
        shard,
        runs: (cells.end - cells.start) * rule_sets as u64,
        points,
        cells,
    };
    let (from, resumed, lock) = match begin(&sweep, &job, args, c)? {
        Begin::Run {
            from,
            resumed,
            lock,
        } => (from, resumed, lock),
        Begin::Done(done) => {
            if !c.quiet {
                eprintln!(
                    "the sweep had finished before it was interrupted; outputs in {}",
                    done.display()
                );
            }
            return Ok(());
        }
    };
    let done_before = (from.next_cell - job.cells.start) * rule_sets as u64;
    let session = Instant::now();
    let pair_rounds = run_cells(&sweep, &job, from, c, done_before)?;
    let run_seconds = session.elapsed().as_secs_f64();

    // Finish: points.csv, figures, the manifest (whose presence marks a finished sweep), then
    // the state files go and the directory is renamed into place.
    let partial = &job.partial;
    let point_rows = points_from_runs(&partial.join("runs.csv"), &partial.join("points.csv"))?;
    if args.plots {
        let figs = crate::plot::sweep_figures(partial, &sweep.columns)?;
        if !c.quiet {
            eprintln!("drew {} figures", figs.len());
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let session_runs = job.runs - done_before;
    let manifest = manifest(
        &sweep,
        &job,
        resumed,
        Timing {
            seconds: elapsed,
            run_seconds,
            pair_rounds,
            threads: c.threads,
        },
        point_rows,
    );
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    write_atomic(partial, "manifest.json", format!("{text}\n").as_bytes())?;
    fs::remove_file(partial.join(PROGRESS_FILE)).map_err(write_err(partial))?;
    fs::remove_file(partial.join(STATE_FILE)).map_err(write_err(partial))?;
    drop(lock);
    sync_dir(partial)?;
    let done = finish_rename(partial, &job.out, c.force)?;
    if !c.quiet {
        eprintln!(
            "{} runs ({} points x {} replicates x {} rule sets{}) of `{}` in {:.2} s ({:.0} runs/s{}); outputs in {}",
            job.runs,
            job.points.end - job.points.start,
            replicates,
            rule_sets,
            shard
                .map(|sh| format!(", shard {}/{} of {total_points} points", sh.index, sh.count))
                .unwrap_or_default(),
            s.name,
            elapsed,
            session_runs as f64 / run_seconds.max(1e-9),
            if resumed {
                format!(", {session_runs} of them after resuming")
            } else {
                String::new()
            },
            done.display()
        );
    }
    Ok(())
}

/// Resumes the partial sweep, starts a fresh one, or refuses.
fn begin(sweep: &Sweep, job: &Job, args: &SweepArgs, c: &Common) -> Result<Begin> {
    let partial = &job.partial;
    if partial.exists() {
        if !args.resume && !c.force {
            return Err(RegimeError::argument(
                "--resume",
                format!(
                    "--resume to continue the interrupted sweep in {}, or --force to start it again",
                    partial.display()
                ),
                "neither",
            ));
        }
        if !args.resume {
            // --force: start again, unless another process is writing it right now.
            if partial.join(STATE_FILE).exists() {
                drop(lock_state(partial)?);
            }
            fs::remove_dir_all(partial).map_err(write_err(partial))?;
        } else {
            match read_partial(partial, &job.hash, job.shard_text().as_deref())? {
                PartialState::Running => {
                    let lock = lock_state(partial)?;
                    let p = Progress::read(partial).ok_or_else(|| {
                        RegimeError::argument(
                            "--resume",
                            "a partial sweep with a progress record",
                            format!("{} has none (use --force)", partial.display()),
                        )
                    })?;
                    if p.next_cell < job.cells.start || p.next_cell > job.cells.end {
                        return Err(RegimeError::argument(
                            "--resume",
                            "a progress record of this sweep",
                            format!("cell {} outside {:?}", p.next_cell, job.cells),
                        ));
                    }
                    return Ok(Begin::Run {
                        from: p,
                        resumed: true,
                        lock,
                    });
                }
                PartialState::Finished => {
                    return finish_rename(partial, &job.out, c.force).map(Begin::Done);
                }
                PartialState::Unstarted => {
                    fs::remove_dir_all(partial).map_err(write_err(partial))?;
                }
            }
        }
    }
    if args.resume && !c.quiet {
        eprintln!(
            "no interrupted sweep in {}: starting one",
            partial.display()
        );
    }
    sweep.check()?;
    // A fresh partial directory: runs.csv with its header, the progress record, then the state
    // file, whose presence says that the directory holds a started sweep.
    fs::create_dir_all(partial).map_err(write_err(partial))?;
    let header = csv_line(&runs_header(&sweep.columns));
    let runs = partial.join("runs.csv");
    {
        let mut f = fs::File::create(&runs).map_err(write_err(&runs))?;
        f.write_all(header.as_bytes()).map_err(write_err(&runs))?;
        f.sync_all().map_err(write_err(&runs))?;
    }
    let from = Progress {
        next_cell: job.cells.start,
        bytes: header.len() as u64,
    };
    from.write(partial)?;
    let state = serde_json::json!({
        "sweep_sha256": job.hash,
        "shard": job.shard_text(),
        "points": sweep.plan.points(),
        "cells": [job.cells.start, job.cells.end],
    });
    let text = serde_json::to_string_pretty(&state).unwrap_or_default();
    write_atomic(partial, STATE_FILE, text.as_bytes())?;
    Ok(Begin::Run {
        from,
        resumed: false,
        lock: lock_state(partial)?,
    })
}

/// Runs the cells from `from` to the end of the job: chunks of cells computed in parallel,
/// handed in order to the committer. Returns the pair-rounds played.
fn run_cells(
    sweep: &Sweep,
    job: &Job,
    from: Progress,
    c: &Common,
    done_before: u64,
) -> Result<u64> {
    let min_chunk = (4 * c.threads.max(1)) as u64;
    let replicates = sweep.replicates;
    let runs_per_cell = sweep.rule_sets as u64;
    let mut display = Display::new(c.quiet, job.runs, done_before, &sweep.base.name);
    let mut committer = Committer::start(&job.partial, from)?;
    let mut next = from.next_cell;
    let mut chunk = min_chunk;
    let mut cached: Option<(u64, Arc<PointRun>)> = None;
    let mut pair_rounds: u64 = 0;
    while next < job.cells.end {
        let t0 = Instant::now();
        let p0 = next / replicates;
        // At most MAX_CHUNK_POINTS scenarios are held at once.
        let end = (next + chunk)
            .min(job.cells.end)
            .min((p0 + MAX_CHUNK_POINTS) * replicates);
        let p1 = (end - 1) / replicates;
        let made: Vec<Result<Arc<PointRun>>> = (p0..=p1)
            .collect::<Vec<u64>>()
            .par_iter()
            .map(|&p| match &cached {
                Some((q, run)) if *q == p => Ok(run.clone()),
                _ => sweep.point(p).map(Arc::new),
            })
            .collect();
        let point_runs: Vec<Arc<PointRun>> = made.into_iter().collect::<Result<_>>()?;
        let results: Vec<(String, u64)> = (0..(end - next) as usize)
            .into_par_iter()
            .map(|i| {
                let cell = next + i as u64;
                let (point, replicate) = (cell / replicates, cell % replicates);
                let mut rows = String::new();
                let pr = sweep.cell(
                    &point_runs[(point - p0) as usize],
                    point,
                    replicate,
                    &mut rows,
                );
                (rows, pr)
            })
            .collect();
        cached = point_runs.last().map(|r| (p1, r.clone()));
        let bytes: usize = results.iter().map(|r| r.0.len()).sum();
        pair_rounds += results.iter().map(|r| r.1).sum::<u64>();
        committer.send(results.into_iter().map(|r| r.0).collect(), end)?;
        let cells_done = end - next;
        next = end;
        display.update((next - job.cells.start) * runs_per_cell);
        // Size the next chunk for about CHUNK_SECONDS of work and a bounded amount of memory.
        let per_cell = t0.elapsed().as_secs_f64() / cells_done as f64;
        let by_time = CHUNK_SECONDS / per_cell.max(1e-9);
        let by_bytes = MAX_CHUNK_BYTES / (bytes as f64 / cells_done as f64).max(1.0);
        chunk = (by_time.min(by_bytes) as u64).clamp(min_chunk, MAX_CHUNK_CELLS);
    }
    let last = committer.finish()?;
    display.finish();
    if last.next_cell != job.cells.end {
        return Err(RegimeError::Write {
            path: job.partial.join("runs.csv"),
            source: std::io::Error::other("not every run was written"),
        });
    }
    Ok(pair_rounds)
}

/// Machine-dependent figures of a session, for the manifest.
struct Timing {
    seconds: f64,
    run_seconds: f64,
    pair_rounds: u64,
    threads: usize,
}

/// What a `<out>.partial` directory holds.
enum PartialState {
    /// Setup did not finish: nothing to keep.
    Unstarted,
    /// Runs in progress.
    Running,
    /// Everything written; only the final rename is missing.
    Finished,
}

fn read_partial(partial: &Path, hash: &str, shard: Option<&str>) -> Result<PartialState> {
    let mismatch = |what: &str| {
        RegimeError::argument(
            "--resume",
            format!("the same sweep as the one interrupted in {} (scenario text, --set overrides, seed, --shard and tool version)", partial.display()),
            format!("a different {what}; use --force to start again"),
        )
    };
    let state_path = partial.join(STATE_FILE);
    let manifest_path = partial.join("manifest.json");
    let (path, state) = if state_path.exists() {
        (state_path, PartialState::Running)
    } else if manifest_path.exists() {
        (manifest_path, PartialState::Finished)
    } else {
        return Ok(PartialState::Unstarted);
    };
    let text = fs::read_to_string(&path).map_err(|source| RegimeError::ReadInput {
        path: path.clone(),
        source,
    })?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| RegimeError::Parse {
        location: Location {
            file: path.display().to_string(),
            line: Some(e.line()),
            column: Some(e.column()),
        },
        message: e.to_string(),
    })?;
    if v.get("sweep_sha256").and_then(|x| x.as_str()) != Some(hash) {
        return Err(mismatch("sweep"));
    }
    let recorded = match v.get("shard") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Object(o)) => match (o.get("index"), o.get("count")) {
            (Some(i), Some(n)) => Some(format!("{i}/{n}")),
            _ => None,
        },
        _ => None,
    };
    if recorded.as_deref() != shard {
        return Err(mismatch("--shard"));
    }
    Ok(state)
}

fn finish_rename(partial: &Path, out: &Path, force: bool) -> Result<PathBuf> {
    if out.exists() {
        if !force {
            return Err(RegimeError::OutputExists(out.to_path_buf()));
        }
        fs::remove_dir_all(out).map_err(write_err(out))?;
    }
    fs::rename(partial, out).map_err(write_err(out))?;
    if let Some(parent) = out.parent() {
        sync_dir(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        })?;
    }
    Ok(out.to_path_buf())
}

fn manifest(
    sweep: &Sweep,
    job: &Job,
    resumed: bool,
    t: Timing,
    point_rows: u64,
) -> serde_json::Value {
    let s = sweep.base;
    let spec = &sweep.plan.spec;
    let axes: Vec<serde_json::Value> = spec
        .axes
        .iter()
        .map(|a| {
            let levels = match &a.levels {
                Levels::List(l) => serde_json::json!({"values": l.iter().map(AxisValue::to_cell).collect::<Vec<_>>()}),
                Levels::Uniform { low, high } => serde_json::json!({"uniform": [low, high]}),
            };
            let target = match &a.target {
                Target::Path(p) => serde_json::json!({"path": p}),
                Target::Linked(l) => serde_json::json!({"links": l.iter().map(|x| serde_json::json!({"path": x.path, "at_0": x.at_zero, "at_1": x.at_one})).collect::<Vec<_>>()}),
            };
            serde_json::json!({"key": a.key, "column": a.column, "target": target, "levels": levels})
        })
        .collect();
    let rule_sets: Vec<String> = spec
        .rule_set_axis
        .clone()
        .unwrap_or_else(|| s.rule_sets.iter().map(|r| r.0.clone()).collect());
    serde_json::json!({
        "tool": "regime",
        "version": env!("CARGO_PKG_VERSION"),
        "command": "sweep",
        "arguments": std::env::args().collect::<Vec<_>>(),
        "scenario_source": s.source,
        "scenario_sha256": s.hash(),
        "sweep_sha256": job.hash,
        "scenario_text": s.text,
        "master_seed": sweep.plan.seed,
        "seed_rule": "run seed = derive_seed(master_seed, [point, replicate]), shared by the rule sets of a point",
        "design": spec.design.name(),
        "samples": spec.samples,
        "replicates": sweep.replicates,
        "axes": axes,
        "rule_sets": rule_sets,
        "rule_set_axis": spec.rule_set_axis.is_some(),
        "points": sweep.plan.points(),
        "shard": job.shard.map(|sh| serde_json::json!({"index": sh.index, "count": sh.count})),
        "shard_points": [job.points.start, job.points.end],
        "runs": job.runs,
        "points_rows": point_rows,
        "resumed": resumed,
        "threads": t.threads,
        "seconds": t.seconds,
        "run_seconds_this_session": t.run_seconds,
        "pair_rounds_this_session": t.pair_rounds,
        "note": "runs.csv and points.csv depend only on the scenario, the seed and the sweep table, never on threads, shards, interruptions or timing; `seconds`, `threads`, `resumed` and the session figures are the only machine-dependent fields."
    })
}

// ---------------------------------------------------------------------------------------------
// Merge
// ---------------------------------------------------------------------------------------------

/// Merges shard outputs.
///
/// Every directory must be a finished `regime sweep --shard I/N` output of the same sweep
/// (same `sweep_sha256` and N), and every shard 1..N must be given exactly once. Writes
/// `runs.csv` (the shards' rows in shard order), `points.csv` (recomputed from it) and a
/// `manifest.json`: the same CSVs, byte for byte, as one unsharded sweep.
pub fn merge_command(dirs: &[PathBuf], out: &Path, force: bool) -> Result<()> {
    let bad = |expected: String, found: String| RegimeError::argument("merge", expected, found);
    let mut shards: Vec<(u64, PathBuf, serde_json::Value)> = Vec::new();
    let mut reference: Option<(String, u64, PathBuf)> = None;
    for d in dirs {
        let mpath = d.join("manifest.json");
        if !mpath.exists() {
            let hint = if partial_path(d).exists() {
                format!(
                    " ({} exists: finish that shard with --resume first)",
                    partial_path(d).display()
                )
            } else {
                String::new()
            };
            return Err(bad(
                "finished sweep shard directories (each with manifest.json, runs.csv)".into(),
                format!("{}, which has no manifest.json{hint}", d.display()),
            ));
        }
        let text = fs::read_to_string(&mpath).map_err(|source| RegimeError::ReadInput {
            path: mpath.clone(),
            source,
        })?;
        let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| RegimeError::Parse {
            location: Location {
                file: mpath.display().to_string(),
                line: Some(e.line()),
                column: Some(e.column()),
            },
            message: e.to_string(),
        })?;
        if m.get("command").and_then(|x| x.as_str()) != Some("sweep") {
            return Err(bad(
                "outputs of `regime sweep --shard I/N`".into(),
                format!("{}, which is not a sweep output", d.display()),
            ));
        }
        let hash = m
            .get("sweep_sha256")
            .and_then(|x| x.as_str())
            .unwrap_or("")
            .to_string();
        let (index, count) = match m.get("shard") {
            Some(serde_json::Value::Object(o)) => (
                o.get("index").and_then(|x| x.as_u64()).unwrap_or(0),
                o.get("count").and_then(|x| x.as_u64()).unwrap_or(0),
            ),
            _ => (1, 1),
        };
        match &reference {
            None => reference = Some((hash.clone(), count, d.clone())),
            Some((h, n, first)) => {
                if *h != hash {
                    return Err(bad(
                        format!("shards of one sweep (same scenario, overrides, seed and version as {}, sweep_sha256 {})", first.display(), &h[..h.len().min(12)]),
                        format!("{}, a shard of another sweep (sweep_sha256 {})", d.display(), &hash[..hash.len().min(12)]),
                    ));
                }
                if *n != count {
                    return Err(bad(
                        format!("shards of one split into {n} (as {})", first.display()),
                        format!("{}, shard {index}/{count}", d.display()),
                    ));
                }
            }
        }
        if let Some((_, other, _)) = shards.iter().find(|(i, _, _)| *i == index) {
            return Err(bad(
                "every shard once".into(),
                format!(
                    "shard {index}/{count} twice: {} and {}",
                    other.display(),
                    d.display()
                ),
            ));
        }
        shards.push((index, d.clone(), m));
    }
    let Some((_, count, _)) = reference else {
        return Err(bad("at least one shard directory".into(), "none".into()));
    };
    let missing: Vec<String> = (1..=count)
        .filter(|i| !shards.iter().any(|(j, _, _)| j == i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(bad(
            format!("all {count} shards of the sweep"),
            format!(
                "shard{} {} missing",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            ),
        ));
    }
    shards.sort_by_key(|s| s.0);
    let dir = OutputDir::create(out, force)?;
    let merged = dir.file("runs.csv");
    {
        let f = fs::File::create(&merged).map_err(write_err(&merged))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let mut header: Option<String> = None;
        for (_, d, _) in &shards {
            let path = d.join("runs.csv");
            let f = fs::File::open(&path).map_err(|source| RegimeError::ReadInput {
                path: path.clone(),
                source,
            })?;
            let mut r = std::io::BufReader::with_capacity(1 << 20, f);
            let mut h = String::new();
            r.read_line(&mut h)
                .map_err(|source| RegimeError::ReadInput {
                    path: path.clone(),
                    source,
                })?;
            match &header {
                None => {
                    w.write_all(h.as_bytes()).map_err(write_err(&merged))?;
                    header = Some(h);
                }
                Some(first) if *first != h => {
                    return Err(bad(
                        "shards with the same runs.csv columns".into(),
                        format!("{} has other columns", path.display()),
                    ));
                }
                _ => {}
            }
            let mut buf = Vec::new();
            r.read_to_end(&mut buf)
                .map_err(|source| RegimeError::ReadInput {
                    path: path.clone(),
                    source,
                })?;
            w.write_all(&buf).map_err(write_err(&merged))?;
        }
        w.flush().map_err(write_err(&merged))?;
    }
    let point_rows = points_from_runs(&merged, &dir.file("points.csv"))?;
    let mut manifest = shards[0].2.clone();
    let total_runs: u64 = shards
        .iter()
        .map(|(_, _, m)| m.get("runs").and_then(|x| x.as_u64()).unwrap_or(0))
        .sum();
    let points = manifest.get("points").and_then(|x| x.as_u64()).unwrap_or(0);
    if let Some(o) = manifest.as_object_mut() {
        o.insert("shard".into(), serde_json::Value::Null);
        o.insert("shard_points".into(), serde_json::json!([0, points]));
        o.insert("runs".into(), serde_json::json!(total_runs));
        o.insert("points_rows".into(), serde_json::json!(point_rows));
        o.insert(
            "arguments".into(),
            serde_json::json!(std::env::args().collect::<Vec<_>>()),
        );
        o.insert(
            "merged_from".into(),
            serde_json::json!(shards
                .iter()
                .map(|(i, d, m)| serde_json::json!({
                    "shard": format!("{i}/{count}"),
                    "dir": d.display().to_string(),
                    "seconds": m.get("seconds"),
                    "threads": m.get("threads"),
                }))
                .collect::<Vec<_>>()),
        );
        for k in [
            "seconds",
            "threads",
            "resumed",
            "run_seconds_this_session",
            "pair_rounds_this_session",
        ] {
            o.remove(k);
        }
    }
    output::write_manifest(&dir, &manifest)?;
    dir.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_points() {
        for total in [0u64, 1, 7, 100, 101] {
            for n in 1..=9 {
                let mut next = 0;
                for i in 1..=n {
                    let r = Shard { index: i, count: n }.points(total);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
        assert!(Shard::parse("x").is_err());
        assert_eq!(Shard::parse("2/3").ok(), Some(Shard { index: 2, count: 3 }));
    }

    #[test]
    fn fields_are_quoted_like_the_csv_crate() {
        let mut s = String::new();
        push_field(&mut s, "a,b \"c\"");
        assert_eq!(s, "\"a,b \"\"c\"\"\"");
        assert_eq!(csv_line(&["x", "", "y"]), "x,,y\n");
    }

    #[test]
    fn ranges_are_written_as_decimals() {
        assert_eq!(round12(0.1 + 2.0 * 0.1), 0.3);
        assert_eq!(num(round12(0.5 + 9.0 * 0.05)), "0.95");
        assert_eq!(snake("blocs[0].discount"), "blocs_0_discount");
        assert_eq!(
            snake("rules.realist.relative_gains"),
            "rules_realist_relative_gains"
        );
    }
}
