//! The store object by object, as the Assets REST API sees it: object types and attributes with
//! their ids, objects found by AQL and paged, and single objects created, updated and deleted.
//!
//! Writes go through the same code as an embedded apply (`write_all`), so that object keys,
//! labels, value encoding and the links removed with a deleted object come out exactly as an
//! import into the store makes them.

use super::aql::Query;
use super::read::{types, value, StoredType};
use super::write::{stored, write_all};
use super::{kind, sql, Store, StoreError};
use crate::apply::{Create, Update, Writes};
use crate::eval::Scalar;
use crate::lang::schema::{AttributeKind, DefaultType, Schema};
use crate::plan::coerce::coerce;
use crate::plan::model::{AttributeDef, AttributeType, Link, ObjectRef, Value};
use crate::plan::SchemaChange;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Attributes every Assets object type has and sets itself; a schema that lists them (as a
/// copy of `GET /objecttype/{id}/attributes` does) does not make them store attributes.
pub const SYSTEM_ATTRIBUTES: [&str; 3] = ["Key", "Created", "Updated"];

/// An object type with its attributes, in their order.
#[derive(Debug, Clone)]
pub struct TypeEntry {
    pub id: i64,
    pub name: String,
    /// The prefix of its object keys (`USR` of `USR-12`).
    pub prefix: String,
    /// The attribute an embedded import matches objects by, once one is known.
    pub key_attribute: Option<String>,
    pub attributes: Vec<AttributeEntry>,
    /// How many objects of the type the store holds.
    pub objects: usize,
}

impl TypeEntry {
    pub fn attribute(&self, id: i64) -> Option<&AttributeEntry> {
        self.attributes.iter().find(|a| a.id == id)
    }

    /// The attribute of that name; AQL names are matched regardless of case where no
    /// attribute has the exact name.
    pub(super) fn attribute_named(&self, name: &str) -> Option<&AttributeEntry> {
        self.attributes.iter().find(|a| a.name == name).or_else(|| {
            self.attributes
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(name))
        })
    }
}

#[derive(Debug, Clone)]
pub struct AttributeEntry {
    pub id: i64,
    pub name: String,
    pub kind: AttributeType,
    /// The object type a reference attribute links to.
    pub reference_type_id: Option<i64>,
    pub min_cardinality: u32,
    /// `None`: any number of values.
    pub max_cardinality: Option<u32>,
    pub unique: bool,
    pub label: bool,
    /// 0-based, in the type's order.
    pub position: usize,
}

/// An object with its values, attribute by attribute in the type's order; attributes without
/// values are left out.
#[derive(Debug, Clone)]
pub struct ObjectEntry {
    pub id: i64,
    pub object_type_id: i64,
    pub object_key: String,
    pub label: String,
    pub values: Vec<(i64, Vec<EntryValue>)>,
}

#[derive(Debug, Clone)]
pub enum EntryValue {
    Scalar(Scalar),
    Reference(LinkedObject),
}

/// The object a reference value points at.
#[derive(Debug, Clone)]
pub struct LinkedObject {
    pub id: i64,
    pub object_type_id: i64,
    pub object_key: String,
    pub label: String,
}

/// One page of the objects a query found.
#[derive(Debug, Clone)]
pub struct ObjectPage {
    /// Every object the query found, not only this page's.
    pub total: usize,
    pub objects: Vec<ObjectEntry>,
}

/// What seeding from a schema did.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub created_types: Vec<String>,
    /// `Type.Attribute`.
    pub created_attributes: Vec<String>,
    /// Object types matched by their key attribute from now on: `Type.Attribute`.
    pub key_attributes: Vec<String>,
    /// Attributes of the schema the store does not take, each with the reason.
    pub skipped: Vec<String>,
}

