//! A sweep file (`SweepFile`, `Configuration`) read into a sweep ready to run (`Sweep`, one
//! checked `Config` per configuration): `load`.

use crate::input::parse::{LoadError, parse_toml, read_text};
use crate::input::scenario::ScenarioFile;
use rayon::prelude::*;
use serde::Deserialize;
use sim_core::Scenario;
use std::path::{Path, PathBuf};

/// A sweep file.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// The scenario to vary, relative to the sweep file.
    pub base: String,
    /// Seeds per configuration.
    #[serde(default = "one")]
    pub replications: u32,
    /// Dotted scenario paths to lists of values: every combination is a configuration.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, serde_json::Value>")]
    pub grid: toml::Table,
    /// Named configurations: each sets some values of the base (and the grid applies to each).
    #[serde(default)]
    pub configurations: Vec<Configuration>,
    /// The configuration the others are compared with, pair by pair (`summary.csv`).
    #[serde(default)]
    pub baseline: Option<String>,
    /// Configurations whose latency CDFs are overlaid (default: the Pareto frontier).
    #[serde(default)]
    pub cdf: Vec<String>,
    /// The largest fraction of requests a configuration may leave unserved (throttled, failed,
    /// timed out or dead-lettered) and still be on the Pareto frontier (0 to 1).
    #[serde(default = "default_max_unserved")]
    pub max_unserved: f64,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    pub name: String,
    /// Dotted scenario paths to values, as `--set` takes them.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, serde_json::Value>")]
    pub set: toml::Table,
}

fn one() -> u32 {
    1
}

/// The default of `max_unserved`: one request in a thousand.
pub const DEFAULT_MAX_UNSERVED: f64 = 0.001;

fn default_max_unserved() -> f64 {
    DEFAULT_MAX_UNSERVED
}

/// One configuration to run: its name, the grid values it takes, and the scenario its
/// overrides give (checked, before anything runs).
pub struct Config {
    pub name: String,
    pub params: Vec<(String, String)>,
    pub scenario: Scenario,
}

impl Config {
    /// A short label for plots: the named configuration (if any) and the grid values with the
    /// last segment of their path (`keep_alive=5m`).
    pub fn short(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let first = self.name.split(' ').next().unwrap_or("");
        if !first.contains('=') {
            parts.push(first.to_string());
        }
        for (k, v) in &self.params {
            parts.push(format!("{}={v}", k.rsplit('.').next().unwrap_or(k)));
        }
        if parts.is_empty() {
            self.name.clone()
        } else {
            parts.join(" ")
        }
    }
}

/// A sweep ready to run.
pub struct Sweep {
    pub base: PathBuf,
    /// The folder the base scenario's relative paths start from.
    pub base_dir: PathBuf,
    /// For each configuration, the one it is compared with (`baseline`): the baseline
    /// configuration at the same grid point. Empty without a baseline.
    pub baseline_of: Vec<Option<usize>>,
    /// The configurations whose latency CDFs are overlaid (empty: the Pareto frontier).
    pub cdf: Vec<usize>,
    /// The largest fraction of requests unserved on the Pareto frontier (`max_unserved`).
    pub max_unserved: f64,
    pub replications: u32,
    pub param_names: Vec<String>,
    pub configs: Vec<Config>,
    /// The metric columns of `results.csv`: `METRICS`, then each workflow's and each alarm's
    /// of the base scenario (`workflow.NAME.…`, `alarm.NAME.…`).
    pub metrics: Vec<String>,
}

/// Reads a sweep file and checks every configuration's scenario, on `jobs` threads. The base
/// scenario is read and parsed once; each configuration applies its overrides to a copy.
pub fn load(path: &Path, jobs: usize) -> Result<Sweep, LoadError> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    let sf: SweepFile = parse_toml(&text, &file)?;
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join(&sf.base);
    build(&sf, &file, base, jobs)
}

