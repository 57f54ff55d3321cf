//! Running a sweep's pairs (configuration, replication) on a thread pool, appending each row to
//! `results.csv` as it finishes; `--resume`, `--shard` and `--max-runs` (`RunOptions`).

use crate::input::files::FsResources;
use crate::sweep::config::{Sweep, thread_pool};
use crate::sweep::results::{Row, read_rows, results_header, write_atomic, write_cdf};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use sim_core::{NullObserver, Scenario, Simulation, Summary};
use std::io::IsTerminal;
use std::path::Path;

/// How a sweep runs.
pub struct RunOptions {
    pub jobs: usize,
    pub progress: bool,
    /// Keep the rows already in `results.csv` and run only the missing pairs.
    pub resume: bool,
    /// Run only the pairs of shard K of N (K from 1): pair p (in configuration, replication
    /// order) belongs to shard p mod N + 1.
    pub shard: Option<(usize, usize)>,
    /// Stop after this many new runs (the rest can be resumed).
    pub max_runs: Option<usize>,
    /// Each run's limit of requests and generator events (`--max-events`).
    pub max_events: u64,
}

/// What a sweep's execution gave: every row of its pairs done so far (new and resumed), in
/// (configuration, replication) order, and whether all of them are done.
pub struct Progress {
    pub rows: Vec<Row>,
    pub complete: bool,
    pub ran: usize,
    pub resumed: usize,
}

/// Runs the sweep's pairs (those of the shard, less those already in `results.csv` when
/// resuming), appending each row to `dir/results.csv` as it finishes; then rewrites the file in
/// (configuration, replication) order.
pub fn run(sweep: &Sweep, dir: &Path, opts: &RunOptions) -> Result<Progress, String> {
    use std::io::Write;
    let path = dir.join("results.csv");
    let mut done: Vec<Row> = if opts.resume && path.exists() {
        read_rows(&path, sweep)?
    } else {
        Vec::new()
    };
    let r = sweep.replications as usize;
    let mine = |p: usize| opts.shard.is_none_or(|(k, n)| p % n + 1 == k);
    if let Some(row) = done
        .iter()
        .find(|row| !mine(row.config * r + row.rep as usize))
    {
        return Err(format!(
            "{}: holds configuration \"{}\" replication {}, which is not in this shard",
            path.display(),
            sweep.configs[row.config].name,
            row.rep
        ));
    }
    let have: std::collections::BTreeSet<(usize, u32)> =
        done.iter().map(|row| (row.config, row.rep)).collect();
    // The shard's pairs, enumerated without holding them: only the pending ones (at most
    // `--max-runs` of them) are collected.
    let pairs = || {
        (0..sweep.configs.len())
            .flat_map(|c| (0..sweep.replications).map(move |r| (c, r)))
            .enumerate()
            .filter(|(p, _)| mine(*p))
            .map(|(_, pair)| pair)
    };
    let total = match opts.shard {
        None => sweep.configs.len() * r,
        Some(_) => pairs().count(),
    };
    let pending: Vec<(usize, u32)> = pairs()
        .filter(|p| !have.contains(p))
        .take(opts.max_runs.unwrap_or(usize::MAX))
        .collect();
    // Start the file afresh with the rows kept (a partial last line is gone).
    let mut text = results_header(sweep);
    for row in &done {
        text.push_str(&row.line(sweep));
    }
    std::fs::write(&path, &text).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    let out = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(|e| format!("{}: cannot open: {e}", path.display()))?;
    let out = std::sync::Mutex::new(out);
    let bar =
        (opts.progress && std::io::stderr().is_terminal() && !pending.is_empty()).then(|| {
            let b = ProgressBar::new(pending.len() as u64);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} runs [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            b
        });
    let pool = thread_pool(opts.jobs)?;
    let results: Vec<Result<Row, String>> = pool.install(|| {
        pending
            .par_iter()
            .map(|&(c, rep)| {
                let cfg = &sweep.configs[c];
                let (summary, cdf) = run_one(&cfg.scenario, &sweep.base_dir, rep, opts.max_events)
                    .map_err(|e| {
                        format!("configuration \"{}\", replication {rep}: {e}", cfg.name)
                    })?;
                if rep == 0 {
                    write_cdf(dir, c, &cfg.name, &cdf)?;
                }
                let row = Row::new(c, rep, &summary, sweep);
                // One write per row, so an interruption loses at most the row being written.
                let mut f = out.lock().unwrap_or_else(|e| e.into_inner());
                f.write_all(row.line(sweep).as_bytes())
                    .and_then(|_| f.flush())
                    .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
                drop(f);
                if let Some(b) = &bar {
                    b.inc(1);
                }
                Ok(row)
            })
            .collect()
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let resumed = done.len();
    let mut ran = 0;
    for res in results {
        done.push(res?);
        ran += 1;
    }
    done.sort_by_key(|row| (row.config, row.rep));
    let mut text = results_header(sweep);
    for row in &done {
        text.push_str(&row.line(sweep));
    }
    write_atomic(&path, &text)?;
    Ok(Progress {
        complete: done.len() == total,
        rows: done,
        ran,
        resumed,
    })
}

fn run_one(
    scenario: &Scenario,
    base_dir: &Path,
    replication: u32,
    max_events: u64,
) -> Result<(Summary, Vec<(u64, u64)>), String> {
    let mut scenario = scenario.clone();
    scenario.simulation.seed = scenario.simulation.seed.wrapping_add(replication as u64);
    let res = FsResources {
        base: base_dir.to_path_buf(),
    };
    let mut sim = Simulation::new(&scenario, &res).map_err(|e| e.to_string())?;
    sim.limit_events(max_events, false)
        .map_err(|e| e.to_string())?;
    sim.run(&mut NullObserver)
        .map(|o| {
            let cdf = if replication == 0 {
                o.latency.cumulative()
            } else {
                Vec::new()
            };
            (o.summary, cdf)
        })
        .map_err(|e| e.to_string())
}
