//! Duration distributions: the serde form written in scenario files ([`DistSpec`]) and the
//! sampling form the engine uses ([`Dist`]).

use crate::rng::SimRng;
use crate::time::Nanos;
use rand_distr::{Distribution, Exp1, StandardNormal};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A distribution of durations as written in a scenario, e.g.
/// `{ dist = "lognormal", median = "80ms", p99 = "400ms" }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum DistSpec {
    /// Always `value`.
    Constant { value: Nanos },
    /// Exponential with the given mean.
    Exponential { mean: Nanos },
    /// Log-normal given by its median and 99th percentile.
    Lognormal { median: Nanos, p99: Nanos },
    /// Uniform on [min, max].
    Uniform { min: Nanos, max: Nanos },
    /// Normal, truncated at zero (negative draws are redrawn).
    Normal { mean: Nanos, stddev: Nanos },
    /// Resampled from the values in `file`: one value a line, in `unit` (default `ms`); a first
    /// line that is not a number is taken as a header.
    Empirical {
        file: String,
        #[serde(default = "default_unit")]
        unit: String,
    },
    /// Piecewise linear between (quantile, value) points, quantiles from 0 to 1 increasing and
    /// values non-decreasing: `points = [[0, "20ms"], [0.5, "140ms"], [0.99, "3.3s"], [1, "4s"]]`.
    Quantiles { points: Vec<(f64, Nanos)> },
}

fn default_unit() -> String {
    "ms".into()
}

/// z such that Φ(z) = 0.99.
const Z99: f64 = 2.326_347_874_040_841;

impl DistSpec {
    pub fn constant(v: Nanos) -> Self {
        DistSpec::Constant { value: v }
    }

