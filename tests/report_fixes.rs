//! Reports that do not mislead: the Pareto frontier only among configurations that serve
//! enough (`max_unserved`), a run's summary as a table, by-parameter legends by value, the CDF
//! overlay saying what it leaves out, and an instances plot whose lines are told apart.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod common;
use common::{faasim, ok, temp_dir};

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The items of the `<ul id="ID">` list of a page (empty if it has none).
fn list(html: &str, id: &str) -> Vec<String> {
    let Some(i) = html.find(&format!("<ul id=\"{id}\">")) else {
        return Vec::new();
    };
    let rest = &html[i..];
    let body = &rest[..rest.find("</ul>").expect("the list ends")];
    body.split("<li>")
        .skip(1)
        .map(|s| unescape(&s[..s.find("</li>").expect("an item ends")]))
        .collect()
}

/// The text of every `<text>` element of an SVG file.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|s| {
            let body = &s[s.find('>').unwrap() + 1..s.find("</text>").unwrap()];
            unescape(body.trim())
        })
        .collect()
}

/// Per configuration of `comparison.csv`: each metric column by name.
fn comparison(dir: &Path) -> BTreeMap<String, BTreeMap<String, f64>> {
    let text = read(&dir.join("comparison.csv"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let metrics = header
                .iter()
                .zip(&cells)
                .skip(1)
                .filter_map(|(h, c)| c.parse().ok().map(|v| (h.to_string(), v)))
                .collect();
            (cells[0].to_string(), metrics)
        })
        .collect()
}

/// The fraction of a configuration's requests that ended without success (those still in
/// flight at the end are neither).
fn unserved(m: &BTreeMap<String, f64>) -> f64 {
    1.0 - (m["succeeded"] + m["in_flight"]) / m["requests"]
}

/// The configurations no other eligible one beats on both p99 and cost, among those with at
/// most `limit` of their requests unserved (the definition, not the code's sweep).
fn expected_front(rows: &BTreeMap<String, BTreeMap<String, f64>>, limit: f64) -> BTreeSet<String> {
    let ok: Vec<(&String, f64, f64)> = rows
        .iter()
        .filter(|(_, m)| unserved(m) <= limit)
        .map(|(n, m)| (n, m["p99_ms"], m["cost_per_million_usd"]))
        .collect();
    ok.iter()
        .filter(|a| {
            !ok.iter()
                .any(|b| b.1 <= a.1 && b.2 <= a.2 && (b.1 < a.1 || b.2 < a.2))
        })
        .map(|a| a.0.clone())
        .collect()
}

/// A function with a concurrency cap under Poisson load, and three configurations: one whose
/// cap of one throttles most requests (and so is the cheapest per million), two that serve all.
const BASE: &str = r#"
name = "cap"
[simulation]
duration = "3m"
warmup = "10s"
seed = 5
[[functions]]
name = "f"
duration = { dist = "exponential", mean = "200ms" }
timeout = "10s"
reserved_concurrency = 60
keep_alive = "1h"
[[workloads]]
function = "f"
arrivals = { process = "poisson", rate = 20 }
"#;

const SWEEP: &str = r#"
base = "base.toml"
replications = 2
[[configurations]]
name = "ample"
[[configurations]]
name = "big"
set = { "functions.f.memory_mb" = 2048 }
[[configurations]]
name = "tiny"
set = { "functions.f.reserved_concurrency" = 1 }
"#;