/// The sweep `sf` (read from `file`, named in errors) of the scenario at `base`, every
/// configuration checked on `jobs` threads.
pub fn build(sf: &SweepFile, file: &str, base: PathBuf, jobs: usize) -> Result<Sweep, LoadError> {
    if sf.replications == 0 {
        return Err(LoadError(format!(
            "{file}: replications: must be at least 1"
        )));
    }
    if !(0.0..=1.0).contains(&sf.max_unserved) {
        return Err(LoadError(format!(
            "{file}: max_unserved: must be a fraction from 0 to 1 (0.001 is one request in a thousand), found {}",
            sf.max_unserved
        )));
    }
    let mut grid: Vec<(String, Vec<toml::Value>)> = Vec::new();
    for (key, v) in &sf.grid {
        match v {
            toml::Value::Array(items) if !items.is_empty() => {
                grid.push((key.clone(), items.clone()))
            }
            _ => {
                return Err(LoadError(format!(
                    "{file}: grid.\"{key}\": expected a non-empty list of values"
                )));
            }
        }
    }
    check_size(sf, &grid, file)?;
    let named: Vec<(String, Vec<String>)> = if sf.configurations.is_empty() {
        vec![("base".into(), Vec::new())]
    } else {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for (i, c) in sf.configurations.iter().enumerate() {
            if c.name.trim().is_empty() || c.name.contains([',', '"', '\n']) {
                return Err(LoadError(format!(
                    "{file}: configurations.{i}.name: must not be empty or contain ',', '\"' or a newline"
                )));
            }
            if !seen.insert(c.name.clone()) {
                return Err(LoadError(format!(
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
    let mut labelled = Vec::new();
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
            labelled.push((label, params, all));
        }
    }
    // Every configuration must give a valid scenario before anything runs; the first bad one
    // (in configuration order) is reported.
    let scenario =
        ScenarioFile::read(&base).map_err(|e| LoadError(format!("{file}: base: {}", e.0)))?;
    let pool = thread_pool(jobs).map_err(LoadError)?;
    let checked: Vec<Result<Scenario, LoadError>> = pool.install(|| {
        labelled
            .par_iter()
            .map(|(_, _, sets)| scenario.scenario(sets, None, false))
            .collect()
    });
    let mut configs = Vec::with_capacity(labelled.len());
    for ((name, params, _), checked) in labelled.into_iter().zip(checked) {
        let scenario =
            checked.map_err(|e| LoadError(format!("{file}: configuration \"{name}\": {}", e.0)))?;
        configs.push(Config {
            name,
            params,
            scenario,
        });
    }
    // The baseline: a named configuration (compared at each grid point), or one configuration.
    let baseline_of: Vec<Option<usize>> = match &sf.baseline {
        None => Vec::new(),
        Some(b) => {
            let per = points.len();
            if let Some(k) = named.iter().position(|(n, _)| n == b)
                && !sf.configurations.is_empty()
            {
                (0..configs.len())
                    .map(|c| Some(k * per + c % per))
                    .collect()
            } else if let Some(i) = configs.iter().position(|c: &Config| &c.name == b) {
                vec![Some(i); configs.len()]
            } else {
                let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
                return Err(LoadError(format!(
                    "{file}: baseline: no configuration named \"{b}\" (named configurations: {}; or give a full configuration name)",
                    names.join(", ")
                )));
            }
        }
    };
    let mut cdf = Vec::new();
    for name in &sf.cdf {
        let i = configs
            .iter()
            .position(|c| &c.name == name || &c.short() == name)
            .ok_or_else(|| LoadError(format!("{file}: cdf: no configuration named \"{name}\"")))?;
        cdf.push(i);
    }
    let metrics = metric_names(configs.first().map(|c| &c.scenario));
    Ok(Sweep {
        cdf,
        max_unserved: sf.max_unserved,
        baseline_of,
        base_dir: scenario.base_dir(),
        base,
        replications: sf.replications,
        param_names: grid.into_iter().map(|(k, _)| k).collect(),
        configs,
        metrics,
    })
}

/// The most configurations a sweep may have: each is checked and held before the sweep runs.
pub const MAX_CONFIGURATIONS: u64 = 100_000;
/// The most runs (configurations × replications) a sweep may have.
pub const MAX_RUNS: u64 = 10_000_000;

/// Refuses a sweep larger than [`MAX_CONFIGURATIONS`] or [`MAX_RUNS`], counted from its
/// keys before any configuration is made.
fn check_size(
    sf: &SweepFile,
    grid: &[(String, Vec<toml::Value>)],
    file: &str,
) -> Result<(), LoadError> {
    let configs = grid
        .iter()
        .try_fold(sf.configurations.len().max(1) as u64, |n, (_, v)| {
            n.checked_mul(v.len() as u64)
        })
        .unwrap_or(u64::MAX);
    if configs > MAX_CONFIGURATIONS {
        let sizes: Vec<String> = grid.iter().map(|(_, v)| v.len().to_string()).collect();
        return Err(LoadError(format!(
            "{file}: grid: {} configurations ({} named × grid of {}), more than the {MAX_CONFIGURATIONS} a sweep may have; split it into several sweep files",
            sim_core::sim::limits::approx(configs as f64),
            sf.configurations.len().max(1),
            sizes.join(" × ")
        )));
    }
    let runs = configs.saturating_mul(sf.replications as u64);
    if runs > MAX_RUNS {
        return Err(LoadError(format!(
            "{file}: replications: {configs} configurations × {} replications is {} runs, more than the {MAX_RUNS} a sweep may have",
            sf.replications,
            sim_core::sim::limits::approx(runs as f64)
        )));
    }
    Ok(())
}

/// The `--jobs` threads a sweep checks and runs its configurations on.
pub(super) fn thread_pool(jobs: usize) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("cannot start {jobs} threads: {e}"))
}

/// A value as a CSV cell: strings without their quotes.
fn plain(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The metrics a sweep reports for each run, by column name.
pub const METRICS: &[&str] = &[
    "requests",
    "succeeded",
    "failed",
    "throttled",
    "throttle_ratio",
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

/// The metric columns of a sweep of `base`: `METRICS`, then per workflow its executions
/// started, succeeded, caught, failed (or timed out), p99 latency and cost, and per
/// alarm the incidents it detected, its mean detection delay and its false alarms.
pub fn metric_names(base: Option<&sim_core::Scenario>) -> Vec<String> {
    let mut names: Vec<String> = METRICS.iter().map(|m| m.to_string()).collect();
    let Some(s) = base else { return names };
    for w in &s.workflows {
        for m in WORKFLOW_METRICS {
            names.push(format!("workflow.{}.{m}", w.name));
        }
    }
    for a in &s.alarms {
        for m in ALARM_METRICS {
            names.push(format!("alarm.{}.{m}", a.name));
        }
    }
    names
}

const WORKFLOW_METRICS: [&str; 6] = [
    "executions",
    "succeeded",
    "caught",
    "failed",
    "p99_ms",
    "cost_usd",
];
const ALARM_METRICS: [&str; 3] = ["detected", "detection_delay_s", "false_alarms"];
