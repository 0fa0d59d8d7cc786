//! Differential and property tests of the engine against SPEC sections 2-8.
//!
//! A deliberately naive model of the SPEC (every user, every period, counted
//! with plain loops; its own weekdays, periods and hand-coded time-zone
//! rules) runs next to the engine on random inputs:
//! - one to three fact files, CSV (three delimiters, quoting, CRLF) or
//!   Parquet written here by the `parquet` crate's ArrowWriter (string or
//!   integer ids; times as text, UTC timestamps, naive timestamps or dates;
//!   several row groups), named after `--name`, the fact values or the file;
//! - null users, null and unreadable times (the reject counts and the
//!   `max_rejected` limit), a fact filter on an `event` column;
//! - every grain and week start, UTC, two fixed offsets and three DST zones
//!   (New York, London, Sydney), spans from a day to five years, with and
//!   without `through` / `report_from`, both row modes;
//! - runs resuming from a full snapshot (the engine's first run over the
//!   earlier facts, itself compared) or a minimal one written here (CSV or
//!   Parquet, SPEC section 5's rule: previous active date null, streak 1,
//!   active periods 1 or 2, a streak of 2 over adjacent periods), with or
//!   without overlapping facts.
//!
//! Every row of every table, the snapshot and the quality report are
//! compared; a run the model says must fail must fail with the error kind
//! it names (`activation_layer::Kind`). Independently of the model, the
//! identities of SPEC section 4 are checked on the engine's own outputs.
//! The model borrows only the civil-date conversion from the crate, which
//! `civil_dates_agree_with_chrono` checks day by day against chrono.
//!
//! Cases follow `tests/common/prop.rs`: ACTIVATION_TEST_SEED,
//! ACTIVATION_TEST_CASE (as printed by a failure), ACTIVATION_TEST_SCALE.

#[path = "common/prop.rs"]
mod prop;
#[path = "common/spec.rs"]
mod spec;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use activation_layer::grain::{civil_from_days, days_from_civil, format_day};
use activation_layer::output::TableKind;
use activation_layer::write::{table_bytes, OutputFormat};
use activation_layer::{
    run, Activation, Grain, InputFile, Kind, Rows, RunOptions, State, Weekday, Zone,
};
use arrow_array::{
    ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use prop::{Cases, Rng, WEEKDAYS};

const US_PER_SEC: i64 = 1_000_000;
const US_PER_DAY: i64 = 86_400 * US_PER_SEC;

// ---------------------------------------------------------------------------
// Dates, weekdays, time zones: written here from scratch (only the civil
// date conversion is borrowed from the crate, and checked against chrono).

/// A day count that prints as `YYYY-MM-DD` in failure messages.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Day(i32);

impl fmt::Debug for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_day(self.0))
    }
}

fn ymd(y: i32, m: u32, d: u32) -> i32 {
    days_from_civil(y, m, d)
}

/// Monday = 0 .. Sunday = 6, counted from a known Monday.
fn weekday(day: i32) -> i32 {
    (day - ymd(2024, 1, 1)).rem_euclid(7)
}

fn week_start_index(w: Weekday) -> i32 {
    WEEKDAYS.iter().position(|x| *x == w).expect("a weekday") as i32
}

/// The `n`-th Sunday of a month.
fn nth_sunday(y: i32, m: u32, n: i32) -> i32 {
    let d1 = ymd(y, m, 1);
    d1 + (6 - weekday(d1)).rem_euclid(7) + 7 * (n - 1)
}

/// The last Sunday of a month.
fn last_sunday(y: i32, m: u32) -> i32 {
    let last = if m == 12 {
        ymd(y + 1, 1, 1)
    } else {
        ymd(y, m + 1, 1)
    } - 1;
    last - (weekday(last) - 6).rem_euclid(7)
}

/// A zone's rules, written from the published rules of each.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ModelZone {
    /// A fixed offset from UTC, in seconds.
    Fixed(i64),
    NewYork,
    London,
    Sydney,
}

/// The zones of the cases: the option as given, and the model's rules.
const ZONES: [(Option<&str>, ModelZone); 7] = [
    (None, ModelZone::Fixed(0)),
    (Some("UTC"), ModelZone::Fixed(0)),
    (Some("+09:00"), ModelZone::Fixed(9 * 3600)),
    (Some("-03:30"), ModelZone::Fixed(-(3 * 3600 + 1800))),
    (Some("America/New_York"), ModelZone::NewYork),
    (Some("Europe/London"), ModelZone::London),
    (Some("Australia/Sydney"), ModelZone::Sydney),
];

fn model_zone(name: Option<&str>) -> ModelZone {
    ZONES
        .iter()
        .find(|z| z.0 == name)
        .unwrap_or_else(|| panic!("no model for zone {name:?}"))
        .1
}

fn zone_display(name: Option<&str>) -> String {
    name.unwrap_or("UTC").to_string()
}

/// Seconds since the epoch of `hour`:00 UTC on `day`.
fn utc_at(day: i32, hour: i64) -> i64 {
    i64::from(day) * 86_400 + hour * 3600
}

fn utc_year(utc_secs: i64) -> i32 {
    civil_from_days(utc_secs.div_euclid(86_400) as i32).0
}

/// US rules since 2007: daylight time from the second Sunday of March at
/// 02:00 EST (07:00 UTC) to the first Sunday of November at 02:00 EDT
/// (06:00 UTC).
fn new_york_is_dst(utc_secs: i64) -> bool {
    let y = utc_year(utc_secs);
    utc_at(nth_sunday(y, 3, 2), 7) <= utc_secs && utc_secs < utc_at(nth_sunday(y, 11, 1), 6)
}

/// EU rules since 1996: summer time from 01:00 UTC on the last Sunday of
/// March to 01:00 UTC on the last Sunday of October.
fn london_is_dst(utc_secs: i64) -> bool {
    let y = utc_year(utc_secs);
    utc_at(last_sunday(y, 3), 1) <= utc_secs && utc_secs < utc_at(last_sunday(y, 10), 1)
}

/// New South Wales rules since 2008: daylight time (+11) from 02:00
/// standard time on the first Sunday of October to 03:00 daylight time on
/// the first Sunday of April, both 16:00 UTC on the Saturday before. The
/// southern summer spans the new year.
fn sydney_is_dst(utc_secs: i64) -> bool {
    let y = utc_year(utc_secs);
    utc_secs < utc_at(nth_sunday(y, 4, 1) - 1, 16)
        || utc_at(nth_sunday(y, 10, 1) - 1, 16) <= utc_secs
}

fn offset_secs(zone: ModelZone, utc_secs: i64) -> i64 {
    let dst = |yes: bool, summer: i64, winter: i64| if yes { summer } else { winter } * 3600;
    match zone {
        ModelZone::Fixed(o) => o,
        ModelZone::NewYork => dst(new_york_is_dst(utc_secs), -4, -5),
        ModelZone::London => dst(london_is_dst(utc_secs), 1, 0),
        ModelZone::Sydney => dst(sydney_is_dst(utc_secs), 11, 10),
    }
}

/// A fact's time: an instant (UTC microseconds) or a local wall-clock
/// reading (local microseconds).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Time {
    Instant(i64),
    Local(i64),
}

impl Time {
    fn micros(self) -> i64 {
        match self {
            Time::Instant(us) | Time::Local(us) => us,
        }
    }
}

fn local_day(t: Time, zone: ModelZone) -> i32 {
    match t {
        Time::Local(us) => us.div_euclid(US_PER_DAY) as i32,
        Time::Instant(us) => {
            let off = offset_secs(zone, us.div_euclid(US_PER_SEC));
            (us + off * US_PER_SEC).div_euclid(US_PER_DAY) as i32
        }
    }
}

/// `YYYY-MM-DD`, hour, minute, second, microseconds of a wall-clock value.
fn wall(us: i64) -> (String, i64, i64, i64, i64) {
    let day = us.div_euclid(US_PER_DAY);
    let rest = us.rem_euclid(US_PER_DAY);
    let secs = rest / US_PER_SEC;
    (
        format_day(day as i32),
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        rest % US_PER_SEC,
    )
}

/// Naive periods of a grain, identified by their first day.
#[derive(Clone, Copy, Debug)]
struct ModelCalendar {
    grain: Grain,
    week_start: i32,
}

impl ModelCalendar {
    fn new(grain: Grain, week_start: Weekday) -> Self {
        ModelCalendar {
            grain,
            week_start: week_start_index(week_start),
        }
    }
    /// First day of the period holding `d`.
    fn start(&self, d: i32) -> i32 {
        match self.grain {
            Grain::Day => d,
            Grain::Week => d - (weekday(d) - self.week_start).rem_euclid(7),
            Grain::Month => {
                let (y, m, _) = civil_from_days(d);
                ymd(y, m, 1)
            }
        }
    }
    /// First day of the period after the one starting on `s`.
    fn next(&self, s: i32) -> i32 {
        match self.grain {
            Grain::Day => s + 1,
            Grain::Week => s + 7,
            Grain::Month => {
                let (y, m, _) = civil_from_days(s);
                if m == 12 {
                    ymd(y + 1, 1, 1)
                } else {
                    ymd(y, m + 1, 1)
                }
            }
        }
    }
    /// Last day of the period holding `d`.
    fn end(&self, d: i32) -> i32 {
        self.next(self.start(d)) - 1
    }
}

fn canonical_int(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 19 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.parse().ok()
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Int(i64),
    Text(Vec<u8>),
}

fn user_key(id: &str, ints: bool) -> Key {
    if ints {
        Key::Int(canonical_int(id).expect("canonical"))
    } else {
        Key::Text(id.as_bytes().to_vec())
    }
}

// ---------------------------------------------------------------------------
// Cases: fact files (CSV or Parquet) and run configurations.

/// What a time cell holds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cell {
    At(Time),
    /// Empty or blank text, or a null.
    Null,
    /// Text no reader can take for a time.
    Garbage,
    /// Only digits: an integer time, an error in CSV without a time unit
    /// or format (unreadable text in a Parquet string column).
    Digits,
}

#[derive(Clone, Debug)]
struct Fact {
    /// The user id (`None`: empty or null).
    id: Option<String>,
    /// The time cell as text (CSV and Parquet string columns).
    text: String,
    cell: Cell,
    /// The `event` cell, when the files have one.
    event: Option<&'static str>,
}

impl Fact {
    fn day(&self, zone: ModelZone) -> Option<i32> {
        match self.cell {
            Cell::At(t) => Some(local_day(t, zone)),
            _ => None,
        }
    }
}

/// How a Parquet file stores its times.
#[derive(Clone, Copy, Debug, PartialEq)]
enum TimeColumn {
    /// Strings, read like CSV cells.
    Text,
    /// `Timestamp(us, "UTC")`: instants.
    Instant,
    /// `Timestamp(us)` without a zone: local wall-clock readings.
    Naive,
    /// `Date32`: local dates.
    Date,
}

#[derive(Clone, Debug)]
enum Layout {
    Csv {
        delimiter: u8,
        crlf: bool,
    },
    Parquet {
        int_ids: bool,
        time: TimeColumn,
        row_group: usize,
    },
}

#[derive(Clone, Debug)]
struct FactFile {
    name: String,
    layout: Layout,
    /// The user and time column names.
    header: (&'static str, &'static str),
    facts: Vec<Fact>,
}

/// The facts of one run: its files, each with an `event` column or not.
#[derive(Clone, Debug)]
struct FactSet {
    files: Vec<FactFile>,
    events: bool,
}

