//! Hostile input (issue 20): values a file can hold that no calendar or
//! count allows. Each is a clear error or a rejected, counted row, never a
//! date that wraps to another one, a saturated epoch or a narrowed count
//! that changes the states.

#[path = "common/spec.rs"]
mod spec;

use std::sync::Arc;

use activation_layer::grain::{format_day, parse_day, FIRST_DAY, LAST_DAY};
use activation_layer::output::TableKind;
use activation_layer::write::{csv_bytes, parquet_bytes};
use activation_layer::{run, Activation, Grain, InputFile, RunOptions, Settings, TimeUnit};
use arrow_array::{
    ArrayRef, Date32Array, Date64Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use parquet::arrow::ArrowWriter;

fn day(s: &str) -> i32 {
    parse_day("test", s).unwrap()
}

const DAY_MS: i64 = 86_400_000;

fn parquet(cols: Vec<(&str, ArrayRef)>) -> InputFile {
    let b = RecordBatch::try_from_iter(cols).unwrap();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, b.schema(), None).unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
    InputFile::bytes("hostile.parquet", out)
}

/// The example's users followed by one `intruder{i}` per extra value.
fn users(extra: usize) -> ArrayRef {
    let mut v: Vec<String> = spec::facts().iter().map(|(u, _)| u.to_string()).collect();
    v.extend((0..extra).map(|i| format!("intruder{i}")));
    Arc::new(StringArray::from(v))
}

fn example_days() -> Vec<i32> {
    spec::facts().iter().map(|(_, d)| day(d)).collect()
}

fn weekly() -> RunOptions {
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    // The intruders are a large share of these small files.
    o.max_rejected = 0.5;
    o
}

fn states_csv(a: &Activation) -> Vec<u8> {
    csv_bytes(&TableKind::States.batch(a).unwrap()).unwrap()
}

/// The example alone, read from Date32 Parquet: the numbers every file
/// below must give.
fn clean() -> Activation {
    let days = Arc::new(Date32Array::from(example_days()));
    run(
        &[parquet(vec![("user_id", users(0)), ("event_date", days)])],
        None,
        &weekly(),
    )
    .unwrap()
}

#[track_caller]
fn assert_rejected_only(a: &Activation, bad: u64, what: &str) {
    assert_eq!(a.quality.rows_rejected.unparseable_time, bad, "{what}");
    assert_eq!(a.quality.rows_rejected.total(), bad, "{what}");
    assert_eq!(
        states_csv(a),
        states_csv(&clean()),
        "{what}: the example's states"
    );
}

#[test]
fn the_calendar_is_years_1_to_9999() {
    assert_eq!(format_day(FIRST_DAY), "0001-01-01");
    assert_eq!(format_day(LAST_DAY), "9999-12-31");
    assert_eq!(day("0001-01-01"), FIRST_DAY);
    assert!(parse_day("--through", "0000-12-31").is_err());
}

#[test]
fn dates_outside_the_calendar_are_unreadable_not_wrapped() {
    // Year 586000 overflowed the microseconds and wrapped to 2023-12-31;
    // 10000-01-01 and i32::MAX have no YYYY-MM-DD; 0000-12-31 is year 0.
    let bad = [214_000_000, LAST_DAY + 1, i32::MAX, FIRST_DAY - 1, i32::MIN];
    let mut days = example_days();
    days.extend(bad);
    let f = parquet(vec![
        ("user_id", users(bad.len())),
        ("event_date", Arc::new(Date32Array::from(days))),
    ]);
    let a = run(&[f], None, &weekly()).unwrap();
    assert_rejected_only(&a, bad.len() as u64, "Date32");

    let bad_ms = [
        214_000_000 * DAY_MS,
        i64::MAX,
        i64::MIN,
        (i64::from(LAST_DAY) + 1) * DAY_MS,
    ];
    let mut ms: Vec<i64> = example_days()
        .iter()
        .map(|d| i64::from(*d) * DAY_MS)
        .collect();
    ms.extend(bad_ms);
    let f = parquet(vec![
        ("user_id", users(bad_ms.len())),
        ("event_date", Arc::new(Date64Array::from(ms))),
    ]);
    let a = run(&[f], None, &weekly()).unwrap();
    assert_rejected_only(&a, bad_ms.len() as u64, "Date64");
}

