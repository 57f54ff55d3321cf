//! The simulation: the event loop and the Lambda model — functions, execution
//! environments (instances) with cold starts, keep-alive and reuse order, concurrency pools with
//! throttling, timeouts, cost — and the streamed metrics.
//!
//! # One request's path
//! `Arrival(w)` pops → the workload schedules its next arrival and draws this request's service
//! time from its own stream → the function's concurrency pool admits it or throttles it (429) →
//! an idle instance is taken in the function's reuse order, or a new one is created (cold start:
//! init time, then the request) → `Done(instance, epoch)` is scheduled at the end of
//! execution (or at the timeout) → on `Done` the outcome and latency are recorded and the instance
//! joins the idle list → `Expire(f)` reclaims instances idle for `keep_alive`.
//!
//! # Idle instances
//! Each function keeps its idle instances in an intrusive doubly-linked list ordered by the time
//! they became idle (head = idle longest). With one keep-alive per function, expiry times follow
//! the same order, so reclaiming is popping the head; one pending `Expire(f)` event per function
//! (at the head's expiry time, rescheduled when it fires) keeps the instance count exact without
//! an event per idle period. `mru` takes the tail, `lru` the head, `random` a uniform pick (via a
//! position vector), `newest` the most recently created (via a max-heap with lazy deletion).

use crate::dist::{Dist, DistSpec};
use crate::engine::EventQueue;
use crate::error::{InputError, SimError};
use crate::inputs::{load_dist, open_trace, read_points};
use crate::metrics::{
    Cost, Ec2Cost, FunctionMetrics, Instances, LatencyHist, Metrics, Outcome, Outcomes, Summary,
    round_sig,
};
use crate::resources::Resources;
use crate::retry::{Failure, Policy};
use crate::rng::{SimRng, stream};
use crate::scenario::{
    AllocationRule, Architecture, Invocation, KeepAlivePolicy, Process, Reuse, ScalingRule,
    Scenario,
};
use crate::time::{NS_PER_S, Nanos};
use crate::trace::{NO_DURATION, Replay};
use crate::workload::ArrivalSource;
use std::collections::BinaryHeap;
use std::collections::HashMap;

mod asg;
mod faults;
mod keepalive;
mod provisioned;
mod queues;

pub use asg::AsgSample;
use asg::{Asg, InstEv};
use faults::IncidentState;
use keepalive::{Idle, IdlePolicy};
use provisioned::{Provisioned, Scaler};
use queues::{AsyncPolicy, Batch, Msg, SqsSource};

/// One request attempt, as written to `requests.csv`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RequestRecord {
    pub id: u64,
    pub function: u32,
    pub arrival: Nanos,
    /// When execution (or the cold start before it) began; `None` if it never did.
    pub start: Option<Nanos>,
    /// When the attempt ended; `None` if still running at the end of the simulation.
    pub end: Option<Nanos>,
    pub cold: bool,
    pub outcome: Outcome,
    pub attempt: u32,
    /// Whether the request arrived in the measured window (after warmup).
    pub measured: bool,
}

/// One row of the time series: function `function` over `[time, time + span)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleRow {
    pub time: Nanos,
    pub span: Nanos,
    pub function: u32,
    pub arrivals: u64,
    /// Time-averaged instances alive, busy and idle over the interval.
    pub instances: f64,
    pub busy: f64,
    pub idle: f64,
    /// Instances alive at the end of the interval.
    pub instances_end: u64,
    pub cold_starts: u64,
    pub throttles: u64,
    /// Attempts that ended in an error (timeouts, crashes and init failures included).
    pub errors: u64,
    /// Attempts after a request's first: client retries, async retries, SQS redeliveries.
    pub retries: u64,
    /// Events and messages sent to the dead-letter queue in the interval.
    pub dead_lettered: u64,
    /// Events and messages in the dead-letter queue at the end of the interval (nothing consumes
    /// it, so this is the running total).
    pub dlq_depth: u64,
    /// Async events and SQS messages waiting at the end of the interval (not executing).
    pub queue_depth: u64,
    /// Largest age of an async event or SQS message when an attempt on it began (AWS
    /// `AsyncEventAge`, `ApproximateAgeOfOldestMessage`).
    pub max_event_age_ms: f64,
    /// Incidents affecting the function at some time in the interval.
    pub incidents: u32,
    /// Provisioned environments allocated at the end of the interval.
    pub provisioned: u64,
    /// Busy provisioned environments over allocated ones, time-averaged over the interval
    /// (AWS `ProvisionedConcurrencyUtilization`; 0 without any).
    pub provisioned_utilization: f64,
    /// Invocations served on demand although the function has provisioned concurrency (AWS
    /// `ProvisionedConcurrencySpilloverInvocations`).
    pub spillover: u64,
    pub succeeded: u64,
    /// Latency of the requests that succeeded in the interval (0 if none).
    pub p99_latency_ms: f64,
    pub mean_latency_ms: f64,
    /// The EC2 Auto Scaling group's columns (functions with `platform = "asg"`).
    pub asg: Option<AsgSample>,
}

/// Receives what a run produces while it runs, so that nothing per request is kept in memory.
pub trait Observer {
    /// Whether `request` should be called (building records costs a little).
    fn wants_requests(&self) -> bool {
        false
    }
    /// Whether `sample` should be called. Without samples the run skips the time series and
    /// its per-interval histograms: a summary-only run (a sweep's) is faster.
    fn wants_samples(&self) -> bool {
        true
    }
    fn request(&mut self, _r: &RequestRecord) {}
    fn sample(&mut self, _row: &SampleRow) {}
    /// Called at every sample boundary with the simulated time reached.
    fn progress(&mut self, _now: Nanos, _end: Nanos) {}
    /// A scaling activity of function `function`: its provisioned concurrency, or its Auto
    /// Scaling group's desired capacity, goes from `from` to `to`; `why` names the policy.
    fn scaling(&mut self, _time: Nanos, _function: u32, _from: u32, _to: u32, _why: &str) {}
}

/// An observer that keeps nothing: the run produces only its summary.
pub struct NullObserver;
impl Observer for NullObserver {
    fn wants_samples(&self) -> bool {
        false
    }
}

#[derive(Clone, Copy, Debug)]
enum Event {
    /// The next arrival of workload `.0`.
    Arrival(u32),
    /// Instance `inst` finishes the request it serves (stale if `epoch` moved on).
    Done { inst: u32, epoch: u32 },
    /// Reclaim function `.0`'s instances idle for its keep-alive.
    Expire(u32),
    /// Function `.0`'s requested provisioned environments are allocated.
    PcReady(u32),
    /// A utilization datapoint of function `.0`'s provisioned concurrency.
    PcMetric(u32),
    /// Scheduled scaling action `action` of function `f`.
    PcSchedule { f: u32, action: u32 },
    /// Idle instance `inst`'s own keep-alive runs out (stale if `epoch` moved on).
    ExpireInst { inst: u32, epoch: u32 },
    /// A pre-warmed environment of function `.0` is ready (hybrid keep-alive).
    Prewarm(u32),
    /// Provisioned environment `inst` finished re-initializing.
    PcRecycled { inst: u32, epoch: u32 },
    /// A client retries the request held in retry slot `.0` (or Lambda retries an async event).
    Retry(u32),
    /// Incident `.0 / 2` starts (even) or ends (odd).
    Incident(u32),
    /// The event source mapping of SQS source `.0` polls again (batching window, scaling).
    SqsPoll(u32),
    /// The visibility timeout of batch `batch` runs out (stale if `epoch` moved on).
    SqsVisible { batch: u32, epoch: u32 },
    /// Instance `inst` of Auto Scaling group `a` reaches the next step of its life (stale if
    /// `epoch` moved on).
    AsgInst {
        a: u32,
        inst: u32,
        epoch: u32,
        kind: InstEv,
    },
    /// Group `a`: a metric period ends (`kind` 0), a delayed datapoint reaches the alarms (1),
    /// or scheduled action `kind - 2` runs.
    AsgTick { a: u32, kind: u32 },
    /// Group `a` is brought up to now (a request with a client retry policy ends now).
    AsgSync(u32),
    /// The client of request slot `slot` of group `a` times out (stale if `epoch` moved on).
    AsgTimeout { a: u32, slot: u32, epoch: u32 },
}

const NIL: u32 = u32::MAX;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Free,
    Busy,
    Idle,
    /// A provisioned environment re-initializing.
    Init,
}

/// An execution environment: 64 bytes, one cache line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Instance {
    /// When it last became idle.
    idle_since: u64,
    /// When it was created, or last re-initialized (provisioned): for `newest` reuse, the
    /// maximum lifetime and provisioned recycling.
    born: u64,
    // The request being served: its id, its arrival (= its start: a sync invocation does not
    // wait), and when it completes (after init, if cold, and execution).
    req_id: u64,
    arrival: u64,
    done_at: u64,
    func: u32,
    epoch: u32,
    prev: u32,
    next: u32,
    /// Position in the function's `idle_vec` (random reuse only).
    pos: u32,
    state: State,
    /// `COLD`, `TIMED_OUT`, `MEASURED` (of the request being served), `RESET` (the
    /// environment was reset by a timeout or crash: its next request runs init again) and the
    /// fault flags below.
    flags: u16,
}

const COLD: u16 = 1;
const TIMED_OUT: u16 = 2;
const MEASURED: u16 = 4;
const RESET: u16 = 8;
/// The attempt ends in a function error (at `done_at`).
const ERRORED: u16 = 16;
/// The request may be retried: its `Req` is in `Simulation::ctx` at the instance's index.
const RETRYABLE: u16 = 32;
/// The instance serves an SQS batch (`Simulation::ctx` holds it, the batch slot as `id`).
const BATCH: u16 = 64;
/// The instance is lost (an incident): it is destroyed when its attempt ends.
const LOST: u16 = 128;
/// The attempt ends in a crash or an init failure: the environment is reset afterwards.
const RESET_AFTER: u16 = 256;
/// The attempt ends in a crash of the environment.
const CRASH: u16 = 512;
/// A provisioned-concurrency environment (kept across invocations).
const PROV: u16 = 1024;