/// Why a read or write of objects was refused. Only [`ObjectError::Store`] is the store's
/// fault; the others are about what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("no object type has the id {0}")]
    UnknownType(String),
    #[error("the object type `{object_type}` has no attribute with the id {attribute}")]
    UnknownAttribute {
        object_type: String,
        attribute: String,
    },
    #[error("no object has the id {0}")]
    UnknownObject(String),
    /// A value that does not fit its attribute, or a unique value already taken.
    #[error("{attribute}: {message}")]
    Invalid { attribute: String, message: String },
    #[error("cannot run the AQL query `{query}`: {reason}")]
    Query { query: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Values to write, per attribute id, as text: the way Assets takes them over REST.
pub type AttributeInput = (i64, Vec<String>);

impl Store {
    /// Every object type with its attributes, in id order.
    pub fn object_types(&self) -> Result<Vec<TypeEntry>, StoreError> {
        let Some(conn) = &self.conn else {
            return Ok(Vec::new());
        };
        let load = || -> rusqlite::Result<Vec<TypeEntry>> {
            if !tables_exist(conn)? {
                return Ok(Vec::new());
            }
            type_entries(conn)
        };
        load().map_err(|e| sql(&self.path, e))
    }

    /// Creates the object types and attributes of `schema` that the store lacks, by name, in one
    /// transaction. Attributes the store already has are kept as they are. A type without a key
    /// attribute that has exactly one unique attribute is matched by it from now on, so that an
    /// embedded import keyed by that attribute and one through the REST API agree.
    pub fn seed_schema(&mut self, schema: &Schema) -> Result<SeedReport, StoreError> {
        let path = self.path.clone();
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| StoreError::Missing(path.clone()))?;
        let mut seed = || -> rusqlite::Result<SeedReport> {
            let tx = conn.transaction()?;
            let existing = if tables_exist(&tx)? {
                types(&tx)?
            } else {
                Vec::new()
            };
            let (changes, report) = seed_changes(schema, &existing);
            if !changes.is_empty() {
                let writes = Writes {
                    schema: &changes,
                    ..Writes::default()
                };
                write_all(&tx, &writes, &|_| {})?;
                tx.commit()?;
            }
            Ok(report)
        };
        seed().map_err(|e| sql(&path, e))
    }

    /// The objects `aql` finds, in id order: `start` of them skipped, at most `max` returned.
    pub fn find_objects(
        &self,
        aql: &str,
        start: usize,
        max: usize,
    ) -> Result<ObjectPage, ObjectError> {
        let Some(conn) = &self.conn else {
            // No store file: no types, so any query names something that is not there.
            return Err(Query::parse(aql, &[])
                .err()
                .unwrap_or_else(|| ObjectError::Store(StoreError::Missing(self.path.clone()))));
        };
        let types = uncounted(conn).map_err(|e| sql(&self.path, e))?;
        let query = Query::parse(aql, &types)?;
        let run = || -> rusqlite::Result<ObjectPage> {
            let found = query.run(conn, &types)?;
            let page: Vec<i64> = found.iter().copied().skip(start).take(max).collect();
            Ok(ObjectPage {
                total: found.len(),
                objects: load_objects(conn, &types, &page)?,
            })
        };
        run().map_err(|e| ObjectError::Store(sql(&self.path, e)))
    }

    /// The object with this id, if there is one.
    pub fn object(&self, id: i64) -> Result<Option<ObjectEntry>, StoreError> {
        let Some(conn) = &self.conn else {
            return Ok(None);
        };
        let load = || -> rusqlite::Result<Option<ObjectEntry>> {
            let types = uncounted(conn)?;
            if types.is_empty() {
                return Ok(None);
            }
            Ok(load_objects(conn, &types, &[id])?.pop())
        };
        load().map_err(|e| sql(&self.path, e))
    }

    /// Creates an object of the type with these values, in one transaction. A reference value
    /// names the referenced object by its key (`USR-12`) or its id.
    pub fn create_object(
        &mut self,
        object_type: i64,
        values: &[AttributeInput],
    ) -> Result<ObjectEntry, ObjectError> {
        let created = self.change(|tx, stored| {
            let ty = stored
                .iter()
                .find(|t| t.id == object_type)
                .ok_or_else(|| ObjectError::UnknownType(object_type.to_string()))?;
            let values = convert(tx, stored, ty, values)?;
            check_unique(tx, ty, &values, None)?;
            let writes = Writes {
                creates: vec![Create {
                    new: 0,
                    object_type: &ty.def.name,
                    values: values.iter().map(|(n, v)| (n.as_str(), &v[..])).collect(),
                }],
                ..Writes::default()
            };
            let ids = write_all(tx, &writes, &|_| {})?;
            Ok(ids.first().copied())
        })?;
        created.ok_or_else(|| ObjectError::UnknownObject("new".to_string()))
    }

    /// Replaces the values of the given attributes of an object (an empty list clears one);
    /// its other attributes stay as they are. `object_type`, when given, must be the object's.
    pub fn update_object(
        &mut self,
        id: i64,
        object_type: Option<i64>,
        values: &[AttributeInput],
    ) -> Result<ObjectEntry, ObjectError> {
        let updated = self.change(|tx, stored| {
            let ty = type_of_object(tx, stored, id)?;
            if let Some(given) = object_type.filter(|&t| t != ty.id) {
                return Err(ObjectError::Invalid {
                    attribute: "objectTypeId".to_string(),
                    message: format!(
                        "object {id} is a `{}` (object type {}), not of object type {given}",
                        ty.def.name, ty.id
                    ),
                }
                .into());
            }
            let values = convert(tx, stored, ty, values)?;
            check_unique(tx, ty, &values, Some(id))?;
            let writes = Writes {
                updates: vec![Update {
                    object: ObjectRef::Existing(id),
                    object_type: &ty.def.name,
                    values: values.iter().map(|(n, v)| (n.as_str(), &v[..])).collect(),
                }],
                ..Writes::default()
            };
            write_all(tx, &writes, &|_| {})?;
            Ok(Some(id))
        })?;
        updated.ok_or_else(|| ObjectError::UnknownObject(id.to_string()))
    }

    /// Deletes an object, and every link to it (as Assets does), in one transaction.
    pub fn delete_object(&mut self, id: i64) -> Result<(), ObjectError> {
        self.change(|tx, stored| {
            let ty = type_of_object(tx, stored, id)?;
            let writes = Writes {
                deletes: vec![(ObjectRef::Existing(id), ty.def.name.as_str())],
                ..Writes::default()
            };
            write_all(tx, &writes, &|_| {})?;
            Ok(None)
        })
        .map(|_| ())
    }

    /// Runs `work` in one transaction and commits it when it succeeds; answers the object whose
    /// id `work` returns, as the transaction left it.
    fn change(
        &mut self,
        work: impl FnOnce(&Transaction<'_>, &[StoredType]) -> Result<Option<i64>, Failed>,
    ) -> Result<Option<ObjectEntry>, ObjectError> {
        let path = self.path.clone();
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| ObjectError::Store(StoreError::Missing(path.clone())))?;
        let run = || -> Result<Option<ObjectEntry>, Failed> {
            let tx = conn.transaction()?;
            let stored = if tables_exist(&tx)? {
                types(&tx)?
            } else {
                Vec::new()
            };
            let entry = match work(&tx, &stored)? {
                Some(id) => load_objects(&tx, &entries(&stored, &HashMap::new()), &[id])?.pop(),
                None => None,
            };
            tx.commit()?;
            Ok(entry)
        };
        run().map_err(|e| match e {
            Failed::Refused(e) => e,
            Failed::Sql(e) => ObjectError::Store(sql(&path, e)),
        })
    }
}

