//! `assetsync eval <MAPPING> --source <FILE|-> [--section <NAME>] [--object-type <NAME>]`

use super::mapping::{load, program_or_report};
use super::{Failure, Outcome};
use crate::diag::did_you_mean;
use crate::eval::evaluator::Evaluator;
use crate::lang::program::Section;
use crate::lang::Program;
use crate::source::stream::{read_each_parallel, ChunkSink, RecordSink};
use crate::source::{Input, SourceError};
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
    let stdin_users = sections
        .iter()
        .filter(|s| matches!(inputs.for_section(&s.name), Ok(Input::Stdin)))
        .count();

    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut stdin_bytes: Option<Vec<u8>> = None;
    let mut failed_records = 0usize;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    for section in sections {
        let input = inputs.for_section(&section.name)?;
        let printers = (0..workers)
            .map(|_| Printer {
                evaluator: Evaluator::new(section),
                mapping: &path,
                chunk: Chunk::default(),
                failure: None,
            })
            .collect();
        let emit = |chunk: Chunk| {
            failed_records += chunk.failed_records;
            if !chunk.errors.is_empty() {
                let _ = std::io::stderr().write_all(&chunk.errors);
            }
            out.write_all(&chunk.images)
                .map_err(|error| SourceError::Io {
                    name: "standard output".to_string(),
                    error,
                })
        };
        let records = section.config.records.as_ref();
        let name = input.name();
        let result = match input {
            Input::File(file) => {
                let reader = std::fs::File::open(file).map_err(|e| {
                    Failure::Usage(format!("cannot read source {}: {e}", file.display()))
                })?;
                read_each_parallel(&name, reader, records, printers, emit)
            }
            // Standard input can be read once: several sections share one copy of it.
            Input::Stdin if stdin_users > 1 => {
                if stdin_bytes.is_none() {
                    let mut buf = Vec::new();
                    std::io::stdin()
                        .read_to_end(&mut buf)
                        .map_err(|e| Failure::Usage(format!("cannot read standard input: {e}")))?;
                    stdin_bytes = Some(buf);
                }
                read_each_parallel(
                    &name,
                    stdin_bytes.as_deref().unwrap_or_default(),
                    records,
                    printers,
                    emit,
                )
            }
            Input::Stdin => read_each_parallel(&name, std::io::stdin(), records, printers, emit),
        };
        match result {
            Ok(_) => {}
            Err(e @ SourceError::Io { .. }) => return Err(Failure::Usage(e.to_string())),
            Err(e @ SourceError::Malformed { .. }) => {
                let _ = out.flush();
                eprintln!("error: {e}");
                return Err(Failure::Input);
            }
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

/// What a printer made of some records: their images as JSON Lines, and their errors.
#[derive(Default)]
struct Chunk {
    images: Vec<u8>,
    errors: Vec<u8>,
    failed_records: usize,
}

/// Writes the image of each record as a JSON line, and the record's errors as text.
struct Printer<'a, 'p> {
    evaluator: Evaluator<'p>,
    mapping: &'a str,
    chunk: Chunk,
    failure: Option<std::io::Error>,
}

impl RecordSink for Printer<'_, '_> {
    fn record<'de, D: serde::Deserializer<'de>>(
        &mut self,
        index: usize,
        d: D,
    ) -> Result<(), D::Error> {
        let Some(image) = self.evaluator.read(d)? else {
            return Ok(());
        };
        if !image.errors.is_empty() {
            self.chunk.failed_records += 1;
            let section = &self.evaluator.section().name;
            let key = image
                .key
                .value
                .as_deref()
                .map(|k| format!(" (key {k})"))
                .unwrap_or_default();
            for e in &image.errors {
                let _ = writeln!(
                    self.chunk.errors,
                    "{}:{}:{}: error[{}]: {section} record {}{key}: {}",
                    self.mapping,
                    e.line,
                    e.column,
                    e.code,
                    index + 1,
                    e.message
                );
            }
        }
        let written = serde_json::to_writer(&mut self.chunk.images, &image);
        self.chunk.images.push(b'\n');
        written.map_err(|e| {
            self.failure = Some(e.into());
            serde::de::Error::custom("output failed")
        })
    }

    fn take_failure(&mut self) -> Option<SourceError> {
        self.failure.take().map(|error| SourceError::Io {
            name: "standard output".to_string(),
            error,
        })
    }
}

impl ChunkSink for Printer<'_, '_> {
    type Chunk = Chunk;

    fn take_chunk(&mut self) -> Chunk {
        std::mem::take(&mut self.chunk)
    }
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
