//! `faasim sweep`: a base scenario run under several configurations (named ones, and the
//! cartesian product of a grid), each with replications, in parallel; one row per run in
//! `results.csv`, the means per configuration in `comparison.csv`, on stdout and in a plot.
//!
//! Replication `r` of every configuration runs with seed `base seed + r`: the configurations see
//! the same arrivals and service times (common random numbers), so their differences are the
//! configurations', not noise. Results are written in configuration order whatever the number
//! of threads, so a sweep's files are identical with `--jobs 1` and `--jobs 8`.

use crate::input::{FsResources, LoadError, ScenarioFile, parse_toml, read_text};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Deserialize;
use sim_core::{NullObserver, Scenario, Simulation, Summary};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

mod tables;

pub use tables::*;

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
    pub replications: u32,
    pub param_names: Vec<String>,
    pub configs: Vec<Config>,
}

/// Reads a sweep file and checks every configuration's scenario, on `jobs` threads. The base
/// scenario is read and parsed once; each configuration applies its overrides to a copy.
pub fn load(path: &Path, jobs: usize) -> Result<Sweep, LoadError> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    let sf: SweepFile = parse_toml(&text, &file)?;
    if sf.replications == 0 {
        return Err(LoadError(format!(
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
                return Err(LoadError(format!(
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
    Ok(Sweep {
        cdf,
        baseline_of,
        base_dir: scenario.base_dir(),
        base,
        replications: sf.replications,
        param_names: grid.into_iter().map(|(k, _)| k).collect(),
        configs,
    })
}

/// The `--jobs` threads a sweep checks and runs its configurations on.
fn thread_pool(jobs: usize) -> Result<rayon::ThreadPool, String> {
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
}

/// One finished run as written in `results.csv`: its pair, its seed and its metric cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub config: usize,
    pub rep: u32,
    pub seed: u64,
    pub cells: Vec<String>,
    /// The cells as numbers.
    values: Vec<f64>,
}

impl Row {
    fn new(config: usize, rep: u32, s: &Summary) -> Row {
        Row::from_cells(
            config,
            rep,
            s.seed,
            metrics(s).into_iter().map(cell).collect(),
        )
    }

    fn from_cells(config: usize, rep: u32, seed: u64, cells: Vec<String>) -> Row {
        let values = cells
            .iter()
            .map(|c| c.parse().unwrap_or(f64::NAN))
            .collect();
        Row {
            config,
            rep,
            seed,
            cells,
            values,
        }
    }

    /// The metrics as numbers, read back from their cells (so that tables computed from a
    /// resumed or merged sweep equal those of an uninterrupted one).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn line(&self, sweep: &Sweep) -> String {
        let cfg = &sweep.configs[self.config];
        let mut row = vec![csv_field(&cfg.name)];
        row.extend(cfg.params.iter().map(|(_, v)| csv_field(v)));
        row.push(self.rep.to_string());
        row.push(self.seed.to_string());
        row.extend(self.cells.iter().cloned());
        let mut l = row.join(",");
        l.push('\n');
        l
    }
}

/// The header of `results.csv`.
pub fn results_header(sweep: &Sweep) -> String {
    let mut h = vec!["configuration".to_string()];
    h.extend(sweep.param_names.iter().map(|p| csv_field(p)));
    h.push("replication".into());
    h.push("seed".into());
    h.extend(METRICS.iter().map(|m| m.to_string()));
    h.join(",") + "\n"
}

/// Reads the complete rows of a `results.csv` written by this sweep (a last line cut short by
/// an interruption is dropped).
pub fn read_rows(path: &Path, sweep: &Sweep) -> Result<Vec<Row>, String> {
    let file = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: cannot read: {e}"))?;
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    if lines.last().is_some_and(|l| !l.ends_with('\n')) {
        lines.pop();
    }
    let Some(header) = lines.first() else {
        return Ok(Vec::new());
    };
    if *header != results_header(sweep) {
        return Err(format!(
            "{file}:1: the header does not match this sweep's configurations and metrics; write to another --out folder or remove the file"
        ));
    }
    let width = 3 + sweep.param_names.len() + METRICS.len();
    let mut seen = std::collections::BTreeSet::new();
    let mut rows = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(1) {
        let at = format!("{file}:{}", i + 1);
        let rec = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes())
            .records()
            .next()
            .transpose()
            .map_err(|e| format!("{at}: {e}"))?
            .ok_or_else(|| format!("{at}: an empty row"))?;
        if rec.len() != width {
            return Err(format!(
                "{at}: expected {width} fields, found {}",
                rec.len()
            ));
        }
        let name = &rec[0];
        let config = sweep
            .configs
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| format!("{at}: configuration \"{name}\" is not in this sweep"))?;
        let np = sweep.param_names.len();
        let rep: u32 = rec[1 + np]
            .parse()
            .ok()
            .filter(|r| *r < sweep.replications)
            .ok_or_else(|| {
                format!(
                    "{at}: replication \"{}\" is not in this sweep",
                    &rec[1 + np]
                )
            })?;
        let seed: u64 = rec[2 + np]
            .parse()
            .map_err(|_| format!("{at}: expected a seed, found \"{}\"", &rec[2 + np]))?;
        let cells: Vec<String> = rec.iter().skip(3 + np).map(str::to_string).collect();
        if let Some(bad) = cells.iter().find(|c| c.parse::<f64>().is_err()) {
            return Err(format!("{at}: expected a number, found \"{bad}\""));
        }
        if !seen.insert((config, rep)) {
            return Err(format!(
                "{at}: configuration \"{name}\" replication {rep} appears twice"
            ));
        }
        rows.push(Row::from_cells(config, rep, seed, cells));
    }
    Ok(rows)
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
    let all: Vec<(usize, u32)> = (0..sweep.configs.len())
        .flat_map(|c| (0..sweep.replications).map(move |r| (c, r)))
        .enumerate()
        .filter(|(p, _)| mine(*p))
        .map(|(_, pair)| pair)
        .collect();
    let mut pending: Vec<(usize, u32)> =
        all.iter().copied().filter(|p| !have.contains(p)).collect();
    if let Some(m) = opts.max_runs {
        pending.truncate(m);
    }
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
                let (summary, cdf) = run_one(&cfg.scenario, &sweep.base_dir, rep).map_err(|e| {
                    format!("configuration \"{}\", replication {rep}: {e}", cfg.name)
                })?;
                if rep == 0 {
                    write_cdf(dir, c, &cfg.name, &cdf)?;
                }
                let row = Row::new(c, rep, &summary);
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
        complete: done.len() == all.len(),
        rows: done,
        ran,
        resumed,
    })
}

