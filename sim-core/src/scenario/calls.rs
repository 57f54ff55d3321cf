//! A function's `calls`: what it calls during its execution ([`Call`]) — another function (sync
//! or async), a DynamoDB table (`[[tables]]`) or a generic dependency (`[[dependencies]]`) — at
//! which point of its work, how often, with which client retry policy, and what a call that
//! still fails does to the caller; and the check of the call graph (targets exist, no cycles).

use super::{Function, Platform, RetryPolicy, Scenario, err};
use crate::error::ConfigError;
use serde::{Deserialize, Serialize};

/// A call a function makes during each attempt: `count` calls one after the other at point
/// `at` of its own work, the caller waiting for each (a sync call) and billed while it waits.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// A function, table or dependency, by name.
    pub to: String,
    /// A function call's invocation: `"sync"` (the caller waits for the answer) or `"async"`
    /// (Lambda's async queue takes the event; the caller goes on at once).
    #[serde(default)]
    pub mode: CallMode,
    /// Calls made one after the other at this point (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Where in the caller's own work: `"start"` (the default), `"end"`, or a fraction from 0
    /// to 1.
    #[serde(default)]
    pub at: CallAt,
    /// A table call's operation: `"read"` (eventually consistent, the SDK's default),
    /// `"strong-read"` or `"write"`.
    #[serde(default)]
    pub op: TableOp,
    /// A table call's item size in KB (default 1): it sets the capacity units consumed.
    #[serde(default)]
    pub item_kb: Option<f64>,
    /// The caller's client retry policy for this call (a `[[retry_policies]]` name). Default:
    /// the AWS SDK's standard mode for functions and tables, none for dependencies.
    #[serde(default)]
    pub retry: Option<String>,
    /// What a sync call that still fails after its retries does: `"fail"` (the caller's
    /// attempt ends with a function error, the default) or `"ignore"` (the caller goes on).
    #[serde(default)]
    pub on_error: Option<OnError>,
}

