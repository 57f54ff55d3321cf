//! The simulation: its state held by owners, the one event loop and the router between them.
//!
//! `Simulation` holds the owners — the Lambda platform (`lambda/`), the Auto Scaling groups
//! (`asg/`), the workloads and their trace feeds (`workloads.rs`), the requests parked for a
//! later attempt (`route.rs`), the SQS queues (`queues.rs`), the incidents (`incidents.rs`), API
//! Gateway in front of functions (`apis.rs`) — and
//! the shared context `Ctx` (the event queue, the end of the run and of its warmup, whether the
//! measured window has begun). `event_loop` pops each event and hands it, by one `match`, to its
//! owner's handler. Owners do not call each other: a platform returns how an attempt ended
//! (`AttemptEnd`; a group collects `GroupEnd`s, routed when its handler returns), a client or
//! Lambda's async queue returns when a request is to be attempted again, the SQS mapping returns
//! the batches it starts, and `route.rs` hands each on.
//!
//! # One request's path
//! `Arrival(w)` pops → the workload schedules its next arrival and draws this request's service
//! time from its own stream → `attempt` → the Lambda platform's `invoke`: the function's
//! concurrency pool admits it or throttles it (429), an idle environment is taken in the
//! function's reuse order or a new one created (cold start: init, then the request), and
//! `Done(instance, epoch)` is scheduled at the end of execution (or at the timeout) → on `Done`
//! the outcome and latency are recorded and the environment joins its idle list → `Expire(f)`
//! reclaims environments idle for the keep-alive. A failed attempt goes to `route`, which asks the
//! client's retry policy (or Lambda's async queue) whether another attempt follows.

