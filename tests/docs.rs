//! The documentation keeps up with the code: every key the scenario and sweep parsers accept is
//! described in docs/scenario-reference.md, every scenario file is in the catalogue, and every
//! source cited anywhere is defined in docs/sources.md.

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

/// The text files the citation checks read, as paths from the repository root: the files git
/// tracks (outside `target/`), or, without git, the documentation, code, scenario, test and
/// notebook folders and the README.
fn project_files(root: &Path) -> Vec<String> {
    let tracked = Command::new("git")
        .arg("ls-files")
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|p| !p.starts_with("target/"))
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if !tracked.is_empty() {
        return tracked;
    }
    fn walk(root: &Path, dir: &str, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            return;
        };
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let rel = format!("{dir}/{name}");
            if root.join(&rel).is_dir() {
                walk(root, &rel, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = vec!["README.md".to_string()];
    for dir in [
        "docs",
        "src",
        "sim-core/src",
        "scenarios",
        "tests",
        "notebooks",
    ] {
        walk(root, dir, &mut out);
    }
    out
}

/// The source numbers a citation list names, from just after `docs/sources.md:`: `S4, S6`, with
/// ranges such as `S8–S11` expanded.
fn cited_list(text: &str) -> Vec<u32> {
    fn number(s: &str) -> Option<(u32, &str)> {
        let s = s.strip_prefix('S')?;
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        Some((s[..end].parse().ok()?, &s[end..]))
    }
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while let Some((first, after)) = number(rest) {
        let (last, after) = match after.strip_prefix('–').and_then(number) {
            Some((last, after)) => (last, after),
            None => (first, after),
        };
        out.extend(first..=last.max(first));
        match after.strip_prefix(", ") {
            Some(next) if next.starts_with('S') => rest = next,
            _ => break,
        }
    }
    out
}

#[test]
fn no_file_cites_the_old_platform_reference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Built from parts, so that this file does not match itself.
    let needles = [["PLATFORM", ".md"].concat(), ["PLATFORM", " §"].concat()];
    let files = project_files(root);
    assert!(files.len() > 50, "only {} files found", files.len());
    let mut found = Vec::new();
    for file in &files {
        let Ok(bytes) = std::fs::read(root.join(file)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (i, line) in text.lines().enumerate() {
            if needles.iter().any(|n| line.contains(n.as_str())) {
                found.push(format!("{file}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "citations of a file users do not have; cite docs/sources.md instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_cited_source_is_in_docs_sources() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = std::fs::read_to_string(root.join("docs/sources.md")).unwrap();
    // Each source is an anchor `<a id="sN"></a>` followed by its heading `### SN. Title`.
    let anchors: BTreeSet<u32> = sources
        .split("<a id=\"s")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    let headings: BTreeSet<u32> = sources
        .lines()
        .filter_map(|l| l.strip_prefix("### S")?.split('.').next()?.parse().ok())
        .collect();
    assert!(anchors.len() >= 35, "only {} sources", anchors.len());
    assert_eq!(
        anchors, headings,
        "every source needs an anchor and a heading"
    );

    let mut cited = 0;
    let mut missing = Vec::new();
    for file in project_files(root) {
        let Ok(bytes) = std::fs::read(root.join(&file)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (i, line) in text.lines().enumerate() {
            let mut ids = Vec::new();
            // Markdown links: sources.md#s4 (and #s4 within docs/sources.md itself).
            let link = if file == "docs/sources.md" {
                "](#s"
            } else {
                "sources.md#s"
            };
            // Other anchors (#slas, #sources) have no number and are not source links.
            for part in line.split(link).skip(1) {
                let end = part
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(part.len());
                ids.extend(part[..end].parse::<u32>());
            }
            // Comments: (docs/sources.md: S4, S6). A mention of the file without a list of
            // sources after it is not a citation.
            for part in line.split("docs/sources.md:").skip(1) {
                ids.extend(cited_list(part));
            }
            cited += ids.len();
            for n in ids {
                if !anchors.contains(&n) {
                    missing.push(format!("{file}:{}: S{n}", i + 1));
                }
            }
        }
    }
    // A sanity floor: the documentation cites sources hundreds of times.
    assert!(cited > 100, "only {cited} citations found");
    assert!(
        missing.is_empty(),
        "citations of sources that docs/sources.md does not define:\n{}",
        missing.join("\n")
    );
}
