//! The scenario: everything a run needs, as typed configuration (serde), and its validation.
//!
//! The text format (TOML) is read by the front end; this module holds the types so that other
//! front ends (bindings, a web page) can build or deserialize the same scenario. Key names follow
//! the scenario reference in `docs/scenario-reference.md`.

use crate::dist::DistSpec;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name used for the output folder and reports; the front end defaults it to the file stem.
    #[serde(default)]
    pub name: Option<String>,
    pub simulation: Simulation,
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
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
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
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Regional concurrency quota shared by all functions (AWS default 1,000).
    #[serde(default = "default_concurrency_limit")]
    pub concurrency_limit: u32,
    /// Concurrency that reserved concurrency may never take from the shared pool (AWS: 100).
    #[serde(default = "default_unreserved_minimum")]
    pub unreserved_minimum: u32,
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
        }
    }
}

/// Prices in USD (us-east-1 defaults, see docs/model.md for sources).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    #[serde(default = "p_requests")]
    pub requests_per_million: f64,
    #[serde(default = "p_x86")]
    pub x86_gb_second: f64,
    #[serde(default = "p_arm")]
    pub arm64_gb_second: f64,
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
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
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
pub enum Architecture {
    #[default]
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
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
    #[serde(default)]
    pub reuse: Reuse,
    #[serde(default)]
    pub architecture: Architecture,
    /// The function's own concurrency partition: a floor kept for it and its ceiling.
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    #[serde(default)]
    pub provisioned_concurrency: u32,
    /// Probability that an attempt ends in a function error (after a uniformly drawn fraction of
    /// its execution time, which is billed).
    #[serde(default)]
    pub error_probability: f64,
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
#[serde(rename_all = "lowercase")]
pub enum Invocation {
    #[default]
    Sync,
    Async,
    Sqs,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Optional label, so `--set workloads.<name>.…` can address it.
    #[serde(default)]
    pub name: Option<String>,
    /// The function this workload invokes.
    pub function: String,
    #[serde(default)]
    pub invocation: Invocation,
    pub arrivals: Arrivals,
    /// The client's retry policy (a `[[retry_policies]]` name); default: no retries.
    #[serde(default)]
    pub retry: Option<String>,
}

/// A client retry policy for synchronous invocations. `preset` fills every field that is not
/// given; without a preset the defaults are one attempt (no retries), 1 s base, 20 s cap, full
/// jitter, doubling, retrying throttles, errors and timeouts, and no retry quota.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    pub name: String,
    #[serde(default)]
    pub preset: Option<RetryPreset>,
    /// Attempts in all, the first included.
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Base delay: the n-th retry waits up to base × backoff_rate^(n−1), capped.
    #[serde(default)]
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
#[serde(rename_all = "kebab-case")]
pub enum RetryPreset {
    /// AWS SDK standard mode, current defaults (PLATFORM §4).
    AwsSdkStandard,
    /// AWS SDK standard mode before November 2026.
    AwsSdkStandardLegacy,
    /// No retries.
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[serde(rename_all = "lowercase")]
pub enum RetryOn {
    Throttle,
    Error,
    Timeout,
}

/// Token bucket: a retry spends `retry_cost` tokens (`timeout_cost` after a timeout,
/// `throttle_cost` after a throttle) and is not made when too few are left; a success returns
/// `success_refund`, up to `tokens`.
#[derive(Clone, Debug, Serialize, Deserialize)]
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
#[serde(rename_all = "lowercase")]
pub enum Process {
    Poisson,
    Constant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TraceFormat {
    /// One arrival time in seconds (from the start of the run) per row; optional header.
    Timestamps,
}

/// Either a generated process (`process` and `rate`) or a trace (`trace` and `format`).
#[derive(Clone, Debug, Serialize, Deserialize)]
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
}

/// A scenario that failed validation: the dotted key and what was expected.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
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
            if f.provisioned_concurrency > 0 {
                return err(
                    k("provisioned_concurrency"),
                    "provisioned concurrency is not modelled yet; set it to 0 (scaling controls are tracked in issue #4)",
                );
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
            if !self.functions.iter().any(|f| f.name == w.function) {
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
            if w.invocation != Invocation::Sync {
                return err(
                    k("invocation"),
                    "only \"sync\" is modelled yet (async and sqs invocation are tracked in issue #3)",
                );
            }
            let a = &w.arrivals;
            match (&a.process, &a.trace) {
                (Some(_), Some(_)) => {
                    return err(k("arrivals"), "give either `process` or `trace`, not both");
                }
                (None, None) => {
                    return err(
                        k("arrivals"),
                        "expected `process = \"poisson\"|\"constant\"` with `rate`, or `trace = \"FILE\"` with `format`",
                    );
                }
                (Some(_), None) => {
                    let Some(rate) = a.rate else {
                        return err(
                            k("arrivals.rate"),
                            "required with `process` (requests per second)",
                        );
                    };
                    if !(rate.is_finite() && rate > 0.0) {
                        return err(
                            k("arrivals.rate"),
                            format!("must be a positive number of requests per second, got {rate}"),
                        );
                    }
                    if rate > 1e9 {
                        return err(
                            k("arrivals.rate"),
                            format!("at most 1e9 requests per second, got {rate}"),
                        );
                    }
                    if a.format.is_some() {
                        return err(k("arrivals.format"), "only applies to a `trace`");
                    }
                }
                (None, Some(t)) => {
                    if t.trim().is_empty() {
                        return err(k("arrivals.trace"), "must name a file");
                    }
                    if a.format.is_none() {
                        return err(
                            k("arrivals.format"),
                            "required with `trace` (formats: timestamps)",
                        );
                    }
                    if a.rate.is_some() {
                        return err(k("arrivals.rate"), "does not apply to a `trace`");
                    }
                }
            }
        }
        Ok(())
    }
}

impl RetryPolicy {
    /// Checks the values given; the error names the field.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
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
                "list at least one of \"throttle\", \"error\", \"timeout\"".into(),
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
