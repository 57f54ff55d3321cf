//! Building a run from a checked scenario: the Lambda functions and pools, the workloads and
//! their sources, the client policies, the queues and the event queue's sizing.

use super::limits::Work;
use super::{
    AllocationRule, Apis, Architecture, ArrivalSource, Asg, AsyncPolicy, Bin, BinaryHeap, Bucket,
    ClientRetry, Counted, Ctx, DistSpec, Event, EventQueue, Feed, Func, GroupSpec, HashMap, Hists,
    Incidents, Invocation, KeepAlive, KeepAlivePolicy, Lambda, LatencyHist, Live, NIL, NO_DURATION,
    NS_PER_S, Nanos, PENDING, Parked, Policy, Pool, Process, Provisioned, RateWindow, Resources,
    RpsRamp, Scaler, ScalingRule, Scenario, SimError, SimRng, Simulation, Sqs, SqsSource, Target,
    Workload, incidents, load_dist, open_trace, read_points, stream,
};
use crate::error::ConfigError;
use crate::rates::MAX_RATE;
use crate::scenario::{InitBilling, Platform, SnapCharge};
use crate::sim::ids::{FnId, GroupId, WfId};

impl Simulation {
    /// Validates `scenario`, opens its inputs through `res`, and prepares the run.
    pub fn new(scenario: &Scenario, res: &dyn Resources) -> Result<Simulation, SimError> {
        scenario.validate().map_err(SimError::Config)?;
        let sim = &scenario.simulation;
        let seed = sim.seed;
        let acc = &scenario.account;
        let (funcs, pools) = lambda_functions(scenario, res)?;
        let (mut workloads, sqs, feeds, mut work) = workloads(scenario, res)?;
        // The time series: a row per function and a total row per interval.
        work.rows = sim.duration.0.div_ceil(sim.sample_interval.0.max(1)) as f64
            * (scenario.functions.len() + 1) as f64;
        let (mut backends, steps) = super::calls::build(scenario, res, &mut workloads)?;
        let workflows = super::workflows::build(scenario, res, &mut workloads, &mut backends)?;
        let queue = event_queue(scenario, &funcs);
        let name = scenario.name.clone().unwrap_or_else(|| "scenario".into());
        let pool_caps = pools.iter().map(|p| p.cap).collect();
        let mut simulation = Simulation {
            name,
            seed,
            interval: sim.sample_interval.0,
            requests_price: scenario.pricing.requests_per_million / 1e6,
            billing: super::billing::Billing::new(&scenario.pricing),
            cx: Ctx {
                q: queue,
                end: sim.duration.0,
                warmup: sim.warmup.0,
                measuring: sim.warmup.0 == 0,
                want_requests: false,
            },
            lambda: Lambda {
                funcs,
                pools,
                pool_caps,
                reserved: scenario
                    .functions
                    .iter()
                    .map(|f| f.reserved_concurrency.unwrap_or(0))
                    .collect(),
                insts: Vec::new(),
                ctx: Vec::new(),
                free: Vec::new(),
                account_burst: match acc.scaling {
                    // The Region's initial burst, then 500 a minute (docs/sources.md: S3).
                    ScalingRule::Legacy => {
                        let b = acc
                            .burst
                            .unwrap_or_else(|| ScalingRule::legacy_burst(&acc.region));
                        Bucket::new(b as f64, 500.0 / 60.0, true)
                    }
                    _ => Bucket::OFF,
                },
                live: Live::default(),
                last_start: u64::MAX,
                last_cold: u64::MAX,
                calls: super::lambda::Calls {
                    steps,
                    running: Vec::new(),
                    started: 0,
                },
            },
            workloads,
            feeds,
            parked: Parked::default(),
            sqs: Sqs {
                sources: sqs,
                ..Sqs::default()
            },
            incidents: Incidents {
                list: incidents::prepare(scenario),
                rng: SimRng::new(seed, stream::FAULT | 2 << 40),
            },
            asgs: Vec::new(),
            apis: Apis::new(scenario),
            api_names: scenario.apis.iter().map(|a| a.name.clone()).collect(),
            backends,
            workflows,
            alarms: super::alarms::Alarms::new(scenario),
            alarm_rows: Vec::new(),
            obs_samples: true,
            group_ends: Vec::new(),
            next_req: 0,
            bin_start: 0,
            next_sample: u64::MAX,
            boundary: 0,
            want_samples: true,
            fn_names: scenario.functions.iter().map(|f| f.name.clone()).collect(),
            work,
            ready_at_start: scenario
                .functions
                .iter()
                .map(|f| f.provisioned_ready_at_start)
                .collect(),
            initial: scenario
                .functions
                .iter()
                .map(|f| {
                    if f.platform == Platform::Lambda {
                        f.initial_instances
                    } else {
                        0
                    }
                })
                .collect(),
            max_requests: u64::MAX,
            max_backlog: sim.max_backlog,
        };
        simulation.groups(scenario, res)?;
        Ok(simulation)
    }

