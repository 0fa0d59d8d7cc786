//! # activation-layer
//!
//! Turns activity facts (a user id and a time per row) into user activation
//! states per day, week or month — `new`, `retained`, `reactivated`,
//! `inactive` — with the transitions between them, streaks, gaps and churn
//! durations, summary rates, cohorts, a data-quality report and an
//! incremental FirstLast snapshot. The semantics are those of the project's
//! SPEC; `docs/semantics.md` restates them for users.
//!
//! The core is pure Rust (no WASM dependency): [`run::run`] computes every
//! table in memory, [`output`] turns them into self-describing Arrow record
//! batches, and [`write`] writes Parquet or CSV. [`options`] defines the
//! options of a run once, for every interface.

#![deny(missing_docs)]

pub mod activity;
pub mod arrays;
pub mod datapackage;
pub mod depth;
pub mod dictionary;
pub mod distributions;
pub mod error;
pub mod firstlast;
pub mod grain;
pub mod ids;
pub mod inspect;
pub mod merge;
pub mod options;
pub mod output;
pub mod progress;
pub mod quality;
pub mod read;
pub mod rolling;
pub mod run;
pub mod segment;
pub mod states;
pub mod summary;
pub mod synth;
pub mod time;
pub mod timeline;
pub mod write;

#[cfg(feature = "wasm")]
pub mod wasm;

pub use error::{Error, Kind, Result};
pub use firstlast::FirstLast;
pub use grain::{Calendar, Grain, Weekday};
pub use options::{RunOptions, Settings};
pub use read::{FactOptions, InputFile};
pub use run::{run, run_with_progress, Activation};
pub use states::{Rows, State};
pub use time::{TimeFormat, TimeUnit, Zone};
