//! The bill against hand computations: init billed since August 2025 and free before it (for
//! .zip functions on managed runtimes), the monthly volume tiers of on-demand compute, and the
//! free tier.

mod common;
use common::run;

const X86: f64 = 0.000_016_666_7;
const MONTH_S: f64 = 730.0 * 3600.0;

/// Every request a cold start: 200 ms of init and 100 ms of work at 1,024 MB, under `era`.
fn cold_every_time(era: &str, extra: &str) -> sim_core::Metrics {
    let s = run(&format!(
        r#"
        [simulation]
        duration = "20m"
        seed = 2
        [pricing]
        init_billing = "{era}"
        [[functions]]
        name = "f"
        memory_mb = 1024
        duration = {{ dist = "constant", value = "100ms" }}
        cold_start = {{ dist = "constant", value = "200ms" }}
        keep_alive_policy = "none"
        {extra}
        [[workloads]]
        function = "f"
        arrivals = {{ process = "poisson", rate = 5 }}
        "#
    ));
    let f = s.functions.get("f").unwrap().clone();
    assert_eq!(f.cold_starts, f.invocations);
    f
}

#[test]
fn init_is_billed_since_august_2025_and_was_free_for_zip_functions_before() {
    let now = cold_every_time("2025-08", "");
    let before = cold_every_time("before-2025-08", "");
    // The same arrivals and draws in both: 300 ms billed each, against 100 ms.
    assert_eq!(now.invocations, before.invocations);
    let n = now.invocations as f64;
    let ended = n - now.outcomes.in_flight as f64;
    // Requests still running at the end are billed for the part run: at most 300 ms each.
    let slack = (n - ended) * 0.3 * X86 + 1e-9;
    let want_now = ended * 0.3 * X86;
    let want_before = ended * 0.1 * X86;
    assert!(
        (now.cost_usd.compute - want_now).abs() <= slack,
        "{} vs {want_now}",
        now.cost_usd.compute
    );
    assert!(
        (before.cost_usd.compute - want_before).abs() <= slack,
        "{} vs {want_before}",
        before.cost_usd.compute
    );
    // Container images and OS-only runtimes paid for init before too.
    for extra in [
        "runtime = \"python3.13\"\npackage = \"image\"",
        "runtime = \"provided.al2023-go\"",
    ] {
        let a = cold_every_time("2025-08", extra);
        let b = cold_every_time("before-2025-08", extra);
        assert_eq!(a.cost_usd.compute, b.cost_usd.compute, "{extra}");
    }
    // A managed runtime from a .zip did not.
    let b = cold_every_time("before-2025-08", "runtime = \"python3.13\"");
    assert_eq!(b.cost_usd.compute, before.cost_usd.compute);
    // Duration is the same in both: init is not execution.
    assert!((now.duration_ms - 100.0).abs() < 1e-6 && (before.duration_ms - 100.0).abs() < 1e-6);
}

/// 300 requests a second of 1 s at 10,240 MB for 10 minutes: about 1.8 million GB-seconds,
/// 7.9 billion a month — past the first x86 tier (6 billion).
fn heavy(extra_pricing: &str) -> sim_core::Summary {
    run(&format!(
        r#"
        [simulation]
        duration = "10m"
        seed = 8
        [account]
        concurrency_limit = 5000
        [pricing]
        {extra_pricing}
        [[functions]]
        name = "f"
        memory_mb = 10240
        timeout = "10s"
        duration = {{ dist = "constant", value = "1s" }}
        [[workloads]]
        function = "f"
        arrivals = {{ process = "constant", rate = 300 }}
        "#
    ))
}

#[test]
fn monthly_volume_tiers_price_the_gb_seconds_past_each_tier() {
    let tiered = heavy("");
    let flat = heavy("volume_tiers = false");
    let gb_s = tiered.total.billed_gb_s;
    assert_eq!(gb_s, flat.total.billed_gb_s);
    let monthly = gb_s * MONTH_S / 600.0;
    assert!(monthly > 6e9 && monthly < 15e9, "{monthly} GB-s a month");
    // By hand: the first 6 billion at $0.0000166667, the rest at $0.000015; the window pays its
    // share of the month.
    let month_cost = 6e9 * X86 + (monthly - 6e9) * 0.000_015;
    let want = month_cost * 600.0 / MONTH_S;
    let got = tiered.total.cost_usd.compute;
    assert!(
        (got - want).abs() <= 1e-8 * want,
        "tiered {got}, by hand {want}"
    );
    let flat_want = gb_s * X86;
    assert!((flat.total.cost_usd.compute - flat_want).abs() <= 1e-8 * flat_want);
    assert!(got < flat.total.cost_usd.compute);
}

#[test]
fn the_free_tier_subtracts_exactly_its_allowance_for_the_window() {
    let paid = heavy("");
    let free = heavy("free_tier = true");
    let months = 600.0 / MONTH_S;
    let requests = free.total.invocations as f64;
    // 400,000 GB-s and 1 million requests a month, valued at the first tier and $0.20 a million.
    let want = (400_000.0 * months).min(free.total.billed_gb_s) * X86
        + (1e6 * months).min(requests) * 0.20 / 1e6;
    let got = -free.total.cost_usd.free_tier.expect("the free tier's line");
    assert!((got - want).abs() <= 1e-8 * want, "{got} vs {want}");
    let diff = paid.total.cost_usd.total - free.total.cost_usd.total;
    assert!(
        (diff - want).abs() <= 1e-8 * paid.total.cost_usd.total,
        "{diff} vs {want}"
    );
    // A function's own cost is before the free tier.
    assert_eq!(
        paid.functions.get("f").unwrap().cost_usd,
        free.functions.get("f").unwrap().cost_usd
    );
    assert!(paid.total.cost_usd.free_tier.is_none());
}
