//! Trace readers: real workloads streamed row by row, never held in memory.
//!
//! Five formats share one interface, [`TraceStream`], which yields [`TraceArrival`]s in time
//! order (trace time, nanoseconds):
//! - per-request formats, one row an invocation: `timestamps` (an arrival time, optionally a
//!   function and a duration column), `aws-lambda-log` (the per-request logs of Mahmoudi &
//!   Khazaei, with AWS's own cold/warm label) and `azure2021` (`app,func,end_timestamp,duration`,
//!   started at end − duration);
//! - per-interval counts: `azure2019` (one row per function, one column per minute) and
//!   `huawei2023` (one row per interval, one column per function), whose counts are spread
//!   within each interval, evenly (`uniform`) or at random (`poisson`: the points of a Poisson
//!   process given its count).
//!
//! [`Replay`] turns a stream into simulation arrivals: a time window, an origin, time
//! compression, rate scaling and spikes. [`TraceStats`] summarises a stream in one pass (for
//! `faasim trace stats` and for functions created from a trace).

use crate::error::InputError;
use crate::resources::Resources;
use crate::rng::SimRng;
use crate::workload::{Spike, spike_factor};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::BufRead;

const NS: f64 = 1e9;
/// No duration given by the trace.
pub const NO_DURATION: u64 = u64::MAX;

/// The trace formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Timestamps,
    Azure2019,
    Azure2021,
    AwsLambdaLog,
    Huawei2023,
}

impl Format {
    pub const NAMES: &'static str =
        "timestamps, azure2019, azure2021, aws-lambda-log or huawei2023";

    pub fn name(self) -> &'static str {
        match self {
            Format::Timestamps => "timestamps",
            Format::Azure2019 => "azure2019",
            Format::Azure2021 => "azure2021",
            Format::AwsLambdaLog => "aws-lambda-log",
            Format::Huawei2023 => "huawei2023",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "timestamps" => Format::Timestamps,
            "azure2019" => Format::Azure2019,
            "azure2021" => Format::Azure2021,
            "aws-lambda-log" => Format::AwsLambdaLog,
            "huawei2023" => Format::Huawei2023,
            _ => return None,
        })
    }

    /// Whether rows are counts per interval (spread within each interval).
    pub fn counts(self) -> bool {
        matches!(self, Format::Azure2019 | Format::Huawei2023)
    }

    /// Whether the default origin is the first row (absolute clock times in the file).
    pub fn default_origin_first(self) -> bool {
        matches!(self, Format::AwsLambdaLog | Format::Huawei2023)
    }

    /// How far out of order rows may come by default (ns): AWS logs are written by concurrent
    /// clients (a few ms); Azure 2021 rows are ordered by end time, so starts lag by up to a
    /// duration (15 min is Lambda's longest).
    pub fn default_reorder(self) -> u64 {
        match self {
            Format::AwsLambdaLog => 60_000_000_000,
            Format::Azure2021 => 900_000_000_000,
            _ => 0,
        }
    }
}

/// A column given by header name or by 0-based index.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    Index(usize),
    Name(String),
}

/// How count formats place a bin's invocations within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spread {
    /// Evenly spaced: the k-th of n at (k + ½)·len/n.
    Uniform,
    /// Independent uniform times: a Poisson process given its count (the count is kept exactly).
    Poisson,
}

/// What a reader needs besides the file.
#[derive(Clone, Debug)]
pub struct ReaderOptions {
    pub format: Format,
    /// `timestamps`: the columns (default: time = 0, no function, no duration).
    pub time_column: Option<Column>,
    pub function_column: Option<Column>,
    pub duration_column: Option<Column>,
    /// `timestamps`: nanoseconds per unit of the time and duration columns.
    pub time_unit: f64,
    pub duration_unit: f64,
    /// Count formats: how invocations are placed within an interval.
    pub spread: Spread,
    /// Count formats: the interval length (ns); default: minutes for azure2019, the gap between
    /// rows for huawei2023.
    pub interval: Option<u64>,
    /// Per-request formats: how far out of order (ns) rows may come.
    pub reorder: u64,
    /// Count bad rows and go on instead of stopping at the first.
    pub skip_bad_rows: bool,
    /// Seed of the random spread.
    pub seed: u64,
}

impl ReaderOptions {
    pub fn new(format: Format) -> Self {
        ReaderOptions {
            format,
            time_column: None,
            function_column: None,
            duration_column: None,
            time_unit: NS,
            duration_unit: 1e6,
            spread: Spread::Poisson,
            interval: None,
            reorder: format.default_reorder(),
            skip_bad_rows: false,
            seed: 1,
        }
    }

    /// Whether rows name their function (so functions can be created from the trace).
    pub fn has_functions(&self) -> bool {
        match self.format {
            Format::Timestamps => self.function_column.is_some(),
            Format::AwsLambdaLog => false,
            _ => true,
        }
    }
}

/// One invocation read from a trace.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceArrival {
    /// Trace time (ns).
    pub time: u64,
    /// Index of the trace function ([`TraceStream::function_name`]).
    pub func: u32,
    /// Execution time from the trace (ns), or [`NO_DURATION`].
    pub duration: u64,
    /// The trace labelled this invocation a cold start.
    pub cold: bool,
}

/// A trace read as a stream of arrivals in time order.
pub trait TraceStream {
    fn next(&mut self) -> Result<Option<TraceArrival>, InputError>;
    /// The name of trace function `i` (known once an arrival of it was returned).
    fn function_name(&self, i: u32) -> &str;
    /// The trigger of trace function `i`, where the format has one.
    fn trigger(&self, _i: u32) -> Option<&str> {
        None
    }
    /// The application of trace function `i`, where the format has one.
    fn app(&self, _i: u32) -> Option<&str> {
        None
    }
    /// Functions known so far.
    fn functions(&self) -> u32;
    /// Data rows read and rows skipped as bad (with `skip_bad_rows`).
    fn rows(&self) -> u64;
    fn skipped(&self) -> u64;
    /// The first bad row skipped, for the report.
    fn first_skipped(&self) -> Option<&InputError>;
    /// Trace time of the first row (the start of the first interval of a count format), once
    /// known; `None` for per-request formats (the first arrival then).
    fn first_row_time(&self) -> Option<u64> {
        None
    }
    /// Count formats scale their counts themselves (`factor` of trace time): returns true.
    fn scale_counts(&mut self, _factor: Box<dyn Fn(u64) -> f64>) -> bool {
        false
    }
}

