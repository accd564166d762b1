//! `regime sweep`: the clap arguments of a sweep, handed to [`regime::analysis::sweep`]; with
//! `--slurm`, the job array's scripts instead (and `--submit` hands them to `sbatch`).

use super::{load, Common};
use regime::analysis::sweep::{self, shell_quote, SlurmJob};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Arguments of `regime sweep`.
#[derive(Debug, Clone, clap::Args)]
pub struct SweepArgs {
    /// Scenario file with a `[sweep]` table.
    pub scenario: PathBuf,
    /// Continue an interrupted sweep (from `<out>.partial`) with the same command.
    #[arg(long)]
    pub resume: bool,
    /// Run only shard I of N, a contiguous block of points (1-based, e.g. 2/8); combine the
    /// shards with `regime merge`.
    #[arg(long)]
    pub shard: Option<String>,
    /// Also draw the standard figures.
    #[arg(long)]
    pub plots: bool,
    #[command(flatten)]
    pub slurm: SlurmArgs,
    #[command(flatten)]
    pub limits: super::LimitArgs,
}

/// The options of `regime sweep --slurm`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Slurm job array")]
pub struct SlurmArgs {
    /// Write a Slurm job array (OUT/slurm/sweep.sbatch, one shard per task) and its merge job
    /// (OUT/slurm/merge.sbatch) instead of running the sweep.
    #[arg(long)]
    pub slurm: bool,
    /// Array tasks, one shard each (default 16, at most the sweep's points).
    #[arg(long, requires = "slurm")]
    pub tasks: Option<u64>,
    /// Slurm partition of the jobs.
    #[arg(long, requires = "slurm")]
    pub partition: Option<String>,
    /// Time limit of each job, as Slurm takes it (HH:MM:SS).
    #[arg(long, requires = "slurm", value_name = "HH:MM:SS")]
    pub time: Option<String>,
    /// CPUs of each array task (also its --threads).
    #[arg(long, requires = "slurm")]
    pub cpus_per_task: Option<u32>,
    /// Submit both jobs with sbatch (the merge after the array) and record their ids.
    #[arg(long, requires = "slurm")]
    pub submit: bool,
}

/// `regime sweep SCENARIO`.
pub fn sweep(c: &Common, args: SweepArgs) -> anyhow::Result<()> {
    let s = load(Some(&args.scenario), c)?;
    let slurm = args.slurm.clone();
    let options = sweep::SweepArgs {
        scenario: args.scenario,
        resume: args.resume,
        shard: args.shard,
        plots: args.plots,
    };
    let common = sweep::Common {
        seed: c.seed,
        out: c.out.clone(),
        force: c.force,
        quiet: c.quiet,
        threads: rayon::current_num_threads(),
        limits: args
            .limits
            .limits(c.out.as_deref().unwrap_or(Path::new("out"))),
    };
    if slurm.slurm {
        return cluster(c, &s, &options, &common, slurm);
    }
    sweep::sweep_command(&s, &options, &common)?;
    Ok(())
}

/// `regime sweep SCENARIO --slurm`: writes the scripts, and with `--submit` submits them.
fn cluster(
    c: &Common,
    s: &regime::io::scenario::Scenario,
    options: &sweep::SweepArgs,
    common: &sweep::Common,
    slurm: SlurmArgs,
) -> anyhow::Result<()> {
    let slurm_options = sweep::SlurmOptions {
        tasks: slurm.tasks,
        partition: slurm.partition,
        time: slurm.time,
        cpus_per_task: slurm.cpus_per_task,
        binary: std::env::current_exe()?,
        pass_through: pass_through(c),
    };
    let job = sweep::slurm_command(s, options, common, slurm_options)?;
    let script = |name| shell_quote(&job.slurm_file(name).display().to_string());
    let (array_script, merge_script) = (script(sweep::SWEEP_SCRIPT), script(sweep::MERGE_SCRIPT));
    println!(
        "wrote {} ({} tasks, one shard each), {} and {}",
        array_script,
        job.tasks,
        merge_script,
        script(sweep::CLUSTER_FILE)
    );
    if !slurm.submit {
        println!("submit with:\n  {}", sweep::submit_line(&job));
        return Ok(());
    }
    submit(&job)
}

/// The options every array task passes on: `--seed`, `--set`, `--threads`, `-q`.
fn pass_through(c: &Common) -> Vec<String> {
    let mut extra = Vec::new();
    if let Some(seed) = c.seed {
        extra.extend(["--seed".to_string(), seed.to_string()]);
    }
    for set in &c.sets {
        extra.extend(["--set".to_string(), set.clone()]);
    }
    if let Some(t) = c.threads {
        extra.extend(["--threads".to_string(), t.to_string()]);
    }
    if c.quiet {
        extra.push("-q".to_string());
    }
    extra
}

/// Submits the array, then the merge after it, prints both ids and records them.
fn submit(job: &SlurmJob) -> anyhow::Result<()> {
    let array_script = job.slurm_file(sweep::SWEEP_SCRIPT);
    let array = sbatch(&[array_script.as_os_str()])?;
    let dependency = sweep::merge_dependency(&array);
    let merge_script = job.slurm_file(sweep::MERGE_SCRIPT);
    let merge = sbatch(&[dependency.as_ref(), merge_script.as_os_str()])?;
    sweep::record_jobs(job, &array, &merge)?;
    println!(
        "submitted array job {array} (tasks 1-{}) and merge job {merge} (after it); ids in {}",
        job.tasks,
        shell_quote(&job.slurm_file(sweep::JOBS_FILE).display().to_string())
    );
    println!(
        "follow it with: regime status {}",
        shell_quote(&job.out.display().to_string())
    );
    Ok(())
}

/// `sbatch --parsable ARGS`: the job id.
fn sbatch(args: &[&std::ffi::OsStr]) -> anyhow::Result<String> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run sbatch ({e}); the scripts are written, submit them by hand (see docs/sweep.md)"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if !out.status.success() || id.is_empty() {
        anyhow::bail!(
            "sbatch failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(id)
}
