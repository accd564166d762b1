//! `regime calibrate`: the clap arguments of a calibration, handed to
//! [`regime::analysis::calibrate`].

use super::{load, Common, LimitArgs};
use regime::analysis::{calibrate, sweep};
use std::path::{Path, PathBuf};

/// Arguments of `regime calibrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct CalibrateArgs {
    /// Scenario file with a `[calibrate]` table.
    pub scenario: PathBuf,
    /// Continue an interrupted calibration (from `<out>.partial`) with the same command.
    #[arg(long)]
    pub resume: bool,
    /// Also draw the figures (posterior marginals, the most correlated pair, targets vs
    /// simulated).
    #[arg(long)]
    pub plots: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `regime calibrate SCENARIO`.
pub fn calibrate(c: &Common, args: CalibrateArgs) -> anyhow::Result<()> {
    let s = load(Some(&args.scenario), c)?;
    let options = calibrate::CalibrateArgs {
        scenario: args.scenario,
        resume: args.resume,
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
    calibrate::calibrate_command(&s, &options, &common)?;
    Ok(())
}
