//! The plots of a sweep: latency and cost by configuration, cost against p99 with the Pareto
//! frontier, each metric against each swept parameter with 95 % confidence bars, and a heatmap
//! of a two-parameter grid.

use crate::report::plot::sweep as plot;
use crate::sweep::config::Sweep;
use crate::sweep::results::{METRICS, Row, read_cdf};
use crate::sweep::stats::{interval, means};
use std::path::{Path, PathBuf};

/// The metrics drawn against each parameter, with their axis labels.
const PANELS: [(&str, &str); 4] = [
    ("p99_ms", "p99 latency (ms)"),
    ("cost_per_million_usd", "cost per million requests (USD)"),
    ("cold_starts", "cold starts"),
    ("throttled", "throttled requests"),
];

fn idx(name: &str) -> usize {
    METRICS.iter().position(|m| *m == name).expect("a metric")
}

/// A file stem from a parameter path.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

type Job<'a> = Box<dyn Fn() -> Result<Vec<PathBuf>, String> + Send + Sync + 'a>;

/// Draws every plot of the sweep, in parallel (each plot is its own files).
pub fn draw(dir: &Path, stem: &str, sweep: &Sweep, rows: &[Row]) -> Result<Vec<PathBuf>, String> {
    use rayon::prelude::*;
    let m = means(sweep, rows);
    let mut jobs: Vec<Job> = Vec::new();
    let compared: Vec<plot::Compared> = m
        .iter()
        .map(|(c, v)| plot::Compared {
            name: sweep.configs[*c].short(),
            p50: v[idx("p50_ms")],
            p99: v[idx("p99_ms")],
            per_million: v[idx("cost_per_million_usd")],
            rejected: v[idx("throttled")] + v[idx("timed_out")],
        })
        .collect();
    // Bars of more configurations than this are unreadable; the Pareto plot shows them all.
    if compared.len() <= 16 {
        jobs.push(Box::new(move || plot::comparison(dir, stem, &compared)));
    } else {
        for ext in ["png", "svg"] {
            let _ = std::fs::remove_file(dir.join(format!("comparison.{ext}")));
        }
    }
    let pts: Vec<plot::ParetoPoint> = m
        .iter()
        .map(|(c, v)| plot::ParetoPoint {
            name: sweep.configs[*c].short(),
            p99: v[idx("p99_ms")],
            per_million: v[idx("cost_per_million_usd")],
        })
        .collect();
    jobs.push(Box::new(move || plot::pareto(dir, stem, &pts)));
    // Per configuration and panel metric: the replications' values.
    let mut per: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); PANELS.len()]; sweep.configs.len()];
    for r in rows {
        let v = r.values();
        for (k, (name, _)) in PANELS.iter().enumerate() {
            per[r.config][k].push(v[idx(name)]);
        }
    }
    for (pi, param) in sweep.param_names.iter().enumerate() {
        // The parameter's values in grid order, and one series per setting of the rest.
        let mut values: Vec<String> = Vec::new();
        let mut series: Vec<plot::ParamSeries> = Vec::new();
        for (c, cfg) in sweep.configs.iter().enumerate() {
            let v = &cfg.params[pi].1;
            let x = match values.iter().position(|u| u == v) {
                Some(x) => x,
                None => {
                    values.push(v.clone());
                    values.len() - 1
                }
            };
            let rest: Vec<String> = cfg
                .params
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != pi)
                .map(|(_, (k, v))| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
                .collect();
            let named = cfg.name.split(' ').next().unwrap_or("").to_string();
            let label = if cfg.name.contains('=') && !named.contains('=') {
                std::iter::once(named)
                    .chain(rest)
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                rest.join(" ")
            };
            let s = match series.iter().position(|s| s.label == label) {
                Some(s) => s,
                None => {
                    series.push(plot::ParamSeries {
                        label: if label.is_empty() {
                            param.clone()
                        } else {
                            label
                        },
                        points: vec![Vec::new(); PANELS.len()],
                    });
                    series.len() - 1
                }
            };
            for (k, vals) in per[c].iter().enumerate() {
                if vals.is_empty() {
                    continue;
                }
                let (mean, _, lo, hi) = interval(vals);
                series[s].points[k].push((x, mean, lo, hi));
            }
        }
        if series.len() > 12 {
            continue; // too many lines to read; the tables hold them
        }
        jobs.push(Box::new(move || {
            let panels: Vec<&str> = PANELS.iter().map(|p| p.1).collect();
            plot::by_param(
                dir,
                &format!("by_{}", slug(param)),
                &format!("{stem}: against {param} (means, 95 % intervals)"),
                &values,
                &panels,
                &series,
            )
        }));
    }
    if sweep.param_names.len() == 2 {
        let uniq = |pi: usize| {
            let mut v: Vec<String> = Vec::new();
            for c in &sweep.configs {
                if !v.contains(&c.params[pi].1) {
                    v.push(c.params[pi].1.clone());
                }
            }
            v
        };
        let (xs, ys) = (uniq(0), uniq(1));
        // With named configurations too, the heatmap is of the first one's grid.
        let first = sweep.configs[0]
            .name
            .split(' ')
            .next()
            .unwrap_or("")
            .to_string();
        let mut panels = Vec::new();
        for (name, label) in [
            ("p99_ms", "p99 latency (ms)"),
            ("cost_per_million_usd", "cost per million requests (USD)"),
        ] {
            let mut grid = vec![vec![f64::NAN; ys.len()]; xs.len()];
            for (c, v) in &m {
                let cfg = &sweep.configs[*c];
                if cfg.name.split(' ').next().unwrap_or("") != first && !first.contains('=') {
                    continue;
                }
                let i = xs
                    .iter()
                    .position(|x| *x == cfg.params[0].1)
                    .expect("a value");
                let j = ys
                    .iter()
                    .position(|y| *y == cfg.params[1].1)
                    .expect("a value");
                grid[i][j] = v[idx(name)];
            }
            panels.push((label, grid));
        }
        jobs.push(Box::new(move || {
            plot::heatmap(
                dir,
                &format!("{stem}: the grid"),
                (&sweep.param_names[0], &sweep.param_names[1]),
                (&xs, &ys),
                &panels,
            )
        }));
    }
    // Latency CDFs of the chosen configurations (default: the Pareto frontier, at most 8).
    let chosen: Vec<usize> = if sweep.cdf.is_empty() {
        let pts: Vec<plot::ParetoPoint> = m
            .iter()
            .map(|(_, v)| plot::ParetoPoint {
                name: String::new(),
                p99: v[idx("p99_ms")],
                per_million: v[idx("cost_per_million_usd")],
            })
            .collect();
        plot::pareto_front(&pts)
            .into_iter()
            .map(|i| m[i].0)
            .take(8)
            .collect()
    } else {
        sweep.cdf.clone()
    };
    let cdfs: Vec<(String, Vec<(f64, f64)>)> = chosen
        .iter()
        .filter_map(|&c| {
            let cfg = &sweep.configs[c];
            read_cdf(dir, c, &cfg.name).map(|d| (cfg.short(), d))
        })
        .filter(|(_, d)| !d.is_empty())
        .collect();
    if !cdfs.is_empty() {
        jobs.push(Box::new(move || plot::latency_cdfs(dir, stem, &cdfs)));
    }
    let drawn: Vec<Result<Vec<PathBuf>, String>> = jobs.par_iter().map(|j| j()).collect();
    let mut written = Vec::new();
    for d in drawn {
        written.extend(d?);
    }
    Ok(written)
}
