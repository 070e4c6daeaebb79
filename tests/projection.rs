//! A section whose sources are all dot paths reads its records through a projection that builds
//! only the values at those paths. These tests check that it gives the same object images, byte
//! for byte, as reading every record into a `serde_json::Value`, and that the streaming reader
//! gives the images of every layout (JSON Lines, a JSON array, a document) in source order with
//! the right record indices, with one worker or several, across its 1 MiB chunks.
//!
//! Mappings are generated from dot paths whose names come from a small alphabet that the
//! generated records use as their keys, so that most paths meet values, arrays, nested arrays,
//! objects and nulls. Records are written as text in several ways: plainly, with repeated keys
//! (a `Value` keeps the last one; the projection must too), with escaped keys and with every
//! non-ASCII character escaped.

#[allow(dead_code)]
mod mapping_gen;

use assetsync::eval::evaluator::{Evaluator, Mode};
use assetsync::lang::program::Section;
use assetsync::lang::{compile, Program};
use assetsync::source::stream::{read_each_parallel, ChunkSink, RecordSink};
use assetsync::source::SourceError;
use mapping_gen::{hs, hs1};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde::Deserializer;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 4096,
        // Failures found are kept as plain tests in this file, not in a side file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ================================================================================ mappings

/// Path segments, and the keys of the generated records. `0` and `1` index arrays and name
/// object keys; `é` is written escaped in some records.
const NAMES: &[&str] = &["a", "b", "c", "id", "0", "1", "é"];

/// Short paths mostly: the longer a path, the fewer records reach its end.
fn path() -> BoxedStrategy<String> {
    prop_oneof![
        3 => vec(select(NAMES), 1..=1),
        3 => vec(select(NAMES), 2..=2),
        2 => vec(select(NAMES), 3..=4),
    ]
    .prop_map(|s| s.join("."))
    .boxed()
}

/// A source without JSONPath or compatibility forms: paths, literals, templates and calls of
/// every function, nested up to `depth` levels.
fn source(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![6 => path(), 1 => mapping_gen::literal()].boxed();
    if depth == 0 {
        return leaf;
    }
    let inner = source(depth - 1);
    prop_oneof![
        4 => leaf,
        1 => mapping_gen::template(inner.clone()),
        2 => mapping_gen::call(inner),
    ]
    .boxed()
}

const ATTRIBUTES: &[&str] = &["Name", "Email", "Tags", "Group Name", "Key"];

/// A value in a reference query: mostly a placeholder, now and then a constant.
fn aql_value() -> BoxedStrategy<String> {
    prop_oneof![
        3 => mapping_gen::placeholder(source(1)),
        1 => select(&["\"Active\"", "Active", "\"Sales \\\"EMEA\\\"\""][..]).prop_map(String::from),
    ]
    .boxed()
}

/// `Attr = value` or `Attr IN (values)`, starting with `first`.
fn aql_term(first: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let attribute = || select(&["Name", "Key", "\"Group Name\""][..]);
    prop_oneof![
        (attribute(), hs(), hs(), first.clone()).prop_map(|(a, x, y, v)| format!("{a}{x}={y}{v}")),
        (attribute(), hs1(), hs(), first, vec(aql_value(), 0..3)).prop_map(|(a, x, y, v, more)| {
            let mut values = vec![v];
            values.extend(more);
            format!("{a}{x}IN{y}({})", values.join(", "))
        }),
    ]
    .boxed()
}

/// A query whose first value is a placeholder (which makes the text after the pipe a query).
fn aql() -> BoxedStrategy<String> {
    (
        aql_term(mapping_gen::placeholder(source(1))),
        vec(aql_term(aql_value()), 0..2),
    )
        .prop_map(|(first, rest)| {
            let mut terms = vec![first];
            terms.extend(rest);
            terms.join(" AND ")
        })
        .boxed()
}

fn key_line() -> BoxedStrategy<String> {
    (
        prop_oneof![3 => Just("id".to_string()), 1 => source(1)],
        hs(),
        hs(),
    )
        .prop_map(|(s, a, b)| format!("key:{s}{a}={b}Key"))
        .boxed()
}

fn map_line() -> BoxedStrategy<String> {
    let plain = (source(2), select(ATTRIBUTES), hs(), hs())
        .prop_map(|(s, a, x, y)| format!("map:{s}{x}={y}{a}"));
    let separated = (source(2), select(ATTRIBUTES), hs(), mapping_gen::options())
        .prop_map(|(s, a, x, o)| format!("map:{s}={a}{x}|{o}"));
    let reference = (
        source(1),
        select(&["Groups", "Roles", "Users"][..]),
        hs(),
        hs(),
        aql(),
    )
        .prop_map(|(s, a, x, y, q)| format!("map:{s}={a}{x}|{y}{q}"));
    prop_oneof![4 => plain, 1 => separated, 2 => reference].boxed()
}

/// Literals of conditions, many of them equal to values the records hold.
fn condition_literal() -> BoxedStrategy<String> {
    prop_oneof![
        2 => select(&["'x'", "'é'", "''", "'2021-03-04'", "'10'", "'true'", "'a,b,,c'"][..])
            .prop_map(String::from),
        1 => mapping_gen::literal(),
        2 => select(&["0", "1", "2", "10", "-1.5", "1e3", "true", "false", "null"][..])
            .prop_map(String::from),
    ]
    .boxed()
}

fn condition(depth: u32) -> BoxedStrategy<String> {
    let operator = select(&["==", "!=", "<", "<=", ">", ">="][..]);
    let atom = prop_oneof![
        3 => (source(1), hs1(), operator, hs1(), condition_literal())
            .prop_map(|(s, a, op, b, l)| format!("{s}{a}{op}{b}{l}")),
        1 => (source(1), hs1(), hs(), vec(condition_literal(), 0..3))
            .prop_map(|(s, a, b, l)| format!("{s}{a}in{b}[{}]", l.join(", "))),
        1 => (hs(), source(1)).prop_map(|(a, s)| format!("exists{a}({s})")),
    ]
    .boxed();
    if depth == 0 {
        return atom;
    }
    let inner = || condition(depth - 1);
    prop_oneof![
        3 => atom,
        1 => (hs1(), inner()).prop_map(|(a, c)| format!("not{a}{c}")),
        1 => inner().prop_map(|c| format!("({c})")),
        1 => (inner(), select(&[" and ", " or "][..]), inner())
            .prop_map(|(l, op, r)| format!("{l}{op}{r}")),
    ]
    .boxed()
}

