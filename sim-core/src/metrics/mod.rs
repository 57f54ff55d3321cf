//! Streamed metrics: outcome counters, log-linear latency histograms, and the run summary.
//!
//! Nothing here grows with the number of requests: counters are integers and a histogram has
//! at most 64 rows of fixed size, allocated the first time a value falls in them.

mod alarms;
mod labels;
mod workflows;
pub use alarms::*;
pub use labels::LabelComparison;
pub use workflows::*;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// How a request (or one attempt, in `requests.csv`) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    Failed,
    Throttled,
    TimedOut,
    DeadLettered,
    InFlight,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Throttled => "throttled",
            Outcome::TimedOut => "timed_out",
            Outcome::DeadLettered => "dead_lettered",
            Outcome::InFlight => "in_flight",
        }
    }
}

/// Rows for any resolution: values up to 2^64 need 64 − b + 1 rows.
const ROWS: usize = 64;

/// A high-dynamic-range latency histogram in nanoseconds (the HdrHistogram layout, log-linear):
/// values below 2^b are counted exactly; above, each power-of-two range [2^e, 2^(e+1)) is cut
/// into 2^b equal buckets. With b = 9 a bucket is at most 1/512 of its values wide, so reporting
/// its midpoint is within 0.1 % of any value in it. Sum, count, minimum and maximum are exact.
///
/// Rows (one per power of two) are allocated the first time a value lands in them: a function
/// whose latencies span 20 ms to 1 s touches six rows (12 KiB), so thousands of functions each
/// keep their own histogram in little memory, and recording touches few cache lines.
#[derive(Clone)]
pub struct LatencyHist {
    bits: u32,
    /// Counts per bucket, 32 bits to halve the memory that recording touches; a count that
    /// passes 2^32 − 1 carries into `carries` (never, in practice, but exact all the same).
    rows: [Option<Box<[u32]>>; ROWS],
    /// ((row, bucket), multiples of 2^32) for buckets whose count has wrapped.
    carries: Vec<((u8, u16), u64)>,
    /// Values in each row, so that percentile walks skip whole rows.
    row_counts: [u64; ROWS],
    count: u64,
    sum_ns: u128,
    max_ns: u64,
}

impl LatencyHist {
    /// ≤ 0.1 % relative error (512 buckets per power of two).
    pub fn precise() -> Self {
        Self::with_bits(9)
    }

    /// ≤ 0.8 % relative error (64 buckets per power of two), for per-interval percentiles.
    pub fn coarse() -> Self {
        Self::with_bits(6)
    }

    fn with_bits(bits: u32) -> Self {
        LatencyHist {
            bits,
            rows: std::array::from_fn(|_| None),
            carries: Vec::new(),
            row_counts: [0; ROWS],
            count: 0,
            sum_ns: 0,
            max_ns: 0,
        }
    }

    /// (row, bucket) of a value.
    #[inline]
    fn index(&self, v: u64) -> (usize, usize) {
        let b = self.bits;
        if v < 1 << b {
            (0, v as usize)
        } else {
            let e = 63 - v.leading_zeros();
            ((e - b + 1) as usize, ((v >> (e - b)) - (1 << b)) as usize)
        }
    }

    /// The smallest value and the width of bucket (row, i).
    fn bucket(&self, row: usize, i: usize) -> (u64, u64) {
        if row == 0 {
            (i as u64, 1)
        } else {
            let shift = row as u32 - 1;
            (((1u64 << self.bits) + i as u64) << shift, 1 << shift)
        }
    }

    #[inline(always)]
    pub fn record(&mut self, ns: u64) {
        let (r, i) = self.index(ns);
        let c = match &mut self.rows[r] {
            Some(row) => &mut row[i],
            None => &mut self.new_row(r)[i],
        };
        if *c == u32::MAX {
            *c = 0;
            self.carry(r, i, 1);
        } else {
            *c += 1;
        }
        self.row_counts[r] += 1;
        self.count += 1;
        self.sum_ns += ns as u128;
        self.max_ns = self.max_ns.max(ns);
    }

    #[cold]
    fn new_row(&mut self, r: usize) -> &mut [u32] {
        self.rows[r].insert(vec![0u32; 1 << self.bits].into_boxed_slice())
    }

