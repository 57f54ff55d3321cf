//! Provisioned concurrency: no cold starts once allocated under its capacity, spillover to
//! on-demand environments above it, and its price.

mod common;
use common::{record, rel_err};

const S: u64 = 1_000_000_000;

fn pc_scenario(pc: u32, rate: f64, extra: &str) -> String {
    format!(
        r#"
        [simulation]
        duration = "65m"
        warmup = "5m"
        sample_interval = "1m"
        [[functions]]
        name = "api"
        memory_mb = 1024
        duration = {{ dist = "constant", value = "200ms" }}
        cold_start = {{ dist = "constant", value = "500ms" }}
        provisioned_concurrency = {pc}
        {extra}
        [[workloads]]
        function = "api"
        arrivals = {{ process = "constant", rate = {rate} }}
        "#
    )
}

/// Allocation takes the 90 s delay plus 10 environments at 6,000 a minute (0.1 s); until then
/// requests run on demand. Afterwards, with load (one busy) well under the 10 provisioned, no
/// request is cold and none spills over.
#[test]
fn no_cold_starts_once_allocated_under_capacity() {
    let (s, rec) = record(&pc_scenario(10, 5.0, ""));
    let ready = 90 * S + S / 10;
    let cold_after = rec
        .attempts
        .iter()
        .filter(|r| r.cold && r.start.unwrap().0 >= ready)
        .count();
    assert_eq!(cold_after, 0);
    assert!(
        rec.attempts.iter().any(|r| r.cold),
        "on-demand before allocation"
    );
    assert_eq!(s.total.spillover, 0);
    assert_eq!(s.total.cold_starts, 0, "none in the measured window");
    assert!(rec.rows[2..].iter().all(|r| r.provisioned == 10));
    assert_eq!(rec.rows[0].provisioned, 0);
    assert!(rel_err(s.total.provisioned_utilization, 0.1) < 0.01);
}

/// Provisioned concurrency 10 with 5 requests/s of 200 ms for one measured hour, at the us-east-1
/// x86 prices: 10 GB × 3,600 s configured at $0.0000041667, 18,000 × 0.2 GB-s executed at
/// $0.0000097222, 18,000 requests at $0.20 per million.
#[test]
fn the_price_matches_the_hand_computed_one() {
    let (s, _) = record(&pc_scenario(10, 5.0, ""));
    let c = &s.total.cost_usd;
    let n = s.total.requests as f64;
    assert_eq!(s.total.requests, 18_000);
    assert!(rel_err(c.provisioned, 10.0 * 3600.0 * 0.000_004_166_7) < 0.001);
    assert!(rel_err(c.compute, n * 0.2 * 0.000_009_722_2) < 0.001);
    assert!(rel_err(c.requests, n * 0.2e-6) < 0.001);
    assert!(rel_err(c.total, c.provisioned + c.compute + c.requests) < 1e-6);
}

/// Above the provisioned capacity the extra requests spill over to on-demand environments, which
/// start cold like any on-demand environment; the provisioned ones never do.
#[test]
fn requests_beyond_it_spill_over_to_cold_on_demand_environments() {
    // Poisson arrivals, 50 requests/s of 200 ms: 10 busy on average, 5 provisioned.
    let text =
        pc_scenario(5, 50.0, r#"keep_alive = "1s""#).replace("constant\", rate", "poisson\", rate");
    let (s, rec) = record(&text);
    let t = &s.total;
    assert!(
        t.spillover > t.requests / 3,
        "{} of {}",
        t.spillover,
        t.requests
    );
    assert!(t.cold_starts > 0 && t.cold_starts <= t.spillover);
    assert!(
        t.provisioned_utilization > 0.85,
        "{}",
        t.provisioned_utilization
    );
    let spill: u64 = rec.rows.iter().map(|r| r.spillover).sum();
    assert!(spill >= t.spillover);
    // The on-demand part pays the on-demand price, the provisioned part the provisioned one.
    let pc_exec = (t.requests - t.spillover) as f64 * 0.2 * 0.000_009_722_2;
    assert!(t.cost_usd.compute > pc_exec);
}

/// Provisioned concurrency is reserved: a function with reserved concurrency 10 and 4 of it
/// provisioned runs at most 6 on demand beside them.
#[test]
fn provisioned_environments_count_within_the_reservation() {
    let (s, _) = record(&pc_scenario(4, 100.0, "reserved_concurrency = 10"));
    let t = &s.total;
    assert!(t.instances.max_busy <= 10);
    assert!(t.outcomes.throttled > 0);
}
