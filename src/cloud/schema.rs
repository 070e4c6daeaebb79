//! The Assets schema as the REST API describes it: object schemas, their object types, and each
//! type's attributes, turned into the planner's [`TypeDef`]s with the ids writes need.
//!
//! Attribute `type` 0 is a default type (`defaultType.id`, see
//! [`AttributeType::from_default_type`]), 1 a reference (`referenceObjectTypeId`), 2 a user.
//! System attributes (Key, Created, Updated) are read but never written.

use super::{id_of, CloudError};
use crate::http::Client;
use crate::plan::model::{AttributeDef, AttributeType, TypeDef};
use crate::plan::SchemaChange;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct CloudAttribute {
    pub id: String,
    pub def: AttributeDef,
    pub system: bool,
    /// As Assets described it, for the mapping compiler's schema.
    raw: Value,
}

#[derive(Debug, Clone)]
pub struct CloudType {
    pub id: String,
    pub name: String,
    /// Filled for the types a run needs.
    pub attributes: Vec<CloudAttribute>,
}

impl CloudType {
    /// The planner's view: the attributes a mapping can write, keyed by `key`.
    pub fn def(&self, key: Option<&str>) -> TypeDef {
        TypeDef {
            name: self.name.clone(),
            key_attribute: key.map(str::to_string),
            attributes: self
                .attributes
                .iter()
                .filter(|a| !a.system)
                .map(|a| a.def.clone())
                .collect(),
        }
    }

    pub fn attribute(&self, name: &str) -> Option<&CloudAttribute> {
        self.attributes
            .iter()
            .find(|a| !a.system && a.def.name == name)
    }
}

/// The object types of every object schema the credential can see.
#[derive(Debug, Clone, Default)]
pub struct CloudSchema {
    pub types: Vec<CloudType>,
}

impl CloudSchema {
    pub fn by_name(&self, name: &str) -> Option<&CloudType> {
        self.types.iter().find(|t| t.name == name)
    }

    pub fn by_id(&self, id: &str) -> Option<&CloudType> {
        self.types.iter().find(|t| t.id == id)
    }

    /// The schema as the mapping compiler reads `--schema`: so that a reference attribute's
    /// object type is the one Assets gives it, and names are checked against Assets'.
    pub fn lang(&self) -> crate::lang::Schema {
        crate::lang::Schema {
            object_types: self
                .types
                .iter()
                .filter(|t| !t.attributes.is_empty())
                .map(|t| crate::lang::schema::ObjectType {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    attributes: t
                        .attributes
                        .iter()
                        .filter(|a| !a.system)
                        .filter_map(|a| serde_json::from_value(a.raw.clone()).ok())
                        .collect(),
                })
                .collect(),
        }
    }

    /// Reads the object schemas and their types, and the attributes of the types named and of
    /// the types their references point at.
    pub async fn load(client: &Client, needed: &[String]) -> Result<CloudSchema, CloudError> {
        let mut schema = CloudSchema::default();
        let list = client.base().join("/objectschema/list?maxResults=1000")?;
        let schemas = client.get(&list).await?.json()?;
        let values = array(&schemas, "values", &list)?;
        for object_schema in values {
            let id = id_of(object_schema.get("id"), &list)?;
            let url = client
                .base()
                .join(&format!("/objectschema/{id}/objecttypes/flat"))?;
            let types = client.get(&url).await?.json()?;
            let Value::Array(types) = types else {
                return Err(CloudError::shape(&url, "the object types are not an array"));
            };
            for t in &types {
                let name = t.get("name").and_then(Value::as_str).unwrap_or_default();
                let id = id_of(t.get("id"), &url)?;
                if schema.by_name(name).is_some() {
                    return Err(CloudError::Schema(format!(
                        "several object schemas have an object type named `{name}`; assetsync cannot tell which one a mapping means"
                    )));
                }
                schema.types.push(CloudType {
                    id,
                    name: name.to_string(),
                    attributes: Vec::new(),
                });
            }
        }
        let mut wanted: Vec<String> = needed.to_vec();
        let mut i = 0;
        while i < schema.types.len() {
            if !wanted.contains(&schema.types[i].name) || !schema.types[i].attributes.is_empty() {
                i += 1;
                continue;
            }
            let url = client
                .base()
                .join(&format!("/objecttype/{}/attributes", schema.types[i].id))?;
            let body = client.get(&url).await?.json()?;
            let Value::Array(attributes) = body else {
                return Err(CloudError::shape(&url, "the attributes are not an array"));
            };
            let mut read = Vec::with_capacity(attributes.len());
            for a in &attributes {
                read.push(schema.attribute(a, &url)?);
            }
            let referenced: Vec<String> = read
                .iter()
                .filter_map(|a| a.def.reference.clone())
                .filter(|r| !wanted.contains(r))
                .collect();
            schema.types[i].attributes = read;
            if referenced.is_empty() {
                i += 1;
            } else {
                // Types referenced from here are read too; the scan starts over to reach them.
                wanted.extend(referenced);
                i = 0;
            }
        }
        Ok(schema)
    }

