//! The compiled form of a mapping: what the evaluator runs. Paths are pre-split, JSONPath is
//! parsed, functions are resolved with their literal arguments, config is typed.
//!
//! `Serialize` gives the program's shape for snapshots and for comparing two programs; source
//! locations are left out of it, so reformatting a file does not change its program.

use jsonpath_rust::parser::model::JpQuery;
use serde::{Serialize, Serializer};

/// Where a mapping line stands in its file (for per-record errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub sections: Vec<Section>,
    /// Indices into `sections`, referenced object types before the sections that reference them.
    pub order: Vec<usize>,
}

impl Program {
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The sections in dependency order.
    pub fn ordered(&self) -> impl Iterator<Item = &Section> {
        self.order.iter().map(|&i| &self.sections[i])
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// The header name, or the object type of a file without headers.
    pub name: String,
    /// `None` only in a file without headers and without `config:object_type=`; the command line
    /// must then name it.
    pub object_type: Option<String>,
    pub key: Mapping,
    pub maps: Vec<Mapping>,
    pub filters: Vec<Condition>,
    pub config: SectionConfig,
    /// Whether some source needs the whole record (JSONPath, compatibility filters).
    pub needs_whole_record: bool,
    /// The distinct dot paths the section reads, by slot (see [`PathRef`]).
    #[serde(skip)]
    pub paths: Vec<DotPath>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mapping {
    pub source: Source,
    pub attribute: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub array_separator: Option<String>,
    #[serde(skip)]
    pub loc: Loc,
}

/// A dot path split into segments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DotPath(pub Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Segment {
    pub name: Box<str>,
    /// Set when the segment is a decimal number: it then indexes an array.
    #[serde(skip)]
    pub index: Option<usize>,
}

impl Segment {
    pub fn new(name: &str) -> Self {
        let index = (!name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()))
            .then(|| name.parse().ok())
            .flatten();
        Segment {
            name: name.into(),
            index,
        }
    }
}

impl DotPath {
    pub fn parse(text: &str, separator: char) -> Self {
        DotPath(text.split(separator).map(Segment::new).collect())
    }
}

/// A dot path source with its slot: the compiler numbers the distinct paths of a section, so
/// that a record projected for the section can answer by number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRef {
    pub path: DotPath,
    pub slot: usize,
}

impl Serialize for PathRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.path.serialize(s)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Path(PathRef),
    JsonPath(JsonPathQuery),
    /// Elements of an array selected by a condition (the compatibility `where` forms).
    Filtered(Box<FilteredPath>),
    Template(Vec<TemplatePart>),
    Literal(String),
    Call(Box<Call>),
}

impl Source {
    pub fn needs_whole_record(&self) -> bool {
        match self {
            Source::Path(_) | Source::Literal(_) => false,
            Source::JsonPath(_) | Source::Filtered(_) => true,
            Source::Template(parts) => parts.iter().any(|p| match p {
                TemplatePart::Text(_) => false,
                TemplatePart::Source(s) => s.needs_whole_record(),
            }),
            Source::Call(call) => call.arguments().any(Source::needs_whole_record),
        }
    }

    /// Calls `f` on every dot path in the source, nested ones included.
    pub fn for_each_path_mut(&mut self, f: &mut impl FnMut(&mut PathRef)) {
        match self {
            Source::Path(p) => f(p),
            Source::JsonPath(_) | Source::Filtered(_) | Source::Literal(_) => {}
            Source::Template(parts) => {
                for part in parts {
                    if let TemplatePart::Source(s) = part {
                        s.for_each_path_mut(f);
                    }
                }
            }
            Source::Call(call) => call.for_each_argument_mut(&mut |s| s.for_each_path_mut(f)),
        }
    }

    /// Whether the source may give several values even from a record without arrays.
    pub fn always_many(&self) -> bool {
        match self {
            Source::Call(call) => match call.as_ref() {
                Call::Split(..) => true,
                Call::Join(..) | Call::First(..) => false,
                other => other.arguments().any(Source::always_many),
            },
            Source::JsonPath(q) => !q.singular,
            // The compatibility forms select one element in the data they were made for.
            Source::Filtered(_) => false,
            Source::Template(parts) => parts
                .iter()
                .any(|p| matches!(p, TemplatePart::Source(s) if s.always_many())),
            Source::Path(_) | Source::Literal(_) => false,
        }
    }
}

/// A JSONPath parsed once, at compile time.
#[derive(Debug, Clone)]
pub struct JsonPathQuery {
    pub text: String,
    pub query: JpQuery,
    /// At most one node for any document (no wildcards, filters, slices or descendants).
    pub singular: bool,
}

impl Serialize for JsonPathQuery {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// What the condition of a compatibility filter asks of an element. Serialized as written
/// after `_eq_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Equals {
    /// Its condition path has this value: every such element is selected.
    Value(String),
    /// `_eq_any`: its condition path has a value, whatever it is; the first such element is
    /// selected, as the commercial importers do.
    Any,
}

impl Serialize for Equals {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Equals::Value(v) => s.serialize_str(v),
            Equals::Any => s.serialize_str("any"),
        }
    }
}