#[test]
fn a_configuration_that_serves_too_little_is_never_on_the_pareto_frontier() {
    let dir = temp_dir("report-fixes-pareto");
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    std::fs::write(dir.join("s.toml"), SWEEP).unwrap();
    ok(&faasim(&["sweep", "s.toml", "--out", "r", "--quiet"], &dir));
    let r = dir.join("r");
    let rows = comparison(&r);
    assert_eq!(rows.len(), 3, "{rows:?}");
    // The case this is about: the configuration that throttles most of its traffic is the
    // cheapest, so a frontier of cost and p99 alone would have it.
    let tiny = &rows["tiny"];
    assert!(unserved(tiny) > 0.5, "{tiny:?}");
    assert!(
        rows.values()
            .all(|m| m["cost_per_million_usd"] >= tiny["cost_per_million_usd"]),
        "{rows:?}"
    );
    assert!(expected_front(&rows, 1.0).contains("tiny"));
    // The page's frontier is the definition's, among those with at most 0.1 % unserved.
    let html = read(&r.join("index.html"));
    let front: BTreeSet<String> = list(&html, "pareto-frontier").into_iter().collect();
    assert_eq!(front, expected_front(&rows, 0.001), "{html}");
    assert!(!front.contains("tiny"), "{front:?}");
    assert!(!front.is_empty());
    let left_out = list(&html, "unserved");
    assert_eq!(left_out.len(), 1, "{left_out:?}");
    assert!(left_out[0].starts_with("tiny ("), "{left_out:?}");
    // The plot: tiny hollow and labelled with its share unserved, the legend saying why.
    let texts = svg_texts(&read(&r.join("pareto.svg")));
    let label = texts
        .iter()
        .find(|t| t.starts_with("tiny ("))
        .unwrap_or_else(|| panic!("no label of tiny in {texts:?}"));
    let pct: f64 = label["tiny (".len()..]
        .trim_end_matches(" % unserved)")
        .parse()
        .unwrap_or_else(|_| panic!("{label}"));
    assert!(
        (pct - unserved(tiny) * 100.0).abs() <= 0.01 * pct,
        "{label}: {tiny:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("hollow: more than 0.1 % of requests not served")),
        "{texts:?}"
    );
    // The CDF overlay (by default the frontier) says which configurations it shows.
    let note = format!(
        "{} of 3 configurations shown (the Pareto frontier); set `cdf` to choose",
        front.len()
    );
    let cdf_texts = svg_texts(&read(&r.join("latency_cdfs.svg")));
    assert!(cdf_texts.contains(&note), "{cdf_texts:?}");
    for name in &front {
        assert!(cdf_texts.contains(name), "{name}: {cdf_texts:?}");
    }
    assert!(!cdf_texts.contains(&"tiny".to_string()), "{cdf_texts:?}");
    assert!(html.contains(&note), "{html}");
    // With every configuration allowed, the cheapest is on the frontier again.
    std::fs::write(
        dir.join("s.toml"),
        SWEEP.replace("replications = 2", "replications = 2\nmax_unserved = 1"),
    )
    .unwrap();
    ok(&faasim(
        &["sweep", "s.toml", "--out", "all", "--quiet", "--no-plots"],
        &dir,
    ));
    let all = comparison(&dir.join("all"));
    let front: BTreeSet<String> = list(&read(&dir.join("all/index.html")), "pareto-frontier")
        .into_iter()
        .collect();
    assert_eq!(front, expected_front(&all, 1.0));
    assert!(front.contains("tiny"), "{front:?}");
}

#[test]
fn max_unserved_out_of_range_exits_2_naming_the_key() {
    let dir = temp_dir("report-fixes-max-unserved");
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    for (value, good) in [
        ("1.5", false),
        ("-0.1", false),
        ("nan", false),
        ("inf", false),
        ("0", true),
        ("1", true),
        ("0.05", true),
    ] {
        std::fs::write(
            dir.join("s.toml"),
            format!("base = \"base.toml\"\nmax_unserved = {value}\n"),
        )
        .unwrap();
        let o = faasim(&["validate", "s.toml"], &dir);
        let err = String::from_utf8_lossy(&o.stderr);
        if good {
            assert!(o.status.success(), "{value}: {err}");
        } else {
            assert_eq!(o.status.code(), Some(2), "{value}: {err}");
            assert!(
                err.contains("max_unserved") && err.contains("s.toml"),
                "{value}: {err}"
            );
            let o = faasim(&["sweep", "s.toml", "--out", "o", "--quiet"], &dir);
            assert_eq!(o.status.code(), Some(2), "{value}");
            assert!(String::from_utf8_lossy(&o.stderr).contains("max_unserved"));
        }
    }
}

/// The `<td>` cells of each row of a piece of a page.
fn table_rows(html: &str) -> Vec<Vec<String>> {
    html.split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<td>")
                .skip(1)
                .map(|c| unescape(&c[..c.find("</td>").unwrap()]))
                .collect::<Vec<String>>()
        })
        .filter(|r| !r.is_empty())
        .collect()
}