/// Opens a trace of `path` through `res`.
pub fn open(
    res: &dyn Resources,
    path: &str,
    opts: &ReaderOptions,
    wanted: Option<&dyn Fn(&str) -> bool>,
) -> Result<Box<dyn TraceStream>, InputError> {
    let file = res.display(path);
    let open = |res: &dyn Resources| {
        res.open(path).map_err(|message| InputError {
            file: file.clone(),
            line: 0,
            message,
        })
    };
    let rows = Rows::new(open(res)?, file.clone(), opts.skip_bad_rows);
    Ok(match opts.format {
        Format::Timestamps | Format::AwsLambdaLog | Format::Azure2021 => {
            Box::new(RequestReader::new(rows, opts)?)
        }
        Format::Huawei2023 => Box::new(HuaweiReader::new(rows, opts, wanted)?),
        Format::Azure2019 => {
            let reopen = res.reopener(path).map(|mut f| {
                let file = file.clone();
                Box::new(move || {
                    f().map_err(|message| InputError {
                        file: file.clone(),
                        line: 0,
                        message,
                    })
                }) as Reopen
            });
            Box::new(Azure2019Reader::new(rows, opts, wanted, reopen)?)
        }
    })
}

// ---------------------------------------------------------------------------------------------
// CSV rows

/// Comma-separated rows with double-quoted fields (no line breaks inside quotes); blank lines
/// and `#` comments are skipped. One line buffer, reused.
pub struct Rows {
    reader: Box<dyn BufRead>,
    pub file: String,
    pub line: u64,
    buf: Vec<u8>,
    fields: Vec<(u32, u32)>,
    skip_bad: bool,
    pub skipped: u64,
    pub first_skipped: Option<InputError>,
}

impl Rows {
    pub fn new(reader: Box<dyn BufRead>, file: String, skip_bad: bool) -> Self {
        Rows {
            reader,
            file,
            line: 0,
            buf: Vec::with_capacity(256),
            fields: Vec::with_capacity(32),
            skip_bad,
            skipped: 0,
            first_skipped: None,
        }
    }

    pub fn error(&self, message: impl Into<String>) -> InputError {
        InputError {
            file: self.file.clone(),
            line: self.line,
            message: message.into(),
        }
    }

    /// Reads the next row; false at the end of the file.
    pub fn next_row(&mut self) -> Result<bool, InputError> {
        loop {
            self.buf.clear();
            let n = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| self.error(format!("cannot read: {e}")))?;
            if n == 0 {
                return Ok(false);
            }
            self.line += 1;
            match self.buf.iter().find(|c| !c.is_ascii_whitespace()) {
                None | Some(b'#') => continue,
                Some(_) => {}
            }
            self.split();
            return Ok(true);
        }
    }

    fn split(&mut self) {
        self.fields.clear();
        let mut end = self.buf.len();
        while end > 0 && matches!(self.buf[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let b = &self.buf[..end];
        let mut start = 0;
        let mut quoted = false;
        for (i, &c) in b.iter().enumerate() {
            if c == b'"' {
                quoted = !quoted;
            } else if c == b',' && !quoted {
                self.fields.push((start as u32, i as u32));
                start = i + 1;
            }
        }
        self.fields.push((start as u32, b.len() as u32));
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `i`, trimmed and unquoted ("" when missing).
    pub fn field(&self, i: usize) -> &str {
        match self.fields.get(i) {
            Some(&(a, b)) => {
                // A field that is not UTF-8 reads as empty (and is reported as missing).
                let f = std::str::from_utf8(&self.buf[a as usize..b as usize])
                    .unwrap_or("")
                    .trim();
                f.strip_prefix('"')
                    .and_then(|f| f.strip_suffix('"'))
                    .unwrap_or(f)
            }
            None => "",
        }
    }

    /// The index of the header field named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        (0..self.len()).find(|&i| self.field(i) == name)
    }

    /// Field `i` as a finite number, or an error naming `what`.
    #[inline]
    pub fn number(&self, i: usize, what: &str) -> Result<f64, InputError> {
        if let Some(&(a, b)) = self.fields.get(i)
            && let Some(v) = fast_decimal(&self.buf[a as usize..b as usize])
        {
            return Ok(v);
        }
        self.number_slow(i, what)
    }

    #[inline(never)]
    fn number_slow(&self, i: usize, what: &str) -> Result<f64, InputError> {
        let f = self.field(i);
        if i >= self.len() {
            return Err(self.error(format!(
                "expected {what} in column {}, but the row has {} columns",
                i + 1,
                self.len()
            )));
        }
        match f.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.error(format!("expected {what}, found \"{f}\""))),
        }
    }

    /// Handles a bad row: an error, or (with `skip_bad_rows`) a count and `Ok`.
    pub fn bad(&mut self, e: InputError) -> Result<(), InputError> {
        if !self.skip_bad {
            return Err(e);
        }
        self.skipped += 1;
        if self.first_skipped.is_none() {
            self.first_skipped = Some(e);
        }
        Ok(())
    }
}

