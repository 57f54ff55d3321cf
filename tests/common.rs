//! Helpers shared by the integration tests.
#![allow(dead_code)]

use sim_core::{
    NoFiles, NullObserver, Observer, RequestRecord, SampleRow, Scenario, ServiceRow, Simulation,
    Summary, simulate,
};
use std::collections::BTreeMap;

/// An observer that keeps every attempt record and time-series row.
#[derive(Default)]
pub struct Recorder {
    pub attempts: Vec<RequestRecord>,
    pub rows: Vec<SampleRow>,
    pub services: Vec<ServiceRow>,
}

impl Observer for Recorder {
    fn wants_requests(&self) -> bool {
        true
    }
    fn request(&mut self, r: &RequestRecord) {
        self.attempts.push(*r);
    }
    fn sample(&mut self, row: &SampleRow) {
        self.rows.push(*row);
    }
    fn service(&mut self, row: &ServiceRow) {
        self.services.push(*row);
    }
}

/// Parses a scenario from TOML text.
pub fn scenario(text: &str) -> Scenario {
    toml::from_str(text).unwrap_or_else(|e| panic!("test scenario does not parse: {e}\n{text}"))
}

/// Runs a scenario given as TOML text.
pub fn run(text: &str) -> Summary {
    simulate(&scenario(text), &NoFiles, &mut NullObserver).expect("test scenario runs")
}

/// Runs a scenario given as TOML text, keeping every attempt record and time-series row; checks
/// that no event was scheduled in the past.
pub fn record(text: &str) -> (Summary, Recorder) {
    let mut rec = Recorder::default();
    let out = Simulation::new(&scenario(text), &NoFiles)
        .expect("test scenario is valid")
        .run(&mut rec)
        .expect("test scenario runs");
    assert_eq!(out.late_events, 0, "an event was scheduled in the past");
    (out.summary, rec)
}

/// The attempt records of each request (or SQS message), in attempt order.
pub fn by_request(rec: &Recorder) -> BTreeMap<u64, Vec<RequestRecord>> {
    let mut m: BTreeMap<u64, Vec<_>> = BTreeMap::new();
    for r in &rec.attempts {
        m.entry(r.id).or_default().push(*r);
    }
    for v in m.values_mut() {
        v.sort_by_key(|r| r.attempt);
    }
    m
}

/// Erlang B blocking probability B(c, a), by the stable recurrence.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    b
}

pub fn rel_err(got: f64, want: f64) -> f64 {
    (got - want).abs() / want
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load `a`
/// (arrival rate over service rate), `a < c`.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / c as f64;
    b / (1.0 - rho + rho * b)
}

/// Runs the `faasim` binary in `cwd`.
pub fn faasim(args: &[&str], cwd: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_faasim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("faasim runs")
}

/// An empty folder of this test process for `name`.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("faasim-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Asserts the command succeeded, showing its status and stderr if not.
pub fn ok(o: &std::process::Output) {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The nine AWS request logs of `traces/aws-lambda-requests/`, in date order.
pub fn aws_logs() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/aws-lambda-requests");
    let mut logs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    logs.sort();
    assert_eq!(logs.len(), 9);
    logs
}
