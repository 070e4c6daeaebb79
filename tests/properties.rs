//! Properties of the compiler, the formatter and the evaluator, checked on generated input.
//!
//! Case counts are kept modest so that the whole file runs in well under a minute in a debug
//! build (`PROPTEST_CASES` raises them for a longer search). A failure prints the shrunk input;
//! inputs that exposed a fault are checked as plain `#[test]`s next to their property.

mod mapping_gen;

use assetsync::diag::{render_human, Diagnostic};
use assetsync::eval::{evaluate, Record, Scalar};
use assetsync::lang::ast::{AqlOp, AqlValue};
use assetsync::lang::parser::{parse, parse_aql};
use assetsync::lang::program::DotPath;
use assetsync::lang::{compile, compile_bytes, fmt, Program};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Shrinking a mapping can take many steps; a bound keeps a failing run short.
        max_shrink_iters: 4096,
        // Failures found are kept as plain tests in this file, not in a side file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ================================================================================ 1. no panics

/// Every span lies inside the text; the program is there exactly when no diagnostic is an
/// error; and the diagnostics render without panicking.
fn check_diagnostics(
    text: &str,
    diagnostics: &[Diagnostic],
    has_program: bool,
) -> Result<(), TestCaseError> {
    for d in diagnostics {
        prop_assert!(
            d.span.start <= d.span.end && d.span.end <= text.len(),
            "{:?} span {:?} outside the text of {} bytes: {:?}",
            d.code,
            d.span,
            text.len(),
            d.message
        );
        // Columns are counted in characters: a span that cuts a character has no column.
        prop_assert!(
            text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end),
            "{:?} span {:?} cuts a character of {:?}",
            d.code,
            d.span,
            text
        );
    }
    prop_assert_eq!(
        has_program,
        !diagnostics.iter().any(Diagnostic::is_error),
        "a program must come out exactly when there is no error: {:#?}",
        diagnostics
    );
    let rendered = render_human("p.map", text, diagnostics, false, 100_000);
    for d in diagnostics {
        prop_assert!(rendered.contains(&d.message));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn compile_never_panics_on_arbitrary_text(text in any::<String>()) {
        let compiled = compile(&text, None);
        check_diagnostics(&text, &compiled.diagnostics, compiled.program.is_some())?;
    }

    #[test]
    fn compile_never_panics_on_mapping_like_text(text in mapping_gen::mapping_like()) {
        let compiled = compile(&text, None);
        check_diagnostics(&text, &compiled.diagnostics, compiled.program.is_some())?;
    }

    #[test]
    fn compile_bytes_never_panics(
        bytes in prop_oneof![vec(any::<u8>(), 0..256), mapping_gen::mapping_like_bytes()]
    ) {
        let (text, compiled) = compile_bytes(&bytes, None);
        if let Ok(utf8) = std::str::from_utf8(&bytes) {
            prop_assert_eq!(&text, utf8);
        } else {
            // Text that is not UTF-8 is one diagnostic, at the first bad byte.
            prop_assert_eq!(compiled.diagnostics.len(), 1);
            let at = std::str::from_utf8(&bytes).unwrap_err().valid_up_to();
            prop_assert_eq!(compiled.diagnostics[0].span.start, at);
        }
        check_diagnostics(&text, &compiled.diagnostics, compiled.program.is_some())?;
    }
}

#[test]
fn span_of_a_line_cut_short_at_the_end_of_the_file_stays_inside_it() {
    for text in [
        "filter:*",
        "filter:a ==",
        "key:id=K\nfilter:a ==",
        "map:x=A|foo=",
    ] {
        let compiled = compile(text, None);
        assert!(!compiled.diagnostics.is_empty(), "{text:?}");
        for d in &compiled.diagnostics {
            assert!(d.span.end <= text.len(), "{text:?}: {d:?}");
        }
    }
    // Where a line end follows, the span still points at the place reading stopped.
    let compiled = compile("filter:a ==\nkey:id=K", None);
    assert_eq!(compiled.diagnostics[0].span.start, 11);
}

