//! `faasim calibrate keep-alive`'s answer: the printed summary, `calibration.json` and the
//! scenario fragment `keep_alive.toml`.

use serde_json::{Value, json};
use sim_core::calibrate::Observations;
use sim_core::calibrate::estimate::{Band, Calibration, FamilyFit};
use sim_core::calibrate::fit::Family;
use std::fmt::Write as _;

/// What the fragment's `idle_ttl` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// The nonparametric estimate, as a `quantiles` distribution.
    Npmle,
    /// A parametric family's fit.
    Family(Family),
    /// The parametric family with the lowest AIC.
    Best,
    /// A fixed keep-alive at the NPMLE's median (`keep_alive_policy = "fixed"`).
    Median,
}

impl Choice {
    pub const NAMES: &'static str =
        "\"npmle\", \"median\", \"best\", \"lognormal\", \"normal\" or \"exponential\"";

    pub fn parse(s: &str) -> Option<Choice> {
        match s {
            "npmle" => Some(Choice::Npmle),
            "best" => Some(Choice::Best),
            "median" => Some(Choice::Median),
            _ => Family::parse(s).map(Choice::Family),
        }
    }
}

/// Seconds as a scenario duration ("612.345s"), to the millisecond.
fn secs(s: f64) -> String {
    format!("{:.3}s", s)
}

fn minutes(s: f64) -> String {
    format!("{:.2} min", s / 60.0)
}

fn band_min(b: &Band) -> String {
    format!(
        "{} [{}, {}]",
        minutes(b.est),
        minutes(b.lo).trim_end_matches(" min"),
        minutes(b.hi)
    )
}

/// The fit the fragment uses, if parametric.
pub fn chosen_fit(c: &Calibration, choice: Choice) -> Option<&FamilyFit> {
    match choice {
        Choice::Npmle | Choice::Median => None,
        Choice::Best => c.fits.first(),
        Choice::Family(f) => c.fits.iter().find(|x| x.fit.family == f),
    }
}

/// What the fragment's keep-alive is: `median`, `npmle` or the family fitted.
fn chosen_name(c: &Calibration, choice: Choice) -> &'static str {
    match chosen_fit(c, choice) {
        None if choice == Choice::Median => "median",
        None => "npmle",
        Some(f) => f.fit.family.name(),
    }
}

/// The `idle_ttl` value of the fragment.
pub fn idle_ttl(c: &Calibration, choice: Choice) -> String {
    match chosen_fit(c, choice) {
        None => {
            let mut s = String::from("{ dist = \"quantiles\", points = [");
            let mut last_q = -1.0;
            let mut first = true;
            for &(q, t) in &c.points {
                // Six decimals; a level that rounds onto the previous one is left out.
                let q6 = (q * 1e6).round() / 1e6;
                if q6 <= last_q {
                    continue;
                }
                last_q = q6;
                if !first {
                    s.push_str(", ");
                }
                first = false;
                let _ = write!(s, "[{q6}, \"{}\"]", secs(t));
            }
            s.push_str("] }");
            s
        }
        Some(f) => {
            let ft = &f.fit;
            match ft.family {
                Family::Lognormal => format!(
                    "{{ dist = \"lognormal\", median = \"{}\", p99 = \"{}\" }}",
                    secs(ft.a.exp()),
                    secs(ft.quantile(0.99))
                ),
                Family::Normal => format!(
                    "{{ dist = \"normal\", mean = \"{}\", stddev = \"{}\" }}",
                    secs(ft.a),
                    secs(ft.b)
                ),
                Family::Exponential => {
                    format!("{{ dist = \"exponential\", mean = \"{}\" }}", secs(ft.a))
                }
            }
        }
    }
}

/// The scenario fragment: keep-alive policy, idle time and lifetime limit, with what they rest
/// on in comments.
pub fn fragment(obs: &Observations, c: &Calibration, choice: Choice, source: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Learned by `faasim calibrate keep-alive` from {source}: {} requests, {} environments,\n\
         # {} idle periods that ended in reuse and {} ended by a later cold start.",
        obs.requests, obs.environments, obs.reused, obs.bounded
    );
    let what = match chosen_name(c, choice) {
        "median" => "fixed at the median of the nonparametric estimate (NPMLE)".to_string(),
        "npmle" => "the nonparametric estimate (NPMLE)".to_string(),
        family => format!("the maximum-likelihood {family} fit"),
    };
    let (m, q) = match chosen_fit(c, choice) {
        None => (c.median, c.p90),
        Some(f) => (f.median, f.p90),
    };
    let _ = writeln!(
        s,
        "# Idle time: {what}; median {}, 90th percentile {}\n\
         # (95 % bootstrap intervals, {} replicates). Paste into a [[functions]] table or\n\
         # [function_defaults].",
        band_min(&m),
        band_min(&q),
        c.replicates
    );
    s.push_str(&policy_lines(c, choice));
    match obs.max_lifetime {
        Some(l) => {
            let _ = writeln!(
                s,
                "# The longest life after which an environment was still reused: {:.2} h.",
                l / 3600.0
            );
            let _ = writeln!(s, "max_lifetime = \"{}\"", secs(l));
        }
        None => {
            s.push_str(
                "# No environment of known age was reused: max_lifetime is not estimated.\n",
            );
        }
    }
    s
}

