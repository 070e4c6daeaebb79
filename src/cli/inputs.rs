//! The `--source` flags, the object type from the command line, and reading each section's
//! records through the sinks a command brings.

use super::Failure;
use crate::diag::did_you_mean;
use crate::lang::program::Section;
use crate::lang::Program;
use crate::source::provider::{Provider, ProviderError};
use crate::source::stream::{read_each_parallel, ChunkSink};
use crate::source::{Input, SourceError};
use std::collections::HashMap;
use std::io::Read;

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

pub fn select<'p>(program: &'p Program, name: Option<&str>) -> Result<Vec<&'p Section>, Failure> {
    match name {
        None => Ok(program.ordered().collect()),
        Some(name) => program
            .section(name)
            .map(|s| vec![s])
            .ok_or_else(|| Failure::Usage(no_such_section(program, name))),
    }
}

/// "The mapping has no section `X`", with the nearest name or the list of sections.
pub fn no_such_section(program: &Program, name: &str) -> String {
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
    format!("the mapping has no section `{name}`; {hint}")
}

/// Whether `<name>=<file>` names a section rather than being a file name with `=` in it: the
/// part before `=` is not a path, and no file has the whole name.
fn looks_like_section(name: &str, value: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\']) && !std::path::Path::new(value).exists()
}

/// The `--source` flags: one for every section, or `<Section>=<FILE>` for each.
pub struct SourceArgs {
    default: Option<Input>,
    by_section: HashMap<String, Input>,
}

impl SourceArgs {
    /// Reads the flags for the `sections` a command reads. One source without a section name
    /// feeds every section that has none of its own, which only works when each of them finds
    /// its own records in it (`config:records=`): one section's records are never read as
    /// another's.
    pub fn parse(
        values: &[String],
        program: &Program,
        sections: &[&Section],
    ) -> Result<Self, Failure> {
        let mut args = SourceArgs {
            default: None,
            by_section: HashMap::new(),
        };
        for value in values {
            let named = value.split_once('=');
            match named {
                Some((section, file)) if program.section(section).is_some() => {
                    args.by_section.insert(section.to_string(), Input::parse(file));
                }
                Some((section, _)) if looks_like_section(section, value) => {
                    return Err(Failure::Usage(format!(
                        "`--source {value}`: {}",
                        no_such_section(program, section)
                    )));
                }
                _ if args.default.is_none() => args.default = Some(Input::parse(value)),
                _ => {
                    return Err(Failure::Usage(
                        "several `--source` files: name the section of each as `--source <Section>=<FILE>`".to_string(),
                    ))
                }
            }
        }
        let unplaced = args.unplaced(sections);
        if !unplaced.is_empty() {
            return Err(Failure::Usage(format!(
                "one `--source` feeds several sections only when each names where its records are (`config:records=`); give `--source <Section>=<FILE>` for each of: {}",
                unplaced.join(", ")
            )));
        }
        Ok(args)
    }

    /// Files named by section (`None`: the file of every section without one of its own), with
    /// the same rule as the flags.
    pub fn files(
        files: impl IntoIterator<Item = (Option<String>, std::path::PathBuf)>,
        sections: &[&Section],
    ) -> Result<Self, String> {
        let mut args = SourceArgs {
            default: None,
            by_section: HashMap::new(),
        };
        let mut shared_name = String::new();
        for (section, file) in files {
            match section {
                Some(section) => {
                    args.by_section.insert(section, Input::File(file));
                }
                None => {
                    shared_name = file.display().to_string();
                    args.default = Some(Input::File(file));
                }
            }
        }
        let unplaced = args.unplaced(sections);
        if !unplaced.is_empty() {
            return Err(format!(
                "{shared_name} feeds several sections only when each names where its records are (`config:records=`); give a file of its own to each of: {}",
                unplaced.join(", ")
            ));
        }
        Ok(args)
    }

    /// The sections that would share the source without a section name but do not say where
    /// their records are in it: one source feeds several sections only when each finds its own
    /// records in it. Empty when all is well.
    fn unplaced(&self, sections: &[&Section]) -> Vec<String> {
        if self.default.is_none() {
            return Vec::new();
        }
        let shared: Vec<&&Section> = sections
            .iter()
            .filter(|s| !self.by_section.contains_key(&s.name))
            .collect();
        if shared.len() < 2 {
            return Vec::new();
        }
        shared
            .iter()
            .filter(|s| s.config.records.is_none())
            .map(|s| format!("`{}`", s.name))
            .collect()
    }

