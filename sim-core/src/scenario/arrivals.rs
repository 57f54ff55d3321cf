//! A workload's `arrivals`: generated processes ([`Process`]: poisson, constant, diurnal,
//! profile, mmpp; [`SpikeSpec`]) and traces ([`TraceFormat`], [`ColumnSpec`], [`SpreadSpec`],
//! [`Origin`], [`Select`]), all keys of one [`Arrivals`] table, and its check (which keys apply
//! to which process or format).

use super::{FieldError, err};
use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// Spikes a workload may give (each adds an edge to its rate).
pub const MAX_SPIKES: usize = 10_000;
/// The largest factor (`scale` × the spikes' factors) a trace may be replayed with.
pub const MAX_TRACE_FACTOR: f64 = 1e6;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Process {
    Poisson,
    Constant,
    /// A Poisson process whose rate follows a daily (or any `period`) cosine from `trough` to
    /// `peak`, highest at `peak_at`.
    Diurnal,
    /// A Poisson process whose rate is linear between `points` (time, rate).
    Profile,
    /// A two-state Markov-modulated Poisson process: `rate` during bursts of mean length
    /// `burst`, `quiet_rate` during quiet spells of mean length `quiet`.
    Mmpp,
}

/// The rate multiplied by `factor` from `at` for `duration`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SpikeSpec {
    pub at: Nanos,
    pub duration: Nanos,
    pub factor: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TraceFormat {
    /// One arrival time per row (seconds by default); optional function and duration columns.
    #[serde(rename = "timestamps")]
    Timestamps,
    /// Azure Functions 2019: invocations per minute, one row per function.
    #[serde(rename = "azure2019")]
    Azure2019,
    /// Azure Functions 2021: `app,func,end_timestamp,duration`, one row per invocation.
    #[serde(rename = "azure2021")]
    Azure2021,
    /// Per-request AWS Lambda logs (`client_start_time`, `aws_duration`, `is_cold`).
    #[serde(rename = "aws-lambda-log")]
    AwsLambdaLog,
    /// Huawei Cloud 2023: `day,time,<one column per function>`, invocations per interval.
    #[serde(rename = "huawei2023")]
    Huawei2023,
}

impl TraceFormat {
    pub fn format(self) -> crate::trace::Format {
        use crate::trace::Format;
        match self {
            TraceFormat::Timestamps => Format::Timestamps,
            TraceFormat::Azure2019 => Format::Azure2019,
            TraceFormat::Azure2021 => Format::Azure2021,
            TraceFormat::AwsLambdaLog => Format::AwsLambdaLog,
            TraceFormat::Huawei2023 => Format::Huawei2023,
        }
    }
}

/// A trace column: a header name or a 0-based index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum ColumnSpec {
    Index(usize),
    Name(String),
}

impl ColumnSpec {
    pub fn column(&self) -> crate::trace::Column {
        match self {
            ColumnSpec::Index(i) => crate::trace::Column::Index(*i),
            ColumnSpec::Name(n) => crate::trace::Column::Name(n.clone()),
        }
    }
}

/// How the invocations counted in one interval are placed within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum SpreadSpec {
    /// Evenly spaced.
    Uniform,
    /// At independent uniform times (a Poisson process given its count).
    Poisson,
}

/// Where trace time 0 is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The trace's own zero.
    Zero,
    /// The first row's time (for absolute clock times such as Unix epochs).
    First,
}

/// Which functions of a trace become scenario functions (all when empty). The filters combine:
/// ids and triggers first, then the popularity range, then the top N.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Select {
    /// Only these trace function ids.
    #[serde(default)]
    pub ids: Vec<String>,
    /// Only functions with one of these triggers (azure2019: http, timer, queue, event, …).
    #[serde(default)]
    pub triggers: Vec<String>,
    /// Only the N most invoked functions.
    #[serde(default)]
    pub top: Option<usize>,
    /// Only functions whose popularity rank lies in this quantile range of invocation counts:
    /// [0.9, 1.0] is the most invoked tenth.
    #[serde(default)]
    pub popularity: Option<(f64, f64)>,
}

