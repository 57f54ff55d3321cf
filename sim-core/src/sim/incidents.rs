//! Scheduled incidents: windows in which functions fail more often, run slower, or lose part of
//! their capacity (a zone outage).

use super::{ERRORED, LOST, Observer, PROV, SimRng, Simulation, State, TIMED_OUT, unlink};
use crate::scenario::Scenario;
use crate::sim::ids::{IncidentId, InstId};

/// An incident of the scenario, resolved to function indices.
pub(crate) struct IncidentState {
    pub start: u64,
    pub end: u64,
    /// Which functions it affects.
    covers: Vec<bool>,
    error_p: f64,
    service_p: f64,
    lat_mul: f64,
    lat_add: u64,
    lost: f64,
    active: bool,
}

/// The scenario's incidents, and the draws of which environments one takes down.
pub(crate) struct Incidents {
    pub(crate) list: Vec<IncidentState>,
    pub(crate) rng: SimRng,
}

/// The scenario's incidents, ready to run.
pub(crate) fn prepare(scenario: &Scenario) -> Vec<IncidentState> {
    scenario
        .incidents
        .iter()
        .map(|inc| IncidentState {
            start: inc.start.0,
            end: inc.end.0,
            covers: scenario
                .functions
                .iter()
                .map(|f| inc.functions.is_empty() || inc.functions.contains(&f.name))
                .collect(),
            error_p: inc.error_probability,
            service_p: inc.service_error_probability,
            lat_mul: inc.latency_multiplier,
            lat_add: inc.added_latency.0,
            lost: inc.capacity_lost,
            active: false,
        })
        .collect()
}

impl Simulation {
    /// Incident `i` starts (`starts`) or ends.
    pub(crate) fn on_incident(
        &mut self,
        i: IncidentId,
        starts: bool,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        let i = i.0;
        let i = i as usize;
        // Requests of Auto Scaling groups that started before now ran without this change.
        self.asg_advance_all(now, obs);
        self.incidents.list[i].active = starts;
        self.apply_incidents(now);
        if starts && self.incidents.list[i].lost > 0.0 {
            self.lose_environments(i, now, obs);
        }
    }

    /// Recomputes every function's error probability, slow-down and pool capacity from the
    /// incidents active now.
    fn apply_incidents(&mut self, now: u64) {
        // A change exactly at an interval's start replaces the interval's count; later changes
        // raise it (the column shows the most incidents active at any time in the interval).
        let at_start = now == self.bin_start;
        for (f, func) in self.lambda.funcs.iter_mut().enumerate() {
            let mut ok = 1.0 - func.base_error_p;
            let mut up = 1.0 - func.base_service_p;
            let (mut mul, mut add, mut n) = (1.0, 0u64, 0u32);
            for inc in self
                .incidents
                .list
                .iter()
                .filter(|i| i.active && i.covers[f])
            {
                ok *= 1.0 - inc.error_p;
                up *= 1.0 - inc.service_p;
                mul *= inc.lat_mul;
                add = add.saturating_add(inc.lat_add);
                n += 1;
            }
            func.error_p = 1.0 - ok;
            func.service_p = 1.0 - up;
            func.lat_mul = mul;
            func.lat_add = add;
            func.active_incidents = n;
            func.bin.incidents = if at_start {
                n
            } else {
                func.bin.incidents.max(n)
            };
        }
        for (p, pool) in self.lambda.pools.iter_mut().enumerate() {
            let mut keep = 1.0;
            for inc in self
                .incidents
                .list
                .iter()
                .filter(|i| i.active && i.lost > 0.0)
            {
                let hits_pool = self.lambda.funcs.iter().enumerate().any(|(f, func)| {
                    func.pool as usize == p && inc.covers[f] && func.group.is_none()
                });
                if hits_pool {
                    keep *= 1.0 - inc.lost;
                }
            }
            pool.cap = (self.lambda.pool_caps[p] as f64 * keep).floor() as u32;
        }
    }

    /// Takes down each environment of the affected functions with probability `lost`: idle ones
    /// vanish, busy ones fail their request now.
    fn lose_environments(&mut self, i: usize, now: u64, obs: &mut dyn Observer) {
        let lost = self.incidents.list[i].lost;
        for a in 0..self.asgs.len() {
            if self.incidents.list[i].covers[self.asgs[a].f as usize] {
                self.asg_lose(a as u32, lost, now, obs);
            }
        }
        for idx in 0..self.lambda.insts.len() {
            let it = self.lambda.insts[idx];
            if it.state == State::Free || !self.incidents.list[i].covers[it.func as usize] {
                continue;
            }
            if self.incidents.rng.uniform() >= lost {
                continue;
            }
            let inst = idx as u32;
            match it.state {
                State::Idle | State::Init if it.has(PROV) => {
                    // A provisioned environment, idle or re-initializing.
                    self.lambda.funcs[it.func as usize].pc.advance(now);
                    if it.state == State::Idle {
                        self.lambda.pc_lose_idle(inst);
                    } else {
                        self.lambda.funcs[it.func as usize].pc.ready -= 1;
                    }
                    self.lambda.retire(inst, now);
                }
                State::Idle => {
                    let func = &mut self.lambda.funcs[it.func as usize];
                    unlink(func, &mut self.lambda.insts, inst);
                    self.lambda.retire(inst, now);
                }
                State::Busy => {
                    // The request in flight fails now (a function error, billed) and the
                    // environment is not reused.
                    let slot = &mut self.lambda.insts[idx];
                    slot.done_at = now;
                    slot.flags = slot.flags & !TIMED_OUT | ERRORED | LOST;
                    let epoch = slot.epoch;
                    if let Some(end) =
                        self.lambda
                            .on_done::<true>(&mut self.cx, InstId(inst), epoch, now, obs)
                    {
                        self.route(end, now, obs);
                    }
                }
                State::Free | State::Init => {}
            }
        }
    }
}
