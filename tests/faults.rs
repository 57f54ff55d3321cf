//! Fault injection: crashes against their mean time between failures, init failures and the init
//! timeout, scheduled incidents in the time series, and conservation of requests over random
//! scenarios with every fault type and every invocation type on.

mod common;
use common::{Recorder, record, rel_err, scenario};
use proptest::prelude::*;
use sim_core::{NoFiles, NullObserver, Outcome, Simulation, Summary};
use std::collections::BTreeMap;

const S: u64 = 1_000_000_000;

/// One environment, busy half the time (1 request/s of 500 ms): crashes come at rate 1/MTBF over
/// its whole life, busy or idle; the busy ones fail their request.
#[test]
fn crashes_follow_the_mean_time_between_failures() {
    let (s, _) = record(
        r#"
        [simulation]
        duration = "20h"
        sample_interval = "1h"
        [[functions]]
        name = "f"
        duration = { dist = "constant", value = "500ms" }
        cold_start = { dist = "constant", value = "100ms" }
        keep_alive = "1h"
        max_lifetime = "1000d"
        mtbf = "100s"
        [[workloads]]
        function = "f"
        arrivals = { process = "constant", rate = 1 }
        "#,
    );
    let t = &s.total;
    assert_eq!(t.outcomes.total(), t.requests);
    // Alive all the time: 72,000 s / 100 s = 720 crashes (±3.7 % one sigma).
    assert!(
        rel_err(t.crashes as f64, 720.0) < 0.12,
        "{} crashes",
        t.crashes
    );
    // Busy (about 0.5 s + a re-init of 0.1 s after each crash) crashes fail the request.
    let busy_s = 72_000.0 * 0.5 + t.crashes as f64 * 0.1;
    let want_failed = busy_s / 100.0;
    assert!(
        rel_err(t.outcomes.failed as f64, want_failed) < 0.2,
        "{} failed vs {want_failed}",
        t.outcomes.failed
    );
    // Every crash resets the environment: the next request on it runs a suppressed init.
    assert!(t.suppressed_inits + 1 >= t.crashes && t.suppressed_inits <= t.crashes);
    assert_eq!(t.cold_starts, 1);
}

/// Every request is a cold start (keep-alive shorter than the gap between requests); a fraction
/// p of inits fail, failing their request after the init time.
#[test]
fn init_failures_fail_that_fraction_of_cold_starts() {
    let (s, rec) = record(
        r#"
        [simulation]
        duration = "2h"
        [[functions]]
        name = "f"
        duration = { dist = "constant", value = "100ms" }
        cold_start = { dist = "constant", value = "300ms" }
        keep_alive = "200ms"
        init_failure_probability = 0.2
        [[workloads]]
        function = "f"
        arrivals = { process = "constant", rate = 1 }
        "#,
    );
    let t = &s.total;
    assert_eq!(t.cold_starts, t.requests);
    let frac = t.outcomes.failed as f64 / t.requests as f64;
    // n = 7199: one sigma is 0.0047.
    assert!((frac - 0.2).abs() < 0.015, "{frac}");
    assert_eq!(t.init_failures, t.outcomes.failed);
    for r in &rec.attempts {
        let took = r.end.unwrap().0 - r.start.unwrap().0;
        match r.outcome {
            Outcome::Failed => assert_eq!(took, 300_000_000),
            _ => assert_eq!(took, 400_000_000),
        }
    }
}

/// An init of 12 s runs past the 10 s init limit: it is stopped, then run again inside the
/// first invocation, under the function timeout. The request takes 10 + 12 + 1 s.
#[test]
fn an_init_past_the_limit_runs_again_inside_the_invocation() {
    let run = |timeout: &str| {
        record(&format!(
            r#"
            [simulation]
            duration = "10m"
            [[functions]]
            name = "f"
            timeout = "{timeout}"
            duration = {{ dist = "constant", value = "1s" }}
            cold_start = {{ dist = "constant", value = "12s" }}
            [[workloads]]
            function = "f"
            arrivals = {{ process = "constant", rate = 0.01 }}
            "#
        ))
    };
    let (s, rec) = run("30s");
    assert_eq!(s.total.init_failures, 1);
    assert_eq!(s.total.outcomes.succeeded, s.total.requests);
    let first = rec.attempts.iter().find(|r| r.cold).unwrap();
    assert_eq!(first.end.unwrap().0 - first.start.unwrap().0, 23 * S);
    // With a 5 s timeout, the init inside the invocation cannot finish: it times out, and so
    // does every later request (each re-inits the reset environment).
    let (s, _) = run("5s");
    assert_eq!(s.total.outcomes.timed_out, s.total.requests);
}

