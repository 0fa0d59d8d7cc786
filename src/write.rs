//! Writers: record batches to Parquet or CSV bytes, and files written
//! atomically (a temporary file renamed into place, never half-written).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::datapackage::{self, Content, Digesting, OutputFile, Package, Stamp};
use crate::error::Error;
use crate::grain::format_day;
use crate::output::{Layer, TableKind};

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

/// Writes record batches of one table to `out` in a format, a batch at a
/// time: the encoded table is never held whole unless `out` holds it.
pub struct TableWriter<W: Write + Send> {
    inner: Inner<W>,
}

enum Inner<W: Write + Send> {
    Parquet(Box<ArrowWriter<W>>),
    Csv(csv::Writer<W>),
    Arrow(arrow_ipc::writer::StreamWriter<W>),
}

fn parquet_error(e: parquet::errors::ParquetError) -> Error {
    Error::Internal(format!("writing Parquet: {e}"))
}

fn arrow_error(e: arrow_schema::ArrowError) -> Error {
    Error::Internal(format!("writing Arrow IPC: {e}"))
}

fn csv_error(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("writing CSV: {e}"))
}

impl<W: Write + Send> TableWriter<W> {
    /// A writer of tables with this schema; `metadata` becomes Parquet
    /// key-value metadata (other formats have none).
    pub fn new(
        format: OutputFormat,
        schema: &SchemaRef,
        metadata: &[(String, String)],
        out: W,
    ) -> Result<Self, Error> {
        let inner = match format {
            OutputFormat::Parquet => {
                let kv: Vec<KeyValue> = metadata
                    .iter()
                    .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                    .collect();
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_key_value_metadata(if kv.is_empty() { None } else { Some(kv) })
                    .build();
                Inner::Parquet(Box::new(
                    ArrowWriter::try_new(out, schema.clone(), Some(props))
                        .map_err(parquet_error)?,
                ))
            }
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(schema.fields().iter().map(|f| f.name().as_str()))
                    .map_err(csv_error)?;
                Inner::Csv(w)
            }
            OutputFormat::Arrow => Inner::Arrow(
                arrow_ipc::writer::StreamWriter::try_new(out, schema).map_err(arrow_error)?,
            ),
        };
        Ok(TableWriter { inner })
    }

    /// Appends the rows of a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        match &mut self.inner {
            Inner::Parquet(w) => w.write(batch).map_err(parquet_error),
            Inner::Arrow(w) => w.write(batch).map_err(arrow_error),
            Inner::Csv(w) => {
                let columns: Vec<Vec<String>> = batch
                    .columns()
                    .iter()
                    .map(|c| column_text(c.as_ref()))
                    .collect::<Result<_, _>>()?;
                for i in 0..batch.num_rows() {
                    w.write_record(columns.iter().map(|c| c[i].as_str()))
                        .map_err(csv_error)?;
                }
                Ok(())
            }
        }
    }

    /// Ends the file (footer, end-of-stream marker) and returns `out`.
    pub fn finish(self) -> Result<W, Error> {
        match self.inner {
            Inner::Parquet(w) => w.into_inner().map_err(parquet_error),
            Inner::Arrow(w) => w.into_inner().map_err(arrow_error),
            Inner::Csv(w) => w.into_inner().map_err(csv_error),
        }
    }
}

/// The bytes of one batch in a format; `metadata` becomes Parquet
/// key-value metadata (other formats have none).
pub fn batch_bytes(
    format: OutputFormat,
    batch: &RecordBatch,
    metadata: &[(String, String)],
) -> Result<Vec<u8>, Error> {
    let mut w = TableWriter::new(format, &batch.schema(), metadata, Vec::new())?;
    w.write(batch)?;
    w.finish()
}

/// Parquet bytes of a batch, with key-value metadata.
pub fn parquet_bytes(batch: &RecordBatch, metadata: &[(String, String)]) -> Result<Vec<u8>, Error> {
    batch_bytes(OutputFormat::Parquet, batch, metadata)
}

/// Arrow IPC stream bytes of a batch (schema and field metadata included).
pub fn arrow_bytes(batch: &RecordBatch) -> Result<Vec<u8>, Error> {
    batch_bytes(OutputFormat::Arrow, batch, &[])
}

/// CSV bytes of a batch: header row, nulls as empty fields, dates as
/// YYYY-MM-DD, booleans true/false, floats in their shortest round-trip form.
pub fn csv_bytes(batch: &RecordBatch) -> Result<Vec<u8>, Error> {
    batch_bytes(OutputFormat::Csv, batch, &[])
}

/// Writes one output table of a run's layer to `out` in a format, a batch
/// at a time. In Parquet, the snapshot keeps its own key-value metadata and
/// every other table the run's settings, which `merge` checks.
pub fn write_table<'a, W: Write + Send>(
    layer: impl Into<Layer<'a>>,
    kind: TableKind,
    format: OutputFormat,
    out: W,
) -> Result<W, Error> {
    write_table_described(layer.into(), kind, format, out).map(|(w, _)| w)
}

/// [`write_table`], also returning the Arrow schema the table was written
/// with (what its data package resource describes).
fn write_table_described<W: Write + Send>(
    layer: Layer,
    kind: TableKind,
    format: OutputFormat,
    out: W,
) -> Result<(W, SchemaRef), Error> {
    let metadata = match (kind, format) {
        (TableKind::Snapshot, OutputFormat::Parquet) => layer.snapshot_metadata(),
        (_, OutputFormat::Parquet) => layer.quality().settings(),
        _ => Vec::new(),
    };
    let mut out = Some(out);
    let mut writer: Option<(TableWriter<W>, SchemaRef)> = None;
    layer.for_each_batch(kind, &mut |batch| {
        let (w, _) = match &mut writer {
            Some(w) => w,
            None => writer.insert((
                TableWriter::new(
                    format,
                    &batch.schema(),
                    &metadata,
                    out.take().expect("the output is handed over once"),
                )?,
                batch.schema(),
            )),
        };
        w.write(&batch)
    })?;
    let (w, schema) = writer
        .ok_or_else(|| Error::Internal(format!("the {} table has no batch", kind.as_str())))?;
    Ok((w.finish()?, schema))
}