fn quote(s: &str, delimiter: u8) -> String {
    if s.contains(delimiter as char) || s.contains(['"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl FactFile {
    fn csv(&self, events: bool, delimiter: u8, crlf: bool) -> String {
        let d = delimiter as char;
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut out = format!("{}{d}{}", self.header.0, self.header.1);
        if events {
            out.push_str(&format!("{d}event"));
        }
        out.push_str(nl);
        for f in &self.facts {
            out.push_str(&quote(f.id.as_deref().unwrap_or(""), delimiter));
            out.push(d);
            out.push_str(&quote(&f.text, delimiter));
            if events {
                out.push(d);
                out.push_str(f.event.unwrap_or(""));
            }
            out.push_str(nl);
        }
        out
    }

    fn parquet(&self, events: bool, int_ids: bool, time: TimeColumn, row_group: usize) -> Vec<u8> {
        let f = &self.facts;
        let mut fields = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        let ids = f.iter().map(|x| x.id.as_deref());
        if int_ids {
            fields.push(Field::new(self.header.0, DataType::Int64, true));
            let v: Int64Array = ids
                .map(|i| i.map(|s| canonical_int(s).expect("integer ids")))
                .collect();
            columns.push(Arc::new(v));
        } else {
            fields.push(Field::new(self.header.0, DataType::Utf8, true));
            columns.push(Arc::new(ids.collect::<StringArray>()));
        }
        let typed = |c: &Cell, want: fn(Time) -> Option<i64>| match c {
            Cell::At(t) => Some(want(*t).expect("a time the column can hold")),
            Cell::Null => None,
            _ => panic!("{c:?} in a typed time column"),
        };
        match time {
            TimeColumn::Text => {
                fields.push(Field::new(self.header.1, DataType::Utf8, true));
                let v: StringArray = f
                    .iter()
                    .map(|x| {
                        (x.cell != Cell::Null || !x.text.is_empty()).then_some(x.text.as_str())
                    })
                    .collect();
                columns.push(Arc::new(v));
            }
            TimeColumn::Instant | TimeColumn::Naive => {
                let instant = time == TimeColumn::Instant;
                let tz = instant.then(|| Arc::from("UTC"));
                fields.push(Field::new(
                    self.header.1,
                    DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
                    true,
                ));
                let want: fn(Time) -> Option<i64> = if instant {
                    |t| matches!(t, Time::Instant(_)).then(|| t.micros())
                } else {
                    |t| matches!(t, Time::Local(_)).then(|| t.micros())
                };
                let v: TimestampMicrosecondArray = f.iter().map(|x| typed(&x.cell, want)).collect();
                columns.push(Arc::new(v.with_timezone_opt(tz)));
            }
            TimeColumn::Date => {
                fields.push(Field::new(self.header.1, DataType::Date32, true));
                let want: fn(Time) -> Option<i64> = |t| match t {
                    Time::Local(us) if us % US_PER_DAY == 0 => Some(us / US_PER_DAY),
                    _ => None,
                };
                let v: Date32Array = f
                    .iter()
                    .map(|x| typed(&x.cell, want).map(|d| d as i32))
                    .collect();
                columns.push(Arc::new(v));
            }
        }
        if events {
            fields.push(Field::new("event", DataType::Utf8, true));
            columns.push(Arc::new(f.iter().map(|x| x.event).collect::<StringArray>()));
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("a batch");
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(row_group))
            .build();
        let mut out = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).expect("a writer");
        w.write(&batch).expect("written");
        w.close().expect("closed");
        out
    }

    fn input(&self, events: bool) -> InputFile {
        let bytes = match self.layout {
            Layout::Csv { delimiter, crlf } => self.csv(events, delimiter, crlf).into_bytes(),
            Layout::Parquet {
                int_ids,
                time,
                row_group,
            } => self.parquet(events, int_ids, time, row_group),
        };
        InputFile::bytes(&self.name, bytes)
    }

    /// The file for failure messages: CSV as written, Parquet as CSV text.
    fn show(&self, events: bool) -> String {
        match self.layout {
            Layout::Csv { delimiter, crlf } => {
                format!("{}:\n{}", self.name, self.csv(events, delimiter, crlf))
            }
            Layout::Parquet { int_ids, time, row_group } => format!(
                "{} (Parquet, integer ids {int_ids}, times {time:?}, row groups of {row_group}), as CSV:\n{}",
                self.name,
                self.csv(events, b',', false)
            ),
        }
    }

    /// The same file with only the facts `keep` admits.
    fn only(&self, keep: impl Fn(&Fact) -> bool) -> FactFile {
        FactFile {
            facts: self.facts.iter().filter(|f| keep(f)).cloned().collect(),
            ..self.clone()
        }
    }
}

impl FactSet {
    fn inputs(&self) -> Vec<InputFile> {
        self.files.iter().map(|f| f.input(self.events)).collect()
    }
    fn facts(&self) -> impl Iterator<Item = &Fact> {
        self.files.iter().flat_map(|f| &f.facts)
    }
    fn len(&self) -> usize {
        self.files.iter().map(|f| f.facts.len()).sum()
    }
    fn show(&self) -> String {
        self.files
            .iter()
            .map(|f| f.show(self.events))
            .collect::<Vec<_>>()
            .join("\n")
    }
    fn only(&self, keep: impl Fn(&Fact) -> bool) -> FactSet {
        FactSet {
            files: self.files.iter().map(|f| f.only(&keep)).collect(),
            events: self.events,
        }
    }
    /// Without fact `i` (counted over every file).
    fn without(&self, mut i: usize) -> FactSet {
        let mut out = self.clone();
        for f in &mut out.files {
            if i < f.facts.len() {
                f.facts.remove(i);
                break;
            }
            i -= f.facts.len();
        }
        out
    }
}

/// The options of one run.
#[derive(Clone, Debug)]
struct Config {
    grain: Grain,
    week_start: Option<Weekday>,
    tz: Option<&'static str>,
    through: Option<i32>,
    report_from: Option<i32>,
    max_rejected: Option<f64>,
    fact_values: Option<Vec<&'static str>>,
    name: Option<&'static str>,
    as_of: Option<i32>,
    skip_overlap: bool,
}

impl Config {
    fn describe(&self) -> String {
        let day = |d: Option<i32>| d.map_or("-".to_string(), format_day);
        format!(
            "grain={} week_start={} timezone={} through={} report_from={} max_rejected={:?} fact={:?} name={:?} as_of={} skip_overlap={}",
            self.grain,
            self.week_start.map_or("-".to_string(), |w| w.to_string()),
            self.tz.unwrap_or("-"),
            day(self.through),
            day(self.report_from),
            self.max_rejected,
            self.fact_values,
            self.name,
            day(self.as_of),
            self.skip_overlap
        )
    }
}

/// The earlier history a run resumes from.
#[derive(Clone, Debug)]
enum Resume {
    /// The snapshot of the engine's own run over `history` with `first`.
    Full { first: Config, history: FactSet },
    /// A minimal snapshot written here from the first and last dates of
    /// `history` (as of the run's `as_of`): CSV, or Parquet with integer
    /// ids or not.
    Minimal {
        history: FactSet,
        parquet: Option<bool>,
    },
}

#[derive(Clone, Debug)]
struct Case {
    facts: FactSet,
    cfg: Config,
    resume: Option<Resume>,
}

impl Case {
    fn describe(&self) -> String {
        let mut s = format!(
            "config: {}\nfacts:\n{}",
            self.cfg.describe(),
            self.facts.show()
        );
        match &self.resume {
            None => {}
            Some(Resume::Full { first, history }) => s.push_str(&format!(
                "\nresumed from the snapshot of a first run with config: {}\nits facts:\n{}",
                first.describe(),
                history.show()
            )),
            Some(Resume::Minimal { history, parquet }) => s.push_str(&format!(
                "\nresumed from a minimal snapshot ({}) of the first and last dates of:\n{}",
                match parquet {
                    None => "CSV".to_string(),
                    Some(ints) => format!("Parquet, integer ids {ints}"),
                },
                history.show()
            )),
        }
        s
    }
}

// ---------------------------------------------------------------------------
// Random cases.

/// `n` distinct ids in one of four styles: `u123`, canonical integers (up
/// to i64::MAX), integers with leading zeros, and awkward text (quotes,
/// delimiters, non-ASCII).
fn gen_ids(rng: &mut Rng, style: u64, n: usize) -> Vec<String> {
    const POOL: &[&str] = &[
        "a", "A", "b", "B", "ab", "a,b", "a\"q", "ü", "Z", "_x", "x-1", "x.1", "10", "9", "é",
        "aa", "a;b", "0", "007", "a\tb",
    ];
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while out.len() < n {
        let id = match style {
            0 => format!("u{}", rng.below(300 + 10 * n as u64)),
            1 => {
                if rng.chance(0.03) {
                    i64::MAX.to_string()
                } else {
                    rng.below(2000).to_string()
                }
            }
            2 => {
                let k = rng.below(60 + n as u64);
                match rng.below(3) {
                    0 => k.to_string(),
                    1 => format!("0{k}"),
                    _ => format!("00{k}"),
                }
            }
            _ => {
                if rng.chance(0.6) {
                    rng.pick(POOL).to_string()
                } else {
                    format!("k{}", rng.below(100 + 10 * n as u64))
                }
            }
        };
        if seen.insert(id.clone()) {
            out.push(id);
        }
    }
    out
}

/// The days the model's zones change their offset in year `y`.
fn dst_days(y: i32) -> [i32; 6] {
    [
        nth_sunday(y, 3, 2),
        nth_sunday(y, 11, 1),
        last_sunday(y, 3),
        last_sunday(y, 10),
        nth_sunday(y, 4, 1),
        nth_sunday(y, 10, 1),
    ]
}

/// The instants (UTC seconds) the model's zones change their offset in
/// year `y`.
fn dst_instants(y: i32) -> [i64; 6] {
    [
        utc_at(nth_sunday(y, 3, 2), 7),
        utc_at(nth_sunday(y, 11, 1), 6),
        utc_at(last_sunday(y, 3), 1),
        utc_at(last_sunday(y, 10), 1),
        utc_at(nth_sunday(y, 4, 1) - 1, 16),
        utc_at(nth_sunday(y, 10, 1) - 1, 16),
    ]
}

/// An instant on or near `day`: near a local midnight of one of the
/// model's zones, at a DST change of one of them, or anywhere in the day.
fn gen_instant(rng: &mut Rng, day: i32) -> i64 {
    let jitter = |rng: &mut Rng| {
        let any = rng.range(-1800, 1800);
        rng.pick(&[-1, 0, 1, any])
    };
    let secs = match rng.below(10) {
        0..=4 => {
            // Local midnight in New York (04:00 or 05:00 UTC), London (23:00
            // or 00:00), Sydney (13:00 or 14:00), +09:00 (15:00), -03:30.
            let midnight = rng.pick(&[4, 5, 0, -1, 13, 14, 15]) * 3600;
            let midnight = if rng.chance(0.1) {
                3 * 3600 + 1800
            } else {
                midnight
            };
            utc_at(day, 0) + midnight + jitter(rng)
        }
        5 => {
            let near: Vec<i64> = dst_instants(civil_from_days(day).0)
                .into_iter()
                .filter(|t| (t.div_euclid(86_400) - i64::from(day)).abs() <= 2)
                .collect();
            if near.is_empty() {
                utc_at(day, rng.range(0, 23))
            } else {
                rng.pick(&near) + jitter(rng)
            }
        }
        _ => utc_at(day, 0) + rng.range(0, 86_399),
    };
    let frac = if rng.chance(0.2) {
        rng.range(0, 999) * 1000
    } else {
        0
    };
    secs * US_PER_SEC + frac
}

/// Text for an instant: `Z`, an offset, or ` UTC`.
fn instant_text(rng: &mut Rng, utc: i64) -> String {
    let sep = if rng.chance(0.1) { ' ' } else { 'T' };
    let (offset, suffix) = match rng.below(20) {
        0..=14 => (0, "Z".to_string()),
        15 => (0, " UTC".to_string()),
        _ => {
            let (o, s) = rng.pick(&[
                (9 * 3600, "+09:00"),
                (-5 * 3600, "-05:00"),
                (5 * 3600 + 1800, "+05:30"),
                (-(3 * 3600 + 1800), "-03:30"),
                (3600, "+01:00"),
            ]);
            (o, s.to_string())
        }
    };
    let (date, h, m, s, us) = wall(utc + offset * US_PER_SEC);
    let frac = if us > 0 {
        format!(".{:03}", us / 1000)
    } else {
        String::new()
    };
    format!("{date}{sep}{h:02}:{m:02}:{s:02}{frac}{suffix}")
}

/// A valid time on local day `day`, of a kind the column can hold.
fn gen_time(rng: &mut Rng, day: i32, column: TimeColumn) -> (String, Time) {
    let instant = match column {
        TimeColumn::Instant => true,
        TimeColumn::Naive | TimeColumn::Date => false,
        TimeColumn::Text => rng.chance(0.7),
    };
    if instant {
        let utc = gen_instant(rng, day);
        return (instant_text(rng, utc), Time::Instant(utc));
    }
    let date = format_day(day);
    if column == TimeColumn::Date || rng.chance(0.5) {
        let text = match rng.below(10) {
            0 => date.replace('-', "/"),
            1 => format!(" {date} "),
            _ => date,
        };
        return (text, Time::Local(i64::from(day) * US_PER_DAY));
    }
    // A naive date-time, often at the edges of the day.
    let (h, m) = match rng.below(4) {
        0 => (0, 0),
        1 => (23, 59),
        _ => (rng.range(0, 23), rng.range(0, 59)),
    };
    let us = i64::from(day) * US_PER_DAY + (h * 3600 + m * 60) * US_PER_SEC;
    let text = if rng.chance(0.5) {
        format!("{date} {h:02}:{m:02}:00")
    } else {
        format!("{date}T{h:02}:{m:02}")
    };
    (text, Time::Local(us))
}

/// A time cell: null or unreadable with probability `bad`, else a time.
fn gen_cell(rng: &mut Rng, day: i32, column: TimeColumn, bad: f64, digits: bool) -> (String, Cell) {
    if !rng.chance(bad) {
        let (text, t) = gen_time(rng, day, column);
        return (text, Cell::At(t));
    }
    if column != TimeColumn::Text || rng.chance(0.4) {
        return (rng.pick(&["", "", "  "]).to_string(), Cell::Null);
    }
    if digits && rng.chance(0.3) {
        return (
            format!("{}", 20_240_000 + rng.range(101, 1231)),
            Cell::Digits,
        );
    }
    let garbage = rng.pick(&[
        "n/a",
        "2024-02-30",
        "2023-13-01",
        "31/01/2024",
        "yesterday",
        "2024-01-05T25:00:00Z",
        "NaT",
        "2024-1-5",
    ]);
    (garbage.to_string(), Cell::Garbage)
}

const HEADERS: [(&str, &str); 6] = [
    ("user_id", "event_time"),
    ("user_id", "event_time"),
    ("user_id", "event_date"),
    ("customer_id", "timestamp"),
    ("User_Id", "TS"),
    ("user", "time"),
];

const EVENTS: [Option<&str>; 5] = [
    Some("visit"),
    Some("visit"),
    Some("buy"),
    Some("view"),
    None,
];

const FACT_VALUES: [&[&str]; 4] = [&["visit"], &["visit", "buy"], &["buy"], &["view", "buy"]];

/// One to three fact files (CSV or Parquet) of up to 40 users over a
/// day to five years, often around a DST change, some with null or
/// unreadable cells, duplicates and an `event` column.
fn gen_facts(rng: &mut Rng) -> FactSet {
    let style = rng.below(4);
    let (n_users, n_events) = if rng.chance(0.1) {
        (rng.range(1, 4), rng.range(20, 60))
    } else {
        (rng.range(1, 40), rng.range(1, 60))
    };
    let span: i32 = match rng.below(20) {
        0..=5 => rng.range(1, 10),
        6..=11 => rng.range(10, 60),
        12..=15 => rng.range(60, 200),
        16..=17 => rng.range(200, 700),
        _ => rng.range(700, 1800),
    };
    let base = if rng.chance(0.4) {
        let year = rng.range(2010, 2027);
        let edge = rng.pick(&dst_days(year));
        edge - rng.range(0, span)
    } else {
        ymd(2009, 6, 1) + rng.range(0, 6500)
    };
    let ids = gen_ids(rng, style, n_users as usize);
    let all_int = ids.iter().all(|i| canonical_int(i).is_some());
    let parquet_int = all_int && rng.chance(0.6);
    let n_files = match rng.below(20) {
        0..=11 => 1,
        12..=16 => 2,
        _ => 3,
    };
    let mut files: Vec<FactFile> = (0..n_files)
        .map(|i| {
            let layout = if rng.chance(0.6) {
                Layout::Csv {
                    delimiter: match rng.below(20) {
                        0..=13 => b',',
                        14..=16 => b';',
                        _ => b'\t',
                    },
                    crlf: rng.chance(0.1),
                }
            } else {
                Layout::Parquet {
                    int_ids: parquet_int != (all_int && rng.chance(0.03)),
                    time: rng.pick(&[
                        TimeColumn::Text,
                        TimeColumn::Text,
                        TimeColumn::Instant,
                        TimeColumn::Naive,
                        TimeColumn::Date,
                    ]),
                    row_group: rng.pick(&[1024, 7, 3]),
                }
            };
            let ext = match layout {
                Layout::Csv { .. } => "csv",
                Layout::Parquet { .. } => "parquet",
            };
            let name = if n_files == 1 {
                if rng.chance(0.8) {
                    format!("facts.{ext}")
                } else {
                    format!("events_2024.{ext}")
                }
            } else {
                format!("part{}.{ext}", i + 1)
            };
            FactFile {
                name,
                layout,
                header: rng.pick(&HEADERS),
                facts: Vec::new(),
            }
        })
        .collect();
    let events = rng.chance(0.4);
    let bad = match rng.below(10) {
        0..=6 => 0.0,
        7 | 8 => 0.05,
        _ => 0.1 + rng.below(30) as f64 / 100.0,
    };
    let digits = bad > 0.0 && rng.chance(0.05);
    let mut last_day: Vec<Option<i32>> = vec![None; ids.len()];
    for _ in 0..n_events {
        let k = rng.below(files.len() as u64) as usize;
        let earlier: Vec<Fact> = files.iter().flat_map(|f| f.facts.clone()).collect();
        if !earlier.is_empty() && rng.chance(0.08) {
            // An exact duplicate row, maybe in another file.
            let f = rng.pick(&earlier);
            let text_ok = match files[k].layout {
                Layout::Csv { .. } => true,
                Layout::Parquet { time, .. } => time == TimeColumn::Text,
            };
            if text_ok {
                files[k].facts.push(f);
                continue;
            }
        }
        let n = ids.len() as u64;
        let u = if rng.chance(0.5) {
            rng.below(n).min(rng.below(n))
        } else {
            rng.below(n)
        } as usize;
        let day = match last_day[u] {
            Some(d) if rng.chance(0.4) => (d + rng.range(-2, 9)).clamp(base, base + span - 1),
            _ => base + rng.range(0, span - 1),
        };
        last_day[u] = Some(day);
        let column = match files[k].layout {
            Layout::Csv { .. } => TimeColumn::Text,
            Layout::Parquet { time, .. } => time,
        };
        let (text, cell) = gen_cell(rng, day, column, bad, digits);
        let id = (!rng.chance(bad / 2.0)).then(|| ids[u].clone());
        let event = if events { rng.pick(&EVENTS) } else { None };
        files[k].facts.push(Fact {
            id,
            text,
            cell,
            event,
        });
    }
    FactSet { files, events }
}

/// The local days of the facts with a readable time.
fn local_days(fs: &FactSet, zone: ModelZone) -> Vec<i32> {
    fs.facts().filter_map(|f| f.day(zone)).collect()
}

/// The options of a run without a snapshot in zone `tz`: `through` and
/// `report_from` around, inside and outside the facts' local days.
fn gen_options(rng: &mut Rng, fs: &FactSet, grain: Grain, tz: Option<&'static str>) -> Config {
    let days = local_days(fs, model_zone(tz));
    let lo = days.iter().copied().min().unwrap_or(ymd(2024, 1, 1));
    let hi = days.iter().copied().max().unwrap_or(lo);
    let span = hi - lo;
    let through = match rng.below(20) {
        // The naive model walks every period of every user: a daily run
        // over years mostly stops after a year (the rest is rejected).
        _ if grain == Grain::Day && span > 400 && rng.chance(0.85) => {
            Some(lo + rng.range(100, 400))
        }
        0..=8 => None,
        9..=17 => Some(hi + rng.range(-(span / 2), 12)),
        _ => Some(lo + rng.range(-4, 2)),
    };
    let t = through.unwrap_or(hi);
    let report_from = match rng.below(12) {
        0..=5 => None,
        6..=8 => Some((lo + rng.range(0, span)).min(t)),
        9 | 10 => Some(lo - rng.range(1, 20)),
        _ => Some(t - rng.range(-1, 10)),
    };
    let bad_rows = fs
        .facts()
        .any(|f| f.id.is_none() || !matches!(f.cell, Cell::At(_)));
    let fact_values = if fs.events && rng.chance(0.6) {
        Some(rng.pick(&FACT_VALUES).to_vec())
    } else if !fs.events && rng.chance(0.02) {
        Some(vec!["visit"])
    } else {
        None
    };
    let name = match fs.files.len() {
        1 => rng.chance(0.15).then_some("visits"),
        _ => rng.chance(0.96).then_some("visits"),
    };
    Config {
        grain,
        week_start: if rng.chance(0.15) {
            None
        } else {
            Some(rng.pick(&WEEKDAYS))
        },
        tz,
        through,
        report_from,
        // Facts with unreadable rows mostly run with a higher limit.
        max_rejected: if rng.chance(if bad_rows { 0.15 } else { 0.7 }) {
            None
        } else {
            Some(rng.pick(&[0.0, 0.05, 0.2, 0.5, 1.0, 1.0]))
        },
        fact_values,
        name,
        as_of: None,
        skip_overlap: false,
    }
}

/// Facts split around `as_of`: each fact keeps its file, the earlier
/// part the facts dated on or before `as_of` (and, with `leak`, some just
/// after), the later part the rest (and, with `overlap`, some of the
/// earlier ones); rows without a readable time go to either side.
fn split_facts(
    rng: &mut Rng,
    fs: &FactSet,
    zone: ModelZone,
    as_of: i32,
    leak: bool,
    overlap: bool,
) -> (FactSet, FactSet) {
    let mut earlier = fs.only(|_| false);
    let mut later = fs.only(|_| false);
    for (k, file) in fs.files.iter().enumerate() {
        for f in &file.facts {
            let side = rng.chance(0.5);
            let (to_earlier, to_later) = match f.day(zone) {
                None => (side, !side),
                Some(d) if d <= as_of => (true, overlap && side),
                Some(d) => (leak && side && d <= as_of + 5, true),
            };
            if to_earlier {
                earlier.files[k].facts.push(f.clone());
            }
            if to_later {
                later.files[k].facts.push(f.clone());
            }
        }
    }
    (earlier, later)
}

/// The options of a run resuming at `as_of` (`through` after it, mostly).
fn resumed_options(rng: &mut Rng, cfg: &mut Config, as_of: i32, hi: i32) {
    cfg.through = match rng.below(40) {
        0..=7 => None,
        8 => Some(as_of - rng.range(0, 3)),
        _ => Some((as_of + 1).max(hi + rng.range(-10, 10))),
    };
    cfg.report_from = match rng.below(20) {
        0..=15 => None,
        16..=18 => Some(as_of + rng.range(1, 10)),
        _ => Some(as_of - rng.range(0, 5)),
    };
}

/// A run of `fs` at `grain`: without a snapshot (60%), resuming from the
/// snapshot of a first run over the earlier facts (20%) or from a minimal
/// snapshot of them (20%).
fn gen_case(rng: &mut Rng, fs: &FactSet, grain: Grain) -> Case {
    let tz = rng.pick(&ZONES).0;
    let zone = model_zone(tz);
    let mut cfg = gen_options(rng, fs, grain, tz);
    let days = local_days(fs, zone);
    let lo = days.iter().copied().min().unwrap_or(ymd(2024, 1, 1));
    let hi = days.iter().copied().max().unwrap_or(lo);
    let mode = rng.below(100);
    if mode < 60 {
        return Case {
            facts: fs.clone(),
            cfg,
            resume: None,
        };
    }
    let overlap = rng.chance(0.15);
    cfg.skip_overlap = rng.chance(if overlap { 0.75 } else { 0.3 });
    if mode < 80 {
        // From the snapshot of a first run through as_of, in any grain.
        let as_of = if rng.chance(0.9) && hi > lo {
            rng.range(lo, hi - 1)
        } else {
            lo + rng.range(-2, 2)
        };
        let leak = rng.chance(0.1);
        let (history, later) = split_facts(rng, fs, zone, as_of, leak, overlap);
        let first = Config {
            grain: rng.pick(&Grain::ALL),
            through: Some(as_of),
            report_from: None,
            skip_overlap: false,
            ..cfg.clone()
        };
        // The run defaults to the snapshot's zone, week start and name;
        // now and then it states another (an error).
        cfg.tz = match rng.below(20) {
            0..=9 => None,
            10 => rng.pick(&ZONES).0,
            _ => tz,
        };
        cfg.week_start = match rng.below(20) {
            0..=9 => None,
            10 => Some(rng.pick(&WEEKDAYS)),
            _ => first.week_start,
        };
        cfg.name = match rng.below(20) {
            0..=12 => None,
            13 => Some("orders"),
            _ => first.name,
        };
        resumed_options(rng, &mut cfg, as_of, hi);
        return Case {
            facts: later,
            cfg,
            resume: Some(Resume::Full { first, history }),
        };
    }
    // From a minimal snapshot as of the end of a period (or, now and
    // then, a day that is not one: an error).
    let x = rng.range(lo, hi.max(lo));
    let ws = cfg.week_start.unwrap_or(Weekday::Monday);
    let as_of = if rng.chance(0.95) {
        ModelCalendar::new(grain, ws).end(x)
    } else {
        x
    };
    let (history, later) = split_facts(rng, fs, zone, as_of, false, overlap);
    let ints = history
        .facts()
        .filter_map(|f| f.id.as_deref())
        .all(|i| canonical_int(i).is_some());
    let parquet = rng.chance(0.5).then(|| ints && rng.chance(0.6));
    cfg.as_of = Some(as_of);
    resumed_options(rng, &mut cfg, as_of, hi);
    Case {
        facts: later,
        cfg,
        resume: Some(Resume::Minimal { history, parquet }),
    }
}
// ---------------------------------------------------------------------------
// The outputs, in a form both sides produce and failure messages can show.

#[derive(Clone, Debug, PartialEq)]
struct StateOut {
    user: String,
    period_start: Day,
    first_period: Day,
    values: StateCell,
}

#[derive(Clone, Debug, PartialEq)]
struct SummaryOut {
    period_start: Day,
    period_end: Day,
    complete: bool,
    active: u64,
    new: u64,
    retained: u64,
    reactivated: u64,
    churned: u64,
    dormant: u64,
    inactive: u64,
    total_users: u64,
    retention_rate: Option<f64>,
    churn_rate: Option<f64>,
    reactivation_rate: Option<f64>,
    quick_ratio: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
struct TransitionOut {
    period_start: Day,
    from: Option<State>,
    to: State,
    users: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct CohortOut {
    cohort: Day,
    period_start: Day,
    periods_since: u32,
    cohort_size: u64,
    active_users: u64,
    retention: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct GrainOut {
    previous_active_date: Option<Day>,
    streak: u32,
    active_periods: u32,
}

#[derive(Clone, Debug, PartialEq)]
struct SnapshotOut {
    user: String,
    first_active_date: Day,
    last_active_date: Day,
    daily: GrainOut,
    weekly: GrainOut,
    monthly: GrainOut,
}

#[derive(Clone, Debug, PartialEq)]
struct SnapshotMetaOut {
    as_of: Day,
    week_start: Weekday,
    timezone: String,
    fact: String,
    exact: bool,
}

#[derive(Clone, Debug, PartialEq)]
struct QualityOut {
    fact: String,
    grain: String,
    timezone: String,
    week_start: String,
    files: Vec<String>,
    snapshot: Option<String>,
    as_of: Option<String>,
    report_from: String,
    through: String,
    rows_read: u64,
    rows_used: u64,
    null_user: u64,
    null_time: u64,
    unparseable_time: u64,
    dated_on_or_before_as_of: u64,
    dated_after_through: u64,
    rejected_total: u64,
    rows_filtered_out: u64,
    duplicate_rows: u64,
    distinct_users: u64,
    new_users: u64,
    snapshot_users: u64,
    total_users: u64,
    min_local_date: Option<String>,
    max_local_date: Option<String>,
    snapshot_exact: Option<bool>,
    exact: bool,
    empty_days: Vec<String>,
}

#[derive(Clone, Debug)]
struct Outputs {
    fact: String,
    ids_are_int: bool,
    first_period: Day,
    last_period: Day,
    states: Vec<StateOut>,
    summary: Vec<SummaryOut>,
    transitions: Vec<TransitionOut>,
    cohorts: Vec<CohortOut>,
    snapshot: Vec<SnapshotOut>,
    snapshot_meta: SnapshotMetaOut,
    quality: QualityOut,
}

/// The nine transitions in the SPEC's order.
const NINE: [(Option<State>, State); 9] = [
    (None, State::New),
    (Some(State::New), State::Retained),
    (Some(State::New), State::Inactive),
    (Some(State::Retained), State::Retained),
    (Some(State::Retained), State::Inactive),
    (Some(State::Reactivated), State::Retained),
    (Some(State::Reactivated), State::Inactive),
    (Some(State::Inactive), State::Reactivated),
    (Some(State::Inactive), State::Inactive),
];

fn is_active(s: State) -> bool {
    s != State::Inactive
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    if d == 0 {
        None
    } else {
        Some(n as f64 / d as f64)
    }
}

// ---------------------------------------------------------------------------
// The naive model.

/// A user's history from a snapshot.
#[derive(Clone, Debug)]
struct Seed {
    id: String,
    first: i32,
    last: i32,
    /// The daily, weekly and monthly columns; `None` in a minimal snapshot,
    /// whose values follow SPEC section 5's rule ([`minimal_grains`]).
    grains: Option<[GrainOut; 3]>,
}

/// The snapshot a run resumes from, as the model sees it.
#[derive(Clone, Debug)]
struct SnapshotIn {
    name: String,
    /// The id column's type: integers, strings, or `None` for CSV.
    typed: Option<bool>,
    /// A full snapshot's metadata (`None` for a minimal one).
    meta: Option<SnapshotMetaOut>,
    users: Vec<Seed>,
}

/// SPEC section 5: a minimal snapshot's user has the shortest history
/// consistent with its dates: previous active date null, streak 1, active
/// periods 1 (first and last in one period) or 2; when they fall in
/// adjacent periods, a streak of 2 whose previous active date is the first.
fn minimal_grains(first: i32, last: i32, week_start: Weekday) -> [GrainOut; 3] {
    Grain::ALL.map(|g| {
        let c = ModelCalendar::new(g, week_start);
        let (pf, pl) = (c.start(first), c.start(last));
        let (previous_active_date, streak, active_periods) = if pf == pl {
            (None, 1, 1)
        } else if c.next(pf) == pl {
            (Some(Day(first)), 2, 2)
        } else {
            (None, 1, 2)
        };
        GrainOut {
            previous_active_date,
            streak,
            active_periods,
        }
    })
}

/// One user's state in one period (SPEC sections 2 and 3).
#[derive(Clone, Copy, Debug, PartialEq)]
struct StateCell {
    state: State,
    previous: Option<State>,
    streak: u32,
    inactive_streak: u32,
    gap: Option<u32>,
    churned_periods: Option<u32>,
    active_periods: u32,
    tenure: u32,
}

struct ModelUser {
    id: String,
    /// The first active period (the cohort).
    first: usize,
    active: Vec<bool>,
    cells: Vec<Option<StateCell>>,
}

/// The options resolved against the snapshot (SPEC sections 4 and 5).
struct Plan {
    zone: ModelZone,
    tz: String,
    week_start: Weekday,
    /// The week start of the snapshot's weekly columns.
    snapshot_week_start: Weekday,
    as_of: Option<i32>,
    fact: String,
}

fn stem(name: &str) -> String {
    name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
}

fn plan(fs: &FactSet, cfg: &Config, snap: Option<&SnapshotIn>) -> Result<Plan, Kind> {
    let meta = snap.and_then(|s| s.meta.as_ref());
    let tz = match (cfg.tz.map(|z| zone_display(Some(z))), meta) {
        (Some(z), Some(m)) if z != m.timezone => return Err(Kind::Usage),
        (Some(z), _) => z,
        (None, Some(m)) => m.timezone.clone(),
        (None, None) => zone_display(None),
    };
    let zone = ZONES
        .iter()
        .find(|z| zone_display(z.0) == tz)
        .expect("a zone of the cases")
        .1;
    let week_start = match (cfg.week_start, meta) {
        (Some(w), Some(m)) if cfg.grain == Grain::Week && w != m.week_start => {
            return Err(Kind::Usage)
        }
        (Some(w), _) => w,
        (None, Some(m)) => m.week_start,
        (None, None) => Weekday::Monday,
    };
    let as_of = match snap {
        None => None,
        Some(s) => match (cfg.as_of, &s.meta) {
            (Some(a), Some(m)) if a != m.as_of.0 => return Err(Kind::Usage),
            (_, Some(m)) => Some(m.as_of.0),
            (None, None) => return Err(Kind::Usage),
            (Some(a), None) => {
                // A minimal snapshot resumes at the end of a period.
                if ModelCalendar::new(cfg.grain, week_start).end(a) != a {
                    return Err(Kind::Usage);
                }
                Some(a)
            }
        },
    };
    let stored = meta.map(|m| m.fact.clone()).filter(|f| !f.is_empty());
    let fact = match (cfg.name, stored) {
        (Some(n), Some(s)) if n != s => return Err(Kind::Usage),
        (Some(n), _) => n.to_string(),
        (None, Some(s)) => s,
        (None, None) => match &cfg.fact_values {
            Some(v) => v.join("_"),
            None if fs.files.len() == 1 => stem(&fs.files[0].name),
            None => return Err(Kind::Usage),
        },
    };
    Ok(Plan {
        zone,
        tz,
        week_start,
        snapshot_week_start: meta.map_or(week_start, |m| m.week_start),
        as_of,
        fact,
    })
}

/// Whether the user ids are integers (SPEC section 7), or `None` when the
/// files (and the snapshot) hold them in conflicting types: a Parquet
/// column's type decides; CSV ids are integers only when every one is a
/// canonical integer and no column says otherwise.
fn ids_are_integers(fs: &FactSet, snap: Option<&SnapshotIn>) -> Option<bool> {
    let mut typed = Vec::new();
    let mut untyped: Vec<&str> = Vec::new();
    for file in &fs.files {
        match file.layout {
            Layout::Parquet { int_ids, .. } => typed.push(int_ids),
            Layout::Csv { .. } => untyped.extend(file.facts.iter().filter_map(|f| f.id.as_deref())),
        }
    }
    if let Some(s) = snap {
        match s.typed {
            Some(t) => typed.push(t),
            None => untyped.extend(s.users.iter().map(|u| u.id.as_str())),
        }
    }
    let canonical = untyped.iter().all(|i| canonical_int(i).is_some());
    match (typed.contains(&true), typed.contains(&false)) {
        (true, true) => None,
        (true, false) => canonical.then_some(true),
        (false, true) => Some(false),
        (false, false) => Some(canonical && !untyped.is_empty()),
    }
}

/// What a run keeps of its facts (SPEC sections 5-8).
struct Admitted {
    ints: bool,
    /// The used rows: user, local day, the time's microseconds.
    used: Vec<(String, i32, i64)>,
    rows_read: u64,
    null_user: u64,
    null_time: u64,
    unparseable: u64,
    filtered_out: u64,
    overlap: u64,
    after_through: u64,
    /// Days with any row with a readable time (any user, any fact value).
    days_seen: HashSet<i32>,
    range: Option<(i32, i32)>,
    through: i32,
    report_from: i32,
    earliest: i32,
}

fn day_range(rows: &[(String, i32, i64)]) -> Option<(i32, i32)> {
    let lo = rows.iter().map(|r| r.1).min()?;
    Some((lo, rows.iter().map(|r| r.1).max()?))
}

fn admit(
    fs: &FactSet,
    cfg: &Config,
    snap: Option<&SnapshotIn>,
    plan: &Plan,
) -> Result<Admitted, Kind> {
    // Reading: a missing fact column, an integer time in CSV.
    if cfg.fact_values.is_some() && !fs.events {
        return Err(Kind::Data);
    }
    let csv_digits = fs.files.iter().any(|f| {
        matches!(f.layout, Layout::Csv { .. }) && f.facts.iter().any(|x| x.cell == Cell::Digits)
    });
    if csv_digits {
        return Err(Kind::Data);
    }
    let (mut rows_read, mut null_user, mut null_time, mut unparseable, mut filtered_out) =
        (0, 0, 0, 0, 0);
    let mut days_seen = HashSet::new();
    let mut kept = Vec::new();
    for f in fs.facts() {
        rows_read += 1;
        if let Some(d) = f.day(plan.zone) {
            days_seen.insert(d);
        }
        match (&f.id, f.cell) {
            (None, _) => null_user += 1,
            (_, Cell::Null) => null_time += 1,
            (_, Cell::Garbage | Cell::Digits) => unparseable += 1,
            (Some(id), Cell::At(t)) => {
                let wanted = cfg
                    .fact_values
                    .as_ref()
                    .is_none_or(|v| f.event.is_some_and(|e| v.contains(&e)));
                if wanted {
                    kept.push((id.clone(), local_day(t, plan.zone), t.micros()));
                } else {
                    filtered_out += 1;
                }
            }
        }
    }
    // SPEC section 8: too many rejected rows fail the run.
    if rows_read == 0 && snap.is_none() {
        return Err(Kind::Data);
    }
    let rejected = null_user + null_time + unparseable;
    let limit = cfg.max_rejected.unwrap_or(0.01);
    if rejected > 0 && rejected as f64 > limit * rows_read as f64 {
        return Err(Kind::Data);
    }
    if rows_read > 0 && kept.is_empty() && filtered_out > 0 && snap.is_none() {
        return Err(Kind::Data);
    }
    let ints = ids_are_integers(fs, snap).ok_or(Kind::Data)?;
    let mut used = kept;
    let mut overlap = 0;
    if let Some(a) = plan.as_of {
        overlap = used.iter().filter(|r| r.1 <= a).count() as u64;
        if overlap > 0 && !cfg.skip_overlap {
            return Err(Kind::Data);
        }
        used.retain(|r| r.1 > a);
    }
    let mut after_through = 0;
    let through = match cfg.through {
        Some(t) => {
            let before = used.len();
            used.retain(|r| r.1 <= t);
            if used.is_empty() && before > 0 && plan.as_of.is_none() && cfg.report_from.is_none() {
                return Err(Kind::Data);
            }
            after_through = (before - used.len()) as u64;
            t
        }
        None => match day_range(&used) {
            Some((_, hi)) => hi,
            None if snap.is_some() => return Err(Kind::Usage),
            None => return Err(Kind::Data),
        },
    };
    let range = day_range(&used);
    if plan.as_of.is_some_and(|a| through <= a) {
        return Err(Kind::Usage);
    }
    let report_from = match (cfg.report_from, plan.as_of) {
        (Some(r), Some(a)) if r <= a => return Err(Kind::Usage),
        (Some(r), _) => r,
        (None, Some(a)) => a + 1,
        (None, None) => range.ok_or(Kind::Data)?.0,
    };
    if report_from > through {
        return Err(Kind::Usage);
    }
    let earliest = [
        range.map(|r| r.0),
        snap.and_then(|s| s.users.iter().map(|u| u.first).min()),
        Some(report_from),
    ]
    .into_iter()
    .flatten()
    .min()
    .expect("report_from");
    if through - earliest > 50 * 365 + 12 {
        return Err(Kind::Data);
    }
    Ok(Admitted {
        ints,
        used,
        rows_read,
        null_user,
        null_time,
        unparseable,
        filtered_out,
        overlap,
        after_through,
        days_seen,
        range,
        through,
        report_from,
        earliest,
    })
}

/// The snapshot columns of one grain after a run: from the seed's values
/// (or, for a new user, their first day as a history of one period) and
/// the run's active days, with plain loops over the calendar.
fn grain_after(
    c: &ModelCalendar,
    last0: i32,
    seed: GrainOut,
    days: &BTreeSet<i32>,
) -> (i32, GrainOut) {
    let last = days.iter().copied().chain([last0]).max().expect("a day");
    let (l0, l1) = (c.start(last0), c.start(last));
    if l1 == l0 {
        return (last, seed);
    }
    let periods: BTreeSet<i32> = days
        .iter()
        .map(|d| c.start(*d))
        .filter(|p| *p > l0)
        .collect();
    let previous_active_date = days
        .iter()
        .copied()
        .chain([last0])
        .filter(|d| c.start(*d) < l1)
        .max()
        .map(Day);
    let mut streak = 0;
    let mut q = l1;
    while q > l0 && periods.contains(&q) {
        streak += 1;
        q = c.start(q - 1);
    }
    if q == l0 {
        streak += seed.streak;
    }
    (
        last,
        GrainOut {
            previous_active_date,
            streak,
            active_periods: seed.active_periods + periods.len() as u32,
        },
    )
}

/// The model's outputs, or the kind of error the run must end in.
#[allow(clippy::needless_range_loop)] // deliberately naive: index every period
fn model(
    fs: &FactSet,
    cfg: &Config,
    snap: Option<&SnapshotIn>,
    rows: Rows,
) -> Result<Outputs, Kind> {
    let plan = plan(fs, cfg, snap)?;
    let ad = admit(fs, cfg, snap, &plan)?;
    let ws = plan.week_start;
    let seed_grains = |s: &Seed| {
        s.grains
            .unwrap_or_else(|| minimal_grains(s.first, s.last, plan.snapshot_week_start))
    };

    // Every user: the snapshot's and those with used rows, in output order.
    let mut by_user: BTreeMap<Key, (String, Option<&Seed>, BTreeSet<i32>)> = BTreeMap::new();
    for s in snap.map_or(&[][..], |s| &s.users[..]) {
        by_user.insert(
            user_key(&s.id, ad.ints),
            (s.id.clone(), Some(s), BTreeSet::new()),
        );
    }
    for (id, d, _) in &ad.used {
        by_user
            .entry(user_key(id, ad.ints))
            .or_insert_with(|| (id.clone(), None, BTreeSet::new()))
            .2
            .insert(*d);
    }

    // Every period from the earliest known day through `through`.
    let cal = ModelCalendar::new(cfg.grain, ws);
    let mut starts = Vec::new();
    let mut s = cal.start(ad.earliest);
    while s <= ad.through {
        starts.push(s);
        s = cal.next(s);
    }
    let index: HashMap<i32, usize> = starts.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let period = |d: i32| index[&cal.start(d)];
    let np = starts.len();
    let end_of = |p: usize| cal.next(starts[p]) - 1;
    let r0 = period(ad.report_from);
    let r1 = np - 1;
    let g = Grain::ALL
        .iter()
        .position(|x| *x == cfg.grain)
        .expect("a grain");

    let mut users: Vec<ModelUser> = Vec::new();
    for (id, seed, days) in by_user.values() {
        // The last known period and the user's state there: the seed's, or
        // the first active period's.
        let (first, last, streak0, active0, previous_day) = match seed {
            Some(s) => {
                let gr = seed_grains(s)[g];
                (
                    period(s.first),
                    period(s.last),
                    gr.streak,
                    gr.active_periods,
                    gr.previous_active_date.map(|d| d.0),
                )
            }
            None => {
                let f = period(*days.first().expect("a used day"));
                (f, f, 1, 1, None)
            }
        };
        let mut active = vec![false; np];
        active[first] = true;
        for q in (last + 1).saturating_sub(streak0 as usize)..=last {
            active[q] = true;
        }
        for d in days {
            active[period(*d)] = true;
        }
        let mut cells: Vec<Option<StateCell>> = vec![None; np];
        let state_with_streak = |q: usize, k: u32| {
            if q == first {
                State::New
            } else if k >= 2 {
                State::Retained
            } else {
                State::Reactivated
            }
        };
        let gap0 = if last == first {
            None
        } else if streak0 >= 2 {
            Some(1)
        } else {
            // The previous active date's period (a minimal snapshot's
            // shortest history has none between first and last).
            Some((last - previous_day.map_or(first, period)) as u32)
        };
        let state0 = state_with_streak(last, streak0);
        cells[last] = Some(StateCell {
            state: state0,
            previous: match (last == first, streak0 >= 2) {
                (true, _) => None,
                (false, true) => Some(state_with_streak(last - 1, streak0 - 1)),
                (false, false) => Some(State::Inactive),
            },
            streak: streak0,
            inactive_streak: 0,
            gap: gap0,
            churned_periods: (state0 == State::Reactivated).then(|| gap0.expect("a gap") - 1),
            active_periods: active0,
            tenure: (last - first) as u32,
        });
        for p in last + 1..np {
            let act = active[p];
            let state = if act && active[p - 1] {
                State::Retained
            } else if act {
                State::Reactivated
            } else {
                State::Inactive
            };
            let mut streak = 0;
            if act {
                let mut q = p;
                while q > last && active[q] {
                    streak += 1;
                    q -= 1;
                }
                if q == last {
                    streak += streak0;
                }
            }
            let mut inactive_streak = 0;
            if !act {
                let mut q = p;
                while !active[q] {
                    inactive_streak += 1;
                    q -= 1;
                }
            }
            let gap = act.then(|| {
                let q = (last..p)
                    .rev()
                    .find(|q| active[*q])
                    .expect("the last period");
                (p - q) as u32
            });
            cells[p] = Some(StateCell {
                state,
                previous: Some(cells[p - 1].expect("earlier cell").state),
                streak,
                inactive_streak,
                gap,
                churned_periods: (state == State::Reactivated).then(|| gap.expect("a gap") - 1),
                active_periods: active0 + (last + 1..=p).filter(|q| active[*q]).count() as u32,
                tenure: (p - first) as u32,
            });
        }
        users.push(ModelUser {
            id: id.clone(),
            first,
            active,
            cells,
        });
    }

    // States.
    let mut states = Vec::new();
    for p in r0..=r1 {
        for u in &users {
            let Some(c) = u.cells[p] else { continue };
            let emit = match rows {
                Rows::All => true,
                Rows::Changes => {
                    is_active(c.state)
                        || (c.state == State::Inactive && c.previous.is_some_and(is_active))
                }
            };
            if emit {
                states.push(StateOut {
                    user: u.id.clone(),
                    period_start: Day(starts[p]),
                    first_period: Day(starts[u.first]),
                    values: c,
                });
            }
        }
    }

    // Summary and transitions.
    let mut summary = Vec::new();
    let mut transitions = Vec::new();
    for p in r0..=r1 {
        let cells: Vec<StateCell> = users.iter().filter_map(|u| u.cells[p]).collect();
        let count = |st: State| cells.iter().filter(|c| c.state == st).count() as u64;
        let new = count(State::New);
        let retained = count(State::Retained);
        let reactivated = count(State::Reactivated);
        let churned = cells
            .iter()
            .filter(|c| c.state == State::Inactive && c.previous.is_some_and(is_active))
            .count() as u64;
        let dormant = cells
            .iter()
            .filter(|c| c.state == State::Inactive && c.previous == Some(State::Inactive))
            .count() as u64;
        let inactive = count(State::Inactive);
        let total_users = users.iter().filter(|u| u.first <= p).count() as u64;
        let (active_before, inactive_before) = if p == 0 {
            (0, 0)
        } else {
            let known: Vec<&ModelUser> = users.iter().filter(|u| u.first < p).collect();
            let a = known.iter().filter(|u| u.active[p - 1]).count() as u64;
            (a, known.len() as u64 - a)
        };
        summary.push(SummaryOut {
            period_start: Day(starts[p]),
            period_end: Day(end_of(p)),
            complete: end_of(p) <= ad.through,
            active: new + retained + reactivated,
            new,
            retained,
            reactivated,
            churned,
            dormant,
            inactive,
            total_users,
            retention_rate: ratio(retained, active_before),
            churn_rate: ratio(churned, active_before),
            reactivation_rate: ratio(reactivated, inactive_before),
            quick_ratio: ratio(new + reactivated, churned),
        });
        for (from, to) in NINE {
            transitions.push(TransitionOut {
                period_start: Day(starts[p]),
                from,
                to,
                users: cells
                    .iter()
                    .filter(|c| c.previous == from && c.state == to)
                    .count() as u64,
            });
        }
    }

    // Cohorts.
    let mut members: BTreeMap<usize, Vec<&ModelUser>> = BTreeMap::new();
    for u in &users {
        members.entry(u.first).or_default().push(u);
    }
    let mut cohorts = Vec::new();
    for p in r0..=r1 {
        for (&c, list) in members.range(..=p) {
            let active_users = list.iter().filter(|u| u.active[p]).count() as u64;
            cohorts.push(CohortOut {
                cohort: Day(starts[c]),
                period_start: Day(starts[p]),
                periods_since: (p - c) as u32,
                cohort_size: list.len() as u64,
                active_users,
                retention: active_users as f64 / list.len() as f64,
            });
        }
    }

    // Snapshot (SPEC section 5): every grain, weeks of the snapshot's
    // week start.
    let snapshot = by_user
        .values()
        .map(|(id, seed, days)| {
            let (first, last0, grains0) = match seed {
                Some(s) => (s.first, s.last, seed_grains(s)),
                None => {
                    let d = *days.first().expect("a used day");
                    let one = GrainOut {
                        previous_active_date: None,
                        streak: 1,
                        active_periods: 1,
                    };
                    (d, d, [one; 3])
                }
            };
            let mut last = last0;
            let grains: Vec<GrainOut> = Grain::ALL
                .iter()
                .zip(grains0)
                .map(|(g, g0)| {
                    let w = if *g == Grain::Week {
                        plan.snapshot_week_start
                    } else {
                        ws
                    };
                    let (l, out) = grain_after(&ModelCalendar::new(*g, w), last0, g0, days);
                    last = l;
                    out
                })
                .collect();
            SnapshotOut {
                user: id.clone(),
                first_active_date: Day(first),
                last_active_date: Day(last),
                daily: grains[0],
                weekly: grains[1],
                monthly: grains[2],
            }
        })
        .collect();

    // Quality report (SPEC section 6).
    let snapshot_exact = snap.map(|s| s.meta.as_ref().is_some_and(|m| m.exact));
    let distinct_rows: HashSet<(&str, i64)> = ad.used.iter().map(|r| (r.0.as_str(), r.2)).collect();
    let active_users: HashSet<&str> = ad.used.iter().map(|r| r.0.as_str()).collect();
    let snapshot_users = snap.map_or(0, |s| s.users.len() as u64);
    let total_users = by_user.len() as u64;
    let quality = QualityOut {
        fact: plan.fact.clone(),
        grain: cfg.grain.as_str().into(),
        timezone: plan.tz.clone(),
        week_start: ws.to_string(),
        files: fs.files.iter().map(|f| f.name.clone()).collect(),
        snapshot: snap.map(|s| s.name.clone()),
        as_of: plan.as_of.map(format_day),
        report_from: format_day(ad.report_from),
        through: format_day(ad.through),
        rows_read: ad.rows_read,
        rows_used: ad.used.len() as u64,
        null_user: ad.null_user,
        null_time: ad.null_time,
        unparseable_time: ad.unparseable,
        dated_on_or_before_as_of: ad.overlap,
        dated_after_through: ad.after_through,
        rejected_total: ad.null_user
            + ad.null_time
            + ad.unparseable
            + ad.overlap
            + ad.after_through,
        rows_filtered_out: ad.filtered_out,
        duplicate_rows: (ad.used.len() - distinct_rows.len()) as u64,
        distinct_users: active_users.len() as u64,
        new_users: total_users - snapshot_users,
        snapshot_users,
        total_users,
        min_local_date: ad.range.map(|r| format_day(r.0)),
        max_local_date: ad.range.map(|r| format_day(r.1)),
        snapshot_exact,
        exact: snapshot_exact.unwrap_or(true),
        empty_days: (ad.report_from..=ad.through)
            .filter(|d| !ad.days_seen.contains(d))
            .map(format_day)
            .collect(),
    };

    Ok(Outputs {
        fact: plan.fact.clone(),
        ids_are_int: ad.ints,
        first_period: Day(starts[r0]),
        last_period: Day(starts[r1]),
        states,
        summary,
        transitions,
        cohorts,
        snapshot,
        snapshot_meta: SnapshotMetaOut {
            as_of: Day(ad.through),
            week_start: plan.snapshot_week_start,
            timezone: plan.tz.clone(),
            fact: plan.fact,
            exact: snapshot_exact.unwrap_or(true),
        },
        quality,
    })
}

// ---------------------------------------------------------------------------
// The engine's side.

fn engine_outputs(a: &Activation) -> Outputs {
    let cal = a.calendar;
    let ids = a.ids();
    let day = |p: i32| Day(cal.start(p));
    let states = a
        .states
        .iter()
        .map(|r| StateOut {
            user: ids.display(r.user),
            period_start: day(r.period),
            first_period: day(r.first_period),
            values: StateCell {
                state: r.state,
                previous: r.previous,
                streak: r.streak,
                inactive_streak: r.inactive_streak,
                gap: r.gap.map(|g| g.get()),
                churned_periods: r.churned_periods.map(|g| g.get()),
                active_periods: r.active_periods,
                tenure: r.tenure,
            },
        })
        .collect();
    let summary = a
        .aggregates
        .summary
        .iter()
        .map(|s| SummaryOut {
            period_start: Day(s.period_start),
            period_end: Day(s.period_end),
            complete: s.complete,
            active: s.active,
            new: s.new,
            retained: s.retained,
            reactivated: s.reactivated,
            churned: s.churned,
            dormant: s.dormant,
            inactive: s.inactive,
            total_users: s.total_users,
            retention_rate: s.retention_rate,
            churn_rate: s.churn_rate,
            reactivation_rate: s.reactivation_rate,
            quick_ratio: s.quick_ratio,
        })
        .collect();
    let transitions = a
        .aggregates
        .transitions
        .iter()
        .map(|t| TransitionOut {
            period_start: day(t.period),
            from: t.from,
            to: t.to,
            users: t.users,
        })
        .collect();
    let cohorts = a
        .aggregates
        .cohorts
        .iter()
        .map(|c| CohortOut {
            cohort: day(c.cohort),
            period_start: day(c.period),
            periods_since: c.periods_since,
            cohort_size: c.cohort_size,
            active_users: c.active_users,
            retention: c.retention,
        })
        .collect();
    let snap = &a.snapshot;
    let snapshot = snap
        .ids
        .sorted_order()
        .into_iter()
        .map(|u| {
            let h = &snap.users[u as usize];
            let g = |i: usize| GrainOut {
                previous_active_date: h.grains[i].previous_active_date.map(Day),
                streak: h.grains[i].streak,
                active_periods: h.grains[i].active_periods,
            };
            SnapshotOut {
                user: snap.ids.display(u),
                first_active_date: Day(h.first_active_date),
                last_active_date: Day(h.last_active_date),
                daily: g(0),
                weekly: g(1),
                monthly: g(2),
            }
        })
        .collect();
    let q = &a.quality;
    let quality = QualityOut {
        fact: q.fact.clone(),
        grain: q.grain.clone(),
        timezone: q.timezone.clone(),
        week_start: q.week_start.clone(),
        files: q.files.clone(),
        snapshot: q.snapshot.clone(),
        as_of: q.as_of.clone(),
        report_from: q.report_from.clone(),
        through: q.through.clone(),
        rows_read: q.rows_read,
        rows_used: q.rows_used,
        null_user: q.rows_rejected.null_user,
        null_time: q.rows_rejected.null_time,
        unparseable_time: q.rows_rejected.unparseable_time,
        dated_on_or_before_as_of: q.rows_rejected.dated_on_or_before_as_of,
        dated_after_through: q.rows_rejected.dated_after_through,
        rejected_total: q.rows_rejected.total(),
        rows_filtered_out: q.rows_filtered_out,
        duplicate_rows: q.duplicate_rows,
        distinct_users: q.distinct_users,
        new_users: q.new_users,
        snapshot_users: q.snapshot_users,
        total_users: q.total_users,
        min_local_date: q.min_local_date.clone(),
        max_local_date: q.max_local_date.clone(),
        snapshot_exact: q.snapshot_exact,
        exact: q.exact,
        empty_days: q.empty_days.clone(),
    };
    Outputs {
        fact: a.fact.clone(),
        ids_are_int: ids.is_int(),
        first_period: day(a.first_period()),
        last_period: day(a.last_period()),
        states,
        summary,
        transitions,
        cohorts,
        snapshot,
        snapshot_meta: SnapshotMetaOut {
            as_of: Day(snap.meta.as_of),
            week_start: snap.meta.week_start,
            timezone: snap.meta.timezone.name(),
            fact: snap.meta.fact.clone(),
            exact: snap.meta.exact,
        },
        quality,
    }
}

// ---------------------------------------------------------------------------
// Comparison and properties.

fn diff_rows<T: PartialEq + fmt::Debug>(
    what: &str,
    model: &[T],
    engine: &[T],
) -> Result<(), String> {
    let n = model.len().min(engine.len());
    for i in 0..n {
        if model[i] != engine[i] {
            let before = if i > 0 {
                format!("\n  (row {} agrees: {:?})", i - 1, model[i - 1])
            } else {
                String::new()
            };
            return Err(format!(
                "{what}: first difference at row {i} (model {} rows, engine {} rows):\n  model:  {:?}\n  engine: {:?}{before}",
                model.len(),
                engine.len(),
                model[i],
                engine[i]
            ));
        }
    }
    if model.len() != engine.len() {
        let extra = if model.len() > n {
            format!("model has {:?}", model[n])
        } else {
            format!("engine has {:?}", engine[n])
        };
        return Err(format!(
            "{what}: model {} rows, engine {} rows; the first {n} agree; then the {extra}",
            model.len(),
            engine.len()
        ));
    }
    Ok(())
}

fn compare(model: &Outputs, engine: &Outputs) -> Result<(), String> {
    if model.fact != engine.fact {
        return Err(format!(
            "fact: model {:?}, engine {:?}",
            model.fact, engine.fact
        ));
    }
    if model.ids_are_int != engine.ids_are_int {
        return Err(format!(
            "id type: model says integer ids = {}, engine {}",
            model.ids_are_int, engine.ids_are_int
        ));
    }
    if (model.first_period, model.last_period) != (engine.first_period, engine.last_period) {
        return Err(format!(
            "reported periods: model {:?}..={:?}, engine {:?}..={:?}",
            model.first_period, model.last_period, engine.first_period, engine.last_period
        ));
    }
    diff_rows("summary", &model.summary, &engine.summary)?;
    diff_rows("states", &model.states, &engine.states)?;
    diff_rows("transitions", &model.transitions, &engine.transitions)?;
    diff_rows("cohorts", &model.cohorts, &engine.cohorts)?;
    diff_rows("snapshot", &model.snapshot, &engine.snapshot)?;
    if model.snapshot_meta != engine.snapshot_meta {
        return Err(format!(
            "snapshot metadata:\n  model:  {:?}\n  engine: {:?}",
            model.snapshot_meta, engine.snapshot_meta
        ));
    }
    if model.quality != engine.quality {
        return Err(format!(
            "quality report:\n  model:  {:?}\n  engine: {:?}",
            model.quality, engine.quality
        ));
    }
    Ok(())
}

macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err(format!($($arg)*));
        }
    };
}

/// The identities of SPEC sections 2-4, on the engine's outputs alone.
fn check_properties(a: &Activation, rows: Rows) -> Result<(), String> {
    let cal = a.calendar;
    let sum = &a.aggregates.summary;
    let n = (a.last_period() - a.first_period() + 1) as usize;
    let d = |p: i32| format_day(cal.start(p));
    ensure!(
        sum.len() == n,
        "summary has {} rows for {n} reported periods",
        sum.len()
    );
    for (i, s) in sum.iter().enumerate() {
        let p = a.first_period() + i as i32;
        let at = d(p);
        ensure!(
            s.period == p && s.period_start == cal.start(p) && s.period_end == cal.end(p),
            "summary row {i}: period {} {}..{} for period {p} ({at})",
            s.period,
            format_day(s.period_start),
            format_day(s.period_end)
        );
        ensure!(
            s.active == s.new + s.retained + s.reactivated,
            "{at}: active {} != new {} + retained {} + reactivated {}",
            s.active,
            s.new,
            s.retained,
            s.reactivated
        );
        ensure!(
            s.total_users == s.active + s.inactive,
            "{at}: total_users {} != active {} + inactive {}",
            s.total_users,
            s.active,
            s.inactive
        );
        ensure!(
            s.inactive == s.churned + s.dormant,
            "{at}: inactive {} != churned {} + dormant {}",
            s.inactive,
            s.churned,
            s.dormant
        );
        let active_before = s.retained + s.churned;
        ensure!(
            s.total_users >= s.new + active_before,
            "{at}: total_users {} < new {} + retained {} + churned {}",
            s.total_users,
            s.new,
            s.retained,
            s.churned
        );
        let inactive_before = s.total_users - s.new - active_before;
        if i > 0 {
            let q = &sum[i - 1];
            ensure!(
                q.active == active_before,
                "{at}: active(p-1) {} != retained {} + churned {}",
                q.active,
                s.retained,
                s.churned
            );
            ensure!(
                s.total_users == q.total_users + s.new,
                "{at}: total_users {} != total_users(p-1) {} + new {}",
                s.total_users,
                q.total_users,
                s.new
            );
            ensure!(
                q.inactive == s.reactivated + s.dormant,
                "{at}: inactive(p-1) {} != reactivated {} + dormant {}",
                q.inactive,
                s.reactivated,
                s.dormant
            );
        }
        ensure!(
            s.retention_rate == ratio(s.retained, active_before)
                && s.churn_rate == ratio(s.churned, active_before)
                && s.reactivation_rate == ratio(s.reactivated, inactive_before)
                && s.quick_ratio == ratio(s.new + s.reactivated, s.churned),
            "{at}: rates {:?} disagree with the counts {:?}",
            (
                s.retention_rate,
                s.churn_rate,
                s.reactivation_rate,
                s.quick_ratio
            ),
            s
        );
    }

    // Transitions: nine per period, in order, summing to the summary.
    let tr = &a.aggregates.transitions;
    ensure!(
        tr.len() == 9 * n,
        "{} transition rows for {n} periods",
        tr.len()
    );
    for (i, s) in sum.iter().enumerate() {
        let t = &tr[9 * i..9 * i + 9];
        for (k, row) in t.iter().enumerate() {
            ensure!(
                row.period == s.period && (row.from, row.to) == NINE[k],
                "transition row {} is {:?}, expected period {} {:?}",
                9 * i + k,
                row,
                d(s.period),
                NINE[k]
            );
        }
        let u = |k: usize| t[k].users;
        let at = d(s.period);
        ensure!(
            u(0) == s.new,
            "{at}: transition new {} != new {}",
            u(0),
            s.new
        );
        ensure!(
            u(1) + u(3) + u(5) == s.retained,
            "{at}: *_to_retained {} != retained {}",
            u(1) + u(3) + u(5),
            s.retained
        );
        ensure!(
            u(2) + u(4) + u(6) == s.churned,
            "{at}: *_to_inactive {} != churned {}",
            u(2) + u(4) + u(6),
            s.churned
        );
        ensure!(
            u(7) == s.reactivated,
            "{at}: inactive_to_reactivated {} != reactivated {}",
            u(7),
            s.reactivated
        );
        ensure!(
            u(8) == s.dormant,
            "{at}: inactive_to_inactive {} != dormant {}",
            u(8),
            s.dormant
        );
    }

    // Cohorts.
    let co = &a.aggregates.cohorts;
    let mut sizes: HashMap<i32, u64> = HashMap::new();
    let mut j = 0;
    for s in sum {
        let at = d(s.period);
        let (mut size_sum, mut active_sum) = (0, 0);
        let mut last_cohort = None;
        while j < co.len() && co[j].period == s.period {
            let c = &co[j];
            ensure!(
                c.cohort <= c.period && last_cohort.is_none_or(|l| l < c.cohort),
                "{at}: cohort rows out of order or after the period: {c:?}"
            );
            ensure!(
                c.periods_since == (c.period - c.cohort) as u32
                    && c.cohort_size > 0
                    && c.active_users <= c.cohort_size
                    && c.retention == c.active_users as f64 / c.cohort_size as f64,
                "{at}: inconsistent cohort row {c:?}"
            );
            ensure!(
                *sizes.entry(c.cohort).or_insert(c.cohort_size) == c.cohort_size,
                "cohort {} changes size: {c:?}",
                d(c.cohort)
            );
            last_cohort = Some(c.cohort);
            size_sum += c.cohort_size;
            active_sum += c.active_users;
            j += 1;
        }
        ensure!(
            size_sum == s.total_users,
            "{at}: cohort sizes sum to {size_sum}, total_users {}",
            s.total_users
        );
        ensure!(
            active_sum == s.active,
            "{at}: cohort active users sum to {active_sum}, active {}",
            s.active
        );
    }
    ensure!(
        j == co.len(),
        "cohort rows left over after the last period: {:?}",
        co.get(j)
    );

    // States: order, per-row rules, per-period counts.
    let order = a.ids().sorted_order();
    let mut rank = vec![0usize; order.len()];
    for (k, u) in order.iter().enumerate() {
        rank[*u as usize] = k;
    }
    let st = &a.states;
    let mut seen: HashMap<(u32, i32), State> = HashMap::new();
    let mut counts: HashMap<i32, [u64; 6]> = HashMap::new();
    let all_rows: Vec<_> = st.iter().collect();
    ensure!(all_rows.len() == st.len(), "len() disagrees with the rows");
    for (i, &r) in all_rows.iter().enumerate() {
        let at = format!(
            "state row {i} ({} {})",
            a.ids().display(r.user),
            d(r.period)
        );
        ensure!(
            r.period >= a.first_period() && r.period <= a.last_period(),
            "{at}: outside the reported periods"
        );
        if i > 0 {
            let q = all_rows[i - 1];
            ensure!(
                (q.period, rank[q.user as usize]) < (r.period, rank[r.user as usize]),
                "{at}: not ordered by period then user id after {}",
                a.ids().display(q.user)
            );
        }
        ensure!(
            r.tenure as i64 == i64::from(r.period - r.first_period),
            "{at}: tenure {} for first period {}",
            r.tenure,
            d(r.first_period)
        );
        ensure!(
            r.active_periods >= 1 && r.active_periods <= r.tenure + 1,
            "{at}: active_periods {} with tenure {}",
            r.active_periods,
            r.tenure
        );
        ensure!(
            (r.previous.is_none()) == (r.state == State::New),
            "{at}: previous {:?} on a {:?} row",
            r.previous,
            r.state
        );
        ensure!(
            r.churned_periods.is_some() == (r.state == State::Reactivated),
            "{at}: churned_periods {:?} on a {:?} row",
            r.churned_periods,
            r.state
        );
        let gap = r.gap.map(|g| g.get());
        match r.state {
            State::New => ensure!(
                r.tenure == 0
                    && r.streak == 1
                    && r.inactive_streak == 0
                    && gap.is_none()
                    && r.active_periods == 1,
                "{at}: bad new row {r:?}"
            ),
            State::Retained => ensure!(
                gap == Some(1)
                    && r.previous.is_some_and(is_active)
                    && r.streak >= 2
                    && r.inactive_streak == 0
                    && r.streak <= r.active_periods,
                "{at}: bad retained row {r:?}"
            ),
            State::Reactivated => ensure!(
                gap.is_some_and(|g| g >= 2)
                    && r.churned_periods.map(|c| c.get() + 1) == gap
                    && r.previous == Some(State::Inactive)
                    && r.streak == 1
                    && r.inactive_streak == 0,
                "{at}: bad reactivated row {r:?}"
            ),
            State::Inactive => ensure!(
                r.streak == 0
                    && r.inactive_streak >= 1
                    && gap.is_none()
                    && (r.inactive_streak == 1) == r.previous.is_some_and(is_active),
                "{at}: bad inactive row {r:?}"
            ),
        }
        if rows == Rows::Changes {
            ensure!(
                is_active(r.state) || r.previous.is_some_and(is_active),
                "{at}: a dormant row with rows = changes"
            );
        }
        if let (Some(prev), Some(q)) = (r.previous, seen.get(&(r.user, r.period - 1))) {
            ensure!(
                *q == prev,
                "{at}: previous {prev:?} but the row of the period before says {q:?}"
            );
        }
        if rows == Rows::All && r.period > a.first_period() && r.state != State::New {
            ensure!(
                seen.contains_key(&(r.user, r.period - 1)),
                "{at}: rows = all, but the user has no row in the period before"
            );
        }
        seen.insert((r.user, r.period), r.state);
        let c = counts.entry(r.period).or_default();
        c[0] += 1;
        c[1] += u64::from(r.state == State::New);
        c[2] += u64::from(r.state == State::Retained);
        c[3] += u64::from(r.state == State::Reactivated);
        c[4] += u64::from(r.state == State::Inactive && r.previous.is_some_and(is_active));
        c[5] += u64::from(r.state == State::Inactive && r.previous == Some(State::Inactive));
    }
    for s in sum {
        let c = counts.get(&s.period).copied().unwrap_or_default();
        let expected_rows = match rows {
            Rows::All => s.total_users,
            Rows::Changes => s.active + s.churned,
        };
        let dormant = match rows {
            Rows::All => s.dormant,
            Rows::Changes => 0,
        };
        ensure!(
            c == [expected_rows, s.new, s.retained, s.reactivated, s.churned, dormant],
            "{}: state rows [rows, new, retained, reactivated, churned, dormant] = {c:?}, summary says {:?}",
            d(s.period),
            [expected_rows, s.new, s.retained, s.reactivated, s.churned, dormant]
        );
    }
    Ok(())
}

/// `rows = changes` and `rows = all` differ only in the dormant state rows.
fn check_modes_agree(changes: &Activation, all: &Activation) -> Result<(), String> {
    ensure!(
        changes.aggregates == all.aggregates,
        "the aggregates differ between rows = changes and rows = all"
    );
    ensure!(
        changes.snapshot == all.snapshot,
        "the snapshot differs between rows = changes and rows = all"
    );
    ensure!(
        changes.quality == all.quality,
        "the quality report differs between rows = changes and rows = all"
    );
    let filtered: Vec<_> = all
        .states
        .iter()
        .filter(|r| is_active(r.state) || r.previous.is_some_and(is_active))
        .collect();
    let got: Vec<_> = changes.states.iter().collect();
    diff_rows(
        "rows = all filtered to changes vs rows = changes",
        &filtered,
        &got,
    )
}

/// How the engine ended a run that gave no result.
#[derive(Debug)]
enum Failure {
    Error(Kind, String),
    Panic(String),
}

fn run_engine(
    files: &[InputFile],
    snapshot: Option<&InputFile>,
    cfg: &Config,
    rows: Rows,
) -> Result<Activation, Failure> {
    let mut o = RunOptions::new(cfg.grain);
    o.week_start = cfg.week_start;
    o.timezone = cfg.tz.map(|z| z.parse::<Zone>().expect("a valid zone"));
    o.through = cfg.through;
    o.report_from = cfg.report_from;
    o.rows = rows;
    if let Some(m) = cfg.max_rejected {
        o.max_rejected = m;
    }
    if let Some(values) = &cfg.fact_values {
        o.facts.fact_column = Some("event".into());
        o.facts.fact_values = values.iter().map(|v| v.to_string()).collect();
    }
    o.name = cfg.name.map(str::to_string);
    o.as_of = cfg.as_of;
    o.skip_overlap = cfg.skip_overlap;
    match catch_unwind(AssertUnwindSafe(|| run(files, snapshot, &o))) {
        Ok(Ok(a)) => Ok(a),
        Ok(Err(e)) => Err(Failure::Error(e.kind(), e.to_string())),
        Err(p) => Err(Failure::Panic(
            activation_layer::error::panic_message(p.as_ref()).to_string(),
        )),
    }
}

/// The first and last active dates of each user in `history` dated on or
/// before `as_of`: the minimal snapshot a warehouse would keep.
fn minimal_rows(history: &FactSet, cfg: &Config, as_of: i32) -> Vec<(String, i32, i32)> {
    let zone = model_zone(cfg.tz);
    let mut m: BTreeMap<String, (i32, i32)> = BTreeMap::new();
    for f in history.facts() {
        let (Some(id), Some(d)) = (&f.id, f.day(zone)) else {
            continue;
        };
        let wanted = cfg
            .fact_values
            .as_ref()
            .is_none_or(|v| f.event.is_some_and(|e| v.contains(&e)));
        if wanted && d <= as_of {
            let e = m.entry(id.clone()).or_insert((d, d));
            e.0 = e.0.min(d);
            e.1 = e.1.max(d);
        }
    }
    m.into_iter().map(|(u, (f, l))| (u, f, l)).collect()
}

/// A minimal snapshot file: `user_id, first_active_date, last_active_date`
/// as CSV, or as Parquet with integer or string ids and Date32 dates.
fn minimal_file(rows: &[(String, i32, i32)], parquet: Option<bool>) -> InputFile {
    let Some(int_ids) = parquet else {
        let mut s = String::from("user_id,first_active_date,last_active_date\n");
        for (u, f, l) in rows {
            s.push_str(&format!(
                "{},{},{}\n",
                quote(u, b','),
                format_day(*f),
                format_day(*l)
            ));
        }
        return InputFile::bytes("minimal.csv", s.into_bytes());
    };
    let ids: ArrayRef = if int_ids {
        Arc::new(
            rows.iter()
                .map(|r| canonical_int(&r.0))
                .collect::<Int64Array>(),
        )
    } else {
        Arc::new(
            rows.iter()
                .map(|r| Some(r.0.as_str()))
                .collect::<StringArray>(),
        )
    };
    let dates = |i: usize| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|r| Some(if i == 0 { r.1 } else { r.2 }))
                .collect::<Date32Array>(),
        )
    };
    let batch = RecordBatch::try_from_iter([
        ("user_id", ids),
        ("first_active_date", dates(0)),
        ("last_active_date", dates(1)),
    ])
    .expect("a batch");
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), None).expect("a writer");
    w.write(&batch).expect("written");
    w.close().expect("closed");
    InputFile::bytes("minimal.parquet", out)
}

