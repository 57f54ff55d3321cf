//! The Lambda platform: an invocation attempt (admission, a provisioned, idle or new
//! environment, init, faults, the timeout) and its end.

use super::{
    AttemptEnd, Batch, BinaryHeap, Ctx, Dist, Event, Failure, IncidentState, Invocation,
    LatencyHist, NS_PER_S, Nanos, Observer, Outcome, Outcomes, Req, RequestRecord, Reuse, SimRng,
    Sqs,
};
use crate::sim::ids::{FnId, InstId};

mod admission;
mod func;
mod instance;
mod keepalive;
mod phases;
mod provisioned;

pub(crate) use admission::*;
pub(crate) use func::*;
pub(crate) use instance::*;
pub(crate) use keepalive::{Idle, KeepAlive};
pub(crate) use phases::{Calls, Phase, Running, Step};

pub(crate) use provisioned::{Provisioned, Scaler};

/// The Lambda platform's state: functions, execution environments, concurrency pools and the
/// account's scaling bucket, with the live counts over all functions.
pub(crate) struct Lambda {
    pub(crate) funcs: Vec<Func>,
    pub(crate) pools: Vec<Pool>,
    /// Each pool's capacity without incidents.
    pub(crate) pool_caps: Vec<u32>,
    /// Each function's reserved concurrency (0: none), as an alarm's action may set it.
    pub(crate) reserved: Vec<u32>,
    pub(crate) insts: Vec<Instance>,
    /// Per instance, the retry context of the request it serves (written for retryable ones).
    pub(crate) ctx: Vec<Req>,
    /// Free instance slots.
    pub(crate) free: Vec<u32>,
    /// New environments the account may still add now (the legacy scaling rule).
    pub(crate) account_burst: Bucket,
    pub(crate) live: Live,
    /// The id of the last request an environment started, and of the last one started cold
    /// (read by the comparison with a trace's cold/warm labels; `u64::MAX`: none yet).
    pub(crate) last_start: u64,
    pub(crate) last_cold: u64,
    /// The calls functions make, and the phases of the attempts that make them.
    pub(crate) calls: Calls,
}

/// Execution environments (or instances) alive and busy over all functions, whatever their
/// platform, and their peaks in the measured window.
#[derive(Default)]
pub(crate) struct Live {
    pub(crate) alive: u64,
    pub(crate) busy: u64,
    pub(crate) peak_alive: u64,
    pub(crate) peak_busy: u64,
}

impl Lambda {
    /// The record of the attempt instance `inst` serves, ending at `end` (`None`: still running).
    pub(crate) fn attempt_record(
        &self,
        inst: u32,
        outcome: Outcome,
        end: Option<u64>,
    ) -> RequestRecord {
        let it = &self.insts[inst as usize];
        RequestRecord {
            id: it.req_id,
            function: it.func,
            arrival: Nanos(it.arrival),
            start: Some(Nanos(it.arrival)),
            end: end.map(Nanos),
            cold: it.has(COLD),
            outcome,
            attempt: if it.has(RETRYABLE) {
                self.ctx[inst as usize].attempt
            } else {
                1
            },
            measured: it.has(MEASURED),
            env: Some((inst, it.born)),
        }
    }
}

/// An invocation attempt: what it needs besides the function's state.
pub(crate) struct Attempt<'a> {
    pub(crate) f: FnId,
    pub(crate) req: &'a Req,
    /// Its work, in ns.
    pub(crate) service: u64,
    /// The workload's draws of function errors.
    pub(crate) fault: &'a mut SimRng,
    /// The SQS batch it carries, if any: whether its handler fails, and when execution starts.
    pub(crate) batch: Option<&'a mut Batch>,
    /// When its caller stops waiting (API Gateway's integration timeout); `u64::MAX`: never.
    pub(crate) deadline: u64,
}

/// How Lambda took an invocation attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Invoked {
    /// It runs; its end comes as a `Done` event.
    Running,
    /// Throttled in the loop without extras: its outcome is counted, nothing follows.
    Ended,
    /// Rejected before it ran (a service error, or throttled with faults or retries
    /// configured): how it failed.
    Rejected(Failure),
    /// It runs past its caller's deadline: the caller is answered then, and the attempt's own
    /// end only moves its environment on (`cold`: it began with a cold start).
    PastDeadline { cold: bool },
    /// It makes calls, so its end is not known yet, and its caller has a deadline: the caller
    /// checks at the deadline whether environment `inst` still serves it.
    Pending { inst: u32, cold: bool },
}

