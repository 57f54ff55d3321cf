//! Calls inside a function's execution, between owners: the Lambda platform says when an
//! attempt makes its next call (`AttemptEnd::Call`); the call becomes a request of its own
//! (`Req` with its `caller`) of the call's workload — its client, with the call's retry policy
//! and random streams — sent to a function (Lambda's `invoke`, sync or async), a table or a
//! dependency (`Backends`); when it succeeds, or fails after its retries, the caller gets the
//! answer (`Lambda::answered`).

use super::deps::{Admit, Dep};
use super::slab::Slab;
use super::tables::Table;
use super::{Event, Failure, Invocation, Observer, Req, Simulation, Target};
use crate::metrics::{CallMetrics, Service};
use crate::observer::ServiceRow;
use crate::sim::ids::{DepId, InstId, ReplyId, TableId};
use crate::sim::request::Caller;
use crate::time::Nanos;

/// A call's answer due from a table or a dependency.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reply {
    pub(crate) req: Req,
    pub(crate) failure: Option<Failure>,
    /// The dependency whose slot it frees when it ends, if it came from one.
    pub(crate) dep: Option<u32>,
}

/// What a call's workload calls, and what it counted.
pub(crate) struct Edge {
    /// The calling function, and the target's name.
    pub(crate) caller: u32,
    pub(crate) to: String,
    pub(crate) sync: bool,
    /// A workflow's Task (not a function's call: left out of `calls`).
    pub(crate) task: bool,
    /// A table call: capacity units per request, and whether it writes.
    pub(crate) units: f64,
    pub(crate) write: bool,
    /// Over the measured window: calls made, attempts, sync calls that succeeded, that failed
    /// after their retries, and whose retries were dropped because their caller had ended.
    pub(crate) calls: u64,
    pub(crate) attempts: u64,
    pub(crate) succeeded: u64,
    pub(crate) failed: u64,
    pub(crate) abandoned: u64,
    /// Per caller environment (by slot): when it was made and its client's quota tokens.
    pub(crate) quota: Vec<(u64, u32)>,
}

impl Edge {
    /// A function call edge from function `caller` to `to`, with nothing counted yet.
    pub(crate) fn new(caller: u32, to: String, sync: bool) -> Edge {
        Edge {
            caller,
            to,
            sync,
            task: false,
            units: 0.0,
            write: false,
            calls: 0,
            attempts: 0,
            succeeded: 0,
            failed: 0,
            abandoned: 0,
            quota: Vec::new(),
        }
    }
}

/// The tables and dependencies, the answers they owe, and the calls' workloads (`edges[i]` is
/// workload `first_edge + i`).
#[derive(Default)]
pub(crate) struct Backends {
    pub(crate) tables: Vec<Table>,
    pub(crate) deps: Vec<Dep>,
    pub(crate) replies: Slab<Reply>,
    pub(crate) first_edge: u32,
    pub(crate) edges: Vec<Edge>,
    /// Their names (tables, then dependencies), for the summary.
    pub(crate) names: Vec<String>,
}

/// A table's minute: its datapoint.
pub(crate) const MINUTE: u64 = 60_000_000_000;

impl Backends {
    /// A call of workload `w` is made.
    pub(crate) fn count_call(&mut self, w: u32, measured: bool) {
        self.edge(w).calls += measured as u64;
    }

    /// The call edge of workload `w`.
    fn edge(&mut self, w: u32) -> &mut Edge {
        &mut self.edges[(w - self.first_edge) as usize]
    }

    /// Schedules each table's first minute.
    pub(crate) fn start(&self, q: &mut crate::engine::EventQueue<Event>, end: u64) {
        if MINUTE < end {
            for t in 0..self.tables.len() {
                q.schedule(MINUTE, Event::TableTick(TableId(t as u32)));
            }
        }
    }

