//! The `[[retry_policies]]` table: client retry policies for sync invocations ([`RetryPolicy`]:
//! presets, back-off, [`Jitter`], [`RetryOn`], the [`RetryQuota`] token bucket), and their checks.
//! The policies' behaviour is in `crate::retry`.

use super::{FieldError, bad_name, err};
use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

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
    /// AWS SDK standard mode, current defaults (docs/sources.md: S21).
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

/// Checks the `[[retry_policies]]` table: names (unique, usable as keys) and each policy's keys.
pub(super) fn check_retry_policies(policies: &[RetryPolicy]) -> Result<(), ConfigError> {
    for (i, p) in policies.iter().enumerate() {
        if bad_name(&p.name) {
            return err(
                format!("retry_policies.{i}.name"),
                "must not be empty or contain '.', ',', '\"' or a newline",
            );
        }
        if policies[..i].iter().any(|q| q.name == p.name) {
            return err(
                format!("retry_policies.{}.name", p.name),
                "duplicate retry policy name",
            );
        }
        if let Err((field, msg)) = p.check() {
            return err(format!("retry_policies.{}.{field}", p.name), msg);
        }
    }
    Ok(())
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
