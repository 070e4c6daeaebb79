//! Single values as the evaluator passes them around.

use serde::Serialize;
use serde_json::{Number, Value};
use std::borrow::Cow;

/// A single value read from a record or made by a function.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Number(Number),
    Bool(bool),
}

impl Scalar {
    /// The value of a JSON scalar; `None` for null, arrays and objects.
    pub fn from_json(value: &Value) -> Option<Scalar> {
        match value {
            Value::String(s) => Some(Scalar::Text(s.clone())),
            Value::Number(n) => Some(Scalar::Number(n.clone())),
            Value::Bool(b) => Some(Scalar::Bool(*b)),
            _ => None,
        }
    }

    /// The value as text, as templates and text functions see it.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Scalar::Text(s) => Cow::Borrowed(s),
            Scalar::Number(n) => Cow::Owned(n.to_string()),
            Scalar::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }

    pub fn into_text(self) -> String {
        match self {
            Scalar::Text(s) => s,
            other => other.text().into_owned(),
        }
    }
}

/// Removes repeated values, keeping the first of each (values stay in source order). Linear:
/// a user may well be in thousands of groups.
pub fn dedup<T: Eq + std::hash::Hash>(values: &mut Vec<T>) {
    match values.len() {
        0 | 1 => {}
        // Few values: comparing them all is cheaper than hashing.
        n if n <= 16 => {
            let mut i = 1;
            while i < values.len() {
                if values[..i].contains(&values[i]) {
                    values.remove(i);
                } else {
                    i += 1;
                }
            }
        }
        n => {
            let mut seen = std::collections::HashSet::with_capacity(n);
            let keep: Vec<bool> = values.iter().map(|v| seen.insert(v)).collect();
            let mut keep = keep.into_iter();
            values.retain(|_| keep.next().unwrap_or(false));
        }
    }
}
