//! Reading the store: object types, and the snapshot the planner diffs against.

use super::{kind, sql, Store, StoreError};
use crate::eval::Scalar;
use crate::plan::model::{
    AttributeDef, AttributeType, Link, ObjectId, ObjectRef, Snapshot, StoredObject, TypeDef,
    TypeState, Value,
};
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::Arc;

/// An object type as stored, with the ids of its attributes.
#[derive(Debug, Clone)]
pub(super) struct StoredType {
    pub id: i64,
    pub prefix: String,
    pub def: TypeDef,
    /// Attribute ids, in the order of `def.attributes`.
    pub attribute_ids: Vec<i64>,
}

pub(super) fn types(conn: &Connection) -> rusqlite::Result<Vec<StoredType>> {
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut types = Vec::new();
    let mut st =
        conn.prepare("SELECT id, name, prefix, key_attribute FROM object_types ORDER BY id")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    for row in rows {
        let (id, name, prefix, key_attribute) = row?;
        names.insert(id, name.clone());
        types.push(StoredType {
            id,
            prefix,
            def: TypeDef {
                name,
                key_attribute,
                attributes: Vec::new(),
            },
            attribute_ids: Vec::new(),
        });
    }
    let mut st = conn.prepare(
        "SELECT id, object_type_id, name, type, reference_type_id, min_cardinality,
                max_cardinality, is_unique, is_label
         FROM attributes ORDER BY object_type_id, position, id",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, Option<i64>>(6)?,
            r.get::<_, bool>(7)?,
            r.get::<_, bool>(8)?,
        ))
    })?;
    for row in rows {
        let (id, type_id, name, kind, reference, min, max, unique, label) = row?;
        let Some(t) = types.iter_mut().find(|t| t.id == type_id) else {
            continue;
        };
        t.attribute_ids.push(id);
        t.def.attributes.push(AttributeDef {
            name,
            // A type name this version does not know reads as text, which every value fits.
            kind: AttributeType::parse(&kind).unwrap_or(AttributeType::Text),
            reference: reference.and_then(|r| names.get(&r).cloned()),
            min_cardinality: min.clamp(0, u32::MAX as i64) as u32,
            max_cardinality: max.map(|m| m.clamp(0, u32::MAX as i64) as u32),
            unique,
            label,
        });
    }
    Ok(types)
}

/// A stored value as the planner sees it.
pub(super) fn value(
    kind_code: i64,
    text: Option<String>,
    reference: Option<(ObjectId, Arc<str>, Arc<str>)>,
) -> Value {
    match (kind_code, text, reference) {
        (kind::REFERENCE, _, Some((id, object_type, label))) => Value::Reference(Link {
            target: ObjectRef::Existing(id),
            object_type,
            label,
        }),
        (kind::NUMBER, Some(t), _) => match serde_json::from_str::<serde_json::Number>(&t) {
            Ok(n) => Value::Scalar(Scalar::Number(n)),
            Err(_) => Value::Scalar(Scalar::Text(t)),
        },
        (kind::BOOL, Some(t), _) => Value::Scalar(Scalar::Bool(t == "true")),
        (_, t, _) => Value::Scalar(Scalar::Text(t.unwrap_or_default())),
    }
}

/// Labels of the objects that values refer to, by object id.
pub(super) struct Labels {
    by_id: HashMap<ObjectId, (Arc<str>, Arc<str>)>,
}

impl Labels {
    pub fn load(conn: &Connection) -> rusqlite::Result<Labels> {
        let mut type_names: HashMap<i64, Arc<str>> = HashMap::new();
        let mut st = conn.prepare("SELECT id, name FROM object_types")?;
        for row in st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (id, name) = row?;
            type_names.insert(id, Arc::from(name));
        }
        let mut by_id = HashMap::new();
        let mut st = conn.prepare(
            "SELECT DISTINCT o.id, o.object_type_id, o.label FROM object_values v
             JOIN objects o ON o.id = v.reference_id",
        )?;
        for row in st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (id, t, label) = row?;
            let ty = type_names.get(&t).cloned().unwrap_or_else(|| Arc::from(""));
            by_id.insert(id, (ty, Arc::from(label)));
        }
        Ok(Labels { by_id })
    }

    pub fn get(&self, id: ObjectId) -> Option<(ObjectId, Arc<str>, Arc<str>)> {
        self.by_id.get(&id).map(|(t, l)| (id, t.clone(), l.clone()))
    }
}

/// Every object of a type with its values, in id order.
pub(super) fn objects(
    conn: &Connection,
    ty: &StoredType,
    labels: &Labels,
) -> rusqlite::Result<Vec<StoredObject>> {
    let mut objects: Vec<StoredObject> = Vec::new();
    let mut st = conn.prepare(
        "SELECT id, object_key, label FROM objects WHERE object_type_id = ?1 ORDER BY id",
    )?;
    let mut at: HashMap<ObjectId, usize> = HashMap::new();
    for row in st.query_map([ty.id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        let (id, object_key, label) = row?;
        at.insert(id, objects.len());
        objects.push(StoredObject {
            id,
            object_key,
            label: Arc::from(label),
            values: vec![Vec::new(); ty.def.attributes.len()],
        });
    }
    let attribute_at: HashMap<i64, usize> = ty
        .attribute_ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i))
        .collect();
    // Ordered by `o.id`, not `v.object_id`: the same order, which the scan of the type's
    // objects already gives, where the other makes SQLite sort every value in a temporary tree.
    let mut st = conn.prepare(
        "SELECT v.object_id, v.attribute_id, v.kind, v.value, v.reference_id
         FROM object_values v JOIN objects o ON o.id = v.object_id
         WHERE o.object_type_id = ?1
         ORDER BY o.id, v.attribute_id, v.position",
    )?;
    let mut rows = st.query([ty.id])?;
    while let Some(r) = rows.next()? {
        let object: i64 = r.get(0)?;
        let attribute: i64 = r.get(1)?;
        let (Some(&o), Some(&a)) = (at.get(&object), attribute_at.get(&attribute)) else {
            continue;
        };
        let reference = r.get::<_, Option<i64>>(4)?.and_then(|id| labels.get(id));
        objects[o].values[a].push(value(r.get(2)?, r.get(3)?, reference));
    }
    Ok(objects)
}

impl Store {
    /// The named object types as the store holds them; types it lacks are left out.
    pub fn snapshot(&self, names: &[String]) -> Result<Snapshot, StoreError> {
        if !self.has_tables()? {
            return Ok(Snapshot::default());
        }
        let Some(conn) = &self.conn else {
            return Ok(Snapshot::default());
        };
        let load = || -> rusqlite::Result<Snapshot> {
            let all = types(conn)?;
            let labels = Labels::load(conn)?;
            let mut snapshot = Snapshot::default();
            for name in names {
                let Some(ty) = all.iter().find(|t| t.def.name == *name) else {
                    continue;
                };
                snapshot.types.push(TypeState {
                    def: ty.def.clone(),
                    objects: objects(conn, ty, &labels)?,
                });
            }
            Ok(snapshot)
        };
        load().map_err(|e| sql(&self.path, e))
    }
}
