//! Reading request logs for calibration: AWS's per-request log (`aws-lambda-log`, with the
//! environment id in `exist_id`) and a documented CSV (`csv`: `arrival`, `duration`,
//! `environment`, `cold`, optional `function`) and faasim's own `requests.csv`
//! (`faasim-requests`), rows reordered within a window.

use super::{Builder, LogRequest};
use crate::error::InputError;
use crate::trace::Rows;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// The log formats `faasim calibrate keep-alive` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// The per-request logs of Mahmoudi & Khazaei (`client_start_time` in s, `aws_duration` in
    /// ms, `exist_id`, `is_cold`).
    AwsLambdaLog,
    /// `arrival` (s), `duration` (s), `environment`, `cold` (`true`/`false`, `1`/`0`), and
    /// optionally `function`.
    Csv,
    /// faasim's `requests.csv` (`faasim run --requests`): `function`, `start_s`, `end_s`,
    /// `cold`, `environment`; rows without an environment or an end are skipped.
    FaasimRequests,
}

impl LogFormat {
    pub const NAMES: &'static str = "\"aws-lambda-log\", \"csv\" or \"faasim-requests\"";

    pub fn name(self) -> &'static str {
        match self {
            LogFormat::AwsLambdaLog => "aws-lambda-log",
            LogFormat::Csv => "csv",
            LogFormat::FaasimRequests => "faasim-requests",
        }
    }

    pub fn parse(s: &str) -> Option<LogFormat> {
        match s {
            "aws-lambda-log" => Some(LogFormat::AwsLambdaLog),
            "csv" => Some(LogFormat::Csv),
            "faasim-requests" => Some(LogFormat::FaasimRequests),
            _ => None,
        }
    }
}

struct Columns {
    arrival: usize,
    duration: usize,
    env: usize,
    cold: usize,
    function: Option<usize>,
    /// Seconds per unit of the duration column.
    duration_unit: f64,
    /// The duration column is an end time.
    end_time: bool,
}

/// A row waiting in the reorder window: (arrival bits, row number) orders it.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Waiting {
    arrival: u64,
    seq: u64,
    duration: u64,
    function: u32,
    env: u32,
    cold: bool,
}

/// Reads one log into `b` (ending it), rows at most `window` seconds out of order; at most
/// `max_rows` rows. Returns the rows read.
pub fn read_log(
    rows: &mut Rows,
    format: LogFormat,
    window: f64,
    max_rows: u64,
    b: &mut Builder,
) -> Result<u64, InputError> {
    if !rows.next_row()? {
        return Err(rows.error("empty log: expected a header row"));
    }
    let need = |rows: &Rows, name: &str| {
        rows.position(name).ok_or_else(|| {
            rows.error(format!(
                "expected a column named \"{name}\" in the header (format {})",
                format.name()
            ))
        })
    };
    let cols = match format {
        LogFormat::AwsLambdaLog => Columns {
            arrival: need(rows, "client_start_time")?,
            duration: need(rows, "aws_duration")?,
            env: need(rows, "exist_id")?,
            cold: need(rows, "is_cold")?,
            function: None,
            duration_unit: 1e-3,
            end_time: false,
        },
        LogFormat::Csv => Columns {
            arrival: need(rows, "arrival")?,
            duration: need(rows, "duration")?,
            env: need(rows, "environment")?,
            cold: need(rows, "cold")?,
            function: rows.position("function"),
            duration_unit: 1.0,
            end_time: false,
        },
        LogFormat::FaasimRequests => Columns {
            arrival: need(rows, "start_s")?,
            duration: need(rows, "end_s")?,
            env: need(rows, "environment")?,
            cold: need(rows, "cold")?,
            function: Some(need(rows, "function")?),
            duration_unit: 1.0,
            end_time: true,
        },
    };
    let mut envs: HashMap<String, u32> = HashMap::new();
    let mut functions: HashMap<String, u32> = HashMap::new();
    let mut heap: BinaryHeap<Reverse<Waiting>> = BinaryHeap::new();
    let (mut seq, mut latest) = (0u64, f64::NEG_INFINITY);
    let key = |s: f64| (s + 1e12).to_bits();
    let from_key = |k: u64| f64::from_bits(k) - 1e12;
    while rows.next_row()? {
        if seq >= max_rows {
            return Err(rows.error(format!(
                "more than {max_rows} rows (--max-rows allows more)"
            )));
        }
        if cols.end_time
            && (rows.field(cols.env).is_empty()
                || rows.field(cols.duration).is_empty()
                || rows.field(cols.arrival).is_empty())
        {
            // faasim's log: an attempt that never ran, or ran nowhere known.
            continue;
        }
        let arrival = rows.number(cols.arrival, "an arrival time in seconds")?;
        let mut duration = rows.number(cols.duration, "a duration")? * cols.duration_unit;
        if cols.end_time {
            duration -= arrival;
        }
        if !(0.0..=1e12).contains(&arrival) {
            return Err(rows.error(format!(
                "expected an arrival time from 0 to 1e12 s, found {arrival}"
            )));
        }
        if !(0.0..=1e6).contains(&duration) {
            return Err(rows.error(format!(
                "expected a duration from 0 to 1e6 s, found {duration} s"
            )));
        }
        let cold = match rows.field(cols.cold) {
            "True" | "true" | "TRUE" | "1" => true,
            "False" | "false" | "FALSE" | "0" => false,
            other => {
                return Err(rows.error(format!(
                    "expected the cold flag to be true or false (or 1 or 0), found \"{other}\""
                )));
            }
        };
        let env_name = rows.field(cols.env);
        if env_name.is_empty() {
            return Err(rows.error("expected an environment id, found an empty field"));
        }
        let n = envs.len() as u32;
        let env = *envs.entry(env_name.to_string()).or_insert(n);
        let function = match cols.function {
            Some(c) => {
                let n = functions.len() as u32;
                *functions.entry(rows.field(c).to_string()).or_insert(n)
            }
            None => 0,
        };
        if arrival < latest - window {
            return Err(rows.error(format!(
                "this row arrives at {arrival} s, more than {window} s before a row above it \
                 ({latest} s): sort the log by arrival or widen --reorder"
            )));
        }
        latest = latest.max(arrival);
        heap.push(Reverse(Waiting {
            arrival: key(arrival),
            seq,
            duration: duration.to_bits(),
            function,
            env,
            cold,
        }));
        seq += 1;
        while let Some(Reverse(w)) = heap.peek() {
            if from_key(w.arrival) > latest - window {
                break;
            }
            let Reverse(w) = heap.pop().expect("peeked");
            push(b, &w, from_key);
        }
    }
    while let Some(Reverse(w)) = heap.pop() {
        push(b, &w, from_key);
    }
    b.end_log();
    Ok(seq)
}

fn push(b: &mut Builder, w: &Waiting, from_key: impl Fn(u64) -> f64) {
    b.push(LogRequest {
        function: w.function,
        arrival: from_key(w.arrival),
        duration: f64::from_bits(w.duration),
        env: w.env,
        cold: w.cold,
    });
}
