//! The JSON the sandbox answers, in the shapes of the Assets Cloud REST API and Jira's user
//! search (recorded in `fixtures/assets-cloud/`). Ids are strings where Atlassian's are.
//!
//! What the store does not keep (icons, avatars, times of creation) is answered with fixed
//! values, so that every field a client may read is there.

use super::{Clock, WORKSPACE_ID};
use crate::plan::model::AttributeType;
use crate::store::{
    AttributeEntry, EntryValue, LinkedObject, ObjectEntry, TypeEntry, SYSTEM_ATTRIBUTES,
};
use serde_json::{json, Map, Value};

pub const SCHEMA_ID: &str = "1";
const SCHEMA_KEY: &str = "SBX";
const SCHEMA_NAME: &str = "Sandbox";

/// Ids of the system attributes Key, Created and Updated: above any id the store hands out, one
/// set per object type.
const SYSTEM_IDS: i64 = 1_000_000_000;
/// Indexes into [`SYSTEM_ATTRIBUTES`].
const KEY: usize = 0;
const CREATED: usize = 1;
const UPDATED: usize = 2;

/// The id of system attribute `which` (`KEY`, `CREATED`, `UPDATED`) of an object type.
fn system_id(object_type: i64, which: usize) -> i64 {
    SYSTEM_IDS + object_type * 4 + which as i64
}

/// The name of the system attribute with this id, if it is one.
pub fn system_attribute(id: i64) -> Option<&'static str> {
    if id < SYSTEM_IDS {
        return None;
    }
    SYSTEM_ATTRIBUTES
        .get(((id - SYSTEM_IDS) % 4) as usize)
        .copied()
}

/// Where the answers point: the sandbox's own addresses, its start time and the store's types.
pub struct Shapes<'a> {
    /// `http://127.0.0.1:PORT`
    pub origin: &'a str,
    /// `http://127.0.0.1:PORT/jsm/assets/workspace/sandbox/v1`
    pub base: &'a str,
    pub clock: &'a Clock,
    pub types: &'a [TypeEntry],
}

fn global(id: impl std::fmt::Display) -> String {
    format!("{WORKSPACE_ID}:{id}")
}

/// Atlassian's error body: messages about the request, and messages per field.
pub fn error(messages: &[String], errors: &[(String, String)]) -> Value {
    let errors: Map<String, Value> = errors
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({ "errorMessages": messages, "errors": errors })
}

