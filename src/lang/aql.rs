//! Writing AQL text: attribute names and values, escaped.

/// An AQL string literal: the value in double quotes, with `\` and `"` escaped, so that any
/// value (quotes, backslashes, `AND`/`OR`, unicode) stays one literal.
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    quote_into(&mut s, value);
    s
}

/// [`quote`], appended to `out`.
pub fn quote_into(out: &mut String, value: &str) {
    out.reserve(value.len() + 2);
    out.push('"');
    let mut rest = value;
    while let Some(i) = memchr::memchr2(b'"', b'\\', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        out.push('\\');
        out.push_str(&rest[i..i + 1]);
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out.push('"');
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
