//! Arrival rates as functions of time: a shape ([`RateShape`]: constant, diurnal cosine,
//! piecewise-linear profile) multiplied by spikes ([`Spike`], gathered into [`SpikeSteps`]).
//!
//! Besides the rate at an instant, a shape gives its largest value over an interval and the
//! number of arrivals it expects over an interval (its integral), so that generators thin
//! against a local bound and a run's size is known before it starts.

use crate::time::NS_PER_S;

/// The highest arrival rate a workload may reach, in requests per second, after `scale` and
/// spikes.
pub const MAX_RATE: f64 = 1e9;

/// A multiplication of the rate by `factor` over `[start, end)` (ns).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spike {
    pub start: u64,
    pub end: u64,
    pub factor: f64,
}

/// The product of the factors of the spikes active at `t` (in the spikes' order).
pub fn spike_factor(spikes: &[Spike], t: u64) -> f64 {
    spikes
        .iter()
        .filter(|s| s.start <= t && t < s.end)
        .map(|s| s.factor)
        .product()
}

/// Spikes as a step function: from each `starts[i]` on, the rate is multiplied by
/// `factors[i]`, the product of the spikes active there (in the spikes' order, as
/// [`spike_factor`] computes it). The first step starts at 0.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeSteps {
    starts: Vec<u64>,
    factors: Vec<f64>,
}

impl SpikeSteps {
    /// The steps of `spikes` (sorted, overlapping or not), in O(n log n + steps × overlap).
    pub fn new(spikes: &[Spike]) -> SpikeSteps {
        let mut cuts: Vec<u64> = spikes.iter().flat_map(|s| [s.start, s.end]).collect();
        cuts.push(0);
        cuts.sort_unstable();
        cuts.dedup();
        // Spikes by start; a sweep keeps the active ones (as indices, in the spikes' order).
        let mut by_start: Vec<usize> = (0..spikes.len()).collect();
        by_start.sort_by_key(|&i| spikes[i].start);
        let mut next = 0;
        let mut active: Vec<usize> = Vec::new();
        let mut factors = Vec::with_capacity(cuts.len());
        for &t in &cuts {
            active.retain(|&i| spikes[i].end > t);
            let before = active.len();
            while next < by_start.len() && spikes[by_start[next]].start <= t {
                let i = by_start[next];
                if spikes[i].end > t {
                    active.push(i);
                }
                next += 1;
            }
            if active.len() != before {
                active.sort_unstable();
            }
            factors.push(active.iter().map(|&i| spikes[i].factor).product());
        }
        SpikeSteps {
            starts: cuts,
            factors,
        }
    }

    /// No spikes: a factor of 1 everywhere.
    pub fn is_flat(&self) -> bool {
        self.factors.iter().all(|&f| f == 1.0)
    }

    /// The step holding `t`: its index (`cursor` is a hint, moved to it).
    #[inline]
    fn step(&self, t: u64, cursor: &mut usize) -> usize {
        let mut i = (*cursor).min(self.starts.len() - 1);
        if self.starts[i] > t {
            i = self.starts.partition_point(|&s| s <= t) - 1;
        } else {
            while i + 1 < self.starts.len() && self.starts[i + 1] <= t {
                i += 1;
                if i > *cursor + 8 {
                    i = self.starts.partition_point(|&s| s <= t) - 1;
                    break;
                }
            }
        }
        *cursor = i;
        i
    }

    /// The factor at `t` and the end of its step (`u64::MAX` for the last).
    #[inline]
    pub fn at(&self, t: u64, cursor: &mut usize) -> (f64, u64) {
        let i = self.step(t, cursor);
        let end = self.starts.get(i + 1).copied().unwrap_or(u64::MAX);
        (self.factors[i], end)
    }

    /// The steps that meet `[a, b)`, clipped to it: (from, to, factor).
    pub fn over(&self, a: u64, b: u64) -> impl Iterator<Item = (u64, u64, f64)> + '_ {
        let first = self.starts.partition_point(|&s| s <= a).saturating_sub(1);
        (first..self.starts.len())
            .take_while(move |&i| self.starts[i] < b)
            .map(move |i| {
                let end = self.starts.get(i + 1).copied().unwrap_or(u64::MAX);
                (self.starts[i].max(a), end.min(b), self.factors[i])
            })
            .filter(|(x, y, _)| x < y)
    }
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

/// A diurnal rate is thinned in pieces of a 64th of its period, but of at least a millisecond.
const DIURNAL_PIECES: u64 = 64;
const MIN_PIECE: u64 = 1_000_000;

impl RateShape {
    /// The largest rate at any time.
    pub fn max(&self) -> f64 {
        match self {
            RateShape::Constant(r) => *r,
            RateShape::Diurnal { trough, peak, .. } => peak.max(*trough),
            RateShape::Profile(p) => p.iter().map(|x| x.1).fold(0.0, f64::max),
        }
    }

