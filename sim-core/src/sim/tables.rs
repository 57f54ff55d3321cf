//! DynamoDB tables. A call reads or writes one item and consumes capacity units by its size
//! (S56). A provisioned table serves its read and write capacity a second plus the unused
//! capacity it kept (up to `burst_seconds` of it, a token bucket that starts full), never more
//! than its partitions serve in a second (3,000 read and 1,000 write units each); target
//! tracking raises or lowers the capacity after consecutive one-minute datapoints, an update
//! delay later. An on-demand table serves up to twice its previous peak (the highest one-minute
//! rate at least 30 minutes old, at least the configured one) and at most its maximum
//! throughput. A call beyond that is throttled (`ProvisionedThroughputExceededException`).

use super::{Dist, Failure, SimRng};
use crate::metrics::{TableMetrics, round_sig};
use crate::scenario::{TableMode, TableScaling};

/// A new on-demand table's previous peak: reads, writes a second (S57).
const PEAK: [f64; 2] = [6000.0, 2000.0];
/// An on-demand table's default maximum throughput, each side (S57).
const MAX_UNITS: f64 = 40_000.0;
use crate::time::NS_PER_S;
use std::collections::VecDeque;

/// Units a partition serves a second: reads, writes (S56).
const PARTITION: [f64; 2] = [3000.0, 1000.0];
/// Minutes before a peak counts as the previous peak of an on-demand table (S57).
const PEAK_AGE_MIN: usize = 30;
/// Scale-in happens below this fraction of the target (S59: 20 % below it).
const SCALE_IN_FRACTION: f64 = 0.8;

/// The read (0) or write (1) side of a table.
struct Side {
    /// Units a second: the provisioned capacity, or the on-demand allowance.
    rate: f64,
    /// The burst bucket: tokens, their capacity, and the last refill.
    tokens: f64,
    cap: f64,
    last: u64,
    /// Provisioned: what its partitions serve in a second, as a bucket of one second.
    part_rate: f64,
    part_tokens: f64,
    /// Units consumed in the current minute, in the current sample interval, and in the
    /// measured window.
    minute: f64,
    bin: f64,
    consumed: f64,
    /// Measured ∫ rate dt (unit·ns), for the provisioned price; the last update.
    unit_ns: f64,
    since: u64,
    /// On-demand: the previous peak, the one-minute rates of the last 30 minutes, the maximum.
    peak: f64,
    recent: VecDeque<f64>,
    max: f64,
    /// Target tracking: consecutive datapoints above and below, the bounds, and the capacity
    /// decided and not yet in effect.
    above: u32,
    below: u32,
    min_cap: f64,
    max_cap: f64,
    /// A capacity decided, and when it takes effect.
    pending: Option<(f64, u64)>,
    /// The highest capacity or allowance it had.
    top: f64,
}

impl Side {
    fn new(rate: f64, burst_s: f64, peak: f64, max: f64, provisioned: bool) -> Side {
        let (rate, cap) = if provisioned {
            (rate, (rate * burst_s).max(rate))
        } else {
            let l = (2.0 * peak).min(max).max(1.0);
            (l, l)
        };
        Side {
            rate,
            tokens: cap,
            cap,
            last: 0,
            part_rate: 0.0,
            part_tokens: 0.0,
            minute: 0.0,
            bin: 0.0,
            consumed: 0.0,
            unit_ns: 0.0,
            since: 0,
            peak,
            recent: VecDeque::with_capacity(PEAK_AGE_MIN + 1),
            max,
            above: 0,
            below: 0,
            min_cap: 0.0,
            max_cap: 0.0,
            pending: None,
            top: rate,
        }
    }

    fn refill(&mut self, now: u64) {
        let dt = (now - self.last) as f64 / NS_PER_S as f64;
        self.tokens = (self.tokens + dt * self.rate).min(self.cap);
        if self.part_rate > 0.0 {
            self.part_tokens = (self.part_tokens + dt * self.part_rate).min(self.part_rate);
        }
        self.last = now;
    }

    /// Takes `units` at `now` if both buckets have them.
    fn take(&mut self, units: f64, now: u64) -> bool {
        self.refill(now);
        let ok = self.tokens >= units && (self.part_rate == 0.0 || self.part_tokens >= units);
        if ok {
            self.tokens -= units;
            if self.part_rate > 0.0 {
                self.part_tokens -= units;
            }
        }
        ok
    }

