//! Readers: fact files (Parquet or CSV) into interned rows (SPEC section 7).
//!
//! Both readers decode only the user, time and (optional) fact columns and
//! push each row through one [`Sink`], so counting, rejection and bucketing
//! rules are written once.

mod csv;
mod parquet;
mod table;

use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::Serialize;

use crate::error::Error;
use crate::ids::{Interner, UserIndex};
use crate::progress::{Progress, Report, READ_SHARE};
use crate::time::{LocalDates, TimeFormat, TimeUnit, TimeValue, Zone};

pub use self::csv::sniff_delimiter;
pub(crate) use self::parquet::{
    builder as parquet_builder, dictionary_keys, for_each_str, integers, is_text,
};
pub use self::table::Table;

/// Candidate user columns, in order of preference (SPEC section 7).
pub const USER_COLUMNS: [&str; 6] = [
    "user_id",
    "userid",
    "user",
    "customer_id",
    "member_id",
    "account_id",
];
/// Candidate time columns, in order of preference (SPEC section 7).
pub const TIME_COLUMNS: [&str; 7] = [
    "event_time",
    "timestamp",
    "ts",
    "time",
    "event_date",
    "date",
    "created_at",
];

/// Where a file's bytes are.
#[derive(Clone, Debug)]
pub enum Source {
    /// A file on disk (native builds).
    Path(PathBuf),
    /// Bytes already in memory (the browser, tests).
    Bytes(Bytes),
}

/// One input file and the name used in messages and output names.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// The name shown in messages (the path, or the uploaded file's name).
    pub name: String,
    /// Its bytes.
    pub source: Source,
}

impl InputFile {
    /// A file on disk.
    pub fn path(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        InputFile {
            name: path.display().to_string(),
            source: Source::Path(path.to_path_buf()),
        }
    }

    /// A file held in memory.
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        InputFile {
            name: name.into(),
            source: Source::Bytes(bytes.into()),
        }
    }

    /// The file name without directories and extension.
    pub fn stem(&self) -> String {
        Path::new(&self.name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.name.clone())
    }

    /// The file's format: Parquet when it starts with the Parquet magic.
    pub fn format(&self) -> Result<Format, Error> {
        let mut head = [0u8; 4];
        let n = match &self.source {
            Source::Bytes(b) => {
                let n = b.len().min(4);
                head[..n].copy_from_slice(&b[..n]);
                n
            }
            Source::Path(p) => {
                let mut f = std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
                let mut n = 0;
                while n < 4 {
                    match f.read(&mut head[n..]).map_err(|e| Error::io(p, e))? {
                        0 => break,
                        k => n += k,
                    }
                }
                n
            }
        };
        if n == 0 {
            return Err(Error::corrupt(
                &self.name,
                "the file is empty: expected a Parquet file or a CSV file with a header row",
            ));
        }
        if &head[..n] == b"PAR1" {
            return Ok(Format::Parquet);
        }
        let lower = self.name.to_ascii_lowercase();
        if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            return Err(Error::corrupt(
                &self.name,
                "not a Parquet file: it does not start with the Parquet magic bytes PAR1",
            ));
        }
        Ok(Format::Csv)
    }
}

