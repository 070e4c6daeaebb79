//! Syntax tree → [`Program`]: sections, keys, maps, filters and config, checked against each
//! other and, when given, against the target schema.

use super::ast::{self, Document, EntryKind, Line, Pipe, Spanned};
use super::program::*;
use super::schema::{AttributeKind, Schema};
use super::{config, sources::compile_source};
use crate::diag::{did_you_mean, Code, Diagnostic, LineIndex, Span};
use std::collections::{HashMap, HashSet};

/// A section while its lines are read.
struct Draft {
    header: Option<Spanned<String>>,
    first_span: Span,
    key: Option<(Mapping, Span)>,
    maps: Vec<(Mapping, Span)>,
    filters: Vec<Condition>,
    config: SectionConfig,
    object_type: Option<String>,
    config_seen: HashMap<String, Span>,
    broken: bool,
}

impl Draft {
    fn new(header: Option<Spanned<String>>, first_span: Span) -> Self {
        Draft {
            header,
            first_span,
            key: None,
            maps: Vec::new(),
            filters: Vec::new(),
            config: SectionConfig::default(),
            object_type: None,
            config_seen: HashMap::new(),
            broken: false,
        }
    }

    fn is_empty(&self) -> bool {
        self.key.is_none()
            && self.maps.is_empty()
            && self.filters.is_empty()
            && self.config_seen.is_empty()
            && !self.broken
    }
}

pub fn compile_document(
    doc: &Document,
    text: &str,
    schema: Option<&Schema>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Program> {
    let index = LineIndex::new(text);
    let mut drafts: Vec<Draft> = Vec::new();
    let mut current: Option<usize> = None;

    for line in &doc.lines {
        match line {
            Line::Blank | Line::Comment(_) => {}
            Line::Header(name) => {
                if let Some(i) = drafts
                    .iter()
                    .position(|d| d.header.as_ref().is_some_and(|h| h.value == name.value))
                {
                    let first = drafts[i]
                        .header
                        .as_ref()
                        .map(|h| h.span)
                        .unwrap_or_default();
                    let (line, _) = index.line_col(first.start);
                    diags.push(
                        Diagnostic::error(Code::DuplicateSection, name.span, format!("section `{}` is already declared", name.value))
                            .with_label("second header of this section")
                            .with_help(format!("merge its lines into the section on line {line}, or rename one of them")),
                    );
                    current = Some(i);
                } else {
                    drafts.push(Draft::new(Some(name.clone()), name.span));
                    current = Some(drafts.len() - 1);
                }
            }
            Line::Broken(b) => {
                let draft = current_draft(&mut drafts, &mut current, b.span);
                draft.broken = true;
            }
            Line::Entry(entry) => {
                let draft = current_draft(&mut drafts, &mut current, entry.span);
                compile_entry(entry, draft, &index, diags);
            }
        }
    }

    let mut sections = Vec::new();
    let drafts_seen = drafts.len();
    for draft in drafts {
        if draft.header.is_none() && draft.is_empty() {
            continue;
        }
        if let Some(section) = finish(draft, schema, diags) {
            sections.push(section);
        }
    }
    if drafts_seen == 0 && !diags.iter().any(Diagnostic::is_error) {
        diags.push(
            Diagnostic::error(Code::EmptyMapping, Span::default(), "the mapping has no sections: it imports nothing")
                .with_label("no `key:` or `map:` line in the file")
                .with_help("a mapping needs at least `key:<source>=<Attribute>`, e.g. `key:id=WorkerID`, under a header such as `Users:`"),
        );
    }
    let order = dependency_order(&sections, doc, diags);
    if diags.iter().any(Diagnostic::is_error) {
        return None;
    }
    Some(Program { sections, order })
}

fn current_draft<'a>(
    drafts: &'a mut Vec<Draft>,
    current: &mut Option<usize>,
    span: Span,
) -> &'a mut Draft {
    let i = *current.get_or_insert_with(|| {
        drafts.push(Draft::new(None, span));
        drafts.len() - 1
    });
    &mut drafts[i]
}

