//! Integration tests of the FirstLast snapshot and incremental runs
//! (SPEC section 5), the history merge, and the keys of section 4.
//!
//! The central property: for any chain of cut days d1 < d2 < ... < dn, a run
//! on facts <= d1 (through d1), then runs on the facts in (d(k-1), dk] with
//! the previous run's snapshot (passed through real Parquet bytes) give the
//! same snapshot as one run over facts <= dk, and every period a later run
//! reports has the same states, summary, transitions and cohorts rows as
//! that one run.

#[path = "common/prop.rs"]
mod prop;
#[path = "common/spec.rs"]
mod spec;

use std::collections::BTreeMap;
use std::path::Path;

use activation_layer::datapackage;
use activation_layer::firstlast::{FirstLast, UserHistory};
use activation_layer::grain::{civil_from_days, days_from_civil, format_day, Calendar};
use activation_layer::merge::{merge_dirs, merge_tables};
use activation_layer::output::TableKind;
use activation_layer::read::Table;
use activation_layer::write::{csv_bytes, parquet_bytes, write_outputs, OutputFormat};
use activation_layer::{run, Activation, Grain, InputFile, Rows, RunOptions, Weekday, Zone};
use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use prop::{Cases, Rng, WEEKDAYS};

const GRAINS: [Grain; 3] = [Grain::Day, Grain::Week, Grain::Month];
const TABLES: [TableKind; 4] = [
    TableKind::States,
    TableKind::Summary,
    TableKind::Transitions,
    TableKind::Cohorts,
];

/// The tables a run of `grain` reports and a later run replaces by key:
/// [`TABLES`] and section 12's activity and depth (no depth for days).
fn reported_tables(grain: Grain) -> Vec<TableKind> {
    TABLES
        .into_iter()
        .chain([TableKind::Activity, TableKind::Depth])
        .filter(|t| t.exists(grain))
        .collect()
}

// ---------------------------------------------------------------------------
// Fact data sets.

#[derive(Clone, Copy, Debug, PartialEq)]
enum TimeMode {
    /// `user_id,event_date` with local dates.
    Date,
    /// `user_id,event_time` with RFC 3339 instants (`Z` or an offset).
    Instant,
}

#[derive(Clone, Debug)]
struct Fact {
    user: String,
    /// Local date in the data set's zone.
    day: i32,
    /// The time cell as written in the CSV.
    cell: String,
}

#[derive(Clone, Debug)]
struct Dataset {
    facts: Vec<Fact>,
    mode: TimeMode,
    zone: &'static str,
}

impl Dataset {
    fn min_day(&self) -> i32 {
        self.facts.iter().map(|f| f.day).min().unwrap()
    }
    fn max_day(&self) -> i32 {
        self.facts.iter().map(|f| f.day).max().unwrap()
    }
    /// The CSV bytes of the facts with `lo < day <= hi` (header only when none).
    fn csv(&self, lo: Option<i32>, hi: i32) -> Vec<u8> {
        let mut s = String::from(match self.mode {
            TimeMode::Date => "user_id,event_date\n",
            TimeMode::Instant => "user_id,event_time\n",
        });
        for f in &self.facts {
            if lo.is_none_or(|l| f.day > l) && f.day <= hi {
                s.push_str(&f.user);
                s.push(',');
                s.push_str(&f.cell);
                s.push('\n');
            }
        }
        s.into_bytes()
    }
    fn file(&self, lo: Option<i32>, hi: i32) -> InputFile {
        InputFile::bytes("facts.csv", self.csv(lo, hi))
    }
    fn count(&self, lo: Option<i32>, hi: i32) -> usize {
        self.facts
            .iter()
            .filter(|f| lo.is_none_or(|l| f.day > l) && f.day <= hi)
            .count()
    }
}

const ZONES: [&str; 8] = [
    "UTC",
    "Asia/Seoul",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    // Daylight time starts and ends at midnight here.
    "America/Santiago",
    "+05:30",
    "-03:00",
];

/// Days on which one of the zones changes its offset (2024).
const DST_DAYS: [(i32, u32, u32); 8] = [
    (2024, 3, 10),
    (2024, 11, 3),
    (2024, 3, 31),
    (2024, 10, 27),
    (2024, 4, 7),
    (2024, 10, 6),
    (2024, 4, 6),
    (2024, 9, 8),
];

/// The instant of a local time in `tz` (the earliest of a repeated hour;
/// in a skipped hour, an hour later) as text, and its local date.
fn render<T: TimeZone>(tz: &T, naive: chrono::NaiveDateTime, z_form: bool) -> (String, i32)
where
    T::Offset: std::fmt::Display,
{
    let dt = tz
        .from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
        })
        .expect("a local time near a DST gap exists an hour later");
    let date = dt.date_naive();
    let day = days_from_civil(date.year(), date.month(), date.day());
    let text = if z_form {
        dt.with_timezone(&Utc)
            .format("%Y-%m-%dT%H:%M:%S%.fZ")
            .to_string()
    } else {
        dt.to_rfc3339()
    };
    (text, day)
}

/// A local time of day: mostly at, just before or just after midnight,
/// or in the small hours where offsets change; else any time.
fn time_of_day(rng: &mut Rng) -> chrono::NaiveTime {
    let (h, m, s, ms) = match rng.below(10) {
        0 => (0, 0, 0, 0),
        1 => (0, 0, 1, 0),
        2 => (23, 59, 59, 0),
        3 => (23, 59, 59, 999),
        4 => (0, rng.range(0, 59), rng.range(0, 59), 0),
        5 => (rng.pick(&[1, 2, 3]), rng.range(0, 59), rng.range(0, 59), 0),
        6 => (23, rng.range(0, 59), rng.range(0, 59), 0),
        _ => (rng.range(0, 23), rng.range(0, 59), rng.range(0, 59), 0),
    };
    chrono::NaiveTime::from_hms_milli_opt(h, m, s, ms).expect("a time of day")
}

/// The cell of a fact on local day `day` in `zone`, and the fact's local
/// date (chrono-tz's, for instants).
fn time_cell(rng: &mut Rng, mode: TimeMode, zone: &str, day: i32) -> (String, i32) {
    match mode {
        TimeMode::Date => (format_day(day), day),
        TimeMode::Instant => {
            let (y, m, d) = civil_from_days(day);
            let naive = NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_time(time_of_day(rng));
            let z_form = rng.chance(0.5);
            if let Some(rest) = zone.strip_prefix(['+', '-']) {
                let sign = if zone.starts_with('-') { -1 } else { 1 };
                let (h, mi) = rest.split_once(':').unwrap();
                let off =
                    sign * (h.parse::<i32>().unwrap() * 3600 + mi.parse::<i32>().unwrap() * 60);
                render(&chrono::FixedOffset::east_opt(off).unwrap(), naive, z_form)
            } else {
                let tz: chrono_tz::Tz = zone.parse().unwrap();
                render(&tz, naive, z_form)
            }
        }
    }
}

fn gen_dataset(rng: &mut Rng) -> Dataset {
    let mode = if rng.chance(1.0 / 3.0) {
        TimeMode::Instant
    } else {
        TimeMode::Date
    };
    let zone = rng.pick(&ZONES);
    let span = rng.range(15, 130);
    // Half the data sets hold a DST change (of one zone or another).
    let edge = rng.chance(0.5).then(|| {
        let (y, m, d) = rng.pick(&DST_DAYS);
        days_from_civil(y, m, d)
    });
    let start = match edge {
        Some(e) => e - rng.range(0, span),
        None => days_from_civil(2023, 10, 1) + rng.range(0, 200),
    };
    let n_users = rng.range(1, 18);
    let int_ids = rng.chance(1.0 / 3.0);
    const GAPS: [i32; 14] = [0, 1, 1, 1, 2, 3, 5, 6, 7, 8, 13, 20, 31, 45];
    let mut facts = Vec::new();
    for i in 0..n_users {
        // Distinct ids whose bytewise and numeric orders differ.
        let n = i as u64 * 37 + rng.below(37) + 1;
        let user = if int_ids {
            n.to_string()
        } else {
            format!("u{n}")
        };
        let mut day = start + rng.range(0, span);
        let events = rng.range(1, 14);
        // Some users are active on and around the DST change.
        let mut days: Vec<i32> = edge
            .filter(|_| rng.chance(0.4))
            .map(|e| e + rng.range(-1, 1))
            .into_iter()
            .collect();
        for _ in 0..events {
            if day > start + span {
                break;
            }
            days.push(day);
            day += rng.pick(&GAPS);
        }
        for day in days {
            let (cell, day) = time_cell(rng, mode, zone, day);
            facts.push(Fact {
                user: user.clone(),
                day,
                cell: cell.clone(),
            });
            if rng.chance(1.0 / 12.0) {
                // An exact duplicate row.
                facts.push(Fact {
                    user: user.clone(),
                    day,
                    cell,
                });
            }
        }
    }
    // Row order must not matter.
    rng.shuffle(&mut facts);
    Dataset { facts, mode, zone }
}

// ---------------------------------------------------------------------------
// Runs and comparisons.

