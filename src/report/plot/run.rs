//! The plots of a run: latency CDF, instances over time, faults over time, latency over time.

use super::{DrawResult, H, cdf_axes, steps, tidy, time_unit};
use crate::report::stream::{AlarmSpan, TotalPoint};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// A line of the instances plot: its label, colour, and the value it draws.
type Series = (&'static str, RGBColor, fn(&TotalPoint) -> f64);

// The instances plot's colours: the Okabe–Ito palette, which readers with any common colour
// vision deficiency tell apart, and a light grey for the scaling activities behind the lines.
const OI_BLUE: RGBColor = RGBColor(0, 114, 178);
const OI_VERMILLION: RGBColor = RGBColor(213, 94, 0);
const OI_GREEN: RGBColor = RGBColor(0, 158, 115);
const OI_ORANGE: RGBColor = RGBColor(230, 159, 0);
const OI_PURPLE: RGBColor = RGBColor(204, 121, 167);
const OI_SKY: RGBColor = RGBColor(86, 180, 233);
const OI_BLACK: RGBColor = RGBColor(0, 0, 0);
const SCALING: RGBColor = RGBColor(150, 150, 150);

/// Latency CDF of succeeded requests, log-scaled latency axis.
pub fn latency_cdf(dir: &Path, title: &str, cdf: &[(f64, f64)]) -> Result<Vec<PathBuf>, String> {
    both!(dir, "latency_cdf", draw_cdf(title, cdf))
}

fn draw_cdf<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    cdf: &[(f64, f64)],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    {
        root.fill(&WHITE)?;
        let (lo, hi) = match (cdf.first(), cdf.last()) {
            (Some(a), Some(b)) => (a.0.max(0.001) / 1.5, b.0.max(a.0.max(0.001) * 2.0) * 1.5),
            _ => (0.1, 1000.0),
        };
        let caption = format!("{title}: latency of succeeded requests");
        let mut chart = cdf_axes(root, caption, 24, lo, hi)?;
        if cdf.is_empty() {
            chart.draw_series(std::iter::once(Text::new(
                "no request succeeded",
                (lo * 2.0, 0.5),
                ("sans-serif", 20),
            )))?;
            return Ok(());
        }
        chart.draw_series(LineSeries::new(steps(cdf), BLUE.stroke_width(2)))?;
        for (q, label) in [(0.5, "p50"), (0.99, "p99")] {
            if let Some(&(x, _)) = cdf.iter().find(|p| p.1 >= q) {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, q)],
                    BLACK.mix(0.4),
                )))?;
                chart.draw_series(std::iter::once(Text::new(
                    format!("{label} {x:.1} ms"),
                    (x, (q - 0.08).max(0.03)),
                    ("sans-serif", 15),
                )))?;
            }
        }
        Ok(())
    }
}

/// Instances alive, busy and idle over time (all functions), with cold starts per interval.
pub fn instances_over_time(
    dir: &Path,
    title: &str,
    pts: &[TotalPoint],
    scaling: &[f64],
) -> Result<Vec<PathBuf>, String> {
    both!(dir, "instances", draw_instances(title, pts, scaling))
}

