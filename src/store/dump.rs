//! `store dump`: every object type and object of the store, in a stable order, for people,
//! scripts and snapshot tests. Object keys (`USR-12`) are left out: they depend on the order
//! objects were created in, which is not what a comparison of two stores is about.
//!
//! The same shape is read back (with values as plain JSON) by [`Store::restore`], so that a
//! dump is a store's state that tests can start from.

use super::read::{objects, types, Labels};
use super::{sql, Store, StoreError};
use crate::plan::model::{AttributeDef, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a store holds. `V` is a value: the store's own when dumped, plain JSON when read back.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "V: Deserialize<'de>"))]
pub struct Dump<V = Value> {
    #[serde(default)]
    pub object_types: Vec<DumpType>,
    pub objects: Vec<DumpObject<V>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DumpType {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_attribute: Option<String>,
    pub attributes: Vec<AttributeDef>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "V: Deserialize<'de>"))]
pub struct DumpObject<V = Value> {
    pub object_type: String,
    /// The key attribute's value; the label for objects without one (made by a reference).
    /// Both are derived from the attributes, and may be left out of a dump that is read back.
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, Vec<V>>,
}

impl Store {
    pub fn dump(&self) -> Result<Dump, StoreError> {
        let Some(conn) = &self.conn else {
            return Err(StoreError::Missing(self.path.clone()));
        };
        if !self.has_tables()? {
            return Ok(Dump {
                object_types: Vec::new(),
                objects: Vec::new(),
            });
        }
        let load = || -> rusqlite::Result<Dump> {
            let mut all = types(conn)?;
            all.sort_by(|a, b| a.def.name.cmp(&b.def.name));
            let labels = Labels::load(conn)?;
            let mut dump = Dump {
                object_types: Vec::new(),
                objects: Vec::new(),
            };
            for ty in &all {
                let key = ty
                    .def
                    .key_attribute
                    .as_deref()
                    .and_then(|k| ty.def.attribute(k));
                let mut objs: Vec<DumpObject> = objects(conn, ty, &labels)?
                    .into_iter()
                    .map(|o| {
                        let key_text = key
                            .and_then(|k| o.values[k].first())
                            .map(|v| v.text().into_owned())
                            .unwrap_or_else(|| o.label.to_string());
                        let mut attributes = BTreeMap::new();
                        for (a, values) in o.values.into_iter().enumerate() {
                            if !values.is_empty() {
                                attributes.insert(ty.def.attributes[a].name.clone(), values);
                            }
                        }
                        DumpObject {
                            object_type: ty.def.name.clone(),
                            key: key_text,
                            label: o.label.to_string(),
                            attributes,
                        }
                    })
                    .collect();
                objs.sort_by(|a, b| (&a.key, &a.label).cmp(&(&b.key, &b.label)));
                dump.objects.extend(objs);
                dump.object_types.push(DumpType {
                    name: ty.def.name.clone(),
                    key_attribute: ty.def.key_attribute.clone(),
                    attributes: ty.def.attributes.clone(),
                });
            }
            Ok(dump)
        };
        load().map_err(|e| sql(&self.path, e))
    }
}
