//! The EC2 Auto Scaling group platform: instances with request slots behind a load balancer
//! (least outstanding requests, then a FIFO queue with a length limit and a timeout), launch and
//! warm-pool start times, target tracking / step / simple / scheduled scaling on CloudWatch-style
//! datapoints, instance warmup and cooldowns, warm pools, health replacement and per-second
//! billing.
//!
//! Requests of a group do not go through the global event queue. Their completions wait in the
//! group's own timing wheel and are processed in time order whenever the group is looked at (an
//! arrival, a metric period, a sample boundary, any event of the group): [`Simulation::asg_advance`]
//! brings the group up to a time. Nothing a completion does in there reaches outside the group,
//! except a client's retry: when a workload with a retry policy sends to the group, every
//! completion and queue timeout gets a global `AsgSync` event at its time, so that the group is
//! never brought past the present and retries are scheduled from it. Arrivals of a workload
//! that sends to a group are handled in a row while they come before every pending event.

use super::{Event, NIL, Observer, Req, RequestRecord, Resources, SimError, Simulation, load_dist};
use crate::dist::Dist;
use crate::metrics::{AsgMetrics, Ec2Cost, Outcome};
use crate::retry::Failure;
use crate::rng::{SimRng, stream};
use crate::scenario::{
    AdjustmentType, AsgConfig, AsgMetric, AsgScheduledAction, Comparison, PolicyType, PoolState,
    ScalingPolicy, default_pool_start,
};
use crate::time::{NS_PER_S, Nanos};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

const NONE: u64 = u64::MAX;
const MINUTE: u64 = 60 * NS_PER_S;

const SLOTS: u64 = 4096;
const MASK: u64 = SLOTS - 1;

/// The group's pending completions, (time, request slot), popped in time order: a timing wheel
/// of 4,096 slots of 2^`shift` ns, each an unsorted vector, with a bitmap of the non-empty
/// ones, and a heap for completions beyond the wheel's reach. Times pushed are never before the
/// last time popped (a request ends after it starts), and slots are chosen to hold a few
/// completions each, so a push is a vector push and a pop a scan of a few entries.
pub(crate) struct Wheel {
    shift: u32,
    /// The current slot (absolute: time >> shift).
    cur: u64,
    slots: Vec<Vec<(u64, u32)>>,
    bits: [u64; (SLOTS / 64) as usize],
    /// Completions at least `SLOTS` slots ahead of `cur`.
    far: BinaryHeap<Reverse<(u64, u32)>>,
    len: usize,
    /// The earliest time, `u64::MAX` if empty.
    head: u64,
}

impl Wheel {
    /// A wheel of slots 2^`shift` ns wide.
    pub(crate) fn new(shift: u32) -> Wheel {
        Wheel {
            shift,
            cur: 0,
            slots: (0..SLOTS).map(|_| Vec::new()).collect(),
            bits: [0; (SLOTS / 64) as usize],
            far: BinaryHeap::new(),
            len: 0,
            head: NONE,
        }
    }

    /// The slot width for completions `gap` ns apart on average, `service` ns long on average:
    /// a few per slot, and a reach of several service times.
    pub(crate) fn shift_for(gap: f64, service: f64) -> u32 {
        let width = (2.0 * gap)
            .max(8.0 * service / SLOTS as f64)
            .clamp(1.0, 1e12);
        (width.log2().floor() as u32).min(40)
    }

    #[inline]
    pub(crate) fn push(&mut self, t: u64, v: u32) {
        let slot = t >> self.shift;
        debug_assert!(slot >= self.cur);
        if slot - self.cur < SLOTS {
            let i = (slot & MASK) as usize;
            self.slots[i].push((t, v));
            self.bits[i / 64] |= 1 << (i % 64);
        } else {
            self.far.push(Reverse((t, v)));
        }
        self.len += 1;
        if t < self.head {
            self.head = t;
        }
    }

    /// The earliest time, `u64::MAX` if empty.
    #[inline]
    pub(crate) fn min(&self) -> u64 {
        self.head
    }

    /// The first non-empty slot at or after `cur` within the wheel.
    #[inline]
    fn next_slot(&self) -> Option<u64> {
        let start = (self.cur & MASK) as usize;
        let words = self.bits.len();
        let (w0, b0) = (start / 64, start % 64);
        let first = self.bits[w0] & (!0u64 << b0);
        if first != 0 {
            let i = (w0 * 64 + first.trailing_zeros() as usize) as u64;
            return Some(self.cur + (i - start as u64));
        }
        for k in 1..=words {
            let w = (w0 + k) % words;
            let mut word = self.bits[w];
            if k == words {
                word &= (1u64 << b0).wrapping_sub(1);
            }
            if word != 0 {
                let i = (w * 64 + word.trailing_zeros() as usize) as u64;
                return Some(self.cur + ((i + SLOTS - start as u64) & MASK));
            }
        }
        None
    }

    /// Moves the wheel to `slot` and brings in the far completions now within reach.
    fn move_to(&mut self, slot: u64) {
        self.cur = slot;
        while let Some(&Reverse((t, v))) = self.far.peek() {
            let s = t >> self.shift;
            if s - self.cur >= SLOTS {
                break;
            }
            self.far.pop();
            let i = (s & MASK) as usize;
            self.slots[i].push((t, v));
            self.bits[i / 64] |= 1 << (i % 64);
        }
    }

    /// The earliest slot's index in `slots`, moving the wheel to it.
    #[inline]
    fn front(&mut self) -> Option<usize> {
        match self.next_slot() {
            Some(s) => {
                if s != self.cur {
                    self.move_to(s);
                }
                Some((s & MASK) as usize)
            }
            None => {
                let &Reverse((t, _)) = self.far.peek()?;
                self.move_to(t >> self.shift);
                Some((self.cur & MASK) as usize)
            }
        }
    }

    /// Removes an earliest completion.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<(u64, u32)> {
        let i = self.front()?;
        let v = &mut self.slots[i];
        let mut k = 0;
        for j in 1..v.len() {
            if v[j] < v[k] {
                k = j;
            }
        }
        let e = v.swap_remove(k);
        if v.is_empty() {
            self.bits[i / 64] &= !(1 << (i % 64));
        }
        self.len -= 1;
        // The new earliest, without moving the wheel: a completion pushed later may still fall
        // between the one just popped and the next slot in use.
        self.head = match self.next_slot() {
            Some(s) => self.slots[(s & MASK) as usize]
                .iter()
                .map(|e| e.0)
                .min()
                .unwrap_or(NONE),
            None => self.far.peek().map(|r| r.0.0).unwrap_or(NONE),
        };
        Some(e)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// Routable instances by outstanding requests: a bitmap per level, so that the least loaded
/// instance (the lowest index among them) is found by a short word scan.
struct Levels {
    /// Words per level; level `l` is `bits[l * words..(l + 1) * words]`.
    words: usize,
    bits: Vec<u64>,
    /// Per level, no word before this one is non-zero.
    hint: Vec<usize>,
    count: Vec<u32>,
    /// The lowest level with an instance (`count.len()` if none).
    lowest: u32,
}

impl Levels {
    fn new(levels: usize) -> Levels {
        Levels {
            words: 0,
            bits: Vec::new(),
            hint: vec![0; levels],
            count: vec![0; levels],
            lowest: levels as u32,
        }
    }

