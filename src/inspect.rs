//! File inspection: what a file holds and how a run would read it, so a
//! user can check and fix the column mapping before computing.

use std::collections::HashMap;

use arrow_array::{Array, ArrayRef};
use serde::Serialize;

use crate::arrays::{cell_text, for_each_str, integers, is_text};
use crate::error::Error;
use crate::read::{find_column, Format, InputFile, Table, TIME_COLUMNS, USER_COLUMNS};

/// Rows sampled to list fact values.
const SAMPLE_ROWS: usize = 200_000;
/// Columns with more distinct values than this are not offered as fact filters.
const MAX_FACT_VALUES: usize = 100;
/// Distinct values shown per column, the first ones met.
const SAMPLE_VALUES: usize = 3;
/// Rows looked at for those values.
const SAMPLE_SCAN: usize = 10_000;
/// Columns with more distinct values than this are not offered as segments
/// (the default `max_segments` of SPEC section 11).
pub const MAX_SEGMENT_VALUES: usize = 1000;

/// One column of an inspected file.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ColumnInfo {
    /// Column name.
    pub name: String,
    /// Arrow type (CSV columns are `Utf8`).
    #[serde(rename = "type")]
    pub data_type: String,
    /// Its distinct non-null values among the rows read (the sampled rows
    /// of a Parquet file) when it could segment a run: a text or integer
    /// column, other than the user and time columns, with at most
    /// [`MAX_SEGMENT_VALUES`] of them and not one per row (an id); `None`
    /// otherwise.
    pub segment_values: Option<u64>,
    /// Its first distinct non-null values (up to three, among the first
    /// rows), as text: what the column holds at a glance.
    pub sample: Vec<String>,
}

/// A value of a candidate fact column and its row count in the sample.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FactValue {
    /// The value.
    pub value: String,
    /// Rows with it among the sampled rows.
    pub rows: u64,
}

/// A column that could serve as the fact filter.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FactColumn {
    /// Column name.
    pub column: String,
    /// Distinct values, most frequent first.
    pub values: Vec<FactValue>,
}

/// What a file holds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FileInfo {
    /// The file's name.
    pub name: String,
    /// Parquet or CSV.
    pub format: Format,
    /// Every column.
    pub columns: Vec<ColumnInfo>,
    /// Data rows.
    pub rows: u64,
    /// The user column a run would pick.
    pub user_column: Option<String>,
    /// The time column a run would pick.
    pub time_column: Option<String>,
    /// Whether the time column holds integers (a time unit or format is then required).
    pub time_is_integer: bool,
    /// Columns with few distinct values, for the fact filter picker.
    pub fact_columns: Vec<FactColumn>,
    /// Whether `fact_columns` were counted on a sample of the rows.
    pub sampled: bool,
}

/// Inspects a fact file.
pub fn inspect(file: &InputFile) -> Result<FileInfo, Error> {
    let format = file.format()?;
    let (table, rows, sampled) = match format {
        Format::Parquet => {
            let rows = parquet_rows(file)?;
            let t = Table::read_head(file, Some(SAMPLE_ROWS))?;
            let sampled = (t.batch.num_rows() as u64) < rows;
            (t, rows, sampled)
        }
        Format::Csv => {
            let t = Table::read(file)?;
            let rows = t.batch.num_rows() as u64;
            (t, rows, false)
        }
    };
    let names = table.names();
    let schema = table.batch.schema();
    // Columns that clash by case suggest nothing: a run asks which is meant.
    let user = find_column(&names, None, &USER_COLUMNS).ok().flatten();
    let time = find_column(&names, None, &TIME_COLUMNS).ok().flatten();
    let time_is_integer = time.is_some_and(|i| {
        let dt = schema.field(i).data_type();
        dt.is_integer() || (format == Format::Csv && looks_integer(table.batch.column(i)))
    });
    let mut fact_columns = Vec::new();
    let mut segment_values = vec![None; names.len()];
    for (i, name) in names.iter().enumerate() {
        if Some(i) == user || Some(i) == time {
            continue;
        }
        let column = table.batch.column(i);
        let Some(counts) = value_counts(column, MAX_SEGMENT_VALUES) else {
            continue;
        };
        if !one_per_row(column, counts.len()) {
            segment_values[i] = Some(counts.len() as u64);
        }
        if let Some(values) = fact_values(column, counts) {
            fact_columns.push(FactColumn {
                column: name.clone(),
                values,
            });
        }
    }
    Ok(FileInfo {
        name: file.name.clone(),
        format,
        columns: schema
            .fields()
            .iter()
            .zip(segment_values)
            .zip(table.batch.columns())
            .map(|((f, segment_values), column)| ColumnInfo {
                name: f.name().clone(),
                data_type: f.data_type().to_string(),
                segment_values,
                sample: sample(column),
            })
            .collect(),
        rows,
        user_column: user.map(|i| names[i].clone()),
        time_column: time.map(|i| names[i].clone()),
        time_is_integer,
        fact_columns,
        sampled: sampled && format == Format::Parquet,
    })
}