/// What the steps of a change fail with: a refusal to pass on, or the store's own error (which
/// needs the store's path to be told).
enum Failed {
    Refused(ObjectError),
    Sql(rusqlite::Error),
}

impl From<ObjectError> for Failed {
    fn from(e: ObjectError) -> Self {
        Failed::Refused(e)
    }
}

impl From<rusqlite::Error> for Failed {
    fn from(e: rusqlite::Error) -> Self {
        Failed::Sql(e)
    }
}

fn tables_exist(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'object_types'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// The types with their object counts, for listing them.
fn type_entries(conn: &Connection) -> rusqlite::Result<Vec<TypeEntry>> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    let mut st = conn
        .prepare_cached("SELECT object_type_id, count(*) FROM objects GROUP BY object_type_id")?;
    for row in st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
        let (t, n) = row?;
        counts.insert(t, usize::try_from(n).unwrap_or(0));
    }
    Ok(entries(&types(conn)?, &counts))
}

/// The types as the REST API shows them; `counts` (objects per type id) may be left empty where
/// nobody reads them.
fn entries(stored: &[StoredType], counts: &HashMap<i64, usize>) -> Vec<TypeEntry> {
    let id_of: HashMap<&str, i64> = stored.iter().map(|t| (t.def.name.as_str(), t.id)).collect();
    stored
        .iter()
        .map(|t| TypeEntry {
            id: t.id,
            name: t.def.name.clone(),
            prefix: t.prefix.clone(),
            key_attribute: t.def.key_attribute.clone(),
            attributes: t
                .def
                .attributes
                .iter()
                .zip(&t.attribute_ids)
                .enumerate()
                .map(|(position, (a, &id))| AttributeEntry {
                    id,
                    name: a.name.clone(),
                    kind: a.kind,
                    reference_type_id: a.reference.as_deref().and_then(|r| id_of.get(r).copied()),
                    min_cardinality: a.min_cardinality,
                    max_cardinality: a.max_cardinality,
                    unique: a.unique,
                    label: a.label,
                    position,
                })
                .collect(),
            objects: counts.get(&t.id).copied().unwrap_or(0),
        })
        .collect()
}

