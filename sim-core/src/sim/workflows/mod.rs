//! Step Functions workflows: the owner of the state machines (`Flow`), their executions, the
//! threads that run in them (an execution's own, each `Parallel` branch and each `Map` item)
//! and the joins where branches and items meet; the account's StartExecution and
//! StateTransition token buckets; what each execution and state counted.
//!
//! The owner's handlers take the context (`&mut Ctx`) and collect the Task attempts to make in
//! `out`; `run.rs` turns each into a request of the Task's workload and sends it, as a call. A
//! Task's answer comes back through `answered`. A thread is always waiting for one thing: a
//! Task's answer, a timer (`WfTimer`: a `Wait`, a retry, a delayed transition, a Task's
//! timeout), or its join. Branches stopped by a failure or a timeout are dropped lazily: each
//! thread checks, when its event comes, that its execution and every join above it still
//! stand.

mod flow;
mod run;
mod stats;

pub(crate) use flow::{Flow, build};

use super::Ctx;
use super::event::Event;
use super::ids::{ExecId, ThreadId};
use crate::observer::WorkflowRow;
use crate::retry::Failure;
use crate::rng::SimRng;
use crate::scenario::asl::{self, Def, Kind};
use crate::time::Nanos;
use std::collections::VecDeque;

/// The most state transitions one execution makes (Standard's history of 25,000 events, S64;
/// for Express an assumption): a definition that loops without end fails with States.Runtime.
const MAX_TRANSITIONS: [u32; 2] = [25_000, 1_000_000];

/// An execution: its workflow, the generation that its threads must find, when it started,
/// what it counted.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Exec {
    flow: u32,
    generation: u32,
    start: u64,
    transitions: u32,
    caught: bool,
    measured: bool,
    alive: bool,
}

/// What a thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Pending {
    /// The answer to its Task attempt numbered `seq` (or, at its timer, the Task's timeout).
    #[default]
    Task,
    /// To enter its state (a transition's latency, or the transition quota).
    Enter,
    /// Its `Wait` state's end.
    Wait,
    /// Its retry's delay.
    Retry,
    /// Its branches or items (its join).
    Join,
    /// Nothing: it was dropped (its slot is free).
    Dropped,
}

#[derive(Clone, Debug, Default)]
struct Thread {
    exec: u32,
    exec_gen: u32,
    /// The join it runs under (index, generation), for a branch or an item.
    join: Option<(u32, u32)>,
    state: u32,
    /// Its current wait's number: an answer or a timer of another number is stale.
    seq: u32,
    pending: Pending,
    /// Each retrier's attempts so far at the current state.
    counts: Vec<u32>,
    /// The join it waits for (a `Parallel` or `Map` state).
    child: u32,
}

/// Where a `Parallel` state's branches or a `Map` state's items meet.
#[derive(Clone, Copy, Debug, Default)]
struct Join {
    generation: u32,
    /// The thread that waits, and the generation of this join it waits for.
    parent: u32,
    /// Threads under it that still exist (running, or stopped and not yet dropped).
    live: u32,
    /// Branches or items running now, and those done.
    running: u32,
    done: u32,
    /// The next branch or item, and how many there are (at most the concurrency run at once:
    /// each that ends starts the next).
    next: u32,
    total: u32,
    state: u32,
    /// It was stopped (a branch failed, or its execution ended).
    stopped: bool,
}

/// A Task attempt to make now: the thread and its wait's number, the Task's workload.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TaskCall {
    pub(crate) thread: u32,
    pub(crate) seq: u32,
    pub(crate) workload: u32,
}

/// A step of the owner's work at one instant, run in order by `drain` (no recursion, however
/// many items end at once).
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Thread `.0` enters its state now.
    Enter(u32),
    /// Thread `.0` reached the end of its machine.
    Finish(u32),
    /// Thread `.0`'s state raised error `.1`.
    Error(u32, u16),
    /// Thread `.0` goes on to its state's `Next`.
    Next(u32),
}

/// A token bucket that lends: a request always gets a token, at the time one is there (a
/// throttled state transition waits, S64).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reserve {
    tokens: f64,
    cap: f64,
    per_ns: f64,
    last: u64,
}

