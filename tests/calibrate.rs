//! `faasim calibrate keep-alive`: it recovers known idle-time distributions from logs faasim
//! writes itself, and the keep-alive it learns from some AWS logs predicts the others.

mod common;
use common::{aws_logs, faasim, ok, temp_dir};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// A week of Poisson requests (one per 250 s on average, 1 s each) to a function whose idle
/// environments are kept for a draw of `idle_ttl`, and retired after 1 hour.
fn generated_log(dir: &Path, idle_ttl: &str) -> PathBuf {
    let scenario = format!(
        r#"name = "recover"
[simulation]
duration = "7d"
seed = 3
[[functions]]
name = "f"
duration = {{ dist = "constant", value = "1s" }}
cold_start = {{ dist = "constant", value = "200ms" }}
keep_alive_policy = "random"
idle_ttl = {idle_ttl}
max_lifetime = "1h"
[[workloads]]
function = "f"
arrivals = {{ process = "poisson", rate = 0.004 }}
"#
    );
    std::fs::write(dir.join("s.toml"), scenario).unwrap();
    ok(&faasim(
        &[
            "run",
            "s.toml",
            "--out",
            "run",
            "--quiet",
            "--no-plots",
            "--requests",
        ],
        dir,
    ));
    dir.join("run/requests.csv")
}

fn within(band: &Value, x: f64) -> bool {
    band["low"].as_f64().unwrap() <= x && x <= band["high"].as_f64().unwrap()
}