/// The types without their object counts, for reading and writing objects.
fn uncounted(conn: &Connection) -> rusqlite::Result<Vec<TypeEntry>> {
    if !tables_exist(conn)? {
        return Ok(Vec::new());
    }
    Ok(entries(&types(conn)?, &HashMap::new()))
}

/// The objects with these ids that exist, in the order given.
fn load_objects(
    conn: &Connection,
    types: &[TypeEntry],
    ids: &[i64],
) -> rusqlite::Result<Vec<ObjectEntry>> {
    let mut head =
        conn.prepare_cached("SELECT object_type_id, object_key, label FROM objects WHERE id = ?1")?;
    let mut values = conn.prepare_cached(
        "SELECT v.attribute_id, v.kind, v.value, r.id, r.object_type_id, r.object_key, r.label
         FROM object_values v LEFT JOIN objects r ON r.id = v.reference_id
         WHERE v.object_id = ?1 ORDER BY v.attribute_id, v.position",
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let Some((type_id, object_key, label)) = head
            .query_row([id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()?
        else {
            continue;
        };
        let ty = types.iter().find(|t| t.id == type_id);
        let mut by_attribute: Vec<(usize, i64, Vec<EntryValue>)> = Vec::new();
        let mut rows = values.query([id])?;
        while let Some(r) = rows.next()? {
            let attribute: i64 = r.get(0)?;
            let kind_code: i64 = r.get(1)?;
            let entry = if kind_code == kind::REFERENCE {
                let Some(target) = r.get::<_, Option<i64>>(3)? else {
                    continue;
                };
                EntryValue::Reference(LinkedObject {
                    id: target,
                    object_type_id: r.get(4)?,
                    object_key: r.get(5)?,
                    label: r.get(6)?,
                })
            } else {
                match value(kind_code, r.get(2)?, None) {
                    Value::Scalar(s) => EntryValue::Scalar(s),
                    Value::Reference(_) => continue,
                }
            };
            match by_attribute.last_mut() {
                Some((_, a, list)) if *a == attribute => list.push(entry),
                _ => {
                    let position = ty
                        .and_then(|t| t.attribute(attribute))
                        .map_or(usize::MAX, |a| a.position);
                    by_attribute.push((position, attribute, vec![entry]));
                }
            }
        }
        by_attribute.sort_by_key(|(position, attribute, _)| (*position, *attribute));
        out.push(ObjectEntry {
            id,
            object_type_id: type_id,
            object_key,
            label,
            values: by_attribute.into_iter().map(|(_, a, v)| (a, v)).collect(),
        });
    }
    Ok(out)
}

fn type_of_object<'t>(
    tx: &Transaction<'_>,
    stored: &'t [StoredType],
    id: i64,
) -> Result<&'t StoredType, Failed> {
    let type_id: Option<i64> = tx
        .query_row(
            "SELECT object_type_id FROM objects WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    type_id
        .and_then(|t| stored.iter().find(|s| s.id == t))
        .ok_or_else(|| ObjectError::UnknownObject(id.to_string()).into())
}

/// The values as the store keeps them, by attribute name.
fn convert(
    tx: &Transaction<'_>,
    stored: &[StoredType],
    ty: &StoredType,
    input: &[AttributeInput],
) -> Result<Vec<(String, Vec<Value>)>, Failed> {
    let mut out: Vec<(String, Vec<Value>)> = Vec::with_capacity(input.len());
    for (attribute, texts) in input {
        let index = ty
            .attribute_ids
            .iter()
            .position(|a| a == attribute)
            .ok_or_else(|| ObjectError::UnknownAttribute {
                object_type: ty.def.name.clone(),
                attribute: attribute.to_string(),
            })?;
        let def = &ty.def.attributes[index];
        let invalid = |message: String| ObjectError::Invalid {
            attribute: def.name.clone(),
            message,
        };
        if out.iter().any(|(name, _)| *name == def.name) {
            return Err(invalid(
                "the attribute is given twice; give all its values in one `objectAttributeValues`"
                    .to_string(),
            )
            .into());
        }
        if let Some(max) = def.max_cardinality {
            if texts.len() > max as usize {
                return Err(invalid(format!(
                    "{} values, where the attribute holds at most {max}",
                    texts.len()
                ))
                .into());
            }
        }
        let mut values = Vec::with_capacity(texts.len());
        for text in texts {
            let v = match def.kind {
                AttributeType::Reference => {
                    let target = def.reference.as_deref().unwrap_or_default();
                    Value::Reference(linked(tx, stored, target, text)?.ok_or_else(|| {
                        invalid(format!("no `{target}` object has the key or id `{text}`"))
                    })?)
                }
                kind => Value::Scalar(scalar_from_text(kind, text).map_err(&invalid)?),
            };
            if !values.contains(&v) {
                values.push(v);
            }
        }
        out.push((def.name.clone(), values));
    }
    Ok(out)
}

/// A value sent as text, as the attribute keeps it. Clients send the text of a value an import
/// already made to fit the attribute, so numbers are read back as written (`2` stays `2`, `2.0`
/// stays `2.0`), exactly as the embedded import stored the same value; anything else is made to
/// fit as the import would.
pub fn scalar_from_text(kind: AttributeType, text: &str) -> Result<Scalar, String> {
    if matches!(kind, AttributeType::Integer | AttributeType::Double) {
        if let Ok(n) = text.parse::<serde_json::Number>() {
            if kind == AttributeType::Double || n.is_i64() || n.is_u64() {
                return Ok(Scalar::Number(n));
            }
        }
    }
    coerce(kind, &Scalar::Text(text.to_string()))
}

/// The object of type `object_type` with this key (any case) or id.
fn linked(
    tx: &Transaction<'_>,
    stored: &[StoredType],
    object_type: &str,
    text: &str,
) -> rusqlite::Result<Option<Link>> {
    let Some(ty) = stored.iter().find(|t| t.def.name == object_type) else {
        return Ok(None);
    };
    let by_key = tx
        .query_row(
            "SELECT id, label FROM objects WHERE object_key = ?1 AND object_type_id = ?2",
            params![text.trim().to_ascii_uppercase(), ty.id],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?;
    let found = match by_key {
        Some(found) => Some(found),
        None => match text.trim().parse::<i64>() {
            Ok(id) => tx
                .query_row(
                    "SELECT id, label FROM objects WHERE id = ?1 AND object_type_id = ?2",
                    params![id, ty.id],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()?,
            Err(_) => None,
        },
    };
    Ok(found.map(|(id, label)| Link {
        target: ObjectRef::Existing(id),
        object_type: Arc::from(object_type),
        label: Arc::from(label),
    }))
}

/// Refuses a value of a unique attribute that another object of the type already has.
fn check_unique(
    tx: &Transaction<'_>,
    ty: &StoredType,
    values: &[(String, Vec<Value>)],
    except: Option<i64>,
) -> Result<(), Failed> {
    let mut by_text = tx.prepare_cached(
        "SELECT o.object_key FROM objects o
         JOIN object_values v ON v.object_id = o.id AND v.attribute_id = ?1
         WHERE o.object_type_id = ?2 AND v.value = ?3 AND o.id IS NOT ?4 LIMIT 1",
    )?;
    let mut by_link = tx.prepare_cached(
        "SELECT o.object_key FROM objects o
         JOIN object_values v ON v.object_id = o.id AND v.attribute_id = ?1
         WHERE o.object_type_id = ?2 AND v.reference_id = ?3 AND o.id IS NOT ?4 LIMIT 1",
    )?;
    for (name, list) in values {
        let Some(index) = ty.def.attribute(name) else {
            continue;
        };
        if !ty.def.attributes[index].unique {
            continue;
        }
        let attribute = ty.attribute_ids[index];
        for v in list {
            let taken: Option<String> = match v {
                Value::Scalar(s) => by_text
                    .query_row(
                        params![attribute, ty.id, stored(s).1.as_ref(), except],
                        |r| r.get(0),
                    )
                    .optional()?,
                Value::Reference(link) => {
                    let ObjectRef::Existing(target) = link.target else {
                        continue;
                    };
                    by_link
                        .query_row(params![attribute, ty.id, target, except], |r| r.get(0))
                        .optional()?
                }
            };
            if let Some(other) = taken {
                return Err(ObjectError::Invalid {
                    attribute: name.clone(),
                    message: format!(
                        "`{}` is already the value of {other}, and `{name}` is unique",
                        v.text()
                    ),
                }
                .into());
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------ seeding

fn seed_changes(schema: &Schema, existing: &[StoredType]) -> (Vec<SchemaChange>, SeedReport) {
    let mut changes = Vec::new();
    let mut report = SeedReport::default();
    let have = |name: &str| existing.iter().find(|t| t.def.name == name);
    let mut new_types: Vec<&str> = Vec::new();
    for t in &schema.object_types {
        if have(&t.name).is_none() && !new_types.contains(&t.name.as_str()) {
            new_types.push(&t.name);
            changes.push(SchemaChange::CreateObjectType {
                object_type: t.name.clone(),
            });
            report.created_types.push(t.name.clone());
        }
    }
    let mut done: HashSet<(&str, &str)> = HashSet::new();
    for t in &schema.object_types {
        let stored = have(&t.name);
        let mut unique: Vec<String> = stored
            .map(|s| {
                s.def
                    .attributes
                    .iter()
                    .filter(|a| a.unique)
                    .map(|a| a.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        for a in &t.attributes {
            if SYSTEM_ATTRIBUTES.contains(&a.name.as_str())
                || !done.insert((t.name.as_str(), a.name.as_str()))
            {
                continue;
            }
            let what = format!("{}.{}", t.name, a.name);
            let kind = match a.kind() {
                AttributeKind::Default => default_kind(a.default_type.as_ref()),
                AttributeKind::Reference => AttributeType::Reference,
                AttributeKind::User => AttributeType::User,
                AttributeKind::Other(n) => {
                    report.skipped.push(format!(
                        "{what}: attributes of type {n} ({}) are not kept by the store",
                        a.type_name()
                    ));
                    continue;
                }
            };
            let reference = match kind {
                AttributeType::Reference => {
                    let target = a
                        .reference_object_type_id
                        .as_deref()
                        .and_then(|id| schema.object_type_by_id(id));
                    match target {
                        Some(target) => Some(target.name.clone()),
                        None => {
                            report.skipped.push(format!(
                                "{what}: references the object type with id {}, which the schema does not have",
                                a.reference_object_type_id.as_deref().unwrap_or("(none)")
                            ));
                            continue;
                        }
                    }
                }
                _ => None,
            };
            if let Some(kept) =
                stored.and_then(|s| s.def.attribute(&a.name).map(|i| &s.def.attributes[i]))
            {
                if kept.kind != kind || kept.reference != reference {
                    report.skipped.push(format!(
                        "{what}: the store has it as a {} attribute{}; it is kept so",
                        kept.kind.as_str(),
                        kept.reference
                            .as_deref()
                            .map(|r| format!(" to `{r}`"))
                            .unwrap_or_default()
                    ));
                }
                continue;
            }
            if a.unique_attribute {
                unique.push(a.name.clone());
            }
            changes.push(SchemaChange::CreateAttribute {
                object_type: t.name.clone(),
                attribute: AttributeDef {
                    name: a.name.clone(),
                    kind,
                    reference,
                    min_cardinality: a.minimum_cardinality.unwrap_or(0).clamp(0, u32::MAX as i64)
                        as u32,
                    // Assets' default is one value; `-1` is any number.
                    max_cardinality: match a.maximum_cardinality {
                        Some(n) if n < 0 => None,
                        Some(n) => Some(n.min(u32::MAX as i64) as u32),
                        None => Some(1),
                    },
                    unique: a.unique_attribute,
                    label: a.label,
                },
            });
            report.created_attributes.push(what);
        }
        let keyed = stored.is_some_and(|s| s.def.key_attribute.is_some());
        if let [only] = unique.as_slice() {
            if !keyed {
                changes.push(SchemaChange::SetKeyAttribute {
                    object_type: t.name.clone(),
                    attribute: only.clone(),
                });
                report.key_attributes.push(format!("{}.{only}", t.name));
            }
        }
    }
    (changes, report)
}

/// The store's type for an Assets default type (`defaultType`), by name, else by id. Types the
/// store has no kind for (Textarea, Time, IP Address) hold text.
fn default_kind(default: Option<&DefaultType>) -> AttributeType {
    let Some(d) = default else {
        return AttributeType::Text;
    };
    let by_name = match d.name.to_ascii_lowercase().as_str() {
        "integer" => Some(AttributeType::Integer),
        "boolean" => Some(AttributeType::Boolean),
        "double" => Some(AttributeType::Double),
        "date" => Some(AttributeType::Date),
        "datetime" => Some(AttributeType::Datetime),
        "url" => Some(AttributeType::Url),
        "email" => Some(AttributeType::Email),
        "select" => Some(AttributeType::Select),
        "" => None,
        _ => Some(AttributeType::Text),
    };
    by_name.unwrap_or(AttributeType::from_default_type(d.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_back_as_written() {
        assert_eq!(
            scalar_from_text(AttributeType::Double, "2"),
            Ok(Scalar::Number(2.into()))
        );
        assert_eq!(
            scalar_from_text(AttributeType::Double, "2.0").map(|s| s.text().into_owned()),
            Ok("2.0".to_string())
        );
        assert_eq!(
            scalar_from_text(AttributeType::Integer, " 7 "),
            Ok(Scalar::Number(7.into()))
        );
        assert!(scalar_from_text(AttributeType::Integer, "7.5").is_err());
        assert_eq!(
            scalar_from_text(AttributeType::Boolean, "TRUE"),
            Ok(Scalar::Bool(true))
        );
        assert_eq!(
            scalar_from_text(AttributeType::Text, "42"),
            Ok(Scalar::Text("42".to_string()))
        );
    }
}