fn one() -> u32 {
    1
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum CallMode {
    #[default]
    Sync,
    Async,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum TableOp {
    #[default]
    Read,
    StrongRead,
    Write,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    #[default]
    Fail,
    Ignore,
}

/// A point of the caller's own work.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum CallAt {
    /// A fraction of the work, from 0 to 1.
    Fraction(f64),
    /// `"start"` or `"end"`.
    Edge(Edge),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Edge {
    Start,
    End,
}

impl Default for CallAt {
    fn default() -> Self {
        CallAt::Edge(Edge::Start)
    }
}

impl CallAt {
    /// The fraction of the caller's work before the call.
    pub fn fraction(self) -> f64 {
        match self {
            CallAt::Fraction(x) => x,
            CallAt::Edge(Edge::Start) => 0.0,
            CallAt::Edge(Edge::End) => 1.0,
        }
    }
}

/// What a call's `to` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallTarget {
    Function(usize),
    Table(usize),
    Dependency(usize),
}

/// Calls a function makes at most, counts included (a guard against typos: each is a step of
/// every attempt).
pub const MAX_CALLS: u32 = 1000;

impl Scenario {
    /// What `name` names: a function, a table or a dependency.
    pub fn call_target(&self, name: &str) -> Option<CallTarget> {
        if let Some(i) = self.functions.iter().position(|f| f.name == name) {
            return Some(CallTarget::Function(i));
        }
        if let Some(i) = self.tables.iter().position(|t| t.name == name) {
            return Some(CallTarget::Table(i));
        }
        self.dependencies
            .iter()
            .position(|d| d.name == name)
            .map(CallTarget::Dependency)
    }
}

/// Checks every function's calls: targets exist, keys fit the target, counts and points are in
/// range, retry policies exist, and the graph of sync calls between functions has no cycle.
pub(super) fn check_calls(s: &Scenario) -> Result<(), ConfigError> {
    for f in &s.functions {
        let mut total = 0u64;
        for (j, c) in f.calls.iter().enumerate() {
            let key = format!("functions.{}.calls.{j}", f.name);
            check_call(s, f, c, &key, &s.retry_policies)?;
            total += c.count as u64;
        }
        if total > MAX_CALLS as u64 {
            return err(
                format!("functions.{}.calls", f.name),
                format!("at most {MAX_CALLS} calls an attempt, counts included; got {total}"),
            );
        }
    }
    if let Some(cycle) = find_cycle(s) {
        return err(
            format!("functions.{}.calls", cycle[0]),
            format!(
                "the calls form a cycle: {} (Lambda stops such loops; faasim refuses them)",
                cycle.join(" → ")
            ),
        );
    }
    Ok(())
}

fn check_call(
    s: &Scenario,
    f: &Function,
    c: &Call,
    key: &str,
    policies: &[RetryPolicy],
) -> Result<(), ConfigError> {
    let k = |field: &str| format!("{key}.{field}");
    if f.platform != Platform::Lambda {
        return err(
            k("to"),
            "calls are modelled for Lambda functions; this function runs on an Auto Scaling group",
        );
    }
    let Some(target) = s.call_target(&c.to) else {
        let mut names: Vec<&str> = s.functions.iter().map(|f| f.name.as_str()).collect();
        names.extend(s.tables.iter().map(|t| t.name.as_str()));
        names.extend(s.dependencies.iter().map(|d| d.name.as_str()));
        return err(
            k("to"),
            format!(
                "no function, table or dependency named \"{}\" (known: {})",
                c.to,
                names.join(", ")
            ),
        );
    };
    match target {
        CallTarget::Function(g) => {
            if s.functions[g].platform != Platform::Lambda {
                return err(
                    k("to"),
                    format!(
                        "\"{}\" runs on an Auto Scaling group; a call invokes a Lambda function",
                        c.to
                    ),
                );
            }
            if c.item_kb.is_some() || c.op != TableOp::Read {
                return err(k("op"), "`op` and `item_kb` are for calls to tables");
            }
            if c.mode == CallMode::Async {
                // Lambda's async queue takes the event at once; its retries are Lambda's.
                for (field, set) in [
                    ("retry", c.retry.is_some()),
                    ("on_error", c.on_error.is_some()),
                ] {
                    if set {
                        return err(
                            k(field),
                            "is for sync calls (an async call is accepted at once; Lambda's queue retries it)",
                        );
                    }
                }
            }
        }
        CallTarget::Table(_) => {
            if c.mode != CallMode::Sync {
                return err(k("mode"), "a table call is sync");
            }
            if let Some(kb) = c.item_kb
                && !(kb.is_finite() && kb > 0.0 && kb <= 400.0)
            {
                return err(
                    k("item_kb"),
                    format!(
                        "must be more than 0 and at most 400 (DynamoDB's item size limit), got {kb}"
                    ),
                );
            }
        }
        CallTarget::Dependency(_) => {
            if c.mode != CallMode::Sync {
                return err(k("mode"), "a dependency call is sync");
            }
            if c.item_kb.is_some() || c.op != TableOp::Read {
                return err(k("op"), "`op` and `item_kb` are for calls to tables");
            }
        }
    }
    if c.count == 0 {
        return err(k("count"), "must be at least 1");
    }
    let x = c.at.fraction();
    if !(0.0..=1.0).contains(&x) {
        return err(
            k("at"),
            format!("must be \"start\", \"end\" or a fraction from 0 to 1, got {x}"),
        );
    }
    if let Some(r) = &c.retry
        && !policies.iter().any(|p| &p.name == r)
    {
        let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
        return err(
            k("retry"),
            format!(
                "no retry policy named \"{r}\" (retry_policies: {})",
                names.join(", ")
            ),
        );
    }
    Ok(())
}

/// A cycle of calls between functions (sync or async), as the names along it with the first
/// repeated at the end, if there is one.
fn find_cycle(s: &Scenario) -> Option<Vec<String>> {
    let n = s.functions.len();
    let edges: Vec<Vec<usize>> = s
        .functions
        .iter()
        .map(|f| {
            f.calls
                .iter()
                .filter_map(|c| match s.call_target(&c.to) {
                    Some(CallTarget::Function(g)) => Some(g),
                    _ => None,
                })
                .collect()
        })
        .collect();
    // Depth-first search with colours: 0 unvisited, 1 on the path, 2 done.
    let mut colour = vec![0u8; n];
    let mut path: Vec<usize> = Vec::new();
    for root in 0..n {
        if colour[root] != 0 {
            continue;
        }
        // Each stack entry: a function and the index of its next edge.
        let mut stack = vec![(root, 0usize)];
        colour[root] = 1;
        path.push(root);
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&w) = edges[v].get(*next) {
                *next += 1;
                match colour[w] {
                    0 => {
                        colour[w] = 1;
                        path.push(w);
                        stack.push((w, 0));
                    }
                    1 => {
                        let from = path.iter().position(|&p| p == w).expect("on the path");
                        let mut names: Vec<String> = path[from..]
                            .iter()
                            .map(|&p| s.functions[p].name.clone())
                            .collect();
                        names.push(s.functions[w].name.clone());
                        return Some(names);
                    }
                    _ => {}
                }
            } else {
                colour[v] = 2;
                path.pop();
                stack.pop();
            }
        }
    }
    None
}