/// What one case gave, for the coverage counts.
#[derive(Clone, Debug, PartialEq)]
enum CaseKind {
    /// Both row modes ran and agreed with the model; what the run covered.
    Ran(Vec<String>),
    /// The run failed as the model said it must, with this kind.
    Error(Kind),
}

/// One side against the other: the same outputs, or the same kind of error.
fn judge(
    what: &str,
    want: Result<Outputs, Kind>,
    got: Result<Activation, Failure>,
    rows: Rows,
) -> Result<Option<(Outputs, Activation)>, String> {
    match (want, got) {
        (_, Err(Failure::Panic(m))) => Err(format!("{what}: the engine panicked: {m}")),
        (Err(k), Err(Failure::Error(kind, _))) if k == kind => Ok(None),
        (Err(k), Err(Failure::Error(kind, msg))) => Err(format!(
            "{what}: the model expects a {k:?} error, the engine failed with a {kind:?} error: {msg}"
        )),
        (Err(k), Ok(a)) => Err(format!(
            "{what}: the model expects a {k:?} error, but the engine reported {} periods and {} state rows",
            a.aggregates.summary.len(),
            a.states.len()
        )),
        (Ok(_), Err(Failure::Error(kind, msg))) => {
            Err(format!("{what}: the engine failed ({kind:?}): {msg}"))
        }
        (Ok(m), Ok(a)) => {
            compare(&m, &engine_outputs(&a)).map_err(|e| format!("{what}: {e}"))?;
            check_properties(&a, rows).map_err(|e| format!("{what}: property: {e}"))?;
            Ok(Some((m, a)))
        }
    }
}

