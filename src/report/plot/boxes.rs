//! What the diagrams (the service map, the state diagram) share: a box's rectangle in pixels,
//! and text shortened to fit a box.

/// A rectangle in pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    /// The rectangle of width `w` and height `h` centred on (`cx`, `cy`).
    pub fn around(cx: f64, cy: f64, w: f64, h: f64) -> Rect {
        Rect {
            x0: cx - w / 2.0,
            y0: cy - h / 2.0,
            x1: cx + w / 2.0,
            y1: cy + h / 2.0,
        }
    }

    pub fn center(&self) -> (f64, f64) {
        ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }

    /// Whether the point is strictly inside.
    pub fn contains(&self, (x, y): (f64, f64)) -> bool {
        x > self.x0 && x < self.x1 && y > self.y0 && y < self.y1
    }

    /// The area shared with `o`.
    pub fn overlap(&self, o: &Rect) -> f64 {
        let w = self.x1.min(o.x1) - self.x0.max(o.x0);
        let h = self.y1.min(o.y1) - self.y0.max(o.y0);
        if w > 0.0 && h > 0.0 { w * h } else { 0.0 }
    }

    /// The corners in whole pixels, for drawing.
    pub fn corners(&self) -> [(i32, i32); 2] {
        [
            (self.x0.round() as i32, self.y0.round() as i32),
            (self.x1.round() as i32, self.y1.round() as i32),
        ]
    }
}

/// `text`, shortened with "…" to at most `max_w` pixels as `measure` (text, font size) sizes
/// it.
pub fn fit_text(text: &str, size: u32, max_w: f64, measure: &dyn Fn(&str, u32) -> f64) -> String {
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

/// The boxes of each non-empty column, top to bottom, given each box's column (`column_of`)
/// and the arrows between boxes (`edges`: from, to): the first column in the boxes' order, the
/// others by the mean position of their sources in earlier columns (the barycenter heuristic:
/// fewer crossing arrows), boxes without such sources last, in order.
pub fn order_columns(column_of: &[usize], edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let n_cols = column_of.iter().max().map_or(0, |c| c + 1);
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); n_cols];
    for (i, &c) in column_of.iter().enumerate() {
        columns[c].push(i);
    }
    let mut pos = vec![0.0; column_of.len()];
    for (c, column) in columns.iter_mut().enumerate() {
        let key = |i: usize| {
            let (sum, n) = edges
                .iter()
                .filter(|e| e.1 == i && column_of[e.0] < c)
                .fold((0.0, 0.0), |(s, n), e| (s + pos[e.0], n + 1.0));
            if n > 0.0 { sum / n } else { f64::INFINITY }
        };
        let mut keyed: Vec<(f64, usize)> = column.iter().map(|&i| (key(i), i)).collect();
        // Stable: ties (and the first column, all without sources) keep their order.
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
        *column = keyed.into_iter().map(|k| k.1).collect();
        let len = column.len() as f64;
        for (r, &i) in column.iter().enumerate() {
            pos[i] = (r as f64 + 0.5) / len;
        }
    }
    columns.retain(|c| !c.is_empty());
    columns
}
