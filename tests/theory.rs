//! The simulator against queueing theory: Erlang B for throttling, e^(−λT) for keep-alive, and
//! the effect of the idle-instance reuse order.

mod common;
use common::{erlang_b, rel_err, run};

/// One function with a concurrency cap of `c`, Poisson arrivals at `a` per second, 1 s mean
/// service, no cold start: a loss system M/G/c/c whose blocking probability is B(c, a) whatever
/// the service distribution.
fn throttled_fraction(c: u32, a: f64, duration_dist: &str, requests: f64, seed: u64) -> f64 {
    let hours = (requests / a / 3600.0).ceil();
    let s = run(&format!(
        r#"
        [simulation]
        duration = "{hours}h"
        warmup = "10m"
        seed = {seed}
        sample_interval = "1h"
        [[functions]]
        name = "f"
        timeout = "15m"
        duration = {duration_dist}
        reserved_concurrency = {c}
        [[workloads]]
        function = "f"
        arrivals = {{ process = "poisson", rate = {a} }}
        "#
    ));
    assert_eq!(s.total.outcomes.total(), s.total.requests);
    assert!(s.total.instances.max_busy <= c as u64);
    s.total.outcomes.throttled as f64 / s.total.requests as f64
}

#[test]
fn throttling_matches_erlang_b() {
    let exp = r#"{ dist = "exponential", mean = "1s" }"#;
    let constant = r#"{ dist = "constant", value = "1s" }"#;
    for (c, a) in [(10u32, 8.0f64), (5, 2.0), (50, 45.0)] {
        let want = erlang_b(c, a);
        for (label, dist) in [("exponential", exp), ("constant", constant)] {
            let got = throttled_fraction(c, a, dist, 3.0e6, 7);
            println!("c={c} a={a} {label}: simulated {got:.5}, Erlang B {want:.5}");
            assert!(
                rel_err(got, want) < 0.03,
                "c={c} a={a} {label}: throttled fraction {got:.5} vs Erlang B {want:.5}"
            );
        }
    }
}

/// Rare Poisson arrivals at rate λ, near-zero work, keep-alive T: a request is cold exactly when
/// the gap since the previous one exceeds T, which happens with probability e^(−λT).
#[test]
fn keep_alive_cold_ratio_matches_exp_minus_lambda_t() {
    for (rate, keep_alive_s) in [(1.0 / 60.0, 60.0f64), (1.0 / 60.0, 30.0), (0.01, 300.0)] {
        let requests = 400_000.0f64;
        let days = (requests / rate / 86400.0).ceil();
        let s = run(&format!(
            r#"
            [simulation]
            duration = "{days}d"
            sample_interval = "1d"
            seed = 3
            [[functions]]
            name = "f"
            duration = {{ dist = "constant", value = "1us" }}
            keep_alive = "{keep_alive_s}s"
            max_lifetime = "1000d"
            [[workloads]]
            function = "f"
            arrivals = {{ process = "poisson", rate = {rate} }}
            "#
        ));
        let want = (-rate * keep_alive_s).exp();
        let got = s.total.cold_start_ratio;
        println!("λ={rate:.4} T={keep_alive_s}: cold ratio {got:.5}, e^(−λT) {want:.5}");
        assert!(
            rel_err(got, want) < 0.03,
            "λ={rate} T={keep_alive_s}: {got} vs {want}"
        );
        assert_eq!(
            s.total.instances.max, 1,
            "one instance suffices for near-zero work"
        );
    }
}

fn reuse_run(reuse: &str, seed: u64) -> sim_core::Summary {
    run(&format!(
        r#"
        [simulation]
        duration = "29h"
        warmup = "1h"
        sample_interval = "1h"
        seed = {seed}
        [[functions]]
        name = "f"
        timeout = "15m"
        duration = {{ dist = "exponential", mean = "2s" }}
        cold_start = {{ dist = "constant", value = "250ms" }}
        keep_alive = "10m"
        max_lifetime = "1000d"
        reuse = "{reuse}"
        [[workloads]]
        function = "f"
        arrivals = {{ process = "poisson", rate = 0.9 }}
        "#
    ))
}

/// λ = 0.9/s, 2 s exponential work, 10 min keep-alive, 28 measured hours (Mahmoudi & Khazaei's
/// AWS setup): taking the most recently used instance lets the surplus expire (more cold starts,
/// fewer instances); taking the least recently used keeps every instance warm, so it starts cold
/// only when concurrency reaches a new high. Pooled over five seeds.
#[test]
fn reuse_order_changes_cold_starts_by_orders_of_magnitude() {
    let (mut mru_cold, mut lru_cold, mut fewer) = (0u64, 0u64, 0.0);
    let seeds = 1..=5u64;
    for seed in seeds.clone() {
        let mru = reuse_run("mru", seed);
        let lru = reuse_run("lru", seed);
        assert_eq!(
            mru.total.requests, lru.total.requests,
            "same seed, same arrivals"
        );
        for s in [&mru, &lru] {
            assert_eq!(s.total.outcomes.total(), s.total.requests);
        }
        println!(
            "seed {seed}: mru {} cold, {:.2} instances; lru {} cold, {:.2} instances",
            mru.total.cold_starts,
            mru.total.instances.mean,
            lru.total.cold_starts,
            lru.total.instances.mean
        );
        mru_cold += mru.total.cold_starts;
        lru_cold += lru.total.cold_starts;
        fewer += 1.0 - mru.total.instances.mean / lru.total.instances.mean;
    }
    let fewer = fewer / seeds.count() as f64;
    let ratio = mru_cold as f64 / lru_cold.max(1) as f64;
    println!(
        "mru/lru cold starts {ratio:.0}x, mru keeps {:.0}% fewer instances",
        fewer * 100.0
    );
    assert!(
        ratio > 20.0,
        "mru/lru cold-start ratio {ratio}, expected well over an order of magnitude"
    );
    assert!(
        (0.2..0.4).contains(&fewer),
        "mru keeps {:.0}% fewer instances, expected about 30%",
        fewer * 100.0
    );

    // random spreads load like lru; newest concentrates it like mru.
    let (mru, lru) = (reuse_run("mru", 1), reuse_run("lru", 1));
    let random = reuse_run("random", 1);
    let newest = reuse_run("newest", 1);
    assert!(random.total.cold_starts * 10 < mru.total.cold_starts);
    assert!(newest.total.cold_starts * 2 > mru.total.cold_starts);
    assert!(newest.total.instances.mean < lru.total.instances.mean);
}
