//! Invariants over randomly generated scenarios: every request ends in exactly one outcome, no
//! concurrency limit is exceeded, no event runs in the past, every attempt record is consistent,
//! and the same seed gives the same result.

mod common;
use common::Recorder;
use proptest::prelude::*;
use sim_core::{NoFiles, Outcome, Simulation};

#[derive(Debug, Clone)]
struct Fn_ {
    mean_ms: u32,
    dist: u8,
    cold_ms: u32,
    keep_alive_s: u32,
    reuse: u8,
    reserved: Option<u32>,
    timeout_ms: u32,
    rate: f64,
    constant: bool,
}

fn function() -> impl Strategy<Value = Fn_> {
    (
        1u32..3000,
        0u8..5,
        0u32..2000,
        0u32..900,
        0u8..4,
        prop::option::of(1u32..20),
        1u32..5000,
        0.05f64..40.0,
        any::<bool>(),
    )
        .prop_map(
            |(
                mean_ms,
                dist,
                cold_ms,
                keep_alive_s,
                reuse,
                reserved,
                timeout_ms,
                rate,
                constant,
            )| Fn_ {
                mean_ms,
                dist,
                cold_ms,
                keep_alive_s,
                reuse,
                reserved,
                timeout_ms,
                rate,
                constant,
            },
        )
}

/// Faults and retries applied to every function of a generated scenario: an error probability,
/// and optionally a retry policy (attempts, jitter kind, with or without quota).
type Faults = (f64, Option<(u32, u8, bool)>);

fn scenario_text(fns: &[Fn_], limit: u32, warmup_s: u32, seed: u64) -> String {
    scenario_text_with(fns, limit, warmup_s, seed, (0.0, None))
}

