//! The `[[workloads]]` table: what invokes a function and how ([`Workload`], [`Invocation`]),
//! Lambda's async event queue ([`AsyncConfig`], [`OnFailure`]) and the SQS queue with its event
//! source mapping ([`SqsConfig`], [`SqsScaling`]), and their checks. A workload's `arrivals` are
//! in `arrivals.rs`.

use super::references::References;
use super::{Arrivals, FieldError, Process, TraceFormat, bad_name, err};
use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Invocation {
    #[default]
    Sync,
    Async,
    Sqs,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Optional label, so `--set workloads.<name>.…` can address it.
    #[serde(default)]
    pub name: Option<String>,
    /// The function this workload invokes. Empty (omitted) with a trace that names functions:
    /// each trace function invokes the scenario function of the same name.
    #[serde(default)]
    pub function: String,
    #[serde(default)]
    pub invocation: Invocation,
    pub arrivals: Arrivals,
    /// The client's retry policy (a `[[retry_policies]]` name); default: no retries.
    #[serde(default)]
    pub retry: Option<String>,
    /// Lambda's handling of asynchronous events (`invocation = "async"`).
    #[serde(default, rename = "async")]
    pub async_config: Option<AsyncConfig>,
    /// The SQS queue and its event source mapping (`invocation = "sqs"`).
    #[serde(default)]
    pub sqs: Option<SqsConfig>,
    /// The API Gateway API (an `[[apis]]` name) its requests go through, by the route that
    /// integrates its function; default: the function is invoked directly.
    #[serde(default)]
    pub api: Option<String>,
    /// The Step Functions workflow (a `[[workflows]]` name) each arrival starts an execution
    /// of, instead of invoking a function.
    #[serde(default)]
    pub workflow: Option<String>,
}

impl Workload {
    /// Synchronous Poisson arrivals at `rate` per second to `function`.
    pub fn poisson(function: &str, rate: f64) -> Workload {
        Workload {
            name: None,
            function: function.into(),
            invocation: Invocation::Sync,
            arrivals: Arrivals {
                process: Some(Process::Poisson),
                rate: Some(rate),
                ..Arrivals::default()
            },
            retry: None,
            async_config: None,
            sqs: None,
            api: None,
            workflow: None,
        }
    }
}

/// Asynchronous invocation: Lambda's internal event queue and its retries (docs/sources.md: S7).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AsyncConfig {
    /// Retries after a function error or timeout (AWS `MaximumRetryAttempts`, 0–2).
    #[serde(default = "a_retries")]
    pub max_retry_attempts: u32,
    /// An event older than this is not attempted again (AWS `MaximumEventAgeInSeconds`,
    /// 60 s–6 h).
    #[serde(default = "a_age")]
    pub max_event_age: Nanos,
    /// The wait before each retry after an error or timeout (AWS: about 1 and 2 minutes).
    #[serde(default = "a_delays")]
    pub retry_delays: Vec<Nanos>,
    /// Back-off after a throttle: doubling from `throttle_backoff_min` up to
    /// `throttle_backoff_max` (AWS: 1 s to 5 min).
    #[serde(default = "a_tmin")]
    pub throttle_backoff_min: Nanos,
    #[serde(default = "a_tmax")]
    pub throttle_backoff_max: Nanos,
    /// Where an event goes when its retries or its age run out.
    #[serde(default)]
    pub on_failure: OnFailure,
}

fn a_retries() -> u32 {
    2
}
fn a_age() -> Nanos {
    Nanos::from_secs(6 * 3600)
}
fn a_delays() -> Vec<Nanos> {
    vec![Nanos::from_secs(60), Nanos::from_secs(120)]
}
fn a_tmin() -> Nanos {
    Nanos::from_secs(1)
}
fn a_tmax() -> Nanos {
    Nanos::from_secs(300)
}

