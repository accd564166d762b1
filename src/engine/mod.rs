//! Running the model: the round loop and per-issue run state ([`sim`]), fast exact play
//! (transition tables), reproducible random streams ([`rng`]), world generation ([`world`]) and
//! round-robin tournaments ([`tournament`]).
//!
//! The engine hands results back as values ([`sim::RunOutput`], [`tournament::Tournament`]); it
//! writes no files and must never import [`crate::io`], [`crate::analysis`], [`crate::plot`] or
//! clap.

pub mod rng;
pub mod sim;
pub mod tournament;
pub mod world;
