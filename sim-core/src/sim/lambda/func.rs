//! A Lambda function's state: its distributions, its live counts and their integrals, its
//! counters and latency histograms, its faults, prices and provisioned concurrency.

use super::{
    BinaryHeap, Bucket, Dist, KeepAlive, LatencyHist, Nanos, Outcomes, Provisioned, Reuse, RpsRamp,
    SimRng,
};
use crate::observer::SampleRow;
use crate::sim::ids::FnId;

/// Counters over the measured window that few requests touch (the rest are in `Func`).
#[derive(Default)]
pub(crate) struct Counted {
    pub(crate) outcomes: Outcomes,
    pub(crate) cold_starts: u64,
    pub(crate) suppressed_inits: u64,
    pub(crate) peak_alive: u64,
    pub(crate) init_failures: u64,
    pub(crate) crashes: u64,
    pub(crate) duplicates: u64,
    pub(crate) spillover: u64,
}

/// Counters of the current sample interval (all requests, warmup included) that few requests
/// touch (arrivals and successes are in `Func`).
#[derive(Default)]
pub(crate) struct Bin {
    pub(crate) cold_starts: u64,
    pub(crate) throttles: u64,
    pub(crate) errors: u64,
    /// Attempts after the first (client retries, async retries, SQS redeliveries).
    pub(crate) retries: u64,
    pub(crate) dead_lettered: u64,
    /// Largest age of an event or message when an attempt on it started.
    pub(crate) max_age: u64,
    /// Incidents active during the interval (at most, at any time).
    pub(crate) incidents: u32,
    /// Invocations that went to on-demand environments although the function has provisioned
    /// concurrency.
    pub(crate) spillover: u64,
    pub(crate) alive0: u128,
    pub(crate) busy0: u128,
}

