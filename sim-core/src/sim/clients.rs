//! Clients: their retry policies and quota tokens. A failed attempt of a synchronous request
//! becomes another attempt, if the policy and the quota allow.

use super::{Failure, Policy, Req, SimRng};

/// A client's retry policy and its quota tokens.
pub(crate) struct ClientRetry {
    pub(crate) policy: Policy,
    pub(crate) tokens: u32,
}

impl ClientRetry {
    /// Attempt `req.attempt` failed with `kind` at `now`: the time of the next attempt if the
    /// policy and the quota allow one (`req` updated for it: attempt, backoff, the retry's cost;
    /// the jitter drawn from `redo`), else `None`.
    #[must_use]
    #[inline]
    pub(crate) fn failed(
        &mut self,
        redo: &mut SimRng,
        req: &mut Req,
        kind: Failure,
        now: u64,
    ) -> Option<u64> {
        if req.attempt >= self.policy.max_attempts || !self.policy.retries(kind) {
            return None;
        }
        let cost = self
            .policy
            .quota
            .map(|q| Policy::cost(&q, kind))
            .unwrap_or(0);
        if cost > self.tokens && self.policy.quota.is_some() {
            return None;
        }
        self.tokens -= cost.min(self.tokens);
        req.last_cost = cost;
        let delay = self.policy.delay(req.attempt, kind, req.prev_delay, redo);
        req.prev_delay = delay;
        req.attempt += 1;
        Some(now.saturating_add(delay))
    }

    /// A success at attempt `attempt` gives back the cost of the retry that made it
    /// (`last_cost`), or `success_refund` if it succeeded at once (the AWS SDK's retry quota).
    pub(crate) fn succeeded(&mut self, attempt: u32, last_cost: u32) {
        if let Some(q) = self.policy.quota {
            let back = if attempt > 1 { last_cost } else { q.refund };
            self.tokens = self.tokens.saturating_add(back).min(q.tokens);
        }
    }
}
