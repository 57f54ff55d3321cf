//! The EC2 Auto Scaling group platform: queueing against Erlang C, warm pools, scaling alarms,
//! warmup and cooldowns, billing, health replacement and the conservation of requests.

mod common;

use common::{by_request, erlang_c, record, rel_err, run, scenario};
use proptest::prelude::*;
use sim_core::{Nanos, NoFiles, Observer, Outcome, SampleRow, Simulation, Summary};

/// Keeps the time series and every scaling activity (time in seconds, from, to, policy).
#[derive(Default)]
struct Watch {
    rows: Vec<SampleRow>,
    acts: Vec<(f64, u32, u32, String)>,
}

impl Observer for Watch {
    fn sample(&mut self, row: &SampleRow) {
        self.rows.push(*row);
    }
    fn scaling(&mut self, time: Nanos, _f: u32, from: u32, to: u32, why: &str) {
        self.acts
            .push((time.as_secs_f64(), from, to, why.to_string()));
    }
}

fn watch(text: &str) -> (Summary, Watch) {
    let mut w = Watch::default();
    let out = Simulation::new(&scenario(text), &NoFiles)
        .expect("valid scenario")
        .run(&mut w)
        .expect("runs");
    assert_eq!(out.late_events, 0, "an event was scheduled in the past");
    (out.summary, w)
}

/// A fixed group of `instances` × `slots` slots (no scaling), exponential service with mean 1 s,
/// Poisson arrivals at `rate` per second, an unbounded queue.
fn fixed_group(instances: u32, slots: u32, rate: f64, hours: u32, seed: u64) -> String {
    format!(
        r#"
        [simulation]
        duration = "{hours}h"
        warmup = "10m"
        seed = {seed}
        [[functions]]
        name = "web"
        platform = "asg"
        timeout = "15m"
        duration = {{ dist = "exponential", mean = "1s" }}
        [functions.asg]
        slots = {slots}
        min = {instances}
        max = {instances}
        queue_length = 10000000
        queue_timeout = "15m"
        [[workloads]]
        function = "web"
        arrivals = {{ process = "poisson", rate = {rate} }}
        "#
    )
}

#[test]
fn queueing_matches_erlang_c() {
    // (instances, slots per instance, offered load in erlangs)
    for (n, slots, a) in [(5u32, 2u32, 8.0), (10, 2, 14.0), (4, 1, 2.0)] {
        let c = n * slots;
        let s = run(&fixed_group(n, slots, a, 60, 11));
        let g = s.functions.get("web").unwrap().asg.clone().unwrap();
        let p_wait = erlang_c(c, a);
        // Mean wait of M/M/c: C(c, a) / (c μ − λ), μ = 1/s.
        let wait_ms = p_wait / (c as f64 - a) * 1e3;
        println!(
            "c={c} a={a}: P(wait) {:.4} vs {p_wait:.4}, mean wait {:.1} ms vs {wait_ms:.1} ms, utilization {:.4} vs {:.4}",
            g.wait_probability,
            g.mean_queue_wait_ms,
            g.utilization,
            a / c as f64
        );
        assert!(rel_err(g.wait_probability, p_wait) < 0.03);
        assert!(rel_err(g.mean_queue_wait_ms, wait_ms) < 0.03);
        assert!(rel_err(g.utilization, a / c as f64) < 0.01);
        // Little's law on the queue: mean length = arrival rate × mean wait.
        assert!(rel_err(g.mean_queue_length, a * g.mean_queue_wait_ms / 1e3) < 0.02);
        assert_eq!(s.total.outcomes.throttled + s.total.outcomes.timed_out, 0);
    }
}

/// A group at 4 instances × 4 slots with a target tracking policy on CPU (50 %), serving 40
/// requests per second (100 ms each) until a step to 180 per second at 20 minutes.
fn step_scenario(pool: &str, warmup: &str) -> String {
    format!(
        r#"
        [simulation]
        duration = "1h"
        sample_interval = "1s"
        seed = 5
        [[functions]]
        name = "web"
        platform = "asg"
        timeout = "15m"
        duration = {{ dist = "exponential", mean = "100ms" }}
        [functions.asg]
        slots = 4
        min = 4
        max = 40
        queue_length = 1000000
        queue_timeout = "15m"
        instance_warmup = "{warmup}"
        policies = [{{ type = "target_tracking", metric = "cpu", target = 50 }}]
        {pool}
        [[workloads]]
        function = "web"
        arrivals = {{ process = "poisson", rate = 40 }}
        [[workloads]]
        function = "web"
        arrivals = {{ process = "poisson", rate = 140, start = "20m" }}
        "#
    )
}

