//! Arrival processes: generated (Poisson, constant rate) and traces read as streams.
//!
//! Traces are read by [`crate::trace`]; rates as functions of time are [`crate::rates`].

pub use crate::error::InputError;
use crate::rng::SimRng;
use crate::time::NS_PER_S;

/// Where a workload's arrivals come from.
pub enum ArrivalSource {
    /// Exponential inter-arrival times with mean `1/rate`.
    Poisson {
        mean_gap_ns: f64,
        rng: SimRng,
        last: u64,
    },
    /// Evenly spaced: the k-th arrival at `k * gap` (no drift from rounding).
    Constant { gap_ns: f64, k: u64, offset: u64 },
    /// A non-homogeneous Poisson process (a rate that varies in time, spikes included), by
    /// thinning a homogeneous one at the largest rate.
    Thinned(Box<Thinned>),
    /// A two-state Markov-modulated Poisson process (bursts and quiet spells).
    Mmpp(Box<Mmpp>),
    /// Arrivals come from a trace shared by several workloads (the simulation's feeds).
    Feed,
}

pub use crate::rates::{RateShape, Spike, SpikeSteps, spike_factor};

/// A non-homogeneous Poisson process by thinning, piece by piece: a piece is where the spikes'
/// factor is constant and the shape is closely bounded (a profile's segment, a 64th of a
/// diurnal period); candidates come at the piece's largest rate, so that the work per arrival
/// does not depend on how far away the highest rate is.
pub struct Thinned {
    rng: SimRng,
    last: u64,
    shape: RateShape,
    steps: SpikeSteps,
    cursor: usize,
    step_cursor: usize,
    /// Arrivals stop here.
    horizon: u64,
    /// The current piece: its end, its spike factor and its largest rate (per ns).
    piece_end: u64,
    factor: f64,
    bound: f64,
}

/// A two-state Markov-modulated Poisson process: rate `rates[1]` during bursts of mean length
/// `means[1]`, `rates[0]` during quiet spells of mean length `means[0]` (exponential), times the
/// spikes' factor. The rate is constant between a state change and a spike's edge, so arrivals
/// are drawn exactly, without thinning.
pub struct Mmpp {
    rng: SimRng,
    last: u64,
    on: bool,
    switch_at: u64,
    /// Per ns.
    rates: [f64; 2],
    means: [f64; 2],
    steps: SpikeSteps,
    step_cursor: usize,
    horizon: u64,
}

impl Mmpp {
    fn next(&mut self) -> u64 {
        loop {
            if self.last >= self.horizon {
                return u64::MAX;
            }
            let (f, step_end) = self.steps.at(self.last, &mut self.step_cursor);
            let rate = self.rates[self.on as usize] * f;
            let until = self.switch_at.min(step_end);
            let gap = if rate > 0.0 {
                let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, &mut self.rng);
                e / rate
            } else {
                f64::INFINITY
            };
            if self.last as f64 + gap >= until as f64 {
                // The state or the spike factor changes first; the exponential gap starts
                // afresh (memoryless).
                self.last = until;
                if until == self.switch_at {
                    self.on = !self.on;
                    let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, &mut self.rng);
                    self.switch_at = self
                        .last
                        .saturating_add((e * self.means[self.on as usize]).max(1.0) as u64);
                }
                continue;
            }
            self.last = (self.last as f64 + gap + 0.5) as u64;
            return self.last;
        }
    }
}

impl ArrivalSource {
    pub fn poisson(rate: f64, rng: SimRng) -> Self {
        ArrivalSource::Poisson {
            mean_gap_ns: NS_PER_S as f64 / rate,
            rng,
            last: 0,
        }
    }
    pub fn constant(rate: f64) -> Self {
        ArrivalSource::Constant {
            gap_ns: NS_PER_S as f64 / rate,
            k: 0,
            offset: 0,
        }
    }

    /// A Poisson process whose rate follows `shape`, multiplied by `spikes`, until `horizon`.
    pub fn varying(shape: RateShape, spikes: &[Spike], horizon: u64, rng: SimRng) -> Self {
        ArrivalSource::Thinned(Box::new(Thinned {
            rng,
            last: 0,
            shape,
            steps: SpikeSteps::new(spikes),
            cursor: 0,
            step_cursor: 0,
            horizon,
            piece_end: 0,
            factor: 1.0,
            bound: 0.0,
        }))
    }