impl Reserve {
    fn new(cap: f64, per_second: f64) -> Self {
        Reserve {
            tokens: cap,
            cap,
            per_ns: per_second / 1e9,
            last: 0,
        }
    }

    /// Takes a token at `now`; returns when it is there.
    fn take(&mut self, now: u64) -> u64 {
        if now > self.last {
            self.tokens = (self.tokens + (now - self.last) as f64 * self.per_ns).min(self.cap);
            self.last = now;
        }
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            now
        } else {
            self.last + (-self.tokens / self.per_ns).ceil() as u64
        }
    }
}

/// The workflows, their executions and threads.
pub(crate) struct Workflows {
    pub(crate) flows: Vec<Flow>,
    execs: Vec<Exec>,
    free_execs: Vec<u32>,
    threads: Vec<Thread>,
    free_threads: Vec<u32>,
    joins: Vec<Join>,
    free_joins: Vec<u32>,
    next_seq: u32,
    rng: SimRng,
    /// StartExecution: Standard's and Express's buckets (rejecting); Standard's state
    /// transitions (lending).
    starts: [super::Bucket; 2],
    transitions: Reserve,
    steps: VecDeque<Step>,
    /// The Task attempts to make, collected by the handlers.
    pub(crate) out: VecDeque<TaskCall>,
}

impl Workflows {
    pub(crate) fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Whether thread `t` still stands: its execution has not ended, and no join above it was
    /// stopped.
    fn stands(&self, t: u32) -> bool {
        let mut th = &self.threads[t as usize];
        loop {
            if self.execs[th.exec as usize].generation != th.exec_gen {
                return false;
            }
            let Some((j, g)) = th.join else {
                return true;
            };
            let join = &self.joins[j as usize];
            if join.generation != g || join.stopped {
                return false;
            }
            th = &self.threads[join.parent as usize];
        }
    }

    fn new_thread(&mut self, exec: u32, join: Option<(u32, u32)>, state: u32) -> u32 {
        let exec_gen = self.execs[exec as usize].generation;
        let t = slot(&mut self.threads, &mut self.free_threads);
        let th = &mut self.threads[t as usize];
        th.exec = exec;
        th.exec_gen = exec_gen;
        th.join = join;
        th.pending = Pending::Enter;
        th.counts.clear();
        // Set by `enter_at`.
        th.state = state;
        t
    }

    /// Drops thread `t`; a join it ran under that was stopped and has no thread left is dropped
    /// too, with its waiting thread if that no longer stands.
    fn drop_thread(&mut self, t: u32) {
        let mut t = t;
        loop {
            let th = &mut self.threads[t as usize];
            debug_assert_ne!(th.pending, Pending::Dropped, "thread {t} dropped twice");
            let join = th.join;
            th.seq = 0;
            th.pending = Pending::Dropped;
            self.free_threads.push(t);
            let Some((j, g)) = join else { return };
            let jn = &mut self.joins[j as usize];
            if jn.generation != g {
                return;
            }
            jn.live -= 1;
            let parent = jn.parent;
            if jn.live > 0 || (!jn.stopped && self.stands(parent)) {
                return;
            }
            // A stopped join (or one whose execution ended) with no thread left.
            let jn = &mut self.joins[j as usize];
            jn.generation = jn.generation.wrapping_add(1);
            self.free_joins.push(j);
            let p = &self.threads[parent as usize];
            if p.pending == Pending::Join && p.child == j && !self.stands(parent) {
                t = parent;
            } else {
                return;
            }
        }
    }

    /// Thread `t` goes to state `s` at `now`: after the transition's latency and a token of
    /// the transition quota (Standard).
    fn goto(&mut self, cx: &mut Ctx, t: u32, s: u32, now: u64) {
        let th = &mut self.threads[t as usize];
        th.state = s;
        th.counts.clear();
        self.enter_at(cx, t, now, true);
    }

