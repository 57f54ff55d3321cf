//! The EC2 Auto Scaling group platform's configuration: `platform = "asg"` with an `[asg]` table.
//! Defaults and their sources are in `docs/model.md` (docs/sources.md: S24–S28, S32, S47–S49).

use crate::dist::DistSpec;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// Where a function runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// AWS Lambda: execution environments, keep-alive, concurrency limits.
    #[default]
    Lambda,
    /// An EC2 Auto Scaling group behind a load balancer.
    Asg,
}

/// An instance type of the built-in table: vCPUs, memory and On-Demand Linux price in us-east-1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstanceType {
    pub name: &'static str,
    pub vcpus: u32,
    pub memory_gib: f64,
    pub hourly_price: f64,
}

/// The built-in instance types (docs/sources.md: S24, S47). Any other
/// type is given with `vcpus`, `memory_gib` and `hourly_price`.
pub const INSTANCE_TYPES: &[InstanceType] = &[
    InstanceType {
        name: "m5.large",
        vcpus: 2,
        memory_gib: 8.0,
        hourly_price: 0.096,
    },
    InstanceType {
        name: "c6g.large",
        vcpus: 2,
        memory_gib: 4.0,
        hourly_price: 0.068,
    },
    InstanceType {
        name: "m7g.large",
        vcpus: 2,
        memory_gib: 8.0,
        hourly_price: 0.0816,
    },
];

/// The state warm-pool instances wait in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum PoolState {
    /// Stopped: pays EBS only; starts in about 36 s.
    #[default]
    Stopped,
    /// Running: pays the full instance price; starts at once.
    Running,
    /// Hibernated: pays EBS including the RAM image.
    Hibernated,
}

/// An Auto Scaling group: instances, the load balancer in front of them, scaling and billing.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AsgConfig {
    /// A type of the built-in table (`m5.large`, `c6g.large`, `m7g.large`) or any name with
    /// `vcpus`, `memory_gib` and `hourly_price` given.
    #[serde(default = "default_type")]
    pub instance_type: String,
    #[serde(default)]
    pub vcpus: Option<u32>,
    #[serde(default)]
    pub memory_gib: Option<f64>,
    /// On-Demand price per instance-hour in USD.
    #[serde(default)]
    pub hourly_price: Option<f64>,
    /// Requests one instance serves at once (default: its vCPUs).
    #[serde(default)]
    pub slots: Option<u32>,
    #[serde(default = "one")]
    pub min: u32,
    pub max: u32,
    /// Initial desired capacity (default `min`).
    #[serde(default)]
    pub desired: Option<u32>,
    /// From launch to InService: boot plus application bootstrap.
    #[serde(default = "default_launch")]
    pub launch_time: DistSpec,
    /// Time a deregistering instance keeps finishing its requests before it terminates.
    #[serde(default = "s300")]
    pub deregistration_delay: Nanos,
    /// Requests the load balancer holds when every slot is busy; more are rejected (503).
    #[serde(default = "default_queue_length")]
    pub queue_length: u32,
    /// A request waiting longer than this is answered with a timeout (504).
    #[serde(default = "s60")]
    pub queue_timeout: Nanos,
    /// New instances feed no metrics, and block scale-in, for this long after InService.
    #[serde(default = "s300")]
    pub instance_warmup: Nanos,
    /// Health checks ignore an instance for this long after it enters service.
    #[serde(default = "s300")]
    pub health_check_grace: Nanos,
    /// Instances are replaced when they reach this age (at least 1 day; omit for none).
    #[serde(default)]
    pub max_instance_lifetime: Option<Nanos>,
    /// Mean time between failures of an instance (exponential; omit for none).
    #[serde(default)]
    pub mtbf: Option<Nanos>,
    /// EBS gp3 volume size per instance (GB).
    #[serde(default = "default_volume")]
    pub volume_gb: f64,
    /// EBS gp3 price per GB-month (a month is 730 hours).
    #[serde(default = "default_gp3")]
    pub ebs_gb_month_price: f64,
    /// CloudWatch metric period: one datapoint per period.
    #[serde(default = "s60")]
    pub metric_period: Nanos,
    /// Time from the end of a metric period until its datapoint reaches the alarms.
    #[serde(default)]
    pub metric_delay: Nanos,
    #[serde(default)]
    pub policies: Vec<ScalingPolicy>,
    #[serde(default)]
    pub schedule: Vec<AsgScheduledAction>,
    #[serde(default)]
    pub warm_pool: Option<WarmPool>,
}