/// Runs a case (its first run too, when it resumes from a full snapshot)
/// in both row modes against the model.
fn check_case(case: &Case) -> Result<CaseKind, String> {
    let cfg = &case.cfg;
    let mut covered = Vec::new();
    let (snapshot, seeds) = match &case.resume {
        None => {
            covered.push("resume=none".to_string());
            (None, None)
        }
        Some(Resume::Full { first, history }) => {
            let want = model(history, first, None, Rows::Changes);
            let got = run_engine(&history.inputs(), None, first, Rows::Changes);
            let Some((m, a)) = judge("the first run", want.clone(), got, Rows::Changes)? else {
                return Ok(CaseKind::Error(want.expect_err("an error")));
            };
            let bytes = table_bytes(&a, TableKind::Snapshot, OutputFormat::Parquet)
                .map_err(|e| format!("writing the first run's snapshot: {e}"))?;
            covered.push("resume=full".to_string());
            let seeds = SnapshotIn {
                name: "snapshot.parquet".into(),
                typed: Some(m.ids_are_int),
                meta: Some(m.snapshot_meta.clone()),
                users: m
                    .snapshot
                    .iter()
                    .map(|s| Seed {
                        id: s.user.clone(),
                        first: s.first_active_date.0,
                        last: s.last_active_date.0,
                        grains: Some([s.daily, s.weekly, s.monthly]),
                    })
                    .collect(),
            };
            (
                Some(InputFile::bytes("snapshot.parquet", bytes)),
                Some(seeds),
            )
        }
        Some(Resume::Minimal { history, parquet }) => {
            let as_of = cfg.as_of.expect("a minimal snapshot's as_of");
            let rows = minimal_rows(history, cfg, as_of);
            let file = minimal_file(&rows, *parquet);
            covered.push("resume=minimal".to_string());
            let ws = cfg.week_start.unwrap_or(Weekday::Monday);
            for g in Grain::ALL {
                let c = ModelCalendar::new(g, ws);
                if rows.iter().any(|r| c.next(c.start(r.1)) == c.start(r.2)) {
                    covered.push(format!("minimal_adjacent={g}"));
                }
            }
            let seeds = SnapshotIn {
                name: file.name.clone(),
                typed: *parquet,
                meta: None,
                users: rows
                    .iter()
                    .map(|(u, f, l)| Seed {
                        id: u.clone(),
                        first: *f,
                        last: *l,
                        grains: None,
                    })
                    .collect(),
            };
            (Some(file), Some(seeds))
        }
    };
    let inputs = case.facts.inputs();
    let mut done = Vec::new();
    let mut failed = None;
    for rows in [Rows::Changes, Rows::All] {
        let want = model(&case.facts, cfg, seeds.as_ref(), rows);
        let kind = want.as_ref().err().copied();
        let got = run_engine(&inputs, snapshot.as_ref(), cfg, rows);
        match judge(&format!("rows={rows:?}"), want, got, rows)? {
            Some(pair) => done.push(pair),
            None => failed = kind,
        }
    }
    match (done.as_slice(), failed) {
        ([(m, changes), (_, all)], None) => {
            check_modes_agree(changes, all)?;
            let q = &m.quality;
            covered.extend([
                format!("grain={}", cfg.grain),
                format!("tz={}", q.timezone),
                format!("week_start={}", q.week_start),
                format!("through={}", cfg.through.is_some()),
                format!("report_from={}", cfg.report_from.is_some()),
                format!("int_ids={}", m.ids_are_int),
                format!("files={}", case.facts.files.len()),
                format!("filter={}", cfg.fact_values.is_some()),
            ]);
            for f in &case.facts.files {
                if let Layout::Parquet { time, int_ids, .. } = f.layout {
                    covered.push(format!("parquet_time={time:?}"));
                    covered.push(format!("parquet_int_ids={int_ids}"));
                }
            }
            for (key, n) in [
                ("null_user", q.null_user),
                ("null_time", q.null_time),
                ("unparseable_time", q.unparseable_time),
                ("filtered_out", q.rows_filtered_out),
                ("overlap_skipped", q.dated_on_or_before_as_of),
                ("after_through", q.dated_after_through),
                ("duplicates", q.duplicate_rows),
            ] {
                if n > 0 {
                    covered.push(key.to_string());
                }
            }
            if (q.rows_rejected_before_limit() as f64) > 0.01 * q.rows_read as f64 {
                covered.push("rejected_over_1%".into());
            }
            let first = m.summary.first().expect("a period").period_start.0;
            if ymd_diff_years(first, m.summary.last().expect("a period").period_end.0) >= 3 {
                covered.push("span>=3y".into());
            }
            Ok(CaseKind::Ran(covered))
        }
        ([], Some(kind)) => Ok(CaseKind::Error(kind)),
        _ => Err("one row mode failed and the other did not".into()),
    }
}

