//! `faasim sweep`: a base scenario run under several configurations (named ones, and the
//! cartesian product of a grid), each with replications, in parallel; one row per run in
//! `results.csv`, the means per configuration in `comparison.csv`, on stdout and in a plot.
//!
//! Replication `r` of every configuration runs with seed `base seed + r`: the configurations see
//! the same arrivals and service times (common random numbers), so their differences are the
//! configurations', not noise. Results are written in configuration order whatever the number
//! of threads, so a sweep's files are identical with `--jobs 1` and `--jobs 8`.

use crate::load::{FsResources, InputError, load_scenario, parse_toml, read_text};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Deserialize;
use sim_core::{NullObserver, Simulation, Summary};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// A sweep file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// The scenario to vary, relative to the sweep file.
    pub base: String,
    /// Seeds per configuration.
    #[serde(default = "one")]
    pub replications: u32,
    /// Dotted scenario paths to lists of values: every combination is a configuration.
    #[serde(default)]
    pub grid: toml::Table,
    /// Named configurations: each sets some values of the base (and the grid applies to each).
    #[serde(default)]
    pub configurations: Vec<Configuration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    pub name: String,
    /// Dotted scenario paths to values, as `--set` takes them.
    #[serde(default)]
    pub set: toml::Table,
}

fn one() -> u32 {
    1
}

/// One configuration to run: its name, the grid values it takes, and its overrides.
pub struct Config {
    pub name: String,
    pub params: Vec<(String, String)>,
    pub sets: Vec<String>,
}

/// A sweep ready to run.
pub struct Sweep {
    pub base: PathBuf,
    pub replications: u32,
    pub param_names: Vec<String>,
    pub configs: Vec<Config>,
}

/// Reads a sweep file and checks every configuration's scenario.
pub fn load(path: &Path) -> Result<Sweep, InputError> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    let sf: SweepFile = parse_toml(&text, &file)?;
    if sf.replications == 0 {
        return Err(InputError(format!(
            "{file}: replications: must be at least 1"
        )));
    }
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join(&sf.base);
    let mut grid: Vec<(String, Vec<toml::Value>)> = Vec::new();
    for (key, v) in &sf.grid {
        match v {
            toml::Value::Array(items) if !items.is_empty() => {
                grid.push((key.clone(), items.clone()))
            }
            _ => {
                return Err(InputError(format!(
                    "{file}: grid.\"{key}\": expected a non-empty list of values"
                )));
            }
        }
    }
    let named: Vec<(String, Vec<String>)> = if sf.configurations.is_empty() {
        vec![("base".into(), Vec::new())]
    } else {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for (i, c) in sf.configurations.iter().enumerate() {
            if c.name.trim().is_empty() || c.name.contains([',', '"', '\n']) {
                return Err(InputError(format!(
                    "{file}: configurations.{i}.name: must not be empty or contain ',', '\"' or a newline"
                )));
            }
            if !seen.insert(c.name.clone()) {
                return Err(InputError(format!(
                    "{file}: configurations.{i}.name: duplicate name \"{}\"",
                    c.name
                )));
            }
            let sets = c.set.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push((c.name.clone(), sets));
        }
        out
    };
    // The cartesian product of the grid, first key slowest.
    let mut points: Vec<Vec<(String, toml::Value)>> = vec![Vec::new()];
    for (key, values) in &grid {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push((key.clone(), v.clone()));
                    q
                })
            })
            .collect();
    }
    let mut configs = Vec::new();
    for (name, sets) in &named {
        for point in &points {
            let params: Vec<(String, String)> =
                point.iter().map(|(k, v)| (k.clone(), plain(v))).collect();
            let mut all = sets.clone();
            all.extend(point.iter().map(|(k, v)| format!("{k}={v}")));
            let label = if params.is_empty() {
                name.clone()
            } else {
                let vals: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                if named.len() == 1 && sf.configurations.is_empty() {
                    vals.join(" ")
                } else {
                    format!("{name} {}", vals.join(" "))
                }
            };
            // Every configuration must give a valid scenario before anything runs.
            load_scenario(&base, &all, None, false)
                .map_err(|e| InputError(format!("{file}: configuration \"{label}\": {}", e.0)))?;
            configs.push(Config {
                name: label,
                params,
                sets: all,
            });
        }
    }
    Ok(Sweep {
        base,
        replications: sf.replications,
        param_names: grid.into_iter().map(|(k, _)| k).collect(),
        configs,
    })
}

