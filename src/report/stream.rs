//! A run's streamed outputs: `timeseries.csv`, `events.csv`, `services.csv` and `requests.csv`
//! written as the simulation goes (`RunObserver`), the all-functions points kept for the plots
//! (`TotalPoint`), and the progress bar.

use indicatif::{ProgressBar, ProgressStyle};
use sim_core::{Nanos, Observer, RequestRecord, SampleRow, ServiceRow};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

pub const TIMESERIES_HEADER: &str = "time_s,function,arrivals,instances,busy,idle,cold_starts,throttles,errors,p99_latency_ms,succeeded,mean_latency_ms,instances_end,retries,dead_lettered,dlq_depth,queue_depth,max_event_age_ms,incidents,provisioned,provisioned_utilization,spillover,in_service,pending,warm_pool,desired,queue_length,mean_queue_length,queue_wait_ms,utilization,scaling_activities";
pub const EVENTS_HEADER: &str = "time_s,function,event,from,to,policy";
/// The columns of `services.csv` (written only when the scenario has APIs, tables or
/// dependencies).
pub const WORKFLOWS_HEADER: &str =
    "time_s,interval_s,workflow,started,succeeded,caught,failed,timed_out,throttled,running";
pub const SERVICES_HEADER: &str = "time_s,interval_s,service,type,requests,throttled,timed_out,forwarded,errors,waited,consumed_units,capacity_units";
pub const REQUESTS_HEADER: &str =
    "id,function,arrival_s,start_s,end_s,cold,outcome,attempt,measured,environment";

/// One point of the all-functions time series, kept for the plots: averages per sample interval
/// over one or more consecutive intervals (at most MAX_POINTS points are kept, so memory does
/// not grow with the simulated time).
#[derive(Clone, Copy, Debug, Default)]
pub struct TotalPoint {
    pub time_s: f64,
    pub instances: f64,
    pub busy: f64,
    pub idle: f64,
    pub cold_starts: f64,
    pub throttles: f64,
    pub errors: f64,
    pub retries: f64,
    pub dead_lettered: f64,
    pub queue_depth: f64,
    pub dlq_depth: f64,
    /// Incidents active (summed over functions).
    pub incidents: f64,
    /// Provisioned environments allocated (summed over functions).
    pub provisioned: f64,
    /// Auto Scaling groups (summed over functions): instances in service, pending and in warm
    /// pools, and desired capacity, at the end of each interval.
    pub in_service: f64,
    pub pending: f64,
    pub warm_pool: f64,
    pub desired: f64,
    /// The worst function's p99 latency in the interval (ms).
    pub p99_ms: f64,
}

const MAX_POINTS: usize = 4096;

/// The interval being summed over functions, and the point being averaged over intervals.
#[derive(Clone, Copy, Debug, Default)]
struct Accum {
    time_s: f64,
    intervals: u32,
    point: TotalPoint,
}

impl TotalPoint {
    fn add(&mut self, o: &TotalPoint) {
        self.instances += o.instances;
        self.busy += o.busy;
        self.idle += o.idle;
        self.cold_starts += o.cold_starts;
        self.throttles += o.throttles;
        self.errors += o.errors;
        self.retries += o.retries;
        self.dead_lettered += o.dead_lettered;
        self.queue_depth += o.queue_depth;
        self.dlq_depth += o.dlq_depth;
        self.incidents += o.incidents;
        self.provisioned += o.provisioned;
        self.in_service += o.in_service;
        self.pending += o.pending;
        self.warm_pool += o.warm_pool;
        self.desired += o.desired;
        self.p99_ms += o.p99_ms;
    }
    fn scaled(mut self, k: f64) -> TotalPoint {
        self.instances *= k;
        self.busy *= k;
        self.idle *= k;
        self.cold_starts *= k;
        self.throttles *= k;
        self.errors *= k;
        self.retries *= k;
        self.dead_lettered *= k;
        self.queue_depth *= k;
        self.dlq_depth *= k;
        self.incidents *= k;
        self.provisioned *= k;
        self.in_service *= k;
        self.pending *= k;
        self.warm_pool *= k;
        self.desired *= k;
        self.p99_ms *= k;
        self
    }
}