impl QualityOut {
    /// Rows rejected as unreadable (what `max_rejected` limits).
    fn rows_rejected_before_limit(&self) -> u64 {
        self.null_user + self.null_time + self.unparseable_time
    }
}

fn ymd_diff_years(a: i32, b: i32) -> i32 {
    civil_from_days(b).0 - civil_from_days(a).0
}

/// Greedily removes fact rows and options while the case still fails.
fn shrink(case: &Case, msg: &str) -> (Case, String) {
    let mut case = case.clone();
    let mut msg = msg.to_string();
    let fails = |c: &Case| check_case(c).err();
    loop {
        let mut progress = false;
        for i in (0..case.facts.len()).rev() {
            let mut t = case.clone();
            t.facts = t.facts.without(i);
            if let Some(m) = fails(&t) {
                (case, msg, progress) = (t, m, true);
            }
        }
        let history_len = match &case.resume {
            Some(Resume::Full { history, .. } | Resume::Minimal { history, .. }) => history.len(),
            None => 0,
        };
        for i in (0..history_len).rev() {
            let mut t = case.clone();
            if let Some(Resume::Full { history, .. } | Resume::Minimal { history, .. }) =
                &mut t.resume
            {
                *history = history.without(i);
            }
            if let Some(m) = fails(&t) {
                (case, msg, progress) = (t, m, true);
            }
        }
        for step in 0..4 {
            let mut t = case.clone();
            let c = &mut t.cfg;
            match step {
                0 => c.through = None,
                1 => c.report_from = None,
                2 => c.max_rejected = None,
                _ => c.week_start = None,
            }
            if t.cfg.describe() != case.cfg.describe() {
                if let Some(m) = fails(&t) {
                    (case, msg, progress) = (t, m, true);
                }
            }
        }
        if !progress {
            return (case, msg);
        }
    }
}

