//! `regime merge`: combines sweep shards into the files one sweep would have written.

use regime::analysis::sweep;
use std::path::{Path, PathBuf};

/// `regime merge SHARD... --out DIR`.
pub fn merge(dirs: &[PathBuf], out: &Path, force: bool) -> anyhow::Result<()> {
    sweep::merge_command(dirs, out, force)?;
    Ok(())
}
