//! The router between owners. Platforms, clients and queues do not call each other: a platform
//! returns how an attempt ended ([`AttemptEnd`]), a client or Lambda's async queue returns when
//! a request is to be attempted again, the SQS mapping returns the batches it starts, and the
//! functions here hand each to the owner that acts on it. Requests waiting for a later attempt
//! are parked here, each with its `Retry` event.

use super::apis::{Answer, Gate};
use super::lambda::Invoked;
use super::slab::Slab;
use super::{
    Attempt, AttemptEnd, Event, Failure, GroupEnd, Invocation, Observer, Outcome, Refund, Req,
    Simulation, SqsCx, Target,
};
use crate::observer::RequestRecord;
use crate::sim::ids::{AnswerId, FnId, ParkedId, SqsId};
use crate::sim::request::Caller;
use crate::time::Nanos;

/// What an invocation attempt is to do: its work in ns, the SQS batch it carries, and when its
/// caller stops waiting (`u64::MAX`: never).
#[derive(Clone, Copy)]
struct Work {
    service: u64,
    batch: Option<u32>,
    deadline: u64,
}

/// Requests waiting for a later attempt, each in a slot named by its `Retry` event.
pub(crate) type Parked = Slab<Req>;

impl Simulation {
    /// An attempt of `req` (not an SQS batch) on Lambda function `f` at `now` with `service` ns
    /// of work, through its workload's API if it has one; its end, if it ended at once, is
    /// routed.
    #[inline(always)]
    pub(crate) fn attempt<const X: bool>(
        &mut self,
        f: u32,
        req: &mut Req,
        now: u64,
        service: u64,
        obs: &mut dyn Observer,
    ) {
        let mut work = Work {
            service,
            batch: None,
            deadline: u64::MAX,
        };
        if X && let Some((api, route)) = self.workloads[req.w as usize].api {
            match self.apis.gate(api, route, now, req.measured) {
                Gate::Throttled => return self.api_throttled(f, req, now, obs),
                Gate::Forwarded { deadline } => work.deadline = deadline,
            }
            let (cold, inst) = match self.invoke::<X>(f, req, work, now, obs) {
                Invoked::PastDeadline { cold } => (cold, None),
                // It makes calls: whether it answers in time is known at the deadline.
                Invoked::Pending { inst, cold } => (cold, Some(inst)),
                _ => return,
            };
            let answer = Answer {
                api,
                req: *req,
                f,
                arrival: now,
                cold,
                inst,
            };
            self.apis.answer_at(answer, work.deadline, &mut self.cx.q);
            return;
        }
        self.invoke::<X>(f, req, work, now, obs);
    }

    /// Lambda's `invoke` of `req` at function `f` with `work` (and the SQS batch it carries, if
    /// any), with the workload's draws of function errors; a rejected attempt is routed. Returns
    /// how Lambda took it.
    #[inline(always)]
    fn invoke<const X: bool>(
        &mut self,
        f: u32,
        req: &mut Req,
        work: Work,
        now: u64,
        obs: &mut dyn Observer,
    ) -> Invoked {
        let a = Attempt {
            f: FnId(f),
            req,
            service: work.service,
            fault: &mut self.workloads[req.w as usize].fault,
            batch: work.batch.map(|b| &mut self.sqs.batches[b as usize]),
            deadline: work.deadline,
        };
        let invoked = self.lambda.invoke::<X>(&mut self.cx, a, now, obs);
        if let Invoked::Rejected(failure) = invoked {
            self.failed(f, req, failure, now, obs);
        }
        invoked
    }

    /// API Gateway throttled attempt `req` to function `f` at `now` (429): the client decides
    /// what follows; Lambda never sees it.
    #[cold]
    fn api_throttled(&mut self, f: u32, req: &mut Req, now: u64, obs: &mut dyn Observer) {
        // The client's attempt, which API Gateway answered.
        self.lambda.funcs[f as usize].attempts += req.measured as u64;
        if self.cx.want_requests {
            obs.request(&req.rejected(f, Outcome::Throttled, now));
        }
        self.failed(f, req, Failure::Throttle, now, obs);
    }

