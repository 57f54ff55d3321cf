//! Execution environments (instances) of the Lambda platform: their state and flags, the free
//! slots, and each function's idle list in its reuse order with the fixed keep-alive's expiry.
//!
//! Each function keeps its idle environments in an intrusive doubly-linked list ordered by the
//! time they became idle (head = idle longest). With one keep-alive per function, expiry times
//! follow the same order, so reclaiming is popping the head; one pending `Expire(f)` event per
//! function (at the head's expiry time, rescheduled when it fires) keeps the count exact without
//! an event per idle period. `mru` takes the tail, `lru` the head, `random` a uniform pick (via a
//! position vector), `newest` the most recently created (via a max-heap with lazy deletion).

use super::Lambda;
use super::{Event, Func, Idle, KeepAlive, Reuse};
use crate::sim::Ctx;
use crate::sim::ids::{FnId, InstId};

pub(crate) const NIL: u32 = u32::MAX;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum State {
    Free,
    Busy,
    Idle,
    /// A provisioned environment re-initializing.
    Init,
}

/// An execution environment: 64 bytes, one cache line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct Instance {
    /// When it last became idle; while busy after a cold start, when its init ends.
    pub(crate) idle_since: u64,
    /// When it was created, or last re-initialized (provisioned): for `newest` reuse, the
    /// maximum lifetime and provisioned recycling.
    pub(crate) born: u64,
    // The request being served: its id, its arrival (= its start: a sync invocation does not
    // wait), and when it completes (after init, if cold, and execution).
    pub(crate) req_id: u64,
    pub(crate) arrival: u64,
    pub(crate) done_at: u64,
    pub(crate) func: u32,
    pub(crate) epoch: u32,
    pub(crate) prev: u32,
    pub(crate) next: u32,
    /// Position in the function's `idle_vec` (random reuse only).
    pub(crate) pos: u32,
    pub(crate) state: State,
    /// `COLD`, `TIMED_OUT`, `MEASURED` (of the request being served), `RESET` (the
    /// environment was reset by a timeout or crash: its next request runs init again) and the
    /// fault flags below.
    pub(crate) flags: u16,
}

pub(crate) const COLD: u16 = 1;

pub(crate) const TIMED_OUT: u16 = 2;

pub(crate) const MEASURED: u16 = 4;

pub(crate) const RESET: u16 = 8;

/// The attempt ends in a function error (at `done_at`).
pub(crate) const ERRORED: u16 = 16;

/// The request may be retried: its `Req` is in `Lambda::ctx` at the instance's index.
pub(crate) const RETRYABLE: u16 = 32;

/// The instance serves an SQS batch (`Lambda::ctx` holds it, the batch slot as `id`).
pub(crate) const BATCH: u16 = 64;

/// The instance is lost (an incident): it is destroyed when its attempt ends.
pub(crate) const LOST: u16 = 128;

/// The attempt ends in a crash or an init failure: the environment is reset afterwards.
pub(crate) const RESET_AFTER: u16 = 256;

/// The attempt ends in a crash of the environment.
pub(crate) const CRASH: u16 = 512;
/// Its caller (API Gateway) stopped waiting before it ends: answered already, only billed.
pub(crate) const ANSWERED: u16 = 2048;

/// A provisioned-concurrency environment (kept across invocations).
pub(crate) const PROV: u16 = 1024;

/// The attempt makes calls: its phases are in `Lambda::calls` (its `Done` means the next
/// phase).
pub(crate) const CALLS: u16 = 4096;

