//! Learning the keep-alive from a platform's own request logs (`faasim calibrate keep-alive`).
//!
//! A log row is a request: its function, arrival, duration, the execution environment that
//! served it and whether it started cold. What the rows say about how long the platform keeps an
//! idle environment ([`Observations`]):
//!
//! - an environment that served a request, sat idle for `g` and served another was kept longer
//!   than `g` (right-censored at `g`);
//! - a cold start of the function at `t` while an environment of it sat idle since `e` (and was
//!   never seen again) says that environment had been reclaimed before `t`: idle time at most
//!   `t − e` (left-censored). This rests on the routing assumption that **a request goes to an
//!   idle environment of its function whenever one exists** (AWS routes a request to an
//!   available environment before creating one; faasim does the same). A later reuse of such an
//!   environment contradicts it and is counted as a routing violation;
//! - an idle environment never used again with no cold start after it says nothing (it was
//!   neither seen alive nor seen gone).
//!
//! Each idle period is thus either "longer than c" or "at most c": current-status data, whose
//! nonparametric maximum-likelihood estimate (Turnbull's, here the isotonic regression of the
//! outcomes on c, [`npmle`]) and parametric fits ([`fit`]) follow.
//!
//! The lifetime limit: faasim retires an environment that finishes a request after living
//! `max_lifetime` (see docs/model.md). A reuse after a request that ended at age `a` says
//! `max_lifetime > a`; the maximum-likelihood estimate is the largest such age (a larger one
//! only asks the idle-time distribution to explain more disappearances), and an environment whose
//! last request ended older than it was retired by the limit: its last idle period is left out.
//! Environments already alive when a log begins (first seen warm) have no known age.

pub mod estimate;
pub mod fit;
pub mod npmle;
pub mod read;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

/// One request of a log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogRequest {
    /// The function, as an index the caller chooses (one log may hold several).
    pub function: u32,
    /// Arrival and duration, in seconds.
    pub arrival: f64,
    pub duration: f64,
    /// The execution environment that served it (an index the caller chooses, unique within a
    /// log).
    pub env: u32,
    pub cold: bool,
}

/// Idle periods that ended at `c` seconds: `alive` were reused after `c` (idle time > c),
/// `gone` were reclaimed by then (idle time ≤ c).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cell {
    pub c: f64,
    pub alive: u64,
    pub gone: u64,
}

/// What the logs say, aggregated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observations {
    /// By idle time (to the nearest 0.1 s), ascending.
    pub cells: Vec<Cell>,
    /// The largest age (s) at the end of a request after which the environment was reused: the
    /// estimate of the lifetime limit (`None`: no environment of known age was reused).
    pub max_lifetime: Option<f64>,
    pub logs: u32,
    pub requests: u64,
    pub environments: u64,
    /// Environments first seen warm (alive before their log began: age unknown).
    pub unknown_age: u64,
    /// Idle periods that ended in reuse.
    pub reused: u64,
    /// Last idle periods bounded by a later cold start of the function.
    pub bounded: u64,
    /// Last idle periods left out: the environment was past the lifetime limit.
    pub retired: u64,
    /// Last idle periods with no cold start after them (no information).
    pub unresolved: u64,
    /// Reuses of an environment after a cold start of its function while it sat idle.
    pub violations: u64,
    /// Requests labelled cold that reused a known environment (the log's own inconsistency;
    /// the environment id decides).
    pub inconsistent_labels: u64,
}

#[derive(Clone, Copy)]
struct Env {
    function: u32,
    /// Creation (the start of its cold request), if seen.
    birth: Option<f64>,
    last_end: f64,
    /// The bound of its current idle period, from the first cold start while it sat idle.
    bound: Option<f64>,
    /// Requests served (its epoch: a stale entry of the idle list is skipped).
    served: u32,
}

/// Builds [`Observations`] from logs read row by row, each log's rows in arrival order.
#[derive(Default)]
pub struct Builder {
    envs: HashMap<u32, Env>,
    /// Request ends not yet reached: (end, env, epoch).
    ends: BinaryHeap<Reverse<(Ms, u32, u32)>>,
    /// Per function: environments idle with no bound yet (env, epoch).
    idle: HashMap<u32, Vec<(u32, u32)>>,
    cells: BTreeMap<u64, (u64, u64)>,
    /// Last idle periods bounded by a cold start: (bound, age at the last end).
    finals: Vec<(f64, Option<f64>)>,
    max_reuse_age: Option<f64>,
    obs: Observations,
    last_arrival: f64,
}

/// Seconds as an ordered key (f64 bits of a non-negative number order as integers).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Ms(u64);

fn key(s: f64) -> Ms {
    Ms(s.max(0.0).to_bits())
}

/// Idle times are kept to the nearest 0.1 s (keep-alives are minutes; the parametric fits and
/// the bootstrap take time in proportion to the distinct values).
const RESOLUTION: f64 = 0.1;