/// `services.csv` being written: the file, its path, and each service's name and type.
struct Services {
    w: BufWriter<File>,
    path: PathBuf,
    apis: Vec<(String, &'static str)>,
}

/// The observer of `faasim run`: streams rows to disk as the simulation produces them.
pub struct RunObserver {
    names: Vec<String>,
    timeseries: BufWriter<File>,
    requests: Option<BufWriter<File>>,
    error: Option<(PathBuf, io::Error)>,
    ts_path: PathBuf,
    req_path: PathBuf,
    totals: Vec<TotalPoint>,
    current: Accum,
    /// Intervals averaged into one plotted point, and the point being built.
    stride: u32,
    building: (u32, TotalPoint),
    bar: Option<ProgressBar>,
    line: String,
    /// Scaling activities, written to `events.csv` when the first one happens.
    scaling_path: PathBuf,
    scaling: Option<BufWriter<File>>,
    /// The services' time series (`services.csv`), if the scenario has APIs.
    services: Option<Services>,
    /// The workflows' time series (`workflows.csv`) and their names, if the scenario has any.
    workflows: Option<(BufWriter<File>, PathBuf, Vec<String>)>,
    /// Per function, what its scaling activities change.
    kinds: Vec<&'static str>,
    /// Times of scaling activities (s), for the plots (at most `MAX_POINTS`).
    scaling_times: Vec<f64>,
    /// Alarms: when each entered ALARM and left it (s), for the plots (at most `MAX_POINTS`),
    /// and those in ALARM now.
    alarm_spans: Vec<AlarmSpan>,
    alarm_open: Vec<(String, f64)>,
}

/// An alarm in ALARM from `start` to `end` (s; `f64::INFINITY`: to the end of the run).
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmSpan {
    pub alarm: String,
    pub start: f64,
    pub end: f64,
}

/// What a run's plots need of its stream: the totals over time, the scaling activities' times
/// and the alarms' spans in ALARM.
pub struct Streamed {
    pub totals: Vec<TotalPoint>,
    pub scaling_times: Vec<f64>,
    pub alarm_spans: Vec<AlarmSpan>,
}

impl RunObserver {
    /// `names` and `asg` (whether it runs on an Auto Scaling group) per function.
    pub fn new(
        dir: &Path,
        names: Vec<String>,
        asg: &[bool],
        with_requests: bool,
        progress: bool,
    ) -> io::Result<Self> {
        let ts_path = dir.join("timeseries.csv");
        let mut timeseries = BufWriter::with_capacity(1 << 16, File::create(&ts_path)?);
        writeln!(timeseries, "{TIMESERIES_HEADER}")?;
        let req_path = dir.join("requests.csv");
        let requests = if with_requests {
            let mut w = BufWriter::with_capacity(1 << 20, File::create(&req_path)?);
            writeln!(w, "{REQUESTS_HEADER}")?;
            Some(w)
        } else {
            None
        };
        let bar = (progress && io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new(1000);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} simulating [{bar:40}] {percent:>3}% {msg} (eta {eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            b
        });
        Ok(RunObserver {
            names,
            timeseries,
            requests,
            error: None,
            ts_path,
            req_path,
            totals: Vec::new(),
            current: Accum::default(),
            stride: 1,
            building: (0, TotalPoint::default()),
            bar,
            line: String::with_capacity(160),
            scaling_path: {
                // Written only if something is scaled: an old one must not linger.
                let p = dir.join("events.csv");
                let _ = std::fs::remove_file(&p);
                p
            },
            scaling: None,
            services: None,
            workflows: None,
            scaling_times: Vec::new(),
            alarm_spans: Vec::new(),
            alarm_open: Vec::new(),
            kinds: asg
                .iter()
                .map(|&g| {
                    if g {
                        "desired_capacity"
                    } else {
                        "provisioned_concurrency"
                    }
                })
                .collect(),
        })
    }

