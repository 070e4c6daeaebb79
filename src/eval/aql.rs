//! Rendering reference queries as AQL text, with values escaped.

/// An AQL string literal: the value in double quotes, with `\` and `"` escaped, so that any
/// value (quotes, backslashes, `AND`/`OR`, unicode) stays one literal.
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

/// An attribute name as AQL needs it: bare when it is a plain word, quoted otherwise.
pub fn attribute(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
        && !name.eq_ignore_ascii_case("and")
        && !name.eq_ignore_ascii_case("in");
    if plain {
        name.to_string()
    } else {
        quote(name)
    }
}
