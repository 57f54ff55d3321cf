//! A group's statistics: the measured window, its time-series columns and its summary (counts,
//! instance-hours, EC2 and EBS cost).

use super::{AsgMetrics, DEAD, Ec2Cost, Integrals, LATE, MEAS, NONE, Observer, Simulation, Tally};
use crate::observer::AsgSample;

impl Simulation {
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
}

impl Simulation {
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
}

impl Simulation {
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
}

impl Simulation {
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
        t.started = self.lambda.funcs[asg.f as usize].started;
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
        self.lambda.funcs[f as usize].counted.outcomes.in_flight += in_flight;
        (m, cost)
    }
}

pub(crate) fn diff(a: &Integrals, b: &Integrals) -> Integrals {
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
