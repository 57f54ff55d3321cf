//! Arrival processes: generated (Poisson, constant rate) and traces read as streams.
//!
//! A trace is never held in memory: the reader keeps one line buffer and the last time read.

use crate::rng::SimRng;
use crate::time::NS_PER_S;
use std::io::BufRead;

/// An error in an input file (a trace or a data file): the file, the 1-based line and what was expected.
#[derive(Clone, Debug, PartialEq)]
pub struct InputError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// Streams a `timestamps` trace: one arrival time in seconds per row (the first comma-separated
/// field; other fields are ignored), non-decreasing, optional header line, `#` comments and blank
/// lines skipped.
pub struct TimestampReader {
    reader: Box<dyn BufRead>,
    file: String,
    buf: String,
    line: u64,
    last: u64,
    rows: u64,
}

impl TimestampReader {
    pub fn new(reader: Box<dyn BufRead>, file: impl Into<String>) -> Self {
        TimestampReader {
            reader,
            file: file.into(),
            buf: String::with_capacity(128),
            line: 0,
            last: 0,
            rows: 0,
        }
    }

    fn error(&self, message: String) -> InputError {
        InputError {
            file: self.file.clone(),
            line: self.line,
            message,
        }
    }

    /// The next arrival time in nanoseconds, or `None` at the end of the file.
    #[inline(never)]
    pub fn next_arrival(&mut self) -> Result<Option<u64>, InputError> {
        loop {
            self.buf.clear();
            let n = self
                .reader
                .read_line(&mut self.buf)
                .map_err(|e| self.error(format!("cannot read: {e}")))?;
            if n == 0 {
                if self.rows == 0 {
                    return Err(InputError {
                        file: self.file.clone(),
                        line: 0,
                        message: "the trace holds no arrival times".into(),
                    });
                }
                return Ok(None);
            }
            self.line += 1;
            let field = self.buf.split(',').next().unwrap_or("").trim();
            if field.is_empty() || field.starts_with('#') {
                continue;
            }
            let secs: f64 = match field.parse() {
                Ok(v) => v,
                Err(_) if self.rows == 0 && self.line_is_header() => continue,
                Err(_) => {
                    return Err(self.error(format!(
                        "expected an arrival time in seconds, found \"{field}\""
                    )));
                }
            };
            if !secs.is_finite() || secs < 0.0 {
                return Err(self.error(format!(
                    "expected a non-negative arrival time in seconds, found {field}"
                )));
            }
            if secs > 1e10 {
                return Err(self.error(format!("arrival time {field} s is beyond 300 years")));
            }
            let t = (secs * NS_PER_S as f64).round() as u64;
            if t < self.last {
                return Err(self.error(format!(
                    "arrival times must not decrease: {field} s comes after {} s",
                    self.last as f64 / NS_PER_S as f64
                )));
            }
            self.last = t;
            self.rows += 1;
            return Ok(Some(t));
        }
    }

    /// A header is a first row whose first field starts with a letter.
    fn line_is_header(&self) -> bool {
        self.buf
            .trim_start()
            .starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '"')
    }

    /// Rows read so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }
}

/// Where a workload's arrivals come from.
pub enum ArrivalSource {
    /// Exponential inter-arrival times with mean `1/rate`.
    Poisson {
        mean_gap_ns: f64,
        rng: SimRng,
        last: u64,
    },
    /// Evenly spaced: the k-th arrival at `k * gap` (no drift from rounding).
    Constant {
        gap_ns: f64,
        k: u64,
        offset: u64,
    },
    Trace(TimestampReader),
}

impl ArrivalSource {
    pub fn poisson(rate: f64, rng: SimRng) -> Self {
        ArrivalSource::Poisson {
            mean_gap_ns: NS_PER_S as f64 / rate,
            rng,
            last: 0,
        }
    }
    pub fn constant(rate: f64) -> Self {
        ArrivalSource::Constant {
            gap_ns: NS_PER_S as f64 / rate,
            k: 0,
            offset: 0,
        }
    }

    /// The same process, started at `t` instead of 0 (generated processes only).
    pub fn starting_at(mut self, t: u64) -> Self {
        match &mut self {
            ArrivalSource::Poisson { last, .. } => *last = t,
            ArrivalSource::Constant { offset, .. } => *offset = t,
            ArrivalSource::Trace(_) => {}
        }
        self
    }

    /// The next arrival time (absolute, nanoseconds), or `None` when the source is exhausted.
    #[inline(always)]
    pub fn next_arrival(&mut self) -> Result<Option<u64>, InputError> {
        match self {
            ArrivalSource::Poisson {
                mean_gap_ns,
                rng,
                last,
            } => {
                let e: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, rng);
                *last = last.saturating_add((e * *mean_gap_ns + 0.5) as u64);
                Ok(Some(*last))
            }
            ArrivalSource::Constant { gap_ns, k, offset } => {
                *k += 1;
                Ok(Some(*offset + (*k as f64 * *gap_ns + 0.5) as u64))
            }
            ArrivalSource::Trace(r) => r.next_arrival(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &'static str) -> TimestampReader {
        TimestampReader::new(Box::new(text.as_bytes()), "t.csv")
    }

    #[test]
    fn reads_with_header_and_extra_columns() {
        let mut r = reader("time_s,function\n0.5,a\n\n1,b\n1.25\n");
        assert_eq!(r.next_arrival().unwrap(), Some(500_000_000));
        assert_eq!(r.next_arrival().unwrap(), Some(1_000_000_000));
        assert_eq!(r.next_arrival().unwrap(), Some(1_250_000_000));
        assert_eq!(r.next_arrival().unwrap(), None);
        assert_eq!(r.rows(), 3);
    }

    #[test]
    fn names_the_bad_line() {
        let mut r = reader("1\n2\nfoo\n");
        r.next_arrival().unwrap();
        r.next_arrival().unwrap();
        let e = r.next_arrival().unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.to_string().starts_with("t.csv:3:"), "{e}");
        let mut r = reader("2\n1\n");
        r.next_arrival().unwrap();
        assert_eq!(r.next_arrival().unwrap_err().line, 2);
        let mut r = reader("-1\n");
        assert_eq!(r.next_arrival().unwrap_err().line, 1);
        let mut r = reader("");
        assert!(r.next_arrival().is_err());
    }

    #[test]
    fn poisson_and_constant_rates() {
        let mut p = ArrivalSource::poisson(50.0, SimRng::new(1, 1));
        let mut last = 0;
        let n = 100_000;
        for _ in 0..n {
            last = p.next_arrival().unwrap().unwrap();
        }
        let rate = n as f64 / (last as f64 / 1e9);
        assert!((rate - 50.0).abs() / 50.0 < 0.01, "{rate}");
        let mut c = ArrivalSource::constant(3.0);
        assert_eq!(c.next_arrival().unwrap(), Some(333_333_333));
        assert_eq!(c.next_arrival().unwrap(), Some(666_666_667));
        assert_eq!(c.next_arrival().unwrap(), Some(1_000_000_000));
    }
}
