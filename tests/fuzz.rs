//! Any input is safe: fixed-seed mutations of every shipped scenario, sweep and trace, run
//! through the `faasim` binary under a memory cap and a time limit. Every case must exit 0 or 2
//! (never a panic, an abort or a signal), an error must be one `error:` message, and every
//! accepted run's `summary.json` must be finite with its outcomes adding up to its requests.
//!
//! `fuzz_cases` runs a few hundred cases (in CI); `fuzz_many` runs thousands
//! (`cargo test --release --test fuzz -- --ignored`). A failing case's files are kept in
//! `target/fuzz-failures/scenarios/`, where they run again as they are, and its number, kind and
//! command are printed. `FUZZ_VERBOSE=1` prints every refusal's message.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Largest virtual memory of one case, in KiB (`ulimit -v`).
const MEMORY_KIB: u64 = 4 << 20;
/// Longest wall time of one case.
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// The run size each case allows (`--max-events`).
const MAX_EVENTS: &str = "2000000";

#[test]
fn fuzz_cases() {
    fuzz(0..240);
}

#[test]
#[ignore = "thousands of cases: run with --ignored"]
fn fuzz_many() {
    fuzz(1_000..6_000);
}

/// splitmix64: a small, fixed generator, so every case is reproducible from its number.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped inputs: scenarios, sweeps and traces (with their formats).
struct Corpus {
    scenarios: Vec<(String, String)>,
    sweeps: Vec<(String, String)>,
    traces: Vec<(PathBuf, &'static str)>,
}

fn corpus() -> Corpus {
    let mut scenarios = Vec::new();
    let mut sweeps = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    for n in names {
        let text = std::fs::read_to_string(root().join("scenarios").join(&n)).unwrap();
        if n.ends_with(".sweep.toml") {
            sweeps.push((n, text));
        } else {
            scenarios.push((n, text));
        }
    }
    let mut traces = Vec::new();
    for (dir, format) in [
        ("scenarios/traces", "timestamps"),
        ("traces/aws-lambda-requests", "aws-lambda-log"),
    ] {
        let mut files: Vec<_> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        files.sort();
        traces.extend(files.into_iter().map(|p| (p, format)));
    }
    traces.push((
        root().join("traces/azure2019-single-function/invocations.csv"),
        "azure2019",
    ));
    traces.push((
        root().join("traces/azure2019-slice/exp_sim_invocation_traces_0.csv"),
        "azure2019",
    ));
    assert!(scenarios.len() >= 20 && sweeps.len() >= 5 && traces.len() >= 10);
    Corpus {
        scenarios,
        sweeps,
        traces,
    }
}

/// A work folder laid out like the repository, so the shipped files' relative paths resolve:
/// `scenarios/` holds links to every shipped file, `traces` links to the real traces.
fn workspace(name: &str) -> PathBuf {
    let dir = root().join("target").join("fuzz").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::os::unix::fs::symlink(root().join("traces"), dir.join("traces")).unwrap();
    for e in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let e = e.unwrap();
        std::os::unix::fs::symlink(e.path(), dir.join("scenarios").join(e.file_name())).unwrap();
    }
    dir
}

/// Where failing cases are kept: `target/fuzz-failures/scenarios/`, laid out like the work
/// folder.
fn failures_dir() -> PathBuf {
    let dir = root().join("target/fuzz-failures");
    if !dir.join("traces").exists() {
        std::fs::create_dir_all(dir.join("scenarios")).unwrap();
        let _ = std::os::unix::fs::symlink(root().join("traces"), dir.join("traces"));
        for e in std::fs::read_dir(root().join("scenarios")).unwrap() {
            let e = e.unwrap();
            let _ = std::os::unix::fs::symlink(e.path(), dir.join("scenarios").join(e.file_name()));
        }
    }
    dir.join("scenarios")
}

