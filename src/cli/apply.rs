//! `assetsync apply <MAPPING> --source <FILE|-> [--store <DB>] [--allow-mass-change]
//! [--report <FILE.jsonl>] [--format human|json]`

use super::planning::{make_plan, report_problems, Common, Destination};
use super::{progress, Failure, Format, Outcome};
use crate::apply::{apply, stop, ApplyError, Target, TargetError};
use crate::plan::{Plan, Summary};
use crate::store::lock::Access;
use crate::store::Store;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Write every per-record error and warning to this file, one JSON object a line.
    #[arg(long, value_name = "FILE.jsonl")]
    report: Option<PathBuf>,
    /// `human`: a summary per section; `json`: the same as one JSON document, with whether the
    /// plan was written and, if not, why.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// What `apply --format json` prints.
#[derive(Serialize)]
struct Report<'a> {
    /// Whether the whole plan is in the target now.
    written: bool,
    /// Why it is not: refused by `missing_limit`, interrupted, or the target failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// Objects written before the run stopped, when it stopped part way.
    #[serde(skip_serializing_if = "Option::is_none")]
    objects_written: Option<usize>,
    sections: Vec<SectionReport<'a>>,
    total: Summary,
}

#[derive(Serialize)]
struct SectionReport<'a> {
    section: &'a str,
    object_type: &'a str,
    summary: Summary,
}

/// How the writing ended.
enum Ending {
    Written,
    Refused(String),
    Interrupted { written: usize, message: String },
    Failed(String),
}

pub fn run(args: Args) -> Outcome {
    let (mut destination, _lock) = Destination::open(&args.common, Access::Write)?;
    let planned = make_plan(&args.common, &mut destination)?;
    let plan = &planned.plan;
    report_problems(&planned.mapping, &plan.problems);
    if let Some(path) = &args.report {
        write_report(path, plan).map_err(|e| {
            Failure::Usage(format!("cannot write the report {}: {e}", path.display()))
        })?;
    }
    // A refused plan deletes or marks objects, so it counts as writing: `apply` refuses it.
    let ending = if plan.writes_anything() {
        // The store's read-only handle is let go before it is opened for writing.
        let mut cloud = match destination {
            Destination::Cloud(cloud) => Some(cloud),
            Destination::Store(_) => None,
        };
        let mut store;
        let target: &mut dyn Target = match &mut cloud {
            Some(cloud) => cloud.as_mut(),
            None => {
                store = Store::open_write(&args.common.store)
                    .map_err(|e| Failure::Usage(e.to_string()))?;
                &mut store
            }
        };
        // From here on Ctrl-C stops the writing and says what was written, instead of killing
        // the run in the middle of a request.
        stop::on_signals()
            .map_err(|e| Failure::Usage(format!("cannot set up signal handling: {e}")))?;
        let bar = progress::bar("writing objects");
        let result = apply(plan, target, &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        });
        bar.finish_and_clear();
        match result {
            Ok(_) => Ending::Written,
            Err(e @ ApplyError::Refused { .. }) => Ending::Refused(e.to_string()),
            Err(ApplyError::Target(TargetError::Interrupted { written, message })) => {
                Ending::Interrupted { written, message }
            }
            Err(ApplyError::Target(TargetError::Failed(message))) => Ending::Failed(message),
        }
    } else {
        Ending::Written
    };
    print_outcome(plan, &ending, args.format)?;
    match ending {
        Ending::Written => {}
        Ending::Refused(message) => {
            eprintln!("error: {message}");
            return Err(Failure::Input);
        }
        Ending::Interrupted { message, .. } => {
            eprintln!("{message}");
            return Err(Failure::Interrupted);
        }
        Ending::Failed(message) => return Err(Failure::Usage(message)),
    }
    if plan.errors() > 0 {
        eprintln!(
            "{} record(s) had errors and were left as the store had them",
            plan.errors()
        );
        return Err(Failure::Input);
    }
    Ok(())
}

/// The summary on stdout, saying so when it was not carried out.
fn print_outcome(plan: &Plan, ending: &Ending, format: Format) -> Outcome {
    let text = match format {
        Format::Json => {
            let (reason, objects_written) = match ending {
                Ending::Written => (None, None),
                Ending::Refused(m) | Ending::Failed(m) => (Some(m.clone()), None),
                Ending::Interrupted { written, message } => (Some(message.clone()), Some(*written)),
            };
            let report = Report {
                written: matches!(ending, Ending::Written),
                reason,
                objects_written,
                sections: plan
                    .sections
                    .iter()
                    .map(|s| SectionReport {
                        section: &s.section,
                        object_type: &s.object_type,
                        summary: s.summary,
                    })
                    .collect(),
                total: plan.total(),
            };
            let mut s = serde_json::to_string(&report)
                .map_err(|e| Failure::Usage(format!("cannot write the summary: {e}")))?;
            s.push('\n');
            s
        }
        Format::Human => {
            let heading = match ending {
                Ending::Written => String::new(),
                Ending::Refused(_) => "refused: nothing was written. The plan was:\n".to_string(),
                Ending::Failed(_) => "failed: the plan was not carried out. It was:\n".to_string(),
                Ending::Interrupted { written, .. } => format!(
                    "interrupted after {written} write(s): the plan was not carried out in full. It was:\n"
                ),
            };
            heading + &super::plan_view::summary(plan, super::stdout_colour())
        }
    };
    super::write_stdout(text.as_bytes())
}

fn write_report(path: &std::path::Path, plan: &crate::plan::Plan) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for p in &plan.problems {
        serde_json::to_writer(&mut out, p)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