    /// Hands each table's and dependency's row of the interval `[from, from + span)` to
    /// `obs`, numbered after the `first` APIs; the bins restart.
    pub(crate) fn emit(&mut self, first: u32, from: u64, span: u64, obs: &mut dyn Observer) {
        let mut i = first;
        for t in &mut self.tables {
            let [requests, throttled, errors] = t.bin;
            let (consumed, capacity) = t.take_bin();
            obs.service(&ServiceRow {
                time: Nanos(from),
                span: Nanos(span),
                service: i,
                requests,
                throttled,
                errors,
                consumed: consumed[0] + consumed[1],
                capacity: capacity[0] + capacity[1],
                ..ServiceRow::default()
            });
            t.bin = [0; 3];
            i += 1;
        }
        for d in &mut self.deps {
            let [requests, throttled, errors, waited] = d.bin;
            obs.service(&ServiceRow {
                time: Nanos(from),
                span: Nanos(span),
                service: i,
                requests,
                throttled,
                errors,
                waited,
                ..ServiceRow::default()
            });
            d.bin = [0; 4];
            i += 1;
        }
    }

    /// The tables' and dependencies' metrics over the measured window ending at `end`, and the
    /// calls between functions and their targets, named by `fn_names`.
    pub(crate) fn metrics(
        &mut self,
        end: u64,
        measuring: bool,
        fn_names: &[String],
    ) -> (Vec<(String, Service)>, Vec<CallMetrics>) {
        let mut names = self.names.iter().cloned();
        let mut list = Vec::new();
        for t in &mut self.tables {
            let m = Service::Table(t.metrics(end, measuring));
            list.push((names.next().expect("one name each"), m));
        }
        for d in &self.deps {
            let m = Service::Dependency(d.metrics());
            list.push((names.next().expect("one name each"), m));
        }
        let calls = self
            .edges
            .iter()
            .filter(|e| !e.task)
            .map(|e| CallMetrics {
                from: fn_names[e.caller as usize].clone(),
                to: e.to.clone(),
                mode: if e.sync { "sync" } else { "async" },
                calls: e.calls,
                attempts: e.attempts,
                succeeded: e.succeeded,
                failed: e.failed,
                abandoned: e.abandoned,
            })
            .collect();
        (list, calls)
    }

    /// Recomputes each table's and dependency's errors, slow-down and concurrency from the
    /// incidents active now.
    pub(crate) fn apply_incidents(&mut self, incidents: &[super::IncidentState]) {
        for (i, t) in self.tables.iter_mut().enumerate() {
            let (mut ok, mut mul, mut add) = (1.0, 1.0, 0u64);
            for inc in incidents.iter().filter(|x| x.active && x.tables[i]) {
                ok *= 1.0 - inc.error_p;
                mul *= inc.lat_mul;
                add = add.saturating_add(inc.lat_add);
            }
            (t.error_p, t.lat_mul, t.lat_add) = (1.0 - ok, mul, add);
        }
        for (i, d) in self.deps.iter_mut().enumerate() {
            let (mut ok, mut mul, mut add, mut keep) = (1.0 - d.base_error_p(), 1.0, 0u64, 1.0);
            for inc in incidents.iter().filter(|x| x.active && x.deps[i]) {
                ok *= 1.0 - inc.error_p;
                mul *= inc.lat_mul;
                add = add.saturating_add(inc.lat_add);
                keep *= 1.0 - inc.lost;
            }
            (d.error_p, d.lat_mul, d.lat_add) = (1.0 - ok, mul, add);
            d.cap = if d.base_cap == u32::MAX {
                u32::MAX
            } else {
                (d.base_cap as f64 * keep).floor() as u32
            };
        }
    }
}

impl Simulation {
    /// The attempt in environment `inst` makes its next call at `now`: a new request of the
    /// call's workload, sent to its target.
    pub(crate) fn call_out(&mut self, inst: InstId, now: u64, obs: &mut dyn Observer) {
        let (step, epoch) = self.lambda.make_call(&mut self.cx, inst.0, now);
        let (id, measured) = (self.next_req, now >= self.cx.warmup);
        self.next_req += 1;
        let e = self.backends.edge(step.edge);
        e.calls += measured as u64;
        let wl = &self.workloads[step.edge as usize];
        let req = Req {
            id,
            first: now,
            prev_delay: 0,
            w: step.edge,
            attempt: 1,
            last_cost: 0,
            measured,
            retry: true,
            via: wl.via,
            errs: 0,
            throttles: 0,
            last: None,
            caller: step.wait.then_some(Caller::Env { inst, epoch }),
        };
        self.send_call(req, false, now, obs);
    }

