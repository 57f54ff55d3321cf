//! Attempts that make calls: a function with `calls` runs its own work in phases split by its
//! call points, waiting for each sync call's answer (and billed while it waits). The attempt's
//! `Done` event then means the next phase: a call is due, the attempt ends, or its timeout runs
//! out while it waits; each answer and each phase bumps the environment's epoch, so that a
//! late answer or a stale guard finds it moved on.
//!
//! The attempt's own timeline is what it would be without calls (its init, its work, an error
//! after a drawn fraction of the work, a crash): each wait shifts the rest of it. The timeout
//! counts on the wall clock, waits included.

use super::{Ctx, ERRORED, Event, Lambda, Observer, State, TIMED_OUT};
use crate::sim::ids::InstId;
use crate::sim::request::{AttemptEnd, Caller};

/// One call of a function's attempt, in the order they are made.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    /// The fraction of the caller's own work before it.
    pub(crate) at: f64,
    /// The call's workload (its client: target, retry policy and streams).
    pub(crate) edge: u32,
    /// The caller waits for the answer (a sync call).
    pub(crate) wait: bool,
    /// A call that still fails after its retries is ignored (else the attempt fails).
    pub(crate) ignore: bool,
}

/// What the pending `Done` of an attempt with calls means.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Phase {
    /// The next call is due.
    #[default]
    Call,
    /// The attempt ends (its own end, or a failure on its own timeline).
    End,
    /// Its timeout runs out while it works.
    Timeout,
    /// It waits for an answer (its guard ends the attempt if the timeout comes first).
    Wait,
}

/// The phases of an attempt with calls, per environment.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Running {
    /// When its own work starts, how long it is, and when it ends on its own timeline (earlier
    /// after an error, a crash or a failed init).
    pub(crate) exec_start: u64,
    pub(crate) full: u64,
    pub(crate) own_end: u64,
    /// Whether it ends in a failure at `own_end` (then a call exactly there is not made).
    pub(crate) fails: bool,
    /// Time spent waiting for answers so far.
    pub(crate) shift: u64,
    /// When its timeout runs out.
    pub(crate) limit: u64,
    /// Since when it waits, if it does.
    pub(crate) wait_from: u64,
    /// The next call to make (an index into its function's steps).
    pub(crate) next: u32,
    pub(crate) pending: Phase,
    /// The attempt's number, which its guard names, and whether the guard is scheduled: one
    /// event at the timeout serves all its waits, scheduled only when an answer may come after
    /// it.
    pub(crate) seq: u32,
    pub(crate) guarded: bool,
}

/// Every function's steps and every environment's running phases.
#[derive(Default)]
pub(crate) struct Calls {
    /// Per function, its calls in order (empty: none; no entries if no function makes any).
    pub(crate) steps: Vec<Box<[Step]>>,
    /// Per environment, the phases of the attempt it serves (if its function makes calls).
    pub(crate) running: Vec<Running>,
    /// Attempts with calls started so far (their `seq`).
    pub(crate) started: u32,
}

impl Calls {
    /// Whether function `f` makes calls.
    #[inline(always)]
    pub(crate) fn any(&self, f: u32) -> bool {
        !self.steps.is_empty() && !self.steps[f as usize].is_empty()
    }
}

impl Lambda {
    /// Environment `inst` starts an attempt with calls: `r` holds its own timeline. Returns the
    /// time of its first phase, whose `Done` the caller schedules.
    pub(crate) fn start_phases(&mut self, inst: u32, mut r: Running) -> u64 {
        let i = inst as usize;
        if self.calls.running.len() <= i {
            self.calls.running.resize(i + 1, Running::default());
        }
        self.calls.started = self.calls.started.wrapping_add(1);
        r.seq = self.calls.started;
        r.guarded = false;
        self.calls.running[i] = r;
        self.next_phase(inst)
    }

    /// The time of the next phase of the attempt in `inst`, which becomes its pending phase.
    fn next_phase(&mut self, inst: u32) -> u64 {
        let f = self.insts[inst as usize].func as usize;
        let r = &mut self.calls.running[inst as usize];
        let steps = &self.calls.steps[f];
        let (mut at, mut phase) = (r.own_end, Phase::End);
        if let Some(s) = steps.get(r.next as usize) {
            let t = r.exec_start + (s.at * r.full as f64) as u64;
            if t < r.own_end || (t == r.own_end && !r.fails) {
                (at, phase) = (t, Phase::Call);
            }
        }
        at = at.saturating_add(r.shift);
        if at > r.limit {
            (at, phase) = (r.limit, Phase::Timeout);
        }
        r.pending = phase;
        at
    }

    /// The phase of the attempt in `inst` now due, if it is a call or a timeout (`None`: the
    /// attempt ends as its flags say). A timeout clears the failures its own timeline had
    /// ahead.
    #[inline(never)]
    pub(crate) fn phase_due(&mut self, inst: u32) -> Option<Phase> {
        let pending = self.calls.running[inst as usize].pending;
        match pending {
            Phase::End | Phase::Wait => None,
            Phase::Timeout => {
                let it = &mut self.insts[inst as usize];
                it.flags = it.flags & !(ERRORED | super::RESET_AFTER | super::CRASH) | TIMED_OUT;
                None
            }
            Phase::Call => Some(Phase::Call),
        }
    }

