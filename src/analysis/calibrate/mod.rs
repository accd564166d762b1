//! Calibration of a scenario against observed patterns (`regime calibrate`): approximate
//! Bayesian computation ([`crate::analysis::abc`]) with the regime model as its simulator.
//!
//! The `[calibrate]` table of the scenario names the parameters to fit (`--set` paths with
//! priors), the targets (summary statistics of a particle's runs with observed values and
//! scales, combined into one distance) and the sampler (rejection or SMC). The format, the
//! distance and how to read the outputs are in `docs/calibration.md`.
//!
//! It keeps the promises of sweeps ([`crate::analysis::sweep`]):
//!
//! * **Reproducible bit for bit.** A particle's proposals and seeds derive from the master seed,
//!   its generation and its index only; particles are computed in parallel in batches and
//!   written in index order, so `particles.csv` does not depend on threads, batches or
//!   interruptions.
//! * **Survives being killed.** Particles stream to `<out>.partial/particles.csv` (`draws.csv`
//!   for rejection), committed about once a second (`analysis::durable`); `--resume`
//!   reads the committed particles back (their numbers are written exactly) and carries on.
//!   The directory is renamed to `<out>` only when complete.
//!
//! The parts: `spec` and `target` (the table, read and checked, every problem named by file,
//! line and field; the statistics and the distance), `model` (the simulator: overrides,
//! resolution, replicates), `output` (the files), `plots` (the `--plots` figures), and here
//! the command: the partial directory and the generation loop.

mod model;
mod output;
mod patch;
mod plots;
mod spec;
mod target;

pub use model::Model;
pub use spec::{CalibrateSpec, Parameter};
pub use target::{auc, distance, Statistic, Target};

use crate::analysis::abc::{accept_draws, accepted_indices, Abc, Method, Population};
use crate::analysis::budget;
use crate::analysis::display::Display;
use crate::analysis::durable::{
    finish_rename, lock_state, partial_path, sync_dir, write_atomic, write_err, Committer, Progress,
};
use crate::analysis::sweep::Common;
use crate::error::{RegimeError, Result};
use crate::io::scenario::Scenario;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

const STATE_FILE: &str = "calibrate-state.json";
const PROGRESS_FILE: &str = "calibrate-progress";
/// Target wall time of one batch of particles computed in parallel (a commit point).
const BATCH_SECONDS: f64 = 2.0;

/// What `regime calibrate` was asked to do (the command line's arguments, without clap).
#[derive(Debug, Clone)]
pub struct CalibrateArgs {
    /// Scenario file with a `[calibrate]` table.
    pub scenario: PathBuf,
    /// Continue an interrupted calibration (from `<out>.partial`) with the same command.
    pub resume: bool,
    /// Also draw the figures.
    pub plots: bool,
}

/// Where a calibration writes and what identifies it.
struct Job {
    out: PathBuf,
    partial: PathBuf,
    hash: String,
    /// The streamed file: `particles.csv` (SMC) or `draws.csv` (rejection).
    stream: &'static str,
}

/// Machine-dependent figures of a session, for the manifest and the closing line.
struct Timing {
    seconds: f64,
    simulation_seconds: f64,
    threads: usize,
    particles: u64,
    runs: u64,
}

/// The memory and output of a calibration before it starts: a generation's particles (or the
/// rejection draws) with their replicates are at most the runs held at once; one `particles.csv` (or
/// `draws.csv`) row per particle and generation is written.
pub fn estimate(s: &Scenario, spec: &CalibrateSpec, threads: usize) -> budget::Estimate {
    let (particles, rows) = match spec.method {
        Method::Smc {
            population,
            generations,
            ..
        } => (population, population.saturating_mul(generations)),
        Method::Rejection { draws, .. } => (draws, draws),
    };
    let runs = particles.saturating_mul(spec.replicates);
    budget::estimate_analysis(s, runs, rows, threads)
}

