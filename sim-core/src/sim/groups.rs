//! The Auto Scaling groups as the loop sees them: each group's handler is called with what it
//! borrows (a `GroupCx`), and the attempts its clients decide are routed once it returns; a
//! workload's arrivals and its clients' retries are sent to its group here.

use super::{Asg, GroupCx, Observer, Req, SimError, Simulation};
use crate::sim::ids::{GroupId, WorkloadId};
use crate::trace::NO_DURATION;

/// Group `$a` of `$s` (a `Simulation`) and what its handlers borrow, as a pair. A macro rather
/// than a method, so that the caller may still borrow the simulation's other owners.
macro_rules! group {
    ($s:ident, $a:expr, $obs:expr) => {{
        let asg = &mut $s.asgs[$a as usize];
        let gx = GroupCx {
            cx: &mut $s.cx,
            func: &mut $s.lambda.funcs[asg.f as usize],
            live: &mut $s.lambda.live,
            workloads: &mut $s.workloads,
            ends: &mut $s.group_ends,
            obs: $obs,
        };
        (asg, gx)
    }};
}
pub(crate) use group;

impl Simulation {
    /// Runs `handler` on group `a`, then routes the attempts it ended whose clients decide.
    #[inline(always)]
    pub(crate) fn in_group<R>(
        &mut self,
        a: GroupId,
        obs: &mut dyn Observer,
        handler: impl FnOnce(&mut Asg, &mut GroupCx<'_>) -> R,
    ) -> R {
        let (asg, mut gx) = group!(self, a.0, obs);
        let r = handler(asg, &mut gx);
        if !self.group_ends.is_empty() {
            self.route_group_ends();
        }
        r
    }

    /// Puts every group in its initial state.
    pub(crate) fn start_groups(&mut self, obs: &mut dyn Observer) {
        for a in 0..self.asgs.len() as u32 {
            self.in_group(GroupId(a), obs, |asg, g| asg.start(g));
        }
    }

    /// Brings every group up to `now` (a sample boundary, the end of warmup, an incident).
    pub(crate) fn groups_catch_up(&mut self, now: u64, obs: &mut dyn Observer) {
        for a in 0..self.asgs.len() as u32 {
            self.in_group(GroupId(a), obs, |asg, g| asg.catch_up(g, now));
        }
    }

    /// Arrivals of workload `w`, which sends to group `a`: this one at `now`, and the following
    /// ones while they come before every pending event.
    pub(crate) fn group_arrivals(
        &mut self,
        a: GroupId,
        w: u32,
        mut now: u64,
        obs: &mut dyn Observer,
    ) -> Result<(), SimError> {
        let mut queued = usize::MAX;
        let mut limit = 0;
        loop {
            let next = self.workloads[w as usize].source.next_arrival()?;
            self.group_request(a, w, now, NO_DURATION, obs);
            self.check_limits_due()?;
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
                    self.cx.q.schedule(t, super::Event::Arrival(WorkloadId(w)));
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
    }

    /// A new request of workload `w` at group `a` at `now` (`given`: its work from a trace).
    #[inline]
    pub(crate) fn group_request(
        &mut self,
        a: GroupId,
        w: u32,
        now: u64,
        given: u64,
        obs: &mut dyn Observer,
    ) {
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
        self.in_group(a, obs, |asg, g| asg.attempt(g, req, now, service));
    }

    /// A client's retry of a request to group `a`.
    pub(crate) fn group_retry(&mut self, a: GroupId, req: Req, now: u64, obs: &mut dyn Observer) {
        let wl = &mut self.workloads[req.w as usize];
        let service = wl.retry_service_time(&mut self.lambda.funcs[wl.function as usize]);
        self.in_group(a, obs, |asg, g| asg.attempt(g, req, now, service));
    }
}