    /// Writes the services' time series to `services.csv` in `dir`: one row per service
    /// (`apis`: name and type; APIs, tables, dependencies) per interval. Without services an
    /// old file is removed.
    pub fn with_services(
        mut self,
        dir: &Path,
        apis: Vec<(String, &'static str)>,
    ) -> io::Result<Self> {
        let path = dir.join("services.csv");
        if apis.is_empty() {
            let _ = std::fs::remove_file(&path);
            return Ok(self);
        }
        let mut w = BufWriter::new(File::create(&path)?);
        writeln!(w, "{SERVICES_HEADER}")?;
        self.services = Some(Services { w, path, apis });
        Ok(self)
    }

    /// Writes the workflows' time series to `workflows.csv` in `dir`: one row per workflow
    /// (`names`) per sample interval. Without workflows, no file (an old one is removed).
    pub fn with_workflows(mut self, dir: &Path, names: Vec<String>) -> io::Result<Self> {
        let path = dir.join("workflows.csv");
        if names.is_empty() {
            let _ = std::fs::remove_file(&path);
            return Ok(self);
        }
        let mut w = BufWriter::new(File::create(&path)?);
        writeln!(w, "{WORKFLOWS_HEADER}")?;
        self.workflows = Some((w, path, names));
        Ok(self)
    }

    /// The interval in `current` is complete: fold it into the plotted points.
    fn close_interval(&mut self) {
        let mut p = self.current.point;
        p.time_s = self.current.time_s;
        let (n, acc) = &mut self.building;
        if *n == 0 {
            *acc = TotalPoint {
                time_s: p.time_s,
                ..TotalPoint::default()
            };
        }
        acc.add(&p);
        *n += 1;
        if *n == self.stride {
            self.totals.push(acc.scaled(1.0 / *n as f64));
            *n = 0;
            if self.totals.len() == MAX_POINTS {
                let halved: Vec<TotalPoint> = self
                    .totals
                    .chunks(2)
                    .map(|c| {
                        let mut a = c[0];
                        if let Some(b) = c.get(1) {
                            a.add(b);
                            a = a.scaled(0.5);
                            a.time_s = c[0].time_s;
                        }
                        a
                    })
                    .collect();
                self.totals = halved;
                self.stride *= 2;
            }
        }
        self.current.intervals = 0;
    }

    fn fail(&mut self, path: PathBuf, e: io::Error) {
        if self.error.is_none() {
            self.error = Some((path, e));
        }
    }

    /// Flushes the files; reports the first write error, naming the file.
    pub fn finish(mut self) -> Result<Streamed, String> {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        if self.current.intervals > 0 {
            self.close_interval();
        }
        if self.building.0 > 0 {
            let (n, acc) = self.building;
            self.totals.push(acc.scaled(1.0 / n as f64));
        }
        if let Err(e) = self.timeseries.flush() {
            let p = self.ts_path.clone();
            self.fail(p, e);
        }
        if let Some(mut r) = self.requests.take()
            && let Err(e) = r.flush()
        {
            let p = self.req_path.clone();
            self.fail(p, e);
        }
        if let Some(mut w) = self.scaling.take()
            && let Err(e) = w.flush()
        {
            let p = self.scaling_path.clone();
            self.fail(p, e);
        }
        if let Some(mut s) = self.services.take()
            && let Err(e) = s.w.flush()
        {
            self.fail(s.path, e);
        }
        if let Some((mut w, path, _)) = self.workflows.take()
            && let Err(e) = w.flush()
        {
            self.fail(path, e);
        }
        match self.error {
            Some((p, e)) => Err(format!("{}: cannot write: {e}", p.display())),
            None => {
                let mut alarm_spans = self.alarm_spans;
                for (alarm, start) in self.alarm_open {
                    alarm_spans.push(AlarmSpan {
                        alarm,
                        start,
                        end: f64::INFINITY,
                    });
                }
                Ok(Streamed {
                    totals: self.totals,
                    scaling_times: self.scaling_times,
                    alarm_spans,
                })
            }
        }
    }
}

/// `s.nnnnnnnnn`: exact seconds from nanoseconds, without going through floating point.
fn push_secs(out: &mut String, t: Nanos) {
    use std::fmt::Write as _;
    let _ = write!(out, "{}.{:09}", t.0 / 1_000_000_000, t.0 % 1_000_000_000);
}

impl Observer for RunObserver {
    fn wants_requests(&self) -> bool {
        self.requests.is_some()
    }

