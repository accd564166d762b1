//! `regime merge`: combines sweep shards into the files one sweep would have written.

use regime::analysis::sweep;
use regime::error::RegimeError;
use std::path::{Path, PathBuf};

/// `regime merge SHARD... --out DIR`, or `regime merge DIR` of a `regime sweep --slurm` directory
/// (its `shards/*` merged into it).
pub fn merge(dirs: &[PathBuf], out: Option<&Path>, force: bool, quiet: bool) -> anyhow::Result<()> {
    match (dirs, out) {
        ([dir], None) => {
            sweep::merge_in_place(dir)?;
            if !quiet {
                eprintln!("merged {}/shards/* into {}", dir.display(), dir.display());
            }
        }
        (_, Some(out)) => sweep::merge_command(dirs, out, force)?,
        (_, None) => return Err(RegimeError::argument(
            "--out",
            "the merged output directory (or a single directory written by regime sweep --slurm)",
            "none",
        )
        .into()),
    }
    Ok(())
}
