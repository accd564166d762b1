//! Locating and range-checking values: the [`Validator`] that turns a dotted field path into
//! the file, line and column of an error (or the `--set` that wrote the value), and the
//! position helpers it uses.
//!
//! Part of `io::scenario`; may import the model's value types and `error`, nothing from
//! `engine`, `analysis`, `plot` or clap.

use super::limits::{MAX_POWER, MAX_VALUE};
use super::overrides::{parse_path, path_matches, Seg};
use crate::error::{split_expected_found, Location, RegimeError, Result};
use crate::model::strategy::Strategy;
use crate::model::Dist;

/// Converts a byte offset into 1-based line and column.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Finds the span of the item at a dotted path like `blocs[2].discount` in the parsed text.
pub(super) fn locate(
    doc: &toml_edit::ImDocument<String>,
    path: &str,
) -> Option<std::ops::Range<usize>> {
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
pub(super) fn path_at(doc: &toml_edit::ImDocument<String>, offset: usize) -> Option<String> {
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

/// Locates fields for error messages.
pub struct Validator<'a> {
    pub(super) file: String,
    pub(super) text: &'a str,
    pub(super) doc: &'a toml_edit::ImDocument<String>,
    pub(super) sets: Vec<(Vec<Seg>, String)>,
}

impl Validator<'_> {
    pub(super) fn loc(&self, path: &str) -> Location {
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

    pub(super) fn err(
        &self,
        path: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> RegimeError {
        RegimeError::field(self.loc(path), path, expected, found)
    }

    pub(super) fn finite(&self, path: &str, x: f64) -> Result<()> {
        if x.is_finite() {
            Ok(())
        } else {
            Err(self.err(path, "a finite number", x.to_string()))
        }
    }

    pub(super) fn unit(&self, path: &str, x: f64) -> Result<()> {
        if (0.0..=1.0).contains(&x) {
            Ok(())
        } else {
            Err(self.err(path, "a number in [0, 1]", x.to_string()))
        }
    }

    pub(super) fn range(&self, path: &str, x: f64, lo: f64, hi: f64) -> Result<()> {
        if x >= lo && x <= hi {
            Ok(())
        } else {
            Err(self.err(path, format!("a number in [{lo}, {hi}]"), x.to_string()))
        }
    }

    pub(super) fn open_unit(&self, path: &str, x: f64) -> Result<()> {
        if x > 0.0 && x < 1.0 {
            Ok(())
        } else {
            Err(self.err(path, "a number in (0, 1)", x.to_string()))
        }
    }

    pub(super) fn non_negative(&self, path: &str, x: f64) -> Result<()> {
        if x >= 0.0 && x.is_finite() {
            Ok(())
        } else {
            Err(self.err(path, "a number >= 0", x.to_string()))
        }
    }

    pub(super) fn positive(&self, path: &str, x: f64) -> Result<()> {
        if x > 0.0 && x.is_finite() {
            Ok(())
        } else {
            Err(self.err(path, "a number > 0", x.to_string()))
        }
    }

    pub(super) fn strategy(&self, path: &str, s: &str) -> Result<Strategy> {
        Strategy::parse(s).map_err(|e| {
            let (expected, found) = split_expected_found(&e);
            let found = match found {
                Some(f) if f.trim_matches('`') != s => format!("{f} in `{s}`"),
                Some(f) => f,
                None => format!("`{s}`"),
            };
            self.err(path, format!("a strategy: {expected}"), found)
        })
    }

    pub(super) fn dist(
        &self,
        path: &str,
        d: &Dist,
        lo: f64,
        hi: f64,
        positive: bool,
    ) -> Result<()> {
        let check = |x: f64| -> Result<()> {
            self.finite(path, x)?;
            if positive {
                self.positive(path, x)?;
            }
            self.range(path, x, lo, hi)
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
                self.range(path, mean, -MAX_POWER, MAX_POWER)?;
                self.range(path, sd, 0.0, MAX_POWER)
            }
            Dist::Pareto { scale, shape } => {
                self.positive(path, scale)?;
                self.range(path, scale, 0.0, hi.min(MAX_POWER))?;
                self.positive(path, shape)?;
                self.range(path, shape, 0.0, MAX_VALUE)
            }
        }
    }
}
