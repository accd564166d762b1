//! `regime`: rational states playing repeated prisoner's dilemmas over international migration
//! regimes, under realist and institutionalist rule sets.
//!
//! The library is organised by concern; `ARCHITECTURE.md` maps the parts and what each may not
//! import:
//! - [`model`]: the theory (states, stage games, strategies, rule sets, compliance, regimes,
//!   negotiation, learning, shocks), with no I/O and no loop;
//! - [`engine`]: running the model (the round loop, fast play, random streams, world
//!   generation, tournaments); it hands results back and writes no files;
//! - [`io`]: the scenario format, CSV outputs and manifests;
//! - [`analysis`]: replicates and paired comparisons, sweeps, statistics;
//! - [`plot`]: figures from any of the tool's CSVs.
//!
//! The command line (`src/cli/`, clap) sits on top and is not part of the library.
#![warn(missing_docs)]
// Errors carry the file, line, field, expectation and finding a user needs; they are created
// only on the failure path, so their size does not matter for speed.
#![allow(clippy::result_large_err)]
// Simulation code indexes parallel per-state arrays by state; index loops say that plainly.
#![allow(clippy::needless_range_loop)]

pub mod analysis;
pub mod engine;
pub mod error;
pub mod io;
pub mod model;
pub mod plot;

pub use error::{RegimeError, Result};
