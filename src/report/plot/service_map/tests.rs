//! Tests of the service map: its layering, and what it draws.

use super::graph::layers;
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
        workflows: Named(Vec::new()),
        alarms: Named(Vec::new()),
    }
}

/// A fresh, empty directory for one test's files.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("faasim-service-map-{}-{name}", std::process::id()));
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