/// Values that break things: extremes, wrong types, odd durations.
fn extreme(rng: &mut Rng) -> toml::Value {
    use toml::Value as V;
    let pick = rng.below(30);
    match pick {
        0 => V::Integer(0),
        1 => V::Integer(-1),
        2 => V::Integer(i64::MAX),
        3 => V::Integer(4_294_967_296),
        4 => V::Integer(1_000_000_001),
        5 => V::Float(f64::INFINITY),
        6 => V::Float(f64::NAN),
        7 => V::Float(1e308),
        8 => V::Float(-1e308),
        9 => V::Float(1e-300),
        10 => V::Float(1e9),
        11 => V::String("1ns".into()),
        12 => V::String("3us".into()),
        13 => V::String("106751d".into()),
        14 => V::String("1000d".into()),
        15 => V::String("0s".into()),
        16 => V::String("-5s".into()),
        17 => V::String("100ms".into()),
        18 => V::String(String::new()),
        19 => V::String("x".repeat(1 + rng.below(200_000))),
        20 => V::Boolean(true),
        21 => V::Array(Vec::new()),
        22 => V::Table(toml::Table::new()),
        23 => V::Array(vec![V::Integer(1), V::String("a".into())]),
        24 => V::String("lots".into()),
        25 => V::Float(0.5),
        26 => V::Integer(1_000_000_000_000),
        27 => V::String("24h".into()),
        28 => V::Integer(100_001),
        _ => V::Float(-0.0),
    }
}

/// A value scaled far up or down or replaced by an extreme of its own type (most often, so
/// that the mutation reaches the checks of ranges and the run), or by a value of another type.
fn distort(v: &toml::Value, rng: &mut Rng) -> toml::Value {
    use toml::Value as V;
    if rng.chance(0.15) {
        return extreme(rng);
    }
    match v {
        V::Integer(i) => V::Integer(if rng.chance(0.5) {
            i.saturating_mul(*rng.pick(&[1_000, 1_000_000, -1, 0, 2]))
        } else {
            *rng.pick(&[0, -1, 1, i64::MAX, 4_294_967_296, 1_000_000_001, 100_001])
        }),
        V::Float(f) => V::Float(if rng.chance(0.5) {
            f * rng.pick(&[1e6, 1e-6, 1e12, -1.0, 0.0, 2.0])
        } else {
            *rng.pick(&[
                f64::INFINITY,
                f64::NAN,
                1e308,
                -1e308,
                1e-300,
                0.5,
                -0.0,
                1e9,
                2e9,
            ])
        }),
        V::String(s) if s.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
            if rng.chance(0.5) {
                // A duration with its number scaled (e.g. "10m" to "10000000m").
                let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
                let unit = &s[digits.len()..];
                V::String(format!(
                    "{digits}{}{unit}",
                    rng.pick(&["000000", "000", "0"])
                ))
            } else {
                let d = [
                    "1ns", "3us", "106751d", "1000d", "0s", "-5s", "100ms", "24h", "1us",
                ];
                V::String(rng.pick(&d).to_string())
            }
        }
        V::String(_) => V::String(
            rng.pick(&["", "lots", "x", "none", "random", "asg", "lambda"])
                .to_string(),
        ),
        V::Boolean(b) => V::Boolean(!b),
        _ => extreme(rng),
    }
}

