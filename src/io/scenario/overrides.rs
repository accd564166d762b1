//! `--set path=value` overrides: dotted paths into the scenario (`blocs[2].discount`,
//! `blocs.*.discount`), their parsing, and their application to the TOML document before it is
//! deserialised.
//!
//! Part of `io::scenario`; may import `error`, nothing from the model, `engine`, `analysis`,
//! `plot` or clap.

use crate::error::{Location, RegimeError, Result};

/// One step of a dotted path: a key or an array index.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
    Any,
}

pub(super) fn parse_path(path: &str) -> std::result::Result<Vec<Seg>, String> {
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

/// True when a `--set` path (with `*` wildcards) names the field path `field`.
pub(super) fn path_matches(set: &[Seg], field: &[Seg]) -> bool {
    set.len() == field.len()
        && set.iter().zip(field).all(|(a, b)| match (a, b) {
            (Seg::Any, _) => true,
            (Seg::Key(x), Seg::Key(y)) => x == y,
            (Seg::Index(i), Seg::Index(j)) => i == j,
            (Seg::Key(x), Seg::Index(j)) | (Seg::Index(j), Seg::Key(x)) => x == &j.to_string(),
            _ => false,
        })
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
        let value = parse_value(raw.trim()).ok_or_else(|| {
            RegimeError::field(
                Location {
                    file: format!("--set {set} (command line)"),
                    line: None,
                    column: None,
                },
                path,
                "a number TOML can hold (a whole number from -2^63 to 2^63 - 1, or a decimal \
                 number of at most about ±1.8e308)",
                raw.trim(),
            )
        })?;
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

/// A `--set` value as TOML; a bare word is a string. A number TOML cannot hold (beyond the
/// range of a 64-bit integer or float) is `None`, not the string it would otherwise become.
fn parse_value(raw: &str) -> Option<toml_edit::Value> {
    let doc = format!("v = {raw}");
    if let Ok(d) = doc.parse::<toml_edit::DocumentMut>() {
        if let Some(v) = d.get("v").and_then(|i| i.as_value()) {
            let mut v = v.clone();
            v.decor_mut().clear();
            return Some(v);
        }
    }
    let digits = raw.trim_start_matches(['+', '-', '.']);
    let numeric = digits.starts_with(|c: char| c.is_ascii_digit())
        && raw.replace('_', "").parse::<f64>().is_ok();
    (!numeric).then(|| toml_edit::Value::from(raw))
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
