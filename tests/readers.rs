//! Integration tests of the fact readers (SPEC sections 7 and 8): every
//! Parquet codec and time type, CSV dialects, time zones, column detection
//! and every kind of bad input. Each case checks real numbers on a fact set
//! whose answer is known: the worked example of SPEC section 10.

#[path = "common/codecs.rs"]
mod codecs;
#[path = "common/spec.rs"]
mod spec;

use std::sync::{Arc, LazyLock};

use activation_layer::grain::{format_day, parse_day};
use activation_layer::{run, Activation, Grain, InputFile, RunOptions, TimeFormat, TimeUnit, Zone};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray, TimestampMicrosecondArray, TimestampMillisecondArray,
    TimestampNanosecondArray, TimestampSecondArray,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};

// ---------------------------------------------------------------------------
// The worked example of SPEC section 10
// ---------------------------------------------------------------------------

/// Facts of SPEC section 10: (user, local date).
static SPEC: LazyLock<Vec<(&str, &str)>> = LazyLock::new(spec::facts);

/// SPEC section 10 states table without the transition column: user,
/// period_start, state, previous, streak, inactive_streak, gap,
/// churned_periods, active_periods, first_period, tenure.
fn spec_states() -> Vec<String> {
    let mut lines = spec::STATES_CSV.lines();
    let header = lines.next().unwrap();
    let transition = header.split(',').position(|c| c == "transition").unwrap();
    lines
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells.remove(transition);
            cells.join(",")
        })
        .collect()
}

fn day(s: &str) -> i32 {
    parse_day("test", s).unwrap()
}

const DAY_US: i64 = 86_400_000_000;
const HOUR_US: i64 = 3_600_000_000;

/// Microseconds since the epoch of `date` at `hh:mm` on a clock `offset_h` hours east of UTC.
fn instant_us(date: &str, hh: i64, mm: i64, offset_h: i64) -> i64 {
    i64::from(day(date)) * DAY_US + hh * HOUR_US + mm * 60_000_000 - offset_h * HOUR_US
}

/// A weekly run through 2024-02-04 (the example's options).
fn weekly() -> RunOptions {
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    o
}

fn seoul() -> Zone {
    "Asia/Seoul".parse().unwrap()
}

fn run_ok(files: Vec<InputFile>, opts: &RunOptions) -> Activation {
    match run(&files, None, opts) {
        Ok(a) => a,
        Err(e) => panic!("the run failed: {e}"),
    }
}

fn run_err(files: Vec<InputFile>, opts: &RunOptions) -> String {
    match run(&files, None, opts) {
        Ok(a) => panic!(
            "expected an error, got a run with summary {:?}",
            summary_counts(&a)
        ),
        Err(e) => e.to_string(),
    }
}

fn summary_counts(a: &Activation) -> Vec<(String, [u64; 8])> {
    a.aggregates
        .summary
        .iter()
        .map(|r| {
            (
                format_day(r.period_start),
                [
                    r.active,
                    r.new,
                    r.retained,
                    r.reactivated,
                    r.churned,
                    r.dormant,
                    r.inactive,
                    r.total_users,
                ],
            )
        })
        .collect()
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The states table as lines like [`spec_states`], ids translated by `name`.
fn state_lines(a: &Activation, name: &dyn Fn(&str) -> String) -> Vec<String> {
    let cal = &a.calendar;
    a.states
        .iter()
        .map(|r| {
            format!(
                "{},{},{},{},{},{},{},{},{},{},{}",
                name(&a.ids().display(r.user)),
                format_day(cal.start(r.period)),
                r.state,
                opt(r.previous),
                r.streak,
                r.inactive_streak,
                opt(r.gap),
                opt(r.churned_periods),
                r.active_periods,
                format_day(cal.start(r.first_period)),
                r.tenure
            )
        })
        .collect()
}

/// Asserts the summary and states of SPEC section 10; `name` turns the
/// run's ids back into alice, bob, carol and dave.
fn assert_spec_as(a: &Activation, ctx: &str, name: &dyn Fn(&str) -> String) {
    let want: Vec<(String, [u64; 8])> = spec::summary()
        .iter()
        .map(|r| {
            let period = r.text("period_start").to_string();
            (period, spec::SUMMARY_COUNTS.map(|c| r.get(c)))
        })
        .collect();
    assert_eq!(summary_counts(a), want, "{ctx}: weekly summary");
    let mut got = state_lines(a, name);
    got.sort();
    let mut want = spec_states();
    want.sort();
    assert_eq!(got, want, "{ctx}: states");
    assert_eq!(a.quality.distinct_users, 4, "{ctx}: distinct users");
}

fn assert_spec(a: &Activation, ctx: &str) {
    assert_spec_as(a, ctx, &|s| s.to_string());
    assert!(!a.ids().is_int(), "{ctx}: string ids stay strings");
}

/// First and last active local dates of a user in the run's snapshot.
fn first_last(a: &Activation, id: &str) -> (String, String) {
    let u = a
        .ids()
        .find(id)
        .unwrap_or_else(|| panic!("user {id} not in the snapshot"));
    let h = &a.snapshot.users[u as usize];
    (
        format_day(h.first_active_date),
        format_day(h.last_active_date),
    )
}

// ---------------------------------------------------------------------------
// Parquet writing helpers
// ---------------------------------------------------------------------------

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(cols).unwrap()
}

fn parquet_with(b: &RecordBatch, props: WriterProperties) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, b.schema(), Some(props)).unwrap();
    w.write(b).unwrap();
    w.close().unwrap();
    out
}

/// Parquet bytes with row groups of at most 4 rows (11 rows: 3 groups).
fn parquet(b: &RecordBatch) -> Vec<u8> {
    parquet_with(
        b,
        WriterProperties::builder()
            .set_max_row_group_row_count(Some(4))
            .build(),
    )
}

fn row_groups(bytes: &[u8]) -> usize {
    SerializedFileReader::new(bytes::Bytes::from(bytes.to_vec()))
        .unwrap()
        .metadata()
        .num_row_groups()
}

fn spec_users() -> ArrayRef {
    Arc::new(StringArray::from_iter_values(SPEC.iter().map(|(u, _)| *u)))
}

fn spec_dict_users() -> ArrayRef {
    Arc::new(
        SPEC.iter()
            .map(|(u, _)| *u)
            .collect::<DictionaryArray<Int32Type>>(),
    )
}

fn spec_date32() -> ArrayRef {
    Arc::new(Date32Array::from_iter_values(
        SPEC.iter().map(|(_, d)| day(d)),
    ))
}

/// The example's users and dates written as Parquet with `user_id`
/// and `event_date` (Date32).
fn spec_parquet() -> Vec<u8> {
    parquet(&batch(vec![
        ("user_id", spec_users()),
        ("event_date", spec_date32()),
    ]))
}

fn csv_file(name: &str, text: &str) -> InputFile {
    InputFile::bytes(name, text.as_bytes().to_vec())
}

/// The example as CSV text: a header and one line per fact.
fn spec_csv() -> String {
    spec::facts_text().to_string()
}

// ---------------------------------------------------------------------------
// Parquet: codecs, encodings, row groups
// ---------------------------------------------------------------------------

#[test]
fn spec_example_csv_file_on_disk() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/spec_example.csv");
    let a = run_ok(vec![InputFile::path(path)], &weekly());
    assert_spec(&a, "tests/data/spec_example.csv");
    assert_eq!(a.fact, "spec_example");
    assert_eq!(a.quality.rows_read, 11);
    assert_eq!(a.quality.rows_used, 11);
    assert_eq!(a.quality.rows_rejected.total(), 0);
    assert_eq!(a.quality.duplicate_rows, 0);
    assert_eq!(a.quality.min_local_date.as_deref(), Some("2024-01-01"));
    assert_eq!(a.quality.max_local_date.as_deref(), Some("2024-01-31"));
    // Snapshot, weekly columns (SPEC section 10).
    let weekly_cols = |id: &str| {
        let u = a.ids().find(id).unwrap();
        let h = &a.snapshot.users[u as usize];
        let w = &h.grains[1];
        (
            format_day(h.first_active_date),
            format_day(h.last_active_date),
            w.previous_active_date.map(format_day),
            w.streak,
            w.active_periods,
        )
    };
    for user in spec::users() {
        assert_eq!(
            weekly_cols(user),
            spec::snapshot_columns(user, "weekly"),
            "{user}"
        );
    }
}

#[test]
fn parquet_every_codec_dictionary_encoded_several_row_groups() {
    for (codec_name, codec) in codecs::written() {
        for dictionary in [true, false] {
            for arrow_dict in [false, true] {
                let users = if arrow_dict {
                    spec_dict_users()
                } else {
                    spec_users()
                };
                let b = batch(vec![("user_id", users), ("event_date", spec_date32())]);
                let props = WriterProperties::builder()
                    .set_compression(codec)
                    .set_dictionary_enabled(dictionary)
                    .set_max_row_group_row_count(Some(4))
                    // Several data pages per row group as well.
                    .set_data_page_row_count_limit(2)
                    .set_write_batch_size(2)
                    .build();
                let bytes = parquet_with(&b, props);
                let ctx = format!("{codec_name} dictionary={dictionary} arrow_dict={arrow_dict}");
                let reader = SerializedFileReader::new(bytes::Bytes::from(bytes.clone())).unwrap();
                let meta = reader.metadata();
                assert_eq!(meta.num_row_groups(), 3, "{ctx}");
                for rg in meta.row_groups() {
                    assert_eq!(rg.column(0).compression(), codec, "{ctx}");
                    assert_eq!(
                        rg.column(0).dictionary_page_offset().is_some(),
                        dictionary,
                        "{ctx}: dictionary page of user_id"
                    );
                }
                let a = run_ok(
                    vec![InputFile::bytes(
                        format!("facts_{codec_name}.parquet"),
                        bytes,
                    )],
                    &weekly(),
                );
                assert_spec(&a, &ctx);
                assert_eq!(a.fact, format!("facts_{codec_name}"));
                assert_eq!(a.quality.rows_read, 11, "{ctx}");
            }
        }
    }
}

