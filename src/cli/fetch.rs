//! `assetsync fetch <MAPPING> --provider okta|pingone|scim|rest [--provider-url <URL>]
//! [--out <FILE>] [--section <NAME>]`
//!
//! "Get data": the provider's records of one section, with the related lists of
//! `config:section`, as JSON Lines ready for `plan`/`apply --source`. A file given with `--out`
//! is only replaced once every record has arrived, so a failed fetch leaves nothing half
//! written.

use super::inputs::{provider_failure, select};
use super::mapping::{load, program_or_report};
use super::planning::connect;
use super::{progress, Failure, Outcome};
use crate::source::provider::Kind;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
#[command(after_help = "Credentials come from the environment only:
  okta     OKTA_ORG_URL, OKTA_API_TOKEN (or OKTA_ACCESS_TOKEN for a bearer token)
  pingone  PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID, PINGONE_CLIENT_SECRET, and
           PINGONE_REGION (com, eu, ca, asia, …) or PINGONE_API_URL + PINGONE_AUTH_URL
  scim     SOURCE_URL (the SCIM base, e.g. …/scim/v2), SOURCE_TOKEN
  rest     SOURCE_URL, SOURCE_TOKEN (bearer) or SOURCE_USER + SOURCE_PASSWORD (basic)")]
pub struct Args {
    /// The mapping file; its `config:` lines say what to list.
    #[arg(value_name = "MAPPING")]
    mapping: PathBuf,
    #[arg(long, value_name = "PROVIDER")]
    provider: Kind,
    /// The provider's base URL, instead of the one in the environment.
    #[arg(long, value_name = "URL")]
    provider_url: Option<String>,
    /// Write the records to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The section to fetch, when the mapping has several.
    #[arg(long, value_name = "NAME")]
    section: Option<String>,
}

pub fn run(args: Args) -> Outcome {
    let (_, program) = program_or_report(load(&args.mapping, None)?)?;
    let sections = select(&program, args.section.as_deref())?;
    let [section] = sections.as_slice() else {
        let names: Vec<_> = sections.iter().map(|s| format!("`{}`", s.name)).collect();
        return Err(Failure::Usage(format!(
            "the mapping has several sections ({}); name one with `--section <NAME>`",
            names.join(", ")
        )));
    };
    let provider = connect(args.provider, args.provider_url.as_deref(), &[section])?;
    let mut stream = provider.stream(&section.config);
    let counter = progress::counter("fetching records");
    let wrap = section.config.records.as_ref().map(Wrap::new);
    let mut copy = |out: &mut dyn Write| -> Result<usize, std::io::Error> {
        let mut buf = vec![0; 1 << 16];
        let mut records = 0;
        let mut line_start = true;
        loop {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                return Ok(records);
            }
            let lines = memchr::memchr_iter(b'\n', &buf[..n]).count();
            records += lines;
            counter.inc(lines as u64);
            match &wrap {
                None => out.write_all(&buf[..n])?,
                Some(wrap) => wrap.copy(&buf[..n], &mut line_start, out)?,
            }
        }
    };
    let copied = match &args.out {
        Some(path) => write_whole(path, &mut copy),
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            copy(&mut out).and_then(|n| out.flush().map(|_| n))
        }
    };
    counter.finish_and_clear();
    if let Some(e) = stream.take_error() {
        return Err(provider_failure(&e));
    }
    let records = copied.map_err(|e| Failure::Usage(format!("cannot write the records: {e}")))?;
    eprintln!(
        "fetched {records} record(s) from {} in {} request(s)",
        provider.kind().name(),
        provider.requests()
    );
    if !stream.complete() {
        eprintln!(
            "note: stopped at `config:max_pages`; the provider has more records. An import of this file cannot tell it is partial: with `config:missing=delete` or `set:…` it would treat the records left out as gone"
        );
    }
    Ok(())
}

/// Writes through a temporary file beside `path` that replaces it only when `write` succeeds.
fn write_whole(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<usize>,
) -> std::io::Result<usize> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file = tempfile::NamedTempFile::new_in(dir)?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let n = write(&mut out)?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(n)
}

/// Where a section reads its records at `config:records`, each line `fetch` writes holds its
/// record at that path (`{"_embedded":{"users":[{…}]}}`), so that `plan --source` reads the
/// file with the same mapping.
struct Wrap {
    open: Vec<u8>,
    close: Vec<u8>,
}

impl Wrap {
    fn new(path: &crate::lang::program::DotPath) -> Wrap {
        let (mut open, mut close) = (Vec::new(), Vec::new());
        for segment in &path.0 {
            open.push(b'{');
            serde_json::to_writer(&mut open, &*segment.name).expect("a string serializes");
            open.push(b':');
            close.push(b'}');
        }
        open.push(b'[');
        close.insert(0, b']');
        Wrap { open, close }
    }

    /// Copies whole and partial lines, wrapping each line; `line_start` carries over between
    /// calls.
    fn copy(
        &self,
        bytes: &[u8],
        line_start: &mut bool,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        for piece in bytes.split_inclusive(|&b| b == b'\n') {
            if *line_start {
                out.write_all(&self.open)?;
            }
            match piece.strip_suffix(b"\n") {
                Some(line) => {
                    out.write_all(line)?;
                    out.write_all(&self.close)?;
                    out.write_all(b"\n")?;
                    *line_start = true;
                }
                None => {
                    out.write_all(piece)?;
                    *line_start = false;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Wrap;
    use crate::lang::program::DotPath;

    #[test]
    fn lines_are_wrapped_at_the_records_path_across_reads() {
        let wrap = Wrap::new(&DotPath::parse("_embedded.users", '.'));
        let (mut out, mut start) = (Vec::new(), true);
        for part in [&b"{\"id\":1}\n{\"id\""[..], b":2}\n"] {
            wrap.copy(part, &mut start, &mut out).unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"_embedded\":{\"users\":[{\"id\":1}]}}\n{\"_embedded\":{\"users\":[{\"id\":2}]}}\n"
        );
    }
}