    /// Adds `n` × 2^32 to bucket (r, i).
    #[cold]
    fn carry(&mut self, r: usize, i: usize, n: u64) {
        let key = (r as u8, i as u16);
        match self.carries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, c)) => *c += n,
            None => self.carries.push((key, n)),
        }
    }

    /// The count of bucket (r, i).
    #[inline]
    fn get(&self, r: usize, i: usize, low: u32) -> u64 {
        let mut c = low as u64;
        if !self.carries.is_empty() {
            let key = (r as u8, i as u16);
            if let Some((_, hi)) = self.carries.iter().find(|(k, _)| *k == key) {
                c += hi << 32;
            }
        }
        c
    }

    /// Adds `n` to bucket (r, i).
    fn add_count(&mut self, r: usize, i: usize, n: u64) {
        let bits = self.bits;
        let row = self.rows[r].get_or_insert_with(|| vec![0u32; 1 << bits].into_boxed_slice());
        let total = row[i] as u64 + n;
        row[i] = total as u32;
        if total >> 32 > 0 {
            self.carry(r, i, total >> 32);
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Empties the histogram, keeping its rows for reuse.
    pub fn reset(&mut self) {
        if self.count == 0 {
            return;
        }
        for (row, c) in self.rows.iter_mut().zip(&mut self.row_counts) {
            if *c > 0 {
                row.as_mut().expect("a counted row exists").fill(0);
                *c = 0;
            }
        }
        self.carries.clear();
        self.count = 0;
        self.sum_ns = 0;
        self.max_ns = 0;
    }

    /// Adds every value of `other` (which must have the same resolution).
    pub fn add(&mut self, other: &LatencyHist) {
        assert_eq!(self.bits, other.bits, "histograms of different resolution");
        for r in 0..ROWS {
            if other.row_counts[r] == 0 {
                continue;
            }
            let Some(t) = other.rows[r].as_deref() else {
                continue;
            };
            for (i, &low) in t.iter().enumerate() {
                let n = other.get(r, i, low);
                if n > 0 {
                    self.add_count(r, i, n);
                }
            }
        }
        for (a, b) in self.row_counts.iter_mut().zip(&other.row_counts) {
            *a += b;
        }
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Non-empty buckets in increasing order: (representative value in ns, count).
    fn buckets(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.rows
            .iter()
            .zip(&self.row_counts)
            .enumerate()
            .filter(|(_, (_, c))| **c > 0)
            .flat_map(move |(r, (row, _))| {
                let row = row.as_deref().unwrap_or(&[]);
                row.iter()
                    .enumerate()
                    .map(move |(i, &low)| (i, self.get(r, i, low)))
                    .filter(|(_, c)| *c > 0)
                    .map(move |(i, c)| (self.value(r, i), c))
            })
    }

    /// The value reported for bucket (row, i): its midpoint, or the maximum if lower.
    fn value(&self, r: usize, i: usize) -> u64 {
        let (lo, w) = self.bucket(r, i);
        (lo + w / 2).min(self.max_ns)
    }

    /// The q-quantile in milliseconds: the value of the ⌈q·n⌉-th smallest recorded value's
    /// bucket (0 when empty).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.quantiles_ms(&[q])[0]
    }

    /// Several quantiles (ascending) in one walk.
    pub fn quantiles_ms<const N: usize>(&self, qs: &[f64; N]) -> [f64; N] {
        let mut out = [0.0; N];
        if self.count == 0 {
            return out;
        }
        let mut k = 0;
        let mut acc = 0;
        for (r, (row, &rc)) in self.rows.iter().zip(&self.row_counts).enumerate() {
            if k == N {
                break;
            }
            let rank = |q: f64| ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
            if rc == 0 || acc + rc < rank(qs[k]) {
                acc += rc;
                continue;
            }
            for (i, &low) in row.as_deref().unwrap_or(&[]).iter().enumerate() {
                let c = self.get(r, i, low);
                if c == 0 {
                    continue;
                }
                acc += c;
                while k < N && acc >= rank(qs[k]) {
                    out[k] = self.value(r, i) as f64 / 1e6;
                    k += 1;
                }
            }
        }
        out
    }

    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.count as f64 / 1e6
        }
    }

    pub fn max_ms(&self) -> f64 {
        self.max_ns as f64 / 1e6
    }

    pub fn summary(&self) -> Latency {
        let [p50, p90, p95, p99, p999] = self.quantiles_ms(&[0.5, 0.9, 0.95, 0.99, 0.999]);
        Latency {
            mean: round3(self.mean_ms()),
            p50: round3(p50),
            p90: round3(p90),
            p95: round3(p95),
            p99: round3(p99),
            p999: round3(p999),
            max: round3(self.max_ms()),
        }
    }

    /// The distribution as (bucket value in ns, values recorded at or below it), one point per
    /// non-empty bucket: the CDF in integers.
    pub fn cumulative(&self) -> Vec<(u64, u64)> {
        let mut acc = 0u64;
        self.buckets()
            .map(|(v, c)| {
                acc += c;
                (v, acc)
            })
            .collect()
    }

    /// The empirical CDF as (latency ms, cumulative fraction) at each non-empty bucket.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let n = self.count as f64;
        self.cumulative()
            .into_iter()
            .map(|(v, acc)| (v as f64 / 1e6, acc as f64 / n))
            .collect()
    }
}

