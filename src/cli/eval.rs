//! `assetsync eval <MAPPING> --source <FILE|-> [--section <NAME>] [--object-type <NAME>]`

use super::inputs::{name_object_types, select, workers, Reader, Records, SourceArgs};
use super::mapping::{load, program_or_report};
use super::{Failure, Outcome};
use crate::eval::evaluator::Evaluator;
use crate::lang::program::Section;
use crate::source::stream::{ChunkSink, RecordSink};
use crate::source::SourceError;
use std::io::{BufWriter, Write};
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
    let inputs = SourceArgs::parse(&args.source, &program, &sections)?;
    let mut reader = Reader::new(Records::Files(&inputs), &sections);

    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let read = write_images(
        &path,
        &sections,
        &mut reader,
        &mut out,
        &mut std::io::stderr(),
    )?;
    let failed_records = match read {
        Ok(failed) => failed,
        // The reader of the output went away (`| head`): nothing more to say.
        Err(SourceError::Io { error, .. }) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            return Err(Failure::Closed)
        }
        Err(e @ SourceError::Io { .. }) => return Err(Failure::Usage(e.to_string())),
        Err(e @ SourceError::Malformed { .. }) => {
            let _ = out.flush();
            eprintln!("error: {e}");
            return Err(Failure::Input);
        }
    };
    out.flush().map_err(super::output_failure)?;
    if failed_records > 0 {
        eprintln!("{failed_records} record(s) had errors");
        return Err(Failure::Input);
    }
    Ok(())
}

/// Evaluates every record of the sections, in order, and writes their images to `out` as JSON
/// Lines (what `eval` prints) and the records' errors to `errors` as lines of text. Gives how
/// many records had errors, or why the sources could not be read to their end.
pub fn write_images(
    mapping: &str,
    sections: &[&Section],
    reader: &mut Reader<'_>,
    out: &mut dyn Write,
    errors: &mut dyn Write,
) -> Result<Result<usize, SourceError>, Failure> {
    let mut failed_records = 0usize;
    for section in sections {
        let printers = (0..workers())
            .map(|_| Printer {
                evaluator: Evaluator::new(section),
                mapping,
                chunk: Chunk::default(),
            })
            .collect();
        let emit = |chunk: Chunk| {
            failed_records += chunk.failed_records;
            if !chunk.errors.is_empty() {
                let _ = errors.write_all(&chunk.errors);
            }
            out.write_all(&chunk.images)
                .map_err(|error| SourceError::Io {
                    name: "standard output".to_string(),
                    error,
                })
        };
        if let Err(e) = reader.read(section, printers, emit)? {
            return Ok(Err(e));
        }
    }
    Ok(Ok(failed_records))
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
}

impl RecordSink for Printer<'_, '_> {
    fn record<'de, D: serde::Deserializer<'de>>(
        &mut self,
        index: usize,
        d: D,
    ) -> Result<(), D::Error> {
        let section = &self.evaluator.section().name;
        let Some(image) = self.evaluator.write(d, &mut self.chunk.images)? else {
            return Ok(());
        };
        self.chunk.images.push(b'\n');
        if !image.errors.is_empty() {
            self.chunk.failed_records += 1;
            let key = image.key.map(|k| format!(" (key {k})")).unwrap_or_default();
            for e in image.errors {
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
        Ok(())
    }
}

impl ChunkSink for Printer<'_, '_> {
    type Chunk = Chunk;

    fn take_chunk(&mut self) -> Chunk {
        std::mem::take(&mut self.chunk)
    }
}
