//! The state diagram of each Step Functions workflow of a run: its states as boxes in
//! left-to-right layers (by distance from a start state), with how often each was entered,
//! retried, failed and caught, and the transitions taken as arrows labelled with their counts
//! (Catch transitions dashed and red); a legend line with the executions' outcomes.

use super::{DrawResult, H, W, tidy};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use sim_core::Summary;
use sim_core::metrics::{Executions, WorkflowMetrics};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

mod layout;
#[cfg(test)]
mod tests;

use layout::{Placed, Rect, along, layers, line_y, order, paths, place};

/// The most states drawn; beyond them, the most entered are kept.
const MAX_STATES: usize = 30;
/// Left and right margin.
const MARGIN: f64 = 16.0;
/// The top of the boxes' area (below the title and subtitle) and its bottom (above the legend).
const TOP: f64 = 72.0;
const BOTTOM: f64 = H as f64 - 40.0;
/// Horizontal padding inside a box.
const PAD: f64 = 8.0;
/// Least vertical gap between boxes, and most extra space per row when a column has few.
const GAP_V: f64 = 10.0;
const MAX_ROW_EXTRA: f64 = 60.0;
/// Horizontal gap between columns: at least (else a smaller font or another band), at most.
const MIN_GAP: f64 = 48.0;
const MAX_GAP: f64 = 200.0;
/// Vertical gap between bands of columns.
const BAND_GAP: f64 = 28.0;
/// Font sizes of the states' names, tried largest first; a box's text is at most 13.5 times
/// as wide as its font size.
const FONTS: [u32; 5] = [14, 13, 12, 11, 10];
const EDGE: RGBColor = RGBColor(120, 120, 120);
const CATCH: RGBColor = RGBColor(200, 30, 30);
const GREY: RGBColor = RGBColor(90, 90, 90);

/// A box: a state's name, then its type, times entered, and retries, failures, caught errors
/// and peak concurrency when any, a line each.
struct Node {
    name: String,
    kind: &'static str,
    lines: Vec<String>,
}

/// An arrow between two boxes (indices into the nodes).
struct Edge {
    from: usize,
    to: usize,
    catch: bool,
    count: u64,
}

/// What one workflow's plot draws.
struct Diagram {
    workflow: String,
    kind: &'static str,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    /// The nodes of each layer, left to right, each top to bottom.
    columns: Vec<Vec<usize>>,
    left_out: usize,
    executions: Executions,
    transitions: u64,
    measured_s: f64,
}

/// Draws the state diagram of each workflow of the run into `<dir>/state_diagram_<name>.png`
/// and `.svg` (characters other than letters, digits, `-`, `_` and `.` in the name replaced by
/// `_`); returns the files written, none when the run has no workflows.
pub fn state_diagram(dir: &Path, title: &str, s: &Summary) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for (name, w) in &s.workflows.0 {
        let d = build(name, w, s.measured_s);
        if d.nodes.is_empty() {
            continue;
        }
        let stem = format!("state_diagram_{}", file_safe(name));
        let written: Result<Vec<PathBuf>, String> = both!(dir, stem, draw_diagram(title, &d));
        files.extend(written?);
    }
    Ok(files)
}

/// `name` with what a file name should not hold replaced by `_`.
fn file_safe(name: &str) -> String {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let s: String = name.chars().map(|c| if ok(c) { c } else { '_' }).collect();
    if s.is_empty() || s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}