/// A table file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Apache Parquet.
    Parquet,
    /// Delimited text with a header row.
    Csv,
}

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
    /// The zone in which instants become local dates.
    pub zone: Zone,
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
    fn sample(&mut self, text: impl FnOnce(u64) -> String) {
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

/// The days that have at least one row with a readable time, of any fact value.
#[derive(Clone, Debug, Default)]
pub struct DaySet {
    base: i32,
    bits: Vec<u64>,
}

/// Days past which a run fails anyway (SPEC section 8: spans over 50 years).
const MAX_TRACKED_DAYS: i64 = 200 * 366;

impl DaySet {
    /// Marks `day`.
    #[inline]
    pub fn insert(&mut self, day: i32) {
        // Days near the last one land in an existing word: that test is
        // kept inline, growing the set is not.
        let off = i64::from(day) - i64::from(self.base);
        if off >= 0 {
            if let Some(w) = self.bits.get_mut((off / 64) as usize) {
                *w |= 1 << (off % 64);
                return;
            }
        }
        self.insert_outside(day);
    }

    #[inline(never)]
    fn insert_outside(&mut self, day: i32) {
        if self.bits.is_empty() {
            self.base = day - day.rem_euclid(64);
            self.bits.push(0);
        }
        let mut off = i64::from(day) - i64::from(self.base);
        if off < 0 {
            let words = ((-off) as usize).div_ceil(64);
            if (self.bits.len() + words) as i64 * 64 > MAX_TRACKED_DAYS {
                return;
            }
            self.bits.splice(0..0, std::iter::repeat_n(0, words));
            self.base -= (words * 64) as i32;
            off = i64::from(day) - i64::from(self.base);
        }
        let word = (off / 64) as usize;
        if word >= self.bits.len() {
            if word as i64 * 64 > MAX_TRACKED_DAYS {
                return;
            }
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << (off % 64);
    }

    /// Whether `day` was marked.
    pub fn contains(&self, day: i32) -> bool {
        let off = i64::from(day) - i64::from(self.base);
        if off < 0 {
            return false;
        }
        let word = (off / 64) as usize;
        word < self.bits.len() && self.bits[word] & (1 << (off % 64)) != 0
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
}

/// A parsed time cell.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cell {
    Time(TimeValue),
    Null,
    Bad,
}

/// Reads the time cells of one column according to the options.
pub(crate) struct TimeReader<'a> {
    pub unit: Option<TimeUnit>,
    pub format: Option<&'a TimeFormat>,
}

impl TimeReader<'_> {
    /// A string cell: the format if given, else an epoch integer if a unit is
    /// given, else ISO 8601.
    #[inline]
    pub fn text(&self, s: &str) -> Cell {
        // Stops at the first character that is not white space (a trim
        // would also scan the value from its end).
        if s.chars().all(char::is_whitespace) {
            return Cell::Null;
        }
        let v = if let Some(f) = self.format {
            f.parse(s)
        } else if let Some(unit) = self.unit {
            let t = s.trim();
            t.parse::<i64>()
                .ok()
                .and_then(|v| unit.to_micros(v))
                .or_else(|| {
                    let f: f64 = t.parse().ok()?;
                    let us = f * unit.to_micros(1).map_or(0.001, |m| m as f64);
                    us.is_finite().then_some(us.floor() as i64)
                })
                .map(TimeValue::Instant)
        } else {
            crate::time::parse_iso(s.as_bytes())
        };
        v.map_or(Cell::Bad, Cell::Time)
    }

    /// A cell as raw bytes (CSV). ISO 8601 values skip the UTF-8 check:
    /// the parser accepts ASCII text only, so a value it reads is valid.
    #[inline]
    pub fn bytes(&self, raw: &[u8]) -> Cell {
        if self.format.is_none() && self.unit.is_none() {
            if let Some(v) = crate::time::parse_iso(raw) {
                return Cell::Time(v);
            }
        }
        std::str::from_utf8(raw).map_or(Cell::Bad, |s| self.text(s))
    }

    /// An integer cell of a column that has no time type.
    #[inline]
    pub fn int(&self, v: i64) -> Cell {
        if let Some(f) = self.format {
            return f.parse(&v.to_string()).map_or(Cell::Bad, Cell::Time);
        }
        match self.unit.and_then(|u| u.to_micros(v)) {
            Some(us) => Cell::Time(TimeValue::Instant(us)),
            None => Cell::Bad,
        }
    }

    /// Whether integers can be read (an explicit unit or format).
    pub fn reads_integers(&self) -> bool {
        self.unit.is_some() || self.format.is_some()
    }
}

/// The error for an integer time column without a unit or format.
pub(crate) fn integer_time_error(file: &str, column: &str) -> Error {
    Error::column(
        file,
        column,
        "holds integers: give a time unit (--time-unit s|ms|us|ns) for epoch values, or a time format (--time-format, e.g. %Y%m%d) for dates written as numbers",
    )
}

/// Where every row goes: counting, rejection and local dates.
pub(crate) struct Sink<'a> {
    facts: &'a mut Facts,
    dates: LocalDates,
    progress: Report<'a>,
    file: usize,
    files: usize,
}

const MAX_SAMPLES: usize = 5;

impl Sink<'_> {
    /// Reports that `done` (0 to 1) of the current file is read.
    pub fn report(&mut self, done: f64) {
        let overall = (self.file as f64 + done.clamp(0.0, 1.0)) / self.files.max(1) as f64;
        (self.progress)(&Progress {
            phase: "read",
            file: self.file,
            files: self.files,
            rows: self.facts.stats.rows_read,
            fraction: overall * READ_SHARE,
        });
    }

    /// Records which columns serve as user and time, for messages.
    pub fn columns(&mut self, user: &str, time: &str) {
        let pair = (user.to_string(), time.to_string());
        if !self.facts.stats.columns.contains(&pair) {
            self.facts.stats.columns.push(pair);
        }
    }

    /// Makes room for `rows` more rows (a Parquet file knows its row count):
    /// the rows never grow by copying.
    pub fn reserve(&mut self, rows: usize) {
        self.facts.rows.reserve_exact(rows);
    }

    /// The user-id interner shared by every file.
    pub fn users(&mut self) -> &mut Interner {
        &mut self.facts.users
    }

    /// Records one row. `user` is `None` for a null id; `keep` is the fact
    /// filter's verdict; `show` renders the time cell for error messages.
    #[inline]
    pub fn row(
        &mut self,
        user: Option<UserIndex>,
        time: Cell,
        keep: bool,
        show: impl FnOnce() -> String,
    ) {
        let stats = &mut self.facts.stats;
        stats.rows_read += 1;
        let value = match time {
            Cell::Time(v) => self.dates.day(v).map(|d| (d, v)),
            Cell::Null | Cell::Bad => None,
        };
        if let Some((day, _)) = value {
            self.facts.days_seen.insert(day);
        }
        let Some(user) = user else {
            stats.null_user += 1;
            stats.sample(|row| format!("a null user id (row {row})"));
            return;
        };
        let Some((day, v)) = value else {
            if matches!(time, Cell::Null) {
                stats.null_time += 1;
                stats.sample(|row| format!("a null time (row {row})"));
            } else {
                stats.unparseable_time += 1;
                stats.sample(|row| format!("time {:?} (row {row})", show()));
            }
            return;
        };
        if !keep {
            stats.filtered_out += 1;
            return;
        }
        let ts = match v {
            TimeValue::Instant(us) | TimeValue::Local(us) => us,
        };
        self.facts.rows.push(FactRow { user, day, ts });
    }
}

