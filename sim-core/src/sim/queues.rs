//! Queued invocation: Lambda's internal queue for asynchronous events, and SQS queues read by an
//! event source mapping (pollers that receive batches and invoke the function with them).
//!
//! # Async events
//! An event is attempted at once. A throttled attempt is retried after a back-off doubling from
//! `throttle_backoff_min` to `throttle_backoff_max`; a function error or timeout is retried after
//! `retry_delays[n]`, at most `max_retry_attempts` times. An event reaching `max_event_age` is not
//! attempted again. Events whose retries or age run out go to the dead-letter queue (or are
//! discarded). Waiting events are parked until their next attempt (`Simulation::park`).
//!
//! # SQS
//! Messages wait in a FIFO of visible messages. The mapping runs up to `limit` batches at once;
//! `limit` starts at 5 and grows by 300 (legacy: 60) per minute while every poller is busy and
//! messages wait, up to `maximum_concurrency`, and falls back to 5 when the queue is empty. A
//! poller takes up to `batch_size` messages (waiting up to `batching_window` for a full batch)
//! and invokes the function once with all of them; their work runs one after the other. A
//! received message is invisible for `visibility_timeout`: if its batch fails (an error, a timeout,
//! a throttle, a crash) it becomes visible again then, and after `max_receive_count` receives it
//! moves to the dead-letter queue instead. Without `report_batch_item_failures` one failing
//! message fails its whole batch (the handler stops there); with it, only the failed messages
//! return. A message still being processed when its visibility timeout ends can be received
//! again: a duplicate execution.

use super::{
    Ctx, Event, Failure, Func, Invocation, Observer, Outcome, Req, RequestRecord, Workload,
};
use crate::scenario::{AsyncConfig, OnFailure, SqsConfig, SqsScaling};
use crate::sim::ids::{BatchId, SqsId};
use crate::time::{NS_PER_S, Nanos};
use std::collections::VecDeque;

/// An async workload's retry rules, in nanoseconds.
pub(crate) struct AsyncPolicy {
    max_retries: u32,
    pub max_age: u64,
    delays: Vec<u64>,
    throttle_min: u64,
    throttle_max: u64,
    dead_letter: bool,
}

impl AsyncPolicy {
    /// Attempt `req.attempt` of an async event failed with `kind` at `now`: the time Lambda
    /// attempts it again (`req` updated for it: its failure, its throttle or error count, its
    /// attempt), cut at its maximum age, else `None` (no retry left).
    #[must_use]
    pub(crate) fn failed(&self, req: &mut Req, kind: Failure, now: u64) -> Option<u64> {
        let deadline = req.first.saturating_add(self.max_age);
        req.last = Some(kind);
        let wait = match kind {
            // Throttles and service errors: exponential back-off until the maximum age.
            Failure::Throttle | Failure::ServiceError => {
                let d = (self.throttle_min as f64 * 2f64.powi(req.throttles.min(62) as i32))
                    .min(self.throttle_max as f64) as u64;
                req.throttles = req.throttles.saturating_add(1);
                d
            }
            _ if u32::from(req.errs) < self.max_retries => {
                let d = self.delays[req.errs as usize];
                req.errs += 1;
                d
            }
            _ => return None,
        };
        req.attempt += 1;
        // Past the maximum age the event is not attempted: it expires then (or now, if the
        // attempt ended after it).
        Some(now.saturating_add(wait).min(deadline).max(now))
    }

    pub fn new(c: &AsyncConfig) -> AsyncPolicy {
        AsyncPolicy {
            max_retries: c.max_retry_attempts,
            max_age: c.max_event_age.0,
            delays: c.retry_delays.iter().map(|d| d.0).collect(),
            throttle_min: c.throttle_backoff_min.0,
            throttle_max: c.throttle_backoff_max.0,
            dead_letter: c.on_failure == OnFailure::DeadLetter,
        }
    }
}

