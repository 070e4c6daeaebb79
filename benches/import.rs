//! The import engine on 100,000 Okta-shaped users (`support/okta.rs`, about 112 MB of JSON Lines
//! held in memory) and the user mapping of `okta-users.map`: 1 role, 5 of 300 groups and 4 of 50
//! apps a user, each a reference that the first import creates as an object of its own.
//!
//! - `fresh_import`: what `assetsync apply` does into a store that does not exist yet: read and
//!   evaluate every record (`read_each_parallel`, one worker per core, at most 8), snapshot the
//!   (empty) store, plan, and apply the plan in one transaction. Each iteration writes a new
//!   SQLite file in a new temporary directory; making and removing it is not timed.
//! - `noop_replan`: what `assetsync plan` does with the same source against the filled store:
//!   read, snapshot, plan, and nothing to create or update (checked before timing). The JSON
//!   output of `plan --format json` is left out.
//! - `noop_reapply`: what `assetsync apply` does then: `noop_replan`, then `apply`, which finds
//!   nothing to write.
//! - `parse_only`: each line parsed into a `serde_json::Value` and dropped, on one thread: the
//!   floor of a `Value`-based reader, as in the `eval` bench.
//! - `parse_parallel`: the same, through `read_each_parallel` with as many workers as the import
//!   uses: the floor of the import's reading stage on this machine.
//!
//! Throughput is in objects: users plus the roles, groups and apps they reference (the number
//! the first import creates). Before the benches run, one pass of each phase is timed on its own
//! and printed, to show where the time of an import goes.
//!
//! `cargo bench --bench import` (`ASSETSYNC_BENCH_USERS` for another number of users). Wall
//! time only: the records are read on several threads, which a per-thread CPU clock would miss.

#[path = "support/okta.rs"]
mod okta;

use assetsync::apply::apply;
use assetsync::eval::evaluator::Collector;
use assetsync::lang::program::Section;
use assetsync::lang::Program;
use assetsync::plan::{object_types, plan, Options, Plan, SectionInput, Summary};
use assetsync::source::stream::{read_each_parallel, ChunkSink, RecordSink};
use assetsync::store::Store;
use criterion::{black_box, Criterion, SamplingMode, Throughput};
use serde::de::{Deserialize, Deserializer};
use serde_json::Value;
use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};

/// How many users, unless `ASSETSYNC_BENCH_USERS` says otherwise.
const USERS: usize = 100_000;

/// The user mapping, with a header naming its object type (`import-speed.sh` passes
/// `--object-type Users` instead).
const MAPPING: &str = concat!("Users:\n", include_str!("okta-users.map"));

/// The store file in each temporary directory.
const DB: &str = "assets.db";

/// Parses each record into a `Value` and drops it; counts them.
struct ValueSink(usize);

impl RecordSink for ValueSink {
    fn record<'de, D: Deserializer<'de>>(&mut self, _index: usize, d: D) -> Result<(), D::Error> {
        let record = Value::deserialize(d)?;
        black_box(&record);
        self.0 += 1;
        Ok(())
    }
}

impl ChunkSink for ValueSink {
    type Chunk = usize;

    fn take_chunk(&mut self) -> usize {
        std::mem::take(&mut self.0)
    }
}

/// What the benches share.
struct Setup<'p> {
    program: &'p Program,
    sections: Vec<&'p Section>,
    data: &'p [u8],
    workers: usize,
}

/// The times of one import's phases, for the breakdown printed before the benches.
#[derive(Default)]
struct Phases {
    read: Duration,
    snapshot: Duration,
    plan: Duration,
    apply: Duration,
    /// The apply's progress calls: objects written so far, and when (since the apply began).
    progress: RefCell<Vec<(usize, Duration)>>,
}