    /// Brings the measured capacity integral up to `now`.
    fn advance(&mut self, now: u64, measuring: bool) {
        if measuring {
            self.unit_ns += self.rate * (now - self.since) as f64;
        }
        self.since = now;
    }

    /// Sets the rate to `rate` at `now`: the burst bucket keeps its tokens up to its new size
    /// (`burst_s` seconds of the rate; one second on demand).
    fn set_rate(&mut self, rate: f64, burst_s: f64, now: u64, measuring: bool) {
        self.refill(now);
        self.advance(now, measuring);
        self.rate = rate;
        self.cap = (rate * burst_s).max(rate);
        self.tokens = self.tokens.min(self.cap);
        self.top = self.top.max(rate);
    }
}

/// One table.
pub(crate) struct Table {
    provisioned: bool,
    burst_s: f64,
    sides: [Side; 2],
    latency: [Dist; 2],
    rng: SimRng,
    /// Incidents: extra errors and slow-down now.
    pub(crate) error_p: f64,
    pub(crate) lat_mul: f64,
    pub(crate) lat_add: u64,
    /// Target tracking (provisioned): the target in percent, datapoints out and in, the delay.
    scaling: Option<(f64, u32, u32, u64)>,
    /// USD per unit consumed (on-demand) and per unit-hour (provisioned): read, write.
    unit_price: [f64; 2],
    hour_price: [f64; 2],
    /// Over the measured window: requests, throttled, errors, succeeded.
    requests: u64,
    throttled: u64,
    errors: u64,
    succeeded: u64,
    /// The same over the current sample interval: requests, throttled, errors.
    pub(crate) bin: [u64; 3],
}

impl Table {
    pub(crate) fn new(spec: &crate::scenario::Table, latency: [Dist; 2], rng: SimRng) -> Table {
        let provisioned = spec.mode == TableMode::Provisioned;
        let mut sides = [
            Side::new(
                spec.read_capacity.unwrap_or(0.0),
                spec.burst_seconds(),
                spec.previous_peak_read.unwrap_or(PEAK[0]),
                spec.max_read.unwrap_or(MAX_UNITS),
                provisioned,
            ),
            Side::new(
                spec.write_capacity.unwrap_or(0.0),
                spec.burst_seconds(),
                spec.previous_peak_write.unwrap_or(PEAK[1]),
                spec.max_write.unwrap_or(MAX_UNITS),
                provisioned,
            ),
        ];
        if provisioned {
            set_partitions(&mut sides);
            for s in &mut sides {
                s.part_tokens = s.part_rate;
            }
        }
        let scaling = spec.auto_scaling.as_ref().map(|a: &TableScaling| {
            let ((r0, r1), (w0, w1)) = a.bounds(spec);
            (sides[0].min_cap, sides[0].max_cap) = (r0, r1);
            (sides[1].min_cap, sides[1].max_cap) = (w0, w1);
            (
                a.target_utilization,
                a.scale_out_datapoints,
                a.scale_in_datapoints,
                a.update_delay.0,
            )
        });
        Table {
            provisioned,
            burst_s: spec.burst_seconds(),
            sides,
            latency,
            rng,
            error_p: 0.0,
            lat_mul: 1.0,
            lat_add: 0,
            scaling,
            unit_price: [
                spec.read_request_price / 1e6,
                spec.write_request_price / 1e6,
            ],
            hour_price: [spec.rcu_hour_price, spec.wcu_hour_price],
            requests: 0,
            throttled: 0,
            errors: 0,
            succeeded: 0,
            bin: [0; 3],
        }
    }

    /// A request of `units` capacity units (`write` or read) at `now`: when it is answered,
    /// and how it failed if it did. Consumed units count in the measured window if
    /// `measuring`; the request in the counts if `measured`.
    pub(crate) fn request(
        &mut self,
        write: bool,
        units: f64,
        measured: bool,
        measuring: bool,
        now: u64,
    ) -> (u64, Option<Failure>) {
        self.requests += measured as u64;
        self.bin[0] += 1;
        let mut t = self.latency[write as usize].sample(&mut self.rng);
        if self.lat_mul != 1.0 || self.lat_add != 0 {
            t = ((t as f64 * self.lat_mul) as u64).saturating_add(self.lat_add);
        }
        let at = now.saturating_add(t);
        let side = &mut self.sides[write as usize];
        if !side.take(units, now) {
            self.throttled += measured as u64;
            self.bin[1] += 1;
            return (at, Some(Failure::Throttle));
        }
        side.minute += units;
        side.bin += units;
        if measuring {
            side.consumed += units;
        }
        if self.error_p > 0.0 && self.rng.uniform() < self.error_p {
            // An HTTP 5xx (InternalServerError): the SDKs retry it.
            self.errors += measured as u64;
            self.bin[2] += 1;
            return (at, Some(Failure::ServiceError));
        }
        self.succeeded += measured as u64;
        (at, None)
    }

