//! `regime`: the command-line interface. Parses arguments and glues library calls; the work
//! lives in the library. Exit codes: 0 success, 2 bad input, 1 any other failure.

// Errors are built only on the failure path; see the same note in src/lib.rs.
#![allow(clippy::result_large_err)]

mod cli;

use clap::Parser;
use cli::{dispatch, Cli};
use regime::error::RegimeError;
use std::process::ExitCode;

/// The most worker threads `--threads` may ask for, as a multiple of the machine's cores: more
/// cannot make a run faster (results never depend on the thread count) and thousands of threads
/// can stall the machine.
const THREADS_PER_CORE: usize = 8;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(t) = cli.command.threads() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let most = cores * THREADS_PER_CORE;
        if t == 0 || t > most {
            eprintln!(
                "error: invalid argument `--threads`: expected a number from 1 to {most} \
                 ({THREADS_PER_CORE} per core on this machine's {cores}), found {t}; \
                 results do not depend on it"
            );
            return ExitCode::from(2);
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
        {
            eprintln!("error: cannot start {t} threads: {e}");
            return ExitCode::from(1);
        }
    }
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let input = e.chain().any(|c| {
                c.downcast_ref::<RegimeError>()
                    .is_some_and(RegimeError::is_input)
            });
            // A cause already part of the message (an OS error in "cannot read X: ...") is not
            // printed again.
            let mut said = e.to_string();
            eprintln!("error: {said}");
            for cause in e.chain().skip(1).map(|c| c.to_string()) {
                if !said.contains(&cause) {
                    eprintln!("  caused by: {cause}");
                    said.push_str(&cause);
                }
            }
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}
