//! Traces on the command line: functions made from a trace's own statistics (for workloads
//! that replay a trace without naming a function) and `faasim trace stats`.

use super::{FsResources, LoadError, from_value};
use serde::Serialize;
use sim_core::Resources;
use sim_core::scenario::{Arrivals, Select};
use sim_core::trace::{self, FunctionStats, Replay, TraceStats};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// z such that Φ(z) = 0.99.
const Z99: f64 = 2.326_347_874_040_841;

fn input(e: sim_core::InputError) -> LoadError {
    LoadError(e.to_string())
}

/// Adds to `table.functions` one function per selected trace function of every workload that
/// replays a trace without naming a function: `function_defaults`, then the trace's memory and
/// durations. Functions already defined (by name) are kept as written.
pub fn add_trace_functions(
    table: &mut toml::Table,
    base: &Path,
    file: &str,
) -> Result<(), LoadError> {
    let defaults = match table.remove("function_defaults") {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t,
        Some(other) => {
            return Err(LoadError(format!(
                "{file}: key `function_defaults`: expected a table of function keys, found a {}",
                other.type_str()
            )));
        }
    };
    if defaults.contains_key("name") {
        return Err(LoadError(format!(
            "{file}: key `function_defaults.name`: functions made from a trace are named after their trace function"
        )));
    }
    let seed = table
        .get("simulation")
        .and_then(|s| s.get("seed"))
        .and_then(|v| v.as_integer())
        .unwrap_or(1) as u64;
    let res = FsResources {
        base: base.to_path_buf(),
    };
    let mut names: HashSet<String> = table
        .get("functions")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .collect();
    let workloads: Vec<(String, toml::Value)> = table
        .get("workloads")
        .and_then(|w| w.as_array())
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, w)| {
            w.get("function").is_none() && w.get("arrivals").and_then(|a| a.get("trace")).is_some()
        })
        .map(|(i, w)| {
            let label = w
                .get("name")
                .and_then(|n| n.as_str())
                .map(str::to_string)
                .unwrap_or(i.to_string());
            (label, w["arrivals"].clone())
        })
        .collect();
    let mut made = Vec::new();
    for (label, arrivals) in workloads {
        let key = format!("workloads.{label}.arrivals");
        let a: Arrivals = from_value(arrivals, &format!("{file} ({key})"))?;
        let Some(format) = a.format else {
            continue; // validation names the missing format
        };
        let opts = sim_core::inputs::reader_options(&a, seed);
        if !opts.has_functions() {
            continue; // validation asks for `function`
        }
        let path = a.trace.clone().unwrap_or_default();
        let stream = trace::open(&res, &path, &opts, None).map_err(input)?;
        let mut replay = Replay::new(stream, sim_core::inputs::replay_options(&a, u64::MAX, seed));
        let stats = TraceStats::scan(&mut replay).map_err(input)?;
        let chosen = select(&stats.functions, a.select.as_ref())
            .map_err(|m| LoadError(format!("{file}: key `{key}.select`: {m}")))?;
        let durations = match &a.durations {
            Some(p) => {
                trace::azure2019_durations(open(&res, p)?, &res.display(p)).map_err(input)?
            }
            None => HashMap::new(),
        };
        let memory = match &a.memory {
            Some(p) => trace::azure2019_memory(open(&res, p)?, &res.display(p)).map_err(input)?,
            None => HashMap::new(),
        };
        for f in chosen {
            if !names.insert(f.name.clone()) {
                continue;
            }
            let mut t = defaults.clone();
            t.insert("name".into(), f.name.clone().into());
            let mb = memory.get(&f.name).or_else(|| {
                f.app
                    .as_ref()
                    .and_then(|app| memory.get(&format!("app:{app}")))
            });
            if let Some(&mb) = mb {
                t.insert(
                    "memory_mb".into(),
                    (trace::lambda_memory_for(mb) as i64).into(),
                );
            }
            if let Some(d) = duration_of(f, durations.get(&f.name)) {
                t.insert("duration".into(), d);
            } else if !t.contains_key("duration") {
                return Err(LoadError(format!(
                    "{file}: key `{key}`: the {} trace gives no durations for function \"{}\"; give `durations` (azure2019) or `function_defaults.duration`",
                    format.format().name(),
                    f.name
                )));
            }
            made.push(toml::Value::Table(t));
        }
    }
    let functions = table
        .entry("functions")
        .or_insert_with(|| toml::Value::Array(Vec::new()));
    match functions {
        toml::Value::Array(list) => list.extend(made),
        other => {
            return Err(LoadError(format!(
                "{file}: key `functions`: expected an array of tables, found a {}",
                other.type_str()
            )));
        }
    }
    Ok(())
}

