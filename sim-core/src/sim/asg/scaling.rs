//! A group's scaling: metric periods, delayed datapoints, target tracking, step and simple
//! policies with their alarms, cooldowns and warmup, scheduled actions, and the desired capacity.

use super::{
    AdjustmentType, AsgMetric, Comparison, Datapoint, Event, NState, Nanos, Observer, PolicyType,
    Simulation, Tick,
};
use crate::sim::ids::GroupId;

impl Simulation {
    /// Sets group `a`'s desired capacity (a scaling activity) and acts on it.
    pub(crate) fn asg_set_desired(
        &mut self,
        a: u32,
        to: u32,
        now: u64,
        why: &str,
        obs: &mut dyn Observer,
    ) {
        let asg = &mut self.asgs[a as usize];
        let to = to.clamp(asg.min, asg.max);
        if to != asg.desired {
            obs.scaling(Nanos(now), asg.f, asg.desired, to, why);
            asg.desired = to;
            asg.bin.activities += 1;
            if self.cx.measuring {
                asg.tally.activities += 1;
            }
        }
        self.asg_reconcile(a, now);
    }
}

impl Simulation {
    /// A metric period ends, a delayed datapoint reaches the alarms, or a scheduled action runs.
    pub(crate) fn on_asg_tick(&mut self, a: GroupId, tick: Tick, now: u64, obs: &mut dyn Observer) {
        let a = a.0;
        self.asg_advance(a, now, obs);
        match tick {
            Tick::PeriodEnd => {
                let dp = self.asg_datapoint(a, now);
                let asg = &mut self.asgs[a as usize];
                if now + asg.period < self.cx.end {
                    let at = now + asg.period;
                    self.cx.q.schedule(
                        at,
                        Event::AsgTick {
                            a: GroupId(a),
                            tick: Tick::PeriodEnd,
                        },
                    );
                }
                if asg.delay == 0 {
                    self.asg_evaluate(a, dp, now, obs);
                } else {
                    asg.datapoints.push_back(dp);
                    let at = now + asg.delay;
                    if at < self.cx.end {
                        self.cx.q.schedule(
                            at,
                            Event::AsgTick {
                                a: GroupId(a),
                                tick: Tick::Datapoint,
                            },
                        );
                    }
                }
                self.asg_fill_pool(a, now);
            }
            Tick::Datapoint => {
                if let Some(dp) = self.asgs[a as usize].datapoints.pop_front() {
                    self.asg_evaluate(a, dp, now, obs);
                }
            }
            Tick::Scheduled(j) => {
                let j = j as usize;
                let act = self.asgs[a as usize].schedule[j].clone();
                let asg = &mut self.asgs[a as usize];
                asg.min = act.min.unwrap_or(asg.min);
                asg.max = act.max.unwrap_or(asg.max).max(asg.min);
                let to = act.desired.unwrap_or(asg.desired);
                if let Some(e) = act.every
                    && now + e.0 < self.cx.end
                {
                    self.cx.q.schedule(
                        now + e.0,
                        Event::AsgTick {
                            a: GroupId(a),
                            tick,
                        },
                    );
                }
                self.asg_set_desired(a, to, now, "scheduled", obs);
            }
        }
    }
}

impl Simulation {
    /// The datapoints of the metric period ending at `now`.
    pub(super) fn asg_datapoint(&mut self, a: u32, now: u64) -> Datapoint {
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
}

impl Simulation {
    /// The policies look at datapoint `dp`: scale out if any policy asks for it, scale in only
    /// if every target tracking policy agrees and no instance is pending or warming up; the
    /// largest capacity asked for wins.
    pub(super) fn asg_evaluate(&mut self, a: u32, dp: Datapoint, now: u64, obs: &mut dyn Observer) {
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
}
