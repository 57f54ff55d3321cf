//! A group's instances through their lives: launch, warm-pool starts, in service, termination,
//! failures and health replacement, reconciling to the desired capacity, and filling the warm pool.

use super::{
    Asg, DEAD, Event, Failure, GroupCx, InstEv, LATE, NONE, NS_PER_S, NState, Outcome, PoolState,
    STARTED, SimRng,
};
use crate::sim::ids::NodeId;

impl Asg {
    /// Instance `i` enters service at `now` and takes queued requests.
    pub(crate) fn in_service(&mut self, g: &mut GroupCx<'_>, i: u32, now: u64, initial: bool) {
        self.touch(now);
        let n = &mut self.nodes[i as usize];
        n.state = NState::InService;
        n.in_service_at = now;
        n.busy_int = 0;
        n.warm_at = if initial { 0 } else { now + self.warmup };
        n.healthy_at = if initial { 0 } else { now + self.grace };
        let (epoch, born) = (n.epoch, n.born);
        self.n_pending -= 1;
        self.n_in_service += 1;
        self.max_in_service = self.max_in_service.max(self.n_in_service);
        self.make_routable(i);
        if !initial {
            self.last_activity = now;
        }
        if self.mtbf > 0.0 {
            let at = now + (-self.rng.uniform_open0().ln() * self.mtbf) as u64;
            self.inst_at(g, at, i, epoch, InstEv::Crash);
        }
        if self.lifetime != NONE {
            let at = born.saturating_add(self.lifetime).max(now);
            self.inst_at(g, at, i, epoch, InstEv::Lifetime);
        }
        // Queued requests go to it.
        while let Some(&s) = self.queue.front() {
            if self.nodes[i as usize].outstanding >= self.slots {
                break;
            }
            self.queue_advance(now);
            self.queue.pop_front();
            self.run(g, s, i, now);
        }
    }

    /// Instance `i` leaves the group at `t` (drained, deregistered, failed or cancelled): it
    /// returns to the warm pool if the pool takes instances back, else it is terminated.
    pub(crate) fn terminated(&mut self, g: &mut GroupCx<'_>, i: u32, t: u64) {
        self.touch(t);
        let n = self.nodes[i as usize];
        match n.state {
            NState::Pending => self.n_pending -= 1,
            NState::InService => self.n_in_service -= 1,
            NState::Terminating => self.n_terminating -= 1,
            NState::Crashed => self.n_crashed -= 1,
            NState::PoolWarming => self.n_warming -= 1,
            NState::Pooled => {
                self.n_pooled -= 1;
                self.pooled.retain(|&p| p != i);
            }
            NState::Free => unreachable!("a live instance"),
        }
        let in_group = !matches!(n.state, NState::PoolWarming | NState::Pooled);
        self.make_unroutable(i);
        self.last_activity = t;
        let back_to_pool =
            in_group && n.state != NState::Crashed && matches!(self.pool, Some((_, _, _, true)));
        if back_to_pool {
            let state = self.pool.expect("a warm pool").2;
            let node = &mut self.nodes[i as usize];
            node.state = NState::Pooled;
            node.epoch = node.epoch.wrapping_add(1);
            self.n_pooled += 1;
            self.pooled.push(i);
            if state == PoolState::Running {
                self.bill_part(i, t, true);
            } else {
                self.stop_running(i, t);
            }
        } else {
            self.stop_running(i, t);
            self.terminations += 1;
            let node = &mut self.nodes[i as usize];
            node.state = NState::Free;
            node.epoch = node.epoch.wrapping_add(1);
            self.node_free.push(i);
        }
        if in_group {
            g.alive(t, false);
        }
    }

