//! The scenario: everything a run needs, as typed configuration (serde), and its validation.
//!
//! The text format (TOML) is read by the front end; this module holds the types so that other
//! front ends (bindings, a web page) can build or deserialize the same scenario. Key names follow
//! the scenario reference in `docs/scenario-reference.md`.
//!
//! One file per table, each with its types and its check (errors name the key as `--set` writes
//! it): `settings` (`[simulation]`), `account`, `pricing`, `function` (`[[functions]]` and their
//! Lambda keys), `asg` (a function's `[asg]` table), `workload` (`[[workloads]]`, async and SQS
//! invocation), `arrivals` (a workload's `arrivals`: generated processes and traces), `retry`
//! (`[[retry_policies]]`), `incident` (`[[incidents]]`), `api` (`[[apis]]`: API Gateway), `calls` (a function's `calls`), `backends` (`[[tables]]`,
//! `[[dependencies]]`), `workflow` (`[[workflows]]`: Step Functions) with `asl` (their
//! Amazon States Language, compiled);
//! `references` checks what one table says about another.

pub use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

mod account;
mod alarm;
mod api;
mod arrivals;
mod asg;
pub mod asl;
mod backends;
mod calls;
mod compute;
mod function;
mod incident;
mod pricing;
mod references;
mod retry;
mod runtimes;
mod settings;
mod workflow;
mod workload;

pub use account::*;
pub use alarm::*;
pub use api::*;
pub use arrivals::*;
pub use asg::*;
pub use backends::*;
pub use calls::*;
pub use compute::*;
pub use function::*;
pub use incident::*;
pub use pricing::*;
pub use retry::*;
pub use runtimes::RUNTIMES;
pub use settings::*;
pub use workflow::*;
pub use workload::*;

/// Defaults shared by several tables: on, and one.
fn yes() -> bool {
    true
}
fn one_u32() -> u32 {
    1
}

use references::References;
use settings::{default_max_backlog, default_sample_interval, default_seed};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name used for the output folder and reports; the front end defaults it to the file stem.
    #[serde(default)]
    pub name: Option<String>,
    pub simulation: Settings,
    #[serde(default)]
    pub account: Account,
    #[serde(default)]
    pub pricing: Pricing,
    #[serde(default)]
    pub functions: Vec<Function>,
    #[serde(default)]
    pub workloads: Vec<Workload>,
    /// Named client retry policies that workloads refer to by `retry = "NAME"`.
    #[serde(default)]
    pub retry_policies: Vec<RetryPolicy>,
    /// Scheduled incidents: time windows in which functions fail more, slow down or lose capacity.
    #[serde(default)]
    pub incidents: Vec<Incident>,
    /// API Gateway APIs that workloads may send through (`api = "NAME"`).
    #[serde(default)]
    pub apis: Vec<Api>,
    /// DynamoDB tables that functions call.
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Generic dependencies (a database, a third-party API) that functions call.
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// Step Functions state machines that workloads start (`workflow = "NAME"`).
    #[serde(default)]
    pub workflows: Vec<Workflow>,
    /// CloudWatch alarms on the run's metrics.
    #[serde(default)]
    pub alarms: Vec<Alarm>,
}

impl Scenario {
    /// A scenario of `duration` with every optional section at its default.
    pub fn new(duration: Nanos, functions: Vec<Function>, workloads: Vec<Workload>) -> Scenario {
        Scenario {
            name: None,
            simulation: Settings {
                duration,
                warmup: Nanos::ZERO,
                seed: default_seed(),
                sample_interval: default_sample_interval(),
                max_backlog: default_max_backlog(),
            },
            account: Account::default(),
            pricing: Pricing::default(),
            functions,
            workloads,
            retry_policies: Vec::new(),
            incidents: Vec::new(),
            apis: Vec::new(),
            tables: Vec::new(),
            dependencies: Vec::new(),
            workflows: Vec::new(),
            alarms: Vec::new(),
        }
    }

    /// Checks every value that deserialization cannot: ranges, references between sections,
    /// uniqueness. Errors name the key as `--set` addresses it (`functions.api.memory_mb`).
    ///
    /// The tables are checked in order, each entry by its own check; the first error is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.simulation.check()?;
        self.account.check()?;
        self.pricing.check()?;
        function::check_functions(&self.functions)?;
        references::check_reservations(&self.account, &self.functions)?;
        api::check_apis(&self.apis, &self.functions)?;
        retry::check_retry_policies(&self.retry_policies)?;
        backends::check_backends(&self.tables, &self.dependencies, &self.functions)?;
        calls::check_calls(self)?;
        workflow::check_workflows(self)?;
        alarm::check_alarms(self)?;
        let refs = References::of(self);
        workload::check_workloads(&self.workloads, &refs)?;
        incident::check_incidents(&self.incidents, &refs)
    }
}

fn err<T>(key: impl Into<String>, message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError {
        key: key.into(),
        message: message.into(),
    })
}

/// Whether a name given to a table entry cannot be a `--set` key segment: empty, or with a '.',
/// ',', '"' or newline.
fn bad_name(name: &str) -> bool {
    name.trim().is_empty() || name.contains(['.', ',', '"', '\n'])
}

/// A check's error below a table entry: the field named (`memory_mb`) and the message.
type FieldError = (&'static str, String);

/// Checks a distribution given at `key`; an error about one of its parameters names it below
/// the key (`functions.api.duration.sigma`).
fn check_dist(spec: &crate::dist::DistSpec, key: &str) -> Result<(), ConfigError> {
    if let Err(m) = spec.check() {
        let (param, msg) = m.split_once(": ").unwrap_or(("", &m));
        let param = if param.is_empty() {
            String::new()
        } else {
            format!(".{param}")
        };
        return err(format!("{key}{param}"), msg.to_string());
    }
    Ok(())
}
