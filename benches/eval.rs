//! Evaluation throughput against the cost of parsing alone, on 100,000 Okta-shaped users
//! (about 112 MB of JSON Lines, see `support/okta.rs`) and the roles/groups/apps user mapping.
//!
//! The benches run in one group, so one run measures them side by side on the same bytes:
//!
//! - `parse_only`: each line parsed into a `serde_json::Value`, nothing more. The floor for any
//!   evaluator that works on `Value`s.
//! - `eval`: each line parsed, evaluated and its image serialized as JSON, which is what
//!   `assetsync eval` does for a record, less the file I/O.
//! - `eval_only`: evaluation and serialization of records parsed beforehand.
//!
//! `cargo bench --bench eval` (`ASSETSYNC_BENCH_CLOCK=cpu` for CPU time, see `support/clock.rs`)

#[path = "support/clock.rs"]
mod clock;
#[path = "support/okta.rs"]
mod okta;

use assetsync::eval::evaluate;
use assetsync::lang::program::Section;
use criterion::measurement::Measurement;
use criterion::{black_box, Criterion, SamplingMode, Throughput};
use serde_json::Value;
use std::time::Duration;

/// How many users, unless `ASSETSYNC_BENCH_USERS` says otherwise (e.g. a few thousand, to run
/// the bench under a profiler).
const USERS: usize = 100_000;

/// The roles/groups/apps user mapping of the Okta integration article.
const MAPPING: &str = "\
key:id=WorkerID
map:profile.email=User
map:profile.firstName=First Name
map:profile.lastName=Last Name
map:profile.department=Department
map:roles=Roles|Name=${roles}
map:groups=Groups|Name=${groups}
map:apps=Apps|Name=${apps}
config:section=roles,groups,apps
config:object_type=Users
";

// The measured routines are not inlined, so that each is one frame in a profile.

/// Parses every line into a `Value`, and drops it.
#[inline(never)]
fn parse_lines(lines: &[&[u8]]) {
    for line in lines {
        let record: Value = serde_json::from_slice(line).expect("a generated user");
        black_box(&record);
    }
}

/// Parses, evaluates and serializes every line into `out`; returns the number of images.
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

    // Every user must give an image without errors, the first with 5 attributes and 10
    // references; otherwise the bench would time the error path, or too little work.
    let mut out = Vec::with_capacity(data.len());
    assert_eq!(eval_lines(section, &lines, &mut out), users);
    let images: Vec<&[u8]> = out
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
    println!(
        "eval: {users} users, {} bytes of JSON Lines in, {} bytes of images out",
        data.len(),
        out.len()
    );

    let mut group = c.benchmark_group(format!("eval{suffix}"));
    // One iteration takes a second or more: flat sampling keeps the run to a few minutes.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Bytes(data.len() as u64));

    group.bench_function("parse_only", |b| b.iter(|| parse_lines(&lines)));
    group.bench_function("eval", |b| b.iter(|| eval_lines(section, &lines, &mut out)));
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
