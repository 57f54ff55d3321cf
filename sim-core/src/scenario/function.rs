//! The `[[functions]]` table: a function ([`Function`]) and its Lambda keys — memory and
//! timeout limits, reuse order, architecture, keep-alive policies ([`KeepAlivePolicy`],
//! [`HybridConfig`]), provisioned concurrency and its scaling ([`PcScaling`],
//! [`ScheduledAction`]) — and its checks. The asg platform's table is in `asg.rs`.

use super::{AsgConfig, Platform, check_dist, err};
use crate::dist::DistSpec;
use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

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
    /// Warm execution time (at `cpu.reference_memory_mb` with a `cpu` table). Required unless
    /// `duration_profile` gives it.
    #[serde(default)]
    pub duration: Option<DistSpec>,
    /// Execution times measured per memory size, read for `memory_mb` (interpolated between
    /// sizes): an AWS Lambda Power Tuning result (`.json`) or a `memory_mb,duration_ms` CSV.
    #[serde(default)]
    pub duration_profile: Option<String>,
    /// How the work scales with memory (without it, `duration` does not depend on memory).
    #[serde(default)]
    pub cpu: Option<super::CpuModel>,
    /// Init time of a new instance (default: the runtime's preset, else none).
    #[serde(default)]
    pub cold_start: Option<DistSpec>,
    /// The runtime (`python3.13`, `nodejs22.x`, `java21`, …): its measured init time unless
    /// `cold_start` is given, and whether SnapStart and free init (before August 2025) apply.
    #[serde(default)]
    pub runtime: Option<String>,
    /// How the code is deployed: "zip" (default) or "image".
    #[serde(default)]
    pub package: super::Package,
    /// Size of the package (unzipped) in MB: larger packages take longer to init, by
    /// `init_per_package_mb` a MB (added to the runtime's preset).
    #[serde(default)]
    pub package_mb: Option<f64>,
    #[serde(default = "default_init_per_mb")]
    pub init_per_package_mb: Nanos,
    /// Lambda SnapStart: new environments restore a snapshot instead of running init.
    #[serde(default)]
    pub snapstart: bool,
    /// Restore time of a SnapStart snapshot (default: the runtime's measured one).
    #[serde(default)]
    pub restore: Option<DistSpec>,
    #[serde(default = "default_keep_alive")]
    pub keep_alive: Nanos,
    /// How long idle environments are kept: "fixed" (`keep_alive`), "random" (an idle time drawn
    /// from `idle_ttl` each time), "hybrid" (the hybrid histogram policy) or "none" (scale to
    /// zero at once).
    #[serde(default)]
    pub keep_alive_policy: KeepAlivePolicy,
    /// The idle-time distribution of the "random" policy (default [`aws_us_east_1_2020`]).
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
    /// The provisioned environments are allocated before the run starts (usable at time 0)
    /// instead of requested at time 0.
    #[serde(default)]
    pub provisioned_ready_at_start: bool,
    /// On-demand environments warm and idle at time 0 (a run that starts from a warmed-up
    /// state), each kept as the keep-alive policy keeps an environment that just finished.
    #[serde(default)]
    pub initial_instances: u32,
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
    /// What each attempt calls during its execution: functions, tables, dependencies.
    #[serde(default)]
    pub calls: Vec<super::Call>,
}

