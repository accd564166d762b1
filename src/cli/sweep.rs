//! `regime sweep` and `regime merge`: the clap arguments of a sweep, handed to
//! [`regime::analysis::sweep`].

use super::{load, Common};
use regime::analysis::sweep;
use regime::error::RegimeError;
use std::path::{Path, PathBuf};

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
}

/// `regime sweep SCENARIO`.
pub fn sweep(c: &Common, args: SweepArgs) -> anyhow::Result<()> {
    let s = load(Some(&args.scenario), c)?;
    let options = sweep::SweepArgs {
        scenario: args.scenario,
        resume: args.resume,
        shard: args.shard,
        plots: args.plots,
    };
    sweep::sweep_command(
        &s,
        &options,
        &sweep::Common {
            seed: c.seed,
            out: c.out.clone(),
            force: c.force,
            quiet: c.quiet,
            threads: rayon::current_num_threads(),
        },
    )?;
    Ok(())
}

/// `regime merge SHARD... --out DIR`.
pub fn merge(c: &Common, dirs: &[PathBuf]) -> anyhow::Result<()> {
    let out: &Path = c
        .out
        .as_deref()
        .ok_or_else(|| RegimeError::argument("--out", "the merged output directory", "none"))?;
    sweep::merge_command(dirs, out, c.force)?;
    Ok(())
}
