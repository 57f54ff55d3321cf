//! Step Functions workflows: a chain's latency, transitions and costs exact; Retry's backoff
//! and Catch; a Map's concurrency and makespan against the direct computation; ASL files with
//! every supported state, and each unsupported feature named by its JSON path; invariants of
//! random workflows.

mod common;
use common::*;
use proptest::prelude::*;
use sim_core::metrics::WorkflowMetrics;
use sim_core::{NullObserver, Resources, SimError, Simulation};
use std::io::BufRead;

fn wf<'a>(s: &'a sim_core::Summary, name: &str) -> &'a WorkflowMetrics {
    s.workflows.get(name).expect("the workflow's metrics")
}

/// Functions with constant work and no cold start (so that times add up exactly).
fn constant_functions(works: &[(&str, &str)]) -> String {
    works
        .iter()
        .map(|(name, work)| {
            format!(
                "[[functions]]\nname = \"{name}\"\nduration = {{ dist = \"constant\", value = \"{work}\" }}\ncold_start = {{ dist = \"constant\", value = \"0s\" }}\n\n"
            )
        })
        .collect()
}

const CHAIN: &str = r#"StartAt = "A"
States = { A = { Type = "Task", Resource = "a", Next = "B" }, B = { Type = "Task", Resource = "b", Next = "C" }, C = { Type = "Task", Resource = "c", End = true } }"#;

fn chain(kind: &str) -> String {
    format!(
        "[simulation]\nduration = \"1h\"\n\n{}[[workflows]]\nname = \"order\"\ntype = \"{kind}\"\nmemory_mb = 100\n[workflows.definition]\n{CHAIN}\n\n[[workloads]]\nworkflow = \"order\"\narrivals = {{ process = \"poisson\", rate = 2.0 }}\n",
        constant_functions(&[("a", "100ms"), ("b", "250ms"), ("c", "150ms")])
    )
}

#[test]
fn a_chain_of_three_tasks_adds_up_exactly_and_costs_what_the_price_list_says() {
    let std = run(&chain("standard"));
    let m = wf(&std, "order");
    let n = m.executions.succeeded;
    assert!(n > 6000, "{n} executions");
    assert_eq!(m.executions.started, n + m.executions.in_flight);
    assert_eq!(m.executions.failed + m.executions.throttled, 0);
    // 100 + 250 + 150 ms, every execution.
    assert_eq!(m.latency_ms.mean, 500.0);
    assert_eq!(m.latency_ms.max, 500.0);
    assert_eq!(m.transitions_per_execution, 3.0);
    // Standard: $0.025 per 1,000 transitions.
    let want = m.transitions as f64 * 0.025 / 1000.0;
    assert!(rel_err(m.cost_usd, want) < 1e-3, "{} vs {want}", m.cost_usd);
    assert_eq!(
        m.transitions,
        m.states.iter().map(|s| s.entered).sum::<u64>()
    );
    // Each function ran once per execution.
    for (i, f) in ["a", "b", "c"].into_iter().enumerate() {
        assert_eq!(std.functions.get(f).unwrap().requests, m.states[i].entered);
    }

    let exp = run(&chain("express"));
    let m = wf(&exp, "order");
    let n = m.executions.succeeded;
    // Express: $1 per million executions, and 0.5 s (already a multiple of 100 ms) at 128 MB
    // (100 MB in 64 MB steps) at $0.00001667 per GB-second.
    let want = n as f64 * (1e-6 + 0.5 * 128.0 / 1024.0 * 0.000_016_67);
    assert!(rel_err(m.cost_usd, want) < 1e-3, "{} vs {want}", m.cost_usd);
    assert_eq!(m.latency_ms.max, 500.0);
    // Lambda's own cost is the functions', whatever the workflow type.
    assert_eq!(
        std.functions.get("b").unwrap().cost_usd.compute
            / std.functions.get("b").unwrap().requests as f64,
        exp.functions.get("b").unwrap().cost_usd.compute
            / exp.functions.get("b").unwrap().requests as f64
    );
}