/// Seconds from the first scale-out until the in-service count reaches its new desired
/// capacity, and the p99 latency over the 15 minutes after the step (worst per-second p99).
fn first_scale_out(w: &Watch) -> (f64, f64, f64) {
    let (t0, _, to, _) = w
        .acts
        .iter()
        .find(|a| a.2 > a.1)
        .cloned()
        .expect("a scale-out");
    let reached = w
        .rows
        .iter()
        .map(|r| (r.time.as_secs_f64() + r.span.as_secs_f64(), r.asg.unwrap()))
        .find(|(t, g)| *t > t0 && g.in_service >= to as u64)
        .expect("capacity reached")
        .0;
    let worst = w
        .rows
        .iter()
        .filter(|r| (1200.0..2100.0).contains(&r.time.as_secs_f64()))
        .map(|r| r.p99_latency_ms)
        .fold(0.0, f64::max);
    (t0, reached - t0, worst)
}

#[test]
fn a_warm_pool_absorbs_a_step() {
    let (cold_s, cold) = watch(&step_scenario("", "300s"));
    let (warm_s, warm) = watch(&step_scenario(
        "warm_pool = { pool_state = \"stopped\", max_group_prepared_capacity = 20 }",
        "300s",
    ));
    let (t_cold, d_cold, p99_cold) = first_scale_out(&cold);
    let (t_warm, d_warm, p99_warm) = first_scale_out(&warm);
    println!(
        "no pool: scale-out at {t_cold} s, capacity after {d_cold} s, worst p99 {p99_cold:.0} ms"
    );
    println!(
        "warm pool: scale-out at {t_warm} s, capacity after {d_warm} s, worst p99 {p99_warm:.0} ms"
    );
    // Launch 243 s, warm start 36 s (docs/sources.md: S27); rows are 1 s apart.
    assert!((d_cold - 243.0).abs() <= 1.0, "{d_cold}");
    assert!((d_warm - 36.0).abs() <= 1.0, "{d_warm}");
    assert!(p99_warm < 0.7 * p99_cold, "{p99_warm} vs {p99_cold}");
    let (cold_g, warm_g) = (
        cold_s.functions.get("web").unwrap().asg.clone().unwrap(),
        warm_s.functions.get("web").unwrap().asg.clone().unwrap(),
    );
    assert!(warm_g.warm_starts > 0 && cold_g.warm_starts == 0);
    assert!(warm_s.total.latency_ms.p99 < cold_s.total.latency_ms.p99);
}

#[test]
fn scale_out_waits_for_three_datapoints() {
    let (_, w) = watch(&step_scenario("", "300s"));
    let first = w.acts.iter().find(|a| a.2 > a.1).unwrap().0;
    // The step comes at 20 minutes, on a metric period boundary: the 20–21, 21–22 and 22–23
    // minute datapoints must all be above target first.
    assert!(first >= 1200.0 + 180.0, "first scale-out at {first} s");
    assert!(
        first <= 1200.0 + 180.0 + 60.0,
        "first scale-out at {first} s"
    );
    // With a metric delay, later by the delay.
    let delayed = step_scenario("", "300s").replace(
        "instance_warmup = \"300s\"",
        "instance_warmup = \"300s\"\n        metric_delay = \"90s\"",
    );
    let (_, w) = watch(&delayed);
    let first_delayed = w.acts.iter().find(|a| a.2 > a.1).unwrap().0;
    assert_eq!(first_delayed, first + 90.0);
}

