//! `regime sweep`: the clap arguments of a sweep, handed to [`regime::analysis::sweep`].

use super::{load, Common};
use regime::analysis::sweep;
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
    #[command(flatten)]
    pub limits: super::LimitArgs,
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
            limits: args
                .limits
                .limits(c.out.as_deref().unwrap_or(Path::new("out"))),
        },
    )?;
    Ok(())
}