fn compile_entry(
    entry: &ast::Entry,
    draft: &mut Draft,
    index: &LineIndex,
    diags: &mut Vec<Diagnostic>,
) {
    match &entry.kind {
        EntryKind::Key(m) => {
            if let Some(pipe) = &m.pipe {
                let span = match pipe {
                    Pipe::Reference(aql) => aql.span,
                    Pipe::Options(o) => o.first().map(|o| o.name.span).unwrap_or(entry.span),
                };
                diags.push(
                    Diagnostic::error(
                        Code::KeyWithPipe,
                        span,
                        "a key is a plain value; it cannot be a reference or take options",
                    )
                    .with_label("remove the part after `|`")
                    .with_help("map the reference with a separate `map:` line"),
                );
                draft.broken = true;
                return;
            }
            let Some(mapping) = compile_map(m, entry.span, index, diags) else {
                draft.broken = true;
                return;
            };
            if let Some((_, first)) = &draft.key {
                let (line, _) = index.line_col(first.start);
                diags.push(
                    Diagnostic::error(Code::DuplicateKey, entry.prefix.span, "a section has exactly one `key:`")
                        .with_label("second key of this section")
                        .with_help(format!("keep one of this line and the `key:` on line {line}; map the other with `map:`")),
                );
            } else {
                // Diagnostics about the key or a map name its attribute, not the whole line.
                draft.key = Some((mapping, m.attribute.span));
            }
        }
        EntryKind::Map(m) => match compile_map(m, entry.span, index, diags) {
            Some(mapping) => draft.maps.push((mapping, m.attribute.span)),
            None => draft.broken = true,
        },
        EntryKind::Filter(c) => match compile_condition(c, diags) {
            Some(c) => draft.filters.push(c),
            None => draft.broken = true,
        },
        EntryKind::Config(c) => {
            if let Some(first) = draft.config_seen.get(&c.name.value) {
                let (line, _) = index.line_col(first.start);
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateConfig,
                        c.name.span,
                        format!("`{}` is already set in this section", c.name.value),
                    )
                    .with_label("set a second time")
                    .with_help(format!("keep one of this line and line {line}")),
                );
                return;
            }
            draft.config_seen.insert(c.name.value.clone(), c.name.span);
            config::apply(c, &mut draft.config, &mut draft.object_type, diags);
        }
    }
}

fn compile_map(
    m: &ast::MapEntry,
    span: Span,
    index: &LineIndex,
    diags: &mut Vec<Diagnostic>,
) -> Option<Mapping> {
    let source = compile_source(&m.source, diags);
    let (line, column) = index.line_col(span.start);
    let mut reference = None;
    let mut array_separator = None;
    let mut ok = true;
    match &m.pipe {
        None => {}
        Some(Pipe::Reference(aql)) => {
            let mut terms = Vec::new();
            for term in &aql.terms {
                let mut values = Vec::new();
                for v in &term.values {
                    match v {
                        ast::AqlValue::Constant(c) => {
                            values.push(AqlValue::Constant(c.value.clone()))
                        }
                        ast::AqlValue::Placeholder(e) => match compile_source(e, diags) {
                            Some(s) => values.push(AqlValue::Source(s)),
                            None => ok = false,
                        },
                    }
                }
                let op = match term.op {
                    ast::AqlOp::Eq => AqlOp::Eq,
                    ast::AqlOp::In => AqlOp::In,
                };
                terms.push(AqlTerm::new(term.attribute.value.clone(), op, values));
            }
            reference = Some(Reference {
                object_type: m.attribute.value.clone(),
                terms,
            });
        }
        Some(Pipe::Options(options)) => {
            for option in options {
                match option.name.value.as_str() {
                    "arraySeparator" => {
                        if option.value.value.is_empty() {
                            diags.push(
                                Diagnostic::error(
                                    Code::EmptyOptionValue,
                                    option.value.span,
                                    "`arraySeparator` needs a separator",
                                )
                                .with_help("e.g. `|arraySeparator=;`"),
                            );
                            ok = false;
                        }
                        array_separator = Some(option.value.value.clone());
                    }
                    other => {
                        let mut d = Diagnostic::error(
                            Code::UnknownOption,
                            option.name.span,
                            format!("unknown option `{other}`"),
                        )
                        .with_label("not an option");
                        d.help = Some(did_you_mean(other, ["arraySeparator"]).unwrap_or_else(|| {
                            "the option is `arraySeparator`; a reference query needs a `${…}` placeholder, e.g. `Name=${roles}`"
                                .to_string()
                        }));
                        diags.push(d);
                        ok = false;
                    }
                }
            }
        }
    }
    let source = source?;
    ok.then(|| Mapping {
        source,
        attribute: m.attribute.value.clone(),
        reference,
        array_separator,
        loc: Loc { line, column },
    })
}

