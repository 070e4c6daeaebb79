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
    let kept = dedup_front(values);
    values.truncate(kept);
}

/// Moves the first occurrence of each value to the front, in source order, and gives how many
/// there are; what lies behind them is left in no particular order.
pub fn dedup_front<T: Eq + std::hash::Hash>(values: &mut [T]) -> usize {
    match values.len() {
        n @ (0 | 1) => n,
        // Few values: comparing them all is cheaper than hashing.
        n if n <= 16 => {
            let mut kept = 1;
            for i in 1..n {
                if !values[..kept].contains(&values[i]) {
                    values.swap(kept, i);
                    kept += 1;
                }
            }
            kept
        }
        n => {
            let keep: Vec<bool> = {
                let mut seen = std::collections::HashSet::with_capacity(n);
                values.iter().map(|v| seen.insert(v)).collect()
            };
            // Positions after `i` are untouched by the swaps, so `keep` still describes them.
            let mut kept = 0;
            for (i, keep) in keep.into_iter().enumerate() {
                if keep {
                    values.swap(kept, i);
                    kept += 1;
                }
            }
            kept
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_keeps_first_occurrences_in_order_few_and_many() {
        let mut few = vec![3, 1, 3, 2, 1, 4];
        dedup(&mut few);
        assert_eq!(few, [3, 1, 2, 4]);
        let mut many: Vec<u32> = (0..100).map(|i| (i * 7) % 23).collect();
        let mut expected = Vec::new();
        for v in &many {
            if !expected.contains(v) {
                expected.push(*v);
            }
        }
        dedup(&mut many);
        assert_eq!(many, expected);
        assert_eq!(many.len(), 23);
    }
}