/// A function's state. The fields every request touches come first, packed into four cache
/// lines (`repr(C)` keeps the order); the rest serve cold starts, reports and rare paths.
#[repr(C, align(64))]
pub(crate) struct Func {
    // Line 0: the arrival path.
    pub(crate) duration: Dist,
    /// Its keep-alive policy (`Fixed`: the idle list's fast path).
    pub(crate) keep_alive: KeepAlive,
    /// Environments are retired when they finish a request after living this long.
    pub(crate) max_lifetime: u64,
    pub(crate) timeout: u64,
    pub(crate) expire_at: u64,
    /// Idle list (head = idle longest).
    pub(crate) head: u32,
    pub(crate) tail: u32,
    pub(crate) idle: u32,
    pub(crate) pool: u32,
    // Line 1: live counts and their time integrals (count × ns).
    pub(crate) int_alive: u128,
    pub(crate) int_busy: u128,
    pub(crate) last: u64,
    pub(crate) alive: u64,
    pub(crate) busy: u64,
    pub(crate) memory_mb: u64,
    // Lines 2–3: counters of every request.
    /// Latencies not yet in the histograms, the top bit marking measured requests. Recording in
    /// batches keeps the histograms' scattered counter updates out of the event loop's way.
    pub(crate) pending: Vec<u64>,
    pub(crate) reuse: Reuse,
    pub(crate) billed_mb_ms: u128,
    pub(crate) requests: u64,
    pub(crate) attempts: u64,
    pub(crate) started: u64,
    pub(crate) succeeded: u64,
    pub(crate) peak_busy: u64,
    pub(crate) bin_arrivals: u64,
    pub(crate) bin_succeeded: u64,
    // The rest.
    pub(crate) counted: Counted,
    pub(crate) bin: Bin,
    pub(crate) cold_start: Dist,
    pub(crate) rng: SimRng,
    /// Faults: the function's own error probability (`error_p` adds active incidents), init
    /// failures, crashes (`mtbf` in ns, 0 for none), incident slow-downs.
    pub(crate) base_error_p: f64,
    /// With the incidents active now (read only by the loop with faults).
    pub(crate) error_p: f64,
    /// Lambda service errors (5xx): the function's own probability and with incidents.
    pub(crate) base_service_p: f64,
    pub(crate) service_p: f64,
    pub(crate) init_fail_p: f64,
    pub(crate) init_timeout: u64,
    pub(crate) mtbf: f64,
    pub(crate) lat_mul: f64,
    pub(crate) lat_add: u64,
    pub(crate) active_incidents: u32,
    /// Draws of init failures and crashes.
    pub(crate) fault: SimRng,
    /// Async events waiting in Lambda's queue (for a retry or after a throttle).
    pub(crate) queued: u64,
    /// Events and messages sent to the dead-letter queue so far (warmup included).
    pub(crate) dlq: u64,
    /// New environments it may still add now (the 2023 scaling rule).
    pub(crate) burst: Bucket,
    /// Requests per second it has scaled to (the 2023 scaling rule).
    pub(crate) rps_ramp: RpsRamp,
    pub(crate) pc: Provisioned,
    /// Compute billed on provisioned environments (at the provisioned execution price).
    pub(crate) billed_pc_mb_ms: u128,
    pub(crate) pc_price: f64,
    pub(crate) pc_exec_price: f64,
    pub(crate) idle_vec: Vec<u32>,
    pub(crate) newest: BinaryHeap<(u64, u32)>,
    pub(crate) win_alive0: u128,
    pub(crate) win_busy0: u128,
    /// Billing: on arm64 (its volume tiers); init free (the rule before August 2025), and the
    /// compute its cold starts' init added to `billed_mb_ms`, to take off.
    pub(crate) arm64: bool,
    pub(crate) free_init: bool,
    pub(crate) free_init_mb_ms: u128,
    /// Time of measured attempts that ended (init and execution); measured attempts still
    /// running at the end (the others of `started` ended); the init before the invocation of
    /// measured cold attempts that ended.
    pub(crate) ran_ns: u128,
    pub(crate) unended: u64,
    pub(crate) init_ns: u128,
    /// SnapStart's charges: per GB-second of memory cached, per GB restored (0: none).
    pub(crate) snap_cache: f64,
    pub(crate) snap_restore: f64,
    /// The histograms, boxed to keep `Func` small.
    pub(crate) hists: Box<Hists>,
    /// The function's Auto Scaling group (an index into `Simulation::asgs`), if it runs on one.
    pub(crate) group: Option<u32>,
}

/// Latency histograms of one function: over the measured window and over the current interval.
pub(crate) struct Hists {
    pub(crate) latency: LatencyHist,
    pub(crate) bin_latency: LatencyHist,
    /// Whether `bin_latency` is kept (only when the observer wants the time series).
    pub(crate) per_interval: bool,
}

pub(crate) const PENDING: usize = 256;

pub(crate) const MEASURED_BIT: u64 = 1 << 63;

impl Func {
    /// A new request arrives (`measured`: in the measured window), whatever its platform.
    #[inline(always)]
    pub(crate) fn arrival(&mut self, measured: bool) {
        self.requests += measured as u64;
        self.bin_arrivals += 1;
    }

    #[inline]
    pub(crate) fn record_latency(&mut self, ns: u64, measured: bool) {
        self.pending
            .push(if measured { ns | MEASURED_BIT } else { ns });
        if self.pending.len() == PENDING {
            self.flush_latencies();
        }
    }

    #[cold]
    pub(crate) fn flush_latencies(&mut self) {
        let h = &mut *self.hists;
        if h.per_interval {
            for &v in &self.pending {
                let ns = v & !MEASURED_BIT;
                h.bin_latency.record(ns);
                if v & MEASURED_BIT != 0 {
                    h.latency.record(ns);
                }
            }
        } else {
            for &v in &self.pending {
                if v & MEASURED_BIT != 0 {
                    h.latency.record(v & !MEASURED_BIT);
                }
            }
        }
        self.pending.clear();
    }

