//! Single values as the evaluator passes them around.

use serde::Serialize;
use serde_json::{Number, Value};
use std::borrow::Cow;

/// A single value read from a record or made by a function.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Removes repeated values, keeping the first of each (values stay in source order).
pub fn dedup(values: &mut Vec<Scalar>) {
    if values.len() < 2 {
        return;
    }
    let mut kept: Vec<Scalar> = Vec::with_capacity(values.len());
    for v in values.drain(..) {
        if !kept.contains(&v) {
            kept.push(v);
        }
    }
    *values = kept;
}