/// Rounds to 3 decimals (microseconds, for values in ms) so summaries print cleanly.
pub fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Rounds to 9 significant decimals for money and ratios.
pub fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let mag = v.abs().log10().floor() as i32;
    let scale = 10f64.powi(8 - mag);
    (v * scale).round() / scale
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Outcomes {
    pub succeeded: u64,
    pub failed: u64,
    pub throttled: u64,
    pub timed_out: u64,
    pub dead_lettered: u64,
    pub in_flight: u64,
}

impl Outcomes {
    /// A request ends with the failure of its last attempt: a throttle, an error (a service
    /// error is a failure too) or a timeout.
    pub(crate) fn count_failure(&mut self, kind: crate::retry::Failure) {
        use crate::retry::Failure;
        match kind {
            Failure::Throttle => self.throttled += 1,
            Failure::Error | Failure::ServiceError => self.failed += 1,
            Failure::Timeout => self.timed_out += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.succeeded
            + self.failed
            + self.throttled
            + self.timed_out
            + self.dead_lettered
            + self.in_flight
    }
    pub fn add(&mut self, o: &Outcomes) {
        self.succeeded += o.succeeded;
        self.failed += o.failed;
        self.throttled += o.throttled;
        self.timed_out += o.timed_out;
        self.dead_lettered += o.dead_lettered;
        self.in_flight += o.in_flight;
    }
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Latency {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// Execution environments over the measured window.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Instances {
    /// Time-averaged count alive (initializing, busy or idle).
    pub mean: f64,
    /// Most alive at once.
    pub max: u64,
    pub mean_busy: f64,
    pub mean_idle: f64,
    /// Most busy at once: the peak concurrency, the quantity Lambda's limits apply to.
    pub max_busy: u64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Cost {
    pub total: f64,
    pub requests: f64,
    pub compute: f64,
    pub provisioned: f64,
    /// EC2 Auto Scaling groups: instances and EBS volumes, in the group and in warm pools.
    pub ec2: f64,
    /// API Gateway: requests received and not throttled (only with `[[apis]]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<f64>,
    /// DynamoDB tables and dependencies (only with `[[tables]]` or `[[dependencies]]`; in the
    /// total, not in any function's cost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub services: Option<f64>,
    /// Step Functions workflows (only with `[[workflows]]`; in the total, not in any
    /// function's cost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflows: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ec2_parts: Option<Ec2Cost>,
    /// SnapStart's snapshot caching and restores (Python and .NET functions with SnapStart).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapstart: Option<f64>,
    /// The free tier's allowance for the measured window, subtracted (a negative amount; only
    /// with `pricing.free_tier`; in the total, not in any function's cost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_tier: Option<f64>,
    /// `total` per million requests (0 without requests).
    pub per_million_requests: f64,
}

/// The parts of an EC2 Auto Scaling group's cost.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Ec2Cost {
    /// Instance time of the group's instances (per second, at least 60 s per start).
    pub instances: f64,
    /// EBS volumes of the group's instances.
    pub ebs: f64,
    /// Warm-pool instances while running (launching into the pool, or kept Running).
    pub warm_pool_instances: f64,
    /// EBS volumes of warm-pool instances (with the RAM image when Hibernated).
    pub warm_pool_ebs: f64,
}

impl Ec2Cost {
    pub fn total(&self) -> f64 {
        self.instances + self.ebs + self.warm_pool_instances + self.warm_pool_ebs
    }
    pub fn add(&mut self, o: &Ec2Cost) {
        self.instances += o.instances;
        self.ebs += o.ebs;
        self.warm_pool_instances += o.warm_pool_instances;
        self.warm_pool_ebs += o.warm_pool_ebs;
    }
    pub fn rounded(&self) -> Ec2Cost {
        Ec2Cost {
            instances: round_sig(self.instances),
            ebs: round_sig(self.ebs),
            warm_pool_instances: round_sig(self.warm_pool_instances),
            warm_pool_ebs: round_sig(self.warm_pool_ebs),
        }
    }
}

/// What an EC2 Auto Scaling group did over the measured window.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct AsgMetrics {
    pub instance_type: String,
    /// Requests an instance serves at once.
    pub slots: u32,
    /// Desired capacity at the end.
    pub desired: u32,
    pub mean_in_service: f64,
    pub max_in_service: u64,
    pub mean_pending: f64,
    /// Instances in the warm pool (warming or waiting), time-averaged.
    pub mean_warm_pool: f64,
    /// Busy slots over in-service slots, time-averaged.
    pub utilization: f64,
    /// Requests that waited in the load balancer's queue, over requests that started.
    pub wait_probability: f64,
    /// Mean wait in the queue of the requests that started (zero waits included).
    pub mean_queue_wait_ms: f64,
    pub mean_queue_length: f64,
    pub max_queue_length: u64,
    /// Instances launched fresh into the group (not into the warm pool).
    pub launches: u64,
    /// Instances started from the warm pool.
    pub warm_starts: u64,
    pub terminations: u64,
    /// Instances replaced after a failure or at their maximum lifetime.
    pub replacements: u64,
    /// Changes of the desired capacity (scaling policies and scheduled actions).
    pub scaling_activities: u64,
}

impl AsgMetrics {
    /// Rounds the averages to the summary's precision.
    pub fn rounded(mut self) -> AsgMetrics {
        for v in [
            &mut self.mean_in_service,
            &mut self.mean_pending,
            &mut self.mean_warm_pool,
            &mut self.utilization,
            &mut self.wait_probability,
            &mut self.mean_queue_wait_ms,
            &mut self.mean_queue_length,
        ] {
            *v = round_sig(*v);
        }
        self
    }
}

/// The metrics of one function, or of all functions together.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Metrics {
    pub requests: u64,
    pub attempts: u64,
    /// Attempts per request (retries included): how much load retries add.
    pub retry_amplification: f64,
    pub outcomes: Outcomes,
    pub cold_starts: u64,
    /// Attempts that ran init on an existing environment reset by a timeout (AWS: "suppressed
    /// init", billed as part of the invocation). Not counted in `cold_starts`.
    pub suppressed_inits: u64,
    /// Inits that failed: with an error (the attempt fails, the environment is reset) or by
    /// running past the init timeout (init runs again inside the invocation).
    pub init_failures: u64,
    /// Environments that crashed (busy: the request in flight failed; idle: reset).
    pub crashes: u64,
    /// SQS messages executed successfully again after an earlier successful execution
    /// (at-least-once delivery).
    pub duplicates: u64,
    /// Invocations served on demand although the function has provisioned concurrency.
    pub spillover: u64,
    /// Busy provisioned environments over allocated ones, averaged over the measured window.
    pub provisioned_utilization: f64,
    pub cold_start_ratio: f64,
    /// Attempts that ran (billed invocations; retries included, throttled ones not).
    pub invocations: u64,
    /// Mean execution time of an attempt in ms (init excluded), the `Duration` Lambda reports:
    /// what AWS Lambda Power Tuning averages.
    pub duration_ms: f64,
    pub latency_ms: Latency,
    pub instances: Instances,
    pub cost_usd: Cost,
    /// Billed compute in GB-seconds (init and execution, 1 ms rounding).
    pub billed_gb_s: f64,
    /// Memory held by idle instances in GB-seconds: the other side of the cold-start trade-off,
    /// which keep-alive spends (not billed by Lambda, but capacity the platform holds).
    pub idle_gb_s: f64,
    /// The EC2 Auto Scaling group (functions with `platform = "asg"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asg: Option<AsgMetrics>,
}

