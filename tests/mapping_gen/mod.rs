//! Generators for the property tests: hostile "mapping-like" text built from fragments, valid
//! mappings built from the grammar, and JSON records.
//!
//! The valid-mapping generator only writes what the grammar accepts. Where the grammar needs a
//! space (around `and`/`or`, before `in`, after `not`, between a source that ends in `!`, `<` or
//! `>` and the `=` that follows it), the generator always puts one; everywhere else spaces and
//! tabs are optional and random.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};
use serde_json::Value;

// ------------------------------------------------------------------------------ whitespace

/// Optional spaces and tabs, as people leave them around separators.
pub fn hs() -> BoxedStrategy<String> {
    prop_oneof![
        6 => Just(""),
        2 => Just(" "),
        1 => Just("\t"),
        1 => Just(" \t  "),
    ]
    .prop_map(String::from)
    .boxed()
}

/// At least one space or tab, where the grammar needs one.
pub fn hs1() -> BoxedStrategy<String> {
    prop_oneof![4 => Just(" "), 1 => Just("\t"), 1 => Just("  \t ")]
        .prop_map(String::from)
        .boxed()
}

fn pick(options: &'static [&'static str]) -> BoxedStrategy<String> {
    select(options).prop_map(String::from).boxed()
}

// ------------------------------------------------------------------------------ hostile text

/// Pieces of mapping syntax, line ends of every kind, a byte-order mark and characters of
/// several widths: concatenated at random they make text that is almost, but rarely quite, a
/// mapping, which reaches far more error paths than uniformly random characters do.
pub const FRAGMENTS: &[&str] = &[
    "key:",
    "map:",
    "filter:",
    "config:",
    "Users:",
    "Groups :",
    "mpa:",
    "=",
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    "|",
    "${",
    "}",
    "\"",
    "'",
    "\\",
    "[",
    "]",
    "(",
    ")",
    ",",
    ".",
    "*",
    "$.",
    "$",
    "$..",
    "[?@.type=='PRIMARY']",
    "_where_",
    "_eq_",
    "jsonpath__",
    "__where__",
    "/",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "   ",
    "\u{FEFF}",
    "\u{A0}",
    "é",
    "名前",
    "🙂",
    "#",
    "# comment\n",
    "profile.email",
    "groups.0.name",
    "Name",
    "First Name",
    "lower(",
    "concat(",
    "coalesce(",
    "split(",
    "date(",
    "'%Y-%m-%d'",
    "'%Q'",
    "AND",
    " AND ",
    "IN",
    " IN (",
    " and ",
    " or ",
    "not ",
    "exists(",
    " in [",
    "true",
    "null",
    "-1.5e3",
    "0",
    "arraySeparator=",
    "arraySeperator=",
    "object_type=",
    "references=lookup",
    "missing=set:Status=",
    "missing_limit=",
    "%",
    "page_size=",
    "data_source=",
    "\0",
];

fn fragment() -> BoxedStrategy<String> {
    prop_oneof![
        6 => pick(FRAGMENTS),
        2 => "[a-zA-Z0-9_]{1,4}",
        1 => "[é名🙂\u{A0}]{1,2}",
        1 => any::<char>().prop_map(String::from),
    ]
    .boxed()
}

/// Text made of [`FRAGMENTS`], short random words and single random characters: either free
/// running, or as lines that start with an entry prefix, a header or a comment, the last one
/// often without a line end, so that constructs left unfinished at the very end of the file
/// (`filter:a ==`) turn up often.
pub fn mapping_like() -> BoxedStrategy<String> {
    let free = vec(fragment(), 0..80).prop_map(|parts| parts.concat());
    let line = (
        pick(&[
            "key:", "map:", "filter:", "config:", "Users:", "#", "", " \t",
        ]),
        vec(fragment(), 0..12),
        pick(&["\n", "\r\n", "\r"]),
    );
    let lines = (vec(line, 1..6), any::<bool>()).prop_map(|(lines, final_end)| {
        let n = lines.len();
        let mut text = String::new();
        for (i, (prefix, body, end)) in lines.into_iter().enumerate() {
            text.push_str(&prefix);
            text.push_str(&body.concat());
            if i + 1 < n || final_end {
                text.push_str(&end);
            }
        }
        text
    });
    prop_oneof![free, lines].boxed()
}

