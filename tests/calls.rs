//! Calls inside a function's execution, against exact expectations: a sync chain's latency and
//! billing are exact sums, a throttled callee's retries follow the caller's policy, the
//! caller's timeout counts its waits; bad call graphs are named.

mod common;
use common::{by_request, record, scenario};
use sim_core::Outcome;

const MS: u64 = 1_000_000;

/// The shortest and longest attempt of function `f`, in ms.
fn span_ms(rec: &common::Recorder, f: u32) -> (f64, f64) {
    let d: Vec<u64> = rec
        .attempts
        .iter()
        .filter(|r| r.function == f)
        .map(|r| r.end.unwrap().0 - r.arrival.0)
        .collect();
    let ms = |x: u64| x as f64 / 1e6;
    (ms(*d.iter().min().unwrap()), ms(*d.iter().max().unwrap()))
}

/// A (100 ms of work, 200 ms init) calls B (300 ms, 50 ms init) halfway; one request every
/// 10 s from 10 s to 50 s, so the first finds both cold and the rest warm.
const CHAIN: &str = r#"
    [simulation]
    duration = "2m"
    [[functions]]
    name = "a"
    memory_mb = 1024
    duration = { dist = "constant", value = "100ms" }
    cold_start = { dist = "constant", value = "200ms" }
    calls = [{ to = "b", at = 0.5 }]
    [[functions]]
    name = "b"
    memory_mb = 512
    duration = { dist = "constant", value = "300ms" }
    cold_start = { dist = "constant", value = "50ms" }
    [[workloads]]
    function = "a"
    arrivals = { process = "constant", rate = 0.1, end = "1m" }
"#;

#[test]
fn a_sync_chain_adds_up_exactly_cold_and_warm() {
    let (s, rec) = record(CHAIN);
    let a = s.functions.get("a").unwrap();
    let b = s.functions.get("b").unwrap();
    assert_eq!(a.requests, 5);
    assert_eq!(a.outcomes.succeeded, 5);
    assert_eq!(b.requests, 5, "one call per request");
    assert_eq!(b.outcomes.succeeded, 5);
    assert_eq!((a.cold_starts, b.cold_starts), (1, 1));
    let reqs = by_request(&rec);
    let mut seen = 0;
    for attempts in reqs.values() {
        let r = attempts[0];
        let took = r.end.unwrap().0 - r.arrival.0;
        if r.function == 0 {
            // Cold: A's init, half its work, B's init and work, the other half.
            let want = if r.cold {
                200 + 50 + 50 + 300 + 50
            } else {
                50 + 300 + 50
            };
            assert_eq!(took, want * MS, "{r:?}");
            seen += 1;
        } else {
            let want = if r.cold { 350 } else { 300 };
            assert_eq!(took, want * MS, "{r:?}");
        }
    }
    assert_eq!(seen, 5);
    // End-to-end latency: 650 ms once, 400 ms four times.
    assert_eq!(a.latency_ms.max, 650.0);
    assert_eq!(span_ms(&rec, 0), (400.0, 650.0));
    // A is billed while it waits: 650 + 4 × 400 ms at 1 GB; B 350 + 4 × 300 ms at 0.5 GB.
    assert!((a.billed_gb_s - 2.25).abs() < 1e-9, "{}", a.billed_gb_s);
    assert!((b.billed_gb_s - 0.775).abs() < 1e-9, "{}", b.billed_gb_s);
    let c = &s.calls[0];
    assert_eq!((c.from.as_str(), c.to.as_str()), ("a", "b"));
    assert_eq!((c.calls, c.attempts, c.failed), (5, 5, 0));
}

#[test]
fn calls_at_the_start_and_the_end_wait_in_order() {
    // Two calls at the start and one at the end: 2 × 300 + 100 + 300 warm.
    let text = CHAIN.replace(
        r#"calls = [{ to = "b", at = 0.5 }]"#,
        r#"calls = [{ to = "b", at = "end" }, { to = "b", count = 2 }]"#,
    );
    let (s, rec) = record(&text);
    assert_eq!(s.functions.get("b").unwrap().requests, 15);
    // Warm: 300 + 300 + 100 + 300. Cold: 200 (A) + B cold 350, then warm 300 (the first B
    // environment is idle again), 100, 300.
    assert_eq!(span_ms(&rec, 0), (1000.0, 1250.0));
}

