//! Simulated time: an integer count of nanoseconds.
//!
//! Both instants (time since the start of the simulation) and spans use [`Nanos`]. Integer time
//! keeps ties exact and makes a run a pure function of its inputs. Durations in scenario files are
//! strings with a unit (`"250ms"`, `"1.5s"`, `"10m"`, `"1h30m"`); a bare number is rejected with a
//! message that suggests the unit.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

pub const NS_PER_US: u64 = 1_000;
pub const NS_PER_MS: u64 = 1_000_000;
pub const NS_PER_S: u64 = 1_000_000_000;
pub const NS_PER_MIN: u64 = 60 * NS_PER_S;
pub const NS_PER_H: u64 = 60 * NS_PER_MIN;
pub const NS_PER_DAY: u64 = 24 * NS_PER_H;

/// A time or a duration in nanoseconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Nanos(pub u64);

impl Nanos {
    pub const ZERO: Nanos = Nanos(0);
    pub const MAX: Nanos = Nanos(u64::MAX);

    pub const fn from_secs(s: u64) -> Self {
        Nanos(s * NS_PER_S)
    }
    pub const fn from_millis(ms: u64) -> Self {
        Nanos(ms * NS_PER_MS)
    }
    /// Seconds as a float, rounded to the nearest nanosecond; negative or non-finite input gives
    /// zero, values beyond the range saturate.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 {
            return Nanos(0);
        }
        let ns = (s * NS_PER_S as f64).round();
        if ns >= u64::MAX as f64 {
            Nanos(u64::MAX)
        } else {
            Nanos(ns as u64)
        }
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / NS_PER_MS as f64
    }
    pub const fn ns(self) -> u64 {
        self.0
    }

    /// Parse a duration string: one or more `<number><unit>` parts, e.g. `"250ms"`, `"1.5s"`,
    /// `"1h30m"`. Units: `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`, `d`. Decimal parts are exact
    /// (no floating point); the result is rounded to the nearest nanosecond.
    pub fn parse(text: &str) -> Result<Nanos, String> {
        let s = text.trim();
        if s.is_empty() {
            return Err("empty duration; expected e.g. \"250ms\", \"1.5s\", \"10m\"".into());
        }
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut total: u128 = 0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let number = &s[start..i];
            let ustart = i;
            while i < bytes.len() && !(bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let unit = s[ustart..i].trim();
            if number.is_empty() {
                return Err(format!(
                    "invalid duration \"{text}\": expected a number before \"{unit}\""
                ));
            }
            if unit.is_empty() {
                return Err(format!(
                    "duration \"{text}\" has no unit; write e.g. \"{number}ms\" or \"{number}s\" (units: ns, us, ms, s, m, h, d)"
                ));
            }
            let unit_ns: u128 = match unit {
                "ns" => 1,
                "us" | "µs" => NS_PER_US as u128,
                "ms" => NS_PER_MS as u128,
                "s" => NS_PER_S as u128,
                "m" | "min" => NS_PER_MIN as u128,
                "h" => NS_PER_H as u128,
                "d" => NS_PER_DAY as u128,
                other => {
                    return Err(format!(
                        "invalid duration \"{text}\": unknown unit \"{other}\" (units: ns, us, ms, s, m, h, d)"
                    ));
                }
            };
            let (int_part, frac_part) = match number.split_once('.') {
                Some((a, b)) => (a, b),
                None => (number, ""),
            };
            if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
                return Err(format!(
                    "invalid duration \"{text}\": malformed number \"{number}\""
                ));
            }
            if int_part.len() > 20 || frac_part.len() > 18 {
                return Err(format!("invalid duration \"{text}\": number too long"));
            }
            let int_v: u128 = if int_part.is_empty() {
                0
            } else {
                int_part
                    .parse()
                    .map_err(|_| format!("invalid duration \"{text}\""))?
            };
            let mut part = int_v * unit_ns;
            if !frac_part.is_empty() {
                let frac_v: u128 = frac_part
                    .parse()
                    .map_err(|_| format!("invalid duration \"{text}\""))?;
                let scale = 10u128.pow(frac_part.len() as u32);
                part += (frac_v * unit_ns + scale / 2) / scale;
            }
            total += part;
            if total > u64::MAX as u128 {
                return Err(format!("duration \"{text}\" is too large"));
            }
        }
        Ok(Nanos(total as u64))
    }
}

