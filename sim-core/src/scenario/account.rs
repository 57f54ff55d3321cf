//! The `[account]` table: the regional concurrency quota, the scaling rule (2023, legacy,
//! unlimited) and the provisioned-allocation rule ([`Account`], [`ScalingRule`],
//! [`AllocationRule`]), and its check.

use super::err;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

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
    #[serde(default = "super::yes")]
    pub rps_limit: bool,
    /// Limit the requests per second provisioned environments serve to 10 × the provisioned
    /// concurrency ready; requests above it spill over to on-demand environments.
    #[serde(default = "super::yes")]
    pub provisioned_rps_limit: bool,
    /// How provisioned concurrency is allocated: "current" (after the delay, at each function's
    /// `provisioned_allocation_rate`) or "legacy" (until 2022: the Region's burst at once, then
    /// 500 per minute).
    #[serde(default)]
    pub provisioned_allocation: AllocationRule,
    /// API Gateway's throttle across all APIs of the account in the Region: steady requests
    /// per second (AWS default 10,000).
    #[serde(default = "default_api_rate")]
    pub api_rate: f64,
    /// API Gateway's account burst: the token bucket's capacity (AWS default 5,000).
    #[serde(default = "default_api_burst")]
    pub api_burst: f64,
    /// Step Functions' StartExecution and StateTransition quotas (token buckets per account
    /// and Region, S64); default: the Region's.
    #[serde(default)]
    pub step_functions: StepFunctionsQuotas,
}

/// Step Functions' token buckets (S64): each `None` is the Region's default (us-east-1,
/// us-west-2 and eu-west-1: Standard starts 1,300 and 300 a second, transitions 5,000 and
/// 5,000 a second; other Regions 800 and 150, 800 and 800; Express starts 6,000 and 6,000).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StepFunctionsQuotas {
    #[serde(default)]
    pub standard_start_burst: Option<f64>,
    #[serde(default)]
    pub standard_start_rate: Option<f64>,
    #[serde(default)]
    pub express_start_burst: Option<f64>,
    #[serde(default)]
    pub express_start_rate: Option<f64>,
    #[serde(default)]
    pub transition_burst: Option<f64>,
    #[serde(default)]
    pub transition_rate: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum AllocationRule {
    #[default]
    Current,
    Legacy,
}

/// Lambda's rule for adding execution environments (docs/sources.md: S1, S2, S3).
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
    /// The legacy initial burst of `region` (docs/sources.md: S3).
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
fn default_api_rate() -> f64 {
    super::ACCOUNT_API_RATE
}
fn default_api_burst() -> f64 {
    super::ACCOUNT_API_BURST
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
            provisioned_rps_limit: true,
            provisioned_allocation: AllocationRule::default(),
            api_rate: default_api_rate(),
            api_burst: default_api_burst(),
            step_functions: StepFunctionsQuotas::default(),
        }
    }
}

impl Account {
    /// Checks the `[account]` table; errors name the key (`account.burst`).
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.concurrency_limit == 0 {
            return err("account.concurrency_limit", "must be at least 1");
        }
        if self.burst == Some(0) {
            return err("account.burst", "must be at least 1");
        }
        super::check_throttle(
            Some(self.api_rate),
            Some(self.api_burst),
            "account.api_rate",
            "account.api_burst",
        )?;
        let q = &self.step_functions;
        for (field, v) in [
            ("standard_start_burst", q.standard_start_burst),
            ("standard_start_rate", q.standard_start_rate),
            ("express_start_burst", q.express_start_burst),
            ("express_start_rate", q.express_start_rate),
            ("transition_burst", q.transition_burst),
            ("transition_rate", q.transition_rate),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && (1.0..=1e9).contains(&v))
            {
                return err(
                    format!("account.step_functions.{field}"),
                    "must be from 1 to 1e9",
                );
            }
        }
        if self.unreserved_minimum > self.concurrency_limit {
            return err(
                "account.unreserved_minimum",
                format!(
                    "must not exceed account.concurrency_limit ({})",
                    self.concurrency_limit
                ),
            );
        }
        Ok(())
    }
}