fn options(
    grain: Grain,
    week_start: Option<Weekday>,
    zone: Option<&str>,
    through: Option<i32>,
    rows: Rows,
) -> RunOptions {
    let mut o = RunOptions::new(grain);
    o.week_start = week_start;
    o.timezone = zone.map(|z| z.parse::<Zone>().expect("a valid zone"));
    o.through = through;
    o.rows = rows;
    o
}

fn snapshot_bytes(a: &Activation) -> Vec<u8> {
    let batch = activation_layer::output::snapshot(&a.snapshot).expect("snapshot batch");
    parquet_bytes(&batch, &a.snapshot.meta.to_pairs()).expect("snapshot parquet")
}

fn snapshot_file(a: &Activation) -> InputFile {
    InputFile::bytes("snap.parquet", snapshot_bytes(a))
}

fn table_csv(a: &Activation, kind: TableKind) -> String {
    batch_csv(&kind.batch(a).expect("table batch"))
}

/// A batch as CSV text, rendered by the test itself (header row, nulls
/// empty, dates YYYY-MM-DD, floats in Rust's shortest round-trip form) so
/// that comparisons do not depend on `write::csv_bytes` (tested on its own
/// in `csv_bytes_of_tables_with_empty_dictionaries`).
fn batch_csv(b: &RecordBatch) -> String {
    let mut lines = vec![b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect::<Vec<_>>()
        .join(",")];
    let cols: Vec<Vec<String>> = b
        .columns()
        .iter()
        .map(|c| render_column(c.as_ref()))
        .collect();
    for i in 0..b.num_rows() {
        lines.push(
            cols.iter()
                .map(|c| c[i].as_str())
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn render_column(a: &dyn Array) -> Vec<String> {
    use arrow_array::types::*;
    use arrow_schema::DataType as T;
    fn cells<V: ToString>(a: &dyn Array, f: impl Fn(usize) -> V) -> Vec<String> {
        (0..a.len())
            .map(|i| {
                if a.is_null(i) {
                    String::new()
                } else {
                    f(i).to_string()
                }
            })
            .collect()
    }
    match a.data_type() {
        T::Utf8 => cells(a, |i| a.as_string::<i32>().value(i).to_string()),
        T::LargeUtf8 => cells(a, |i| a.as_string::<i64>().value(i).to_string()),
        T::Utf8View => cells(a, |i| a.as_string_view().value(i).to_string()),
        T::Int8 => cells(a, |i| a.as_primitive::<Int8Type>().value(i)),
        T::Int16 => cells(a, |i| a.as_primitive::<Int16Type>().value(i)),
        T::Int32 => cells(a, |i| a.as_primitive::<Int32Type>().value(i)),
        T::Int64 => cells(a, |i| a.as_primitive::<Int64Type>().value(i)),
        T::UInt8 => cells(a, |i| a.as_primitive::<UInt8Type>().value(i)),
        T::UInt16 => cells(a, |i| a.as_primitive::<UInt16Type>().value(i)),
        T::UInt32 => cells(a, |i| a.as_primitive::<UInt32Type>().value(i)),
        T::UInt64 => cells(a, |i| a.as_primitive::<UInt64Type>().value(i)),
        T::Float64 => cells(a, |i| a.as_primitive::<Float64Type>().value(i)),
        T::Boolean => cells(a, |i| a.as_boolean().value(i)),
        T::Date32 => cells(a, |i| format_day(a.as_primitive::<Date32Type>().value(i))),
        T::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let values = render_column(d.values().as_ref());
            let keys = render_column(d.keys());
            cells(a, |i| values[keys[i].parse::<usize>().unwrap()].clone())
        }
        other => panic!("no rendering for {other}"),
    }
}

/// The header and the rows of a rendered table whose `period_start` (or
/// `date`) is on or after `from` (dates as YYYY-MM-DD compare as text).
fn rows_from(csv: &str, from: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let header = lines.next().expect("a header").to_string();
    let names: Vec<&str> = header.split(',').collect();
    let col = ["period_start", "date"]
        .iter()
        .find_map(|k| names.iter().position(|c| c == k))
        .expect("a period_start or date column");
    let mut out = vec![header];
    out.extend(
        lines
            .filter(|l| l.split(',').nth(col).expect("a period_start cell") >= from)
            .map(str::to_string),
    );
    out
}

fn all_rows(csv: &str) -> Vec<String> {
    csv.lines().map(str::to_string).collect()
}

#[track_caller]
fn assert_same_lines(ctx: &str, what: &str, got: &[String], want: &[String]) {
    if got != want {
        let i = got
            .iter()
            .zip(want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()));
        panic!(
            "{ctx}: {what} differ at line {i} (got {} lines, want {}):\n  got:  {:?}\n  want: {:?}\n--- got ---\n{}\n--- want ---\n{}",
            got.len(),
            want.len(),
            got.get(i),
            want.get(i),
            got.join("\n"),
            want.join("\n")
        );
    }
}

fn snapshot_map(s: &FirstLast) -> BTreeMap<String, UserHistory> {
    (0..s.ids.len())
        .map(|i| (s.ids.display(i as u32), s.users[i]))
        .collect()
}

#[track_caller]
fn assert_same_snapshot(ctx: &str, got: &FirstLast, want: &FirstLast) {
    assert_eq!(got.meta, want.meta, "{ctx}: snapshot metadata");
    assert_eq!(got.ids.is_int(), want.ids.is_int(), "{ctx}: id type");
    let (g, w) = (snapshot_map(got), snapshot_map(want));
    if g != w {
        let only_g: Vec<_> = g.keys().filter(|k| !w.contains_key(*k)).collect();
        let only_w: Vec<_> = w.keys().filter(|k| !g.contains_key(*k)).collect();
        let diff: Vec<_> = g
            .iter()
            .filter_map(|(k, v)| w.get(k).filter(|x| *x != v).map(|x| (k, v, x)))
            .collect();
        panic!(
            "{ctx}: snapshots differ: users only in got {only_g:?}, only in want {only_w:?}, differing (user, got, want): {diff:#?}"
        );
    }
    let gb = activation_layer::output::snapshot(got).unwrap();
    let wb = activation_layer::output::snapshot(want).unwrap();
    assert_eq!(batch_csv(&gb), batch_csv(&wb), "{ctx}: snapshot tables");
}

fn describe(ds: &Dataset) -> String {
    let mut f: Vec<(String, i32)> = ds.facts.iter().map(|f| (f.user.clone(), f.day)).collect();
    f.sort();
    f.dedup();
    let list: Vec<String> = f
        .iter()
        .map(|(u, d)| format!("{u}@{}", format_day(*d)))
        .collect();
    format!(
        "mode {:?}, zone {}, facts {}",
        ds.mode,
        ds.zone,
        list.join(" ")
    )
}

// ---------------------------------------------------------------------------
// 1 and 2. The equivalence property, with merges.

#[derive(Clone, Debug)]
struct Step {
    grain: Grain,
    through: i32,
    /// Pass `through` explicitly (else it defaults to the last activity date,
    /// used only when that equals `through`).
    explicit_through: bool,
    week_start: Option<Weekday>,
    zone: Option<&'static str>,
}

#[derive(Clone, Debug)]
struct Chain {
    steps: Vec<Step>,
    week_start: Weekday,
    rows: Rows,
}

fn gen_chain(rng: &mut Rng, ds: &Dataset, same_grain: bool) -> Chain {
    let week_start = rng.pick(&WEEKDAYS);
    let min_day = ds.min_day();
    let max_day = ds.max_day();
    let mut final_through = if rng.chance(0.5) {
        max_day
    } else {
        max_day + rng.range(1, 12)
    };
    if final_through <= min_day {
        final_through = min_day + rng.range(1, 10);
    }
    let n_cuts = rng.range(1, 4);
    let mut cuts = Vec::new();
    for _ in 0..n_cuts {
        let x = rng.range(min_day, final_through - 1);
        let cal = Calendar::new(rng.pick(&GRAINS), week_start);
        let c = match rng.below(4) {
            0 => x,
            1 => cal.end(cal.period_of(x)),
            2 => cal.start(cal.period_of(x)),
            _ => cal.start(cal.period_of(x)) - 1,
        };
        cuts.push(c.clamp(min_day, final_through - 1));
    }
    cuts.sort();
    cuts.dedup();
    cuts.push(final_through);
    let grain0 = rng.pick(&GRAINS);
    let rows = if rng.chance(1.0 / 3.0) {
        Rows::All
    } else {
        Rows::Changes
    };
    let steps = cuts
        .iter()
        .enumerate()
        .map(|(k, &through)| {
            let grain = if same_grain {
                grain0
            } else {
                rng.pick(&GRAINS)
            };
            let lo = if k == 0 { None } else { Some(cuts[k - 1]) };
            let last_fact = ds
                .facts
                .iter()
                .filter(|f| lo.is_none_or(|l| f.day > l) && f.day <= through)
                .map(|f| f.day)
                .max();
            let explicit_through = last_fact != Some(through) || rng.chance(2.0 / 3.0);
            // The first run states the week start (or relies on the Monday
            // default); later runs may rely on the snapshot's.
            let week_start = if k == 0 {
                if week_start == Weekday::Monday && rng.chance(0.5) {
                    None
                } else {
                    Some(week_start)
                }
            } else if rng.chance(0.5) {
                None
            } else {
                Some(week_start)
            };
            let zone = if k == 0 {
                if ds.zone == "UTC" && rng.chance(0.5) {
                    None
                } else {
                    Some(ds.zone)
                }
            } else if rng.chance(0.5) {
                None
            } else {
                Some(ds.zone)
            };
            Step {
                grain,
                through,
                explicit_through,
                week_start,
                zone,
            }
        })
        .collect();
    Chain {
        steps,
        week_start,
        rows,
    }
}

/// The one-shot run over every fact <= `through`.
fn full_run(ds: &Dataset, chain: &Chain, grain: Grain, through: i32) -> Activation {
    let o = options(
        grain,
        Some(chain.week_start),
        Some(ds.zone),
        Some(through),
        chain.rows,
    );
    run(&[ds.file(None, through)], None, &o).unwrap_or_else(|e| {
        panic!(
            "full run ({grain}, through {}) failed: {e}\n{}",
            format_day(through),
            describe(ds)
        )
    })
}

/// Runs a chain, checking every step against the one-shot run; with
/// `merge`, also checks the merged history tables at every step.
fn check_chain(ctx: &str, ds: &Dataset, chain: &Chain, merge: bool) {
    let mut snap: Option<InputFile> = None;
    let mut prev: Option<i32> = None;
    let mut history: Option<Vec<RecordBatch>> = None;
    for (k, step) in chain.steps.iter().enumerate() {
        let ctx = format!(
            "{ctx} step {k} ({}, through {}, after {:?}; chain {:?})\n{}",
            step.grain,
            format_day(step.through),
            prev.map(format_day),
            chain,
            describe(ds)
        );
        let o = options(
            step.grain,
            step.week_start,
            step.zone,
            step.explicit_through.then_some(step.through),
            chain.rows,
        );
        let a = run(&[ds.file(prev, step.through)], snap.as_ref(), &o)
            .unwrap_or_else(|e| panic!("{ctx}: run failed: {e}"));
        let full = full_run(ds, chain, step.grain, step.through);
        let cal = a.calendar;
        assert_eq!(cal, full.calendar, "{ctx}: calendar");
        assert_eq!(
            a.last_period(),
            cal.period_of(step.through),
            "{ctx}: last period"
        );
        assert_eq!(a.last_period(), full.last_period(), "{ctx}: last period");
        let from = match prev {
            None => {
                assert_eq!(a.first_period(), full.first_period(), "{ctx}: first period");
                cal.start(a.first_period())
            }
            Some(p) => {
                assert_eq!(
                    a.first_period(),
                    cal.period_of(p + 1),
                    "{ctx}: a run from a snapshot reports from the period holding as_of + 1"
                );
                cal.start(a.first_period())
            }
        };
        assert_eq!(
            a.aggregates.summary.len() as i32,
            a.last_period() - a.first_period() + 1,
            "{ctx}: one summary row per reported period"
        );
        for kind in reported_tables(step.grain) {
            // Days up to as_of are the snapshot's: activity rows start after it.
            let first_row = match (kind, prev) {
                (TableKind::Activity, Some(p)) => p + 1,
                _ => from,
            };
            let got = all_rows(&table_csv(&a, kind));
            let want = rows_from(&table_csv(&full, kind), &format_day(first_row));
            assert_same_lines(&ctx, kind.as_str(), &got, &want);
        }
        assert_same_snapshot(&ctx, &a.snapshot, &full.snapshot);
        assert_eq!(
            a.quality.rows_used as usize,
            ds.count(prev, step.through),
            "{ctx}: rows used"
        );
        assert_eq!(
            a.quality.rows_rejected.total(),
            0,
            "{ctx}: nothing rejected"
        );
        assert!(a.quality.exact, "{ctx}: exact");

        if merge {
            let tables = reported_tables(step.grain);
            let batches: Vec<RecordBatch> = tables.iter().map(|t| t.batch(&a).unwrap()).collect();
            let merged: Vec<RecordBatch> = match history.take() {
                None => batches,
                Some(h) => h
                    .iter()
                    .zip(&batches)
                    .zip(tables.iter().copied())
                    .map(|((hb, rb), kind)| {
                        let m = merge_tables(hb, rb, kind.doc().key)
                            .unwrap_or_else(|e| panic!("{ctx}: merging {}: {e}", kind.as_str()));
                        let again = merge_tables(&m, rb, kind.doc().key).unwrap();
                        assert_eq!(
                            batch_csv(&again),
                            batch_csv(&m),
                            "{ctx}: merging the same run twice changes the {} table",
                            kind.as_str()
                        );
                        m
                    })
                    .collect(),
            };
            for (m, kind) in merged.iter().zip(tables) {
                let got = all_rows(&batch_csv(m));
                let want = all_rows(&table_csv(&full, kind));
                assert_same_lines(
                    &format!("{ctx} (merged history)"),
                    kind.as_str(),
                    &got,
                    &want,
                );
            }
            history = Some(merged);
        }

        snap = Some(snapshot_file(&a));
        prev = Some(step.through);
    }
}

#[test]
fn equivalence_same_grain_chains_with_merge() {
    let mut cases = Cases::new("equivalence_same_grain_chains_with_merge", 200);
    cases.run(|_, seed| {
        let mut rng = Rng::new(seed);
        let ds = gen_dataset(&mut rng);
        let chain = gen_chain(&mut rng, &ds, true);
        check_chain(&format!("seed {seed:#x}"), &ds, &chain, true);
        true
    });
    cases.finish(1.0);
}

#[test]
fn equivalence_cross_grain_chains() {
    let mut cases = Cases::new("equivalence_cross_grain_chains", 250);
    cases.run(|_, seed| {
        let mut rng = Rng::new(seed);
        let ds = gen_dataset(&mut rng);
        let chain = gen_chain(&mut rng, &ds, false);
        check_chain(&format!("cross-grain seed {seed:#x}"), &ds, &chain, false);
        true
    });
    cases.finish(1.0);
}

/// Every grain's one-shot run writes the same snapshot (one snapshot per fact
/// serves every grain), and a single cut at every day of a small data set
/// gives the one-shot result.
#[test]
fn equivalence_every_cut_day_and_grain() {
    let mut cases = Cases::new("equivalence_every_cut_day_and_grain", 6);
    cases.run(|_, seed| {
        let mut rng = Rng::new(seed);
        let ds = gen_dataset(&mut rng);
        let week_start = rng.pick(&WEEKDAYS);
        let (lo, hi) = (ds.min_day(), ds.max_day() + 3);
        let snaps: Vec<Activation> = GRAINS
            .iter()
            .map(|g| {
                let o = options(*g, Some(week_start), Some(ds.zone), Some(hi), Rows::Changes);
                run(&[ds.file(None, hi)], None, &o).unwrap()
            })
            .collect();
        for a in &snaps[1..] {
            assert_same_snapshot(
                &format!("seed {seed:#x}: snapshots of the grains"),
                &a.snapshot,
                &snaps[0].snapshot,
            );
        }
        for d in lo..hi {
            // Every pair of grains over the days of a data set.
            let g1 = GRAINS[d as usize % 3];
            let g2 = GRAINS[(d as usize / 3 + seed as usize) % 3];
            {
                let step = |grain, through| Step {
                    grain,
                    through,
                    explicit_through: true,
                    week_start: Some(week_start),
                    zone: Some(ds.zone),
                };
                let chain = Chain {
                    steps: vec![step(g1, d), step(g2, hi)],
                    week_start,
                    rows: Rows::Changes,
                };
                check_chain(
                    &format!("seed {seed:#x} cut {}", format_day(d)),
                    &ds,
                    &chain,
                    g1 == g2,
                );
            }
        }
        true
    });
    cases.finish(1.0);
}

// ---------------------------------------------------------------------------
// 2. merge_dirs on real directories.

fn dir_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// Every file of a directory, tables rendered as CSV text.
fn dir_tables(dir: &Path) -> BTreeMap<String, String> {
    dir_files(dir)
        .into_iter()
        .map(|(name, bytes)| {
            let text = if name.ends_with(".parquet") {
                file_as_csv(&dir.join(&name))
            } else {
                String::from_utf8(bytes).unwrap()
            };
            (name, text)
        })
        .collect()
}

/// A Parquet or CSV table file rendered as CSV text.
fn file_as_csv(path: &Path) -> String {
    let t = Table::read(&InputFile::path(path)).unwrap_or_else(|e| panic!("{e}"));
    batch_csv(&t.batch)
}

fn check_merge_dirs(format: OutputFormat, seed: u64) {
    let mut rng = Rng::new(seed);
    let ds = gen_dataset(&mut rng);
    let chain = gen_chain(&mut rng, &ds, true);
    assert!(chain.steps.len() >= 2);
    let ctx = format!(
        "merge_dirs {format:?} seed {seed:#x} {chain:?}\n{}",
        describe(&ds)
    );
    let root = tempfile::tempdir().unwrap();
    let history = root.path().join("history");
    let mut snap: Option<InputFile> = None;
    let mut prev: Option<i32> = None;
    let mut last_run_dir = None;
    for (k, step) in chain.steps.iter().enumerate() {
        let o = options(
            step.grain,
            step.week_start,
            step.zone,
            Some(step.through),
            chain.rows,
        );
        let a = run(&[ds.file(prev, step.through)], snap.as_ref(), &o)
            .unwrap_or_else(|e| panic!("{ctx}: step {k}: {e}"));
        let dir = root.path().join(format!("run{k}"));
        write_outputs(&a, &dir, format).unwrap();
        let report = merge_dirs(&history, &dir).unwrap_or_else(|e| panic!("{ctx}: merge {k}: {e}"));
        assert_eq!(
            report.len(),
            a.layer().tables().count() + 2,
            "{ctx}: every table, the quality report and the data package: {report:?}"
        );
        if k == chain.steps.len() - 1 {
            // Idempotence: merging the last run again changes nothing.
            let before = dir_tables(&history);
            merge_dirs(&history, &dir).unwrap();
            assert_eq!(
                dir_tables(&history),
                before,
                "{ctx}: re-merging the last run"
            );
            last_run_dir = Some(dir);
        }
        snap = Some(snapshot_file(&a));
        prev = Some(step.through);
    }
    let last = chain.steps.last().unwrap();
    let full = full_run(&ds, &chain, last.grain, last.through);
    let full_dir = root.path().join("full");
    write_outputs(&full, &full_dir, format).unwrap();
    let got = dir_files(&history);
    let want = dir_files(&full_dir);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{ctx}: file names"
    );
    for name in want.keys() {
        if name == datapackage::FILE_NAME {
            // The history's package describes its merged files, and is
            // otherwise the one-shot run's.
            let read = |b: &[u8]| -> datapackage::Package { serde_json::from_slice(b).unwrap() };
            let (mut g, mut w) = (read(&got[name]), read(&want[name]));
            for (path, c) in &g.activation.checksums {
                let stamp = datapackage::Stamp::of(&got[path]);
                assert_eq!(
                    c,
                    &datapackage::Checksum::from(&stamp),
                    "{ctx}: the history's package describes {path}"
                );
            }
            for p in [&mut g, &mut w] {
                p.activation.checksums.clear();
                for r in &mut p.resources {
                    (r.bytes, r.hash) = (None, None);
                }
            }
            assert_eq!(g, w, "{ctx}: the history's package");
        } else if name.ends_with("_quality.json") {
            // The latest run's report replaces the earlier one.
            let last_dir = last_run_dir.as_ref().unwrap();
            assert_eq!(
                got[name],
                std::fs::read(last_dir.join(name)).unwrap(),
                "{ctx}: {name}"
            );
        } else if name.ends_with("_firstlast.parquet") {
            assert_eq!(
                got[name], want[name],
                "{ctx}: {name}: the chain's snapshot bytes"
            );
        } else if name.ends_with(".csv") {
            assert_same_lines(
                &ctx,
                name,
                &all_rows(std::str::from_utf8(&got[name]).unwrap()),
                &all_rows(std::str::from_utf8(&want[name]).unwrap()),
            );
        } else {
            assert_same_lines(
                &ctx,
                name,
                &all_rows(&file_as_csv(&history.join(name))),
                &all_rows(&file_as_csv(&full_dir.join(name))),
            );
            let gs = Table::read(&InputFile::path(history.join(name))).unwrap();
            let ws = Table::read(&InputFile::path(full_dir.join(name))).unwrap();
            assert_eq!(
                gs.batch.schema().fields(),
                ws.batch.schema().fields(),
                "{ctx}: {name} schema"
            );
        }
    }
}

