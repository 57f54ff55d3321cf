//! `faasim calibrate keep-alive`'s plot (`survival.png`): the probability that an idle
//! environment is still kept after t, estimated without a model (with its bootstrap band) and
//! by each parametric family.

use super::{DrawResult, tidy};
use plotters::coord::Shift;
use plotters::prelude::*;
use sim_core::calibrate::estimate::Calibration;
use sim_core::calibrate::npmle::cdf;
use std::path::{Path, PathBuf};

const COLORS: [RGBColor; 3] = [
    RGBColor(213, 94, 0),
    RGBColor(0, 114, 178),
    RGBColor(0, 158, 115),
];

pub fn survival(dir: &Path, title: &str, c: &Calibration) -> Result<Vec<PathBuf>, String> {
    both!(dir, "survival", draw(title, c))
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    c: &Calibration,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    // Up to where the estimate reaches 0.995, with a margin; minutes.
    let t_end = c
        .survival
        .iter()
        .find(|p| p.1 <= 0.005)
        .map_or(c.survival.last().map_or(60.0, |p| p.0), |p| p.0)
        .max(1.0)
        * 1.15
        / 60.0;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{title}: idle environments still kept after t"),
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..t_end, 0.0..1.05)?;
    chart
        .configure_mesh()
        .x_desc("idle time t (minutes)")
        .y_desc("P(idle time > t)")
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    // The bootstrap band as a filled polygon.
    let mut band: Vec<(f64, f64)> = c
        .survival
        .iter()
        .filter(|p| p.0 / 60.0 <= t_end && p.2.is_finite())
        .map(|p| (p.0 / 60.0, p.3))
        .collect();
    let lower: Vec<(f64, f64)> = c
        .survival
        .iter()
        .rev()
        .filter(|p| p.0 / 60.0 <= t_end && p.2.is_finite())
        .map(|p| (p.0 / 60.0, p.2))
        .collect();
    band.extend(lower);
    let grey = RGBColor(190, 190, 190);
    chart
        .draw_series(std::iter::once(Polygon::new(band, grey.mix(0.6).filled())))?
        .label(format!("95 % bootstrap band ({} replicates)", c.replicates))
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], grey.filled()));
    // The NPMLE, linear between its points.
    let n = 400;
    let xs: Vec<f64> = (0..=n).map(|i| t_end * i as f64 / n as f64).collect();
    chart
        .draw_series(LineSeries::new(
            xs.iter().map(|&x| (x, 1.0 - cdf(&c.points, x * 60.0))),
            BLACK.stroke_width(3),
        ))?
        .label("nonparametric (NPMLE)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(3)));
    for (f, color) in c.fits.iter().zip(COLORS) {
        let fit = f.fit;
        chart
            .draw_series(LineSeries::new(
                xs.iter().map(move |&x| (x, fit.sf_cdf(x * 60.0).0)),
                color.stroke_width(2),
            ))?
            .label(format!("{} (AIC {:.0})", fit.family.name(), f.aic))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
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
