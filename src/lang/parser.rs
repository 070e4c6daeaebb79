//! Text → [`Document`]: pest does the reading, this module builds the syntax tree and turns
//! parse failures into diagnostics that say what was expected and where.

use super::ast::*;
use crate::diag::{did_you_mean, Code, Diagnostic, Span};
use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "../grammar/mapping.pest"]
pub struct MappingParser;

/// The prefixes of entry lines.
pub const PREFIXES: [&str; 4] = ["key", "map", "filter", "config"];

/// Parses a whole mapping. Every line that cannot be read becomes a diagnostic and a
/// [`Line::Broken`]; the other lines are still parsed.
pub fn parse(text: &str) -> (Document, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut lines = Vec::new();
    let file = match MappingParser::parse(Rule::file, text) {
        Ok(mut pairs) => pairs.next().expect("file rule yields one pair"),
        Err(e) => {
            // `junk` takes any line, so this cannot happen for UTF-8 text; still never panic.
            diagnostics.push(pest_error(&e, 0, Code::UnrecognisedLine, "the file"));
            return (Document { lines }, diagnostics);
        }
    };
    for line in file.into_inner().filter(|p| p.as_rule() == Rule::line) {
        lines.push(parse_line(line, &mut diagnostics));
    }
    (Document { lines }, diagnostics)
}

fn span_of(pair: &Pair<Rule>, offset: usize) -> Span {
    let s = pair.as_span();
    Span::new(s.start() + offset, s.end() + offset)
}

/// `text` trimmed of spaces and tabs, with its new span.
fn trimmed(text: &str, start: usize) -> (&str, Span) {
    let lead = text.len() - text.trim_start_matches([' ', '\t']).len();
    let t = text.trim_matches([' ', '\t']);
    (t, Span::new(start + lead, start + lead + t.len()))
}

fn parse_line(line: Pair<Rule>, diagnostics: &mut Vec<Diagnostic>) -> Line {
    let Some(inner) = line.into_inner().next() else {
        return Line::Blank;
    };
    let span = span_of(&inner, 0);
    match inner.as_rule() {
        Rule::comment => {
            let (text, span) = trimmed(inner.as_str(), span.start);
            Line::Comment(Spanned::new(text.to_string(), span))
        }
        Rule::header => {
            let name = inner.into_inner().next().expect("header has a name");
            let (text, name_span) = trimmed(name.as_str(), name.as_span().start());
            if PREFIXES.contains(&text) {
                // `map:` with nothing after it is an entry with an empty body, not a section.
                let prefix = Spanned::new(text.to_string(), name_span);
                let body_start = span.end;
                return parse_entry(prefix, "", body_start, diagnostics);
            }
            Line::Header(Spanned::new(text.to_string(), name_span))
        }
        Rule::entry => {
            let mut parts = inner.into_inner();
            let prefix = parts.next().expect("entry has a prefix");
            let body = parts.next().expect("entry has a body");
            let prefix = Spanned::new(prefix.as_str().to_string(), span_of(&prefix, 0));
            let (body_text, body_span) = trimmed(body.as_str(), body.as_span().start());
            parse_entry(prefix, body_text, body_span.start, diagnostics)
        }
        _ => {
            let (text, span) = trimmed(inner.as_str(), span.start);
            let mut d = Diagnostic::error(
                Code::UnrecognisedLine,
                span,
                "this line is neither a section header nor an entry",
            )
            .with_label("not a `prefix:` entry or `Object Type:` header");
            // A bare name is most likely a section header without its colon.
            let bare_name = !text.contains([':', '=', '|', '$', '(', '"', '\''])
                && text.chars().next().is_some_and(char::is_alphabetic);
            d = d.with_help(if bare_name {
                format!("did you mean the section header `{text}:`? A header is an object type name followed by `:` alone on its line")
            } else {
                "entries start with `key:`, `map:`, `filter:` or `config:`; a section header is \
                 an object type name followed by `:` alone on its line; comments start with `#`"
                    .to_string()
            });
            diagnostics.push(d);
            Line::Broken(Spanned::new(text.to_string(), span))
        }
    }
}