/// Plain decimals (`digits[.digits]`, at most 15 significant digits) converted exactly: the
/// mantissa is an integer below 2^53 and 10^k (k ≤ 22) is exact, so one division rounds once,
/// as `str::parse` would. Anything else returns `None` for the full parser.
#[inline]
fn fast_decimal(s: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    let (mut m, mut digits, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for &c in s {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + (c - b'0') as u64;
                digits += 1;
                frac += dot as usize;
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    Some(m as f64 / POW10[frac])
}

/// Finds a column by name or index in the header (or the first row, for an index).
fn find_column(rows: &Rows, c: &Column, header: bool, key: &str) -> Result<usize, InputError> {
    match c {
        Column::Index(i) if *i < rows.len() => Ok(*i),
        Column::Index(i) => Err(rows.error(format!(
            "`{key}` = {i}: the row has only {} columns (counted from 0)",
            rows.len()
        ))),
        Column::Name(n) if header => rows.position(n).ok_or_else(|| {
            rows.error(format!(
                "`{key}` = \"{n}\": no such column in the header ({})",
                (0..rows.len().min(12))
                    .map(|i| rows.field(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }),
        Column::Name(n) => Err(rows.error(format!(
            "`{key}` = \"{n}\" names a column, but the file has no header row"
        ))),
    }
}

/// The index of the header column `name` of a `format` trace, or an error naming it.
fn header_column(rows: &Rows, name: &str, format: &str) -> Result<usize, InputError> {
    rows.position(name).ok_or_else(|| {
        rows.error(format!(
            "expected the {format} header, with a `{name}` column"
        ))
    })
}

fn is_header(rows: &Rows, col: usize) -> bool {
    rows.field(col).parse::<f64>().is_err()
        && rows
            .field(col)
            .starts_with(|c: char| c.is_alphabetic() || c == '_')
}

// ---------------------------------------------------------------------------------------------
// Per-request formats

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    time: u64,
    seq: u64,
    func: u32,
    duration: u64,
    cold: bool,
}

/// Names of trace functions, interned in order of first appearance.
#[derive(Default)]
struct Names {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }
}

enum Layout {
    Timestamps {
        time: usize,
        func: Option<usize>,
        duration: Option<usize>,
    },
    Aws {
        time: usize,
        duration: usize,
        cold: usize,
    },
    Azure2021 {
        app: usize,
        func: usize,
        end: usize,
        duration: usize,
    },
}

/// `timestamps`, `aws-lambda-log` and `azure2021`: a row an invocation, reordered within a
/// window (a heap of the rows inside it; empty when the window is 0).
pub struct RequestReader {
    rows: Rows,
    layout: Layout,
    time_unit: f64,
    duration_unit: f64,
    names: Names,
    heap: BinaryHeap<Reverse<Pending>>,
    window: u64,
    /// The latest time read (rows may not come before `max_seen − window`).
    max_seen: u64,
    /// The last time returned.
    emitted: u64,
    seq: u64,
    read: u64,
    eof: bool,
    key: String,
}

impl RequestReader {
    fn new(mut rows: Rows, opts: &ReaderOptions) -> Result<Self, InputError> {
        if !rows.next_row()? {
            return Err(InputError {
                file: rows.file.clone(),
                line: 0,
                message: "the trace is empty: no rows".into(),
            });
        }
        let mut first_data = false;
        let layout = match opts.format {
            Format::Timestamps => {
                let tc = opts.time_column.clone().unwrap_or(Column::Index(0));
                let probe = match &tc {
                    Column::Index(i) => *i,
                    Column::Name(_) => 0,
                };
                let header = is_header(&rows, probe.min(rows.len().saturating_sub(1)));
                first_data = !header;
                let time = find_column(&rows, &tc, header, "time_column")?;
                let func = opts
                    .function_column
                    .as_ref()
                    .map(|c| find_column(&rows, c, header, "function_column"))
                    .transpose()?;
                let duration = opts
                    .duration_column
                    .as_ref()
                    .map(|c| find_column(&rows, c, header, "duration_column"))
                    .transpose()?;
                Layout::Timestamps {
                    time,
                    func,
                    duration,
                }
            }
            Format::AwsLambdaLog => {
                let col = |n: &str| header_column(&rows, n, "aws-lambda-log");
                Layout::Aws {
                    time: col("client_start_time")?,
                    duration: col("aws_duration")?,
                    cold: col("is_cold")?,
                }
            }
            Format::Azure2021 => {
                let col = |n: &str| header_column(&rows, n, "azure2021");
                Layout::Azure2021 {
                    app: col("app")?,
                    func: col("func")?,
                    end: col("end_timestamp")?,
                    duration: col("duration")?,
                }
            }
            _ => unreachable!("a per-request format"),
        };
        let (time_unit, duration_unit) = match opts.format {
            Format::Timestamps => (opts.time_unit, opts.duration_unit),
            Format::AwsLambdaLog => (NS, 1e6),
            _ => (NS, NS),
        };
        let mut r = RequestReader {
            rows,
            layout,
            time_unit,
            duration_unit,
            names: Names::default(),
            heap: BinaryHeap::new(),
            window: opts.reorder,
            max_seen: 0,
            emitted: 0,
            seq: 0,
            read: 0,
            eof: false,
            key: String::new(),
        };
        if let Layout::Timestamps { func: None, .. } | Layout::Aws { .. } = r.layout {
            r.names.intern("");
        }
        if first_data {
            r.take_row()?;
        }
        Ok(r)
    }

    #[inline]
    fn to_ns(&self, v: f64, unit: f64, what: &str) -> Result<u64, InputError> {
        let ns = v * unit;
        if !(0.0..=1e19).contains(&ns) {
            return Err(self
                .rows
                .error(format!("expected a non-negative {what}, found {v}")));
        }
        Ok((ns + 0.5) as u64)
    }

    /// Parses the current row into a pending arrival.
    fn parse(&mut self) -> Result<Pending, InputError> {
        let (time, func, duration, cold) = match self.layout {
            Layout::Timestamps {
                time,
                func,
                duration,
            } => {
                let t = self.rows.number(time, "an arrival time")?;
                let t = self.to_ns(t, self.time_unit, "arrival time")?;
                let d = match duration {
                    Some(c) => {
                        let d = self.rows.number(c, "a duration")?;
                        self.to_ns(d, self.duration_unit, "duration")?
                    }
                    None => NO_DURATION,
                };
                let f = match func {
                    Some(c) => {
                        if self.rows.field(c).is_empty() {
                            return Err(self.rows.error("expected a function name, found nothing"));
                        }
                        let name = self.rows.field(c).to_string();
                        self.names.intern(&name)
                    }
                    None => 0,
                };
                (t, f, d, false)
            }
            Layout::Aws {
                time,
                duration,
                cold,
            } => {
                let t = self.rows.number(time, "client_start_time in seconds")?;
                let t = self.to_ns(t, NS, "client_start_time")?;
                let d = self.rows.number(duration, "aws_duration in ms")?;
                let d = self.to_ns(d, 1e6, "aws_duration")?;
                let c = match self.rows.field(cold) {
                    "True" | "true" | "1" => true,
                    "False" | "false" | "0" => false,
                    other => {
                        return Err(self
                            .rows
                            .error(format!("expected is_cold True or False, found \"{other}\"")));
                    }
                };
                (t, 0, d, c)
            }
            Layout::Azure2021 {
                app,
                func,
                end,
                duration,
            } => {
                let e = self.rows.number(end, "end_timestamp in seconds")?;
                let d = self.rows.number(duration, "duration in seconds")?;
                if d < 0.0 || e < d {
                    return Err(self.rows.error(format!(
                        "expected 0 ≤ duration ≤ end_timestamp, found end {e} s and duration {d} s"
                    )));
                }
                let t = self.to_ns(e - d, NS, "start time")?;
                let d = self.to_ns(d, NS, "duration")?;
                self.key.clear();
                self.key.push_str(self.rows.field(app));
                self.key.push('/');
                self.key.push_str(self.rows.field(func));
                let key = std::mem::take(&mut self.key);
                let f = self.names.intern(&key);
                self.key = key;
                (t, f, d, false)
            }
        };
        let floor = self.max_seen.saturating_sub(self.window);
        if time < floor || time < self.emitted {
            return Err(self.rows.error(format!(
                "times out of order: {} s comes after {} s{}",
                time as f64 / NS,
                self.max_seen as f64 / NS,
                if self.window > 0 {
                    format!(
                        ", more than the reorder window of {} s",
                        self.window as f64 / NS
                    )
                } else {
                    " (set `reorder` to allow rows slightly out of order)".into()
                }
            )));
        }
        self.seq += 1;
        Ok(Pending {
            time,
            seq: self.seq,
            func,
            duration,
            cold,
        })
    }

    /// Parses the current row and adds it to the heap (or skips it).
    fn take_row(&mut self) -> Result<(), InputError> {
        match self.parse() {
            Ok(p) => {
                self.max_seen = self.max_seen.max(p.time);
                self.read += 1;
                self.heap.push(Reverse(p));
                Ok(())
            }
            Err(e) => self.rows.bad(e),
        }
    }
}

impl TraceStream for RequestReader {
    fn next(&mut self) -> Result<Option<TraceArrival>, InputError> {
        // In order (no reorder window): each row is returned as it is read (after the one
        // read ahead to find the header, if any).
        if self.window == 0
            && let Some(Reverse(p)) = self.heap.pop()
        {
            self.emitted = p.time;
            return Ok(Some(TraceArrival {
                time: p.time,
                func: p.func,
                duration: p.duration,
                cold: p.cold,
            }));
        }
        while self.window == 0 && !self.eof {
            if !self.rows.next_row()? {
                self.eof = true;
                break;
            }
            match self.parse() {
                Ok(p) => {
                    self.max_seen = p.time;
                    self.emitted = p.time;
                    self.read += 1;
                    return Ok(Some(TraceArrival {
                        time: p.time,
                        func: p.func,
                        duration: p.duration,
                        cold: p.cold,
                    }));
                }
                Err(e) => self.rows.bad(e)?,
            }
        }
        loop {
            if let Some(Reverse(p)) = self.heap.peek()
                && (self.eof || p.time < self.max_seen.saturating_sub(self.window))
            {
                let p = self.heap.pop().expect("peeked").0;
                self.emitted = p.time;
                return Ok(Some(TraceArrival {
                    time: p.time,
                    func: p.func,
                    duration: p.duration,
                    cold: p.cold,
                }));
            }
            if self.eof {
                if self.read == 0 {
                    return Err(InputError {
                        file: self.rows.file.clone(),
                        line: self.rows.line,
                        message: "the trace holds no invocations".into(),
                    });
                }
                return Ok(None);
            }
            if self.rows.next_row()? {
                self.take_row()?;
            } else {
                self.eof = true;
            }
        }
    }
    fn function_name(&self, i: u32) -> &str {
        &self.names.names[i as usize]
    }
    fn functions(&self) -> u32 {
        self.names.names.len() as u32
    }
    fn rows(&self) -> u64 {
        self.read
    }
    fn skipped(&self) -> u64 {
        self.rows.skipped
    }
    fn first_skipped(&self) -> Option<&InputError> {
        self.rows.first_skipped.as_ref()
    }
}

// ---------------------------------------------------------------------------------------------
// Count formats

/// Spreads the counts of one interval over it and merges the functions in time order (a heap of
/// one next time per function).
struct Spreader {
    spread: Spread,
    rng: SimRng,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    /// Per function (by index) with invocations in this interval: (left, position in ns as
    /// f64, count).
    state: Vec<(u64, f64, u64)>,
    start: u64,
    len: u64,
}

impl Spreader {
    fn new(spread: Spread, seed: u64) -> Self {
        Spreader {
            spread,
            rng: SimRng::new(seed, crate::rng::stream::ARRIVALS | 0xFF_FFFF),
            heap: BinaryHeap::new(),
            state: Vec::new(),
            start: 0,
            len: 0,
        }
    }

    fn begin(&mut self, start: u64, len: u64) {
        self.start = start;
        self.len = len;
        self.heap.clear();
    }

    fn add(&mut self, func: u32, count: u64) {
        if count == 0 {
            return;
        }
        let i = func as usize;
        if self.state.len() <= i {
            self.state.resize(i + 1, (0, 0.0, 0));
        }
        self.state[i] = (count, self.start as f64, count);
        let t = self.step(func);
        self.heap.push(Reverse((t, func)));
    }

    /// The next time of `func` (its count not yet exhausted).
    fn step(&mut self, func: u32) -> u64 {
        let (left, pos, n) = &mut self.state[func as usize];
        let end = (self.start + self.len) as f64;
        let t = match self.spread {
            Spread::Uniform => {
                let k = (*n - *left) as f64;
                self.start as f64 + (k + 0.5) * self.len as f64 / *n as f64
            }
            Spread::Poisson => {
                // The minimum of `left` uniforms on [pos, end): the next order statistic.
                let u = self.rng.uniform();
                *pos + (end - *pos) * (1.0 - (1.0 - u).powf(1.0 / *left as f64))
            }
        };
        *pos = t;
        *left -= 1;
        (t as u64).min(self.start + self.len.saturating_sub(1))
    }

    fn next(&mut self) -> Option<(u64, u32)> {
        let Reverse((t, f)) = self.heap.pop()?;
        if self.state[f as usize].0 > 0 {
            let t2 = self.step(f).max(t);
            self.heap.push(Reverse((t2, f)));
        }
        Some((t, f))
    }
}

/// Rounds `count × factor` stochastically (its expectation is exact).
fn scaled(count: u64, factor: f64, rng: &mut SimRng) -> u64 {
    if factor == 1.0 {
        return count;
    }
    let x = count as f64 * factor;
    let base = x.floor();
    base as u64 + (rng.uniform() < x - base) as u64
}

/// A count parsed from a cell: empty or NaN is 0; a whole non-negative number otherwise.
fn count_cell(rows: &Rows, i: usize) -> Result<u64, InputError> {
    let f = rows.field(i);
    if f.is_empty() || f.eq_ignore_ascii_case("nan") {
        return Ok(0);
    }
    match f.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.fract() == 0.0 && v < 1e15 => Ok(v as u64),
        _ => Err(rows.error(format!(
            "expected a whole non-negative count in column {}, found \"{f}\"",
            i + 1
        ))),
    }
}

type Factor = Box<dyn Fn(u64) -> f64>;
type Reopen = Box<dyn FnMut() -> Result<Box<dyn BufRead>, InputError>>;

/// `azure2019`: `[HashOwner,HashApp,]HashFunction,Trigger,1,…,N` — invocations per minute, one
/// row per function. The file is read in chunks of minutes (one pass per chunk, counts of the
/// wanted functions only), so memory is bounded whatever the trace's length.
pub struct Azure2019Reader {
    /// Opens the file again for the next chunk; without it, every minute is held from the start.
    reopen: Option<Reopen>,
    file: String,
    skip_bad: bool,
    names: Vec<String>,
    triggers: Vec<String>,
    apps: Vec<String>,
    /// For each wanted function (row order): its trace index.
    wanted: Vec<u32>,
    minutes: usize,
    first_col: usize,
    func_col: usize,
    interval: u64,
    chunk: usize,
    /// Counts of the current chunk: wanted × chunk.
    counts: Vec<u32>,
    chunk_start: usize,
    minute: usize,
    spreader: Spreader,
    factor: Option<Factor>,
    scale_rng: SimRng,
    rows: u64,
    skipped: u64,
    first_skipped: Option<InputError>,
    /// Rows judged bad in the first pass (skipped in every pass).
    bad_rows: Vec<u64>,
}

/// Cells held per chunk at most (4 M counts, 16 MB).
const CHUNK_CELLS: usize = 1 << 22;

impl Azure2019Reader {
    fn new(
        mut rows: Rows,
        opts: &ReaderOptions,
        wanted: Option<&dyn Fn(&str) -> bool>,
        reopen: Option<Reopen>,
    ) -> Result<Self, InputError> {
        if !rows.next_row()? {
            return Err(rows.error("the trace is empty: no header row"));
        }
        let header_err = |rows: &Rows| {
            rows.error(
                "expected the azure2019 header: [HashOwner,HashApp,]HashFunction,Trigger,1,2,…",
            )
        };
        let func_col = rows
            .position("HashFunction")
            .ok_or_else(|| header_err(&rows))?;
        let trig = rows.position("Trigger").ok_or_else(|| header_err(&rows))?;
        let first_col = trig + 1;
        let minutes = rows.len().saturating_sub(first_col);
        if minutes == 0 {
            return Err(rows.error("the azure2019 header has no minute columns after Trigger"));
        }
        for m in 0..minutes {
            if rows.field(first_col + m) != (m + 1).to_string() {
                return Err(rows.error(format!(
                    "expected minute column {} in the header, found \"{}\"",
                    m + 1,
                    rows.field(first_col + m)
                )));
            }
        }
        // First pass: names, triggers, the wanted rows and their checks.
        let mut names = Vec::new();
        let mut triggers = Vec::new();
        let mut apps = Vec::new();
        let app_col = rows.position("HashApp");
        let mut want = Vec::new();
        let mut bad_rows = Vec::new();
        let mut rows_n = 0;
        // Without a way to read the file again, the wanted rows' counts are kept in this pass.
        let mut all_counts: Vec<u32> = Vec::new();
        while rows.next_row()? {
            let check = (|| {
                if rows.len() != first_col + minutes {
                    return Err(rows.error(format!(
                        "expected {} columns as in the header, found {}",
                        first_col + minutes,
                        rows.len()
                    )));
                }
                for m in 0..minutes {
                    count_cell(&rows, first_col + m)?;
                }
                Ok(())
            })();
            if let Err(e) = check {
                bad_rows.push(rows.line);
                rows.bad(e)?;
                continue;
            }
            rows_n += 1;
            let name = rows.field(func_col).to_string();
            if wanted.is_none_or(|w| w(&name)) {
                want.push(names.len() as u32);
                if reopen.is_none() {
                    for m in 0..minutes {
                        let c = count_cell(&rows, first_col + m)?;
                        all_counts.push(c.min(u32::MAX as u64) as u32);
                    }
                }
            }
            names.push(name);
            triggers.push(rows.field(trig).to_string());
            if let Some(c) = app_col {
                apps.push(rows.field(c).to_string());
            }
        }
        if names.is_empty() {
            return Err(rows.error("the trace holds no function rows"));
        }
        let chunk = if reopen.is_some() {
            (CHUNK_CELLS / want.len().max(1)).clamp(1, minutes)
        } else {
            minutes
        };
        let loaded = reopen.is_none();
        let interval = opts.interval.unwrap_or(60_000_000_000);
        let mut r = Azure2019Reader {
            reopen,
            file: rows.file.clone(),
            skip_bad: opts.skip_bad_rows,
            names,
            triggers,
            apps,
            wanted: want,
            minutes,
            first_col,
            func_col,
            interval,
            chunk,
            counts: all_counts,
            chunk_start: 0,
            minute: 0,
            spreader: Spreader::new(opts.spread, opts.seed),
            factor: None,
            scale_rng: SimRng::new(opts.seed, crate::rng::stream::ARRIVALS | 0xFF_FFFE),
            rows: rows_n,
            skipped: rows.skipped,
            first_skipped: rows.first_skipped.take(),
            bad_rows,
        };
        if !loaded {
            r.load_chunk(0)?;
        }
        r.begin_minute();
        Ok(r)
    }

    /// Reads minutes [start, start + chunk) of the wanted rows.
    fn load_chunk(&mut self, start: usize) -> Result<(), InputError> {
        let len = self.chunk.min(self.minutes - start);
        self.counts.clear();
        self.counts.resize(self.wanted.len() * len, 0);
        self.chunk_start = start;
        let reopen = self
            .reopen
            .as_mut()
            .expect("chunks need a way to reopen the file");
        let mut rows = Rows::new(reopen()?, self.file.clone(), self.skip_bad);
        rows.next_row()?;
        let (mut fi, mut wi) = (0u32, 0usize);
        while rows.next_row()? {
            if self.bad_rows.binary_search(&rows.line).is_ok() {
                continue;
            }
            if wi < self.wanted.len() && self.wanted[wi] == fi {
                if rows.field(self.func_col) != self.names[fi as usize] {
                    return Err(rows.error("the file changed while it was read"));
                }
                for m in 0..len {
                    self.counts[wi * len + m] =
                        count_cell(&rows, self.first_col + start + m)?.min(u32::MAX as u64) as u32;
                }
                wi += 1;
            }
            fi += 1;
        }
        Ok(())
    }

    fn begin_minute(&mut self) {
        let start = self.minute as u64 * self.interval;
        self.spreader.begin(start, self.interval);
        let len = self.chunk.min(self.minutes - self.chunk_start);
        let m = self.minute - self.chunk_start;
        let factor = self.factor.as_ref().map(|f| f(start + self.interval / 2));
        for (wi, &f) in self.wanted.iter().enumerate() {
            let c = self.counts[wi * len + m] as u64;
            let c = match factor {
                Some(k) => scaled(c, k, &mut self.scale_rng),
                None => c,
            };
            self.spreader.add(f, c);
        }
    }
}

impl TraceStream for Azure2019Reader {
    fn next(&mut self) -> Result<Option<TraceArrival>, InputError> {
        loop {
            if let Some((time, func)) = self.spreader.next() {
                return Ok(Some(TraceArrival {
                    time,
                    func,
                    duration: NO_DURATION,
                    cold: false,
                }));
            }
            self.minute += 1;
            if self.minute >= self.minutes {
                return Ok(None);
            }
            if self.minute >= self.chunk_start + self.chunk {
                self.load_chunk(self.minute)?;
            }
            self.begin_minute();
        }
    }
    fn function_name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
    fn trigger(&self, i: u32) -> Option<&str> {
        Some(&self.triggers[i as usize])
    }
    fn app(&self, i: u32) -> Option<&str> {
        self.apps.get(i as usize).map(String::as_str)
    }
    fn functions(&self) -> u32 {
        self.names.len() as u32
    }
    fn rows(&self) -> u64 {
        self.rows
    }
    fn skipped(&self) -> u64 {
        self.skipped
    }
    fn first_skipped(&self) -> Option<&InputError> {
        self.first_skipped.as_ref()
    }
    fn scale_counts(&mut self, factor: Factor) -> bool {
        self.factor = Some(factor);
        self.begin_minute();
        true
    }
    fn first_row_time(&self) -> Option<u64> {
        Some(0)
    }
}

/// `huawei2023`: `day,time,<one column per function>` — invocations per interval (a minute or
/// a second), `time` in seconds, one row per interval in time order. One row is held ahead to
/// know the interval's length.
pub struct HuaweiReader {
    rows: Rows,
    names: Vec<String>,
    /// (column, trace function) of the wanted columns.
    cols: Vec<(usize, u32)>,
    time_col: usize,
    interval: Option<u64>,
    /// The interval being spread, and the next row's time and counts.
    cur: u64,
    last_len: u64,
    next: Option<(u64, Vec<u64>)>,
    spreader: Spreader,
    factor: Option<Factor>,
    scale_rng: SimRng,
    read: u64,
    started: bool,
    first_time: u64,
}

impl HuaweiReader {
    fn new(
        mut rows: Rows,
        opts: &ReaderOptions,
        wanted: Option<&dyn Fn(&str) -> bool>,
    ) -> Result<Self, InputError> {
        if !rows.next_row()? {
            return Err(rows.error("the trace is empty: no header row"));
        }
        let time_col = rows
            .position("time")
            .ok_or_else(|| rows.error("expected the huawei2023 header day,time,<functions…>"))?;
        let mut names = Vec::new();
        let mut cols = Vec::new();
        for i in 0..rows.len() {
            if i == time_col || rows.field(i) == "day" || rows.field(i).is_empty() {
                continue;
            }
            let name = rows.field(i).to_string();
            if wanted.is_none_or(|w| w(&name)) {
                cols.push((i, names.len() as u32));
            }
            names.push(name);
        }
        if names.is_empty() {
            return Err(rows.error("the huawei2023 header names no function columns"));
        }
        let mut r = HuaweiReader {
            rows,
            names,
            cols,
            time_col,
            interval: opts.interval,
            cur: 0,
            last_len: opts.interval.unwrap_or(60_000_000_000),
            next: None,
            spreader: Spreader::new(opts.spread, opts.seed),
            factor: None,
            scale_rng: SimRng::new(opts.seed, crate::rng::stream::ARRIVALS | 0xFF_FFFE),
            read: 0,
            started: false,
            first_time: 0,
        };
        r.next = r.read_row(None)?;
        r.first_time = r.next.as_ref().map(|n| n.0).unwrap_or(0);
        if r.next.is_none() {
            return Err(InputError {
                file: r.rows.file.clone(),
                line: r.rows.line,
                message: "the trace holds no rows".into(),
            });
        }
        Ok(r)
    }

    /// The next good row: (time, counts of the wanted columns).
    fn read_row(&mut self, after: Option<u64>) -> Result<Option<(u64, Vec<u64>)>, InputError> {
        while self.rows.next_row()? {
            let parsed = (|| {
                let t = self.rows.number(self.time_col, "a time in seconds")?;
                if t < 0.0 {
                    return Err(self.rows.error(format!("expected a time ≥ 0 s, found {t}")));
                }
                let t = (t * NS).round() as u64;
                if let Some(a) = after
                    && t <= a
                {
                    return Err(self.rows.error(format!(
                        "times out of order: {} s does not come after {} s",
                        t as f64 / NS,
                        a as f64 / NS
                    )));
                }
                let mut counts = Vec::with_capacity(self.cols.len());
                for &(c, _) in &self.cols {
                    counts.push(count_cell(&self.rows, c)?);
                }
                Ok((t, counts))
            })();
            match parsed {
                Ok(row) => {
                    self.read += 1;
                    return Ok(Some(row));
                }
                Err(e) => self.rows.bad(e)?,
            }
        }
        Ok(None)
    }

    /// Starts spreading the held row; reads the one after it.
    fn advance(&mut self) -> Result<bool, InputError> {
        let Some((t, counts)) = self.next.take() else {
            return Ok(false);
        };
        self.next = self.read_row(Some(t))?;
        let len = match (&self.next, self.interval) {
            (_, Some(i)) => i,
            (Some((t2, _)), None) => t2 - t,
            (None, None) => self.last_len,
        };
        self.last_len = len;
        self.cur = t;
        self.spreader.begin(t, len);
        let factor = self.factor.as_ref().map(|f| f(t + len / 2));
        for (i, &(_, func)) in self.cols.iter().enumerate() {
            let c = match factor {
                Some(k) => scaled(counts[i], k, &mut self.scale_rng),
                None => counts[i],
            };
            self.spreader.add(func, c);
        }
        Ok(true)
    }
}

impl TraceStream for HuaweiReader {
    fn next(&mut self) -> Result<Option<TraceArrival>, InputError> {
        if !self.started {
            self.started = true;
            self.advance()?;
        }
        loop {
            if let Some((time, func)) = self.spreader.next() {
                return Ok(Some(TraceArrival {
                    time,
                    func,
                    duration: NO_DURATION,
                    cold: false,
                }));
            }
            if !self.advance()? {
                return Ok(None);
            }
        }
    }
    fn function_name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
    fn functions(&self) -> u32 {
        self.names.len() as u32
    }
    fn rows(&self) -> u64 {
        self.read
    }
    fn skipped(&self) -> u64 {
        self.rows.skipped
    }
    fn first_skipped(&self) -> Option<&InputError> {
        self.rows.first_skipped.as_ref()
    }
    fn scale_counts(&mut self, factor: Factor) -> bool {
        self.factor = Some(factor);
        true
    }
    fn first_row_time(&self) -> Option<u64> {
        Some(self.first_time)
    }
}

// ---------------------------------------------------------------------------------------------
// Replay: from trace time to simulation arrivals

/// How a trace is replayed.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// Trace time 0 is the first row's time (else the trace's own zero).
    pub origin_first: bool,
    /// The window of trace time replayed (ns after the origin); `start` plays at simulation
    /// time 0.
    pub start: u64,
    pub end: u64,
    /// Trace seconds per simulated second (2 plays twice as fast).
    pub speedup: f64,
    /// Rate multiplier and spikes (in simulation time).
    pub scale: f64,
    pub spikes: Vec<Spike>,
    /// Arrivals at or after this simulation time are not replayed.
    pub until: u64,
    pub seed: u64,
}

/// A trace replayed in simulation time: window, origin, speed-up, scale and spikes.
pub struct Replay {
    stream: Box<dyn TraceStream>,
    opts: ReplayOptions,
    origin: Option<u64>,
    rng: SimRng,
    /// Copies of the last arrival still to emit (scale above 1).
    copies: u32,
    last: Option<TraceArrival>,
    counts_scaled: bool,
    /// Arrivals emitted and trace rows dropped by scaling below 1.
    pub emitted: u64,
    pub cold_labelled: u64,
}

impl Replay {
    pub fn new(mut stream: Box<dyn TraceStream>, opts: ReplayOptions) -> Self {
        let origin = if opts.origin_first {
            stream.first_row_time()
        } else {
            Some(0)
        };
        let mut counts_scaled = false;
        if let Some(o) = origin
            && (opts.scale != 1.0 || !opts.spikes.is_empty())
        {
            // Count formats scale counts per interval; the factor is a function of trace time.
            let (scale, spikes, start, speedup) =
                (opts.scale, opts.spikes.clone(), opts.start, opts.speedup);
            counts_scaled = stream.scale_counts(Box::new(move |t| {
                let sim = (t.saturating_sub(o).saturating_sub(start) as f64 / speedup) as u64;
                scale * spike_factor(&spikes, sim)
            }));
        }
        Replay {
            stream,
            rng: SimRng::new(opts.seed, crate::rng::stream::ARRIVALS | 0xFF_FFFD),
            opts,
            origin,
            copies: 0,
            last: None,
            counts_scaled,
            emitted: 0,
            cold_labelled: 0,
        }
    }

    pub fn stream(&self) -> &dyn TraceStream {
        self.stream.as_ref()
    }

    /// The next arrival in simulation time, or `None` at the end of the window or the trace.
    pub fn next_arrival(&mut self) -> Result<Option<TraceArrival>, InputError> {
        loop {
            if self.copies > 0
                && let Some(a) = self.last
            {
                self.copies -= 1;
                self.emitted += 1;
                return Ok(Some(a));
            }
            let Some(mut a) = self.stream.next()? else {
                return Ok(None);
            };
            let origin = *self.origin.get_or_insert(a.time);
            let rel = a.time.saturating_sub(origin);
            if rel < self.opts.start {
                continue;
            }
            if rel >= self.opts.end {
                return Ok(None);
            }
            let d = rel - self.opts.start;
            let sim = if self.opts.speedup == 1.0 {
                d
            } else {
                (d as f64 / self.opts.speedup + 0.5) as u64
            };
            if sim >= self.opts.until {
                return Ok(None);
            }
            a.time = sim;
            if a.cold {
                self.cold_labelled += 1;
            }
            let k = if self.counts_scaled || (self.opts.scale == 1.0 && self.opts.spikes.is_empty())
            {
                1
            } else {
                let f = self.opts.scale * spike_factor(&self.opts.spikes, a.time);
                scaled(1, f, &mut self.rng) as u32
            };
            if k == 0 {
                continue;
            }
            self.copies = k - 1;
            self.last = Some(a);
            self.emitted += 1;
            return Ok(Some(a));
        }
    }
}

impl TraceStream for Replay {
    fn next(&mut self) -> Result<Option<TraceArrival>, InputError> {
        self.next_arrival()
    }
    fn function_name(&self, i: u32) -> &str {
        self.stream.function_name(i)
    }
    fn trigger(&self, i: u32) -> Option<&str> {
        self.stream.trigger(i)
    }
    fn app(&self, i: u32) -> Option<&str> {
        self.stream.app(i)
    }
    fn functions(&self) -> u32 {
        self.stream.functions()
    }
    fn rows(&self) -> u64 {
        self.stream.rows()
    }
    fn skipped(&self) -> u64 {
        self.stream.skipped()
    }
    fn first_skipped(&self) -> Option<&InputError> {
        self.stream.first_skipped()
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// Welford's running mean and variance.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Running {
    pub n: u64,
    pub mean: f64,
    m2: f64,
}

impl Running {
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / (self.n - 1) as f64).sqrt()
        }
    }
}