#[test]
fn span_of_a_wide_character_covers_the_whole_character() {
    let text = "key:id=K\nmap:x=A|Nämé=${x}";
    let compiled = compile(text, None);
    let d = &compiled.diagnostics[0];
    let at = text.find('ä').unwrap();
    assert_eq!(
        (d.span.start, d.span.end),
        (at, at + 'ä'.len_utf8()),
        "{d:?}"
    );
}

// ================================================================================ 2. fmt

fn program_json(program: &Program) -> String {
    serde_json::to_string(program).expect("a program serialises")
}

fn format_text(text: &str) -> String {
    let (doc, _) = parse(text);
    fmt::format(&doc, text)
}

/// The layout the formatter promises: the line ends of the original (CRLF when its first line
/// ends so, LF otherwise) and its byte-order mark if it had one; no trailing spaces or tabs, at
/// most one blank line in a row, one line end at the end.
fn check_layout(original: &str, formatted: &str) -> Result<(), TestCaseError> {
    let crlf = original
        .find('\n')
        .is_some_and(|i| original[..i].ends_with('\r'));
    let bom = original.starts_with('\u{FEFF}');
    prop_assert_eq!(formatted.starts_with('\u{FEFF}'), bom, "{:?}", formatted);
    let body = formatted.strip_prefix('\u{FEFF}').unwrap_or(formatted);
    let lf_only = if crlf {
        prop_assert!(
            body.split('\n').rev().skip(1).all(|l| l.ends_with('\r')),
            "a line end that is not CRLF in {formatted:?}"
        );
        body.replace("\r\n", "\n")
    } else {
        body.to_string()
    };
    let formatted = lf_only.as_str();
    prop_assert!(!formatted.contains('\r'), "CR left in {formatted:?}");
    prop_assert!(formatted.ends_with('\n') && !formatted.ends_with("\n\n"));
    prop_assert!(
        !formatted.contains("\n\n\n"),
        "two blank lines in {formatted:?}"
    );
    for line in formatted.lines() {
        prop_assert!(
            !line.ends_with([' ', '\t']) && !line.starts_with([' ', '\t']),
            "line {line:?} not trimmed"
        );
    }
    Ok(())
}

fn check_format_preserves(text: &str) -> Result<(), TestCaseError> {
    let compiled = compile(text, None);
    let Some(program) = &compiled.program else {
        return Err(TestCaseError::fail(format!(
            "the generated mapping does not compile:\n{text:?}\n{:#?}",
            compiled.diagnostics
        )));
    };
    let once = format_text(text);
    check_layout(text, &once)?;
    let recompiled = compile(&once, None);
    let Some(reprogram) = &recompiled.program else {
        return Err(TestCaseError::fail(format!(
            "the formatted mapping does not compile:\n{text:?}\n→\n{once:?}\n{:#?}",
            recompiled.diagnostics
        )));
    };
    prop_assert_eq!(
        program_json(program),
        program_json(reprogram),
        "formatting changed the program:\n{:?}\n→\n{:?}",
        text,
        once
    );
    // Warnings (there are no errors) are the same before and after.
    let codes =
        |c: &assetsync::lang::Compiled| c.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
    prop_assert_eq!(codes(&compiled), codes(&recompiled));
    let twice = format_text(&once);
    prop_assert_eq!(&twice, &once, "formatting is not idempotent");
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn fmt_is_idempotent_and_keeps_the_program(text in mapping_gen::valid_mapping()) {
        check_format_preserves(&text)?;
    }
}

#[test]
fn fmt_keeps_an_equals_apart_from_the_operators_it_would_form() {
    for (text, formatted) in [
        ("key:id=K\nmap:id = =Weird", "key:id=K\nmap:id = =Weird\n"),
        (
            "key:id=K\nmap:values.0_where_os/name_eq_v! =X",
            "key:id=K\nmap:values.0_where_os/name_eq_v! = X\n",
        ),
        (
            "key:id=K\nmap:values.0_where_os/name_eq_v< =X",
            "key:id=K\nmap:values.0_where_os/name_eq_v< = X\n",
        ),
        ("key:id=K\nmap:a=b=c", "key:id=K\nmap:a=b=c\n"),
    ] {
        assert_eq!(format_text(text), formatted);
        check_format_preserves(text).unwrap();
    }
}