/// Brotli files come from pyarrow: the project links only the decoder.
#[test]
fn parquet_brotli_pages_from_another_writer() {
    for (name, bytes) in codecs::brotli_files() {
        let reader = SerializedFileReader::new(bytes::Bytes::from_static(bytes)).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.num_row_groups(), 3, "{name}");
        for rg in meta.row_groups() {
            assert!(
                matches!(rg.column(0).compression(), Compression::BROTLI(_)),
                "{name}"
            );
        }
        let a = run_ok(
            vec![InputFile::bytes(
                format!("facts_{name}.parquet"),
                bytes.to_vec(),
            )],
            &weekly(),
        );
        assert_spec(&a, name);
        assert_eq!(a.quality.rows_read, 11, "{name}");
    }
}

#[test]
fn parquet_from_a_file_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("visits.parquet");
    std::fs::write(&path, spec_parquet()).unwrap();
    let a = run_ok(vec![InputFile::path(&path)], &weekly());
    assert_spec(&a, "parquet on disk");
    assert_eq!(a.fact, "visits");
}

#[test]
fn several_files_are_one_fact_table() {
    let (first, second) = SPEC.split_at(5);
    let part = |rows: &[(&str, &str)]| {
        parquet(&batch(vec![
            (
                "user_id",
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))) as ArrayRef,
            ),
            (
                "event_date",
                Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| day(r.1)))),
            ),
        ]))
    };
    let files = || {
        vec![
            InputFile::bytes("part-0.parquet", part(first)),
            InputFile::bytes("part-1.parquet", part(second)),
        ]
    };
    // Without a name, several files are an error naming the option.
    let e = run_err(files(), &weekly());
    assert!(e.contains("--name"), "{e}");
    let mut o = weekly();
    o.name = Some("visits".into());
    let a = run_ok(files(), &o);
    assert_spec(&a, "two parquet files");
    assert_eq!(a.fact, "visits");
    // A CSV part and a Parquet part together.
    let csv_part: String = std::iter::once("user_id,event_date\n".to_string())
        .chain(first.iter().map(|(u, d)| format!("{u},{d}\n")))
        .collect();
    let a = run_ok(
        vec![
            csv_file("part-0.csv", &csv_part),
            InputFile::bytes("part-1.parquet", part(second)),
        ],
        &o,
    );
    assert_spec(&a, "csv + parquet");
}

// ---------------------------------------------------------------------------
// Parquet time types
// ---------------------------------------------------------------------------

/// Microseconds in a unit with `per_second` ticks per second.
fn in_unit(us: i64, per_second: i64) -> i64 {
    if per_second >= 1_000_000 {
        us * (per_second / 1_000_000)
    } else {
        us / (1_000_000 / per_second)
    }
}

/// The example's instants at 01:00 in Seoul (16:00 UTC the day before),
/// in `unit` (1 = seconds ... 1e9 = nanoseconds per second).
fn seoul_one_am(per_second: i64) -> Vec<i64> {
    SPEC.iter()
        .map(|(_, d)| in_unit(instant_us(d, 1, 0, 9), per_second))
        .collect()
}

/// The example's wall-clock times at 23:30 local, in `unit`.
fn local_late(per_second: i64) -> Vec<i64> {
    SPEC.iter()
        .map(|(_, d)| in_unit(instant_us(d, 23, 30, 0), per_second))
        .collect()
}

fn timestamp_array(unit: &str, values: Vec<i64>, tz: Option<&str>) -> ArrayRef {
    match unit {
        "s" => {
            let a = TimestampSecondArray::from(values);
            Arc::new(match tz {
                Some(t) => a.with_timezone(t),
                None => a,
            })
        }
        "ms" => {
            let a = TimestampMillisecondArray::from(values);
            Arc::new(match tz {
                Some(t) => a.with_timezone(t),
                None => a,
            })
        }
        "us" => {
            let a = TimestampMicrosecondArray::from(values);
            Arc::new(match tz {
                Some(t) => a.with_timezone(t),
                None => a,
            })
        }
        "ns" => {
            let a = TimestampNanosecondArray::from(values);
            Arc::new(match tz {
                Some(t) => a.with_timezone(t),
                None => a,
            })
        }
        _ => unreachable!(),
    }
}

const UNITS: [(&str, i64); 4] = [
    ("s", 1),
    ("ms", 1_000),
    ("us", 1_000_000),
    ("ns", 1_000_000_000),
];

#[test]
fn parquet_timestamps_with_a_time_zone_are_instants() {
    for (unit, per_second) in UNITS {
        // The zone label of the column does not matter: the values are instants.
        for label in ["UTC", "+00:00", "Asia/Tokyo", "America/New_York"] {
            let b = batch(vec![
                ("user_id", spec_dict_users()),
                (
                    "event_time",
                    timestamp_array(unit, seoul_one_am(per_second), Some(label)),
                ),
            ]);
            let bytes = parquet(&b);
            let ctx = format!("timestamp[{unit}, tz={label}]");
            // In Seoul, 01:00 local is the example's date.
            let mut o = weekly();
            o.timezone = Some(seoul());
            let a = run_ok(vec![InputFile::bytes("ts.parquet", bytes.clone())], &o);
            assert_spec(&a, &format!("{ctx} in Asia/Seoul"));
            assert_eq!(
                first_last(&a, "alice"),
                ("2024-01-01".into(), "2024-01-30".into())
            );
            // In UTC the same instants fall on the day before.
            let a = run_ok(vec![InputFile::bytes("ts.parquet", bytes)], &weekly());
            assert_eq!(
                first_last(&a, "alice"),
                ("2023-12-31".into(), "2024-01-29".into()),
                "{ctx} in UTC"
            );
            assert_eq!(
                first_last(&a, "dave"),
                ("2024-01-01".into(), "2024-01-30".into()),
                "{ctx} in UTC"
            );
        }
    }
}

#[test]
fn parquet_timestamps_without_a_time_zone_are_local() {
    for (unit, per_second) in UNITS {
        let b = batch(vec![
            ("user_id", spec_users()),
            (
                "event_time",
                timestamp_array(unit, local_late(per_second), None),
            ),
        ]);
        let bytes = parquet(&b);
        for zone in ["UTC", "Asia/Seoul", "America/New_York", "+09:00", "-05:00"] {
            let ctx = format!("timestamp[{unit}] naive, run in {zone}");
            let mut o = weekly();
            o.timezone = Some(zone.parse().unwrap());
            let a = run_ok(vec![InputFile::bytes("naive.parquet", bytes.clone())], &o);
            // 23:30 on the wall clock stays on its date in every zone.
            assert_spec(&a, &ctx);
            assert_eq!(
                first_last(&a, "dave"),
                ("2024-01-02".into(), "2024-01-31".into()),
                "{ctx}"
            );
        }
    }
}

#[test]
fn parquet_date32_is_local_in_every_zone() {
    for zone in [
        "UTC",
        "Asia/Seoul",
        "America/New_York",
        "Pacific/Kiritimati",
    ] {
        let mut o = weekly();
        o.timezone = Some(zone.parse().unwrap());
        let a = run_ok(vec![InputFile::bytes("dates.parquet", spec_parquet())], &o);
        assert_spec(&a, &format!("date32 in {zone}"));
    }
}

/// A Parquet file with `user_id` (UTF8) and an INT96 `ts` column, written
/// in two row groups.
fn int96_parquet(rows: &[(&str, i64)]) -> Vec<u8> {
    use parquet::data_type::{ByteArray, ByteArrayType, Int96, Int96Type};
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    let schema = Arc::new(
        parse_message_type("message m { required binary user_id (UTF8); required int96 ts; }")
            .unwrap(),
    );
    let props = Arc::new(WriterProperties::builder().build());
    let mut out = Vec::new();
    let mut w = SerializedFileWriter::new(&mut out, schema, props).unwrap();
    for chunk in rows.chunks(6) {
        let users: Vec<ByteArray> = chunk.iter().map(|(u, _)| ByteArray::from(*u)).collect();
        let times: Vec<Int96> = chunk
            .iter()
            .map(|(_, us)| {
                let days = us.div_euclid(DAY_US);
                let nanos = us.rem_euclid(DAY_US) * 1000;
                let mut v = Int96::new();
                v.set_data(
                    (nanos & 0xFFFF_FFFF) as u32,
                    (nanos >> 32) as u32,
                    (days + 2_440_588) as u32,
                );
                v
            })
            .collect();
        let mut rg = w.next_row_group().unwrap();
        let mut col = rg.next_column().unwrap().unwrap();
        col.typed::<ByteArrayType>()
            .write_batch(&users, None, None)
            .unwrap();
        col.close().unwrap();
        let mut col = rg.next_column().unwrap().unwrap();
        col.typed::<Int96Type>()
            .write_batch(&times, None, None)
            .unwrap();
        col.close().unwrap();
        rg.close().unwrap();
    }
    w.close().unwrap();
    out
}

#[test]
fn parquet_int96_timestamps_are_utc_instants() {
    let rows: Vec<(&str, i64)> = SPEC
        .iter()
        .map(|(u, d)| (*u, instant_us(d, 1, 0, 9)))
        .collect();
    let bytes = int96_parquet(&rows);
    assert_eq!(row_groups(&bytes), 2);
    // 01:00 in Seoul is the example's date there...
    let mut o = weekly();
    o.timezone = Some(seoul());
    let a = run_ok(vec![InputFile::bytes("spark.parquet", bytes.clone())], &o);
    assert_spec(&a, "int96 in Asia/Seoul");
    // ... and 16:00 UTC the day before in UTC: INT96 is not a wall clock.
    let a = run_ok(vec![InputFile::bytes("spark.parquet", bytes)], &weekly());
    assert_eq!(
        first_last(&a, "alice"),
        ("2023-12-31".into(), "2024-01-29".into())
    );
    // Fractions of a second survive (nanoseconds within the day).
    let rows = [("x", instant_us("2024-03-05", 23, 59, 0) + 59_999_999)];
    let a = run_ok(
        vec![InputFile::bytes("one.parquet", int96_parquet(&rows))],
        &RunOptions::new(Grain::Day),
    );
    assert_eq!(
        first_last(&a, "x"),
        ("2024-03-05".into(), "2024-03-05".into())
    );
}

