//! Reading scenario files: TOML text → `--set` overrides → typed `Scenario` → validation.
//! Every error names the file and the key (and the line and column where the text is at fault).

use super::{LoadError, from_value, parse_toml, read_text, toml_error};
use sim_core::Scenario;
use std::path::{Path, PathBuf};

/// A scenario read from a file, with the folder its relative paths start from.
pub struct Loaded {
    pub scenario: Scenario,
    pub base_dir: PathBuf,
}

/// A scenario file read and parsed once, from which scenarios with different overrides are made
/// (a sweep's configurations).
pub struct ScenarioFile {
    path: PathBuf,
    file: String,
    text: String,
    table: toml::Table,
}

impl ScenarioFile {
    pub fn read(path: &Path) -> Result<ScenarioFile, LoadError> {
        let text = read_text(path)?;
        let file = path.display().to_string();
        let table = toml::from_str(&text).map_err(|e| toml_error(&file, &text, &e, ""))?;
        Ok(ScenarioFile {
            path: path.to_path_buf(),
            file,
            text,
            table,
        })
    }

    /// The folder the scenario's relative paths start from.
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// The validated scenario with `--set PATH=VALUE` overrides applied and the functions of
    /// traces that name them created. `skip_bad_rows` makes every trace skip (and count) bad
    /// rows.
    pub fn scenario(
        &self,
        sets: &[String],
        seed: Option<u64>,
        skip_bad_rows: bool,
    ) -> Result<Scenario, LoadError> {
        let file = &self.file;
        let expand = needs_trace_functions(&self.table);
        let mut scenario: Scenario = if sets.is_empty() && !expand && !skip_bad_rows {
            parse_toml(&self.text, file)?
        } else {
            let mut table = self.table.clone();
            for s in sets {
                apply_set(&mut table, s).map_err(|m| LoadError(format!("--set {s}: {m}")))?;
            }
            if skip_bad_rows {
                mark_skip_bad_rows(&mut table);
            }
            let label = if sets.is_empty() {
                file.clone()
            } else {
                format!("{file} (with --set)")
            };
            if needs_trace_functions(&table) {
                super::traces::add_trace_functions(&mut table, &self.base_dir(), &label)?;
            } else {
                table.remove("function_defaults");
            }
            from_value(toml::Value::Table(table), &label)?
        };
        if scenario.name.is_none() {
            let stem = self
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".into());
            scenario.name = Some(stem);
        }
        if let Some(seed) = seed {
            scenario.simulation.seed = seed;
        }
        scenario
            .validate()
            .map_err(|e| LoadError(format!("{file}: {e}")))?;
        Ok(scenario)
    }
}

/// Loads and validates a scenario file, applying `--set PATH=VALUE` overrides and creating the
/// functions of traces that name them. `skip_bad_rows` makes every trace skip (and count) bad
/// rows.
pub fn load_scenario(
    path: &Path,
    sets: &[String],
    seed: Option<u64>,
    skip_bad_rows: bool,
) -> Result<Loaded, LoadError> {
    let file = ScenarioFile::read(path)?;
    Ok(Loaded {
        scenario: file.scenario(sets, seed, skip_bad_rows)?,
        base_dir: file.base_dir(),
    })
}

/// Whether a workload replays a trace without naming a function (or function defaults are
/// given, which only such workloads use).
fn needs_trace_functions(table: &toml::Table) -> bool {
    table.contains_key("function_defaults")
        || workloads(table).any(|w| {
            w.get("function").is_none() && w.get("arrivals").and_then(|a| a.get("trace")).is_some()
        })
}

fn workloads(table: &toml::Table) -> impl Iterator<Item = &toml::Value> {
    table
        .get("workloads")
        .and_then(|w| w.as_array())
        .into_iter()
        .flatten()
}

/// Sets `skip_bad_rows = true` on every trace.
fn mark_skip_bad_rows(table: &mut toml::Table) {
    if let Some(toml::Value::Array(ws)) = table.get_mut("workloads") {
        for w in ws {
            if let Some(toml::Value::Table(a)) = w.get_mut("arrivals")
                && a.contains_key("trace")
            {
                a.insert("skip_bad_rows".into(), toml::Value::Boolean(true));
            }
        }
    }
}

