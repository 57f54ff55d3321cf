//! The errors a scenario or a run can give: a bad value ([`ConfigError`], naming the key as
//! `--set` writes it), a bad input file ([`InputError`], naming the file and line), and
//! [`SimError`], either of them.

/// A scenario that failed validation: the dotted key and what was expected.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// An error in an input file (a trace or a data file): the file, the 1-based line and what was expected.
#[derive(Clone, Debug, PartialEq)]
pub struct InputError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// The longest line an input file may have (1 MiB): a file without line breaks is refused
/// instead of read whole.
pub const MAX_LINE: usize = 1 << 20;

/// Reads one line (with its `\n`) into `buf` (cleared first), at most [`MAX_LINE`] bytes;
/// returns the bytes read (0 at the end), or a message for a longer line or a read error.
pub fn read_line(reader: &mut dyn std::io::BufRead, buf: &mut Vec<u8>) -> Result<usize, String> {
    use std::io::{BufRead, Read};
    buf.clear();
    let n = reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', buf)
        .map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() > MAX_LINE {
        return Err(format!(
            "a line longer than {} MiB (is this a text file with line breaks?)",
            MAX_LINE >> 20
        ));
    }
    Ok(n)
}

/// `s` as quoted in a message: at most 80 characters, the rest elided (`…`, with its length).
pub fn shorten(s: &str) -> std::borrow::Cow<'_, str> {
    const KEEP: usize = 80;
    match s.char_indices().nth(KEEP) {
        None => s.into(),
        Some((i, _)) => format!("{}… ({} bytes)", &s[..i], s.len()).into(),
    }
}

/// Why a run could not start or could not finish.
#[derive(Debug, Clone, PartialEq)]
pub enum SimError {
    /// An invalid scenario value.
    Config(ConfigError),
    /// A bad or unreadable input file.
    Input(InputError),
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Config(e) => write!(f, "{e}"),
            SimError::Input(e) => write!(f, "{e}"),
        }
    }
}
impl std::error::Error for SimError {}

impl From<InputError> for SimError {
    fn from(e: InputError) -> Self {
        SimError::Input(e)
    }
}

/// A count as a message gives it: whole below 10,000, else in scientific notation (3.60e12).
pub fn approx(x: f64) -> String {
    if x < 1e4 {
        format!("{:.0}", x.ceil())
    } else {
        format!("{x:.2e}")
    }
}
