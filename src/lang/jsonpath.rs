//! What the compiler adds to the JSONPath library for RFC 9535: blank space between segments,
//! and the well-typedness of function expressions (RFC 9535 §2.4.3), which the library does
//! not check.

use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter, FilterAtom, FnArg, JpQuery, Segment, Selector, Test,
    TestFunction,
};
use std::borrow::Cow;

/// The query without the blank space RFC 9535 allows between segments (`$ ['a']`,
/// `$['a'] ['b']`, `@ .b`), which the library does not read. Blank space inside string literals
/// is kept.
pub fn join_segments(text: &str) -> Cow<'_, str> {
    if !text.contains([' ', '\t']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut blank = String::new();
    for c in text.chars() {
        if let Some(q) = quote {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                _ if c == q => quote = None,
                _ => {}
            }
            continue;
        }
        if c == ' ' || c == '\t' {
            blank.push(c);
            continue;
        }
        // Blank space before a segment goes; any other is the query's own.
        if !(c == '[' || c == '.') {
            out.push_str(&blank);
        }
        blank.clear();
        if c == '\'' || c == '"' {
            quote = Some(c);
        }
        out.push(c);
    }
    out.push_str(&blank);
    Cow::Owned(out)
}

/// The first function expression of the query that RFC 9535 does not allow, said as a reason.
pub fn ill_typed(query: &JpQuery) -> Option<String> {
    segments(&query.segments)
}

fn segments(segments: &[Segment]) -> Option<String> {
    segments.iter().find_map(segment)
}

fn segment(segment: &Segment) -> Option<String> {
    match segment {
        Segment::Descendant(inner) => self::segment(inner),
        Segment::Selector(s) => selector(s),
        Segment::Selectors(list) => list.iter().find_map(selector),
    }
}

fn selector(selector: &Selector) -> Option<String> {
    match selector {
        Selector::Filter(f) => filter(f),
        _ => None,
    }
}

fn filter(f: &Filter) -> Option<String> {
    match f {
        Filter::Or(list) | Filter::And(list) => list.iter().find_map(filter),
        Filter::Atom(FilterAtom::Filter { expr, .. }) => filter(expr),
        Filter::Atom(FilterAtom::Test { expr, .. }) => match expr.as_ref() {
            Test::Function(f) if gives_value(f) => Some(format!(
                "`{}()` gives a value, not true or false: compare it, e.g. `{}(…) > 0`",
                name(f),
                name(f)
            )),
            Test::Function(f) => function(f),
            Test::RelQuery(s) => segments(s),
            Test::AbsQuery(q) => segments(&q.segments),
        },
        Filter::Atom(FilterAtom::Comparison(c)) => comparison(c),
    }
}

fn comparison(c: &Comparison) -> Option<String> {
    let (a, b) = match c {
        Comparison::Eq(a, b)
        | Comparison::Ne(a, b)
        | Comparison::Gt(a, b)
        | Comparison::Gte(a, b)
        | Comparison::Lt(a, b)
        | Comparison::Lte(a, b) => (a, b),
    };
    [a, b].into_iter().find_map(|side| match side {
        Comparable::Function(f) => function(f),
        Comparable::Literal(_) | Comparable::SingularQuery(_) => None,
    })
}

/// Whether the function's result is a value (ValueType), rather than true or false.
fn gives_value(f: &TestFunction) -> bool {
    matches!(
        f,
        TestFunction::Length(_) | TestFunction::Value(_) | TestFunction::Count(_)
    )
}

fn name(f: &TestFunction) -> &str {
    match f {
        TestFunction::Custom(name, _) => name,
        TestFunction::Length(_) => "length",
        TestFunction::Value(_) => "value",
        TestFunction::Count(_) => "count",
        TestFunction::Search(..) => "search",
        TestFunction::Match(..) => "match",
    }
}

fn function(f: &TestFunction) -> Option<String> {
    match f {
        TestFunction::Length(arg) => value_argument(f, arg),
        TestFunction::Search(a, b) | TestFunction::Match(a, b) => {
            value_argument(f, a).or_else(|| value_argument(f, b))
        }
        TestFunction::Value(arg) | TestFunction::Count(arg) => match arg {
            FnArg::Test(test) => match test.as_ref() {
                Test::RelQuery(s) => segments(s),
                Test::AbsQuery(q) => segments(&q.segments),
                Test::Function(_) => Some(format!("`{}()` takes a query", name(f))),
            },
            _ => Some(format!("`{}()` takes a query", name(f))),
        },
        TestFunction::Custom(..) => None,
    }
}

/// An argument where RFC 9535 wants a single value: a literal, a query that selects at most one
/// node, or a function that gives a value.
fn value_argument(f: &TestFunction, arg: &FnArg) -> Option<String> {
    let not_singular = || {
        Some(format!(
            "`{}()` takes a single value: a query here must select at most one node (names and indexes only, no `*`, `..`, lists, slices or filters)",
            name(f)
        ))
    };
    match arg {
        FnArg::Literal(_) => None,
        FnArg::Test(test) => match test.as_ref() {
            Test::RelQuery(s) if singular(s) => segments(s),
            Test::AbsQuery(q) if singular(&q.segments) => segments(&q.segments),
            Test::RelQuery(_) | Test::AbsQuery(_) => not_singular(),
            Test::Function(inner) if gives_value(inner) => function(inner),
            Test::Function(inner) => Some(format!(
                "`{}()` gives true or false, not a value `{}()` can take",
                name(inner),
                name(f)
            )),
        },
        FnArg::Filter(_) => Some(format!(
            "`{}()` takes a single value, not a condition",
            name(f)
        )),
    }
}

/// Whether a query selects at most one node of any document: names and indexes only, no
/// wildcards, filters, slices, lists or descendants.
pub fn singular(segments: &[Segment]) -> bool {
    segments
        .iter()
        .all(|s| matches!(s, Segment::Selector(Selector::Name(_) | Selector::Index(_))))
}

#[cfg(test)]
mod tests {
    use super::join_segments;

    #[test]
    fn blank_space_between_segments_goes_and_inside_strings_stays() {
        assert_eq!(join_segments("$ ['a']"), "$['a']");
        assert_eq!(join_segments("$['a'] \t['b'] .c"), "$['a']['b'].c");
        assert_eq!(join_segments("$[' a ' , 'b']"), "$[' a ' , 'b']");
        assert_eq!(
            join_segments("$[?@.a == 'x [y' && @ .b]"),
            "$[?@.a == 'x [y' && @.b]"
        );
        assert_eq!(join_segments(r#"$["a\" .b"]"#), r#"$["a\" .b"]"#);
    }
}
