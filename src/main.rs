//! `faasim`: the command line of the simulator.

mod load;
mod output;
mod plot;
mod sweep;

use clap::{Parser, Subcommand};
use load::{FsResources, InputError, load_scenario};
use sim_core::{Resources, SimError, Simulation};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

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
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output folder [default: reports/<scenario name>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override simulation.seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override one scenario value: PATH=VALUE, e.g. functions.api.memory_mb=1024 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Also write requests.csv, one row per request attempt.
        #[arg(long)]
        requests: bool,
        /// Print nothing but errors; no progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Skip drawing plots.
        #[arg(long)]
        no_plots: bool,
    },
    /// Run a base scenario under several configurations (a grid and named ones), each with
    /// replications, in parallel: results.csv, comparison.csv and a comparison plot.
    Sweep {
        /// The sweep file (TOML).
        sweep: PathBuf,
        /// Output folder [default: reports/<sweep file name>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Threads [default: the number of cores].
        #[arg(long)]
        jobs: Option<usize>,
        /// Print nothing but errors; no progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Skip drawing plots.
        #[arg(long)]
        no_plots: bool,
    },
    /// Parse and check a scenario or sweep file (and the files it names); run nothing.
    Validate {
        file: PathBuf,
        /// Override one scenario value before checking (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
}

/// How a command failed: bad input (exit 2) or anything else (exit 1).
enum Failure {
    Input(String),
    Other(String),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e.0)
    }
}

impl From<SimError> for Failure {
    fn from(e: SimError) -> Self {
        Failure::Input(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            scenario,
            out,
            seed,
            sets,
            requests,
            quiet,
            no_plots,
        } => run(&scenario, out, seed, &sets, requests, quiet, no_plots),
        Command::Sweep {
            sweep,
            out,
            jobs,
            quiet,
            no_plots,
        } => run_sweep(&sweep, out, jobs, quiet, no_plots),
        Command::Validate { file, sets } => validate(&file, &sets),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(m)) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Other(m)) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {m}");
            ExitCode::from(1)
        }
    }
}

/// Writes to stdout; a closed pipe (`faasim run … | head`) is not an error.
fn print_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Files named in a scenario, resolved relative to the scenario's folder.
fn run_sweep(
    file: &Path,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    quiet: bool,
    no_plots: bool,
) -> Result<(), Failure> {
    let sweep = sweep::load(file)?;
    let jobs = match jobs {
        Some(0) => return Err(Failure::Input("--jobs: must be at least 1".into())),
        Some(j) => j,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    let dir = out.unwrap_or_else(|| Path::new("reports").join(&stem));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::Other(format!("{}: cannot create folder: {e}", dir.display())))?;
    let started = Instant::now();
    let runs = sweep::run(&sweep, jobs, !quiet).map_err(Failure::Input)?;
    let wall = started.elapsed();
    let mut written = sweep::write_tables(&dir, &sweep, &runs).map_err(Failure::Other)?;
    if !no_plots {
        let idx = |n: &str| {
            sweep::METRICS
                .iter()
                .position(|m| *m == n)
                .expect("a metric")
        };
        let rows: Vec<plot::Compared> = sweep
            .configs
            .iter()
            .zip(sweep::means(&sweep, &runs))
            .map(|(c, m)| plot::Compared {
                name: c.name.clone(),
                p50: m[idx("p50_ms")],
                p99: m[idx("p99_ms")],
                per_million: m[idx("cost_per_million_usd")],
                rejected: m[idx("throttled")] + m[idx("timed_out")],
            })
            .collect();
        written.extend(plot::comparison(&dir, &stem, &rows).map_err(Failure::Other)?);
    }
    if !quiet {
        let mut text = format!(
            "{stem} · {} configurations × {} replications · {:.1} s wall on {jobs} threads\n\n",
            sweep.configs.len(),
            sweep.replications,
            wall.as_secs_f64()
        );
        text.push_str(&sweep::table(&sweep, &runs));
        text.push_str(&format!("\nwrote {}\n", dir.display()));
        for p in &written {
            if let Some(n) = p.file_name() {
                text.push_str(&format!("  {}\n", n.to_string_lossy()));
            }
        }
        print_out(&text);
    }
    Ok(())
}

