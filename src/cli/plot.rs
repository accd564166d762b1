//! `regime plot`: a line plot (or a heatmap with `--z`) from any CSV.

use std::path::PathBuf;

/// `regime plot CSV --x X --y Y [--by B] [--z Z] -o FILE`.
pub fn plot(
    quiet: bool,
    csv: PathBuf,
    spec: regime::plot::PlotSpec,
    output: PathBuf,
) -> anyhow::Result<()> {
    let report = regime::plot::plot_csv(&csv, &spec, &output)?;
    if !quiet {
        eprintln!("wrote {}: {report}", output.display());
    }
    Ok(())
}
