//! The integration tests, compiled as one binary (as ripgrep does): `cargo test --test it`.
//! Each module is one area; `common` holds what they share (the binary, repository paths,
//! scratch directories, the check that a failed command left nothing behind).

mod axelrod_crosscheck;
mod calibrate;
mod cli;
mod common;
mod fuzz;
mod hypotheses;
mod limits;
mod mechanisms;
mod plot;
mod properties;
mod slurm;
mod sweep;
