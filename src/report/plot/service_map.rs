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

/// What a node of the map is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Api,
    Function,
    Table,
    Dependency,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Api, Kind::Function, Kind::Table, Kind::Dependency];

    fn fill(self) -> RGBColor {
        match self {
            Kind::Api => RGBColor(222, 206, 240),
            Kind::Function => RGBColor(255, 222, 173),
            Kind::Table => RGBColor(198, 219, 239),
            Kind::Dependency => RGBColor(204, 235, 197),
        }
    }

    fn border(self) -> RGBColor {
        match self {
            Kind::Api => RGBColor(120, 80, 170),
            Kind::Function => RGBColor(205, 125, 20),
            Kind::Table => RGBColor(50, 110, 170),
            Kind::Dependency => RGBColor(60, 140, 60),
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Kind::Api => "API Gateway API",
            Kind::Function => "Lambda function",
            Kind::Table => "DynamoDB table",
            Kind::Dependency => "dependency",
        }
    }
}

/// A box: its name, its line of numbers, and its traffic a second (to keep the busiest).
struct Node {
    name: String,
    kind: Kind,
    stats: String,
    busy: f64,
}

/// An arrow between two nodes (indices into the nodes).
struct Edge {
    from: usize,
    to: usize,
    /// The rate (with the retry amplification), and the failed or throttled ratio if any: on
    /// one line, or two where the arrow is short.
    label: (String, Option<String>),
    /// A failed or throttled ratio above 1 %: drawn red.
    alarm: bool,
    /// An async call: drawn dashed.
    dashed: bool,
    /// Calls (or forwarded requests) a second: the arrow's thickness.
    rate: f64,
}

/// What the plot draws: nodes and edges, the nodes' columns in drawing order (top to bottom),
/// and the nodes left out.
struct Map {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    columns: Vec<Vec<usize>>,
    left_out: usize,
    measured_s: f64,
}

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

