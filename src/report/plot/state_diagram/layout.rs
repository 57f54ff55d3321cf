//! Where the state diagram's boxes and arrows go: each state's layer (its longest distance from
//! a start state), the boxes in their columns (wrapped into bands stacked top to bottom when the
//! columns do not fit side by side), and each arrow's path.

use super::*;
use std::ops::Range;

pub(super) use crate::report::plot::boxes::Rect;

/// The layer of each of `n` states, given the transitions `(from, to, catch)`: the longest
/// distance from a start state (one without incoming transitions, in the states' order) along
/// the non-Catch transitions, without the back edges of cycles (a depth-first search with a
/// visited set, so that a cycle cannot hang it). A state reached only through Catches goes one
/// layer after its deepest source; a cycle that nothing reaches starts at its first state.
pub(super) fn layers(n: usize, edges: &[(usize, usize, bool)]) -> Vec<usize> {
    let mut incoming = vec![false; n];
    let mut next: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
    for &(a, b, catch) in edges {
        if a != b && a < n && b < n {
            incoming[b] = true;
            next[a].push((b, catch));
        }
    }
    // The non-Catch transitions first, so that the search follows them.
    for out in &mut next {
        out.sort_by_key(|t| t.1);
    }
    // 0: not seen, 1: on the stack, 2: done.
    let mut mark = vec![0u8; n];
    let mut post = Vec::with_capacity(n);
    let mut sources: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
    let roots = (0..n).filter(|&i| !incoming[i]).chain(0..n);
    for r in roots {
        if mark[r] != 0 {
            continue;
        }
        mark[r] = 1;
        let mut stack = vec![(r, 0)];
        while let Some(top) = stack.last_mut() {
            let (v, k) = *top;
            match next[v].get(k) {
                Some(&(w, catch)) => {
                    top.1 += 1;
                    if mark[w] == 1 {
                        continue; // A back edge: it closes a cycle.
                    }
                    sources[w].push((v, catch));
                    if mark[w] == 0 {
                        mark[w] = 1;
                        stack.push((w, 0));
                    }
                }
                None => {
                    mark[v] = 2;
                    post.push(v);
                    stack.pop();
                }
            }
        }
    }
    // Reverse post-order is a topological order of what is left: sources come first.
    let mut depth = vec![0; n];
    for &v in post.iter().rev() {
        let after = |catch: bool| {
            let from = sources[v].iter().filter(|s| s.1 == catch);
            from.map(|s| depth[s.0] + 1).max()
        };
        depth[v] = after(false).or_else(|| after(true)).unwrap_or(0);
    }
    depth
}

/// The states of each layer, top to bottom: the first layer in the states' order, the others
/// by the mean position of their sources in earlier layers (fewer crossing arrows), states
/// without such sources last. Empty layers are dropped.
pub(super) fn order(layer: &[usize], edges: &[Edge]) -> Vec<Vec<usize>> {
    let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.from, e.to)).collect();
    crate::report::plot::boxes::order_columns(layer, &pairs)
}

pub(super) use crate::report::plot::boxes::fit_text;

/// The vertical centre of a box's text line `j` (0: the name, at `font` points; the others one
/// point smaller), from the box's top.
pub(super) fn line_y(font: u32, j: usize) -> f64 {
    let (name, other) = (f64::from(font + 5), f64::from(font + 3));
    if j == 0 {
        3.0 + name / 2.0
    } else {
        3.0 + name + other * (j as f64 - 0.5)
    }
}

/// The height of a box of `lines` lines of text, its name at `font` points.
pub(super) fn box_height(font: u32, lines: usize) -> f64 {
    line_y(font, lines) - f64::from(font + 3) / 2.0 + 3.0
}

/// The boxes at one font size: each state's rectangle and lines of text, its band and column,
/// and whether they fit the canvas with room between the columns for the arrows' labels.
pub(super) struct Placed {
    pub(super) font: u32,
    pub(super) texts: Vec<Vec<String>>,
    pub(super) rects: Vec<Rect>,
    pub(super) band: Vec<usize>,
    pub(super) column: Vec<usize>,
    pub(super) bands: usize,
    pub(super) fits: bool,
}