impl Setup<'_> {
    /// Reads and evaluates every section's records, as `make_plan` does.
    #[inline(never)]
    fn read(&self) -> Vec<SectionInput<'_>> {
        self.sections
            .iter()
            .map(|&section| {
                let collectors = (0..self.workers).map(|_| Collector::new(section)).collect();
                let mut images = Vec::new();
                read_each_parallel(
                    "users",
                    self.data,
                    section.config.records.as_ref(),
                    collectors,
                    |mut chunk| {
                        images.append(&mut chunk);
                        Ok(())
                    },
                )
                .expect("generated users");
                SectionInput {
                    section,
                    images,
                    complete: true,
                }
            })
            .collect()
    }

    /// Reads, snapshots the store at `db` and plans: `assetsync plan`, less its output.
    #[inline(never)]
    fn plan(&self, db: &Path, phases: &mut Phases) -> Plan {
        let store = Store::open_read(db).expect("a store");
        let t = Instant::now();
        let inputs = self.read();
        phases.read += t.elapsed();
        let t = Instant::now();
        let snapshot = store
            .snapshot(&object_types(self.program))
            .expect("a snapshot");
        phases.snapshot += t.elapsed();
        let t = Instant::now();
        let plan = plan(self.program, inputs, snapshot, Options::default())
            .unwrap_or_else(|c| panic!("conflicts with the store: {c:?}"));
        phases.plan += t.elapsed();
        plan
    }

    /// Plans and applies: `assetsync apply`. Returns the plan, so that dropping it is not timed.
    #[inline(never)]
    fn import(&self, db: &Path, phases: &mut Phases) -> Plan {
        let plan = self.plan(db, phases);
        let t = Instant::now();
        let mut store = Store::open_write(db).expect("a writable store");
        let progress = |n, _total| phases.progress.borrow_mut().push((n, t.elapsed()));
        apply(&plan, &mut store, &progress).expect("the plan applies");
        phases.apply += t.elapsed();
        plan
    }

    /// Parses every line into a `Value` on this thread.
    #[inline(never)]
    fn parse_only(&self) -> usize {
        let mut n = 0;
        for line in self.data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let record: Value = serde_json::from_slice(line).expect("a generated user");
            black_box(&record);
            n += 1;
        }
        n
    }

    /// Parses every record into a `Value` with the import's workers.
    #[inline(never)]
    fn parse_parallel(&self) -> usize {
        let sinks = (0..self.workers).map(|_| ValueSink(0)).collect();
        let mut n = 0;
        read_each_parallel("users", self.data, None, sinks, |c| {
            n += c;
            Ok(())
        })
        .expect("generated users");
        n
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn print_phases(what: &str, p: &Phases) {
    println!(
        "{what}: read+eval {}, snapshot {}, plan {}, apply {}",
        seconds(p.read),
        seconds(p.snapshot),
        seconds(p.plan),
        seconds(p.apply)
    );
}

/// Where an apply's time goes, from its progress calls (which come every 1024 objects, and once
/// more after the labels are set): creating the objects with their plain values, then linking
/// (references and updates), then setting labels, then the commit.
fn print_apply_phases(plan: &Plan, p: &Phases) {
    let writes = assetsync::apply::writes(plan);
    let calls = p.progress.borrow();
    let Some((&(_, labelled), before)) = calls.split_last() else {
        return;
    };
    let created = calls
        .iter()
        .find(|&&(n, _)| n >= writes.creates.len())
        .map_or(Duration::ZERO, |&(_, t)| t);
    let linked = before.last().map_or(created, |&(_, t)| t).max(created);
    println!(
        "  apply, about: {} creates {}, {} links/updates {}, labels {}, commit {}",
        writes.creates.len(),
        seconds(created),
        writes.updates.len(),
        seconds(linked - created),
        seconds(labelled - linked),
        seconds(p.apply.saturating_sub(labelled))
    );
}

fn check_summary(what: &str, total: Summary, expected: Summary) {
    assert_eq!(total, expected, "{what}: {total:?}");
}

fn bench(c: &mut Criterion) {
    let users = match std::env::var("ASSETSYNC_BENCH_USERS") {
        Ok(n) => n
            .parse()
            .expect("ASSETSYNC_BENCH_USERS is a number of users"),
        Err(_) => USERS,
    };
    if std::env::var("ASSETSYNC_BENCH_CLOCK").as_deref() == Ok("cpu") {
        println!("import: wall time only (the records are read on several threads)");
    }
    let mut data = Vec::new();
    okta::write_users(users, &mut data).expect("writing to memory");

    let compiled = assetsync::lang::compile(MAPPING, None);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
    let program = compiled.program.expect("the mapping compiles");
    assert_eq!(program.sections[0].object_type.as_deref(), Some("Users"));
    let setup = Setup {
        program: &program,
        sections: program.ordered().collect(),
        data: &data,
        workers: std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
    };

    // One import, timed phase by phase; it must create every user and every role, group and
    // app they name, without a problem. Its store is the one the no-op benches read.
    let filled = tempfile::tempdir().expect("a temporary directory");
    let db = filled.path().join(DB);
    let mut phases = Phases::default();
    let first = setup.import(&db, &mut phases);
    assert!(first.problems.is_empty(), "{:?}", &first.problems[..1]);
    let objects = first.total().create;
    let created: Vec<String> = first
        .sections
        .iter()
        .map(|s| format!("{} {}", s.summary.create, s.object_type))
        .collect();
    check_summary(
        "first import",
        first.total(),
        Summary {
            create: objects,
            ..Summary::default()
        },
    );
    let groups_and_apps = 300 + 50;
    assert!(objects > users + groups_and_apps, "{created:?}");
    println!(
        "import: {users} users, {} bytes of JSON Lines, {} worker(s); the first import creates {objects} objects ({}); store {} bytes",
        data.len(),
        setup.workers,
        created.join(", "),
        std::fs::metadata(&db).map_or(0, |m| m.len())
    );
    print_phases("fresh import, one pass", &phases);
    print_apply_phases(&first, &phases);
    drop(first);
    let dump = Store::open_read(&db).unwrap().dump().expect("a dump");
    assert_eq!(dump.objects.len(), objects, "objects in the store");
    drop(dump);

    // The same source again: nothing to create, update, delete or mark; every user unchanged
    // (the summary counts the records, not the objects their references name).
    let mut phases = Phases::default();
    let again = setup.import(&db, &mut phases);
    check_summary(
        "no-op re-apply",
        again.total(),
        Summary {
            unchanged: users,
            ..Summary::default()
        },
    );
    assert!(!again.writes_anything(), "the no-op plan writes");
    drop(again);
    print_phases("no-op re-apply, one pass", &phases);

    let mut group = c.benchmark_group("import");
    // An iteration takes seconds: flat sampling and 10 samples keep the run to a few minutes.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(objects as u64));

    group.bench_function("fresh_import", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let db = dir.path().join(DB);
                let start = Instant::now();
                let plan = setup.import(&db, &mut Phases::default());
                total += start.elapsed();
                drop(plan);
            }
            total
        })
    });
    group.bench_function("noop_replan", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let plan = setup.plan(&db, &mut Phases::default());
                total += start.elapsed();
                drop(plan);
            }
            total
        })
    });
    group.bench_function("noop_reapply", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let plan = setup.import(&db, &mut Phases::default());
                total += start.elapsed();
                drop(plan);
            }
            total
        })
    });
    group.bench_function("parse_only", |b| {
        b.iter(|| assert_eq!(setup.parse_only(), users))
    });
    group.bench_function("parse_parallel", |b| {
        b.iter(|| assert_eq!(setup.parse_parallel(), users))
    });
    group.finish();
    drop(filled);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
