//! The charts of a sweep: latency and cost by configuration, the cost–latency plane with its
//! Pareto frontier, metrics against a parameter, two-parameter heatmaps, overlaid latency CDFs.

use super::{DrawResult, W, cdf_axes, steps, tidy};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One configuration of a sweep's comparison plot: its name, p50 and p99 latency (ms) and cost
/// per million requests (USD).
pub struct Compared {
    pub name: String,
    pub p50: f64,
    pub p99: f64,
    pub per_million: f64,
    pub rejected: f64,
}

/// The comparison plot of a sweep: latency and cost per million requests per configuration.
pub fn comparison(dir: &Path, title: &str, rows: &[Compared]) -> Result<Vec<PathBuf>, String> {
    both!(dir, "comparison", draw_comparison(title, rows))
}

fn draw_comparison<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    rows: &[Compared],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(
        &format!("{title}: latency and cost by configuration"),
        ("sans-serif", 24),
    )?;
    let (left, right) = root.split_horizontally(W / 2);
    let n = rows.len().max(1);
    let label = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) => rows.get(*i).map(|r| r.name.clone()).unwrap_or_default(),
        _ => String::new(),
    };
    let bar = |i: usize, v: f64, style: ShapeStyle| {
        let mut r = Rectangle::new(
            [
                (SegmentValue::Exact(i), 0.0),
                (SegmentValue::Exact(i + 1), v),
            ],
            style,
        );
        r.set_margin(0, 0, 10, 10);
        r
    };
    let lat_max = rows.iter().map(|r| r.p99).fold(1.0, f64::max) * 1.15;
    let mut lat = ChartBuilder::on(&left)
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..lat_max)?;
    lat.configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&label)
        .y_desc("latency of succeeded requests (ms)")
        .y_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    let blue = RGBColor(70, 110, 200);
    let red = RGBColor(210, 80, 60);
    lat.draw_series(
        rows.iter()
            .enumerate()
            .map(|(i, r)| bar(i, r.p99, red.mix(0.8).filled())),
    )?
    .label("p99")
    .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], red.filled()));
    lat.draw_series(
        rows.iter()
            .enumerate()
            .map(|(i, r)| bar(i, r.p50, blue.filled())),
    )?
    .label("p50")
    .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], blue.filled()));
    lat.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;

    let cost_max = rows.iter().map(|r| r.per_million).fold(1e-9, f64::max) * 1.15;
    let mut cost = ChartBuilder::on(&right)
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..cost_max)?;
    cost.configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&label)
        .y_desc("cost per million requests (USD)")
        .y_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    let green = RGBColor(60, 150, 90);
    cost.draw_series(
        rows.iter()
            .enumerate()
            .map(|(i, r)| bar(i, r.per_million, green.filled())),
    )?;
    // Requests not served (rejected or timed out) above each bar.
    cost.draw_series(
        rows.iter()
            .enumerate()
            .filter(|(_, r)| r.rejected > 0.0)
            .map(|(i, r)| {
                Text::new(
                    format!("{} not served", tidy(r.rejected)),
                    (SegmentValue::CenterOf(i), r.per_million * 1.02),
                    TextStyle::from(("sans-serif", 13).into_font()).pos(
                        plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Bottom,
                        ),
                    ),
                )
            }),
    )?;
    Ok(())
}

/// One configuration on the cost–latency plane.
pub struct ParetoPoint {
    pub name: String,
    pub p99: f64,
    pub per_million: f64,
    /// The fraction of its requests not served (all but those that succeeded).
    pub unserved: f64,
}

/// The configurations no other beats on both p99 latency and cost (ties kept), by p99, among
/// those that leave at most `max_unserved` of their requests unserved: a configuration that
/// throttles most of its traffic is cheap, not good.
pub fn pareto_front(pts: &[ParetoPoint], max_unserved: f64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..pts.len())
        .filter(|&i| {
            pts[i].p99.is_finite()
                && pts[i].per_million.is_finite()
                && pts[i].unserved <= max_unserved
        })
        .collect();
    idx.sort_by(|&a, &b| {
        pts[a]
            .p99
            .total_cmp(&pts[b].p99)
            .then(pts[a].per_million.total_cmp(&pts[b].per_million))
    });
    let mut front = Vec::new();
    let mut best = f64::INFINITY;
    for i in idx {
        if pts[i].per_million < best {
            best = pts[i].per_million;
            front.push(i);
        }
    }
    front
}

