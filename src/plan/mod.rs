//! Object images × the target's current objects → a plan.
//!
//! [`plan`] is the one entry. It matches images to objects by key, works out what changes
//! attribute by attribute, resolves references (creating a missing referenced object once per
//! run where the section allows it), applies each section's `missing` policy and its
//! `missing_limit`, and creates the object types and attributes the target lacks. It writes
//! nothing: a target carries the plan out.

pub mod changes;
pub mod coerce;
pub mod model;
pub mod query;
mod world;

pub use changes::{
    Action, Change, Conflict, Diff, MissingOutcome, MissingReport, Plan, Problem, SchemaChange,
    SectionPlan, Summary,
};
pub use model::Snapshot;

use crate::diag::{Code, Severity};
use crate::eval::ObjectImage;
use crate::lang::program::{EmptyPolicy, Limit, Loc, MissingPolicy, ReferencePolicy, Section};
use crate::lang::Program;
use model::{AttributeDef, AttributeType, Link, ObjectRef, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use world::{inferred_type, World};

/// The images of one section, read from the whole of its source.
pub struct SectionInput<'p> {
    pub section: &'p Section,
    /// Each record the filters keep: its number in the source (1-based) and its image.
    pub images: Vec<(usize, ObjectImage<'p>)>,
    /// Whether the source was read to its end; a run cut short never deletes or marks.
    pub complete: bool,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Carry out deletes and marks beyond a section's `missing_limit`.
    pub allow_mass_change: bool,
}

/// The object types a program reads and writes: its sections' types and the types they
/// reference, each once.
pub fn object_types(program: &Program) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |n: &str| {
        if !names.iter().any(|x| x == n) {
            names.push(n.to_string());
        }
    };
    for section in program.ordered() {
        add(type_of(section));
        for m in &section.maps {
            if let Some(r) = &m.reference {
                add(&r.object_type);
            }
        }
    }
    names
}

fn type_of(section: &Section) -> &str {
    section.object_type.as_deref().unwrap_or(&section.name)
}

/// Plans a run. `inputs` holds one entry per section of `program`; sections are planned in the
/// program's dependency order. Conflicts between the mapping and the target's object types stop
/// the plan: nothing of it may be carried out.
pub fn plan(
    program: &Program,
    inputs: Vec<SectionInput<'_>>,
    snapshot: Snapshot,
    options: Options,
) -> Result<Plan, Vec<Conflict>> {
    let mut planner = Planner {
        world: World::new(snapshot),
        schema: Vec::new(),
        conflicts: Vec::new(),
        problems: Vec::new(),
        labels: label_choices(program),
        cache: HashMap::new(),
        entries: Vec::new(),
        entry_of_type: HashMap::new(),
        referenced: HashSet::new(),
        options,
    };
    let mut inputs: Vec<Option<SectionInput>> = inputs.into_iter().map(Some).collect();
    for (position, section) in program.ordered().enumerate() {
        let Some(input) = inputs
            .iter_mut()
            .find(|i| i.as_ref().is_some_and(|i| i.section.name == section.name))
            .and_then(Option::take)
        else {
            continue;
        };
        planner.section(position, input);
    }
    if !planner.conflicts.is_empty() {
        return Err(planner.conflicts);
    }
    planner.entries.sort_by_key(|e| e.position);
    Ok(Plan {
        schema: planner.schema,
        sections: planner.entries.into_iter().map(|e| e.plan).collect(),
        problems: planner.problems,
    })
}

/// Which attribute labels each object type: `Name` where the program writes or queries one (as
/// in Assets), else the key of the type's section, else the first attribute a reference queries.
fn label_choices(program: &Program) -> HashMap<String, String> {
    let mut uses: HashMap<&str, Vec<&str>> = HashMap::new();
    for section in program.ordered() {
        let ty = type_of(section);
        let list = uses.entry(ty).or_default();
        list.push(&section.key.attribute);
        list.extend(section.maps.iter().map(|m| m.attribute.as_str()));
        for m in &section.maps {
            if let Some(r) = &m.reference {
                uses.entry(&r.object_type)
                    .or_default()
                    .extend(r.terms.iter().map(|t| t.attribute.as_str()));
            }
        }
    }
    let keyed: HashMap<&str, &str> = program
        .ordered()
        .map(|s| (type_of(s), s.key.attribute.as_str()))
        .collect();
    uses.into_iter()
        .filter_map(|(ty, attrs)| {
            let label = if attrs.contains(&"Name") {
                Some("Name")
            } else {
                keyed.get(ty).copied().or(attrs.first().copied())
            };
            label.map(|l| (ty.to_string(), l.to_string()))
        })
        .collect()
}

