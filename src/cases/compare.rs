//! Differences between what a case expects and what the mapping made, at the level of objects and
//! attributes: images (what `eval` prints) by section and key, plans (what `plan --format json`
//! prints) by section, change and attribute. Never a diff of the text: a file that says the same
//! in other whitespace or key order does not differ.

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One thing that differs. `expected` and `actual` are the JSON of what was compared (an
/// attribute's values, a change, a summary; `null` for what is on one side only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// The expectation's file: `images.jsonl` or `plan.json`.
    pub file: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub key: Option<String>,
    pub attribute: Option<String>,
    /// What else than an attribute differs (`errors`, `summary`, `action`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub expected: Value,
    pub actual: Value,
    /// The difference in words, as the human output prints it.
    pub message: String,
}

pub const IMAGES: &str = "images.jsonl";
/// Fields that messages do not name before the difference.
const UNNAMED: [&str; 6] = ["change", "section", "schema", "problem", "order", "action"];
pub const PLAN: &str = "plan.json";

/// Where a difference is: section (when the mapping has several), object key, attribute.
#[derive(Clone, Default)]
struct At {
    file: &'static str,
    section: Option<String>,
    /// Whether messages name the section.
    name_section: bool,
    key: Option<String>,
}

impl At {
    fn prefix(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.section.as_ref().filter(|_| self.name_section) {
            parts.push(s.clone());
        }
        match &self.key {
            Some(k) => parts.push(format!("`{k}`")),
            None if self.file == IMAGES => parts.push("a record without a key".to_string()),
            None => {}
        }
        parts.join(" ")
    }

    fn difference(
        &self,
        attribute: Option<&str>,
        field: Option<&str>,
        expected: Value,
        actual: Value,
        what: String,
    ) -> Difference {
        let mut prefix = self.prefix();
        if let Some(a) = attribute {
            prefix = join(&prefix, &format!("`{a}`"));
        }
        // Whole changes, sections, schema changes and problems say what they are in `what`.
        if let Some(f) = field.filter(|f| !UNNAMED.contains(f)) {
            prefix = join(&prefix, f);
        }
        Difference {
            file: self.file,
            section: self.section.clone(),
            key: self.key.clone(),
            attribute: attribute.map(str::to_string),
            field: field.map(str::to_string),
            expected,
            actual,
            message: match prefix.is_empty() {
                true => what,
                false => format!("{prefix}: {what}"),
            },
        }
    }
}

fn join(a: &str, b: &str) -> String {
    match a.is_empty() {
        true => b.to_string(),
        false => format!("{a} {b}"),
    }
}

/// Compact JSON, as messages quote values.
fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn expected_got(expected: &Value, actual: &Value) -> String {
    format!("expected {}, got {}", text(expected), text(actual))
}

/// The images of two runs, matched by section and key (the n-th image of a key with the n-th:
/// a source may hold a key twice), then attribute by attribute.
pub fn images(expected: &[Value], actual: &[Value]) -> Vec<Difference> {
    let name_section = sections(expected.iter().chain(actual)) > 1;
    let ids = |images: &[Value]| -> Vec<Identity> { identities(images, image_identity) };
    let (expected_ids, actual_ids) = (ids(expected), ids(actual));
    let mut out = Vec::new();
    let found: HashMap<&Identity, usize> = actual_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id, i))
        .collect();
    for (e, id) in expected_ids.iter().enumerate() {
        let at = At {
            file: IMAGES,
            section: id.section.clone(),
            name_section,
            key: id.key.clone(),
        };
        match found.get(id) {
            Some(&a) => image(&at, &expected[e], &actual[a], &mut out),
            None => out.push(at.difference(
                None,
                None,
                expected[e].clone(),
                Value::Null,
                "vanished: expected, but the mapping no longer makes this object".to_string(),
            )),
        }
    }
    let wanted: HashMap<&Identity, usize> = expected_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id, i))
        .collect();
    for (a, id) in actual_ids.iter().enumerate() {
        if !wanted.contains_key(id) {
            let at = At {
                file: IMAGES,
                section: id.section.clone(),
                name_section,
                key: id.key.clone(),
            };
            out.push(at.difference(
                None,
                None,
                Value::Null,
                actual[a].clone(),
                "appeared: the mapping now makes this object, which is not expected".to_string(),
            ));
        }
    }
    if out.is_empty() && expected_ids != actual_ids {
        out.push(order(IMAGES, &expected_ids, &actual_ids));
    }
    out
}