/// How a request reaches the function.
const KIND_SYNC: u8 = 0;
const KIND_ASYNC: u8 = 1;
const KIND_SQS: u8 = 2;

/// A request between attempts, or the part of an attempt that retries need: the request's id,
/// first arrival, workload, attempt number and last backoff delay.
#[derive(Clone, Copy, Debug, Default)]
struct Req {
    id: u64,
    first: u64,
    prev_delay: u64,
    w: u32,
    attempt: u32,
    /// Quota tokens the last retry cost.
    last_cost: u32,
    measured: bool,
    /// The request's context is kept between attempts (a client retry policy, an async event,
    /// an SQS batch).
    retry: bool,
    /// `KIND_SYNC`, `KIND_ASYNC` or `KIND_SQS`.
    kind: u8,
    /// Async: retries after errors or timeouts so far.
    errs: u8,
    /// Async: throttles so far.
    throttles: u16,
    /// Async: the last failure (reported if the event expires).
    last: Option<Failure>,
}

impl Instance {
    #[inline]
    fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

impl Simulation {
    /// The record of the attempt instance `inst` serves, ending at `end` (`None`: still running).
    fn attempt_record(&self, inst: u32, outcome: Outcome, end: Option<u64>) -> RequestRecord {
        let it = &self.insts[inst as usize];
        RequestRecord {
            id: it.req_id,
            function: it.func,
            arrival: Nanos(it.arrival),
            start: Some(Nanos(it.arrival)),
            end: end.map(Nanos),
            cold: it.has(COLD),
            outcome,
            attempt: if it.has(RETRYABLE) {
                self.ctx[inst as usize].attempt
            } else {
                1
            },
            measured: it.has(MEASURED),
        }
    }
}

impl Instance {
    const EMPTY: Instance = Instance {
        idle_since: 0,
        born: 0,
        req_id: 0,
        arrival: 0,
        done_at: 0,
        func: 0,
        epoch: 0,
        prev: NIL,
        next: NIL,
        pos: NIL,
        state: State::Free,
        flags: 0,
    };
}

/// Counters over the measured window that few requests touch (the rest are in `Func`).
#[derive(Default)]
struct Counted {
    outcomes: Outcomes,
    cold_starts: u64,
    suppressed_inits: u64,
    peak_alive: u64,
    init_failures: u64,
    crashes: u64,
    duplicates: u64,
    spillover: u64,
}

/// Counters of the current sample interval (all requests, warmup included) that few requests
/// touch (arrivals and successes are in `Func`).
#[derive(Default)]
struct Bin {
    cold_starts: u64,
    throttles: u64,
    errors: u64,
    /// Attempts after the first (client retries, async retries, SQS redeliveries).
    retries: u64,
    dead_lettered: u64,
    /// Largest age of an event or message when an attempt on it started.
    max_age: u64,
    /// Incidents active during the interval (at most, at any time).
    incidents: u32,
    /// Invocations that went to on-demand environments although the function has provisioned
    /// concurrency.
    spillover: u64,
    alive0: u128,
    busy0: u128,
}

/// A function's state. The fields every request touches come first, packed into four cache
/// lines (`repr(C)` keeps the order); the rest serve cold starts, reports and rare paths.
#[repr(C, align(64))]
struct Func {
    // Line 0: the arrival path.
    duration: Dist,
    keep_alive: u64,
    /// Environments are retired when they finish a request after living this long.
    max_lifetime: u64,
    timeout: u64,
    expire_at: u64,
    /// Idle list (head = idle longest).
    head: u32,
    tail: u32,
    idle: u32,
    pool: u32,
    // Line 1: live counts and their time integrals (count × ns).
    int_alive: u128,
    int_busy: u128,
    last: u64,
    alive: u64,
    busy: u64,
    memory_mb: u64,
    // Lines 2–3: counters of every request.
    /// Latencies not yet in the histograms, the top bit marking measured requests. Recording in
    /// batches keeps the histograms' scattered counter updates out of the event loop's way.
    pending: Vec<u64>,
    reuse: Reuse,
    /// Idle environments follow `idle_policy` (per-environment expiry) rather than the fixed
    /// keep-alive list.
    custom_idle: bool,
    billed_mb_ms: u128,
    requests: u64,
    attempts: u64,
    started: u64,
    succeeded: u64,
    peak_busy: u64,
    bin_arrivals: u64,
    bin_succeeded: u64,
    // The rest.
    counted: Counted,
    bin: Bin,
    cold_start: Dist,
    rng: SimRng,
    gb_s_price: f64,
    /// Faults: the function's own error probability (`error_p` adds active incidents), init
    /// failures, crashes (`mtbf` in ns, 0 for none), incident slow-downs.
    base_error_p: f64,
    /// With the incidents active now (read only by the loop with faults).
    error_p: f64,
    /// Lambda service errors (5xx): the function's own probability and with incidents.
    base_service_p: f64,
    service_p: f64,
    init_fail_p: f64,
    init_timeout: u64,
    mtbf: f64,
    lat_mul: f64,
    lat_add: u64,
    active_incidents: u32,
    /// Draws of init failures and crashes.
    fault: SimRng,
    /// Async events waiting in Lambda's queue (for a retry or after a throttle).
    queued: u64,
    /// Events and messages sent to the dead-letter queue so far (warmup included).
    dlq: u64,
    /// New environments it may still add now (the 2023 scaling rule).
    burst: Bucket,
    pc: Provisioned,
    idle_policy: IdlePolicy,
    /// Compute billed on provisioned environments (at the provisioned execution price).
    billed_pc_mb_ms: u128,
    pc_price: f64,
    pc_exec_price: f64,
    idle_vec: Vec<u32>,
    newest: BinaryHeap<(u64, u32)>,
    win_alive0: u128,
    win_busy0: u128,
    /// The histograms, boxed to keep `Func` small.
    hists: Box<Hists>,
    /// The function's Auto Scaling group (an index into `Simulation::asgs`), or `NIL` (Lambda).
    asg: u32,
}

/// Latency histograms of one function: over the measured window and over the current interval.
struct Hists {
    latency: LatencyHist,
    bin_latency: LatencyHist,
    /// Whether `bin_latency` is kept (only when the observer wants the time series).
    per_interval: bool,
}

const PENDING: usize = 256;
const MEASURED_BIT: u64 = 1 << 63;

impl Func {
    #[inline]
    fn record_latency(&mut self, ns: u64, measured: bool) {
        self.pending
            .push(if measured { ns | MEASURED_BIT } else { ns });
        if self.pending.len() == PENDING {
            self.flush_latencies();
        }
    }

    #[cold]
    fn flush_latencies(&mut self) {
        let h = &mut *self.hists;
        if h.per_interval {
            for &v in &self.pending {
                let ns = v & !MEASURED_BIT;
                h.bin_latency.record(ns);
                if v & MEASURED_BIT != 0 {
                    h.latency.record(ns);
                }
            }
        } else {
            for &v in &self.pending {
                if v & MEASURED_BIT != 0 {
                    h.latency.record(v & !MEASURED_BIT);
                }
            }
        }
        self.pending.clear();
    }

    /// The init of a new environment (`cold`) or of a reset one: the time before the invocation
    /// proper, the time inside it (which counts against the timeout), and whether the init ran
    /// past the init limit.
    #[inline(never)]
    fn init_phase(&mut self, cold: bool, measured: bool) -> (u64, u64, bool) {
        let init = self.cold_start.sample(&mut self.rng);
        if !cold {
            // A suppressed init runs inside the invocation, under the function timeout.
            (0, init, false)
        } else if init > self.init_timeout {
            // Stopped at the init limit and run again inside the first invocation.
            self.counted.init_failures += measured as u64;
            (
                self.init_timeout,
                self.cold_start.sample(&mut self.rng),
                true,
            )
        } else {
            (init, 0, false)
        }
    }

    #[inline]
    fn advance(&mut self, now: u64) {
        let dt = (now - self.last) as u128;
        if dt > 0 {
            self.int_alive += self.alive as u128 * dt;
            self.int_busy += self.busy as u128 * dt;
            self.last = now;
        }
    }
}

struct Pool {
    busy: u32,
    cap: u32,
    /// Invocations per second: 10 × the pool's concurrency (PLATFORM.md §1).
    rps: RateWindow,
}

/// A limit on events per whole second of simulated time (a fixed one-second window).
#[derive(Clone, Copy, Debug)]
struct RateWindow {
    end: u64,
    count: u64,
    limit: u64,
}

impl RateWindow {
    fn new(limit: u64, on: bool) -> RateWindow {
        RateWindow {
            end: 0,
            count: 0,
            limit: if on { limit } else { u64::MAX },
        }
    }

    /// Counts one event at `now`; false if the second's limit is reached.
    #[inline(always)]
    fn take(&mut self, now: u64) -> bool {
        if now >= self.end {
            self.end = now - now % NS_PER_S + NS_PER_S;
            self.count = 0;
        }
        self.count += 1;
        self.count <= self.limit
    }
}

/// A token bucket: up to `cap` tokens, refilled continuously at `rate` per nanosecond.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    cap: f64,
    rate: f64,
    last: u64,
    on: bool,
}

impl Bucket {
    fn new(cap: f64, per_second: f64, on: bool) -> Bucket {
        Bucket {
            tokens: cap,
            cap,
            rate: per_second / 1e9,
            last: 0,
            on,
        }
    }

    const OFF: Bucket = Bucket {
        tokens: 0.0,
        cap: 0.0,
        rate: 0.0,
        last: 0,
        on: false,
    };

