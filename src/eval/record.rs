//! How the evaluator reads a record. It goes through this narrow interface only, so that a
//! record can be something other than a fully built JSON tree.

use super::scalar::Scalar;
use crate::lang::program::{DotPath, PathRef};
use serde_json::Value;

/// A record met an object where a single value was needed.
#[derive(Debug, Clone, PartialEq)]
pub struct NotAScalar {
    /// The path (as far as it was walked) that gave the object.
    pub path: String,
}

pub trait Record {
    /// Appends the single values at `path` to `out`: an array met on the way without an index
    /// fans out over its elements, an array at the end gives its elements, null gives nothing.
    fn scalars(&self, path: &DotPath, out: &mut Vec<Scalar>) -> Result<(), NotAScalar>;

    /// [`Record::scalars`] for a path of the program; a record projected for the section
    /// answers by the path's slot.
    fn scalars_at(&self, path: &PathRef, out: &mut Vec<Scalar>) -> Result<(), NotAScalar> {
        self.scalars(&path.path, out)
    }

    /// The values at a path of the program without copying them, where the record holds them
    /// as they are given (a projected record does); `None` where they must be gathered with
    /// [`Record::scalars_at`].
    fn borrowed(&self, _path: &PathRef) -> Option<Result<&[Scalar], NotAScalar>> {
        None
    }

    /// The whole record, for the sources that need it (JSONPath, compatibility filters).
    fn whole(&self) -> Option<&Value>;
}

impl Record for Value {
    fn scalars(&self, path: &DotPath, out: &mut Vec<Scalar>) -> Result<(), NotAScalar> {
        let mut nodes = Vec::new();
        walk(self, path, 0, &mut nodes);
        for node in nodes {
            collect_scalars(node, out).map_err(|ObjectMet| NotAScalar {
                path: path_text(path),
            })?;
        }
        Ok(())
    }

    fn whole(&self) -> Option<&Value> {
        Some(self)
    }
}

/// The nodes at `path[depth..]` below `value`.
pub fn walk<'a>(value: &'a Value, path: &DotPath, depth: usize, out: &mut Vec<&'a Value>) {
    let Some(segment) = path.0.get(depth) else {
        out.push(value);
        return;
    };
    match value {
        Value::Object(map) => {
            if let Some(child) = map.get(&*segment.name) {
                walk(child, path, depth + 1, out);
            }
        }
        Value::Array(items) => match segment.index {
            Some(i) => {
                if let Some(child) = items.get(i) {
                    walk(child, path, depth + 1, out);
                }
            }
            None => {
                for item in items {
                    walk(item, path, depth, out);
                }
            }
        },
        _ => {}
    }
}

/// An object where only values (or arrays of them) may stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectMet;

/// Appends the scalars of a node: arrays are flattened, null is skipped, an object is an error.
pub fn collect_scalars(node: &Value, out: &mut Vec<Scalar>) -> Result<(), ObjectMet> {
    match node {
        Value::Null => Ok(()),
        Value::Array(items) => items.iter().try_for_each(|i| collect_scalars(i, out)),
        Value::Object(_) => Err(ObjectMet),
        scalar => {
            out.extend(Scalar::from_json(scalar));
            Ok(())
        }
    }
}

pub fn path_text(path: &DotPath) -> String {
    path.0
        .iter()
        .map(|s| &*s.name)
        .collect::<Vec<_>>()
        .join(".")
}