    /// Builds the groups of the scenario's `asg` functions; their workloads send to them.
    fn groups(&mut self, scenario: &Scenario, res: &dyn Resources) -> Result<(), SimError> {
        for (f, func) in scenario.functions.iter().enumerate() {
            let (Platform::Asg, Some(cfg)) = (func.platform, &func.asg) else {
                continue;
            };
            let key = format!("functions.{}.asg", func.name);
            let rate: f64 = scenario
                .workloads
                .iter()
                .filter(|w| w.function == func.name)
                .map(|w| w.arrivals.rate.unwrap_or(1000.0))
                .sum();
            let id = GroupId(self.asgs.len() as u32);
            let spec = GroupSpec {
                id,
                f: f as u32,
                cfg,
                key: &key,
                timeout: func.timeout.0,
                rate,
                mean_work: self.lambda.funcs[f].duration.mean(),
            };
            self.asgs.push(Asg::new(spec, &self.cx, self.seed, res)?);
            self.lambda.funcs[f].group = Some(id.0);
        }
        for w in &mut self.workloads {
            if !matches!(w.target, Target::Lambda(_)) {
                continue;
            }
            if let Some(a) = self.lambda.funcs[w.function as usize].group {
                w.target = Target::Asg(GroupId(a));
                if w.retry.is_some() {
                    self.asgs[a as usize].eager = true;
                }
            }
        }
        Ok(())
    }
}