/// Concurrent batches an event source mapping starts with (docs/sources.md: S8).
const START_BATCHES: f64 = 5.0;
/// Concurrent invocations an SQS event source mapping reaches at most (docs/sources.md: S8, S9: the docs
/// give 1,000 batches and 1,250 invocations; `maximum_concurrency` lowers it).
const MAX_BATCHES: f64 = 1250.0;
/// How long a poller waits after a throttled invocation before it polls again.
const THROTTLE_PAUSE: u64 = NS_PER_S;

const M_FREE: u8 = 0;
const M_VISIBLE: u8 = 1;
const M_INFLIGHT: u8 = 2;

/// One SQS queue and its event source mapping.
pub(crate) struct SqsSource {
    /// The function it invokes and the workload that sends to it.
    pub f: u32,
    w: u32,
    batch_size: usize,
    window: u64,
    visibility: u64,
    max_receives: u32,
    retention: u64,
    partial: bool,
    ceiling: f64,
    /// Poller growth, batches per nanosecond.
    rate: f64,
    poison_p: f64,
    /// Visible messages, as (message slot, generation); stale entries are skipped.
    visible: VecDeque<(u32, u32)>,
    /// Batches executing now.
    running: u32,
    limit: f64,
    limit_at: u64,
    saturated: bool,
    /// When the poller began gathering a batch (batching window), or `u64::MAX`.
    wait_since: u64,
    blocked_until: u64,
    /// The earliest pending `SqsPoll`, or `u64::MAX`.
    poll_at: u64,
    /// Messages in the queue (not deleted), and those in executing batches.
    live: u64,
    executing: u64,
}

impl SqsSource {
    pub fn new(c: &SqsConfig, w: u32, f: u32) -> SqsSource {
        let ceiling = c
            .maximum_concurrency
            .map(f64::from)
            .unwrap_or(MAX_BATCHES)
            .min(MAX_BATCHES);
        let per_minute = match c.scaling {
            SqsScaling::Current => 300.0,
            SqsScaling::Legacy => 60.0,
        };
        SqsSource {
            f,
            w,
            batch_size: c.batch_size as usize,
            window: c.batching_window.0,
            visibility: c.visibility_timeout.0,
            max_receives: c.max_receive_count.unwrap_or(u32::MAX),
            retention: c.retention.0,
            partial: c.report_batch_item_failures,
            ceiling,
            rate: per_minute / 60e9,
            poison_p: c.poison_probability,
            visible: VecDeque::new(),
            running: 0,
            limit: START_BATCHES.min(ceiling),
            limit_at: 0,
            saturated: false,
            wait_since: u64::MAX,
            blocked_until: 0,
            poll_at: u64::MAX,
            live: 0,
            executing: 0,
        }
    }

    /// Messages waiting in the queue (visible, or invisible after a failed receive).
    pub fn waiting(&self) -> u64 {
        self.live.saturating_sub(self.executing)
    }
}

/// An SQS message.
pub(crate) struct Msg {
    id: u64,
    sent: u64,
    /// Bumped at every receive and when the slot is freed, so that stale references are known.
    stamp: u32,
    receives: u32,
    /// Executions that completed its work.
    successes: u32,
    /// Executing batches that hold it: its slot is not reused before they end.
    holds: u32,
    pub src: u32,
    state: u8,
    poison: bool,
    pub measured: bool,
}

impl Msg {
    /// Not yet deleted, dead-lettered or expired.
    pub fn live(&self) -> bool {
        self.state != M_FREE
    }
}

/// A received batch: its messages and the invocation that processes them.
#[derive(Default)]
pub(crate) struct Batch {
    src: u32,
    epoch: u32,
    received: u64,
    /// When the handler starts on the first message (after any init).
    pub exec_start: u64,
    running: bool,
    vis_fired: bool,
    /// One message fails the whole batch.
    pub errored: bool,
    msgs: Vec<BatchMsg>,
}

#[derive(Clone, Copy)]
struct BatchMsg {
    slot: u32,
    stamp: u32,
    /// When its work is done, from `exec_start` (`u64::MAX`: not processed).
    off: u64,
    /// Which receive of the message this is.
    receive: u32,
    failed: bool,
}