#[test]
fn fmt_keeps_unicode_spaces_at_the_ends_of_a_source() {
    for text in [
        "key:id=K\nmap:\u{A0}email=Email",
        "key:id\u{2003}=K",
        "key:id=K\nfilter:\u{A0}x == 'a'",
    ] {
        assert_eq!(format_text(text), format!("{text}\n"));
        check_format_preserves(text).unwrap();
    }
}

// ================================================================================ 3. AQL escaping

/// Values that stress AQL quoting: quotes, backslashes (also before `n` and `t`, which the
/// reader unescapes), keywords, parentheses, placeholders, line ends, unicode.
fn aql_value() -> BoxedStrategy<String> {
    prop_oneof![
        2 => vec(
            prop_oneof![
                4 => select(&[
                    "\"", "\\", "\\n", "\\t", "\\\"", "AND", " AND ", "OR", " OR ", "and", "(", ")",
                    " IN (", "=", "Name=\"x\"", "'", "${", "}", ",", " ", "\t", "\n", "\r", "\r\n",
                    "é", "🙂", "\u{FEFF}", "\0", "Sales",
                ][..]).prop_map(String::from),
                1 => any::<char>().prop_map(String::from),
            ],
            0..8,
        ).prop_map(|p| p.concat()),
        1 => any::<String>(),
    ]
    .boxed()
}

fn only_reference(text: &str, record: &Value) -> Vec<String> {
    let program = compile(text, None).program.expect("the mapping compiles");
    let section = &program.sections[0];
    let image = evaluate(section, record).expect("no filter");
    assert!(image.errors.is_empty(), "{:?}", image.errors);
    image.references["Ref"]
        .iter()
        .map(|q| {
            assert_eq!(q.object_type, "Ref");
            q.aql.clone()
        })
        .collect()
}

/// Reads a rendered query back with the project's AQL reader: one term, its attribute, its
/// operator and its constant values.
fn read_back(aql: &str) -> Result<(String, AqlOp, Vec<String>), TestCaseError> {
    let mut diags = Vec::new();
    let parsed = parse_aql(aql, 0, &mut diags);
    let Some(parsed) = parsed else {
        return Err(TestCaseError::fail(format!(
            "the rendered query {aql:?} does not read back: {diags:#?}"
        )));
    };
    prop_assert!(diags.is_empty());
    prop_assert_eq!(parsed.terms.len(), 1, "{:?} reads as several terms", aql);
    let term = &parsed.terms[0];
    let mut values = Vec::new();
    for v in &term.values {
        match v {
            AqlValue::Constant(c) => values.push(c.value.clone()),
            AqlValue::Placeholder(_) => {
                return Err(TestCaseError::fail(format!(
                    "{aql:?} reads as a placeholder"
                )))
            }
        }
    }
    Ok((term.attribute.value.clone(), term.op, values))
}

