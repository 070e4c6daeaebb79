//! Writing the store: a whole plan in one transaction.

use super::read::{types, StoredType};
use super::{kind, prefix, Store, TABLES, VERSION};
use crate::apply::{stop, Target, TargetError, Writes};
use crate::eval::Scalar;
use crate::plan::model::{ObjectRef, Value};
use crate::plan::SchemaChange;
use rusqlite::{params, Transaction};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

impl Target for Store {
    fn write(
        &mut self,
        writes: &Writes<'_>,
        progress: &dyn Fn(usize, usize),
    ) -> Result<(), TargetError> {
        let path = self.path.display().to_string();
        let conn = self.conn.as_mut().ok_or_else(|| {
            TargetError::Failed(format!("the store {path} is open for reading only"))
        })?;
        let fail = |e: rusqlite::Error| {
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) {
                return TargetError::Interrupted {
                    written: 0,
                    message: format!("interrupted: nothing was written to the store {path} (an apply is one transaction, and it was rolled back); run the same command again to import"),
                };
            }
            TargetError::Failed(format!(
                "cannot write the store {path}: {}; nothing of this run was written",
                super::sql_help(&e)
            ))
        };
        let total = writes.len();
        let tx = conn.transaction().map_err(fail)?;
        write_all(&tx, writes, &|done| progress(done, total)).map_err(fail)?;
        if stop::requested() {
            return Err(fail(interrupted()));
        }
        tx.commit().map_err(fail)
    }
}

/// The error that ends a transaction when the run is asked to stop: it is rolled back.
fn interrupted() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
        Some("interrupted".to_string()),
    )
}

/// Ends the transaction when the run has been asked to stop.
fn check_stop() -> rusqlite::Result<()> {
    match stop::requested() {
        true => Err(interrupted()),
        false => Ok(()),
    }
}

/// Carries out `writes` inside `tx`; returns the ids of the objects it created, in the order of
/// `writes.creates`.
pub(super) fn write_all(
    tx: &Transaction<'_>,
    writes: &Writes<'_>,
    progress: &dyn Fn(usize),
) -> rusqlite::Result<Vec<i64>> {
    tx.execute_batch(TABLES)?;
    tx.pragma_update(None, "user_version", VERSION)?;
    schema(tx, writes.schema)?;
    let types: HashMap<String, StoredType> = types(tx)?
        .into_iter()
        .map(|t| (t.def.name.clone(), t))
        .collect();
    let attribute = |ty: &str, name: &str| -> rusqlite::Result<i64> {
        types
            .get(ty)
            .and_then(|t| t.def.attribute(name).map(|a| t.attribute_ids[a]))
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(format!("attribute {ty}.{name}")))
    };

    let mut new_ids: Vec<i64> = Vec::with_capacity(writes.creates.len());
    let mut done = 0usize;
    let mut touched: HashSet<i64> = HashSet::new();
    {
        let mut insert_object = tx.prepare(
            "INSERT INTO objects (object_type_id, object_key, label) VALUES (?1, ?2, '')",
        )?;
        let mut numbers: HashMap<&str, i64> = HashMap::new();
        let mut insert_value = tx.prepare(
            "INSERT INTO object_values (object_id, attribute_id, position, kind, value, reference_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut next_number = tx.prepare("SELECT next_number FROM object_types WHERE id = ?1")?;
        for create in &writes.creates {
            check_stop()?;
            let Some(ty) = types.get(create.object_type) else {
                return Err(rusqlite::Error::InvalidParameterName(format!(
                    "object type {}",
                    create.object_type
                )));
            };
            let number = match numbers.get_mut(create.object_type) {
                Some(n) => n,
                None => {
                    let n: i64 = next_number.query_row([ty.id], |r| r.get(0))?;
                    numbers.entry(create.object_type).or_insert(n)
                }
            };
            let key = format!("{}-{}", ty.prefix, number);
            *number += 1;
            insert_object.execute(params![ty.id, key])?;
            let id = tx.last_insert_rowid();
            debug_assert_eq!(new_ids.len(), create.new as usize);
            new_ids.push(id);
            touched.insert(id);
            for (name, values) in &create.values {
                let a = attribute(create.object_type, name)?;
                insert_values(&mut insert_value, id, a, values, &new_ids)?;
            }
            done += 1;
            if done.is_multiple_of(1024) {
                progress(done);
            }
        }
        for (ty, n) in numbers {
            tx.execute(
                "UPDATE object_types SET next_number = ?1 WHERE name = ?2",
                params![n, ty],
            )?;
        }

        let mut clear =
            tx.prepare("DELETE FROM object_values WHERE object_id = ?1 AND attribute_id = ?2")?;
        for update in &writes.updates {
            check_stop()?;
            let id = resolve(update.object, &new_ids)?;
            touched.insert(id);
            // An object this run created has no values of the attributes it links yet.
            let existing = matches!(update.object, ObjectRef::Existing(_));
            for (name, values) in &update.values {
                let a = attribute(update.object_type, name)?;
                if existing {
                    clear.execute(params![id, a])?;
                }
                insert_values(&mut insert_value, id, a, values, &new_ids)?;
            }
            done += 1;
            if done.is_multiple_of(1024) {
                progress(done);
            }
        }
    }
    for (object, _) in &writes.deletes {
        check_stop()?;
        let id = resolve(*object, &new_ids)?;
        tx.execute("DELETE FROM object_values WHERE object_id = ?1", [id])?;
        // Links to a deleted object go with it, as in Assets.
        let mut st =
            tx.prepare("SELECT DISTINCT object_id FROM object_values WHERE reference_id = ?1")?;
        let linking: Vec<i64> = st
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        touched.extend(linking);
        tx.execute("DELETE FROM object_values WHERE reference_id = ?1", [id])?;
        tx.execute("DELETE FROM objects WHERE id = ?1", [id])?;
        touched.remove(&id);
        done += 1;
    }
    relabel(tx, &types, &touched)?;
    progress(done);
    Ok(new_ids)
}