// ---------------------------------------------------------------------------
// Tests.

#[test]
fn engine_matches_naive_model_on_random_cases() {
    let mut cases = Cases::new("engine_matches_naive_model_on_random_cases", 600);
    let mut failures: Vec<(u64, Case, String)> = Vec::new();
    let (mut ran, mut errors) = (0, 0);
    let mut coverage: BTreeMap<String, usize> = BTreeMap::new();
    for seed in cases.seeds() {
        let mut rng = Rng::new(seed);
        let fs = gen_facts(&mut rng);
        let mut any_ran = false;
        for grain in Grain::ALL {
            let case = gen_case(&mut rng, &fs, grain);
            match check_case(&case) {
                Ok(CaseKind::Ran(keys)) => {
                    ran += 1;
                    any_ran = true;
                    for key in keys {
                        *coverage.entry(key).or_default() += 1;
                    }
                }
                Ok(CaseKind::Error(kind)) => {
                    errors += 1;
                    *coverage.entry(format!("error={kind:?}")).or_default() += 1;
                }
                Err(m) => failures.push((seed, case, m)),
            }
        }
        if any_ran {
            cases.ran();
        } else {
            cases.skipped();
        }
    }
    eprintln!(
        "differential: {} fact sets, {ran} configurations run in both row modes, {errors} expected errors, {} failures; coverage {coverage:?}",
        cases.len(),
        failures.len()
    );
    if let Some((seed, case, msg)) = failures.first() {
        let (small, small_msg) = shrink(case, msg);
        let mut seeds: Vec<String> = failures.iter().map(|f| format!("{:#x}", f.0)).collect();
        seeds.dedup();
        seeds.truncate(20);
        panic!(
            "{} of {} configurations differ from the model. First: seed {seed:#x} ({})\n\
             mismatch: {msg}\n\n\
             minimized: {small_msg}\n{}\n\noriginal:\n{}\nfailing seeds: {}",
            failures.len(),
            ran + errors + failures.len(),
            cases.rerun(*seed),
            small.describe(),
            case.describe(),
            seeds.join(", ")
        );
    }
    cases.finish(0.8);
    if cases.len() > 100 {
        assert!(
            ran * 100 >= (ran + errors) * 55,
            "too few runnable configurations: {ran} ran, {errors} expected errors"
        );
        let mut wanted: Vec<String> = [
            "grain=day",
            "grain=week",
            "grain=month",
            "through=true",
            "through=false",
            "report_from=true",
            "report_from=false",
            "int_ids=true",
            "int_ids=false",
            "files=1",
            "files=2",
            "files=3",
            "filter=true",
            "resume=none",
            "resume=full",
            "resume=minimal",
            "minimal_adjacent=day",
            "minimal_adjacent=week",
            "minimal_adjacent=month",
            "parquet_time=Text",
            "parquet_time=Instant",
            "parquet_time=Naive",
            "parquet_time=Date",
            "parquet_int_ids=true",
            "parquet_int_ids=false",
            "null_user",
            "null_time",
            "unparseable_time",
            "rejected_over_1%",
            "filtered_out",
            "overlap_skipped",
            "after_through",
            "duplicates",
            "span>=3y",
            "error=Usage",
            "error=Data",
        ]
        .map(String::from)
        .to_vec();
        wanted.extend(ZONES.iter().map(|z| format!("tz={}", zone_display(z.0))));
        wanted.extend(WEEKDAYS.iter().map(|w| format!("week_start={w}")));
        for key in wanted {
            assert!(
                coverage.get(&key).copied().unwrap_or(0) > 0,
                "no case covered {key}: {coverage:?}"
            );
        }
    }
}