fn tick(s: f64) -> u64 {
    (s.max(0.0) / RESOLUTION).round() as u64
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The next request of the current log; arrivals must not decrease.
    pub fn push(&mut self, r: LogRequest) {
        debug_assert!(r.arrival >= self.last_arrival || self.obs.requests == 0);
        self.last_arrival = r.arrival;
        self.obs.requests += 1;
        self.reach(r.arrival);
        let end = r.arrival + r.duration.max(0.0);
        match self.envs.get_mut(&r.env) {
            Some(e) => {
                // Reused after an idle period of `gap`.
                let gap = (r.arrival - e.last_end).max(0.0);
                self.cells.entry(tick(gap)).or_default().0 += 1;
                self.obs.reused += 1;
                if e.bound.take().is_some() {
                    self.obs.violations += 1;
                }
                if let Some(b) = e.birth {
                    let age = e.last_end - b;
                    self.max_reuse_age = Some(self.max_reuse_age.map_or(age, |m| m.max(age)));
                }
                self.obs.inconsistent_labels += r.cold as u64;
                e.last_end = e.last_end.max(end);
                e.served += 1;
                let served = e.served;
                self.ends.push(Reverse((key(e.last_end), r.env, served)));
            }
            None => {
                self.obs.environments += 1;
                self.obs.unknown_age += !r.cold as u64;
                if r.cold {
                    // Every environment of the function idle now is gone: bound its idle time.
                    if let Some(list) = self.idle.get_mut(&r.function) {
                        for (env, epoch) in list.drain(..) {
                            if let Some(e) = self.envs.get_mut(&env)
                                && e.served == epoch
                                && e.bound.is_none()
                            {
                                e.bound = Some(r.arrival - e.last_end);
                            }
                        }
                    }
                }
                self.envs.insert(
                    r.env,
                    Env {
                        function: r.function,
                        birth: r.cold.then_some(r.arrival),
                        last_end: end,
                        bound: None,
                        served: 1,
                    },
                );
                self.ends.push(Reverse((key(end), r.env, 1)));
            }
        }
    }

    /// Environments whose requests ended by `t` join their function's idle list.
    fn reach(&mut self, t: f64) {
        while let Some(&Reverse((k, env, epoch))) = self.ends.peek() {
            if k > key(t) {
                break;
            }
            self.ends.pop();
            if let Some(e) = self.envs.get(&env)
                && e.served == epoch
            {
                self.idle.entry(e.function).or_default().push((env, epoch));
            }
        }
    }

    /// Ends the current log: its environments' last idle periods are settled (environment ids
    /// of the next log are its own).
    pub fn end_log(&mut self) {
        self.obs.logs += 1;
        for e in self.envs.values() {
            match e.bound {
                Some(b) => self
                    .finals
                    .push((b, e.birth.map(|birth| e.last_end - birth))),
                None => self.obs.unresolved += 1,
            }
        }
        self.envs.clear();
        self.ends.clear();
        self.idle.clear();
        self.last_arrival = 0.0;
    }

    /// The observations of every log ended so far.
    pub fn finish(mut self) -> Observations {
        if !self.envs.is_empty() {
            self.end_log();
        }
        let limit = self.max_reuse_age;
        for &(b, age) in &self.finals {
            if let (Some(a), Some(m)) = (age, limit)
                && a > m
            {
                self.obs.retired += 1;
                continue;
            }
            self.obs.bounded += 1;
            // A bound of 0 (a cold start the instant a request ended) is taken as 0.1 s.
            self.cells.entry(tick(b).max(1)).or_default().1 += 1;
        }
        self.obs.max_lifetime = limit;
        self.obs.cells = self
            .cells
            .iter()
            .map(|(&k, &(alive, gone))| Cell {
                c: k as f64 * RESOLUTION,
                alive,
                gone,
            })
            .collect();
        self.obs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(arrival: f64, env: u32, cold: bool) -> LogRequest {
        LogRequest {
            function: 0,
            arrival,
            duration: 1.0,
            env,
            cold,
        }
    }

    /// A hand-made log whose every observation is known:
    /// A cold at 0 and reused at 61 (idle 60 s); B cold at 100 while A sat idle since 62 (A
    /// bounded by 38 s), then A reused at 150 (a routing violation; idle 88 s); C cold at 400
    /// while B (idle since 101) and A (since 151) sat idle: B bounded by 299 s, A by 249 s. A's
    /// longest life before a reuse is 62 s, so A (151 s old at its last end) was retired by the
    /// limit; C is never bounded.
    #[test]
    fn a_hand_made_log_gives_its_observations() {
        let mut b = Builder::new();
        for r in [
            req(0.0, 0, true),
            req(61.0, 0, false),
            req(100.0, 1, true),
            req(150.0, 0, false),
            req(400.0, 2, true),
        ] {
            b.push(r);
        }
        b.end_log();
        let o = b.finish();
        let cells: Vec<(f64, u64, u64)> = o.cells.iter().map(|c| (c.c, c.alive, c.gone)).collect();
        assert_eq!(cells, vec![(60.0, 1, 0), (88.0, 1, 0), (299.0, 0, 1)]);
        assert_eq!(o.max_lifetime, Some(62.0));
        assert_eq!(
            (o.reused, o.bounded, o.retired, o.unresolved, o.violations),
            (2, 1, 1, 1, 1)
        );
        assert_eq!(
            (o.requests, o.environments, o.unknown_age, o.logs),
            (5, 3, 0, 1)
        );
    }

    /// Environment ids belong to their log; an environment first seen warm has no known age and
    /// says nothing of the lifetime limit; a cold start only bounds environments of its own
    /// function.
    #[test]
    fn logs_and_functions_are_kept_apart() {
        let mut b = Builder::new();
        b.push(req(0.0, 0, false));
        b.push(LogRequest {
            function: 1,
            ..req(100.0, 1, true)
        });
        b.end_log();
        b.push(req(0.0, 0, true));
        b.push(req(30.0, 0, false));
        b.end_log();
        let o = b.finish();
        assert_eq!(o.logs, 2);
        assert_eq!(o.environments, 3);
        assert_eq!(o.unknown_age, 1);
        assert_eq!(o.bounded, 0);
        assert_eq!(o.unresolved, 3);
        assert_eq!(o.max_lifetime, Some(1.0));
        assert_eq!(o.cells.len(), 1);
    }
}