fn parse_entry(
    prefix: Spanned<String>,
    body: &str,
    body_start: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Line {
    let span = Span::new(prefix.span.start, body_start + body.len());
    if body.len() > MAX_LINE {
        diagnostics.push(
            Diagnostic::error(
                Code::LineTooLong,
                Span::new(body_start + MAX_LINE, body_start + body.len()),
                format!(
                    "this line holds {} bytes; an entry may hold {MAX_LINE}",
                    body.len()
                ),
            )
            .with_label("the line goes on past the limit from here")
            .with_help("is this the right file? a mapping line names a source and an attribute"),
        );
        return Line::Broken(Spanned::new(String::new(), span));
    }
    if let Some(at) = too_deep(body) {
        diagnostics.push(
            Diagnostic::error(
                Code::NestingTooDeep,
                Span::new(body_start + at, body_start + at + 1),
                format!("this line nests expressions more than {MAX_DEPTH} levels deep"),
            )
            .with_label("too deep from here on")
            .with_help("split the expression; real mappings need only a few levels"),
        );
        return Line::Broken(Spanned::new(String::new(), span));
    }
    let before = diagnostics.len();
    let kind = match prefix.value.as_str() {
        "key" | "map" => parse_map_body(body, body_start, diagnostics).map(|m| {
            if prefix.value == "key" {
                EntryKind::Key(m)
            } else {
                EntryKind::Map(m)
            }
        }),
        "filter" => parse_condition(body, body_start, diagnostics).map(EntryKind::Filter),
        "config" => parse_config(body, body_start, diagnostics).map(EntryKind::Config),
        other => {
            let mut d = Diagnostic::error(
                Code::UnknownPrefix,
                prefix.span,
                format!("unknown line prefix `{other}:`"),
            )
            .with_label("not one of `key:`, `map:`, `filter:`, `config:`");
            d.help = Some(
                did_you_mean(other, PREFIXES)
                    .unwrap_or_else(|| "use `key:`, `map:`, `filter:` or `config:`".to_string()),
            );
            diagnostics.push(d);
            None
        }
    };
    match kind {
        Some(kind) if diagnostics.len() == before => {
            Line::Entry(Box::new(Entry { prefix, kind, span }))
        }
        _ => Line::Broken(Spanned::new(String::new(), span)),
    }
}

/// Longer entries are refused before they are parsed: real ones are short, and no input should
/// keep the parser busy for long.
const MAX_LINE: usize = 64 * 1024;

/// Deeper nesting than this is refused before parsing, so that no input can exhaust the stack.
const MAX_DEPTH: usize = 64;

/// The offset where nesting (brackets, or `not` words) passes [`MAX_DEPTH`], if it does.
fn too_deep(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut nots = 0usize;
    for (i, c) in body.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            'n' if body[i..].starts_with("not")
                && !body[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') =>
            {
                nots += 1
            }
            _ => {}
        }
        if depth > MAX_DEPTH || nots > MAX_DEPTH {
            return Some(i);
        }
    }
    None
}

// ------------------------------------------------------------------------------ key:/map:

