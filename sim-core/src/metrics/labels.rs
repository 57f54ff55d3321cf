//! A replayed trace's own cold/warm labels beside faasim's, request by request
//! ([`LabelComparison`]): the confusion matrix, precision and recall of "cold", and cold starts
//! over time, logged against simulated.

use serde::Serialize;

/// Hours per bin of the comparison over time: one hour, or more so that a run has at most this
/// many bins.
const MAX_BINS: u64 = 4096;
const HOUR_NS: u64 = 3_600_000_000_000;

/// Each labelled request of a trace, by the trace's label and by what faasim did with its first
/// attempt. Every labelled request replayed is counted once (warmup included), so the six cells
/// add up to `requests`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LabelComparison {
    /// Labelled requests replayed.
    pub requests: u64,
    /// Logged cold, and faasim started it cold / warm / not at all (throttled or rejected).
    pub cold_as_cold: u64,
    pub cold_as_warm: u64,
    pub cold_not_started: u64,
    /// Logged warm, and faasim started it cold / warm / not at all.
    pub warm_as_cold: u64,
    pub warm_as_warm: u64,
    pub warm_not_started: u64,
    /// Of the requests faasim started cold, the share the trace labelled cold (`None`, and
    /// absent from `summary.json`: faasim started none cold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    /// Of the requests the trace labelled cold, the share faasim started cold (`None`, and
    /// absent: none labelled cold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recall: Option<f64>,
    /// Width of the bins below, in seconds (an hour, or a whole number of hours for runs longer
    /// than 4,096 hours).
    pub bin_s: f64,
    /// Per bin of simulated time from 0: requests labelled cold, started cold by faasim, and
    /// both.
    pub logged_cold: Vec<u64>,
    pub simulated_cold: Vec<u64>,
    pub both_cold: Vec<u64>,
}

impl LabelComparison {
    /// An empty comparison for a run of `duration` ns.
    pub(crate) fn new(duration: u64) -> Self {
        let hours = duration.div_ceil(HOUR_NS).max(1);
        let per_bin = hours.div_ceil(MAX_BINS).max(1);
        LabelComparison {
            bin_s: (per_bin * 3600) as f64,
            ..Default::default()
        }
    }

    /// One labelled request arrived at `now`: `logged` its label, `started` whether faasim
    /// started its first attempt and `cold` whether that start was cold.
    pub(crate) fn add(&mut self, now: u64, logged: bool, started: bool, cold: bool) {
        self.requests += 1;
        let cell = match (logged, started, cold) {
            (true, true, true) => &mut self.cold_as_cold,
            (true, true, false) => &mut self.cold_as_warm,
            (true, false, _) => &mut self.cold_not_started,
            (false, true, true) => &mut self.warm_as_cold,
            (false, true, false) => &mut self.warm_as_warm,
            (false, false, _) => &mut self.warm_not_started,
        };
        *cell += 1;
        let simulated = started && cold;
        if logged || simulated {
            let bin = (now / (self.bin_s as u64 * 1_000_000_000)) as usize;
            if self.logged_cold.len() <= bin {
                let n = bin + 1;
                self.logged_cold.resize(n, 0);
                self.simulated_cold.resize(n, 0);
                self.both_cold.resize(n, 0);
            }
            self.logged_cold[bin] += logged as u64;
            self.simulated_cold[bin] += simulated as u64;
            self.both_cold[bin] += (logged && simulated) as u64;
        }
    }

    /// Fills `precision` and `recall` (and pads the bins to the run's end, `end` ns).
    pub(crate) fn finish(&mut self, end: u64) {
        let started_cold = self.cold_as_cold + self.warm_as_cold;
        let logged_cold = self.cold_as_cold + self.cold_as_warm + self.cold_not_started;
        self.precision = (started_cold > 0).then(|| self.cold_as_cold as f64 / started_cold as f64);
        self.recall = (logged_cold > 0).then(|| self.cold_as_cold as f64 / logged_cold as f64);
        let bins = end.div_ceil(self.bin_s as u64 * 1_000_000_000).max(1) as usize;
        if self.logged_cold.len() < bins {
            self.logged_cold.resize(bins, 0);
            self.simulated_cold.resize(bins, 0);
            self.both_cold.resize(bins, 0);
        }
    }

    /// Requests the trace labelled cold, and requests faasim started cold.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.cold_as_cold + self.cold_as_warm + self.cold_not_started,
            self.cold_as_cold + self.warm_as_cold,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_add_up_and_rates_follow_the_definitions() {
        let mut c = LabelComparison::new(3 * HOUR_NS);
        // (logged, started, cold) at 0.5 h, 1.5 h, 2.5 h.
        let rows = [
            (true, true, true),
            (true, true, false),
            (true, false, false),
            (false, true, true),
            (false, true, false),
            (false, true, false),
            (false, false, false),
        ];
        for (i, &(l, s, k)) in rows.iter().enumerate() {
            c.add((i as u64 % 3) * HOUR_NS + HOUR_NS / 2, l, s, k);
        }
        c.finish(3 * HOUR_NS);
        let cells = [
            c.cold_as_cold,
            c.cold_as_warm,
            c.cold_not_started,
            c.warm_as_cold,
            c.warm_as_warm,
            c.warm_not_started,
        ];
        assert_eq!(cells, [1, 1, 1, 1, 2, 1]);
        assert_eq!(cells.iter().sum::<u64>(), c.requests);
        assert_eq!(c.precision, Some(0.5));
        assert_eq!(c.recall, Some(1.0 / 3.0));
        // Rows 0, 3, 6 in hour 0; 1, 4 in hour 1; 2, 5 in hour 2.
        assert_eq!(c.logged_cold, vec![1, 1, 1]);
        assert_eq!(c.simulated_cold, vec![2, 0, 0]);
        assert_eq!(c.both_cold, vec![1, 0, 0]);
        assert_eq!(c.totals(), (3, 2));
    }

    #[test]
    fn long_runs_have_at_most_4096_bins() {
        let c = LabelComparison::new(10_000 * HOUR_NS);
        assert_eq!(c.bin_s, 3.0 * 3600.0);
        let mut c = LabelComparison::new(10_000 * HOUR_NS);
        c.add(9_999 * HOUR_NS, true, true, true);
        c.finish(10_000 * HOUR_NS);
        assert_eq!(c.logged_cold.len(), 3334);
        assert!(c.logged_cold.len() as u64 <= MAX_BINS);
    }
}
