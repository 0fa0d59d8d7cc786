//! Writers: record batches to Parquet or CSV bytes, and files written
//! atomically (a temporary file renamed into place, never half-written).

use std::io::Write;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::error::Error;
use crate::grain::format_day;

/// A table file format for outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Parquet (snappy).
    Parquet,
    /// CSV with a header row.
    Csv,
    /// Arrow IPC stream (readable by `apache-arrow`'s `tableFromIPC`).
    Arrow,
}

impl OutputFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Csv => "csv",
            OutputFormat::Arrow => "arrow",
        }
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim() {
            "parquet" => Ok(OutputFormat::Parquet),
            "csv" => Ok(OutputFormat::Csv),
            "arrow" => Ok(OutputFormat::Arrow),
            _ => Err(Error::invalid_option("format", s, "parquet, csv or arrow")),
        }
    }
}

/// Parquet bytes of a batch, with key-value metadata.
pub fn parquet_bytes(batch: &RecordBatch, metadata: &[(String, String)]) -> Result<Vec<u8>, Error> {
    let kv: Vec<KeyValue> = metadata
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_key_value_metadata(if kv.is_empty() { None } else { Some(kv) })
        .build();
    let mut out = Vec::new();
    let fail = |e: parquet::errors::ParquetError| Error::Internal(format!("writing Parquet: {e}"));
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).map_err(fail)?;
    w.write(batch).map_err(fail)?;
    w.close().map_err(fail)?;
    Ok(out)
}

/// Arrow IPC stream bytes of a batch (schema and field metadata included).
pub fn arrow_bytes(batch: &RecordBatch) -> Result<Vec<u8>, Error> {
    let fail = |e: arrow_schema::ArrowError| Error::Internal(format!("writing Arrow IPC: {e}"));
    let mut w =
        arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &batch.schema()).map_err(fail)?;
    w.write(batch).map_err(fail)?;
    w.into_inner().map_err(fail)
}

/// The bytes of one output table of a run in a format (the snapshot keeps
/// its key-value metadata in Parquet).
pub fn table_bytes(
    a: &crate::run::Activation,
    kind: crate::output::TableKind,
    format: OutputFormat,
) -> Result<Vec<u8>, Error> {
    let batch = kind.batch(a)?;
    match format {
        OutputFormat::Parquet if kind == crate::output::TableKind::Snapshot => {
            parquet_bytes(&batch, &a.snapshot.meta.to_pairs())
        }
        OutputFormat::Parquet => parquet_bytes(&batch, &[]),
        OutputFormat::Csv => csv_bytes(&batch),
        OutputFormat::Arrow => arrow_bytes(&batch),
    }
}

/// A table file (Parquet or CSV, e.g. an earlier output) in another format.
/// CSV inputs stay text columns.
pub fn convert(file: &crate::read::InputFile, format: OutputFormat) -> Result<Vec<u8>, Error> {
    let table = crate::read::Table::read(file)?;
    match format {
        OutputFormat::Parquet => parquet_bytes(&table.batch, &table.metadata),
        OutputFormat::Csv => csv_bytes(&table.batch),
        OutputFormat::Arrow => arrow_bytes(&table.batch),
    }
}

/// CSV bytes of a batch: header row, nulls as empty fields, dates as
/// YYYY-MM-DD, booleans true/false, floats in their shortest round-trip form.
pub fn csv_bytes(batch: &RecordBatch) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    w.write_record(batch.schema().fields().iter().map(|f| f.name().as_str()))
        .map_err(fail)?;
    let columns: Vec<Vec<String>> = batch
        .columns()
        .iter()
        .map(|c| column_text(c.as_ref()))
        .collect::<Result<_, _>>()?;
    for i in 0..batch.num_rows() {
        w.write_record(columns.iter().map(|c| c[i].as_str()))
            .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}

pub(crate) fn column_text(a: &dyn Array) -> Result<Vec<String>, Error> {
    let n = a.len();
    let text =
        |i: usize, f: &dyn Fn(usize) -> String| if a.is_null(i) { String::new() } else { f(i) };
    Ok(match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            (0..n)
                .map(|i| text(i, &|i| s.value(i).to_string()))
                .collect()
        }
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let values = column_text(d.values().as_ref())?;
            let keys = crate::read::dictionary_keys(d);
            (0..n)
                .map(|i| text(i, &|i| values[keys[i]].clone()))
                .collect()
        }
        DataType::Int32 => {
            let v = a.as_primitive::<Int32Type>();
            (0..n)
                .map(|i| text(i, &|i| v.value(i).to_string()))
                .collect()
        }
        DataType::Int64 => {
            let v = a.as_primitive::<Int64Type>();
            (0..n)
                .map(|i| text(i, &|i| v.value(i).to_string()))
                .collect()
        }
        DataType::Float64 => {
            let v = a.as_primitive::<Float64Type>();
            (0..n)
                .map(|i| text(i, &|i| v.value(i).to_string()))
                .collect()
        }
        DataType::Date32 => {
            let v = a.as_primitive::<Date32Type>();
            (0..n)
                .map(|i| text(i, &|i| format_day(v.value(i))))
                .collect()
        }
        DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, _) => {
            let v = a.as_primitive::<arrow_array::types::TimestampMicrosecondType>();
            (0..n)
                .map(|i| {
                    text(i, &|i| {
                        let us = v.value(i);
                        let secs = us.div_euclid(1_000_000);
                        let day = secs.div_euclid(86_400);
                        let s = secs.rem_euclid(86_400);
                        format!(
                            "{}T{:02}:{:02}:{:02}Z",
                            format_day(day as i32),
                            s / 3600,
                            s / 60 % 60,
                            s % 60
                        )
                    })
                })
                .collect()
        }
        DataType::Boolean => {
            let v = a.as_boolean();
            (0..n)
                .map(|i| text(i, &|i| v.value(i).to_string()))
                .collect()
        }
        other => {
            return Err(Error::Internal(format!(
                "no CSV rendering for type {other}"
            )))
        }
    })
}

/// Writes `bytes` to `path` through a temporary file in the same directory,
/// then renames it: readers see the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Writes every output of a run into `dir` with the names of SPEC section 4:
/// tables in `format`, the snapshot always as Parquet, the quality report as
/// JSON. Returns the paths written.
pub fn write_outputs(
    a: &crate::run::Activation,
    dir: &Path,
    format: OutputFormat,
) -> Result<Vec<std::path::PathBuf>, Error> {
    use crate::output::TableKind;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::new();
    for kind in TableKind::ALL {
        // The snapshot is always Parquet: it carries its metadata there.
        let format = if kind == TableKind::Snapshot {
            OutputFormat::Parquet
        } else {
            format
        };
        let bytes = table_bytes(a, kind, format)?;
        let ext = format.extension();
        let path = dir.join(format!("{}.{ext}", kind.file_stem(a)));
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    let path = dir.join(format!("{}_quality.json", a.table_name("")));
    let json = serde_json::to_vec_pretty(&a.quality).map_err(|e| Error::Internal(e.to_string()))?;
    write_atomic(&path, &json)?;
    written.push(path);
    Ok(written)
}