    fn request(&mut self, r: &RequestRecord) {
        use std::fmt::Write as _;
        let line = &mut self.line;
        line.clear();
        let _ = write!(line, "{},{},", r.id, self.names[r.function as usize]);
        push_secs(line, r.arrival);
        line.push(',');
        if let Some(s) = r.start {
            push_secs(line, s);
        }
        line.push(',');
        if let Some(e) = r.end {
            push_secs(line, e);
        }
        let _ = write!(
            line,
            ",{},{},{},{},",
            r.cold,
            r.outcome.as_str(),
            r.attempt,
            r.measured
        );
        if let Some((slot, born)) = r.env {
            let _ = write!(line, "{slot}-{born}");
        }
        line.push('\n');
        if let Some(w) = &mut self.requests
            && let Err(e) = w.write_all(line.as_bytes())
        {
            let p = self.req_path.clone();
            self.fail(p, e);
            self.requests = None;
        }
    }

    fn sample(&mut self, r: &SampleRow) {
        let time_s = r.time.as_secs_f64();
        let res = writeln!(
            self.timeseries,
            "{},{},{},{:.4},{:.4},{:.4},{},{},{},{:.3},{},{:.3},{},{},{},{},{},{:.3},{},{},{:.4},{}{}",
            fmt_secs(r.time),
            self.names[r.function as usize],
            r.arrivals,
            r.instances,
            r.busy,
            r.idle,
            r.cold_starts,
            r.throttles,
            r.errors,
            r.p99_latency_ms,
            r.succeeded,
            r.mean_latency_ms,
            r.instances_end,
            r.retries,
            r.dead_lettered,
            r.dlq_depth,
            r.queue_depth,
            r.max_event_age_ms,
            r.incidents,
            r.provisioned,
            r.provisioned_utilization,
            r.spillover,
            match &r.asg {
                Some(g) => format!(
                    ",{},{},{},{},{},{:.4},{:.3},{:.4},{}",
                    g.in_service,
                    g.pending,
                    g.warm_pool,
                    g.desired,
                    g.queue_length,
                    g.mean_queue_length,
                    g.queue_wait_ms,
                    g.utilization,
                    g.scaling_activities
                ),
                None => ",,,,,,,,,".to_string(),
            }
        );
        if let Err(e) = res {
            let p = self.ts_path.clone();
            self.fail(p, e);
        }
        // Sum the functions of one interval into `current`; average `stride` intervals per
        // plotted point, doubling the stride whenever the points reach MAX_POINTS.
        let p = &mut self.current;
        if p.intervals == 0 || p.time_s != time_s {
            if p.intervals > 0 {
                self.close_interval();
            }
            let p = &mut self.current;
            *p = Accum {
                time_s,
                intervals: 1,
                ..Accum::default()
            };
        }
        let p = &mut self.current;
        p.point.instances += r.instances;
        p.point.busy += r.busy;
        p.point.idle += r.idle;
        p.point.cold_starts += r.cold_starts as f64;
        p.point.throttles += r.throttles as f64;
        p.point.errors += r.errors as f64;
        p.point.retries += r.retries as f64;
        p.point.dead_lettered += r.dead_lettered as f64;
        p.point.queue_depth += r.queue_depth as f64;
        p.point.dlq_depth += r.dlq_depth as f64;
        p.point.incidents += r.incidents as f64;
        p.point.provisioned += r.provisioned as f64;
        p.point.p99_ms = p.point.p99_ms.max(r.p99_latency_ms);
        if let Some(g) = &r.asg {
            p.point.in_service += g.in_service as f64;
            p.point.pending += g.pending as f64;
            p.point.warm_pool += g.warm_pool as f64;
            p.point.desired += g.desired as f64;
        }
    }

