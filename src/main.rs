//! `faasim`: the command line of the simulator.

mod html;
mod load;
mod output;
mod plot;
mod sweep;
mod sweep_plots;
mod traces;

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
        /// Count and report bad trace rows instead of stopping at the first.
        #[arg(long)]
        skip_bad_rows: bool,
    },
    /// Run a base scenario under several configurations (a grid and named ones), each with
    /// replications, in parallel: results.csv, comparison.csv, summary.csv (95 % intervals),
    /// plots and index.html.
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
        /// Keep the runs already in the output folder's results.csv; run only the others.
        #[arg(long)]
        resume: bool,
        /// Run only shard K of N (K from 1 to N), or `env/N` to take K from FAASIM_SHARD,
        /// JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID (index mod N + 1); `faasim merge`
        /// joins the shards.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Stop after this many new runs (rerun with --resume for the rest).
        #[arg(long, value_name = "N")]
        max_runs: Option<usize>,
    },
    /// Join the results of a sweep's shards (their output folders or results.csv files) into one
    /// report.
    Merge {
        /// The sweep file the shards ran.
        sweep: PathBuf,
        /// The shards' output folders (or their results.csv files).
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output folder [default: reports/<sweep file name>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
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
        /// Count and report bad trace rows instead of stopping at the first.
        #[arg(long)]
        skip_bad_rows: bool,
    },
    /// Print the JSON Schema of scenario files (or, with --sweep, of sweep files), for editors
    /// that check and complete TOML against a schema.
    Schema {
        /// The schema of sweep files instead.
        #[arg(long)]
        sweep: bool,
    },
    /// Workload traces.
    Trace {
        #[command(subcommand)]
        command: TraceCommand,
    },
}