impl Function {
    /// A function with every optional setting at its default.
    pub fn new(name: &str, duration: DistSpec) -> Function {
        Function {
            name: name.into(),
            memory_mb: default_memory(),
            timeout: default_timeout(),
            duration: Some(duration),
            duration_profile: None,
            cpu: None,
            cold_start: None,
            runtime: None,
            package: super::Package::Zip,
            package_mb: None,
            init_per_package_mb: default_init_per_mb(),
            snapstart: false,
            restore: None,
            keep_alive: default_keep_alive(),
            keep_alive_policy: KeepAlivePolicy::default(),
            idle_ttl: None,
            hybrid: None,
            max_lifetime: default_max_lifetime(),
            reuse: Reuse::default(),
            architecture: Architecture::default(),
            reserved_concurrency: None,
            provisioned_concurrency: 0,
            provisioned_ready_at_start: false,
            initial_instances: 0,
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
            calls: Vec::new(),
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

/// Target tracking on `ProvisionedConcurrencyUtilization` (docs/sources.md: S19, S20, S25): one datapoint per
/// `period`; after `scale_out_datapoints` datapoints in a row above `target` the provisioned
/// concurrency becomes ceil(current × utilization / target); after `scale_in_datapoints` in a row
/// below `scale_in_ratio × target` it scales in the same way; always within [min, max], which
/// scheduled actions change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PcScaling {
    pub target: f64,
    #[serde(default = "super::one_u32")]
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

/// The most on-demand environments a function may start with.
pub const MAX_INITIAL: u32 = 1_000_000;

fn default_max_lifetime() -> Nanos {
    Nanos::from_secs(2 * 3600)
}

/// An assumption: no per-MB figure is published (docs/model.md).
fn default_init_per_mb() -> Nanos {
    Nanos::from_millis(1)
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

/// Largest memory size Lambda offers (docs/sources.md: S13).
pub const MAX_MEMORY_MB: u32 = 10_240;
/// Lambda's maximum function timeout (docs/sources.md: S6).
pub const MAX_TIMEOUT: Nanos = Nanos::from_secs(900);

/// Checks the `[[functions]]` table: at least one entry, names (unique, usable as keys) and
/// each function's keys.
pub(super) fn check_functions(functions: &[Function]) -> Result<(), ConfigError> {
    if functions.is_empty() {
        return err("functions", "at least one [[functions]] entry is required");
    }
    for (i, f) in functions.iter().enumerate() {
        if f.name.trim().is_empty() {
            return err(format!("functions.{i}.name"), "must not be empty");
        }
        let key = format!("functions.{}", f.name);
        if f.name.contains(['.', ',', '"', '\n']) {
            return err(
                format!("{key}.name"),
                "must not contain '.', ',', '\"' or a newline",
            );
        }
        if functions[..i].iter().any(|g| g.name == f.name) {
            return err(
                format!("{key}.name"),
                format!("duplicate function name \"{}\"", f.name),
            );
        }
        f.check(&key)?;
    }
    Ok(())
}

impl Function {
    /// Checks one function's keys, `key` naming it (`functions.api`): memory, timeouts,
    /// distributions, provisioned concurrency, faults, keep-alive and platform.
    pub fn check(&self, key: &str) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        if !(128..=MAX_MEMORY_MB).contains(&self.memory_mb) {
            return err(
                k("memory_mb"),
                format!(
                    "must be between 128 and {MAX_MEMORY_MB} (MB), got {}",
                    self.memory_mb
                ),
            );
        }
        if self.timeout.0 == 0 || self.timeout > MAX_TIMEOUT {
            return err(
                k("timeout"),
                format!(
                    "must be greater than 0 and at most 15m, got {}",
                    self.timeout
                ),
            );
        }
        self.check_compute(key)?;
        self.check_provisioned(key)?;
        for (field, p) in [
            ("error_probability", self.error_probability),
            ("service_error_probability", self.service_error_probability),
            ("init_failure_probability", self.init_failure_probability),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return err(k(field), format!("must be between 0 and 1, got {p}"));
            }
        }
        if self.init_timeout.0 == 0 || self.init_timeout > MAX_TIMEOUT {
            return err(
                k("init_timeout"),
                format!(
                    "must be greater than 0 and at most 15m, got {}",
                    self.init_timeout
                ),
            );
        }
        self.check_keep_alive(key)?;
        if self.max_lifetime.0 == 0 {
            return err(
                k("max_lifetime"),
                "must be greater than 0 (a very long one, e.g. \"1000d\", for no limit)",
            );
        }
        if let Some(m) = self.mtbf
            && m.0 == 0
        {
            return err(k("mtbf"), "must be greater than 0 (omit it for no crashes)");
        }
        self.check_platform(key)
    }

    /// Provisioned concurrency: its allocation, its scaling and its place within the
    /// reservation.
    fn check_provisioned(&self, key: &str) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        if self.provisioned_concurrency > 0 {
            if self.provisioned_allocation_rate == 0 {
                return err(k("provisioned_allocation_rate"), "must be at least 1");
            }
            if self.provisioned_recycle.0 == 0 {
                return err(k("provisioned_recycle"), "must be greater than 0");
            }
        }
        if let Some(sc) = &self.provisioned_scaling {
            sc.check(&k("provisioned_scaling"), self.reserved_concurrency)?;
            if self.provisioned_concurrency == 0 {
                return err(
                    k("provisioned_concurrency"),
                    "give the initial provisioned concurrency that provisioned_scaling starts from",
                );
            }
        }
        if self.provisioned_ready_at_start && self.provisioned_concurrency == 0 {
            return err(
                k("provisioned_ready_at_start"),
                "needs provisioned_concurrency > 0",
            );
        }
        if self.initial_instances > MAX_INITIAL {
            return err(
                k("initial_instances"),
                format!(
                    "at most {MAX_INITIAL} (environments a function may scale to), got {}",
                    self.initial_instances
                ),
            );
        }
        if let Some(rc) = self.reserved_concurrency
            && self.provisioned_concurrency > rc
        {
            return err(
                k("provisioned_concurrency"),
                format!(
                    "must not exceed reserved_concurrency ({rc}), got {}",
                    self.provisioned_concurrency
                ),
            );
        }
        Ok(())
    }

    /// `idle_ttl` and `hybrid`, each only with its keep-alive policy.
    fn check_keep_alive(&self, key: &str) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        if let Some(t) = &self.idle_ttl {
            if self.keep_alive_policy != KeepAlivePolicy::Random {
                return err(
                    k("idle_ttl"),
                    "only applies with keep_alive_policy = \"random\"",
                );
            }
            check_dist(t, &k("idle_ttl"))?;
        }
        if let Some(h) = &self.hybrid {
            if self.keep_alive_policy != KeepAlivePolicy::Hybrid {
                return err(
                    k("hybrid"),
                    "only applies with keep_alive_policy = \"hybrid\"",
                );
            }
            h.check(&k("hybrid"))?;
        }
        Ok(())
    }

