//! API Gateway in front of a function, against exact expectations: a function slower than the
//! integration timeout is answered 504 at the timeout and billed to its own end; a throttle at
//! half the offered load answers about half the requests 429 (the token bucket's count exactly,
//! within the arrivals' noise), and Lambda sees none of them; bad API settings are named.

mod common;
use common::{record, scenario};
use sim_core::Outcome;

/// A REST API (default 29 s integration timeout) in front of a function that works 40 s, one
/// request every 10 s for five minutes.
const SLOW: &str = r#"
    [simulation]
    duration = "10m"
    sample_interval = "1m"
    [[functions]]
    name = "report"
    memory_mb = 1024
    timeout = "60s"
    duration = { dist = "constant", value = "40s" }
    cold_start = { dist = "constant", value = "1ms" }
    [[apis]]
    name = "web"
    routes = [{ function = "report" }]
    [[workloads]]
    function = "report"
    api = "web"
    arrivals = { process = "constant", rate = 0.1, end = "5m" }
"#;

#[test]
fn a_function_past_the_integration_timeout_is_answered_504_and_billed_to_its_end() {
    let (s, rec) = record(SLOW);
    let m = s.functions.get("report").unwrap();
    let n = m.requests;
    // One every 10 s from 10 s to 290 s.
    assert_eq!(n, 29);
    // Every client got a 504 at exactly 29 s, and that is the request's outcome.
    assert_eq!(rec.attempts.len() as u64, n);
    for a in &rec.attempts {
        assert_eq!(a.outcome, Outcome::TimedOut, "{a:?}");
        assert_eq!(a.end.unwrap().0 - a.arrival.0, 29_000_000_000, "{a:?}");
    }
    assert_eq!(m.outcomes.timed_out, n);
    assert_eq!(m.outcomes.total(), n);
    assert_eq!(m.latency_ms.max, 0.0, "no request succeeded");
    // Lambda ran every one of them for 40 s (and 1 ms of init per cold start), billed at 1 GB.
    let billed = n as f64 * 40.0 + m.cold_starts as f64 * 0.001;
    assert!(
        (m.billed_gb_s - billed).abs() < 1e-6,
        "{} vs {billed}",
        m.billed_gb_s
    );
    // Four or five at once: 40 s of work, one arrival every 10 s.
    assert!((4..=5).contains(&m.cold_starts), "{}", m.cold_starts);
    let api = s.services.api("web").unwrap();
    assert_eq!((api.requests, api.forwarded, api.timed_out), (n, n, n));
    assert_eq!(api.throttled, 0);
    // REST: 3.50 USD per million requests.
    assert!((api.cost_usd - n as f64 * 3.5e-6).abs() < 1e-12);
    assert_eq!(m.cost_usd.api, Some(api.cost_usd));
    let parts = m.cost_usd.compute + m.cost_usd.requests + api.cost_usd;
    assert!((m.cost_usd.total - parts).abs() < 1e-9 * parts.max(1.0));
}

