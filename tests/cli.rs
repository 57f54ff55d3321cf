//! The command line as a user meets it: outputs, determinism, overrides, and bad input that must
//! exit with status 2 and a message naming the file and the key or line, never a panic.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{faasim, temp_dir};

const GOOD: &str = r#"
name = "t"
[simulation]
duration = "10m"
seed = 4
sample_interval = "1m"
[[functions]]
name = "api"
memory_mb = 256
duration = { dist = "exponential", mean = "100ms" }
cold_start = { dist = "constant", value = "300ms" }
keep_alive = "1m"
[[workloads]]
function = "api"
arrivals = { process = "poisson", rate = 20 }
"#;

/// A run with faults draws them (faults.png and .svg); one without draws no empty plot.
#[test]
fn the_faults_plot_is_drawn_when_there_are_faults() {
    let dir = temp_dir("faults");
    let with =
        format!("{GOOD}[[incidents]]\nstart = \"2m\"\nend = \"4m\"\nerror_probability = 0.5\n");
    for (name, text, drawn) in [("with", with.as_str(), true), ("without", GOOD, false)] {
        std::fs::write(dir.join("s.toml"), text).unwrap();
        let o = faasim(&["run", "s.toml", "--out", name, "--quiet"], &dir);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for ext in ["png", "svg"] {
            let path = dir.join(name).join(format!("faults.{ext}"));
            assert_eq!(path.exists(), drawn, "{}", path.display());
        }
    }
    let ts = std::fs::read_to_string(dir.join("with/timeseries.csv")).unwrap();
    let header: Vec<&str> = ts.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (inc, err) = (col("incidents"), col("errors"));
    for line in ts.lines().skip(1) {
        let v: Vec<&str> = line.split(',').collect();
        let minute: f64 = v[0].parse::<f64>().unwrap() / 60.0;
        let inside = (2.0..4.0).contains(&minute);
        assert_eq!(v[inc], if inside { "1" } else { "0" }, "{line}");
        if !inside && minute != 4.0 {
            assert_eq!(v[err], "0", "{line}");
        }
    }
}

#[test]
fn run_writes_every_output_and_is_deterministic() {
    let dir = temp_dir("run");
    std::fs::write(dir.join("s.toml"), GOOD).unwrap();
    for out in ["a", "b"] {
        let o = faasim(&["run", "s.toml", "--out", out, "--requests"], &dir);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            stdout.contains("api") && stdout.contains("p99 ms"),
            "{stdout}"
        );
    }
    for f in [
        "summary.json",
        "timeseries.csv",
        "requests.csv",
        "latency_cdf.png",
        "latency_cdf.svg",
        "instances.png",
        "instances.svg",
    ] {
        let a = std::fs::read(dir.join("a").join(f)).unwrap();
        let b = std::fs::read(dir.join("b").join(f)).unwrap();
        assert!(!a.is_empty(), "{f} is empty");
        assert_eq!(a, b, "{f} differs between two runs with the same seed");
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("a/summary.json")).unwrap()).unwrap();
    for key in [
        "scenario",
        "seed",
        "simulated_s",
        "requests",
        "attempts",
        "outcomes",
        "cold_starts",
        "cold_start_ratio",
        "latency_ms",
        "instances",
        "cost_usd",
        "functions",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    let o = &summary["outcomes"];
    let sum: u64 = [
        "succeeded",
        "failed",
        "throttled",
        "timed_out",
        "dead_lettered",
        "in_flight",
    ]
    .iter()
    .map(|k| o[k].as_u64().unwrap())
    .sum();
    assert_eq!(sum, summary["requests"].as_u64().unwrap());
    let ts = std::fs::read_to_string(dir.join("a/timeseries.csv")).unwrap();
    assert!(ts.starts_with(
        "time_s,function,arrivals,instances,busy,idle,cold_starts,throttles,errors,p99_latency_ms"
    ));
    assert_eq!(ts.lines().count(), 1 + 10, "one row per minute");
    let req = std::fs::read_to_string(dir.join("a/requests.csv")).unwrap();
    assert!(req.starts_with("id,function,arrival_s,start_s,end_s,cold,outcome,attempt"));
    assert_eq!(
        req.lines().count() as u64 - 1,
        summary["attempts"].as_u64().unwrap()
    );
    let png = std::fs::read(dir.join("a/latency_cdf.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn set_and_seed_override_the_file() {
    let dir = temp_dir("set");
    std::fs::write(dir.join("s.toml"), GOOD).unwrap();
    let o = faasim(
        &[
            "run",
            "s.toml",
            "--out",
            "o",
            "--quiet",
            "--no-plots",
            "--seed",
            "9",
            "--set",
            "functions.api.memory_mb=1024",
            "--set",
            "simulation.duration=20m",
            "--set",
            "workloads.0.arrivals.rate=2",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty(), "--quiet prints nothing");
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("o/summary.json")).unwrap()).unwrap();
    assert_eq!(s["seed"], 9);
    assert_eq!(s["simulated_s"], 1200.0);
    let req = s["requests"].as_f64().unwrap();
    assert!(
        (1800.0..3000.0).contains(&req),
        "about 2/s for 20 minutes, got {req}"
    );
    // 1024 MB: 8x the GB-s of 128 MB for the same work.
    let gb_s = s["billed_gb_s"].as_f64().unwrap();
    let o128 = faasim(
        &[
            "run",
            "s.toml",
            "--out",
            "p",
            "--quiet",
            "--no-plots",
            "--seed",
            "9",
            "--set",
            "functions.api.memory_mb=128",
            "--set",
            "simulation.duration=20m",
            "--set",
            "workloads.0.arrivals.rate=2",
        ],
        &dir,
    );
    assert!(o128.status.success());
    let s128: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("p/summary.json")).unwrap()).unwrap();
    assert!((gb_s / s128["billed_gb_s"].as_f64().unwrap() - 8.0).abs() < 1e-6);
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = shipped(root);
    let n = files.len();
    for p in &files {
        succeeds(&faasim(&["validate", p.to_str().unwrap()], root), p);
    }
    assert!(
        n >= 4,
        "expected at least four example scenarios, found {n}"
    );
}

