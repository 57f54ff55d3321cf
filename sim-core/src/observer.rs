//! What a run hands out while it goes: [`Observer`] receives the time series ([`SampleRow`]),
//! the attempts ([`RequestRecord`]), scaling activities and progress; [`NullObserver`] wants
//! nothing but the summary.

use crate::metrics::Outcome;
use crate::time::Nanos;

/// One request attempt, as written to `requests.csv`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RequestRecord {
    pub id: u64,
    pub function: u32,
    pub arrival: Nanos,
    /// When execution (or the cold start before it) began; `None` if it never did.
    pub start: Option<Nanos>,
    /// When the attempt ended; `None` if still running at the end of the simulation.
    pub end: Option<Nanos>,
    pub cold: bool,
    pub outcome: Outcome,
    pub attempt: u32,
    /// Whether the request arrived in the measured window (after warmup).
    pub measured: bool,
    /// The Lambda execution environment that ran it: its slot and its creation time (ns), which
    /// together name it for the whole run (`None`: not run, or not known where).
    pub env: Option<(u32, u64)>,
}

/// One row of the time series: function `function` over `[time, time + span)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleRow {
    pub time: Nanos,
    pub span: Nanos,
    pub function: u32,
    pub arrivals: u64,
    /// Time-averaged instances alive, busy and idle over the interval.
    pub instances: f64,
    pub busy: f64,
    pub idle: f64,
    /// Instances alive at the end of the interval.
    pub instances_end: u64,
    pub cold_starts: u64,
    pub throttles: u64,
    /// Attempts that ended in an error (timeouts, crashes and init failures included).
    pub errors: u64,
    /// Attempts after a request's first: client retries, async retries, SQS redeliveries.
    pub retries: u64,
    /// Events and messages sent to the dead-letter queue in the interval.
    pub dead_lettered: u64,
    /// Events and messages in the dead-letter queue at the end of the interval (nothing consumes
    /// it, so this is the running total).
    pub dlq_depth: u64,
    /// Async events and SQS messages waiting at the end of the interval (not executing).
    pub queue_depth: u64,
    /// Largest age of an async event or SQS message when an attempt on it began (AWS
    /// `AsyncEventAge`, `ApproximateAgeOfOldestMessage`).
    pub max_event_age_ms: f64,
    /// Incidents affecting the function at some time in the interval.
    pub incidents: u32,
    /// Provisioned environments allocated at the end of the interval.
    pub provisioned: u64,
    /// Busy provisioned environments over allocated ones, time-averaged over the interval
    /// (AWS `ProvisionedConcurrencyUtilization`; 0 without any).
    pub provisioned_utilization: f64,
    /// Invocations served on demand although the function has provisioned concurrency (AWS
    /// `ProvisionedConcurrencySpilloverInvocations`).
    pub spillover: u64,
    pub succeeded: u64,
    /// Latency of the requests that succeeded in the interval (0 if none).
    pub p99_latency_ms: f64,
    pub mean_latency_ms: f64,
    /// The EC2 Auto Scaling group's columns (functions with `platform = "asg"`).
    pub asg: Option<AsgSample>,
}

/// Receives what a run produces while it runs, so that nothing per request is kept in memory.
pub trait Observer {
    /// Whether `request` should be called (building records costs a little).
    fn wants_requests(&self) -> bool {
        false
    }
    /// Whether `sample` should be called. Without samples the run skips the time series and
    /// its per-interval histograms: a summary-only run (a sweep's) is faster.
    fn wants_samples(&self) -> bool {
        true
    }
    fn request(&mut self, _r: &RequestRecord) {}
    fn sample(&mut self, _row: &SampleRow) {}
    /// Called at every sample boundary with the simulated time reached.
    fn progress(&mut self, _now: Nanos, _end: Nanos) {}
    /// A scaling activity of function `function`: its provisioned concurrency, or its Auto
    /// Scaling group's desired capacity, goes from `from` to `to`; `why` names the policy.
    fn scaling(&mut self, _time: Nanos, _function: u32, _from: u32, _to: u32, _why: &str) {}
    /// One service's row of a sample interval (APIs, tables and dependencies, only when the
    /// scenario has them), after the functions' rows of the same interval.
    fn service(&mut self, _row: &ServiceRow) {}
    /// One workflow's row of a sample interval (only when the scenario has workflows), after the
    /// services' rows of the same interval.
    fn workflow(&mut self, _row: &WorkflowRow) {}
    /// CloudWatch alarm `alarm` goes from state `from` to `to` (`OK`, `ALARM`,
    /// `INSUFFICIENT_DATA`); `metric` names what it watches.
    fn alarm(&mut self, _time: Nanos, _alarm: &str, _from: &str, _to: &str, _metric: &str) {}
}

/// A workflow over the sample interval `[time, time + span)` (warmup included): executions
/// started (StartExecution calls, throttled ones included), ended by outcome, throttled at start,
/// and running at the interval's end.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WorkflowRow {
    pub time: Nanos,
    pub span: Nanos,
    /// The workflow's index in the scenario's `workflows`.
    pub workflow: u32,
    pub started: u64,
    pub succeeded: u64,
    pub caught: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub throttled: u64,
    pub running: u64,
}

/// A service over the sample interval `[time, time + span)` (warmup included): requests
/// received and throttled (an API's 429, a table's throughput exception, a dependency's
/// rejection); an API's 504s at its integration timeout and requests sent to the function; a
/// table's or dependency's errors; a table's consumed capacity units and its capacity at the
/// end (units a second, reads and writes together); calls that waited at a dependency.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ServiceRow {
    pub time: Nanos,
    pub span: Nanos,
    /// The service's index: the scenario's `apis`, then its `tables`, then its
    /// `dependencies`.
    pub service: u32,
    pub requests: u64,
    pub throttled: u64,
    pub timed_out: u64,
    pub forwarded: u64,
    pub errors: u64,
    pub waited: u64,
    pub consumed: f64,
    pub capacity: f64,
}

/// An observer that keeps nothing: the run produces only its summary.
pub struct NullObserver;

impl Observer for NullObserver {
    fn wants_samples(&self) -> bool {
        false
    }
}

/// A group's columns of a time-series row.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AsgSample {
    pub in_service: u64,
    pub pending: u64,
    pub warm_pool: u64,
    pub desired: u64,
    pub queue_length: u64,
    pub mean_queue_length: f64,
    pub queue_wait_ms: f64,
    pub utilization: f64,
    pub scaling_activities: u64,
}
