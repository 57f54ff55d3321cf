//! Execution times measured per memory size (a function's `duration_profile`): the result of an
//! AWS Lambda Power Tuning execution (its per-size average durations) or a CSV of measured
//! durations (`memory_mb,duration_ms`, one measurement a line), and the duration distribution
//! they give at any size between the measured ones.
//!
//! Between two measured sizes a and b the duration is interpolated linearly in 1/memory (CPU
//! time is inversely proportional to the CPU share, which is proportional to memory): with
//! w = (1/m − 1/a)/(1/b − 1/a), a mean becomes (1 − w)·mean_a + w·mean_b, and a distribution of
//! measurements the quantile function (1 − w)·Q_a(q) + w·Q_b(q).

use crate::dist::Dist;
use std::io::Read;
use std::sync::Arc;

/// Largest profile file read, in bytes.
pub const MAX_PROFILE_BYTES: u64 = 16 << 20;
/// Most measurements a CSV profile may hold.
pub const MAX_MEASUREMENTS: usize = 1_000_000;

/// Measured sizes, ascending, each with its measurements in ns (sorted; one value, the
/// average, for a Power Tuning result).
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub sizes: Vec<(u32, Vec<u64>)>,
    /// Whether the values are averages (Power Tuning) rather than single measurements.
    pub averages: bool,
}

/// A profile error: the 1-based line (0: the whole file) and what was expected.
pub type ProfileError = (u64, String);

impl Profile {
    /// Reads a profile: JSON (a Power Tuning result) if its first non-blank character is `{`,
    /// else a CSV.
    pub fn parse<R: Read>(reader: R) -> Result<Profile, ProfileError> {
        let mut text = Vec::new();
        reader
            .take(MAX_PROFILE_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(|e| (0, format!("cannot read: {e}")))?;
        if text.len() as u64 > MAX_PROFILE_BYTES {
            return Err((0, format!("longer than {MAX_PROFILE_BYTES} bytes")));
        }
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Self::power_tuning(&text),
            _ => Self::csv(&text[..]),
        }
    }

    /// A Power Tuning result: the execution's output (`{power, cost, duration, stateMachine,
    /// stats}`), possibly under `results`. The sizes come from `stats` (`includeOutputResults`)
    /// or, without it, from the `stateMachine.visualization` address, which encodes them.
    fn power_tuning(text: &[u8]) -> Result<Profile, ProfileError> {
        let v: serde_json::Value = serde_json::from_slice(text)
            .map_err(|e| (e.line() as u64, format!("not valid JSON: {e}")))?;
        let root = v.get("results").unwrap_or(&v);
        let mut sizes: Vec<(u32, Vec<u64>)> = Vec::new();
        if let Some(stats) = root.get("stats") {
            let stats = stats
                .as_array()
                .ok_or((0, "$.stats: expected an array".to_string()))?;
            for (i, s) in stats.iter().enumerate() {
                let field = |name: &str| {
                    s.get(name).and_then(|x| {
                        x.as_f64()
                            .or_else(|| x.as_str().and_then(|t| t.parse::<f64>().ok()))
                    })
                };
                let (Some(value), Some(avg)) = (field("value"), field("averageDuration")) else {
                    return Err((
                        0,
                        format!(
                            "$.stats[{i}]: expected numbers \"value\" (MB) and \"averageDuration\" (ms)"
                        ),
                    ));
                };
                let (mem, ns) = measurement(value, avg, &format!("$.stats[{i}]"))?;
                sizes.push((mem, vec![ns]));
            }
        } else if let Some(url) = root
            .pointer("/stateMachine/visualization")
            .and_then(|u| u.as_str())
        {
            sizes = visualization(url)?;
        } else {
            return Err((
                0,
                "$: a Power Tuning result needs \"stats\" (run it with includeOutputResults) or stateMachine.visualization".into(),
            ));
        }
        finish(sizes, true)
    }

