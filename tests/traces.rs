//! Real and generated traces replayed through the command line: every reader reproduces its
//! trace (totals, per-minute and per-function counts), replays agree with AWS's own cold-start
//! labels, bad rows exit 2 naming the file and line (or are counted with `--skip-bad-rows`),
//! and memory stays flat whatever the trace's length.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{faasim, ok, temp_dir};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Sums of a timeseries column per row time (over functions).
fn per_time(dir: &Path, column: &str) -> BTreeMap<u64, u64> {
    let ts = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = ts.lines().next().unwrap().split(',').collect();
    let c = header.iter().position(|h| *h == column).unwrap();
    let mut out = BTreeMap::new();
    for line in ts.lines().skip(1) {
        let v: Vec<&str> = line.split(',').collect();
        let t: f64 = v[0].parse().unwrap();
        *out.entry(t as u64).or_default() += v[c].parse::<u64>().unwrap();
    }
    out
}

/// The Azure 2019 slice: per-function rows of per-minute counts.
fn azure_slice() -> Vec<(String, Vec<u64>)> {
    let text = std::fs::read_to_string(
        root().join("traces/azure2019-slice/exp_sim_invocation_traces_0.csv"),
    )
    .unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            (
                v[0].to_string(),
                v[2..].iter().map(|x| x.parse().unwrap()).collect(),
            )
        })
        .collect()
}

#[test]
fn the_azure_2019_slice_is_replayed_exactly_per_minute_and_per_function() {
    let trace = azure_slice();
    let total: u64 = trace.iter().map(|(_, c)| c.iter().sum::<u64>()).sum();
    assert_eq!(total, 85_470);
    let dir = temp_dir("azure");
    for spread in ["poisson", "uniform"] {
        let out = dir.join(spread);
        let o = faasim(
            &[
                "run",
                "scenarios/azure2019-slice.toml",
                "--out",
                out.to_str().unwrap(),
                "--quiet",
                "--no-plots",
                "--set",
                &format!("workloads.0.arrivals.spread={spread}"),
            ],
            &root(),
        );
        ok(&o);
        let s = json(&out.join("summary.json"));
        assert_eq!(s["requests"], 85_470);
        assert_eq!(s["traces"][0]["replayed"], 85_470);
        assert_eq!(s["traces"][0]["rows"], 1000);
        // One function per trace function, each with its own total.
        let fns = s["functions"].as_object().unwrap();
        assert_eq!(fns.len(), 1000);
        for (name, counts) in &trace {
            assert_eq!(
                fns[name]["requests"],
                counts.iter().sum::<u64>(),
                "function {name}"
            );
        }
        // Every minute's arrivals, summed over functions, equal the trace's.
        let per_minute = per_time(&out, "arrivals");
        for (m, (&t, &n)) in per_minute.iter().enumerate() {
            assert_eq!(t, 60 * m as u64);
            let want: u64 = trace.iter().map(|(_, c)| c[m]).sum();
            assert_eq!(n, want, "minute {}", m + 1);
        }
        assert_eq!(per_minute.len(), 60);
    }
}

#[test]
fn trace_functions_can_be_selected() {
    let dir = temp_dir("made");
    let o = faasim(
        &[
            "run",
            "scenarios/azure2019-slice.toml",
            "--out",
            dir.to_str().unwrap(),
            "--quiet",
            "--no-plots",
            "--set",
            "workloads.0.arrivals.select.top=5",
            "--set",
            "workloads.0.arrivals.select.triggers=[\"queue\", \"orchestration\"]",
        ],
        &root(),
    );
    ok(&o);
    let s = json(&dir.join("summary.json"));
    let fns = s["functions"].as_object().unwrap();
    // The five most invoked queue or orchestration functions (trace stats lists them).
    let names: Vec<&str> = fns.keys().map(String::as_str).collect();
    let mut want = vec!["401", "971", "984", "162", "461"];
    want.sort_unstable();
    let mut got = names.clone();
    got.sort_unstable();
    assert_eq!(got, want);
    // Only the selected functions' invocations are replayed (the reader keeps no others).
    let trace = azure_slice();
    let selected: u64 = trace
        .iter()
        .filter(|(n, _)| want.contains(&n.as_str()))
        .map(|(_, c)| c.iter().sum::<u64>())
        .sum();
    assert_eq!(s["traces"][0]["replayed"], selected);
    assert_eq!(s["requests"], selected);
}