impl Equals {
    pub fn new(text: &str) -> Equals {
        match text {
            "any" => Equals::Any,
            _ => Equals::Value(text.to_string()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FilteredPath {
    /// The array whose elements are tested.
    pub array: DotPath,
    /// Path inside each element, compared with `equals`.
    pub condition: DotPath,
    pub equals: Equals,
    /// Path inside each selected element that gives the value (empty: the element itself).
    pub value: DotPath,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplatePart {
    Text(String),
    Source(Source),
}

/// A resolved function call. Literal arguments are checked and stored at compile time.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    Lower(Source),
    Upper(Source),
    Trim(Source),
    Coalesce(Vec<Source>),
    Concat(Vec<Source>),
    Split(Source, String),
    Join(Source, String),
    Replace(Source, String, String),
    Date(Source, DateFormat),
    First(Source),
}

impl Call {
    pub fn for_each_argument_mut(&mut self, f: &mut impl FnMut(&mut Source)) {
        match self {
            Call::Lower(s)
            | Call::Upper(s)
            | Call::Trim(s)
            | Call::Split(s, _)
            | Call::Join(s, _)
            | Call::Replace(s, _, _)
            | Call::Date(s, _)
            | Call::First(s) => f(s),
            Call::Coalesce(v) | Call::Concat(v) => v.iter_mut().for_each(f),
        }
    }

    pub fn arguments(&self) -> Box<dyn Iterator<Item = &Source> + '_> {
        match self {
            Call::Lower(s)
            | Call::Upper(s)
            | Call::Trim(s)
            | Call::Split(s, _)
            | Call::Join(s, _)
            | Call::Replace(s, _, _)
            | Call::Date(s, _)
            | Call::First(s) => Box::new(std::iter::once(s)),
            Call::Coalesce(v) | Call::Concat(v) => Box::new(v.iter()),
        }
    }
}

/// A `strftime` format that has been checked to be valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DateFormat(pub String);

/// A reference: each value of the placeholders gives one AQL query on `object_type`.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub object_type: String,
    pub terms: Vec<AqlTerm>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AqlTerm {
    pub attribute: String,
    pub op: AqlOp,
    pub values: Vec<AqlValue>,
    /// The term's AQL up to its first value (`Name = `, `"Group Name" IN (`), written once.
    #[serde(skip)]
    pub prefix: String,
}

impl AqlTerm {
    pub fn new(attribute: String, op: AqlOp, values: Vec<AqlValue>) -> Self {
        let name = super::aql::attribute(&attribute);
        let prefix = match op {
            AqlOp::Eq => format!("{name} = "),
            AqlOp::In => format!("{name} IN ("),
        };
        AqlTerm {
            attribute,
            op,
            values,
            prefix,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AqlOp {
    Eq,
    In,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AqlValue {
    Source(Source),
    Constant(String),
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Or(Vec<Condition>),
    And(Vec<Condition>),
    Not(Box<Condition>),
    Exists(Source),
    Compare {
        source: Source,
        op: CompareOp,
        literal: Literal,
    },
    In {
        source: Source,
        literals: Vec<Literal>,
    },
}

impl Condition {
    pub fn for_each_source_mut(&mut self, f: &mut impl FnMut(&mut Source)) {
        match self {
            Condition::Or(v) | Condition::And(v) => {
                v.iter_mut().for_each(|c| c.for_each_source_mut(f))
            }
            Condition::Not(c) => c.for_each_source_mut(f),
            Condition::Exists(s)
            | Condition::Compare { source: s, .. }
            | Condition::In { source: s, .. } => f(s),
        }
    }
}

impl Section {
    /// Numbers the distinct dot paths of the section (see [`PathRef`]).
    pub fn assign_slots(&mut self) {
        let mut paths: Vec<DotPath> = Vec::new();
        let mut slot = |p: &mut PathRef| {
            p.slot = match paths.iter().position(|q| *q == p.path) {
                Some(i) => i,
                None => {
                    paths.push(p.path.clone());
                    paths.len() - 1
                }
            };
        };
        let mut visit = |s: &mut Source| s.for_each_path_mut(&mut slot);
        for filter in &mut self.filters {
            filter.for_each_source_mut(&mut visit);
        }
        for mapping in std::iter::once(&mut self.key).chain(self.maps.iter_mut()) {
            visit(&mut mapping.source);
            if let Some(r) = &mut mapping.reference {
                for term in &mut r.terms {
                    for v in &mut term.values {
                        if let AqlValue::Source(s) = v {
                            visit(s);
                        }
                    }
                }
            }
        }
        self.paths = paths;
    }
}

pub use super::ast::CompareOp;

impl Serialize for CompareOp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        })
    }
}

pub use super::ast::Literal;

impl Serialize for Literal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Literal::Text(t) => s.serialize_str(t),
            Literal::Number(n) => s.serialize_f64(*n),
            Literal::Bool(b) => s.serialize_bool(*b),
            Literal::Null => s.serialize_none(),
        }
    }
}

// ------------------------------------------------------------------------------ config

#[derive(Debug, Clone, Default, Serialize)]
pub struct SectionConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<DotPath>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub section: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_pages: Option<u32>,
    pub references: ReferencePolicy,
    pub empty: EmptyPolicy,
    pub missing: MissingPolicy,
    pub missing_limit: Limit,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferencePolicy {
    #[default]
    Create,
    Lookup,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyPolicy {
    #[default]
    Keep,
    Clear,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    #[default]
    Keep,
    Delete,
    Set {
        attribute: String,
        value: String,
    },
}

/// How many objects a run may delete or mark.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    Percent(f64),
    Count(u64),
}

impl Default for Limit {
    fn default() -> Self {
        Limit::Percent(10.0)
    }
}
