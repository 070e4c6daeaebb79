//! Loading what Assets holds into the planner's snapshot, with AQL (`POST /object/aql`).

use super::schema::{array, CloudSchema, CloudType};
use super::{id_of, object_id, CloudError};
use crate::eval::Scalar;
use crate::http::Client;
use crate::lang::aql;
use crate::plan::coerce::coerce;
use crate::plan::model::{
    AttributeType, Link, ObjectId, ObjectRef, Snapshot, StoredObject, TypeState, Value as Stored,
};
use crate::plan::query::atoms;
use crate::plan::SectionInput;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use reqwest::{Method, Url};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Objects a page of AQL results holds.
const PAGE: usize = 500;
/// Values one batched look-up names.
const BATCH: usize = 100;

/// The snapshot and the object keys of the objects in it, by id.
pub async fn load(
    client: &Client,
    schema: &CloudSchema,
    key_attributes: &HashMap<String, String>,
    needed: &[String],
    inputs: &[SectionInput<'_>],
    concurrency: usize,
) -> Result<(Snapshot, HashMap<ObjectId, String>), CloudError> {
    let types: Vec<&CloudType> = needed.iter().filter_map(|n| schema.by_name(n)).collect();
    // The queries, each with the index of the type it loads.
    let mut queries: Vec<(usize, String)> = Vec::new();
    for (t, ty) in types.iter().enumerate() {
        let all = format!("objectTypeId = {}", ty.id);
        if key_attributes.contains_key(&ty.name) {
            queries.push((t, all));
            continue;
        }
        for (attribute, values) in referenced(inputs, &ty.name) {
            // A value the type has no attribute for matches nothing; the planner says so.
            if ty.attribute(&attribute).is_none() {
                continue;
            }
            let values: Vec<&String> = values.iter().collect();
            for batch in values.chunks(BATCH) {
                let mut q = format!("{all} AND {} IN (", aql::attribute(&attribute));
                for (i, v) in batch.iter().enumerate() {
                    if i > 0 {
                        q.push_str(", ");
                    }
                    aql::quote_into(&mut q, v);
                }
                q.push(')');
                queries.push((t, q));
            }
        }
    }
    let pages: Vec<(usize, Vec<Value>)> = stream::iter(
        queries
            .into_iter()
            .map(|(t, q)| async move { Ok::<_, CloudError>((t, query(client, &q).await?)) }),
    )
    .buffered(concurrency)
    .try_collect()
    .await?;
    let mut snapshot = Snapshot::default();
    let mut keys = HashMap::new();
    for ty in &types {
        snapshot.types.push(TypeState {
            def: ty.def(key_attributes.get(&ty.name).map(String::as_str)),
            objects: Vec::new(),
        });
    }
    let url = client.base().join("/object/aql")?;
    for (t, objects) in pages {
        let state = &mut snapshot.types[t];
        for object in &objects {
            let stored = stored(object, types[t], schema, &url)?;
            if keys.insert(stored.id, stored.object_key.clone()).is_none() {
                state.objects.push(stored);
            }
        }
    }
    // The store lists objects by id; so does the snapshot, whatever order the batches came in.
    for state in &mut snapshot.types {
        state.objects.sort_by_key(|o| o.id);
    }
    Ok((snapshot, keys))
}

/// The values the images look `object_type`'s objects up by, by attribute: the first term of
/// each atom (the planner checks the others).
fn referenced(
    inputs: &[SectionInput<'_>],
    object_type: &str,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_attribute: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for input in inputs {
        for (_, image) in &input.images {
            for query in image.references.values().flatten() {
                if query.object_type != object_type {
                    continue;
                }
                for atom in atoms(&query.aql).unwrap_or_default() {
                    if let Some((attribute, value)) = atom.terms.into_iter().next() {
                        by_attribute.entry(attribute).or_default().insert(value);
                    }
                }
            }
        }
    }
    by_attribute
}

/// Every object an AQL query finds, page after page.
pub(super) async fn query(client: &Client, ql: &str) -> Result<Vec<Value>, CloudError> {
    let mut all = Vec::new();
    loop {
        let mut url: Url = client.base().join("/object/aql")?;
        url.query_pairs_mut()
            .append_pair("startAt", &all.len().to_string())
            .append_pair("maxResults", &PAGE.to_string())
            .append_pair("includeAttributes", "true");
        let body = client
            .send(Method::POST, &url, Some(&json!({ "qlQuery": ql })))
            .await?
            .json()?;
        let values = array(&body, "values", &url)?;
        let last = body
            .get("isLast")
            .and_then(Value::as_bool)
            .unwrap_or(values.len() < PAGE);
        let got = values.len();
        all.extend(values.iter().cloned());
        if last || got == 0 {
            return Ok(all);
        }
    }
}

/// An object of an AQL answer as the planner sees it.
pub(super) fn stored(
    object: &Value,
    ty: &CloudType,
    schema: &CloudSchema,
    url: &Url,
) -> Result<StoredObject, CloudError> {
    let id = object_id(&id_of(object.get("id"), url)?, url)?;
    let def_attributes: Vec<_> = ty.attributes.iter().filter(|a| !a.system).collect();
    let mut values = vec![Vec::new(); def_attributes.len()];
    for attribute in object
        .get("attributes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let attribute_id = id_of(attribute.get("objectTypeAttributeId"), url)?;
        let Some(index) = def_attributes.iter().position(|a| a.id == attribute_id) else {
            continue;
        };
        let def = &def_attributes[index].def;
        for v in attribute
            .get("objectAttributeValues")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let value = match def.kind {
                AttributeType::Reference => {
                    let Some(r) = v.get("referencedObject") else {
                        continue;
                    };
                    let object_type = def
                        .reference
                        .clone()
                        .or_else(|| {
                            let id = id_of(r.pointer("/objectType/id"), url).ok()?;
                            schema.by_id(&id).map(|t| t.name.clone())
                        })
                        .unwrap_or_default();
                    Stored::Reference(Link {
                        target: ObjectRef::Existing(object_id(&id_of(r.get("id"), url)?, url)?),
                        object_type: Arc::from(object_type),
                        label: Arc::from(r.get("label").and_then(Value::as_str).unwrap_or("")),
                    })
                }
                kind => {
                    let Some(raw) = v.get("value").and_then(Scalar::from_json) else {
                        continue;
                    };
                    // A value Assets holds always fits its attribute; if not, it is kept as text.
                    Stored::Scalar(coerce(kind, &raw).unwrap_or(raw))
                }
            };
            values[index].push(value);
        }
    }
    Ok(StoredObject {
        id,
        object_key: object
            .get("objectKey")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        label: Arc::from(object.get("label").and_then(Value::as_str).unwrap_or("")),
        values,
    })
}
