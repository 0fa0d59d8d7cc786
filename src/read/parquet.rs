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
use parquet::basic::Type as PhysicalType;
use parquet::file::reader::ChunkReader;

use super::{
    integer_time_error, resolve_columns, Cell, FactOptions, InputFile, Sink, Source, TimeReader,
};
use crate::error::Error;
use crate::ids::{Interner, UserIndex};
use crate::time::{micros_of_day, TimeValue};

const BATCH_ROWS: usize = 64 * 1024;

pub(super) fn read(file: &InputFile, opts: &FactOptions, sink: &mut Sink) -> Result<(), Error> {
    match &file.source {
        Source::Path(p) => {
            let f = std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
            read_from(f, &file.name, opts, sink)
        }
        Source::Bytes(b) => read_from(b.clone(), &file.name, opts, sink),
    }
}

/// Opens a Parquet file, with an error that names it.
pub(crate) fn builder<R: ChunkReader + 'static>(
    reader: R,
    name: &str,
) -> Result<ParquetRecordBatchReaderBuilder<R>, Error> {
    ParquetRecordBatchReaderBuilder::try_new(reader)
        .map_err(|e| Error::corrupt(name, format!("not a readable Parquet file: {e}")))
}

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

fn read_from<R: ChunkReader + 'static>(
    r: R,
    name: &str,
    opts: &FactOptions,
    sink: &mut Sink,
) -> Result<(), Error> {
    let unreadable = |e: parquet::errors::ParquetError| {
        Error::corrupt(name, format!("not a readable Parquet file: {e}"))
    };
    let metadata = ArrowReaderMetadata::load(&r, ArrowReaderOptions::new()).map_err(unreadable)?;
    let schema = metadata.schema().clone();
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
    // String ids are read as a dictionary when the file stores them so:
    // then each distinct id is interned once per dictionary, not per row.
    let metadata = if *user_type == DataType::Utf8 {
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields[cols.user] = fields[cols.user]
            .clone()
            .with_data_type(DataType::Dictionary(
                Box::new(DataType::Int32),
                Box::new(DataType::Utf8),
            ));
        let hinted = Schema::new_with_metadata(fields, schema.metadata().clone());
        ArrowReaderMetadata::try_new(
            metadata.metadata().clone(),
            ArrowReaderOptions::new().with_schema(Arc::new(hinted)),
        )
        .map_err(unreadable)?
    } else {
        metadata
    };
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(r, metadata);
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
    let fact = match cols.fact {
        None => None,
        Some(i) => {
            let dt = schema.field(i).data_type();
            if id_kind(dt).is_none() {
                return Err(Error::column(
                    name,
                    &names[i],
                    format!("has type {dt}: expected string or integer fact values"),
                ));
            }
            Some(names[i].clone())
        }
    };
    let mut roots = vec![cols.user, cols.time];
    roots.extend(cols.fact);
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let file_rows_total = builder.metadata().file_metadata().num_rows();
    sink.reserve(usize::try_from(file_rows_total).unwrap_or(0));
    let total_rows = file_rows_total.max(1) as f64;
    let mut file_rows = 0usize;
    let batches = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| Error::corrupt(name, format!("not a readable Parquet file: {e}")))?;
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
        decode_times(time_col, kind, &reader, &mut cells);
        keep.clear();
        match &fact {
            None => keep.resize(batch.num_rows(), true),
            Some(f) => fact_mask(
                batch.column_by_name(f).expect("projected fact column"),
                &opts.fact_values,
                &mut keep,
            ),
        }
        for i in 0..batch.num_rows() {
            let user = (users[i] != NULL_USER).then_some(users[i]);
            sink.row(user, cells[i], keep[i], || raw_text(time_col, i));
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

/// Calls `f` with each string of a string-like array (plain or dictionary).
pub(crate) fn for_each_str(a: &ArrayRef, mut f: impl FnMut(usize, Option<&str>)) {
    match a.data_type() {
        DataType::Utf8 => a
            .as_string::<i32>()
            .iter()
            .enumerate()
            .for_each(|(i, v)| f(i, v)),
        DataType::LargeUtf8 => a
            .as_string::<i64>()
            .iter()
            .enumerate()
            .for_each(|(i, v)| f(i, v)),
        DataType::Utf8View => a
            .as_string_view()
            .iter()
            .enumerate()
            .for_each(|(i, v)| f(i, v)),
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let values = d.values();
            let keys = dictionary_keys(d);
            let mut strs: Vec<Option<&str>> = Vec::with_capacity(values.len());
            let texts = collect_strs(values);
            strs.extend(texts.iter().map(|s| s.as_deref()));
            let nulls = a.nulls();
            for (i, k) in keys.iter().enumerate() {
                f(
                    i,
                    if nulls.is_some_and(|n| n.is_null(i)) {
                        None
                    } else {
                        strs.get(*k).copied().flatten()
                    },
                );
            }
        }
        _ => unreachable!("checked string column"),
    }
}

