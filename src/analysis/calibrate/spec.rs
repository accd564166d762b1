//! The `[calibrate]` table: method and its settings, the parameters with their priors, and the
//! targets (read by `target`). Every problem is named by file, line and field. Besides its
//! sibling parts it may import only `error`, `io`, `analysis::abc` and the sweep's table reader.

use super::target::{read_target, Target};
use crate::analysis::abc::{Accept, Method, Prior};
use crate::analysis::sweep::spec::{
    describe_item, entry_span, item_span, parse_text, quoted_key, toml_number, Span, SpecReader,
};
use crate::error::{did_you_mean, Location, RegimeError, Result};
use crate::io::scenario::Scenario;

/// One parameter to fit: a `--set` path and its prior.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The `--set` path, e.g. `rules.institutionalist.monitoring`; also its column.
    pub path: String,
    /// Its prior.
    pub prior: Prior,
    /// Listed whole numbers, written as TOML integers (e.g. `regime.veto_players`).
    pub integer: bool,
    /// Where it is written.
    pub location: Location,
}

impl Parameter {
    /// The `--set` override that puts the parameter at `x`.
    pub fn set(&self, x: f64) -> String {
        if self.integer {
            format!("{}={}", self.path, x as i64)
        } else {
            format!("{}={}", self.path, toml_edit::Value::from(x))
        }
    }
}

/// A parsed `[calibrate]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrateSpec {
    /// Rejection or SMC, with their settings.
    pub method: Method,
    /// The rule set simulated (default: the scenario's first).
    pub rule_set: String,
    /// Runs per particle (default 1); statistics are averaged over them.
    pub replicates: u64,
    /// Most simulations an SMC particle may take.
    pub max_simulations: u64,
    /// Parameters, in file order.
    pub parameters: Vec<Parameter>,
    /// Targets, in file order.
    pub targets: Vec<Target>,
    /// Where the table is written.
    pub location: Location,
    /// Where `rule_set` is written.
    pub rule_set_location: Location,
}

const ALL_KEYS: [&str; 13] = [
    "method",
    "rule_set",
    "replicates",
    "population",
    "generations",
    "final_tolerance",
    "quantile",
    "draws",
    "accept",
    "tolerance",
    "max_simulations",
    "parameters",
    "targets",
];
const PRIOR_EXPECTED: &str =
    "{ uniform = [low, high] }, { log_uniform = [low, high] } with 0 < low, or { values = [...] } (see docs/calibration.md)";

/// The `[calibrate]` table being read.
pub(super) struct Reader<'a> {
    pub(super) r: SpecReader<'a>,
}

impl Reader<'_> {
    /// An error at key `k` of table `t` (whose full name is `prefix`).
    pub(super) fn err_at(
        &self,
        t: &dyn toml_edit::TableLike,
        prefix: &str,
        k: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> RegimeError {
        self.r.err(
            &entry_span(t, k),
            &format!("{prefix}.{}", quoted_key(k)),
            expected,
            found,
        )
    }

    /// Every key of `t` is one of `keys`.
    pub(super) fn check_keys(
        &self,
        t: &dyn toml_edit::TableLike,
        prefix: &str,
        keys: &[&str],
    ) -> Result<()> {
        for (k, _) in t.iter() {
            if !keys.contains(&k) {
                return Err(self.err_at(
                    t,
                    prefix,
                    k,
                    format!("one of {}", keys.join(", ")),
                    format!("unknown key `{k}`{}", did_you_mean(k, keys.iter().copied())),
                ));
            }
        }
        Ok(())
    }

    /// A number in [low, high] under `k`, or `default`.
    pub(super) fn number(
        &self,
        t: &dyn toml_edit::TableLike,
        prefix: &str,
        k: &str,
        range: (f64, f64),
        default: Option<f64>,
    ) -> Result<f64> {
        let Some(it) = t.get(k) else {
            return default.ok_or_else(|| {
                self.r
                    .err(&table_span(t), &format!("{prefix}.{k}"), "a number", "none")
            });
        };
        match it.as_value().and_then(toml_number) {
            Some(x) if x >= range.0 && x <= range.1 => Ok(x),
            _ => Err(self.err_at(
                t,
                prefix,
                k,
                format!("a number in [{}, {}]", range.0, range.1),
                describe_item(it),
            )),
        }
    }

    /// A whole number in [1, max] under `k`, or `default`.
    pub(super) fn count(
        &self,
        t: &dyn toml_edit::TableLike,
        prefix: &str,
        k: &str,
        max: u64,
        default: u64,
    ) -> Result<u64> {
        match t.get(k) {
            None => Ok(default),
            Some(it) => match it.as_integer() {
                Some(n) if n >= 1 && (n as u64) <= max => Ok(n as u64),
                _ => Err(self.err_at(
                    t,
                    prefix,
                    k,
                    format!("a whole number in [1, {max}]"),
                    describe_item(it),
                )),
            },
        }
    }

    /// A string under `k`, if given.
    pub(super) fn text(
        &self,
        t: &dyn toml_edit::TableLike,
        prefix: &str,
        k: &str,
    ) -> Result<Option<String>> {
        match t.get(k) {
            None => Ok(None),
            Some(it) => it
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| self.err_at(t, prefix, k, "a string", describe_item(it))),
        }
    }

    /// The sub-table `k` of `t`, required.
    pub(super) fn table<'d>(
        &self,
        t: &'d dyn toml_edit::TableLike,
        prefix: &str,
        k: &str,
        example: &str,
    ) -> Result<&'d dyn toml_edit::TableLike> {
        let it = t.get(k).ok_or_else(|| {
            self.r
                .err(&table_span(t), &format!("{prefix}.{k}"), example, "none")
        })?;
        let sub = it
            .as_table_like()
            .ok_or_else(|| self.err_at(t, prefix, k, "a table", describe_item(it)))?;
        if sub.is_empty() {
            return Err(self.err_at(t, prefix, k, example, "an empty table"));
        }
        Ok(sub)
    }
}