/// A count, short: exact below 100 000, then `123k`, `12.3M`.
fn count(n: u64) -> String {
    match n {
        ..100_000 => n.to_string(),
        100_000..10_000_000 => format!("{:.0}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// A state type's fill and border colours.
fn colors(kind: &str) -> (RGBColor, RGBColor) {
    match kind {
        "Task" => (RGBColor(255, 222, 173), RGBColor(205, 125, 20)),
        "Wait" => (RGBColor(198, 219, 239), RGBColor(50, 110, 170)),
        "Choice" => (RGBColor(255, 245, 190), RGBColor(180, 150, 20)),
        "Parallel" | "Map" => (RGBColor(222, 206, 240), RGBColor(120, 80, 170)),
        "Succeed" => (RGBColor(204, 235, 197), RGBColor(60, 140, 60)),
        "Fail" => (RGBColor(250, 205, 205), RGBColor(190, 40, 40)),
        _ => (RGBColor(235, 235, 235), RGBColor(120, 120, 120)),
    }
}

/// The boxes and arrows of workflow `name`: the `MAX_STATES` most entered states if there are
/// more (layered with all of them), and the transitions between those.
fn build(name: &str, w: &WorkflowMetrics, measured_s: f64) -> Diagram {
    let index: HashMap<&str, usize> = w
        .states
        .iter()
        .enumerate()
        .rev()
        .map(|(i, st)| (st.name.as_str(), i))
        .collect();
    let mut edges: Vec<Edge> = w
        .edges
        .iter()
        .filter_map(|e| {
            Some(Edge {
                from: *index.get(e.from.as_str())?,
                to: *index.get(e.to.as_str())?,
                catch: e.catch,
                count: e.count,
            })
        })
        .collect();
    let links: Vec<(usize, usize, bool)> = edges.iter().map(|e| (e.from, e.to, e.catch)).collect();
    let mut layer = layers(w.states.len(), &links);

    // Too many states: keep the most entered (ties in the states' order), and their edges.
    let total = w.states.len();
    let mut keep: Vec<usize> = (0..total).collect();
    if total > MAX_STATES {
        keep.sort_by(|&a, &b| w.states[b].entered.cmp(&w.states[a].entered));
        keep.truncate(MAX_STATES);
        keep.sort_unstable();
    }
    let mut new = vec![None; total];
    for (k, &i) in keep.iter().enumerate() {
        new[i] = Some(k);
    }
    edges = edges
        .into_iter()
        .filter_map(|e| {
            Some(Edge {
                from: new[e.from]?,
                to: new[e.to]?,
                ..e
            })
        })
        .collect();
    layer = keep.iter().map(|&i| layer[i]).collect();

    let nodes = keep
        .iter()
        .map(|&i| {
            let st = &w.states[i];
            let mut lines = vec![st.kind.to_owned(), format!("entered {}", count(st.entered))];
            for (what, n) in [
                ("retries", st.retries),
                ("failures", st.failures),
                ("caught", st.caught),
            ] {
                if n > 0 {
                    lines.push(format!("{what} {}", count(n)));
                }
            }
            if let Some(p) = st.peak_concurrency.filter(|&p| p > 0) {
                lines.push(format!("peak {p}"));
            }
            Node {
                name: st.name.clone(),
                kind: st.kind,
                lines,
            }
        })
        .collect();
    let columns = order(&layer, &edges);
    Diagram {
        workflow: name.to_owned(),
        kind: w.kind,
        nodes,
        edges,
        columns,
        left_out: total - keep.len(),
        executions: w.executions.clone(),
        transitions: w.transitions,
        measured_s,
    }
}

/// Draws an arrow along `path` (dashed or not), its head at the end.
fn arrow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    path: &[(f64, f64)],
    color: RGBColor,
    width: u32,
    dashed: bool,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let at = |p: (f64, f64)| (p.0.round() as i32, p.1.round() as i32);
    let (Some(&b), Some(&a)) = (path.last(), path.iter().rev().nth(1)) else {
        return Ok(());
    };
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = dx.hypot(dy).max(1e-9);
    let (ux, uy) = (dx / len, dy / len);
    let head = 9.0 + f64::from(width);
    let base = (b.0 - ux * head, b.1 - uy * head);
    let mut line: Vec<(i32, i32)> = path[..path.len() - 1].iter().map(|&p| at(p)).collect();
    line.push(at(base));
    if dashed {
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
            at(b),
            at((base.0 - uy * half, base.1 + ux * half)),
            at((base.0 + uy * half, base.1 - ux * half)),
        ],
        color.filled(),
    ))?;
    Ok(())
}

