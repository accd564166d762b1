//! The command line: clap types ([`Cli`], [`Common`], [`Command`]) and one file per command.
//! Each command parses its arguments, calls the library and prints; the work lives in the
//! library, which never imports this module or clap.

mod calibrate;
mod compare;
#[cfg(test)]
mod doc_examples;
mod hypotheses;
mod merge;
mod plot;
mod run;
mod status;
mod sweep;
mod tournament;
mod validate;
mod validate_targets;

use clap::{Args, Parser, Subcommand};
use regime::analysis::budget;
use regime::io::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "regime",
    version,
    about = "Rational states playing repeated prisoner's dilemmas over international migration regimes: realism vs institutionalism.",
    long_about = None,
    after_help = "Examples:\n  regime run                                   the embedded 193-state world, both rule sets\n  regime run scenarios/teaching.toml --plots   8 states, with figures\n  regime help run                              one command's options, files and examples\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure.\nOutputs go to a temporary directory renamed into place when complete (default out/<command>-<scenario>, never overwritten without --force)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What the commands share, gathered from the flags each one has (a command without a flag
/// gets its default; `--threads` is applied by `main`). Not a clap type: each command declares only the flags that mean
/// something for it, through the groups below.
#[derive(Debug, Clone, Default)]
pub struct Common {
    pub seed: Option<u64>,
    pub out: Option<PathBuf>,
    pub force: bool,
    pub sets: Vec<String>,
    pub quiet: bool,
    /// `--threads` as given (passed on to the tasks of `regime sweep --slurm`).
    pub threads: Option<usize>,
}

/// `--seed` and `--set`: for the commands that run a scenario.
#[derive(Args, Debug, Clone, Default)]
pub struct ScenarioArgs {
    /// Master seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override a scenario field: --set regime.min_member_share=0.5 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
}

/// `--out`, `--force`, `--threads` and `--quiet`: for the commands that compute and write an
/// output directory.
#[derive(Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Output directory (default: out/<command>-<name>, never overwriting).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing output directory.
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress or notes on standard error (result tables still go to standard output).
    #[arg(long, short)]
    pub quiet: bool,
}

impl Common {
    /// The settings of a command with these flag groups.
    fn of(scenario: Option<ScenarioArgs>, output: OutputArgs) -> Common {
        let scenario = scenario.unwrap_or_default();
        Common {
            seed: scenario.seed,
            sets: scenario.sets,
            out: output.out,
            force: output.force,
            quiet: output.quiet,
            threads: output.threads,
        }
    }
}

/// `--max-memory` and `--max-output`, for the commands that run scenarios.
#[derive(Args, Debug, Clone, Copy)]
pub struct LimitArgs {
    /// Most memory the command may use, e.g. 8G or 512M (default: half of the machine's
    /// memory). Checked against an estimate before anything is allocated.
    #[arg(long, value_name = "SIZE", value_parser = budget::parse_size)]
    pub max_memory: Option<u64>,
    /// Most bytes the command may write, e.g. 100G (default: the free disk space where the
    /// outputs go).
    #[arg(long, value_name = "SIZE", value_parser = budget::parse_size)]
    pub max_output: Option<u64>,
}

