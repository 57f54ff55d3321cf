//! The EC2 Auto Scaling group platform: instances with request slots behind a load balancer
//! (least outstanding requests, then a FIFO queue with a length limit and a timeout), launch and
//! warm-pool start times, target tracking / step / simple / scheduled scaling on CloudWatch-style
//! datapoints, instance warmup and cooldowns, warm pools, health replacement and per-second
//! billing.
//!
//! The group's state is `Asg` and its handlers are `Asg`'s methods. What they borrow from the
//! rest of the simulation for one event is a [`GroupCx`]: the shared context, the group's
//! function (its counters and latencies, reported like a Lambda function's), the live counts
//! over all functions, the workloads' fault streams and the observer. An attempt whose end a
//! client decides (its request has a retry policy) is handed back as a `GroupEnd`, which the
//! router passes to the client once the handler returns.
//!
//! Requests of a group do not go through the global event queue. Their completions wait in the
//! group's own timing wheel and are processed in time order whenever the group is looked at (an
//! arrival, a metric period, a sample boundary, any event of the group): [`Asg::advance`]
//! brings the group up to a time. Nothing a completion does in there reaches outside the group,
//! except a client's retry: when a workload with a retry policy sends to the group, every
//! completion and queue timeout gets a global `AsgSync` event at its time, so that the group is
//! never brought past the present and retries are scheduled from it. Arrivals of a workload
//! that sends to a group are handled in a row while they come before every pending event.

use super::{
    Ctx, Event, Func, GroupEnd, Live, NIL, Observer, Req, RequestRecord, Resources, SimError, Tick,
    Workload, load_dist,
};
use crate::dist::Dist;
use crate::metrics::{AsgMetrics, Ec2Cost, Outcome};
use crate::retry::Failure;
use crate::rng::{SimRng, stream};
use crate::scenario::{
    AdjustmentType, AsgConfig, AsgMetric, AsgScheduledAction, Comparison, PolicyType, PoolState,
    ScalingPolicy, default_pool_start,
};
use crate::sim::ids::GroupId;
use crate::time::{NS_PER_S, Nanos};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

mod balancer;
mod instances;
mod report;
mod requests;
mod scaling;
mod wheel;

use balancer::Levels;
use wheel::Wheel;

const NONE: u64 = u64::MAX;
const MINUTE: u64 = 60 * NS_PER_S;

/// Where an instance is in its life.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NState {
    Free,
    /// Launching (or starting from the warm pool) toward InService.
    Pending,
    InService,
    /// Deregistering: finishing its requests, taking no new ones.
    Terminating,
    /// Failed, not yet replaced by the health check; takes no requests.
    Crashed,
    /// Launching into the warm pool.
    PoolWarming,
    /// Waiting in the warm pool.
    Pooled,
}

/// An EC2 instance of a group.
#[derive(Clone, Copy)]
struct Node {
    state: NState,
    /// In the least-outstanding-requests lists.
    routable: bool,
    outstanding: u32,
    epoch: u32,
    /// Busy slot-nanoseconds from the start of the metric period (or InService) to its end,
    /// counting the requests running now as running to the period's end.
    busy_int: i64,
    in_service_at: u64,
    /// When its warmup ends (it then feeds the metrics and no longer blocks scale-in).
    warm_at: u64,
    /// When the health check's grace period ends.
    healthy_at: u64,
    born: u64,
    /// Start of the current running period (billed at the instance price), `NONE` if stopped.
    run_start: u64,
    /// Start of the part of the running period not yet billed.
    bill_from: u64,
    /// The running period is billed to the warm pool.
    bill_pool: bool,
    /// The running period began with a start (billed at least 60 s).
    min_applies: bool,
}

impl Node {
    const FREE: Node = Node {
        state: NState::Free,
        routable: false,
        outstanding: 0,
        epoch: 0,
        busy_int: 0,
        in_service_at: 0,
        warm_at: 0,
        healthy_at: 0,
        born: 0,
        run_start: NONE,
        bill_from: NONE,
        bill_pool: false,
        min_applies: false,
    };
}

