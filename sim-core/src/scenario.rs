//! The scenario: everything a run needs, as typed configuration (serde), and its validation.
//!
//! The text format (TOML) is read by the front end; this module holds the types so that other
//! front ends (bindings, a web page) can build or deserialize the same scenario. Key names follow
//! the scenario reference in `docs/scenario-reference.md`.

use crate::dist::DistSpec;
pub use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

mod asg;
pub use asg::*;

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
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Simulated time.
    pub duration: Nanos,
    /// Requests arriving before this run but are not measured.
    #[serde(default)]
    pub warmup: Nanos,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Resolution of the time series.
    #[serde(default = "default_sample_interval")]
    pub sample_interval: Nanos,
}

fn default_seed() -> u64 {
    1
}
fn default_sample_interval() -> Nanos {
    Nanos::from_secs(60)
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Regional concurrency quota shared by all functions (AWS default 1,000).
    #[serde(default = "default_concurrency_limit")]
    pub concurrency_limit: u32,
    /// Concurrency that reserved concurrency may never take from the shared pool (AWS: 100).
    #[serde(default = "default_unreserved_minimum")]
    pub unreserved_minimum: u32,
    /// How fast functions may add execution environments: "2023" (each function 1,000 per
    /// 10 s), "legacy" (an account-wide burst by region, then 500 per minute) or "unlimited".
    #[serde(default)]
    pub scaling: ScalingRule,
    /// The Region, for the legacy rule's initial burst (3,000 / 1,000 / 500).
    #[serde(default = "default_region")]
    pub region: String,
    /// The legacy rule's initial burst; default: the Region's.
    #[serde(default)]
    pub burst: Option<u32>,
    /// Enforce the requests-per-second limit of 10 × concurrency (account, and functions with
    /// reserved concurrency).
    #[serde(default = "yes")]
    pub rps_limit: bool,
    /// How provisioned concurrency is allocated: "current" (after the delay, at each function's
    /// `provisioned_allocation_rate`) or "legacy" (until 2022: the Region's burst at once, then
    /// 500 per minute).
    #[serde(default)]
    pub provisioned_allocation: AllocationRule,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum AllocationRule {
    #[default]
    Current,
    Legacy,
}

/// Lambda's rule for adding execution environments (PLATFORM.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ScalingRule {
    /// Since 2023-11-27: each function adds up to 1,000 environments every 10 s, refilled
    /// continuously, unused rate not accrued.
    #[default]
    #[serde(rename = "2023")]
    Current,
    /// Until November 2023: an account-wide initial burst (by Region), then 500 more per minute
    /// shared by all functions.
    #[serde(rename = "legacy")]
    Legacy,
    /// No limit on the rate of scale-out (for teaching and comparison).
    #[serde(rename = "unlimited")]
    Unlimited,
}

/// `"2023"`, `"legacy"` or `"unlimited"`; the bare number 2023 is taken too (as `--set
/// account.scaling=2023` gives it).
impl<'de> Deserialize<'de> for ScalingRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ScalingRule, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ScalingRule;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"2023\", \"legacy\" or \"unlimited\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ScalingRule, E> {
                match v {
                    "2023" => Ok(ScalingRule::Current),
                    "legacy" => Ok(ScalingRule::Legacy),
                    "unlimited" => Ok(ScalingRule::Unlimited),
                    _ => Err(E::unknown_variant(v, &["2023", "legacy", "unlimited"])),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ScalingRule, E> {
                if v == 2023 {
                    Ok(ScalingRule::Current)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self))
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ScalingRule, E> {
                self.visit_i64(v as i64)
            }
        }
        d.deserialize_any(V)
    }
}

impl ScalingRule {
    /// The legacy initial burst of `region` (PLATFORM.md §1, S3).
    pub fn legacy_burst(region: &str) -> u32 {
        match region {
            "us-east-1" | "us-west-2" | "eu-west-1" => 3000,
            "ap-northeast-1" | "eu-central-1" | "us-east-2" => 1000,
            _ => 500,
        }
    }
}

fn default_region() -> String {
    "us-east-1".into()
}
fn yes() -> bool {
    true
}

fn default_concurrency_limit() -> u32 {
    1000
}
fn default_unreserved_minimum() -> u32 {
    100
}

impl Default for Account {
    fn default() -> Self {
        Account {
            concurrency_limit: default_concurrency_limit(),
            unreserved_minimum: default_unreserved_minimum(),
            scaling: ScalingRule::default(),
            region: default_region(),
            burst: None,
            rps_limit: true,
            provisioned_allocation: AllocationRule::default(),
        }
    }
}

/// Prices in USD (us-east-1 defaults, see docs/model.md for sources).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    #[serde(default = "p_requests")]
    pub requests_per_million: f64,
    #[serde(default = "p_x86")]
    pub x86_gb_second: f64,
    #[serde(default = "p_arm")]
    pub arm64_gb_second: f64,
    /// Provisioned concurrency: per GB-s configured, and per GB-s executed on it.
    #[serde(default = "p_pc_x86")]
    pub provisioned_x86_gb_second: f64,
    #[serde(default = "p_pc_arm")]
    pub provisioned_arm64_gb_second: f64,
    #[serde(default = "p_pc_exec_x86")]
    pub provisioned_x86_execution_gb_second: f64,
    #[serde(default = "p_pc_exec_arm")]
    pub provisioned_arm64_execution_gb_second: f64,
}

fn p_pc_x86() -> f64 {
    0.000_004_166_7
}
fn p_pc_arm() -> f64 {
    0.000_003_333_4
}
fn p_pc_exec_x86() -> f64 {
    0.000_009_722_2
}
fn p_pc_exec_arm() -> f64 {
    0.000_007_777_8
}

fn p_requests() -> f64 {
    0.20
}
fn p_x86() -> f64 {
    0.000_016_666_7
}
fn p_arm() -> f64 {
    0.000_013_333_4
}

