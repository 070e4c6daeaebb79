//! assetsync keeps Jira Service Management Assets in step with identity providers, driven by a
//! small mapping language.
//!
//! Data flows one way: [`source`] reads records, [`lang`] compiles a mapping into a program,
//! [`eval`] turns each record into an object image, [`plan`] diffs the images against what the
//! target holds, and [`apply`] carries the plan out on a target such as the embedded [`store`].
//! [`diag`] holds the diagnostics and their stable codes; [`cases`] the snapshot tests admins keep
//! of their mappings; [`cli`] the commands.

pub mod apply;
pub mod cases;
pub mod cli;
pub mod cloud;
pub mod diag;
pub mod eval;
pub mod http;
pub mod lang;
pub mod plan;
pub mod sandbox;
pub mod source;
pub mod store;