    fn attribute(&self, a: &Value, url: &reqwest::Url) -> Result<CloudAttribute, CloudError> {
        let int = |k: &str| a.get(k).and_then(Value::as_i64);
        let flag = |k: &str| a.get(k).and_then(Value::as_bool).unwrap_or(false);
        let kind = match int("type").unwrap_or(0) {
            0 => AttributeType::from_default_type(
                a.pointer("/defaultType/id")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
            ),
            1 => AttributeType::Reference,
            2 => AttributeType::User,
            _ => AttributeType::Text,
        };
        let reference = match kind {
            AttributeType::Reference => {
                let id = id_of(a.get("referenceObjectTypeId"), url)?;
                let name = self
                    .by_id(&id)
                    .map(|t| t.name.clone())
                    .or_else(|| {
                        a.pointer("/referenceObjectType/name")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .ok_or_else(|| {
                        CloudError::shape(url, "a reference attribute names an unknown object type")
                    })?;
                Some(name)
            }
            _ => None,
        };
        Ok(CloudAttribute {
            id: id_of(a.get("id"), url)?,
            system: flag("system"),
            raw: a.clone(),
            def: AttributeDef {
                name: a
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                kind,
                reference,
                min_cardinality: int("minimumCardinality").unwrap_or(0).max(0) as u32,
                max_cardinality: match int("maximumCardinality") {
                    Some(n) if n >= 0 => Some(n as u32),
                    Some(_) => None,
                    None => Some(1),
                },
                unique: flag("uniqueAttribute"),
                label: flag("label"),
            },
        })
    }

    /// Assets' schema belongs to its admins: a plan that would create an object type or an
    /// attribute there is refused, with the names the schema has.
    pub fn refuse_changes(&self, changes: &[SchemaChange]) -> Vec<String> {
        let mut problems = Vec::new();
        for change in changes {
            match change {
                SchemaChange::CreateObjectType { object_type } => {
                    let names = self.types.iter().map(|t| t.name.as_str());
                    problems.push(format!(
                        "the Assets schema has no object type `{object_type}`; {}",
                        hint(object_type, names, "its object types are")
                    ));
                }
                SchemaChange::CreateAttribute {
                    object_type,
                    attribute,
                } => {
                    let names = self
                        .by_name(object_type)
                        .into_iter()
                        .flat_map(|t| t.attributes.iter().filter(|a| !a.system))
                        .map(|a| a.def.name.as_str());
                    problems.push(format!(
                        "object type `{object_type}` has no attribute `{}` in Assets; {}",
                        attribute.name,
                        hint(&attribute.name, names, "its attributes are")
                    ));
                }
                // Which attribute keys a type is the mapping's choice; Assets keeps no record of it.
                SchemaChange::SetKeyAttribute { .. } => {}
            }
        }
        problems
    }
}

fn hint<'a>(name: &str, names: impl Iterator<Item = &'a str> + Clone, lead: &str) -> String {
    crate::diag::did_you_mean(name, names.clone()).unwrap_or_else(|| {
        let all: Vec<String> = names.map(|n| format!("`{n}`")).collect();
        if all.is_empty() {
            "it has none".to_string()
        } else {
            format!("{lead} {}", all.join(", "))
        }
    })
}

pub(super) fn array<'v>(
    body: &'v Value,
    key: &str,
    url: &reqwest::Url,
) -> Result<&'v Vec<Value>, CloudError> {
    body.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| CloudError::shape(url, &format!("the response has no `{key}` array")))
}
