//! What `plan` and `apply` share: read every section's whole source, evaluate it, and plan it
//! against the store. Nothing is written here.

use super::inputs::{name_object_types, provider_failure, workers, Reader, Records, SourceArgs};
use super::mapping::{load, load_schema, program_or_report};
use super::progress;
use super::Failure;
use crate::cloud::Cloud;
use crate::eval::evaluator::Collector;
use crate::eval::ObjectImage;
use crate::lang::program::Section;
use crate::plan::{self, Conflict, Options, Plan, Problem, SectionInput};
use crate::source::provider::{Kind, ProcessEnv, Provider};
use crate::source::SourceError;
use crate::store::lock::{lock, Access, RunLock};
use crate::store::Store;
use indicatif::ProgressBar;
use std::path::PathBuf;

/// The flags `plan` and `apply` share.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The mapping file.
    #[arg(value_name = "MAPPING")]
    pub mapping: PathBuf,
    /// The records: a file or `-` for standard input; `<Section>=<FILE>` for one section.
    #[arg(
        long,
        value_name = "FILE|-",
        required_unless_present = "provider",
        conflicts_with = "provider"
    )]
    pub source: Vec<String>,
    /// Read the records from an identity provider instead, with credentials from the
    /// environment (see `fetch --help`).
    #[arg(long, value_name = "PROVIDER")]
    pub provider: Option<Kind>,
    /// The provider's base URL, instead of the one in the environment.
    #[arg(long, value_name = "URL", requires = "provider")]
    pub provider_url: Option<String>,
    /// The embedded Assets store.
    #[arg(long, value_name = "DB", default_value = "assets.db")]
    pub store: PathBuf,
    /// The object type of a mapping without section headers or `config:object_type=`.
    #[arg(long, value_name = "NAME")]
    pub object_type: Option<String>,
    /// Object types and attributes of the target, shaped like the Assets REST API's (see
    /// `check --schema`); it tells which object type a reference attribute points at.
    #[arg(long, value_name = "SCHEMA.json")]
    pub schema: Option<PathBuf>,
    /// How long to wait for the store while another run uses it, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub store_wait: u64,
    /// Delete or mark more objects than a section's `missing_limit` allows.
    #[arg(long)]
    pub allow_mass_change: bool,
    /// Import into Assets Cloud over REST instead of the embedded store: the REST base
    /// (`…/jsm/assets/workspace/<id>/v1`, e.g. a `sandbox`'s), or `cloud` for the workspace of
    /// `ASSETS_WORKSPACE_ID`. Credentials: `ASSETS_EMAIL`, `ASSETS_API_TOKEN`.
    #[arg(long, value_name = "ASSETS_URL", conflicts_with = "store")]
    pub target: Option<String>,
    /// Requests to Assets in flight at once (with `--target`).
    #[arg(long, value_name = "N", default_value_t = 8, requires = "target")]
    pub concurrency: usize,
    /// Requests to Assets a minute at most (with `--target`); Assets Cloud allows about 1,000.
    /// 0: no limit.
    #[arg(long, value_name = "N", default_value_t = 1000, requires = "target")]
    pub requests_per_minute: u32,
}

/// Where a plan is made against and carried out: the embedded store or Assets over REST.
pub enum Destination {
    Store(Store),
    Cloud(Box<Cloud>),
}

impl Destination {
    /// Opens the destination for reading. The embedded store is held for the run (shared for
    /// `plan`, alone for `apply`) until the lock returned is dropped, so that runs on one store
    /// follow each other; `apply` may create the empty store file to hold it, which is removed
    /// again if the run writes nothing.
    pub fn open(
        common: &Common,
        access: Access,
    ) -> Result<(Destination, Option<RunLock>), Failure> {
        let lock = match &common.target {
            Some(_) => None,
            None => hold_store(&common.store, access, common.store_wait)?,
        };
        Self::connect(common).map(|d| (d, lock))
    }

