//! `regime`: rational states playing repeated prisoner's dilemmas over international migration
//! regimes, under realist and institutionalist rule sets.
//!
//! The library is organised after the model's concepts: [`game`] (stage games), [`strategy`]
//! (repeated-game strategies as finite-state machines, after Axelrod-Python), [`tournament`]
//! (round-robin tournaments), [`rng`] (reproducible random streams), [`stats`] (interval
//! estimates and survival curves), [`plot`] (figures from any of the tool's CSVs).
#![warn(missing_docs)]
// Errors carry the file, line, field, expectation and finding a user needs; they are created
// only on the failure path, so their size does not matter for speed.
#![allow(clippy::result_large_err)]
// Simulation code indexes parallel per-state arrays by state; index loops say that plainly.
#![allow(clippy::needless_range_loop)]

pub mod error;
pub mod experiment;
pub mod game;
pub mod model;
pub mod output;
pub mod plot;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod strategy;
pub mod sweep;
pub mod tournament;
pub mod world;

pub use error::{RegimeError, Result};
