//! Sweeps as a planner runs them: interrupted and resumed, split into shards and merged, their
//! confidence intervals checked against Erlang B, and their report (plots, index.html) complete.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{faasim, ok, temp_dir};

/// `faasim sweep s.toml --out OUT --quiet --no-plots EXTRA...` in `dir`.
fn quiet_sweep(dir: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["sweep", "s.toml", "--out", out, "--quiet", "--no-plots"];
    args.extend(extra);
    faasim(&args, dir)
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A small scenario (a function with a concurrency cap under Poisson load) and a sweep of it.
const BASE: &str = r#"
name = "cap"
[simulation]
duration = "5m"
warmup = "20s"
seed = 11
[[functions]]
name = "f"
duration = { dist = "exponential", mean = "1s" }
timeout = "1m"
reserved_concurrency = 5
keep_alive = "1h"
[[workloads]]
function = "f"
arrivals = { process = "poisson", rate = 4 }
"#;

const SWEEP: &str = r#"
base = "base.toml"
replications = 3
baseline = "small"
[[configurations]]
name = "small"
[[configurations]]
name = "large"
set = { "functions.f.reserved_concurrency" = 8 }
[grid]
"workloads.0.arrivals.rate" = [3, 4, 5]
"#;

fn setup(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    std::fs::write(dir.join("s.toml"), SWEEP).unwrap();
    dir
}

const TABLES: [&str; 3] = ["results.csv", "comparison.csv", "summary.csv"];

fn tables(dir: &Path) -> Vec<String> {
    TABLES.iter().map(|t| read(dir.join(t))).collect()
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_results() {
    let dir = setup("resume");
    ok(&quiet_sweep(&dir, "whole", &[]));
    let whole = tables(&dir.join("whole"));
    assert_eq!(whole[0].lines().count(), 1 + 2 * 3 * 3);
    // Stopped after 7 runs, then resumed: nothing lost, nothing twice.
    let o = faasim(
        &[
            "sweep",
            "s.toml",
            "--out",
            "part",
            "--no-plots",
            "--max-runs",
            "7",
            "--jobs",
            "2",
        ],
        &dir,
    );
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("--resume"));
    assert_eq!(read(dir.join("part/results.csv")).lines().count(), 1 + 7);
    let o = faasim(
        &["sweep", "s.toml", "--out", "part", "--no-plots", "--resume"],
        &dir,
    );
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("11 runs"));
    assert_eq!(tables(&dir.join("part")), whole);
    // A resumed complete sweep runs nothing and changes nothing.
    ok(&quiet_sweep(&dir, "part", &["--resume"]));
    assert_eq!(tables(&dir.join("part")), whole);
}

