//! One run's row of `results.csv` (`Row`, the `METRICS` columns), reading them back for
//! `--resume` and `faasim merge`, and the latency CDF kept per configuration (`cdf/<n>.csv`).

pub use crate::sweep::config::METRICS;
use crate::sweep::config::Sweep;
use sim_core::Summary;
use std::path::{Path, PathBuf};

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
    pub(super) fn new(config: usize, rep: u32, s: &Summary, sweep: &Sweep) -> Row {
        let mut values = metrics(s);
        values.extend(extra_metrics(s, &sweep.metrics[METRICS.len()..]));
        Row::from_cells(config, rep, s.seed, values.into_iter().map(cell).collect())
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
    h.extend(sweep.metrics.iter().map(|m| csv_field(m)));
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
    let width = 3 + sweep.param_names.len() + sweep.metrics.len();
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
pub(super) fn write_cdf(
    dir: &Path,
    config: usize,
    name: &str,
    cdf: &[(u64, u64)],
) -> Result<(), String> {
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

fn metrics(s: &Summary) -> Vec<f64> {
    let t = &s.total;
    let o = &t.outcomes;
    let c = &t.cost_usd;
    vec![
        t.requests as f64,
        o.succeeded as f64,
        o.failed as f64,
        o.throttled as f64,
        if t.requests > 0 {
            o.throttled as f64 / t.requests as f64
        } else {
            0.0
        },
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
        c.requests + c.compute + c.provisioned + c.snapstart.unwrap_or(0.0),
        c.ec2,
        c.per_million_requests,
        s.traces.iter().map(|t| t.labelled_cold as f64).sum(),
    ]
}

/// The values of the columns `names` (each `function.NAME.METRIC`, `workflow.NAME.METRIC` or
/// `alarm.NAME.METRIC`) from
/// `s`; a delay with no incident detected is NaN (an empty cell in the tables).
fn extra_metrics(s: &Summary, names: &[String]) -> Vec<f64> {
    names
        .iter()
        .map(|n| {
            let (kind, rest) = n.split_once('.').expect("a metric name");
            let (name, m) = rest.rsplit_once('.').expect("a metric name");
            if kind == "function" {
                let Some(f) = s.functions.get(name) else {
                    return f64::NAN;
                };
                let c = &f.cost_usd;
                return match m {
                    "invocations" => f.invocations as f64,
                    "duration_ms" => f.duration_ms,
                    // Compute per million invocations, as Power Tuning prices an invocation
                    // (no request charge).
                    "price_per_million_usd" if f.invocations == 0 => f64::NAN,
                    "price_per_million_usd" => {
                        (c.compute + c.provisioned) / f.invocations as f64 * 1e6
                    }
                    "p50_ms" => f.latency_ms.p50,
                    "p99_ms" => f.latency_ms.p99,
                    "cold_starts" => f.cold_starts as f64,
                    "throttled" => f.outcomes.throttled as f64,
                    "timed_out" => f.outcomes.timed_out as f64,
                    _ => c.total,
                };
            }
            if kind == "workflow" {
                let Some(w) = s.workflows.get(name) else {
                    return f64::NAN;
                };
                let e = &w.executions;
                match m {
                    "executions" => e.started as f64,
                    "succeeded" => e.succeeded as f64,
                    "caught" => e.caught as f64,
                    "failed" => (e.failed + e.timed_out) as f64,
                    "p99_ms" => w.latency_ms.p99,
                    _ => w.cost_usd,
                }
            } else {
                let Some(a) = s.alarms.get(name) else {
                    return f64::NAN;
                };
                let delays: Vec<f64> = a
                    .incidents
                    .iter()
                    .filter_map(|i| i.detection_delay_s)
                    .collect();
                match m {
                    "detected" => delays.len() as f64,
                    "detection_delay_s" if delays.is_empty() => f64::NAN,
                    "detection_delay_s" => delays.iter().sum::<f64>() / delays.len() as f64,
                    _ => a.false_alarms as f64,
                }
            }
        })
        .collect()
}

pub(crate) fn cell(v: f64) -> String {
    if !v.is_finite() {
        // An alarm's detection delay when it detected nothing.
        return String::new();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.9}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