/// B has no concurrency (reserved 0): every call is throttled. A's calls are retried by its
/// policy: 3 attempts, 100 ms then 200 ms apart; then A fails.
const THROTTLED: &str = r#"
    [simulation]
    duration = "2m"
    [[retry_policies]]
    name = "three"
    max_attempts = 3
    base = "100ms"
    backoff_rate = 2
    jitter = "none"
    [[functions]]
    name = "a"
    duration = { dist = "constant", value = "100ms" }
    calls = [{ to = "b", at = "start", retry = "three" }]
    [[functions]]
    name = "b"
    reserved_concurrency = 0
    duration = { dist = "constant", value = "300ms" }
    [[workloads]]
    function = "a"
    arrivals = { process = "constant", rate = 0.1, end = "1m" }
"#;

#[test]
fn a_throttled_callee_is_retried_by_the_callers_policy_then_the_caller_fails() {
    let (s, rec) = record(THROTTLED);
    let a = s.functions.get("a").unwrap();
    let b = s.functions.get("b").unwrap();
    assert_eq!(a.requests, 5);
    assert_eq!(a.outcomes.failed, 5);
    assert_eq!(b.requests, 5);
    assert_eq!(b.attempts, 15);
    assert_eq!(b.outcomes.throttled, 5);
    assert_eq!(s.calls[0].failed, 5);
    let reqs = by_request(&rec);
    for attempts in reqs.values() {
        if attempts[0].function == 1 {
            let t: Vec<u64> = attempts.iter().map(|r| r.arrival.0).collect();
            assert_eq!(t.len(), 3);
            assert_eq!((t[1] - t[0], t[2] - t[1]), (100 * MS, 200 * MS));
            assert!(attempts.iter().all(|r| r.outcome == Outcome::Throttled));
        } else {
            // A fails when the last attempt is refused: 300 ms after its start.
            let r = attempts[0];
            assert_eq!(r.outcome, Outcome::Failed);
            assert_eq!(r.end.unwrap().0 - r.arrival.0, 300 * MS, "{r:?}");
        }
    }
    // Ignored, the failure lets A finish its work: 300 ms of retries, then 100 ms.
    let text = THROTTLED.replace(
        r#"retry = "three" }"#,
        r#"retry = "three", on_error = "ignore" }"#,
    );
    let (s, rec) = record(&text);
    let a = s.functions.get("a").unwrap();
    assert_eq!(a.outcomes.succeeded, 5);
    assert_eq!(span_ms(&rec, 0), (400.0, 400.0));
}

