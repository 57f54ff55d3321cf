//! Scheduled incidents: windows in which functions fail more often, run slower, or lose part of
//! their capacity (a zone outage).

use super::groups::group;
use super::{GroupCx, Observer, SimRng, Simulation, State};
use crate::scenario::Scenario;
use crate::sim::ids::{IncidentId, InstId};

/// An incident of the scenario, resolved to function indices.
pub(crate) struct IncidentState {
    pub start: u64,
    pub end: u64,
    /// Which functions, tables and dependencies it affects.
    pub(crate) covers: Vec<bool>,
    pub(crate) tables: Vec<bool>,
    pub(crate) deps: Vec<bool>,
    pub(crate) error_p: f64,
    pub(crate) service_p: f64,
    pub(crate) lat_mul: f64,
    pub(crate) lat_add: u64,
    pub(crate) lost: f64,
    pub(crate) active: bool,
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
                .map(|f| inc.covers_function(&f.name))
                .collect(),
            tables: scenario
                .tables
                .iter()
                .map(|t| inc.tables.contains(&t.name))
                .collect(),
            deps: scenario
                .dependencies
                .iter()
                .map(|d| inc.dependencies.contains(&d.name))
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
        self.groups_catch_up(now, obs);
        self.incidents.list[i].active = starts;
        let at_start = now == self.bin_start;
        self.lambda.apply_incidents(&self.incidents.list, at_start);
        self.backends.apply_incidents(&self.incidents.list);
        self.deps_resume(now);
        if starts && self.incidents.list[i].lost > 0.0 {
            self.lose_environments(i, now, obs);
        }
    }

    /// Takes down each environment of the affected functions with probability `lost`: idle ones
    /// vanish, busy ones fail their request now.
    fn lose_environments(&mut self, i: usize, now: u64, obs: &mut dyn Observer) {
        let lost = self.incidents.list[i].lost;
        for a in 0..self.asgs.len() {
            if self.incidents.list[i].covers[self.asgs[a].f as usize] {
                let (asg, mut g) = group!(self, a as u32, &mut *obs);
                asg.lose(&mut g, &mut self.incidents.rng, lost, now);
                self.route_group_ends();
            }
        }
        for idx in 0..self.lambda.insts.len() {
            let it = &self.lambda.insts[idx];
            if it.state == State::Free || !self.incidents.list[i].covers[it.func as usize] {
                continue;
            }
            if self.incidents.rng.uniform() >= lost {
                continue;
            }
            let inst = InstId(idx as u32);
            if let Some(end) = self.lambda.lose(&mut self.cx, inst, now, obs) {
                self.route(end, now, obs);
            }
        }
    }
}
