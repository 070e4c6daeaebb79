//! The canonical layout of a mapping file.
//!
//! One entry a line as `prefix:source=Attribute|query`, no spaces around the separators (but
//! around an `=` that would otherwise be read as part of `==`, `!=`, `<=` or `>=`), no
//! trailing spaces, the line ends of the file (LF, or CRLF when its first line ends so) and its
//! byte-order mark if it has one, at most one blank line in a row, and one
//! blank line before each section header (above the comments that introduce it). Sources,
//! queries and conditions keep their own text. Formatting a formatted file changes nothing.

use super::ast::{Document, EntryKind, Line, Pipe};
use crate::diag::Span;

/// Formats a parsed mapping. `text` is the text `doc` was parsed from; call it only on a
/// document without errors.
pub fn format(doc: &Document, text: &str) -> String {
    // Only spaces and tabs are trimmed, as the parser does: other Unicode spaces belong to the
    // text (`\u{A0}` is a path character).
    let slice = |s: Span| {
        text.get(s.start..s.end)
            .unwrap_or("")
            .trim_matches([' ', '\t'])
    };
    let mut out: Vec<String> = Vec::new();
    let mut blank_pending = false;
    for line in &doc.lines {
        let rendered = match line {
            Line::Blank => {
                blank_pending = !out.is_empty();
                continue;
            }
            Line::Comment(c) => c.value.clone(),
            Line::Broken(b) => slice(b.span).to_string(),
            Line::Header(h) => {
                // The comments right above a header belong to it: the blank line goes above them.
                let mut at = out.len();
                if !blank_pending {
                    while at > 0 && out[at - 1].starts_with('#') {
                        at -= 1;
                    }
                }
                if at > 0 && !out[at - 1].is_empty() {
                    out.insert(at, String::new());
                }
                blank_pending = false;
                out.push(format!("{}:", h.value));
                continue;
            }
            Line::Entry(e) => {
                let body = match &e.kind {
                    EntryKind::Key(m) | EntryKind::Map(m) => {
                        let source = slice(m.source.span());
                        let attribute = &m.attribute.value;
                        // `==`, `!=`, `<=` and `>=` are read as part of the source, so an `=`
                        // that would form one with its neighbour is set apart by spaces
                        // (`map:x_where_a/b_eq_v! = X`, `map:x = =Odd Name`).
                        let eq = if source.ends_with(['!', '<', '>', '='])
                            || attribute.starts_with('=')
                        {
                            " = "
                        } else {
                            "="
                        };
                        let mut s = format!("{source}{eq}{attribute}");
                        match &m.pipe {
                            None => {}
                            Some(Pipe::Reference(aql)) => {
                                s.push('|');
                                s.push_str(slice(aql.span));
                            }
                            Some(Pipe::Options(options)) => {
                                for o in options {
                                    s.push('|');
                                    s.push_str(&format!("{}={}", o.name.value, o.value.value));
                                }
                            }
                        }
                        s
                    }
                    EntryKind::Config(c) => format!("{}={}", c.name.value, c.value.value),
                    EntryKind::Filter(_) => {
                        let after = e.prefix.span.end + 1;
                        slice(Span::new(after, e.span.end)).to_string()
                    }
                };
                format!("{}:{}", e.prefix.value, body)
            }
        };
        if blank_pending {
            out.push(String::new());
            blank_pending = false;
        }
        out.push(rendered);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    // The file's own line ends and byte-order mark are kept: a Windows editor's CRLF file stays
    // CRLF, and `fmt --check` does not fail it for what it cannot see.
    let crlf = text.find('\n').is_some_and(|i| text[..i].ends_with('\r'));
    let end = if crlf { "\r\n" } else { "\n" };
    let mut s = String::with_capacity(text.len() + 16);
    if text.starts_with('\u{FEFF}') {
        s.push('\u{FEFF}');
    }
    for line in &out {
        s.push_str(line);
        s.push_str(end);
    }
    if out.is_empty() {
        s.push_str(end);
    }
    s
}
