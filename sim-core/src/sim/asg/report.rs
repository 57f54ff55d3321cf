//! A group's statistics: the measured window, its time-series columns and its summary (counts,
//! instance-hours, EC2 and EBS cost).

use super::{Asg, AsgMetrics, DEAD, Ec2Cost, Func, GroupCx, Integrals, LATE, MEAS, NONE, Tally};
use crate::observer::AsgSample;

impl Asg {
    /// Brings the group and its integrals up to `now` (a sample boundary, the end of warmup,
    /// an incident).
    pub(crate) fn catch_up(&mut self, g: &mut GroupCx<'_>, now: u64) {
        self.advance(g, now);
        self.touch(now);
        self.busy_advance(now);
        self.queue_advance(now);
    }

    /// The end of warmup: the measured window starts now.
    pub(crate) fn start_measuring(&mut self, now: u64) {
        self.touch(now);
        self.busy_advance(now);
        self.queue_advance(now);
        self.win0 = self.int;
        self.launches = 0;
        self.warm_starts = 0;
        self.terminations = 0;
        self.replacements = 0;
        self.max_in_service = self.n_in_service;
        self.max_queue = self.queue.len() as u64;
    }

    /// The group's part of a time-series row over `[now - span, now)`; the bin restarts.
    pub(crate) fn sample(&mut self, span: u64) -> AsgSample {
        let d = diff(&self.int, &self.bin0);
        let b = self.bin;
        let s = AsgSample {
            in_service: self.n_in_service as u64,
            pending: self.n_pending as u64,
            warm_pool: (self.n_pooled + self.n_warming) as u64,
            desired: self.desired as u64,
            queue_length: self.queue.len() as u64,
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
        self.bin0 = self.int;
        self.bin = Tally::default();
        s
    }

    /// Ends the group at `end`: running instances are billed up to it, requests still queued or
    /// running are in flight (counted in its function's outcomes, `func`). Returns the group's
    /// summary and its cost.
    pub(crate) fn finish(
        &mut self,
        func: &mut Func,
        end: u64,
        window: f64,
    ) -> (AsgMetrics, Ec2Cost) {
        self.touch(end);
        self.busy_advance(end);
        self.queue_advance(end);
        let mut in_flight = 0u64;
        for r in &self.reqs {
            // A request whose client timed out was reported then.
            let reported = r.flags & LATE != 0 && r.arrival + self.timeout <= end;
            if r.flags & MEAS != 0 && r.flags & DEAD == 0 && !reported {
                in_flight += 1;
            }
        }
        // Queued requests are live slots too (without STARTED); slots freed have no flags.
        for i in 0..self.nodes.len() as u32 {
            if self.nodes[i as usize].run_start != NONE {
                self.stop_running(i, end);
            }
        }
        let d = diff(&self.int, &self.win0);
        let hour_ns = 3600.0 * 1e9;
        let cost = Ec2Cost {
            instances: self.billed[0] as f64 / hour_ns * self.hourly,
            ebs: d.ebs_group * self.ebs_per_gb_ns,
            warm_pool_instances: self.billed[1] as f64 / hour_ns * self.hourly,
            warm_pool_ebs: d.ebs_pool * self.ebs_per_gb_ns,
        };
        let mut t = self.tally;
        // Measured requests that started on an instance.
        t.started = func.started;
        let w = window.max(1.0);
        let m = AsgMetrics {
            instance_type: self.instance_type.clone(),
            slots: self.slots,
            desired: self.desired,
            mean_in_service: d.in_service as f64 / w,
            max_in_service: self.max_in_service as u64,
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
            max_queue_length: self.max_queue,
            launches: self.launches,
            warm_starts: self.warm_starts,
            terminations: self.terminations,
            replacements: self.replacements,
            scaling_activities: t.activities,
        };
        func.counted.outcomes.in_flight += in_flight;
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