/// One trace function's statistics.
#[derive(Clone, Debug, Default)]
pub struct FunctionStats {
    pub name: String,
    pub trigger: Option<String>,
    pub app: Option<String>,
    pub invocations: u64,
    pub first: u64,
    pub last: u64,
    /// Inter-arrival gaps (s).
    pub gaps: Running,
    /// Durations from the trace: seconds, and their logarithms (for a log-normal fit).
    pub durations: Running,
    pub log_durations: Running,
    pub cold_labelled: u64,
}

impl FunctionStats {
    fn named(stream: &dyn TraceStream, i: u32) -> Self {
        FunctionStats {
            name: stream.function_name(i).to_string(),
            trigger: stream.trigger(i).map(str::to_string),
            app: stream.app(i).map(str::to_string),
            ..FunctionStats::default()
        }
    }

    /// Coefficient of variation of the inter-arrival gaps.
    pub fn gap_cv(&self) -> f64 {
        if self.gaps.mean > 0.0 {
            self.gaps.sd() / self.gaps.mean
        } else {
            0.0
        }
    }
}

/// A trace summarised in one pass: memory grows with the number of functions and (slowly) with
/// the time covered, never with the number of rows.
#[derive(Clone, Debug, Default)]
pub struct TraceStats {
    pub rows: u64,
    pub skipped: u64,
    pub invocations: u64,
    pub first: u64,
    pub last: u64,
    pub functions: Vec<FunctionStats>,
    /// Invocations per bin of `bin` ns from `first` (bins are merged in pairs as the trace grows,
    /// so at most 2^20 are held).
    pub bins: Vec<u64>,
    pub bin: u64,
    pub cold_labelled: u64,
}