    /// API Gateway's integration timeout ran out for the attempt in `slot` (504): its record,
    /// then its client decides what follows, seeing an HTTP 5xx (a service error to its retry
    /// policy); a final 504 is the request's `timed_out`. The function runs on to its own end.
    pub(crate) fn on_api_answer(&mut self, slot: AnswerId, now: u64, obs: &mut dyn Observer) {
        if let Some(a) = self.apis.peek_answer(slot)
            && let Some(inst) = a.inst
            && !self.lambda.still_serves(inst, a.req.id, a.arrival)
        {
            // It answered in time.
            self.apis.drop_answer(slot);
            return;
        }
        let Answer {
            mut req,
            f,
            arrival,
            cold,
            inst,
            ..
        } = self.apis.take_answer(slot);
        if let Some(i) = inst {
            self.lambda.mark_answered(i);
        }
        self.lambda.funcs[f as usize].bin.errors += 1;
        if self.cx.want_requests {
            obs.request(&RequestRecord {
                id: req.id,
                function: f,
                arrival: Nanos(arrival),
                start: Some(Nanos(arrival)),
                end: Some(Nanos(now)),
                cold,
                outcome: Outcome::TimedOut,
                attempt: req.attempt,
                measured: req.measured,
                env: None,
            });
        }
        let seen = Failure::ServiceError;
        if let Some(at) = self.client_decides(f, &mut req, seen, Failure::Timeout, now) {
            self.park(req, at);
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
            if req.caller.is_some() {
                self.function_call_failed(f, req, failure, now, obs);
            } else if let Some(at) = self.client_failed(f, req, failure, now) {
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
        self.sqs.sqs_throttled(b, now);
        if self.cx.want_requests {
            let outcome = if failure == Failure::Throttle {
                Outcome::Throttled
            } else {
                Outcome::Failed
            };
            self.sqs.records(b, outcome, false, false, obs);
        }
    }

    /// Hands the end of an attempt on Lambda to whoever decides what comes next.
    #[inline(always)]
    pub(crate) fn route(&mut self, end: AttemptEnd, now: u64, obs: &mut dyn Observer) {
        match end {
            AttemptEnd::Succeeded(r) => self.retry_succeeded(r),
            AttemptEnd::Answered { inst } => {
                let req = self.lambda.ctx[inst.0 as usize];
                self.call_succeeded(&req, now, obs);
            }
            AttemptEnd::Call { inst } => self.call_out(inst, now, obs),
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
        let mut x = SqsCx {
            cx: &mut self.cx,
            funcs: &mut self.lambda.funcs,
            workloads: &mut self.workloads,
        };
        let src = self.sqs.done(&mut x, batch, failure, cold, now, obs);
        self.sqs_dispatch(SqsId(src), now, obs);
    }

    /// Attempt `req` at function `f` failed with `kind` at `now`: the time of its next attempt if
    /// its client's retry policy allows one, else `None` and the request's outcome is counted.
    #[must_use]
    #[inline(always)]
    pub(crate) fn client_failed(
        &mut self,
        f: u32,
        req: &mut Req,
        kind: Failure,
        now: u64,
    ) -> Option<u64> {
        self.client_decides(f, req, kind, kind, now)
    }

    /// As `client_failed`, the client seeing the failure as `seen` and the request's final
    /// outcome counted as `kind` (an API's 504 is an HTTP 5xx to its client, and a timeout).
    #[must_use]
    #[inline(always)]
    fn client_decides(
        &mut self,
        f: u32,
        req: &mut Req,
        seen: Failure,
        kind: Failure,
        now: u64,
    ) -> Option<u64> {
        let wl = &mut self.workloads[req.w as usize];
        if req.retry
            && let Some(r) = wl.retry.as_deref_mut()
            && let Some(at) = r.failed(&mut wl.redo, req, seen, now)
        {
            return Some(at);
        }
        if req.measured {
            self.lambda.funcs[f as usize]
                .counted
                .outcomes
                .count_failure(kind);
        }
        None
    }

    /// Lambda's async queue decides what follows a failed attempt of event `req` at function
    /// `f`: another attempt (the event waits in the queue), or the event's end.
    #[must_use]
    fn async_failed(&mut self, f: u32, req: &mut Req, kind: Failure, now: u64) -> Option<u64> {
        let policy = self.workloads[req.w as usize]
            .asy
            .as_deref()
            .expect("an async workload has its policy");
        match policy.failed(req, kind, now) {
            Some(at) => {
                self.lambda.funcs[f as usize].queued += 1;
                Some(at)
            }
            None => {
                policy.ended(&mut self.lambda.funcs[f as usize], req, kind);
                None
            }
        }
    }

    /// A request succeeded: its client's quota gets its refund.
    pub(crate) fn retry_succeeded(&mut self, refund: Refund) {
        if let Some(r) = self.workloads[refund.w as usize].retry.as_deref_mut() {
            r.succeeded(refund.attempt, refund.last_cost);
        }
    }

    /// Hands each attempt a group ended whose client decides to that client, in the order they
    /// ended: a failure may be retried (the request is parked), a success gives back quota.
    #[inline(never)]
    pub(crate) fn route_group_ends(&mut self) {
        // Routing adds none: each is read by its index.
        for k in 0..self.group_ends.len() {
            match self.group_ends[k] {
                GroupEnd::Succeeded(r) => self.retry_succeeded(r),
                GroupEnd::Failed {
                    f,
                    mut req,
                    failure,
                    at,
                } => {
                    if let Some(next) = self.client_failed(f.0, &mut req, failure, at) {
                        self.park(req, next);
                    }
                }
            }
        }
        self.group_ends.clear();
    }

    /// Starts every batch SQS source `src` can start now.
    pub(crate) fn sqs_dispatch(&mut self, src: SqsId, now: u64, obs: &mut dyn Observer) {
        let src = src.0;
        loop {
            let mut x = SqsCx {
                cx: &mut self.cx,
                funcs: &mut self.lambda.funcs,
                workloads: &mut self.workloads,
            };
            let Some((f, mut req, work)) = self.sqs.next(&mut x, src, now) else {
                break;
            };
            let work = Work {
                service: work,
                batch: Some(req.id as u32),
                deadline: u64::MAX,
            };
            self.invoke::<true>(f, &mut req, work, now, obs);
        }
    }

    /// Keeps `req` until `at`, when it is attempted again (`on_retry`).
    pub(crate) fn park(&mut self, req: Req, at: u64) {
        let slot = self.parked.insert(req);
        self.cx.q.schedule(at, Event::Retry(ParkedId(slot)));
    }

    /// The request parked in `slot` is attempted again: a client's retry, or Lambda's retry of
    /// an async event.
    pub(crate) fn on_retry(&mut self, slot: ParkedId, now: u64, obs: &mut dyn Observer) {
        let Some(mut req) = self.parked.take(slot.0) else {
            return;
        };
        if let Some(c) = req.caller {
            // A sync call: its client sends it again, if the caller still waits (a caller that
            // ended — its timeout, an error — took its client with it).
            let waits = match c {
                Caller::Env { inst, epoch } => self.lambda.waits(inst.0, epoch),
                Caller::Task { thread, seq } => self.workflows.waits(thread.0, seq),
            };
            if !waits {
                self.abandon_call(&req);
                return;
            }
            return self.send_call(req, true, now, obs);
        }
        let f = match self.workloads[req.w as usize].target {
            Target::Asg(a) => return self.group_retry(a, req, now, obs),
            Target::Lambda(f) => f.0,
            Target::Table(_) | Target::Dep(_) | Target::Workflow(_) => {
                unreachable!("table and dependency calls are sync; executions are not retried")
            }
        };
        if matches!(req.via, Invocation::Async) {
            let policy = self.workloads[req.w as usize]
                .asy
                .as_deref()
                .expect("an async workload has its policy");
            if !policy.due(&mut self.lambda.funcs[f as usize], &req, now) {
                return;
            }
        }
        let service =
            self.workloads[req.w as usize].retry_service_time(&mut self.lambda.funcs[f as usize]);
        self.attempt::<true>(f, &mut req, now, service, obs);
    }
}
