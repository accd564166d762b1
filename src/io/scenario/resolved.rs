//! The scenario as `regime validate` prints it: a scenario file that `regime run` reads back to
//! the same results, with every default filled in, the states of `states_file` listed one by
//! one, every rule set of `rule_sets` expanded into a `[rules.NAME]` table with every
//! mechanism, and the paths of the edge list and of the fora file made absolute.
//!
//! Built from the file's own serde types, so a field added to the format is printed without
//! a change here.

use super::file::ScenarioFile;
use super::states_csv::read_states_csv;
use super::validate::Validator;
use super::Scenario;
use crate::error::{Location, RegimeError, Result};
use serde_json::Value;
use std::path::Path;

/// The resolved scenario as TOML text. `base_dir` is the folder relative paths start from.
pub fn resolved_toml(s: &Scenario, base_dir: &Path) -> Result<String> {
    let mut raw: ScenarioFile = toml::from_str(&s.text).map_err(|e| unprintable(s, e))?;
    inline_states_file(&mut raw, s, base_dir)?;
    if let Some(f) = &raw.topology.file {
        raw.topology.file = Some(absolute(&base_dir.join(f)));
    }
    if let Some(f) = &raw.fora_file {
        raw.fora_file = Some(absolute(&base_dir.join(f)));
    }
    absolute_target_files(&mut raw, base_dir);
    let mut v = serde_json::to_value(&raw).map_err(|e| unprintable(s, e))?;
    expand_rule_sets(&mut v, s);
    if let Some(blocs) = v.get_mut("blocs").and_then(Value::as_array_mut) {
        blocs.iter_mut().for_each(plain_constants);
    }
    strip_nulls(&mut v);
    toml::to_string_pretty(&v).map_err(|e| unprintable(s, e))
}

fn unprintable(s: &Scenario, e: impl std::fmt::Display) -> RegimeError {
    RegimeError::Parse {
        location: Location {
            file: s.source.clone(),
            line: None,
            column: None,
        },
        message: format!("cannot print the resolved scenario: {e}"),
    }
}

/// The `file` of every `[calibrate.targets]` entry as an absolute path, like `topology.file`.
fn absolute_target_files(raw: &mut ScenarioFile, base_dir: &Path) {
    let targets = raw
        .calibrate
        .as_mut()
        .and_then(|c| c.get_mut("targets"))
        .and_then(toml::Value::as_table_mut);
    for (_, t) in targets.into_iter().flat_map(|t| t.iter_mut()) {
        if let Some(f) = t.get_mut("file") {
            if let Some(path) = f.as_str() {
                *f = toml::Value::String(absolute(&base_dir.join(path)));
            }
        }
    }
}

/// A path as an absolute path when it exists (relative paths would break when the printed
/// scenario is saved elsewhere).
fn absolute(p: &Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// Appends the rows of `states_file` to `states` (the order states are read in) and drops
/// the file.
fn inline_states_file(raw: &mut ScenarioFile, s: &Scenario, base_dir: &Path) -> Result<()> {
    let Some(f) = raw.states_file.take() else {
        return Ok(());
    };
    let doc = s
        .text
        .parse::<toml_edit::ImDocument<String>>()
        .map_err(|e| unprintable(s, e))?;
    let v = Validator {
        file: s.source.clone(),
        text: &s.text,
        doc: &doc,
        sets: Vec::new(),
    };
    let rows = read_states_csv(&base_dir.join(f), &v, "states_file")?;
    raw.states.extend(rows);
    Ok(())
}

/// Every rule set the scenario runs as a `[rules.NAME]` table with its base and every
/// mechanism (the file's own values, then the resolved ones for what it left to the preset).
fn expand_rule_sets(v: &mut Value, s: &Scenario) {
    let Some(root) = v.as_object_mut() else {
        return;
    };
    let rules = root
        .entry("rules")
        .or_insert_with(|| Value::Object(Default::default()));
    let Some(rules) = rules.as_object_mut() else {
        return;
    };
    for (name, resolved) in &s.rule_sets {
        let table = rules
            .entry(name.clone())
            .or_insert_with(|| Value::Object(Default::default()));
        let Some(table) = table.as_object_mut() else {
            continue;
        };
        if table.get("base").is_none_or(Value::is_null) {
            table.insert("base".into(), Value::String(name.clone()));
        }
        if let Value::Object(mechanisms) = serde_json::to_value(resolved).unwrap_or_default() {
            for (k, x) in mechanisms {
                if table.get(&k).is_none_or(Value::is_null) {
                    table.insert(k, x);
                }
            }
        }
    }
}

/// A bloc's constant distributions as plain numbers (`{ constant = 0.5 }` is not the file's
/// form).
fn plain_constants(bloc: &mut Value) {
    if let Some(fields) = bloc.as_object_mut() {
        for x in fields.values_mut() {
            let constant = x
                .as_object()
                .filter(|o| o.len() == 1)
                .and_then(|o| o.get("constant"))
                .cloned();
            if let Some(c) = constant {
                *x = c;
            }
        }
    }
}

/// TOML cannot hold nulls (unset optional fields): drop them.
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}
