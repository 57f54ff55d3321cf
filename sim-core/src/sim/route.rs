//! The router between owners. Platforms, clients and queues do not call each other: a platform
//! returns how an attempt ended ([`AttemptEnd`]), a client or Lambda's async queue returns when
//! a request is to be attempted again, the SQS mapping returns the batches it starts, and the
//! functions here hand each to the owner that acts on it. Requests waiting for a later attempt
//! are parked here, each with its `Retry` event.

use super::{
    Attempt, AttemptEnd, Event, Failure, Invocation, Observer, Outcome, Req, Simulation, Target,
};
use crate::sim::ids::{FnId, ParkedId, SqsId};

/// Requests waiting for a later attempt, each in a slot named by its `Retry` event, and the
/// free slots.
#[derive(Default)]
pub(crate) struct Parked {
    pub(crate) slots: Vec<Option<Req>>,
    pub(crate) free: Vec<u32>,
}

impl Simulation {
    /// An attempt of `req` (not an SQS batch) on Lambda function `f` at `now` with `service` ns
    /// of work; its end, if it ended at once, is routed.
    #[inline(always)]
    pub(crate) fn attempt<const X: bool>(
        &mut self,
        f: u32,
        req: &mut Req,
        now: u64,
        service: u64,
        obs: &mut dyn Observer,
    ) {
        let a = Attempt {
            f: FnId(f),
            req,
            service,
            fault: &mut self.workloads[req.w as usize].fault,
            batch: None,
        };
        if let Some(failure) = self.lambda.invoke::<X>(&mut self.cx, a, now, obs) {
            self.failed(f, req, failure, now, obs);
        }
    }

    /// Attempt `req` at function `f` failed with `failure`: a synchronous request's client
    /// decides what follows here (the common case, kept inline), the queues in `queued_failed`.
    #[inline(always)]
    fn failed(
        &mut self,
        f: u32,
        req: &mut Req,
        failure: Failure,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        if matches!(req.via, Invocation::Sync) {
            if let Some(at) = self.client_failed(f, req, failure, now) {
                self.park(*req, at);
            }
        } else {
            self.queued_failed(f, req, failure, now, obs);
        }
    }

    /// A failed attempt of an async event (Lambda's queue retries it or gives up) or of an SQS
    /// batch (only ever rejected: throttled, or a service error).
    #[inline(never)]
    fn queued_failed(
        &mut self,
        f: u32,
        req: &mut Req,
        failure: Failure,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        if matches!(req.via, Invocation::Async) {
            if let Some(at) = self.async_failed(f, req, failure, now) {
                self.park(*req, at);
            }
            return;
        }
        let b = req.id as u32;
        self.sqs_throttled(b, now);
        if self.cx.want_requests {
            let outcome = if failure == Failure::Throttle {
                Outcome::Throttled
            } else {
                Outcome::Failed
            };
            self.batch_records(b, outcome, false, false, obs);
        }
    }

    /// Hands the end of an attempt on Lambda to whoever decides what comes next.
    #[inline(always)]
    pub(crate) fn route(&mut self, end: AttemptEnd, now: u64, obs: &mut dyn Observer) {
        match end {
            AttemptEnd::Succeeded {
                w,
                attempt,
                last_cost,
            } => self.retry_succeeded(w, attempt, last_cost),
            AttemptEnd::Failed { f, inst, failure } => {
                let mut req = self.lambda.ctx[inst.0 as usize];
                self.failed(f.0, &mut req, failure, now, obs);
            }
            AttemptEnd::Batch {
                batch,
                failure,
                cold,
            } => self.batch_ended(batch, failure, cold, now, obs),
        }
    }

    /// SQS batch `batch` ran to its end: the mapping settles its messages and starts more.
    #[inline(never)]
    fn batch_ended(
        &mut self,
        batch: u32,
        failure: Option<Failure>,
        cold: bool,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        let src = self.sqs_done(batch, failure, cold, now, obs);
        self.sqs_dispatch(SqsId(src), now, obs);
    }

    /// A failed attempt of a group's request: its client decides, if it has a retry policy.
    pub(crate) fn route_group_failure(&mut self, f: u32, mut req: Req, failure: Failure, now: u64) {
        if let Some(at) = self.client_failed(f, &mut req, failure, now) {
            self.park(req, at);
        }
    }

    /// Starts every batch SQS source `src` can start now.
    pub(crate) fn sqs_dispatch(&mut self, src: SqsId, now: u64, obs: &mut dyn Observer) {
        let src = src.0;
        while let Some((f, mut req, work)) = self.sqs_next(src, now) {
            let a = Attempt {
                f: FnId(f),
                req: &req,
                service: work,
                fault: &mut self.workloads[req.w as usize].fault,
                batch: Some(&mut self.sqs.batches[req.id as usize]),
            };
            if let Some(failure) = self.lambda.invoke::<true>(&mut self.cx, a, now, obs) {
                self.failed(f, &mut req, failure, now, obs);
            }
        }
    }

    /// Keeps `req` until `at`, when it is attempted again (`on_retry`).
    pub(crate) fn park(&mut self, req: Req, at: u64) {
        let slot = match self.parked.free.pop() {
            Some(s) => {
                self.parked.slots[s as usize] = Some(req);
                s
            }
            None => {
                self.parked.slots.push(Some(req));
                (self.parked.slots.len() - 1) as u32
            }
        };
        self.cx.q.schedule(at, Event::Retry(ParkedId(slot)));
    }

    /// The request parked in `slot` is attempted again: a client's retry, or Lambda's retry of
    /// an async event.
    pub(crate) fn on_retry(&mut self, slot: ParkedId, now: u64, obs: &mut dyn Observer) {
        let slot = slot.0;
        let Some(mut req) = self.parked.slots[slot as usize].take() else {
            return;
        };
        self.parked.free.push(slot);
        let f = match self.workloads[req.w as usize].target {
            Target::Asg(a) => return self.asg_retry(a, req, now, obs),
            Target::Lambda(f) => f.0,
        };
        if matches!(req.via, Invocation::Async) && !self.async_due(f, &req, now) {
            return;
        }
        let func = &mut self.lambda.funcs[f as usize];
        func.bin.retries += 1;
        let service = func
            .duration
            .sample(&mut self.workloads[req.w as usize].redo);
        self.attempt::<true>(f, &mut req, now, service, obs);
    }
}
