//! Keep-alive policies against theory and the literature: no keep-alive, a random idle time, a
//! maximum lifetime, and the hybrid histogram policy on a periodic workload.

mod common;
use common::{rel_err, run};

fn one_function(extra: &str, arrivals: &str, duration: &str) -> String {
    format!(
        r#"
        [simulation]
        duration = "{duration}"
        sample_interval = "1h"
        seed = 9
        [[functions]]
        name = "f"
        duration = {{ dist = "constant", value = "10ms" }}
        cold_start = {{ dist = "constant", value = "200ms" }}
        {extra}
        [[workloads]]
        function = "f"
        arrivals = {arrivals}
        "#
    )
}

/// Scale to zero: every request starts cold, and nothing is ever idle.
#[test]
fn no_keep_alive_makes_every_request_cold() {
    let s = run(&one_function(
        r#"keep_alive_policy = "none""#,
        r#"{ process = "poisson", rate = 1 }"#,
        "1h",
    ));
    assert_eq!(s.total.cold_starts, s.total.requests);
    assert_eq!(s.total.idle_gb_s, 0.0);
}

/// A random idle time T ~ uniform(5, 15 min) and Poisson arrivals at rate λ with one environment:
/// a request is cold when the gap before it exceeds T, with probability
/// E[e^(−λT)] = (e^(−λ·5min) − e^(−λ·15min)) / (λ · 10 min).
#[test]
fn a_random_idle_time_gives_the_mixed_exponential_cold_start_ratio() {
    let lambda = 1.0 / 600.0;
    let s = run(&one_function(
        r#"keep_alive_policy = "random"
        idle_ttl = { dist = "uniform", min = "5m", max = "15m" }"#,
        &format!("{{ process = \"poisson\", rate = {lambda} }}"),
        "400h",
    ));
    let want = ((-lambda * 300.0f64).exp() - (-lambda * 900.0f64).exp()) / (lambda * 600.0);
    let got = s.total.cold_start_ratio;
    // About 2,400 requests: one sigma is 0.01.
    assert!((got - want).abs() < 0.03, "{got} vs {want}");
    // Rarely, two requests come within one execution of each other.
    assert!(s.total.instances.max <= 2);
}

/// A maximum lifetime of 1 h retires the one busy environment once an hour: 10 cold starts in
/// 10 h however warm the function is.
#[test]
fn a_maximum_lifetime_retires_environments() {
    let s = run(&one_function(
        r#"max_lifetime = "1h""#,
        r#"{ process = "constant", rate = 1 }"#,
        "10h",
    ));
    assert_eq!(s.total.cold_starts, 10);
    let s = run(&one_function(
        r#"max_lifetime = "1000d""#,
        r#"{ process = "constant", rate = 1 }"#,
        "10h",
    ));
    assert_eq!(s.total.cold_starts, 1);
}

/// One call every 7 minutes exactly (Shahrad et al.'s motivating case): a fixed 10-minute
/// keep-alive keeps every call warm but holds the environment idle 7 minutes of every 7; the
/// hybrid policy learns the period, unloads the environment after each call and pre-warms it
/// just before the next, with near-zero cold starts and a fraction of the idle memory-time.
#[test]
fn the_hybrid_policy_learns_a_periodic_workload() {
    let arrivals = format!("{{ process = \"constant\", rate = {} }}", 1.0 / 420.0);
    let fixed = run(&one_function(
        r#"keep_alive = "10m"
        max_lifetime = "1000d""#,
        &arrivals,
        "24h",
    ));
    let hybrid = run(&one_function(
        r#"keep_alive = "10m"
        max_lifetime = "1000d"
        keep_alive_policy = "hybrid""#,
        &arrivals,
        "24h",
    ));
    assert_eq!(fixed.total.cold_starts, 1);
    // Cold only while the histogram has fewer than 10 idle times (none: the fixed 10-minute
    // fallback keeps them warm) and at the very first call.
    assert!(
        hybrid.total.cold_starts <= 3,
        "{}",
        hybrid.total.cold_starts
    );
    assert!(
        hybrid.total.idle_gb_s < 0.4 * fixed.total.idle_gb_s,
        "hybrid {} vs fixed {} GB-s idle",
        hybrid.total.idle_gb_s,
        fixed.total.idle_gb_s
    );
    assert!(rel_err(fixed.total.idle_gb_s, 24.0 * 3600.0 * 0.125) < 0.01);
    println!(
        "fixed: {} cold, {} GB-s idle; hybrid: {} cold, {} GB-s idle",
        fixed.total.cold_starts,
        fixed.total.idle_gb_s,
        hybrid.total.cold_starts,
        hybrid.total.idle_gb_s
    );
}
