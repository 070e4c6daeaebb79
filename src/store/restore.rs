//! A store made from a dump: the prior state a test case starts from (`store.json`), in the shape
//! `store dump` prints. It is written through the same code as an import, so that the snapshot a
//! plan is made against is exactly the one a store holding those objects gives.

use super::dump::{Dump, DumpObject};
use super::write::write_all;
use super::{sql, Store, StoreError};
use crate::apply::{Create, Update, Writes};
use crate::eval::Scalar;
use crate::plan::coerce::coerce;
use crate::plan::model::{AttributeType, Link, ObjectRef, TypeDef, Value};
use crate::plan::SchemaChange;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

impl Store {
    /// An empty store that lives in memory only; `name` is what messages call it.
    pub fn in_memory(name: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory().map_err(|e| sql(name, e))?;
        Ok(Store {
            path: name.to_path_buf(),
            conn: Some(conn),
        })
    }

    /// Fills an empty store with the object types and objects of a dump, in one transaction.
    /// A reference value names its object by type and label, as dumps print it; a value that
    /// does not fit its attribute, a reference to no object or to several, or two objects with
    /// one key are refused with where they are in the dump.
    pub fn restore(&mut self, dump: &Dump<serde_json::Value>) -> Result<(), StoreError> {
        let path = self.path.clone();
        let refused = |message: String| StoreError::Dump {
            path: path.clone(),
            message,
        };
        let types = type_defs(dump).map_err(&refused)?;
        let schema = schema_changes(&types);
        let objects = object_values(dump, &types).map_err(&refused)?;
        let creates = objects
            .iter()
            .zip(&dump.objects)
            .enumerate()
            .map(|(new, (values, object))| Create {
                new: new as u32,
                object_type: &object.object_type,
                values: values
                    .scalars
                    .iter()
                    .map(|(n, v)| (n.as_str(), &v[..]))
                    .collect(),
            })
            .collect();
        // Links are written once every object exists, as an import writes them.
        let updates = objects
            .iter()
            .zip(&dump.objects)
            .enumerate()
            .filter(|(_, (values, _))| !values.references.is_empty())
            .map(|(new, (values, object))| Update {
                object: ObjectRef::New(new as u32),
                object_type: &object.object_type,
                values: values
                    .references
                    .iter()
                    .map(|(n, v)| (n.as_str(), &v[..]))
                    .collect(),
            })
            .collect();
        let writes = Writes {
            schema: &schema,
            creates,
            updates,
            deletes: Vec::new(),
        };
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| StoreError::Missing(path.clone()))?;
        let mut write = || -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            write_all(&tx, &writes, &|_| {})?;
            tx.commit()
        };
        write().map_err(|e| sql(&path, e))
    }
}

/// The dump's object types, checked: unique names, references to listed types, key attributes
/// that exist.
fn type_defs(dump: &Dump<serde_json::Value>) -> Result<Vec<TypeDef>, String> {
    let mut defs: Vec<TypeDef> = Vec::with_capacity(dump.object_types.len());
    for (i, ty) in dump.object_types.iter().enumerate() {
        let at = format!("object_types[{i}] `{}`", ty.name);
        if defs.iter().any(|d| d.name == ty.name) {
            return Err(format!("{at}: the object type is listed twice"));
        }
        for (j, a) in ty.attributes.iter().enumerate() {
            if ty.attributes[..j].iter().any(|b| b.name == a.name) {
                return Err(format!("{at}: the attribute `{}` is listed twice", a.name));
            }
            match (&a.reference, a.kind) {
                (Some(target), AttributeType::Reference) => {
                    if !dump.object_types.iter().any(|t| t.name == *target) {
                        return Err(format!(
                            "{at}: the attribute `{}` refers to `{target}`, which `object_types` does not list; add it",
                            a.name
                        ));
                    }
                }
                (None, AttributeType::Reference) => {
                    return Err(format!(
                        "{at}: the reference attribute `{}` has no `reference`; name the object type it refers to",
                        a.name
                    ))
                }
                (Some(_), kind) => {
                    return Err(format!(
                        "{at}: the attribute `{}` is of type {} but has a `reference`; give it type reference or drop the `reference`",
                        a.name,
                        kind.as_str()
                    ))
                }
                (None, _) => {}
            }
        }
        if let Some(key) = &ty.key_attribute {
            if !ty.attributes.iter().any(|a| a.name == *key) {
                return Err(format!(
                    "{at}: the key attribute `{key}` is not one of its attributes"
                ));
            }
        }
        defs.push(TypeDef {
            name: ty.name.clone(),
            key_attribute: ty.key_attribute.clone(),
            attributes: ty.attributes.clone(),
        });
    }
    Ok(defs)
}

