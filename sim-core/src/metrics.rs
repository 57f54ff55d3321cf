//! Streamed metrics: outcome counters, HDR latency histograms, and the run summary.
//!
//! Nothing here grows with the number of requests: a histogram has a fixed number of buckets
//! (latency up to 30 days at 0.1 % resolution), counters are integers.

use hdrhistogram::Histogram;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// Highest latency a histogram holds, in microseconds (30 days); longer values saturate.
const HIST_MAX_US: u64 = 30 * 24 * 3600 * 1_000_000;

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

/// A latency histogram in microseconds with an exact sum, count and maximum.
#[derive(Clone)]
pub struct LatencyHist {
    h: Histogram<u64>,
    sum_ns: u128,
    max_ns: u64,
}

impl LatencyHist {
    /// `sigfig` significant decimal digits: 3 gives ≤ 0.1 % relative error.
    pub fn new(sigfig: u8) -> Self {
        LatencyHist {
            h: Histogram::new_with_bounds(1, HIST_MAX_US, sigfig).expect("valid histogram bounds"),
            sum_ns: 0,
            max_ns: 0,
        }
    }

    #[inline]
    pub fn record(&mut self, ns: u64) {
        let us = (ns + 500) / 1000;
        self.h.saturating_record(us.clamp(1, HIST_MAX_US));
        self.sum_ns += ns as u128;
        self.max_ns = self.max_ns.max(ns);
    }

    pub fn count(&self) -> u64 {
        self.h.len()
    }

    pub fn reset(&mut self) {
        self.h.reset();
        self.sum_ns = 0;
        self.max_ns = 0;
    }

    pub fn add(&mut self, other: &LatencyHist) {
        self.h.add(&other.h).expect("histograms with equal bounds");
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// The q-quantile in milliseconds (0 when empty).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.h.is_empty() {
            return 0.0;
        }
        let v = self.h.value_at_quantile(q);
        (self.h.median_equivalent(v) as f64 / 1000.0).min(self.max_ns as f64 / 1e6)
    }

    pub fn mean_ms(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            0.0
        } else {
            self.sum_ns as f64 / n as f64 / 1e6
        }
    }

    pub fn max_ms(&self) -> f64 {
        self.max_ns as f64 / 1e6
    }

    pub fn summary(&self) -> Latency {
        Latency {
            mean: round3(self.mean_ms()),
            p50: round3(self.quantile_ms(0.50)),
            p90: round3(self.quantile_ms(0.90)),
            p95: round3(self.quantile_ms(0.95)),
            p99: round3(self.quantile_ms(0.99)),
            p999: round3(self.quantile_ms(0.999)),
            max: round3(self.max_ms()),
        }
    }

    /// The empirical CDF as (latency ms, cumulative fraction) at each recorded bucket.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let n = self.count();
        if n == 0 {
            return Vec::new();
        }
        let mut acc = 0u64;
        self.h
            .iter_recorded()
            .map(|v| {
                acc += v.count_at_value();
                (
                    self.h.median_equivalent(v.value_iterated_to()) as f64 / 1000.0,
                    acc as f64 / n as f64,
                )
            })
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
    pub ec2: f64,
}

/// The metrics of one function, or of all functions together.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Metrics {
    pub requests: u64,
    pub attempts: u64,
    pub outcomes: Outcomes,
    pub cold_starts: u64,
    pub cold_start_ratio: f64,
    pub latency_ms: Latency,
    pub instances: Instances,
    pub cost_usd: Cost,
    /// Billed compute in GB-seconds (init and execution, 1 ms rounding).
    pub billed_gb_s: f64,
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
}

/// Per-function metrics, serialized as a JSON object in scenario order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionMetrics(pub Vec<(String, Metrics)>);

impl FunctionMetrics {
    pub fn get(&self, name: &str) -> Option<&Metrics> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, m)| m)
    }
}

impl Serialize for FunctionMetrics {
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
        let mut h = LatencyHist::new(3);
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
}