    fn scaling(&mut self, time: Nanos, function: u32, from: u32, to: u32, why: &str) {
        if self.scaling_times.len() < MAX_POINTS {
            self.scaling_times.push(time.as_secs_f64());
        }
        let name = self.names[function as usize].clone();
        let kind = self.kinds[function as usize];
        self.event_row(time, &name, kind, &from.to_string(), &to.to_string(), why);
    }

    fn workflow(&mut self, r: &sim_core::WorkflowRow) {
        let Some((w, path, names)) = &mut self.workflows else {
            return;
        };
        if let Err(e) = writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{}",
            fmt_secs(r.time),
            fmt_secs(r.span),
            names[r.workflow as usize],
            r.started,
            r.succeeded,
            r.caught,
            r.failed,
            r.timed_out,
            r.throttled,
            r.running
        ) {
            let p = path.clone();
            self.fail(p, e);
        }
    }

    fn alarm(&mut self, time: Nanos, alarm: &str, from: &str, to: &str, metric: &str) {
        self.event_row(time, alarm, "alarm", from, to, metric);
        let t = time.as_secs_f64();
        if to == "ALARM" {
            self.alarm_open.push((alarm.to_string(), t));
        } else if from == "ALARM"
            && let Some(k) = self.alarm_open.iter().position(|a| a.0 == alarm)
        {
            let (alarm, start) = self.alarm_open.swap_remove(k);
            if self.alarm_spans.len() < MAX_POINTS {
                self.alarm_spans.push(AlarmSpan {
                    alarm,
                    start,
                    end: t,
                });
            }
        }
    }

    fn service(&mut self, r: &ServiceRow) {
        let Some(s) = &mut self.services else {
            return;
        };
        let (name, kind) = &s.apis[r.service as usize];
        if let Err(e) = writeln!(
            s.w,
            "{},{},{name},{kind},{},{},{},{},{},{},{},{}",
            fmt_secs(r.time),
            fmt_secs(r.span),
            r.requests,
            r.throttled,
            r.timed_out,
            r.forwarded,
            r.errors,
            r.waited,
            fmt_units(r.consumed),
            fmt_units(r.capacity)
        ) {
            let p = s.path.clone();
            self.fail(p, e);
        }
    }

    fn progress(&mut self, now: Nanos, end: Nanos) {
        if let Some(b) = &self.bar {
            b.set_position((now.0 as f64 / end.0 as f64 * 1000.0) as u64);
            b.set_message(format!(
                "{} of {}",
                Nanos(now.0 - now.0 % 1_000_000_000),
                end
            ));
        }
    }
}

/// Seconds with up to 9 decimals, trailing zeros dropped (`60`, `0.5`).
pub fn fmt_secs(t: Nanos) -> String {
    let whole = t.0 / 1_000_000_000;
    let frac = t.0 % 1_000_000_000;
    if frac == 0 {
        whole.to_string()
    } else {
        let f = format!("{frac:09}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    }
}

/// Capacity units as `services.csv` writes them: up to 3 decimals, no trailing zeros.
fn fmt_units(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

impl RunObserver {
    /// A row of `events.csv` (the file made at the first).
    fn event_row(&mut self, time: Nanos, name: &str, kind: &str, from: &str, to: &str, why: &str) {
        if self.scaling.is_none() {
            match File::create(&self.scaling_path) {
                Ok(f) => {
                    let mut w = BufWriter::new(f);
                    let _ = writeln!(w, "{EVENTS_HEADER}");
                    self.scaling = Some(w);
                }
                Err(e) => {
                    let p = self.scaling_path.clone();
                    self.fail(p, e);
                    return;
                }
            }
        }
        if let Some(w) = &mut self.scaling
            && let Err(e) = writeln!(w, "{},{name},{kind},{from},{to},{why}", fmt_secs(time))
        {
            let p = self.scaling_path.clone();
            self.fail(p, e);
        }
    }
}
