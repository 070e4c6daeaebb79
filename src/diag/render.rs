//! Human rendering of diagnostics (miette) and line/column arithmetic.

use super::{Diagnostic, Severity};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    NamedSource, SourceCode, SourceSpan, SpanContents,
};
use std::fmt;

/// Maps byte offsets of a text to 1-based lines and columns (columns count characters).
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { text, starts }
    }

    /// The 0-based line holding a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset.min(self.text.len()))
            - 1
    }

    /// The byte range of lines `first..=last` (0-based, clamped), line ends included.
    fn lines(&self, first: usize, last: usize) -> std::ops::Range<usize> {
        let start = self.starts[first.min(self.starts.len() - 1)];
        let end = self
            .starts
            .get(last + 1)
            .copied()
            .unwrap_or(self.text.len());
        start..end
    }

    /// 1-based line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start)
            + 1;
        (line + 1, column)
    }
}

struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: Box<dyn SourceCode + 'a>,
}

/// Lines around a diagnostic, cut from the file, that tell miette their place in it.
struct Excerpt<'a> {
    name: String,
    text: &'a str,
    /// Byte offset and 0-based line of `text` in the file.
    start: usize,
    first_line: usize,
}

/// Lines shown around a span (miette shows one; two more keep it from reaching the cut).
const CONTEXT: usize = 3;

impl SourceCode for Excerpt<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let offset = span
            .offset()
            .checked_sub(self.start)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(offset.into(), span.len());
        let inner = self.text.read_span(&local, before, after)?;
        let at = SourceSpan::new(
            (inner.span().offset() + self.start).into(),
            inner.span().len(),
        );
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            at,
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&*self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.diagnostic.span;
        let len = span.end.saturating_sub(span.start);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.diagnostic.label.clone()),
            span.start,
            len,
        ))))
    }
}

/// Renders diagnostics of one file for people: `path:line:col` headers, the source line, a label
/// under the exact span and the help line. `colour` is for terminals only.
pub fn render_human(
    path: &str,
    text: &str,
    diagnostics: &[Diagnostic],
    colour: bool,
    width: usize,
) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_context_lines(1);
    // miette takes a lone CR for a line end when it picks the lines around a span, but not when
    // it numbers and prints them; as LF (one byte for one, so spans stay valid) it agrees with
    // `LineIndex` and the parser.
    let lone_cr_as_lf = lone_cr_as_lf(text);
    let text = &*lone_cr_as_lf;
    let index = LineIndex::new(text);
    // miette shows whole lines; a 10 MB line would be printed in full, so very long lines are
    // cut to a window around the span before rendering.
    let mut out = String::new();
    for diagnostic in diagnostics {
        let (line, column) = index.line_col(diagnostic.span.start);
        let (windowed, shifted) = window(text, diagnostic);
        // miette adds `:line:col` to the name itself, but counts them in the excerpt only.
        let name = match &windowed {
            Some(_) => format!("{path}:{line}:{column}, excerpt"),
            None => path.to_string(),
        };
        let source: Box<dyn SourceCode> = match windowed {
            Some(excerpt) => Box::new(NamedSource::new(name, excerpt)),
            None => {
                // Only the lines around the span: miette reads its source from the start for
                // every diagnostic, which a file with thousands of errors would make slow.
                let first = index.line_of(shifted.span.start).saturating_sub(CONTEXT);
                let last = index.line_of(shifted.span.end) + CONTEXT;
                let range = index.lines(first, last);
                Box::new(Excerpt {
                    name,
                    text: &text[range.clone()],
                    start: range.start,
                    first_line: first,
                })
            }
        };
        let rendered = Rendered {
            diagnostic: &shifted,
            source,
        };
        let mut one = String::new();
        if handler.render_report(&mut one, &rendered).is_err() {
            one = format!(
                "{}: {path}:{line}:{column}: {}\n",
                diagnostic.code, diagnostic.message
            );
        }
        out.push_str(&one);
    }
    out
}

fn lone_cr_as_lf(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\r') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
    // One ASCII byte for another keeps the text UTF-8.
    std::borrow::Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|_| text.to_string()))
}

const WINDOW: usize = 400;

/// The text around a diagnostic, with very long lines cut so that the span stays visible.
fn window(text: &str, diagnostic: &Diagnostic) -> (Option<String>, Diagnostic) {
    let mut diagnostic = diagnostic.clone();
    let len = text.len();
    // Spans are clamped to the text and widened to whole characters.
    let start = floor_char(text, diagnostic.span.start.min(len));
    let end = ceil_char(text, diagnostic.span.end.clamp(start, len));
    diagnostic.span = super::Span::new(start, end);
    let diagnostic = &diagnostic;
    let span = diagnostic.span;
    let start = span.start;
    let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = text[start..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| start + i);
    if line_end - line_start <= 2 * WINDOW {
        return (None, diagnostic.clone());
    }
    let from = floor_char(text, start.saturating_sub(WINDOW).max(line_start));
    let to = floor_char(text, (start + WINDOW).min(line_end));
    let end = span.end.clamp(start, to);
    let mut shifted = diagnostic.clone();
    shifted.span = super::Span::new(start - from, end - from);
    (Some(text[from..to].to_string()), shifted)
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_all_line_ends() {
        let text = "ab\r\nÉé=x\rz\ny";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(4), (2, 1));
        assert_eq!(index.line_col(text.find('=').unwrap()), (2, 3));
        assert_eq!(index.line_col(text.find('z').unwrap()), (3, 1));
        assert_eq!(index.line_col(text.len()), (4, 2));
    }
}