fn scenario_text_with(fns: &[Fn_], limit: u32, warmup_s: u32, seed: u64, faults: Faults) -> String {
    let mut t = format!(
        "[simulation]\nduration = \"20m\"\nwarmup = \"{warmup_s}s\"\nseed = {seed}\nsample_interval = \"45s\"\n[account]\nconcurrency_limit = {limit}\nunreserved_minimum = 0\n"
    );
    for (i, f) in fns.iter().enumerate() {
        let dist = match f.dist {
            0 => format!("{{ dist = \"exponential\", mean = \"{}ms\" }}", f.mean_ms),
            1 => format!("{{ dist = \"constant\", value = \"{}ms\" }}", f.mean_ms),
            2 => format!(
                "{{ dist = \"lognormal\", median = \"{}ms\", p99 = \"{}ms\" }}",
                f.mean_ms,
                f.mean_ms * 4
            ),
            3 => format!(
                "{{ dist = \"uniform\", min = \"0ms\", max = \"{}ms\" }}",
                f.mean_ms * 2
            ),
            _ => format!(
                "{{ dist = \"normal\", mean = \"{}ms\", stddev = \"{}ms\" }}",
                f.mean_ms,
                f.mean_ms / 2
            ),
        };
        let reuse = ["mru", "lru", "random", "newest"][f.reuse as usize];
        t += &format!(
            "[[functions]]\nname = \"f{i}\"\nduration = {dist}\ncold_start = {{ dist = \"exponential\", mean = \"{}ms\" }}\nkeep_alive = \"{}s\"\nreuse = \"{reuse}\"\ntimeout = \"{}ms\"\n",
            f.cold_ms.max(1),
            f.keep_alive_s,
            f.timeout_ms
        );
        if let Some(rc) = f.reserved {
            t += &format!("reserved_concurrency = {rc}\n");
        }
        t += &format!("error_probability = {}\n", faults.0);
        let process = if f.constant { "constant" } else { "poisson" };
        t += &format!(
            "[[workloads]]\nfunction = \"f{i}\"\narrivals = {{ process = \"{process}\", rate = {} }}\n",
            f.rate
        );
        // Every other workload retries, so clients with and without a policy mix.
        if faults.1.is_some() && i % 2 == 0 {
            t += "retry = \"r\"\n";
        }
    }
    if let Some((attempts, jitter, quota)) = faults.1 {
        let jitter = ["none", "full", "equal", "decorrelated"][jitter as usize];
        t += &format!(
            "[[retry_policies]]\nname = \"r\"\nmax_attempts = {attempts}\nbase = \"200ms\"\ncap = \"5s\"\njitter = \"{jitter}\"\n"
        );
        if quota {
            t += "quota = { tokens = 50 }\n";
        }
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn random_scenarios_keep_every_invariant(
        fns in prop::collection::vec(function(), 1..4),
        extra_limit in 1u32..60,
        warmup_s in 0u32..300,
        seed in any::<u64>(),
        faults in (prop_oneof![Just(0.0f64), 0.0f64..0.5], prop::option::of((2u32..5, 0u8..4, any::<bool>()))),
    ) {
        let reserved: u32 = fns.iter().filter_map(|f| f.reserved).sum();
        let limit = reserved + extra_limit;
        let retries = faults.1.is_some();
        let text = scenario_text_with(&fns, limit, warmup_s, seed, faults);
        let scenario = common::scenario(&text);
        let mut rec = Recorder::default();
        let out = Simulation::new(&scenario, &NoFiles).unwrap().run(&mut rec).unwrap();
        let s = &out.summary;

        prop_assert_eq!(out.late_events, 0, "an event was scheduled in the past");
        prop_assert_eq!(s.total.outcomes.total(), s.total.requests, "outcomes must sum to requests");
        prop_assert!(s.total.instances.max_busy <= limit as u64, "account limit exceeded");
        let mut sum_requests = 0;
        for (i, f) in fns.iter().enumerate() {
            let m = s.functions.get(&format!("f{i}")).unwrap();
            prop_assert_eq!(m.outcomes.total(), m.requests);
            sum_requests += m.requests;
            if let Some(rc) = f.reserved {
                prop_assert!(m.instances.max_busy <= rc as u64, "reserved cap of f{} exceeded", i);
            }
            prop_assert!(m.instances.max_busy <= m.instances.max);
            prop_assert!(m.cold_starts <= m.attempts);
        }
        prop_assert_eq!(sum_requests, s.total.requests);

        // Every attempt record is consistent with the clock and the summary.
        let warmup = warmup_s as u64 * 1_000_000_000;
        let mut measured = 0u64;
        let mut by_outcome = [0u64; 6];
        let mut ids = std::collections::HashSet::new();
        for r in &rec.attempts {
            prop_assert!(ids.insert((r.id, r.attempt)), "attempt {} of request {} recorded twice", r.attempt, r.id);
            if let Some(st) = r.start { prop_assert!(st >= r.arrival); }
            if let (Some(st), Some(e)) = (r.start, r.end) { prop_assert!(e >= st); }
            if r.attempt == 1 {
                prop_assert_eq!(r.measured, r.arrival.0 >= warmup);
            }
            prop_assert!(r.attempt == 1 || ids.contains(&(r.id, r.attempt - 1)), "attempt {} without its predecessor", r.attempt);
            if r.measured {
                measured += 1;
                by_outcome[r.outcome as usize] += 1;
            }
        }
        prop_assert_eq!(measured, s.total.attempts);
        // A success is always final.
        prop_assert_eq!(by_outcome[Outcome::Succeeded as usize], s.total.outcomes.succeeded);
        if !retries {
            // Without retries every attempt is its request's last.
            prop_assert_eq!(by_outcome[Outcome::Throttled as usize], s.total.outcomes.throttled);
            prop_assert_eq!(by_outcome[Outcome::TimedOut as usize], s.total.outcomes.timed_out);
            prop_assert_eq!(by_outcome[Outcome::Failed as usize], s.total.outcomes.failed);
            prop_assert_eq!(by_outcome[Outcome::InFlight as usize], s.total.outcomes.in_flight);
        } else {
            // With retries, a request that failed finally made at least one failed attempt.
            prop_assert!(s.total.outcomes.failed <= by_outcome[Outcome::Failed as usize]);
            prop_assert!(s.total.outcomes.throttled <= by_outcome[Outcome::Throttled as usize]);
            prop_assert!(s.total.outcomes.timed_out <= by_outcome[Outcome::TimedOut as usize]);
        }
        prop_assert!(s.total.attempts >= s.total.requests);
        // Every measured attempt that was not throttled paid the request fee.
        let executed = s.total.attempts - by_outcome[Outcome::Throttled as usize];
        let fee = executed as f64 * 0.2e-6;
        prop_assert!((s.total.cost_usd.requests - fee).abs() <= fee * 1e-8, "request fees {} for {} executions", s.total.cost_usd.requests, executed);

        // The time series covers the run without gaps and counts every arrival and every retry
        // once.
        let n_fns = fns.len() as u64;
        let arrivals: u64 = rec.rows.iter().map(|r| r.arrivals + r.retries).sum();
        prop_assert_eq!(arrivals, rec.attempts.len() as u64);
        let covered: u64 = rec.rows.iter().map(|r| r.span.0).sum();
        prop_assert_eq!(covered, 20 * 60 * 1_000_000_000 * n_fns);
        for r in &rec.rows {
            prop_assert!(r.busy <= r.instances + 1e-9);
        }

        // Same seed, same result.
        let again = Simulation::new(&scenario, &NoFiles).unwrap().run(&mut sim_core::NullObserver).unwrap();
        prop_assert_eq!(&again.summary, s);
    }
}

#[test]
fn different_seeds_differ_and_same_seed_is_byte_identical() {
    let text = scenario_text(
        &[Fn_ {
            mean_ms: 200,
            dist: 0,
            cold_ms: 300,
            keep_alive_s: 60,
            reuse: 0,
            reserved: None,
            timeout_ms: 3000,
            rate: 5.0,
            constant: false,
        }],
        1000,
        0,
        5,
    );
    let a = serde_json::to_string(&common::run(&text)).unwrap();
    let b = serde_json::to_string(&common::run(&text)).unwrap();
    let c = serde_json::to_string(&common::run(&text.replace("seed = 5", "seed = 6"))).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

/// Requests arriving exactly at the end of warmup, or exactly on a sample boundary, are counted
/// on the later side everywhere: measured, started, cold, billed; in the later interval.
#[test]
fn boundaries_are_exact() {
    let text = r#"
        [simulation]
        duration = "10m"
        warmup = "1m"
        sample_interval = "1m"
        [[functions]]
        name = "f"
        duration = { dist = "constant", value = "10ms" }
        cold_start = { dist = "constant", value = "100ms" }
        keep_alive = "1s"
        [[workloads]]
        function = "f"
        arrivals = { process = "constant", rate = 0.016666666666666666 }
    "#;
    let scenario = common::scenario(text);
    let mut rec = Recorder::default();
    let s = Simulation::new(&scenario, &NoFiles)
        .unwrap()
        .run(&mut rec)
        .unwrap()
        .summary;
    // Arrivals at 60 s, 120 s, …, 540 s (the one at 600 s is the end): nine, all measured, all cold.
    assert_eq!(s.total.requests, 9);
    assert_eq!(s.total.cold_starts, 9);
    assert_eq!(s.total.cold_start_ratio, 1.0);
    assert!((s.total.cost_usd.requests - 9.0 * 0.2e-6).abs() < 1e-15);
    // Each interval [k min, (k+1) min) holds the arrival at its start, except the first.
    let arrivals: Vec<u64> = rec.rows.iter().map(|r| r.arrivals).collect();
    assert_eq!(arrivals, vec![0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
}

/// Idle memory-time by hand: one instance alive from the first arrival (60 s) to the end
/// (3,600 s), busy 1 s for each of the 59 requests: 3,481 s × 0.125 GB = 435.125 GB-s.
#[test]
fn idle_memory_time_is_exact() {
    let s = common::run(
        r#"
        [simulation]
        duration = "1h"
        [[functions]]
        name = "f"
        memory_mb = 128
        duration = { dist = "constant", value = "1s" }
        keep_alive = "10m"
        [[workloads]]
        function = "f"
        arrivals = { process = "constant", rate = 0.016666666666666666 }
    "#,
    );
    assert_eq!(s.total.requests, 59);
    assert_eq!(s.total.instances.max, 1);
    assert!(
        (s.total.idle_gb_s - 435.125).abs() < 1e-6,
        "{}",
        s.total.idle_gb_s
    );
    assert!((s.total.billed_gb_s - 59.0 * 0.125).abs() < 1e-9);
}

/// A timeout resets the environment: its next request runs init again ("suppressed init"),
/// inside the invocation, so that it counts against the timeout and is billed. Requests every
/// 10 s, 2 s of work, 1 s timeout, 500 ms init: every attempt times out; the first pays 0.5 s of
/// init plus 1 s of execution, the others 1 s (0.5 s of init and 0.5 s of work).
#[test]
fn timeouts_reset_the_environment() {
    let s = common::run(
        r#"
        [simulation]
        duration = "10m"
        [[functions]]
        name = "f"
        timeout = "1s"
        duration = { dist = "constant", value = "2s" }
        cold_start = { dist = "constant", value = "500ms" }
        keep_alive = "10m"
        [[workloads]]
        function = "f"
        arrivals = { process = "constant", rate = 0.1 }
    "#,
    );
    assert_eq!(s.total.requests, 59);
    assert_eq!(s.total.outcomes.timed_out, 59);
    assert_eq!(s.total.cold_starts, 1);
    assert_eq!(s.total.suppressed_inits, 58);
    assert_eq!(s.total.instances.max, 1);
    assert!(
        (s.total.billed_gb_s - (1.5 + 58.0) * 0.125).abs() < 1e-9,
        "{}",
        s.total.billed_gb_s
    );
}