/// Lambda service errors (5xx) come before the function runs: not billed, not charged, and
/// retried by a client that retries them, so that a fraction p^k of requests fail after k
/// attempts. Async events are retried after them until they get through.
#[test]
fn service_errors_are_retried_and_not_billed() {
    let (s, rec) = record(
        r#"
        [simulation]
        duration = "20h"
        sample_interval = "1h"
        [[functions]]
        name = "f"
        duration = { dist = "constant", value = "100ms" }
        service_error_probability = 0.3
        [[retry_policies]]
        name = "r"
        max_attempts = 3
        base = "50ms"
        retry_on = ["service_error"]
        [[workloads]]
        function = "f"
        retry = "r"
        arrivals = { process = "poisson", rate = 2 }
        "#,
    );
    let t = &s.total;
    let failed = t.outcomes.failed as f64 / t.requests as f64;
    assert!(rel_err(failed, 0.027) < 0.1, "{failed}");
    let executed = rec.attempts.iter().filter(|r| r.start.is_some()).count() as f64;
    assert_eq!(executed as u64, t.outcomes.succeeded + t.outcomes.in_flight);
    // 100 ms of 128 MB per execution (those in flight at the end billed for what they ran);
    // $0.20 per million executions.
    assert!(
        rel_err(t.billed_gb_s, executed * 0.1 * 0.125) < 1e-5,
        "{} GB-s for {executed} executions",
        t.billed_gb_s
    );
    assert!(rel_err(t.cost_usd.requests, executed * 0.2e-6) < 1e-9);

    let (s, _) = record(
        r#"
        [simulation]
        duration = "2h"
        [[functions]]
        name = "f"
        duration = { dist = "constant", value = "100ms" }
        service_error_probability = 0.5
        [[workloads]]
        function = "f"
        invocation = "async"
        arrivals = { process = "poisson", rate = 2 }
        "#,
    );
    let t = &s.total;
    assert_eq!(t.outcomes.failed + t.outcomes.dead_lettered, 0);
    // Two attempts per event on average; the last few minutes' events are still retrying.
    assert!(
        rel_err(t.retry_amplification, 2.0) < 0.05,
        "{}",
        t.retry_amplification
    );
    assert!(t.outcomes.in_flight < t.requests / 50);
}

fn incident_run(effect: &str, extra_fn: &str, api_rate: f64) -> (Summary, Recorder) {
    record(&format!(
        r#"
        [simulation]
        duration = "30m"
        sample_interval = "1m"
        [[functions]]
        name = "api"
        duration = {{ dist = "constant", value = "200ms" }}
        {extra_fn}
        [[functions]]
        name = "other"
        duration = {{ dist = "constant", value = "200ms" }}
        [[workloads]]
        function = "api"
        arrivals = {{ process = "poisson", rate = {api_rate} }}
        [[workloads]]
        function = "other"
        arrivals = {{ process = "poisson", rate = 20 }}
        [[incidents]]
        name = "dependency"
        start = "10m"
        end = "15m"
        functions = ["api"]
        {effect}
        "#
    ))
}

/// An incident is in the time series exactly between its start and end, and only for the
/// functions it names: errors, slower requests, the `incidents` column.
#[test]
fn incidents_start_and_stop_at_their_times() {
    let (s, rec) = incident_run("error_probability = 1.0", "", 20.0);
    for r in &rec.rows {
        let minute = r.time.0 / (60 * S);
        let inside = (10..15).contains(&minute) && r.function == 0;
        assert_eq!(
            r.incidents, inside as u32,
            "minute {minute} f{}",
            r.function
        );
        // Requests end up to 200 ms after they start: those that straddle an edge are counted
        // in the interval where they end.
        if inside {
            assert!(r.succeeded <= 10 && r.errors + 10 >= r.arrivals, "{r:?}");
        } else if minute == 15 && r.function == 0 {
            assert!(r.errors <= 10);
        } else {
            assert_eq!(r.errors, 0, "minute {minute} f{}", r.function);
        }
    }
    let api = s.functions.get("api").unwrap();
    let frac = api.outcomes.failed as f64 / api.requests as f64;
    assert!((frac - 5.0 / 30.0).abs() < 0.01, "{frac}");

    let (_, rec) = incident_run(
        r#"latency_multiplier = 3.0
        added_latency = "50ms""#,
        "",
        20.0,
    );
    for r in rec.rows.iter().filter(|r| r.function == 0) {
        let minute = r.time.0 / (60 * S);
        let want = if (10..15).contains(&minute) {
            650.0
        } else {
            200.0
        };
        // Mean latency within the histogram's resolution, except at the edges where
        // requests started before the change end after it.
        if minute != 15 {
            assert!(
                (r.mean_latency_ms - want).abs() < 0.01 * want,
                "minute {minute}: {} ms",
                r.mean_latency_ms
            );
        }
    }
}

