//! A progress bar on stderr for long batch runs (indicatif). It appears only once a run has taken
//! more than a second, and never when stderr is not a terminal or the user asked for `--quiet`,
//! so pipes, logs and tests see nothing. Safe to advance from every rayon thread.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Progress of a run of `total` units (variants, trajectories, evaluations).
pub struct Progress {
    bar: ProgressBar,
    start: Instant,
    enabled: bool,
    shown: AtomicBool,
}

impl Progress {
    /// A bar for `total` units labelled `what`; drawn only if `show` (not quiet) and stderr is a
    /// terminal, and only after the first second.
    pub fn new(total: u64, what: &str, show: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} ({rate}, eta {eta})",
        ) {
            // indicatif's {per_sec} prints "1,277,337.2613/s"; this prints "1.28 M/s".
            bar.set_style(style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&crate::output::numbers::rate_per_second(state.per_sec()));
                },
            ));
        }
        bar.set_prefix(what.to_string());
        Progress {
            bar,
            start: Instant::now(),
            enabled: show && std::io::stderr().is_terminal(),
            shown: AtomicBool::new(false),
        }
    }

    /// A progress that never draws.
    pub fn hidden() -> Progress {
        Progress::new(0, "", false)
    }

    /// Advance by `n` units.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
        if self.enabled
            && !self.shown.load(Ordering::Relaxed)
            && self.start.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Remove the bar (if it was drawn).
    pub fn finish(&self) {
        if self.shown.load(Ordering::Relaxed) {
            self.bar.finish_and_clear();
        }
    }
}
