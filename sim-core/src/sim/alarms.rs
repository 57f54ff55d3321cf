//! CloudWatch alarms: the owner of each alarm's datapoints and state (`Alarms`). At each sample
//! boundary the statistics' collection hands it the interval's values (`Bins`); a period's
//! datapoint is its statistic over the period's intervals (missing if every interval was),
//! evaluated M of N with the treatment of missing data (S67); a change of state takes effect
//! after the evaluation delay, through `due` (the event loop treats it as a boundary), where
//! the `Simulation` runs its actions.

use crate::metrics::{AlarmIncident, AlarmMetrics, round_sig};
use crate::observer::SampleRow;
use crate::scenario::{
    AlarmAction, AlarmComparison, AlarmMetric, AlarmStatistic, MissingData, Scenario,
};
use std::collections::VecDeque;

/// An alarm's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Insufficient,
    Ok,
    Alarm,
}

impl State {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Insufficient => "INSUFFICIENT_DATA",
            State::Ok => "OK",
            State::Alarm => "ALARM",
        }
    }
}

/// An alarm's action, its function resolved to an index once.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Act {
    Notify,
    Reserved { f: u32, value: u32 },
    Desired { f: u32, value: u32 },
}

impl Act {
    fn of(a: &AlarmAction, s: &Scenario) -> Act {
        let index = |name: &str| {
            s.functions
                .iter()
                .position(|f| f.name == name)
                .expect("validated") as u32
        };
        match a {
            AlarmAction::Notify => Act::Notify,
            AlarmAction::ReservedConcurrency { function, value } => Act::Reserved {
                f: index(function),
                value: *value,
            },
            AlarmAction::DesiredCapacity { function, value } => Act::Desired {
                f: index(function),
                value: *value,
            },
        }
    }
}

/// The values of one sample interval that alarms read.
pub(crate) struct Bins<'a> {
    pub(crate) functions: &'a [SampleRow],
    pub(crate) table_throttles: &'a [u64],
    /// Each workflow's row.
    pub(crate) flows: &'a [crate::observer::WorkflowRow],
}

pub(crate) struct AlarmRun {
    pub(crate) name: String,
    metric: AlarmMetric,
    of_name: String,
    target: u32,
    stat: AlarmStatistic,
    bins_per_period: u32,
    period: u64,
    threshold: f64,
    cmp: AlarmComparison,
    n: usize,
    m: usize,
    missing: MissingData,
    delay: u64,
    /// The actions on entering ALARM, and on returning to OK from it, their functions by index.
    pub(crate) actions: Vec<Act>,
    pub(crate) ok_actions: Vec<Act>,
    // The period being accumulated.
    bins: u32,
    sum: f64,
    max: f64,
    min: f64,
    values: u32,
    /// The latest datapoints (newest last), up to the evaluation range.
    points: VecDeque<Option<f64>>,
    /// The state as last evaluated, and as in effect.
    decided: State,
    state: State,
    since: u64,
    /// When it entered ALARM and when it left it, and the time spent in ALARM.
    entries: Vec<u64>,
    exits: Vec<u64>,
    in_alarm: u64,
    pub(crate) notifications: u64,
}

#[derive(Default)]
pub(crate) struct Alarms {
    pub(crate) list: Vec<AlarmRun>,
    /// State changes due: (time, alarm, new state), in time order.
    due: VecDeque<(u64, u32, State)>,
    /// The scenario's incidents: name (or number), start, end.
    incidents: Vec<(String, u64, u64)>,
}