    /// Takes a token if there is one.
    #[inline(always)]
    fn take(&mut self, now: u64) -> bool {
        if !self.on {
            return true;
        }
        self.tokens = (self.tokens + (now - self.last) as f64 * self.rate).min(self.cap);
        self.last = now;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

struct Workload {
    function: u32,
    source: ArrivalSource,
    service: SimRng,
    /// Draws of function errors (whether, and after what fraction of the work).
    fault: SimRng,
    /// Service times of later attempts and retry jitter.
    redo: SimRng,
    kind: u8,
    retry: Option<Box<ClientRetry>>,
    asy: Option<Box<AsyncPolicy>>,
    /// The SQS source this workload sends to (an index into `Simulation::sqs`).
    sqs: u32,
    /// The Auto Scaling group it sends to (an index into `Simulation::asgs`), or `NIL`.
    asg: u32,
    /// Arrivals stop here (the workload's `end`, at most the end of the simulation).
    until: u64,
    /// The trace feed its arrivals come from (an index into `Simulation::feeds`), or `NIL`.
    feed: u32,
}

/// A trace replayed into one or more workloads (one per function it invokes).
struct Feed {
    replay: Replay,
    /// The workload of every arrival (a trace given a `function`), or `NIL`…
    fixed: u32,
    /// …else the workload of each scenario function by name, and of each trace function once
    /// seen (`NIL`: no scenario function of that name).
    by_name: HashMap<String, u32>,
    targets: Vec<u32>,
    /// The trace duration of the scheduled arrival.
    next_duration: u64,
    /// Arrivals of trace functions with no scenario function.
    unmatched: u64,
    workload: String,
    file: String,
}

impl Feed {
    /// The next arrival: (simulation time, workload); its duration goes to `next_duration`.
    fn pull(&mut self) -> Result<Option<(u64, u32)>, InputError> {
        while let Some(a) = self.replay.next_arrival()? {
            let w = if self.fixed != NIL {
                self.fixed
            } else {
                let f = a.func as usize;
                while self.targets.len() <= f {
                    let name = self
                        .replay
                        .stream()
                        .function_name(self.targets.len() as u32);
                    self.targets
                        .push(self.by_name.get(name).copied().unwrap_or(NIL));
                }
                self.targets[f]
            };
            if w == NIL {
                self.unmatched += 1;
                continue;
            }
            self.next_duration = a.duration;
            return Ok(Some((a.time, w)));
        }
        Ok(None)
    }
}

/// A client's retry policy and its quota tokens.
struct ClientRetry {
    policy: Policy,
    tokens: u32,
}

/// A prepared run. Build it with [`Simulation::new`], run it with [`Simulation::run`].
pub struct Simulation {
    name: String,
    seed: u64,
    end: u64,
    warmup: u64,
    interval: u64,
    requests_price: f64,
    q: EventQueue<Event>,
    funcs: Vec<Func>,
    pools: Vec<Pool>,
    workloads: Vec<Workload>,
    insts: Vec<Instance>,
    /// Per instance, the retry context of the request it serves (written for retryable ones).
    ctx: Vec<Req>,
    free: Vec<u32>,
    /// Requests waiting to be retried, and the free slots.
    retries: Vec<Option<Req>>,
    retry_free: Vec<u32>,
    /// SQS sources, their messages and their batches.
    sqs: Vec<SqsSource>,
    feeds: Vec<Feed>,
    msgs: Vec<Msg>,
    msg_free: Vec<u32>,
    batches: Vec<Batch>,
    batch_free: Vec<u32>,
    incidents: Vec<IncidentState>,
    /// EC2 Auto Scaling groups.
    asgs: Vec<Asg>,
    /// Draws of which environments an incident takes down.
    incident_rng: SimRng,
    /// Each pool's capacity without incidents.
    pool_caps: Vec<u32>,
    /// New environments the account may still add now (the legacy scaling rule).
    account_burst: Bucket,

    next_req: u64,
    measuring: bool,
    alive_total: u64,
    busy_total: u64,
    peak_alive: u64,
    peak_busy: u64,
    bin_start: u64,
    next_sample: u64,
    want_samples: bool,
    want_requests: bool,
    fn_names: Vec<String>,
}

/// What a finished run hands back: the summary and the latency histogram of all functions (for
/// a latency CDF).
pub struct RunOutput {
    pub summary: Summary,
    pub latency: LatencyHist,
    /// Events the engine processed.
    pub events: u64,
    /// Events scheduled before the current time (a model error; always 0).
    pub late_events: u64,
}

impl Simulation {
    /// Validates `scenario`, opens its inputs through `res`, and prepares the run.
    pub fn new(scenario: &Scenario, res: &dyn Resources) -> Result<Simulation, SimError> {
        scenario.validate().map_err(SimError::Config)?;
        let sim = &scenario.simulation;
        let seed = sim.seed;
        let acc = &scenario.account;

        let reserved: u64 = scenario
            .functions
            .iter()
            .filter_map(|f| f.reserved_concurrency)
            .map(u64::from)
            .sum();
        // Invocations per second: 10 × concurrency, for the account and for each reservation.
        let rps = |c: u32| RateWindow::new(10 * c as u64, acc.rps_limit);
        let mut pools = vec![Pool {
            busy: 0,
            cap: (acc.concurrency_limit as u64 - reserved) as u32,
            rps: rps(acc.concurrency_limit),
        }];
        let mut funcs = Vec::with_capacity(scenario.functions.len());
        for (i, f) in scenario.functions.iter().enumerate() {
            let pool = match f.reserved_concurrency {
                Some(rc) => {
                    // Provisioned environments are kept apart from the on-demand part.
                    pools.push(Pool {
                        busy: 0,
                        cap: rc - f.provisioned_concurrency,
                        rps: rps(rc),
                    });
                    pools.len() - 1
                }
                None => {
                    pools[0].cap -= f.provisioned_concurrency;
                    0
                }
            };
            let load = |spec: &DistSpec, field: &str| {
                load_dist(res, spec, &format!("functions.{}.{field}", f.name))
            };
            let idle_policy = IdlePolicy::new(
                f,
                match f.keep_alive_policy {
                    KeepAlivePolicy::Random => Some(load(
                        &f.idle_ttl.clone().unwrap_or(DistSpec::Uniform {
                            min: Nanos::from_secs(600),
                            max: Nanos::from_secs(2700),
                        }),
                        "idle_ttl",
                    )?),
                    _ => None,
                },
            );
            funcs.push(Func {
                memory_mb: f.memory_mb as u64,
                timeout: f.timeout.0,
                // With a custom idle policy, idle environments expire one by one
                // (`ExpireInst`), never through the keep-alive list.
                keep_alive: if idle_policy.custom() {
                    u64::MAX
                } else {
                    f.keep_alive.0
                },
                custom_idle: idle_policy.custom(),
                max_lifetime: f.max_lifetime.0,
                reuse: f.reuse,
                duration: load(&f.duration, "duration")?,
                cold_start: load(&f.cold_start, "cold_start")?,
                pool: pool as u32,
                gb_s_price: match f.architecture {
                    Architecture::X86_64 => scenario.pricing.x86_gb_second,
                    Architecture::Arm64 => scenario.pricing.arm64_gb_second,
                },
                base_error_p: f.error_probability,
                base_service_p: f.service_error_probability,
                service_p: f.service_error_probability,
                init_fail_p: f.init_failure_probability,
                init_timeout: f.init_timeout.0,
                mtbf: f.mtbf.map(|m| m.0 as f64).unwrap_or(0.0),
                lat_mul: 1.0,
                lat_add: 0,
                active_incidents: 0,
                fault: SimRng::new(seed, stream::FAULT | 1 << 40 | i as u64),
                queued: 0,
                dlq: 0,
                idle_policy,
                pc: {
                    let legacy = acc.provisioned_allocation == AllocationRule::Legacy;
                    let mut pc = Provisioned::new(
                        f.provisioned_concurrency,
                        f.provisioned_allocation_delay.0,
                        // Until 2022: the Region's burst at once, then 500 a minute (S19).
                        if legacy {
                            500
                        } else {
                            f.provisioned_allocation_rate
                        },
                        f.provisioned_recycle.0,
                        f.provisioned_scaling
                            .as_ref()
                            .map(|c| Box::new(Scaler::new(c))),
                    );
                    if legacy {
                        pc.burst = acc
                            .burst
                            .unwrap_or_else(|| ScalingRule::legacy_burst(&acc.region));
                    }
                    pc
                },
                billed_pc_mb_ms: 0,
                pc_price: match f.architecture {
                    Architecture::X86_64 => scenario.pricing.provisioned_x86_gb_second,
                    Architecture::Arm64 => scenario.pricing.provisioned_arm64_gb_second,
                },
                pc_exec_price: match f.architecture {
                    Architecture::X86_64 => scenario.pricing.provisioned_x86_execution_gb_second,
                    Architecture::Arm64 => scenario.pricing.provisioned_arm64_execution_gb_second,
                },
                burst: match acc.scaling {
                    // 1,000 environments per 10 s, refilled continuously (PLATFORM.md §1).
                    ScalingRule::Current => Bucket::new(1000.0, 100.0, true),
                    _ => Bucket::OFF,
                },
                rng: SimRng::new(seed, stream::FUNCTION | i as u64),
                head: NIL,
                tail: NIL,
                idle: 0,
                idle_vec: Vec::new(),
                newest: BinaryHeap::new(),
                expire_at: u64::MAX,
                alive: 0,
                busy: 0,
                last: 0,
                int_alive: 0,
                int_busy: 0,
                win_alive0: 0,
                win_busy0: 0,
                pending: Vec::with_capacity(PENDING),
                error_p: f.error_probability,
                billed_mb_ms: 0,
                requests: 0,
                attempts: 0,
                started: 0,
                succeeded: 0,
                peak_busy: 0,
                bin_arrivals: 0,
                bin_succeeded: 0,
                counted: Counted::default(),
                bin: Bin::default(),
                hists: Box::new(Hists {
                    latency: LatencyHist::precise(),
                    bin_latency: LatencyHist::coarse(),
                    per_interval: true,
                }),
                asg: NIL,
            });
        }

        let mut workloads: Vec<Workload> = Vec::with_capacity(scenario.workloads.len());
        let mut sqs = Vec::new();
        let mut feeds: Vec<Feed> = Vec::new();
        for (wi, w) in scenario.workloads.iter().enumerate() {
            let a = &w.arrivals;
            let key = format!("workloads.{}", w.name.clone().unwrap_or(wi.to_string()));
            // The functions this workload invokes: one, or (a trace of many) every function.
            let targets: Vec<u32> = if w.function.is_empty() {
                (0..scenario.functions.len() as u32).collect()
            } else {
                vec![
                    scenario
                        .functions
                        .iter()
                        .position(|f| f.name == w.function)
                        .expect("validated") as u32,
                ]
            };
            let feed = if a.trace.is_some() {
                let names: Option<std::collections::HashSet<&str>> = w
                    .function
                    .is_empty()
                    .then(|| scenario.functions.iter().map(|f| f.name.as_str()).collect());
                let replay = open_trace(a, names.as_ref(), sim, res, wi as u64)?;
                feeds.push(Feed {
                    replay,
                    fixed: NIL,
                    by_name: HashMap::new(),
                    targets: Vec::new(),
                    next_duration: NO_DURATION,
                    unmatched: 0,
                    workload: w.name.clone().unwrap_or(wi.to_string()),
                    file: res.display(a.trace.as_deref().unwrap_or_default()),
                });
                (feeds.len() - 1) as u32
            } else {
                NIL
            };
            for &function in &targets {
                let i = workloads.len();
                let source = match a.process {
                    Some(process) => {
                        let points = match &a.points_file {
                            Some(path) => read_points(res, path, &format!("{key}.arrivals"))?,
                            None => a.points.iter().map(|&(t, r)| (t.0, r)).collect(),
                        };
                        generated(
                            a,
                            process,
                            &points,
                            SimRng::new(seed, stream::ARRIVALS | i as u64),
                        )
                    }
                    None => ArrivalSource::Feed,
                };
                if feed != NIL {
                    let fd = &mut feeds[feed as usize];
                    if w.function.is_empty() {
                        fd.by_name
                            .insert(scenario.functions[function as usize].name.clone(), i as u32);
                    } else {
                        fd.fixed = i as u32;
                    }
                }
                let retry = w.retry.as_ref().map(|name| {
                    let spec = scenario
                        .retry_policies
                        .iter()
                        .find(|p| &p.name == name)
                        .expect("validated");
                    let policy = Policy::resolve(spec);
                    Box::new(ClientRetry {
                        tokens: policy.quota.map(|q| q.tokens).unwrap_or(0),
                        policy,
                    })
                });
                let (kind, asy, sqs_idx) = match w.invocation {
                    Invocation::Sync => (KIND_SYNC, None, NIL),
                    Invocation::Async => (
                        KIND_ASYNC,
                        Some(Box::new(AsyncPolicy::new(
                            &w.async_config.clone().unwrap_or_default(),
                        ))),
                        NIL,
                    ),
                    Invocation::Sqs => {
                        sqs.push(SqsSource::new(
                            &w.sqs.clone().unwrap_or_default(),
                            i as u32,
                            function,
                        ));
                        (KIND_SQS, None, (sqs.len() - 1) as u32)
                    }
                };
                let (start, until) = if a.trace.is_some() {
                    (0, sim.duration.0)
                } else {
                    (
                        a.start.map(|t| t.0).unwrap_or(0),
                        a.end.map(|t| t.0).unwrap_or(u64::MAX).min(sim.duration.0),
                    )
                };
                workloads.push(Workload {
                    function,
                    source: source.starting_at(start),
                    until,
                    service: SimRng::new(seed, stream::SERVICE | i as u64),
                    fault: SimRng::new(seed, stream::FAULT | i as u64),
                    redo: SimRng::new(seed, stream::RETRY | i as u64),
                    kind,
                    retry: retry.filter(|r| r.policy.max_attempts > 1),
                    asy,
                    sqs: sqs_idx,
                    asg: NIL,
                    feed,
                });
            }
        }

        // About two events per request (arrival and completion): slots about as wide as the mean
        // gap between arrivals hold one or two events each, and the wheel should reach past
        // most completions (four mean service times). Traces are assumed busy (1 ms gaps).
        let rate: f64 = scenario
            .workloads
            .iter()
            .filter_map(|w| w.arrivals.rate)
            .sum();
        let gap = if rate > 0.0
            && scenario
                .workloads
                .iter()
                .all(|w| w.arrivals.trace.is_none())
        {
            (1e9 / rate) as u64
        } else {
            1 << 20
        };
        let horizon = funcs
            .iter()
            .map(|f| 4.0 * (f.duration.mean() + f.cold_start.mean()))
            .fold(0.0, f64::max);
        let queue = EventQueue::for_rates(gap, horizon.min(1e15) as u64);
        let name = scenario.name.clone().unwrap_or_else(|| "scenario".into());
        let pool_caps = pools.iter().map(|p| p.cap).collect();
        let mut simulation = Simulation {
            name,
            seed,
            end: sim.duration.0,
            warmup: sim.warmup.0,
            interval: sim.sample_interval.0,
            requests_price: scenario.pricing.requests_per_million / 1e6,
            q: queue,
            funcs,
            pools,
            workloads,
            insts: Vec::new(),
            ctx: Vec::new(),
            free: Vec::new(),
            retries: Vec::new(),
            retry_free: Vec::new(),
            sqs,
            feeds,
            msgs: Vec::new(),
            msg_free: Vec::new(),
            batches: Vec::new(),
            batch_free: Vec::new(),
            incidents: faults::prepare(scenario),
            asgs: Vec::new(),
            incident_rng: SimRng::new(seed, stream::FAULT | 2 << 40),
            pool_caps,
            account_burst: match acc.scaling {
                // The Region's initial burst, then 500 a minute (PLATFORM.md §1).
                ScalingRule::Legacy => {
                    let b = acc
                        .burst
                        .unwrap_or_else(|| ScalingRule::legacy_burst(&acc.region));
                    Bucket::new(b as f64, 500.0 / 60.0, true)
                }
                _ => Bucket::OFF,
            },
            next_req: 0,
            measuring: sim.warmup.0 == 0,
            alive_total: 0,
            busy_total: 0,
            peak_alive: 0,
            peak_busy: 0,
            bin_start: 0,
            next_sample: u64::MAX,
            want_samples: true,
            want_requests: false,
            fn_names: scenario.functions.iter().map(|f| f.name.clone()).collect(),
        };
        simulation.asg_prepare(scenario, res)?;
        Ok(simulation)
    }

    /// Runs to the end of the simulated time and returns the summary.
    pub fn run(mut self, obs: &mut dyn Observer) -> Result<RunOutput, SimError> {
        self.want_requests = obs.wants_requests();
        let samples = obs.wants_samples();
        self.want_samples = samples;
        for func in &mut self.funcs {
            func.hists.per_interval = samples;
        }
        let end = self.end;
        for w in 0..self.workloads.len() {
            if let Some(t) = self.workloads[w].source.next_arrival()?
                && t < self.workloads[w].until
            {
                self.q.schedule(t, Event::Arrival(w as u32));
            }
        }
        for feed in &mut self.feeds {
            if let Some((t, w)) = feed.pull()? {
                self.q.schedule(t, Event::Arrival(w));
            }
        }
        self.next_sample = if samples && self.interval < end {
            self.interval
        } else {
            u64::MAX
        };
        for (i, inc) in self.incidents.iter().enumerate() {
            for (t, code) in [(inc.start, 2 * i as u32), (inc.end, 2 * i as u32 + 1)] {
                if t < end {
                    self.q.schedule(t, Event::Incident(code));
                }
            }
        }
        for f in 0..self.funcs.len() {
            self.pc_request(f as u32, 0);
        }
        self.pc_start_scaling();
        self.asg_start();
        // The loop is compiled twice: with faults, retries, queued invocation and provisioned
        // concurrency, and without them, so that a scenario without them pays nothing for their
        // bookkeeping.
        let extras = self
            .workloads
            .iter()
            .any(|w| w.retry.is_some() || w.kind != KIND_SYNC)
            || !self.incidents.is_empty()
            || self.funcs.iter().any(|f| {
                f.error_p > 0.0
                    || f.service_p > 0.0
                    || f.init_fail_p > 0.0
                    || f.mtbf > 0.0
                    || f.has_pc()
                    || f.custom_idle
            });
        if extras {
            self.event_loop::<true>(obs)?;
        } else {
            self.event_loop::<false>(obs)?;
        }
        Ok(self.finish(obs))
    }

    /// Runs events to the end of the simulated time. `X`: errors or retries are configured.
    fn event_loop<const X: bool>(&mut self, obs: &mut dyn Observer) -> Result<(), SimError> {
        let end = self.end;
        while let Some((now, ev)) = self.q.pop() {
            if now > end {
                break;
            }
            // Sample boundaries and the end of warmup are not events: they are checked here, so
            // that they come before every event at or after their time, whatever was scheduled
            // first.
            while now >= self.next_boundary() {
                self.cross_boundary(obs);
            }
            match ev {
                Event::Arrival(w) => self.on_arrival::<X>(w, now, obs)?,
                Event::Done { inst, epoch } => self.on_done::<X>(inst, epoch, now, obs),
                Event::Expire(f) => self.on_expire(f, now),
                Event::Retry(slot) => self.on_retry(slot, now, obs),
                Event::Incident(code) => self.on_incident(code, now, obs),
                Event::PcReady(f) => self.on_pc_ready(f, now),
                Event::PcMetric(f) => self.on_pc_metric(f, now, obs),
                Event::PcSchedule { f, action } => self.on_pc_schedule(f, action, now, obs),
                Event::ExpireInst { inst, epoch } => self.on_expire_inst(inst, epoch, now),
                Event::Prewarm(f) => self.on_prewarm(f, now),
                Event::PcRecycled { inst, epoch } => self.on_pc_recycled(inst, epoch),
                Event::SqsPoll(src) => self.on_sqs_poll(src, now, obs),
                Event::SqsVisible { batch, epoch } => self.on_sqs_visible(batch, epoch, now, obs),
                Event::AsgInst {
                    a,
                    inst,
                    epoch,
                    kind,
                } => self.on_asg_inst(a, inst, epoch, kind, now, obs),
                Event::AsgTick { a, kind } => self.on_asg_tick(a, kind, now, obs),
                Event::AsgSync(a) => self.asg_advance(a, now, obs),
                Event::AsgTimeout { a, slot, epoch } => {
                    self.on_asg_timeout(a, slot, epoch, now, obs)
                }
            }
        }
        Ok(())
    }

    /// The time of the next sample boundary or of the end of warmup, whichever comes first.
    #[inline]
    fn next_boundary(&self) -> u64 {
        if self.measuring {
            self.next_sample
        } else {
            self.next_sample.min(self.warmup)
        }
    }

    /// Handles the earliest pending boundary: the end of warmup, or a sample boundary.
    fn cross_boundary(&mut self, obs: &mut dyn Observer) {
        if !self.measuring && self.warmup <= self.next_sample {
            self.asg_advance_all(self.warmup, obs);
            self.start_measuring(self.warmup);
        } else {
            let t = self.next_sample;
            self.asg_advance_all(t, obs);
            self.emit_bins(t, obs);
            obs.progress(Nanos(t), Nanos(self.end));
            self.next_sample = if t + self.interval < self.end {
                t + self.interval
            } else {
                u64::MAX
            };
        }
    }

    #[inline(always)]
    fn on_arrival<const X: bool>(
        &mut self,
        w: u32,
        now: u64,
        obs: &mut dyn Observer,
    ) -> Result<(), SimError> {
        let mut given = NO_DURATION;
        let fi = self.workloads[w as usize].feed;
        if fi != NIL {
            let feed = &mut self.feeds[fi as usize];
            given = feed.next_duration;
            if let Some((t, w2)) = feed.pull()? {
                self.q.schedule(t, Event::Arrival(w2));
            }
            if self.workloads[w as usize].asg != NIL {
                self.asg_new_request(w, now, given, obs);
                return Ok(());
            }
        } else if self.workloads[w as usize].asg != NIL {
            return self.asg_arrivals(w, now, obs);
        } else {
            let wl = &mut self.workloads[w as usize];
            if let Some(t) = wl.source.next_arrival()?
                && t < wl.until
            {
                self.q.schedule(t, Event::Arrival(w));
            }
        }
        let wl = &mut self.workloads[w as usize];
        let f = wl.function;
        let func = &mut self.funcs[f as usize];
        let id = self.next_req;
        self.next_req += 1;
        let measured = now >= self.warmup;
        if measured {
            func.requests += 1;
        }
        func.bin_arrivals += 1;
        if X && wl.kind == KIND_SQS {
            let src = wl.sqs;
            self.sqs_send(src, id, now, measured, obs);
            return Ok(());
        }
        // Drawn for every request, admitted or not, so that configurations compared with the
        // same seed see the same service times (common random numbers). A trace's own duration
        // comes first.
        let service = if given != NO_DURATION {
            given
        } else {
            func.duration.sample(&mut wl.service)
        };
        let retry = X && (wl.retry.is_some() || wl.kind == KIND_ASYNC);
        let req = Req {
            id,
            first: now,
            prev_delay: 0,
            w,
            attempt: 1,
            last_cost: 0,
            measured,
            retry,
            kind: wl.kind,
            errs: 0,
            throttles: 0,
            last: None,
        };
        self.invoke::<X>(f, req, now, service, obs);
        Ok(())
    }

    fn on_retry(&mut self, slot: u32, now: u64, obs: &mut dyn Observer) {
        let Some(req) = self.retries[slot as usize].take() else {
            return;
        };
        self.retry_free.push(slot);
        if self.workloads[req.w as usize].asg != NIL {
            return self.asg_retry(req, now, obs);
        }
        let wl = &mut self.workloads[req.w as usize];
        let f = wl.function;
        if req.kind == KIND_ASYNC {
            let max_age = wl.asy.as_ref().expect("an async workload").max_age;
            self.funcs[f as usize].queued -= 1;
            if now - req.first >= max_age {
                // Too old to be attempted again.
                let last = req.last.unwrap_or(Failure::Throttle);
                self.async_final(f, req, last, now);
                return;
            }
            let b = &mut self.funcs[f as usize].bin;
            b.max_age = b.max_age.max(now - req.first);
        }
        let func = &mut self.funcs[f as usize];
        func.bin.retries += 1;
        let service = func.duration.sample(&mut wl.redo);
        self.invoke::<true>(f, req, now, service, obs);
    }

    /// Keeps `req` until `at`, when it is attempted again (`on_retry`).
    fn park(&mut self, req: Req, at: u64) {
        let slot = match self.retry_free.pop() {
            Some(s) => {
                self.retries[s as usize] = Some(req);
                s
            }
            None => {
                self.retries.push(Some(req));
                (self.retries.len() - 1) as u32
            }
        };
        self.q.schedule(at, Event::Retry(slot));
    }

    /// Attempt `req.attempt` of a request failed with `kind` at `now`: schedules the next attempt
    /// if the client's policy and quota allow, else records the request's final outcome.
    fn attempt_failed(&mut self, f: u32, mut req: Req, kind: Failure, now: u64) {
        match req.kind {
            KIND_ASYNC => return self.async_failed(f, req, kind, now),
            KIND_SQS => return self.sqs_throttled(req.id as u32, now),
            _ => {}
        }
        let wl = &mut self.workloads[req.w as usize];
        if req.retry
            && let Some(r) = wl.retry.as_deref_mut()
            && req.attempt < r.policy.max_attempts
            && r.policy.retries(kind)
        {
            let cost = r.policy.quota.map(|q| Policy::cost(&q, kind)).unwrap_or(0);
            if cost <= r.tokens || r.policy.quota.is_none() {
                r.tokens -= cost.min(r.tokens);
                req.last_cost = cost;
                let delay = r
                    .policy
                    .delay(req.attempt, kind, req.prev_delay, &mut wl.redo);
                req.prev_delay = delay;
                req.attempt += 1;
                self.park(req, now.saturating_add(delay));
                return;
            }
        }
        if req.measured {
            let o = &mut self.funcs[f as usize].counted.outcomes;
            match kind {
                Failure::Throttle => o.throttled += 1,
                Failure::Error | Failure::ServiceError => o.failed += 1,
                Failure::Timeout => o.timed_out += 1,
            }
        }
    }

    /// One invocation attempt of function `f` at `now` with `service` ns of work.
    #[inline(always)]
    fn invoke<const X: bool>(
        &mut self,
        f: u32,
        req: Req,
        now: u64,
        service: u64,
        obs: &mut dyn Observer,
    ) {
        let (id, measured) = (req.id, req.measured);
        let batch = X && req.kind == KIND_SQS;
        let func = &mut self.funcs[f as usize];
        // An SQS batch's attempts are counted per message when it is received.
        if measured && !batch {
            func.attempts += 1;
        }
        if X && func.service_p > 0.0 && func.fault.uniform() < func.service_p {
            // A Lambda service error (5xx): the invocation fails before the function runs.
            func.bin.errors += 1;
            self.attempt_failed(f, req, Failure::ServiceError, now);
            if self.want_requests {
                self.rejected_record(f, &req, batch, Outcome::Failed, now, obs);
            }
            return;
        }
        let p = func.pool as usize;
        // A ready provisioned environment first; else the on-demand path (a spillover if the
        // function has provisioned concurrency).
        let pc = if X && func.has_pc() {
            self.pc_take(f, now)
        } else {
            None
        };
        // Admitted if the pool has room and the invocation rate is within 10 × concurrency (the
        // pool's, and the account's for a reserved pool), and an environment is idle or may be
        // added at the scaling rate.
        let (mut admitted, idle) = if pc.is_some() {
            (true, pc)
        } else {
            let ok = self.pools[p].busy < self.pools[p].cap
                && self.pools[p].rps.take(now)
                && (p == 0 || self.pools[0].rps.take(now));
            (ok, if ok { self.take_idle(f, now) } else { None })
        };
        if admitted && idle.is_none() {
            admitted = self.funcs[f as usize].burst.take(now) && self.account_burst.take(now);
        }
        let func = &mut self.funcs[f as usize];
        if X && pc.is_none() && func.has_pc() {
            func.bin.spillover += 1;
            func.counted.spillover += measured as u64;
        }
        if !admitted {
            func.bin.throttles += 1;
            if X {
                self.attempt_failed(f, req, Failure::Throttle, now);
            } else if measured {
                func.counted.outcomes.throttled += 1;
            }
            if self.want_requests {
                self.rejected_record(f, &req, batch, Outcome::Throttled, now, obs);
            }
            return;
        }
        if pc.is_none() {
            self.pools[p].busy += 1;
        }

        let (inst, cold) = match idle {
            Some(i) => (i, false),
            None => (self.create(f, now), true),
        };
        if X && self.funcs[f as usize].custom_idle {
            if self.funcs[f as usize].busy == 0 {
                self.idle_time_ends(f, now);
            }
            // Its pending own expiry, if any, is now stale.
            let it = &mut self.insts[inst as usize];
            it.epoch = it.epoch.wrapping_add(1);
        }
        let func = &mut self.funcs[f as usize];
        func.advance(now);
        func.busy += 1;
        self.busy_total += 1;
        // A new environment runs init; so does one reset by a timeout or a crash (a "suppressed
        // init", which runs inside the invocation and counts against its timeout).
        let mut reinit = !cold && self.insts[inst as usize].has(RESET);
        if X && func.mtbf > 0.0 && !cold && !reinit {
            // An environment that crashed while idle is reset when it is next used.
            let idle = (now - self.insts[inst as usize].idle_since) as f64;
            if func.fault.uniform() < -(-idle / func.mtbf).exp_m1() {
                reinit = true;
                func.counted.crashes += measured as u64;
            }
        }
        if reinit && measured {
            func.counted.suppressed_inits += 1;
        }
        // `outside`: init before the invocation proper; `inside`: init within it.
        let (outside, inside, init_late) = if cold || reinit {
            func.init_phase(cold, measured)
        } else {
            (0, 0, false)
        };
        let mut flags = 0;
        let mut service = service;
        if X && !batch {
            if func.lat_mul != 1.0 || func.lat_add != 0 {
                service = ((service as f64 * func.lat_mul) as u64).saturating_add(func.lat_add);
            }
            // A function error ends the attempt after a uniformly drawn fraction of its work.
            if func.error_p > 0.0 {
                let fault = &mut self.workloads[req.w as usize].fault;
                if fault.uniform() < func.error_p {
                    flags |= ERRORED;
                    service = (service as f64 * fault.uniform()) as u64;
                }
            }
        } else if batch {
            let b = &mut self.batches[id as usize];
            if b.errored {
                flags |= ERRORED;
            }
            b.exec_start = now + outside + inside;
            flags |= BATCH;
        }
        let work = inside.saturating_add(service);
        let timed_out = work > func.timeout;
        let mut done_at = now
            .saturating_add(outside)
            .saturating_add(work.min(func.timeout));
        if timed_out {
            flags = flags & !ERRORED | TIMED_OUT;
        }
        if X && (cold || reinit)
            && func.init_fail_p > 0.0
            && func.fault.uniform() < func.init_fail_p
        {
            // The init fails with an error: the attempt ends with it, and the environment is
            // reset.
            done_at = now.saturating_add(outside + inside);
            flags = flags & !TIMED_OUT | ERRORED | RESET_AFTER;
            // One failed init phase, however it failed.
            func.counted.init_failures += (measured && !init_late) as u64;
        }
        if X && func.mtbf > 0.0 {
            let crash_in = (-func.fault.uniform_open0().ln() * func.mtbf) as u64;
            if crash_in < done_at - now {
                done_at = now + crash_in;
                flags = flags & !TIMED_OUT | ERRORED | RESET_AFTER | CRASH;
            }
        }
        if cold {
            func.bin.cold_starts += 1;
        }
        if measured {
            func.started += 1;
            if cold {
                func.counted.cold_starts += 1;
            }
        }
        if self.measuring {
            func.peak_busy = func.peak_busy.max(func.busy);
            self.peak_busy = self.peak_busy.max(self.busy_total);
        }
        let it = &mut self.insts[inst as usize];
        it.state = State::Busy;
        it.req_id = id;
        it.arrival = now;
        it.done_at = done_at;
        let retryable = req.retry;
        it.flags = flags
            | (it.flags & PROV)
            | if cold { COLD } else { 0 }
            | if measured { MEASURED } else { 0 }
            | if retryable { RETRYABLE } else { 0 };
        let epoch = it.epoch;
        if retryable {
            if self.ctx.len() <= inst as usize {
                self.ctx.resize(inst as usize + 1, Req::default());
            }
            self.ctx[inst as usize] = req;
        }
        self.q.schedule(done_at, Event::Done { inst, epoch });
    }

    /// The record of an attempt rejected before it ran (throttled, or a service error): one per
    /// message for an SQS batch.
    #[cold]
    fn rejected_record(
        &self,
        f: u32,
        req: &Req,
        batch: bool,
        outcome: Outcome,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        if batch {
            self.batch_records(req.id as u32, outcome, false, false, obs);
        } else {
            obs.request(&RequestRecord {
                id: req.id,
                function: f,
                arrival: Nanos(now),
                start: None,
                end: Some(Nanos(now)),
                cold: false,
                outcome,
                attempt: req.attempt,
                measured: req.measured,
            });
        }
    }

    #[inline(always)]
    fn on_done<const X: bool>(&mut self, inst: u32, epoch: u32, now: u64, obs: &mut dyn Observer) {
        let it = self.insts[inst as usize];
        if it.epoch != epoch || it.state != State::Busy {
            return;
        }
        let f = it.func;
        let func = &mut self.funcs[f as usize];
        func.advance(now);
        func.busy -= 1;
        self.busy_total -= 1;
        let prov = X && it.has(PROV);
        if !prov {
            self.pools[func.pool as usize].busy -= 1;
        }
        // This attempt's time: init (if any) and execution.
        let ran = now - it.arrival;
        let retryable = X && it.has(RETRYABLE);
        let batch = X && it.has(BATCH);
        let first = if retryable {
            self.ctx[inst as usize].first
        } else {
            it.arrival
        };
        let failure = if X && it.has(ERRORED) {
            Some(Failure::Error)
        } else if it.has(TIMED_OUT) {
            Some(Failure::Timeout)
        } else {
            None
        };
        if X && it.has(CRASH) && it.has(MEASURED) {
            func.counted.crashes += 1;
        }
        let outcome = match failure {
            Some(kind) => {
                func.bin.errors += 1;
                if kind == Failure::Error {
                    Outcome::Failed
                } else {
                    Outcome::TimedOut
                }
            }
            // A batch's messages are accounted for one by one (`sqs_done`).
            None if batch => Outcome::Succeeded,
            None => {
                func.bin_succeeded += 1;
                // The request's latency: from its first arrival, retries included.
                func.record_latency(now - first, it.has(MEASURED));
                if it.has(MEASURED) {
                    func.succeeded += 1;
                }
                Outcome::Succeeded
            }
        };
        if it.has(MEASURED) {
            // Init and execution, rounded up to 1 ms.
            let billed = func.memory_mb as u128 * ran.div_ceil(1_000_000) as u128;
            if prov {
                func.billed_pc_mb_ms += billed;
            } else {
                func.billed_mb_ms += billed;
            }
        }
        // Recorded before the environment moves on (a release may re-initialize it).
        if self.want_requests && !batch {
            obs.request(&self.attempt_record(inst, outcome, Some(now)));
        }
        if prov && !it.has(LOST) {
            self.pc_release(inst, now);
        } else if X && it.has(LOST) {
            if prov {
                let pc = &mut self.funcs[f as usize].pc;
                pc.advance(now);
                pc.busy -= 1;
                pc.ready -= 1;
            }
            // Taken down by an incident: the environment is gone.
            self.retire(inst, now);
        } else {
            self.make_idle(inst, now);
        }
        if batch {
            let b = self.ctx[inst as usize].id as u32;
            self.sqs_done(b, failure, it.has(COLD), now, obs);
            return;
        }
        match failure {
            // Without errors or retries only a timeout ends an attempt here, and it is final.
            Some(_) if !X => {
                let measured = it.has(MEASURED);
                let o = &mut self.funcs[f as usize].counted.outcomes;
                o.timed_out += measured as u64;
            }
            Some(kind) => {
                let req = if retryable {
                    self.ctx[inst as usize]
                } else {
                    Req {
                        id: it.req_id,
                        first,
                        attempt: 1,
                        measured: it.has(MEASURED),
                        ..Req::default()
                    }
                };
                self.attempt_failed(f, req, kind, now);
            }
            None if retryable => self.retry_succeeded(self.ctx[inst as usize]),
            None => {}
        }
    }

    /// A success gives back the cost of the retry that made it, or `success_refund` if it
    /// succeeded at once (the AWS SDK's retry quota).
    fn retry_succeeded(&mut self, c: Req) {
        if let Some(r) = self.workloads[c.w as usize].retry.as_deref_mut()
            && let Some(q) = r.policy.quota
        {
            let back = if c.attempt > 1 { c.last_cost } else { q.refund };
            r.tokens = r.tokens.saturating_add(back).min(q.tokens);
        }
    }

    /// Instance `inst`, just done, joins the tail of its function's idle list.
    #[inline(always)]
    fn make_idle(&mut self, inst: u32, now: u64) {
        let f = self.insts[inst as usize].func;
        if self.funcs[f as usize].custom_idle {
            match self.idle_decision(inst, now) {
                Idle::Retire => self.retire(inst, now),
                Idle::Keep(ttl) => {
                    self.link_idle(inst, now);
                    if ttl < u64::MAX - now {
                        let epoch = self.insts[inst as usize].epoch;
                        self.q
                            .schedule(now + ttl, Event::ExpireInst { inst, epoch });
                    }
                }
            }
            return;
        }
        if now - self.insts[inst as usize].born >= self.funcs[f as usize].max_lifetime {
            self.retire(inst, now);
            return;
        }
        self.link_idle(inst, now);
        let func = &mut self.funcs[f as usize];
        let ka_end = now.saturating_add(func.keep_alive);
        if func.expire_at == u64::MAX {
            func.expire_at = ka_end;
            self.q.schedule(ka_end, Event::Expire(f));
        }
    }

    /// Instance `inst` joins the tail of its function's idle list.
    #[inline(always)]
    fn link_idle(&mut self, inst: u32, now: u64) {
        let f = self.insts[inst as usize].func;
        let func = &mut self.funcs[f as usize];
        let old_tail = func.tail;
        let born = {
            let slot = &mut self.insts[inst as usize];
            slot.state = State::Idle;
            if slot.flags & (TIMED_OUT | RESET_AFTER) != 0 {
                slot.flags |= RESET;
            }
            slot.idle_since = now;
            slot.prev = old_tail;
            slot.next = NIL;
            slot.born
        };
        if old_tail == NIL {
            func.head = inst;
        } else {
            self.insts[old_tail as usize].next = inst;
        }
        func.tail = inst;
        func.idle += 1;
        match func.reuse {
            Reuse::Random => {
                self.insts[inst as usize].pos = func.idle_vec.len() as u32;
                func.idle_vec.push(inst);
            }
            Reuse::Newest => {
                func.newest.push((born, inst));
                if func.newest.len() > 2 * func.idle as usize + 64 {
                    rebuild_newest(func, &self.insts);
                }
            }
            Reuse::Mru | Reuse::Lru => {}
        }
    }

    fn on_expire(&mut self, f: u32, now: u64) {
        let func = &mut self.funcs[f as usize];
        func.expire_at = u64::MAX;
        self.purge(f, now);
        let func = &mut self.funcs[f as usize];
        if func.head != NIL {
            let t = self.insts[func.head as usize]
                .idle_since
                .saturating_add(func.keep_alive);
            func.expire_at = t;
            self.q.schedule(t, Event::Expire(f));
        }
    }

    /// Reclaims function `f`'s instances whose keep-alive has run out by `now`.
    #[inline(always)]
    fn purge(&mut self, f: u32, now: u64) {
        let func = &self.funcs[f as usize];
        if func.head != NIL
            && self.insts[func.head as usize]
                .idle_since
                .saturating_add(func.keep_alive)
                <= now
        {
            self.purge_expired(f, now);
        }
    }

    #[inline(never)]
    fn purge_expired(&mut self, f: u32, now: u64) {
        let func = &mut self.funcs[f as usize];
        while func.head != NIL {
            let h = func.head;
            if self.insts[h as usize]
                .idle_since
                .saturating_add(func.keep_alive)
                > now
            {
                break;
            }
            func.advance(now);
            unlink(func, &mut self.insts, h);
            func.alive -= 1;
            self.alive_total -= 1;
            let it = &mut self.insts[h as usize];
            it.state = State::Free;
            it.epoch = it.epoch.wrapping_add(1);
            self.free.push(h);
        }
    }

    /// Takes an idle instance of `f` in its reuse order, after reclaiming expired ones.
    #[inline(always)]
    fn take_idle(&mut self, f: u32, now: u64) -> Option<u32> {
        self.purge(f, now);
        let func = &mut self.funcs[f as usize];
        if func.idle == 0 {
            return None;
        }
        let pick = match func.reuse {
            Reuse::Mru => func.tail,
            Reuse::Lru => func.head,
            Reuse::Random => func.idle_vec[func.rng.below(func.idle) as usize],
            Reuse::Newest => loop {
                let (seq, i) = func
                    .newest
                    .pop()
                    .expect("an idle instance has a heap entry");
                let it = &self.insts[i as usize];
                if it.state == State::Idle && it.born == seq {
                    break i;
                }
            },
        };
        unlink(func, &mut self.insts, pick);
        Some(pick)
    }

    /// A new instance of `f` (a cold start).
    fn create(&mut self, f: u32, now: u64) -> u32 {
        let idx = match self.free.pop() {
            Some(i) => i,
            None => {
                self.insts.push(Instance::EMPTY);
                (self.insts.len() - 1) as u32
            }
        };
        let it = &mut self.insts[idx as usize];
        it.func = f;
        it.born = now;
        // A reused slot must not keep its last occupant's flags (PROV above all).
        it.flags = 0;
        it.prev = NIL;
        it.next = NIL;
        let func = &mut self.funcs[f as usize];
        func.advance(now);
        func.alive += 1;
        self.alive_total += 1;
        if self.measuring {
            func.counted.peak_alive = func.counted.peak_alive.max(func.alive);
            self.peak_alive = self.peak_alive.max(self.alive_total);
        }
        idx
    }

    fn start_measuring(&mut self, now: u64) {
        for f in 0..self.funcs.len() {
            self.purge(f as u32, now);
            let func = &mut self.funcs[f];
            func.advance(now);
            func.win_alive0 = func.int_alive;
            func.win_busy0 = func.int_busy;
            func.pc.advance(now);
            func.pc.win0 = (func.pc.int_conf, func.pc.int_ready, func.pc.int_busy);
            func.counted.peak_alive = func.alive;
            func.peak_busy = func.busy;
        }
        self.peak_alive = self.alive_total;
        self.peak_busy = self.busy_total;
        self.asg_start_measuring(now);
        self.measuring = true;
    }

    /// Closes the sample interval ending at `now` and hands one row per function to `obs`.
    fn emit_bins(&mut self, now: u64, obs: &mut dyn Observer) {
        let span = now - self.bin_start;
        if span == 0 {
            return;
        }
        for f in 0..self.funcs.len() {
            self.purge(f as u32, now);
            let func = &mut self.funcs[f];
            func.advance(now);
            func.flush_latencies();
            let queue_depth = func.queued
                + self
                    .sqs
                    .iter()
                    .filter(|q| q.f == f as u32)
                    .map(|q| q.waiting())
                    .sum::<u64>();
            let func = &mut self.funcs[f];
            func.pc.advance(now);
            let pc_ready = func.pc.int_ready - func.pc.bin0.0;
            let pc_util = if pc_ready > 0 {
                (func.pc.int_busy - func.pc.bin0.1) as f64 / pc_ready as f64
            } else {
                0.0
            };
            func.pc.bin0 = (func.pc.int_ready, func.pc.int_busy);
            let alive = (func.int_alive - func.bin.alive0) as f64 / span as f64;
            let busy = (func.int_busy - func.bin.busy0) as f64 / span as f64;
            let b = &func.bin;
            let mut row = SampleRow {
                time: Nanos(self.bin_start),
                span: Nanos(span),
                function: f as u32,
                arrivals: func.bin_arrivals,
                instances: alive,
                busy,
                idle: (alive - busy).max(0.0),
                instances_end: func.alive,
                cold_starts: b.cold_starts,
                throttles: b.throttles,
                errors: b.errors,
                retries: b.retries,
                dead_lettered: b.dead_lettered,
                dlq_depth: func.dlq,
                queue_depth,
                max_event_age_ms: b.max_age as f64 / 1e6,
                incidents: b.incidents,
                provisioned: func.pc.ready as u64,
                provisioned_utilization: pc_util,
                spillover: b.spillover,
                succeeded: func.bin_succeeded,
                p99_latency_ms: func.hists.bin_latency.quantile_ms(0.99),
                mean_latency_ms: func.hists.bin_latency.mean_ms(),
                asg: None,
            };
            if func.asg != NIL {
                let g = func.asg;
                row.asg = Some(self.asg_sample(g, span));
            }
            obs.sample(&row);
            let func = &mut self.funcs[f];
            func.bin = Bin {
                alive0: func.int_alive,
                busy0: func.int_busy,
                incidents: func.active_incidents,
                ..Bin::default()
            };
            func.bin_arrivals = 0;
            func.bin_succeeded = 0;
            func.hists.bin_latency.reset();
        }
        self.bin_start = now;
    }

    fn finish(mut self, obs: &mut dyn Observer) -> RunOutput {
        let end = self.end;
        while self.next_boundary() <= end {
            self.cross_boundary(obs);
        }
        self.asg_advance_all(end, obs);
        if self.want_samples {
            self.emit_bins(end, obs);
        } else {
            // No time series: bring the integrals and the histograms up to the end.
            for f in 0..self.funcs.len() {
                self.purge(f as u32, end);
                let func = &mut self.funcs[f];
                func.advance(end);
                func.flush_latencies();
            }
        }
        obs.progress(Nanos(end), Nanos(end));
        for func in &mut self.funcs {
            func.pc.advance(end);
        }
        // Requests still executing.
        for i in 0..self.insts.len() {
            let it = self.insts[i];
            if it.state == State::Busy {
                let func = &mut self.funcs[it.func as usize];
                if it.has(MEASURED) {
                    // A batch's messages are counted below.
                    func.counted.outcomes.in_flight += !it.has(BATCH) as u64;
                    // Billed for the part run inside the simulated time.
                    let ran = it.done_at.min(end) - it.arrival;
                    let billed = func.memory_mb as u128 * ran.div_ceil(1_000_000) as u128;
                    if it.has(PROV) {
                        func.billed_pc_mb_ms += billed;
                    } else {
                        func.billed_mb_ms += billed;
                    }
                }
                if self.want_requests {
                    if it.has(BATCH) {
                        let b = self.ctx[i].id as u32;
                        self.batch_records(b, Outcome::InFlight, true, it.has(COLD), obs);
                    } else {
                        obs.request(&self.attempt_record(i as u32, Outcome::InFlight, None));
                    }
                }
            }
        }
        // Requests waiting for a retry when the simulation ends.
        for req in self.retries.iter().flatten() {
            if req.measured {
                let f = self.workloads[req.w as usize].function;
                self.funcs[f as usize].counted.outcomes.in_flight += 1;
            }
        }
        // Messages still in an SQS queue or in a batch.
        for m in &self.msgs {
            if m.live() && m.measured {
                let f = self.sqs[m.src as usize].f;
                self.funcs[f as usize].counted.outcomes.in_flight += 1;
            }
        }
        let window = (end - self.warmup) as f64;
        let mut per_fn = Vec::with_capacity(self.funcs.len());
        let mut all_latency = LatencyHist::precise();
        let mut total = Metrics::default();
        let (mut int_alive, mut int_busy, mut started) = (0u128, 0u128, 0u64);
        let (mut pc_ready_all, mut pc_busy_all) = (0u128, 0u128);
        let mut names = Vec::new();
        std::mem::swap(&mut names, &mut self.fn_names);
        let mut groups = Vec::with_capacity(self.funcs.len());
        for f in 0..self.funcs.len() {
            let g = self.funcs[f].asg;
            groups.push((g != NIL).then(|| self.asg_finish(g, end, window)));
        }
        let mut ec2_all: Option<Ec2Cost> = None;
        for ((func, name), group) in self.funcs.iter().zip(names).zip(groups) {
            let c = &func.counted;
            let ia = func.int_alive - func.win_alive0;
            let ib = func.int_busy - func.win_busy0;
            let od_gb_s = func.billed_mb_ms as f64 / 1024.0 / 1000.0;
            let pc_gb_s = func.billed_pc_mb_ms as f64 / 1024.0 / 1000.0;
            let gb_s = od_gb_s + pc_gb_s;
            let compute = od_gb_s * func.gb_s_price + pc_gb_s * func.pc_exec_price;
            let requests = if group.is_some() {
                0.0
            } else {
                func.started as f64 * self.requests_price
            };
            // Provisioned concurrency is billed for the time it is configured.
            let pc = &func.pc;
            let conf_gb_s = (pc.int_conf - pc.win0.0) as f64 / 1e9 * func.memory_mb as f64 / 1024.0;
            let provisioned = conf_gb_s * func.pc_price;
            let pc_ready = pc.int_ready - pc.win0.1;
            pc_ready_all += pc_ready;
            pc_busy_all += pc.int_busy - pc.win0.2;
            let pc_util = if pc_ready > 0 {
                round_sig((pc.int_busy - pc.win0.2) as f64 / pc_ready as f64)
            } else {
                0.0
            };
            let m = Metrics {
                requests: func.requests,
                attempts: func.attempts,
                retry_amplification: ratio(func.attempts, func.requests),
                outcomes: Outcomes {
                    succeeded: func.succeeded,
                    ..c.outcomes.clone()
                },
                cold_starts: c.cold_starts,
                suppressed_inits: c.suppressed_inits,
                init_failures: c.init_failures,
                crashes: c.crashes,
                duplicates: c.duplicates,
                spillover: c.spillover,
                provisioned_utilization: pc_util,
                cold_start_ratio: ratio(c.cold_starts, func.started),
                latency_ms: func.hists.latency.summary(),
                instances: instances(ia, ib, window, c.peak_alive, func.peak_busy),
                cost_usd: cost(
                    requests,
                    compute,
                    provisioned,
                    group.as_ref().map(|g| g.1),
                    func.requests,
                ),
                billed_gb_s: round_sig(gb_s),
                idle_gb_s: if group.is_some() {
                    0.0
                } else {
                    round_sig(idle_gb_s(ia - ib, func.memory_mb))
                },
                asg: group.as_ref().map(|g| g.0.clone().rounded()),
            };
            if let Some((_, c)) = &group {
                ec2_all.get_or_insert_default().add(c);
            }
            all_latency.add(&func.hists.latency);
            total.requests += m.requests;
            total.attempts += m.attempts;
            total.outcomes.add(&m.outcomes);
            total.cold_starts += m.cold_starts;
            total.suppressed_inits += m.suppressed_inits;
            total.init_failures += m.init_failures;
            total.crashes += m.crashes;
            total.duplicates += m.duplicates;
            total.spillover += m.spillover;
            total.cost_usd.requests += requests;
            total.cost_usd.compute += compute;
            total.cost_usd.provisioned += provisioned;
            total.billed_gb_s += gb_s;
            if group.is_none() {
                total.idle_gb_s += idle_gb_s(ia - ib, func.memory_mb);
            }
            int_alive += ia;
            int_busy += ib;
            started += func.started;
            per_fn.push((name, m));
        }
        total.cold_start_ratio = ratio(total.cold_starts, started);
        if pc_ready_all > 0 {
            total.provisioned_utilization = round_sig(pc_busy_all as f64 / pc_ready_all as f64);
        }
        total.retry_amplification = ratio(total.attempts, total.requests);
        total.latency_ms = all_latency.summary();
        total.instances = instances(int_alive, int_busy, window, self.peak_alive, self.peak_busy);
        total.cost_usd = cost(
            total.cost_usd.requests,
            total.cost_usd.compute,
            total.cost_usd.provisioned,
            ec2_all,
            total.requests,
        );
        total.billed_gb_s = round_sig(total.billed_gb_s);
        total.idle_gb_s = round_sig(total.idle_gb_s);
        let summary = Summary {
            scenario: self.name.clone(),
            seed: self.seed,
            simulated_s: end as f64 / 1e9,
            measured_s: window / 1e9,
            total,
            functions: FunctionMetrics(per_fn),
            traces: self
                .feeds
                .iter()
                .map(|f| {
                    let st = f.replay.stream();
                    crate::metrics::TraceReport {
                        workload: f.workload.clone(),
                        file: f.file.clone(),
                        rows: st.rows(),
                        skipped_rows: st.skipped(),
                        replayed: f.replay.emitted - f.unmatched,
                        unmatched: f.unmatched,
                        labelled_cold: f.replay.cold_labelled,
                        first_skipped: st.first_skipped().map(|e| e.to_string()),
                    }
                })
                .collect(),
        };
        RunOutput {
            summary,
            latency: all_latency,
            events: self.q.popped_count(),
            late_events: self.q.late_events(),
        }
    }
}

fn rebuild_newest(func: &mut Func, insts: &[Instance]) {
    func.newest.clear();
    let mut i = func.head;
    while i != NIL {
        func.newest.push((insts[i as usize].born, i));
        i = insts[i as usize].next;
    }
}

/// Removes idle instance `i` from its function's idle structures.
#[inline(always)]
fn unlink(func: &mut Func, insts: &mut [Instance], i: u32) {
    let (prev, next) = (insts[i as usize].prev, insts[i as usize].next);
    if prev == NIL {
        func.head = next;
    } else {
        insts[prev as usize].next = next;
    }
    if next == NIL {
        func.tail = prev;
    } else {
        insts[next as usize].prev = prev;
    }
    func.idle -= 1;
    if func.reuse == Reuse::Random {
        let pos = insts[i as usize].pos as usize;
        func.idle_vec.swap_remove(pos);
        if pos < func.idle_vec.len() {
            let moved = func.idle_vec[pos];
            insts[moved as usize].pos = pos as u32;
        }
    }
    let it = &mut insts[i as usize];
    it.prev = NIL;
    it.next = NIL;
}

/// GB-seconds of `memory_mb` held for `count_ns` instance-nanoseconds.
fn idle_gb_s(count_ns: u128, memory_mb: u64) -> f64 {
    count_ns as f64 / 1e9 * memory_mb as f64 / 1024.0
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        round_sig(a as f64 / b as f64)
    }
}

fn instances(int_alive: u128, int_busy: u128, window: f64, max: u64, max_busy: u64) -> Instances {
    let mean = int_alive as f64 / window;
    let mean_busy = int_busy as f64 / window;
    Instances {
        mean: round_sig(mean),
        max,
        mean_busy: round_sig(mean_busy),
        mean_idle: round_sig((mean - mean_busy).max(0.0)),
        max_busy,
    }
}

fn cost(
    requests: f64,
    compute: f64,
    provisioned: f64,
    ec2: Option<Ec2Cost>,
    n_requests: u64,
) -> Cost {
    let ec2_total = ec2.map(|c| c.total()).unwrap_or(0.0);
    let total = requests + compute + provisioned + ec2_total;
    Cost {
        total: round_sig(total),
        requests: round_sig(requests),
        compute: round_sig(compute),
        provisioned: round_sig(provisioned),
        ec2: round_sig(ec2_total),
        ec2_parts: ec2.map(|c| c.rounded()),
        per_million_requests: if n_requests > 0 {
            round_sig(total / n_requests as f64 * 1e6)
        } else {
            0.0
        },
    }
}

/// The arrival source of a generated process (validated).
fn generated(
    a: &crate::scenario::Arrivals,
    process: Process,
    points: &[(u64, f64)],
    rng: SimRng,
) -> ArrivalSource {
    use crate::workload::{RateShape, Spike};
    let k = a.factor();
    let spikes: Vec<Spike> = a
        .spikes
        .iter()
        .map(|s| Spike {
            start: s.at.0,
            end: s.at.0.saturating_add(s.duration.0),
            factor: s.factor,
        })
        .collect();
    match process {
        Process::Poisson if spikes.is_empty() => {
            ArrivalSource::poisson(a.rate.expect("validated") * k, rng)
        }
        Process::Poisson => ArrivalSource::varying(
            RateShape::Constant(a.rate.expect("validated") * k),
            spikes,
            rng,
        ),
        Process::Constant => ArrivalSource::constant(a.rate.expect("validated") * k),
        Process::Diurnal => {
            let period = a.period.map(|p| p.0).unwrap_or(86_400 * NS_PER_S);
            ArrivalSource::varying(
                RateShape::Diurnal {
                    trough: a.trough.expect("validated") * k,
                    peak: a.peak.expect("validated") * k,
                    period,
                    peak_at: a.peak_at.map(|p| p.0).unwrap_or(period / 2),
                },
                spikes,
                rng,
            )
        }
        Process::Profile => ArrivalSource::varying(
            RateShape::Profile(points.iter().map(|&(t, r)| (t, r * k)).collect()),
            spikes,
            rng,
        ),
        Process::Mmpp => ArrivalSource::mmpp(
            a.rate.expect("validated") * k,
            a.quiet_rate.unwrap_or(0.0) * k,
            a.burst.expect("validated").0 as f64,
            a.quiet.expect("validated").0 as f64,
            spikes,
            rng,
        ),
    }
}

/// Runs `scenario` to the end and returns its summary. Convenience for [`Simulation::new`] and
/// [`Simulation::run`].
pub fn simulate(
    scenario: &Scenario,
    res: &dyn Resources,
    obs: &mut dyn Observer,
) -> Result<Summary, SimError> {
    Ok(Simulation::new(scenario, res)?.run(obs)?.summary)
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn hot_structures_fit_their_cache_lines() {
        assert_eq!(std::mem::size_of::<Instance>(), 64);
        assert!(std::mem::size_of::<Event>() <= 16);
        // The per-request fields of Func end within its first four cache lines.
        let f = std::mem::offset_of!(Func, bin_succeeded);
        assert!(f + 8 <= 256, "hot fields end at {}", f + 8);
    }
}
