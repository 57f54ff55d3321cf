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
    /// Requests and events the run may hold at once before it stops (a queue that grows
    /// without end).
    #[serde(default = "default_max_backlog")]
    pub max_backlog: u64,
}

pub(super) fn default_seed() -> u64 {
    1
}
pub(super) fn default_max_backlog() -> u64 {
    10_000_000
}
pub(super) fn default_sample_interval() -> Nanos {
    Nanos::from_secs(60)
}

/// The sample interval of a run that does not choose one: one minute, or for a run shorter
/// than an hour the longest of 100 ms, 200 ms, 500 ms, 1 s, 2 s, 5 s and 10 s that still gives
/// at least 60 samples (100 ms below 6 s). Each divides 10 s, so every alarm period stays a
/// multiple of it.
pub fn auto_sample_interval(duration: Nanos) -> Nanos {
    if duration >= Nanos::from_secs(3600) {
        return default_sample_interval();
    }
    const MS: u64 = 1_000_000;
    [10_000, 5_000, 2_000, 1_000, 500, 200, 100]
        .into_iter()
        .map(|ms| Nanos(ms * MS))
        .find(|&i| duration.0 / i.0 >= 60)
        .unwrap_or(Nanos(100 * MS))
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
        if !(1_000..=1_000_000_000).contains(&self.max_backlog) {
            return err(
                "simulation.max_backlog",
                format!("must be 1000 to 1e9, got {}", self.max_backlog),
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
