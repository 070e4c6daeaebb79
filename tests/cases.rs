//! The mapping corpus under `tests/cases/`: one snapshot per mapping with its compiled program,
//! its diagnostics (human and `check --format json`) and, when it has an input, what `eval`
//! prints. Plain assertions next to the snapshots pin what must never change silently: seeds
//! compile cleanly, every error case reports its code at its place, every diagnostic code is
//! produced by some case, and the escaping and embedded-path results of the seeds.

use assetsync::diag::{render_human, Code, Severity};
use assetsync::lang::{compile_bytes, Compiled, Schema};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_assetsync");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One `.map` file of the corpus with its sibling files, all as paths relative to the crate root
/// (so neither snapshots nor the binary's output contain the machine's directories).
struct Case {
    map: String,
    input: Option<String>,
    args: Vec<String>,
    schema: Option<String>,
}

impl Case {
    fn new(path: &Path) -> Case {
        let rel = path
            .strip_prefix(ROOT)
            .unwrap_or(path)
            .to_str()
            .expect("case paths are UTF-8")
            .replace('\\', "/");
        let stem = rel.strip_suffix(".map").expect("a .map file");
        let existing = |suffix: &str| {
            let candidate = format!("{stem}{suffix}");
            Path::new(ROOT)
                .join(&candidate)
                .is_file()
                .then_some(candidate)
        };
        let args = existing(".args")
            .map(|a| {
                let text = std::fs::read_to_string(Path::new(ROOT).join(a)).unwrap();
                text.split_whitespace().map(str::to_string).collect()
            })
            .unwrap_or_default();
        Case {
            input: existing(".input.json").or_else(|| existing(".input.jsonl")),
            schema: existing(".schema.json"),
            args,
            map: rel.clone(),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(Path::new(ROOT).join(&self.map)).unwrap()
    }

    fn compile(&self) -> (String, Compiled) {
        let schema = self.schema.as_ref().map(|s| {
            let text = std::fs::read(Path::new(ROOT).join(s)).unwrap();
            serde_json::from_slice::<Schema>(&text)
                .unwrap_or_else(|e| panic!("{s} is not a schema: {e}"))
        });
        compile_bytes(&self.bytes(), schema.as_ref())
    }

    fn check_json(&self) -> Output {
        let mut args = vec!["check", self.map.as_str(), "--format", "json"];
        if let Some(schema) = &self.schema {
            args.extend(["--schema", schema.as_str()]);
        }
        run(&args)
    }

    fn eval(&self) -> Option<(Vec<String>, Output)> {
        let input = self.input.as_ref()?;
        let mut args = vec!["eval".to_string(), self.map.clone(), "--source".into()];
        args.push(input.clone());
        args.extend(self.args.iter().cloned());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&refs);
        Some((args, output))
    }
}

/// Runs the binary from the crate root, without colour and at a fixed width, so its output does
/// not depend on the terminal the tests run in.
fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("the assetsync binary runs")
}

fn all_cases(dir: &str) -> Vec<Case> {
    let mut maps = Vec::new();
    let mut stack = vec![Path::new(ROOT).join("tests/cases").join(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "map") {
                maps.push(path);
            }
        }
    }
    maps.sort();
    maps.iter().map(|p| Case::new(p)).collect()
}

fn stem(case: &Case) -> &str {
    let name = case.map.rsplit('/').next().unwrap();
    name.strip_suffix(".map").unwrap()
}

fn has_errors(compiled: &Compiled) -> bool {
    compiled.diagnostics.iter().any(|d| d.is_error())
}

/// Control characters (other than line feeds), lone carriage returns and byte order marks made
/// visible, so that snapshots of hostile files stay readable text.
fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\n' || !(c.is_control() || c == '\u{feff}') {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    out
}

/// Indents one line of compact JSON for reading, keeping the key order of the output (a
/// `serde_json::Value` would sort the keys). Empty `[]` and `{}` stay on one line.
fn indent_json(line: &str) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = line.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c => out.push(c),
        }
    }
    out
}

