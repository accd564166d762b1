//! `regime merge`: combines sweep shards into the files one sweep would have written.

use super::Common;
use regime::analysis::sweep;
use regime::error::RegimeError;
use std::path::{Path, PathBuf};

/// `regime merge SHARD... --out DIR`.
pub fn merge(c: &Common, dirs: &[PathBuf]) -> anyhow::Result<()> {
    let out: &Path = c
        .out
        .as_deref()
        .ok_or_else(|| RegimeError::argument("--out", "the merged output directory", "none"))?;
    sweep::merge_command(dirs, out, c.force)?;
    Ok(())
}