#[test]
fn parquet_integer_epochs_need_and_use_an_explicit_unit() {
    for (unit, per_second) in UNITS {
        let values = seoul_one_am(per_second);
        let b = batch(vec![
            ("user_id", spec_users()),
            ("ts", Arc::new(Int64Array::from(values)) as ArrayRef),
        ]);
        let bytes = parquet(&b);
        let mut o = weekly();
        o.timezone = Some(seoul());
        o.facts.time_unit = Some(unit.parse::<TimeUnit>().unwrap());
        let a = run_ok(vec![InputFile::bytes("epoch.parquet", bytes.clone())], &o);
        assert_spec(&a, &format!("int64 epoch {unit} in Seoul"));
        // Epoch integers are instants: in UTC they fall on the day before.
        o.timezone = None;
        let a = run_ok(vec![InputFile::bytes("epoch.parquet", bytes.clone())], &o);
        assert_eq!(
            first_last(&a, "bob"),
            ("2024-01-02".into(), "2024-01-02".into()),
            "epoch {unit} in UTC"
        );
        // Without a unit (or format) it is an error naming file and column.
        let e = run_err(vec![InputFile::bytes("epoch.parquet", bytes)], &weekly());
        assert!(e.contains("epoch.parquet"), "{e}");
        assert!(e.contains("\"ts\""), "{e}");
        assert!(e.contains("--time-unit"), "{e}");
        assert!(e.contains("--time-format"), "{e}");
    }
    // Int32 seconds too.
    let values: Vec<i32> = seoul_one_am(1).into_iter().map(|v| v as i32).collect();
    let b = batch(vec![
        ("user_id", spec_users()),
        ("ts", Arc::new(Int32Array::from(values)) as ArrayRef),
    ]);
    let mut o = weekly();
    o.timezone = Some(seoul());
    o.facts.time_unit = Some(TimeUnit::Seconds);
    let a = run_ok(vec![InputFile::bytes("epoch32.parquet", parquet(&b))], &o);
    assert_spec(&a, "int32 epoch seconds");
}

#[test]
fn parquet_integer_dates_with_a_time_format() {
    let ymd = |d: &str| d.replace('-', "").parse::<i64>().unwrap();
    let i32s: Vec<i32> = SPEC.iter().map(|(_, d)| ymd(d) as i32).collect();
    let i64s: Vec<i64> = SPEC.iter().map(|(_, d)| ymd(d)).collect();
    for (kind, col) in [
        ("int32", Arc::new(Int32Array::from(i32s)) as ArrayRef),
        ("int64", Arc::new(Int64Array::from(i64s)) as ArrayRef),
    ] {
        let bytes = parquet(&batch(vec![("user_id", spec_users()), ("event_date", col)]));
        let mut o = weekly();
        o.facts.time_format = Some(TimeFormat::new("%Y%m%d").unwrap());
        // A %Y%m%d date is local: the zone does not move it.
        o.timezone = Some("America/New_York".parse().unwrap());
        let a = run_ok(vec![InputFile::bytes("ymd.parquet", bytes.clone())], &o);
        assert_spec(&a, &format!("{kind} %Y%m%d"));
        let e = run_err(vec![InputFile::bytes("ymd.parquet", bytes)], &weekly());
        assert!(
            e.contains("ymd.parquet") && e.contains("\"event_date\""),
            "{e}"
        );
    }
}

#[test]
fn parquet_integer_user_ids() {
    let num = |u: &str| match u {
        "alice" => 101,
        "bob" => 7,
        "carol" => 55,
        "dave" => 3,
        _ => unreachable!(),
    };
    let name = |id: &str| {
        match id {
            "101" => "alice",
            "7" => "bob",
            "55" => "carol",
            "3" => "dave",
            other => panic!("unexpected id {other}"),
        }
        .to_string()
    };
    let i64s: Vec<i64> = SPEC.iter().map(|(u, _)| num(u)).collect();
    let i32s: Vec<i32> = SPEC.iter().map(|(u, _)| num(u) as i32).collect();
    for (kind, col) in [
        ("int64", Arc::new(Int64Array::from(i64s)) as ArrayRef),
        ("int32", Arc::new(Int32Array::from(i32s)) as ArrayRef),
    ] {
        let bytes = parquet(&batch(vec![
            ("user_id", col),
            ("event_date", spec_date32()),
        ]));
        let a = run_ok(vec![InputFile::bytes("ids.parquet", bytes)], &weekly());
        assert!(a.ids().is_int(), "{kind} ids stay integers");
        assert_spec_as(&a, kind, &name);
        // Integer ids are ordered numerically within a period (3, 7, 101),
        // not bytewise (101, 3, 7).
        let first_week: Vec<String> = a
            .states
            .period(a.first_period())
            .map(|r| a.ids().display(r.user()))
            .collect();
        assert_eq!(first_week, ["3", "7", "101"], "{kind}");
    }
}

#[test]
fn parquet_string_times_iso_dates_and_rfc3339_offsets() {
    // Plain ISO dates (local).
    let dates = Arc::new(StringArray::from_iter_values(SPEC.iter().map(|(_, d)| *d))) as ArrayRef;
    let a = run_ok(
        vec![InputFile::bytes(
            "iso.parquet",
            parquet(&batch(vec![("user_id", spec_users()), ("date", dates)])),
        )],
        &weekly(),
    );
    assert_spec(&a, "iso date strings");

    // RFC 3339 with various offsets, all at 12:00 UTC on the example's date.
    let forms = [
        "{d}T12:00:00Z",
        "{d}T13:00:00+01:00",
        "{d}T07:00:00-05:00",
        "{d}T21:30:00+09:30",
        "{d}T12:00:00.123456Z",
        "{d} 12:00:00+00:00",
        "{d}T20:00:00+0800",
        "{d}T12:00z",
        "{d}T12:00:00.5-00:00",
        "{d}T12:00:00+00",
        "{d}T12:00:00 UTC",
    ];
    let values: Vec<String> = SPEC
        .iter()
        .enumerate()
        .map(|(i, (_, d))| forms[i % forms.len()].replace("{d}", d))
        .collect();
    // As a plain and as a dictionary-encoded string column.
    let plain = Arc::new(StringArray::from_iter_values(values.iter())) as ArrayRef;
    let dict = Arc::new(
        values
            .iter()
            .map(String::as_str)
            .collect::<DictionaryArray<Int32Type>>(),
    ) as ArrayRef;
    for (kind, col) in [("plain", plain), ("dictionary", dict)] {
        let bytes = parquet(&batch(vec![("user_id", spec_users()), ("event_time", col)]));
        let a = run_ok(
            vec![InputFile::bytes("rfc.parquet", bytes.clone())],
            &weekly(),
        );
        assert_spec(&a, &format!("rfc3339 {kind} in UTC"));
        assert_eq!(a.quality.rows_rejected.total(), 0);
        // In Seoul 12:00 UTC is 21:00 the same day: same answer.
        let mut o = weekly();
        o.timezone = Some(seoul());
        let a = run_ok(vec![InputFile::bytes("rfc.parquet", bytes)], &o);
        assert_spec(&a, &format!("rfc3339 {kind} in Seoul"));
    }

    // An offset near midnight decides the date; a string without one is local.
    let users = Arc::new(StringArray::from(vec!["off", "local"])) as ArrayRef;
    let times = Arc::new(StringArray::from(vec![
        "2024-03-10T08:30:00+09:00",
        "2024-03-10 23:30:00",
    ])) as ArrayRef;
    let bytes = parquet(&batch(vec![("user_id", users), ("event_time", times)]));
    for (zone, off_date) in [
        ("UTC", "2024-03-09"),
        ("Asia/Seoul", "2024-03-10"),
        ("America/New_York", "2024-03-09"),
    ] {
        let mut o = RunOptions::new(Grain::Day);
        o.timezone = Some(zone.parse().unwrap());
        let a = run_ok(vec![InputFile::bytes("mix.parquet", bytes.clone())], &o);
        assert_eq!(first_last(&a, "off").0, off_date, "{zone}");
        assert_eq!(first_last(&a, "local").0, "2024-03-10", "{zone}");
    }
}

