//! The crate's one reader of CSV tables: a CSV file read whole into memory (the tool's CSVs are
//! summaries, small enough for that), with columns found by name and errors that point at the
//! file, line and column a user can fix.
//!
//! Every cell is kept as text, trimmed of surrounding spaces; [`Table::number`] parses a cell on
//! demand, so one table can hold names, numbers and empty (missing) cells side by side. Figures
//! ([`crate::plot`]) read the tool's outputs with it; any reader of a finished output should too.
//!
//! Like the rest of [`crate::io`], this file may import [`crate::error`] only; it must never
//! import [`crate::analysis`], [`crate::plot`] or clap.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::RegimeError;
use crate::Result;

/// A CSV file read whole: a header row naming the columns, then data rows of text cells.
///
/// Rows and columns are addressed by index: find a column's index once by name
/// ([`Table::column`], [`Table::require`] or [`Table::column_for_argument`]), then read its cells
/// row by row ([`Table::text`], [`Table::number`]).
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
    /// 1-based line of each row in the file, for error messages.
    lines: Vec<u64>,
}

/// The largest magnitude of a number read from a table: axes spanning more than ±1e100 cannot
/// be drawn (their tick arithmetic overflows).
pub const MAX_MAGNITUDE: f64 = 1e100;

impl Table {
    /// Reads the CSV file at `path`. A file that cannot be opened is a
    /// [`RegimeError::ReadInput`]; an empty file, a malformed row or rows of unequal length are a
    /// [`RegimeError::Csv`] naming the file.
    pub fn read(path: &Path) -> Result<Table> {
        let file = crate::io::input::open(path, Some(crate::io::input::MAX_CSV_BYTES))?;
        Table::from_reader(path, std::io::BufReader::new(file))
    }

    /// Reads `path` if it exists; `None` when it does not.
    pub fn read_optional(path: &Path) -> Result<Option<Table>> {
        if path.exists() {
            Table::read(path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Reads CSV text from `reader`; `path` is only the name used in error messages.
    pub fn from_reader<R: std::io::Read>(path: &Path, reader: R) -> Result<Table> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(path, &e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        if headers.iter().all(|h| h.is_empty()) {
            return Err(csv_error(path, "the file is empty (no header row)"));
        }
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(path, &e.to_string()))?;
            lines.push(record.position().map(|p| p.line()).unwrap_or(0));
            rows.push(record);
        }
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            rows,
            lines,
        })
    }

    /// The file the table was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The column names, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Number of data rows (the header row not counted).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the file has a header but no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Keeps only the data rows for which `keep` is true (their lines stay as in the file).
    pub fn retain_rows(&mut self, keep: impl Fn(&csv::StringRecord) -> bool) {
        let kept: Vec<usize> = (0..self.rows.len())
            .filter(|&r| keep(&self.rows[r]))
            .collect();
        self.lines = kept.iter().map(|&r| self.lines[r]).collect();
        let mut index = 0;
        self.rows.retain(|_| {
            index += 1;
            kept.binary_search(&(index - 1)).is_ok()
        });
    }

    /// The indices of every data row, in file order.
    pub fn all_rows(&self) -> Vec<usize> {
        (0..self.rows.len()).collect()
    }

    /// The 1-based line of the file on which data row `row` starts.
    pub fn line(&self, row: usize) -> u64 {
        self.lines[row]
    }

    /// The index of the column called `name`, if there is one.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The column names joined by commas, for messages that list what is available.
    pub fn column_list(&self) -> String {
        self.headers.join(", ")
    }

    /// A column the tool's own output must have: a missing one is a [`RegimeError::Csv`] that
    /// lists the columns the file does have.
    pub fn require(&self, name: &str) -> Result<usize> {
        self.column(name).ok_or_else(|| {
            self.error(&format!(
                "missing column `{name}` (columns: {})",
                self.column_list()
            ))
        })
    }

    /// A column the user named on the command line (`argument`, e.g. `--x`): an unknown name is
    /// an argument error that lists the columns (and the closest one, for typos).
    pub fn column_for_argument(&self, argument: &str, name: &str) -> Result<usize> {
        if let Some(col) = self.column(name) {
            return Ok(col);
        }
        let closest = crate::error::did_you_mean(name, self.headers.iter().map(String::as_str));
        Err(RegimeError::argument(
            argument,
            format!(
                "a column of {} (one of: {})",
                self.path.display(),
                self.column_list()
            ),
            format!("`{name}`{closest}"),
        ))
    }

    /// The text of a cell (trimmed); empty when the cell is empty or the row is short.
    pub fn text(&self, row: usize, col: usize) -> &str {
        self.rows[row].get(col).unwrap_or("")
    }

    /// The number in a cell; `None` when the cell is empty (missing, e.g. censored). Text that is
    /// not a number, or a number beyond ±[`MAX_MAGNITUDE`], is an error naming the file, line
    /// and column.
    pub fn number(&self, row: usize, col: usize) -> Result<Option<f64>> {
        let text = self.text(row, col);
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(value) if value.abs() <= MAX_MAGNITUDE => Ok(Some(value)),
            Ok(value) if value.is_finite() => Err(self.cell_error(
                row,
                col,
                "a number within ±1e100 (a figure's axis cannot span more)",
                text,
            )),
            _ => Err(self.cell_error(row, col, "a number", text)),
        }
    }

    /// A number that must be there: an empty cell is an error like a non-numeric one.
    pub fn required_number(&self, row: usize, col: usize) -> Result<f64> {
        self.number(row, col)?
            .ok_or_else(|| self.cell_error(row, col, "a number", ""))
    }

    /// Distinct values of a column over `rows`, in order of first appearance.
    pub fn distinct(&self, col: usize, rows: &[usize]) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut values = Vec::new();
        for &row in rows {
            let value = self.text(row, col);
            if seen.insert(value) {
                values.push(value.to_string());
            }
        }
        values
    }

    /// A [`RegimeError::Csv`] about this file.
    pub fn error(&self, message: &str) -> RegimeError {
        csv_error(&self.path, message)
    }

    /// A [`RegimeError::Csv`] about one cell: its line, column number and name, what was
    /// `expected` there and what was `found`.
    pub fn cell_error(&self, row: usize, col: usize, expected: &str, found: &str) -> RegimeError {
        self.error(&format!(
            "line {}, column {} (`{}`): expected {expected}, found `{found}`",
            self.lines[row],
            col + 1,
            self.headers[col],
        ))
    }
}

