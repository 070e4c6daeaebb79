//! The `assetsync` command line: one module a subcommand, each thin: read the flags, call the
//! stages, print.

mod apply;
mod check;
mod eval;
mod fetch;
mod fmt;
mod inputs;
mod mapping;
mod plan;
mod plan_view;
mod planning;
mod progress;
mod sandbox;
mod store;
mod test;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "assetsync",
    version,
    about = "Keep Jira Service Management Assets in step with identity providers"
)]
pub struct Cli {
    /// Log each request to a provider or target, and retries, on standard error.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check mapping files and report every problem at once.
    Check(check::Args),
    /// Evaluate a mapping over a source file and print one object image per record (JSON Lines).
    Eval(eval::Args),
    /// Rewrite mapping files in the canonical layout.
    Fmt(fmt::Args),
    /// Show what an import would change in the store, without writing anything.
    Plan(plan::Args),
    /// Import: read the whole source, plan, and carry the plan out in one transaction.
    Apply(apply::Args),
    /// Get a provider's records as JSON Lines, ready for `plan`/`apply --source`.
    Fetch(fetch::Args),
    /// Look into the embedded store.
    Store(store::Args),
    /// Run a mapping's test cases: each case folder's records through the mapping, compared
    /// object by object and attribute by attribute with what the case expects.
    ///
    /// The cases of `X.map` are the folders of `X.tests/` beside it. A case holds its records
    /// (`source.json` or `source.jsonl`; `source.<Section>.json` per section), optionally the
    /// store before the run (`store.json`, as `store dump` prints it), and its expectations:
    /// `images.jsonl` (what `eval` prints) and `plan.json` (what `plan --format json` prints
    /// against `store.json`). Exit 0 when every case passes, 1 when one fails or has no
    /// expectations yet, 2 when a mapping or a case's records are missing.
    Test(test::Args),
    /// Serve the embedded store as a local Assets Cloud REST API, to rehearse an import.
    ///
    /// Point the Assets target at the printed base URL. Any user and API token are accepted:
    /// the sandbox is for rehearsals and tests, and checks only that credentials are sent.
    /// Every write is one transaction on the store; `assetsync store dump` shows the result.
    Sandbox(sandbox::Args),
}

/// `--format` of the commands that print a report: for people, or one JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// How a command failed; decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// The input is wrong (mapping errors, bad source data, records that failed): exit 1.
    /// What is wrong has been printed already.
    Input,
    /// Usage or environment (missing file, bad flag): exit 2, with the message.
    Usage(String),
    /// Stopped by Ctrl-C or SIGTERM, having said what was done: exit 130.
    Interrupted,
    /// Standard output was closed by its reader (`| head`): the command ends quietly, exit 0.
    Closed,
}

/// Writes human or JSON output to standard output; a reader that went away ends the command
/// quietly, as `head` expects.
pub fn write_stdout(bytes: &[u8]) -> Outcome {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(output_failure)
}

/// The failure of a write to standard output.
pub fn output_failure(e: std::io::Error) -> Failure {
    match e.kind() {
        std::io::ErrorKind::BrokenPipe => Failure::Closed,
        _ => Failure::Usage(format!("cannot write output: {e}")),
    }
}

pub type Outcome = Result<(), Failure>;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap exits 0 for --help/--version and 2 for usage errors.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    if cli.verbose {
        logging();
    }
    let outcome = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Store(args) => store::run(args),
        Command::Test(args) => test::run(args),
        Command::Fetch(args) => fetch::run(args),
        Command::Sandbox(args) => sandbox::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input) => ExitCode::from(1),
        Err(Failure::Interrupted) => ExitCode::from(130),
        Err(Failure::Closed) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// `--verbose`: the tool's own debug log on standard error. Other crates stay quiet, so that
/// nothing logs a request's headers.
fn logging() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let only_ours = Targets::new().with_target("assetsync", LevelFilter::DEBUG);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(stderr_colour())
        .with_target(false)
        .without_time();
    tracing_subscriber::registry()
        .with(layer.with_filter(only_ours))
        .init();
}

/// Colour for human output on stdout: only on a terminal, and never with `NO_COLOR` set.
fn stdout_colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Width for rendered diagnostics: the terminal's (`COLUMNS`) or 100.
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w: &usize| w >= 40)
        .unwrap_or(100)
}
