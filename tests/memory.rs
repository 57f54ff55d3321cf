//! Memory as CPU: durations against the CPU share Lambda gives per MB (one vCPU at 1,769 MB),
//! measured profiles (Power Tuning results and CSV), and `faasim tune`'s picks against the same
//! computation by hand.

mod common;
use common::{faasim, ok, run, temp_dir};

/// A function of `work` ms at 1,769 MB (`cpu_fraction`, `threads`), at `memory` MB: its mean
/// execution time in ms.
fn duration_at(memory: u32, cpu_fraction: f64, threads: u32, work: &str) -> f64 {
    let s = run(&format!(
        r#"
        [simulation]
        duration = "5m"
        seed = 3
        [[functions]]
        name = "f"
        memory_mb = {memory}
        timeout = "15m"
        duration = {{ dist = "constant", value = "{work}" }}
        cpu = {{ reference_memory_mb = 1769, cpu_fraction = {cpu_fraction}, threads = {threads} }}
        [[workloads]]
        function = "f"
        arrivals = {{ process = "constant", rate = 1 }}
        "#
    ));
    let f = s.functions.get("f").unwrap();
    assert!(
        f.invocations > 200,
        "{memory} MB: {} invocations",
        f.invocations
    );
    f.duration_ms
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1e-9),
        "{what}: got {got}, want {want}"
    );
}

#[test]
fn cpu_bound_work_halves_with_memory_until_one_vcpu() {
    let d = |m| duration_at(m, 1.0, 1, "1s");
    // 1,000 ms at one vCPU; m / 1,769 of a vCPU below it.
    close(d(512), 1000.0 * 1769.0 / 512.0, 1e-6, "512 MB");
    close(d(1024), 1000.0 * 1769.0 / 1024.0, 1e-6, "1,024 MB");
    close(d(512) / d(1024), 2.0, 1e-6, "512 → 1,024 MB");
    // One thread uses one vCPU: nothing more from 1,769 MB up.
    for m in [1769, 3008, 10240] {
        close(d(m), 1000.0, 1e-6, &format!("{m} MB"));
    }
}

#[test]
fn two_threads_speed_up_until_two_vcpus() {
    let d = |m| duration_at(m, 1.0, 2, "1s");
    close(d(3538), 500.0, 1e-6, "3,538 MB");
    close(d(2654), 1000.0 * 1769.0 / 2654.0, 1e-6, "2,654 MB");
    assert!(d(3008) > d(3538));
    for m in [5000, 10240] {
        close(d(m), 500.0, 1e-6, &format!("{m} MB"));
    }
}

#[test]
fn io_bound_work_does_not_change_and_a_mix_scales_its_cpu_part() {
    for m in [128, 512, 1769, 10240] {
        close(
            duration_at(m, 0.0, 1, "400ms"),
            400.0,
            1e-6,
            &format!("{m} MB"),
        );
    }
    // 40 % on the CPU: 240 ms waiting plus 160 ms × 1,769 / 256.
    close(
        duration_at(256, 0.4, 1, "400ms"),
        240.0 + 160.0 * 1769.0 / 256.0,
        1e-6,
        "256 MB",
    );
}

/// Power Tuning's price of one invocation by hand: its duration rounded up to 1 ms, at the
/// x86 price per GB-second.
fn price(duration_ms: f64, memory: u32) -> f64 {
    duration_ms.ceil() * memory as f64 / 1024.0 * 0.000_016_666_7 / 1000.0
}

/// The cheapest size by hand (ties: the faster), as Power Tuning's `cost` strategy picks.
fn cheapest(sizes: &[(u32, f64)]) -> u32 {
    let mut best = sizes[0];
    for &(m, d) in &sizes[1..] {
        let (p, pb) = (price(d, m), price(best.1, best.0));
        if p < pb || (p == pb && d < best.1) {
            best = (m, d);
        }
    }
    best.0
}

/// `faasim tune` on `scenario` (written into `dir`) at `sizes`: tune.json.
fn tune(dir: &std::path::Path, scenario: &str, sizes: &str) -> serde_json::Value {
    std::fs::write(dir.join("s.toml"), scenario).unwrap();
    let o = faasim(
        &[
            "tune",
            "s.toml",
            "--memory",
            sizes,
            "--replications",
            "2",
            "--jobs",
            "2",
            "--out",
            "out",
            "--quiet",
            "--no-plots",
        ],
        dir,
    );
    ok(&o);
    serde_json::from_str(&std::fs::read_to_string(dir.join("out/tune.json")).unwrap()).unwrap()
}

