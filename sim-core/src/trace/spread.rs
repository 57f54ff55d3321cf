//! What the count formats (`azure2019`, `huawei2023`) share: placing an interval's invocations
//! within it (`Spreader`, uniform or Poisson), scaling counts stochastically (`scaled`) and
//! reading a count cell (`count_cell`).

use super::Spread;
use super::rows::Rows;
use crate::error::InputError;
use crate::rng::SimRng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Spreads the counts of one interval over it and merges the functions in time order (a heap of
/// one next time per function).
pub(super) struct Spreader {
    spread: Spread,
    rng: SimRng,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    /// Per function (by index): its invocations in this interval.
    state: Vec<Share>,
    start: u64,
    len: u64,
}

/// One function's invocations in the interval being spread.
#[derive(Clone, Copy, Default)]
struct Share {
    /// Invocations not yet placed.
    left: u64,
    /// The last time placed (ns, as f64).
    pos: f64,
    /// Invocations in the interval.
    count: u64,
}

impl Spreader {
    pub(super) fn new(spread: Spread, seed: u64) -> Self {
        Spreader {
            spread,
            rng: SimRng::new(seed, crate::rng::stream::ARRIVALS | 0xFF_FFFF),
            heap: BinaryHeap::new(),
            state: Vec::new(),
            start: 0,
            len: 0,
        }
    }

    pub(super) fn begin(&mut self, start: u64, len: u64) {
        self.start = start;
        self.len = len;
        self.heap.clear();
    }

    pub(super) fn add(&mut self, func: u32, count: u64) {
        if count == 0 {
            return;
        }
        let i = func as usize;
        if self.state.len() <= i {
            self.state.resize(i + 1, Share::default());
        }
        self.state[i] = Share {
            left: count,
            pos: self.start as f64,
            count,
        };
        let t = self.step(func);
        self.heap.push(Reverse((t, func)));
    }

    /// The next time of `func` (its count not yet exhausted).
    fn step(&mut self, func: u32) -> u64 {
        let s = &mut self.state[func as usize];
        let end = (self.start + self.len) as f64;
        let t = match self.spread {
            Spread::Uniform => {
                let k = (s.count - s.left) as f64;
                self.start as f64 + (k + 0.5) * self.len as f64 / s.count as f64
            }
            Spread::Poisson => {
                // The minimum of `left` uniforms on [pos, end): the next order statistic.
                let u = self.rng.uniform();
                s.pos + (end - s.pos) * (1.0 - (1.0 - u).powf(1.0 / s.left as f64))
            }
        };
        s.pos = t;
        s.left -= 1;
        (t as u64).min(self.start + self.len.saturating_sub(1))
    }

    pub(super) fn next(&mut self) -> Option<(u64, u32)> {
        let Reverse((t, f)) = self.heap.pop()?;
        if self.state[f as usize].left > 0 {
            let t2 = self.step(f).max(t);
            self.heap.push(Reverse((t2, f)));
        }
        Some((t, f))
    }
}

/// Rounds `count × factor` stochastically (its expectation is exact).
pub(super) fn scaled(count: u64, factor: f64, rng: &mut SimRng) -> u64 {
    if factor == 1.0 {
        return count;
    }
    let x = count as f64 * factor;
    let base = x.floor();
    base as u64 + (rng.uniform() < x - base) as u64
}

/// A count parsed from a cell: empty or NaN is 0; a whole non-negative number otherwise.
/// The most invocations one cell of a count trace may give (a million a second over a
/// 10-second interval, a hundred thousand a second over a minute).
pub const MAX_COUNT: u64 = 10_000_000;

pub(super) fn count_cell(rows: &Rows, i: usize) -> Result<u64, InputError> {
    let f = rows.field(i);
    if f.is_empty() || f.eq_ignore_ascii_case("nan") {
        return Ok(0);
    }
    match f.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.fract() == 0.0 && v <= MAX_COUNT as f64 => Ok(v as u64),
        _ => Err(rows.error(format!(
            "expected a whole non-negative count, at most {MAX_COUNT}, in column {}, found \"{}\"",
            i + 1,
            crate::error::shorten(f)
        ))),
    }
}