#[test]
fn parquet_fact_filter() {
    // The example's rows are "visit"s; "click" rows of other users and days
    // must not count.
    let mut users: Vec<&str> = SPEC.iter().map(|r| r.0).collect();
    let mut dates: Vec<i32> = SPEC.iter().map(|r| day(r.1)).collect();
    let mut events: Vec<&str> = vec!["visit"; SPEC.len()];
    for (u, d, e) in [
        ("eve", "2024-01-05", "click"),
        ("alice", "2024-01-16", "click"),
        ("bob", "2024-01-25", "click"),
        ("bob", "2024-01-26", "open"),
    ] {
        users.push(u);
        dates.push(day(d));
        events.push(e);
    }
    let b = batch(vec![
        (
            "user_id",
            Arc::new(
                users
                    .iter()
                    .copied()
                    .collect::<DictionaryArray<Int32Type>>(),
            ) as ArrayRef,
        ),
        ("event_date", Arc::new(Date32Array::from(dates))),
        (
            "event_name",
            Arc::new(
                events
                    .iter()
                    .copied()
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
        ),
    ]);
    let bytes = parquet(&b);
    let mut o = weekly();
    o.facts.fact_column = Some("event_name".into());
    o.facts.fact_values = vec!["visit".into()];
    let a = run_ok(vec![InputFile::bytes("events.parquet", bytes.clone())], &o);
    assert_spec(&a, "fact filter visit");
    assert_eq!(a.fact, "visit");
    assert_eq!(a.quality.rows_read, 15);
    assert_eq!(a.quality.rows_used, 11);
    assert_eq!(a.quality.rows_filtered_out, 4);
    // Days with rows of any fact value are not empty days.
    assert!(!a.quality.empty_days.contains(&"2024-01-05".to_string()));
    assert!(!a.quality.empty_days.contains(&"2024-01-16".to_string()));
    assert!(a.quality.empty_days.contains(&"2024-01-06".to_string()));

    // Two values: the name joins them; "open" and "click" rows of bob are
    // in two more weeks.
    o.facts.fact_values = vec!["visit".into(), "open".into()];
    let a = run_ok(vec![InputFile::bytes("events.parquet", bytes.clone())], &o);
    assert_eq!(a.fact, "visit_open");
    assert_eq!(a.quality.rows_used, 12);
    let last = &a.aggregates.summary[3];
    assert_eq!(format_day(last.period_start), "2024-01-22");
    assert_eq!((last.active, last.reactivated), (3, 2));

    // No matching row: an error naming the values and the column.
    o.facts.fact_values = vec!["purchase".into()];
    let e = run_err(vec![InputFile::bytes("events.parquet", bytes.clone())], &o);
    assert!(e.contains("purchase") && e.contains("event_name"), "{e}");
    assert!(e.contains("events.parquet"), "{e}");

    // A fact column that does not exist.
    o.facts.fact_column = Some("kind".into());
    let e = run_err(vec![InputFile::bytes("events.parquet", bytes)], &o);
    assert!(
        e.contains("events.parquet") && e.contains("\"kind\""),
        "{e}"
    );
    assert!(e.contains("event_name"), "lists the columns: {e}");
}

#[test]
fn csv_fact_filter() {
    let mut text = String::from("user_id,event_date,event\n");
    for &(u, d) in SPEC.iter() {
        text.push_str(&format!("{u},{d},visit\n"));
    }
    text.push_str("eve,2024-01-20,click\nalice,2024-01-16,click\n");
    let mut o = weekly();
    o.facts.fact_column = Some("EVENT".into());
    o.facts.fact_values = vec!["visit".into()];
    let a = run_ok(vec![csv_file("events.csv", &text)], &o);
    assert_spec(&a, "csv fact filter");
    assert_eq!(a.quality.rows_filtered_out, 2);
}

// ---------------------------------------------------------------------------
// CSV dialects and ids
// ---------------------------------------------------------------------------

#[test]
fn csv_dialects() {
    let make = |sep: &str, eol: &str, bom: bool, quote: bool, extra: bool| {
        let mut s = String::new();
        if bom {
            s.push('\u{feff}');
        }
        let q = |x: &str| {
            if quote {
                format!("\"{x}\"")
            } else {
                x.to_string()
            }
        };
        s.push_str(&q("user_id"));
        s.push_str(sep);
        s.push_str(&q("event_date"));
        if extra {
            s.push_str(sep);
            s.push_str("note");
        }
        s.push_str(eol);
        for (i, (u, d)) in SPEC.iter().enumerate() {
            s.push_str(&q(u));
            s.push_str(sep);
            s.push_str(&q(d));
            if extra {
                s.push_str(sep);
                // Quoted fields holding every delimiter, quotes and a newline.
                s.push_str(&format!("\"a,b;c\td \"\"{i}\"\"\nnext line\""));
            }
            s.push_str(eol);
        }
        s
    };
    for (sep_name, sep) in [("comma", ","), ("tab", "\t"), ("semicolon", ";")] {
        for eol in ["\n", "\r\n"] {
            for bom in [false, true] {
                for quote in [false, true] {
                    for extra in [false, true] {
                        let text = make(sep, eol, bom, quote, extra);
                        let ctx = format!(
                            "{sep_name} crlf={} bom={bom} quoted={quote} extra={extra}",
                            eol == "\r\n"
                        );
                        let a = run_ok(vec![csv_file("dialect.csv", &text)], &weekly());
                        assert_spec(&a, &ctx);
                        assert_eq!(a.quality.rows_read, 11, "{ctx}");
                    }
                }
            }
        }
    }
    // No trailing newline.
    let text = spec_csv();
    let a = run_ok(vec![csv_file("no_eol.csv", text.trim_end())], &weekly());
    assert_spec(&a, "no final newline");
}

#[test]
fn csv_integer_ids_only_when_all_canonical() {
    let mut text = String::from("user_id,event_date\n");
    let num = |u: &str| match u {
        "alice" => "101",
        "bob" => "7",
        "carol" => "55",
        _ => "3",
    };
    for &(u, d) in SPEC.iter() {
        text.push_str(&format!("{},{d}\n", num(u)));
    }
    let a = run_ok(vec![csv_file("ints.csv", &text)], &weekly());
    assert!(a.ids().is_int(), "canonical integers become integer ids");
    let name = |id: &str| {
        match id {
            "101" => "alice",
            "7" => "bob",
            "55" => "carol",
            "3" => "dave",
            other => panic!("unexpected id {other}"),
        }
        .to_string()
    };
    assert_spec_as(&a, "csv integer ids", &name);

    // "00123" and "123" are two users, and ids stay strings.
    let text = "user_id,event_date\n123,2024-01-01\n00123,2024-01-01\n123,2024-01-02\n";
    let a = run_ok(
        vec![csv_file("zeros.csv", text)],
        &RunOptions::new(Grain::Day),
    );
    assert!(!a.ids().is_int());
    assert_eq!(a.ids().len(), 2);
    assert_eq!(a.quality.distinct_users, 2);
    assert_eq!(
        first_last(&a, "123"),
        ("2024-01-01".into(), "2024-01-02".into())
    );
    assert_eq!(
        first_last(&a, "00123"),
        ("2024-01-01".into(), "2024-01-01".into())
    );
    assert_eq!(a.aggregates.summary[0].new, 2);

    // A sign, a space or a decimal point also keep them strings.
    for odd in ["-5", "+5", " 5", "5.0", "99999999999999999999"] {
        let text = format!("user_id,event_date\n5,2024-01-01\n\"{odd}\",2024-01-01\n");
        let a = run_ok(
            vec![csv_file("odd.csv", &text)],
            &RunOptions::new(Grain::Day),
        );
        assert!(!a.ids().is_int(), "{odd:?}");
        assert_eq!(a.ids().len(), 2, "{odd:?}");
    }
}

/// A CSV log in time order, with more distinct ids than one group of
/// interning: the same numbers as the same rows from Parquet, and an id's
/// error names its own line, whichever group it falls in.
#[test]
fn csv_ids_interned_a_group_at_a_time() {
    let rows: Vec<(String, String)> = (0..3000u32)
        .map(|i| {
            // Runs of a repeated id, as in a session, between scattered ids.
            let user = if i % 5 == 4 {
                (i - 1) * 7919 % 700
            } else {
                i * 7919 % 700
            };
            (
                format!("u{user}"),
                format!("2024-01-{:02}", 1 + i * 31 / 3000),
            )
        })
        .collect();
    let mut text = String::from("user_id,event_date\n");
    for (u, d) in &rows {
        text.push_str(&format!("{u},{d}\n"));
    }
    let users = Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.0))) as ArrayRef;
    let dates = Arc::new(Date32Array::from_iter_values(
        rows.iter().map(|r| day(&r.1)),
    )) as ArrayRef;
    let bytes = parquet(&batch(vec![("user_id", users), ("event_date", dates)]));
    let opts = RunOptions::new(Grain::Day);
    let from_csv = run_ok(vec![csv_file("log.csv", &text)], &opts);
    let from_parquet = run_ok(vec![InputFile::bytes("log.parquet", bytes)], &opts);
    let distinct: std::collections::HashSet<&String> = rows.iter().map(|r| &r.0).collect();
    assert!(distinct.len() > 256);
    assert_eq!(from_csv.quality.distinct_users, distinct.len() as u64);
    assert_eq!(summary_counts(&from_csv), summary_counts(&from_parquet));
    assert_eq!(from_csv.ids(), from_parquet.ids());
    for u in ["u0", "u7", "u693"] {
        assert_eq!(
            first_last(&from_csv, u),
            first_last(&from_parquet, u),
            "{u}"
        );
    }

    // After a file of integer ids, a text id on line 2,600 (the 11th group).
    let ints = parquet(&batch(vec![
        (
            "user_id",
            Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
        ),
        (
            "event_date",
            Arc::new(Date32Array::from(vec![day("2024-01-01"); 2])) as ArrayRef,
        ),
    ]));
    let mut numeric = String::from("user_id,event_date\n");
    for i in 0..3000 {
        let id = if i == 2598 {
            "x9".to_string()
        } else {
            i.to_string()
        };
        numeric.push_str(&format!("{id},2024-01-02\n"));
    }
    let mut named = opts.clone();
    named.name = Some("log".into());
    let e = run_err(
        vec![
            InputFile::bytes("ints.parquet", ints),
            csv_file("more.csv", &numeric),
        ],
        &named,
    );
    assert!(
        e.contains("more.csv")
            && e.contains("line 2600:")
            && e.contains("\"x9\" is not an integer"),
        "{e}"
    );

    // A byte that is not UTF-8 in the id on line 1,001.
    let mut bad = text.clone().into_bytes();
    let at = text.match_indices('\n').nth(999).unwrap().0 + 1;
    bad[at] = 0xff;
    let e = run_err(vec![InputFile::bytes("bad.csv", bad)], &opts);
    assert!(
        e.contains("bad.csv") && e.contains("line 1001:") && e.contains("not valid UTF-8"),
        "{e}"
    );
}

#[test]
fn csv_integer_time_column_needs_a_unit_or_format() {
    let mut text = String::from("user_id,ts\n");
    for (u, us) in SPEC.iter().map(|r| r.0).zip(seoul_one_am(1)) {
        text.push_str(&format!("{u},{us}\n"));
    }
    let e = run_err(vec![csv_file("epoch.csv", &text)], &weekly());
    assert!(e.contains("epoch.csv"), "{e}");
    assert!(e.contains("\"ts\""), "{e}");
    assert!(
        e.contains("--time-unit") && e.contains("--time-format"),
        "{e}"
    );
    let mut o = weekly();
    o.facts.time_unit = Some(TimeUnit::Seconds);
    o.timezone = Some(seoul());
    let a = run_ok(vec![csv_file("epoch.csv", &text)], &o);
    assert_spec(&a, "csv epoch seconds");
    // Milliseconds.
    let mut text = String::from("user_id,ts\n");
    for (u, ms) in SPEC.iter().map(|r| r.0).zip(seoul_one_am(1000)) {
        text.push_str(&format!("{u},{ms}\n"));
    }
    o.facts.time_unit = Some(TimeUnit::Millis);
    let a = run_ok(vec![csv_file("epoch_ms.csv", &text)], &o);
    assert_spec(&a, "csv epoch ms");
    // %Y%m%d with a format.
    let mut text = String::from("user_id,event_date\n");
    for &(u, d) in SPEC.iter() {
        text.push_str(&format!("{u},{}\n", d.replace('-', "")));
    }
    let mut o = weekly();
    o.facts.time_format = Some(TimeFormat::new("%Y%m%d").unwrap());
    let a = run_ok(vec![csv_file("ymd.csv", &text)], &o);
    assert_spec(&a, "csv %Y%m%d");
    // A custom day-first format with a time.
    let mut text = String::from("user_id,event_date\n");
    for &(u, d) in SPEC.iter() {
        let (y, m, dd) = (&d[0..4], &d[5..7], &d[8..10]);
        text.push_str(&format!("{u},{dd}/{m}/{y} 23:59\n"));
    }
    let mut o = weekly();
    o.facts.time_format = Some(TimeFormat::new("%d/%m/%Y %H:%M").unwrap());
    let a = run_ok(vec![csv_file("dmy.csv", &text)], &o);
    assert_spec(&a, "csv %d/%m/%Y %H:%M");
}