    /// A CSV: a header line naming `memory_mb` and `duration_ms` (in any order, other columns
    /// ignored), then one measurement a line.
    fn csv(text: &[u8]) -> Result<Profile, ProfileError> {
        let mut cols: Option<(usize, usize)> = None;
        let mut rows: Vec<(u32, u64)> = Vec::new();
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            let lineno = i as u64 + 1;
            let line = std::str::from_utf8(line)
                .map_err(|_| (lineno, "not UTF-8 text".to_string()))?
                .trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let Some((m, d)) = cols else {
                let find = |name: &str| fields.iter().position(|f| *f == name);
                match (find("memory_mb"), find("duration_ms")) {
                    (Some(m), Some(d)) => cols = Some((m, d)),
                    _ => {
                        return Err((
                            lineno,
                            "expected a header naming the columns memory_mb and duration_ms".into(),
                        ));
                    }
                }
                continue;
            };
            let get = |c: usize| fields.get(c).and_then(|f| f.parse::<f64>().ok());
            let (Some(mem), Some(ms)) = (get(m), get(d)) else {
                return Err((
                    lineno,
                    format!(
                        "expected numbers in columns memory_mb and duration_ms, found \"{line}\""
                    ),
                ));
            };
            let row = measurement(mem, ms, "").map_err(|(_, e)| (lineno, e))?;
            if rows.len() == MAX_MEASUREMENTS {
                return Err((lineno, format!("more than {MAX_MEASUREMENTS} measurements")));
            }
            rows.push(row);
        }
        if cols.is_none() {
            return Err((
                0,
                "empty: expected a header memory_mb,duration_ms and measurements".into(),
            ));
        }
        rows.sort_unstable();
        let mut sizes: Vec<(u32, Vec<u64>)> = Vec::new();
        for (mem, v) in rows {
            match sizes.last_mut() {
                Some((m, vs)) if *m == mem => vs.push(v),
                _ => sizes.push((mem, vec![v])),
            }
        }
        finish(sizes, false)
    }

    /// The measured sizes, as text (`128, 256, 512`).
    pub fn size_list(&self) -> String {
        let s: Vec<String> = self.sizes.iter().map(|(m, _)| m.to_string()).collect();
        s.join(", ")
    }

    /// The duration distribution at `memory_mb`, or an error if it lies outside the measured
    /// sizes. A Power Tuning profile gives a constant (the interpolated average).
    pub fn at(&self, memory_mb: u32) -> Result<Dist, String> {
        let s = &self.sizes;
        let (lo, hi) = (s[0].0, s[s.len() - 1].0);
        if memory_mb < lo || memory_mb > hi {
            return Err(format!(
                "memory_mb {memory_mb} lies outside the profile's measured sizes ({lo} to {hi} MB)"
            ));
        }
        let j = s.partition_point(|(m, _)| *m < memory_mb);
        if s[j].0 == memory_mb {
            return Ok(dist_of(&s[j].1));
        }
        let (a, b) = (&s[j - 1], &s[j]);
        let w = (1.0 / memory_mb as f64 - 1.0 / a.0 as f64) / (1.0 / b.0 as f64 - 1.0 / a.0 as f64);
        if self.averages {
            let v = (1.0 - w) * a.1[0] as f64 + w * b.1[0] as f64;
            return Ok(Dist::Constant(v.round() as u64));
        }
        const K: usize = 200;
        let points: Vec<(f64, f64)> = (0..=K)
            .map(|i| {
                let q = i as f64 / K as f64;
                (q, (1.0 - w) * quantile(&a.1, q) + w * quantile(&b.1, q))
            })
            .collect();
        Ok(if points[0].1 == points[K].1 {
            Dist::Constant(points[0].1.round() as u64)
        } else {
            Dist::Quantiles(points.into())
        })
    }
}

/// One (memory MB, duration ms) pair as (MB, ns), checked: memory a Lambda size, duration
/// finite and ≥ 0; `at` names its place in a JSON document.
fn measurement(mem: f64, ms: f64, at: &str) -> Result<(u32, u64), ProfileError> {
    let max = crate::scenario::MAX_MEMORY_MB as f64;
    let sep = if at.is_empty() { "" } else { ": " };
    if !(mem.fract() == 0.0 && (128.0..=max).contains(&mem)) {
        return Err((
            0,
            format!("{at}{sep}memory {mem} is not a Lambda memory size (128 to {max} MB)"),
        ));
    }
    if !(ms.is_finite() && (0.0..=900_000.0).contains(&ms)) {
        return Err((
            0,
            format!("{at}{sep}duration {ms} ms is not between 0 and 900000 ms"),
        ));
    }
    Ok((mem as u32, (ms * 1e6).round() as u64))
}

/// Sizes sorted and checked: at least one, none twice (an average profile).
fn finish(mut sizes: Vec<(u32, Vec<u64>)>, averages: bool) -> Result<Profile, ProfileError> {
    if sizes.is_empty() {
        return Err((0, "no measurements".into()));
    }
    sizes.sort_by_key(|(m, _)| *m);
    if let Some(w) = sizes.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err((0, format!("memory size {} appears twice", w[0].0)));
    }
    for (_, v) in &mut sizes {
        v.sort_unstable();
    }
    Ok(Profile { sizes, averages })
}

/// The empirical distribution of sorted measurements `v`.
fn dist_of(v: &[u64]) -> Dist {
    if v.len() == 1 {
        Dist::Constant(v[0])
    } else {
        Dist::Empirical(Arc::from(v))
    }
}

/// The `q`-quantile of sorted values, linear between order statistics.
fn quantile(v: &[u64], q: f64) -> f64 {
    let x = q * (v.len() - 1) as f64;
    let i = x.floor() as usize;
    let j = (i + 1).min(v.len() - 1);
    v[i] as f64 + (v[j] as f64 - v[i] as f64) * (x - i as f64)
}

/// The sizes and average durations a Power Tuning visualization address encodes after `#`:
/// three base64 blobs joined by `;` — the sizes (little-endian i16), the durations in ms and
/// the costs (little-endian f32).
fn visualization(url: &str) -> Result<Vec<(u32, Vec<u64>)>, ProfileError> {
    let bad = |m: &str| (0, format!("$.stateMachine.visualization: {m}"));
    let hash = url
        .split_once('#')
        .ok_or_else(|| bad("no data after '#'"))?
        .1;
    let parts: Vec<&str> = hash.split(';').collect();
    if parts.len() < 2 {
        return Err(bad("expected sizes;durations;costs after '#'"));
    }
    let sizes = base64(parts[0]).ok_or_else(|| bad("the sizes are not base64"))?;
    let durations = base64(parts[1]).ok_or_else(|| bad("the durations are not base64"))?;
    if sizes.len() % 2 != 0 || durations.len() % 4 != 0 || sizes.len() / 2 != durations.len() / 4 {
        return Err(bad("sizes and durations differ in number"));
    }
    sizes
        .chunks(2)
        .zip(durations.chunks(4))
        .enumerate()
        .map(|(i, (m, d))| {
            let mem = i16::from_le_bytes([m[0], m[1]]) as u16 as f64;
            let ms = f32::from_le_bytes([d[0], d[1], d[2], d[3]]) as f64;
            measurement(mem, ms, &format!("$.stateMachine.visualization[{i}]"))
                .map(|(mem, ns)| (mem, vec![ns]))
        })
        .collect()
}

/// Standard base64 (padding optional).
fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}