/// One execution at 10 s of a Task that Lambda fails with a service error until `until`, with
/// a retrier (2 s, backoff 3) of `attempts` and a Catch to a compensation step.
fn retried(attempts: u32, until: &str, jitter: &str) -> String {
    format!(
        r#"[simulation]
duration = "10m"

{}[[workflows]]
name = "pay"
[workflows.definition]
StartAt = "Charge"
[workflows.definition.States.Charge]
Type = "Task"
Resource = "charge"
Retry = [{{ ErrorEquals = ["Lambda.ServiceException"], IntervalSeconds = 2, BackoffRate = 3, MaxAttempts = {attempts}, JitterStrategy = "{jitter}" }}]
Catch = [{{ ErrorEquals = ["States.ALL"], Next = "Refund" }}]
Next = "Done"
[workflows.definition.States.Refund]
Type = "Task"
Resource = "refund"
End = true
[workflows.definition.States.Done]
Type = "Succeed"

[[workloads]]
workflow = "pay"
arrivals = {{ process = "constant", rate = 0.1, end = "15s" }}

[[incidents]]
start = "0s"
end = "{until}"
functions = ["charge"]
service_error_probability = 1.0
"#,
        constant_functions(&[("charge", "100ms"), ("refund", "300ms")])
    )
}

#[test]
fn a_task_retried_twice_waits_interval_times_backoff_to_the_k_and_then_succeeds() {
    // Attempts at 10 s, 12 s (after 2 s) and 18 s (after 2 × 3 s); Lambda refuses the first
    // two, until 17 s.
    let s = run(&retried(3, "17s", "NONE"));
    let m = wf(&s, "pay");
    assert_eq!(m.executions.started, 1);
    assert_eq!(m.executions.succeeded, 1);
    assert_eq!(m.latency_ms.max, 8_100.0);
    let charge = &m.states[0];
    assert_eq!(charge.name, "Charge");
    assert_eq!(
        (charge.attempts, charge.retries, charge.failures),
        (3, 2, 2)
    );
    // The two retries are transitions too: Charge three times, then Done.
    assert_eq!(m.transitions, 4);
    assert_eq!(s.functions.get("refund").unwrap().requests, 0);
}

#[test]
fn a_task_out_of_attempts_is_caught_and_the_execution_ends_caught() {
    // One retry at 12 s is refused too: the Catch runs Refund (300 ms).
    let s = run(&retried(1, "1h", "NONE"));
    let m = wf(&s, "pay");
    assert_eq!(m.executions.caught, 1);
    assert_eq!(m.executions.succeeded + m.executions.failed, 0);
    assert_eq!(m.latency_ms.max, 2_300.0);
    assert_eq!(m.states[0].caught, 1);
    let edge = m.edges.iter().find(|e| e.catch).expect("a catch edge");
    assert_eq!(
        (edge.from.as_str(), edge.to.as_str(), edge.count),
        ("Charge", "Refund", 1)
    );
    assert_eq!(s.functions.get("refund").unwrap().requests, 1);
}

#[test]
fn full_jitter_waits_a_uniform_fraction_of_the_backoff() {
    // Many executions, each failing once (Lambda refuses every attempt: the Catch ends them):
    // the retry waits U(0, 2 s), so the caught latency is 2 × 100 ms of work + U(0, 2 s)
    // + 300 ms, mean 1.5 s.
    let text = retried(1, "1h", "FULL").replace("rate = 0.1, end = \"15s\"", "rate = 5.0");
    let m = run(&text).workflows.get("pay").unwrap().clone();
    assert!(m.executions.caught > 2000);
    assert!(
        (m.latency_ms.mean - 1_300.0).abs() < 40.0,
        "{}",
        m.latency_ms.mean
    );
    assert!(m.latency_ms.max <= 2_300.0 && m.latency_ms.p50 < 1_500.0);
}

/// A Map over `items` items, at most `m` at once, each a Task of exponential work (mean
/// 100 ms).
fn map(items: u32, m: u32) -> String {
    format!(
        r#"[simulation]
duration = "2h"

[[functions]]
name = "ship"
duration = {{ dist = "exponential", mean = "100ms" }}
cold_start = {{ dist = "constant", value = "0s" }}

[account]
concurrency_limit = 10000

[[workflows]]
name = "fanout"
type = "express"
items = {{ Ship = {items} }}
[workflows.definition]
StartAt = "Ship"
[workflows.definition.States.Ship]
Type = "Map"
MaxConcurrency = {m}
End = true
ItemProcessor = {{ StartAt = "One", States = {{ One = {{ Type = "Task", Resource = "ship", End = true }} }} }}

[[workloads]]
workflow = "fanout"
arrivals = {{ process = "poisson", rate = 3.0 }}
"#
    )
}