/// The SQS queues: each source (a queue and its event source mapping), and the slabs of
/// messages and batches with their free slots.
#[derive(Default)]
pub(crate) struct Sqs {
    pub(crate) sources: Vec<SqsSource>,
    pub(crate) msgs: Vec<Msg>,
    pub(crate) msg_free: Vec<u32>,
    pub(crate) batches: Vec<Batch>,
    pub(crate) batch_free: Vec<u32>,
}

impl Sqs {
    /// Messages kept now (in a queue or in a batch).
    pub(crate) fn live_messages(&self) -> u64 {
        (self.msgs.len() - self.msg_free.len()) as u64
    }

    /// The end of the run: measured messages still in a queue or in a batch are in flight.
    pub(crate) fn count_in_flight(&self, funcs: &mut [Func]) {
        for m in &self.msgs {
            if m.live() && m.measured {
                let f = self.sources[m.src as usize].f;
                funcs[f as usize].counted.outcomes.in_flight += 1;
            }
        }
    }

    /// Messages waiting in function `f`'s queues.
    pub(crate) fn waiting(&self, f: u32) -> u64 {
        self.sources
            .iter()
            .filter(|q| q.f == f)
            .map(|q| q.waiting())
            .sum()
    }

    /// The message leaves the queue (deleted, dead-lettered or expired). Its slot is reused
    /// once no executing batch holds it.
    pub(crate) fn free_msg(&mut self, slot: u32) {
        let m = &mut self.msgs[slot as usize];
        m.state = M_FREE;
        m.stamp = m.stamp.wrapping_add(1);
        self.sources[m.src as usize].live -= 1;
        if m.holds == 0 {
            self.msg_free.push(slot);
        }
    }

    /// An executing batch lets go of message `slot`.
    pub(crate) fn release_msg(&mut self, slot: u32) {
        let m = &mut self.msgs[slot as usize];
        m.holds -= 1;
        if m.holds == 0 && m.state == M_FREE {
            self.msg_free.push(slot);
        }
    }

    pub(crate) fn schedule_poll(&mut self, cx: &mut Ctx, src: u32, t: u64) {
        let s = &mut self.sources[src as usize];
        if t < s.poll_at {
            s.poll_at = t;
            cx.q.schedule(t, Event::SqsPoll(SqsId(src)));
        }
    }

    /// The mapping of `src` polls again (then the source is dispatched).
    pub(crate) fn on_sqs_poll(&mut self, src: SqsId, now: u64) {
        let src = src.0;
        let s = &mut self.sources[src as usize];
        if s.poll_at <= now {
            s.poll_at = u64::MAX;
        }
    }

    pub(crate) fn free_batch(&mut self, b: u32) {
        let batch = &mut self.batches[b as usize];
        batch.epoch = batch.epoch.wrapping_add(1);
        self.batch_free.push(b);
    }

    /// Batch `b` was throttled (or failed with a service error): its messages stay invisible
    /// until the visibility timeout, and the mapping backs off.
    pub(crate) fn sqs_throttled(&mut self, b: u32, now: u64) {
        let batch = &mut self.batches[b as usize];
        batch.running = false;
        let n = batch.msgs.len() as u64;
        let s = &mut self.sources[batch.src as usize];
        s.running -= 1;
        s.executing -= n;
        s.limit = s.limit.min(f64::from(s.running.max(2)));
        s.saturated = false;
        s.blocked_until = now + THROTTLE_PAUSE;
        for i in 0..n as usize {
            let slot = self.batches[b as usize].msgs[i].slot;
            self.release_msg(slot);
        }
    }
}

impl AsyncPolicy {
    /// Event `req` of function `func` leaves Lambda's queue for its next attempt at `now`: false
    /// if it is too old to be attempted again (it ends as its last failure left it).
    pub(crate) fn due(&self, func: &mut Func, req: &Req, now: u64) -> bool {
        func.queued -= 1;
        if now - req.first >= self.max_age {
            self.ended(func, req, req.last.unwrap_or(Failure::Throttle));
            return false;
        }
        let b = &mut func.bin;
        b.max_age = b.max_age.max(now - req.first);
        true
    }

