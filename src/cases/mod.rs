//! Snapshot tests of a mapping (`assetsync test`): the case folders beside it, what differs
//! between a case's expectations and what the mapping makes of its records, and the report.

pub mod compare;
pub mod folder;
pub mod report;
