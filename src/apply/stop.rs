//! Stopping a run part way when asked (Ctrl-C, `SIGTERM`).
//!
//! A signal only sets a flag; the targets look at it between writes, send nothing more, and
//! report what they had written, so that the run ends with a message rather than in the
//! middle of a request. A second signal ends the process at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

fn flag() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Whether the run has been asked to stop.
pub fn requested() -> bool {
    flag().load(Ordering::Relaxed)
}

/// Asks the run to stop, as a signal does.
pub fn request() {
    flag().store(true, Ordering::Relaxed);
}

/// From now on, the first SIGINT or SIGTERM asks the run to stop; the second ends the process
/// (exit 130 or 143, as the default handling would).
#[cfg(unix)]
pub fn on_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so the second signal ends the process before the flag is set again.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(flag()))?;
        signal_hook::flag::register(signal, Arc::clone(flag()))?;
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn on_signals() -> std::io::Result<()> {
    Ok(())
}