    /// Event `req`'s retries or age ran out after failure `kind`: it goes to the dead-letter
    /// queue, or its failure is counted.
    pub(crate) fn ended(&self, func: &mut Func, req: &Req, kind: Failure) {
        let o = &mut func.counted.outcomes;
        if self.dead_letter {
            func.bin.dead_lettered += 1;
            func.dlq += 1;
            o.dead_lettered += req.measured as u64;
        } else if req.measured {
            o.count_failure(kind);
        }
    }
}

/// What the SQS mapping borrows from the rest of the simulation: the shared context, the
/// functions (their work distributions, faults and counters) and the workloads' random streams.
pub(crate) struct SqsCx<'a> {
    pub(crate) cx: &'a mut Ctx,
    pub(crate) funcs: &'a mut [Func],
    pub(crate) workloads: &'a mut [Workload],
}

impl Sqs {
    /// A message arrives in SQS source `src` (then the source is dispatched).
    pub(crate) fn send(
        &mut self,
        workloads: &mut [Workload],
        src: u32,
        id: u64,
        now: u64,
        measured: bool,
    ) {
        let s = &mut self.sources[src as usize];
        let poison = s.poison_p > 0.0 && workloads[s.w as usize].fault.uniform() < s.poison_p;
        let slot = match self.msg_free.pop() {
            Some(slot) => slot,
            None => {
                self.msgs.push(Msg {
                    id: 0,
                    sent: 0,
                    stamp: 0,
                    receives: 0,
                    successes: 0,
                    holds: 0,
                    src: 0,
                    state: M_FREE,
                    poison: false,
                    measured: false,
                });
                (self.msgs.len() - 1) as u32
            }
        };
        let m = &mut self.msgs[slot as usize];
        *m = Msg {
            id,
            sent: now,
            stamp: m.stamp,
            receives: 0,
            successes: 0,
            holds: 0,
            src,
            state: M_VISIBLE,
            poison,
            measured,
        };
        s.visible.push_back((slot, m.stamp));
        s.live += 1;
    }

    /// The next batch `src` starts now, if the mapping's concurrency, the batching window and
    /// the queue allow one: the function, the batch's request and its work. When none can
    /// start, schedules the next poll for when one of them will allow more.
    #[must_use]
    pub(crate) fn next(
        &mut self,
        x: &mut SqsCx<'_>,
        src: u32,
        now: u64,
    ) -> Option<(u32, Req, u64)> {
        loop {
            let s = &mut self.sources[src as usize];
            while let Some(&(slot, stamp)) = s.visible.front() {
                let m = &self.msgs[slot as usize];
                if m.stamp == stamp && m.state == M_VISIBLE {
                    break;
                }
                s.visible.pop_front();
            }
            if s.visible.is_empty() {
                if s.running == 0 {
                    // Scaled back down when the queue is drained.
                    s.limit = START_BATCHES.min(s.ceiling);
                }
                s.saturated = false;
                s.wait_since = u64::MAX;
                return None;
            }
            if now < s.blocked_until {
                let t = s.blocked_until;
                self.schedule_poll(x.cx, src, t);
                return None;
            }
            if s.saturated {
                s.limit = (s.limit + s.rate * (now - s.limit_at) as f64).min(s.ceiling);
            }
            s.limit_at = now;
            if s.running as f64 >= s.limit.floor() {
                // Every poller is busy while messages wait: the mapping scales up.
                s.saturated = s.limit < s.ceiling;
                if s.saturated {
                    let need = ((s.limit.floor() + 1.0 - s.limit) / s.rate).ceil() as u64;
                    self.schedule_poll(x.cx, src, now + need.max(1));
                }
                return None;
            }
            s.saturated = false;
            if s.window > 0 && s.visible.len() < s.batch_size {
                if s.wait_since == u64::MAX {
                    s.wait_since = now;
                }
                let t = s.wait_since.saturating_add(s.window);
                if now < t {
                    self.schedule_poll(x.cx, src, t);
                    return None;
                }
            }
            s.wait_since = u64::MAX;
            if let Some(batch) = self.receive(x, src, now) {
                return Some(batch);
            }
        }
    }

