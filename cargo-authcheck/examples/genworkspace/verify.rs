//! `genworkspace verify EXPECTED ROUTES`: compares the tool's `routes --format json` output with
//! the answer the generator wrote (`expected.json`, and `expected-routes.txt` beside it to name
//! each route that differs). Exit status 0 when the route count and the sorted list of
//! unprotected routes (`auth` = `none`) are exactly the expected ones, 1 otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// How many routes of each kind of difference are named.
const SHOWN: usize = 10;

/// Whether the tool's answer is exact; an error names a file that cannot be read.
pub fn run(expected_path: &Path, routes_path: &Path) -> Result<bool, String> {
    let expected = read_json(expected_path)?;
    let actual = read_json(routes_path)?;
    let routes = actual["routes"]
        .as_array()
        .ok_or_else(|| format!("{}: no \"routes\" array", routes_path.display()))?;
    let mut verdicts: BTreeMap<String, bool> = BTreeMap::new();
    for route in routes {
        let key = format!(
            "{} {}",
            route["method"].as_str().unwrap_or("?"),
            route["path"].as_str().unwrap_or("?")
        );
        let open = route["auth"].as_str() == Some("none");
        // A route listed twice is unprotected if either listing is.
        *verdicts.entry(key).or_default() |= open;
    }
    let unprotected: Vec<&String> = verdicts
        .iter()
        .filter(|(_, open)| **open)
        .map(|(k, _)| k)
        .collect();
    let expected_count = expected["routes"].as_u64().unwrap_or(0) as usize;
    let expected_unprotected: Vec<&str> = expected["unprotected"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let exact = routes.len() == expected_count
        && unprotected
            .iter()
            .map(|s| s.as_str())
            .eq(expected_unprotected.iter().copied());
    if exact {
        println!(
            "exact: {} routes, {} unprotected, as expected",
            routes.len(),
            unprotected.len()
        );
        return Ok(true);
    }
    println!(
        "MISMATCH: the tool lists {} routes ({} distinct), {} unprotected; expected {} routes, {} unprotected",
        routes.len(),
        verdicts.len(),
        unprotected.len(),
        expected_count,
        expected_unprotected.len()
    );
    let listing = expected_path.with_file_name("expected-routes.txt");
    let Ok(text) = std::fs::read_to_string(&listing) else {
        return Ok(false);
    };
    let expected_verdicts: BTreeMap<&str, bool> = text
        .lines()
        .filter_map(|line| line.rsplit_once(' '))
        .map(|(route, verdict)| (route, verdict == "unprotected"))
        .collect();
    let missing: Vec<&str> = expected_verdicts
        .keys()
        .filter(|route| !verdicts.contains_key(**route))
        .copied()
        .collect();
    let known: BTreeSet<&str> = expected_verdicts.keys().copied().collect();
    let extra: Vec<&str> = verdicts
        .keys()
        .map(String::as_str)
        .filter(|route| !known.contains(route))
        .collect();
    let wrong: Vec<String> = verdicts
        .iter()
        .filter_map(|(route, open)| {
            let expected_open = expected_verdicts.get(route.as_str())?;
            (expected_open != open).then(|| {
                format!(
                    "{route}: {} by the tool, {} in fact",
                    verdict(*open),
                    verdict(*expected_open)
                )
            })
        })
        .collect();
    report("routes the tool did not find", &missing);
    report("routes the tool found that are not served", &extra);
    report("routes judged wrongly", &wrong);
    Ok(false)
}

fn verdict(open: bool) -> &'static str {
    if open {
        "unprotected"
    } else {
        "protected"
    }
}

fn report<T: std::fmt::Display>(what: &str, items: &[T]) {
    if items.is_empty() {
        return;
    }
    println!("  {} {what}:", items.len());
    for item in items.iter().take(SHOWN) {
        println!("    {item}");
    }
    if items.len() > SHOWN {
        println!("    ...");
    }
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
}
