//! Tests of the state diagram: its layering, and what it draws.

use super::*;
use sim_core::metrics::{EdgeMetrics, Metrics, Named, StateMetrics};

fn state(name: &str, kind: &'static str, entered: u64) -> StateMetrics {
    StateMetrics {
        name: name.into(),
        kind,
        entered,
        attempts: if kind == "Task" { entered } else { 0 },
        ..StateMetrics::default()
    }
}

fn edge(from: &str, to: &str, catch: bool, count: u64) -> EdgeMetrics {
    EdgeMetrics {
        from: from.into(),
        to: to.into(),
        catch,
        count,
    }
}

fn summary(workflows: Vec<(String, WorkflowMetrics)>) -> Summary {
    Summary {
        scenario: "flow".into(),
        seed: 1,
        simulated_s: 70.0,
        measured_s: 60.0,
        total: Metrics::default(),
        functions: Named(Vec::new()),
        traces: Vec::new(),
        services: Named(Vec::new()),
        calls: Vec::new(),
        workflows: Named(workflows),
        alarms: Named(Vec::new()),
    }
}

/// An order workflow: a polling cycle (Wait → Check → Ready? → Wait), a Catch to a handler,
/// and the start state listed after others.
fn orders() -> WorkflowMetrics {
    WorkflowMetrics {
        kind: "standard",
        executions: Executions {
            started: 1000,
            succeeded: 930,
            caught: 40,
            failed: 20,
            timed_out: 5,
            throttled: 3,
            in_flight: 2,
        },
        transitions: 9876,
        states: vec![
            StateMetrics {
                retries: 17,
                failures: 61,
                caught: 40,
                ..state("Charge", "Task", 1013)
            },
            state("Validate", "Task", 1000),
            state("WaitForBank", "Wait", 2500),
            state("CheckBank", "Task", 2500),
            state("BankReady", "Choice", 2500),
            state("Refund", "Task", 40),
            state("Done", "Succeed", 930),
            state("Failed", "Fail", 20),
        ],
        edges: vec![
            edge("Validate", "WaitForBank", false, 1000),
            edge("WaitForBank", "CheckBank", false, 2500),
            edge("CheckBank", "BankReady", false, 2500),
            edge("BankReady", "WaitForBank", false, 1507),
            edge("BankReady", "Charge", false, 993),
            edge("Charge", "Done", false, 931),
            edge("Charge", "Refund", true, 41),
            edge("Charge", "Failed", false, 21),
            edge("Refund", "Done", false, 39),
        ],
        ..WorkflowMetrics::default()
    }
}

/// A fresh, empty directory for one test's files.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "faasim-state-diagram-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn state_diagram_layers_by_longest_distance_and_survives_cycles() {
    // 0 → 1 → 2 → 3 → 1 (a cycle), 0 → 3, 3 =catch=> 4, and 5 ⇄ 6 that nothing reaches.
    let edges = [
        (0, 1, false),
        (1, 2, false),
        (2, 3, false),
        (3, 1, false),
        (0, 3, false),
        (3, 4, true),
        (5, 6, false),
        (6, 5, false),
    ];
    assert_eq!(layers(7, &edges), vec![0, 1, 2, 3, 4, 0, 1]);
    // A start listed last still comes first; a self-loop does not make a state a non-start.
    assert_eq!(
        layers(3, &[(2, 0, false), (0, 1, false), (2, 2, true)]),
        vec![1, 2, 0]
    );
    // Everything in one cycle: from the first state.
    assert_eq!(
        layers(3, &[(0, 1, false), (1, 2, false), (2, 0, false)]),
        vec![0, 1, 2]
    );
}

