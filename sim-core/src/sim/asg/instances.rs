//! A group's instances through their lives: launch, warm-pool starts, in service, termination,
//! failures and health replacement, reconciling to the desired capacity, and filling the warm pool.

use super::{
    DEAD, Event, Failure, InstEv, LATE, NONE, NS_PER_S, NState, Observer, Outcome, PoolState,
    STARTED, Simulation,
};
use crate::sim::ids::{GroupId, NodeId};

impl Simulation {
    /// Instance `i` enters service at `now` and takes queued requests.
    pub(crate) fn asg_in_service(&mut self, a: u32, i: u32, now: u64, initial: bool) {
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
}

impl Simulation {
    /// Instance `i` leaves the group at `t` (drained, deregistered, failed or cancelled): it
    /// returns to the warm pool if the pool takes instances back, else it is terminated.
    pub(crate) fn asg_terminated(&mut self, a: u32, i: u32, t: u64) {
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
}

impl Simulation {
    /// Launches an instance at `now`, into the group or into the warm pool.
    pub(crate) fn asg_launch(&mut self, a: u32, now: u64, into_pool: bool) {
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
}

impl Simulation {
    /// One more (`up`) or one fewer instance running in function `f`'s group at `t`.
    pub(crate) fn group_alive(&mut self, f: u32, t: u64, up: bool) {
        let func = &mut self.lambda.funcs[f as usize];
        func.advance(t);
        if up {
            func.alive += 1;
            self.lambda.alive_total += 1;
            func.counted.peak_alive = func.counted.peak_alive.max(func.alive);
            self.lambda.peak_alive = self.lambda.peak_alive.max(self.lambda.alive_total);
        } else {
            func.alive -= 1;
            self.lambda.alive_total -= 1;
        }
    }
}

impl Simulation {
    /// Starts pooled instance `i` toward InService at `now`.
    pub(crate) fn asg_warm_start(&mut self, a: u32, i: u32, now: u64) {
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
}

impl Simulation {
    /// Takes instance `i` out of service at `now`: it finishes its requests (up to the
    /// deregistration delay) and terminates.
    pub(crate) fn asg_begin_terminate(&mut self, a: u32, i: u32, now: u64) {
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
}

impl Simulation {
    /// The requests running on instance `i` fail at `now` (the instance failed or was cut off).
    pub(crate) fn asg_fail_running(&mut self, a: u32, i: u32, now: u64, obs: &mut dyn Observer) {
        let f = self.asgs[a as usize].f;
        for s in 0..self.asgs[a as usize].reqs.len() as u32 {
            let r = self.asgs[a as usize].reqs[s as usize];
            if r.flags & STARTED == 0 || r.flags & DEAD != 0 || r.inst != i {
                continue;
            }
            let asg = &mut self.asgs[a as usize];
            asg.reqs[s as usize].flags |= DEAD;
            if asg.add_outstanding(i, now, false) < 0 {
                let func = &mut self.lambda.funcs[f as usize];
                func.advance(now);
                func.busy -= 1;
                self.lambda.busy_total -= 1;
            }
            if r.flags & LATE != 0 && r.arrival + asg.timeout <= now {
                // Its client already timed out.
                continue;
            }
            self.asg_ended(a, s, Outcome::Failed, Some(Failure::Error), now, obs);
        }
    }
}

impl Simulation {
    /// Instance `i` fails at `now`: its requests fail, the load balancer stops sending it
    /// requests, and the health check replaces it once its grace period is over.
    pub(crate) fn asg_crash(&mut self, a: u32, i: u32, now: u64, obs: &mut dyn Observer) {
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
        if self.cx.measuring {
            self.lambda.funcs[f as usize].counted.crashes += 1;
        }
        let at = now.max(healthy_at);
        self.asg_inst_at(at, a, i, epoch, InstEv::Detect);
    }
}

impl Simulation {
    /// Schedules event `kind` of instance `inst` of group `a` at `at`, if within the run.
    pub(crate) fn asg_inst_at(&mut self, at: u64, a: u32, inst: u32, epoch: u32, kind: InstEv) {
        if at < self.cx.end {
            self.cx.q.schedule(
                at,
                Event::AsgInst {
                    a: GroupId(a),
                    inst: NodeId(inst),
                    epoch,
                    kind,
                },
            );
        }
    }
}

impl Simulation {
    /// An event of instance `inst` of group `a`.
    pub(crate) fn on_asg_inst(
        &mut self,
        a: GroupId,
        inst: NodeId,
        epoch: u32,
        kind: InstEv,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        let a = a.0;
        let inst = inst.0;
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
}

impl Simulation {
    /// Launches or terminates instances until the group's capacity is its desired capacity,
    /// then brings the warm pool to its size.
    pub(crate) fn asg_reconcile(&mut self, a: u32, now: u64) {
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
}

impl Simulation {
    /// Which instances a scale-in terminates: pending launches first, then in-service
    /// instances closest to their next instance-hour, then the lowest index (AWS's default
    /// termination policy within one zone).
    pub(crate) fn asg_victims(&self, a: u32, k: usize, now: u64) -> Vec<u32> {
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
}

impl Simulation {
    /// Launches instances into the warm pool, or terminates pooled ones, to its size.
    pub(crate) fn asg_fill_pool(&mut self, a: u32, now: u64) {
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
}

impl Simulation {
    /// A zone outage: each in-service instance of group `a` fails with probability `lost`.
    pub(crate) fn asg_lose(&mut self, a: u32, lost: f64, now: u64, obs: &mut dyn Observer) {
        self.asg_advance(a, now, obs);
        for i in 0..self.asgs[a as usize].nodes.len() as u32 {
            if self.asgs[a as usize].nodes[i as usize].state == NState::InService
                && self.incidents.rng.uniform() < lost
            {
                self.asg_crash(a, i, now, obs);
            }
        }
    }
}
