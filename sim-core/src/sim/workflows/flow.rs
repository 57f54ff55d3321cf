//! A workflow as the run holds it (`Flow`: its compiled definition, its type's limits and
//! prices, the workload of each Task, the error names its failures take, what it counted), and
//! `build`: the workflows of a scenario, their definitions read (a file through `Resources`)
//! and compiled, one workload per Task state (appended after the calls').

use super::{Ending, Reserve, Workflows};
use crate::error::{InputError, SimError};
use crate::metrics::LatencyHist;
use crate::resources::Resources;
use crate::retry::Failure;
use crate::rng::{SimRng, stream};
use crate::scenario::asl::{self, Def, Kind, TaskTarget};
use crate::scenario::{Definition, EXPRESS_MAX, STANDARD_MAX, Scenario, WorkflowType};
use crate::sim::calls::{Backends, Edge};
use crate::sim::ids::{DepId, FnId, TableId};
use crate::sim::{Bucket, Invocation, Target, Workload};
use std::io::Read;

/// What one state counted over the measured window.
#[derive(Clone, Debug, Default)]
pub(crate) struct StateStats {
    pub(crate) entered: u64,
    pub(crate) attempts: u64,
    pub(crate) retries: u64,
    pub(crate) failures: u64,
    pub(crate) caught: u64,
    /// A `Parallel` or `Map` state: the most branches or items running at once.
    pub(crate) peak: u32,
}

/// What a workflow counted over the measured window.
#[derive(Clone)]
pub(crate) struct FlowStats {
    pub(crate) started: u64,
    pub(crate) throttled: u64,
    pub(crate) succeeded: u64,
    pub(crate) caught: u64,
    pub(crate) failed: u64,
    pub(crate) timed_out: u64,
    pub(crate) in_flight: u64,
    /// State transitions made (retries included) by measured executions, and those of the
    /// executions that ended.
    pub(crate) transitions: u64,
    pub(crate) ended_transitions: u64,
    /// Express: billed GB-seconds.
    pub(crate) gb_seconds: f64,
    /// In the current sample interval, warmup included: executions started (throttled ones
    /// included), succeeded, caught, failed, timed out and throttled; and those running now.
    pub(crate) bin: [u64; 6],
    pub(crate) running: u64,
    /// End-to-end latency of the executions that succeeded (directly or through a Catch).
    pub(crate) latency: LatencyHist,
    pub(crate) states: Vec<StateStats>,
    /// Each state's edges taken: (to, a `Catch`), and how often.
    pub(crate) edges: Vec<Vec<(u32, bool, u64)>>,
}

impl FlowStats {
    /// The transition from state `s` to `n` (by `Next`, a Choice rule or `Default`).
    pub(crate) fn edge(&mut self, s: u32, n: u32, measured: bool) {
        self.bump(s, n, false, measured);
    }

    /// A `Catch` from state `s` to `n`.
    pub(crate) fn catch(&mut self, s: u32, n: u32, measured: bool) {
        self.bump(s, n, true, measured);
    }

    fn bump(&mut self, s: u32, n: u32, catch: bool, measured: bool) {
        if !measured {
            return;
        }
        let list = &mut self.edges[s as usize];
        match list.iter_mut().find(|e| e.0 == n && e.1 == catch) {
            Some(e) => e.2 += 1,
            None => list.push((n, catch, 1)),
        }
    }
}

/// A workflow of the run.
pub(crate) struct Flow {
    pub(crate) name: String,
    pub(crate) def: Def,
    pub(crate) express: bool,
    /// The execution's timeout: its `TimeoutSeconds`, at most its type's limit.
    pub(crate) timeout: u64,
    pub(crate) transition_latency: u64,
    /// Each Task state's workload (others: `u32::MAX`).
    pub(crate) task_workload: Vec<u32>,
    /// Each state's error for a `Failure` (throttle, error, timeout, service error).
    fails: Vec<[u16; 4]>,
    pub(crate) runtime_error: u16,
    pub(crate) no_choice: u16,
    /// Express: billed memory in GB (64 MB steps).
    pub(crate) memory_gb: f64,
    pub(crate) transition_price: f64,
    pub(crate) request_price: f64,
    pub(crate) gb_second_price: f64,
    pub(crate) stats: FlowStats,
}

