//! The baselines `assetsync eval` is measured against: reading a JSON Lines file the way `eval`
//! reads it (1 MiB buffer, a line at a time) and either parsing every line into a
//! `serde_json::Value` (`parse`) or only checking it with `IgnoredAny` (`scan`, the floor: no
//! JSON reader can do less and still validate the input).
//!
//! ```text
//! cargo run --release --example baseline -- scan users.jsonl
//! ```

use serde::de::{Deserialize, IgnoredAny};
use std::io::BufRead;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, path) = match args.as_slice() {
        [mode, path] if mode == "parse" || mode == "scan" => (mode.as_str(), path),
        _ => {
            eprintln!("usage: baseline parse|scan <FILE.jsonl>");
            return ExitCode::from(2);
        }
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::new();
    let mut records = 0usize;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        }
        let mut de = serde_json::Deserializer::from_slice(&line);
        let ok = if mode == "parse" {
            serde_json::Value::deserialize(&mut de).map(|v| drop(std::hint::black_box(v)))
        } else {
            IgnoredAny::deserialize(&mut de).map(|_| ())
        };
        if let Err(e) = ok {
            eprintln!("{path}:{}: {e}", records + 1);
            return ExitCode::from(1);
        }
        records += 1;
    }
    println!("{records}");
    ExitCode::SUCCESS
}
