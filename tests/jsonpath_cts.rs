//! RFC 9535 JSONPath as a mapping line reads it: every case of a compliance file is put in a
//! one-line mapping (`map:<selector>=Value`), compiled as `check` compiles it, and, when valid,
//! run on its document as `eval` runs it. An invalid selector must be refused at compile time
//! (M011 or M014, or M021/M022 for unbalanced quotes and brackets); a valid one must give the case's node list.
//!
//! The cases committed in `tests/jsonpath/cases.json` are in the format of the public
//! jsonpath-compliance-test-suite (`cts.json`) and cover what a mapping line must get right
//! beyond what the JSONPath library does alone (blank space between segments, the types of
//! function arguments). To run the whole public suite, point `JSONPATH_CTS` at its `cts.json`
//! and run the ignored test (`JSONPATH_CTS=… cargo test --test jsonpath_cts -- --ignored`):
//! every case must pass except those listed in [`UPSTREAM`], which docs/language.md explains.

use assetsync::lang::program::Source;
use serde_json::Value;

/// Cases of the public suite that fail in the JSONPath library itself, by name. Each is listed
/// with its cause in docs/language.md ("JSONPath conformance").
const UPSTREAM: &[&str] = &[
    "basic, descendant segment, multiple selectors",
    "basic, descendant segment, object traversal, multiple selectors",
    "filter, nested",
];

struct Outcome {
    name: String,
    failure: Option<String>,
}

fn run_case(case: &Value) -> Outcome {
    let name = case["name"].as_str().unwrap_or("?").to_string();
    let selector = case["selector"].as_str().unwrap_or_default();
    let invalid = case["invalid_selector"].as_bool().unwrap_or(false);
    let fail = |why: String| Outcome {
        name: name.clone(),
        failure: Some(why),
    };
    let mapping = format!("Items:\nkey:'k'=Key\nmap:{selector}=Value\n");
    let compiled = assetsync::lang::compile(&mapping, None);
    let codes: Vec<&str> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code.as_str())
        .collect();
    let Some(program) = compiled.program else {
        // The mapping line's own reading refuses unbalanced quotes and brackets first.
        if invalid
            && codes
                .iter()
                .all(|c| matches!(*c, "M011" | "M014" | "M021" | "M022"))
        {
            return Outcome {
                name,
                failure: None,
            };
        }
        return fail(format!("refused with {codes:?}"));
    };
    if invalid {
        return fail("accepted an invalid selector".to_string());
    }
    let Source::JsonPath(query) = &program.sections[0].maps[0].source else {
        return fail("not read as JSONPath".to_string());
    };
    let got: Vec<Value> =
        match jsonpath_rust::query::js_path_process(&query.query, &case["document"]) {
            Ok(nodes) => nodes.into_iter().map(|n| n.val().clone()).collect(),
            Err(e) => return fail(format!("no node list: {e}")),
        };
    let got = Value::Array(got);
    let expected: Vec<&Value> = match (&case["result"], &case["results"]) {
        (Value::Null, Value::Array(any)) => any.iter().collect(),
        (one, _) => vec![one],
    };
    if expected.contains(&&got) {
        Outcome {
            name,
            failure: None,
        }
    } else {
        fail(format!("gave {got}, expected {}", expected[0]))
    }
}

/// Cases a one-line mapping cannot hold: a selector with a line end in it, or with blank space
/// before or after it (a mapping line's layout, trimmed as the line is read).
fn expressible(case: &Value) -> bool {
    let selector = case["selector"].as_str().unwrap_or_default();
    !selector.contains(['\n', '\r']) && selector.trim_matches([' ', '\t']) == selector
}

fn run_file(text: &str) -> (usize, Vec<Outcome>) {
    let suite: Value = serde_json::from_str(text).expect("a compliance file is JSON");
    let cases: Vec<&Value> = suite["tests"]
        .as_array()
        .expect("`tests` is an array")
        .iter()
        .filter(|c| expressible(c))
        .collect();
    let failures = cases
        .iter()
        .map(|c| run_case(c))
        .filter(|o| o.failure.is_some())
        .collect();
    (cases.len(), failures)
}

#[test]
fn the_committed_cases_pass() {
    let (count, failures) = run_file(include_str!("jsonpath/cases.json"));
    assert!(count >= 20, "{count} cases");
    let report: Vec<String> = failures
        .iter()
        .map(|o| format!("{}: {}", o.name, o.failure.as_deref().unwrap_or_default()))
        .collect();
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
#[ignore = "needs the public suite's cts.json, which is not part of this repository: JSONPATH_CTS=<path> cargo test --test jsonpath_cts -- --ignored"]
fn the_public_suite_fails_only_where_the_library_does() {
    let path = std::env::var("JSONPATH_CTS").expect("JSONPATH_CTS names the suite's cts.json");
    let text = std::fs::read_to_string(&path).expect("JSONPATH_CTS names a readable cts.json");
    let (count, failures) = run_file(&text);
    let unexpected: Vec<String> = failures
        .iter()
        .filter(|o| !UPSTREAM.contains(&o.name.as_str()))
        .map(|o| format!("{}: {}", o.name, o.failure.as_deref().unwrap_or_default()))
        .collect();
    eprintln!("{count} cases, {} failing", failures.len());
    for o in &failures {
        eprintln!("  {}: {}", o.name, o.failure.as_deref().unwrap_or_default());
    }
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}
