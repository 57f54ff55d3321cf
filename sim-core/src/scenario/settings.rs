//! The `[simulation]` table: simulated time, warm-up, seed and sampling interval ([`Settings`]),
//! and its check.

use super::err;
use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

// The JSON Schema names this table `Simulation`, as it did before the type was renamed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Simulation"))]
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

pub(super) fn default_seed() -> u64 {
    1
}
pub(super) fn default_sample_interval() -> Nanos {
    Nanos::from_secs(60)
}

impl Settings {
    /// Checks the `[simulation]` table; errors name the key (`simulation.warmup`).
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.duration.0 == 0 {
            return err("simulation.duration", "must be greater than 0");
        }
        if self.warmup >= self.duration {
            return err(
                "simulation.warmup",
                format!(
                    "must be shorter than simulation.duration ({}), got {}",
                    self.duration, self.warmup
                ),
            );
        }
        if self.sample_interval.0 == 0 {
            return err("simulation.sample_interval", "must be greater than 0");
        }
        if self.duration.0 / self.sample_interval.0 > 10_000_000 {
            return err(
                "simulation.sample_interval",
                format!(
                    "{} gives more than 10 million samples over {}; choose a longer interval",
                    self.sample_interval, self.duration
                ),
            );
        }
        Ok(())
    }
}
