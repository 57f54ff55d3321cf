//! The `[[alarms]]` table: CloudWatch metric alarms ([`Alarm`]) on the metrics faasim produces —
//! a function's, its group's, a table's or a workflow's — with CloudWatch's evaluation (period,
//! statistic, threshold, M of N datapoints, treatment of missing data) and their actions: a
//! notification, or a change to the model (a function's reserved concurrency, a group's desired
//! capacity). Sources: docs/sources.md (S67, S68).

use super::{Platform, Scenario, bad_name, err};
use crate::error::ConfigError;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    pub name: String,
    /// What is measured (see the scenario reference for each metric's source and when it is
    /// missing).
    pub metric: AlarmMetric,
    /// The function (or the function an Auto Scaling group runs), table or workflow measured.
    pub of: String,
    /// `"sum"`, `"average"`, `"maximum"` or `"minimum"` of the metric over the period.
    #[serde(default)]
    pub statistic: AlarmStatistic,
    /// The period of a datapoint: a multiple of `simulation.sample_interval`, and 10 s, 20 s,
    /// 30 s or a multiple of 60 s (S67).
    #[serde(default = "minute")]
    pub period: Nanos,
    pub threshold: f64,
    /// `">="` (the default), `">"`, `"<"` or `"<="`.
    #[serde(default)]
    pub comparison: AlarmComparison,
    /// N: the datapoints evaluated (default 1).
    #[serde(default = "one")]
    pub evaluation_periods: u32,
    /// M: how many of the N must breach to alarm (default N).
    #[serde(default)]
    pub datapoints_to_alarm: Option<u32>,
    /// `"missing"` (the default), `"notBreaching"`, `"breaching"` or `"ignore"` (S67). Alarms
    /// on a table's metrics always ignore missing data, as CloudWatch's on DynamoDB do.
    #[serde(default)]
    pub treat_missing_data: MissingData,
    /// Time from a period's end to its evaluation (an assumption: CloudWatch publishes none;
    /// default 0).
    #[serde(default)]
    pub evaluation_delay: Nanos,
    /// What happens when the alarm enters ALARM, and when it returns to OK.
    #[serde(default)]
    pub actions: Vec<AlarmAction>,
    #[serde(default)]
    pub ok_actions: Vec<AlarmAction>,
}

