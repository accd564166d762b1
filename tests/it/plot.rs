//! Figures from synthetic outputs shaped like the tool's own (see `docs/outputs.md`).
//!
//! Set `REGIME_KEEP_FIGURES=/some/dir` to keep every figure these tests draw, for a look.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use regime::plot::{
    compare_figures, plot_csv, plot_csv_sized, run_figures, sweep_figures, PlotKind, PlotSpec,
    DEFAULT_SIZE,
};
use regime::RegimeError;

const RULE_SETS: [&str; 2] = ["realist", "institutionalist"];
const ISSUES: [&str; 2] = ["labour", "asylum"];
const GROUPS: [&str; 3] = ["all", "north-receiving", "south-sending"];
const REPLICATES: u32 = 4;
const ROUNDS: u32 = 30;
const START_YEAR: u32 = 1990;

/// Round in which the regime emerges in a synthetic run, if it does.
fn emergence(rule_set: usize, issue: usize, replicate: u32) -> Option<u32> {
    let round = match (rule_set, issue) {
        (0, 0) => 18 + 4 * replicate,
        (0, _) => return None,
        (_, 0) => 6 + 2 * replicate,
        (_, _) => 12 + 3 * replicate,
    };
    (round < ROUNDS).then_some(round)
}

/// Round in which the regime collapses in a synthetic run, if it does.
fn collapse(rule_set: usize, issue: usize, replicate: u32) -> Option<u32> {
    let emerged = emergence(rule_set, issue, replicate)?;
    (rule_set == 0 && replicate == 0).then_some(emerged + 6)
}

/// A deterministic wiggle in 0..0.1.
fn wiggle(a: u32, b: u32, c: u32) -> f64 {
    ((a * 7 + b * 13 + c * 5) % 11) as f64 / 100.0
}

fn run_id(rule_set: usize, replicate: u32) -> u32 {
    rule_set as u32 * REPLICATES + replicate
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write fixture");
    path
}

fn timeseries_csv(rule_sets: &[&str]) -> String {
    let mut csv = String::from(
        "run_id,replicate,seed,rule_set,round,year,issue,group,states,cooperation,mean_payoff,\
         mean_utility,regime_status,members,member_share,member_power_share,compliance,\
         regime_strength\n",
    );
    for (r, rule_set) in rule_sets.iter().enumerate() {
        for replicate in 0..REPLICATES {
            for round in 0..ROUNDS {
                for (i, issue) in ISSUES.iter().enumerate() {
                    for (g, group) in GROUPS.iter().enumerate() {
                        let states = if g == 0 { 8 } else { 4 };
                        let base = 0.25 + 0.25 * r as f64 - 0.1 * i as f64;
                        let cooperation = (base
                            + 0.3 * round as f64 / ROUNDS as f64
                            + wiggle(replicate, round, i as u32))
                        .min(1.0);
                        let active = match (emergence(r, i, replicate), collapse(r, i, replicate)) {
                            (Some(e), Some(c)) => round >= e && round < c,
                            (Some(e), None) => round >= e,
                            _ => false,
                        };
                        let (status, members) = if active {
                            ("binding", (states / 2 + (round % 3)).min(states))
                        } else {
                            ("absent", 0)
                        };
                        let share = members as f64 / states as f64;
                        let compliance = if members > 0 {
                            format!("{:.3}", 0.8 + wiggle(round, replicate, 1))
                        } else {
                            String::new()
                        };
                        writeln!(
                            csv,
                            "{},{replicate},{},{rule_set},{round},{},{issue},{group},{states},\
                             {cooperation:.4},2.5,2.1,{status},{members},{share:.4},{:.4},\
                             {compliance},{share:.2}",
                            run_id(r, replicate),
                            1000 + replicate,
                            START_YEAR + round,
                            (share * 1.1).min(1.0),
                        )
                        .expect("format row");
                    }
                }
            }
        }
    }
    csv
}

const EVENTS_HEADER: &str =
    "run_id,replicate,seed,rule_set,round,year,issue,state,event,value,detail\n";