    /// Sends an attempt of call `req` (a retry if `again`) to its workload's target.
    pub(crate) fn send_call(
        &mut self,
        mut req: Req,
        again: bool,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        self.backends.edge(req.w).attempts += req.measured as u64;
        let measuring = self.cx.measuring;
        match self.workloads[req.w as usize].target {
            Target::Lambda(g) => {
                let wl = &mut self.workloads[req.w as usize];
                let func = &mut self.lambda.funcs[g.0 as usize];
                let service = if again {
                    wl.retry_service_time(func)
                } else {
                    func.arrival(req.measured);
                    wl.service_time(func, crate::trace::NO_DURATION)
                };
                self.attempt::<true>(g.0, &mut req, now, service, obs);
            }
            Target::Table(TableId(t)) => {
                let e = self.backends.edge(req.w);
                let (write, units) = (e.write, e.units);
                let table = &mut self.backends.tables[t as usize];
                let (at, failure) = table.request(write, units, req.measured, measuring, now);
                self.reply_at(
                    Reply {
                        req,
                        failure,
                        dep: None,
                    },
                    at,
                );
            }
            Target::Dep(DepId(d)) => match self.backends.deps[d as usize].arrive(req, now) {
                Admit::Served { at, failure } => self.reply_at(
                    Reply {
                        req,
                        failure,
                        dep: Some(d),
                    },
                    at,
                ),
                // How long it waits is not known.
                Admit::Queued => self.guard_call(&req, u64::MAX),
                Admit::Rejected => self.call_failed(req, Failure::Throttle, now, obs),
            },
            Target::Asg(_) | Target::Workflow(_) => {
                unreachable!("calls go to Lambda functions, tables and dependencies (validated)")
            }
        }
    }

    fn reply_at(&mut self, reply: Reply, at: u64) {
        self.guard_call(&reply.req, at);
        let slot = self.backends.replies.insert(reply);
        self.cx.q.schedule(at, Event::Reply(ReplyId(slot)));
    }

    /// A table or dependency answers the call in `slot` now: a dependency's slot goes to the
    /// next call waiting; the call succeeded, or its client decides what follows.
    pub(crate) fn on_reply(&mut self, slot: ReplyId, now: u64, obs: &mut dyn Observer) {
        let Some(Reply { req, failure, dep }) = self.backends.replies.take(slot.0) else {
            return;
        };
        if let Some(d) = dep
            && let Some((next, at, f)) = self.backends.deps[d as usize].release(now)
        {
            self.reply_at(
                Reply {
                    req: next,
                    failure: f,
                    dep: Some(d),
                },
                at,
            );
        }
        match failure {
            None => self.call_succeeded(&req, now, obs),
            Some(f) => self.call_failed(req, f, now, obs),
        }
    }

    /// An attempt of call `req` to a table or dependency failed with `failure` at `now`: its
    /// client retries it later, or the caller gets the failure.
    fn call_failed(&mut self, mut req: Req, failure: Failure, now: u64, obs: &mut dyn Observer) {
        let r = req;
        let at = self.in_callers_quota(&r, |s| {
            let wl = &mut s.workloads[req.w as usize];
            wl.retry
                .as_deref_mut()
                .and_then(|r| r.failed(&mut wl.redo, &mut req, failure, now))
        });
        if let Some(at) = at {
            self.guard_call(&req, at);
            self.park(req, at);
            return;
        }
        self.backends.edge(req.w).failed += req.measured as u64;
        self.answer_caller(&req, Some(failure), now, obs);
    }

    /// The answer chain of call `req` goes on until `t`: its caller's timeout guard, if it may
    /// come first.
    fn guard_call(&mut self, req: &Req, t: u64) {
        if let Some(c) = req.caller {
            self.lambda.guard_until(&mut self.cx, c, t);
        }
    }

    /// Call `req` ended (`failure`: how it failed, if it did): its caller, if it waits, gets
    /// the answer. A function call's final failure is counted here too.
    pub(crate) fn answer_caller(
        &mut self,
        req: &Req,
        failure: Option<Failure>,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        match req.caller {
            None => {}
            Some(Caller::Env { inst, epoch }) => {
                let ok = failure.is_none();
                if let Some(end) = self
                    .lambda
                    .answered(&mut self.cx, inst.0, epoch, ok, now, obs)
                {
                    self.route(end, now, obs);
                }
            }
            Some(Caller::Task { thread, seq }) => {
                self.workflows
                    .answered(&mut self.cx, thread.0, seq, failure, now);
                self.send_tasks(now, obs);
            }
        }
    }

