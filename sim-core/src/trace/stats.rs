//! A trace summarised in one pass ([`TraceStats`], per function [`FunctionStats`], Welford's
//! [`Running`] mean and variance), for `faasim trace stats` and functions made from a trace.

use super::{NO_DURATION, NS, TraceStream};
use crate::error::InputError;

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

/// The error of a trace of more than `max` invocations.
pub fn too_many(file: &str, max: u64) -> InputError {
    InputError {
        file: file.to_string(),
        line: 0,
        message: format!(
            "the trace holds more than {} invocations, more than --max-events allows; replay a window of it (`start`, `end`), or allow more with --max-events",
            crate::error::approx(max as f64)
        ),
    }
}

impl TraceStats {
    /// Reads `stream` to its end.
    pub fn scan(stream: &mut dyn TraceStream) -> Result<TraceStats, InputError> {
        Self::scan_at_most(stream, u64::MAX, "")
    }

    /// Reads `stream` (of the file `file`) to its end, refusing one of more than `max`
    /// invocations: a count trace expands to as many arrivals as it counts.
    pub fn scan_at_most(
        stream: &mut dyn TraceStream,
        max: u64,
        file: &str,
    ) -> Result<TraceStats, InputError> {
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
            if s.invocations > max {
                return Err(too_many(file, max));
            }
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
