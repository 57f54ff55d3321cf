//! Functions made from a trace's own statistics, for workloads that replay a trace without
//! naming a function: `add_trace_functions` (memory and durations from the trace, the rest from
//! `function_defaults`) and `select` (the trace functions a workload keeps).

use crate::input::files::FsResources;
use crate::input::parse::{LoadError, from_value};
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
    max_events: u64,
) -> Result<(), LoadError> {
    // The traces are read through before the run: together, at most `max_events` invocations.
    let mut left = max_events;
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
        // The arrivals' own keys are checked before the trace is read.
        a.check(&format!("workloads.{label}.arrivals"))
            .map_err(|e| LoadError(format!("{file}: {e}")))?;
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
        let shown = res.display(&path);
        let stats = TraceStats::scan_at_most(&mut replay, left, &shown).map_err(|e| {
            if left < max_events && e == sim_core::trace::too_many(&shown, left) {
                LoadError(format!(
                    "{shown}: the traces read before the run (to make their functions) hold more than {} invocations together, more than --max-events allows; replay windows of them (`start`, `end`), or allow more with --max-events",
                    sim_core::sim::limits::approx(max_events as f64)
                ))
            } else {
                input(e)
            }
        })?;
        left -= stats.invocations;
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
        add_trace_functions(&mut table, root, "t.toml", u64::MAX).unwrap();
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
