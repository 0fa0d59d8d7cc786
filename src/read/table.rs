//! Whole small tables (snapshots, earlier outputs) as one Arrow batch.
//! CSV columns arrive as strings; callers read them with the same rules
//! as the Parquet types.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::input::unreadable;
use super::{Format, InputFile};
use crate::error::Error;

/// A table read whole.
pub struct Table {
    /// The file's name.
    pub file: String,
    /// Its format.
    pub format: Format,
    /// Its rows.
    pub batch: RecordBatch,
    /// Parquet key-value metadata (empty for CSV).
    pub metadata: Vec<(String, String)>,
}

impl Table {
    /// Reads a whole Parquet or CSV file.
    pub fn read(file: &InputFile) -> Result<Table, Error> {
        Self::read_head(file, None)
    }

    /// Reads the first `limit` rows (or more: CSV files are read whole),
    /// or every row without a limit.
    pub fn read_head(file: &InputFile, limit: Option<usize>) -> Result<Table, Error> {
        let format = file.format()?;
        super::guard(&file.name, || match format {
            Format::Parquet => read_parquet(file, limit),
            Format::Csv => read_csv(file),
        })
    }

    /// Column names.
    pub fn names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// A column by name (exact, then case-insensitive).
    pub fn column(&self, name: &str) -> Option<&ArrayRef> {
        let names = self.names();
        let found = super::find_column(&names, Some(name), &[]).ok().flatten();
        found.map(|i| self.batch.column(i))
    }

    /// A metadata value.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn read_parquet(file: &InputFile, limit: Option<usize>) -> Result<Table, Error> {
    let name = file.name.as_str();
    let (bytes, metadata) = file.open_parquet()?;
    super::pages::check(name, &bytes, metadata.metadata(), &|_| true)?;
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(bytes, metadata);
    let metadata = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .map(|e| (e.key.clone(), e.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let schema = builder.schema().clone();
    // One batch of every row wanted, so the table is never held twice
    // (batches plus their concatenation).
    let rows: usize = builder
        .metadata()
        .row_groups()
        .iter()
        .map(|g| usize::try_from(g.num_rows()).unwrap_or(0))
        .sum();
    let wanted = limit.map_or(rows, |l| l.min(rows));
    // One batch when the declared count is plausible; beyond the bound,
    // batches are read and joined.
    let mut reader = builder
        .with_batch_size(file.rows_to_allocate(wanted).max(1))
        .build()
        .map_err(|e| unreadable(name, e))?;
    let decode = |e: arrow_schema::ArrowError| {
        Error::corrupt(name, format!("cannot decode the Parquet data: {e}"))
    };
    let mut batches = Vec::new();
    let mut read = 0;
    while read < wanted {
        let Some(b) = reader.next() else { break };
        let b = b.map_err(decode)?;
        read += b.num_rows();
        batches.push(b);
    }
    if limit.is_none() && (read > rows || reader.next().is_some()) {
        return Err(Error::corrupt(
            name,
            format!("holds more rows than its row groups declare ({rows})"),
        ));
    }
    let batch = match batches.len() {
        0 => RecordBatch::new_empty(schema),
        1 => batches.pop().expect("one batch"),
        _ => arrow_select::concat::concat_batches(&schema, &batches)
            .map_err(|e| Error::Internal(format!("joining batches: {e}")))?,
    };
    Ok(Table {
        file: name.to_string(),
        format: Format::Parquet,
        batch,
        metadata,
    })
}

fn read_csv(file: &InputFile) -> Result<Table, Error> {
    let (mut records, names) = super::csv::Records::open(file)?;
    let mut builders: Vec<StringBuilder> = names.iter().map(|_| StringBuilder::new()).collect();
    while let Some(rec) = records.next()? {
        for (b, v) in builders.iter_mut().zip(rec.iter()) {
            if v.is_empty() {
                b.append_null();
            } else {
                b.append_value(String::from_utf8_lossy(v));
            }
        }
    }
    let fields: Vec<Field> = names
        .iter()
        .map(|n| Field::new(n, arrow_schema::DataType::Utf8, true))
        .collect();
    let columns: Vec<ArrayRef> = builders
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| Error::corrupt(&file.name, e))?;
    Ok(Table {
        file: file.name.clone(),
        format: Format::Csv,
        batch,
        metadata: Vec::new(),
    })
}
