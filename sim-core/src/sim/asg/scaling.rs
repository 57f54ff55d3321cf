//! A group's scaling: metric periods, delayed datapoints, target tracking, step and simple
//! policies with their alarms, cooldowns and warmup, scheduled actions, and the desired capacity.

use super::{
    AdjustmentType, Asg, AsgMetric, Comparison, Datapoint, Event, GroupCx, NState, Nanos,
    PolicyType, Tick,
};

impl Asg {
    /// Sets the desired capacity (a scaling activity) and acts on it.
    fn set_desired(&mut self, g: &mut GroupCx<'_>, to: u32, now: u64, why: &str) {
        let to = to.clamp(self.min, self.max);
        if to != self.desired {
            g.obs.scaling(Nanos(now), self.f, self.desired, to, why);
            self.desired = to;
            self.bin.activities += 1;
            if g.cx.measuring {
                self.tally.activities += 1;
            }
        }
        self.reconcile(g, now);
    }

    /// An alarm's action at `now`: the desired capacity becomes `to` (within the group's
    /// bounds).
    pub(crate) fn set_desired_now(&mut self, g: &mut GroupCx<'_>, to: u32, now: u64) {
        self.advance(g, now);
        self.set_desired(g, to, now, "alarm");
    }

    /// A metric period ends, a delayed datapoint reaches the alarms, or a scheduled action runs.
    pub(crate) fn on_tick(&mut self, g: &mut GroupCx<'_>, tick: Tick, now: u64) {
        self.advance(g, now);
        let a = self.id;
        match tick {
            Tick::PeriodEnd => {
                let dp = self.datapoint(now);
                if now + self.period < g.cx.end {
                    let at = now + self.period;
                    g.cx.q.schedule(
                        at,
                        Event::AsgTick {
                            a,
                            tick: Tick::PeriodEnd,
                        },
                    );
                }
                if self.delay == 0 {
                    self.evaluate(g, dp, now);
                } else {
                    self.datapoints.push_back(dp);
                    let at = now + self.delay;
                    if at < g.cx.end {
                        g.cx.q.schedule(
                            at,
                            Event::AsgTick {
                                a,
                                tick: Tick::Datapoint,
                            },
                        );
                    }
                }
                self.fill_pool(g, now);
            }
            Tick::Datapoint => {
                if let Some(dp) = self.datapoints.pop_front() {
                    self.evaluate(g, dp, now);
                }
            }
            Tick::Scheduled(j) => {
                let act = self.schedule[j as usize].clone();
                self.min = act.min.unwrap_or(self.min);
                self.max = act.max.unwrap_or(self.max).max(self.min);
                let to = act.desired.unwrap_or(self.desired);
                if let Some(e) = act.every
                    && now + e.0 < g.cx.end
                {
                    g.cx.q.schedule(now + e.0, Event::AsgTick { a, tick });
                }
                self.set_desired(g, to, now, "scheduled");
            }
        }
    }

    /// The datapoints of the metric period ending at `now`.
    fn datapoint(&mut self, now: u64) -> Datapoint {
        self.touch(now);
        self.queue_advance(now);
        let from = now.saturating_sub(self.period);
        let (mut sum, mut counted, mut warming) = (0.0, 0u32, self.n_pending);
        let slots = self.slots as f64;
        for n in self.nodes.iter_mut() {
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
            n.busy_int = (n.outstanding as u64 * self.period) as i64;
        }
        self.period_end = now + self.period;
        let dp = Datapoint {
            cpu: (counted > 0).then(|| (100.0 * sum / counted as f64, counted)),
            per_target: (self.n_in_service > 0).then(|| {
                (
                    self.period_started as f64 / self.n_in_service as f64,
                    self.n_in_service,
                )
            }),
            queue: (self.int.queue - self.period_queue0) as f64 / (now - from).max(1) as f64,
            in_service: self.n_in_service,
            warming,
        };
        self.period_started = 0;
        self.period_queue0 = self.int.queue;
        dp
    }

    /// The policies look at datapoint `dp`: scale out if any policy asks for it, scale in only
    /// if every target tracking policy agrees and no instance is pending or warming up; the
    /// largest capacity asked for wins.
    fn evaluate(&mut self, g: &mut GroupCx<'_>, dp: Datapoint, now: u64) {
        let desired = self.desired;
        let mut out: Option<(u32, usize)> = None;
        let mut inn: Option<(u32, usize)> = None;
        let mut tt_total = 0;
        let mut tt_in = 0;
        let idle = self.n_pending == 0;
        for (pi, p) in self.policies.iter_mut().enumerate() {
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
                        if !(idle && now >= self.last_activity + c.cooldown.0) {
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
        let blocked = dp.warming > 0 || self.n_pending > 0;
        if let Some((to, pi)) = out {
            let why = self.policies[pi].name.clone();
            self.set_desired(g, to, now, &why);
        } else if let Some((to, pi)) = inn
            && !blocked
            && (tt_total == 0 || tt_in == tt_total)
        {
            let why = self.policies[pi].name.clone();
            self.set_desired(g, to, now, &why);
        }
    }
}