/// One section of dot-path sources: a key, maps, references, separators and filters.
fn mapping() -> BoxedStrategy<String> {
    (
        key_line(),
        vec(map_line(), 1..6),
        vec(condition(2).prop_map(|c| format!("filter:{c}")), 0..2),
    )
        .prop_flat_map(|(key, maps, filters)| {
            let mut lines = vec![key];
            lines.extend(maps);
            lines.extend(filters);
            Just(lines).prop_shuffle()
        })
        .prop_map(|lines| format!("Users:\n{}\n", lines.join("\n")))
        .boxed()
}

fn compiled(text: &str) -> Result<Program, TestCaseError> {
    let compiled = compile(text, None);
    compiled.program.ok_or_else(|| {
        TestCaseError::fail(format!(
            "the generated mapping does not compile:\n{text}\n{:#?}",
            compiled.diagnostics
        ))
    })
}

// ================================================================================ records

/// Record keys: the path names and two that no path reads.
const KEYS: &[&str] = &["a", "b", "c", "id", "0", "1", "é", "d", "x y"];

const WORDS: &[&str] = &[
    "x",
    "é",
    "",
    " padded ",
    "2021-03-04",
    "2021-03-04T05:06:07Z",
    "a,b,,c",
    "x~y~x",
    "Sales \"EMEA\" \\ OR Name=\"x\"",
    "line\nbreak\ttab\u{1}\u{7f}",
    "🙂 \u{2028} \u{FEFF}",
    "10",
    "-1.5",
    "true",
    "null",
];

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        2 => Just(Value::Null),
        2 => any::<bool>().prop_map(Value::from),
        3 => (-3i64..12).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        1 => select(vec![
            json!(u64::MAX),
            json!(i64::MIN),
            json!(9_007_199_254_740_993u64),
            json!(0.1),
            json!(-0.0),
            json!(1.5),
            json!(1e300),
            json!(5e-324),
            json!(10.0),
        ]),
        6 => select(WORDS).prop_map(Value::from),
        1 => any::<String>().prop_map(Value::from),
    ]
    .boxed()
}

/// Any JSON value, nested a few levels, with keys from [`KEYS`].
fn record_value() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                2 => vec(inner.clone(), 0..4).prop_map(Value::Array),
                3 => btree_map(select(KEYS), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
            ]
        })
        .boxed()
}

fn record_object() -> BoxedStrategy<Value> {
    btree_map(select(KEYS), record_value(), 0..8)
        .prop_map(|m| {
            Value::Object(
                m.into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<Map<_, _>>(),
            )
        })
        .boxed()
}

/// Mostly objects; sometimes another value (an array of records may hold anything), often an
/// array of objects, whose numeric keys a number in a path must not name.
fn record() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => record_object(),
        1 => vec(record_object(), 0..4).prop_map(Value::Array),
        1 => record_value(),
    ]
    .boxed()
}

/// How a record is written as text: for each object, in turn, a way of repeating a key
/// (and whether its keys are written as `\u` escapes), and the values the repeats hold.
#[derive(Debug, Clone)]
struct Writing {
    objects: Vec<(u8, Index)>,
    decoys: Vec<Value>,
}

fn writing() -> BoxedStrategy<Writing> {
    (
        vec((any::<u8>(), any::<Index>()), 1..6),
        vec(record_value(), 1..3),
    )
        .prop_map(|(objects, decoys)| Writing { objects, decoys })
        .boxed()
}

impl Writing {
    /// The record on one line.
    fn write(&self, value: &Value) -> String {
        let mut out = String::new();
        self.value(value, &mut 0, None, &mut out);
        out
    }

    /// The record over several lines, indented as the element of an array: the same text
    /// as [`Writing::write`] but for the line ends and spaces between tokens.
    fn write_pretty(&self, value: &Value) -> String {
        let mut out = String::from("  ");
        self.value(value, &mut 0, Some(1), &mut out);
        out
    }

    fn value(&self, value: &Value, n: &mut usize, depth: Option<usize>, out: &mut String) {
        match value {
            Value::Object(map) => self.object(map, n, depth, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    new_line(out, depth.map(|d| d + 1));
                    self.value(item, n, depth.map(|d| d + 1), out);
                }
                if !items.is_empty() {
                    new_line(out, depth);
                }
                out.push(']');
            }
            scalar => out.push_str(&serde_json::to_string(scalar).expect("a scalar")),
        }
    }

    fn object(
        &self,
        map: &Map<String, Value>,
        n: &mut usize,
        depth: Option<usize>,
        out: &mut String,
    ) {
        let (how, pick) = self.objects[*n % self.objects.len()];
        let decoy = &self.decoys[*n % self.decoys.len()];
        *n += 1;
        let escaped = how & 0x80 != 0;
        let inner = depth.map(|d| d + 1);
        let entries: Vec<(&String, &Value)> = map.iter().collect();
        let target = (!entries.is_empty()).then(|| pick.index(entries.len()));
        let key = |out: &mut String, first: &mut bool, k: &str| {
            if !std::mem::take(first) {
                out.push(',');
            }
            new_line(out, inner);
            if escaped {
                out.push('"');
                for unit in k.encode_utf16() {
                    write!(out, "\\u{unit:04x}").expect("writing to a string");
                }
                out.push('"');
            } else {
                out.push_str(&serde_json::to_string(k).expect("a key"));
            }
            out.push_str(if inner.is_some() { ": " } else { ":" });
        };
        let decoy_text = serde_json::to_string(decoy).expect("a value");
        let mut first = true;
        out.push('{');
        match how % 5 {
            // An earlier duplicate that the real entry replaces.
            1 => {
                for (i, (k, v)) in entries.iter().enumerate() {
                    if Some(i) == target {
                        key(out, &mut first, k);
                        out.push_str(&decoy_text);
                    }
                    key(out, &mut first, k);
                    self.value(v, n, inner, out);
                }
            }
            // A later duplicate that replaces the real entry.
            2 => {
                for (k, v) in &entries {
                    key(out, &mut first, k);
                    self.value(v, n, inner, out);
                }
                if let Some(i) = target {
                    key(out, &mut first, entries[i].0);
                    out.push_str(&decoy_text);
                }
            }
            // The same entry twice.
            3 => {
                for (i, (k, v)) in entries.iter().enumerate() {
                    let times = if Some(i) == target { 2 } else { 1 };
                    for _ in 0..times {
                        key(out, &mut first, k);
                        self.value(v, n, inner, out);
                    }
                }
            }
            // A key the object lacks, twice, around the other entries.
            4 => {
                let missing = KEYS[pick.index(KEYS.len())];
                let repeat = !map.contains_key(missing);
                if repeat {
                    key(out, &mut first, missing);
                    out.push_str(&decoy_text);
                }
                for (k, v) in &entries {
                    key(out, &mut first, k);
                    self.value(v, n, inner, out);
                }
                if repeat {
                    let last = self.decoys.last().expect("a decoy");
                    key(out, &mut first, missing);
                    out.push_str(&serde_json::to_string(last).expect("a value"));
                }
            }
            _ => {
                for (k, v) in &entries {
                    key(out, &mut first, k);
                    self.value(v, n, inner, out);
                }
            }
        }
        if !first {
            new_line(out, depth);
        }
        out.push('}');
    }
}