/// The value written as a quoted AQL name inside a mapping line.
fn mapping_quoted(name: &str) -> String {
    let mut s = String::from("\"");
    for c in name.chars() {
        if matches!(c, '"' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

proptest! {
    #![proptest_config(config(256))]

    // Values with line ends are included on purpose: a rendered query must read back whatever
    // the value, and the reader accepts line ends inside quoted AQL text.
    #[test]
    fn aql_eq_value_reads_back(value in aql_value()) {
        let queries = only_reference(
            "Users:\nkey:id=K\nmap:v=Ref|Name=${v}",
            &json!({"id": "1", "v": value}),
        );
        prop_assert_eq!(queries.len(), 1);
        let (attribute, op, values) = read_back(&queries[0])?;
        prop_assert_eq!(attribute, "Name");
        prop_assert_eq!(op, AqlOp::Eq);
        prop_assert_eq!(values, vec![value]);
    }

    #[test]
    fn aql_quoted_attribute_reads_back(value in aql_value()) {
        let queries = only_reference(
            "Users:\nkey:id=K\nmap:v=Ref|\"Group Name\"=${v}",
            &json!({"id": "1", "v": value}),
        );
        prop_assert_eq!(queries.len(), 1);
        let (attribute, op, values) = read_back(&queries[0])?;
        prop_assert_eq!(attribute, "Group Name");
        prop_assert_eq!(op, AqlOp::Eq);
        prop_assert_eq!(values, vec![value]);
    }

    /// Any attribute name a mapping can write (no line ends: a mapping line cannot hold one)
    /// is rendered bare or quoted so that it reads back as itself.
    #[test]
    fn aql_any_attribute_name_reads_back(
        name in prop_oneof![
            3 => "[^\r\n]{0,12}",
            1 => select(&["AND", "and", "IN", "in", "Or", "a b", "x=y", "ÄND", ""][..]).prop_map(String::from),
        ],
        value in aql_value(),
    ) {
        let text = format!("Users:\nkey:id=K\nmap:v=Ref|{}=${{v}}", mapping_quoted(&name));
        let queries = only_reference(&text, &json!({"id": "1", "v": value}));
        prop_assert_eq!(queries.len(), 1);
        let (attribute, _, values) = read_back(&queries[0])?;
        prop_assert_eq!(attribute, name);
        prop_assert_eq!(values, vec![value]);
    }

    #[test]
    fn aql_in_values_read_back_in_order(values in vec(aql_value(), 1..5)) {
        let queries = only_reference(
            "Users:\nkey:id=K\nmap:v=Ref|Name IN (${v})",
            &json!({"id": "1", "v": values}),
        );
        prop_assert_eq!(queries.len(), 1);
        let (attribute, op, read) = read_back(&queries[0])?;
        prop_assert_eq!(attribute, "Name");
        prop_assert_eq!(op, AqlOp::In);
        // The values of a source are de-duplicated, first occurrence kept.
        let mut expected: Vec<String> = Vec::new();
        for v in values {
            if !expected.contains(&v) {
                expected.push(v);
            }
        }
        prop_assert_eq!(read, expected);
    }
}

#[test]
fn aql_value_with_line_ends_reads_back() {
    for value in ["\n", "a\nb", "a\r\nb\r", "\\n\"\n"] {
        let queries = only_reference(
            "Users:\nkey:id=K\nmap:v=Ref|Name=${v}",
            &json!({"id": "1", "v": value}),
        );
        let (attribute, op, values) = read_back(&queries[0]).unwrap();
        assert_eq!((attribute.as_str(), op), ("Name", AqlOp::Eq));
        assert_eq!(values, [value]);
    }
}

// ================================================================================ 4. dot paths

// What is compared. A dot path's meaning depends on the shape of the data it meets: a name
// segment on an array fans out over the elements (`groups.name` ≡ `$.groups[*].name`, and
// through arrays of arrays too: `$.groups[*][*].name`), a numeric segment indexes an array but
// names a key of an object. So documents are generated with a fixed shape per key:
//
//   `a`, `b`, `0` hold an object, a scalar or null (never an array);
//   `xs`          holds an array of (objects, scalars, nulls), or a scalar, or null;
//   `xss`         holds an array of such arrays (or scalars, or nulls), or a scalar, or null.
//
// Under that rule the JSONPath equivalent of a dot path depends on the path alone: after `xs`
// (`xss`) one (two) array levels remain; a numeric segment there is `[i]` and uses up a level,
// a name segment is `[*]` for every level left, then `['name']`; anywhere else a segment is
// `['segment']`, numeric or not. Arrays left at the end of the path are not selected into:
// both sides' results are flattened the same way — arrays give their elements (recursively),
// null gives nothing, a scalar gives itself, and an object anywhere is an error. The dot side is
// `Record::scalars` on the document; the JSONPath side is jsonpath-rust's `js_path_process`,
// flattened by `flatten` below. Both must give the same scalars in the same order, or both an
// error. The same pair is then compiled as two `map:` lines and must give the same attribute
// values (and an error for both or neither).

const DOC_KEYS: &[&str] = &["a", "b", "0", "xs", "xss"];
const PATH_SEGMENTS: &[&str] = &["a", "b", "0", "1", "3", "00", "xs", "xss", "c"];

fn array_levels(key: &str) -> usize {
    match key {
        "xs" => 1,
        "xss" => 2,
        _ => 0,
    }
}

fn doc_scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::from),
        (-3i64..1000).prop_map(Value::from),
        select(&["x", "y", "", "Ünï", "0"][..]).prop_map(Value::from),
        Just(json!(1.5)),
    ]
    .boxed()
}