// ---------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------

#[test]
fn instants_near_midnight_land_on_the_zone_s_local_date() {
    // user, instant, then its local date in UTC, Asia/Seoul, America/New_York.
    let cases = [
        // 15:30Z is 00:30 the next day in Seoul.
        (
            "seoul_next",
            "2024-01-01T15:30:00Z",
            ["2024-01-01", "2024-01-02", "2024-01-01"],
        ),
        // 04:30Z in winter is 23:30 EST (UTC-5) the day before in New York.
        (
            "ny_winter",
            "2024-01-01T04:30:00Z",
            ["2024-01-01", "2024-01-01", "2023-12-31"],
        ),
        // 05:30Z in winter is 00:30 EST.
        (
            "ny_winter2",
            "2024-01-01T05:30:00Z",
            ["2024-01-01", "2024-01-01", "2024-01-01"],
        ),
        // 03:30Z in summer is 23:30 EDT (UTC-4) the day before.
        (
            "ny_summer",
            "2024-07-01T03:30:00Z",
            ["2024-07-01", "2024-07-01", "2024-06-30"],
        ),
        // 04:30Z in summer is 00:30 EDT: a fixed -05:00 would say June 30.
        (
            "ny_summer2",
            "2024-07-01T04:30:00Z",
            ["2024-07-01", "2024-07-01", "2024-07-01"],
        ),
        // Just before midnight UTC.
        (
            "utc_late",
            "2024-03-31T23:59:59.999999Z",
            ["2024-03-31", "2024-04-01", "2024-03-31"],
        ),
        // Across the New York spring-forward (2024-03-10 07:00Z).
        (
            "ny_dst_day",
            "2024-03-11T03:59:00Z",
            ["2024-03-11", "2024-03-11", "2024-03-10"],
        ),
        (
            "ny_dst_day2",
            "2024-03-11T04:00:00Z",
            ["2024-03-11", "2024-03-11", "2024-03-11"],
        ),
    ];
    let mut text = String::from("user_id,event_time\n");
    for (u, t, _) in &cases {
        text.push_str(&format!("{u},{t}\n"));
    }
    // The same instants as a Parquet timestamp column.
    let micros: Vec<i64> = cases
        .iter()
        .map(|(_, t, _)| {
            chrono::DateTime::parse_from_rfc3339(t)
                .unwrap()
                .timestamp_micros()
        })
        .collect();
    let pq = parquet(&batch(vec![
        (
            "user_id",
            Arc::new(StringArray::from_iter_values(cases.iter().map(|c| c.0))) as ArrayRef,
        ),
        (
            "event_time",
            Arc::new(TimestampMicrosecondArray::from(micros).with_timezone("UTC")),
        ),
    ]));
    for (z, zone) in ["UTC", "Asia/Seoul", "America/New_York"].iter().enumerate() {
        for file in [
            csv_file("tz.csv", &text),
            InputFile::bytes("tz.parquet", pq.clone()),
        ] {
            let ctx = format!("{} in {zone}", file.name);
            let mut o = RunOptions::new(Grain::Day);
            o.timezone = Some(zone.parse().unwrap());
            let a = run_ok(vec![file], &o);
            for (u, _, dates) in &cases {
                assert_eq!(first_last(&a, u).0, dates[z], "{ctx}: {u}");
            }
            assert_eq!(a.quality.timezone, *zone);
            assert_eq!(a.snapshot.meta.timezone.name(), *zone);
        }
    }
    // A fixed offset is fixed: -05:00 is not New York in summer.
    let mut o = RunOptions::new(Grain::Day);
    o.timezone = Some("-05:00".parse().unwrap());
    let a = run_ok(vec![csv_file("tz.csv", &text)], &o);
    assert_eq!(first_last(&a, "ny_summer2").0, "2024-06-30");
    assert_eq!(first_last(&a, "ny_winter").0, "2023-12-31");
    o.timezone = Some("+09:00".parse().unwrap());
    let a = run_ok(vec![csv_file("tz.csv", &text)], &o);
    assert_eq!(first_last(&a, "seoul_next").0, "2024-01-02");
}

