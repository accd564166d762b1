//! One axis of the `[sweep]` table: its keys, its levels (`values`, `range` with `step`,
//! `uniform`), its links and its column name. Imports only `error`, `io` and `spec`/`columns`.

use super::columns::reserved_columns;
use super::spec::{
    describe_item, entry_span, is_column_name, quoted_key, round12, toml_number, Axis, AxisValue,
    Design, Levels, Link, Span, SpecReader, Target, AXIS_EXPECTED, AXIS_KEYS, MAX_RANGE_VALUES,
};
use crate::error::{did_you_mean, Result};
use crate::io::output::num;

pub(super) fn read_axis(
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