#[test]
fn merge_dirs_parquet_equals_full_run() {
    let mut cases = Cases::new("merge_dirs_parquet_equals_full_run", 6);
    cases.run(|_, seed| {
        check_merge_dirs(OutputFormat::Parquet, seed);
        true
    });
    cases.finish(1.0);
}

#[test]
fn merge_dirs_csv_equals_full_run() {
    let mut cases = Cases::new("merge_dirs_csv_equals_full_run", 6);
    cases.run(|_, seed| {
        check_merge_dirs(OutputFormat::Csv, seed);
        true
    });
    cases.finish(1.0);
}

#[test]
fn merge_tables_rejects_different_columns() {
    let a = example_run(None, None, Grain::Week);
    let s = TableKind::States.batch(&a).unwrap();
    let m = TableKind::Summary.batch(&a).unwrap();
    let e = merge_tables(&s, &m, TableKind::States.doc().key)
        .unwrap_err()
        .to_string();
    assert!(e.contains("differ"), "{e}");
}

// ---------------------------------------------------------------------------
// 3. The SPEC section 10 example, split at 2024-01-17.

fn day(s: &str) -> i32 {
    activation_layer::grain::parse_day("test", s).unwrap()
}

fn example_facts() -> Vec<(String, i32)> {
    spec::facts()
        .into_iter()
        .map(|(u, d)| (u.to_string(), day(d)))
        .collect()
}

