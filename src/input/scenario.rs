//! Reading scenario files: TOML text → `--set` overrides → typed `Scenario` → validation.
//! Every error names the file and the key (and the line and column where the text is at fault).

use crate::input::parse::{LoadError, from_value, parse_toml, read_text, toml_error};
use crate::input::set::apply_set;
use crate::input::trace_functions::add_trace_functions;
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
    /// The invocations the traces that make functions may hold together (`--max-events`).
    pub max_events: u64,
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
            max_events: sim_core::sim::limits::DEFAULT_MAX_EVENTS,
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
        let mut interval_given = has_sample_interval(&self.table);
        let mut scenario: Scenario = if sets.is_empty() && !expand && !skip_bad_rows {
            parse_toml(&self.text, file)?
        } else {
            let mut table = self.table.clone();
            for s in sets {
                apply_set(&mut table, s).map_err(|m| LoadError(format!("--set {s}: {m}")))?;
            }
            interval_given = has_sample_interval(&table);
            if skip_bad_rows {
                mark_skip_bad_rows(&mut table);
            }
            let label = if sets.is_empty() {
                file.clone()
            } else {
                format!("{file} (with --set)")
            };
            if needs_trace_functions(&table) {
                add_trace_functions(&mut table, &self.base_dir(), &label, self.max_events)?;
            } else {
                table.remove("function_defaults");
            }
            from_value(toml::Value::Table(table), &label)
                .map_err(|e| self.locate(e, &label, sets))?
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
        if !interval_given {
            let sim = &mut scenario.simulation;
            sim.sample_interval = sim_core::scenario::auto_sample_interval(sim.duration);
        }
        scenario
            .validate()
            .map_err(|e| LoadError(format!("{file}: {e}")))?;
        Ok(scenario)
    }
}

impl ScenarioFile {
    /// An error of the scenario with overrides (`label`: the file, with --set) told as
    /// precisely as it can be: with the file's line and column when the file alone gives it,
    /// else naming the `--set` that gave the key.
    fn locate(&self, e: LoadError, label: &str, sets: &[String]) -> LoadError {
        let Some(tail) = e.0.strip_prefix(label).map(|t| t.trim_start_matches(": ")) else {
            return e;
        };
        if let Err(orig) = parse_toml::<Scenario>(&self.text, &self.file)
            && orig.0.ends_with(tail)
        {
            return orig;
        }
        let key = tail
            .strip_prefix("key `")
            .and_then(|t| t.split('`').next())
            .unwrap_or("");
        for s in sets {
            let path = s.split('=').next().unwrap_or("");
            if !path.is_empty() && (key == path || key.starts_with(&format!("{path}."))) {
                return LoadError(format!(
                    "{}: --set {}: {tail}",
                    self.file,
                    sim_core::error::shorten(s)
                ));
            }
        }
        e
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
    max_events: u64,
) -> Result<Loaded, LoadError> {
    let mut file = ScenarioFile::read(path)?;
    file.max_events = max_events;
    Ok(Loaded {
        scenario: file.scenario(sets, seed, skip_bad_rows)?,
        base_dir: file.base_dir(),
    })
}

/// Whether the scenario chooses its sample interval (else it follows the run's length).
fn has_sample_interval(table: &toml::Table) -> bool {
    table
        .get("simulation")
        .and_then(toml::Value::as_table)
        .is_some_and(|t| t.contains_key("sample_interval"))
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