struct Entry {
    /// Sections in dependency order; types created only through references sort just before
    /// the section that first needed them.
    position: (usize, u8),
    plan: SectionPlan,
}

/// What a reference query came to.
#[derive(Clone)]
enum Resolved {
    Linked(Link),
    Unmatched(String),
    Ambiguous(String, usize),
    Unreadable(String),
}

struct Planner {
    world: World,
    schema: Vec<SchemaChange>,
    conflicts: Vec<Conflict>,
    problems: Vec<Problem>,
    labels: HashMap<String, String>,
    /// Resolutions by target type and policy, then by query text (looked up without copying
    /// the text: a run resolves a query per reference value).
    cache: HashMap<(usize, ReferencePolicy), HashMap<String, Vec<Resolved>>>,
    entries: Vec<Entry>,
    entry_of_type: HashMap<usize, usize>,
    /// Objects of types that only references reach, linked by this run and already counted as
    /// unchanged in their type's summary.
    referenced: HashSet<(usize, usize)>,
    options: Options,
}

/// An attribute a section writes, as the target has (or will have) it.
struct Column<'p> {
    name: &'p str,
    index: usize,
    kind: ColumnKind,
    loc: Loc,
}

enum ColumnKind {
    Scalar {
        kind: AttributeType,
        single: bool,
    },
    Reference {
        target: usize,
        policy: ReferencePolicy,
    },
}

/// A record matched to an object in pass 1, waiting for its references in pass 2.
struct Pending<'p> {
    object: usize,
    created: bool,
    record: usize,
    key: String,
    image: ObjectImage<'p>,
    diffs: BTreeMap<String, Diff>,
    failed: bool,
}

enum Want<'a> {
    Key,
    Scalar(AttributeType),
    Reference(&'a str),
}

