//! Client retry policies: when a failed attempt is retried, after how long, and the retry quota.
//!
//! Defaults and presets follow AWS SDK standard mode and Step Functions' defaults (docs/sources.md: S21, S44); `docs/model.md` cites each.

use crate::rng::SimRng;
use crate::scenario::{Jitter, RetryOn, RetryPolicy, RetryPreset};
use crate::time::{NS_PER_MS, NS_PER_S};

/// What ended an attempt that did not succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    Throttle,
    Error,
    Timeout,
    /// A Lambda service error (HTTP 5xx): the invocation failed before the function ran.
    ServiceError,
}

/// A retry policy ready to use.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub max_attempts: u32,
    pub base: f64,
    pub throttle_base: f64,
    pub cap: f64,
    pub rate: f64,
    pub jitter: Jitter,
    pub on_throttle: bool,
    pub on_error: bool,
    pub on_timeout: bool,
    pub on_service_error: bool,
    /// The client's retry token bucket, if any.
    pub quota: Option<Quota>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quota {
    pub tokens: u32,
    pub retry_cost: u32,
    pub throttle_cost: u32,
    pub timeout_cost: u32,
    pub refund: u32,
}

impl Policy {
    /// Resolves a scenario policy: its preset's values, overridden by the fields given.
    pub fn resolve(p: &RetryPolicy) -> Policy {
        let all = [
            RetryOn::Throttle,
            RetryOn::Error,
            RetryOn::Timeout,
            RetryOn::ServiceError,
        ];
        // An SDK by itself retries throttles (429) and transient service errors (5xx), but not
        // function errors or timeouts: Lambda reports those as HTTP 200 with an
        // `X-Amz-Function-Error` header.
        let throttles = [RetryOn::Throttle, RetryOn::ServiceError];
        let (attempts, base, throttle_base, quota) = match p.preset {
            // Since 2026-11-10: 3 attempts, 50 ms base for errors, 1 s for throttling, 20 s
            // cap, full jitter; a transient retry costs 14 tokens of 500 (docs/sources.md: S21).
            // The cost of a throttling retry is not given there; 5, the earlier figure, is used.
            Some(RetryPreset::AwsSdkStandard) => (
                3,
                50 * NS_PER_MS,
                NS_PER_S,
                Some(Quota {
                    tokens: 500,
                    retry_cost: 14,
                    throttle_cost: 5,
                    timeout_cost: 14,
                    refund: 1,
                }),
            ),
            // Before: 3 attempts, 1 s base, 20 s cap, full jitter; 5 tokens a retry, 10 a
            // timeout retry, 1 back on success (docs/sources.md: S21).
            Some(RetryPreset::AwsSdkStandardLegacy) => (
                3,
                NS_PER_S,
                NS_PER_S,
                Some(Quota {
                    tokens: 500,
                    retry_cost: 5,
                    throttle_cost: 5,
                    timeout_cost: 10,
                    refund: 1,
                }),
            ),
            // Step Functions `Retry` defaults: IntervalSeconds 1, MaxAttempts 3 (retries, so
            // 4 attempts), BackoffRate 2.0, no MaxDelaySeconds, JitterStrategy NONE.
            Some(RetryPreset::StepFunctions) => (4, NS_PER_S, NS_PER_S, None),
            Some(RetryPreset::None) | None => (1, NS_PER_S, NS_PER_S, None),
        };
        let step = p.preset == Some(RetryPreset::StepFunctions);
        let base = p.base.map(|b| b.0).unwrap_or(base);
        let default_on: &[RetryOn] = match p.preset {
            Some(RetryPreset::AwsSdkStandard | RetryPreset::AwsSdkStandardLegacy) => &throttles,
            _ => &all,
        };
        let on = p.retry_on.as_deref().unwrap_or(default_on);
        let quota = match &p.quota {
            Some(q) => Some(Quota {
                tokens: q.tokens,
                retry_cost: q.retry_cost,
                throttle_cost: q.throttle_cost.unwrap_or(q.retry_cost),
                timeout_cost: q.timeout_cost,
                refund: q.success_refund,
            }),
            None => quota,
        };
        Policy {
            max_attempts: p.max_attempts.unwrap_or(attempts),
            base: base as f64,
            throttle_base: p.throttle_base.map(|b| b.0).unwrap_or(if p.base.is_some() {
                base
            } else {
                throttle_base
            }) as f64,
            // Step Functions caps a delay only when MaxDelaySeconds is given (at most a year).
            cap: p.cap.map(|c| c.0).unwrap_or(if step {
                31_622_400 * NS_PER_S
            } else {
                20 * NS_PER_S
            }) as f64,
            rate: p.backoff_rate.unwrap_or(2.0),
            jitter: p
                .jitter
                .unwrap_or(if step { Jitter::None } else { Jitter::Full }),
            on_throttle: on.contains(&RetryOn::Throttle),
            on_error: on.contains(&RetryOn::Error),
            on_timeout: on.contains(&RetryOn::Timeout),
            on_service_error: on.contains(&RetryOn::ServiceError),
            quota,
        }
    }

    /// Whether this kind of failure is retried at all.
    #[inline]
    pub fn retries(&self, f: Failure) -> bool {
        match f {
            Failure::Throttle => self.on_throttle,
            Failure::Error => self.on_error,
            Failure::Timeout => self.on_timeout,
            Failure::ServiceError => self.on_service_error,
        }
    }