/// A request of a group: waiting in the load balancer's queue or running on an instance.
#[derive(Clone, Copy, Default)]
struct AReq {
    id: u64,
    /// The request's first arrival (latency runs from it, retries included).
    first: u64,
    /// This attempt's arrival at the load balancer.
    arrival: u64,
    /// Work to do (until it starts).
    service: u64,
    /// When it started on an instance.
    start: u64,
    inst: u32,
    w: u32,
    epoch: u32,
    attempt: u32,
    flags: u8,
}

const MEAS: u8 = 1;
/// The attempt ends in an application error.
const ERR: u8 = 2;
/// The request has a client retry policy: its `Req` is in `Asg::ctx`.
const RETRY: u8 = 4;
/// The client gave up (its timeout) before the instance finished: already reported.
const LATE: u8 = 8;
/// Running on an instance.
const STARTED: u8 = 16;
/// Its instance failed: already reported; the slot is freed when the completion comes.
const DEAD: u8 = 32;

/// The state of a scaling policy's alarms.
struct PolicyState {
    cfg: ScalingPolicy,
    name: String,
    /// Consecutive datapoints above (high alarm) and below (low alarm) the threshold.
    high: u32,
    low: u32,
}

/// One metric period's datapoints.
#[derive(Clone, Copy, Debug)]
struct Datapoint {
    /// Average utilization in percent of in-service instances past warmup, and their number.
    cpu: Option<(f64, u32)>,
    /// Requests started per in-service instance, and their number.
    per_target: Option<(f64, u32)>,
    queue: f64,
    in_service: u32,
    /// Instances pending or in warmup (scale-in waits for them).
    warming: u32,
}

/// Integrals over time (count × ns) of the group's states, kept from time 0; snapshots give the
/// measured window and each sample interval.
#[derive(Clone, Copy, Default)]
struct Integrals {
    in_service: u128,
    pending: u128,
    pool: u128,
    busy_slots: u128,
    /// Slots of in-service and draining instances.
    in_service_slots: u128,
    queue: u128,
    /// EBS GB-ns of group instances and of pool instances.
    ebs_group: f64,
    ebs_pool: f64,
}

/// Counters of a sample interval or of the measured window.
#[derive(Clone, Copy, Default)]
struct Tally {
    started: u64,
    queued: u64,
    wait_ns: u128,
    activities: u64,
}

/// An Auto Scaling group: its configuration, instances, load balancer and queue, requests,
/// scaling state and statistics.
pub(crate) struct Asg {
    /// The group's own id, which its events carry.
    id: GroupId,
    /// Its function (an index into `Lambda::funcs`, where its counters are).
    pub(crate) f: u32,
    /// A workload with a client retry policy sends to the group: every completion and queue
    /// timeout gets a global `AsgSync` event, so that the group is never brought up to a time
    /// later than the present, and retries are scheduled from the moment an attempt ends.
    pub(crate) eager: bool,
    slots: u32,
    min: u32,
    max: u32,
    desired: u32,
    launch: Dist,
    pool_start: Dist,
    dereg: u64,
    qmax: usize,
    /// Longest wait in the queue: the queue timeout, or the client's timeout if shorter.
    qwait: u64,
    timeout: u64,
    warmup: u64,
    grace: u64,
    lifetime: u64,
    mtbf: f64,
    hourly: f64,
    volume_gb: f64,
    ram_gb: f64,
    ebs_per_gb_ns: f64,
    period: u64,
    delay: u64,
    policies: Vec<PolicyState>,
    schedule: Vec<AsgScheduledAction>,
    pool: Option<(u32, u32, PoolState, bool)>,
    instance_type: String,
    rng: SimRng,

