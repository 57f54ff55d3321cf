//! A function's compute: how its work scales with memory ([`CpuModel`], the `cpu` table),
//! durations measured per memory size (`duration_profile`), its runtime and package (which
//! choose its init time, [`Runtime`], [`Package`]) and SnapStart — and their checks.

use super::{Architecture, Function, check_dist, err};
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// Memory at which a function has the equivalent of one vCPU (docs/sources.md: S69).
pub const VCPU_MB: f64 = 1769.0;
/// vCPUs at most, at the largest memory size (docs/sources.md: S69).
pub const MAX_VCPUS: f64 = 6.0;

/// How a function's work scales with its memory. `duration` is its time at
/// `reference_memory_mb` on x86_64: a `cpu_fraction` of it is CPU-bound and runs on the CPU
/// share Lambda gives in proportion to memory (one vCPU at 1,769 MB), as fast as `threads`
/// vCPUs allow; the rest (waiting on I/O) does not change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CpuModel {
    /// The memory size `duration` was measured at.
    pub reference_memory_mb: u32,
    /// The CPU-bound share of `duration` (1: all of it).
    #[serde(default = "one")]
    pub cpu_fraction: f64,
    /// vCPUs the work can use at once (1: single-threaded).
    #[serde(default = "super::one_u32")]
    pub threads: u32,
    /// CPU speed on arm64 relative to x86_64 (an assumption: 1 unless measured).
    #[serde(default = "one")]
    pub arm64_speed: f64,
    /// Whether init time (`cold_start` or the runtime's) scales the same way, as measured at
    /// `reference_memory_mb`.
    #[serde(default)]
    pub scale_init: bool,
}

fn one() -> f64 {
    1.0
}

impl CpuModel {
    /// vCPUs the work runs on at `memory_mb`: the CPU share (memory / 1,769 MB, at most 6),
    /// at most `threads`.
    pub fn vcpus(&self, memory_mb: u32) -> f64 {
        (memory_mb as f64 / VCPU_MB)
            .min(MAX_VCPUS)
            .min(self.threads as f64)
    }

    /// The factor from `duration` (at the reference size, x86_64) to the duration at
    /// `memory_mb` on `arch`.
    pub fn factor(&self, memory_mb: u32, arch: Architecture) -> f64 {
        let speed = match arch {
            Architecture::X86_64 => 1.0,
            Architecture::Arm64 => self.arm64_speed,
        };
        let cpu = self.vcpus(self.reference_memory_mb) / self.vcpus(memory_mb) / speed;
        (1.0 - self.cpu_fraction) + self.cpu_fraction * cpu
    }

    fn check(&self, key: &str) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        if !(128..=super::MAX_MEMORY_MB).contains(&self.reference_memory_mb) {
            return err(
                k("reference_memory_mb"),
                format!(
                    "must be a Lambda memory size, 128 to {}, got {}",
                    super::MAX_MEMORY_MB,
                    self.reference_memory_mb
                ),
            );
        }
        if !(0.0..=1.0).contains(&self.cpu_fraction) {
            return err(
                k("cpu_fraction"),
                format!("must be between 0 and 1, got {}", self.cpu_fraction),
            );
        }
        if !(1..=64).contains(&self.threads) {
            return err(
                k("threads"),
                format!("must be from 1 to 64, got {}", self.threads),
            );
        }
        if !(self.arm64_speed.is_finite() && self.arm64_speed >= 0.01 && self.arm64_speed <= 100.0)
        {
            return err(
                k("arm64_speed"),
                format!("must be between 0.01 and 100, got {}", self.arm64_speed),
            );
        }
        Ok(())
    }
}

/// How a function's code is deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Package {
    /// A .zip archive (at most 250 MB unzipped).
    #[default]
    Zip,
    /// A container image (at most 10 GB).
    Image,
}

/// Largest unzipped .zip package and container image, in MB (docs/sources.md: S73).
pub const MAX_ZIP_MB: f64 = 250.0;
pub const MAX_IMAGE_MB: f64 = 10_240.0;