/// Applies one `PATH=VALUE` override. PATH is dotted; an entry of an array of tables is
/// addressed by its index or by its `name` (for workloads, also by the function it invokes, if
/// only one workload invokes it). VALUE is read as a TOML value when it parses as one
/// (`1024`, `0.5`, `true`, `"x"`, `[1, 2]`), otherwise as a string (`2h`, `lru`).
pub fn apply_set(root: &mut toml::Table, set: &str) -> Result<(), String> {
    let (path, raw) = set
        .split_once('=')
        .ok_or("expected PATH=VALUE, e.g. functions.api.memory_mb=1024")?;
    let segs: Vec<&str> = path.trim().split('.').collect();
    set_path(root, &segs, parse_value(raw.trim()), "")
}

fn set_path(
    table: &mut toml::Table,
    segs: &[&str],
    value: toml::Value,
    walked: &str,
) -> Result<(), String> {
    let Some((seg, rest)) = segs.split_first() else {
        return Err("empty PATH".into());
    };
    if seg.is_empty() {
        return Err("the PATH has an empty segment".into());
    }
    let here = if walked.is_empty() {
        seg.to_string()
    } else {
        format!("{walked}.{seg}")
    };
    if rest.is_empty() {
        table.insert(seg.to_string(), value);
        return Ok(());
    }
    match table
        .entry(seg.to_string())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
    {
        toml::Value::Table(t) => set_path(t, rest, value, &here),
        toml::Value::Array(items) => {
            let (sel, rest) = rest.split_first().expect("rest is not empty");
            let idx = pick_entry(items, sel)
                .ok_or_else(|| format!("`{here}` has no entry with index or name \"{sel}\""))?;
            let here = format!("{here}.{sel}");
            if rest.is_empty() {
                items[idx] = value;
                return Ok(());
            }
            match &mut items[idx] {
                toml::Value::Table(t) => set_path(t, rest, value, &here),
                other => Err(format!("`{here}` is a {}, not a table", other.type_str())),
            }
        }
        other => Err(format!("`{here}` is a {}, not a table", other.type_str())),
    }
}

fn pick_entry(items: &[toml::Value], sel: &str) -> Option<usize> {
    if let Ok(i) = sel.parse::<usize>() {
        return (i < items.len()).then_some(i);
    }
    let by = |key: &str| -> Vec<usize> {
        items
            .iter()
            .enumerate()
            .filter(|(_, v)| v.get(key).and_then(|n| n.as_str()) == Some(sel))
            .map(|(i, _)| i)
            .collect()
    };
    let named = by("name");
    if named.len() == 1 {
        return Some(named[0]);
    }
    let by_fn = by("function");
    (by_fn.len() == 1).then(|| by_fn[0])
}

fn parse_value(raw: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::line_col;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn set_addresses_by_name_index_and_function() {
        let mut t = table(
            "[simulation]\nduration = \"1h\"\n[[functions]]\nname = \"api\"\nmemory_mb = 128\n[[workloads]]\nfunction = \"api\"\narrivals = { process = \"poisson\", rate = 1.0 }\n",
        );
        apply_set(&mut t, "functions.api.memory_mb=1024").unwrap();
        apply_set(&mut t, "simulation.duration=2h").unwrap();
        apply_set(&mut t, "workloads.0.arrivals.rate=50").unwrap();
        apply_set(&mut t, "workloads.api.invocation=sync").unwrap();
        apply_set(&mut t, "account.concurrency_limit=10").unwrap();
        assert_eq!(t["functions"][0]["memory_mb"].as_integer(), Some(1024));
        assert_eq!(t["simulation"]["duration"].as_str(), Some("2h"));
        assert_eq!(t["workloads"][0]["arrivals"]["rate"].as_integer(), Some(50));
        assert_eq!(t["workloads"][0]["invocation"].as_str(), Some("sync"));
        assert_eq!(t["account"]["concurrency_limit"].as_integer(), Some(10));
        assert!(
            apply_set(&mut t, "functions.nope.memory_mb=1")
                .unwrap_err()
                .contains("nope")
        );
        assert!(apply_set(&mut t, "functions.api.memory_mb").is_err());
        assert!(
            apply_set(&mut t, "simulation.duration.x=1")
                .unwrap_err()
                .contains("not a table")
        );
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("ab\ncd\nef", 4), (2, 2));
        assert_eq!(line_col("x", 0), (1, 1));
    }
}