    /// Thread `t` enters its state at `now` plus the transition's latency (with `delay`), or
    /// when the quota gives a token.
    fn enter_at(&mut self, cx: &mut Ctx, t: u32, now: u64, delay: bool) {
        let flow = &self.flows[self.execs[self.threads[t as usize].exec as usize].flow as usize];
        let mut at = if delay {
            now.saturating_add(flow.transition_latency)
        } else {
            now
        };
        if !flow.express {
            at = self.transitions.take(at);
        }
        if at == now {
            self.steps.push_back(Step::Enter(t));
        } else {
            self.timer(cx, t, Pending::Enter, at);
        }
    }

    /// A new wait's number (never 0, a dropped thread's).
    fn new_seq(&mut self) -> u32 {
        self.next_seq = self.next_seq.wrapping_add(1).max(1);
        self.next_seq
    }

    fn timer(&mut self, cx: &mut Ctx, t: u32, pending: Pending, at: u64) {
        let seq = self.new_seq();
        let th = &mut self.threads[t as usize];
        th.seq = seq;
        th.pending = pending;
        if at < cx.end {
            cx.q.schedule(
                at,
                Event::WfTimer {
                    thread: ThreadId(t),
                    seq,
                },
            );
        }
    }

    /// Runs the steps due now, in order.
    fn drain(&mut self, cx: &mut Ctx, now: u64) {
        while let Some(step) = self.steps.pop_front() {
            let (Step::Enter(t) | Step::Finish(t) | Step::Error(t, _) | Step::Next(t)) = step;
            // A step of a thread stopped meanwhile (its execution ended, a branch beside it
            // failed) is not taken: the thread is dropped.
            if self.threads[t as usize].pending == Pending::Dropped {
                continue;
            }
            if !self.stands(t) {
                self.drop_thread(t);
                continue;
            }
            match step {
                Step::Enter(t) => self.enter(cx, t, now),
                Step::Finish(t) => self.finish(cx, t, now),
                Step::Error(t, e) => self.error(cx, t, e, now),
                Step::Next(t) => self.next(cx, t, now),
            }
        }
    }

    /// Thread `t` enters its state at `now`: one transition.
    fn enter(&mut self, cx: &mut Ctx, t: u32, now: u64) {
        let (e, s) = {
            let th = &self.threads[t as usize];
            (th.exec, th.state)
        };
        let flow_i = self.execs[e as usize].flow as usize;
        let ex = &mut self.execs[e as usize];
        ex.transitions += 1;
        let measured = ex.measured;
        let over = ex.transitions > MAX_TRANSITIONS[self.flows[flow_i].express as usize];
        let flow = &mut self.flows[flow_i];
        if measured {
            flow.stats.states[s as usize].entered += 1;
            flow.stats.transitions += 1;
        }
        if over {
            let e = flow.runtime_error;
            return self.steps.push_back(Step::Error(t, e));
        }
        let st = &flow.def.states[s as usize];
        match &st.kind {
            Kind::Task { timeout, .. } => {
                let timeout = *timeout;
                let workload = flow.task_workload[s as usize];
                if measured {
                    flow.stats.states[s as usize].attempts += 1;
                }
                let seq = self.new_seq();
                let th = &mut self.threads[t as usize];
                th.seq = seq;
                th.pending = Pending::Task;
                self.out.push_back(TaskCall {
                    thread: t,
                    seq,
                    workload,
                });
                if let Some(d) = timeout
                    && now.saturating_add(d) < cx.end
                {
                    cx.q.schedule(
                        now + d,
                        Event::WfTimer {
                            thread: ThreadId(t),
                            seq,
                        },
                    );
                }
            }
            Kind::Pass => self.next(cx, t, now),
            Kind::Wait(d) => {
                let at = now.saturating_add(*d);
                self.timer(cx, t, Pending::Wait, at);
            }
            Kind::Choice { rules, default } => {
                let u = self.rng.uniform();
                let mut acc = 0.0;
                let mut to = *default;
                for &(p, next) in rules {
                    acc += p;
                    if u < acc {
                        to = Some(next);
                        break;
                    }
                }
                match to {
                    Some(n) => {
                        flow.stats.edge(s, n, measured);
                        self.goto(cx, t, n, now);
                    }
                    None => {
                        let e = flow.no_choice;
                        self.steps.push_back(Step::Error(t, e));
                    }
                }
            }
            Kind::Succeed => self.steps.push_back(Step::Finish(t)),
            Kind::Fail { error } => {
                let e = *error;
                self.steps.push_back(Step::Error(t, e));
            }
            Kind::Parallel { branches } => {
                let n = branches.len() as u32;
                self.fan_out(t, s, n, n);
            }
            Kind::Map {
                items,
                max_concurrency,
                ..
            } => {
                // An inline Map runs at most 40 items at once (S66); 0: no other limit.
                let limit = if *max_concurrency == 0 {
                    40
                } else {
                    (*max_concurrency).min(40)
                };
                let items = *items;
                self.fan_out(t, s, items, limit);
            }
        }
    }