/// Load at 150 per second until 6 minutes, then 10 per second; target tracking that would scale
/// in after one low datapoint; launches take 60 s.
fn drop_scenario(warmup: &str) -> String {
    format!(
        r#"
        [simulation]
        duration = "1h"
        seed = 9
        [[functions]]
        name = "web"
        platform = "asg"
        duration = {{ dist = "exponential", mean = "100ms" }}
        [functions.asg]
        slots = 4
        min = 2
        max = 40
        desired = 4
        launch_time = {{ dist = "constant", value = "60s" }}
        instance_warmup = "{warmup}"
        policies = [{{ type = "target_tracking", metric = "cpu", target = 50, scale_in_datapoints = 1 }}]
        [[workloads]]
        function = "web"
        arrivals = {{ process = "poisson", rate = 10 }}
        [[workloads]]
        function = "web"
        arrivals = {{ process = "poisson", rate = 140, end = "6m" }}
        "#
    )
}

#[test]
fn no_scale_in_during_instance_warmup() {
    for (warmup, secs) in [("600s", 600.0), ("0s", 0.0)] {
        let (_, w) = watch(&drop_scenario(warmup));
        let last_out = w
            .acts
            .iter()
            .filter(|a| a.2 > a.1)
            .map(|a| a.0)
            .fold(0.0, f64::max);
        let first_in = w.acts.iter().find(|a| a.2 < a.1).expect("a scale-in").0;
        println!("warmup {warmup}: last scale-out {last_out} s, first scale-in {first_in} s");
        assert!(last_out > 0.0);
        if secs > 0.0 {
            // Launched at the last scale-out, in service 60 s later, warm `secs` after that.
            assert!(first_in >= last_out + 60.0 + secs, "{first_in}");
        } else {
            // Without warmup the low datapoint right after the drop scales in (the control).
            assert!(first_in < last_out + 60.0 + 600.0, "{first_in}");
        }
    }
}

#[test]
fn simple_scaling_honours_its_cooldown() {
    let text = r#"
        [simulation]
        duration = "2h"
        seed = 4
        [[functions]]
        name = "web"
        platform = "asg"
        timeout = "15m"
        duration = { dist = "exponential", mean = "1s" }
        [functions.asg]
        slots = 2
        min = 2
        max = 60
        launch_time = { dist = "constant", value = "100s" }
        queue_length = 1000000
        queue_timeout = "15m"
        policies = [{ type = "simple", name = "add-two", metric = "cpu", comparison = "above", threshold = 70, adjustment = 2, cooldown = "300s" }]
        [[workloads]]
        function = "web"
        arrivals = { process = "poisson", rate = 40 }
    "#;
    let (_, w) = watch(text);
    let outs: Vec<f64> = w
        .acts
        .iter()
        .filter(|a| a.3 == "add-two")
        .map(|a| a.0)
        .collect();
    println!("simple scale-outs at {outs:?}");
    assert!(outs.len() >= 5, "{outs:?}");
    for p in outs.windows(2) {
        // Each waits for the launch to complete (100 s), then the cooldown (300 s).
        assert!(p[1] - p[0] >= 400.0, "{outs:?}");
        assert!(p[1] - p[0] <= 400.0 + 60.0, "{outs:?}");
    }
    assert!(w.acts.iter().all(|a| a.2 == a.1 + 2));
}

#[test]
fn step_scaling_picks_the_band() {
    let text = r#"
        [simulation]
        duration = "30m"
        seed = 2
        [[functions]]
        name = "web"
        platform = "asg"
        timeout = "15m"
        duration = { dist = "exponential", mean = "1s" }
        [functions.asg]
        slots = 1
        min = 10
        max = 100
        queue_length = 1000000
        queue_timeout = "15m"
        [[functions.asg.policies]]
        type = "step"
        name = "steps"
        metric = "cpu"
        comparison = "above"
        threshold = 60
        steps = [{ upper = 20, adjustment = 1 }, { lower = 20, upper = 35, adjustment = 3 }, { lower = 35, adjustment = 7 }]
        [[workloads]]
        function = "web"
        arrivals = { process = "poisson", rate = 30 }
    "#;
    let (_, w) = watch(text);
    // 30 erlangs on 10 slots: CPU 100 %, 40 above the threshold: the third band, +7, from the
    // ten warm instances; while the 7 launch, the same band adds nothing more.
    let first = &w.acts[0];
    assert_eq!((first.0, first.1, first.2), (60.0, 10, 17), "{:?}", w.acts);
    assert!(
        w.acts.iter().filter(|a| a.0 < 60.0 + 243.0).count() == 1,
        "{:?}",
        w.acts
    );
}