/// A line end and the indentation of `depth` when writing over several lines.
fn new_line(out: &mut String, depth: Option<usize>) {
    if let Some(depth) = depth {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    }
}

/// The text with every non-ASCII character written as a `\u` escape (they only occur inside
/// strings, where escapes mean the same characters).
fn ascii_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(out, "\\u{unit:04X}").expect("writing to a string");
            }
        }
    }
    out
}

// ================================================================================ reading

/// The image of one record read from `d` (`null` when a filter leaves it out), or the error.
fn read_with<'de, D: Deserializer<'de, Error = serde_json::Error>>(
    evaluator: &mut Evaluator,
    d: D,
) -> Result<String, String> {
    let image = evaluator.read(d).map_err(|e| e.to_string())?;
    Ok(serde_json::to_string(&image).expect("an image serializes"))
}

fn read_text(evaluator: &mut Evaluator, json: &[u8]) -> Result<String, String> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let image = read_with(evaluator, &mut de)?;
    de.end().map_err(|e| e.to_string())?;
    Ok(image)
}

/// What [`Evaluator::write`] gives for one record read from `d`: the image as JSON (`null` when
/// a filter leaves the record out, as an absent image serializes), or the error.
fn write_with<'de, D: Deserializer<'de, Error = serde_json::Error>>(
    evaluator: &mut Evaluator,
    d: D,
) -> Result<String, String> {
    let mut out = Vec::new();
    let written = evaluator.write(d, &mut out).map_err(|e| e.to_string())?;
    if written.is_none() {
        assert!(out.is_empty(), "a record left out wrote {out:?}");
        return Ok("null".to_string());
    }
    Ok(String::from_utf8(out).expect("images are UTF-8"))
}

fn write_text(evaluator: &mut Evaluator, json: &[u8]) -> Result<String, String> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let image = write_with(evaluator, &mut de)?;
    de.end().map_err(|e| e.to_string())?;
    Ok(image)
}

fn evaluators(section: &Section) -> (Evaluator<'_>, Evaluator<'_>) {
    (
        Evaluator::with_mode(section, Mode::Projection),
        Evaluator::with_mode(section, Mode::Value),
    )
}

// ================================================================================ 1. records

proptest! {
    #![proptest_config(config(256))]

    /// The same record text gives the same bytes through the projection and through a `Value`,
    /// whatever keys are repeated or escaped. The evaluators are used for several records in
    /// turn, so that nothing of one record may stay behind for the next.
    #[test]
    fn projection_gives_the_images_of_a_value(
        text in mapping(),
        records in vec((record(), writing()), 1..4),
    ) {
        let program = compiled(&text)?;
        let section = &program.sections[0];
        prop_assert!(!section.needs_whole_record, "{}", text);
        let (mut projected, mut whole) = evaluators(section);
        prop_assert_eq!(projected.mode(), Mode::Projection);
        prop_assert_eq!(whole.mode(), Mode::Value);
        for (record, writing) in &records {
            let plain = serde_json::to_string(record).unwrap();
            let repeated = writing.write(record);
            for json in [ascii_escaped(&plain), ascii_escaped(&repeated), plain, repeated] {
                let expected = read_text(&mut whole, json.as_bytes());
                prop_assert!(expected.is_ok(), "{:?} for {}", expected, json);
                prop_assert_eq!(
                    read_text(&mut projected, json.as_bytes()),
                    expected.clone(),
                    "mapping:\n{}\nrecord: {}",
                    text,
                    json
                );
                // `eval` writes images without building them: the same bytes, in both modes.
                for writer in [&mut projected, &mut whole] {
                    prop_assert_eq!(
                        write_text(writer, json.as_bytes()),
                        expected.clone(),
                        "written, {:?}; mapping:\n{}\nrecord: {}",
                        writer.mode(),
                        text,
                        json
                    );
                }
            }
            // A record that is a `Value` already (a record of a document) reads the same.
            let value: Value = serde_json::from_str(&writing.write(record)).unwrap();
            let expected = read_with(&mut whole, &value);
            prop_assert_eq!(
                read_with(&mut projected, &value),
                expected.clone(),
                "mapping:\n{}\nrecord: {}",
                text,
                value
            );
            prop_assert_eq!(
                write_with(&mut projected, &value),
                expected,
                "written; mapping:\n{}\nrecord: {}",
                text,
                value
            );
        }
    }
}

