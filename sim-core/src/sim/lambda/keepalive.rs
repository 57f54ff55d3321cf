//! Keep-alive policies ([`KeepAlive`]) and the maximum environment lifetime.
//!
//! With the fixed policy (`KeepAlive::Fixed`, the fast path) an idle environment's expiry follows
//! the order it became idle in, and one `Expire` event per function suffices (see
//! `instance.rs`). The other policies (`KeepAlive::PerEnvironment`) give each idle period its own
//! length, so each idle environment gets its own `ExpireInst` event, made stale by the
//! environment's `epoch` when it is reused:
//! - `none`: an environment is reclaimed the moment it becomes idle (scale to zero);
//! - `random`: each idle period lasts a fresh draw from `idle_ttl`;
//! - `hybrid`: the hybrid histogram policy of Shahrad et al. (USENIX ATC 2020). The function's
//!   idle times (end of its last execution to the next invocation, while nothing ran) go into a
//!   histogram of `bin`-wide bins up to `range`. When the histogram is representative (enough
//!   samples, bin counts with a coefficient of variation above the threshold, most idle times
//!   within range), an environment is unloaded when it becomes idle and a new one is pre-warmed
//!   after the head percentile of the idle times (less the margin) and kept until the tail
//!   percentile (plus the margin); otherwise the fixed `keep_alive` applies.
//!
//! `max_lifetime` (every policy, see `make_idle`) retires an environment when it finishes a
//! request after living that long.

use super::Lambda;
use super::{Event, NIL, State};
use crate::dist::Dist;
use crate::scenario::{Function, HybridConfig, KeepAlivePolicy};
use crate::sim::Ctx;
use crate::sim::ids::{FnId, InstId};

/// A function's keep-alive policy, ready to run: when its idle environments are reclaimed.
pub(crate) enum KeepAlive {
    /// `fixed`: every idle period lasts this long, so environments expire in the order they
    /// became idle: the idle list's head first, with one `Expire` event per function.
    Fixed(u64),
    /// `none`, `random` or `hybrid`: each idle period is decided when it begins
    /// ([`Lambda::idle_decision`]), with its own `ExpireInst` event.
    PerEnvironment(Box<PerEnvironment>),
}

/// The keep-alive policies that decide each idle period on its own.
pub(crate) enum PerEnvironment {
    /// Reclaimed the moment it becomes idle (scale to zero).
    None,
    /// Each idle period lasts a fresh draw from `idle_ttl`.
    Random(Dist),
    /// The hybrid histogram policy.
    Hybrid(Hybrid),
}

impl KeepAlive {
    /// Function `f`'s policy; `ttl`: the `random` policy's distribution of idle periods.
    pub(crate) fn new(f: &Function, ttl: Option<Dist>) -> KeepAlive {
        let per = match f.keep_alive_policy {
            KeepAlivePolicy::Fixed => return KeepAlive::Fixed(f.keep_alive.0),
            KeepAlivePolicy::None => PerEnvironment::None,
            KeepAlivePolicy::Random => {
                PerEnvironment::Random(ttl.expect("the random policy has its distribution"))
            }
            KeepAlivePolicy::Hybrid => PerEnvironment::Hybrid(Hybrid::new(
                &f.hybrid.clone().unwrap_or_default(),
                f.keep_alive.0,
            )),
        };
        KeepAlive::PerEnvironment(Box::new(per))
    }

    /// Whether each idle period is decided on its own (anything but a fixed keep-alive).
    #[inline]
    pub(crate) fn per_environment(&self) -> bool {
        matches!(self, KeepAlive::PerEnvironment(_))
    }

    /// The hybrid policy's state, if that is the policy.
    fn hybrid(&mut self) -> Option<&mut Hybrid> {
        match self {
            KeepAlive::PerEnvironment(p) => match &mut **p {
                PerEnvironment::Hybrid(h) => Some(h),
                _ => None,
            },
            KeepAlive::Fixed(_) => None,
        }
    }
}

/// The hybrid histogram policy's state.
pub(crate) struct Hybrid {
    bin: u64,
    counts: Vec<u32>,
    total: u64,
    out_of_range: u64,
    head: f64,
    tail: f64,
    margin: f64,
    min_samples: u64,
    cv_threshold: f64,
    fallback: u64,
    /// When the function last had nothing running, if ever.
    last_done: Option<u64>,
    /// (pre-warm, keep-alive) windows, recomputed when a new idle time arrives.
    windows: Option<(u64, u64)>,
}

impl Hybrid {
    fn new(c: &HybridConfig, fallback: u64) -> Hybrid {
        Hybrid {
            bin: c.bin.0,
            counts: vec![0; (c.range.0 / c.bin.0) as usize],
            total: 0,
            out_of_range: 0,
            head: c.head_percentile,
            tail: c.tail_percentile,
            margin: c.margin,
            min_samples: c.min_samples as u64,
            cv_threshold: c.cv_threshold,
            fallback,
            last_done: None,
            windows: None,
        }
    }

    fn record(&mut self, idle: u64) {
        match self.counts.get_mut((idle / self.bin) as usize) {
            Some(c) => *c += 1,
            None => self.out_of_range += 1,
        }
        self.total += 1;
        self.windows = None;
    }