impl Planner {
    fn section(&mut self, position: usize, input: SectionInput<'_>) {
        let section = input.section;
        let ty_name = type_of(section);
        let t = self.ensure_type(ty_name);
        let conflicts_before = self.conflicts.len();
        let columns = self.columns(section, t, &input.images);
        if self.conflicts.len() > conflicts_before {
            return;
        }
        let key_index = self.world.types[t].key_index();
        // Types that only references reach are listed before the section, even when nothing
        // of them changes, so that every run's plan has the same sections.
        for column in &columns {
            if let ColumnKind::Reference { target, .. } = column.kind {
                if target != t {
                    self.entry_for(target, position);
                }
            }
        }
        let entry = self.entries.len();
        self.entries.push(Entry {
            position: (position, 1),
            plan: SectionPlan {
                section: section.name.clone(),
                object_type: ty_name.to_string(),
                summary: Summary::default(),
                missing: None,
                changes: Vec::new(),
            },
        });
        self.entry_of_type.insert(t, entry);
        // The section rewrites its type: earlier look-ups may no longer hold.
        self.world.types[t].forget_indexes();
        self.cache.retain(|(ty, _), _| *ty != t);

        let mut by_key: HashMap<String, usize> = HashMap::new();
        if let Some(k) = key_index {
            for (i, o) in self.world.types[t].objects.iter().enumerate() {
                if let Some(v) = o.first_text(k) {
                    by_key.entry(v).or_insert(i);
                }
            }
        }
        let mut seen: HashSet<String> = HashSet::new();
        let mut failed_records: HashSet<usize> = HashSet::new();
        let mut key_errors = 0usize;
        let mut pending: Vec<Pending> = Vec::new();

        // Pass 1: match by key, write plain values. Objects exist after it, so that references
        // to the section's own type (a manager) find them in pass 2.
        for (record, image) in input.images {
            if !image.errors.is_empty() {
                failed_records.insert(record);
                match &image.key.value {
                    // Its object, if any, is still in the source: not missing.
                    Some(k) => {
                        seen.insert(k.clone());
                    }
                    None => key_errors += 1,
                }
                for e in &image.errors {
                    self.problems.push(Problem {
                        severity: Severity::Error,
                        code: e.code,
                        section: section.name.clone(),
                        record,
                        key: image.key.value.clone(),
                        message: e.message.clone(),
                        line: e.line,
                        column: e.column,
                        attribute: e.attribute.clone(),
                    });
                }
                continue;
            }
            let Some(key) = image.key.value.clone() else {
                continue;
            };
            if !seen.insert(key.clone()) {
                failed_records.insert(record);
                self.problem(
                    Severity::Error,
                    Code::DuplicateRecordKey,
                    section,
                    record,
                    &key,
                    section.key.loc,
                    None,
                    format!("another record already gave the key `{key}`; this record is left out"),
                );
                continue;
            }
            let mut failed = false;
            let mut values: Vec<(usize, Vec<Value>)> = Vec::new();
            for column in &columns {
                let ColumnKind::Scalar { kind, single } = column.kind else {
                    continue;
                };
                let found = image.attributes.get(column.name).map_or(&[][..], |v| v);
                if found.is_empty() && section.config.empty == EmptyPolicy::Keep {
                    continue;
                }
                if single && found.len() > 1 {
                    failed = true;
                    self.problem(
                        Severity::Error,
                        Code::TooManyRecordValues,
                        section,
                        record,
                        &key,
                        column.loc,
                        Some(column.name),
                        format!(
                            "{} values for `{}`, which holds one; the attribute is left as it is",
                            found.len(),
                            column.name
                        ),
                    );
                    continue;
                }
                let mut coerced = Vec::with_capacity(found.len());
                let mut misfit = None;
                for v in found {
                    match coerce::coerce(kind, v) {
                        Ok(v) => coerced.push(Value::Scalar(v)),
                        Err(e) => {
                            misfit = Some(e);
                            break;
                        }
                    }
                }
                match misfit {
                    None => values.push((column.index, coerced)),
                    Some(message) => {
                        failed = true;
                        self.problem(
                            Severity::Error,
                            Code::ValueType,
                            section,
                            record,
                            &key,
                            column.loc,
                            Some(column.name),
                            format!("{message}; the attribute is left as it is"),
                        );
                    }
                }
            }
            if failed {
                failed_records.insert(record);
            }
            let ty = &mut self.world.types[t];
            let mut diffs = BTreeMap::new();
            let (object, created) = match by_key.get(&key) {
                Some(&i) => {
                    let o = &mut ty.objects[i];
                    for (a, to) in values {
                        if o.values(a) != to.as_slice() {
                            let name = ty.def.attributes[a].name.clone();
                            diffs.insert(
                                name,
                                Diff {
                                    from: o.values(a).to_vec(),
                                    to: to.clone(),
                                },
                            );
                            o.set(a, to);
                        }
                    }
                    (i, false)
                }
                None => {
                    let mut row: Vec<Vec<Value>> = Vec::new();
                    for (a, to) in values {
                        if to.is_empty() {
                            continue;
                        }
                        diffs.insert(
                            ty.def.attributes[a].name.clone(),
                            Diff {
                                from: Vec::new(),
                                to: to.clone(),
                            },
                        );
                        if row.len() <= a {
                            row.resize_with(a + 1, Vec::new);
                        }
                        row[a] = to;
                    }
                    let i = self.world.add_object(t, row);
                    by_key.insert(key.clone(), i);
                    (i, true)
                }
            };
            pending.push(Pending {
                object,
                created,
                record,
                key,
                image,
                diffs,
                failed,
            });
        }

        // Pass 2: references, then the change of each record.
        for mut p in pending {
            for column in &columns {
                let ColumnKind::Reference { target, policy } = column.kind else {
                    continue;
                };
                let queries = p
                    .image
                    .references
                    .get(column.name)
                    .map_or(&[][..], |q| q.as_slice());
                if queries.is_empty() && section.config.empty == EmptyPolicy::Keep {
                    continue;
                }
                let mut links: Vec<Value> = Vec::new();
                let mut ambiguous = false;
                for q in queries {
                    for resolved in self.resolve(target, &q.aql, policy, position) {
                        let type_name = &self.world.types[target].name;
                        let (severity, code, message) = match resolved {
                            Resolved::Linked(link) => {
                                let v = Value::Reference(link);
                                if !links.contains(&v) {
                                    links.push(v);
                                }
                                continue;
                            }
                            Resolved::Unmatched(atom) => (
                                Severity::Warning,
                                Code::UnmatchedReference,
                                format!(
                                    "no `{type_name}` object matches {atom}; with `config:references=lookup` only existing objects are linked"
                                ),
                            ),
                            Resolved::Ambiguous(atom, n) => (
                                Severity::Error,
                                Code::AmbiguousReference,
                                format!(
                                    "{n} `{type_name}` objects match {atom}; the attribute is left as it is"
                                ),
                            ),
                            Resolved::Unreadable(message) => (
                                Severity::Error,
                                Code::AmbiguousReference,
                                format!("the reference query `{}` cannot be read: {message}", q.aql),
                            ),
                        };
                        ambiguous |= severity == Severity::Error;
                        self.problem(
                            severity,
                            code,
                            section,
                            p.record,
                            &p.key,
                            column.loc,
                            Some(column.name),
                            message,
                        );
                    }
                }
                if ambiguous {
                    p.failed = true;
                    continue;
                }
                let o = &mut self.world.types[t].objects[p.object];
                if o.values(column.index) != links.as_slice() {
                    if !(p.created && links.is_empty()) {
                        p.diffs.insert(
                            column.name.to_string(),
                            Diff {
                                from: o.values(column.index).to_vec(),
                                to: links.clone(),
                            },
                        );
                    }
                    o.set(column.index, links);
                }
            }
            if p.failed {
                failed_records.insert(p.record);
            }
            let ty = &mut self.world.types[t];
            let label = ty.label_of(&ty.objects[p.object]);
            ty.objects[p.object].label = label;
            let summary = &mut self.entries[entry].plan.summary;
            let action = if p.created {
                summary.create += 1;
                Action::Create
            } else if p.diffs.is_empty() {
                summary.unchanged += 1;
                continue;
            } else {
                summary.update += 1;
                Action::Update
            };
            let object = ty.objects[p.object].target;
            self.entries[entry].plan.changes.push(Change {
                action,
                key: p.key,
                object,
                attributes: p.diffs,
            });
        }

        self.entries[entry].plan.summary.errors = failed_records.len();
        let complete = if !input.complete {
            Some("the source was not read to its end".to_string())
        } else if key_errors > 0 {
            Some(format!(
                "{key_errors} record(s) have no usable key, so their objects cannot be told apart from removed ones"
            ))
        } else {
            None
        };
        self.missing(section, t, entry, &seen, complete);
    }

