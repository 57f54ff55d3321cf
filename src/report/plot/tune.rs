//! `faasim tune`'s plot, in the style of Power Tuning's chart: average duration (left axis) and
//! cost per invocation (right axis) against memory, the pick marked; below, the p99 latency at
//! the scenario's traffic, which Power Tuning does not see.

use super::{DrawResult, tidy};
use crate::report::tune::{Size, Strategy, pick};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Draws `tune.png` and `tune.svg` into `dir`.
pub fn draw(
    dir: &Path,
    title: &str,
    sizes: &[Size],
    strategy: Strategy,
    weight: f64,
) -> Result<Vec<PathBuf>, String> {
    both!(dir, "tune", draw_tune(title, sizes, strategy, weight))
}

/// The range 0..max of finite `values`, with headroom (0..1 if none is positive).
fn range(values: impl Iterator<Item = f64>) -> f64 {
    let hi = values.filter(|v| v.is_finite()).fold(0.0, f64::max);
    if hi > 0.0 { hi * 1.15 } else { 1.0 }
}

/// (size's position, value) of the sizes where `value` is finite.
fn points(sizes: &[Size], value: fn(&Size) -> f64) -> Vec<(f64, f64)> {
    sizes
        .iter()
        .enumerate()
        .map(|(i, s)| (i as f64, value(s)))
        .filter(|p| p.1.is_finite())
        .collect()
}

fn draw_tune<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    sizes: &[Size],
    strategy: Strategy,
    weight: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 22))?;
    let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 * 64 / 100);
    let n = sizes.len();
    let x = -0.5..(n as f64 - 0.5);
    let labels = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
            format!("{} MB", sizes[i as usize].memory_mb)
        } else {
            String::new()
        }
    };
    let blue = RGBColor(31, 119, 180);
    let orange = RGBColor(230, 120, 20);
    let dmax = range(sizes.iter().map(|s| s.duration_ms));
    let cmax = range(sizes.iter().map(|s| s.price_usd * 1e6));
    let mut chart = ChartBuilder::on(&top)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(64)
        .right_y_label_area_size(72)
        .build_cartesian_2d(x.clone(), 0.0..dmax)?
        .set_secondary_coord(x.clone(), 0.0..cmax);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&labels)
        .y_desc("average duration (ms)")
        .y_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("cost per invocation (µUSD)")
        .y_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    let dur = points(sizes, |s| s.duration_ms);
    let cost = points(sizes, |s| s.price_usd * 1e6);
    chart
        .draw_series(LineSeries::new(dur.iter().copied(), blue.stroke_width(2)))?
        .label("duration")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], blue.stroke_width(2)));
    chart.draw_series(dur.iter().map(|&p| Circle::new(p, 4, blue.filled())))?;
    chart
        .draw_secondary_series(LineSeries::new(
            cost.iter().copied(),
            orange.stroke_width(2),
        ))?
        .label("cost")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], orange.stroke_width(2)));
    chart.draw_secondary_series(cost.iter().map(|&p| Circle::new(p, 4, orange.filled())))?;
    let best = pick(sizes, strategy, weight);
    chart.draw_series([PathElement::new(
        vec![(best as f64, 0.0), (best as f64, dmax)],
        BLACK.mix(0.35).stroke_width(1),
    )])?;
    chart.draw_series([Text::new(
        format!("{} pick", strategy.name()),
        (best as f64 + 0.05, dmax * 0.95),
        ("sans-serif", 13),
    )])?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()?;
    // The latency the scenario's clients see at each size.
    let pmax = range(sizes.iter().map(|s| s.p99_ms));
    let mut lat = ChartBuilder::on(&bottom)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(64)
        .right_y_label_area_size(72)
        .build_cartesian_2d(x, 0.0..pmax)?;
    lat.configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&labels)
        .y_desc("p99 latency (ms)")
        .y_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    let green = RGBColor(44, 160, 44);
    let p99 = points(sizes, |s| s.p99_ms);
    lat.draw_series(LineSeries::new(p99.iter().copied(), green.stroke_width(2)))?;
    lat.draw_series(p99.iter().map(|&p| Circle::new(p, 4, green.filled())))?;
    Ok(())
}
