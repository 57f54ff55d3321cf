//! `faasim tune`'s answer for one function: AWS Lambda Power Tuning's table (average duration
//! and cost per invocation at each memory size) and its pick under each strategy, with what only
//! a simulation of the scenario's traffic sees (latency percentiles, cold starts, throttles,
//! cost per day) — as text, `tune.csv` and `tune.json` (Power Tuning's output format, which
//! `duration_profile` reads back).

use std::fmt::Write;

/// One memory size's means over the replications.
#[derive(Clone, Debug, PartialEq)]
pub struct Size {
    pub memory_mb: u32,
    /// Mean execution time of an invocation (init excluded), ms.
    pub duration_ms: f64,
    /// Compute cost per invocation, USD (Power Tuning's `averagePrice`: no request charge).
    pub price_usd: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub cold_starts: f64,
    pub throttled: f64,
    /// Invocations that ran out of time (a size where any did is picked only if all did: Power
    /// Tuning stops at a failed invocation).
    pub timed_out: f64,
    /// The whole scenario's cost scaled to a day.
    pub cost_per_day_usd: f64,
}

/// Power Tuning's optimization strategies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    /// The cheapest invocation (ties: the faster).
    Cost,
    /// The fastest invocation (ties: the cheaper).
    Speed,
    /// The least weight × cost / max cost + (1 − weight) × duration / max duration (ties: the
    /// first in memory order).
    Balanced,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Cost => "cost",
            Strategy::Speed => "speed",
            Strategy::Balanced => "balanced",
        }
    }
}

/// NaN (a size with no invocation) ranks last.
fn key(v: f64) -> f64 {
    if v.is_nan() { f64::INFINITY } else { v }
}

/// The size Power Tuning picks under `strategy` (`weight`: the balanced strategy's weight of
/// cost, 0 to 1).
pub fn pick(sizes: &[Size], strategy: Strategy, weight: f64) -> usize {
    let by = |a: &Size, b: &Size, first: fn(&Size) -> f64, then: fn(&Size) -> f64| {
        key(first(a))
            .total_cmp(&key(first(b)))
            .then(key(then(a)).total_cmp(&key(then(b))))
    };
    let mut idx: Vec<usize> = (0..sizes.len())
        .filter(|&i| sizes[i].timed_out == 0.0)
        .collect();
    if idx.is_empty() {
        idx = (0..sizes.len()).collect();
    }
    match strategy {
        Strategy::Cost => *idx
            .iter()
            .min_by(|&&a, &&b| by(&sizes[a], &sizes[b], |s| s.price_usd, |s| s.duration_ms))
            .expect("at least one size"),
        Strategy::Speed => *idx
            .iter()
            .min_by(|&&a, &&b| by(&sizes[a], &sizes[b], |s| s.duration_ms, |s| s.price_usd))
            .expect("at least one size"),
        Strategy::Balanced => {
            let max = |f: fn(&Size) -> f64| {
                idx.iter()
                    .map(|&i| f(&sizes[i]))
                    .filter(|v| v.is_finite())
                    .fold(0.0, f64::max)
            };
            let (mc, md) = (max(|s| s.price_usd), max(|s| s.duration_ms));
            let score =
                |s: &Size| key(weight * s.price_usd / mc + (1.0 - weight) * s.duration_ms / md);
            // The first of equal scores (min_by keeps the first).
            *idx.iter()
                .min_by(|&&a, &&b| score(&sizes[a]).total_cmp(&score(&sizes[b])))
                .expect("at least one size")
        }
    }
}

/// The table printed and the picks under the three strategies.
pub fn table(function: &str, sizes: &[Size], weight: f64) -> String {
    let mut t = format!(
        "{function}: Power Tuning's table at the scenario's traffic\n\n{:>9}  {:>11}  {:>13}  {:>9}  {:>9}  {:>11}  {:>9}  {:>9}  {:>12}\n",
        "memory_mb",
        "duration_ms",
        "USD/invoke",
        "p50_ms",
        "p99_ms",
        "cold_starts",
        "throttled",
        "timed_out",
        "USD/day"
    );
    for s in sizes {
        let _ = writeln!(
            t,
            "{:>9}  {:>11.3}  {:>13.4e}  {:>9.2}  {:>9.2}  {:>11.1}  {:>9.1}  {:>9.1}  {:>12.4}",
            s.memory_mb,
            s.duration_ms,
            s.price_usd,
            s.p50_ms,
            s.p99_ms,
            s.cold_starts,
            s.throttled,
            s.timed_out,
            s.cost_per_day_usd
        );
    }
    let picks: Vec<String> = [Strategy::Cost, Strategy::Speed, Strategy::Balanced]
        .iter()
        .map(|&st| {
            let label = if st == Strategy::Balanced {
                format!("balanced ({weight})")
            } else {
                st.name().to_string()
            };
            format!("{label}: {} MB", sizes[pick(sizes, st, weight)].memory_mb)
        })
        .collect();
    let _ = writeln!(t, "\npicks · {}", picks.join(" · "));
    if sizes.iter().any(|s| s.timed_out > 0.0) && sizes.iter().any(|s| s.timed_out == 0.0) {
        t.push_str("(sizes where invocations timed out are not picked)\n");
    }
    t
}

