//! Amazon States Language, compiled: the subset of ASL that faasim runs ([`Def`]: every state
//! of a definition, its branches and `Map` processors as machines), from the JSON document a
//! user deploys or the same document written inline in TOML. Whatever the subset leaves out is
//! refused with its JSON path (`$.States.Pay.HeartbeatSeconds`), never ignored silently;
//! fields about the execution's data (paths, parameters, results), which faasim does not model,
//! are accepted and have no effect.

use super::workflow::{MAX_ITEMS, Workflow};
use super::{CallTarget, Platform, Scenario};
use serde_json::{Map, Value};

/// A compiled definition: its states (all machines together), and its machines (the top level
/// first, then each `Parallel` branch and `Map` processor).
#[derive(Clone, Debug)]
pub struct Def {
    pub states: Vec<StateDef>,
    pub machines: Vec<Machine>,
    /// The execution's `TimeoutSeconds`, in ns.
    pub timeout: Option<u64>,
    /// Error names: `ALL`, `TASK_FAILED`, `TIMEOUT`, then the ones the definition and the
    /// platform use.
    pub errors: Vec<String>,
}

/// A state machine: its first state (an index into `Def::states`).
#[derive(Clone, Debug)]
pub struct Machine {
    pub start: u32,
}

#[derive(Clone, Debug)]
pub struct StateDef {
    pub name: String,
    pub machine: u32,
    pub kind: Kind,
    /// The state that follows (`None`: the machine ends here).
    pub next: Option<u32>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

#[derive(Clone, Debug)]
pub enum Kind {
    /// Invokes `target`; `timeout` in ns; `error`: the name a function error takes.
    Task {
        target: TaskTarget,
        timeout: Option<u64>,
        error: u16,
    },
    Pass,
    /// Waits `.0` ns.
    Wait(u64),
    /// Rules in order: (probability, next state); then the default, if any.
    Choice {
        rules: Vec<(f64, u32)>,
        default: Option<u32>,
    },
    Parallel {
        branches: Vec<u32>,
    },
    /// `items` runs of `machine`, at most `max_concurrency` at once.
    Map {
        machine: u32,
        items: u32,
        max_concurrency: u32,
    },
    Succeed,
    Fail {
        error: u16,
    },
}

/// What a Task invokes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TaskTarget {
    Function(u32),
    Table { table: u32, write: bool },
    Dependency(u32),
}

#[derive(Clone, Debug)]
pub struct Retrier {
    pub errors: Vec<u16>,
    pub interval: u64,
    pub max_attempts: u32,
    pub backoff: f64,
    pub max_delay: Option<u64>,
    pub full_jitter: bool,
}

#[derive(Clone, Debug)]
pub struct Catcher {
    pub errors: Vec<u16>,
    pub next: u32,
}

/// The error names every definition knows, by index.
pub const ALL: u16 = 0;
pub const TASK_FAILED: u16 = 1;
pub const TIMEOUT: u16 = 2;
/// The names a Task's failure takes, by how it failed (S63, S66).
pub const LAMBDA_THROTTLED: &str = "Lambda.TooManyRequestsException";
pub const LAMBDA_SERVICE: &str = "Lambda.ServiceException";
pub const LAMBDA_TIMEOUT: &str = "Sandbox.Timedout";
pub const DYNAMO_THROTTLED: &str = "DynamoDB.ProvisionedThroughputExceededException";
pub const DYNAMO_SERVICE: &str = "DynamoDB.InternalServerErrorException";
pub const HTTP_THROTTLED: &str = "States.Http.StatusCode.429";
pub const HTTP_SERVICE: &str = "States.Http.StatusCode.500";

impl Def {
    /// The index of error name `name`, if the definition knows it.
    pub fn error(&self, name: &str) -> Option<u16> {
        self.errors.iter().position(|e| e == name).map(|i| i as u16)
    }

    /// Whether `list` (an `ErrorEquals`) matches error `e`: by name, `States.ALL` matches
    /// every error and `States.TaskFailed` every error but `States.Timeout` (S63).
    pub fn matches(list: &[u16], e: u16) -> bool {
        list.iter()
            .any(|&x| x == e || x == ALL || (x == TASK_FAILED && e != TIMEOUT))
    }
}

/// The longest definition faasim reads, as Step Functions' own quota (S64: 1 MB).
pub const MAX_DEFINITION: usize = 1 << 20;
/// The most states one definition may have.
const MAX_STATES: usize = 10_000;