fn resolve(object: ObjectRef, new_ids: &[i64]) -> rusqlite::Result<i64> {
    match object {
        ObjectRef::Existing(id) => Ok(id),
        ObjectRef::New(n) => new_ids.get(n as usize).copied().ok_or_else(|| {
            rusqlite::Error::InvalidParameterName(format!("new object {n} before its creation"))
        }),
    }
}

fn insert_values(
    insert: &mut rusqlite::Statement<'_>,
    object: i64,
    attribute: i64,
    values: &[Value],
    new_ids: &[i64],
) -> rusqlite::Result<()> {
    for (position, v) in (0i64..).zip(values) {
        match v {
            Value::Scalar(s) => {
                let (kind, text) = stored(s);
                insert.execute(params![
                    object,
                    attribute,
                    position,
                    kind,
                    text.as_ref(),
                    None::<i64>
                ])?
            }
            Value::Reference(link) => insert.execute(params![
                object,
                attribute,
                position,
                kind::REFERENCE,
                None::<String>,
                resolve(link.target, new_ids)?
            ])?,
        };
    }
    Ok(())
}

/// How a plain value is kept: its kind and its text (`object_values.kind`, `.value`).
pub(super) fn stored(value: &Scalar) -> (i64, Cow<'_, str>) {
    match value {
        Scalar::Text(t) => (kind::TEXT, Cow::Borrowed(t.as_str())),
        Scalar::Number(n) => (kind::NUMBER, Cow::Owned(n.to_string())),
        Scalar::Bool(b) => (kind::BOOL, Cow::Borrowed(if *b { "true" } else { "false" })),
    }
}

