//! The planner's working copy of the target: the snapshot plus everything the plan has decided
//! so far, so that later sections and references see the objects earlier ones create.

use super::model::{AttributeDef, AttributeType, Link, ObjectRef, Snapshot, TypeDef, Value};
use super::query::{fold, Atom};
use std::collections::HashMap;
use std::sync::Arc;

pub struct World {
    pub types: Vec<TypeWork>,
    by_name: HashMap<String, usize>,
    next_new: u32,
}

pub struct TypeWork {
    pub name: Arc<str>,
    pub def: TypeDef,
    pub objects: Vec<WorkObject>,
    /// Folded value → objects, per attribute; built on first use, kept up to date by
    /// [`World::add_object`], dropped when a section rewrites the type.
    indexes: HashMap<usize, HashMap<String, Vec<usize>>>,
}

pub struct WorkObject {
    pub target: ObjectRef,
    pub object_key: Option<String>,
    pub label: Arc<str>,
    pub values: Vec<Vec<Value>>,
    pub deleted: bool,
}

impl WorkObject {
    pub fn values(&self, attribute: usize) -> &[Value] {
        self.values.get(attribute).map_or(&[], Vec::as_slice)
    }

    pub fn set(&mut self, attribute: usize, values: Vec<Value>) {
        if self.values.len() <= attribute {
            self.values.resize_with(attribute + 1, Vec::new);
        }
        self.values[attribute] = values;
    }

    /// The first value of `attribute` as text.
    pub fn first_text(&self, attribute: usize) -> Option<String> {
        self.values(attribute)
            .first()
            .map(|v| v.text().into_owned())
    }
}

impl TypeWork {
    /// What people read of an object: its label attribute, else its key, else its object key.
    pub fn label_of(&self, object: &WorkObject) -> Arc<str> {
        let from = |a: Option<usize>| a.and_then(|a| object.first_text(a));
        from(self.def.label_attribute())
            .or_else(|| from(self.key_index()))
            .or_else(|| object.object_key.clone())
            .map_or_else(|| Arc::from(""), Arc::from)
    }

    pub fn key_index(&self) -> Option<usize> {
        self.def
            .key_attribute
            .as_deref()
            .and_then(|k| self.def.attribute(k))
    }

    pub fn link(&self, index: usize) -> Link {
        let object = &self.objects[index];
        Link {
            target: object.target,
            object_type: self.name.clone(),
            label: object.label.clone(),
        }
    }

    /// Forgets the look-up indexes (the section about to run rewrites the type).
    pub fn forget_indexes(&mut self) {
        self.indexes.clear();
    }

    /// The objects that have every pair of the atom (case folded, as AQL `=` compares).
    pub fn find(&mut self, atom: &Atom) -> Vec<usize> {
        let mut wanted = Vec::with_capacity(atom.terms.len());
        for (attribute, value) in &atom.terms {
            let Some(a) = self.def.attribute(attribute) else {
                return Vec::new();
            };
            wanted.push((a, fold(value)));
        }
        let Some(((first, first_value), rest)) = wanted.split_first() else {
            return Vec::new();
        };
        let objects = &self.objects;
        let index = self.indexes.entry(*first).or_insert_with(|| {
            let mut index: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, o) in objects.iter().enumerate() {
                for v in o.values(*first) {
                    index.entry(fold(&v.text())).or_default().push(i);
                }
            }
            index
        });
        let Some(candidates) = index.get(first_value) else {
            return Vec::new();
        };
        candidates
            .iter()
            .copied()
            .filter(|&i| {
                let o = &objects[i];
                !o.deleted
                    && rest
                        .iter()
                        .all(|(a, v)| o.values(*a).iter().any(|x| fold(&x.text()) == *v))
            })
            .collect()
    }
}

impl World {
    pub fn new(snapshot: Snapshot) -> Self {
        let mut world = World {
            types: Vec::new(),
            by_name: HashMap::new(),
            next_new: 0,
        };
        for state in snapshot.types {
            let name: Arc<str> = Arc::from(state.def.name.as_str());
            let objects = state
                .objects
                .into_iter()
                .map(|o| WorkObject {
                    target: ObjectRef::Existing(o.id),
                    object_key: Some(o.object_key),
                    label: o.label,
                    values: o.values,
                    deleted: false,
                })
                .collect();
            world
                .by_name
                .insert(state.def.name.clone(), world.types.len());
            world.types.push(TypeWork {
                name,
                def: state.def,
                objects,
                indexes: HashMap::new(),
            });
        }
        world
    }

    pub fn type_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The type, created (in the plan) when the target lacks it.
    pub fn ensure_type(&mut self, name: &str) -> (usize, bool) {
        if let Some(t) = self.type_index(name) {
            return (t, false);
        }
        self.by_name.insert(name.to_string(), self.types.len());
        self.types.push(TypeWork {
            name: Arc::from(name),
            def: TypeDef {
                name: name.to_string(),
                key_attribute: None,
                attributes: Vec::new(),
            },
            objects: Vec::new(),
            indexes: HashMap::new(),
        });
        (self.types.len() - 1, true)
    }

    pub fn add_attribute(&mut self, t: usize, attribute: AttributeDef) -> usize {
        let def = &mut self.types[t].def;
        def.attributes.push(attribute);
        def.attributes.len() - 1
    }

    /// A new object with these values; returns its index in its type.
    pub fn add_object(&mut self, t: usize, values: Vec<Vec<Value>>) -> usize {
        let target = ObjectRef::New(self.next_new);
        self.next_new += 1;
        let ty = &mut self.types[t];
        let mut object = WorkObject {
            target,
            object_key: None,
            label: Arc::from(""),
            values,
            deleted: false,
        };
        object.label = ty.label_of(&object);
        let i = ty.objects.len();
        for (a, index) in ty.indexes.iter_mut() {
            for v in object.values(*a) {
                index.entry(fold(&v.text())).or_default().push(i);
            }
        }
        ty.objects.push(object);
        i
    }
}

/// The type an attribute is created with when the target lacks it: what all its values are.
pub fn inferred_type<'a>(values: impl Iterator<Item = &'a crate::eval::Scalar>) -> AttributeType {
    use crate::eval::Scalar;
    let mut kind: Option<AttributeType> = None;
    for v in values {
        let this = match v {
            Scalar::Bool(_) => AttributeType::Boolean,
            Scalar::Number(n) if n.is_i64() || n.is_u64() => AttributeType::Integer,
            Scalar::Number(_) => AttributeType::Double,
            Scalar::Text(_) => return AttributeType::Text,
        };
        kind = Some(match (kind, this) {
            (None, k) => k,
            (Some(a), b) if a == b => a,
            (Some(AttributeType::Integer), AttributeType::Double)
            | (Some(AttributeType::Double), AttributeType::Integer) => AttributeType::Double,
            _ => return AttributeType::Text,
        });
    }
    kind.unwrap_or(AttributeType::Text)
}