/// Places the boxes at `font` points, their text at most 13.5 times as wide: the layers left to
/// right (a layer taller than the canvas split into side-by-side columns), wrapped into bands
/// stacked top to bottom when they do not fit side by side.
pub(super) fn place(d: &Diagram, font: u32, measure: &dyn Fn(&str, u32) -> f64) -> Placed {
    let max_text_w = 13.5 * f64::from(font);
    let size = |j: usize| if j == 0 { font } else { font - 1 };
    let texts: Vec<Vec<String>> = d
        .nodes
        .iter()
        .map(|n| {
            let all = std::iter::once(&n.name).chain(&n.lines).enumerate();
            all.map(|(j, t)| fit_text(t, size(j), max_text_w, measure))
                .collect()
        })
        .collect();
    let widths: Vec<f64> = texts
        .iter()
        .map(|t| {
            let w = t.iter().enumerate().map(|(j, l)| measure(l, size(j)));
            w.fold(0.0, f64::max) + 2.0 * PAD
        })
        .collect();
    let heights: Vec<f64> = texts.iter().map(|t| box_height(font, t.len())).collect();
    let tallest = |c: &[usize]| c.iter().map(|&i| heights[i]).fold(0.0, f64::max);
    let (avail_w, avail_h) = (f64::from(W) - 2.0 * MARGIN, BOTTOM - TOP);
    let mut columns: Vec<&[usize]> = Vec::new();
    for layer in &d.columns {
        let h = tallest(layer);
        let rows = (((avail_h + GAP_V) / (h + GAP_V)).floor() as usize).max(1);
        let k = layer.len().div_ceil(rows);
        columns.extend(layer.chunks(layer.len().div_ceil(k)));
    }
    let col_w: Vec<f64> = columns
        .iter()
        .map(|c| c.iter().map(|&i| widths[i]).fold(0.0, f64::max))
        .collect();
    let col_h: Vec<f64> = columns.iter().map(|c| tallest(c)).collect();
    // Bands: as many columns, left to right, as fit with the least gap between them.
    let mut bands: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let mut used = 0.0;
    for (c, &w) in col_w.iter().enumerate() {
        if c > start && used + MIN_GAP + w > avail_w {
            bands.push(start..c);
            start = c;
            used = 0.0;
        }
        used += if c > start { MIN_GAP + w } else { w };
    }
    bands.push(start..columns.len());
    let band_w = |b: &Range<usize>| col_w[b.clone()].iter().sum::<f64>();
    let gap = bands
        .iter()
        .filter(|b| b.len() > 1)
        .map(|b| (avail_w - band_w(b)) / (b.len() - 1) as f64)
        .fold(MAX_GAP, f64::min)
        .max(12.0);
    let content_h = |b: &Range<usize>| {
        let col = |c: usize| columns[c].len() as f64 * (col_h[c] + GAP_V) - GAP_V;
        b.clone().map(col).fold(0.0, f64::max)
    };
    let used_h: f64 =
        bands.iter().map(content_h).sum::<f64>() + BAND_GAP * bands.len().saturating_sub(1) as f64;
    let widest = bands
        .iter()
        .map(|b| band_w(b) + gap * b.len().saturating_sub(1) as f64)
        .fold(0.0, f64::max);
    let fits = used_h <= avail_h && widest <= avail_w && (bands.len() == 1 || gap >= MIN_GAP);
    let spare = (avail_h - used_h) / bands.len() as f64;
    let n = d.nodes.len();
    let (mut rects, mut band, mut column) = (vec![Rect::default(); n], vec![0; n], vec![0; n]);
    let mut y = TOP;
    for (b, range) in bands.iter().enumerate() {
        let band_h = (content_h(range) + spare).max(0.0);
        let mut x = (f64::from(W) - widest) / 2.0;
        for c in range.clone() {
            let k = columns[c].len() as f64;
            let slot = (band_h / k).min(col_h[c] + GAP_V + MAX_ROW_EXTRA);
            let top = y + (band_h - slot * k) / 2.0;
            for (r, &i) in columns[c].iter().enumerate() {
                let cy = top + slot * (r as f64 + 0.5);
                rects[i] = Rect::around(x + col_w[c] / 2.0, cy, widths[i], heights[i]);
                band[i] = b;
                column[i] = c;
            }
            x += col_w[c] + gap;
        }
        y += band_h + BAND_GAP;
    }
    Placed {
        font,
        texts,
        rects,
        band,
        column,
        bands: bands.len(),
        fits,
    }
}