/// The nine AWS request logs: each replays row for row, AWS's labels are counted, and faasim's
/// cold starts (fixed keep-alive, mru reuse, 2-hour environment lifetime) are compared with
/// the 343 AWS logged.
#[test]
fn aws_request_logs_replay_row_for_row_and_cold_starts_track_aws() {
    let dir = temp_dir("aws");
    let logs = common::aws_logs();
    let mut totals: BTreeMap<u32, u64> = BTreeMap::new();
    let mut aws_total = 0;
    for log in &logs {
        let text = std::fs::read_to_string(log).unwrap();
        let rows = text.lines().count() as u64 - 1;
        let aws_cold = text.lines().filter(|l| l.contains(",True,")).count() as u64;
        aws_total += aws_cold;
        for ka in [10, 11] {
            let out = dir.join(format!("{ka}"));
            let o = faasim(
                &[
                    "run",
                    "scenarios/aws-log-replay.toml",
                    "--out",
                    out.to_str().unwrap(),
                    "--quiet",
                    "--no-plots",
                    "--set",
                    &format!("workloads.0.arrivals.trace={}", log.display()),
                    "--set",
                    &format!("functions.lambda.keep_alive={ka}m"),
                ],
                &root(),
            );
            ok(&o);
            let s = json(&out.join("summary.json"));
            assert_eq!(s["requests"], rows, "{}", log.display());
            assert_eq!(s["outcomes"]["succeeded"], rows);
            assert_eq!(s["traces"][0]["labelled_cold"], aws_cold);
            *totals.entry(ka).or_default() += s["cold_starts"].as_u64().unwrap();
        }
    }
    assert_eq!(aws_total, 343);
    let err = |ka: u32| (totals[&ka] as f64 - 343.0) / 343.0;
    // Measured: 409 at 10 minutes (+19 %: AWS kept its rarely used environments a little longer
    // than 10 minutes in 2020), 359 at 11 minutes (+5 %). See docs/validation.md.
    assert!(err(10).abs() < 0.20, "10 min: {} cold starts", totals[&10]);
    assert!(err(11).abs() < 0.08, "11 min: {} cold starts", totals[&11]);
    assert!(totals[&11] < totals[&10]);
}

/// A timestamps trace with function and duration columns: per-function totals and the trace's
/// durations (constant per function here) come through; scale, speed-up and windows apply.
#[test]
fn a_timestamps_trace_with_functions_and_durations() {
    let dir = temp_dir("ts");
    let mut csv = String::from("t,fn,ms\n");
    let mut n = BTreeMap::new();
    for i in 0..6000u64 {
        let f = ["a", "b", "c"][(i % 7 % 3) as usize];
        let ms = match f {
            "a" => 100,
            "b" => 200,
            _ => 300,
        };
        csv.push_str(&format!("{:.3},{f},{ms}\n", i as f64 * 0.1));
        *n.entry(f).or_insert(0u64) += 1;
    }
    std::fs::write(dir.join("t.csv"), csv).unwrap();
    let scenario = r#"
name = "ts"
[simulation]
duration = "20m"
seed = 3
sample_interval = "1m"
[function_defaults]
cold_start = { dist = "constant", value = "0s" }
keep_alive = "10m"
[[workloads]]
arrivals = { trace = "t.csv", format = "timestamps", function_column = "fn", duration_column = 2 }
"#;
    std::fs::write(dir.join("s.toml"), scenario).unwrap();
    let o = faasim(
        &["run", "s.toml", "--out", "o", "--quiet", "--no-plots"],
        &dir,
    );
    ok(&o);
    let s = json(&dir.join("o/summary.json"));
    for (f, count) in &n {
        let m = &s["functions"][*f];
        assert_eq!(m["requests"], *count, "{f}");
        let want = match *f {
            "a" => 100.0,
            "b" => 200.0,
            _ => 300.0,
        };
        // Every request ran exactly the trace's duration (no cold starts, no queueing).
        assert!(
            (m["latency_ms"]["mean"].as_f64().unwrap() - want).abs() < 0.01,
            "{f}: {m}"
        );
    }
    // Window [100 s, 400 s) at speed-up 2: 3,000 rows played in 150 s.
    let o = faasim(
        &[
            "run",
            "s.toml",
            "--out",
            "w",
            "--quiet",
            "--no-plots",
            "--set",
            "workloads.0.arrivals.start=100s",
            "--set",
            "workloads.0.arrivals.end=400s",
            "--set",
            "workloads.0.arrivals.speedup=2",
        ],
        &dir,
    );
    ok(&o);
    let s = json(&dir.join("w/summary.json"));
    assert_eq!(s["requests"], 3000);
    let ts = per_time(&dir.join("w"), "arrivals");
    // 60 s of simulated time hold 120 s of trace (1,200 rows).
    assert_eq!(ts[&0], 1200);
    assert_eq!(ts[&60], 1200);
    assert_eq!(ts[&120], 600);
    assert_eq!(ts[&180], 0);
    // Scale 2.5: every row two or three times, 2.5 on average.
    let o = faasim(
        &[
            "run",
            "s.toml",
            "--out",
            "x",
            "--quiet",
            "--no-plots",
            "--set",
            "workloads.0.arrivals.scale=2.5",
        ],
        &dir,
    );
    ok(&o);
    let r = json(&dir.join("x/summary.json"))["requests"]
        .as_f64()
        .unwrap();
    assert!((r / 15_000.0 - 1.0).abs() < 0.02, "{r}");
    // A spike on a trace: ×3 over [100 s, 200 s) plays those 1,000 rows three times each.
    let o = faasim(
        &[
            "run",
            "s.toml",
            "--out",
            "y",
            "--quiet",
            "--no-plots",
            "--set",
            "workloads.0.arrivals.spikes=[{ at = \"100s\", duration = \"100s\", factor = 3 }]",
        ],
        &dir,
    );
    ok(&o);
    assert_eq!(json(&dir.join("y/summary.json"))["requests"], 8000);
}