#[test]
fn a_run_page_shows_its_summary_as_a_table_with_every_value() {
    let dir = temp_dir("report-fixes-run");
    let scenario = r#"
name = "two"
[simulation]
duration = "2m"
seed = 3
[[functions]]
name = "a<b>&c"
duration = { dist = "exponential", mean = "100ms" }
reserved_concurrency = 1
[[functions]]
name = "other"
duration = { dist = "exponential", mean = "50ms" }
[[workloads]]
function = "a<b>&c"
arrivals = { process = "poisson", rate = 15 }
[[workloads]]
function = "other"
arrivals = { process = "poisson", rate = 5 }
"#;
    std::fs::write(dir.join("two.toml"), scenario).unwrap();
    let o = faasim(&["run", "two.toml", "--out", "out", "--no-plots"], &dir);
    ok(&o);
    let html = read(&dir.join("out/index.html"));
    let start = html.find("<h2>Summary</h2>").expect("a summary");
    let end = start + 1 + html[start + 1..].find("<h2>").expect("a next section");
    let section = &html[start..end];
    assert!(!section.contains("<pre"), "{section}");
    assert!(section.contains("<table"), "{section}");
    assert!(section.contains("<td>a&lt;b&gt;&amp;c</td>"), "{section}");
    // Each row holds the numbers of the printed table's row, cell for cell.
    let stdout = String::from_utf8_lossy(&o.stdout);
    let rows = table_rows(section);
    assert_eq!(rows.len(), 3, "{rows:?}");
    for row in &rows {
        assert_eq!(row.len(), 16, "{row:?}");
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{:<16} ", row[0])))
            .unwrap_or_else(|| panic!("no row {} in {stdout}", row[0]));
        let numbers: String = line.chars().skip(16).collect();
        let printed: Vec<&str> = numbers.split_whitespace().collect();
        assert_eq!(printed, row[1..].to_vec(), "{line}");
    }
    // And the totals of summary.json.
    let summary: serde_json::Value =
        serde_json::from_str(&read(&dir.join("out/summary.json"))).unwrap();
    let total = rows
        .iter()
        .find(|r| r[0] == "all functions")
        .expect("totals");
    assert_eq!(total[1], summary["requests"].to_string());
    assert_eq!(total[4], summary["outcomes"]["throttled"].to_string());
    assert!(summary["outcomes"]["throttled"].as_u64().unwrap() > 0);
}

/// Two functions' memory as a grid: the legends say which function's memory.
#[test]
fn by_parameter_legends_show_values_and_one_parameter_is_one_line() {
    let dir = temp_dir("report-fixes-by-param");
    let base = r#"
name = "pair"
[simulation]
duration = "1m"
seed = 2
[[functions]]
name = "a"
duration = { dist = "exponential", mean = "100ms" }
[[functions]]
name = "b"
duration = { dist = "exponential", mean = "100ms" }
[[workloads]]
function = "a"
arrivals = { process = "poisson", rate = 5 }
[[workloads]]
function = "b"
arrivals = { process = "poisson", rate = 5 }
"#;
    std::fs::write(dir.join("base.toml"), base).unwrap();
    std::fs::write(
        dir.join("two.toml"),
        "base = \"base.toml\"\n[grid]\n\"functions.a.memory_mb\" = [512, 1024]\n\"functions.b.memory_mb\" = [256, 512]\n",
    )
    .unwrap();
    ok(&faasim(
        &["sweep", "two.toml", "--out", "two", "--quiet"],
        &dir,
    ));
    for (plot, other, values) in [
        ("by_functions_a_memory_mb.svg", "b", ["256", "512"]),
        ("by_functions_b_memory_mb.svg", "a", ["512", "1024"]),
    ] {
        let texts = svg_texts(&read(&dir.join("two").join(plot)));
        for v in values {
            let label = format!("{other}.memory_mb={v}");
            assert!(texts.contains(&label), "{plot}: {label} not in {texts:?}");
        }
    }
    // One parameter: one line through its three values, no legend of key names.
    std::fs::write(
        dir.join("one.toml"),
        "base = \"base.toml\"\n[grid]\n\"functions.a.memory_mb\" = [512, 1024, 2048]\n",
    )
    .unwrap();
    ok(&faasim(
        &["sweep", "one.toml", "--out", "one", "--quiet"],
        &dir,
    ));
    let svg = read(&dir.join("one/by_functions_a_memory_mb.svg"));
    let lines: Vec<usize> = svg
        .split("<polyline")
        .skip(1)
        .filter(|p| p.contains("stroke-width=\"2\""))
        .map(|p| {
            let pts = &p[p.find("points=\"").unwrap() + 8..];
            pts[..pts.find('"').unwrap()].split_whitespace().count()
        })
        .collect();
    assert!(lines.contains(&3), "{lines:?}");
    let texts = svg_texts(&svg);
    let key = texts
        .iter()
        .filter(|t| *t == "functions.a.memory_mb")
        .count();
    // The axis of each of the four panels names the parameter; no legend repeats it.
    assert!(key <= 4, "{key}: {texts:?}");
}

