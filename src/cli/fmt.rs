//! `assetsync fmt <MAPPING>... [--check]`

use super::mapping::load;
use super::{Failure, Outcome};
use crate::diag::render_human;
use crate::lang::{fmt::format, parser::parse};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Mapping files to format in place.
    #[arg(required = true, value_name = "MAPPING")]
    mappings: Vec<PathBuf>,
    /// Change nothing; exit 1 when a file is not in the canonical layout.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> Outcome {
    let mut failed = false;
    for path in &args.mappings {
        let loaded = load(path, None)?;
        if loaded.compiled.diagnostics.iter().any(|d| d.is_error()) {
            eprint!(
                "{}",
                render_human(
                    &loaded.path,
                    &loaded.text,
                    &loaded.compiled.diagnostics,
                    super::stderr_colour(),
                    super::width()
                )
            );
            eprintln!("{}: not formatted: fix the errors first", loaded.path);
            failed = true;
            continue;
        }
        let (doc, _) = parse(&loaded.text);
        let formatted = format(&doc, &loaded.text);
        if formatted == loaded.text {
            continue;
        }
        if args.check {
            println!("{}: would be reformatted", loaded.path);
            failed = true;
        } else {
            std::fs::write(path, formatted)
                .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", loaded.path)))?;
            println!("{}: formatted", loaded.path);
        }
    }
    if failed {
        Err(Failure::Input)
    } else {
        Ok(())
    }
}