/// The example facts with `lo < date <= hi`, as a CSV file named like the
/// example (so the fact name is `spec_example`).
fn example_file(lo: Option<i32>, hi: Option<i32>) -> InputFile {
    InputFile::bytes("spec_example.csv", example_csv(lo, hi))
}

fn example_csv(lo: Option<i32>, hi: Option<i32>) -> Vec<u8> {
    let mut s = String::from("user_id,event_date\n");
    for (u, d) in example_facts() {
        if lo.is_none_or(|l| d > l) && hi.is_none_or(|h| d <= h) {
            s.push_str(&format!("{u},{}\n", format_day(d)));
        }
    }
    s.into_bytes()
}

/// A weekly (or other grain) run over the example facts dated <= `hi`,
/// through `hi` (default 2024-02-04).
fn example_run(hi: Option<&str>, zone: Option<&str>, grain: Grain) -> Activation {
    let through = day(hi.unwrap_or("2024-02-04"));
    let o = options(grain, None, zone, Some(through), Rows::Changes);
    run(&[example_file(None, Some(through))], None, &o).unwrap()
}

/// The example's weekly states table, as the CLI writes it.
const EXAMPLE_STATES: &str = spec::STATES_CSV;

#[track_caller]
fn check_example_summary(a: &Activation, from: &str) {
    let want: Vec<spec::Row> = spec::summary()
        .into_iter()
        .filter(|r| r.text("period_start") >= from)
        .collect();
    assert_eq!(a.aggregates.summary.len(), want.len(), "summary rows");
    for (r, w) in a.aggregates.summary.iter().zip(&want) {
        let start = w.text("period_start");
        assert_eq!(format_day(r.period_start), start);
        assert_eq!(format_day(r.period_end), format_day(day(start) + 6));
        assert!(r.complete, "{start} is complete");
        assert_eq!(
            [
                r.active,
                r.new,
                r.retained,
                r.reactivated,
                r.churned,
                r.dormant,
                r.total_users
            ],
            spec::counts_but_inactive(w),
            "{start} counts"
        );
        assert_eq!(r.inactive, r.churned + r.dormant, "{start} inactive");
        let got = [
            r.retention_rate,
            r.churn_rate,
            r.reactivation_rate,
            r.quick_ratio,
        ];
        assert_eq!(got, spec::rates(w), "{start} rates");
    }
}

#[track_caller]
fn check_example_snapshot(s: &FirstLast) {
    assert_eq!(format_day(s.meta.as_of), "2024-02-04");
    assert_eq!(s.meta.week_start, Weekday::Monday);
    assert_eq!(s.meta.fact, "spec_example");
    assert!(s.meta.exact);
    let m = snapshot_map(s);
    // A user's dates and the columns of grain g (0 daily, 1 weekly, 2 monthly).
    let columns = |u: &str, g: usize| {
        let h = m[u];
        (
            format_day(h.first_active_date),
            format_day(h.last_active_date),
            h.grains[g].previous_active_date.map(format_day),
            h.grains[g].streak,
            h.grains[g].active_periods,
        )
    };
    for u in spec::users() {
        assert_eq!(columns(u, 1), spec::snapshot_columns(u, "weekly"), "{u}");
    }
    assert_eq!(columns("dave", 0), spec::snapshot_columns("dave", "daily"));
    assert_eq!(
        columns("dave", 2),
        spec::snapshot_columns("dave", "monthly")
    );
}

