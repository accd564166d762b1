//! Scenario files: the TOML format users write, its validation, and its resolution into the
//! model's [`Scenario`] the engine runs.
//!
//! Reading happens in three steps, so that every error can name the file, the line and column,
//! and the field: the text is parsed into a syntax tree that keeps positions (`toml_edit`);
//! `--set path=value` overrides are applied to that tree ([`overrides`]); the result is
//! deserialised into strict structs ([`mod@file`]; unknown keys are errors) and every value is
//! range-checked and converted into the model's types, section by section ([`resolve`]), each
//! problem located back in the text by its dotted path ([`validate`]). States and edges may come
//! from CSV files ([`states_csv`], [`edges_csv`]).
//!
//! May import the model and `error`; nothing from `engine`, `analysis`, `plot` or clap.

pub mod edges_csv;
pub mod file;
pub mod fora_csv;
pub mod limits;
pub mod overrides;
pub mod resolve;
pub mod resolved;
mod state_names;
pub mod states_csv;
pub mod validate;

use crate::error::{Location, RegimeError, Result};
use overrides::{parse_path, path_matches, Seg};
use std::path::Path;
use validate::{path_at, Validator};

pub use crate::model::{CivilSocietyAccess, Issue, Rules, Scenario, Shifts, StateSource};
pub use file::{
    BlocSpec, ForumSpec, InitialRegimeSpec, IssueSpec, LearningSpec, MembersSpec, NoiseSpec,
    RegimeSpec, RulesSpec, ScenarioFile, ShockSpec, StateSpec, TopologySpec,
};
pub use overrides::apply_sets;
pub use resolved::resolved_toml;
pub use validate::line_col;

/// The world scenario, embedded so that `regime run` works with no file at all.
pub const DEFAULT_SCENARIO: &str = include_str!("../../../scenarios/world.toml");
/// Name shown for the embedded scenario in messages and manifests.
pub const DEFAULT_SCENARIO_NAME: &str = "<embedded scenarios/world.toml>";

/// The resolved scenario as manifests and `regime validate` write it: every resolved field,
/// plus the file's `[sweep]` table (`null` without one), which is not part of the model.
pub fn resolved_json(s: &Scenario) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        let sweep = sweep_table(&s.text)
            .and_then(|t| serde_json::to_value(t).ok())
            .unwrap_or(serde_json::Value::Null);
        o.insert("sweep".into(), sweep);
    }
    v
}

/// The `[sweep]` table of a scenario text, if it has one (read by `regime sweep`).
pub fn sweep_table(text: &str) -> Option<toml::Value> {
    let doc: toml::Table = toml::from_str(text).ok()?;
    doc.get("sweep").cloned()
}

/// Reads, overrides, validates and resolves a scenario file.
pub fn load(path: &Path, sets: &[String]) -> Result<Scenario> {
    let text = crate::io::input::read_text(path, crate::io::input::MAX_SCENARIO_BYTES)?;
    parse(&text, &path.display().to_string(), &base_dir(path), sets)
}

/// The folder a scenario file's relative paths (`states_file`, `topology.file`) start from.
pub fn base_dir(path: &Path) -> std::path::PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
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

/// Parses scenario text (with `--set` overrides) and validates it.
pub fn parse(text: &str, file: &str, base_dir: &Path, sets: &[String]) -> Result<Scenario> {
    if text.trim().is_empty() {
        return Err(RegimeError::Parse {
            location: at(file, Some(1), Some(1)),
            message: "the scenario file is empty; it needs at least `name`, `rounds` and one [[issues]] table (see scenarios/teaching.toml)".into(),
        });
    }
    // Syntax first, with positions (in the text as written, also after overrides).
    let syntax_error = |e| syntax_error(text, file, e);
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
    let raw: file::ScenarioFile = toml::from_str(&text).map_err(|e| {
        let written = WrittenText {
            file,
            original,
            text: &text,
            doc: &doc,
            sets,
            set_paths: &set_paths,
        };
        written.deserialize_error(e)
    })?;
    let v = Validator {
        file: file.to_string(),
        text: &text,
        doc: &doc,
        sets: set_paths,
    };
    resolve::resolve(raw, &v, base_dir)
}

fn at(file: &str, line: Option<usize>, column: Option<usize>) -> Location {
    Location {
        file: file.to_string(),
        line,
        column,
    }
}

/// A TOML syntax error, naming the key on the offending line when there is one (`key = ...`).
fn syntax_error(text: &str, file: &str, e: toml_edit::TomlError) -> RegimeError {
    let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
    let first = e.message().lines().next().unwrap_or("").to_string();
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
        location: at(file, Some(line), Some(col)),
        message,
    }
}