#[derive(Subcommand)]
enum TraceCommand {
    /// Describe a trace: invocations, functions, time covered, arrival-rate percentiles,
    /// per-function inter-arrival mean and coefficient of variation, triggers; plot arrivals.
    Stats {
        /// The trace file.
        file: PathBuf,
        /// timestamps, azure2019, azure2021, aws-lambda-log or huawei2023.
        #[arg(long, default_value = "timestamps")]
        format: String,
        /// timestamps: the time column (header name or 0-based index) [default: 0].
        #[arg(long)]
        time_column: Option<String>,
        /// timestamps: the function column (header name or 0-based index).
        #[arg(long)]
        function_column: Option<String>,
        /// timestamps: the duration column (header name or 0-based index).
        #[arg(long)]
        duration_column: Option<String>,
        /// timestamps: s, ms, us or ns [default: s].
        #[arg(long)]
        time_unit: Option<String>,
        /// timestamps: s, ms, us or ns [default: ms].
        #[arg(long)]
        duration_unit: Option<String>,
        /// Per-request formats: how far out of order rows may come (e.g. 10s).
        #[arg(long)]
        reorder: Option<String>,
        /// Print JSON (every function) instead of the table.
        #[arg(long)]
        json: bool,
        /// Functions listed in the table.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Where the arrivals plot goes [default: reports/trace-<file stem>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Skip the plot.
        #[arg(long)]
        no_plots: bool,
        /// Count and report bad rows instead of stopping at the first.
        #[arg(long)]
        skip_bad_rows: bool,
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
            skip_bad_rows,
        } => run(
            &scenario,
            out,
            seed,
            &sets,
            requests,
            quiet,
            no_plots,
            skip_bad_rows,
        ),
        Command::Sweep {
            sweep,
            out,
            jobs,
            quiet,
            no_plots,
            resume,
            shard,
            max_runs,
        } => run_sweep(&sweep, out, jobs, quiet, no_plots, resume, shard, max_runs),
        Command::Merge {
            sweep,
            shards,
            out,
            quiet,
            no_plots,
        } => merge(&sweep, &shards, out, no_plots, quiet),
        Command::Validate {
            file,
            sets,
            skip_bad_rows,
        } => validate(&file, &sets, skip_bad_rows),
        Command::Schema { sweep } => {
            print_out(&schema(sweep));
            Ok(())
        }
        Command::Trace {
            command:
                TraceCommand::Stats {
                    file,
                    format,
                    time_column,
                    function_column,
                    duration_column,
                    time_unit,
                    duration_unit,
                    reorder,
                    json,
                    top,
                    out,
                    no_plots,
                    skip_bad_rows,
                },
        } => trace_stats(
            &file,
            &format,
            [time_column, function_column, duration_column],
            [time_unit, duration_unit],
            reorder,
            json,
            top,
            out,
            no_plots,
            skip_bad_rows,
        ),
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

/// The JSON Schema of scenario files (or sweep files), pretty-printed.
fn schema(sweep: bool) -> String {
    let mut s = if sweep {
        schemars::schema_for!(sweep::SweepFile)
    } else {
        let mut s = schemars::schema_for!(sim_core::Scenario);
        // `function_defaults` is read before the scenario proper (src/traces.rs): the keys of a
        // function, less its name, for every function made from a trace.
        if let Some(props) = s.get_mut("properties").and_then(|p| p.as_object_mut()) {
            props.insert(
                "function_defaults".into(),
                serde_json::json!({
                    "description": "Keys every function made from a trace starts from (any key of [[functions]] but name); functions written by hand win.",
                    "$ref": "#/$defs/Function"
                }),
            );
        }
        s
    };
    s.insert(
        "title".into(),
        (if sweep {
            "faasim sweep file"
        } else {
            "faasim scenario file"
        })
        .into(),
    );
    let mut text = serde_json::to_string_pretty(&s).expect("a schema is JSON");
    text.push('\n');
    text
}

/// The number of threads to use when `--jobs` is not given.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Writes to stdout; a closed pipe (`faasim run … | head`) is not an error.
fn print_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

#[allow(clippy::too_many_arguments)]
fn run_sweep(
    file: &Path,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    quiet: bool,
    no_plots: bool,
    resume: bool,
    shard: Option<String>,
    max_runs: Option<usize>,
) -> Result<(), Failure> {
    let jobs = match jobs {
        Some(0) => return Err(Failure::Input("--jobs: must be at least 1".into())),
        Some(j) => j,
        None => cores(),
    };
    let sweep = sweep::load(file, jobs)?;
    let shard = shard.map(|s| parse_shard(&s)).transpose()?;
    let (stem, dir) = sweep_out(file, out)?;
    let started = Instant::now();
    let opts = sweep::RunOptions {
        jobs,
        progress: !quiet,
        resume,
        shard,
        max_runs,
    };
    let outcome = sweep::run(&sweep, &dir, &opts).map_err(Failure::Input)?;
    let wall = started.elapsed();
    let written = report(
        &sweep,
        &dir,
        &outcome.rows,
        &stem,
        no_plots,
        &sweep_command(file, &dir, shard),
    )?;
    if !quiet {
        let mut text = format!(
            "{stem} · {} configurations × {} replications · {} runs in {:.1} s on {jobs} threads{}{}\n\n",
            sweep.configs.len(),
            sweep.replications,
            outcome.ran,
            wall.as_secs_f64(),
            if outcome.resumed > 0 {
                format!(" ({} kept from results.csv)", outcome.resumed)
            } else {
                String::new()
            },
            match shard {
                Some((k, n)) => format!(" · shard {k} of {n}"),
                None => String::new(),
            }
        );
        text.push_str(&sweep::table(&sweep, &outcome.rows));
        if !outcome.complete {
            text.push_str("\nnot finished: rerun with --resume to run the rest\n");
        }
        text.push_str(&wrote(&dir, &written));
        print_out(&text);
    }
    Ok(())
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

/// A sweep's name (its file's stem) and output folder (`--out`, else `reports/<stem>/`), created.
fn sweep_out(file: &Path, out: Option<PathBuf>) -> Result<(String, PathBuf), Failure> {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    let dir = out.unwrap_or_else(|| Path::new("reports").join(&stem));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::Other(format!("{}: cannot create folder: {e}", dir.display())))?;
    Ok((stem, dir))
}

/// The command that reproduces a sweep's report.
fn sweep_command(file: &Path, dir: &Path, shard: Option<(usize, usize)>) -> String {
    let mut c = format!("faasim sweep {} --out {}", file.display(), dir.display());
    if let Some((k, n)) = shard {
        c.push_str(&format!(" --shard {k}/{n}"));
    }
    c
}

/// `K/N`, K from 1 to N; `env/N` takes K from FAASIM_SHARD, JOB_COMPLETION_INDEX (a Kubernetes
/// indexed job) or SLURM_ARRAY_TASK_ID (a Slurm job array), as index mod N + 1.
fn parse_shard(s: &str) -> Result<(usize, usize), Failure> {
    let bad = |m: &str| Failure::Input(format!("--shard {s}: {m}"));
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| bad("expected K/N, e.g. 1/4, or env/N"))?;
    let n: usize = n
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| bad("N must be a whole number ≥ 1"))?;
    let k = if k == "env" {
        let (var, v) = [
            "FAASIM_SHARD",
            "JOB_COMPLETION_INDEX",
            "SLURM_ARRAY_TASK_ID",
        ]
        .iter()
        .find_map(|v| std::env::var(v).ok().map(|x| (*v, x)))
        .ok_or_else(|| {
            bad("none of FAASIM_SHARD, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID is set")
        })?;
        let i: usize = v
            .trim()
            .parse()
            .map_err(|_| bad(&format!("{var}={v} is not a whole number")))?;
        i % n + 1
    } else {
        k.parse()
            .ok()
            .filter(|k| (1..=n).contains(k))
            .ok_or_else(|| bad("K must be a whole number from 1 to N"))?
    };
    Ok((k, n))
}

