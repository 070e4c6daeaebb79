//! The plan: what a run would change, section by section, and why some of it will not happen.
//! Its `Serialize` form is the `plan --format json` contract.

use super::model::{AttributeDef, ObjectRef, Value};
use crate::diag::{Code, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// Object types and attributes the target lacks and the run creates first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schema: Vec<SchemaChange>,
    pub sections: Vec<SectionPlan>,
    /// Per-record errors and warnings, in section and record order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl Plan {
    /// Whether carrying the plan out would write anything.
    pub fn writes_anything(&self) -> bool {
        !self.schema.is_empty() || self.sections.iter().any(|s| !s.changes.is_empty())
    }

    /// Sections whose deletes and marks exceed their `missing_limit`.
    pub fn refused(&self) -> impl Iterator<Item = &SectionPlan> {
        self.sections.iter().filter(|s| {
            s.missing
                .as_ref()
                .is_some_and(|m| matches!(m.outcome, MissingOutcome::Refused))
        })
    }

    pub fn errors(&self) -> usize {
        self.sections.iter().map(|s| s.summary.errors).sum()
    }

    pub fn total(&self) -> Summary {
        let mut t = Summary::default();
        for s in &self.sections {
            t.add(&s.summary);
        }
        t
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SchemaChange {
    CreateObjectType {
        object_type: String,
    },
    CreateAttribute {
        object_type: String,
        #[serde(flatten)]
        attribute: AttributeDef,
    },
    /// The type's objects are matched by this attribute from now on.
    SetKeyAttribute {
        object_type: String,
        attribute: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionPlan {
    pub section: String,
    pub object_type: String,
    pub summary: Summary,
    /// What the section's `missing` policy did; absent for `keep`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<MissingReport>,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub delete: usize,
    pub mark: usize,
    pub errors: usize,
}

impl Summary {
    pub fn add(&mut self, other: &Summary) {
        self.create += other.create;
        self.update += other.update;
        self.unchanged += other.unchanged;
        self.delete += other.delete;
        self.mark += other.mark;
        self.errors += other.errors;
    }

    pub fn changes(&self) -> usize {
        self.create + self.update + self.delete + self.mark
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
    Mark,
}

/// One object's change. `attributes` holds only what changes (for a create: every value).
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub action: Action,
    pub key: String,
    #[serde(skip)]
    pub object: ObjectRef,
    pub attributes: BTreeMap<String, Diff>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub from: Vec<Value>,
    pub to: Vec<Value>,
}

/// The `missing` policy's outcome for one section.
#[derive(Debug, Clone, Serialize)]
pub struct MissingReport {
    /// `delete` or `set:<Attribute>=<value>`.
    pub policy: String,
    /// Objects of the type that the source no longer has.
    pub objects: usize,
    /// The most this run may delete or mark (`missing_limit`).
    pub limit: u64,
    #[serde(flatten)]
    pub outcome: MissingOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MissingOutcome {
    /// Within the limit: the deletes or marks are in the plan.
    Planned,
    /// Over the limit, and `--allow-mass-change` was given.
    Allowed,
    /// Over the limit: the run stops before writing anything.
    Refused,
    /// The policy was not applied, because the source may be incomplete.
    Skipped { reason: String },
}

/// A problem with one record, or with one value of it.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub code: Code,
    pub section: String,
    /// The record's number in its source (1-based).
    pub record: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub message: String,
    /// Where in the mapping.
    pub line: usize,
    pub column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
}

/// A mapping that cannot be carried out on the target as it is: nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: String,
}