    /// A two-state MMPP: `burst_rate` during bursts of mean `burst` ns, `quiet_rate` during quiet
    /// spells of mean `quiet` ns, until `horizon`; it starts in either state with its
    /// stationary probability.
    #[allow(clippy::too_many_arguments)]
    pub fn mmpp(
        burst_rate: f64,
        quiet_rate: f64,
        burst: f64,
        quiet: f64,
        spikes: &[Spike],
        horizon: u64,
        mut rng: SimRng,
    ) -> Self {
        let on = rng.uniform() < burst / (burst + quiet);
        let mean = if on { burst } else { quiet };
        let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, &mut rng);
        ArrivalSource::Mmpp(Box::new(Mmpp {
            rng,
            last: 0,
            on,
            switch_at: (e * mean).max(1.0) as u64,
            rates: [quiet_rate / NS_PER_S as f64, burst_rate / NS_PER_S as f64],
            means: [quiet, burst],
            steps: SpikeSteps::new(spikes),
            step_cursor: 0,
            horizon,
        }))
    }

    /// The same process, started at `t` instead of 0 (generated processes only).
    pub fn starting_at(mut self, t: u64) -> Self {
        match &mut self {
            ArrivalSource::Poisson { last, .. } => *last = t,
            ArrivalSource::Constant { offset, .. } => *offset = t,
            ArrivalSource::Thinned(p) => p.last = t,
            ArrivalSource::Mmpp(m) => {
                m.last = t;
                m.switch_at = m.switch_at.saturating_add(t);
            }
            ArrivalSource::Feed => {}
        }
        self
    }

    /// The next arrival time (absolute, nanoseconds), or `None` when the source is exhausted.
    #[inline(always)]
    pub fn next_arrival(&mut self) -> Result<Option<u64>, InputError> {
        match self {
            ArrivalSource::Poisson {
                mean_gap_ns,
                rng,
                last,
            } => {
                let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, rng);
                *last = last.saturating_add((e * *mean_gap_ns + 0.5) as u64);
                Ok(Some(*last))
            }
            ArrivalSource::Constant { gap_ns, k, offset } => {
                *k += 1;
                Ok(Some(*offset + (*k as f64 * *gap_ns + 0.5) as u64))
            }
            ArrivalSource::Feed => Ok(None),
            ArrivalSource::Thinned(p) => Ok(Some(p.next())),
            ArrivalSource::Mmpp(m) => Ok(Some(m.next())),
        }
    }
}

impl Thinned {
    #[inline(never)]
    fn next(&mut self) -> u64 {
        loop {
            if self.last >= self.horizon {
                return u64::MAX;
            }
            if self.last >= self.piece_end {
                self.new_piece();
            }
            if self.bound <= 0.0 {
                self.last = self.piece_end;
                continue;
            }
            let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, &mut self.rng);
            let at = self.last as f64 + e / self.bound + 0.5;
            if at >= self.piece_end as f64 {
                // Past the piece: the next starts afresh from its beginning (memoryless).
                self.last = self.piece_end;
                continue;
            }
            self.last = at as u64;
            if let RateShape::Constant(_) = self.shape {
                return self.last;
            }
            let rate = self.shape.at(self.last, &mut self.cursor) * self.factor / NS_PER_S as f64;
            if self.rng.uniform() * self.bound < rate {
                return self.last;
            }
        }
    }

    /// The piece that starts at `last`: to the next spike edge or shape piece, at most the
    /// horizon.
    fn new_piece(&mut self) {
        let (factor, step_end) = self.steps.at(self.last, &mut self.step_cursor);
        let end = self
            .shape
            .piece_end(self.last)
            .min(step_end)
            .min(self.horizon);
        self.piece_end = end;
        self.factor = factor;
        self.bound = self.shape.max_over(self.last, end) * factor / NS_PER_S as f64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_and_constant_rates() {
        let mut p = ArrivalSource::poisson(50.0, SimRng::new(1, 1));
        let mut last = 0;
        let n = 100_000;
        for _ in 0..n {
            last = p.next_arrival().unwrap().unwrap();
        }
        let rate = n as f64 / (last as f64 / 1e9);
        assert!((rate - 50.0).abs() / 50.0 < 0.01, "{rate}");
        let mut c = ArrivalSource::constant(3.0);
        assert_eq!(c.next_arrival().unwrap(), Some(333_333_333));
        assert_eq!(c.next_arrival().unwrap(), Some(666_666_667));
        assert_eq!(c.next_arrival().unwrap(), Some(1_000_000_000));
    }
}