    /// Thread `t` at `Parallel` or `Map` state `s` starts `total` branches or items, at most
    /// `limit` at once.
    fn fan_out(&mut self, t: u32, s: u32, total: u32, limit: u32) {
        if total == 0 {
            // Nothing to run: it goes on at once.
            return self.steps.push_back(Step::Next(t));
        }
        let j = slot(&mut self.joins, &mut self.free_joins);
        let generation = self.joins[j as usize].generation;
        self.joins[j as usize] = Join {
            generation,
            parent: t,
            live: 0,
            running: 0,
            done: 0,
            next: 0,
            total,
            state: s,
            stopped: false,
        };
        let seq = self.new_seq();
        let th = &mut self.threads[t as usize];
        th.pending = Pending::Join;
        th.child = j;
        th.seq = seq;
        for _ in 0..limit.min(total) {
            self.start_child(j);
        }
    }

    /// Starts join `j`'s next branch or item.
    fn start_child(&mut self, j: u32) {
        let jn = &mut self.joins[j as usize];
        let k = jn.next;
        jn.next += 1;
        jn.running += 1;
        jn.live += 1;
        let (parent, generation, s, running) = (jn.parent, jn.generation, jn.state, jn.running);
        let exec = self.threads[parent as usize].exec;
        let flow = &mut self.flows[self.execs[exec as usize].flow as usize];
        let machine = match &flow.def.states[s as usize].kind {
            Kind::Parallel { branches } => branches[k as usize],
            Kind::Map { machine, .. } => *machine,
            _ => unreachable!("a join belongs to a Parallel or Map state"),
        };
        let st = &mut flow.stats.states[s as usize];
        st.peak = st.peak.max(running);
        let start = flow.def.machines[machine as usize].start;
        let c = self.new_thread(exec, Some((j, generation)), start);
        self.steps.push_back(Step::Enter(c));
    }

    /// Thread `t` goes on to its state's `Next` (or finishes its machine).
    fn next(&mut self, cx: &mut Ctx, t: u32, now: u64) {
        let s = self.threads[t as usize].state;
        let exec = self.threads[t as usize].exec;
        let measured = self.execs[exec as usize].measured;
        let flow = &mut self.flows[self.execs[exec as usize].flow as usize];
        match flow.def.states[s as usize].next {
            Some(n) => {
                flow.stats.edge(s, n, measured);
                self.goto(cx, t, n, now);
            }
            None => self.steps.push_back(Step::Finish(t)),
        }
    }

    /// Thread `t` reached the end of its machine: an execution ends, or a branch or item is
    /// done.
    fn finish(&mut self, cx: &mut Ctx, t: u32, now: u64) {
        match self.threads[t as usize].join {
            None => {
                let e = self.threads[t as usize].exec;
                self.end_exec(e, Ending::Succeeded, now);
                self.drop_thread(t);
            }
            Some((j, _)) => {
                self.drop_thread(t);
                let jn = &mut self.joins[j as usize];
                jn.running -= 1;
                jn.done += 1;
                if jn.next < jn.total {
                    self.start_child(j);
                } else if jn.done == jn.total {
                    let parent = jn.parent;
                    jn.generation = jn.generation.wrapping_add(1);
                    self.free_joins.push(j);
                    self.next(cx, parent, now);
                }
            }
        }
    }