/// A warm pool of pre-initialized instances that scale-out draws from first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WarmPool {
    #[serde(default)]
    pub min_size: u32,
    /// Pool size = this − desired capacity (default: the group's `max`).
    #[serde(default)]
    pub max_group_prepared_capacity: Option<u32>,
    #[serde(default)]
    pub pool_state: PoolState,
    /// Scale-in returns instances to the pool instead of terminating them.
    #[serde(default)]
    pub reuse_on_scale_in: bool,
    /// From leaving the pool to InService (default by state: Stopped and Hibernated 36 s,
    /// Running 5 s).
    #[serde(default)]
    pub start_time: Option<DistSpec>,
}

/// The metric an alarm or a target tracking policy watches, one datapoint per metric period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AsgMetric {
    /// Average utilization of in-service instances past their warmup, in percent (busy slots
    /// over slots; `ASGAverageCPUUtilization`).
    Cpu,
    /// Requests per minute per in-service instance (`ALBRequestCountPerTarget`).
    RequestsPerTarget,
    /// Mean number of requests waiting at the load balancer.
    QueueLength,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PolicyType {
    TargetTracking,
    Step,
    Simple,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Above,
    Below,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentType {
    #[default]
    ChangeInCapacity,
    ExactCapacity,
    PercentChangeInCapacity,
}

/// One step of a step scaling policy: when the metric minus the threshold lies in
/// `[lower, upper)` (an absent bound is unbounded), adjust by `adjustment`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub lower: Option<f64>,
    #[serde(default)]
    pub upper: Option<f64>,
    pub adjustment: i64,
}

/// A scaling policy. `type` picks which keys apply:
/// - `target_tracking`: `metric`, `target`, `scale_out_datapoints` (3), `scale_in_datapoints`
///   (15), `scale_in_ratio` (0.7), `disable_scale_in`;
/// - `step`: `metric`, `comparison`, `threshold`, `datapoints` (1), `steps`, `adjustment_type`,
///   `min_adjustment_magnitude`;
/// - `simple`: `metric`, `comparison`, `threshold`, `datapoints` (1), `adjustment`,
///   `adjustment_type`, `min_adjustment_magnitude`, `cooldown` (300 s).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ScalingPolicy {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: PolicyType,
    pub metric: AsgMetric,
    #[serde(default)]
    pub target: Option<f64>,
    #[serde(default = "three")]
    pub scale_out_datapoints: u32,
    #[serde(default = "fifteen")]
    pub scale_in_datapoints: u32,
    #[serde(default = "default_in_ratio")]
    pub scale_in_ratio: f64,
    #[serde(default)]
    pub disable_scale_in: bool,
    #[serde(default)]
    pub comparison: Option<Comparison>,
    #[serde(default)]
    pub threshold: Option<f64>,
    #[serde(default = "one")]
    pub datapoints: u32,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub adjustment: Option<i64>,
    #[serde(default)]
    pub adjustment_type: AdjustmentType,
    #[serde(default)]
    pub min_adjustment_magnitude: Option<u32>,
    #[serde(default = "s300")]
    pub cooldown: Nanos,
}

/// A scheduled action: at `at` (and every `every` after, if given) set any of min, max and
/// desired capacity.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AsgScheduledAction {
    pub at: Nanos,
    #[serde(default)]
    pub every: Option<Nanos>,
    #[serde(default)]
    pub min: Option<u32>,
    #[serde(default)]
    pub max: Option<u32>,
    #[serde(default)]
    pub desired: Option<u32>,
}

fn default_type() -> String {
    "m5.large".into()
}
fn one() -> u32 {
    1
}
fn three() -> u32 {
    3
}
fn fifteen() -> u32 {
    15
}
fn default_in_ratio() -> f64 {
    0.7
}
fn s60() -> Nanos {
    Nanos::from_secs(60)
}
fn s300() -> Nanos {
    Nanos::from_secs(300)
}
fn default_launch() -> DistSpec {
    DistSpec::constant(Nanos::from_secs(243))
}
fn default_queue_length() -> u32 {
    1024
}
fn default_volume() -> f64 {
    8.0
}
fn default_gp3() -> f64 {
    0.08
}

/// Default time from leaving the warm pool to InService, by pool state.
pub fn default_pool_start(state: PoolState) -> DistSpec {
    match state {
        PoolState::Stopped | PoolState::Hibernated => DistSpec::constant(Nanos::from_secs(36)),
        PoolState::Running => DistSpec::constant(Nanos::from_secs(5)),
    }
}

type FieldError = (String, String);

fn fe<T>(key: impl Into<String>, msg: impl Into<String>) -> Result<T, FieldError> {
    Err((key.into(), msg.into()))
}

