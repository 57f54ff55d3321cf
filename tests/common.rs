//! Helpers shared by the integration tests.
#![allow(dead_code)]

use sim_core::{
    NoFiles, NullObserver, Observer, RequestRecord, SampleRow, Scenario, Summary, simulate,
};

/// An observer that keeps every attempt record and time-series row.
#[derive(Default)]
pub struct Recorder {
    pub attempts: Vec<RequestRecord>,
    pub rows: Vec<SampleRow>,
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
}

/// Parses a scenario from TOML text.
pub fn scenario(text: &str) -> Scenario {
    toml::from_str(text).unwrap_or_else(|e| panic!("test scenario does not parse: {e}\n{text}"))
}

/// Runs a scenario given as TOML text.
pub fn run(text: &str) -> Summary {
    simulate(&scenario(text), &NoFiles, &mut NullObserver).expect("test scenario runs")
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