fn events_csv(rule_sets: &[&str]) -> String {
    let mut csv = String::from(EVENTS_HEADER);
    for (r, rule_set) in rule_sets.iter().enumerate() {
        for replicate in 0..REPLICATES {
            let id = run_id(r, replicate);
            let seed = 1000 + replicate;
            for (i, issue) in ISSUES.iter().enumerate() {
                let mut row = |round: u32, state: &str, event: &str| {
                    writeln!(
                        csv,
                        "{id},{replicate},{seed},{rule_set},{round},{},{issue},{state},{event},1,",
                        START_YEAR + round
                    )
                    .expect("format row");
                };
                if let Some(e) = emergence(r, i, replicate) {
                    row(e.saturating_sub(2), "France", "ratified");
                    row(e.saturating_sub(1), "India", "ratified");
                    row(e, "", "regime_emerged");
                    row(e + 3, "India", "cheating_detected");
                }
                if let Some(c) = collapse(r, i, replicate) {
                    row(c - 1, "France", "withdrew");
                    row(c, "", "regime_collapsed");
                }
                if i == 0 {
                    row(11, "", "shock");
                }
            }
        }
    }
    csv
}

fn summary_csv(rule_sets: &[&str]) -> String {
    let mut csv = String::from(
        "run_id,replicate,seed,rule_set,issue,emerged,emergence_round,emergence_year,collapsed,\
         collapse_round,collapse_year,final_status,final_members,final_member_share,\
         final_power_share,mean_cooperation,final_cooperation,mean_payoff,mean_utility,rounds\n",
    );
    let cell = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    for (r, rule_set) in rule_sets.iter().enumerate() {
        for replicate in 0..REPLICATES {
            for (i, issue) in ISSUES.iter().enumerate() {
                let emerged = emergence(r, i, replicate);
                let collapsed = collapse(r, i, replicate);
                writeln!(
                    csv,
                    "{},{replicate},{},{rule_set},{issue},{},{},{},{},{},{},{},4,0.5,0.6,0.4,0.5,\
                     2.5,2.1,{ROUNDS}",
                    run_id(r, replicate),
                    1000 + replicate,
                    u8::from(emerged.is_some()),
                    cell(emerged),
                    cell(emerged.map(|e| e + START_YEAR)),
                    u8::from(collapsed.is_some()),
                    cell(collapsed),
                    cell(collapsed.map(|c| c + START_YEAR)),
                    if collapsed.is_some() {
                        "collapsed"
                    } else if emerged.is_some() {
                        "binding"
                    } else {
                        "absent"
                    },
                )
                .expect("format row");
            }
        }
    }
    csv
}

fn comparison_csv() -> String {
    let mut csv = String::from(
        "rule_set,issue,runs,emerged,emergence_probability,emergence_ci_low,emergence_ci_high,\
         median_emergence_round,mean_cooperation,mean_cooperation_ci_low,\
         mean_cooperation_ci_high,mean_final_member_share\n",
    );
    for (r, rule_set) in RULE_SETS.iter().enumerate() {
        for (i, issue) in ISSUES.iter().enumerate() {
            let emerged = (0..REPLICATES)
                .filter(|&k| emergence(r, i, k).is_some())
                .count() as u64;
            let n = REPLICATES as u64;
            let (low, high) =
                regime::analysis::stats::wilson_interval(emerged, n, regime::analysis::stats::Z95);
            let median = if emerged * 2 >= n { "20" } else { "" };
            writeln!(
                csv,
                "{rule_set},{issue},{n},{emerged},{:.4},{low:.4},{high:.4},{median},0.5,0.45,0.55,\
                 0.4",
                emerged as f64 / n as f64
            )
            .expect("format row");
        }
    }
    csv
}

const POINTS_TAIL: &str = "issue,runs,emerged,emergence_probability,emergence_ci_low,\
    emergence_ci_high,median_emergence_round,mean_cooperation,mean_cooperation_ci_low,\
    mean_cooperation_ci_high,mean_final_member_share,final_member_share_ci_low,\
    final_member_share_ci_high";