/// Each size's (memory, averageDuration, averagePrice) in a tune.json.
fn stats(doc: &serde_json::Value) -> Vec<(u32, f64, f64)> {
    doc["stats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["value"].as_u64().unwrap() as u32,
                s["averageDuration"].as_f64().unwrap(),
                s["averagePrice"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn tune_picks_the_size_a_hand_computation_finds_cheapest() {
    let dir = temp_dir("tune-cpu");
    // 90 ms at one vCPU, all of it on the CPU: the same compute at every size up to 1,769 MB
    // but for the rounding up to 1 ms, which decides. Arrivals stop a minute before the end, so
    // that every invocation ends (and is billed whole) in the window.
    let scenario = r#"
        [simulation]
        duration = "10m"
        seed = 5
        [[functions]]
        name = "api"
        timeout = "30s"
        duration = { dist = "constant", value = "90ms" }
        cpu = { reference_memory_mb = 1769 }
        [[workloads]]
        function = "api"
        arrivals = { process = "poisson", rate = 5, end = "9m" }
        "#;
    let doc = tune(&dir, scenario, "128,192,256,384,512,1024,1769,3008");
    let mut by_hand = Vec::new();
    for (m, d, p) in stats(&doc) {
        let want = 90.0 * 1769.0 / m.min(1769) as f64;
        close(d, want, 1e-6, &format!("duration at {m} MB"));
        close(p, price(want, m), 1e-7, &format!("price at {m} MB"));
        by_hand.push((m, want));
    }
    // 1,769 MB: 90 ms exactly, nothing lost to rounding (512 MB comes within 0.014 %).
    assert_eq!(cheapest(&by_hand), 1769);
    assert_eq!(doc["power"].as_u64().unwrap() as u32, cheapest(&by_hand));
    assert_eq!(doc["strategy"], "cost");
}

/// A Power Tuning result made by hand in its documented format: per-size average durations
/// falling faster than 1 / memory at small sizes (a memory-starved runtime), prices as Power
/// Tuning computes them (the rounded-up average × $2.1e-9 per ms at 128 MB, scaled by memory).
const POWER_TUNING: &str = r#"{
  "power": 512,
  "cost": 0.0000025200,
  "duration": 299.1,
  "stateMachine": {"executionCost": 0.00045, "lambdaCost": 0.0003, "visualization": "https://lambda-power-tuning.show/#"},
  "stats": [
    {"value": 128, "averagePrice": 0.0000050421, "averageDuration": 2400.2},
    {"value": 256, "averagePrice": 0.0000029400, "averageDuration": 699.7},
    {"value": 512, "averagePrice": 0.0000025200, "averageDuration": 299.1},
    {"value": 1024, "averagePrice": 0.0000031920, "averageDuration": 189.5},
    {"value": 2048, "averagePrice": 0.0000057120, "averageDuration": 169.4}
  ]
}"#;

#[test]
fn a_power_tuning_result_is_reproduced_and_its_cheapest_size_picked() {
    let dir = temp_dir("tune-profile");
    std::fs::write(dir.join("powertuning.json"), POWER_TUNING).unwrap();
    let scenario = r#"
        [simulation]
        duration = "10m"
        seed = 9
        [[functions]]
        name = "api"
        timeout = "10s"
        duration_profile = "powertuning.json"
        [[workloads]]
        function = "api"
        arrivals = { process = "poisson", rate = 2 }
        "#;
    let doc = tune(&dir, scenario, "128,256,512,1024,2048");
    let file: serde_json::Value = serde_json::from_str(POWER_TUNING).unwrap();
    let theirs = stats(&file);
    let ours = stats(&doc);
    assert_eq!(ours.len(), theirs.len());
    for ((m, d, p), (m2, d2, p2)) in ours.iter().zip(&theirs) {
        assert_eq!(m, m2);
        close(*d, *d2, 0.01, &format!("averageDuration at {m} MB"));
        close(*p, *p2, 0.01, &format!("averagePrice at {m} MB"));
    }
    // Cheapest in the middle, as the file's own `power` says.
    assert_eq!(doc["power"], file["power"]);
    // tune.json is itself a profile: a scenario reading it gives the same durations.
    std::fs::copy(dir.join("out/tune.json"), dir.join("again.json")).unwrap();
    let again = tune(
        &dir,
        &scenario.replace("powertuning.json", "again.json"),
        "128,256,512,1024,2048",
    );
    for ((_, d, _), (_, d2, _)) in stats(&again).iter().zip(&ours) {
        close(*d, *d2, 1e-6, "a tune.json read back");
    }
}

#[test]
fn between_measured_sizes_a_profile_interpolates_in_one_over_memory() {
    let dir = temp_dir("profile-between");
    std::fs::write(dir.join("p.json"), POWER_TUNING).unwrap();
    // A CSV of measurements: at 512 MB 100–300 ms, at 1,024 MB 50–150 ms (uniform-ish).
    let mut csv = String::from("memory_mb,duration_ms,note\n");
    for i in 0..=100 {
        csv.push_str(&format!("512,{},a\n", 100 + 2 * i));
        csv.push_str(&format!("1024,{},b\n", 50 + i));
    }
    std::fs::write(dir.join("p.csv"), csv).unwrap();
    let at = |file: &str, m: u32| {
        let text = format!(
            r#"
            [simulation]
            duration = "20m"
            seed = 4
            [[functions]]
            name = "f"
            memory_mb = {m}
            timeout = "10s"
            duration_profile = "{file}"
            [[workloads]]
            function = "f"
            arrivals = {{ process = "poisson", rate = 20 }}
            "#
        );
        std::fs::write(dir.join("s.toml"), text).unwrap();
        let o = faasim(
            &["run", "s.toml", "--out", "o", "--quiet", "--no-plots"],
            &dir,
        );
        ok(&o);
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("o/summary.json")).unwrap())
                .unwrap();
        s["functions"]["f"]["duration_ms"].as_f64().unwrap()
    };
    // 768 MB lies halfway in 1/memory between 512 and 1,024? w = (1/768 − 1/512)/(1/1024 − 1/512) = 2/3.
    let w = (1.0 / 768.0 - 1.0 / 512.0) / (1.0 / 1024.0 - 1.0 / 512.0);
    close(
        at("p.json", 768),
        (1.0 - w) * 299.1 + w * 189.5,
        1e-6,
        "averages at 768 MB",
    );
    // Measurements: the means 200 and 100 ms mix the same way (sampling error ≈ 0.3 %).
    close(
        at("p.csv", 768),
        (1.0 - w) * 200.0 + w * 100.0,
        0.01,
        "measurements at 768 MB",
    );
    close(at("p.csv", 512), 200.0, 0.01, "measurements at 512 MB");
}
