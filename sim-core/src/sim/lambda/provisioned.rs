//! Provisioned concurrency: environments initialized ahead of time, used before on-demand ones,
//! billed for the time they are configured, and re-initialized every few hours.
//!
//! A function's `target` environments are requested at time 0 (or when a scaling action
//! changes the target); allocation starts `delay` later and proceeds at `rate` per
//! nanosecond, and nothing of a request is usable before all of it is allocated
//! (docs/sources.md: S4). Ready environments wait in `idle` (most recently used first) and never expire. An
//! invocation takes one if there is one; otherwise it spills over to the on-demand path. A
//! provisioned environment does not count against its pool: the pool's capacity was reduced by
//! the provisioned concurrency when the run was set up.

use super::Lambda;
use super::{Event, Func, NIL, NS_PER_S, Observer, PROV, State};
use crate::scenario::PcScaling;
use crate::sim::Ctx;
use crate::sim::ids::{FnId, InstId};
use crate::time::Nanos;

/// A function's provisioned concurrency.
#[derive(Default)]
pub(crate) struct Provisioned {
    /// Configured environments, and those allocated (ready, busy or re-initializing).
    pub target: u32,
    pub ready: u32,
    pub busy: u32,
    /// Ready and idle, most recently used last.
    pub idle: Vec<u32>,
    delay: u64,
    /// Allocation rate, environments per nanosecond, after `burst` at once.
    rate: f64,
    pub burst: u32,
    pub recycle: u64,
    /// When the pending allocation completes (`u64::MAX`: none pending).
    pending_at: u64,
    // Time integrals (count × ns) of configured, ready and busy environments, and their values
    // at the start of the measured window and of the current sample interval.
    last: u64,
    pub int_conf: u128,
    pub int_ready: u128,
    pub int_busy: u128,
    pub win0: (u128, u128, u128),
    pub bin0: (u128, u128),
    pub scaling: Option<Box<Scaler>>,
    /// Requests per second its environments serve at most, per ready environment (0: no
    /// limit): those above spill over to on-demand environments. The current second's end and
    /// count.
    pub rps_per_env: u64,
    rps_end: u64,
    rps_count: u64,
}

/// Application Auto Scaling of one function's provisioned concurrency.
pub(crate) struct Scaler {
    cfg: PcScaling,
    min: u32,
    max: u32,
    above: u32,
    below: u32,
    /// The integrals at the previous datapoint.
    last: (u128, u128),
}

impl Scaler {
    pub fn new(cfg: &PcScaling) -> Scaler {
        Scaler {
            min: cfg.min,
            max: cfg.max,
            cfg: cfg.clone(),
            above: 0,
            below: 0,
            last: (0, 0),
        }
    }
}

impl Provisioned {
    pub fn new(
        target: u32,
        delay: u64,
        per_minute: u32,
        recycle: u64,
        scaling: Option<Box<Scaler>>,
    ) -> Provisioned {
        Provisioned {
            target,
            scaling,
            delay,
            rate: per_minute as f64 / 60e9,
            recycle,
            pending_at: u64::MAX,
            ..Provisioned::default()
        }
    }

    /// Brings the time integrals up to `now`.
    pub fn advance(&mut self, now: u64) {
        let dt = (now - self.last) as u128;
        if dt > 0 {
            self.int_conf += self.target as u128 * dt;
            self.int_ready += self.ready as u128 * dt;
            self.int_busy += self.busy as u128 * dt;
            self.last = now;
        }
    }

    /// When an allocation requested at `now` for `more` environments completes.
    fn ready_at(&self, now: u64, more: u32) -> u64 {
        let paced = more.saturating_sub(self.burst);
        now.saturating_add(self.delay)
            .saturating_add((paced as f64 / self.rate).ceil() as u64)
    }
}

impl Lambda {
    /// Requests the allocation of function `f`'s missing provisioned environments.
    pub(crate) fn pc_request(&mut self, cx: &mut Ctx, f: u32, now: u64) {
        let pc = &mut self.funcs[f as usize].pc;
        if pc.target > pc.ready && pc.pending_at == u64::MAX {
            let t = pc.ready_at(now, pc.target - pc.ready);
            pc.pending_at = t;
            cx.q.schedule(t, Event::PcReady(FnId(f)));
        }
    }