fn compile_condition(c: &ast::Condition, diags: &mut Vec<Diagnostic>) -> Option<Condition> {
    let all = |items: &[ast::Condition], diags: &mut Vec<Diagnostic>| -> Option<Vec<Condition>> {
        let compiled: Vec<Option<Condition>> =
            items.iter().map(|c| compile_condition(c, diags)).collect();
        compiled.into_iter().collect()
    };
    Some(match c {
        ast::Condition::Or(items) => Condition::Or(all(items, diags)?),
        ast::Condition::And(items) => Condition::And(all(items, diags)?),
        ast::Condition::Not(inner) => Condition::Not(Box::new(compile_condition(inner, diags)?)),
        ast::Condition::Exists(e) => Condition::Exists(compile_source(e, diags)?),
        ast::Condition::Compare {
            source,
            op,
            literal,
        } => Condition::Compare {
            source: compile_source(source, diags)?,
            op: *op,
            literal: literal.value.clone(),
        },
        ast::Condition::In { source, literals } => Condition::In {
            source: compile_source(source, diags)?,
            literals: literals.iter().map(|l| l.value.clone()).collect(),
        },
    })
}

fn finish(draft: Draft, schema: Option<&Schema>, diags: &mut Vec<Diagnostic>) -> Option<Section> {
    let header_span = draft
        .header
        .as_ref()
        .map(|h| h.span)
        .unwrap_or(draft.first_span);
    let object_type = draft
        .object_type
        .clone()
        .or_else(|| draft.header.as_ref().map(|h| h.value.clone()));
    let name = draft
        .header
        .as_ref()
        .map(|h| h.value.clone())
        .or_else(|| object_type.clone())
        .unwrap_or_default();
    let Some((key, key_span)) = draft.key else {
        if !draft.broken {
            let what = draft
                .header
                .as_ref()
                .map_or("this mapping".to_string(), |h| {
                    format!("section `{}`", h.value)
                });
            diags.push(
                Diagnostic::error(
                    Code::MissingKey,
                    header_span,
                    format!("{what} has no `key:` line"),
                )
                .with_label("no `key:` in this section")
                .with_help("add the identity of its objects, e.g. `key:id=WorkerID`"),
            );
        }
        return None;
    };
    let mut maps = draft.maps;
    warn_duplicate_attributes(&key, &maps, diags);
    if let (Some(schema), Some(object_type)) = (schema, &object_type) {
        let type_span = draft.header.as_ref().map(|h| h.span).unwrap_or(key_span);
        check_schema(
            schema,
            object_type,
            type_span,
            (&key, key_span),
            &mut maps,
            diags,
        );
    }
    let needs_whole_record = std::iter::once(&key)
        .chain(maps.iter().map(|(m, _)| m))
        .any(|m| {
            m.source.needs_whole_record()
                || m.reference.as_ref().is_some_and(|r| {
                    r.terms
                        .iter()
                        .flat_map(|t| &t.values)
                        .any(|v| matches!(v, AqlValue::Source(s) if s.needs_whole_record()))
                })
        })
        || draft.filters.iter().any(condition_needs_whole_record);
    let mut section = Section {
        name,
        object_type,
        key,
        maps: maps.into_iter().map(|(m, _)| m).collect(),
        filters: draft.filters,
        config: draft.config,
        needs_whole_record,
        paths: Vec::new(),
    };
    section.assign_slots();
    Some(section)
}

fn condition_needs_whole_record(c: &Condition) -> bool {
    match c {
        Condition::Or(v) | Condition::And(v) => v.iter().any(condition_needs_whole_record),
        Condition::Not(c) => condition_needs_whole_record(c),
        Condition::Exists(s)
        | Condition::Compare { source: s, .. }
        | Condition::In { source: s, .. } => s.needs_whole_record(),
    }
}

fn warn_duplicate_attributes(key: &Mapping, maps: &[(Mapping, Span)], diags: &mut Vec<Diagnostic>) {
    let mut seen: HashSet<&str> = HashSet::from([key.attribute.as_str()]);
    for (m, span) in maps {
        if !seen.insert(&m.attribute) {
            diags.push(
                Diagnostic::warning(
                    Code::DuplicateAttribute,
                    *span,
                    format!("`{}` is written by an earlier line too", m.attribute),
                )
                .with_label("values of both lines are merged")
                .with_help(
                    "merge the sources with `coalesce(…)` or `concat(…)` if one value is meant",
                ),
            );
        }
    }
}

