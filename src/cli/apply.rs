//! `assetsync apply <MAPPING> --source <FILE|-> [--store <DB>] [--allow-mass-change]
//! [--report <FILE.jsonl>]`

use super::planning::{make_plan, report_problems, Common, Destination};
use super::{progress, Failure, Outcome};
use crate::apply::{apply, ApplyError, Target};
use crate::store::Store;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Write every per-record error and warning to this file, one JSON object a line.
    #[arg(long, value_name = "FILE.jsonl")]
    report: Option<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    let mut destination = Destination::open(&args.common)?;
    let planned = make_plan(&args.common, &mut destination)?;
    let plan = &planned.plan;
    report_problems(&planned.mapping, &plan.problems);
    if let Some(path) = &args.report {
        write_report(path, plan).map_err(|e| {
            Failure::Usage(format!("cannot write the report {}: {e}", path.display()))
        })?;
    }
    if plan.writes_anything() {
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
        let bar = progress::bar("writing objects");
        let result = apply(plan, target, &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        });
        bar.finish_and_clear();
        match result {
            Ok(_) => {}
            Err(e @ ApplyError::Refused { .. }) => {
                print!(
                    "{}",
                    super::plan_view::summary(plan, super::stdout_colour())
                );
                eprintln!("error: {e}");
                return Err(Failure::Input);
            }
            Err(e @ ApplyError::Target(_)) => return Err(Failure::Usage(e.to_string())),
        }
    }
    let summary = super::plan_view::summary(plan, super::stdout_colour());
    std::io::stdout()
        .lock()
        .write_all(summary.as_bytes())
        .map_err(|e| Failure::Usage(format!("cannot write output: {e}")))?;
    if plan.errors() > 0 {
        eprintln!(
            "{} record(s) had errors and were left as the store had them",
            plan.errors()
        );
        return Err(Failure::Input);
    }
    Ok(())
}

fn write_report(path: &std::path::Path, plan: &crate::plan::Plan) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for p in &plan.problems {
        serde_json::to_writer(&mut out, p)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
