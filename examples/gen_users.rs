//! Writes Okta-shaped users as JSON Lines to standard output, for trying `assetsync eval` at
//! scale. The users are the benches' data set: same generator, same fixed seed.
//!
//! ```text
//! cargo run --release --example gen_users -- 200000 > /tmp/users.jsonl
//! ```

#[path = "../benches/support/okta.rs"]
mod okta;

use std::io::{BufWriter, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let count = match (args.next().map(|a| a.parse::<usize>()), args.next()) {
        (None, None) => 100_000,
        (Some(Ok(n)), None) => n,
        _ => {
            eprintln!("usage: gen_users [COUNT]   (default 100000; JSON Lines on stdout)");
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    match okta::write_users(count, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is not worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_users: cannot write: {e}");
            ExitCode::FAILURE
        }
    }
}
