//! `regime hypotheses`: the four contrasts of the thesis's chapter 5 table on simulated worlds
//! (docs/hypotheses.md): `hypotheses.csv`, a manifest and the printed table.

use super::{default_out, load, progress, Common, LimitArgs};
use anyhow::Context;
use regime::analysis::budget;
use regime::analysis::hypotheses::{self, design::Design};
use regime::error::RegimeError;
use regime::io::output::{self, OutputDir};
use regime::io::scenario::Scenario;
use std::path::Path;
use std::time::Instant;

/// `regime hypotheses SCENARIO`: every rule set of the scenario.
pub fn hypotheses(
    c: &Common,
    path: &Path,
    (reps, exit_count, limits): (u64, Option<usize>, LimitArgs),
    plots: bool,
) -> anyhow::Result<()> {
    let s = load(Some(path), c)?;
    if reps < 2 {
        return Err(RegimeError::argument("--reps", "a number >= 2", reps.to_string()).into());
    }
    let mut design = Design::for_scenario(&s, reps);
    if let Some(k) = exit_count {
        if k == 0 {
            return Err(RegimeError::argument("--exit-count", "a number >= 1", "0").into());
        }
        design.exit.count = k;
    }
    let target = default_out(c, "hypotheses", &s.name);
    let total = reps * (s.rule_sets.len() * design.variants().len()) as u64;
    // every run's summary is kept until the contrasts are measured; hypotheses.csv is small
    let rows = 64 * s.rule_sets.len() as u64;
    budget::estimate_analysis(&s, total, rows, rayon::current_num_threads())
        .check(&limits.limits(&target))?;
    let dir = OutputDir::create(&target, c.force)?;
    let started = Instant::now();
    let pb = progress(c.quiet, total, "hypotheses");
    let rows = hypotheses::run(&s, &s.rule_sets, &design, |k| pb.inc(k));
    pb.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    hypotheses::write_csv(&dir, &rows)?;
    output::write_manifest(&dir, &manifest(&s, &design, elapsed))?;
    if plots {
        let figs = regime::plot::hypotheses_figures(dir.temp_path())?;
        if !c.quiet {
            eprintln!("drew {} figures", figs.len());
        }
    }
    let done = dir
        .commit()
        .context("moving the finished outputs into place")?;
    println!("{}", hypotheses::table(&rows));
    if !c.quiet {
        eprintln!(
            "{total} runs ({reps} replicates x {} rule sets x {} variants) of `{}` in {elapsed:.2} s; outputs in {}",
            s.rule_sets.len(),
            design.variants().len(),
            s.name,
            done.display()
        );
    }
    Ok(())
}

fn manifest(s: &Scenario, design: &Design, elapsed: f64) -> serde_json::Value {
    let fields = serde_json::json!({
        "replicates": design.reps,
        "design": {
            "variants": ["baseline", "access_off", "horizon_short", "horizon_long", "forced_exit"],
            "horizon_factors": design.horizons,
            "exit_round": design.exit.round,
            "exit_year": s.year(design.exit.round),
            "exit_count": design.exit.count,
        },
        "threads": rayon::current_num_threads(),
        "seconds": elapsed,
        "note": "hypotheses.csv depends only on the scenario, the seed and the arguments, never on threads or timing."
    });
    super::scenario_manifest(s, "hypotheses", fields)
}
