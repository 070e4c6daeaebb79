//! Reading only what a section needs from a JSON record.
//!
//! A section reads a handful of dot paths of records that hold dozens of fields. Building a full
//! `serde_json::Value` for every record costs far more than the evaluation itself, so the paths
//! of a section are compiled into a trie, and each record is deserialized with a
//! [`DeserializeSeed`] that follows the trie: values under a path are kept, everything else is
//! skipped without being built. The result answers [`Record::scalars`] exactly as a `Value`
//! would (same values, same order, same errors), which the equivalence tests check.

use super::record::{path_text, NotAScalar, Record};
use super::scalar::Scalar;
use crate::lang::program::{DotPath, PathRef, Segment};
use crate::source::checked::Checked;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use smallvec::SmallVec;
use std::fmt;

/// The paths of a section as a trie. Path ids are positions in the list given to [`Projection::new`].
#[derive(Debug, Clone)]
pub struct Projection {
    nodes: Vec<Node>,
    texts: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// Children by segment name (an object key; for a numeric segment also an array index).
    children: Vec<Child>,
    /// Paths that end at this node.
    terminal: Vec<usize>,
    /// Every path that ends at or below this node (to undo a duplicate object key).
    below: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Child {
    name: Box<str>,
    index: Option<usize>,
    node: usize,
}

impl Projection {
    pub fn new(paths: &[&DotPath]) -> Self {
        let mut nodes = vec![Node::default()];
        for (id, path) in paths.iter().enumerate() {
            let mut at = 0;
            nodes[0].below.push(id);
            for Segment { name, index } in &path.0 {
                let found = nodes[at]
                    .children
                    .iter()
                    .find(|c| c.name == *name)
                    .map(|c| c.node);
                at = match found {
                    Some(n) => n,
                    None => {
                        nodes.push(Node::default());
                        let n = nodes.len() - 1;
                        nodes[at].children.push(Child {
                            name: name.clone(),
                            index: *index,
                            node: n,
                        });
                        n
                    }
                };
                nodes[at].below.push(id);
            }
            nodes[at].terminal.push(id);
        }
        Projection {
            nodes,
            texts: paths.iter().map(|p| path_text(p)).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// A seed that deserializes one record into `into` (which is cleared first).
    pub fn seed<'a>(&'a self, into: &'a mut Projected) -> RecordSeed<'a> {
        into.reset(self.len());
        RecordSeed {
            projection: self,
            out: into,
        }
    }

    /// Projects an already built `Value` (used where a record exists as a tree anyway).
    pub fn project_value(&self, value: &Value, into: &mut Projected) {
        let seed = self.seed(into);
        // A `Value` always deserializes; the visitor itself never fails.
        let _ = seed.deserialize(value);
    }
}

/// The values of one record at each path of a [`Projection`].
#[derive(Debug, Clone, Default)]
pub struct Projected {
    values: Vec<Values>,
    /// An object was met where a value was needed.
    object_met: Vec<bool>,
    /// Scratch for repeated keys: the state of paths before a key, and the keys seen, as stacks
    /// shared by the nested objects of a record (kept between records to save allocations).
    marks: Vec<Mark>,
    seen: Vec<Seen>,
}

/// A path's state before a key: (path, number of values, object met).
type Mark = (usize, usize, bool);

/// A key met in the object being read: its first child node, and its marks in `marks`.
type Seen = (usize, std::ops::Range<usize>);

/// The values at one path. Cleared for every record but kept allocated, text buffers included:
/// a run reads millions of records of the same shape, and reusing the strings of the last record
/// saves an allocation and a free for every value kept.
#[derive(Debug, Clone, Default)]
struct Values {
    items: Vec<Scalar>,
    /// How many of `items` belong to the current record.
    len: usize,
}

impl Values {
    fn as_slice(&self) -> &[Scalar] {
        &self.items[..self.len]
    }

    fn push(&mut self, value: Scalar) {
        match self.items.get_mut(self.len) {
            Some(slot) => *slot = value,
            None => self.items.push(value),
        }
        self.len += 1;
    }

    fn push_text(&mut self, text: &str) {
        match self.items.get_mut(self.len) {
            Some(Scalar::Text(s)) => {
                s.clear();
                s.push_str(text);
            }
            Some(slot) => *slot = Scalar::Text(text.to_owned()),
            None => self.items.push(Scalar::Text(text.to_owned())),
        }
        self.len += 1;
    }
}

impl Projected {
    fn reset(&mut self, n: usize) {
        self.values.resize_with(n, Values::default);
        self.values.iter_mut().for_each(|v| v.len = 0);
        self.object_met.clear();
        self.object_met.resize(n, false);
        self.marks.clear();
        self.seen.clear();
    }
}

/// A [`Projected`] record with the paths of its projection, usable as a [`Record`].
pub struct ProjectedRecord<'a> {
    pub projection: &'a Projection,
    pub projected: &'a Projected,
}

impl ProjectedRecord<'_> {
    fn at(&self, id: usize) -> Result<&[Scalar], NotAScalar> {
        if self.projected.object_met[id] {
            return Err(NotAScalar {
                path: self.projection.texts[id].clone(),
            });
        }
        Ok(self.projected.values[id].as_slice())
    }
}

impl Record for ProjectedRecord<'_> {
    fn scalars(&self, path: &DotPath, out: &mut Vec<Scalar>) -> Result<(), NotAScalar> {
        let text = path_text(path);
        // The projection holds every path of its section; any other path reads nothing.
        if let Some(id) = self.projection.texts.iter().position(|t| *t == text) {
            out.extend_from_slice(self.at(id)?);
        }
        Ok(())
    }

