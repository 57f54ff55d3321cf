//! The workflows' entries of the summary (`summary.workflows`): executions by outcome,
//! latency, transitions, cost, and each state's and edge's counts.

use super::Workflows;
use crate::metrics::{EdgeMetrics, Executions, StateMetrics, WorkflowMetrics, round_sig};
use crate::scenario::asl::Kind;

impl Workflows {
    /// Each workflow's metrics over the measured window, by name, and their total cost.
    pub(crate) fn metrics(&mut self) -> (Vec<(String, WorkflowMetrics)>, f64) {
        self.finish_run();
        let mut total = 0.0;
        let list = self
            .flows
            .iter()
            .map(|f| {
                let s = &f.stats;
                let ended = s.succeeded + s.caught + s.failed + s.timed_out;
                let cost = f.cost();
                total += cost;
                let ran = s.started - s.throttled;
                let states = f
                    .def
                    .states
                    .iter()
                    .zip(&s.states)
                    .map(|(d, c)| StateMetrics {
                        name: d.name.clone(),
                        kind: match d.kind {
                            Kind::Task { .. } => "Task",
                            Kind::Pass => "Pass",
                            Kind::Wait(_) => "Wait",
                            Kind::Choice { .. } => "Choice",
                            Kind::Parallel { .. } => "Parallel",
                            Kind::Map { .. } => "Map",
                            Kind::Succeed => "Succeed",
                            Kind::Fail { .. } => "Fail",
                        },
                        entered: c.entered,
                        attempts: c.attempts,
                        retries: c.retries,
                        failures: c.failures,
                        caught: c.caught,
                        peak_concurrency: matches!(
                            d.kind,
                            Kind::Parallel { .. } | Kind::Map { .. }
                        )
                        .then_some(c.peak),
                    })
                    .collect();
                let mut edges = Vec::new();
                for (from, list) in s.edges.iter().enumerate() {
                    for &(to, catch, count) in list {
                        edges.push(EdgeMetrics {
                            from: f.def.states[from].name.clone(),
                            to: f.def.states[to as usize].name.clone(),
                            catch,
                            count,
                        });
                    }
                }
                let m = WorkflowMetrics {
                    kind: if f.express { "express" } else { "standard" },
                    executions: Executions {
                        started: s.started,
                        succeeded: s.succeeded,
                        caught: s.caught,
                        failed: s.failed,
                        timed_out: s.timed_out,
                        throttled: s.throttled,
                        in_flight: s.in_flight,
                    },
                    latency_ms: s.latency.summary(),
                    transitions: s.transitions,
                    transitions_per_execution: if ended > 0 {
                        round_sig(s.ended_transitions as f64 / ended as f64)
                    } else {
                        0.0
                    },
                    cost_usd: round_sig(cost),
                    cost_per_execution_usd: if ran > 0 {
                        round_sig(cost / ran as f64)
                    } else {
                        0.0
                    },
                    states,
                    edges,
                };
                (f.name.clone(), m)
            })
            .collect();
        (list, total)
    }
}