impl Lambda {
    /// One invocation attempt at `now`: whether it runs, was rejected at once (a service error,
    /// or throttled with faults or retries configured), or runs past its caller's deadline.
    #[inline(always)]
    #[must_use]
    pub(crate) fn invoke<const X: bool>(
        &mut self,
        cx: &mut Ctx,
        a: Attempt<'_>,
        now: u64,
        obs: &mut dyn Observer,
    ) -> Invoked {
        let Attempt {
            f,
            req,
            service,
            fault,
            batch: sqs_batch,
            deadline,
        } = a;
        let f = f.0;
        let (id, measured) = (req.id, req.measured);
        let batch = X && matches!(req.via, Invocation::Sqs);
        let func = &mut self.funcs[f as usize];
        // An SQS batch's attempts are counted per message when it is received.
        if measured && !batch {
            func.attempts += 1;
        }
        if X && func.service_p > 0.0 && func.fault.uniform() < func.service_p {
            // A Lambda service error (5xx): the invocation fails before the function runs.
            func.bin.errors += 1;
            if cx.want_requests && !batch {
                obs.request(&req.rejected(f, Outcome::Failed, now));
            }
            return Invoked::Rejected(Failure::ServiceError);
        }
        let p = func.pool as usize;
        // A ready provisioned environment first; else the on-demand path (a spillover if the
        // function has provisioned concurrency).
        let pc = if X && func.has_pc() {
            self.pc_take(f, now)
        } else {
            None
        };
        // Admitted if the pool has room and the invocation rate is within 10 × concurrency (the
        // pool's, and the account's for a reserved pool), and an environment is idle or may be
        // added at the scaling rate.
        let (mut admitted, idle) = if pc.is_some() {
            (true, pc)
        } else {
            let ok = self.funcs[f as usize].rps_ramp.take(now)
                && self.pools[p].busy < self.pools[p].cap
                && self.pools[p].rps.take(now)
                && (p == 0 || self.pools[0].rps.take(now));
            (ok, if ok { self.take_idle(f, now) } else { None })
        };
        if admitted && idle.is_none() {
            admitted = self.funcs[f as usize].burst.take(now) && self.account_burst.take(now);
        }
        let func = &mut self.funcs[f as usize];
        if X && pc.is_none() && func.has_pc() {
            func.bin.spillover += 1;
            func.counted.spillover += measured as u64;
        }
        if !admitted {
            func.bin.throttles += 1;
            if !X && measured {
                func.counted.outcomes.throttled += 1;
            }
            if cx.want_requests && !batch {
                obs.request(&req.rejected(f, Outcome::Throttled, now));
            }
            return if X {
                Invoked::Rejected(Failure::Throttle)
            } else {
                Invoked::Ended
            };
        }
        if pc.is_none() {
            self.pools[p].busy += 1;
        }

        let (inst, cold) = match idle {
            Some(i) => (i, false),
            None => (self.create(cx, f, now), true),
        };
        if X && self.funcs[f as usize].keep_alive.per_environment() {
            if self.funcs[f as usize].busy == 0 {
                self.idle_time_ends(f, now);
            }
            // Its pending own expiry, if any, is now stale.
            let it = &mut self.insts[inst as usize];
            it.epoch = it.epoch.wrapping_add(1);
        }
        let func = &mut self.funcs[f as usize];
        func.advance(now);
        func.busy += 1;
        self.live.busy += 1;
        // A new environment runs init; so does one reset by a timeout or a crash (a "suppressed
        // init", which runs inside the invocation and counts against its timeout).
        let mut reinit = !cold && self.insts[inst as usize].has(RESET);
        if X && func.mtbf > 0.0 && !cold && !reinit {
            // An environment that crashed while idle is reset when it is next used.
            let idle = (now - self.insts[inst as usize].idle_since) as f64;
            if func.fault.uniform() < -(-idle / func.mtbf).exp_m1() {
                reinit = true;
                func.counted.crashes += measured as u64;
            }
        }
        if reinit && measured {
            func.counted.suppressed_inits += 1;
        }
        // `outside`: init before the invocation proper; `inside`: init within it.
        let (outside, inside, init_late) = if cold || reinit {
            func.init_phase(cold, measured)
        } else {
            (0, 0, false)
        };
        let mut flags = 0;
        let mut service = service;
        let mut full = service;
        if X && !batch {
            if func.lat_mul != 1.0 || func.lat_add != 0 {
                service = ((service as f64 * func.lat_mul) as u64).saturating_add(func.lat_add);
                full = service;
            }
            // A function error ends the attempt after a uniformly drawn fraction of its work.
            if func.error_p > 0.0 && fault.uniform() < func.error_p {
                flags |= ERRORED;
                service = (service as f64 * fault.uniform()) as u64;
            }
        } else if let Some(b) = sqs_batch {
            if b.errored {
                flags |= ERRORED;
            }
            b.exec_start = now + outside + inside;
            flags |= BATCH;
        }
        let errored = flags & ERRORED != 0;
        let work = inside.saturating_add(service);
        let timed_out = work > func.timeout;
        let mut done_at = now
            .saturating_add(outside)
            .saturating_add(work.min(func.timeout));
        if timed_out {
            flags = flags & !ERRORED | TIMED_OUT;
        }
        if X && (cold || reinit)
            && func.init_fail_p > 0.0
            && func.fault.uniform() < func.init_fail_p
        {
            // The init fails with an error: the attempt ends with it, and the environment is
            // reset.
            done_at = now.saturating_add(outside + inside);
            flags = flags & !TIMED_OUT | ERRORED | RESET_AFTER;
            // One failed init phase, however it failed.
            func.counted.init_failures += (measured && !init_late) as u64;
        }
        if X && func.mtbf > 0.0 {
            let crash_in = (-func.fault.uniform_open0().ln() * func.mtbf) as u64;
            if crash_in < done_at - now {
                done_at = now + crash_in;
                flags = flags & !TIMED_OUT | ERRORED | RESET_AFTER | CRASH;
            }
        }
        let phased = X && self.calls.any(f);
        let func = &mut self.funcs[f as usize];
        let late = X && !phased && done_at > deadline;
        if late {
            flags |= ANSWERED;
        }
        self.last_start = id;
        if cold {
            func.bin.cold_starts += 1;
            self.last_cold = id;
        }
        if measured {
            func.started += 1;
            if cold {
                func.counted.cold_starts += 1;
                func.cold_billing(outside, done_at - now);
            }
        }
        if cx.measuring {
            func.peak_busy = func.peak_busy.max(func.busy);
            self.live.peak_busy = self.live.peak_busy.max(self.live.busy);
        }
        let it = &mut self.insts[inst as usize];
        it.state = State::Busy;
        it.req_id = id;
        it.arrival = now;
        it.done_at = done_at;
        if cold {
            // While busy the field is free: when its init ends (read if the run ends first).
            it.idle_since = now.saturating_add(outside);
        }
        let retryable = req.retry;
        it.flags = flags
            | (it.flags & PROV)
            | if cold { COLD } else { 0 }
            | if measured { MEASURED } else { 0 }
            | if retryable { RETRYABLE } else { 0 };
        let epoch = it.epoch;
        if retryable {
            if self.ctx.len() <= inst as usize {
                self.ctx.resize(inst as usize + 1, Req::default());
            }
            self.ctx[inst as usize] = *req;
        }
        if phased {
            // Its own timeline: uncut by the timeout, which counts on the wall clock.
            let own_end = if flags & TIMED_OUT != 0 {
                now.saturating_add(outside).saturating_add(work)
            } else {
                done_at
            };
            let limit = now
                .saturating_add(outside)
                .saturating_add(self.funcs[f as usize].timeout);
            let r = Running {
                exec_start: now.saturating_add(outside + inside),
                full,
                own_end,
                fails: flags & ERRORED != 0 || (flags & TIMED_OUT != 0 && errored),
                shift: 0,
                limit,
                wait_from: 0,
                next: 0,
                pending: Phase::Call,
                seq: 0,
                guarded: false,
            };
            let it = &mut self.insts[inst as usize];
            if it.has(TIMED_OUT) && errored {
                it.flags |= ERRORED;
            }
            it.flags = it.flags & !TIMED_OUT | CALLS;
            let at = self.start_phases(inst, r);
            self.insts[inst as usize].done_at = at;
            if let Some(c) = req.caller {
                // A callee that makes calls itself: its end is not known.
                self.guard_until(cx, c, u64::MAX);
            }
            cx.q.schedule(
                at,
                Event::Done {
                    inst: InstId(inst),
                    epoch,
                },
            );
            return if deadline < u64::MAX {
                Invoked::Pending { inst, cold }
            } else {
                Invoked::Running
            };
        }
        cx.q.schedule(
            done_at,
            Event::Done {
                inst: InstId(inst),
                epoch,
            },
        );
        if X && let Some(c) = req.caller {
            self.guard_until(cx, c, done_at);
        }
        if late {
            Invoked::PastDeadline { cold }
        } else {
            Invoked::Running
        }
    }
}