/// Runs a calibration (see the module documentation and `docs/calibration.md`). Returns the
/// output directory.
pub fn calibrate_command(s: &Scenario, args: &CalibrateArgs, c: &Common) -> Result<PathBuf> {
    let started = Instant::now();
    let spec = CalibrateSpec::from_scenario(s)?;
    estimate(s, &spec, c.threads).check(&c.limits)?;
    let seed = c.seed.unwrap_or(s.seed);
    let abc = Abc {
        priors: spec.parameters.iter().map(|p| p.prior.clone()).collect(),
        method: spec.method.clone(),
        seed,
        max_simulations: spec.max_simulations,
    };
    let model = Model::new(s, crate::io::scenario::base_dir(&args.scenario), spec);
    let out = c
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(format!("calibrate-{}", s.name)));
    if out.exists() && !c.force {
        return Err(RegimeError::OutputExists(out));
    }
    let job = Job {
        partial: partial_path(&out),
        out,
        hash: calibrate_hash(s, seed),
        stream: match abc.method {
            Method::Smc { .. } => "particles.csv",
            Method::Rejection { .. } => "draws.csv",
        },
    };
    if args.resume && finished_partial(&job)? {
        let done = finish_rename(&job.partial, &job.out, c.force)?;
        if !c.quiet {
            eprintln!(
                "the calibration had finished before it was interrupted; outputs in {}",
                done.display()
            );
        }
        return Ok(done);
    }
    let (done, from, resumed, lock) = begin(&model, &job, args, c)?;
    let (pops, particles) = sample(&abc, &model, &job, done, from, c)?;
    let last = finish_sample(&abc, &model, &job, &pops)?;
    let medians = output::write_posterior(&job.partial, &model, &last)?;
    output::write_fit(&job.partial, &model, &last)?;
    output::write_calibrated(&job.partial, &model, &medians, seed)?;
    if args.plots {
        let figs = plots::figures(&job.partial, &model, &last)?;
        if !c.quiet {
            eprintln!("drew {} figures", figs.len());
        }
    }
    let timing = Timing {
        seconds: started.elapsed().as_secs_f64(),
        simulation_seconds: model.simulation_nanos.load(Ordering::Relaxed) as f64 * 1e-9,
        threads: c.threads,
        particles,
        runs: model.runs.load(Ordering::Relaxed),
    };
    let manifest = manifest(&model, &abc, &job, &pops, &last, resumed, &timing);
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    write_atomic(
        &job.partial,
        "manifest.json",
        format!("{text}\n").as_bytes(),
    )?;
    fs::remove_file(job.partial.join(PROGRESS_FILE)).map_err(write_err(&job.partial))?;
    fs::remove_file(job.partial.join(STATE_FILE)).map_err(write_err(&job.partial))?;
    drop(lock);
    sync_dir(&job.partial)?;
    let done = finish_rename(&job.partial, &job.out, c.force)?;
    if !c.quiet {
        report(&abc, &pops, &timing, &done);
    }
    Ok(done)
}

/// The posterior sample: the last generation of SMC, or the accepted draws of rejection
/// (written to `particles.csv` now).
fn finish_sample(abc: &Abc, m: &Model, job: &Job, pops: &[Population]) -> Result<Population> {
    let last = pops.last().cloned().ok_or_else(|| RegimeError::Write {
        path: job.partial.join(job.stream),
        source: std::io::Error::other("no particles were computed"),
    })?;
    let Method::Rejection { accept, .. } = abc.method else {
        return Ok(last);
    };
    let index = accepted_indices(&last, accept);
    let kept = accept_draws(&last, accept);
    output::write_particles(&job.partial, m, &kept, &index)?;
    Ok(kept)
}