/// `points.csv` of a grid sweep over `axes` (each with the given values).
fn points_csv(rule_sets: &[&str], axes: &[(&str, Vec<f64>)]) -> String {
    let names: Vec<&str> = axes.iter().map(|a| a.0).collect();
    let mut csv = format!("point,rule_set,{},{POINTS_TAIL}\n", names.join(","));
    let mut grid: Vec<Vec<f64>> = vec![Vec::new()];
    for (_, values) in axes {
        grid = grid
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |&v| {
                    let mut next = prefix.clone();
                    next.push(v);
                    next
                })
            })
            .collect();
    }
    for (point, coords) in grid.iter().enumerate() {
        for (r, rule_set) in rule_sets.iter().enumerate() {
            for (i, issue) in ISSUES.iter().enumerate() {
                let runs = 20u64;
                let p = (coords.iter().sum::<f64>() / coords.len() as f64 * (1.0 + r as f64) / 2.0
                    - 0.1 * i as f64)
                    .clamp(0.0, 1.0);
                let emerged = (p * runs as f64).round() as u64;
                let (low, high) = regime::analysis::stats::wilson_interval(
                    emerged,
                    runs,
                    regime::analysis::stats::Z95,
                );
                let coords: Vec<String> = coords.iter().map(|c| c.to_string()).collect();
                writeln!(
                    csv,
                    "{point},{rule_set},{},{issue},{runs},{emerged},{:.4},{low:.4},{high:.4},,0.5,\
                     0.45,0.55,0.4,0.35,0.45",
                    coords.join(","),
                    emerged as f64 / runs as f64
                )
                .expect("format row");
            }
        }
    }
    csv
}

fn run_dir(rule_sets: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "timeseries.csv", &timeseries_csv(rule_sets));
    write(dir.path(), "events.csv", &events_csv(rule_sets));
    write(dir.path(), "summary.csv", &summary_csv(rule_sets));
    dir
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Checks a file is an SVG document holding `title`, and keeps it when asked.
fn assert_svg(path: &Path, title: &str) {
    let svg = read(path);
    assert!(svg.starts_with("<svg"), "{} is not an SVG", path.display());
    assert!(
        svg.trim_end().ends_with("</svg>"),
        "{} is cut off",
        path.display()
    );
    assert!(
        svg.contains(title),
        "{} lacks its title {title:?}",
        path.display()
    );
    keep(path);
}

fn keep(path: &Path) {
    if let Ok(dir) = std::env::var("REGIME_KEEP_FIGURES") {
        let dir = PathBuf::from(dir);
        fs::create_dir_all(&dir).expect("create REGIME_KEEP_FIGURES");
        let name = format!(
            "{}-{}",
            std::thread::current()
                .name()
                .unwrap_or("test")
                .replace("::", "-"),
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("figure")
        );
        fs::copy(path, dir.join(name)).expect("keep figure");
    }
}

/// Files in `dir` other than the given CSV inputs.
fn outputs_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .expect("list dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".csv"))
        .collect()
}