/// A fraction as a percentage without needless decimals: `0.1`, `2.5`, `45`.
pub fn percent(f: f64) -> String {
    let p = f * 100.0;
    let s = if p >= 10.0 {
        format!("{p:.0}")
    } else if p >= 1.0 {
        format!("{p:.1}")
    } else {
        format!("{p:.3}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Cost per million requests against p99 latency, the Pareto frontier (among configurations
/// that leave at most `max_unserved` of their requests unserved) drawn and labelled; the others
/// that serve too little hollow.
pub fn pareto(
    dir: &Path,
    title: &str,
    pts: &[ParetoPoint],
    max_unserved: f64,
) -> Result<Vec<PathBuf>, String> {
    both!(dir, "pareto", draw_pareto(title, pts, max_unserved))
}

fn draw_pareto<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    pts: &[ParetoPoint],
    max_unserved: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let front = pareto_front(pts, max_unserved);
    // Those that serve too little but would be on the frontier without the limit: always named.
    let tempting: Vec<usize> = pareto_front(pts, f64::INFINITY)
        .into_iter()
        .filter(|&i| pts[i].unserved > max_unserved)
        .collect();
    let xs = pts.iter().map(|p| p.p99).filter(|v| v.is_finite());
    let ys = pts.iter().map(|p| p.per_million).filter(|v| v.is_finite());
    let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |a, v| (a.0.min(v), a.1.max(v)));
    let (y0, y1) = ys.fold((f64::MAX, f64::MIN), |a, v| (a.0.min(v), a.1.max(v)));
    let pad = |a: f64, b: f64| {
        let d = ((b - a) * 0.12).max(b.abs() * 0.05).max(1e-9);
        ((a - d).max(0.0), b + d)
    };
    let (x0, x1) = pad(x0, x1);
    let (y0, y1) = pad(y0, y1);
    let limit = percent(max_unserved);
    let root = root.titled(
        &format!("{title}: cost against p99 latency"),
        ("sans-serif", 22),
    )?;
    // What the marks mean, under the title (a legend box would hide points).
    let (key, root) = root.split_vertically(22);
    let hollow = pts
        .iter()
        .any(|p| p.unserved > max_unserved && p.p99.is_finite() && p.per_million.is_finite());
    let mut text = format!(
        "red: the Pareto frontier, among configurations with at most {limit} % of requests not served"
    );
    if hollow {
        text = format!(
            "red: the Pareto frontier; hollow: more than {limit} % of requests not served (kept off it)"
        );
    }
    key.draw(&Text::new(
        text,
        (88, 2),
        ("sans-serif", 15).into_font().color(&RGBColor(60, 60, 60)),
    ))?;
    let mut chart = ChartBuilder::on(&root)
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("p99 latency of succeeded requests (ms)")
        .y_desc("cost per million requests (USD)")
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    let red = RGBColor(210, 60, 50);
    let grey = RGBColor(90, 90, 90);
    chart.draw_series(LineSeries::new(
        front.iter().map(|&i| (pts[i].p99, pts[i].per_million)),
        red.stroke_width(2),
    ))?;
    let label_all = pts.len() <= 16;
    for (i, p) in pts.iter().enumerate() {
        if !(p.p99.is_finite() && p.per_million.is_finite()) {
            continue;
        }
        let on = front.contains(&i);
        let served = p.unserved <= max_unserved;
        let color = if on { red } else { grey };
        let style = if served {
            color.filled()
        } else {
            color.stroke_width(2)
        };
        chart.draw_series(std::iter::once(Circle::new(
            (p.p99, p.per_million),
            if on { 6 } else { 5 },
            style,
        )))?;
        if on || label_all || tempting.contains(&i) {
            let text = if served {
                p.name.clone()
            } else {
                format!("{} ({} % unserved)", p.name, percent(p.unserved))
            };
            chart.draw_series(std::iter::once(Text::new(
                text,
                (p.p99, p.per_million),
                TextStyle::from(("sans-serif", 13).into_font())
                    .color(&color)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Bottom,
                    )),
            )))?;
        }
    }
    Ok(())
}

