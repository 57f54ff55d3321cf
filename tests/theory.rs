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

fn reuse_run(reuse: &str) -> sim_core::Summary {
    run(&format!(
        r#"
        [simulation]
        duration = "30d"
        warmup = "1h"
        sample_interval = "1d"
        seed = 11
        [[functions]]
        name = "f"
        timeout = "15m"
        duration = {{ dist = "exponential", mean = "2s" }}
        cold_start = {{ dist = "constant", value = "250ms" }}
        keep_alive = "10m"
        reuse = "{reuse}"
        [[workloads]]
        function = "f"
        arrivals = {{ process = "poisson", rate = 0.9 }}
        "#
    ))
}

/// λ = 0.9/s, 2 s exponential work, 10 min keep-alive (Mahmoudi & Khazaei's AWS setup): taking the
/// most recently used instance lets the surplus expire (more cold starts, fewer instances);
/// taking the least recently used keeps every instance warm.
#[test]
fn reuse_order_changes_cold_starts_by_orders_of_magnitude() {
    let mru = reuse_run("mru");
    let lru = reuse_run("lru");
    let random = reuse_run("random");
    let newest = reuse_run("newest");
    let show = |n: &str, s: &sim_core::Summary| {
        println!(
            "{n:>6}: cold ratio {:.6} ({} cold), instances mean {:.2} max {}",
            s.total.cold_start_ratio,
            s.total.cold_starts,
            s.total.instances.mean,
            s.total.instances.max
        )
    };
    show("mru", &mru);
    show("lru", &lru);
    show("random", &random);
    show("newest", &newest);
    let ratio = mru.total.cold_start_ratio / lru.total.cold_start_ratio;
    assert!(
        ratio > 30.0,
        "mru/lru cold-start ratio {ratio}, expected orders of magnitude"
    );
    let fewer = 1.0 - mru.total.instances.mean / lru.total.instances.mean;
    assert!(
        (0.2..0.4).contains(&fewer),
        "mru keeps {:.0}% fewer instances, expected about 30%",
        fewer * 100.0
    );
    // random spreads load like lru; newest concentrates it like mru.
    assert!(random.total.cold_start_ratio < mru.total.cold_start_ratio / 5.0);
    assert!(newest.total.instances.mean < lru.total.instances.mean);
    for s in [&mru, &lru, &random, &newest] {
        assert_eq!(s.total.outcomes.total(), s.total.requests);
        assert_eq!(
            s.total.requests, mru.total.requests,
            "same seed, same arrivals"
        );
    }
}
