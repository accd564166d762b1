//! The columns of `runs.csv` and `points.csv`. Their rows are quoted by the crate's one CSV
//! encoder, [`crate::io::output::csv_line`]. Besides its sibling parts it may import only
//! `io::output`.

use crate::io::output::{EMERGENCE_COLUMNS, SUMMARY_COLUMNS};

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

/// Columns of `runs.csv` an axis may not take as its name.
pub(super) fn reserved_columns() -> Vec<&'static str> {
    let mut v = vec!["point", "replicate", "run_id", "seed", "rule_set"];
    v.extend(SUMMARY_COLUMNS);
    v.extend(POINT_COLUMNS);
    v
}

#[cfg(test)]
mod tests {
    use crate::io::output::csv_line;

    #[test]
    fn fields_are_quoted_like_the_csv_crate() {
        // the shared encoder (io::output), as sweep rows use it
        let s = csv_line(&["a,b \"c\""]);
        assert_eq!(s.trim_end_matches('\n'), "\"a,b \"\"c\"\"\"");
        assert_eq!(csv_line(&["x", "", "y"]), "x,,y\n");
    }
}