    /// Launches an instance at `now`, into the group or into the warm pool.
    fn launch(&mut self, g: &mut GroupCx<'_>, now: u64, into_pool: bool) {
        self.touch(now);
        let state = if into_pool {
            NState::PoolWarming
        } else {
            NState::Pending
        };
        let i = self.alloc_node(now, state);
        self.start_running(i, now, into_pool);
        let at = now + self.launch.sample(&mut self.rng);
        let epoch = self.nodes[i as usize].epoch;
        if into_pool {
            self.n_warming += 1;
        } else {
            self.n_pending += 1;
            self.launches += 1;
            g.alive(now, true);
        }
        let kind = if into_pool {
            InstEv::PoolReady
        } else {
            InstEv::Ready
        };
        self.inst_at(g, at, i, epoch, kind);
    }

    /// Starts pooled instance `i` toward InService at `now`.
    fn warm_start(&mut self, g: &mut GroupCx<'_>, i: u32, now: u64) {
        self.touch(now);
        self.n_pooled -= 1;
        self.n_pending += 1;
        self.warm_starts += 1;
        let running = matches!(self.pool, Some((_, _, PoolState::Running, _)));
        if running {
            self.bill_part(i, now, false);
        } else {
            self.start_running(i, now, false);
        }
        let n = &mut self.nodes[i as usize];
        n.state = NState::Pending;
        n.epoch = n.epoch.wrapping_add(1);
        let epoch = n.epoch;
        let at = now + self.pool_start.sample(&mut self.rng);
        g.alive(now, true);
        self.inst_at(g, at, i, epoch, InstEv::Ready);
    }

    /// Takes instance `i` out of service at `now`: it finishes its requests (up to the
    /// deregistration delay) and terminates.
    fn begin_terminate(&mut self, g: &mut GroupCx<'_>, i: u32, now: u64) {
        let n = self.nodes[i as usize];
        if n.state != NState::InService || n.outstanding == 0 {
            self.terminated(g, i, now);
            return;
        }
        self.touch(now);
        self.make_unroutable(i);
        self.n_in_service -= 1;
        self.n_terminating += 1;
        let node = &mut self.nodes[i as usize];
        node.state = NState::Terminating;
        node.epoch = node.epoch.wrapping_add(1);
        let epoch = node.epoch;
        let at = now + self.dereg;
        self.inst_at(g, at, i, epoch, InstEv::Dereg);
    }

    /// The requests running on instance `i` fail at `now` (the instance failed or was cut off).
    fn fail_running(&mut self, g: &mut GroupCx<'_>, i: u32, now: u64) {
        for s in 0..self.reqs.len() as u32 {
            let r = self.reqs[s as usize];
            if r.flags & STARTED == 0 || r.flags & DEAD != 0 || r.inst != i {
                continue;
            }
            self.reqs[s as usize].flags |= DEAD;
            if self.add_outstanding(i, now, false) < 0 {
                g.func.advance(now);
                g.func.busy -= 1;
                g.live.busy -= 1;
            }
            if r.flags & LATE != 0 && r.arrival + self.timeout <= now {
                // Its client already timed out.
                continue;
            }
            self.ended(g, s, Outcome::Failed, Some(Failure::Error), now);
        }
    }

    /// Instance `i` fails at `now`: its requests fail, the load balancer stops sending it
    /// requests, and the health check replaces it once its grace period is over.
    fn crash(&mut self, g: &mut GroupCx<'_>, i: u32, now: u64) {
        self.fail_running(g, i, now);
        self.touch(now);
        self.make_unroutable(i);
        self.n_in_service -= 1;
        self.n_crashed += 1;
        let node = &mut self.nodes[i as usize];
        node.state = NState::Crashed;
        node.epoch = node.epoch.wrapping_add(1);
        let (epoch, healthy_at) = (node.epoch, node.healthy_at);
        if g.cx.measuring {
            g.func.counted.crashes += 1;
        }
        let at = now.max(healthy_at);
        self.inst_at(g, at, i, epoch, InstEv::Detect);
    }

