//! What functions call besides each other: DynamoDB tables (`[[tables]]`: [`Table`], on-demand
//! or provisioned with burst capacity and target-tracking auto scaling) and generic dependencies
//! (`[[dependencies]]`: [`Dependency`], a latency, errors and a concurrency limit with a bounded
//! wait queue), and their checks. Sources of the defaults: docs/sources.md.

use super::{bad_name, check_dist, err};
use crate::dist::DistSpec;
use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// A DynamoDB table.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub name: String,
    /// `"on-demand"` (the default) or `"provisioned"`.
    #[serde(default)]
    pub mode: TableMode,
    /// Provisioned mode: read and write capacity units (required there).
    #[serde(default)]
    pub read_capacity: Option<f64>,
    #[serde(default)]
    pub write_capacity: Option<f64>,
    /// Provisioned mode: unused capacity kept for bursts, in seconds of the provisioned rate
    /// (S56: up to 300 s, the default).
    #[serde(default)]
    pub burst_seconds: Option<f64>,
    /// Provisioned mode: Application Auto Scaling target tracking on consumed capacity.
    #[serde(default)]
    pub auto_scaling: Option<TableScaling>,
    /// On-demand mode: the previous peak in read and write request units a second (default: a
    /// new table's, 6,000 reads and 2,000 writes; it serves up to twice that at once, S57).
    #[serde(default)]
    pub previous_peak_read: Option<f64>,
    #[serde(default)]
    pub previous_peak_write: Option<f64>,
    /// On-demand mode: the table's maximum throughput in request units a second (default:
    /// the per-table quota, 40,000 each, S57).
    #[serde(default)]
    pub max_read: Option<f64>,
    #[serde(default)]
    pub max_write: Option<f64>,
    /// Time from request to answer of a read and of a write (assumed: log-normal, median 3 ms
    /// and 5 ms, 99th percentile 10 ms and 15 ms; AWS promises single-digit milliseconds).
    #[serde(default)]
    pub read_latency: Option<DistSpec>,
    #[serde(default)]
    pub write_latency: Option<DistSpec>,
    /// USD per million request units (on-demand) and per capacity-unit hour (provisioned),
    /// us-east-1 (S58).
    #[serde(default = "p_rru")]
    pub read_request_price: f64,
    #[serde(default = "p_wru")]
    pub write_request_price: f64,
    #[serde(default = "p_rcu")]
    pub rcu_hour_price: f64,
    #[serde(default = "p_wcu")]
    pub wcu_hour_price: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum TableMode {
    #[default]
    OnDemand,
    Provisioned,
}

/// Target tracking of a provisioned table's read and write capacity (S59): a datapoint of
/// consumed over provisioned capacity each minute; after `scale_out_datapoints` above the
/// target the capacity is raised to consumed ÷ target, after `scale_in_datapoints` below
/// 80 % of the target it is lowered the same way, within the bounds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TableScaling {
    /// Target utilization in percent (20–90, default 70).
    #[serde(default = "target")]
    pub target_utilization: f64,
    /// Bounds of each capacity (default: the provisioned capacity to 40,000).
    #[serde(default)]
    pub min_read: Option<f64>,
    #[serde(default)]
    pub max_read: Option<f64>,
    #[serde(default)]
    pub min_write: Option<f64>,
    #[serde(default)]
    pub max_write: Option<f64>,
    /// Consecutive one-minute datapoints above the target before scaling out (S59: 2).
    #[serde(default = "two")]
    pub scale_out_datapoints: u32,
    /// Consecutive datapoints below the scale-in threshold before scaling in (S59: 15).
    #[serde(default = "fifteen")]
    pub scale_in_datapoints: u32,
    /// From the alarm to the new capacity in effect (assumed: 60 s; AWS publishes none).
    #[serde(default = "update_delay")]
    pub update_delay: Nanos,
}