#[test]
fn time_zone_names() {
    let utc = Zone::default();
    for same in ["UTC", "Etc/UTC", "Z", "+00:00", "utc"] {
        assert_eq!(same.parse::<Zone>().unwrap(), utc, "{same}");
    }
    assert_eq!("+09:00".parse::<Zone>().unwrap().name(), "+09:00");
    assert_eq!("Asia/Seoul".parse::<Zone>().unwrap().name(), "Asia/Seoul");
    for bad in ["Mars/Olympus", "Asia/Seol", "+25:00", "", "EST5EDT6"] {
        match bad.parse::<Zone>() {
            Ok(z) => panic!("{bad:?} parsed as {z}"),
            Err(e) => {
                let m = e.to_string();
                assert!(m.contains(&format!("{bad:?}")), "names the value: {m}");
                assert!(m.contains("IANA"), "says what was expected: {m}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Column mapping
// ---------------------------------------------------------------------------

const USER_CANDIDATES: [&str; 6] = [
    "user_id",
    "userid",
    "user",
    "customer_id",
    "member_id",
    "account_id",
];
const TIME_CANDIDATES: [&str; 7] = [
    "event_time",
    "timestamp",
    "ts",
    "time",
    "event_date",
    "date",
    "created_at",
];

/// Mixed case: `uSeR_Id`.
fn shout(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

#[test]
fn user_column_detection_order() {
    for i in 0..USER_CANDIDATES.len() {
        // Candidates i.. present (later ones first in the file, mixed case),
        // only candidate i holds the real users.
        let present: Vec<&str> = USER_CANDIDATES[i..].iter().rev().copied().collect();
        let mut header: Vec<String> = present.iter().map(|c| shout(c)).collect();
        header.push("WHEN".into());
        header.insert(0, "noise".into());
        let mut text = header.join(",") + "\n";
        for &(u, d) in SPEC.iter() {
            let mut cells: Vec<String> = vec!["x".into()];
            for c in &present {
                cells.push(if *c == USER_CANDIDATES[i] {
                    u.to_string()
                } else {
                    "decoy".to_string()
                });
            }
            cells.push(d.to_string());
            text += &(cells.join(",") + "\n");
        }
        let mut o = weekly();
        o.facts.time_column = Some("when".into());
        let a = run_ok(vec![csv_file("cols.csv", &text)], &o);
        assert_spec(&a, &format!("user column {}", USER_CANDIDATES[i]));
    }
}

#[test]
fn time_column_detection_order() {
    for i in 0..TIME_CANDIDATES.len() {
        let present: Vec<&str> = TIME_CANDIDATES[i..].iter().rev().copied().collect();
        let mut header: Vec<String> = vec!["USER_ID".into()];
        header.extend(present.iter().map(|c| c.to_ascii_uppercase()));
        let mut text = header.join(",") + "\n";
        for &(u, d) in SPEC.iter() {
            let mut cells: Vec<String> = vec![u.to_string()];
            for c in &present {
                // Decoys are valid dates in another week.
                cells.push(if *c == TIME_CANDIDATES[i] {
                    d.to_string()
                } else {
                    "2024-01-20".to_string()
                });
            }
            text += &(cells.join(",") + "\n");
        }
        let a = run_ok(vec![csv_file("cols.csv", &text)], &weekly());
        assert_spec(&a, &format!("time column {}", TIME_CANDIDATES[i]));
    }
}

#[test]
fn explicit_user_and_time_columns() {
    let mut text = String::from("user_id,who,date,When_UTC\n");
    for &(u, d) in SPEC.iter() {
        text.push_str(&format!("decoy,{u},2024-01-20,{d}\n"));
    }
    let mut o = weekly();
    o.facts.user_column = Some("who".into());
    o.facts.time_column = Some("when_utc".into());
    let a = run_ok(vec![csv_file("explicit.csv", &text)], &o);
    assert_spec(&a, "explicit columns, case-insensitive");
    // Parquet too.
    let bytes = parquet(&batch(vec![
        (
            "user_id",
            Arc::new(StringArray::from(vec!["decoy"; 11])) as ArrayRef,
        ),
        ("Who", spec_users()),
        ("When_UTC", spec_date32()),
        (
            "date",
            Arc::new(Date32Array::from(vec![day("2024-01-20"); 11])),
        ),
    ]));
    let a = run_ok(
        vec![InputFile::bytes("explicit.parquet", bytes.clone())],
        &o,
    );
    assert_spec(&a, "explicit parquet columns");
    // An explicit column that is not there: named, with the file's columns.
    o.facts.user_column = Some("member".into());
    let e = run_err(vec![InputFile::bytes("explicit.parquet", bytes)], &o);
    assert!(e.contains("explicit.parquet"), "{e}");
    assert!(e.contains("\"member\""), "{e}");
    for c in ["user_id", "Who", "When_UTC", "date"] {
        assert!(e.contains(c), "lists column {c}: {e}");
    }
    let mut o = weekly();
    o.facts.time_column = Some("seen_at".into());
    let e = run_err(vec![csv_file("explicit.csv", &text)], &o);
    assert!(
        e.contains("explicit.csv") && e.contains("\"seen_at\""),
        "{e}"
    );
    assert!(e.contains("When_UTC"), "{e}");
}

// ---------------------------------------------------------------------------
// Bad input (SPEC section 8)
// ---------------------------------------------------------------------------

/// Runs on a possibly broken file; panics inside the engine fail the test
/// with a clear message instead of passing silently.
fn try_run(file: InputFile, opts: &RunOptions) -> Result<Activation, String> {
    let name = file.name.clone();
    match std::panic::catch_unwind(|| run(&[file], None, opts)) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => panic!("the engine panicked on {name}"),
    }
}

#[test]
fn truncated_parquet_is_an_error() {
    for (kind, bytes) in [
        ("date32", spec_parquet()),
        (
            "int96",
            int96_parquet(
                &SPEC
                    .iter()
                    .map(|(u, d)| (*u, instant_us(d, 12, 0, 0)))
                    .collect::<Vec<_>>(),
            ),
        ),
    ] {
        let n = bytes.len();
        for cut in [n / 2, n - 1, n - 8, n - 9, 4, 5, n / 3, 2 * n / 3] {
            let file = InputFile::bytes("cut.parquet", bytes[..cut].to_vec());
            let e = match try_run(file, &weekly()) {
                Ok(a) => panic!(
                    "{kind} cut at {cut}/{n}: expected an error, got {:?}",
                    summary_counts(&a)
                ),
                Err(e) => e,
            };
            assert!(e.contains("cut.parquet"), "{kind} cut at {cut}: {e}");
            assert!(e.contains("Parquet"), "{kind} cut at {cut}: {e}");
            assert!(!e.contains("internal error"), "{kind} cut at {cut}: {e}");
        }
    }
}

#[test]
fn parquet_with_damaged_pages_is_an_error_not_a_panic() {
    // The footer is intact, the pages are overwritten: the reader must
    // fail cleanly (never panic, never give the example's answer).
    let bytes = parquet_with(
        &batch(vec![
            ("user_id", spec_users()),
            ("event_date", spec_date32()),
        ]),
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build(),
    );
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes.clone())).unwrap();
    let rg = reader.metadata().row_group(0);
    let (start, len) = rg.column(0).byte_range();
    for fill in [0x00u8, 0xFF, 0x5A] {
        let mut broken = bytes.clone();
        for b in &mut broken[start as usize..(start + len) as usize] {
            *b = fill;
        }
        let file = InputFile::bytes("damaged.parquet", broken);
        match try_run(file, &weekly()) {
            Ok(a) => panic!(
                "fill {fill:#x}: damaged pages gave a result: {:?}",
                summary_counts(&a)
            ),
            Err(e) => assert!(e.contains("damaged.parquet"), "{e}"),
        }
    }
}

#[test]
fn garbage_with_a_parquet_name_is_an_error() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect();
    let e = try_run(
        InputFile::bytes("random.parquet", garbage.clone()),
        &weekly(),
    )
    .unwrap_err();
    assert!(e.contains("random.parquet"), "{e}");
    assert!(e.contains("PAR1") && e.contains("Parquet"), "{e}");
    // Garbage that starts with the magic bytes.
    let mut magic = b"PAR1".to_vec();
    magic.extend_from_slice(&garbage);
    magic.extend_from_slice(b"PAR1");
    let e = try_run(InputFile::bytes("magic.parquet", magic), &weekly()).unwrap_err();
    assert!(e.contains("magic.parquet") && e.contains("Parquet"), "{e}");
}

#[test]
fn ragged_csv_rows_are_an_error() {
    let text = "user_id,event_date\nalice,2024-01-01\nbob,2024-01-02,extra\ncarol,2024-01-03\n";
    let e = run_err(vec![csv_file("ragged.csv", text)], &weekly());
    assert!(e.contains("ragged.csv"), "{e}");
    assert!(e.contains("line 3"), "{e}");
    assert!(e.contains("3 fields") && e.contains("header has 2"), "{e}");
    let text = "user_id,event_date\nalice,2024-01-01\nbob\n";
    let e = run_err(vec![csv_file("short.csv", text)], &weekly());
    assert!(e.contains("short.csv") && e.contains("line 3"), "{e}");
}

#[test]
fn missing_user_column_lists_the_columns() {
    let text = "person,event_date,country\nalice,2024-01-01,KR\n";
    let e = run_err(vec![csv_file("nouser.csv", text)], &weekly());
    assert!(e.contains("nouser.csv"), "{e}");
    assert!(e.contains("user"), "{e}");
    assert!(
        e.contains("person, event_date, country"),
        "lists the columns: {e}"
    );
    assert!(e.contains("--user-col"), "{e}");
    for c in USER_CANDIDATES {
        assert!(e.contains(c), "expected candidates: {e}");
    }
    // Parquet.
    let bytes = parquet(&batch(vec![
        ("person", spec_users()),
        ("event_date", spec_date32()),
    ]));
    let e = run_err(vec![InputFile::bytes("nouser.parquet", bytes)], &weekly());
    assert!(
        e.contains("nouser.parquet") && e.contains("person, event_date"),
        "{e}"
    );
}

#[test]
fn missing_time_column_lists_the_columns() {
    let text = "user_id,when,country\nalice,2024-01-01,KR\n";
    let e = run_err(vec![csv_file("notime.csv", text)], &weekly());
    assert!(e.contains("notime.csv"), "{e}");
    assert!(e.contains("time"), "{e}");
    assert!(e.contains("user_id, when, country"), "{e}");
    assert!(e.contains("--time-col"), "{e}");
    for c in TIME_CANDIDATES {
        assert!(e.contains(c), "expected candidates: {e}");
    }
}

#[test]
fn wrong_column_types_are_errors() {
    // A boolean time column.
    let bytes = parquet(&batch(vec![
        ("user_id", spec_users()),
        (
            "ts",
            Arc::new(BooleanArray::from(vec![true; 11])) as ArrayRef,
        ),
    ]));
    let e = run_err(vec![InputFile::bytes("bool.parquet", bytes)], &weekly());
    assert!(e.contains("bool.parquet") && e.contains("\"ts\""), "{e}");
    assert!(e.contains("expected a timestamp"), "{e}");
    // Float user ids.
    let bytes = parquet(&batch(vec![
        (
            "user_id",
            Arc::new(Float64Array::from(vec![1.5; 11])) as ArrayRef,
        ),
        ("event_date", spec_date32()),
    ]));
    let e = run_err(vec![InputFile::bytes("float.parquet", bytes)], &weekly());
    assert!(
        e.contains("float.parquet") && e.contains("\"user_id\""),
        "{e}"
    );
    assert!(e.contains("expected string or integer user ids"), "{e}");
}

/// The example with every fact repeated at `n` different times of its day
/// (not duplicates), then `bad` extra rows with unreadable times.
fn spec_many(n: usize, bad: &[&str]) -> String {
    let mut s = String::from("user_id,event_date\n");
    for k in 0..n {
        for &(u, d) in SPEC.iter() {
            s.push_str(&format!("{u},{d}T{:02}:{:02}:00\n", k / 60, k % 60));
        }
    }
    for (i, b) in bad.iter().enumerate() {
        s.push_str(&format!("user{i},{b}\n"));
    }
    s
}

#[test]
fn unparseable_times_beyond_max_rejected_fail_with_examples() {
    // 3 bad rows of 25 (12%), default limit 1%.
    let text = spec_many(2, &["yesterday", "2024-02-30", "31/01/2024"]);
    let e = run_err(vec![csv_file("badtimes.csv", &text)], &weekly());
    assert!(e.contains("badtimes.csv"), "names the file: {e}");
    assert!(e.contains("yesterday"), "shows offending values: {e}");
    assert!(e.contains("2024-02-30") && e.contains("31/01/2024"), "{e}");
    assert!(e.contains("3 of 25"), "{e}");
    assert!(e.contains("--max-rejected"), "{e}");
}

#[test]
fn unparseable_times_message_names_the_time_column() {
    // SPEC section 8: every bad input names the file, the column and what
    // was expected.
    let text = spec_many(2, &["yesterday", "2024-02-30", "31/01/2024"]);
    let e = run_err(vec![csv_file("badtimes.csv", &text)], &weekly());
    assert!(e.contains("event_date"), "names the time column: {e}");
}

#[test]
fn null_users_beyond_max_rejected_name_the_user_column() {
    let mut text = spec_csv();
    text.push_str(",2024-01-05\n,2024-01-06\n");
    let e = run_err(vec![csv_file("nullusers.csv", &text)], &weekly());
    assert!(e.contains("nullusers.csv"), "{e}");
    assert!(e.contains("null user 2"), "{e}");
    assert!(e.contains("user_id"), "names the user column: {e}");
}

#[test]
fn rejections_under_max_rejected_are_counted() {
    // 1 bad row of 100 + 1: under 1%.
    let good = 100 / SPEC.len() + 1; // 10 copies = 110 good rows
    let text = spec_many(good, &["not a date"]);
    let a = run_ok(vec![csv_file("some_bad.csv", &text)], &weekly());
    assert_spec(&a, "one unreadable time");
    let rows = (good * SPEC.len()) as u64;
    assert_eq!(a.quality.rows_read, rows + 1);
    assert_eq!(a.quality.rows_used, rows);
    assert_eq!(a.quality.rows_rejected.unparseable_time, 1);
    assert_eq!(a.quality.rows_rejected.total(), 1);
    assert_eq!(a.quality.duplicate_rows, 0);
    assert!(
        a.quality
            .warnings
            .iter()
            .any(|w| w.contains("1 row(s) rejected")),
        "{:?}",
        a.quality.warnings
    );

    // Exactly at the limit (2 of 200) passes, one more fails.
    let mut text = String::from("user_id,event_date\n");
    for k in 0..198 {
        let (u, d) = SPEC[k % SPEC.len()];
        text.push_str(&format!("{u},{d}T00:00:{:02}\n", k / SPEC.len()));
    }
    text.push_str("x,never\ny,\n");
    let a = run_ok(vec![csv_file("limit.csv", &text)], &weekly());
    assert_eq!(a.quality.rows_rejected.unparseable_time, 1);
    assert_eq!(a.quality.rows_rejected.null_time, 1);
    assert_spec(&a, "at the limit");
    text.push_str("z,nope\n");
    let e = run_err(vec![csv_file("limit.csv", &text)], &weekly());
    assert!(e.contains("limit.csv") && e.contains("nope"), "{e}");

    // A higher --max-rejected lets more through.
    let text = spec_many(1, &["bad1", "bad2"]);
    let mut o = weekly();
    o.max_rejected = 0.2;
    let a = run_ok(vec![csv_file("lenient.csv", &text)], &o);
    assert_spec(&a, "max_rejected 0.2");
    assert_eq!(a.quality.rows_rejected.unparseable_time, 2);
}

#[test]
fn null_users_and_null_times_are_counted() {
    let mut text = spec_csv();
    text.push_str(",2024-01-05\n\"\",2024-01-06\neve,\n");
    let mut o = weekly();
    o.max_rejected = 0.25;
    let a = run_ok(vec![csv_file("nulls.csv", &text)], &o);
    assert_spec(&a, "csv nulls");
    assert_eq!(a.quality.rows_read, 14);
    assert_eq!(a.quality.rows_rejected.null_user, 2);
    assert_eq!(a.quality.rows_rejected.null_time, 1);
    assert_eq!(a.quality.rows_rejected.total(), 3);
    assert_eq!(
        a.ids().find("eve"),
        None,
        "a user with no usable row leaves the outputs"
    );

    // Parquet nulls.
    let mut users: Vec<Option<&str>> = SPEC.iter().map(|r| Some(r.0)).collect();
    let mut dates: Vec<Option<i32>> = SPEC.iter().map(|r| Some(day(r.1))).collect();
    users.extend([None, Some("eve"), None]);
    dates.extend([Some(day("2024-01-05")), None, None]);
    let bytes = parquet(&batch(vec![
        ("user_id", Arc::new(StringArray::from(users)) as ArrayRef),
        ("event_date", Arc::new(Date32Array::from(dates))),
    ]));
    let a = run_ok(vec![InputFile::bytes("nulls.parquet", bytes)], &o);
    assert_spec(&a, "parquet nulls");
    assert_eq!(a.quality.rows_rejected.null_user, 2);
    assert_eq!(a.quality.rows_rejected.null_time, 1);
    // A day with only a null-user row still has data.
    assert!(!a.quality.empty_days.contains(&"2024-01-05".to_string()));
}

#[test]
fn absurd_date_spans_name_the_extreme_dates() {
    let mut text = spec_csv();
    text.push_str("eve,1970-01-01\n");
    let e = run_err(vec![csv_file("epoch0.csv", &text)], &weekly());
    assert!(e.contains("epoch0.csv"), "{e}");
    assert!(e.contains("1970-01-01") && e.contains("2024-02-04"), "{e}");
    assert!(e.contains("50 years"), "{e}");

    let mut text = spec_csv();
    text.push_str("eve,9999-12-31\n");
    let e = run_err(
        vec![csv_file("forever.csv", &text)],
        &RunOptions::new(Grain::Week),
    );
    assert!(e.contains("forever.csv"), "{e}");
    assert!(e.contains("9999-12-31") && e.contains("2024-01-01"), "{e}");

    // Parquet Date32 sentinel.
    let mut dates: Vec<i32> = SPEC.iter().map(|r| day(r.1)).collect();
    dates[3] = 0;
    let bytes = parquet(&batch(vec![
        ("user_id", spec_users()),
        ("event_date", Arc::new(Date32Array::from(dates)) as ArrayRef),
    ]));
    let e = run_err(vec![InputFile::bytes("sentinel.parquet", bytes)], &weekly());
    assert!(
        e.contains("sentinel.parquet") && e.contains("1970-01-01"),
        "{e}"
    );

    // A 9999-12-31 row after an explicit --through is rejected and counted,
    // not an error.
    let mut text = spec_csv();
    text.push_str("eve,9999-12-31\n");
    let a = run_ok(vec![csv_file("forever.csv", &text)], &weekly());
    assert_spec(&a, "sentinel after through");
    assert_eq!(a.quality.rows_rejected.dated_after_through, 1);
}

#[test]
fn empty_file_and_header_only_csv() {
    let e = run_err(vec![InputFile::bytes("empty.csv", Vec::new())], &weekly());
    assert!(e.contains("empty.csv") && e.contains("empty"), "{e}");
    let e = run_err(
        vec![InputFile::bytes("empty.parquet", Vec::new())],
        &weekly(),
    );
    assert!(e.contains("empty.parquet") && e.contains("empty"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zero.csv");
    std::fs::write(&path, b"").unwrap();
    let e = run_err(vec![InputFile::path(&path)], &weekly());
    assert!(e.contains("zero.csv") && e.contains("empty"), "{e}");

    for header in [
        "user_id,event_date\n",
        "user_id,event_date",
        "user_id,event_date\r\n",
    ] {
        let e = run_err(vec![csv_file("header_only.csv", header)], &weekly());
        assert!(e.contains("header_only.csv"), "{e}");
        assert!(e.contains("no fact rows"), "{e}");
    }
    // A Parquet file with a schema and no rows.
    let bytes = parquet(&batch(vec![
        (
            "user_id",
            Arc::new(StringArray::from(Vec::<&str>::new())) as ArrayRef,
        ),
        ("event_date", Arc::new(Date32Array::from(Vec::<i32>::new()))),
    ]));
    let e = run_err(vec![InputFile::bytes("norows.parquet", bytes)], &weekly());
    assert!(
        e.contains("norows.parquet") && e.contains("no fact rows"),
        "{e}"
    );
    // A missing file names its path.
    let e = run_err(
        vec![InputFile::path(dir.path().join("missing.csv"))],
        &weekly(),
    );
    assert!(e.contains("missing.csv"), "{e}");
}

#[test]
fn conflicting_id_types_across_files() {
    let ints = parquet(&batch(vec![
        (
            "user_id",
            Arc::new(Int64Array::from_iter_values(1..=11)) as ArrayRef,
        ),
        ("event_date", spec_date32()),
    ]));
    let strings = spec_parquet();
    let mut o = weekly();
    o.name = Some("mixed".into());
    for files in [
        vec![
            InputFile::bytes("ints.parquet", ints.clone()),
            InputFile::bytes("strings.parquet", strings.clone()),
        ],
        vec![
            InputFile::bytes("strings.parquet", strings.clone()),
            InputFile::bytes("ints.parquet", ints.clone()),
        ],
    ] {
        let e = run_err(files, &o);
        assert!(
            e.contains("ints.parquet") && e.contains("strings.parquet"),
            "{e}"
        );
        assert!(e.contains("user_id"), "{e}");
        assert!(e.contains("integers") && e.contains("strings"), "{e}");
    }
    // A CSV file with a non-integer id, then an integer Parquet file.
    let e = run_err(
        vec![
            csv_file("names.csv", &spec_csv()),
            InputFile::bytes("ints.parquet", ints.clone()),
        ],
        &o,
    );
    assert!(e.contains("ints.parquet") && e.contains("user_id"), "{e}");
    // An integer Parquet file, then a CSV file with a non-integer id.
    let e = run_err(
        vec![
            InputFile::bytes("ints.parquet", ints.clone()),
            csv_file("names.csv", &spec_csv()),
        ],
        &o,
    );
    assert!(e.contains("names.csv") && e.contains("ints.parquet"), "{e}");
    // Canonical CSV integers and Parquet integers are one id type.
    let a = run_ok(
        vec![
            InputFile::bytes("ints.parquet", ints),
            csv_file(
                "more.csv",
                "user_id,event_date\n1,2024-01-08\n12,2024-01-08\n",
            ),
        ],
        &o,
    );
    assert!(a.ids().is_int());
    assert_eq!(a.ids().len(), 12);
}

// ---------------------------------------------------------------------------
// Duplicates and empty days
// ---------------------------------------------------------------------------

#[test]
fn duplicates_are_counted_and_kept() {
    let mut text = spec_csv();
    // Two exact repeats of alice's first fact, one of bob's, and two rows of
    // carol on the same day at different times (not duplicates).
    text.push_str("alice,2024-01-01\nalice,2024-01-01\nbob,2024-01-03\n");
    text.push_str("carol,2024-01-10T10:00:00\ncarol,2024-01-10T11:00:00\n");
    let a = run_ok(vec![csv_file("dups.csv", &text)], &weekly());
    assert_spec(&a, "duplicates");
    assert_eq!(a.quality.rows_read, 16);
    assert_eq!(a.quality.rows_used, 16);
    assert_eq!(a.quality.duplicate_rows, 3);
    assert!(
        a.quality.warnings.iter().any(|w| w.contains("3 duplicate")),
        "{:?}",
        a.quality.warnings
    );
    // The same instant written two ways is a duplicate too.
    let text = "user_id,event_time\nu,2024-01-01T09:00:00+09:00\nu,2024-01-01T00:00:00Z\n";
    let a = run_ok(
        vec![csv_file("same_instant.csv", text)],
        &RunOptions::new(Grain::Day),
    );
    assert_eq!(a.quality.duplicate_rows, 1);
}

#[test]
fn empty_days_are_listed() {
    let a = run_ok(vec![csv_file("spec.csv", &spec_csv())], &weekly());
    let active: Vec<i32> = SPEC.iter().map(|r| day(r.1)).collect();
    let want: Vec<String> = (day("2024-01-01")..=day("2024-02-04"))
        .filter(|d| !active.contains(d))
        .map(format_day)
        .collect();
    assert_eq!(want.len(), 24);
    assert_eq!(a.quality.empty_days, want);
    assert!(
        a.quality
            .warnings
            .iter()
            .any(|w| w.starts_with("24 day(s)")),
        "{:?}",
        a.quality.warnings
    );
    // With data on every day, none.
    let mut text = String::from("user_id,event_date\n");
    for d in day("2024-01-01")..=day("2024-01-14") {
        text.push_str(&format!("u,{}\n", format_day(d)));
    }
    let a = run_ok(
        vec![csv_file("daily.csv", &text)],
        &RunOptions::new(Grain::Week),
    );
    assert!(
        a.quality.empty_days.is_empty(),
        "{:?}",
        a.quality.empty_days
    );
}

// ---------------------------------------------------------------------------
// Other grains
// ---------------------------------------------------------------------------

#[test]
fn monthly_grain_with_a_single_period() {
    // All of the example's facts are in January 2024: one month, 4 new users.
    let a = run_ok(
        vec![csv_file("spec.csv", &spec_csv())],
        &RunOptions::new(Grain::Month),
    );
    assert_eq!(
        summary_counts(&a),
        vec![("2024-01-01".to_string(), [4, 4, 0, 0, 0, 0, 0, 4])]
    );
    assert_eq!(a.states.len(), 4);
    let mut o = RunOptions::new(Grain::Month);
    o.through = Some(day("2024-02-04"));
    let a = run_ok(vec![csv_file("spec.csv", &spec_csv())], &o);
    assert_eq!(
        summary_counts(&a),
        vec![
            ("2024-01-01".to_string(), [4, 4, 0, 0, 0, 0, 0, 4]),
            ("2024-02-01".to_string(), [0, 0, 0, 0, 4, 0, 4, 4]),
        ]
    );
}

#[test]
fn parquet_dictionary_columns_that_are_entirely_null() {
    // A dictionary-encoded user column whose values are all null: the rows
    // are null users (rejected and counted), not a "corrupt file".
    let users: DictionaryArray<Int32Type> = vec![None::<&str>; 3].into_iter().collect();
    let mut o = weekly();
    o.max_rejected = 1.0;
    let with_good = || {
        let users: DictionaryArray<Int32Type> =
            SPEC.iter().map(|r| Some(r.0)).chain([None; 3]).collect();
        let mut dates: Vec<i32> = SPEC.iter().map(|r| day(r.1)).collect();
        dates.extend([day("2024-01-05"); 3]);
        parquet(&batch(vec![
            ("user_id", Arc::new(users) as ArrayRef),
            ("event_date", Arc::new(Date32Array::from(dates))),
        ]))
    };
    // Alone: every row is a null user.
    let bytes = parquet(&batch(vec![
        ("user_id", Arc::new(users) as ArrayRef),
        (
            "event_date",
            Arc::new(Date32Array::from(vec![day("2024-01-05"); 3])),
        ),
    ]));
    let e = run_err(
        vec![InputFile::bytes("nullusers.parquet", bytes)],
        &weekly(),
    );
    assert!(e.contains("nullusers.parquet"), "{e}");
    assert!(
        e.contains("null user 3"),
        "all-null user ids are null users, not a corrupt file: {e}"
    );
    // A row group of all-null ids after good ones (row groups of 4 rows,
    // so the last group has only nulls).
    let bytes = with_good();
    let a = run_ok(vec![InputFile::bytes("tail.parquet", bytes)], &o);
    assert_spec(&a, "trailing null users");
    assert_eq!(a.quality.rows_rejected.null_user, 3);

    // A dictionary fact column whose values are all null: no row matches.
    let facts: DictionaryArray<Int32Type> = vec![None::<&str>; 11].into_iter().collect();
    let bytes = parquet(&batch(vec![
        ("user_id", spec_users()),
        ("event_date", spec_date32()),
        ("event", Arc::new(facts) as ArrayRef),
    ]));
    let mut o = weekly();
    o.facts.fact_column = Some("event".into());
    o.facts.fact_values = vec!["visit".into()];
    let e = run_err(vec![InputFile::bytes("nullfacts.parquet", bytes)], &o);
    assert!(
        e.contains("nullfacts.parquet") && e.contains("visit") && e.contains("event"),
        "{e}"
    );
    assert!(!e.contains("corrupt"), "not a corrupt file: {e}");
}

/// The states table is built and written in batches of
/// `STATE_BATCH_ROWS`: a table several batches long reads back whole and in
/// order from CSV, Arrow IPC and Parquet.
#[test]
fn a_large_states_table_is_written_in_batches() {
    use activation_layer::output::{TableKind, STATE_BATCH_ROWS};
    use activation_layer::synth::{generate, Order, SynthOptions};
    use activation_layer::write::{table_bytes, OutputFormat};
    let facts = generate(&SynthOptions {
        events: 120_000,
        users: 20_000,
        days: 120,
        start: day("2024-01-01"),
        seed: 7,
        int_ids: false,
        order: Order::Time,
        event_kinds: 0,
    })
    .unwrap();
    let mut opts = RunOptions::new(Grain::Day);
    opts.rows = activation_layer::Rows::All;
    let a = run_ok(
        vec![InputFile::bytes("big.parquet", parquet(&facts))],
        &opts,
    );
    assert!(
        a.states.len() > 3 * STATE_BATCH_ROWS,
        "{} rows is not several batches",
        a.states.len()
    );
    let want = state_lines(&a, &|s| s.to_string());

    let csv =
        String::from_utf8(table_bytes(&a, TableKind::States, OutputFormat::Csv).unwrap()).unwrap();
    let got: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(4); // the transition, which state_lines leaves out
            f.join(",")
        })
        .collect();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "CSV rows differ from the state rows");

    let ipc = table_bytes(&a, TableKind::States, OutputFormat::Arrow).unwrap();
    assert_arrow_size_bound(&a, ipc.len());
    let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(ipc), None).unwrap();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(batches.len(), a.states.len().div_ceil(STATE_BATCH_ROWS));
    assert_eq!(
        batches.iter().map(RecordBatch::num_rows).sum::<usize>(),
        a.states.len()
    );
    let whole = TableKind::States.batch(&a).unwrap();
    assert_eq!(whole.num_rows(), a.states.len());
    let joined = arrow_select::concat::concat_batches(&whole.schema(), &batches).unwrap();
    assert_eq!(joined, whole);

    let pq = table_bytes(&a, TableKind::States, OutputFormat::Parquet).unwrap();
    let rows: i64 = SerializedFileReader::new(bytes::Bytes::from(pq))
        .unwrap()
        .metadata()
        .file_metadata()
        .num_rows();
    assert_eq!(rows as usize, a.states.len());
}

