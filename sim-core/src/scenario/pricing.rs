//! The `[pricing]` table: Lambda prices in USD — on-demand with its monthly volume tiers and
//! free tier, provisioned, SnapStart — and the init billing rule ([`Pricing`], [`InitBilling`]),
//! and its check.

use super::err;
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

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
    /// Which rule bills the init phase: "2025-08" (since August 2025, always) or
    /// "before-2025-08" (free for .zip packages on managed runtimes, on demand).
    #[serde(default)]
    pub init_billing: InitBilling,
    /// Apply the monthly volume tiers of on-demand compute (per architecture, over the
    /// account's functions, the measured window scaled to a month of 730 hours).
    #[serde(default = "super::yes")]
    pub volume_tiers: bool,
    /// The tiers after the first, per architecture: [GB-seconds a month from which it
    /// applies, price per GB-second].
    #[serde(default = "t_x86")]
    pub x86_tiers: Vec<(f64, f64)>,
    #[serde(default = "t_arm")]
    pub arm64_tiers: Vec<(f64, f64)>,
    /// Subtract the free tier's monthly requests and GB-seconds (scaled to the measured
    /// window).
    #[serde(default)]
    pub free_tier: bool,
    #[serde(default = "f_gb_s")]
    pub free_tier_gb_seconds: f64,
    #[serde(default = "f_requests")]
    pub free_tier_requests: f64,
    /// SnapStart (Python and .NET): snapshot caching per GB-second while the version is
    /// active, and each restore per GB of memory.
    #[serde(default = "s_cache")]
    pub snapstart_cache_gb_second: f64,
    #[serde(default = "s_restore")]
    pub snapstart_restore_gb: f64,
}

/// The init billing rule (docs/sources.md: S75).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum InitBilling {
    /// Since 2025-08-01: init is billed for every function.
    #[default]
    #[serde(rename = "2025-08")]
    Current,
    /// Until then: the init of on-demand .zip functions on managed runtimes was free.
    #[serde(rename = "before-2025-08")]
    Before,
}

/// The largest price a key takes, in USD (per unit: a request, a GB-second, an hour): far above
/// any list price, low enough that no total overflows.
pub const MAX_PRICE: f64 = 1e6;

/// Hours in a month, for scaling the measured window to the monthly tiers and free tier (the
/// AWS Pricing Calculator's convention, docs/sources.md: S76).
pub const MONTH_HOURS: f64 = 730.0;

fn t_x86() -> Vec<(f64, f64)> {
    vec![(6e9, 0.000_015), (15e9, 0.000_013_333_4)]
}
fn t_arm() -> Vec<(f64, f64)> {
    vec![(7.5e9, 0.000_012_000_1), (18.75e9, 0.000_010_666_7)]
}
fn f_gb_s() -> f64 {
    400_000.0
}
fn f_requests() -> f64 {
    1_000_000.0
}
fn s_cache() -> f64 {
    0.000_001_504_6
}
fn s_restore() -> f64 {
    0.000_139_799_8
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
            init_billing: InitBilling::Current,
            volume_tiers: true,
            x86_tiers: t_x86(),
            arm64_tiers: t_arm(),
            free_tier: false,
            free_tier_gb_seconds: f_gb_s(),
            free_tier_requests: f_requests(),
            snapstart_cache_gb_second: s_cache(),
            snapstart_restore_gb: s_restore(),
        }
    }
}

impl Pricing {
    /// Checks the `[pricing]` table: every price finite and non-negative.
    pub fn check(&self) -> Result<(), ConfigError> {
        for (key, v) in [
            ("pricing.requests_per_million", self.requests_per_million),
            ("pricing.x86_gb_second", self.x86_gb_second),
            ("pricing.arm64_gb_second", self.arm64_gb_second),
            (
                "pricing.provisioned_x86_gb_second",
                self.provisioned_x86_gb_second,
            ),
            (
                "pricing.provisioned_arm64_gb_second",
                self.provisioned_arm64_gb_second,
            ),
            (
                "pricing.provisioned_x86_execution_gb_second",
                self.provisioned_x86_execution_gb_second,
            ),
            (
                "pricing.provisioned_arm64_execution_gb_second",
                self.provisioned_arm64_execution_gb_second,
            ),
            ("pricing.free_tier_gb_seconds", self.free_tier_gb_seconds),
            ("pricing.free_tier_requests", self.free_tier_requests),
            (
                "pricing.snapstart_cache_gb_second",
                self.snapstart_cache_gb_second,
            ),
            ("pricing.snapstart_restore_gb", self.snapstart_restore_gb),
        ] {
            if !(v.is_finite() && (0.0..=MAX_PRICE).contains(&v)) {
                return err(
                    key,
                    format!("must be a price from 0 to {MAX_PRICE:e} (USD), got {v:?}"),
                );
            }
        }
        for (key, tiers) in [
            ("pricing.x86_tiers", &self.x86_tiers),
            ("pricing.arm64_tiers", &self.arm64_tiers),
        ] {
            let mut from = 0.0;
            for (i, &(start, price)) in tiers.iter().enumerate() {
                if !(start.is_finite()
                    && start > from
                    && price.is_finite()
                    && (0.0..=MAX_PRICE).contains(&price))
                {
                    return err(
                        format!("{key}.{i}"),
                        format!(
                            "expected [GB-seconds a month from which the tier applies, price], starts increasing \
                             and above 0, prices non-negative; got [{start}, {price}]"
                        ),
                    );
                }
                from = start;
            }
        }
        Ok(())
    }
}
