//! The AQL the sandbox answers: what the Assets REST client sends to find objects.

use super::objects::{ObjectError, TypeEntry};
use crate::lang::ast::{AqlOp, AqlValue};
use crate::lang::parser::parse_aql;
use crate::plan::query::fold;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeSet, HashSet};
/// The AQL a REST client sends to find objects: `objectType = "Users"`, `objectTypeId = 12`,
/// `Key = "USR-1"`, `"Attribute" = "value"` and `Attribute IN ("a", "b")`, joined by `AND`,
/// and conjunctions joined by `OR`. `=` ignores case, as in Assets.
#[derive(Debug)]
pub(super) struct Query {
    any_of: Vec<Conjunction>,
}

#[derive(Debug, Default)]
struct Conjunction {
    /// `None`: any type.
    types: Option<BTreeSet<i64>>,
    /// Object keys, in capitals (keys are made of capitals, digits and `-`).
    keys: Option<BTreeSet<String>>,
    /// Attribute name and the folded values one of which it must have.
    terms: Vec<(String, HashSet<String>)>,
}

impl Query {
    pub(super) fn parse(aql: &str, types: &[TypeEntry]) -> Result<Query, ObjectError> {
        let refuse = |reason: String| ObjectError::Query {
            query: aql.to_string(),
            reason,
        };
        if aql.trim().is_empty() {
            return Err(refuse("the query is empty".to_string()));
        }
        let mut any_of = Vec::new();
        for part in split_or(aql) {
            any_of.push(Conjunction::parse(part, types).map_err(&refuse)?);
        }
        Ok(Query { any_of })
    }

    pub(super) fn run(
        &self,
        conn: &Connection,
        types: &[TypeEntry],
    ) -> rusqlite::Result<BTreeSet<i64>> {
        let mut found = BTreeSet::new();
        for c in &self.any_of {
            found.extend(c.run(conn, types)?);
        }
        Ok(found)
    }
}

impl Conjunction {
    fn parse(text: &str, types: &[TypeEntry]) -> Result<Conjunction, String> {
        let mut diagnostics = Vec::new();
        let parsed = parse_aql(text, 0, &mut diagnostics).ok_or_else(|| {
            // The parser words its messages for mappings, where AQL is a reference query.
            let why = diagnostics
                .first()
                .map(|d| {
                    let m = d.message.as_str();
                    let m = m.strip_prefix("cannot read the reference query: ").unwrap_or(m);
                    format!("{m} at character {}", d.span.start + 1)
                })
                .unwrap_or_else(|| "not a query".to_string());
            format!(
                "{why}; the sandbox runs `Attribute = \"value\"`, `Attribute IN (\"a\", \"b\")`, \
                 `objectType = \"Name\"`, `objectTypeId = 1` and `Key = \"ABC-1\"`, joined by AND or OR"
            )
        })?;
        let mut c = Conjunction::default();
        for term in parsed.terms {
            let values: Vec<String> = term
                .values
                .into_iter()
                .map(AqlValue::into_constant)
                .collect::<Option<_>>()
                .ok_or("`${…}` is a mapping placeholder, not a value")?;
            if term.op == AqlOp::Eq && values.len() != 1 {
                return Err("`=` takes one value".to_string());
            }
            let attribute = term.attribute.value;
            match attribute.to_ascii_lowercase().as_str() {
                "objecttype" => {
                    let mut ids = BTreeSet::new();
                    for v in &values {
                        let folded = fold(v);
                        let t = types
                            .iter()
                            .find(|t| fold(&t.name) == folded)
                            .ok_or_else(|| format!("no object type is named `{v}`"))?;
                        ids.insert(t.id);
                    }
                    c.restrict_types(ids);
                }
                "objecttypeid" => {
                    let mut ids = BTreeSet::new();
                    for v in &values {
                        let t = v
                            .trim()
                            .parse::<i64>()
                            .ok()
                            .filter(|id| types.iter().any(|t| t.id == *id))
                            .ok_or_else(|| format!("no object type has the id `{v}`"))?;
                        ids.insert(t);
                    }
                    c.restrict_types(ids);
                }
                "key" => {
                    let keys: BTreeSet<String> = values
                        .iter()
                        .map(|v| v.trim().to_ascii_uppercase())
                        .collect();
                    c.keys = Some(match c.keys.take() {
                        Some(before) => before.intersection(&keys).cloned().collect(),
                        None => keys,
                    });
                }
                _ => c
                    .terms
                    .push((attribute, values.iter().map(|v| fold(v)).collect())),
            }
        }
        for (name, _) in &c.terms {
            if !c
                .candidates(types)
                .any(|t| t.attribute_named(name).is_some())
            {
                return Err(match &c.types {
                    Some(_) => format!("the object type has no attribute `{name}`"),
                    None => format!("no object type has an attribute `{name}`"),
                });
            }
        }
        Ok(c)
    }

    fn restrict_types(&mut self, ids: BTreeSet<i64>) {
        self.types = Some(match self.types.take() {
            Some(before) => before.intersection(&ids).copied().collect(),
            None => ids,
        });
    }