impl Select {
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
            && self.triggers.is_empty()
            && self.top.is_none()
            && self.popularity.is_none()
    }
}

/// Either a generated process (`process` and `rate`) or a trace (`trace` and `format`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// A generated process starts at this time (default: 0)…
    #[serde(default)]
    pub start: Option<Nanos>,
    /// …and stops at this one (default: the end of the simulation). Two workloads, one with a
    /// `start`, make a step in load.
    #[serde(default)]
    pub end: Option<Nanos>,
    /// `diurnal`: the highest and lowest rates (requests per second), the period (default 1d)
    /// and when in the period the peak comes (default half-way).
    #[serde(default)]
    pub peak: Option<f64>,
    #[serde(default)]
    pub trough: Option<f64>,
    #[serde(default)]
    pub period: Option<Nanos>,
    #[serde(default)]
    pub peak_at: Option<Nanos>,
    /// `profile`: (time, requests per second) points, times increasing.
    #[serde(default)]
    pub points: Vec<(Nanos, f64)>,
    /// `mmpp`: the rate between bursts (default 0) and the mean lengths of bursts and quiet
    /// spells (exponential).
    #[serde(default)]
    pub quiet_rate: Option<f64>,
    #[serde(default)]
    pub burst: Option<Nanos>,
    #[serde(default)]
    pub quiet: Option<Nanos>,
    /// Multiplications of the rate in time windows, on any process but `constant`.
    #[serde(default)]
    pub spikes: Vec<SpikeSpec>,
    /// Every rate of the process is multiplied by this (default 1).
    #[serde(default)]
    pub scale: Option<f64>,
    /// `profile`: the points from a CSV file of `time,rate` rows (seconds, requests per second).
    #[serde(default)]
    pub points_file: Option<String>,
    /// Traces (`timestamps`): the time column (default the first), an optional function column
    /// and an optional duration column, by header name or 0-based index; their units.
    #[serde(default)]
    pub time_column: Option<ColumnSpec>,
    #[serde(default)]
    pub function_column: Option<ColumnSpec>,
    #[serde(default)]
    pub duration_column: Option<ColumnSpec>,
    /// `s` (default), `ms`, `us` or `ns`.
    #[serde(default)]
    pub time_unit: Option<String>,
    /// `ms` (default), `s`, `us` or `ns`.
    #[serde(default)]
    pub duration_unit: Option<String>,
    /// Count traces (`azure2019`, `huawei2023`): how an interval's invocations are placed in it
    /// (default `poisson`), and the interval (default: a minute for azure2019, the gap between
    /// rows for huawei2023).
    #[serde(default)]
    pub spread: Option<SpreadSpec>,
    #[serde(default)]
    pub interval: Option<Nanos>,
    /// Per-request traces: how far out of order rows may come (default 0 for timestamps, 1m for
    /// aws-lambda-log, 15m for azure2021).
    #[serde(default)]
    pub reorder: Option<Nanos>,
    /// Where trace time 0 is (default `first` for aws-lambda-log and huawei2023, else `zero`).
    #[serde(default)]
    pub origin: Option<Origin>,
    /// Trace seconds played per simulated second (default 1; 2 compresses time by half).
    #[serde(default)]
    pub speedup: Option<f64>,
    /// `azure2019`: the duration-percentile and memory files (for functions made from the trace).
    #[serde(default)]
    pub durations: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
    /// Which trace functions become scenario functions (when `function` is omitted).
    #[serde(default)]
    pub select: Option<Select>,
    /// Count bad trace rows and go on (the count is reported) instead of stopping at the first.
    #[serde(default)]
    pub skip_bad_rows: bool,
}

impl Arrivals {
    /// The rate multiplier (`scale`, default 1).
    pub fn factor(&self) -> f64 {
        self.scale.unwrap_or(1.0)
    }