/// Finds a column by its given name (exact, then case-insensitive) or by
/// the first present candidate.
pub(crate) fn find_column(
    names: &[String],
    wanted: Option<&str>,
    candidates: &[&str],
) -> Option<usize> {
    match wanted {
        Some(w) => names
            .iter()
            .position(|n| n == w)
            .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(w))),
        None => candidates
            .iter()
            .find_map(|c| names.iter().position(|n| n.eq_ignore_ascii_case(c))),
    }
}

/// The positions of the user, time and (optional) fact columns in a file.
pub(crate) struct Columns {
    pub user: usize,
    pub time: usize,
    pub fact: Option<usize>,
}

/// Resolves the fact columns of a file with these column names.
pub(crate) fn resolve_columns(
    file: &str,
    names: &[String],
    opts: &FactOptions,
) -> Result<Columns, Error> {
    let missing = |role: &str, wanted: Option<&String>, expected: String| Error::MissingColumn {
        file: file.to_string(),
        role: role.to_string(),
        wanted: wanted.cloned(),
        expected,
        available: names.to_vec(),
    };
    let user = find_column(names, opts.user_column.as_deref(), &USER_COLUMNS).ok_or_else(|| {
        missing(
            "user",
            opts.user_column.as_ref(),
            match &opts.user_column {
                Some(w) => format!("a column {w:?} (from the user column option)"),
                None => format!(
                    "one of {} (or name it with --user-col)",
                    USER_COLUMNS.join(", ")
                ),
            },
        )
    })?;
    let time = find_column(names, opts.time_column.as_deref(), &TIME_COLUMNS).ok_or_else(|| {
        missing(
            "time",
            opts.time_column.as_ref(),
            match &opts.time_column {
                Some(w) => format!("a column {w:?} (from the time column option)"),
                None => format!(
                    "one of {} (or name it with --time-col)",
                    TIME_COLUMNS.join(", ")
                ),
            },
        )
    })?;
    let fact = match &opts.fact_column {
        None => None,
        Some(w) => Some(find_column(names, Some(w), &[]).ok_or_else(|| {
            missing(
                "fact",
                Some(w),
                format!("a column {w:?} (from the fact column option)"),
            )
        })?),
    };
    Ok(Columns { user, time, fact })
}

/// Reads every fact file into one table, reporting progress.
pub fn read_facts(
    files: &[InputFile],
    opts: &FactOptions,
    progress: Report,
) -> Result<Facts, Error> {
    if opts.fact_column.is_some() && opts.fact_values.is_empty() {
        return Err(Error::Usage(
            "a fact column was given without fact values: say which values count as activity (--fact V, repeatable)".into(),
        ));
    }
    if opts.fact_column.is_none() && !opts.fact_values.is_empty() {
        return Err(Error::Usage(
            "fact values were given without a fact column (--fact-col C)".into(),
        ));
    }
    let mut facts = Facts {
        rows: Vec::new(),
        stats: ReadStats::default(),
        days_seen: DaySet::default(),
        users: Interner::new(),
    };
    for (i, file) in files.iter().enumerate() {
        let format = file.format()?;
        let mut sink = Sink {
            facts: &mut facts,
            dates: LocalDates::new(opts.zone),
            progress: &mut *progress,
            file: i,
            files: files.len(),
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_set_grows_both_ways() {
        let mut s = DaySet::default();
        for d in [100, 5, 300, -70, 100] {
            s.insert(d);
        }
        for d in [100, 5, 300, -70] {
            assert!(s.contains(d));
        }
        assert!(!s.contains(6));
        assert!(!s.contains(-1000));
    }

    #[test]
    fn column_detection_order() {
        let names: Vec<String> = ["Date", "USER", "customer_id", "ts"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(find_column(&names, None, &USER_COLUMNS), Some(1));
        assert_eq!(find_column(&names, None, &TIME_COLUMNS), Some(3));
        assert_eq!(find_column(&names, Some("date"), &[]), Some(0));
        assert_eq!(find_column(&names, Some("nope"), &[]), None);
    }
}