    /// Thread `t`'s state raised error `e` at `now`: a retrier waits and enters it again, a
    /// catcher goes to its state, or the error goes up (to the join, or the execution).
    fn error(&mut self, cx: &mut Ctx, t: u32, e: u16, now: u64) {
        let (s, exec) = {
            let th = &self.threads[t as usize];
            (th.state, th.exec)
        };
        let measured = self.execs[exec as usize].measured;
        let flow_i = self.execs[exec as usize].flow as usize;
        let runtime = self.flows[flow_i].runtime_error;
        let flow = &mut self.flows[flow_i];
        let st = &flow.def.states[s as usize];
        if measured {
            flow.stats.states[s as usize].failures += 1;
        }
        if e != runtime {
            // A retrier: the first whose ErrorEquals matches (S63).
            if let Some(r) = st.retry.iter().position(|r| Def::matches(&r.errors, e)) {
                let rt = &st.retry[r];
                let th = &mut self.threads[t as usize];
                if th.counts.len() < st.retry.len() {
                    th.counts.resize(st.retry.len(), 0);
                }
                let k = th.counts[r];
                if k < rt.max_attempts {
                    th.counts[r] += 1;
                    let mut d = rt.interval as f64 * rt.backoff.powi(k as i32);
                    if let Some(m) = rt.max_delay {
                        d = d.min(m as f64);
                    }
                    if rt.full_jitter {
                        d *= self.rng.uniform();
                    }
                    if measured {
                        flow.stats.states[s as usize].retries += 1;
                    }
                    let at = now.saturating_add(d.min(1e18) as u64);
                    return self.timer(cx, t, Pending::Retry, at);
                }
            }
            if let Some(c) = st.catch.iter().find(|c| Def::matches(&c.errors, e)) {
                let n = c.next;
                if measured {
                    flow.stats.states[s as usize].caught += 1;
                }
                flow.stats.catch(s, n, measured);
                self.execs[exec as usize].caught = true;
                return self.goto(cx, t, n, now);
            }
        }
        match self.threads[t as usize].join {
            None => {
                // An error no one handles fails the execution (a Task's States.Timeout too;
                // `timed_out` is the execution's own timeout).
                self.end_exec(exec, Ending::Failed, now);
                self.drop_thread(t);
            }
            Some((j, _)) => {
                // The Parallel or Map state fails with the error; its other branches or items
                // stop (S66).
                let jn = &mut self.joins[j as usize];
                jn.stopped = true;
                jn.running -= 1;
                let parent = jn.parent;
                self.drop_thread(t);
                self.steps.push_back(Step::Error(parent, e));
            }
        }
    }

    /// A Task attempt of thread `t` (numbered `seq`) ended: `None` if it succeeded, else how
    /// it failed.
    pub(crate) fn answered(
        &mut self,
        cx: &mut Ctx,
        t: u32,
        seq: u32,
        failure: Option<Failure>,
        now: u64,
    ) {
        let th = &self.threads[t as usize];
        if th.seq != seq || th.pending != Pending::Task {
            return;
        }
        if !self.stands(t) {
            return self.drop_thread(t);
        }
        match failure {
            None => self.next(cx, t, now),
            Some(f) => {
                let s = th.state;
                let e = self.flows[self.execs[th.exec as usize].flow as usize].error_of(s, f);
                self.steps.push_back(Step::Error(t, e));
            }
        }
        self.drain(cx, now);
    }

    /// Whether thread `t` still waits for its Task attempt numbered `seq`.
    pub(crate) fn waits(&self, t: u32, seq: u32) -> bool {
        let th = &self.threads[t as usize];
        th.seq == seq && th.pending == Pending::Task && self.stands(t)
    }

    /// Thread `t`'s timer numbered `seq` is due.
    pub(crate) fn on_timer(&mut self, cx: &mut Ctx, t: ThreadId, seq: u32, now: u64) {
        let t = t.0;
        let th = &self.threads[t as usize];
        if th.seq != seq {
            return;
        }
        if !self.stands(t) {
            return self.drop_thread(t);
        }
        match th.pending {
            // The Task's timeout: the function runs on, its answer is ignored.
            Pending::Task => {
                self.threads[t as usize].seq = seq.wrapping_add(1);
                self.steps.push_back(Step::Error(t, asl::TIMEOUT));
            }
            Pending::Enter => self.steps.push_back(Step::Enter(t)),
            Pending::Retry => {
                self.threads[t as usize].pending = Pending::Enter;
                self.enter_at(cx, t, now, false);
            }
            Pending::Wait => self.next(cx, t, now),
            Pending::Join | Pending::Dropped => {}
        }
        self.drain(cx, now);
    }

