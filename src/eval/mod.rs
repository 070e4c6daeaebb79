//! Program × record → object image.
//!
//! [`evaluate`] is the one entry: it evaluates one section of a program on one record and gives
//! the object image (object type, key, attribute values, reference queries), or nothing when a
//! `filter:` leaves the record out. Problems with the record are part of the image (`errors`);
//! they never stop a run.

pub mod evaluator;
pub mod projection;
pub mod record;
pub mod scalar;
pub mod values;
pub mod write;

pub use record::Record;
pub use scalar::Scalar;

use crate::diag::Code;
use crate::lang::aql::quote_into;
use crate::lang::program::{
    AqlOp, AqlValue, CompareOp, Condition, Literal, Mapping, Reference, Section,
};
use scalar::dedup;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use values::{split, values, SourceError};

/// What one record makes of one section. Names are borrowed from the program.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectImage<'p> {
    pub section: &'p str,
    pub object_type: &'p str,
    pub key: Key<'p>,
    /// Every mapped attribute, in name order; an attribute whose source gave nothing has `[]`.
    pub attributes: BTreeMap<&'p str, Vec<Scalar>>,
    pub references: BTreeMap<&'p str, Vec<ReferenceQuery<'p>>>,
    pub errors: Vec<RecordError>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Key<'p> {
    pub attribute: &'p str,
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ReferenceQuery<'p> {
    pub object_type: &'p str,
    pub aql: String,
}

/// A problem with one record, located at the mapping line that met it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordError {
    pub code: Code,
    pub message: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
}

impl RecordError {
    fn at(mapping: &Mapping, e: SourceError) -> Self {
        RecordError {
            code: e.code,
            message: e.message,
            line: mapping.loc.line,
            column: mapping.loc.column,
            attribute: Some(mapping.attribute.clone()),
        }
    }
}

/// Evaluates `section` on one record. `None` when the section's filters leave it out.
pub fn evaluate<'p>(section: &'p Section, record: &dyn Record) -> Option<ObjectImage<'p>> {
    let mut errors = Vec::new();
    if !passes(section, record, &mut errors) {
        return None;
    }
    let key_mapping = &section.key;
    let key_value = key_value(key_mapping, record, &mut errors);

    let mut attributes: BTreeMap<&str, Vec<Scalar>> = BTreeMap::new();
    if let Some(v) = &key_value {
        attributes.insert(&key_mapping.attribute, vec![Scalar::Text(v.clone())]);
    }
    let mut references: BTreeMap<&str, Vec<ReferenceQuery>> = BTreeMap::new();
    for mapping in &section.maps {
        match &mapping.reference {
            Some(reference) => {
                let mut queries = Vec::new();
                match reference_queries(reference, record, &mut queries) {
                    Ok(()) => merge(references.entry(&mapping.attribute).or_default(), queries),
                    Err(e) => errors.push(RecordError::at(mapping, e)),
                }
            }
            None => match attribute_values(mapping, record) {
                Ok(v) => merge(attributes.entry(&mapping.attribute).or_default(), v),
                Err(e) => errors.push(RecordError::at(mapping, e)),
            },
        }
    }

    Some(ObjectImage {
        section: &section.name,
        object_type: section.object_type.as_deref().unwrap_or(&section.name),
        key: Key {
            attribute: &key_mapping.attribute,
            value: key_value,
        },
        attributes,
        references,
        errors,
    })
}

/// Whether the section's filters let the record through. A filter that cannot be evaluated on
/// the record lets it through with an error, so that the record is reported, not lost.
fn passes(section: &Section, record: &dyn Record, errors: &mut Vec<RecordError>) -> bool {
    for filter in &section.filters {
        match holds(filter, record) {
            Ok(true) => {}
            Ok(false) => return false,
            Err(e) => {
                errors.push(RecordError {
                    code: e.code,
                    message: format!("filter: {}", e.message),
                    line: section.key.loc.line,
                    column: section.key.loc.column,
                    attribute: None,
                });
                break;
            }
        }
    }
    true
}

/// The record's key: exactly one value, as text.
fn key_value(key: &Mapping, record: &dyn Record, errors: &mut Vec<RecordError>) -> Option<String> {
    match values(&key.source, record) {
        Ok(mut v) => {
            dedup(&mut v);
            match v.len() {
                1 => v.pop().map(Scalar::into_text),
                0 => {
                    errors.push(RecordError::at(
                        key,
                        SourceError {
                            code: Code::MissingKeyValue,
                            message: "the record has no value for its key; it cannot be matched to an object".into(),
                        },
                    ));
                    None
                }
                n => {
                    errors.push(RecordError::at(
                        key,
                        SourceError {
                            code: Code::SeveralKeyValues,
                            message: format!(
                                "the key gives {n} values; a key must give exactly one"
                            ),
                        },
                    ));
                    None
                }
            }
        }
        Err(e) => {
            errors.push(RecordError::at(key, e));
            None
        }
    }
}

/// The values an attribute mapping gives for a record, split at its array separator.
fn attribute_values(mapping: &Mapping, record: &dyn Record) -> Result<Vec<Scalar>, SourceError> {
    let v = values(&mapping.source, record)?;
    Ok(match &mapping.array_separator {
        Some(sep) => split(v, sep),
        None => v,
    })
}

/// Adds values to an attribute (several lines may write one), each value once.
fn merge<T: Eq + std::hash::Hash>(entry: &mut Vec<T>, values: Vec<T>) {
    if entry.is_empty() {
        *entry = values;
    } else {
        entry.extend(values);
    }
    dedup(entry);
}