    /// An attempt of sync call `req` at function `f` failed with `failure` at `now`: the
    /// caller's client (with its environment's quota) retries it later, or the caller gets the
    /// failure.
    #[cold]
    pub(crate) fn function_call_failed(
        &mut self,
        f: u32,
        req: &mut Req,
        failure: Failure,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        let r = *req;
        let at = self.in_callers_quota(&r, |s| s.client_failed(f, req, failure, now));
        if let Some(at) = at {
            // Its outcome if the caller ends before the retry.
            req.last = Some(failure);
            self.guard_call(req, at);
            self.park(*req, at);
            return;
        }
        self.backends.edge(req.w).failed += req.measured as u64;
        self.answer_caller(req, Some(failure), now, obs);
    }

    /// Call `req` succeeded: its client's quota (its caller environment's) gets its refund, and
    /// the caller its answer.
    pub(crate) fn call_succeeded(&mut self, req: &Req, now: u64, obs: &mut dyn Observer) {
        self.backends.edge(req.w).succeeded += req.measured as u64;
        self.in_callers_quota(req, |s| s.retry_succeeded(req.refund()));
        self.answer_caller(req, None, now, obs);
    }

    /// Runs `f` with the retry quota of call `req`'s client set to its caller environment's
    /// own: an SDK client lives in each execution environment (made at init), so each has its
    /// own quota, full when the environment is new.
    fn in_callers_quota<T>(&mut self, req: &Req, f: impl FnOnce(&mut Simulation) -> T) -> T {
        let Some(Caller::Env { inst, .. }) = req.caller else {
            return f(self);
        };
        let Some(r) = self.workloads[req.w as usize].retry.as_deref_mut() else {
            return f(self);
        };
        let Some(q) = r.policy.quota else {
            return f(self);
        };
        let i = inst.0 as usize;
        let born = self.lambda.insts[i].born;
        let e = self.backends.edge(req.w);
        if e.quota.len() <= i {
            e.quota.resize(i + 1, (u64::MAX, 0));
        }
        if e.quota[i].0 != born {
            e.quota[i] = (born, q.tokens);
        }
        let saved = std::mem::replace(&mut r.tokens, e.quota[i].1);
        let out = f(self);
        let r = self.workloads[req.w as usize]
            .retry
            .as_deref_mut()
            .expect("it has a policy");
        let mine = std::mem::replace(&mut r.tokens, saved);
        self.backends.edge(req.w).quota[i].1 = mine;
        out
    }

    /// Each dependency serves the calls waiting while it has free slots (after an incident
    /// ended).
    pub(crate) fn deps_resume(&mut self, now: u64) {
        for d in 0..self.backends.deps.len() {
            while let Some((req, at, failure)) = self.backends.deps[d].resume(now) {
                let dep = Some(d as u32);
                self.reply_at(Reply { req, failure, dep }, at);
            }
        }
    }

    /// The retry of call `req` is dropped: its caller ended. A call to a function ends with
    /// its last failure.
    pub(crate) fn abandon_call(&mut self, req: &Req) {
        if !req.measured {
            return;
        }
        self.backends.edge(req.w).abandoned += 1;
        if let Target::Lambda(g) = self.workloads[req.w as usize].target
            && let Some(kind) = req.last
        {
            let o = &mut self.lambda.funcs[g.0 as usize].counted.outcomes;
            o.count_failure(kind);
        }
    }

    /// A table's minute ends at `now`.
    pub(crate) fn on_table_tick(&mut self, t: TableId, now: u64) {
        let measuring = self.cx.measuring;
        let table = &mut self.backends.tables[t.0 as usize];
        if let Some(at) = table.tick(now, measuring) {
            self.cx.q.schedule(at, Event::TableUpdate(t));
        }
        if now + MINUTE < self.cx.end {
            self.cx.q.schedule(now + MINUTE, Event::TableTick(t));
        }
    }
}

/// The capacity units a table request of an item of `kb` KB consumes (S56): a write 1 per KB,
/// a strongly consistent read 1 per 4 KB, an eventually consistent read half that.
pub(crate) fn table_units(write: bool, strong: bool, kb: f64) -> f64 {
    if write {
        kb.ceil()
    } else if strong {
        (kb / 4.0).ceil()
    } else {
        (kb / 4.0).ceil() / 2.0
    }
}

