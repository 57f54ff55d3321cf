//! `index.html`: one self-contained page per report folder (no network), with the command that
//! reproduces it, the scenario, the tables, and every plot and file of the folder.

use crate::report::plot::sweep::percent;
use crate::report::summary;
use crate::report::sweep_plots::{cdf_choice, frontier, unserved};
use crate::sweep::config::Sweep;
use crate::sweep::results::{METRICS, Row};
use crate::sweep::stats::{interval, means};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;font-size:0.9em;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}\
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}pre{background:#f6f6f6;padding:0.8em;overflow-x:auto}\
img{max-width:100%;border:1px solid #ddd}figure{margin:1.5em 0}\
.wide{max-width:100%;overflow-x:auto}table.summary{font-size:0.85em}table.summary th{vertical-align:bottom}\
table.summary td{white-space:nowrap}tr.total td{font-weight:bold;border-top:2px solid #999}\
tr.unserved td{color:#777}";

/// Counts images that failed to load into `data-broken-images` on the body (a headless browser
/// check reads it).
const CHECK: &str = "<script>window.addEventListener('load',function(){var b=0;\
for(var i of document.images){if(!i.complete||i.naturalWidth===0)b++;}\
document.body.setAttribute('data-broken-images',String(b));});</script>";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head>\n<body>\n{body}{CHECK}\n</body></html>\n",
        esc(title)
    )
}

/// Figures for every PNG and links to every other file written (only files that exist);
/// `notes` adds text (HTML) to the caption of the figure of a stem.
fn files_section(dir: &Path, written: &[PathBuf], notes: &[(&str, String)]) -> String {
    let mut figs = String::new();
    let mut links = String::new();
    for p in written {
        let Some(name) = p.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        if !dir.join(&name).is_file() || name == "index.html" {
            continue;
        }
        match p.extension().and_then(|e| e.to_str()) {
            Some("png") => {
                let svg = name.trim_end_matches(".png").to_string() + ".svg";
                let stem = name.trim_end_matches(".png");
                let alt = stem.replace('_', " ");
                let note = notes
                    .iter()
                    .find(|(s, _)| *s == stem)
                    .map(|(_, n)| format!("<br>{n}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    figs,
                    "<figure><img src=\"{n}\" alt=\"{a}\"><figcaption>{a}{s}{note}</figcaption></figure>",
                    n = esc(&name),
                    a = esc(&alt),
                    s = if dir.join(&svg).is_file() {
                        format!(" (<a href=\"{}\">SVG</a>)", esc(&svg))
                    } else {
                        String::new()
                    }
                );
            }
            Some("svg") => {}
            _ => {
                let _ = writeln!(links, "<li><a href=\"{0}\">{0}</a></li>", esc(&name));
            }
        }
    }
    format!("<h2>Plots</h2>\n{figs}<h2>Files</h2>\n<ul>\n{links}</ul>\n")
}

/// The index page of a sweep's folder.
pub fn sweep_index(
    dir: &Path,
    stem: &str,
    sweep: &Sweep,
    rows: &[Row],
    written: &[PathBuf],
    command: &str,
) -> Result<PathBuf, String> {
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>{}</h1>\n<p>{} configurations × {} replications; {} runs in this report.</p>\n<p>Reproduce:</p><pre>{}</pre>\n",
        esc(stem),
        sweep.configs.len(),
        sweep.replications,
        rows.len(),
        esc(command)
    );
    // Means of the key metrics.
    let keys = [
        ("requests", "requests"),
        ("cold_starts", "cold starts"),
        ("p50_ms", "p50 ms"),
        ("p99_ms", "p99 ms"),
        ("throttled", "throttled"),
        ("timed_out", "timed out"),
        ("cost_usd", "cost USD"),
        ("cost_per_million_usd", "USD per 1M"),
    ];
    let idx = |n: &str| METRICS.iter().position(|m| *m == n).expect("a metric");
    let all = means(sweep, rows);
    let front = frontier(sweep, &all);
    let limit = percent(sweep.max_unserved);
    b.push_str("<h2>Means per configuration</h2>\n<table><tr><th>configuration</th>");
    for (_, l) in keys {
        let _ = write!(b, "<th>{l}</th>");
    }
    b.push_str("<th>unserved %</th><th>Pareto frontier</th></tr>\n");
    for (c, m) in &all {
        let u = unserved(m);
        let (class, mark) = if front.contains(c) {
            ("front", "on it")
        } else if u > sweep.max_unserved {
            ("unserved", "serves too little")
        } else {
            ("off", "")
        };
        let _ = write!(
            b,
            "<tr class=\"{class}\"><td>{}</td>",
            esc(&sweep.configs[*c].name)
        );
        for (k, _) in keys {
            let _ = write!(b, "<td>{}</td>", fmt(m[idx(k)]));
        }
        let _ = write!(b, "<td>{}</td><td>{mark}</td>", percent(u));
        b.push_str("</tr>\n");
    }
    b.push_str("</table>\n");
    // The frontier, and the configurations kept off it for serving too little.
    let _ = write!(
        b,
        "<h2>Pareto frontier</h2>\n<p>The configurations no other beats on both p99 latency and cost per million requests, among those that leave at most {limit} % of their requests unserved (ended throttled, failed, timed out or dead-lettered; <code>max_unserved</code> in the sweep file), by p99:</p>\n<ul id=\"pareto-frontier\">{}</ul>\n",
        front
            .iter()
            .map(|&c| format!("<li>{}</li>", esc(&sweep.configs[c].name)))
            .collect::<String>()
    );
    if front.is_empty() {
        let _ = writeln!(
            b,
            "<p>None: no configuration leaves at most {limit} % of its requests unserved.</p>"
        );
    }
    let over: Vec<(usize, f64)> = all
        .iter()
        .map(|(c, m)| (*c, unserved(m)))
        .filter(|(_, u)| *u > sweep.max_unserved)
        .collect();
    if !over.is_empty() {
        let _ = write!(
            b,
            "<p>Kept off the frontier (hollow in the plot): more than {limit} % of requests not served.</p>\n<ul id=\"unserved\">{}</ul>\n",
            over.iter()
                .map(|(c, u)| format!(
                    "<li>{} ({} % unserved)</li>",
                    esc(&sweep.configs[*c].name),
                    percent(*u)
                ))
                .collect::<String>()
        );
    }
    // Intervals of the two metrics a planner trades.
    let reps = sweep.replications;
    b.push_str(&if reps > 1 {
        format!(
            "<h2>95 % confidence intervals ({reps} replications; all metrics in summary.csv)</h2>\n"
        )
    } else {
        "<h2>One replication (no confidence intervals: set replications for them)</h2>\n".into()
    });
    b.push_str("<table><tr><th>configuration</th><th>p99 ms</th><th>USD per 1M</th><th>cold starts</th></tr>\n");
    let mut per: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); 3]; sweep.configs.len()];
    for r in rows {
        let v = r.values();
        for (k, n) in ["p99_ms", "cost_per_million_usd", "cold_starts"]
            .iter()
            .enumerate()
        {
            per[r.config][k].push(v[idx(n)]);
        }
    }
    for (c, cfg) in sweep.configs.iter().enumerate() {
        if per[c][0].is_empty() {
            continue;
        }
        let _ = write!(b, "<tr><td>{}</td>", esc(&cfg.name));
        for x in &per[c] {
            let (m, _, lo, hi) = interval(x);
            if lo.is_finite() {
                let _ = write!(b, "<td>{} [{}, {}]</td>", fmt(m), fmt(lo), fmt(hi));
            } else {
                let _ = write!(b, "<td>{}</td>", fmt(m));
            }
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</table>\n");
    let drawn = |stem: &str| {
        written
            .iter()
            .any(|p| p.file_name().is_some_and(|n| *n == *format!("{stem}.png")))
    };
    let mut notes: Vec<(&str, String)> = Vec::new();
    if drawn("pareto") {
        notes.push((
            "pareto",
            format!(
                "Red: the Pareto frontier; hollow: more than {limit} % of requests not served."
            ),
        ));
        let cdf = cdf_choice(dir, sweep, &all);
        if drawn("latency_cdfs") {
            if !cdf.note.is_empty() {
                notes.push(("latency_cdfs", esc(&cdf.note)));
            }
        } else if !cdf.note.is_empty() {
            let _ = writeln!(b, "<p>No latency CDF overlay: {}.</p>", esc(&cdf.note));
        }
    }
    b.push_str(&files_section(dir, written, &notes));
    if let Ok(text) = std::fs::read_to_string(&sweep.base) {
        let _ = write!(
            b,
            "<h2>Base scenario ({})</h2>\n<pre>{}</pre>\n",
            esc(&sweep.base.display().to_string()),
            esc(&text)
        );
    }
    let path = dir.join("index.html");
    std::fs::write(&path, page(stem, &b))
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    Ok(path)
}

/// The index page of a run's folder.
pub fn run_index(
    dir: &Path,
    name: &str,
    scenario_file: &Path,
    table: &str,
    written: &[PathBuf],
    command: &str,
) -> Result<PathBuf, String> {
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>{}</h1>\n<p>Reproduce:</p><pre>{}</pre>\n<h2>Summary</h2>\n{}",
        esc(name),
        esc(command),
        summary_html(table)
    );
    b.push_str(&files_section(dir, written, &[]));
    if let Ok(text) = std::fs::read_to_string(scenario_file) {
        let _ = write!(
            b,
            "<h2>Scenario ({})</h2>\n<pre>{}</pre>\n",
            esc(&scenario_file.display().to_string()),
            esc(&text)
        );
    }
    let path = dir.join("index.html");
    std::fs::write(&path, page(name, &b))
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    Ok(path)
}

/// A run's summary table (the text `faasim run` prints) as an HTML table that fits the page,
/// one row per function and the totals, then the other lines (services, calls, workflows,
/// alarms, traces) as a list.
fn summary_html(table: &str) -> String {
    let p = summary::parts(table);
    let mut h = String::from("<div class=\"wide\"><table class=\"summary\"><tr>");
    for c in summary::COLUMNS {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr>\n");
    let n = p.rows.len();
    for (i, r) in p.rows.iter().enumerate() {
        let total = n > 1 && i == n - 1 && r[0] == "all functions";
        h.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for c in r {
            let _ = write!(h, "<td>{}</td>", esc(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n");
    if !p.notes.is_empty() {
        h.push_str("<ul class=\"notes\">\n");
        for l in &p.notes {
            let _ = writeln!(h, "<li>{}</li>", esc(l));
        }
        h.push_str("</ul>\n");
    }
    h
}

fn fmt(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v.abs() >= 100.0 || v == v.round() {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}
