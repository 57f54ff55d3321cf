//! Structural checks that keep the code base honest. They read the source and documentation
//! files themselves (std only), so they follow files as they are renamed, split or moved.
//!
//! 1. **No import loop between modules** (`no_import_loop_between_top_level_modules`,
//!    `no_import_loop_between_submodules`). A loop between modules means none of them can be
//!    understood, tested or moved without the others. For each crate (`sim-core/src`, `src`):
//!    - a file's module path comes from where it is: `sim/lambda/mod.rs` is `sim::lambda`,
//!      `trace/rows.rs` is `trace::rows`, `lib.rs` and `main.rs` are the crate root; files
//!      under `src/bin/` are separate crates and are skipped;
//!    - comments, string and character literals are blanked first, so doc links such as
//!      [`crate::trace`] and text in strings make no edges;
//!    - the item that follows each `#[cfg(test)]` attribute (a `mod tests { … }`, a function,
//!      a `use`) is blanked by matching its braces, and a file loaded by `#[cfg(test)] mod x;`
//!      is skipped: test code may reach anywhere;
//!    - every `crate::` path in what is left is an edge: `use` lines (`pub use`, `pub(crate)
//!      use`, grouped and nested lists such as `use crate::{a::X, b::{c, d}}` over several
//!      lines) and paths written inline in code (`crate::a::f()`). `super::` and `self::` paths
//!      are not followed: a parent and its children may use each other;
//!    - the modules are those that have a file; a path whose first segment is not one of them
//!      (`crate::Scenario`, an item of the crate root) makes no edge, nor do edges from the
//!      crate root (it declares and re-exports everything), nor self-edges;
//!    - level 1: edges reduced to the top-level modules of the crate (`sim`, `scenario`,
//!      `trace`, …); level 2: inside each top-level module with submodule files, edges
//!      written `crate::top::a…` from a file of `top::b`, reduced to `b → a`.
//!
//!    A failure prints each loop (`scenario → trace → sim → scenario`) with the lines that make
//!    each of its edges.
//!
//! 2. **Every file path named in `docs/architecture.md` exists**
//!    (`architecture_md_names_only_existing_files`), so the map of the code cannot silently go
//!    stale when files move. The rules, implemented by `paths_named` and `find`:
//!    - fenced code blocks (command lines, diagrams) are skipped;
//!    - Markdown link targets are paths relative to the Markdown file (`model.md#anchor` is
//!      `docs/model.md`); URLs (anything with a `:`) and pure anchors are ignored;
//!    - an inline code span is a path when it is made only of letters, digits, `_`, `-`, `.`
//!      and `/` (so globs `*`, placeholders `<name>`, command lines with spaces and Rust paths
//!      `a::b` are not), does not start with `-` or `/`, and either contains a `/` or is a bare
//!      file name ending in `.rs`, `.md`, `.toml`, `.py`, `.sh` or `.ipynb`. Not paths: spans
//!      with an all-capital segment (placeholders such as `DIR/`, `env/N`), rates such as
//!      `elem/s` (two segments, the second a time unit), `a.png/.svg` (one name, two formats),
//!      and bare `.csv` names (`results.csv`, `events.csv`: files faasim writes into a report
//!      folder, not files of the repository; a `.csv` with a folder, `traces/x.csv`, is checked);
//!    - the folder in context of a line is the one named by the first cell of its table row
//!      (a code span that is a folder, `tests/`, or a package, `sim-core`), or else by the
//!      nearest enclosing heading: a heading whose first word is a package (`### sim-core`,
//!      `### faasim (root package)`) names that package's source folder, and a heading with a
//!      code span ending in `/` names that folder;
//!    - a path with a `/` exists if it is found under the folder in context, the repository
//!      root, the Markdown file's folder or a crate's source folder (`sim/queues.rs` under
//!      `### sim-core`, `tests/cli.rs` anywhere);
//!    - a bare file name exists if it is at the repository root or beside the Markdown file, or
//!      anywhere below the folder in context (`engine.rs` in the `benches/` row is
//!      `benches/engine.rs`, under `### sim-core` any `sim-core/src/**/engine.rs`); with no
//!      folder in context, anywhere in the repository (`sim-core/src` and `src` first; `target/`
//!      and `.git/` skipped), as in "the scenario `provisioned-diurnal.toml`".
//!
//!    A failure lists every missing path at once, with its line and where it was looked for.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

