//! What is done with many runs: replicates and paired comparisons on common random numbers
//! ([`experiment`]), parameter sweeps with designs, shards, resume and merge ([`sweep`]),
//! approximate Bayesian computation ([`abc`], generic over a simulator) and the calibration of a
//! scenario with it ([`calibrate`]), interval estimates and survival curves ([`stats`]), and the
//! memory and output a command will need, estimated before it starts ([`budget`]). Sweeps and
//! calibrations share their durable partial directory (`durable`) and progress display
//! (`display`).
//!
//! `analysis` drives the [`crate::engine`] and writes through [`crate::io`]; it must never
//! import clap, and the model must never import it.

pub mod abc;
pub mod budget;
pub mod calibrate;
pub(crate) mod display;
pub(crate) mod durable;
pub mod experiment;
pub mod hypotheses;
pub mod stats;
pub mod sweep;
pub mod validation;
