//! `faasim sweep`: a sweep run (or one shard of it, or its remaining runs) and its report; the
//! report writing `faasim merge` shares (`sweep_out`, `write_report`).

use super::{Exit, jobs, print_out, wrote};
use crate::report::{html, sweep_plots, sweep_tables};
use crate::sweep::config::{Sweep, load};
use crate::sweep::execute::{RunOptions, run};
use crate::sweep::results::Row;
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The options of `faasim sweep`.
#[derive(Args)]
pub struct SweepArgs {
    /// The sweep file (TOML).
    pub sweep: PathBuf,
    /// Output folder [default: reports/<sweep file name>/].
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
    /// Keep the runs already in the output folder's results.csv; run only the others.
    #[arg(long)]
    pub resume: bool,
    /// Run only shard K of N (K from 1 to N), or `env/N` to take K from FAASIM_SHARD,
    /// JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID (index mod N + 1); `faasim merge`
    /// joins the shards.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Stop after this many new runs (rerun with --resume for the rest).
    #[arg(long, value_name = "N")]
    pub max_runs: Option<usize>,
    /// Refuse each run expected to take more than N requests and generator events (default 1e9,
    /// about two minutes), and stop one that passes it by 10 %.
    #[arg(long, value_name = "N", default_value_t = sim_core::sim::limits::DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
}

pub fn sweep(args: &SweepArgs) -> Result<(), Exit> {
    let file = &args.sweep;
    let jobs = jobs(args.jobs)?;
    let sweep = load(file, jobs)?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let (stem, dir) = sweep_out(file, args.out.clone())?;
    let started = Instant::now();
    let opts = RunOptions {
        jobs,
        progress: !args.quiet,
        resume: args.resume,
        shard,
        max_runs: args.max_runs,
        max_events: args.max_events,
    };
    let outcome = run(&sweep, &dir, &opts).map_err(Exit::Input)?;
    let wall = started.elapsed();
    let written = write_report(
        &sweep,
        &dir,
        &outcome.rows,
        &stem,
        args.no_plots,
        &sweep_command(file, &dir, shard),
        Vec::new(),
    )?;
    if !args.quiet {
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
        text.push_str(&sweep_tables::table(&sweep, &outcome.rows));
        if !outcome.complete {
            text.push_str("\nnot finished: rerun with --resume to run the rest\n");
        }
        text.push_str(&wrote(&dir, &written));
        print_out(&text);
    }
    Ok(())
}

/// A sweep's name (its file's stem) and output folder (`--out`, else `reports/<stem>/`), created.
pub(super) fn sweep_out(file: &Path, out: Option<PathBuf>) -> Result<(String, PathBuf), Exit> {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    let dir = out.unwrap_or_else(|| Path::new("reports").join(&stem));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Exit::Other(format!("{}: cannot create folder: {e}", dir.display())))?;
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
fn parse_shard(s: &str) -> Result<(usize, usize), Exit> {
    let bad = |m: &str| Exit::Input(format!("--shard {s}: {m}"));
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

/// Tables, plots and index.html of a sweep's rows; the files written (after `earlier`, files
/// written before, which the index lists too).
pub(super) fn write_report(
    sweep: &Sweep,
    dir: &Path,
    rows: &[Row],
    stem: &str,
    no_plots: bool,
    command: &str,
    earlier: Vec<PathBuf>,
) -> Result<Vec<PathBuf>, Exit> {
    // The tables and the plots are independent: make them at once.
    let (tables, plots) = rayon::join(
        || sweep_tables::write_tables(dir, sweep, rows),
        || {
            if !no_plots && !rows.is_empty() {
                sweep_plots::draw(dir, stem, sweep, rows)
            } else {
                Ok(Vec::new())
            }
        },
    );
    let mut written = earlier;
    written.extend(tables.map_err(Exit::Other)?);
    written.extend(plots.map_err(Exit::Other)?);
    written
        .push(html::sweep_index(dir, stem, sweep, rows, &written, command).map_err(Exit::Other)?);
    Ok(written)
}