impl Default for Pricing {
    fn default() -> Self {
        Pricing {
            requests_per_million: p_requests(),
            x86_gb_second: p_x86(),
            arm64_gb_second: p_arm(),
            provisioned_x86_gb_second: p_pc_x86(),
            provisioned_arm64_gb_second: p_pc_arm(),
            provisioned_x86_execution_gb_second: p_pc_exec_x86(),
            provisioned_arm64_execution_gb_second: p_pc_exec_arm(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Reuse {
    /// Most recently used idle instance first (concentrates load; lets surplus instances expire).
    #[default]
    Mru,
    /// Least recently used first (spreads load; keeps every instance warm).
    Lru,
    /// A uniformly random idle instance.
    Random,
    /// The most recently created idle instance.
    Newest,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Architecture {
    #[default]
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Function {
    pub name: String,
    #[serde(default = "default_memory")]
    pub memory_mb: u32,
    #[serde(default = "default_timeout")]
    pub timeout: Nanos,
    /// Warm execution time.
    pub duration: DistSpec,
    /// Init time of a new instance.
    #[serde(default = "zero_dist")]
    pub cold_start: DistSpec,
    #[serde(default = "default_keep_alive")]
    pub keep_alive: Nanos,
    /// How long idle environments are kept: "fixed" (`keep_alive`), "random" (an idle time drawn
    /// from `idle_ttl` each time), "hybrid" (the hybrid histogram policy) or "none" (scale to
    /// zero at once).
    #[serde(default)]
    pub keep_alive_policy: KeepAlivePolicy,
    /// The idle-time distribution of the "random" policy (default uniform 10–45 min).
    #[serde(default)]
    pub idle_ttl: Option<DistSpec>,
    /// Parameters of the "hybrid" policy.
    #[serde(default)]
    pub hybrid: Option<HybridConfig>,
    /// Environments are retired when they finish a request after living this long (AWS: "every
    /// few hours", about 2 h measured). Set a very long one (e.g. "1000d") for none.
    #[serde(default = "default_max_lifetime")]
    pub max_lifetime: Nanos,
    #[serde(default)]
    pub reuse: Reuse,
    #[serde(default)]
    pub architecture: Architecture,
    /// The function's own concurrency partition: a floor kept for it and its ceiling.
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    /// Environments initialized ahead of time and kept ready (used first; requests beyond
    /// them spill over to on-demand environments).
    #[serde(default)]
    pub provisioned_concurrency: u32,
    /// Time from configuring provisioned concurrency until allocation starts (AWS: "a minute or
    /// two"); the environments then come at `provisioned_allocation_rate` per minute and are
    /// usable when all are allocated.
    #[serde(default = "pc_delay")]
    pub provisioned_allocation_delay: Nanos,
    #[serde(default = "pc_rate")]
    pub provisioned_allocation_rate: u32,
    /// Provisioned environments are re-initialized (init billed) after this long.
    #[serde(default = "pc_recycle")]
    pub provisioned_recycle: Nanos,
    /// Application Auto Scaling of the provisioned concurrency: target tracking on its
    /// utilization, and scheduled actions.
    #[serde(default)]
    pub provisioned_scaling: Option<PcScaling>,
    /// Probability that an attempt ends in a function error (after a uniformly drawn fraction of
    /// its execution time, which is billed).
    #[serde(default)]
    pub error_probability: f64,
    /// Probability that an invocation fails with a Lambda service error (HTTP 5xx) before the
    /// function runs: not billed, retried by SDKs and by Lambda's async queue.
    #[serde(default)]
    pub service_error_probability: f64,
    /// Probability that an init (a cold start or the re-init of a reset environment) fails with
    /// an error: the attempt fails after the init time and the environment is reset.
    #[serde(default)]
    pub init_failure_probability: f64,
    /// Longest init phase (AWS: 10 s). A longer init is stopped and run again inside the first
    /// invocation, where it counts against the function timeout.
    #[serde(default = "default_init_timeout")]
    pub init_timeout: Nanos,
    /// Mean time between crashes of an execution environment (exponential). A crash kills the
    /// request in flight (a function error) and resets the environment.
    #[serde(default)]
    pub mtbf: Option<Nanos>,
    /// Where the function runs: `lambda` (the default) or `asg`, an EC2 Auto Scaling group
    /// configured in `asg` (which a Lambda function may also have, unused: the group a
    /// comparison switches it to).
    #[serde(default)]
    pub platform: Platform,
    #[serde(default)]
    pub asg: Option<AsgConfig>,
}

impl Function {
    /// A function with every optional setting at its default.
    pub fn new(name: &str, duration: DistSpec) -> Function {
        Function {
            name: name.into(),
            memory_mb: default_memory(),
            timeout: default_timeout(),
            duration,
            cold_start: zero_dist(),
            keep_alive: default_keep_alive(),
            keep_alive_policy: KeepAlivePolicy::default(),
            idle_ttl: None,
            hybrid: None,
            max_lifetime: default_max_lifetime(),
            reuse: Reuse::default(),
            architecture: Architecture::default(),
            reserved_concurrency: None,
            provisioned_concurrency: 0,
            provisioned_allocation_delay: pc_delay(),
            provisioned_allocation_rate: pc_rate(),
            provisioned_recycle: pc_recycle(),
            provisioned_scaling: None,
            error_probability: 0.0,
            service_error_probability: 0.0,
            init_failure_probability: 0.0,
            init_timeout: default_init_timeout(),
            mtbf: None,
            platform: Platform::Lambda,
            asg: None,
        }
    }

    /// A function served by the Auto Scaling group `asg`.
    pub fn on_asg(name: &str, duration: DistSpec, asg: AsgConfig) -> Function {
        Function {
            platform: Platform::Asg,
            asg: Some(asg),
            ..Function::new(name, duration)
        }
    }
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
        }
    }
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
            },
            account: Account::default(),
            pricing: Pricing::default(),
            functions,
            workloads,
            retry_policies: Vec::new(),
            incidents: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum KeepAlivePolicy {
    #[default]
    Fixed,
    Random,
    Hybrid,
    None,
}

/// The hybrid histogram keep-alive policy (Shahrad et al., USENIX ATC 2020): per function, a
/// histogram of idle times; when it is representative, environments are unloaded after each
/// execution, pre-warmed at the head percentile of the idle times and kept until the tail one;
/// otherwise the fixed `keep_alive` applies.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct HybridConfig {
    /// Idle times tracked (4 h), in bins of `bin` (1 min).
    #[serde(default = "h_range")]
    pub range: Nanos,
    #[serde(default = "h_bin")]
    pub bin: Nanos,
    /// Percentiles of the pre-warm (head) and keep-alive (tail) windows.
    #[serde(default = "h_head")]
    pub head_percentile: f64,
    #[serde(default = "h_tail")]
    pub tail_percentile: f64,
    /// Safety margin: the pre-warm window shrinks and the keep-alive window grows by it.
    #[serde(default = "h_margin")]
    pub margin: f64,
    /// The histogram is representative with at least this many idle times and a coefficient of
    /// variation of its bin counts of at least `cv_threshold`.
    #[serde(default = "h_min")]
    pub min_samples: u32,
    #[serde(default = "h_cv")]
    pub cv_threshold: f64,
}

fn h_range() -> Nanos {
    Nanos::from_secs(4 * 3600)
}
fn h_bin() -> Nanos {
    Nanos::from_secs(60)
}
fn h_head() -> f64 {
    5.0
}
fn h_tail() -> f64 {
    99.0
}
fn h_margin() -> f64 {
    0.1
}
fn h_min() -> u32 {
    10
}
fn h_cv() -> f64 {
    2.0
}

impl Default for HybridConfig {
    fn default() -> Self {
        HybridConfig {
            range: h_range(),
            bin: h_bin(),
            head_percentile: h_head(),
            tail_percentile: h_tail(),
            margin: h_margin(),
            min_samples: h_min(),
            cv_threshold: h_cv(),
        }
    }
}

/// Target tracking on `ProvisionedConcurrencyUtilization` (PLATFORM.md §3): one datapoint per
/// `period`; after `scale_out_datapoints` datapoints in a row above `target` the provisioned
/// concurrency becomes ceil(current × utilization / target); after `scale_in_datapoints` in a row
/// below `scale_in_ratio × target` it scales in the same way; always within [min, max], which
/// scheduled actions change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PcScaling {
    pub target: f64,
    #[serde(default = "one_u32")]
    pub min: u32,
    pub max: u32,
    #[serde(default = "s_out")]
    pub scale_out_datapoints: u32,
    #[serde(default = "s_in")]
    pub scale_in_datapoints: u32,
    #[serde(default = "s_ratio")]
    pub scale_in_ratio: f64,
    #[serde(default = "s_period")]
    pub period: Nanos,
    /// Scheduled actions: at a time (repeating every `every`, if given), set min and max.
    #[serde(default)]
    pub schedule: Vec<ScheduledAction>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ScheduledAction {
    pub at: Nanos,
    #[serde(default)]
    pub every: Option<Nanos>,
    pub min: u32,
    pub max: u32,
}

fn one_u32() -> u32 {
    1
}
fn s_out() -> u32 {
    3
}
fn s_in() -> u32 {
    15
}
fn s_ratio() -> f64 {
    0.9
}
fn s_period() -> Nanos {
    Nanos::from_secs(60)
}

fn pc_delay() -> Nanos {
    Nanos::from_secs(90)
}
fn pc_rate() -> u32 {
    6000
}
fn pc_recycle() -> Nanos {
    Nanos::from_secs(2 * 3600)
}

fn default_max_lifetime() -> Nanos {
    Nanos::from_secs(2 * 3600)
}

fn default_init_timeout() -> Nanos {
    Nanos::from_secs(10)
}

fn default_memory() -> u32 {
    128
}
fn default_timeout() -> Nanos {
    Nanos::from_secs(3)
}
fn default_keep_alive() -> Nanos {
    Nanos::from_secs(600)
}
fn zero_dist() -> DistSpec {
    DistSpec::constant(Nanos::ZERO)
}

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
}

/// Asynchronous invocation: Lambda's internal event queue and its retries (PLATFORM.md §1, §4).
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

/// An SQS standard queue feeding the function through an event source mapping (PLATFORM.md
/// §1, §4).
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

/// A scheduled incident: between `start` and `end`, the listed functions (all if none are
/// listed) see its effects.
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

/// A client retry policy for synchronous invocations. `preset` fills every field that is not
/// given; without a preset the defaults are one attempt (no retries), 1 s base, 20 s cap, full
/// jitter, doubling, retrying throttles, errors and timeouts, and no retry quota.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    pub name: String,
    #[serde(default)]
    pub preset: Option<RetryPreset>,
    /// Attempts in all, the first included.
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Base delay: the n-th retry waits up to base × backoff_rate^(n−1), capped. `interval`
    /// (the Step Functions name) is accepted too.
    #[serde(default, alias = "interval")]
    pub base: Option<Nanos>,
    /// Base delay after a throttle (429); default: `base`.
    #[serde(default)]
    pub throttle_base: Option<Nanos>,
    #[serde(default)]
    pub cap: Option<Nanos>,
    #[serde(default)]
    pub backoff_rate: Option<f64>,
    #[serde(default)]
    pub jitter: Option<Jitter>,
    /// Which attempt outcomes are retried.
    #[serde(default)]
    pub retry_on: Option<Vec<RetryOn>>,
    /// A client-side retry token bucket (the AWS SDK's retry quota).
    #[serde(default)]
    pub quota: Option<RetryQuota>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RetryPreset {
    /// AWS SDK standard mode, current defaults (PLATFORM §4).
    AwsSdkStandard,
    /// AWS SDK standard mode before November 2026.
    AwsSdkStandardLegacy,
    /// An AWS Step Functions `Retry` field with its defaults: 3 retries (4 attempts) after
    /// 1 s, doubling, no jitter, every failure retried.
    StepFunctions,
    /// No retries.
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Jitter {
    /// Exactly the exponential delay.
    None,
    /// Uniform on [0, delay].
    Full,
    /// delay/2 plus uniform on [0, delay/2].
    Equal,
    /// Uniform on [base, 3 × previous delay], capped.
    Decorrelated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum RetryOn {
    Throttle,
    Error,
    Timeout,
    /// Lambda service errors (HTTP 5xx).
    #[serde(rename = "service_error")]
    ServiceError,
}

/// Token bucket: a retry spends `retry_cost` tokens (`timeout_cost` after a timeout,
/// `throttle_cost` after a throttle) and is not made when too few are left; a success returns
/// `success_refund`, up to `tokens`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RetryQuota {
    #[serde(default = "q_tokens")]
    pub tokens: u32,
    #[serde(default = "q_retry")]
    pub retry_cost: u32,
    #[serde(default)]
    pub throttle_cost: Option<u32>,
    #[serde(default = "q_timeout")]
    pub timeout_cost: u32,
    #[serde(default = "q_refund")]
    pub success_refund: u32,
}

fn q_tokens() -> u32 {
    500
}
fn q_retry() -> u32 {
    5
}
fn q_timeout() -> u32 {
    10
}
fn q_refund() -> u32 {
    1
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Process {
    Poisson,
    Constant,
    /// A Poisson process whose rate follows a daily (or any `period`) cosine from `trough` to
    /// `peak`, highest at `peak_at`.
    Diurnal,
    /// A Poisson process whose rate is linear between `points` (time, rate).
    Profile,
    /// A two-state Markov-modulated Poisson process: `rate` during bursts of mean length
    /// `burst`, `quiet_rate` during quiet spells of mean length `quiet`.
    Mmpp,
}

/// The rate multiplied by `factor` from `at` for `duration`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SpikeSpec {
    pub at: Nanos,
    pub duration: Nanos,
    pub factor: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TraceFormat {
    /// One arrival time per row (seconds by default); optional function and duration columns.
    #[serde(rename = "timestamps")]
    Timestamps,
    /// Azure Functions 2019: invocations per minute, one row per function.
    #[serde(rename = "azure2019")]
    Azure2019,
    /// Azure Functions 2021: `app,func,end_timestamp,duration`, one row per invocation.
    #[serde(rename = "azure2021")]
    Azure2021,
    /// Per-request AWS Lambda logs (`client_start_time`, `aws_duration`, `is_cold`).
    #[serde(rename = "aws-lambda-log")]
    AwsLambdaLog,
    /// Huawei Cloud 2023: `day,time,<one column per function>`, invocations per interval.
    #[serde(rename = "huawei2023")]
    Huawei2023,
}

impl TraceFormat {
    pub fn format(self) -> crate::trace::Format {
        use crate::trace::Format;
        match self {
            TraceFormat::Timestamps => Format::Timestamps,
            TraceFormat::Azure2019 => Format::Azure2019,
            TraceFormat::Azure2021 => Format::Azure2021,
            TraceFormat::AwsLambdaLog => Format::AwsLambdaLog,
            TraceFormat::Huawei2023 => Format::Huawei2023,
        }
    }
}

/// A trace column: a header name or a 0-based index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum ColumnSpec {
    Index(usize),
    Name(String),
}

impl ColumnSpec {
    pub fn column(&self) -> crate::trace::Column {
        match self {
            ColumnSpec::Index(i) => crate::trace::Column::Index(*i),
            ColumnSpec::Name(n) => crate::trace::Column::Name(n.clone()),
        }
    }
}

/// How the invocations counted in one interval are placed within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum SpreadSpec {
    /// Evenly spaced.
    Uniform,
    /// At independent uniform times (a Poisson process given its count).
    Poisson,
}

/// Where trace time 0 is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The trace's own zero.
    Zero,
    /// The first row's time (for absolute clock times such as Unix epochs).
    First,
}

/// Which functions of a trace become scenario functions (all when empty). The filters combine:
/// ids and triggers first, then the popularity range, then the top N.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Select {
    /// Only these trace function ids.
    #[serde(default)]
    pub ids: Vec<String>,
    /// Only functions with one of these triggers (azure2019: http, timer, queue, event, …).
    #[serde(default)]
    pub triggers: Vec<String>,
    /// Only the N most invoked functions.
    #[serde(default)]
    pub top: Option<usize>,
    /// Only functions whose popularity rank lies in this quantile range of invocation counts:
    /// [0.9, 1.0] is the most invoked tenth.
    #[serde(default)]
    pub popularity: Option<(f64, f64)>,
}