/// A column's first [`SAMPLE_VALUES`] distinct non-null values, in row
/// order, among its first [`SAMPLE_SCAN`] rows.
fn sample(a: &ArrayRef) -> Vec<String> {
    let head = a.slice(0, a.len().min(SAMPLE_SCAN));
    let mut values: Vec<String> = Vec::new();
    // Adds a value if new; true once the sample is full.
    let mut add = |v: &str| {
        if values.len() < SAMPLE_VALUES && !values.iter().any(|x| x == v) {
            values.push(v.to_string());
        }
        values.len() == SAMPLE_VALUES
    };
    if is_text(head.data_type()) {
        // One pass: a dictionary's values are decoded once, not per cell.
        for_each_str(&head, |_, v| {
            v.map(&mut add);
        });
    } else {
        for i in (0..head.len()).filter(|&i| head.is_valid(i)) {
            if add(&cell_text(&head, i)) {
                break;
            }
        }
    }
    values
}

fn parquet_rows(file: &InputFile) -> Result<u64, Error> {
    let (_, metadata) = file.open_parquet()?;
    Ok(metadata.metadata().file_metadata().num_rows().max(0) as u64)
}

fn looks_integer(a: &ArrayRef) -> bool {
    let mut all = true;
    let mut any = false;
    for_each_str(&a.slice(0, a.len().min(1000)), |_, v| {
        if let Some(s) = v {
            any = true;
            all &= !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        }
    });
    any && all
}

/// Rows per distinct non-null value of a text or integer column; `None`
/// for other types or beyond `limit` values.
fn value_counts(a: &ArrayRef, limit: usize) -> Option<HashMap<String, u64>> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut too_many = false;
    let mut add = |v: String| {
        if too_many {
            return;
        }
        *counts.entry(v).or_insert(0) += 1;
        too_many = counts.len() > limit;
    };
    if is_text(a.data_type()) {
        for_each_str(a, |_, v| {
            if let Some(s) = v {
                add(s.to_string())
            }
        });
    } else if a.data_type().is_integer() {
        for v in integers(a).ok()?.into_iter().flatten() {
            add(v.to_string());
        }
    } else {
        return None;
    }
    (!too_many).then_some(counts)
}

/// Whether a column of `distinct` values has one per non-null row (more
/// than one row): an id, neither a fact nor a segment.
fn one_per_row(a: &ArrayRef, distinct: usize) -> bool {
    a.len() > 1 && distinct == a.len() - a.null_count()
}

/// A column's values as fact filter choices, most frequent first: at most
/// [`MAX_FACT_VALUES`] of them, and not one per row (an id).
fn fact_values(a: &ArrayRef, counts: HashMap<String, u64>) -> Option<Vec<FactValue>> {
    if counts.len() > MAX_FACT_VALUES || counts.is_empty() || one_per_row(a, counts.len()) {
        return None;
    }
    let mut values: Vec<FactValue> = counts
        .into_iter()
        .map(|(value, rows)| FactValue { value, rows })
        .collect();
    values.sort_by(|x, y| y.rows.cmp(&x.rows).then_with(|| x.value.cmp(&y.value)));
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_that_could_segment_a_run_count_their_values() {
        let mut csv = String::from("user_id,event_date,platform,plan_id,amount,order_id\n");
        let rows = 1500;
        for i in 0..rows {
            let platform = ["web", "ios", "android"][i % 3];
            csv.push_str(&format!(
                "u{},2024-01-01,{platform},{},{}.5,o{i}\n",
                i % 40,
                i % 7,
                i
            ));
        }
        let info = inspect(&InputFile::bytes("f.csv", csv.into_bytes())).unwrap();
        let counts: Vec<(&str, Option<u64>)> = info
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.segment_values))
            .collect();
        assert_eq!(
            counts,
            [
                ("user_id", None),
                ("event_date", None),
                ("platform", Some(3)),
                ("plan_id", Some(7)),
                ("amount", None),
                ("order_id", None),
            ]
        );
        let facts: Vec<&str> = info
            .fact_columns
            .iter()
            .map(|f| f.column.as_str())
            .collect();
        assert_eq!(facts, ["platform", "plan_id"]);
        assert_eq!(info.fact_columns[0].values[0].rows, 500);
        let samples: Vec<&[String]> = info.columns.iter().map(|c| &c.sample[..]).collect();
        assert_eq!(
            samples,
            [
                &["u0", "u1", "u2"][..],
                &["2024-01-01"],
                &["web", "ios", "android"],
                &["0", "1", "2"],
                &["0.5", "1.5", "2.5"],
                &["o0", "o1", "o2"],
            ]
        );
    }

    #[test]
    fn an_id_per_row_is_no_segment() {
        let csv = "user_id,event_date,order_id\na,2024-01-01,o1\nb,2024-01-02,o2\n";
        let info = inspect(&InputFile::bytes("f.csv", csv.as_bytes().to_vec())).unwrap();
        assert_eq!(info.columns[2].segment_values, None);
        assert!(info.fact_columns.is_empty());
    }
}
