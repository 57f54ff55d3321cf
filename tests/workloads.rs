//! Arrival generators against their parameters: a diurnal rate's hourly counts, a piecewise-linear
//! profile's counts, spikes, scaling, and the rate and inter-arrival variability of a two-state
//! MMPP against the formula.

mod common;

use common::{rel_err, scenario};
use sim_core::rng::SimRng;
use sim_core::workload::{ArrivalSource, RateShape, Spike};
use sim_core::{NoFiles, Observer, SampleRow, Simulation};

#[derive(Default)]
struct Rows(Vec<SampleRow>);
impl Observer for Rows {
    fn sample(&mut self, row: &SampleRow) {
        self.0.push(*row);
    }
}

/// Arrivals per sample interval of a one-function scenario whose workload has `arrivals`.
fn counts(arrivals: &str, duration: &str, interval: &str) -> Vec<u64> {
    let text = format!(
        r#"
        [simulation]
        duration = "{duration}"
        sample_interval = "{interval}"
        seed = 12
        [[functions]]
        name = "f"
        duration = {{ dist = "constant", value = "1ms" }}
        [[workloads]]
        function = "f"
        arrivals = {arrivals}
        "#
    );
    let mut rows = Rows::default();
    Simulation::new(&scenario(&text), &NoFiles)
        .expect("valid")
        .run(&mut rows)
        .expect("runs");
    rows.0.iter().map(|r| r.arrivals).collect()
}

#[test]
fn a_diurnal_rate_tracks_its_cosine() {
    // 20 to 200 requests per second, peak at 14:00.
    let hourly = counts(
        r#"{ process = "diurnal", trough = 20, peak = 200, peak_at = "14h" }"#,
        "1d",
        "1h",
    );
    assert_eq!(hourly.len(), 24);
    let rate =
        |t: f64| 20.0 + 180.0 * 0.5 * (1.0 + (std::f64::consts::TAU * (t - 14.0) / 24.0).cos());
    for (h, &n) in hourly.iter().enumerate() {
        // The expected count: the rate integrated over the hour (Simpson's rule).
        let t = h as f64;
        let want = 3600.0 * (rate(t) + 4.0 * rate(t + 0.5) + rate(t + 1.0)) / 6.0;
        // Poisson noise: within 4 standard deviations.
        assert!(
            (n as f64 - want).abs() < 4.0 * want.sqrt(),
            "hour {h}: {n} vs {want:.0}"
        );
    }
    let total: u64 = hourly.iter().sum();
    let want = 86_400.0 * 110.0;
    assert!(rel_err(total as f64, want) < 0.02, "{total} vs {want}");
    assert!(hourly[14] > 8 * hourly[2]);
}

#[test]
fn a_profile_is_linear_between_its_points() {
    // 0 → 100 requests per second over the first 10 minutes, 100 until 20, then 10.
    let per_min = counts(
        r#"{ process = "profile", points = [["0s", 0], ["10m", 100], ["20m", 100], ["20m1ns", 10]] }"#,
        "30m",
        "1m",
    );
    for (m, &n) in per_min.iter().enumerate() {
        let want = match m {
            0..10 => 60.0 * 10.0 * (m as f64 + 0.5),
            10..20 => 6000.0,
            _ => 600.0,
        };
        assert!(
            (n as f64 - want).abs() < 4.0 * want.sqrt() + 1.0,
            "minute {m}: {n} vs {want}"
        );
    }
}

#[test]
fn spikes_and_scale_multiply_the_rate() {
    let per_min = counts(
        r#"{ process = "poisson", rate = 50, scale = 2, spikes = [{ at = "10m", duration = "5m", factor = 4 }] }"#,
        "20m",
        "1m",
    );
    let base: u64 = per_min[..10].iter().sum();
    let spike: u64 = per_min[10..15].iter().sum();
    let after: u64 = per_min[15..].iter().sum();
    assert!(rel_err(base as f64, 10.0 * 60.0 * 100.0) < 0.02, "{base}");
    assert!(rel_err(spike as f64, 5.0 * 60.0 * 400.0) < 0.02, "{spike}");
    assert!(rel_err(after as f64, 5.0 * 60.0 * 100.0) < 0.03, "{after}");
}

/// Mean and squared coefficient of variation of the stationary inter-arrival time of a
/// two-state MMPP (rates `l`, leaving rates `r` per state): E[X^k] = k! π_a (−D0)^−k 1 with
/// D0 = Q − Λ and π_a = π Λ / λ̄ (Fischer and Meier-Hellstern, 1993).
fn mmpp_moments(l: [f64; 2], r: [f64; 2]) -> (f64, f64) {
    let pi = [r[1] / (r[0] + r[1]), r[0] / (r[0] + r[1])];
    let mean_rate = pi[0] * l[0] + pi[1] * l[1];
    let pa = [pi[0] * l[0] / mean_rate, pi[1] * l[1] / mean_rate];
    // −D0 = [[r0 + l0, −r0], [−r1, r1 + l1]] and its inverse.
    let m = [[r[0] + l[0], -r[0]], [-r[1], r[1] + l[1]]];
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let inv = [
        [m[1][1] / det, -m[0][1] / det],
        [-m[1][0] / det, m[0][0] / det],
    ];
    let mul = |v: [f64; 2]| {
        [
            v[0] * inv[0][0] + v[1] * inv[1][0],
            v[0] * inv[0][1] + v[1] * inv[1][1],
        ]
    };
    let v1 = mul(pa);
    let v2 = mul(v1);
    let m1 = v1[0] + v1[1];
    let m2 = 2.0 * (v2[0] + v2[1]);
    (m1, m2 / (m1 * m1) - 1.0)
}