fn validate(file: &Path, sets: &[String]) -> Result<(), Failure> {
    // A sweep file names a base scenario.
    let text = load::read_text(file)?;
    if let Ok(t) = toml::from_str::<toml::Table>(&text)
        && t.contains_key("base")
    {
        let sweep = sweep::load(file)?;
        print_out(&format!(
            "{}: a valid sweep of {} configurations × {} replications of {}\n",
            file.display(),
            sweep.configs.len(),
            sweep.replications,
            sweep.base.display()
        ));
        return Ok(());
    }
    let loaded = load_scenario(file, sets, None)?;
    let res = FsResources {
        base: loaded.base_dir.clone(),
    };
    // Building the simulation opens every file the scenario names; reading each trace through
    // checks every row.
    Simulation::new(&loaded.scenario, &res)?;
    for w in &loaded.scenario.workloads {
        if let Some(trace) = &w.arrivals.trace {
            let reader = res
                .open(trace)
                .map_err(|m| Failure::Input(format!("{}: {m}", res.display(trace))))?;
            let mut r = sim_core::workload::TimestampReader::new(reader, res.display(trace));
            while r
                .next_arrival()
                .map_err(|e| Failure::Input(e.to_string()))?
                .is_some()
            {}
        }
    }
    print_out(&format!("{}: ok\n", file.display()));
    Ok(())
}

fn run(
    file: &Path,
    out: Option<PathBuf>,
    seed: Option<u64>,
    sets: &[String],
    with_requests: bool,
    quiet: bool,
    no_plots: bool,
) -> Result<(), Failure> {
    let loaded = load_scenario(file, sets, seed)?;
    let scenario = &loaded.scenario;
    let name = scenario.name.clone().unwrap_or_default();
    let res = FsResources {
        base: loaded.base_dir.clone(),
    };
    let sim = Simulation::new(scenario, &res)?;
    let dir = out.unwrap_or_else(|| Path::new("reports").join(&name));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::Other(format!("{}: cannot create folder: {e}", dir.display())))?;
    let names: Vec<String> = scenario.functions.iter().map(|f| f.name.clone()).collect();
    let asg: Vec<bool> = scenario
        .functions
        .iter()
        .map(|f| f.platform == sim_core::scenario::Platform::Asg)
        .collect();
    let mut obs =
        output::RunObserver::new(&dir, names, &asg, with_requests, !quiet).map_err(|e| {
            Failure::Other(format!(
                "{}: cannot create output files: {e}",
                dir.display()
            ))
        })?;
    let started = Instant::now();
    let result = sim.run(&mut obs);
    let wall = started.elapsed();
    // Whatever was streamed before an error is flushed, so nothing already written is lost.
    let totals = obs.finish().map_err(Failure::Other)?;
    let result = result?;
    let summary = &result.summary;
    let mut written = vec![
        output::write_summary(&dir, summary).map_err(Failure::Other)?,
        dir.join("timeseries.csv"),
    ];
    if dir.join("events.csv").exists() {
        written.push(dir.join("events.csv"));
    }
    if with_requests {
        written.push(dir.join("requests.csv"));
    }
    if !no_plots {
        written
            .extend(plot::latency_cdf(&dir, &name, &result.latency.cdf()).map_err(Failure::Other)?);
        written.extend(plot::instances_over_time(&dir, &name, &totals).map_err(Failure::Other)?);
        if plot::has_faults(&totals) {
            written.extend(plot::faults_over_time(&dir, &name, &totals).map_err(Failure::Other)?);
        }
    }
    if !quiet {
        use std::fmt::Write as _;
        let mut text = String::new();
        let measured = if summary.measured_s < summary.simulated_s {
            format!(", measured after {} warmup", scenario.simulation.warmup)
        } else {
            String::new()
        };
        let secs = wall.as_secs_f64();
        let wall = if secs < 1.0 {
            format!("{:.1} ms", secs * 1e3)
        } else {
            format!("{secs:.2} s")
        };
        let rate = summary.total.requests as f64 / secs.max(1e-9);
        let _ = writeln!(
            text,
            "{} · seed {} · {} simulated{} · {wall} wall ({:.1} M requests/s)",
            summary.scenario,
            summary.seed,
            scenario.simulation.duration,
            measured,
            rate / 1e6
        );
        let _ = write!(
            text,
            "\n{}\nwrote {}\n",
            output::summary_table(summary),
            dir.display()
        );
        for p in &written {
            let _ = writeln!(
                text,
                "  {}",
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            );
        }
        print_out(&text);
    }
    Ok(())
}
