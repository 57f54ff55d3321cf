//! Clients: their retry policies and quota tokens, requests parked until their next attempt,
//! and what a failed attempt becomes (another attempt, or the request's outcome).

use super::{Event, Failure, Invocation, Observer, Policy, Req, Simulation, Target};

/// A client's retry policy and its quota tokens.
pub(crate) struct ClientRetry {
    pub(crate) policy: Policy,
    pub(crate) tokens: u32,
}

impl Simulation {
    pub(crate) fn on_retry(&mut self, slot: u32, now: u64, obs: &mut dyn Observer) {
        let Some(req) = self.retries[slot as usize].take() else {
            return;
        };
        self.retry_free.push(slot);
        if let Target::Asg(a) = self.workloads[req.w as usize].target {
            return self.asg_retry(a, req, now, obs);
        }
        let wl = &mut self.workloads[req.w as usize];
        let f = wl.function;
        if req.via == Invocation::Async {
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
}

impl Simulation {
    /// Keeps `req` until `at`, when it is attempted again (`on_retry`).
    pub(crate) fn park(&mut self, req: Req, at: u64) {
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
}

impl Simulation {
    /// Attempt `req.attempt` of a request failed with `kind` at `now`: schedules the next attempt
    /// if the client's policy and quota allow, else records the request's final outcome.
    pub(crate) fn attempt_failed(&mut self, f: u32, mut req: Req, kind: Failure, now: u64) {
        match req.via {
            Invocation::Async => return self.async_failed(f, req, kind, now),
            Invocation::Sqs => return self.sqs_throttled(req.id as u32, now),
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
}

impl Simulation {
    /// A success gives back the cost of the retry that made it, or `success_refund` if it
    /// succeeded at once (the AWS SDK's retry quota).
    pub(crate) fn retry_succeeded(&mut self, c: Req) {
        if let Some(r) = self.workloads[c.w as usize].retry.as_deref_mut()
            && let Some(q) = r.policy.quota
        {
            let back = if c.attempt > 1 { c.last_cost } else { q.refund };
            r.tokens = r.tokens.saturating_add(back).min(q.tokens);
        }
    }
}
