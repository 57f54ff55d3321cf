//! Arrival processes: generated (Poisson, constant rate) and traces read as streams.
//!
//! Traces are read by [`crate::trace`].

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

/// A multiplication of the rate by `factor` over `[start, end)` (ns).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spike {
    pub start: u64,
    pub end: u64,
    pub factor: f64,
}

/// The product of the factors of the spikes active at `t`.
pub(crate) fn spike_factor(spikes: &[Spike], t: u64) -> f64 {
    spikes
        .iter()
        .filter(|s| s.start <= t && t < s.end)
        .map(|s| s.factor)
        .product()
}

/// The largest product of spike factors at any time (at least 1): the product changes only where
/// a spike starts or ends.
fn spike_bound(spikes: &[Spike]) -> f64 {
    spikes
        .iter()
        .flat_map(|s| [s.start, s.end])
        .map(|t| spike_factor(spikes, t))
        .fold(1.0, f64::max)
}

/// A rate over time, in requests per second.
#[derive(Clone, Debug, PartialEq)]
pub enum RateShape {
    Constant(f64),
    /// `trough + (peak − trough) · (1 + cos 2π (t − peak_at) / period) / 2`.
    Diurnal {
        trough: f64,
        peak: f64,
        period: u64,
        peak_at: u64,
    },
    /// Linear between the points (time in ns, rate); constant before the first and after the last.
    Profile(Vec<(u64, f64)>),
}

impl RateShape {
    fn max(&self) -> f64 {
        match self {
            RateShape::Constant(r) => *r,
            RateShape::Diurnal { trough, peak, .. } => peak.max(*trough),
            RateShape::Profile(p) => p.iter().map(|x| x.1).fold(0.0, f64::max),
        }
    }

    /// The rate at `t`; `cursor` remembers the profile segment (times only grow).
    fn at(&self, t: u64, cursor: &mut usize) -> f64 {
        match self {
            RateShape::Constant(r) => *r,
            RateShape::Diurnal {
                trough,
                peak,
                period,
                peak_at,
            } => {
                let phase = (t as f64 - *peak_at as f64) / *period as f64;
                trough + (peak - trough) * 0.5 * (1.0 + (std::f64::consts::TAU * phase).cos())
            }
            RateShape::Profile(p) => {
                while *cursor + 1 < p.len() && p[*cursor + 1].0 <= t {
                    *cursor += 1;
                }
                let (t0, r0) = p[*cursor];
                if t < t0 || *cursor + 1 == p.len() {
                    return r0;
                }
                let (t1, r1) = p[*cursor + 1];
                r0 + (r1 - r0) * (t - t0) as f64 / (t1 - t0) as f64
            }
        }
    }
}

/// A non-homogeneous Poisson process by thinning.
pub struct Thinned {
    rng: SimRng,
    last: u64,
    /// The largest rate (per ns): candidates come at this rate.
    bound: f64,
    shape: RateShape,
    spikes: Vec<Spike>,
    cursor: usize,
}

/// A two-state Markov-modulated Poisson process: rate `rates[1]` during bursts of mean length
/// `means[1]`, `rates[0]` during quiet spells of mean length `means[0]` (exponential).
pub struct Mmpp {
    rng: SimRng,
    last: u64,
    on: bool,
    switch_at: u64,
    /// Per ns.
    rates: [f64; 2],
    means: [f64; 2],
    spikes: Vec<Spike>,
    kmax: f64,
}

impl Mmpp {
    fn next(&mut self) -> u64 {
        loop {
            let rate = self.rates[self.on as usize] * self.kmax;
            let gap = if rate > 0.0 {
                let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, &mut self.rng);
                e / rate
            } else {
                f64::INFINITY
            };
            if self.last as f64 + gap >= self.switch_at as f64 {
                // The state changes first; the exponential gap starts afresh (memoryless).
                self.last = self.switch_at;
                self.on = !self.on;
                let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, &mut self.rng);
                self.switch_at = self
                    .last
                    .saturating_add((e * self.means[self.on as usize]).max(1.0) as u64);
                continue;
            }
            self.last = (self.last as f64 + gap + 0.5) as u64;
            if self.kmax == 1.0
                || self.rng.uniform() * self.kmax < spike_factor(&self.spikes, self.last)
            {
                return self.last;
            }
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

    /// A Poisson process whose rate follows `shape`, multiplied by `spikes`.
    pub fn varying(shape: RateShape, spikes: Vec<Spike>, rng: SimRng) -> Self {
        let bound = shape.max() * spike_bound(&spikes) / NS_PER_S as f64;
        ArrivalSource::Thinned(Box::new(Thinned {
            rng,
            last: 0,
            bound,
            shape,
            spikes,
            cursor: 0,
        }))
    }

    /// A two-state MMPP: `burst_rate` during bursts of mean `burst` ns, `quiet_rate` during quiet
    /// spells of mean `quiet` ns; it starts in either state with its stationary probability.
    pub fn mmpp(
        burst_rate: f64,
        quiet_rate: f64,
        burst: f64,
        quiet: f64,
        spikes: Vec<Spike>,
        mut rng: SimRng,
    ) -> Self {
        let on = rng.uniform() < burst / (burst + quiet);
        let mean = if on { burst } else { quiet };
        let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, &mut rng);
        let kmax = spike_bound(&spikes);
        ArrivalSource::Mmpp(Box::new(Mmpp {
            rng,
            last: 0,
            on,
            switch_at: (e * mean).max(1.0) as u64,
            rates: [quiet_rate / NS_PER_S as f64, burst_rate / NS_PER_S as f64],
            means: [quiet, burst],
            spikes,
            kmax,
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
        if self.bound <= 0.0 {
            return u64::MAX;
        }
        loop {
            let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, &mut self.rng);
            self.last = self.last.saturating_add((e / self.bound + 0.5) as u64);
            if self.last == u64::MAX {
                return u64::MAX;
            }
            let rate = self.shape.at(self.last, &mut self.cursor)
                * spike_factor(&self.spikes, self.last)
                / NS_PER_S as f64;
            if self.rng.uniform() * self.bound < rate {
                return self.last;
            }
        }
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
