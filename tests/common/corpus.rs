//! The hostile-input corpus of issue 20, once for every test crate: small
//! files built here (footer and page-header edits, dates, epochs and
//! snapshot integers no calendar allows, a case clash, a flipped byte under
//! a checksum) with the outcome each must have, so the library, the CLI
//! and the WASM façade are held to the same answers.
//!
//! Included with `#[path = "common/corpus.rs"] mod corpus;` beside
//! `mod spec;`. Nothing is read from disk, so the wasm32 test crate uses
//! it too.

// Each test crate uses only part of this module; the rest would warn there.
#![allow(dead_code)]

use std::sync::Arc;

use activation_layer::grain::{parse_day, FIRST_DAY, LAST_DAY};
use activation_layer::write::parquet_bytes;
use activation_layer::{run, Grain, InputFile, Kind, RunOptions};
use arrow_array::{
    ArrayRef, Date32Array, Date64Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use parquet::arrow::ArrowWriter;
use serde_json::{json, Value};

use crate::spec;

/// What a run of a case must give.
#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    /// The worked example's weekly numbers, with this many rows rejected
    /// as unreadable times.
    Example {
        /// Rows rejected as unparseable times.
        rejected: u64,
    },
    /// An error of this kind whose message contains the text.
    Error(Kind, &'static str),
}

/// One hostile input and what it must give.
pub struct Case {
    /// What the case is, for failure messages.
    pub what: &'static str,
    /// The fact file.
    pub facts: InputFile,
    /// The snapshot to resume from.
    pub snapshot: Option<InputFile>,
    /// The run options by their JS names (the CLI's flags are in
    /// `activation_layer::options::OPTIONS`).
    pub options: Value,
    /// What the run must give.
    pub outcome: Outcome,
}

/// The options of every case: the example's weekly run, through
/// 2024-02-04, with room for the intruder rows.
fn base(extra: Value) -> Value {
    let mut o = json!({ "grain": "week", "through": "2024-02-04", "maxRejected": 0.5 });
    o.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    o
}

/// The example's snapshot at 2024-01-17 as it is written.
pub fn example_snapshot() -> (arrow_array::RecordBatch, Vec<(String, String)>) {
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-01-17"));
    let a = run(&[example_csv(|d| d <= day("2024-01-17"))], None, &o).unwrap();
    let b = activation_layer::output::snapshot(&a.snapshot).unwrap();
    (b, a.snapshot.meta.to_pairs())
}

/// A case resuming from a snapshot: the example's facts after 2024-01-17.
fn resume(what: &'static str, snapshot: InputFile, kind: Kind, text: &'static str) -> Case {
    Case {
        what,
        facts: example_csv(|d| d > day("2024-01-17")),
        snapshot: Some(snapshot),
        options: base(json!({})),
        outcome: Outcome::Error(kind, text),
    }
}

/// Every case.
pub fn cases() -> Vec<Case> {
    let bad_days = [214_000_000, LAST_DAY + 1, i32::MAX, FIRST_DAY - 1, i32::MIN];
    let mut days = example_days();
    days.extend(bad_days);
    let secs = |d: i32| f64::from(d) * 86_400.0 + 3_600.0;
    let bad_secs = [1e300, -1e300, 1e15, f64::MAX, 253_402_300_800.0];
    let mut epochs: Vec<f64> = example_days().into_iter().map(secs).collect();
    epochs.extend(bad_secs);
    let mut flipped = checksummed();
    flipped[DICTIONARY_PAGE_END - 1] ^= 0x20;
    let claims = claiming_page(&one_big_page());
    let mut clash = String::from("USER_ID,user_id,event_date\n");
    for (u, d) in spec::facts() {
        clash.push_str(&format!("x{u},{u},{d}\n"));
    }
    vec![
        Case {
            what: "Date32 values outside the calendar",
            facts: parquet(vec![
                ("user_id", users(bad_days.len())),
                ("event_date", Arc::new(Date32Array::from(days))),
            ]),
            snapshot: None,
            options: base(json!({})),
            outcome: Outcome::Example { rejected: 5 },
        },
        Case {
            what: "epoch seconds beyond the calendar",
            facts: parquet(vec![
                ("user_id", users(bad_secs.len())),
                ("ts", Arc::new(Float64Array::from(epochs))),
            ]),
            snapshot: None,
            options: base(json!({ "timeColumn": "ts", "timeUnit": "s" })),
            outcome: Outcome::Example { rejected: 5 },
        },
        Case {
            what: "a footer claiming 10^12 rows",
            facts: InputFile::bytes(
                "claims.parquet",
                claim_rows(&checksummed(), 11, 1_000_000_000_000),
            ),
            snapshot: None,
            options: base(json!({})),
            // The pages hold the true rows.
            outcome: Outcome::Example { rejected: 0 },
        },
        Case {
            what: "a page header claiming 128 MiB",
            facts: InputFile::bytes("pages.parquet", claims),
            snapshot: None,
            options: base(json!({})),
            outcome: Outcome::Error(
                Kind::Corrupt,
                "column \"event_time\" in row group 0 has a page at byte 3694 claiming 134217727 bytes once decompressed",
            ),
        },
        Case {
            what: "a flipped byte under a page checksum",
            facts: InputFile::bytes("crc.parquet", flipped),
            snapshot: None,
            options: base(json!({})),
            outcome: Outcome::Error(Kind::Corrupt, "CRC checksum mismatch"),
        },
        Case {
            what: "seconds beyond 60",
            facts: example_times("user_id,ts", "{d}T10:00:99Z"),
            snapshot: None,
            options: base(json!({})),
            outcome: Outcome::Error(Kind::Data, "10:00:99"),
        },
        Case {
            what: "user columns differing only by case",
            facts: InputFile::bytes("clash.csv", clash.into_bytes()),
            snapshot: None,
            options: base(json!({})),
            outcome: Outcome::Error(
                Kind::Data,
                "\"USER_ID\" and \"user_id\" differ only by case",
            ),
        },
        Case {
            what: "a blank time zone",
            facts: example_csv(|_| true),
            snapshot: None,
            options: base(json!({ "timezone": "" })),
            outcome: Outcome::Error(Kind::Usage, "\"\": expected a value"),
        },
        resume(
            "a snapshot streak beyond 32 bits",
            edited_snapshot("weekly_streak", Edit::Int(4_294_967_295)),
            Kind::Data,
            "weekly_streak",
        ),
        resume(
            "a snapshot date at the minimum Date32",
            edited_snapshot("first_active_date", Edit::Date32(i32::MIN)),
            Kind::Data,
            "outside the calendar",
        ),
    ]
}

pub fn day(s: &str) -> i32 {
    parse_day("test", s).unwrap()
}

pub const DAY_MS: i64 = 86_400_000;

pub fn parquet(cols: Vec<(&str, ArrayRef)>) -> InputFile {
    let b = RecordBatch::try_from_iter(cols).unwrap();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, b.schema(), None).unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
    InputFile::bytes("hostile.parquet", out)
}

