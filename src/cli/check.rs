//! `assetsync check <MAPPING>... [--schema <SCHEMA.json>] [--format human|json]`

use super::mapping::{load, load_schema};
use super::{Failure, Outcome};
use crate::diag::{render_human, JsonDiagnostic, LineIndex, Severity};
use clap::ValueEnum;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

pub fn run(args: Args) -> Outcome {
    let schema = load_schema(args.schema.as_deref())?;
    let loaded = args
        .mappings
        .iter()
        .map(|p| load(p, schema.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
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
                    })
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
            print!("{out}");
        }
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
