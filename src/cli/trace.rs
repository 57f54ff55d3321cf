//! `faasim trace stats`: a trace described (table or JSON) and its arrivals plotted.

use super::{Exit, print_out};
use crate::input::files::FsResources;
use crate::report::{plot, trace_stats};
use clap::Args;
use sim_core::trace::{Column, Format, ReaderOptions, TraceStats};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The options of `faasim trace stats`.
#[derive(Args)]
pub struct TraceStatsArgs {
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
    /// Refuse a trace of more than N invocations (a count trace expands to what it counts).
    #[arg(long, value_name = "N", default_value_t = sim_core::sim::limits::DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
}

pub fn stats(args: &TraceStatsArgs) -> Result<(), Exit> {
    let (file, format) = (&args.file, &args.format);
    let fmt = Format::parse(format).ok_or_else(|| {
        Exit::Input(format!(
            "--format: expected {}, got \"{format}\"",
            Format::NAMES
        ))
    })?;
    let mut opts = ReaderOptions::new(fmt);
    let col = |c: &Option<String>| {
        c.clone().map(|c| match c.parse::<usize>() {
            Ok(i) => Column::Index(i),
            Err(_) => Column::Name(c),
        })
    };
    let columns = [
        &args.time_column,
        &args.function_column,
        &args.duration_column,
    ];
    let units = [&args.time_unit, &args.duration_unit];
    let has_columns = columns.iter().any(|c| c.is_some());
    opts.time_column = col(columns[0]);
    opts.function_column = col(columns[1]);
    opts.duration_column = col(columns[2]);
    for (flag, u, slot) in [
        ("--time-unit", units[0], &mut opts.time_unit),
        ("--duration-unit", units[1], &mut opts.duration_unit),
    ] {
        if let Some(u) = u {
            *slot = sim_core::dist::unit_ns(u).ok_or_else(|| {
                Exit::Input(format!("{flag}: expected s, ms, us or ns, got \"{u}\""))
            })?;
        }
    }
    if fmt != Format::Timestamps && (has_columns || units.iter().any(|u| u.is_some())) {
        return Err(Exit::Input(
            "--time-column, --function-column, --duration-column and the units apply to --format timestamps".into(),
        ));
    }
    if let Some(r) = &args.reorder {
        opts.reorder = sim_core::Nanos::parse(r)
            .map_err(|e| Exit::Input(format!("--reorder: {e}")))?
            .0;
    }
    opts.skip_bad_rows = args.skip_bad_rows;
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let res = FsResources { base: dir };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut stream =
        sim_core::trace::open(&res, &name, &opts, None).map_err(|e| Exit::Input(e.to_string()))?;
    let stats = TraceStats::scan_at_most(
        stream.as_mut(),
        args.max_events,
        &file.display().to_string(),
    )
    .map_err(|e| Exit::Input(e.to_string()))?;
    let report = trace_stats::stats_report(
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
    let mut text = if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| Exit::Other(e.to_string()))? + "\n"
    } else {
        trace_stats::stats_text(&report, args.top)
    };
    if !args.no_plots {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "trace".into());
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| Path::new("reports").join(format!("trace-{stem}")));
        std::fs::create_dir_all(&out)
            .map_err(|e| Exit::Other(format!("{}: cannot create folder: {e}", out.display())))?;
        let pts: Vec<(f64, f64)> = stats
            .bins
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let bin = stats.bin as f64 / 1e9;
                (i as f64 * bin, c as f64 / bin)
            })
            .collect();
        let files = plot::trace::arrivals(&out, &stem, &pts).map_err(Exit::Other)?;
        if !args.json {
            text.push_str(&format!("\nwrote {}\n", files[0].display()));
        }
    }
    print_out(&text);
    Ok(())
}