impl Alarms {
    pub(crate) fn new(s: &Scenario) -> Alarms {
        let step = s.simulation.sample_interval.0.max(1);
        let list = s
            .alarms
            .iter()
            .map(|a| {
                let target = match a.metric.owner() {
                    "table" => s.tables.iter().position(|t| t.name == a.of),
                    "workflow" => s.workflows.iter().position(|w| w.name == a.of),
                    _ => s.functions.iter().position(|f| f.name == a.of),
                }
                .expect("validated") as u32;
                let n = a.evaluation_periods as usize;
                AlarmRun {
                    name: a.name.clone(),
                    metric: a.metric,
                    of_name: a.of.clone(),
                    target,
                    stat: a.statistic,
                    bins_per_period: (a.period.0 / step) as u32,
                    period: a.period.0,
                    threshold: a.threshold,
                    cmp: a.comparison,
                    n,
                    m: a.datapoints_to_alarm.unwrap_or(a.evaluation_periods) as usize,
                    // CloudWatch's alarms on DynamoDB metrics always ignore missing data (S67).
                    missing: if a.metric == AlarmMetric::TableThrottles {
                        MissingData::Ignore
                    } else {
                        a.treat_missing_data
                    },
                    delay: a.evaluation_delay.0,
                    actions: a.actions.iter().map(|x| Act::of(x, s)).collect(),
                    ok_actions: a.ok_actions.iter().map(|x| Act::of(x, s)).collect(),
                    bins: 0,
                    sum: 0.0,
                    max: f64::NEG_INFINITY,
                    min: f64::INFINITY,
                    values: 0,
                    points: VecDeque::with_capacity(n + 2),
                    decided: State::Insufficient,
                    state: State::Insufficient,
                    since: 0,
                    entries: Vec::new(),
                    exits: Vec::new(),
                    in_alarm: 0,
                    notifications: 0,
                }
            })
            .collect();
        let incidents = s
            .incidents
            .iter()
            .enumerate()
            .map(|(i, x)| (x.name.clone().unwrap_or(i.to_string()), x.start.0, x.end.0))
            .collect();
        Alarms {
            list,
            due: VecDeque::new(),
            incidents,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// When the next state change takes effect (`u64::MAX`: none is due).
    #[inline]
    pub(crate) fn next_due(&self) -> u64 {
        self.due.front().map_or(u64::MAX, |d| d.0)
    }

    /// The sample interval ending at `now` closed with `b`: each alarm adds its value; a period
    /// that ends makes a datapoint, evaluated now, its change due after the delay.
    pub(crate) fn close_bin(&mut self, now: u64, b: &Bins) {
        for (i, a) in self.list.iter_mut().enumerate() {
            if let Some(v) = a.value(b) {
                a.sum += v;
                a.max = a.max.max(v);
                a.min = a.min.min(v);
                a.values += 1;
            }
            a.bins += 1;
            if a.bins < a.bins_per_period {
                continue;
            }
            let point = (a.values > 0).then(|| match a.stat {
                AlarmStatistic::Sum => a.sum,
                AlarmStatistic::Average => a.sum / a.values as f64,
                AlarmStatistic::Maximum => a.max,
                AlarmStatistic::Minimum => a.min,
            });
            (a.bins, a.sum, a.max, a.min, a.values) = (0, 0.0, f64::NEG_INFINITY, f64::INFINITY, 0);
            if a.points.len() == a.n + 2 {
                a.points.pop_front();
            }
            a.points.push_back(point);
            let to = evaluate(
                a.points.make_contiguous(),
                a.n,
                a.m,
                a.missing,
                |v| a.cmp.breaches(v, a.threshold),
                a.decided,
            );
            if to != a.decided {
                a.decided = to;
                let at = now.saturating_add(a.delay);
                // Changes are due in time order: every alarm's delay is its own, so insert.
                let k = self.due.partition_point(|d| d.0 <= at);
                self.due.insert(k, (at, i as u32, to));
            }
        }
    }

    /// The next state change due at or before `now`: (alarm, from, to), its state set.
    pub(crate) fn take_due(&mut self) -> Option<(u32, State, State, u64)> {
        let (at, i, to) = self.due.pop_front()?;
        let a = &mut self.list[i as usize];
        let from = a.state;
        if from == State::Alarm {
            a.in_alarm += at - a.since;
            a.exits.push(at);
        }
        if to == State::Alarm {
            a.entries.push(at);
        }
        a.state = to;
        a.since = at;
        Some((i, from, to, at))
    }

    /// Each alarm's metrics at the end of the run, with each incident's detection.
    pub(crate) fn metrics(&self, end: u64) -> Vec<(String, AlarmMetrics)> {
        let incidents = &self.incidents;
        self.list
            .iter()
            .map(|a| {
                let in_alarm = a.in_alarm
                    + if a.state == State::Alarm {
                        end - a.since
                    } else {
                        0
                    };
                // An alarm that enters ALARM up to its look-back (N periods and the delay)
                // after an incident ended still answers to it.
                // ... unless another incident has begun by then.
                let reach = a.period * a.n as u64 + a.delay;
                let window = |s: u64, e: u64| -> u64 {
                    let next = incidents
                        .iter()
                        .filter(|x| x.1 > s)
                        .map(|x| x.1)
                        .min()
                        .unwrap_or(u64::MAX);
                    e.saturating_add(reach).min(next.max(e))
                };
                let during = |t: u64| {
                    incidents
                        .iter()
                        .any(|&(_, s, e)| t >= s && t <= window(s, e))
                };
                let per_incident = incidents
                    .iter()
                    .map(|(name, s, e)| {
                        // The first time in ALARM within the incident's window: an entry into
                        // ALARM in it, or ALARM held since before it.
                        let until = window(*s, *e);
                        let spans = a
                            .entries
                            .iter()
                            .enumerate()
                            .map(|(k, &t)| (t, a.exits.get(k).copied().unwrap_or(u64::MAX)));
                        let first = spans
                            .filter(|&(t, x)| t <= until && x > *s)
                            .map(|(t, _)| t)
                            .next();
                        AlarmIncident {
                            incident: name.clone(),
                            fired: first.is_some(),
                            already_in_alarm: first.is_some_and(|t| t < *s),
                            detection_delay_s: first
                                .map(|t| round_sig(t.saturating_sub(*s) as f64 / 1e9)),
                        }
                    })
                    .collect();
                let m = AlarmMetrics {
                    metric: format!("{:?}", a.metric),
                    of: a.of_name.clone(),
                    state_at_end: a.state.as_str(),
                    alarms: a.entries.len() as u64,
                    time_in_alarm_s: round_sig(in_alarm as f64 / 1e9),
                    first_alarm_s: a.entries.first().map(|t| round_sig(*t as f64 / 1e9)),
                    notifications: a.notifications,
                    false_alarms: a.entries.iter().filter(|&&t| !during(t)).count() as u64,
                    incidents: per_incident,
                };
                (a.name.clone(), m)
            })
            .collect()
    }
}

impl AlarmRun {
    /// This alarm's value in sample interval `b` (`None`: missing).
    fn value(&self, b: &Bins) -> Option<f64> {
        let t = self.target as usize;
        if self.metric == AlarmMetric::TableThrottles {
            let v = b.table_throttles[t];
            return (v > 0).then_some(v as f64);
        }
        if self.metric == AlarmMetric::ExecutionsFailed {
            let r = &b.flows[t];
            let failed = r.failed + r.timed_out;
            let ended = r.succeeded + r.caught + failed;
            return (ended > 0).then_some(failed as f64);
        }
        let r = &b.functions[t];
        let invoked = r.arrivals > 0 || r.throttles > 0;
        match self.metric {
            AlarmMetric::Invocations => (r.arrivals > 0).then_some(r.arrivals as f64),
            AlarmMetric::Errors => invoked.then_some(r.errors as f64),
            AlarmMetric::Throttles => invoked.then_some(r.throttles as f64),
            AlarmMetric::ColdStarts => invoked.then_some(r.cold_starts as f64),
            AlarmMetric::LatencyP99 => (r.succeeded > 0).then_some(r.p99_latency_ms),
            AlarmMetric::ConcurrentExecutions => Some(r.busy),
            AlarmMetric::QueueDepth => Some(r.queue_depth as f64),
            AlarmMetric::DlqDepth => Some(r.dlq_depth as f64),
            AlarmMetric::EventAge => (r.max_event_age_ms > 0.0).then_some(r.max_event_age_ms),
            AlarmMetric::InService => r.asg.map(|g| g.in_service as f64),
            AlarmMetric::CpuUtilization => r.asg.map(|g| g.utilization * 100.0),
            AlarmMetric::TableThrottles | AlarmMetric::ExecutionsFailed => unreachable!(),
        }
    }
}

/// The state M of N datapoints give (`points`: the evaluation range, newest last; S67):
/// with at least N real datapoints, the newest N decide; with fewer, the missing ones are
/// filled as `missing` says — `breaching` and `notBreaching` as such; `missing` alarms when
/// every real datapoint breaches and the oldest is at least M datapoints old (else OK if one
/// does not breach, else no change), and with none is INSUFFICIENT_DATA; `ignore` alarms when
/// M real datapoints breach, is OK when one does not, else keeps the state.
pub(crate) fn evaluate(
    points: &[Option<f64>],
    n: usize,
    m: usize,
    missing: MissingData,
    breaches: impl Fn(f64) -> bool,
    current: State,
) -> State {
    let real: Vec<(usize, bool)> = points
        .iter()
        .rev()
        .enumerate()
        .filter_map(|(age, p)| p.map(|v| (age + 1, breaches(v))))
        .collect();
    if real.len() >= n {
        let bad = real[..n].iter().filter(|r| r.1).count();
        return if bad >= m { State::Alarm } else { State::Ok };
    }
    let bad = real.iter().filter(|r| r.1).count();
    let fill = n - real.len();
    match missing {
        MissingData::Breaching => {
            if bad + fill >= m {
                State::Alarm
            } else {
                State::Ok
            }
        }
        MissingData::NotBreaching => {
            if bad >= m {
                State::Alarm
            } else {
                State::Ok
            }
        }
        MissingData::Missing => {
            if real.is_empty() {
                State::Insufficient
            } else if bad >= m || (bad == real.len() && real.last().is_some_and(|r| r.0 >= m)) {
                State::Alarm
            } else if bad < real.len() {
                State::Ok
            } else {
                current
            }
        }
        MissingData::Ignore => {
            if bad >= m && bad > 0 {
                State::Alarm
            } else if bad < real.len() {
                State::Ok
            } else {
                current
            }
        }
    }
}

impl crate::sim::Simulation {
    /// The next alarm state change due takes effect: recorded, and its actions run.
    pub(crate) fn alarm_changes(&mut self, obs: &mut dyn crate::sim::Observer) {
        let Some((i, from, to, now)) = self.alarms.take_due() else {
            return;
        };
        let a = &self.alarms.list[i as usize];
        let metric = format!("{:?} of {}", a.metric, a.of_name);
        obs.alarm(
            crate::time::Nanos(now),
            &a.name,
            from.as_str(),
            to.as_str(),
            &metric,
        );
        let ok = match to {
            State::Alarm => false,
            State::Ok if from == State::Alarm => true,
            _ => return,
        };
        let a = &self.alarms.list[i as usize];
        for k in 0..if ok {
            a.ok_actions.len()
        } else {
            a.actions.len()
        } {
            let a = &self.alarms.list[i as usize];
            let act = if ok { a.ok_actions[k] } else { a.actions[k] };
            match act {
                Act::Notify => self.alarms.list[i as usize].notifications += 1,
                Act::Reserved { f, value } => {
                    self.lambda
                        .set_reserved(f, value, &self.incidents.list, now, obs);
                }
                Act::Desired { f, value } => {
                    if let Some(g) = self.lambda.funcs[f as usize].group {
                        let g = crate::sim::ids::GroupId(g);
                        self.in_group(g, obs, |asg, gx| asg.set_desired_now(gx, value, now));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row of CloudWatch's tables (S67): `0` not breaching, `X` breaching, `-` missing,
    /// oldest first.
    fn eval(row: &str, n: usize, m: usize, missing: MissingData) -> State {
        let points: Vec<Option<f64>> = row
            .split_whitespace()
            .map(|c| match c {
                "0" => Some(0.0),
                "X" => Some(1.0),
                _ => None,
            })
            .collect();
        evaluate(&points, n, m, missing, |v| v >= 1.0, State::Ok)
    }

    #[test]
    fn the_documented_tables_of_missing_data() {
        use MissingData::*;
        use State::*;
        // Columns: missing, ignore, breaching, notBreaching; `Ok` where the table says
        // "retain" (the current state here is OK).
        let three_of_three = [
            ("0 - X - X", [Ok, Ok, Ok, Ok]),
            ("0 - - - -", [Ok, Ok, Ok, Ok]),
            ("- - - - -", [Insufficient, Ok, Alarm, Ok]),
            ("0 X X - X", [Alarm, Alarm, Alarm, Alarm]),
            ("- - X - -", [Alarm, Ok, Alarm, Ok]),
        ];
        let two_of_three = [
            ("0 - X - X", [Alarm, Alarm, Alarm, Alarm]),
            ("0 0 X 0 X", [Alarm, Alarm, Alarm, Alarm]),
            ("0 - X - -", [Ok, Ok, Alarm, Ok]),
            ("- - - - 0", [Ok, Ok, Alarm, Ok]),
            ("- - - X -", [Alarm, Ok, Alarm, Ok]),
        ];
        for (m, table) in [(3, three_of_three), (2, two_of_three)] {
            for (row, want) in table {
                for (t, w) in [Missing, Ignore, Breaching, NotBreaching]
                    .into_iter()
                    .zip(want)
                {
                    assert_eq!(eval(row, 3, m, t), w, "{row}, {m} of 3, {t:?}");
                }
            }
        }
        // "Retain" keeps ALARM too; an alarm does not come early: `- - - - X` with 3 of 3.
        let points = [None, None, Some(1.0), None, None];
        let keep = evaluate(
            &points,
            3,
            3,
            MissingData::Ignore,
            |v| v >= 1.0,
            State::Alarm,
        );
        assert_eq!(keep, State::Alarm);
        assert_eq!(eval("- - - - X", 3, 3, MissingData::Missing), State::Ok);
    }
}
