//! `index.html`: one self-contained page per report folder (no network), with the command that
//! reproduces it, the scenario, the tables, and every plot and file of the folder.

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
img{max-width:100%;border:1px solid #ddd}figure{margin:1.5em 0}";

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

/// Figures for every PNG and links to every other file written (only files that exist).
fn files_section(dir: &Path, written: &[PathBuf]) -> String {
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
                let alt = name.trim_end_matches(".png").replace('_', " ");
                let _ = writeln!(
                    figs,
                    "<figure><img src=\"{n}\" alt=\"{a}\"><figcaption>{a}{s}</figcaption></figure>",
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
    b.push_str("<h2>Means per configuration</h2>\n<table><tr><th>configuration</th>");
    for (_, l) in keys {
        let _ = write!(b, "<th>{l}</th>");
    }
    b.push_str("</tr>\n");
    for (c, m) in means(sweep, rows) {
        let _ = write!(b, "<tr><td>{}</td>", esc(&sweep.configs[c].name));
        for (k, _) in keys {
            let _ = write!(b, "<td>{}</td>", fmt(m[idx(k)]));
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</table>\n");
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
    b.push_str(&files_section(dir, written));
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
        "<h1>{}</h1>\n<p>Reproduce:</p><pre>{}</pre>\n<h2>Summary</h2>\n<pre>{}</pre>\n",
        esc(name),
        esc(command),
        esc(table)
    );
    b.push_str(&files_section(dir, written));
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