/// A generic dependency: a relational database behind its connection limit, a payment API.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub name: String,
    /// Service time of one call once it is served.
    pub latency: DistSpec,
    /// Probability that a call ends in an error (after its service time).
    #[serde(default)]
    pub error_probability: f64,
    /// Calls served at once (default: no limit).
    #[serde(default)]
    pub max_concurrency: Option<u32>,
    /// Calls that may wait for a free slot beyond `max_concurrency` (default 0: a call that
    /// finds every slot busy is rejected at once, a throttle to its client).
    #[serde(default)]
    pub queue: u32,
    /// USD per million calls served, not rejected (default 0).
    #[serde(default)]
    pub price_per_million: f64,
}

fn p_rru() -> f64 {
    0.125
}
fn p_wru() -> f64 {
    0.625
}
fn p_rcu() -> f64 {
    0.000_13
}
fn p_wcu() -> f64 {
    0.000_65
}
fn target() -> f64 {
    70.0
}
fn two() -> u32 {
    2
}
fn fifteen() -> u32 {
    15
}
fn update_delay() -> Nanos {
    Nanos::from_secs(60)
}

/// Capacities and rates above this are refused (a typo guard, not a platform limit).
const MAX_UNITS: f64 = 1e9;
/// Calls that may wait at a dependency at most (memory stays bounded).
pub const MAX_QUEUE: u32 = 10_000_000;

impl Table {
    /// Its burst capacity in seconds of its provisioned rate.
    pub fn burst_seconds(&self) -> f64 {
        self.burst_seconds.unwrap_or(300.0)
    }

    /// Its read latency (the default if not given).
    pub fn read_latency(&self) -> DistSpec {
        self.read_latency.clone().unwrap_or(DistSpec::Lognormal {
            median: Nanos(3_000_000),
            p99: Nanos(10_000_000),
        })
    }

    /// Its write latency (the default if not given).
    pub fn write_latency(&self) -> DistSpec {
        self.write_latency.clone().unwrap_or(DistSpec::Lognormal {
            median: Nanos(5_000_000),
            p99: Nanos(15_000_000),
        })
    }
}

fn check_units(v: Option<f64>, key: &str, min: f64) -> Result<(), ConfigError> {
    if let Some(v) = v
        && !(v.is_finite() && v >= min && v <= MAX_UNITS)
    {
        return err(key, format!("must be from {min} to {MAX_UNITS:e}, got {v}"));
    }
    Ok(())
}

