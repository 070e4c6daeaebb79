//! Progress on standard error, only when it is a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

fn shown() -> bool {
    std::io::stderr().is_terminal()
}

/// A counter for work of unknown length (records read).
pub fn counter(message: &'static str) -> ProgressBar {
    if !shown() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner().with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}: {human_pos} ({rate})") {
        bar.set_style(style.with_key("rate", rate));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// A bar for work whose length the work tells (objects written).
pub fn bar(message: &'static str) -> ProgressBar {
    if !shown() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0).with_message(message);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {human_pos}/{human_len} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Items a second, in whole numbers (`12,345/s`): indicatif's `{per_sec}` shows four decimals.
fn rate(state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = w.write_str(&whole_rate(state.per_sec()));
}

fn whole_rate(per_sec: f64) -> String {
    let per_sec = if per_sec.is_finite() {
        per_sec.max(0.0)
    } else {
        0.0
    };
    format!("{}/s", indicatif::HumanCount(per_sec.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::whole_rate;

    #[test]
    fn rates_are_whole_numbers_with_separators() {
        assert_eq!(whole_rate(99633.8341), "99,634/s");
        assert_eq!(whole_rate(0.4), "0/s");
        assert_eq!(whole_rate(f64::INFINITY), "0/s");
    }
}
