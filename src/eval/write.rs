//! Object images written as JSON straight from a record.
//!
//! `eval` prints the image of every record. Building an [`ObjectImage`](super::ObjectImage) for
//! that (two maps, an owned string per value, one query string per reference) only to serialize
//! and drop it costs more than reading the record did. An [`ImageWriter`] writes the same bytes
//! without it: the fixed parts of the images (names, object types, query prefixes) are rendered
//! once for the section, values are read from the record where it holds them, and its buffers are
//! kept from one record to the next. The tests compare its output with the serialized image, byte
//! for byte.

use super::record::Record;
use super::scalar::{dedup_front, Scalar};
use super::values::SourceError;
use super::ReferenceQuery;
use super::{attribute_values, key_value, merge, passes, reference_queries, RecordError};
use crate::lang::aql::quote_into;
use crate::lang::program::{AqlOp, AqlValue, Mapping, PathRef, Section, Source};
use smallvec::SmallVec;
use std::collections::BTreeMap;

/// Writes the images of one section.
pub struct ImageWriter<'p> {
    section: &'p Section,
    /// `{"section":…,"object_type":…,"key":{"attribute":…,"value":`
    head: Vec<u8>,
    /// In name order, as the image's maps hold them.
    attributes: Vec<Field<'p>>,
    references: Vec<Field<'p>>,
    record: Scratch,
}

/// What a record's image holds besides its values; kept between records.
#[derive(Default)]
struct Scratch {
    key: Option<Scalar>,
    errors: Vec<RecordError>,
    /// For each error, the position of what met it: 0 for the filters and the key, then the
    /// mappings from 1 in mapping order. Attributes are written in name order, and the image
    /// lists errors in mapping order.
    positions: Vec<usize>,
    aql: String,
}

struct Field<'p> {
    /// `"<name>":`
    name: Vec<u8>,
    from: Vec<From<'p>>,
    /// For a reference attribute written by one `Name=${path}` mapping: its queries, rendered
    /// up to the value.
    simple: Option<SimpleReference<'p>>,
}

#[derive(Clone, Copy)]
enum From<'p> {
    Key,
    /// A mapping and its position (from 1).
    Map(usize, &'p Mapping),
}

/// A reference whose query is one `=` term with one path: one query per value.
struct SimpleReference<'p> {
    /// `{"object_type":…,"aql":`
    head: Vec<u8>,
    /// `{"object_type":…,"aql":"<prefix>\"`: the query up to its value, for a value that needs
    /// no escaping.
    open: Vec<u8>,
    prefix: &'p str,
    path: &'p PathRef,
}

impl<'p> SimpleReference<'p> {
    fn of(mapping: &'p Mapping) -> Option<Self> {
        let reference = mapping.reference.as_ref()?;
        let [term] = reference.terms.as_slice() else {
            return None;
        };
        let (AqlOp::Eq, [AqlValue::Source(Source::Path(path))]) = (term.op, term.values.as_slice())
        else {
            return None;
        };
        let mut head = b"{\"object_type\":".to_vec();
        head.extend(json(&reference.object_type));
        head.extend_from_slice(b",\"aql\":");
        let mut open = head.clone();
        // The prefix and the value's opening quote as a JSON string, less its closing quote.
        open.extend(json(&format!("{}\"", term.prefix)));
        open.pop();
        Some(SimpleReference {
            head,
            open,
            prefix: &term.prefix,
            path,
        })
    }
}

/// The key and errors of a record just written, for reporting.
pub struct Written<'a> {
    pub key: Option<&'a str>,
    pub errors: &'a [RecordError],
}