/// What `simulate` returns: the content of `summary.json`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub simulated_s: f64,
    /// Length of the measured window (simulated time after warmup).
    pub measured_s: f64,
    #[serde(flatten)]
    pub total: Metrics,
    pub functions: FunctionMetrics,
    /// One entry per trace replayed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub traces: Vec<TraceReport>,
    /// The services in front of and behind the functions (API Gateway APIs, DynamoDB tables,
    /// dependencies), by name.
    #[serde(skip_serializing_if = "ServiceMetrics::is_empty")]
    pub services: ServiceMetrics,
    /// The calls functions make, one entry per caller and target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<CallMetrics>,
    /// The Step Functions workflows, by name.
    #[serde(skip_serializing_if = "Named::is_empty")]
    pub workflows: Named<WorkflowMetrics>,
    /// The CloudWatch alarms, by name.
    #[serde(skip_serializing_if = "Named::is_empty")]
    pub alarms: Named<AlarmMetrics>,
}

/// A service's metrics over the measured window.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Service {
    Api(ApiMetrics),
    Table(TableMetrics),
    Dependency(DependencyMetrics),
}

impl Service {
    /// Its cost over the measured window.
    pub fn cost_usd(&self) -> f64 {
        match self {
            Service::Api(a) => a.cost_usd,
            Service::Table(t) => t.cost_usd,
            Service::Dependency(d) => d.cost_usd,
        }
    }
}