#[test]
fn spec_example_split_mid_week() {
    // The one-shot run is the SPEC's table.
    let full = example_run(None, None, Grain::Week);
    assert_eq!(table_csv(&full, TableKind::States), EXAMPLE_STATES);
    check_example_summary(&full, "");
    check_example_snapshot(&full.snapshot);

    // Run 1: facts <= 2024-01-17 (a Wednesday), through 2024-01-17.
    let cut = day("2024-01-17");
    let mut o1 = RunOptions::new(Grain::Week);
    o1.through = Some(cut);
    let a1 = run(&[example_file(None, Some(cut))], None, &o1).unwrap();
    assert_eq!(a1.fact, "spec_example");
    assert_eq!(format_day(a1.snapshot.meta.as_of), "2024-01-17");
    let last = a1.aggregates.summary.last().unwrap();
    assert_eq!(format_day(last.period_start), "2024-01-15");
    assert!(!last.complete, "the open week is incomplete in run 1");

    // Run 2: the rest, with run 1's snapshot, through 2024-02-04.
    let mut o2 = RunOptions::new(Grain::Week);
    o2.through = Some(day("2024-02-04"));
    let a2 = run(
        &[example_file(Some(cut), None)],
        Some(&snapshot_file(&a1)),
        &o2,
    )
    .unwrap();
    assert_eq!(a2.fact, "spec_example");
    assert_eq!(
        format_day(a2.calendar.start(a2.first_period())),
        "2024-01-15"
    );
    let want = rows_from(EXAMPLE_STATES, "2024-01-15");
    assert_same_lines(
        "example run 2",
        "states",
        &all_rows(&table_csv(&a2, TableKind::States)),
        &want,
    );
    check_example_summary(&a2, "2024-01-15");
    check_example_snapshot(&a2.snapshot);
    assert_same_snapshot("example run 2", &a2.snapshot, &full.snapshot);
    for kind in TABLES {
        assert_eq!(
            all_rows(&table_csv(&a2, kind)),
            rows_from(&table_csv(&full, kind), "2024-01-15"),
            "{}",
            kind.as_str()
        );
    }
    // Cohorts for 2024-01-29.
    let cal = a2.calendar;
    let c: Vec<(String, u64, u64, f64)> = a2
        .aggregates
        .cohorts
        .iter()
        .filter(|r| format_day(cal.start(r.period)) == "2024-01-29")
        .map(|r| {
            (
                format_day(cal.start(r.cohort)),
                r.cohort_size,
                r.active_users,
                r.retention,
            )
        })
        .collect();
    let want: Vec<(String, u64, u64, f64)> = spec::cohorts()
        .iter()
        .filter(|r| r.text("period_start") == "2024-01-29")
        .map(|r| {
            (
                r.text("cohort_period").to_string(),
                r.get("cohort_size"),
                r.get("active_users"),
                r.get("retention"),
            )
        })
        .collect();
    assert_eq!(c, want);
    // Transitions: nine rows per reported period.
    assert_eq!(a2.aggregates.transitions.len(), 9 * 3);

    // Merging run 2 into run 1's tables gives the one-shot tables.
    for kind in TABLES {
        let m = merge_tables(
            &kind.batch(&a1).unwrap(),
            &kind.batch(&a2).unwrap(),
            kind.doc().key,
        )
        .unwrap();
        assert_eq!(batch_csv(&m), table_csv(&full, kind), "{}", kind.as_str());
    }
}

// ---------------------------------------------------------------------------
// 4. Error cases.

fn example_snapshot_at(cut: &str) -> (Activation, InputFile) {
    let a = example_run(Some(cut), None, Grain::Week);
    let f = snapshot_file(&a);
    (a, f)
}

fn err(r: Result<Activation, activation_layer::Error>) -> String {
    match r {
        Ok(a) => panic!(
            "expected an error, got a run reporting {} summary rows",
            a.aggregates.summary.len()
        ),
        Err(e) => e.to_string(),
    }
}

#[track_caller]
fn assert_contains(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "message {msg:?} lacks {p:?}");
    }
}

#[test]
fn overlap_with_as_of_is_an_error_or_skipped() {
    let (_, snap) = example_snapshot_at("2024-01-17");
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    // Every example fact: 7 of them are dated <= 2024-01-17.
    let all = example_file(None, None);
    let e = err(run(std::slice::from_ref(&all), Some(&snap), &o));
    assert_contains(&e, &["7", "2024-01-01", "2024-01-17", "as_of"]);
    assert!(e.contains("skip"), "the message names --skip-overlap: {e}");

    // Only the last day overlapping: count 1, range 2024-01-17 to 2024-01-17.
    let e = err(run(
        &[example_file(Some(day("2024-01-16")), None)],
        Some(&snap),
        &o,
    ));
    assert_contains(&e, &["1 fact row", "2024-01-17"]);

    o.skip_overlap = true;
    let skipped = run(&[all], Some(&snap), &o).unwrap();
    assert_eq!(skipped.quality.rows_rejected.dated_on_or_before_as_of, 7);
    assert_eq!(skipped.quality.rows_rejected.total(), 7);
    assert_eq!(skipped.quality.rows_used, 4);
    assert!(skipped
        .quality
        .warnings
        .iter()
        .any(|w| w.contains("rejected")));
    let clean = run(
        &[example_file(Some(day("2024-01-17")), None)],
        Some(&snap),
        &o,
    )
    .unwrap();
    assert_eq!(clean.quality.rows_rejected.total(), 0);
    for kind in skipped.layer().tables() {
        assert_eq!(table_csv(&skipped, kind), table_csv(&clean, kind));
    }
}

#[test]
fn snapshot_timezone_must_match() {
    let (_, snap) = example_snapshot_at("2024-01-17");
    let rest = example_file(Some(day("2024-01-17")), None);
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    o.timezone = Some("Asia/Seoul".parse().unwrap());
    let e = err(run(std::slice::from_ref(&rest), Some(&snap), &o));
    assert_contains(&e, &["UTC", "Asia/Seoul", "snap.parquet"]);
    o.timezone = Some("+09:00".parse().unwrap());
    let e = err(run(std::slice::from_ref(&rest), Some(&snap), &o));
    assert_contains(&e, &["UTC", "+09:00"]);
    // Other spellings of UTC are the same zone.
    for z in ["UTC", "Etc/UTC", "Z", "+00:00"] {
        o.timezone = Some(z.parse().unwrap());
        run(std::slice::from_ref(&rest), Some(&snap), &o).unwrap_or_else(|e| panic!("{z}: {e}"));
    }

    // A snapshot in Asia/Seoul: the run defaults to it, another zone fails.
    let mut o1 = RunOptions::new(Grain::Month);
    o1.timezone = Some("Asia/Seoul".parse().unwrap());
    o1.through = Some(day("2024-01-17"));
    let a1 = run(&[example_file(None, Some(day("2024-01-17")))], None, &o1).unwrap();
    let seoul = snapshot_file(&a1);
    let mut o2 = RunOptions::new(Grain::Day);
    o2.through = Some(day("2024-02-04"));
    let a2 = run(std::slice::from_ref(&rest), Some(&seoul), &o2).unwrap();
    assert_eq!(a2.quality.timezone, "Asia/Seoul");
    assert_eq!(
        a2.snapshot.meta.timezone,
        "Asia/Seoul".parse::<Zone>().unwrap()
    );
    o2.timezone = Some("UTC".parse().unwrap());
    let e = err(run(&[rest], Some(&seoul), &o2));
    assert_contains(&e, &["UTC", "Asia/Seoul"]);
}

#[test]
fn snapshot_week_start_must_match_for_weekly_runs() {
    let (_, snap) = example_snapshot_at("2024-01-17");
    let rest = example_file(Some(day("2024-01-17")), None);
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    o.week_start = Some(Weekday::Sunday);
    let e = err(run(std::slice::from_ref(&rest), Some(&snap), &o));
    assert_contains(&e, &["monday", "sunday"]);
    // Stating the snapshot's own week start is fine.
    o.week_start = Some(Weekday::Monday);
    run(std::slice::from_ref(&rest), Some(&snap), &o).unwrap();

    // A snapshot with Sunday weeks: a weekly run defaults to Sunday weeks,
    // and its results equal the one-shot Sunday-week run.
    let mut o1 = RunOptions::new(Grain::Day);
    o1.week_start = Some(Weekday::Sunday);
    o1.through = Some(day("2024-01-17"));
    let a1 = run(&[example_file(None, Some(day("2024-01-17")))], None, &o1).unwrap();
    assert_eq!(a1.snapshot.meta.week_start, Weekday::Sunday);
    let sunday = snapshot_file(&a1);
    let mut o2 = RunOptions::new(Grain::Week);
    o2.through = Some(day("2024-02-04"));
    let a2 = run(std::slice::from_ref(&rest), Some(&sunday), &o2).unwrap();
    assert_eq!(a2.calendar.week_start(), Weekday::Sunday);
    assert_eq!(a2.snapshot.meta.week_start, Weekday::Sunday);
    let mut of = RunOptions::new(Grain::Week);
    of.week_start = Some(Weekday::Sunday);
    of.through = Some(day("2024-02-04"));
    let full = run(&[example_file(None, None)], None, &of).unwrap();
    assert_eq!(
        format_day(a2.calendar.start(a2.first_period())),
        "2024-01-14"
    );
    for kind in TABLES {
        assert_eq!(
            all_rows(&table_csv(&a2, kind)),
            rows_from(&table_csv(&full, kind), "2024-01-14"),
            "{}",
            kind.as_str()
        );
    }
    assert_same_snapshot("sunday weeks", &a2.snapshot, &full.snapshot);
    o2.week_start = Some(Weekday::Monday);
    let e = err(run(&[rest], Some(&sunday), &o2));
    assert_contains(&e, &["monday", "sunday"]);
}

