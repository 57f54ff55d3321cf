//! Statistics: the measurement window, the time-series intervals, and the summary built at the
//! end of a run.

use super::{
    Cost, Ec2Cost, Instances, LatencyHist, Metrics, Named, Nanos, Observer, Outcomes, RunOutput,
    Simulation, Summary, round_sig,
};
use crate::sim::ids::FnId;
use crate::{Outcome, RequestRecord};

impl Simulation {
    /// The end of warmup: every owner starts its measured window at `now`.
    pub(crate) fn start_measuring(&mut self, now: u64) {
        self.lambda.start_measuring(now);
        for asg in &mut self.asgs {
            asg.start_measuring(now);
        }
        for t in &mut self.backends.tables {
            t.start_measuring(now);
        }
        self.cx.measuring = true;
    }

    /// Closes the sample interval ending at `now` and hands one row per function to `obs`: the
    /// function's part from its record, its SQS queues' depth, its group's part.
    pub(crate) fn emit_bins(&mut self, now: u64, obs: &mut dyn Observer) {
        let span = now - self.bin_start;
        if span == 0 {
            return;
        }
        let alarms = !self.alarms.is_empty();
        let mut none = super::NullObserver;
        // The time series is kept for the alarms even when the observer does not want it.
        let obs: &mut dyn Observer = if self.obs_samples { obs } else { &mut none };
        self.alarm_rows.clear();
        for f in 0..self.lambda.funcs.len() {
            self.lambda.purge(f as u32, now);
            let waiting = self.sqs.waiting(f as u32);
            let func = &mut self.lambda.funcs[f];
            let mut row = func.sample_row(FnId(f as u32), now, self.bin_start, waiting);
            if let Some(g) = func.group {
                row.asg = Some(self.asgs[g as usize].sample(span));
            }
            obs.sample(&row);
            if alarms {
                self.alarm_rows.push(row);
            }
            self.lambda.funcs[f].restart_bin();
        }
        let mut flows = Vec::with_capacity(self.workflows.flows.len());
        for w in 0..self.workflows.flows.len() as u32 {
            flows.push(self.workflows.take_bin(w, self.bin_start, span));
        }
        if alarms {
            let table_throttles: Vec<u64> = self.backends.tables.iter().map(|t| t.bin[1]).collect();
            let bins = super::alarms::Bins {
                functions: &self.alarm_rows,
                table_throttles: &table_throttles,
                flows: &flows,
            };
            self.alarms.close_bin(now, &bins);
        }
        self.apis.emit(self.bin_start, span, obs);
        let first = self.apis.len() as u32;
        self.backends.emit(first, self.bin_start, span, obs);
        for row in &flows {
            obs.workflow(row);
        }
        self.bin_start = now;
    }
}