#[test]
fn a_function_within_the_integration_timeout_answers_itself() {
    let text = SLOW.replace(r#"value = "40s""#, r#"value = "20s""#);
    let (s, rec) = record(&text);
    let m = s.functions.get("report").unwrap();
    assert_eq!(m.outcomes.succeeded, m.requests);
    assert!(rec.attempts.iter().all(|a| a.outcome == Outcome::Succeeded));
    assert_eq!(s.services.api("web").unwrap().timed_out, 0);
}

#[test]
fn a_throttle_at_half_the_load_answers_half_429_and_lambda_sees_none() {
    // A stage throttle of 50 requests/s (burst 50) against 100 requests/s for ten minutes.
    let text = r#"
        [simulation]
        duration = "10m"
        sample_interval = "1m"
        seed = 9
        [[functions]]
        name = "orders"
        duration = { dist = "constant", value = "10ms" }
        [[apis]]
        name = "shop"
        type = "http"
        rate = 50
        burst = 50
        routes = [{ function = "orders" }]
        [[workloads]]
        function = "orders"
        api = "shop"
        arrivals = { process = "poisson", rate = 100 }
    "#;
    let (s, rec) = record(text);
    let m = s.functions.get("orders").unwrap();
    let api = s.services.api("shop").unwrap();
    assert_eq!(api.requests, m.requests);
    assert_eq!(api.forwarded + api.throttled, api.requests);
    // Under a load above the rate the bucket admits its capacity plus the rate over the run
    // (the bucket refills at 50/s and is never left with a whole token for long).
    let admitted = 50.0 * 600.0 + 50.0;
    let rel = (api.forwarded as f64 - admitted).abs() / admitted;
    assert!(rel < 0.002, "forwarded {} vs {admitted}", api.forwarded);
    let frac = api.throttled as f64 / api.requests as f64;
    assert!((frac - 0.5).abs() < 0.01, "throttled fraction {frac}");
    // Lambda ran exactly the forwarded ones and throttled none.
    let ran = rec.attempts.iter().filter(|a| a.start.is_some()).count() as u64;
    assert_eq!(ran, api.forwarded);
    assert_eq!(rec.rows.iter().map(|r| r.throttles).sum::<u64>(), 0);
    assert_eq!(m.outcomes.throttled, api.throttled);
    assert_eq!(m.outcomes.total(), m.requests);
    // The services' time series adds up to the summary (no warmup), interval by interval.
    assert_eq!(rec.services.len(), 10);
    let sum = |f: fn(&sim_core::ServiceRow) -> u64| rec.services.iter().map(f).sum::<u64>();
    assert_eq!(sum(|r| r.requests), api.requests);
    assert_eq!(sum(|r| r.throttled), api.throttled);
    assert_eq!(sum(|r| r.forwarded), api.forwarded);
    // In the first minute the burst lets 50 more through than the rate.
    let first = &rec.services[0];
    assert!(
        first.forwarded >= 3000 && first.forwarded <= 3050,
        "{first:?}"
    );
    // HTTP: 1.00 USD per million requests forwarded; 429s are not charged.
    assert!((api.cost_usd - api.forwarded as f64 * 1e-6).abs() < 1e-12);
}

#[test]
fn the_account_throttle_applies_across_apis() {
    // Two APIs of 60 requests/s each behind an account throttle of 80 requests/s.
    let text = r#"
        [simulation]
        duration = "10m"
        seed = 2
        [account]
        api_rate = 80
        api_burst = 80
        [[functions]]
        name = "a"
        duration = { dist = "constant", value = "5ms" }
        [[functions]]
        name = "b"
        duration = { dist = "constant", value = "5ms" }
        [[apis]]
        name = "one"
        routes = [{ function = "a" }]
        [[apis]]
        name = "two"
        routes = [{ function = "b" }]
        [[workloads]]
        function = "a"
        api = "one"
        arrivals = { process = "poisson", rate = 60 }
        [[workloads]]
        function = "b"
        api = "two"
        arrivals = { process = "poisson", rate = 60 }
    "#;
    let (s, _) = record(text);
    let forwarded: u64 = ["one", "two"]
        .iter()
        .map(|n| s.services.api(n).unwrap().forwarded)
        .sum();
    let admitted = 80.0 * 600.0 + 80.0;
    let rel = (forwarded as f64 - admitted).abs() / admitted;
    assert!(rel < 0.002, "forwarded {forwarded} vs {admitted}");
}

#[test]
fn bad_api_settings_are_named() {
    let base = |apis: &str, workload: &str| {
        format!(
            r#"
            [simulation]
            duration = "1h"
            [[functions]]
            name = "f"
            duration = {{ dist = "constant", value = "1s" }}
            {apis}
            [[workloads]]
            function = "f"
            {workload}
            arrivals = {{ process = "poisson", rate = 1 }}
            "#
        )
    };
    let route = "[[apis]]\nname = \"web\"\nroutes = [{ function = \"f\" }]";
    for (apis, workload, key) in [
        ("", "api = \"nope\"", "workloads.0.api"),
        (
            "[[apis]]\nname = \"web\"\nroutes = [{ function = \"g\" }]",
            "",
            "apis.web.routes.0.function",
        ),
        (
            "[[apis]]\nname = \"web\"\ntype = \"http\"\nintegration_timeout = \"31s\"\nroutes = [{ function = \"f\" }]",
            "",
            "apis.web.integration_timeout",
        ),
        (
            "[[apis]]\nname = \"web\"\nrate = 0\nroutes = [{ function = \"f\" }]",
            "",
            "apis.web.rate",
        ),
        (
            "[[apis]]\nname = \"web\"\nroutes = [{ function = \"f\", burst = 5 }]",
            "",
            "apis.web.routes.0.burst",
        ),
        (
            "[[apis]]\nname = \"web\"\nroutes = []",
            "",
            "apis.web.routes",
        ),
        (
            route,
            "api = \"web\"\ninvocation = \"async\"",
            "workloads.0.invocation",
        ),
    ] {
        let e = scenario(&base(apis, workload)).validate().expect_err(key);
        assert_eq!(e.key, key, "{e}");
    }
    // A route to a function the workload does not invoke.
    let text = base(
        "[[functions]]\nname = \"g\"\nduration = { dist = \"constant\", value = \"1s\" }\n[[apis]]\nname = \"web\"\nroutes = [{ function = \"g\" }]",
        "api = \"web\"",
    );
    let e = scenario(&text).validate().expect_err("no route");
    assert_eq!(e.key, "workloads.0.api", "{e}");
}

#[test]
fn a_504_is_retried_as_a_5xx_and_ends_as_a_timeout() {
    // The client retries service errors (HTTP 5xx) only: it retries the 504s, 1 s after each.
    let text = SLOW.replace(
        "[[workloads]]",
        "[[retry_policies]]\nname = \"5xx\"\nmax_attempts = 3\nbase = \"1s\"\ncap = \"1s\"\njitter = \"none\"\nretry_on = [\"service_error\"]\n[[workloads]]\nretry = \"5xx\"",
    );
    let (s, rec) = record(&text);
    let m = s.functions.get("report").unwrap();
    let mut ended = 0;
    for (id, attempts) in common::by_request(&rec) {
        for pair in attempts.windows(2) {
            assert_eq!(
                pair[0].end.unwrap().0 + 1_000_000_000,
                pair[1].arrival.0,
                "{id}"
            );
        }
        assert!(attempts.iter().all(|a| a.outcome == Outcome::TimedOut));
        ended += (attempts.len() == 3) as u64;
    }
    assert_eq!(m.outcomes.timed_out, ended);
    assert_eq!(m.outcomes.in_flight, m.requests - ended);
    assert_eq!(
        s.services.api("web").unwrap().timed_out,
        rec.attempts.len() as u64
    );
    // Each 504 is counted in the interval it was answered in.
    let by_minute = |t: u64| t / 60_000_000_000;
    for row in &rec.services {
        let answered = rec
            .attempts
            .iter()
            .filter(|a| by_minute(a.end.unwrap().0) == by_minute(row.time.0))
            .count() as u64;
        assert_eq!(row.timed_out, answered, "{row:?}");
    }
}

#[test]
fn the_command_line_exits_2_naming_a_bad_api_key_and_the_file() {
    let dir = common::temp_dir("bad-api");
    let text = SLOW.replace(
        r#"routes = [{ function = "report" }]"#,
        r#"routes = [{ function = "reports" }]"#,
    );
    std::fs::write(dir.join("s.toml"), text).unwrap();
    std::fs::write(dir.join("ok.toml"), SLOW).unwrap();
    for args in [
        vec!["validate", "s.toml"],
        vec!["run", "s.toml", "--out", "o"],
        vec![
            "run",
            "ok.toml",
            "--out",
            "o",
            "--set",
            "apis.web.integration_timeout=1h",
        ],
        vec![
            "run",
            "ok.toml",
            "--out",
            "o",
            "--set",
            "account.api_rate=-1",
        ],
    ] {
        let o = common::faasim(&args, &dir);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        let key = if args[1] == "s.toml" {
            "apis.web.routes.0.function"
        } else if args[5].starts_with("apis") {
            "apis.web.integration_timeout"
        } else {
            "account.api_rate"
        };
        assert!(
            err.contains(key) && err.contains(args[1]),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"));
    }
}

/// A request whose 504 would come after the end of the run is still in flight: counted once,
/// logged once. One request every 10 s for 10 minutes, each working 40 s behind a 29 s
/// integration timeout: those arriving at 580 s and 590 s (their 504s due at 609 s and 619 s)
/// are in flight at 600 s; every earlier one was answered 504.
#[test]
fn a_504_due_after_the_end_leaves_its_request_in_flight() {
    let (s, rec) = record(&SLOW.replace(", end = \"5m\"", ""));
    let m = s.functions.get("report").unwrap();
    assert_eq!(m.requests, 59, "one every 10 s from 10 s to 590 s");
    // Answered by 600 s: those arriving up to 571 s (10 s … 570 s).
    assert_eq!(m.outcomes.timed_out, 57);
    assert_eq!(m.outcomes.in_flight, 2);
    assert_eq!(m.outcomes.total(), m.requests);
    let logged: Vec<_> = rec
        .attempts
        .iter()
        .filter(|a| a.outcome == Outcome::InFlight)
        .map(|a| a.arrival.0 / 1_000_000_000)
        .collect();
    assert_eq!(logged, vec![580, 590]);
    assert_eq!(rec.attempts.len() as u64, m.requests);
}
