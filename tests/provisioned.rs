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

/// A trace of arrivals in memory: `rate` per second from `from_s` to `to_s`.
struct StepTrace {
    rate: f64,
    from_s: f64,
    to_s: f64,
}

impl sim_core::Resources for StepTrace {
    fn open(&self, _path: &str) -> Result<Box<dyn std::io::BufRead>, String> {
        let n = ((self.to_s - self.from_s) * self.rate) as u64;
        let mut text = String::with_capacity(n as usize * 12);
        for k in 0..n {
            text.push_str(&format!("{:.6}\n", self.from_s + k as f64 / self.rate));
        }
        Ok(Box::new(std::io::Cursor::new(text)))
    }
}

#[derive(Default)]
struct Scalings(Vec<(u64, u32, u32)>);

impl sim_core::Observer for Scalings {
    fn wants_samples(&self) -> bool {
        false
    }
    fn scaling(&mut self, time: sim_core::Nanos, _f: u32, from: u32, to: u32, _why: &str) {
        self.0.push((time.0, from, to));
    }
}

/// Target tracking at 0.7 on a load of 20 busy environments that steps to 60 at 30 min and
/// back to 20 at 90 min, from 30 provisioned (utilization 0.67: no action). After the step,
/// utilization is 1 (spillover); 3 one-minute datapoints later the provisioned concurrency
/// grows, and again until utilization is back near 0.7 (86: 60/86 = 0.70). After the drop it
/// scales in only after 15 datapoints below 0.63, to about 20/0.7.
#[test]
fn target_tracking_follows_a_step_and_scales_in_after_the_delay() {
    let text = r#"
        [simulation]
        duration = "150m"
        [[functions]]
        name = "api"
        duration = { dist = "constant", value = "1s" }
        provisioned_concurrency = 30
        provisioned_scaling = { target = 0.7, min = 1, max = 500 }
        [[workloads]]
        function = "api"
        arrivals = { process = "constant", rate = 20 }
        [[workloads]]
        function = "api"
        arrivals = { trace = "step.csv", format = "timestamps" }
        "#;
    let sc = common::scenario(text);
    let res = StepTrace {
        rate: 40.0,
        from_s: 1800.0,
        to_s: 5400.0,
    };
    let mut obs = Scalings::default();
    sim_core::Simulation::new(&sc, &res)
        .unwrap()
        .run(&mut obs)
        .unwrap();
    let ev = &obs.0;
    println!("scaling actions (ns, from, to): {ev:?}");
    assert!(ev.len() >= 3, "{ev:?}");
    // Nothing before the step; the first scale-out after 3 datapoints past it.
    let first = ev[0];
    assert!(first.0 >= 33 * 60 * S && first.0 <= 35 * 60 * S, "{ev:?}");
    assert!(first.2 > first.1);
    // Settled before the drop at about 60 / 0.7.
    let before_drop = ev.iter().rfind(|e| e.0 < 90 * 60 * S).unwrap().2;
    let util = 60.0 / before_drop as f64;
    assert!(
        (util - 0.7).abs() <= 0.07,
        "{before_drop} provisioned, utilization {util}"
    );
    // Scale-in: not before 15 datapoints after the drop, to about 20 / 0.7.
    let scale_in = ev.iter().find(|e| e.0 > 90 * 60 * S).expect("scales in");
    assert!(scale_in.0 >= 105 * 60 * S, "{ev:?}");
    assert!(scale_in.2 < scale_in.1);
    let util = 20.0 / scale_in.2 as f64;
    assert!(
        (util - 0.7).abs() <= 0.07,
        "{} provisioned after the drop",
        scale_in.2
    );
}

/// Scheduled actions set the minimum and maximum: raising the minimum at 10 min raises the
/// provisioned concurrency then, and lowering the maximum at 20 min lowers it. (Scale-in by
/// target tracking is held off here with a long scale-in alarm.)
#[test]
fn scheduled_actions_set_min_and_max() {
    let text = r#"
        [simulation]
        duration = "30m"
        [[functions]]
        name = "api"
        duration = { dist = "constant", value = "100ms" }
        provisioned_concurrency = 5
        [functions.provisioned_scaling]
        target = 0.7
        min = 1
        max = 100
        scale_in_datapoints = 1000
        schedule = [
            { at = "10m", min = 40, max = 100 },
            { at = "20m", min = 1, max = 10 },
        ]
        [[workloads]]
        function = "api"
        arrivals = { process = "constant", rate = 20 }
        "#;
    let (_, rec) = record(text);
    let at = |m: usize| {
        rec.rows
            .iter()
            .find(|r| r.time.0 == m as u64 * 60 * S)
            .unwrap()
    };
    assert_eq!(at(5).provisioned, 5);
    // Raised to 40 at 10 min, usable after the 90 s allocation delay.
    assert_eq!(at(12).provisioned, 40);
    assert_eq!(at(21).provisioned, 10);
}