#[test]
fn scheduled_actions_set_the_capacity() {
    let text = r#"
        [simulation]
        duration = "3h"
        [[functions]]
        name = "web"
        platform = "asg"
        duration = { dist = "constant", value = "10ms" }
        [functions.asg]
        min = 1
        max = 10
        launch_time = { dist = "constant", value = "30s" }
        schedule = [{ at = "1h", desired = 6 }, { at = "2h", min = 2, desired = 2 }]
        [[workloads]]
        function = "web"
        arrivals = { process = "poisson", rate = 1 }
    "#;
    let (s, w) = watch(text);
    let acts: Vec<_> = w.acts.iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(acts, vec![(3600.0, 1, 6), (7200.0, 6, 2)]);
    let at = |t: f64| {
        w.rows
            .iter()
            .find(|r| r.time.as_secs_f64() == t)
            .unwrap()
            .asg
            .unwrap()
    };
    assert_eq!(at(3600.0).in_service, 6, "in service 30 s after 1h");
    assert_eq!(at(7200.0).in_service, 2);
    let g = s.functions.get("web").unwrap().asg.clone().unwrap();
    assert_eq!((g.launches, g.terminations, g.desired), (5, 4, 2));
}

#[test]
fn billing_matches_a_hand_computed_schedule() {
    // Two instances and a Stopped warm pool of 4 − desired. 10 min: desired 3, a warm start.
    // 30 min: desired 2, one terminates, a launch refills the pool (243 s running). 40 min:
    // desired 3, a warm start; 40.5 min: desired 2, the pending warm start is cancelled after
    // 30 s (billed 60 s) and another launch refills the pool.
    let text = r#"
        [simulation]
        duration = "1h"
        [[functions]]
        name = "web"
        platform = "asg"
        duration = { dist = "constant", value = "1ms" }
        [functions.asg]
        instance_type = "m5.large"
        min = 1
        max = 10
        desired = 2
        volume_gb = 8
        warm_pool = { max_group_prepared_capacity = 4 }
        schedule = [{ at = "10m", desired = 3 }, { at = "30m", desired = 2 }, { at = "40m", desired = 3 }, { at = "2430s", desired = 2 }]
        [[workloads]]
        function = "web"
        arrivals = { process = "constant", rate = 1, start = "1h" }
    "#;
    let s = run(text);
    let m = s.functions.get("web").unwrap();
    let c = m.cost_usd.ec2_parts.unwrap();
    let hourly = 0.096;
    let ebs = 0.08 / (730.0 * 3600.0) * 8.0;
    // Group instance-seconds: the two initial ones (one until 30 min) 1800 + 3600, the first
    // warm start 600 → 3600, the cancelled one 60 (minimum).
    let group_s = 1800.0 + 3600.0 + 3000.0 + 60.0;
    // Pool instances running while they launch into the pool: twice 243 s.
    let pool_s = 2.0 * 243.0;
    // EBS: group instances 1800 + 3600 + 3000 + 30 instance-seconds; pool instances: the
    // initial two (one until 10 min) 600 + 3600, the refill of 30 min until its warm start at
    // 40 min 600, the refill of 40.5 min until the end 1170.
    let group_ebs_s = 1800.0 + 3600.0 + 3000.0 + 30.0;
    let pool_ebs_s = 600.0 + 3600.0 + 600.0 + 1170.0;
    let want = [
        (c.instances, group_s / 3600.0 * hourly),
        (c.warm_pool_instances, pool_s / 3600.0 * hourly),
        (c.ebs, group_ebs_s * ebs),
        (c.warm_pool_ebs, pool_ebs_s * ebs),
    ];
    println!("{c:?}");
    for (got, want) in want {
        assert!(rel_err(got, want) < 1e-3, "{got} vs {want}");
    }
    assert!(rel_err(m.cost_usd.ec2, want.iter().map(|w| w.1).sum()) < 1e-3);
    assert_eq!(m.cost_usd.total, m.cost_usd.ec2);
    let g = m.asg.clone().unwrap();
    assert_eq!((g.warm_starts, g.launches), (2, 0));
}