fn minute() -> Nanos {
    Nanos::from_secs(60)
}
fn one() -> u32 {
    1
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlarmMetric {
    /// A function's invocations (missing in a period without any).
    Invocations,
    /// A function's errors: function errors and timeouts (missing without invocations).
    Errors,
    /// A function's throttled invocations (missing without invocations).
    Throttles,
    /// A function's cold starts (missing without invocations).
    ColdStarts,
    /// A function's request latency in ms as its clients see it (from the first attempt, retries
    /// included), each sample interval's 99th percentile of the requests that succeeded in it
    /// (missing without one). Not CloudWatch's per-invocation `Duration`.
    LatencyP99,
    /// A function's executions in progress (each sample interval's time average).
    ConcurrentExecutions,
    /// A function's async and SQS events waiting, and its dead-letter queue's depth.
    QueueDepth,
    DlqDepth,
    /// The age of a function's oldest async event, ms (missing when none waits).
    EventAge,
    /// An Auto Scaling group's instances in service, and its CPU utilization in percent.
    InService,
    CpuUtilization,
    /// A table's throttled requests (published only when nonzero: missing otherwise).
    TableThrottles,
    /// A workflow's executions that failed or timed out (missing when none ended).
    ExecutionsFailed,
}

impl AlarmMetric {
    /// What `of` names for this metric.
    pub fn owner(self) -> &'static str {
        match self {
            AlarmMetric::TableThrottles => "table",
            AlarmMetric::ExecutionsFailed => "workflow",
            AlarmMetric::InService | AlarmMetric::CpuUtilization => "group",
            _ => "function",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum AlarmStatistic {
    Sum,
    #[default]
    Average,
    Maximum,
    Minimum,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum AlarmComparison {
    #[default]
    #[serde(rename = ">=")]
    GreaterOrEqual,
    #[serde(rename = ">")]
    Greater,
    #[serde(rename = "<")]
    Less,
    #[serde(rename = "<=")]
    LessOrEqual,
}

impl AlarmComparison {
    pub fn breaches(self, v: f64, threshold: f64) -> bool {
        match self {
            AlarmComparison::GreaterOrEqual => v >= threshold,
            AlarmComparison::Greater => v > threshold,
            AlarmComparison::Less => v < threshold,
            AlarmComparison::LessOrEqual => v <= threshold,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum MissingData {
    #[default]
    #[serde(rename = "missing")]
    Missing,
    #[serde(rename = "notBreaching")]
    NotBreaching,
    #[serde(rename = "breaching")]
    Breaching,
    #[serde(rename = "ignore")]
    Ignore,
}

/// An alarm's action.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AlarmAction {
    /// A notification (an SNS message): counted.
    Notify,
    /// Sets `function`'s reserved concurrency to `value` (0: the "kill switch"); the function
    /// must have a reserved concurrency in the scenario.
    ReservedConcurrency { function: String, value: u32 },
    /// Sets the desired capacity of the group that runs `function`.
    DesiredCapacity { function: String, value: u32 },
}

/// Checks every alarm: its target exists and runs where the metric is, its period and
/// counts are in range, its actions' targets exist.
pub(super) fn check_alarms(s: &Scenario) -> Result<(), ConfigError> {
    let step = s.simulation.sample_interval.0;
    for (i, a) in s.alarms.iter().enumerate() {
        if bad_name(&a.name) {
            return err(
                format!("alarms.{i}.name"),
                "must be a non-empty name without '.', ',', '\"' or newlines",
            );
        }
        let key = format!("alarms.{}", a.name);
        if s.alarms[..i].iter().any(|x| x.name == a.name) {
            return err(format!("{key}.name"), "is used by another alarm");
        }
        let found = match a.metric.owner() {
            "table" => s.tables.iter().any(|t| t.name == a.of),
            "workflow" => s.workflows.iter().any(|w| w.name == a.of),
            "group" => s
                .functions
                .iter()
                .any(|f| f.name == a.of && f.platform == Platform::Asg),
            _ => s.functions.iter().any(|f| f.name == a.of),
        };
        if !found {
            return err(
                format!("{key}.of"),
                format!(
                    "\"{}\" is not a {} of the scenario (metric {:?} is a {}'s)",
                    a.of,
                    a.metric.owner(),
                    a.metric,
                    a.metric.owner()
                ),
            );
        }
        let p = a.period.0;
        let secs = p / 1_000_000_000;
        let cw = p % 1_000_000_000 == 0
            && (matches!(secs, 10 | 20 | 30) || (secs > 0 && secs % 60 == 0));
        if !cw {
            return err(
                format!("{key}.period"),
                "must be 10s, 20s, 30s or a multiple of 60s (CloudWatch's periods)",
            );
        }
        if step == 0 || p % step != 0 {
            return err(
                format!("{key}.period"),
                format!(
                    "must be a multiple of simulation.sample_interval ({})",
                    s.simulation.sample_interval
                ),
            );
        }
        if !a.threshold.is_finite() {
            return err(format!("{key}.threshold"), "must be a finite number");
        }
        let n = a.evaluation_periods;
        if n == 0 || n > 1000 {
            return err(
                format!("{key}.evaluation_periods"),
                "must be from 1 to 1000",
            );
        }
        if let Some(m) = a.datapoints_to_alarm
            && (m == 0 || m > n)
        {
            return err(
                format!("{key}.datapoints_to_alarm"),
                format!("must be from 1 to evaluation_periods ({n})"),
            );
        }
        if p.saturating_mul(n as u64) > 7 * 86_400 * 1_000_000_000 {
            return err(
                format!("{key}.evaluation_periods"),
                "period × evaluation_periods must be at most 7 days (S67)",
            );
        }
        if a.evaluation_delay > Nanos::from_secs(86_400) {
            return err(format!("{key}.evaluation_delay"), "must be at most 1d");
        }
        for (list, field) in [(&a.actions, "actions"), (&a.ok_actions, "ok_actions")] {
            for (j, act) in list.iter().enumerate() {
                let k = format!("{key}.{field}.{j}");
                match act {
                    AlarmAction::Notify => {}
                    AlarmAction::ReservedConcurrency { function, .. } => {
                        match s.functions.iter().find(|f| &f.name == function) {
                            Some(f)
                                if f.reserved_concurrency.is_some()
                                    && f.platform == Platform::Lambda => {}
                            Some(_) => {
                                return err(
                                    format!("{k}.function"),
                                    format!(
                                        "\"{function}\" needs a reserved_concurrency in the scenario (on Lambda) for this action to change it"
                                    ),
                                );
                            }
                            None => {
                                return err(
                                    format!("{k}.function"),
                                    format!("no function named \"{function}\""),
                                );
                            }
                        }
                    }
                    AlarmAction::DesiredCapacity { function, .. } => {
                        if !s
                            .functions
                            .iter()
                            .any(|f| &f.name == function && f.platform == Platform::Asg)
                        {
                            return err(
                                format!("{k}.function"),
                                format!(
                                    "\"{function}\" is not a function on an Auto Scaling group (platform = \"asg\")"
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
