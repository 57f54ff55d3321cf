//! The plot of `faasim trace stats`: a trace's arrivals over time.

use super::{DrawResult, tidy, time_unit};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Arrivals over time of a trace: requests per second per bin.
pub fn arrivals(dir: &Path, title: &str, pts: &[(f64, f64)]) -> Result<Vec<PathBuf>, String> {
    both!(dir, "arrivals", draw_arrivals(title, pts))
}

fn draw_arrivals<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    pts: &[(f64, f64)],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let t_end = pts.last().map(|p| p.0).unwrap_or(1.0).max(1.0);
    let (unit, scale) = time_unit(t_end);
    let y_max = pts.iter().map(|p| p.1).fold(1e-9, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{title}: arrivals over time"), ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..t_end / scale, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc(format!("time from the first arrival ({unit})"))
        .y_desc("arrivals per second")
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    // At most about 2,000 points: bins are averaged in groups.
    let group = pts.len().div_ceil(2000).max(1);
    chart.draw_series(LineSeries::new(
        pts.chunks(group).map(|c| {
            (
                c[0].0 / scale,
                c.iter().map(|p| p.1).sum::<f64>() / c.len() as f64,
            )
        }),
        BLUE.stroke_width(1),
    ))?;
    Ok(())
}
