//! A group's requests: attempts at the load balancer, its routing and queue, runs on instances,
//! completions, client timeouts, and what an ended attempt becomes.

use super::{
    AReq, Asg, DEAD, ERR, Event, Failure, GroupCx, GroupEnd, LATE, MEAS, NIL, NONE, NState, Nanos,
    Outcome, RETRY, Req, RequestRecord, STARTED,
};
use crate::sim::ids::{FnId, SlotId};

impl Asg {
    /// One attempt of `req` at the group's load balancer at `now`, with `service` ns of work.
    #[inline]
    pub(crate) fn attempt(&mut self, g: &mut GroupCx<'_>, req: Req, now: u64, service: u64) {
        self.advance(g, now);
        if req.measured {
            g.func.attempts += 1;
        }
        let room = self.levels.lowest < self.slots;
        if self.routable == 0 || (!room && self.queue.len() >= self.qmax) {
            // No healthy target, or the queue is full: 503.
            g.func.bin.throttles += 1;
            self.failed(g, req, Failure::Throttle, now);
            if g.cx.want_requests {
                g.obs
                    .request(&req.rejected(self.f, Outcome::Throttled, now));
            }
            return;
        }
        let s = self.alloc_req();
        self.reqs[s as usize] = AReq {
            id: req.id,
            first: req.first,
            arrival: now,
            service,
            start: 0,
            inst: NIL,
            w: req.w,
            epoch: self.reqs[s as usize].epoch,
            attempt: req.attempt,
            flags: if req.measured { MEAS } else { 0 } | if req.retry { RETRY } else { 0 },
        };
        if req.retry {
            if self.ctx.len() <= s as usize {
                self.ctx.resize(s as usize + 1, Req::default());
            }
            self.ctx[s as usize] = req;
        }
        if room {
            let i = self.levels.first(self.levels.lowest);
            self.run(g, s, i, now);
        } else {
            self.queue_advance(now);
            self.queue.push_back(s);
            self.max_queue = self.max_queue.max(self.queue.len() as u64);
            if self.eager {
                // Its timeout in the queue is handled at its time.
                let at = now + self.qwait;
                if at < g.cx.end {
                    g.cx.q.schedule(at, Event::AsgSync(self.id));
                }
            }
        }
    }

