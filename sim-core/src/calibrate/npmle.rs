//! The nonparametric maximum-likelihood estimate of the idle-time distribution from
//! current-status observations (each idle period either outlived its `c` or not), and the
//! Poisson bootstrap that gives its bands.
//!
//! For current-status data Turnbull's self-consistent estimator has a closed form: the isotonic
//! (non-decreasing) regression of the share of periods gone at each `c`, weighted by the periods
//! observed there, computed exactly by pooling adjacent violators (Groeneboom & Wellner 1992,
//! docs/sources.md).

use super::Cell;
use crate::rng::SimRng;

/// The NPMLE of F(c) at each cell's `c`, with the cells weighted by `w` (1 for the data itself,
/// bootstrap weights otherwise): pooled adjacent violators.
pub fn npmle_weighted(cells: &[Cell], w: &[(f64, f64)]) -> Vec<f64> {
    // Blocks of pooled cells: (weight, weighted sum of "gone", cells in the block).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(cells.len());
    for &(alive, gone) in w.iter().take(cells.len()) {
        let n = alive + gone;
        blocks.push((n, gone, 1));
        while blocks.len() > 1 {
            let (n2, g2, k2) = blocks[blocks.len() - 1];
            let (n1, g1, k1) = blocks[blocks.len() - 2];
            // Merge while the later block's mean is below the earlier one's (an empty block,
            // weight 0, takes its neighbour's value).
            let violates = n2 == 0.0 || (n1 > 0.0 && g2 * n1 < g1 * n2);
            if !violates {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (n1 + n2, g1 + g2, k1 + k2);
        }
    }
    let mut f = Vec::with_capacity(cells.len());
    for (n, g, k) in blocks {
        let v = if n > 0.0 { g / n } else { 0.0 };
        f.extend(std::iter::repeat_n(v, k));
    }
    f
}

/// The NPMLE of F(c) at each cell's `c`.
pub fn npmle(cells: &[Cell]) -> Vec<f64> {
    let w: Vec<(f64, f64)> = cells
        .iter()
        .map(|c| (c.alive as f64, c.gone as f64))
        .collect();
    npmle_weighted(cells, &w)
}

/// The estimate as a distribution with linear interpolation between its jumps: points (F, t)
/// from F = 0 at the last `c` still at 0 (or at 0 s) to each jump, and F = 1 at the largest `c`
/// observed (the mass the data leaves beyond every observation is put there: the tail beyond the
/// longest idle period seen is not known). Quantiles strictly increase; times do not decrease.
pub fn quantile_points(cells: &[Cell], f: &[f64]) -> Vec<(f64, f64)> {
    let mut pts = vec![(0.0, 0.0)];
    for (cell, &v) in cells.iter().zip(f) {
        if v <= 0.0 {
            pts[0].1 = cell.c;
        } else if v > pts.last().map_or(0.0, |p| p.0) {
            pts.push((v.min(1.0), cell.c));
        }
    }
    let t_max = cells.last().map_or(0.0, |c| c.c);
    match pts.last_mut() {
        Some(p) if p.0 >= 1.0 => p.0 = 1.0,
        _ => pts.push((1.0, t_max)),
    }
    pts
}

/// The time at which the linear interpolation of `pts` (from [`quantile_points`]) reaches `p`.
pub fn quantile(pts: &[(f64, f64)], p: f64) -> f64 {
    for w in pts.windows(2) {
        let ((q0, t0), (q1, t1)) = (w[0], w[1]);
        if p <= q1 {
            return if q1 > q0 {
                t0 + (t1 - t0) * (p - q0) / (q1 - q0)
            } else {
                t1
            };
        }
    }
    pts.last().map_or(0.0, |x| x.1)
}

/// The interpolated F at `t`.
pub fn cdf(pts: &[(f64, f64)], t: f64) -> f64 {
    if t < pts[0].1 {
        return 0.0;
    }
    for w in pts.windows(2) {
        let ((q0, t0), (q1, t1)) = (w[0], w[1]);
        if t < t1 {
            return if t1 > t0 {
                q0 + (q1 - q0) * (t - t0) / (t1 - t0)
            } else {
                q1
            };
        }
    }
    1.0
}

/// Bootstrap weights of replicate `i`: each cell's counts redrawn as Poisson with their own
/// means (the Poisson bootstrap: every idle period observed is counted a Poisson(1) number of
/// times), from stream `i` of `seed`, so replicates do not depend on the order they are drawn in.
pub fn resample(cells: &[Cell], seed: u64, i: u64) -> Vec<(f64, f64)> {
    let mut rng = SimRng::new(seed, 0xCA1B_0000_0000 | i);
    cells
        .iter()
        .map(|c| (poisson(&mut rng, c.alive), poisson(&mut rng, c.gone)))
        .collect()
}

/// A Poisson(n) draw: the sum of n Poisson(1) draws, by inversion for small n and a normal
/// approximation (rounded, at least 0) above 1,000.
fn poisson(rng: &mut SimRng, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    if n > 1000 {
        let z = (-2.0 * rng.uniform_open0().ln()).sqrt()
            * (2.0 * std::f64::consts::PI * rng.uniform()).cos();
        return (n as f64 + z * (n as f64).sqrt()).round().max(0.0);
    }
    // Inversion of Poisson(n): multiply uniforms until below e^(−n) (n ≤ 1,000: in steps).
    let mut k = 0.0;
    let mut left = n as f64;
    while left > 0.0 {
        let step = left.min(500.0);
        left -= step;
        let limit = (-step).exp();
        let mut p = rng.uniform_open0();
        while p > limit {
            k += 1.0;
            p *= rng.uniform_open0();
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(v: &[(f64, u64, u64)]) -> Vec<Cell> {
        v.iter()
            .map(|&(c, alive, gone)| Cell { c, alive, gone })
            .collect()
    }

    #[test]
    fn pooling_adjacent_violators_gives_the_isotonic_regression() {
        // Raw shares gone: 0, 1, 0, 0.5, 1: cells 2 and 3 violate the order and pool to 1 gone
        // of 2; cell 4's 0.5 does not violate it.
        let c = cells(&[
            (1.0, 2, 0),
            (2.0, 0, 1),
            (3.0, 1, 0),
            (4.0, 1, 1),
            (5.0, 0, 3),
        ]);
        let f = npmle(&c);
        assert_eq!(f, vec![0.0, 0.5, 0.5, 0.5, 1.0]);
        // Non-decreasing, and the likelihood is no lower than any other monotone candidate's.
        let ll = |f: &[f64]| -> f64 {
            c.iter()
                .zip(f)
                .map(|(c, &v)| {
                    let a = if c.alive > 0 {
                        c.alive as f64 * (1.0 - v).max(1e-300).ln()
                    } else {
                        0.0
                    };
                    let g = if c.gone > 0 {
                        c.gone as f64 * v.max(1e-300).ln()
                    } else {
                        0.0
                    };
                    a + g
                })
                .sum()
        };
        for other in [
            vec![0.0, 0.25, 0.5, 0.5, 1.0],
            vec![0.0, 0.5, 0.5, 0.6, 1.0],
            vec![0.1, 0.4, 0.5, 0.5, 0.9],
        ] {
            assert!(ll(&f) >= ll(&other));
        }
    }

    #[test]
    fn quantile_points_interpolate_between_jumps() {
        let c = cells(&[(60.0, 5, 0), (600.0, 1, 1), (900.0, 0, 2)]);
        let f = npmle(&c);
        assert_eq!(f, vec![0.0, 0.5, 1.0]);
        let pts = quantile_points(&c, &f);
        assert_eq!(pts, vec![(0.0, 60.0), (0.5, 600.0), (1.0, 900.0)]);
        assert_eq!(quantile(&pts, 0.25), 330.0);
        assert_eq!(quantile(&pts, 0.75), 750.0);
        assert_eq!(cdf(&pts, 330.0), 0.25);
        assert_eq!(cdf(&pts, 30.0), 0.0);
        assert_eq!(cdf(&pts, 1000.0), 1.0);
        // Mass beyond every observation goes to the largest c.
        let c = cells(&[(60.0, 5, 0), (600.0, 1, 1), (900.0, 2, 0)]);
        let f = npmle(&c);
        let pts = quantile_points(&c, &f);
        assert_eq!(pts.last(), Some(&(1.0, 900.0)));
    }

    #[test]
    fn poisson_draws_have_the_right_mean_and_variance() {
        let mut rng = SimRng::new(7, 1);
        for n in [1u64, 30, 2000] {
            let k = 4000;
            let xs: Vec<f64> = (0..k).map(|_| poisson(&mut rng, n)).collect();
            let mean = xs.iter().sum::<f64>() / k as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1) as f64;
            let se = (n as f64 / k as f64).sqrt();
            assert!((mean - n as f64).abs() < 4.0 * se, "n {n}: mean {mean}");
            assert!((var / n as f64 - 1.0).abs() < 0.1, "n {n}: var {var}");
        }
    }
}
