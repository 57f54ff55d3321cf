//! The `huawei2023` reader ([`HuaweiReader`]): invocations per interval, one row per interval,
//! one column per function.

use super::rows::Rows;
use super::spread::{Spreader, count_cell, scaled};
use super::{Factor, NO_DURATION, NS, ReaderOptions, TraceArrival, TraceStream};
use crate::error::InputError;
use crate::rng::SimRng;

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
    pub(super) fn new(
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

#[cfg(test)]
mod tests {
    use crate::trace::test_util::{all, stream};
    use crate::trace::{Format, ReaderOptions, Spread};

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
}