/// A value with `levels` array levels above the non-array values.
fn doc_value(levels: usize, depth: u32) -> BoxedStrategy<Value> {
    if levels > 0 {
        return prop_oneof![
            1 => doc_scalar(),
            1 => Just(Value::Null),
            5 => vec(doc_value(levels - 1, depth), 0..4).prop_map(Value::Array),
        ]
        .boxed();
    }
    if depth == 0 {
        return prop_oneof![4 => doc_scalar(), 1 => Just(Value::Null)].boxed();
    }
    prop_oneof![
        2 => doc_scalar(),
        1 => Just(Value::Null),
        4 => doc_object(depth),
    ]
    .boxed()
}

fn doc_object(depth: u32) -> BoxedStrategy<Value> {
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = DOC_KEYS
        .iter()
        .map(|k| {
            let key = k.to_string();
            proptest::option::weighted(0.6, doc_value(array_levels(k), depth - 1))
                .prop_map(move |v| v.map(|v| (key.clone(), v)))
                .boxed()
        })
        .collect();
    fields
        .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect()))
        .boxed()
}

fn is_index(segment: &str) -> Option<usize> {
    (!segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()))
        .then(|| segment.parse().ok())
        .flatten()
}

/// The JSONPath that selects what `path` selects in documents of the shape above.
fn equivalent_jsonpath(path: &[&str]) -> String {
    let mut jp = String::from("$");
    let mut levels = 0;
    for segment in path {
        if levels > 0 {
            if let Some(i) = is_index(segment) {
                jp.push_str(&format!("[{i}]"));
                levels -= 1;
                continue;
            }
            for _ in 0..levels {
                jp.push_str("[*]");
            }
        }
        jp.push_str(&format!("['{segment}']"));
        levels = array_levels(segment);
    }
    jp
}

struct ObjectFound;

/// Arrays give their elements, null nothing, a scalar itself; an object is an error.
fn flatten(value: &Value, out: &mut Vec<Scalar>) -> Result<(), ObjectFound> {
    match value {
        Value::Null => Ok(()),
        Value::Array(items) => items.iter().try_for_each(|i| flatten(i, out)),
        Value::Object(_) => Err(ObjectFound),
        other => {
            out.push(Scalar::from_json(other).expect("a scalar"));
            Ok(())
        }
    }
}

fn jsonpath_scalars(jp: &str, doc: &Value) -> Result<Vec<Scalar>, ObjectFound> {
    let query = jsonpath_rust::parser::parse_json_path(jp).expect("the JSONPath is valid");
    let nodes = jsonpath_rust::query::js_path_process(&query, doc).expect("the query runs");
    let mut out = Vec::new();
    for node in nodes {
        flatten(node.val, &mut out)?;
    }
    Ok(out)
}

fn dot_scalars(path: &str, doc: &Value) -> Result<Vec<Scalar>, ()> {
    let mut out = Vec::new();
    doc.scalars(&DotPath::parse(path, '.'), &mut out)
        .map(|()| out)
        .map_err(|_| ())
}