/// Bytes of [`mapping_like`] text with a few arbitrary bytes spliced in, so that invalid UTF-8
/// turns up in the middle of otherwise plausible lines.
pub fn mapping_like_bytes() -> BoxedStrategy<Vec<u8>> {
    (mapping_like(), vec((any::<Index>(), any::<u8>()), 0..4))
        .prop_map(|(text, splices)| {
            let mut bytes = text.into_bytes();
            for (at, byte) in splices {
                let i = at.index(bytes.len() + 1);
                bytes.insert(i, byte);
            }
            bytes
        })
        .boxed()
}

// ------------------------------------------------------------------------------ sources

const SEGMENTS: &[&str] = &[
    "id",
    "profile",
    "email",
    "firstName",
    "groups",
    "name",
    "0",
    "1",
    "_embedded",
    "login-name",
    "prénom",
    "名前",
    "a@b",
    // Unicode spaces are path characters (only spaces and tabs separate): they must survive
    // at the ends of a source as well as inside it.
    "\u{A0}nbsp",
    "em\u{2003}",
];

pub fn dot_path() -> BoxedStrategy<String> {
    vec(select(SEGMENTS), 1..4)
        .prop_map(|s| s.join("."))
        .boxed()
}

/// RFC 9535 queries that the JSONPath library reads; some have spaces, commas and quotes
/// inside brackets, where the mapping grammar must not end the source.
pub const JSONPATHS: &[&str] = &[
    "$",
    "$.profile.email",
    "$.credentials.emails[?@.type=='PRIMARY'].value",
    "$.groups[*].profile.name",
    "$['first name']",
    "$..id",
    "$.emails[0].value",
    "$.items[?@.n > 2 && @.m != 'x, y']",
];

/// Pieces of quoted literal text: escapes, quotes of the other kind, separators and
/// characters that mean something outside quotes.
const LITERAL_TOKENS: &[&str] = &[
    "a", "Okta", " ", "-", ",", ";", "é", "🙂", "\\'", "\\\\", "\"", "|", "=", "${x}", "(", ")",
    "[", "]", "#", "%Y", "\\n", "\t",
];

pub fn literal() -> BoxedStrategy<String> {
    vec(select(LITERAL_TOKENS), 0..5)
        .prop_map(|t| format!("'{}'", t.concat()))
        .boxed()
}

/// Pieces of template text (between the placeholders of a `"…"` template).
const TEMPLATE_TOKENS: &[&str] = &[
    "Hello", " ", "-", "é", "\\\"", "\\\\", "'", "=", "|", "(", "[", "$", "}", "#", ",", "\\n",
    "\t",
];

pub fn placeholder(inner: BoxedStrategy<String>) -> BoxedStrategy<String> {
    (hs(), inner, hs())
        .prop_map(|(a, s, b)| format!("${{{a}{s}{b}}}"))
        .boxed()
}

pub fn template(inner: BoxedStrategy<String>) -> BoxedStrategy<String> {
    vec(
        prop_oneof![
            2 => pick(TEMPLATE_TOKENS),
            1 => placeholder(inner),
        ],
        0..4,
    )
    .prop_map(|parts| format!("\"{}\"", parts.concat()))
    .boxed()
}

/// `a, b` with optional spaces around the comma.
pub fn comma_list(items: Vec<String>, seps: Vec<(String, String)>) -> String {
    let mut s = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            let (a, b) = &seps[(i - 1) % seps.len()];
            s.push_str(a);
            s.push(',');
            s.push_str(b);
        }
        s.push_str(item);
    }
    s
}