fn names(paths: &[PathBuf]) -> BTreeSet<String> {
    paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn run_figures_draw_cooperation_membership_and_events() {
    let dir = run_dir(&RULE_SETS);
    let written = run_figures(dir.path()).expect("run figures");
    let expected = set(&["cooperation.svg", "membership.svg", "events.svg"]);
    assert_eq!(names(&written), expected);
    // Nothing else (no temporary files) is left behind.
    assert_eq!(outputs_in(dir.path()), expected);
    assert_svg(&dir.path().join("cooperation.svg"), "Cooperation over time");
    assert_svg(&dir.path().join("membership.svg"), "Regime membership");
    assert_svg(&dir.path().join("events.svg"), "Events");
    // Several rule sets: one panel per issue, one line per rule set.
    let cooperation = read(&dir.path().join("cooperation.svg"));
    for name in ISSUES.iter().chain(&RULE_SETS) {
        assert!(cooperation.contains(name), "cooperation.svg lacks {name}");
    }
    assert!(cooperation.contains("95% CI of the mean"));
    let membership = read(&dir.path().join("membership.svg"));
    assert!(membership.contains("member share · institutionalist"));
    assert!(membership.contains("power share · realist"));
    assert!(membership.contains("regime emerged"));
    assert!(membership.contains("regime collapsed"));
    let events = read(&dir.path().join("events.svg"));
    assert!(events.contains("cheating_detected"));
}

#[test]
fn run_figures_of_one_rule_set_and_one_run() {
    let dir = tempfile::tempdir().unwrap();
    // Keep the first run only: no replicates, so no bands.
    let first_run = |csv: String| -> String {
        csv.lines()
            .filter(|l| l.starts_with("run_id") || l.starts_with("0,"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    write(
        dir.path(),
        "timeseries.csv",
        &first_run(timeseries_csv(&RULE_SETS[..1])),
    );
    write(
        dir.path(),
        "summary.csv",
        &first_run(summary_csv(&RULE_SETS[..1])),
    );
    write(
        dir.path(),
        "events.csv",
        &first_run(events_csv(&RULE_SETS[..1])),
    );
    run_figures(dir.path()).expect("run figures");
    // One rule set and two issues: one panel, one line per issue.
    let cooperation = read(&dir.path().join("cooperation.svg"));
    assert!(!cooperation.contains("95% CI"));
    assert!(cooperation.contains("labour") && cooperation.contains("asylum"));
    assert!(!cooperation.contains("realist"));
    keep(&dir.path().join("cooperation.svg"));
    keep(&dir.path().join("membership.svg"));
}

#[test]
fn run_figures_tolerate_empty_optional_cells_and_no_events() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "timeseries.csv",
        &timeseries_csv(&RULE_SETS[..1]),
    );
    write(dir.path(), "events.csv", EVENTS_HEADER);
    // A summary in which no regime ever emerged: every emergence and collapse cell empty.
    let summary: String = summary_csv(&RULE_SETS[..1])
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return format!("{line}\n");
            }
            let mut cells: Vec<&str> = line.split(',').collect();
            for c in [5, 8] {
                cells[c] = "0";
            }
            for c in [6, 7, 9, 10] {
                cells[c] = "";
            }
            format!("{}\n", cells.join(","))
        })
        .collect();
    write(dir.path(), "summary.csv", &summary);
    let written = run_figures(dir.path()).expect("run figures");
    assert_eq!(written.len(), 3);
    let events = read(&dir.path().join("events.svg"));
    assert!(events.contains("no events recorded"));
    let membership = read(&dir.path().join("membership.svg"));
    assert!(!membership.contains("regime emerged"));
    keep(&dir.path().join("events.svg"));
}

#[test]
fn run_figures_mark_regimes_from_events_without_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "timeseries.csv",
        &timeseries_csv(&RULE_SETS[..1]),
    );
    write(dir.path(), "events.csv", &events_csv(&RULE_SETS[..1]));
    let written = run_figures(dir.path()).expect("run figures");
    assert_eq!(written.len(), 3);
    assert!(read(&dir.path().join("membership.svg")).contains("regime emerged"));
}

#[test]
fn run_figures_need_a_timeseries() {
    let dir = tempfile::tempdir().unwrap();
    let error = run_figures(dir.path()).unwrap_err();
    assert!(matches!(error, RegimeError::ReadInput { .. }), "{error}");
    assert!(error.to_string().contains("timeseries.csv"));
}

#[test]
fn compare_figures_draw_cooperation_survival_and_emergence() {
    let dir = run_dir(&RULE_SETS);
    write(dir.path(), "comparison.csv", &comparison_csv());
    let written = compare_figures(dir.path()).expect("compare figures");
    let expected = set(&[
        "compare_cooperation.svg",
        "compare_survival.svg",
        "compare_emergence.svg",
    ]);
    assert_eq!(names(&written), expected);
    assert_eq!(outputs_in(dir.path()), expected);
    assert_svg(
        &dir.path().join("compare_cooperation.svg"),
        "Cooperation by rule set",
    );
    assert_svg(
        &dir.path().join("compare_survival.svg"),
        "Time to regime emergence",
    );
    assert_svg(
        &dir.path().join("compare_emergence.svg"),
        "Emergence probability by rule set",
    );
    let survival = read(&dir.path().join("compare_survival.svg"));
    for name in ISSUES.iter().chain(&RULE_SETS) {
        assert!(survival.contains(name), "survival figure lacks {name}");
    }
}

