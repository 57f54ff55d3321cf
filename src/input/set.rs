//! `--set PATH=VALUE` overrides applied to a scenario's TOML table (`apply_set`).

/// Applies one `PATH=VALUE` override. PATH is dotted; an entry of an array of tables is
/// addressed by its index or by its `name` (for workloads, also by the function it invokes, if
/// only one workload invokes it). VALUE is read as a TOML value when it parses as one
/// (`1024`, `0.5`, `true`, `"x"`, `[1, 2]`), otherwise as a string (`2h`, `lru`).
pub fn apply_set(root: &mut toml::Table, set: &str) -> Result<(), String> {
    let (path, raw) = set
        .split_once('=')
        .ok_or("expected PATH=VALUE, e.g. functions.api.memory_mb=1024")?;
    let segs: Vec<&str> = path.trim().split('.').collect();
    set_path(root, &segs, parse_value(raw.trim()), "")
}

fn set_path(
    table: &mut toml::Table,
    segs: &[&str],
    value: toml::Value,
    walked: &str,
) -> Result<(), String> {
    let Some((seg, rest)) = segs.split_first() else {
        return Err("empty PATH".into());
    };
    if seg.is_empty() {
        return Err("the PATH has an empty segment".into());
    }
    let here = if walked.is_empty() {
        seg.to_string()
    } else {
        format!("{walked}.{seg}")
    };
    if rest.is_empty() {
        table.insert(seg.to_string(), value);
        return Ok(());
    }
    match table
        .entry(seg.to_string())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
    {
        toml::Value::Table(t) => set_path(t, rest, value, &here),
        toml::Value::Array(items) => {
            let (sel, rest) = rest.split_first().expect("rest is not empty");
            let idx = pick_entry(items, sel)
                .ok_or_else(|| format!("`{here}` has no entry with index or name \"{sel}\""))?;
            let here = format!("{here}.{sel}");
            if rest.is_empty() {
                items[idx] = value;
                return Ok(());
            }
            match &mut items[idx] {
                toml::Value::Table(t) => set_path(t, rest, value, &here),
                other => Err(format!("`{here}` is a {}, not a table", other.type_str())),
            }
        }
        other => Err(format!("`{here}` is a {}, not a table", other.type_str())),
    }
}

fn pick_entry(items: &[toml::Value], sel: &str) -> Option<usize> {
    if let Ok(i) = sel.parse::<usize>() {
        return (i < items.len()).then_some(i);
    }
    let by = |key: &str| -> Vec<usize> {
        items
            .iter()
            .enumerate()
            .filter(|(_, v)| v.get(key).and_then(|n| n.as_str()) == Some(sel))
            .map(|(i, _)| i)
            .collect()
    };
    let named = by("name");
    if named.len() == 1 {
        return Some(named[0]);
    }
    let by_fn = by("function");
    (by_fn.len() == 1).then(|| by_fn[0])
}

fn parse_value(raw: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn set_addresses_by_name_index_and_function() {
        let mut t = table(
            "[simulation]\nduration = \"1h\"\n[[functions]]\nname = \"api\"\nmemory_mb = 128\n[[workloads]]\nfunction = \"api\"\narrivals = { process = \"poisson\", rate = 1.0 }\n",
        );
        apply_set(&mut t, "functions.api.memory_mb=1024").unwrap();
        apply_set(&mut t, "simulation.duration=2h").unwrap();
        apply_set(&mut t, "workloads.0.arrivals.rate=50").unwrap();
        apply_set(&mut t, "workloads.api.invocation=sync").unwrap();
        apply_set(&mut t, "account.concurrency_limit=10").unwrap();
        assert_eq!(t["functions"][0]["memory_mb"].as_integer(), Some(1024));
        assert_eq!(t["simulation"]["duration"].as_str(), Some("2h"));
        assert_eq!(t["workloads"][0]["arrivals"]["rate"].as_integer(), Some(50));
        assert_eq!(t["workloads"][0]["invocation"].as_str(), Some("sync"));
        assert_eq!(t["account"]["concurrency_limit"].as_integer(), Some(10));
        assert!(
            apply_set(&mut t, "functions.nope.memory_mb=1")
                .unwrap_err()
                .contains("nope")
        );
        assert!(apply_set(&mut t, "functions.api.memory_mb").is_err());
        assert!(
            apply_set(&mut t, "simulation.duration.x=1")
                .unwrap_err()
                .contains("not a table")
        );
    }
}