    nodes: Vec<Node>,
    node_free: Vec<u32>,
    pooled: Vec<u32>,
    /// Routable instances by outstanding requests (0..=slots).
    levels: Levels,
    routable: u32,

    reqs: Vec<AReq>,
    req_free: Vec<u32>,
    ctx: Vec<Req>,
    heap: Wheel,
    queue: VecDeque<u32>,
    /// Datapoints waiting for the metric delay.
    datapoints: VecDeque<Datapoint>,

    n_pending: u32,
    n_in_service: u32,
    n_crashed: u32,
    n_terminating: u32,
    n_warming: u32,
    n_pooled: u32,
    busy_slots: u64,
    /// Busy slot-nanoseconds from time 0 to `horizon`, counting the requests running now as
    /// running to `horizon`: the integral up to any time `t` is this minus
    /// `busy_slots × (horizon − t)`, so a request's start and end each cost one addition.
    busy_h: i128,
    horizon: u64,
    /// The end of the current metric period.
    period_end: u64,
    last_touch: u64,
    last_queue: u64,
    int: Integrals,
    win0: Integrals,
    bin0: Integrals,
    tally: Tally,
    bin: Tally,
    period_started: u64,
    period_queue0: u128,
    max_in_service: u32,
    max_queue: u64,
    launches: u64,
    warm_starts: u64,
    terminations: u64,
    replacements: u64,
    /// When the last launch completed or the last termination happened (simple-policy cooldown).
    last_activity: u64,
    /// Instance-nanoseconds billed to the group and to the warm pool, in the measured window.
    billed: [u128; 2],
    measure_from: u64,
}

/// How an instance event moves it on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InstEv {
    Ready,
    PoolReady,
    Dereg,
    Crash,
    Detect,
    Lifetime,
}

/// What a group's handlers borrow from the rest of the simulation for one event.
pub(crate) struct GroupCx<'a> {
    pub(crate) cx: &'a mut Ctx,
    /// The group's function: its counters, latency histograms and live counts (reported like a
    /// Lambda function's).
    pub(crate) func: &'a mut Func,
    /// Environments and instances alive and busy over all functions.
    pub(crate) live: &'a mut Live,
    /// The workloads: each request's function errors are drawn from its workload's `fault`
    /// stream, as on Lambda.
    pub(crate) workloads: &'a mut [Workload],
    /// Attempts whose end a client decides, in the order they ended, for the router.
    pub(crate) ends: &'a mut Vec<GroupEnd>,
    pub(crate) obs: &'a mut dyn Observer,
}

impl GroupCx<'_> {
    /// One more (`up`) or one fewer instance running in the group at `t`.
    fn alive(&mut self, t: u64, up: bool) {
        let func = &mut *self.func;
        func.advance(t);
        if up {
            func.alive += 1;
            self.live.alive += 1;
            func.counted.peak_alive = func.counted.peak_alive.max(func.alive);
            self.live.peak_alive = self.live.peak_alive.max(self.live.alive);
        } else {
            func.alive -= 1;
            self.live.alive -= 1;
        }
    }
}

/// What a new group is made of: its id, its function, its configuration (`key` names it in
/// messages), its function's timeout, and the arrival rate and mean work expected (they size
/// its timing wheel).
pub(crate) struct GroupSpec<'a> {
    pub(crate) id: GroupId,
    pub(crate) f: u32,
    pub(crate) cfg: &'a AsgConfig,
    pub(crate) key: &'a str,
    pub(crate) timeout: u64,
    pub(crate) rate: f64,
    pub(crate) mean_work: f64,
}

