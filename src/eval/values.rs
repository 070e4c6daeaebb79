//! Evaluation of compiled sources over one record.

use super::record::{collect_scalars, path_text, walk, NotAScalar, Record};
use super::scalar::Scalar;
use crate::diag::Code;
use crate::lang::program::{Call, Equals, FilteredPath, JsonPathQuery, Source, TemplatePart};
use serde_json::Value;

/// Why a source could not give its values for a record.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceError {
    pub code: Code,
    pub message: String,
}

impl SourceError {
    pub fn not_a_scalar(e: NotAScalar) -> Self {
        SourceError::new(
            Code::NotAScalar,
            format!("`{}` is an object, not a value", e.path),
        )
    }

    fn new(code: Code, message: impl Into<String>) -> Self {
        SourceError {
            code,
            message: message.into(),
        }
    }
}

pub fn values(source: &Source, record: &dyn Record) -> Result<Vec<Scalar>, SourceError> {
    let mut out = Vec::new();
    match source {
        Source::Path(path) => record
            .scalars_at(path, &mut out)
            .map_err(SourceError::not_a_scalar)?,
        Source::Literal(text) => out.push(Scalar::Text(text.clone())),
        Source::JsonPath(query) => jsonpath(query, whole(record)?, &mut out)?,
        Source::Filtered(filtered) => filter(filtered, whole(record)?, &mut out)?,
        Source::Template(parts) => {
            let mut columns = Vec::with_capacity(parts.len());
            for part in parts {
                columns.push(match part {
                    TemplatePart::Text(t) => Column::Fixed(t),
                    TemplatePart::Source(s) => Column::Values(values(s, record)?),
                });
            }
            out = zip_text(&columns)?;
        }
        Source::Call(call) => out = call_values(call, record)?,
    }
    Ok(out)
}

fn whole(record: &dyn Record) -> Result<&Value, SourceError> {
    record
        .whole()
        .ok_or_else(|| SourceError::new(Code::JsonPathResult, "this source needs the whole record"))
}

fn jsonpath(
    query: &JsonPathQuery,
    value: &Value,
    out: &mut Vec<Scalar>,
) -> Result<(), SourceError> {
    let nodes = jsonpath_rust::query::js_path_process(&query.query, value).map_err(|e| {
        SourceError::new(
            Code::JsonPathResult,
            format!("`{}` gives no node list: {e}", query.text),
        )
    })?;
    for node in nodes {
        collect_scalars(node.val(), out).map_err(|_| {
            SourceError::new(
                Code::NotAScalar,
                format!("`{}` selects an object, not a value", query.text),
            )
        })?;
    }
    Ok(())
}

fn filter(f: &FilteredPath, value: &Value, out: &mut Vec<Scalar>) -> Result<(), SourceError> {
    let mut arrays = Vec::new();
    walk(value, &f.array, 0, &mut arrays);
    let elements = arrays.into_iter().flat_map(|node| match node {
        Value::Array(items) => items.iter().collect::<Vec<_>>(),
        other => vec![other],
    });
    let chosen = elements.filter(|element| {
        let mut found = Vec::new();
        let read = element.scalars(&f.condition, &mut found);
        match &f.equals {
            // An object under the condition path never equals a value.
            Equals::Value(equals) => read.is_ok() && found.iter().any(|s| s.text() == *equals),
            // ... but it is there.
            Equals::Any => read.is_err() || !found.is_empty(),
        }
    });
    // `_eq_any` selects only the first element that has the condition path.
    let chosen = chosen.take(match f.equals {
        Equals::Any => 1,
        Equals::Value(_) => usize::MAX,
    });
    for element in chosen {
        element.scalars(&f.value, out).map_err(|e| {
            let at = if e.path.is_empty() {
                format!("the selected element of `{}`", path_text(&f.array))
            } else {
                format!(
                    "`{}` of the selected element of `{}`",
                    e.path,
                    path_text(&f.array)
                )
            };
            SourceError::new(Code::NotAScalar, format!("{at} is an object, not a value"))
        })?;
    }
    Ok(())
}

enum Column<'a> {
    Fixed(&'a str),
    Values(Vec<Scalar>),
}