#[test]
fn sweep_figures_draw_a_phase_diagram_per_issue() {
    let dir = tempfile::tempdir().unwrap();
    let axes = [
        ("regime.min_member_share", vec![0.2, 0.4, 0.6, 0.8]),
        ("blocs.discount", vec![0.5, 0.7, 0.9]),
    ];
    write(dir.path(), "points.csv", &points_csv(&RULE_SETS, &axes));
    let axis_names: Vec<String> = axes.iter().map(|a| a.0.to_string()).collect();
    let written = sweep_figures(dir.path(), &axis_names).expect("sweep figures");
    let expected = set(&["phase_labour.svg", "phase_asylum.svg"]);
    assert_eq!(names(&written), expected);
    assert_eq!(outputs_in(dir.path()), expected);
    assert_svg(
        &dir.path().join("phase_labour.svg"),
        "Emergence probability: labour",
    );
    let svg = read(&dir.path().join("phase_asylum.svg"));
    assert!(svg.contains("institutionalist") && svg.contains("realist"));
    assert!(svg.contains("blocs.discount"));
}

#[test]
fn sweep_figures_average_over_further_axes() {
    let dir = tempfile::tempdir().unwrap();
    let axes = [
        ("a", vec![0.0, 1.0]),
        ("b", vec![0.0, 0.5, 1.0]),
        ("c", vec![0.1, 0.2]),
    ];
    write(
        dir.path(),
        "points.csv",
        &points_csv(&RULE_SETS[..1], &axes),
    );
    let axis_names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    sweep_figures(dir.path(), &axis_names).expect("sweep figures");
    assert!(read(&dir.path().join("phase_labour.svg")).contains("mean over the other axes (c)"));
}

#[test]
fn sweep_figures_draw_a_band_over_one_axis() {
    let dir = tempfile::tempdir().unwrap();
    let axes = [("noise.implementation", vec![0.0, 0.02, 0.05, 0.1, 0.2])];
    write(dir.path(), "points.csv", &points_csv(&RULE_SETS, &axes));
    let written =
        sweep_figures(dir.path(), &["noise.implementation".to_string()]).expect("sweep figures");
    assert_eq!(
        names(&written),
        set(&["sweep_labour.svg", "sweep_asylum.svg"])
    );
    assert_svg(
        &dir.path().join("sweep_labour.svg"),
        "Emergence probability: labour",
    );
    assert!(read(&dir.path().join("sweep_labour.svg")).contains("Wilson 95% interval"));
}

#[test]
fn sweep_figures_handle_a_categorical_axis_and_no_axes() {
    let dir = tempfile::tempdir().unwrap();
    let csv = format!(
        "point,rule_set,topology,{POINTS_TAIL}\n\
         0,realist,complete,labour,10,3,0.3,0.1,0.6,,0.5,0.4,0.6,0.3,0.2,0.4\n\
         1,realist,ring,labour,10,1,0.1,0.02,0.4,,0.5,0.4,0.6,0.3,0.2,0.4\n"
    );
    write(dir.path(), "points.csv", &csv);
    let written = sweep_figures(dir.path(), &["topology".to_string()]).expect("sweep figures");
    assert_eq!(names(&written), set(&["sweep_labour.svg"]));
    let svg = read(&dir.path().join("sweep_labour.svg"));
    assert!(svg.contains("complete") && svg.contains("ring"));
    keep(&dir.path().join("sweep_labour.svg"));
    assert!(sweep_figures(dir.path(), &[]).expect("no axes").is_empty());
}

#[test]
fn sweep_over_the_rule_set_draws_one_line_per_rule_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = format!("point,rule_set,regime.veto_players,{POINTS_TAIL}\n");
    for (point, (rule_set, veto)) in RULE_SETS
        .iter()
        .flat_map(|r| [1, 2, 3].map(|v| (r, v)))
        .enumerate()
    {
        let p = 0.9 - 0.25 * veto as f64;
        writeln!(
            csv,
            "{point},{rule_set},{veto},labour,20,0,{p:.2},{:.2},{:.2},,0.5,0.4,0.6,0.3,0.2,0.4",
            p - 0.1,
            p + 0.1
        )
        .unwrap();
    }
    write(dir.path(), "points.csv", &csv);
    let axes = ["regime.veto_players", "rule_set"].map(String::from);
    let written = sweep_figures(dir.path(), &axes).expect("sweep figures");
    assert_eq!(names(&written), set(&["sweep_labour.svg"]));
    let svg = read(&dir.path().join("sweep_labour.svg"));
    assert!(svg.contains("regime.veto_players") && svg.contains("institutionalist"));
    keep(&dir.path().join("sweep_labour.svg"));
}