    /// The (pre-warm, keep-alive) windows.
    fn windows(&mut self) -> (u64, u64) {
        if let Some(w) = self.windows {
            return w;
        }
        let in_range = self.total - self.out_of_range;
        let n = self.counts.len() as f64;
        let mean = in_range as f64 / n;
        let var = self
            .counts
            .iter()
            .map(|&c| (c as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        let cv = if mean > 0.0 { var.sqrt() / mean } else { 0.0 };
        let w = if self.total < self.min_samples
            || self.out_of_range * 2 > self.total
            || cv < self.cv_threshold
        {
            (0, self.fallback)
        } else {
            let pct = |p: f64| {
                let want = (p / 100.0 * in_range as f64).ceil().max(1.0) as u64;
                let mut seen = 0u64;
                for (i, &c) in self.counts.iter().enumerate() {
                    seen += c as u64;
                    if seen >= want {
                        return i as u64;
                    }
                }
                self.counts.len() as u64 - 1
            };
            let prewarm = (pct(self.head) as f64 * self.bin as f64 * (1.0 - self.margin)) as u64;
            let tail_end = (pct(self.tail) + 1) * self.bin;
            let keep = ((tail_end - prewarm) as f64 * (1.0 + self.margin)) as u64;
            (prewarm, keep)
        };
        self.windows = Some(w);
        w
    }
}

/// What to do with an environment that has just become idle.
pub(crate) enum Idle {
    /// Keep it idle for this long.
    Keep(u64),
    /// Reclaim it now.
    Retire,
}

impl Lambda {
    /// Function `f` is invoked at `now` with nothing running: a new idle time for the hybrid
    /// policy.
    #[inline]
    pub(crate) fn idle_time_ends(&mut self, f: u32, now: u64) {
        if let Some(h) = self.funcs[f as usize].keep_alive.hybrid()
            && let Some(t) = h.last_done
        {
            h.record(now - t);
        }
    }

    /// Environment `inst` of a function with a custom policy finished at `now`.
    pub(crate) fn idle_decision(&mut self, cx: &mut Ctx, inst: u32, now: u64) -> Idle {
        let f = self.insts[inst as usize].func;
        let func = &mut self.funcs[f as usize];
        let nothing_runs = func.busy == 0;
        if now - self.insts[inst as usize].born >= func.max_lifetime {
            return Idle::Retire;
        }
        let policy = match &mut func.keep_alive {
            KeepAlive::Fixed(keep) => return Idle::Keep(*keep),
            KeepAlive::PerEnvironment(p) => &mut **p,
        };
        match policy {
            PerEnvironment::None => Idle::Retire,
            PerEnvironment::Random(d) => Idle::Keep(d.sample(&mut func.rng)),
            PerEnvironment::Hybrid(h) => {
                if nothing_runs {
                    h.last_done = Some(now);
                }
                let (prewarm, keep) = h.windows();
                if prewarm == 0 {
                    Idle::Keep(keep)
                } else {
                    // Unloaded now; a fresh environment is ready after the pre-warm window.
                    cx.q.schedule(now.saturating_add(prewarm), Event::Prewarm(FnId(f)));
                    Idle::Retire
                }
            }
        }
    }

    /// `n` on-demand environments of `f` warm at `now` (the run's start): each idle, kept as
    /// one that just finished.
    pub(crate) fn warm_start(&mut self, cx: &mut Ctx, f: u32, n: u32) {
        let now = cx.q.now();
        for _ in 0..n {
            let inst = self.create(cx, f, now);
            self.insts[inst as usize].flags = 0;
            self.make_idle(cx, inst, now);
        }
    }

    /// A pre-warmed environment of `f` is ready: idle, kept for the keep-alive window.
    pub(crate) fn on_prewarm(&mut self, cx: &mut Ctx, f: FnId, now: u64) {
        let f = f.0;
        let inst = self.create(cx, f, now);
        let keep = self.funcs[f as usize]
            .keep_alive
            .hybrid()
            .map(|h| h.windows().1)
            .unwrap_or(0);
        let it = &mut self.insts[inst as usize];
        it.flags = 0;
        self.link_idle(inst, now);
        let epoch = self.insts[inst as usize].epoch;
        cx.q.schedule(
            now.saturating_add(keep),
            Event::ExpireInst {
                inst: InstId(inst),
                epoch,
            },
        );
    }

    /// Idle environment `inst`'s own keep-alive ran out.
    pub(crate) fn on_expire_inst(&mut self, inst: InstId, epoch: u32, now: u64) {
        let inst = inst.0;
        let it = &self.insts[inst as usize];
        if it.epoch != epoch || it.state != State::Idle {
            return;
        }
        let func = &mut self.funcs[it.func as usize];
        super::unlink(func, &mut self.insts, inst);
        self.retire(inst, now);
    }

    /// Reclaims environment `inst` (not linked in an idle list).
    pub(crate) fn retire(&mut self, inst: u32, now: u64) {
        let it = &mut self.insts[inst as usize];
        let func = &mut self.funcs[it.func as usize];
        func.advance(now);
        func.alive -= 1;
        self.live.alive -= 1;
        it.state = State::Free;
        it.epoch = it.epoch.wrapping_add(1);
        it.prev = NIL;
        it.next = NIL;
        self.free.push(inst);
    }
}
