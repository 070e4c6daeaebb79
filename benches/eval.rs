//! Evaluation throughput against the cost of reading JSON alone, on 100,000 Okta-shaped users
//! (about 112 MB of JSON Lines held in memory, see `support/okta.rs`) and the 8-line user mapping
//! of `okta-users.map`, the one `eval-speed.sh` times end to end.
//!
//! The benches run in one group, so one run measures them side by side on the same bytes, and
//! their ratios to `scan` hold even when the machine's speed varies from run to run:
//!
//! - `scan`: each line checked with `IgnoredAny`, nothing built. The floor: no JSON reader can do
//!   less and still validate its input.
//! - `parse_only`: each line parsed into a `serde_json::Value`, nothing more. The floor for any
//!   evaluator that works on `Value`s.
//! - `eval_value`: each line parsed into a `Value`, evaluated and its image serialized as JSON.
//! - `eval_projection`: each line read through the section's projection (only the values at its
//!   paths are built) and its image written as JSON straight from those values, without building
//!   it: what `assetsync eval` does for a record on one thread, less the file I/O.
//! - `eval_parallel`: the whole `assetsync eval` pipeline, less the file I/O: `read_each_parallel`
//!   cuts the bytes into chunks of lines, one worker per core (at most 8, as `assetsync eval`)
//!   evaluates each chunk, and the images are gathered in source order. Wall clock only: the CPU
//!   clock would count the calling thread alone, and the workers do the work.
//! - `eval_only`: evaluation and serialization of `Value`s parsed beforehand.
//!
//! `cargo bench --bench eval` (`ASSETSYNC_BENCH_CLOCK=cpu` for CPU time, see `support/clock.rs`;
//! `ASSETSYNC_BENCH_USERS` for another number of users)

#[path = "support/clock.rs"]
mod clock;
#[path = "support/okta.rs"]
mod okta;

use assetsync::eval::evaluate;
use assetsync::eval::evaluator::{Evaluator, Mode};
use assetsync::lang::program::Section;
use assetsync::source::stream::{read_each_parallel, ChunkSink, RecordSink};
use criterion::measurement::Measurement;
use criterion::{black_box, Criterion, SamplingMode, Throughput};
use serde::de::{Deserialize, Deserializer, IgnoredAny};
use serde_json::Value;
use std::time::Duration;

/// How many users, unless `ASSETSYNC_BENCH_USERS` says otherwise (e.g. a few thousand, to run
/// the bench under a profiler).
const USERS: usize = 100_000;

/// The user mapping: key, 4 attributes, and a reference for each role, group and app. The file
/// has no header, as `eval-speed.sh` names its object type on the command line; here a header
/// does that.
const MAPPING: &str = concat!("Users:\n", include_str!("okta-users.map"));

// The measured routines are not inlined, so that each is one frame in a profile.

/// Checks that every line is one JSON value, and builds nothing.
#[inline(never)]
fn scan_lines(lines: &[&[u8]]) {
    for line in lines {
        let mut de = serde_json::Deserializer::from_slice(line);
        IgnoredAny::deserialize(&mut de).expect("a generated user");
        de.end().expect("one user a line");
    }
}

/// Parses every line into a `Value`, and drops it.
#[inline(never)]
fn parse_lines(lines: &[&[u8]]) {
    for line in lines {
        let record: Value = serde_json::from_slice(line).expect("a generated user");
        black_box(&record);
    }
}

/// Parses every line into a `Value`, evaluates it and serializes its image into `out`; returns
/// the number of images.
#[inline(never)]
fn eval_lines(section: &Section, lines: &[&[u8]], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut images = 0;
    for line in lines {
        let record: Value = serde_json::from_slice(line).expect("a generated user");
        if let Some(image) = evaluate(section, &record) {
            serde_json::to_writer(&mut *out, &image).expect("writing to memory");
            out.push(b'\n');
            images += 1;
        }
    }
    images
}

/// Reads every line with `evaluator` (through its projection) and writes its image into `out`,
/// as a worker of `assetsync eval` does with a chunk; returns the number of images.
#[inline(never)]
fn eval_lines_projected(evaluator: &mut Evaluator, lines: &[&[u8]], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut images = 0;
    for line in lines {
        // `assetsync eval` checks the UTF-8 of its input once, a chunk at a time, and reads
        // lines as text.
        let line = std::str::from_utf8(line).expect("a generated user is UTF-8");
        let mut de = serde_json::Deserializer::from_str(line);
        let written = evaluator.write(&mut de, out).expect("a generated user");
        if written.is_some() {
            out.push(b'\n');
            images += 1;
        }
        de.end().expect("one user a line");
    }
    images
}

/// Evaluates and serializes records parsed beforehand into `out`; returns the number of images.
#[inline(never)]
fn eval_records(section: &Section, records: &[Value], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut images = 0;
    for record in records {
        if let Some(image) = evaluate(section, record) {
            serde_json::to_writer(&mut *out, &image).expect("writing to memory");
            out.push(b'\n');
            images += 1;
        }
    }
    images
}

/// A worker of `eval_parallel`: the images of its chunk as JSON Lines. `assetsync eval`'s
/// printer also writes the errors of a record as text; the generated users give none (checked
/// before timing), so leaving that out changes nothing measured.
struct ImageSink<'p> {
    evaluator: Evaluator<'p>,
    images: Vec<u8>,
}