impl Select {
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
            && self.triggers.is_empty()
            && self.top.is_none()
            && self.popularity.is_none()
    }
}

/// Either a generated process (`process` and `rate`) or a trace (`trace` and `format`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Arrivals {
    #[serde(default)]
    pub process: Option<Process>,
    /// Requests per second.
    #[serde(default)]
    pub rate: Option<f64>,
    #[serde(default)]
    pub trace: Option<String>,
    #[serde(default)]
    pub format: Option<TraceFormat>,
    /// A generated process starts at this time (default: 0)…
    #[serde(default)]
    pub start: Option<Nanos>,
    /// …and stops at this one (default: the end of the simulation). Two workloads, one with a
    /// `start`, make a step in load.
    #[serde(default)]
    pub end: Option<Nanos>,
    /// `diurnal`: the highest and lowest rates (requests per second), the period (default 1d)
    /// and when in the period the peak comes (default half-way).
    #[serde(default)]
    pub peak: Option<f64>,
    #[serde(default)]
    pub trough: Option<f64>,
    #[serde(default)]
    pub period: Option<Nanos>,
    #[serde(default)]
    pub peak_at: Option<Nanos>,
    /// `profile`: (time, requests per second) points, times increasing.
    #[serde(default)]
    pub points: Vec<(Nanos, f64)>,
    /// `mmpp`: the rate between bursts (default 0) and the mean lengths of bursts and quiet
    /// spells (exponential).
    #[serde(default)]
    pub quiet_rate: Option<f64>,
    #[serde(default)]
    pub burst: Option<Nanos>,
    #[serde(default)]
    pub quiet: Option<Nanos>,
    /// Multiplications of the rate in time windows, on any process but `constant`.
    #[serde(default)]
    pub spikes: Vec<SpikeSpec>,
    /// Every rate of the process is multiplied by this (default 1).
    #[serde(default)]
    pub scale: Option<f64>,
    /// `profile`: the points from a CSV file of `time,rate` rows (seconds, requests per second).
    #[serde(default)]
    pub points_file: Option<String>,
    /// Traces (`timestamps`): the time column (default the first), an optional function column
    /// and an optional duration column, by header name or 0-based index; their units.
    #[serde(default)]
    pub time_column: Option<ColumnSpec>,
    #[serde(default)]
    pub function_column: Option<ColumnSpec>,
    #[serde(default)]
    pub duration_column: Option<ColumnSpec>,
    /// `s` (default), `ms`, `us` or `ns`.
    #[serde(default)]
    pub time_unit: Option<String>,
    /// `ms` (default), `s`, `us` or `ns`.
    #[serde(default)]
    pub duration_unit: Option<String>,
    /// Count traces (`azure2019`, `huawei2023`): how an interval's invocations are placed in it
    /// (default `poisson`), and the interval (default: a minute for azure2019, the gap between
    /// rows for huawei2023).
    #[serde(default)]
    pub spread: Option<SpreadSpec>,
    #[serde(default)]
    pub interval: Option<Nanos>,
    /// Per-request traces: how far out of order rows may come (default 0 for timestamps, 1m for
    /// aws-lambda-log, 15m for azure2021).
    #[serde(default)]
    pub reorder: Option<Nanos>,
    /// Where trace time 0 is (default `first` for aws-lambda-log and huawei2023, else `zero`).
    #[serde(default)]
    pub origin: Option<Origin>,
    /// Trace seconds played per simulated second (default 1; 2 compresses time by half).
    #[serde(default)]
    pub speedup: Option<f64>,
    /// `azure2019`: the duration-percentile and memory files (for functions made from the trace).
    #[serde(default)]
    pub durations: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
    /// Which trace functions become scenario functions (when `function` is omitted).
    #[serde(default)]
    pub select: Option<Select>,
    /// Count bad trace rows and go on (the count is reported) instead of stopping at the first.
    #[serde(default)]
    pub skip_bad_rows: bool,
}

