//! `assetsync sandbox [--store <DB>] [--listen <ADDR>] [--schema <SCHEMA.json>]
//! [--latency-ms <N>] [--rate-limit <FRACTION>] [--error-rate <FRACTION>] [--seed <N>]
//! [--log <FILE.jsonl>]`

use super::mapping::load_schema;
use super::{Failure, Outcome};
use crate::sandbox::{self, Options};
use crate::store::Store;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The embedded Assets store to serve; created when missing.
    #[arg(long, value_name = "DB", default_value = "assets.db")]
    store: PathBuf,
    /// Address to listen on; port 0 takes a free port. The base URL is printed as the first
    /// line of standard output.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Create the object types and attributes of this schema that the store lacks, before
    /// serving (Assets REST shapes, as `check --schema` reads them).
    #[arg(long, value_name = "SCHEMA.json")]
    schema: Option<PathBuf>,
    /// Delay every answer by this many milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,
    /// Answer this fraction of requests (0 to 1) with 429 Too Many Requests, `Retry-After: 1`.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0, value_parser = fraction)]
    rate_limit: f64,
    /// Answer this fraction of requests (0 to 1) with 500 or 503; they change nothing.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0, value_parser = fraction)]
    error_rate: f64,
    /// Seed of the faults: the same seed gives the same faults for the same requests.
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// Log every request as one JSON line: method, path, query, status and body.
    #[arg(long, value_name = "FILE.jsonl")]
    log: Option<PathBuf>,
}

fn fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!(
            "`{text}` is not a fraction from 0 to 1 (such as 0.2)"
        )),
    }
}

pub fn run(args: Args) -> Outcome {
    if args.rate_limit + args.error_rate > 1.0 {
        return Err(Failure::Usage(format!(
            "--rate-limit {} and --error-rate {} add up to more than every request",
            args.rate_limit, args.error_rate
        )));
    }
    let mut store = Store::open_write(&args.store).map_err(|e| Failure::Usage(e.to_string()))?;
    if let Some(schema) = load_schema(args.schema.as_deref())? {
        let report = store
            .seed_schema(&schema)
            .map_err(|e| Failure::Usage(e.to_string()))?;
        for t in &report.created_types {
            eprintln!("created object type {t}");
        }
        for a in &report.created_attributes {
            eprintln!("created attribute {a}");
        }
        for k in &report.key_attributes {
            eprintln!("objects are matched by {k}");
        }
        for s in &report.skipped {
            eprintln!("warning: {s}");
        }
    }
    let options = Options {
        listen: args.listen,
        latency: Duration::from_millis(args.latency_ms),
        rate_limit: args.rate_limit,
        error_rate: args.error_rate,
        seed: args.seed,
        log: args.log,
    };
    let store_path = args.store.display().to_string();
    sandbox::run(store, options, |base| {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{base}")?;
        out.flush()?;
        eprintln!("serving {store_path} as Assets at {base}; Ctrl-C stops");
        Ok(())
    })
    .map_err(|e| Failure::Usage(e.to_string()))
}
