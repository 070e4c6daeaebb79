//! The Assets Cloud target through `assetsync sandbox` with 50 ms of latency on every answer:
//! a first import of 5,000 Okta-shaped users (`support/okta.rs`: 1 role, 5 of 300 groups and 4 of
//! 50 apps each, as references) at concurrency 1, 4, 8 and 16, then a no-op re-run of each.
//!
//! For each run it prints the wall time, objects written a second, requests per changed object
//! (every request of the run, reads included, over the objects created), and the requests of
//! the no-op re-run. The request budget is off (`--requests-per-minute 0`), so that what is
//! measured is concurrency against latency; with Assets Cloud's 1,000 requests a minute, the
//! budget, not concurrency, bounds a large import.
//!
//! `cargo bench --bench cloud`. `ASSETSYNC_BENCH_USERS` sets the number of users,
//! `ASSETSYNC_BENCH_CONCURRENCY` the list (e.g. `4,8`), `ASSETSYNC_BENCH_LATENCY_MS` the latency.
//! Each configuration runs once: at concurrency 1 a run takes minutes.

#[path = "support/okta.rs"]
mod okta;
#[path = "../tests/support/sandbox.rs"]
mod sandbox;

use sandbox::Sandbox;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_assetsync");

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn requests(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn is_write(r: &Value) -> bool {
    matches!(r["method"].as_str(), Some("PUT" | "DELETE"))
        || r["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/object/create"))
}

struct Run {
    seconds: f64,
    requests: usize,
    writes: usize,
}

fn apply(dir: &Path, base: &str, concurrency: usize, log: &Path) -> Run {
    let before = requests(log).len();
    let mapping = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mappings/okta-users.map");
    let started = Instant::now();
    let out = Command::new(BIN)
        .arg("apply")
        .arg(&mapping)
        .args(["--source", "users.jsonl", "--target", base])
        .args(["--concurrency", &concurrency.to_string()])
        .args(["--requests-per-minute", "0"])
        .current_dir(dir)
        .env("ASSETS_EMAIL", "bench@example.com")
        .env("ASSETS_API_TOKEN", "bench-token")
        .output()
        .expect("the binary runs");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made = &requests(log)[before..];
    Run {
        seconds,
        requests: made.len(),
        writes: made.iter().filter(|r| is_write(r)).count(),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that names nothing here skips the run.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.is_some_and(|f| !"cloud".contains(f.as_str())) {
        return;
    }
    let users: usize = env_or("ASSETSYNC_BENCH_USERS", 5_000);
    let latency: u64 = env_or("ASSETSYNC_BENCH_LATENCY_MS", 50);
    let levels: Vec<usize> = std::env::var("ASSETSYNC_BENCH_CONCURRENCY")
        .unwrap_or_else(|_| "1,4,8,16".to_string())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(dir.path().join("users.jsonl")).expect("the source file"),
    );
    okta::write_users(users, &mut file).expect("users written");
    drop(file);
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sandbox/okta-users.schema.json");

    println!("{users} users through the sandbox at {latency} ms a request");
    println!(
        "{:>11}  {:>9}  {:>9}  {:>9}  {:>12}  {:>13}  {:>14}",
        "concurrency",
        "objects",
        "seconds",
        "objects/s",
        "requests",
        "requests/obj",
        "no-op requests"
    );
    for concurrency in levels {
        let store = dir.path().join(format!("sandbox-{concurrency}.db"));
        let log = dir.path().join(format!("requests-{concurrency}.jsonl"));
        let sandbox = Sandbox::start(
            &store,
            &[
                "--schema",
                schema.to_str().unwrap(),
                "--latency-ms",
                &latency.to_string(),
                "--log",
                log.to_str().unwrap(),
            ],
        );
        let first = apply(dir.path(), &sandbox.base, concurrency, &log);
        let again = apply(dir.path(), &sandbox.base, concurrency, &log);
        assert_eq!(again.writes, 0, "a no-op re-run writes nothing");
        let objects = first.writes;
        println!(
            "{:>11}  {:>9}  {:>9.1}  {:>9.0}  {:>12}  {:>13.3}  {:>14}",
            concurrency,
            objects,
            first.seconds,
            objects as f64 / first.seconds,
            first.requests,
            first.requests as f64 / objects as f64,
            again.requests,
        );
    }
}
