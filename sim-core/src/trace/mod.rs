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
//!
//! This module holds the shared interface (formats, options, [`open`]); one file per reader:
//! `rows` (the CSV line reader), `request` (the per-request formats), `spread` (placing counts
//! within an interval), `azure2019`, `huawei`, `replay`, `stats` and `azure_files` (the Azure
//! 2019 duration and memory files).

mod azure2019;
mod azure_files;
mod huawei;
mod replay;
mod request;
mod rows;
mod spread;
mod stats;

pub use azure_files::{azure2019_durations, azure2019_memory, lambda_memory_for};
pub use azure2019::Azure2019Reader;
pub use huawei::HuaweiReader;
pub use replay::{Replay, ReplayOptions};
pub use request::RequestReader;
pub use rows::Rows;
pub use stats::{FunctionStats, Running, TraceStats, too_many};

use crate::error::InputError;
use crate::resources::Resources;
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
    /// Whether its arrivals carry the platform's own cold/warm label.
    fn labelled(&self) -> bool {
        false
    }
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

/// A count format's rate factor, a function of trace time (see [`TraceStream::scale_counts`]).
type Factor = Box<dyn Fn(u64) -> f64>;
/// Opens a trace file again (for another pass over it).
type Reopen = Box<dyn FnMut() -> Result<Box<dyn BufRead>, InputError>>;

/// Readers over text, for the readers' unit tests.
#[cfg(test)]
mod test_util {
    use super::*;

    pub(super) fn stream(text: &'static str, opts: &ReaderOptions) -> Box<dyn TraceStream> {
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

    pub(super) fn all(s: &mut dyn TraceStream) -> Result<Vec<TraceArrival>, InputError> {
        let mut v = Vec::new();
        while let Some(a) = s.next()? {
            v.push(a);
        }
        Ok(v)
    }
}