    fn candidates<'t>(&'t self, types: &'t [TypeEntry]) -> impl Iterator<Item = &'t TypeEntry> {
        types
            .iter()
            .filter(|t| self.types.as_ref().is_none_or(|ids| ids.contains(&t.id)))
    }

    fn run(&self, conn: &Connection, types: &[TypeEntry]) -> rusqlite::Result<BTreeSet<i64>> {
        let mut found = BTreeSet::new();
        if self.types.is_none() && self.terms.is_empty() {
            if let Some(keys) = &self.keys {
                let mut by_key =
                    conn.prepare_cached("SELECT id FROM objects WHERE object_key = ?1")?;
                for k in keys {
                    if let Some(id) = by_key.query_row([k], |r| r.get(0)).optional()? {
                        found.insert(id);
                    }
                }
                return Ok(found);
            }
        }
        'types: for t in self.candidates(types) {
            let mut ids: Option<BTreeSet<i64>> = None;
            if let Some(keys) = &self.keys {
                let mut by_key = conn.prepare_cached(
                    "SELECT id FROM objects WHERE object_key = ?1 AND object_type_id = ?2",
                )?;
                let mut with_key = BTreeSet::new();
                for k in keys {
                    if let Some(id) = by_key
                        .query_row(params![k, t.id], |r| r.get(0))
                        .optional()?
                    {
                        with_key.insert(id);
                    }
                }
                ids = Some(with_key);
            }
            for (name, values) in &self.terms {
                let Some(a) = t.attribute_named(name) else {
                    continue 'types;
                };
                let mut st = conn.prepare_cached(
                    "SELECT o.id, coalesce(v.value, r.label) FROM objects o
                     JOIN object_values v ON v.object_id = o.id AND v.attribute_id = ?2
                     LEFT JOIN objects r ON r.id = v.reference_id
                     WHERE o.object_type_id = ?1",
                )?;
                let mut matching = BTreeSet::new();
                let mut rows = st.query(params![t.id, a.id])?;
                while let Some(r) = rows.next()? {
                    let Some(text) = r.get::<_, Option<String>>(1)? else {
                        continue;
                    };
                    if values.contains(&fold(&text)) {
                        matching.insert(r.get::<_, i64>(0)?);
                    }
                }
                ids = Some(match ids {
                    Some(before) => before.intersection(&matching).copied().collect(),
                    None => matching,
                });
            }
            match ids {
                Some(ids) => found.extend(ids),
                None => {
                    let mut all =
                        conn.prepare_cached("SELECT id FROM objects WHERE object_type_id = ?1")?;
                    for id in all.query_map([t.id], |r| r.get::<_, i64>(0))? {
                        found.insert(id?);
                    }
                }
            }
        }
        Ok(found)
    }
}

/// The bytes of `text` outside quoted strings, each with its index and the parenthesis depth
/// after it.
fn unquoted(text: &str) -> impl Iterator<Item = (usize, u8, i32)> + '_ {
    let (mut depth, mut quoted, mut escaped) = (0i32, false, false);
    text.bytes().enumerate().filter_map(move |(i, b)| {
        if quoted {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => quoted = false,
                _ => {}
            }
            return None;
        }
        match b {
            b'"' => {
                quoted = true;
                return None;
            }
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        Some((i, b, depth))
    })
}

/// The query split at each `OR` outside quotes and parentheses; a part wholly in parentheses
/// loses them.
fn split_or(aql: &str) -> Vec<&str> {
    let bytes = aql.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, b, depth) in unquoted(aql) {
        let or_follows = depth == 0
            && i >= start
            && b.is_ascii_whitespace()
            && bytes.len() > i + 3
            && bytes[i + 1..i + 3].eq_ignore_ascii_case(b"OR")
            && bytes[i + 3].is_ascii_whitespace();
        if or_follows {
            parts.push(&aql[start..i]);
            start = i + 3;
        }
    }
    parts.push(&aql[start..]);
    parts.into_iter().map(unwrap_parentheses).collect()
}

fn unwrap_parentheses(part: &str) -> &str {
    let mut part = part.trim();
    while let Some(inner) = part.strip_prefix('(').and_then(|p| p.strip_suffix(')')) {
        // `(a) AND (b)` starts and ends with parentheses that do not pair up.
        if unquoted(inner).any(|(_, _, depth)| depth < 0) {
            break;
        }
        part = inner.trim();
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_splits_outside_quotes_and_parentheses() {
        assert_eq!(
            split_or(r#"Name = "a OR b" OR (Key IN ("X-1", "X-2")) or Name = x"#),
            vec![r#"Name = "a OR b""#, r#"Key IN ("X-1", "X-2")"#, "Name = x"]
        );
        assert_eq!(split_or("(a = 1) AND (b = 2)"), vec!["(a = 1) AND (b = 2)"]);
        assert_eq!(split_or(r#"Name = "\" OR x""#), vec![r#"Name = "\" OR x""#]);
    }
}