/// A zone outage takes three quarters of the environments at its start (their requests fail)
/// and of the function's concurrency until its end: a function keeping 5 busy on average, with
/// reserved concurrency 20, is throttled during the outage only.
#[test]
fn a_capacity_loss_kills_environments_and_shrinks_concurrency() {
    let (s, rec) = incident_run(
        "capacity_lost = 0.75",
        r#"reserved_concurrency = 20
        keep_alive = "1h""#,
        25.0,
    );
    let api = s.functions.get("api").unwrap();
    assert_eq!(api.outcomes.total(), api.requests);
    for r in rec.rows.iter().filter(|r| r.function == 0) {
        let minute = r.time.0 / (60 * S);
        if (10..15).contains(&minute) {
            assert!(r.busy <= 5.0 + 1e-9, "minute {minute}: {} busy", r.busy);
            assert!(r.throttles > 0);
        } else if minute < 10 {
            assert_eq!(r.throttles, 0, "minute {minute}");
            assert_eq!(r.errors, 0);
        }
    }
    let start = rec
        .rows
        .iter()
        .find(|r| r.function == 0 && r.time.0 == 10 * 60 * S)
        .unwrap();
    let before = rec
        .rows
        .iter()
        .find(|r| r.function == 0 && r.time.0 == 9 * 60 * S)
        .unwrap();
    // About three quarters of the environments alive at 10 min are gone.
    assert!(
        (start.instances_end as f64) < 0.5 * before.instances_end as f64,
        "{} then {}",
        before.instances_end,
        start.instances_end
    );
    // The other function is untouched.
    let other = s.functions.get("other").unwrap();
    assert_eq!(
        other.outcomes.succeeded + other.outcomes.in_flight,
        other.requests
    );
}

/// An attempt record: attempt number, outcome, function, end time, whether it ran.
type Att = (u32, Outcome, u32, u64, bool);

#[derive(Debug, Clone)]
struct Wl {
    kind: u8,
    rate: f64,
    param: u32,
    flag: bool,
}

#[derive(Debug, Clone)]
struct Fx {
    mean_ms: u32,
    timeout_ms: u32,
    error_p: f64,
    service_p: f64,
    init_p: f64,
    mtbf_s: Option<u32>,
    reserved: Option<u32>,
    /// Provisioned concurrency (at most the reservation) and keep-alive policy (0–3).
    pc: u32,
    ka: u8,
}

fn fx() -> impl Strategy<Value = Fx> {
    (
        20u32..2000,
        200u32..5000,
        prop_oneof![Just(0.0), 0.0f64..0.6, Just(1.0)],
        prop_oneof![Just(0.0), 0.0f64..0.3],
        prop_oneof![Just(0.0), 0.0f64..0.5],
        prop::option::of(5u32..600),
        prop::option::of(0u32..15),
        (0u32..4, 0u8..4),
    )
        .prop_map(
            |(mean_ms, timeout_ms, error_p, service_p, init_p, mtbf_s, reserved, (pc, ka))| Fx {
                mean_ms,
                timeout_ms,
                error_p,
                service_p,
                init_p,
                mtbf_s,
                pc: reserved.map_or(pc, |r| pc.min(r)),
                reserved,
                ka,
            },
        )
}

fn wl() -> impl Strategy<Value = Wl> {
    (0u8..3, 0.05f64..20.0, 1u32..12, any::<bool>()).prop_map(|(kind, rate, param, flag)| Wl {
        kind,
        rate,
        param,
        flag,
    })
}

