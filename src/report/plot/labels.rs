//! A labelled trace's cold starts over time, as the platform logged them and as faasim
//! simulated them (`cold_starts_vs_log.png`).

use super::{DrawResult, tidy};
use plotters::coord::Shift;
use plotters::prelude::*;
use sim_core::metrics::LabelComparison;
use std::path::{Path, PathBuf};

const LOGGED: RGBColor = RGBColor(0, 0, 0);
const SIMULATED: RGBColor = RGBColor(213, 94, 0);
const BOTH: RGBColor = RGBColor(0, 114, 178);

/// Cold starts per bin (an hour, or more for long runs): logged, simulated, and the requests
/// both call cold, as steps over simulated time; the totals, precision and recall in the legend.
pub fn cold_starts_vs_log(
    dir: &Path,
    title: &str,
    l: &LabelComparison,
) -> Result<Vec<PathBuf>, String> {
    both!(dir, "cold_starts_vs_log", draw(title, l))
}

/// Step points of `v` per bin of `w` hours: (hours, value) at each bin's start and end.
fn steps(v: &[u64], w: f64) -> Vec<(f64, f64)> {
    let mut s = Vec::with_capacity(2 * v.len());
    for (i, &x) in v.iter().enumerate() {
        s.push((i as f64 * w, x as f64));
        s.push(((i + 1) as f64 * w, x as f64));
    }
    s
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    l: &LabelComparison,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let w = l.bin_s / 3600.0;
    let x_max = (l.logged_cold.len() as f64 * w).max(w);
    let y_max = l
        .logged_cold
        .iter()
        .chain(&l.simulated_cold)
        .copied()
        .max()
        .unwrap_or(0)
        .max(1) as f64
        * 1.25;
    let per = if w == 1.0 {
        "per hour".to_string()
    } else {
        format!("per {w} hours")
    };
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{title}: cold starts {per}, logged and simulated"),
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("simulated time (h)")
        .y_desc(format!("cold starts {per}"))
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    let (logged, simulated) = l.totals();
    let pct = |x: Option<f64>| x.map_or("n/a".to_string(), |v| format!("{:.0} %", v * 100.0));
    let series = [
        (
            format!("logged by the platform ({logged})"),
            LOGGED,
            &l.logged_cold,
            3,
        ),
        (
            format!("simulated ({simulated}; precision {})", pct(l.precision)),
            SIMULATED,
            &l.simulated_cold,
            2,
        ),
        (
            format!(
                "same request cold in both ({}; recall {})",
                l.cold_as_cold,
                pct(l.recall)
            ),
            BOTH,
            &l.both_cold,
            2,
        ),
    ];
    for (name, color, v, width) in series {
        chart
            .draw_series(LineSeries::new(steps(v, w), color.stroke_width(width)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()?;
    Ok(())
}