    /// A minute ends at `now`: its datapoint. An on-demand table's previous peak and allowance
    /// move on; a provisioned table's target tracking decides. Returns when a decided capacity
    /// takes effect, if one was decided.
    pub(crate) fn tick(&mut self, now: u64, measuring: bool) -> Option<u64> {
        let mut update = None;
        for side in &mut self.sides {
            let rate = side.minute / 60.0;
            side.minute = 0.0;
            if !self.provisioned {
                side.recent.push_back(rate);
                if side.recent.len() > PEAK_AGE_MIN {
                    let old = side.recent.pop_front().expect("not empty");
                    if old > side.peak {
                        side.peak = old;
                        let l = (2.0 * side.peak).min(side.max);
                        side.set_rate(l, 1.0, now, measuring);
                    }
                }
                continue;
            }
            let Some((target, out_n, in_n, delay)) = self.scaling else {
                continue;
            };
            let util = rate / side.rate * 100.0;
            if util > target {
                side.above += 1;
                side.below = 0;
            } else if util < target * SCALE_IN_FRACTION {
                side.below += 1;
                side.above = 0;
            } else {
                side.above = 0;
                side.below = 0;
            }
            let want = (rate * 100.0 / target)
                .ceil()
                .clamp(side.min_cap, side.max_cap);
            let decide = (side.above >= out_n && want > side.rate)
                || (side.below >= in_n && want < side.rate);
            if decide && side.pending.is_none() {
                side.pending = Some((want, now + delay));
                side.above = 0;
                side.below = 0;
                update = Some(now + delay);
            }
        }
        update
    }

    /// The capacities decided to take effect by `now` do.
    pub(crate) fn update(&mut self, now: u64, measuring: bool) {
        for side in &mut self.sides {
            if let Some((c, at)) = side.pending
                && at <= now
            {
                side.pending = None;
                side.set_rate(c, self.burst_s, now, measuring);
            }
        }
        set_partitions(&mut self.sides);
    }

    /// The measured window starts at `now`.
    pub(crate) fn start_measuring(&mut self, now: u64) {
        for s in &mut self.sides {
            s.since = now;
        }
    }

    /// The units consumed (read, write) and the capacity now (read, write) of the interval
    /// that ends; its bins restart.
    pub(crate) fn take_bin(&mut self) -> ([f64; 2], [f64; 2]) {
        let c = [self.sides[0].bin, self.sides[1].bin];
        self.sides[0].bin = 0.0;
        self.sides[1].bin = 0.0;
        (c, [self.sides[0].rate, self.sides[1].rate])
    }

    /// Its metrics over the measured window ending at `end`.
    pub(crate) fn metrics(&mut self, end: u64, measuring: bool) -> TableMetrics {
        for s in &mut self.sides {
            s.advance(end, measuring);
        }
        let [r, w] = &self.sides;
        let cost = if self.provisioned {
            (r.unit_ns * self.hour_price[0] + w.unit_ns * self.hour_price[1])
                / (3600.0 * NS_PER_S as f64)
        } else {
            r.consumed * self.unit_price[0] + w.consumed * self.unit_price[1]
        };
        TableMetrics {
            kind: "dynamodb",
            mode: if self.provisioned {
                "provisioned"
            } else {
                "on-demand"
            },
            requests: self.requests,
            throttled: self.throttled,
            errors: self.errors,
            succeeded: self.succeeded,
            read_units: round_sig(r.consumed),
            write_units: round_sig(w.consumed),
            read_capacity: round_sig(r.rate),
            write_capacity: round_sig(w.rate),
            peak_read_capacity: round_sig(r.top),
            peak_write_capacity: round_sig(w.top),
            cost_usd: round_sig(cost),
        }
    }
}

/// A provisioned table's partitions serve at least its capacity: as many as its read and
/// write capacity need together (S56); they never merge again.
fn set_partitions(sides: &mut [Side; 2]) {
    let need = (sides[0].rate / PARTITION[0] + sides[1].rate / PARTITION[1])
        .ceil()
        .max(1.0);
    for (s, per) in sides.iter_mut().zip(PARTITION) {
        s.part_rate = s.part_rate.max(need * per);
    }
}