fn check_dot_path(path: &[&str], doc: &Value) -> Result<(), TestCaseError> {
    let dot = path.join(".");
    let jp = equivalent_jsonpath(path);
    let expected = jsonpath_scalars(&jp, doc);
    let got = dot_scalars(&dot, doc);
    match (&got, &expected) {
        (Ok(got), Ok(expected)) => prop_assert_eq!(got, expected, "`{}` vs `{}`", dot, jp),
        (Err(()), Err(ObjectFound)) => {}
        _ => {
            return Err(TestCaseError::fail(format!(
                "`{dot}` gives {got:?}, `{jp}` gives {}",
                if expected.is_ok() {
                    "values"
                } else {
                    "an object"
                }
            )))
        }
    }

    // The same through the compiler and the evaluator.
    let text = format!("Users:\nkey:'k'=K\nmap:{dot}=ByDots\nmap:{jp}=ByJsonPath");
    let program = compile(&text, None).program.expect("both forms compile");
    let image = evaluate(&program.sections[0], doc).expect("no filter");
    let attr_errors = |a: &str| {
        image
            .errors
            .iter()
            .filter(|e| e.attribute.as_deref() == Some(a))
            .count()
    };
    prop_assert_eq!(attr_errors("ByDots"), attr_errors("ByJsonPath"));
    prop_assert_eq!(
        image.attributes.get("ByDots"),
        image.attributes.get("ByJsonPath")
    );
    Ok(())
}

/// A path that mostly follows the document (keys it has, indices in range or one past, names
/// of the objects inside arrays) and ends where the document gives a value, with now and then a
/// segment picked at random: paths picked at random alone almost never reach a value.
fn path_into(doc: &Value, choices: &[(prop::sample::Index, u8)]) -> Vec<&'static str> {
    let known = |name: &str| PATH_SEGMENTS.iter().copied().find(|s| *s == name);
    let mut path = Vec::new();
    let mut at = Some(doc);
    for (pick, roll) in choices {
        let random = PATH_SEGMENTS[pick.index(PATH_SEGMENTS.len())];
        let (segment, next) = match at {
            _ if *roll == 0 => (random, None),
            Some(Value::Object(map)) if !map.is_empty() => {
                let (k, v) = map.iter().nth(pick.index(map.len())).unwrap();
                (known(k).unwrap_or(random), Some(v))
            }
            Some(Value::Array(items)) if *roll < 5 => {
                let i = pick.index(items.len() + 1);
                (
                    ["0", "1", "3"]
                        .into_iter()
                        .find(|s| s.parse() == Ok(i))
                        .unwrap_or("3"),
                    items.get(i),
                )
            }
            Some(Value::Array(items)) => {
                // A name: one of the keys of the first object among the elements.
                let mut first = items.first();
                while let Some(Value::Array(inner)) = first {
                    first = inner.first();
                }
                match first {
                    Some(Value::Object(map)) if !map.is_empty() => {
                        let (k, v) = map.iter().nth(pick.index(map.len())).unwrap();
                        (known(k).unwrap_or(random), Some(v))
                    }
                    _ => (random, None),
                }
            }
            // Past a value the path would only reach nothing: end it here.
            _ if !path.is_empty() => break,
            _ => (random, None),
        };
        path.push(segment);
        at = next;
    }
    path
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn dot_paths_agree_with_jsonpath(
        (doc, path) in (doc_object(4), vec((any::<prop::sample::Index>(), 0u8..12), 1..6))
            .prop_map(|(doc, choices)| {
                let path = path_into(&doc, &choices);
                (doc, path)
            }),
    ) {
        check_dot_path(&path, &doc)?;
    }
}

#[test]
fn nested_arrays_are_flattened_like_wildcards() {
    let doc = json!({
        "xss": [[{"a": 1}, {"a": [2, [3]]}, 4, null], "s", [], null, [{"b": 5}, {"a": {"c": 6}}]],
        "xs": [[7, [8]], {"a": 9}],
    });
    // A name on an array of arrays fans out through both levels.
    let mut out = Vec::new();
    let r = doc.scalars(&DotPath::parse("xss.a", '.'), &mut out);
    assert!(r.is_err(), "the object under the last `a` is an error");
    out.clear();
    doc.scalars(&DotPath::parse("xss.0.a", '.'), &mut out)
        .unwrap();
    assert_eq!(
        out,
        [json!(1), json!(2), json!(3)].map(|v| Scalar::from_json(&v).unwrap())
    );
    // An array at the end gives its elements, flattened all the way down.
    out.clear();
    doc.scalars(&DotPath::parse("xs.0", '.'), &mut out).unwrap();
    assert_eq!(
        out,
        [json!(7), json!(8)].map(|v| Scalar::from_json(&v).unwrap())
    );
    for path in [
        ["xss", "a"].as_slice(),
        &["xss", "0", "a"],
        &["xs", "0"],
        &["xs", "a"],
        &["xss"],
    ] {
        check_dot_path(path, &doc).unwrap();
    }
}