/// How an image or a change is told from the others of its file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Identity {
    section: Option<String>,
    key: Option<String>,
    /// 0 for the first of its section and key, 1 for the second, …
    occurrence: usize,
}

fn identities(
    items: &[Value],
    id: fn(&Value) -> (Option<String>, Option<String>),
) -> Vec<Identity> {
    let mut seen: HashMap<(Option<String>, Option<String>), usize> = HashMap::new();
    items
        .iter()
        .map(|item| {
            let (section, key) = id(item);
            let n = seen.entry((section.clone(), key.clone())).or_default();
            let identity = Identity {
                section,
                key,
                occurrence: *n,
            };
            *n += 1;
            identity
        })
        .collect()
}

fn image_identity(image: &Value) -> (Option<String>, Option<String>) {
    let section = image
        .get("section")
        .and_then(Value::as_str)
        .map(str::to_string);
    let key = image
        .get("key")
        .and_then(|k| k.get("value"))
        .and_then(scalar_text);
    (section, key)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(text(other)),
    }
}

fn sections<'a>(images: impl Iterator<Item = &'a Value>) -> usize {
    let mut names: Vec<&str> = images
        .filter_map(|i| i.get("section").and_then(Value::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}

fn order(file: &'static str, expected: &[Identity], actual: &[Identity]) -> Difference {
    let first = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| e != a)
        .unwrap_or(0);
    let name = |id: &Identity| match &id.key {
        Some(k) => format!("`{k}`"),
        None => "a record without a key".to_string(),
    };
    Difference {
        file,
        section: None,
        key: None,
        attribute: None,
        field: Some("order".to_string()),
        expected: Value::from(first + 1),
        actual: Value::from(first + 1),
        message: format!(
            "the same objects in another order: number {} is now {}, expected {}",
            first + 1,
            name(&actual[first]),
            name(&expected[first])
        ),
    }
}

/// Two images of one object: attributes and references by name, the other fields whole.
fn image(at: &At, expected: &Value, actual: &Value, out: &mut Vec<Difference>) {
    let empty = Map::new();
    let object = |v: &Value| v.as_object().unwrap_or(&empty).clone();
    let (e, a) = (object(expected), object(actual));
    for field in union(&e, &a) {
        let (ev, av) = (
            e.get(&field).unwrap_or(&Value::Null),
            a.get(&field).unwrap_or(&Value::Null),
        );
        if ev == av {
            continue;
        }
        match field.as_str() {
            "section" => {}
            "attributes" | "references" => {
                let (em, am) = (
                    ev.as_object().unwrap_or(&empty),
                    av.as_object().unwrap_or(&empty),
                );
                let none = Value::Array(Vec::new());
                for name in union(em, am) {
                    let (x, y) = (
                        em.get(&name).unwrap_or(&none),
                        am.get(&name).unwrap_or(&none),
                    );
                    if x != y {
                        out.push(at.difference(
                            Some(&name),
                            None,
                            x.clone(),
                            y.clone(),
                            expected_got(x, y),
                        ));
                    }
                }
            }
            "key" => {
                let attribute = |v: &Value| v.get("attribute").cloned().unwrap_or(Value::Null);
                let (x, y) = (attribute(ev), attribute(av));
                out.push(at.difference(
                    None,
                    Some("key attribute"),
                    x.clone(),
                    y.clone(),
                    expected_got(&x, &y),
                ));
            }
            other => out.push(at.difference(
                None,
                Some(other),
                ev.clone(),
                av.clone(),
                expected_got(ev, av),
            )),
        }
    }
}

/// The names of both objects, in order, each once.
fn union(a: &Map<String, Value>, b: &Map<String, Value>) -> Vec<String> {
    let mut names: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
    names.sort();
    names.dedup();
    names
}

/// Two plans: schema changes, then each section's summary, `missing` outcome and changes (by key,
/// then attribute), then the problems of records.
pub fn plans(expected: &Value, actual: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    let plan_at = At {
        file: PLAN,
        ..At::default()
    };
    let list = |v: &Value, name: &str| -> Vec<Value> {
        v.get(name)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    // Schema changes: each one planned or not.
    let (es, as_) = (list(expected, "schema"), list(actual, "schema"));
    for e in es.iter().filter(|e| !as_.contains(e)) {
        out.push(plan_at.difference(
            None,
            Some("schema"),
            e.clone(),
            Value::Null,
            format!(
                "schema change {} expected, no longer planned",
                schema_text(e)
            ),
        ));
    }
    for a in as_.iter().filter(|a| !es.contains(a)) {
        out.push(plan_at.difference(
            None,
            Some("schema"),
            Value::Null,
            a.clone(),
            format!("schema change {} now planned, not expected", schema_text(a)),
        ));
    }
    let (esec, asec) = (list(expected, "sections"), list(actual, "sections"));
    let name_section = true;
    let name = |s: &Value| s.get("section").and_then(Value::as_str).map(str::to_string);
    for e in &esec {
        let at = At {
            file: PLAN,
            section: name(e),
            name_section,
            key: None,
        };
        match asec.iter().find(|a| name(a) == name(e)) {
            Some(a) => section(&at, e, a, &mut out),
            None => out.push(at.difference(
                None,
                Some("section"),
                e.clone(),
                Value::Null,
                "the section is no longer in the plan".to_string(),
            )),
        }
    }
    for a in asec
        .iter()
        .filter(|a| !esec.iter().any(|e| name(e) == name(a)))
    {
        let at = At {
            file: PLAN,
            section: name(a),
            name_section,
            key: None,
        };
        out.push(at.difference(
            None,
            Some("section"),
            Value::Null,
            a.clone(),
            "the section is now in the plan, not expected".to_string(),
        ));
    }
    problems(
        &list(expected, "problems"),
        &list(actual, "problems"),
        &mut out,
    );
    // Anything else a plan may hold, whole.
    let empty = Map::new();
    let (e, a) = (
        expected.as_object().unwrap_or(&empty),
        actual.as_object().unwrap_or(&empty),
    );
    for field in union(e, a) {
        if ["schema", "sections", "problems"].contains(&field.as_str()) {
            continue;
        }
        let (x, y) = (
            e.get(&field).unwrap_or(&Value::Null),
            a.get(&field).unwrap_or(&Value::Null),
        );
        if x != y {
            out.push(plan_at.difference(
                None,
                Some(&field),
                x.clone(),
                y.clone(),
                expected_got(x, y),
            ));
        }
    }
    out
}

fn schema_text(change: &Value) -> String {
    let s = |k: &str| change.get(k).and_then(Value::as_str).unwrap_or_default();
    match s("action") {
        "create_object_type" => format!("`create object type {}`", s("object_type")),
        "create_attribute" => format!("`create attribute {}.{}`", s("object_type"), s("name")),
        "set_key_attribute" => format!("`match {} by {}`", s("object_type"), s("attribute")),
        _ => text(change),
    }
}

fn section(at: &At, expected: &Value, actual: &Value, out: &mut Vec<Difference>) {
    for field in ["object_type", "summary", "missing"] {
        let (x, y) = (
            expected.get(field).unwrap_or(&Value::Null),
            actual.get(field).unwrap_or(&Value::Null),
        );
        if x != y {
            let what = match field {
                "summary" => format!("expected {}, got {}", summary_text(x), summary_text(y)),
                _ => expected_got(x, y),
            };
            out.push(at.difference(None, Some(field), x.clone(), y.clone(), what));
        }
    }
    let changes = |v: &Value| {
        v.get("changes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (ec, ac) = (changes(expected), changes(actual));
    let change_id = |c: &Value| (None, c.get("key").and_then(scalar_text));
    let (eids, aids) = (identities(&ec, change_id), identities(&ac, change_id));
    let action = |c: &Value| {
        c.get("action")
            .and_then(Value::as_str)
            .unwrap_or("change")
            .to_string()
    };
    for (i, id) in eids.iter().enumerate() {
        let at = At {
            key: id.key.clone(),
            ..at.clone()
        };
        match aids.iter().position(|a| a == id) {
            Some(j) => change(&at, &ec[i], &ac[j], out),
            None => out.push(at.difference(
                None,
                Some("change"),
                ec[i].clone(),
                Value::Null,
                format!(
                    "expected to {}, the plan no longer changes it",
                    action(&ec[i])
                ),
            )),
        }
    }
    for (j, id) in aids.iter().enumerate() {
        if !eids.contains(id) {
            let at = At {
                key: id.key.clone(),
                ..at.clone()
            };
            out.push(at.difference(
                None,
                Some("change"),
                Value::Null,
                ac[j].clone(),
                format!("the plan now {}s it, not expected", action(&ac[j])),
            ));
        }
    }
}

/// `1 create, 0 update, …` in the order the plan's summary line uses.
fn summary_text(summary: &Value) -> String {
    let Some(map) = summary.as_object() else {
        return text(summary);
    };
    ["create", "update", "unchanged", "delete", "mark", "errors"]
        .iter()
        .filter_map(|k| map.get(*k).map(|v| format!("{} {k}", text(v))))
        .collect::<Vec<_>>()
        .join(", ")
}

fn change(at: &At, expected: &Value, actual: &Value, out: &mut Vec<Difference>) {
    let action = |c: &Value| c.get("action").cloned().unwrap_or(Value::Null);
    let (ea, aa) = (action(expected), action(actual));
    if ea != aa {
        out.push(at.difference(
            None,
            Some("action"),
            ea.clone(),
            aa.clone(),
            format!(
                "expected to {}, the plan now {}s it",
                ea.as_str().unwrap_or("change"),
                aa.as_str().unwrap_or("change")
            ),
        ));
    }
    let attributes = |c: &Value| {
        c.get("attributes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (em, am) = (attributes(expected), attributes(actual));
    for name in union(&em, &am) {
        let (x, y) = (em.get(&name), am.get(&name));
        if x == y {
            continue;
        }
        let what = format!("expected {}, got {}", diff_text(x), diff_text(y));
        out.push(at.difference(
            Some(&name),
            None,
            x.cloned().unwrap_or(Value::Null),
            y.cloned().unwrap_or(Value::Null),
            what,
        ));
    }
}

/// An attribute's change as people read it: `["Sales"] → ["IT"]`.
fn diff_text(diff: Option<&Value>) -> String {
    let Some(diff) = diff else {
        return "no change".to_string();
    };
    let side = |k: &str| diff.get(k).map(text).unwrap_or_else(|| "[]".to_string());
    format!("{} → {}", side("from"), side("to"))
}

/// Problems of records, told apart by section, record, code and attribute.
fn problems(expected: &[Value], actual: &[Value], out: &mut Vec<Difference>) {
    let id = |p: &Value| {
        let s = |k: &str| p.get(k).and_then(scalar_text);
        (
            None,
            Some(format!(
                "{:?}",
                (s("section"), s("record"), s("code"), s("attribute"))
            )),
        )
    };
    let (eids, aids) = (identities(expected, id), identities(actual, id));
    let describe = |p: &Value| {
        let s = |k: &str| p.get(k).and_then(scalar_text).unwrap_or_default();
        let key = p
            .get("key")
            .and_then(scalar_text)
            .map(|k| format!(" (key {k})"))
            .unwrap_or_default();
        format!(
            "{} record {}{key}: {}[{}]: {}",
            s("section"),
            s("record"),
            s("severity"),
            s("code"),
            s("message")
        )
    };
    let at = At {
        file: PLAN,
        ..At::default()
    };
    for (i, e) in expected.iter().enumerate() {
        match aids.iter().position(|a| *a == eids[i]) {
            Some(j) if actual[j] == *e => {}
            Some(j) => out.push(at.difference(
                None,
                Some("problem"),
                e.clone(),
                actual[j].clone(),
                format!("expected {}, got {}", describe(e), describe(&actual[j])),
            )),
            None => out.push(at.difference(
                None,
                Some("problem"),
                e.clone(),
                Value::Null,
                format!("expected {}, no longer reported", describe(e)),
            )),
        }
    }
    for (j, a) in actual.iter().enumerate() {
        if !eids.contains(&aids[j]) {
            out.push(at.difference(
                None,
                Some("problem"),
                Value::Null,
                a.clone(),
                format!("{} is now reported, not expected", describe(a)),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(key: &str, department: &str) -> Value {
        json!({"section":"Users","object_type":"Users","key":{"attribute":"WorkerID","value":key},
               "attributes":{"Department":[department],"WorkerID":[key]},"references":{},"errors":[]})
    }

    #[test]
    fn a_changed_attribute_names_its_key_and_attribute() {
        let d = images(&[user("00u3", "Sales")], &[user("00u3", "IT")]);
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].message,
            r#"`00u3` `Department`: expected ["Sales"], got ["IT"]"#
        );
        assert_eq!(d[0].key.as_deref(), Some("00u3"));
        assert_eq!(d[0].attribute.as_deref(), Some("Department"));
        assert_eq!(d[0].expected, json!(["Sales"]));
        assert_eq!(d[0].actual, json!(["IT"]));
    }

    #[test]
    fn objects_that_appear_or_vanish_are_named_by_key() {
        let d = images(&[user("00u1", "IT")], &[user("00u2", "IT")]);
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`00u1`: vanished: expected, but the mapping no longer makes this object",
                "`00u2`: appeared: the mapping now makes this object, which is not expected"
            ]
        );
    }

    #[test]
    fn the_same_images_in_other_text_do_not_differ_but_another_order_does() {
        let (a, b) = (user("00u1", "IT"), user("00u2", "IT"));
        let reparsed: Value =
            serde_json::from_str(&serde_json::to_string_pretty(&a).unwrap()).unwrap();
        assert!(images(&[a.clone(), b.clone()], &[reparsed, b.clone()]).is_empty());
        let d = images(&[a.clone(), b.clone()], &[b, a]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field.as_deref(), Some("order"));
    }

    #[test]
    fn a_repeated_key_is_matched_occurrence_by_occurrence() {
        let d = images(
            &[user("00u1", "IT"), user("00u1", "HR")],
            &[user("00u1", "IT"), user("00u1", "Sales")],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].actual, json!(["Sales"]));
    }

    #[test]
    fn plan_changes_differ_by_key_and_attribute() {
        let plan = |to: &str| {
            json!({"sections":[{"section":"Users","object_type":"Users",
                "summary":{"create":0,"update":1,"unchanged":0,"delete":0,"mark":0,"errors":0},
                "changes":[{"action":"update","key":"00u3","attributes":{"Department":{"from":["Sales"],"to":[to]}}}]}]})
        };
        assert!(plans(&plan("IT"), &plan("IT")).is_empty());
        let d = plans(&plan("IT"), &plan("HR"));
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].message,
            r#"Users `00u3` `Department`: expected ["Sales"] → ["IT"], got ["Sales"] → ["HR"]"#
        );
    }
}
