//! `assetsync plan <MAPPING> --source <FILE|-> [--store <DB>] [--format human|json]`

use super::planning::{make_plan, report_problems, Common, Destination};
use super::{Failure, Format, Outcome};
use crate::store::lock::Access;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// `human`: a diff per object and a summary; `json`: the plan as one JSON document.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let (mut destination, _lock) = Destination::open(&args.common, Access::Read)?;
    let planned = make_plan(&args.common, &mut destination)?;
    let plan = &planned.plan;
    let text = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string(plan)
                .map_err(|e| Failure::Usage(format!("cannot write the plan: {e}")))?;
            s.push('\n');
            s
        }
        Format::Human => {
            let mut s = super::plan_view::render(plan, super::stdout_colour());
            if let Destination::Store(store) = &destination {
                if !store.exists() {
                    s.push_str(&format!(
                        "(the store {} does not exist yet; apply creates it)\n",
                        store.path().display()
                    ));
                }
            }
            s
        }
    };
    super::write_stdout(text.as_bytes())?;
    report_problems(&planned.mapping, &plan.problems);
    let refused: Vec<_> = plan.refused().map(|s| s.section.as_str()).collect();
    if !refused.is_empty() {
        eprintln!(
            "error: the source no longer has more objects than `missing_limit` allows in {}; apply would refuse this run (check the source; `--allow-mass-change` lets it through)",
            refused.join(", ")
        );
        return Err(Failure::Input);
    }
    if plan.errors() > 0 {
        eprintln!("{} record(s) had errors", plan.errors());
        return Err(Failure::Input);
    }
    Ok(())
}
