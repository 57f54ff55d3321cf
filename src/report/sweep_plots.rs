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

/// The fraction of a configuration's requests not served, from its metrics (`METRICS` order):
/// those that ended without success (throttled, failed, timed out or dead-lettered) over the
/// requests. Requests still in flight at the end are not counted: a healthy configuration has
/// some (its concurrency), which in a short run can exceed a limit of one in a thousand.
pub fn unserved(v: &[f64]) -> f64 {
    let n = v[idx("requests")];
    let ended_badly =
        v[idx("failed")] + v[idx("throttled")] + v[idx("timed_out")] + v[idx("dead_lettered")];
    if n > 0.0 {
        (ended_badly / n).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Each configuration with rows on the cost–latency plane (in the order of `m`).
fn points(sweep: &Sweep, m: &[(usize, Vec<f64>)]) -> Vec<plot::ParetoPoint> {
    m.iter()
        .map(|(c, v)| plot::ParetoPoint {
            name: sweep.configs[*c].short(),
            p99: v[idx("p99_ms")],
            per_million: v[idx("cost_per_million_usd")],
            unserved: unserved(v),
        })
        .collect()
}

/// The configurations on the Pareto frontier of p99 latency and cost, by p99: among those that
/// leave at most the sweep's `max_unserved` of their requests unserved, those no other beats on
/// both. `m` holds the means per configuration (`stats::means`).
pub fn frontier(sweep: &Sweep, m: &[(usize, Vec<f64>)]) -> Vec<usize> {
    plot::pareto_front(&points(sweep, m), sweep.max_unserved)
        .into_iter()
        .map(|i| m[i].0)
        .collect()
}

/// The most configurations the latency CDF overlay shows by default (the Pareto frontier's
/// first ones, by p99).
pub const CDF_DEFAULT_MAX: usize = 8;

/// The configurations whose latency CDFs are overlaid, with their CDFs, and a note saying
/// which are left out and why (empty when none is).
pub struct CdfChoice {
    pub shown: Vec<(usize, Vec<(f64, f64)>)>,
    pub note: String,
}

/// The latency CDF overlay of a sweep written to `dir`: the configurations of `cdf`, or by
/// default the Pareto frontier (at most [`CDF_DEFAULT_MAX`]; with no configuration on it, those
/// that serve the most); those without latency data (no request succeeded, or no CDF kept) are
/// left out, and the note says so.
pub fn cdf_choice(dir: &Path, sweep: &Sweep, m: &[(usize, Vec<f64>)]) -> CdfChoice {
    let default = sweep.cdf.is_empty();
    let front = if default {
        frontier(sweep, m)
    } else {
        Vec::new()
    };
    let chosen: Vec<usize> = if default && front.is_empty() {
        // None serves enough: those that serve the most, saying so.
        let mut by: Vec<(usize, f64)> = m.iter().map(|(c, v)| (*c, unserved(v))).collect();
        by.sort_by(|a, b| a.1.total_cmp(&b.1));
        by.into_iter()
            .map(|(c, _)| c)
            .take(CDF_DEFAULT_MAX)
            .collect()
    } else if default {
        front.iter().copied().take(CDF_DEFAULT_MAX).collect()
    } else {
        sweep.cdf.clone()
    };
    let mut shown = Vec::new();
    let mut missing = Vec::new();
    for &c in &chosen {
        let cfg = &sweep.configs[c];
        match read_cdf(dir, c, &cfg.name) {
            Some(d) if !d.is_empty() => shown.push((c, d)),
            _ => missing.push(cfg.short()),
        }
    }
    let total = m.len();
    let mut note = if default && front.is_empty() {
        format!(
            "none with at most {} % unserved (max_unserved): {} of {total} shown, those that serve the most; set `cdf` to choose",
            plot::percent(sweep.max_unserved),
            shown.len()
        )
    } else if default && shown.len() < total {
        let of_front = if front.len() > CDF_DEFAULT_MAX {
            format!(
                "the first {CDF_DEFAULT_MAX} of the {} on the Pareto frontier",
                front.len()
            )
        } else {
            "the Pareto frontier".to_string()
        };
        format!(
            "{} of {total} configurations shown ({of_front}); set `cdf` to choose",
            shown.len()
        )
    } else if !default && shown.len() < chosen.len() {
        format!(
            "{} of the {} configurations of `cdf` shown",
            shown.len(),
            chosen.len()
        )
    } else {
        String::new()
    };
    if !missing.is_empty() {
        note.push_str(&format!(
            "; no latency data (no request succeeded) for {}",
            missing.join(", ")
        ));
    }
    CdfChoice { shown, note }
}

/// Each parameter's shortest dotted suffix that no other parameter ends with
/// (`memory_mb`, or `a.memory_mb` and `b.memory_mb` for two functions' memory).
pub fn short_keys(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|k| {
            let parts: Vec<&str> = k.split('.').collect();
            (1..=parts.len())
                .map(|n| parts[parts.len() - n..].join("."))
                .find(|s| {
                    names
                        .iter()
                        .filter(|o| *o == s || o.ends_with(&format!(".{s}")))
                        .count()
                        == 1
                })
                .unwrap_or_else(|| k.clone())
        })
        .collect()
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
    let pts = points(sweep, &m);
    jobs.push(Box::new(move || {
        plot::pareto(dir, stem, &pts, sweep.max_unserved)
    }));
    // Per configuration and panel metric: the replications' values.
    let mut per: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); PANELS.len()]; sweep.configs.len()];
    for r in rows {
        let v = r.values();
        for (k, (name, _)) in PANELS.iter().enumerate() {
            per[r.config][k].push(v[idx(name)]);
        }
    }
    let keys = short_keys(&sweep.param_names);
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
                .map(|(j, (_, v))| format!("{}={v}", keys[j]))
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
            // One series per setting of the rest: with one parameter and no named
            // configurations, a single line across its values.
            let s = match series.iter().position(|s| s.label == label) {
                Some(s) => s,
                None => {
                    series.push(plot::ParamSeries {
                        label,
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
                param,
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
        let of = if first.contains('=') || first.is_empty() {
            String::new()
        } else {
            format!(" of configuration {first}")
        };
        jobs.push(Box::new(move || {
            plot::heatmap(
                dir,
                &format!("{stem}: the grid{of}"),
                (&sweep.param_names[0], &sweep.param_names[1]),
                (&xs, &ys),
                &panels,
            )
        }));
    }
    // Latency CDFs of the chosen configurations (default: the Pareto frontier, at most 8).
    let choice = cdf_choice(dir, sweep, &m);
    if !choice.shown.is_empty() {
        let cdfs: Vec<(String, Vec<(f64, f64)>)> = choice
            .shown
            .into_iter()
            .map(|(c, d)| (sweep.configs[c].short(), d))
            .collect();
        let note = choice.note;
        jobs.push(Box::new(move || {
            plot::latency_cdfs(dir, stem, &cdfs, &note)
        }));
    } else {
        // An overlay of an earlier report must not stay as if it were this one's.
        for ext in ["png", "svg"] {
            let _ = std::fs::remove_file(dir.join(format!("latency_cdfs.{ext}")));
        }
    }
    let drawn: Vec<Result<Vec<PathBuf>, String>> = jobs.par_iter().map(|j| j()).collect();
    let mut written = Vec::new();
    for d in drawn {
        written.extend(d?);
    }
    Ok(written)
}
