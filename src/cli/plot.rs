//! `regime plot`: a line plot (or a heatmap with `--z`) from any CSV.

use super::Common;
use std::path::PathBuf;

/// `regime plot CSV --x X --y Y [--by B] [--z Z] -o FILE`.
pub fn plot(
    c: &Common,
    csv: PathBuf,
    spec: regime::plot::PlotSpec,
    output: PathBuf,
) -> anyhow::Result<()> {
    let report = regime::plot::plot_csv(&csv, &spec, &output)?;
    if !c.quiet {
        eprintln!("wrote {}: {report}", output.display());
    }
    Ok(())
}
