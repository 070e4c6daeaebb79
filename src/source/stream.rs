//! Records one at a time, with memory that does not grow with the source.
//!
//! JSON Lines are read a line at a time through a large buffer; a JSON array is read element by
//! element; a JSON object is streamed too, its records found at their path as it is read. A
//! section's `config:records` path is followed in every document (the object, each element,
//! each line) by [`AtPath`]. Each record is handed to a [`RecordSink`] as a deserializer, so
//! the sink decides what to build: a full `Value`, or only the parts it needs.

use super::checked::Checked;
use super::SourceError;
use crate::lang::program::{DotPath, Segment};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::{BufRead, Read};

/// Receives the records of a source in order. `index` counts records from 0.
pub trait RecordSink {
    /// Reads one record from `d`. Deserialization errors are malformed input; a sink that fails
    /// for its own reasons (say, its output is gone) returns an error made with
    /// [`de::Error::custom`] and keeps the reason, to be taken with [`RecordSink::take_failure`].
    fn record<'de, D: Deserializer<'de>>(&mut self, index: usize, d: D) -> Result<(), D::Error>;

    /// The sink's own failure, if the last error was one.
    fn take_failure(&mut self) -> Option<SourceError> {
        None
    }
}

/// How a source holds its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Array,
    Lines,
    /// One JSON object: the records at a path inside it, or the object itself.
    Document,
}

const BUFFER: usize = 1 << 20;

