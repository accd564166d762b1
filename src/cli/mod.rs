//! The command line: clap types ([`Cli`], [`Common`], [`Command`]) and one file per command.
//! Each command parses its arguments, calls the library and prints; the work lives in the
//! library, which never imports this module or clap.

mod plot;
mod run;
mod sweep;
mod tournament;
mod validate;

use clap::{Args, Parser, Subcommand};
use regime::io::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "regime",
    version,
    about = "Rational states playing repeated prisoner's dilemmas over international migration regimes: realism vs institutionalism.",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Master seed (default: the scenario's `seed`, or 42).
    #[arg(long, global = true)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// Output directory (default: out/<command>-<scenario>, never overwriting).
    #[arg(long, global = true)]
    pub out: Option<PathBuf>,
    /// Replace an existing output directory.
    #[arg(long, global = true)]
    pub force: bool,
    /// Override a scenario field: --set regime.min_member_share=0.5 (repeatable).
    #[arg(long = "set", global = true, value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// No progress output.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario (default: the embedded world scenario under both rule sets).
    Run {
        /// Scenario file (TOML). Without it, the embedded world scenario runs.
        scenario: Option<PathBuf>,
        /// Replicates (default: the scenario's `replicates`).
        #[arg(long)]
        reps: Option<u64>,
        /// Also draw the standard figures next to the CSVs.
        #[arg(long)]
        plots: bool,
        /// Also write negotiations.csv: every state's decision in every negotiation, with the
        /// terms of its value of membership (one row per state, issue and negotiation: large).
        #[arg(long)]
        negotiations: bool,
    },
    /// Run the same replicates under several rule sets on common random numbers and compare.
    Compare {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Rule sets, comma-separated (presets or [rules.NAME] of the scenario).
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "realist,institutionalist"
        )]
        rule_sets: Vec<String>,
        /// Replicates.
        #[arg(long, default_value_t = 100)]
        reps: u64,
        /// Also draw the standard figures.
        #[arg(long)]
        plots: bool,
        /// Also write negotiations.csv: every state's decision in every negotiation, with the
        /// terms of its value of membership (one row per state, issue and negotiation: large).
        #[arg(long)]
        negotiations: bool,
    },
    /// Round-robin tournament with self-play, as in Axelrod-Python.
    Tournament {
        /// Strategies, comma-separated (e.g. tit_for_tat,grudger,ALLD,gtft,"memory_one(1,0,0,1)").
        #[arg(long, required = true)]
        strategies: String,
        /// Turns per match.
        #[arg(long, default_value_t = 200)]
        turns: u64,
        /// Repetitions of every match.
        #[arg(long, default_value_t = 1)]
        reps: u32,
        /// Probability that an intended move flips.
        #[arg(long, default_value_t = 0.0)]
        noise: f64,
        /// Payoffs T,R,P,S (in that order).
        #[arg(long, default_value = "5,3,1,0")]
        payoffs: String,
        /// Also write every turn's actions to actions.csv.
        #[arg(long)]
        record_actions: bool,
    },
    /// Check a scenario and print it fully resolved.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
    },
    /// Parameter sweep over the scenario's [sweep] table.
    Sweep(sweep::SweepArgs),
    /// Combine the outputs of sweep shards into the files one sweep would have written.
    Merge {
        /// Shard output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Draw a line plot (or a heatmap with --z) from any CSV.
    Plot {
        /// The CSV file.
        csv: PathBuf,
        /// Column on the x axis.
        #[arg(long)]
        x: String,
        /// Column on the y axis.
        #[arg(long)]
        y: String,
        /// One line per value of this column.
        #[arg(long)]
        by: Option<String>,
        /// Colour of a heatmap over x and y.
        #[arg(long)]
        z: Option<String>,
        /// Title.
        #[arg(long)]
        title: Option<String>,
        /// Output file (.svg or .png).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let c = cli.common;
    match cli.command {
        Command::Run {
            scenario,
            reps,
            plots,
            negotiations,
        } => {
            let extras = run::Extras {
                plots,
                negotiations,
            };
            run::run(&c, scenario.as_deref(), reps, extras)
        }
        Command::Compare {
            scenario,
            rule_sets,
            reps,
            plots,
            negotiations,
        } => {
            let extras = run::Extras {
                plots,
                negotiations,
            };
            run::compare(&c, &scenario, &rule_sets, reps, extras)
        }
        Command::Tournament {
            strategies,
            turns,
            reps,
            noise,
            payoffs,
            record_actions,
        } => tournament::tournament(
            &c,
            &tournament::split_top_level(&strategies),
            turns,
            reps,
            noise,
            &payoffs,
            record_actions,
        ),
        Command::Validate { scenario } => validate::validate(&c, &scenario),
        Command::Sweep(args) => sweep::sweep(&c, args),
        Command::Merge { dirs } => sweep::merge(&c, &dirs),
        Command::Plot {
            csv,
            x,
            y,
            by,
            z,
            title,
            output,
        } => plot::plot(
            &c,
            csv,
            regime::plot::PlotSpec { x, y, by, z, title },
            output,
        ),
    }
}

/// Loads the scenario (the embedded world scenario without a path) with `--set` and `--seed`.
pub(crate) fn load(path: Option<&Path>, c: &Common) -> anyhow::Result<Scenario> {
    let mut s = match path {
        Some(p) => scenario::load(p, &c.sets)?,
        None => scenario::load_default(&c.sets)?,
    };
    if let Some(seed) = c.seed {
        s.seed = seed;
    }
    Ok(s)
}

/// Picks the output directory: `--out`, or `out/<command>-<name>` with a numeric suffix so an
/// earlier result is never overwritten.
pub(crate) fn default_out(c: &Common, command: &str, name: &str) -> PathBuf {
    if let Some(o) = &c.out {
        return o.clone();
    }
    let base = PathBuf::from("out").join(format!("{command}-{name}"));
    if !base.exists() {
        return base;
    }
    (2..)
        .map(|k| PathBuf::from("out").join(format!("{command}-{name}-{k}")))
        .find(|p| !p.exists())
        .unwrap_or(base)
}

/// A progress bar on a terminal, hidden otherwise or with `--quiet`.
pub(crate) fn progress(quiet: bool, total: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(total);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} runs, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}
