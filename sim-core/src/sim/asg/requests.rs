//! A group's requests: arrivals, the load balancer's routing and queue, attempts on instances,
//! completions, client timeouts, and what an ended attempt becomes.

use super::{
    AReq, DEAD, ERR, Event, Failure, LATE, MEAS, NIL, NONE, NState, Nanos, Observer, Outcome,
    RETRY, Req, RequestRecord, STARTED, SimError, Simulation,
};
use crate::sim::ids::{GroupId, SlotId, WorkloadId};

impl Simulation {
    /// Arrivals of workload `w`, which sends to a group: this one at `now`, and the following
    /// ones while they come before every pending event.
    pub(crate) fn asg_arrivals(
        &mut self,
        a: GroupId,
        w: u32,
        mut now: u64,
        obs: &mut dyn Observer,
    ) -> Result<(), SimError> {
        let a = a.0;
        let mut queued = usize::MAX;
        let mut limit = 0;
        loop {
            let next = self.workloads[w as usize].source.next_arrival()?;
            self.asg_new_request(GroupId(a), w, now, crate::trace::NO_DURATION, obs);
            match next {
                Some(t) if t < self.workloads[w as usize].until => {
                    if self.cx.q.len() != queued {
                        queued = self.cx.q.len();
                        limit = self
                            .cx
                            .q
                            .peek_time()
                            .unwrap_or(u64::MAX)
                            .min(self.next_boundary());
                    }
                    if t < limit {
                        now = t;
                        continue;
                    }
                    self.cx.q.schedule(t, Event::Arrival(WorkloadId(w)));
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
    }
}

impl Simulation {
    #[inline]
    pub(crate) fn asg_new_request(
        &mut self,
        a: GroupId,
        w: u32,
        now: u64,
        given: u64,
        obs: &mut dyn Observer,
    ) {
        let a = a.0;
        let wl = &mut self.workloads[w as usize];
        let func = &mut self.lambda.funcs[wl.function as usize];
        let (id, measured) = (self.next_req, now >= self.cx.warmup);
        self.next_req += 1;
        func.arrival(measured);
        let service = wl.service_time(func, given);
        let req = Req {
            id,
            first: now,
            w,
            attempt: 1,
            measured,
            retry: wl.retry.is_some(),
            ..Req::default()
        };
        self.asg_attempt(a, req, now, service, obs);
    }
}

impl Simulation {
    /// A client's retry of a request to group `a`.
    pub(crate) fn asg_retry(&mut self, a: GroupId, req: Req, now: u64, obs: &mut dyn Observer) {
        let wl = &mut self.workloads[req.w as usize];
        let service = wl.retry_service_time(&mut self.lambda.funcs[wl.function as usize]);
        self.asg_attempt(a.0, req, now, service, obs);
    }
}

impl Simulation {
    /// One attempt of `req` at group `a`'s load balancer at `now`.
    #[inline]
    pub(crate) fn asg_attempt(
        &mut self,
        a: u32,
        req: Req,
        now: u64,
        service: u64,
        obs: &mut dyn Observer,
    ) {
        self.asg_advance(a, now, obs);
        let asg = &mut self.asgs[a as usize];
        let f = asg.f;
        if req.measured {
            self.lambda.funcs[f as usize].attempts += 1;
        }
        let room = asg.levels.lowest < asg.slots;
        if asg.routable == 0 || (!room && asg.queue.len() >= asg.qmax) {
            // No healthy target, or the queue is full: 503.
            self.lambda.funcs[f as usize].bin.throttles += 1;
            self.asg_failed(f, req, Failure::Throttle, now);
            if self.cx.want_requests {
                self.lambda
                    .rejected_record(f, &req, Outcome::Throttled, now, obs);
            }
            return;
        }
        let s = asg.alloc_req();
        asg.reqs[s as usize] = AReq {
            id: req.id,
            first: req.first,
            arrival: now,
            service,
            start: 0,
            inst: NIL,
            w: req.w,
            epoch: asg.reqs[s as usize].epoch,
            attempt: req.attempt,
            flags: if req.measured { MEAS } else { 0 } | if req.retry { RETRY } else { 0 },
        };
        if req.retry {
            if asg.ctx.len() <= s as usize {
                asg.ctx.resize(s as usize + 1, Req::default());
            }
            asg.ctx[s as usize] = req;
        }
        if room {
            let i = asg.levels.first(asg.levels.lowest);
            self.asg_run(a, s, i, now);
        } else {
            asg.queue_advance(now);
            asg.queue.push_back(s);
            asg.max_queue = asg.max_queue.max(asg.queue.len() as u64);
            if asg.eager {
                // Its timeout in the queue is handled at its time.
                let at = now + asg.qwait;
                if at < self.cx.end {
                    self.cx.q.schedule(at, Event::AsgSync(GroupId(a)));
                }
            }
        }
    }
}

impl Simulation {
    /// Starts request slot `s` on instance `i` at `t` (`t` may be before the current event's
    /// time: a queued request taking a slot freed by a completion).
    #[inline(always)]
    pub(crate) fn asg_run(&mut self, a: u32, s: u32, i: u32, t: u64) {
        let asg = &mut self.asgs[a as usize];
        let f = asg.f as usize;
        let func = &mut self.lambda.funcs[f];
        let r = &mut asg.reqs[s as usize];
        r.inst = i;
        r.start = t;
        r.flags |= STARTED;
        let mut service = r.service;
        if func.lat_mul != 1.0 || func.lat_add != 0 {
            service = ((service as f64 * func.lat_mul) as u64).saturating_add(func.lat_add);
        }
        if func.error_p > 0.0 {
            let fault = &mut self.workloads[r.w as usize].fault;
            if fault.uniform() < func.error_p {
                r.flags |= ERR;
                service = (service as f64 * fault.uniform()) as u64;
            }
        }
        let wait = t - r.arrival;
        let done = t + service;
        let measured = r.flags & MEAS != 0;
        let retry = r.flags & RETRY != 0;
        let (epoch, arrival) = (r.epoch, r.arrival);
        if retry && done - arrival > asg.timeout {
            r.flags |= LATE;
        }
        asg.heap.push(done, s);
        if asg.add_outstanding(i, t, true) > 0 {
            func.advance(t);
            func.busy += 1;
            self.lambda.busy_total += 1;
            if self.cx.measuring {
                func.peak_busy = func.peak_busy.max(func.busy);
                self.lambda.peak_busy = self.lambda.peak_busy.max(self.lambda.busy_total);
            }
        }
        asg.period_started += 1;
        asg.bin.started += 1;
        func.started += measured as u64;
        if wait > 0 {
            asg.bin.wait_ns += wait as u128;
            asg.bin.queued += 1;
            if measured {
                asg.tally.wait_ns += wait as u128;
                asg.tally.queued += 1;
            }
        }
        if asg.eager {
            // The request's end is handled at its time, so that a retry starts from then.
            if retry && asg.reqs[s as usize].flags & LATE != 0 {
                let at = arrival + asg.timeout;
                self.cx.q.schedule(
                    at,
                    Event::AsgTimeout {
                        a: GroupId(a),
                        slot: SlotId(s),
                        epoch,
                    },
                );
            }
            if done < self.cx.end {
                self.cx.q.schedule(done, Event::AsgSync(GroupId(a)));
            }
        }
    }
}

impl Simulation {
    /// Group `a` is brought up to now (`AsgSync`: a request with a client retry policy ends).
    pub(crate) fn on_asg_sync(&mut self, a: GroupId, now: u64, obs: &mut dyn Observer) {
        self.asg_advance(a.0, now, obs);
    }

    /// Brings group `a` up to `t`: completes the requests ending by then and times out the
    /// queued requests that waited too long, in time order.
    #[inline]
    pub(crate) fn asg_advance(&mut self, a: u32, t: u64, obs: &mut dyn Observer) {
        loop {
            let asg = &self.asgs[a as usize];
            let done = asg.heap.min();
            let expires = match asg.queue.front() {
                Some(&s) => asg.reqs[s as usize].arrival + asg.qwait,
                None => NONE,
            };
            if done > t && expires > t {
                return;
            }
            if expires < done {
                self.asg_expire_queued(a, expires, obs);
            } else {
                self.asg_complete(a, obs);
            }
        }
    }
}

impl Simulation {
    /// The request at the head of the queue waited its longest: 504.
    #[cold]
    pub(crate) fn asg_expire_queued(&mut self, a: u32, t: u64, obs: &mut dyn Observer) {
        let asg = &mut self.asgs[a as usize];
        asg.queue_advance(t);
        let s = asg.queue.pop_front().expect("a queued request");
        self.asg_ended(a, s, Outcome::TimedOut, Some(Failure::Timeout), t, obs);
        self.asgs[a as usize].free_req(s);
    }
}

impl Simulation {
    /// Attempt `s` of group `a` ended at `t` with `outcome` (`failure` unless it succeeded):
    /// its record, and the client's retry or the request's final outcome.
    pub(crate) fn asg_ended(
        &mut self,
        a: u32,
        s: u32,
        outcome: Outcome,
        failure: Option<Failure>,
        t: u64,
        obs: &mut dyn Observer,
    ) {
        let r = self.asgs[a as usize].reqs[s as usize];
        let f = self.asgs[a as usize].f;
        if failure.is_some() {
            self.lambda.funcs[f as usize].bin.errors += 1;
        }
        if self.cx.want_requests {
            obs.request(&RequestRecord {
                id: r.id,
                function: f,
                arrival: Nanos(r.arrival),
                start: (r.flags & STARTED != 0).then_some(Nanos(r.start)),
                end: Some(Nanos(t)),
                cold: false,
                outcome,
                attempt: r.attempt,
                measured: r.flags & MEAS != 0,
            });
        }
        let req = self.asg_req(a, s);
        match failure {
            Some(kind) => self.asg_failed(f, req, kind, t),
            None if req.retry => self.retry_succeeded(req.w, req.attempt, req.last_cost),
            None => {}
        }
    }
}

impl Simulation {
    /// The retry context of slot `s`.
    pub(crate) fn asg_req(&self, a: u32, s: u32) -> Req {
        let asg = &self.asgs[a as usize];
        let r = asg.reqs[s as usize];
        if r.flags & RETRY != 0 {
            asg.ctx[s as usize]
        } else {
            Req {
                id: r.id,
                first: r.first,
                w: r.w,
                attempt: r.attempt,
                measured: r.flags & MEAS != 0,
                ..Req::default()
            }
        }
    }
}

impl Simulation {
    /// An attempt failed with `kind` at `now`: the client retries, or the request ends.
    pub(crate) fn asg_failed(&mut self, f: u32, req: Req, kind: Failure, now: u64) {
        if req.retry {
            self.route_group_failure(f, req, kind, now);
        } else if req.measured {
            self.lambda.funcs[f as usize]
                .counted
                .outcomes
                .count_failure(kind);
        }
    }
}

impl Simulation {
    /// The earliest completion of group `a`.
    #[inline(always)]
    pub(crate) fn asg_complete(&mut self, a: u32, obs: &mut dyn Observer) {
        let asg = &mut self.asgs[a as usize];
        let (t, s) = asg.heap.pop().expect("a completion");
        let r = asg.reqs[s as usize];
        if r.flags & DEAD != 0 {
            asg.free_req(s);
            return;
        }
        let i = r.inst;
        let f = asg.f;
        let func = &mut self.lambda.funcs[f as usize];
        if asg.add_outstanding(i, t, false) < 0 {
            func.advance(t);
            func.busy -= 1;
            self.lambda.busy_total -= 1;
        }
        let measured = r.flags & MEAS != 0;
        let outcome = if r.flags & LATE != 0 {
            // The client timed out earlier (reported then); the instance finished only now.
            None
        } else if r.flags & ERR != 0 {
            Some((Outcome::Failed, Some(Failure::Error)))
        } else if t - r.arrival > asg.timeout {
            Some((Outcome::TimedOut, Some(Failure::Timeout)))
        } else {
            func.bin_succeeded += 1;
            func.record_latency(t - r.first, measured);
            func.succeeded += measured as u64;
            if !self.cx.want_requests && r.flags & RETRY == 0 {
                // The common case: nothing else to report.
                None
            } else {
                Some((Outcome::Succeeded, None))
            }
        };
        if let Some((outcome, failure)) = outcome {
            self.asg_ended(a, s, outcome, failure, t, obs);
        }
        let asg = &mut self.asgs[a as usize];
        asg.free_req(s);
        let n = &asg.nodes[i as usize];
        if n.routable {
            if let Some(&next) = asg.queue.front() {
                asg.queue_advance(t);
                asg.queue.pop_front();
                self.asg_run(a, next, i, t);
            }
        } else if n.state == NState::Terminating && n.outstanding == 0 {
            self.asg_terminated(a, i, t);
        }
    }
}

impl Simulation {
    /// The client of request slot `slot` gave up at `now` (its timeout).
    pub(crate) fn on_asg_timeout(
        &mut self,
        a: GroupId,
        slot: SlotId,
        epoch: u32,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        let a = a.0;
        let slot = slot.0;
        self.asg_advance(a, now, obs);
        let asg = &self.asgs[a as usize];
        let r = asg.reqs[slot as usize];
        if r.epoch != epoch || r.flags & (LATE | STARTED) != LATE | STARTED || r.flags & DEAD != 0 {
            return;
        }
        self.asg_ended(a, slot, Outcome::TimedOut, Some(Failure::Timeout), now, obs);
    }
}