/// Each function's call steps, in order.
type Steps = Vec<Box<[crate::sim::lambda::Step]>>;

/// Builds the tables and dependencies, and one workload per call of each function (appended
/// after the scenario's workloads, so that theirs keep their random streams); returns each
/// function's call steps.
pub(crate) fn build(
    scenario: &crate::scenario::Scenario,
    res: &dyn crate::resources::Resources,
    workloads: &mut Vec<super::Workload>,
) -> Result<(Backends, Steps), crate::error::SimError> {
    use super::{ClientRetry, Policy, SimRng, stream};
    use crate::inputs::load_dist;
    use crate::scenario::{CallMode, CallTarget, OnError, RetryPolicy, RetryPreset, TableOp};
    use crate::sim::ids::FnId;
    let seed = scenario.simulation.seed;
    let mut b = Backends::default();
    for (i, t) in scenario.tables.iter().enumerate() {
        let key = format!("tables.{}", t.name);
        let read = load_dist(res, &t.read_latency(), &format!("{key}.read_latency"))?;
        let write = load_dist(res, &t.write_latency(), &format!("{key}.write_latency"))?;
        let rng = SimRng::new(seed, stream::FAULT | 3 << 40 | i as u64);
        b.tables.push(Table::new(t, [read, write], rng));
        b.names.push(t.name.clone());
    }
    for (i, d) in scenario.dependencies.iter().enumerate() {
        let key = format!("dependencies.{}.latency", d.name);
        let latency = load_dist(res, &d.latency, &key)?;
        let rng = SimRng::new(seed, stream::FAULT | 4 << 40 | i as u64);
        b.deps.push(Dep::new(d, latency, rng));
        b.names.push(d.name.clone());
    }
    b.first_edge = workloads.len() as u32;
    let mut steps = Vec::with_capacity(scenario.functions.len());
    for (f, func) in scenario.functions.iter().enumerate() {
        let mut list = Vec::new();
        for c in &func.calls {
            let target = scenario.call_target(&c.to).expect("validated");
            let spec = match &c.retry {
                Some(name) => scenario
                    .retry_policies
                    .iter()
                    .find(|p| &p.name == name)
                    .expect("validated")
                    .clone(),
                None => RetryPolicy {
                    preset: Some(match target {
                        CallTarget::Dependency(_) => RetryPreset::None,
                        _ => RetryPreset::AwsSdkStandard,
                    }),
                    ..RetryPolicy::default()
                },
            };
            let policy = Policy::resolve(&spec);
            let retry = (policy.max_attempts > 1).then(|| {
                Box::new(ClientRetry {
                    tokens: policy.quota.map(|q| q.tokens).unwrap_or(0),
                    policy,
                })
            });
            let i = workloads.len() as u64;
            let (target, function) = match target {
                CallTarget::Function(g) => (Target::Lambda(FnId(g as u32)), g as u32),
                CallTarget::Table(t) => (Target::Table(TableId(t as u32)), f as u32),
                CallTarget::Dependency(d) => (Target::Dep(DepId(d as u32)), f as u32),
            };
            let via = match c.mode {
                CallMode::Sync => Invocation::Sync,
                CallMode::Async => Invocation::Async,
            };
            let kb = c.item_kb.unwrap_or(1.0);
            let write = c.op == TableOp::Write;
            let units = table_units(write, c.op == TableOp::StrongRead, kb);
            let edge = workloads.len() as u32;
            workloads.push(super::Workload::hidden(
                function, target, via, retry, seed, i,
            ));
            b.edges.push(Edge {
                units,
                write,
                ..Edge::new(f as u32, c.to.clone(), c.mode == CallMode::Sync)
            });
            for _ in 0..c.count {
                list.push(crate::sim::lambda::Step {
                    at: c.at.fraction(),
                    edge,
                    wait: c.mode == CallMode::Sync,
                    ignore: c.on_error == Some(OnError::Ignore),
                });
            }
        }
        // In the order they are made (a stable sort keeps the declared order at one point).
        list.sort_by(|a, b| a.at.total_cmp(&b.at));
        steps.push(list.into_boxed_slice());
    }
    if steps.iter().all(|s| s.is_empty()) {
        // No function makes calls: `Calls::any` answers at once.
        steps.clear();
    }
    Ok((b, steps))
}