/// Every path to a value (tables by key, arrays by index), depth first.
fn paths(v: &toml::Value, prefix: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                prefix.push(Seg::Key(k.clone()));
                out.push(prefix.clone());
                paths(x, prefix, out);
                prefix.pop();
            }
        }
        toml::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                prefix.push(Seg::Index(i));
                out.push(prefix.clone());
                paths(x, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn get_mut<'a>(v: &'a mut toml::Value, path: &[Seg]) -> Option<&'a mut toml::Value> {
    let mut cur = v;
    for s in path {
        cur = match (s, cur) {
            (Seg::Key(k), toml::Value::Table(t)) => t.get_mut(k)?,
            (Seg::Index(i), toml::Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// One to three structural mutations of a TOML document.
fn mutate_toml(doc: &mut toml::Value, rng: &mut Rng) {
    for _ in 0..1 + rng.below(3) {
        let mut all = Vec::new();
        paths(doc, &mut Vec::new(), &mut all);
        if all.is_empty() {
            return;
        }
        let path = rng.pick(&all).clone();
        let (last, parent) = path.split_last().unwrap();
        let op = rng.below(10);
        let Some(parent) = get_mut(doc, parent) else {
            continue;
        };
        match (op, last, parent) {
            // Remove the key or the entry.
            (0, Seg::Key(k), toml::Value::Table(t)) => {
                t.remove(k);
            }
            (0, Seg::Index(i), toml::Value::Array(a)) => {
                a.remove(*i);
            }
            // An unknown key beside it.
            (1, Seg::Key(_), toml::Value::Table(t)) => {
                t.insert("unknwon_key".into(), extreme(rng));
            }
            // The entry twice (two functions of one name, a spike repeated).
            (2, Seg::Index(i), toml::Value::Array(a)) => {
                let x = a[*i].clone();
                a.push(x);
            }
            // Many copies of an entry (spikes, points, grid values).
            (3, Seg::Index(i), toml::Value::Array(a)) => {
                let x = a[*i].clone();
                let n = *rng.pick(&[100, 10_001, 20_000]);
                a.extend(std::iter::repeat_n(x, n));
            }
            // Otherwise: the value distorted.
            (_, seg, parent) => {
                let slot = match (seg, parent) {
                    (Seg::Key(k), toml::Value::Table(t)) => t.get_mut(k),
                    (Seg::Index(i), toml::Value::Array(a)) => a.get_mut(*i),
                    _ => None,
                };
                if let Some(slot) = slot {
                    *slot = distort(slot, rng);
                }
            }
        }
    }
}

/// Damage to bytes: a flipped byte, an invalid UTF-8 byte, a cut, a very long line, a line
/// repeated or swapped, a number made huge.
fn damage(bytes: &mut Vec<u8>, rng: &mut Rng) {
    for _ in 0..1 + rng.below(3) {
        if bytes.is_empty() {
            bytes.extend_from_slice(b"\n");
        }
        let at = rng.below(bytes.len());
        match rng.below(9) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes.insert(at, 0xFF),
            2 => bytes.truncate(at),
            3 => {
                let line = vec![b'7'; (1 << 20) + 1 + rng.below(1 << 20)];
                bytes.splice(at..at, line);
            }
            4 => {
                bytes.splice(at..at, b"\n1e400,4294967295,-1,NaN,inf\n".iter().copied());
            }
            5 => {
                bytes.splice(at..at, b"99999999999999999999".iter().copied());
            }
            6 => {
                // Two lines swapped: rows out of order.
                let text = String::from_utf8_lossy(bytes).into_owned();
                let mut lines: Vec<&str> = text.lines().collect();
                if lines.len() > 3 {
                    let (a, b) = (
                        1 + rng.below(lines.len() - 1),
                        1 + rng.below(lines.len() - 1),
                    );
                    lines.swap(a, b);
                }
                *bytes = (lines.join("\n") + "\n").into_bytes();
            }
            7 => bytes.retain(|&b| b != b','),
            _ => {
                bytes.splice(at..at, b"\0\0\0".iter().copied());
            }
        }
    }
}

/// The first `n` lines of a file.
fn head(path: &Path, n: usize) -> Vec<u8> {
    let text = std::fs::read(path).unwrap();
    let mut end = 0;
    for (i, _) in text
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .take(n)
    {
        end = i + 1;
    }
    text[..end].to_vec()
}

/// A case: what to write and which commands to run on it.
struct Case {
    kind: String,
    file: PathBuf,
    commands: Vec<Vec<String>>,
}

fn make_case(i: u64, c: &Corpus, ws: &Path) -> Case {
    let mut rng = Rng::new(i);
    let dir = ws.join("scenarios");
    let out = ws.join(format!("out-{i}")).display().to_string();
    let s = |x: &str| x.to_string();
    let run = |f: &Path| {
        vec![
            s("run"),
            f.display().to_string(),
            s("--out"),
            out.clone(),
            s("--quiet"),
            s("--no-plots"),
            s("--max-events"),
            s(MAX_EVENTS),
        ]
    };
    match rng.below(10) {
        // A scenario, mutated (most often in its values, sometimes in its bytes).
        0..=5 => {
            let (name, text) = rng.pick(&c.scenarios);
            let file = dir.join(format!("fuzz-{i}.toml"));
            let mut doc: toml::Value = toml::from_str(text).unwrap();
            // Most cases shorten the run, so that a mutation reaches the run and not only the
            // size check.
            if rng.chance(0.8)
                && let Some(sim) = doc.get_mut("simulation").and_then(|v| v.as_table_mut())
            {
                sim.insert("duration".into(), toml::Value::String("20m".into()));
                sim.remove("warmup");
            }
            let bytes = if rng.chance(0.85) {
                mutate_toml(&mut doc, &mut rng);
                toml::to_string(&doc).unwrap_or_default().into_bytes()
            } else {
                let mut b = toml::to_string(&doc).unwrap().into_bytes();
                damage(&mut b, &mut rng);
                b
            };
            std::fs::write(&file, bytes).unwrap();
            let mut commands = vec![run(&file)];
            if rng.chance(0.3) {
                let mut v = vec![s("validate"), file.display().to_string()];
                v.extend([s("--max-events"), s(MAX_EVENTS)]);
                commands.push(v);
            }
            Case {
                kind: format!("scenario {name}"),
                file,
                commands,
            }
        }
        // A sweep, mutated: validated, then its first runs.
        6 | 7 => {
            let (name, text) = rng.pick(&c.sweeps);
            let file = dir.join(format!("fuzz-{i}.sweep.toml"));
            let mut doc: toml::Value = toml::from_str(text).unwrap();
            let bytes = if rng.chance(0.85) {
                mutate_toml(&mut doc, &mut rng);
                toml::to_string(&doc).unwrap_or_default().into_bytes()
            } else {
                let mut b = text.clone().into_bytes();
                damage(&mut b, &mut rng);
                b
            };
            std::fs::write(&file, bytes).unwrap();
            let f = file.display().to_string();
            Case {
                kind: format!("sweep {name}"),
                file,
                commands: vec![
                    vec![s("validate"), f.clone()],
                    vec![
                        s("sweep"),
                        f,
                        s("--out"),
                        out.clone(),
                        s("--jobs"),
                        s("1"),
                        s("--max-runs"),
                        s("2"),
                        s("--max-events"),
                        s("500000"),
                        s("--quiet"),
                        s("--no-plots"),
                    ],
                ],
            }
        }
        // A trace, damaged: described by `trace stats`, replayed by a small scenario.
        _ => {
            let (path, format) = rng.pick(&c.traces);
            let mut bytes = head(path, 1 + rng.below(400));
            damage(&mut bytes, &mut rng);
            let file = dir.join(format!("fuzz-{i}.csv"));
            std::fs::write(&file, &bytes).unwrap();
            let scenario = dir.join(format!("fuzz-{i}.toml"));
            let (function, select) = if *format == "azure2019" && rng.chance(0.5) {
                ("", ", select = { top = 3 }")
            } else {
                ("function = \"f\"\n", "")
            };
            std::fs::write(
                &scenario,
                format!(
                    "[simulation]\nduration = \"2h\"\n[function_defaults]\nduration = {{ dist = \"constant\", value = \"100ms\" }}\n\
                     [[functions]]\nname = \"f\"\nduration = {{ dist = \"constant\", value = \"100ms\" }}\n\
                     [[workloads]]\n{function}arrivals = {{ trace = \"fuzz-{i}.csv\", format = \"{format}\"{select} }}\n"
                ),
            )
            .unwrap();
            Case {
                kind: format!("trace {} ({format})", path.display()),
                file: file.clone(),
                commands: vec![
                    vec![
                        s("trace"),
                        s("stats"),
                        file.display().to_string(),
                        s("--format"),
                        s(format),
                        s("--no-plots"),
                        s("--out"),
                        out.clone(),
                    ],
                    run(&scenario),
                ],
            }
        }
    }
}

/// Runs one command under the memory cap and time limit: (exit status, stderr), or a failure.
fn execute(args: &[String], cwd: &Path) -> Result<(i32, String), String> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_faasim"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut s).ok();
        s
    });
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let err = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
            return match status.code() {
                Some(code) => Ok((code, err)),
                None => Err(format!("killed by a signal ({status}); stderr: {err}")),
            };
        }
        if t0.elapsed() > TIME_LIMIT {
            child.kill().ok();
            child.wait().ok();
            return Err(format!("still running after {TIME_LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A run's summary.json: every number finite (no `null` but an alarm's undetected times),
/// outcomes adding up to requests, in the total and for every function.
fn check_summary(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    fn nulls(v: &serde_json::Value, at: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Null
                if !(at.ends_with("first_alarm_s") || at.ends_with("detection_delay_s")) =>
            {
                out.push(at.to_string());
            }
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    nulls(x, &format!("{at}.{k}"), out);
                }
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    nulls(x, &format!("{at}.{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut bad = Vec::new();
    nulls(&v, "", &mut bad);
    if !bad.is_empty() {
        return Err(format!("summary.json has null (not finite) at {bad:?}"));
    }
    let adds_up = |m: &serde_json::Value, what: &str| -> Result<(), String> {
        let o = &m["outcomes"];
        let sum: u64 = [
            "succeeded",
            "failed",
            "throttled",
            "timed_out",
            "dead_lettered",
            "in_flight",
        ]
        .iter()
        .map(|k| o[k].as_u64().unwrap_or(u64::MAX / 8))
        .sum();
        match m["requests"].as_u64() {
            Some(n) if n == sum => Ok(()),
            n => Err(format!("{what}: outcomes add up to {sum}, requests {n:?}")),
        }
    };
    adds_up(&v, "total")?;
    if let Some(fs) = v["functions"].as_object() {
        for (name, f) in fs {
            adds_up(f, name)?;
        }
    }
    let cost = v["cost_usd"]["total"].as_f64().unwrap_or(-1.0);
    if cost.is_nan() || cost < 0.0 {
        return Err(format!("cost_usd.total is {cost}"));
    }
    Ok(())
}

fn fuzz(cases: std::ops::Range<u64>) {
    let c = corpus();
    let ws = workspace(&format!("{}-{}", cases.start, cases.end));
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicU64::new(cases.start);
    let (mut accepted, mut refused) = (
        std::sync::atomic::AtomicU64::new(0),
        std::sync::atomic::AtomicU64::new(0),
    );
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= cases.end {
                        break;
                    }
                    let case = make_case(i, &c, &ws);
                    for args in &case.commands {
                        let out = ws.join(format!("out-{i}"));
                        let _ = std::fs::remove_dir_all(&out);
                        let verdict = match execute(args, &ws) {
                            Ok((0, _)) => {
                                accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                if args[0] == "run" {
                                    check_summary(&out.join("summary.json"))
                                } else {
                                    Ok(())
                                }
                            }
                            Ok((2, err)) => {
                                refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                if std::env::var_os("FUZZ_VERBOSE").is_some() {
                                    eprintln!("case {i} {}: {}", args[0], shorten(&err));
                                }
                                if err.starts_with("error: ") && err.trim_end().len() > 8 {
                                    Ok(())
                                } else {
                                    Err(format!(
                                        "exit 2 without an `error:` message: {}",
                                        shorten(&err)
                                    ))
                                }
                            }
                            Ok((code, err)) => Err(format!("exit {code}: {}", shorten(&err))),
                            Err(e) => Err(e),
                        };
                        if let Err(why) = verdict {
                            // Kept beside the shipped files, so that it runs again as it is.
                            let keep = failures_dir();
                            for e in std::fs::read_dir(case.file.parent().unwrap()).unwrap() {
                                let e = e.unwrap();
                                let name = e.file_name().to_string_lossy().into_owned();
                                if name.starts_with(&format!("fuzz-{i}.")) {
                                    std::fs::copy(e.path(), keep.join(&name)).ok();
                                }
                            }
                            failures.lock().unwrap().push(format!(
                                "case {i} ({}): faasim {}: {why}",
                                case.kind,
                                args.join(" ")
                            ));
                        }
                    }
                    let _ = std::fs::remove_dir_all(ws.join(format!("out-{i}")));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let (a, r) = (*accepted.get_mut(), *refused.get_mut());
    eprintln!(
        "{} cases: {a} commands accepted, {r} refused with exit 2",
        cases.end - cases.start
    );
    // A fuzzer that only ever sees refusals tests nothing of the runs.
    assert!(a > 0 && r > 0, "{a} accepted, {r} refused");
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(&ws);
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.len() > 600 {
        let cut = (0..=600).rev().find(|&i| s.is_char_boundary(i)).unwrap();
        format!("{}…", &s[..cut])
    } else {
        s.to_string()
    }
}