fn open(res: &FsResources, path: &str) -> Result<Box<dyn std::io::BufRead>, LoadError> {
    res.open(path)
        .map_err(|m| LoadError(format!("{}: {m}", res.display(path))))
}

/// A duration distribution for a trace function: the Azure 2019 percentiles, else a log-normal
/// fitted to the trace's own durations (constant if they do not vary).
fn duration_of(f: &FunctionStats, pct: Option<&Vec<(f64, f64)>>) -> Option<toml::Value> {
    let ms = |v: f64| toml::Value::String(format!("{:.6}ms", v.max(0.0)));
    let mut t = toml::Table::new();
    if let Some(p) = pct {
        t.insert("dist".into(), "quantiles".into());
        t.insert(
            "points".into(),
            toml::Value::Array(
                p.iter()
                    .map(|&(q, v)| toml::Value::Array(vec![q.into(), ms(v)]))
                    .collect(),
            ),
        );
        return Some(toml::Value::Table(t));
    }
    let l = &f.log_durations;
    if l.n == 0 {
        return None;
    }
    let median = l.mean.exp() * 1e3;
    if l.n < 2 || l.sd() < 1e-9 {
        t.insert("dist".into(), "constant".into());
        t.insert("value".into(), ms(f.durations.mean * 1e3));
    } else {
        t.insert("dist".into(), "lognormal".into());
        t.insert("median".into(), ms(median));
        t.insert("p99".into(), ms((l.mean + Z99 * l.sd()).exp() * 1e3));
    }
    Some(toml::Value::Table(t))
}

/// The trace functions that `sel` keeps (invoked ones only), in trace order.
pub fn select<'a>(
    fs: &'a [FunctionStats],
    sel: Option<&Select>,
) -> Result<Vec<&'a FunctionStats>, String> {
    let mut v: Vec<(usize, &FunctionStats)> = fs
        .iter()
        .enumerate()
        .filter(|(_, f)| f.invocations > 0)
        .collect();
    if let Some(s) = sel {
        if !s.ids.is_empty() {
            for id in &s.ids {
                if !fs.iter().any(|f| &f.name == id) {
                    return Err(format!("ids: no function \"{id}\" in the trace"));
                }
            }
            v.retain(|(_, f)| s.ids.contains(&f.name));
        }
        if !s.triggers.is_empty() {
            v.retain(|(_, f)| f.trigger.as_ref().is_some_and(|t| s.triggers.contains(t)));
        }
        if let Some((lo, hi)) = s.popularity {
            v.sort_by(|a, b| a.1.invocations.cmp(&b.1.invocations).then(a.0.cmp(&b.0)));
            let n = v.len() as f64;
            v = v
                .into_iter()
                .enumerate()
                .filter(|(j, _)| {
                    let q = (*j as f64 + 0.5) / n;
                    q >= lo && (q < hi || hi >= 1.0)
                })
                .map(|(_, x)| x)
                .collect();
        }
        if let Some(top) = s.top {
            v.sort_by(|a, b| b.1.invocations.cmp(&a.1.invocations).then(a.0.cmp(&b.0)));
            v.truncate(top);
        }
    }
    v.sort_by_key(|x| x.0);
    if v.is_empty() {
        return Err("no trace function is invoked and selected".into());
    }
    Ok(v.into_iter().map(|x| x.1).collect())
}

// ---------------------------------------------------------------------------------------------
// faasim trace stats

/// The JSON form of `faasim trace stats`.
#[derive(Serialize)]
pub struct StatsReport {
    pub file: String,
    pub format: String,
    pub rows: u64,
    pub skipped_rows: u64,
    pub invocations: u64,
    pub functions: usize,
    pub functions_invoked: usize,
    pub first_s: f64,
    pub last_s: f64,
    pub duration_covered_s: f64,
    pub mean_rate_per_s: f64,
    /// Percentiles of the rate over bins of `rate_bin_s`.
    pub rate_bin_s: f64,
    pub rate_per_s: RatePercentiles,
    pub triggers: Vec<(String, u64)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labelled_cold: Option<u64>,
    pub per_function: Vec<FunctionReport>,
}

#[derive(Serialize)]
pub struct RatePercentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

#[derive(Serialize)]
pub struct FunctionReport {
    pub function: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    pub invocations: u64,
    pub rate_per_s: f64,
    pub interarrival_mean_s: Option<f64>,
    pub interarrival_cv: Option<f64>,
    pub duration_mean_ms: Option<f64>,
}

