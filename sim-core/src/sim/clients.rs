//! Clients: their retry policies and quota tokens. A failed attempt of a synchronous request
//! becomes another attempt, if the policy and the quota allow, or the request's outcome.

use super::{Failure, Policy, Req, Simulation};

/// A client's retry policy and its quota tokens.
pub(crate) struct ClientRetry {
    pub(crate) policy: Policy,
    pub(crate) tokens: u32,
}

impl Simulation {
    /// Attempt `req.attempt` of a request failed with `kind` at `now` at function `f`: the time
    /// of its next attempt if the client's policy and quota allow one (`req` is updated for it,
    /// to be parked until then), else `None` and the request's final outcome is counted.
    #[must_use]
    #[inline]
    pub(crate) fn client_failed(
        &mut self,
        f: u32,
        req: &mut Req,
        kind: Failure,
        now: u64,
    ) -> Option<u64> {
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
                return Some(now.saturating_add(delay));
            }
        }
        if req.measured {
            let o = &mut self.lambda.funcs[f as usize].counted.outcomes;
            match kind {
                Failure::Throttle => o.throttled += 1,
                Failure::Error | Failure::ServiceError => o.failed += 1,
                Failure::Timeout => o.timed_out += 1,
            }
        }
        None
    }

    /// A success of workload `w`'s request at attempt `attempt` gives back the cost of the retry
    /// that made it (`last_cost`), or `success_refund` if it succeeded at once (the AWS SDK's
    /// retry quota).
    pub(crate) fn retry_succeeded(&mut self, w: u32, attempt: u32, last_cost: u32) {
        if let Some(r) = self.workloads[w as usize].retry.as_deref_mut()
            && let Some(q) = r.policy.quota
        {
            let back = if attempt > 1 { last_cost } else { q.refund };
            r.tokens = r.tokens.saturating_add(back).min(q.tokens);
        }
    }
}
