//! Source files → records.
//!
//! A source is a JSON array of records, a JSON object (the records sit at the section's
//! `records` path; without one the object is a single record), or JSON Lines. `-` is standard
//! input. [`read_records`] is the one entry.

pub mod stream;

use crate::lang::program::DotPath;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn parse(text: &str) -> Input {
        if text == "-" {
            Input::Stdin
        } else {
            Input::File(PathBuf::from(text))
        }
    }

    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be read at all (exit 2).
    #[error("cannot read {name}: {error}")]
    Io { name: String, error: std::io::Error },
    /// The file is not a valid source (exit 1).
    #[error("{name}:{line}:{column}: {message}")]
    Malformed {
        name: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// Reads every record of a source. The whole source is read and checked before any record is
/// returned, so malformed data late in a file is found before anything is done with it.
pub fn read_records(input: &Input, records: Option<&DotPath>) -> Result<Vec<Value>, SourceError> {
    let name = input.name();
    let bytes = match input {
        Input::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|error| SourceError::Io {
                    name: name.clone(),
                    error,
                })?;
            buf
        }
        Input::File(path) => read_file(path)?,
    };
    parse_records(&name, &bytes, records)
}

fn read_file(path: &Path) -> Result<Vec<u8>, SourceError> {
    std::fs::read(path).map_err(|error| SourceError::Io {
        name: path.display().to_string(),
        error,
    })
}

/// Parses the bytes of a source (see the module documentation).
pub fn parse_records(
    name: &str,
    bytes: &[u8],
    records: Option<&DotPath>,
) -> Result<Vec<Value>, SourceError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let malformed = |e: serde_json::Error| SourceError::Malformed {
        name: name.to_string(),
        line: e.line(),
        column: e.column(),
        message: format!("{e}; fix the JSON there"),
    };
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let first = match stream.next() {
        None => return Ok(Vec::new()),
        Some(r) => r.map_err(malformed)?,
    };
    let second = stream.next().transpose().map_err(malformed)?;
    match (first, second) {
        (Value::Array(items), None) => Ok(items),
        (Value::Object(object), None) => {
            let value = Value::Object(object);
            match records {
                None => Ok(vec![value]),
                Some(path) => match lookup(&value, path) {
                    Some(Value::Array(items)) => Ok(items.clone()),
                    Some(Value::Object(one)) => Ok(vec![Value::Object(one.clone())]),
                    _ => Err(SourceError::Malformed {
                        name: name.to_string(),
                        line: 1,
                        column: 1,
                        message: format!(
                            "no array of records at `{}`; check `config:records=`",
                            crate::eval::record::path_text(path)
                        ),
                    }),
                },
            }
        }
        (first, second) => {
            // JSON Lines: one record a line (any whitespace between values is accepted).
            let mut all = vec![first];
            all.extend(second);
            for item in stream {
                all.push(item.map_err(malformed)?);
            }
            if let Some(i) = all.iter().position(|v| !v.is_object()) {
                return Err(SourceError::Malformed {
                    name: name.to_string(),
                    line: i + 1,
                    column: 1,
                    message: "a JSON Lines source holds one JSON object a line".to_string(),
                });
            }
            Ok(all)
        }
    }
}

pub(crate) fn lookup<'a>(value: &'a Value, path: &DotPath) -> Option<&'a Value> {
    path.0.iter().try_fold(value, |v, s| match v {
        Value::Object(m) => m.get(&*s.name),
        Value::Array(a) => s.index.and_then(|i| a.get(i)),
        _ => None,
    })
}