fn collect_strs(a: &ArrayRef) -> Vec<Option<String>> {
    let mut out = Vec::with_capacity(a.len());
    for_each_str(a, |_, v| out.push(v.map(str::to_string)));
    out
}

fn ints_of<T: ArrowPrimitiveType>(a: &ArrayRef, out: &mut Vec<Option<i64>>) -> Result<(), String>
where
    T::Native: TryInto<i64> + std::fmt::Display + Copy,
{
    for v in a.as_primitive::<T>().iter() {
        out.push(match v {
            None => None,
            Some(x) => Some(
                x.try_into()
                    .map_err(|_| format!("value {x} does not fit in a 64-bit signed integer"))?,
            ),
        });
    }
    Ok(())
}

/// The integers of an integer array (`None` for nulls).
pub(crate) fn integers(a: &ArrayRef) -> Result<Vec<Option<i64>>, String> {
    let mut out = Vec::with_capacity(a.len());
    match a.data_type() {
        DataType::Int8 => ints_of::<Int8Type>(a, &mut out)?,
        DataType::Int16 => ints_of::<Int16Type>(a, &mut out)?,
        DataType::Int32 => ints_of::<Int32Type>(a, &mut out)?,
        DataType::Int64 => ints_of::<Int64Type>(a, &mut out)?,
        DataType::UInt8 => ints_of::<UInt8Type>(a, &mut out)?,
        DataType::UInt16 => ints_of::<UInt16Type>(a, &mut out)?,
        DataType::UInt32 => ints_of::<UInt32Type>(a, &mut out)?,
        DataType::UInt64 => ints_of::<UInt64Type>(a, &mut out)?,
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let values = integers(d.values())?;
            let nulls = a.nulls();
            for (i, k) in dictionary_keys(d).iter().enumerate() {
                out.push(if nulls.is_some_and(|n| n.is_null(i)) {
                    None
                } else {
                    values.get(*k).copied().flatten()
                });
            }
        }
        other => return Err(format!("has type {other}: expected integers")),
    }
    Ok(out)
}

pub(crate) fn is_text(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
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
    if is_text(a.data_type()) {
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
        TimeKind::Date32 => {
            push_primitive::<Date32Type>(a, out, |d| Some(TimeValue::Local(micros_of_day(d))))
        }
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

/// One cell as text, for error messages.
fn raw_text(a: &ArrayRef, i: usize) -> String {
    if is_text(a.data_type()) {
        let mut s = String::new();
        let single = a.slice(i, 1);
        for_each_str(&single, |_, v| s = v.unwrap_or("").to_string());
        return s;
    }
    match integers(&a.slice(i, 1)) {
        Ok(v) => v[0].map(|x| x.to_string()).unwrap_or_default(),
        Err(_) => format!("{:?}", a.slice(i, 1)),
    }
}

/// The value index of every key of a dictionary array. arrow-rs asserts on
/// `normalized_keys` of a dictionary without values (an all-null column),
/// where every key is null anyway.
pub(crate) fn dictionary_keys(d: &dyn arrow_array::AnyDictionaryArray) -> Vec<usize> {
    if d.values().is_empty() {
        vec![0; d.keys().len()]
    } else {
        d.normalized_keys()
    }
}