/// The bytes of one output table of a run's layer in a format.
pub fn table_bytes<'a>(
    layer: impl Into<Layer<'a>>,
    kind: TableKind,
    format: OutputFormat,
) -> Result<Vec<u8>, Error> {
    write_table(layer, kind, format, Vec::new())
}

/// A table file (Parquet or CSV, e.g. an earlier output) in another format.
/// CSV inputs stay text columns.
pub fn convert(file: &crate::read::InputFile, format: OutputFormat) -> Result<Vec<u8>, Error> {
    let table = crate::read::Table::read(file)?;
    batch_bytes(format, &table.batch, &table.metadata)
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
            let keys = crate::arrays::dictionary_keys(d);
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
    write_atomic_with(path, |mut w| {
        w.write_all(bytes).map_err(|e| Error::io(path, e))?;
        Ok(w)
    })
}

/// [`write_atomic`] for content that `write` streams into the file.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(BufWriter<File>) -> Result<BufWriter<File>, Error>,
) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(temporary_name(&name, std::process::id()));
    let result = File::create(&tmp)
        .map_err(|e| Error::io(path, e))
        .and_then(|f| write(BufWriter::with_capacity(1 << 20, f)))
        .and_then(|w| {
            let f = w
                .into_inner()
                .map_err(|e| Error::io(path, e.into_error()))?;
            f.sync_all().map_err(|e| Error::io(path, e))?;
            std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The temporary file a process writes `name` through.
fn temporary_name(name: &str, pid: u32) -> String {
    format!(".{name}.tmp-{pid}")
}

/// Removes the temporary files that runs killed while writing left in
/// `dir` (a failed write removes its own). A temporary file is stale when
/// the process that made it is gone (Linux) or, where that cannot be
/// known, when it is more than a day old: a live run's file is never
/// touched. Cleaning is best effort; what cannot be removed stays.
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = temporary_pid(&name) else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid, &e) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The process id in a temporary file's name, if it is one.
fn temporary_pid(name: &str) -> Option<u32> {
    let (target, pid) = name.strip_prefix('.')?.rsplit_once(".tmp-")?;
    let pid: u32 = pid.parse().ok()?;
    (temporary_name(target, pid) == name).then_some(pid)
}

fn process_alive(pid: u32, file: &std::fs::DirEntry) -> bool {
    if cfg!(target_os = "linux") {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    let age = file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok());
    age.is_none_or(|a| a < std::time::Duration::from_secs(24 * 3600))
}

/// Where [`write_run`] writes each file: called with the file's name and a
/// function that streams its content into a writer.
pub type Sink<'s> = dyn FnMut(&str, &mut dyn FnMut(&mut (dyn Write + Send)) -> Result<(), Error>) -> Result<(), Error>
    + 's;

/// Writes every output of a run's layer, one file at a time, through
/// `sink`, with the names of SPEC section 4: tables in `format`, the
/// snapshot always as Parquet, the quality report as JSON, and last the
/// data package describing them all (SPEC section 14), which it returns.
pub fn write_run<'a>(
    layer: impl Into<Layer<'a>>,
    format: OutputFormat,
    sink: &mut Sink,
) -> Result<Package, Error> {
    let layer = layer.into();
    let mut files = Vec::new();
    for kind in layer.tables() {
        // The snapshot is always Parquet: it carries its metadata there.
        let format = if kind == TableKind::Snapshot {
            OutputFormat::Parquet
        } else {
            format
        };
        let name = format!("{}.{}", layer.file_stem(kind), format.extension());
        let mut described = None;
        sink(&name, &mut |w| {
            let (d, schema) = write_table_described(layer, kind, format, Digesting::new(w))?;
            described = Some((schema, d.finish().1));
            Ok(())
        })?;
        let (schema, stamp) =
            described.ok_or_else(|| Error::Internal(format!("{name} was not written")))?;
        files.push(OutputFile {
            name,
            content: Content::Table(kind, format, schema),
            stamp,
        });
    }
    let name = format!("{}_quality.json", layer.table_name(""));
    let json =
        serde_json::to_vec_pretty(layer.quality()).map_err(|e| Error::Internal(e.to_string()))?;
    sink(&name, &mut |w| {
        w.write_all(&json)
            .map_err(|e| Error::Internal(e.to_string()))
    })?;
    files.push(OutputFile {
        name,
        content: Content::QualityReport,
        stamp: Stamp::of(&json),
    });
    let package = datapackage::package(layer, &files);
    let bytes = datapackage::to_bytes(&package)?;
    sink(datapackage::FILE_NAME, &mut |w| {
        w.write_all(&bytes)
            .map_err(|e| Error::Internal(e.to_string()))
    })?;
    Ok(package)
}

/// Writes every output of a run into `dir` ([`write_run`]), each file
/// atomically. Returns the paths written, the data package last.
pub fn write_outputs<'a>(
    layer: impl Into<Layer<'a>>,
    dir: &Path,
    format: OutputFormat,
) -> Result<Vec<std::path::PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    remove_stale_temporaries(dir);
    let mut written = Vec::new();
    write_run(layer, format, &mut |name, write| {
        let path = dir.join(name);
        write_atomic_with(&path, |mut w| {
            write(&mut w)?;
            Ok(w)
        })?;
        written.push(path);
        Ok(())
    })?;
    Ok(written)
}
