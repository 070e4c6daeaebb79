//! The syntax tree of a mapping file. Every node carries the span of its text.

use crate::diag::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A mapping file, line by line (the formatter needs comments and blank lines too).
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Blank,
    Comment(Spanned<String>),
    Header(Spanned<String>),
    Entry(Box<Entry>),
    /// A line that could not be read; its diagnostic has been reported.
    Broken(Spanned<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub prefix: Spanned<String>,
    pub kind: EntryKind,
    /// The whole entry line, trimmed.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    Key(MapEntry),
    Map(MapEntry),
    Filter(Condition),
    Config(ConfigEntry),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub source: Expr,
    pub attribute: Spanned<String>,
    pub pipe: Option<Pipe>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pipe {
    Reference(Aql),
    Options(Vec<PipeOption>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PipeOption {
    pub name: Spanned<String>,
    pub value: Spanned<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigEntry {
    pub name: Spanned<String>,
    pub value: Spanned<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `profile.email`, `_embedded.users.0.user.profile.email`
    Path(Spanned<Vec<String>>),
    /// `$.credentials.emails[?@.type=='PRIMARY'].value`
    JsonPath(Spanned<String>),
    /// `jsonpath__<value path>__where__<condition path>_eq_<value>`
    CompatJsonPath {
        value_path: Spanned<String>,
        condition_path: Spanned<String>,
        equals: Spanned<String>,
        span: Span,
    },
    /// `<array path>_where_<condition/path>_eq_<value>`
    Where {
        head: Spanned<String>,
        condition_path: Spanned<String>,
        equals: Spanned<String>,
        span: Span,
    },
    /// `"${profile.firstName} ${profile.lastName}"`
    Template {
        parts: Vec<TemplatePart>,
        span: Span,
    },
    /// `'Okta'`
    Literal(Spanned<String>),
    /// `lower(profile.email)`
    Call {
        name: Spanned<String>,
        args: Vec<Expr>,
        span: Span,
    },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Path(s) => s.span,
            Expr::JsonPath(s) => s.span,
            Expr::Literal(s) => s.span,
            Expr::CompatJsonPath { span, .. }
            | Expr::Where { span, .. }
            | Expr::Template { span, .. }
            | Expr::Call { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Text(String),
    Placeholder(Expr),
}

/// The AQL condition of a reference: terms joined by `AND`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aql {
    pub terms: Vec<AqlTerm>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AqlTerm {
    pub attribute: Spanned<String>,
    pub op: AqlOp,
    pub values: Vec<AqlValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AqlOp {
    Eq,
    In,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AqlValue {
    Placeholder(Expr),
    Constant(Spanned<String>),
}

impl AqlValue {
    /// The value of a constant; `None` for a placeholder, which a rendered query (one sent to
    /// Assets or read back from a plan) must no longer hold.
    pub fn into_constant(self) -> Option<String> {
        match self {
            AqlValue::Constant(c) => Some(c.value),
            AqlValue::Placeholder(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Or(Vec<Condition>),
    And(Vec<Condition>),
    Not(Box<Condition>),
    Exists(Expr),
    Compare {
        source: Expr,
        op: CompareOp,
        literal: Spanned<Literal>,
    },
    In {
        source: Expr,
        literals: Vec<Spanned<Literal>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
    Bool(bool),
    Null,
}
