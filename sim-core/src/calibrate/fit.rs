//! Parametric maximum-likelihood fits of the idle-time distribution to current-status
//! observations, in the families a scenario's `idle_ttl` takes: log-normal, normal (truncated
//! at zero, as faasim draws it) and exponential. The log-likelihood of a cell is
//! `alive · ln S(c) + gone · ln F(c)`; it is maximized by Nelder–Mead over unconstrained
//! parameters (log-scale where a parameter must be positive).

use super::Cell;
use crate::dist::normal_quantile;

/// A family of idle-time distributions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Lognormal,
    Normal,
    Exponential,
}

impl Family {
    pub const ALL: [Family; 3] = [Family::Lognormal, Family::Normal, Family::Exponential];

    pub fn name(self) -> &'static str {
        match self {
            Family::Lognormal => "lognormal",
            Family::Normal => "normal",
            Family::Exponential => "exponential",
        }
    }

    pub fn parse(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == s)
    }

    /// Free parameters.
    pub fn arity(self) -> usize {
        match self {
            Family::Exponential => 1,
            _ => 2,
        }
    }
}

/// A fitted distribution: the family and its natural parameters (log-normal: μ and σ of ln t;
/// normal: mean and standard deviation before truncation; exponential: the mean; seconds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    pub family: Family,
    pub a: f64,
    pub b: f64,
    pub loglik: f64,
}

