//! What the service map shows: its nodes (APIs, functions, tables, dependencies) with their
//! numbers, its edges (routes and calls) with their labels, and each node's column, built from a
//! run's summary.

use super::*;

/// What a node of the map is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Api,
    Function,
    Table,
    Dependency,
}

impl Kind {
    pub(super) const ALL: [Kind; 4] = [Kind::Api, Kind::Function, Kind::Table, Kind::Dependency];

    pub(super) fn fill(self) -> RGBColor {
        match self {
            Kind::Api => RGBColor(222, 206, 240),
            Kind::Function => RGBColor(255, 222, 173),
            Kind::Table => RGBColor(198, 219, 239),
            Kind::Dependency => RGBColor(204, 235, 197),
        }
    }

    pub(super) fn border(self) -> RGBColor {
        match self {
            Kind::Api => RGBColor(120, 80, 170),
            Kind::Function => RGBColor(205, 125, 20),
            Kind::Table => RGBColor(50, 110, 170),
            Kind::Dependency => RGBColor(60, 140, 60),
        }
    }

    pub(super) fn legend(self) -> &'static str {
        match self {
            Kind::Api => "API Gateway API",
            Kind::Function => "Lambda function",
            Kind::Table => "DynamoDB table",
            Kind::Dependency => "dependency",
        }
    }
}

/// A box: its name, its line of numbers, and its traffic a second (to keep the busiest).
pub(super) struct Node {
    pub(super) name: String,
    pub(super) kind: Kind,
    pub(super) stats: String,
    pub(super) busy: f64,
}

/// An arrow between two nodes (indices into the nodes).
pub(super) struct Edge {
    pub(super) from: usize,
    pub(super) to: usize,
    /// The rate (with the retry amplification), and the failed or throttled ratio if any: on
    /// one line, or two where the arrow is short.
    pub(super) label: (String, Option<String>),
    /// A failed or throttled ratio above 1 %: drawn red.
    pub(super) alarm: bool,
    /// An async call: drawn dashed.
    pub(super) dashed: bool,
    /// Calls (or forwarded requests) a second: the arrow's thickness.
    pub(super) rate: f64,
}

/// What the plot draws: nodes and edges, the nodes' columns in drawing order (top to bottom),
/// and the nodes left out.
pub(super) struct Map {
    pub(super) nodes: Vec<Node>,
    pub(super) edges: Vec<Edge>,
    pub(super) columns: Vec<Vec<usize>>,
    pub(super) left_out: usize,
    pub(super) measured_s: f64,
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
pub(super) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// A rate a second, short: `1.2k`, `340`, `12.5`, `0.25`.
pub(super) fn rate(v: f64) -> String {
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
pub(super) fn pct(r: f64) -> String {
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
pub(super) fn build(s: &Summary, routes: &[(String, String)]) -> Map {
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
pub(super) fn order(cols: &[usize], edges: &[Edge]) -> Vec<Vec<usize>> {
    let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.from, e.to)).collect();
    crate::report::plot::boxes::order_columns(cols, &pairs)
}