    /// A poller receives a batch from `src`: the function to invoke with it, the batch's
    /// request and its work (`None` if every message it took had expired).
    fn receive(&mut self, x: &mut SqsCx<'_>, src: u32, now: u64) -> Option<(u32, Req, u64)> {
        let b = match self.batch_free.pop() {
            Some(b) => b,
            None => {
                self.batches.push(Batch::default());
                (self.batches.len() - 1) as u32
            }
        };
        let mut list = std::mem::take(&mut self.batches[b as usize].msgs);
        list.clear();
        let s = &mut self.sources[src as usize];
        let (f, w) = (s.f, s.w);
        let (limit, retention, partial) = (s.batch_size, s.retention, s.partial);
        let (mut off, mut errored, mut oldest) = (0u64, false, 0u64);
        while list.len() < limit {
            let s = &mut self.sources[src as usize];
            let Some((slot, stamp)) = s.visible.pop_front() else {
                break;
            };
            let m = &mut self.msgs[slot as usize];
            if m.stamp != stamp || m.state != M_VISIBLE {
                continue;
            }
            if now - m.sent >= retention {
                // Deleted by SQS: the message is lost.
                x.funcs[f as usize].counted.outcomes.failed += m.measured as u64;
                self.free_msg(slot);
                continue;
            }
            let func = &mut x.funcs[f as usize];
            m.receives += 1;
            m.stamp = m.stamp.wrapping_add(1);
            m.state = M_INFLIGHT;
            m.holds += 1;
            if m.receives > 1 {
                func.bin.retries += 1;
            }
            if m.measured {
                func.attempts += 1;
            }
            oldest = oldest.max(now - m.sent);
            let wl = &mut x.workloads[w as usize];
            let failed = m.poison || (func.error_p > 0.0 && wl.fault.uniform() < func.error_p);
            let mut work = func.duration.sample(&mut wl.service);
            if func.lat_mul != 1.0 || func.lat_add != 0 {
                work = ((work as f64 * func.lat_mul) as u64).saturating_add(func.lat_add);
            }
            let (done, failed) = if errored {
                // The handler already stopped at an earlier message.
                (u64::MAX, false)
            } else if failed && !partial {
                off = off.saturating_add((work as f64 * wl.fault.uniform()) as u64);
                errored = true;
                (off, true)
            } else {
                off = off.saturating_add(work);
                (off, failed)
            };
            list.push(BatchMsg {
                slot,
                stamp: m.stamp,
                off: done,
                receive: m.receives,
                failed,
            });
        }
        if list.is_empty() {
            self.batches[b as usize].msgs = list;
            self.batch_free.push(b);
            return None;
        }
        let func = &mut x.funcs[f as usize];
        func.bin.max_age = func.bin.max_age.max(oldest);
        let s = &mut self.sources[src as usize];
        s.running += 1;
        s.executing += list.len() as u64;
        let visible_at = now.saturating_add(s.visibility);
        let batch = &mut self.batches[b as usize];
        batch.src = src;
        batch.received = now;
        batch.running = true;
        batch.vis_fired = false;
        batch.errored = errored;
        batch.msgs = list;
        let epoch = batch.epoch;
        x.cx.q.schedule(
            visible_at,
            Event::SqsVisible {
                batch: BatchId(b),
                epoch,
            },
        );
        let req = Req {
            id: b as u64,
            first: now,
            w,
            attempt: 1,
            measured: now >= x.cx.warmup,
            retry: true,
            via: Invocation::Sqs,
            ..Req::default()
        };
        Some((f, req, off))
    }

