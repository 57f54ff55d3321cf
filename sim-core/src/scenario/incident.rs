//! The `[[incidents]]` table: scheduled windows of extra errors, slowness or lost capacity
//! ([`Incident`]), and its check.

use super::references::References;
use super::{bad_name, err};
use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// A scheduled incident: between `start` and `end`, the listed functions, dependencies and
/// tables see its effects (every function if none of them is listed).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Incident {
    #[serde(default)]
    pub name: Option<String>,
    pub start: Nanos,
    pub end: Nanos,
    #[serde(default)]
    pub functions: Vec<String>,
    /// Dependencies it affects: their calls fail with `error_probability` and their latency
    /// is multiplied by `latency_multiplier` plus `added_latency`; `capacity_lost` takes that
    /// fraction of their concurrency.
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Tables it affects, as dependencies (their capacity is not changed).
    #[serde(default)]
    pub tables: Vec<String>,
    /// Extra probability that an attempt ends in an error (a failing dependency).
    #[serde(default)]
    pub error_probability: f64,
    /// Extra probability that an invocation fails with a Lambda service error (HTTP 5xx) before
    /// the function runs.
    #[serde(default)]
    pub service_error_probability: f64,
    /// Execution times are multiplied by this (a slow dependency).
    #[serde(default = "one")]
    pub latency_multiplier: f64,
    /// Added to every execution time (a slow dependency).
    #[serde(default)]
    pub added_latency: Nanos,
    /// Fraction of capacity lost (a zone outage): that fraction of the environments alive at the
    /// start is lost, in-flight requests on them failing, and the concurrency available to the
    /// functions shrinks by it until the end.
    #[serde(default)]
    pub capacity_lost: f64,
}

fn one() -> f64 {
    1.0
}

/// Checks the `[[incidents]]` table: each entry's name and keys.
pub(super) fn check_incidents(
    incidents: &[Incident],
    refs: &References,
) -> Result<(), ConfigError> {
    for (i, inc) in incidents.iter().enumerate() {
        let name = match &inc.name {
            Some(n) if !bad_name(n) => n.clone(),
            Some(_) => {
                return err(
                    format!("incidents.{i}.name"),
                    "must not be empty or contain '.', ',', '\"' or a newline",
                );
            }
            None => i.to_string(),
        };
        inc.check(&format!("incidents.{name}"), refs)?;
    }
    Ok(())
}

impl Incident {
    /// Checks one incident, `key` naming it (`incidents.outage`): its window, its functions and
    /// the size of its effects.
    pub(crate) fn check(&self, key: &str, refs: &References) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        if self.end <= self.start {
            return err(
                k("end"),
                format!("must be after start ({}), got {}", self.start, self.end),
            );
        }
        refs.check_function_names(&self.functions, &k("functions"))?;
        refs.check_backend_names(&self.dependencies, &self.tables, key)?;
        for (field, v) in [
            ("error_probability", self.error_probability),
            ("service_error_probability", self.service_error_probability),
            ("capacity_lost", self.capacity_lost),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return err(k(field), format!("must be between 0 and 1, got {v}"));
            }
        }
        if !(self.latency_multiplier.is_finite()
            && self.latency_multiplier > 0.0
            && self.latency_multiplier <= 1000.0)
        {
            return err(
                k("latency_multiplier"),
                format!(
                    "must be greater than 0 and at most 1000, got {}",
                    self.latency_multiplier
                ),
            );
        }
        Ok(())
    }
}

impl Incident {
    /// Whether it affects function `name`: listed, or none of functions, dependencies and
    /// tables is listed.
    pub fn covers_function(&self, name: &str) -> bool {
        if self.functions.is_empty() {
            self.dependencies.is_empty() && self.tables.is_empty()
        } else {
            self.functions.iter().any(|f| f == name)
        }
    }
}