impl RecordSink for ImageSink<'_> {
    fn record<'de, D: Deserializer<'de>>(&mut self, _index: usize, d: D) -> Result<(), D::Error> {
        if self.evaluator.write(d, &mut self.images)?.is_some() {
            self.images.push(b'\n');
        }
        Ok(())
    }
}

impl ChunkSink for ImageSink<'_> {
    type Chunk = Vec<u8>;

    fn take_chunk(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.images)
    }
}

/// Evaluates `data` (JSON Lines) with `workers` threads and gathers the images into `out`, in
/// source order; returns the number of records.
#[inline(never)]
fn eval_parallel(section: &Section, data: &[u8], workers: usize, out: &mut Vec<u8>) -> usize {
    out.clear();
    let sinks = (0..workers)
        .map(|_| ImageSink {
            evaluator: Evaluator::new(section),
            images: Vec::new(),
        })
        .collect();
    let records = section.config.records.as_ref();
    read_each_parallel("users", data, records, sinks, |chunk| {
        out.extend_from_slice(&chunk);
        Ok(())
    })
    .expect("generated users")
}

/// Panics, showing the first line that differs, unless `actual` (JSON Lines) is `expected`.
fn assert_same_images(what: &str, actual: &[u8], expected: &[u8]) {
    if actual == expected {
        return;
    }
    let mut a = actual.split(|&b| b == b'\n');
    let mut e = expected.split(|&b| b == b'\n');
    for line in 1.. {
        match (a.next(), e.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => panic!(
                "{what}: line {line} differs from the `Value` path's:\n  {}\n  {}",
                String::from_utf8_lossy(x.unwrap_or(b"(no line)")),
                String::from_utf8_lossy(y.unwrap_or(b"(no line)")),
            ),
        }
    }
}

fn bench<M: Measurement>(c: &mut Criterion<M>, suffix: &str) {
    let users = match std::env::var("ASSETSYNC_BENCH_USERS") {
        Ok(n) => n
            .parse()
            .expect("ASSETSYNC_BENCH_USERS is a number of users"),
        Err(_) => USERS,
    };
    let mut data = Vec::new();
    okta::write_users(users, &mut data).expect("writing to memory");
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), users);

    let compiled = assetsync::lang::compile(MAPPING, None);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
    let program = compiled.program.expect("the mapping compiles");
    let section = &program.sections[0];
    assert_eq!(section.object_type.as_deref(), Some("Users"));

    // Every user must give an image without errors, the first with 5 attributes and 10
    // references; otherwise the bench would time the error path, or too little work.
    let mut out = Vec::with_capacity(data.len());
    assert_eq!(eval_lines(section, &lines, &mut out), users);
    let expected = out.clone();
    let images: Vec<&[u8]> = expected
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    if let Some(bad) = images.iter().find(|l| !l.ends_with(br#""errors":[]}"#)) {
        panic!("an image with errors: {}", String::from_utf8_lossy(bad));
    }
    let first: Value = serde_json::from_slice(images[0]).expect("an image is JSON");
    assert_eq!(first["attributes"].as_object().unwrap().len(), 5, "{first}");
    let references: usize = first["references"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_array().unwrap().len())
        .sum();
    assert_eq!(references, 1 + 5 + 4, "{first}");

    // The projection and the parallel pipeline must do the same work as the `Value` path: the
    // same images, byte for byte, for every user.
    let mut evaluator = Evaluator::new(section);
    assert_eq!(evaluator.mode(), Mode::Projection);
    assert_eq!(
        eval_lines_projected(&mut evaluator, &lines, &mut out),
        users
    );
    assert_same_images("eval_projection", &out, &expected);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    assert_eq!(eval_parallel(section, &data, workers, &mut out), users);
    assert_same_images("eval_parallel", &out, &expected);
    drop(expected);
    println!(
        "eval: {users} users, {} bytes of JSON Lines in, {} bytes of images out, {workers} worker(s)",
        data.len(),
        out.len()
    );

    let mut group = c.benchmark_group(format!("eval{suffix}"));
    // One iteration takes up to a second or two: flat sampling keeps the run to a few minutes.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Bytes(data.len() as u64));

    group.bench_function("scan", |b| b.iter(|| scan_lines(&lines)));
    group.bench_function("parse_only", |b| b.iter(|| parse_lines(&lines)));
    group.bench_function("eval_value", |b| {
        b.iter(|| eval_lines(section, &lines, &mut out))
    });
    group.bench_function("eval_projection", |b| {
        b.iter(|| eval_lines_projected(&mut evaluator, &lines, &mut out))
    });
    if suffix == clock::CPU_SUFFIX {
        println!("eval{suffix}/eval_parallel: skipped, the CPU clock does not count the workers");
    } else {
        group.bench_function("eval_parallel", |b| {
            b.iter(|| eval_parallel(section, &data, workers, &mut out))
        });
    }
    // Last, so that the parsed records (several times the size of the text) are not held while
    // the other benches run.
    let records: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_slice(l).expect("a generated user"))
        .collect();
    group.bench_function("eval_only", |b| {
        b.iter(|| eval_records(section, &records, &mut out))
    });
    group.finish();
}

fn main() {
    clock::run(bench, bench);
}