/// Writes `text` to `path` through a temporary file, so the file is never half written.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    let tmp = path.with_extension("csv.tmp");
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// Where the latency CDF of a configuration's replication 0 is kept (for the overlay plot).
pub fn cdf_path(dir: &Path, config: usize) -> PathBuf {
    dir.join("cdf").join(format!("{config}.csv"))
}

/// Writes a configuration's latency CDF: a `# name` line, then `latency_ms,requests` rows (the
/// succeeded requests at or below each latency; in integers, exact and quick to write).
fn write_cdf(dir: &Path, config: usize, name: &str, cdf: &[(u64, u64)]) -> Result<(), String> {
    use std::fmt::Write as _;
    let p = cdf_path(dir, config);
    let mut t = format!("# {name}\nlatency_ms,requests\n");
    for (ns, n) in cdf {
        let _ = writeln!(t, "{}.{:06},{n}", ns / 1_000_000, ns % 1_000_000);
    }
    std::fs::create_dir_all(dir.join("cdf"))
        .and_then(|_| std::fs::write(&p, t))
        .map_err(|e| format!("{}: cannot write: {e}", p.display()))
}

/// Reads a configuration's latency CDF as (latency in ms, fraction) points, if it was kept and
/// belongs to that configuration.
pub fn read_cdf(dir: &Path, config: usize, name: &str) -> Option<Vec<(f64, f64)>> {
    let t = std::fs::read_to_string(cdf_path(dir, config)).ok()?;
    let mut lines = t.lines();
    if lines.next()? != format!("# {name}") {
        return None;
    }
    let points: Vec<(f64, u64)> = lines
        .skip(1)
        .map(|l| {
            let (a, b) = l.split_once(',')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        .collect::<Option<_>>()?;
    let n = points.last().map_or(1, |p| p.1.max(1)) as f64;
    Some(points.into_iter().map(|(x, c)| (x, c as f64 / n)).collect())
}

fn run_one(
    scenario: &Scenario,
    base_dir: &Path,
    replication: u32,
) -> Result<(Summary, Vec<(u64, u64)>), String> {
    let mut scenario = scenario.clone();
    scenario.simulation.seed = scenario.simulation.seed.wrapping_add(replication as u64);
    let res = FsResources {
        base: base_dir.to_path_buf(),
    };
    let sim = Simulation::new(&scenario, &res).map_err(|e| e.to_string())?;
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
