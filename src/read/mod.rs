//! Readers: fact files (Parquet or CSV) into interned rows (SPEC section 7).
//!
//! Both readers decode only the user, time and (optional) fact columns and
//! push each row through one [`Sink`], so counting, rejection and bucketing
//! rules are written once.

mod cells;
mod columns;
mod csv;
mod days;
mod input;
mod pages;
mod parquet;
mod sink;
mod table;

use serde::Serialize;

use crate::error::Error;
use crate::ids::{Interner, UserIndex};
use crate::progress::Report;
use crate::segment::SegmentInterner;
use crate::time::{TimeFormat, TimeUnit, Zone};

pub(crate) use self::cells::{integer_time_error, Cell, TimeReader};
pub(crate) use self::columns::{find_column, resolve_columns};
pub use self::columns::{TIME_COLUMNS, USER_COLUMNS};
pub use self::csv::sniff_delimiter;
pub use self::days::DaySet;
pub use self::input::{Format, InputFile, Source};
pub(crate) use self::sink::Sink;
pub use self::table::Table;

/// How to find and read the fact columns.
#[derive(Clone, Debug, Default)]
pub struct FactOptions {
    /// The user column; detected from [`USER_COLUMNS`] when `None`.
    pub user_column: Option<String>,
    /// The time column; detected from [`TIME_COLUMNS`] when `None`.
    pub time_column: Option<String>,
    /// Unit of epoch integers (required for integer times unless `time_format`).
    pub time_unit: Option<TimeUnit>,
    /// strftime pattern for string (and integer) times.
    pub time_format: Option<TimeFormat>,
    /// The column naming the kind of activity, for the fact filter.
    pub fact_column: Option<String>,
    /// The values of `fact_column` that count as activity.
    pub fact_values: Vec<String>,
    /// The column that splits the run into segments (SPEC section 11).
    pub segment_column: Option<String>,
}

/// One kept fact row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FactRow {
    /// The user.
    pub user: UserIndex,
    /// Local date (days since 1970-01-01).
    pub day: i32,
    /// The time value in microseconds (UTC for instants, local otherwise),
    /// used to count duplicates.
    pub ts: i64,
}

/// Offending values kept for messages.
const MAX_SAMPLES: usize = 5;

/// Row counts of the reading stage (part of the quality report).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    /// Data rows in all fact files.
    pub rows_read: u64,
    /// Rows without a user id.
    pub null_user: u64,
    /// Rows without a time.
    pub null_time: u64,
    /// Rows whose time could not be read as a date.
    pub unparseable_time: u64,
    /// Rows whose fact value is not one of the chosen ones (not errors).
    pub filtered_out: u64,
    /// A few offending values, for messages.
    #[serde(skip)]
    pub samples: Vec<String>,
    /// The (user, time) columns read, for messages.
    #[serde(skip)]
    pub columns: Vec<(String, String)>,
}

impl ReadStats {
    /// Keeps an offending value for messages, up to a few; `text` gets the
    /// current row number.
    pub(crate) fn sample(&mut self, text: impl FnOnce(u64) -> String) {
        if self.samples.len() < MAX_SAMPLES {
            let row = self.rows_read;
            self.samples.push(text(row));
        }
    }

    /// Rows rejected as bad input.
    pub fn rejected(&self) -> u64 {
        self.null_user + self.null_time + self.unparseable_time
    }
}

/// Everything read from the fact files.
pub struct Facts {
    /// Kept rows, in file order.
    pub rows: Vec<FactRow>,
    /// Counts of the reading stage.
    pub stats: ReadStats,
    /// Days with any data.
    pub days_seen: DaySet,
    /// User ids seen so far.
    pub users: Interner,
    /// In a split run, the segment of each kept row (indexing
    /// `segment_values`); empty otherwise.
    pub segments: Vec<u32>,
    /// The segment values seen so far.
    pub segment_values: SegmentInterner,
}

/// Reads every fact file into one table, with instants turned into local
/// dates in `zone`, reporting progress.
pub fn read_facts(
    files: &[InputFile],
    opts: &FactOptions,
    zone: Zone,
    progress: Report,
) -> Result<Facts, Error> {
    let mut facts = Facts {
        rows: Vec::new(),
        stats: ReadStats::default(),
        days_seen: DaySet::default(),
        users: Interner::new(),
        segments: Vec::new(),
        segment_values: SegmentInterner::default(),
    };
    for (i, file) in files.iter().enumerate() {
        let format = file.format()?;
        let mut sink = Sink::new(&mut facts, zone, &mut *progress, (i, files.len()));
        guard(&file.name, || match format {
            Format::Parquet => parquet::read(file, opts, &mut sink),
            Format::Csv => csv::read(file, opts, &mut sink),
        })?;
        sink.report(1.0);
    }
    Ok(facts)
}

/// Runs a reader, turning a panic inside a third-party decoder into an
/// error that names the file: a truncated file must never take the process
/// (or the WASM module) down.
pub(crate) fn guard<T>(file: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => {
            let msg = crate::error::panic_message(panic.as_ref());
            Err(Error::corrupt(
                file,
                format!("the file is corrupt or truncated (the decoder failed: {msg})"),
            ))
        }
    }
}