/// Checks the `[[tables]]` and `[[dependencies]]` entries: names unique among functions,
/// tables and dependencies; capacities, prices and distributions in range.
pub(super) fn check_backends(
    tables: &[Table],
    deps: &[Dependency],
    functions: &[super::Function],
) -> Result<(), ConfigError> {
    let taken = |name: &str, before_t: usize, before_d: usize| {
        functions.iter().any(|f| f.name == name)
            || tables[..before_t].iter().any(|t| t.name == name)
            || deps[..before_d].iter().any(|d| d.name == name)
    };
    for (i, t) in tables.iter().enumerate() {
        if bad_name(&t.name) {
            return err(
                format!("tables.{i}.name"),
                "must not be empty or contain '.', ',', '\"' or a newline",
            );
        }
        let key = format!("tables.{}", t.name);
        let k = |f: &str| format!("{key}.{f}");
        if taken(&t.name, i, 0) {
            return err(k("name"), "a function or another table has this name");
        }
        match t.mode {
            TableMode::Provisioned => {
                for (f, v) in [
                    ("read_capacity", t.read_capacity),
                    ("write_capacity", t.write_capacity),
                ] {
                    if v.is_none() {
                        return err(k(f), "a provisioned table needs its capacity");
                    }
                    check_units(v, &k(f), 1.0)?;
                }
                let b = t.burst_seconds();
                if !(b.is_finite() && (0.0..=300.0).contains(&b)) {
                    return err(k("burst_seconds"), "must be from 0 to 300");
                }
                if let Some(a) = &t.auto_scaling {
                    a.check(t, &k("auto_scaling"))?;
                }
            }
            // The provisioned keys are ignored on demand (and the on-demand keys when
            // provisioned), so that a sweep can switch `mode`; their values are still checked.
            TableMode::OnDemand => {
                check_units(t.read_capacity, &k("read_capacity"), 1.0)?;
                check_units(t.write_capacity, &k("write_capacity"), 1.0)?;
            }
        }
        for (f, v, min) in [
            ("previous_peak_read", t.previous_peak_read, 0.0),
            ("previous_peak_write", t.previous_peak_write, 0.0),
            ("max_read", t.max_read, 1.0),
            ("max_write", t.max_write, 1.0),
        ] {
            check_units(v, &k(f), min)?;
        }
        for (f, v) in [
            ("read_request_price", t.read_request_price),
            ("write_request_price", t.write_request_price),
            ("rcu_hour_price", t.rcu_hour_price),
            ("wcu_hour_price", t.wcu_hour_price),
        ] {
            if !(v.is_finite() && (0.0..=1e6).contains(&v)) {
                return err(k(f), format!("must be a price from 0 to 1e6 USD, got {v}"));
            }
        }
        check_dist(&t.read_latency(), &k("read_latency"))?;
        check_dist(&t.write_latency(), &k("write_latency"))?;
    }
    for (i, d) in deps.iter().enumerate() {
        if bad_name(&d.name) {
            return err(
                format!("dependencies.{i}.name"),
                "must not be empty or contain '.', ',', '\"' or a newline",
            );
        }
        let key = format!("dependencies.{}", d.name);
        let k = |f: &str| format!("{key}.{f}");
        if taken(&d.name, tables.len(), i) {
            return err(
                k("name"),
                "a function, a table or another dependency has this name",
            );
        }
        check_dist(&d.latency, &k("latency"))?;
        if !(0.0..=1.0).contains(&d.error_probability) {
            return err(k("error_probability"), "must be between 0 and 1");
        }
        if d.max_concurrency == Some(0) {
            return err(k("max_concurrency"), "must be at least 1");
        }
        if d.queue > MAX_QUEUE {
            return err(k("queue"), format!("must be at most {MAX_QUEUE}"));
        }
        if d.queue > 0 && d.max_concurrency.is_none() {
            return err(
                k("queue"),
                "needs a `max_concurrency` (without one nobody waits)",
            );
        }
        if !(d.price_per_million.is_finite() && (0.0..=1e6).contains(&d.price_per_million)) {
            return err(k("price_per_million"), "must be a price from 0 to 1e6 USD");
        }
    }
    Ok(())
}

impl TableScaling {
    fn check(&self, t: &Table, key: &str) -> Result<(), ConfigError> {
        let k = |f: &str| format!("{key}.{f}");
        if !(20.0..=90.0).contains(&self.target_utilization) {
            return err(
                k("target_utilization"),
                format!(
                    "must be from 20 to 90 percent (DynamoDB's range), got {}",
                    self.target_utilization
                ),
            );
        }
        for (f, v) in [
            ("min_read", self.min_read),
            ("max_read", self.max_read),
            ("min_write", self.min_write),
            ("max_write", self.max_write),
        ] {
            check_units(v, &k(f), 1.0)?;
        }
        let (r, w) = self.bounds(t);
        if r.0 > r.1 {
            return err(k("max_read"), "must be at least min_read");
        }
        if w.0 > w.1 {
            return err(k("max_write"), "must be at least min_write");
        }
        for (f, v) in [
            ("scale_out_datapoints", self.scale_out_datapoints),
            ("scale_in_datapoints", self.scale_in_datapoints),
        ] {
            if !(1..=1440).contains(&v) {
                return err(k(f), "must be from 1 to 1440 one-minute datapoints");
            }
        }
        if self.update_delay > Nanos::from_secs(86_400) {
            return err(k("update_delay"), "must be at most 1d");
        }
        Ok(())
    }

    /// The (min, max) read and write capacity.
    pub fn bounds(&self, t: &Table) -> ((f64, f64), (f64, f64)) {
        let r = t.read_capacity.unwrap_or(1.0);
        let w = t.write_capacity.unwrap_or(1.0);
        (
            (
                self.min_read.unwrap_or(r),
                self.max_read.unwrap_or(40_000f64.max(r)),
            ),
            (
                self.min_write.unwrap_or(w),
                self.max_write.unwrap_or(40_000f64.max(w)),
            ),
        )
    }
}