/// The arrival source of a generated process (validated) from `start` until `horizon`, and the
/// work it expects; `key` names the workload (`workloads.NAME`) in errors. A rate that `scale`
/// and spikes push above [`MAX_RATE`] is refused.
pub(crate) fn generated(
    a: &crate::scenario::Arrivals,
    process: Process,
    points: &[(u64, f64)],
    (start, horizon): (u64, u64),
    key: &str,
    rng: SimRng,
) -> Result<(ArrivalSource, Work), ConfigError> {
    use crate::rates::{RateShape, SpikeSteps};
    let k = a.factor();
    let spikes = a.spikes_until(horizon);
    let rate = || a.rate.expect("validated") * k;
    let shape = match process {
        Process::Poisson | Process::Constant => RateShape::Constant(rate()),
        Process::Diurnal => {
            let period = a.period.map(|p| p.0).unwrap_or(86_400 * NS_PER_S);
            RateShape::Diurnal {
                trough: a.trough.expect("validated") * k,
                peak: a.peak.expect("validated") * k,
                period,
                peak_at: a.peak_at.map(|p| p.0).unwrap_or(period / 2),
            }
        }
        Process::Profile => RateShape::Profile(points.iter().map(|&(t, r)| (t, r * k)).collect()),
        // The mean rate, for the work expected; the highest is `rate`.
        Process::Mmpp => {
            let (b, q) = (a.burst.expect("validated").0, a.quiet.expect("validated").0);
            let quiet_rate = a.quiet_rate.unwrap_or(0.0) * k;
            RateShape::Constant((rate() * b as f64 + quiet_rate * q as f64) / (b as f64 + q as f64))
        }
    };
    // The highest rate and the work, step by step of the spikes' factor.
    let steps = SpikeSteps::new(&spikes);
    let mut work = Work::default();
    for (x, y, f) in steps.over(start, horizon) {
        let top = match process {
            Process::Mmpp => rate().max(a.quiet_rate.unwrap_or(0.0) * k),
            _ => shape.max_over(x, y),
        } * f;
        if top.is_nan() || top > MAX_RATE * (1.0 + 1e-9) {
            let field = if a.spikes.iter().any(|s| s.factor > 1.0) {
                "spikes"
            } else {
                "scale"
            };
            return Err(ConfigError {
                key: format!("{key}.arrivals.{field}"),
                message: format!(
                    "the rate reaches {top:.4e} requests per second at {} (the process's rate × scale × the spikes' factors); at most 1e9",
                    Nanos(x)
                ),
            });
        }
        work.requests += shape.integral(x, y) * f;
        work.events += 1.0;
    }
    let span = horizon.saturating_sub(start) as f64;
    match &shape {
        RateShape::Diurnal { period, .. } => {
            work.events += span / (period / 64).max(1_000_000) as f64;
        }
        RateShape::Profile(p) => work.events += p.len() as f64,
        RateShape::Constant(_) if process == Process::Mmpp => {
            let (b, q) = (a.burst.expect("validated").0, a.quiet.expect("validated").0);
            work.events += 2.0 * span / (b as f64 + q as f64);
        }
        RateShape::Constant(_) => {}
    }
    let source = match process {
        Process::Poisson if spikes.is_empty() => ArrivalSource::poisson(rate(), rng),
        Process::Constant => ArrivalSource::constant(rate()),
        Process::Mmpp => ArrivalSource::mmpp(
            rate(),
            a.quiet_rate.unwrap_or(0.0) * k,
            a.burst.expect("validated").0 as f64,
            a.quiet.expect("validated").0 as f64,
            &spikes,
            horizon,
            rng,
        ),
        _ => ArrivalSource::varying(shape, &spikes, horizon, rng),
    };
    Ok((source.starting_at(start), work))
}

/// The Lambda functions ready to run (distributions loaded through `res`) and the concurrency
/// pools: the account's unreserved pool first, then one per reservation, each less the
/// provisioned concurrency it holds.
fn lambda_functions(
    scenario: &Scenario,
    res: &dyn Resources,
) -> Result<(Vec<Func>, Vec<Pool>), SimError> {
    let acc = &scenario.account;
    let reserved: u64 = scenario
        .functions
        .iter()
        .filter_map(|f| f.reserved_concurrency)
        .map(u64::from)
        .sum();
    // Invocations per second: 10 × concurrency, for the account and for each reservation.
    let rps = |c: u32| RateWindow::new(10 * c as u64, acc.rps_limit);
    let mut pools = vec![Pool {
        busy: 0,
        cap: (acc.concurrency_limit as u64 - reserved) as u32,
        rps: rps(acc.concurrency_limit),
    }];
    let mut funcs = Vec::with_capacity(scenario.functions.len());
    for (i, f) in scenario.functions.iter().enumerate() {
        let pool = match f.reserved_concurrency {
            Some(rc) => {
                // Provisioned environments are kept apart from the on-demand part.
                pools.push(Pool {
                    busy: 0,
                    cap: rc - f.provisioned_concurrency,
                    rps: rps(rc),
                });
                pools.len() - 1
            }
            None => {
                pools[0].cap -= f.provisioned_concurrency;
                0
            }
        };
        funcs.push(function(scenario, f, i, pool, res)?);
    }
    Ok((funcs, pools))
}