fn parse_map_body(
    body: &str,
    offset: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<MapEntry> {
    let split = match MappingParser::parse(Rule::split_full, body) {
        Ok(mut pairs) => pairs.next().expect("split_full yields one pair"),
        Err(_) => {
            diagnostics.push(diagnose_split(body, offset));
            return None;
        }
    };
    let mut parts = split.into_inner();
    let lhs = parts.next().expect("lhs");
    let rhs = parts.next().expect("rhs");
    let (lhs_text, lhs_span) = trimmed(lhs.as_str(), lhs.as_span().start() + offset);
    let eq = Span::new(
        lhs.as_span().end() + offset,
        lhs.as_span().end() + offset + 1,
    );

    let source = if lhs_text.is_empty() {
        diagnostics.push(
            Diagnostic::error(Code::EmptySource, eq, "nothing to read before `=`")
                .with_label("no source before this `=`")
                .with_help("name the field of the record to read, e.g. `map:profile.email=Email`"),
        );
        None
    } else {
        parse_source(lhs_text, lhs_span.start, diagnostics)
    };
    let target = parse_target(
        rhs.as_str(),
        rhs.as_span().start() + offset,
        eq,
        diagnostics,
    );
    Some(MapEntry {
        source: source?,
        attribute: target.as_ref()?.0.clone(),
        pipe: target?.1,
    })
}

fn diagnose_split(body: &str, offset: usize) -> Diagnostic {
    if let Some(d) = diagnose_balance(body, offset) {
        return d;
    }
    let span = Span::new(offset, offset + body.len());
    Diagnostic::error(
        Code::MissingEquals,
        span,
        "missing `=` between the source and the attribute",
    )
    .with_label("no `=` here")
    .with_help("write the source, `=`, then the attribute: `map:profile.email=Email`")
}

/// Finds an unterminated quote or `${`, or an unbalanced bracket, in `text`.
pub(crate) fn diagnose_balance(text: &str, offset: usize) -> Option<Diagnostic> {
    #[derive(Clone, Copy, PartialEq)]
    enum Open {
        Single,
        Double,
        Placeholder,
        Paren,
        Bracket,
    }
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let top = stack.last().map(|t| t.0);
        let in_quote = matches!(top, Some(Open::Single | Open::Double));
        match c {
            b'\\' if in_quote => i += 1,
            b'\'' if top == Some(Open::Single) => {
                stack.pop();
            }
            b'"' if top == Some(Open::Double) => {
                stack.pop();
            }
            b'$' if top != Some(Open::Single) && bytes.get(i + 1) == Some(&b'{') => {
                stack.push((Open::Placeholder, i));
                i += 1;
            }
            _ if top == Some(Open::Single) => {}
            b'}' if top == Some(Open::Placeholder) => {
                stack.pop();
            }
            _ if top == Some(Open::Double) => {}
            b'\'' => stack.push((Open::Single, i)),
            b'"' => stack.push((Open::Double, i)),
            b'(' => stack.push((Open::Paren, i)),
            b'[' => stack.push((Open::Bracket, i)),
            b')' | b']' => {
                let want = if c == b')' {
                    Open::Paren
                } else {
                    Open::Bracket
                };
                if top == Some(want) {
                    stack.pop();
                } else {
                    let span = Span::new(offset + i, offset + i + 1);
                    return Some(
                        Diagnostic::error(
                            Code::UnbalancedBracket,
                            span,
                            format!("`{}` closes nothing", c as char),
                        )
                        .with_label("no matching opening bracket")
                        .with_help("remove it, or add the opening bracket it belongs to"),
                    );
                }
            }
            _ => {}
        }
        i += 1;
    }
    // An unclosed `${` explains the quotes and brackets after it, so it is reported first.
    let (open, at) = *stack
        .iter()
        .find(|(o, _)| *o == Open::Placeholder)
        .or(stack.last())?;
    let span = Span::new(offset + at, offset + text.len());
    Some(match open {
        Open::Single | Open::Double => {
            let q = if open == Open::Single { '\'' } else { '"' };
            Diagnostic::error(
                Code::UnbalancedQuote,
                span,
                format!("`{q}` is never closed"),
            )
            .with_label("quoted text starts here")
            .with_help(format!(
                "close the text with `{q}`; write `\\{q}` for a quote inside it"
            ))
        }
        Open::Placeholder => {
            Diagnostic::error(Code::UnterminatedPlaceholder, span, "`${` is never closed")
                .with_label("placeholder starts here")
                .with_help("close the placeholder with `}`, e.g. `${profile.email}`")
        }
        Open::Paren | Open::Bracket => {
            let (o, c) = if open == Open::Paren {
                ('(', ')')
            } else {
                ('[', ']')
            };
            Diagnostic::error(
                Code::UnbalancedBracket,
                span,
                format!("`{o}` is never closed"),
            )
            .with_label("opened here")
            .with_help(format!("add the closing `{c}`"))
        }
    })
}

