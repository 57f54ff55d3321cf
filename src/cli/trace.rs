//! `faasim trace stats`: describe a workload trace (invocations, functions, time covered,
//! arrival-rate percentiles, per-function inter-arrival statistics) and plot its arrivals.

use super::{CommandError, print_out};
use crate::input::FsResources;
use crate::input::traces::{stats_report, stats_text};
use crate::report::plot;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Workload traces.
#[derive(Subcommand)]
pub enum TraceCommand {
    /// Describe a trace: invocations, functions, time covered, arrival-rate percentiles,
    /// per-function inter-arrival mean and coefficient of variation, triggers; plot arrivals.
    Stats(StatsArgs),
}

/// Describe a trace: invocations, functions, time covered, arrival-rate percentiles,
/// per-function inter-arrival mean and coefficient of variation, triggers; plot arrivals.
#[derive(Args)]
pub struct StatsArgs {
    /// The trace file.
    pub file: PathBuf,
    /// timestamps, azure2019, azure2021, aws-lambda-log or huawei2023.
    #[arg(long, default_value = "timestamps")]
    pub format: String,
    /// timestamps: the time column (header name or 0-based index) [default: 0].
    #[arg(long)]
    pub time_column: Option<String>,
    /// timestamps: the function column (header name or 0-based index).
    #[arg(long)]
    pub function_column: Option<String>,
    /// timestamps: the duration column (header name or 0-based index).
    #[arg(long)]
    pub duration_column: Option<String>,
    /// timestamps: s, ms, us or ns [default: s].
    #[arg(long)]
    pub time_unit: Option<String>,
    /// timestamps: s, ms, us or ns [default: ms].
    #[arg(long)]
    pub duration_unit: Option<String>,
    /// Per-request formats: how far out of order rows may come (e.g. 10s).
    #[arg(long)]
    pub reorder: Option<String>,
    /// Print JSON (every function) instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Functions listed in the table.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Where the arrivals plot goes [default: reports/trace-<file stem>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip the plot.
    #[arg(long)]
    pub no_plots: bool,
    /// Count and report bad rows instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

/// `faasim trace stats`: one pass over a trace, its summary as a table or JSON, and a plot of
/// its arrivals.
pub fn trace_stats(args: &StatsArgs) -> Result<(), CommandError> {
    let StatsArgs {
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
    } = args;
    let (file, json, top) = (file.as_path(), *json, *top);
    let columns = [
        time_column.clone(),
        function_column.clone(),
        duration_column.clone(),
    ];
    let units = [time_unit.clone(), duration_unit.clone()];
    use sim_core::trace::{Column, Format, ReaderOptions, TraceStats};
    let fmt = Format::parse(format).ok_or_else(|| {
        CommandError::Input(format!(
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
                CommandError::Input(format!("{flag}: expected s, ms, us or ns, got \"{u}\""))
            })?;
        }
    }
    if fmt != Format::Timestamps && (has_columns || units.iter().any(Option::is_some)) {
        return Err(CommandError::Input(
            "--time-column, --function-column, --duration-column and the units apply to --format timestamps".into(),
        ));
    }
    if let Some(r) = reorder {
        opts.reorder = sim_core::Nanos::parse(r)
            .map_err(|e| CommandError::Input(format!("--reorder: {e}")))?
            .0;
    }
    opts.skip_bad_rows = *skip_bad_rows;
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let res = FsResources { base: dir };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut stream = sim_core::trace::open(&res, &name, &opts, None)
        .map_err(|e| CommandError::Input(e.to_string()))?;
    let stats =
        TraceStats::scan(stream.as_mut()).map_err(|e| CommandError::Input(e.to_string()))?;
    let report = stats_report(
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
        serde_json::to_string_pretty(&report).map_err(|e| CommandError::Other(e.to_string()))?
            + "\n"
    } else {
        stats_text(&report, top)
    };
    if !*no_plots {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "trace".into());
        let out = out
            .clone()
            .unwrap_or_else(|| Path::new("reports").join(format!("trace-{stem}")));
        std::fs::create_dir_all(&out).map_err(|e| {
            CommandError::Other(format!("{}: cannot create folder: {e}", out.display()))
        })?;
        let pts: Vec<(f64, f64)> = stats
            .bins
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let bin = stats.bin as f64 / 1e9;
                (i as f64 * bin, c as f64 / bin)
            })
            .collect();
        let files = plot::arrivals(&out, &stem, &pts).map_err(CommandError::Other)?;
        if !json {
            text.push_str(&format!("\nwrote {}\n", files[0].display()));
        }
    }
    print_out(&text);
    Ok(())
}
