//! Workloads: where arrivals come from (a generator or a trace feed) and the arrival handler,
//! which sends each new request to its target.

use super::{
    ArrivalSource, AsyncPolicy, ClientRetry, Event, Func, HashMap, InputError, Invocation,
    NO_DURATION, Observer, Replay, Req, SimError, SimRng, Simulation, Target,
};
use crate::sim::ids::{SqsId, WorkloadId};

pub(crate) struct Workload {
    /// The scenario function whose requests these are (its counters count them).
    pub(crate) function: u32,
    /// The platform that runs them.
    pub(crate) target: Target,
    pub(crate) source: ArrivalSource,
    pub(crate) service: SimRng,
    /// Draws of function errors (whether, and after what fraction of the work).
    pub(crate) fault: SimRng,
    /// Service times of later attempts and retry jitter.
    pub(crate) redo: SimRng,
    pub(crate) via: Invocation,
    pub(crate) retry: Option<Box<ClientRetry>>,
    pub(crate) asy: Option<Box<AsyncPolicy>>,
    /// The SQS source this workload sends to (an index into `Sqs::sources`), if it sends to one.
    pub(crate) sqs: Option<u32>,
    /// Arrivals stop here (the workload's `end`, at most the end of the simulation).
    pub(crate) until: u64,
    /// The trace feed its arrivals come from (an index into `Simulation::feeds`), if any.
    pub(crate) feed: Option<u32>,
    /// The API Gateway API and route its requests go through, if any.
    pub(crate) api: Option<(u32, u32)>,
}

/// A trace replayed into one or more workloads (one per function it invokes).
pub(crate) struct Feed {
    pub(crate) replay: Replay,
    /// The workload of every arrival (a trace given a `function`)…
    pub(crate) fixed: Option<u32>,
    /// …else the workload of each scenario function by name, and of each trace function once
    /// seen (`None`: no scenario function of that name).
    pub(crate) by_name: HashMap<String, u32>,
    pub(crate) targets: Vec<Option<u32>>,
    /// The trace duration of the scheduled arrival, and its cold/warm label.
    pub(crate) next_duration: u64,
    pub(crate) next_cold: bool,
    /// A labelled trace's labels beside faasim's (`None`: the trace has no labels).
    pub(crate) labels: Option<Box<crate::metrics::LabelComparison>>,
    /// Arrivals of trace functions with no scenario function.
    pub(crate) unmatched: u64,
    pub(crate) workload: String,
    pub(crate) file: String,
}

impl Workload {
    /// A workload of the run's own (a call's or a workflow Task's, the `i`-th of all), with no
    /// arrivals of its own: its requests are made by `call_out` or `send_tasks`.
    pub(crate) fn hidden(
        function: u32,
        target: Target,
        via: Invocation,
        retry: Option<Box<ClientRetry>>,
        seed: u64,
        i: u64,
    ) -> Workload {
        use crate::rng::stream;
        Workload {
            function,
            target,
            source: ArrivalSource::Feed,
            service: SimRng::new(seed, stream::SERVICE | i),
            fault: SimRng::new(seed, stream::FAULT | i),
            redo: SimRng::new(seed, stream::RETRY | i),
            via,
            retry,
            asy: (via == Invocation::Async)
                .then(|| Box::new(AsyncPolicy::new(&Default::default()))),
            sqs: None,
            until: 0,
            feed: None,
            api: None,
        }
    }

    /// The work of a new request of this workload at function `func`: the trace's own duration
    /// (`given`), else a draw from the function's distribution with the workload's service
    /// stream. Drawn for every request, admitted or not, so that configurations compared with
    /// the same seed see the same service times (common random numbers).
    #[inline(always)]
    pub(crate) fn service_time(&mut self, func: &Func, given: u64) -> u64 {
        if given != NO_DURATION {
            given
        } else {
            func.duration.sample(&mut self.service)
        }
    }

    /// The work of a later attempt of this workload's request at function `func`, drawn from the
    /// workload's retry stream; the attempt counts in the interval's retries.
    #[inline]
    pub(crate) fn retry_service_time(&mut self, func: &mut Func) -> u64 {
        func.bin.retries += 1;
        func.duration.sample(&mut self.redo)
    }
}

impl Feed {
    /// The next arrival: (simulation time, workload); its duration goes to `next_duration`.
    pub(crate) fn pull(&mut self) -> Result<Option<(u64, u32)>, InputError> {
        while let Some(a) = self.replay.next_arrival()? {
            let w = if self.fixed.is_some() {
                self.fixed
            } else {
                let f = a.func as usize;
                while self.targets.len() <= f {
                    let name = self
                        .replay
                        .stream()
                        .function_name(self.targets.len() as u32);
                    self.targets.push(self.by_name.get(name).copied());
                }
                self.targets[f]
            };
            let Some(w) = w else {
                self.unmatched += 1;
                continue;
            };
            self.next_duration = a.duration;
            self.next_cold = a.cold;
            return Ok(Some((a.time, w)));
        }
        Ok(None)
    }
}

impl Simulation {
    #[inline(always)]
    pub(crate) fn on_arrival<const X: bool>(
        &mut self,
        w: WorkloadId,
        now: u64,
        obs: &mut dyn Observer,
    ) -> Result<(), SimError> {
        let w = w.0;
        let mut given = NO_DURATION;
        // A labelled trace's arrival: its feed and label.
        let mut label = None;
        if let Some(fi) = self.workloads[w as usize].feed {
            let feed = &mut self.feeds[fi as usize];
            given = feed.next_duration;
            if feed.labels.is_some() {
                label = Some((fi, feed.next_cold));
            }
            if let Some((t, w2)) = feed.pull()? {
                self.cx.q.schedule(t, Event::Arrival(WorkloadId(w2)));
            }
            if let Target::Asg(a) = self.workloads[w as usize].target {
                self.group_request(a, w, now, given, obs);
                self.check_limits_due()?;
                return Ok(());
            }
        } else if let Target::Asg(a) = self.workloads[w as usize].target {
            return self.group_arrivals(a, w, now, obs);
        } else {
            let wl = &mut self.workloads[w as usize];
            if let Some(t) = wl.source.next_arrival()?
                && t < wl.until
            {
                self.cx.q.schedule(t, Event::Arrival(WorkloadId(w)));
            }
            if X && let Target::Workflow(flow) = wl.target {
                self.start_execution(flow.0, now, obs);
                return Ok(());
            }
        }
        self.check_limits_due()?;
        let wl = &mut self.workloads[w as usize];
        let f = wl.function;
        let func = &mut self.lambda.funcs[f as usize];
        let (id, measured) = (self.next_req, now >= self.cx.warmup);
        self.next_req += 1;
        func.arrival(measured);
        if X && let Some(src) = wl.sqs {
            self.sqs.send(&mut self.workloads, src, id, now, measured);
            self.sqs_dispatch(SqsId(src), now, obs);
            return Ok(());
        }
        let service = wl.service_time(func, given);
        let retry = X && (wl.retry.is_some() || matches!(wl.via, Invocation::Async));
        let mut req = Req {
            id,
            first: now,
            prev_delay: 0,
            w,
            attempt: 1,
            last_cost: 0,
            measured,
            retry,
            via: wl.via,
            errs: 0,
            throttles: 0,
            last: None,
            caller: None,
        };
        self.attempt::<X>(f, &mut req, now, service, obs);
        if let Some((fi, logged)) = label
            && let Some(l) = self.feeds[fi as usize].labels.as_mut()
        {
            let started = self.lambda.last_start == id;
            l.add(now, logged, started, started && self.lambda.last_cold == id);
        }
        Ok(())
    }
}