const MAX_BINS: usize = 1 << 20;

impl TraceStats {
    /// Reads `stream` to its end.
    pub fn scan(stream: &mut dyn TraceStream) -> Result<TraceStats, InputError> {
        let mut s = TraceStats {
            bin: 1_000_000_000,
            ..TraceStats::default()
        };
        let mut last_by_fn: Vec<u64> = Vec::new();
        while let Some(a) = stream.next()? {
            if s.invocations == 0 {
                s.first = a.time;
            }
            s.invocations += 1;
            s.last = a.time;
            if a.cold {
                s.cold_labelled += 1;
            }
            let f = a.func as usize;
            while s.functions.len() <= f {
                let i = s.functions.len() as u32;
                s.functions.push(FunctionStats::named(stream, i));
                last_by_fn.push(u64::MAX);
            }
            let fs = &mut s.functions[f];
            if fs.invocations == 0 {
                fs.first = a.time;
            } else {
                fs.gaps.add((a.time - last_by_fn[f]) as f64 / NS);
            }
            last_by_fn[f] = a.time;
            fs.invocations += 1;
            fs.last = a.time;
            if a.cold {
                fs.cold_labelled += 1;
            }
            if a.duration != NO_DURATION {
                let d = a.duration as f64 / NS;
                fs.durations.add(d);
                fs.log_durations.add(d.max(1e-6).ln());
            }
            let mut b = ((a.time - s.first) / s.bin) as usize;
            while b >= MAX_BINS {
                s.bins = s.bins.chunks(2).map(|c| c.iter().sum()).collect();
                s.bin *= 2;
                b = ((a.time - s.first) / s.bin) as usize;
            }
            if s.bins.len() <= b {
                s.bins.resize(b + 1, 0);
            }
            s.bins[b] += 1;
        }
        // Functions known to the reader but never invoked (count formats) are listed too.
        for i in s.functions.len() as u32..stream.functions() {
            s.functions.push(FunctionStats::named(stream, i));
        }
        s.rows = stream.rows();
        s.skipped = stream.skipped();
        Ok(s)
    }