    /// Function `f`'s requested environments are allocated: all become usable now.
    pub(crate) fn on_pc_ready(&mut self, cx: &mut Ctx, f: FnId, now: u64) {
        let f = f.0;
        let pc = &mut self.funcs[f as usize].pc;
        pc.pending_at = u64::MAX;
        pc.advance(now);
        let more = pc.target.saturating_sub(pc.ready);
        for _ in 0..more {
            let inst = self.create(cx, f, now);
            let it = &mut self.insts[inst as usize];
            it.state = State::Idle;
            it.flags = PROV;
            it.idle_since = now;
            it.done_at = now;
            it.born = now;
            let pc = &mut self.funcs[f as usize].pc;
            pc.ready += 1;
            pc.idle.push(inst);
        }
    }

    /// A ready provisioned environment of `f` for an invocation at `now`, if one is idle.
    #[inline]
    pub(crate) fn pc_take(&mut self, f: u32, now: u64) -> Option<u32> {
        let pc = &mut self.funcs[f as usize].pc;
        if pc.rps_per_env > 0 {
            if now >= pc.rps_end {
                pc.rps_end = now - now % NS_PER_S + NS_PER_S;
                pc.rps_count = 0;
            }
            if pc.rps_count >= pc.rps_per_env * pc.ready as u64 {
                return None;
            }
        }
        let inst = pc.idle.pop()?;
        pc.rps_count += 1;
        pc.advance(now);
        pc.busy += 1;
        Some(inst)
    }

    /// Provisioned environment `inst` finished an invocation: it waits for the next one, or is
    /// re-initialized if it has lived `recycle`.
    pub(crate) fn pc_release(&mut self, cx: &mut Ctx, inst: u32, now: u64) {
        let it = &mut self.insts[inst as usize];
        let func = &mut self.funcs[it.func as usize];
        func.pc.advance(now);
        func.pc.busy -= 1;
        it.idle_since = now;
        it.prev = NIL;
        it.next = NIL;
        if func.pc.ready > func.pc.target {
            // Scaled in: this environment goes.
            func.pc.ready -= 1;
            self.retire(inst, now);
            return;
        }
        if now - it.born >= func.pc.recycle {
            // Re-initialized in the background (billed); unavailable meanwhile.
            let init = func.cold_start.sample(&mut func.rng);
            if cx.measuring {
                func.billed_pc_mb_ms += func.memory_mb as u128 * init.div_ceil(1_000_000) as u128;
            }
            it.state = State::Init;
            it.flags = PROV;
            it.born = now + init;
            let epoch = it.epoch;
            cx.q.schedule(
                now + init,
                Event::PcRecycled {
                    inst: InstId(inst),
                    epoch,
                },
            );
        } else {
            it.state = State::Idle;
            func.pc.idle.push(inst);
        }
    }

    /// Provisioned environment `inst` finished re-initializing.
    pub(crate) fn on_pc_recycled(&mut self, inst: InstId, epoch: u32) {
        let inst = inst.0;
        let it = &mut self.insts[inst as usize];
        if it.epoch != epoch {
            return;
        }
        it.state = State::Idle;
        self.funcs[it.func as usize].pc.idle.push(inst);
    }

    /// Starts the scaler of every function that has one: datapoints and scheduled actions.
    pub(crate) fn pc_start_scaling(&mut self, cx: &mut Ctx) {
        for f in 0..self.funcs.len() {
            let Some(sc) = self.funcs[f].pc.scaling.as_deref() else {
                continue;
            };
            let period = sc.cfg.period.0;
            let times: Vec<u64> = sc.cfg.schedule.iter().map(|a| a.at.0).collect();
            cx.q.schedule(period, Event::PcMetric(FnId(f as u32)));
            for (i, t) in times.into_iter().enumerate() {
                cx.q.schedule(
                    t,
                    Event::PcSchedule {
                        f: FnId(f as u32),
                        action: i as u32,
                    },
                );
            }
        }
    }