#[test]
fn epochs_beyond_the_calendar_are_unreadable_not_saturated() {
    // 1e300 seconds saturated to i64::MAX microseconds (year 294247).
    let secs = |d: i32| f64::from(d) * 86_400.0 + 3_600.0;
    let bad = [1e300, -1e300, 1e15, f64::MAX, 253_402_300_800.0];
    let mut v: Vec<f64> = example_days().into_iter().map(secs).collect();
    v.extend(bad);
    let f = parquet(vec![
        ("user_id", users(bad.len())),
        ("ts", Arc::new(Float64Array::from(v))),
    ]);
    let mut o = weekly();
    o.facts.time_column = Some("ts".into());
    o.facts.time_unit = Some(TimeUnit::Seconds);
    let a = run(&[f], None, &o).unwrap();
    assert_rejected_only(&a, bad.len() as u64, "float seconds");

    // Integer epochs: in range of the type, not of the calendar.
    let bad = [i64::MAX, i64::MIN, 253_402_300_800_000_000];
    let mut v: Vec<i64> = example_days()
        .into_iter()
        .map(|d| i64::from(d) * DAY_MS * 1000)
        .collect();
    v.extend(bad);
    let f = parquet(vec![
        ("user_id", users(bad.len())),
        ("ts", Arc::new(Int64Array::from(v))),
    ]);
    o.facts.time_unit = Some(TimeUnit::Micros);
    let a = run(&[f], None, &o).unwrap();
    assert_rejected_only(&a, bad.len() as u64, "integer microseconds");
}

#[test]
fn text_times_outside_the_calendar_are_unreadable() {
    let mut s = String::from("user_id,event_date\n");
    for (u, d) in spec::facts() {
        s.push_str(&format!("{u},{d}\n"));
    }
    s.push_str("intruder0,0000-06-01\nintruder1,0000-12-31T23:00:00Z\n");
    let a = run(
        &[InputFile::bytes("hostile.csv", s.into_bytes())],
        None,
        &weekly(),
    )
    .unwrap();
    assert_rejected_only(&a, 2, "year 0 in text");
}

/// A new value for row 0 of a snapshot column.
enum Edit {
    Int(i64),
    Date32(i32),
    Date64(i64),
}

/// Every value of an integer or Date32 column, widened.
fn widen(a: &ArrayRef) -> Vec<Option<i64>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Int32Type, Int64Type, UInt32Type};
    use arrow_schema::DataType;
    match a.data_type() {
        DataType::UInt32 => a
            .as_primitive::<UInt32Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        DataType::Int32 => a
            .as_primitive::<Int32Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        DataType::Int64 => a.as_primitive::<Int64Type>().iter().collect(),
        DataType::Date32 => a
            .as_primitive::<Date32Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        other => panic!("no edit for a {other} column"),
    }
}

/// The example's snapshot at 2024-01-17 with row 0 of one column
/// replaced, written as Parquet with the snapshot's metadata.
fn edited_snapshot(column: &str, edit: Edit) -> InputFile {
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-01-17"));
    let a = run(&[example_csv(|d| d <= day("2024-01-17"))], None, &o).unwrap();
    let b = activation_layer::output::snapshot(&a.snapshot).unwrap();
    let i = b.schema().index_of(column).unwrap();
    let mut values = widen(b.column(i));
    let col: ArrayRef = match edit {
        Edit::Int(v) => {
            values[0] = Some(v);
            Arc::new(Int64Array::from(values))
        }
        Edit::Date32(v) => {
            let mut days: Vec<Option<i32>> = values.iter().map(|d| d.map(|d| d as i32)).collect();
            days[0] = Some(v);
            Arc::new(Date32Array::from(days))
        }
        Edit::Date64(v) => {
            let mut ms: Vec<Option<i64>> = values.iter().map(|d| d.map(|d| d * DAY_MS)).collect();
            ms[0] = Some(v);
            Arc::new(Date64Array::from(ms))
        }
    };
    let mut fields: Vec<arrow_schema::Field> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[i] = arrow_schema::Field::new(column, col.data_type().clone(), true);
    let mut cols = b.columns().to_vec();
    cols[i] = col;
    let schema = arrow_schema::Schema::new_with_metadata(fields, b.schema().metadata().clone());
    let edited = RecordBatch::try_new(Arc::new(schema), cols).unwrap();
    let bytes = parquet_bytes(&edited, &a.snapshot.meta.to_pairs()).unwrap();
    InputFile::bytes("snap.parquet", bytes)
}

