//! `faasim`: the command line of the simulator. This file parses the command line, runs the
//! verb (src/cli/) and turns its failure into the exit status.

mod cli;
mod input;
mod report;
mod sweep;

use clap::{Parser, Subcommand};
use cli::Exit;
use cli::merge::MergeArgs;
use cli::run::RunArgs;
use cli::schema::SchemaArgs;
use cli::sweep::SweepArgs;
use cli::trace::TraceStatsArgs;
use cli::tune::TuneArgs;
use cli::validate::ValidateArgs;
use std::io::Write;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "faasim",
    version,
    about = "Discrete-event simulator for serverless scaling, cold starts, fault tolerance and cost"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate one scenario: print a summary table and write summary.json, timeseries.csv and plots.
    Run(RunArgs),
    /// Run a base scenario under several configurations (a grid and named ones), each with
    /// replications, in parallel: results.csv, comparison.csv, summary.csv (95 % intervals),
    /// plots and index.html.
    Sweep(SweepArgs),
    /// Join the results of a sweep's shards (their output folders or results.csv files) into one
    /// report.
    Merge(MergeArgs),
    /// Pick a function's memory size as AWS Lambda Power Tuning does, at the scenario's own
    /// traffic: a sweep of its memory, Power Tuning's table (average duration and cost per
    /// invocation) and picks, with p50/p99 latency, cold starts, throttles and cost per day.
    Tune(TuneArgs),
    /// Parse and check a scenario or sweep file (and the files it names); run nothing.
    Validate(ValidateArgs),
    /// Print the JSON Schema of scenario files (or, with --sweep, of sweep files), for editors
    /// that check and complete TOML against a schema.
    Schema(SchemaArgs),
    /// Learn platform behaviour from its own logs.
    Calibrate {
        #[command(subcommand)]
        command: CalibrateCommand,
    },
    /// Workload traces.
    Trace {
        #[command(subcommand)]
        command: TraceCommand,
    },
}

#[derive(Subcommand)]
enum CalibrateCommand {
    /// Learn how long idle execution environments are kept, and their lifetime limit, from
    /// request logs with environment ids and cold-start labels: survival estimates with
    /// bootstrap bands, a scenario fragment (keep_alive.toml), calibration.json and a plot.
    KeepAlive(cli::calibrate::KeepAliveArgs),
}

#[derive(Subcommand)]
enum TraceCommand {
    /// Describe a trace: invocations, functions, time covered, arrival-rate percentiles,
    /// per-function inter-arrival mean and coefficient of variation, triggers; plot arrivals.
    Stats(TraceStatsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => cli::run::run(args),
        Command::Sweep(args) => cli::sweep::sweep(args),
        Command::Merge(args) => cli::merge::merge(args),
        Command::Tune(args) => cli::tune::tune(args),
        Command::Validate(args) => cli::validate::validate(args),
        Command::Schema(args) => cli::schema::schema(args),
        Command::Calibrate {
            command: CalibrateCommand::KeepAlive(args),
        } => cli::calibrate::keep_alive(args),
        Command::Trace {
            command: TraceCommand::Stats(args),
        } => cli::trace::stats(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Exit::Input(m)) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {m}");
            ExitCode::from(2)
        }
        Err(Exit::Other(m)) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {m}");
            ExitCode::from(1)
        }
    }
}
