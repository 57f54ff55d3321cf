//! The `[pricing]` table: Lambda prices in USD, on-demand and provisioned ([`Pricing`]), and its
//! check.

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
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return err(key, format!("must be a non-negative price, got {v}"));
            }
        }
        Ok(())
    }
}
