//! `faasim calibrate keep-alive`: the idle lifetime and the lifetime limit of execution
//! environments learned from request logs, as a scenario fragment with bands and a plot.

use super::{Exit, print_out, wrote};
use crate::report::calibrate::{self as report, Choice};
use crate::report::plot;
use clap::Args;
use sim_core::calibrate::Builder;
use sim_core::calibrate::estimate::Estimator;
use sim_core::calibrate::read::{LogFormat, read_log};
use sim_core::trace::Rows;
use std::path::PathBuf;

/// The options of `faasim calibrate keep-alive`.
#[derive(Args)]
pub struct KeepAliveArgs {
    /// The request logs (one or more; environment ids are per log).
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// aws-lambda-log (client_start_time, aws_duration, exist_id, is_cold), csv (arrival,
    /// duration, environment, cold, optional function) or faasim-requests (a requests.csv of
    /// `faasim run --requests`).
    #[arg(long, default_value = "aws-lambda-log")]
    pub format: String,
    /// The idle time of the fragment: npmle (the nonparametric estimate, as a quantiles
    /// distribution), median (a fixed keep-alive at its median), best (the family with the
    /// lowest AIC), lognormal, normal or exponential.
    #[arg(long, default_value = "npmle")]
    pub fit: String,
    /// Bootstrap replicates for the bands.
    #[arg(long, default_value_t = 200)]
    pub replicates: u32,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How far out of order rows may come (e.g. 60s).
    #[arg(long, default_value = "60s")]
    pub reorder: String,
    /// Refuse a log of more than N rows.
    #[arg(long, value_name = "N", default_value_t = 100_000_000)]
    pub max_rows: u64,
    /// Where keep_alive.toml, calibration.json and the plot go [default:
    /// reports/calibrate-<first log's stem>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip the plot.
    #[arg(long)]
    pub no_plots: bool,
    /// Print calibration.json instead of the summary.
    #[arg(long)]
    pub json: bool,
}

pub fn keep_alive(args: &KeepAliveArgs) -> Result<(), Exit> {
    let format = LogFormat::parse(&args.format).ok_or_else(|| {
        Exit::Input(format!(
            "--format: expected {}, got \"{}\"",
            LogFormat::NAMES,
            args.format
        ))
    })?;
    let choice = Choice::parse(&args.fit).ok_or_else(|| {
        Exit::Input(format!(
            "--fit: expected {}, got \"{}\"",
            Choice::NAMES,
            args.fit
        ))
    })?;
    if !(1..=100_000).contains(&args.replicates) {
        return Err(Exit::Input(format!(
            "--replicates: expected 1 to 100000, got {}",
            args.replicates
        )));
    }
    let window = sim_core::Nanos::parse(&args.reorder)
        .map_err(|e| Exit::Input(format!("--reorder: {e}")))?
        .0 as f64
        / 1e9;
    let mut b = Builder::new();
    let mut files = Vec::new();
    for path in &args.logs {
        let name = path.display().to_string();
        let f = std::fs::File::open(path)
            .map_err(|e| Exit::Input(format!("{name}: cannot open: {e}")))?;
        let mut rows = Rows::new(
            Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
            name.clone(),
            false,
        );
        read_log(&mut rows, format, window, args.max_rows, &mut b)
            .map_err(|e| Exit::Input(e.to_string()))?;
        files.push(name);
    }
    let obs = b.finish();
    let Some(est) = Estimator::new(&obs, args.seed) else {
        return Err(Exit::Input(format!(
            "{}: no idle period ended by a cold start, so nothing bounds the idle time \
             ({} requests, {} environments, {} reused): a log needs cold starts of a \
             function while one of its environments sat idle",
            files.join(", "),
            obs.requests,
            obs.environments,
            obs.reused
        )));
    };
    let c = bootstrap(est, args.replicates);
    let stem = args.logs[0]
        .file_stem()
        .map_or("log".into(), |s| s.to_string_lossy().to_string());
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("calibrate-{stem}")));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Exit::Other(format!("{}: cannot create: {e}", dir.display())))?;
    let source = if files.len() == 1 {
        files[0].clone()
    } else {
        format!("{} logs", files.len())
    };
    let mut written = Vec::new();
    let frag = dir.join("keep_alive.toml");
    std::fs::write(&frag, report::fragment(&obs, &c, choice, &source))
        .map_err(|e| Exit::Other(format!("{}: cannot write: {e}", frag.display())))?;
    written.push(frag);
    let js = report::json(&files, &args.format, &obs, &c, choice);
    let text = serde_json::to_string_pretty(&js).expect("JSON of numbers and strings") + "\n";
    let jp = dir.join("calibration.json");
    std::fs::write(&jp, &text)
        .map_err(|e| Exit::Other(format!("{}: cannot write: {e}", jp.display())))?;
    written.push(jp);
    if !args.no_plots {
        let title = if files.len() == 1 {
            stem.clone()
        } else {
            format!("{} logs", files.len())
        };
        written.extend(plot::survival::survival(&dir, &title, &c).map_err(Exit::Other)?);
    }
    if args.json {
        print_out(&text);
    } else {
        print_out(&(report::text(&obs, &c, choice) + &wrote(&dir, &written)));
    }
    Ok(())
}

/// The bootstrap's replicates on every core (each from its own stream: the same result on any
/// number of threads), with a progress bar on a terminal.
fn bootstrap(est: Estimator<'_>, replicates: u32) -> sim_core::calibrate::estimate::Calibration {
    use indicatif::{ProgressBar, ProgressStyle};
    use rayon::prelude::*;
    use std::io::IsTerminal;
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = ProgressBar::new(replicates as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} bootstrap [{bar:40}] {pos}/{len} replicates (eta {eta})",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b
    });
    let reps = (0..replicates as u64)
        .into_par_iter()
        .map(|i| {
            let r = est.replicate(i);
            if let Some(b) = &bar {
                b.inc(1);
            }
            r
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    est.finish(reps)
}