impl Simulation {
    pub(crate) fn finish(mut self, obs: &mut dyn Observer) -> RunOutput {
        let end = self.cx.end;
        while self.next_boundary() <= end {
            self.cross_boundary(obs);
        }
        self.groups_catch_up(end, obs);
        if self.want_samples {
            self.emit_bins(end, obs);
        } else {
            // No time series: bring the integrals and the histograms up to the end.
            for f in 0..self.lambda.funcs.len() {
                self.lambda.purge(f as u32, end);
                let func = &mut self.lambda.funcs[f];
                func.advance(end);
                func.flush_latencies();
            }
        }
        obs.progress(Nanos(end), Nanos(end));
        // Requests still executing, waiting for a retry, or in an SQS queue or batch.
        self.lambda
            .finish(end, self.cx.want_requests, &self.sqs, obs);
        // A call waiting for its retry is part of its caller's request, which is counted where
        // it waits (its environment, or its workflow's task).
        for req in self.parked.iter() {
            if req.measured && req.caller.is_none() {
                let f = self.workloads[req.w as usize].function;
                self.lambda.funcs[f as usize].counted.outcomes.in_flight += 1;
            }
        }
        // An attempt known at its start to run past its API's timeout is answered 504 at the
        // timeout; if that comes after the end, the request is still in flight (its
        // environment, marked answered, is only billed above). One whose end was not known
        // (it makes calls) is counted with its environment.
        for a in self.apis.pending_answers() {
            if a.inst.is_some() {
                continue;
            }
            if a.req.measured {
                self.lambda.funcs[a.f as usize].counted.outcomes.in_flight += 1;
            }
            if self.cx.want_requests {
                obs.request(&RequestRecord {
                    id: a.req.id,
                    function: a.f,
                    arrival: Nanos(a.arrival),
                    start: Some(Nanos(a.arrival)),
                    end: None,
                    cold: a.cold,
                    outcome: Outcome::InFlight,
                    attempt: a.req.attempt,
                    measured: a.req.measured,
                    env: None,
                });
            }
        }
        self.sqs.count_in_flight(&mut self.lambda.funcs);
        let window = (end - self.cx.warmup) as f64;
        let mut per_fn = Vec::with_capacity(self.lambda.funcs.len());
        let mut all_latency = LatencyHist::precise();
        let mut total = Metrics::default();
        let (mut int_alive, mut int_busy, mut started) = (0u128, 0u128, 0u64);
        let (mut pc_ready_all, mut pc_busy_all) = (0u128, 0u128);
        let mut names = Vec::new();
        std::mem::swap(&mut names, &mut self.fn_names);
        let mut groups = Vec::with_capacity(self.lambda.funcs.len());
        for f in 0..self.lambda.funcs.len() {
            let g = self.lambda.funcs[f].group;
            let func = &mut self.lambda.funcs[f];
            groups.push(g.map(|g| self.asgs[g as usize].finish(func, end, window)));
        }
        let mut ec2_all: Option<Ec2Cost> = None;
        let (mut services, api_cost) = self.apis.metrics(&self.api_names, self.lambda.funcs.len());
        let with_apis = !services.is_empty();
        let (backends, calls) = self.backends.metrics(end, self.cx.measuring, &names);
        let backend_cost: f64 = backends.iter().map(|(_, s)| s.cost_usd()).sum();
        let with_backends = !backends.is_empty();
        services.extend(backends);
        // On-demand compute per architecture, priced at its monthly volume.
        let months = super::billing::Billing::months(window);
        let mut od_all = [0.0f64; 2];
        for (func, group) in self.lambda.funcs.iter().zip(&groups) {
            if group.is_none() {
                od_all[func.arm64 as usize] += od_gb_s(func);
            }
        }
        let price = [
            self.billing.price(false, od_all[0], months),
            self.billing.price(true, od_all[1], months),
        ];
        let (mut billed_requests, mut snap_all) = (0u64, None::<f64>);
        let mut api_all = 0.0;
        for (f, ((func, name), group)) in
            self.lambda.funcs.iter().zip(names).zip(groups).enumerate()
        {
            let api = with_apis.then(|| api_cost[f]);
            api_all += api_cost[f];
            let c = &func.counted;
            let ia = func.int_alive - func.win_alive0;
            let ib = func.int_busy - func.win_busy0;
            let od_gb_s = od_gb_s(func);
            let pc_gb_s = func.billed_pc_mb_ms as f64 / 1024.0 / 1000.0;
            let gb_s = od_gb_s + pc_gb_s;
            let compute = od_gb_s * price[func.arm64 as usize] + pc_gb_s * func.pc_exec_price;
            let requests = if group.is_some() {
                0.0
            } else {
                billed_requests += func.started;
                func.started as f64 * self.requests_price
            };
            // SnapStart: the snapshot cached over the window, and each restore.
            let memory_gb = func.memory_mb as f64 / 1024.0;
            let snapstart = (func.snap_cache > 0.0 || func.snap_restore > 0.0).then(|| {
                window / 1e9 * memory_gb * func.snap_cache
                    + c.cold_starts as f64 * memory_gb * func.snap_restore
            });
            if let Some(s) = snapstart {
                *snap_all.get_or_insert(0.0) += s;
            }
            // Provisioned concurrency is billed for the time it is configured.
            let pc = &func.pc;
            let conf_gb_s = (pc.int_conf - pc.win0.0) as f64 / 1e9 * func.memory_mb as f64 / 1024.0;
            let provisioned = conf_gb_s * func.pc_price;
            let pc_ready = pc.int_ready - pc.win0.1;
            pc_ready_all += pc_ready;
            pc_busy_all += pc.int_busy - pc.win0.2;
            let pc_util = if pc_ready > 0 {
                round_sig((pc.int_busy - pc.win0.2) as f64 / pc_ready as f64)
            } else {
                0.0
            };
            let duration_ms = if func.ran_ns > 0 {
                round_sig(
                    func.ran_ns.saturating_sub(func.init_ns) as f64 / func.ended() as f64 / 1e6,
                )
            } else {
                0.0
            };
            let m = Metrics {
                requests: func.requests,
                attempts: func.attempts,
                retry_amplification: ratio(func.attempts, func.requests),
                outcomes: Outcomes {
                    succeeded: func.succeeded,
                    ..c.outcomes.clone()
                },
                cold_starts: c.cold_starts,
                suppressed_inits: c.suppressed_inits,
                init_failures: c.init_failures,
                crashes: c.crashes,
                duplicates: c.duplicates,
                spillover: c.spillover,
                provisioned_utilization: pc_util,
                cold_start_ratio: ratio(c.cold_starts, func.started),
                invocations: func.started,
                duration_ms,
                latency_ms: func.hists.latency.summary(),
                instances: instances(ia, ib, window, c.peak_alive, func.peak_busy),
                cost_usd: cost(
                    requests,
                    compute,
                    provisioned,
                    snapstart,
                    group.as_ref().map(|g| g.1),
                    api,
                    func.requests,
                ),
                billed_gb_s: round_sig(gb_s),
                idle_gb_s: if group.is_some() {
                    0.0
                } else {
                    round_sig(idle_gb_s(ia - ib, func.memory_mb))
                },
                asg: group.as_ref().map(|g| g.0.clone().rounded()),
            };
            if let Some((_, c)) = &group {
                ec2_all.get_or_insert_default().add(c);
            }
            all_latency.add(&func.hists.latency);
            total.requests += m.requests;
            total.attempts += m.attempts;
            total.outcomes.add(&m.outcomes);
            total.cold_starts += m.cold_starts;
            total.suppressed_inits += m.suppressed_inits;
            total.init_failures += m.init_failures;
            total.crashes += m.crashes;
            total.duplicates += m.duplicates;
            total.spillover += m.spillover;
            total.cost_usd.requests += requests;
            total.cost_usd.compute += compute;
            total.cost_usd.provisioned += provisioned;
            total.billed_gb_s += gb_s;
            if group.is_none() {
                total.idle_gb_s += idle_gb_s(ia - ib, func.memory_mb);
            }
            int_alive += ia;
            int_busy += ib;
            started += func.started;
            per_fn.push((name, m));
        }
        total.cold_start_ratio = ratio(total.cold_starts, started);
        if pc_ready_all > 0 {
            total.provisioned_utilization = round_sig(pc_busy_all as f64 / pc_ready_all as f64);
        }
        total.retry_amplification = ratio(total.attempts, total.requests);
        total.latency_ms = all_latency.summary();
        total.instances = instances(
            int_alive,
            int_busy,
            window,
            self.lambda.live.peak_alive,
            self.lambda.live.peak_busy,
        );
        total.cost_usd = cost(
            total.cost_usd.requests,
            total.cost_usd.compute,
            total.cost_usd.provisioned,
            snap_all,
            ec2_all,
            with_apis.then_some(api_all),
            total.requests,
        );
        if let Some(free) =
            self.billing
                .free_tier(od_all, billed_requests as f64, self.requests_price, months)
        {
            total.cost_usd.free_tier = Some(-round_sig(free));
            total.cost_usd.total = round_sig(total.cost_usd.total - free);
        }
        // Lambda functions only (a group's attempts are not Lambda invocations).
        let (ran, init, n) = self
            .lambda
            .funcs
            .iter()
            .filter(|f| f.group.is_none())
            .fold((0u128, 0u128, 0u64), |a, f| {
                (a.0 + f.ran_ns, a.1 + f.init_ns, a.2 + f.ended())
            });
        total.invocations = started;
        if n > 0 {
            total.duration_ms = round_sig(ran.saturating_sub(init) as f64 / n as f64 / 1e6);
        }
        let alarms = self.alarms.metrics(end);
        let (workflows, workflow_cost) = self.workflows.metrics();
        if !workflows.is_empty() {
            total.cost_usd.workflows = Some(round_sig(workflow_cost));
            total.cost_usd.total = round_sig(total.cost_usd.total + workflow_cost);
        }
        if with_backends {
            total.cost_usd.services = Some(round_sig(backend_cost));
            total.cost_usd.total = round_sig(total.cost_usd.total + backend_cost);
        }
        if (with_backends || !workflows.is_empty()) && total.requests > 0 {
            total.cost_usd.per_million_requests =
                round_sig(total.cost_usd.total / total.requests as f64 * 1e6);
        }
        total.billed_gb_s = round_sig(total.billed_gb_s);
        total.idle_gb_s = round_sig(total.idle_gb_s);
        let summary = Summary {
            scenario: self.name.clone(),
            seed: self.seed,
            simulated_s: end as f64 / 1e9,
            measured_s: window / 1e9,
            total,
            functions: Named(per_fn),
            traces: self
                .feeds
                .iter()
                .map(|f| {
                    let st = f.replay.stream();
                    crate::metrics::TraceReport {
                        workload: f.workload.clone(),
                        file: f.file.clone(),
                        rows: st.rows(),
                        skipped_rows: st.skipped(),
                        replayed: f.replay.emitted - f.unmatched,
                        unmatched: f.unmatched,
                        labelled_cold: f.replay.cold_labelled,
                        first_skipped: st.first_skipped().map(|e| e.to_string()),
                        labels: f.labels.as_ref().map(|l| {
                            let mut l = (**l).clone();
                            l.finish(end);
                            l
                        }),
                    }
                })
                .collect(),
            services: Named(services),
            calls,
            workflows: Named(workflows),
            alarms: Named(alarms),
        };
        RunOutput {
            summary,
            latency: all_latency,
            events: self.cx.q.popped_count(),
            late_events: self.cx.q.late_events(),
        }
    }
}