/// The Arrow size bounds of the states table (`len` bytes) and of the
/// snapshot (which size the WASM engine's output arrays) hold and are
/// tight: what they reserve beyond the table is the fixed IPC allowances,
/// never a share of the rows.
fn assert_arrow_size_bound(a: &activation_layer::Activation, len: usize) {
    use activation_layer::output::{TableKind, STATE_BATCH_ROWS};
    use activation_layer::write::{table_bytes, OutputFormat};
    let bound = TableKind::States.arrow_size_bound(a).unwrap();
    let batches = a.states.len().div_ceil(STATE_BATCH_ROWS).max(1);
    assert!(bound >= len, "bound {bound} < {len} bytes");
    assert!(
        bound - len <= 64 * 1024 + batches * 4096,
        "bound {bound} is loose for {len} bytes in {batches} batches"
    );
    let snapshot = table_bytes(a, TableKind::Snapshot, OutputFormat::Arrow)
        .unwrap()
        .len();
    let bound = TableKind::Snapshot.arrow_size_bound(a).unwrap();
    assert!(
        bound >= snapshot,
        "snapshot bound {bound} < {snapshot} bytes"
    );
    assert!(
        bound - snapshot <= 64 * 1024 + 4096,
        "snapshot bound {bound} is loose for {snapshot} bytes"
    );
    assert_eq!(TableKind::Summary.arrow_size_bound(a), None);
}