/// Tables, plots and index.html of a sweep's rows.
fn report(
    sweep: &sweep::Sweep,
    dir: &Path,
    rows: &[sweep::Row],
    stem: &str,
    no_plots: bool,
    command: &str,
) -> Result<Vec<PathBuf>, Failure> {
    // The tables and the plots are independent: make them at once.
    let (tables, plots) = rayon::join(
        || sweep::write_tables(dir, sweep, rows),
        || {
            if !no_plots && !rows.is_empty() {
                sweep_plots::draw(dir, stem, sweep, rows)
            } else {
                Ok(Vec::new())
            }
        },
    );
    let mut written = tables.map_err(Failure::Other)?;
    written.extend(plots.map_err(Failure::Other)?);
    written.push(
        html::sweep_index(dir, stem, sweep, rows, &written, command).map_err(Failure::Other)?,
    );
    Ok(written)
}

/// `faasim merge`: the shards' results joined into one report.
fn merge(
    file: &Path,
    shards: &[PathBuf],
    out: Option<PathBuf>,
    no_plots: bool,
    quiet: bool,
) -> Result<(), Failure> {
    let sweep = sweep::load(file, cores())?;
    let (stem, dir) = sweep_out(file, out)?;
    let mut rows: Vec<sweep::Row> = Vec::new();
    for s in shards {
        let path = if s.is_dir() {
            s.join("results.csv")
        } else {
            s.clone()
        };
        for row in sweep::read_rows(&path, &sweep).map_err(Failure::Input)? {
            match rows
                .iter()
                .find(|r| (r.config, r.rep) == (row.config, row.rep))
            {
                Some(r) if *r == row => {}
                Some(_) => {
                    return Err(Failure::Input(format!(
                        "{}: configuration \"{}\" replication {} differs from another shard's",
                        path.display(),
                        sweep.configs[row.config].name,
                        row.rep
                    )));
                }
                None => rows.push(row),
            }
        }
    }
    rows.sort_by_key(|r| (r.config, r.rep));
    // The shards' latency CDFs (replication 0 of each configuration they ran).
    for s in shards.iter().filter(|s| s.is_dir()) {
        for c in 0..sweep.configs.len() {
            let from = sweep::cdf_path(s, c);
            let to = sweep::cdf_path(&dir, c);
            if from.is_file() && from != to {
                std::fs::create_dir_all(dir.join("cdf"))
                    .and_then(|_| std::fs::copy(&from, &to).map(|_| ()))
                    .map_err(|e| Failure::Other(format!("{}: cannot copy: {e}", to.display())))?;
            }
        }
    }
    let total = sweep.configs.len() * sweep.replications as usize;
    let mut text = sweep::results_header(&sweep);
    for r in &rows {
        text.push_str(&r.line(&sweep));
    }
    sweep::write_atomic(&dir.join("results.csv"), &text).map_err(Failure::Other)?;
    let command = format!(
        "faasim merge {} {} --out {}",
        file.display(),
        shards
            .iter()
            .map(|s| s.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        dir.display()
    );
    let written = report(&sweep, &dir, &rows, &stem, no_plots, &command)?;
    if !quiet {
        let mut t = format!(
            "{stem} · merged {} of {total} runs from {} shards\n\n",
            rows.len(),
            shards.len()
        );
        t.push_str(&sweep::table(&sweep, &rows));
        if rows.len() < total {
            t.push_str(&format!("\nmissing {} runs\n", total - rows.len()));
        }
        t.push_str(&wrote(&dir, &written));
        print_out(&t);
    }
    Ok(())
}

fn validate(file: &Path, sets: &[String], skip_bad_rows: bool) -> Result<(), Failure> {
    // A sweep file names a base scenario.
    let text = load::read_text(file)?;
    if let Ok(t) = toml::from_str::<toml::Table>(&text)
        && t.contains_key("base")
    {
        let sweep = sweep::load(file, cores())?;
        print_out(&format!(
            "{}: a valid sweep of {} configurations × {} replications of {}\n",
            file.display(),
            sweep.configs.len(),
            sweep.replications,
            sweep.base.display()
        ));
        return Ok(());
    }
    let loaded = load_scenario(file, sets, None, skip_bad_rows)?;
    let res = FsResources {
        base: loaded.base_dir.clone(),
    };
    // Building the simulation opens every file the scenario names; reading each trace through
    // checks every row.
    let scenario = &loaded.scenario;
    Simulation::new(scenario, &res)?;
    let mut notes = String::new();
    for w in &scenario.workloads {
        let a = &w.arrivals;
        if let Some(trace) = &a.trace {
            let opts = sim_core::inputs::reader_options(a, scenario.simulation.seed);
            let mut r = sim_core::trace::open(&res, trace, &opts, None)
                .map_err(|e| Failure::Input(e.to_string()))?;
            while r
                .next()
                .map_err(|e| Failure::Input(e.to_string()))?
                .is_some()
            {}
            notes.push_str(&format!(
                "  {}: {} rows{}\n",
                res.display(trace),
                r.rows(),
                if r.skipped() > 0 {
                    format!(", {} bad rows skipped", r.skipped())
                } else {
                    String::new()
                }
            ));
        }
    }
    print_out(&format!("{}: ok\n{notes}", file.display()));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn trace_stats(
    file: &Path,
    format: &str,
    columns: [Option<String>; 3],
    units: [Option<String>; 2],
    reorder: Option<String>,
    json: bool,
    top: usize,
    out: Option<PathBuf>,
    no_plots: bool,
    skip_bad_rows: bool,
) -> Result<(), Failure> {
    use sim_core::trace::{Column, Format, ReaderOptions, TraceStats};
    let fmt = Format::parse(format).ok_or_else(|| {
        Failure::Input(format!(
            "--format: expected {}, got \"{format}\"",
            Format::NAMES
        ))
    })?;
    let mut opts = ReaderOptions::new(fmt);
    let col = |c: Option<String>| {
        c.map(|c| match c.parse::<usize>() {
            Ok(i) => Column::Index(i),
            Err(_) => Column::Name(c),
        })
    };
    let [tc, fc, dc] = columns;
    let has_columns = tc.is_some() || fc.is_some() || dc.is_some();
    opts.time_column = col(tc);
    opts.function_column = col(fc);
    opts.duration_column = col(dc);
    for (flag, u, slot) in [
        ("--time-unit", &units[0], &mut opts.time_unit),
        ("--duration-unit", &units[1], &mut opts.duration_unit),
    ] {
        if let Some(u) = u {
            *slot = sim_core::dist::unit_ns(u).ok_or_else(|| {
                Failure::Input(format!("{flag}: expected s, ms, us or ns, got \"{u}\""))
            })?;
        }
    }
    if fmt != Format::Timestamps && (has_columns || units.iter().any(Option::is_some)) {
        return Err(Failure::Input(
            "--time-column, --function-column, --duration-column and the units apply to --format timestamps".into(),
        ));
    }
    if let Some(r) = reorder {
        opts.reorder = sim_core::Nanos::parse(&r)
            .map_err(|e| Failure::Input(format!("--reorder: {e}")))?
            .0;
    }
    opts.skip_bad_rows = skip_bad_rows;
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let res = FsResources { base: dir };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut stream = sim_core::trace::open(&res, &name, &opts, None)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let stats = TraceStats::scan(stream.as_mut()).map_err(|e| Failure::Input(e.to_string()))?;
    let report = traces::stats_report(
        &stats,
        &file.display().to_string(),
        fmt.name(),
        fmt == Format::AwsLambdaLog,
    );
    if let Some(e) = stream.first_skipped() {
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: {} bad rows skipped; the first: {e}",
            stream.skipped()
        );
    }
    let mut text = if json {
        serde_json::to_string_pretty(&report).map_err(|e| Failure::Other(e.to_string()))? + "\n"
    } else {
        traces::stats_text(&report, top)
    };
    if !no_plots {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "trace".into());
        let out = out.unwrap_or_else(|| Path::new("reports").join(format!("trace-{stem}")));
        std::fs::create_dir_all(&out)
            .map_err(|e| Failure::Other(format!("{}: cannot create folder: {e}", out.display())))?;
        let pts: Vec<(f64, f64)> = stats
            .bins
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let bin = stats.bin as f64 / 1e9;
                (i as f64 * bin, c as f64 / bin)
            })
            .collect();
        let files = plot::arrivals(&out, &stem, &pts).map_err(Failure::Other)?;
        if !json {
            text.push_str(&format!("\nwrote {}\n", files[0].display()));
        }
    }
    print_out(&text);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn run(
    file: &Path,
    out: Option<PathBuf>,
    seed: Option<u64>,
    sets: &[String],
    with_requests: bool,
    quiet: bool,
    no_plots: bool,
    skip_bad_rows: bool,
) -> Result<(), Failure> {
    let loaded = load_scenario(file, sets, seed, skip_bad_rows)?;
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
    let (totals, scaling_times) = obs.finish().map_err(Failure::Other)?;
    let result = result?;
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
        written.extend(
            plot::instances_over_time(&dir, &name, &totals, &scaling_times)
                .map_err(Failure::Other)?,
        );
        written.extend(plot::latency_over_time(&dir, &name, &totals).map_err(Failure::Other)?);
        if plot::has_faults(&totals) {
            written.extend(plot::faults_over_time(&dir, &name, &totals).map_err(Failure::Other)?);
        }
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
            &output::summary_table(summary),
            &written,
            &command,
        )
        .map_err(Failure::Other)?,
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
