//! `assetsync check <MAPPING>... [--schema <SCHEMA.json>] [--format human|json]`

use super::mapping::{load, load_schema};
use super::{Failure, Format, Outcome};
use crate::diag::{render_human, JsonDiagnostic, LineIndex, Severity};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Mapping files to check.
    #[arg(required = true, value_name = "MAPPING")]
    mappings: Vec<PathBuf>,
    /// The target's object types and attributes (JSON); unknown names become errors.
    #[arg(long, value_name = "SCHEMA.json")]
    schema: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// Why the file could not be checked at all (it is missing or unreadable).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

pub fn run(args: Args) -> Outcome {
    let schema = load_schema(args.schema.as_deref())?;
    // A file that cannot be read does not stop the others from being checked; the run exits 2
    // at the end.
    let mut unreadable = Vec::new();
    let mut loaded = Vec::new();
    for path in &args.mappings {
        match load(path, schema.as_ref()) {
            Ok(l) => loaded.push(l),
            Err(Failure::Usage(message)) => {
                eprintln!("error: {message}");
                unreadable.push((path.display().to_string(), message));
            }
            Err(other) => return Err(other),
        }
    }
    let errors: usize = loaded
        .iter()
        .map(|l| {
            l.compiled
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .count()
        })
        .sum();
    match args.format {
        Format::Json => {
            let indexes: Vec<LineIndex> = loaded.iter().map(|l| LineIndex::new(&l.text)).collect();
            let report = JsonReport {
                files: loaded
                    .iter()
                    .zip(&indexes)
                    .map(|(l, index)| JsonFile {
                        path: &l.path,
                        diagnostics: l
                            .compiled
                            .diagnostics
                            .iter()
                            .map(|d| JsonDiagnostic::new(d, index))
                            .collect(),
                        error: None,
                    })
                    .chain(unreadable.iter().map(|(path, message)| JsonFile {
                        path,
                        diagnostics: Vec::new(),
                        error: Some(message),
                    }))
                    .collect(),
            };
            println!(
                "{}",
                serde_json::to_string(&report).expect("report serializes")
            );
        }
        Format::Human => {
            let mut out = String::new();
            for l in &loaded {
                out.push_str(&render_human(
                    &l.path,
                    &l.text,
                    &l.compiled.diagnostics,
                    super::stdout_colour(),
                    super::width(),
                ));
            }
            for l in &loaded {
                let count = |s: Severity| {
                    l.compiled
                        .diagnostics
                        .iter()
                        .filter(|d| d.severity == s)
                        .count()
                };
                let (e, w) = (count(Severity::Error), count(Severity::Warning));
                let status = match (e, w) {
                    (0, 0) => "ok".to_string(),
                    _ => format!("{} error{}, {} warning{}", e, plural(e), w, plural(w)),
                };
                out.push_str(&format!("{}: {status}\n", l.path));
            }
            for (path, _) in &unreadable {
                out.push_str(&format!("{path}: not checked (cannot be read)\n"));
            }
            super::write_stdout(out.as_bytes())?;
        }
    }
    if !unreadable.is_empty() {
        return Err(Failure::Usage(format!(
            "{} of {} mapping(s) could not be read",
            unreadable.len(),
            args.mappings.len()
        )));
    }
    if errors > 0 {
        Err(Failure::Input)
    } else {
        Ok(())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