impl Lambda {
    #[inline(always)]
    #[must_use]
    pub(crate) fn on_done<const X: bool>(
        &mut self,
        cx: &mut Ctx,
        inst: InstId,
        epoch: u32,
        now: u64,
        obs: &mut dyn Observer,
    ) -> Option<AttemptEnd> {
        let inst = inst.0;
        let mut it = self.insts[inst as usize];
        if it.epoch != epoch || it.state != State::Busy {
            return None;
        }
        if X && it.has(CALLS) {
            if !it.has(LOST) && self.phase_due(inst) == Some(Phase::Call) {
                return Some(AttemptEnd::Call { inst: InstId(inst) });
            }
            // The attempt ends: a late answer or guard must find its environment moved on.
            let slot = &mut self.insts[inst as usize];
            slot.epoch = slot.epoch.wrapping_add(1);
            it = *slot;
        }
        let f = it.func;
        let func = &mut self.funcs[f as usize];
        func.advance(now);
        func.busy -= 1;
        self.live.busy -= 1;
        let prov = X && it.has(PROV);
        if !prov {
            self.pools[func.pool as usize].busy -= 1;
        }
        // This attempt's time: init (if any) and execution.
        let ran = now - it.arrival;
        let retryable = X && it.has(RETRYABLE);
        let batch = X && it.has(BATCH);
        let first = if retryable {
            self.ctx[inst as usize].first
        } else {
            it.arrival
        };
        let failure = if X && it.has(ERRORED) {
            Some(Failure::Error)
        } else if it.has(TIMED_OUT) {
            Some(Failure::Timeout)
        } else {
            None
        };
        if X && it.has(CRASH) && it.has(MEASURED) {
            func.counted.crashes += 1;
        }
        if X && it.has(ANSWERED) {
            // Its caller was answered at the deadline: the attempt is only billed, and its
            // environment moves on.
            bill(func, &it, ran, prov);
            self.move_on::<X>(cx, inst, &it, now);
            return None;
        }
        let outcome = match failure {
            Some(kind) => {
                func.bin.errors += 1;
                if kind == Failure::Error {
                    Outcome::Failed
                } else {
                    Outcome::TimedOut
                }
            }
            // A batch's messages are accounted for one by one (`Sqs::done`).
            None if batch => Outcome::Succeeded,
            None => {
                func.bin_succeeded += 1;
                // The request's latency: from its first arrival, retries included.
                func.record_latency(now - first, it.has(MEASURED));
                if it.has(MEASURED) {
                    func.succeeded += 1;
                }
                Outcome::Succeeded
            }
        };
        bill(func, &it, ran, prov);
        // Recorded before the environment moves on (a release may re-initialize it).
        if cx.want_requests && !batch {
            obs.request(&self.attempt_record(inst, outcome, Some(now)));
        }
        self.move_on::<X>(cx, inst, &it, now);
        if batch {
            return Some(AttemptEnd::Batch {
                batch: self.ctx[inst as usize].id as u32,
                failure,
                cold: it.has(COLD),
            });
        }
        match failure {
            // Without errors or retries only a timeout ends an attempt here, and it is final.
            Some(_) if !X => {
                let measured = it.has(MEASURED);
                let o = &mut self.funcs[f as usize].counted.outcomes;
                o.timed_out += measured as u64;
                None
            }
            Some(failure) => {
                if !retryable {
                    // The context of a request without one, for whoever decides what follows.
                    if self.ctx.len() <= inst as usize {
                        self.ctx.resize(inst as usize + 1, Req::default());
                    }
                    self.ctx[inst as usize] = Req {
                        id: it.req_id,
                        first,
                        attempt: 1,
                        measured: it.has(MEASURED),
                        ..Req::default()
                    };
                }
                Some(AttemptEnd::Failed {
                    f: FnId(f),
                    inst: InstId(inst),
                    failure,
                })
            }
            None if retryable => {
                let req = &self.ctx[inst as usize];
                Some(if req.caller.is_some() {
                    AttemptEnd::Answered { inst: InstId(inst) }
                } else {
                    AttemptEnd::Succeeded(req.refund())
                })
            }
            None => None,
        }
    }
}

