//! Parquet fact files: only the needed columns are decoded, batch by batch.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, ArrowPrimitiveType};
use arrow_schema::{DataType, Field, Schema, TimeUnit as ArrowUnit};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use parquet::basic::{Encoding, PageType, Type as PhysicalType};

use super::input::unreadable;
use super::pages;
use super::{integer_time_error, resolve_columns, Cell, FactOptions, InputFile, Sink, TimeReader};
use crate::arrays::{cell_text, dictionary_keys, for_each_str, integers, is_text, plain_strs};
use crate::error::Error;
use crate::ids::{Interner, UserIndex};
use crate::time::{local_date, TimeValue};

const BATCH_ROWS: usize = 64 * 1024;

/// How a time column's values are read.
#[derive(Clone, Copy)]
enum TimeKind {
    Timestamp { unit: ArrowUnit, instant: bool },
    Date32,
    Date64,
    Text,
    Integer,
    Float,
}

fn time_kind(
    dt: &DataType,
    int96: bool,
    reader: &TimeReader,
    file: &str,
    col: &str,
) -> Result<TimeKind, Error> {
    Ok(match dt {
        DataType::Timestamp(unit, tz) => TimeKind::Timestamp {
            unit: *unit,
            // INT96 timestamps were written as UTC instants by Impala, Hive and Spark.
            instant: tz.is_some() || int96,
        },
        DataType::Date32 => TimeKind::Date32,
        DataType::Date64 => TimeKind::Date64,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => TimeKind::Text,
        DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8) => TimeKind::Text,
        d if d.is_integer() => {
            if !reader.reads_integers() {
                return Err(integer_time_error(file, col));
            }
            TimeKind::Integer
        }
        DataType::Float32 | DataType::Float64 if reader.unit.is_some() => TimeKind::Float,
        other => {
            return Err(Error::column(
                file,
                col,
                format!("has type {other}: expected a timestamp, a date, a string, or integers with a time unit or format"),
            ))
        }
    })
}

/// Where the fact columns are in a file and how their values are read.
struct Layout<'a> {
    user: usize,
    time: usize,
    fact: Option<usize>,
    segment: Option<usize>,
    names: Vec<String>,
    kind: TimeKind,
    reader: TimeReader<'a>,
}

pub(super) fn read(file: &InputFile, opts: &FactOptions, sink: &mut Sink) -> Result<(), Error> {
    let name = file.name.as_str();
    let (bytes, metadata) = file.open_parquet()?;
    let layout = layout(name, &metadata, opts, sink)?;
    let mut roots = vec![layout.user, layout.time];
    roots.extend(layout.fact);
    roots.extend(layout.segment);
    let schema = metadata.parquet_schema();
    pages::check(name, &bytes, metadata.metadata(), &|leaf| {
        roots.contains(&schema.get_column_root_idx(leaf))
    })?;
    // String ids and segments are read as a dictionary when the file
    // stores every page so: then each distinct value is interned once per
    // dictionary, not per row. A dictionary that overflowed into plain
    // pages (many distinct ids, as in time order) would be rebuilt by
    // hashing every value first.
    let as_dictionary: Vec<usize> = [Some(layout.user), layout.segment]
        .into_iter()
        .flatten()
        .filter(|&c| {
            metadata.schema().field(c).data_type() == &DataType::Utf8
                && all_dictionary(&metadata, c)
        })
        .collect();
    let metadata = if as_dictionary.is_empty() {
        metadata
    } else {
        read_as_dictionary(&metadata, &as_dictionary).map_err(|e| unreadable(name, e))?
    };
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(bytes, metadata);
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let rows = builder.metadata().file_metadata().num_rows();
    sink.reserve(file.rows_to_allocate(usize::try_from(rows).unwrap_or(0)));
    let batches = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| unreadable(name, e))?;
    read_batches(name, batches, &layout, opts, sink, rows.max(1) as f64)
}

