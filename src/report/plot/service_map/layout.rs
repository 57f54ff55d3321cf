//! Where the service map's boxes and arrows go: text fitted to the boxes, boxes placed in their
//! columns (split into sub-columns when one is too tall), and each arrow's ends on its boxes.

use super::*;

pub(super) use crate::report::plot::boxes::Rect;

/// The boxes at one font size: each node's rectangle and (possibly shortened) name, and
/// whether they fit the canvas with room for the arrows' labels.
pub(super) struct Placed {
    pub(super) font: u32,
    pub(super) names: Vec<String>,
    pub(super) rects: Vec<Rect>,
    /// Side-by-side columns of boxes (more than the layers when a layer is split).
    pub(super) columns: usize,
    pub(super) fits: bool,
}

pub(super) use crate::report::plot::boxes::fit_text;

/// The height of a box whose name is drawn at `font` points (its numbers one point smaller).
pub(super) fn box_height(font: u32) -> f64 {
    f64::from(2 * font + 15)
}

/// Places the boxes at `font` points: the columns left to right, each split into side-by-side
/// sub-columns when it has more boxes than fit in the height; boxes as wide as their
/// sub-column's widest text.
pub(super) fn place(map: &Map, font: u32, measure: &dyn Fn(&str, u32) -> f64) -> Placed {
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
pub(super) fn ports(map: &Map, rects: &[Rect]) -> Vec<((f64, f64), (f64, f64))> {
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