#[test]
fn sweep_figures_reject_an_unknown_axis_listing_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "points.csv",
        &points_csv(&RULE_SETS[..1], &[("a", vec![0.0, 1.0])]),
    );
    let error = sweep_figures(dir.path(), &["nope".to_string()]).unwrap_err();
    assert!(error.is_input());
    let message = error.to_string();
    assert!(
        message.contains("nope") && message.contains("emergence_probability"),
        "{message}"
    );
}

#[test]
fn heatmap_has_one_cell_per_sweep_point() {
    let dir = tempfile::tempdir().unwrap();
    let axes = [
        ("x_axis", vec![0.1, 0.2, 0.3, 0.4]),
        ("y_axis", vec![1.0, 2.0, 3.0]),
    ];
    let csv = write(
        dir.path(),
        "points.csv",
        &points_csv(&RULE_SETS[..1], &axes),
    );
    // One issue: one row per point.
    let one_issue: String = read(&csv)
        .lines()
        .filter(|l| !l.contains(",asylum,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let csv = write(dir.path(), "labour.csv", &one_issue);
    let points = one_issue.lines().count() - 1;
    let mut spec = PlotSpec::new("x_axis", "y_axis");
    spec.z = Some("emergence_probability".to_string());
    let output = dir.path().join("phase.svg");
    let report = plot_csv(&csv, &spec, &output).expect("heatmap");
    assert_eq!(report.kind, PlotKind::Heatmap);
    assert_eq!(points, 12);
    assert_eq!(report.cells, points);
    assert_eq!(report.series, 1);
    assert_svg(&output, "emergence_probability by x_axis and y_axis");

    // Split by issue: one panel per issue, one cell per point and issue.
    let all_issues = dir.path().join("points.csv");
    spec.by = Some("issue".to_string());
    let report = plot_csv(&all_issues, &spec, &output).expect("heatmap by issue");
    assert_eq!(report.series, 2);
    assert_eq!(report.cells, 2 * points);
}

#[test]
fn heatmap_of_scattered_samples_and_categories() {
    let dir = tempfile::tempdir().unwrap();
    // A random sweep: every point has its own x and y.
    let mut csv = String::from("x,y,z\n");
    for i in 0..30u32 {
        let x = (i * 37 % 101) as f64 / 100.0;
        let y = (i * 61 % 103) as f64 / 100.0;
        writeln!(csv, "{x},{y},{:.3}", x * y).unwrap();
    }
    let input = write(dir.path(), "random.csv", &csv);
    let mut spec = PlotSpec::new("x", "y");
    spec.z = Some("z".to_string());
    let output = dir.path().join("random.svg");
    let report = plot_csv(&input, &spec, &output).expect("scatter heatmap");
    assert_eq!(report.cells, 30);
    assert_svg(&output, "z by x and y");

    let input = write(
        dir.path(),
        "categories.csv",
        "topology,rule_set,emergence_probability\ncomplete,realist,0.2\nring,realist,0.1\n\
         complete,institutionalist,0.7\nring,institutionalist,0.4\nring,institutionalist,0.6\n",
    );
    let mut spec = PlotSpec::new("topology", "rule_set");
    spec.z = Some("emergence_probability".to_string());
    let output = dir.path().join("categories.png");
    let report = plot_csv(&input, &spec, &output).expect("categorical heatmap");
    assert_eq!(report.cells, 4);
    assert_eq!(report.rows, 5);
    keep(&output);
}

#[test]
fn line_plot_with_replicates_reports_bands() {
    let dir = run_dir(&RULE_SETS);
    let csv = dir.path().join("timeseries.csv");
    let mut spec = PlotSpec::new("year", "cooperation");
    spec.by = Some("rule_set".to_string());
    let output = dir.path().join("cooperation_by_rule_set.svg");
    let report = plot_csv(&csv, &spec, &output).expect("line plot");
    assert_eq!(report.kind, PlotKind::Line);
    assert_eq!(report.series, 2);
    assert_eq!(report.bands, 2);
    assert_eq!(report.points, 2 * ROUNDS as usize);
    assert_eq!(report.cells, 0);
    assert_svg(&output, "cooperation by year");
    assert!(read(&output).contains("95% CI of the mean"));
}

#[test]
fn line_plot_skips_empty_cells_and_needs_no_bands_for_single_rows() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "data.csv",
        "round,compliance,rule_set\n0,,a\n1,0.5,a\n2,0.75,a\n0,0.2,b\n1,0.3,b\n",
    );
    let mut spec = PlotSpec::new("round", "compliance");
    spec.by = Some("rule_set".to_string());
    spec.title = Some("Compliance".to_string());
    let output = dir.path().join("compliance.svg");
    let report = plot_csv(&csv, &spec, &output).expect("line plot");
    assert_eq!(report.rows, 4);
    assert_eq!(report.bands, 0);
    assert_eq!(report.points, 4);
    assert_svg(&output, "Compliance");
}

