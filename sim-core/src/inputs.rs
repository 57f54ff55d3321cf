//! The inputs a scenario names, opened through [`Resources`]: empirical distributions, traces
//! (with their reader and replay options from the `arrivals` keys) and rate profiles.

use crate::dist::{Dist, DistSpec, parse_empirical};
use crate::error::{InputError, SimError};
use crate::resources::Resources;
use crate::trace::Replay;
use std::sync::Arc;

/// The distribution `spec`, read from its file if it is empirical; errors name `key`.
pub(crate) fn load_dist(res: &dyn Resources, spec: &DistSpec, key: &str) -> Result<Dist, SimError> {
    let samples = match spec {
        DistSpec::Empirical { file, unit } => {
            Some(read_empirical(res, file, unit).map_err(|e| {
                SimError::Input(InputError {
                    message: format!("{} ({key}.file)", e.message),
                    ..e
                })
            })?)
        }
        _ => None,
    };
    Ok(Dist::from_spec(spec, samples))
}

fn read_empirical(res: &dyn Resources, file: &str, unit: &str) -> Result<Arc<[u64]>, InputError> {
    let display = res.display(file);
    let reader = res.open(file).map_err(|message| InputError {
        file: display.clone(),
        line: 0,
        message,
    })?;
    parse_empirical(reader, unit)
        .map(Arc::from)
        .map_err(|(line, message)| InputError {
            file: display,
            line,
            message,
        })
}

/// Opens the trace of `a` for replay; `names`: the scenario functions a trace of many functions
/// may invoke (the reader keeps only their counts).
pub(crate) fn open_trace(
    a: &crate::scenario::Arrivals,
    names: Option<&std::collections::HashSet<&str>>,
    sim: &crate::scenario::Settings,
    res: &dyn Resources,
    workload: u64,
) -> Result<Replay, SimError> {
    let path = a.trace.as_deref().expect("a trace");
    // Each workload spreads and scales with its own draws.
    let seed = sim.seed ^ workload.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let opts = reader_options(a, seed);
    let wanted = names.map(|n| move |s: &str| n.contains(s));
    let stream = crate::trace::open(
        res,
        path,
        &opts,
        wanted.as_ref().map(|w| w as &dyn Fn(&str) -> bool),
    )?;
    Ok(Replay::new(stream, replay_options(a, sim.duration.0, seed)))
}

/// The reader options of a trace's `arrivals` keys.
pub fn reader_options(a: &crate::scenario::Arrivals, seed: u64) -> crate::trace::ReaderOptions {
    use crate::scenario::SpreadSpec;
    use crate::trace::{ReaderOptions, Spread};
    let format = a.format.expect("a trace has a format").format();
    let mut o = ReaderOptions::new(format);
    o.time_column = a.time_column.as_ref().map(|c| c.column());
    o.function_column = a.function_column.as_ref().map(|c| c.column());
    o.duration_column = a.duration_column.as_ref().map(|c| c.column());
    if let Some(u) = a.time_unit.as_deref().and_then(crate::dist::unit_ns) {
        o.time_unit = u;
    }
    if let Some(u) = a.duration_unit.as_deref().and_then(crate::dist::unit_ns) {
        o.duration_unit = u;
    }
    o.spread = match a.spread {
        Some(SpreadSpec::Uniform) => Spread::Uniform,
        _ => Spread::Poisson,
    };
    o.interval = a.interval.map(|i| i.0);
    if let Some(r) = a.reorder {
        o.reorder = r.0;
    }
    o.skip_bad_rows = a.skip_bad_rows;
    o.seed = seed;
    o
}

/// The replay options of a trace's `arrivals` keys.
pub fn replay_options(
    a: &crate::scenario::Arrivals,
    until: u64,
    seed: u64,
) -> crate::trace::ReplayOptions {
    use crate::scenario::Origin;
    let format = a.format.expect("a trace has a format").format();
    crate::trace::ReplayOptions {
        origin_first: match a.origin {
            Some(Origin::First) => true,
            Some(Origin::Zero) => false,
            None => format.default_origin_first(),
        },
        start: a.start.map(|t| t.0).unwrap_or(0),
        end: a.end.map(|t| t.0).unwrap_or(u64::MAX),
        speedup: a.speedup.unwrap_or(1.0),
        scale: a.factor(),
        spikes: a.spikes_until(u64::MAX),
        until,
        seed,
    }
}

/// Reads a rate profile: `time,rate` rows (seconds, requests per second), times increasing.
/// The most points a `points_file` may hold.
pub const MAX_POINTS: usize = 10_000_000;

pub(crate) fn read_points(
    res: &dyn Resources,
    path: &str,
    key: &str,
) -> Result<Vec<(u64, f64)>, SimError> {
    let file = res.display(path);
    let reader = res.open(path).map_err(|message| InputError {
        file: format!("{file} ({key}.points_file)"),
        line: 0,
        message,
    })?;
    let mut rows = crate::trace::Rows::new(reader, file, false);
    let mut out: Vec<(u64, f64)> = Vec::new();
    while rows.next_row()? {
        if out.is_empty() && rows.line == 1 && rows.field(0).parse::<f64>().is_err() {
            continue;
        }
        let t = rows.number(0, "a time in seconds")?;
        let r = rows.number(1, "a rate in requests per second")?;
        if !(t.is_finite() && t >= 0.0 && (0.0..=1e9).contains(&r)) {
            return Err(rows
                .error(format!(
                    "expected a time ≥ 0 s and a rate in [0, 1e9], found {t}, {r}"
                ))
                .into());
        }
        if out.len() >= MAX_POINTS {
            return Err(rows.error(format!("at most {MAX_POINTS} points")).into());
        }
        let t = (t * 1e9).round() as u64;
        if let Some(&(t0, _)) = out.last()
            && t <= t0
        {
            return Err(rows.error("times must increase").into());
        }
        out.push((t, r));
    }
    if !out.iter().any(|p| p.1 > 0.0) {
        return Err(InputError {
            file: rows.file.clone(),
            line: 0,
            message: "expected `time,rate` rows with at least one rate above 0".into(),
        }
        .into());
    }
    Ok(out)
}