/// Bills attempt `it` of function `func`, `ran` ns of init and execution rounded up to 1 ms, at
/// the provisioned price if `prov`; only measured attempts are billed.
#[inline(always)]
fn bill(func: &mut Func, it: &Instance, ran: u64, prov: bool) {
    if it.has(MEASURED) {
        func.ran_ns += ran as u128;
        let billed = func.memory_mb as u128 * ran.div_ceil(1_000_000) as u128;
        if prov {
            func.billed_pc_mb_ms += billed;
        } else {
            func.billed_mb_ms += billed;
        }
    }
}

impl Lambda {
    /// Environment `inst`, whose attempt `it` ended at `now`, moves on: back to its provisioned
    /// pool, gone if an incident took it, else idle.
    #[inline(always)]
    fn move_on<const X: bool>(&mut self, cx: &mut Ctx, inst: u32, it: &Instance, now: u64) {
        let prov = X && it.has(PROV);
        if prov && !it.has(LOST) {
            self.pc_release(cx, inst, now);
        } else if X && it.has(LOST) {
            if prov {
                let pc = &mut self.funcs[it.func as usize].pc;
                pc.advance(now);
                pc.busy -= 1;
                pc.ready -= 1;
            }
            // Taken down by an incident: the environment is gone.
            self.retire(inst, now);
        } else {
            self.make_idle(cx, inst, now);
        }
    }
}

