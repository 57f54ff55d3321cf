//! The documentation keeps up with the code: every key the scenario and sweep parsers accept is
//! described in docs/scenario-reference.md, and every scenario file is in the catalogue.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn schema(args: &[&str]) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_faasim"))
        .arg("schema")
        .args(args)
        .output()
        .expect("faasim runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("the schema is JSON")
}

/// Every property name anywhere in a JSON Schema (its root, its definitions, its variants).
fn keys(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::Object(props)) = m.get("properties") {
                out.extend(props.keys().cloned());
            }
            for x in m.values() {
                keys(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

#[test]
fn every_parser_key_is_in_the_scenario_reference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/scenario-reference.md")).unwrap();
    let mut all = BTreeSet::new();
    keys(&schema(&[]), &mut all);
    let scenario_keys = all.len();
    keys(&schema(&["--sweep"]), &mut all);
    // A sanity floor: the walk finds the keys (the format has well over a hundred).
    assert!(scenario_keys > 100, "only {scenario_keys} keys found");
    for k in [
        "keep_alive",
        "provisioned_scaling",
        "warm_pool",
        "replications",
        "grid",
    ] {
        assert!(all.contains(k), "the schema lacks {k}");
    }
    let missing: Vec<&String> = all
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "keys accepted by the parser but not described in docs/scenario-reference.md: {missing:?}"
    );
}

#[test]
fn every_scenario_file_is_in_the_catalogue() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalogue = std::fs::read_to_string(root.join("scenarios/README.md")).unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(root.join("scenarios")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".toml") {
            n += 1;
            assert!(
                catalogue.contains(&format!("`{name}`")),
                "scenarios/{name} is not in scenarios/README.md"
            );
        }
    }
    assert!(n >= 20, "{n} scenario files");
}
