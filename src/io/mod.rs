//! Files in and out: the scenario format ([`scenario`]: serde file types, `--set` overrides,
//! validation with file, line and field, resolution into model types, states and edge CSVs) and
//! the outputs ([`output`]: atomic output directories, CSV encoding, manifests), and the one
//! reader of finished CSV tables ([`table`]: columns by name, errors with file, line and column),
//! and bounded reading of every input file ([`input`]).
//!
//! `io` may import [`crate::model`] and [`crate::engine`]'s result types; it must never import
//! [`crate::analysis`], [`crate::plot`] or clap.

pub mod input;
pub mod output;
pub mod scenario;
pub mod table;