fn draw_instances<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    pts: &[TotalPoint],
    scaling: &[f64],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    {
        root.fill(&WHITE)?;
        let (upper, lower) = root.split_vertically(H * 2 / 3);
        let t_end = pts.last().map(|p| p.time_s).unwrap_or(1.0).max(1e-9);
        let (unit, scale) = time_unit(t_end);
        let x_max = t_end / scale;
        let y_max = pts
            .iter()
            .map(|p| p.instances.max(p.desired).max(p.warm_pool))
            .fold(1.0, f64::max)
            * 1.1;
        let mut chart = ChartBuilder::on(&upper)
            .caption(format!("{title}: instances over time"), ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
        chart
            .configure_mesh()
            .y_desc("instances (interval average)")
            .x_label_formatter(&|v| tidy(*v))
            .y_label_formatter(&|v| tidy(*v))
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .draw()?;
        if !scaling.is_empty() {
            // Scaling activities (changes of provisioned concurrency or desired capacity).
            // Light grey and dashed: a background for the lines, unlike any of them.
            chart
                .draw_series(scaling.iter().map(|&t| {
                    DashedPathElement::new(
                        vec![(t / scale, 0.0), (t / scale, y_max)],
                        4,
                        4,
                        SCALING.stroke_width(1),
                    )
                }))?
                .label("scaling activity")
                .legend(move |(x, y)| {
                    DashedPathElement::new(
                        vec![(x + 10, y - 7), (x + 10, y + 7)],
                        3,
                        2,
                        SCALING.stroke_width(1),
                    )
                });
        }
        let series: [Series; 3] = [
            ("alive", OI_BLUE, |p| p.instances),
            ("busy", OI_VERMILLION, |p| p.busy),
            ("idle", OI_GREEN, |p| p.idle),
        ];
        for (name, color, get) in series {
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|p| (p.time_s / scale, get(p))),
                    color.stroke_width(2),
                ))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        if pts.iter().any(|p| p.provisioned > 0.0) {
            // Provisioned concurrency as a step line: its changes are the scaling actions.
            let orange = OI_ORANGE;
            let mut steps = Vec::with_capacity(2 * pts.len());
            for (i, p) in pts.iter().enumerate() {
                if i > 0 {
                    steps.push((p.time_s / scale, pts[i - 1].provisioned));
                }
                steps.push((p.time_s / scale, p.provisioned));
            }
            chart
                .draw_series(LineSeries::new(steps, orange.stroke_width(3)))?
                .label("provisioned")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], orange.stroke_width(3))
                });
        }
        if pts.iter().any(|p| p.desired > 0.0) {
            // Auto Scaling groups: desired capacity (its steps are the scaling activities), the
            // instances in service, and the warm pool.
            let group: [Series; 3] = [
                ("EC2 desired", OI_PURPLE, |p| p.desired),
                ("EC2 in service", OI_SKY, |p| p.in_service),
                ("warm pool", OI_BLACK, |p| p.warm_pool),
            ];
            for (name, color, get) in group {
                chart
                    .draw_series(LineSeries::new(
                        pts.iter().map(|p| (p.time_s / scale, get(p))),
                        color.stroke_width(2),
                    ))?
                    .label(name)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()?;

        let c_max = pts
            .iter()
            .map(|p| p.cold_starts.max(p.throttles))
            .fold(1.0, f64::max)
            * 1.1;
        let mut low = ChartBuilder::on(&lower)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_max, 0.0..c_max)?;
        low.configure_mesh()
            .x_desc(format!("simulated time ({unit})"))
            .y_desc("per sample interval")
            .y_labels(4)
            .x_label_formatter(&|v| tidy(*v))
            .y_label_formatter(&|v| tidy(*v))
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .draw()?;
        low.draw_series(LineSeries::new(
            pts.iter().map(|p| (p.time_s / scale, p.cold_starts)),
            MAGENTA.stroke_width(2),
        ))?
        .label("cold starts")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MAGENTA.stroke_width(2)));
        low.draw_series(LineSeries::new(
            pts.iter().map(|p| (p.time_s / scale, p.throttles)),
            BLACK.stroke_width(2),
        ))?
        .label("throttles")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        low.configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()?;
        Ok(())
    }
}

/// Whether a run has anything for the faults plot: errors, retries, dead-lettering, queued
/// events or incidents.
pub fn has_faults(pts: &[TotalPoint]) -> bool {
    pts.iter().any(|p| {
        p.errors + p.retries + p.dead_lettered + p.queue_depth + p.dlq_depth + p.incidents > 0.0
    })
}

/// Failures and their handling over time (all functions): errors, throttles, retries and
/// dead-lettered events per interval above; queued events and the dead-letter queue's depth
/// below; incident windows shaded in both.
pub fn faults_over_time(
    dir: &Path,
    title: &str,
    pts: &[TotalPoint],
    alarms: &[AlarmSpan],
) -> Result<Vec<PathBuf>, String> {
    both!(dir, "faults", draw_faults(title, pts, alarms))
}