/// A series of points with 95 % intervals over the values of one parameter.
pub struct ParamSeries {
    pub label: String,
    /// (value index, mean, low, high) for each metric panel.
    pub points: Vec<Vec<(usize, f64, f64, f64)>>,
}

/// Each metric against the values of one swept parameter, with 95 % confidence bars; one
/// series per setting of the other parameters.
pub fn by_param(
    dir: &Path,
    stem: &str,
    title: &str,
    param: &str,
    values: &[String],
    panels: &[&str],
    series: &[ParamSeries],
) -> Result<Vec<PathBuf>, String> {
    both!(
        dir,
        stem,
        draw_by_param(title, param, values, panels, series)
    )
}

fn draw_by_param<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    param: &str,
    values: &[String],
    panels: &[&str],
    series: &[ParamSeries],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 22))?;
    let areas = root.split_evenly((2, panels.len().div_ceil(2)));
    let n = values.len();
    for (k, (area, desc)) in areas.iter().zip(panels).enumerate() {
        let all = series
            .iter()
            .flat_map(|s| s.points[k].iter())
            .flat_map(|p| [p.1, p.2, p.3])
            .filter(|v| v.is_finite());
        let (lo, hi) = all.fold((f64::MAX, f64::MIN), |a, v| (a.0.min(v), a.1.max(v)));
        let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
        // A flat metric (all zero, say) gets an axis of one unit, not of rounding noise.
        let hi = if hi - lo < 1e-9 * hi.abs().max(1.0) {
            lo + lo.abs().max(1.0)
        } else {
            hi
        };
        let d = ((hi - lo) * 0.1).max(hi.abs() * 0.02);
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), (lo - d).max(0.0)..hi + d)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_max_light_lines(1)
            .x_labels(n.min(12))
            .x_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                    values[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_desc(param)
            .y_desc(*desc)
            .y_label_formatter(&|v| tidy(*v))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()?;
        for (j, s) in series.iter().enumerate() {
            let color = Palette99::pick(j).to_rgba();
            // Series side by side within a value, so bars do not hide each other.
            let off = (j as f64 - (series.len() as f64 - 1.0) / 2.0) * 0.06;
            let pts: Vec<(f64, f64, f64, f64)> = s.points[k]
                .iter()
                .filter(|p| p.1.is_finite())
                .map(|p| (p.0 as f64 + off, p.1, p.2, p.3))
                .collect();
            let drawn = chart.draw_series(LineSeries::new(
                pts.iter().map(|p| (p.0, p.1)),
                color.stroke_width(2),
            ))?;
            if k == 0 && series.len() > 1 {
                let label = if s.label.is_empty() {
                    "other configurations".to_string()
                } else {
                    s.label.clone()
                };
                drawn.label(label).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            }
            // 95 % bars with caps.
            for p in pts.iter().filter(|p| p.2.is_finite()) {
                let c = 0.04;
                chart.draw_series([
                    PathElement::new(vec![(p.0, p.2), (p.0, p.3)], color.stroke_width(1)),
                    PathElement::new(vec![(p.0 - c, p.2), (p.0 + c, p.2)], color.stroke_width(1)),
                    PathElement::new(vec![(p.0 - c, p.3), (p.0 + c, p.3)], color.stroke_width(1)),
                ])?;
            }
            chart.draw_series(
                pts.iter()
                    .map(|p| Circle::new((p.0, p.1), 3, color.filled())),
            )?;
        }
        if k == 0 && series.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font(("sans-serif", 12))
                .draw()?;
        }
    }
    Ok(())
}