fn exit_code(output: &Output) -> i32 {
    output.status.code().expect("the binary exits normally")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// The object images `eval` printed, one per line.
fn images(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn corpus() {
    insta::glob!("cases/**/*.map", |path| {
        let case = Case::new(path);
        let (text, compiled) = case.compile();
        let errors = has_errors(&compiled);
        let mut snap = String::new();

        snap.push_str("=== program\n");
        match &compiled.program {
            Some(program) => {
                assert!(!errors, "{}: a program despite errors", case.map);
                snap.push_str(&serde_json::to_string_pretty(program).unwrap());
            }
            None => {
                assert!(errors, "{}: no program and no error", case.map);
                snap.push_str("null");
            }
        }

        snap.push_str("\n\n=== diagnostics\n");
        let human = render_human(&case.map, &text, &compiled.diagnostics, false, 100);
        assert_eq!(
            human.is_empty(),
            compiled.diagnostics.is_empty(),
            "{}",
            case.map
        );
        snap.push_str(if human.is_empty() { "(none)\n" } else { &human });

        let check = case.check_json();
        let code = exit_code(&check);
        snap.push_str(&format!("\n=== check --format json (exit {code})\n"));
        assert_eq!(code, i32::from(errors), "{}: check exit code", case.map);
        let report: Value = serde_json::from_slice(&check.stdout).expect("check prints JSON");
        let printed = report["files"][0]["diagnostics"].as_array().unwrap();
        let printed_codes: Vec<&str> = printed
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        let compiled_codes: Vec<&str> = compiled
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert_eq!(
            printed_codes, compiled_codes,
            "{}: check and the library differ",
            case.map
        );
        assert_eq!(report["files"][0]["path"], case.map.as_str());
        snap.push_str(&indent_json(stdout(&check).trim_end()));
        snap.push('\n');
        assert!(check.stderr.is_empty(), "{}: {}", case.map, stderr(&check));

        if let Some((args, output)) = case.eval() {
            let code = exit_code(&output);
            snap.push_str(&format!("\n=== {} (exit {code})\n", args.join(" ")));
            let images = images(&output);
            let failed = images
                .iter()
                .any(|i| !i["errors"].as_array().unwrap().is_empty());
            assert_eq!(
                code,
                i32::from(failed || errors),
                "{}: eval exit code",
                case.map
            );
            for line in stdout(&output).lines() {
                snap.push_str(&indent_json(line));
                snap.push('\n');
            }
            let err = stderr(&output);
            snap.push_str("--- stderr\n");
            snap.push_str(if err.is_empty() { "(empty)\n" } else { &err });
        }

        insta::assert_snapshot!(visible(&snap));
    });
}

#[test]
fn seeds_compile_without_any_diagnostic() {
    let seeds = all_cases("seed");
    assert!(seeds.len() >= 6, "the seed mappings are missing");
    for case in seeds {
        let (_, compiled) = case.compile();
        assert!(
            compiled.diagnostics.is_empty(),
            "{}: {:?}",
            case.map,
            compiled.diagnostics
        );
        assert!(compiled.program.is_some(), "{}", case.map);
    }
}

#[test]
fn features_compile_without_errors() {
    for case in all_cases("features") {
        let (_, compiled) = case.compile();
        assert!(
            compiled.program.is_some(),
            "{}: {:?}",
            case.map,
            compiled.diagnostics
        );
    }
}

/// A diagnostic as code, line and column.
type At = (&'static str, usize, usize);

/// The diagnostics each error case must report, in order.
const EXPECTED: &[(&str, &[At])] = &[
    ("bad-aql", &[("M016", 4, 31)]),
    ("bad-config-empty", &[("M007", 5, 14)]),
    ("bad-config-missing-limit", &[("M007", 6, 22)]),
    ("bad-config-missing", &[("M007", 6, 16)]),
    ("bad-config-page-size", &[("M007", 5, 18)]),
    ("bad-config-references", &[("M007", 6, 19)]),
    ("bad-date-format", &[("M024", 4, 19)]),
    ("bad-filter", &[("M018", 5, 17)]),
    ("dependency-cycle", &[("M019", 3, 1)]),
    ("duplicate-config", &[("M026", 6, 8)]),
    ("duplicate-key", &[("M008", 6, 1)]),
    ("duplicate-section", &[("M010", 11, 1), ("M008", 12, 1)]),
    ("empty-attribute", &[("M004", 4, 18)]),
    ("empty-option-value", &[("M027", 4, 53)]),
    ("empty-source", &[("M005", 4, 5)]),
    (
        "invalid-compat-filter",
        &[("M015", 6, 5), ("M015", 7, 5), ("M015", 8, 58)],
    ),
    ("invalid-jsonpath", &[("M014", 4, 35)]),
    ("key-with-pipe", &[("M028", 3, 17), ("M028", 6, 17)]),
    ("line-too-long", &[("M035", 4, 65541)]),
    ("literal-argument-expected", &[("M023", 4, 26)]),
    (
        "many-errors",
        &[
            ("M002", 5, 1),
            ("M004", 6, 22),
            ("M012", 7, 5),
            ("M016", 8, 34),
            ("M007", 9, 18),
            ("M008", 10, 1),
        ],
    ),
    ("missing-equals", &[("M003", 4, 5)]),
    ("misspelt-prefix", &[("M002", 4, 1)]),
    ("nesting-too-deep", &[("M034", 5, 394)]),
    ("not-an-entry", &[("M001", 5, 1)]),
    ("empty-mapping", &[("M036", 1, 1)]),
    ("header-without-colon", &[("M001", 2, 1)]),
    ("not-utf8", &[("M025", 5, 33)]),
    ("schema-reference-on-non-reference", &[("M032", 6, 24)]),
    ("schema-separator-single-valued", &[("M033", 5, 19)]),
    ("schema-split-single-valued", &[("M033", 6, 36)]),
    ("schema-unknown-attribute", &[("M031", 6, 23)]),
    ("schema-unknown-object-type", &[("M030", 2, 1)]),
    ("schema-empty", &[("M030", 3, 1)]),
    ("section-without-key", &[("M009", 7, 1)]),
    ("source-syntax", &[("M011", 5, 13), ("M011", 6, 23)]),
    ("unbalanced-parenthesis", &[("M022", 4, 10)]),
    ("unbalanced-quote", &[("M021", 4, 5)]),
    ("unknown-config", &[("M006", 5, 8)]),
    ("unknown-function", &[("M012", 4, 5)]),
    ("unknown-pipe-option", &[("M017", 5, 15)]),
    ("unterminated-placeholder", &[("M020", 4, 27)]),
    ("wrong-argument-count", &[("M013", 4, 5)]),
];

#[test]
fn error_cases_report_their_code_line_and_column() {
    let cases = all_cases("errors");
    let names: BTreeSet<&str> = cases.iter().map(stem).collect();
    let listed: BTreeSet<&str> = EXPECTED.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, listed, "every error case has an entry in EXPECTED");

    for case in &cases {
        let (_, compiled) = case.compile();
        assert!(has_errors(&compiled), "{}: no error", case.map);
        assert!(compiled.program.is_none(), "{}", case.map);

        let check = case.check_json();
        assert_eq!(exit_code(&check), 1, "{}", case.map);
        let report: Value = serde_json::from_slice(&check.stdout).unwrap();
        let got: Vec<(String, u64, u64)> = report["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap(),
                    d["column"].as_u64().unwrap(),
                )
            })
            .collect();
        let expected: Vec<(String, u64, u64)> = EXPECTED
            .iter()
            .find(|(n, _)| *n == stem(case))
            .unwrap()
            .1
            .iter()
            .map(|&(c, l, col)| (c.to_string(), l as u64, col as u64))
            .collect();
        assert_eq!(got, expected, "{}", case.map);
    }
}