    /// Room for instance `i` (the layout is rebuilt when the group outgrows it).
    #[cold]
    fn grow(&mut self, i: u32) {
        let words = (i as usize / 64 + 1).next_power_of_two().max(4);
        let levels = self.count.len();
        let mut bits = vec![0; words * levels];
        for l in 0..levels {
            let old = &self.bits[l * self.words..(l + 1) * self.words];
            bits[l * words..l * words + self.words].copy_from_slice(old);
        }
        self.bits = bits;
        self.words = words;
    }

    #[inline]
    fn insert(&mut self, i: u32, level: u32) {
        let w = i as usize / 64;
        if w >= self.words {
            self.grow(i);
        }
        let l = level as usize;
        self.bits[l * self.words + w] |= 1 << (i % 64);
        if w < self.hint[l] {
            self.hint[l] = w;
        }
        self.count[l] += 1;
        if level < self.lowest {
            self.lowest = level;
        }
    }

    #[inline]
    fn remove(&mut self, i: u32, level: u32) {
        let l = level as usize;
        self.bits[l * self.words + i as usize / 64] &= !(1 << (i % 64));
        self.count[l] -= 1;
        if level == self.lowest && self.count[l] == 0 {
            self.lowest = (level + 1..self.count.len() as u32)
                .find(|&k| self.count[k as usize] > 0)
                .unwrap_or(self.count.len() as u32);
        }
    }

