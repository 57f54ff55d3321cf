//! The bill beyond each attempt's compute, applied to the measured window's totals at the end
//! of a run: the monthly volume tiers of on-demand compute and the free tier. Both are monthly
//! (docs/sources.md: S76, S77): the window is scaled to a month of 730 hours, the tiers priced
//! at that monthly volume, and the free allowance scaled back to the window.

use crate::scenario::{MONTH_HOURS, Pricing};

pub(crate) struct Billing {
    /// Per architecture (x86_64, arm64): each tier's start in GB-seconds a month and its
    /// price, the first from 0.
    tiers: [Vec<(f64, f64)>; 2],
    /// The free tier's GB-seconds and requests a month.
    free: Option<(f64, f64)>,
}

impl Billing {
    pub(crate) fn new(p: &Pricing) -> Billing {
        let tiers = |base: f64, rest: &[(f64, f64)]| {
            let mut t = vec![(0.0, base)];
            if p.volume_tiers {
                t.extend_from_slice(rest);
            }
            t
        };
        Billing {
            tiers: [
                tiers(p.x86_gb_second, &p.x86_tiers),
                tiers(p.arm64_gb_second, &p.arm64_tiers),
            ],
            free: p
                .free_tier
                .then_some((p.free_tier_gb_seconds, p.free_tier_requests)),
        }
    }

    /// Months in a window of `window_ns`.
    pub(crate) fn months(window_ns: f64) -> f64 {
        window_ns / (MONTH_HOURS * 3600e9)
    }

    /// The price of one GB-second when the account's functions on the architecture (`arm64`)
    /// use `gb_s` in `months`: the tiers' average at that monthly volume.
    pub(crate) fn price(&self, arm64: bool, gb_s: f64, months: f64) -> f64 {
        let t = &self.tiers[arm64 as usize];
        let monthly = gb_s / months;
        if t.len() == 1 || monthly.is_nan() || monthly <= t[1].0 {
            return t[0].1;
        }
        let mut cost = 0.0;
        for (i, &(from, price)) in t.iter().enumerate() {
            let to = t.get(i + 1).map_or(f64::INFINITY, |n| n.0);
            cost += (monthly.min(to) - from).max(0.0) * price;
        }
        cost / monthly
    }

    /// What the free tier takes off a window of `months` in which the functions used `gb_s`
    /// GB-seconds per architecture and made `requests` billed requests: the allowance (scaled
    /// to the window) at the first tier's price, shared between the architectures in
    /// proportion to their use; `None` without the free tier.
    pub(crate) fn free_tier(
        &self,
        gb_s: [f64; 2],
        requests: f64,
        request_price: f64,
        months: f64,
    ) -> Option<f64> {
        let (free_gb_s, free_requests) = self.free?;
        let used = gb_s[0] + gb_s[1];
        let covered = used.min(free_gb_s * months);
        let compute = if used > 0.0 {
            covered * (gb_s[0] / used * self.tiers[0][0].1 + gb_s[1] / used * self.tiers[1][0].1)
        } else {
            0.0
        };
        let requests = requests.min(free_requests * months) * request_price;
        Some(compute + requests)
    }
}