    fn scalars_at(&self, path: &PathRef, out: &mut Vec<Scalar>) -> Result<(), NotAScalar> {
        out.extend_from_slice(self.at(path.slot)?);
        Ok(())
    }

    fn borrowed(&self, path: &PathRef) -> Option<Result<&[Scalar], NotAScalar>> {
        Some(self.at(path.slot))
    }

    fn whole(&self) -> Option<&Value> {
        None
    }
}

// ------------------------------------------------------------------------------ deserializing

/// What a value at some place of the record is wanted for.
#[derive(Clone, Default)]
struct Want {
    /// Paths whose values are collected here (arrays flattened, objects an error).
    collect: SmallVec<[usize; 4]>,
    /// Trie nodes whose children are looked up in this value; `true` when only the children
    /// reached by name apply (the elements of an array that a name segment fans out over).
    lookups: SmallVec<[(usize, bool); 4]>,
}

impl Want {
    fn is_empty(&self) -> bool {
        self.collect.is_empty() && self.lookups.is_empty()
    }

    fn add_node(&mut self, projection: &Projection, node: usize) {
        let n = &projection.nodes[node];
        self.collect.extend_from_slice(&n.terminal);
        if !n.children.is_empty() {
            self.lookups.push((node, false));
        }
    }
}

pub struct RecordSeed<'a> {
    projection: &'a Projection,
    out: &'a mut Projected,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let mut want = Want::default();
        want.add_node(self.projection, 0);
        ValueSeed {
            projection: self.projection,
            out: self.out,
            want: &want,
        }
        .deserialize(d)
    }
}

struct ValueSeed<'a, 'w> {
    projection: &'a Projection,
    out: &'a mut Projected,
    want: &'w Want,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.want.is_empty() {
            d.deserialize_any(Checked)?;
            Ok(())
        } else {
            d.deserialize_any(self)
        }
    }
}

impl ValueSeed<'_, '_> {
    fn scalar(self, value: Scalar) {
        if let Some((&last, rest)) = self.want.collect.split_last() {
            for &id in rest {
                self.out.values[id].push(value.clone());
            }
            self.out.values[last].push(value);
        }
    }

    fn text(self, text: &str) {
        for &id in &self.want.collect {
            self.out.values[id].push_text(text);
        }
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(Scalar::Bool(v));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.scalar(Scalar::Number(v.into()));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.scalar(Scalar::Number(v.into()));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // serde_json gives only finite floats; a `Value` keeps them as they are.
        if let Some(n) = Number::from_f64(v) {
            self.scalar(Scalar::Number(n));
        }
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.text(v);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let projection = self.projection;
        // Every element continues the collection (arrays are flattened) and the fan-out over
        // name segments; index segments pick single elements.
        let mut fan_out = Want {
            collect: self.want.collect.clone(),
            lookups: SmallVec::new(),
        };
        let mut indexed: SmallVec<[(usize, usize); 4]> = SmallVec::new();
        for &(node, names_only) in &self.want.lookups {
            for child in &projection.nodes[node].children {
                match child.index {
                    Some(i) if !names_only => indexed.push((i, child.node)),
                    Some(_) => {}
                    None => {
                        if !fan_out.lookups.contains(&(node, true)) {
                            fan_out.lookups.push((node, true));
                        }
                    }
                }
            }
        }
        let mut i = 0usize;
        loop {
            let picked: SmallVec<[usize; 4]> = indexed
                .iter()
                .filter(|(at, _)| *at == i)
                .map(|(_, n)| *n)
                .collect();
            let more = if picked.is_empty() {
                seq.next_element_seed(ValueSeed {
                    projection,
                    out: self.out,
                    want: &fan_out,
                })?
            } else {
                let mut want = fan_out.clone();
                for n in picked {
                    want.add_node(projection, n);
                }
                seq.next_element_seed(ValueSeed {
                    projection,
                    out: self.out,
                    want: &want,
                })?
            };
            if more.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let projection = self.projection;
        for &id in &self.want.collect {
            self.out.object_met[id] = true;
        }
        // Keys seen so far with the state of their paths before them: a repeated key replaces
        // the earlier value, as it does in a `Value`.
        let (marks_base, seen_base) = (self.out.marks.len(), self.out.seen.len());
        while let Some(key) = map.next_key::<KeyName<'de>>()? {
            let key = key.as_str();
            let mut want = Want::default();
            let mut first_child = None;
            for &(node, names_only) in &self.want.lookups {
                for child in &projection.nodes[node].children {
                    if &*child.name == key && !(names_only && child.index.is_some()) {
                        first_child.get_or_insert(child.node);
                        want.add_node(projection, child.node);
                    }
                }
            }
            let Some(first_child) = first_child else {
                map.next_value::<Checked>()?;
                continue;
            };
            let out = &mut *self.out;
            match out.seen[seen_base..]
                .iter()
                .find(|(n, _)| *n == first_child)
            {
                Some((_, range)) => {
                    for &(id, len, met) in &out.marks[range.clone()] {
                        out.values[id].len = len;
                        out.object_met[id] = met;
                    }
                }
                None => {
                    let start = out.marks.len();
                    let collect = want.collect.iter().copied();
                    let below = want
                        .lookups
                        .iter()
                        .flat_map(|&(n, _)| projection.nodes[n].below.iter().copied());
                    for id in collect.chain(below) {
                        if !out.marks[start..].iter().any(|m| m.0 == id) {
                            out.marks.push((id, out.values[id].len, out.object_met[id]));
                        }
                    }
                    let end = out.marks.len();
                    out.seen.push((first_child, start..end));
                }
            }
            map.next_value_seed(ValueSeed {
                projection,
                out: self.out,
                want: &want,
            })?;
        }
        self.out.marks.truncate(marks_base);
        self.out.seen.truncate(seen_base);
        Ok(())
    }
}