/// The shapes the written images take apart from the general path, each met on purpose (the
/// generated records meet some of them only rarely): a `Name=${path}` reference whose values
/// repeat, that mixes numbers with texts giving the same query, that needs escaping in AQL and
/// JSON, or that meets an object; several mappings into one attribute or reference; the key's
/// attribute written by a map too; and errors that the name order of attributes would put out
/// of mapping order.
#[test]
fn written_images_are_the_serialized_images_for_every_shape_of_reference_and_attribute() {
    let text = "Users:\nkey:id=Key\nmap:z=Zeta\nmap:g=Groups|Name=${g}\nmap:h=Groups|Key=${h}\n\
                map:k=Key\nmap:a=Alpha\nmap:r=Roles|Name=${r}\nmap:a2=Alpha";
    let program = compile(text, None).program.unwrap();
    let section = &program.sections[0];
    let (mut projected, mut whole) = evaluators(section);
    let records = [
        // Repeats: each query once, in first-seen order.
        r#"{"id":"1","r":["x","y","x","y","z"],"g":["a","a"],"h":"b","k":["1","2","1"],"a":"v","a2":["w","v"]}"#,
        // A number and a text that give the same query: one query.
        r#"{"id":"2","r":["10",10,true,"true",-7.5],"k":"2"}"#,
        // Values that AQL and JSON both escape, and unicode that neither does.
        r#"{"id":"3","r":["Sales \"EMEA\"","back\\slash","tab\tnew\nline\u0001","é 🙂 \u2028"]}"#,
        // Objects where values are needed: errors, and no entry for the failed reference and
        // attribute. By name, `Alpha`'s second mapping (the last line) fails first.
        r#"{"id":"4","r":{"x":1},"z":{"y":2},"a":"kept","a2":{"no":1}}"#,
        // No key: the key attribute holds only what its map gives.
        r#"{"k":["9","9"]}"#,
    ];
    let mut seen_errors = 0;
    for json in records {
        let expected = read_text(&mut whole, json.as_bytes()).unwrap();
        let image: Value = serde_json::from_str(&expected).unwrap();
        seen_errors += image["errors"].as_array().unwrap().len();
        assert_eq!(
            read_text(&mut projected, json.as_bytes()).unwrap(),
            expected
        );
        for writer in [&mut projected, &mut whole] {
            let mode = writer.mode();
            assert_eq!(
                write_text(writer, json.as_bytes()).unwrap(),
                expected,
                "{mode:?}: {json}"
            );
        }
    }
    // What the images say, so that agreeing is not agreeing on nothing.
    let first: Value =
        serde_json::from_str(&read_text(&mut whole, records[0].as_bytes()).unwrap()).unwrap();
    let aql = |v: &Value, name: &str| -> Vec<String> {
        v["references"][name]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["aql"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        aql(&first, "Roles"),
        [r#"Name = "x""#, r#"Name = "y""#, r#"Name = "z""#]
    );
    assert_eq!(aql(&first, "Groups"), [r#"Name = "a""#, r#"Key = "b""#]);
    assert_eq!(first["attributes"]["Key"], json!(["1", "2"]));
    assert_eq!(first["attributes"]["Alpha"], json!(["v", "w"]));
    let second: Value =
        serde_json::from_str(&read_text(&mut whole, records[1].as_bytes()).unwrap()).unwrap();
    assert_eq!(
        aql(&second, "Roles"),
        [r#"Name = "10""#, r#"Name = "true""#, r#"Name = "-7.5""#]
    );
    let fourth: Value =
        serde_json::from_str(&read_text(&mut whole, records[3].as_bytes()).unwrap()).unwrap();
    let attributes: Vec<&String> = fourth["attributes"].as_object().unwrap().keys().collect();
    assert_eq!(attributes, ["Alpha", "Key"]);
    assert!(fourth["references"].get("Roles").is_none());
    let lines: Vec<u64> = fourth["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 8, 9]);
    assert!(seen_errors >= 4, "{seen_errors} errors");
}

/// The generators are only worth something if the mappings read what the records hold: most
/// images must carry values besides the key, some records must be filtered out, some images
/// must carry errors (objects met where a value is needed, several key values...), and most
/// records must be written with repeated or escaped keys.
#[test]
fn generated_mappings_read_values_of_generated_records() {
    let mut runner = TestRunner::deterministic();
    let (mut with_values, mut filtered, mut with_errors, mut rewritten) = (0, 0, 0, 0);
    let cases = 200;
    for _ in 0..cases {
        let text = mapping().new_tree(&mut runner).unwrap().current();
        let record = record_object().new_tree(&mut runner).unwrap().current();
        let writing = writing().new_tree(&mut runner).unwrap().current();
        let program = compile(&text, None).program.expect("the mapping compiles");
        let (mut projected, _) = evaluators(&program.sections[0]);
        let json = writing.write(&record);
        if json != serde_json::to_string(&record).unwrap() {
            rewritten += 1;
        }
        let Some(image) = projected
            .read(&mut serde_json::Deserializer::from_str(&json))
            .unwrap()
        else {
            filtered += 1;
            continue;
        };
        if !image.errors.is_empty() {
            with_errors += 1;
        }
        let key = image.key.attribute;
        if image
            .attributes
            .iter()
            .any(|(a, v)| *a != key && !v.is_empty())
            || !image.references.is_empty()
        {
            with_values += 1;
        }
    }
    assert!(
        with_values > cases / 3,
        "{with_values} of {cases} with values"
    );
    assert!(filtered > cases / 10, "{filtered} of {cases} filtered out");
    assert!(
        with_errors > cases / 10,
        "{with_errors} of {cases} with errors"
    );
    assert!(
        rewritten > cases / 2,
        "{rewritten} of {cases} written with repeated or escaped keys"
    );
}

#[test]
fn a_repeated_key_replaces_the_earlier_value_at_every_level() {
    let text = "Users:\nkey:id=Key\nmap:a.b=AB\nmap:a=A\nmap:c.a=CA\nmap:c.0.a=C0A";
    let program = compile(text, None).program.unwrap();
    let (mut projected, mut whole) = evaluators(&program.sections[0]);
    for json in [
        // The earlier value is an object (an error for `a`), the later one a value.
        r#"{"id":"1","a":{"b":"x"},"a":"y"}"#,
        // The earlier value is a value, the later one an object.
        r#"{"id":"1","a":"y","a":{"b":"x"}}"#,
        // Repeats inside an array element, and of the array itself.
        r#"{"id":"1","c":[{"a":1,"a":2},{"a":3}],"c":[{"a":4},{"a":5,"a":{"z":1},"a":6}]}"#,
        // A repeated key inside a repeated key.
        r#"{"id":"1","a":{"b":1,"b":2},"id":"2","a":{"b":3,"c":4,"b":5}}"#,
        // Escaped and plain spellings of the same key.
        r#"{"id":"1","\u0061":{"b":1},"a":{"\u0062":2}}"#,
    ] {
        let expected = read_text(&mut whole, json.as_bytes()).unwrap();
        assert_eq!(
            read_text(&mut projected, json.as_bytes()).unwrap(),
            expected,
            "{json}"
        );
    }
    let image = read_text(
        &mut projected,
        br#"{"id":"1","c":[{"a":1,"a":2},{"a":3}],"c":[{"a":4},{"a":5,"a":{"z":1},"a":6}]}"#,
    )
    .unwrap();
    let image: Value = serde_json::from_str(&image).unwrap();
    assert_eq!(image["attributes"]["CA"], json!([4, 6]));
    assert_eq!(image["attributes"]["C0A"], json!([4]));
    assert_eq!(image["errors"], json!([]));
}

/// A number in a path indexes an array but names the key of an object, and a name that meets
/// an array reads it from every element: the elements are then objects whose numeric keys
/// the number does not name.
#[test]
fn numbers_index_arrays_and_name_keys_of_objects() {
    let text = "Users:\nkey:'k'=Key\nmap:a.0=A0\nmap:a.b=AB\nmap:a.0.b=A0B\nmap:1=One";
    let program = compile(text, None).program.unwrap();
    let (mut projected, mut whole) = evaluators(&program.sections[0]);
    let cases = [
        (
            r#"{"a": ["s", {"0": "x", "b": 1}]}"#,
            json!({"A0": ["s"], "AB": [1], "A0B": [], "One": []}),
        ),
        (
            r#"{"a": {"0": "x", "b": 2}, "1": "one"}"#,
            json!({"A0": ["x"], "AB": [2], "A0B": [], "One": ["one"]}),
        ),
        // `a.0` is an object here: an error, and no values for `A0`.
        (
            r#"{"a": [{"b": 3}, [{"0": "y", "b": 4}]]}"#,
            json!({"AB": [3, 4], "A0B": [3], "One": []}),
        ),
        // `a.0` is an array holding an object: an error too.
        (
            r#"{"a": [["t", {"b": 5}], "u"]}"#,
            json!({"AB": [5], "A0B": [5], "One": []}),
        ),
        (
            r#"{"a": [["t", ["v"]], {"b": 6}]}"#,
            json!({"A0": ["t", "v"], "AB": [6], "A0B": [], "One": []}),
        ),
        (
            r#"[{"1": "x"}, "y"]"#,
            json!({"A0": [], "AB": [], "A0B": [], "One": ["y"]}),
        ),
    ];
    for (json, attributes) in cases {
        let expected = read_text(&mut whole, json.as_bytes()).unwrap();
        let got = read_text(&mut projected, json.as_bytes()).unwrap();
        assert_eq!(got, expected, "{json}");
        let image: Value = serde_json::from_str(&got).unwrap();
        let mut attributes = attributes;
        attributes["Key"] = json!(["k"]);
        assert_eq!(image["attributes"], attributes, "{json}");
        let errors = image["errors"].as_array().unwrap().len();
        assert_eq!(
            errors,
            usize::from(attributes.get("A0").is_none()),
            "{json}"
        );
    }
}

// ================================================================================ 2. streams

/// A sink that keeps the image of every record (`null` when filtered out) with its index.
struct Collect<'p> {
    evaluator: Evaluator<'p>,
    images: Vec<(usize, String)>,
}

impl RecordSink for Collect<'_> {
    fn record<'de, D: Deserializer<'de>>(&mut self, index: usize, d: D) -> Result<(), D::Error> {
        let image = self.evaluator.read(d)?;
        self.images.push((
            index,
            serde_json::to_string(&image).expect("an image serializes"),
        ));
        Ok(())
    }
}

impl ChunkSink for Collect<'_> {
    type Chunk = Vec<(usize, String)>;

    fn take_chunk(&mut self) -> Self::Chunk {
        std::mem::take(&mut self.images)
    }
}

type Images = Vec<(usize, String)>;

/// Reads `bytes` with `sinks` workers; gives the record count and the images in emitted order.
fn stream(
    section: &Section,
    mode: Mode,
    bytes: &[u8],
    sinks: usize,
) -> Result<(usize, Images), SourceError> {
    let sinks = (0..sinks)
        .map(|_| Collect {
            evaluator: Evaluator::with_mode(section, mode),
            images: Vec::new(),
        })
        .collect();
    let mut images = Vec::new();
    let count = read_each_parallel(
        "records",
        bytes,
        section.config.records.as_ref(),
        sinks,
        |chunk| {
            images.extend(chunk);
            Ok(())
        },
    )?;
    Ok((count, images))
}

/// A record written on one line, and over several lines with the same tokens.
#[derive(Debug, Clone)]
struct Text {
    line: String,
    pretty: String,
}

fn texts(records: &[(Value, Writing)]) -> Vec<Text> {
    records
        .iter()
        .map(|(record, writing)| Text {
            line: writing.write(record),
            pretty: writing.write_pretty(record),
        })
        .collect()
}

/// The images of records evaluated one by one from their own line.
fn direct(section: &Section, texts: &[Text]) -> Images {
    let mut whole = Evaluator::with_mode(section, Mode::Value);
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                i,
                read_text(&mut whole, t.line.as_bytes()).expect("a record"),
            )
        })
        .collect()
}