type R<T> = Result<T, String>;

struct Compiler<'a> {
    wf: &'a Workflow,
    scenario: &'a Scenario,
    def: Def,
}

/// Compiles ASL document `doc` of workflow `wf`; an error names its JSON path.
/// `scenario` names what a Task may invoke (its Lambda functions, tables and dependencies).
pub fn compile(doc: &Map<String, Value>, wf: &Workflow, scenario: &Scenario) -> R<Def> {
    let mut c = Compiler {
        wf,
        scenario,
        def: Def {
            states: Vec::new(),
            machines: Vec::new(),
            timeout: None,
            errors: ["States.ALL", "States.TaskFailed", "States.Timeout"]
                .map(String::from)
                .to_vec(),
        },
    };
    for (k, v) in doc {
        match k.as_str() {
            "StartAt" | "States" | "Comment" | "Version" | "QueryLanguage" => {}
            "TimeoutSeconds" => c.def.timeout = Some(secs(v, "$.TimeoutSeconds", 1.0)?),
            _ => return Err(unsupported("$", k)),
        }
    }
    if let Some(q) = doc.get("QueryLanguage")
        && !matches!(q.as_str(), Some("JSONPath" | "JSONata"))
    {
        return Err("$.QueryLanguage: must be \"JSONPath\" or \"JSONata\"".into());
    }
    c.machine(doc, "$")?;
    // Every state name a Choice, items or resources key names must exist.
    for (table, keys) in [
        ("choices", wf.choices.keys().collect::<Vec<_>>()),
        ("items", wf.items.keys().collect()),
        ("resources", wf.resources.keys().collect()),
        ("error_names", wf.error_names.keys().collect()),
    ] {
        for k in keys {
            if !c.def.states.iter().any(|s| &s.name == k) {
                return Err(format!("{table}.{k}: the definition has no state \"{k}\""));
            }
        }
    }
    Ok(c.def)
}

fn unsupported(path: &str, field: &str) -> String {
    let why = match field {
        "HeartbeatSeconds" | "HeartbeatSecondsPath" => {
            "heartbeats belong to activities and callbacks, which faasim does not run"
        }
        "ItemReader" | "ItemBatcher" | "ResultWriter" => "a distributed Map is not supported",
        "ToleratedFailurePercentage"
        | "ToleratedFailurePercentagePath"
        | "ToleratedFailureCount"
        | "ToleratedFailureCountPath" => "tolerated failures are not supported",
        "SecondsPath" | "Timestamp" | "TimestampPath" | "TimeoutSecondsPath"
        | "MaxConcurrencyPath" | "ErrorPath" | "CausePath" => {
            "a value read from the execution's data is not supported (faasim does not model it)"
        }
        _ => "is not a field faasim supports here",
    };
    format!("{path}.{field}: {why}")
}

/// A non-negative number of seconds at `path` (at least `min`), in ns.
fn secs(v: &Value, path: &str, min: f64) -> R<u64> {
    match v.as_f64() {
        Some(x) if x.is_finite() && x >= min && x <= 99_999_999.0 => Ok((x * 1e9).round() as u64),
        _ => Err(format!(
            "{path}: must be a number of seconds from {min} to 99999999"
        )),
    }
}

fn string<'v>(v: &'v Value, path: &str) -> R<&'v str> {
    v.as_str()
        .ok_or_else(|| format!("{path}: must be a string"))
}

fn object<'v>(v: &'v Value, path: &str) -> R<&'v Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| format!("{path}: must be an object"))
}

/// The fields every state may have: its type and comment, and what it does with the data.
const DATA_FIELDS: &[&str] = &[
    "Type",
    "Comment",
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultPath",
    "ResultSelector",
    "Arguments",
    "Output",
    "Assign",
    "QueryLanguage",
    "Result",
    "ItemsPath",
    "ItemSelector",
    "Items",
    "Credentials",
];