/// An object key, borrowed from the input where it has no escapes.
enum KeyName<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl KeyName<'_> {
    fn as_str(&self) -> &str {
        match self {
            KeyName::Borrowed(s) => s,
            KeyName::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for KeyName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<KeyName<'de>, E> {
                Ok(KeyName::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyName<'de>, E> {
                Ok(KeyName::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<KeyName<'de>, E> {
                Ok(KeyName::Owned(v))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn both(doc: &Value, paths: &[&str]) {
        let parsed: Vec<DotPath> = paths.iter().map(|p| DotPath::parse(p, '.')).collect();
        let refs: Vec<&DotPath> = parsed.iter().collect();
        let projection = Projection::new(&refs);
        let mut projected = Projected::default();
        let text = serde_json::to_string(doc).unwrap();
        let mut de = serde_json::Deserializer::from_str(&text);
        projection
            .seed(&mut projected)
            .deserialize(&mut de)
            .unwrap();
        let record = ProjectedRecord {
            projection: &projection,
            projected: &projected,
        };
        for path in &parsed {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let ra = doc.scalars(path, &mut a);
            let rb = record.scalars(path, &mut b);
            assert_eq!(ra.is_err(), rb.is_err(), "{}", path_text(path));
            if ra.is_ok() {
                assert_eq!(a, b, "{}", path_text(path));
            }
        }
    }

    #[test]
    fn agrees_with_value_on_fan_out_indices_and_errors() {
        let doc = json!({
            "id": "00u1", "n": 1.5, "ok": true, "nothing": null,
            "profile": {"email": "a@x", "nested": {"x": 1}},
            "groups": ["G1", ["G2", "G3"], null],
            "emails": [{"value": "a", "type": "P"}, {"value": "b"}, {"value": {"deep": 1}}],
            "_embedded": {"users": [{"user": {"profile": {"email": "e0"}}}, {"user": {"profile": {"email": "e1"}}}]},
            "0": {"a": "key zero"},
            "matrix": [[{"v": 1}, {"v": 2}], [{"v": 3}]]
        });
        both(
            &doc,
            &[
                "id",
                "n",
                "ok",
                "nothing",
                "profile.email",
                "profile",
                "profile.nested",
                "groups",
                "emails.value",
                "emails.type",
                "emails.0.value",
                "_embedded.users.0.user.profile.email",
                "_embedded.users.user.profile.email",
                "_embedded.users.1.user.profile.email",
                "0.a",
                "matrix.v",
                "matrix.0.v",
                "matrix.1",
                "missing.path",
            ],
        );
    }

    #[test]
    fn a_repeated_key_replaces_the_earlier_value() {
        let text = r#"{"a": {"b": "first"}, "a": {"b": "second"}}"#;
        let path = DotPath::parse("a.b", '.');
        let projection = Projection::new(&[&path]);
        let mut projected = Projected::default();
        let mut de = serde_json::Deserializer::from_str(text);
        projection
            .seed(&mut projected)
            .deserialize(&mut de)
            .unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        let mut expected = Vec::new();
        value.scalars(&path, &mut expected).unwrap();
        assert_eq!(projected.values[0].as_slice(), expected);
        assert_eq!(expected, vec![Scalar::Text("second".into())]);
    }
}