/// A two-parameter grid as heatmaps of two metrics, values written in the cells.
pub fn heatmap(
    dir: &Path,
    title: &str,
    axes: (&str, &str),
    labels: (&[String], &[String]),
    panels: &[(&str, Vec<Vec<f64>>)],
) -> Result<Vec<PathBuf>, String> {
    both!(dir, "heatmap", draw_heatmap(title, axes, labels, panels))
}

fn draw_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    axes: (&str, &str),
    labels: (&[String], &[String]),
    panels: &[(&str, Vec<Vec<f64>>)],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 22))?;
    let areas = root.split_evenly((1, panels.len()));
    let (nx, ny) = (labels.0.len(), labels.1.len());
    for (area, (name, grid)) in areas.iter().zip(panels) {
        let vals = grid.iter().flatten().copied().filter(|v| v.is_finite());
        let (lo, hi) = vals.fold((f64::MAX, f64::MIN), |a, v| (a.0.min(v), a.1.max(v)));
        let span = if hi > lo { hi - lo } else { 1.0 };
        let mut chart = ChartBuilder::on(area)
            .caption(*name, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(72)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)?;
        let xl = |v: &f64| {
            let i = (v - 0.5).round();
            if (v - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < nx {
                labels.0[i as usize].clone()
            } else {
                String::new()
            }
        };
        let yl = |v: &f64| {
            let i = (v - 0.5).round();
            if (v - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < ny {
                labels.1[i as usize].clone()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(2 * nx + 1)
            .y_labels(2 * ny + 1)
            .x_label_formatter(&xl)
            .y_label_formatter(&yl)
            .x_desc(axes.0)
            .y_desc(axes.1)
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()?;
        for (i, col) in grid.iter().enumerate() {
            for (j, &v) in col.iter().enumerate() {
                let t = if v.is_finite() { (v - lo) / span } else { 0.0 };
                // From pale yellow (low) to dark red (high).
                let c = RGBColor(
                    (255.0 - 80.0 * t) as u8,
                    (240.0 - 200.0 * t) as u8,
                    (170.0 - 130.0 * t) as u8,
                );
                let (x, y) = (i as f64, j as f64);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    c.filled(),
                )))?;
                let text = if v.is_finite() { tidy(v) } else { "–".into() };
                chart.draw_series(std::iter::once(Text::new(
                    text,
                    (x + 0.5, y + 0.5),
                    TextStyle::from(("sans-serif", 14).into_font())
                        .color(if t > 0.6 { &WHITE } else { &BLACK })
                        .pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Center,
                        )),
                )))?;
            }
        }
    }
    Ok(())
}

/// Latency CDFs of several configurations overlaid (log latency axis).
/// `note` (if not empty) says which configurations are left out and why.
pub fn latency_cdfs(
    dir: &Path,
    title: &str,
    cdfs: &[(String, Vec<(f64, f64)>)],
    note: &str,
) -> Result<Vec<PathBuf>, String> {
    both!(dir, "latency_cdfs", draw_cdfs(title, cdfs, note))
}

fn draw_cdfs<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    cdfs: &[(String, Vec<(f64, f64)>)],
    note: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let lo = cdfs
        .iter()
        .filter_map(|c| c.1.first().map(|p| p.0))
        .fold(f64::MAX, f64::min)
        .max(0.001)
        / 1.5;
    let hi = cdfs
        .iter()
        .filter_map(|c| c.1.last().map(|p| p.0))
        .fold(lo * 3.0, f64::max)
        * 1.5;
    let caption = format!("{title}: latency of succeeded requests, replication 0");
    let mut chart = cdf_axes(root, caption, 22, lo, hi)?;
    if !note.is_empty() {
        // Top left, where a CDF (rising to the right) leaves room.
        chart.draw_series(std::iter::once(Text::new(
            note.to_string(),
            (lo * 1.08, 0.97),
            TextStyle::from(("sans-serif", 14).into_font())
                .color(&RGBColor(60, 60, 60))
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Top,
                )),
        )))?;
    }
    for (i, (name, cdf)) in cdfs.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(steps(cdf), color.stroke_width(2)))?
            .label(name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}
