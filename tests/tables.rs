//! DynamoDB tables against the token-bucket and scaling rules they follow: a provisioned table
//! at half the load serves from its burst capacity for exactly as long as the unused capacity
//! lasts, then throttles half; target tracking ends the throttling after its steps; an
//! on-demand table throttles above twice its previous peak until that peak is 30 minutes old;
//! costs follow the units.

mod common;
use common::{record, scenario};

/// A function that writes one 1 KB item per request, Poisson at `RATE`, to table "orders";
/// throttled writes are not retried and do not fail the function.
fn writer(rate: f64, table: &str, duration: &str) -> String {
    format!(
        r#"
        [simulation]
        duration = "{duration}"
        sample_interval = "10s"
        [[retry_policies]]
        name = "none"
        preset = "none"
        [[functions]]
        name = "put"
        duration = {{ dist = "constant", value = "1ms" }}
        calls = [{{ to = "orders", op = "write", retry = "none", on_error = "ignore" }}]
        [[workloads]]
        function = "put"
        arrivals = {{ process = "poisson", rate = {rate} }}
        [[tables]]
        name = "orders"
        {table}
    "#
    )
}

#[test]
fn a_provisioned_table_bursts_from_unused_capacity_then_throttles_the_excess() {
    // 100 WCU against 200 writes/s: the 300 s of unused capacity (30,000 units) drain at
    // 100/s for 300 s, then half the writes are throttled.
    let text = writer(
        200.0,
        r#"mode = "provisioned"
        read_capacity = 10
        write_capacity = 100"#,
        "20m",
    );
    let (s, rec) = record(&text);
    let rows: Vec<_> = rec.services.iter().filter(|r| r.service == 0).collect();
    assert_eq!(rows.len(), 120);
    for r in &rows {
        let t = r.time.0 / 1_000_000_000;
        if t + 10 <= 290 {
            assert_eq!(r.throttled, 0, "throttled at {t} s, inside the burst");
        }
    }
    let (mut req, mut thr) = (0, 0);
    for r in rows.iter().filter(|r| r.time.0 >= 310_000_000_000) {
        req += r.requests;
        thr += r.throttled;
    }
    let frac = thr as f64 / req as f64;
    assert!((frac - 0.5).abs() < 0.01, "throttled fraction {frac}");
    // Consumed capacity never passes the bucket: 30,000 of burst plus 100 a second.
    let mut consumed = 0.0;
    for r in &rows {
        consumed += r.consumed;
        let t = (r.time.0 + r.span.0) as f64 / 1e9;
        assert!(
            consumed <= 30_000.0 + 100.0 * t + 1e-6,
            "{consumed} by {t} s"
        );
    }
    let t = s.services.table("orders").unwrap();
    assert_eq!(t.requests, t.throttled + t.succeeded);
    // Provisioned: 100 WCU and 10 RCU for 20 minutes at the hourly prices.
    let want = (100.0 * 0.00065 + 10.0 * 0.00013) / 3.0;
    assert!(common::rel_err(t.cost_usd, want) < 1e-9, "{}", t.cost_usd);
    assert_eq!(s.total.cost_usd.services, Some(t.cost_usd));
}

#[test]
fn target_tracking_ends_the_throttling_after_its_steps() {
    // No burst: 100 WCU against 200 writes/s is throttled at once. Each step: two one-minute
    // datapoints above 70 % (the minute's consumed ÷ the capacity when it ends), capacity to
    // ⌈consumed ÷ 0.7⌉, in effect 60 s later. Consumed is capped at the capacity while
    // throttled. Datapoints at 60 s and 120 s → ⌈100/0.7⌉ = 143 from 180 s; the minute that
    // ends then consumed 100 of 143 (not above 70 %), so 240 s and 300 s → ⌈~143/0.7⌉ ≈ 205
    // from 360 s; 420 s and 480 s → ⌈~200/0.7⌉ ≈ 286 from 540 s, above the load for good.
    let text = writer(
        200.0,
        r#"mode = "provisioned"
        read_capacity = 10
        write_capacity = 100
        burst_seconds = 0
        auto_scaling = { target_utilization = 70 }"#,
        "15m",
    );
    let (s, rec) = record(&text);
    let rows: Vec<_> = rec.services.iter().filter(|r| r.service == 0).collect();
    // The capacity at the end of the interval ending at `secs` (before what happens then).
    let cap_at = |secs: u64| {
        rows.iter()
            .find(|r| r.time.0 + r.span.0 == secs * 1_000_000_000)
            .map(|r| r.capacity - 10.0)
            .unwrap()
    };
    assert_eq!(cap_at(180), 100.0);
    assert_eq!(cap_at(190), 143.0);
    assert_eq!(cap_at(360), 143.0);
    let c = cap_at(370);
    assert!((205.0..=209.0).contains(&c), "{c}");
    assert_eq!(cap_at(540), c);
    let c = cap_at(550);
    assert!((280.0..=290.0).contains(&c), "{c}");
    let late: u64 = rows
        .iter()
        .filter(|r| r.time.0 >= 540_000_000_000)
        .map(|r| r.throttled)
        .sum();
    let early: u64 = rows
        .iter()
        .filter(|r| r.time.0 < 180_000_000_000)
        .map(|r| r.throttled)
        .sum();
    assert_eq!(late, 0);
    assert!(early > 15_000, "{early}");
    let t = s.services.table("orders").unwrap();
    assert!((280.0..=290.0).contains(&t.write_capacity));
}