/// A DynamoDB table over the measured window: requests (attempts), throttled, ended in an
/// error, succeeded; capacity units consumed; the capacity (or on-demand allowance) at the end
/// and at its highest, in units a second; its cost (request units on demand, capacity-hours
/// provisioned).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TableMetrics {
    /// `"dynamodb"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `"on-demand"` or `"provisioned"`.
    pub mode: &'static str,
    pub requests: u64,
    pub throttled: u64,
    pub errors: u64,
    pub succeeded: u64,
    pub read_units: f64,
    pub write_units: f64,
    pub read_capacity: f64,
    pub write_capacity: f64,
    pub peak_read_capacity: f64,
    pub peak_write_capacity: f64,
    pub cost_usd: f64,
}

/// A generic dependency over the measured window: calls received, rejected (every slot and the
/// wait queue full), waited for a slot, ended in an error, succeeded; the mean wait of those
/// that waited and were served; calls still waiting at the end; its cost.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DependencyMetrics {
    /// `"dependency"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub calls: u64,
    pub rejected: u64,
    pub waited: u64,
    pub errors: u64,
    pub succeeded: u64,
    pub mean_wait_ms: f64,
    pub waiting_at_end: u64,
    pub cost_usd: f64,
}

/// One entry of a function's `calls` over the measured window: calls made, attempts
/// (retries included), and sync calls that succeeded, that still failed after their retries,
/// and whose retry was dropped because their caller had ended (its timeout, an error) (the
/// rest were still under way at the end; an async call's end is its callee's).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CallMetrics {
    pub from: String,
    pub to: String,
    /// `"sync"` or `"async"`.
    pub mode: &'static str,
    pub calls: u64,
    pub attempts: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub abandoned: u64,
}

/// An API Gateway API over the measured window: attempts received, throttled (429, never sent
/// to the function), answered 504 at the integration timeout (the function ran on), and sent
/// to the function; its cost (requests not throttled, at the API type's price).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ApiMetrics {
    /// `"rest"` or `"http"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub requests: u64,
    pub throttled: u64,
    pub timed_out: u64,
    pub forwarded: u64,
    pub cost_usd: f64,
}

/// What a replayed trace gave: rows read and skipped as bad, arrivals replayed, arrivals of
/// functions the scenario does not have, and invocations the trace itself labelled cold.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TraceReport {
    pub workload: String,
    pub file: String,
    pub rows: u64,
    pub skipped_rows: u64,
    pub replayed: u64,
    pub unmatched: u64,
    pub labelled_cold: u64,
    /// The first bad row skipped (file:line: message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_skipped: Option<String>,
    /// A trace with cold/warm labels (`aws-lambda-log`): its labels beside faasim's, request
    /// by request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<LabelComparison>,
}

/// Named entries (functions, services), serialized as a JSON object in scenario order.
#[derive(Clone, Debug, PartialEq)]
pub struct Named<T>(pub Vec<(String, T)>);

/// Per-function metrics.
pub type FunctionMetrics = Named<Metrics>;

/// The services' metrics.
pub type ServiceMetrics = Named<Service>;