    /// The `asg` table: required on the asg platform, checked on Lambda too (the group a
    /// comparison may switch to); Lambda-only keys refused on asg.
    fn check_platform(&self, key: &str) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        match (self.platform, &self.asg) {
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
                if self.provisioned_concurrency > 0 || self.provisioned_scaling.is_some() {
                    return err(
                        k("provisioned_concurrency"),
                        "is a Lambda setting; an asg function scales with asg.policies",
                    );
                }
                if self.mtbf.is_some() {
                    return err(k("mtbf"), "is a Lambda setting; use asg.mtbf");
                }
                if self.initial_instances > 0 {
                    return err(
                        k("initial_instances"),
                        "is a Lambda setting; a group starts with asg.desired instances",
                    );
                }
            }
            (Platform::Lambda, None) => {}
        }
        Ok(())
    }
}

impl HybridConfig {
    /// Checks the histogram and its percentiles, `key` naming the table
    /// (`functions.api.hybrid`).
    fn check(&self, key: &str) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        if self.bin.0 == 0 || self.range < self.bin || self.range.0 / self.bin.0 > 100_000 {
            return err(
                k("bin"),
                format!(
                    "must be greater than 0, at most range ({}), and give at most 100000 bins",
                    self.range
                ),
            );
        }
        if !(0.0 <= self.head_percentile
            && self.head_percentile < self.tail_percentile
            && self.tail_percentile <= 100.0)
        {
            return err(
                k("tail_percentile"),
                "need 0 ≤ head_percentile < tail_percentile ≤ 100",
            );
        }
        if !(0.0..1.0).contains(&self.margin) {
            return err(k("margin"), "must be in [0, 1)");
        }
        if !(self.cv_threshold.is_finite() && self.cv_threshold >= 0.0) || self.min_samples == 0 {
            return err(
                k("cv_threshold"),
                "cv_threshold must be a non-negative number and min_samples at least 1",
            );
        }
        Ok(())
    }
}