/// `sandbox-` and the hex of the address: the same user for the same address, and the address
/// can be read back from the id (a user attribute keeps the address, as an embedded import does).
pub fn account_id(email: &str) -> String {
    let mut id = String::with_capacity(8 + 2 * email.len());
    id.push_str("sandbox-");
    for b in email.bytes() {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// The address an [`account_id`] was made from.
pub fn email_of(account_id: &str) -> Option<String> {
    let hex = account_id.strip_prefix("sandbox-")?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

impl Shapes<'_> {
    fn type_of(&self, id: i64) -> Option<&TypeEntry> {
        self.types.iter().find(|t| t.id == id)
    }

    fn icon(&self) -> Value {
        json!({
            "id": "1",
            "name": SCHEMA_NAME,
            "url16": format!("{}/icon/1/icon.png?size=16", self.base),
            "url48": format!("{}/icon/1/icon.png?size=48", self.base),
        })
    }

    /// `GET /objectschema/list`: one schema holding every object type.
    pub fn schema_list(&self) -> Value {
        let objects: usize = self.types.iter().map(|t| t.objects).sum();
        json!({
            "startAt": 0,
            "maxResults": 25,
            "total": 1,
            "isLast": true,
            "values": [{
                "workspaceId": WORKSPACE_ID,
                "globalId": global(SCHEMA_ID),
                "id": SCHEMA_ID,
                "name": SCHEMA_NAME,
                "objectSchemaKey": SCHEMA_KEY,
                "status": "Ok",
                "description": "Every object type of the assetsync store",
                "created": self.clock.iso,
                "updated": self.clock.iso,
                "objectCount": objects,
                "objectTypeCount": self.types.len(),
                "canManage": true,
            }],
        })
    }

    pub fn object_type(&self, t: &TypeEntry) -> Value {
        let position = self.types.iter().position(|x| x.id == t.id).unwrap_or(0);
        json!({
            "workspaceId": WORKSPACE_ID,
            "globalId": global(t.id),
            "id": t.id.to_string(),
            "name": t.name,
            "type": 0,
            "description": "",
            "icon": self.icon(),
            "position": position,
            "created": self.clock.iso,
            "updated": self.clock.iso,
            "objectCount": t.objects,
            "objectSchemaId": SCHEMA_ID,
            "inherited": false,
            "abstractObjectType": false,
            "parentObjectTypeInherited": false,
        })
    }

    /// `GET /objecttype/{id}/attributes`: Key, the store's attributes, Created and Updated.
    pub fn attributes(&self, t: &TypeEntry) -> Value {
        let after = t.attributes.len() + 1;
        let mut out = vec![self.system_attribute(t, KEY, 0)];
        out.extend(t.attributes.iter().map(|a| self.attribute(t, a)));
        out.push(self.system_attribute(t, CREATED, after));
        out.push(self.system_attribute(t, UPDATED, after + 1));
        Value::Array(out)
    }

    fn attribute_head(&self, t: &TypeEntry, id: i64, name: &str, position: usize) -> Value {
        json!({
            "workspaceId": WORKSPACE_ID,
            "globalId": global(id),
            "id": id.to_string(),
            "objectType": self.object_type(t),
            "name": name,
            "label": false,
            "type": 0,
            "description": "",
            "editable": true,
            "system": false,
            "sortable": true,
            "summable": false,
            "indexed": true,
            "minimumCardinality": 0,
            "maximumCardinality": 1,
            "removable": true,
            "hidden": false,
            "includeChildObjectTypes": false,
            "uniqueAttribute": false,
            "options": "",
            "position": position,
        })
    }

    fn system_attribute(&self, t: &TypeEntry, which: usize, position: usize) -> Value {
        let mut a = self.attribute_head(
            t,
            system_id(t.id, which),
            SYSTEM_ATTRIBUTES[which],
            position,
        );
        a["defaultType"] = if which == KEY {
            json!({ "id": 0, "name": "Text" })
        } else {
            json!({ "id": 6, "name": "DateTime" })
        };
        a["editable"] = json!(false);
        a["system"] = json!(true);
        a["removable"] = json!(false);
        a["minimumCardinality"] = json!(1);
        a["uniqueAttribute"] = json!(which == KEY);
        a
    }

    fn attribute(&self, t: &TypeEntry, a: &AttributeEntry) -> Value {
        let mut v = self.attribute_head(t, a.id, &a.name, a.position + 1);
        v["label"] = json!(a.label);
        v["minimumCardinality"] = json!(a.min_cardinality);
        v["maximumCardinality"] = json!(a.max_cardinality.map_or(-1, i64::from));
        v["uniqueAttribute"] = json!(a.unique);
        match a.kind {
            AttributeType::Reference => {
                v["type"] = json!(1);
                v["referenceType"] = json!({
                    "workspaceId": WORKSPACE_ID,
                    "globalId": global("referencetype:1"),
                    "id": "1",
                    "name": "Link",
                    "description": "",
                    "color": "666666",
                    "url16": format!("{}/config/referencetype/1/image.png", self.base),
                    "removable": false,
                    "objectSchemaId": SCHEMA_ID,
                });
                let target = a.reference_type_id.and_then(|r| self.type_of(r));
                v["referenceObjectTypeId"] = json!(a.reference_type_id.unwrap_or(0).to_string());
                v["referenceObjectType"] = target.map_or(Value::Null, |r| self.object_type(r));
            }
            AttributeType::User => {
                v["type"] = json!(2);
                v["typeValueMulti"] = json!([]);
                v["additionalValue"] = json!("HIDE_PROFILE");
            }
            kind => v["defaultType"] = default_type(kind),
        }
        v
    }

    fn self_link(&self, id: i64) -> String {
        format!("{}/object/{id}", self.base)
    }

    /// What every object answer has, a referenced object's included.
    fn object_head(&self, id: i64, object_type: i64, key: &str, label: &str) -> Value {
        json!({
            "workspaceId": WORKSPACE_ID,
            "globalId": global(id),
            "id": id.to_string(),
            "label": label,
            "objectKey": key,
            "avatar": {
                "workspaceId": WORKSPACE_ID,
                "globalId": global(id),
                "url16": format!("{}/objecttype/{object_type}/icon.png?size=16", self.base),
                "url48": format!("{}/objecttype/{object_type}/icon.png?size=48", self.base),
                "url72": format!("{}/objecttype/{object_type}/icon.png?size=72", self.base),
                "url144": format!("{}/objecttype/{object_type}/icon.png?size=144", self.base),
                "url288": format!("{}/objecttype/{object_type}/icon.png?size=288", self.base),
                "objectId": id.to_string(),
            },
            "objectType": self.type_of(object_type).map_or(Value::Null, |t| self.object_type(t)),
            "created": self.clock.iso,
            "updated": self.clock.iso,
            "hasAvatar": false,
            "timestamp": self.clock.millis,
            "_links": { "self": self.self_link(id) },
        })
    }

    /// An object as `GET /object/{id}`, create, update and AQL answer it. Without
    /// `with_attributes`, `attributes` is empty (AQL's `includeAttributes=false`).
    pub fn object(&self, o: &ObjectEntry, with_attributes: bool) -> Value {
        let mut v = self.object_head(o.id, o.object_type_id, &o.object_key, &o.label);
        let mut attributes = Vec::new();
        if with_attributes {
            let t = self.type_of(o.object_type_id);
            let system = |which: usize, text: &str| {
                self.object_attribute(
                    o.id,
                    system_id(o.object_type_id, which),
                    vec![scalar_value(text)],
                )
            };
            attributes.push(system(KEY, &o.object_key));
            for (attribute, values) in &o.values {
                let kind = t
                    .and_then(|t| t.attribute(*attribute))
                    .map_or(AttributeType::Text, |a| a.kind);
                let values = values.iter().map(|v| self.value(kind, v)).collect();
                attributes.push(self.object_attribute(o.id, *attribute, values));
            }
            attributes.push(system(CREATED, &self.clock.iso));
            attributes.push(system(UPDATED, &self.clock.iso));
        }
        v["attributes"] = Value::Array(attributes);
        v["extendedInfo"] = json!({ "openIssuesExists": false, "attachmentsExists": false });
        v
    }

    fn object_attribute(&self, object: i64, attribute: i64, values: Vec<Value>) -> Value {
        let id = format!("{object}-{attribute}");
        json!({
            "workspaceId": WORKSPACE_ID,
            "globalId": global(&id),
            "id": id,
            "objectTypeAttributeId": attribute.to_string(),
            "objectAttributeValues": values,
            "objectId": object.to_string(),
        })
    }

    fn value(&self, kind: AttributeType, value: &EntryValue) -> Value {
        match value {
            EntryValue::Reference(link) => self.reference_value(link),
            EntryValue::Scalar(s) if kind == AttributeType::User => user_value(&s.text()),
            EntryValue::Scalar(s) => scalar_value(&s.text()),
        }
    }

    fn reference_value(&self, link: &LinkedObject) -> Value {
        json!({
            "referencedObject":
                self.object_head(link.id, link.object_type_id, &link.object_key, &link.label),
            "searchValue": link.object_key,
            "referencedType": true,
            "displayValue": link.label,
        })
    }

    /// A page of `POST /object/aql`.
    pub fn aql_page(
        &self,
        start: usize,
        max: usize,
        total: usize,
        objects: &[ObjectEntry],
        with_attributes: bool,
    ) -> Value {
        json!({
            "startAt": start,
            "maxResults": max,
            "total": total,
            "isLast": start + objects.len() >= total,
            "values": objects.iter().map(|o| self.object(o, with_attributes)).collect::<Vec<_>>(),
        })
    }

    /// `GET /rest/api/3/user/search?query=<email>`: the one user with that address.
    pub fn user_search(&self, email: &str) -> Value {
        let id = account_id(email);
        let avatar = format!("{}/avatar/{id}.png", self.origin);
        json!([{
            "self": format!("{}/rest/api/3/user?accountId={id}", self.origin),
            "accountId": id,
            "accountType": "atlassian",
            "emailAddress": email,
            "avatarUrls": {
                "48x48": avatar,
                "24x24": avatar,
                "16x16": avatar,
                "32x32": avatar,
            },
            "displayName": email,
            "active": true,
            "timeZone": "Etc/UTC",
            "locale": "en_US",
        }])
    }
}

fn scalar_value(text: &str) -> Value {
    json!({
        "value": text,
        "searchValue": text,
        "referencedType": false,
        "displayValue": text,
    })
}

/// A user attribute's value: the store keeps the address (as an embedded import writes it);
/// Assets answers the account.
fn user_value(email: &str) -> Value {
    let id = account_id(email);
    json!({
        "user": {
            "avatarUrl": "",
            "displayName": email,
            "name": email,
            "key": id,
            "emailAddress": email,
            "isDeleted": false,
        },
        "value": id,
        "searchValue": id,
        "referencedType": false,
        "displayValue": email,
    })
}

/// Assets' `defaultType` of a plain attribute.
fn default_type(kind: AttributeType) -> Value {
    let (id, name) = match kind {
        AttributeType::Integer => (1, "Integer"),
        AttributeType::Boolean => (2, "Boolean"),
        AttributeType::Double => (3, "Double"),
        AttributeType::Date => (4, "Date"),
        AttributeType::Datetime => (6, "DateTime"),
        AttributeType::Url => (7, "Url"),
        AttributeType::Email => (8, "Email"),
        AttributeType::Select => (10, "Select"),
        _ => (0, "Text"),
    };
    json!({ "id": id, "name": name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_lead_back_to_the_address() {
        let id = account_id("Ines.Okafor@example.com");
        assert!(id.starts_with("sandbox-"));
        assert_eq!(email_of(&id).as_deref(), Some("Ines.Okafor@example.com"));
        assert_eq!(email_of("5b10ac8d82e05b22cc7d4ef5"), None);
        assert_eq!(email_of("sandbox-6"), None);
        assert_eq!(email_of("sandbox-zz"), None);
        assert_eq!(email_of("sandbox-ff"), None);
    }

    #[test]
    fn system_attribute_ids_name_their_attribute() {
        assert_eq!(system_attribute(system_id(3, KEY)), Some("Key"));
        assert_eq!(system_attribute(system_id(3, UPDATED)), Some("Updated"));
        assert_eq!(system_attribute(135), None);
    }
}