/// `tune.csv`: one row per size.
pub fn csv(sizes: &[Size]) -> String {
    let mut t = String::from(
        "memory_mb,duration_ms,price_usd,p50_ms,p99_ms,cold_starts,throttled,timed_out,cost_per_day_usd\n",
    );
    for s in sizes {
        let cells: Vec<String> = [
            s.duration_ms,
            s.price_usd,
            s.p50_ms,
            s.p99_ms,
            s.cold_starts,
            s.throttled,
            s.timed_out,
            s.cost_per_day_usd,
        ]
        .iter()
        .map(|&v| {
            if v.is_finite() {
                format!("{v}")
            } else {
                String::new()
            }
        })
        .collect();
        let _ = writeln!(t, "{},{}", s.memory_mb, cells.join(","));
    }
    t
}

/// `tune.json`: Power Tuning's output (`power`, `cost`, `duration` of the pick, `stats` per
/// size, `stateMachine.visualization` — an address of Power Tuning's own chart page with these
/// figures), plus `strategy` and what the simulation adds per size (`simulation`).
pub fn json(sizes: &[Size], strategy: Strategy, weight: f64) -> String {
    let best = &sizes[pick(sizes, strategy, weight)];
    let num = |v: f64| {
        if v.is_finite() {
            serde_json::json!(v)
        } else {
            serde_json::Value::Null
        }
    };
    let doc = serde_json::json!({
        "power": best.memory_mb,
        "cost": num(best.price_usd),
        "duration": num(best.duration_ms),
        "strategy": strategy.name(),
        "balancedWeight": weight,
        "stateMachine": { "visualization": visualization(sizes) },
        "stats": sizes.iter().map(|s| serde_json::json!({
            "value": s.memory_mb,
            "averagePrice": num(s.price_usd),
            "averageDuration": num(s.duration_ms),
        })).collect::<Vec<_>>(),
        "simulation": sizes.iter().map(|s| serde_json::json!({
            "value": s.memory_mb,
            "p50_ms": num(s.p50_ms),
            "p99_ms": num(s.p99_ms),
            "cold_starts": num(s.cold_starts),
            "throttled": num(s.throttled),
            "timed_out": num(s.timed_out),
            "cost_per_day_usd": num(s.cost_per_day_usd),
        })).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("a JSON value");
    text.push('\n');
    text
}

/// Power Tuning's chart address: after `#`, the sizes (little-endian i16), the durations and the
/// costs (little-endian f32), each in base64, joined by `;`.
pub fn visualization(sizes: &[Size]) -> String {
    let mut mem = Vec::new();
    let mut dur = Vec::new();
    let mut cost = Vec::new();
    for s in sizes {
        mem.extend_from_slice(&(s.memory_mb as i16).to_le_bytes());
        dur.extend_from_slice(&(s.duration_ms as f32).to_le_bytes());
        cost.extend_from_slice(&(s.price_usd as f32).to_le_bytes());
    }
    format!(
        "https://lambda-power-tuning.show/#{};{};{}",
        base64(&mem),
        base64(&dur),
        base64(&cost)
    )
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(memory_mb: u32, duration_ms: f64, price_usd: f64) -> Size {
        Size {
            memory_mb,
            duration_ms,
            price_usd,
            p50_ms: 0.0,
            p99_ms: 0.0,
            cold_starts: 0.0,
            throttled: 0.0,
            timed_out: 0.0,
            cost_per_day_usd: 0.0,
        }
    }

    #[test]
    fn picks_follow_power_tuning() {
        let s = [
            size(128, 800.0, 1.7e-6),
            size(256, 400.0, 1.7e-6),
            size(512, 210.0, 1.8e-6),
            size(1024, 200.0, 3.4e-6),
        ];
        // Equal cost: the faster wins.
        assert_eq!(pick(&s, Strategy::Cost, 0.5), 1);
        assert_eq!(pick(&s, Strategy::Speed, 0.5), 3);
        // 0.5·c/3.4e-6 + 0.5·d/800: 128 → 0.75, 256 → 0.5, 512 → 0.396, 1024 → 0.625.
        assert_eq!(pick(&s, Strategy::Balanced, 0.5), 2);
        assert_eq!(pick(&s, Strategy::Balanced, 1.0), 0);
        assert_eq!(pick(&s, Strategy::Balanced, 0.0), 3);
        // A size whose invocations timed out is not picked.
        let mut t = s.clone();
        t[1].timed_out = 2.0;
        assert_eq!(pick(&t, Strategy::Cost, 0.5), 0);
    }

    #[test]
    fn visualization_round_trips_through_the_profile_reader() {
        let s = [size(128, 812.5, 1.7e-6), size(1024, 101.25, 1.7e-6)];
        let doc = format!(
            "{{\"stateMachine\": {{\"visualization\": \"{}\"}}}}",
            visualization(&s)
        );
        let p = sim_core::profile::Profile::parse(doc.as_bytes()).unwrap();
        assert_eq!(
            p.sizes,
            vec![(128, vec![812_500_000]), (1024, vec![101_250_000])]
        );
    }
}