/// A point of the quadratic Bézier curve `a`, `c`, `b` at `t`.
fn bezier(a: (f64, f64), c: (f64, f64), b: (f64, f64), t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    (
        u * u * a.0 + 2.0 * u * t * c.0 + t * t * b.0,
        u * u * a.1 + 2.0 * u * t * c.1 + t * t * b.1,
    )
}

/// The path of each arrow. A transition to a later column of the same band: a straight line
/// from the source's right side to the target's left side, a box's arrows spread over its side
/// in the order of their other ends' heights. A transition to itself: a loop over the box's
/// top right corner. To a later band: along a lane in the gap below the source's band. Any
/// other (back to an earlier column or band, within a column):
/// a curve bowed to its left, from border to border, so that the two ways do not overlap.
pub(super) fn paths(d: &Diagram, p: &Placed) -> Vec<Vec<(f64, f64)>> {
    let n = d.nodes.len();
    let rects = &p.rects;
    let straight = |e: &Edge| p.band[e.from] == p.band[e.to] && p.column[e.to] > p.column[e.from];
    let mid = |i: usize| rects[i].center().1;
    let mut outs: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut ins: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, e) in d.edges.iter().enumerate() {
        if straight(e) {
            outs[e.from].push(k);
            ins[e.to].push(k);
        }
    }
    let mut ends = vec![((0.0, 0.0), (0.0, 0.0)); d.edges.len()];
    for (i, k, f) in spread(&mut outs, |k| mid(d.edges[k].to)) {
        let r = &rects[i];
        ends[k].0 = (r.x1, r.y0 + 4.0 + (r.y1 - r.y0 - 8.0) * f);
    }
    for (i, k, f) in spread(&mut ins, |k| mid(d.edges[k].from)) {
        let r = &rects[i];
        ends[k].1 = (r.x0, r.y0 + 4.0 + (r.y1 - r.y0 - 8.0) * f);
    }
    // Down to a later band: from the source's bottom into the gap below its band, along it, and
    // down into the target's top; each arrow its own lane, and its own place on either box.
    let down = |e: &Edge| p.band[e.to] > p.band[e.from];
    let x_of = |i: usize| rects[i].center().0;
    let mut lanes: Vec<Vec<usize>> = vec![Vec::new(); p.bands];
    let (mut bottoms, mut tops) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for (k, e) in d.edges.iter().enumerate() {
        if down(e) {
            lanes[p.band[e.from]].push(k);
            bottoms[e.from].push(k);
            tops[e.to].push(k);
        }
    }
    let (mut band_top, mut band_bottom) = (vec![f64::MAX; p.bands], vec![0.0f64; p.bands]);
    for (r, &b) in rects.iter().zip(&p.band) {
        band_top[b] = band_top[b].min(r.y0);
        band_bottom[b] = band_bottom[b].max(r.y1);
    }
    let mut lane_y = vec![0.0; d.edges.len()];
    let key = |k: usize| x_of(d.edges[k].from) * 1e4 + x_of(d.edges[k].to);
    for (b, k, f) in spread(&mut lanes, key) {
        let below = band_top.get(b + 1).copied().unwrap_or(BOTTOM);
        lane_y[k] = band_bottom[b] + (below - band_bottom[b]) * f;
    }
    let mut drop = vec![(0.0, 0.0); d.edges.len()];
    let across = |i: usize, f: f64| rects[i].x0 + (rects[i].x1 - rects[i].x0) * f;
    for (i, k, f) in spread(&mut bottoms, |k| x_of(d.edges[k].to)) {
        drop[k].0 = across(i, f);
    }
    for (i, k, f) in spread(&mut tops, |k| x_of(d.edges[k].from)) {
        drop[k].1 = across(i, f);
    }
    d.edges
        .iter()
        .zip(ends)
        .enumerate()
        .map(|(k, (e, (a, b)))| {
            if straight(e) {
                return vec![a, b];
            }
            if down(e) {
                let ((sx, tx), y) = (drop[k], lane_y[k]);
                return vec![
                    (sx, rects[e.from].y1),
                    (sx, y),
                    (tx, y),
                    (tx, rects[e.to].y0),
                ];
            }
            let (ra, rb) = (&rects[e.from], &rects[e.to]);
            if e.from == e.to {
                // A circle around a point inside the corner, from the top side to the right.
                let (cx, cy, r) = (ra.x1 - 4.0, ra.y0 + 4.0, 13.0);
                let (from, to) = (
                    std::f64::consts::PI - (4.0f64 / r).asin(),
                    -(4.0f64 / r).acos(),
                );
                return (0..=16)
                    .map(|s| {
                        let t = from + (to - from) * f64::from(s) / 16.0;
                        (cx + r * t.cos(), cy - r * t.sin())
                    })
                    .collect();
            }
            let (a, b) = (ra.center(), rb.center());
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len = dx.hypot(dy).max(1e-9);
            // Far enough from the straight line (the curve's middle, half the bow) to clear
            // the boxes of a row it runs along.
            let tall = (ra.y1 - ra.y0).max(rb.y1 - rb.y0);
            let bow = (0.3 * len).clamp(18.0, 120.0).max(tall + 24.0);
            let c = (
                (a.0 + b.0) / 2.0 + dy / len * bow,
                (a.1 + b.1) / 2.0 - dx / len * bow,
            );
            // Where the curve leaves the source's box and enters the target's (bisection).
            let cross = |mut inside: f64, mut outside: f64, r: &Rect| {
                for _ in 0..24 {
                    let m = (inside + outside) / 2.0;
                    if r.contains(bezier(a, c, b, m)) {
                        inside = m;
                    } else {
                        outside = m;
                    }
                }
                outside
            };
            let t0 = cross(0.0, 0.5, ra);
            let t1 = cross(1.0, 0.5, rb);
            (0..=20)
                .map(|s| bezier(a, c, b, t0 + (t1 - t0) * f64::from(s) / 20.0))
                .collect()
        })
        .collect()
}

