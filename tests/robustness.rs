//! Inputs that once exhausted memory or ran without end, each kept as a regression test: every
//! one now exits 2 with a message naming the key or the file and line, or runs to a bounded
//! end with the expected number of requests.

mod common;
use common::{faasim, temp_dir};
use std::path::Path;
use std::process::Output;

const BASE: &str = r#"
[simulation]
duration = "1h"
sample_interval = "1m"
[[functions]]
name = "api"
duration = { dist = "constant", value = "10ms" }
[[workloads]]
function = "api"
arrivals = { process = "poisson", rate = 1 }
"#;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 2, with a message holding every one of `expect`.
fn refused(o: &Output, expect: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
}

/// Runs `scenario` (written as `s.toml` in `dir`) to the end: its summary.json.
fn run(dir: &Path, scenario: &str, extra: &[&str]) -> serde_json::Value {
    std::fs::write(dir.join("s.toml"), scenario).unwrap();
    let mut args = vec!["run", "s.toml", "--out", "o", "--quiet", "--no-plots"];
    args.extend(extra);
    let o = faasim(&args, dir);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.join("o/summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn with(arrivals: &str) -> String {
    BASE.replace("{ process = \"poisson\", rate = 1 }", arrivals)
}

#[test]
fn a_sweep_too_large_is_refused_from_its_keys() {
    let dir = temp_dir("big-sweep");
    std::fs::write(dir.join("s.toml"), BASE).unwrap();
    // 10^9 + 1 replications: refused before anything is allocated, with or without --max-runs.
    std::fs::write(
        dir.join("reps.sweep.toml"),
        "base = \"s.toml\"\nreplications = 1000000001\n",
    )
    .unwrap();
    refused(
        &faasim(&["validate", "reps.sweep.toml"], &dir),
        &["reps.sweep.toml", "replications", "1000000001"],
    );
    refused(
        &faasim(
            &["sweep", "reps.sweep.toml", "--max-runs", "1", "--quiet"],
            &dir,
        ),
        &["replications"],
    );
    // 5 keys of 100 values: 10^10 configurations, counted, not made.
    let values = |f: &dyn Fn(usize) -> String| (0..100).map(f).collect::<Vec<_>>().join(", ");
    let grid = format!(
        "base = \"s.toml\"\n[grid]\n\"simulation.seed\" = [{}]\n\"functions.api.memory_mb\" = [{}]\n\"functions.api.keep_alive\" = [{}]\n\"functions.api.timeout\" = [{}]\n\"functions.api.max_lifetime\" = [{}]\n",
        values(&|i| i.to_string()),
        values(&|i| (128 + i).to_string()),
        values(&|i| format!("\"{}s\"", i + 1)),
        values(&|i| format!("\"{}s\"", i + 1)),
        values(&|i| format!("\"{}h\"", i + 1)),
    );
    std::fs::write(dir.join("grid.sweep.toml"), grid).unwrap();
    refused(
        &faasim(&["validate", "grid.sweep.toml"], &dir),
        &[
            "grid",
            "1.00e10 configurations",
            "100 × 100 × 100 × 100 × 100",
        ],
    );
}

#[test]
fn a_queue_that_grows_without_end_stops_at_the_backlog_limit() {
    let dir = temp_dir("backlog");
    // An async workload far above what one environment serves: its queue grows.
    let text = BASE
        .replace(
            "sample_interval = \"1m\"",
            "sample_interval = \"1m\"\nmax_backlog = 1000",
        )
        .replace(
            "duration = { dist = \"constant\", value = \"10ms\" }",
            "duration = { dist = \"constant\", value = \"1s\" }\nreserved_concurrency = 1",
        )
        .replace(
            "arrivals = { process = \"poisson\", rate = 1 }",
            "invocation = \"async\"\narrivals = { process = \"poisson\", rate = 100000 }",
        );
    std::fs::write(dir.join("s.toml"), &text).unwrap();
    refused(
        &faasim(&["run", "s.toml", "--out", "o", "--quiet"], &dir),
        &["s.toml", "simulation.max_backlog", "1000"],
    );
    // The same through an SQS queue.
    let sqs = text.replace("invocation = \"async\"", "invocation = \"sqs\"");
    std::fs::write(dir.join("s.toml"), sqs).unwrap();
    refused(
        &faasim(&["run", "s.toml", "--out", "o", "--quiet"], &dir),
        &["simulation.max_backlog"],
    );
}

#[test]
fn a_line_without_end_is_refused_by_every_reader() {
    let dir = temp_dir("long-line");
    // 2 MiB without a line break, as /dev/zero or a binary file gives.
    std::fs::write(dir.join("long.csv"), vec![b'7'; 2 << 20]).unwrap();
    let trace = with("{ trace = \"long.csv\", format = \"timestamps\" }");
    std::fs::write(dir.join("t.toml"), trace).unwrap();
    refused(
        &faasim(&["validate", "t.toml"], &dir),
        &["long.csv:1", "1 MiB"],
    );
    refused(
        &faasim(&["trace", "stats", "long.csv", "--no-plots"], &dir),
        &["long.csv:1", "1 MiB"],
    );
    let points = with("{ process = \"profile\", points_file = \"long.csv\" }");
    std::fs::write(dir.join("p.toml"), points).unwrap();
    refused(
        &faasim(&["validate", "p.toml"], &dir),
        &["long.csv:1", "1 MiB"],
    );
    let empirical = BASE.replace(
        "duration = { dist = \"constant\", value = \"10ms\" }",
        "duration = { dist = \"empirical\", file = \"long.csv\" }",
    );
    std::fs::write(dir.join("e.toml"), empirical).unwrap();
    refused(
        &faasim(&["validate", "e.toml"], &dir),
        &["long.csv:1", "1 MiB"],
    );
}

#[test]
fn a_byte_that_is_not_utf8_is_named_by_its_line_and_column() {
    let dir = temp_dir("utf8");
    let mut bytes = BASE.as_bytes().to_vec();
    let at = BASE.find("name = \"api\"").unwrap() + 8;
    bytes[at] = 0xFF;
    std::fs::write(dir.join("s.toml"), bytes).unwrap();
    let line = BASE[..at].matches('\n').count() + 1;
    refused(
        &faasim(&["validate", "s.toml"], &dir),
        &[&format!("s.toml:{line}:9"), "UTF-8"],
    );
}

/// A Markov-modulated process whose burst rate is tiny stops at the end of the run (it once
/// looped): a run of an hour with about no requests.
#[test]
fn an_mmpp_of_a_tiny_rate_ends() {
    let dir = temp_dir("mmpp-tiny");
    let s = run(
        &dir,
        &with("{ process = \"mmpp\", rate = 1e-9, burst = \"1s\", quiet = \"1s\" }"),
        &[],
    );
    assert!(s["requests"].as_u64().unwrap() <= 1, "{}", s["requests"]);
}

/// A spike that lasts far beyond the run is clipped to it: the work is the run's, the rate
/// doubled over the hour (7,200 requests expected; Poisson, so within 5 standard deviations).
#[test]
fn a_spike_far_beyond_the_run_is_clipped_to_it() {
    let dir = temp_dir("spike-far");
    let s = run(
        &dir,
        &with(
            "{ process = \"poisson\", rate = 1, spikes = [{ at = \"30m\", duration = \"106751d\", factor = 3 }] }",
        ),
        &[],
    );
    // 1 800 s at 1/s and 1 800 s at 3/s.
    let n = s["requests"].as_f64().unwrap();
    assert!((n - 7200.0).abs() < 5.0 * 7200f64.sqrt(), "{n}");
}

/// A profile whose peak lies a thousand days away is thinned against the rate of each piece,
/// not its far maximum: a minute of it gives the integral of its ramp (1e9 / 8.64e7 requests a
/// second per second, over 60 s: about 20,833), and a run long enough to be huge is refused by
/// its estimated size.
#[test]
fn a_far_peak_costs_only_where_it_is() {
    let dir = temp_dir("profile-far");
    let profile = with("{ process = \"profile\", points = [[\"0s\", 0], [\"1000d\", 1e9]] }");
    let s = run(
        &dir,
        &profile.replace("duration = \"1h\"", "duration = \"1m\""),
        &[],
    );
    let expected = 1e9 / 86_400_000.0 * 60.0 * 60.0 / 2.0;
    let n = s["requests"].as_f64().unwrap();
    assert!(
        (n - expected).abs() < 5.0 * expected.sqrt(),
        "{n} vs {expected}"
    );
    std::fs::write(dir.join("s.toml"), &profile).unwrap();
    refused(
        &faasim(
            &["run", "s.toml", "--max-events", "1000000", "--quiet"],
            &dir,
        ),
        &[
            "simulation.duration",
            "7.50e7 requests",
            "--max-events 100000000",
        ],
    );
}

/// A trace that makes its functions has its replay keys checked before it is read: the
/// message names the key at fault, not `select`.
#[test]
fn a_trace_that_makes_functions_checks_its_keys_first() {
    let dir = temp_dir("trace-keys");
    std::fs::write(dir.join("t.csv"), "time,function\n1,a\n2,b\n").unwrap();
    for (keys, key) in [
        ("scale = inf", "scale"),
        ("scale = -1", "scale"),
        ("scale = nan", "scale"),
        ("speedup = 0", "speedup"),
        ("start = \"2s\", end = \"1s\"", "end"),
        ("scale = 1e7", "scale"),
    ] {
        let text = format!(
            "[simulation]\nduration = \"1m\"\n[function_defaults]\nduration = {{ dist = \"constant\", value = \"10ms\" }}\n[[workloads]]\narrivals = {{ trace = \"t.csv\", format = \"timestamps\", function_column = \"function\", {keys} }}\n"
        );
        std::fs::write(dir.join("s.toml"), text).unwrap();
        refused(
            &faasim(&["validate", "s.toml"], &dir),
            &[&format!("workloads.0.arrivals.{key}")],
        );
    }
}

/// One cell of a count trace is at most 10 million invocations.
#[test]
fn a_huge_count_is_refused_at_its_line() {
    let dir = temp_dir("huge-count");
    std::fs::write(dir.join("h.csv"), "time,f\n0,1\n60,1000000000\n").unwrap();
    let text = with("{ trace = \"h.csv\", format = \"huawei2023\" }");
    std::fs::write(dir.join("s.toml"), text).unwrap();
    refused(&faasim(&["validate", "s.toml"], &dir), &["h.csv:3"]);
}

/// The traces read before the run to make their functions count against `--max-events`: a
/// count trace expands to what it counts.
#[test]
fn traces_read_before_the_run_are_bounded() {
    let dir = temp_dir("trace-pre-read");
    let rows: String = (0..100).map(|i| format!("{},1000\n", i * 60)).collect();
    std::fs::write(dir.join("h.csv"), format!("time,f\n{rows}")).unwrap();
    let text = "[simulation]\nduration = \"1m\"\n[function_defaults]\nduration = { dist = \"constant\", value = \"10ms\" }\n[[workloads]]\narrivals = { trace = \"h.csv\", format = \"huawei2023\" }\n";
    std::fs::write(dir.join("s.toml"), text).unwrap();
    refused(
        &faasim(&["validate", "s.toml", "--max-events", "50000"], &dir),
        &["h.csv", "more than 5.00e4 invocations", "--max-events"],
    );
    // Within the limit, it is read.
    let o = faasim(&["validate", "s.toml", "--max-events", "200000"], &dir);
    assert!(o.status.success(), "{}", stderr(&o));
    refused(
        &faasim(
            &[
                "trace",
                "stats",
                "h.csv",
                "--format",
                "huawei2023",
                "--max-events",
                "50000",
                "--no-plots",
            ],
            &dir,
        ),
        &["h.csv", "more than 5.00e4"],
    );
}