impl Asg {
    /// A group as `spec` describes it, measured from `cx.warmup` to `cx.end`, its own random
    /// stream from `seed`.
    pub(crate) fn new(
        spec: GroupSpec<'_>,
        cx: &Ctx,
        seed: u64,
        res: &dyn Resources,
    ) -> Result<Asg, SimError> {
        let GroupSpec {
            id,
            f,
            cfg,
            key,
            timeout,
            rate,
            mean_work,
        } = spec;
        // Completions come about as often as arrivals.
        let shift = Wheel::shift_for(1e9 / rate.max(1e-3), mean_work);
        let t = cfg.resolved_type().map_err(|(k, m)| {
            SimError::Config(crate::scenario::ConfigError {
                key: format!("{key}.{k}"),
                message: m,
            })
        })?;
        let slots = cfg.slots();
        let pool = cfg.warm_pool.as_ref().map(|w| {
            (
                w.min_size,
                w.max_group_prepared_capacity.unwrap_or(cfg.max),
                w.pool_state,
                w.reuse_on_scale_in,
            )
        });
        let pool_spec = cfg
            .warm_pool
            .as_ref()
            .map(|w| {
                w.start_time
                    .clone()
                    .unwrap_or(default_pool_start(w.pool_state))
            })
            .unwrap_or(default_pool_start(PoolState::Stopped));
        let policies = cfg
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| PolicyState {
                name: p.name.clone().unwrap_or_else(|| {
                    format!(
                        "{}{i}",
                        match p.kind {
                            PolicyType::TargetTracking => "target_tracking",
                            PolicyType::Step => "step",
                            PolicyType::Simple => "simple",
                        }
                    )
                }),
                cfg: p.clone(),
                high: 0,
                low: 0,
            })
            .collect();
        Ok(Asg {
            id,
            f,
            eager: false,
            slots,
            min: cfg.min,
            max: cfg.max,
            desired: cfg.desired.unwrap_or(cfg.min),
            launch: load_dist(res, &cfg.launch_time, &format!("{key}.launch_time"))?,
            pool_start: load_dist(res, &pool_spec, &format!("{key}.warm_pool.start_time"))?,
            dereg: cfg.deregistration_delay.0,
            qmax: cfg.queue_length as usize,
            qwait: cfg.queue_timeout.0.min(timeout),
            timeout,
            warmup: cfg.instance_warmup.0,
            grace: cfg.health_check_grace.0,
            lifetime: cfg.max_instance_lifetime.map(|l| l.0).unwrap_or(NONE),
            mtbf: cfg.mtbf.map(|m| m.0 as f64).unwrap_or(0.0),
            hourly: t.hourly_price,
            volume_gb: cfg.volume_gb,
            ram_gb: t.memory_gib,
            // A month of 730 hours.
            ebs_per_gb_ns: cfg.ebs_gb_month_price / (730.0 * 3600.0 * 1e9),
            period: cfg.metric_period.0,
            delay: cfg.metric_delay.0,
            policies,
            schedule: cfg.schedule.clone(),
            pool,
            instance_type: cfg.instance_type.clone(),
            rng: SimRng::new(seed, stream::FUNCTION | 1 << 40 | f as u64),
            nodes: Vec::new(),
            node_free: Vec::new(),
            pooled: Vec::new(),
            levels: Levels::new(slots as usize + 1),
            routable: 0,
            reqs: Vec::new(),
            req_free: Vec::new(),
            ctx: Vec::new(),
            heap: Wheel::new(shift),
            queue: VecDeque::new(),
            datapoints: VecDeque::new(),
            n_pending: 0,
            n_in_service: 0,
            n_crashed: 0,
            n_terminating: 0,
            n_warming: 0,
            n_pooled: 0,
            busy_slots: 0,
            busy_h: 0,
            horizon: cx.end,
            period_end: cfg.metric_period.0,
            last_touch: 0,
            last_queue: 0,
            int: Integrals::default(),
            win0: Integrals::default(),
            bin0: Integrals::default(),
            tally: Tally::default(),
            bin: Tally::default(),
            period_started: 0,
            period_queue0: 0,
            max_in_service: 0,
            max_queue: 0,
            launches: 0,
            warm_starts: 0,
            terminations: 0,
            replacements: 0,
            last_activity: 0,
            billed: [0, 0],
            measure_from: cx.warmup,
        })
    }

    /// Instances counting toward the desired capacity.
    fn capacity(&self) -> u32 {
        self.n_pending + self.n_in_service + self.n_crashed
    }

    /// Instances running in the group (what `instances` reports).
    fn group(&self) -> u32 {
        self.capacity() + self.n_terminating
    }

    fn pool_target(&self) -> u32 {
        match self.pool {
            Some((min_size, prepared, _, _)) => prepared.saturating_sub(self.desired).max(min_size),
            None => 0,
        }
    }

    /// Brings the state integrals (counts, EBS) up to `t`.
    fn touch(&mut self, t: u64) {
        if t <= self.last_touch {
            return;
        }
        let dt = (t - self.last_touch) as u128;
        let group = self.group() as f64;
        let i = &mut self.int;
        i.in_service += self.n_in_service as u128 * dt;
        i.pending += self.n_pending as u128 * dt;
        i.pool += (self.n_pooled + self.n_warming) as u128 * dt;
        // Draining instances still serve their requests.
        i.in_service_slots +=
            ((self.n_in_service + self.n_terminating) as u128 * self.slots as u128) * dt;
        let pool_gb = match self.pool {
            Some((_, _, PoolState::Hibernated, _)) => {
                self.n_pooled as f64 * (self.volume_gb + self.ram_gb)
                    + self.n_warming as f64 * self.volume_gb
            }
            _ => (self.n_pooled + self.n_warming) as f64 * self.volume_gb,
        };
        i.ebs_group += group * self.volume_gb * dt as f64;
        i.ebs_pool += pool_gb * dt as f64;
        self.last_touch = t;
    }

    /// Brings the busy-slot integral up to `t`.
    #[inline]
    fn busy_advance(&mut self, t: u64) {
        let ahead = self.busy_slots as i128 * (self.horizon as i128 - t as i128);
        self.int.busy_slots = (self.busy_h - ahead) as u128;
    }

    #[inline]
    fn queue_advance(&mut self, t: u64) {
        self.int.queue += self.queue.len() as u128 * (t - self.last_queue) as u128;
        self.last_queue = t;
    }

    // --- Least outstanding requests: routable instances in lists by outstanding count. ---

    fn make_routable(&mut self, i: u32) {
        let level = self.nodes[i as usize].outstanding;
        self.nodes[i as usize].routable = true;
        self.routable += 1;
        self.levels.insert(i, level);
    }

    fn make_unroutable(&mut self, i: u32) {
        if self.nodes[i as usize].routable {
            let level = self.nodes[i as usize].outstanding;
            self.levels.remove(i, level);
            self.nodes[i as usize].routable = false;
            self.routable -= 1;
        }
    }

    /// One more (`up`) or one fewer request on instance `i` at `t`; returns the change in
    /// instances with at least one request.
    #[inline(always)]
    fn add_outstanding(&mut self, i: u32, t: u64, up: bool) -> i64 {
        let n = &mut self.nodes[i as usize];
        let old = n.outstanding;
        let to_period_end = self.period_end as i64 - t as i64;
        let to_horizon = self.horizon as i128 - t as i128;
        let new = if up {
            n.busy_int = n.busy_int.wrapping_add(to_period_end);
            self.busy_slots += 1;
            self.busy_h += to_horizon;
            old + 1
        } else {
            n.busy_int = n.busy_int.wrapping_sub(to_period_end);
            self.busy_slots -= 1;
            self.busy_h -= to_horizon;
            old - 1
        };
        n.outstanding = new;
        if self.nodes[i as usize].routable {
            self.levels.remove(i, old);
            self.levels.insert(i, new);
        }
        match (old, new) {
            (0, _) => 1,
            (_, 0) => -1,
            _ => 0,
        }
    }

    // --- Billing. ---

    fn bill_to(&mut self, i: u32, t: u64) {
        let n = &mut self.nodes[i as usize];
        if n.run_start == NONE {
            return;
        }
        let from = n.bill_from.max(self.measure_from);
        if t > from {
            self.billed[n.bill_pool as usize] += (t - from) as u128;
        }
        n.bill_from = t;
    }

    fn start_running(&mut self, i: u32, t: u64, pool: bool) {
        let n = &mut self.nodes[i as usize];
        n.run_start = t;
        n.bill_from = t;
        n.bill_pool = pool;
        n.min_applies = true;
    }

    /// The running instance's time from now on is billed to the group (`pool` false) or the pool.
    fn bill_part(&mut self, i: u32, t: u64, pool: bool) {
        self.bill_to(i, t);
        self.nodes[i as usize].bill_pool = pool;
    }

    /// The instance stops (or terminates) at `t`: its running period is billed per second, at
    /// least 60 s if it began with a start in the measured window.
    fn stop_running(&mut self, i: u32, t: u64) {
        self.bill_to(i, t);
        let n = &mut self.nodes[i as usize];
        if n.run_start == NONE {
            return;
        }
        if n.run_start >= self.measure_from {
            let ran = t - n.run_start;
            let mut billed = ran.div_ceil(NS_PER_S) * NS_PER_S;
            if n.min_applies {
                billed = billed.max(MINUTE);
            }
            self.billed[n.bill_pool as usize] += (billed - ran) as u128;
        }
        n.run_start = NONE;
        n.bill_from = NONE;
    }

    fn alloc_node(&mut self, t: u64, state: NState) -> u32 {
        let i = match self.node_free.pop() {
            Some(i) => i,
            None => {
                self.nodes.push(Node::FREE);
                (self.nodes.len() - 1) as u32
            }
        };
        let epoch = self.nodes[i as usize].epoch.wrapping_add(1);
        self.nodes[i as usize] = Node {
            state,
            epoch,
            born: t,
            ..Node::FREE
        };
        i
    }

    fn alloc_req(&mut self) -> u32 {
        match self.req_free.pop() {
            Some(s) => s,
            None => {
                self.reqs.push(AReq::default());
                (self.reqs.len() - 1) as u32
            }
        }
    }

    fn free_req(&mut self, s: u32) {
        let r = &mut self.reqs[s as usize];
        r.epoch = r.epoch.wrapping_add(1);
        r.flags = 0;
        self.req_free.push(s);
    }
}

