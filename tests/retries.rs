//! Client retries against theory: with independent errors of probability p and k attempts, a
//! fraction p^k of requests fail and a request makes (1 − p^k)/(1 − p) attempts on average; the
//! delays between attempts follow the configured jitter; the retry quota stops retries when its
//! tokens run out.

mod common;
use common::{rel_err, run, scenario};
use sim_core::{NoFiles, Outcome, Simulation};

#[test]
fn failed_fraction_is_p_to_the_k_and_attempts_match() {
    for (p, k) in [(0.3f64, 3u32), (0.5, 2), (0.2, 3)] {
        let s = run(&format!(
            r#"
            [simulation]
            duration = "100h"
            sample_interval = "1h"
            seed = 17
            [[functions]]
            name = "f"
            duration = {{ dist = "exponential", mean = "50ms" }}
            error_probability = {p}
            [[retry_policies]]
            name = "r"
            max_attempts = {k}
            base = "100ms"
            jitter = "full"
            retry_on = ["error"]
            [[workloads]]
            function = "f"
            retry = "r"
            arrivals = {{ process = "poisson", rate = 5 }}
            "#
        ));
        let t = &s.total;
        assert_eq!(t.outcomes.total(), t.requests);
        let failed = t.outcomes.failed as f64 / t.requests as f64;
        let want = p.powi(k as i32);
        let attempts = t.attempts as f64 / t.requests as f64;
        let want_attempts = (1.0 - want) / (1.0 - p);
        println!(
            "p={p} k={k}: failed {failed:.5} vs {want:.5}; attempts {attempts:.4} vs {want_attempts:.4}"
        );
        assert!(
            rel_err(failed, want) < 0.03,
            "p={p} k={k}: failed fraction {failed} vs p^k {want}"
        );
        assert!(
            rel_err(attempts, want_attempts) < 0.01,
            "p={p} k={k}: attempts {attempts} vs {want_attempts}"
        );
        assert!((t.retry_amplification - attempts).abs() < 1e-6);
    }
}

/// Every attempt is throttled (reserved concurrency 0), so attempts follow each other by exactly
/// the backoff delay: with full jitter, retry n waits uniformly on [0, min(cap, base·2^(n−1))].
#[test]
fn throttled_retries_are_spaced_by_the_jittered_backoff() {
    let sc = scenario(
        r#"
        [simulation]
        duration = "2h"
        [account]
        concurrency_limit = 100
        unreserved_minimum = 0
        [[functions]]
        name = "f"
        duration = { dist = "constant", value = "10ms" }
        reserved_concurrency = 0
        [[retry_policies]]
        name = "r"
        max_attempts = 4
        base = "200ms"
        cap = "500ms"
        jitter = "full"
        [[workloads]]
        function = "f"
        retry = "r"
        arrivals = { process = "poisson", rate = 10 }
        "#,
    );
    let mut obs = common::Recorder::default();
    let s = Simulation::new(&sc, &NoFiles)
        .unwrap()
        .run(&mut obs)
        .unwrap()
        .summary;
    assert_eq!(
        s.total.outcomes.throttled + s.total.outcomes.in_flight,
        s.total.requests
    );
    assert!(obs.attempts.iter().all(|r| r.outcome == Outcome::Throttled));
    // Gaps between consecutive attempts of each request, by retry number.
    let mut by_id: std::collections::BTreeMap<u64, Vec<(u32, u64)>> = Default::default();
    for r in &obs.attempts {
        by_id
            .entry(r.id)
            .or_default()
            .push((r.attempt, r.arrival.0));
    }
    let mut gaps: [Vec<f64>; 4] = Default::default();
    for v in by_id.values_mut() {
        v.sort();
        for w in v.windows(2) {
            assert_eq!(w[1].0, w[0].0 + 1);
            gaps[w[0].0 as usize].push((w[1].1 - w[0].1) as f64 / 1e6);
        }
    }
    for (n, exp) in [(1usize, 200.0f64), (2, 400.0), (3, 500.0)] {
        let g = &mut gaps[n];
        g.sort_by(f64::total_cmp);
        assert!(g.len() > 50_000, "retry {n}: {} gaps", g.len());
        assert!(
            g[0] >= 0.0 && g[g.len() - 1] <= exp + 1e-6,
            "retry {n} outside [0, {exp}]"
        );
        for q in [0.1, 0.25, 0.5, 0.75, 0.9] {
            let got = g[(q * g.len() as f64) as usize];
            assert!(
                (got - q * exp).abs() < 0.02 * exp,
                "retry {n}, q{q}: {got:.1} ms vs {:.1}",
                q * exp
            );
        }
    }
    // Four attempts for every request that had time for them.
    let complete = by_id.values().filter(|v| v.len() == 4).count();
    assert!(complete as f64 > 0.999 * by_id.len() as f64);
}