#[test]
fn an_mmpp_matches_its_rate_and_burstiness() {
    // Bursts of 200 per second lasting 20 s on average, quiet spells of 5 per second lasting
    // 2 minutes.
    let (burst_rate, quiet_rate, burst, quiet) = (200.0, 5.0, 20.0, 120.0);
    let mut src = ArrivalSource::mmpp(
        burst_rate,
        quiet_rate,
        burst * 1e9,
        quiet * 1e9,
        &[],
        u64::MAX,
        SimRng::new(3, 77),
    );
    let n = 2_000_000;
    let (mut last, mut sum, mut sum2) = (0u64, 0.0f64, 0.0f64);
    for _ in 0..n {
        let t = src.next_arrival().unwrap().unwrap();
        let gap = (t - last) as f64 / 1e9;
        sum += gap;
        sum2 += gap * gap;
        last = t;
    }
    let mean = sum / n as f64;
    let cv2 = sum2 / n as f64 / (mean * mean) - 1.0;
    // State 0 quiet, state 1 burst.
    let (want_mean, want_cv2) = mmpp_moments([quiet_rate, burst_rate], [1.0 / quiet, 1.0 / burst]);
    println!(
        "mean gap {mean:.5} s vs {want_mean:.5} s, CV {:.3} vs {:.3}",
        cv2.sqrt(),
        want_cv2.sqrt()
    );
    assert!(rel_err(mean, want_mean) < 0.02);
    assert!(rel_err(cv2.sqrt(), want_cv2.sqrt()) < 0.05);
    // Far burstier than Poisson (CV 1).
    assert!(cv2.sqrt() > 2.0);
}

#[test]
fn thinning_follows_a_step_exactly_in_expectation() {
    // A rate of 10 with a 3× spike.
    let mut src = ArrivalSource::varying(
        RateShape::Constant(10.0),
        &[Spike {
            start: 100_000_000_000,
            end: 200_000_000_000,
            factor: 3.0,
        }],
        u64::MAX,
        SimRng::new(9, 1),
    );
    let (mut before, mut during) = (0, 0);
    loop {
        let t = src.next_arrival().unwrap().unwrap();
        if t >= 300_000_000_000 {
            break;
        }
        if t < 100_000_000_000 {
            before += 1;
        } else if t < 200_000_000_000 {
            during += 1;
        }
    }
    assert!(
        (before as f64 - 1000.0).abs() < 4.0 * 1000f64.sqrt(),
        "{before}"
    );
    assert!(
        (during as f64 - 3000.0).abs() < 4.0 * 3000f64.sqrt(),
        "{during}"
    );
}

#[test]
fn bad_generator_keys_are_named() {
    for (arrivals, key) in [
        (
            r#"{ process = "diurnal", peak = 10 }"#,
            "workloads.0.arrivals.trough",
        ),
        (
            r#"{ process = "diurnal", peak = 10, trough = 20 }"#,
            "workloads.0.arrivals.trough",
        ),
        (
            r#"{ process = "profile", points = [["1m", 5], ["30s", 5]] }"#,
            "workloads.0.arrivals.points",
        ),
        (
            r#"{ process = "mmpp", rate = 10, burst = "10s" }"#,
            "workloads.0.arrivals.quiet",
        ),
        (
            r#"{ process = "poisson", rate = 10, peak = 5 }"#,
            "workloads.0.arrivals.peak",
        ),
        (
            r#"{ process = "constant", rate = 10, spikes = [{ at = "1m", duration = "1m", factor = 2 }] }"#,
            "workloads.0.arrivals.spikes",
        ),
        (
            r#"{ process = "poisson", rate = 10, scale = 0 }"#,
            "workloads.0.arrivals.scale",
        ),
    ] {
        let sc = scenario(&format!(
            r#"
            [simulation]
            duration = "1h"
            [[functions]]
            name = "f"
            duration = {{ dist = "constant", value = "1ms" }}
            [[workloads]]
            function = "f"
            arrivals = {arrivals}
            "#
        ));
        let e = sc.validate().unwrap_err();
        assert_eq!(e.key, key, "{arrivals}: {e}");
    }
}

#[test]
fn a_spike_that_outlasts_a_dip_is_not_cut_short() {
    // ×0.5 over 0–100 s and ×4 over 50–200 s: the rate is 4 × 10 from 100 to 200 s.
    let mut src = ArrivalSource::varying(
        RateShape::Constant(10.0),
        &[
            Spike {
                start: 0,
                end: 100_000_000_000,
                factor: 0.5,
            },
            Spike {
                start: 50_000_000_000,
                end: 200_000_000_000,
                factor: 4.0,
            },
        ],
        u64::MAX,
        SimRng::new(4, 2),
    );
    let mut late = 0;
    loop {
        let t = src.next_arrival().unwrap().unwrap();
        if t >= 200_000_000_000 {
            break;
        }
        late += (t >= 100_000_000_000) as u32;
    }
    assert!(
        (late as f64 - 4000.0).abs() < 4.0 * 4000f64.sqrt(),
        "{late}"
    );
}
