//! `assetsync test <MAPPING>... [--update] [--format human|json|junit]`
//!
//! Runs each case folder's records through its mapping, as `eval` and `plan` would against a
//! store holding the case's `store.json`, and compares the result with the case's expectations.
//! Nothing outside the case folders is read for state or written: the store lives in memory.

use super::eval::write_images;
use super::inputs::{name_object_types, no_such_section, Reader, Records, SourceArgs};
use super::mapping::{load, Loaded};
use super::planning::{conflicts_text, read_sections};
use super::{Failure, Outcome};
use crate::cases::compare::{self, IMAGES, PLAN};
use crate::cases::folder::{cases, Case, STORE};
use crate::cases::report::{self, CaseReport, Problem, Report, Status};
use crate::diag::{LineIndex, Severity};
use crate::lang::Program;
use crate::plan::{self, Options};
use crate::source::SourceError;
use crate::store::{Dump, Store};
use indicatif::ProgressBar;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Mapping files; the cases of `X.map` are the folders in `X.tests/` beside it.
    #[arg(required = true, value_name = "MAPPING")]
    mappings: Vec<PathBuf>,
    /// Write each expectation that differs or is missing (`images.jsonl`, `plan.json`).
    #[arg(long)]
    update: bool,
    /// `human`: a line per case and what differs; `json`: one JSON document; `junit`: JUnit XML.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Human,
    Json,
    Junit,
}

/// A mapping with its cases, checked before any case runs.
struct Suite {
    path: String,
    /// The program, or why every case of the mapping fails.
    program: Result<Program, Vec<Problem>>,
    cases: Vec<Case>,
}

pub fn run(args: Args) -> Outcome {
    let mut usage = Vec::new();
    let mut suites = Vec::new();
    for mapping in &args.mappings {
        match suite(mapping) {
            Ok(suite) => suites.push(suite),
            Err(mut problems) => usage.append(&mut problems),
        }
    }
    if !usage.is_empty() {
        for message in &usage {
            eprintln!("error: {message}");
        }
        return Err(Failure::Usage(
            "nothing was tested: mend the mappings or case folders above".to_string(),
        ));
    }
    let mut reports = Vec::new();
    for suite in &suites {
        for case in &suite.cases {
            reports.push(run_case(suite, case, args.update));
        }
    }
    let report = Report::new(reports);
    let text = match args.format {
        Format::Human => report.human(super::stdout_colour()),
        Format::Json => report.json(),
        Format::Junit => report.junit(),
    };
    super::write_stdout(text.as_bytes())?;
    match report.passed() {
        true => Ok(()),
        false => Err(Failure::Input),
    }
}

/// Reads and compiles a mapping and finds its cases; refuses what would make the run a usage
/// error (no mapping, no cases, a case without records, record files of unknown sections).
fn suite(mapping: &Path) -> Result<Suite, Vec<String>> {
    let loaded = load(mapping, None).map_err(|e| match e {
        Failure::Usage(message) => vec![message],
        _ => vec![format!("cannot read mapping {}", mapping.display())],
    })?;
    let cases = cases(mapping).map_err(|e| vec![e])?;
    let path = loaded.path.clone();
    let program = program(loaded);
    if let Ok(program) = &program {
        let sections: Vec<_> = program.ordered().collect();
        let mut wrong = Vec::new();
        for case in &cases {
            for (section, file) in &case.sources {
                if let Some(name) = section {
                    if program.section(name).is_none() {
                        wrong.push(format!(
                            "{}: {}",
                            file.display(),
                            no_such_section(program, name)
                        ));
                    }
                }
            }
            if wrong.is_empty() {
                if let Err(e) = SourceArgs::files(case.sources.clone(), &sections) {
                    wrong.push(format!("{}: {e}", case.dir.display()));
                }
            }
        }
        if !wrong.is_empty() {
            return Err(wrong);
        }
    }
    Ok(Suite {
        path,
        program,
        cases,
    })
}