    /// Applies the section's `missing` policy to the objects of its type that the source no
    /// longer has, within its `missing_limit`.
    fn missing(
        &mut self,
        section: &Section,
        t: usize,
        entry: usize,
        seen: &HashSet<String>,
        incomplete: Option<String>,
    ) {
        let policy = &section.config.missing;
        let policy_text = match policy {
            MissingPolicy::Keep => return,
            MissingPolicy::Delete => "delete".to_string(),
            MissingPolicy::Set { attribute, value } => format!("set:{attribute}={value}"),
        };
        let ty = &self.world.types[t];
        let Some(k) = ty.key_index() else { return };
        let existing: Vec<usize> = ty
            .objects
            .iter()
            .enumerate()
            .filter(|(_, o)| matches!(o.target, ObjectRef::Existing(_)) && !o.deleted)
            .filter(|(_, o)| o.first_text(k).is_some())
            .map(|(i, _)| i)
            .collect();
        let gone: Vec<usize> = existing
            .iter()
            .copied()
            .filter(|&i| {
                ty.objects[i]
                    .first_text(k)
                    .is_some_and(|key| !seen.contains(&key))
            })
            .collect();
        let limit = match section.config.missing_limit {
            Limit::Count(n) => n,
            Limit::Percent(p) => (existing.len() as f64 * p / 100.0).floor() as u64,
        };
        let mut report = MissingReport {
            policy: policy_text,
            objects: gone.len(),
            limit,
            outcome: MissingOutcome::Planned,
        };
        if let Some(reason) = incomplete {
            report.outcome = MissingOutcome::Skipped { reason };
            self.entries[entry].plan.missing = Some(report);
            return;
        }
        let mut changes = Vec::new();
        let mut summary = Summary::default();
        let mark = match policy {
            MissingPolicy::Set { attribute, value } => {
                let Some(a) = ty.def.attribute(attribute) else {
                    return;
                };
                let kind = ty.def.attributes[a].kind;
                let to = coerce::coerce(kind, &crate::eval::Scalar::Text(value.clone()))
                    .map(Value::Scalar)
                    .unwrap_or_else(|_| Value::Scalar(crate::eval::Scalar::Text(value.clone())));
                Some((a, attribute.clone(), vec![to]))
            }
            _ => None,
        };
        let ty = &mut self.world.types[t];
        for i in gone {
            let key = ty.objects[i].first_text(k).unwrap_or_default();
            let object = ty.objects[i].target;
            match &mark {
                None => {
                    summary.delete += 1;
                    ty.objects[i].deleted = true;
                    changes.push(Change {
                        action: Action::Delete,
                        key,
                        object,
                        attributes: BTreeMap::new(),
                    });
                }
                Some((a, name, to)) => {
                    let o = &mut ty.objects[i];
                    if o.values(*a) == to.as_slice() {
                        continue;
                    }
                    summary.mark += 1;
                    let mut attributes = BTreeMap::new();
                    attributes.insert(
                        name.clone(),
                        Diff {
                            from: o.values(*a).to_vec(),
                            to: to.clone(),
                        },
                    );
                    o.set(*a, to.clone());
                    changes.push(Change {
                        action: Action::Mark,
                        key,
                        object,
                        attributes,
                    });
                }
            }
        }
        let count = (summary.delete + summary.mark) as u64;
        if count > limit {
            report.outcome = if self.options.allow_mass_change {
                MissingOutcome::Allowed
            } else {
                MissingOutcome::Refused
            };
        }
        let plan = &mut self.entries[entry].plan;
        plan.summary.delete += summary.delete;
        plan.summary.mark += summary.mark;
        plan.changes.extend(changes);
        plan.missing = Some(report);
    }

