//! Statistics over a sweep's rows: the means per configuration and the 95 % Student-t
//! intervals.

use crate::sweep::config::Sweep;
use crate::sweep::results::Row;

/// The rows of each configuration, in configuration order.
pub fn by_config<'a>(sweep: &Sweep, rows: &'a [Row]) -> Vec<Vec<&'a Row>> {
    let mut out: Vec<Vec<&Row>> = vec![Vec::new(); sweep.configs.len()];
    for row in rows {
        out[row.config].push(row);
    }
    out
}

/// The mean of each metric per configuration with at least one row: (configuration, means).
pub fn means(sweep: &Sweep, rows: &[Row]) -> Vec<(usize, Vec<f64>)> {
    by_config(sweep, rows)
        .into_iter()
        .enumerate()
        .filter(|(_, rs)| !rs.is_empty())
        .map(|(c, rs)| {
            let vals: Vec<&[f64]> = rs.iter().map(|r| r.values()).collect();
            let m = (0..sweep.metrics.len())
                .map(|k| vals.iter().map(|v| v[k]).sum::<f64>() / vals.len() as f64)
                .collect();
            (c, m)
        })
        .collect()
}

/// The two-sided 95 % quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    if df == 0 {
        return f64::NAN;
    }
    if df <= 30 {
        return T[df - 1];
    }
    // Cornish–Fisher expansion about the normal quantile (error below 1e-5 from 30 on).
    let z: f64 = 1.959_963_984_540_054;
    let n = df as f64;
    let z3 = z.powi(3);
    let z5 = z.powi(5);
    let z7 = z.powi(7);
    z + (z3 + z) / (4.0 * n)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n * n * n)
}

/// Mean, standard deviation and 95 % Student-t interval of `x` (NaN where undefined).
pub fn interval(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN, f64::NAN, f64::NAN);
    }
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let half = t975(n - 1) * sd / (n as f64).sqrt();
    (mean, sd, mean - half, mean + half)
}
