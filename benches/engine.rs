//! Benchmarks: the engine's raw event rate, and end-to-end simulation speed on (a) the quickstart
//! scenario, (b) 100 functions × 10 requests/s for one simulated hour, (c) the fault
//! scenarios: a retry storm, an async function through a dependency outage, an SQS consumer with
//! poison messages, and (d) requests that make two calls each, beside the same requests without
//! them (in top-level requests a second: a request with two calls should cost at most three
//! plain ones).
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
        whole_runs(&mut g, name, &scenario, attempts);
    }
    // (d) Three hops, and the same traffic without the calls; throughput in requests.
    let hops = load("scenarios/bench-three-hop.toml");
    let mut plain = hops.clone();
    plain.functions[0].calls.clear();
    for (name, scenario) in [("three_hop", hops), ("three_hop_plain", plain)] {
        // The front function's requests: those of "back" are calls.
        let requests = sim_core::simulate(&scenario, &NoFiles, &mut NullObserver)
            .expect("runs")
            .functions
            .0[0]
            .1
            .requests;
        whole_runs(&mut g, name, &scenario, requests);
    }
    g.finish();
}

/// Benchmarks whole summary-only runs of `scenario` as `name`, in `elements` a run.
fn whole_runs(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    scenario: &Scenario,
    elements: u64,
) {
    g.throughput(Throughput::Elements(elements));
    g.bench_function(name, |b| {
        b.iter(|| {
            Simulation::new(scenario, &NoFiles)
                .expect("valid")
                .run(&mut NullObserver)
                .expect("runs")
        })
    });
}

/// Opens files from a folder.
struct Folder(std::path::PathBuf);
impl sim_core::Resources for Folder {
    fn open(&self, path: &str) -> Result<Box<dyn std::io::BufRead>, String> {
        std::fs::File::open(self.0.join(path))
            .map(|f| Box::new(std::io::BufReader::with_capacity(1 << 16, f)) as _)
            .map_err(|e| e.to_string())
    }
}

/// The same 600,000 requests (1,000 a second for 10 minutes, 20 ms each) generated as a Poisson
/// process and replayed from a `timestamps` file of the same arrivals: the cost of reading a trace.
fn replay(c: &mut Criterion) {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("faasim-bench-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut rng = sim_core::rng::SimRng::new(5, 5);
    let (mut t, mut n) = (0.0f64, 0u64);
    {
        let mut w =
            std::io::BufWriter::new(std::fs::File::create(dir.join("t.csv")).expect("file"));
        loop {
            t += -rng.uniform_open0().ln() / 1000.0;
            if t >= 600.0 {
                break;
            }
            writeln!(w, "{t:.6}").expect("write");
            n += 1;
        }
    }
    let base = r#"
        [simulation]
        duration = "10m"
        seed = 5
        [[functions]]
        name = "f"
        duration = { dist = "exponential", mean = "20ms" }
        cold_start = { dist = "constant", value = "200ms" }
        [[workloads]]
        function = "f"
    "#;
    let poisson: Scenario = toml::from_str(&format!(
        "{base}arrivals = {{ process = \"poisson\", rate = 1000 }}\n"
    ))
    .expect("parses");
    let trace: Scenario = toml::from_str(&format!(
        "{base}arrivals = {{ trace = \"t.csv\", format = \"timestamps\" }}\n"
    ))
    .expect("parses");
    let res = Folder(dir.clone());
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    for (name, scenario) in [("poisson_600k", &poisson), ("timestamps_600k", &trace)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                Simulation::new(scenario, &res)
                    .expect("valid")
                    .run(&mut NullObserver)
                    .expect("runs")
            })
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, engine, end_to_end, replay);
criterion_main!(benches);