impl AsgConfig {
    /// A group of `min = max = desired = n` instances of the default type, no policies.
    pub fn fixed(n: u32) -> AsgConfig {
        AsgConfig {
            instance_type: default_type(),
            vcpus: None,
            memory_gib: None,
            hourly_price: None,
            slots: None,
            min: n,
            max: n,
            desired: Some(n),
            launch_time: default_launch(),
            deregistration_delay: s300(),
            queue_length: default_queue_length(),
            queue_timeout: s60(),
            instance_warmup: s300(),
            health_check_grace: s300(),
            max_instance_lifetime: None,
            mtbf: None,
            volume_gb: default_volume(),
            ebs_gb_month_price: default_gp3(),
            metric_period: s60(),
            metric_delay: Nanos::ZERO,
            policies: Vec::new(),
            schedule: Vec::new(),
            warm_pool: None,
        }
    }

    /// The instance type: the table's entry with any overrides, or an error naming the key.
    pub fn resolved_type(&self) -> Result<InstanceType, FieldError> {
        let known = INSTANCE_TYPES.iter().find(|t| t.name == self.instance_type);
        let missing = |key: &str| {
            fe(
                key,
                format!(
                    "instance type \"{}\" is not in the built-in table ({}): give vcpus, memory_gib and hourly_price",
                    self.instance_type,
                    INSTANCE_TYPES
                        .iter()
                        .map(|t| t.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        let vcpus = match (self.vcpus, known) {
            (Some(v), _) => v,
            (None, Some(t)) => t.vcpus,
            (None, None) => return missing("vcpus"),
        };
        let memory_gib = match (self.memory_gib, known) {
            (Some(v), _) => v,
            (None, Some(t)) => t.memory_gib,
            (None, None) => return missing("memory_gib"),
        };
        let hourly_price = match (self.hourly_price, known) {
            (Some(v), _) => v,
            (None, Some(t)) => t.hourly_price,
            (None, None) => return missing("hourly_price"),
        };
        Ok(InstanceType {
            name: known.map(|t| t.name).unwrap_or("custom"),
            vcpus,
            memory_gib,
            hourly_price,
        })
    }

    /// Requests one instance serves at once.
    pub fn slots(&self) -> u32 {
        self.slots
            .unwrap_or_else(|| self.resolved_type().map(|t| t.vcpus).unwrap_or(1))
    }

    /// Checks the values given; the error names the key below `asg`.
    pub fn check(&self) -> Result<(), FieldError> {
        let t = self.resolved_type()?;
        if t.vcpus == 0 {
            return fe("vcpus", "must be at least 1");
        }
        if !(t.memory_gib.is_finite() && t.memory_gib > 0.0) {
            return fe(
                "memory_gib",
                format!("must be positive, got {}", t.memory_gib),
            );
        }
        if !(t.hourly_price.is_finite() && (0.0..=super::MAX_PRICE).contains(&t.hourly_price)) {
            return fe(
                "hourly_price",
                format!(
                    "must be a price from 0 to {:e} (USD an hour), got {:?}",
                    super::MAX_PRICE,
                    t.hourly_price
                ),
            );
        }
        if !(1..=10_000).contains(&self.slots()) {
            return fe(
                "slots",
                format!("must be between 1 and 10000, got {}", self.slots()),
            );
        }
        if self.max == 0 || self.max > 100_000 {
            return fe(
                "max",
                format!("must be between 1 and 100000, got {}", self.max),
            );
        }
        if self.min > self.max {
            return fe(
                "min",
                format!("must not exceed max ({}), got {}", self.max, self.min),
            );
        }
        if let Some(d) = self.desired
            && !(self.min..=self.max).contains(&d)
        {
            return fe(
                "desired",
                format!(
                    "must be between min ({}) and max ({}), got {d}",
                    self.min, self.max
                ),
            );
        }
        if let Err(m) = self.launch_time.check() {
            return fe("launch_time", m);
        }
        if self.metric_period < Nanos::from_secs(1) {
            return fe(
                "metric_period",
                format!(
                    "must be at least 1s (CloudWatch's finest resolution), got {}",
                    self.metric_period
                ),
            );
        }
        if let Some(l) = self.max_instance_lifetime
            && l < Nanos::from_secs(86_400)
        {
            return fe(
                "max_instance_lifetime",
                format!("must be at least 1d (AWS's minimum), got {l}"),
            );
        }
        if self.mtbf.is_some_and(|m| m.0 == 0) {
            return fe("mtbf", "must be greater than 0 (omit it for no failures)");
        }
        // Bounded, so that no cost overflows: a 64 TiB volume at most (EBS's largest), a
        // price up to MAX_PRICE.
        for (key, v, max) in [
            ("volume_gb", self.volume_gb, 65_536.0),
            (
                "ebs_gb_month_price",
                self.ebs_gb_month_price,
                super::MAX_PRICE,
            ),
        ] {
            if !(v.is_finite() && (0.0..=max).contains(&v)) {
                return fe(key, format!("must be a number from 0 to {max}, got {v:?}"));
            }
        }
        for (i, p) in self.policies.iter().enumerate() {
            p.check()
                .map_err(|(k, m)| (format!("policies.{i}.{k}"), m))?;
        }
        for (i, a) in self.schedule.iter().enumerate() {
            let k = |f: &str| format!("schedule.{i}.{f}");
            if a.every.is_some_and(|e| e < Nanos::from_secs(60)) {
                return fe(
                    k("every"),
                    "must be at least 1m (scheduled actions run at most once a minute)",
                );
            }
            if a.min.is_none() && a.max.is_none() && a.desired.is_none() {
                return fe(k("desired"), "give at least one of min, max and desired");
            }
            if let (Some(lo), Some(hi)) = (a.min, a.max)
                && lo > hi
            {
                return fe(k("min"), format!("must not exceed max ({hi})"));
            }
        }
        if let Some(w) = &self.warm_pool {
            if let Some(p) = w.max_group_prepared_capacity
                && p < self.min
            {
                return fe(
                    "warm_pool.max_group_prepared_capacity",
                    format!("must be at least min ({}), got {p}", self.min),
                );
            }
            if let Some(s) = &w.start_time
                && let Err(m) = s.check()
            {
                return fe("warm_pool.start_time", m);
            }
        }
        Ok(())
    }
}

impl ScalingPolicy {
    fn check(&self) -> Result<(), FieldError> {
        let unused = |key: &str, set: bool| -> Result<(), FieldError> {
            if set {
                fe(
                    key,
                    format!("does not apply to a {} policy", self.kind_name()),
                )
            } else {
                Ok(())
            }
        };
        match self.kind {
            PolicyType::TargetTracking => {
                match self.target {
                    // CPU utilization is in percent, as in CloudWatch: 0.5 is a likely slip.
                    Some(t) if self.metric == AsgMetric::Cpu && !(1.0..=100.0).contains(&t) => {
                        return fe(
                            "target",
                            format!(
                                "CPU utilization is in percent, from 1 to 100 (50 for half the slots busy), got {t}"
                            ),
                        );
                    }
                    Some(t) if t.is_finite() && t > 0.0 => {}
                    Some(t) => return fe("target", format!("must be positive, got {t}")),
                    None => return fe("target", "a target tracking policy needs a target"),
                }
                if self.scale_out_datapoints == 0 || self.scale_in_datapoints == 0 {
                    return fe(
                        "scale_out_datapoints",
                        "datapoint counts must be at least 1",
                    );
                }
                if !(self.scale_in_ratio > 0.0 && self.scale_in_ratio <= 1.0) {
                    return fe(
                        "scale_in_ratio",
                        format!("must be in (0, 1], got {}", self.scale_in_ratio),
                    );
                }
                unused("threshold", self.threshold.is_some())?;
                unused("comparison", self.comparison.is_some())?;
                unused("steps", !self.steps.is_empty())?;
                unused("adjustment", self.adjustment.is_some())?;
            }
            PolicyType::Step | PolicyType::Simple => {
                unused("target", self.target.is_some())?;
                if self.comparison.is_none() {
                    return fe("comparison", "give \"above\" or \"below\"");
                }
                match self.threshold {
                    Some(t) if t.is_finite() => {}
                    _ => return fe("threshold", "the alarm needs a finite threshold"),
                }
                if self.datapoints == 0 {
                    return fe("datapoints", "must be at least 1");
                }
                if self.kind == PolicyType::Step {
                    unused("adjustment", self.adjustment.is_some())?;
                    if self.steps.is_empty() {
                        return fe("steps", "a step policy needs at least one step");
                    }
                    for (j, s) in self.steps.iter().enumerate() {
                        if let (Some(lo), Some(hi)) = (s.lower, s.upper)
                            && lo >= hi
                        {
                            return fe(format!("steps.{j}.upper"), "must be above lower");
                        }
                    }
                } else {
                    unused("steps", !self.steps.is_empty())?;
                    if self.adjustment.is_none() {
                        return fe("adjustment", "a simple policy needs an adjustment");
                    }
                }
            }
        }
        Ok(())
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            PolicyType::TargetTracking => "target_tracking",
            PolicyType::Step => "step",
            PolicyType::Simple => "simple",
        }
    }
}