    /// Schedules event `kind` of instance `inst` at `at`, if within the run.
    fn inst_at(&self, g: &mut GroupCx<'_>, at: u64, inst: u32, epoch: u32, kind: InstEv) {
        if at < g.cx.end {
            g.cx.q.schedule(
                at,
                Event::AsgInst {
                    a: self.id,
                    inst: NodeId(inst),
                    epoch,
                    kind,
                },
            );
        }
    }

    /// An event of instance `inst`.
    pub(crate) fn on_inst(
        &mut self,
        g: &mut GroupCx<'_>,
        inst: NodeId,
        epoch: u32,
        kind: InstEv,
        now: u64,
    ) {
        let inst = inst.0;
        self.advance(g, now);
        let n = self.nodes[inst as usize];
        if n.epoch != epoch {
            return;
        }
        match kind {
            InstEv::Ready if n.state == NState::Pending => self.in_service(g, inst, now, false),
            InstEv::PoolReady if n.state == NState::PoolWarming => {
                self.touch(now);
                self.n_warming -= 1;
                self.n_pooled += 1;
                self.pooled.push(inst);
                self.nodes[inst as usize].state = NState::Pooled;
                if !matches!(self.pool, Some((_, _, PoolState::Running, _))) {
                    self.stop_running(inst, now);
                }
            }
            InstEv::Dereg if n.state == NState::Terminating => {
                self.fail_running(g, inst, now);
                self.terminated(g, inst, now);
            }
            InstEv::Crash if n.state == NState::InService => self.crash(g, inst, now),
            InstEv::Detect if n.state == NState::Crashed => {
                self.replacements += 1;
                self.terminated(g, inst, now);
                self.reconcile(g, now);
            }
            InstEv::Lifetime if n.state == NState::InService => {
                self.replacements += 1;
                self.begin_terminate(g, inst, now);
                self.reconcile(g, now);
            }
            _ => {}
        }
    }

    /// Launches or terminates instances until the group's capacity is its desired capacity,
    /// then brings the warm pool to its size.
    pub(crate) fn reconcile(&mut self, g: &mut GroupCx<'_>, now: u64) {
        let (cap, desired) = (self.capacity(), self.desired);
        if desired > cap {
            for _ in 0..desired - cap {
                match self.pooled.pop() {
                    Some(i) => self.warm_start(g, i, now),
                    None => self.launch(g, now, false),
                }
            }
        } else if desired < cap {
            for i in self.victims((cap - desired) as usize, now) {
                self.begin_terminate(g, i, now);
            }
        }
        self.fill_pool(g, now);
    }

    /// Which instances a scale-in terminates: pending launches first, then in-service
    /// instances closest to their next instance-hour, then the lowest index (AWS's default
    /// termination policy within one zone).
    fn victims(&self, k: usize, now: u64) -> Vec<u32> {
        let mut c: Vec<(u8, u64, u32)> = self
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
    pub(crate) fn fill_pool(&mut self, g: &mut GroupCx<'_>, now: u64) {
        if self.pool.is_none() {
            return;
        }
        let (have, want) = (self.n_pooled + self.n_warming, self.pool_target());
        if have < want {
            for _ in 0..want - have {
                self.launch(g, now, true);
            }
        } else if have > want {
            for _ in 0..have - want {
                let i = match self.pooled.last() {
                    Some(&i) => i,
                    None => match self
                        .nodes
                        .iter()
                        .position(|n| n.state == NState::PoolWarming)
                    {
                        Some(i) => i as u32,
                        None => break,
                    },
                };
                self.terminated(g, i, now);
            }
        }
    }

    /// A zone outage: each in-service instance fails with probability `lost`, drawn from the
    /// incidents' stream `rng`.
    pub(crate) fn lose(&mut self, g: &mut GroupCx<'_>, rng: &mut SimRng, lost: f64, now: u64) {
        self.advance(g, now);
        for i in 0..self.nodes.len() as u32 {
            if self.nodes[i as usize].state == NState::InService && rng.uniform() < lost {
                self.crash(g, i, now);
            }
        }
    }
}