/// Scenario function `f`, the `i`-th, ready to run in pool `pool`.
fn function(
    scenario: &Scenario,
    f: &crate::scenario::Function,
    i: usize,
    pool: usize,
    res: &dyn Resources,
) -> Result<Func, SimError> {
    let seed = scenario.simulation.seed;
    let acc = &scenario.account;
    let load = |spec: &DistSpec, field: &str| {
        load_dist(res, spec, &format!("functions.{}.{field}", f.name))
    };
    let keep_alive = KeepAlive::new(
        f,
        match f.keep_alive_policy {
            KeepAlivePolicy::Random => Some(load(
                &f.idle_ttl
                    .clone()
                    .unwrap_or_else(crate::scenario::aws_us_east_1_2020),
                "idle_ttl",
            )?),
            _ => None,
        },
    );
    let (snap_cache, snap_restore) = snap_charge(scenario, f);
    Ok(Func {
        memory_mb: f.memory_mb as u64,
        timeout: f.timeout.0,
        keep_alive,
        max_lifetime: f.max_lifetime.0,
        reuse: f.reuse,
        duration: super::compute::work(f, res)?,
        cold_start: super::compute::init(f, res)?,
        pool: pool as u32,
        arm64: f.architecture == Architecture::Arm64,
        free_init: scenario.pricing.init_billing == InitBilling::Before
            && f.init_was_free()
            && !f.snapstart,
        free_init_mb_ms: 0,
        ran_ns: 0,
        unended: 0,
        init_ns: 0,
        snap_cache,
        snap_restore,
        base_error_p: f.error_probability,
        base_service_p: f.service_error_probability,
        service_p: f.service_error_probability,
        init_fail_p: f.init_failure_probability,
        init_timeout: f.init_timeout.0,
        mtbf: f.mtbf.map(|m| m.0 as f64).unwrap_or(0.0),
        lat_mul: 1.0,
        lat_add: 0,
        active_incidents: 0,
        fault: SimRng::new(seed, stream::FAULT | 1 << 40 | i as u64),
        queued: 0,
        dlq: 0,
        pc: {
            let legacy = acc.provisioned_allocation == AllocationRule::Legacy;
            let mut pc = Provisioned::new(
                f.provisioned_concurrency,
                f.provisioned_allocation_delay.0,
                // Until 2022: the Region's burst at once, then 500 a minute (S19).
                if legacy {
                    500
                } else {
                    f.provisioned_allocation_rate
                },
                f.provisioned_recycle.0,
                f.provisioned_scaling
                    .as_ref()
                    .map(|c| Box::new(Scaler::new(c))),
            );
            // 10 requests per second per provisioned environment (docs/sources.md: S74).
            pc.rps_per_env = if acc.provisioned_rps_limit { 10 } else { 0 };
            if legacy {
                pc.burst = acc
                    .burst
                    .unwrap_or_else(|| ScalingRule::legacy_burst(&acc.region));
            }
            pc
        },
        billed_pc_mb_ms: 0,
        pc_price: match f.architecture {
            Architecture::X86_64 => scenario.pricing.provisioned_x86_gb_second,
            Architecture::Arm64 => scenario.pricing.provisioned_arm64_gb_second,
        },
        pc_exec_price: match f.architecture {
            Architecture::X86_64 => scenario.pricing.provisioned_x86_execution_gb_second,
            Architecture::Arm64 => scenario.pricing.provisioned_arm64_execution_gb_second,
        },
        burst: match acc.scaling {
            // 1,000 environments per 10 s, refilled continuously (docs/sources.md: S1, S2).
            ScalingRule::Current => Bucket::new(1000.0, 100.0, true),
            _ => Bucket::OFF,
        },
        rps_ramp: RpsRamp::new(acc.scaling == ScalingRule::Current),
        rng: SimRng::new(seed, stream::FUNCTION | i as u64),
        head: NIL,
        tail: NIL,
        idle: 0,
        idle_vec: Vec::new(),
        newest: BinaryHeap::new(),
        expire_at: u64::MAX,
        alive: 0,
        busy: 0,
        last: 0,
        int_alive: 0,
        int_busy: 0,
        win_alive0: 0,
        win_busy0: 0,
        pending: Vec::with_capacity(PENDING),
        error_p: f.error_probability,
        billed_mb_ms: 0,
        requests: 0,
        attempts: 0,
        started: 0,
        succeeded: 0,
        peak_busy: 0,
        bin_arrivals: 0,
        bin_succeeded: 0,
        counted: Counted::default(),
        bin: Bin::default(),
        hists: Box::new(Hists {
            latency: LatencyHist::precise(),
            bin_latency: LatencyHist::coarse(),
            per_interval: true,
        }),
        group: None,
    })
}