/// Where a table's first entry is written (for a key missing from it).
pub(super) fn table_span(t: &dyn toml_edit::TableLike) -> Span {
    t.iter()
        .next()
        .and_then(|(k, _)| entry_span(t, k))
        .map(|s| s.start..s.start)
}

impl CalibrateSpec {
    /// Reads the `[calibrate]` table of a scenario (from its text, so that errors name the line).
    pub fn from_scenario(s: &Scenario) -> Result<CalibrateSpec> {
        let rd = Reader {
            r: SpecReader::new(&s.source, &s.text),
        };
        let doc = parse_text(&rd.r)?;
        let Some(item) = doc.as_table().get("calibrate") else {
            return Err(rd.r.err(
                &None,
                "calibrate",
                "a [calibrate] table with `parameters` and `targets` (see docs/calibration.md and scenarios/calibrate/teaching-labour.toml)",
                "none",
            ));
        };
        let location = rd.r.loc(&item_span(item));
        let t = item.as_table_like().ok_or_else(|| {
            rd.r.err(
                &item_span(item),
                "calibrate",
                "a table",
                describe_item(item),
            )
        })?;
        rd.check_keys(t, "calibrate", &ALL_KEYS)?;
        let method = read_method(&rd, t)?;
        let default_rule_set = s.rule_sets.first().map(|r| r.0.clone()).unwrap_or_default();
        let rule_set = rd
            .text(t, "calibrate", "rule_set")?
            .unwrap_or(default_rule_set);
        let parameters = read_parameters(&rd, t)?;
        let targets_table = rd.table(
            t,
            "calibrate",
            "targets",
            "a table of targets, e.g. [calibrate.targets] refugees = { statistic = \"member_share\", issue = \"refugees\", observed = 0.76, scale = 0.1 }",
        )?;
        let mut targets = Vec::new();
        for (key, it) in targets_table.iter() {
            targets.push(read_target(&rd, targets_table, key, it, s)?);
        }
        Ok(CalibrateSpec {
            method,
            rule_set,
            replicates: rd.count(t, "calibrate", "replicates", 10_000, 1)?,
            max_simulations: rd.count(t, "calibrate", "max_simulations", 1 << 40, 1000)?,
            parameters,
            targets,
            location,
            rule_set_location: rd.r.loc(&entry_span(t, "rule_set")),
        })
    }
}