impl Compiler<'_> {
    fn error_id(&mut self, name: &str) -> u16 {
        match self.def.error(name) {
            Some(i) => i,
            None => {
                self.def.errors.push(name.to_string());
                (self.def.errors.len() - 1) as u16
            }
        }
    }

    /// Compiles the machine at `path` (`StartAt`, `States`); returns its index.
    fn machine(&mut self, doc: &Map<String, Value>, path: &str) -> R<u32> {
        let m = self.def.machines.len() as u32;
        self.def.machines.push(Machine { start: 0 });
        let start = string(
            doc.get("StartAt")
                .ok_or_else(|| format!("{path}.StartAt: required"))?,
            &format!("{path}.StartAt"),
        )?;
        let states = object(
            doc.get("States")
                .ok_or_else(|| format!("{path}.States: required"))?,
            &format!("{path}.States"),
        )?;
        if states.is_empty() {
            return Err(format!("{path}.States: must have at least one state"));
        }
        if self.def.states.len() + states.len() > MAX_STATES {
            return Err(format!("{path}.States: more than {MAX_STATES} states"));
        }
        // Their indices first, so that `Next` can name any of them.
        let first = self.def.states.len() as u32;
        for (name, _) in states {
            if self.def.states.iter().any(|s| &s.name == name) {
                return Err(format!(
                    "{path}.States.{name}: a state of this name exists already (state names are unique in a state machine)"
                ));
            }
            self.def.states.push(StateDef {
                name: name.clone(),
                machine: m,
                kind: Kind::Pass,
                next: None,
                retry: Vec::new(),
                catch: Vec::new(),
            });
        }
        let index = |name: &str| -> Option<u32> {
            states
                .keys()
                .position(|k| k == name)
                .map(|i| first + i as u32)
        };
        self.def.machines[m as usize].start = index(start)
            .ok_or_else(|| format!("{path}.StartAt: no state \"{start}\" in {path}.States"))?;
        for (i, (name, v)) in states.iter().enumerate() {
            let p = format!("{path}.States.{name}");
            let st = object(v, &p)?;
            let s = self.state(name, st, &p, &index)?;
            let slot = &mut self.def.states[first as usize + i];
            (slot.kind, slot.next, slot.retry, slot.catch) = s;
        }
        Ok(m)
    }

    #[allow(clippy::type_complexity)]
    fn state(
        &mut self,
        name: &str,
        st: &Map<String, Value>,
        p: &str,
        index: &dyn Fn(&str) -> Option<u32>,
    ) -> R<(Kind, Option<u32>, Vec<Retrier>, Vec<Catcher>)> {
        let ty = string(
            st.get("Type")
                .ok_or_else(|| format!("{p}.Type: required"))?,
            &format!("{p}.Type"),
        )?;
        let target = |field: &str, v: &Value| -> R<u32> {
            let n = string(v, &format!("{p}.{field}"))?;
            index(n).ok_or_else(|| format!("{p}.{field}: no state \"{n}\" here"))
        };
        let (allowed, flows): (&[&str], bool) = match ty {
            "Task" => (&["Resource", "TimeoutSeconds", "Retry", "Catch"], true),
            "Parallel" => (&["Branches", "Retry", "Catch"], true),
            "Map" => (
                &[
                    "ItemProcessor",
                    "Iterator",
                    "MaxConcurrency",
                    "Retry",
                    "Catch",
                ],
                true,
            ),
            "Pass" => (&[], true),
            "Wait" => (&["Seconds"], true),
            "Choice" => (&["Choices", "Default"], false),
            "Succeed" => (&[], false),
            "Fail" => (&["Error", "Cause"], false),
            _ => {
                return Err(format!(
                    "{p}.Type: \"{ty}\" is not a state type (Task, Parallel, Map, Pass, Wait, Choice, Succeed, Fail)"
                ));
            }
        };
        for k in st.keys() {
            let ok = DATA_FIELDS.contains(&k.as_str())
                || allowed.contains(&k.as_str())
                || (flows && (k == "Next" || k == "End"));
            if !ok {
                return Err(unsupported(p, k));
            }
        }
        let next = if flows {
            match (st.get("Next"), st.get("End")) {
                (Some(n), None) => Some(target("Next", n)?),
                (None, Some(Value::Bool(true))) => None,
                (None, Some(_)) => return Err(format!("{p}.End: must be true")),
                (Some(_), Some(_)) => {
                    return Err(format!("{p}: has both Next and End"));
                }
                (None, None) => return Err(format!("{p}: needs Next or End")),
            }
        } else {
            None
        };
        let kind = match ty {
            "Task" => {
                let timeout = st
                    .get("TimeoutSeconds")
                    .map(|v| secs(v, &format!("{p}.TimeoutSeconds"), 1.0))
                    .transpose()?;
                let target = self.task_target(name, st, p)?;
                let e = self
                    .wf
                    .error_names
                    .get(name)
                    .map(String::as_str)
                    .unwrap_or("Error");
                let error = self.error_id(e);
                Kind::Task {
                    target,
                    timeout,
                    error,
                }
            }
            "Pass" => Kind::Pass,
            "Succeed" => Kind::Succeed,
            "Fail" => {
                let e = match st.get("Error") {
                    Some(v) => string(v, &format!("{p}.Error"))?.to_string(),
                    None => "States.Fail".into(),
                };
                Kind::Fail {
                    error: self.error_id(&e),
                }
            }
            "Wait" => {
                let v = st
                    .get("Seconds")
                    .ok_or_else(|| format!("{p}.Seconds: required (faasim reads no other wait)"))?;
                Kind::Wait(secs(v, &format!("{p}.Seconds"), 0.0)?)
            }
            "Choice" => {
                let rules = st
                    .get("Choices")
                    .and_then(Value::as_array)
                    .ok_or_else(|| format!("{p}.Choices: required, a list of rules"))?;
                if rules.is_empty() {
                    return Err(format!("{p}.Choices: must have at least one rule"));
                }
                let probs = self.wf.choices.get(name).ok_or_else(|| {
                    format!(
                        "{p}: faasim does not model the execution's data; give the probability of each of its {} rules in `choices.{name}`",
                        rules.len()
                    )
                })?;
                if probs.len() != rules.len() {
                    return Err(format!(
                        "choices.{name}: has {} probabilities for {} rules",
                        probs.len(),
                        rules.len()
                    ));
                }
                let mut list = Vec::new();
                for (j, r) in rules.iter().enumerate() {
                    let rp = format!("{p}.Choices[{j}]");
                    let r = object(r, &rp)?;
                    let n = r
                        .get("Next")
                        .ok_or_else(|| format!("{rp}.Next: required"))?;
                    list.push((probs[j], target(&format!("Choices[{j}].Next"), n)?));
                }
                let default = st
                    .get("Default")
                    .map(|v| target("Default", v))
                    .transpose()?;
                let sum: f64 = probs.iter().sum();
                if default.is_none() && sum < 1.0 - 1e-9 {
                    return Err(format!(
                        "{p}.Default: required, as the rules' probabilities add up to {sum}, less than 1 (an execution that matches no rule fails with States.NoChoiceMatched)"
                    ));
                }
                Kind::Choice {
                    rules: list,
                    default,
                }
            }
            "Parallel" => {
                let branches = st
                    .get("Branches")
                    .and_then(Value::as_array)
                    .ok_or_else(|| format!("{p}.Branches: required, a list of state machines"))?;
                if branches.is_empty() {
                    return Err(format!("{p}.Branches: must have at least one branch"));
                }
                let mut list = Vec::new();
                for (j, b) in branches.iter().enumerate() {
                    let bp = format!("{p}.Branches[{j}]");
                    let b = object(b, &bp)?;
                    for k in b.keys() {
                        if !matches!(
                            k.as_str(),
                            "StartAt" | "States" | "Comment" | "QueryLanguage"
                        ) {
                            return Err(unsupported(&bp, k));
                        }
                    }
                    list.push(self.machine(b, &bp)?);
                }
                Kind::Parallel { branches: list }
            }
            "Map" => {
                let (field, proc) = match (st.get("ItemProcessor"), st.get("Iterator")) {
                    (Some(v), None) => ("ItemProcessor", v),
                    (None, Some(v)) => ("Iterator", v),
                    _ => return Err(format!("{p}: needs one ItemProcessor (or Iterator)")),
                };
                let pp = format!("{p}.{field}");
                let proc = object(proc, &pp)?;
                for (k, v) in proc {
                    match k.as_str() {
                        "StartAt" | "States" | "Comment" | "QueryLanguage" => {}
                        "ProcessorConfig" => {
                            let c = object(v, &format!("{pp}.ProcessorConfig"))?;
                            for (ck, cv) in c {
                                if ck != "Mode" || cv.as_str() != Some("INLINE") {
                                    return Err(format!(
                                        "{pp}.ProcessorConfig.{ck}: only Mode \"INLINE\" is supported (a distributed Map is not)"
                                    ));
                                }
                            }
                        }
                        _ => return Err(unsupported(&pp, k)),
                    }
                }
                let machine = self.machine(proc, &pp)?;
                let max_concurrency = match st.get("MaxConcurrency") {
                    None => 0,
                    Some(v) => match v.as_u64() {
                        Some(n) if n <= u32::MAX as u64 => n as u32,
                        _ => {
                            return Err(format!(
                                "{p}.MaxConcurrency: must be a whole number from 0"
                            ));
                        }
                    },
                };
                let items = self.wf.items.get(name).copied().unwrap_or(1);
                debug_assert!(items <= MAX_ITEMS);
                Kind::Map {
                    machine,
                    items,
                    max_concurrency,
                }
            }
            _ => unreachable!("checked above"),
        };
        let retry = match st.get("Retry") {
            Some(v) => self.retriers(v, &format!("{p}.Retry"))?,
            None => Vec::new(),
        };
        let catch = match st.get("Catch") {
            Some(v) => {
                let list = v
                    .as_array()
                    .ok_or_else(|| format!("{p}.Catch: must be a list"))?;
                let mut out = Vec::new();
                for (j, c) in list.iter().enumerate() {
                    let cp = format!("{p}.Catch[{j}]");
                    let c = object(c, &cp)?;
                    for k in c.keys() {
                        if !matches!(
                            k.as_str(),
                            "ErrorEquals" | "Next" | "ResultPath" | "Comment" | "Output" | "Assign"
                        ) {
                            return Err(unsupported(&cp, k));
                        }
                    }
                    let errors = self.error_list(c, &cp, j + 1 == list.len())?;
                    let n = c
                        .get("Next")
                        .ok_or_else(|| format!("{cp}.Next: required"))?;
                    let next = target(&format!("Catch[{j}].Next"), n)?;
                    out.push(Catcher { errors, next });
                }
                out
            }
            None => Vec::new(),
        };
        Ok((kind, next, retry, catch))
    }

    /// `ErrorEquals` of a retrier or catcher at `p`; `States.ALL` only alone and last (S63).
    fn error_list(&mut self, r: &Map<String, Value>, p: &str, last: bool) -> R<Vec<u16>> {
        let list = r
            .get("ErrorEquals")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{p}.ErrorEquals: required, a list of error names"))?;
        if list.is_empty() {
            return Err(format!("{p}.ErrorEquals: must name at least one error"));
        }
        let mut out = Vec::new();
        for (j, e) in list.iter().enumerate() {
            let e = string(e, &format!("{p}.ErrorEquals[{j}]"))?;
            if e == "States.ALL" && (list.len() > 1 || !last) {
                return Err(format!(
                    "{p}.ErrorEquals[{j}]: States.ALL must appear alone, in the last retrier or catcher"
                ));
            }
            out.push(self.error_id(e));
        }
        Ok(out)
    }

    fn retriers(&mut self, v: &Value, p: &str) -> R<Vec<Retrier>> {
        let list = v.as_array().ok_or_else(|| format!("{p}: must be a list"))?;
        let mut out = Vec::new();
        for (j, r) in list.iter().enumerate() {
            let rp = format!("{p}[{j}]");
            let r = object(r, &rp)?;
            for k in r.keys() {
                if !matches!(
                    k.as_str(),
                    "ErrorEquals"
                        | "IntervalSeconds"
                        | "MaxAttempts"
                        | "BackoffRate"
                        | "MaxDelaySeconds"
                        | "JitterStrategy"
                        | "Comment"
                ) {
                    return Err(unsupported(&rp, k));
                }
            }
            let errors = self.error_list(r, &rp, j + 1 == list.len())?;
            let interval = match r.get("IntervalSeconds") {
                Some(v) => secs(v, &format!("{rp}.IntervalSeconds"), 1.0)?,
                None => 1_000_000_000,
            };
            let max_attempts = match r.get("MaxAttempts") {
                None => 3,
                Some(v) => match v.as_u64() {
                    Some(n) if n <= 99_999_999 => n as u32,
                    _ => {
                        return Err(format!(
                            "{rp}.MaxAttempts: must be a whole number from 0 to 99999999"
                        ));
                    }
                },
            };
            let backoff = match r.get("BackoffRate") {
                None => 2.0,
                Some(v) => match v.as_f64() {
                    Some(x) if (1.0..=1e6).contains(&x) => x,
                    _ => return Err(format!("{rp}.BackoffRate: must be a number from 1")),
                },
            };
            let max_delay = r
                .get("MaxDelaySeconds")
                .map(|v| secs(v, &format!("{rp}.MaxDelaySeconds"), 1.0))
                .transpose()?;
            let full_jitter = match r.get("JitterStrategy").map(Value::as_str) {
                None | Some(Some("NONE")) => false,
                Some(Some("FULL")) => true,
                Some(_) => {
                    return Err(format!("{rp}.JitterStrategy: must be \"FULL\" or \"NONE\""));
                }
            };
            out.push(Retrier {
                errors,
                interval,
                max_attempts,
                backoff,
                max_delay,
                full_jitter,
            });
        }
        Ok(out)
    }

    /// The target of Task `name`: bound in the workflow's `resources`, else read from its
    /// `Resource` (and the function or table it names in `Parameters` or `Arguments`).
    fn task_target(&mut self, name: &str, st: &Map<String, Value>, p: &str) -> R<TaskTarget> {
        let s = self.scenario;
        let of = |n: &str, write: bool, path: &str| -> R<TaskTarget> {
            match s.call_target(n) {
                Some(CallTarget::Function(f)) => {
                    if s.functions[f].platform != Platform::Lambda {
                        return Err(format!(
                            "{path}: function \"{n}\" runs on an Auto Scaling group; a Task invokes Lambda functions"
                        ));
                    }
                    Ok(TaskTarget::Function(f as u32))
                }
                Some(CallTarget::Table(t)) => Ok(TaskTarget::Table {
                    table: t as u32,
                    write,
                }),
                Some(CallTarget::Dependency(d)) => Ok(TaskTarget::Dependency(d as u32)),
                None => Err(format!(
                    "{path}: \"{n}\" is not a function, table or dependency of the scenario"
                )),
            }
        };
        if let Some(t) = self.wf.resources.get(name) {
            return of(t, false, &format!("resources.{name}"));
        }
        let rp = format!("{p}.Resource");
        let res = string(
            st.get("Resource")
                .ok_or_else(|| format!("{rp}: required"))?,
            &rp,
        )?;
        // A function or table named in the task's parameters.
        let param = |field: &str| -> R<(String, String)> {
            for args in ["Parameters", "Arguments"] {
                if let Some(Value::Object(m)) = st.get(args)
                    && let Some(v) = m.get(field)
                {
                    let path = format!("{p}.{args}.{field}");
                    return Ok((string(v, &path)?.to_string(), path));
                }
            }
            Err(format!(
                "{p}.Parameters.{field}: required for {res} (a value from the execution's data, `{field}.$`, cannot be read: bind the state in `resources.{name}`)"
            ))
        };
        if let Some(op) = res.strip_prefix("arn:aws:states:::") {
            return match op {
                "lambda:invoke" => {
                    let (f, path) = param("FunctionName")?;
                    of(function_name(&f), false, &path)
                }
                "dynamodb:getItem" | "dynamodb:query" => {
                    let (t, path) = param("TableName")?;
                    of(&t, false, &path)
                }
                "dynamodb:putItem" | "dynamodb:updateItem" | "dynamodb:deleteItem" => {
                    let (t, path) = param("TableName")?;
                    of(&t, true, &path)
                }
                _ => Err(format!(
                    "{rp}: \"{res}\" is not supported (faasim runs lambda:invoke and DynamoDB getItem, putItem, updateItem and deleteItem; bind any other task to a dependency in `resources.{name}`)"
                )),
            };
        }
        if res.starts_with("arn:aws:lambda:") {
            if res.split(':').nth(5) != Some("function") {
                return Err(format!("{rp}: \"{res}\" is not a Lambda function ARN"));
            }
            return of(function_name(res), false, &rp);
        }
        if res.starts_with("arn:") {
            return Err(format!(
                "{rp}: \"{res}\" is not supported (activities and other services are not modelled; bind the state in `resources.{name}`)"
            ));
        }
        // faasim's shorthand: a function, table or dependency by name.
        of(res, false, &rp)
    }
}

/// The function a `FunctionName` names: a name, or an ARN with an optional version or alias.
fn function_name(s: &str) -> &str {
    let parts: Vec<&str> = s.split(':').collect();
    match parts.iter().position(|p| *p == "function") {
        Some(i) if i + 1 < parts.len() => parts[i + 1],
        _ => parts.first().copied().unwrap_or(s),
    }
}

#[cfg(test)]
mod tests {
    use super::function_name;

    #[test]
    fn function_names_from_arns() {
        assert_eq!(function_name("pay"), "pay");
        assert_eq!(function_name("pay:prod"), "pay");
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:pay:$LATEST"),
            "pay"
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:pay"),
            "pay"
        );
    }
}