/// Appends the AQL queries of a reference for one record to `out`. `=` terms give one query per
/// value (read side by side when several terms have placeholders); an `IN` term puts all its
/// values in one list.
fn reference_queries<'p>(
    reference: &'p Reference,
    record: &dyn Record,
    out: &mut Vec<ReferenceQuery<'p>>,
) -> Result<(), SourceError> {
    // The usual query, `Name=${groups}`: one query per value, rendered straight away.
    if let [term] = reference.terms.as_slice() {
        if let (AqlOp::Eq, [AqlValue::Source(source)]) = (term.op, term.values.as_slice()) {
            let mut found = values(source, record)?;
            dedup(&mut found);
            out.reserve(found.len());
            for value in &found {
                let mut aql = String::with_capacity(term.prefix.len() + 16);
                aql.push_str(&term.prefix);
                quote_into(&mut aql, &value.text());
                out.push(ReferenceQuery {
                    object_type: &reference.object_type,
                    aql,
                });
            }
            return Ok(());
        }
    }
    let mut columns: Vec<Vec<Cow<str>>> = Vec::with_capacity(reference.terms.len());
    let mut rows = 1;
    for term in &reference.terms {
        let mut vals: Vec<Cow<str>> = Vec::new();
        for v in &term.values {
            match v {
                AqlValue::Constant(c) => vals.push(Cow::Borrowed(c.as_str())),
                AqlValue::Source(s) => {
                    let mut found = values(s, record)?;
                    dedup(&mut found);
                    vals.extend(found.into_iter().map(|x| Cow::Owned(x.into_text())));
                }
            }
        }
        if vals.is_empty() {
            // Nothing to link for this record.
            return Ok(());
        }
        if term.op == AqlOp::Eq && vals.len() > 1 {
            if rows > 1 && rows != vals.len() {
                return Err(SourceError {
                    code: Code::MismatchedValueCounts,
                    message: format!(
                        "the reference's placeholders give {rows} and {} values; they cannot be paired",
                        vals.len()
                    ),
                });
            }
            rows = vals.len();
        }
        columns.push(vals);
    }
    out.reserve(rows);
    for row in 0..rows {
        let mut aql = String::new();
        for (i, (term, vals)) in reference.terms.iter().zip(&columns).enumerate() {
            if i > 0 {
                aql.push_str(" AND ");
            }
            aql.push_str(&term.prefix);
            match term.op {
                AqlOp::Eq => quote_into(
                    &mut aql,
                    if vals.len() == 1 {
                        &vals[0]
                    } else {
                        &vals[row]
                    },
                ),
                AqlOp::In => {
                    for (j, v) in vals.iter().enumerate() {
                        if j > 0 {
                            aql.push_str(", ");
                        }
                        quote_into(&mut aql, v);
                    }
                    aql.push(')');
                }
            }
        }
        out.push(ReferenceQuery {
            object_type: &reference.object_type,
            aql,
        });
    }
    Ok(())
}

fn holds(condition: &Condition, record: &dyn Record) -> Result<bool, SourceError> {
    Ok(match condition {
        Condition::Or(items) => {
            for c in items {
                if holds(c, record)? {
                    return Ok(true);
                }
            }
            false
        }
        Condition::And(items) => {
            for c in items {
                if !holds(c, record)? {
                    return Ok(false);
                }
            }
            true
        }
        Condition::Not(c) => !holds(c, record)?,
        Condition::Exists(s) => !values(s, record)?.is_empty(),
        Condition::In { source, literals } => {
            let v = values(source, record)?;
            v.iter().any(|x| literals.iter().any(|l| equals(x, l)))
        }
        Condition::Compare {
            source,
            op,
            literal,
        } => {
            let v = values(source, record)?;
            match (op, literal) {
                (CompareOp::Eq, Literal::Null) => v.is_empty(),
                (CompareOp::Ne, Literal::Null) => !v.is_empty(),
                (CompareOp::Eq, l) => v.iter().any(|x| equals(x, l)),
                (CompareOp::Ne, l) => !v.iter().any(|x| equals(x, l)),
                (op, l) => v
                    .iter()
                    .any(|x| order(x, l).is_some_and(|o| op_holds(*op, o))),
            }
        }
    })
}

fn equals(value: &Scalar, literal: &Literal) -> bool {
    order(value, literal) == Some(std::cmp::Ordering::Equal)
}

/// How a value compares with a literal: numbers as numbers (text that reads as a number too),
/// text as text, booleans with booleans; other pairs do not compare.
fn order(value: &Scalar, literal: &Literal) -> Option<std::cmp::Ordering> {
    match (value, literal) {
        (Scalar::Text(t), Literal::Text(l)) => Some(t.as_str().cmp(l.as_str())),
        (Scalar::Number(n), Literal::Number(l)) => n.as_f64()?.partial_cmp(l),
        (Scalar::Text(t), Literal::Number(l)) => t.trim().parse::<f64>().ok()?.partial_cmp(l),
        (Scalar::Number(n), Literal::Text(l)) => Some(n.to_string().as_str().cmp(l.as_str())),
        (Scalar::Bool(b), Literal::Bool(l)) => Some(b.cmp(l)),
        (Scalar::Bool(b), Literal::Text(l)) => {
            Some(if *b { "true" } else { "false" }.cmp(l.as_str()))
        }
        _ => None,
    }
}

fn op_holds(op: CompareOp, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        CompareOp::Eq => o == Equal,
        CompareOp::Ne => o != Equal,
        CompareOp::Lt => o == Less,
        CompareOp::Le => o != Greater,
        CompareOp::Gt => o == Greater,
        CompareOp::Ge => o != Less,
    }
}