/// A sweep killed while it runs (the last line may be cut short) loses at most the runs in
/// flight; `--resume` completes it to the uninterrupted result.
#[test]
fn a_killed_sweep_resumes_to_the_same_results() {
    let dir = setup("kill");
    // Longer runs, so that the kill lands mid-sweep.
    std::fs::write(
        dir.join("base.toml"),
        BASE.replace("duration = \"5m\"", "duration = \"24h\""),
    )
    .unwrap();
    ok(&quiet_sweep(&dir, "whole", &[]));
    let whole = tables(&dir.join("whole"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_faasim"))
        .args([
            "sweep",
            "s.toml",
            "--out",
            "part",
            "--quiet",
            "--no-plots",
            "--jobs",
            "1",
        ])
        .current_dir(&dir)
        .spawn()
        .unwrap();
    let results = dir.join("part/results.csv");
    let start = std::time::Instant::now();
    loop {
        let n = std::fs::read_to_string(&results)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if n > 4 || start.elapsed().as_secs() > 120 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = read(results.clone()).lines().count() - 1;
    assert!(
        kept < 18,
        "the sweep finished before the kill ({kept} rows)"
    );
    ok(&quiet_sweep(&dir, "part", &["--resume"]));
    assert_eq!(tables(&dir.join("part")), whole);
}

#[test]
fn shards_merged_equal_the_whole_sweep() {
    let dir = setup("shards");
    ok(&quiet_sweep(&dir, "whole", &[]));
    let whole = tables(&dir.join("whole"));
    let mut count = 0;
    for k in 1..=3 {
        let out = format!("shard{k}");
        ok(&faasim(
            &[
                "sweep",
                "s.toml",
                "--out",
                &out,
                "--quiet",
                "--no-plots",
                "--shard",
                &format!("{k}/3"),
            ],
            &dir,
        ));
        count += read(dir.join(&out).join("results.csv")).lines().count() - 1;
    }
    assert_eq!(count, 18);
    // The index from the environment, as a Kubernetes indexed job gives it (0-based).
    let o = Command::new(env!("CARGO_BIN_EXE_faasim"))
        .args([
            "sweep",
            "s.toml",
            "--out",
            "env1",
            "--quiet",
            "--no-plots",
            "--shard",
            "env/3",
        ])
        .env("JOB_COMPLETION_INDEX", "0")
        .env_remove("FAASIM_SHARD")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .current_dir(&dir)
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(
        read(dir.join("env1/results.csv")),
        read(dir.join("shard1/results.csv"))
    );
    ok(&faasim(
        &[
            "merge",
            "s.toml",
            "shard1",
            "shard2",
            "shard3",
            "--out",
            "merged",
            "--quiet",
            "--no-plots",
        ],
        &dir,
    ));
    assert_eq!(tables(&dir.join("merged")), whole);
    // A shard's folder cannot be resumed as another shard.
    let o = quiet_sweep(&dir, "shard1", &["--shard", "2/3", "--resume"]);
    assert_eq!(o.status.code(), Some(2));
    for bad in ["0/3", "4/3", "x", "1/0"] {
        let o = faasim(
            &["sweep", "s.toml", "--out", "b", "--quiet", "--shard", bad],
            &dir,
        );
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("--shard"));
    }
}

/// Erlang B: blocking probability of c servers at offered load a.
fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    b
}

/// The 95 % intervals of summary.csv cover the true blocking probability of an M/M/5/5 system
/// (Erlang B) in about 95 % of 200 independent sweeps of 5 replications.
#[test]
fn confidence_intervals_cover_erlang_b_95_percent_of_the_time() {
    let dir = temp_dir("coverage");
    std::fs::write(
        dir.join("base.toml"),
        BASE.replace("duration = \"5m\"", "duration = \"1000s\""),
    )
    .unwrap();
    // 200 sweeps in one: base seeds 1,000 apart, so no two runs share a seed.
    let seeds: Vec<String> = (0..200).map(|i| (i * 1000).to_string()).collect();
    std::fs::write(
        dir.join("s.toml"),
        format!(
            "base = \"base.toml\"\nreplications = 5\n[grid]\n\"simulation.seed\" = [{}]\n",
            seeds.join(", ")
        ),
    )
    .unwrap();
    ok(&quiet_sweep(&dir, "o", &[]));
    let truth = erlang_b(5, 4.0);
    let summary = read(dir.join("o/summary.csv"));
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (m, lo, hi) = (col("metric"), col("ci95_low"), col("ci95_high"));
    let mut covered = 0;
    let mut n = 0;
    let mut means = Vec::new();
    for line in summary.lines().skip(1) {
        let v: Vec<&str> = line.split(',').collect();
        if v[m] != "throttle_ratio" {
            continue;
        }
        n += 1;
        let (l, h): (f64, f64) = (v[lo].parse().unwrap(), v[hi].parse().unwrap());
        means.push((l + h) / 2.0);
        if l <= truth && truth <= h {
            covered += 1;
        }
    }
    assert_eq!(n, 200);
    let grand = means.iter().sum::<f64>() / n as f64;
    println!("coverage {covered}/200; mean blocking {grand:.4} vs Erlang B {truth:.4}");
    assert!((grand - truth).abs() / truth < 0.02, "{grand} vs {truth}");
    // Binomial(200, 0.95): mean 190, sd 3.1; 181..=199 is about ±3 sd.
    assert!(
        (181..=199).contains(&covered),
        "{covered} of 200 intervals cover {truth}"
    );
}

#[test]
fn a_sweep_report_has_every_plot_and_an_index_that_links_only_real_files() {
    let dir = setup("report");
    ok(&faasim(&["sweep", "s.toml", "--out", "r", "--quiet"], &dir));
    let r = dir.join("r");
    for stem in [
        "comparison",
        "pareto",
        "by_workloads_0_arrivals_rate",
        "latency_cdfs",
    ] {
        for ext in ["png", "svg"] {
            let p = r.join(format!("{stem}.{ext}"));
            assert!(
                p.metadata().map(|m| m.len() > 1000).unwrap_or(false),
                "{}",
                p.display()
            );
        }
        let decoder =
            png::Decoder::new(std::fs::File::open(r.join(format!("{stem}.png"))).unwrap());
        let reader = decoder.read_info().expect("the PNG decodes");
        assert_eq!(reader.info().width, 960);
    }
    let html = read(r.join("index.html"));
    let links = linked_files(&html);
    assert!(links.contains(&"pareto.png".to_string()), "{links:?}");
    assert!(links.contains(&"summary.csv".to_string()), "{links:?}");
    for l in &links {
        assert!(
            r.join(l).is_file(),
            "index.html links {l}, which does not exist"
        );
    }
    assert!(html.contains("faasim sweep s.toml"));
    // summary.csv: the baseline's paired differences are empty, the others' are filled.
    let summary = read(r.join("summary.csv"));
    let rows: BTreeMap<String, Vec<String>> = summary
        .lines()
        .skip(1)
        .filter(|l| l.contains(",p99_ms,"))
        .map(|l| {
            let v: Vec<String> = l.split(',').map(str::to_string).collect();
            (v[0].clone(), v)
        })
        .collect();
    assert_eq!(rows.len(), 6);
    for (name, v) in &rows {
        let diff = &v[v.len() - 3];
        assert_eq!(diff.is_empty(), name.starts_with("small "), "{name}: {v:?}");
    }
    // A run's report too.
    ok(&faasim(
        &["run", "base.toml", "--out", "run", "--quiet"],
        &dir,
    ));
    let html = read(dir.join("run/index.html"));
    let links = linked_files(&html);
    for plot in ["latency_cdf.png", "instances.png", "latency_over_time.png"] {
        assert!(links.contains(&plot.to_string()), "{links:?}");
    }
    for l in &links {
        assert!(dir.join("run").join(l).is_file(), "{l}");
    }
}

/// The `src` and `href` targets of a page.
fn linked_files(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(key) {
            rest = &rest[i + key.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}
