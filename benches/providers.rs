//! `assetsync fetch --provider okta` with `config:section=roles,groups,apps` against the Okta
//! emulator of `tests/support/emulator/`: 10,000 users, 300 groups and 50 apps (fixed seed),
//! on loopback. What is timed is the whole binary run, from spawn to exit, records written to a
//! temporary file: paging, the group, app and role listings, and turning them into each user's
//! lists.
//!
//! Before timing, one run is checked (every user once) and its requests counted per endpoint.
//! After timing, the median run is printed, and a table of those requests beside what the
//! per-user way would cost: the same user pages, then `/users/{id}/groups`,
//! `/users/{id}/appLinks` and `/users/{id}/roles` for each user. At Okta's usual limits of a few
//! hundred to a few thousand requests a minute, that difference, not the client's speed, decides
//! how long a real import takes.
//!
//! `cargo bench --bench providers` (`ASSETSYNC_BENCH_USERS` for another number of users). Wall
//! time: the work is spread over the binary and the emulator's thread.

#[path = "../tests/support/emulator/mod.rs"]
mod emulator;

use criterion::{Criterion, SamplingMode};
use emulator::{okta, Directory, Emulator, Faults};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_assetsync");

/// How many users, unless `ASSETSYNC_BENCH_USERS` says otherwise.
const USERS: usize = 10_000;
const GROUPS: usize = 300;
const APPS: usize = 50;
const SEED: u64 = 0x5EED_0C7A_A55E_7500;
const TOKEN: &str = "bench-okta-api-token";

const MAPPING: &str = "\
Users:
key:id=WorkerID
map:profile.email=User
map:roles=Roles|Name=${roles}
map:groups=Groups|Name=${groups}
map:apps=Apps|Name=${apps}
config:section=roles,groups,apps
config:page_size=200
";

/// Variables that would point the binary elsewhere or at a proxy.
const CLEARED: &[&str] = &[
    "OKTA_ORG_URL",
    "OKTA_API_TOKEN",
    "OKTA_ACCESS_TOKEN",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
];

/// One `fetch` into `dir/users.jsonl`; its wall time. Panics if it fails.
fn fetch(dir: &Path, okta: &Emulator) -> Duration {
    let mut command = Command::new(BIN);
    command
        .args([
            "fetch",
            "users.map",
            "--provider",
            "okta",
            "--out",
            "users.jsonl",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for name in CLEARED {
        command.env_remove(name);
    }
    command
        .env("OKTA_ORG_URL", &okta.url)
        .env("OKTA_API_TOKEN", TOKEN);
    let started = Instant::now();
    let output = command.output().expect("the assetsync binary runs");
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "fetch failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// The requests of one fetch beside those of the per-user way, per endpoint.
fn print_table(users: usize, fetched: &BTreeMap<String, usize>) {
    let user_pages = fetched.get("/api/v1/users").copied().unwrap_or(0);
    let mut per_user: BTreeMap<String, usize> = BTreeMap::new();
    per_user.insert("/api/v1/users".into(), user_pages);
    for list in ["groups", "appLinks", "roles"] {
        per_user.insert(format!("/api/v1/users/{{id}}/{list}"), users);
    }
    let mut endpoints: Vec<&String> = fetched.keys().chain(per_user.keys()).collect();
    endpoints.sort();
    endpoints.dedup();
    let width = endpoints.iter().map(|e| e.len()).max().unwrap_or(0).max(8);
    println!();
    println!(
        "requests for {users} users, {GROUPS} groups, {APPS} apps with section=roles,groups,apps"
    );
    println!("{:width$}  {:>8}  {:>8}", "endpoint", "fetch", "per-user");
    for e in &endpoints {
        println!(
            "{e:width$}  {:>8}  {:>8}",
            fetched.get(*e).copied().unwrap_or(0),
            per_user.get(*e).copied().unwrap_or(0)
        );
    }
    println!(
        "{:width$}  {:>8}  {:>8}",
        "total",
        fetched.values().sum::<usize>(),
        per_user.values().sum::<usize>()
    );
}

fn main() {
    let users = std::env::var("ASSETSYNC_BENCH_USERS")
        .ok()
        .map(|v| v.parse().expect("ASSETSYNC_BENCH_USERS is a number"))
        .unwrap_or(USERS);
    let dir = Directory::generate(users, GROUPS, APPS, SEED);
    let okta = okta(&dir, TOKEN, Faults::default());
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("users.map"), MAPPING).unwrap();

    let first = fetch(work.path(), &okta);
    let written = std::fs::read_to_string(work.path().join("users.jsonl")).unwrap();
    assert_eq!(written.lines().count(), users, "every user once");
    let fetched = okta.by_endpoint();
    assert!(
        okta.requests().iter().all(|l| l.status == 200),
        "a fault-free run"
    );
    println!("checked run: {first:.2?}");

    let times = RefCell::new(Vec::new());
    let mut c = Criterion::default().configure_from_args();
    {
        let mut group = c.benchmark_group("providers");
        // A run takes seconds: with flat sampling and a short target time, criterion takes one
        // run per sample (it warns that the target is too short, and takes the time it needs).
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(1))
            .measurement_time(Duration::from_secs(1));
        group.bench_function(format!("fetch_okta_{users}_users"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        let t = fetch(work.path(), &okta);
                        times.borrow_mut().push(t);
                        t
                    })
                    .sum()
            })
        });
        group.finish();
    }
    c.final_summary();

    let times = times.into_inner();
    if !times.is_empty() {
        println!("median of {} runs: {:.2?}", times.len(), median(&times));
    }
    print_table(users, &fetched);
}