/// The example's facts whose day passes `keep`, as CSV.
fn example_csv(keep: impl Fn(i32) -> bool) -> InputFile {
    let mut s = String::from("user_id,event_date\n");
    for (u, d) in spec::facts() {
        if keep(day(d)) {
            s.push_str(&format!("{u},{d}\n"));
        }
    }
    InputFile::bytes("spec_example.csv", s.into_bytes())
}

fn resume(snap: &InputFile) -> String {
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    match run(&[example_csv(|d| d > day("2024-01-17"))], Some(snap), &o) {
        Ok(_) => panic!("a snapshot that no history allows was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn snapshot_counts_beyond_their_dates_are_errors_not_narrowed() {
    for (column, value) in [
        ("weekly_streak", 4_294_967_295i64),
        ("weekly_streak", 4_294_967_296),
        ("weekly_active_periods", 3_000_000_000),
        ("monthly_active_periods", 4_294_967_295),
        ("daily_streak", -1),
    ] {
        let snap = edited_snapshot(column, Edit::Int(value));
        let e = resume(&snap);
        assert!(
            e.contains("snap.parquet") && e.contains(column),
            "{column} = {value}: {e}"
        );
    }
}

#[test]
fn snapshot_dates_outside_the_calendar_are_errors() {
    for (column, value) in [
        ("first_active_date", i32::MIN),
        ("first_active_date", FIRST_DAY - 1),
        ("weekly_previous_active_date", i32::MIN),
        ("last_active_date", i32::MAX),
    ] {
        let snap = edited_snapshot(column, Edit::Date32(value));
        let e = resume(&snap);
        assert!(
            e.contains("snap.parquet") && e.contains(column) && e.contains("outside the calendar"),
            "{column} = {value}: {e}"
        );
    }
    let e = resume(&edited_snapshot(
        "first_active_date",
        Edit::Date64(i64::MAX),
    ));
    assert!(e.contains("outside the calendar"), "Date64: {e}");
}

/// The example as CSV with these times: `{d}` is each row's date.
fn example_times(header: &str, time: &str) -> InputFile {
    let mut s = format!("{header}\n");
    for (u, d) in spec::facts() {
        s.push_str(&format!("{u},{}\n", time.replace("{d}", d)));
    }
    InputFile::bytes("hostile.csv", s.into_bytes())
}

#[test]
fn seconds_beyond_60_are_unreadable_not_clamped() {
    let a = run(
        &[example_times("user_id,ts", "{d}T10:00:59Z")],
        None,
        &weekly(),
    )
    .unwrap();
    assert_eq!(a.quality.rows_rejected.total(), 0);
    // A leap second is the second before it, on the same date.
    let leap = run(
        &[example_times("user_id,ts", "{d}T23:59:60Z")],
        None,
        &weekly(),
    )
    .unwrap();
    assert_eq!(states_csv(&leap), states_csv(&clean()));
    // `10:00:99` was read as `10:00:59`: now every row is unreadable.
    let e = run(
        &[example_times("user_id,ts", "{d}T10:00:99Z")],
        None,
        &weekly(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("10:00:99"), "{e}");
    assert!(e.to_string().contains("rejected"), "{e}");
}

#[test]
fn columns_differing_only_by_case_are_ambiguous() {
    let mut s = String::from("USER_ID,user_id,event_date\n");
    for (u, d) in spec::facts() {
        s.push_str(&format!("x{u},{u},{d}\n"));
    }
    let f = InputFile::bytes("clash.csv", s.into_bytes());
    let e = run(std::slice::from_ref(&f), None, &weekly()).unwrap_err();
    let m = e.to_string();
    assert!(
        m.starts_with("clash.csv")
            && m.contains(r#""USER_ID" and "user_id" differ only by case"#)
            && m.contains("--user-col"),
        "{m}"
    );
    assert_eq!(e.kind().exit_code(), 65);
    // Named exactly, the column is the one meant.
    let mut o = weekly();
    o.facts.user_column = Some("user_id".into());
    let a = run(&[f], None, &o).unwrap();
    assert_eq!(states_csv(&a), states_csv(&clean()));
}

#[test]
fn blank_options_are_errors_not_defaults() {
    for (field, flag) in [
        ("timezone", "--timezone"),
        ("weekStart", "--week-start"),
        ("through", "--through"),
        ("userColumn", "--user-col"),
        ("name", "--name"),
    ] {
        for blank in ["", "  "] {
            let s: Settings = serde_json::from_value(serde_json::json!({ field: blank })).unwrap();
            let e = s.to_options().unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid {flag} {blank:?}: expected a value (leave the option out for its default)"),
                "{field}"
            );
            assert_eq!(e.kind().exit_code(), 2);
        }
    }
    assert!(Settings::default().to_options().is_ok());
}

/// An endless input without line ends stops at the record bound with an
/// error, instead of doubling a buffer until memory runs out.
#[cfg(unix)]
#[test]
fn endless_input_stops_with_an_error() {
    let e = run(&[InputFile::path("/dev/zero")], None, &weekly()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/dev/zero: line 1: a record longer than 64 MiB: expected lines of delimited text (is this a CSV file?)"
    );
    assert_eq!(e.kind().exit_code(), 66);
}

/// The worked example written by pyarrow with page checksums
/// (scripts/checksummed_fixture.py).
fn checksummed() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/spec_example_crc.parquet"
    ))
    .unwrap()
}

