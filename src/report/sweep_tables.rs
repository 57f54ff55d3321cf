//! A sweep's tables: `comparison.csv` and `summary.csv` (`write_tables`) and the comparison
//! table printed on stdout (`table`).

use crate::sweep::config::Sweep;
use crate::sweep::results::{METRICS, Row, cell, csv_field};
use crate::sweep::stats::{by_config, interval, means};
use std::path::{Path, PathBuf};

fn cell_or_empty(v: f64) -> String {
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
    let names: Vec<String> = sweep.metrics.iter().map(|m| csv_field(m)).collect();
    comparison.push_str(&names.join(","));
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
        for (k, metric) in sweep.metrics.iter().enumerate() {
            let x: Vec<f64> = vals.iter().map(|v| v.1[k]).collect();
            let (mean, sd, lo, hi) = interval(&x);
            let mut row = vec![csv_field(&cfg.name)];
            row.extend(cfg.params.iter().map(|(_, v)| csv_field(v)));
            row.push(csv_field(metric));
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
