//! Hardening (issue 14): sizes refused before anything is allocated (`--max-memory`,
//! `--max-output`, the largest scenario), bounded reads of input files, value ranges that keep
//! every computation finite, and located messages for undecodable input. Each test pins a case
//! that used to panic, hang or write nonsense; every refusal exits 2, names the file and writes
//! nothing.

use std::time::{Duration, Instant};

use super::common::{s, shipped, Work};

/// A two-state scenario with one bloc of `count` states; `extra` is appended.
fn bloc_scenario(count: &str, extra: &str) -> String {
    format!(
        "name = \"b\"\nrounds = 10\n\n[[blocs]]\ngroup = \"g\"\nregion = \"r\"\ncount = {count}\n\
         power = 1.0\nposition = 0.5\nsecurity = 0.5\neconomy = 0.5\nrights = 0.5\n\
         sovereignty_cost = 0.5\ndiscount = 0.9\nstrategy = \"tit_for_tat\"\n\n[[issues]]\n\
         name = \"labour\"\npayoffs = {{ t = 5.0, r = 3.0, p = 1.0, s = 0.0 }}\n{extra}"
    )
}

/// Runs an input error and checks that it was quick (no allocation of the huge thing).
fn quick_input_error(w: &Work, args: &[&str], needles: &[&str]) -> String {
    let started = Instant::now();
    let e = w.input_error(args, needles);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "`regime {}` took {:?} to refuse",
        args.join(" "),
        started.elapsed()
    );
    e
}

#[test]
fn huge_bloc_counts_are_refused_before_allocation() {
    let w = Work::new();
    // Regression: count = i64::MAX was a capacity-overflow panic (exit 101) in validate.
    for count in ["9223372036854775807", "1000000000"] {
        w.write("big.toml", &bloc_scenario(count, ""));
        for args in [
            &["validate", "big.toml"][..],
            &["run", "big.toml", "--out", "out"],
        ] {
            quick_input_error(
                &w,
                args,
                &["big.toml:7:9", "blocs[0].count", "at most 1000000 states"],
            );
        }
    }
}

#[test]
fn worlds_too_large_for_memory_are_refused_with_what_to_shrink() {
    let w = Work::new();
    // 100,000 states playing everyone: 5e9 edges.
    w.write("dense.toml", &bloc_scenario("100000", ""));
    let e = quick_input_error(
        &w,
        &["run", "dense.toml", "--reps", "1", "--out", "out"],
        &[
            "dense.toml: too large",
            "of memory",
            "--max-memory",
            "blocs count",
        ],
    );
    assert!(e.contains("5.0e9 edges"), "{e}");
    // A lattice of 10^5 x 10^5 needs 10^10 states.
    let spatial = s(&shipped("spatial.toml"));
    for cmd in ["validate", "run"] {
        quick_input_error(
            &w,
            &[
                cmd,
                &spatial,
                "--set",
                "topology.width=100000",
                "--set",
                "topology.height=100000",
            ],
            &["topology.width"],
        );
    }
    // A small run fits, and a tiny --max-memory refuses it.
    let teaching = s(&shipped("teaching.toml"));
    quick_input_error(
        &w,
        &["run", &teaching, "--reps", "1", "--max-memory", "1K"],
        &["--max-memory 1.0 KiB"],
    );
}

#[test]
fn calibrate_hypotheses_and_validate_targets_check_max_memory() {
    let w = Work::new();
    let calibration = s(&shipped("calibrate/teaching-labour.toml"));
    let teaching = s(&shipped("teaching.toml"));
    let world = s(&shipped("world-data.toml"));
    let commands: [&[&str]; 3] = [
        &["calibrate", &calibration],
        &["hypotheses", &teaching, "--reps", "2"],
        &["validate-targets", &world, "--reps", "1"],
    ];
    for args in commands {
        let mut args = args.to_vec();
        args.extend(["--max-memory", "1K", "--out", "out"]);
        quick_input_error(
            &w,
            &args,
            &["too large", "of memory", "--max-memory 1.0 KiB"],
        );
    }
}

#[test]
fn huge_replicate_counts_are_refused_before_running() {
    let w = Work::new();
    let teaching = s(&shipped("teaching.toml"));
    quick_input_error(
        &w,
        &["run", &teaching, "--reps", "1000000000", "--out", "out"],
        &["too large", "2.0e9 runs"],
    );
    quick_input_error(
        &w,
        &[
            "run",
            &teaching,
            "--reps",
            "100",
            "--max-output",
            "1M",
            "--out",
            "out",
        ],
        &["of output", "--max-output 1.0 MiB"],
    );
    let sweep = s(&shipped("sweeps/relative-gains-discount.toml"));
    quick_input_error(
        &w,
        &[
            "sweep",
            &sweep,
            "--set",
            "sweep.replicates=1000000000",
            "--out",
            "out",
        ],
        &["too large", "runs"],
    );
}

