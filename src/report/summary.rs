//! A run's summary: `summary.json` and the summary table `faasim run` prints (and index.html
//! shows).

use sim_core::Summary;
use sim_core::metrics::Service;
use std::path::{Path, PathBuf};

pub fn write_summary(dir: &Path, summary: &Summary) -> Result<PathBuf, String> {
    let path = dir.join("summary.json");
    let mut text =
        serde_json::to_string_pretty(summary).map_err(|e| format!("cannot encode summary: {e}"))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    Ok(path)
}

/// The width of the function column of [`summary_table`] (longer names are cut short).
const NAME: usize = 16;

/// The headings of the columns of [`summary_table`]'s rows, for a page (where they may wrap).
pub const COLUMNS: [&str; 16] = [
    "function",
    "requests",
    "succeeded",
    "failed",
    "throttled",
    "timed out",
    "dead-lettered",
    "in flight at the end",
    "cold starts",
    "cold %",
    "p50 ms",
    "p99 ms",
    "p99.9 ms",
    "instances (mean)",
    "instances (max)",
    "cost USD",
];

/// A summary table (`summary_table`'s text) taken apart: the rows of its function table (the
/// function's name, then the other columns of [`COLUMNS`]) and the lines after it (services,
/// calls, workflows, alarms, traces, and how many functions are left out).
pub struct Parts {
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

/// Reads back the text of [`summary_table`]: a row is the name in its fixed-width column, then
/// one number for each other column; every other line is a note.
pub fn parts(table: &str) -> Parts {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for line in table.lines().skip(1) {
        let name: String = line.chars().take(NAME).collect();
        let rest: String = line.chars().skip(NAME).collect();
        let cells: Vec<&str> = rest.split_whitespace().collect();
        let row = name.chars().count() == NAME
            && rest.starts_with(' ')
            && cells.len() == COLUMNS.len() - 1
            && cells.iter().all(|c| c.parse::<f64>().is_ok());
        if row {
            let mut r = vec![name.trim_end().to_string()];
            r.extend(cells.iter().map(|c| c.to_string()));
            rows.push(r);
        } else if !line.trim().is_empty() {
            notes.push(line.to_string());
        }
    }
    Parts { rows, notes }
}

/// The summary table printed by `faasim run`.
pub fn summary_table(s: &Summary) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>7} {:>9} {:>9} {:>9} {:>8} {:>6} {:>11}",
        "function",
        "requests",
        "succeeded",
        "failed",
        "throttled",
        "timed_out",
        "dead_lett",
        "in_flight",
        "cold",
        "cold%",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "inst avg",
        "max",
        "cost USD"
    );
    let row = |out: &mut String, name: &str, m: &sim_core::Metrics| {
        let o = &m.outcomes;
        let _ = writeln!(
            out,
            "{:<16} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>7.3} {:>9.1} {:>9.1} {:>9.1} {:>8.2} {:>6} {:>11.6}",
            truncate(name, NAME),
            m.requests,
            o.succeeded,
            o.failed,
            o.throttled,
            o.timed_out,
            o.dead_lettered,
            o.in_flight,
            m.cold_starts,
            m.cold_start_ratio * 100.0,
            m.latency_ms.p50,
            m.latency_ms.p99,
            m.latency_ms.p999,
            m.instances.mean,
            m.instances.max,
            m.cost_usd.total
        );
    };
    const SHOWN: usize = 20;
    for (name, m) in s.functions.0.iter().take(SHOWN) {
        row(&mut out, name, m);
    }
    if s.functions.0.len() > SHOWN {
        let _ = writeln!(
            out,
            "… {} more functions in summary.json",
            s.functions.0.len() - SHOWN
        );
    }
    if s.functions.0.len() > 1 {
        row(&mut out, "all functions", &s.total);
    }
    for (name, svc) in &s.services.0 {
        let _ = match svc {
            Service::Api(a) => writeln!(
                out,
                "{} API {name}: {} requests, {} throttled (429), {} timed out (504), {} sent to the function, {} USD",
                a.kind.to_uppercase(),
                a.requests,
                a.throttled,
                a.timed_out,
                a.forwarded,
                a.cost_usd
            ),
            Service::Table(t) => writeln!(
                out,
                "DynamoDB table {name} ({}): {} requests, {} throttled, {} errors, {} read and {} write units, capacity at the end {} read / {} write units/s, {} USD",
                t.mode,
                t.requests,
                t.throttled,
                t.errors,
                t.read_units,
                t.write_units,
                t.read_capacity,
                t.write_capacity,
                t.cost_usd
            ),
            Service::Dependency(d) => writeln!(
                out,
                "dependency {name}: {} calls, {} rejected, {} waited (mean {} ms), {} errors, {} USD",
                d.calls, d.rejected, d.waited, d.mean_wait_ms, d.errors, d.cost_usd
            ),
        };
    }
    for c in &s.calls {
        let _ = writeln!(
            out,
            "calls {} → {} ({}): {} calls, {} attempts, {} failed after retries",
            c.from, c.to, c.mode, c.calls, c.attempts, c.failed
        );
    }
    for (name, w) in &s.workflows.0 {
        let e = &w.executions;
        let _ = writeln!(
            out,
            "{} workflow {name}: {} started, {} succeeded, {} caught, {} failed, {} timed out, {} throttled at start; p50 {} ms, p99 {} ms; {} transitions an execution; {} USD ({} an execution)",
            w.kind,
            e.started,
            e.succeeded,
            e.caught,
            e.failed,
            e.timed_out,
            e.throttled,
            w.latency_ms.p50,
            w.latency_ms.p99,
            w.transitions_per_execution,
            w.cost_usd,
            w.cost_per_execution_usd
        );
    }
    for (name, a) in &s.alarms.0 {
        let _ = write!(
            out,
            "alarm {name} ({} of {}): in ALARM {} times, {} s in all, {} false alarms, {} notifications, {} at the end",
            a.metric,
            a.of,
            a.alarms,
            a.time_in_alarm_s,
            a.false_alarms,
            a.notifications,
            a.state_at_end
        );
        for i in &a.incidents {
            match i.detection_delay_s {
                Some(_) if i.already_in_alarm => {
                    let _ = write!(out, "; in ALARM already at {}", i.incident);
                }
                Some(d) => {
                    let _ = write!(out, "; {} detected after {d} s", i.incident);
                }
                None => {
                    let _ = write!(out, "; {} missed", i.incident);
                }
            }
        }
        out.push('\n');
    }
    for t in &s.traces {
        let _ = write!(
            out,
            "trace {}: {} rows, {} replayed",
            t.file, t.rows, t.replayed
        );
        if t.skipped_rows > 0 {
            let _ = write!(out, ", {} bad rows skipped", t.skipped_rows);
        }
        if t.unmatched > 0 {
            let _ = write!(out, ", {} of functions not in the scenario", t.unmatched);
        }
        if t.labelled_cold > 0 {
            let _ = write!(out, ", {} labelled cold by the platform", t.labelled_cold);
        }
        out.push('\n');
        if let Some(l) = &t.labels {
            let pct = |x: Option<f64>| x.map_or("n/a".into(), |v| format!("{:.1} %", v * 100.0));
            let _ = writeln!(
                out,
                "trace {} request by request: logged cold {} (simulated cold {}, warm {}, not started {}), logged warm {} (simulated cold {}, warm {}, not started {}); precision of cold {}, recall {}",
                t.file,
                l.cold_as_cold + l.cold_as_warm + l.cold_not_started,
                l.cold_as_cold,
                l.cold_as_warm,
                l.cold_not_started,
                l.warm_as_cold + l.warm_as_warm + l.warm_not_started,
                l.warm_as_cold,
                l.warm_as_warm,
                l.warm_not_started,
                pct(l.precision),
                pct(l.recall)
            );
        }
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}
