//! One axis of the `[sweep]` table: its keys, its levels (`values`, `range` with `step`,
//! `uniform`), its links and its column name. Besides its sibling parts it may import only `error`
//! and `io`.

use super::columns::reserved_columns;
use super::spec::{
    describe_item, entry_span, is_column_name, quoted_key, round12, toml_number, Axis, AxisValue,
    Design, Levels, Link, Span, SpecReader, Target, AXIS_EXPECTED, AXIS_KEYS, MAX_RANGE_VALUES,
};
use crate::error::{did_you_mean, RegimeError, Result};
use crate::io::output::num;

/// Reads one axis `key = { ... }` of `[sweep.axes]` (`field` is its full name, `span` where it
/// is written): its keys, its levels, its column name and what it moves, in that order of
/// checks.
pub(super) fn read_axis(
    r: &SpecReader,
    design: Design,
    key: &str,
    field: &str,
    span: &Span,
    spec: &dyn toml_edit::TableLike,
) -> Result<Axis> {
    let t = AxisTable {
        r,
        key,
        field,
        span,
        spec,
    };
    t.check_keys()?;
    let levels = match t.levels_key()? {
        "values" => t.listed_values()?,
        "range" => t.range()?,
        _ => t.uniform(design)?,
    };
    let column = t.column_name()?;
    let target = t.target(&levels)?;
    if key == "rule_set" && column.is_some() {
        return Err(t.err_at(
            "name",
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

/// The table of one axis being read, with what its messages need.
struct AxisTable<'a> {
    r: &'a SpecReader<'a>,
    key: &'a str,
    field: &'a str,
    span: &'a Span,
    spec: &'a dyn toml_edit::TableLike,
}

impl AxisTable<'_> {
    /// The full name of the axis's key `k`, e.g. `sweep.axes.discount.step`.
    fn sub(&self, k: &str) -> String {
        format!("{}.{k}", self.field)
    }

    /// An error located at the axis's key `k`.
    fn err_at(
        &self,
        k: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> RegimeError {
        self.r
            .err(&entry_span(self.spec, k), &self.sub(k), expected, found)
    }

    /// An error located at the axis itself.
    fn err_here(&self, expected: impl Into<String>, found: impl Into<String>) -> RegimeError {
        self.r.err(self.span, self.field, expected, found)
    }

    /// The item of `k`, described for a message (`nothing` when absent).
    fn describe(&self, k: &str) -> String {
        describe_item(self.spec.get(k).unwrap_or(&toml_edit::Item::None))
    }

    /// Every key is one of [`AXIS_KEYS`].
    fn check_keys(&self) -> Result<()> {
        for (k, _) in self.spec.iter() {
            if !AXIS_KEYS.contains(&k) {
                return Err(self.err_at(
                    k,
                    format!("one of {}", AXIS_KEYS.join(", ")),
                    format!("unknown key `{k}`{}", did_you_mean(k, AXIS_KEYS)),
                ));
            }
        }
        Ok(())
    }

    /// Which of `values`, `range` and `uniform` gives the levels (exactly one; `step` only
    /// with `range`).
    fn levels_key(&self) -> Result<&'static str> {
        let given: Vec<&'static str> = ["values", "range", "uniform"]
            .into_iter()
            .filter(|k| self.spec.contains_key(k))
            .collect();
        if given.len() != 1 {
            return Err(self.err_here(
                format!("exactly one of `values`, `range` or `uniform`: {AXIS_EXPECTED}"),
                if given.is_empty() {
                    "none of them".to_string()
                } else {
                    given.join(" and ")
                },
            ));
        }
        if self.spec.contains_key("step") && given[0] != "range" {
            return Err(self.err_at(
                "step",
                "`step` only with `range = [a, b]`",
                "a step without a range",
            ));
        }
        Ok(given[0])
    }

    /// The array of key `k`.
    fn array_of(&self, k: &str) -> Result<&toml_edit::Array> {
        let it = self
            .spec
            .get(k)
            .ok_or_else(|| self.r.err(self.span, &self.sub(k), "a value", "none"))?;
        it.as_array()
            .ok_or_else(|| self.err_at(k, "an array", describe_item(it)))
    }

    /// `k = [a, b]`: two finite numbers with a <= b, and whether both are integers.
    fn two_numbers(&self, k: &str) -> Result<(f64, f64, bool)> {
        let a = self.array_of(k)?;
        let nums: Vec<f64> = a.iter().filter_map(toml_number).collect();
        if a.len() != 2 || nums.len() != 2 || !nums.iter().all(|x| x.is_finite()) {
            return Err(self.err_at(
                k,
                format!("two finite numbers: {k} = [a, b]"),
                self.describe(k),
            ));
        }
        if nums[0] > nums[1] {
            return Err(self.err_at(
                k,
                format!("{k} = [a, b] with a <= b"),
                format!("[{}, {}]", nums[0], nums[1]),
            ));
        }
        let ints = a.iter().all(|v| v.as_integer().is_some());
        Ok((nums[0], nums[1], ints))
    }

    /// `values = [...]`: a non-empty list of distinct values of one kind.
    fn listed_values(&self) -> Result<Levels> {
        let a = self.array_of("values")?;
        if a.is_empty() {
            return Err(self.err_at("values", "a non-empty list of values", "[]"));
        }
        let mut list: Vec<AxisValue> = Vec::new();
        for v in a.iter() {
            let x = self.axis_value(v)?;
            if let Some(first) = list.first() {
                if value_kind(first) != value_kind(&x) {
                    return Err(self.err_at(
                        "values",
                        "values of one kind (all numbers, all true/false or all strings)",
                        self.describe("values"),
                    ));
                }
            }
            if list.iter().any(|y| y.to_cell() == x.to_cell()) {
                return Err(self.err_at(
                    "values",
                    "distinct values",
                    format!("{} twice", x.to_toml()),
                ));
            }
            list.push(x);
        }
        Ok(Levels::List(list))
    }

    /// One listed value: a number, true/false or a string.
    fn axis_value(&self, v: &toml_edit::Value) -> Result<AxisValue> {
        Ok(match v {
            toml_edit::Value::Integer(i) => AxisValue::Int(*i.value()),
            toml_edit::Value::Float(f) if f.value().is_finite() => AxisValue::Float(*f.value()),
            toml_edit::Value::Boolean(b) => AxisValue::Bool(*b.value()),
            toml_edit::Value::String(s) => AxisValue::Text(s.value().clone()),
            other => {
                let mut o = other.clone();
                o.decor_mut().clear();
                return Err(self.err_at("values", "numbers, true/false or strings", o.to_string()));
            }
        })
    }

    /// `range = [a, b], step = s`: the values a, a + s, ... up to b (integers when all three
    /// are), at most [`MAX_RANGE_VALUES`] of them.
    fn range(&self) -> Result<Levels> {
        let (a, b, ints) = self.two_numbers("range")?;
        let step_item = self.spec.get("step").ok_or_else(|| {
            self.r.err(
                &entry_span(self.spec, "range"),
                &self.sub("step"),
                "a step > 0 with range = [a, b]",
                "none",
            )
        })?;
        let step = step_item
            .as_value()
            .and_then(toml_number)
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.err_at("step", "a number > 0", describe_item(step_item)))?;
        if step <= 0.0 {
            return Err(self.err_at("step", "a number > 0", num(step)));
        }
        let count = ((b - a) / step + 1e-9).floor() + 1.0;
        if count > MAX_RANGE_VALUES as f64 {
            return Err(self.err_at(
                "step",
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
        Ok(Levels::List(list))
    }

    /// `uniform = [a, b]`: an interval, only in sampled designs.
    fn uniform(&self, design: Design) -> Result<Levels> {
        let (low, high, _) = self.two_numbers("uniform")?;
        if design == Design::Grid {
            return Err(self.err_at(
                "uniform",
                "`values` or `range` in a grid (`uniform` needs design = \"random\" or \"latin_hypercube\")",
                format!("uniform = [{}, {}]", num(low), num(high)),
            ));
        }
        Ok(Levels::Uniform { low, high })
    }

    /// `name = "..."`: the axis's column, in snake_case, if given.
    fn column_name(&self) -> Result<Option<String>> {
        match self.spec.get("name") {
            None => Ok(None),
            Some(it) => match it.as_str() {
                Some(n) if is_column_name(n) => Ok(Some(n.to_string())),
                _ => Err(self.err_at(
                    "name",
                    "a column name in snake_case (a-z, 0-9, _)",
                    describe_item(it),
                )),
            },
        }
    }

    /// What the axis moves: its own path, or the paths of its `links`.
    fn target(&self, levels: &Levels) -> Result<Target> {
        match self.spec.get("links") {
            Some(links_item) => self.linked(links_item, levels),
            None => {
                if self.key != "rule_set" {
                    check_axis_path(self.r, self.span, self.field, self.key)?;
                }
                Ok(Target::Path(self.key.to_string()))
            }
        }
    }

    /// `links = { "path" = [at 0, at 1], ... }` on a numeric axis named in snake_case.
    fn linked(&self, links_item: &toml_edit::Item, levels: &Levels) -> Result<Target> {
        if self.key == "rule_set" {
            return Err(self.err_at("links", "no links on the rule_set axis", "links"));
        }
        if !is_column_name(self.key) {
            return Err(self.err_here("a linked axis named in snake_case (it names the column), e.g. `continuum = { range = [0, 1], step = 0.1, links = { ... } }`", format!("`{}`", self.key)));
        }
        let lt = links_item.as_table_like().ok_or_else(|| {
            self.err_at(
                "links",
                "a table of paths and their ends: { \"rules.mix.monitoring\" = [0.0, 0.8], ... }",
                describe_item(links_item),
            )
        })?;
        if lt.is_empty() {
            return Err(self.err_at("links", "at least one linked path", "an empty table"));
        }
        let mut links = Vec::new();
        for (path, it) in lt.iter() {
            links.push(self.link(lt, path, it)?);
        }
        if let Levels::List(l) = levels {
            if l.iter().any(|v| v.as_f64().is_none()) {
                return Err(self.err_here(
                    "numbers (the position between the two ends) on a linked axis",
                    "values that are not numbers",
                ));
            }
        }
        Ok(Target::Linked(links))
    }

    /// One linked path and its two ends.
    fn link(
        &self,
        lt: &dyn toml_edit::TableLike,
        path: &str,
        it: &toml_edit::Item,
    ) -> Result<Link> {
        let lf = format!("{}.{}", self.sub("links"), quoted_key(path));
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
            return Err(self.r.err(
                &entry_span(lt, path),
                &lf,
                "two numbers [value at 0, value at 1]",
                describe_item(it),
            ));
        }
        check_axis_path(self.r, &entry_span(lt, path), &lf, path)?;
        Ok(Link {
            path: path.to_string(),
            at_zero: ends[0],
            at_one: ends[1],
        })
    }
}

/// Numbers, switches and words: the kinds a list of values may not mix.
fn value_kind(x: &AxisValue) -> u8 {
    match x {
        AxisValue::Int(_) | AxisValue::Float(_) => 0,
        AxisValue::Bool(_) => 1,
        AxisValue::Text(_) => 2,
    }
}

/// Rejects paths that a sweep cannot move (they would be silently ignored or change the sweep).
pub(super) fn check_axis_path(r: &SpecReader, span: &Span, field: &str, path: &str) -> Result<()> {
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
pub(super) fn name_columns(
    r: &SpecReader,
    axes: &mut [Axis],
    table: &dyn toml_edit::TableLike,
) -> Result<()> {
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

pub(super) fn snake(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
