//! `faasim run`: one scenario simulated, its files streamed and its report written.

use super::{Exit, print_out};
use crate::input::files::FsResources;
use crate::input::scenario::load_scenario;
use crate::report::{html, plot, stream, summary};
use clap::Args;
use sim_core::Simulation;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The options of `faasim run`.
#[derive(Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Output folder [default: reports/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override simulation.seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override one scenario value: PATH=VALUE, e.g. functions.api.memory_mb=1024 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Also write requests.csv, one row per request attempt.
    #[arg(long)]
    pub requests: bool,
    /// Print nothing but errors; no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip drawing plots.
    #[arg(long)]
    pub no_plots: bool,
    /// Count and report bad trace rows instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Refuse a run expected to take more than N requests and generator events (default 1e9,
    /// about two minutes), and stop one that passes it by 10 %.
    #[arg(long, value_name = "N", default_value_t = sim_core::sim::limits::DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
}

pub fn run(args: &RunArgs) -> Result<(), Exit> {
    let RunArgs {
        scenario: file,
        sets,
        ..
    } = args;
    let (seed, with_requests, quiet, no_plots) =
        (args.seed, args.requests, args.quiet, args.no_plots);
    let loaded = load_scenario(file, sets, seed, args.skip_bad_rows, args.max_events)?;
    let scenario = &loaded.scenario;
    let name = scenario.name.clone().unwrap_or_default();
    let res = FsResources {
        base: loaded.base_dir.clone(),
    };
    let in_file = |e: sim_core::SimError| match e {
        sim_core::SimError::Config(e) => Exit::Input(format!("{}: {e}", file.display())),
        e @ sim_core::SimError::Input(_) => Exit::from(e),
    };
    let mut sim = Simulation::new(scenario, &res).map_err(in_file)?;
    sim.limit_events(args.max_events, true).map_err(in_file)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reports").join(&name));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Exit::Other(format!("{}: cannot create folder: {e}", dir.display())))?;
    let names: Vec<String> = scenario.functions.iter().map(|f| f.name.clone()).collect();
    let asg: Vec<bool> = scenario
        .functions
        .iter()
        .map(|f| f.platform == sim_core::scenario::Platform::Asg)
        .collect();
    let apis = scenario
        .apis
        .iter()
        .map(|a| (a.name.clone(), a.kind.name()))
        .chain(scenario.tables.iter().map(|t| (t.name.clone(), "dynamodb")))
        .chain(
            scenario
                .dependencies
                .iter()
                .map(|d| (d.name.clone(), "dependency")),
        )
        .collect();
    let mut obs = stream::RunObserver::new(&dir, names, &asg, with_requests, !quiet)
        .and_then(|o| o.with_services(&dir, apis))
        .and_then(|o| {
            let names = scenario.workflows.iter().map(|w| w.name.clone()).collect();
            o.with_workflows(&dir, names)
        })
        .map_err(|e| {
            Exit::Other(format!(
                "{}: cannot create output files: {e}",
                dir.display()
            ))
        })?;
    let started = Instant::now();
    let result = sim.run(&mut obs);
    let wall = started.elapsed();
    // Whatever was streamed before an error is flushed, so nothing already written is lost.
    let stream::Streamed {
        totals,
        scaling_times,
        alarm_spans,
    } = obs.finish().map_err(Exit::Other)?;
    let result = result.map_err(in_file)?;
    let summary = &result.summary;
    for t in &summary.traces {
        if let Some(e) = &t.first_skipped {
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: {} bad rows of {} skipped; the first: {e}",
                t.skipped_rows,
                t.file
            );
        }
    }
    let mut written = vec![
        summary::write_summary(&dir, summary).map_err(Exit::Other)?,
        dir.join("timeseries.csv"),
    ];
    if dir.join("events.csv").exists() {
        written.push(dir.join("events.csv"));
    }
    if !(scenario.apis.is_empty() && scenario.tables.is_empty() && scenario.dependencies.is_empty())
    {
        written.push(dir.join("services.csv"));
    }
    if !scenario.workflows.is_empty() {
        written.push(dir.join("workflows.csv"));
    }
    if with_requests {
        written.push(dir.join("requests.csv"));
    }
    if !no_plots {
        use plot::run as p;
        written.extend(p::latency_cdf(&dir, &name, &result.latency.cdf()).map_err(Exit::Other)?);
        written.extend(
            p::instances_over_time(&dir, &name, &totals, &scaling_times).map_err(Exit::Other)?,
        );
        written
            .extend(p::latency_over_time(&dir, &name, &totals, &alarm_spans).map_err(Exit::Other)?);
        if p::has_faults(&totals) {
            written.extend(
                p::faults_over_time(&dir, &name, &totals, &alarm_spans).map_err(Exit::Other)?,
            );
        }
        // A labelled trace: its cold starts over time beside faasim's.
        for t in &summary.traces {
            if let Some(l) = &t.labels {
                let title = if summary.traces.len() > 1 {
                    format!("{name} ({})", t.workload)
                } else {
                    name.clone()
                };
                written.extend(
                    plot::labels::cold_starts_vs_log(&dir, &title, l).map_err(Exit::Other)?,
                );
                break;
            }
        }
        // Alarms: each one's time in ALARM against the incidents.
        if !scenario.alarms.is_empty() {
            let incidents: Vec<(String, f64, f64)> = scenario
                .incidents
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let name = x.name.clone().unwrap_or(i.to_string());
                    (name, x.start.as_secs_f64(), x.end.as_secs_f64())
                })
                .collect();
            let alarms: Vec<String> = scenario.alarms.iter().map(|a| a.name.clone()).collect();
            let end = scenario.simulation.duration.as_secs_f64();
            written.extend(
                plot::alarms::alarm_timeline(&dir, &name, &alarms, &alarm_spans, &incidents, end)
                    .map_err(Exit::Other)?,
            );
        }
        // APIs, tables, dependencies and calls: the service map (nothing without them).
        let routes: Vec<(String, String)> = scenario
            .apis
            .iter()
            .flat_map(|a| {
                a.routes
                    .iter()
                    .map(|r| (a.name.clone(), r.function.clone()))
            })
            .collect();
        written.extend(
            plot::service_map::service_map(&dir, &name, summary, &routes).map_err(Exit::Other)?,
        );
        // Workflows: each one's state diagram with the counts on its edges.
        written
            .extend(plot::state_diagram::state_diagram(&dir, &name, summary).map_err(Exit::Other)?);
    }
    let mut command = format!("faasim run {} --out {}", file.display(), dir.display());
    if let Some(seed) = seed {
        command.push_str(&format!(" --seed {seed}"));
    }
    for s in sets {
        command.push_str(&format!(" --set '{s}'"));
    }
    if with_requests {
        command.push_str(" --requests");
    }
    written.push(
        html::run_index(
            &dir,
            &name,
            file,
            &summary::summary_table(summary),
            &written,
            &command,
        )
        .map_err(Exit::Other)?,
    );
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
            summary::summary_table(summary),
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