impl LimitArgs {
    /// The limits, with the machine's defaults for outputs going to `out`.
    pub fn limits(&self, out: &Path) -> budget::Limits {
        budget::Limits::with_defaults(self.max_memory, self.max_output, out)
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario (default: the embedded world scenario under both rule sets).
    #[command(
        after_help = "Examples:\n  regime run --reps 20\n  regime run scenarios/teaching.toml --reps 20 --plots --out out/teaching\n  regime run scenarios/world-data.toml --reps 2 --negotiations --set regime.decision_noise=0.05\n\nWrites timeseries.csv, events.csv, states.csv, summary.csv, comparison.csv, paired.csv, manifest.json; with --plots cooperation.svg, membership.svg, events.svg; with --negotiations negotiations.csv (columns: docs/outputs.md).\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure."
    )]
    Run {
        /// Scenario file (TOML). Without it, the embedded world scenario runs.
        scenario: Option<PathBuf>,
        /// Replicates (default: the scenario's `replicates`).
        #[arg(long)]
        reps: Option<u64>,
        #[command(flatten)]
        extras: run::Extras,
        #[command(flatten)]
        scenario_args: ScenarioArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run the same replicates under several rule sets on common random numbers and compare.
    #[command(
        after_help = "Examples:\n  regime compare scenarios/world.toml --reps 100 --plots --out out/world-compare\n  regime compare scenarios/hegemon.toml --rule-sets realist,institutionalist --reps 200\n\nWrites the files of `regime run` (comparison.csv and paired.csv side by side for the named rule sets); --plots adds compare_cooperation.svg, compare_survival.svg, compare_emergence.svg. Prints the comparison table.\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure."
    )]
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
        #[command(flatten)]
        extras: run::Extras,
        #[command(flatten)]
        scenario_args: ScenarioArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// The four contrasts of the thesis's chapter 5 (realism vs institutionalism) measured on
    /// simulated worlds, per rule set, with 95% intervals.
    #[command(
        after_help = "Examples:\n  regime hypotheses scenarios/world-data.toml --plots --out out/hypotheses\n  regime hypotheses scenarios/civil-society.toml --reps 40 --seed 7\n\nEvery replicate runs under every rule set of the scenario in five variants on common random numbers: as written, without civil-society access, with the shadow of the future halved and doubled, and with the most powerful members of every regime forced out in the middle round. Writes hypotheses.csv (hypothesis, measure, rule_set, issue, estimate, ci_low, ci_high, n, matches) and manifest.json, with --plots hypotheses.svg; prints the rows pooled over issues. See docs/hypotheses.md.\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure."
    )]
    Hypotheses {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Replicates (each runs 5 variants under every rule set).
        #[arg(long, default_value_t = 40)]
        reps: u64,
        /// Also draw hypotheses.svg (the pooled rows with their intervals).
        #[arg(long)]
        plots: bool,
        /// Members forced out in the middle round (default: the scenario's
        /// `[regime] veto_players`, at least 1).
        #[arg(long, value_name = "K")]
        exit_count: Option<usize>,
        #[command(flatten)]
        scenario_args: ScenarioArgs,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Out-of-sample check: how well simulated membership values separate the states that voted
    /// no or abstained on the 2018 GCM from those that voted yes, against position alone.
    #[command(
        name = "validate-targets",
        after_help = "Examples:\n  regime validate-targets scenarios/world-data.toml --reps 20\n  regime validate-targets scenarios/world-data.toml --issue migrant_rights --targets scenarios/data/targets.csv\n\nRuns the scenario's rule sets, averages each state's membership_value of the issue over replicates, and reports the AUC (with a stratified bootstrap 95% interval) of minus that value, of position alone, and of their difference, for the gcm_2018_vote of the targets file (no or abstain vs yes; absent states left out). The vote is read after the runs and is never a model input. Writes validation.csv and manifest.json. See docs/hypotheses.md.\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure."
    )]
    ValidateTargets {
        /// Scenario file (TOML) of real states (a `states_file` whose names match the targets).
        scenario: PathBuf,
        /// Replicates.
        #[arg(long, default_value_t = 20)]
        reps: u64,
        /// The issue whose membership_value is checked.
        #[arg(long, default_value = "comprehensive")]
        issue: String,
        /// The targets CSV (columns name and gcm_2018_vote; default: data/targets.csv beside the
        /// scenario).
        #[arg(long)]
        targets: Option<PathBuf>,
        /// Bootstrap resamples.
        #[arg(long, default_value_t = 2000)]
        bootstrap: usize,
        #[command(flatten)]
        scenario_args: ScenarioArgs,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Round-robin tournament with self-play, as in Axelrod-Python.
    #[command(
        after_help = "Examples:\n  regime tournament --strategies TFT,GRIM,ALLD,ALLC,WSLS,GTFT --turns 200 --reps 10 --noise 0.01\n  regime tournament --strategies \"tit_for_tat,memory_one(1,0,0,1),gtft(0.1)\" --payoffs 4,3,1,0\n\nWrites matches.csv, ranking.csv, manifest.json (and actions.csv with --record-actions); prints the ranking. --seed sets the tournament's master seed (default 42).\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure."
    )]
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
        /// Master seed of the tournament (default 42).
        #[arg(long)]
        seed: Option<u64>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Check a scenario and print it fully resolved.
    #[command(
        after_help = "Examples:\n  regime validate scenarios/world.toml\n  regime validate scenarios/world.toml --set regime.min_member_share=0.5\n\nWrites nothing; prints the scenario with every default filled in, states_file listed and the rule sets expanded, as a scenario file that `regime run` reads back to the same results, after comment lines with its hash and an estimate of the memory and output of `regime run`.\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure."
    )]
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Override a scenario field: --set regime.min_member_share=0.5 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Parameter sweep over the scenario's [sweep] table.
    #[command(
        after_help = "Examples:\n  regime sweep scenarios/sweeps/relative-gains-discount.toml --plots\n  regime sweep scenarios/sweeps/continuum.toml --shard 1/4 --out out/c1   (then 2/4 ... 4/4, and regime merge)\n  regime sweep scenarios/sweeps/continuum.toml --resume                   (after an interruption, same command)\n  regime sweep scenarios/sweeps/continuum.toml --slurm --tasks 8 --time 01:00:00 --submit --out /scratch/continuum\n\nWrites runs.csv (one row per run and issue), points.csv (per point, rule set and issue, with Wilson intervals), manifest.json; with --plots one figure per issue. With --slurm it runs nothing and writes OUT/slurm/sweep.sbatch (a job array, task K runs shard K into OUT/shards/K), OUT/slurm/merge.sbatch (regime merge OUT), OUT/slurm/cluster.json, and with --submit OUT/slurm/jobs.json; follow it with regime status OUT. See docs/sweep.md.\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure."
    )]
    Sweep {
        #[command(flatten)]
        args: sweep::SweepArgs,
        #[command(flatten)]
        scenario_args: ScenarioArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Fit parameters to observed patterns by approximate Bayesian computation ([calibrate]).
    #[command(
        after_help = "Examples:\n  regime calibrate scenarios/calibrate/teaching-labour.toml --plots --out out/cal-teaching\n  regime calibrate scenarios/calibrate/teaching-labour.toml --resume --out out/cal-teaching   (after an interruption, same command)\n\nWrites particles.csv (every particle of every generation: weight, distance, parameters, statistics), posterior.csv, fit.csv, calibrated.toml (the scenario at the posterior medians), manifest.json; rejection also draws.csv; with --plots posterior_K.svg, pair.svg, fit.svg and their CSVs. See docs/calibration.md.\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure."
    )]
    Calibrate {
        #[command(flatten)]
        args: calibrate::CalibrateArgs,
        #[command(flatten)]
        scenario_args: ScenarioArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Combine the outputs of sweep shards into the files one sweep would have written.
    #[command(
        after_help = "Examples:\n  regime merge out/c1 out/c2 out/c3 out/c4 --out out/continuum\n  regime merge /scratch/continuum        (a regime sweep --slurm directory: its shards/* merged into it)\n\nWrites runs.csv, points.csv and manifest.json, byte for byte those of one unsharded sweep (in place: renamed in one at a time, manifest.json last). Refuses shards of another sweep, a shard twice, missing or unfinished, and a shard whose runs.csv lacks rows its manifest records.\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure."
    )]
    Merge {
        /// Shard output directories (with --out), or one directory of `regime sweep --slurm`.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// The merged output directory (required unless merging a `regime sweep --slurm`
        /// directory into itself).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing output directory.
        #[arg(long)]
        force: bool,
        /// No notes on standard error.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Where a sweep submitted with `regime sweep --slurm` stands, and how to finish it.
    #[command(
        after_help = "Example:\n  regime status /scratch/continuum\n\nWrites nothing. Prints each shard as complete, running, queued, partial or missing (asking squeue when it is on PATH), the merge, and the exact commands that resubmit missing shards and re-queue the merge.\n\nExit codes: 0 success; 2 bad input (not a regime sweep --slurm directory); 1 any other failure."
    )]
    Status {
        /// The output directory of `regime sweep --slurm`.
        dir: PathBuf,
    },
    /// Draw a line plot (or a heatmap with --z) from any CSV.
    #[command(
        after_help = "Examples:\n  regime plot out/run-world/timeseries.csv --x year --y cooperation --by issue --where rule_set=realist --where group=all -o coop.svg\n  regime plot out/rg/points.csv --x relative_gains --y discount --z emergence_probability -o rg.png\n\nWrites one SVG or PNG (by the extension of -o). Rows with the same x (replicates) are averaged, with a 95% band.\n\nExit codes: 0 success; 2 bad input (the message names file, line and field; nothing is written); 1 any other failure."
    )]
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
        /// Only rows where COLUMN equals VALUE (repeatable; all must hold), e.g.
        /// --where rule_set=realist --where group=all.
        #[arg(long = "where", value_name = "COLUMN=VALUE", value_parser = column_value)]
        filters: Vec<(String, String)>,
        /// Output file (.svg or .png).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// No note on standard error.
        #[arg(long, short)]
        quiet: bool,
    },
}