#[test]
fn validate_prints_the_estimate_as_comments() {
    let w = Work::new();
    let o = w.run(&["validate", &s(&shipped("teaching.toml"))]).ok();
    let line = o
        .stdout
        .lines()
        .find(|l| l.starts_with("# estimate for `regime run` (20 replicates x 2 rule sets)"))
        .unwrap_or_else(|| panic!("no estimate in\n{}", o.stdout));
    for part in [
        "40 runs of 8 states and 28 edges",
        "memory about",
        "--max-memory",
    ] {
        assert!(line.contains(part), "{line}");
    }
    let sweep = s(&shipped("sweeps/continuum.toml"));
    let o = w.run(&["validate", &sweep]).ok();
    assert!(
        o.stdout
            .lines()
            .any(|l| l.starts_with("# estimate for `regime sweep` (21 points): 2100 runs")),
        "{}",
        o.stdout
    );
}

#[test]
fn inputs_that_are_not_regular_files_fail_at_once_naming_the_file() {
    let w = Work::new();
    quick_input_error(
        &w,
        &["validate", "/dev/zero"],
        &["/dev/zero: not a regular file"],
    );
    w.write(
        "zero.toml",
        &bloc_scenario("2", "").replace("[[blocs]]", "states_file = \"/dev/zero\"\n\n[[blocs]]"),
    );
    quick_input_error(
        &w,
        &["run", "zero.toml", "--out", "out"],
        &["/dev/zero: not a regular file"],
    );
    w.write("big.toml", &format!("# {}\n", "x".repeat(17 << 20)));
    quick_input_error(&w, &["validate", "big.toml"], &["big.toml", "more than"]);
}

