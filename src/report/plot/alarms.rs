//! Alarms in a run's plots: `alarm_timeline` (one lane per alarm, its time in ALARM as red bars,
//! the incidents shaded behind), and `shade_alarms` (the time any alarm was in ALARM, shaded on
//! a time-series chart).

use super::{DrawResult, tidy, time_unit};
use crate::report::stream::AlarmSpan;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

const ALARM_RED: RGBColor = RGBColor(210, 40, 40);
const INCIDENT: RGBColor = RGBColor(255, 165, 0);

/// The alarms' lanes over the run (`end` s): red where each was in ALARM, incidents shaded.
pub fn alarm_timeline(
    dir: &Path,
    title: &str,
    alarms: &[String],
    spans: &[AlarmSpan],
    incidents: &[(String, f64, f64)],
    end: f64,
) -> Result<Vec<PathBuf>, String> {
    both!(
        dir,
        "alarms",
        draw_timeline(title, alarms, spans, incidents, end)
    )
}

fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    alarms: &[String],
    spans: &[AlarmSpan],
    incidents: &[(String, f64, f64)],
    end: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let end = end.max(1e-9);
    let (unit, scale) = time_unit(end);
    let lanes = alarms.len().max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{title}: alarms and incidents"), ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(160)
        .build_cartesian_2d(0.0..end / scale, 0.0..lanes)?;
    let names: Vec<String> = alarms.to_vec();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(format!("simulated time ({unit})"))
        .y_labels(alarms.len().max(1) * 2 + 1)
        .y_label_formatter(&|v| {
            // Each lane's name at its middle.
            let k = (v - 0.5).round();
            if (v - 0.5 - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < names.len() {
                names[names.len() - 1 - k as usize].clone()
            } else {
                String::new()
            }
        })
        .x_label_formatter(&|v| tidy(*v))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    chart
        .draw_series(incidents.iter().map(|(_, a, z)| {
            Rectangle::new(
                [(a / scale, 0.0), (z.min(end) / scale, lanes)],
                INCIDENT.mix(0.2).filled(),
            )
        }))?
        .label("incident")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], INCIDENT.mix(0.4).filled()));
    // Each incident's start, so that incidents back to back stay apart.
    chart.draw_series(incidents.iter().map(|(_, a, _)| {
        PathElement::new(
            vec![(a / scale, 0.0), (a / scale, lanes)],
            INCIDENT.stroke_width(2),
        )
    }))?;
    let lane = |name: &str| {
        alarms
            .iter()
            .position(|a| a == name)
            .map(|i| lanes - 1.0 - i as f64)
    };
    chart
        .draw_series(spans.iter().filter_map(|s| {
            let y = lane(&s.alarm)?;
            Some(Rectangle::new(
                [
                    (s.start / scale, y + 0.2),
                    (s.end.min(end) / scale, y + 0.8),
                ],
                ALARM_RED.filled(),
            ))
        }))?
        .label("in ALARM")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], ALARM_RED.filled()));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()?;
    Ok(())
}

/// Shades, on `chart` (x in s ÷ `scale`, y up to `y_max`), the time any alarm was in ALARM, up
/// to `end` s; labelled once for the legend.
pub fn shade_alarms<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    spans: &[AlarmSpan],
    scale: f64,
    end: f64,
    y_max: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    if spans.is_empty() {
        return Ok(());
    }
    chart
        .draw_series(spans.iter().map(|s| {
            Rectangle::new(
                [(s.start / scale, 0.0), (s.end.min(end) / scale, y_max)],
                ALARM_RED.mix(0.12).filled(),
            )
        }))?
        .label("an alarm in ALARM")
        .legend(|(x, y)| {
            Rectangle::new([(x, y - 6), (x + 20, y + 6)], ALARM_RED.mix(0.3).filled())
        });
    Ok(())
}