    /// The time covered (s).
    pub fn span(&self) -> f64 {
        (self.last - self.first) as f64 / NS
    }

    /// Percentiles of the arrival rate per bin (requests per second), `q` in [0, 1].
    pub fn rate_percentile(&self, q: f64) -> f64 {
        if self.bins.is_empty() {
            return 0.0;
        }
        let mut v = self.bins.clone();
        v.sort_unstable();
        let i = ((v.len() - 1) as f64 * q).round() as usize;
        v[i] as f64 / (self.bin as f64 / NS)
    }
}

// ---------------------------------------------------------------------------------------------
// Azure 2019 side files

/// Execution-time percentiles per function from an Azure 2019 duration file
/// (`…,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,…_1,…_25,…_50,…_75,…_99,…_100`),
/// as (quantile, ms) points, made non-decreasing.
pub fn azure2019_durations(
    reader: Box<dyn BufRead>,
    file: &str,
) -> Result<HashMap<String, Vec<(f64, f64)>>, InputError> {
    let mut rows = Rows::new(reader, file.to_string(), false);
    if !rows.next_row()? {
        return Err(rows.error("the duration file is empty"));
    }
    let qs = [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0];
    let names = ["0", "1", "25", "50", "75", "99", "100"];
    let f = rows
        .position("HashFunction")
        .ok_or_else(|| rows.error("expected a HashFunction column"))?;
    let mut cols = Vec::new();
    for n in names {
        let c = format!("percentile_Average_{n}");
        cols.push(
            rows.position(&c)
                .ok_or_else(|| rows.error(format!("expected a {c} column")))?,
        );
    }
    let mut out = HashMap::new();
    while rows.next_row()? {
        let mut pts = Vec::with_capacity(7);
        let mut hi: f64 = 0.0;
        for (q, &c) in qs.iter().zip(&cols) {
            let v = rows.number(c, "a duration in ms")?;
            if v < 0.0 {
                return Err(rows.error(format!("expected a duration ≥ 0 ms, found {v}")));
            }
            hi = hi.max(v);
            pts.push((*q, hi));
        }
        out.insert(rows.field(f).to_string(), pts);
    }
    Ok(out)
}