/// Reads up to the first line that is not blank and tells the layout from it: `[` an array;
/// `{` JSON Lines when that line is a whole value, otherwise one document. Returns the bytes
/// read so far, to be read again. No layout: the source is empty.
fn detect<R: BufRead>(
    name: &str,
    reader: &mut R,
) -> Result<(Option<Layout>, Vec<u8>), SourceError> {
    let io = |error| SourceError::Io {
        name: name.to_string(),
        error,
    };
    let mut first = Vec::new();
    let last_line = loop {
        let start = first.len();
        if reader.read_until(b'\n', &mut first).map_err(io)? == 0 {
            break start;
        }
        // A byte-order mark alone does not make the first line a line with content.
        let line = &first[start..];
        let line = match start {
            0 => line.strip_prefix(BOM).unwrap_or(line),
            _ => line,
        };
        if !skip_space(line).is_empty() {
            break start;
        }
    };
    let unmarked = first.strip_prefix(BOM).unwrap_or(&first);
    let body = skip_space(unmarked);
    let line = &first[last_line..];
    let line = skip_space(if last_line == 0 { unmarked } else { line });
    let layout = match body.first() {
        None => return Ok((None, first)),
        Some(b'[') => Some(Layout::Array),
        Some(b'{') if is_whole_value(line) => Some(Layout::Lines),
        Some(b'{') => Some(Layout::Document),
        Some(_) => {
            return Err(SourceError::Malformed {
                name: name.to_string(),
                line: first[..last_line].iter().filter(|&&b| b == b'\n').count() + 1,
                column: first.len() - last_line - line.len() + 1,
                message: "expected a JSON array, a JSON object or JSON Lines".to_string(),
            })
        }
    };
    // The readers of every layout start after the mark: serde_json does not skip it.
    if first.starts_with(BOM) {
        first.drain(..BOM.len());
    }
    Ok((layout, first))
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn skip_space(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

fn is_whole_value(line: &[u8]) -> bool {
    let mut de = serde_json::Deserializer::from_slice(line);
    de::IgnoredAny::deserialize(&mut de).is_ok() && de.end().is_ok()
}

use serde::Deserialize;

fn malformed(name: &str, line: usize, e: &serde_json::Error) -> SourceError {
    SourceError::Malformed {
        name: name.to_string(),
        line,
        column: e.column(),
        message: format!("{e}; fix the JSON there"),
    }
}

fn sink_error<S: RecordSink>(
    sink: &mut S,
    name: &str,
    line: usize,
    e: serde_json::Error,
) -> SourceError {
    sink.take_failure()
        .unwrap_or_else(|| malformed(name, line, &e))
}

fn read_lines<R: BufRead, S: RecordSink>(
    name: &str,
    mut reader: R,
    records: Option<&DotPath>,
    sink: &mut S,
) -> Result<usize, SourceError> {
    let mut line = Vec::with_capacity(64 * 1024);
    let mut index = 0;
    let mut number = 0;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|error| SourceError::Io {
                name: name.to_string(),
                error,
            })?;
        if n == 0 {
            return Ok(index);
        }
        number += 1;
        let text = &line[..];
        if skip_space(text).is_empty() {
            continue;
        }
        let mut de = serde_json::Deserializer::from_slice(text);
        if skip_space(text).first() != Some(&b'{') {
            return Err(SourceError::Malformed {
                name: name.to_string(),
                line: number,
                column: text.len() - skip_space(text).len() + 1,
                message: "a JSON Lines source holds one JSON object a line".to_string(),
            });
        }
        let Some(path) = records else {
            let result = sink.record(index, &mut de).and_then(|()| de.end());
            if let Err(e) = result {
                // serde_json counts lines within the slice: within one line it is always 1.
                return Err(sink_error(sink, name, number, e));
            }
            index += 1;
            continue;
        };
        // Each line is a document holding records at the path.
        let mut found = false;
        let result = AtPath {
            sink: &mut *sink,
            count: &mut index,
            path: &path.0,
            found: &mut found,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        if let Err(e) = result {
            return Err(sink_error(sink, name, number, e));
        }
        if !found {
            return Err(no_records(name, number, path, "line"));
        }
    }
}

fn no_records(name: &str, line: usize, path: &DotPath, what: &str) -> SourceError {
    SourceError::Malformed {
        name: name.to_string(),
        line,
        column: 1,
        message: format!(
            "no array of records at `{}` in this {what}; check `config:records=`, or give the section a source of its own",
            crate::eval::record::path_text(path)
        ),
    }
}

fn read_array<R: Read, S: RecordSink>(
    name: &str,
    reader: R,
    records: Option<&DotPath>,
    sink: &mut S,
) -> Result<usize, SourceError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut count = 0;
    let mut missing = None;
    let result = de
        .deserialize_seq(ArrayVisitor {
            sink: &mut *sink,
            count: &mut count,
            records,
            missing: &mut missing,
        })
        .and_then(|()| de.end());
    match result {
        Ok(()) => Ok(count),
        Err(e) => {
            let line = e.line();
            match (missing, records) {
                (Some(element), Some(path)) => {
                    let mut error = no_records(name, line, path, "element");
                    if let SourceError::Malformed {
                        message, column, ..
                    } = &mut error
                    {
                        *column = e.column();
                        *message = format!("element {} of the array: {message}", element + 1);
                    }
                    Err(error)
                }
                _ => Err(sink_error(sink, name, line, e)),
            }
        }
    }
}

struct ArrayVisitor<'s, S> {
    sink: &'s mut S,
    count: &'s mut usize,
    /// Each element is a document with its records at this path.
    records: Option<&'s DotPath>,
    /// The element that had no records at the path.
    missing: &'s mut Option<usize>,
}

impl<'de, S: RecordSink> Visitor<'de> for ArrayVisitor<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some(path) = self.records else {
            return records_of(&mut seq, &mut *self.sink, &mut *self.count);
        };
        for element in 0.. {
            let mut found = false;
            let seed = AtPath {
                sink: &mut *self.sink,
                count: &mut *self.count,
                path: &path.0,
                found: &mut found,
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
            if !found {
                *self.missing = Some(element);
                return Err(de::Error::custom("no records at the path"));
            }
        }
        Ok(())
    }
}