#[test]
fn the_states_arrow_size_bound_holds_for_every_id_type_and_rows_mode() {
    use activation_layer::output::TableKind;
    use activation_layer::synth::{generate, Order, SynthOptions};
    use activation_layer::write::{table_bytes, OutputFormat};
    for int_ids in [false, true] {
        let facts = generate(&SynthOptions {
            events: 30_000,
            users: 3_000,
            days: 60,
            start: day("2024-01-01"),
            seed: 11,
            int_ids,
            order: Order::Time,
            event_kinds: 0,
        })
        .unwrap();
        for (grain, rows) in [
            (Grain::Day, activation_layer::Rows::Changes),
            (Grain::Week, activation_layer::Rows::All),
            (Grain::Month, activation_layer::Rows::Changes),
        ] {
            let mut opts = RunOptions::new(grain);
            opts.rows = rows;
            let a = run_ok(vec![InputFile::bytes("f.parquet", parquet(&facts))], &opts);
            let ipc = table_bytes(&a, TableKind::States, OutputFormat::Arrow).unwrap();
            assert_arrow_size_bound(&a, ipc.len());
        }
    }
    // The SPEC example: one small batch, the stream allowance dominates.
    let a = run_ok(
        vec![InputFile::bytes("spec.csv", spec_csv().into_bytes())],
        &RunOptions::new(Grain::Week),
    );
    let ipc = table_bytes(&a, TableKind::States, OutputFormat::Arrow).unwrap();
    assert_arrow_size_bound(&a, ipc.len());
}

/// String ids are read through the file's dictionaries (one look-up per
/// distinct id and dictionary): dictionaries that overflow into plain pages
/// mid-chunk, many row groups and no dictionary at all give the same run.
#[test]
fn dictionary_and_plain_string_ids_give_the_same_run() {
    use activation_layer::synth::{generate, Order, SynthOptions};
    let facts = generate(&SynthOptions {
        events: 150_000,
        users: 30_000,
        days: 90,
        start: day("2024-01-01"),
        seed: 11,
        int_ids: false,
        order: Order::Time,
        event_kinds: 0,
    })
    .unwrap();
    let props = |dictionary: bool, dictionary_limit: usize, row_group: usize| {
        WriterProperties::builder()
            .set_dictionary_enabled(dictionary)
            .set_dictionary_page_size_limit(dictionary_limit)
            .set_data_page_row_count_limit(5_000)
            .set_max_row_group_row_count(Some(row_group))
            .build()
    };
    let run_with = |p: WriterProperties| {
        let a = run_ok(
            vec![InputFile::bytes("ids.parquet", parquet_with(&facts, p))],
            &weekly(),
        );
        (
            state_lines(&a, &|s| s.to_string()),
            summary_counts(&a),
            a.quality.distinct_users,
        )
    };
    let plain = run_with(props(false, 1 << 20, 1 << 20));
    assert!(plain.2 > 5_000, "{} users", plain.2);
    for (what, p) in [
        ("one dictionary per chunk", props(true, 1 << 20, 1 << 20)),
        (
            "dictionaries overflowing into plain pages",
            props(true, 4096, 1 << 20),
        ),
        ("many row groups", props(true, 1 << 20, 7_000)),
    ] {
        assert!(
            run_with(p) == plain,
            "{what}: the run differs from plain ids"
        );
    }
}

/// A table file (snapshot, earlier output) is read as one batch even when
/// its rows span row groups with different string dictionaries; a head
/// read stops at its limit.
#[test]
fn parquet_tables_span_row_groups() {
    use activation_layer::read::Table;
    let ids: Vec<String> = (0..11).map(|i| format!("user-{}", i % 5)).collect();
    let b = batch(vec![
        (
            "user_id",
            Arc::new(StringArray::from_iter_values(&ids)) as ArrayRef,
        ),
        (
            "n",
            Arc::new(Int32Array::from_iter_values(0..11)) as ArrayRef,
        ),
    ]);
    let bytes = parquet(&b);
    assert_eq!(row_groups(&bytes), 3);
    let file = InputFile::bytes("t.parquet", bytes);
    let whole = Table::read(&file).unwrap();
    assert_eq!(whole.batch, b);
    let head = Table::read_head(&file, Some(5)).unwrap();
    assert_eq!(head.batch, b.slice(0, 5));
    let empty = Table::read(&InputFile::bytes("e.parquet", parquet(&b.slice(0, 0)))).unwrap();
    assert_eq!(empty.batch.num_rows(), 0);
    assert_eq!(empty.batch.schema(), b.schema());
}