/// Combines columns into texts: a column of one value repeats, columns of several values must
/// agree in length and are read side by side, and a column of no values reads as empty text.
/// Nothing comes out when every value column is empty.
fn zip_text(columns: &[Column]) -> Result<Vec<Scalar>, SourceError> {
    let counts = columns.iter().filter_map(|c| match c {
        Column::Values(v) => Some(v.len()),
        Column::Fixed(_) => None,
    });
    let (mut any, mut rows) = (false, 1);
    for n in counts {
        if n > 0 {
            any = true;
        }
        if n > 1 {
            if rows > 1 && n != rows {
                return Err(SourceError::new(
                    Code::MismatchedValueCounts,
                    format!("the parts give {rows} and {n} values; they cannot be paired"),
                ));
            }
            rows = n;
        }
    }
    let has_values = columns.iter().any(|c| matches!(c, Column::Values(_)));
    if has_values && !any {
        return Ok(Vec::new());
    }
    Ok((0..rows)
        .map(|row| {
            let mut s = String::new();
            for c in columns {
                match c {
                    Column::Fixed(t) => s.push_str(t),
                    Column::Values(v) if v.len() == 1 => s.push_str(&v[0].text()),
                    Column::Values(v) => {
                        if let Some(x) = v.get(row) {
                            s.push_str(&x.text())
                        }
                    }
                }
            }
            Scalar::Text(s)
        })
        .collect())
}

fn map_text(values: Vec<Scalar>, f: impl Fn(&str) -> String) -> Vec<Scalar> {
    values
        .into_iter()
        .map(|v| Scalar::Text(f(&v.text())))
        .collect()
}

fn call_values(call: &Call, record: &dyn Record) -> Result<Vec<Scalar>, SourceError> {
    Ok(match call {
        Call::Lower(s) => map_text(values(s, record)?, str::to_lowercase),
        Call::Upper(s) => map_text(values(s, record)?, str::to_uppercase),
        Call::Trim(s) => map_text(values(s, record)?, |t| t.trim().to_string()),
        Call::Replace(s, from, to) => map_text(values(s, record)?, |t| {
            if from.is_empty() {
                t.to_string()
            } else {
                t.replace(from.as_str(), to)
            }
        }),
        Call::First(s) => values(s, record)?.into_iter().take(1).collect(),
        Call::Split(s, sep) => split(values(s, record)?, sep),
        Call::Join(s, sep) => {
            let v = values(s, record)?;
            if v.is_empty() {
                Vec::new()
            } else {
                vec![Scalar::Text(
                    v.iter().map(|x| x.text()).collect::<Vec<_>>().join(sep),
                )]
            }
        }
        Call::Coalesce(sources) => {
            for s in sources {
                let v = values(s, record)?;
                if !v.is_empty() {
                    return Ok(v);
                }
            }
            Vec::new()
        }
        Call::Concat(sources) => {
            let columns = sources
                .iter()
                .map(|s| values(s, record).map(Column::Values))
                .collect::<Result<Vec<_>, _>>()?;
            zip_text(&columns)?
        }
        Call::Date(s, format) => values(s, record)?
            .into_iter()
            .map(|v| format_date(&v.text(), &format.0).map(Scalar::Text))
            .collect::<Result<_, _>>()?,
    })
}

/// Splits text values at `separator`, dropping empty parts.
pub fn split(values: Vec<Scalar>, separator: &str) -> Vec<Scalar> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        match v {
            Scalar::Text(t) if !separator.is_empty() => out.extend(
                t.split(separator)
                    .filter(|p| !p.is_empty())
                    .map(|p| Scalar::Text(p.to_string())),
            ),
            other => out.push(other),
        }
    }
    out
}

/// Parses an ISO-8601 date or date-time and formats it with a checked strftime format.
fn format_date(text: &str, format: &str) -> Result<String, SourceError> {
    use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
    use std::fmt::Write;
    let utc = FixedOffset::east_opt(0).expect("zero offset is valid");
    let parsed: Option<DateTime<FixedOffset>> = DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .and_then(|n| utc.from_local_datetime(&n).single())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .and_then(|n| utc.from_local_datetime(&n).single())
        });
    let Some(date) = parsed else {
        return Err(SourceError::new(
            Code::UnparsableDate,
            format!("`{text}` is not an ISO-8601 date or date-time"),
        ));
    };
    let mut out = String::new();
    write!(out, "{}", date.format(format)).map_err(|_| {
        SourceError::new(
            Code::UnparsableDate,
            format!("`{text}` cannot be written as '{format}'"),
        )
    })?;
    Ok(out)
}
