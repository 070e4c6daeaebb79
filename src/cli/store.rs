//! `assetsync store dump [--store <DB>]`

use super::{Failure, Outcome};
use crate::store::lock::Access;
use crate::store::Store;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print every object type and object of the store as JSON, in a stable order.
    Dump {
        /// The embedded Assets store.
        #[arg(long, value_name = "DB", default_value = "assets.db")]
        store: PathBuf,
        /// How long to wait for the store while an apply writes it, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 60)]
        store_wait: u64,
    },
}

pub fn run(args: Args) -> Outcome {
    match args.command {
        Command::Dump { store, store_wait } => {
            // Shared with plans, so that the dump never shows half of an apply's work.
            let _lock = super::planning::hold_store(&store, Access::Read, store_wait)?;
            let store = Store::open_read(&store).map_err(|e| Failure::Usage(e.to_string()))?;
            let dump = store.dump().map_err(|e| Failure::Usage(e.to_string()))?;
            let mut text = serde_json::to_string_pretty(&dump)
                .map_err(|e| Failure::Usage(format!("cannot write the dump: {e}")))?;
            text.push('\n');
            super::write_stdout(text.as_bytes())
        }
    }
}