impl Default for AsyncConfig {
    fn default() -> Self {
        AsyncConfig {
            max_retry_attempts: a_retries(),
            max_event_age: a_age(),
            retry_delays: a_delays(),
            throttle_backoff_min: a_tmin(),
            throttle_backoff_max: a_tmax(),
            on_failure: OnFailure::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum OnFailure {
    /// A dead-letter queue or on-failure destination: the event ends `dead_lettered`.
    #[default]
    DeadLetter,
    /// No destination: the event is discarded and ends by its last failure (`failed`,
    /// `timed_out` or `throttled`).
    Discard,
}

/// An SQS standard queue feeding the function through an event source mapping
/// (docs/sources.md: S8, S9, S11).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SqsConfig {
    /// Messages per invocation (AWS default 10, at most 10,000).
    #[serde(default = "s_batch")]
    pub batch_size: u32,
    /// How long the poller gathers messages for a fuller batch (AWS `MaximumBatchingWindow`,
    /// 0–5 min).
    #[serde(default)]
    pub batching_window: Nanos,
    /// A received message is invisible for this long; if not deleted by then it is delivered
    /// again (SQS default 30 s; AWS recommends 6 × the function timeout).
    #[serde(default = "s_vis")]
    pub visibility_timeout: Nanos,
    /// Receives after which a message that failed again is moved to the dead-letter queue
    /// (redrive policy `maxReceiveCount`); without it, messages are retried until `retention`.
    #[serde(default)]
    pub max_receive_count: Option<u32>,
    /// Messages older than this are deleted by SQS (default 4 days, at most 14).
    #[serde(default = "s_retention")]
    pub retention: Nanos,
    /// `ReportBatchItemFailures`: only the failed messages of a batch return to the queue.
    #[serde(default)]
    pub report_batch_item_failures: bool,
    /// The event source mapping's `MaximumConcurrency` (2–1,000): concurrent batches at most.
    #[serde(default)]
    pub maximum_concurrency: Option<u32>,
    /// Poller scaling: "2023" (+300 concurrent batches per minute) or "legacy" (+60).
    #[serde(default)]
    pub scaling: SqsScaling,
    /// Fraction of messages that fail every time they are processed (poison messages).
    #[serde(default)]
    pub poison_probability: f64,
}

fn s_batch() -> u32 {
    10
}
fn s_vis() -> Nanos {
    Nanos::from_secs(30)
}
fn s_retention() -> Nanos {
    Nanos::from_secs(4 * 86_400)
}

impl Default for SqsConfig {
    fn default() -> Self {
        SqsConfig {
            batch_size: s_batch(),
            batching_window: Nanos::ZERO,
            visibility_timeout: s_vis(),
            max_receive_count: None,
            retention: s_retention(),
            report_batch_item_failures: false,
            maximum_concurrency: None,
            scaling: SqsScaling::default(),
            poison_probability: 0.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum SqsScaling {
    /// Since 2023-11-06: start at 5 concurrent batches, add up to 300 per minute.
    #[default]
    #[serde(rename = "2023")]
    Current,
    /// Before: add up to 60 per minute.
    #[serde(rename = "legacy")]
    Legacy,
}

/// Checks the `[[workloads]]` table: at least one entry, each entry's name and keys.
pub(super) fn check_workloads(
    workloads: &[Workload],
    refs: &References,
) -> Result<(), ConfigError> {
    if workloads.is_empty() {
        return err("workloads", "at least one [[workloads]] entry is required");
    }
    for (i, w) in workloads.iter().enumerate() {
        let wl = match &w.name {
            Some(n) => {
                if bad_name(n) {
                    return err(
                        format!("workloads.{i}.name"),
                        "must not be empty or contain '.', ',', '\"' or a newline",
                    );
                }
                n.clone()
            }
            None => i.to_string(),
        };
        w.check(&format!("workloads.{wl}"), refs)?;
    }
    Ok(())
}

impl Workload {
    /// Checks one workload, `key` naming it (`workloads.0`): the function it invokes, its
    /// invocation type with its async or SQS settings, its retry policy and its arrivals.
    pub(crate) fn check(&self, key: &str, refs: &References) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        if let Some(name) = &self.workflow {
            return self.check_starts(name, key, refs);
        }
        let from_trace = self.function.is_empty();
        if from_trace {
            let names_functions = match self.arrivals.format {
                Some(TraceFormat::Timestamps) => self.arrivals.function_column.is_some(),
                Some(TraceFormat::AwsLambdaLog) | None => false,
                Some(_) => true,
            };
            if self.arrivals.trace.is_none() || !names_functions {
                return err(
                    k("function"),
                    "required (it may be omitted only with a trace that names functions: azure2019, azure2021, huawei2023, or timestamps with `function_column`)",
                );
            }
            if self.invocation == Invocation::Sqs {
                return err(
                    k("invocation"),
                    "a trace of many functions is invoked \"sync\" or \"async\"",
                );
            }
        } else if self.arrivals.select.is_some() {
            return err(
                k("arrivals.select"),
                "selects the trace functions made into scenario functions: only without `function`",
            );
        }
        refs.check_workload_targets(self, key)?;
        if self.invocation != Invocation::Sync && self.retry.is_some() {
            return err(
                k("retry"),
                "client retry policies apply to sync invocation; async events are retried by Lambda (see `async`) and SQS messages by the queue (see `sqs`)",
            );
        }
        if self.async_config.is_some() && self.invocation != Invocation::Async {
            return err(k("async"), "only applies with `invocation = \"async\"`");
        }
        if self.sqs.is_some() && self.invocation != Invocation::Sqs {
            return err(k("sqs"), "only applies with `invocation = \"sqs\"`");
        }
        if let Some(a) = &self.async_config
            && let Err((field, msg)) = a.check()
        {
            return err(k(&format!("async.{field}")), msg);
        }
        if let Some(q) = &self.sqs
            && let Err((field, msg)) = q.check()
        {
            return err(k(&format!("sqs.{field}")), msg);
        }
        refs.check_sqs_visibility(self, key)?;
        self.arrivals.check(&k("arrivals"))
    }
}

impl Workload {
    /// Checks a workload that starts executions of workflow `name`.
    fn check_starts(&self, name: &str, key: &str, refs: &References) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        if !refs.workflows.iter().any(|w| w.name == name) {
            let names: Vec<&str> = refs.workflows.iter().map(|w| w.name.as_str()).collect();
            return err(
                k("workflow"),
                format!(
                    "no workflow named \"{name}\" (workflows: {})",
                    names.join(", ")
                ),
            );
        }
        for (field, given) in [
            ("function", !self.function.is_empty()),
            ("invocation", self.invocation != Invocation::Sync),
            ("retry", self.retry.is_some()),
            ("async", self.async_config.is_some()),
            ("sqs", self.sqs.is_some()),
            ("api", self.api.is_some()),
        ] {
            if given {
                return err(
                    k(field),
                    "does not apply to a workload that starts workflow executions (`workflow`)",
                );
            }
        }
        if self.arrivals.trace.is_some() {
            return err(
                k("arrivals.trace"),
                "a workload that starts workflow executions has generated arrivals (a process), not a trace",
            );
        }
        self.arrivals.check(&k("arrivals"))
    }
}

impl AsyncConfig {
    /// Checks the values given; the error names the field.
    pub fn check(&self) -> Result<(), FieldError> {
        if self.max_retry_attempts > 2 {
            return Err((
                "max_retry_attempts",
                format!("must be 0, 1 or 2, got {}", self.max_retry_attempts),
            ));
        }
        if !(Nanos::from_secs(60)..=Nanos::from_secs(21_600)).contains(&self.max_event_age) {
            return Err((
                "max_event_age",
                format!("must be between 1m and 6h, got {}", self.max_event_age),
            ));
        }
        if self.retry_delays.len() < self.max_retry_attempts as usize {
            return Err((
                "retry_delays",
                format!(
                    "needs one delay per retry ({}), got {}",
                    self.max_retry_attempts,
                    self.retry_delays.len()
                ),
            ));
        }
        if self.throttle_backoff_min.0 == 0 {
            return Err(("throttle_backoff_min", "must be greater than 0".into()));
        }
        if self.throttle_backoff_max < self.throttle_backoff_min {
            return Err((
                "throttle_backoff_max",
                format!(
                    "must be at least throttle_backoff_min ({}), got {}",
                    self.throttle_backoff_min, self.throttle_backoff_max
                ),
            ));
        }
        Ok(())
    }
}

impl SqsConfig {
    /// Checks the values given; the error names the field.
    pub fn check(&self) -> Result<(), FieldError> {
        if !(1..=10_000).contains(&self.batch_size) {
            return Err((
                "batch_size",
                format!("must be between 1 and 10000, got {}", self.batch_size),
            ));
        }
        if self.batching_window > Nanos::from_secs(300) {
            return Err((
                "batching_window",
                format!("must be at most 5m, got {}", self.batching_window),
            ));
        }
        if self.visibility_timeout.0 == 0 || self.visibility_timeout > Nanos::from_secs(43_200) {
            return Err((
                "visibility_timeout",
                format!(
                    "must be greater than 0 and at most 12h, got {}",
                    self.visibility_timeout
                ),
            ));
        }
        if let Some(n) = self.max_receive_count
            && !(1..=1000).contains(&n)
        {
            return Err((
                "max_receive_count",
                format!("must be between 1 and 1000, got {n}"),
            ));
        }
        if !(Nanos::from_secs(60)..=Nanos::from_secs(14 * 86_400)).contains(&self.retention) {
            return Err((
                "retention",
                format!("must be between 1m and 14d, got {}", self.retention),
            ));
        }
        if let Some(n) = self.maximum_concurrency
            && !(2..=1000).contains(&n)
        {
            return Err((
                "maximum_concurrency",
                format!("must be between 2 and 1000, got {n}"),
            ));
        }
        if !(0.0..=1.0).contains(&self.poison_probability) {
            return Err((
                "poison_probability",
                format!("must be between 0 and 1, got {}", self.poison_probability),
            ));
        }
        Ok(())
    }
}