/// Feeds the records at `path` of one document to the sink: the elements of the array there,
/// or the object there as one record. `found` tells whether the path led to either.
struct AtPath<'s, S> {
    sink: &'s mut S,
    count: &'s mut usize,
    path: &'s [Segment],
    found: &'s mut bool,
}

impl<'de, S: RecordSink> DeserializeSeed<'de> for AtPath<'_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: RecordSink> Visitor<'de> for AtPath<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            *self.found = true;
            let index = *self.count;
            self.sink
                .record(index, de::value::MapAccessDeserializer::new(map))?;
            *self.count += 1;
            return Ok(());
        };
        // A key repeated in one document: its first value holds the records (a `Value` would
        // keep the last, but streaming cannot take back records already handed on).
        let mut taken = false;
        while let Some(key) = map.next_key::<String>()? {
            if !taken && *key == *first.name {
                taken = true;
                map.next_value_seed(AtPath {
                    sink: &mut *self.sink,
                    count: &mut *self.count,
                    path: rest,
                    found: &mut *self.found,
                })?;
            } else {
                map.next_value::<Checked>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match self.path.split_first() {
            None => {
                *self.found = true;
                records_of(&mut seq, &mut *self.sink, &mut *self.count)?;
            }
            Some((first, rest)) => {
                // A numeric segment indexes the array, as it does in a dot path.
                if let Some(index) = first.index {
                    for _ in 0..index {
                        if seq.next_element::<Checked>()?.is_none() {
                            return Ok(());
                        }
                    }
                    seq.next_element_seed(AtPath {
                        sink: &mut *self.sink,
                        count: &mut *self.count,
                        path: rest,
                        found: &mut *self.found,
                    })?;
                }
                while seq.next_element::<Checked>()?.is_some() {}
            }
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Feeds every element of an array to the sink as a record, counting them.
fn records_of<'de, A: SeqAccess<'de>, S: RecordSink>(
    seq: &mut A,
    sink: &mut S,
    count: &mut usize,
) -> Result<(), A::Error> {
    while seq
        .next_element_seed(ElementSeed {
            sink: &mut *sink,
            index: *count,
        })?
        .is_some()
    {
        *count += 1;
    }
    Ok(())
}

struct ElementSeed<'s, S> {
    sink: &'s mut S,
    index: usize,
}

impl<'de, S: RecordSink> DeserializeSeed<'de> for ElementSeed<'_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.sink.record(self.index, d)
    }
}