/// Runs the generations from `from` on, streaming particles; returns every generation and
/// the particles computed in this session.
fn sample(
    abc: &Abc,
    m: &Model,
    job: &Job,
    mut pops: Vec<Population>,
    from: Progress,
    c: &Common,
) -> Result<(Vec<Population>, u64)> {
    let n = abc.population();
    let most = match abc.method {
        Method::Smc { generations, .. } => generations * n,
        Method::Rejection { draws, .. } => draws,
    };
    let mut display = Display::new(
        c.quiet,
        most,
        from.next_cell,
        &m.base.name,
        "calibrate",
        "particles",
    );
    let mut committer = Committer::start(&job.partial, job.stream, PROGRESS_FILE, from)?;
    let simulate = |p: &[f64], seed: u64| m.simulate(p, seed);
    let distance = |s: &[f64]| m.distance(s);
    let mut unit = from.next_cell;
    let mut batch = (4 * c.threads.max(1)) as u64;
    let mut session = 0;
    loop {
        let g = unit / n;
        let complete = pops
            .iter()
            .filter(|p| p.particles.len() as u64 == n)
            .count() as u64;
        if complete > 0
            && g >= complete
            && abc.is_last(complete - 1, pops[complete as usize - 1].tolerance)
        {
            break;
        }
        let prev = if g > 0 {
            pops.get(g as usize - 1)
        } else {
            None
        };
        let tolerance = abc.tolerance(g, prev);
        let kernel = prev.map(|p| abc.kernel(p));
        if pops.len() as u64 == g {
            pops.push(Population {
                generation: g,
                tolerance,
                particles: Vec::new(),
            });
        }
        let mut i = unit % n;
        if pops[g as usize].particles.len() as u64 != i {
            return Err(RegimeError::argument(
                "--resume",
                format!("{} rows of generation {g} in {}", i, job.stream),
                format!("{} (use --force)", pops[g as usize].particles.len()),
            ));
        }
        while i < n {
            let t0 = Instant::now();
            let end = (i + batch).min(n);
            let step = kernel.as_ref().map(|k| (k, tolerance));
            let made = abc.batch(g, i..end, step, &simulate, &distance)?;
            let rows = made
                .iter()
                .zip(i..end)
                .map(|(p, k)| output::row(g, k, tolerance, p))
                .collect();
            committer.send(rows, g * n + end)?;
            pops[g as usize].particles.extend(made);
            let per = t0.elapsed().as_secs_f64() / (end - i) as f64;
            session += end - i;
            i = end;
            display.update(g * n + i);
            // the next batch: about BATCH_SECONDS of work and at least four particles per thread,
            // so that particles needing more simulations even out (results do not depend on it)
            let least = 4 * c.threads.max(1) as u64;
            batch = ((BATCH_SECONDS / per.max(1e-9)) as u64).clamp(least.min(n), n.max(1));
        }
        unit = (g + 1) * n;
    }
    committer.finish()?;
    display.finish();
    Ok((pops, session))
}

/// Starts a fresh calibration, resumes one, or refuses: returns the generations already done,
/// where to go on, whether it resumed, and the lock of the partial directory.
fn begin(
    m: &Model,
    job: &Job,
    args: &CalibrateArgs,
    c: &Common,
) -> Result<(Vec<Population>, Progress, bool, fs::File)> {
    let partial = &job.partial;
    let state_exists = partial.join(STATE_FILE).exists();
    if partial.exists() {
        if !args.resume && !c.force {
            return Err(RegimeError::argument(
                "--resume",
                format!("--resume to continue the interrupted calibration in {}, or --force to start it again", partial.display()),
                "neither",
            ));
        }
        if args.resume && state_exists {
            return resume(m, job);
        }
        if state_exists {
            drop(lock_state(partial, STATE_FILE, "regime calibrate")?);
        }
        fs::remove_dir_all(partial).map_err(write_err(partial))?;
    } else if args.resume && !c.quiet {
        eprintln!(
            "no interrupted calibration in {}: starting one",
            partial.display()
        );
    }
    m.check()?;
    fs::create_dir_all(partial).map_err(write_err(partial))?;
    let header = output::header(m);
    write_atomic(partial, job.stream, header.as_bytes())?;
    let from = Progress {
        next_cell: 0,
        bytes: header.len() as u64,
    };
    from.write(partial, PROGRESS_FILE)?;
    let state = serde_json::json!({ "calibrate_sha256": job.hash });
    write_atomic(partial, STATE_FILE, state.to_string().as_bytes())?;
    let lock = lock_state(partial, STATE_FILE, "regime calibrate")?;
    Ok((Vec::new(), from, false, lock))
}