/// Log-normal (median 5 min, p99 20 min) and normal (mean 8 min, sd 2 min) idle times: the fit
/// of the right family and the nonparametric estimate both have the true median and 90th
/// percentile inside their 95 % bands, and the lifetime limit found is a lower bound of 1 h.
#[test]
fn the_estimator_recovers_known_distributions() {
    use sim_core::dist::normal_quantile;
    let z90 = normal_quantile(0.9);
    let sigma = (1200f64 / 300.0).ln() / normal_quantile(0.99);
    let cases = [
        (
            "lognormal",
            r#"{ dist = "lognormal", median = "5m", p99 = "20m" }"#,
            300.0,
            300.0 * (sigma * z90).exp(),
        ),
        (
            "normal",
            r#"{ dist = "normal", mean = "8m", stddev = "2m" }"#,
            480.0,
            480.0 + 120.0 * z90,
        ),
    ];
    for (family, spec, median, p90) in cases {
        let dir = temp_dir(&format!("recover-{family}"));
        let log = generated_log(&dir, spec);
        let o = faasim(
            &[
                "calibrate",
                "keep-alive",
                log.to_str().unwrap(),
                "--format",
                "faasim-requests",
                "--out",
                "cal",
            ],
            &dir,
        );
        ok(&o);
        let c = json(&dir.join("cal/calibration.json"));
        let fit = c["fits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["family"] == family)
            .unwrap();
        assert!(
            within(&fit["median_s"], median),
            "{family}: {}",
            fit["median_s"]
        );
        assert!(within(&fit["p90_s"], p90), "{family}: {}", fit["p90_s"]);
        assert!(
            within(&c["npmle"]["median_s"], median),
            "{family}: {}",
            c["npmle"]
        );
        assert!(
            within(&c["npmle"]["p90_s"], p90),
            "{family}: {}",
            c["npmle"]["p90_s"]
        );
        // The right family fits best.
        assert_eq!(c["fits"][0]["family"], family);
        let limit = c["max_lifetime_s"].as_f64().unwrap();
        assert!(limit <= 3600.0, "{family}: {limit}");
        if family == "normal" {
            // Environments often live to the limit here: it is found within 2 %.
            assert!(limit > 0.98 * 3600.0, "{limit}");
        }
        assert!(c["idle_periods"]["bounded_by_cold_start"].as_u64().unwrap() > 300);
        assert_eq!(c["routing_violations"], 0);
        assert!(dir.join("cal/survival.png").exists());
        let frag = std::fs::read_to_string(dir.join("cal/keep_alive.toml")).unwrap();
        assert!(frag.contains("keep_alive_policy = \"random\""));
        assert!(frag.contains("idle_ttl = { dist = \"quantiles\""));
    }
}

/// Held out: the keep-alive learned from five of the nine AWS logs (in date order, the 1st,
/// 3rd, 5th, 7th and 9th) predicts the other four. AWS logged 144 cold starts in them.
#[test]
fn a_keep_alive_learned_on_five_aws_logs_predicts_the_other_four() {
    let logs = aws_logs();
    let train: Vec<&str> = [0, 2, 4, 6, 8]
        .iter()
        .map(|&i| logs[i].to_str().unwrap())
        .collect();
    let test: Vec<&PathBuf> = [1, 3, 5, 7].iter().map(|&i| &logs[i]).collect();
    let dir = temp_dir("held-out");
    for fit in ["npmle", "median"] {
        let mut args = vec!["calibrate", "keep-alive"];
        args.extend(&train);
        let out = format!("cal-{fit}");
        args.extend(["--fit", fit, "--out", &out, "--no-plots"]);
        ok(&faasim(&args, &dir));
        let frag = std::fs::read_to_string(dir.join(&out).join("keep_alive.toml")).unwrap();
        let (mut logged, mut simulated, mut both) = (0, 0, 0);
        for log in &test {
            let base = std::fs::read_to_string(root().join("scenarios/aws-log-replay.toml"))
                .unwrap()
                .replace("keep_alive = \"10m\"\n", "initial_instances = 1\n")
                .replace(
                    "../traces/aws-lambda-requests/res-01-2020-05-17_04-13-06.csv",
                    log.to_str().unwrap(),
                );
            // The fragment goes into the function's table, after its last key.
            let text = base.replace("reuse = \"mru\"\n", &format!("reuse = \"mru\"\n{frag}"));
            std::fs::write(dir.join("s.toml"), text).unwrap();
            ok(&faasim(
                &["run", "s.toml", "--out", "run", "--quiet", "--no-plots"],
                &dir,
            ));
            let l = &json(&dir.join("run/summary.json"))["traces"][0]["labels"];
            let n = |k: &str| l[k].as_u64().unwrap();
            logged += n("cold_as_cold") + n("cold_as_warm") + n("cold_not_started");
            simulated += n("cold_as_cold") + n("warm_as_cold");
            both += n("cold_as_cold");
        }
        assert_eq!(logged, 144);
        let err = (simulated as f64 - 144.0) / 144.0;
        let recall = both as f64 / logged as f64;
        let precision = both as f64 / simulated as f64;
        eprintln!(
            "{fit}: {simulated} cold starts ({err:+.3}), precision {precision:.3}, recall {recall:.3}"
        );
        // Measured (seed 1): npmle 155 (+7.6 %), recall 0.72; median 147 (+2.1 %), recall 0.84.
        // The floor: a model that knew only how many cold starts there are would recall about
        // 5 % (cold starts predicted over requests replayed); the two fitted policies recall
        // 0.72 and 0.84 here and 0.5 to 0.86 log by log (docs/validation.md).
        assert!(
            err.abs() < 0.10,
            "{fit}: {simulated} cold starts against 144"
        );
        assert!(recall > 0.6, "{fit}: recall {recall}");
        assert!(precision > 0.5, "{fit}: precision {precision}");
    }
}

/// Malformed logs stop with exit status 2 and a message naming the file and line.
#[test]
fn malformed_logs_are_named() {
    let dir = temp_dir("calibrate-bad");
    let cases: [(&str, &str, &str); 5] = [
        (
            "arrival,duration,cold\n1,1,true\n",
            "log.csv:1",
            "\"environment\"",
        ),
        (
            "arrival,duration,environment,cold\n1,1,a,maybe\n",
            "log.csv:2",
            "true or false",
        ),
        (
            "arrival,duration,environment,cold\n1000,1,a,true\n1,1,a,false\n",
            "log.csv:3",
            "--reorder",
        ),
        (
            "arrival,duration,environment,cold\n1,x,a,true\n",
            "log.csv:2",
            "duration",
        ),
        (
            "arrival,duration,environment,cold\n1,1,a,true\n5,1,a,false\n",
            "log.csv",
            "no idle period ended by a cold start",
        ),
    ];
    for (text, place, what) in cases {
        std::fs::write(dir.join("log.csv"), text).unwrap();
        let o = faasim(
            &[
                "calibrate",
                "keep-alive",
                "log.csv",
                "--format",
                "csv",
                "--out",
                "o",
            ],
            &dir,
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(place) && err.contains(what), "{text}: {err}");
    }
    for (flag, value) in [
        ("--format", "cloudwatch"),
        ("--fit", "gamma"),
        ("--replicates", "0"),
    ] {
        std::fs::write(dir.join("log.csv"), "arrival,duration,environment,cold\n").unwrap();
        let o = faasim(&["calibrate", "keep-alive", "log.csv", flag, value], &dir);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flag}: {err}");
        assert!(err.contains(flag), "{flag}: {err}");
    }
}