/// The types first, then their attributes (a reference needs the type it refers to), then which
/// attribute matches objects.
fn schema_changes(types: &[TypeDef]) -> Vec<SchemaChange> {
    let created = types.iter().map(|t| SchemaChange::CreateObjectType {
        object_type: t.name.clone(),
    });
    let attributes = types.iter().flat_map(|t| {
        t.attributes.iter().map(|a| SchemaChange::CreateAttribute {
            object_type: t.name.clone(),
            attribute: a.clone(),
        })
    });
    let keys = types.iter().filter_map(|t| {
        t.key_attribute
            .as_ref()
            .map(|k| SchemaChange::SetKeyAttribute {
                object_type: t.name.clone(),
                attribute: k.clone(),
            })
    });
    created.chain(attributes).chain(keys).collect()
}

/// One object's values as the store holds them: plain values, and links to other objects of the
/// dump (by their place in it).
#[derive(Default)]
struct ObjectValues {
    scalars: Vec<(String, Vec<Value>)>,
    references: Vec<(String, Vec<Value>)>,
}

fn object_values(
    dump: &Dump<serde_json::Value>,
    types: &[TypeDef],
) -> Result<Vec<ObjectValues>, String> {
    let type_of =
        |o: &DumpObject<serde_json::Value>| types.iter().find(|t| t.name == o.object_type);
    // Objects by type and label, to resolve links; by type and key, to refuse duplicates.
    let mut by_label: HashMap<(&str, String), Vec<usize>> = HashMap::new();
    let mut by_key: HashMap<(&str, String), usize> = HashMap::new();
    for (i, o) in dump.objects.iter().enumerate() {
        let Some(ty) = type_of(o) else {
            return Err(format!(
                "objects[{i}]: the object type `{}` is not in `object_types`; list it there (`assetsync store dump` prints both)",
                o.object_type
            ));
        };
        by_label
            .entry((ty.name.as_str(), label(o, ty)))
            .or_default()
            .push(i);
        if let Some(key) = first_text(o, ty.key_attribute.as_deref()) {
            if let Some(j) = by_key.insert((ty.name.as_str(), key.clone()), i) {
                return Err(format!(
                    "objects[{j}] and objects[{i}] are both the `{}` with {} `{key}`; a key identifies one object",
                    ty.name,
                    ty.key_attribute.as_deref().unwrap_or_default()
                ));
            }
        }
    }
    let mut all = Vec::with_capacity(dump.objects.len());
    for (i, o) in dump.objects.iter().enumerate() {
        let ty = type_of(o).expect("checked above");
        let mut values = ObjectValues::default();
        for (name, given) in &o.attributes {
            let at = format!("objects[{i}] (`{}` `{}`) `{name}`", ty.name, label(o, ty));
            let Some(def) = ty.attributes.iter().find(|a| a.name == *name) else {
                return Err(format!(
                    "{at}: `{}` has no such attribute in `object_types`",
                    ty.name
                ));
            };
            if let Some(max) = def.max_cardinality {
                if given.len() > max as usize {
                    return Err(format!(
                        "{at}: {} values, where the attribute holds at most {max}",
                        given.len()
                    ));
                }
            }
            let mut converted = Vec::with_capacity(given.len());
            for v in given {
                converted.push(match &def.reference {
                    Some(target) => Value::Reference(
                        link(v, target, &by_label).map_err(|e| format!("{at}: {e}"))?,
                    ),
                    None => {
                        let scalar = Scalar::from_json(v).ok_or_else(|| {
                            format!("{at}: `{v}` is not a text, number or boolean")
                        })?;
                        Value::Scalar(coerce(def.kind, &scalar).map_err(|e| format!("{at}: {e}"))?)
                    }
                });
            }
            let list = match def.reference {
                Some(_) => &mut values.references,
                None => &mut values.scalars,
            };
            list.push((name.clone(), converted));
        }
        all.push(values);
    }
    Ok(all)
}

/// The object of a dump's `{"object_type":…,"label":…}` value.
fn link(
    value: &serde_json::Value,
    target: &str,
    by_label: &HashMap<(&str, String), Vec<usize>>,
) -> Result<Link, String> {
    let field = |name: &str| value.get(name).and_then(serde_json::Value::as_str);
    let (Some(object_type), Some(label)) = (field("object_type"), field("label")) else {
        return Err(format!(
            "`{value}` is not a reference; write it as {{\"object_type\":\"{target}\",\"label\":\"…\"}}"
        ));
    };
    if object_type != target {
        return Err(format!(
            "the attribute refers to `{target}` objects, not to `{object_type}`"
        ));
    }
    match by_label
        .get(&(target, label.to_string()))
        .map(Vec::as_slice)
    {
        Some([only]) => Ok(Link {
            target: ObjectRef::New(*only as u32),
            object_type: Arc::from(target),
            label: Arc::from(label),
        }),
        Some(several) => Err(format!(
            "{} `{target}` objects have the label `{label}` (objects{:?}); give them distinct labels",
            several.len(),
            several
        )),
        None => Err(format!(
            "no `{target}` object has the label `{label}`; add it to `objects`"
        )),
    }
}