/// Resumes the calibration in `<out>.partial`: checks that it is the same one, truncates the
/// streamed file to its last commit and reads its particles back.
fn resume(m: &Model, job: &Job) -> Result<(Vec<Population>, Progress, bool, fs::File)> {
    let partial = &job.partial;
    let lock = lock_state(partial, STATE_FILE, "regime calibrate")?;
    let path = partial.join(STATE_FILE);
    let v = crate::io::input::read_json(&path)?;
    if v.get("calibrate_sha256").and_then(|x| x.as_str()) != Some(job.hash.as_str()) {
        return Err(RegimeError::argument(
            "--resume",
            format!("the same calibration as the one interrupted in {} (scenario text, --set overrides, seed and tool version)", partial.display()),
            "a different calibration; use --force to start again",
        ));
    }
    let from = Progress::read(partial, PROGRESS_FILE).ok_or_else(|| {
        RegimeError::argument(
            "--resume",
            "a partial calibration with a progress record",
            format!("{} has none (use --force)", partial.display()),
        )
    })?;
    let stream = partial.join(job.stream);
    let f = fs::OpenOptions::new()
        .write(true)
        .open(&stream)
        .map_err(write_err(&stream))?;
    f.set_len(from.bytes).map_err(write_err(&stream))?;
    f.sync_all().map_err(write_err(&stream))?;
    let pops = output::read_back(&stream, m)?;
    Ok((pops, from, true, lock))
}

/// Whether `<out>.partial` holds a finished calibration (its manifest written, its state file
/// removed) of this same calibration, only the final rename missing.
fn finished_partial(job: &Job) -> Result<bool> {
    let manifest = job.partial.join("manifest.json");
    if job.partial.join(STATE_FILE).exists() || !manifest.exists() {
        return Ok(false);
    }
    let text = fs::read_to_string(&manifest).map_err(|source| RegimeError::ReadInput {
        path: manifest.clone(),
        source,
    })?;
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if v.get("calibrate_sha256").and_then(|x| x.as_str()) != Some(job.hash.as_str()) {
        return Err(RegimeError::argument(
            "--resume",
            format!(
                "the same calibration as the one finished in {}",
                job.partial.display()
            ),
            "a different calibration; use --force to start again",
        ));
    }
    Ok(true)
}

/// Checks the `[calibrate]` table of a scenario, if it has one, as `regime calibrate` would before
/// running (paths, priors at their ends, targets), and describes it in one line; `None` without
/// a table. Used by `regime validate`.
pub fn check_table(s: &Scenario, scenario_file: &Path) -> Result<Option<String>> {
    let has_table = s
        .text
        .parse::<toml::Table>()
        .is_ok_and(|t| t.contains_key("calibrate"));
    if !has_table {
        return Ok(None);
    }
    let spec = CalibrateSpec::from_scenario(s)?;
    let (parameters, targets) = (spec.parameters.len(), spec.targets.len());
    let method = match spec.method {
        Method::Smc {
            population,
            generations,
            ..
        } => format!("smc, {population} particles x at most {generations} generations"),
        Method::Rejection { draws, .. } => format!("rejection, {draws} draws"),
    };
    let rule_set = spec.rule_set.clone();
    let replicates = spec.replicates;
    Model::new(s, crate::io::scenario::base_dir(scenario_file), spec).check()?;
    Ok(Some(format!(
        "# [calibrate] is valid: {method}, {replicates} replicates per particle under `{rule_set}`, {parameters} parameters, {targets} targets\n"
    )))
}

/// SHA-256 identifying a calibration: tool version, master seed, scenario text (with its
/// `[calibrate]` table and any `--set` overrides) and the resolved scenario.
pub fn calibrate_hash(s: &Scenario, seed: u64) -> String {
    crate::analysis::sweep::sweep_hash(s, seed ^ 0xCA11_B4A7_E000_0000)
}

