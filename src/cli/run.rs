//! `regime run`: replicates of a scenario under its own rule sets on common random numbers, the
//! CSVs, the comparison table and (with `--plots`) the standard figures. `compare` shares
//! [`run_command`].

use super::{default_out, load, progress, Common};
use anyhow::Context;
use regime::analysis::budget;
use regime::analysis::experiment::{self, Comparison};
use regime::engine::sim::Record;
use regime::error::RegimeError;
use regime::io::output::{self, OutputDir, RunWriter};
use regime::io::scenario::{Rules, Scenario};
use std::path::Path;
use std::time::Instant;

/// What a run writes beyond the standard CSVs.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Extras {
    /// Also draw the standard figures next to the CSVs.
    #[arg(long)]
    pub plots: bool,
    /// Also write negotiations.csv: every state's decision in every negotiation, with the
    /// terms of its value of membership (one row per state, issue and negotiation: large).
    #[arg(long)]
    pub negotiations: bool,
    #[command(flatten)]
    pub limits: super::LimitArgs,
}

/// `regime run [SCENARIO]`: the scenario's own rule sets.
pub fn run(
    c: &Common,
    scenario: Option<&Path>,
    reps: Option<u64>,
    extras: Extras,
) -> anyhow::Result<()> {
    let s = load(scenario, c)?;
    let reps = reps.unwrap_or(s.replicates);
    if reps == 0 {
        return Err(RegimeError::argument("--reps", "a number >= 1", "0").into());
    }
    let rule_sets = s.rule_sets.clone();
    run_command("run", &s, &rule_sets, reps, extras, c, false)
}

/// Runs the replicates, writes every file and prints the table (shared by `run` and
/// `compare`).
pub(super) fn run_command(
    command: &str,
    s: &Scenario,
    rule_sets: &[(String, Rules)],
    reps: u64,
    extras: Extras,
    c: &Common,
    compare: bool,
) -> anyhow::Result<()> {
    let target = default_out(c, command, &s.name);
    let threads = rayon::current_num_threads();
    budget::estimate_runs(s, rule_sets.len(), reps, extras.negotiations, threads)
        .check(&extras.limits.limits(&target))?;
    let dir = OutputDir::create(&target, c.force)?;
    let started = Instant::now();
    let mut writer = RunWriter::create(&dir, extras.negotiations)?;
    let record = if extras.negotiations {
        Record::FullWithNegotiations
    } else {
        Record::Full
    };
    let mut comparison = Comparison {
        rule_sets: rule_sets.iter().map(|r| r.0.clone()).collect(),
        ..Default::default()
    };
    let pb = progress(c.quiet, reps * rule_sets.len() as u64, command);
    let pair_rounds = experiment::run_replicates(s, rule_sets, reps, record, |o| {
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
    let table = experiment::comparison_table(&rows, &diffs, &comparison.rule_sets, s.start_year);
    let manifest = manifest(command, s, rule_sets, reps, elapsed, pair_rounds);
    output::write_manifest(&dir, &manifest)?;
    if extras.plots {
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
    // The table is the result: on standard output whatever --quiet says (as for compare and
    // tournament), while --quiet silences progress and notes on standard error.
    println!("{table}");
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
    let fields = serde_json::json!({
        "replicates": reps,
        "rule_sets": rule_sets.iter().map(|(n, r)| serde_json::json!({"name": n, "mechanisms": r})).collect::<Vec<_>>(),
        "replicate_seeds": seeds,
        "threads": rayon::current_num_threads(),
        "seconds": elapsed,
        "pair_rounds": pair_rounds,
        "pair_rounds_per_second": pair_rounds as f64 / elapsed.max(1e-9),
        "note": "CSV outputs depend only on the scenario, the seed and the arguments, never on threads or timing; `seconds` and `threads` here are the only machine-dependent fields."
    });
    super::scenario_manifest(s, command, fields)
}