/// Finds the fact columns and checks that their types can serve.
fn layout<'a>(
    name: &str,
    metadata: &ArrowReaderMetadata,
    opts: &'a FactOptions,
    sink: &mut Sink,
) -> Result<Layout<'a>, Error> {
    let schema = metadata.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let cols = resolve_columns(name, &names, opts)?;
    let (user_name, time_name) = (&names[cols.user], &names[cols.time]);
    sink.columns(user_name, time_name);
    let reader = TimeReader {
        unit: opts.time_unit,
        format: opts.time_format.as_ref(),
    };
    let root = metadata.parquet_schema().root_schema();
    let int96 = root
        .get_fields()
        .get(cols.time)
        .is_some_and(|f| f.is_primitive() && f.get_physical_type() == PhysicalType::INT96);
    let kind = time_kind(
        schema.field(cols.time).data_type(),
        int96,
        &reader,
        name,
        time_name,
    )?;
    let user_type = schema.field(cols.user).data_type();
    match id_kind(user_type) {
        Some(IdKind::Int) => sink.users().expect_int(name, user_name)?,
        Some(IdKind::Text) => sink.users().expect_text(name, user_name)?,
        None => {
            return Err(Error::column(
                name,
                user_name,
                format!("has type {user_type}: expected string or integer user ids"),
            ))
        }
    }
    if let Some(i) = cols.fact {
        let dt = schema.field(i).data_type();
        if id_kind(dt).is_none() {
            return Err(Error::column(
                name,
                &names[i],
                format!("has type {dt}: expected string or integer fact values"),
            ));
        }
    }
    Ok(Layout {
        user: cols.user,
        time: cols.time,
        fact: cols.fact,
        segment: cols.segment,
        names,
        kind,
        reader,
    })
}

/// Whether every data page of column `column` is dictionary-encoded, as
/// far as the file says (a file without page statistics is assumed so).
/// `root` is the column's index in the schema; row groups index leaves.
fn all_dictionary(metadata: &ArrowReaderMetadata, root: usize) -> bool {
    let dictionary =
        |e: &Encoding| matches!(e, Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY);
    let schema = metadata.parquet_schema();
    let Some(leaf) = (0..schema.num_columns()).find(|&i| schema.get_column_root_idx(i) == root)
    else {
        return false;
    };
    metadata.metadata().row_groups().iter().all(|rg| {
        let c = rg.column(leaf);
        if let Some(mask) = c.page_encoding_stats_mask() {
            return mask.encodings().all(|e| dictionary(&e));
        }
        c.page_encoding_stats().is_none_or(|stats| {
            stats
                .iter()
                .filter(|s| matches!(s.page_type, PageType::DATA_PAGE | PageType::DATA_PAGE_V2))
                .all(|s| dictionary(&s.encoding))
        })
    })
}

/// The metadata with some string columns read as dictionaries.
fn read_as_dictionary(
    metadata: &ArrowReaderMetadata,
    columns: &[usize],
) -> Result<ArrowReaderMetadata, parquet::errors::ParquetError> {
    let schema = metadata.schema();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    for &c in columns {
        fields[c] = fields[c].clone().with_data_type(DataType::Dictionary(
            Box::new(DataType::Int32),
            Box::new(DataType::Utf8),
        ));
    }
    let hinted = Schema::new_with_metadata(fields, schema.metadata().clone());
    ArrowReaderMetadata::try_new(
        metadata.metadata().clone(),
        ArrowReaderOptions::new().with_schema(Arc::new(hinted)),
    )
}

