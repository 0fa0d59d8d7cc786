//! Progress of a long run, for a progress bar (the page, the worker API).

use serde::Serialize;

/// Where a run is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progress {
    /// `read` (decoding fact files), `compute` (states and tables) or `done`.
    pub phase: &'static str,
    /// Index of the file being read (0-based).
    pub file: usize,
    /// Number of fact files.
    pub files: usize,
    /// Rows read so far, over all files.
    pub rows: u64,
    /// Estimated fraction of the whole run done, 0 to 1.
    pub fraction: f64,
}

/// Share of a run's time spent reading, for the overall fraction.
pub(crate) const READ_SHARE: f64 = 0.8;

/// A progress callback; runs without one use [`ignore`].
pub type Report<'a> = &'a mut dyn FnMut(&Progress);

/// A callback that does nothing.
pub fn ignore(_: &Progress) {}
