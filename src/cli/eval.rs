//! `assetsync eval <MAPPING> --source <FILE|-> [--section <NAME>] [--object-type <NAME>]`

use super::mapping::{load, program_or_report};
use super::{Failure, Outcome};
use crate::diag::did_you_mean;
use crate::eval::evaluate;
use crate::lang::program::Section;
use crate::lang::Program;
use crate::source::{parse_records, Input, SourceError};
use std::collections::HashMap;
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mapping file.
    #[arg(value_name = "MAPPING")]
    mapping: PathBuf,
    /// The records: a file or `-` for standard input; `<Section>=<FILE>` for one section.
    #[arg(long, required = true, value_name = "FILE|-")]
    source: Vec<String>,
    /// Evaluate only this section.
    #[arg(long, value_name = "NAME")]
    section: Option<String>,
    /// The object type of a mapping without section headers or `config:object_type=`.
    #[arg(long, value_name = "NAME")]
    object_type: Option<String>,
}

pub fn run(args: Args) -> Outcome {
    let (path, mut program) = program_or_report(load(&args.mapping, None)?)?;
    name_object_types(&mut program, args.object_type.as_deref())?;
    let sections = select(&program, args.section.as_deref())?;
    let inputs = SourceArgs::parse(&args.source, &program)?;

    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut cache = Cache::default();
    let mut failed_records = 0usize;
    for section in sections {
        let input = inputs.for_section(&section.name)?;
        let records = cache.records(input, section)?;
        for (i, record) in records.iter().enumerate() {
            let Some(image) = evaluate(section, record) else {
                continue;
            };
            for e in &image.errors {
                let key = image
                    .key
                    .value
                    .as_deref()
                    .map(|k| format!(" (key {k})"))
                    .unwrap_or_default();
                eprintln!(
                    "{path}:{}:{}: error[{}]: {} record {}{key}: {}",
                    e.line,
                    e.column,
                    e.code,
                    section.name,
                    i + 1,
                    e.message
                );
            }
            if !image.errors.is_empty() {
                failed_records += 1;
            }
            serde_json::to_writer(&mut out, &image)
                .map_err(|e| Failure::Usage(format!("cannot write output: {e}")))?;
            out.write_all(b"\n")
                .map_err(|e| Failure::Usage(format!("cannot write output: {e}")))?;
        }
    }
    out.flush()
        .map_err(|e| Failure::Usage(format!("cannot write output: {e}")))?;
    if failed_records > 0 {
        eprintln!("{failed_records} record(s) had errors");
        return Err(Failure::Input);
    }
    Ok(())
}

/// Gives the sections without an object type the one from the command line.
pub fn name_object_types(program: &mut Program, object_type: Option<&str>) -> Result<(), Failure> {
    for section in &mut program.sections {
        if section.object_type.is_none() {
            let Some(name) = object_type else {
                return Err(Failure::Usage(
                    "the mapping names no object type: add `config:object_type=<Type>` to it or pass `--object-type <Type>`"
                        .to_string(),
                ));
            };
            section.object_type = Some(name.to_string());
            if section.name.is_empty() {
                section.name = name.to_string();
            }
        }
    }
    Ok(())
}

fn select<'p>(program: &'p Program, name: Option<&str>) -> Result<Vec<&'p Section>, Failure> {
    match name {
        None => Ok(program.ordered().collect()),
        Some(name) => program.section(name).map(|s| vec![s]).ok_or_else(|| {
            let names = program.sections.iter().map(|s| s.name.as_str());
            let hint = did_you_mean(name, names.clone()).unwrap_or_else(|| {
                format!(
                    "its sections are {}",
                    names
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
            Failure::Usage(format!("the mapping has no section `{name}`; {hint}"))
        }),
    }
}

/// The `--source` flags: one for every section, or `<Section>=<FILE>` for each.
struct SourceArgs {
    default: Option<Input>,
    by_section: HashMap<String, Input>,
}

impl SourceArgs {
    fn parse(values: &[String], program: &Program) -> Result<Self, Failure> {
        let mut args = SourceArgs {
            default: None,
            by_section: HashMap::new(),
        };
        for value in values {
            let named = value
                .split_once('=')
                .filter(|(section, _)| program.section(section).is_some());
            match named {
                Some((section, file)) => {
                    args.by_section.insert(section.to_string(), Input::parse(file));
                }
                None if args.default.is_none() => args.default = Some(Input::parse(value)),
                None => {
                    return Err(Failure::Usage(
                        "several `--source` files: name the section of each as `--source <Section>=<FILE>`".to_string(),
                    ))
                }
            }
        }
        Ok(args)
    }

    fn for_section(&self, section: &str) -> Result<&Input, Failure> {
        self.by_section
            .get(section)
            .or(self.default.as_ref())
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "no source for section `{section}`: add `--source {section}=<FILE>`"
                ))
            })
    }
}

/// Source bytes read once per input (standard input can only be read once).
#[derive(Default)]
struct Cache {
    bytes: HashMap<String, Vec<u8>>,
}

impl Cache {
    fn records(
        &mut self,
        input: &Input,
        section: &Section,
    ) -> Result<Vec<serde_json::Value>, Failure> {
        let name = input.name();
        if !self.bytes.contains_key(&name) {
            let bytes = match input {
                Input::Stdin => {
                    let mut buf = Vec::new();
                    std::io::stdin()
                        .read_to_end(&mut buf)
                        .map_err(|e| Failure::Usage(format!("cannot read standard input: {e}")))?;
                    buf
                }
                Input::File(p) => std::fs::read(p).map_err(|e| {
                    Failure::Usage(format!("cannot read source {}: {e}", p.display()))
                })?,
            };
            self.bytes.insert(name.clone(), bytes);
        }
        parse_records(&name, &self.bytes[&name], section.config.records.as_ref()).map_err(|e| {
            match e {
                SourceError::Io { .. } => Failure::Usage(e.to_string()),
                SourceError::Malformed { .. } => {
                    eprintln!("error: {e}");
                    Failure::Input
                }
            }
        })
    }
}