#[test]
fn parquet_page_checksums_are_verified() {
    let bytes = checksummed();
    let a = run(
        &[InputFile::bytes("crc.parquet", bytes.clone())],
        None,
        &weekly(),
    )
    .unwrap();
    assert_eq!(states_csv(&a), states_csv(&clean()));
    // The last byte of the dictionary page (user ids), which a flip would
    // turn into another id.
    let mut bad = bytes;
    bad[DICTIONARY_PAGE_END - 1] ^= 0x20;
    let e = run(&[InputFile::bytes("crc.parquet", bad)], None, &weekly()).unwrap_err();
    assert!(
        e.to_string().starts_with("crc.parquet: ")
            && e.to_string().contains("CRC checksum mismatch"),
        "{e}"
    );
    assert_eq!(e.kind().exit_code(), 66);
}

/// Where the fixture's dictionary page ends (its first data page starts).
const DICTIONARY_PAGE_END: usize = 58;

/// A small xorshift generator: the mutants are the same on every run.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Every byte of the checksummed file flipped in turn (a seeded bit or
/// byte value): each mutant is read as a clean error or as the example's
/// own numbers, never as other numbers, a panic or an internal error.
#[test]
fn byte_flips_of_a_checksummed_parquet_file() {
    let original = checksummed();
    let clean = states_csv(&clean());
    let mut seed = 0x9e37_79b9_7f4a_7c15;
    let mut outcomes = [0usize; 2];
    for at in 0..original.len() {
        let mut bytes = original.clone();
        let flip = (xorshift(&mut seed) % 255 + 1) as u8;
        bytes[at] ^= flip;
        match run(
            &[InputFile::bytes("mutant.parquet", bytes)],
            None,
            &weekly(),
        ) {
            Ok(a) => {
                assert_eq!(
                    states_csv(&a),
                    clean,
                    "byte {at} ^ {flip:#04x}: other numbers"
                );
                outcomes[0] += 1;
            }
            Err(e) => {
                assert_ne!(e.kind().exit_code(), 70, "byte {at} ^ {flip:#04x}: {e}");
                outcomes[1] += 1;
            }
        }
    }
    // Most flips are caught; some fall where nothing is read.
    assert!(outcomes[1] > outcomes[0], "{outcomes:?}");
}