/// What people read of an object, as the store makes it: the dump's `label`, else the first
/// value of its label attribute, else of its key attribute, else its `key`.
fn label(o: &DumpObject<serde_json::Value>, ty: &TypeDef) -> String {
    if !o.label.is_empty() {
        return o.label.clone();
    }
    let label_attribute = ty.label_attribute().map(|a| ty.attributes[a].name.as_str());
    first_text(o, label_attribute)
        .or_else(|| first_text(o, ty.key_attribute.as_deref()))
        .unwrap_or_else(|| o.key.clone())
}

fn first_text(o: &DumpObject<serde_json::Value>, attribute: Option<&str>) -> Option<String> {
    let first = o.attributes.get(attribute?)?.first()?;
    let text = match first {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(_) => first.get("label")?.as_str()?.to_string(),
        other => other.to_string(),
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn restored(dump: &serde_json::Value) -> Result<Store, StoreError> {
        let mut store = Store::in_memory(Path::new("store.json"))?;
        let dump: Dump<serde_json::Value> = serde_json::from_value(dump.clone()).unwrap();
        store.restore(&dump)?;
        Ok(store)
    }

    fn message(dump: serde_json::Value) -> String {
        match restored(&dump) {
            Err(StoreError::Dump { message, .. }) => message,
            Err(other) => panic!("not a dump error: {other}"),
            Ok(_) => panic!("restored"),
        }
    }

    #[test]
    fn a_dump_restored_dumps_the_same() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/mappings/okta-users.tests/re-import/store.json"
        ))
        .unwrap();
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        let store = restored(&original).unwrap();
        let again = serde_json::to_value(store.dump().unwrap()).unwrap();
        assert_eq!(again, original);
    }

    fn roles() -> serde_json::Value {
        json!({"name":"Roles","attributes":[{"name":"Name","type":"text","label":true}]})
    }

    fn users() -> serde_json::Value {
        json!({"name":"Users","key_attribute":"WorkerID","attributes":[
            {"name":"WorkerID","type":"text","unique":true,"max_cardinality":1},
            {"name":"Roles","type":"reference","reference":"Roles"}]})
    }

    #[test]
    fn a_reference_names_one_object_by_label() {
        let role = |name: &str| json!({"object_type":"Roles","attributes":{"Name":[name]}});
        let user = json!({"object_type":"Users","attributes":{"WorkerID":["00u1"],
            "Roles":[{"object_type":"Roles","label":"Admin"}]}});
        assert_eq!(
            message(json!({"object_types":[roles(), users()],"objects":[user.clone()]})),
            "objects[0] (`Users` `00u1`) `Roles`: no `Roles` object has the label `Admin`; add it to `objects`"
        );
        assert_eq!(
            message(json!({"object_types":[roles(), users()],
                "objects":[role("Admin"), role("Admin"), user.clone()]})),
            "objects[2] (`Users` `00u1`) `Roles`: 2 `Roles` objects have the label `Admin` (objects[0, 1]); give them distinct labels"
        );
        let store = restored(&json!({"object_types":[roles(), users()],
            "objects":[role("Admin"), user]}))
        .unwrap();
        let dump = serde_json::to_value(store.dump().unwrap()).unwrap();
        assert_eq!(
            dump["objects"][1]["attributes"]["Roles"],
            json!([{"object_type":"Roles","label":"Admin"}])
        );
    }

    #[test]
    fn what_no_store_can_hold_is_refused_with_where() {
        let user = |id: &str| json!({"object_type":"Users","attributes":{"WorkerID":[id]}});
        assert_eq!(
            message(json!({"object_types":[users()],"objects":[user("00u1")]})),
            "object_types[0] `Users`: the attribute `Roles` refers to `Roles`, which `object_types` does not list; add it"
        );
        assert_eq!(
            message(json!({"object_types":[roles(), users()],"objects":[user("00u1"), user("00u1")]})),
            "objects[0] and objects[1] are both the `Users` with WorkerID `00u1`; a key identifies one object"
        );
        assert_eq!(
            message(json!({"object_types":[roles(), users()],
                "objects":[{"object_type":"Users","attributes":{"WorkerID":["a","b"]}}]})),
            "objects[0] (`Users` `a`) `WorkerID`: 2 values, where the attribute holds at most 1"
        );
    }
}