impl Named<Service> {
    /// The API named `name`.
    pub fn api(&self, name: &str) -> Option<&ApiMetrics> {
        match self.get(name) {
            Some(Service::Api(a)) => Some(a),
            _ => None,
        }
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableMetrics> {
        match self.get(name) {
            Some(Service::Table(t)) => Some(t),
            _ => None,
        }
    }

    /// The dependency named `name`.
    pub fn dependency(&self, name: &str) -> Option<&DependencyMetrics> {
        match self.get(name) {
            Some(Service::Dependency(d)) => Some(d),
            _ => None,
        }
    }
}

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named(Vec::new())
    }
}

impl<T> Named<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, m)| m)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_within_a_tenth_of_a_percent() {
        let mut h = LatencyHist::precise();
        for i in 1..=100_000u64 {
            h.record(i * 37_000); // 0.037 ms .. 3700 ms
        }
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = (q * 100_000.0f64).ceil() * 0.037;
            let got = h.quantile_ms(q);
            assert!(
                (got - exact).abs() / exact < 0.001,
                "q{q}: {got} vs {exact}"
            );
        }
        assert!((h.mean_ms() - 50_000.5 * 0.037).abs() < 1e-9);
        assert_eq!(h.max_ms(), 3700.0);
        let cdf = h.cdf();
        assert!((cdf.last().unwrap().1 - 1.0).abs() < 1e-12);
        assert!(cdf.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
    }

    /// Every value from 1 ns to 2^40 ns lands in a bucket whose reported value is within 0.1 %.
    #[test]
    fn bucket_resolution_over_the_whole_range() {
        let mut r = crate::rng::SimRng::new(2, 2);
        for _ in 0..200_000 {
            let v = (r.uniform() * 40.0).exp2() as u64 + 1;
            let mut h = LatencyHist::precise();
            h.record(v);
            h.record(u64::MAX / 4); // keeps min/max clamping out of the way
            h.record(0);
            let got = h.quantile_ms(0.5) * 1e6;
            assert!(
                (got - v as f64).abs() <= v as f64 * 0.001 + 0.5,
                "{v}: {got}"
            );
        }
    }

    /// A bucket whose count passes 2^32 keeps counting exactly.
    #[test]
    fn counts_past_32_bits_carry() {
        let mut h = LatencyHist::precise();
        h.record(1_000);
        let (r, i) = h.index(1_000);
        h.rows[r].as_mut().unwrap()[i] = u32::MAX - 1;
        h.row_counts[r] = u32::MAX as u64;
        h.count = u32::MAX as u64;
        h.record(1_000); // reaches u32::MAX
        h.record(1_000); // wraps and carries
        h.record(2_000);
        assert_eq!(
            h.get(r, i, h.rows[r].as_ref().unwrap()[i]),
            u32::MAX as u64 + 1
        );
        let mut sum = LatencyHist::precise();
        sum.add(&h);
        sum.add(&h);
        assert_eq!(
            sum.get(r, i, sum.rows[r].as_ref().unwrap()[i]),
            2 * (u32::MAX as u64 + 1)
        );
        // The median is the heavy bucket; the maximum the lone larger value.
        assert_eq!(sum.quantile_ms(0.5), 0.001);
        assert_eq!(sum.quantile_ms(1.0), 0.002);
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        for mut h in [LatencyHist::precise(), LatencyHist::coarse()] {
            h.record(u64::MAX);
            h.record(0);
            h.record(1 << 63);
            assert_eq!(h.count(), 3);
            assert!(h.quantile_ms(1.0) > 1e12);
        }
    }

    #[test]
    fn add_reset_and_memory() {
        let mut a = LatencyHist::precise();
        let mut b = LatencyHist::precise();
        for i in 0..1000u64 {
            a.record(i * 1_000_000);
            b.record(i * 2_000_000);
        }
        a.add(&b);
        assert_eq!(a.count(), 2000);
        assert_eq!(a.max_ms(), 1998.0);
        let rows = a.rows.iter().flatten().count();
        assert_eq!(
            a.quantiles_ms(&[0.25, 0.5, 0.75]),
            [a.quantile_ms(0.25), a.quantile_ms(0.5), a.quantile_ms(0.75)]
        );
        assert!(rows <= 25, "only touched rows are allocated ({rows})");
        a.reset();
        assert_eq!(a.count(), 0);
        assert_eq!(a.quantile_ms(0.5), 0.0);
        a.record(5);
        assert_eq!(a.quantile_ms(1.0), 5e-6);
    }
}
