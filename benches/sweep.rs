//! Benchmarks of `faasim sweep` as a user runs it: the whole process, on
//! `scenarios/bench-sweep.sweep.toml` (64 configurations × 5 replications of quickstart).
//!
//! - `sweep/jobs_1` and `sweep/jobs_2`: the same sweep on one and two threads, `--no-plots`. Their
//!   ratio is the parallel speed-up.
//! - `sweep/jobs_2_report`: on two threads with the report (plots and `index.html`). Against
//!   `jobs_2` it gives the report layer's share of a sweep's time.
//!
//! Run with `cargo bench --bench sweep`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

fn sweep(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("scenarios/bench-sweep.sweep.toml");
    let out = std::env::temp_dir().join(format!("faasim-bench-sweep-{}", std::process::id()));
    let mut g = c.benchmark_group("sweep");
    g.sample_size(30);
    g.measurement_time(Duration::from_secs(20));
    for (name, jobs, plots) in [
        ("jobs_1", "1", false),
        ("jobs_2", "2", false),
        ("jobs_2_report", "2", true),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_faasim"));
                cmd.arg("sweep")
                    .arg(&file)
                    .args(["--jobs", jobs, "--quiet", "--out"])
                    .arg(&out);
                if !plots {
                    cmd.arg("--no-plots");
                }
                let status = cmd.status().expect("faasim starts");
                assert!(status.success(), "faasim sweep failed");
            })
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&out);
}

criterion_group!(benches, sweep);
criterion_main!(benches);