/// Spreads the arrows on one side of each box over it: `sides[i]` the arrows on box `i`'s side,
/// ordered by `key`; returns (box, arrow, fraction of the way along the side) for each.
fn spread(sides: &mut [Vec<usize>], key: impl Fn(usize) -> f64) -> Vec<(usize, usize, f64)> {
    let mut out = Vec::new();
    for (i, side) in sides.iter_mut().enumerate() {
        side.sort_by(|&a, &b| key(a).total_cmp(&key(b)));
        let k = side.len() as f64 + 1.0;
        out.extend(
            side.iter()
                .enumerate()
                .map(|(j, &e)| (i, e, (j as f64 + 1.0) / k)),
        );
    }
    out
}

/// The point `frac` of the way along `path` (by length).
pub(super) fn along(path: &[(f64, f64)], frac: f64) -> (f64, f64) {
    let seg = |w: &[(f64, f64)]| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
    let total: f64 = path.windows(2).map(seg).sum();
    let mut left = total * frac;
    for w in path.windows(2) {
        let l = seg(w);
        if left <= l && l > 0.0 {
            let t = left / l;
            return (
                w[0].0 + (w[1].0 - w[0].0) * t,
                w[0].1 + (w[1].1 - w[0].1) * t,
            );
        }
        left -= l;
    }
    path.last().copied().unwrap_or_default()
}