    fn connect(common: &Common) -> Result<Destination, Failure> {
        match &common.target {
            Some(target) => {
                let options = crate::cloud::Options {
                    concurrency: common.concurrency,
                    per_minute: common.requests_per_minute,
                };
                Cloud::connect(target, &ProcessEnv, &options)
                    .map(|c| Destination::Cloud(Box::new(c)))
                    .map_err(|e| Failure::Usage(format!("{e}\n  help: {}", e.help())))
            }
            None => Store::open_read(&common.store)
                .map(Destination::Store)
                .map_err(|e| Failure::Usage(e.to_string())),
        }
    }

    /// How messages name it.
    pub fn name(&self) -> String {
        match self {
            Destination::Store(store) => store.path().display().to_string(),
            Destination::Cloud(cloud) => cloud.base(),
        }
    }
}

/// Takes the embedded store for this run (see [`lock`]), saying on stderr when it has to wait.
pub fn hold_store(
    path: &std::path::Path,
    access: Access,
    wait_secs: u64,
) -> Result<Option<RunLock>, Failure> {
    let waiting = || {
        eprintln!(
            "waiting for the store {}: another run is using it (up to {wait_secs} s)",
            path.display()
        )
    };
    lock(
        path,
        access,
        std::time::Duration::from_secs(wait_secs),
        &waiting,
    )
    .map_err(|e| Failure::Usage(e.to_string()))
}

pub struct Planned {
    /// The mapping's path, for messages.
    pub mapping: String,
    pub plan: Plan,
}

/// Reads, evaluates and plans. Mapping errors, malformed sources and conflicts with the store
/// are reported on stderr and fail with exit 1.
pub fn make_plan(common: &Common, destination: &mut Destination) -> Result<Planned, Failure> {
    let mut schema = load_schema(common.schema.as_deref())?;
    if let Destination::Cloud(cloud) = destination {
        if schema.is_some() {
            return Err(Failure::Usage(
                "`--schema` is not needed with `--target`: the object types are read from Assets"
                    .to_string(),
            ));
        }
        // The names the mapping uses tell which object types to read; the mapping is then
        // compiled against them, as with `--schema`.
        let (_, mut named) = program_or_report(load(&common.mapping, None)?)?;
        name_object_types(&mut named, common.object_type.as_deref())?;
        let names = plan::object_types(&named);
        let read = cloud
            .load_schema(&names)
            .map_err(|e| Failure::Usage(format!("{e}\n  help: {}", e.help())))?;
        schema = Some(read.lang());
    }
    let (path, mut program) = program_or_report(load(&common.mapping, schema.as_ref())?)?;
    name_object_types(&mut program, common.object_type.as_deref())?;
    let sections: Vec<_> = program.ordered().collect();
    let inputs = SourceArgs::parse(&common.source, &program, &sections)?;
    let provider = common
        .provider
        .map(|kind| connect(kind, common.provider_url.as_deref(), &sections))
        .transpose()?;
    let records = match &provider {
        Some(provider) => Records::Provider(provider),
        None => Records::Files(&inputs),
    };
    let mut reader = Reader::new(records, &sections);
    let counter = progress::counter("reading records");
    let mut section_inputs = match read_sections(&sections, &mut reader, &counter)? {
        Ok(inputs) => inputs,
        Err(e @ SourceError::Io { .. }) => return Err(Failure::Usage(e.to_string())),
        Err(e @ SourceError::Malformed { .. }) => {
            counter.finish_and_clear();
            eprintln!("error: {e}");
            eprintln!("nothing was planned or written: mend the source and run again");
            return Err(Failure::Input);
        }
    };
    let snapshot = match destination {
        Destination::Store(store) => store
            .snapshot(&plan::object_types(&program))
            .map_err(|e| Failure::Usage(e.to_string()))?,
        Destination::Cloud(cloud) => {
            let snapshot = cloud
                .snapshot(&program, &mut section_inputs)
                .map_err(|e| Failure::Usage(format!("{e}\n  help: {}", e.help())))?;
            for email in cloud.unknown_users() {
                eprintln!("warning: no Atlassian account has the email `{email}`; the user attribute is left without it");
            }
            snapshot
        }
    };
    let options = Options {
        allow_mass_change: common.allow_mass_change,
    };
    match plan::plan(&program, section_inputs, snapshot, options) {
        Ok(plan) => {
            if let Destination::Cloud(cloud) = destination {
                let refused = cloud.schema().refuse_changes(&plan.schema);
                if !refused.is_empty() {
                    for problem in &refused {
                        eprintln!("{path}: error: {problem}");
                    }
                    eprintln!("the mapping does not fit the Assets schema; nothing was written. Mend the mapping, or add the object types and attributes in Assets first");
                    return Err(Failure::Input);
                }
            }
            Ok(Planned {
                mapping: path,
                plan,
            })
        }
        Err(conflicts) => {
            report_conflicts(&path, &destination.name(), &conflicts);
            Err(Failure::Input)
        }
    }
}

