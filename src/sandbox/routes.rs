//! The endpoints: request → store → answer. Whatever a client sends (bad JSON, unknown ids, a
//! query the sandbox cannot run) is answered with a 4xx and Atlassian's error body, never a
//! panic.

use super::shapes::{self, email_of, system_attribute, Shapes, SCHEMA_ID};
use super::{Reply, Sandbox, BASE_PATH};
use crate::plan::model::AttributeType;
use crate::store::{AttributeInput, ObjectError, TypeEntry};
use axum::http::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;

/// Assets' page size when `maxResults` is not given.
const DEFAULT_PAGE: usize = 25;

pub async fn route(
    sandbox: &Arc<Sandbox>,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> Reply {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if path == "/rest/api/3/user/search" && method == Method::GET {
        let email = param("query").unwrap_or_default().trim();
        if email.is_empty() {
            return Reply::json(StatusCode::OK, Value::Array(Vec::new()));
        }
        let shapes = Shapes {
            origin: &sandbox.origin,
            base: &sandbox.base,
            clock: &sandbox.clock,
            types: &[],
        };
        return Reply::json(StatusCode::OK, shapes.user_search(email));
    }
    let Some(rest) = path.strip_prefix(BASE_PATH) else {
        return not_found(path);
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (method.clone(), segments.as_slice()) {
        (Method::GET, ["objectschema", "list"]) => {
            sandbox
                .with_store(|_, shapes| Reply::json(StatusCode::OK, shapes.schema_list()))
                .await
        }
        (Method::GET, ["objectschema", id, "objecttypes", "flat"]) => {
            if *id != SCHEMA_ID {
                return Reply::error(
                    StatusCode::NOT_FOUND,
                    format!("No object schema has the id {id}; the sandbox has one, with the id {SCHEMA_ID}"),
                );
            }
            sandbox
                .with_store(|_, shapes| {
                    let types = shapes.types.iter().map(|t| shapes.object_type(t)).collect();
                    Reply::json(StatusCode::OK, Value::Array(types))
                })
                .await
        }
        (Method::GET, ["objecttype", id]) => {
            let id = id.to_string();
            sandbox
                .with_store(move |_, shapes| match find_type(shapes.types, &id) {
                    Some(t) => Reply::json(StatusCode::OK, shapes.object_type(t)),
                    None => no_type(&id),
                })
                .await
        }
        (Method::GET, ["objecttype", id, "attributes"]) => {
            let id = id.to_string();
            sandbox
                .with_store(move |_, shapes| match find_type(shapes.types, &id) {
                    Some(t) => Reply::json(StatusCode::OK, shapes.attributes(t)),
                    None => no_type(&id),
                })
                .await
        }
        (Method::POST, ["object", "aql"]) => {
            let start = match number(param("startAt"), "startAt", 0) {
                Ok(n) => n,
                Err(reply) => return reply,
            };
            let max = match number(param("maxResults"), "maxResults", DEFAULT_PAGE) {
                Ok(n) => n,
                Err(reply) => return reply,
            };
            let with_attributes = param("includeAttributes").is_none_or(|v| v != "false");
            let aql = match ql_query(body) {
                Ok(q) => q,
                Err(reply) => return reply,
            };
            sandbox
                .with_store(
                    move |store, shapes| match store.find_objects(&aql, start, max) {
                        Ok(page) => Reply::json(
                            StatusCode::OK,
                            shapes.aql_page(start, max, page.total, &page.objects, with_attributes),
                        ),
                        Err(e) => refused(e, StatusCode::BAD_REQUEST),
                    },
                )
                .await
        }
        (Method::POST, ["object", "create"]) => {
            let input = match object_body(body) {
                Ok(b) => b,
                Err(reply) => return reply,
            };
            let Some(object_type) = input.object_type_id else {
                return invalid(
                    "objectTypeId",
                    "the object type of the new object is missing",
                );
            };
            sandbox
                .with_store(move |store, shapes| {
                    let values = accounts_to_addresses(shapes.types, input.attributes);
                    match store.create_object(object_type, &values) {
                        Ok(o) => Reply::json(StatusCode::CREATED, shapes.object(&o, true)),
                        Err(e) => refused(e, StatusCode::BAD_REQUEST),
                    }
                })
                .await
        }
        (Method::GET, ["object", id]) => {
            let Some(id) = object_id(id) else {
                return no_object(id);
            };
            sandbox
                .with_store(move |store, shapes| match store.object(id) {
                    Ok(Some(o)) => Reply::json(StatusCode::OK, shapes.object(&o, true)),
                    Ok(None) => no_object(&id.to_string()),
                    Err(e) => refused(e.into(), StatusCode::NOT_FOUND),
                })
                .await
        }
        (Method::PUT, ["object", id]) => {
            let Some(id) = object_id(id) else {
                return no_object(id);
            };
            let input = match object_body(body) {
                Ok(b) => b,
                Err(reply) => return reply,
            };
            sandbox
                .with_store(move |store, shapes| {
                    let values = accounts_to_addresses(shapes.types, input.attributes);
                    match store.update_object(id, input.object_type_id, &values) {
                        Ok(o) => Reply::json(StatusCode::OK, shapes.object(&o, true)),
                        Err(e) => refused(e, StatusCode::BAD_REQUEST),
                    }
                })
                .await
        }
        (Method::DELETE, ["object", id]) => {
            let Some(id) = object_id(id) else {
                return no_object(id);
            };
            sandbox
                .with_store(move |store, _| match store.delete_object(id) {
                    Ok(()) => Reply::empty(StatusCode::NO_CONTENT),
                    Err(e) => refused(e, StatusCode::BAD_REQUEST),
                })
                .await
        }
        _ => not_found(path),
    }
}

fn find_type<'t>(types: &'t [TypeEntry], id: &str) -> Option<&'t TypeEntry> {
    let id: i64 = id.parse().ok()?;
    types.iter().find(|t| t.id == id)
}