/// `schema-*` cases are errors only against their schema: the same mapping alone is valid.
#[test]
fn schema_cases_are_valid_without_their_schema() {
    for case in all_cases("errors") {
        if !stem(&case).starts_with("schema-") {
            continue;
        }
        assert!(case.schema.is_some(), "{}: no schema next to it", case.map);
        let (_, compiled) = compile_bytes(&case.bytes(), None);
        assert!(
            compiled.diagnostics.is_empty(),
            "{}: {:?}",
            case.map,
            compiled.diagnostics
        );
    }
}

#[test]
fn every_compile_code_is_produced_by_some_case() {
    let mut produced = BTreeSet::new();
    for case in all_cases("") {
        let (_, compiled) = case.compile();
        produced.extend(compiled.diagnostics.iter().map(|d| d.code));
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| (1..100).contains(&number(**c)) && !produced.contains(*c))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "no case produces {missing:?}");
}

/// Codes that no evaluation can produce today, with the reason; listed here so that a change
/// that makes one reachable (or one more unreachable) is noticed.
const UNREACHABLE_AT_RUNTIME: &[(&str, &str)] = &[(
    "M106",
    "a JSONPath query of RFC 9535 always gives a node list on a JSON record",
)];

#[test]
fn every_runtime_code_is_produced_by_some_eval_case() {
    let mut produced = BTreeSet::new();
    for case in all_cases("") {
        let Some((_, output)) = case.eval() else {
            continue;
        };
        for image in images(&output) {
            for e in image["errors"].as_array().unwrap() {
                produced.insert(e["code"].as_str().unwrap().to_string());
            }
        }
    }
    let unreachable: BTreeSet<&str> = UNREACHABLE_AT_RUNTIME.iter().map(|(c, _)| *c).collect();
    for code in Code::ALL
        .iter()
        .filter(|c| (101..=106).contains(&number(**c)))
    {
        let code = code.as_str();
        assert_eq!(
            produced.contains(code),
            !unreachable.contains(code),
            "{code}: produced by an eval case: {}",
            produced.contains(code)
        );
    }
}

fn number(code: Code) -> u32 {
    code.as_str()[1..].parse().unwrap()
}