    /// The attempt in `inst` makes its next call now: the step, and the epoch its answer must
    /// find. A sync call's wait is guarded by its timeout; after an async one the attempt goes
    /// on at once.
    pub(crate) fn make_call(&mut self, cx: &mut Ctx, inst: u32, now: u64) -> (Step, u32) {
        let f = self.insts[inst as usize].func as usize;
        let r = &mut self.calls.running[inst as usize];
        let step = self.calls.steps[f][r.next as usize];
        if step.wait {
            // Its guard comes when the call's answer may come after the timeout
            // (`guard_until`).
            r.wait_from = now;
            r.pending = Phase::Wait;
            let limit = r.limit;
            let it = &mut self.insts[inst as usize];
            it.done_at = limit;
            (step, it.epoch)
        } else {
            r.next += 1;
            let epoch = self.insts[inst as usize].epoch;
            self.schedule_phase(cx, inst);
            (step, epoch)
        }
    }

    /// Schedules the next phase of the attempt in `inst` under a new epoch (any pending guard
    /// goes stale).
    fn schedule_phase(&mut self, cx: &mut Ctx, inst: u32) {
        let at = self.next_phase(inst);
        let it = &mut self.insts[inst as usize];
        it.epoch = it.epoch.wrapping_add(1);
        it.done_at = at;
        cx.q.schedule(
            at,
            Event::Done {
                inst: InstId(inst),
                epoch: it.epoch,
            },
        );
    }

    /// The sync call that `caller` waits for goes on until `t` (its next event: the callee's
    /// end, a reply, a retry; `u64::MAX` if unknown): if that may be after the caller's
    /// timeout, the caller's guard is scheduled at the timeout (once an attempt).
    /// A workflow's Task has no guard here: its own timer is its timeout.
    pub(crate) fn guard_until(&mut self, cx: &mut Ctx, caller: Caller, t: u64) {
        let Caller::Env { inst, epoch } = caller else {
            return;
        };
        let i = inst.0 as usize;
        if !self.waits(inst.0, epoch) {
            return;
        }
        let r = &mut self.calls.running[i];
        if t <= r.limit || r.guarded {
            return;
        }
        r.guarded = true;
        let seq = r.seq;
        cx.q.schedule(r.limit, Event::CallGuard { inst, seq });
    }

    /// The timeout of the attempt numbered `seq` comes at `now`: if environment `inst` still
    /// serves it and it waits, it times out now (how it ended is returned).
    pub(crate) fn on_guard(
        &mut self,
        cx: &mut Ctx,
        inst: InstId,
        seq: u32,
        now: u64,
        obs: &mut dyn Observer,
    ) -> Option<AttemptEnd> {
        let i = inst.0 as usize;
        let it = &self.insts[i];
        if it.state != State::Busy || !it.has(super::CALLS) {
            return None;
        }
        let r = &mut self.calls.running[i];
        if r.seq != seq || r.pending != Phase::Wait {
            return None;
        }
        r.pending = Phase::Timeout;
        let epoch = it.epoch;
        self.on_done::<true>(cx, inst, epoch, now, obs)
    }

    /// The sync call the attempt in `inst` waits for is answered at `now` (`ok`: it succeeded,
    /// after its retries) if the attempt still waits under `epoch`: it goes on, or, if the
    /// call failed and is not ignored, ends now with a function error (how it ended is
    /// returned).
    pub(crate) fn answered(
        &mut self,
        cx: &mut Ctx,
        inst: u32,
        epoch: u32,
        ok: bool,
        now: u64,
        obs: &mut dyn Observer,
    ) -> Option<AttemptEnd> {
        let it = &self.insts[inst as usize];
        if it.epoch != epoch || it.state != State::Busy {
            return None;
        }
        let f = it.func as usize;
        let r = &mut self.calls.running[inst as usize];
        let step = self.calls.steps[f][r.next as usize];
        r.shift += now - r.wait_from;
        r.next += 1;
        if ok || step.ignore {
            let at = self.next_phase(inst);
            let it = &mut self.insts[inst as usize];
            it.epoch = it.epoch.wrapping_add(1);
            it.done_at = at;
            let epoch = it.epoch;
            if at == now {
                // Due at once (the call ended its work, or the next call is at the same point):
                // no event for it.
                return self.on_done::<true>(cx, InstId(inst), epoch, now, obs);
            }
            cx.q.schedule(
                at,
                Event::Done {
                    inst: InstId(inst),
                    epoch,
                },
            );
            return None;
        }
        // The caller's code gets the call's error and fails.
        r.pending = Phase::End;
        let it = &mut self.insts[inst as usize];
        it.flags = it.flags & !(TIMED_OUT | super::RESET_AFTER | super::CRASH) | ERRORED;
        it.done_at = now;
        it.epoch = it.epoch.wrapping_add(1);
        let epoch = it.epoch;
        self.on_done::<true>(cx, InstId(inst), epoch, now, obs)
    }
}

impl Lambda {
    /// Whether the attempt in `inst` still waits for an answer under `epoch`.
    pub(crate) fn waits(&self, inst: u32, epoch: u32) -> bool {
        let it = &self.insts[inst as usize];
        it.epoch == epoch && it.state == State::Busy
    }

    /// Whether environment `inst` still serves the attempt of request `id` that began at
    /// `arrival`.
    pub(crate) fn still_serves(&self, inst: u32, id: u64, arrival: u64) -> bool {
        let it = &self.insts[inst as usize];
        it.state == State::Busy && it.req_id == id && it.arrival == arrival
    }

    /// The caller of the attempt in `inst` was answered already (API Gateway's 504): the
    /// attempt runs on, only billed.
    pub(crate) fn mark_answered(&mut self, inst: u32) {
        self.insts[inst as usize].flags |= super::ANSWERED;
    }
}