    /// One utilization datapoint of function `f`'s provisioned concurrency, and the scaling
    /// decision it leads to.
    pub(crate) fn on_pc_metric(&mut self, cx: &mut Ctx, f: FnId, now: u64, obs: &mut dyn Observer) {
        let f = f.0;
        let pc = &mut self.funcs[f as usize].pc;
        pc.advance(now);
        let (ready, busy) = (pc.int_ready, pc.int_busy);
        let target = pc.target;
        let sc = pc.scaling.as_deref_mut().expect("scaled function");
        let period = sc.cfg.period.0;
        let d_ready = ready - sc.last.0;
        let d_busy = busy - sc.last.1;
        sc.last = (ready, busy);
        let mut change = None;
        if d_ready > 0 {
            let util = d_busy as f64 / d_ready as f64;
            let want = ((target as f64 * util / sc.cfg.target).ceil() as u32).clamp(sc.min, sc.max);
            if util > sc.cfg.target {
                sc.above += 1;
                sc.below = 0;
            } else if util < sc.cfg.scale_in_ratio * sc.cfg.target {
                sc.below += 1;
                sc.above = 0;
            } else {
                sc.above = 0;
                sc.below = 0;
            }
            if sc.above >= sc.cfg.scale_out_datapoints && want > target {
                sc.above = 0;
                change = Some((want, "target tracking: scale out"));
            } else if sc.below >= sc.cfg.scale_in_datapoints && want < target {
                sc.below = 0;
                change = Some((want, "target tracking: scale in"));
            }
        }
        // (No datapoint while nothing is allocated: insufficient data, no action.)
        if let Some((to, why)) = change {
            self.pc_set_target(cx, f, to, now, why, obs);
        }
        if now + period <= cx.end {
            cx.q.schedule(now + period, Event::PcMetric(FnId(f)));
        }
    }

    /// Scheduled action `action` of function `f`: new minimum and maximum.
    pub(crate) fn on_pc_schedule(
        &mut self,
        cx: &mut Ctx,
        f: FnId,
        action: u32,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        let f = f.0;
        let pc = &mut self.funcs[f as usize].pc;
        let target = pc.target;
        let sc = pc.scaling.as_deref_mut().expect("scaled function");
        let a = &sc.cfg.schedule[action as usize];
        let (min, max, every) = (a.min, a.max, a.every);
        sc.min = min;
        sc.max = max;
        if let Some(e) = every
            && now + e.0 <= cx.end
        {
            cx.q.schedule(now + e.0, Event::PcSchedule { f: FnId(f), action });
        }
        let to = target.clamp(min, max);
        if to != target {
            self.pc_set_target(cx, f, to, now, "scheduled action", obs);
        }
    }

    /// Sets function `f`'s provisioned concurrency to `to`: more is allocated (after the
    /// allocation delay), less retires idle environments now and busy ones as they finish.
    fn pc_set_target(
        &mut self,
        cx: &mut Ctx,
        f: u32,
        to: u32,
        now: u64,
        why: &str,
        obs: &mut dyn Observer,
    ) {
        let func = &mut self.funcs[f as usize];
        func.pc.advance(now);
        let from = func.pc.target;
        func.pc.target = to;
        // The pool's on-demand part shrinks or grows by the difference.
        let p = func.pool as usize;
        let pool = &mut self.pools[p];
        if to > from {
            pool.cap = pool.cap.saturating_sub(to - from);
            self.pool_caps[p] = self.pool_caps[p].saturating_sub(to - from);
        } else {
            pool.cap += from - to;
            self.pool_caps[p] += from - to;
        }
        obs.scaling(Nanos(now), f, from, to, why);
        if to > func.pc.ready {
            self.pc_request(cx, f, now);
        }
        while self.funcs[f as usize].pc.ready > to {
            let Some(inst) = self.funcs[f as usize].pc.idle.pop() else {
                break;
            };
            self.funcs[f as usize].pc.ready -= 1;
            self.retire(inst, now);
        }
    }

    /// Removes lost provisioned environment `inst` (idle) from its function's pool.
    pub(crate) fn pc_lose_idle(&mut self, inst: u32) {
        let f = self.insts[inst as usize].func;
        let pc = &mut self.funcs[f as usize].pc;
        if let Some(pos) = pc.idle.iter().position(|&i| i == inst) {
            pc.idle.swap_remove(pos);
        }
        pc.ready -= 1;
    }
}

impl Func {
    /// Whether the function has provisioned concurrency configured.
    #[inline]
    pub(crate) fn has_pc(&self) -> bool {
        self.pc.target > 0
    }
}