pub fn call(inner: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let seps = || vec((hs(), hs()), 1..3);
    let open = || (hs(), hs());
    prop_oneof![
        (
            pick(&["lower", "upper", "trim", "first"]),
            open(),
            inner.clone(),
            hs()
        )
            .prop_map(|(f, (a, b), s, c)| format!("{f}{a}({b}{s}{c})")),
        (
            pick(&["coalesce", "concat"]),
            open(),
            vec(prop_oneof![3 => inner.clone(), 1 => literal()], 1..4),
            seps(),
            hs(),
        )
            .prop_map(|(f, (a, b), args, seps, c)| format!(
                "{f}{a}({b}{}{c})",
                comma_list(args, seps)
            )),
        (
            pick(&["split", "join"]),
            open(),
            inner.clone(),
            literal(),
            seps(),
            hs()
        )
            .prop_map(|(f, (a, b), s, l, seps, c)| format!(
                "{f}{a}({b}{}{c})",
                comma_list(vec![s, l], seps)
            )),
        (open(), inner.clone(), literal(), literal(), seps(), hs()).prop_map(
            |((a, b), s, x, y, seps, c)| format!(
                "replace{a}({b}{}{c})",
                comma_list(vec![s, x, y], seps)
            )
        ),
        (
            open(),
            inner,
            pick(&["'%Y-%m-%d'", "'%d.%m.%Y %H:%M'", "'%Y'"]),
            seps(),
            hs()
        )
            .prop_map(|((a, b), s, f, seps, c)| format!(
                "date{a}({b}{}{c})",
                comma_list(vec![s, f], seps)
            )),
    ]
    .boxed()
}

/// The value after `_eq_` in the compatibility forms. It may end in `!`, `<` or `>`, which
/// the grammar reads as part of `!=`, `<=`, `>=` when an `=` follows without a space.
fn compat_value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[A-Za-z0-9.-]{0,6}",
        1 => "[A-Za-z0-9]{0,3}[!<>]",
    ]
    .boxed()
}

fn compat() -> BoxedStrategy<String> {
    prop_oneof![
        (
            pick(&["workAssignments", "a.b"]),
            pick(&["address.cityName", "name", "0.x"]),
            pick(&["primaryIndicator", "kind.code"]),
            compat_value(),
        )
            .prop_map(|(p, v, c, e)| format!("jsonpath__{p}.*.{v}__where__{p}.*.{c}_eq_{e}")),
        (
            pick(&["values.0", "value", "0"]),
            pick(&["operatingSystem/name", "os/kind/name"]),
            compat_value(),
        )
            .prop_map(|(h, c, e)| format!("{h}_where_{c}_eq_{e}")),
    ]
    .boxed()
}

/// A source expression of every form, nested up to `depth` levels.
pub fn source(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        5 => dot_path(),
        1 => pick(JSONPATHS),
        1 => literal(),
        1 => compat(),
    ]
    .boxed();
    if depth == 0 {
        return leaf;
    }
    let inner = source(depth - 1);
    prop_oneof![
        4 => leaf,
        1 => template(inner.clone()),
        2 => call(inner),
    ]
    .boxed()
}

// ------------------------------------------------------------------------------ targets

const ATTRIBUTES: &[&str] = &[
    "Email",
    "First Name",
    "Name",
    "Department",
    "Ünïcode Attr",
    "Cost/Centre",
    "Size (cm)",
    "a=b",
    "O'Brien",
    "Tags",
    "#Hash",
    "=Weird",
    "\u{A0}Padded\u{3000}",
];

/// `<source>=<attribute>` with random spaces, and a space wherever one is needed to keep the
/// `=` a separator: after a source ending in `!`, `<` or `>`, and before an attribute that
/// starts with `=`.
fn assignment(
    source: String,
    attribute: String,
    (a, b, c, d): (String, String, String, String),
) -> String {
    let before = if source.ends_with(['!', '<', '>']) && a.is_empty() {
        " ".to_string()
    } else {
        a
    };
    let after = if attribute.starts_with('=') && b.is_empty() {
        " ".to_string()
    } else {
        b
    };
    format!("{c}{source}{before}={after}{attribute}{d}")
}

fn four_hs() -> BoxedStrategy<(String, String, String, String)> {
    (hs(), hs(), hs(), hs()).boxed()
}