impl Lambda {
    /// The end of warmup: every function's measured window starts at `now` (the integrals'
    /// snapshots, the peaks restarted from the counts now).
    pub(crate) fn start_measuring(&mut self, now: u64) {
        for f in 0..self.funcs.len() {
            self.purge(f as u32, now);
            let func = &mut self.funcs[f];
            func.advance(now);
            func.win_alive0 = func.int_alive;
            func.win_busy0 = func.int_busy;
            func.pc.advance(now);
            func.pc.win0 = (func.pc.int_conf, func.pc.int_ready, func.pc.int_busy);
            func.counted.peak_alive = func.alive;
            func.peak_busy = func.busy;
        }
        self.live.peak_alive = self.live.alive;
        self.live.peak_busy = self.live.busy;
    }

    /// The end of the run at `end`: every function's provisioned integrals brought up to it, and
    /// each attempt still executing counted in flight (measured ones), billed for the part run
    /// inside the run, and recorded if `want_requests` (an SQS batch's messages by `sqs`).
    pub(crate) fn finish(
        &mut self,
        end: u64,
        want_requests: bool,
        sqs: &Sqs,
        obs: &mut dyn Observer,
    ) {
        for func in &mut self.funcs {
            func.pc.advance(end);
        }
        for i in 0..self.insts.len() {
            let it = self.insts[i];
            if it.state != State::Busy {
                continue;
            }
            let func = &mut self.funcs[it.func as usize];
            // A request answered at its deadline has its outcome; the attempt is still billed.
            let answered = it.has(ANSWERED);
            if it.has(MEASURED) {
                // A batch's messages are counted by their queue.
                func.counted.outcomes.in_flight += !(it.has(BATCH) || answered) as u64;
                let ran = it.done_at.min(end) - it.arrival;
                func.unended += 1;
                if it.has(COLD) {
                    // Its init was counted when it started; its time is not.
                    func.init_ns -= (it.idle_since - it.arrival) as u128;
                }
                let billed = func.memory_mb as u128 * ran.div_ceil(1_000_000) as u128;
                if it.has(PROV) {
                    func.billed_pc_mb_ms += billed;
                } else {
                    func.billed_mb_ms += billed;
                }
            }
            if want_requests && !answered {
                if it.has(BATCH) {
                    let b = self.ctx[i].id as u32;
                    sqs.records(b, Outcome::InFlight, true, it.has(COLD), obs);
                } else {
                    obs.request(&self.attempt_record(i as u32, Outcome::InFlight, None));
                }
            }
        }
    }

