//! The `[[workflows]]` table: AWS Step Functions state machines ([`Workflow`]) whose Task states
//! invoke the scenario's functions, tables and dependencies, given as Amazon States Language —
//! inline (the ASL document as a TOML table) or in a file the user deploys
//! (`definition = "order.asl.json"`) — with what ASL leaves to the data: the probabilities of a
//! `Choice`'s rules, the item count of a `Map`, the error a function raises. The definition
//! itself is compiled by `asl.rs`. Sources of the defaults: docs/sources.md.

use super::{Scenario, bad_name, err};
use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A Step Functions state machine.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    pub name: String,
    /// `"standard"` (the default: exactly once, priced per state transition) or `"express"`
    /// (at least once, priced per execution and by duration × memory, at most 5 minutes).
    #[serde(default, rename = "type")]
    pub kind: WorkflowType,
    /// The Amazon States Language definition: a file name (JSON, as deployed), or the document
    /// itself as a table (`StartAt`, `States`, …).
    pub definition: Definition,
    /// A `Choice` state's rules, by state name: the probability that each rule (in order)
    /// matches; the rest of the time the state goes to its `Default`. faasim does not model the
    /// execution's data.
    #[serde(default)]
    pub choices: BTreeMap<String, Vec<f64>>,
    /// A `Map` state's number of items, by state name (default 1).
    #[serde(default)]
    pub items: BTreeMap<String, u32>,
    /// A Task state's target, by state name: a function, table or dependency of the scenario
    /// (for a resource faasim cannot read, such as an HTTP task).
    #[serde(default)]
    pub resources: BTreeMap<String, String>,
    /// The error name a function raises when it fails with a function error, by Task state
    /// name (default `"Error"`), for `ErrorEquals`.
    #[serde(default)]
    pub error_names: BTreeMap<String, String>,
    /// A DynamoDB task's item size in KB (default 1).
    #[serde(default = "one_kb")]
    pub item_kb: f64,
    /// Time Step Functions takes for each state transition (an assumption: AWS publishes none;
    /// default 0).
    #[serde(default)]
    pub transition_latency: Nanos,
    /// Express: the memory an execution is billed for, in MB (an assumption, default 64: the
    /// smallest billed step, S65).
    #[serde(default = "default_memory")]
    pub memory_mb: u32,
    /// Standard: USD per state transition (S65: $0.025 per 1,000, us-east-1).
    #[serde(default = "transition_price")]
    pub transition_price: f64,
    /// Express: USD per million executions (S65: $1.00) and per GB-second (S65: the first tier,
    /// $0.00001667).
    #[serde(default = "express_request_price")]
    pub express_request_price: f64,
    #[serde(default = "express_gb_second_price")]
    pub express_gb_second_price: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum WorkflowType {
    #[default]
    Standard,
    Express,
}

/// An ASL definition: a file to read, or the document inline.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Definition {
    File(String),
    Inline(serde_json::Map<String, serde_json::Value>),
}

fn one_kb() -> f64 {
    1.0
}
fn default_memory() -> u32 {
    64
}
fn transition_price() -> f64 {
    0.000_025
}
fn express_request_price() -> f64 {
    1.0
}
fn express_gb_second_price() -> f64 {
    0.000_016_67
}

/// The longest execution of each type (S64): a year for Standard, 5 minutes for Express.
pub const STANDARD_MAX: Nanos = Nanos(365 * 86_400 * 1_000_000_000);
pub const EXPRESS_MAX: Nanos = Nanos(300 * 1_000_000_000);

/// Checks every workflow's own keys, and compiles the inline definitions (a definition in a
/// file is compiled when the run is built, where files are read).
pub(super) fn check_workflows(s: &Scenario) -> Result<(), ConfigError> {
    for (i, w) in s.workflows.iter().enumerate() {
        let key = format!("workflows.{}", w.name);
        if bad_name(&w.name) {
            return err(
                format!("workflows.{i}.name"),
                "must be a non-empty name without '.', ',', '\"' or newlines",
            );
        }
        if s.workflows[..i].iter().any(|x| x.name == w.name) {
            return err(format!("{key}.name"), "is used by another workflow");
        }
        for (k, p) in w.choices.iter() {
            let mut sum = 0.0;
            for (j, x) in p.iter().enumerate() {
                if !(x.is_finite() && (0.0..=1.0).contains(x)) {
                    return err(format!("{key}.choices.{k}.{j}"), "must be from 0 to 1");
                }
                sum += x;
            }
            if sum > 1.0 + 1e-9 {
                return err(
                    format!("{key}.choices.{k}"),
                    format!("the probabilities add up to {sum}, more than 1"),
                );
            }
        }
        for (k, n) in w.items.iter() {
            if *n > MAX_ITEMS {
                return err(
                    format!("{key}.items.{k}"),
                    format!("must be at most {MAX_ITEMS} (an inline Map's items)"),
                );
            }
        }
        for (k, t) in w.resources.iter() {
            if s.call_target(t).is_none() {
                return err(
                    format!("{key}.resources.{k}"),
                    format!("\"{t}\" is not a function, table or dependency of the scenario"),
                );
            }
        }
        if !(w.item_kb.is_finite() && w.item_kb > 0.0 && w.item_kb <= 400.0) {
            return err(
                format!("{key}.item_kb"),
                "must be above 0 and at most 400 (DynamoDB's item size limit)",
            );
        }
        if w.memory_mb == 0 || w.memory_mb > 10_240 {
            return err(format!("{key}.memory_mb"), "must be from 1 to 10240");
        }
        if w.transition_latency > Nanos::from_secs(3600) {
            return err(format!("{key}.transition_latency"), "must be at most 1h");
        }
        for (field, v) in [
            ("transition_price", w.transition_price),
            ("express_request_price", w.express_request_price),
            ("express_gb_second_price", w.express_gb_second_price),
        ] {
            if !(v.is_finite() && (0.0..=1e6).contains(&v)) {
                return err(format!("{key}.{field}"), "must be from 0 to 1e6");
            }
        }
        if let Definition::Inline(doc) = &w.definition {
            super::asl::compile(doc, w, s)
                .map_err(|m| ConfigError {
                    key: format!("{key}.definition"),
                    message: m,
                })
                .map(|_| ())?;
        }
    }
    Ok(())
}

/// The most items of one `Map` state's run.
pub const MAX_ITEMS: u32 = 1_000_000;