fn check_schema(
    schema: &Schema,
    object_type: &str,
    type_span: Span,
    key: (&Mapping, Span),
    maps: &mut [(Mapping, Span)],
    diags: &mut Vec<Diagnostic>,
) {
    let Some(ty) = schema.object_type(object_type) else {
        let mut d = Diagnostic::error(
            Code::UnknownObjectType,
            type_span,
            format!("object type `{object_type}` is not in the schema"),
        )
        .with_label("unknown object type");
        d.help = Some(
            did_you_mean(
                object_type,
                schema.object_types.iter().map(|t| t.name.as_str()),
            )
            .unwrap_or_else(|| match schema.object_types.as_slice() {
                [] => "the schema has no object types: check that `--schema` names the schema file of this workspace".to_string(),
                types => format!(
                    "the schema has {}",
                    types
                        .iter()
                        .map(|t| format!("`{}`", t.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        );
        diags.push(d);
        return;
    };
    let key_entry = (key.0.clone(), key.1);
    for (m, span) in std::iter::once(&key_entry).chain(maps.iter()) {
        let Some(attr) = ty.attribute(&m.attribute) else {
            let mut d = Diagnostic::error(
                Code::UnknownAttribute,
                *span,
                format!("`{object_type}` has no attribute `{}`", m.attribute),
            )
            .with_label("unknown attribute");
            d.help = Some(
                did_you_mean(&m.attribute, ty.attributes.iter().map(|a| a.name.as_str()))
                    .unwrap_or_else(|| {
                        format!(
                            "its attributes are {}",
                            ty.attributes
                                .iter()
                                .map(|a| format!("`{}`", a.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }),
            );
            diags.push(d);
            continue;
        };
        if m.reference.is_some() && attr.kind() != AttributeKind::Reference {
            diags.push(
                Diagnostic::error(
                    Code::NotAReference,
                    *span,
                    format!(
                        "`{}` is a {} attribute, not a reference",
                        m.attribute,
                        attr.type_name()
                    ),
                )
                .with_label("reference query on a non-reference attribute")
                .with_help("remove the part after `|`, or map to a reference attribute"),
            );
        }
        let many = m.source.always_many() || m.array_separator.is_some();
        if many && attr.single_valued() {
            diags.push(
                Diagnostic::error(
                    Code::TooManyValues,
                    *span,
                    format!("`{}` holds one value, but this source gives several", m.attribute),
                )
                .with_label("several values for a single-valued attribute")
                .with_help("pick one with `first(…)` or join them with `join(…, ';')`, or raise the attribute's maximum cardinality"),
            );
        }
    }
    // A reference's object type is the schema's referenced type, not the attribute's name.
    for (m, _) in maps.iter_mut() {
        let Some(reference) = m.reference.as_mut() else {
            continue;
        };
        let Some(target) = ty
            .attribute(&m.attribute)
            .and_then(|a| a.reference_object_type_id.as_deref())
            .and_then(|id| schema.object_type_by_id(id))
        else {
            continue;
        };
        reference.object_type = target.name.clone();
    }
}

/// Sections ordered so that a section comes after those whose object types it references.
fn dependency_order(
    sections: &[Section],
    doc: &Document,
    diags: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    let n = sections.len();
    let type_of = |i: usize| {
        sections[i]
            .object_type
            .as_deref()
            .unwrap_or(&sections[i].name)
    };
    // deps[i]: sections that section i references.
    let deps: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            let mut d: Vec<usize> = sections[i]
                .maps
                .iter()
                .filter_map(|m| m.reference.as_ref())
                .flat_map(|r| (0..n).filter(move |&j| j != i && type_of(j) == r.object_type))
                .collect();
            d.sort_unstable();
            d.dedup();
            d
        })
        .collect();
    let mut order = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    while order.len() < n {
        let Some(next) = (0..n).find(|&i| !placed[i] && deps[i].iter().all(|&d| placed[d])) else {
            let cycle = find_cycle(&deps, &placed);
            let names: Vec<&str> = cycle.iter().map(|&i| sections[i].name.as_str()).collect();
            let first = cycle[0];
            let span = header_span(doc, &sections[first].name);
            diags.push(
                Diagnostic::error(
                    Code::DependencyCycle,
                    span,
                    format!("sections reference each other in a cycle: {} → {}", names.join(" → "), names[0]),
                )
                .with_label("this section is part of the cycle")
                .with_help("references between sections must go one way: remove one of them, or import it from a second mapping file"),
            );
            // Place the rest in file order so that the caller still gets an order.
            order.extend((0..n).filter(|&i| !placed[i]));
            break;
        };
        placed[next] = true;
        order.push(next);
    }
    order
}

fn find_cycle(deps: &[Vec<usize>], placed: &[bool]) -> Vec<usize> {
    // Every unplaced section has an unplaced dependency, so walking them must revisit one.
    let start = (0..deps.len()).find(|&i| !placed[i]).unwrap_or(0);
    let mut path = vec![start];
    let mut current = start;
    loop {
        let Some(&next) = deps[current].iter().find(|&&d| !placed[d]) else {
            return path;
        };
        if let Some(pos) = path.iter().position(|&p| p == next) {
            return path.split_off(pos);
        }
        path.push(next);
        current = next;
    }
}

fn header_span(doc: &Document, name: &str) -> Span {
    doc.lines
        .iter()
        .find_map(|l| match l {
            Line::Header(h) if h.value == name => Some(h.span),
            _ => None,
        })
        .unwrap_or_default()
}