pub fn stats_report(s: &TraceStats, file: &str, format: &str, labelled: bool) -> StatsReport {
    let span = s.span();
    let mut triggers: HashMap<&str, u64> = HashMap::new();
    for f in &s.functions {
        if let Some(t) = &f.trigger {
            *triggers.entry(t).or_default() += 1;
        }
    }
    let mut triggers: Vec<(String, u64)> = triggers
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    triggers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let r = |x: f64| (x * 1e4).round() / 1e4;
    StatsReport {
        file: file.to_string(),
        format: format.to_string(),
        rows: s.rows,
        skipped_rows: s.skipped,
        invocations: s.invocations,
        functions: s.functions.len(),
        functions_invoked: s.functions.iter().filter(|f| f.invocations > 0).count(),
        first_s: r(s.first as f64 / 1e9),
        last_s: r(s.last as f64 / 1e9),
        duration_covered_s: r(s.span()),
        mean_rate_per_s: r(if span > 0.0 {
            s.invocations as f64 / span
        } else {
            0.0
        }),
        rate_bin_s: s.bin as f64 / 1e9,
        rate_per_s: RatePercentiles {
            p50: r(s.rate_percentile(0.5)),
            p90: r(s.rate_percentile(0.9)),
            p99: r(s.rate_percentile(0.99)),
            max: r(s.rate_percentile(1.0)),
        },
        triggers,
        labelled_cold: labelled.then_some(s.cold_labelled),
        per_function: s
            .functions
            .iter()
            .map(|f| FunctionReport {
                function: f.name.clone(),
                trigger: f.trigger.clone(),
                invocations: f.invocations,
                rate_per_s: r(if span > 0.0 {
                    f.invocations as f64 / span
                } else {
                    0.0
                }),
                interarrival_mean_s: (f.gaps.n > 0).then(|| r(f.gaps.mean)),
                interarrival_cv: (f.gaps.n > 1).then(|| r(f.gap_cv())),
                duration_mean_ms: (f.durations.n > 0).then(|| r(f.durations.mean * 1e3)),
            })
            .collect(),
    }
}

/// The text form: totals, then the most invoked functions.
pub fn stats_text(rep: &StatsReport, top: usize) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let _ = writeln!(t, "{} (format {})", rep.file, rep.format);
    let _ = writeln!(t, "  invocations      {}", rep.invocations);
    let _ = writeln!(
        t,
        "  functions        {} ({} invoked)",
        rep.functions, rep.functions_invoked
    );
    let _ = writeln!(
        t,
        "  rows             {} ({} skipped as bad)",
        rep.rows, rep.skipped_rows
    );
    let _ = writeln!(
        t,
        "  time covered     {} (from {} s to {} s)",
        human_secs(rep.duration_covered_s),
        rep.first_s,
        rep.last_s
    );
    let _ = writeln!(
        t,
        "  arrival rate     mean {}/s; per {} s: p50 {}, p90 {}, p99 {}, max {}",
        rep.mean_rate_per_s,
        rep.rate_bin_s,
        rep.rate_per_s.p50,
        rep.rate_per_s.p90,
        rep.rate_per_s.p99,
        rep.rate_per_s.max
    );
    if !rep.triggers.is_empty() {
        let tr: Vec<String> = rep
            .triggers
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = writeln!(t, "  triggers         {}", tr.join(", "));
    }
    if let Some(c) = rep.labelled_cold {
        let _ = writeln!(t, "  labelled cold    {c} (by the platform, in the trace)");
    }
    let mut fs: Vec<&FunctionReport> = rep.per_function.iter().collect();
    fs.sort_by_key(|f| std::cmp::Reverse(f.invocations));
    let shown = fs.len().min(top);
    let _ = writeln!(
        t,
        "\n{} by invocations{}:",
        if shown < fs.len() {
            "most invoked functions"
        } else {
            "functions"
        },
        if shown < fs.len() {
            format!(" ({shown} of {}; --json lists all)", fs.len())
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        t,
        "  {:<24} {:>12} {:>10} {:>12} {:>8} {:>12} {:>8}",
        "function", "invocations", "rate/s", "mean gap s", "gap CV", "duration ms", "trigger"
    );
    let opt = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_else(|| "-".into());
    for f in fs.iter().take(shown) {
        let name = if f.function.is_empty() {
            "(all)".to_string()
        } else if f.function.chars().count() > 24 {
            format!("{}…", f.function.chars().take(23).collect::<String>())
        } else {
            f.function.clone()
        };
        let _ = writeln!(
            t,
            "  {:<24} {:>12} {:>10} {:>12} {:>8} {:>12} {:>8}",
            name,
            f.invocations,
            f.rate_per_s,
            opt(f.interarrival_mean_s),
            opt(f.interarrival_cv),
            opt(f.duration_mean_ms),
            f.trigger.as_deref().unwrap_or("-")
        );
    }
    t
}

