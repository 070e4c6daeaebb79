//! Carrying out the writes over REST: `POST /object/create`, `PUT /object/{id}`,
//! `DELETE /object/{id}`, with bounded concurrency.
//!
//! Requests per object are kept low: a new object's references are sent with its create when
//! every object they point at exists already or was created in an earlier wave (waves go by
//! object type, in the plan's order); only references between objects of one type created in
//! the same run (a manager) take a second request.
//!
//! Assets has no transactions. A run that stops half way has written some objects; the next
//! run plans against what is there and finishes the work. A create whose answer was lost (a
//! timeout, a 5xx, a broken connection) may have happened: the object is looked up by its key
//! before the create is sent again, so nothing is created twice.

use super::schema::{CloudSchema, CloudType};
use super::snapshot::query;
use super::{id_of, object_id, CloudError};
use crate::apply::{stop, Create, Update, Writes};
use crate::http::Client;
use crate::lang::aql;
use crate::plan::model::{ObjectId, ObjectRef, Value as Stored};
use futures_util::stream::{self, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub struct Run<'a> {
    pub client: &'a Client,
    pub schema: &'a CloudSchema,
    pub key_attributes: &'a HashMap<String, String>,
    /// Object keys by id: those loaded, and those this run creates.
    pub keys: &'a Mutex<HashMap<ObjectId, String>>,
    pub concurrency: usize,
}

/// What a run failed with, and how many objects it had written by then.
type Failed = (CloudError, usize);

/// The object types of the new objects, in the order they are created: a type whose new
/// objects link to another type's new objects comes after it (the types of a cycle, in plan
/// order).
fn waves<'w>(
    writes: &Writes<'w>,
    links: &HashMap<u32, &Update<'_>>,
    type_of: &HashMap<u32, &'w str>,
) -> Vec<&'w str> {
    let mut types: Vec<&str> = Vec::new();
    let mut after: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in &writes.creates {
        if !types.contains(&c.object_type) {
            types.push(c.object_type);
        }
        let targets = links
            .get(&c.new)
            .into_iter()
            .flat_map(|u| u.values.iter().flat_map(|(_, v)| v.iter()));
        for v in targets {
            if let Stored::Reference(link) = v {
                if let ObjectRef::New(m) = link.target {
                    if let Some(t) = type_of.get(&m).filter(|t| **t != c.object_type) {
                        let needs = after.entry(c.object_type).or_default();
                        if !needs.contains(t) {
                            needs.push(t);
                        }
                    }
                }
            }
        }
    }
    let mut order: Vec<&str> = Vec::with_capacity(types.len());
    while order.len() < types.len() {
        let ready = types.iter().copied().find(|t| {
            !order.contains(t)
                && after
                    .get(t)
                    .is_none_or(|needs| needs.iter().all(|n| order.contains(n)))
        });
        // In a cycle, the first type left goes next; its links to the others wait for the
        // update pass.
        let next = ready.or_else(|| types.iter().copied().find(|t| !order.contains(t)));
        order.extend(next);
    }
    order
}