/// The column of each node (in `nodes`' order): APIs in column 0; functions from column 1 (0
/// without APIs), a function called by another one column right of its deepest caller;
/// tables and dependencies in the column after the last function's. `calls` are (caller,
/// callee) names; only calls between functions move a node. A cycle (which scenarios cannot
/// have) stops deepening after one pass per node.
pub fn layers(nodes: &[(String, Kind)], calls: &[(String, String)]) -> Vec<(String, usize)> {
    let base = usize::from(nodes.iter().any(|n| n.1 == Kind::Api));
    let function = |name: &str| {
        nodes
            .iter()
            .position(|(n, k)| *k == Kind::Function && n == name)
    };
    let links: Vec<(usize, usize)> = calls
        .iter()
        .filter_map(|(a, b)| Some((function(a)?, function(b)?)))
        .filter(|(a, b)| a != b)
        .collect();
    let mut col = vec![base; nodes.len()];
    for _ in 0..nodes.len() {
        let mut changed = false;
        for &(a, b) in &links {
            if col[b] < col[a] + 1 {
                col[b] = col[a] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let last = nodes
        .iter()
        .zip(&col)
        .filter(|(n, _)| n.1 == Kind::Function)
        .map(|(_, &c)| c + 1)
        .max()
        .unwrap_or(base);
    nodes
        .iter()
        .zip(col)
        .map(|((name, kind), c)| {
            let c = match kind {
                Kind::Api => 0,
                Kind::Function => c,
                Kind::Table | Kind::Dependency => last,
            };
            (name.clone(), c)
        })
        .collect()
}

/// `part / whole`, 0 without a whole.
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// A rate a second, short: `1.2k`, `340`, `12.5`, `0.25`.
fn rate(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 1000.0 {
        format!("{:.1}k", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else if v >= 0.005 || v == 0.0 {
        format!("{v:.2}")
    } else {
        "<0.01".into()
    }
}

/// A ratio as a percentage, short: `0%`, `<0.1%`, `2.5%`, `40%`.
fn pct(r: f64) -> String {
    if r <= 0.0 {
        "0%".into()
    } else if r < 0.001 {
        "<0.1%".into()
    } else if r < 0.1 {
        format!("{:.1}%", r * 100.0)
    } else {
        format!("{:.0}%", r * 100.0)
    }
}

/// The nodes and edges of a run, the busiest `MAX_NODES` if there are more, in columns.
fn build(s: &Summary, routes: &[(String, String)]) -> Map {
    let per_s = |n: u64| {
        if s.measured_s > 0.0 {
            n as f64 / s.measured_s
        } else {
            0.0
        }
    };
    let mut nodes = Vec::new();
    let node = |name: &str, kind, stats, busy| Node {
        name: name.to_owned(),
        kind,
        stats,
        busy,
    };
    for (name, svc) in &s.services.0 {
        if let Service::Api(a) = svc {
            let r = per_s(a.requests);
            let bad = pct(ratio(a.throttled + a.timed_out, a.requests));
            let stats = format!("{} req/s, {bad} 429/504", rate(r));
            nodes.push(node(name, Kind::Api, stats, r));
        }
    }
    for (name, m) in &s.functions.0 {
        let r = per_s(m.requests);
        let stats = format!("{} req/s, p99 {} ms", rate(r), tidy(m.latency_ms.p99));
        nodes.push(node(name, Kind::Function, stats, r));
    }
    for (name, svc) in &s.services.0 {
        match svc {
            Service::Api(_) => {}
            Service::Table(t) => {
                let r = per_s(t.requests);
                let thr = pct(ratio(t.throttled, t.requests));
                let stats = format!("{} req/s, {thr} throttled", rate(r));
                nodes.push(node(name, Kind::Table, stats, r));
            }
            Service::Dependency(d) => {
                let r = per_s(d.calls);
                let rej = pct(ratio(d.rejected, d.calls));
                let stats = format!("{} calls/s, {rej} rejected", rate(r));
                nodes.push(node(name, Kind::Dependency, stats, r));
            }
        }
    }
    let find = |nodes: &[Node], name: &str, kinds: &[Kind]| {
        kinds
            .iter()
            .find_map(|k| nodes.iter().position(|n| n.kind == *k && n.name == name))
    };

    let mut edges = Vec::new();
    for (api, function) in routes {
        let (Some(from), Some(to), Some(a)) = (
            find(&nodes, api, &[Kind::Api]),
            find(&nodes, function, &[Kind::Function]),
            s.services.api(api),
        ) else {
            continue;
        };
        let throttled = ratio(a.throttled, a.requests);
        let r = per_s(a.forwarded);
        let label = (
            format!("{}/s", rate(r)),
            (a.throttled > 0).then(|| format!("{} throttled", pct(throttled))),
        );
        edges.push(Edge {
            from,
            to,
            label,
            alarm: throttled > ALARM,
            dashed: false,
            rate: r,
        });
    }
    let targets = [Kind::Function, Kind::Table, Kind::Dependency];
    for c in &s.calls {
        let (Some(from), Some(to)) = (
            find(&nodes, &c.from, &[Kind::Function]),
            find(&nodes, &c.to, &targets),
        ) else {
            continue;
        };
        let r = per_s(c.calls);
        let mut label = (format!("{}/s", rate(r)), None);
        let amplification = ratio(c.attempts, c.calls);
        if amplification > 1.0 {
            label.0 += &format!(" ×{amplification:.2}");
        }
        let failed = ratio(c.failed, c.calls);
        if c.failed > 0 {
            label.1 = Some(format!("{} failed", pct(failed)));
        }
        edges.push(Edge {
            from,
            to,
            label,
            alarm: failed > ALARM,
            dashed: c.mode == "async",
            rate: r,
        });
    }

    // Too many nodes: keep the busiest (ties in scenario order), and the edges between them.
    let total = nodes.len();
    let mut left_out = 0;
    if total > MAX_NODES {
        let mut rank: Vec<usize> = (0..total).collect();
        rank.sort_by(|&a, &b| nodes[b].busy.total_cmp(&nodes[a].busy));
        let mut keep = vec![false; total];
        for &i in &rank[..MAX_NODES] {
            keep[i] = true;
        }
        let mut index = vec![None; total];
        let mut next = 0;
        for (i, &k) in keep.iter().enumerate() {
            if k {
                index[i] = Some(next);
                next += 1;
            }
        }
        edges = edges
            .into_iter()
            .filter_map(|e| {
                Some(Edge {
                    from: index[e.from]?,
                    to: index[e.to]?,
                    ..e
                })
            })
            .collect();
        nodes = nodes
            .into_iter()
            .zip(&index)
            .filter_map(|(n, k)| k.map(|_| n))
            .collect();
        left_out = total - MAX_NODES;
    }

    let named: Vec<(String, Kind)> = nodes.iter().map(|n| (n.name.clone(), n.kind)).collect();
    let calls: Vec<(String, String)> = edges
        .iter()
        .map(|e| (nodes[e.from].name.clone(), nodes[e.to].name.clone()))
        .collect();
    let cols: Vec<usize> = layers(&named, &calls).into_iter().map(|l| l.1).collect();
    let columns = order(&cols, &edges);
    Map {
        nodes,
        edges,
        columns,
        left_out,
        measured_s: s.measured_s,
    }
}

/// The nodes of each non-empty column, top to bottom: the first column in scenario order, the
/// others by the mean position of their callers in earlier columns (fewer crossing arrows),
/// nodes without callers last.
fn order(cols: &[usize], edges: &[Edge]) -> Vec<Vec<usize>> {
    let n_cols = cols.iter().max().map_or(0, |c| c + 1);
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); n_cols];
    for (i, &c) in cols.iter().enumerate() {
        columns[c].push(i);
    }
    let mut pos = vec![0.0; cols.len()];
    for (c, column) in columns.iter_mut().enumerate() {
        if c > 0 {
            let key = |i: usize| {
                let (sum, n) = edges
                    .iter()
                    .filter(|e| e.to == i && cols[e.from] < c)
                    .fold((0.0, 0.0), |(s, n), e| (s + pos[e.from], n + 1.0));
                if n > 0.0 { sum / n } else { f64::INFINITY }
            };
            let mut keyed: Vec<(f64, usize)> = column.iter().map(|&i| (key(i), i)).collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            *column = keyed.into_iter().map(|k| k.1).collect();
        }
        let len = column.len() as f64;
        for (r, &i) in column.iter().enumerate() {
            pos[i] = (r as f64 + 0.5) / len;
        }
    }
    columns.retain(|c| !c.is_empty());
    columns
}

/// A rectangle in pixels.
#[derive(Clone, Copy, Debug, Default)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn around(cx: f64, cy: f64, w: f64, h: f64) -> Rect {
        Rect {
            x0: cx - w / 2.0,
            y0: cy - h / 2.0,
            x1: cx + w / 2.0,
            y1: cy + h / 2.0,
        }
    }

    fn overlap(&self, o: &Rect) -> f64 {
        let w = self.x1.min(o.x1) - self.x0.max(o.x0);
        let h = self.y1.min(o.y1) - self.y0.max(o.y0);
        if w > 0.0 && h > 0.0 { w * h } else { 0.0 }
    }

    fn corners(&self) -> [(i32, i32); 2] {
        [
            (self.x0.round() as i32, self.y0.round() as i32),
            (self.x1.round() as i32, self.y1.round() as i32),
        ]
    }
}

/// The boxes at one font size: each node's rectangle and (possibly shortened) name, and
/// whether they fit the canvas with room for the arrows' labels.
struct Placed {
    font: u32,
    names: Vec<String>,
    rects: Vec<Rect>,
    /// Side-by-side columns of boxes (more than the layers when a layer is split).
    columns: usize,
    fits: bool,
}

/// `text`, shortened with "…" to at most `max_w` pixels.
fn fit_text(text: &str, size: u32, max_w: f64, measure: &dyn Fn(&str, u32) -> f64) -> String {
    if measure(text, size) <= max_w {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    for keep in (1..chars.len()).rev() {
        let short: String = chars[..keep].iter().chain(['…'].iter()).collect();
        if measure(&short, size) <= max_w {
            return short;
        }
    }
    "…".into()
}

/// The height of a box whose name is drawn at `font` points (its numbers one point smaller).
fn box_height(font: u32) -> f64 {
    f64::from(2 * font + 15)
}

/// Places the boxes at `font` points: the columns left to right, each split into side-by-side
/// sub-columns when it has more boxes than fit in the height; boxes as wide as their
/// sub-column's widest text.
fn place(map: &Map, font: u32, measure: &dyn Fn(&str, u32) -> f64) -> Placed {
    let h = box_height(font);
    let names: Vec<String> = map
        .nodes
        .iter()
        .map(|n| fit_text(&n.name, font, MAX_TEXT_W, measure))
        .collect();
    let widths: Vec<f64> = map
        .nodes
        .iter()
        .zip(&names)
        .map(|(n, name)| measure(name, font).max(measure(&n.stats, font - 1)) + 2.0 * PAD)
        .collect();
    let avail_h = BOTTOM - TOP;
    let rows = (((avail_h + GAP_V) / (h + GAP_V)).floor() as usize).max(1);
    let mut subcols: Vec<&[usize]> = Vec::new();
    for column in &map.columns {
        let k = column.len().div_ceil(rows);
        subcols.extend(column.chunks(column.len().div_ceil(k)));
    }
    let col_w: Vec<f64> = subcols
        .iter()
        .map(|c| c.iter().map(|&i| widths[i]).fold(0.0, f64::max))
        .collect();
    let total: f64 = col_w.iter().sum();
    let avail_w = f64::from(W) - 2.0 * MARGIN;
    let gaps = subcols.len().saturating_sub(1) as f64;
    let (gap, fits) = if gaps > 0.0 {
        let g = (avail_w - total) / gaps;
        (g.clamp(12.0, MAX_GAP), g >= MIN_GAP)
    } else {
        (0.0, total <= avail_w)
    };
    let mut x = (f64::from(W) - total - gap * gaps) / 2.0;
    let mut rects = vec![Rect::default(); map.nodes.len()];
    for (col, &w) in subcols.iter().zip(&col_w) {
        let k = col.len() as f64;
        let slot = (avail_h / k).min(h + GAP_V + MAX_ROW_EXTRA);
        let y = TOP + (avail_h - slot * k) / 2.0;
        for (r, &i) in col.iter().enumerate() {
            rects[i] = Rect::around(x + w / 2.0, y + slot * (r as f64 + 0.5), w, h);
        }
        x += w + gap;
    }
    Placed {
        font,
        names,
        rects,
        columns: subcols.len(),
        fits,
    }
}

/// Where each edge leaves its source (right side) and reaches its target (left side): a node's
/// edges spread over its side, ordered by the other end's height so that they do not cross.
fn ports(map: &Map, rects: &[Rect]) -> Vec<((f64, f64), (f64, f64))> {
    let n = map.nodes.len();
    let mid = |i: usize| (rects[i].y0 + rects[i].y1) / 2.0;
    let mut outs: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut ins: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, e) in map.edges.iter().enumerate() {
        outs[e.from].push(k);
        ins[e.to].push(k);
    }
    let mut ends = vec![((0.0, 0.0), (0.0, 0.0)); map.edges.len()];
    let spread = |r: &Rect, j: usize, k: usize| {
        let inner = (r.y1 - r.y0) - 8.0;
        r.y0 + 4.0 + inner * (j as f64 + 1.0) / (k as f64 + 1.0)
    };
    for i in 0..n {
        let r = &rects[i];
        outs[i].sort_by(|&a, &b| mid(map.edges[a].to).total_cmp(&mid(map.edges[b].to)));
        ins[i].sort_by(|&a, &b| mid(map.edges[a].from).total_cmp(&mid(map.edges[b].from)));
        for (j, &k) in outs[i].iter().enumerate() {
            ends[k].0 = (r.x1, spread(r, j, outs[i].len()));
        }
        for (j, &k) in ins[i].iter().enumerate() {
            ends[k].1 = (r.x0, spread(r, j, ins[i].len()));
        }
    }
    ends
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::metrics::{
        ApiMetrics, CallMetrics, DependencyMetrics, Latency, Metrics, Named, TableMetrics,
    };

    fn function(requests: u64, p99: f64) -> Metrics {
        Metrics {
            requests,
            attempts: requests,
            latency_ms: Latency {
                p99,
                ..Latency::default()
            },
            ..Metrics::default()
        }
    }

    fn call(from: &str, to: &str, mode: &'static str, calls: u64) -> CallMetrics {
        CallMetrics {
            from: from.into(),
            to: to.into(),
            mode,
            calls,
            attempts: calls,
            succeeded: calls,
            ..CallMetrics::default()
        }
    }

    fn summary(
        functions: Vec<(String, Metrics)>,
        services: Vec<(String, Service)>,
        calls: Vec<CallMetrics>,
    ) -> Summary {
        Summary {
            scenario: "map".into(),
            seed: 1,
            simulated_s: 70.0,
            measured_s: 60.0,
            total: Metrics::default(),
            functions: Named(functions),
            traces: Vec::new(),
            services: Named(services),
            calls,
        }
    }

    /// A fresh, empty directory for one test's files.
    fn temp_dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("faasim-service-map-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn layers_put_apis_first_functions_by_call_depth_and_tables_last() {
        let nodes: Vec<(String, Kind)> = [
            ("orders", Kind::Table),
            ("C", Kind::Function),
            ("A", Kind::Function),
            ("api", Kind::Api),
            ("B", Kind::Function),
        ]
        .into_iter()
        .map(|(n, k)| (n.to_owned(), k))
        .collect();
        let calls: Vec<(String, String)> = [("B", "C"), ("A", "B"), ("C", "orders"), ("A", "C")]
            .into_iter()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect();
        let got = layers(&nodes, &calls);
        let col = |name: &str| got.iter().find(|l| l.0 == name).unwrap().1;
        assert_eq!(got.len(), 5);
        assert_eq!(col("api"), 0);
        assert_eq!(col("A"), 1);
        assert_eq!(col("B"), 2);
        assert_eq!(col("C"), 3, "one right of its deepest caller (B), not of A");
        assert_eq!(col("orders"), 4);
        // Without an API, functions start in column 0.
        let got = layers(&nodes[..2], &calls);
        assert_eq!(got, vec![("orders".to_owned(), 1), ("C".to_owned(), 0)]);
    }

    #[test]
    fn service_map_draws_every_node_into_png_and_svg() {
        let s = summary(
            vec![
                ("checkout".into(), function(6000, 120.0)),
                ("payment".into(), function(3000, 80.0)),
                ("notify".into(), function(600, 15.0)),
            ],
            vec![
                (
                    "shop-api".into(),
                    Service::Api(ApiMetrics {
                        kind: "http",
                        requests: 6300,
                        throttled: 200,
                        timed_out: 100,
                        forwarded: 6100,
                        cost_usd: 0.01,
                    }),
                ),
                (
                    "orders".into(),
                    Service::Table(TableMetrics {
                        kind: "dynamodb",
                        mode: "on-demand",
                        requests: 9000,
                        throttled: 30,
                        succeeded: 8970,
                        ..TableMetrics::default()
                    }),
                ),
                (
                    "bank".into(),
                    Service::Dependency(DependencyMetrics {
                        kind: "dependency",
                        calls: 3000,
                        rejected: 12,
                        succeeded: 2988,
                        ..DependencyMetrics::default()
                    }),
                ),
            ],
            vec![
                CallMetrics {
                    attempts: 3600,
                    failed: 90,
                    ..call("checkout", "payment", "sync", 3000)
                },
                call("checkout", "orders", "sync", 6000),
                call("payment", "bank", "sync", 3000),
                call("payment", "orders", "sync", 3000),
                call("checkout", "notify", "async", 600),
            ],
        );
        let routes = vec![("shop-api".to_owned(), "checkout".to_owned())];
        let dir = temp_dir("draws");
        let files = service_map(&dir, "shop", &s, &routes).unwrap();
        assert_eq!(
            files,
            vec![dir.join("service_map.png"), dir.join("service_map.svg")]
        );
        for f in &files {
            assert!(std::fs::metadata(f).unwrap().len() > 0, "{}", f.display());
        }
        let svg = std::fs::read_to_string(&files[1]).unwrap();
        for name in [
            "shop-api", "checkout", "payment", "notify", "orders", "bank",
        ] {
            assert!(svg.contains(name), "{name} missing from the SVG");
        }
        assert!(
            svg.contains("×1.20"),
            "retry amplification of checkout → payment"
        );
        assert!(
            svg.contains("3.0% failed"),
            "failed ratio of checkout → payment"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn service_map_without_services_or_calls_writes_nothing() {
        let s = summary(vec![("solo".into(), function(100, 20.0))], vec![], vec![]);
        let dir = temp_dir("nothing");
        assert_eq!(
            service_map(&dir, "solo", &s, &[]).unwrap(),
            Vec::<PathBuf>::new()
        );
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn service_map_keeps_the_busiest_nodes() {
        // 30 functions, each calling one table: 31 nodes, the 20 busiest drawn.
        let names: Vec<String> = (0..30).map(|i| format!("fn-{i:02}")).collect();
        let functions = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), function(100 * (i as u64 + 1), 10.0)))
            .collect();
        let table = TableMetrics {
            kind: "dynamodb",
            mode: "on-demand",
            requests: 1_000_000,
            ..TableMetrics::default()
        };
        let calls = names
            .iter()
            .map(|n| call(n, "store", "sync", 100))
            .collect();
        let s = summary(
            functions,
            vec![("store".into(), Service::Table(table))],
            calls,
        );
        let map = build(&s, &[]);
        assert_eq!(map.nodes.len(), MAX_NODES);
        assert_eq!(map.left_out, 11);
        assert!(map.nodes.iter().any(|n| n.name == "store"));
        assert!(map.nodes.iter().any(|n| n.name == "fn-29"));
        assert!(!map.nodes.iter().any(|n| n.name == "fn-10"));
        assert_eq!(map.edges.len(), MAX_NODES - 1);
        let dir = temp_dir("busiest");
        let files = service_map(&dir, "many", &s, &[]).unwrap();
        let svg = std::fs::read_to_string(&files[1]).unwrap();
        assert!(svg.contains("11 left out"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