/// Memory per function (or per app, when the file has no HashFunction column) from an Azure 2019
/// memory file: the largest of the allocated-memory columns present (`AverageAllocatedMb_pct100`,
/// else `AverageAllocatedMb`), in MB. Keys are function ids, or `app:<HashApp>`.
pub fn azure2019_memory(
    reader: Box<dyn BufRead>,
    file: &str,
) -> Result<HashMap<String, f64>, InputError> {
    let mut rows = Rows::new(reader, file.to_string(), false);
    if !rows.next_row()? {
        return Err(rows.error("the memory file is empty"));
    }
    let (key, prefix) = match (rows.position("HashFunction"), rows.position("HashApp")) {
        (Some(f), _) => (f, ""),
        (None, Some(a)) => (a, "app:"),
        _ => return Err(rows.error("expected a HashFunction or HashApp column")),
    };
    let col = rows
        .position("AverageAllocatedMb_pct100")
        .or_else(|| rows.position("AverageAllocatedMb"))
        .ok_or_else(|| rows.error("expected an AverageAllocatedMb column"))?;
    let mut out = HashMap::new();
    while rows.next_row()? {
        let v = rows.number(col, "memory in MB")?;
        out.insert(format!("{prefix}{}", rows.field(key)), v);
    }
    Ok(out)
}