// ------------------------------------------------------------------------------ sources

/// Parses a source expression standing alone (`text` is trimmed, at byte `offset` of the file).
pub fn parse_source(text: &str, offset: usize, diagnostics: &mut Vec<Diagnostic>) -> Option<Expr> {
    match MappingParser::parse(Rule::source_full, text) {
        Ok(mut pairs) => {
            let full = pairs.next().expect("source_full yields one pair");
            let source = full.into_inner().next().expect("source");
            Some(build_source(source, offset))
        }
        Err(e) => {
            diagnostics.push(diagnose_balance(text, offset).unwrap_or_else(|| {
                pest_error(&e, offset, Code::SourceSyntax, "the source").with_help(
                    "a source is a dot path (`profile.email`), a `$` JSONPath, a quoted \
                         template (\"${a} ${b}\"), a quoted literal ('x') or a function call \
                         (`lower(profile.email)`)",
                )
            }));
            None
        }
    }
}

fn build_source(pair: Pair<Rule>, offset: usize) -> Expr {
    let inner = if pair.as_rule() == Rule::source {
        pair.into_inner()
            .next()
            .expect("source has one alternative")
    } else {
        pair
    };
    let span = span_of(&inner, offset);
    match inner.as_rule() {
        Rule::function_call => {
            let mut parts = inner.into_inner();
            let name = parts.next().expect("function name");
            let name = Spanned::new(name.as_str().to_string(), span_of(&name, offset));
            let args = parts.map(|p| build_source(p, offset)).collect();
            Expr::Call { name, args, span }
        }
        Rule::template => {
            let parts = inner
                .into_inner()
                .map(|p| match p.as_rule() {
                    Rule::placeholder => TemplatePart::Placeholder(build_source(
                        p.into_inner().next().expect("placeholder source"),
                        offset,
                    )),
                    _ => TemplatePart::Text(unescape(p.as_str())),
                })
                .collect();
            Expr::Template { parts, span }
        }
        Rule::literal => {
            let text = inner
                .into_inner()
                .next()
                .map(|p| unescape(p.as_str()))
                .unwrap_or_default();
            Expr::Literal(Spanned::new(text, span))
        }
        Rule::jsonpath => Expr::JsonPath(Spanned::new(inner.as_str().to_string(), span)),
        Rule::compat_jsonpath => {
            let mut parts = inner.into_inner();
            let mut next = || {
                let p = parts.next().expect("compat part");
                Spanned::new(p.as_str().to_string(), span_of(&p, offset))
            };
            let value_path = next();
            let condition_path = next();
            let equals = next();
            Expr::CompatJsonPath {
                value_path,
                condition_path,
                equals,
                span,
            }
        }
        Rule::where_path => {
            let mut parts = inner.into_inner();
            let mut next = || {
                let p = parts.next().expect("where part");
                Spanned::new(p.as_str().to_string(), span_of(&p, offset))
            };
            let head = next();
            let condition_path = next();
            let equals = next();
            Expr::Where {
                head,
                condition_path,
                equals,
                span,
            }
        }
        _ => {
            let segments = inner.into_inner().map(|p| p.as_str().to_string()).collect();
            Expr::Path(Spanned::new(segments, span))
        }
    }
}

/// Resolves backslash escapes of quoted text: `\'`, `\"`, `\\`, `\n`, `\t`; any other escaped
/// character stands for itself.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

// ------------------------------------------------------------------------------ targets