/// A Lambda runtime as the presets know it: its init time measured at 128 MB on x86_64 for
/// each package type (log-normal through the median and p99), and what it allows.
#[derive(Clone, Copy, Debug)]
pub struct Runtime {
    pub name: &'static str,
    /// Init duration of a small .zip package, in ms: median and 99th percentile.
    pub zip: (f64, f64),
    /// The same from a container image.
    pub image: (f64, f64),
    /// A managed runtime (not an OS-only runtime, `provided.*`, with the user's own runtime).
    pub managed: bool,
    /// SnapStart is available, and whether its caching and restore are charged (Python and
    /// .NET; Java's SnapStart has no extra charge).
    pub snapstart: Option<SnapCharge>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// Whether SnapStart's caching and restores are charged.
pub enum SnapCharge {
    Free,
    Charged,
}

impl Function {
    /// The runtime preset named by `runtime`, if any.
    pub fn runtime_preset(&self) -> Option<&'static Runtime> {
        self.runtime
            .as_deref()
            .and_then(|r| super::runtimes::RUNTIMES.iter().find(|p| p.name == r))
    }

    /// Whether this function's init was free before August 2025: a .zip package on a managed
    /// runtime (a function without `runtime` counts as one).
    pub fn init_was_free(&self) -> bool {
        self.package == Package::Zip && self.runtime_preset().is_none_or(|r| r.managed)
    }

    /// Checks `duration` and `duration_profile`, `cpu`, `runtime`, `package` and SnapStart.
    pub(super) fn check_compute(&self, key: &str) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        match (&self.duration, &self.duration_profile) {
            (Some(d), None) => check_dist(d, &k("duration"))?,
            (None, Some(p)) => {
                if p.trim().is_empty() {
                    return err(k("duration_profile"), "must name a file");
                }
                if self.cpu.is_some() {
                    return err(
                        k("cpu"),
                        "does not apply with duration_profile (its durations were measured at each size)",
                    );
                }
            }
            (Some(_), Some(_)) => {
                return err(
                    k("duration"),
                    "give either duration or duration_profile, not both",
                );
            }
            (None, None) => {
                return err(
                    k("duration"),
                    "is required: a distribution such as { dist = \"constant\", value = \"100ms\" }, \
                     or duration_profile = \"FILE\" (a Power Tuning result or a memory_mb,duration_ms CSV)",
                );
            }
        }
        if let Some(c) = &self.cold_start {
            check_dist(c, &k("cold_start"))?;
        }
        if let Some(c) = &self.cpu {
            c.check(&k("cpu"))?;
        }
        let preset = match &self.runtime {
            None => None,
            Some(r) => match self.runtime_preset() {
                Some(p) => Some(p),
                None => {
                    let known: Vec<&str> =
                        super::runtimes::RUNTIMES.iter().map(|p| p.name).collect();
                    return err(
                        k("runtime"),
                        format!("unknown runtime \"{r}\"; known: {}", known.join(", ")),
                    );
                }
            },
        };
        if let Some(mb) = self.package_mb {
            let max = match self.package {
                Package::Zip => MAX_ZIP_MB,
                Package::Image => MAX_IMAGE_MB,
            };
            if !(mb.is_finite() && (0.0..=max).contains(&mb)) {
                return err(
                    k("package_mb"),
                    format!(
                        "must be from 0 to {max} (MB) for a {} package, got {mb}",
                        if self.package == Package::Zip {
                            "zip"
                        } else {
                            "image"
                        }
                    ),
                );
            }
        }
        if let Some(r) = &self.restore {
            if !self.snapstart {
                return err(k("restore"), "only applies with snapstart = true");
            }
            check_dist(r, &k("restore"))?;
        }
        if self.snapstart {
            match preset {
                None => {
                    return err(
                        k("snapstart"),
                        "needs runtime = a runtime SnapStart supports (java11 or later, python3.12 or later, dotnet8)",
                    );
                }
                Some(p) if p.snapstart.is_none() => {
                    return err(
                        k("snapstart"),
                        format!(
                            "is not available for runtime \"{}\" (Java 11+, Python 3.12+ and .NET 8+ only)",
                            p.name
                        ),
                    );
                }
                _ => {}
            }
            if self.provisioned_concurrency > 0 || self.provisioned_scaling.is_some() {
                return err(
                    k("snapstart"),
                    format!(
                        "cannot be used with provisioned concurrency ({key}.provisioned_concurrency): \
                         Lambda does not support both on one version"
                    ),
                );
            }
            if self.package == Package::Image {
                return err(
                    k("snapstart"),
                    format!("cannot be used with container images ({key}.package = \"image\")"),
                );
            }
        }
        Ok(())
    }
}