/// The workspace's packages and their source folders, relative to the repository root.
const PACKAGES: &[(&str, &str)] = &[("sim-core", "sim-core/src"), ("faasim", "src")];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// 1. No import loop between modules
// ---------------------------------------------------------------------------------------------

/// One Rust file of a crate, with comments, literals and test code blanked.
struct SourceFile {
    /// Path relative to the repository root, for messages.
    shown: String,
    /// Module path inside the crate (empty for the crate root).
    module: Vec<String>,
    /// The code, the same lines as the file.
    code: String,
}

/// A dependency of one module on another, and where it is written.
type Edges = BTreeMap<(String, String), Vec<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `sim/lambda/mod.rs` → `[sim, lambda]`, `trace/rows.rs` → `[trace, rows]`, `lib.rs` → `[]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.strip_suffix(".rs").unwrap_or(&last).to_string();
    let at_root = parts.is_empty();
    if !(stem == "mod" || (at_root && (stem == "lib" || stem == "main"))) {
        parts.push(stem);
    }
    parts
}

/// Reads a crate's files, skipping `src/bin/` and files of `#[cfg(test)] mod x;` modules.
fn read_crate(src_dir: &str) -> Vec<SourceFile> {
    let root = repo().join(src_dir);
    let mut paths = Vec::new();
    rust_files(&root, &mut paths);
    let mut files = Vec::new();
    let mut test_modules = BTreeSet::new();
    for p in paths {
        let relative = p.strip_prefix(&root).unwrap();
        if relative.starts_with("bin") {
            continue;
        }
        let module = module_path(relative);
        let text = fs::read_to_string(&p).unwrap();
        let (code, out_of_line_tests) = blank_test_items(&blank_comments_and_literals(&text));
        for name in out_of_line_tests {
            let mut m = module.clone();
            m.push(name);
            test_modules.insert(m);
        }
        files.push(SourceFile {
            shown: format!("{src_dir}/{}", relative.display()),
            module,
            code,
        });
    }
    files.retain(|f| !test_modules.iter().any(|t| f.module.starts_with(t)));
    files
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Replaces comments and the contents of string and character literals by spaces, keeping
/// every newline, so what is left is code with the same line numbers.
fn blank_comments_and_literals(src: &str) -> String {
    let s: Vec<char> = src.chars().collect();
    let mut out = s.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in &mut out[from..to.min(s.len())] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let mut i = 0;
    while i < s.len() {
        let prev_ident = i > 0 && is_ident(s[i - 1]);
        let next = s.get(i + 1).copied();
        if s[i] == '/' && next == Some('/') {
            let end = s[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(s.len(), |n| i + n);
            blank(&mut out, i, end);
            i = end;
        } else if s[i] == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < s.len() && depth > 0 {
                if s[j] == '/' && s.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if s[j] == '*' && s.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if s[i] == 'r'
            && (!prev_ident || (i >= 2 && s[i - 1] == 'b' && !is_ident(s[i - 2])))
            && matches!(next, Some('"' | '#'))
        {
            // A raw string r"…", r#"…"#, br"…"; `r#ident` is a raw identifier.
            let hashes = s[i + 1..].iter().take_while(|&&c| c == '#').count();
            if s.get(i + 1 + hashes) != Some(&'"') {
                i += 1;
                continue;
            }
            let body = i + 2 + hashes;
            let mut j = body;
            while j < s.len()
                && !(s[j] == '"'
                    && s[j + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == '#')
                        .count()
                        == hashes)
            {
                j += 1;
            }
            blank(&mut out, body, j);
            i = j + 1 + hashes;
        } else if s[i] == '"' {
            let mut j = i + 1;
            while j < s.len() && s[j] != '"' {
                j += if s[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i + 1, j);
            i = j + 1;
        } else if s[i] == '\'' && (next == Some('\\') || s.get(i + 2) == Some(&'\'')) {
            // A character literal ('x', '\n', '\''); otherwise a lifetime or a label.
            let mut j = i + 1;
            if s[j] == '\\' {
                j += 2;
            }
            while j < s.len() && s[j] != '\'' {
                j += 1;
            }
            blank(&mut out, i + 1, j);
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out.into_iter().collect()
}

/// Blanks the item after each `#[cfg(test)]` (up to its `;` or through its braces), and
/// returns the names of the modules declared `#[cfg(test)] mod name;`, whose files are tests.
fn blank_test_items(code: &str) -> (String, Vec<String>) {
    const ATTR: &str = "#[cfg(test)]";
    let mut s: Vec<char> = code.chars().collect();
    let mut out_of_line = Vec::new();
    let mut from = 0;
    while let Some(at) = find_chars(&s, ATTR, from) {
        let start = at + ATTR.chars().count();
        let (mut depth, mut j) = (0i32, start);
        // Find the `;` or `{` that ends the item's head, outside () and [].
        while j < s.len() {
            match s[j] {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ';' | '{' if depth == 0 => break,
                _ => {}
            }
            j += 1;
        }
        let head: String = s[start..j.min(s.len())].iter().collect();
        let end = if j < s.len() && s[j] == '{' {
            let mut braces = 0;
            let mut k = j;
            while k < s.len() {
                match s[k] {
                    '{' => braces += 1,
                    '}' => {
                        braces -= 1;
                        if braces == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            k + 1
        } else {
            let words: Vec<&str> = head.split_whitespace().collect();
            if let Some(n) = words.iter().position(|&w| w == "mod")
                && let Some(name) = words.get(n + 1)
            {
                out_of_line.push(name.to_string());
            }
            j + 1
        };
        for c in &mut s[at..end.min(code.chars().count())] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        from = end;
    }
    (s.into_iter().collect(), out_of_line)
}

fn find_chars(s: &[char], pattern: &str, from: usize) -> Option<usize> {
    let p: Vec<char> = pattern.chars().collect();
    (from..s.len().saturating_sub(p.len() - 1)).find(|&i| s[i..i + p.len()] == p[..])
}

fn skip_ws(s: &[char], i: &mut usize) {
    while *i < s.len() && s[*i].is_whitespace() {
        *i += 1;
    }
}

/// Parses the use tree or path that starts at `i` (just after `crate::`) and returns the paths
/// it names, e.g. `{a::X, b::{c, d}}` → `[a, X]`, `[b, c]`, `[b, d]`. A path ends at `self`,
/// `*`, a turbofish or anything that is not a path segment.
fn use_tree(s: &[char], i: &mut usize) -> Vec<Vec<String>> {
    skip_ws(s, i);
    if *i < s.len() && s[*i] == '{' {
        *i += 1;
        let mut paths = Vec::new();
        loop {
            skip_ws(s, i);
            if *i >= s.len() || s[*i] == '}' {
                *i += 1;
                return paths;
            }
            let before = *i;
            paths.extend(use_tree(s, i));
            skip_ws(s, i);
            if *i < s.len() && s[*i] == ',' {
                *i += 1;
            } else if *i == before {
                *i += 1; // not a use list after all; do not loop forever
            }
        }
    }
    let start = *i;
    while *i < s.len() && is_ident(s[*i]) {
        *i += 1;
    }
    let segment: String = s[start..*i].iter().collect();
    if segment.is_empty() || segment == "self" || segment.starts_with(|c: char| c.is_ascii_digit())
    {
        return vec![vec![]];
    }
    let mut after = *i;
    skip_ws(s, &mut after);
    if s.get(after) == Some(&':') && s.get(after + 1) == Some(&':') {
        let mut j = after + 2;
        skip_ws(s, &mut j);
        if j < s.len() && (is_ident(s[j]) || s[j] == '{') {
            *i = j;
            return use_tree(s, i)
                .into_iter()
                .map(|rest| std::iter::once(segment.clone()).chain(rest).collect())
                .collect();
        }
    }
    vec![vec![segment]]
}

/// Every `crate::…` path in the code, with its 1-based line.
fn crate_paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let s: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = find_chars(&s, "crate", from) {
        from = at + 5;
        if at > 0 && is_ident(s[at - 1]) || s.get(at + 5).is_some_and(|&c| is_ident(c)) {
            continue;
        }
        let mut i = at + 5;
        skip_ws(&s, &mut i);
        if !(s.get(i) == Some(&':') && s.get(i + 1) == Some(&':')) {
            continue; // `pub(crate)`
        }
        i += 2;
        let line = 1 + s[..at].iter().filter(|&&c| c == '\n').count();
        for path in use_tree(&s, &mut i) {
            found.push((line, path));
        }
    }
    found
}

/// The edges between the children of module `parent` (empty: the crate's top-level modules):
/// a file inside child `b` that names `crate::parent::a…` makes the edge `b → a`.
fn edges_within(files: &[SourceFile], parent: &[String]) -> Edges {
    let depth = parent.len();
    let children: BTreeSet<&String> = files
        .iter()
        .filter(|f| f.module.len() > depth && f.module.starts_with(parent))
        .map(|f| &f.module[depth])
        .collect();
    let mut edges = Edges::new();
    for f in files
        .iter()
        .filter(|f| f.module.len() > depth && f.module.starts_with(parent))
    {
        let from = &f.module[depth];
        for (line, path) in crate_paths(&f.code) {
            if path.len() > depth && path.starts_with(parent) {
                let to = &path[depth];
                if to != from && children.contains(to) {
                    let at = edges.entry((from.clone(), to.clone())).or_default();
                    let place = format!("{}:{line}", f.shown);
                    if at.last() != Some(&place) {
                        at.push(place);
                    }
                }
            }
        }
    }
    edges
}

/// One shortest loop through each group of modules that depend on each other, each as its
/// modules in order (the first repeated at the end).
fn loops(edges: &Edges) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().insert(b);
        next.entry(b).or_default();
    }
    let reach_from = |start: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start];
        while let Some(n) = todo.pop() {
            for &m in &next[n] {
                if seen.insert(m.to_string()) {
                    todo.push(m);
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&str, BTreeSet<String>> =
        next.keys().map(|&n| (n, reach_from(n))).collect();
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for &n in next.keys() {
        if done.contains(n) || !reach[n].contains(n) {
            continue;
        }
        // The modules on a loop with n, then a shortest loop n → … → n among them (BFS).
        let group: BTreeSet<&str> = next
            .keys()
            .copied()
            .filter(|m| reach[n].contains(*m) && reach[*m].contains(n))
            .collect();
        done.extend(group.iter().copied());
        let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([n]);
        'bfs: while let Some(a) = queue.pop_front() {
            for &b in &next[a] {
                if !group.contains(b) || came_from.contains_key(b) {
                    continue;
                }
                came_from.insert(b, a);
                if b == n {
                    break 'bfs;
                }
                queue.push_back(b);
            }
        }
        let mut cycle = vec![n.to_string()];
        let mut at = came_from[n];
        while at != n {
            cycle.push(at.to_string());
            at = came_from[at];
        }
        cycle.push(n.to_string());
        cycle.reverse();
        found.push(cycle);
    }
    found
}

/// Describes the loops of one graph, or nothing if it has none.
fn describe_loops(what: &str, edges: &Edges) -> Vec<String> {
    loops(edges)
        .into_iter()
        .map(|cycle| {
            let mut text = format!("{what}: {}", cycle.join(" → "));
            for pair in cycle.windows(2) {
                let at = &edges[&(pair[0].clone(), pair[1].clone())];
                let more = if at.len() > 3 {
                    format!(" and {} more", at.len() - 3)
                } else {
                    String::new()
                };
                text += &format!(
                    "\n    {} → {}: {}{more}",
                    pair[0],
                    pair[1],
                    at[..at.len().min(3)].join(", ")
                );
            }
            text
        })
        .collect()
}

#[test]
fn no_import_loop_between_top_level_modules() {
    let mut problems = Vec::new();
    for (package, src) in PACKAGES {
        let files = read_crate(src);
        let edges = edges_within(&files, &[]);
        println!("{package}: {} files, top-level edges:", files.len());
        for (a, b) in edges.keys() {
            println!("  {a} → {b}");
        }
        problems.extend(describe_loops(package, &edges));
    }
    assert!(
        problems.is_empty(),
        "import loops between top-level modules:\n{}",
        problems.join("\n")
    );
}

#[test]
fn no_import_loop_between_submodules() {
    let mut problems = Vec::new();
    for (package, src) in PACKAGES {
        let files = read_crate(src);
        let tops: BTreeSet<String> = files
            .iter()
            .filter(|f| f.module.len() >= 2)
            .map(|f| f.module[0].clone())
            .collect();
        for top in tops {
            let edges = edges_within(&files, std::slice::from_ref(&top));
            println!("{package}, inside {top}: {} edges", edges.len());
            for (a, b) in edges.keys() {
                println!("  {top}::{a} → {top}::{b}");
            }
            problems.extend(describe_loops(&format!("{package}, inside {top}"), &edges));
        }
    }
    assert!(
        problems.is_empty(),
        "import loops between submodules:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_import_reader_sees_every_form() {
    let src = r#"
//! See [`crate::docs`].
use crate::alpha::X;
pub use crate::{beta::Y, gamma::{self, delta::Z}};
pub(crate) use crate::{
    eps::W,
};
fn f() -> u8 { let s = "crate::strings"; crate::zeta::g::<u8>(); /* crate::comment */ 'c' as u8 }
fn lt<'a>(x: &'a str) -> char { let q = '"'; crate::eta::h(); q }
#[cfg(test)]
mod tests {
    use crate::testonly::T;
    fn inner() { if true { crate::testonly2::f(); } }
}
#[cfg(test)]
mod more_tests;
fn after() { crate::theta::k(); }
"#;
    let (code, test_mods) = blank_test_items(&blank_comments_and_literals(src));
    assert_eq!(test_mods, ["more_tests"]);
    let paths: Vec<String> = crate_paths(&code)
        .into_iter()
        .map(|(_, p)| p.join("::"))
        .collect();
    assert_eq!(
        paths,
        [
            "alpha::X",
            "beta::Y",
            "gamma",
            "gamma::delta::Z",
            "eps::W",
            "zeta::g",
            "eta::h",
            "theta::k"
        ]
    );
    assert_eq!(
        module_path(Path::new("sim/lambda/mod.rs")),
        ["sim", "lambda"]
    );
    assert_eq!(module_path(Path::new("trace/rows.rs")), ["trace", "rows"]);
    assert_eq!(module_path(Path::new("cli/run.rs")), ["cli", "run"]);
    assert!(module_path(Path::new("lib.rs")).is_empty());
    assert!(module_path(Path::new("main.rs")).is_empty());
}

#[test]
fn loops_are_found_and_named() {
    let mut edges = Edges::new();
    for (a, b) in [
        ("scenario", "trace"),
        ("trace", "sim"),
        ("sim", "scenario"),
        ("sim", "time"),
    ] {
        edges.insert((a.into(), b.into()), vec!["x.rs:1".into()]);
    }
    assert_eq!(
        loops(&edges),
        [["scenario", "trace", "sim", "scenario"]
            .map(String::from)
            .to_vec()]
    );
    edges.remove(&("sim".into(), "scenario".into()));
    assert!(loops(&edges).is_empty());
}

// ---------------------------------------------------------------------------------------------
// 2. Every file path named in docs/architecture.md exists
// ---------------------------------------------------------------------------------------------

/// A path named in a Markdown file.
#[derive(Debug, PartialEq)]
struct Named {
    path: String,
    /// 1-based line of the mention.
    line: usize,
    /// A link target (relative to the Markdown file), rather than a code span.
    link: bool,
    /// The folder in context (table row or heading), relative to the repository root.
    folder: Option<String>,
}

const FILE_EXTENSIONS: &[&str] = &[".rs", ".md", ".toml", ".py", ".sh", ".ipynb"];
const TIME_UNITS: &[&str] = &["s", "ms", "us", "ns", "min", "h", "d"];

/// The folder a code span names as a context: a folder (`tests/`) or a package (`sim-core`).
fn context_folder(span: &str, packages: &[(&str, &str)]) -> Option<String> {
    let span = span.trim_matches(|c: char| c == '`' || c.is_whitespace());
    if let Some((_, src)) = packages.iter().find(|(name, _)| *name == span) {
        return Some(format!("{src}/"));
    }
    (span.ends_with('/') && looks_like_path(span)).then(|| span.to_string())
}

/// Whether an inline code span names a repository path (see the rules at the top).
fn looks_like_path(span: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-./".contains(c);
    if span.is_empty() || !span.chars().all(allowed) || span.starts_with(['-', '/']) {
        return false;
    }
    if !span.contains('/') {
        return FILE_EXTENSIONS
            .iter()
            .any(|x| span.len() > x.len() && span.ends_with(x));
    }
    let segments: Vec<&str> = span.trim_end_matches('/').split('/').collect();
    let placeholder = |s: &&str| {
        s.chars().any(|c| c.is_ascii_uppercase())
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
    };
    let two_formats = segments
        .windows(2)
        .any(|w| w[0].contains('.') && w[1].starts_with('.') && !w[1][1..].contains('.'));
    let rate = segments.len() == 2 && !span.ends_with('/') && TIME_UNITS.contains(&segments[1]);
    !(segments.iter().any(|s| s.is_empty())
        || segments.iter().any(placeholder)
        || two_formats
        || rate)
}

/// The paths named in Markdown text: code spans that look like paths and link targets.
fn paths_named(markdown: &str, packages: &[(&str, &str)]) -> Vec<Named> {
    // Per line: its text if it is outside a fenced block, and the folder in context.
    let mut lines: Vec<(usize, &str, Option<String>)> = Vec::new();
    let mut fence: Option<String> = None;
    let mut headings: Vec<(usize, Option<String>)> = Vec::new();
    for (n, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        if marker.len() >= 3 && marker.chars().all(|c| c == marker.chars().next().unwrap()) {
            match &fence {
                None => fence = Some(marker),
                Some(open) if marker.starts_with(open.as_str()) && trimmed.trim() == marker => {
                    fence = None
                }
                _ => {}
            }
            continue;
        }
        if fence.is_some() {
            continue;
        }
        if trimmed.starts_with('#') {
            let level = trimmed.chars().take_while(|&c| c == '#').count();
            let text = trimmed[level..].trim();
            let first_word = text.split_whitespace().next().unwrap_or("");
            let folder = context_folder(first_word, packages).or_else(|| {
                text.split('`')
                    .skip(1)
                    .step_by(2)
                    .find_map(|s| context_folder(s, packages).filter(|f| f.ends_with('/')))
            });
            headings.retain(|(l, _)| *l < level);
            headings.push((level, folder));
        }
        let row_folder = trimmed
            .strip_prefix('|')
            .and_then(|row| row.split('|').next())
            .and_then(|cell| {
                let cell = cell.trim();
                (cell.starts_with('`') && cell.ends_with('`') && cell.matches('`').count() == 2)
                    .then(|| context_folder(cell, packages))
                    .flatten()
            });
        let folder = row_folder.or_else(|| headings.iter().rev().find_map(|(_, f)| f.clone()));
        lines.push((n + 1, line, folder));
    }

    let mut named = Vec::new();
    let mut push = |path: &str, line: usize, link: bool, folder: &Option<String>| {
        named.push(Named {
            path: path.to_string(),
            line,
            link,
            folder: folder.clone(),
        });
    };
    // Code spans may continue on the next line of a paragraph, so the text is scanned as a
    // whole; a blank line (or a skipped fence) ends a paragraph.
    let mut k = 0;
    while k < lines.len() {
        let mut end = k;
        while end < lines.len()
            && !lines[end].1.trim().is_empty()
            && (end == k || lines[end].0 == lines[end - 1].0 + 1)
        {
            end += 1;
        }
        let paragraph = &lines[k..end.max(k + 1)];
        let mut chars: Vec<(char, usize)> = Vec::new();
        for (i, (_, text, _)) in paragraph.iter().enumerate() {
            chars.extend(text.chars().map(|c| (c, i)));
            chars.push(('\n', i));
        }
        let mut i = 0;
        while i < chars.len() {
            let (c, at) = chars[i];
            let (line, _, folder) = &paragraph[at];
            if c == '`' {
                let run = chars[i..].iter().take_while(|(c, _)| *c == '`').count();
                let body = i + run;
                // The closing run has exactly as many backticks.
                let mut j = body;
                let close = loop {
                    if j >= chars.len() {
                        break None;
                    }
                    if chars[j].0 == '`' {
                        let n = chars[j..].iter().take_while(|(c, _)| *c == '`').count();
                        if n == run {
                            break Some(j);
                        }
                        j += n;
                    } else {
                        j += 1;
                    }
                };
                match close {
                    Some(j) => {
                        let span: String = chars[body..j]
                            .iter()
                            .map(|&(c, _)| if c == '\n' { ' ' } else { c })
                            .collect();
                        let span = span.trim();
                        if looks_like_path(span) {
                            push(span, *line, false, folder);
                        }
                        i = j + run;
                    }
                    None => i = body,
                }
            } else if c == ']' && chars.get(i + 1).map(|c| c.0) == Some('(') {
                let start = i + 2;
                let mut j = start;
                let mut depth = 0;
                while j < chars.len() && !(chars[j].0 == ')' && depth == 0) {
                    depth += match chars[j].0 {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    j += 1;
                }
                let target: String = chars[start..j.min(chars.len())]
                    .iter()
                    .map(|c| c.0)
                    .collect();
                if let Some(path) = link_path(&target) {
                    push(&path, *line, true, folder);
                }
                i = j;
            } else {
                i += 1;
            }
        }
        k = end.max(k + 1);
    }
    // Reference-style link definitions: `[label]: target`.
    for (line, text, folder) in &lines {
        let t = text.trim_start();
        if t.starts_with('[')
            && let Some(close) = t.find("]:")
            && let Some(path) = link_path(&t[close + 2..])
        {
            push(&path, *line, true, folder);
        }
    }
    named.sort_by_key(|n| n.line);
    named
}

/// The file a link target names, or `None` for URLs, anchors and placeholders.
fn link_path(target: &str) -> Option<String> {
    let target = target.split_whitespace().next()?.trim_matches(['<', '>']);
    let path = target.split(['#', '?']).next()?;
    (!path.is_empty() && !path.contains(':') && !path.contains(['*', '<', '>']))
        .then(|| path.to_string())
}

/// A file or folder named `name` anywhere below `dir`.
fn somewhere_below(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| !p.ends_with("target") && !p.ends_with(".git"))
        .collect();
    entries.sort();
    entries.into_iter().find_map(|p| {
        if p.file_name().is_some_and(|n| n == name) {
            Some(p)
        } else if p.is_dir() {
            somewhere_below(&p, name)
        } else {
            None
        }
    })
}

/// Where a named path was found, or `Err` with where it was looked for.
fn find(named: &Named, root: &Path, markdown_dir: &Path) -> Result<PathBuf, String> {
    let exists = |p: PathBuf| {
        if named.path.ends_with('/') {
            p.is_dir()
        } else {
            p.exists()
        }
    };
    let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    if named.link {
        let p = markdown_dir.join(&named.path);
        return if exists(p.clone()) {
            Ok(p)
        } else {
            Err(shown(&p))
        };
    }
    let sources: Vec<PathBuf> = PACKAGES.iter().map(|(_, src)| root.join(src)).collect();
    let context: Option<PathBuf> = named.folder.as_ref().map(|f| root.join(f));
    if named.path.contains('/') {
        let bases: Vec<PathBuf> = context
            .iter()
            .cloned()
            .chain([root.to_path_buf(), markdown_dir.to_path_buf()])
            .chain(sources)
            .collect();
        return bases
            .iter()
            .map(|b| b.join(&named.path))
            .find(|p| exists(p.clone()))
            .ok_or_else(|| {
                format!(
                    "below {}",
                    bases
                        .iter()
                        .map(|b| format!("{}/", shown(b)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
    }
    let below: Vec<PathBuf> = match context {
        Some(c) => vec![c],
        None => sources.into_iter().chain([root.to_path_buf()]).collect(),
    };
    if let Some(p) = below.iter().find_map(|d| somewhere_below(d, &named.path)) {
        return Ok(p);
    }
    for dir in [root, markdown_dir] {
        if dir.join(&named.path).exists() {
            return Ok(dir.join(&named.path));
        }
    }
    Err(format!(
        "anywhere below {}, at ./ or in {}/",
        below
            .iter()
            .map(|b| format!("{}/", shown(b)))
            .collect::<Vec<_>>()
            .join(", "),
        shown(markdown_dir)
    ))
}

#[test]
fn architecture_md_names_only_existing_files() {
    let root = repo();
    let file = root.join("docs/architecture.md");
    let text = fs::read_to_string(&file).unwrap();
    let named = paths_named(&text, PACKAGES);
    let mut missing = Vec::new();
    println!("paths named in docs/architecture.md:");
    for n in &named {
        match find(n, &root, file.parent().unwrap()) {
            Ok(p) => println!(
                "  line {:4}: {} → {}",
                n.line,
                n.path,
                p.strip_prefix(&root).unwrap_or(&p).display()
            ),
            Err(looked) => {
                println!("  line {:4}: {} → MISSING", n.line, n.path);
                missing.push(format!("line {}: `{}` (looked {looked})", n.line, n.path));
            }
        }
    }
    assert!(!named.is_empty(), "no path found in docs/architecture.md");
    assert!(
        missing.is_empty(),
        "docs/architecture.md names {} paths that do not exist:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn paths_are_read_from_markdown() {
    let markdown = "\
# Map

See [the model](model.md#anchor), [AWS](https://aws.amazon.com/lambda/) and [below](#tests).
The release profile (`Cargo.toml`) and `.ci/run`; not `--shard K/N`, `env/N`, `DIR/`,
`cdf/<index>.csv`, `end_to_end/*`, `elem/s`, `a.png/.svg`, `results.csv`, `sim::Simulation`
or `1h30m`. A span across lines is one span: `memory_mb ×
1 ms`, then `src/main.rs`.

```
faasim run scenarios/quickstart.toml --out reports/x/
```

## Other folders

| folder | content |
|---|---|
| `tests/` | `invariants.rs` and `traces/x.csv` |

### sim-core

| module | owns |
|---|---|
| `sim/lambda/mod.rs` | `Lambda`, see `engine.rs` |

## Tests

`retry.rs`, [guide](<guide.md> \"Guide\")

[ref]: scenario-reference.md#top
";
    let found: Vec<(String, usize, bool, Option<String>)> = paths_named(markdown, PACKAGES)
        .into_iter()
        .map(|n| (n.path, n.line, n.link, n.folder))
        .collect();
    let tests = Some("tests/".to_string());
    let sim_core = Some("sim-core/src/".to_string());
    assert_eq!(
        found,
        [
            ("model.md".into(), 3, true, None),
            ("Cargo.toml".into(), 4, false, None),
            (".ci/run".into(), 4, false, None),
            ("src/main.rs".into(), 7, false, None),
            ("tests/".into(), 17, false, tests.clone()),
            ("invariants.rs".into(), 17, false, tests.clone()),
            ("traces/x.csv".into(), 17, false, tests),
            ("sim/lambda/mod.rs".into(), 23, false, sim_core.clone()),
            ("engine.rs".into(), 23, false, sim_core),
            ("retry.rs".into(), 27, false, None),
            ("guide.md".into(), 27, true, None),
            ("scenario-reference.md".into(), 29, true, None),
        ]
    );
}