impl Asg {
    /// Puts the group in its initial state: `desired` instances in service, the warm pool
    /// full, the first metric period and the scheduled actions on the calendar.
    pub(crate) fn start(&mut self, g: &mut GroupCx<'_>) {
        let end = g.cx.end;
        for _ in 0..self.desired {
            let i = self.alloc_node(0, NState::Pending);
            self.n_pending += 1;
            self.start_running(i, 0, false);
            // Running before the simulation began: no minimum.
            self.nodes[i as usize].min_applies = false;
            g.alive(0, true);
            self.in_service(g, i, 0, true);
        }
        if let Some((_, _, state, _)) = self.pool {
            for _ in 0..self.pool_target() {
                let i = self.alloc_node(0, NState::Pooled);
                self.n_pooled += 1;
                self.pooled.push(i);
                if state == PoolState::Running {
                    self.start_running(i, 0, true);
                    self.nodes[i as usize].min_applies = false;
                }
            }
        }
        let a = self.id;
        if !self.policies.is_empty() && self.period < end {
            g.cx.q.schedule(
                self.period,
                Event::AsgTick {
                    a,
                    tick: Tick::PeriodEnd,
                },
            );
        }
        for (j, act) in self.schedule.iter().enumerate() {
            if act.at.0 < end {
                g.cx.q.schedule(
                    act.at.0,
                    Event::AsgTick {
                        a,
                        tick: Tick::Scheduled(j as u32),
                    },
                );
            }
        }
    }
}