/// azure2021 (start = end − duration, rows ordered by end) and huawei2023 (a row per minute, a
/// column per function) through their readers.
#[test]
fn azure2021_and_huawei2023_traces() {
    let dir = temp_dir("formats");
    // Rows ordered by end time; starts come out of order by up to the longest duration.
    let mut rows = Vec::new();
    for i in 0..400u64 {
        let start = i as f64 * 0.5;
        let dur = if i % 2 == 0 { 3.0 } else { 0.25 };
        let (app, func) = if i % 3 == 0 { ("x", "f1") } else { ("y", "f2") };
        rows.push((
            start + dur,
            format!("{app},{func},{:.3},{dur}", start + dur),
        ));
    }
    rows.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    let mut csv = String::from("app,func,end_timestamp,duration\n");
    for r in &rows {
        csv.push_str(&r.1);
        csv.push('\n');
    }
    std::fs::write(dir.join("a21.csv"), csv).unwrap();
    let s21 = r#"
[simulation]
duration = "10m"
[function_defaults]
cold_start = { dist = "constant", value = "0s" }
[[workloads]]
arrivals = { trace = "a21.csv", format = "azure2021" }
"#;
    std::fs::write(dir.join("a21.toml"), s21).unwrap();
    let o = faasim(
        &["run", "a21.toml", "--out", "a", "--quiet", "--no-plots"],
        &dir,
    );
    ok(&o);
    let s = json(&dir.join("a/summary.json"));
    assert_eq!(s["functions"]["x/f1"]["requests"], 134);
    assert_eq!(s["functions"]["y/f2"]["requests"], 266);
    // Durations from the trace: 3 s and 0.25 s; f1 (i multiple of 3) has both, half each.
    let mean = s["functions"]["x/f1"]["latency_ms"]["mean"]
        .as_f64()
        .unwrap();
    assert!((mean - 1625.0).abs() < 15.0, "{mean}");

    let mut hw = String::from("day,time,7,9\n");
    for m in 0..30 {
        hw.push_str(&format!(
            "0,{},{},{}\n",
            m * 60,
            m,
            if m % 2 == 0 { "" } else { "5" }
        ));
    }
    std::fs::write(dir.join("hw.csv"), hw).unwrap();
    let shw = r#"
[simulation]
duration = "1h"
sample_interval = "1m"
[function_defaults]
duration = { dist = "constant", value = "50ms" }
[[workloads]]
arrivals = { trace = "hw.csv", format = "huawei2023", spread = "uniform" }
"#;
    std::fs::write(dir.join("hw.toml"), shw).unwrap();
    let o = faasim(
        &["run", "hw.toml", "--out", "h", "--quiet", "--no-plots"],
        &dir,
    );
    ok(&o);
    let s = json(&dir.join("h/summary.json"));
    assert_eq!(s["functions"]["7"]["requests"], (0..30).sum::<u64>());
    assert_eq!(s["functions"]["9"]["requests"], 15 * 5);
    let per = per_time(&dir.join("h"), "arrivals");
    for m in 0..30u64 {
        assert_eq!(
            per[&(m * 60)],
            m + if m % 2 == 1 { 5 } else { 0 },
            "minute {m}"
        );
    }
}