    /// What a reference query links to, creating the object it names when the policy allows
    /// and nothing matches. Each query is worked out once per run.
    fn resolve(
        &mut self,
        target: usize,
        aql: &str,
        policy: ReferencePolicy,
        position: usize,
    ) -> Vec<Resolved> {
        if let Some(r) = self.cache.get(&(target, policy)).and_then(|c| c.get(aql)) {
            return r.clone();
        }
        let atoms = match query::atoms(aql) {
            Ok(a) => a,
            Err(e) => return vec![Resolved::Unreadable(e)],
        };
        let mut out = Vec::with_capacity(atoms.len());
        for atom in atoms {
            let found = self.world.types[target].find(&atom);
            out.push(match found.as_slice() {
                [one] => {
                    self.count_referenced(target, *one);
                    Resolved::Linked(self.world.types[target].link(*one))
                }
                [] if policy == ReferencePolicy::Create => {
                    let i = self.create_referenced(target, &atom, position);
                    Resolved::Linked(self.world.types[target].link(i))
                }
                [] => Resolved::Unmatched(atom.aql()),
                many => Resolved::Ambiguous(atom.aql(), many.len()),
            });
        }
        self.cache
            .entry((target, policy))
            .or_default()
            .insert(aql.to_string(), out.clone());
        out
    }

    /// Counts an existing object a reference links to as unchanged, once, when its type is
    /// listed only because references reach it: its summary then tells how many of the target's
    /// objects the run links to, not `0 unchanged`.
    fn count_referenced(&mut self, t: usize, i: usize) {
        let Some(&e) = self.entry_of_type.get(&t) else {
            return;
        };
        let only_referenced = self.entries[e].position.1 == 0;
        let existing = matches!(
            self.world.types[t].objects[i].target,
            ObjectRef::Existing(_)
        );
        if only_referenced && existing && self.referenced.insert((t, i)) {
            self.entries[e].plan.summary.unchanged += 1;
        }
    }