#[test]
fn hibernated_and_running_pools_cost_what_they_keep() {
    let base = |state: &str| {
        format!(
            r#"
            [simulation]
            duration = "1h"
            [[functions]]
            name = "web"
            platform = "asg"
            duration = {{ dist = "constant", value = "1ms" }}
            [functions.asg]
            instance_type = "c6g.large"
            min = 1
            max = 3
            warm_pool = {{ pool_state = "{state}" }}
            [[workloads]]
            function = "web"
            arrivals = {{ process = "constant", rate = 1, start = "1h" }}
            "#
        )
    };
    let ebs = 0.08 / (730.0 * 3600.0);
    // A pool of max − desired = 2 instances for the hour.
    let hib = run(&base("hibernated")).total.cost_usd.ec2_parts.unwrap();
    assert!(rel_err(hib.warm_pool_ebs, 2.0 * 3600.0 * (8.0 + 4.0) * ebs) < 1e-6);
    assert_eq!(hib.warm_pool_instances, 0.0);
    let running = run(&base("running")).total.cost_usd.ec2_parts.unwrap();
    assert!(rel_err(running.warm_pool_instances, 2.0 * 0.068) < 1e-6);
    assert!(rel_err(running.warm_pool_ebs, 2.0 * 3600.0 * 8.0 * ebs) < 1e-6);
    let stopped = run(&base("stopped")).total.cost_usd.ec2_parts.unwrap();
    assert!(rel_err(stopped.warm_pool_ebs, 2.0 * 3600.0 * 8.0 * ebs) < 1e-6);
    assert!(rel_err(stopped.instances, 0.068) < 1e-6);
}

#[test]
fn failed_instances_are_replaced() {
    let text = r#"
        [simulation]
        duration = "100h"
        seed = 8
        [[functions]]
        name = "web"
        platform = "asg"
        duration = { dist = "exponential", mean = "200ms" }
        [functions.asg]
        min = 20
        max = 20
        mtbf = "10h"
        health_check_grace = "0s"
        launch_time = { dist = "constant", value = "60s" }
        [[workloads]]
        function = "web"
        arrivals = { process = "poisson", rate = 20 }
    "#;
    let (s, w) = watch(text);
    let m = s.functions.get("web").unwrap();
    let g = m.asg.clone().unwrap();
    // 20 instances for 100 hours with a 10-hour MTBF (a minute's downtime each): about 200
    // (Poisson, standard deviation 14).
    println!("crashes {}, replacements {}", m.crashes, g.replacements);
    assert!((158..=242).contains(&m.crashes), "{}", m.crashes);
    assert!(g.replacements >= m.crashes - 1 && g.replacements <= m.crashes);
    assert!(
        m.outcomes.failed > 0,
        "requests in flight fail with their instance"
    );
    assert_eq!(m.outcomes.total(), m.requests);
    // Capacity comes back: never more than 20 in service, and back to 20 at the end.
    assert!(w.rows.iter().all(|r| r.asg.unwrap().in_service <= 20));
    assert!(g.mean_in_service > 19.5, "{}", g.mean_in_service);
}

#[test]
fn instances_are_replaced_at_their_maximum_lifetime() {
    let text = r#"
        [simulation]
        duration = "36h"
        sample_interval = "10m"
        [[functions]]
        name = "web"
        platform = "asg"
        duration = { dist = "constant", value = "10ms" }
        [functions.asg]
        min = 3
        max = 3
        max_instance_lifetime = "1d"
        [[workloads]]
        function = "web"
        arrivals = { process = "poisson", rate = 1 }
    "#;
    let s = run(text);
    let g = s.functions.get("web").unwrap().asg.clone().unwrap();
    assert_eq!((g.replacements, g.launches, g.terminations), (3, 3, 3));
}

#[test]
fn a_zone_outage_takes_instances_down() {
    let text = r#"
        [simulation]
        duration = "1h"
        seed = 21
        [[functions]]
        name = "web"
        platform = "asg"
        duration = { dist = "exponential", mean = "500ms" }
        [functions.asg]
        slots = 2
        min = 30
        max = 30
        health_check_grace = "0s"
        [[workloads]]
        function = "web"
        arrivals = { process = "poisson", rate = 40 }
        [[incidents]]
        name = "zone"
        start = "20m"
        end = "40m"
        capacity_lost = 0.33
    "#;
    let (s, w) = watch(text);
    let m = s.functions.get("web").unwrap();
    let at = |t: f64| {
        w.rows
            .iter()
            .find(|r| r.time.as_secs_f64() == t)
            .unwrap()
            .asg
            .unwrap()
    };
    let before = at(1140.0).in_service;
    let during = at(1200.0).in_service;
    println!(
        "in service before {before}, just after {during}, crashes {}",
        m.crashes
    );
    assert_eq!(before, 30);
    assert!((4..=18).contains(&m.crashes), "{}", m.crashes);
    // Replacements launch at once and take 243 s.
    assert_eq!(during, 30 - m.crashes);
    assert_eq!(at(1200.0 + 300.0).in_service, 30);
}