fn bad(dir: &Path, name: &str, trace: &str, format: &str, extra: &[&str]) -> Output {
    std::fs::write(dir.join(format!("{name}.csv")), trace).unwrap();
    let s = format!(
        r#"
[simulation]
duration = "1h"
[[functions]]
name = "f"
duration = {{ dist = "constant", value = "10ms" }}
[[workloads]]
function = "f"
arrivals = {{ trace = "{name}.csv", format = "{format}" }}
"#
    );
    std::fs::write(dir.join(format!("{name}.toml")), s).unwrap();
    let mut args = vec!["run", "--quiet", "--no-plots", "--out", "o"];
    let toml = format!("{name}.toml");
    args.insert(1, &toml);
    args.extend_from_slice(extra);
    faasim(&args, dir)
}

#[test]
fn malformed_traces_exit_2_naming_file_and_line_or_are_skipped_and_counted() {
    let dir = temp_dir("bad");
    let cases: &[(&str, &str, &str, &str)] = &[
        ("number", "1\n2\nx2\n", "timestamps", "number.csv:3:"),
        ("order", "1\n3\n2\n", "timestamps", "order.csv:3:"),
        ("empty", "", "timestamps", "empty.csv"),
        ("column", "t,fn\n1,a\n", "azure2021", "column.csv:1:"),
        (
            "count",
            "day,time,0\n0,0,1\n0,60,-3\n",
            "huawei2023",
            "count.csv:3:",
        ),
        (
            "minutes",
            "HashFunction,Trigger,1,2\nf,http,1\n",
            "azure2019",
            "minutes.csv:2:",
        ),
        (
            "cold",
            ",is_cold,aws_duration,client_start_time\n0,Maybe,5,1\n",
            "aws-lambda-log",
            "cold.csv:2:",
        ),
    ];
    for (name, trace, format, want) in cases {
        let o = bad(&dir, name, trace, format, &[]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    // With --skip-bad-rows the good rows run; the bad ones are counted and the first reported.
    let o = bad(
        &dir,
        "mixed",
        "1\n2\nx\n1.5\n3\n\n4,\n",
        "timestamps",
        &["--skip-bad-rows"],
    );
    ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("2 bad rows") && err.contains("mixed.csv:3:"),
        "{err}"
    );
    let s = json(&dir.join("o/summary.json"));
    assert_eq!(s["requests"], 4);
    assert_eq!(s["traces"][0]["skipped_rows"], 2);
}

#[test]
fn trace_stats_describes_the_azure_slice() {
    let dir = temp_dir("stats");
    let o = faasim(
        &[
            "trace",
            "stats",
            "traces/azure2019-slice/exp_sim_invocation_traces_0.csv",
            "--format",
            "azure2019",
            "--json",
            "--out",
            dir.to_str().unwrap(),
        ],
        &root(),
    );
    ok(&o);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["invocations"], 85_470);
    assert_eq!(r["functions"], 1000);
    let triggers: BTreeMap<String, u64> = r["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t[0].as_str().unwrap().to_string(), t[1].as_u64().unwrap()))
        .collect();
    assert_eq!(triggers["timer"], 414);
    assert_eq!(triggers["http"], 254);
    assert_eq!(triggers["storage"], 26);
    let f0 = &r["per_function"][0];
    assert_eq!(f0["function"], "0");
    assert_eq!(f0["invocations"], 12);
    // A timer every 5 minutes: gaps of about 300 s, spread at random within their minutes.
    let gap = f0["interarrival_mean_s"].as_f64().unwrap();
    assert!((gap - 300.0).abs() < 10.0, "{gap}");
    let png = std::fs::read(dir.join("arrivals.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let o = faasim(
        &[
            "trace",
            "stats",
            "traces/aws-lambda-requests/res-01-2020-05-28_01-57-40.csv",
            "--format",
            "aws-lambda-log",
            "--no-plots",
        ],
        &root(),
    );
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("invocations      186"), "{text}");
    assert!(text.contains("labelled cold    59"), "{text}");
}

/// Peak memory of a run (VmHWM of the child, read until it exits).
#[cfg(target_os = "linux")]
fn peak_rss_kb(args: &[&str], cwd: &Path) -> u64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faasim"))
        .args(args)
        .current_dir(cwd)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status)
            && let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak = peak.max(l.split_whitespace().nth(1).unwrap().parse().unwrap());
        }
        if let Some(st) = child.try_wait().unwrap() {
            assert!(st.success());
            return peak;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn write_trace(path: &Path, rows: u64) {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "time_s").unwrap();
    // 1,000 requests a second, evenly spaced.
    for i in 0..rows {
        writeln!(w, "{}.{:03}", i / 1000, i % 1000).unwrap();
    }
}

