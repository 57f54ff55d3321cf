//! From observations to a calibration ([`estimate`]): the NPMLE with its median, 90th
//! percentile and pointwise survival band, each parametric family's fit with its own, and the
//! bootstrap that gives the bands.

use super::fit::{self, Family, Fit};
use super::npmle::{self, cdf, quantile, quantile_points};
use super::{Cell, Observations};

/// An estimate and its bootstrap percentile interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub est: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Band {
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }
}

/// A family's maximum-likelihood fit.
#[derive(Clone, Debug, PartialEq)]
pub struct FamilyFit {
    pub fit: Fit,
    /// Akaike's information criterion, 2k − 2 ln L.
    pub aic: f64,
    pub median: Band,
    pub p90: Band,
}

/// The estimated idle-time distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// The NPMLE as (F, t) points, linear between them ([`quantile_points`]).
    pub points: Vec<(f64, f64)>,
    pub median: Band,
    pub p90: Band,
    /// The survival curve on a grid: (t, S(t), lower, upper) in seconds.
    pub survival: Vec<(f64, f64, f64, f64)>,
    /// One per family, best (lowest AIC) first.
    pub fits: Vec<FamilyFit>,
    /// Bootstrap replicates and their seed; the bands are central intervals of `level`.
    pub replicates: u32,
    pub seed: u64,
    pub level: f64,
}

/// The `p`-quantile of `v` (sorted in place), linear between order statistics.
fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let x = p * (v.len() - 1) as f64;
    let (i, frac) = (x.floor() as usize, x - x.floor());
    if i + 1 < v.len() {
        v[i] + frac * (v[i + 1] - v[i])
    } else {
        v[i]
    }
}

/// Grid points of the survival band: 0 to the largest `c`.
const GRID: usize = 240;

/// What one bootstrap replicate gives: the NPMLE's median, 90th percentile and survival on the
/// grid, and each family's median and 90th percentile (`None`: the replicate drew no period
/// that ended).
pub struct Replicate(Option<Drawn>);

/// A replicate's NPMLE median, 90th percentile and survival on the grid, and each family's median
/// and 90th percentile.
struct Drawn {
    median: f64,
    p90: f64,
    survival: Vec<f64>,
    families: Vec<(f64, f64)>,
}

/// The estimates of the data itself, and the replicates to draw: [`Estimator::replicate`] may
/// run in any order and on any thread, and [`Estimator::finish`] takes them in replicate order.
pub struct Estimator<'a> {
    cells: &'a [Cell],
    points: Vec<(f64, f64)>,
    grid: Vec<f64>,
    full: Vec<Fit>,
    seed: u64,
}

impl<'a> Estimator<'a> {
    /// `None` when there is nothing to estimate from (no cell says an idle period ended).
    pub fn new(obs: &'a Observations, seed: u64) -> Option<Self> {
        let cells: &[Cell] = &obs.cells;
        if cells.iter().all(|c| c.gone == 0) {
            return None;
        }
        let points = quantile_points(cells, &npmle::npmle(cells));
        let t_max = cells.last().map_or(1.0, |c| c.c).max(1e-3);
        let grid = (0..=GRID).map(|i| t_max * i as f64 / GRID as f64).collect();
        let ones: Vec<(f64, f64)> = cells
            .iter()
            .map(|c| (c.alive as f64, c.gone as f64))
            .collect();
        let (m0, q0) = (quantile(&points, 0.5), quantile(&points, 0.9));
        let full = Family::ALL
            .iter()
            .map(|&fam| fit::fit(fit::start(fam, m0, q0), cells, &ones))
            .collect();
        Some(Estimator {
            cells,
            points,
            grid,
            full,
            seed,
        })
    }

    /// Bootstrap replicate `i`.
    pub fn replicate(&self, i: u64) -> Replicate {
        let w = npmle::resample(self.cells, self.seed, i);
        if w.iter().all(|x| x.1 == 0.0) {
            return Replicate(None);
        }
        let pts = quantile_points(self.cells, &npmle::npmle_weighted(self.cells, &w));
        let surv = self.grid.iter().map(|&g| 1.0 - cdf(&pts, g)).collect();
        let fams = self
            .full
            .iter()
            .map(|f0| {
                let f = fit::fit(*f0, self.cells, &w);
                (f.quantile(0.5), f.quantile(0.9))
            })
            .collect();
        Replicate(Some(Drawn {
            median: quantile(&pts, 0.5),
            p90: quantile(&pts, 0.9),
            survival: surv,
            families: fams,
        }))
    }

    /// The calibration, with the bands of `reps` (in replicate order).
    pub fn finish(self, reps: Vec<Replicate>) -> Calibration {
        let n = reps.len() as u32;
        let mut med = Vec::new();
        let mut p90 = Vec::new();
        let mut surv: Vec<Vec<f64>> = vec![Vec::new(); self.grid.len()];
        let mut fam_q: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); self.full.len()];
        for d in reps.into_iter().filter_map(|r| r.0) {
            med.push(d.median);
            p90.push(d.p90);
            for (v, x) in surv.iter_mut().zip(d.survival) {
                v.push(x);
            }
            for (k, (a, b)) in d.families.into_iter().enumerate() {
                fam_q[k].0.push(a);
                fam_q[k].1.push(b);
            }
        }
        let band = |est: f64, v: &mut Vec<f64>| Band {
            est,
            lo: pct(v, 0.025),
            hi: pct(v, 0.975),
        };
        let points = self.points;
        let survival = self
            .grid
            .iter()
            .zip(surv.iter_mut())
            .map(|(&t, v)| (t, 1.0 - cdf(&points, t), pct(v, 0.025), pct(v, 0.975)))
            .collect();
        let mut fits: Vec<FamilyFit> = self
            .full
            .iter()
            .zip(fam_q.iter_mut())
            .map(|(ft, (m, q))| FamilyFit {
                fit: *ft,
                aic: 2.0 * ft.family.arity() as f64 - 2.0 * ft.loglik,
                median: band(ft.quantile(0.5), m),
                p90: band(ft.quantile(0.9), q),
            })
            .collect();
        fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
        Calibration {
            median: band(quantile(&points, 0.5), &mut med),
            p90: band(quantile(&points, 0.9), &mut p90),
            points,
            survival,
            fits,
            replicates: n,
            seed: self.seed,
            level: 0.95,
        }
    }
}