fn csv_error(path: &Path, message: &str) -> RegimeError {
    RegimeError::Csv {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn parse(text: &str) -> Result<Table> {
        Table::from_reader(Path::new("points.csv"), text.as_bytes())
    }

    #[test]
    fn reads_headers_and_trimmed_cells_with_their_lines() {
        let table = parse("issue, year ,cooperation\nlabour, 1990, 0.5\nasylum,1991,\n").unwrap();
        assert_eq!(table.headers(), ["issue", "year", "cooperation"]);
        assert_eq!(table.len(), 2);
        assert!(!table.is_empty());
        assert_eq!(table.all_rows(), vec![0, 1]);
        assert_eq!(table.text(0, 0), "labour");
        assert_eq!(table.text(1, 2), "");
        assert_eq!(table.line(0), 2);
        assert_eq!(table.line(1), 3);
        assert_eq!(table.path(), Path::new("points.csv"));
    }

    #[test]
    fn numbers_are_parsed_on_demand_and_empty_cells_are_missing() {
        let table = parse("x,y\n1.5,\n-2,3e2\n").unwrap();
        assert_eq!(table.number(0, 0).unwrap(), Some(1.5));
        assert_eq!(table.number(0, 1).unwrap(), None);
        assert_eq!(table.number(1, 1).unwrap(), Some(300.0));
        assert_eq!(table.required_number(1, 0).unwrap(), -2.0);
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let table = parse("x,y\n1,abc\n2,inf\n3,\n").unwrap();
        let error = table.number(0, 1).unwrap_err();
        assert!(error.is_input());
        assert!(
            error
                .to_string()
                .contains("line 2, column 2 (`y`): expected a number, found `abc`"),
            "{error}"
        );
        assert!(table.number(1, 1).is_err(), "infinity is not a value");
        let error = table.required_number(2, 1).unwrap_err();
        assert!(error.to_string().contains("line 4, column 2"), "{error}");
    }

    #[test]
    fn columns_are_found_by_name() {
        let table = parse("issue,rule_set,emergence_probability\n").unwrap();
        assert!(table.is_empty());
        assert_eq!(table.column("rule_set"), Some(1));
        assert_eq!(table.column("year"), None);
        assert_eq!(table.require("issue").unwrap(), 0);
        let error = table.require("year").unwrap_err();
        assert!(error
            .to_string()
            .contains("missing column `year` (columns: issue, rule_set, emergence_probability)"));
    }

    #[test]
    fn unknown_argument_columns_suggest_the_closest() {
        let table = parse("issue,rule_set,cooperation\n").unwrap();
        assert_eq!(table.column_for_argument("--y", "cooperation").unwrap(), 2);
        let error = table.column_for_argument("--y", "cooperaton").unwrap_err();
        assert!(error.is_input());
        let message = error.to_string();
        assert!(message.contains("--y"), "{message}");
        assert!(
            message.contains("issue, rule_set, cooperation"),
            "{message}"
        );
        assert!(message.contains("cooperation"), "{message}");
    }

    #[test]
    fn distinct_values_keep_first_appearance_order() {
        let table = parse("issue\nlabour\nasylum\nlabour\ntrade\n").unwrap();
        let rows = table.all_rows();
        assert_eq!(table.distinct(0, &rows), ["labour", "asylum", "trade"]);
        assert_eq!(table.distinct(0, &rows[1..3]), ["asylum", "labour"]);
    }

    #[test]
    fn empty_and_ragged_files_are_errors() {
        let error = parse("").unwrap_err();
        assert!(error.to_string().contains("no header row"), "{error}");
        let error = parse("a,b\n1,2,3\n").unwrap_err();
        assert!(matches!(error, RegimeError::Csv { .. }), "{error}");
    }

    #[test]
    fn missing_files_are_read_errors_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("summary.csv");
        assert!(Table::read_optional(&missing).unwrap().is_none());
        let error = Table::read(&missing).unwrap_err();
        assert!(matches!(error, RegimeError::ReadInput { .. }), "{error}");
        fs::write(&missing, "issue,year\nlabour,1990\n").unwrap();
        let table = Table::read_optional(&missing).unwrap().unwrap();
        assert_eq!(table.len(), 1);
        assert_eq!(table.path(), missing);
    }

    #[test]
    fn retained_rows_keep_their_file_lines() {
        let mut t = parse("a,b\n1,x\n2,y\n3,x\n4,z\n").unwrap();
        t.retain_rows(|r| r.get(1) == Some("x"));
        assert_eq!(t.len(), 2);
        assert_eq!(t.text(0, 0), "1");
        assert_eq!(t.text(1, 0), "3");
        assert_eq!((t.line(0), t.line(1)), (2, 4));
    }
}
