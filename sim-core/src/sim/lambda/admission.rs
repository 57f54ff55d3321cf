//! Admission to the Lambda platform: concurrency pools, the requests-per-second window and the
//! scaling rule's token bucket of new environments.

use super::NS_PER_S;

pub(crate) struct Pool {
    pub(crate) busy: u32,
    pub(crate) cap: u32,
    /// Invocations per second: 10 × the pool's concurrency (docs/sources.md: S4, S6).
    pub(crate) rps: RateWindow,
}

/// A limit on events per whole second of simulated time (a fixed one-second window).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateWindow {
    pub(crate) end: u64,
    pub(crate) count: u64,
    pub(crate) limit: u64,
}

impl RateWindow {
    pub(crate) fn new(limit: u64, on: bool) -> RateWindow {
        RateWindow {
            end: 0,
            count: 0,
            limit: if on { limit } else { u64::MAX },
        }
    }

    /// Counts one event at `now`; false if the second's limit is reached.
    #[inline(always)]
    pub(crate) fn take(&mut self, now: u64) -> bool {
        if now >= self.end {
            self.end = now - now % NS_PER_S + NS_PER_S;
            self.count = 0;
        }
        self.count += 1;
        self.count <= self.limit
    }
}

/// A token bucket: up to `cap` tokens, refilled continuously at `rate` per nanosecond.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bucket {
    pub(crate) tokens: f64,
    pub(crate) cap: f64,
    pub(crate) rate: f64,
    pub(crate) last: u64,
    pub(crate) on: bool,
}

impl Bucket {
    pub(crate) fn new(cap: f64, per_second: f64, on: bool) -> Bucket {
        Bucket {
            tokens: cap,
            cap,
            rate: per_second / 1e9,
            last: 0,
            on,
        }
    }

    pub(crate) const OFF: Bucket = Bucket {
        tokens: 0.0,
        cap: 0.0,
        rate: 0.0,
        last: 0,
        on: false,
    };

    /// Refills up to `now`; whether a token is there (always, if the bucket is off).
    #[inline(always)]
    pub(crate) fn ready(&mut self, now: u64) -> bool {
        if !self.on {
            return true;
        }
        self.tokens = (self.tokens + (now - self.last) as f64 * self.rate).min(self.cap);
        self.last = now;
        self.tokens >= 1.0
    }

    /// Takes a token if there is one.
    #[inline(always)]
    pub(crate) fn take(&mut self, now: u64) -> bool {
        if !self.ready(now) {
            return false;
        }
        if self.on {
            self.tokens -= 1.0;
        }
        true
    }
}

/// The requests-per-second ramp of the 2023 scaling rule, for one function: "every 10 seconds,
/// Lambda can … accommodate 10,000 additional requests per second" (docs/sources.md: S1). In
/// each whole second a function serves as many requests as it served in the second before, plus
/// what a bucket of 10,000 additional requests per second allows, refilled at 1,000 a second
/// (continuously, never above 10,000, as the environments' rate is).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RpsRamp {
    end: u64,
    /// Requests served in the previous second, and in this one.
    level: u64,
    count: u64,
    extra: Bucket,
}

impl RpsRamp {
    pub(crate) fn new(on: bool) -> RpsRamp {
        RpsRamp {
            end: 0,
            level: 0,
            count: 0,
            extra: Bucket::new(10_000.0, 1_000.0, on),
        }
    }

    /// Counts one request at `now`; false if it is above what the function has scaled to.
    #[inline(always)]
    pub(crate) fn take(&mut self, now: u64) -> bool {
        if !self.extra.on {
            return true;
        }
        if now >= self.end {
            // The second before served `count` (none if it was not the last one active).
            self.level = if now < self.end + NS_PER_S {
                self.count
            } else {
                0
            };
            self.end = now - now % NS_PER_S + NS_PER_S;
            self.count = 0;
        }
        if self.count < self.level || self.extra.take(now) {
            self.count += 1;
            true
        } else {
            false
        }
    }
}