/// Every request ends in exactly one outcome, the group never has more instances counting
/// toward capacity than its maximum, and a run is a function of its scenario and seed.
/// One random configuration of the conservation property.
#[derive(Clone, Debug)]
struct Case {
    seed: u64,
    rate: f64,
    slots: u32,
    pool: bool,
    reuse: bool,
    mtbf_h: Option<u32>,
    retry: bool,
    error_p: f64,
    outage: bool,
}

fn conserve(c: Case) -> Result<(), TestCaseError> {
    let Case {
        seed,
        rate,
        slots,
        pool,
        reuse,
        mtbf_h,
        retry,
        error_p,
        outage,
    } = c;
    let text = format!(
        r#"
        [simulation]
        duration = "2h"
        warmup = "5m"
        seed = {seed}
        [[retry_policies]]
        name = "sdk"
        preset = "aws-sdk-standard"
        [[functions]]
        name = "web"
        platform = "asg"
        timeout = "5s"
        error_probability = {error_p}
        duration = {{ dist = "lognormal", median = "150ms", p99 = "2s" }}
        [functions.asg]
        slots = {slots}
        min = 1
        max = 12
        desired = 2
        queue_length = 50
        queue_timeout = "3s"
        deregistration_delay = "20s"
        health_check_grace = "60s"
        launch_time = {{ dist = "uniform", min = "20s", max = "120s" }}
        {mtbf}
        {pool}
        policies = [
          {{ type = "target_tracking", metric = "cpu", target = 60 }},
          {{ type = "target_tracking", metric = "requests_per_target", target = 600 }},
          {{ type = "step", metric = "queue_length", comparison = "above", threshold = 5, steps = [{{ adjustment = 1 }}] }},
        ]
        schedule = [{{ at = "40m", every = "30m", desired = 1 }}]
        [[workloads]]
        function = "web"
        {retry}
        arrivals = {{ process = "poisson", rate = {rate} }}
        [[workloads]]
        function = "web"
        arrivals = {{ process = "poisson", rate = {rate}, start = "30m", end = "50m" }}
        {outage}
        "#,
        mtbf = mtbf_h
            .map(|h| format!("mtbf = \"{h}h\""))
            .unwrap_or_default(),
        pool = if pool {
            format!("warm_pool = {{ min_size = 1, reuse_on_scale_in = {reuse} }}")
        } else {
            String::new()
        },
        retry = if retry { "retry = \"sdk\"" } else { "" },
        outage = if outage {
            "[[incidents]]\nstart = \"35m\"\nend = \"45m\"\ncapacity_lost = 0.5\nlatency_multiplier = 2"
        } else {
            ""
        },
    );
    let (s, w) = watch(&text);
    let m = s.functions.get("web").unwrap();
    prop_assert_eq!(m.outcomes.total(), m.requests, "{:?}", m.outcomes);
    prop_assert!(m.attempts >= m.requests);
    if !retry {
        prop_assert_eq!(m.attempts, m.requests);
    }
    for r in &w.rows {
        let g = r.asg.unwrap();
        prop_assert!(g.in_service + g.pending <= 12, "{:?}", g);
        prop_assert!(g.desired <= 12 && g.desired >= 1);
        prop_assert!(g.queue_length <= 50);
        prop_assert!(g.utilization <= 1.0 + 1e-9);
    }
    prop_assert!(w.acts.iter().all(|a| a.2 <= 12 && a.2 >= 1 && a.1 != a.2));
    let (again, w2) = watch(&text);
    prop_assert_eq!(&s, &again);
    prop_assert_eq!(w.acts, w2.acts);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn every_request_ends_once_on_a_group(
        seed in 0u64..1000,
        rate in 1.0f64..80.0,
        slots in 1u32..6,
        pool in any::<bool>(),
        reuse in any::<bool>(),
        mtbf in prop::option::of(1u32..5),
        retry in any::<bool>(),
        error_p in prop::sample::select(vec![0.0, 0.0, 0.05]),
        outage in any::<bool>(),
    ) {
        conserve(Case { seed, rate, slots, pool, reuse, mtbf_h: mtbf, retry, error_p, outage })?;
    }
}