/// A value as a CSV cell: strings without their quotes.
fn plain(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The summaries of every (configuration, replication) pair, in that order.
pub fn run(sweep: &Sweep, jobs: usize, progress: bool) -> Result<Vec<Summary>, String> {
    let pairs: Vec<(usize, u32)> = (0..sweep.configs.len())
        .flat_map(|c| (0..sweep.replications).map(move |r| (c, r)))
        .collect();
    let bar = (progress && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(pairs.len() as u64);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} runs [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        b
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("cannot start {jobs} threads: {e}"))?;
    let results: Vec<Result<Summary, String>> = pool.install(|| {
        pairs
            .par_iter()
            .map(|&(c, r)| {
                let cfg = &sweep.configs[c];
                let out = run_one(&sweep.base, &cfg.sets, r)
                    .map_err(|e| format!("configuration \"{}\", replication {r}: {e}", cfg.name));
                if let Some(b) = &bar {
                    b.inc(1);
                }
                out
            })
            .collect()
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    results.into_iter().collect()
}

fn run_one(base: &Path, sets: &[String], replication: u32) -> Result<Summary, String> {
    let loaded = load_scenario(base, sets, None, false).map_err(|e| e.0)?;
    let mut scenario = loaded.scenario;
    scenario.simulation.seed = scenario.simulation.seed.wrapping_add(replication as u64);
    let res = FsResources {
        base: loaded.base_dir,
    };
    let sim = Simulation::new(&scenario, &res).map_err(|e| e.to_string())?;
    sim.run(&mut NullObserver)
        .map(|o| o.summary)
        .map_err(|e| e.to_string())
}

/// The metrics a sweep reports for each run, by column name.
pub const METRICS: &[&str] = &[
    "requests",
    "succeeded",
    "failed",
    "throttled",
    "timed_out",
    "dead_lettered",
    "in_flight",
    "cold_starts",
    "cold_start_ratio",
    "mean_ms",
    "p50_ms",
    "p99_ms",
    "p999_ms",
    "instances_mean",
    "cost_usd",
    "lambda_usd",
    "ec2_usd",
    "cost_per_million_usd",
    "trace_labelled_cold",
];

fn metrics(s: &Summary) -> Vec<f64> {
    let t = &s.total;
    let o = &t.outcomes;
    let c = &t.cost_usd;
    vec![
        t.requests as f64,
        o.succeeded as f64,
        o.failed as f64,
        o.throttled as f64,
        o.timed_out as f64,
        o.dead_lettered as f64,
        o.in_flight as f64,
        t.cold_starts as f64,
        t.cold_start_ratio,
        t.latency_ms.mean,
        t.latency_ms.p50,
        t.latency_ms.p99,
        t.latency_ms.p999,
        t.instances.mean,
        c.total,
        c.requests + c.compute + c.provisioned,
        c.ec2,
        c.per_million_requests,
        s.traces.iter().map(|t| t.labelled_cold as f64).sum(),
    ]
}

fn cell(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.9}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The mean of each metric per configuration, in configuration order.
pub fn means(sweep: &Sweep, runs: &[Summary]) -> Vec<Vec<f64>> {
    let r = sweep.replications as usize;
    runs.chunks(r)
        .map(|chunk| {
            let rows: Vec<Vec<f64>> = chunk.iter().map(metrics).collect();
            (0..METRICS.len())
                .map(|k| rows.iter().map(|row| row[k]).sum::<f64>() / rows.len() as f64)
                .collect()
        })
        .collect()
}

/// Writes `results.csv` (one row per run) and `comparison.csv` (means per configuration).
pub fn write_tables(dir: &Path, sweep: &Sweep, runs: &[Summary]) -> Result<Vec<PathBuf>, String> {
    let mut header = vec!["configuration".to_string()];
    header.extend(sweep.param_names.iter().cloned());
    let mut results = header.join(",");
    results.push_str(",replication,seed,");
    results.push_str(&METRICS.join(","));
    results.push('\n');
    let r = sweep.replications as usize;
    for (k, s) in runs.iter().enumerate() {
        let cfg = &sweep.configs[k / r];
        let mut row = vec![csv_field(&cfg.name)];
        row.extend(cfg.params.iter().map(|(_, v)| csv_field(v)));
        row.push((k % r).to_string());
        row.push(s.seed.to_string());
        row.extend(metrics(s).into_iter().map(cell));
        results.push_str(&row.join(","));
        results.push('\n');
    }
    let mut comparison = header.join(",");
    comparison.push(',');
    comparison.push_str(&METRICS.join(","));
    comparison.push('\n');
    for (cfg, m) in sweep.configs.iter().zip(means(sweep, runs)) {
        let mut row = vec![csv_field(&cfg.name)];
        row.extend(cfg.params.iter().map(|(_, v)| csv_field(v)));
        row.extend(m.into_iter().map(cell));
        comparison.push_str(&row.join(","));
        comparison.push('\n');
    }
    let mut written = Vec::new();
    for (name, text) in [("results.csv", results), ("comparison.csv", comparison)] {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
        written.push(p);
    }
    Ok(written)
}

/// The comparison table printed after a sweep: means over the replications.
pub fn table(sweep: &Sweep, runs: &[Summary]) -> String {
    use std::fmt::Write as _;
    let idx = |name: &str| METRICS.iter().position(|m| *m == name).expect("a metric");
    let mut out = String::new();
    let width = sweep
        .configs
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(13, 48);
    let _ = writeln!(
        out,
        "{:<width$} {:>11} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>11} {:>11}",
        "configuration",
        "requests",
        "cold",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "throttled",
        "timed_out",
        "cost USD",
        "USD per 1M"
    );
    for (cfg, m) in sweep.configs.iter().zip(means(sweep, runs)) {
        let _ = writeln!(
            out,
            "{:<width$} {:>11.0} {:>9.0} {:>9.1} {:>9.1} {:>9.1} {:>10.0} {:>10.0} {:>11.4} {:>11.4}",
            cfg.name,
            m[idx("requests")],
            m[idx("cold_starts")],
            m[idx("p50_ms")],
            m[idx("p99_ms")],
            m[idx("p999_ms")],
            m[idx("throttled")],
            m[idx("timed_out")],
            m[idx("cost_usd")],
            m[idx("cost_per_million_usd")],
        );
    }
    out
}