#[test]
fn a_map_runs_at_most_its_concurrency_and_its_makespan_is_the_direct_computation() {
    let (n, m) = (20u32, 3u32);
    let s = run(&map(n, m));
    let w = wf(&s, "fanout");
    assert_eq!(w.states[0].peak_concurrency, Some(m));
    assert_eq!(
        w.states[1].entered,
        n as u64 * w.states[0].entered - count_unfinished(w, n)
    );
    // n − m items start as others end, all m busy (rate m/mean); then the last m end one by
    // one: E = (n − m)·mean/m + mean·H(m).
    let h: f64 = (1..=m).map(|k| 1.0 / k as f64).sum();
    let want = 100.0 * ((n - m) as f64 / m as f64 + h);
    assert!(w.executions.succeeded > 20_000);
    assert!(
        rel_err(w.latency_ms.mean, want) < 0.01,
        "{} vs {want}",
        w.latency_ms.mean
    );
    // MaxConcurrency 0: all items at once, up to the inline Map's 40.
    let s = run(&map(50, 0));
    assert_eq!(wf(&s, "fanout").states[0].peak_concurrency, Some(40));
}

/// Items of executions still running at the end that have not started.
fn count_unfinished(w: &WorkflowMetrics, n: u32) -> u64 {
    let entered = w.states[0].entered * n as u64;
    entered - w.states[1].entered
}