impl Arrivals {
    /// The rate multiplier (`scale`, default 1).
    pub fn factor(&self) -> f64 {
        self.scale.unwrap_or(1.0)
    }

    /// The first trace-only key set, if any.
    fn trace_keys_set(&self) -> Option<&'static str> {
        [
            ("time_column", self.time_column.is_some()),
            ("function_column", self.function_column.is_some()),
            ("duration_column", self.duration_column.is_some()),
            ("time_unit", self.time_unit.is_some()),
            ("duration_unit", self.duration_unit.is_some()),
            ("spread", self.spread.is_some()),
            ("interval", self.interval.is_some()),
            ("reorder", self.reorder.is_some()),
            ("origin", self.origin.is_some()),
            ("speedup", self.speedup.is_some()),
            ("durations", self.durations.is_some()),
            ("memory", self.memory.is_some()),
            ("select", self.select.is_some()),
            ("skip_bad_rows", self.skip_bad_rows),
        ]
        .into_iter()
        .find(|k| k.1)
        .map(|k| k.0)
    }

    /// Checks the keys of a trace; the error names the key below `arrivals`.
    fn check_trace(&self) -> Result<(), (&'static str, String)> {
        let format = self.format.expect("checked");
        let only = |key: &'static str, set: bool, formats: &str| {
            if set {
                Err((key, format!("applies only to format {formats}")))
            } else {
                Ok(())
            }
        };
        let ts = format == TraceFormat::Timestamps;
        let counts = matches!(format, TraceFormat::Azure2019 | TraceFormat::Huawei2023);
        for (key, set) in [
            ("time_column", self.time_column.is_some()),
            ("function_column", self.function_column.is_some()),
            ("duration_column", self.duration_column.is_some()),
            ("time_unit", self.time_unit.is_some()),
            ("duration_unit", self.duration_unit.is_some()),
        ] {
            only(key, set && !ts, "timestamps")?;
        }
        for (key, set) in [
            ("spread", self.spread.is_some()),
            ("interval", self.interval.is_some()),
        ] {
            only(key, set && !counts, "azure2019 or huawei2023")?;
        }
        only(
            "reorder",
            self.reorder.is_some() && counts,
            "timestamps, aws-lambda-log or azure2021",
        )?;
        for (key, set) in [
            ("durations", self.durations.is_some()),
            ("memory", self.memory.is_some()),
        ] {
            only(key, set && format != TraceFormat::Azure2019, "azure2019")?;
        }
        for (key, u) in [
            ("time_unit", &self.time_unit),
            ("duration_unit", &self.duration_unit),
        ] {
            if let Some(u) = u
                && crate::dist::unit_ns(u).is_none()
            {
                return Err((key, format!("expected s, ms, us or ns, got \"{u}\"")));
            }
        }
        if self.interval.is_some_and(|i| i.0 == 0) {
            return Err(("interval", "must be greater than 0".into()));
        }
        if let Some(s) = self.speedup
            && !(s.is_finite() && s > 0.0)
        {
            return Err(("speedup", format!("must be a positive factor, got {s}")));
        }
        if let Some(sel) = &self.select {
            if sel.top == Some(0) {
                return Err(("select.top", "must be at least 1".into()));
            }
            if let Some((lo, hi)) = sel.popularity
                && !(0.0 <= lo && lo < hi && hi <= 1.0)
            {
                return Err((
                    "select.popularity",
                    format!("expected [low, high] with 0 ≤ low < high ≤ 1, got [{lo}, {hi}]"),
                ));
            }
            if !sel.triggers.is_empty() && format != TraceFormat::Azure2019 {
                return Err((
                    "select.triggers",
                    "only azure2019 traces carry triggers".into(),
                ));
            }
        }
        for (key, set) in [
            ("rate", self.rate.is_some()),
            ("process", self.process.is_some()),
            ("peak", self.peak.is_some() || self.trough.is_some()),
            (
                "points",
                !self.points.is_empty() || self.points_file.is_some(),
            ),
            ("burst", self.burst.is_some() || self.quiet.is_some()),
            ("period", self.period.is_some() || self.peak_at.is_some()),
            ("quiet_rate", self.quiet_rate.is_some()),
        ] {
            if set {
                return Err((key, "does not apply to a `trace`".into()));
            }
        }
        self.check_common()
    }

    /// Checks the keys of a generated process; the error names the key below `arrivals`.
    fn check_generated(&self, process: Process) -> Result<(), (&'static str, String)> {
        let rate_ok = |key: &'static str, v: Option<f64>, zero_ok: bool| match v {
            Some(r) if r.is_finite() && (r > 0.0 || (zero_ok && r == 0.0)) && r <= 1e9 => Ok(()),
            Some(r) => Err((
                key,
                format!(
                    "must be a {} rate in requests per second, at most 1e9, got {r}",
                    if zero_ok { "non-negative" } else { "positive" }
                ),
            )),
            None => Err((
                key,
                format!("required with process = \"{process:?}\"").to_lowercase(),
            )),
        };
        let unused = |key: &'static str, set: bool| {
            if set {
                Err((
                    key,
                    format!("does not apply to process = \"{process:?}\"").to_lowercase(),
                ))
            } else {
                Ok(())
            }
        };
        let diurnal = self.peak.is_some()
            || self.trough.is_some()
            || self.period.is_some()
            || self.peak_at.is_some();
        let mmpp = self.quiet_rate.is_some() || self.burst.is_some() || self.quiet.is_some();
        if process != Process::Profile && self.points_file.is_some() {
            return Err((
                "points_file",
                format!("does not apply to process = \"{process:?}\"").to_lowercase(),
            ));
        }
        match process {
            Process::Poisson | Process::Constant => {
                rate_ok("rate", self.rate, false)?;
                unused("peak", diurnal)?;
                unused("points", !self.points.is_empty())?;
                unused("burst", mmpp)?;
                if process == Process::Constant {
                    unused("spikes", !self.spikes.is_empty())?;
                }
            }
            Process::Diurnal => {
                rate_ok("peak", self.peak, false)?;
                rate_ok("trough", self.trough, true)?;
                if self.trough > self.peak {
                    return Err(("trough", "must not exceed peak".into()));
                }
                if self.period.is_some_and(|p| p.0 == 0) {
                    return Err(("period", "must be greater than 0".into()));
                }
                unused("rate", self.rate.is_some())?;
                unused("points", !self.points.is_empty())?;
                unused("burst", mmpp)?;
            }
            Process::Profile if self.points_file.is_some() => {
                if !self.points.is_empty() {
                    return Err(("points", "give `points` or `points_file`, not both".into()));
                }
                unused("rate", self.rate.is_some())?;
                unused("peak", diurnal)?;
                unused("burst", mmpp)?;
            }
            Process::Profile => {
                if self.points.is_empty() {
                    return Err((
                        "points",
                        "give at least one [time, rate] point (or `points_file`)".into(),
                    ));
                }
                for (i, w) in self.points.windows(2).enumerate() {
                    if w[1].0 <= w[0].0 {
                        return Err((
                            "points",
                            format!(
                                "times must increase: point {} ({}) is not after {}",
                                i + 1,
                                w[1].0,
                                w[0].0
                            ),
                        ));
                    }
                }
                for &(_, r) in &self.points {
                    rate_ok("points", Some(r), true)?;
                }
                if self.points.iter().all(|p| p.1 == 0.0) {
                    return Err(("points", "at least one rate must be above 0".into()));
                }
                unused("rate", self.rate.is_some())?;
                unused("peak", diurnal)?;
                unused("burst", mmpp)?;
            }
            Process::Mmpp => {
                rate_ok("rate", self.rate, false)?;
                if let Some(q) = self.quiet_rate {
                    rate_ok("quiet_rate", Some(q), true)?;
                }
                for (key, v) in [("burst", self.burst), ("quiet", self.quiet)] {
                    match v {
                        Some(d) if d.0 > 0 => {}
                        Some(_) => return Err((key, "must be greater than 0".into())),
                        None => {
                            return Err((
                                key,
                                "required with process = \"mmpp\" (a mean duration)".into(),
                            ));
                        }
                    }
                }
                unused("peak", diurnal)?;
                unused("points", !self.points.is_empty())?;
            }
        }
        self.check_common()
    }

    /// Checks scale, spikes, start and end.
    fn check_common(&self) -> Result<(), (&'static str, String)> {
        if let Some(s) = self.scale
            && !(s.is_finite() && s > 0.0)
        {
            return Err(("scale", format!("must be a positive factor, got {s}")));
        }
        for sp in &self.spikes {
            if !(sp.factor.is_finite() && sp.factor >= 0.0) || sp.duration.0 == 0 {
                return Err((
                    "spikes",
                    format!(
                        "each spike needs a factor ≥ 0 and a duration > 0, got factor {} for {}",
                        sp.factor, sp.duration
                    ),
                ));
            }
        }
        if let (Some(s), Some(e)) = (self.start, self.end)
            && e <= s
        {
            return Err((
                "end",
                format!("must be after arrivals.start ({s}), got {e}"),
            ));
        }
        Ok(())
    }
}

