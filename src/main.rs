//! `regime`: the command-line interface. Parses arguments and glues library calls; the work
//! lives in the library. Exit codes: 0 success, 2 bad input, 1 any other failure.

// Errors are built only on the failure path; see the same note in src/lib.rs.
#![allow(clippy::result_large_err)]

mod cli;

use clap::Parser;
use cli::{dispatch, Cli};
use regime::error::RegimeError;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(t) = cli.common.threads {
        if t == 0 {
            eprintln!("error: invalid argument `--threads`: expected a number >= 1, found 0");
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
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}