/// The Lambda memory size for a function that uses `mb` at most: a multiple of 64 MB, 128 to
/// 10,240 MB.
pub fn lambda_memory_for(mb: f64) -> u32 {
    let m = ((mb.max(1.0) / 64.0).ceil() * 64.0) as u32;
    m.clamp(128, 10_240)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(text: &'static str, opts: &ReaderOptions) -> Box<dyn TraceStream> {
        let rows = Rows::new(
            Box::new(text.as_bytes()),
            "t.csv".into(),
            opts.skip_bad_rows,
        );
        match opts.format {
            Format::Huawei2023 => Box::new(HuaweiReader::new(rows, opts, None).unwrap()),
            _ => Box::new(RequestReader::new(rows, opts).unwrap()),
        }
    }

    fn all(s: &mut dyn TraceStream) -> Result<Vec<TraceArrival>, InputError> {
        let mut v = Vec::new();
        while let Some(a) = s.next()? {
            v.push(a);
        }
        Ok(v)
    }

    #[test]
    fn timestamps_with_header_function_and_duration() {
        let mut o = ReaderOptions::new(Format::Timestamps);
        o.function_column = Some(Column::Name("fn".into()));
        o.duration_column = Some(Column::Index(2));
        let mut s = stream("t,fn,d\n0.5,a,100\n\n1,b,2.5\n1.25,a,0\n", &o);
        let v = all(s.as_mut()).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(
            (v[0].time, v[0].func, v[0].duration),
            (500_000_000, 0, 100_000_000)
        );
        assert_eq!((v[1].func, v[1].duration), (1, 2_500_000));
        assert_eq!(s.function_name(1), "b");
        assert_eq!(s.rows(), 3);
    }

    #[test]
    fn names_the_bad_line_and_skips_when_asked() {
        let o = ReaderOptions::new(Format::Timestamps);
        let mut s = stream("1\n2\nfoo\n3\n", &o);
        let e = all(s.as_mut()).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.to_string().starts_with("t.csv:3:"), "{e}");
        let e = all(stream("2\n1\n", &o).as_mut()).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("out of order"), "{e}");
        let mut o2 = o.clone();
        o2.skip_bad_rows = true;
        let mut s = stream("1\n2\nfoo\n1.5\n3\n", &o2);
        let v = all(s.as_mut()).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(s.skipped(), 2);
        assert_eq!(s.first_skipped().unwrap().line, 3);
    }

    #[test]
    fn a_reorder_window_sorts_nearly_ordered_rows() {
        let mut o = ReaderOptions::new(Format::Timestamps);
        o.reorder = 1_000_000_000;
        let v = all(stream("1\n3\n2.5\n4\n3.5\n", &o).as_mut()).unwrap();
        let t: Vec<u64> = v.iter().map(|a| a.time / 100_000_000).collect();
        assert_eq!(t, vec![10, 25, 30, 35, 40]);
        let e = all(stream("1\n3\n1.5\n", &o).as_mut()).unwrap_err();
        assert_eq!(e.line, 3);
    }

    #[test]
    fn huawei_counts_are_spread_within_their_rows() {
        let mut o = ReaderOptions::new(Format::Huawei2023);
        o.spread = Spread::Uniform;
        let mut s = stream("day,time,0,1\n0,0,2,\n0,60,1,3\n", &o);
        let v = all(s.as_mut()).unwrap();
        let per: Vec<(u64, u32)> = v.iter().map(|a| (a.time / 1_000_000_000, a.func)).collect();
        assert_eq!(
            per,
            vec![(15, 0), (45, 0), (70, 1), (90, 0), (90, 1), (110, 1)]
        );
        o.spread = Spread::Poisson;
        let v = all(stream("day,time,0\n0,0,1000\n0,60,0\n", &o).as_mut()).unwrap();
        assert_eq!(v.len(), 1000);
        assert!(v.windows(2).all(|w| w[0].time <= w[1].time));
        assert!(v.iter().all(|a| a.time < 60_000_000_000));
        let mean = v.iter().map(|a| a.time as f64).sum::<f64>() / 1000.0 / 1e9;
        assert!((mean - 30.0).abs() < 2.0, "{mean}");
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(lambda_memory_for(20.0), 128);
        assert_eq!(lambda_memory_for(190.0), 192);
        assert_eq!(lambda_memory_for(1e6), 10_240);
    }
}