#[test]
fn errors_and_warnings_have_a_help_line_and_a_label() {
    for case in all_cases("") {
        let (_, compiled) = case.compile();
        for d in &compiled.diagnostics {
            assert!(!d.label.is_empty(), "{}: {d:?}", case.map);
            assert!(!d.message.is_empty(), "{}: {d:?}", case.map);
            if d.severity == Severity::Warning {
                assert!(d.help.is_some(), "{}: {d:?}", case.map);
            }
        }
    }
}

fn eval_case(map: &str) -> Vec<Value> {
    let case = Case::new(&PathBuf::from(ROOT).join(map));
    let (_, output) = case.eval().expect("the case has an input");
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    images(&output)
}

fn by_key<'a>(images: &'a [Value], key: &str) -> &'a Value {
    images
        .iter()
        .find(|i| i["key"]["value"] == key)
        .unwrap_or_else(|| panic!("no image with key {key}"))
}

#[test]
fn devices_seed_reads_the_embedded_user() {
    let images = eval_case("tests/cases/seed/devices.map");
    assert_eq!(images.len(), 2);
    let with_user = by_key(&images, "guo4a5u7YAHhjXrMK0g5");
    assert_eq!(
        with_user["attributes"]["Email"],
        serde_json::json!(["email@email.com"])
    );
    assert_eq!(with_user["errors"], serde_json::json!([]));
    // The device without `_embedded.users` has no email, and that is not an error.
    let without = by_key(&images, "guo4a5u7YAHhjXrMK0g4");
    assert_eq!(without["attributes"]["Email"], serde_json::json!([]));
    assert_eq!(without["errors"], serde_json::json!([]));
}

#[test]
fn users_lists_seed_gives_one_escaped_query_per_element() {
    let images = eval_case("tests/cases/seed/users-lists.map");
    let zoe = by_key(&images, "00u4x9kqzrE7bT3Lm1d7");
    let groups: Vec<&str> = zoe["references"]["Groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            assert_eq!(q["object_type"], "Groups");
            q["aql"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        groups,
        [
            r#"Name = "Sales \"EMEA\" \\ OR Name=\"x\"""#,
            r#"Name = "Ventes Équipe 東京""#,
            r#"Name = "Finance AND Legal""#,
            r#"Name = "Contractors) OR (Name=\"Admins\"""#,
            r#"Name = "Team ${apps}""#,
            r#"Name = "West Coast users""#,
        ]
    );

    // One query per array element, for every list of every user.
    let input: Value = serde_json::from_slice(
        &std::fs::read(Path::new(ROOT).join("tests/cases/seed/users-lists.input.json")).unwrap(),
    )
    .unwrap();
    let records = input.as_array().unwrap();
    assert_eq!(records.len(), images.len());
    for (record, image) in records.iter().zip(&images) {
        for list in ["roles", "groups", "apps"] {
            let attribute = format!("{}{}", list[..1].to_uppercase(), &list[1..]);
            // The evaluator removes repeated values, keeping the first of each.
            let mut elements: Vec<&str> = Vec::new();
            for v in record[list].as_array().into_iter().flatten() {
                let v = v.as_str().unwrap();
                if !elements.contains(&v) {
                    elements.push(v);
                }
            }
            let queries = image["references"][&attribute].as_array().unwrap();
            assert_eq!(queries.len(), elements.len(), "{list} of {}", record["id"]);
            for (q, element) in queries.iter().zip(elements) {
                let escaped = element.replace('\\', "\\\\").replace('"', "\\\"");
                assert_eq!(q["aql"], format!("Name = \"{escaped}\""));
            }
        }
    }
    // The user with no list entries links nothing.
    let john = by_key(&images, "00u3m5wrdPjJYUFb81d6");
    assert_eq!(
        john["references"],
        serde_json::json!({"Apps": [], "Groups": [], "Roles": []})
    );
}

#[test]
fn per_record_errors_name_the_record_and_the_mapping_line() {
    let case =
        Case::new(&PathBuf::from(ROOT).join("tests/cases/features/per-record-count-errors.map"));
    let (_, output) = case.eval().unwrap();
    assert_eq!(exit_code(&output), 1);
    let images = images(&output);
    assert_eq!(
        images.len(),
        4,
        "a record with errors still prints its image"
    );
    let codes: Vec<Vec<(String, u64)>> = images
        .iter()
        .map(|i| {
            i["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["code"].as_str().unwrap().to_string(),
                        e["line"].as_u64().unwrap(),
                    )
                })
                .collect()
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            vec![("M103".to_string(), 7)],
            vec![("M104".to_string(), 8)],
            vec![("M104".to_string(), 9)],
            vec![],
        ]
    );
    let err = stderr(&output);
    assert!(
        err.contains("tests/cases/features/per-record-count-errors.map:8:1: error[M104]: Users record 2 (key 00u2)"),
        "{err}"
    );
    assert!(err.contains("3 record(s) had errors"), "{err}");
}