impl Command {
    /// `--threads`, for the commands that have it.
    pub fn threads(&self) -> Option<usize> {
        match self {
            Command::Run { output, .. }
            | Command::Compare { output, .. }
            | Command::Hypotheses { output, .. }
            | Command::ValidateTargets { output, .. }
            | Command::Tournament { output, .. }
            | Command::Sweep { output, .. }
            | Command::Calibrate { output, .. } => output.threads,
            Command::Validate { .. }
            | Command::Merge { .. }
            | Command::Status { .. }
            | Command::Plot { .. } => None,
        }
    }
}

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run {
            scenario,
            reps,
            extras,
            scenario_args,
            output,
        } => {
            let c = Common::of(Some(scenario_args), output);
            run::run(&c, scenario.as_deref(), reps, extras)
        }
        Command::Compare {
            scenario,
            rule_sets,
            reps,
            extras,
            scenario_args,
            output,
        } => {
            let c = Common::of(Some(scenario_args), output);
            compare::compare(&c, &scenario, &rule_sets, reps, extras)
        }
        c @ (Command::Hypotheses { .. } | Command::ValidateTargets { .. }) => dispatch_checks(c),
        Command::Tournament {
            strategies,
            turns,
            reps,
            noise,
            payoffs,
            record_actions,
            seed,
            output,
        } => {
            let scenario_args = ScenarioArgs { seed, sets: vec![] };
            tournament::tournament(
                &Common::of(Some(scenario_args), output),
                &tournament::split_top_level(&strategies),
                turns,
                reps,
                noise,
                &payoffs,
                record_actions,
            )
        }
        Command::Validate { scenario, sets } => {
            let scenario_args = ScenarioArgs { seed: None, sets };
            let c = Common::of(Some(scenario_args), OutputArgs::default());
            validate::validate(&c, &scenario)
        }
        other => dispatch_many(other),
    }
}