/// Decodes every batch and pushes its rows into the sink.
fn read_batches(
    name: &str,
    batches: impl Iterator<Item = Result<arrow_array::RecordBatch, arrow_schema::ArrowError>>,
    layout: &Layout,
    opts: &FactOptions,
    sink: &mut Sink,
    total_rows: f64,
) -> Result<(), Error> {
    let (user_name, time_name) = (&layout.names[layout.user], &layout.names[layout.time]);
    let fact = layout.fact.map(|i| layout.names[i].as_str());
    let segment = layout.segment.map(|i| layout.names[i].as_str());
    let mut segments = Vec::new();
    let mut file_rows = 0usize;
    let mut users = Vec::with_capacity(BATCH_ROWS);
    let mut dictionary = DictionaryUsers::default();
    let mut cells = Vec::with_capacity(BATCH_ROWS);
    let mut keep = Vec::with_capacity(BATCH_ROWS);
    for batch in batches {
        let batch = batch
            .map_err(|e| Error::corrupt(name, format!("cannot decode the Parquet data: {e}")))?;
        let user_col = batch
            .column_by_name(user_name)
            .expect("projected user column");
        let time_col = batch
            .column_by_name(time_name)
            .expect("projected time column");
        intern_users(user_col, sink.users(), &mut users, &mut dictionary)
            .map_err(|d| Error::column(name, user_name, d))?;
        decode_times(time_col, layout.kind, &layout.reader, &mut cells);
        keep.clear();
        match fact {
            None => keep.resize(batch.num_rows(), true),
            Some(f) => fact_mask(
                batch.column_by_name(f).expect("projected fact column"),
                &opts.fact_values,
                &mut keep,
            ),
        }
        if let Some(c) = segment {
            let column = batch.column_by_name(c).expect("projected segment column");
            sink.segments().column(name, c, column, &mut segments)?;
        }
        for i in 0..batch.num_rows() {
            if segment.is_some() {
                sink.set_segment(segments[i]);
            }
            let user = (users[i] != NULL_USER).then_some(users[i]);
            sink.row(user, cells[i], keep[i], || cell_text(time_col, i));
        }
        file_rows += batch.num_rows();
        sink.report(file_rows as f64 / total_rows);
    }
    Ok(())
}

const NULL_USER: UserIndex = UserIndex::MAX;

enum IdKind {
    Int,
    Text,
}

fn id_kind(dt: &DataType) -> Option<IdKind> {
    match dt {
        d if d.is_integer() => Some(IdKind::Int),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(IdKind::Text),
        DataType::Dictionary(_, v) => id_kind(v),
        _ => None,
    }
}

/// The user index of each value of the current dictionary of an id column,
/// interned on first use. Batches of one column chunk share its dictionary.
#[derive(Default)]
struct DictionaryUsers {
    // Held so that its buffers stay alive: an address seen again is the
    // same dictionary, never a new one allocated where it was.
    values: Option<ArrayRef>,
    index: Vec<UserIndex>,
}

/// Whether two string arrays share their buffers (one dictionary).
fn same_strings(a: &ArrayRef, b: &ArrayRef) -> bool {
    let (a, b) = (a.as_string::<i32>(), b.as_string::<i32>());
    a.len() == b.len()
        && a.values().as_ptr() == b.values().as_ptr()
        && a.offsets().inner().inner().as_ptr() == b.offsets().inner().inner().as_ptr()
}

const UNSEEN: UserIndex = UserIndex::MAX - 1;

fn intern_users(
    a: &ArrayRef,
    ids: &mut Interner,
    out: &mut Vec<UserIndex>,
    dictionary: &mut DictionaryUsers,
) -> Result<(), String> {
    out.clear();
    if let DataType::Dictionary(_, v) = a.data_type() {
        if **v == DataType::Utf8 {
            let d = a.as_any_dictionary();
            if !dictionary
                .values
                .as_ref()
                .is_some_and(|x| same_strings(x, d.values()))
            {
                dictionary.index.clear();
                dictionary.index.resize(d.values().len(), UNSEEN);
                dictionary.values = Some(d.values().clone());
            }
            let values = d.values().as_string::<i32>();
            // The validity read directly: Array::is_null is a virtual call per row.
            let nulls = a.nulls();
            for (i, k) in dictionary_keys(d).into_iter().enumerate() {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    out.push(NULL_USER);
                    continue;
                }
                let slot = &mut dictionary.index[k];
                if *slot == UNSEEN {
                    *slot = if values.is_null(k) {
                        NULL_USER
                    } else {
                        ids.text(values.value(k))
                    };
                }
                out.push(*slot);
            }
            return Ok(());
        }
    }
    if let Some(cells) = plain_strs(a) {
        ids.texts(&cells, NULL_USER, out);
    } else if is_text(a.data_type()) {
        for_each_str(a, |_, v| out.push(v.map_or(NULL_USER, |s| ids.text(s))));
    } else {
        for v in integers(a)? {
            out.push(v.map_or(NULL_USER, |x| ids.int(x)));
        }
    }
    Ok(())
}

