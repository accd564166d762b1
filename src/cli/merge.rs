//! `regime merge`: combines sweep shards into the files one sweep would have written.

use super::Common;
use regime::analysis::sweep;
use regime::error::RegimeError;
use std::path::PathBuf;

/// `regime merge SHARD... --out DIR`, or `regime merge DIR` of a `regime sweep --slurm` directory
/// (its `shards/*` merged into it).
pub fn merge(c: &Common, dirs: &[PathBuf]) -> anyhow::Result<()> {
    match (dirs, c.out.as_deref()) {
        ([dir], None) => {
            sweep::merge_in_place(dir)?;
            if !c.quiet {
                eprintln!("merged {}/shards/* into {}", dir.display(), dir.display());
            }
        }
        (_, Some(out)) => sweep::merge_command(dirs, out, c.force)?,
        (_, None) => return Err(RegimeError::argument(
            "--out",
            "the merged output directory (or a single directory written by regime sweep --slurm)",
            "none",
        )
        .into()),
    }
    Ok(())
}