#[test]
fn the_callers_timeout_counts_its_waits() {
    // A may run 1 s; B takes 2 s: A times out at 1 s while it waits, B runs on to its end.
    let text = CHAIN
        .replace(
            r#"name = "a"
    memory_mb = 1024"#,
            r#"name = "a"
    memory_mb = 1024
    timeout = "1s""#,
        )
        .replace(r#"value = "300ms""#, r#"value = "2s""#);
    let (s, rec) = record(&text);
    let a = s.functions.get("a").unwrap();
    let b = s.functions.get("b").unwrap();
    assert_eq!(a.outcomes.timed_out, 5);
    assert_eq!(b.outcomes.succeeded, 5, "B is not stopped");
    for r in rec.attempts.iter().filter(|r| r.function == 0) {
        // The timeout counts from the end of init.
        let init = if r.cold { 200 } else { 0 };
        assert_eq!(r.end.unwrap().0 - r.arrival.0, (init + 1000) * MS, "{r:?}");
    }
}

#[test]
fn an_async_call_does_not_wait() {
    let text = CHAIN.replace(r#"at = 0.5 }"#, r#"at = 0.5, mode = "async" }"#);
    let (s, rec) = record(&text);
    assert_eq!(span_ms(&rec, 0), (100.0, 300.0));
    assert_eq!(s.functions.get("b").unwrap().outcomes.succeeded, 5);
}

#[test]
fn bad_call_graphs_are_named() {
    let bad = |text: &str, key: &str| {
        let e = scenario(text).validate().expect_err(text);
        assert_eq!(e.key, key, "{e}");
    };
    bad(
        &CHAIN.replace(r#"to = "b""#, r#"to = "nobody""#),
        "functions.a.calls.0.to",
    );
    let cycle = CHAIN.replace(
        r#"cold_start = { dist = "constant", value = "50ms" }"#,
        r#"cold_start = { dist = "constant", value = "50ms" }
    calls = [{ to = "a" }]"#,
    );
    let e = scenario(&cycle).validate().unwrap_err();
    assert_eq!(e.key, "functions.a.calls");
    assert!(e.message.contains("a → b → a"), "{e}");
    bad(
        &CHAIN.replace("at = 0.5", "at = 1.5"),
        "functions.a.calls.0.at",
    );
    bad(
        &CHAIN.replace("at = 0.5", "count = 0"),
        "functions.a.calls.0.count",
    );
    bad(
        &CHAIN.replace("at = 0.5", r#"retry = "missing""#),
        "functions.a.calls.0.retry",
    );
    bad(
        &CHAIN.replace("at = 0.5", r#"op = "write""#),
        "functions.a.calls.0.op",
    );
    bad(
        &CHAIN.replace("at = 0.5", r#"mode = "async", on_error = "ignore""#),
        "functions.a.calls.0.on_error",
    );
    // On the command line: exit 2, naming the file and the key.
    let dir = common::temp_dir("cycle");
    std::fs::write(dir.join("cycle.toml"), &cycle).unwrap();
    for cmd in ["validate", "run"] {
        let o = common::faasim(&[cmd, "cycle.toml"], &dir);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("cycle.toml: functions.a.calls"), "{err}");
        assert!(err.contains("a → b → a"), "{err}");
    }
}

/// The stationary distribution of the M/M/c/K queue with offered load `a`: p_0 … p_K.
fn mmck(c: u32, k: u32, a: f64) -> Vec<f64> {
    let mut p = vec![1.0];
    for n in 1..=k {
        let served = n.min(c) as f64;
        p.push(p[n as usize - 1] * a / served);
    }
    let total: f64 = p.iter().sum();
    p.iter().map(|x| x / total).collect()
}

#[test]
fn a_dependency_with_a_concurrency_limit_is_an_mmck_queue() {
    // Poisson calls at 40/s (the caller does no work of its own), exponential service of
    // 100 ms, 5 connections and 5 places to wait: a = 4, c = 5, K = 10.
    let text = r#"
        [simulation]
        duration = "8h"
        warmup = "10m"
        [[functions]]
        name = "api"
        duration = { dist = "constant", value = "0s" }
        calls = [{ to = "db", on_error = "ignore" }]
        [[dependencies]]
        name = "db"
        latency = { dist = "exponential", mean = "100ms" }
        max_concurrency = 5
        queue = 5
        [[workloads]]
        function = "api"
        arrivals = { process = "poisson", rate = 40 }
    "#;
    let s = common::run(text);
    let d = s.services.dependency("db").unwrap();
    let p = mmck(5, 10, 4.0);
    // Arrivals see the time averages (PASTA): rejected in state K, waiting in states c … K−1.
    let reject = p[10];
    let wait: f64 = p[5..10].iter().sum();
    let n = d.calls as f64;
    let got_reject = d.rejected as f64 / n;
    let got_wait = d.waited as f64 / n;
    assert!(
        common::rel_err(got_reject, reject) < 0.03,
        "{got_reject} vs {reject}"
    );
    assert!(
        common::rel_err(got_wait, wait) < 0.03,
        "{got_wait} vs {wait}"
    );
    // Mean wait of those that waited: Lq / (λ × P(wait)), Little's law.
    let lq: f64 = (6..=10).map(|k| (k - 5) as f64 * p[k]).sum();
    let wq_ms = lq / (40.0 * wait) * 1e3;
    assert!(
        common::rel_err(d.mean_wait_ms, wq_ms) < 0.03,
        "{} vs {wq_ms}",
        d.mean_wait_ms
    );
    // Every call is rejected, served (an error or a success) or still waiting at the end; the
    // ignored rejections let every caller succeed.
    assert_eq!(
        d.calls,
        d.rejected + d.errors + d.succeeded + d.waiting_at_end
    );
    let api = s.functions.get("api").unwrap();
    assert_eq!(api.outcomes.failed, 0);
}

#[test]
fn each_caller_environment_has_its_own_retry_quota() {
    // Every call is throttled; the quota (10 tokens, 5 a retry, no successes to refund) allows
    // two retries per client. A client lives in each of A's environments: with one
    // environment (requests 10 s apart) the five calls get two retries in all; with two
    // environments (two requests at once each time) the ten calls get four.
    let one = r#"
        [simulation]
        duration = "2m"
        [[retry_policies]]
        name = "quota"
        max_attempts = 10
        base = "1ms"
        jitter = "none"
        quota = { tokens = 10, retry_cost = 5, throttle_cost = 5, success_refund = 1 }
        [[functions]]
        name = "a"
        duration = { dist = "constant", value = "10ms" }
        calls = [{ to = "b", retry = "quota" }]
        [[functions]]
        name = "b"
        reserved_concurrency = 0
        duration = { dist = "constant", value = "10ms" }
        [[workloads]]
        function = "a"
        arrivals = { process = "constant", rate = 0.1, end = "1m" }
    "#;
    let s = common::run(one);
    assert_eq!(s.functions.get("a").unwrap().cold_starts, 1);
    assert_eq!(s.functions.get("b").unwrap().attempts, 5 + 2);
    let two = format!(
        "{one}
        [[workloads]]
        function = \"a\"
        arrivals = {{ process = \"constant\", rate = 0.1, end = \"1m\" }}
    "
    );
    let s = common::run(&two);
    assert_eq!(s.functions.get("a").unwrap().cold_starts, 2);
    assert_eq!(s.functions.get("b").unwrap().attempts, 10 + 4);
}

mod random {
    use super::common;
    use proptest::prelude::*;
    use sim_core::{NoFiles, Simulation};

    /// A front function calling a function, a table and a dependency, with random times,
    /// limits, failures, retries and an incident on the dependency; arrivals stop 5 minutes
    /// before the end, so that every call settles.
    #[allow(clippy::too_many_arguments)]
    fn text(
        seed: u64,
        rate: f64,
        timeout_ms: u32,
        callee_rc: u32,
        error_p: f64,
        provisioned: bool,
        conc: u32,
        queue: u32,
        retry: Option<(u32, u8)>,
        mode: u8,
        ignore: bool,
    ) -> String {
        let policy = match retry {
            Some((n, j)) => format!(
                "[[retry_policies]]\nname = \"r\"\nmax_attempts = {n}\nbase = \"20ms\"\njitter = \"{}\"\n",
                ["none", "full", "equal", "decorrelated"][j as usize]
            ),
            None => "[[retry_policies]]\nname = \"r\"\npreset = \"none\"\n".into(),
        };
        let on_error = if ignore { "ignore" } else { "fail" };
        // An async call takes neither a retry policy nor `on_error`: Lambda's queue has both.
        let back = if mode == 0 {
            r#"{ to = "back", mode = "async", at = 0.3 }"#.to_string()
        } else {
            format!(r#"{{ to = "back", at = 0.3, retry = "r", on_error = "{on_error}" }}"#)
        };
        let table = if provisioned {
            "mode = \"provisioned\"\nread_capacity = 5\nwrite_capacity = 5\nburst_seconds = 10"
        } else {
            "previous_peak_write = 3\nprevious_peak_read = 3"
        };
        format!(
            r#"
            [simulation]
            duration = "15m"
            seed = {seed}
            sample_interval = "30s"
            {policy}
            [[functions]]
            name = "front"
            timeout = "{timeout_ms}ms"
            error_probability = {error_p}
            duration = {{ dist = "exponential", mean = "50ms" }}
            cold_start = {{ dist = "exponential", mean = "100ms" }}
            calls = [
              {back},
              {{ to = "tbl", op = "write", at = 0.5, retry = "r", on_error = "{on_error}" }},
              {{ to = "db", count = 2, at = "end", retry = "r", on_error = "{on_error}" }},
            ]
            [[functions]]
            name = "back"
            reserved_concurrency = {callee_rc}
            error_probability = {error_p}
            duration = {{ dist = "exponential", mean = "200ms" }}
            [[tables]]
            name = "tbl"
            {table}
            [[dependencies]]
            name = "db"
            latency = {{ dist = "exponential", mean = "30ms" }}
            error_probability = {error_p}
            max_concurrency = {conc}
            queue = {queue}
            [[incidents]]
            start = "3m"
            end = "5m"
            dependencies = ["db"]
            capacity_lost = 0.5
            latency_multiplier = 3
            [[workloads]]
            function = "front"
            arrivals = {{ process = "poisson", rate = {rate}, end = "10m" }}
            "#
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, .. ProptestConfig::default() })]

        #[test]
        fn every_request_and_every_call_ends_once(
            seed in any::<u64>(),
            rate in 0.5f64..30.0,
            timeout_ms in 50u32..3000,
            callee_rc in 0u32..6,
            error_p in prop_oneof![Just(0.0f64), 0.0f64..0.3],
            provisioned in any::<bool>(),
            conc in 1u32..6,
            queue in 0u32..6,
            retry in prop::option::of((2u32..4, 0u8..4)),
            mode in 0u8..3,
            ignore in any::<bool>(),
        ) {
            let text = text(seed, rate, timeout_ms, callee_rc, error_p, provisioned, conc, queue, retry, mode, ignore);
            let scenario = common::scenario(&text);
            let mut rec = common::Recorder::default();
            let out = Simulation::new(&scenario, &NoFiles).unwrap().run(&mut rec).unwrap();
            let s = &out.summary;
            prop_assert_eq!(out.late_events, 0);
            // Every request of every function, the calls to "back" included, ends in one
            // outcome, and every one has settled (but async events, which Lambda's queue
            // keeps retrying for hours).
            for (name, m) in &s.functions.0 {
                prop_assert_eq!(m.outcomes.total(), m.requests, "{}", name);
                if name == "front" || mode != 0 {
                    prop_assert_eq!(m.outcomes.in_flight, 0, "{}", name);
                }
            }
            // Every sync call made was answered: a success or a failure after its retries.
            for c in &s.calls {
                prop_assert!(c.attempts >= c.calls);
                if c.mode == "sync" {
                    prop_assert_eq!(c.calls, c.succeeded + c.failed + c.abandoned, "{} → {}", c.from, c.to);
                }
            }
            // Calls to "back" are its requests.
            let back = s.functions.get("back").unwrap();
            let to_back = s.calls.iter().find(|c| c.to == "back").unwrap();
            prop_assert_eq!(back.requests, to_back.calls);
            if mode != 0 {
                prop_assert_eq!(back.attempts, to_back.attempts);
            } else {
                // Lambda's async queue retries events itself.
                prop_assert!(back.attempts >= to_back.attempts);
            }
            // The dependency: every call rejected, served or still waiting (none, here).
            let db = s.services.dependency("db").unwrap();
            prop_assert_eq!(db.waiting_at_end, 0);
            prop_assert_eq!(db.calls, db.rejected + db.errors + db.succeeded);
            let to_db = s.calls.iter().find(|c| c.to == "db").unwrap();
            prop_assert_eq!(db.calls, to_db.attempts);
            // The table: every request throttled, failed or succeeded; never more consumed than
            // the buckets hold (provisioned: 10 s of burst plus 5 units a second).
            let t = s.services.table("tbl").unwrap();
            prop_assert_eq!(t.requests, t.throttled + t.errors + t.succeeded);
            if provisioned {
                let mut consumed = 0.0;
                for r in rec.services.iter().filter(|r| r.service == 0) {
                    consumed += r.consumed;
                    let t = (r.time.0 + r.span.0) as f64 / 1e9;
                    prop_assert!(consumed <= 50.0 + 5.0 * t + 1e-6, "{} by {} s", consumed, t);
                }
            }
            // No warm attempt of "front" outlives its timeout, however long its calls take.
            for r in rec.attempts.iter().filter(|r| r.function == 0 && !r.cold) {
                if let Some(end) = r.end {
                    prop_assert!(end.0 - r.arrival.0 <= timeout_ms as u64 * 1_000_000, "{:?}", r);
                }
            }
            // Same seed, same result.
            let again = Simulation::new(&scenario, &NoFiles).unwrap().run(&mut sim_core::NullObserver).unwrap();
            prop_assert_eq!(&again.summary, s);
        }
    }
}

#[test]
fn behind_an_api_a_caller_waiting_past_the_integration_timeout_is_answered_504() {
    // A (100 ms) waits for B (1 s or 3 s) behind an HTTP API with a 2 s timeout: the 1 s calls
    // answer in time; with 3 s the client gets a 504 at 2 s while A runs on, billed, to 3.1 s.
    let api = |b: &str| {
        format!(
            r#"
            [simulation]
            duration = "2m"
            [[functions]]
            name = "a"
            memory_mb = 1024
            timeout = "10s"
            duration = {{ dist = "constant", value = "100ms" }}
            calls = [{{ to = "b", at = "start" }}]
            [[functions]]
            name = "b"
            timeout = "10s"
            duration = {{ dist = "constant", value = "{b}" }}
            [[apis]]
            name = "web"
            type = "http"
            integration_timeout = "2s"
            routes = [{{ function = "a" }}]
            [[workloads]]
            function = "a"
            api = "web"
            arrivals = {{ process = "constant", rate = 0.1, end = "1m" }}
            "#
        )
    };
    let (s, rec) = record(&api("1s"));
    assert_eq!(s.services.api("web").unwrap().timed_out, 0);
    assert_eq!(s.functions.get("a").unwrap().outcomes.succeeded, 5);
    assert_eq!(span_ms(&rec, 0), (1100.0, 1100.0));
    let (s, rec) = record(&api("3s"));
    let a = s.functions.get("a").unwrap();
    assert_eq!(s.services.api("web").unwrap().timed_out, 5);
    assert_eq!(a.outcomes.timed_out, 5);
    assert_eq!(span_ms(&rec, 0), (2000.0, 2000.0));
    // Billed to its own end: 3.1 s each at 1 GB.
    assert!(
        (a.billed_gb_s - 5.0 * 3.1).abs() < 1e-9,
        "{}",
        a.billed_gb_s
    );
    assert_eq!(s.functions.get("b").unwrap().outcomes.succeeded, 5);
}

#[test]
fn a_caller_that_times_out_while_its_call_waits_leaves_the_call_to_run() {
    // Two requests at once, each calling a database with one connection (600 ms a query): the
    // second query waits 600 ms, so its caller (timeout 1 s) times out at 1 s while the query
    // runs; the database serves it all the same, and its late answer is ignored.
    let one = r#"
        [simulation]
        duration = "2m"
        [[functions]]
        name = "a"
        timeout = "1s"
        duration = { dist = "constant", value = "1ms" }
        calls = [{ to = "db" }]
        [[dependencies]]
        name = "db"
        latency = { dist = "constant", value = "600ms" }
        max_concurrency = 1
        queue = 10
        [[workloads]]
        function = "a"
        arrivals = { process = "constant", rate = 0.05 }
    "#;
    let text = format!(
        "{one}
        [[workloads]]
        function = \"a\"
        arrivals = {{ process = \"constant\", rate = 0.05 }}
    "
    );
    let (s, rec) = record(&text);
    let a = s.functions.get("a").unwrap();
    let n = a.requests;
    assert!(n >= 8 && n % 2 == 0, "{n}");
    assert_eq!(a.outcomes.succeeded, n / 2);
    assert_eq!(a.outcomes.timed_out, n / 2);
    let d = s.services.dependency("db").unwrap();
    assert_eq!((d.calls, d.waited, d.succeeded), (n, n / 2, n));
    // The call completed: the client counts it a success; the caller had gone.
    assert_eq!(s.calls[0].succeeded, n);
    // The one that waited: 600 ms for the connection + 1 ms; its caller ended at 1 s.
    let (short, long) = span_ms(&rec, 0);
    assert_eq!((short, long), (601.0, 1000.0));
}

#[test]
fn a_callers_timeout_cuts_its_calls_retries() {
    // B refuses every call; A's client retries 400 ms, then 800 ms later. A may run 1 s: it
    // times out at exactly 1 s, between the retries, and the retry due at 1.2 s is dropped.
    let text = r#"
        [simulation]
        duration = "2m"
        [[retry_policies]]
        name = "slow"
        max_attempts = 5
        base = "400ms"
        backoff_rate = 2
        jitter = "none"
        [[functions]]
        name = "a"
        timeout = "1s"
        duration = { dist = "constant", value = "10ms" }
        calls = [{ to = "b", retry = "slow" }]
        [[functions]]
        name = "b"
        reserved_concurrency = 0
        duration = { dist = "constant", value = "10ms" }
        [[workloads]]
        function = "a"
        arrivals = { process = "constant", rate = 0.1, end = "1m" }
    "#;
    let (s, rec) = record(text);
    let a = s.functions.get("a").unwrap();
    assert_eq!(a.outcomes.timed_out, a.requests);
    assert_eq!(span_ms(&rec, 0), (1000.0, 1000.0));
    let b = s.functions.get("b").unwrap();
    assert_eq!(
        b.attempts,
        2 * a.requests,
        "the first attempt and the retry at 400 ms"
    );
    assert_eq!(
        b.outcomes.throttled, a.requests,
        "the dropped call ends throttled"
    );
    assert_eq!(s.calls[0].abandoned, a.requests);
}

/// A call waiting for its retry when the run ends belongs to its caller's request, which is
/// in flight once: the outcomes add up to the requests, and the in-flight count is the
/// request log's. (A dependency of one slot, overloaded, so that calls wait for a retry at the
/// end.)
#[test]
fn a_call_waiting_for_its_retry_at_the_end_is_counted_once() {
    let (s, rec) = record(
        r#"
        [simulation]
        duration = "10m"
        [[functions]]
        name = "checkout"
        timeout = "15s"
        duration = { dist = "lognormal", median = "20ms", p99 = "80ms" }
        cold_start = { dist = "lognormal", median = "500ms", p99 = "1.2s" }
        calls = [{ to = "db", count = 2, at = 0.5, retry = "db-client" }]
        [[dependencies]]
        name = "db"
        latency = { dist = "lognormal", median = "8ms", p99 = "60ms" }
        max_concurrency = 1
        queue = 50
        [[retry_policies]]
        name = "db-client"
        max_attempts = 3
        base = "50ms"
        cap = "1s"
        jitter = "full"
        [[workloads]]
        function = "checkout"
        arrivals = { process = "poisson", rate = 100 }
        "#,
    );
    let o = &s.total.outcomes;
    assert_eq!(o.total(), s.total.requests, "{o:?}");
    let logged = rec
        .attempts
        .iter()
        .filter(|a| a.function == 0 && a.outcome == Outcome::InFlight)
        .count() as u64;
    assert!(logged > 0, "some requests are still running at the end");
    assert_eq!(o.in_flight, logged);
}