#[test]
fn an_on_demand_table_serves_twice_its_previous_peak_until_the_peak_is_30_minutes_old() {
    // Previous peak 50 writes/s: up to 100/s at once. At 125/s a fifth is throttled until the
    // first minute at 100/s is 30 minutes old; then 200/s are allowed.
    let text = writer(125.0, r#"previous_peak_write = 50"#, "45m");
    let (s, rec) = record(&text);
    let rows: Vec<_> = rec.services.iter().filter(|r| r.service == 0).collect();
    let window = |from: u64, to: u64| {
        let (mut n, mut t) = (0, 0);
        for r in rows
            .iter()
            .filter(|r| r.time.0 >= from * 1_000_000_000 && r.time.0 < to * 1_000_000_000)
        {
            n += r.requests;
            t += r.throttled;
        }
        t as f64 / n as f64
    };
    let early = window(60, 1800);
    assert!((early - 0.2).abs() < 0.01, "{early}");
    assert_eq!(window(31 * 60 + 10, 45 * 60), 0.0);
    let t = s.services.table("orders").unwrap();
    assert_eq!(t.mode, "on-demand");
    // On demand: 0.625 USD per million write units.
    assert!(common::rel_err(t.cost_usd, t.write_units * 0.625e-6) < 1e-9);
    assert_eq!(t.write_units, t.succeeded as f64);
}

#[test]
fn item_size_sets_the_units() {
    // 3.5 KB: a write is 4 units, a strongly consistent read 1, an eventually consistent 0.5.
    for (op, units) in [("write", 4.0), ("strong-read", 1.0), ("read", 0.5)] {
        let text = writer(10.0, "", "1m")
            .replace(r#"op = "write""#, &format!(r#"op = "{op}", item_kb = 3.5"#));
        let s = common::run(&text);
        let t = s.services.table("orders").unwrap();
        let used = t.read_units + t.write_units;
        assert_eq!(used, units * t.succeeded as f64, "{op}");
    }
}

#[test]
fn bad_tables_are_named() {
    let bad = |table: &str, key: &str| {
        let text = writer(1.0, table, "1m");
        let e = scenario(&text).validate().expect_err(&text);
        assert_eq!(e.key, key, "{e}");
    };
    bad(r#"mode = "provisioned""#, "tables.orders.read_capacity");
    bad(
        r#"mode = "provisioned"
        read_capacity = 1
        write_capacity = 0"#,
        "tables.orders.write_capacity",
    );
    bad("write_capacity = 0.5", "tables.orders.write_capacity");
    bad(
        r#"mode = "provisioned"
        read_capacity = 1
        write_capacity = 1
        auto_scaling = { target_utilization = 95 }"#,
        "tables.orders.auto_scaling.target_utilization",
    );
    let text = writer(1.0, "", "1m").replace(
        r#"name = "orders"
        "#,
        r#"name = "put"
        "#,
    );
    let e = scenario(&text).validate().unwrap_err();
    assert_eq!(e.key, "tables.put.name", "{e}");
}

#[test]
fn a_tables_errors_are_5xx_to_the_client() {
    // An incident makes half the writes fail for the whole run. They are HTTP 5xx
    // (InternalServerError): a client that retries only service errors (3 attempts, no quota)
    // retries them, so 1 in 8 calls fails after three attempts.
    let text = writer(20.0, "", "30m").replace(
        r#"retry = "none", on_error = "ignore""#,
        r#"retry = "5xx", on_error = "ignore""#,
    ) + r#"
        [[retry_policies]]
        name = "5xx"
        max_attempts = 3
        base = "10ms"
        retry_on = ["service_error"]
        [[incidents]]
        start = "0s"
        end = "30m"
        tables = ["orders"]
        error_probability = 0.5
    "#;
    let s = common::run(&text);
    let t = s.services.table("orders").unwrap();
    let c = &s.calls[0];
    assert!(c.attempts > c.calls, "errors were retried");
    // Each attempt fails with probability 1/2, independently: 1/8 fail three times.
    let failed = c.failed as f64 / c.calls as f64;
    assert!((failed - 0.125).abs() < 0.01, "{failed}");
    // Attempts per call: 1 + 1/2 + 1/4.
    let per_call = c.attempts as f64 / c.calls as f64;
    assert!((per_call - 1.75).abs() < 0.02, "{per_call}");
    assert_eq!(t.requests, c.attempts);
    assert_eq!(t.errors + t.succeeded + t.throttled, t.requests);
}
