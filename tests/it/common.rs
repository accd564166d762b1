//! What the integration tests share: the binary, the repository's paths, running the binary in
//! a scratch directory, and the check that a failed command left nothing behind.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_regime");
/// Set to re-bless the golden files (see `cli.rs`).
pub const BLESS_VAR: &str = "REGIME_BLESS";

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture of `tests/data/`.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/data").join(name)
}

/// A shipped scenario of `scenarios/`.
pub fn shipped(name: &str) -> PathBuf {
    repo().join("scenarios").join(name)
}

/// Every shipped scenario, sweep and calibration file (`scenarios/*.toml`,
/// `scenarios/sweeps/*.toml`, `scenarios/calibrate/*.toml`), sorted.
pub fn shipped_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["scenarios", "scenarios/sweeps", "scenarios/calibrate"]
        .iter()
        .flat_map(|d| std::fs::read_dir(repo().join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// A golden file of `tests/golden/`.
pub fn golden(name: &str) -> PathBuf {
    repo().join("tests/golden").join(name)
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> String {
    p.to_str().expect("test paths are UTF-8").to_string()
}

/// What a run of the binary did.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub command: String,
}

impl Outcome {
    pub fn ok(self) -> Outcome {
        assert_eq!(
            self.code,
            Some(0),
            "`{}` failed\nstdout:\n{}\nstderr:\n{}",
            self.command,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs `regime ARGS` with `cwd` as the working directory.
pub fn regime(cwd: &Path, args: &[&str]) -> Outcome {
    let out = output(Some(cwd), args);
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        command: format!("regime {}", args.join(" ")),
    }
}

/// A scratch directory the binary runs in.
pub struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    pub fn new() -> Work {
        Work {
            dir: tempfile::tempdir().expect("cannot create a temporary directory"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        fs::write(&p, text).expect("cannot write a test file");
        p
    }

    /// Copies a fixture of `tests/data/` into the directory.
    pub fn copy_fixture(&self, name: &str) -> PathBuf {
        let p = self.path(name);
        fs::copy(fixture(name), &p).expect("cannot copy a fixture");
        p
    }

    /// The golden fixture with its states CSV, so that a mutated copy still resolves
    /// `states_file`.
    pub fn golden_scenario(&self, text: &str) -> PathBuf {
        self.copy_fixture("golden-states.csv");
        self.write("scenario.toml", text)
    }

    pub fn entries(&self) -> BTreeSet<String> {
        fs::read_dir(self.dir.path())
            .expect("cannot list the work directory")
            .map(|e| {
                e.expect("directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    pub fn run(&self, args: &[&str]) -> Outcome {
        regime(self.dir.path(), args)
    }

    /// Runs a command that must fail on its input: exit code 2, every `needle` in the message,
    /// and nothing written (no output directory, no `.NAME.tmp-*`, no default `out/`).
    pub fn input_error(&self, args: &[&str], needles: &[&str]) -> String {
        let before = self.entries();
        let o = self.run(args);
        let after = self.entries();
        assert_eq!(
            o.code,
            Some(2),
            "`{}` should exit with 2 (bad input)\nstdout:\n{}\nstderr:\n{}",
            o.command,
            o.stdout,
            o.stderr
        );
        let created: Vec<&String> = after.difference(&before).collect();
        assert!(
            created.is_empty(),
            "`{}` failed but left {:?} behind",
            o.command,
            created
        );
        for n in needles {
            assert!(
                o.stderr.contains(n),
                "`{}`: the message should contain {:?}\nstderr:\n{}",
                o.command,
                n,
                o.stderr
            );
        }
        o.stderr
    }
}

/// Runs `regime ARGS` (in `cwd`, or in the test's own working directory) and returns what the
/// process did.
pub fn output(cwd: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.output().expect("cannot start the regime binary")
}
