//! # sim-core
//!
//! The library behind faasim: a discrete-event simulator of serverless platforms. It holds the
//! engine (integer-nanosecond clock, (time, sequence)-ordered event queue, seeded random streams),
//! the Lambda model (functions, execution environments, cold starts, keep-alive, reuse order,
//! concurrency pools and throttling, timeouts, cost), workloads (generated arrivals and streamed
//! traces) and streamed metrics.
//!
//! It performs no file or terminal I/O: inputs come through [`Resources`], outputs go to an
//! [`Observer`] and the returned [`Summary`].
//!
//! ```
//! use sim_core::{Scenario, simulate, NoFiles, NullObserver};
//! # use sim_core::scenario::*; use sim_core::dist::DistSpec; use sim_core::Nanos;
//! let scenario = Scenario {
//!     name: Some("doc".into()),
//!     simulation: Simulation { duration: Nanos::from_secs(600), warmup: Nanos::ZERO, seed: 1,
//!                              sample_interval: Nanos::from_secs(60) },
//!     account: Account::default(),
//!     pricing: Pricing::default(),
//!     functions: vec![Function { name: "api".into(), memory_mb: 128, timeout: Nanos::from_secs(3),
//!         duration: DistSpec::Exponential { mean: Nanos::from_millis(200) },
//!         cold_start: DistSpec::constant(Nanos::from_millis(250)), keep_alive: Nanos::from_secs(600),
//!         reuse: Reuse::Mru, architecture: Architecture::X86_64, reserved_concurrency: None,
//!         provisioned_concurrency: 0, error_probability: 0.0 }],
//!     workloads: vec![Workload { name: None, function: "api".into(), invocation: Invocation::Sync,
//!         arrivals: Arrivals { process: Some(Process::Poisson), rate: Some(5.0), trace: None, format: None },
//!         retry: None }],
//!     retry_policies: vec![],
//! };
//! let summary = simulate(&scenario, &NoFiles, &mut NullObserver).unwrap();
//! assert_eq!(summary.total.outcomes.total(), summary.total.requests);
//! ```

pub mod dist;
pub mod engine;
pub mod metrics;
pub mod retry;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod time;
pub mod workload;

pub use metrics::{LatencyHist, Metrics, Outcome, Summary};
pub use scenario::Scenario;
pub use sim::{
    NoFiles, NullObserver, Observer, RequestRecord, Resources, RunOutput, SampleRow, SimError,
    Simulation, simulate,
};
pub use time::Nanos;
pub use workload::InputError;