#[test]
fn name_must_match_the_snapshot_fact() {
    let (_, snap) = example_snapshot_at("2024-01-17");
    let rest = example_file(Some(day("2024-01-17")), None);
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    o.name = Some("orders".into());
    let e = err(run(std::slice::from_ref(&rest), Some(&snap), &o));
    assert_contains(&e, &["orders", "spec_example"]);
    o.name = Some("spec_example".into());
    let a = run(std::slice::from_ref(&rest), Some(&snap), &o).unwrap();
    assert_eq!(a.fact, "spec_example");
    // Without a name, the snapshot's fact wins over the file stem.
    o.name = None;
    let renamed = InputFile::bytes(
        "day_2024_01_18.csv",
        example_csv(Some(day("2024-01-17")), None),
    );
    let a = run(&[renamed], Some(&snap), &o).unwrap();
    assert_eq!(a.fact, "spec_example");
    assert_eq!(a.snapshot.meta.fact, "spec_example");
}

#[test]
fn zero_fact_rows_with_a_snapshot_need_through() {
    let (_, snap) = example_snapshot_at("2024-01-17");
    let header_only = InputFile::bytes("spec_example.csv", b"user_id,event_date\n".to_vec());
    let mut o = RunOptions::new(Grain::Week);
    let e = err(run(std::slice::from_ref(&header_only), Some(&snap), &o));
    assert!(e.contains("through"), "{e}");

    // A quiet day (and a quiet rest of the week): 2024-01-18 .. 2024-01-21.
    o.through = Some(day("2024-01-21"));
    let a = run(std::slice::from_ref(&header_only), Some(&snap), &o).unwrap();
    let full = example_run(Some("2024-01-21"), None, Grain::Week);
    assert_eq!(format_day(a.calendar.start(a.first_period())), "2024-01-15");
    assert_eq!(a.aggregates.summary.len(), 1);
    assert!(a.aggregates.summary[0].complete);
    for kind in TABLES {
        assert_eq!(
            all_rows(&table_csv(&a, kind)),
            rows_from(&table_csv(&full, kind), "2024-01-15"),
            "{}",
            kind.as_str()
        );
    }
    assert_same_snapshot("quiet days", &a.snapshot, &full.snapshot);
    assert_eq!(a.quality.rows_read, 0);
    assert_eq!(
        a.quality.empty_days,
        vec!["2024-01-18", "2024-01-19", "2024-01-20", "2024-01-21"]
    );

    // A quiet run spanning into later weeks reports them.
    o.through = Some(day("2024-01-30"));
    let a = run(std::slice::from_ref(&header_only), Some(&snap), &o).unwrap();
    assert_eq!(a.aggregates.summary.len(), 3);
    assert_eq!(a.aggregates.summary[2].active, 0);
    assert!(!a.aggregates.summary[2].complete);

    // Without a snapshot, zero rows is an error even with through.
    let e = err(run(&[header_only], None, &o));
    assert!(e.contains("no fact rows"), "{e}");

    // Chaining on after the quiet run equals the one-shot run.
    o.through = Some(day("2024-01-21"));
    let quiet = run(
        &[InputFile::bytes("x.csv", b"user_id,event_date\n".to_vec())],
        Some(&snap),
        &o,
    )
    .unwrap();
    o.through = Some(day("2024-02-04"));
    let rest = run(
        &[example_file(Some(day("2024-01-21")), None)],
        Some(&snapshot_file(&quiet)),
        &o,
    )
    .unwrap();
    let full = example_run(None, None, Grain::Week);
    assert_same_snapshot("after the quiet run", &rest.snapshot, &full.snapshot);
    assert_eq!(
        all_rows(&table_csv(&rest, TableKind::States)),
        rows_from(EXAMPLE_STATES, "2024-01-22")
    );
}

#[test]
fn zero_fact_rows_with_integer_ids() {
    // The snapshot's Int64 ids with a header-only facts file (no type to read).
    let facts = InputFile::bytes(
        "f.csv",
        b"user_id,event_date\n7,2024-03-01\n12,2024-03-04\n".to_vec(),
    );
    let mut o = RunOptions::new(Grain::Day);
    o.through = Some(day("2024-03-05"));
    let a1 = run(&[facts], None, &o).unwrap();
    assert!(a1.ids().is_int());
    o.through = Some(day("2024-03-07"));
    let a2 = run(
        &[InputFile::bytes("f.csv", b"user_id,event_date\n".to_vec())],
        Some(&snapshot_file(&a1)),
        &o,
    )
    .unwrap();
    assert!(a2.ids().is_int(), "ids keep their integer type");
    assert_eq!(a2.aggregates.summary.len(), 2);
    // No files at all, with a snapshot and through.
    let a3 = run(&[], Some(&snapshot_file(&a1)), &o).unwrap();
    assert_same_snapshot("no files", &a3.snapshot, &a2.snapshot);
}

#[test]
fn rows_after_through_are_rejected_and_counted() {
    let cut = day("2024-01-17");
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(cut);
    let all = run(&[example_file(None, None)], None, &o).unwrap();
    assert_eq!(all.quality.rows_rejected.dated_after_through, 4);
    assert_eq!(all.quality.rows_rejected.total(), 4);
    assert_eq!(all.quality.rows_used, 7);
    let clean = run(&[example_file(None, Some(cut))], None, &o).unwrap();
    for kind in all.layer().tables() {
        assert_eq!(
            table_csv(&all, kind),
            table_csv(&clean, kind),
            "{}",
            kind.as_str()
        );
    }

    // The partitioned-export workflow: each run gets files covering more
    // than its days, with --skip-overlap and --through; the chain equals the
    // one-shot run.
    let mut o2 = RunOptions::new(Grain::Week);
    o2.skip_overlap = true;
    o2.through = Some(day("2024-01-24"));
    let a2 = run(&[example_file(None, None)], Some(&snapshot_file(&all)), &o2).unwrap();
    assert_eq!(a2.quality.rows_rejected.dated_on_or_before_as_of, 7);
    assert_eq!(a2.quality.rows_rejected.dated_after_through, 2);
    o2.through = Some(day("2024-02-04"));
    let a3 = run(
        &[example_file(Some(day("2024-01-20")), None)],
        Some(&snapshot_file(&a2)),
        &o2,
    )
    .unwrap();
    assert_eq!(a3.quality.rows_rejected.dated_on_or_before_as_of, 2);
    assert_eq!(a3.quality.rows_rejected.dated_after_through, 0);
    let full = example_run(None, None, Grain::Week);
    assert_same_snapshot("partitioned exports", &a3.snapshot, &full.snapshot);
    assert_eq!(
        all_rows(&table_csv(&a3, TableKind::States)),
        rows_from(EXAMPLE_STATES, "2024-01-22")
    );

    // through on or before the snapshot's as_of is an error.
    let mut o4 = RunOptions::new(Grain::Week);
    o4.through = Some(day("2024-01-17"));
    let e = err(run(
        &[InputFile::bytes("x.csv", b"user_id,event_date\n".to_vec())],
        Some(&snapshot_file(&all)),
        &o4,
    ));
    assert_contains(&e, &["2024-01-17", "as_of"]);
}

/// A user whose every row falls after `through` is not in the snapshot.
#[test]
fn users_only_after_through_leave_the_snapshot() {
    let facts = b"user_id,event_date\na,2024-01-02\nb,2024-01-09\n".to_vec();
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-01-05"));
    let a = run(&[InputFile::bytes("f.csv", facts.clone())], None, &o).unwrap();
    assert_eq!(a.snapshot.ids.len(), 1);
    assert_eq!(a.snapshot.ids.display(0), "a");
    assert_eq!(a.quality.rows_rejected.dated_after_through, 1);
    // The next run picks b up.
    o.through = Some(day("2024-01-14"));
    o.skip_overlap = true;
    let b = run(
        &[InputFile::bytes("f.csv", facts.clone())],
        Some(&snapshot_file(&a)),
        &o,
    )
    .unwrap();
    let mut of = RunOptions::new(Grain::Week);
    of.through = Some(day("2024-01-14"));
    let full = run(&[InputFile::bytes("f.csv", facts)], None, &of).unwrap();
    assert_same_snapshot("after through", &b.snapshot, &full.snapshot);
}

// ---------------------------------------------------------------------------
// 5. Minimal snapshots.

fn minimal_csv(rows: &[(String, i32, i32)]) -> Vec<u8> {
    let mut s = String::from("user_id,first_active_date,last_active_date\n");
    for (u, f, l) in rows {
        s.push_str(&format!("{u},{},{}\n", format_day(*f), format_day(*l)));
    }
    s.into_bytes()
}

/// First and last active dates per user among facts <= as_of.
fn first_last(ds: &Dataset, as_of: i32) -> BTreeMap<String, (i32, i32)> {
    let mut m: BTreeMap<String, (i32, i32)> = BTreeMap::new();
    for f in ds.facts.iter().filter(|f| f.day <= as_of) {
        let e = m.entry(f.user.clone()).or_insert((f.day, f.day));
        e.0 = e.0.min(f.day);
        e.1 = e.1.max(f.day);
    }
    m
}