impl<'p> ImageWriter<'p> {
    pub fn new(section: &'p Section) -> Self {
        let mut attributes: BTreeMap<&str, Vec<From>> = BTreeMap::new();
        let mut references: BTreeMap<&str, Vec<From>> = BTreeMap::new();
        attributes
            .entry(&section.key.attribute)
            .or_default()
            .push(From::Key);
        for (i, mapping) in section.maps.iter().enumerate() {
            let fields = match mapping.reference {
                Some(_) => &mut references,
                None => &mut attributes,
            };
            fields
                .entry(&mapping.attribute)
                .or_default()
                .push(From::Map(i + 1, mapping));
        }
        let field = |(name, from): (&str, Vec<From<'p>>)| {
            let mut rendered = json(name);
            rendered.push(b':');
            let simple = match from.as_slice() {
                [From::Map(_, mapping)] => SimpleReference::of(mapping),
                _ => None,
            };
            Field {
                name: rendered,
                from,
                simple,
            }
        };
        let mut head = b"{\"section\":".to_vec();
        head.extend(json(&section.name));
        head.extend_from_slice(b",\"object_type\":");
        head.extend(json(
            section.object_type.as_deref().unwrap_or(&section.name),
        ));
        head.extend_from_slice(b",\"key\":{\"attribute\":");
        head.extend(json(&section.key.attribute));
        head.extend_from_slice(b",\"value\":");
        ImageWriter {
            section,
            head,
            attributes: attributes.into_iter().map(field).collect(),
            references: references.into_iter().map(field).collect(),
            record: Scratch::default(),
        }
    }

    /// Appends the image of `record` to `out`, the bytes `serde_json` writes for its
    /// [`ObjectImage`](super::ObjectImage) (one line, without its end); nothing when the filters
    /// leave the record out.
    pub fn write(&mut self, record: &dyn Record, out: &mut Vec<u8>) -> Option<Written<'_>> {
        let Scratch {
            key,
            errors,
            positions,
            aql,
        } = &mut self.record;
        errors.clear();
        positions.clear();
        if !passes(self.section, record, errors) {
            return None;
        }
        *key = key_value(&self.section.key, record, errors).map(Scalar::Text);
        positions.resize(errors.len(), 0);

        out.extend_from_slice(&self.head);
        match key {
            Some(k) => scalar(out, k),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b"},\"attributes\":{");
        let mut first = true;
        for field in &self.attributes {
            let mut parts: SmallVec<[Part; 2]> = SmallVec::new();
            for from in &field.from {
                match *from {
                    From::Key => parts.extend(key.as_ref().map(Part::One)),
                    From::Map(position, mapping) => match attribute_part(mapping, record) {
                        Ok(part) => parts.push(part),
                        Err(e) => {
                            errors.push(RecordError::at(mapping, e));
                            positions.push(position);
                        }
                    },
                }
            }
            // A mapping that failed adds no entry, as in the image's map.
            if parts.is_empty() {
                continue;
            }
            separate(out, &mut first);
            out.extend_from_slice(&field.name);
            let mut items: SmallVec<[&Scalar; 16]> =
                parts.iter().flat_map(|p| p.as_slice()).collect();
            let kept = dedup_front(&mut items);
            out.push(b'[');
            for (i, item) in items[..kept].iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                scalar(out, item);
            }
            out.push(b']');
        }

        out.extend_from_slice(b"},\"references\":{");
        let mut first = true;
        for field in &self.references {
            let (start, was_first) = (out.len(), first);
            separate(out, &mut first);
            out.extend_from_slice(&field.name);
            out.push(b'[');
            let simple = field
                .simple
                .as_ref()
                .is_some_and(|simple| simple_queries(simple, record, aql, out));
            let opened = simple || {
                // Anything but one `Name=${path}` mapping of text values: the queries as the
                // image makes them.
                out.truncate(start);
                first = was_first;
                queries(field, record, errors, positions, out, &mut first)
            };
            if opened {
                out.push(b']');
            }
        }

        out.extend_from_slice(b"},\"errors\":[");
        order_by_position(errors, positions);
        for (i, e) in errors.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // An error is plain data: serializing it into memory cannot fail.
            let _ = serde_json::to_writer(&mut *out, e);
        }
        out.extend_from_slice(b"]}");
        Some(Written {
            key: match key {
                Some(Scalar::Text(k)) => Some(k),
                _ => None,
            },
            errors,
        })
    }
}

/// The values of one mapping for one attribute.
enum Part<'r> {
    One(&'r Scalar),
    Borrowed(&'r [Scalar]),
    Owned(Vec<Scalar>),
}

impl Part<'_> {
    fn as_slice(&self) -> &[Scalar] {
        match self {
            Part::One(v) => std::slice::from_ref(*v),
            Part::Borrowed(v) => v,
            Part::Owned(v) => v,
        }
    }
}