/// The default `idle_ttl` of `keep_alive_policy = "random"` is what calibration learns from all
/// nine AWS logs today ("AWS, us-east-1, 2020").
#[test]
fn the_shipped_default_is_the_fit_on_all_nine_aws_logs() {
    let dir = temp_dir("calibrate-all");
    let mut args: Vec<String> = vec!["calibrate".into(), "keep-alive".into()];
    let logs = aws_logs();
    args.extend(logs.iter().map(|p| p.display().to_string()));
    args.extend(["--out", "cal", "--no-plots", "--replicates", "10"].map(String::from));
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    ok(&faasim(&args, &dir));
    let c = json(&dir.join("cal/calibration.json"));
    let fitted: Vec<(f64, f64)> = c["npmle"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    let sim_core::dist::DistSpec::Quantiles { points } = sim_core::scenario::aws_us_east_1_2020()
    else {
        panic!("the default is a quantiles distribution");
    };
    assert_eq!(points.len(), fitted.len());
    for (&(q, t), &(fq, ft)) in points.iter().zip(&fitted) {
        assert!((q - fq).abs() < 1e-6, "{q} vs {fq}");
        assert!((t.as_secs_f64() - ft).abs() < 0.051, "{t:?} vs {ft}");
    }
    assert!((c["npmle"]["median_s"]["estimate"].as_f64().unwrap() - 637.85).abs() < 0.01);
}

/// The same logs and seed give the same files on one thread or two.
#[test]
fn calibration_is_the_same_on_any_number_of_threads() {
    let dir = temp_dir("calibrate-threads");
    let log = root().join("traces/aws-lambda-requests/res-01-2020-06-04_23-02-14.csv");
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = format!("t{threads}");
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_faasim"))
            .args([
                "calibrate",
                "keep-alive",
                log.to_str().unwrap(),
                "--replicates",
                "40",
            ])
            .args(["--out", &out])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(&dir)
            .output()
            .unwrap();
        ok(&o);
        outs.push(
            ["calibration.json", "keep_alive.toml", "survival.svg"]
                .map(|f| std::fs::read(dir.join(&out).join(f)).unwrap()),
        );
    }
    assert!(outs[0] == outs[1], "the thread count changed the output");
}

/// Mutated logs (bytes changed, lines cut, duplicated or swapped) end with exit status 0 or 2,
/// never a panic, and a refusal names the log.
#[test]
fn mutated_logs_exit_0_or_2() {
    let dir = temp_dir("calibrate-fuzz");
    let base = "arrival,duration,environment,cold,function\n\
                0,1,a,true,f\n60,1,a,false,f\n700,1,b,true,f\n705,2,a,false,g\n\
                1400,1,c,true,f\n1500,0.5,c,false,f\n2200,1,d,true,f\n";
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let pool: &[u8] = b"0123456789.,-eEtruefalsTF\n\"x #";
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..150 {
        let mut bytes = base.as_bytes().to_vec();
        for _ in 0..1 + next(3) {
            match next(8) {
                // A byte from the pool, inserted or in place of another: mostly refused.
                0 => {
                    let i = next(bytes.len());
                    bytes[i] = pool[next(pool.len())];
                }
                1 => {
                    let i = next(bytes.len());
                    bytes.insert(i, pool[next(pool.len())]);
                }
                // A digit changed: mostly accepted, the times and durations moved.
                2..=4 => {
                    let digits: Vec<usize> = (0..bytes.len())
                        .filter(|&i| bytes[i].is_ascii_digit())
                        .collect();
                    let i = digits[next(digits.len())];
                    bytes[i] = b'0' + next(10) as u8;
                }
                5 => {
                    let i = next(bytes.len());
                    bytes.truncate(i.max(1));
                }
                _ => {
                    let text = String::from_utf8_lossy(&bytes).to_string();
                    let mut lines: Vec<&str> = text.lines().collect();
                    let (i, j) = (next(lines.len()), next(lines.len()));
                    lines.swap(i, j);
                    bytes = (lines.join("\n") + "\n").into_bytes();
                }
            }
        }
        std::fs::write(dir.join("log.csv"), &bytes).unwrap();
        let o = faasim(
            &[
                "calibrate",
                "keep-alive",
                "log.csv",
                "--format",
                "csv",
                "--replicates",
                "5",
            ],
            &dir,
        );
        let err = String::from_utf8_lossy(&o.stderr);
        match o.status.code() {
            Some(0) => accepted += 1,
            Some(2) => {
                refused += 1;
                assert!(err.contains("log.csv"), "case {case}: {err}");
            }
            other => panic!(
                "case {case}: exit {other:?}: {err}\n{}",
                String::from_utf8_lossy(&bytes)
            ),
        }
    }
    // Mutations that only ever fail, or never, would test one side only.
    assert!(
        accepted > 10 && refused > 10,
        "{accepted} accepted, {refused} refused"
    );
}