// ================================================================================ 5. evaluation

/// Every source form, every function, the compatibility filters, options, references of every
/// AQL form, and filters; the first section has no filter so that every record reaches it.
const EVERY_FORM: &str = r#"Users:
key:id=WorkerID
map:profile.email=Email
map:_embedded.users.0.user.profile.email=Embedded Email
map:groups.name=Group Names
map:$.credentials.emails[?@.type=='PRIMARY'].value=Primary Email
map:$..id=All Ids
map:$.items[?@.n > 2 && @.m != 'x, y']=Items
map:"${profile.firstName} ${profile.lastName}"=Full Name
map:"${groups.name}/${groups.id}"=Group Pairs
map:'Okta'=Source
map:lower(profile.email)=Lower
map:upper(profile.email)=Upper
map:trim(profile.title)=Title
map:coalesce(profile.department, profile.division, 'None')=Department
map:concat(profile.firstName, ' ', profile.lastName)=Concat
map:split(profile.costCenters, ',')=Cost Centers
map:join(groups.name, ';')=Joined
map:replace(profile.mobilePhone, '-', ' ')=Mobile
map:date(created, '%Y-%m-%d')=Created
map:date(lastLogin, '%d.%m.%Y %H:%M')=Last Login
map:first(groups.name)=First Group
map:lower(trim(first(split(tags, '~'))))=Nested
map:values.0_where_operatingSystem/name_eq_Uptime=Uptime
map:jsonpath__workAssignments.*.address.cityName__where__workAssignments.*.primaryIndicator_eq_true=City
map:tags=Tags|arraySeparator=~
map:roles=Roles|Name=${roles}
map:groups.name=Groups|"Group Name"=${groups.name} AND Status="Active"
map:apps=Apps|Name IN (${apps})
map:manager=Users|Key=${manager}
map:a=Pair|Name=${a} AND Id=${b}
map:a=Listed|Name IN (${a}, "fixed", ${b}) AND Kind=${'k'}
map:a=Templated|Name=${"${a}-${b}"}