fn attribute_part<'r>(mapping: &Mapping, record: &'r dyn Record) -> Result<Part<'r>, SourceError> {
    if let (Source::Path(path), None) = (&mapping.source, &mapping.array_separator) {
        if let Some(found) = record.borrowed(path) {
            return found.map(Part::Borrowed).map_err(SourceError::not_a_scalar);
        }
    }
    attribute_values(mapping, record).map(Part::Owned)
}

/// Writes the queries of a `Name=${path}` reference, one per distinct value. Writes nothing
/// and gives `false` when the record does not hold the values as text (the general path then
/// decides, errors included).
fn simple_queries(
    simple: &SimpleReference,
    record: &dyn Record,
    aql: &mut String,
    out: &mut Vec<u8>,
) -> bool {
    let Some(Ok(found)) = record.borrowed(simple.path) else {
        return false;
    };
    let mut items: SmallVec<[&str; 16]> = SmallVec::with_capacity(found.len());
    for value in found {
        match value {
            Scalar::Text(text) => items.push(text),
            // A number or a boolean may give the same query as a text; the image drops such
            // repeats, which the general path does too.
            _ => return false,
        }
    }
    let kept = dedup_front(&mut items);
    for (i, text) in items[..kept].iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if plain(text) {
            // Neither AQL nor JSON escapes anything in it.
            out.extend_from_slice(&simple.open);
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(b"\\\"\"}");
        } else {
            out.extend_from_slice(&simple.head);
            aql.clear();
            aql.push_str(simple.prefix);
            quote_into(aql, text);
            string(out, aql);
            out.push(b'}');
        }
    }
    true
}

/// Writes a reference attribute's entry as the image has it, or nothing when every mapping of
/// it failed on the record. Returns whether the entry was opened (and is left for `]`).
fn queries(
    field: &Field,
    record: &dyn Record,
    errors: &mut Vec<RecordError>,
    positions: &mut Vec<usize>,
    out: &mut Vec<u8>,
    first: &mut bool,
) -> bool {
    let mut found: Option<Vec<ReferenceQuery>> = None;
    for from in &field.from {
        let From::Map(position, mapping) = *from else {
            continue;
        };
        let Some(reference) = &mapping.reference else {
            continue;
        };
        let mut queries = Vec::new();
        match reference_queries(reference, record, &mut queries) {
            Ok(()) => merge(found.get_or_insert_with(Vec::new), queries),
            Err(e) => {
                errors.push(RecordError::at(mapping, e));
                positions.push(position);
            }
        }
    }
    let Some(found) = found else {
        return false;
    };
    separate(out, first);
    out.extend_from_slice(&field.name);
    out.push(b'[');
    for (i, query) in found.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Plain data: serializing it into memory cannot fail.
        let _ = serde_json::to_writer(&mut *out, query);
    }
    true
}

/// Puts the errors in the order of what met them, keeping the order among equals.
fn order_by_position(errors: &mut Vec<RecordError>, positions: &[usize]) {
    if positions.is_sorted() {
        return;
    }
    let mut tagged: Vec<(usize, RecordError)> =
        positions.iter().copied().zip(errors.drain(..)).collect();
    tagged.sort_by_key(|(position, _)| *position);
    errors.extend(tagged.into_iter().map(|(_, e)| e));
}

fn separate(out: &mut Vec<u8>, first: &mut bool) {
    if !std::mem::take(first) {
        out.push(b',');
    }
}

fn json(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    string(&mut out, text);
    out
}

fn string(out: &mut Vec<u8>, text: &str) {
    if plain(text) {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing into memory cannot fail.
        let _ = serde_json::to_writer(out, text);
    }
}

/// Whether text stands as it is inside a JSON string (and an AQL one): no quote, no backslash,
/// no control character. Checked without stopping early, which the compiler turns into wide
/// comparisons; most values are short.
fn plain(text: &str) -> bool {
    !text.bytes().fold(false, |special, b| {
        special | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

fn scalar(out: &mut Vec<u8>, value: &Scalar) {
    match value {
        Scalar::Text(text) => string(out, text),
        // Writing into memory cannot fail.
        other => {
            let _ = serde_json::to_writer(out, other);
        }
    }
}
