//! `regime`: the command-line interface. Parses arguments and glues library calls; the work
//! lives in the library. Exit codes: 0 success, 2 bad input, 1 any other failure.

// Errors are built only on the failure path; see the same note in src/lib.rs.
#![allow(clippy::result_large_err)]

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use regime::error::RegimeError;
use regime::experiment::{self, Comparison};
use regime::game::Payoffs;
use regime::output::{self, OutputDir, RunWriter};
use regime::scenario::{self, Rules, Scenario};
use regime::sim::Record;
use regime::strategy::Strategy;
use regime::tournament::{self, TournamentConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "regime",
    version,
    about = "Rational states playing repeated prisoner's dilemmas over international migration regimes: realism vs institutionalism.",
    long_about = None
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct Common {
    /// Master seed (default: the scenario's `seed`, or 42).
    #[arg(long, global = true)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Output directory (default: out/<command>-<scenario>, never overwriting).
    #[arg(long, global = true)]
    out: Option<PathBuf>,
    /// Replace an existing output directory.
    #[arg(long, global = true)]
    force: bool,
    /// Override a scenario field: --set regime.min_member_share=0.5 (repeatable).
    #[arg(long = "set", global = true, value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// No progress output.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
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
    Sweep(regime::sweep::SweepArgs),
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(t) = cli.common.threads {
        if t == 0 {
            eprintln!("error: invalid argument `--threads`: expected a number >= 1, found 0");
            return ExitCode::from(2);
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
        {
            eprintln!("error: cannot start {t} threads: {e}");
            return ExitCode::from(1);
        }
    }
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let input = e.chain().any(|c| {
                c.downcast_ref::<RegimeError>()
                    .is_some_and(RegimeError::is_input)
            });
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let c = cli.common;
    match cli.command {
        Command::Run {
            scenario,
            reps,
            plots,
        } => {
            let s = load(scenario.as_deref(), &c)?;
            let reps = reps.unwrap_or(s.replicates);
            if reps == 0 {
                return Err(RegimeError::argument("--reps", "a number >= 1", "0").into());
            }
            let rule_sets = s.rule_sets.clone();
            run_command("run", &s, &rule_sets, reps, plots, &c, false)
        }
        Command::Compare {
            scenario,
            rule_sets,
            reps,
            plots,
        } => {
            let s = load(Some(&scenario), &c)?;
            if reps == 0 {
                return Err(RegimeError::argument("--reps", "a number >= 1", "0").into());
            }
            let resolved = resolve_rule_sets(&s, &rule_sets)?;
            run_command("compare", &s, &resolved, reps, plots, &c, true)
        }
        Command::Tournament {
            strategies,
            turns,
            reps,
            noise,
            payoffs,
            record_actions,
        } => tournament_command(
            &c,
            &split_top_level(&strategies),
            turns,
            reps,
            noise,
            &payoffs,
            record_actions,
        ),
        Command::Validate { scenario } => {
            let s = load(Some(&scenario), &c)?;
            print!("{}", describe(&s));
            Ok(())
        }
        Command::Sweep(args) => {
            let s = load(Some(&args.scenario), &c)?;
            let out = c.out.clone();
            regime::sweep::sweep_command(
                &s,
                &args,
                &regime::sweep::Common {
                    seed: c.seed,
                    out,
                    force: c.force,
                    quiet: c.quiet,
                    threads: rayon::current_num_threads(),
                },
            )?;
            Ok(())
        }
        Command::Merge { dirs } => {
            let out = c.out.clone().ok_or_else(|| {
                RegimeError::argument("--out", "the merged output directory", "none")
            })?;
            regime::sweep::merge_command(&dirs, &out, c.force)?;
            Ok(())
        }
        Command::Plot {
            csv,
            x,
            y,
            by,
            z,
            title,
            output,
        } => {
            let spec = regime::plot::PlotSpec { x, y, by, z, title };
            let report = regime::plot::plot_csv(&csv, &spec, &output)?;
            if !c.quiet {
                eprintln!("wrote {} ({:?})", output.display(), report);
            }
            Ok(())
        }
    }
}

fn load(path: Option<&Path>, c: &Common) -> anyhow::Result<Scenario> {
    let mut s = match path {
        Some(p) => scenario::load(p, &c.sets)?,
        None => scenario::load_default(&c.sets)?,
    };
    if let Some(seed) = c.seed {
        s.seed = seed;
    }
    Ok(s)
}

fn resolve_rule_sets(s: &Scenario, names: &[String]) -> anyhow::Result<Vec<(String, Rules)>> {
    let mut out = Vec::new();
    for n in names {
        let n = n.trim();
        if let Some((_, r)) = s.rule_sets.iter().find(|(name, _)| name == n) {
            out.push((n.to_string(), *r));
        } else if let Some(r) = Rules::preset(n) {
            out.push((n.to_string(), r));
        } else {
            return Err(RegimeError::argument(
                "--rule-sets",
                "realist, institutionalist, or a rule set named in the scenario's rule_sets",
                n,
            )
            .into());
        }
    }
    if out.is_empty() {
        return Err(RegimeError::argument("--rule-sets", "at least one rule set", "none").into());
    }
    Ok(out)
}

/// Picks the output directory: `--out`, or `out/<command>-<name>` with a numeric suffix so an
/// earlier result is never overwritten.
fn default_out(c: &Common, command: &str, name: &str) -> PathBuf {
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

fn progress(quiet: bool, total: u64, what: &str) -> indicatif::ProgressBar {
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

fn run_command(
    command: &str,
    s: &Scenario,
    rule_sets: &[(String, Rules)],
    reps: u64,
    plots: bool,
    c: &Common,
    compare: bool,
) -> anyhow::Result<()> {
    let target = default_out(c, command, &s.name);
    let dir = OutputDir::create(&target, c.force)?;
    let started = Instant::now();
    let mut writer = RunWriter::create(&dir)?;
    let mut comparison = Comparison {
        rule_sets: rule_sets.iter().map(|r| r.0.clone()).collect(),
        ..Default::default()
    };
    let pb = progress(c.quiet, reps * rule_sets.len() as u64, command);
    let pair_rounds = experiment::run_replicates(s, rule_sets, reps, Record::Full, |o| {
        writer.write(s, &o)?;
        comparison.add(&o);
        pb.inc(1);
        Ok(())
    })?;
    pb.finish_and_clear();
    writer.finish()?;
    let elapsed = started.elapsed().as_secs_f64();
    let rows = comparison.write(&dir, s)?;
    let diffs = comparison.differences(s);
    let table = experiment::comparison_table(&rows, &diffs, &comparison.rule_sets);
    let manifest = manifest(command, s, rule_sets, reps, elapsed, pair_rounds);
    output::write_manifest(&dir, &manifest)?;
    if plots {
        let figs = if compare {
            regime::plot::compare_figures(dir.temp_path())?
        } else {
            regime::plot::run_figures(dir.temp_path())?
        };
        if !c.quiet {
            eprintln!("drew {} figures", figs.len());
        }
    }
    let done = dir
        .commit()
        .context("moving the finished outputs into place")?;
    if !c.quiet || compare {
        println!("{table}");
    }
    if !c.quiet {
        eprintln!(
            "{} runs ({} replicates x {} rule sets) of `{}` in {:.2} s ({:.3e} pair-rounds/s); outputs in {}",
            reps * rule_sets.len() as u64,
            reps,
            rule_sets.len(),
            s.name,
            elapsed,
            pair_rounds as f64 / elapsed.max(1e-9),
            done.display()
        );
    }
    Ok(())
}

fn manifest(
    command: &str,
    s: &Scenario,
    rule_sets: &[(String, Rules)],
    reps: u64,
    elapsed: f64,
    pair_rounds: u64,
) -> serde_json::Value {
    let seeds: Vec<u64> = (0..reps)
        .map(|r| experiment::replicate_seed(s.seed, r))
        .collect();
    serde_json::json!({
        "tool": "regime",
        "version": env!("CARGO_PKG_VERSION"),
        "command": command,
        "arguments": std::env::args().collect::<Vec<_>>(),
        "scenario_source": s.source,
        "scenario_sha256": s.hash(),
        "scenario": s,
        "scenario_text": s.text,
        "master_seed": s.seed,
        "replicates": reps,
        "rule_sets": rule_sets.iter().map(|(n, r)| serde_json::json!({"name": n, "mechanisms": r})).collect::<Vec<_>>(),
        "replicate_seeds": seeds,
        "threads": rayon::current_num_threads(),
        "seconds": elapsed,
        "pair_rounds": pair_rounds,
        "pair_rounds_per_second": pair_rounds as f64 / elapsed.max(1e-9),
        "note": "CSV outputs depend only on the scenario, the seed and the arguments, never on threads or timing; `seconds` and `threads` here are the only machine-dependent fields."
    })
}

fn tournament_command(
    c: &Common,
    strategies: &[String],
    turns: u64,
    reps: u32,
    noise: f64,
    payoffs: &str,
    record_actions: bool,
) -> anyhow::Result<()> {
    let mut parsed = Vec::new();
    for s in strategies {
        let st =
            Strategy::parse(s).map_err(|e| RegimeError::argument("--strategies", e, s.clone()))?;
        if parsed.contains(&st) {
            return Err(
                RegimeError::argument("--strategies", "distinct strategies", s.clone()).into(),
            );
        }
        parsed.push(st);
    }
    if !(0.0..=1.0).contains(&noise) {
        return Err(
            RegimeError::argument("--noise", "a probability in [0, 1]", noise.to_string()).into(),
        );
    }
    let nums: Vec<f64> = payoffs
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| RegimeError::argument("--payoffs", "four numbers T,R,P,S", payoffs))?;
    if nums.len() != 4 {
        return Err(RegimeError::argument("--payoffs", "four numbers T,R,P,S", payoffs).into());
    }
    let game = Payoffs {
        t: nums[0],
        r: nums[1],
        p: nums[2],
        s: nums[3],
    };
    if !game.is_finite() {
        return Err(RegimeError::argument("--payoffs", "finite numbers", payoffs).into());
    }
    if let Some(why) = game.strict_pd_violation() {
        // Like Axelrod-Python, any 2x2 game is allowed in a tournament; say so.
        eprintln!("note: --payoffs {payoffs} is not a strict prisoner's dilemma ({why}); playing it anyway");
    }
    if reps == 0 || turns == 0 {
        return Err(RegimeError::argument(
            "--turns/--reps",
            "numbers >= 1",
            format!("{turns}/{reps}"),
        )
        .into());
    }
    // Counts and the ranking's sums must stay exact: turns x repetitions x matches of a
    // strategy at most 2^53 (an f64 holds every whole number up to there).
    let n = parsed.len() as u64;
    let most = (n + 1)
        .checked_mul(u64::from(reps))
        .and_then(|x| x.checked_mul(turns));
    if most.is_none_or(|x| x > 1 << 53) {
        return Err(RegimeError::argument(
            "--turns/--reps",
            format!(
                "turns x reps x {} (the matches of a strategy) at most 2^53 = 9007199254740992",
                n + 1
            ),
            format!("{turns}/{reps}"),
        )
        .into());
    }
    let config = TournamentConfig {
        strategies: parsed,
        turns,
        reps,
        noise,
        payoffs: game,
        seed: c.seed.unwrap_or(42),
        record_actions,
    };
    let target = default_out(
        c,
        "tournament",
        &format!("{}x{}", config.strategies.len(), turns),
    );
    let dir = OutputDir::create(&target, c.force)?;
    let started = Instant::now();
    let t = tournament::run(&config);
    let elapsed = started.elapsed().as_secs_f64();
    output::write_tournament(&dir, &t)?;
    let pr = config.pair_rounds();
    output::write_manifest(
        &dir,
        &serde_json::json!({
            "tool": "regime",
            "version": env!("CARGO_PKG_VERSION"),
            "command": "tournament",
            "arguments": std::env::args().collect::<Vec<_>>(),
            "strategies": config.strategies.iter().map(|s| s.name()).collect::<Vec<_>>(),
            "turns": turns,
            "reps": reps,
            "noise": noise,
            "payoffs": {"t": game.t, "r": game.r, "p": game.p, "s": game.s},
            "master_seed": config.seed,
            "threads": rayon::current_num_threads(),
            "seconds": elapsed,
            "pair_rounds": pr,
        }),
    )?;
    let done = dir.commit()?;
    if !c.quiet {
        println!(
            "{:>4}  {:<28} {:>12} {:>11} {:>5}",
            "rank", "strategy", "score/turn", "cooperation", "wins"
        );
        for r in t.ranking() {
            println!(
                "{:>4}  {:<28} {:>12.4} {:>11.4} {:>5}",
                r.rank, r.strategy, r.mean_score_per_turn, r.cooperation, r.wins
            );
        }
        eprintln!(
            "{} pair-rounds in {:.4} s; outputs in {}",
            pr,
            elapsed,
            done.display()
        );
    }
    Ok(())
}

/// Splits on commas outside parentheses: `tft,memory_one(1,0,0,1),gtft(0.1)` has three parts.
fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for ch in text.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if !cur.trim().is_empty() || !parts.is_empty() {
        parts.push(cur.trim().to_string());
    }
    parts
}

fn describe(s: &Scenario) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# scenario `{}` from {} is valid\n",
        s.name, s.source
    ));
    out.push_str(&format!("# sha256 {}\n", s.hash()));
    out.push_str(&format!(
        "# {} states ({} listed, {} in {} blocs), {} issues, {} rounds ({}-{}), topology {}\n",
        s.state_count(),
        s.states.fixed.len(),
        s.states.blocs.iter().map(|b| b.count).sum::<u64>(),
        s.states.blocs.len(),
        s.issues.len(),
        s.rounds,
        s.start_year,
        s.year(s.rounds - 1),
        s.topology.kind
    ));
    out.push_str("# fully resolved (defaults filled in, rule sets expanded):\n");
    match toml::to_string_pretty(&resolved_view(s)) {
        Ok(t) => out.push_str(&t),
        Err(e) => out.push_str(&format!("# (cannot render: {e})\n")),
    }
    out
}

fn resolved_view(s: &Scenario) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("text");
        let rs: serde_json::Map<String, serde_json::Value> = s
            .rule_sets
            .iter()
            .map(|(n, r)| (n.clone(), serde_json::to_value(r).unwrap_or_default()))
            .collect();
        obj.insert("rule_sets".into(), serde_json::Value::Object(rs));
        // TOML cannot hold nulls: drop them.
        strip_nulls(&mut v);
    }
    v
}

fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            for x in m.values_mut() {
                strip_nulls(x);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a.iter_mut() {
                strip_nulls(x);
            }
        }
        _ => {}
    }
}
