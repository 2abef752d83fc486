//! A progress bar on stderr while a phase runs, so a long run shows it is moving; it
//! is cleared before the summary, and drawn only when stderr is a terminal (indicatif
//! hides it otherwise), so logs and `--json` output stay clean.
//!
//! The hot paths (a socket reader, a request loop) only bump an [`AtomicU64`]; a
//! [`Phase`] copies it to the bar ten times a second. Bumping the bar itself from
//! thousands of tasks would serialise them on its lock.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

/// How often the bar is brought up to date with its counter.
const TICK: Duration = Duration::from_millis(100);

/// A running phase: its bar and the counter it shows. Clears the bar when finished or
/// dropped.
pub struct Phase {
    bar: ProgressBar,
    counter: Arc<AtomicU64>,
    /// Copies the counter to the bar; aborted on finish or drop.
    ticker: JoinHandle<()>,
}

impl Phase {
    /// A bar that counts `total` items: `<what> [####    ] 512/1000 in 3s`.
    pub fn count(what: &str, total: u64) -> Self {
        let style =
            ProgressStyle::with_template("{prefix:>14} [{bar:40}] {pos}/{len} in {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("#>-");
        Self::start(what, total, style, None)
    }

    /// A bar that runs for `length` of time and shows the counter beside it:
    /// `<what> [####    ] 4s 51234 requests`.
    pub fn timed(what: &str, length: Duration, unit: &'static str) -> Self {
        let style = ProgressStyle::with_template("{prefix:>14} [{bar:40}] {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("#>-");
        let millis = u64::try_from(length.as_millis()).unwrap_or(u64::MAX);
        Self::start(what, millis, style, Some(unit))
    }

    /// [`Phase::count`] showing a counter the caller already has (the socket readers'
    /// shared count of deliveries, say).
    pub fn follow(what: &str, total: u64, counter: Arc<AtomicU64>) -> Self {
        let mut phase = Self::count(what, total);
        phase.ticker.abort();
        phase.ticker = Self::tick(phase.bar.clone(), Arc::clone(&counter), total, None);
        phase.counter = counter;
        phase
    }

    fn start(what: &str, len: u64, style: ProgressStyle, timed: Option<&'static str>) -> Self {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        bar.set_style(style);
        bar.set_prefix(what.to_owned());
        let counter = Arc::new(AtomicU64::new(0));
        let ticker = Self::tick(bar.clone(), Arc::clone(&counter), len, timed);
        Self {
            bar,
            counter,
            ticker,
        }
    }

    /// Copies `counter` to `bar` every [`TICK`] (or, when `timed`, the time elapsed,
    /// with the counter as the message) until aborted.
    fn tick(
        bar: ProgressBar,
        counter: Arc<AtomicU64>,
        len: u64,
        timed: Option<&'static str>,
    ) -> JoinHandle<()> {
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            let mut interval = tokio::time::interval(TICK);
            // Bounded by the phase: the handle is aborted when the phase ends.
            loop {
                interval.tick().await;
                let n = counter.load(Ordering::Relaxed);
                match timed {
                    Some(unit) => {
                        let elapsed =
                            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                        bar.set_position(elapsed.min(len));
                        bar.set_message(format!("{n} {unit}"));
                    }
                    None => bar.set_position(n.min(len)),
                }
            }
        })
    }

    /// The counter to bump, shared with the tasks of the phase.
    pub fn counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.counter)
    }

    /// Bumps the counter by one.
    pub fn inc(&self) {
        self.counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Stops updating and clears the bar.
    pub fn finish(self) {
        // `Drop` does the work.
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        self.ticker.abort();
        self.bar.finish_and_clear();
    }
}