    /// Batch `b` finished at `now` (`failure`: how its invocation failed, if it did). Returns its
    /// source, to be dispatched.
    #[must_use]
    pub(crate) fn done(
        &mut self,
        x: &mut SqsCx<'_>,
        b: u32,
        failure: Option<Failure>,
        cold: bool,
        now: u64,
        obs: &mut dyn Observer,
    ) -> u32 {
        let batch = &mut self.batches[b as usize];
        batch.running = false;
        let (src, received, exec_start) = (batch.src, batch.received, batch.exec_start);
        let list = std::mem::take(&mut batch.msgs);
        let s = &mut self.sources[src as usize];
        s.running -= 1;
        s.executing -= list.len() as u64;
        let f = s.f;
        let mut keep = false;
        for bm in &list {
            let m = &mut self.msgs[bm.slot as usize];
            let func = &mut x.funcs[f as usize];
            let processed =
                !bm.failed && bm.off != u64::MAX && exec_start.saturating_add(bm.off) <= now;
            // Not received again (nor deleted) since this batch received it.
            let current = m.stamp == bm.stamp;
            if processed {
                m.successes += 1;
                if m.successes > 1 && m.measured {
                    func.counted.duplicates += 1;
                }
            }
            let outcome = if processed && failure.is_none() && current {
                // Deleted from the queue.
                func.bin_succeeded += 1;
                func.record_latency(now - m.sent, m.measured);
                func.succeeded += m.measured as u64;
                Outcome::Succeeded
            } else {
                keep |= current && m.state == M_INFLIGHT;
                match failure {
                    _ if bm.failed => Outcome::Failed,
                    Some(Failure::Timeout) => Outcome::TimedOut,
                    Some(_) => Outcome::Failed,
                    None => Outcome::Succeeded,
                }
            };
            if x.cx.want_requests {
                obs.request(&RequestRecord {
                    id: m.id,
                    function: f,
                    arrival: Nanos(m.sent),
                    start: Some(Nanos(received)),
                    end: Some(Nanos(now)),
                    cold,
                    outcome,
                    attempt: bm.receive,
                    measured: m.measured,
                    env: None,
                });
            }
            if outcome == Outcome::Succeeded && failure.is_none() && current {
                self.free_msg(bm.slot);
            }
            self.release_msg(bm.slot);
        }
        let batch = &mut self.batches[b as usize];
        batch.msgs = list;
        if !keep || batch.vis_fired {
            self.free_batch(b);
        }
        src
    }

    /// Records of the messages of batch `b`: throttled (`executed` false) or still executing
    /// when the run ends.
    pub(crate) fn records(
        &self,
        b: u32,
        outcome: Outcome,
        executed: bool,
        cold: bool,
        obs: &mut dyn Observer,
    ) {
        let batch = &self.batches[b as usize];
        let (start, end) = if executed {
            (Some(Nanos(batch.received)), None)
        } else {
            (None, Some(Nanos(batch.received)))
        };
        let f = self.sources[batch.src as usize].f;
        for bm in &batch.msgs {
            let m = &self.msgs[bm.slot as usize];
            obs.request(&RequestRecord {
                id: m.id,
                function: f,
                arrival: Nanos(m.sent),
                start,
                end,
                cold,
                outcome,
                attempt: bm.receive,
                measured: m.measured,
                env: None,
            });
        }
    }

    /// The visibility timeout of batch `b` ran out: its messages not deleted are visible again,
    /// or move to the dead-letter queue after `max_receive_count` receives. Returns the source,
    /// to be dispatched (`None`: a stale event).
    #[must_use]
    pub(crate) fn on_visible(
        &mut self,
        funcs: &mut [Func],
        b: BatchId,
        epoch: u32,
    ) -> Option<SqsId> {
        let b = b.0;
        let batch = &mut self.batches[b as usize];
        if batch.epoch != epoch {
            return None;
        }
        batch.vis_fired = true;
        let (src, running) = (batch.src, batch.running);
        let list = std::mem::take(&mut batch.msgs);
        let (f, max_receives) = {
            let s = &self.sources[src as usize];
            (s.f, s.max_receives)
        };
        for bm in &list {
            let m = &mut self.msgs[bm.slot as usize];
            if m.stamp != bm.stamp || m.state != M_INFLIGHT {
                continue;
            }
            if m.receives >= max_receives {
                let func = &mut funcs[f as usize];
                func.bin.dead_lettered += 1;
                func.dlq += 1;
                func.counted.outcomes.dead_lettered += m.measured as u64;
                self.free_msg(bm.slot);
            } else {
                m.state = M_VISIBLE;
                self.sources[src as usize]
                    .visible
                    .push_back((bm.slot, m.stamp));
            }
        }
        self.batches[b as usize].msgs = list;
        if !running {
            self.free_batch(b);
        }
        Some(SqsId(src))
    }
}