    /// The lowest-numbered instance at `level` (which must have one).
    #[inline]
    fn first(&mut self, level: u32) -> u32 {
        let l = level as usize;
        let row = &self.bits[l * self.words..(l + 1) * self.words];
        let mut w = self.hint[l];
        while row[w] == 0 {
            w += 1;
        }
        self.hint[l] = w;
        (w * 64 + row[w].trailing_zeros() as usize) as u32
    }
}

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

pub(crate) struct Asg {
    pub(crate) f: u32,
    /// A workload with a client retry policy sends to the group: every completion and queue
    /// timeout gets a global `AsgSync` event, so that the group is never brought up to a time
    /// later than the present, and retries are scheduled from the moment an attempt ends.
    eager: bool,
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

impl Asg {
    pub(crate) fn new(
        f: u32,
        cfg: &AsgConfig,
        shift: u32,
        timeout: u64,
        seed: u64,
        res: &dyn Resources,
        key: &str,
    ) -> Result<Asg, SimError> {
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
            horizon: 0,
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
            measure_from: 0,
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

impl Simulation {
    /// Builds the groups of the scenario's `asg` functions (called by `Simulation::new`).
    pub(crate) fn asg_prepare(
        &mut self,
        scenario: &crate::Scenario,
        res: &dyn Resources,
    ) -> Result<(), SimError> {
        for (f, func) in scenario.functions.iter().enumerate() {
            let (crate::scenario::Platform::Asg, Some(cfg)) = (func.platform, &func.asg) else {
                continue;
            };
            let key = format!("functions.{}.asg", func.name);
            // Completions come about as often as arrivals.
            let rate: f64 = scenario
                .workloads
                .iter()
                .filter(|w| w.function == func.name)
                .map(|w| w.arrivals.rate.unwrap_or(1000.0))
                .sum();
            let shift = Wheel::shift_for(1e9 / rate.max(1e-3), self.funcs[f].duration.mean());
            let asg = Asg::new(f as u32, cfg, shift, func.timeout.0, self.seed, res, &key)?;
            let mut asg = asg;
            asg.measure_from = self.warmup;
            asg.horizon = self.end;
            self.funcs[f].asg = self.asgs.len() as u32;
            self.asgs.push(asg);
        }
        for w in &mut self.workloads {
            w.asg = self.funcs[w.function as usize].asg;
            if w.asg != NIL && w.retry.is_some() {
                self.asgs[w.asg as usize].eager = true;
            }
        }
        Ok(())
    }

    /// Puts every group in its initial state: `desired` instances in service, the warm pool
    /// full, the first metric period and the scheduled actions on the calendar.
    pub(crate) fn asg_start(&mut self) {
        let end = self.end;
        for a in 0..self.asgs.len() as u32 {
            let asg = &mut self.asgs[a as usize];
            let f = asg.f as usize;
            for _ in 0..asg.desired {
                let asg = &mut self.asgs[a as usize];
                let i = asg.alloc_node(0, NState::Pending);
                asg.n_pending += 1;
                asg.start_running(i, 0, false);
                // Running before the simulation began: no minimum.
                asg.nodes[i as usize].min_applies = false;
                self.group_alive(f as u32, 0, true);
                self.asg_in_service(a, i, 0, true);
            }
            let asg = &mut self.asgs[a as usize];
            if let Some((_, _, state, _)) = asg.pool {
                for _ in 0..asg.pool_target() {
                    let i = asg.alloc_node(0, NState::Pooled);
                    asg.n_pooled += 1;
                    asg.pooled.push(i);
                    if state == PoolState::Running {
                        asg.start_running(i, 0, true);
                        asg.nodes[i as usize].min_applies = false;
                    }
                }
            }
            let asg = &self.asgs[a as usize];
            if !asg.policies.is_empty() && asg.period < end {
                let p = asg.period;
                self.q.schedule(p, Event::AsgTick { a, kind: 0 });
            }
            for (j, act) in asg.schedule.iter().enumerate() {
                if act.at.0 < end {
                    self.q.schedule(
                        act.at.0,
                        Event::AsgTick {
                            a,
                            kind: 2 + j as u32,
                        },
                    );
                }
            }
        }
    }

    /// Arrivals of workload `w`, which sends to a group: this one at `now`, and the following
    /// ones while they come before every pending event.
    pub(crate) fn asg_arrivals(
        &mut self,
        w: u32,
        mut now: u64,
        obs: &mut dyn Observer,
    ) -> Result<(), SimError> {
        let mut queued = usize::MAX;
        let mut limit = 0;
        loop {
            let next = self.workloads[w as usize].source.next_arrival()?;
            self.asg_new_request(w, now, crate::trace::NO_DURATION, obs);
            match next {
                Some(t) if t < self.workloads[w as usize].until => {
                    if self.q.len() != queued {
                        queued = self.q.len();
                        limit = self
                            .q
                            .peek_time()
                            .unwrap_or(u64::MAX)
                            .min(self.next_boundary());
                    }
                    if t < limit {
                        now = t;
                        continue;
                    }
                    self.q.schedule(t, Event::Arrival(w));
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
    }

    #[inline]
    pub(crate) fn asg_new_request(&mut self, w: u32, now: u64, given: u64, obs: &mut dyn Observer) {
        let wl = &mut self.workloads[w as usize];
        let f = wl.function;
        let func = &mut self.funcs[f as usize];
        let id = self.next_req;
        self.next_req += 1;
        let measured = now >= self.warmup;
        func.requests += measured as u64;
        func.bin_arrivals += 1;
        let service = if given != crate::trace::NO_DURATION {
            given
        } else {
            func.duration.sample(&mut wl.service)
        };
        let req = Req {
            id,
            first: now,
            w,
            attempt: 1,
            measured,
            retry: wl.retry.is_some(),
            ..Req::default()
        };
        let a = wl.asg;
        self.asg_attempt(a, req, now, service, obs);
    }

    /// A client's retry of a request to group `a`.
    pub(crate) fn asg_retry(&mut self, req: Req, now: u64, obs: &mut dyn Observer) {
        let wl = &mut self.workloads[req.w as usize];
        let func = &mut self.funcs[wl.function as usize];
        func.bin.retries += 1;
        let service = func.duration.sample(&mut wl.redo);
        let a = wl.asg;
        self.asg_attempt(a, req, now, service, obs);
    }

    /// One attempt of `req` at group `a`'s load balancer at `now`.
    #[inline]
    fn asg_attempt(&mut self, a: u32, req: Req, now: u64, service: u64, obs: &mut dyn Observer) {
        self.asg_advance(a, now, obs);
        let asg = &mut self.asgs[a as usize];
        let f = asg.f;
        if req.measured {
            self.funcs[f as usize].attempts += 1;
        }
        let room = asg.levels.lowest < asg.slots;
        if asg.routable == 0 || (!room && asg.queue.len() >= asg.qmax) {
            // No healthy target, or the queue is full: 503.
            self.funcs[f as usize].bin.throttles += 1;
            self.asg_failed(f, req, Failure::Throttle, now);
            if self.want_requests {
                self.rejected_record(f, &req, false, Outcome::Throttled, now, obs);
            }
            return;
        }
        let s = asg.alloc_req();
        asg.reqs[s as usize] = AReq {
            id: req.id,
            first: req.first,
            arrival: now,
            service,
            start: 0,
            inst: NIL,
            w: req.w,
            epoch: asg.reqs[s as usize].epoch,
            attempt: req.attempt,
            flags: if req.measured { MEAS } else { 0 } | if req.retry { RETRY } else { 0 },
        };
        if req.retry {
            if asg.ctx.len() <= s as usize {
                asg.ctx.resize(s as usize + 1, Req::default());
            }
            asg.ctx[s as usize] = req;
        }
        if room {
            let i = asg.levels.first(asg.levels.lowest);
            self.asg_run(a, s, i, now);
        } else {
            asg.queue_advance(now);
            asg.queue.push_back(s);
            asg.max_queue = asg.max_queue.max(asg.queue.len() as u64);
            if asg.eager {
                // Its timeout in the queue is handled at its time.
                let at = now + asg.qwait;
                if at < self.end {
                    self.q.schedule(at, Event::AsgSync(a));
                }
            }
        }
    }

    /// Starts request slot `s` on instance `i` at `t` (`t` may be before the current event's
    /// time: a queued request taking a slot freed by a completion).
    #[inline(always)]
    fn asg_run(&mut self, a: u32, s: u32, i: u32, t: u64) {
        let asg = &mut self.asgs[a as usize];
        let f = asg.f as usize;
        let func = &mut self.funcs[f];
        let r = &mut asg.reqs[s as usize];
        r.inst = i;
        r.start = t;
        r.flags |= STARTED;
        let mut service = r.service;
        if func.lat_mul != 1.0 || func.lat_add != 0 {
            service = ((service as f64 * func.lat_mul) as u64).saturating_add(func.lat_add);
        }
        if func.error_p > 0.0 {
            let fault = &mut self.workloads[r.w as usize].fault;
            if fault.uniform() < func.error_p {
                r.flags |= ERR;
                service = (service as f64 * fault.uniform()) as u64;
            }
        }
        let wait = t - r.arrival;
        let done = t + service;
        let measured = r.flags & MEAS != 0;
        let retry = r.flags & RETRY != 0;
        let (epoch, arrival) = (r.epoch, r.arrival);
        if retry && done - arrival > asg.timeout {
            r.flags |= LATE;
        }
        asg.heap.push(done, s);
        if asg.add_outstanding(i, t, true) > 0 {
            func.advance(t);
            func.busy += 1;
            self.busy_total += 1;
            if self.measuring {
                func.peak_busy = func.peak_busy.max(func.busy);
                self.peak_busy = self.peak_busy.max(self.busy_total);
            }
        }
        asg.period_started += 1;
        asg.bin.started += 1;
        func.started += measured as u64;
        if wait > 0 {
            asg.bin.wait_ns += wait as u128;
            asg.bin.queued += 1;
            if measured {
                asg.tally.wait_ns += wait as u128;
                asg.tally.queued += 1;
            }
        }
        if asg.eager {
            // The request's end is handled at its time, so that a retry starts from then.
            if retry && asg.reqs[s as usize].flags & LATE != 0 {
                let at = arrival + asg.timeout;
                self.q.schedule(at, Event::AsgTimeout { a, slot: s, epoch });
            }
            if done < self.end {
                self.q.schedule(done, Event::AsgSync(a));
            }
        }
    }

    /// Brings group `a` up to `t`: completes the requests ending by then and times out the
    /// queued requests that waited too long, in time order.
    #[inline]
    pub(crate) fn asg_advance(&mut self, a: u32, t: u64, obs: &mut dyn Observer) {
        loop {
            let asg = &self.asgs[a as usize];
            let done = asg.heap.min();
            let expires = match asg.queue.front() {
                Some(&s) => asg.reqs[s as usize].arrival + asg.qwait,
                None => NONE,
            };
            if done > t && expires > t {
                return;
            }
            if expires < done {
                self.asg_expire_queued(a, expires, obs);
            } else {
                self.asg_complete(a, obs);
            }
        }
    }

    /// The request at the head of the queue waited its longest: 504.
    #[cold]
    fn asg_expire_queued(&mut self, a: u32, t: u64, obs: &mut dyn Observer) {
        let asg = &mut self.asgs[a as usize];
        asg.queue_advance(t);
        let s = asg.queue.pop_front().expect("a queued request");
        self.asg_ended(a, s, Outcome::TimedOut, Some(Failure::Timeout), t, obs);
        self.asgs[a as usize].free_req(s);
    }

    /// Attempt `s` of group `a` ended at `t` with `outcome` (`failure` unless it succeeded):
    /// its record, and the client's retry or the request's final outcome.
    fn asg_ended(
        &mut self,
        a: u32,
        s: u32,
        outcome: Outcome,
        failure: Option<Failure>,
        t: u64,
        obs: &mut dyn Observer,
    ) {
        let r = self.asgs[a as usize].reqs[s as usize];
        let f = self.asgs[a as usize].f;
        if failure.is_some() {
            self.funcs[f as usize].bin.errors += 1;
        }
        if self.want_requests {
            obs.request(&RequestRecord {
                id: r.id,
                function: f,
                arrival: Nanos(r.arrival),
                start: (r.flags & STARTED != 0).then_some(Nanos(r.start)),
                end: Some(Nanos(t)),
                cold: false,
                outcome,
                attempt: r.attempt,
                measured: r.flags & MEAS != 0,
            });
        }
        let req = self.asg_req(a, s);
        match failure {
            Some(kind) => self.asg_failed(f, req, kind, t),
            None if req.retry => self.retry_succeeded(req),
            None => {}
        }
    }

    /// The retry context of slot `s`.
    fn asg_req(&self, a: u32, s: u32) -> Req {
        let asg = &self.asgs[a as usize];
        let r = asg.reqs[s as usize];
        if r.flags & RETRY != 0 {
            asg.ctx[s as usize]
        } else {
            Req {
                id: r.id,
                first: r.first,
                w: r.w,
                attempt: r.attempt,
                measured: r.flags & MEAS != 0,
                ..Req::default()
            }
        }
    }

    /// An attempt failed with `kind` at `now`: the client retries, or the request ends.
    fn asg_failed(&mut self, f: u32, req: Req, kind: Failure, now: u64) {
        if req.retry {
            self.attempt_failed(f, req, kind, now);
        } else if req.measured {
            let o = &mut self.funcs[f as usize].counted.outcomes;
            match kind {
                Failure::Throttle => o.throttled += 1,
                Failure::Error | Failure::ServiceError => o.failed += 1,
                Failure::Timeout => o.timed_out += 1,
            }
        }
    }

    /// The earliest completion of group `a`.
    #[inline(always)]
    fn asg_complete(&mut self, a: u32, obs: &mut dyn Observer) {
        let asg = &mut self.asgs[a as usize];
        let (t, s) = asg.heap.pop().expect("a completion");
        let r = asg.reqs[s as usize];
        if r.flags & DEAD != 0 {
            asg.free_req(s);
            return;
        }
        let i = r.inst;
        let f = asg.f;
        let func = &mut self.funcs[f as usize];
        if asg.add_outstanding(i, t, false) < 0 {
            func.advance(t);
            func.busy -= 1;
            self.busy_total -= 1;
        }
        let measured = r.flags & MEAS != 0;
        let outcome = if r.flags & LATE != 0 {
            // The client timed out earlier (reported then); the instance finished only now.
            None
        } else if r.flags & ERR != 0 {
            Some((Outcome::Failed, Some(Failure::Error)))
        } else if t - r.arrival > asg.timeout {
            Some((Outcome::TimedOut, Some(Failure::Timeout)))
        } else {
            func.bin_succeeded += 1;
            func.record_latency(t - r.first, measured);
            func.succeeded += measured as u64;
            if !self.want_requests && r.flags & RETRY == 0 {
                // The common case: nothing else to report.
                None
            } else {
                Some((Outcome::Succeeded, None))
            }
        };
        if let Some((outcome, failure)) = outcome {
            self.asg_ended(a, s, outcome, failure, t, obs);
        }
        let asg = &mut self.asgs[a as usize];
        asg.free_req(s);
        let n = &asg.nodes[i as usize];
        if n.routable {
            if let Some(&next) = asg.queue.front() {
                asg.queue_advance(t);
                asg.queue.pop_front();
                self.asg_run(a, next, i, t);
            }
        } else if n.state == NState::Terminating && n.outstanding == 0 {
            self.asg_terminated(a, i, t);
        }
    }

    /// Instance `i` enters service at `now` and takes queued requests.
    fn asg_in_service(&mut self, a: u32, i: u32, now: u64, initial: bool) {
        let asg = &mut self.asgs[a as usize];
        asg.touch(now);
        let f = asg.f as usize;
        let n = &mut asg.nodes[i as usize];
        n.state = NState::InService;
        n.in_service_at = now;
        n.busy_int = 0;
        n.warm_at = if initial { 0 } else { now + asg.warmup };
        n.healthy_at = if initial { 0 } else { now + asg.grace };
        let (epoch, born) = (n.epoch, n.born);
        asg.n_pending -= 1;
        asg.n_in_service += 1;
        asg.max_in_service = asg.max_in_service.max(asg.n_in_service);
        asg.make_routable(i);
        if !initial {
            asg.last_activity = now;
        }
        if asg.mtbf > 0.0 {
            let at = now + (-asg.rng.uniform_open0().ln() * asg.mtbf) as u64;
            self.asg_inst_at(at, a, i, epoch, InstEv::Crash);
        }
        let asg = &self.asgs[a as usize];
        if asg.lifetime != NONE {
            let at = born.saturating_add(asg.lifetime).max(now);
            self.asg_inst_at(at, a, i, epoch, InstEv::Lifetime);
        }
        let _ = f;
        // Queued requests go to it.
        while let Some(&s) = self.asgs[a as usize].queue.front() {
            let asg = &mut self.asgs[a as usize];
            if asg.nodes[i as usize].outstanding >= asg.slots {
                break;
            }
            asg.queue_advance(now);
            asg.queue.pop_front();
            self.asg_run(a, s, i, now);
        }
    }

    /// Instance `i` leaves the group at `t` (drained, deregistered, failed or cancelled): it
    /// returns to the warm pool if the pool takes instances back, else it is terminated.
    fn asg_terminated(&mut self, a: u32, i: u32, t: u64) {
        let asg = &mut self.asgs[a as usize];
        asg.touch(t);
        let f = asg.f as usize;
        let n = asg.nodes[i as usize];
        match n.state {
            NState::Pending => asg.n_pending -= 1,
            NState::InService => asg.n_in_service -= 1,
            NState::Terminating => asg.n_terminating -= 1,
            NState::Crashed => asg.n_crashed -= 1,
            NState::PoolWarming => asg.n_warming -= 1,
            NState::Pooled => {
                asg.n_pooled -= 1;
                asg.pooled.retain(|&p| p != i);
            }
            NState::Free => unreachable!("a live instance"),
        }
        let in_group = !matches!(n.state, NState::PoolWarming | NState::Pooled);
        asg.make_unroutable(i);
        asg.last_activity = t;
        let back_to_pool =
            in_group && n.state != NState::Crashed && matches!(asg.pool, Some((_, _, _, true)));
        if back_to_pool {
            let state = asg.pool.expect("a warm pool").2;
            let node = &mut asg.nodes[i as usize];
            node.state = NState::Pooled;
            node.epoch = node.epoch.wrapping_add(1);
            asg.n_pooled += 1;
            asg.pooled.push(i);
            if state == PoolState::Running {
                asg.bill_part(i, t, true);
            } else {
                asg.stop_running(i, t);
            }
        } else {
            asg.stop_running(i, t);
            asg.terminations += 1;
            let node = &mut asg.nodes[i as usize];
            node.state = NState::Free;
            node.epoch = node.epoch.wrapping_add(1);
            asg.node_free.push(i);
        }
        if in_group {
            self.group_alive(f as u32, t, false);
        }
    }

    /// Launches an instance at `now`, into the group or into the warm pool.
    fn asg_launch(&mut self, a: u32, now: u64, into_pool: bool) {
        let asg = &mut self.asgs[a as usize];
        asg.touch(now);
        let state = if into_pool {
            NState::PoolWarming
        } else {
            NState::Pending
        };
        let i = asg.alloc_node(now, state);
        asg.start_running(i, now, into_pool);
        let at = now + asg.launch.sample(&mut asg.rng);
        let epoch = asg.nodes[i as usize].epoch;
        if into_pool {
            asg.n_warming += 1;
        } else {
            asg.n_pending += 1;
            asg.launches += 1;
            let f = asg.f;
            self.group_alive(f, now, true);
        }
        let kind = if into_pool {
            InstEv::PoolReady
        } else {
            InstEv::Ready
        };
        self.asg_inst_at(at, a, i, epoch, kind);
    }

    /// One more (`up`) or one fewer instance running in function `f`'s group at `t`.
    fn group_alive(&mut self, f: u32, t: u64, up: bool) {
        let func = &mut self.funcs[f as usize];
        func.advance(t);
        if up {
            func.alive += 1;
            self.alive_total += 1;
            func.counted.peak_alive = func.counted.peak_alive.max(func.alive);
            self.peak_alive = self.peak_alive.max(self.alive_total);
        } else {
            func.alive -= 1;
            self.alive_total -= 1;
        }
    }

    /// Starts pooled instance `i` toward InService at `now`.
    fn asg_warm_start(&mut self, a: u32, i: u32, now: u64) {
        let asg = &mut self.asgs[a as usize];
        asg.touch(now);
        asg.n_pooled -= 1;
        asg.n_pending += 1;
        asg.warm_starts += 1;
        let running = matches!(asg.pool, Some((_, _, PoolState::Running, _)));
        if running {
            asg.bill_part(i, now, false);
        } else {
            asg.start_running(i, now, false);
        }
        let n = &mut asg.nodes[i as usize];
        n.state = NState::Pending;
        n.epoch = n.epoch.wrapping_add(1);
        let epoch = n.epoch;
        let at = now + asg.pool_start.sample(&mut asg.rng);
        let f = asg.f;
        self.group_alive(f, now, true);
        self.asg_inst_at(at, a, i, epoch, InstEv::Ready);
    }

    /// Takes instance `i` out of service at `now`: it finishes its requests (up to the
    /// deregistration delay) and terminates.
    fn asg_begin_terminate(&mut self, a: u32, i: u32, now: u64) {
        let asg = &mut self.asgs[a as usize];
        let n = asg.nodes[i as usize];
        if n.state != NState::InService || n.outstanding == 0 {
            self.asg_terminated(a, i, now);
            return;
        }
        asg.touch(now);
        asg.make_unroutable(i);
        asg.n_in_service -= 1;
        asg.n_terminating += 1;
        let node = &mut asg.nodes[i as usize];
        node.state = NState::Terminating;
        node.epoch = node.epoch.wrapping_add(1);
        let epoch = node.epoch;
        let at = now + asg.dereg;
        self.asg_inst_at(at, a, i, epoch, InstEv::Dereg);
    }

    /// The requests running on instance `i` fail at `now` (the instance failed or was cut off).
    fn asg_fail_running(&mut self, a: u32, i: u32, now: u64, obs: &mut dyn Observer) {
        let f = self.asgs[a as usize].f;
        for s in 0..self.asgs[a as usize].reqs.len() as u32 {
            let r = self.asgs[a as usize].reqs[s as usize];
            if r.flags & STARTED == 0 || r.flags & DEAD != 0 || r.inst != i {
                continue;
            }
            let asg = &mut self.asgs[a as usize];
            asg.reqs[s as usize].flags |= DEAD;
            if asg.add_outstanding(i, now, false) < 0 {
                let func = &mut self.funcs[f as usize];
                func.advance(now);
                func.busy -= 1;
                self.busy_total -= 1;
            }
            if r.flags & LATE != 0 && r.arrival + asg.timeout <= now {
                // Its client already timed out.
                continue;
            }
            self.asg_ended(a, s, Outcome::Failed, Some(Failure::Error), now, obs);
        }
    }

    /// Instance `i` fails at `now`: its requests fail, the load balancer stops sending it
    /// requests, and the health check replaces it once its grace period is over.
    fn asg_crash(&mut self, a: u32, i: u32, now: u64, obs: &mut dyn Observer) {
        self.asg_fail_running(a, i, now, obs);
        let f = self.asgs[a as usize].f;
        let asg = &mut self.asgs[a as usize];
        asg.touch(now);
        asg.make_unroutable(i);
        asg.n_in_service -= 1;
        asg.n_crashed += 1;
        let node = &mut asg.nodes[i as usize];
        node.state = NState::Crashed;
        node.epoch = node.epoch.wrapping_add(1);
        let (epoch, healthy_at) = (node.epoch, node.healthy_at);
        if self.measuring {
            self.funcs[f as usize].counted.crashes += 1;
        }
        let at = now.max(healthy_at);
        self.asg_inst_at(at, a, i, epoch, InstEv::Detect);
    }

    /// Schedules event `kind` of instance `inst` of group `a` at `at`, if within the run.
    fn asg_inst_at(&mut self, at: u64, a: u32, inst: u32, epoch: u32, kind: InstEv) {
        if at < self.end {
            self.q.schedule(
                at,
                Event::AsgInst {
                    a,
                    inst,
                    epoch,
                    kind,
                },
            );
        }
    }

    /// An event of instance `inst` of group `a`.
    pub(crate) fn on_asg_inst(
        &mut self,
        a: u32,
        inst: u32,
        epoch: u32,
        kind: InstEv,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        self.asg_advance(a, now, obs);
        let n = self.asgs[a as usize].nodes[inst as usize];
        if n.epoch != epoch {
            return;
        }
        match kind {
            InstEv::Ready if n.state == NState::Pending => self.asg_in_service(a, inst, now, false),
            InstEv::PoolReady if n.state == NState::PoolWarming => {
                let asg = &mut self.asgs[a as usize];
                asg.touch(now);
                asg.n_warming -= 1;
                asg.n_pooled += 1;
                asg.pooled.push(inst);
                asg.nodes[inst as usize].state = NState::Pooled;
                if !matches!(asg.pool, Some((_, _, PoolState::Running, _))) {
                    asg.stop_running(inst, now);
                }
            }
            InstEv::Dereg if n.state == NState::Terminating => {
                self.asg_fail_running(a, inst, now, obs);
                self.asg_terminated(a, inst, now);
            }
            InstEv::Crash if n.state == NState::InService => self.asg_crash(a, inst, now, obs),
            InstEv::Detect if n.state == NState::Crashed => {
                self.asgs[a as usize].replacements += 1;
                self.asg_terminated(a, inst, now);
                self.asg_reconcile(a, now);
            }
            InstEv::Lifetime if n.state == NState::InService => {
                self.asgs[a as usize].replacements += 1;
                self.asg_begin_terminate(a, inst, now);
                self.asg_reconcile(a, now);
            }
            _ => {}
        }
    }

    /// Launches or terminates instances until the group's capacity is its desired capacity,
    /// then brings the warm pool to its size.
    fn asg_reconcile(&mut self, a: u32, now: u64) {
        let asg = &self.asgs[a as usize];
        let (cap, desired) = (asg.capacity(), asg.desired);
        if desired > cap {
            for _ in 0..desired - cap {
                match self.asgs[a as usize].pooled.pop() {
                    Some(i) => self.asg_warm_start(a, i, now),
                    None => self.asg_launch(a, now, false),
                }
            }
        } else if desired < cap {
            for i in self.asg_victims(a, (cap - desired) as usize, now) {
                self.asg_begin_terminate(a, i, now);
            }
        }
        self.asg_fill_pool(a, now);
    }

    /// Which instances a scale-in terminates: pending launches first, then in-service
    /// instances closest to their next instance-hour, then the lowest index (AWS's default
    /// termination policy within one zone).
    fn asg_victims(&self, a: u32, k: usize, now: u64) -> Vec<u32> {
        let asg = &self.asgs[a as usize];
        let mut c: Vec<(u8, u64, u32)> = asg
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match n.state {
                NState::Pending => Some((0, 0, i as u32)),
                NState::Crashed => Some((1, 0, i as u32)),
                NState::InService => {
                    let into_hour = (now - n.born) % (3600 * NS_PER_S);
                    Some((2, u64::MAX - into_hour, i as u32))
                }
                _ => None,
            })
            .collect();
        c.sort_unstable();
        c.into_iter().take(k).map(|(_, _, i)| i).collect()
    }

    /// Launches instances into the warm pool, or terminates pooled ones, to its size.
    fn asg_fill_pool(&mut self, a: u32, now: u64) {
        let asg = &self.asgs[a as usize];
        if asg.pool.is_none() {
            return;
        }
        let (have, want) = (asg.n_pooled + asg.n_warming, asg.pool_target());
        if have < want {
            for _ in 0..want - have {
                self.asg_launch(a, now, true);
            }
        } else if have > want {
            for _ in 0..have - want {
                let asg = &self.asgs[a as usize];
                let i = match asg.pooled.last() {
                    Some(&i) => i,
                    None => match asg
                        .nodes
                        .iter()
                        .position(|n| n.state == NState::PoolWarming)
                    {
                        Some(i) => i as u32,
                        None => break,
                    },
                };
                self.asg_terminated(a, i, now);
            }
        }
    }

    /// Sets group `a`'s desired capacity (a scaling activity) and acts on it.
    fn asg_set_desired(&mut self, a: u32, to: u32, now: u64, why: &str, obs: &mut dyn Observer) {
        let asg = &mut self.asgs[a as usize];
        let to = to.clamp(asg.min, asg.max);
        if to != asg.desired {
            obs.scaling(Nanos(now), asg.f, asg.desired, to, why);
            asg.desired = to;
            asg.bin.activities += 1;
            if self.measuring {
                asg.tally.activities += 1;
            }
        }
        self.asg_reconcile(a, now);
    }

    /// A metric period ends (`kind` 0), a delayed datapoint reaches the alarms (1), or
    /// scheduled action `kind - 2` runs.
    pub(crate) fn on_asg_tick(&mut self, a: u32, kind: u32, now: u64, obs: &mut dyn Observer) {
        self.asg_advance(a, now, obs);
        match kind {
            0 => {
                let dp = self.asg_datapoint(a, now);
                let asg = &mut self.asgs[a as usize];
                if now + asg.period < self.end {
                    let at = now + asg.period;
                    self.q.schedule(at, Event::AsgTick { a, kind: 0 });
                }
                if asg.delay == 0 {
                    self.asg_evaluate(a, dp, now, obs);
                } else {
                    asg.datapoints.push_back(dp);
                    let at = now + asg.delay;
                    if at < self.end {
                        self.q.schedule(at, Event::AsgTick { a, kind: 1 });
                    }
                }
                self.asg_fill_pool(a, now);
            }
            1 => {
                if let Some(dp) = self.asgs[a as usize].datapoints.pop_front() {
                    self.asg_evaluate(a, dp, now, obs);
                }
            }
            _ => {
                let j = (kind - 2) as usize;
                let act = self.asgs[a as usize].schedule[j].clone();
                let asg = &mut self.asgs[a as usize];
                asg.min = act.min.unwrap_or(asg.min);
                asg.max = act.max.unwrap_or(asg.max).max(asg.min);
                let to = act.desired.unwrap_or(asg.desired);
                if let Some(e) = act.every
                    && now + e.0 < self.end
                {
                    self.q.schedule(now + e.0, Event::AsgTick { a, kind });
                }
                self.asg_set_desired(a, to, now, "scheduled", obs);
            }
        }
    }

    /// The datapoints of the metric period ending at `now`.
    fn asg_datapoint(&mut self, a: u32, now: u64) -> Datapoint {
        let asg = &mut self.asgs[a as usize];
        asg.touch(now);
        asg.queue_advance(now);
        let from = now.saturating_sub(asg.period);
        let (mut sum, mut counted, mut warming) = (0.0, 0u32, asg.n_pending);
        let slots = asg.slots as f64;
        for n in asg.nodes.iter_mut() {
            if n.state != NState::InService {
                continue;
            }
            if n.warm_at > now {
                warming += 1;
            } else {
                let span = now - from.max(n.in_service_at);
                if span > 0 {
                    sum += n.busy_int as f64 / (slots * span as f64);
                    counted += 1;
                }
            }
            // The requests running now, as running to the end of the next period.
            n.busy_int = (n.outstanding as u64 * asg.period) as i64;
        }
        asg.period_end = now + asg.period;
        let dp = Datapoint {
            cpu: (counted > 0).then(|| (100.0 * sum / counted as f64, counted)),
            per_target: (asg.n_in_service > 0).then(|| {
                (
                    asg.period_started as f64 / asg.n_in_service as f64,
                    asg.n_in_service,
                )
            }),
            queue: (asg.int.queue - asg.period_queue0) as f64 / (now - from).max(1) as f64,
            in_service: asg.n_in_service,
            warming,
        };
        asg.period_started = 0;
        asg.period_queue0 = asg.int.queue;
        dp
    }

    /// The policies look at datapoint `dp`: scale out if any policy asks for it, scale in only
    /// if every target tracking policy agrees and no instance is pending or warming up; the
    /// largest capacity asked for wins.
    fn asg_evaluate(&mut self, a: u32, dp: Datapoint, now: u64, obs: &mut dyn Observer) {
        let asg = &mut self.asgs[a as usize];
        let desired = asg.desired;
        let mut out: Option<(u32, usize)> = None;
        let mut inn: Option<(u32, usize)> = None;
        let mut tt_total = 0;
        let mut tt_in = 0;
        let idle = asg.n_pending == 0;
        for (pi, p) in asg.policies.iter_mut().enumerate() {
            let c = &p.cfg;
            let datapoint = match c.metric {
                AsgMetric::Cpu => dp.cpu,
                AsgMetric::RequestsPerTarget => dp.per_target,
                AsgMetric::QueueLength => Some((dp.queue, dp.in_service.max(1))),
            };
            let Some((value, n)) = datapoint else {
                // INSUFFICIENT_DATA: no action.
                p.high = 0;
                p.low = 0;
                if c.kind == PolicyType::TargetTracking {
                    tt_total += !c.disable_scale_in as u32;
                }
                continue;
            };
            let propose = |to: u32, slot: &mut Option<(u32, usize)>| {
                if slot.is_none_or(|(v, _)| to > v) {
                    *slot = Some((to, pi));
                }
            };
            match c.kind {
                PolicyType::TargetTracking => {
                    // A policy with scale-in disabled leaves scale-in to the others.
                    tt_total += !c.disable_scale_in as u32;
                    let target = c.target.expect("validated");
                    p.high = if value > target { p.high + 1 } else { 0 };
                    p.low = if value < c.scale_in_ratio * target {
                        p.low + 1
                    } else {
                        0
                    };
                    // Capacity in proportion to the load, rounded up (+1.5 → +2, −1.5 → −1).
                    let need = (n as f64 * value / target).ceil().min(1e9) as u32;
                    if p.high >= c.scale_out_datapoints && need > desired {
                        propose(need, &mut out);
                    } else if p.low >= c.scale_in_datapoints
                        && !c.disable_scale_in
                        && need < desired
                    {
                        tt_in += 1;
                        propose(need, &mut inn);
                    }
                }
                PolicyType::Step | PolicyType::Simple => {
                    let th = c.threshold.expect("validated");
                    let breach = match c.comparison.expect("validated") {
                        Comparison::Above => value > th,
                        Comparison::Below => value < th,
                    };
                    p.high = if breach { p.high + 1 } else { 0 };
                    if p.high < c.datapoints {
                        continue;
                    }
                    let adj = if c.kind == PolicyType::Step {
                        let diff = value - th;
                        match c.steps.iter().find(|s| {
                            s.lower.is_none_or(|l| diff >= l) && s.upper.is_none_or(|u| diff < u)
                        }) {
                            Some(s) => s.adjustment,
                            None => continue,
                        }
                    } else {
                        if !(idle && now >= asg.last_activity + c.cooldown.0) {
                            continue;
                        }
                        c.adjustment.expect("validated")
                    };
                    // Instances still warming count toward the new capacity: a step scale-out
                    // starts from the warm ones.
                    let warm = dp.in_service.saturating_sub(dp.warming);
                    let base = if adj > 0 && c.kind == PolicyType::Step {
                        warm.min(desired) as i64
                    } else {
                        desired as i64
                    };
                    let to = match c.adjustment_type {
                        AdjustmentType::ChangeInCapacity => base + adj,
                        AdjustmentType::ExactCapacity => adj,
                        AdjustmentType::PercentChangeInCapacity => {
                            let raw = base as f64 * adj as f64 / 100.0;
                            // Between −1 and 1: ±1; beyond: toward zero.
                            let mut d = if raw.abs() < 1.0 && raw != 0.0 {
                                raw.signum()
                            } else {
                                raw.trunc()
                            } as i64;
                            if let Some(m) = c.min_adjustment_magnitude
                                && d.unsigned_abs() < m as u64
                                && d != 0
                            {
                                d = d.signum() * m as i64;
                            }
                            base + d
                        }
                    }
                    .clamp(0, u32::MAX as i64) as u32;
                    if to > desired {
                        propose(to, &mut out);
                    } else if to < desired {
                        propose(to, &mut inn);
                    }
                }
            }
        }
        let blocked = dp.warming > 0 || asg.n_pending > 0;
        if let Some((to, pi)) = out {
            let why = asg.policies[pi].name.clone();
            self.asg_set_desired(a, to, now, &why, obs);
        } else if let Some((to, pi)) = inn
            && !blocked
            && (tt_total == 0 || tt_in == tt_total)
        {
            let why = asg.policies[pi].name.clone();
            self.asg_set_desired(a, to, now, &why, obs);
        }
    }

    /// A zone outage: each in-service instance of group `a` fails with probability `lost`.
    pub(crate) fn asg_lose(&mut self, a: u32, lost: f64, now: u64, obs: &mut dyn Observer) {
        self.asg_advance(a, now, obs);
        for i in 0..self.asgs[a as usize].nodes.len() as u32 {
            if self.asgs[a as usize].nodes[i as usize].state == NState::InService
                && self.incident_rng.uniform() < lost
            {
                self.asg_crash(a, i, now, obs);
            }
        }
    }

    /// The client of request slot `slot` gave up at `now` (its timeout).
    pub(crate) fn on_asg_timeout(
        &mut self,
        a: u32,
        slot: u32,
        epoch: u32,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        self.asg_advance(a, now, obs);
        let asg = &self.asgs[a as usize];
        let r = asg.reqs[slot as usize];
        if r.epoch != epoch || r.flags & (LATE | STARTED) != LATE | STARTED || r.flags & DEAD != 0 {
            return;
        }
        self.asg_ended(a, slot, Outcome::TimedOut, Some(Failure::Timeout), now, obs);
    }

    /// Brings every group up to `now` (a sample boundary, the end of warmup, an incident).
    pub(crate) fn asg_advance_all(&mut self, now: u64, obs: &mut dyn Observer) {
        for a in 0..self.asgs.len() as u32 {
            self.asg_advance(a, now, obs);
            let asg = &mut self.asgs[a as usize];
            asg.touch(now);
            asg.busy_advance(now);
            asg.queue_advance(now);
        }
    }

    /// The end of warmup: the measured window starts now.
    pub(crate) fn asg_start_measuring(&mut self, now: u64) {
        for asg in &mut self.asgs {
            asg.touch(now);
            asg.busy_advance(now);
            asg.queue_advance(now);
            asg.win0 = asg.int;
            asg.launches = 0;
            asg.warm_starts = 0;
            asg.terminations = 0;
            asg.replacements = 0;
            asg.max_in_service = asg.n_in_service;
            asg.max_queue = asg.queue.len() as u64;
        }
    }

    /// Group `g`'s part of a time-series row over `[now - span, now)`; the bin restarts.
    pub(crate) fn asg_sample(&mut self, g: u32, span: u64) -> AsgSample {
        let asg = &mut self.asgs[g as usize];
        let d = diff(&asg.int, &asg.bin0);
        let b = asg.bin;
        let s = AsgSample {
            in_service: asg.n_in_service as u64,
            pending: asg.n_pending as u64,
            warm_pool: (asg.n_pooled + asg.n_warming) as u64,
            desired: asg.desired as u64,
            queue_length: asg.queue.len() as u64,
            mean_queue_length: d.queue as f64 / span.max(1) as f64,
            queue_wait_ms: if b.started > 0 {
                b.wait_ns as f64 / b.started as f64 / 1e6
            } else {
                0.0
            },
            utilization: if d.in_service_slots > 0 {
                d.busy_slots as f64 / d.in_service_slots as f64
            } else {
                0.0
            },
            scaling_activities: b.activities,
        };
        asg.bin0 = asg.int;
        asg.bin = Tally::default();
        s
    }

    /// Ends group `a` at `end`: running instances are billed up to it, requests still queued or
    /// running are in flight. Returns the group's summary and its cost.
    pub(crate) fn asg_finish(&mut self, a: u32, end: u64, window: f64) -> (AsgMetrics, Ec2Cost) {
        let asg = &mut self.asgs[a as usize];
        asg.touch(end);
        asg.busy_advance(end);
        asg.queue_advance(end);
        let mut in_flight = 0u64;
        for r in &asg.reqs {
            // A request whose client timed out was reported then.
            let reported = r.flags & LATE != 0 && r.arrival + asg.timeout <= end;
            if r.flags & MEAS != 0 && r.flags & DEAD == 0 && !reported {
                in_flight += 1;
            }
        }
        // Queued requests are live slots too (without STARTED); slots freed have no flags.
        for i in 0..asg.nodes.len() as u32 {
            if asg.nodes[i as usize].run_start != NONE {
                asg.stop_running(i, end);
            }
        }
        let d = diff(&asg.int, &asg.win0);
        let hour_ns = 3600.0 * 1e9;
        let cost = Ec2Cost {
            instances: asg.billed[0] as f64 / hour_ns * asg.hourly,
            ebs: d.ebs_group * asg.ebs_per_gb_ns,
            warm_pool_instances: asg.billed[1] as f64 / hour_ns * asg.hourly,
            warm_pool_ebs: d.ebs_pool * asg.ebs_per_gb_ns,
        };
        let mut t = asg.tally;
        // Measured requests that started on an instance.
        t.started = self.funcs[asg.f as usize].started;
        let w = window.max(1.0);
        let m = AsgMetrics {
            instance_type: asg.instance_type.clone(),
            slots: asg.slots,
            desired: asg.desired,
            mean_in_service: d.in_service as f64 / w,
            max_in_service: asg.max_in_service as u64,
            mean_pending: d.pending as f64 / w,
            mean_warm_pool: d.pool as f64 / w,
            utilization: if d.in_service_slots > 0 {
                d.busy_slots as f64 / d.in_service_slots as f64
            } else {
                0.0
            },
            wait_probability: if t.started > 0 {
                t.queued as f64 / t.started as f64
            } else {
                0.0
            },
            mean_queue_wait_ms: if t.started > 0 {
                t.wait_ns as f64 / t.started as f64 / 1e6
            } else {
                0.0
            },
            mean_queue_length: d.queue as f64 / w,
            max_queue_length: asg.max_queue,
            launches: asg.launches,
            warm_starts: asg.warm_starts,
            terminations: asg.terminations,
            replacements: asg.replacements,
            scaling_activities: t.activities,
        };
        let f = asg.f;
        self.funcs[f as usize].counted.outcomes.in_flight += in_flight;
        (m, cost)
    }
}

fn diff(a: &Integrals, b: &Integrals) -> Integrals {
    Integrals {
        in_service: a.in_service - b.in_service,
        pending: a.pending - b.pending,
        pool: a.pool - b.pool,
        busy_slots: a.busy_slots - b.busy_slots,
        in_service_slots: a.in_service_slots - b.in_service_slots,
        queue: a.queue - b.queue,
        ebs_group: a.ebs_group - b.ebs_group,
        ebs_pool: a.ebs_pool - b.ebs_pool,
    }
}

/// A group's columns of a time-series row.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AsgSample {
    pub in_service: u64,
    pub pending: u64,
    pub warm_pool: u64,
    pub desired: u64,
    pub queue_length: u64,
    pub mean_queue_length: f64,
    pub queue_wait_ms: f64,
    pub utilization: f64,
    pub scaling_activities: u64,
}

#[cfg(test)]
mod tests {
    use super::Wheel;
    use crate::rng::SimRng;

    #[test]
    fn the_wheel_pops_in_time_order() {
        // Slots of 1,024 ns: most keys within reach, some far beyond it.
        let mut h = Wheel::new(10);
        let mut rng = SimRng::new(3, 9);
        let mut now = 0u64;
        let mut popped = Vec::new();
        let mut reference = std::collections::BinaryHeap::new();
        for step in 0..20_000u32 {
            if rng.uniform() < 0.55 {
                let k = now + (rng.uniform().powi(4) * 2e7) as u64;
                h.push(k, step);
                reference.push(std::cmp::Reverse(k));
            } else if let Some((k, _)) = h.pop() {
                assert_eq!(Some(std::cmp::Reverse(k)), reference.pop());
                assert!(k >= now);
                now = k;
                popped.push(k);
            }
            assert_eq!(h.len(), reference.len());
            assert_eq!(h.min(), reference.peek().map(|r| r.0).unwrap_or(u64::MAX));
        }
        assert!(popped.windows(2).all(|w| w[0] <= w[1]));
        assert!(popped.len() > 5_000);
    }
}
