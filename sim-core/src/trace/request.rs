//! The per-request formats, one row an invocation ([`RequestReader`]): `timestamps` (configured
//! columns and units), `aws-lambda-log` and `azure2021`, reordered within a window.

use super::rows::{Rows, find_column, header_column, is_header};
use super::{Column, Format, NO_DURATION, NS, ReaderOptions, TraceArrival, TraceStream};
use crate::error::InputError;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

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
    pub(super) fn new(mut rows: Rows, opts: &ReaderOptions) -> Result<Self, InputError> {
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
    fn labelled(&self) -> bool {
        matches!(self.layout, Layout::Aws { .. })
    }
}

#[cfg(test)]
mod tests {
    use crate::trace::test_util::{all, stream};
    use crate::trace::{Column, Format, ReaderOptions};

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
}
