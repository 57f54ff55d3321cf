//! The CSV line reader shared by every trace format ([`Rows`]: quoted fields, comments, fast
//! decimal parsing, bad-row counting with `skip_bad_rows`) and the column lookups of headers.

use super::Column;
use crate::error::InputError;
use std::io::BufRead;

/// Comma-separated rows with double-quoted fields (no line breaks inside quotes); blank lines
/// and `#` comments are skipped. One line buffer, reused.
pub struct Rows {
    reader: Box<dyn BufRead>,
    pub file: String,
    pub line: u64,
    buf: Vec<u8>,
    fields: Vec<(u32, u32)>,
    skip_bad: bool,
    pub skipped: u64,
    pub first_skipped: Option<InputError>,
}

impl Rows {
    pub fn new(reader: Box<dyn BufRead>, file: String, skip_bad: bool) -> Self {
        Rows {
            reader,
            file,
            line: 0,
            buf: Vec::with_capacity(256),
            fields: Vec::with_capacity(32),
            skip_bad,
            skipped: 0,
            first_skipped: None,
        }
    }

    pub fn error(&self, message: impl Into<String>) -> InputError {
        InputError {
            file: self.file.clone(),
            line: self.line,
            message: message.into(),
        }
    }

    /// Reads the next row; false at the end of the file.
    pub fn next_row(&mut self) -> Result<bool, InputError> {
        loop {
            let n = match crate::error::read_line(&mut self.reader, &mut self.buf) {
                Ok(n) => n,
                Err(m) => {
                    self.line += 1;
                    return Err(self.error(m));
                }
            };
            if n == 0 {
                return Ok(false);
            }
            self.line += 1;
            match self.buf.iter().find(|c| !c.is_ascii_whitespace()) {
                None | Some(b'#') => continue,
                Some(_) => {}
            }
            self.split();
            return Ok(true);
        }
    }

    fn split(&mut self) {
        self.fields.clear();
        let mut end = self.buf.len();
        while end > 0 && matches!(self.buf[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let b = &self.buf[..end];
        let mut start = 0;
        let mut quoted = false;
        for (i, &c) in b.iter().enumerate() {
            if c == b'"' {
                quoted = !quoted;
            } else if c == b',' && !quoted {
                self.fields.push((start as u32, i as u32));
                start = i + 1;
            }
        }
        self.fields.push((start as u32, b.len() as u32));
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `i`, trimmed and unquoted ("" when missing).
    pub fn field(&self, i: usize) -> &str {
        match self.fields.get(i) {
            Some(&(a, b)) => {
                // A field that is not UTF-8 reads as empty (and is reported as missing).
                let f = std::str::from_utf8(&self.buf[a as usize..b as usize])
                    .unwrap_or("")
                    .trim();
                f.strip_prefix('"')
                    .and_then(|f| f.strip_suffix('"'))
                    .unwrap_or(f)
            }
            None => "",
        }
    }

    /// The index of the header field named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        (0..self.len()).find(|&i| self.field(i) == name)
    }

    /// Field `i` as a finite number, or an error naming `what`.
    #[inline]
    pub fn number(&self, i: usize, what: &str) -> Result<f64, InputError> {
        if let Some(&(a, b)) = self.fields.get(i)
            && let Some(v) = fast_decimal(&self.buf[a as usize..b as usize])
        {
            return Ok(v);
        }
        self.number_slow(i, what)
    }

    #[inline(never)]
    fn number_slow(&self, i: usize, what: &str) -> Result<f64, InputError> {
        let f = self.field(i);
        if i >= self.len() {
            return Err(self.error(format!(
                "expected {what} in column {}, but the row has {} columns",
                i + 1,
                self.len()
            )));
        }
        match f.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.error(format!("expected {what}, found \"{f}\""))),
        }
    }

    /// Handles a bad row: an error, or (with `skip_bad_rows`) a count and `Ok`.
    pub fn bad(&mut self, e: InputError) -> Result<(), InputError> {
        if !self.skip_bad {
            return Err(e);
        }
        self.skipped += 1;
        if self.first_skipped.is_none() {
            self.first_skipped = Some(e);
        }
        Ok(())
    }
}

/// Plain decimals (`digits[.digits]`, at most 15 significant digits) converted exactly: the
/// mantissa is an integer below 2^53 and 10^k (k ≤ 22) is exact, so one division rounds once,
/// as `str::parse` would. Anything else returns `None` for the full parser.
#[inline]
fn fast_decimal(s: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    let (mut m, mut digits, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for &c in s {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + (c - b'0') as u64;
                digits += 1;
                frac += dot as usize;
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    Some(m as f64 / POW10[frac])
}

/// Finds a column by name or index in the header (or the first row, for an index).
pub(super) fn find_column(
    rows: &Rows,
    c: &Column,
    header: bool,
    key: &str,
) -> Result<usize, InputError> {
    match c {
        Column::Index(i) if *i < rows.len() => Ok(*i),
        Column::Index(i) => Err(rows.error(format!(
            "`{key}` = {i}: the row has only {} columns (counted from 0)",
            rows.len()
        ))),
        Column::Name(n) if header => rows.position(n).ok_or_else(|| {
            rows.error(format!(
                "`{key}` = \"{n}\": no such column in the header ({})",
                (0..rows.len().min(12))
                    .map(|i| rows.field(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }),
        Column::Name(n) => Err(rows.error(format!(
            "`{key}` = \"{n}\" names a column, but the file has no header row"
        ))),
    }
}

/// The index of the header column `name` of a `format` trace, or an error naming it.
pub(super) fn header_column(rows: &Rows, name: &str, format: &str) -> Result<usize, InputError> {
    rows.position(name).ok_or_else(|| {
        rows.error(format!(
            "expected the {format} header, with a `{name}` column"
        ))
    })
}

pub(super) fn is_header(rows: &Rows, col: usize) -> bool {
    rows.field(col).parse::<f64>().is_err()
        && rows
            .field(col)
            .starts_with(|c: char| c.is_alphabetic() || c == '_')
}
