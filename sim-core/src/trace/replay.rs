//! From trace time to simulation arrivals ([`Replay`], [`ReplayOptions`]): the time window, the
//! origin, time compression, rate scaling and spikes.

use super::spread::scaled;
use super::{TraceArrival, TraceStream};
use crate::error::InputError;
use crate::rng::SimRng;
use crate::workload::{Spike, spike_factor};

/// How a trace is replayed.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// Trace time 0 is the first row's time (else the trace's own zero).
    pub origin_first: bool,
    /// The window of trace time replayed (ns after the origin); `start` plays at simulation
    /// time 0.
    pub start: u64,
    pub end: u64,
    /// Trace seconds per simulated second (2 plays twice as fast).
    pub speedup: f64,
    /// Rate multiplier and spikes (in simulation time).
    pub scale: f64,
    pub spikes: Vec<Spike>,
    /// Arrivals at or after this simulation time are not replayed.
    pub until: u64,
    pub seed: u64,
}

/// A trace replayed in simulation time: window, origin, speed-up, scale and spikes.
pub struct Replay {
    stream: Box<dyn TraceStream>,
    opts: ReplayOptions,
    origin: Option<u64>,
    rng: SimRng,
    /// Copies of the last arrival still to emit (scale above 1).
    copies: u32,
    last: Option<TraceArrival>,
    counts_scaled: bool,
    /// Arrivals emitted and trace rows dropped by scaling below 1.
    pub emitted: u64,
    pub cold_labelled: u64,
}

impl Replay {
    pub fn new(mut stream: Box<dyn TraceStream>, opts: ReplayOptions) -> Self {
        let origin = if opts.origin_first {
            stream.first_row_time()
        } else {
            Some(0)
        };
        let mut counts_scaled = false;
        if let Some(o) = origin
            && (opts.scale != 1.0 || !opts.spikes.is_empty())
        {
            // Count formats scale counts per interval; the factor is a function of trace time.
            let (scale, spikes, start, speedup) =
                (opts.scale, opts.spikes.clone(), opts.start, opts.speedup);
            counts_scaled = stream.scale_counts(Box::new(move |t| {
                let sim = (t.saturating_sub(o).saturating_sub(start) as f64 / speedup) as u64;
                scale * spike_factor(&spikes, sim)
            }));
        }
        Replay {
            stream,
            rng: SimRng::new(opts.seed, crate::rng::stream::ARRIVALS | 0xFF_FFFD),
            opts,
            origin,
            copies: 0,
            last: None,
            counts_scaled,
            emitted: 0,
            cold_labelled: 0,
        }
    }

    pub fn stream(&self) -> &dyn TraceStream {
        self.stream.as_ref()
    }

    /// The next arrival in simulation time, or `None` at the end of the window or the trace.
    pub fn next_arrival(&mut self) -> Result<Option<TraceArrival>, InputError> {
        loop {
            if self.copies > 0
                && let Some(a) = self.last
            {
                self.copies -= 1;
                self.emitted += 1;
                return Ok(Some(a));
            }
            let Some(mut a) = self.stream.next()? else {
                return Ok(None);
            };
            let origin = *self.origin.get_or_insert(a.time);
            let rel = a.time.saturating_sub(origin);
            if rel < self.opts.start {
                continue;
            }
            if rel >= self.opts.end {
                return Ok(None);
            }
            let d = rel - self.opts.start;
            let sim = if self.opts.speedup == 1.0 {
                d
            } else {
                (d as f64 / self.opts.speedup + 0.5) as u64
            };
            if sim >= self.opts.until {
                return Ok(None);
            }
            a.time = sim;
            if a.cold {
                self.cold_labelled += 1;
            }
            let k = if self.counts_scaled || (self.opts.scale == 1.0 && self.opts.spikes.is_empty())
            {
                1
            } else {
                let f = self.opts.scale * spike_factor(&self.opts.spikes, a.time);
                scaled(1, f, &mut self.rng) as u32
            };
            if k == 0 {
                continue;
            }
            self.copies = k - 1;
            self.last = Some(a);
            self.emitted += 1;
            return Ok(Some(a));
        }
    }
}

impl TraceStream for Replay {
    fn next(&mut self) -> Result<Option<TraceArrival>, InputError> {
        self.next_arrival()
    }
    fn function_name(&self, i: u32) -> &str {
        self.stream.function_name(i)
    }
    fn trigger(&self, i: u32) -> Option<&str> {
        self.stream.trigger(i)
    }
    fn app(&self, i: u32) -> Option<&str> {
        self.stream.app(i)
    }
    fn functions(&self) -> u32 {
        self.stream.functions()
    }
    fn rows(&self) -> u64 {
        self.stream.rows()
    }
    fn skipped(&self) -> u64 {
        self.stream.skipped()
    }
    fn first_skipped(&self) -> Option<&InputError> {
        self.stream.first_skipped()
    }
    fn labelled(&self) -> bool {
        self.stream.labelled()
    }
}