/// One SDK client calling a function capped at `cap` concurrent executions.
fn sdk_client(preset: &str, duration: &str, cap: u32, work: &str, rate: f64) -> sim_core::Summary {
    run(&format!(
        r#"
        [simulation]
        duration = "{duration}"
        [account]
        concurrency_limit = 100
        unreserved_minimum = 0
        [[functions]]
        name = "f"
        duration = {work}
        reserved_concurrency = {cap}
        [[retry_policies]]
        name = "sdk"
        preset = "{preset}"
        [[workloads]]
        function = "f"
        retry = "sdk"
        arrivals = {{ process = "poisson", rate = {rate} }}
        "#
    ))
}

/// The retry quota: 500 tokens at 5 a throttled retry allow exactly 100 retries when nothing
/// ever succeeds (no refunds).
#[test]
fn retry_quota_stops_retries_when_its_tokens_run_out() {
    let s = sdk_client(
        "aws-sdk-standard-legacy",
        "1h",
        0,
        r#"{ dist = "constant", value = "10ms" }"#,
        2.0,
    );
    assert_eq!(s.total.attempts - s.total.requests, 100);
    assert_eq!(s.total.outcomes.total(), s.total.requests);
}

/// Successes refill the quota: against a function capped at 5 with 5 erlangs offered, the
/// client keeps retrying far beyond the 100 retries of a drained bucket, and its retries turn
/// some throttles into successes.
#[test]
fn successes_refund_the_quota() {
    let s = sdk_client(
        "aws-sdk-standard",
        "2h",
        5,
        r#"{ dist = "exponential", mean = "1s" }"#,
        5.0,
    );
    let t = &s.total;
    assert_eq!(t.outcomes.total(), t.requests);
    // At load 5 on 5 slots about a third of first attempts are throttled (Erlang B(5, 5) ≈ 0.285):
    // with refunds from the many successes the quota never runs dry, so well over 100 retries.
    assert!(
        t.attempts - t.requests > 5_000,
        "{} retries",
        t.attempts - t.requests
    );
    println!(
        "requests {} attempts {} throttled {}",
        t.requests, t.attempts, t.outcomes.throttled
    );
    assert!((t.outcomes.throttled as f64) < 0.285 * t.requests as f64);
}

/// The loop with error and retry bookkeeping and the one without agree when no error happens and
/// nothing is retried.
#[test]
fn bookkeeping_for_retries_changes_nothing_when_nothing_fails() {
    let base = r#"
        [simulation]
        duration = "2h"
        warmup = "5m"
        seed = 8
        [[functions]]
        name = "f"
        duration = { dist = "lognormal", median = "80ms", p99 = "600ms" }
        cold_start = { dist = "constant", value = "300ms" }
        keep_alive = "2m"
        [[workloads]]
        function = "f"
        arrivals = { process = "poisson", rate = 3 }
    "#;
    let plain = run(base);
    let with_policy = run(&format!(
        "{}\nretry = \"r\"\n[[retry_policies]]\nname = \"r\"\nmax_attempts = 3\nretry_on = [\"error\"]\n",
        base.trim_end()
    ));
    assert_eq!(
        serde_json::to_string(&plain).unwrap(),
        serde_json::to_string(&with_policy).unwrap()
    );
}

/// Only the clients that have a retry policy retry: a workload without one, next to one with
/// one, sees each failure as final.
#[test]
fn clients_without_a_policy_never_retry() {
    let s = run(r#"
        [simulation]
        duration = "1h"
        [[functions]]
        name = "a"
        duration = { dist = "constant", value = "20ms" }
        error_probability = 0.3
        [[functions]]
        name = "b"
        duration = { dist = "constant", value = "20ms" }
        error_probability = 0.3
        [[retry_policies]]
        name = "r"
        max_attempts = 3
        base = "10ms"
        [[workloads]]
        function = "a"
        retry = "r"
        arrivals = { process = "poisson", rate = 5 }
        [[workloads]]
        function = "b"
        arrivals = { process = "poisson", rate = 5 }
        "#);
    let a = s.functions.get("a").unwrap();
    let b = s.functions.get("b").unwrap();
    assert_eq!(b.attempts, b.requests, "b has no policy");
    assert!(a.attempts > a.requests);
    for m in [a, b] {
        assert_eq!(m.outcomes.total(), m.requests);
    }
    let failed_b = b.outcomes.failed as f64 / b.requests as f64;
    assert!((failed_b - 0.3).abs() < 0.02, "{failed_b}");
}
