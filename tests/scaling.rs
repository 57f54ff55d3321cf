//! Lambda's scaling limits: the burst rules (2023 and legacy) against their arithmetic, reserved
//! concurrency as a floor and a ceiling, the requests-per-second limit and the 2023 rule's
//! requests-per-second ramp.

mod common;
use common::record;
use std::collections::VecDeque;

const S: u64 = 1_000_000_000;

/// 500 requests/s of exactly 10 s from time 0: 5,000 concurrent requests wanted at once.
fn step(scaling: &str, minutes: u32) -> String {
    format!(
        r#"
        [simulation]
        duration = "{minutes}m"
        sample_interval = "1s"
        [account]
        concurrency_limit = 20000
        scaling = "{scaling}"
        [[functions]]
        name = "f"
        timeout = "15s"
        duration = {{ dist = "constant", value = "10s" }}
        keep_alive = "30m"
        [[workloads]]
        function = "f"
        arrivals = {{ process = "constant", rate = 500 }}
        "#
    )
}

/// The same step worked out by hand: a token bucket of `burst` environments refilled at `rate`
/// per second; a request takes an idle environment if there is one, else a token, else it is
/// throttled. Returns (throttled, environments) after `secs`.
fn arithmetic(burst: f64, rate: f64, secs: u64) -> (u64, u64) {
    let (mut tokens, mut last) = (burst, 0u64);
    let (mut idle, mut envs, mut throttled) = (0u64, 0u64, 0u64);
    let mut busy_until: VecDeque<u64> = VecDeque::new();
    for k in 1..=500 * secs {
        let t = k * 2_000_000;
        while busy_until.front().is_some_and(|&e| e <= t) {
            busy_until.pop_front();
            idle += 1;
        }
        if idle > 0 {
            idle -= 1;
        } else {
            tokens = (tokens + (t - last) as f64 * rate / 1e9).min(burst);
            last = t;
            if tokens < 1.0 {
                throttled += 1;
                continue;
            }
            tokens -= 1.0;
            envs += 1;
        }
        busy_until.push_back(t + 10 * S);
    }
    (throttled, envs)
}

fn check_step(scaling: &str, burst: f64, per_s: f64, full_at: f64, minutes: u32) {
    let (s, rec) = record(&step(scaling, minutes));
    let envs: Vec<u64> = rec.rows.iter().map(|r| r.instances_end).collect();
    // Never more environments than the rule allows; 5,000 reached no sooner than it allows.
    for (k, &n) in envs.iter().enumerate() {
        let allowed = burst + per_s * (k + 1) as f64;
        assert!(
            n as f64 <= allowed.min(5000.0) + 1.0,
            "{scaling}: {n} at {k} s"
        );
    }
    // (Arrivals every 2 ms from 2 ms: 4,999 or 5,000 run at once.)
    let reached = envs.iter().position(|&n| n >= 4999).expect("reaches 5,000") as f64 + 1.0;
    assert!(
        reached >= full_at - 1.0 && reached <= full_at + 2.0,
        "{scaling}: 5,000 environments after {reached} s, expected {full_at}"
    );
    // Throttles as the arithmetic has them.
    let (want, want_envs) = arithmetic(burst, per_s, minutes as u64 * 60);
    let got = s.total.outcomes.throttled;
    assert!(
        (got as f64 - want as f64).abs() <= 0.001 * want as f64 + 2.0,
        "{scaling}: {got} throttled, the arithmetic gives {want}"
    );
    assert_eq!(*envs.last().unwrap(), want_envs);
    // Nothing throttled once every environment exists.
    let after = full_at as usize + 2;
    assert!(rec.rows[after..].iter().all(|r| r.throttles == 0));
}

/// The 2023 rule: 1,000 environments at once, then 1,000 per 10 s: 5,000 after 40 s.
#[test]
fn the_2023_rule_adds_1000_environments_per_10_seconds() {
    check_step("2023", 1000.0, 100.0, 40.0, 2);
}

/// The legacy rule in us-east-1: a burst of 3,000, then 500 per minute: 5,000 after 4 minutes.
#[test]
fn the_legacy_rule_bursts_3000_then_adds_500_a_minute() {
    check_step("legacy", 3000.0, 500.0 / 60.0, 240.0, 6);
}

/// Without a scaling limit the step is served at once.
#[test]
fn unlimited_scaling_throttles_nothing() {
    let (s, _) = record(&step("unlimited", 1));
    assert_eq!(s.total.outcomes.throttled, 0);
    assert_eq!(s.total.instances.max, 5000);
}