/// The scenario text as written and after `--set` overrides, for locating deserialisation
/// errors.
struct WrittenText<'a> {
    file: &'a str,
    original: &'a str,
    text: &'a str,
    doc: &'a toml_edit::ImDocument<String>,
    sets: &'a [String],
    set_paths: &'a [(Vec<Seg>, String)],
}

impl WrittenText<'_> {
    /// The `--set` that wrote a field, if one did.
    fn set_that_wrote(&self, field: &str) -> Option<String> {
        let f = parse_path(field).ok()?;
        self.set_paths
            .iter()
            .find(|(p, _)| path_matches(p, &f))
            .map(|(_, s)| s.clone())
    }

    /// A deserialisation error (wrong type, unknown key) located at its field. An error in a
    /// value that came from `--set` is reported as the command line's.
    fn deserialize_error(&self, e: toml::de::Error) -> RegimeError {
        let span = e.span();
        let (line, col) = span
            .clone()
            .map(|s| line_col(self.text, s.start))
            .unwrap_or((1, 1));
        let field = span
            .and_then(|s| path_at(self.doc, s.start))
            .unwrap_or_else(|| "(top level)".into());
        let (expected, found) = serde_expected_found(e.message());
        let unknown_key_from_set =
            !self.sets.is_empty() && toml::from_str::<file::ScenarioFile>(self.original).is_ok();
        let location = match self.set_that_wrote(&field) {
            Some(set) => at(&format!("--set {set} (command line)"), None, None),
            None if unknown_key_from_set => at(
                &format!("--set {} (command line)", self.sets.join(" --set ")),
                None,
                None,
            ),
            None => at(self.file, Some(line), Some(col)),
        };
        RegimeError::InvalidField {
            location,
            field,
            expected,
            found,
        }
    }
}

/// Serde's message split into what was expected and what was found, each said once, in
/// words rather than Rust types; an unknown field gets a "did you mean".
fn serde_expected_found(msg: &str) -> (String, String) {
    let msg = msg.trim();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        return unknown_field(rest);
    }
    if let Some(field) = msg.strip_prefix("missing field ") {
        return (format!("the required field {field}"), "none".into());
    }
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some((found, expected)) = msg
            .strip_prefix(prefix)
            .and_then(|rest| rest.rsplit_once(", expected "))
        {
            return (in_words(expected), found.to_string());
        }
    }
    if let Some((expected, found)) = msg
        .strip_prefix("expected ")
        .and_then(|rest| rest.split_once(", found "))
    {
        return (expected.to_string(), found.to_string());
    }
    ("a valid value".into(), msg.to_string())
}

/// `rest` of "unknown field `foo`, expected one of `a`, `b`" (or "expected `a` or `b`", or
/// "there are no fields").
fn unknown_field(rest: &str) -> (String, String) {
    let name = rest.split('`').next().unwrap_or_default();
    let expected = rest.split_once(", expected ").map(|(_, e)| e);
    // "`, expected one of `a`, `b`": names are the odd pieces after the unknown field.
    let candidates: Vec<&str> = expected
        .unwrap_or_default()
        .split('`')
        .skip(1)
        .step_by(2)
        .collect();
    let hint = crate::error::did_you_mean(name, candidates);
    let expected = match expected {
        Some(e) => format!("a known field ({e})"),
        None => "no fields here".into(),
    };
    (expected, format!("unknown field `{name}`{hint}"))
}

/// A Rust type named by serde, in words.
fn in_words(expected: &str) -> String {
    match expected {
        "u64" | "u32" | "u16" | "u8" | "usize" => "a whole number >= 0".into(),
        "i64" | "i32" => "a whole number".into(),
        "f64" | "f32" => "a number".into(),
        "a sequence" => "an array".into(),
        "a map" => "a table".into(),
        e if e.starts_with("struct ") => "a table".into(),
        e => e.to_string(),
    }
}

/// A CSV reader over the input file `path` that the scenario's `field` names (bounded by
/// [`crate::io::input::MAX_CSV_BYTES`]); a missing file is an error naming the field.
fn open_csv(
    path: &Path,
    field: &str,
) -> Result<csv::Reader<std::io::BufReader<std::io::Take<std::fs::File>>>> {
    if !path.exists() {
        return Err(RegimeError::ReadInput {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("file not found ({field})"),
            ),
        });
    }
    let input = crate::io::input::open(path, Some(crate::io::input::MAX_CSV_BYTES))?;
    Ok(csv::Reader::from_reader(std::io::BufReader::new(input)))
}

/// A CSV read error, located at its line.
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