    /// Checks the parameters; the error text names the offending parameter.
    pub fn check(&self) -> Result<(), String> {
        match self {
            DistSpec::Constant { .. } => Ok(()),
            DistSpec::Exponential { mean } => {
                if mean.0 == 0 {
                    Err("mean: must be greater than 0 (use dist = \"constant\" for zero)".into())
                } else {
                    Ok(())
                }
            }
            DistSpec::Lognormal { median, p99 } => {
                if median.0 == 0 {
                    Err("median: must be greater than 0".into())
                } else if p99 < median {
                    Err(format!(
                        "p99: must be at least the median ({median}), got {p99}"
                    ))
                } else {
                    Ok(())
                }
            }
            DistSpec::Uniform { min, max } => {
                if max < min {
                    Err(format!("max: must be at least min ({min}), got {max}"))
                } else {
                    Ok(())
                }
            }
            DistSpec::Normal { .. } => Ok(()),
            DistSpec::Quantiles { points } => {
                let (Some(first), Some(last)) = (points.first(), points.last()) else {
                    return Err("points: give [quantile, value] pairs from quantile 0 to 1".into());
                };
                if first.0 != 0.0 || last.0 != 1.0 {
                    return Err(format!(
                        "points: the quantiles must run from 0 to 1, got {} to {}",
                        first.0, last.0
                    ));
                }
                for w in points.windows(2) {
                    if w[1].0.partial_cmp(&w[0].0) != Some(std::cmp::Ordering::Greater)
                        || w[1].1 < w[0].1
                    {
                        return Err(format!(
                            "points: quantiles must increase and values not decrease, got [{}, {}] then [{}, {}]",
                            w[0].0, w[0].1, w[1].0, w[1].1
                        ));
                    }
                }
                Ok(())
            }
            DistSpec::Empirical { file, unit } => {
                if file.trim().is_empty() {
                    Err("file: must name a file".into())
                } else if unit_ns(unit).is_none() {
                    Err(format!(
                        "unit: expected one of ns, us, ms, s; got \"{unit}\""
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// Nanoseconds per unit for the units an empirical file may use.
pub fn unit_ns(unit: &str) -> Option<f64> {
    match unit {
        "ns" => Some(1.0),
        "us" => Some(1e3),
        "ms" => Some(1e6),
        "s" => Some(1e9),
        _ => None,
    }
}

/// A distribution ready to sample, in nanoseconds.
#[derive(Clone, Debug)]
pub enum Dist {
    Constant(u64),
    Exponential {
        mean: f64,
    },
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Uniform {
        min: u64,
        span: u64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    Empirical(Arc<[u64]>),
    /// (quantile, ns) points, linear between them.
    Quantiles(Arc<[(f64, f64)]>),
}

impl Dist {
    /// Builds the sampler; `Empirical` takes its values from `samples` (already read by the
    /// caller, which owns file access).
    pub fn from_spec(spec: &DistSpec, samples: Option<Arc<[u64]>>) -> Dist {
        match spec {
            DistSpec::Constant { value } => Dist::Constant(value.0),
            DistSpec::Exponential { mean } => Dist::Exponential {
                mean: mean.0 as f64,
            },
            DistSpec::Lognormal { median, p99 } => {
                let mu = (median.0 as f64).ln();
                let sigma = ((p99.0 as f64).ln() - mu) / Z99;
                if sigma <= 0.0 {
                    Dist::Constant(median.0)
                } else {
                    Dist::Lognormal { mu, sigma }
                }
            }
            DistSpec::Uniform { min, max } => Dist::Uniform {
                min: min.0,
                span: max.0 - min.0,
            },
            DistSpec::Normal { mean, stddev } => {
                if stddev.0 == 0 {
                    Dist::Constant(mean.0)
                } else {
                    Dist::Normal {
                        mean: mean.0 as f64,
                        sd: stddev.0 as f64,
                    }
                }
            }
            DistSpec::Quantiles { points } => {
                if points.len() < 2 || points[0].1 == points[points.len() - 1].1 {
                    Dist::Constant(points[0].1.0)
                } else {
                    Dist::Quantiles(points.iter().map(|&(q, v)| (q, v.0 as f64)).collect())
                }
            }
            DistSpec::Empirical { .. } => {
                let s = samples.expect("empirical distribution built without its samples");
                if s.len() == 1 {
                    Dist::Constant(s[0])
                } else {
                    Dist::Empirical(s)
                }
            }
        }
    }

    /// One draw, in nanoseconds.
    #[inline(always)]
    pub fn sample(&self, rng: &mut SimRng) -> u64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                to_ns(e * mean)
            }
            Dist::Lognormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                to_ns((mu + sigma * z).exp())
            }
            Dist::Uniform { min, span } => {
                if *span == 0 {
                    *min
                } else {
                    min + (rng.uniform() * (*span as f64 + 1.0)).min(*span as f64) as u64
                }
            }
            Dist::Normal { mean, sd } => {
                // Truncated at zero by rejection; a mean far below zero would loop long, so after
                // 64 rejections the draw is zero.
                for _ in 0..64 {
                    let z: f64 = StandardNormal.sample(rng);
                    let v = mean + sd * z;
                    if v >= 0.0 {
                        return to_ns(v);
                    }
                }
                0
            }
            Dist::Empirical(values) => values[rng.below(values.len() as u32) as usize],
            Dist::Quantiles(p) => {
                let u = rng.uniform();
                let i = p.partition_point(|x| x.0 <= u).clamp(1, p.len() - 1);
                let (q0, v0) = p[i - 1];
                let (q1, v1) = p[i];
                to_ns(v0 + (v1 - v0) * (u - q0) / (q1 - q0))
            }
        }
    }

    /// The mean in nanoseconds (of the truncated normal, approximately: the untruncated mean).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(v) => *v as f64,
            Dist::Exponential { mean } => *mean,
            Dist::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Uniform { min, span } => *min as f64 + *span as f64 / 2.0,
            Dist::Normal { mean, .. } => *mean,
            Dist::Empirical(v) => v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64,
            Dist::Quantiles(p) => p
                .windows(2)
                .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
                .sum(),
        }
    }

    /// The same distribution with every draw multiplied by `factor` (> 0): exactly, by scaling
    /// its parameters; a factor of 1 leaves it unchanged.
    pub fn scaled(&self, factor: f64) -> Dist {
        if factor == 1.0 {
            return self.clone();
        }
        let ns = |v: u64| to_ns(v as f64 * factor);
        match self {
            Dist::Constant(v) => Dist::Constant(ns(*v)),
            Dist::Exponential { mean } => Dist::Exponential {
                mean: mean * factor,
            },
            Dist::Lognormal { mu, sigma } => Dist::Lognormal {
                mu: mu + factor.ln(),
                sigma: *sigma,
            },
            Dist::Uniform { min, span } => Dist::Uniform {
                min: ns(*min),
                span: ns(*span),
            },
            Dist::Normal { mean, sd } => Dist::Normal {
                mean: mean * factor,
                sd: sd * factor,
            },
            Dist::Empirical(v) => Dist::Empirical(v.iter().map(|&x| ns(x)).collect()),
            Dist::Quantiles(p) => {
                Dist::Quantiles(p.iter().map(|&(q, v)| (q, v * factor)).collect())
            }
        }
    }

    /// The same distribution with `add` ns added to every draw (negative: subtracted, at
    /// least 0), as a quantile function where it is not a constant.
    pub fn shifted(&self, add: f64) -> Dist {
        if add == 0.0 {
            return self.clone();
        }
        match self {
            Dist::Constant(v) => Dist::Constant(to_ns(*v as f64 + add)),
            Dist::Empirical(v) => {
                Dist::Empirical(v.iter().map(|&x| to_ns(x as f64 + add)).collect())
            }
            Dist::Quantiles(p) => {
                Dist::Quantiles(p.iter().map(|&(q, v)| (q, (v + add).max(0.0))).collect())
            }
            _ => {
                // 1,001 quantiles of the original, each shifted.
                let points: Vec<(f64, f64)> = (0..=1000)
                    .map(|i| {
                        let q = i as f64 / 1000.0;
                        (q, (self.quantile(q) + add).max(0.0))
                    })
                    .collect();
                Dist::Quantiles(points.into())
            }
        }
    }

    /// The `q`-quantile in ns (0 ≤ q ≤ 1; the extreme quantiles of unbounded distributions are
    /// taken at 1e-6 and 1 − 1e-6).
    pub fn quantile(&self, q: f64) -> f64 {
        let q = q.clamp(0.0, 1.0);
        let open = q.clamp(1e-6, 1.0 - 1e-6);
        match self {
            Dist::Constant(v) => *v as f64,
            Dist::Exponential { mean } => -mean * (1.0 - open).ln(),
            Dist::Lognormal { mu, sigma } => (mu + sigma * normal_quantile(open)).exp(),
            Dist::Uniform { min, span } => *min as f64 + q * *span as f64,
            Dist::Normal { mean, sd } => (mean + sd * normal_quantile(open)).max(0.0),
            Dist::Empirical(v) => {
                let mut s: Vec<u64> = v.to_vec();
                s.sort_unstable();
                s[((q * s.len() as f64) as usize).min(s.len() - 1)] as f64
            }
            Dist::Quantiles(p) => {
                let i = p.partition_point(|x| x.0 <= q).clamp(1, p.len() - 1);
                let (q0, v0) = p[i - 1];
                let (q1, v1) = p[i];
                v0 + (v1 - v0) * ((q - q0) / (q1 - q0)).clamp(0.0, 1.0)
            }
        }
    }

    /// Whether every draw is zero.
    pub fn is_zero(&self) -> bool {
        matches!(self, Dist::Constant(0))
    }
}

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1: Acklam's rational approximation
/// (relative error below 1.2e-9), enough for the quantile tables built from it.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[inline]
fn to_ns(v: f64) -> u64 {
    if v <= 0.0 {
        0
    } else if v >= 1.8e19 {
        u64::MAX / 2
    } else {
        (v + 0.5) as u64
    }
}

/// The most values an empirical-distribution file may hold.
pub const MAX_EMPIRICAL: usize = 10_000_000;

/// Parses an empirical-distribution file: one non-negative number a line in `unit`; blank lines
/// and lines starting with `#` are skipped; a first line that is not a number is a header.
/// Errors name the 1-based line.
pub fn parse_empirical<R: std::io::BufRead>(
    reader: R,
    unit: &str,
) -> Result<Vec<u64>, (u64, String)> {
    let scale = unit_ns(unit).ok_or((0, format!("unknown unit \"{unit}\"")))?;
    let mut values = Vec::new();
    let mut first = true;
    let mut reader = reader;
    let mut buf = Vec::new();
    let mut lineno = 0;
    loop {
        lineno += 1;
        match crate::error::read_line(&mut reader, &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(m) => return Err((lineno, m)),
        }
        let Ok(line) = std::str::from_utf8(&buf) else {
            return Err((lineno, "expected text (UTF-8)".into()));
        };
        if values.len() >= MAX_EMPIRICAL {
            return Err((
                lineno,
                format!("at most {MAX_EMPIRICAL} values; sample the measurements"),
            ));
        }
        let field = line.split(',').next().unwrap_or("").trim();
        if field.is_empty() || field.starts_with('#') {
            continue;
        }
        match field.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => values.push(to_ns(v * scale)),
            Ok(v) => {
                return Err((
                    lineno,
                    format!("expected a non-negative duration in {unit}, found {v}"),
                ));
            }
            Err(_) if first => {}
            Err(_) => {
                return Err((
                    lineno,
                    format!(
                        "expected a number (a duration in {unit}), found \"{}\"",
                        crate::error::shorten(field)
                    ),
                ));
            }
        }
        first = false;
    }
    if values.is_empty() {
        return Err((0, "the file holds no values".into()));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let mut r = SimRng::new(5, 5);
        (0..n).map(|_| d.sample(&mut r) as f64).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match() {
        let ms = 1e6;
        let cases = [
            DistSpec::Exponential {
                mean: Nanos::from_millis(100),
            },
            DistSpec::Uniform {
                min: Nanos::from_millis(10),
                max: Nanos::from_millis(30),
            },
            DistSpec::Normal {
                mean: Nanos::from_millis(100),
                stddev: Nanos::from_millis(10),
            },
            DistSpec::Lognormal {
                median: Nanos::from_millis(80),
                p99: Nanos::from_millis(400),
            },
        ];
        for spec in cases {
            spec.check().unwrap();
            let d = Dist::from_spec(&spec, None);
            let m = mean_of(&d, 400_000);
            assert!(
                (m - d.mean()).abs() / d.mean() < 0.01,
                "{spec:?}: {} vs {}",
                m / ms,
                d.mean() / ms
            );
        }
    }

    #[test]
    fn quantile_points_are_followed() {
        let spec = DistSpec::Quantiles {
            points: vec![
                (0.0, Nanos::from_millis(10)),
                (0.5, Nanos::from_millis(20)),
                (1.0, Nanos::from_millis(100)),
            ],
        };
        spec.check().unwrap();
        let d = Dist::from_spec(&spec, None);
        let mut rng = SimRng::new(3, 3);
        let n = 200_000;
        let mut v: Vec<u64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        v.sort_unstable();
        let med = v[n / 2] as f64 / 1e6;
        let p75 = v[3 * n / 4] as f64 / 1e6;
        assert!((med - 20.0).abs() < 0.3, "{med}");
        assert!((p75 - 60.0).abs() < 1.0, "{p75}");
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n as f64;
        assert!(
            (mean - d.mean()).abs() / d.mean() < 0.01,
            "{mean} vs {}",
            d.mean()
        );
        assert!(
            DistSpec::Quantiles {
                points: vec![(0.0, Nanos(5)), (0.5, Nanos(4)), (1.0, Nanos(9))]
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn lognormal_quantiles() {
        let spec = DistSpec::Lognormal {
            median: Nanos::from_millis(80),
            p99: Nanos::from_millis(400),
        };
        let d = Dist::from_spec(&spec, None);
        let mut r = SimRng::new(1, 2);
        let mut v: Vec<u64> = (0..200_000).map(|_| d.sample(&mut r)).collect();
        v.sort_unstable();
        let median = v[v.len() / 2] as f64 / 1e6;
        let p99 = v[v.len() * 99 / 100] as f64 / 1e6;
        assert!((median - 80.0).abs() < 1.5, "median {median}");
        assert!((p99 - 400.0).abs() < 15.0, "p99 {p99}");
    }

    #[test]
    fn checks_reject_bad_parameters() {
        assert!(DistSpec::Exponential { mean: Nanos(0) }.check().is_err());
        assert!(
            DistSpec::Lognormal {
                median: Nanos(10),
                p99: Nanos(5)
            }
            .check()
            .is_err()
        );
        assert!(
            DistSpec::Uniform {
                min: Nanos(10),
                max: Nanos(5)
            }
            .check()
            .is_err()
        );
        assert!(
            DistSpec::Empirical {
                file: "x".into(),
                unit: "parsec".into()
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn empirical_file() {
        let text = "duration_ms\n10\n20\n\n# note\n30\n";
        let v = parse_empirical(text.as_bytes(), "ms").unwrap();
        assert_eq!(v, vec![10_000_000, 20_000_000, 30_000_000]);
        let err = parse_empirical("ms\n1\nabc\n".as_bytes(), "ms").unwrap_err();
        assert_eq!(err.0, 3);
        assert!(parse_empirical("1\n-2\n".as_bytes(), "ms").is_err());
        assert!(parse_empirical("header\n".as_bytes(), "ms").is_err());
        let d = Dist::from_spec(
            &DistSpec::Empirical {
                file: "f".into(),
                unit: "ms".into(),
            },
            Some(v.into()),
        );
        let mut r = SimRng::new(3, 3);
        for _ in 0..100 {
            let s = d.sample(&mut r);
            assert!([10_000_000, 20_000_000, 30_000_000].contains(&s));
        }
    }
}