/// 4,000 provisioned environments become usable all at once: after the 90 s delay plus
/// 4,000 / 6,000 of a minute (40 s) today; under the pre-2023 rule in us-east-1, after the
/// 3,000 burst and 1,000 more at 500 a minute (120 s).
#[test]
fn allocation_follows_the_current_or_the_legacy_rule() {
    let ready_at = |rule: &str| {
        let (_, rec) = record(&format!(
            r#"
            [simulation]
            duration = "5m"
            sample_interval = "1s"
            [account]
            concurrency_limit = 5000
            provisioned_allocation = "{rule}"
            [[functions]]
            name = "api"
            duration = {{ dist = "constant", value = "100ms" }}
            provisioned_concurrency = 4000
            [[workloads]]
            function = "api"
            arrivals = {{ process = "constant", rate = 1 }}
            "#
        ));
        let row = rec.rows.iter().find(|r| r.provisioned > 0).unwrap();
        assert_eq!(row.provisioned, 4000);
        row.time.0 / S
    };
    assert_eq!(ready_at("current"), 130);
    assert_eq!(ready_at("legacy"), 210);
}

/// Environments come and go while target tracking scales provisioned concurrency out and in, so
/// slots of retired provisioned environments are reused by on-demand ones. An on-demand
/// environment must never count as provisioned: the provisioned utilization (busy provisioned
/// over provisioned) stays within [0, 1] in every interval and in total, whatever the seed.
#[test]
fn reused_environments_do_not_count_as_provisioned() {
    for seed in 1..=6 {
        let text = format!(
            r#"
            [simulation]
            duration = "3h"
            seed = {seed}
            sample_interval = "1m"
            [[functions]]
            name = "api"
            keep_alive = "2m"
            duration = {{ dist = "lognormal", median = "900ms", p99 = "2.5s" }}
            cold_start = {{ dist = "lognormal", median = "600ms", p99 = "1.5s" }}
            provisioned_concurrency = 2
            provisioned_scaling = {{ target = 0.7, min = 2, max = 20 }}
            [[workloads]]
            function = "api"
            arrivals = {{ process = "profile", points = [["0s", 2], ["40m", 12], ["80m", 1], ["120m", 12], ["180m", 1]] }}
            "#
        );
        let (summary, rec) = record(&text);
        let u = summary.total.provisioned_utilization;
        assert!((0.0..=1.0).contains(&u), "seed {seed}: utilization {u}");
        for row in &rec.rows {
            assert!(
                (0.0..=1.0 + 1e-9).contains(&row.provisioned_utilization),
                "seed {seed}: utilization {} at {} ns",
                row.provisioned_utilization,
                row.time
            );
        }
    }
}

/// Provisioned environments serve at most 10 requests a second each (`provisioned_rps_limit`):
/// 5 of them, 200 short requests a second (one busy at a time) — 50 a second on them, the
/// other 150 spill over to on-demand environments.
#[test]
fn provisioned_environments_serve_at_most_10_requests_a_second_each() {
    let text = |on: bool| {
        format!(
            r#"
            [simulation]
            duration = "12m"
            warmup = "2m"
            sample_interval = "1m"
            [account]
            provisioned_rps_limit = {on}
            [[functions]]
            name = "api"
            duration = {{ dist = "constant", value = "1ms" }}
            cold_start = {{ dist = "constant", value = "100ms" }}
            provisioned_concurrency = 5
            [[workloads]]
            function = "api"
            arrivals = {{ process = "constant", rate = 200 }}
            "#
        )
    };
    let (s, rec) = record(&text(true));
    let f = s.functions.get("api").unwrap();
    let frac = f.spillover as f64 / f.requests as f64;
    assert!((frac - 0.75).abs() < 0.001, "spillover {frac}");
    // In each measured minute, 50 a second on provisioned environments.
    for r in &rec.rows[2..] {
        assert_eq!(r.arrivals - r.spillover, 50 * 60, "{r:?}");
    }
    let (s, _) = record(&text(false));
    assert_eq!(s.functions.get("api").unwrap().spillover, 0);
}
