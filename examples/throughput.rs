//! Measures simulation throughput: runs a scenario several times, summary only (no time series,
//! no files), and prints the best run's rate in simulated requests (and invocation attempts, retries
//! included) per second.
//!
//! ```sh
//! cargo run --release --example throughput -- scenarios/bench-100x10.toml 7
//! ```
//!
//! The best of several runs is the least disturbed by other work on the machine.

use sim_core::{NoFiles, NullObserver, Scenario, Simulation};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "scenarios/bench-100x10.toml".into());
    let runs: usize = match args.next().map(|a| a.parse()) {
        None => 7,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: throughput [SCENARIO.toml] [RUNS > 0]");
            return ExitCode::from(2);
        }
    };
    let scenario: Scenario = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| toml::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut best = f64::MAX;
    let (mut requests, mut attempts) = (0, 0);
    for _ in 0..runs {
        let started = Instant::now();
        let sim = match Simulation::new(&scenario, &NoFiles) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {path}: {e}");
                return ExitCode::from(2);
            }
        };
        match sim.run(&mut NullObserver) {
            Ok(out) => {
                requests = out.summary.total.requests;
                attempts = out.summary.total.attempts;
            }
            Err(e) => {
                eprintln!("error: {path}: {e}");
                return ExitCode::from(2);
            }
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "{path}: {requests} requests, {attempts} attempts, best of {runs} runs {:.1} ms, {:.2} M simulated requests/s, {:.2} M attempts/s",
        best * 1e3,
        requests as f64 / best / 1e6,
        attempts as f64 / best / 1e6
    );
    ExitCode::SUCCESS
}