#[test]
fn png_has_the_signature_and_the_requested_size() {
    let dir = run_dir(&RULE_SETS[..1]);
    let csv = dir.path().join("timeseries.csv");
    let mut spec = PlotSpec::new("year", "member_share");
    spec.by = Some("issue".to_string());
    let output = dir.path().join("members.png");
    plot_csv_sized(&csv, &spec, &output, (800, 500)).expect("png");
    let bytes = fs::read(&output).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (800, 500));
    assert_eq!(outputs_in(dir.path()), set(&["members.png"]));
    keep(&output);

    let error = plot_csv_sized(&csv, &spec, &output, (0, 500)).unwrap_err();
    assert!(
        error.is_input() && error.to_string().contains("--size"),
        "{error}"
    );
    plot_csv(&csv, &spec, &output).expect("png, default size");
    let bytes = fs::read(&output).unwrap();
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(width, DEFAULT_SIZE.0);
}

#[test]
fn unknown_column_lists_the_available_ones() {
    let dir = run_dir(&RULE_SETS[..1]);
    let csv = dir.path().join("summary.csv");
    let spec = PlotSpec::new("replicat", "mean_cooperation");
    let error = plot_csv(&csv, &spec, &dir.path().join("x.svg")).unwrap_err();
    assert!(error.is_input());
    assert!(matches!(error, RegimeError::InvalidArgument { .. }));
    let message = error.to_string();
    assert!(message.contains("--x"), "{message}");
    assert!(
        message.contains("run_id, replicate, seed, rule_set"),
        "{message}"
    );
    assert!(message.contains("did you mean `replicate`"), "{message}");

    let mut spec = PlotSpec::new("replicate", "mean_cooperation");
    spec.z = Some("colour".to_string());
    let error = plot_csv(&csv, &spec, &dir.path().join("x.svg")).unwrap_err();
    assert!(error.to_string().contains("--z"));
    assert_eq!(outputs_in(dir.path()), BTreeSet::new());
}

#[test]
fn non_numeric_value_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "bad.csv",
        "round,cooperation\n0,0.5\n1,0.6\n2,lots\n",
    );
    let error = plot_csv(
        &csv,
        &PlotSpec::new("round", "cooperation"),
        &dir.path().join("a.svg"),
    )
    .unwrap_err();
    assert!(error.is_input());
    let message = error.to_string();
    assert!(message.contains("bad.csv"), "{message}");
    assert!(message.contains("line 4"), "{message}");
    assert!(message.contains("column 2 (`cooperation`)"), "{message}");
    assert!(message.contains("`lots`"), "{message}");
    assert!(!dir.path().join("a.svg").exists());
}

