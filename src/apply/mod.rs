//! Plan → target.
//!
//! [`apply`] is the one entry: it turns a plan into the writes a target carries out, in an
//! order every target can follow: object types and attributes first, then new objects with
//! their plain values, then every link and update (so a link may point at any object the run
//! creates, a manager included), then deletes.

pub mod stop;

use crate::plan::model::{ObjectRef, Value};
use crate::plan::{Action, Plan, SchemaChange, Summary};

/// A new object: its type and its plain values.
#[derive(Debug)]
pub struct Create<'a> {
    pub new: u32,
    pub object_type: &'a str,
    pub values: Vec<(&'a str, &'a [Value])>,
}

/// New values for some attributes of an object (existing, or created by this run).
#[derive(Debug)]
pub struct Update<'a> {
    pub object: ObjectRef,
    pub object_type: &'a str,
    pub values: Vec<(&'a str, &'a [Value])>,
}

/// Everything a run writes, in the order it must be written.
#[derive(Debug, Default)]
pub struct Writes<'a> {
    pub schema: &'a [SchemaChange],
    pub creates: Vec<Create<'a>>,
    pub updates: Vec<Update<'a>>,
    pub deletes: Vec<(ObjectRef, &'a str)>,
}

impl Writes<'_> {
    pub fn len(&self) -> usize {
        self.creates.len() + self.updates.len() + self.deletes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.schema.is_empty() && self.len() == 0
    }
}

/// Where objects are written: the embedded store, or Assets over REST.
pub trait Target {
    /// Carries out the writes. `progress` is told how many writes have been done so far and how
    /// many the target makes of them in all. A target stops early, sending nothing more, when
    /// [`stop::requested`].
    fn write(
        &mut self,
        writes: &Writes<'_>,
        progress: &dyn Fn(usize, usize),
    ) -> Result<(), TargetError>;
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The target could not be written; the message says what it holds now.
    #[error("{0}")]
    Failed(String),
    /// The run was asked to stop and did, having written `written` objects (none on a target
    /// that writes a run in one transaction).
    #[error("{message}")]
    Interrupted { written: usize, message: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the plan deletes or marks more objects than `missing_limit` allows in {sections}; nothing was written. Check the source, then run again with `--allow-mass-change` if the change is intended")]
    Refused { sections: String },
    #[error(transparent)]
    Target(#[from] TargetError),
}

/// Carries out a plan. Returns what was done; writes nothing when the plan changes nothing or
/// a section's `missing_limit` refuses it. `progress` is told the objects written so far and
/// how many there are to write.
pub fn apply(
    plan: &Plan,
    target: &mut dyn Target,
    progress: &dyn Fn(usize, usize),
) -> Result<Summary, ApplyError> {
    let refused: Vec<String> = plan.refused().map(|s| format!("`{}`", s.section)).collect();
    if !refused.is_empty() {
        return Err(ApplyError::Refused {
            sections: refused.join(", "),
        });
    }
    let writes = writes(plan);
    if !writes.is_empty() {
        target.write(&writes, progress)?;
    }
    Ok(plan.total())
}

/// The plan as ordered writes.
pub fn writes(plan: &Plan) -> Writes<'_> {
    let mut w = Writes {
        schema: &plan.schema,
        ..Writes::default()
    };
    let mut links = Vec::new();
    for section in &plan.sections {
        let ty = section.object_type.as_str();
        for change in &section.changes {
            match change.action {
                Action::Create => {
                    let ObjectRef::New(new) = change.object else {
                        continue;
                    };
                    let (refs, plain): (Vec<_>, Vec<_>) = change
                        .attributes
                        .iter()
                        .map(|(name, diff)| (name.as_str(), diff.to.as_slice()))
                        .partition(|(_, v)| v.iter().any(|v| matches!(v, Value::Reference(_))));
                    w.creates.push(Create {
                        new,
                        object_type: ty,
                        values: plain,
                    });
                    if !refs.is_empty() {
                        links.push(Update {
                            object: change.object,
                            object_type: ty,
                            values: refs,
                        });
                    }
                }
                Action::Update | Action::Mark => w.updates.push(Update {
                    object: change.object,
                    object_type: ty,
                    values: change
                        .attributes
                        .iter()
                        .map(|(name, diff)| (name.as_str(), diff.to.as_slice()))
                        .collect(),
                }),
                Action::Delete => w.deletes.push((change.object, ty)),
            }
        }
    }
    // Objects are numbered in the order the plan made them; creating them in that order gives
    // the same object keys on every run of the same input.
    w.creates.sort_by_key(|c| c.new);
    links.append(&mut w.updates);
    w.updates = links;
    w
}