/// Φ, the standard normal CDF.
pub fn phi(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

impl Fit {
    /// P(idle time > t) and P(idle time ≤ t), each computed directly (no 1 − x cancellation).
    pub fn sf_cdf(&self, t: f64) -> (f64, f64) {
        match self.family {
            Family::Lognormal => {
                if t <= 0.0 {
                    return (1.0, 0.0);
                }
                let z = (t.ln() - self.a) / self.b;
                (phi(-z), phi(z))
            }
            Family::Normal => {
                let mass = phi(self.a / self.b);
                let s = phi((self.a - t.max(0.0)) / self.b) / mass;
                let f = (phi((t.max(0.0) - self.a) / self.b) - phi(-self.a / self.b)) / mass;
                (s.min(1.0), f.max(0.0))
            }
            Family::Exponential => {
                let x = t.max(0.0) / self.a;
                ((-x).exp(), -(-x).exp_m1())
            }
        }
    }

    pub fn quantile(&self, p: f64) -> f64 {
        match self.family {
            Family::Lognormal => (self.a + self.b * normal_quantile(p)).exp(),
            Family::Normal => {
                // Of the normal truncated at zero.
                let lo = phi(-self.a / self.b);
                self.a + self.b * normal_quantile(lo + p * (1.0 - lo))
            }
            Family::Exponential => -self.a * (-p).ln_1p(),
        }
    }

    fn from_free(family: Family, x: &[f64]) -> Fit {
        let (a, b) = match family {
            Family::Lognormal => (x[0], x[1].exp()),
            Family::Normal => (x[0], x[1].exp()),
            Family::Exponential => (x[0].exp(), 0.0),
        };
        Fit {
            family,
            a,
            b,
            loglik: f64::NEG_INFINITY,
        }
    }

    fn free(&self) -> Vec<f64> {
        match self.family {
            Family::Lognormal | Family::Normal => vec![self.a, self.b.ln()],
            Family::Exponential => vec![self.a.ln()],
        }
    }
}

/// The log-likelihood of `fit` for the cells weighted by `w` ((alive, gone) per cell).
pub fn loglik(fit: &Fit, cells: &[Cell], w: &[(f64, f64)]) -> f64 {
    let mut ll = 0.0;
    for (c, &(alive, gone)) in cells.iter().zip(w) {
        let (s, f) = fit.sf_cdf(c.c);
        if alive > 0.0 {
            ll += alive * s.max(1e-300).ln();
        }
        if gone > 0.0 {
            ll += gone * f.max(1e-300).ln();
        }
    }
    ll
}

/// A starting point from a median and a 90th percentile (s).
pub fn start(family: Family, median: f64, p90: f64) -> Fit {
    let median = median.max(1e-3);
    let p90 = p90.max(median * 1.01);
    let (a, b) = match family {
        Family::Lognormal => (
            median.ln(),
            ((p90 / median).ln() / 1.281_551_565_5).max(0.01),
        ),
        Family::Normal => (median, ((p90 - median) / 1.281_551_565_5).max(1e-3)),
        Family::Exponential => (median / std::f64::consts::LN_2, 0.0),
    };
    Fit {
        family,
        a,
        b,
        loglik: f64::NEG_INFINITY,
    }
}

/// The maximum-likelihood fit from `from`, by Nelder–Mead over the free parameters.
pub fn fit(from: Fit, cells: &[Cell], w: &[(f64, f64)]) -> Fit {
    let family = from.family;
    let f = |x: &[f64]| -loglik(&Fit::from_free(family, x), cells, w);
    let x = nelder_mead(&f, from.free(), 0.3, 4000);
    let mut out = Fit::from_free(family, &x);
    out.loglik = loglik(&out, cells, w);
    out
}

/// Minimizes `f` from `x0` (initial simplex steps of `step`), at most `iters` iterations, until
/// the simplex's values agree to 1e-10.
fn nelder_mead(f: &dyn Fn(&[f64]) -> f64, x0: Vec<f64>, step: f64, iters: usize) -> Vec<f64> {
    let n = x0.len();
    let mut pts: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    pts.push((x0.clone(), f(&x0)));
    for i in 0..n {
        let mut x = x0.clone();
        x[i] += step;
        let v = f(&x);
        pts.push((x, v));
    }
    let at = |c: &[f64], d: &[f64], t: f64| -> Vec<f64> {
        c.iter().zip(d).map(|(a, b)| a + t * (b - a)).collect()
    };
    for _ in 0..iters {
        pts.sort_by(|a, b| a.1.total_cmp(&b.1));
        if (pts[n].1 - pts[0].1).abs() <= 1e-10 * (1.0 + pts[0].1.abs()) {
            break;
        }
        let mut centroid = vec![0.0; n];
        for (x, _) in &pts[..n] {
            for (c, v) in centroid.iter_mut().zip(x) {
                *c += v / n as f64;
            }
        }
        let worst = pts[n].0.clone();
        let reflected = at(&centroid, &worst, -1.0);
        let fr = f(&reflected);
        if fr < pts[0].1 {
            let expanded = at(&centroid, &worst, -2.0);
            let fe = f(&expanded);
            pts[n] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < pts[n - 1].1 {
            pts[n] = (reflected, fr);
        } else {
            let contracted = if fr < pts[n].1 {
                at(&centroid, &worst, -0.5)
            } else {
                at(&centroid, &worst, 0.5)
            };
            let fc = f(&contracted);
            if fc < pts[n].1.min(fr) {
                pts[n] = (contracted, fc);
            } else {
                let best = pts[0].0.clone();
                for p in pts.iter_mut().skip(1) {
                    p.0 = at(&best, &p.0, 0.5);
                    p.1 = f(&p.0);
                }
            }
        }
    }
    pts.sort_by(|a, b| a.1.total_cmp(&b.1));
    pts.swap_remove(0).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phi_and_its_inverse() {
        assert!((phi(0.0) - 0.5).abs() < 1e-15);
        assert!((phi(1.959_963_984_540_054) - 0.975).abs() < 1e-12);
        assert!((normal_quantile(0.99) - 2.326_347_874_040_841).abs() < 1e-9);
    }

    #[test]
    fn quantiles_invert_the_cdf() {
        for fit in [
            Fit {
                family: Family::Lognormal,
                a: 6.5,
                b: 0.4,
                loglik: 0.0,
            },
            Fit {
                family: Family::Normal,
                a: 600.0,
                b: 120.0,
                loglik: 0.0,
            },
            Fit {
                family: Family::Normal,
                a: 10.0,
                b: 30.0,
                loglik: 0.0,
            },
            Fit {
                family: Family::Exponential,
                a: 300.0,
                b: 0.0,
                loglik: 0.0,
            },
        ] {
            for p in [0.1, 0.5, 0.9, 0.99] {
                let t = fit.quantile(p);
                let (s, f) = fit.sf_cdf(t);
                assert!((f - p).abs() < 1e-9, "{fit:?} p {p}: F {f}");
                assert!((s + f - 1.0).abs() < 1e-9);
            }
        }
    }

    /// Exact current-status likelihoods: with each cell's share gone equal to the true F at its
    /// c and huge counts, the fit returns the true parameters.
    #[test]
    fn the_fit_finds_the_parameters_of_exact_data() {
        for truth in [
            Fit {
                family: Family::Lognormal,
                a: 600f64.ln(),
                b: 0.3,
                loglik: 0.0,
            },
            Fit {
                family: Family::Normal,
                a: 640.0,
                b: 40.0,
                loglik: 0.0,
            },
            Fit {
                family: Family::Exponential,
                a: 420.0,
                b: 0.0,
                loglik: 0.0,
            },
        ] {
            let mut cells = Vec::new();
            let mut w = Vec::new();
            for i in 1..200 {
                let c = i as f64 * 8.0;
                let (s, f) = truth.sf_cdf(c);
                cells.push(Cell {
                    c,
                    alive: 0,
                    gone: 0,
                });
                w.push((1e6 * s, 1e6 * f));
            }
            let got = fit(start(truth.family, 500.0, 900.0), &cells, &w);
            for p in [0.5, 0.9] {
                let (a, b) = (got.quantile(p), truth.quantile(p));
                assert!((a - b).abs() / b < 1e-4, "{truth:?}: p{p} {a} vs {b}");
            }
        }
    }
}