/// SnapStart's charges for function `f`: per GB-second cached and per GB restored (Python and
/// .NET; none for Java or without SnapStart).
fn snap_charge(scenario: &Scenario, f: &crate::scenario::Function) -> (f64, f64) {
    match f.runtime_preset().and_then(|r| r.snapstart) {
        Some(SnapCharge::Charged) if f.snapstart => (
            scenario.pricing.snapstart_cache_gb_second,
            scenario.pricing.snapstart_restore_gb,
        ),
        _ => (0.0, 0.0),
    }
}

/// The workloads, the SQS sources they send to and the trace feeds they replay.
type Inflow = (Vec<Workload>, Vec<SqsSource>, Vec<Feed>, Work);

/// The workloads (one per function a trace of many functions invokes), with their arrival
/// sources, client retry policies and async policies; the SQS sources; the trace feeds.
fn workloads(scenario: &Scenario, res: &dyn Resources) -> Result<Inflow, SimError> {
    let sim = &scenario.simulation;
    let seed = sim.seed;
    let mut workloads: Vec<Workload> = Vec::with_capacity(scenario.workloads.len());
    let mut sqs = Vec::new();
    let mut feeds: Vec<Feed> = Vec::new();
    let mut work = Work::default();
    for (wi, w) in scenario.workloads.iter().enumerate() {
        let a = &w.arrivals;
        let key = format!("workloads.{}", w.name.clone().unwrap_or(wi.to_string()));
        // The functions this workload invokes: one, or (a trace of many) every function.
        let targets: Vec<u32> = if w.workflow.is_some() {
            // Counted by its workflow, not by a function.
            vec![0]
        } else if w.function.is_empty() {
            (0..scenario.functions.len() as u32).collect()
        } else {
            vec![
                scenario
                    .functions
                    .iter()
                    .position(|f| f.name == w.function)
                    .expect("validated") as u32,
            ]
        };
        let feed = if a.trace.is_some() {
            let names: Option<std::collections::HashSet<&str>> = w
                .function
                .is_empty()
                .then(|| scenario.functions.iter().map(|f| f.name.as_str()).collect());
            let replay = open_trace(a, names.as_ref(), sim, res, wi as u64)?;
            let labels = replay
                .stream()
                .labelled()
                .then(|| Box::new(crate::metrics::LabelComparison::new(sim.duration.0)));
            feeds.push(Feed {
                replay,
                fixed: None,
                by_name: HashMap::new(),
                targets: Vec::new(),
                next_duration: NO_DURATION,
                next_cold: false,
                labels,
                unmatched: 0,
                workload: w.name.clone().unwrap_or(wi.to_string()),
                file: res.display(a.trace.as_deref().unwrap_or_default()),
            });
            Some((feeds.len() - 1) as u32)
        } else {
            None
        };
        let (start, until) = if a.trace.is_some() {
            (0, sim.duration.0)
        } else {
            (
                a.start.map(|t| t.0).unwrap_or(0),
                a.end.map(|t| t.0).unwrap_or(u64::MAX).min(sim.duration.0),
            )
        };
        for &function in &targets {
            let i = workloads.len();
            let source = match a.process {
                Some(process) => {
                    let points = match &a.points_file {
                        Some(path) => read_points(res, path, &format!("{key}.arrivals"))?,
                        None => a.points.iter().map(|&(t, r)| (t.0, r)).collect(),
                    };
                    let (source, w) = generated(
                        a,
                        process,
                        &points,
                        (start, until),
                        &key,
                        SimRng::new(seed, stream::ARRIVALS | i as u64),
                    )
                    .map_err(SimError::Config)?;
                    work.requests += w.requests;
                    work.events += w.events;
                    source
                }
                None => ArrivalSource::Feed,
            };
            if let Some(feed) = feed {
                let fd = &mut feeds[feed as usize];
                if w.function.is_empty() {
                    fd.by_name
                        .insert(scenario.functions[function as usize].name.clone(), i as u32);
                } else {
                    fd.fixed = Some(i as u32);
                }
            }
            let retry = w.retry.as_ref().map(|name| {
                let spec = scenario
                    .retry_policies
                    .iter()
                    .find(|p| &p.name == name)
                    .expect("validated");
                let policy = Policy::resolve(spec);
                Box::new(ClientRetry {
                    tokens: policy.quota.map(|q| q.tokens).unwrap_or(0),
                    policy,
                })
            });
            let asy = matches!(w.invocation, Invocation::Async).then(|| {
                Box::new(AsyncPolicy::new(
                    &w.async_config.clone().unwrap_or_default(),
                ))
            });
            let sqs_idx = matches!(w.invocation, Invocation::Sqs).then(|| {
                sqs.push(SqsSource::new(
                    &w.sqs.clone().unwrap_or_default(),
                    i as u32,
                    function,
                ));
                (sqs.len() - 1) as u32
            });
            workloads.push(Workload {
                function,
                source,
                until,
                service: SimRng::new(seed, stream::SERVICE | i as u64),
                fault: SimRng::new(seed, stream::FAULT | i as u64),
                redo: SimRng::new(seed, stream::RETRY | i as u64),
                via: w.invocation,
                retry: retry.filter(|r| r.policy.max_attempts > 1),
                asy,
                sqs: sqs_idx,
                target: match &w.workflow {
                    Some(name) => Target::Workflow(WfId(
                        scenario
                            .workflows
                            .iter()
                            .position(|x| &x.name == name)
                            .expect("validated") as u32,
                    )),
                    None => Target::Lambda(FnId(function)),
                },
                feed,
                api: w.api.as_ref().map(|name| {
                    let a = scenario.apis.iter().position(|x| &x.name == name);
                    let a = a.expect("validated");
                    let fname = &scenario.functions[function as usize].name;
                    let r = scenario.apis[a]
                        .routes
                        .iter()
                        .position(|r| &r.function == fname);
                    (a as u32, r.expect("validated") as u32)
                }),
            });
        }
    }
    Ok((workloads, sqs, feeds, work))
}

