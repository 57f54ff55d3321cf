//! A sweep's tables: the metric columns (`METRICS`) taken from each run's summary, the means
//! per configuration, the 95 % intervals (Student-t) and paired differences from a baseline,
//! `comparison.csv`, `summary.csv` and the printed table.

use super::*;

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

pub(super) fn metrics(s: &Summary) -> Vec<f64> {
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
        c.requests + c.compute + c.provisioned,
        c.ec2,
        c.per_million_requests,
        s.traces.iter().map(|t| t.labelled_cold as f64).sum(),
    ]
}

pub(super) fn cell(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.9}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

pub(super) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows of each configuration, in configuration order.
pub(super) fn by_config<'a>(sweep: &Sweep, rows: &'a [Row]) -> Vec<Vec<&'a Row>> {
    let mut out: Vec<Vec<&Row>> = vec![Vec::new(); sweep.configs.len()];
    for row in rows {
        out[row.config].push(row);
    }
    out
}

/// The mean of each metric per configuration with at least one row: (configuration, means).
pub fn means(sweep: &Sweep, rows: &[Row]) -> Vec<(usize, Vec<f64>)> {
    by_config(sweep, rows)
        .into_iter()
        .enumerate()
        .filter(|(_, rs)| !rs.is_empty())
        .map(|(c, rs)| {
            let vals: Vec<&[f64]> = rs.iter().map(|r| r.values()).collect();
            let m = (0..METRICS.len())
                .map(|k| vals.iter().map(|v| v[k]).sum::<f64>() / vals.len() as f64)
                .collect();
            (c, m)
        })
        .collect()
}

/// The two-sided 95 % quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    if df == 0 {
        return f64::NAN;
    }
    if df <= 30 {
        return T[df - 1];
    }
    // Cornish–Fisher expansion about the normal quantile (error below 1e-5 from 30 on).
    let z: f64 = 1.959_963_984_540_054;
    let n = df as f64;
    let z3 = z.powi(3);
    let z5 = z.powi(5);
    let z7 = z.powi(7);
    z + (z3 + z) / (4.0 * n)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n * n * n)
}

/// Mean, standard deviation and 95 % Student-t interval of `x` (NaN where undefined).
pub fn interval(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN, f64::NAN, f64::NAN);
    }
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let half = t975(n - 1) * sd / (n as f64).sqrt();
    (mean, sd, mean - half, mean + half)
}

pub(super) fn cell_or_empty(v: f64) -> String {
    if v.is_finite() {
        cell(v)
    } else {
        String::new()
    }
}

/// Writes `comparison.csv` (means per configuration) and `summary.csv` (per configuration and
/// metric: mean, standard deviation, 95 % interval, and with a baseline the paired difference
/// from it and its interval).
pub fn write_tables(dir: &Path, sweep: &Sweep, rows: &[Row]) -> Result<Vec<PathBuf>, String> {
    let mut header = vec!["configuration".to_string()];
    header.extend(sweep.param_names.iter().map(|p| csv_field(p)));
    let mut comparison = header.join(",");
    comparison.push_str(",replications,");
    comparison.push_str(&METRICS.join(","));
    comparison.push('\n');
    let groups = by_config(sweep, rows);
    for (c, m) in means(sweep, rows) {
        let cfg = &sweep.configs[c];
        let mut row = vec![csv_field(&cfg.name)];
        row.extend(cfg.params.iter().map(|(_, v)| csv_field(v)));
        row.push(groups[c].len().to_string());
        row.extend(m.into_iter().map(cell));
        comparison.push_str(&row.join(","));
        comparison.push('\n');
    }
    let mut summary = header.join(",");
    summary.push_str(",metric,n,mean,sd,ci95_low,ci95_high");
    if !sweep.baseline_of.is_empty() {
        summary.push_str(",diff_vs_baseline,diff_ci95_low,diff_ci95_high");
    }
    summary.push('\n');
    for (c, rs) in groups.iter().enumerate() {
        let base = sweep.baseline_of.get(c).copied().flatten();
        let base_rows: Option<std::collections::BTreeMap<u32, &[f64]>> =
            base.map(|b| groups[b].iter().map(|r| (r.rep, r.values())).collect());
        if rs.is_empty() {
            continue;
        }
        let cfg = &sweep.configs[c];
        let vals: Vec<(u32, &[f64])> = rs.iter().map(|r| (r.rep, r.values())).collect();
        for (k, metric) in METRICS.iter().enumerate() {
            let x: Vec<f64> = vals.iter().map(|v| v.1[k]).collect();
            let (mean, sd, lo, hi) = interval(&x);
            let mut row = vec![csv_field(&cfg.name)];
            row.extend(cfg.params.iter().map(|(_, v)| csv_field(v)));
            row.push(metric.to_string());
            row.push(x.len().to_string());
            row.extend([mean, sd, lo, hi].into_iter().map(cell_or_empty));
            if let Some(base_vals) = &base_rows {
                // Paired by replication: the same seeds in both.
                let d: Vec<f64> = vals
                    .iter()
                    .filter_map(|(rep, v)| base_vals.get(rep).map(|b| v[k] - b[k]))
                    .collect();
                let (dm, _, dlo, dhi) = if base == Some(c) {
                    (f64::NAN, f64::NAN, f64::NAN, f64::NAN)
                } else {
                    interval(&d)
                };
                row.extend([dm, dlo, dhi].into_iter().map(cell_or_empty));
            }
            summary.push_str(&row.join(","));
            summary.push('\n');
        }
    }
    let mut written = vec![dir.join("results.csv")];
    for (name, text) in [("comparison.csv", comparison), ("summary.csv", summary)] {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
        written.push(p);
    }
    Ok(written)
}

/// The comparison table printed after a sweep: means over the replications.
pub fn table(sweep: &Sweep, rows: &[Row]) -> String {
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
    for (c, m) in means(sweep, rows) {
        let _ = writeln!(
            out,
            "{:<width$} {:>11.0} {:>9.0} {:>9.1} {:>9.1} {:>9.1} {:>10.0} {:>10.0} {:>11.4} {:>11.4}",
            sweep.configs[c].name,
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