/// Larger random runs (150 users, 800 facts), checked against the SPEC
/// identities and the agreement of the two row modes; the model only says
/// whether the run must fail, and of which kind (its tables would be slow
/// here).
#[test]
fn identities_hold_on_larger_random_runs() {
    let mut cases = Cases::new("identities_hold_on_larger_random_runs", 12);
    let (mut ran, mut errors) = (0, 0);
    cases.run(|_, seed| {
        let mut rng = Rng::new(seed);
        let ids = gen_ids(&mut rng, seed % 4, 150);
        let base = ymd(2023, 9, 1) + rng.range(0, 200);
        let mut facts = Vec::new();
        for _ in 0..800 {
            let u = rng.below(ids.len() as u64).min(rng.below(ids.len() as u64)) as usize;
            let day = base + rng.range(0, 300);
            let (text, cell) = gen_cell(&mut rng, day, TimeColumn::Text, 0.002, false);
            facts.push(Fact {
                id: Some(ids[u].clone()),
                text,
                cell,
                event: None,
            });
        }
        let fs = FactSet {
            files: vec![FactFile {
                name: "facts.csv".into(),
                layout: Layout::Csv {
                    delimiter: b',',
                    crlf: false,
                },
                header: ("user_id", "event_time"),
                facts,
            }],
            events: false,
        };
        let inputs = fs.inputs();
        let mut any_ran = false;
        for grain in Grain::ALL {
            let tz = rng.pick(&ZONES).0;
            let cfg = gen_options(&mut rng, &fs, grain, tz);
            let ctx = format!("seed {seed:#x} {}", cfg.describe());
            let expected = plan(&fs, &cfg, None).and_then(|p| admit(&fs, &cfg, None, &p).map(drop));
            let mut runs = Vec::new();
            for rows in [Rows::Changes, Rows::All] {
                match (run_engine(&inputs, None, &cfg, rows), expected) {
                    (Ok(a), Ok(())) => {
                        if let Err(e) = check_properties(&a, rows) {
                            panic!("{ctx} rows={rows:?}: {e}");
                        }
                        runs.push(a);
                    }
                    (Err(Failure::Error(kind, _)), Err(want)) if kind == want => {}
                    (got, want) => panic!(
                        "{ctx} rows={rows:?}: the model expects {want:?}, the engine gave {:?}",
                        got.map(|a| a.aggregates.summary.len())
                    ),
                }
            }
            match runs.as_slice() {
                [changes, all] => {
                    if let Err(e) = check_modes_agree(changes, all) {
                        panic!("{ctx}: {e}");
                    }
                    ran += 1;
                    any_ran = true;
                }
                _ => errors += 1,
            }
        }
        any_ran
    });
    eprintln!("identities: {ran} configurations ran, {errors} expected errors");
    cases.finish(0.8);
    assert!(
        ran * 100 >= (ran + errors) * 60,
        "{ran} configurations ran, {errors} expected errors"
    );
}