    /// A referenced object that does not exist yet, with the attributes its query names.
    fn create_referenced(&mut self, t: usize, atom: &query::Atom, position: usize) -> usize {
        let def = &self.world.types[t].def;
        let mut row: Vec<Vec<Value>> = vec![Vec::new(); def.attributes.len()];
        let mut attributes = BTreeMap::new();
        for (name, value) in &atom.terms {
            let Some(a) = def.attribute(name) else {
                continue;
            };
            let v = coerce::coerce(
                def.attributes[a].kind,
                &crate::eval::Scalar::Text(value.clone()),
            )
            .unwrap_or_else(|_| crate::eval::Scalar::Text(value.clone()));
            row[a] = vec![Value::Scalar(v)];
            attributes.insert(
                name.clone(),
                Diff {
                    from: Vec::new(),
                    to: row[a].clone(),
                },
            );
        }
        let i = self.world.add_object(t, row);
        let ty = &self.world.types[t];
        let change = Change {
            action: Action::Create,
            key: ty.objects[i].label.to_string(),
            object: ty.objects[i].target,
            attributes,
        };
        let entry = self.entry_for(t, position);
        let plan = &mut self.entries[entry].plan;
        plan.summary.create += 1;
        plan.changes.push(change);
        i
    }

    /// The plan entry that lists a type's changes: its section's, or one of its own for a type
    /// that only references create objects in.
    fn entry_for(&mut self, t: usize, position: usize) -> usize {
        if let Some(&e) = self.entry_of_type.get(&t) {
            return e;
        }
        let name = self.world.types[t].def.name.clone();
        self.entries.push(Entry {
            position: (position, 0),
            plan: SectionPlan {
                section: name.clone(),
                object_type: name,
                summary: Summary::default(),
                missing: None,
                changes: Vec::new(),
            },
        });
        let e = self.entries.len() - 1;
        self.entry_of_type.insert(t, e);
        e
    }

    #[allow(clippy::too_many_arguments)]
    fn problem(
        &mut self,
        severity: Severity,
        code: Code,
        section: &Section,
        record: usize,
        key: &str,
        loc: Loc,
        attribute: Option<&str>,
        message: String,
    ) {
        self.problems.push(Problem {
            severity,
            code,
            section: section.name.clone(),
            record,
            key: Some(key.to_string()),
            message,
            line: loc.line,
            column: loc.column,
            attribute: attribute.map(str::to_string),
        });
    }

    fn ensure_type(&mut self, name: &str) -> usize {
        let (t, created) = self.world.ensure_type(name);
        if created {
            self.schema.push(SchemaChange::CreateObjectType {
                object_type: name.to_string(),
            });
        }
        t
    }

    /// The attributes a section writes, created where the target lacks them; a mismatch with
    /// what the target has is a conflict.
    fn columns<'p>(
        &mut self,
        section: &'p Section,
        t: usize,
        images: &[(usize, ObjectImage<'_>)],
    ) -> Vec<Column<'p>> {
        let mut columns = Vec::new();
        let key = &section.key;
        if let Some(index) = self.ensure_attribute(t, &key.attribute, Want::Key, key.loc) {
            columns.push(Column {
                name: &key.attribute,
                index,
                kind: self.scalar_kind(t, index),
                loc: key.loc,
            });
        }
        let def = &mut self.world.types[t].def;
        match &def.key_attribute {
            None => {
                def.key_attribute = Some(key.attribute.clone());
                self.schema.push(SchemaChange::SetKeyAttribute {
                    object_type: def.name.clone(),
                    attribute: key.attribute.clone(),
                });
            }
            Some(k) if *k != key.attribute => self.conflicts.push(Conflict {
                line: key.loc.line,
                column: key.loc.column,
                message: format!(
                    "`{}` objects are matched by `{k}` in the target; the mapping keys them by `{}`",
                    def.name, key.attribute
                ),
                help: format!(
                    "key the section by `{k}` (`key:<source>={k}`), or import into another object type"
                ),
            }),
            Some(_) => {}
        }
        for m in &section.maps {
            if columns.iter().any(|c| c.name == m.attribute) {
                continue;
            }
            match &m.reference {
                Some(r) => {
                    let target = self.ensure_type(&r.object_type);
                    for term in &r.terms {
                        let _ = self.ensure_attribute(
                            target,
                            &term.attribute,
                            Want::Scalar(AttributeType::Text),
                            m.loc,
                        );
                    }
                    if let Some(index) = self.ensure_attribute(
                        t,
                        &m.attribute,
                        Want::Reference(&r.object_type),
                        m.loc,
                    ) {
                        columns.push(Column {
                            name: &m.attribute,
                            index,
                            kind: ColumnKind::Reference {
                                target,
                                policy: section.config.references,
                            },
                            loc: m.loc,
                        });
                    }
                }
                None => {
                    let inferred = inferred_type(
                        images
                            .iter()
                            .filter_map(|(_, im)| im.attributes.get(m.attribute.as_str()))
                            .flatten(),
                    );
                    if let Some(index) =
                        self.ensure_attribute(t, &m.attribute, Want::Scalar(inferred), m.loc)
                    {
                        columns.push(Column {
                            name: &m.attribute,
                            index,
                            kind: self.scalar_kind(t, index),
                            loc: m.loc,
                        });
                    }
                }
            }
        }
        if let MissingPolicy::Set { attribute, .. } = &section.config.missing {
            let _ = self.ensure_attribute(
                t,
                attribute,
                Want::Scalar(AttributeType::Text),
                section.key.loc,
            );
        }
        columns
    }