/// Draws `d`: its title, arrows, boxes, the arrows' counts, and the legend.
fn draw_diagram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    d: &Diagram,
) -> DrawResult
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

    let head = format!("{title}: workflow {}", d.workflow);
    let head = layout::fit_text(&head, 24, f64::from(W) - 2.0 * MARGIN, &measure);
    root.draw(&Text::new(
        head,
        at(mid_x, 12.0),
        style(24).pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    let mut sub = format!(
        "{} state machine: transitions taken over the measured window ({} s), {} in all",
        d.kind,
        tidy(d.measured_s),
        count(d.transitions)
    );
    if d.left_out > 0 {
        sub += &format!(
            "; the {MAX_STATES} most entered states of {}, {} left out",
            d.nodes.len() + d.left_out,
            d.left_out
        );
    }
    root.draw(&Text::new(
        sub,
        at(mid_x, 46.0),
        style(14).color(&GREY).pos(centered),
    ))?;

    // The fewest bands, then the largest font, that fit; else the smallest font.
    let mut tries: Vec<Placed> = FONTS.iter().map(|&f| place(d, f, &measure)).collect();
    let pick = tries
        .iter()
        .enumerate()
        .filter(|(_, p)| p.fits)
        .min_by_key(|(_, p)| (p.bands, std::cmp::Reverse(p.font)))
        .map_or(FONTS.len() - 1, |(i, _)| i);
    let p = tries.swap_remove(pick);
    let routes = paths(d, &p);

    // Arrows, under the boxes: thicker for more transitions.
    let most = d.edges.iter().map(|e| e.count).max().unwrap_or(0);
    for (e, path) in d.edges.iter().zip(&routes) {
        let width = if most > 0 {
            1 + (2.0 * e.count as f64 / most as f64).round() as u32
        } else {
            1
        };
        let color = if e.catch { CATCH } else { EDGE };
        arrow(root, path, color, width, e.catch)?;
    }

    // Boxes: the name, then the type and times entered, then the troubles if any.
    let small = p.font - 1;
    for ((node, texts), r) in d.nodes.iter().zip(&p.texts).zip(&p.rects) {
        let (fill, border) = colors(node.kind);
        root.draw(&Rectangle::new(r.corners(), fill.filled()))?;
        root.draw(&Rectangle::new(r.corners(), border.stroke_width(1)))?;
        let cx = (r.x0 + r.x1) / 2.0;
        for (j, text) in texts.iter().enumerate() {
            let (size, color) = match j {
                0 => (p.font, BLACK),
                1 | 2 => (small, GREY),
                _ => (small, CATCH),
            };
            root.draw(&Text::new(
                text.as_str(),
                at(cx, r.y0 + line_y(p.font, j)),
                style(size).color(&color).pos(centered),
            ))?;
        }
    }

    // Counts last, each where along its arrow it covers no box and no other count.
    let mut taken: Vec<Rect> = p.rects.clone();
    for (e, path) in d.edges.iter().zip(&routes) {
        let text = count(e.count);
        let (w, h) = (measure(&text, small) + 6.0, f64::from(small) + 5.0);
        let spot = |t: f64| {
            let (x, y) = along(path, t);
            Rect::around(x, y, w, h)
        };
        let candidates = [0.5, 0.35, 0.65, 0.2, 0.8, 0.42, 0.58, 0.28, 0.72];
        let cost = |r: &Rect| taken.iter().map(|o| r.overlap(o)).sum::<f64>();
        let best = candidates
            .iter()
            .map(|&t| spot(t))
            .min_by(|a, b| cost(a).total_cmp(&cost(b)))
            .unwrap_or_else(|| spot(0.5));
        taken.push(best);
        let color = if e.catch { CATCH } else { RGBColor(50, 50, 50) };
        root.draw(&Rectangle::new(best.corners(), WHITE.mix(0.85).filled()))?;
        let (x, y) = best.center();
        root.draw(&Text::new(
            text,
            at(x, y),
            style(small).color(&color).pos(centered),
        ))?;
    }

    legend(root, d, &measure)
}

/// The legend line: the executions by outcome, then the two kinds of arrow.
fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Diagram,
    measure: &dyn Fn(&str, u32) -> f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let x = &d.executions;
    let outcomes: Vec<(String, Option<RGBColor>)> = [
        ("started", x.started, None),
        ("succeeded", x.succeeded, Some(RGBColor(60, 140, 60))),
        ("caught", x.caught, Some(RGBColor(230, 140, 20))),
        ("failed", x.failed, Some(RGBColor(190, 40, 40))),
        ("timed out", x.timed_out, Some(RGBColor(120, 80, 170))),
        ("throttled", x.throttled, Some(RGBColor(130, 130, 130))),
        ("in flight", x.in_flight, None),
    ]
    .into_iter()
    .filter(|o| o.0 != "in flight" || o.1 > 0)
    .map(|(what, n, c)| (format!("{what} {}", count(n)), c))
    .collect();
    let arrows = [("transition", EDGE, false), ("Catch", CATCH, true)];
    let width = |f: u32| {
        let texts = outcomes
            .iter()
            .map(|(t, c)| measure(t, f) + if c.is_some() { 16.0 } else { 0.0 });
        let lines = arrows.iter().map(|(t, _, _)| 34.0 + measure(t, f));
        measure("executions:", f) + texts.chain(lines).map(|w| w + 16.0).sum::<f64>()
    };
    let font = [13, 12, 11, 10]
        .into_iter()
        .find(|&f| width(f) <= f64::from(W) - 2.0 * MARGIN)
        .unwrap_or(10);
    let y = f64::from(H) - 20.0;
    let mut x = (f64::from(W) - width(font)).max(2.0 * MARGIN) / 2.0;
    let left = Pos::new(HPos::Left, VPos::Center);
    let style = TextStyle::from(("sans-serif", font).into_font());
    let at = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    let text = |x: &mut f64, t: &str| -> DrawResult {
        root.draw(&Text::new(t, at(*x, y), style.pos(left)))?;
        *x += measure(t, font) + 16.0;
        Ok(())
    };
    text(&mut x, "executions:")?;
    x -= 10.0;
    for (t, c) in &outcomes {
        if let Some(c) = c {
            let r = Rect::around(x + 5.0, y, 10.0, 10.0);
            root.draw(&Rectangle::new(r.corners(), c.filled()))?;
            x += 16.0;
        }
        text(&mut x, t)?;
    }
    for (t, c, dashed) in arrows {
        arrow(root, &[(x, y), (x + 28.0, y)], c, 2, dashed)?;
        x += 34.0;
        text(&mut x, t)?;
    }
    Ok(())
}