fn fault_scenario(fns: &[Fx], wls: &[Wl], incidents: &[(u32, u32, u8, f64)], seed: u64) -> String {
    let mut t = format!(
        "[simulation]\nduration = \"20m\"\nwarmup = \"2m\"\nsample_interval = \"1m\"\nseed = {seed}\n[account]\nunreserved_minimum = 30\nconcurrency_limit = {}\n[[retry_policies]]\nname = \"client\"\nmax_attempts = 3\nbase = \"200ms\"\nretry_on = [\"throttle\", \"error\", \"timeout\", \"service_error\"]\n",
        fns.iter().map(|f| f.reserved.unwrap_or(f.pc)).sum::<u32>() + 30
    );
    for (i, f) in fns.iter().enumerate() {
        t += &format!(
            "[[functions]]\nname = \"f{i}\"\ntimeout = \"{}ms\"\nduration = {{ dist = \"exponential\", mean = \"{}ms\" }}\ncold_start = {{ dist = \"lognormal\", median = \"300ms\", p99 = \"12s\" }}\nkeep_alive = \"2m\"\nerror_probability = {}\nservice_error_probability = {}\ninit_failure_probability = {}\n",
            f.timeout_ms, f.mean_ms, f.error_p, f.service_p, f.init_p
        );
        if let Some(m) = f.mtbf_s {
            t += &format!("mtbf = \"{m}s\"\n");
        }
        if let Some(r) = f.reserved {
            t += &format!("reserved_concurrency = {r}\n");
        }
        if f.pc > 0 {
            t += &format!(
                "provisioned_concurrency = {}\nprovisioned_recycle = \"5m\"\n",
                f.pc
            );
        }
        t += &format!(
            "keep_alive_policy = \"{}\"\nmax_lifetime = \"4m\"\n",
            ["fixed", "random", "hybrid", "none"][f.ka as usize]
        );
        if f.ka == 1 {
            t += "idle_ttl = { dist = \"exponential\", mean = \"1m\" }\n";
        }
    }
    for (i, w) in wls.iter().enumerate() {
        let f = i % fns.len();
        t += &format!(
            "[[workloads]]\nfunction = \"f{f}\"\narrivals = {{ process = \"poisson\", rate = {} }}\n",
            w.rate
        );
        match w.kind {
            0 => {
                if w.flag {
                    t += "retry = \"client\"\n";
                }
            }
            1 => {
                t += &format!(
                    "invocation = \"async\"\nasync = {{ max_retry_attempts = {}, max_event_age = \"{}s\", retry_delays = [\"20s\", \"40s\"], on_failure = \"{}\" }}\n",
                    w.param % 3,
                    60 + 60 * w.param,
                    if w.flag { "dead-letter" } else { "discard" }
                );
            }
            _ => {
                t += &format!(
                    "invocation = \"sqs\"\nsqs = {{ batch_size = {}, visibility_timeout = \"{}s\", max_receive_count = {}, report_batch_item_failures = {}, maximum_concurrency = {}, poison_probability = 0.05, batching_window = \"{}ms\" }}\n",
                    w.param,
                    6 + 3 * w.param,
                    1 + w.param % 4,
                    w.flag,
                    2 + w.param,
                    100 * (w.param % 3)
                );
            }
        }
    }
    for (i, &(start, len, kind, v)) in incidents.iter().enumerate() {
        let effect = match kind {
            0 => format!("error_probability = {v}"),
            1 => format!("latency_multiplier = {}", 1.0 + 4.0 * v),
            2 => format!("added_latency = \"{}ms\"", (v * 2000.0) as u32),
            3 => format!("service_error_probability = {v}"),
            _ => format!("capacity_lost = {v}"),
        };
        t += &format!(
            "[[incidents]]\nname = \"i{i}\"\nstart = \"{start}s\"\nend = \"{}s\"\n{effect}\n",
            start + len
        );
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, .. ProptestConfig::default() })]

    /// Every fault type and every invocation type at once: outcomes sum to requests for each
    /// function; attempts are the records; every request that ended failed or dead-lettered
    /// exhausted what its path allows; concurrency stays within its limits; runs repeat.
    #[test]
    fn every_request_ends_once_under_every_fault(
        fns in prop::collection::vec(fx(), 1..4),
        wls in prop::collection::vec(wl(), 1..5),
        incidents in prop::collection::vec((0u32..1200, 10u32..400, 0u8..5, 0.05f64..1.0), 0..4),
        seed in any::<u64>(),
    ) {
        let text = fault_scenario(&fns, &wls, &incidents, seed);
        let sc = scenario(&text);
        let mut rec = Recorder::default();
        let out = Simulation::new(&sc, &NoFiles).unwrap().run(&mut rec).unwrap();
        let s = &out.summary;
        prop_assert_eq!(out.late_events, 0);
        prop_assert_eq!(s.total.outcomes.total(), s.total.requests, "{}", text);
        for (i, f) in fns.iter().enumerate() {
            let m = s.functions.get(&format!("f{i}")).unwrap();
            prop_assert_eq!(m.outcomes.total(), m.requests, "f{}\n{}", i, text);
            if let Some(rc) = f.reserved {
                prop_assert!(m.instances.max_busy <= rc as u64);
            }
            prop_assert!(m.instances.max_busy <= m.instances.max);
        }
        let limit = fns.iter().map(|f| f.reserved.unwrap_or(f.pc)).sum::<u32>() + 30;
        prop_assert!(s.total.instances.max_busy <= limit as u64);

        // Attempt records: one per measured attempt, each with its predecessors.
        let measured = rec.attempts.iter().filter(|r| r.measured).count() as u64;
        prop_assert_eq!(measured, s.total.attempts);
        let mut by_id: BTreeMap<u64, Vec<Att>> = BTreeMap::new();
        for r in rec.attempts.iter().filter(|r| r.measured) {
            let end = r.end.map(|e| e.0).unwrap_or(u64::MAX);
            let ran = r.start.is_some();
            by_id.entry(r.id).or_default().push((r.attempt, r.outcome, r.function, end, ran));
        }
        let workload_of = |f: u32| -> Vec<&Wl> {
            wls.iter().enumerate().filter(|(i, _)| (i % fns.len()) as u32 == f).map(|(_, w)| w).collect()
        };
        for atts in by_id.values_mut() {
            atts.sort_by_key(|a| a.0);
            for (k, a) in atts.iter().enumerate() {
                prop_assert_eq!(a.0, k as u32 + 1, "attempts numbered 1, 2, 3 …");
            }
            let (n, last, f, ended, _) = *atts.last().unwrap();
            // A retry is at most 0.4 s away (200 ms base, doubling): a request that failed in
            // the last second may still be waiting for it.
            let settled = ended < 20 * 60 * S - S;
            let ws = workload_of(f);
            // A sync request with the client policy makes at most 3 attempts; one that failed
            // with fewer attempts had no policy.
            if ws.iter().all(|w| w.kind == 0) {
                prop_assert!(n <= 3);
                if ws.iter().all(|w| !w.flag) {
                    prop_assert_eq!(n, 1);
                }
                if n < 3 && settled && last != Outcome::Succeeded && ws.iter().all(|w| w.flag) {
                    prop_assert!(false, "a sync request gave up after {} attempts", n);
                }
            }
            // An SQS message is received at most max_receive_count times.
            if ws.iter().all(|w| w.kind == 2) {
                let most = ws.iter().map(|w| 1 + w.param % 4).max().unwrap();
                prop_assert!(n <= most);
            }
            // An async event makes at most max_retry_attempts + 1 error attempts.
            if ws.iter().all(|w| w.kind == 1) {
                // Function errors and timeouts (service errors, which never ran, are retried
                // like throttles).
                let errors = atts.iter().filter(|a| a.4 && matches!(a.1, Outcome::Failed | Outcome::TimedOut)).count() as u32;
                let most = ws.iter().map(|w| w.param % 3).max().unwrap() + 1;
                prop_assert!(errors <= most);
            }
        }
        // Dead-lettering happens only on async and SQS paths.
        for (i, _) in fns.iter().enumerate() {
            let m = s.functions.get(&format!("f{i}")).unwrap();
            if workload_of(i as u32).iter().all(|w| w.kind == 0) {
                prop_assert_eq!(m.outcomes.dead_lettered, 0);
                prop_assert_eq!(m.duplicates, 0);
            }
        }
        // The time series counts every dead-lettered event.
        let dl: u64 = rec.rows.iter().map(|r| r.dead_lettered).sum();
        prop_assert!(dl >= s.total.outcomes.dead_lettered);

        let again = Simulation::new(&sc, &NoFiles).unwrap().run(&mut NullObserver).unwrap();
        prop_assert_eq!(&again.summary, s);
    }
}