    /// An incident takes environment `inst` down at `now`: an idle one vanishes, a busy one
    /// fails its request (a function error, billed) and is not reused; how that attempt ended
    /// is returned.
    #[must_use]
    pub(crate) fn lose(
        &mut self,
        cx: &mut Ctx,
        inst: InstId,
        now: u64,
        obs: &mut dyn Observer,
    ) -> Option<AttemptEnd> {
        let idx = inst.0;
        let it = self.insts[idx as usize];
        match it.state {
            State::Idle | State::Init if it.has(PROV) => {
                // A provisioned environment, idle or re-initializing.
                self.funcs[it.func as usize].pc.advance(now);
                if it.state == State::Idle {
                    self.pc_lose_idle(idx);
                } else {
                    self.funcs[it.func as usize].pc.ready -= 1;
                }
                self.retire(idx, now);
                None
            }
            State::Idle => {
                let func = &mut self.funcs[it.func as usize];
                unlink(func, &mut self.insts, idx);
                self.retire(idx, now);
                None
            }
            State::Busy => {
                let slot = &mut self.insts[idx as usize];
                slot.done_at = now;
                slot.flags = slot.flags & !TIMED_OUT | ERRORED | LOST;
                let epoch = slot.epoch;
                self.on_done::<true>(cx, inst, epoch, now, obs)
            }
            State::Free | State::Init => None,
        }
    }

    /// An alarm's action at `now`: function `f`'s reserved concurrency becomes `value` (its pool
    /// holds `value` less its provisioned environments; the account's unreserved pool gets the
    /// difference), then the incidents active now apply.
    pub(crate) fn set_reserved(
        &mut self,
        f: u32,
        value: u32,
        incidents: &[IncidentState],
        now: u64,
        obs: &mut dyn Observer,
    ) {
        let p = self.funcs[f as usize].pool as usize;
        let old = self.reserved[f as usize];
        let provisioned = old - self.pool_caps[p];
        self.pool_caps[p] = value.saturating_sub(provisioned);
        self.pool_caps[0] = (self.pool_caps[0] + old).saturating_sub(value);
        self.reserved[f as usize] = value;
        self.apply_incidents(incidents, false);
        if old != value {
            obs.scaling(Nanos(now), f, old, value, "alarm: reserved concurrency");
        }
    }

    /// Recomputes every function's error probability, slow-down and pool capacity from the
    /// incidents active now (the Lambda platform's part of an incident).
    pub(crate) fn apply_incidents(&mut self, incidents: &[IncidentState], at_start: bool) {
        // A change exactly at an interval's start (`at_start`) replaces the interval's count;
        // later changes raise it (the column shows the most incidents active at any time in the
        // interval).
        for (f, func) in self.funcs.iter_mut().enumerate() {
            let mut ok = 1.0 - func.base_error_p;
            let mut up = 1.0 - func.base_service_p;
            let (mut mul, mut add, mut n) = (1.0, 0u64, 0u32);
            for inc in incidents.iter().filter(|i| i.active && i.covers[f]) {
                ok *= 1.0 - inc.error_p;
                up *= 1.0 - inc.service_p;
                mul *= inc.lat_mul;
                add = add.saturating_add(inc.lat_add);
                n += 1;
            }
            func.error_p = 1.0 - ok;
            func.service_p = 1.0 - up;
            func.lat_mul = mul;
            func.lat_add = add;
            func.active_incidents = n;
            func.bin.incidents = if at_start {
                n
            } else {
                func.bin.incidents.max(n)
            };
        }
        for (p, pool) in self.pools.iter_mut().enumerate() {
            let mut keep = 1.0;
            for inc in incidents.iter().filter(|i| i.active && i.lost > 0.0) {
                let hits_pool = self.funcs.iter().enumerate().any(|(f, func)| {
                    func.pool as usize == p && inc.covers[f] && func.group.is_none()
                });
                if hits_pool {
                    keep *= 1.0 - inc.lost;
                }
            }
            pool.cap = (self.pool_caps[p] as f64 * keep).floor() as u32;
        }
    }
}