    pub fn for_section(&self, section: &str) -> Result<&Input, Failure> {
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

/// Where the records come from: files (`--source`) or a provider (`--provider`).
pub enum Records<'a> {
    Files(&'a SourceArgs),
    Provider(&'a Provider),
}

/// How reading a section's records ended.
pub struct SectionRead {
    /// Every record of the source was read: false when `max_pages` cut a provider's listing
    /// short, so that a run never deletes what it did not see.
    pub complete: bool,
}

/// A provider failure, for exit 2, with what to do about it.
pub fn provider_failure(e: &ProviderError) -> Failure {
    Failure::Usage(format!("{e}\n  help: {}", e.help()))
}

/// Reads the sources of sections, sharing one copy of standard input between the sections that
/// read it.
pub struct Reader<'a> {
    records: Records<'a>,
    stdin_users: usize,
    stdin_bytes: Option<Vec<u8>>,
    /// How many sections are read.
    sections: usize,
}

impl<'a> Reader<'a> {
    pub fn new(records: Records<'a>, sections: &[&Section]) -> Self {
        let stdin_users = match &records {
            Records::Files(args) => sections
                .iter()
                .filter(|s| matches!(args.for_section(&s.name), Ok(Input::Stdin)))
                .count(),
            Records::Provider(_) => 0,
        };
        Reader {
            records,
            stdin_users,
            stdin_bytes: None,
            sections: sections.len(),
        }
    }

    /// Feeds every record of the section's source to `sinks` (in parallel where the layout
    /// allows) and what they make, in source order, to `emit`. A source that cannot be opened
    /// or a provider that fails is a usage failure (exit 2); a malformed source is returned as
    /// it is.
    pub fn read<S: ChunkSink>(
        &mut self,
        section: &Section,
        sinks: Vec<S>,
        emit: impl FnMut(S::Chunk) -> Result<(), SourceError>,
    ) -> Result<Result<SectionRead, SourceError>, Failure> {
        let args = match self.records {
            Records::Files(args) => args,
            Records::Provider(provider) => {
                let mut stream = provider.stream(&section.config);
                let name = format!(
                    "{} records of section `{}`",
                    provider.kind().name(),
                    section.name
                );
                // The provider's records are JSON Lines, whatever `config:records` says about
                // its responses.
                let read = read_each_parallel(&name, &mut stream, None, sinks, emit);
                if let Some(e) = stream.take_error() {
                    return Err(provider_failure(&e));
                }
                return Ok(read.map(|_| SectionRead {
                    complete: stream.complete(),
                }));
            }
        };
        let input = args.for_section(&section.name)?;
        let records = section.config.records.as_ref();
        let name = input.name();
        let read = match input {
            Input::File(file) => {
                let reader = std::fs::File::open(file).map_err(|e| {
                    Failure::Usage(format!("cannot read source {}: {e}", file.display()))
                })?;
                read_each_parallel(&name, reader, records, sinks, emit)
            }
            // Standard input can be read once: several sections share one copy of it.
            Input::Stdin if self.stdin_users > 1 => {
                if self.stdin_bytes.is_none() {
                    let mut buf = Vec::new();
                    std::io::stdin()
                        .read_to_end(&mut buf)
                        .map_err(|e| Failure::Usage(format!("cannot read standard input: {e}")))?;
                    self.stdin_bytes = Some(buf);
                }
                read_each_parallel(
                    &name,
                    self.stdin_bytes.as_deref().unwrap_or_default(),
                    records,
                    sinks,
                    emit,
                )
            }
            Input::Stdin => read_each_parallel(&name, std::io::stdin(), records, sinks, emit),
        };
        // With several sections, a malformed source says whose source it is.
        let read = read.map_err(|e| match e {
            SourceError::Malformed {
                name,
                line,
                column,
                message,
            } if self.sections > 1 => SourceError::Malformed {
                name,
                line,
                column,
                message: format!("{message} (the source of section `{}`)", section.name),
            },
            other => other,
        });
        Ok(read.map(|_| SectionRead { complete: true }))
    }
}

/// How many threads read a source.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}