fn object_id(text: &str) -> Option<i64> {
    text.parse().ok().filter(|id: &i64| *id > 0)
}

fn not_found(path: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        format!("The sandbox has no endpoint {path}"),
    )
}

fn no_type(id: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        format!("No object type has the id {id}"),
    )
}

fn no_object(id: &str) -> Reply {
    Reply::error(StatusCode::NOT_FOUND, format!("No object has the id {id}"))
}

fn invalid(field: &str, message: &str) -> Reply {
    Reply::json(
        StatusCode::BAD_REQUEST,
        shapes::error(&[], &[(field.to_string(), message.to_string())]),
    )
}

/// How a refusal of the store is answered; `missing` is the status of an unknown object type or
/// object (404 where the id is in the path, 400 where it is in the body).
fn refused(e: ObjectError, missing: StatusCode) -> Reply {
    match &e {
        ObjectError::UnknownType(_) => Reply::error(missing, e.to_string()),
        ObjectError::UnknownObject(_) => Reply::error(StatusCode::NOT_FOUND, e.to_string()),
        ObjectError::UnknownAttribute { .. } => invalid("objectTypeAttributeId", &e.to_string()),
        ObjectError::Invalid { attribute, message } => invalid(attribute, message),
        ObjectError::Query { .. } => Reply::error(StatusCode::BAD_REQUEST, e.to_string()),
        ObjectError::Store(_) => Reply::error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// `startAt`, `maxResults`: absent is `default`; anything but a whole number is refused.
fn number(text: Option<&str>, name: &str, default: usize) -> Result<usize, Reply> {
    match text {
        None | Some("") => Ok(default),
        Some(t) => t
            .parse()
            .map_err(|_| invalid(name, &format!("`{t}` is not a whole number of 0 or more"))),
    }
}

fn json_body(body: &[u8]) -> Result<Value, Reply> {
    serde_json::from_slice(body).map_err(|e| {
        Reply::error(
            StatusCode::BAD_REQUEST,
            format!("The request body is not JSON: {e}"),
        )
    })
}

fn ql_query(body: &[u8]) -> Result<String, Reply> {
    let body = json_body(body)?;
    match body.get("qlQuery") {
        Some(Value::String(q)) => Ok(q.clone()),
        _ => Err(invalid(
            "qlQuery",
            "the body needs the AQL as a string: {\"qlQuery\": \"objectType = \\\"Users\\\"\"}",
        )),
    }
}

/// The body of `POST /object/create` and `PUT /object/{id}`.
struct ObjectBody {
    object_type_id: Option<i64>,
    attributes: Vec<AttributeInput>,
}

/// An id as Assets sends it: a string of digits, or a number.
fn id_of(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn object_body(body: &[u8]) -> Result<ObjectBody, Reply> {
    let body = json_body(body)?;
    let Value::Object(body) = body else {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON object: {\"objectTypeId\": \"…\", \"attributes\": […]}"
                .to_string(),
        ));
    };
    let object_type_id = match body.get("objectTypeId") {
        None | Some(Value::Null) => None,
        Some(v) => {
            Some(id_of(v).ok_or_else(|| invalid("objectTypeId", &format!("`{v}` is not an id")))?)
        }
    };
    let attributes = match body.get("attributes") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(list)) => list.as_slice(),
        Some(_) => return Err(invalid("attributes", "`attributes` must be a list")),
    };
    let mut out = Vec::with_capacity(attributes.len());
    for a in attributes {
        let id = a
            .get("objectTypeAttributeId")
            .and_then(id_of)
            .ok_or_else(|| {
                invalid(
                    "objectTypeAttributeId",
                    &format!("an attribute without a valid `objectTypeAttributeId`: {a}"),
                )
            })?;
        if let Some(name) = system_attribute(id) {
            return Err(invalid(
                name,
                &format!("`{name}` is set by Assets and cannot be written"),
            ));
        }
        let values = match a.get("objectAttributeValues") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(list)) => list.as_slice(),
            Some(_) => {
                return Err(invalid(
                    "objectAttributeValues",
                    &format!("`objectAttributeValues` of attribute {id} must be a list"),
                ))
            }
        };
        let mut texts = Vec::with_capacity(values.len());
        for v in values {
            let text = match v.get("value") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Bool(b)) => b.to_string(),
                _ => {
                    return Err(invalid(
                        "objectAttributeValues",
                        &format!("a value of attribute {id} without a `value`: {v}"),
                    ))
                }
            };
            texts.push(text);
        }
        out.push((id, texts));
    }
    Ok(ObjectBody {
        object_type_id,
        attributes: out,
    })
}

/// User attributes keep the address that an account id was made from, as an embedded import
/// keeps the address it was given.
fn accounts_to_addresses(types: &[TypeEntry], values: Vec<AttributeInput>) -> Vec<AttributeInput> {
    values
        .into_iter()
        .map(|(id, texts)| {
            let user = types
                .iter()
                .flat_map(|t| &t.attributes)
                .any(|a| a.id == id && a.kind == AttributeType::User);
            if !user {
                return (id, texts);
            }
            let texts = texts
                .into_iter()
                .map(|t| email_of(&t).unwrap_or(t))
                .collect();
            (id, texts)
        })
        .collect()
}