/// The model itself reproduces the worked example of SPEC section 10, and
/// the engine agrees with it there.
#[test]
fn model_reproduces_the_spec_worked_example() {
    let date = |s: &str| {
        let p: Vec<u32> = s.split('-').map(|x| x.parse().unwrap()).collect();
        ymd(p[0] as i32, p[1], p[2])
    };
    let fs = FactSet {
        files: vec![FactFile {
            name: "facts.csv".into(),
            layout: Layout::Csv {
                delimiter: b',',
                crlf: false,
            },
            header: ("user_id", "event_date"),
            facts: spec::facts()
                .iter()
                .map(|(u, d)| Fact {
                    id: Some(u.to_string()),
                    text: d.to_string(),
                    cell: Cell::At(Time::Local(i64::from(date(d)) * US_PER_DAY)),
                    event: None,
                })
                .collect(),
        }],
        events: false,
    };
    let cfg = Config {
        grain: Grain::Week,
        week_start: None,
        tz: None,
        through: Some(date("2024-02-04")),
        report_from: None,
        max_rejected: None,
        fact_values: None,
        name: None,
        as_of: None,
        skip_overlap: false,
    };
    let m = model(&fs, &cfg, None, Rows::Changes).expect("runs");
    // user, period, state, previous, streak, inactive_streak, gap, churned_periods, active_periods, tenure
    type Expected = (
        &'static str,
        &'static str,
        State,
        Option<State>,
        u32,
        u32,
        Option<u32>,
        Option<u32>,
        u32,
        u32,
    );
    let mut table: Vec<Expected> = spec::states()
        .iter()
        .map(|r| {
            (
                r.text("user_id"),
                r.text("period_start"),
                r.get("state"),
                r.opt("previous_state"),
                r.get("streak"),
                r.get("inactive_streak"),
                r.opt("gap"),
                r.opt("churned_periods"),
                r.get("active_periods"),
                r.get("tenure"),
            )
        })
        .collect();
    table.sort_by_key(|t| (t.0, t.1));
    let mut rows: Vec<&StateOut> = m.states.iter().collect();
    rows.sort_by(|a, b| (&a.user, a.period_start).cmp(&(&b.user, b.period_start)));
    let got: Vec<Expected> = rows
        .iter()
        .map(|r| {
            let user = table.iter().find(|t| t.0 == r.user).expect("user").0;
            let period = table
                .iter()
                .find(|t| date(t.1) == r.period_start.0)
                .map_or("?", |t| t.1);
            let v = r.values;
            (
                user,
                period,
                v.state,
                v.previous,
                v.streak,
                v.inactive_streak,
                v.gap,
                v.churned_periods,
                v.active_periods,
                v.tenure,
            )
        })
        .collect();
    assert_eq!(got, table);
    // period_start, active, new, retained, reactivated, churned, dormant, total_users
    let summary: Vec<(i32, [u64; 7])> = m
        .summary
        .iter()
        .map(|s| {
            (
                s.period_start.0,
                [
                    s.active,
                    s.new,
                    s.retained,
                    s.reactivated,
                    s.churned,
                    s.dormant,
                    s.total_users,
                ],
            )
        })
        .collect();
    let want: Vec<(i32, [u64; 7])> = spec::summary()
        .iter()
        .map(|w| (date(w.text("period_start")), spec::counts_but_inactive(w)))
        .collect();
    assert_eq!(summary, want);
    let rates: Vec<_> = m
        .summary
        .iter()
        .map(|s| {
            [
                s.retention_rate,
                s.churn_rate,
                s.reactivation_rate,
                s.quick_ratio,
            ]
        })
        .collect();
    let want: Vec<_> = spec::summary().iter().map(spec::rates).collect();
    assert_eq!(rates, want);
    // A user's dates and the columns of one grain, as text.
    let columns = |s: &SnapshotOut, g: &GrainOut| {
        (
            format_day(s.first_active_date.0),
            format_day(s.last_active_date.0),
            g.previous_active_date.map(|d| format_day(d.0)),
            g.streak,
            g.active_periods,
        )
    };
    let weekly: Vec<_> = m
        .snapshot
        .iter()
        .map(|s| (s.user.as_str(), columns(s, &s.weekly)))
        .collect();
    let want: Vec<_> = spec::users()
        .into_iter()
        .map(|u| (u, spec::snapshot_columns(u, "weekly")))
        .collect();
    assert_eq!(weekly, want);
    let dave = &m.snapshot[3];
    assert_eq!(
        columns(dave, &dave.daily),
        spec::snapshot_columns("dave", "daily")
    );
    assert_eq!(
        columns(dave, &dave.monthly),
        spec::snapshot_columns("dave", "monthly")
    );
    let last: Vec<_> = m
        .cohorts
        .iter()
        .filter(|c| c.period_start.0 == date("2024-01-29"))
        .map(|c| (c.cohort.0, c.cohort_size, c.active_users))
        .collect();
    let want: Vec<_> = spec::cohorts()
        .iter()
        .filter(|c| c.text("period_start") == "2024-01-29")
        .map(|c| {
            let cohort = date(c.text("cohort_period"));
            (cohort, c.get("cohort_size"), c.get("active_users"))
        })
        .collect();
    assert_eq!(last, want);

    let case = Case {
        facts: fs,
        cfg,
        resume: None,
    };
    check_case(&case).unwrap_or_else(|e| panic!("engine vs model on the SPEC example: {e}"));
}

/// The hand-written zone rules of the model at their DST edges (the
/// instants from the published rules), and the fixed offsets.
#[test]
fn model_time_zone_rules() {
    assert_eq!(nth_sunday(2023, 3, 2), ymd(2023, 3, 12));
    assert_eq!(nth_sunday(2023, 11, 1), ymd(2023, 11, 5));
    assert_eq!(nth_sunday(2024, 3, 2), ymd(2024, 3, 10));
    assert_eq!(nth_sunday(2024, 11, 1), ymd(2024, 11, 3));
    assert_eq!(nth_sunday(2025, 3, 2), ymd(2025, 3, 9));
    assert_eq!(nth_sunday(2025, 11, 1), ymd(2025, 11, 2));
    assert_eq!(last_sunday(2024, 3), ymd(2024, 3, 31));
    assert_eq!(last_sunday(2024, 10), ymd(2024, 10, 27));
    assert_eq!(last_sunday(2025, 3), ymd(2025, 3, 30));
    assert_eq!(last_sunday(2025, 12), ymd(2025, 12, 28));
    assert_eq!(nth_sunday(2024, 4, 1), ymd(2024, 4, 7));
    assert_eq!(nth_sunday(2024, 10, 1), ymd(2024, 10, 6));
    use ModelZone::{London, NewYork, Sydney};
    let cases = [
        // New York: 04:30Z is 23:30 EST the day before the spring change,
        // 00:30 EDT after it; still EDT on the morning of the autumn
        // change, EST the day after.
        (NewYork, "2024-03-10 04:30", "2024-03-09"),
        (NewYork, "2024-03-11 04:30", "2024-03-11"),
        (NewYork, "2024-11-03 04:30", "2024-11-03"),
        (NewYork, "2024-11-04 04:30", "2024-11-03"),
        // London: 23:30Z is 23:30 GMT before the spring change (31 March
        // 01:00Z) and 00:30 BST after it, until 27 October 01:00Z.
        (London, "2024-03-30 23:30", "2024-03-30"),
        (London, "2024-03-31 23:30", "2024-04-01"),
        (London, "2024-10-26 23:30", "2024-10-27"),
        (London, "2024-10-27 23:30", "2024-10-27"),
        (London, "2024-01-15 23:59", "2024-01-15"),
        // Sydney: daylight time (+11) until 6 April 16:00Z, standard (+10)
        // until 5 October 16:00Z, daylight time again after.
        (Sydney, "2024-04-06 13:30", "2024-04-07"),
        (Sydney, "2024-04-07 13:30", "2024-04-07"),
        (Sydney, "2024-10-05 13:30", "2024-10-05"),
        (Sydney, "2024-10-06 13:30", "2024-10-07"),
        (Sydney, "2024-12-31 13:00", "2025-01-01"),
        (Sydney, "2024-07-01 13:59", "2024-07-01"),
        // Fixed offsets.
        (ModelZone::Fixed(9 * 3600), "2024-01-01 14:59", "2024-01-01"),
        (ModelZone::Fixed(9 * 3600), "2024-01-01 15:00", "2024-01-02"),
        (ModelZone::Fixed(-12_600), "2024-01-02 03:29", "2024-01-01"),
        (ModelZone::Fixed(-12_600), "2024-01-02 03:30", "2024-01-02"),
    ];
    for (zone, utc, want) in cases {
        let t = chrono::NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M")
            .expect("a UTC time")
            .and_utc()
            .timestamp_micros();
        assert_eq!(
            format_day(local_day(Time::Instant(t), zone)),
            want,
            "{zone:?} at {utc}Z"
        );
    }
}

/// Instants around local midnight on DST change days in the three DST
/// zones: each user's first_active_date is the local date (hand-checked
/// from the published rules).
#[test]
fn local_dates_around_dst_changes() {
    let cases = [
        ("America/New_York", "2024-03-10T04:59:59Z", "2024-03-09"),
        ("America/New_York", "2024-03-10T05:00:01Z", "2024-03-10"),
        ("America/New_York", "2024-03-11T03:59:59Z", "2024-03-10"),
        ("America/New_York", "2024-03-11T04:00:01Z", "2024-03-11"),
        ("America/New_York", "2024-11-03T03:59:59Z", "2024-11-02"),
        ("America/New_York", "2024-11-03T04:00:01Z", "2024-11-03"),
        ("America/New_York", "2024-11-04T04:59:59Z", "2024-11-03"),
        ("America/New_York", "2024-11-04T05:00:01Z", "2024-11-04"),
        ("America/New_York", "2024-07-01T03:30:00Z", "2024-06-30"),
        (
            "America/New_York",
            "2024-12-31T23:30:00-05:00",
            "2024-12-31",
        ),
        ("Europe/London", "2024-03-30T23:59:59Z", "2024-03-30"),
        ("Europe/London", "2024-03-31T00:59:59Z", "2024-03-31"),
        ("Europe/London", "2024-03-31T23:00:00Z", "2024-04-01"),
        ("Europe/London", "2024-10-26T23:00:00Z", "2024-10-27"),
        ("Europe/London", "2024-10-27T23:00:00Z", "2024-10-27"),
        ("Europe/London", "2024-10-28T00:00:00Z", "2024-10-28"),
        ("Australia/Sydney", "2024-04-06T12:59:59Z", "2024-04-06"),
        ("Australia/Sydney", "2024-04-06T13:00:00Z", "2024-04-07"),
        ("Australia/Sydney", "2024-04-07T13:59:59Z", "2024-04-07"),
        ("Australia/Sydney", "2024-04-07T14:00:00Z", "2024-04-08"),
        ("Australia/Sydney", "2024-10-05T13:59:59Z", "2024-10-05"),
        ("Australia/Sydney", "2024-10-05T14:00:00Z", "2024-10-06"),
        ("Australia/Sydney", "2024-10-06T12:59:59Z", "2024-10-06"),
        ("Australia/Sydney", "2024-10-06T13:00:00Z", "2024-10-07"),
    ];
    for zone in ["America/New_York", "Europe/London", "Australia/Sydney"] {
        let mine: Vec<_> = cases.iter().filter(|c| c.0 == zone).collect();
        let mut csv = String::from("user_id,event_time\n");
        for (i, (_, t, _)) in mine.iter().enumerate() {
            csv.push_str(&format!("u{i:02},{t}\n"));
        }
        let mut o = RunOptions::new(Grain::Day);
        o.timezone = Some(zone.parse().expect("a zone"));
        let a = run(&[InputFile::bytes("facts.csv", csv.into_bytes())], None, &o).expect("runs");
        for (i, (_, t, want)) in mine.iter().enumerate() {
            let u = a.ids().find(&format!("u{i:02}")).expect("user");
            let got = format_day(a.snapshot.users[u as usize].first_active_date);
            assert_eq!(&got, want, "{t} in {zone}");
            let us = chrono::DateTime::parse_from_rfc3339(t)
                .expect("an instant")
                .timestamp_micros();
            assert_eq!(
                format_day(local_day(Time::Instant(us), model_zone(Some(zone)))),
                *want,
                "the model: {t} in {zone}"
            );
        }
    }
}

/// SPEC section 5's rule for minimal snapshots, by hand: first 2024-01-03
/// and last 2024-01-10 fall in adjacent Monday weeks (a streak of 2 from
/// the first date), in days further apart, in one month.
#[test]
fn model_minimal_snapshot_rule() {
    let g = |p: Option<i32>, streak, active_periods| GrainOut {
        previous_active_date: p.map(Day),
        streak,
        active_periods,
    };
    let (first, last) = (ymd(2024, 1, 3), ymd(2024, 1, 10));
    assert_eq!(
        minimal_grains(first, last, Weekday::Monday),
        [g(None, 1, 2), g(Some(first), 2, 2), g(None, 1, 1)]
    );
    // Wednesday weeks: both dates start a week, 2024-01-03 and -10.
    assert_eq!(
        minimal_grains(first, last, Weekday::Wednesday)[1],
        g(Some(first), 2, 2)
    );
    // Thursday weeks: the week of 2023-12-28 and that of 2024-01-04..-10.
    assert_eq!(
        minimal_grains(first, last, Weekday::Thursday)[1],
        g(Some(first), 2, 2)
    );
    // Two consecutive days over a month end; one day alone.
    let (a, b) = (ymd(2024, 1, 31), ymd(2024, 2, 1));
    assert_eq!(
        minimal_grains(a, b, Weekday::Monday),
        [g(Some(a), 2, 2), g(None, 1, 1), g(Some(a), 2, 2)]
    );
    assert_eq!(minimal_grains(a, a, Weekday::Sunday), [g(None, 1, 1); 3]);
    // Months apart.
    assert_eq!(
        minimal_grains(a, ymd(2024, 5, 2), Weekday::Monday),
        [g(None, 1, 2); 3]
    );
}

/// The civil-date conversion the engine and the model share, checked
/// against chrono for every day from 1600 to 2400 (date, weekday, text).
#[test]
fn civil_dates_agree_with_chrono() {
    use chrono::{Datelike, NaiveDate};
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    let (lo, hi) = (ymd(1600, 1, 1), ymd(2400, 12, 31));
    assert_eq!(
        (lo, hi),
        (
            (NaiveDate::from_ymd_opt(1600, 1, 1).unwrap() - epoch).num_days() as i32,
            (NaiveDate::from_ymd_opt(2400, 12, 31).unwrap() - epoch).num_days() as i32
        )
    );
    let mut checked = 0;
    for z in lo..=hi {
        let d = epoch + chrono::Duration::days(i64::from(z));
        let want = (d.year(), d.month(), d.day());
        assert_eq!(civil_from_days(z), want, "day {z}");
        assert_eq!(days_from_civil(want.0, want.1, want.2), z, "{d}");
        assert_eq!(weekday(z), d.weekday().num_days_from_monday() as i32, "{d}");
        assert_eq!(format_day(z), d.format("%Y-%m-%d").to_string());
        checked += 1;
    }
    // 801 years of 365 days and 195 leap days.
    assert_eq!(checked, 292_560);
}