fn timestamp_micros(unit: ArrowUnit, v: i64) -> Option<i64> {
    match unit {
        ArrowUnit::Second => v.checked_mul(1_000_000),
        ArrowUnit::Millisecond => v.checked_mul(1000),
        ArrowUnit::Microsecond => Some(v),
        ArrowUnit::Nanosecond => Some(v.div_euclid(1000)),
    }
}

fn push_primitive<T: ArrowPrimitiveType>(
    a: &ArrayRef,
    out: &mut Vec<Cell>,
    f: impl Fn(T::Native) -> Option<TimeValue>,
) {
    for v in a.as_primitive::<T>().iter() {
        out.push(match v {
            None => Cell::Null,
            Some(x) => f(x).map_or(Cell::Bad, Cell::Time),
        });
    }
}

fn decode_times(a: &ArrayRef, kind: TimeKind, reader: &TimeReader, out: &mut Vec<Cell>) {
    out.clear();
    match kind {
        TimeKind::Timestamp { unit, instant } => {
            let wrap = move |us: i64| {
                if instant {
                    TimeValue::Instant(us)
                } else {
                    TimeValue::Local(us)
                }
            };
            let f = move |v: i64| timestamp_micros(unit, v).map(wrap);
            match unit {
                ArrowUnit::Second => push_primitive::<TimestampSecondType>(a, out, f),
                ArrowUnit::Millisecond => push_primitive::<TimestampMillisecondType>(a, out, f),
                ArrowUnit::Microsecond => push_primitive::<TimestampMicrosecondType>(a, out, f),
                ArrowUnit::Nanosecond => push_primitive::<TimestampNanosecondType>(a, out, f),
            }
        }
        TimeKind::Date32 => push_primitive::<Date32Type>(a, out, local_date),
        TimeKind::Date64 => {
            push_primitive::<Date64Type>(a, out, |ms| ms.checked_mul(1000).map(TimeValue::Local))
        }
        TimeKind::Text => {
            for_each_str(a, |_, v| out.push(v.map_or(Cell::Null, |s| reader.text(s))))
        }
        TimeKind::Integer => match integers(a) {
            Ok(vs) => out.extend(
                vs.into_iter()
                    .map(|v| v.map_or(Cell::Null, |x| reader.int(x))),
            ),
            Err(_) => out.resize(a.len(), Cell::Bad),
        },
        TimeKind::Float => {
            let scale = reader
                .unit
                .and_then(|u| u.to_micros(1))
                .map_or(0.001, |m| m as f64);
            let f = |x: f64| {
                let us = x * scale;
                us.is_finite()
                    .then(|| TimeValue::Instant(us.floor() as i64))
            };
            match a.data_type() {
                DataType::Float32 => push_primitive::<Float32Type>(a, out, |x| f(f64::from(x))),
                _ => push_primitive::<Float64Type>(a, out, f),
            }
        }
    }
}

fn fact_mask(a: &ArrayRef, values: &[String], out: &mut Vec<bool>) {
    if is_text(a.data_type()) {
        for_each_str(a, |_, v| {
            out.push(v.is_some_and(|s| values.iter().any(|x| x == s)))
        });
    } else {
        let wanted: Vec<i64> = values
            .iter()
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        match integers(a) {
            Ok(vs) => out.extend(
                vs.into_iter()
                    .map(|v| v.is_some_and(|x| wanted.contains(&x))),
            ),
            Err(_) => out.resize(a.len(), false),
        }
    }
}