    /// The init of a new environment (`cold`) or of a reset one: the time before the invocation
    /// proper, the time inside it (which counts against the timeout), and whether the init ran
    /// past the init limit.
    #[inline(never)]
    pub(crate) fn init_phase(&mut self, cold: bool, measured: bool) -> (u64, u64, bool) {
        let init = self.cold_start.sample(&mut self.rng);
        if !cold {
            // A suppressed init runs inside the invocation, under the function timeout.
            (0, init, false)
        } else if init > self.init_timeout {
            // Stopped at the init limit and run again inside the first invocation.
            self.counted.init_failures += measured as u64;
            (
                self.init_timeout,
                self.cold_start.sample(&mut self.rng),
                true,
            )
        } else {
            (init, 0, false)
        }
    }

    /// Measured attempts that ended.
    pub(crate) fn ended(&self) -> u64 {
        self.started - self.unended
    }

    /// A measured cold start's init (`init` ns of an attempt of `ran` ns): counted apart from
    /// the execution time, and taken off the bill where init is free (each attempt's time
    /// rounded up to 1 ms with and without it; an attempt that makes calls is billed for its
    /// whole time, so its init is taken off as if it had ended as drawn).
    #[cold]
    pub(crate) fn cold_billing(&mut self, init: u64, ran: u64) {
        self.init_ns += init as u128;
        if self.free_init {
            let with = ran.div_ceil(1_000_000);
            let without = ran.saturating_sub(init).div_ceil(1_000_000);
            self.free_init_mb_ms += self.memory_mb as u128 * (with - without) as u128;
        }
    }

    #[inline]
    pub(crate) fn advance(&mut self, now: u64) {
        let dt = (now - self.last) as u128;
        if dt > 0 {
            self.int_alive += self.alive as u128 * dt;
            self.int_busy += self.busy as u128 * dt;
            self.last = now;
        }
    }

    /// Function `f`'s time-series row for the interval from `from` to `now` (its group's part
    /// is added by the caller); `waiting`: messages waiting in its SQS queues.
    pub(crate) fn sample_row(&mut self, f: FnId, now: u64, from: u64, waiting: u64) -> SampleRow {
        let span = now - from;
        self.advance(now);
        self.flush_latencies();
        let queue_depth = self.queued + waiting;
        self.pc.advance(now);
        let pc_ready = self.pc.int_ready - self.pc.bin0.0;
        let pc_util = if pc_ready > 0 {
            (self.pc.int_busy - self.pc.bin0.1) as f64 / pc_ready as f64
        } else {
            0.0
        };
        self.pc.bin0 = (self.pc.int_ready, self.pc.int_busy);
        let alive = (self.int_alive - self.bin.alive0) as f64 / span as f64;
        let busy = (self.int_busy - self.bin.busy0) as f64 / span as f64;
        let b = &self.bin;
        SampleRow {
            time: Nanos(from),
            span: Nanos(span),
            function: f.0,
            arrivals: self.bin_arrivals,
            instances: alive,
            busy,
            idle: (alive - busy).max(0.0),
            instances_end: self.alive,
            cold_starts: b.cold_starts,
            throttles: b.throttles,
            errors: b.errors,
            retries: b.retries,
            dead_lettered: b.dead_lettered,
            dlq_depth: self.dlq,
            queue_depth,
            max_event_age_ms: b.max_age as f64 / 1e6,
            incidents: b.incidents,
            provisioned: self.pc.ready as u64,
            provisioned_utilization: pc_util,
            spillover: b.spillover,
            succeeded: self.bin_succeeded,
            p99_latency_ms: self.hists.bin_latency.quantile_ms(0.99),
            mean_latency_ms: self.hists.bin_latency.mean_ms(),
            asg: None,
        }
    }

    /// A new sample interval starts.
    pub(crate) fn restart_bin(&mut self) {
        self.bin = Bin {
            alive0: self.int_alive,
            busy0: self.int_busy,
            incidents: self.active_incidents,
            ..Bin::default()
        };
        self.bin_arrivals = 0;
        self.bin_succeeded = 0;
        self.hists.bin_latency.reset();
    }
}
