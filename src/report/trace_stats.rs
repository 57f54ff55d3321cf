//! `faasim trace stats`: a trace described (`StatsReport`, its JSON form) and the table printed
//! from it (`stats_text`).

use serde::Serialize;
use sim_core::trace::TraceStats;
use std::collections::HashMap;

/// The JSON form of `faasim trace stats`.
#[derive(Serialize)]
pub struct StatsReport {
    pub file: String,
    pub format: String,
    pub rows: u64,
    pub skipped_rows: u64,
    pub invocations: u64,
    pub functions: usize,
    pub functions_invoked: usize,
    pub first_s: f64,
    pub last_s: f64,
    pub duration_covered_s: f64,
    pub mean_rate_per_s: f64,
    /// Percentiles of the rate over bins of `rate_bin_s`.
    pub rate_bin_s: f64,
    pub rate_per_s: RatePercentiles,
    pub triggers: Vec<(String, u64)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labelled_cold: Option<u64>,
    pub per_function: Vec<FunctionReport>,
}

#[derive(Serialize)]
pub struct RatePercentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

#[derive(Serialize)]
pub struct FunctionReport {
    pub function: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    pub invocations: u64,
    pub rate_per_s: f64,
    pub interarrival_mean_s: Option<f64>,
    pub interarrival_cv: Option<f64>,
    pub duration_mean_ms: Option<f64>,
}

pub fn stats_report(s: &TraceStats, file: &str, format: &str, labelled: bool) -> StatsReport {
    let span = s.span();
    let mut triggers: HashMap<&str, u64> = HashMap::new();
    for f in &s.functions {
        if let Some(t) = &f.trigger {
            *triggers.entry(t).or_default() += 1;
        }
    }
    let mut triggers: Vec<(String, u64)> = triggers
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    triggers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let r = |x: f64| (x * 1e4).round() / 1e4;
    StatsReport {
        file: file.to_string(),
        format: format.to_string(),
        rows: s.rows,
        skipped_rows: s.skipped,
        invocations: s.invocations,
        functions: s.functions.len(),
        functions_invoked: s.functions.iter().filter(|f| f.invocations > 0).count(),
        first_s: r(s.first as f64 / 1e9),
        last_s: r(s.last as f64 / 1e9),
        duration_covered_s: r(s.span()),
        mean_rate_per_s: r(if span > 0.0 {
            s.invocations as f64 / span
        } else {
            0.0
        }),
        rate_bin_s: s.bin as f64 / 1e9,
        rate_per_s: RatePercentiles {
            p50: r(s.rate_percentile(0.5)),
            p90: r(s.rate_percentile(0.9)),
            p99: r(s.rate_percentile(0.99)),
            max: r(s.rate_percentile(1.0)),
        },
        triggers,
        labelled_cold: labelled.then_some(s.cold_labelled),
        per_function: s
            .functions
            .iter()
            .map(|f| FunctionReport {
                function: f.name.clone(),
                trigger: f.trigger.clone(),
                invocations: f.invocations,
                rate_per_s: r(if span > 0.0 {
                    f.invocations as f64 / span
                } else {
                    0.0
                }),
                interarrival_mean_s: (f.gaps.n > 0).then(|| r(f.gaps.mean)),
                interarrival_cv: (f.gaps.n > 1).then(|| r(f.gap_cv())),
                duration_mean_ms: (f.durations.n > 0).then(|| r(f.durations.mean * 1e3)),
            })
            .collect(),
    }
}

/// The text form: totals, then the most invoked functions.
pub fn stats_text(rep: &StatsReport, top: usize) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let _ = writeln!(t, "{} (format {})", rep.file, rep.format);
    let _ = writeln!(t, "  invocations      {}", rep.invocations);
    let _ = writeln!(
        t,
        "  functions        {} ({} invoked)",
        rep.functions, rep.functions_invoked
    );
    let _ = writeln!(
        t,
        "  rows             {} ({} skipped as bad)",
        rep.rows, rep.skipped_rows
    );
    let _ = writeln!(
        t,
        "  time covered     {} (from {} s to {} s)",
        human_secs(rep.duration_covered_s),
        rep.first_s,
        rep.last_s
    );
    let _ = writeln!(
        t,
        "  arrival rate     mean {}/s; per {} s: p50 {}, p90 {}, p99 {}, max {}",
        rep.mean_rate_per_s,
        rep.rate_bin_s,
        rep.rate_per_s.p50,
        rep.rate_per_s.p90,
        rep.rate_per_s.p99,
        rep.rate_per_s.max
    );
    if !rep.triggers.is_empty() {
        let tr: Vec<String> = rep
            .triggers
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = writeln!(t, "  triggers         {}", tr.join(", "));
    }
    if let Some(c) = rep.labelled_cold {
        let _ = writeln!(t, "  labelled cold    {c} (by the platform, in the trace)");
    }
    let mut fs: Vec<&FunctionReport> = rep.per_function.iter().collect();
    fs.sort_by_key(|f| std::cmp::Reverse(f.invocations));
    let shown = fs.len().min(top);
    let _ = writeln!(
        t,
        "\n{} by invocations{}:",
        if shown < fs.len() {
            "most invoked functions"
        } else {
            "functions"
        },
        if shown < fs.len() {
            format!(" ({shown} of {}; --json lists all)", fs.len())
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        t,
        "  {:<24} {:>12} {:>10} {:>12} {:>8} {:>12} {:>8}",
        "function", "invocations", "rate/s", "mean gap s", "gap CV", "duration ms", "trigger"
    );
    let opt = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_else(|| "-".into());
    for f in fs.iter().take(shown) {
        let name = if f.function.is_empty() {
            "(all)".to_string()
        } else if f.function.chars().count() > 24 {
            format!("{}…", f.function.chars().take(23).collect::<String>())
        } else {
            f.function.clone()
        };
        let _ = writeln!(
            t,
            "  {:<24} {:>12} {:>10} {:>12} {:>8} {:>12} {:>8}",
            name,
            f.invocations,
            f.rate_per_s,
            opt(f.interarrival_mean_s),
            opt(f.interarrival_cv),
            opt(f.duration_mean_ms),
            f.trigger.as_deref().unwrap_or("-")
        );
    }
    t
}

fn human_secs(s: f64) -> String {
    if s >= 2.0 * 86400.0 {
        format!("{:.2} days", s / 86400.0)
    } else if s >= 2.0 * 3600.0 {
        format!("{:.2} h", s / 3600.0)
    } else if s >= 120.0 {
        format!("{:.2} min", s / 60.0)
    } else {
        format!("{s:.3} s")
    }
}