/// The printed summary.
pub fn text(obs: &Observations, c: &Calibration, choice: Choice) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} logs, {} requests, {} environments ({} alive before their log began)",
        obs.logs, obs.requests, obs.environments, obs.unknown_age
    );
    let _ = writeln!(
        s,
        "idle periods: {} ended in reuse (idle time longer), {} ended by a later cold start \
         (idle time at most that long), {} past the lifetime limit and {} with no later cold \
         start (left out)",
        obs.reused, obs.bounded, obs.retired, obs.unresolved
    );
    if obs.violations > 0 || obs.inconsistent_labels > 0 {
        let _ = writeln!(
            s,
            "routing: {} environments reused after a cold start while they sat idle; {} \
             requests labelled cold on an environment seen before",
            obs.violations, obs.inconsistent_labels
        );
    }
    if let Some(l) = obs.max_lifetime {
        let _ = writeln!(
            s,
            "lifetime limit: {:.3} h (longest life before a reuse)",
            l / 3600.0
        );
    }
    let _ = writeln!(
        s,
        "\nidle time        median                    90th percentile           AIC"
    );
    let _ = writeln!(
        s,
        "{:<16} {:<25} {:<25} -",
        "NPMLE",
        band_min(&c.median),
        band_min(&c.p90)
    );
    for f in &c.fits {
        let _ = writeln!(
            s,
            "{:<16} {:<25} {:<25} {:.1}",
            f.fit.family.name(),
            band_min(&f.median),
            band_min(&f.p90),
            f.aic
        );
    }
    let _ = writeln!(
        s,
        "(95 % bootstrap intervals, {} replicates, seed {})",
        c.replicates, c.seed
    );
    let _ = writeln!(
        s,
        "\nscenario fragment:\n{}",
        idle_ttl_lines(obs, c, choice)
    );
    s
}

/// The keep-alive policy's lines of the fragment.
fn policy_lines(c: &Calibration, choice: Choice) -> String {
    if choice == Choice::Median {
        format!(
            "keep_alive_policy = \"fixed\"\nkeep_alive = \"{}\"\n",
            secs(c.median.est)
        )
    } else {
        format!(
            "keep_alive_policy = \"random\"\nidle_ttl = {}\n",
            idle_ttl(c, choice)
        )
    }
}

fn idle_ttl_lines(obs: &Observations, c: &Calibration, choice: Choice) -> String {
    let mut s = policy_lines(c, choice);
    if let Some(l) = obs.max_lifetime {
        let _ = writeln!(s, "max_lifetime = \"{}\"", secs(l));
    }
    s
}

fn band_json(b: &Band) -> Value {
    json!({ "estimate": b.est, "low": b.lo, "high": b.hi })
}

/// `calibration.json`.
pub fn json(
    files: &[String],
    format: &str,
    obs: &Observations,
    c: &Calibration,
    choice: Choice,
) -> Value {
    json!({
        "logs": files,
        "format": format,
        "requests": obs.requests,
        "environments": obs.environments,
        "environments_of_unknown_age": obs.unknown_age,
        "idle_periods": {
            "reused": obs.reused,
            "bounded_by_cold_start": obs.bounded,
            "past_lifetime_limit": obs.retired,
            "unresolved": obs.unresolved,
        },
        "routing_violations": obs.violations,
        "inconsistent_labels": obs.inconsistent_labels,
        "max_lifetime_s": obs.max_lifetime,
        "bootstrap": { "replicates": c.replicates, "seed": c.seed, "level": c.level },
        "npmle": {
            "median_s": band_json(&c.median),
            "p90_s": band_json(&c.p90),
            "points": c.points.iter().map(|&(q, t)| json!([q, t])).collect::<Vec<_>>(),
            "survival": c.survival.iter().map(|&(t, s, lo, hi)| json!({"t_s": t, "s": s, "low": lo, "high": hi})).collect::<Vec<_>>(),
        },
        "fits": c.fits.iter().map(|f| json!({
            "family": f.fit.family.name(),
            "idle_ttl": idle_ttl(c, Choice::Family(f.fit.family)),
            "loglik": f.fit.loglik,
            "aic": f.aic,
            "median_s": band_json(&f.median),
            "p90_s": band_json(&f.p90),
        })).collect::<Vec<_>>(),
        "chosen": chosen_name(c, choice),
        "fragment": idle_ttl_lines(obs, c, choice),
    })
}
