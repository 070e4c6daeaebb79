//! What a target holds, as the planner sees it: object types with their attributes, objects with
//! their values. A target loads a [`Snapshot`] of the types a program needs; the planner never
//! reads the target itself.

use crate::eval::Scalar;
use serde::{Deserialize, Serialize, Serializer};
use std::sync::Arc;

/// An object's id in the target.
pub type ObjectId = i64;

/// An object that exists in the target, or one the plan creates (numbered in creation order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectRef {
    Existing(ObjectId),
    New(u32),
}

/// The type of an attribute, as Assets names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttributeType {
    Text,
    Integer,
    Double,
    Boolean,
    Date,
    Datetime,
    Email,
    Url,
    Select,
    Reference,
    User,
}

impl AttributeType {
    pub const ALL: [AttributeType; 11] = [
        AttributeType::Text,
        AttributeType::Integer,
        AttributeType::Double,
        AttributeType::Boolean,
        AttributeType::Date,
        AttributeType::Datetime,
        AttributeType::Email,
        AttributeType::Url,
        AttributeType::Select,
        AttributeType::Reference,
        AttributeType::User,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::Text => "text",
            AttributeType::Integer => "integer",
            AttributeType::Double => "double",
            AttributeType::Boolean => "boolean",
            AttributeType::Date => "date",
            AttributeType::Datetime => "datetime",
            AttributeType::Email => "email",
            AttributeType::Url => "url",
            AttributeType::Select => "select",
            AttributeType::Reference => "reference",
            AttributeType::User => "user",
        }
    }

    pub fn parse(text: &str) -> Option<AttributeType> {
        AttributeType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The type of an Assets default attribute (`type` 0) by its `defaultType.id`: 0 text,
    /// 1 integer, 2 boolean, 3 double, 4 date, 5 time, 6 date time, 7 URL, 8 email, 9 text area,
    /// 10 select, 11 IP address. Time, text area, IP address and ids to come hold text.
    pub fn from_default_type(id: i64) -> AttributeType {
        match id {
            1 => AttributeType::Integer,
            2 => AttributeType::Boolean,
            3 => AttributeType::Double,
            4 => AttributeType::Date,
            6 => AttributeType::Datetime,
            7 => AttributeType::Url,
            8 => AttributeType::Email,
            10 => AttributeType::Select,
            _ => AttributeType::Text,
        }
    }
}

/// An attribute of an object type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AttributeType,
    /// The referenced object type of a reference attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default)]
    pub min_cardinality: u32,
    /// `None`: any number of values.
    #[serde(default)]
    pub max_cardinality: Option<u32>,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub label: bool,
}

/// An object type with its attributes in their order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeDef {
    pub name: String,
    /// The attribute that identifies objects on re-import (a section's `key:`), once known.
    pub key_attribute: Option<String>,
    pub attributes: Vec<AttributeDef>,
}

impl TypeDef {
    pub fn attribute(&self, name: &str) -> Option<usize> {
        self.attributes.iter().position(|a| a.name == name)
    }

    pub fn label_attribute(&self) -> Option<usize> {
        self.attributes.iter().position(|a| a.label)
    }
}

/// A link to an object, with what people read of it.
#[derive(Debug, Clone)]
pub struct Link {
    pub target: ObjectRef,
    pub object_type: Arc<str>,
    pub label: Arc<str>,
}

/// Links are the same when they point at the same object; the label is only for reading.
impl PartialEq for Link {
    fn eq(&self, other: &Self) -> bool {
        self.target == other.target
    }
}

/// One value of an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Reference(Link),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        match self {
            Value::Scalar(v) => v.serialize(s),
            Value::Reference(link) => {
                let mut st = s.serialize_struct("Reference", 2)?;
                st.serialize_field("object_type", &*link.object_type)?;
                st.serialize_field("label", &*link.label)?;
                st.end()
            }
        }
    }
}

impl Value {
    /// The value as a person reads it (a reference by its label).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Value::Scalar(s) => s.text(),
            Value::Reference(link) => std::borrow::Cow::Borrowed(&link.label),
        }
    }
}

/// An object as the target holds it. `values` is indexed like its type's attributes.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub id: ObjectId,
    /// The target's own key (`USR-12`).
    pub object_key: String,
    pub label: Arc<str>,
    pub values: Vec<Vec<Value>>,
}

/// One object type and all its objects.
#[derive(Debug, Clone)]
pub struct TypeState {
    pub def: TypeDef,
    pub objects: Vec<StoredObject>,
}

/// The object types a program needs, as the target holds them now. A type the target does not
/// have is simply absent.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub types: Vec<TypeState>,
}
