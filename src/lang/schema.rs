//! The target schema (`--schema`): object types and attributes, shaped after what the Assets REST
//! API returns for object types and their attributes.

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    pub object_types: Vec<ObjectType>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ObjectType {
    #[serde(deserialize_with = "id")]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

/// `type` of an Assets object type attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeKind {
    Default,
    Reference,
    User,
    Other(i64),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    pub name: String,
    #[serde(rename = "type", default, deserialize_with = "kind")]
    pub kind: Option<AttributeKind>,
    #[serde(default)]
    pub default_type: Option<DefaultType>,
    #[serde(default, deserialize_with = "opt_id")]
    pub reference_object_type_id: Option<String>,
    #[serde(default)]
    pub minimum_cardinality: Option<i64>,
    /// `-1` for unbounded.
    #[serde(default)]
    pub maximum_cardinality: Option<i64>,
    #[serde(default)]
    pub label: bool,
    #[serde(default)]
    pub unique_attribute: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DefaultType {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub name: String,
}

impl Attribute {
    pub fn kind(&self) -> AttributeKind {
        self.kind.unwrap_or(AttributeKind::Default)
    }

    pub fn single_valued(&self) -> bool {
        self.maximum_cardinality.unwrap_or(1) == 1
    }

    /// The type as admins see it in Assets: `Text`, `Reference`, `User`…
    pub fn type_name(&self) -> String {
        match self.kind() {
            AttributeKind::Default => self
                .default_type
                .as_ref()
                .map(|d| d.name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "Text".to_string()),
            AttributeKind::Reference => "Reference".to_string(),
            AttributeKind::User => "User".to_string(),
            AttributeKind::Other(n) => format!("type {n}"),
        }
    }
}

impl Schema {
    pub fn object_type(&self, name: &str) -> Option<&ObjectType> {
        self.object_types.iter().find(|t| t.name == name)
    }

    pub fn object_type_by_id(&self, id: &str) -> Option<&ObjectType> {
        self.object_types.iter().find(|t| t.id == id)
    }
}

impl ObjectType {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawId {
    Text(String),
    Number(i64),
}

impl From<RawId> for String {
    fn from(raw: RawId) -> String {
        match raw {
            RawId::Text(s) => s,
            RawId::Number(n) => n.to_string(),
        }
    }
}

fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    RawId::deserialize(d).map(Into::into)
}

fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<RawId>::deserialize(d)?.map(Into::into))
}

fn kind<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AttributeKind>, D::Error> {
    Ok(Option::<i64>::deserialize(d)?.map(|n| match n {
        0 => AttributeKind::Default,
        1 => AttributeKind::Reference,
        2 => AttributeKind::User,
        n => AttributeKind::Other(n),
    }))
}
