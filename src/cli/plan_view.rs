//! A plan as people read it: a diff per object and a summary per section.

use crate::plan::model::Value;
use crate::plan::{Action, MissingOutcome, Plan, SchemaChange, Summary};
use console::Style;
use std::fmt::Write;

struct Styles {
    create: Style,
    update: Style,
    delete: Style,
    dim: Style,
    bold: Style,
}

impl Styles {
    fn new(colour: bool) -> Self {
        let s = |style: Style| style.force_styling(colour);
        Styles {
            create: s(Style::new().green()),
            update: s(Style::new().yellow()),
            delete: s(Style::new().red()),
            dim: s(Style::new().dim()),
            bold: s(Style::new().bold()),
        }
    }
}

/// The whole plan: schema changes, each section's changes, then the summaries.
pub fn render(plan: &Plan, colour: bool) -> String {
    let st = Styles::new(colour);
    let mut out = String::new();
    if !plan.schema.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            st.bold.apply_to("Object types and attributes to create")
        );
        for change in &plan.schema {
            let line = match change {
                SchemaChange::CreateObjectType { object_type } => {
                    format!("object type {object_type}")
                }
                SchemaChange::CreateAttribute {
                    object_type,
                    attribute,
                } => {
                    let mut notes = vec![match &attribute.reference {
                        Some(r) => format!("reference to {r}"),
                        None => attribute.kind.as_str().to_string(),
                    }];
                    if attribute.unique {
                        notes.push("unique".into());
                    }
                    if attribute.label {
                        notes.push("label".into());
                    }
                    format!("{object_type}.{} ({})", attribute.name, notes.join(", "))
                }
                SchemaChange::SetKeyAttribute {
                    object_type,
                    attribute,
                } => format!("{object_type} objects are matched by {attribute}"),
            };
            let _ = writeln!(out, "  {} {line}", st.create.apply_to("+"));
        }
        out.push('\n');
    }
    for section in &plan.sections {
        if section.changes.is_empty() && section.missing.is_none() {
            continue;
        }
        let _ = writeln!(
            out,
            "{}",
            st.bold
                .apply_to(format!("{} ({})", section.section, section.object_type))
        );
        for change in &section.changes {
            let (sign, style) = match change.action {
                Action::Create => ("+", &st.create),
                Action::Update => ("~", &st.update),
                Action::Mark => ("!", &st.update),
                Action::Delete => ("-", &st.delete),
            };
            let _ = writeln!(out, "  {} {}", style.apply_to(sign), change.key);
            for (name, diff) in &change.attributes {
                let to = values(&diff.to);
                let line = match change.action {
                    Action::Create => format!("{name}: {to}"),
                    _ => format!("{name}: {} → {to}", values(&diff.from)),
                };
                let _ = writeln!(out, "      {}", style.apply_to(line));
            }
        }
        if let Some(m) = &section.missing {
            let what = match &m.outcome {
                MissingOutcome::Planned => "planned".to_string(),
                MissingOutcome::Allowed => {
                    "over the limit, allowed by --allow-mass-change".to_string()
                }
                MissingOutcome::Refused => format!(
                    "{}: over the limit; apply refuses this run unless given --allow-mass-change",
                    st.delete.apply_to("refused")
                ),
                MissingOutcome::Skipped { reason } => format!("not applied: {reason}"),
            };
            let _ = writeln!(
                out,
                "  {} missing={}: {} object(s) no longer in the source, limit {}; {what}",
                st.dim.apply_to("·"),
                m.policy,
                m.objects,
                m.limit
            );
        }
        out.push('\n');
    }
    out.push_str(&summaries(plan, &st));
    out
}

/// One line per section and a total.
pub fn summary(plan: &Plan, colour: bool) -> String {
    summaries(plan, &Styles::new(colour))
}

fn summaries(plan: &Plan, st: &Styles) -> String {
    let mut out = String::new();
    let width = plan
        .sections
        .iter()
        .map(|s| s.section.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    for section in &plan.sections {
        let _ = writeln!(
            out,
            "{}",
            line(&section.section, width, &section.summary, st)
        );
    }
    let _ = writeln!(
        out,
        "{}",
        st.bold.apply_to(line("total", width, &plan.total(), st))
    );
    out
}

fn line(name: &str, width: usize, s: &Summary, st: &Styles) -> String {
    let pad = width.saturating_sub(name.chars().count());
    format!(
        "{name}{:pad$}  {} create, {} update, {} unchanged, {} delete, {} mark, {} errors",
        "",
        st.create.apply_to(s.create),
        st.update.apply_to(s.update),
        s.unchanged,
        st.delete.apply_to(s.delete),
        st.update.apply_to(s.mark),
        s.errors,
    )
}

fn values(values: &[Value]) -> String {
    let one = |v: &Value| match v {
        Value::Scalar(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Reference(link) => format!(
            "{} {}",
            link.object_type,
            serde_json::to_string(&*link.label).unwrap_or_default()
        ),
    };
    match values {
        [] => "(none)".to_string(),
        [v] => one(v),
        many => format!("[{}]", many.iter().map(one).collect::<Vec<_>>().join(", ")),
    }
}
