//! The mapping language: parse, compile, format.
//!
//! [`compile`] is the one entry: text in, a [`Program`] (when the text has no errors) and every
//! diagnostic of the file out.

pub mod aql;
pub mod ast;
mod compile;
pub mod config;
pub mod fmt;
mod jsonpath;
pub mod parser;
pub mod program;
pub mod schema;
mod sources;

pub use program::Program;
pub use schema::Schema;

use crate::diag::{Code, Diagnostic, Span};

/// The result of compiling one mapping file.
#[derive(Debug)]
pub struct Compiled {
    /// Set when the file has no errors (warnings allowed).
    pub program: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Compiles a mapping's text. Never panics: every problem is a diagnostic.
pub fn compile(text: &str, schema: Option<&Schema>) -> Compiled {
    let (doc, mut diagnostics) = parser::parse(text);
    let program = compile::compile_document(&doc, text, schema, &mut diagnostics);
    for d in &mut diagnostics {
        d.span = within(text, d.span);
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Compiled {
        program,
        diagnostics,
    }
}

/// `span` kept inside `text` and widened to whole characters. The sub-parsers point at "the one
/// character where reading stopped", which is past the end of the text when a line is cut short
/// at the end of the file (`filter:a ==`), and may be a single byte of a wider character.
fn within(text: &str, span: Span) -> Span {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    Span::new(start, end)
}

/// Compiles a mapping file's bytes: text that is not UTF-8 is one diagnostic.
pub fn compile_bytes(bytes: &[u8], schema: Option<&Schema>) -> (String, Compiled) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), compile(text, schema)),
        Err(e) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            // The lossy text has the same bytes up to the first bad one, which it replaces with
            // U+FFFD (three bytes): the span covers that whole character.
            let at = e.valid_up_to();
            let d = Diagnostic::error(
                Code::NotUtf8,
                Span::new(at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
                "the mapping is not UTF-8 text",
            )
            .with_label("this byte is not UTF-8")
            .with_help("save the mapping as UTF-8 text; is this the right file?");
            (
                text,
                Compiled {
                    program: None,
                    diagnostics: vec![d],
                },
            )
        }
    }
}