/// The example's users followed by one `intruder{i}` per extra value.
pub fn users(extra: usize) -> ArrayRef {
    let mut v: Vec<String> = spec::facts().iter().map(|(u, _)| u.to_string()).collect();
    v.extend((0..extra).map(|i| format!("intruder{i}")));
    Arc::new(StringArray::from(v))
}

pub fn example_days() -> Vec<i32> {
    spec::facts().iter().map(|(_, d)| day(d)).collect()
}

/// A new value for row 0 of a snapshot column.
pub enum Edit {
    Int(i64),
    Date32(i32),
    Date64(i64),
}

/// Every value of an integer or Date32 column, widened.
pub fn widen(a: &ArrayRef) -> Vec<Option<i64>> {
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
pub fn edited_snapshot(column: &str, edit: Edit) -> InputFile {
    let (b, meta) = example_snapshot();
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
    let bytes = parquet_bytes(&edited, &meta).unwrap();
    InputFile::bytes("snap.parquet", bytes)
}

/// The example's facts whose day passes `keep`, as CSV.
pub fn example_csv(keep: impl Fn(i32) -> bool) -> InputFile {
    let mut s = String::from("user_id,event_date\n");
    for (u, d) in spec::facts() {
        if keep(day(d)) {
            s.push_str(&format!("{u},{d}\n"));
        }
    }
    InputFile::bytes("spec_example.csv", s.into_bytes())
}

/// The example as CSV with these times: `{d}` is each row's date.
pub fn example_times(header: &str, time: &str) -> InputFile {
    let mut s = format!("{header}\n");
    for (u, d) in spec::facts() {
        s.push_str(&format!("{u},{}\n", time.replace("{d}", d)));
    }
    InputFile::bytes("hostile.csv", s.into_bytes())
}

/// The worked example written by pyarrow with page checksums
/// (scripts/parquet_fixtures.py).
pub fn checksummed() -> Vec<u8> {
    include_bytes!("../data/spec_example_crc.parquet").to_vec()
}

/// Where the fixture's dictionary page ends (its first data page starts).
pub const DICTIONARY_PAGE_END: usize = 58;

/// Thrift's compact varint of a zigzag-encoded i64.
pub fn varint(v: i64) -> Vec<u8> {
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
pub fn claim_rows(bytes: &[u8], rows: i64, claimed: i64) -> Vec<u8> {
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

/// 200,000 events of five users over the example's weeks, Snappy
/// compressed, the times in one plain page of 1.6 MB (so its size in the
/// page header takes four bytes), and that page header's offset.
pub fn one_big_page() -> (Vec<u8>, usize) {
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

/// [`one_big_page`]'s file with its page header claiming the most four
/// bytes hold: 134,217,727 bytes uncompressed.
pub fn claiming_page((bytes, at): &(Vec<u8>, usize)) -> Vec<u8> {
    let at = *at;
    // Field 1 (the page type, 0: a data page), then field 2, the
    // uncompressed size in four bytes.
    assert_eq!(&bytes[at..at + 3], &[0x15, 0x00, 0x15]);
    let size = &bytes[at + 3..at + 7];
    assert!(size[..3].iter().all(|b| b & 0x80 != 0) && size[3] & 0x80 == 0);
    let mut edited = bytes.clone();
    edited[at + 3..at + 7].copy_from_slice(&[0xfe, 0xff, 0xff, 0x7f]);
    edited
}