/// `method` and the keys that go with it.
fn read_method(rd: &Reader, t: &dyn toml_edit::TableLike) -> Result<Method> {
    let method = rd.text(t, "calibrate", "method")?.unwrap_or("smc".into());
    let (own, other): (&[&str], &[&str]) = match method.as_str() {
        "smc" => (
            &["population", "generations", "final_tolerance", "quantile"],
            &["draws", "accept", "tolerance"],
        ),
        "rejection" => (
            &["draws", "accept", "tolerance"],
            &["population", "generations", "final_tolerance", "quantile"],
        ),
        m => {
            return Err(rd.err_at(
                t,
                "calibrate",
                "method",
                "\"smc\" or \"rejection\"",
                format!("\"{m}\"{}", did_you_mean(m, ["smc", "rejection"])),
            ))
        }
    };
    if let Some(k) = other.iter().find(|k| t.contains_key(k)) {
        return Err(rd.err_at(
            t,
            "calibrate",
            k,
            format!("only the keys of method = \"{method}\": {}", own.join(", ")),
            format!("`{k}`, a key of the other method"),
        ));
    }
    if method == "rejection" {
        let draws = rd.count(t, "calibrate", "draws", 1 << 40, 1000)?;
        let accept = match (t.contains_key("accept"), t.contains_key("tolerance")) {
            (true, true) => return Err(rd.err_at(
                t,
                "calibrate",
                "tolerance",
                "either `accept` (the fraction kept) or `tolerance` (the largest distance kept)",
                "both",
            )),
            (_, true) => {
                Accept::Tolerance(rd.number(t, "calibrate", "tolerance", (0.0, f64::MAX), None)?)
            }
            _ => Accept::Fraction(rd.number(t, "calibrate", "accept", (1e-9, 1.0), Some(0.1))?),
        };
        return Ok(Method::Rejection { draws, accept });
    }
    Ok(Method::Smc {
        population: rd.count(t, "calibrate", "population", 1 << 32, 200)?,
        generations: rd.count(t, "calibrate", "generations", 1000, 10)?,
        final_tolerance: rd.number(
            t,
            "calibrate",
            "final_tolerance",
            (0.0, f64::MAX),
            Some(0.0),
        )?,
        quantile: rd.number(t, "calibrate", "quantile", (0.01, 0.99), Some(0.5))?,
    })
}

/// `[calibrate.parameters]`: `"path" = { uniform | log_uniform | values = ... }`.
fn read_parameters(rd: &Reader, t: &dyn toml_edit::TableLike) -> Result<Vec<Parameter>> {
    let p = rd.table(
        t,
        "calibrate",
        "parameters",
        "a table of parameters, e.g. [calibrate.parameters] \"rules.institutionalist.monitoring\" = { uniform = [0.1, 0.9] }",
    )?;
    let mut out = Vec::new();
    for (path, it) in p.iter() {
        let field = format!("calibrate.parameters.{}", quoted_key(path));
        let span = entry_span(p, path);
        let spec = it
            .as_table_like()
            .ok_or_else(|| rd.r.err(&span, &field, PRIOR_EXPECTED, describe_item(it)))?;
        let keys: Vec<&str> = spec.iter().map(|(k, _)| k).collect();
        if keys.len() != 1 {
            return Err(rd.r.err(
                &span,
                &field,
                format!("exactly one of uniform, log_uniform, values: {PRIOR_EXPECTED}"),
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.join(" and ")
                },
            ));
        }
        let (prior, integer) = read_prior(rd, spec, &field, keys[0])?;
        out.push(Parameter {
            path: path.to_string(),
            prior,
            integer,
            location: rd.r.loc(&span),
        });
    }
    Ok(out)
}

/// One prior: its kind and numbers.
fn read_prior(
    rd: &Reader,
    spec: &dyn toml_edit::TableLike,
    field: &str,
    kind: &str,
) -> Result<(Prior, bool)> {
    let it = spec.get(kind).unwrap_or(&toml_edit::Item::None);
    let bad = |expected: &str| rd.err_at(spec, field, kind, expected, describe_item(it));
    let arr = it.as_array().ok_or_else(|| bad("an array"))?;
    let nums: Vec<f64> = arr.iter().filter_map(toml_number).collect();
    if nums.len() != arr.len() || nums.iter().any(|x| !x.is_finite()) {
        return Err(bad("finite numbers"));
    }
    match kind {
        "uniform" | "log_uniform" => {
            let positive = kind == "log_uniform";
            if nums.len() != 2 || nums[0] >= nums[1] || (positive && nums[0] <= 0.0) {
                return Err(bad(if positive {
                    "[low, high] with 0 < low < high"
                } else {
                    "[low, high] with low < high"
                }));
            }
            let (low, high) = (nums[0], nums[1]);
            let prior = if positive {
                Prior::LogUniform { low, high }
            } else {
                Prior::Uniform { low, high }
            };
            Ok((prior, false))
        }
        "values" => {
            let mut sorted = nums.clone();
            sorted.sort_by(f64::total_cmp);
            sorted.dedup();
            if nums.is_empty() || sorted.len() != nums.len() {
                return Err(bad("a non-empty list of distinct numbers"));
            }
            let integer = arr.iter().all(|v| v.as_integer().is_some());
            Ok((Prior::Values(nums), integer))
        }
        k => Err(rd.err_at(
            spec,
            field,
            k,
            PRIOR_EXPECTED,
            format!(
                "unknown key `{k}`{}",
                did_you_mean(k, ["uniform", "log_uniform", "values"])
            ),
        )),
    }
}