#[test]
fn empty_csv_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.csv", "");
    let error = plot_csv(&empty, &PlotSpec::new("a", "b"), &dir.path().join("a.svg")).unwrap_err();
    assert!(error.is_input());
    assert!(error.to_string().contains("empty"), "{error}");

    let header_only = write(dir.path(), "header.csv", "a,b\n");
    let error = plot_csv(
        &header_only,
        &PlotSpec::new("a", "b"),
        &dir.path().join("a.svg"),
    )
    .unwrap_err();
    assert!(error.to_string().contains("no data rows"), "{error}");

    let blank = write(dir.path(), "blank.csv", "a,b\n,\n");
    let error = plot_csv(&blank, &PlotSpec::new("a", "b"), &dir.path().join("a.svg")).unwrap_err();
    assert!(error.to_string().contains("nothing to plot"), "{error}");
}

#[test]
fn unsupported_format_or_missing_directory_leave_nothing_behind() {
    let dir = run_dir(&RULE_SETS[..1]);
    let csv = dir.path().join("timeseries.csv");
    let spec = PlotSpec::new("year", "cooperation");
    let error = plot_csv(&csv, &spec, &dir.path().join("figure.pdf")).unwrap_err();
    assert!(
        matches!(error, RegimeError::InvalidArgument { .. }),
        "{error}"
    );
    let error = plot_csv(&csv, &spec, &dir.path().join("missing").join("figure.svg")).unwrap_err();
    assert!(matches!(error, RegimeError::Write { .. }), "{error}");
    assert_eq!(outputs_in(dir.path()), BTreeSet::new());
}

#[test]
fn figures_are_reproducible_byte_for_byte() {
    let dir = run_dir(&RULE_SETS);
    write(dir.path(), "comparison.csv", &comparison_csv());
    compare_figures(dir.path()).expect("first");
    let first = read(&dir.path().join("compare_survival.svg"));
    compare_figures(dir.path()).expect("second");
    assert_eq!(first, read(&dir.path().join("compare_survival.svg")));
}

/// The texts of an SVG (titles, tick labels, notes).
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            Some(
                t.split_once('>')?
                    .1
                    .split_once("</text>")?
                    .0
                    .trim()
                    .to_string(),
            )
        })
        .collect()
}

// Issue 14: compare_emergence.svg labelled 4 of the world's 8 issues and drew regimes in place
// from the start as emerged with probability 1; their survival panels showed an unexplained
// line at 0.
#[test]
fn compare_figures_label_every_issue_and_mark_regimes_in_place() {
    use super::common::{s, shipped, Work};
    let w = Work::new();
    let world = s(&shipped("world.toml"));
    w.run(&[
        "compare", &world, "--reps", "2", "--plots", "--out", "c", "-q",
    ])
    .ok();
    let emergence = svg_texts(&read(&w.path("c/compare_emergence.svg")));
    let survival = svg_texts(&read(&w.path("c/compare_survival.svg")));
    // In place: the issues whose regime was founded binding in every run (preexisting = 1 in
    // every row of summary.csv); the founding of a listed regime can fail (ODD 5).
    let summary = read(&w.path("c/summary.csv"));
    let mut lines = summary.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (issue_col, pre_col) = (col("issue"), col("preexisting"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let all = [
        "refugees",
        "labour",
        "migrant_rights",
        "irregular",
        "comprehensive",
        "trade",
        "health",
        "climate",
    ];
    let in_place: Vec<&str> = all
        .into_iter()
        .filter(|i| {
            rows.iter()
                .filter(|r| r[issue_col] == *i)
                .all(|r| r[pre_col] == "1")
        })
        .collect();
    assert!(
        !in_place.is_empty(),
        "no regime founded binding in every run"
    );
    for issue in all.into_iter().filter(|i| !in_place.contains(i)) {
        assert!(
            emergence.iter().any(|t| t == issue),
            "{issue}: {emergence:?}"
        );
        assert!(survival.iter().any(|t| t == issue), "{issue}: {survival:?}");
    }
    for issue in in_place {
        let label = format!("{issue} (in place)");
        assert!(emergence.contains(&label), "{label}: {emergence:?}");
        let note = format!("{issue}: regime in place from the start (no time to emergence)");
        assert!(survival.contains(&note), "{note}: {survival:?}");
    }
    assert!(
        emergence
            .iter()
            .any(|t| t.contains("not counted as emerged")),
        "{emergence:?}"
    );
}
