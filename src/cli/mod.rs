//! The `faasim` command line: one module per verb, each with its options as a clap `Args`
//! struct and its function; what they share (the error type, the thread count, printing).

mod merge;
mod run;
mod schema;
mod sweep;
mod trace;
mod validate;

use clap::{Parser, Subcommand};
pub use merge::{MergeArgs, merge};
pub use run::{RunArgs, run};
pub use schema::{SchemaArgs, schema};
use sim_core::SimError;
use std::path::{Path, PathBuf};
pub use sweep::{SweepArgs, run_sweep};
pub use trace::{TraceCommand, trace_stats};
pub use validate::{ValidateArgs, validate};

#[derive(Parser)]
#[command(
    name = "faasim",
    version,
    about = "Discrete-event simulator for serverless scaling, cold starts, fault tolerance and cost"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Simulate one scenario: print a summary table and write summary.json, timeseries.csv and plots.
    Run(RunArgs),
    /// Run a base scenario under several configurations (a grid and named ones), each with
    /// replications, in parallel: results.csv, comparison.csv, summary.csv (95 % intervals),
    /// plots and index.html.
    Sweep(SweepArgs),
    /// Join the results of a sweep's shards (their output folders or results.csv files) into one
    /// report.
    Merge(MergeArgs),
    /// Parse and check a scenario or sweep file (and the files it names); run nothing.
    Validate(ValidateArgs),
    /// Print the JSON Schema of scenario files (or, with --sweep, of sweep files), for editors
    /// that check and complete TOML against a schema.
    Schema(SchemaArgs),
    /// Workload traces.
    Trace {
        #[command(subcommand)]
        command: TraceCommand,
    },
}

/// How a command failed: bad input (exit 2) or anything else (exit 1).
pub enum CommandError {
    Input(String),
    Other(String),
}

impl From<crate::input::LoadError> for CommandError {
    fn from(e: crate::input::LoadError) -> Self {
        CommandError::Input(e.0)
    }
}

impl From<SimError> for CommandError {
    fn from(e: SimError) -> Self {
        CommandError::Input(e.to_string())
    }
}

/// The number of threads to use when `--jobs` is not given.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Writes to stdout; a closed pipe (`faasim run … | head`) is not an error.
pub(crate) fn print_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// `wrote DIR` and the files written in it, one a line.
fn wrote(dir: &Path, written: &[PathBuf]) -> String {
    let mut text = format!("\nwrote {}\n", dir.display());
    for p in written {
        if let Some(n) = p.file_name() {
            text.push_str(&format!("  {}\n", n.to_string_lossy()));
        }
    }
    text
}