/// Reads and evaluates every section's records, counting them on `counter`. A source that cannot
/// be opened or a provider that fails is a usage failure; a source that cannot be read to its
/// end is returned as it is.
pub fn read_sections<'p>(
    sections: &[&'p Section],
    reader: &mut Reader<'_>,
    counter: &ProgressBar,
) -> Result<Result<Vec<SectionInput<'p>>, SourceError>, Failure> {
    let mut section_inputs = Vec::with_capacity(sections.len());
    for section in sections {
        let collectors = (0..workers()).map(|_| Collector::new(section)).collect();
        let mut images: Vec<(usize, ObjectImage<'_>)> = Vec::new();
        let emit = |mut chunk: Vec<_>| {
            counter.inc(chunk.len() as u64);
            images.append(&mut chunk);
            Ok(())
        };
        let complete = match reader.read(section, collectors, emit)? {
            Ok(read) => read.complete,
            Err(e) => return Ok(Err(e)),
        };
        if !complete {
            counter.suspend(|| {
                eprintln!(
                    "note: section `{}` stopped at `config:max_pages`; objects it did not see are not deleted or marked",
                    section.name
                )
            });
        }
        section_inputs.push(SectionInput {
            section,
            images,
            complete,
        });
    }
    counter.finish_and_clear();
    Ok(Ok(section_inputs))
}

/// Connects to the provider and checks every section's settings against it before any
/// request is sent.
pub fn connect(
    kind: Kind,
    url: Option<&str>,
    sections: &[&crate::lang::program::Section],
) -> Result<Provider, Failure> {
    let provider = Provider::connect(kind, url, &ProcessEnv).map_err(|e| provider_failure(&e))?;
    for section in sections {
        provider
            .check(&section.config)
            .map_err(|e| provider_failure(&e))?;
    }
    Ok(provider)
}

fn report_conflicts(mapping: &str, destination: &str, conflicts: &[Conflict]) {
    eprint!("{}", conflicts_text(mapping, conflicts));
    eprintln!("the mapping does not fit the object types in {destination}; nothing was written");
}

/// A line per conflict, in the form compilers use, each with its help.
pub fn conflicts_text(mapping: &str, conflicts: &[Conflict]) -> String {
    conflicts
        .iter()
        .map(|c| {
            format!(
                "{mapping}:{}:{}: error: {}\n  help: {}\n",
                c.line, c.column, c.message, c.help
            )
        })
        .collect()
}

/// One line on stderr per problem, in the form compilers use.
pub fn report_problems(mapping: &str, problems: &[Problem]) {
    use std::io::Write;
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for p in problems {
        let key = p
            .key
            .as_deref()
            .map(|k| format!(" (key {k})"))
            .unwrap_or_default();
        let severity = match p.severity {
            crate::diag::Severity::Error => "error",
            crate::diag::Severity::Warning => "warning",
        };
        let _ = writeln!(
            err,
            "{mapping}:{}:{}: {severity}[{}]: {} record {}{key}: {}",
            p.line, p.column, p.code, p.section, p.record, p.message
        );
    }
}