    /// The spikes as the rate sees them (times in ns), cut at `horizon`: those starting at or
    /// after it are left out, the others end by it.
    pub fn spikes_until(&self, horizon: u64) -> Vec<crate::rates::Spike> {
        self.spikes
            .iter()
            .filter(|s| s.at.0 < horizon)
            .map(|s| crate::rates::Spike {
                start: s.at.0,
                end: s.at.0.saturating_add(s.duration.0).min(horizon),
                factor: s.factor,
            })
            .collect()
    }

    /// Checks a workload's arrivals, `key` naming them (`workloads.0.arrivals`): either a
    /// generated process with its keys or a trace with its format and keys.
    pub fn check(&self, key: &str) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        match (&self.process, &self.trace) {
            (Some(_), Some(_)) => {
                return err(key, "give either `process` or `trace`, not both");
            }
            (None, None) => {
                return err(
                    key,
                    "expected `process` (poisson, constant, diurnal, profile or mmpp) with its keys, or `trace = \"FILE\"` with `format`",
                );
            }
            (Some(process), None) => {
                if let Err((field, msg)) = self.check_generated(*process) {
                    return err(k(field), msg);
                }
                if self.format.is_some() {
                    return err(k("format"), "only applies to a `trace`");
                }
                if let Some(field) = self.trace_keys_set() {
                    return err(k(field), "only applies to a `trace`");
                }
            }
            (None, Some(t)) => {
                if t.trim().is_empty() {
                    return err(k("trace"), "must name a file");
                }
                if self.format.is_none() {
                    return err(
                        k("format"),
                        format!(
                            "required with `trace` (formats: {})",
                            crate::trace::Format::NAMES
                        ),
                    );
                }
                if let Err((field, msg)) = self.check_trace() {
                    return err(k(field), msg);
                }
            }
        }
        Ok(())
    }

    /// The first trace-only key set, if any.
    fn trace_keys_set(&self) -> Option<&'static str> {
        [
            ("time_column", self.time_column.is_some()),
            ("function_column", self.function_column.is_some()),
            ("duration_column", self.duration_column.is_some()),
            ("time_unit", self.time_unit.is_some()),
            ("duration_unit", self.duration_unit.is_some()),
            ("spread", self.spread.is_some()),
            ("interval", self.interval.is_some()),
            ("reorder", self.reorder.is_some()),
            ("origin", self.origin.is_some()),
            ("speedup", self.speedup.is_some()),
            ("durations", self.durations.is_some()),
            ("memory", self.memory.is_some()),
            ("select", self.select.is_some()),
            ("skip_bad_rows", self.skip_bad_rows),
        ]
        .into_iter()
        .find(|k| k.1)
        .map(|k| k.0)
    }

    /// Checks the keys of a trace; the error names the key below `arrivals`.
    fn check_trace(&self) -> Result<(), FieldError> {
        let format = self.format.expect("checked");
        let only = |key: &'static str, set: bool, formats: &str| {
            if set {
                Err((key, format!("applies only to format {formats}")))
            } else {
                Ok(())
            }
        };
        let ts = format == TraceFormat::Timestamps;
        let counts = matches!(format, TraceFormat::Azure2019 | TraceFormat::Huawei2023);
        for (key, set) in [
            ("time_column", self.time_column.is_some()),
            ("function_column", self.function_column.is_some()),
            ("duration_column", self.duration_column.is_some()),
            ("time_unit", self.time_unit.is_some()),
            ("duration_unit", self.duration_unit.is_some()),
        ] {
            only(key, set && !ts, "timestamps")?;
        }
        for (key, set) in [
            ("spread", self.spread.is_some()),
            ("interval", self.interval.is_some()),
        ] {
            only(key, set && !counts, "azure2019 or huawei2023")?;
        }
        only(
            "reorder",
            self.reorder.is_some() && counts,
            "timestamps, aws-lambda-log or azure2021",
        )?;
        for (key, set) in [
            ("durations", self.durations.is_some()),
            ("memory", self.memory.is_some()),
        ] {
            only(key, set && format != TraceFormat::Azure2019, "azure2019")?;
        }
        for (key, u) in [
            ("time_unit", &self.time_unit),
            ("duration_unit", &self.duration_unit),
        ] {
            if let Some(u) = u
                && crate::dist::unit_ns(u).is_none()
            {
                return Err((key, format!("expected s, ms, us or ns, got \"{u}\"")));
            }
        }
        if self.interval.is_some_and(|i| i.0 == 0) {
            return Err(("interval", "must be greater than 0".into()));
        }
        if let Some(s) = self.speedup
            && !(s.is_finite() && s > 0.0)
        {
            return Err(("speedup", format!("must be a positive factor, got {s}")));
        }
        if let Some(sel) = &self.select {
            if sel.top == Some(0) {
                return Err(("select.top", "must be at least 1".into()));
            }
            if let Some((lo, hi)) = sel.popularity
                && !(0.0 <= lo && lo < hi && hi <= 1.0)
            {
                return Err((
                    "select.popularity",
                    format!("expected [low, high] with 0 ≤ low < high ≤ 1, got [{lo}, {hi}]"),
                ));
            }
            if !sel.triggers.is_empty() && format != TraceFormat::Azure2019 {
                return Err((
                    "select.triggers",
                    "only azure2019 traces carry triggers".into(),
                ));
            }
        }
        for (key, set) in [
            ("rate", self.rate.is_some()),
            ("process", self.process.is_some()),
            ("peak", self.peak.is_some() || self.trough.is_some()),
            (
                "points",
                !self.points.is_empty() || self.points_file.is_some(),
            ),
            ("burst", self.burst.is_some() || self.quiet.is_some()),
            ("period", self.period.is_some() || self.peak_at.is_some()),
            ("quiet_rate", self.quiet_rate.is_some()),
        ] {
            if set {
                return Err((key, "does not apply to a `trace`".into()));
            }
        }
        self.check_common()
    }

    /// Checks the keys of a generated process; the error names the key below `arrivals`.
    fn check_generated(&self, process: Process) -> Result<(), FieldError> {
        let rate_ok = |key: &'static str, v: Option<f64>, zero_ok: bool| match v {
            Some(r) if r.is_finite() && (r > 0.0 || (zero_ok && r == 0.0)) && r <= 1e9 => Ok(()),
            Some(r) => Err((
                key,
                format!(
                    "must be a {} rate in requests per second, at most 1e9, got {r}",
                    if zero_ok { "non-negative" } else { "positive" }
                ),
            )),
            None => Err((
                key,
                format!("required with process = \"{process:?}\"").to_lowercase(),
            )),
        };
        let unused = |key: &'static str, set: bool| {
            if set {
                Err((
                    key,
                    format!("does not apply to process = \"{process:?}\"").to_lowercase(),
                ))
            } else {
                Ok(())
            }
        };
        let diurnal = self.peak.is_some()
            || self.trough.is_some()
            || self.period.is_some()
            || self.peak_at.is_some();
        let mmpp = self.quiet_rate.is_some() || self.burst.is_some() || self.quiet.is_some();
        if process != Process::Profile && self.points_file.is_some() {
            return Err((
                "points_file",
                format!("does not apply to process = \"{process:?}\"").to_lowercase(),
            ));
        }
        match process {
            Process::Poisson | Process::Constant => {
                rate_ok("rate", self.rate, false)?;
                unused("peak", diurnal)?;
                unused("points", !self.points.is_empty())?;
                unused("burst", mmpp)?;
                if process == Process::Constant {
                    unused("spikes", !self.spikes.is_empty())?;
                }
            }
            Process::Diurnal => {
                rate_ok("peak", self.peak, false)?;
                rate_ok("trough", self.trough, true)?;
                if self.trough > self.peak {
                    return Err(("trough", "must not exceed peak".into()));
                }
                if self.period.is_some_and(|p| p.0 == 0) {
                    return Err(("period", "must be greater than 0".into()));
                }
                unused("rate", self.rate.is_some())?;
                unused("points", !self.points.is_empty())?;
                unused("burst", mmpp)?;
            }
            Process::Profile if self.points_file.is_some() => {
                if !self.points.is_empty() {
                    return Err(("points", "give `points` or `points_file`, not both".into()));
                }
                unused("rate", self.rate.is_some())?;
                unused("peak", diurnal)?;
                unused("burst", mmpp)?;
            }
            Process::Profile => {
                if self.points.is_empty() {
                    return Err((
                        "points",
                        "give at least one [time, rate] point (or `points_file`)".into(),
                    ));
                }
                for (i, w) in self.points.windows(2).enumerate() {
                    if w[1].0 <= w[0].0 {
                        return Err((
                            "points",
                            format!(
                                "times must increase: point {} ({}) is not after {}",
                                i + 1,
                                w[1].0,
                                w[0].0
                            ),
                        ));
                    }
                }
                for &(_, r) in &self.points {
                    rate_ok("points", Some(r), true)?;
                }
                if self.points.iter().all(|p| p.1 == 0.0) {
                    return Err(("points", "at least one rate must be above 0".into()));
                }
                unused("rate", self.rate.is_some())?;
                unused("peak", diurnal)?;
                unused("burst", mmpp)?;
            }
            Process::Mmpp => {
                rate_ok("rate", self.rate, false)?;
                if let Some(q) = self.quiet_rate {
                    rate_ok("quiet_rate", Some(q), true)?;
                }
                for (key, v) in [("burst", self.burst), ("quiet", self.quiet)] {
                    match v {
                        Some(d) if d.0 > 0 => {}
                        Some(_) => return Err((key, "must be greater than 0".into())),
                        None => {
                            return Err((
                                key,
                                "required with process = \"mmpp\" (a mean duration)".into(),
                            ));
                        }
                    }
                }
                unused("peak", diurnal)?;
                unused("points", !self.points.is_empty())?;
            }
        }
        self.check_common()
    }

    /// Checks scale, spikes, start and end.
    fn check_common(&self) -> Result<(), FieldError> {
        if let Some(s) = self.scale
            && !(s.is_finite() && s > 0.0)
        {
            return Err(("scale", format!("must be a positive factor, got {s}")));
        }
        for sp in &self.spikes {
            if !(sp.factor.is_finite() && sp.factor >= 0.0) || sp.duration.0 == 0 {
                return Err((
                    "spikes",
                    format!(
                        "each spike needs a factor ≥ 0 and a duration > 0, got factor {} for {}",
                        sp.factor, sp.duration
                    ),
                ));
            }
        }
        if self.spikes.len() > MAX_SPIKES {
            return Err((
                "spikes",
                format!(
                    "at most {MAX_SPIKES} spikes, got {}; a `profile` describes a rate that changes often",
                    self.spikes.len()
                ),
            ));
        }
        if self.trace.is_some() {
            // A trace's arrivals are replayed scale × factor times over: bounded.
            let top = crate::rates::SpikeSteps::new(&self.spikes_until(u64::MAX))
                .over(0, u64::MAX)
                .map(|(_, _, f)| f)
                .fold(0.0, f64::max)
                * self.factor();
            if top > MAX_TRACE_FACTOR {
                let field = if self.spikes.is_empty() {
                    "scale"
                } else {
                    "spikes"
                };
                return Err((
                    field,
                    format!(
                        "a trace is replayed at most {MAX_TRACE_FACTOR:e} times over; scale × the spikes' factors reaches {top:e}"
                    ),
                ));
            }
        }
        if let (Some(s), Some(e)) = (self.start, self.end)
            && e <= s
        {
            return Err((
                "end",
                format!("must be after arrivals.start ({s}), got {e}"),
            ));
        }
        Ok(())
    }
}
