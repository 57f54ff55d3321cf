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
                add_trace_functions(&mut table, &self.base_dir(), &label)?;
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
