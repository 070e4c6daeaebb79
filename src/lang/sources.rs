//! Source expressions: syntax tree → compiled [`Source`], with functions resolved and checked.

use super::ast::{self, Expr};
use super::program::*;
use crate::diag::{did_you_mean, Code, Diagnostic, Span};

/// The functions of the language: name, the arguments it takes (shown in errors).
const FUNCTIONS: &[(&str, &str)] = &[
    ("lower", "(source)"),
    ("upper", "(source)"),
    ("trim", "(source)"),
    ("coalesce", "(source, source, …)"),
    ("concat", "(source, source, …)"),
    ("split", "(source, 'separator')"),
    ("join", "(source, 'separator')"),
    ("replace", "(source, 'from', 'to')"),
    ("date", "(source, 'format')"),
    ("first", "(source)"),
];

pub fn compile_source(expr: &Expr, diags: &mut Vec<Diagnostic>) -> Option<Source> {
    match expr {
        Expr::Path(p) => Some(Source::Path(PathRef {
            path: DotPath(p.value.iter().map(|s| Segment::new(s)).collect()),
            slot: 0,
        })),
        Expr::Literal(l) => Some(Source::Literal(l.value.clone())),
        Expr::JsonPath(p) => compile_jsonpath(&p.value, p.span, diags).map(Source::JsonPath),
        Expr::CompatJsonPath {
            value_path,
            condition_path,
            equals,
            span,
        } => compile_compat(value_path, condition_path, equals, *span, diags),
        Expr::Where {
            head,
            condition_path,
            equals,
            span,
        } => {
            // `values.0_where_operatingSystem/name_eq_Uptime`: in the array `operatingSystem`,
            // the elements whose `name` is `Uptime`, and of those `values.0`.
            let mut condition = DotPath::parse(&condition_path.value, '/');
            let field = condition.0.pop();
            match field {
                Some(field)
                    if !condition.0.is_empty()
                        && !condition
                            .0
                            .iter()
                            .chain([&field])
                            .any(|s| s.name.is_empty()) =>
                {
                    Some(Source::Filtered(Box::new(FilteredPath {
                        array: condition,
                        condition: DotPath(vec![field]),
                        equals: Equals::new(&equals.value),
                        value: DotPath::parse(&head.value, '.'),
                    })))
                }
                _ => {
                    diags.push(
                        Diagnostic::error(Code::InvalidCompatFilter, *span, "the condition needs `<array>/<field>`")
                            .with_label("no array named before the field")
                            .with_help("e.g. `values.0_where_operatingSystem/name_eq_Uptime` reads `values.0` of the `operatingSystem` element whose `name` is `Uptime`"),
                    );
                    None
                }
            }
        }
        Expr::Template { parts, .. } => {
            let mut out = Vec::with_capacity(parts.len());
            let mut ok = true;
            for part in parts {
                match part {
                    ast::TemplatePart::Text(t) => out.push(TemplatePart::Text(t.clone())),
                    ast::TemplatePart::Placeholder(e) => match compile_source(e, diags) {
                        Some(s) => out.push(TemplatePart::Source(s)),
                        None => ok = false,
                    },
                }
            }
            ok.then_some(Source::Template(out))
        }
        Expr::Call { name, args, span } => compile_call(&name.value, name.span, args, *span, diags),
    }
}

