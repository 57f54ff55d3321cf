//! `faasim`: the command line of the simulator.

mod cli;
mod input;
mod report;
mod sweep;

use clap::Parser;
use cli::{Cli, Command, CommandError, TraceCommand};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run(args) => cli::run(&args),
        Command::Sweep(args) => cli::run_sweep(&args),
        Command::Merge(args) => cli::merge(&args),
        Command::Validate(args) => cli::validate(&args),
        Command::Schema(args) => {
            cli::print_out(&cli::schema(&args));
            Ok(())
        }
        Command::Trace {
            command: TraceCommand::Stats(args),
        } => cli::trace_stats(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CommandError::Input(m)) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {m}");
            ExitCode::from(2)
        }
        Err(CommandError::Other(m)) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {m}");
            ExitCode::from(1)
        }
    }
}