fn err<T>(key: impl Into<String>, message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError {
        key: key.into(),
        message: message.into(),
    })
}

/// Largest memory size Lambda offers (PLATFORM.md §2).
pub const MAX_MEMORY_MB: u32 = 10_240;
/// Lambda's maximum function timeout (PLATFORM.md §5).
pub const MAX_TIMEOUT: Nanos = Nanos::from_secs(900);

impl Scenario {
    /// Checks every value that deserialization cannot: ranges, references between sections,
    /// uniqueness. Errors name the key as `--set` addresses it (`functions.api.memory_mb`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let sim = &self.simulation;
        if sim.duration.0 == 0 {
            return err("simulation.duration", "must be greater than 0");
        }
        if sim.warmup >= sim.duration {
            return err(
                "simulation.warmup",
                format!(
                    "must be shorter than simulation.duration ({}), got {}",
                    sim.duration, sim.warmup
                ),
            );
        }
        if sim.sample_interval.0 == 0 {
            return err("simulation.sample_interval", "must be greater than 0");
        }
        if sim.duration.0 / sim.sample_interval.0 > 10_000_000 {
            return err(
                "simulation.sample_interval",
                format!(
                    "{} gives more than 10 million samples over {}; choose a longer interval",
                    sim.sample_interval, sim.duration
                ),
            );
        }
        let acc = &self.account;
        if acc.concurrency_limit == 0 {
            return err("account.concurrency_limit", "must be at least 1");
        }
        if acc.burst == Some(0) {
            return err("account.burst", "must be at least 1");
        }
        if acc.unreserved_minimum > acc.concurrency_limit {
            return err(
                "account.unreserved_minimum",
                format!(
                    "must not exceed account.concurrency_limit ({})",
                    acc.concurrency_limit
                ),
            );
        }
        for (key, v) in [
            (
                "pricing.requests_per_million",
                self.pricing.requests_per_million,
            ),
            ("pricing.x86_gb_second", self.pricing.x86_gb_second),
            ("pricing.arm64_gb_second", self.pricing.arm64_gb_second),
            (
                "pricing.provisioned_x86_gb_second",
                self.pricing.provisioned_x86_gb_second,
            ),
            (
                "pricing.provisioned_arm64_gb_second",
                self.pricing.provisioned_arm64_gb_second,
            ),
            (
                "pricing.provisioned_x86_execution_gb_second",
                self.pricing.provisioned_x86_execution_gb_second,
            ),
            (
                "pricing.provisioned_arm64_execution_gb_second",
                self.pricing.provisioned_arm64_execution_gb_second,
            ),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return err(key, format!("must be a non-negative price, got {v}"));
            }
        }
        if self.functions.is_empty() {
            return err("functions", "at least one [[functions]] entry is required");
        }
        let mut reserved_total: u64 = 0;
        for (i, f) in self.functions.iter().enumerate() {
            let k = |field: &str| format!("functions.{}.{}", label(&f.name, i), field);
            if f.name.trim().is_empty() {
                return err(format!("functions.{i}.name"), "must not be empty");
            }
            if f.name.contains(['.', ',', '"', '\n']) {
                return err(k("name"), "must not contain '.', ',', '\"' or a newline");
            }
            if self.functions[..i].iter().any(|g| g.name == f.name) {
                return err(k("name"), format!("duplicate function name \"{}\"", f.name));
            }
            if !(128..=MAX_MEMORY_MB).contains(&f.memory_mb) {
                return err(
                    k("memory_mb"),
                    format!(
                        "must be between 128 and {MAX_MEMORY_MB} (MB), got {}",
                        f.memory_mb
                    ),
                );
            }
            if f.timeout.0 == 0 || f.timeout > MAX_TIMEOUT {
                return err(
                    k("timeout"),
                    format!("must be greater than 0 and at most 15m, got {}", f.timeout),
                );
            }
            for (field, spec) in [("duration", &f.duration), ("cold_start", &f.cold_start)] {
                if let Err(m) = spec.check() {
                    let (param, msg) = m.split_once(": ").unwrap_or(("", &m));
                    return err(format!("{}{}", k(field), dotted(param)), msg.to_string());
                }
            }
            if f.provisioned_concurrency > 0 {
                if f.provisioned_allocation_rate == 0 {
                    return err(k("provisioned_allocation_rate"), "must be at least 1");
                }
                if f.provisioned_recycle.0 == 0 {
                    return err(k("provisioned_recycle"), "must be greater than 0");
                }
            }
            if let Some(sc) = &f.provisioned_scaling {
                if !(sc.target > 0.0 && sc.target <= 1.0) {
                    return err(
                        k("provisioned_scaling.target"),
                        format!("must be in (0, 1], got {}", sc.target),
                    );
                }
                if sc.min > sc.max || sc.max == 0 {
                    return err(
                        k("provisioned_scaling.max"),
                        format!("must be at least 1 and at least min ({})", sc.min),
                    );
                }
                if let Some(rc) = f.reserved_concurrency
                    && sc.max > rc
                {
                    return err(
                        k("provisioned_scaling.max"),
                        format!("must not exceed reserved_concurrency ({rc})"),
                    );
                }
                if sc.scale_out_datapoints == 0 || sc.scale_in_datapoints == 0 || sc.period.0 == 0 {
                    return err(
                        k("provisioned_scaling.period"),
                        "the period and the datapoint counts must be greater than 0",
                    );
                }
                for (j, a) in sc.schedule.iter().enumerate() {
                    if a.min > a.max || a.every.is_some_and(|e| e.0 == 0) {
                        return err(
                            k(&format!("provisioned_scaling.schedule.{j}")),
                            "needs min ≤ max and a positive `every`",
                        );
                    }
                    if let Some(rc) = f.reserved_concurrency
                        && a.max > rc
                    {
                        return err(
                            k(&format!("provisioned_scaling.schedule.{j}.max")),
                            format!("must not exceed reserved_concurrency ({rc})"),
                        );
                    }
                }
                if !(sc.scale_in_ratio > 0.0 && sc.scale_in_ratio <= 1.0) {
                    return err(
                        k("provisioned_scaling.scale_in_ratio"),
                        format!("must be in (0, 1], got {}", sc.scale_in_ratio),
                    );
                }
                if f.provisioned_concurrency == 0 {
                    return err(
                        k("provisioned_concurrency"),
                        "give the initial provisioned concurrency that provisioned_scaling starts from",
                    );
                }
            }
            if f.reserved_concurrency.is_none() {
                // Provisioned concurrency of an unreserved function comes out of the shared
                // pool too.
                reserved_total += f.provisioned_concurrency as u64;
            }
            if let Some(rc) = f.reserved_concurrency {
                reserved_total += rc as u64;
                if f.provisioned_concurrency > rc {
                    return err(
                        k("provisioned_concurrency"),
                        format!(
                            "must not exceed reserved_concurrency ({rc}), got {}",
                            f.provisioned_concurrency
                        ),
                    );
                }
            }
            if !(0.0..=1.0).contains(&f.error_probability) {
                return err(
                    k("error_probability"),
                    format!("must be between 0 and 1, got {}", f.error_probability),
                );
            }
            if !(0.0..=1.0).contains(&f.service_error_probability) {
                return err(
                    k("service_error_probability"),
                    format!(
                        "must be between 0 and 1, got {}",
                        f.service_error_probability
                    ),
                );
            }
            if !(0.0..=1.0).contains(&f.init_failure_probability) {
                return err(
                    k("init_failure_probability"),
                    format!(
                        "must be between 0 and 1, got {}",
                        f.init_failure_probability
                    ),
                );
            }
            if f.init_timeout.0 == 0 || f.init_timeout > MAX_TIMEOUT {
                return err(
                    k("init_timeout"),
                    format!(
                        "must be greater than 0 and at most 15m, got {}",
                        f.init_timeout
                    ),
                );
            }
            if let Some(t) = &f.idle_ttl {
                if f.keep_alive_policy != KeepAlivePolicy::Random {
                    return err(
                        k("idle_ttl"),
                        "only applies with keep_alive_policy = \"random\"",
                    );
                }
                if let Err(m) = t.check() {
                    let (param, msg) = m.split_once(": ").unwrap_or(("", &m));
                    return err(
                        format!("{}{}", k("idle_ttl"), dotted(param)),
                        msg.to_string(),
                    );
                }
            }
            if let Some(h) = &f.hybrid {
                if f.keep_alive_policy != KeepAlivePolicy::Hybrid {
                    return err(
                        k("hybrid"),
                        "only applies with keep_alive_policy = \"hybrid\"",
                    );
                }
                if h.bin.0 == 0 || h.range < h.bin || h.range.0 / h.bin.0 > 100_000 {
                    return err(
                        k("hybrid.bin"),
                        format!(
                            "must be greater than 0, at most range ({}), and give at most 100000 bins",
                            h.range
                        ),
                    );
                }
                if !(0.0 <= h.head_percentile
                    && h.head_percentile < h.tail_percentile
                    && h.tail_percentile <= 100.0)
                {
                    return err(
                        k("hybrid.tail_percentile"),
                        "need 0 ≤ head_percentile < tail_percentile ≤ 100",
                    );
                }
                if !(0.0..1.0).contains(&h.margin) {
                    return err(k("hybrid.margin"), "must be in [0, 1)");
                }
                if !(h.cv_threshold.is_finite() && h.cv_threshold >= 0.0) || h.min_samples == 0 {
                    return err(
                        k("hybrid.cv_threshold"),
                        "cv_threshold must be a non-negative number and min_samples at least 1",
                    );
                }
            }
            if f.max_lifetime.0 == 0 {
                return err(
                    k("max_lifetime"),
                    "must be greater than 0 (a very long one, e.g. \"1000d\", for no limit)",
                );
            }
            if let Some(m) = f.mtbf
                && m.0 == 0
            {
                return err(k("mtbf"), "must be greater than 0 (omit it for no crashes)");
            }
            match (f.platform, &f.asg) {
                (Platform::Lambda, Some(a)) => {
                    // Kept, and checked, for comparisons: the group a sweep may switch to.
                    if let Err((key, msg)) = a.check() {
                        return err(k(&format!("asg.{key}")), msg);
                    }
                }
                (Platform::Asg, None) => {
                    return err(
                        k("asg"),
                        "platform = \"asg\" needs an [functions.asg] table (at least max)",
                    );
                }
                (Platform::Asg, Some(a)) => {
                    if let Err((key, msg)) = a.check() {
                        return err(k(&format!("asg.{key}")), msg);
                    }
                    if f.provisioned_concurrency > 0 || f.provisioned_scaling.is_some() {
                        return err(
                            k("provisioned_concurrency"),
                            "is a Lambda setting; an asg function scales with asg.policies",
                        );
                    }
                    if f.mtbf.is_some() {
                        return err(k("mtbf"), "is a Lambda setting; use asg.mtbf");
                    }
                }
                (Platform::Lambda, None) => {}
            }
        }
        let reservable = acc.concurrency_limit as u64 - acc.unreserved_minimum as u64;
        if reserved_total > reservable {
            return err(
                "functions.*.reserved_concurrency",
                format!(
                    "the reservations add up to {reserved_total}, but only {reservable} may be reserved (account.concurrency_limit {} minus account.unreserved_minimum {})",
                    acc.concurrency_limit, acc.unreserved_minimum
                ),
            );
        }
        for (i, p) in self.retry_policies.iter().enumerate() {
            if p.name.trim().is_empty() || p.name.contains(['.', ',', '"', '\n']) {
                return err(
                    format!("retry_policies.{i}.name"),
                    "must not be empty or contain '.', ',', '\"' or a newline",
                );
            }
            if self.retry_policies[..i].iter().any(|q| q.name == p.name) {
                return err(
                    format!("retry_policies.{}.name", p.name),
                    "duplicate retry policy name",
                );
            }
            if let Err((field, msg)) = p.check() {
                return err(format!("retry_policies.{}.{field}", p.name), msg);
            }
        }
        if self.workloads.is_empty() {
            return err("workloads", "at least one [[workloads]] entry is required");
        }
        for (i, w) in self.workloads.iter().enumerate() {
            let wl = match &w.name {
                Some(n) => {
                    if n.trim().is_empty() || n.contains(['.', ',', '"', '\n']) {
                        return err(
                            format!("workloads.{i}.name"),
                            "must not be empty or contain '.', ',', '\"' or a newline",
                        );
                    }
                    n.clone()
                }
                None => i.to_string(),
            };
            let k = |field: &str| format!("workloads.{wl}.{field}");
            let from_trace = w.function.is_empty();
            if from_trace {
                let names_functions = match w.arrivals.format {
                    Some(TraceFormat::Timestamps) => w.arrivals.function_column.is_some(),
                    Some(TraceFormat::AwsLambdaLog) | None => false,
                    Some(_) => true,
                };
                if w.arrivals.trace.is_none() || !names_functions {
                    return err(
                        k("function"),
                        "required (it may be omitted only with a trace that names functions: azure2019, azure2021, huawei2023, or timestamps with `function_column`)",
                    );
                }
                if w.invocation == Invocation::Sqs {
                    return err(
                        k("invocation"),
                        "a trace of many functions is invoked \"sync\" or \"async\"",
                    );
                }
            } else if w.arrivals.select.is_some() {
                return err(
                    k("arrivals.select"),
                    "selects the trace functions made into scenario functions: only without `function`",
                );
            }
            if !from_trace && !self.functions.iter().any(|f| f.name == w.function) {
                let names: Vec<&str> = self.functions.iter().map(|f| f.name.as_str()).collect();
                return err(
                    k("function"),
                    format!(
                        "no function named \"{}\" (functions: {})",
                        w.function,
                        names.join(", ")
                    ),
                );
            }
            if let Some(r) = &w.retry
                && !self.retry_policies.iter().any(|p| &p.name == r)
            {
                let names: Vec<&str> = self
                    .retry_policies
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect();
                return err(
                    k("retry"),
                    format!(
                        "no retry policy named \"{r}\" (retry_policies: {})",
                        names.join(", ")
                    ),
                );
            }
            if w.invocation != Invocation::Sync
                && self
                    .functions
                    .iter()
                    .any(|f| f.name == w.function && f.platform == Platform::Asg)
            {
                return err(
                    k("invocation"),
                    "an asg function is invoked through its load balancer: only \"sync\"",
                );
            }
            if w.invocation != Invocation::Sync && w.retry.is_some() {
                return err(
                    k("retry"),
                    "client retry policies apply to sync invocation; async events are retried by Lambda (see `async`) and SQS messages by the queue (see `sqs`)",
                );
            }
            if w.async_config.is_some() && w.invocation != Invocation::Async {
                return err(k("async"), "only applies with `invocation = \"async\"`");
            }
            if w.sqs.is_some() && w.invocation != Invocation::Sqs {
                return err(k("sqs"), "only applies with `invocation = \"sqs\"`");
            }
            if let Some(a) = &w.async_config
                && let Err((field, msg)) = a.check()
            {
                return err(k(&format!("async.{field}")), msg);
            }
            if let Some(q) = &w.sqs
                && let Err((field, msg)) = q.check()
            {
                return err(k(&format!("sqs.{field}")), msg);
            }
            if w.invocation == Invocation::Sqs {
                let q = w.sqs.clone().unwrap_or_default();
                let f = self
                    .functions
                    .iter()
                    .find(|f| f.name == w.function)
                    .unwrap_or(&self.functions[0]);
                if !from_trace && q.visibility_timeout < f.timeout {
                    return err(
                        k("sqs.visibility_timeout"),
                        format!(
                            "{} is shorter than the timeout of function \"{}\" ({}); Lambda refuses such an event source mapping (AWS recommends at least 6 × the timeout)",
                            q.visibility_timeout, f.name, f.timeout
                        ),
                    );
                }
            }
            let a = &w.arrivals;
            match (&a.process, &a.trace) {
                (Some(_), Some(_)) => {
                    return err(k("arrivals"), "give either `process` or `trace`, not both");
                }
                (None, None) => {
                    return err(
                        k("arrivals"),
                        "expected `process` (poisson, constant, diurnal, profile or mmpp) with its keys, or `trace = \"FILE\"` with `format`",
                    );
                }
                (Some(process), None) => {
                    if let Err((key, msg)) = a.check_generated(*process) {
                        return err(k(&format!("arrivals.{key}")), msg);
                    }
                    if a.format.is_some() {
                        return err(k("arrivals.format"), "only applies to a `trace`");
                    }
                    if let Some(key) = a.trace_keys_set() {
                        return err(k(&format!("arrivals.{key}")), "only applies to a `trace`");
                    }
                }
                (None, Some(t)) => {
                    if t.trim().is_empty() {
                        return err(k("arrivals.trace"), "must name a file");
                    }
                    if a.format.is_none() {
                        return err(
                            k("arrivals.format"),
                            format!(
                                "required with `trace` (formats: {})",
                                crate::trace::Format::NAMES
                            ),
                        );
                    }
                    if let Err((key, msg)) = a.check_trace() {
                        return err(k(&format!("arrivals.{key}")), msg);
                    }
                }
            }
        }
        for (i, inc) in self.incidents.iter().enumerate() {
            let name = match &inc.name {
                Some(n) if !n.trim().is_empty() && !n.contains(['.', ',', '"', '\n']) => n.clone(),
                Some(_) => {
                    return err(
                        format!("incidents.{i}.name"),
                        "must not be empty or contain '.', ',', '\"' or a newline",
                    );
                }
                None => i.to_string(),
            };
            let k = |field: &str| format!("incidents.{name}.{field}");
            if inc.end <= inc.start {
                return err(
                    k("end"),
                    format!("must be after start ({}), got {}", inc.start, inc.end),
                );
            }
            for f in &inc.functions {
                if !self.functions.iter().any(|g| &g.name == f) {
                    return err(k("functions"), format!("no function named \"{f}\""));
                }
            }
            for (field, v) in [
                ("error_probability", inc.error_probability),
                ("service_error_probability", inc.service_error_probability),
                ("capacity_lost", inc.capacity_lost),
            ] {
                if !(0.0..=1.0).contains(&v) {
                    return err(k(field), format!("must be between 0 and 1, got {v}"));
                }
            }
            if !(inc.latency_multiplier.is_finite()
                && inc.latency_multiplier > 0.0
                && inc.latency_multiplier <= 1000.0)
            {
                return err(
                    k("latency_multiplier"),
                    format!(
                        "must be greater than 0 and at most 1000, got {}",
                        inc.latency_multiplier
                    ),
                );
            }
        }
        Ok(())
    }
}

