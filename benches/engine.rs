//! Benchmarks: the engine's raw event rate, and end-to-end simulation speed on (a) the quickstart
//! scenario, (b) 100 functions × 10 requests/s for one simulated hour, and (c) the fault
//! scenarios: a retry storm, an async function through a dependency outage, an SQS consumer with
//! poison messages.
//!
//! Run with `cargo bench`; each end-to-end benchmark reports throughput in simulated invocation
//! attempts per second ("elem/s"): requests, plus retries and redeliveries where there are any.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sim_core::engine::EventQueue;
use sim_core::rng::SimRng;
use sim_core::{NoFiles, NullObserver, Scenario, Simulation};
use std::hint::black_box;

fn load(path: &str) -> Scenario {
    let text = std::fs::read_to_string(path).expect("scenario file");
    toml::from_str(&text).expect("scenario parses")
}

/// Hold model: `pending` events in the queue; each step pops the earliest and schedules one at
/// an exponentially distributed time later.
fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine_hold");
    for pending in [100usize, 10_000, 1_000_000] {
        let steps = 1_000_000u64;
        g.throughput(Throughput::Elements(steps));
        g.sample_size(10);
        g.bench_function(format!("pending_{pending}"), |b| {
            b.iter(|| {
                let mut rng = SimRng::new(1, 1);
                let mean = 1e6 * pending as f64;
                let mut q =
                    EventQueue::for_rates((mean / pending as f64) as u64, (4.0 * mean) as u64);
                for i in 0..pending {
                    q.schedule((rng.uniform() * mean) as u64, i as u32);
                }
                let mut acc = 0u64;
                for _ in 0..steps {
                    let (t, e) = q.pop().expect("the queue holds events");
                    acc = acc.wrapping_add(e as u64);
                    q.schedule(t + (-rng.uniform_open0().ln() * mean) as u64, e);
                }
                black_box(acc)
            })
        });
    }
    g.finish();
}

fn end_to_end(c: &mut Criterion) {
    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(10);
    for (name, path) in [
        ("quickstart", "scenarios/quickstart.toml"),
        ("100fn_x_10rps_1h", "scenarios/bench-100x10.toml"),
        ("retry_storm", "scenarios/retry-storm.toml"),
        ("async_outage", "scenarios/async-dependency-outage.toml"),
        ("sqs_poison", "scenarios/sqs-poison-message.toml"),
        ("asg_1000x4_10krps_5min", "scenarios/bench-asg.toml"),
    ] {
        let mut scenario = load(path);
        if name.starts_with("asg") {
            // Five simulated minutes of the hour (3 M requests) keep a sample short.
            scenario.simulation.duration = sim_core::Nanos::from_secs(300);
        }
        // Throughput in invocation attempts (retries and redeliveries included).
        let attempts = sim_core::simulate(&scenario, &NoFiles, &mut NullObserver)
            .expect("runs")
            .total
            .attempts;
        g.throughput(Throughput::Elements(attempts));
        g.bench_function(name, |b| {
            b.iter(|| {
                Simulation::new(&scenario, &NoFiles)
                    .expect("valid")
                    .run(&mut NullObserver)
                    .expect("runs")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, engine, end_to_end);
criterion_main!(benches);