fn parse_target(
    rhs: &str,
    offset: usize,
    eq: Span,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(Spanned<String>, Option<Pipe>)> {
    let full = MappingParser::parse(Rule::target_full, rhs)
        .ok()?
        .next()
        .expect("target_full yields one pair");
    let mut parts = full.into_inner();
    let attribute = parts.next().expect("attribute");
    let (name, name_span) = trimmed(attribute.as_str(), attribute.as_span().start() + offset);
    let mut ok = true;
    if name.is_empty() {
        diagnostics.push(
            Diagnostic::error(Code::EmptyAttribute, eq, "no attribute name after `=`")
                .with_label("the attribute to write is missing after this `=`")
                .with_help("name the Assets attribute, e.g. `map:profile.email=Email`"),
        );
        ok = false;
    }
    let pipe = match parts.next().filter(|p| p.as_rule() == Rule::pipe) {
        None => None,
        Some(p) => {
            let (text, span) = trimmed(p.as_str(), p.as_span().start() + offset);
            let pipe = if text.contains("${") {
                parse_aql(text, span.start, diagnostics).map(Pipe::Reference)
            } else {
                parse_options(text, span, diagnostics).map(Pipe::Options)
            };
            ok &= pipe.is_some();
            pipe
        }
    };
    ok.then(|| (Spanned::new(name.to_string(), name_span), pipe))
}

fn parse_options(
    text: &str,
    span: Span,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<PipeOption>> {
    match MappingParser::parse(Rule::options_full, text) {
        Ok(mut pairs) => {
            let full = pairs.next().expect("options_full yields one pair");
            let options = full
                .into_inner()
                .filter(|p| p.as_rule() == Rule::option)
                .map(|p| {
                    let mut parts = p.into_inner();
                    let name = parts.next().expect("option name");
                    let value = parts.next().expect("option value");
                    let (v, v_span) = trimmed(value.as_str(), value.as_span().start() + span.start);
                    PipeOption {
                        name: Spanned::new(name.as_str().to_string(), span_of(&name, span.start)),
                        value: Spanned::new(v.to_string(), v_span),
                    }
                })
                .collect();
            Some(options)
        }
        Err(e) => {
            let help = "after `|` write a reference query with a `${…}` placeholder \
                        (`Name=${roles}`) or an option (`arraySeparator=;`)";
            let d = if text.is_empty() {
                Diagnostic::error(Code::ReferenceSyntax, span, "nothing after `|`")
                    .with_label("empty after the pipe")
            } else if !text.contains('=') {
                Diagnostic::error(
                    Code::ReferenceSyntax,
                    span,
                    "cannot read the text after `|`",
                )
                .with_label("neither a reference query nor an option")
            } else {
                pest_error(&e, span.start, Code::UnknownOption, "the options")
            };
            diagnostics.push(d.with_help(help));
            None
        }
    }
}

/// Parses the AQL of a reference (values are `${…}` placeholders or constants).
pub fn parse_aql(text: &str, offset: usize, diagnostics: &mut Vec<Diagnostic>) -> Option<Aql> {
    match MappingParser::parse(Rule::aql_full, text) {
        Ok(mut pairs) => {
            let full = pairs.next().expect("aql_full yields one pair");
            let aql = full.into_inner().next().expect("aql");
            let span = span_of(&aql, offset);
            let terms = aql
                .into_inner()
                .filter(|p| p.as_rule() == Rule::aql_term)
                .map(|t| build_aql_term(t, offset))
                .collect();
            Some(Aql { terms, span })
        }
        Err(e) => {
            diagnostics.push(diagnose_balance(text, offset).unwrap_or_else(|| {
                pest_error(&e, offset, Code::ReferenceSyntax, "the reference query").with_help(
                    "write `Attribute=${source}`, `\"Attribute Name\"=${source}` or \
                     `Attribute IN (${source})`, joined by `AND`",
                )
            }));
            None
        }
    }
}

fn build_aql_term(term: Pair<Rule>, offset: usize) -> AqlTerm {
    let mut parts = term.into_inner();
    let attr = parts.next().expect("aql attribute");
    let attr_span = span_of(&attr, offset);
    let attribute = Spanned::new(
        aql_text(attr.into_inner().next().expect("attr form")),
        attr_span,
    );
    let op_pair = parts.next().expect("aql operator");
    let op = if op_pair.as_rule() == Rule::aql_in {
        AqlOp::In
    } else {
        AqlOp::Eq
    };
    let values = op_pair
        .into_inner()
        .map(|v| {
            let form = v.into_inner().next().expect("aql value form");
            match form.as_rule() {
                Rule::placeholder => AqlValue::Placeholder(build_source(
                    form.into_inner().next().expect("placeholder source"),
                    offset,
                )),
                _ => {
                    let span = span_of(&form, offset);
                    AqlValue::Constant(Spanned::new(aql_text(form), span))
                }
            }
        })
        .collect();
    AqlTerm {
        attribute,
        op,
        values,
    }
}

fn aql_text(pair: Pair<Rule>) -> String {
    match pair.as_rule() {
        Rule::aql_string => pair
            .into_inner()
            .next()
            .map(|p| unescape(p.as_str()))
            .unwrap_or_default(),
        _ => pair.as_str().to_string(),
    }
}

// ------------------------------------------------------------------------------ filter:

fn parse_condition(
    text: &str,
    offset: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Condition> {
    match MappingParser::parse(Rule::condition_full, text) {
        Ok(mut pairs) => {
            let full = pairs.next().expect("condition_full yields one pair");
            Some(build_condition(
                full.into_inner().next().expect("cond_or"),
                offset,
            ))
        }
        Err(e) => {
            let d = if text.is_empty() {
                Diagnostic::error(
                    Code::ConditionSyntax,
                    Span::new(offset, offset),
                    "empty filter condition",
                )
                .with_label("a condition is missing here")
            } else {
                diagnose_balance(text, offset).unwrap_or_else(|| {
                    pest_error(&e, offset, Code::ConditionSyntax, "the condition")
                })
            };
            diagnostics.push(d.with_help(
                "conditions compare a source with a literal (`status == 'ACTIVE'`, `!=`, `<`, `<=`, \
                 `>`, `>=`), test `source in ['a', 'b']` or `exists(source)`, joined by `and`, `or`, \
                 `not` and parentheses",
            ));
            None
        }
    }
}

fn build_condition(pair: Pair<Rule>, offset: usize) -> Condition {
    match pair.as_rule() {
        Rule::cond_or | Rule::cond_and => {
            let is_or = pair.as_rule() == Rule::cond_or;
            let mut items: Vec<Condition> = pair
                .into_inner()
                .filter(|p| !matches!(p.as_rule(), Rule::kw_or | Rule::kw_and))
                .map(|p| build_condition(p, offset))
                .collect();
            if items.len() == 1 {
                items.pop().expect("one item")
            } else if is_or {
                Condition::Or(items)
            } else {
                Condition::And(items)
            }
        }
        Rule::cond_not => {
            let mut parts = pair.into_inner();
            let first = parts.next().expect("cond_not content");
            if first.as_rule() == Rule::kw_not {
                Condition::Not(Box::new(build_condition(
                    parts.next().expect("negated"),
                    offset,
                )))
            } else {
                build_condition(first, offset)
            }
        }
        Rule::cond_atom => build_condition(pair.into_inner().next().expect("atom"), offset),
        Rule::exists => Condition::Exists(build_source(
            pair.into_inner().next().expect("source"),
            offset,
        )),
        Rule::in_test => {
            let mut parts = pair.into_inner();
            let source = build_source(parts.next().expect("source"), offset);
            let literals = parts.map(|p| build_literal(p, offset)).collect();
            Condition::In { source, literals }
        }
        _ => {
            let mut parts = pair.into_inner();
            let source = build_source(parts.next().expect("source"), offset);
            let op = match parts.next().expect("operator").as_str() {
                "==" => CompareOp::Eq,
                "!=" => CompareOp::Ne,
                "<" => CompareOp::Lt,
                "<=" => CompareOp::Le,
                ">" => CompareOp::Gt,
                _ => CompareOp::Ge,
            };
            let literal = build_literal(parts.next().expect("literal"), offset);
            Condition::Compare {
                source,
                op,
                literal,
            }
        }
    }
}

fn build_literal(pair: Pair<Rule>, offset: usize) -> Spanned<Literal> {
    let span = span_of(&pair, offset);
    let form = pair.into_inner().next().expect("literal form");
    let literal = match form.as_rule() {
        Rule::literal => Literal::Text(
            form.into_inner()
                .next()
                .map(|p| unescape(p.as_str()))
                .unwrap_or_default(),
        ),
        Rule::number => Literal::Number(form.as_str().parse().unwrap_or(f64::NAN)),
        Rule::kw_true => Literal::Bool(true),
        Rule::kw_false => Literal::Bool(false),
        _ => Literal::Null,
    };
    Spanned::new(literal, span)
}

// ------------------------------------------------------------------------------ config:

fn parse_config(
    text: &str,
    offset: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ConfigEntry> {
    match MappingParser::parse(Rule::config_full, text) {
        Ok(mut pairs) => {
            let mut parts = pairs
                .next()
                .expect("config_full yields one pair")
                .into_inner();
            let name = parts.next().expect("config name");
            let value = parts.next().expect("config value");
            let (v, v_span) = trimmed(value.as_str(), value.as_span().start() + offset);
            Some(ConfigEntry {
                name: Spanned::new(name.as_str().to_string(), span_of(&name, offset)),
                value: Spanned::new(v.to_string(), v_span),
            })
        }
        Err(_) => {
            let span = Span::new(offset, offset + text.len());
            diagnostics.push(
                Diagnostic::error(
                    Code::MissingEquals,
                    span,
                    "a config line needs `name=value`",
                )
                .with_label("no `name=value` here")
                .with_help("e.g. `config:data_source=/api/v1/groups`"),
            );
            None
        }
    }
}

// ------------------------------------------------------------------------------ errors

fn rule_name(rule: &Rule) -> &'static str {
    match rule {
        Rule::source | Rule::dot_path | Rule::segment => "a source",
        Rule::function_call => "a function call",
        Rule::template => "a quoted template",
        Rule::literal | Rule::cond_literal => "a quoted literal",
        Rule::number => "a number",
        Rule::jsonpath => "a JSONPath",
        Rule::placeholder => "`${…}`",
        Rule::aql_term | Rule::aql_attr => "an attribute name",
        Rule::aql_value => "a value or `${…}`",
        Rule::aql_in => "`IN (…)`",
        Rule::aql_eq => "`=`",
        Rule::aql_and => "`AND`",
        Rule::cmp_op => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not => "`not`",
        Rule::cond_atom | Rule::cond_not | Rule::cond_or | Rule::cond_and => "a condition",
        Rule::exists => "`exists(…)`",
        Rule::in_test => "`in [...]`",
        Rule::option | Rule::ident => "a name",
        Rule::option_value => "a value",
        Rule::EOI => "the end of the line",
        _ => "more text",
    }
}

/// Turns a pest failure into a diagnostic pointing at the exact place reading stopped.
pub(crate) fn pest_error(
    e: &pest::error::Error<Rule>,
    offset: usize,
    code: Code,
    what: &str,
) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let at = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let expected = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().map(rule_name).collect();
            names.sort_unstable();
            names.dedup();
            names
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let expected = match expected.len() {
        0 => String::new(),
        1 => format!("expected {}", expected[0]),
        _ => {
            let (last, rest) = expected.split_last().expect("non-empty");
            format!("expected {} or {last}", rest.join(", "))
        }
    };
    let span = Span::new(offset + at, offset + at + 1);
    let message = if expected.is_empty() {
        format!("cannot read {what}")
    } else {
        format!("cannot read {what}: {expected}")
    };
    Diagnostic::error(code, span, message).with_label(if expected.is_empty() {
        "reading stopped here".to_string()
    } else {
        expected
    })
}