fn adjacent_somewhere(week_start: Weekday, first: i32, last: i32) -> bool {
    GRAINS.iter().any(|g| {
        let c = Calendar::new(*g, week_start);
        c.period_of(last) - c.period_of(first) == 1
    })
}

/// The one-shot run over the shortest history a minimal snapshot allows
/// (each user active on its first and last date, nothing between) and the
/// facts after as_of, with the options of the run from the snapshot.
fn shortest_history_run(
    rows: &[(String, i32, i32)],
    later: InputFile,
    o: &RunOptions,
) -> Activation {
    let mut s = String::from("user_id,event_date\n");
    for (u, f, l) in rows {
        s.push_str(&format!("{u},{}\n{u},{}\n", format_day(*f), format_day(*l)));
    }
    let mut o = o.clone();
    o.as_of = None;
    o.skip_overlap = false;
    o.name = Some("shortest".into());
    run(
        &[later, InputFile::bytes("shortest.csv", s.into_bytes())],
        None,
        &o,
    )
    .unwrap_or_else(|e| panic!("the shortest-history run failed: {e}"))
}

/// Checks a run `a` from a minimal snapshot (`rows`, as of `as_of`), SPEC
/// section 5: every table row for row as the run over the shortest history
/// (`shortest`), so streak, active_periods and previous_state follow its
/// rule exactly; states, gap, churned_periods, inactive_streak, summary and
/// cohorts as the run over the real history (`full`); the snapshot as the
/// shortest history's, but for a previous active date that only the
/// shortest history knows (first and last in periods neither equal nor
/// adjacent, last not moved on: null).
#[track_caller]
fn check_minimal_run(
    ctx: &str,
    a: &Activation,
    full: &Activation,
    shortest: &Activation,
    as_of: i32,
    rows: &[(String, i32, i32)],
) {
    let cal = a.calendar;
    let p0 = cal.period_of(as_of);
    assert_eq!(
        a.first_period(),
        p0 + 1,
        "{ctx}: reports from the period after as_of"
    );
    let from = format_day(cal.start(p0 + 1));
    for kind in reported_tables(cal.grain()) {
        assert_same_lines(
            &format!("{ctx} (against the shortest history)"),
            kind.as_str(),
            &all_rows(&table_csv(a, kind)),
            &rows_from(&table_csv(shortest, kind), &from),
        );
    }
    // as_of ends a period: the days after it and the periods from the next
    // one need nothing the minimal snapshot lacks (SPEC section 12).
    let exact = [
        TableKind::Summary,
        TableKind::Cohorts,
        TableKind::Activity,
        TableKind::Depth,
    ];
    for kind in exact.into_iter().filter(|t| t.exists(cal.grain())) {
        assert_same_lines(
            ctx,
            kind.as_str(),
            &all_rows(&table_csv(a, kind)),
            &rows_from(&table_csv(full, kind), &from),
        );
    }
    let got = all_rows(&table_csv(a, TableKind::States));
    let want = rows_from(&table_csv(full, TableKind::States), &from);
    assert_eq!(
        got.len(),
        want.len(),
        "{ctx}: state rows\n{}\n---\n{}",
        got.join("\n"),
        want.join("\n")
    );
    for (g, w) in got.iter().zip(&want).skip(1) {
        let gc: Vec<&str> = g.split(',').collect();
        let wc: Vec<&str> = w.split(',').collect();
        // user_id, period_start, state
        assert_eq!(gc[..3], wc[..3], "{ctx}: {g} vs {w}");
        // inactive_streak, gap, churned_periods, first_period, tenure
        for i in [6, 7, 8, 10, 11] {
            assert_eq!(gc[i], wc[i], "{ctx}: column {i}: {g} vs {w}");
        }
    }
    assert!(!a.snapshot.meta.exact, "{ctx}: exact = false is carried on");
    assert!(!a.quality.exact, "{ctx}: quality exact");
    assert_eq!(
        a.quality.snapshot_exact,
        Some(false),
        "{ctx}: quality snapshot_exact"
    );
    assert!(
        a.quality
            .warnings
            .iter()
            .any(|w| w.contains("the snapshot is not exact")),
        "{ctx}: the quality report warns: {:?}",
        a.quality.warnings
    );
    let (gm, wm) = (snapshot_map(&a.snapshot), snapshot_map(&shortest.snapshot));
    assert_eq!(
        gm.keys().collect::<Vec<_>>(),
        snapshot_map(&full.snapshot).keys().collect::<Vec<_>>(),
        "{ctx}: snapshot users"
    );
    assert_eq!(gm.len(), wm.len(), "{ctx}: snapshot users");
    let minimal: BTreeMap<&str, (i32, i32)> = rows
        .iter()
        .map(|(u, f, l)| (u.as_str(), (*f, *l)))
        .collect();
    let calendars = GRAINS.map(|g| Calendar::new(g, cal.week_start()));
    // The columns SPEC section 5 defines, per grain.
    let columns = |h: &UserHistory| {
        (
            h.first_active_date,
            h.last_active_date,
            h.grains.map(|g| {
                (
                    g.previous_active_date,
                    g.streak,
                    g.active_periods,
                    g.active_days,
                )
            }),
        )
    };
    for (u, g) in &gm {
        let mut want = columns(&wm[u]);
        if let Some(&(first, last)) = minimal.get(u.as_str()) {
            for (i, c) in calendars.iter().enumerate() {
                let (pf, pl) = (c.period_of(first), c.period_of(last));
                let moved_on = c.period_of(want.1) != pl;
                if pl > pf + 1 && !moved_on {
                    assert_eq!(want.2[i].0, Some(first), "{ctx}: {u}");
                    want.2[i].0 = None;
                }
            }
        }
        assert_eq!(
            columns(g),
            want,
            "{ctx}: user {u}'s snapshot row (dates; daily, weekly, monthly previous date, streak, active periods, active days)"
        );
    }
}

/// One random run from a minimal snapshot; false when the data set leaves
/// no user active by as_of (nothing to write in a minimal snapshot).
fn check_minimal_case(seed: u64, drop_adjacent: bool) -> bool {
    let mut rng = Rng::new(seed);
    let mut ds = gen_dataset(&mut rng);
    let grain = rng.pick(&GRAINS);
    let week_start = rng.pick(&WEEKDAYS);
    let cal = Calendar::new(grain, week_start);
    let (lo, hi) = (ds.min_day(), ds.max_day());
    let as_of = cal.end(cal.period_of(rng.range(lo, hi)));
    if drop_adjacent {
        let fl = first_last(&ds, as_of);
        ds.facts.retain(|f| {
            fl.get(&f.user)
                .is_none_or(|(a, b)| !adjacent_somewhere(week_start, *a, *b))
        });
    }
    let fl = first_last(&ds, as_of);
    if fl.is_empty() || ds.facts.is_empty() {
        return false;
    }
    let through = ds.max_day().max(as_of + 2) + rng.range(0, 5);
    let mid = as_of + 1 + rng.range(0, through - as_of - 2);
    let rows: Vec<(String, i32, i32)> = fl.iter().map(|(u, (f, l))| (u.clone(), *f, *l)).collect();
    let ctx = format!(
        "minimal seed {seed:#x}: {grain}, week start {week_start}, as_of {}, mid {}, through {}\nminimal snapshot:\n{}\n{}",
        format_day(as_of),
        format_day(mid),
        format_day(through),
        String::from_utf8(minimal_csv(&rows)).unwrap(),
        describe(&ds)
    );
    let minimal = InputFile::bytes("minimal.csv", minimal_csv(&rows));
    let mut o = options(
        grain,
        Some(week_start),
        Some(ds.zone),
        Some(through),
        Rows::Changes,
    );
    o.as_of = Some(as_of);
    let a = run(&[ds.file(Some(as_of), through)], Some(&minimal), &o)
        .unwrap_or_else(|e| panic!("{ctx}: run from the minimal snapshot failed: {e}"));
    let chain = Chain {
        steps: vec![],
        week_start,
        rows: Rows::Changes,
    };
    let full = full_run(&ds, &chain, grain, through);
    let shortest = shortest_history_run(&rows, ds.file(Some(as_of), through), &o);
    check_minimal_run(&ctx, &a, &full, &shortest, as_of, &rows);

    // Two steps: to `mid`, then on from that run's (inexact) snapshot.
    o.through = Some(mid);
    let b1 = run(&[ds.file(Some(as_of), mid)], Some(&minimal), &o)
        .unwrap_or_else(|e| panic!("{ctx}: run to mid failed: {e}"));
    let mut o2 = options(grain, None, None, Some(through), Rows::Changes);
    o2.as_of = None;
    let b2 = run(
        &[ds.file(Some(mid), through)],
        Some(&snapshot_file(&b1)),
        &o2,
    )
    .unwrap_or_else(|e| panic!("{ctx}: run from the inexact snapshot failed: {e}"));
    assert!(
        !b2.snapshot.meta.exact,
        "{ctx}: exact = false is carried on again"
    );
    assert_eq!(b2.quality.snapshot_exact, Some(false), "{ctx}");
    assert!(
        b2.quality
            .warnings
            .iter()
            .any(|w| w.contains("minimal snapshot")),
        "{ctx}"
    );
    let bfrom = format_day(cal.start(cal.period_of(mid + 1)));
    // Summary counts stay exact.
    assert_same_lines(
        &ctx,
        "summary after the inexact snapshot",
        &all_rows(&table_csv(&b2, TableKind::Summary)),
        &rows_from(&table_csv(&full, TableKind::Summary), &bfrom),
    );
    assert_same_lines(
        &ctx,
        "cohorts after the inexact snapshot",
        &all_rows(&table_csv(&b2, TableKind::Cohorts)),
        &rows_from(&table_csv(&full, TableKind::Cohorts), &bfrom),
    );
    // The same final snapshot as the one-step minimal run.
    assert_same_snapshot(&ctx, &b2.snapshot, &a.snapshot);
    true
}

