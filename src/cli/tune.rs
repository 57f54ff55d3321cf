//! `faasim tune`: AWS Lambda Power Tuning's question — which memory size for this function? —
//! answered at the scenario's own traffic. A sweep of the function's `memory_mb` underneath
//! (replications with common random numbers, `--jobs` threads, its own report), then Power
//! Tuning's table and picks (`report::tune`) and its plot.

use super::sweep::{sweep_out, write_report};
use super::{Exit, jobs, print_out, wrote};
use crate::input::scenario::ScenarioFile;
use crate::report::plot::tune as tune_plot;
use crate::report::tune::{Size, Strategy, csv, json, table};
use crate::sweep::config::{SweepFile, build};
use crate::sweep::execute::{RunOptions, run};
use crate::sweep::results::write_atomic;
use crate::sweep::stats::means;
use clap::Args;
use std::path::PathBuf;

/// The options of `faasim tune`.
#[derive(Args)]
pub struct TuneArgs {
    /// The scenario (TOML) whose traffic the function serves.
    pub scenario: PathBuf,
    /// The function to tune [default: the scenario's only function].
    #[arg(long)]
    pub function: Option<String>,
    /// Memory sizes to try, in MB (Power Tuning's default list).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "128,256,512,1024,1536,3008"
    )]
    pub memory: Vec<u32>,
    /// Which size to pick: the cheapest invocation, the fastest, or a balance of the two.
    #[arg(long, value_enum, default_value = "cost")]
    pub strategy: Strategy,
    /// The balanced strategy's weight of cost (0: speed only, 1: cost only).
    #[arg(long, default_value_t = 0.5)]
    pub weight: f64,
    /// Seeds per memory size (the same seeds at every size).
    #[arg(long, default_value_t = 3)]
    pub replications: u32,
    /// Output folder [default: reports/<scenario file name>-tune/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Threads [default: the number of cores].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print nothing but errors; no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip drawing plots.
    #[arg(long)]
    pub no_plots: bool,
}

/// The per-function metrics the sweep records for `tune`, in this order.
const COLUMNS: [&str; 9] = [
    "invocations",
    "duration_ms",
    "price_per_million_usd",
    "p50_ms",
    "p99_ms",
    "cold_starts",
    "throttled",
    "timed_out",
    "cost_usd",
];

pub fn tune(args: &TuneArgs) -> Result<(), Exit> {
    let jobs = jobs(args.jobs)?;
    if !(0.0..=1.0).contains(&args.weight) {
        return Err(Exit::Input(format!(
            "--weight: must be between 0 and 1, got {}",
            args.weight
        )));
    }
    if args.replications == 0 || args.replications > 10_000 {
        return Err(Exit::Input(format!(
            "--replications: must be from 1 to 10000, got {}",
            args.replications
        )));
    }
    let mut memory = args.memory.clone();
    memory.sort_unstable();
    memory.dedup();
    if memory.is_empty() || memory.len() > 100 {
        return Err(Exit::Input("--memory: give 1 to 100 sizes".into()));
    }
    let file = args.scenario.display().to_string();
    let scenario = ScenarioFile::read(&args.scenario)?.scenario(&[], None, false)?;
    let function = match &args.function {
        Some(f) => f.clone(),
        None if scenario.functions.len() == 1 => scenario.functions[0].name.clone(),
        None => {
            let names: Vec<&str> = scenario.functions.iter().map(|f| f.name.as_str()).collect();
            return Err(Exit::Input(format!(
                "--function: {file} has {} functions ({}); name the one to tune",
                names.len(),
                names.join(", ")
            )));
        }
    };
    match scenario.functions.iter().find(|f| f.name == function) {
        None => {
            return Err(Exit::Input(format!(
                "--function: {file} has no function named \"{function}\""
            )));
        }
        Some(f) if f.platform != sim_core::scenario::Platform::Lambda => {
            return Err(Exit::Input(format!(
                "--function: \"{function}\" runs on an Auto Scaling group; tune tunes Lambda memory"
            )));
        }
        Some(_) => {}
    }
    let mut grid = toml::Table::new();
    grid.insert(
        format!("functions.{function}.memory_mb"),
        toml::Value::Array(
            memory
                .iter()
                .map(|&m| toml::Value::Integer(m as i64))
                .collect(),
        ),
    );
    let sf = SweepFile {
        base: file.clone(),
        replications: args.replications,
        grid,
        configurations: Vec::new(),
        baseline: None,
        cdf: Vec::new(),
        max_unserved: crate::sweep::config::DEFAULT_MAX_UNSERVED,
    };
    let mut sweep = build(&sf, &file, args.scenario.clone(), jobs)?;
    let first = sweep.metrics.len();
    sweep
        .metrics
        .extend(COLUMNS.iter().map(|m| format!("function.{function}.{m}")));
    let stem = args
        .scenario
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let out = args
        .out
        .clone()
        .or_else(|| Some(PathBuf::from("reports").join(format!("{stem}-tune"))));
    let (stem, dir) = sweep_out(&args.scenario, out)?;
    let opts = RunOptions {
        jobs,
        progress: !args.quiet,
        resume: false,
        shard: None,
        max_runs: None,
        max_events: sim_core::sim::limits::DEFAULT_MAX_EVENTS,
    };
    let outcome = run(&sweep, &dir, &opts).map_err(Exit::Input)?;
    // Means per size (configurations are in memory order).
    let sizes: Vec<Size> = means(&sweep, &outcome.rows)
        .into_iter()
        .map(|(c, m)| {
            let v =
                |name: &str| m[first + COLUMNS.iter().position(|x| *x == name).expect("a column")];
            let sim = &sweep.configs[c].scenario.simulation;
            let measured_s = (sim.duration.0 - sim.warmup.0) as f64 / 1e9;
            Size {
                memory_mb: memory[c],
                duration_ms: v("duration_ms"),
                price_usd: v("price_per_million_usd") / 1e6,
                p50_ms: v("p50_ms"),
                p99_ms: v("p99_ms"),
                cold_starts: v("cold_starts"),
                throttled: v("throttled"),
                timed_out: v("timed_out"),
                cost_per_day_usd: m[sweep
                    .metrics
                    .iter()
                    .position(|x| x == "cost_usd")
                    .expect("cost_usd")]
                    * 86_400.0
                    / measured_s,
            }
        })
        .collect();
    let mut written = Vec::new();
    for (name, text) in [
        ("tune.csv", csv(&sizes)),
        ("tune.json", json(&sizes, args.strategy, args.weight)),
    ] {
        let path = dir.join(name);
        write_atomic(&path, &text).map_err(Exit::Other)?;
        written.push(path);
    }
    if !args.no_plots {
        let title = format!("{stem}: {function}");
        written.extend(
            tune_plot::draw(&dir, &title, &sizes, args.strategy, args.weight)
                .map_err(Exit::Other)?,
        );
    }
    let command = format!(
        "faasim tune {file} --function {function} --memory {} --strategy {} --weight {} --replications {} --out {}",
        memory
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(","),
        args.strategy.name(),
        args.weight,
        args.replications,
        dir.display()
    );
    let written = write_report(
        &sweep,
        &dir,
        &outcome.rows,
        &stem,
        args.no_plots,
        &command,
        written,
    )?;
    if !args.quiet {
        let mut text = table(&function, &sizes, args.weight);
        text.push_str(&wrote(&dir, &written));
        print_out(&text);
    }
    Ok(())
}