/// One function reserves 50 and uses 40; the other, unreserved, is offered four times what the
/// rest of the account holds. The reserved one is never throttled; the other never exceeds the
/// unreserved pool.
#[test]
fn a_reservation_is_a_floor_however_hard_others_push() {
    let (s, _) = record(
        r#"
        [simulation]
        duration = "30m"
        [account]
        concurrency_limit = 200
        [[functions]]
        name = "reserved"
        duration = { dist = "constant", value = "2s" }
        reserved_concurrency = 50
        [[functions]]
        name = "greedy"
        duration = { dist = "exponential", mean = "2s" }
        [[workloads]]
        function = "reserved"
        arrivals = { process = "constant", rate = 20 }
        [[workloads]]
        function = "greedy"
        arrivals = { process = "poisson", rate = 300 }
        "#,
    );
    let r = s.functions.get("reserved").unwrap();
    let g = s.functions.get("greedy").unwrap();
    assert_eq!(r.outcomes.throttled, 0);
    assert_eq!(r.instances.max_busy, 40);
    assert_eq!(g.instances.max_busy, 150);
    // 600 concurrent wanted, 150 available: about three quarters throttled (Erlang B).
    assert!(g.outcomes.throttled as f64 > 0.6 * g.requests as f64);
}

/// Reserved concurrency 5 allows 50 invocations per second: offered 100/s of 1 ms work (never
/// more than one at a time), half are throttled. Without the limit, none.
#[test]
fn invocations_are_limited_to_10_per_second_per_unit_of_concurrency() {
    let text = |on: bool| {
        format!(
            r#"
            [simulation]
            duration = "10m"
            [account]
            rps_limit = {on}
            [[functions]]
            name = "f"
            duration = {{ dist = "constant", value = "1ms" }}
            reserved_concurrency = 5
            [[workloads]]
            function = "f"
            arrivals = {{ process = "constant", rate = 100 }}
            "#
        )
    };
    let (s, rec) = record(&text(true));
    let frac = s.total.outcomes.throttled as f64 / s.total.requests as f64;
    assert!((frac - 0.5).abs() < 0.01, "{frac}");
    assert!(rec.rows.iter().all(|r| r.arrivals - r.throttles <= 50 * 60));
    let (s, _) = record(&text(false));
    assert_eq!(s.total.outcomes.throttled, 0);
}

/// 30,000 requests a second of 10 ms from time 0 under `scaling`: concurrency (300) is no limit,
/// the requests-per-second ramp is.
fn rps_step(scaling: &str) -> String {
    format!(
        r#"
        [simulation]
        duration = "1m"
        sample_interval = "1s"
        [account]
        concurrency_limit = 10000
        scaling = "{scaling}"
        [[functions]]
        name = "f"
        duration = {{ dist = "constant", value = "10ms" }}
        [[workloads]]
        function = "f"
        arrivals = {{ process = "constant", rate = 30000 }}
        "#
    )
}

/// The ramp worked out by hand, arrival by arrival: each second serves what the one before
/// served, plus tokens of a bucket of 10,000 additional requests per second refilled at 1,000
/// a second. Returns (throttled, the last second with a throttle).
fn rps_arithmetic(rate: u64, secs: u64) -> (u64, u64) {
    let (mut tokens, mut last_t) = (10_000.0f64, 0u64);
    let (mut prev, mut count, mut second) = (0u64, 0u64, 0u64);
    let (mut throttled, mut last_throttle) = (0u64, 0u64);
    for k in 1..=rate * secs {
        let t = k * S / rate;
        if t / S != second {
            prev = count;
            count = 0;
            second = t / S;
        }
        tokens = (tokens + (t - last_t) as f64 * 1000.0 / 1e9).min(10_000.0);
        last_t = t;
        if count < prev {
            count += 1;
        } else if tokens >= 1.0 {
            tokens -= 1.0;
            count += 1;
        } else {
            throttled += 1;
            last_throttle = second;
        }
    }
    (throttled, last_throttle)
}

/// "10,000 requests per second every 10 seconds" (docs/sources.md: S1): a step from nothing
/// to 30,000 a second is throttled until the function has ramped up, about (30,000 − 10,000) /
/// 1,000 = 20 s; without a scaling limit it is not throttled at all.
#[test]
fn the_2023_rule_ramps_requests_per_second_by_10000_every_10_seconds() {
    let (s, rec) = record(&rps_step("2023"));
    let (want, want_last) = rps_arithmetic(30_000, 60);
    let got = s.total.outcomes.throttled;
    assert!(
        (got as f64 - want as f64).abs() <= 0.002 * want as f64,
        "{got} throttled, the arithmetic gives {want}"
    );
    let last = rec.rows.iter().rposition(|r| r.throttles > 0).unwrap() as u64;
    assert!((18..=20).contains(&last), "throttled until second {last}");
    assert!(last.abs_diff(want_last) <= 1);
    // Each second serves at most 1,000 more than the one before, after the first 10,000 (and
    // the refill of that second).
    for w in rec.rows.windows(2) {
        let served = |r: &sim_core::SampleRow| r.arrivals - r.throttles;
        assert!(
            served(&w[1]) <= served(&w[0]) + 1_001,
            "{} → {}",
            served(&w[0]),
            served(&w[1])
        );
    }
    assert!(rec.rows[0].arrivals - rec.rows[0].throttles <= 11_001);
    let (s, _) = record(&rps_step("unlimited"));
    assert_eq!(s.total.outcomes.throttled, 0);
}