#[test]
fn invalid_utf8_is_located_and_causes_are_not_repeated() {
    let w = Work::new();
    let mut bytes = bloc_scenario("2", "").into_bytes();
    let at = bytes.iter().position(|&b| b == b'r').unwrap(); // "rounds", line 2
    bytes.insert(at + 2, 0xff);
    std::fs::write(w.path("bad.toml"), bytes).unwrap();
    let e = quick_input_error(
        &w,
        &["validate", "bad.toml"],
        &["bad.toml:2:3: invalid UTF-8 at byte offset 13 (byte 0xFF)"],
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    // Regression: a missing file printed the OS error twice ("caused by: ...").
    let e = quick_input_error(&w, &["validate", "missing.toml"], &["missing.toml"]);
    assert_eq!(e.matches("No such file").count(), 1, "{e}");
}

#[test]
fn values_out_of_range_name_the_field_and_the_range() {
    let w = Work::new();
    let teaching = s(&shipped("teaching.toml"));
    for (set, needle) in [
        ("states[0].power=1e308", "states[0].power"),
        ("rounds=1000000000000", "rounds"),
        ("issues[0].payoffs.t=1e308", "issues[0].payoffs.t"),
        (
            "issues[0].shifts.reward_per_rights=1e308",
            "issues[0].shifts.reward_per_rights",
        ),
        ("regime.decision_noise=1e9", "regime.decision_noise"),
        ("learning.interval=4294967296", "learning.interval"),
        (
            "regime.negotiation_interval=10000000",
            "regime.negotiation_interval",
        ),
        ("start_year=9223372036854775807", "start_year"),
    ] {
        quick_input_error(
            &w,
            &[
                "run", &teaching, "--reps", "1", "--set", set, "--out", "out",
            ],
            &[needle, "expected a ", &format!("--set {set}")],
        );
    }
    // In the file: the line of the field.
    w.write(
        "power.toml",
        &bloc_scenario("2", "").replace("power = 1.0", "power = 1e308"),
    );
    quick_input_error(
        &w,
        &["validate", "power.toml"],
        &["power.toml:8:9", "blocs[0].power", "1000000000000"],
    );
}

#[test]
fn plot_refuses_axis_values_it_cannot_draw_and_devices() {
    let w = Work::new();
    // Regression: x = ±1e308 panicked inside plotters (exit 101).
    w.write("big.csv", "x,y\n1,2\n1e308,3\n-1e308,1\n");
    w.write("bigy.csv", "x,y\n1,2\n2,-1e101\n");
    w.write("heat.csv", "x,y,z\n1,2,1e308\n2,3,1\n");
    for (csv, line, z) in [
        ("big.csv", "line 3, column 1 (`x`)", None),
        ("bigy.csv", "line 3, column 2 (`y`)", None),
        ("heat.csv", "line 2, column 3 (`z`)", Some("z")),
    ] {
        let mut args = vec!["plot", csv, "--x", "x", "--y", "y", "-o", "f.svg"];
        if let Some(z) = z {
            args.extend(["--z", z]);
        }
        quick_input_error(&w, &args, &[csv, line, "within ±1e100"]);
    }
    quick_input_error(
        &w,
        &["plot", "/dev/zero", "--x", "x", "--y", "y", "-o", "f.svg"],
        &["/dev/zero: not a regular file"],
    );
}

/// Runs `validate teaching.toml --set SET` and returns the message.
fn set_error(w: &Work, set: &str, needles: &[&str]) -> String {
    let e = quick_input_error(
        w,
        &["validate", &s(&shipped("teaching.toml")), "--set", set],
        needles,
    );
    assert_eq!(e.matches("expected").count(), 1, "{e}");
    assert_eq!(e.matches("found").count(), 1, "{e}");
    e
}

#[test]
fn messages_say_what_was_expected_and_found_once() {
    let w = Work::new();
    // Regression: "expected a valid value, found unknown field `roundz`, expected one of ...".
    set_error(
        &w,
        "roundz=3",
        &[
            "expected a known field (one of `name`",
            "found unknown field `roundz` (did you mean `rounds`?)",
        ],
    );
    set_error(
        &w,
        "rounds=1.5",
        &["expected a whole number >= 0, found floating point `1.5`"],
    );
    set_error(
        &w,
        "blocs=[{group=\"g\"}]",
        &["expected the required field `region`, found none"],
    );
    // Regression: "expected a strategy, found a probability in [0, 1], found 1.5".
    set_error(
        &w,
        "states[0].strategy=\"memory_one(1.5,0,0,1)\"",
        &["expected a strategy: a probability in [0, 1], found 1.5 in `memory_one(1.5,0,0,1)`"],
    );
    // Regression: numbers TOML cannot hold became strings ("found invalid type: string").
    for big in ["18446744073709551616", "9223372036854775808", "1e400"] {
        let e = set_error(
            &w,
            &format!("rounds={big}"),
            &["a number TOML can hold", big],
        );
        assert!(!e.contains("string"), "{e}");
    }
    let e = quick_input_error(
        &w,
        &[
            "tournament",
            "--strategies",
            "TFT,memory_one(1.5,0,0,1)",
            "--out",
            "t",
        ],
        &["expected a probability in [0, 1], found 1.5 in `memory_one(1.5,0,0,1)`"],
    );
    assert_eq!(e.matches("found").count(), 1, "{e}");
}

#[test]
fn a_state_named_twice_in_a_states_csv_names_its_line() {
    let w = Work::new();
    let csv = std::fs::read_to_string(shipped("data/world-states.csv")).unwrap();
    let mut lines: Vec<&str> = csv.lines().take(5).collect();
    lines.push(lines[2]);
    std::fs::create_dir(w.path("data")).unwrap();
    w.write("data/world-states.csv", &(lines.join("\n") + "\n"));
    std::fs::copy(shipped("hegemon.toml"), w.path("hegemon.toml")).unwrap();
    let name = lines[2].split(',').next().unwrap();
    quick_input_error(
        &w,
        &["validate", "hegemon.toml"],
        &[
            "data/world-states.csv:6: field `name`",
            &format!("expected unique state names, found `{name}` twice"),
        ],
    );
}

/// Bloc names are checked without being formed (`g-1` … `g-5`): a listed state or another bloc
/// that repeats one is refused naming the first repeated name, as when every name was formed.
#[test]
fn numbered_bloc_names_that_repeat_a_name_are_refused() {
    let w = Work::new();
    let listed = "\n[[states]]\nname = \"g-3\"\ngroup = \"x\"\nregion = \"r\"\npower = 1.0\n\
                  position = 0.0\nsecurity = 0.5\neconomy = 0.5\nrights = 0.5\n\
                  sovereignty_cost = 0.5\ndiscount = 0.9\nstrategy = \"tit_for_tat\"\n";
    w.write("listed.toml", &bloc_scenario("5", listed));
    quick_input_error(
        &w,
        &["validate", "listed.toml"],
        &[
            "blocs[0].group",
            "expected unique state names, found `g-3` twice",
        ],
    );
    let second = "[[blocs]]\ngroup = \"g\"\nregion = \"r\"\ncount = 2\npower = 1.0\n\
                  position = 0.5\nsecurity = 0.5\neconomy = 0.5\nrights = 0.5\n\
                  sovereignty_cost = 0.5\ndiscount = 0.9\nstrategy = \"tit_for_tat\"\n\n[[issues]]";
    let again = bloc_scenario("5", "").replace("[[issues]]", second);
    w.write("again.toml", &again);
    quick_input_error(
        &w,
        &["validate", "again.toml"],
        &[
            "blocs[1].group",
            "expected unique state names, found `g-1` twice",
        ],
    );
}