/// The event queue, its slot width sized from the arrival rate and its reach from the longest
/// mean service and cold start.
fn event_queue(scenario: &Scenario, funcs: &[Func]) -> EventQueue<Event> {
    // About two events per request (arrival and completion): slots about as wide as the mean
    // gap between arrivals hold one or two events each, and the wheel should reach past
    // most completions (four mean service times). Traces are assumed busy (1 ms gaps).
    let rate: f64 = scenario
        .workloads
        .iter()
        .filter_map(|w| w.arrivals.rate)
        .sum();
    let gap = if rate > 0.0
        && scenario
            .workloads
            .iter()
            .all(|w| w.arrivals.trace.is_none())
    {
        (1e9 / rate) as u64
    } else {
        1 << 20
    };
    let horizon = funcs
        .iter()
        .map(|f| 4.0 * (f.duration.mean() + f.cold_start.mean()))
        .fold(0.0, f64::max);
    // A function that makes calls guards each wait with an event at its timeout: the wheel
    // reaches that far too (up to 16 times further than the work alone), so that the guards do
    // not go to the far heap.
    let guards = scenario
        .functions
        .iter()
        .filter(|f| !f.calls.is_empty())
        .map(|f| f.timeout.0 as f64 * 1.1)
        .fold(0.0, f64::max);
    let horizon = horizon.max(guards.min(16.0 * horizon));
    EventQueue::for_rates(gap, horizon.min(1e15) as u64)
}