    /// The delay before retry number `n` (1 for the first retry) after failure `f`, given the
    /// previous delay (for decorrelated jitter; 0 before the first retry).
    pub fn delay(&self, n: u32, f: Failure, prev: u64, rng: &mut SimRng) -> u64 {
        let base = if f == Failure::Throttle {
            self.throttle_base
        } else {
            self.base
        };
        let exp = (base * self.rate.powi(n.saturating_sub(1).min(1000) as i32)).min(self.cap);
        let d = match self.jitter {
            Jitter::None => exp,
            Jitter::Full => rng.uniform() * exp,
            Jitter::Equal => exp / 2.0 + rng.uniform() * exp / 2.0,
            Jitter::Decorrelated => {
                // The first retry draws from [base, 3 × base].
                let prev = if prev == 0 { base } else { prev as f64 };
                let hi = (prev * 3.0).max(base);
                (base + rng.uniform() * (hi - base)).min(self.cap)
            }
        };
        (d + 0.5) as u64
    }

    /// Tokens a retry after `f` costs.
    #[inline]
    pub fn cost(q: &Quota, f: Failure) -> u32 {
        match f {
            Failure::Throttle => q.throttle_cost,
            Failure::Error | Failure::ServiceError => q.retry_cost,
            Failure::Timeout => q.timeout_cost,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Nanos;

    fn policy(jitter: Jitter) -> Policy {
        Policy::resolve(&RetryPolicy {
            name: "p".into(),
            max_attempts: Some(5),
            base: Some(Nanos::from_millis(100)),
            cap: Some(Nanos::from_millis(1000)),
            jitter: Some(jitter),
            ..RetryPolicy::default()
        })
    }

    /// Full jitter: retry n waits uniformly on [0, min(cap, base·2^(n−1))]; equal jitter on
    /// [exp/2, exp]; no jitter exactly exp. Checked by quantiles of 100,000 draws each.
    #[test]
    fn backoff_shapes() {
        let mut rng = SimRng::new(1, 1);
        for n in 1..=5u32 {
            let exp = (100e6 * 2f64.powi(n as i32 - 1)).min(1000e6);
            for (jitter, lo, hi) in [
                (Jitter::Full, 0.0, exp),
                (Jitter::Equal, exp / 2.0, exp),
                (Jitter::None, exp, exp),
            ] {
                let p = policy(jitter);
                let mut v: Vec<f64> = (0..100_000)
                    .map(|_| p.delay(n, Failure::Error, 0, &mut rng) as f64)
                    .collect();
                v.sort_by(f64::total_cmp);
                assert!(
                    v[0] >= lo - 1.0 && v[v.len() - 1] <= hi + 1.0,
                    "{jitter:?} n={n}: outside [{lo}, {hi}]"
                );
                for q in [0.1, 0.25, 0.5, 0.75, 0.9] {
                    let got = v[(q * v.len() as f64) as usize];
                    let want = lo + q * (hi - lo);
                    assert!(
                        (got - want).abs() <= 0.01 * exp + 1.0,
                        "{jitter:?} n={n} q={q}: {got} vs {want}"
                    );
                }
            }
        }
        // Decorrelated: within [base, min(cap, 3 × previous)], the first retry within
        // [base, 3 × base].
        let p = policy(Jitter::Decorrelated);
        let mut prev = 0;
        for n in 1..1000 {
            let d = p.delay(n, Failure::Error, prev, &mut rng);
            let prev_eff = if prev == 0 { 100e6 } else { prev as f64 };
            assert!(d >= 100_000_000 && d as f64 <= (3.0 * prev_eff).clamp(100e6, 1000e6) + 1.0);
            prev = d;
        }
    }

    #[test]
    fn presets_and_overrides() {
        let std = Policy::resolve(&RetryPolicy {
            name: "s".into(),
            preset: Some(RetryPreset::AwsSdkStandard),
            ..Default::default()
        });
        assert_eq!(std.max_attempts, 3);
        assert_eq!(std.base, 50e6);
        assert_eq!(std.throttle_base, 1e9);
        assert_eq!(std.cap, 20e9);
        assert_eq!(std.quota.unwrap().tokens, 500);
        let legacy = Policy::resolve(&RetryPolicy {
            name: "l".into(),
            preset: Some(RetryPreset::AwsSdkStandardLegacy),
            max_attempts: Some(5),
            ..Default::default()
        });
        assert_eq!(
            (
                legacy.max_attempts,
                legacy.base,
                legacy.quota.unwrap().timeout_cost
            ),
            (5, 1e9, 10)
        );
        let sfn = Policy::resolve(&RetryPolicy {
            name: "sfn".into(),
            preset: Some(RetryPreset::StepFunctions),
            ..Default::default()
        });
        assert_eq!(
            (sfn.max_attempts, sfn.base, sfn.rate, sfn.jitter),
            (4, 1e9, 2.0, Jitter::None)
        );
        assert!(sfn.on_throttle && sfn.on_error && sfn.on_timeout && sfn.quota.is_none());
        let mut rng = SimRng::new(1, 1);
        let waits: Vec<u64> = (1..=3)
            .map(|n| sfn.delay(n, Failure::Error, 0, &mut rng))
            .collect();
        assert_eq!(waits, [NS_PER_S, 2 * NS_PER_S, 4 * NS_PER_S]);
        let none = Policy::resolve(&RetryPolicy {
            name: "n".into(),
            ..Default::default()
        });
        assert_eq!(none.max_attempts, 1);
        assert!(none.quota.is_none());
    }
}