/// Sets the label of each written object: its label attribute's first value, else its key
/// attribute's, else its object key.
fn relabel(
    tx: &Transaction<'_>,
    types: &HashMap<String, StoredType>,
    touched: &HashSet<i64>,
) -> rusqlite::Result<()> {
    let mut label_of: HashMap<i64, (Option<i64>, Option<i64>)> = HashMap::new();
    for t in types.values() {
        let id_of = |a: Option<usize>| a.map(|a| t.attribute_ids[a]);
        let key = t
            .def
            .key_attribute
            .as_deref()
            .and_then(|k| t.def.attribute(k));
        label_of.insert(t.id, (id_of(t.def.label_attribute()), id_of(key)));
    }
    let mut type_of = tx.prepare("SELECT object_type_id FROM objects WHERE id = ?1")?;
    let mut first = tx.prepare(
        "SELECT coalesce(v.value, r.label) FROM object_values v
         LEFT JOIN objects r ON r.id = v.reference_id
         WHERE v.object_id = ?1 AND v.attribute_id = ?2 ORDER BY v.position LIMIT 1",
    )?;
    let mut set = tx.prepare(
        "UPDATE objects SET label = coalesce(?2, object_key) WHERE id = ?1 AND label IS NOT coalesce(?2, object_key)",
    )?;
    let mut ids: Vec<i64> = touched.iter().copied().collect();
    // Referenced objects get their labels before the objects that show them.
    ids.sort_unstable();
    for id in ids {
        let t: i64 = match type_of.query_row([id], |r| r.get(0)) {
            Ok(t) => t,
            Err(rusqlite::Error::QueryReturnedNoRows) => continue,
            Err(e) => return Err(e),
        };
        let (label, key) = label_of.get(&t).copied().unwrap_or((None, None));
        let mut text: Option<String> = None;
        for a in [label, key].into_iter().flatten() {
            match first.query_row(params![id, a], |r| r.get::<_, Option<String>>(0)) {
                Ok(Some(v)) => {
                    text = Some(v);
                    break;
                }
                Ok(None) | Err(rusqlite::Error::QueryReturnedNoRows) => {}
                Err(e) => return Err(e),
            }
        }
        set.execute(params![id, text])?;
    }
    Ok(())
}

fn schema(tx: &Transaction<'_>, changes: &[SchemaChange]) -> rusqlite::Result<()> {
    let type_id = |name: &str| -> rusqlite::Result<i64> {
        tx.query_row("SELECT id FROM object_types WHERE name = ?1", [name], |r| {
            r.get(0)
        })
    };
    for change in changes {
        match change {
            SchemaChange::CreateObjectType { object_type } => {
                let taken: Vec<String> = {
                    let mut st = tx.prepare("SELECT prefix FROM object_types")?;
                    let rows = st.query_map([], |r| r.get(0))?;
                    rows.collect::<rusqlite::Result<_>>()?
                };
                tx.execute(
                    "INSERT INTO object_types (name, prefix) VALUES (?1, ?2)",
                    params![object_type, prefix(object_type, &taken)],
                )?;
            }
            SchemaChange::CreateAttribute {
                object_type,
                attribute,
            } => {
                let t = type_id(object_type)?;
                let reference = match &attribute.reference {
                    Some(r) => Some(type_id(r)?),
                    None => None,
                };
                tx.execute(
                    "INSERT INTO attributes (object_type_id, name, position, type, reference_type_id,
                         min_cardinality, max_cardinality, is_unique, is_label)
                     VALUES (?1, ?2, (SELECT count(*) FROM attributes WHERE object_type_id = ?1),
                         ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        t,
                        attribute.name,
                        attribute.kind.as_str(),
                        reference,
                        attribute.min_cardinality,
                        attribute.max_cardinality,
                        attribute.unique,
                        attribute.label
                    ],
                )?;
            }
            SchemaChange::SetKeyAttribute {
                object_type,
                attribute,
            } => {
                tx.execute(
                    "UPDATE object_types SET key_attribute = ?2 WHERE name = ?1",
                    params![object_type, attribute],
                )?;
            }
        }
    }
    Ok(())
}