/// The scenario and sweep files in `scenarios/`.
fn shipped(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Asserts the command on `file` succeeded, naming the file and showing stderr if not.
fn succeeds(o: &Output, file: &Path) {
    assert!(
        o.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every shipped scenario runs (two simulated minutes of it, so that none rots unnoticed), and
/// every shipped sweep runs whole.
#[test]
fn every_shipped_scenario_and_sweep_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = temp_dir("shipped");
    let files = shipped(root);
    let n = files.len();
    for p in &files {
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let dir = out.join(&name);
        // The shipped sweeps are small: each runs whole (a few seconds at most).
        let sweep = name.ends_with(".sweep");
        let mut args = vec![if sweep { "sweep" } else { "run" }, p.to_str().unwrap()];
        args.extend(["--out", dir.to_str().unwrap(), "--quiet", "--no-plots"]);
        if !sweep {
            args.extend([
                "--set",
                "simulation.duration=2m",
                "--set",
                "simulation.warmup=0s",
            ]);
        }
        succeeds(&faasim(&args, root), p);
    }
    assert!(n >= 20, "expected the shipped scenarios, found {n}");
}

/// Each malformed input: the file(s) to write, the arguments, and fragments the message must hold.
struct Bad {
    what: &'static str,
    scenario: String,
    extra_files: Vec<(&'static str, &'static str)>,
    args: Vec<&'static str>,
    expect: Vec<&'static str>,
}

fn bad(what: &'static str, scenario: String, expect: &[&'static str]) -> Bad {
    Bad {
        what,
        scenario,
        extra_files: vec![],
        args: vec![],
        expect: expect.to_vec(),
    }
}

#[test]
fn malformed_inputs_exit_2_with_a_precise_message() {
    let trace_scn = GOOD.replace(
        r#"arrivals = { process = "poisson", rate = 20 }"#,
        r#"arrivals = { trace = "arrivals.csv", format = "timestamps" }"#,
    );
    let cases = vec![
        bad(
            "missing key",
            GOOD.replace("duration = \"10m\"\n", ""),
            &["s.toml", "simulation", "duration"],
        ),
        bad(
            "unknown key",
            GOOD.replace("memory_mb = 256", "memroy_mb = 256"),
            &["s.toml:9", "memroy_mb"],
        ),
        bad(
            "bare number for a duration",
            GOOD.replace("keep_alive = \"1m\"", "keep_alive = 600"),
            &["s.toml:12", "keep_alive", "600ms"],
        ),
        bad(
            "negative rate",
            GOOD.replace("rate = 20", "rate = -1"),
            &["s.toml", "workloads.0.arrivals.rate", "positive"],
        ),
        bad(
            "unknown distribution",
            GOOD.replace("\"exponential\"", "\"gamma\""),
            &["s.toml:10", "gamma", "lognormal"],
        ),
        bad(
            "invalid TOML",
            GOOD.replace("name = \"api\"", "name = \"api"),
            &["s.toml:8"],
        ),
        bad(
            "duration without unit",
            GOOD.replace("\"100ms\"", "\"100\""),
            &["s.toml:10", "100ms"],
        ),
        bad(
            "unknown reuse order",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\nreuse = \"fifo\"",
            ),
            &["s.toml:13", "fifo", "mru"],
        ),
        bad(
            "memory out of range",
            GOOD.replace("memory_mb = 256", "memory_mb = 64"),
            &["functions.api.memory_mb", "128"],
        ),
        bad(
            "unknown function",
            GOOD.replace("function = \"api\"", "function = \"apx\""),
            &["workloads.0.function", "apx", "api"],
        ),
        bad(
            "duplicate function",
            format!(
                "{GOOD}\n[[functions]]\nname = \"api\"\nduration = {{ dist = \"constant\", value = \"1ms\" }}\n"
            ),
            &["functions.api.name", "duplicate"],
        ),
        bad(
            "warmup longer than the run",
            GOOD.replace("seed = 4", "seed = 4\nwarmup = \"1h\""),
            &["simulation.warmup"],
        ),
        bad(
            "lognormal p99 below median",
            GOOD.replace(
                "{ dist = \"exponential\", mean = \"100ms\" }",
                "{ dist = \"lognormal\", median = \"100ms\", p99 = \"50ms\" }",
            ),
            &["functions.api.duration.p99"],
        ),
        bad(
            "wrong type",
            GOOD.replace("memory_mb = 256", "memory_mb = \"big\""),
            &["s.toml:9", "memory_mb"],
        ),
        bad(
            "missing trace file",
            trace_scn.clone(),
            &["arrivals.csv", "cannot open"],
        ),
        Bad {
            extra_files: vec![("arrivals.csv", "time_s\n0.5\n1.0\nsoon\n")],
            ..bad(
                "malformed trace row",
                trace_scn.clone(),
                &["arrivals.csv:4", "soon"],
            )
        },
        Bad {
            extra_files: vec![("arrivals.csv", "3\n2\n")],
            ..bad(
                "trace out of order",
                trace_scn.clone(),
                &["arrivals.csv:2", "out of order"],
            )
        },
        Bad {
            extra_files: vec![("arrivals.csv", "")],
            ..bad("empty trace", trace_scn, &["arrivals.csv", "empty"])
        },
        Bad {
            extra_files: vec![("d.csv", "ms\n1\n2\nx\n")],
            ..bad(
                "malformed empirical file",
                GOOD.replace(
                    "{ dist = \"exponential\", mean = \"100ms\" }",
                    "{ dist = \"empirical\", file = \"d.csv\" }",
                ),
                &["d.csv:4", "functions.api.duration.file"],
            )
        },
        Bad {
            args: vec!["--set", "functions.api.memory_mb"],
            ..bad("--set without =", GOOD.into(), &["--set", "PATH=VALUE"])
        },
        Bad {
            args: vec!["--set", "functions.api.memory_mb=lots"],
            ..bad(
                "--set of the wrong type",
                GOOD.into(),
                &["memory_mb", "--set functions.api.memory_mb=lots"],
            )
        },
        Bad {
            args: vec!["--set", "functions.web.memory_mb=512"],
            ..bad("--set of an unknown function", GOOD.into(), &["web"])
        },
        Bad {
            args: vec!["--seed", "x"],
            ..bad("bad flag value", GOOD.into(), &["--seed"])
        },
        Bad {
            args: vec!["--bogus"],
            ..bad("unknown flag", GOOD.into(), &["--bogus"])
        },
        bad(
            "SQS visibility timeout shorter than the function timeout",
            GOOD.replace(
                "rate = 20 }",
                "rate = 20 }\ninvocation = \"sqs\"\nsqs = { visibility_timeout = \"2s\" }",
            ),
            &["workloads.0.sqs.visibility_timeout", "2s", "3s"],
        ),
        bad(
            "unknown SQS key",
            GOOD.replace(
                "rate = 20 }",
                "rate = 20 }\ninvocation = \"sqs\"\nsqs = { batchsize = 5 }",
            ),
            &["s.toml", "batchsize", "batch_size"],
        ),
        bad(
            "async settings on a sync workload",
            GOOD.replace(
                "rate = 20 }",
                "rate = 20 }\nasync = { max_retry_attempts = 1 }",
            ),
            &["workloads.0.async", "invocation = \"async\""],
        ),
        bad(
            "too many async retries",
            GOOD.replace(
                "rate = 20 }",
                "rate = 20 }\ninvocation = \"async\"\nasync = { max_retry_attempts = 3 }",
            ),
            &["workloads.0.async.max_retry_attempts", "0, 1 or 2"],
        ),
        bad(
            "an incident ending before it starts",
            format!(
                "{GOOD}[[incidents]]\nname = \"outage\"\nstart = \"5m\"\nend = \"4m\"\nerror_probability = 1.0\n"
            ),
            &["incidents.outage.end", "after start"],
        ),
        bad(
            "an incident naming an unknown function",
            format!(
                "{GOOD}[[incidents]]\nstart = \"1m\"\nend = \"4m\"\nfunctions = [\"web\"]\ncapacity_lost = 0.5\n"
            ),
            &["incidents.0.functions", "web"],
        ),
        bad(
            "an init failure probability above 1",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\ninit_failure_probability = 2",
            ),
            &["functions.api.init_failure_probability", "between 0 and 1"],
        ),
        bad(
            "SnapStart with provisioned concurrency",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\nruntime = \"python3.13\"\nsnapstart = true\nprovisioned_concurrency = 2",
            ),
            &["functions.api.snapstart", "functions.api.provisioned_concurrency"],
        ),
        bad(
            "SnapStart on a runtime without it",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\nruntime = \"nodejs22.x\"\nsnapstart = true",
            ),
            &["functions.api.snapstart", "nodejs22.x"],
        ),
        bad(
            "an unknown runtime",
            GOOD.replace("keep_alive = \"1m\"", "keep_alive = \"1m\"\nruntime = \"cobol\""),
            &["functions.api.runtime", "cobol", "python3.13"],
        ),
        bad(
            "a CPU model measured at no Lambda size",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\ncpu = { reference_memory_mb = 100 }",
            ),
            &["functions.api.cpu.reference_memory_mb", "128"],
        ),
        bad(
            "both a duration and a profile",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\nduration_profile = \"p.json\"",
            ),
            &["functions.api.duration", "duration_profile"],
        ),
        Bad {
            what: "a memory size outside the profile",
            scenario: GOOD.replace(
                "duration = { dist = \"exponential\", mean = \"100ms\" }",
                "duration_profile = \"p.json\"",
            ),
            extra_files: vec![(
                "p.json",
                r#"{"power": 512, "stats": [{"value": 512, "averagePrice": 1e-6, "averageDuration": 90}, {"value": 1024, "averagePrice": 2e-6, "averageDuration": 50}]}"#,
            )],
            args: vec![],
            expect: vec!["p.json", "functions.api.memory_mb", "512 to 1024"],
        },
        Bad {
            what: "a profile entry without its duration",
            scenario: GOOD.replace(
                "duration = { dist = \"exponential\", mean = \"100ms\" }",
                "duration_profile = \"p.json\"",
            ),
            extra_files: vec![("p.json", r#"{"stats": [{"value": 256}]}"#)],
            args: vec![],
            expect: vec!["p.json", "$.stats[0]", "averageDuration"],
        },
        Bad {
            what: "a profile CSV with a bad line",
            scenario: GOOD.replace(
                "duration = { dist = \"exponential\", mean = \"100ms\" }",
                "duration_profile = \"p.csv\"",
            ),
            extra_files: vec![("p.csv", "memory_mb,duration_ms\n256,80\n256,fast\n")],
            args: vec![],
            expect: vec!["p.csv:3", "duration_ms"],
        },
        bad(
            "a price that overflows the totals",
            format!("{GOOD}[pricing]\nx86_gb_second = 1e308\n"),
            &["pricing.x86_gb_second", "1e308"],
        ),
        bad(
            "an instance price that overflows the totals",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\n[functions.asg]\nmax = 2\nhourly_price = 1e308",
            ),
            &["functions.api.asg.hourly_price", "1e308"],
        ),
        bad(
            "a duration written as a bare string",
            GOOD.replace(
                "cold_start = { dist = \"constant\", value = \"300ms\" }",
                "cold_start = \"300ms\"",
            ),
            &["s.toml:11", "functions.api.cold_start", "{ dist = \"constant\", value ="],
        ),
        bad(
            "[functions] with single brackets",
            GOOD.replace("[[functions]]", "[functions]"),
            &["s.toml", "[[functions]]", "double brackets"],
        ),
        bad(
            "provisioned concurrency beyond what may be reserved",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\nprovisioned_concurrency = 950",
            ),
            &["functions.api.provisioned_concurrency", "950", "only 900"],
        ),
        bad(
            "a CPU target written as a fraction",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\nplatform = \"asg\"\n[functions.asg]\nmax = 10\npolicies = [{ type = \"target_tracking\", metric = \"cpu\", target = 0.5 }]",
            ),
            &["functions.api.asg.policies.0.target", "percent", "0.5"],
        ),
        bad(
            "a rate that needs more work than allowed",
            GOOD.replace("rate = 20", "rate = 1e9").replace("\"10m\"\nseed", "\"1000d\"\nseed"),
            &["s.toml", "simulation.duration", "requests", "--max-events"],
        ),
        bad(
            "scale past the highest rate",
            GOOD.replace("rate = 20", "rate = 1e9, scale = 1e9"),
            &["workloads.0.arrivals.scale", "1e9"],
        ),
        bad(
            "spikes past the highest rate",
            GOOD.replace(
                "rate = 20",
                "rate = 1e9, spikes = [{ at = \"0s\", duration = \"1h\", factor = 1e308 }, { at = \"0s\", duration = \"1h\", factor = 1e308 }]",
            ),
            &["workloads.0.arrivals.spikes", "inf"],
        ),
        bad(
            "too many spikes",
            GOOD.replace(
                "rate = 20",
                &format!(
                    "rate = 20, spikes = [{}]",
                    (0..10_001)
                        .map(|i| format!("{{ at = \"{i}s\", duration = \"1s\", factor = 2 }}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            &["workloads.0.arrivals.spikes", "at most 10000"],
        ),
        bad(
            "a 1 ns provisioned scaling period",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\nprovisioned_concurrency = 2\nprovisioned_scaling = { min = 1, max = 5, target = 0.7, period = \"1ns\" }",
            ),
            &["provisioned_scaling.period", "at least 1s"],
        ),
        bad(
            "a 1 ns group metric period",
            GOOD.replace(
                "keep_alive = \"1m\"",
                "keep_alive = \"1m\"\nplatform = \"asg\"\n[functions.asg]\nmax = 10\nmetric_period = \"1ns\"",
            ),
            &["functions.api.asg.metric_period", "at least 1s"],
        ),
        bad(
            "a backlog limit out of range",
            GOOD.replace("seed = 4", "seed = 4\nmax_backlog = 5"),
            &["simulation.max_backlog", "1000"],
        ),
        Bad {
            extra_files: vec![("rates.csv", "0,10\n1e999,5\n")],
            ..bad(
                "an infinite time in a points file",
                GOOD.replace(
                    "process = \"poisson\", rate = 20",
                    "process = \"profile\", points_file = \"rates.csv\"",
                ),
                &["rates.csv:2", "time"],
            )
        },
        bad(
            "volume tiers out of order",
            format!("{GOOD}[pricing]\nx86_tiers = [[6e9, 0.000015], [1e9, 0.00001]]\n"),
            &["pricing.x86_tiers.1", "increasing"],
        ),
    ];
    let dir = temp_dir("bad");
    for case in &cases {
        std::fs::write(dir.join("s.toml"), &case.scenario).unwrap();
        let _ = std::fs::remove_file(dir.join("arrivals.csv"));
        for (name, text) in &case.extra_files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        for verb in ["run", "validate"] {
            if verb == "validate" && case.args.contains(&"--seed") {
                continue; // a flag of `run` only
            }
            let mut args = vec![verb, "s.toml"];
            if verb == "run" {
                args.extend(["--out", "out", "--quiet"]);
            }
            args.extend(case.args.iter().copied());
            let o = faasim(&args, &dir);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{} ({verb}): expected exit 2, got {:?}; stderr: {err}",
                case.what,
                o.status.code()
            );
            assert!(
                !err.contains("panicked"),
                "{} ({verb}) panicked: {err}",
                case.what
            );
            for frag in &case.expect {
                assert!(
                    err.contains(frag),
                    "{} ({verb}): message lacks {frag:?}: {err}",
                    case.what
                );
            }
        }
    }
    let o = faasim(&["run", "nowhere.toml"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nowhere.toml"));
}

const GROUP: &str = r#"
name = "g"
[simulation]
duration = "20m"
seed = 2
[[functions]]
name = "api"
duration = { dist = "exponential", mean = "200ms" }
cold_start = { dist = "constant", value = "300ms" }
[functions.asg]
slots = 2
min = 1
max = 10
launch_time = { dist = "constant", value = "60s" }
policies = [{ type = "target_tracking", metric = "cpu", target = 50 }]
[[workloads]]
function = "api"
arrivals = { process = "poisson", rate = 15 }
"#;

const SWEEP: &str = r#"
base = "g.toml"
replications = 3
[[configurations]]
name = "lambda"
[[configurations]]
name = "asg"
set = { "functions.api.platform" = "asg" }
[grid]
"workloads.0.arrivals.rate" = [5, 15]
"#;

/// A sweep's files are the same whatever the number of threads; the configurations see the
/// same arrivals (same request counts); every file it lists exists.
#[test]
fn a_sweep_is_identical_on_one_and_two_threads() {
    let dir = temp_dir("sweep");
    std::fs::write(dir.join("g.toml"), GROUP).unwrap();
    std::fs::write(dir.join("s.toml"), SWEEP).unwrap();
    let mut texts = Vec::new();
    for jobs in ["1", "2"] {
        let out = format!("out{jobs}");
        let o = faasim(&["sweep", "s.toml", "--jobs", jobs, "--out", &out], &dir);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8_lossy(&o.stdout).to_string();
        for name in [
            "results.csv",
            "comparison.csv",
            "comparison.png",
            "comparison.svg",
        ] {
            let p = dir.join(&out).join(name);
            assert!(
                p.metadata().map(|m| m.len() > 0).unwrap_or(false),
                "{}",
                p.display()
            );
            assert!(stdout.contains(name), "{stdout}");
        }
        texts.push((
            std::fs::read_to_string(dir.join(&out).join("results.csv")).unwrap(),
            std::fs::read_to_string(dir.join(&out).join("comparison.csv")).unwrap(),
        ));
    }
    assert_eq!(texts[0], texts[1]);
    let results = &texts[0].0;
    let rows: Vec<Vec<&str>> = results.lines().map(|l| l.split(',').collect()).collect();
    let col = |name: &str| rows[0].iter().position(|h| *h == name).unwrap();
    // 2 configurations × 2 grid points × 3 replications.
    assert_eq!(rows.len(), 1 + 12);
    assert_eq!(
        &rows[0][..4],
        &[
            "configuration",
            "workloads.0.arrivals.rate",
            "replication",
            "seed"
        ]
    );
    // Replication r of every configuration has seed 2 + r and the same arrivals.
    for r in &rows[1..] {
        let rep: u64 = r[col("replication")].parse().unwrap();
        assert_eq!(r[col("seed")], (2 + rep).to_string());
        let twin = rows[1..]
            .iter()
            .find(|q| {
                q[0] != r[0] && q[col("replication")] == r[col("replication")] && q[1] == r[1]
            })
            .unwrap();
        assert_eq!(r[col("requests")], twin[col("requests")]);
    }
    // The group costs EC2 and no Lambda; Lambda the reverse.
    for r in &rows[1..] {
        let (lambda, ec2): (f64, f64) = (
            r[col("lambda_usd")].parse().unwrap(),
            r[col("ec2_usd")].parse().unwrap(),
        );
        if r[0].starts_with("asg") {
            assert!(ec2 > 0.0 && lambda == 0.0, "{r:?}");
        } else {
            assert!(lambda > 0.0 && ec2 == 0.0, "{r:?}");
        }
    }
    let o = faasim(&["validate", "s.toml"], &dir);
    assert!(o.status.success());
}

#[test]
fn bad_sweeps_exit_2_naming_the_problem() {
    let dir = temp_dir("badsweep");
    std::fs::write(dir.join("g.toml"), GROUP).unwrap();
    for (text, needle) in [
        ("base = \"nope.toml\"\n", "nope.toml"),
        ("base = \"g.toml\"\nreplications = 0\n", "replications"),
        (
            "base = \"g.toml\"\n[grid]\n\"functions.api.memory_mb\" = []\n",
            "grid",
        ),
        (
            "base = \"g.toml\"\n[[configurations]]\nname = \"x\"\nset = { \"functions.api.memory_mb\" = 5 }\n",
            "functions.api.memory_mb",
        ),
        ("base = \"g.toml\"\nbogus = 1\n", "bogus"),
    ] {
        std::fs::write(dir.join("s.toml"), text).unwrap();
        for verb in ["sweep", "validate"] {
            let o = faasim(&[verb, "s.toml", "--out", "o"], &dir);
            let o = if verb == "validate" {
                faasim(&[verb, "s.toml"], &dir)
            } else {
                o
            };
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{verb} {text}: {err}");
            assert!(
                err.contains(needle) && err.contains("s.toml"),
                "{verb}: {err}"
            );
            assert!(!err.contains("panicked"));
        }
    }
}

/// A group's run writes the group's columns in the time series and its scaling activities in
/// events.csv.
#[test]
fn a_group_run_writes_its_columns_and_events() {
    let dir = temp_dir("group");
    std::fs::write(dir.join("g.toml"), GROUP).unwrap();
    let o = faasim(
        &[
            "run",
            "g.toml",
            "--out",
            "o",
            "--set",
            "functions.api.platform=asg",
            "--set",
            "workloads.0.arrivals.rate=40",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("events.csv"));
    let ev = std::fs::read_to_string(dir.join("o/events.csv")).unwrap();
    let mut lines = ev.lines();
    assert_eq!(lines.next(), Some("time_s,function,event,from,to,policy"));
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&first[1..3], &["api", "desired_capacity"]);
    assert_eq!(first[5], "target_tracking0");
    let ts = std::fs::read_to_string(dir.join("o/timeseries.csv")).unwrap();
    let header: Vec<&str> = ts.lines().next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let last: Vec<&str> = ts.lines().last().unwrap().split(',').collect();
    let in_service: u32 = last[col("in_service")].parse().unwrap();
    let desired: u32 = last[col("desired")].parse().unwrap();
    assert!(desired > 1 && in_service <= desired, "{last:?}");
    let summary = std::fs::read_to_string(dir.join("o/summary.json")).unwrap();
    assert!(summary.contains("\"ec2_parts\"") && summary.contains("\"asg\""));
}

/// `--set` reads its value as TOML, so `account.scaling=2023` arrives as a number: it is taken
/// as the rule "2023", and a wrong rule is named.
#[test]
fn set_scaling_rule_by_its_year() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = temp_dir("scaling-rule");
    let o = faasim(
        &[
            "validate",
            "scenarios/quickstart.toml",
            "--set",
            "account.scaling=2023",
        ],
        root,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = faasim(
        &[
            "run",
            "scenarios/quickstart.toml",
            "--set",
            "account.scaling=2024",
            "--out",
            out.to_str().unwrap(),
        ],
        root,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("account.scaling") && err.contains("\"legacy\""),
        "{err}"
    );
}

/// A sweep's page speaks of confidence intervals only when it has replications to make them.
#[test]
fn a_sweep_of_one_replication_claims_no_intervals() {
    let dir = temp_dir("one-rep");
    std::fs::write(dir.join("g.toml"), GROUP).unwrap();
    for (reps, intervals) in [(1, false), (2, true)] {
        let sweep = SWEEP.replace("replications = 3", &format!("replications = {reps}"));
        std::fs::write(dir.join("s.sweep.toml"), sweep).unwrap();
        let out = format!("out{reps}");
        let o = faasim(
            &[
                "sweep",
                "s.sweep.toml",
                "--out",
                &out,
                "--quiet",
                "--no-plots",
            ],
            &dir,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let page = std::fs::read_to_string(dir.join(&out).join("index.html")).unwrap();
        assert_eq!(
            page.contains("95 % confidence intervals"),
            intervals,
            "{reps}"
        );
    }
}