impl Flow {
    /// The error a Task attempt at state `s` failed with.
    pub(crate) fn error_of(&self, s: u32, f: Failure) -> u16 {
        let i = match f {
            Failure::Throttle => 0,
            Failure::Error => 1,
            Failure::Timeout => 2,
            Failure::ServiceError => 3,
        };
        self.fails[s as usize][i]
    }

    /// An execution of `ns` that made `transitions` ended `how`.
    pub(crate) fn count(&mut self, how: Ending, ns: u64, transitions: u32) {
        let s = &mut self.stats;
        match how {
            Ending::Succeeded => s.succeeded += 1,
            Ending::Caught => s.caught += 1,
            Ending::Failed => s.failed += 1,
            Ending::TimedOut => s.timed_out += 1,
        }
        if matches!(how, Ending::Succeeded | Ending::Caught) {
            s.latency.record(ns);
        }
        s.ended_transitions += transitions as u64;
        if self.express {
            // Rounded up to the next 100 ms (S65).
            let tenths = ns.div_ceil(100_000_000);
            s.gb_seconds += tenths as f64 * 0.1 * self.memory_gb;
        }
    }

    /// Its cost over the measured window: Standard by transition, Express by execution and
    /// GB-second (S65).
    pub(crate) fn cost(&self) -> f64 {
        let s = &self.stats;
        if self.express {
            let ended = s.succeeded + s.caught + s.failed + s.timed_out;
            ended as f64 * self.request_price / 1e6 + s.gb_seconds * self.gb_second_price
        } else {
            s.transitions as f64 * self.transition_price
        }
    }
}

/// Reads the ASL document of a workflow's `definition` file, at most `MAX_DEFINITION` bytes.
fn read_definition(
    res: &dyn Resources,
    path: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, InputError> {
    let file = res.display(path);
    let fail = |line: u64, message: String| InputError {
        file: file.clone(),
        line,
        message,
    };
    let reader = res.open(path).map_err(|m| fail(0, m))?;
    let mut text = Vec::new();
    reader
        .take(asl::MAX_DEFINITION as u64 + 1)
        .read_to_end(&mut text)
        .map_err(|e| fail(0, e.to_string()))?;
    if text.len() > asl::MAX_DEFINITION {
        return Err(fail(
            0,
            format!(
                "longer than {} bytes (Step Functions' limit on a definition)",
                asl::MAX_DEFINITION
            ),
        ));
    }
    match serde_json::from_slice::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => Err(fail(1, "$: an ASL definition is a JSON object".into())),
        Err(e) => Err(fail(e.line() as u64, format!("not valid JSON: {e}"))),
    }
}