/// Effective sample size of a generation: (Σ w)² / Σ w².
fn ess(p: &Population) -> f64 {
    let s: f64 = p.particles.iter().map(|x| x.weight).sum();
    let s2: f64 = p.particles.iter().map(|x| x.weight * x.weight).sum();
    if s2 > 0.0 {
        s * s / s2
    } else {
        0.0
    }
}

fn manifest(
    m: &Model,
    abc: &Abc,
    job: &Job,
    pops: &[Population],
    last: &Population,
    resumed: bool,
    t: &Timing,
) -> serde_json::Value {
    let generations: Vec<serde_json::Value> = pops
        .iter()
        .map(|p| {
            let sims: u64 = p.particles.iter().map(|x| x.simulations).sum();
            serde_json::json!({
                "generation": p.generation,
                "tolerance": if p.tolerance.is_finite() { Some(p.tolerance) } else { None },
                "particles": p.particles.len(),
                "simulations": sims,
                "acceptance_rate": p.particles.len() as f64 / sims.max(1) as f64,
                "effective_sample_size": ess(p),
            })
        })
        .collect();
    let outside = 1.0 - t.simulation_seconds / (t.seconds * t.threads.max(1) as f64).max(1e-9);
    serde_json::json!({
        "tool": "regime",
        "version": env!("CARGO_PKG_VERSION"),
        "command": "calibrate",
        "arguments": std::env::args().collect::<Vec<_>>(),
        "scenario_source": m.base.source,
        "scenario_sha256": m.base.hash(),
        "calibrate_sha256": job.hash,
        "scenario_text": m.base.text,
        "master_seed": abc.seed,
        "seed_rule": "particle i of generation g: proposals from stream derive_seed(master_seed, [g, i]); attempt a simulated with seed derive_seed(master_seed, [g, i, a]); its replicate r with derive_seed(that seed, [r])",
        "method": format!("{:?}", abc.method),
        "rule_set": m.spec.rule_set,
        "replicates": m.spec.replicates,
        "parameters": m.spec.parameters.iter().map(|p| serde_json::json!({"path": p.path, "prior": format!("{:?}", p.prior)})).collect::<Vec<_>>(),
        "targets": m.spec.targets.iter().map(|t| serde_json::json!({"name": t.name, "statistic": t.statistic.name(), "issue": t.issue_name, "observed": t.observed, "scale": t.scale, "weight": t.weight})).collect::<Vec<_>>(),
        "generations": generations,
        "posterior_particles": last.particles.len(),
        "posterior_tolerance": last.tolerance,
        "resumed": resumed,
        "threads": t.threads,
        "seconds": t.seconds,
        "particles_this_session": t.particles,
        "runs_this_session": t.runs,
        "simulation_seconds_this_session": t.simulation_seconds,
        "fraction_outside_simulation": outside,
        "note": "particles.csv, posterior.csv, fit.csv and calibrated.toml depend only on the scenario, the seed and the [calibrate] table, never on threads, batches or interruptions; `seconds`, `threads`, `resumed` and the session figures are the only machine-dependent fields."
    })
}

/// The closing line: generations, particles, simulations, time and the share of it outside
/// simulation.
fn report(abc: &Abc, pops: &[Population], t: &Timing, done: &Path) {
    let sims: u64 = pops
        .iter()
        .flat_map(|p| &p.particles)
        .map(|x| x.simulations)
        .sum();
    let outside = 1.0 - t.simulation_seconds / (t.seconds * t.threads.max(1) as f64).max(1e-9);
    let last = pops.last().map(|p| p.tolerance).unwrap_or(f64::INFINITY);
    eprintln!(
        "{} generation(s) of {} particles ({} simulations, {} runs this session, final tolerance {}) in {:.2} s ({:.1} particles/s, {:.1} % of thread time outside simulation); outputs in {}",
        pops.len(),
        abc.population(),
        sims,
        t.runs,
        if last.is_finite() { format!("{last:.4}") } else { "none".into() },
        t.seconds,
        t.particles as f64 / t.seconds.max(1e-9),
        100.0 * outside,
        done.display()
    );
}