/// On-demand compute billed to function `func`, in GB-seconds (its free init taken off).
fn od_gb_s(func: &super::Func) -> f64 {
    (func.billed_mb_ms - func.free_init_mb_ms) as f64 / 1024.0 / 1000.0
}

/// GB-seconds of `memory_mb` held for `count_ns` instance-nanoseconds.
pub(crate) fn idle_gb_s(count_ns: u128, memory_mb: u64) -> f64 {
    count_ns as f64 / 1e9 * memory_mb as f64 / 1024.0
}

pub(crate) fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        round_sig(a as f64 / b as f64)
    }
}

pub(crate) fn instances(
    int_alive: u128,
    int_busy: u128,
    window: f64,
    max: u64,
    max_busy: u64,
) -> Instances {
    let mean = int_alive as f64 / window;
    let mean_busy = int_busy as f64 / window;
    Instances {
        mean: round_sig(mean),
        max,
        mean_busy: round_sig(mean_busy),
        mean_idle: round_sig((mean - mean_busy).max(0.0)),
        max_busy,
    }
}

pub(crate) fn cost(
    requests: f64,
    compute: f64,
    provisioned: f64,
    snapstart: Option<f64>,
    ec2: Option<Ec2Cost>,
    api: Option<f64>,
    n_requests: u64,
) -> Cost {
    let ec2_total = ec2.map(|c| c.total()).unwrap_or(0.0);
    let total = requests
        + compute
        + provisioned
        + snapstart.unwrap_or(0.0)
        + ec2_total
        + api.unwrap_or(0.0);
    Cost {
        total: round_sig(total),
        requests: round_sig(requests),
        compute: round_sig(compute),
        provisioned: round_sig(provisioned),
        ec2: round_sig(ec2_total),
        api: api.map(round_sig),
        services: None,
        workflows: None,
        ec2_parts: ec2.map(|c| c.rounded()),
        snapstart: snapstart.map(round_sig),
        free_tier: None,
        per_million_requests: if n_requests > 0 {
            round_sig(total / n_requests as f64 * 1e6)
        } else {
            0.0
        },
    }
}
