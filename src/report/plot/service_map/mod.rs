//! The service map of a run: API Gateway APIs, Lambda functions, DynamoDB tables and generic
//! dependencies as boxes in left-to-right layers (APIs, then functions by call depth, then
//! tables and dependencies), and the calls between them as arrows labelled with their rates.

use super::{DrawResult, H, W, tidy};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use sim_core::Summary;
use sim_core::metrics::Service;
use std::path::{Path, PathBuf};

mod graph;
mod layout;
#[cfg(test)]
mod tests;

pub use graph::Kind;
use graph::{Map, build};
use layout::{Placed, Rect, box_height, place, ports};

/// The most nodes drawn; beyond them, the busiest are kept.
const MAX_NODES: usize = 20;
/// Left and right margin.
const MARGIN: f64 = 16.0;
/// The top of the nodes' area (below the title and subtitle) and its bottom (above the legend).
const TOP: f64 = 72.0;
const BOTTOM: f64 = H as f64 - 40.0;
/// Horizontal padding inside a box, and the widest text a box holds.
const PAD: f64 = 8.0;
const MAX_TEXT_W: f64 = 200.0;
/// Least vertical gap between boxes, and most extra space per row when a column has few.
const GAP_V: f64 = 8.0;
const MAX_ROW_EXTRA: f64 = 60.0;
/// Horizontal gap between columns: at least (else a smaller font), at most.
const MIN_GAP: f64 = 80.0;
const MAX_GAP: f64 = 240.0;
/// Font sizes of the node names, tried largest first until the map fits.
const FONTS: [u32; 5] = [14, 13, 12, 11, 10];
/// A failed or throttled ratio above this draws the edge red.
const ALARM: f64 = 0.01;
const EDGE: RGBColor = RGBColor(110, 110, 110);
const EDGE_ALARM: RGBColor = RGBColor(200, 30, 30);
const GREY: RGBColor = RGBColor(90, 90, 90);

/// The service map of a run: APIs, functions, tables and dependencies, and the calls between them.
///
/// `routes` is (API, function) for each API route. An API's edges carry the API's own counts
/// (forwarded a second, throttled ratio): the summary does not split them by route. Writes
/// nothing (and returns no files) when the run has no APIs, tables, dependencies or calls.
pub fn service_map(
    dir: &Path,
    title: &str,
    s: &Summary,
    routes: &[(String, String)],
) -> Result<Vec<PathBuf>, String> {
    if s.services.is_empty() && s.calls.is_empty() {
        return Ok(vec![]);
    }
    let map = build(s, routes);
    if map.nodes.is_empty() {
        return Ok(vec![]);
    }
    both!(dir, "service_map", draw_map(title, &map))
}

