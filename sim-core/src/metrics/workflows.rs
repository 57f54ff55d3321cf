//! A workflow's entry in `summary.json` (`workflows`): its executions by outcome, end-to-end
//! latency, transitions and cost, and each state's and edge's counts (the state diagram's).

use super::Latency;
use serde::Serialize;

/// A Step Functions workflow over the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WorkflowMetrics {
    /// `"standard"` or `"express"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub executions: Executions,
    /// End-to-end latency of the executions that succeeded (directly or through a Catch), ms.
    pub latency_ms: Latency,
    /// State transitions made (retries included).
    pub transitions: u64,
    /// Mean transitions of an execution that ended.
    pub transitions_per_execution: f64,
    pub cost_usd: f64,
    /// Cost of one execution started (not throttled).
    pub cost_per_execution_usd: f64,
    pub states: Vec<StateMetrics>,
    /// The transitions taken between states, with how often.
    pub edges: Vec<EdgeMetrics>,
}

/// Executions by how they ended.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Executions {
    /// Asked to start (StartExecution calls), throttled ones included.
    pub started: u64,
    pub succeeded: u64,
    /// Succeeded through a Catch.
    pub caught: u64,
    pub failed: u64,
    pub timed_out: u64,
    /// Refused at start by the StartExecution quota.
    pub throttled: u64,
    /// Still running at the end.
    pub in_flight: u64,
}

/// One state of a workflow.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StateMetrics {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Times entered (retries included).
    pub entered: u64,
    /// A Task's attempts (invocations).
    pub attempts: u64,
    pub retries: u64,
    /// Errors the state raised (before its retriers and catchers).
    pub failures: u64,
    /// Errors a Catch took.
    pub caught: u64,
    /// A Parallel or Map state: the most branches or items running at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_concurrency: Option<u32>,
}

/// A transition between two states.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EdgeMetrics {
    pub from: String,
    pub to: String,
    /// Taken through a Catch.
    pub catch: bool,
    pub count: u64,
}