type FieldError = (&'static str, String);

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

impl RetryPolicy {
    /// Checks the values given; the error names the field.
    pub fn check(&self) -> Result<(), FieldError> {
        if let Some(n) = self.max_attempts
            && !(1..=100).contains(&n)
        {
            return Err((
                "max_attempts",
                format!("must be between 1 and 100, got {n}"),
            ));
        }
        if let Some(r) = self.backoff_rate
            && !(r.is_finite() && (1.0..=100.0).contains(&r))
        {
            return Err((
                "backoff_rate",
                format!("must be between 1 and 100, got {r}"),
            ));
        }
        if let (Some(b), Some(c)) = (self.base, self.cap)
            && c < b
        {
            return Err(("cap", format!("must be at least base ({b}), got {c}")));
        }
        if let (Some(b), Some(c)) = (self.throttle_base, self.cap)
            && c < b
        {
            return Err((
                "cap",
                format!("must be at least throttle_base ({b}), got {c}"),
            ));
        }
        if let Some(on) = &self.retry_on
            && on.is_empty()
        {
            return Err((
                "retry_on",
                "list at least one of \"throttle\", \"error\", \"timeout\", \"service_error\""
                    .into(),
            ));
        }
        if let Some(q) = &self.quota
            && q.tokens == 0
        {
            return Err(("quota.tokens", "must be at least 1".into()));
        }
        Ok(())
    }
}

fn label(name: &str, i: usize) -> String {
    if name.trim().is_empty() {
        i.to_string()
    } else {
        name.to_string()
    }
}

fn dotted(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!(".{field}")
    }
}