/// An AQL query after the pipe: terms joined by `AND`, `=` or `IN (…)`, quoted or bare
/// attribute names, placeholders and constants. The first value is always a placeholder,
/// which is what makes the text after the pipe a query rather than options.
fn aql() -> BoxedStrategy<String> {
    let value = || {
        prop_oneof![
            3 => placeholder(source(1)),
            1 => pick(&["Active", "1", "a.b@c-d"]),
            1 => pick(&["\"Active\"", r#""Sales \"EMEA\" \\ OR Name=\"x\"""#, "\"\"", "\"${x}\""]),
        ]
        .boxed()
    };
    let attr = || {
        prop_oneof![
            3 => pick(&["Name", "Key", "email.address", "Group-Id"]),
            1 => pick(&["\"Group Name\"", "\"AND\"", r#""Na\"me""#]),
        ]
        .boxed()
    };
    let term = move |first: BoxedStrategy<String>| {
        prop_oneof![
            (attr(), hs(), hs(), first.clone())
                .prop_map(|(a, h1, h2, v)| format!("{a}{h1}={h2}{v}")),
            (
                attr(),
                hs1(),
                pick(&["IN", "in", "In"]),
                hs(),
                hs(),
                first,
                vec(value(), 0..3),
                vec((hs(), hs()), 1..3),
                hs()
            )
                .prop_map(|(a, h1, kw, h2, h3, v, more, seps, h4)| {
                    let mut values = vec![v];
                    values.extend(more);
                    format!("{a}{h1}{kw}{h2}({h3}{}{h4})", comma_list(values, seps))
                }),
        ]
        .boxed()
    };
    (
        term(placeholder(source(1))),
        vec((hs1(), pick(&["AND", "and"]), hs1(), term(value())), 0..3),
    )
        .prop_map(|(first, rest)| {
            let mut s = first;
            for (a, and, b, t) in rest {
                s.push_str(&format!("{a}{and}{b}{t}"));
            }
            s
        })
        .boxed()
}

pub fn options() -> BoxedStrategy<String> {
    vec(
        (
            hs(),
            hs(),
            hs(),
            pick(&[";", ",", "~", "\\", "/", "; ", " | "]),
            hs(),
        ),
        1..3,
    )
    .prop_map(|opts| {
        opts.into_iter()
            .map(|(a, b, c, sep, d)| {
                // A separator of spaces and `|` would end the option; keep the visible part.
                let sep = sep.trim().trim_matches('|').trim();
                let sep = if sep.is_empty() { ";" } else { sep };
                format!("{a}arraySeparator{b}={c}{sep}{d}")
            })
            .collect::<Vec<_>>()
            .join("|")
    })
    .boxed()
}

fn key_line() -> BoxedStrategy<String> {
    (source(2), pick(ATTRIBUTES), four_hs())
        .prop_map(|(s, a, h)| format!("key:{}", assignment(s, a, h)))
        .boxed()
}

/// A `map:` line; `references` are the attribute names that may carry a reference (their
/// referenced object type is the attribute's name).
fn map_line(references: Vec<String>) -> BoxedStrategy<String> {
    let plain = (source(2), pick(ATTRIBUTES), four_hs())
        .prop_map(|(s, a, h)| format!("map:{}", assignment(s, a, h)));
    let with_options = (source(2), pick(ATTRIBUTES), four_hs(), hs(), options())
        .prop_map(|(s, a, h, p, o)| format!("map:{}{p}|{o}", assignment(s, a, h)));
    let reference = (source(2), select(references), four_hs(), hs(), hs(), aql())
        .prop_map(|(s, a, h, p, q, aql)| format!("map:{}{p}|{q}{aql}", assignment(s, a, h)));
    prop_oneof![4 => plain, 1 => with_options, 2 => reference].boxed()
}

// ------------------------------------------------------------------------------ filter:

fn cond_literal() -> BoxedStrategy<String> {
    prop_oneof![
        2 => literal(),
        1 => pick(&["-1.5", "2", "1e3", "0.25", "true", "false", "null"]),
    ]
    .boxed()
}

fn condition(depth: u32) -> BoxedStrategy<String> {
    let atom = prop_oneof![
        3 => (source(1), hs1(), pick(&["==", "!=", "<", "<=", ">", ">="]), hs1(), cond_literal())
            .prop_map(|(s, a, op, b, l)| format!("{s}{a}{op}{b}{l}")),
        1 => (source(1), hs1(), hs(), hs(), vec(cond_literal(), 0..3), vec((hs(), hs()), 1..3), hs())
            .prop_map(|(s, a, b, c, lits, seps, d)| format!("{s}{a}in{b}[{c}{}{d}]", comma_list(lits, seps))),
        1 => (hs(), hs(), source(1), hs())
            .prop_map(|(a, b, s, c)| format!("exists{a}({b}{s}{c})")),
    ]
    .boxed();
    if depth == 0 {
        return atom;
    }
    let inner = || condition(depth - 1);
    prop_oneof![
        3 => atom,
        1 => (hs1(), inner()).prop_map(|(a, c)| format!("not{a}{c}")),
        1 => (hs(), inner(), hs()).prop_map(|(a, c, b)| format!("({a}{c}{b})")),
        1 => (inner(), hs1(), pick(&["and", "or"]), hs1(), inner())
            .prop_map(|(l, a, op, b, r)| format!("{l}{a}{op}{b}{r}")),
    ]
    .boxed()
}

fn filter_line() -> BoxedStrategy<String> {
    (hs(), condition(2))
        .prop_map(|(a, c)| format!("filter:{a}{c}"))
        .boxed()
}

// ------------------------------------------------------------------------------ config:

const CONFIGS: &[(&str, &[&str])] = &[
    (
        "data_source",
        &[
            "/api/v1/groups",
            "/api/v1/devices?limit=200&expand=userSummary",
            "https://example.okta.com/api/v1/users?filter=status eq \"ACTIVE\"",
        ],
    ),
    ("records", &["_embedded.users", "Resources"]),
    ("section", &["roles,groups,apps", "roles", "groups, apps"]),
    ("search", &["profile.department eq \"Sales\""]),
    ("filter", &["status eq \"ACTIVE\""]),
    ("page_size", &["200", "1"]),
    ("max_pages", &["3"]),
    ("max_loops", &["2"]),
    ("references", &["create", "lookup"]),
    ("empty", &["keep", "clear"]),
    (
        "missing",
        &[
            "keep",
            "delete",
            "set:Status=Inactive",
            "set: Status = Inactive",
        ],
    ),
    ("missing_limit", &["10%", "25", "0.5 %"]),
];

/// Distinct config names (a name set twice is an error) with valid values.
fn config_lines() -> BoxedStrategy<Vec<String>> {
    (
        subsequence((0..CONFIGS.len()).collect::<Vec<_>>(), 0..4),
        vec((any::<Index>(), hs(), hs(), hs()), 4),
    )
        .prop_map(|(names, choices)| {
            names
                .into_iter()
                .zip(choices)
                .map(|(i, (pick, a, b, c))| {
                    let (name, values) = CONFIGS[i];
                    format!(
                        "config:{a}{name}{b}={c}{}",
                        values[pick.index(values.len())]
                    )
                })
                .collect()
        })
        .boxed()
}

// ------------------------------------------------------------------------------ files

const COMMENTS: &[&str] = &[
    "# Okta users",
    "#",
    "#\tindented",
    "# ${ never closed",
    "# map:x=y",
    "# é 🙂",
    "",
    "",
];

const SECTION_NAMES: &[&str] = &["Users", "Groups", "Devices", "Application Servers", "Ünits"];

/// The lines of one section (header excluded), in random order: exactly one `key:`, a few
/// `map:`, `filter:` and `config:` lines, comments and blank lines.
fn section_lines(references: Vec<String>, object_type: bool) -> BoxedStrategy<Vec<String>> {
    (
        key_line(),
        vec(map_line(references), 0..5),
        vec(filter_line(), 0..2),
        config_lines(),
        vec(pick(COMMENTS), 0..3),
    )
        .prop_flat_map(move |(key, maps, filters, configs, comments)| {
            let mut lines = vec![key];
            lines.extend(maps);
            lines.extend(filters);
            lines.extend(configs);
            lines.extend(comments);
            if object_type {
                lines.push("config:object_type=Users".to_string());
            }
            Just(lines).prop_shuffle()
        })
        .boxed()
}

/// A whole valid mapping: one to three sections (a single one may go without a header), each
/// line with random indentation, trailing spaces and line end (LF, CRLF or a lone CR), the last
/// line end optional, and an optional byte-order mark.
pub fn valid_mapping() -> BoxedStrategy<String> {
    (
        subsequence(SECTION_NAMES.to_vec(), 1..=3).prop_shuffle(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(|(names, headerless, object_type)| {
            let headerless = headerless && names.len() == 1;
            let sections: Vec<BoxedStrategy<Vec<String>>> = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    // A section may reference itself and the sections before it, never those
                    // after it, so that the sections never reference each other in a cycle.
                    let mut refs: Vec<String> = vec!["Roles".into(), "Apps".into()];
                    refs.extend(names[..=i].iter().map(|s| s.to_string()));
                    let header = (hs(), hs(), hs()).prop_map({
                        let name = name.to_string();
                        move |(a, b, c)| format!("{a}{name}{b}:{c}")
                    });
                    let lines = section_lines(refs, headerless && object_type);
                    if headerless {
                        lines
                    } else {
                        (header, lines)
                            .prop_map(|(h, mut lines)| {
                                lines.insert(0, h);
                                lines
                            })
                            .boxed()
                    }
                })
                .collect();
            (
                sections,
                vec(pick(COMMENTS), 0..2),
                any::<bool>(),
                any::<bool>(),
                vec((hs(), hs(), pick(&["\n", "\r\n", "\r"])), 64),
            )
        })
        .prop_map(|(sections, leading, bom, final_newline, decor)| {
            let mut lines = leading;
            lines.extend(sections.into_iter().flatten());
            let mut text = if bom {
                "\u{FEFF}".to_string()
            } else {
                String::new()
            };
            let n = lines.len();
            for (i, line) in lines.into_iter().enumerate() {
                let (lead, trail, end) = &decor[i % decor.len()];
                text.push_str(lead);
                text.push_str(&line);
                text.push_str(trail);
                if i + 1 < n || final_newline {
                    text.push_str(end);
                }
            }
            text
        })
        .boxed()
}

// ------------------------------------------------------------------------------ JSON

/// Keys that the mappings of the evaluation properties read, so that generated records hit
/// their paths, and a few that nothing reads.
const KEYS: &[&str] = &[
    "id",
    "profile",
    "email",
    "firstName",
    "lastName",
    "groups",
    "name",
    "emails",
    "type",
    "value",
    "values",
    "operatingSystem",
    "workAssignments",
    "address",
    "cityName",
    "primaryIndicator",
    "created",
    "tags",
    "roles",
    "apps",
    "manager",
    "status",
    "title",
    "department",
    "division",
    "costCenters",
    "mobilePhone",
    "level",
    "a",
    "b",
    "0",
    "1",
    "_embedded",
    "users",
    "user",
    "items",
    "n",
    "m",
    "credentials",
    "",
];

const WORDS: &[&str] = &[
    "PRIMARY",
    "Uptime",
    "true",
    "ACTIVE",
    "DEPROVISIONED",
    "2021-03-04",
    "2021-03-04T05:06:07Z",
    "2021-03-04T05:06:07.123",
    "not a date",
    "a,b,,c",
    "x~y~x",
    "Sales \"EMEA\" \\ OR Name=\"x\"",
    "",
    " padded ",
    "-",
    "é🙂",
];

/// Arbitrary JSON: every kind of value, nested a few levels, keys mostly from [`KEYS`].
pub fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        3 => select(WORDS).prop_map(Value::from),
        1 => any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 96, 6, |inner| {
        prop_oneof![
            1 => vec(inner.clone(), 0..5).prop_map(Value::Array),
            2 => btree_map(
                prop_oneof![6 => pick(KEYS), 1 => any::<String>()],
                inner,
                0..7,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}
