//! Diagnostics: what went wrong, where, and what to do about it.

mod codes;
mod render;

pub use codes::Code;
pub use render::{render_human, LineIndex};

use serde::Serialize;

/// A byte range of the mapping text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The span shifted by `offset` bytes (sub-parsers work on slices of a line).
    pub fn offset(self, offset: usize) -> Self {
        Span::new(self.start + offset, self.end + offset)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a mapping file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Text under the span.
    pub label: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            label: code.title().to_string(),
            help: None,
        }
    }

    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The diagnostic as `check --format json` prints it.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub severity: Severity,
    pub code: Code,
    pub message: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
}

impl<'a> JsonDiagnostic<'a> {
    pub fn new(diagnostic: &'a Diagnostic, index: &LineIndex) -> Self {
        let (line, column) = index.line_col(diagnostic.span.start);
        let (end_line, end_column) = index.line_col(diagnostic.span.end);
        JsonDiagnostic {
            severity: diagnostic.severity,
            code: diagnostic.code,
            message: &diagnostic.message,
            line,
            column,
            end_line,
            end_column,
            help: diagnostic.help.as_deref(),
        }
    }
}

/// "did you mean `x`?" for the known name closest to `name`, if any is close enough.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(name, known).map(|k| format!("did you mean `{k}`?"))
}

/// The known name closest to `name`, if any is close enough to be a likely typo: a few edits
/// away (transpositions count as one) or differing only in case.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let allowed = (lower.chars().count() / 3).max(1);
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, &k.to_lowercase()), k))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}