/// Runs the commands of many runs and of their files: sweep, calibrate, merge, status, plot.
fn dispatch_many(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Sweep {
            args,
            scenario_args,
            output,
        } => sweep::sweep(&Common::of(Some(scenario_args), output), args),
        Command::Calibrate {
            args,
            scenario_args,
            output,
        } => calibrate::calibrate(&Common::of(Some(scenario_args), output), args),
        Command::Merge {
            dirs,
            out,
            force,
            quiet,
        } => merge::merge(&dirs, out.as_deref(), force, quiet),
        Command::Status { dir } => status::status(&dir),
        Command::Plot {
            csv,
            x,
            y,
            by,
            z,
            title,
            filters,
            output,
            quiet,
        } => plot::plot(
            quiet,
            csv,
            regime::plot::PlotSpec {
                x,
                y,
                by,
                z,
                title,
                filters,
            },
            output,
        ),
        other => anyhow::bail!("internal error: `{other:?}` is dispatched by `dispatch`"),
    }
}

/// The commands that check the model against theory and data: `hypotheses` and
/// `validate-targets`.
fn dispatch_checks(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Hypotheses {
            scenario,
            reps,
            plots,
            exit_count,
            limits,
            scenario_args,
            output,
        } => hypotheses::hypotheses(
            &Common::of(Some(scenario_args), output),
            &scenario,
            (reps, exit_count, limits),
            plots,
        ),
        Command::ValidateTargets {
            scenario,
            reps,
            issue,
            targets,
            bootstrap,
            limits,
            scenario_args,
            output,
        } => validate_targets::validate_targets(
            &Common::of(Some(scenario_args), output),
            &scenario,
            (reps, &issue, targets, bootstrap),
            limits,
        ),
        other => Err(anyhow::anyhow!("not a check command: {other:?}")),
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

/// The manifest every command that runs a scenario writes: the tool, the command line, the
/// scenario (source, SHA-256, resolved, text), the master seed and the rule sets, with the
/// command's own `fields` (an object) added.
fn scenario_manifest(
    s: &regime::io::scenario::Scenario,
    command: &str,
    fields: serde_json::Value,
) -> serde_json::Value {
    let mut m = serde_json::json!({
        "tool": "regime",
        "version": env!("CARGO_PKG_VERSION"),
        "command": command,
        "arguments": std::env::args().collect::<Vec<_>>(),
        "scenario_source": s.source,
        "scenario_sha256": s.hash(),
        "scenario": regime::io::scenario::resolved_json(s),
        "scenario_text": s.text,
        "master_seed": s.seed,
        "rule_sets": s.rule_sets.iter().map(|(n, r)| serde_json::json!({"name": n, "mechanisms": r})).collect::<Vec<_>>(),
    });
    if let (Some(head), serde_json::Value::Object(extra)) = (m.as_object_mut(), fields) {
        head.extend(extra);
    }
    m
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

/// Parses `COLUMN=VALUE` of `plot --where`.
fn column_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((column, value)) if !column.trim().is_empty() => {
            Ok((column.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!("expected COLUMN=VALUE, found `{text}`")),
    }
}