/// Seeded mutations of the example as CSV (a byte replaced, removed or
/// repeated): text has no checksum, so a mutant may mean other facts, but
/// every one is a clean error or a run whose counts add up.
#[test]
fn byte_mutations_of_a_csv_file() {
    let original = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/spec_example.csv"
    ))
    .unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1d;
    for i in 0..600 {
        let mut bytes = original.clone();
        let at = (xorshift(&mut seed) % bytes.len() as u64) as usize;
        let value = (xorshift(&mut seed) % 256) as u8;
        match i % 3 {
            0 => bytes[at] = value,
            1 => {
                bytes.remove(at);
            }
            _ => bytes.insert(at, bytes[at]),
        }
        let mut o = weekly();
        o.max_rejected = 1.0;
        match run(&[InputFile::bytes("mutant.csv", bytes.clone())], None, &o) {
            Ok(a) => {
                let q = &a.quality;
                assert_eq!(
                    q.rows_read,
                    q.rows_used + q.rows_rejected.total() + q.rows_filtered_out,
                    "mutant {i}: {:?}",
                    String::from_utf8_lossy(&bytes)
                );
            }
            Err(e) => assert_ne!(e.kind().exit_code(), 70, "mutant {i}: {e}"),
        }
    }
}

/// Thrift's compact varint of a zigzag-encoded i64.
fn varint(v: i64) -> Vec<u8> {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    let mut out = Vec::new();
    loop {
        let b = (z & 0x7f) as u8;
        z >>= 7;
        if z == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

/// `bytes` with every i64 field of the footer that follows its previous
/// field and holds `rows` (the row counts of the file and of its row
/// groups, and the columns' value counts) set to `claimed`.
fn claim_rows(bytes: &[u8], rows: i64, claimed: i64) -> Vec<u8> {
    let end = bytes.len() - 8;
    let len = u32::from_le_bytes(bytes[end..end + 4].try_into().unwrap()) as usize;
    let footer = &bytes[end - len..end];
    let (from, to) = (
        [[0x16].as_slice(), &varint(rows)].concat(),
        [[0x16].as_slice(), &varint(claimed)].concat(),
    );
    let mut edited = Vec::new();
    let mut i = 0;
    let mut edits = 0;
    while i < footer.len() {
        if footer[i..].starts_with(&from) {
            edited.extend_from_slice(&to);
            i += from.len();
            edits += 1;
        } else {
            edited.push(footer[i]);
            i += 1;
        }
    }
    assert!(edits >= 2, "the footer's row counts were not found");
    let mut out = bytes[..end - len].to_vec();
    out.extend_from_slice(&edited);
    out.extend_from_slice(&(edited.len() as u32).to_le_bytes());
    out.extend_from_slice(b"PAR1");
    out
}

/// A footer that claims far more rows than the file holds allocates
/// nothing for them (it aborted the process): fact file or snapshot.
#[test]
fn footer_row_counts_are_not_trusted() {
    for claimed in [1_000_000_000_000, 1 << 62, i64::MAX] {
        let facts = claim_rows(&checksummed(), 11, claimed);
        // The pages hold the true rows: the true numbers, or a clean error.
        match run(
            &[InputFile::bytes("claims.parquet", facts)],
            None,
            &weekly(),
        ) {
            Ok(a) => assert_eq!(states_csv(&a), states_csv(&clean()), "{claimed}"),
            Err(e) => {
                assert!(
                    e.to_string().starts_with("claims.parquet: "),
                    "{claimed}: {e}"
                );
                assert_ne!(e.kind().exit_code(), 70, "{claimed}: {e}");
            }
        }

        let mut o = RunOptions::new(Grain::Week);
        o.through = Some(day("2024-01-17"));
        let a = run(&[example_csv(|d| d <= day("2024-01-17"))], None, &o).unwrap();
        let b = activation_layer::output::snapshot(&a.snapshot).unwrap();
        let bytes = parquet_bytes(&b, &a.snapshot.meta.to_pairs()).unwrap();
        let snap = InputFile::bytes(
            "snap.parquet",
            claim_rows(&bytes, b.num_rows() as i64, claimed),
        );
        let rest = || example_csv(|d| d > day("2024-01-17"));
        let mut o = RunOptions::new(Grain::Week);
        o.through = Some(day("2024-02-04"));
        let true_run = run(
            &[rest()],
            Some(&InputFile::bytes("snap.parquet", bytes)),
            &o,
        )
        .unwrap();
        match run(&[rest()], Some(&snap), &o) {
            Ok(a) => assert_eq!(states_csv(&a), states_csv(&true_run), "{claimed}"),
            Err(e) => {
                assert!(
                    e.to_string().starts_with("snap.parquet: "),
                    "{claimed}: {e}"
                );
                assert_ne!(e.kind().exit_code(), 70, "{claimed}: {e}");
            }
        }
    }
}

/// 200,000 events of five users over the example's weeks, Snappy
/// compressed, the times in one plain page of 1.6 MB (so its size in the
/// page header takes four bytes), and that page header's offset.
fn one_big_page() -> (Vec<u8>, usize) {
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::schema::types::ColumnPath;
    let n = 200_000;
    let users: Vec<String> = (0..n).map(|i| format!("u{}", i % 5)).collect();
    let start = i64::from(day("2024-01-01")) * DAY_MS * 1000;
    let times: Vec<i64> = (0..n).map(|i| start + i * 10_000_000).collect();
    let b = RecordBatch::try_from_iter(vec![
        ("user_id", Arc::new(StringArray::from(users)) as ArrayRef),
        (
            "event_time",
            Arc::new(arrow_array::TimestampMicrosecondArray::from(times)) as ArrayRef,
        ),
    ])
    .unwrap();
    let time = ColumnPath::from("event_time");
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_column_dictionary_enabled(time.clone(), false)
        .set_data_page_size_limit(8 << 20)
        .set_data_page_row_count_limit(usize::MAX)
        .set_write_batch_size(n as usize)
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, b.schema(), Some(props)).unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
    let r = SerializedFileReader::new(bytes::Bytes::from(out.clone())).unwrap();
    let chunk = r.metadata().row_group(0).column(1);
    assert_eq!(chunk.column_path(), &time);
    (out, chunk.data_page_offset() as usize)
}

/// A page header claiming far more bytes than its codec can make of the
/// page is an error naming the column, before any buffer is sized from it
/// (a 2 GB claim grew the WASM memory by 2 GB or trapped).
#[test]
fn page_headers_claiming_impossible_sizes_are_errors() {
    let (bytes, at) = one_big_page();
    let facts = |b: &[u8]| [InputFile::bytes("pages.parquet", b.to_vec())];
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    let a = run(&facts(&bytes), None, &o).unwrap();
    assert_eq!(a.quality.rows_read, 200_000);

    // Field 1 (the page type, 0: a data page), then field 2, the
    // uncompressed size in four bytes, set to the most four bytes hold.
    assert_eq!(&bytes[at..at + 3], &[0x15, 0x00, 0x15]);
    let size = &bytes[at + 3..at + 7];
    assert!(size[..3].iter().all(|b| b & 0x80 != 0) && size[3] & 0x80 == 0);
    let mut edited = bytes.clone();
    edited[at + 3..at + 7].copy_from_slice(&[0xfe, 0xff, 0xff, 0x7f]);
    let e = run(&facts(&edited), None, &o).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("pages.parquet: ")
            && text.contains("column \"event_time\" in row group 0")
            && text.contains("claiming 134217727 bytes once decompressed"),
        "{text}"
    );
    assert_ne!(e.kind().exit_code(), 70, "{text}");
    // The same file read as a table (a snapshot's path) checks it too.
    let Err(e) = activation_layer::read::Table::read(&facts(&edited)[0]) else {
        panic!("the edited page was read as a table");
    };
    assert!(e.to_string().contains("claiming 134217727 bytes"), "{e}");
}
