//! Reading TOML input: `LoadError` (a bad input, exit status 2) and the deserializers that name
//! the file, the line and column and the dotted key at fault (`parse_toml`, `from_value`).

use serde::de::DeserializeOwned;
use std::path::Path;

/// A bad input (exit status 2). The message names the file, the line or key, and what was
/// expected.
#[derive(Debug)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for LoadError {}

/// The largest scenario or sweep file read (TOML, read whole).
const MAX_TEXT: u64 = 16 << 20;

/// A scenario or sweep file's text: at most 16 MiB, UTF-8 (a bad byte is named by its line).
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    use std::io::Read;
    let file = path.display();
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_TEXT + 1).read_to_end(&mut bytes))
        .map_err(|e| LoadError(format!("{file}: cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_TEXT {
        return Err(LoadError(format!(
            "{file}: larger than {} MiB; a scenario or sweep file is a short TOML text",
            MAX_TEXT >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let col = at
            - bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        LoadError(format!(
            "{file}:{line}:{col}: not UTF-8 text (byte 0x{:02x}); save the file as UTF-8",
            bytes[at]
        ))
    })
}

/// Deserializes TOML text, reporting `file:line:column: key: message` on error.
pub fn parse_toml<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, LoadError> {
    let de = toml::Deserializer::parse(text).map_err(|e| toml_error(file, text, &e, ""))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let raw = toml::from_str::<toml::Table>(text)
            .ok()
            .map(toml::Value::Table);
        let path = dotted_path(e.path(), raw.as_ref());
        toml_error(file, text, e.inner(), &path)
    })
}

pub fn from_value<T: DeserializeOwned>(v: toml::Value, file: &str) -> Result<T, LoadError> {
    let raw = v.clone();
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = dotted_path(e.path(), Some(&raw));
        let msg = shorten_quoted(e.inner().message());
        LoadError(format!(
            "{file}: {}{msg}{}",
            key_prefix(&path),
            hint(&msg, &path)
        ))
    })
}

/// A serde path in the form `--set` uses: entries of `[[functions]]` and other arrays of
/// tables by their `name` where they have one (`functions.api.memory_mb`), else by index
/// (`workloads.0.arrivals.rate`).
fn dotted_path(path: &serde_path_to_error::Path, raw: Option<&toml::Value>) -> String {
    use serde_path_to_error::Segment;
    let mut out: Vec<String> = Vec::new();
    let mut node = raw;
    for seg in path.iter() {
        match seg {
            Segment::Map { key } => {
                node = node.and_then(|n| n.get(key));
                out.push(key.clone());
            }
            Segment::Seq { index } => {
                node = node.and_then(|n| n.get(*index));
                let name = node
                    .and_then(|n| n.get("name"))
                    .and_then(|n| n.as_str())
                    .filter(|n| !n.is_empty() && !n.contains('.'));
                out.push(
                    name.map(str::to_string)
                        .unwrap_or_else(|| index.to_string()),
                );
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out.join(".")
}

fn key_prefix(path: &str) -> String {
    if path.is_empty() || path == "." {
        String::new()
    } else {
        format!("key `{}`: ", sim_core::error::shorten(path))
    }
}

/// `msg` with every quoted part (between backticks or double quotes) of more than 80
/// characters shortened, so that a huge key or value is not echoed whole.
pub fn shorten_quoted(msg: &str) -> String {
    if msg.len() <= 160 {
        return msg.to_string();
    }
    let mut out = String::new();
    for (i, part) in msg.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let mut first = true;
        for q in part.split('"') {
            if !first {
                out.push('"');
            }
            first = false;
            out.push_str(&sim_core::error::shorten(q));
        }
    }
    out
}

pub fn toml_error(file: &str, text: &str, e: &toml::de::Error, path: &str) -> LoadError {
    let at = match e.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            format!(":{line}:{col}")
        }
        None => String::new(),
    };
    let msg = shorten_quoted(e.message().trim_end());
    LoadError(format!(
        "{file}{at}: {}{msg}{}",
        key_prefix(path),
        hint(&msg, path)
    ))
}

/// A hint for the common mistakes behind a deserializer's message about the key `path`.
fn hint(msg: &str, path: &str) -> String {
    if msg.contains("enum DistSpec") && msg.starts_with("invalid type: string") {
        return "; a distribution is a table, e.g. { dist = \"constant\", value = \"100ms\" } \
                (or exponential, lognormal, uniform, normal, quantiles, empirical)"
            .into();
    }
    if msg.contains("invalid type: map, expected a sequence") && !path.contains('.') {
        return format!(
            "; an entry of `{path}` is written [[{path}]] (double brackets), one per entry"
        );
    }
    String::new()
}

/// 1-based line and column of byte offset `pos`.
fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text[..pos.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("ab\ncd\nef", 4), (2, 2));
        assert_eq!(line_col("x", 0), (1, 1));
    }
}