Groups:
key:$.id=GroupID
map:name=Name
config:references=lookup
config:empty=clear
filter:status != 'DEPROVISIONED' or not exists(status)
filter:(level >= 2 and level < 5) or level == null or tags in ['a', 'b'] or active == true
filter:$.name == 'x' or name != 'y'
map:users=Members|Name=${users}
"#;

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn evaluation_is_deterministic_and_total(
        record in prop_oneof![
            4 => mapping_gen::json_value().prop_filter("an object", Value::is_object),
            1 => mapping_gen::json_value(),
        ]
    ) {
        let first = compile(EVERY_FORM, None).program.expect("the mapping compiles");
        let second = compile(EVERY_FORM, None).program.expect("the mapping compiles");
        prop_assert_eq!(first.order.clone(), vec![1, 0]);
        for (a, b) in first.sections.iter().zip(&second.sections) {
            let image = evaluate(a, &record);
            let json = serde_json::to_string(&image).unwrap();
            prop_assert_eq!(&json, &serde_json::to_string(&evaluate(a, &record)).unwrap());
            prop_assert_eq!(&json, &serde_json::to_string(&evaluate(b, &record)).unwrap());
            // The section without filters gives an image for every record.
            prop_assert!(a.name != "Users" || image.is_some());
            let Some(image) = image else { continue };
            // Every rendered query reads back as AQL, with as many terms as its mapping has.
            for (attribute, queries) in &image.references {
                let mapping = a.maps.iter().find(|m| &m.attribute == attribute).unwrap();
                let terms = mapping.reference.as_ref().unwrap().terms.len();
                for q in queries {
                    let mut diags = Vec::new();
                    let parsed = parse_aql(&q.aql, 0, &mut diags);
                    prop_assert!(parsed.is_some(), "{:?} does not read back: {:#?}", q.aql, diags);
                    prop_assert_eq!(parsed.unwrap().terms.len(), terms, "{:?}", q.aql);
                }
            }
            // Attribute values are de-duplicated.
            for values in image.attributes.values() {
                for (i, v) in values.iter().enumerate() {
                    prop_assert!(!values[..i].contains(v), "{:?} repeated", v);
                }
            }
        }
    }

    #[test]
    fn evaluation_never_panics_on_generated_sections(
        text in mapping_gen::valid_mapping(),
        record in mapping_gen::json_value(),
    ) {
        let program = compile(&text, None).program;
        prop_assume!(program.is_some());
        let program = program.unwrap();
        for section in program.ordered() {
            let once = serde_json::to_string(&evaluate(section, &record)).unwrap();
            let again = serde_json::to_string(&evaluate(section, &record)).unwrap();
            prop_assert_eq!(once, again);
        }
    }
}

#[test]
fn every_form_mapping_evaluates_a_full_record() {
    let program = compile(EVERY_FORM, None).program.expect("compiles");
    let record = json!({
        "id": "u1",
        "profile": {"email": "A@B.C", "firstName": "Ann", "lastName": "Lee", "title": " Boss ",
                    "division": "Ops", "costCenters": "1,2", "mobilePhone": "1-2"},
        "groups": [{"name": "g1", "id": 1}, {"name": "g2", "id": 2}],
        "credentials": {"emails": [{"type": "PRIMARY", "value": "p@x"}]},
        "created": "2021-03-04T05:06:07Z",
        "tags": "b~a~b",
        "roles": ["r1"],
        "apps": ["x", "y"],
        "manager": "u0",
        "a": "1", "b": "2",
        "operatingSystem": [{"name": "Version", "values": ["9"]}, {"name": "Uptime", "values": ["5d", "6d"]}],
        "workAssignments": [{"primaryIndicator": true, "address": {"cityName": "Oslo"}}],
    });
    let image = evaluate(program.section("Users").unwrap(), &record).unwrap();
    assert!(image.errors.is_empty(), "{:#?}", image.errors);
    let text = |a: &str| -> Vec<String> {
        image.attributes[a]
            .iter()
            .map(|s| s.text().into_owned())
            .collect()
    };
    assert_eq!(text("Full Name"), ["Ann Lee"]);
    assert_eq!(text("Group Pairs"), ["g1/1", "g2/2"]);
    assert_eq!(text("Department"), ["Ops"]);
    assert_eq!(text("Created"), ["2021-03-04"]);
    assert_eq!(text("Nested"), ["b"]);
    assert_eq!(text("Tags"), ["b", "a"]);
    assert_eq!(text("Uptime"), ["5d"]);
    assert_eq!(text("City"), ["Oslo"]);
    assert_eq!(text("Primary Email"), ["p@x"]);
    let aql =
        |a: &str| -> Vec<&str> { image.references[a].iter().map(|q| q.aql.as_str()).collect() };
    assert_eq!(aql("Apps"), [r#"Name IN ("x", "y")"#]);
    assert_eq!(aql("Pair"), [r#"Name = "1" AND Id = "2""#]);
    assert_eq!(
        aql("Listed"),
        [r#"Name IN ("1", "fixed", "2") AND Kind = "k""#]
    );
    assert_eq!(aql("Templated"), [r#"Name = "1-2""#]);
    assert_eq!(
        aql("Groups"),
        [
            r#""Group Name" = "g1" AND Status = "Active""#,
            r#""Group Name" = "g2" AND Status = "Active""#
        ]
    );
}