impl fmt::Display for Nanos {
    /// The shortest exact form in one unit: `10m`, `250ms`, `1500us`, `7ns`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v == 0 {
            return write!(f, "0s");
        }
        for (unit, name) in [
            (NS_PER_DAY, "d"),
            (NS_PER_H, "h"),
            (NS_PER_MIN, "m"),
            (NS_PER_S, "s"),
            (NS_PER_MS, "ms"),
            (NS_PER_US, "us"),
        ] {
            if v.is_multiple_of(unit) {
                return write!(f, "{}{}", v / unit, name);
            }
        }
        write!(f, "{v}ns")
    }
}

impl fmt::Debug for Nanos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::ops::Add for Nanos {
    type Output = Nanos;
    fn add(self, o: Nanos) -> Nanos {
        Nanos(self.0.saturating_add(o.0))
    }
}

impl std::ops::Sub for Nanos {
    type Output = Nanos;
    fn sub(self, o: Nanos) -> Nanos {
        Nanos(self.0.saturating_sub(o.0))
    }
}

impl Serialize for Nanos {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Nanos {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^\\s*([0-9.]+\\s*(ns|us|µs|ms|s|m|min|h|d)\\s*)+$",
            "description": "A duration with a unit, e.g. \"250ms\", \"1.5s\", \"10m\", \"2h\""
        })
    }
}

impl<'de> Deserialize<'de> for Nanos {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Nanos, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Nanos;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string with a unit, e.g. \"250ms\", \"1.5s\", \"10m\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Nanos, E> {
                Nanos::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Nanos, E> {
                Err(E::custom(format!(
                    "expected a duration string with a unit, found the bare number {v}; write e.g. \"{v}ms\" or \"{v}s\""
                )))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Nanos, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Nanos, E> {
                Err(E::custom(format!(
                    "expected a duration string with a unit, found the bare number {v}; write e.g. \"{v}s\""
                )))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_compounds() {
        assert_eq!(Nanos::parse("250ms").unwrap(), Nanos(250 * NS_PER_MS));
        assert_eq!(Nanos::parse("1.5s").unwrap(), Nanos(1_500 * NS_PER_MS));
        assert_eq!(Nanos::parse("10m").unwrap(), Nanos(600 * NS_PER_S));
        assert_eq!(Nanos::parse("2h").unwrap(), Nanos(7200 * NS_PER_S));
        assert_eq!(Nanos::parse("1d").unwrap(), Nanos(86400 * NS_PER_S));
        assert_eq!(Nanos::parse("7ns").unwrap(), Nanos(7));
        assert_eq!(Nanos::parse("3us").unwrap(), Nanos(3000));
        assert_eq!(Nanos::parse("1h30m").unwrap(), Nanos(5400 * NS_PER_S));
        assert_eq!(Nanos::parse("1.991s").unwrap(), Nanos(1_991_000_000));
        assert_eq!(Nanos::parse(".5s").unwrap(), Nanos(500_000_000));
        assert_eq!(Nanos::parse("0.0000000004s").unwrap(), Nanos(0));
        assert_eq!(Nanos::parse("0.0000000006s").unwrap(), Nanos(1));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "250",
            "5 parsecs",
            "1..5s",
            "ms",
            "-3s",
            "1e3s",
            "99999999999999999999d",
        ] {
            assert!(Nanos::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Nanos::parse("250").unwrap_err().contains("250ms"));
    }

    #[test]
    fn display_round_trips() {
        for s in ["10m", "250ms", "1500us", "7ns", "2h", "1d", "0s", "90s"] {
            let n = Nanos::parse(s).unwrap();
            assert_eq!(Nanos::parse(&n.to_string()).unwrap(), n);
        }
        assert_eq!(Nanos::parse("1.5s").unwrap().to_string(), "1500ms");
    }
}