impl Instance {
    #[inline]
    pub(crate) fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

impl Instance {
    pub(crate) const EMPTY: Instance = Instance {
        idle_since: 0,
        born: 0,
        req_id: 0,
        arrival: 0,
        done_at: 0,
        func: 0,
        epoch: 0,
        prev: NIL,
        next: NIL,
        pos: NIL,
        state: State::Free,
        flags: 0,
    };
}

impl Lambda {
    /// Instance `inst`, just done, joins the tail of its function's idle list.
    #[inline(always)]
    pub(crate) fn make_idle(&mut self, cx: &mut Ctx, inst: u32, now: u64) {
        let f = self.insts[inst as usize].func;
        let KeepAlive::Fixed(keep) = self.funcs[f as usize].keep_alive else {
            match self.idle_decision(cx, inst, now) {
                Idle::Retire => self.retire(inst, now),
                Idle::Keep(ttl) => {
                    self.link_idle(inst, now);
                    if ttl < u64::MAX - now {
                        let epoch = self.insts[inst as usize].epoch;
                        cx.q.schedule(
                            now + ttl,
                            Event::ExpireInst {
                                inst: InstId(inst),
                                epoch,
                            },
                        );
                    }
                }
            }
            return;
        };
        if now - self.insts[inst as usize].born >= self.funcs[f as usize].max_lifetime {
            self.retire(inst, now);
            return;
        }
        self.link_idle(inst, now);
        let func = &mut self.funcs[f as usize];
        let ka_end = now.saturating_add(keep);
        if func.expire_at == u64::MAX {
            func.expire_at = ka_end;
            cx.q.schedule(ka_end, Event::Expire(FnId(f)));
        }
    }
}

impl Lambda {
    /// Instance `inst` joins the tail of its function's idle list.
    #[inline(always)]
    pub(crate) fn link_idle(&mut self, inst: u32, now: u64) {
        let f = self.insts[inst as usize].func;
        let func = &mut self.funcs[f as usize];
        let old_tail = func.tail;
        let born = {
            let slot = &mut self.insts[inst as usize];
            slot.state = State::Idle;
            if slot.flags & (TIMED_OUT | RESET_AFTER) != 0 {
                slot.flags |= RESET;
            }
            slot.idle_since = now;
            slot.prev = old_tail;
            slot.next = NIL;
            slot.born
        };
        if old_tail == NIL {
            func.head = inst;
        } else {
            self.insts[old_tail as usize].next = inst;
        }
        func.tail = inst;
        func.idle += 1;
        match func.reuse {
            Reuse::Random => {
                self.insts[inst as usize].pos = func.idle_vec.len() as u32;
                func.idle_vec.push(inst);
            }
            Reuse::Newest => {
                func.newest.push((born, inst));
                if func.newest.len() > 2 * func.idle as usize + 64 {
                    rebuild_newest(func, &self.insts);
                }
            }
            Reuse::Mru | Reuse::Lru => {}
        }
    }
}

impl Lambda {
    pub(crate) fn on_expire(&mut self, cx: &mut Ctx, f: FnId, now: u64) {
        let f = f.0;
        let func = &mut self.funcs[f as usize];
        func.expire_at = u64::MAX;
        self.purge(f, now);
        let func = &mut self.funcs[f as usize];
        if let KeepAlive::Fixed(keep) = func.keep_alive
            && func.head != NIL
        {
            let t = self.insts[func.head as usize]
                .idle_since
                .saturating_add(keep);
            func.expire_at = t;
            cx.q.schedule(t, Event::Expire(FnId(f)));
        }
    }
}

impl Lambda {
    /// Reclaims function `f`'s instances whose fixed keep-alive has run out by `now` (with
    /// another policy, each idle environment expires by its own event).
    #[inline(always)]
    pub(crate) fn purge(&mut self, f: u32, now: u64) {
        let func = &self.funcs[f as usize];
        if let KeepAlive::Fixed(keep) = func.keep_alive
            && func.head != NIL
            && self.insts[func.head as usize]
                .idle_since
                .saturating_add(keep)
                <= now
        {
            self.purge_expired(f, keep, now);
        }
    }
}

impl Lambda {
    #[inline(never)]
    fn purge_expired(&mut self, f: u32, keep: u64, now: u64) {
        let func = &mut self.funcs[f as usize];
        while func.head != NIL {
            let h = func.head;
            if self.insts[h as usize].idle_since.saturating_add(keep) > now {
                break;
            }
            func.advance(now);
            unlink(func, &mut self.insts, h);
            func.alive -= 1;
            self.live.alive -= 1;
            let it = &mut self.insts[h as usize];
            it.state = State::Free;
            it.epoch = it.epoch.wrapping_add(1);
            self.free.push(h);
        }
    }
}

impl Lambda {
    /// Takes an idle instance of `f` in its reuse order, after reclaiming expired ones.
    #[inline(always)]
    pub(crate) fn take_idle(&mut self, f: u32, now: u64) -> Option<u32> {
        self.purge(f, now);
        let func = &mut self.funcs[f as usize];
        if func.idle == 0 {
            return None;
        }
        let pick = match func.reuse {
            Reuse::Mru => func.tail,
            Reuse::Lru => func.head,
            Reuse::Random => func.idle_vec[func.rng.below(func.idle) as usize],
            Reuse::Newest => loop {
                let (seq, i) = func
                    .newest
                    .pop()
                    .expect("an idle instance has a heap entry");
                let it = &self.insts[i as usize];
                if it.state == State::Idle && it.born == seq {
                    break i;
                }
            },
        };
        unlink(func, &mut self.insts, pick);
        Some(pick)
    }
}

impl Lambda {
    /// A new instance of `f` (a cold start).
    pub(crate) fn create(&mut self, cx: &mut Ctx, f: u32, now: u64) -> u32 {
        let idx = match self.free.pop() {
            Some(i) => i,
            None => {
                self.insts.push(Instance::EMPTY);
                (self.insts.len() - 1) as u32
            }
        };
        let it = &mut self.insts[idx as usize];
        it.func = f;
        it.born = now;
        // A reused slot must not keep its last occupant's flags (PROV above all).
        it.flags = 0;
        it.prev = NIL;
        it.next = NIL;
        let func = &mut self.funcs[f as usize];
        func.advance(now);
        func.alive += 1;
        self.live.alive += 1;
        if cx.measuring {
            func.counted.peak_alive = func.counted.peak_alive.max(func.alive);
            self.live.peak_alive = self.live.peak_alive.max(self.live.alive);
        }
        idx
    }
}

pub(crate) fn rebuild_newest(func: &mut Func, insts: &[Instance]) {
    func.newest.clear();
    let mut i = func.head;
    while i != NIL {
        func.newest.push((insts[i as usize].born, i));
        i = insts[i as usize].next;
    }
}

/// Removes idle instance `i` from its function's idle structures.
#[inline(always)]
pub(crate) fn unlink(func: &mut Func, insts: &mut [Instance], i: u32) {
    let (prev, next) = (insts[i as usize].prev, insts[i as usize].next);
    if prev == NIL {
        func.head = next;
    } else {
        insts[prev as usize].next = next;
    }
    if next == NIL {
        func.tail = prev;
    } else {
        insts[next as usize].prev = prev;
    }
    func.idle -= 1;
    if func.reuse == Reuse::Random {
        let pos = insts[i as usize].pos as usize;
        func.idle_vec.swap_remove(pos);
        if pos < func.idle_vec.len() {
            let moved = func.idle_vec[pos];
            insts[moved as usize].pos = pos as u32;
        }
    }
    let it = &mut insts[i as usize];
    it.prev = NIL;
    it.next = NIL;
}