/// The workflows of `scenario`, with one workload (and one call edge) per Task state appended
/// to `workloads` and `backends`.
pub(crate) fn build(
    scenario: &Scenario,
    res: &dyn Resources,
    workloads: &mut Vec<Workload>,
    backends: &mut Backends,
) -> Result<Workflows, SimError> {
    let seed = scenario.simulation.seed;
    let mut flows = Vec::new();
    for w in &scenario.workflows {
        let mut def = match &w.definition {
            Definition::Inline(doc) => asl::compile(doc, w, scenario).expect("validated"),
            Definition::File(path) => {
                let doc = read_definition(res, path)?;
                asl::compile(&doc, w, scenario).map_err(|m| InputError {
                    file: res.display(path),
                    line: 0,
                    message: m,
                })?
            }
        };
        let express = w.kind == WorkflowType::Express;
        let max = if express { EXPRESS_MAX } else { STANDARD_MAX }.0;
        let timeout = def.timeout.unwrap_or(max).min(max);
        let mut intern = |name: &str| -> u16 {
            match def.error(name) {
                Some(i) => i,
                None => {
                    def.errors.push(name.to_string());
                    (def.errors.len() - 1) as u16
                }
            }
        };
        let lambda = [
            intern(asl::LAMBDA_THROTTLED),
            0,
            intern(asl::LAMBDA_TIMEOUT),
            intern(asl::LAMBDA_SERVICE),
        ];
        let dynamo = [
            intern(asl::DYNAMO_THROTTLED),
            intern(asl::DYNAMO_SERVICE),
            intern(asl::DYNAMO_SERVICE),
            intern(asl::DYNAMO_SERVICE),
        ];
        let http = [
            intern(asl::HTTP_THROTTLED),
            intern(asl::HTTP_SERVICE),
            intern(asl::HTTP_SERVICE),
            intern(asl::HTTP_SERVICE),
        ];
        let runtime_error = intern("States.Runtime");
        let no_choice = intern("States.NoChoiceMatched");
        let mut task_workload = vec![u32::MAX; def.states.len()];
        let mut fails = vec![[0u16; 4]; def.states.len()];
        for (s, st) in def.states.iter().enumerate() {
            let Kind::Task { target, error, .. } = &st.kind else {
                continue;
            };
            let i = workloads.len() as u64;
            let (target, function, units, write, to) = match *target {
                TaskTarget::Function(f) => {
                    fails[s] = [lambda[0], *error, lambda[2], lambda[3]];
                    let name = scenario.functions[f as usize].name.clone();
                    (Target::Lambda(FnId(f)), f, 0.0, false, name)
                }
                TaskTarget::Table { table, write } => {
                    fails[s] = dynamo;
                    let units = crate::sim::calls::table_units(write, false, w.item_kb);
                    let name = scenario.tables[table as usize].name.clone();
                    (Target::Table(TableId(table)), 0, units, write, name)
                }
                TaskTarget::Dependency(d) => {
                    fails[s] = http;
                    let name = scenario.dependencies[d as usize].name.clone();
                    (Target::Dep(DepId(d)), 0, 0.0, false, name)
                }
            };
            task_workload[s] = workloads.len() as u32;
            workloads.push(Workload::hidden(
                function,
                target,
                Invocation::Sync,
                None,
                seed,
                i,
            ));
            backends.edges.push(Edge {
                task: true,
                units,
                write,
                ..Edge::new(0, to, true)
            });
        }
        let n = def.states.len();
        flows.push(super::Flow {
            name: w.name.clone(),
            express,
            timeout,
            transition_latency: w.transition_latency.0,
            task_workload,
            fails,
            runtime_error,
            no_choice,
            memory_gb: (w.memory_mb.div_ceil(64) * 64) as f64 / 1024.0,
            transition_price: w.transition_price,
            request_price: w.express_request_price,
            gb_second_price: w.express_gb_second_price,
            stats: FlowStats {
                started: 0,
                throttled: 0,
                succeeded: 0,
                caught: 0,
                failed: 0,
                timed_out: 0,
                in_flight: 0,
                transitions: 0,
                ended_transitions: 0,
                gb_seconds: 0.0,
                bin: [0; 6],
                running: 0,
                latency: LatencyHist::precise(),
                states: vec![StateStats::default(); n],
                edges: vec![Vec::new(); n],
            },
            def,
        });
    }
    let acc = &scenario.account;
    let big = matches!(acc.region.as_str(), "us-east-1" | "us-west-2" | "eu-west-1");
    let (start, refill, tb, tr) = if big {
        (1300.0, 300.0, 5000.0, 5000.0)
    } else {
        (800.0, 150.0, 800.0, 800.0)
    };
    let q = &acc.step_functions;
    Ok(Workflows {
        flows,
        execs: Vec::new(),
        free_execs: Vec::new(),
        threads: Vec::new(),
        free_threads: Vec::new(),
        joins: Vec::new(),
        free_joins: Vec::new(),
        next_seq: 0,
        rng: SimRng::new(seed, stream::FAULT | 5 << 40),
        starts: [
            Bucket::new(
                q.standard_start_burst.unwrap_or(start),
                q.standard_start_rate.unwrap_or(refill),
                true,
            ),
            Bucket::new(
                q.express_start_burst.unwrap_or(6000.0),
                q.express_start_rate.unwrap_or(6000.0),
                true,
            ),
        ],
        transitions: Reserve::new(
            q.transition_burst.unwrap_or(tb),
            q.transition_rate.unwrap_or(tr),
        ),
        steps: Default::default(),
        out: Default::default(),
    })
}