    /// The rate at `t`; `cursor` remembers the profile segment (a hint: times may go back).
    #[inline]
    pub fn at(&self, t: u64, cursor: &mut usize) -> f64 {
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
                if p[(*cursor).min(p.len() - 1)].0 > t {
                    *cursor = p.partition_point(|x| x.0 <= t).saturating_sub(1);
                }
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

    /// The end of the piece of the shape that holds `t`: over a piece the shape is bounded
    /// by [`RateShape::max_over`] closely (a profile's segment, a 64th of a diurnal period).
    pub fn piece_end(&self, t: u64) -> u64 {
        match self {
            RateShape::Constant(_) => u64::MAX,
            RateShape::Diurnal { period, .. } => {
                let w = (period / DIURNAL_PIECES).max(MIN_PIECE);
                (t / w).saturating_add(1).saturating_mul(w)
            }
            RateShape::Profile(p) => {
                let i = p.partition_point(|x| x.0 <= t);
                p.get(i).map(|x| x.0).unwrap_or(u64::MAX)
            }
        }
    }

    /// The largest rate over `[a, b]`.
    pub fn max_over(&self, a: u64, b: u64) -> f64 {
        let mut c = 0;
        match self {
            RateShape::Constant(r) => *r,
            RateShape::Diurnal {
                peak,
                period,
                peak_at,
                ..
            } => {
                // The cosine is monotone between a peak and a trough: the largest value is at
                // an end, unless a peak lies inside.
                let p = *period as i128;
                let k = (a as i128 - *peak_at as i128).div_euclid(p) + 1;
                let next_peak = *peak_at as i128 + k * p;
                if next_peak <= b as i128 || (a as i128 - *peak_at as i128).rem_euclid(p) == 0 {
                    *peak
                } else {
                    self.at(a, &mut c).max(self.at(b, &mut c))
                }
            }
            RateShape::Profile(p) => {
                // Linear inside a segment: the largest value is at an end or at a point inside.
                let i = p.partition_point(|x| x.0 <= a);
                p[i..]
                    .iter()
                    .take_while(|x| x.0 <= b)
                    .fold(self.at(a, &mut c).max(self.at(b, &mut c)), |m, x| {
                        m.max(x.1)
                    })
            }
        }
    }

    /// The expected number of arrivals over `[a, b)` (ns): the integral of the rate.
    pub fn integral(&self, a: u64, b: u64) -> f64 {
        if b <= a {
            return 0.0;
        }
        let secs = |x: u64| x as f64 / NS_PER_S as f64;
        match self {
            RateShape::Constant(r) => r * secs(b - a),
            RateShape::Diurnal {
                trough,
                peak,
                period,
                peak_at,
            } => {
                let p = *period as f64;
                let w = std::f64::consts::TAU / p;
                let sin = |x: u64| ((x as f64 - *peak_at as f64) * w).sin();
                let amp = (peak - trough) * 0.5;
                (trough + amp) * secs(b - a) + amp * (sin(b) - sin(a)) / w / NS_PER_S as f64
            }
            RateShape::Profile(p) => {
                let mut total = 0.0;
                let mut c = 0;
                // Breakpoints inside (a, b), then trapezoids between consecutive ones.
                let i = p.partition_point(|x| x.0 <= a);
                let mut t0 = a;
                let mut r0 = self.at(a, &mut c);
                for &(t, r) in p[i..].iter().take_while(|x| x.0 < b) {
                    total += (r0 + r) * 0.5 * secs(t - t0);
                    (t0, r0) = (t, r);
                }
                let r1 = self.at(b, &mut c);
                total + (r0 + r1) * 0.5 * secs(b - t0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_multiply_overlapping_spikes() {
        let s = [
            Spike {
                start: 10,
                end: 30,
                factor: 2.0,
            },
            Spike {
                start: 20,
                end: 40,
                factor: 3.0,
            },
        ];
        let steps = SpikeSteps::new(&s);
        let mut c = 0;
        for t in [0, 9, 10, 19, 20, 29, 30, 39, 40, 100] {
            assert_eq!(steps.at(t, &mut c).0, spike_factor(&s, t), "t={t}");
        }
        // Backwards too.
        assert_eq!(steps.at(5, &mut c), (1.0, 10));
        assert_eq!(steps.at(25, &mut c), (6.0, 30));
        let over: Vec<_> = steps.over(15, 35).collect();
        assert_eq!(over, vec![(15, 20, 2.0), (20, 30, 6.0), (30, 35, 3.0)]);
    }

    #[test]
    fn integrals_match_a_midpoint_sum() {
        let shapes = [
            RateShape::Constant(7.0),
            RateShape::Diurnal {
                trough: 2.0,
                peak: 10.0,
                period: 3_600 * NS_PER_S,
                peak_at: 600 * NS_PER_S,
            },
            RateShape::Profile(vec![
                (100 * NS_PER_S, 0.0),
                (1_000 * NS_PER_S, 50.0),
                (2_000 * NS_PER_S, 5.0),
            ]),
        ];
        for shape in &shapes {
            let (a, b) = (30 * NS_PER_S, 5_000 * NS_PER_S);
            let n = 200_000;
            let step = (b - a) / n;
            let mut c = 0;
            let sum: f64 = (0..n)
                .map(|i| shape.at(a + i * step + step / 2, &mut c) * step as f64 / 1e9)
                .sum();
            let exact = shape.integral(a, b);
            assert!(
                (exact - sum).abs() / sum < 1e-6,
                "{shape:?}: {exact} vs {sum}"
            );
        }
    }

    #[test]
    fn local_maxima_bound_the_rate() {
        let d = RateShape::Diurnal {
            trough: 0.0,
            peak: 100.0,
            period: 1_000 * NS_PER_S,
            peak_at: 250 * NS_PER_S,
        };
        let mut c = 0;
        let mut t = 0;
        while t < 3_000 * NS_PER_S {
            let e = d.piece_end(t);
            let m = d.max_over(t, e);
            for k in 0..=20 {
                let x = t + (e - t) * k / 20;
                assert!(d.at(x, &mut c) <= m + 1e-9, "{x}");
            }
            t = e;
        }
        assert_eq!(d.max_over(200 * NS_PER_S, 300 * NS_PER_S), 100.0);
        assert!(d.max_over(700 * NS_PER_S, 760 * NS_PER_S) < 5.0);
    }
}