fn read_document<R: Read, S: RecordSink>(
    name: &str,
    reader: R,
    records: Option<&DotPath>,
    sink: &mut S,
) -> Result<usize, SourceError> {
    // Streamed like the documents of an array or of JSON Lines: only the records are built,
    // and without a records path the object itself is the one record.
    let mut de = serde_json::Deserializer::from_reader(reader);
    let (mut count, mut found) = (0, false);
    let result = AtPath {
        sink: &mut *sink,
        count: &mut count,
        path: records.map_or(&[][..], |p| &p.0),
        found: &mut found,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if let Err(e) = result {
        let line = e.line();
        return Err(sink_error(sink, name, line, e));
    }
    match records {
        Some(path) if !found => Err(no_records(name, 1, path, "document")),
        _ => Ok(count),
    }
}

// ------------------------------------------------------------------------------ in parallel

/// A [`RecordSink`] that can work on its own thread and hands over what it made in chunks.
pub trait ChunkSink: RecordSink + Send {
    type Chunk: Send;

    /// What the sink made of the records since the last call.
    fn take_chunk(&mut self) -> Self::Chunk;
}

/// Input bytes per chunk handed to a worker.
const CHUNK: usize = 1 << 20;

/// Records of the next chunk: whole lines, with the number of the first line and first record.
struct Job {
    bytes: Vec<u8>,
    first_line: usize,
    first_record: usize,
}

/// Feeds every record of `reader` to one of `sinks` and passes what they made, in source
/// order, to `emit`. JSON Lines are read by all sinks in parallel, a chunk of lines each; other
/// layouts by the first sink alone. Returns the number of records.
pub fn read_each_parallel<R: Read + Send, S: ChunkSink>(
    name: &str,
    reader: R,
    records: Option<&DotPath>,
    mut sinks: Vec<S>,
    mut emit: impl FnMut(S::Chunk) -> Result<(), SourceError>,
) -> Result<usize, SourceError> {
    let mut reader = std::io::BufReader::with_capacity(BUFFER, reader);
    let (layout, first) = detect(name, &mut reader)?;
    let whole = std::io::Cursor::new(first).chain(reader);
    // Documents of JSON Lines with records inside hold an unknown number of records each, so
    // record numbers are known only in order: they are read on one thread.
    if layout != Some(Layout::Lines) || sinks.len() < 2 || records.is_some() {
        let Some(sink) = sinks.first_mut() else {
            return Ok(0);
        };
        let mut batched = Batched {
            sink,
            emit: &mut emit,
            pending: 0,
            failure: None,
        };
        let count = match layout {
            None => 0,
            Some(Layout::Lines) => read_lines(name, whole, records, &mut batched)?,
            Some(Layout::Array) => read_array(name, whole, records, &mut batched)?,
            Some(Layout::Document) => read_document(name, whole, records, &mut batched)?,
        };
        let chunk = batched.sink.take_chunk();
        emit(chunk)?;
        return Ok(count);
    }
    std::thread::scope(|scope| {
        let mut lanes = Vec::with_capacity(sinks.len());
        for mut sink in sinks {
            let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<Job>(1);
            let (done_tx, done_rx) =
                std::sync::mpsc::sync_channel::<Result<S::Chunk, SourceError>>(1);
            scope.spawn(move || {
                for job in job_rx {
                    let result = read_chunk(name, &job, &mut sink).map(|()| sink.take_chunk());
                    let failed = result.is_err();
                    if done_tx.send(result).is_err() || failed {
                        return;
                    }
                }
            });
            lanes.push((job_tx, done_rx));
        }
        // Chunk i goes to lane i % n, so taking results lane by lane keeps the source order.
        let n = lanes.len();
        let mut in_flight = std::collections::VecDeque::new();
        let mut sent = 0usize;
        let mut splitter = Splitter::new(whole);
        loop {
            let job = splitter.next_job(name)?;
            let Some(job) = job else { break };
            let lane = sent % n;
            if in_flight.len() == n {
                let oldest: usize = in_flight.pop_front().expect("a chunk is in flight");
                emit(lanes[oldest].1.recv().map_err(|_| worker_gone(name))??)?;
            }
            lanes[lane].0.send(job).map_err(|_| worker_gone(name))?;
            in_flight.push_back(lane);
            sent += 1;
        }
        for lane in in_flight {
            emit(lanes[lane].1.recv().map_err(|_| worker_gone(name))??)?;
        }
        Ok(splitter.record)
    })
}

fn worker_gone(name: &str) -> SourceError {
    SourceError::Io {
        name: name.to_string(),
        error: std::io::Error::other("a worker stopped"),
    }
}

/// The lines of a chunk (the last one without its line end).
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    line_ranges(bytes).map(|r| &bytes[r])
}

/// Where the lines of a chunk are.
fn line_ranges(bytes: &[u8]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut start = 0;
    memchr::memchr_iter(b'\n', bytes)
        .map(|end| end + 1)
        .chain(std::iter::once(bytes.len()))
        .filter_map(move |end| {
            let range = start..end;
            bytes.get(range.clone())?;
            start = end;
            Some(range)
        })
}

/// Cuts a reader into jobs of whole lines.
struct Splitter<R> {
    reader: R,
    carry: Vec<u8>,
    line: usize,
    record: usize,
    done: bool,
}

impl<R: Read> Splitter<R> {
    fn new(reader: R) -> Self {
        Splitter {
            reader,
            carry: Vec::new(),
            line: 1,
            record: 0,
            done: false,
        }
    }