    /// Starts an execution of workflow `w` at `now`, unless StartExecution is throttled.
    pub(crate) fn start(&mut self, cx: &mut Ctx, w: u32, now: u64) {
        let measured = now >= cx.warmup;
        let flow = &mut self.flows[w as usize];
        if measured {
            flow.stats.started += 1;
        }
        flow.stats.bin[0] += 1;
        if !self.starts[flow.express as usize].take(now) {
            if measured {
                flow.stats.throttled += 1;
            }
            flow.stats.bin[5] += 1;
            return;
        }
        flow.stats.running += 1;
        let timeout = flow.timeout;
        let start = flow.def.machines[0].start;
        let e = slot(&mut self.execs, &mut self.free_execs);
        let generation = self.execs[e as usize].generation;
        self.execs[e as usize] = Exec {
            flow: w,
            generation,
            start: now,
            transitions: 0,
            caught: false,
            measured,
            alive: true,
        };
        if now.saturating_add(timeout) < cx.end {
            cx.q.schedule(
                now + timeout,
                Event::WfTimeout {
                    exec: ExecId(e),
                    generation,
                },
            );
        }
        let t = self.new_thread(e, None, start);
        self.steps.push_back(Step::Enter(t));
        self.drain(cx, now);
    }

    /// Execution `e`'s timeout: it ends `timed_out`, if it still runs.
    pub(crate) fn on_timeout(&mut self, e: ExecId, generation: u32, now: u64) {
        if self.execs[e.0 as usize].generation == generation {
            self.end_exec(e.0, Ending::TimedOut, now);
        }
    }

    /// Execution `e` ends at `now`: counted (if measured) and its slot freed (its threads stop).
    fn end_exec(&mut self, e: u32, how: Ending, now: u64) {
        let ex = self.execs[e as usize];
        self.execs[e as usize].generation = ex.generation.wrapping_add(1);
        self.execs[e as usize].alive = false;
        self.free_execs.push(e);
        let how = match how {
            Ending::Succeeded if ex.caught => Ending::Caught,
            h => h,
        };
        let st = &mut self.flows[ex.flow as usize].stats;
        st.running -= 1;
        st.bin[match how {
            Ending::Succeeded => 1,
            Ending::Caught => 2,
            Ending::Failed => 3,
            Ending::TimedOut => 4,
        }] += 1;
        if ex.measured {
            self.flows[ex.flow as usize].count(how, now - ex.start, ex.transitions);
        }
    }

    /// Workflow `w`'s row of the sample interval `[from, from + span)`; its counts restart.
    pub(crate) fn take_bin(&mut self, w: u32, from: u64, span: u64) -> WorkflowRow {
        let s = &mut self.flows[w as usize].stats;
        let b = std::mem::take(&mut s.bin);
        WorkflowRow {
            time: Nanos(from),
            span: Nanos(span),
            workflow: w,
            started: b[0],
            succeeded: b[1],
            caught: b[2],
            failed: b[3],
            timed_out: b[4],
            throttled: b[5],
            running: s.running,
        }
    }

    /// Executions still running at `end`, counted in flight.
    pub(crate) fn finish_run(&mut self) {
        for ex in &self.execs {
            if ex.measured && ex.alive {
                self.flows[ex.flow as usize].stats.in_flight += 1;
            }
        }
    }
}

/// A free slot of `list` (from `free`, else a new one at its end).
fn slot<T: Default>(list: &mut Vec<T>, free: &mut Vec<u32>) -> u32 {
    free.pop().unwrap_or_else(|| {
        list.push(T::default());
        (list.len() - 1) as u32
    })
}

/// How an execution ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    Succeeded,
    /// It succeeded through a Catch.
    Caught,
    Failed,
    TimedOut,
}