fn minimal_cases(test: &'static str, drop_adjacent: bool) {
    let mut cases = Cases::new(test, 60);
    cases.run(|_, seed| check_minimal_case(seed, drop_adjacent));
    cases.finish(0.8);
}

#[test]
fn minimal_snapshot_property_without_adjacent_periods() {
    minimal_cases("minimal_snapshot_property_without_adjacent_periods", true);
}

/// SPEC 5: a minimal snapshot is accepted whenever as_of is a period end;
/// users whose first and last active dates fall in adjacent periods (two
/// consecutive days, say) are the common case.
#[test]
fn minimal_snapshot_property_any_users() {
    minimal_cases("minimal_snapshot_property_any_users", false);
}

#[test]
fn minimal_snapshot_of_the_example() {
    // The example's first-last dates as of 2024-01-14 (a Sunday: the end of
    // the Monday week of 2024-01-08), without alice, whose first and last
    // dates fall in adjacent weeks (see the next test).
    let rows = vec![
        ("bob".to_string(), day("2024-01-03"), day("2024-01-03")),
        ("carol".to_string(), day("2024-01-10"), day("2024-01-10")),
        ("dave".to_string(), day("2024-01-02"), day("2024-01-04")),
    ];
    let facts = |lo: Option<i32>| {
        let mut s = String::from("user_id,event_date\n");
        for (u, d) in example_facts() {
            if u != "alice" && lo.is_none_or(|l| d > l) {
                s.push_str(&format!("{u},{}\n", format_day(d)));
            }
        }
        InputFile::bytes("spec_example.csv", s.into_bytes())
    };
    let as_of = day("2024-01-14");
    let minimal = InputFile::bytes("minimal.csv", minimal_csv(&rows));
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    // Without as_of: an error asking for it.
    let e = err(run(&[facts(Some(as_of))], Some(&minimal), &o));
    assert_contains(&e, &["minimal", "as-of"]);
    // as_of not at the end of a week: an error.
    o.as_of = Some(day("2024-01-17"));
    let e = err(run(&[facts(Some(day("2024-01-17")))], Some(&minimal), &o));
    assert_contains(&e, &["2024-01-17", "last day", "2024-01-21"]);
    // A week end is not a month end.
    let mut om = RunOptions::new(Grain::Month);
    om.as_of = Some(as_of);
    om.through = Some(day("2024-02-04"));
    let e = err(run(&[facts(Some(as_of))], Some(&minimal), &om));
    assert_contains(&e, &["2024-01-14", "2024-01-31"]);

    o.as_of = Some(as_of);
    let a = run(&[facts(Some(as_of))], Some(&minimal), &o).unwrap();
    let mut of = RunOptions::new(Grain::Week);
    of.through = Some(day("2024-02-04"));
    let full = run(&[facts(None)], None, &of).unwrap();
    let shortest = shortest_history_run(&rows, facts(Some(as_of)), &o);
    check_minimal_run("example minimal", &a, &full, &shortest, as_of, &rows);
    assert_eq!(a.fact, "spec_example");
    assert!(!a.snapshot.meta.exact);
}

#[test]
fn minimal_snapshot_with_adjacent_periods_is_accepted() {
    // u1: 2024-01-01 and 2024-01-02 (consecutive days: adjacent daily
    // periods); u2: 2024-01-03 and 2024-01-10 (adjacent Monday weeks). A
    // weekly run with as_of 2024-01-14 (a Sunday).
    let facts = "user_id,event_date\nu1,2024-01-01\nu1,2024-01-02\nu2,2024-01-03\nu2,2024-01-10\nu1,2024-01-16\nu2,2024-01-23\n";
    let rows = vec![
        ("u1".to_string(), day("2024-01-01"), day("2024-01-02")),
        ("u2".to_string(), day("2024-01-03"), day("2024-01-10")),
    ];
    let as_of = day("2024-01-14");
    let after = |lo: i32| {
        let mut s = String::from("user_id,event_date\n");
        for l in facts.lines().skip(1) {
            let (_, d) = l.split_once(',').unwrap();
            if day(d) > lo {
                s.push_str(l);
                s.push('\n');
            }
        }
        InputFile::bytes("f.csv", s.into_bytes())
    };
    let mut o = RunOptions::new(Grain::Week);
    o.as_of = Some(as_of);
    o.through = Some(day("2024-01-28"));
    let a = run(
        &[after(as_of)],
        Some(&InputFile::bytes("minimal.csv", minimal_csv(&rows))),
        &o,
    )
    .unwrap_or_else(|e| {
        panic!("SPEC 5 accepts a minimal snapshot when as_of is a period end: {e}")
    });
    let mut of = RunOptions::new(Grain::Week);
    of.through = Some(day("2024-01-28"));
    let full = run(
        &[InputFile::bytes("f.csv", facts.as_bytes().to_vec())],
        None,
        &of,
    )
    .unwrap();
    let shortest = shortest_history_run(&rows, after(as_of), &o);
    check_minimal_run("adjacent periods", &a, &full, &shortest, as_of, &rows);
    // SPEC section 5's rule, weekly: u1's dates in one week (streak 1, one
    // active week), u2's in adjacent weeks (a streak of 2 from its first
    // date); both active again after as_of, u2 only in the second week.
    let weekly = |u: &str| {
        let h = snapshot_map(&a.snapshot)[u];
        let g = h.grains[1];
        (
            format_day(h.last_active_date),
            g.previous_active_date.map(format_day),
            g.streak,
            g.active_periods,
        )
    };
    assert_eq!(
        weekly("u1"),
        ("2024-01-16".into(), Some("2024-01-02".into()), 1, 2)
    );
    assert_eq!(
        weekly("u2"),
        ("2024-01-23".into(), Some("2024-01-10".into()), 1, 3)
    );
    // The week of 2024-01-15: u1 back after a week away, u2 churned after
    // its streak of 2 (retained).
    let states = table_csv(&a, TableKind::States);
    assert!(
        states.contains(
            "u1,2024-01-15,reactivated,inactive,inactive_to_reactivated,1,0,2,1,2,2024-01-01,2"
        ),
        "{states}"
    );
    assert!(
        states
            .contains("u2,2024-01-15,inactive,retained,retained_to_inactive,0,1,,,2,2024-01-01,2"),
        "{states}"
    );
}

// ---------------------------------------------------------------------------
// Writers on tables with empty dictionaries (SPEC 8: never a panic).

fn csv_of_every_table(ctx: &str, a: &Activation) {
    for kind in a.layer().tables() {
        let batch = kind.batch(a).unwrap();
        let bytes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| csv_bytes(&batch)))
            .unwrap_or_else(|_| {
                panic!(
                    "{ctx}: write::csv_bytes panicked on the {} table ({} rows)",
                    kind.as_str(),
                    batch.num_rows()
                )
            });
        assert_eq!(
            String::from_utf8(bytes.unwrap()).unwrap(),
            batch_csv(&batch),
            "{ctx}: {}",
            kind.as_str()
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        write_outputs(a, dir.path(), OutputFormat::Csv)
    }))
    .unwrap_or_else(|_| panic!("{ctx}: write_outputs(.., Csv) panicked"));
    assert_eq!(
        written.unwrap().len(),
        a.layer().tables().count() + 2,
        "{ctx}"
    );
}

#[test]
fn csv_bytes_of_tables_with_empty_dictionaries() {
    // Only new rows: previous_state is null on every row.
    let f = InputFile::bytes("f.csv", b"user_id,event_date\nu1,2024-01-01\n".to_vec());
    let a = run(std::slice::from_ref(&f), None, &RunOptions::new(Grain::Day)).unwrap();
    csv_of_every_table("one new row", &a);

    // No state rows at all: a quiet run after everyone churned.
    let mut o = RunOptions::new(Grain::Day);
    o.through = Some(day("2024-01-03"));
    let a1 = run(&[f], None, &o).unwrap();
    o.through = Some(day("2024-01-05"));
    let quiet = run(
        &[InputFile::bytes("f.csv", b"user_id,event_date\n".to_vec())],
        Some(&snapshot_file(&a1)),
        &o,
    )
    .unwrap();
    assert_eq!(quiet.states.len(), 0);
    csv_of_every_table("no state rows", &quiet);
}
