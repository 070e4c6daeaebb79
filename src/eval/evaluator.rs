//! Reading and evaluating the records of one section.
//!
//! A section whose sources are all dot paths reads records through a [`Projection`]: only the
//! values it needs are built. A section that needs whole records (JSONPath, the compatibility
//! filters) builds a `Value` for each. Both give the same images.

use super::projection::{Projected, ProjectedRecord, Projection};
use super::record::Record;
use super::write::{ImageWriter, Written};
use super::{evaluate, ObjectImage};
use crate::lang::program::Section;
use serde::de::{Deserialize, DeserializeSeed, Deserializer};
use serde_json::Value;

/// How records are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only the values at the section's paths.
    Projection,
    /// The whole record as a `Value`.
    Value,
}

pub struct Evaluator<'p> {
    section: &'p Section,
    reader: Reader,
    writer: ImageWriter<'p>,
}

enum Reader {
    Projection {
        projection: Projection,
        projected: Projected,
    },
    Value,
}

impl<'p> Evaluator<'p> {
    /// The fastest reader the section allows.
    pub fn new(section: &'p Section) -> Self {
        let mode = if section.needs_whole_record {
            Mode::Value
        } else {
            Mode::Projection
        };
        Self::with_mode(section, mode)
    }

    /// A given reader; [`Mode::Projection`] falls back to [`Mode::Value`] for a section that needs
    /// whole records.
    pub fn with_mode(section: &'p Section, mode: Mode) -> Self {
        let reader = match mode {
            Mode::Projection if !section.needs_whole_record => {
                let paths: Vec<_> = section.paths.iter().collect();
                Reader::Projection {
                    projection: Projection::new(&paths),
                    projected: Projected::default(),
                }
            }
            _ => Reader::Value,
        };
        Evaluator {
            section,
            reader,
            writer: ImageWriter::new(section),
        }
    }

    pub fn mode(&self) -> Mode {
        match self.reader {
            Reader::Projection { .. } => Mode::Projection,
            Reader::Value => Mode::Value,
        }
    }

    pub fn section(&self) -> &'p Section {
        self.section
    }

    /// Reads one record from `d` and evaluates it; `None` when a filter leaves it out.
    pub fn read<'de, D: Deserializer<'de>>(
        &mut self,
        d: D,
    ) -> Result<Option<ObjectImage<'p>>, D::Error> {
        let section = self.section;
        self.reader.read(d, |record| evaluate(section, record))
    }

    /// Reads one record from `d` and appends its image to `out` as JSON, the bytes
    /// `serde_json` gives for the image [`Evaluator::read`] makes; nothing when a filter leaves
    /// the record out.
    pub fn write<'de, D: Deserializer<'de>>(
        &mut self,
        d: D,
        out: &mut Vec<u8>,
    ) -> Result<Option<Written<'_>>, D::Error> {
        let writer = &mut self.writer;
        self.reader.read(d, move |record| writer.write(record, out))
    }
}

impl Reader {
    /// Reads one record from `d` and hands it to `then`.
    fn read<'de, D: Deserializer<'de>, T>(
        &mut self,
        d: D,
        then: impl FnOnce(&dyn Record) -> T,
    ) -> Result<T, D::Error> {
        match self {
            Reader::Projection {
                projection,
                projected,
            } => {
                projection.seed(projected).deserialize(d)?;
                Ok(then(&ProjectedRecord {
                    projection,
                    projected,
                }))
            }
            Reader::Value => Ok(then(&Value::deserialize(d)?)),
        }
    }
}

/// Keeps the image of each record the filters let through, with its record number (1-based):
/// the sink that reads a whole source for planning.
pub struct Collector<'p> {
    evaluator: Evaluator<'p>,
    images: Vec<(usize, ObjectImage<'p>)>,
}

impl<'p> Collector<'p> {
    pub fn new(section: &'p Section) -> Self {
        Collector {
            evaluator: Evaluator::new(section),
            images: Vec::new(),
        }
    }
}

impl crate::source::stream::RecordSink for Collector<'_> {
    fn record<'de, D: Deserializer<'de>>(&mut self, index: usize, d: D) -> Result<(), D::Error> {
        if let Some(image) = self.evaluator.read(d)? {
            self.images.push((index + 1, image));
        }
        Ok(())
    }
}

impl<'p> crate::source::stream::ChunkSink for Collector<'p> {
    type Chunk = Vec<(usize, ObjectImage<'p>)>;

    fn take_chunk(&mut self) -> Self::Chunk {
        std::mem::take(&mut self.images)
    }
}