    fn next_job(&mut self, name: &str) -> Result<Option<Job>, SourceError> {
        if self.done && self.carry.is_empty() {
            return Ok(None);
        }
        let mut bytes = std::mem::take(&mut self.carry);
        let mut size = CHUNK;
        loop {
            while !self.done && bytes.len() < size {
                // `read_to_end` fills the spare capacity without zeroing it first.
                bytes.reserve(CHUNK);
                let n = (&mut self.reader)
                    .take(CHUNK as u64)
                    .read_to_end(&mut bytes)
                    .map_err(|error| SourceError::Io {
                        name: name.to_string(),
                        error,
                    })?;
                if n == 0 {
                    self.done = true;
                }
            }
            if self.done {
                break;
            }
            // Keep a partial last line for the next job.
            match memchr::memrchr(b'\n', &bytes) {
                Some(i) => {
                    self.carry = bytes.split_off(i + 1);
                    break;
                }
                // One line longer than a chunk: read on until it ends.
                None => size = bytes.len() + CHUNK,
            }
        }
        let job = Job {
            first_line: self.line,
            first_record: self.record,
            bytes,
        };
        for line in lines(&job.bytes) {
            if line.ends_with(b"\n") {
                self.line += 1;
            }
            if !skip_space(line).is_empty() {
                self.record += 1;
            }
        }
        Ok(Some(job))
    }
}

fn read_chunk<S: RecordSink>(name: &str, job: &Job, sink: &mut S) -> Result<(), SourceError> {
    // Checking a whole chunk's UTF-8 at once costs far less than serde_json checking every key
    // and kept string on its own; a chunk that fails is read line by line as bytes, so the error
    // is serde_json's, at its line.
    let utf8 = std::str::from_utf8(&job.bytes).ok();
    let mut index = job.first_record;
    for (i, range) in line_ranges(&job.bytes).enumerate() {
        let number = job.first_line + i;
        let text = &job.bytes[range.clone()];
        let trimmed = skip_space(text);
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.first() != Some(&b'{') {
            return Err(SourceError::Malformed {
                name: name.to_string(),
                line: number,
                column: text.len() - trimmed.len() + 1,
                message: "a JSON Lines source holds one JSON object a line".to_string(),
            });
        }
        // Lines end at `\n`, so a line of a valid chunk is valid on its own.
        let result = match utf8.and_then(|chunk| chunk.get(range)) {
            Some(text) => {
                let mut de = serde_json::Deserializer::from_str(text);
                sink.record(index, &mut de).and_then(|()| de.end())
            }
            None => {
                let mut de = serde_json::Deserializer::from_slice(text);
                sink.record(index, &mut de).and_then(|()| de.end())
            }
        };
        if let Err(e) = result {
            return Err(sink_error(sink, name, number, e));
        }
        index += 1;
    }
    Ok(())
}

/// A sink whose chunks are emitted every few thousand records when it runs alone.
struct Batched<'a, S: ChunkSink, E> {
    sink: &'a mut S,
    emit: &'a mut E,
    pending: usize,
    failure: Option<SourceError>,
}

impl<S: ChunkSink, E: FnMut(S::Chunk) -> Result<(), SourceError>> RecordSink for Batched<'_, S, E> {
    fn record<'de, D: Deserializer<'de>>(&mut self, index: usize, d: D) -> Result<(), D::Error> {
        self.sink.record(index, d)?;
        self.pending += 1;
        if self.pending == 4096 {
            self.pending = 0;
            let chunk = self.sink.take_chunk();
            if let Err(e) = (self.emit)(chunk) {
                self.failure = Some(e);
                return Err(de::Error::custom("output failed"));
            }
        }
        Ok(())
    }

    fn take_failure(&mut self) -> Option<SourceError> {
        self.failure.take().or_else(|| self.sink.take_failure())
    }
}
