//! How big a run is: the work it expects before it starts ([`Work`]), and the limits that stop
//! a run growing past what a machine holds: the events it may process and the requests it may
//! hold at once (its backlog).

use super::{ConfigError, SimError, Simulation};

/// What a run expects to do, from its generated arrival processes (traces are counted as they
/// are read): requests, and other events of the generators (spike edges, pieces of a varying
/// rate, MMPP state changes).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Work {
    pub requests: f64,
    pub events: f64,
    /// Rows of the time series (`timeseries.csv`), if the run writes it.
    pub rows: f64,
}

/// The events a row of the time series counts as (a chosen weight: a row is written as text,
/// a request is simulated in memory; not measured).
pub const EVENTS_PER_ROW: f64 = 10.0;

impl Work {
    /// Requests and generator events.
    pub fn total(&self) -> f64 {
        self.requests + self.events
    }
}

pub use crate::error::approx;

/// The default of `--max-events`: about two minutes of simulation at full speed.
pub const DEFAULT_MAX_EVENTS: u64 = 1_000_000_000;

/// How often (in requests) a run checks its limits.
pub(crate) const CHECK_EVERY: u64 = 1 << 16;

impl Simulation {
    /// The work the run expects (its generated arrivals; traces are not counted).
    pub fn expected_work(&self) -> Work {
        self.work
    }

    /// Refuses a run expected to take more than `max` requests and generator events (with
    /// `series`, each row of the time series counting as [`EVENTS_PER_ROW`]), and stops one
    /// that passes it by 10 % (a trace's size is known only as it is read).
    pub fn limit_events(&mut self, max: u64, series: bool) -> Result<(), SimError> {
        self.max_requests = (max as f64 * 1.1) as u64 + 1_000;
        let w = self.work;
        let rows = if series { w.rows } else { 0.0 };
        let total = w.total() + rows * EVENTS_PER_ROW;
        if total > max as f64 {
            let series = if rows > 0.0 {
                format!(
                    " and {} rows of time series (simulation.sample_interval; each counts as {EVENTS_PER_ROW} events)",
                    approx(rows)
                )
            } else {
                String::new()
            };
            return Err(SimError::Config(ConfigError {
                key: "simulation.duration".into(),
                message: format!(
                    "the run would take about {} requests and {} other events{series}, more than the {} allowed; shorten the run or lower its rates, or allow it with --max-events {}",
                    approx(w.requests),
                    approx(w.events),
                    approx(max as f64),
                    10f64.powf(total.log10().ceil()).min(1.8e19) as u64
                ),
            }));
        }
        Ok(())
    }

    /// Requests the run holds at once: events pending, parked requests and SQS messages.
    pub(crate) fn backlog(&self) -> u64 {
        self.cx.q.len() as u64 + self.parked.len() as u64 + self.sqs.live_messages()
    }

    /// The limits, when the requests made so far are a multiple of [`CHECK_EVERY`].
    #[inline(always)]
    pub(crate) fn check_limits_due(&self) -> Result<(), SimError> {
        if self.next_req.is_multiple_of(CHECK_EVERY) {
            self.check_limits()
        } else {
            Ok(())
        }
    }

    /// Checked every [`CHECK_EVERY`] requests: the backlog and the number of requests.
    #[cold]
    fn check_limits(&self) -> Result<(), SimError> {
        let backlog = self.backlog();
        if backlog > self.max_backlog {
            return Err(SimError::Config(ConfigError {
                key: "simulation.max_backlog".into(),
                message: format!(
                    "the run holds {backlog} requests and events at once, more than {} (a queue grows without end: the functions serve less than arrives); lower the rates, raise the functions' concurrency, or raise simulation.max_backlog",
                    self.max_backlog
                ),
            }));
        }
        if self.next_req > self.max_requests {
            return Err(SimError::Config(ConfigError {
                key: "simulation.duration".into(),
                message: format!(
                    "the run passed {} requests, more than --max-events allows; shorten the run, or allow more with --max-events",
                    self.next_req
                ),
            }));
        }
        Ok(())
    }
}