#[test]
fn bad_group_settings_are_named() {
    for (text, key) in [
        ("min = 5\nmax = 2", "functions.web.asg.min"),
        ("max = 4\ndesired = 9", "functions.web.asg.desired"),
        (
            "max = 4\ninstance_type = \"x9.huge\"",
            "functions.web.asg.vcpus",
        ),
        (
            "max = 4\nmax_instance_lifetime = \"2h\"",
            "functions.web.asg.max_instance_lifetime",
        ),
        (
            "max = 4\npolicies = [{ type = \"target_tracking\", metric = \"cpu\" }]",
            "functions.web.asg.policies.0.target",
        ),
        (
            "max = 4\npolicies = [{ type = \"simple\", metric = \"cpu\", comparison = \"above\", threshold = 5 }]",
            "functions.web.asg.policies.0.adjustment",
        ),
    ] {
        let sc = scenario(&format!(
            r#"
            [simulation]
            duration = "1h"
            [[functions]]
            name = "web"
            platform = "asg"
            duration = {{ dist = "constant", value = "1s" }}
            [functions.asg]
            {text}
            [[workloads]]
            function = "web"
            arrivals = {{ process = "poisson", rate = 1 }}
            "#
        ));
        let e = sc.validate().unwrap_err();
        assert_eq!(e.key, key, "{e}");
    }
}

/// A group's failed attempts reach its client through the router, which retries each after
/// exactly its backoff: every attempt fails (`error_probability = 1`), the policy allows three
/// attempts 1.5 s apart with no jitter and no quota, and the group has a free slot for every
/// attempt. So each request makes exactly three attempts, its attempt k + 1 arrives 1.5 s after
/// attempt k ended, and it ends failed.
#[test]
fn a_group_retries_each_failed_attempt_after_its_backoff() {
    let text = r#"
        [simulation]
        duration = "20m"
        seed = 4
        [[retry_policies]]
        name = "fixed"
        max_attempts = 3
        base = "1500ms"
        cap = "1500ms"
        jitter = "none"
        [[functions]]
        name = "web"
        platform = "asg"
        timeout = "5s"
        error_probability = 1.0
        duration = { dist = "constant", value = "200ms" }
        [functions.asg]
        slots = 50
        min = 4
        max = 4
        queue_length = 10
        [[workloads]]
        function = "web"
        retry = "fixed"
        arrivals = { process = "poisson", rate = 20 }
    "#;
    let (s, rec) = record(text);
    let m = s.functions.get("web").unwrap();
    assert!(m.requests > 20_000, "{}", m.requests);
    // Requests still being retried when the run ends are in flight.
    let o = &m.outcomes;
    assert_eq!(o.total(), m.requests, "{o:?}");
    assert_eq!(o.succeeded + o.throttled + o.timed_out, 0, "{o:?}");
    assert!(o.in_flight <= 20 * 4, "{o:?}");
    let mut complete = 0;
    for (id, attempts) in by_request(&rec) {
        let n = attempts.len();
        assert!(n <= 3, "request {id}: {attempts:?}");
        for pair in attempts.windows(2) {
            let end = pair[0].end.expect("a failed attempt ends").0;
            assert_eq!(
                pair[1].arrival.0,
                end + 1_500_000_000,
                "request {id}: {attempts:?}"
            );
            assert_eq!(pair[1].attempt, pair[0].attempt + 1);
        }
        assert!(attempts.iter().all(|a| a.outcome == Outcome::Failed));
        complete += (n == 3) as u64;
    }
    // Each request that made its three attempts ended failed; the others are still in flight.
    assert_eq!(o.failed, complete, "{o:?}");
    assert_eq!(o.in_flight, m.requests - complete, "{o:?}");
    // Attempts still running at the end have no record yet.
    let running = m.attempts - rec.attempts.len() as u64;
    assert!(running <= o.in_flight, "{running} running, {o:?}");
}