fn json_lines(texts: &[Text]) -> String {
    texts.iter().map(|t| format!("{}\n", t.line)).collect()
}

/// JSON Lines with CRLF line ends, a blank first line and blank lines (some with spaces and
/// tabs) between the records; the last line end left out unless `last`.
fn crlf_lines(texts: &[Text], last: bool) -> String {
    let mut out = String::from("\r\n");
    for (i, t) in texts.iter().enumerate() {
        out.push_str(&t.line);
        if i + 1 < texts.len() || last {
            out.push_str("\r\n");
        }
        match i % 3 {
            0 => out.push_str("\r\n"),
            1 => out.push_str(" \t \r\n\n"),
            _ => {}
        }
    }
    out
}

fn pretty_array(texts: &[Text]) -> String {
    let elements: Vec<&str> = texts.iter().map(|t| t.pretty.as_str()).collect();
    format!("[\n{}\n]\n", elements.join(",\n"))
}

/// The records as JSON Lines, as a pretty-printed JSON array, and as JSON Lines with CRLF line
/// ends and blank lines.
fn layouts(texts: &[Text], last: bool) -> [(&'static str, String); 3] {
    [
        ("JSON Lines", json_lines(texts)),
        ("pretty-printed JSON array", pretty_array(texts)),
        ("CRLF JSON Lines with blank lines", crlf_lines(texts, last)),
    ]
}

/// Reads `text`, which holds `texts` in some layout, in both modes with each number of sinks:
/// the images must be those of the records evaluated one by one.
fn check_layout(
    section: &Section,
    expected: &Images,
    (layout, text): (&str, &str),
    sinks: &[usize],
) -> Result<(), TestCaseError> {
    for mode in [Mode::Projection, Mode::Value] {
        for &n in sinks {
            let result = stream(section, mode, text.as_bytes(), n);
            let Ok((count, images)) = result else {
                return Err(TestCaseError::fail(format!(
                    "{layout}, {mode:?}, {n} sinks: {result:?}"
                )));
            };
            prop_assert_eq!(count, expected.len(), "{}, {:?}, {} sinks", layout, mode, n);
            if images != *expected {
                let at = images
                    .iter()
                    .zip(expected)
                    .position(|(a, b)| a != b)
                    .unwrap_or(images.len().min(expected.len()));
                return Err(TestCaseError::fail(format!(
                    "{layout}, {mode:?}, {n} sinks: {} images, {} expected; first difference \
                     at {at}:\n  {:?}\n  {:?}",
                    images.len(),
                    expected.len(),
                    images.get(at),
                    expected.get(at)
                )));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn every_layout_and_worker_count_gives_the_images_of_each_record(
        text in mapping(),
        records in vec((record_object(), writing()), 0..12),
        last in any::<bool>(),
    ) {
        let program = compiled(&text)?;
        let section = &program.sections[0];
        let texts = texts(&records);
        let expected = direct(section, &texts);
        for (layout, text) in layouts(&texts, last) {
            check_layout(section, &expected, (layout, &text), &[1, 2, 3])?;
        }
    }
}

/// A mapping that reads every kind of path of the generated records, with a filter that
/// leaves some out (a third of [`many_records`]).
const WIDE: &str = r#"Users:
key:id=Key
map:a=A
map:a.b=AB
map:b.0=B0
map:"${c}-${b.a}"=Pair
map:lower(coalesce(a.a, b.b, 'none'))=Lower
map:split(c, ',')=Parts
map:date(a.0, '%Y')=Year
map:pad=Pad
map:a=Refs|Name=${a}
map:b=Listed|Name IN (${b.c}) AND Kind="k"
filter:keep == true or c == 'x'
"#;

/// Generated records (always the same), each with its number as `id` and a long text under
/// `pad`, so that they fill several chunks: over 3 MiB as JSON Lines.
fn many_records() -> Vec<Text> {
    static TEXTS: std::sync::OnceLock<Vec<Text>> = std::sync::OnceLock::new();
    TEXTS
        .get_or_init(|| {
            let mut runner = TestRunner::deterministic();
            let strategy = (record_object(), writing());
            let generated: Vec<(Value, Writing)> = (0..500)
                .map(|_| strategy.new_tree(&mut runner).unwrap().current())
                .collect();
            let records: Vec<(Value, Writing)> = (0..1200)
                .map(|i| {
                    let (mut record, writing) = generated[i % generated.len()].clone();
                    let pad = format!("{i:05} {}", "é\"\\ padding 🙂 ".repeat(80 + i % 80));
                    let map = record.as_object_mut().expect("an object");
                    map.insert("id".into(), Value::from(i.to_string()));
                    map.insert("pad".into(), Value::from(pad));
                    map.insert("keep".into(), Value::from(i % 3 != 0));
                    (record, writing)
                })
                .collect();
            texts(&records)
        })
        .clone()
}

#[test]
fn sources_of_several_chunks_give_the_images_of_each_record() {
    let program = compile(WIDE, None).program.unwrap();
    let section = &program.sections[0];
    assert!(!section.needs_whole_record);
    let texts = many_records();
    let size = json_lines(&texts).len();
    assert!(size > 3 << 20, "{size} bytes: fewer than 4 chunks");
    let expected = direct(section, &texts);
    let kept = expected.iter().filter(|(_, i)| i != "null").count();
    assert!(
        kept > 700 && kept < 1000,
        "{kept} records kept by the filter"
    );
    let [lines, _, crlf] = layouts(&texts, true);
    for (layout, text) in [lines, crlf] {
        check_layout(section, &expected, (layout, &text), &[1, 3]).unwrap();
    }
    // An array is read by one sink whatever their number, through a buffer of 1 MiB: a
    // third of the records fill it more than once.
    let array = pretty_array(&texts[..500]);
    assert!(array.len() > 1 << 20);
    let layout = ("pretty-printed JSON array", array.as_str());
    check_layout(section, &expected[..500].to_vec(), layout, &[1, 2]).unwrap();
}

/// Where a byte stands in a text: its line and column (1-based, columns in bytes).
fn position(text: &str, byte: usize) -> (usize, usize) {
    let line_start = text[..byte].rfind('\n').map_or(0, |i| i + 1);
    (
        text[..byte].matches('\n').count() + 1,
        byte - line_start + 1,
    )
}

fn expect_malformed(
    section: &Section,
    bytes: &[u8],
    (line, column): (usize, usize),
    message: &str,
) {
    for mode in [Mode::Projection, Mode::Value] {
        for sinks in [1, 3] {
            match stream(section, mode, bytes, sinks) {
                Err(SourceError::Malformed {
                    line: l,
                    column: c,
                    message: m,
                    ..
                }) => {
                    assert_eq!((l, c), (line, column), "{mode:?}, {sinks} sinks: {m}");
                    assert!(m.contains(message), "{mode:?}, {sinks} sinks: {m}");
                }
                other => panic!(
                    "{mode:?}, {sinks} sinks: expected a malformed source, got {:?}",
                    other.map(|(n, _)| n)
                ),
            }
        }
    }
}

#[test]
fn a_malformed_record_deep_in_a_source_of_several_chunks_is_reported_at_its_line() {
    // Where the error is does not depend on the mapping: a small one keeps the test quick.
    let program = users("Users:\nkey:id=Key\nmap:a=A");
    let section = &program.sections[0];
    let mut texts = many_records();
    // The second comma is at column 26.
    let bad = r#"{"id": "bad", "a": [1, 2,, 3]}"#;
    texts[1000].line = bad.to_string();

    let jsonl = json_lines(&texts);
    assert!(
        jsonl.find(bad).unwrap() > 2 << 20,
        "in the third chunk or later"
    );
    expect_malformed(section, jsonl.as_bytes(), (1001, 26), "expected value");

    // Blank lines count as lines.
    let crlf = crlf_lines(&texts, false);
    let (line, _) = position(&crlf, crlf.find(bad).unwrap());
    let blanks: usize = (0..1000).map(|i| [1, 2, 0][i % 3]).sum();
    assert_eq!(line, 1 + 1000 + blanks + 1, "blank lines are counted");
    expect_malformed(section, crlf.as_bytes(), (line, 26), "expected value");

    // A line that is not an object.
    let mut texts = many_records();
    texts[1100].line = "  [1, 2]".to_string();
    expect_malformed(
        section,
        json_lines(&texts).as_bytes(),
        (1101, 3),
        "one JSON object a line",
    );

    // A malformed element deep in a pretty-printed array: the line and column in the file.
    let texts = &many_records()[..500];
    let mut array = pretty_array(texts);
    let element = array.find(&texts[450].pretty).unwrap() + "  {".len();
    assert!(element > 1 << 20, "past the first buffer");
    array.insert(element, ',');
    expect_malformed(
        section,
        array.as_bytes(),
        position(&array, element),
        "key must be a string",
    );
}

fn one_line(record: Value) -> Text {
    let line = record.to_string();
    Text {
        pretty: line.clone(),
        line,
    }
}

/// A record longer than two chunks is read whole by several workers, wherever the chunks
/// would cut it: at the start, in the middle, and twice in a row deep in the source.
#[test]
fn a_record_longer_than_several_chunks_is_read_whole() {
    let program = users("Users:\nkey:id=Key\nmap:c=C\nmap:a=A");
    let section = &program.sections[0];
    let long = one_line(json!({"id": "long", "c": "x", "pad": "p".repeat(5 << 19)}));
    let short = |i: usize| one_line(json!({"id": i.to_string(), "a": i}));
    for texts in [
        vec![long.clone(), short(1), short(2)],
        vec![short(0), long.clone(), short(2)],
        (0..2000)
            .map(short)
            .chain([long.clone(), long.clone()])
            .chain((0..2000).map(short))
            .collect(),
    ] {
        let expected = direct(section, &texts);
        for jsonl in [json_lines(&texts), crlf_lines(&texts, false)] {
            for sinks in [1, 2, 3] {
                let (count, images) = stream(section, Mode::Projection, jsonl.as_bytes(), sinks)
                    .unwrap_or_else(|e| panic!("{sinks} sinks: {e}"));
                assert_eq!(count, texts.len());
                assert!(images == expected, "{sinks} sinks: images differ");
            }
        }
    }
}

// ================================================================================ 3. edge cases

fn users(text: &str) -> Program {
    compile(text, None).program.expect("the mapping compiles")
}

/// The keys of the images a source gives, with their indices, for 1 and 2 sinks and both
/// modes (which must agree).
fn keys(program: &Program, bytes: &[u8]) -> Result<Vec<(usize, String)>, String> {
    let section = &program.sections[0];
    let mut seen: Option<Result<Vec<(usize, String)>, String>> = None;
    for mode in [Mode::Projection, Mode::Value] {
        for sinks in [1, 2] {
            let got = stream(section, mode, bytes, sinks)
                .map(|(count, images)| {
                    assert_eq!(count, images.len());
                    images
                        .into_iter()
                        .map(|(i, image)| {
                            let image: Value = serde_json::from_str(&image).unwrap();
                            (i, image["key"]["value"].as_str().unwrap_or("-").to_string())
                        })
                        .collect()
                })
                .map_err(|e| e.to_string());
            match &seen {
                None => seen = Some(got),
                Some(first) => assert_eq!(&got, first, "{mode:?}, {sinks} sinks"),
            }
        }
    }
    seen.unwrap()
}

fn ok(pairs: &[(usize, &str)]) -> Result<Vec<(usize, String)>, String> {
    Ok(pairs.iter().map(|(i, k)| (*i, k.to_string())).collect())
}

#[test]
fn empty_sources_have_no_records() {
    let program = users("Users:\nkey:id=Key");
    for text in [
        "",
        "\n\n",
        " \r\n\t",
        "[]",
        "[ ]",
        "\n[\n]\n",
        "\u{FEFF}",
        "\u{FEFF}[]",
    ] {
        assert_eq!(keys(&program, text.as_bytes()), ok(&[]), "{text:?}");
    }
}

#[test]
fn a_first_line_that_is_blank_is_skipped_in_every_layout() {
    let program = users("Users:\nkey:id=Key");
    let two = ok(&[(0, "1"), (1, "2")]);
    assert_eq!(keys(&program, b"\n{\"id\":\"1\"}\n{\"id\":\"2\"}\n"), two);
    assert_eq!(
        keys(&program, b" \r\n\r\n{\"id\":\"1\"}\r\n\r\n{\"id\":\"2\"}"),
        two
    );
    assert_eq!(
        keys(&program, b"\n\n[{\"id\":\"1\"},\n{\"id\":\"2\"}]\n"),
        two
    );
    assert_eq!(
        keys(&program, b"\n{\n  \"id\": \"1\"\n}\n"),
        ok(&[(0, "1")])
    );
}

#[test]
fn a_byte_order_mark_is_skipped_in_every_layout() {
    let program = users("Users:\nkey:id=Key");
    let two = ok(&[(0, "1"), (1, "2")]);
    for text in [
        "\u{FEFF}{\"id\":\"1\"}\n{\"id\":\"2\"}\n",
        "\u{FEFF}{\"id\":\"1\"}\r\n\r\n{\"id\":\"2\"}",
        // A mark alone on the first line, the records below it.
        "\u{FEFF}\n{\"id\":\"1\"}\n{\"id\":\"2\"}\n",
        "\u{FEFF} \r\n{\"id\":\"1\"}\n{\"id\":\"2\"}\n",
        "\u{FEFF}[{\"id\":\"1\"},{\"id\":\"2\"}]",
        "\u{FEFF}\n[\n{\"id\":\"1\"},\n{\"id\":\"2\"}\n]\n",
    ] {
        assert_eq!(keys(&program, text.as_bytes()), two, "{text:?}");
    }
    for text in [
        "\u{FEFF}{\n\"id\": \"1\"\n}",
        "\u{FEFF}\n{\n\"id\": \"1\"\n}",
    ] {
        assert_eq!(keys(&program, text.as_bytes()), ok(&[(0, "1")]), "{text:?}");
    }
}

#[test]
fn a_byte_order_mark_does_not_shift_the_line_of_an_error() {
    let program = users("Users:\nkey:id=Key");
    let section = &program.sections[0];
    let text = "\u{FEFF}\n{\"id\":\"1\"}\n{\"id\":}\n";
    expect_malformed(section, text.as_bytes(), (3, 7), "expected value");
}

#[test]
fn the_records_of_a_document_are_read_at_the_records_path() {
    let program = users("Users:\nkey:id=Key\nmap:a=A\nconfig:records=_embedded.users");
    let records = json!({"_embedded": {"users": [{"id": "1", "a": 1}, {"id": "2"}]}, "id": "0"});
    let two = ok(&[(0, "1"), (1, "2")]);
    // On one line the document would pass for JSON Lines; a records path makes it a document.
    assert_eq!(keys(&program, records.to_string().as_bytes()), two);
    let pretty = serde_json::to_string_pretty(&records).unwrap();
    assert_eq!(keys(&program, pretty.as_bytes()), two);
    assert_eq!(
        keys(&program, format!("\u{FEFF}\n{pretty}").as_bytes()),
        two
    );
    // One object at the path is one record.
    let one = json!({"_embedded": {"users": {"id": "7"}}});
    assert_eq!(keys(&program, one.to_string().as_bytes()), ok(&[(0, "7")]));
    // An empty array: no records.
    let none = json!({"_embedded": {"users": []}});
    assert_eq!(keys(&program, none.to_string().as_bytes()), ok(&[]));
    // Nothing at the path.
    let missing = json!({"_embedded": {"groups": []}});
    let error = keys(&program, missing.to_string().as_bytes()).unwrap_err();
    assert!(
        error.contains("no array of records at `_embedded.users`"),
        "{error}"
    );
    // The images of a document's records are those of the records read on their own.
    let section = &program.sections[0];
    let texts: Vec<Text> = records["_embedded"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .map(one_line)
        .collect();
    let expected = direct(section, &texts);
    for mode in [Mode::Projection, Mode::Value] {
        let (_, images) = stream(section, mode, pretty.as_bytes(), 2).unwrap();
        assert_eq!(images, expected, "{mode:?}");
    }
}

#[test]
fn an_object_without_records_path_is_one_record() {
    let program = users("Users:\nkey:id=Key");
    let text = "{\n  \"id\": \"1\",\n  \"users\": [{\"id\": \"2\"}]\n}\n";
    assert_eq!(keys(&program, text.as_bytes()), ok(&[(0, "1")]));
}

#[test]
fn records_of_an_array_that_are_not_objects_read_the_same_in_both_modes() {
    let program = users("Users:\nkey:id=Key\nmap:0=Zero\nmap:0.id=ZeroId\nmap:id.0=IdZero");
    let section = &program.sections[0];
    let text = br#"[1, null, "x", [{"id": "a"}, 2], [[{"id": "b"}]], {"id": ["c"]}, []]"#;
    let (mut projected, mut whole) = evaluators(section);
    let records: Vec<Value> = serde_json::from_slice(text).unwrap();
    let expected: Images = records
        .iter()
        .enumerate()
        .map(|(i, r)| (i, read_with(&mut whole, r).unwrap()))
        .collect();
    for mode in [Mode::Projection, Mode::Value] {
        for sinks in [1, 2] {
            let (count, images) = stream(section, mode, text, sinks).unwrap();
            assert_eq!(count, 7);
            assert_eq!(images, expected, "{mode:?}, {sinks} sinks");
        }
    }
    let fourth = read_text(&mut projected, br#"[{"id": "a"}, 2]"#).unwrap();
    let fourth: Value = serde_json::from_str(&fourth).unwrap();
    assert_eq!(fourth["attributes"]["ZeroId"], json!(["a"]));
}

// ------------------------------------------------------------------ values nothing reads

/// The projection skips the values no path reads with serde_json's `IgnoredAny`, which checks
/// their syntax but not what building them would check: that strings are UTF-8 without lone
/// surrogates, that numbers are in range, and the nesting limit. A `Value` rejects such a
/// record, the projection does not, so the same source evaluates in one mode and is malformed
/// in the other. Each test states the expected behaviour: both modes agree.
fn both_modes_agree(json: &[u8]) {
    let program = users("Users:\nkey:id=Key\nmap:a=A");
    let section = &program.sections[0];
    let (mut projected, mut whole) = evaluators(section);
    let a = read_text(&mut projected, json);
    let b = read_text(&mut whole, json);
    assert_eq!(
        a.is_ok(),
        b.is_ok(),
        "{}\n  projection: {a:?}\n  value: {b:?}",
        String::from_utf8_lossy(json)
    );
    let mut line = json.to_vec();
    line.push(b'\n');
    for sinks in [1, 2] {
        let a = stream(section, Mode::Projection, &line, sinks).map(|(_, i)| i);
        let b = stream(section, Mode::Value, &line, sinks).map(|(_, i)| i);
        assert_eq!(
            a.as_ref().map_err(|_| ()),
            b.as_ref().map_err(|_| ()),
            "{sinks} sinks\n  projection: {a:?}\n  value: {b:?}"
        );
    }
}

#[test]
fn unread_text_that_is_not_utf8_is_malformed_in_both_modes() {
    both_modes_agree(b"{\"id\":\"1\",\"x\":\"\xff\"}");
}

#[test]
fn unread_lone_surrogate_is_malformed_in_both_modes() {
    both_modes_agree(br#"{"id":"1","x":"\ud800"}"#);
}

#[test]
fn unread_number_out_of_range_is_malformed_in_both_modes() {
    both_modes_agree(br#"{"id":"1","x":1e400}"#);
}

#[test]
fn unread_values_nested_too_deeply_are_malformed_in_both_modes() {
    let json = format!(r#"{{"id":"1","x":{}{}}}"#, "[".repeat(200), "]".repeat(200));
    both_modes_agree(json.as_bytes());
}

#[test]
fn values_that_are_read_are_checked_in_both_modes() {
    // Where a path reads the value, the projection builds it and serde_json checks it.
    for json in [
        &b"{\"id\":\"1\",\"a\":\"\xff\"}"[..],
        br#"{"id":"1","a":"\ud800"}"#,
        br#"{"id":"1","a":1e400}"#,
    ] {
        both_modes_agree(json);
        let program = users("Users:\nkey:id=Key\nmap:a=A");
        let (mut projected, _) = evaluators(&program.sections[0]);
        assert!(read_text(&mut projected, json).is_err());
    }
    let deep = format!(r#"{{"id":"1","a":{}{}}}"#, "[".repeat(200), "]".repeat(200));
    both_modes_agree(deep.as_bytes());
}
