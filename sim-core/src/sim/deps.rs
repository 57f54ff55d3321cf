//! Generic dependencies (a database behind its connection limit, a payment API): each serves
//! at most `max_concurrency` calls at once, lets up to `queue` more wait in arrival order and
//! rejects the rest at once (a throttle to the caller's client); a served call takes a drawn
//! latency and ends in an error with its probability. With Poisson calls and exponential
//! latency this is the M/M/c/K queue (c = `max_concurrency`, K = c + `queue`).

use super::{Dist, Failure, Req, SimRng};
use crate::metrics::{DependencyMetrics, round_sig};
use std::collections::VecDeque;

/// One dependency.
pub(crate) struct Dep {
    latency: Dist,
    base_error_p: f64,
    /// Its error probability, slow-down and concurrency now (incidents applied).
    pub(crate) error_p: f64,
    pub(crate) lat_mul: f64,
    pub(crate) lat_add: u64,
    pub(crate) cap: u32,
    /// Its concurrency without incidents (`u32::MAX`: no limit).
    pub(crate) base_cap: u32,
    queue: u32,
    busy: u32,
    /// Calls waiting for a slot, with their arrival times.
    waiting: VecDeque<(Req, u64)>,
    rng: SimRng,
    price: f64,
    /// Over the measured window: calls received, rejected, waited, ended in an error, and
    /// succeeded; the total wait.
    calls: u64,
    rejected: u64,
    waited: u64,
    errors: u64,
    succeeded: u64,
    wait_ns: u128,
    /// Calls that waited and were then served (measured): `wait_ns` is theirs.
    waits_done: u64,
    /// The same over the current sample interval: calls, rejected, errors, waited.
    pub(crate) bin: [u64; 4],
}

/// How a dependency takes a call.
pub(crate) enum Admit {
    /// Served now: it answers at `at`, with `failure` if it fails.
    Served { at: u64, failure: Option<Failure> },
    /// It waits for a slot.
    Queued,
    /// Every slot and the wait queue are full: rejected at once.
    Rejected,
}

impl Dep {
    pub(crate) fn new(spec: &crate::scenario::Dependency, latency: Dist, rng: SimRng) -> Dep {
        let cap = spec.max_concurrency.unwrap_or(u32::MAX);
        Dep {
            latency,
            base_error_p: spec.error_probability,
            error_p: spec.error_probability,
            lat_mul: 1.0,
            lat_add: 0,
            cap,
            base_cap: cap,
            queue: spec.queue,
            busy: 0,
            waiting: VecDeque::new(),
            rng,
            price: spec.price_per_million / 1e6,
            calls: 0,
            rejected: 0,
            waited: 0,
            errors: 0,
            succeeded: 0,
            wait_ns: 0,
            waits_done: 0,
            bin: [0; 4],
        }
    }

    /// The error probability without incidents.
    pub(crate) fn base_error_p(&self) -> f64 {
        self.base_error_p
    }

    /// A call arrives at `now`.
    pub(crate) fn arrive(&mut self, req: Req, now: u64) -> Admit {
        self.calls += req.measured as u64;
        self.bin[0] += 1;
        if self.busy < self.cap {
            self.busy += 1;
            let (at, failure) = self.serve(req.measured, now);
            return Admit::Served { at, failure };
        }
        if (self.waiting.len() as u64) < self.queue as u64 {
            self.waited += req.measured as u64;
            self.bin[3] += 1;
            self.waiting.push_back((req, now));
            return Admit::Queued;
        }
        self.rejected += req.measured as u64;
        self.bin[1] += 1;
        Admit::Rejected
    }

    /// Serves a call from `now`: when it ends, and how.
    fn serve(&mut self, measured: bool, now: u64) -> (u64, Option<Failure>) {
        let mut t = self.latency.sample(&mut self.rng);
        if self.lat_mul != 1.0 || self.lat_add != 0 {
            t = ((t as f64 * self.lat_mul) as u64).saturating_add(self.lat_add);
        }
        let failure = (self.error_p > 0.0 && self.rng.uniform() < self.error_p).then(|| {
            self.errors += measured as u64;
            self.bin[2] += 1;
            Failure::Error
        });
        if failure.is_none() {
            self.succeeded += measured as u64;
        }
        (now.saturating_add(t), failure)
    }

    /// A served call ends at `now`: its slot goes to the call that waited longest, if one
    /// does and the concurrency (an incident may have lowered it) allows; that call, when it
    /// ends and how, is returned.
    pub(crate) fn release(&mut self, now: u64) -> Option<(Req, u64, Option<Failure>)> {
        self.busy -= 1;
        if self.busy >= self.cap {
            return None;
        }
        let (req, since) = self.waiting.pop_front()?;
        self.busy += 1;
        if req.measured {
            self.wait_ns += (now - since) as u128;
            self.waits_done += 1;
        }
        let (at, failure) = self.serve(req.measured, now);
        Some((req, at, failure))
    }

    /// Serves calls waiting while slots are free (after an incident gave its concurrency
    /// back): the first of them, when it ends and how.
    pub(crate) fn resume(&mut self, now: u64) -> Option<(Req, u64, Option<Failure>)> {
        if self.busy >= self.cap {
            return None;
        }
        // `release` frees a slot and fills it from the queue: lend it one.
        self.busy += 1;
        self.release(now)
    }

    /// Its metrics over the measured window.
    pub(crate) fn metrics(&self) -> DependencyMetrics {
        DependencyMetrics {
            kind: "dependency",
            calls: self.calls,
            rejected: self.rejected,
            waited: self.waited,
            errors: self.errors,
            succeeded: self.succeeded,
            mean_wait_ms: if self.waits_done > 0 {
                round_sig(self.wait_ns as f64 / self.waits_done as f64 / 1e6)
            } else {
                0.0
            },
            waiting_at_end: self.waiting.len() as u64,
            // Calls it served (a rejected call is not charged).
            cost_usd: round_sig((self.errors + self.succeeded) as f64 * self.price),
        }
    }
}