    fn scalar_kind(&self, t: usize, index: usize) -> ColumnKind {
        let a = &self.world.types[t].def.attributes[index];
        ColumnKind::Scalar {
            kind: a.kind,
            single: a.max_cardinality == Some(1),
        }
    }

    fn ensure_attribute(&mut self, t: usize, name: &str, want: Want, loc: Loc) -> Option<usize> {
        let ty = &self.world.types[t];
        let type_name = ty.def.name.clone();
        if let Some(a) = ty.def.attribute(name) {
            let have = &ty.def.attributes[a];
            let conflict = match (&want, have.kind, have.reference.as_deref()) {
                (Want::Reference(rt), AttributeType::Reference, Some(h)) if h == *rt => None,
                (Want::Reference(rt), AttributeType::Reference, h) => Some((
                    format!(
                        "`{type_name}.{name}` references `{}` objects in the target; the mapping links it to `{rt}`",
                        h.unwrap_or("other")
                    ),
                    "reference the object type the attribute has, or write to another attribute".to_string(),
                )),
                (Want::Reference(rt), kind, _) => Some((
                    format!(
                        "`{type_name}.{name}` is a {} attribute in the target; the mapping links it to `{rt}` objects",
                        kind.as_str()
                    ),
                    "write to a reference attribute, or change the attribute's type in Assets: assetsync never retypes an attribute".to_string(),
                )),
                (_, AttributeType::Reference, h) => Some((
                    format!(
                        "`{type_name}.{name}` references `{}` objects in the target; the mapping writes plain values to it",
                        h.unwrap_or("other")
                    ),
                    format!("write it as a reference: `map:<source>={name}|Name=${{<source>}}`"),
                )),
                _ => None,
            };
            if let Some((message, help)) = conflict {
                self.conflicts.push(Conflict {
                    line: loc.line,
                    column: loc.column,
                    message,
                    help,
                });
                return None;
            }
            return Some(a);
        }
        let label = self.labels.get(&type_name).is_some_and(|l| l == name)
            && ty.def.label_attribute().is_none();
        let attribute = match want {
            Want::Key => AttributeDef {
                name: name.to_string(),
                kind: AttributeType::Text,
                reference: None,
                min_cardinality: 0,
                max_cardinality: Some(1),
                unique: true,
                label,
            },
            Want::Scalar(kind) => AttributeDef {
                name: name.to_string(),
                kind,
                reference: None,
                min_cardinality: 0,
                max_cardinality: None,
                unique: false,
                label,
            },
            Want::Reference(rt) => AttributeDef {
                name: name.to_string(),
                kind: AttributeType::Reference,
                reference: Some(rt.to_string()),
                min_cardinality: 0,
                max_cardinality: None,
                unique: false,
                label,
            },
        };
        self.schema.push(SchemaChange::CreateAttribute {
            object_type: type_name,
            attribute: attribute.clone(),
        });
        Some(self.world.add_attribute(t, attribute))
    }
}
