//! A function's execution and init times as a run draws them: `duration` scaled to the
//! function's memory by its `cpu` model, or read at its memory from its `duration_profile`; init
//! from SnapStart's restore, else `cold_start`, else the runtime's preset (shifted by the
//! package's size).

use super::{Dist, DistSpec, Nanos, Resources, SimError, load_dist};
use crate::error::InputError;
use crate::profile::Profile;
use crate::scenario::{CpuModel, Function, Package, Platform};

/// The execution-time distribution of function `f` at its memory size.
pub(crate) fn work(f: &Function, res: &dyn Resources) -> Result<Dist, SimError> {
    let key = format!("functions.{}", f.name);
    if let Some(path) = &f.duration_profile {
        let file = res.display(path);
        let fail = |line: u64, message: String| {
            SimError::Input(InputError {
                file: file.clone(),
                line,
                message,
            })
        };
        let reader = res.open(path).map_err(|m| fail(0, m))?;
        let profile = Profile::parse(reader).map_err(|(l, m)| fail(l, m))?;
        return profile
            .at(f.memory_mb)
            .map_err(|m| fail(0, format!("{m} ({key}.memory_mb)")));
    }
    let spec = f
        .duration
        .as_ref()
        .expect("validated: duration or duration_profile");
    let d = load_dist(res, spec, &format!("{key}.duration"))?;
    Ok(match (&f.cpu, f.platform) {
        (Some(cpu), Platform::Lambda) => d.scaled(cpu.factor(f.memory_mb, f.architecture)),
        _ => d,
    })
}

/// The init-time distribution of function `f`: the SnapStart restore, else `cold_start` if
/// given, else the runtime's preset for its package (plus its size), else zero; scaled by the
/// `cpu` model if `scale_init`.
pub(crate) fn init(f: &Function, res: &dyn Resources) -> Result<Dist, SimError> {
    let key = format!("functions.{}", f.name);
    let preset = f.runtime_preset();
    // What the init time was measured at: `cold_start` at the reference size, presets at 128 MB.
    let (d, measured_at) = if f.snapstart {
        // The snapshot replaces init (`cold_start`, kept so that a sweep can switch SnapStart).
        let spec = f.restore.clone().unwrap_or_else(default_restore);
        (load_dist(res, &spec, &format!("{key}.restore"))?, None)
    } else if let Some(c) = &f.cold_start {
        (load_dist(res, c, &format!("{key}.cold_start"))?, None)
    } else if let Some(r) = preset {
        let (median, p99) = match f.package {
            Package::Zip => r.zip,
            Package::Image => r.image,
        };
        let spec = DistSpec::Lognormal {
            median: Nanos((median * 1e6).round() as u64),
            p99: Nanos((p99 * 1e6).round() as u64),
        };
        let d = Dist::from_spec(&spec, None)
            .shifted(f.package_mb.unwrap_or(0.0) * f.init_per_package_mb.0 as f64);
        (d, Some(128))
    } else {
        return Ok(Dist::Constant(0));
    };
    Ok(match (&f.cpu, f.platform) {
        (Some(cpu), Platform::Lambda) if cpu.scale_init => {
            let cpu = CpuModel {
                reference_memory_mb: measured_at.unwrap_or(cpu.reference_memory_mb),
                ..cpu.clone()
            };
            d.scaled(cpu.factor(f.memory_mb, f.architecture))
        }
        _ => d,
    })
}

/// SnapStart's restore time when `restore` is not given: Java 21's measured at 128 MB
/// (docs/sources.md: S71), assumed for Python and .NET too.
fn default_restore() -> DistSpec {
    DistSpec::Lognormal {
        median: Nanos::from_millis(1016),
        p99: Nanos::from_millis(1407),
    }
}