fn draw_faults<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    pts: &[TotalPoint],
    alarms: &[AlarmSpan],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (upper, lower) = root.split_vertically(H / 2 + 20);
    let t_end = pts.last().map(|p| p.time_s).unwrap_or(1.0).max(1e-9);
    let (unit, scale) = time_unit(t_end);
    let x_max = t_end / scale;
    // The interval a point starts: up to the next point's time.
    let spans: Vec<(f64, f64)> = pts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.incidents > 0.0)
        .map(|(i, p)| {
            let next = pts.get(i + 1).map(|q| q.time_s).unwrap_or(t_end);
            (p.time_s / scale, next / scale)
        })
        .collect();
    let upper_series: [Series; 4] = [
        ("errors", RED, |p| p.errors),
        ("throttles", BLACK, |p| p.throttles),
        ("retries", BLUE, |p| p.retries),
        ("dead-lettered", MAGENTA, |p| p.dead_lettered),
    ];
    let lower_series: [Series; 2] = [
        ("queued events (end of interval)", BLUE, |p| p.queue_depth),
        ("dead-letter queue depth", MAGENTA, |p| p.dlq_depth),
    ];
    for top in [true, false] {
        let (area, series, y_desc): (_, &[Series], _) = if top {
            (&upper, &upper_series, "per sample interval")
        } else {
            (&lower, &lower_series, "events waiting")
        };
        let y_max = pts
            .iter()
            .flat_map(|p| series.iter().map(move |s| (s.2)(p)))
            .fold(1.0, f64::max)
            * 1.1;
        let mut b = ChartBuilder::on(area);
        b.margin(16).y_label_area_size(64);
        if top {
            b.caption(
                format!("{title}: failures, retries and dead-lettering"),
                ("sans-serif", 24),
            )
            .x_label_area_size(30);
        } else {
            b.x_label_area_size(48);
        }
        let mut chart = b.build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(y_desc)
            .y_labels(5)
            .x_label_formatter(&|v| tidy(*v))
            .y_label_formatter(&|v| tidy(*v))
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17));
        if !top {
            mesh.x_desc(format!("simulated time ({unit})"));
        }
        mesh.draw()?;
        chart
            .draw_series(spans.iter().map(|&(a, z)| {
                Rectangle::new(
                    [(a, 0.0), (z, y_max)],
                    RGBColor(255, 165, 0).mix(0.2).filled(),
                )
            }))?
            .label("incident")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 6), (x + 20, y + 6)],
                    RGBColor(255, 165, 0).mix(0.4).filled(),
                )
            });
        super::alarms::shade_alarms(&mut chart, alarms, scale, t_end, y_max)?;
        for &(name, color, get) in series {
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|p| (p.time_s / scale, get(p))),
                    color.stroke_width(2),
                ))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()?;
    }
    Ok(())
}

/// The worst function's p99 latency per sample interval over time; the alarms' time in ALARM
/// shaded.
pub fn latency_over_time(
    dir: &Path,
    title: &str,
    pts: &[TotalPoint],
    alarms: &[AlarmSpan],
) -> Result<Vec<PathBuf>, String> {
    both!(
        dir,
        "latency_over_time",
        draw_latency_over_time(title, pts, alarms)
    )
}

fn draw_latency_over_time<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    pts: &[TotalPoint],
    alarms: &[AlarmSpan],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let t_end = pts.last().map(|p| p.time_s).unwrap_or(1.0).max(1e-9);
    let (unit, scale) = time_unit(t_end);
    let y_max = pts.iter().map(|p| p.p99_ms).fold(1.0, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{title}: p99 latency over time"),
            ("sans-serif", 24),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..t_end / scale, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc(format!("simulated time ({unit})"))
        .y_desc("p99 latency per interval, worst function (ms)")
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    super::alarms::shade_alarms(&mut chart, alarms, scale, t_end, y_max)?;
    let red = RGBColor(200, 50, 50);
    chart.draw_series(LineSeries::new(
        pts.iter().map(|p| (p.time_s / scale, p.p99_ms)),
        red.stroke_width(2),
    ))?;
    if !alarms.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()?;
    }
    Ok(())
}