    /// Starts request slot `s` on instance `i` at `t` (`t` may be before the current event's
    /// time: a queued request taking a slot freed by a completion).
    #[inline(always)]
    pub(crate) fn run(&mut self, g: &mut GroupCx<'_>, s: u32, i: u32, t: u64) {
        let func = &mut *g.func;
        let r = &mut self.reqs[s as usize];
        r.inst = i;
        r.start = t;
        r.flags |= STARTED;
        let mut service = r.service;
        if func.lat_mul != 1.0 || func.lat_add != 0 {
            service = ((service as f64 * func.lat_mul) as u64).saturating_add(func.lat_add);
        }
        if func.error_p > 0.0 {
            let fault = &mut g.workloads[r.w as usize].fault;
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
        if retry && done - arrival > self.timeout {
            r.flags |= LATE;
        }
        self.heap.push(done, s);
        if self.add_outstanding(i, t, true) > 0 {
            func.advance(t);
            func.busy += 1;
            g.live.busy += 1;
            if g.cx.measuring {
                func.peak_busy = func.peak_busy.max(func.busy);
                g.live.peak_busy = g.live.peak_busy.max(g.live.busy);
            }
        }
        self.period_started += 1;
        self.bin.started += 1;
        func.started += measured as u64;
        if wait > 0 {
            self.bin.wait_ns += wait as u128;
            self.bin.queued += 1;
            if measured {
                self.tally.wait_ns += wait as u128;
                self.tally.queued += 1;
            }
        }
        if self.eager {
            // The request's end is handled at its time, so that a retry starts from then.
            if retry && self.reqs[s as usize].flags & LATE != 0 {
                let at = arrival + self.timeout;
                g.cx.q.schedule(
                    at,
                    Event::AsgTimeout {
                        a: self.id,
                        slot: SlotId(s),
                        epoch,
                    },
                );
            }
            if done < g.cx.end {
                g.cx.q.schedule(done, Event::AsgSync(self.id));
            }
        }
    }

    /// Brings the group up to `t`: completes the requests ending by then and times out the
    /// queued requests that waited too long, in time order (`AsgSync`: a request with a client
    /// retry policy ends).
    #[inline]
    pub(crate) fn advance(&mut self, g: &mut GroupCx<'_>, t: u64) {
        loop {
            let done = self.heap.min();
            let expires = match self.queue.front() {
                Some(&s) => self.reqs[s as usize].arrival + self.qwait,
                None => NONE,
            };
            if done > t && expires > t {
                return;
            }
            if expires < done {
                self.expire_queued(g, expires);
            } else {
                self.complete(g);
            }
        }
    }

    /// The request at the head of the queue waited its longest: 504.
    #[cold]
    fn expire_queued(&mut self, g: &mut GroupCx<'_>, t: u64) {
        self.queue_advance(t);
        let s = self.queue.pop_front().expect("a queued request");
        self.ended(g, s, Outcome::TimedOut, Some(Failure::Timeout), t);
        self.free_req(s);
    }

    /// Attempt `s` ended at `t` with `outcome` (`failure` unless it succeeded): its record, and
    /// the client's retry or the request's final outcome.
    pub(crate) fn ended(
        &mut self,
        g: &mut GroupCx<'_>,
        s: u32,
        outcome: Outcome,
        failure: Option<Failure>,
        t: u64,
    ) {
        let r = self.reqs[s as usize];
        if failure.is_some() {
            g.func.bin.errors += 1;
        }
        if g.cx.want_requests {
            g.obs.request(&RequestRecord {
                id: r.id,
                function: self.f,
                arrival: Nanos(r.arrival),
                start: (r.flags & STARTED != 0).then_some(Nanos(r.start)),
                end: Some(Nanos(t)),
                cold: false,
                outcome,
                attempt: r.attempt,
                measured: r.flags & MEAS != 0,
                env: None,
            });
        }
        match failure {
            Some(kind) => self.failed(g, self.req(s), kind, t),
            None if r.flags & RETRY != 0 => {
                g.ends
                    .push(GroupEnd::Succeeded(self.ctx[s as usize].refund()));
            }
            None => {}
        }
    }

    /// The retry context of slot `s`.
    fn req(&self, s: u32) -> Req {
        let r = self.reqs[s as usize];
        if r.flags & RETRY != 0 {
            self.ctx[s as usize]
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

    /// An attempt failed with `kind` at `now`: its client decides what follows (through the
    /// router), or the request ends.
    fn failed(&mut self, g: &mut GroupCx<'_>, req: Req, kind: Failure, now: u64) {
        if req.retry {
            g.ends.push(GroupEnd::Failed {
                f: FnId(self.f),
                req,
                failure: kind,
                at: now,
            });
        } else if req.measured {
            g.func.counted.outcomes.count_failure(kind);
        }
    }

    /// The earliest completion.
    #[inline(always)]
    fn complete(&mut self, g: &mut GroupCx<'_>) {
        let (t, s) = self.heap.pop().expect("a completion");
        let r = self.reqs[s as usize];
        if r.flags & DEAD != 0 {
            self.free_req(s);
            return;
        }
        let i = r.inst;
        let func = &mut *g.func;
        if self.add_outstanding(i, t, false) < 0 {
            func.advance(t);
            func.busy -= 1;
            g.live.busy -= 1;
        }
        let measured = r.flags & MEAS != 0;
        let outcome = if r.flags & LATE != 0 {
            // The client timed out earlier (reported then); the instance finished only now.
            None
        } else if r.flags & ERR != 0 {
            Some((Outcome::Failed, Some(Failure::Error)))
        } else if t - r.arrival > self.timeout {
            Some((Outcome::TimedOut, Some(Failure::Timeout)))
        } else {
            func.bin_succeeded += 1;
            func.record_latency(t - r.first, measured);
            func.succeeded += measured as u64;
            if !g.cx.want_requests && r.flags & RETRY == 0 {
                // The common case: nothing else to report.
                None
            } else {
                Some((Outcome::Succeeded, None))
            }
        };
        if let Some((outcome, failure)) = outcome {
            self.ended(g, s, outcome, failure, t);
        }
        self.free_req(s);
        let n = &self.nodes[i as usize];
        if n.routable {
            if let Some(&next) = self.queue.front() {
                self.queue_advance(t);
                self.queue.pop_front();
                self.run(g, next, i, t);
            }
        } else if n.state == NState::Terminating && n.outstanding == 0 {
            self.terminated(g, i, t);
        }
    }

    /// The client of request slot `slot` gave up at `now` (its timeout).
    pub(crate) fn on_timeout(&mut self, g: &mut GroupCx<'_>, slot: SlotId, epoch: u32, now: u64) {
        let slot = slot.0;
        self.advance(g, now);
        let r = self.reqs[slot as usize];
        if r.epoch != epoch || r.flags & (LATE | STARTED) != LATE | STARTED || r.flags & DEAD != 0 {
            return;
        }
        self.ended(g, slot, Outcome::TimedOut, Some(Failure::Timeout), now);
    }
}
