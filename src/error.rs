//! Errors a user can act on.
//!
//! Every input problem names the file, the line and column where known, the field, what was
//! expected and what was found. The CLI maps [`RegimeError::is_input`] errors to exit code 2.

use std::path::PathBuf;

/// Where in an input file a problem is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file (or `<embedded>` / `<command line>`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// The library's error type.
#[derive(Debug, thiserror::Error)]
pub enum RegimeError {
    /// A field of an input file (scenario, CSV of states, edge list, `--set`) is invalid.
    #[error("{location}: field `{field}`: expected {expected}, found {found}")]
    InvalidField {
        /// Where the field is.
        location: Location,
        /// Dotted path of the field, e.g. `blocs[2].discount`.
        field: String,
        /// What would have been accepted.
        expected: String,
        /// What was there.
        found: String,
    },
    /// The input could not be parsed at all (syntax error, truncated file).
    #[error("{location}: {message}")]
    Parse {
        /// Where the parser stopped.
        location: Location,
        /// The parser's message.
        message: String,
    },
    /// An input file could not be read.
    #[error("cannot read {path}: {source}")]
    ReadInput {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A command-line argument is invalid.
    #[error("invalid argument `{argument}`: expected {expected}, found {found}")]
    InvalidArgument {
        /// The argument name, e.g. `--payoffs`.
        argument: String,
        /// What would have been accepted.
        expected: String,
        /// What was given.
        found: String,
    },
    /// The output directory exists and `--force` was not given.
    #[error("output directory {0} already exists (use --force to replace it)")]
    OutputExists(PathBuf),
    /// Writing outputs failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// CSV reading or writing failed.
    #[error("CSV error in {path}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A command would need more memory or disk than it may use (estimated before it starts).
    #[error("{scenario}: too large: it needs {what}, more than {limit}; to shrink it: {advice}")]
    TooLarge {
        /// The scenario (file or `<embedded ...>`).
        scenario: String,
        /// What is needed, with the sizes that make it large.
        what: String,
        /// The limit, as the flag that sets it.
        limit: String,
        /// How to shrink it.
        advice: String,
    },
    /// Drawing a figure failed.
    #[error("plot error: {0}")]
    Plot(String),
    /// A calibration could not go on (no particle met the tolerance within its budget of
    /// simulations); the partial directory is kept for inspection.
    #[error("calibration stopped: {0}")]
    Calibration(String),
}

impl RegimeError {
    /// True when the error is the user's input (exit code 2); false for I/O failures (exit 1).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            RegimeError::InvalidField { .. }
                | RegimeError::Parse { .. }
                | RegimeError::ReadInput { .. }
                | RegimeError::InvalidArgument { .. }
                | RegimeError::OutputExists(_)
                | RegimeError::Csv { .. }
                | RegimeError::TooLarge { .. }
        )
    }

    /// Convenience constructor for [`RegimeError::InvalidField`].
    pub fn field(
        location: Location,
        field: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        RegimeError::InvalidField {
            location,
            field: field.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// Convenience constructor for [`RegimeError::InvalidArgument`].
    pub fn argument(
        argument: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        RegimeError::InvalidArgument {
            argument: argument.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }
}

/// Splits a message of the form "EXPECTED, found FOUND" (or "; found"), as strategy parsing
/// gives, into what was expected and what was found, so that an error built from it says
/// "expected …, found …" once. Without "found", the whole message is what was expected.
pub fn split_expected_found(message: &str) -> (String, Option<String>) {
    match message
        .rsplit_once(", found ")
        .or_else(|| message.rsplit_once("; found "))
    {
        Some((expected, found)) => (expected.to_string(), Some(found.to_string())),
        None => (message.to_string(), None),
    }
}

/// Result alias used across the library.
pub type Result<T> = std::result::Result<T, RegimeError>;

/// The closest of `candidates` to a misspelt `found`, as ` (did you mean `x`?)`, or an empty
/// string when none is close (Jaro–Winkler similarity above 0.8; the first of equally close
/// candidates wins). Used by every message that rejects a name: scenario keys, strategies,
/// sweep keys and CSV columns.
pub fn did_you_mean<'a, I>(found: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(c, found);
        if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn did_you_mean_names_the_closest_candidate_or_nothing() {
        assert_eq!(
            did_you_mean("monitorng", ["sanctions", "monitoring"]),
            " (did you mean `monitoring`?)"
        );
        assert_eq!(did_you_mean("zzz", ["sanctions", "monitoring"]), "");
        assert_eq!(did_you_mean("x", std::iter::empty()), "");
    }
}