fn rss_for(rows: u64, dir: &Path) -> u64 {
    let trace = dir.join(format!("t{rows}.csv"));
    write_trace(&trace, rows);
    let s = format!(
        r#"
[simulation]
duration = "100d"
sample_interval = "1h"
[[functions]]
name = "f"
duration = {{ dist = "exponential", mean = "20ms" }}
[[workloads]]
function = "f"
arrivals = {{ trace = "{}", format = "timestamps" }}
"#,
        trace.display()
    );
    std::fs::write(dir.join("s.toml"), s).unwrap();
    peak_rss_kb(
        &["run", "s.toml", "--out", "o", "--quiet", "--no-plots"],
        dir,
    )
}

/// Replaying a longer trace takes no more memory: 4 M rows peak within 10 % of 0.5 M rows, and
/// under 100 MB. (`cargo test --release -- --ignored` runs 50 M rows.)
#[cfg(target_os = "linux")]
#[test]
fn replay_memory_does_not_grow_with_the_trace() {
    let dir = temp_dir("rss");
    let small = rss_for(500_000, &dir);
    let large = rss_for(4_000_000, &dir);
    assert!(large < 100_000, "{large} kB");
    assert!(
        (large as f64) < small as f64 * 1.1 + 2048.0,
        "0.5 M rows: {small} kB, 4 M rows: {large} kB"
    );
}

#[cfg(target_os = "linux")]
#[test]
#[ignore = "writes a 50 M-row trace (about 600 MB); run with --ignored"]
fn replay_memory_is_flat_at_50_million_rows() {
    let dir = temp_dir("rss50");
    let small = rss_for(1_000_000, &dir);
    let large = rss_for(50_000_000, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(large < 100_000, "{large} kB");
    assert!(
        (large as f64) < small as f64 * 1.1 + 2048.0,
        "{small} kB vs {large} kB"
    );
}

/// A rate profile read from a `time,rate` CSV gives the very arrivals of the same profile
/// written inline; a bad row is named.
#[test]
fn a_rate_profile_from_csv_equals_the_inline_one() {
    let dir = temp_dir("profile");
    std::fs::write(dir.join("rates.csv"), "time_s,rate\n0,2\n600,20\n1200,5\n").unwrap();
    let base = r#"
[simulation]
duration = "30m"
seed = 9
[[functions]]
name = "f"
duration = { dist = "exponential", mean = "50ms" }
[[workloads]]
function = "f"
"#;
    let inline = format!(
        "{base}arrivals = {{ process = \"profile\", points = [[\"0s\", 2], [\"10m\", 20], [\"20m\", 5]] }}\n"
    );
    let file =
        format!("{base}arrivals = {{ process = \"profile\", points_file = \"rates.csv\" }}\n");
    std::fs::write(dir.join("inline.toml"), inline).unwrap();
    std::fs::write(dir.join("file.toml"), file).unwrap();
    for name in ["inline", "file"] {
        let o = faasim(
            &[
                "run",
                &format!("{name}.toml"),
                "--out",
                name,
                "--quiet",
                "--no-plots",
            ],
            &dir,
        );
        ok(&o);
    }
    let a = std::fs::read_to_string(dir.join("inline/timeseries.csv")).unwrap();
    let b = std::fs::read_to_string(dir.join("file/timeseries.csv")).unwrap();
    assert_eq!(a, b);
    // Expected count: the area under the profile, 2→20 over 10 min, 20→5, then 5 for 10 min.
    let want = 600.0 * 11.0 + 600.0 * 12.5 + 600.0 * 5.0;
    let got = json(&dir.join("file/summary.json"))["requests"]
        .as_f64()
        .unwrap();
    assert!((got - want).abs() < 4.0 * want.sqrt(), "{got} vs {want}");
    std::fs::write(dir.join("rates.csv"), "0,2\n600,x\n").unwrap();
    let o = faasim(&["run", "file.toml", "--out", "bad", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("rates.csv:2:"));
}