fn human_secs(s: f64) -> String {
    if s >= 2.0 * 86400.0 {
        format!("{:.2} days", s / 86400.0)
    } else if s >= 2.0 * 3600.0 {
        format!("{:.2} h", s / 3600.0)
    } else if s >= 120.0 {
        format!("{:.2} min", s / 60.0)
    } else {
        format!("{s:.3} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Functions made from the Azure 2019 slice take their memory (peak allocated, rounded up
    /// to 64 MB) and execution-time percentiles from the trace, and the rest from the defaults.
    #[test]
    fn trace_functions_take_memory_and_durations_from_the_trace() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = r#"
            [simulation]
            duration = "1h"
            [function_defaults]
            timeout = "5m"
            keep_alive = "3m"
            [[functions]]
            name = "1"
            duration = { dist = "constant", value = "1s" }
            [[workloads]]
            arrivals = { trace = "traces/azure2019-slice/exp_sim_invocation_traces_0.csv", format = "azure2019", durations = "traces/azure2019-slice/exp_sim_duration_traces_0.csv", memory = "traces/azure2019-slice/exp_sim_memory_traces_0.csv", select = { ids = ["0", "1", "2"] } }
        "#;
        let mut table: toml::Table = toml::from_str(text).unwrap();
        add_trace_functions(&mut table, root, "t.toml").unwrap();
        let fns = table["functions"].as_array().unwrap();
        // "1" was written by hand and is kept; "0" and "2" are made.
        let names: Vec<&str> = fns.iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["1", "0", "2"]);
        assert_eq!(fns[0]["duration"]["dist"].as_str(), Some("constant"));
        // Memory pct100: function 0 uses 246 MB → 256; function 2 uses 287 MB → 320.
        assert_eq!(fns[1]["memory_mb"].as_integer(), Some(256));
        assert_eq!(fns[2]["memory_mb"].as_integer(), Some(320));
        assert_eq!(fns[1]["timeout"].as_str(), Some("5m"));
        assert_eq!(fns[1]["keep_alive"].as_str(), Some("3m"));
        // Function 0's percentiles: 23, 43, 107, 140, 280, 3317, 4084 ms.
        let pts = fns[1]["duration"]["points"].as_array().unwrap();
        let ms: Vec<f64> = pts
            .iter()
            .map(|p| {
                let s = p[1].as_str().unwrap();
                s.trim_end_matches("ms").parse().unwrap()
            })
            .collect();
        assert_eq!(ms, [23.0, 43.0, 107.0, 140.0, 280.0, 3317.0, 4084.0]);
        assert_eq!(pts[5][0].as_float(), Some(0.99));
        // The result is a valid scenario.
        let s: sim_core::Scenario = from_value(toml::Value::Table(table), "t").unwrap();
        s.validate().unwrap();
    }

    #[test]
    fn selection_filters_combine() {
        let f = |name: &str, n: u64, trig: &str| FunctionStats {
            name: name.into(),
            invocations: n,
            trigger: Some(trig.into()),
            ..FunctionStats::default()
        };
        let fs = vec![
            f("a", 10, "http"),
            f("b", 50, "timer"),
            f("c", 30, "http"),
            f("d", 0, "http"),
            f("e", 40, "http"),
        ];
        let names = |sel: Select| -> Vec<String> {
            select(&fs, Some(&sel))
                .unwrap()
                .iter()
                .map(|f| f.name.clone())
                .collect()
        };
        let all = Select::default();
        assert_eq!(names(all.clone()), ["a", "b", "c", "e"]);
        let http_top2 = Select {
            triggers: vec!["http".into()],
            top: Some(2),
            ..all.clone()
        };
        assert_eq!(names(http_top2), ["c", "e"]);
        // The most invoked half of the four invoked functions.
        let top_half = Select {
            popularity: Some((0.5, 1.0)),
            ..all.clone()
        };
        assert_eq!(names(top_half), ["b", "e"]);
        let missing = Select {
            ids: vec!["zz".into()],
            ..all
        };
        assert!(select(&fs, Some(&missing)).unwrap_err().contains("zz"));
    }
}