/// Draws `map`: its title, boxes, arrows with their labels, and the legend.
fn draw_map<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, map: &Map) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let style = |size: u32| TextStyle::from(("sans-serif", size).into_font());
    let measure = |text: &str, size: u32| -> f64 {
        root.estimate_text_size(text, &style(size))
            .map(|(w, _)| f64::from(w))
            .unwrap_or(text.chars().count() as f64 * f64::from(size) * 0.6)
    };
    let at = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    let centered = Pos::new(HPos::Center, VPos::Center);
    let mid_x = f64::from(W) / 2.0;

    root.draw(&Text::new(
        format!("{title}: service map"),
        at(mid_x, 12.0),
        style(24).pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    let mut sub = format!(
        "rates per second of the measured window ({} s)",
        tidy(map.measured_s)
    );
    if map.left_out > 0 {
        sub += &format!(
            "; the {MAX_NODES} busiest nodes of {}, {} left out",
            map.nodes.len() + map.left_out,
            map.left_out
        );
    }
    root.draw(&Text::new(
        sub,
        at(mid_x, 46.0),
        style(14).color(&GREY).pos(centered),
    ))?;

    // The fewest split layers, then the largest font, that fit; else the smallest font.
    let mut tries: Vec<Placed> = FONTS.iter().map(|&f| place(map, f, &measure)).collect();
    let pick = tries
        .iter()
        .enumerate()
        .filter(|(_, p)| p.fits)
        .min_by_key(|(_, p)| (p.columns, std::cmp::Reverse(p.font)))
        .map_or(FONTS.len() - 1, |(i, _)| i);
    let Placed {
        font, names, rects, ..
    } = tries.swap_remove(pick);
    let small = font - 1;
    let ends = ports(map, &rects);

    // Arrows, under the boxes: thicker for more calls a second.
    let max_rate = map.edges.iter().map(|e| e.rate).fold(0.0, f64::max);
    for (e, &(a, b)) in map.edges.iter().zip(&ends) {
        let color = if e.alarm { EDGE_ALARM } else { EDGE };
        let width = if max_rate > 0.0 {
            1 + (2.0 * e.rate / max_rate).round() as u32
        } else {
            1
        };
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = dx.hypot(dy).max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        let head = 9.0 + f64::from(width);
        let base = (b.0 - ux * head, b.1 - uy * head);
        let line = vec![at(a.0, a.1), at(base.0, base.1)];
        if e.dashed {
            root.draw(&DashedPathElement::new(
                line,
                7,
                4,
                color.stroke_width(width),
            ))?;
        } else {
            root.draw(&PathElement::new(line, color.stroke_width(width)))?;
        }
        let half = 3.5 + f64::from(width);
        root.draw(&Polygon::new(
            vec![
                at(b.0, b.1),
                at(base.0 - uy * half, base.1 + ux * half),
                at(base.0 + uy * half, base.1 - ux * half),
            ],
            color.filled(),
        ))?;
    }

    // Boxes: the name above, the numbers below.
    let h = box_height(font);
    for ((node, name), r) in map.nodes.iter().zip(&names).zip(&rects) {
        root.draw(&Rectangle::new(r.corners(), node.kind.fill().filled()))?;
        root.draw(&Rectangle::new(
            r.corners(),
            node.kind.border().stroke_width(1),
        ))?;
        let cx = (r.x0 + r.x1) / 2.0;
        let name_y = r.y0 + 3.0 + f64::from(font + 5) / 2.0;
        let stats_y = r.y0 + h - 3.0 - f64::from(font + 4) / 2.0;
        root.draw(&Text::new(
            name.as_str(),
            at(cx, name_y),
            style(font).pos(centered),
        ))?;
        root.draw(&Text::new(
            node.stats.as_str(),
            at(cx, stats_y),
            style(small).color(&GREY).pos(centered),
        ))?;
    }

    // Labels last, each where along its arrow it covers no box and no other label.
    let mut taken: Vec<Rect> = rects.clone();
    for (e, &(a, b)) in map.edges.iter().zip(&ends) {
        // One line, or two where it is wider than the arrow's horizontal run.
        let one = match &e.label.1 {
            Some(ratio) => vec![format!("{}, {ratio}", e.label.0)],
            None => vec![e.label.0.clone()],
        };
        let lines = match &e.label.1 {
            Some(ratio) if measure(&one[0], small) + 6.0 > b.0 - a.0 - 16.0 => {
                vec![e.label.0.clone(), ratio.clone()]
            }
            _ => one,
        };
        let w = lines.iter().map(|l| measure(l, small)).fold(0.0, f64::max) + 6.0;
        let line_h = f64::from(small) + 3.0;
        let lh = line_h * lines.len() as f64 + 2.0;
        let spot = |t: f64| Rect::around(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, w, lh);
        let candidates = [0.5, 0.35, 0.65, 0.2, 0.8, 0.42, 0.58, 0.28, 0.72];
        let cost = |r: &Rect| taken.iter().map(|o| r.overlap(o)).sum::<f64>();
        let best = candidates
            .iter()
            .map(|&t| spot(t))
            .min_by(|p, q| cost(p).total_cmp(&cost(q)))
            .unwrap_or_else(|| spot(0.5));
        taken.push(best);
        let color = if e.alarm {
            EDGE_ALARM
        } else {
            RGBColor(50, 50, 50)
        };
        root.draw(&Rectangle::new(best.corners(), WHITE.mix(0.85).filled()))?;
        for (j, line) in lines.iter().enumerate() {
            root.draw(&Text::new(
                line.as_str(),
                at(
                    (best.x0 + best.x1) / 2.0,
                    best.y0 + 1.0 + line_h * (j as f64 + 0.5),
                ),
                style(small).color(&color).pos(centered),
            ))?;
        }
    }

    // Legend: the kinds present, then the arrow styles used.
    let y = f64::from(H) - 20.0;
    let mut x = MARGIN;
    let legend_font = 13;
    let entry = |x: &mut f64, text: &str| -> DrawResult {
        root.draw(&Text::new(
            text,
            at(*x + 34.0, y),
            style(legend_font).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        *x += 34.0 + measure(text, legend_font) + 22.0;
        Ok(())
    };
    for kind in Kind::ALL {
        if map.nodes.iter().any(|n| n.kind == kind) {
            let r = Rect::around(x + 15.0, y, 26.0, 14.0);
            root.draw(&Rectangle::new(r.corners(), kind.fill().filled()))?;
            root.draw(&Rectangle::new(r.corners(), kind.border().stroke_width(1)))?;
            entry(&mut x, kind.legend())?;
        }
    }
    if map.edges.iter().any(|e| e.dashed) {
        root.draw(&DashedPathElement::new(
            vec![at(x, y), at(x + 28.0, y)],
            7,
            4,
            EDGE.stroke_width(2),
        ))?;
        entry(&mut x, "async call")?;
    }
    if map.edges.iter().any(|e| e.alarm) {
        root.draw(&PathElement::new(
            vec![at(x, y), at(x + 28.0, y)],
            EDGE_ALARM.stroke_width(2),
        ))?;
        entry(&mut x, "over 1 % failed or throttled")?;
    }
    Ok(())
}