/// The mapping's program with its object types named, or its errors as the problems of each of
/// its cases.
fn program(loaded: Loaded) -> Result<Program, Vec<Problem>> {
    let Loaded {
        path,
        text,
        compiled,
    } = loaded;
    let Some(mut program) = compiled.program else {
        let index = LineIndex::new(&text);
        return Err(compiled
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                let (line, column) = index.line_col(d.span.start);
                let help = d
                    .help
                    .as_deref()
                    .map(|h| format!("\n  help: {h}"))
                    .unwrap_or_default();
                Problem {
                    file: path.clone(),
                    message: format!(
                        "{path}:{line}:{column}: error[{}]: {}{help}",
                        d.code, d.message
                    ),
                }
            })
            .collect());
    };
    match name_object_types(&mut program, None) {
        Ok(()) => Ok(program),
        Err(_) => Err(vec![Problem {
            file: path.clone(),
            message: format!(
                "{path}: the mapping names no object type: add `config:object_type=<Type>` or a section header (`Users:`)"
            ),
        }]),
    }
}

/// What the mapping made of a case's records.
struct Made {
    /// The images as `eval` prints them.
    images: Vec<u8>,
    /// The plan as `plan --format json` prints it, when it was asked for.
    plan: Option<Value>,
}

fn run_case(suite: &Suite, case: &Case, update: bool) -> CaseReport {
    let mut report = CaseReport {
        mapping: suite.path.clone(),
        case: case.name.clone(),
        dir: case.dir.display().to_string(),
        status: Status::Fail,
        failures: Vec::new(),
        written: Vec::new(),
    };
    let fail = |mut report: CaseReport, problems: Vec<Problem>| {
        report.failures = problems.into_iter().map(report::Failure::Problem).collect();
        report
    };
    let program = match &suite.program {
        Ok(program) => program,
        Err(problems) => return fail(report, problems.clone()),
    };
    let images_file = case.file(IMAGES);
    let plan_file = case.file(PLAN);
    let want_plan = update || plan_file.exists();
    let made = match make(&suite.path, program, case, want_plan) {
        Ok(made) => made,
        Err(problem) => return fail(report, vec![problem]),
    };
    let expected_images = match read_expectation(&images_file, parse_images) {
        Ok(e) => e,
        Err(problem) if !update => return fail(report, vec![problem]),
        // `--update` replaces an expectation that cannot be read.
        Err(_) => None,
    };
    let expected_plan = match read_expectation(&plan_file, parse_plan) {
        Ok(e) => e,
        Err(problem) if !update => return fail(report, vec![problem]),
        Err(_) => None,
    };
    if expected_images.is_none() && expected_plan.is_none() && !update {
        report.status = Status::New;
        return report;
    }
    let actual_images = parse_images(&made.images).unwrap_or_default();
    let mut differences = Vec::new();
    let mut to_write: Vec<(&'static str, PathBuf, Vec<u8>)> = Vec::new();
    match &expected_images {
        Some(expected) => {
            let found = compare::images(expected, &actual_images);
            if !found.is_empty() {
                to_write.push((IMAGES, images_file.clone(), made.images.clone()));
            }
            differences.extend(found);
        }
        None => to_write.push((IMAGES, images_file.clone(), made.images.clone())),
    }
    if let Some(actual) = &made.plan {
        let found = match &expected_plan {
            Some(expected) => compare::plans(expected, actual),
            None => Vec::new(),
        };
        if expected_plan.is_none() || !found.is_empty() {
            to_write.push((PLAN, plan_file.clone(), plan_text(actual)));
        }
        differences.extend(found);
    }
    if update {
        for (name, path, bytes) in to_write {
            if let Err(e) = write_file(&path, &bytes) {
                return fail(
                    report,
                    vec![Problem {
                        file: path.display().to_string(),
                        message: format!("cannot write {}: {e}", path.display()),
                    }],
                );
            }
            report.written.push(name);
        }
        report.status = match report.written.is_empty() {
            true => Status::Pass,
            false => Status::Updated,
        };
        return report;
    }
    report.status = match differences.is_empty() {
        true => Status::Pass,
        false => Status::Fail,
    };
    report.failures = differences
        .into_iter()
        .map(report::Failure::Difference)
        .collect();
    report
}

/// Evaluates the case's records, and plans them against its `store.json` when `plan` is asked.
fn make(mapping: &str, program: &Program, case: &Case, plan: bool) -> Result<Made, Problem> {
    let sections: Vec<_> = program.ordered().collect();
    let problem = |file: &Path, message: String| Problem {
        file: file.display().to_string(),
        message,
    };
    // Checked before the cases ran.
    let inputs =
        SourceArgs::files(case.sources.clone(), &sections).map_err(|e| problem(&case.dir, e))?;
    let source_problem = |e: SourceError| Problem {
        file: match &e {
            SourceError::Io { name, .. } | SourceError::Malformed { name, .. } => name.clone(),
        },
        message: e.to_string(),
    };
    let usage = |f: Failure| match f {
        Failure::Usage(message) => problem(&case.dir, message),
        _ => problem(&case.dir, "the records cannot be read".to_string()),
    };
    let mut images = Vec::new();
    let mut errors = Vec::new();
    let mut reader = Reader::new(Records::Files(&inputs), &sections);
    write_images(mapping, &sections, &mut reader, &mut images, &mut errors)
        .map_err(usage)?
        .map_err(source_problem)?;
    if !plan {
        return Ok(Made { images, plan: None });
    }
    let store_file = case.file(STORE);
    let mut store =
        Store::in_memory(&store_file).map_err(|e| problem(&store_file, e.to_string()))?;
    if store_file.exists() {
        let bytes = std::fs::read(&store_file).map_err(|e| {
            problem(
                &store_file,
                format!("cannot read {}: {e}", store_file.display()),
            )
        })?;
        let dump: Dump<Value> = serde_json::from_slice(&bytes).map_err(|e| {
            problem(
                &store_file,
                format!(
                    "{}:{}:{}: not a store dump: {e}; make it with `assetsync store dump`",
                    store_file.display(),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        store
            .restore(&dump)
            .map_err(|e| problem(&store_file, e.to_string()))?;
    }
    let snapshot = store
        .snapshot(&plan::object_types(program))
        .map_err(|e| problem(&store_file, e.to_string()))?;
    let mut reader = Reader::new(Records::Files(&inputs), &sections);
    let inputs = read_sections(&sections, &mut reader, &ProgressBar::hidden())
        .map_err(usage)?
        .map_err(source_problem)?;
    let planned =
        plan::plan(program, inputs, snapshot, Options::default()).map_err(|conflicts| {
            problem(
                &store_file,
                format!(
                    "{}the mapping does not fit the object types of {}",
                    conflicts_text(mapping, &conflicts),
                    store_file.display()
                ),
            )
        })?;
    let plan = serde_json::to_value(&planned)
        .map_err(|e| problem(&case.dir, format!("cannot write the plan: {e}")))?;
    Ok(Made {
        images,
        plan: Some(plan),
    })
}

/// An expectation file, or `None` when the case has none.
fn read_expectation<T>(
    path: &Path,
    parse: fn(&[u8]) -> Result<T, String>,
) -> Result<Option<T>, Problem> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Problem {
                file: path.display().to_string(),
                message: format!("cannot read {}: {e}", path.display()),
            })
        }
    };
    parse(&bytes).map(Some).map_err(|e| Problem {
        file: path.display().to_string(),
        message: format!(
            "{}:{e}; mend it, or write it anew with `--update`",
            path.display()
        ),
    })
}

fn parse_images(bytes: &[u8]) -> Result<Vec<Value>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!(" not UTF-8: {e}"))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: not a JSON image: {e}", n + 1, e.column()))
        })
        .collect()
}

fn parse_plan(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(bytes)
        .map_err(|e| format!("{}:{}: not a JSON plan: {e}", e.line(), e.column()))
}

/// The plan as `plan --format json` prints it, laid out for review in version control.
fn plan_text(plan: &Value) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(plan).unwrap_or_default();
    text.push('\n');
    text.into_bytes()
}

/// Replaces a file whole or not at all: written beside it, then renamed over it.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map(|_| ()).map_err(|e| e.error)
}