#[test]
fn state_diagram_draws_each_workflow_into_png_and_svg() {
    let w = orders();
    let s = summary(vec![("orders".into(), w.clone())]);
    let dir = temp_dir("draws");
    let files = state_diagram(&dir, "shop", &s).unwrap();
    assert_eq!(
        files,
        vec![
            dir.join("state_diagram_orders.png"),
            dir.join("state_diagram_orders.svg")
        ]
    );
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() > 0, "{}", f.display());
    }
    let decoder = png::Decoder::new(std::fs::File::open(&files[0]).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (W, H));
    assert!(
        buf[..info.buffer_size()].iter().any(|&b| b < 200),
        "all white"
    );

    let svg = std::fs::read_to_string(&files[1]).unwrap();
    for st in &w.states {
        assert!(svg.contains(&st.name), "{} missing from the SVG", st.name);
    }
    for e in &w.edges {
        let label = e.count.to_string();
        assert!(
            svg.lines().any(|l| l.trim() == label),
            "count of {} → {} missing",
            e.from,
            e.to
        );
    }
    for text in ["retries 17", "failures 61", "caught 40", "entered 1013"] {
        assert!(svg.contains(text), "{text} missing");
    }
    for text in [
        "succeeded 930",
        "caught 40",
        "failed 20",
        "timed out 5",
        "throttled 3",
    ] {
        assert!(svg.contains(text), "legend: {text} missing");
    }
    assert!(
        svg.contains("rgb(200,30,30)") || svg.contains("#C81E1E"),
        "no red Catch"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn state_diagram_places_layers_left_to_right_and_the_catch_target_after_its_source() {
    let d = build("orders", &orders(), 60.0);
    let col = |name: &str| {
        let i = d.nodes.iter().position(|n| n.name == name).unwrap();
        d.columns.iter().position(|c| c.contains(&i)).unwrap()
    };
    assert_eq!(col("Validate"), 0, "the start, though listed second");
    assert_eq!(col("WaitForBank"), 1);
    assert_eq!(
        col("BankReady"),
        3,
        "the back edge to WaitForBank is left out"
    );
    assert_eq!(col("Charge"), 4);
    assert_eq!(col("Refund"), 5, "reached only through the Catch");
    assert_eq!(col("Done"), 6, "after Refund: the longest distance");
    assert_eq!(col("Failed"), 5);
}

#[test]
fn state_diagram_without_workflows_writes_nothing() {
    let dir = temp_dir("nothing");
    let files = state_diagram(&dir, "none", &summary(vec![])).unwrap();
    assert_eq!(files, Vec::<PathBuf>::new());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn state_diagram_of_a_huge_workflow_draws_at_most_the_cap() {
    // 100 states in a chain, each entered as often as its number: the 30 last drawn.
    let names: Vec<String> = (0..100).map(|i| format!("S{i:03}")).collect();
    let w = WorkflowMetrics {
        kind: "express",
        states: names
            .iter()
            .enumerate()
            .map(|(i, n)| state(n, "Pass", i as u64 + 1))
            .collect(),
        edges: names
            .windows(2)
            .map(|p| edge(&p[0], &p[1], false, 5))
            .collect(),
        ..WorkflowMetrics::default()
    };
    let d = build("long", &w, 60.0);
    assert_eq!(d.nodes.len(), MAX_STATES);
    assert_eq!(d.left_out, 100 - MAX_STATES);
    assert_eq!(d.edges.len(), MAX_STATES - 1);
    assert_eq!(d.columns.len(), MAX_STATES, "empty layers dropped");
    let s = summary(vec![("long".into(), w)]);
    let dir = temp_dir("huge");
    let files = state_diagram(&dir, "huge", &s).unwrap();
    assert_eq!(files.len(), 2);
    let svg = std::fs::read_to_string(&files[1]).unwrap();
    let drawn = names.iter().filter(|n| svg.contains(n.as_str())).count();
    assert!(drawn <= MAX_STATES, "{drawn} states drawn");
    assert!(svg.contains("S099") && !svg.contains("S069"));
    assert!(svg.contains("70 left out"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn state_diagram_file_names_are_safe() {
    assert_eq!(file_safe("orders-v2.1"), "orders-v2.1");
    assert_eq!(file_safe("a/b c"), "a_b_c");
    assert_eq!(file_safe(".."), "_..");
}