/// Files given as strings.
struct Files(Vec<(&'static str, String)>);
impl Resources for Files {
    fn open(&self, path: &str) -> Result<Box<dyn BufRead>, String> {
        match self.0.iter().find(|(p, _)| *p == path) {
            Some((_, text)) => Ok(Box::new(std::io::Cursor::new(text.clone().into_bytes()))),
            None => Err(format!("no file {path}")),
        }
    }
}

const EVERY_STATE: &str = r#"{
  "Comment": "Every state type faasim runs",
  "StartAt": "Validate",
  "TimeoutSeconds": 600,
  "States": {
    "Validate": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": { "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:validate:$LATEST", "Payload.$": "$" },
      "ResultPath": "$.validation", "TimeoutSeconds": 30,
      "Retry": [ { "ErrorEquals": ["Lambda.TooManyRequestsException", "Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2, "MaxDelaySeconds": 5, "JitterStrategy": "FULL" } ],
      "Catch": [ { "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Rejected" } ],
      "Next": "InStock?" },
    "InStock?": { "Type": "Choice",
      "Choices": [ { "Variable": "$.validation.ok", "BooleanEquals": true, "Next": "Prepare" } ],
      "Default": "Rejected" },
    "Prepare": { "Type": "Parallel", "Next": "ShipAll",
      "Branches": [
        { "StartAt": "Reserve", "States": { "Reserve": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": { "TableName": "stock", "Item": {} }, "End": true } } },
        { "StartAt": "Pause", "States": { "Pause": { "Type": "Wait", "Seconds": 2, "Next": "Note" }, "Note": { "Type": "Pass", "Result": "ok", "End": true } } }
      ] },
    "ShipAll": { "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
      "ItemProcessor": { "ProcessorConfig": { "Mode": "INLINE" }, "StartAt": "Ship",
        "States": { "Ship": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ship", "End": true } } },
      "Next": "Done" },
    "Done": { "Type": "Succeed" },
    "Rejected": { "Type": "Fail", "Error": "OrderRejected", "Cause": "not in stock" }
  }
}"#;

fn order_scenario(definition: &str) -> (sim_core::Scenario, Files) {
    let text = format!(
        r#"[simulation]
duration = "30m"

{}[[tables]]
name = "stock"

[[workflows]]
name = "order"
definition = "order.asl.json"
choices = {{ "InStock?" = [0.8] }}
items = {{ ShipAll = 3 }}

[[workloads]]
workflow = "order"
arrivals = {{ process = "poisson", rate = 1.0 }}
"#,
        constant_functions(&[("validate", "50ms"), ("ship", "200ms")])
    );
    (
        scenario(&text),
        Files(vec![("order.asl.json", definition.to_string())]),
    )
}

#[test]
fn an_asl_file_with_every_supported_state_loads_and_runs() {
    let (sc, files) = order_scenario(EVERY_STATE);
    sc.validate().expect("valid");
    let out = Simulation::new(&sc, &files)
        .expect("the definition compiles")
        .run(&mut NullObserver)
        .expect("runs");
    let m = wf(&out.summary, "order");
    let by = |n: &str| m.states.iter().find(|s| s.name == n).unwrap();
    let runs = by("Validate").entered;
    assert!(runs > 1500);
    // 80 % go on; the rest fail with OrderRejected.
    let ok = by("Prepare").entered as f64 / runs as f64;
    assert!((ok - 0.8).abs() < 0.04, "{ok}");
    assert_eq!(by("Rejected").entered, m.executions.failed);
    assert_eq!(
        by("Ship").entered,
        3 * by("ShipAll").entered - unfinished_items(m)
    );
    assert_eq!(by("ShipAll").peak_concurrency, Some(2));
    assert_eq!(
        out.summary.services.table("stock").unwrap().requests,
        by("Reserve").entered
    );
    // 50 ms, then the longer branch (2 s), then 3 items two at a time: 400 ms.
    assert_eq!(m.latency_ms.max, 2_450.0);
}

fn unfinished_items(m: &WorkflowMetrics) -> u64 {
    let by = |n: &str| m.states.iter().find(|s| s.name == n).unwrap();
    3 * by("ShipAll").entered - by("Ship").entered
}

#[test]
fn each_unsupported_asl_feature_is_refused_with_its_json_path() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r#""TimeoutSeconds": 30,"#,
            r#""TimeoutSeconds": 30, "HeartbeatSeconds": 10,"#,
            "$.States.Validate.HeartbeatSeconds",
        ),
        (
            r#""Seconds": 2,"#,
            r#""SecondsPath": "$.wait","#,
            "$.States.Prepare.Branches[1].States.Pause.SecondsPath",
        ),
        (
            r#""Mode": "INLINE""#,
            r#""Mode": "DISTRIBUTED""#,
            "$.States.ShipAll.ItemProcessor.ProcessorConfig.Mode",
        ),
        (
            r#""MaxConcurrency": 2,"#,
            r#""MaxConcurrency": 2, "ToleratedFailurePercentage": 5,"#,
            "$.States.ShipAll.ToleratedFailurePercentage",
        ),
        (
            r#""MaxConcurrency": 2,"#,
            r#""MaxConcurrency": 2, "ItemReader": {},"#,
            "$.States.ShipAll.ItemReader",
        ),
        (
            "arn:aws:states:::dynamodb:putItem",
            "arn:aws:states:::sqs:sendMessage",
            "$.States.Prepare.Branches[0].States.Reserve.Resource",
        ),
        (
            "arn:aws:states:::lambda:invoke\"",
            "arn:aws:states:::lambda:invoke.waitForTaskToken\"",
            "$.States.Validate.Resource",
        ),
        (
            r#""JitterStrategy": "FULL""#,
            r#""JitterStrategy": "SOME""#,
            "$.States.Validate.Retry[0].JitterStrategy",
        ),
        (
            r#""Type": "Succeed""#,
            r#""Type": "Fancy""#,
            "$.States.Done.Type",
        ),
        (
            r#""Next": "Done" },"#,
            r#""Next": "Nowhere" },"#,
            "$.States.ShipAll.Next",
        ),
        (
            r#""ErrorEquals": ["States.ALL"], "ResultPath""#,
            r#""ErrorEquals": ["States.ALL", "X"], "ResultPath""#,
            "$.States.Validate.Catch[0].ErrorEquals[0]",
        ),
        (
            "function:validate:$LATEST",
            "function:nobody",
            "$.States.Validate.Parameters.FunctionName",
        ),
        (
            r#""Error": "OrderRejected","#,
            r#""ErrorPath": "$.e","#,
            "$.States.Rejected.ErrorPath",
        ),
    ];
    for (from, to, path) in cases {
        assert!(EVERY_STATE.contains(from), "{from}");
        let (sc, files) = order_scenario(&EVERY_STATE.replacen(from, to, 1));
        match Simulation::new(&sc, &files) {
            Err(SimError::Input(e)) => {
                assert_eq!(e.file, "order.asl.json");
                assert!(e.message.starts_with(path), "{path}: {}", e.message);
            }
            Err(e) => panic!("{path}: {e}"),
            Ok(_) => panic!("{path}: accepted"),
        }
    }
    // Not JSON at all: the line is named.
    let (sc, files) = order_scenario("{\n  \"StartAt\": \"A\",\n  oops\n}");
    match Simulation::new(&sc, &files) {
        Err(SimError::Input(e)) => assert_eq!(e.line, 3, "{e}"),
        _ => panic!("bad JSON accepted"),
    }
    // A Choice without its probabilities.
    let mut sc = order_scenario(EVERY_STATE).0;
    sc.workflows[0].choices.clear();
    let e = Simulation::new(&sc, &order_scenario(EVERY_STATE).1)
        .err()
        .unwrap();
    assert!(e.to_string().contains("choices.InStock?"), "{e}");
}

#[test]
fn bad_workflow_settings_exit_2_naming_the_key_or_the_json_path() {
    let dir = temp_dir("workflow-bad");
    let base = chain("standard");
    for (from, to, expect) in [
        ("type = \"standard\"", "type = \"fast\"", "type"),
        (
            "Resource = \"b\"",
            "Resource = \"nobody\"",
            "workflows.order.definition: $.States.B.Resource",
        ),
        (
            "workflow = \"order\"",
            "workflow = \"other\"",
            "workloads.0.workflow",
        ),
        (
            "memory_mb = 100",
            "memory_mb = 0",
            "workflows.order.memory_mb",
        ),
        (
            "Next = \"C\"",
            "Next = \"C\", HeartbeatSeconds = 3",
            "$.States.B.HeartbeatSeconds",
        ),
    ] {
        let text = base.replacen(from, to, 1);
        assert_ne!(text, base);
        std::fs::write(dir.join("s.toml"), &text).unwrap();
        let o = faasim(&["validate", "s.toml"], &dir);
        assert_eq!(o.status.code(), Some(2), "{from}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(expect), "{expect}: {err}");
    }
    // A definition file that is not there, or not an object.
    std::fs::write(
        dir.join("f.toml"),
        base.replace(
            "[workflows.definition]\n",
            "definition = \"missing.json\"\n[unused]\n",
        ),
    )
    .unwrap();
    let o = faasim(&["run", "f.toml", "--out", "o", "-q"], &dir);
    assert_eq!(o.status.code(), Some(2));
}

/// A random workflow: a chain of `kinds` (0 Task, 1 Pass, 2 Wait, 3 Choice back or on, 4 Map,
/// 5 Task with a timeout, 6 Parallel of a Task and a Pass then a Task), each Task retried and
/// caught by the next state. A machine's first state is named `I…`.
fn random_workflow(kinds: &[u8], error_p: f64, items: u32, conc: u32, timeout: u32) -> String {
    let n = kinds.len();
    let name = |i: usize| format!("S{i}");
    let next = |i: usize| {
        if i + 1 < n {
            format!("Next = \"{}\"", name(i + 1))
        } else {
            "End = true".into()
        }
    };
    let mut states = String::new();
    let mut choices = String::new();
    let mut maps = String::new();
    for (i, k) in kinds.iter().enumerate() {
        let catch = if i + 1 < n {
            format!(
                ", Catch = [{{ ErrorEquals = [\"States.ALL\"], Next = \"{}\" }}]",
                name(i + 1)
            )
        } else {
            String::new()
        };
        let retry = ", Retry = [{ ErrorEquals = [\"States.TaskFailed\"], IntervalSeconds = 1, MaxAttempts = 2 }]";
        let body = match k {
            0 => format!(
                "Type = \"Task\", Resource = \"work\", {}{retry}{catch}",
                next(i)
            ),
            1 => format!("Type = \"Pass\", {}", next(i)),
            2 => format!("Type = \"Wait\", Seconds = 1, {}", next(i)),
            3 => {
                choices.push_str(&format!("S{i} = [0.3]\n"));
                let back = name(i.saturating_sub(1));
                let on = if i + 1 < n { name(i + 1) } else { "Fin".into() };
                format!(
                    "Type = \"Choice\", Choices = [{{ Next = \"{back}\" }}], Default = \"{on}\""
                )
            }
            4 => {
                maps.push_str(&format!("S{i} = {items}\n"));
                format!(
                    "Type = \"Map\", MaxConcurrency = {conc}, {}, ItemProcessor = {{ StartAt = \"I{i}\", States = {{ I{i} = {{ Type = \"Task\", Resource = \"work\", End = true }} }} }}{catch}",
                    next(i)
                )
            }
            5 => format!(
                "Type = \"Task\", Resource = \"work\", TimeoutSeconds = 1, {}{catch}",
                next(i)
            ),
            _ => format!(
                "Type = \"Parallel\", {}, Branches = [{{ StartAt = \"I{i}a\", States = {{ I{i}a = {{ Type = \"Task\", Resource = \"work\", End = true }} }} }}, {{ StartAt = \"I{i}b\", States = {{ I{i}b = {{ Type = \"Pass\", Next = \"J{i}\" }}, J{i} = {{ Type = \"Task\", Resource = \"work\", End = true }} }} }}]{catch}",
                next(i)
            ),
        };
        states.push_str(&format!("S{i} = {{ {body} }}\n"));
    }
    format!(
        r#"[simulation]
duration = "20m"
seed = 3

[[functions]]
name = "work"
duration = {{ dist = "exponential", mean = "600ms" }}
error_probability = {error_p}
reserved_concurrency = 30

[[workflows]]
name = "w"
[workflows.choices]
{choices}
[workflows.items]
{maps}
[workflows.definition]
TimeoutSeconds = {timeout}
StartAt = "S0"
[workflows.definition.States]
{states}Fin = {{ Type = "Succeed" }}
[[workloads]]
workflow = "w"
arrivals = {{ process = "poisson", rate = 4.0 }}
"#
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn every_execution_ends_once_transitions_add_up_and_no_map_exceeds_its_concurrency(
        kinds in prop::collection::vec(0u8..7, 1..7),
        error_p in 0.0f64..0.6,
        items in 0u32..12,
        conc in 0u32..5,
        timeout in 5u32..120,
    ) {
        let text = random_workflow(&kinds, error_p, items, conc, timeout);
        let s = run(&text);
        let m = wf(&s, "w");
        let e = &m.executions;
        // Each started execution ended in exactly one way, or runs still.
        prop_assert_eq!(e.started, e.succeeded + e.caught + e.failed + e.timed_out + e.throttled + e.in_flight);
        // Transitions counted (entries and retries) equal the states entered.
        let entered: u64 = m.states.iter().map(|s| s.entered).sum();
        prop_assert_eq!(m.transitions, entered);
        // Every entry is an execution's first, an item's first, a retry or an edge taken; a
        // retry due after its execution timed out, or still pending at the end, never enters.
        let edges: u64 = m.edges.iter().map(|e| e.count).sum();
        let retries: u64 = m.states.iter().map(|s| s.retries).sum();
        let items_first: u64 = m
            .states
            .iter()
            .filter(|s| s.name.starts_with('I'))
            .map(|s| s.entered - s.retries)
            .sum();
        let made = edges + retries + items_first + (e.started - e.throttled);
        prop_assert!(entered <= made, "{} > {}", entered, made);
        let pending = (e.in_flight + e.timed_out) * (1 + items as u64);
        prop_assert!(made - entered <= pending, "{} vs {}", made, entered);
        // Each Task attempt is one invocation of the function.
        let attempts: u64 = m.states.iter().map(|s| s.attempts).sum();
        prop_assert_eq!(attempts, s.functions.get("work").unwrap().requests);
        for st in &m.states {
            match (st.kind, st.peak_concurrency) {
                ("Map", Some(p)) => {
                    let limit = if conc == 0 { 40 } else { conc.min(40) };
                    prop_assert!(p <= limit.min(items), "{} > {}", p, limit);
                }
                ("Parallel", Some(p)) => prop_assert!(p <= 2),
                _ => {}
            }
        }
    }
}

/// A Task of 3 s with `TimeoutSeconds = 1`, caught by `catch` (if any), in an execution of
/// `timeout` s.
fn timeouts(catch: &str, timeout: u32) -> String {
    format!(
        r#"[simulation]
duration = "10m"

{}[[workflows]]
name = "w"
[workflows.definition]
StartAt = "Slow"
TimeoutSeconds = {timeout}
[workflows.definition.States.Slow]
Type = "Task"
Resource = "slow"
TimeoutSeconds = 1
{catch}
End = true
[workflows.definition.States.Fallback]
Type = "Wait"
Seconds = 2
End = true

[[workloads]]
workflow = "w"
arrivals = {{ process = "constant", rate = 0.5 }}
"#,
        constant_functions(&[("slow", "3s")])
    )
}

#[test]
fn a_task_timeout_raises_states_timeout_and_an_execution_timeout_ends_it_timed_out() {
    // Caught by its name: 1 s, then the fallback's 2 s; the function runs on to 3 s, billed.
    let s = run(&timeouts(
        r#"Catch = [{ ErrorEquals = ["States.Timeout"], Next = "Fallback" }]"#,
        60,
    ));
    let m = wf(&s, "w");
    assert!(m.executions.caught > 250);
    assert_eq!(m.executions.failed + m.executions.succeeded, 0);
    assert_eq!(m.latency_ms.max, 3_000.0);
    let slow = s.functions.get("slow").unwrap();
    assert_eq!(
        slow.outcomes.succeeded + slow.outcomes.in_flight,
        slow.requests
    );
    // States.TaskFailed does not match States.Timeout: uncaught, the execution fails.
    let s = run(&timeouts(
        r#"Catch = [{ ErrorEquals = ["States.TaskFailed"], Next = "Fallback" }]"#,
        60,
    ));
    let m = wf(&s, "w");
    assert!(m.executions.failed > 250);
    assert_eq!(m.executions.caught + m.executions.timed_out, 0);
    // The execution's own timeout (2 s) comes during the fallback's wait: timed out.
    let s = run(&timeouts(
        r#"Catch = [{ ErrorEquals = ["States.ALL"], Next = "Fallback" }]"#,
        2,
    ));
    let m = wf(&s, "w");
    assert!(m.executions.timed_out > 250);
    assert_eq!(
        m.executions.caught + m.executions.failed + m.executions.succeeded,
        0
    );
}

#[test]
fn a_run_writes_the_workflows_time_series_and_state_diagram_that_add_up_to_the_summary() {
    let dir = temp_dir("workflow-outputs");
    std::fs::write(
        dir.join("w.toml"),
        retried(1, "1h", "FULL").replace("rate = 0.1, end = \"15s\"", "rate = 2.0"),
    )
    .unwrap();
    ok(&faasim(&["run", "w.toml", "--out", "out", "-q"], &dir));
    let out = dir.join("out");
    for f in [
        "workflows.csv",
        "state_diagram_pay.png",
        "state_diagram_pay.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let e = &summary["workflows"]["pay"]["executions"];
    let text = std::fs::read_to_string(out.join("workflows.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut sums = vec![0u64; header.len()];
    for l in lines {
        for (k, v) in l.split(',').enumerate().skip(3) {
            sums[k] += v.parse::<u64>().unwrap();
        }
    }
    // No warmup: every interval's counts add up to the summary's.
    for col in [
        "started",
        "succeeded",
        "caught",
        "failed",
        "timed_out",
        "throttled",
    ] {
        let k = header.iter().position(|h| *h == col).unwrap();
        assert_eq!(sums[k], e[col].as_u64().unwrap(), "{col}");
    }
    assert!(e["caught"].as_u64().unwrap() > 1000);
}

#[test]
fn an_execution_that_never_ends_its_transitions_fails_at_the_history_limit() {
    // A Map of a million instant items, and a loop of Pass states: each execution stops with
    // States.Runtime at 25,000 transitions (Standard), and the run ends at once. (The
    // account's transition quota is raised: at the default 5,000 a second the loops would
    // wait for it.)
    for (items, def) in [
        (
            1_000_000,
            r#"StartAt = "M"
States = { M = { Type = "Map", End = true, ItemProcessor = { StartAt = "P", States = { P = { Type = "Pass", End = true } } } } }"#,
        ),
        (
            1,
            r#"StartAt = "A"
States = { A = { Type = "Pass", Next = "B" }, B = { Type = "Pass", Next = "A" } }"#,
        ),
    ] {
        let text = format!(
            "[simulation]\nduration = \"1m\"\n\n[account.step_functions]\ntransition_burst = 1e9\ntransition_rate = 1e9\n\n{}[[workflows]]\nname = \"w\"\nitems = {{ M = {items} }}\n[workflows.definition]\n{def}\n\n[[workloads]]\nworkflow = \"w\"\narrivals = {{ process = \"constant\", rate = 1 }}\n",
            constant_functions(&[("unused", "1s")])
        )
        .replace("items = { M = 1 }\n", "");
        let s = run(&text);
        let m = wf(&s, "w");
        assert_eq!(m.executions.failed, 59, "{def}");
        assert_eq!(m.executions.failed, m.executions.started);
        assert_eq!(m.transitions_per_execution, 25_001.0, "{def}");
    }
}