use crate::dist::{Dist, DistSpec};
use crate::engine::EventQueue;
use crate::error::{ConfigError, InputError, SimError};
use crate::inputs::{load_dist, open_trace, read_points};
use crate::metrics::{
    Cost, Ec2Cost, Instances, LatencyHist, Metrics, Named, Outcome, Outcomes, Summary, round_sig,
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

mod alarms;
mod apis;
mod asg;
mod billing;
mod build;
mod calls;
mod clients;
mod compute;
mod deps;
mod event;
mod groups;
pub(crate) mod ids;
mod incidents;
mod lambda;
pub mod limits;
mod queues;
mod request;
mod route;
mod slab;
mod stats;
mod tables;
mod workflows;
mod workloads;

pub use crate::observer::{AsgSample, NullObserver, Observer, RequestRecord, SampleRow};
use apis::Apis;
use asg::{Asg, GroupCx, GroupSpec, InstEv};
use calls::Backends;
use clients::ClientRetry;
use event::{Event, Tick};
use ids::{FnId, IncidentId, WorkloadId};
use incidents::{IncidentState, Incidents};
use lambda::{
    Attempt, Bin, Bucket, Counted, Func, Hists, KeepAlive, Lambda, Live, NIL, PENDING, Pool,
    Provisioned, RateWindow, RpsRamp, Scaler, State,
};
use queues::{AsyncPolicy, Batch, Sqs, SqsCx, SqsSource};
use request::{AttemptEnd, GroupEnd, Refund, Req, Target};
use route::Parked;
use workflows::Workflows;
use workloads::{Feed, Workload};

/// A prepared run. Build it with [`Simulation::new`], run it with [`Simulation::run`].
///
/// Its state is held by owners: the Lambda platform (`lambda`), the Auto Scaling groups
/// (`asgs`), the workloads and their trace feeds, the requests parked for a later attempt
/// (`parked`), the SQS queues (`sqs`) and the incidents; the rest is the run's clock, its
/// measurement window and the event queue that every owner schedules on.
pub struct Simulation {
    name: String,
    seed: u64,
    interval: u64,
    requests_price: f64,
    billing: billing::Billing,
    cx: Ctx,
    lambda: Lambda,
    /// EC2 Auto Scaling groups.
    asgs: Vec<Asg>,
    workloads: Vec<Workload>,
    feeds: Vec<Feed>,
    parked: Parked,
    /// The attempts a group's handler ended whose clients decide, until routed.
    group_ends: Vec<GroupEnd>,
    /// API Gateway APIs in front of functions, and their names.
    apis: Apis,
    api_names: Vec<String>,
    /// DynamoDB tables and dependencies that functions call, and the calls' workloads.
    backends: Backends,
    /// Step Functions workflows and their executions.
    workflows: Workflows,
    /// CloudWatch alarms.
    alarms: alarms::Alarms,
    /// The functions' rows of the interval that ended, for the alarms.
    alarm_rows: Vec<SampleRow>,
    /// Whether the observer wants the time series (the run keeps it for alarms too).
    obs_samples: bool,
    sqs: Sqs,
    incidents: Incidents,

    next_req: u64,
    bin_start: u64,
    next_sample: u64,
    /// The earliest of `next_sample`, the end of warmup (until measuring) and the first alarm
    /// change due.
    boundary: u64,
    want_samples: bool,
    fn_names: Vec<String>,
    /// The work expected, the requests after which the run stops, and the backlog it may hold.
    work: limits::Work,
    /// Per function: provisioned environments ready at time 0; on-demand ones idle at time 0.
    ready_at_start: Vec<bool>,
    initial: Vec<u32>,
    max_requests: u64,
    max_backlog: u64,
}

/// What every owner's handlers share: the event queue, the end of the run and of its warmup,
/// whether the measured window has begun, and whether the observer wants every attempt.
pub(crate) struct Ctx {
    pub(crate) q: EventQueue<Event>,
    pub(crate) end: u64,
    pub(crate) warmup: u64,
    pub(crate) measuring: bool,
    pub(crate) want_requests: bool,
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
    /// Runs to the end of the simulated time and returns the summary.
    pub fn run(mut self, obs: &mut dyn Observer) -> Result<RunOutput, SimError> {
        self.cx.want_requests = obs.wants_requests();
        self.obs_samples = obs.wants_samples();
        let samples = self.obs_samples || !self.alarms.is_empty();
        self.want_samples = samples;
        for func in &mut self.lambda.funcs {
            func.hists.per_interval = samples;
        }
        let end = self.cx.end;
        for w in 0..self.workloads.len() {
            if let Some(t) = self.workloads[w].source.next_arrival()?
                && t < self.workloads[w].until
            {
                self.cx.q.schedule(t, Event::Arrival(WorkloadId(w as u32)));
            }
        }
        for feed in &mut self.feeds {
            if let Some((t, w)) = feed.pull()? {
                self.cx.q.schedule(t, Event::Arrival(WorkloadId(w)));
            }
        }
        self.next_sample = if samples && self.interval < end {
            self.interval
        } else {
            u64::MAX
        };
        self.update_boundary();
        for (i, inc) in self.incidents.list.iter().enumerate() {
            let i = i as u32;
            for (t, ev) in [
                (inc.start, Event::IncidentStarts(IncidentId(i))),
                (inc.end, Event::IncidentEnds(IncidentId(i))),
            ] {
                if t < end {
                    self.cx.q.schedule(t, ev);
                }
            }
        }
        for f in 0..self.lambda.funcs.len() {
            if self.ready_at_start[f] {
                self.lambda.on_pc_ready(&mut self.cx, FnId(f as u32), 0);
            } else {
                self.lambda.pc_request(&mut self.cx, f as u32, 0);
            }
            self.lambda
                .warm_start(&mut self.cx, f as u32, self.initial[f]);
        }
        self.lambda.pc_start_scaling(&mut self.cx);
        self.start_groups(obs);
        self.backends.start(&mut self.cx.q, end);
        // The loop is compiled twice: with faults, retries, queued invocation and provisioned
        // concurrency, and without them, so that a scenario without them pays nothing for their
        // bookkeeping.
        let extras = self
            .workloads
            .iter()
            .any(|w| w.retry.is_some() || !matches!(w.via, Invocation::Sync))
            || !self.incidents.list.is_empty()
            || !self.apis.is_empty()
            || !self.backends.edges.is_empty()
            || !self.workflows.is_empty()
            || self.lambda.funcs.iter().any(|f| {
                f.error_p > 0.0
                    || f.service_p > 0.0
                    || f.init_fail_p > 0.0
                    || f.mtbf > 0.0
                    || f.has_pc()
                    || f.keep_alive.per_environment()
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
        let end = self.cx.end;
        while let Some((now, ev)) = self.cx.q.pop() {
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
                Event::Done { inst, epoch } => {
                    if let Some(end) = self
                        .lambda
                        .on_done::<X>(&mut self.cx, inst, epoch, now, obs)
                    {
                        self.route(end, now, obs);
                    }
                }
                Event::Expire(f) => self.lambda.on_expire(&mut self.cx, f, now),
                Event::Retry(slot) => self.on_retry(slot, now, obs),
                Event::IncidentStarts(i) => self.on_incident(i, true, now, obs),
                Event::IncidentEnds(i) => self.on_incident(i, false, now, obs),
                Event::PcReady(f) => self.lambda.on_pc_ready(&mut self.cx, f, now),
                Event::PcMetric(f) => self.lambda.on_pc_metric(&mut self.cx, f, now, obs),
                Event::PcSchedule { f, action } => {
                    self.lambda
                        .on_pc_schedule(&mut self.cx, f, action, now, obs)
                }
                Event::ExpireInst { inst, epoch } => self.lambda.on_expire_inst(inst, epoch, now),
                Event::Prewarm(f) => self.lambda.on_prewarm(&mut self.cx, f, now),
                Event::PcRecycled { inst, epoch } => self.lambda.on_pc_recycled(inst, epoch),
                Event::SqsPoll(src) => {
                    self.sqs.on_sqs_poll(src, now);
                    self.sqs_dispatch(src, now, obs);
                }
                Event::SqsVisible { batch, epoch } => {
                    if let Some(src) = self.sqs.on_visible(&mut self.lambda.funcs, batch, epoch) {
                        self.sqs_dispatch(src, now, obs);
                    }
                }
                Event::AsgInst {
                    a,
                    inst,
                    epoch,
                    kind,
                } => self.in_group(a, obs, |asg, g| asg.on_inst(g, inst, epoch, kind, now)),
                Event::AsgTick { a, tick } => {
                    self.in_group(a, obs, |asg, g| asg.on_tick(g, tick, now))
                }
                Event::ApiAnswer(slot) => self.on_api_answer(slot, now, obs),
                Event::Reply(slot) => self.on_reply(slot, now, obs),
                Event::CallGuard { inst, seq } => {
                    if let Some(end) = self.lambda.on_guard(&mut self.cx, inst, seq, now, obs) {
                        self.route(end, now, obs);
                    }
                }
                Event::TableTick(t) => self.on_table_tick(t, now),
                Event::TableUpdate(t) => {
                    let measuring = self.cx.measuring;
                    self.backends.tables[t.0 as usize].update(now, measuring);
                }
                Event::WfTimer { thread, seq } => self.on_wf_timer(thread, seq, now, obs),
                Event::WfTimeout { exec, generation } => {
                    self.workflows.on_timeout(exec, generation, now)
                }
                Event::AsgSync(a) => self.in_group(a, obs, |asg, g| asg.advance(g, now)),
                Event::AsgTimeout { a, slot, epoch } => {
                    self.in_group(a, obs, |asg, g| asg.on_timeout(g, slot, epoch, now))
                }
            }
        }
        Ok(())
    }

    /// The time of the next sample boundary, end of warmup or alarm change, whichever comes
    /// first (kept in `boundary`: the loop asks at every event).
    #[inline(always)]
    fn next_boundary(&self) -> u64 {
        self.boundary
    }

    /// Recomputes `boundary` after a boundary was crossed (or at the start).
    fn update_boundary(&mut self) {
        let t = if self.cx.measuring {
            self.next_sample
        } else {
            self.next_sample.min(self.cx.warmup)
        };
        self.boundary = t.min(self.alarms.next_due());
    }

    /// Handles the earliest pending boundary: an alarm's change, the end of warmup, or a sample
    /// boundary.
    fn cross_boundary(&mut self, obs: &mut dyn Observer) {
        self.cross(obs);
        self.update_boundary();
    }

    fn cross(&mut self, obs: &mut dyn Observer) {
        let due = self.alarms.next_due();
        if due < self.next_sample && (self.cx.measuring || due < self.cx.warmup) {
            return self.alarm_changes(obs);
        }
        if !self.cx.measuring && self.cx.warmup <= self.next_sample {
            self.groups_catch_up(self.cx.warmup, obs);
            self.start_measuring(self.cx.warmup);
        } else {
            let t = self.next_sample;
            self.groups_catch_up(t, obs);
            self.emit_bins(t, obs);
            obs.progress(Nanos(t), Nanos(self.cx.end));
            self.next_sample = if t + self.interval < self.cx.end {
                t + self.interval
            } else {
                u64::MAX
            };
        }
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
    use crate::sim::lambda::Instance;

    #[test]
    fn hot_structures_fit_their_cache_lines() {
        assert_eq!(std::mem::size_of::<Instance>(), 64);
        assert!(std::mem::size_of::<Event>() <= 16);
        // The per-request fields of Func end within its first four cache lines.
        let f = std::mem::offset_of!(Func, bin_succeeded);
        assert!(f + 8 <= 256, "hot fields end at {}", f + 8);
    }
}