impl PcScaling {
    /// Checks target tracking and the scheduled actions, `key` naming the table
    /// (`functions.api.provisioned_scaling`); `reserved` is the function's reserved concurrency.
    fn check(&self, key: &str, reserved: Option<u32>) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        if !(self.target > 0.0 && self.target <= 1.0) {
            return err(
                k("target"),
                format!("must be in (0, 1], got {}", self.target),
            );
        }
        if self.min > self.max || self.max == 0 {
            return err(
                k("max"),
                format!("must be at least 1 and at least min ({})", self.min),
            );
        }
        if let Some(rc) = reserved
            && self.max > rc
        {
            return err(
                k("max"),
                format!("must not exceed reserved_concurrency ({rc})"),
            );
        }
        if self.scale_out_datapoints == 0
            || self.scale_in_datapoints == 0
            || self.period < Nanos::from_secs(1)
        {
            return err(
                k("period"),
                format!(
                    "the period must be at least 1s (CloudWatch's finest resolution) and the datapoint counts greater than 0, got {}",
                    self.period
                ),
            );
        }
        for (j, a) in self.schedule.iter().enumerate() {
            if a.min > a.max || a.every.is_some_and(|e| e < Nanos::from_secs(60)) {
                return err(
                    k(&format!("schedule.{j}")),
                    "needs min ≤ max and an `every` of at least 1m (scheduled actions run at most once a minute)",
                );
            }
            if let Some(rc) = reserved
                && a.max > rc
            {
                return err(
                    k(&format!("schedule.{j}.max")),
                    format!("must not exceed reserved_concurrency ({rc})"),
                );
            }
        }
        if !(self.scale_in_ratio > 0.0 && self.scale_in_ratio <= 1.0) {
            return err(
                k("scale_in_ratio"),
                format!("must be in (0, 1], got {}", self.scale_in_ratio),
            );
        }
        Ok(())
    }
}

/// The idle time AWS Lambda gave execution environments in us-east-1 in 2020: the nonparametric
/// estimate of `faasim calibrate keep-alive` on the nine request logs in
/// `traces/aws-lambda-requests/` (Mahmoudi & Khazaei; docs/validation.md), as (quantile, tenths
/// of a second), linear between them. Median 10.63 min (95 % band 10.14–10.80), 90th percentile
/// 14.27 min (11.76–23.17). The default `idle_ttl` of `keep_alive_policy = "random"`.
const AWS_US_EAST_1_2020: [(f64, u64); 22] = [
    (0.0, 22),
    (0.000303, 23),
    (0.001609, 222),
    (0.005128, 490),
    (0.005435, 539),
    (0.006601, 589),
    (0.007059, 694),
    (0.009042, 887),
    (0.009488, 1263),
    (0.011494, 1816),
    (0.023033, 1942),
    (0.02381, 2905),
    (0.063694, 4942),
    (0.142857, 6264),
    (0.333333, 6336),
    (0.666667, 6421),
    (0.742857, 6552),
    (0.8, 6947),
    (0.84, 7021),
    (0.888889, 8088),
    (0.91, 8987),
    (1.0, 14553),
];

/// [`AWS_US_EAST_1_2020`] as a distribution.
pub fn aws_us_east_1_2020() -> DistSpec {
    DistSpec::Quantiles {
        points: AWS_US_EAST_1_2020
            .iter()
            .map(|&(q, t)| (q, Nanos(t * 100_000_000)))
            .collect(),
    }
}
