//! # sim-core
//!
//! The library behind faasim: a discrete-event simulator of serverless platforms. It holds the
//! engine (integer-nanosecond clock, (time, sequence)-ordered event queue, seeded random streams),
//! the Lambda model (functions, execution environments, cold starts, keep-alive, reuse order,
//! concurrency pools and throttling, timeouts, cost), faults (errors, init failures, crashes,
//! scheduled incidents), retries (client policies, async retries, SQS redelivery and dead-letter
//! queues), workloads (generated arrivals and streamed traces) and streamed metrics.
//!
//! It performs no file or terminal I/O: inputs come through [`Resources`], outputs go to an
//! [`Observer`] and the returned [`Summary`].
//!
//! ```
//! use sim_core::scenario::{Function, Scenario, Workload};
//! use sim_core::{Nanos, NoFiles, NullObserver, dist::DistSpec, simulate};
//! let mut api = Function::new("api", DistSpec::Exponential { mean: Nanos::from_millis(200) });
//! api.cold_start = Some(DistSpec::constant(Nanos::from_millis(250)));
//! let mut scenario = Scenario::new(
//!     Nanos::from_secs(600),
//!     vec![api],
//!     vec![Workload::poisson("api", 5.0)],
//! );
//! scenario.simulation.seed = 7;
//! let summary = simulate(&scenario, &NoFiles, &mut NullObserver).unwrap();
//! assert_eq!(summary.total.outcomes.total(), summary.total.requests);
//! ```

pub mod calibrate;
pub mod dist;
pub mod engine;
pub mod error;
pub mod inputs;
pub mod metrics;
pub mod observer;
pub mod profile;
pub mod rates;
pub mod resources;
pub mod retry;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod time;
pub mod trace;
pub mod workload;

pub use error::{ConfigError, InputError, SimError};
pub use metrics::{LatencyHist, Metrics, Outcome, Summary};
pub use observer::{ServiceRow, WorkflowRow};
pub use resources::{NoFiles, Reopener, Resources};
pub use scenario::Scenario;
pub use sim::{NullObserver, Observer, RequestRecord, RunOutput, SampleRow, Simulation, simulate};
pub use time::Nanos;
