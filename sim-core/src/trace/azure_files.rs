//! The Azure 2019 side files, for functions made from an `azure2019` trace: execution-time
//! percentiles ([`azure2019_durations`]), memory ([`azure2019_memory`]) and the Lambda memory
//! size for it ([`lambda_memory_for`]).

use super::rows::Rows;
use crate::error::InputError;
use std::collections::HashMap;
use std::io::BufRead;

/// Execution-time percentiles per function from an Azure 2019 duration file
/// (`…,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,…_1,…_25,…_50,…_75,…_99,…_100`),
/// as (quantile, ms) points, made non-decreasing.
pub fn azure2019_durations(
    reader: Box<dyn BufRead>,
    file: &str,
) -> Result<HashMap<String, Vec<(f64, f64)>>, InputError> {
    let mut rows = Rows::new(reader, file.to_string(), false);
    if !rows.next_row()? {
        return Err(rows.error("the duration file is empty"));
    }
    let qs = [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0];
    let names = ["0", "1", "25", "50", "75", "99", "100"];
    let f = rows
        .position("HashFunction")
        .ok_or_else(|| rows.error("expected a HashFunction column"))?;
    let mut cols = Vec::new();
    for n in names {
        let c = format!("percentile_Average_{n}");
        cols.push(
            rows.position(&c)
                .ok_or_else(|| rows.error(format!("expected a {c} column")))?,
        );
    }
    let mut out = HashMap::new();
    while rows.next_row()? {
        let mut pts = Vec::with_capacity(7);
        let mut hi: f64 = 0.0;
        for (q, &c) in qs.iter().zip(&cols) {
            let v = rows.number(c, "a duration in ms")?;
            if v < 0.0 {
                return Err(rows.error(format!("expected a duration ≥ 0 ms, found {v}")));
            }
            hi = hi.max(v);
            pts.push((*q, hi));
        }
        out.insert(rows.field(f).to_string(), pts);
    }
    Ok(out)
}

/// Memory per function (or per app, when the file has no HashFunction column) from an Azure 2019
/// memory file: the largest of the allocated-memory columns present (`AverageAllocatedMb_pct100`,
/// else `AverageAllocatedMb`), in MB. Keys are function ids, or `app:<HashApp>`.
pub fn azure2019_memory(
    reader: Box<dyn BufRead>,
    file: &str,
) -> Result<HashMap<String, f64>, InputError> {
    let mut rows = Rows::new(reader, file.to_string(), false);
    if !rows.next_row()? {
        return Err(rows.error("the memory file is empty"));
    }
    let (key, prefix) = match (rows.position("HashFunction"), rows.position("HashApp")) {
        (Some(f), _) => (f, ""),
        (None, Some(a)) => (a, "app:"),
        _ => return Err(rows.error("expected a HashFunction or HashApp column")),
    };
    let col = rows
        .position("AverageAllocatedMb_pct100")
        .or_else(|| rows.position("AverageAllocatedMb"))
        .ok_or_else(|| rows.error("expected an AverageAllocatedMb column"))?;
    let mut out = HashMap::new();
    while rows.next_row()? {
        let v = rows.number(col, "memory in MB")?;
        out.insert(format!("{prefix}{}", rows.field(key)), v);
    }
    Ok(out)
}

/// The Lambda memory size for a function that uses `mb` at most: a multiple of 64 MB, 128 to
/// 10,240 MB.
pub fn lambda_memory_for(mb: f64) -> u32 {
    let m = ((mb.max(1.0) / 64.0).ceil() * 64.0) as u32;
    m.clamp(128, 10_240)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        assert_eq!(lambda_memory_for(20.0), 128);
        assert_eq!(lambda_memory_for(190.0), 192);
        assert_eq!(lambda_memory_for(1e6), 10_240);
    }
}