/// An Auto Scaling group with a warm pool that scales out.
const ASG: &str = r#"
name = "pool"
[simulation]
duration = "1h30m"
warmup = "30m"
sample_interval = "30s"
seed = 3
[[functions]]
name = "web"
platform = "asg"
timeout = "30s"
duration = { dist = "exponential", mean = "100ms" }
[functions.asg]
instance_type = "m5.large"
slots = 4
min = 4
max = 40
desired = 4
queue_length = 100000
queue_timeout = "30s"
policies = [{ type = "target_tracking", name = "cpu-50", metric = "cpu", target = 50 }]
warm_pool = { pool_state = "stopped", max_group_prepared_capacity = 16 }
[[workloads]]
function = "web"
arrivals = { process = "poisson", rate = 40 }
[[workloads]]
name = "morning"
function = "web"
arrivals = { process = "poisson", rate = 140, start = "1h" }
"#;

/// `#RRGGBB` as numbers.
fn rgb(hex: &str) -> [f64; 3] {
    let v = |i: usize| u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap() as f64;
    [v(0), v(1), v(2)]
}

#[test]
fn the_instances_plot_tells_every_line_apart() {
    let dir = temp_dir("report-fixes-asg");
    std::fs::write(dir.join("pool.toml"), ASG).unwrap();
    ok(&faasim(
        &["run", "pool.toml", "--out", "out", "--quiet"],
        &dir,
    ));
    let svg = read(&dir.join("out/instances.svg"));
    // The legend: its labels (text at one x) and, left of each, its sample's colour.
    let mut labels: Vec<(String, f64, f64)> = Vec::new();
    for t in svg.split("<text").skip(1) {
        let attr = |name: &str| -> f64 {
            let a = &t[t.find(&format!(" {name}=\"")).unwrap() + name.len() + 3..];
            a[..a.find('"').unwrap()].parse().unwrap()
        };
        let body = t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].trim();
        labels.push((body.to_string(), attr("x"), attr("y")));
    }
    let (_, lx, _) = labels
        .iter()
        .find(|l| l.0 == "warm pool")
        .expect("a warm pool in the legend")
        .clone();
    let legend: Vec<&(String, f64, f64)> = labels.iter().filter(|l| l.1 == lx).collect();
    let mut colour: BTreeMap<String, String> = BTreeMap::new();
    for p in svg.split("<polyline").skip(1) {
        let stroke = &p[p.find("stroke=\"").unwrap() + 8..];
        let stroke = &stroke[..7];
        let pts = &p[p.find("points=\"").unwrap() + 8..];
        let xy: Vec<(f64, f64)> = pts[..pts.find('"').unwrap()]
            .split_whitespace()
            .map(|q| {
                let (x, y) = q.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        let in_legend = xy.iter().all(|&(x, _)| x < lx && x > lx - 40.0);
        if let Some(l) = legend
            .iter()
            .find(|l| in_legend && xy.iter().all(|&(_, y)| y >= l.2 - 2.0 && y < l.2 + 17.0))
        {
            colour.entry(l.0.clone()).or_insert(stroke.to_string());
        }
    }
    for name in [
        "warm pool",
        "scaling activity",
        "EC2 desired",
        "EC2 in service",
    ] {
        assert!(colour.contains_key(name), "{name}: {colour:?}");
    }
    // Every two lines far apart in colour (not two greys a few shades apart).
    let names: Vec<&String> = colour.keys().collect();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let (x, y) = (rgb(&colour[*a]), rgb(&colour[*b]));
            let d = (0..3).map(|k| (x[k] - y[k]).powi(2)).sum::<f64>().sqrt();
            assert!(d >= 60.0, "{a} {} and {b} {}: {d}", colour[*a], colour[*b]);
        }
    }
}