impl Run<'_> {
    /// Carries out the writes; `Ok(Some(n))` when the run was asked to stop and did, after `n`
    /// writes, with every request it had sent answered.
    pub async fn all(
        &self,
        writes: &Writes<'_>,
        progress: &dyn Fn(usize, usize),
    ) -> Result<Option<usize>, Failed> {
        let created: &Mutex<HashMap<u32, ObjectId>> = &Mutex::new(HashMap::new());

        // Which type each new object has, and the wave its type is created in.
        let type_of: HashMap<u32, &str> = writes
            .creates
            .iter()
            .map(|c| (c.new, c.object_type))
            .collect();
        // A new object's links go with its create when they point at objects that exist by
        // then.
        let links: HashMap<u32, &Update<'_>> = writes
            .updates
            .iter()
            .filter_map(|u| match u.object {
                ObjectRef::New(n) => Some((n, u)),
                ObjectRef::Existing(_) => None,
            })
            .collect();
        let waves = waves(writes, &links, &type_of);
        let wave = |ty: &str| waves.iter().position(|w| *w == ty).unwrap_or(usize::MAX);
        let joins = |c: &Create<'_>| -> bool {
            links.get(&c.new).is_some_and(|u| {
                u.values
                    .iter()
                    .flat_map(|(_, v)| v.iter())
                    .all(|v| match v {
                        Stored::Reference(l) => match l.target {
                            ObjectRef::Existing(_) => true,
                            ObjectRef::New(m) => type_of
                                .get(&m)
                                .is_some_and(|t| wave(t) < wave(c.object_type)),
                        },
                        Stored::Scalar(_) => true,
                    })
            })
        };

        // The new objects whose links go with their create, decided once.
        let joined: HashSet<u32> = writes
            .creates
            .iter()
            .filter(|c| joins(c))
            .map(|c| c.new)
            .collect();
        // A joined object's links take no request of their own.
        let total = writes.len() - joined.len();
        let written = AtomicUsize::new(0);
        let done = || {
            let n = written.fetch_add(1, Ordering::Relaxed) + 1;
            progress(n, total);
        };
        // No new request once the run is asked to stop; those in flight are let finish.
        let stopped = || stop::requested().then(|| written.load(Ordering::Relaxed));
        let fail = |e: CloudError| (e, written.load(Ordering::Relaxed));

        for ty in &waves {
            let creates = writes
                .creates
                .iter()
                .filter(|c| c.object_type == *ty)
                .take_while(|_| !stop::requested());
            let mut results = stream::iter(creates.map(|c| {
                let with_links = joined.contains(&c.new).then(|| links[&c.new]);
                async move {
                    let id = self.create(c, with_links, created).await?;
                    Ok::<_, CloudError>((c.new, id))
                }
            }))
            .buffer_unordered(self.concurrency);
            while let Some(result) = results.next().await {
                let (new, id) = result.map_err(fail)?;
                created
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(new, id);
                done();
            }
            if let Some(n) = stopped() {
                return Ok(Some(n));
            }
        }

        let rest = writes
            .updates
            .iter()
            .filter(|u| match u.object {
                ObjectRef::New(n) => !joined.contains(&n),
                ObjectRef::Existing(_) => true,
            })
            .take_while(|_| !stop::requested());
        let mut results =
            stream::iter(rest.map(|u| self.update(u, created))).buffer_unordered(self.concurrency);
        while let Some(result) = results.next().await {
            result.map_err(fail)?;
            done();
        }
        if let Some(n) = stopped() {
            return Ok(Some(n));
        }

        let mut results = stream::iter(
            writes
                .deletes
                .iter()
                .take_while(|_| !stop::requested())
                .map(|(object, _)| {
                    async move {
                        let id = self.resolve(*object, created)?;
                        let url = self.client.base().join(&format!("/object/{id}"))?;
                        match self.client.send(Method::DELETE, &url, None).await {
                            Ok(_) => Ok(()),
                            // Gone already: a run before this one deleted it and stopped.
                            Err(e) if e.status_code() == Some(StatusCode::NOT_FOUND) => Ok(()),
                            Err(e) => Err(CloudError::from(e)),
                        }
                    }
                }),
        )
        .buffer_unordered(self.concurrency);
        while let Some(result) = results.next().await {
            result.map_err(fail)?;
            done();
        }
        // The same count the progress bar ends at.
        tracing::debug!(
            "wrote {} of {total} writes",
            written.load(Ordering::Relaxed)
        );
        Ok(stopped())
    }

    fn cloud_type(&self, name: &str) -> Result<&CloudType, CloudError> {
        self.schema.by_name(name).ok_or_else(|| {
            CloudError::Schema(format!("the Assets schema has no object type `{name}`"))
        })
    }

    fn resolve(
        &self,
        object: ObjectRef,
        created: &Mutex<HashMap<u32, ObjectId>>,
    ) -> Result<ObjectId, CloudError> {
        match object {
            ObjectRef::Existing(id) => Ok(id),
            ObjectRef::New(n) => created
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&n)
                .copied()
                .ok_or_else(|| {
                    CloudError::Schema("an object this run creates was not created".to_string())
                }),
        }
    }

    /// The request body: the type and the attributes with their values. A reference is
    /// written as the referenced object's key.
    fn body(
        &self,
        ty: &CloudType,
        values: &[(&str, &[Stored])],
        created: &Mutex<HashMap<u32, ObjectId>>,
    ) -> Result<Value, CloudError> {
        let mut attributes = Vec::with_capacity(values.len());
        for (name, vs) in values {
            let attribute = ty.attribute(name).ok_or_else(|| {
                CloudError::Schema(format!(
                    "object type `{}` has no attribute `{name}` in Assets",
                    ty.name
                ))
            })?;
            let mut out = Vec::with_capacity(vs.len());
            for v in *vs {
                let text = match v {
                    Stored::Scalar(s) => s.text().into_owned(),
                    Stored::Reference(link) => {
                        let id = self.resolve(link.target, created)?;
                        self.keys
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .get(&id)
                            .cloned()
                            .unwrap_or_else(|| id.to_string())
                    }
                };
                out.push(json!({ "value": text }));
            }
            attributes.push(json!({
                "objectTypeAttributeId": attribute.id,
                "objectAttributeValues": out,
            }));
        }
        Ok(json!({ "objectTypeId": ty.id, "attributes": attributes }))
    }

    async fn create(
        &self,
        create: &Create<'_>,
        links: Option<&Update<'_>>,
        created: &Mutex<HashMap<u32, ObjectId>>,
    ) -> Result<ObjectId, CloudError> {
        let ty = self.cloud_type(create.object_type)?;
        let mut values = create.values.clone();
        if let Some(links) = links {
            values.extend(links.values.iter().copied());
        }
        let body = self.body(ty, &values, created)?;
        let url = self.client.base().join("/object/create")?;
        let mut delays = self.client.backoff();
        loop {
            let error = match self.client.send_once(Method::POST, &url, Some(&body)).await {
                Ok(response) => {
                    let object = response.json()?;
                    return self.remember(&object, &url);
                }
                Err(e) => e,
            };
            if !error.is_transient() {
                return Err(error.into());
            }
            let Some(delay) = delays.next() else {
                return Err(error.into());
            };
            tokio::time::sleep(error.wait_hint().unwrap_or(delay)).await;
            // A 429 was turned away before anything happened; any other failure may have
            // come after the object was made.
            if error.status_code() != Some(StatusCode::TOO_MANY_REQUESTS) {
                if let Some(id) = self.find(ty, create).await? {
                    tracing::info!("{error}; the object was created all the same (id {id})");
                    return Ok(id);
                }
            }
            tracing::info!("{error}; creating the object again");
        }
    }

    /// The object a lost create made, by the key attribute's value.
    async fn find(
        &self,
        ty: &CloudType,
        create: &Create<'_>,
    ) -> Result<Option<ObjectId>, CloudError> {
        let Some(key) = self.key_attributes.get(&ty.name) else {
            return Ok(None);
        };
        let Some(value) = create
            .values
            .iter()
            .find(|(name, _)| *name == key.as_str())
            .and_then(|(_, v)| v.first())
        else {
            return Ok(None);
        };
        let mut ql = format!("objectTypeId = {} AND {} = ", ty.id, aql::attribute(key));
        aql::quote_into(&mut ql, &value.text());
        let url = self.client.base().join("/object/aql")?;
        match query(self.client, &ql).await?.first() {
            Some(object) => self.remember(object, &url).map(Some),
            None => Ok(None),
        }
    }

    fn remember(&self, object: &Value, url: &reqwest::Url) -> Result<ObjectId, CloudError> {
        let id = object_id(&id_of(object.get("id"), url)?, url)?;
        if let Some(key) = object.get("objectKey").and_then(Value::as_str) {
            self.keys
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, key.to_string());
        }
        Ok(id)
    }

    async fn update(
        &self,
        update: &Update<'_>,
        created: &Mutex<HashMap<u32, ObjectId>>,
    ) -> Result<(), CloudError> {
        let ty = self.cloud_type(update.object_type)?;
        let id = self.resolve(update.object, created)?;
        let body = self.body(ty, &update.values, created)?;
        let url = self.client.base().join(&format!("/object/{id}"))?;
        // An update says what the attributes hold: sending it twice does no harm.
        self.client.send(Method::PUT, &url, Some(&body)).await?;
        Ok(())
    }
}
