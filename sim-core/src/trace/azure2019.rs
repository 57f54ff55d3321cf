//! The `azure2019` reader ([`Azure2019Reader`]): invocations per minute, one row per function,
//! read in chunks of minutes so that memory stays bounded.

use super::rows::Rows;
use super::spread::{Spreader, count_cell, scaled};
use super::{Factor, NO_DURATION, ReaderOptions, Reopen, TraceArrival, TraceStream};
use crate::error::InputError;
use crate::rng::SimRng;

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
    pub(super) fn new(
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