fn compile_jsonpath(text: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Option<JsonPathQuery> {
    let joined = super::jsonpath::join_segments(text);
    match jsonpath_rust::parser::parse_json_path(&joined) {
        Ok(query) => {
            if let Some(reason) = super::jsonpath::ill_typed(&query) {
                diags.push(
                    Diagnostic::error(Code::InvalidJsonPath, span, format!("invalid JSONPath `{text}`: {reason}"))
                        .with_label("a function is used against its type (RFC 9535 §2.4)")
                        .with_help("compare a value-giving function (`length(@.name) > 0`), and give `length`, `match` and `search` a query that selects one node"),
                );
                return None;
            }
            let singular = super::jsonpath::singular(&query.segments);
            Some(JsonPathQuery {
                text: text.to_string(),
                query,
                singular,
            })
        }
        Err(e) => {
            // Point at the place the JSONPath reader stopped, when it says where.
            let (at, expected) = match &e {
                jsonpath_rust::parser::errors::JsonPathError::PestError(p) => {
                    let at = match p.location {
                        pest::error::InputLocation::Pos(p) => p,
                        pest::error::InputLocation::Span((s, _)) => s,
                    };
                    (Some(at), "the JSONPath cannot be read from here on")
                }
                _ => (None, "not RFC 9535 JSONPath"),
            };
            // Positions are in the joined text: where blank space was taken out, the place
            // shown moves left by as much, still within the query.
            let span = match at {
                Some(at) if text.is_char_boundary(at) && at < text.len() => {
                    let end = at + text[at..].chars().next().map_or(1, char::len_utf8);
                    Span::new(span.start + at, span.start + end)
                }
                _ => span,
            };
            diags.push(
                Diagnostic::error(Code::InvalidJsonPath, span, format!("invalid JSONPath `{text}`"))
                    .with_label(expected)
                    .with_help("write RFC 9535 JSONPath, e.g. `$.credentials.emails[?@.type=='PRIMARY'].value`"),
            );
            None
        }
    }
}

fn compile_compat(
    value_path: &ast::Spanned<String>,
    condition_path: &ast::Spanned<String>,
    equals: &ast::Spanned<String>,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Source> {
    let value = DotPath::parse(&value_path.value, '.');
    let condition = DotPath::parse(&condition_path.value, '.');
    let star = |p: &DotPath| p.0.iter().position(|s| &*s.name == "*");
    let (Some(vs), Some(cs)) = (star(&value), star(&condition)) else {
        diags.push(
            Diagnostic::error(Code::InvalidCompatFilter, span, "both paths need a `*` marking the array to filter")
                .with_label("no `*` segment")
                .with_help("e.g. `jsonpath__workAssignments.*.address.cityName__where__workAssignments.*.primaryIndicator_eq_true`"),
        );
        return None;
    };
    if value.0[..vs] != condition.0[..cs] || vs == 0 {
        diags.push(
            Diagnostic::error(
                Code::InvalidCompatFilter,
                condition_path.span,
                "the value path and the condition path must filter the same array",
            )
            .with_label("differs from the value path before `*`")
            .with_help("write the same path before `*` on both sides of `__where__`"),
        );
        return None;
    }
    Some(Source::Filtered(Box::new(FilteredPath {
        array: DotPath(value.0[..vs].to_vec()),
        condition: DotPath(condition.0[cs + 1..].to_vec()),
        equals: Equals::new(&equals.value),
        value: DotPath(value.0[vs + 1..].to_vec()),
    })))
}

fn compile_call(
    name: &str,
    name_span: Span,
    args: &[Expr],
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Source> {
    let Some((_, signature)) = FUNCTIONS.iter().find(|(n, _)| *n == name) else {
        let mut d = Diagnostic::error(
            Code::UnknownFunction,
            name_span,
            format!("unknown function `{name}`"),
        )
        .with_label("no such function");
        d.help = Some(match did_you_mean(name, FUNCTIONS.iter().map(|f| f.0)) {
            Some(hint) => hint,
            None => format!(
                "the functions are {}",
                FUNCTIONS.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
            ),
        });
        diags.push(d);
        return None;
    };
    let (min, max) = match name {
        "coalesce" | "concat" => (1, usize::MAX),
        "split" | "join" | "date" => (2, 2),
        "replace" => (3, 3),
        _ => (1, 1),
    };
    if args.len() < min || args.len() > max {
        let wanted = if max == usize::MAX {
            format!("at least {min}")
        } else {
            min.to_string()
        };
        diags.push(
            Diagnostic::error(
                Code::WrongArity,
                span,
                format!(
                    "`{name}` takes {wanted} argument{}, found {}",
                    if min == 1 && max == 1 { "" } else { "s" },
                    args.len()
                ),
            )
            .with_label("wrong number of arguments")
            .with_help(format!("call it as `{name}{signature}`")),
        );
        return None;
    }
    // The first argument is a source; for the fixed-arity functions the rest are literals.
    let literal = |i: usize, diags: &mut Vec<Diagnostic>| -> Option<String> {
        match &args[i] {
            Expr::Literal(l) => Some(l.value.clone()),
            other => {
                diags.push(
                    Diagnostic::error(
                        Code::LiteralArgumentExpected,
                        other.span(),
                        format!("argument {} of `{name}` must be a quoted literal", i + 1),
                    )
                    .with_label("not a quoted literal")
                    .with_help(format!(
                        "call it as `{name}{signature}`, with argument {} in single quotes, e.g. `{}`",
                        i + 1,
                        literal_example(name)
                    )),
                );
                None
            }
        }
    };
    let call = match name {
        "coalesce" | "concat" => {
            let mut sources = Vec::with_capacity(args.len());
            let mut ok = true;
            for a in args {
                match compile_source(a, diags) {
                    Some(s) => sources.push(s),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            if name == "coalesce" {
                Call::Coalesce(sources)
            } else {
                Call::Concat(sources)
            }
        }
        _ => {
            let first = compile_source(&args[0], diags);
            let lits: Vec<Option<String>> = (1..args.len()).map(|i| literal(i, diags)).collect();
            let first = first?;
            let lits: Vec<String> = lits.into_iter().collect::<Option<_>>()?;
            match name {
                "lower" => Call::Lower(first),
                "upper" => Call::Upper(first),
                "trim" => Call::Trim(first),
                "first" => Call::First(first),
                "split" => Call::Split(first, lits[0].clone()),
                "join" => Call::Join(first, lits[0].clone()),
                "replace" => Call::Replace(first, lits[0].clone(), lits[1].clone()),
                _ => {
                    let format = &lits[0];
                    if !valid_date_format(format) {
                        diags.push(
                            Diagnostic::error(
                                Code::InvalidDateFormat,
                                args[1].span(),
                                format!("invalid date format '{format}'"),
                            )
                            .with_label("not a strftime format")
                            .with_help(
                                "use strftime fields such as '%Y-%m-%d' or '%d.%m.%Y %H:%M'",
                            ),
                        );
                        return None;
                    }
                    Call::Date(first, DateFormat(format.clone()))
                }
            }
        }
    };
    Some(Source::Call(Box::new(call)))
}

fn valid_date_format(format: &str) -> bool {
    use chrono::format::{Item, StrftimeItems};
    !format.is_empty() && StrftimeItems::new(format).all(|item| !matches!(item, Item::Error))
}

/// A call of a function whose later arguments are literals, as the hint of M023 shows it.
fn literal_example(name: &str) -> &'static str {
    match name {
        "date" => "date(hireDate, '%Y-%m-%d')",
        "split" => "split(tags, ',')",
        "join" => "join(groups, ';')",
        "replace" => "replace(name, ' ', '_')",
        _ => "'text'",
    }
}
