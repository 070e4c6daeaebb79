//! Loading mapping and schema files for the commands.

use super::Failure;
use crate::diag::render_human;
use crate::lang::{compile_bytes, Compiled, Program, Schema};
use std::path::Path;

/// A mapping file read and compiled.
pub struct Loaded {
    pub path: String,
    pub text: String,
    pub compiled: Compiled,
}

pub fn load(path: &Path, schema: Option<&Schema>) -> Result<Loaded, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::Usage(format!("cannot read mapping {}: {e}", path.display())))?;
    let (text, compiled) = compile_bytes(&bytes, schema);
    Ok(Loaded {
        path: path.display().to_string(),
        text,
        compiled,
    })
}

pub fn load_schema(path: Option<&Path>) -> Result<Option<Schema>, Failure> {
    let Some(path) = path else { return Ok(None) };
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::Usage(format!("cannot read schema {}: {e}", path.display())))?;
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        Failure::Usage(format!(
            "{}:{}:{}: not a schema: {e}; expected {{\"objectTypes\":[{{\"id\",\"name\",\"attributes\":[…]}}]}}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

/// The program of a mapping, or its diagnostics on stderr and exit 1.
pub fn program_or_report(loaded: Loaded) -> Result<(String, Program), Failure> {
    let Loaded {
        path,
        text,
        compiled,
    } = loaded;
    let warnings_and_errors = &compiled.diagnostics;
    if !warnings_and_errors.is_empty() {
        eprint!(
            "{}",
            render_human(
                &path,
                &text,
                warnings_and_errors,
                super::stderr_colour(),
                super::width()
            )
        );
    }
    match compiled.program {
        Some(program) => Ok((path, program)),
        None => Err(Failure::Input),
    }
}
