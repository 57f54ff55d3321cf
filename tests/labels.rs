//! A labelled trace replayed request by request: faasim's cold/warm beside the platform's label,
//! exact on a hand-made log.

mod common;
use common::{faasim, ok, temp_dir};

/// Six requests whose fate under a fixed 10-minute keep-alive is known by hand (1 s each):
///
/// | at (s) | logged | faasim | why |
/// |---|---|---|---|
/// | 0     | cold | cold | no environment yet |
/// | 60    | warm | warm | idle 59 s |
/// | 662   | warm | cold | idle 601 s > 600 s: reclaimed at 661 s |
/// | 700   | cold | warm | the environment of 662 s is idle |
/// | 800   | cold | warm | the same environment, idle 99 s; 10 s of work… |
/// | 801   | cold | cold | …so this one needs a second (reserved concurrency 1: throttled) |
const LOG: &str = "client_start_time,aws_duration,is_cold
1600000000.0,1000,True
1600000060.0,1000,False
1600000662.0,1000,False
1600000700.0,1000,True
1600000800.0,10000,True
1600000801.0,1000,True
";

fn scenario(extra: &str) -> String {
    format!(
        r#"name = "hand-made"
[simulation]
duration = "1h"
[[functions]]
name = "f"
duration = {{ dist = "constant", value = "1s" }}
cold_start = {{ dist = "constant", value = "0ms" }}
keep_alive = "10m"
{extra}
[[workloads]]
function = "f"
arrivals = {{ trace = "log.csv", format = "aws-lambda-log" }}
"#
    )
}

fn labels(extra: &str, name: &str) -> serde_json::Value {
    let dir = temp_dir(name);
    std::fs::write(dir.join("log.csv"), LOG).unwrap();
    std::fs::write(dir.join("s.toml"), scenario(extra)).unwrap();
    let o = faasim(&["run", "s.toml", "--out", "out", "--quiet"], &dir);
    ok(&o);
    let text = std::fs::read_to_string(dir.join("out/summary.json")).unwrap();
    let s: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(dir.join("out/cold_starts_vs_log.png").exists());
    let l = s["traces"][0]["labels"].clone();
    // Every labelled request in exactly one cell.
    let cells = [
        "cold_as_cold",
        "cold_as_warm",
        "cold_not_started",
        "warm_as_cold",
        "warm_as_warm",
        "warm_not_started",
    ];
    let sum: u64 = cells.iter().map(|c| l[c].as_u64().unwrap()).sum();
    assert_eq!(sum, 6);
    assert_eq!(l["requests"], 6);
    assert_eq!(s["requests"], 6);
    l
}

#[test]
fn the_label_comparison_is_exact_on_a_hand_made_log() {
    let l = labels("", "labels-free");
    let got: Vec<u64> = [
        "cold_as_cold",
        "cold_as_warm",
        "cold_not_started",
        "warm_as_cold",
        "warm_as_warm",
        "warm_not_started",
    ]
    .iter()
    .map(|c| l[c].as_u64().unwrap())
    .collect();
    assert_eq!(got, [2, 2, 0, 1, 1, 0]);
    assert_eq!(l["precision"].as_f64(), Some(2.0 / 3.0));
    assert_eq!(l["recall"].as_f64(), Some(0.5));
    assert_eq!(l["bin_s"].as_f64(), Some(3600.0));
    assert_eq!(l["logged_cold"], serde_json::json!([4]));
    assert_eq!(l["simulated_cold"], serde_json::json!([3]));
    assert_eq!(l["both_cold"], serde_json::json!([2]));
}

#[test]
fn a_throttled_labelled_request_is_counted_as_not_started() {
    let l = labels("reserved_concurrency = 1", "labels-reserved");
    assert_eq!(l["cold_as_cold"], 1);
    assert_eq!(l["cold_not_started"], 1);
    assert_eq!(l["cold_as_warm"], 2);
    assert_eq!(l["warm_as_cold"], 1);
    assert_eq!(l["warm_as_warm"], 1);
    assert_eq!(l["precision"].as_f64(), Some(0.5));
    assert_eq!(l["recall"].as_f64(), Some(0.25));
}
