//! Segments (SPEC section 11): one run, the activation layer of every
//! segment side by side. This module holds what a segment is, and the
//! partition kind's assignment of each user to a segment from a users
//! table.

use std::cmp::Ordering;
use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::arrays::{dictionary_keys, for_each_str, integers, is_text, plain_strs};
use crate::error::Error;
use crate::ids::{UserIds, UserIndex};
use crate::options::Opt;
use crate::read::{find_column, InputFile, Table, USER_COLUMNS};
use crate::run::Activation;

/// The kind of a partition by a users table's attribute.
pub const USER_ATTRIBUTE: &str = "user_attribute";
/// The kind of a split by a fact column.
pub const FACT_COLUMN: &str = "fact_column";

/// Distinct segments a run accepts unless told otherwise (SPEC section 11).
pub const DEFAULT_MAX_SEGMENTS: usize = 1000;

/// Values named in messages about a segment column.
const NAMED_VALUES: usize = 5;

/// One segment: a value of the segment column or attribute, or null.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum SegmentValue {
    /// A text value.
    Text(String),
    /// An integer value.
    Int(i64),
    /// A null cell, or a user absent from the users table.
    Null,
}

impl Ord for SegmentValue {
    /// Values in their natural order (text bytewise, integers
    /// numerically), the null segment last.
    fn cmp(&self, other: &Self) -> Ordering {
        use SegmentValue::*;
        match (self, other) {
            (Text(a), Text(b)) => a.cmp(b),
            (Int(a), Int(b)) => a.cmp(b),
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Greater,
            (_, Null) => Ordering::Less,
            // One column holds one type: text and integers never meet.
            (Text(_), Int(_)) => Ordering::Greater,
            (Int(_), Text(_)) => Ordering::Less,
        }
    }
}

impl PartialOrd for SegmentValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for SegmentValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SegmentValue::Text(s) => write!(f, "{s:?}"),
            SegmentValue::Int(v) => write!(f, "{v}"),
            SegmentValue::Null => f.write_str("null"),
        }
    }
}

/// The segment values of a split run's facts, numbered as they first
/// appear: one lookup per row, by the cell's bytes (no allocation for a
/// value already seen).
#[derive(Clone, Debug, Default)]
pub struct SegmentInterner {
    // Looked up once per row: a fast hash of short keys, not SipHash.
    text: FxHashMap<Box<[u8]>, u32>,
    ints: FxHashMap<i64, u32>,
    null: Option<u32>,
    /// The values, by index.
    pub values: Vec<SegmentValue>,
    /// Whether the values are integers; `None` before the first column.
    pub is_int: Option<bool>,
}

impl SegmentInterner {
    fn add(&mut self, v: SegmentValue) -> u32 {
        let i = self.values.len() as u32;
        self.values.push(v);
        i
    }

    fn null(&mut self) -> u32 {
        match self.null {
            Some(i) => i,
            None => {
                let i = self.add(SegmentValue::Null);
                *self.null.insert(i)
            }
        }
    }

    /// A text cell (a CSV field: empty is null).
    pub fn text(&mut self, raw: &[u8]) -> u32 {
        self.is_int.get_or_insert(false);
        if raw.is_empty() {
            return self.null();
        }
        self.text_value(raw)
    }

    fn text_value(&mut self, raw: &[u8]) -> u32 {
        if let Some(&i) = self.text.get(raw) {
            return i;
        }
        let i = self.add(SegmentValue::Text(
            String::from_utf8_lossy(raw).into_owned(),
        ));
        self.text.insert(raw.into(), i);
        i
    }

    fn int(&mut self, v: i64) -> u32 {
        if let Some(&i) = self.ints.get(&v) {
            return i;
        }
        let i = self.add(SegmentValue::Int(v));
        self.ints.insert(v, i);
        i
    }

    /// The segment of every cell of a column (a Parquet batch), into `out`.
    pub fn column(
        &mut self,
        file: &str,
        column: &str,
        a: &ArrayRef,
        out: &mut Vec<u32>,
    ) -> Result<(), Error> {
        out.clear();
        let is_int = if is_text(a.data_type()) {
            false
        } else if a.data_type().is_integer() {
            true
        } else {
            return Err(not_segments(file, column, a));
        };
        if *self.is_int.get_or_insert(is_int) != is_int {
            return Err(Error::column(
                file,
                column,
                format!(
                    "holds {} segment values but an earlier file's hold {}: one segment column has one type",
                    if is_int { "integer" } else { "text" },
                    if is_int { "text" } else { "integer" }
                ),
            ));
        }
        match a.data_type() {
            DataType::Dictionary(..) => self.dictionary(file, column, a, is_int, out)?,
            _ if is_int => {
                let values = integers(a).map_err(|m| Error::column(file, column, m))?;
                out.extend(values.into_iter().map(|v| self.int_cell(v)));
            }
            _ => for_each_str(a, |_, v| out.push(self.str_cell(v))),
        }
        Ok(())
    }

    /// A dictionary-encoded column: each dictionary value looked up once,
    /// on its first use (a value no row uses is no segment).
    fn dictionary(
        &mut self,
        file: &str,
        column: &str,
        a: &ArrayRef,
        is_int: bool,
        out: &mut Vec<u32>,
    ) -> Result<(), Error> {
        let d = a.as_any_dictionary();
        let (texts, ints) = if is_int {
            let v = integers(d.values()).map_err(|m| Error::column(file, column, m))?;
            (Vec::new(), v)
        } else {
            let texts = plain_strs(d.values()).ok_or_else(|| not_segments(file, column, a))?;
            (texts, Vec::new())
        };
        let mut index: Vec<Option<u32>> = vec![None; d.values().len()];
        let nulls = a.logical_nulls();
        for (i, k) in dictionary_keys(d).into_iter().enumerate() {
            out.push(if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                self.null()
            } else if let Some(s) = index[k] {
                s
            } else {
                let s = if is_int {
                    self.int_cell(ints[k])
                } else {
                    self.str_cell(texts[k])
                };
                *index[k].insert(s)
            });
        }
        Ok(())
    }

    fn int_cell(&mut self, v: Option<i64>) -> u32 {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    /// A Parquet text cell (empty is a value, unlike a CSV field).
    fn str_cell(&mut self, v: Option<&str>) -> u32 {
        match v {
            Some(s) => self.text_value(s.as_bytes()),
            None => self.null(),
        }
    }

    /// The values in segment order (null last), and each value's rank in
    /// it, refusing more than `max_segments` of them.
    pub(crate) fn ordered(
        &self,
        files: &str,
        column: &str,
        max_segments: usize,
    ) -> Result<(Vec<SegmentValue>, Vec<u32>), Error> {
        let mut order: Vec<u32> = (0..self.values.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.values[a as usize].cmp(&self.values[b as usize]));
        let values: Vec<SegmentValue> = order
            .iter()
            .map(|&i| self.values[i as usize].clone())
            .collect();
        too_many(&values, files, column, max_segments)?;
        let mut rank = vec![0u32; order.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        Ok((values, rank))
    }
}

/// A column whose type holds no segment values.
fn not_segments(file: &str, column: &str, a: &ArrayRef) -> Error {
    Error::column(
        file,
        column,
        format!(
            "has type {}: expected text or integer segment values",
            a.data_type()
        ),
    )
}

/// Refuses more than `max_segments` distinct values, naming a few.
fn too_many(
    values: &[SegmentValue],
    file: &str,
    column: &str,
    max_segments: usize,
) -> Result<(), Error> {
    if values.len() <= max_segments {
        return Ok(());
    }
    let few: Vec<String> = values
        .iter()
        .take(NAMED_VALUES)
        .map(ToString::to_string)
        .collect();
    Err(Error::column(
        file,
        column,
        format!(
            "has {} distinct values (such as {}), more than {} {max_segments}: a column with an id per row is not a breakdown",
            values.len(),
            few.join(", "),
            Opt::MaxSegments
        ),
    ))
}

/// A column's cells as segments: each cell's index into `values`.
pub(crate) struct SegmentCells {
    /// The distinct values (and whether they are integers).
    pub values: SegmentInterner,
    /// Each cell's value.
    pub index: Vec<u32>,
}

/// Reads a whole column as segment values, with the facts' rules (text or
/// integers, nulls their own segment).
pub(crate) fn segment_cells(file: &str, column: &str, a: &ArrayRef) -> Result<SegmentCells, Error> {
    let mut values = SegmentInterner::default();
    let mut index = Vec::new();
    values.column(file, column, a, &mut index)?;
    Ok(SegmentCells { values, index })
}

/// The segmented layer of a run: one activation layer per segment, in
/// segment order (null last).
#[derive(Clone, Debug)]
pub struct Segments {
    /// `fact_column` or `user_attribute`.
    pub kind: &'static str,
    /// The segment column or attribute.
    pub column: String,
    /// Whether the segment values are integers (else text).
    pub is_int: bool,
    /// The layer's fact name, `{fact}_by_{column}`.
    pub fact: String,
    /// The layer's quality report: the run's, with rows and users per
    /// segment.
    pub quality: crate::quality::Quality,
    /// Whether the run's own tables are the layer without segments: not
    /// when a split run resumes from a split snapshot, which holds no
    /// history of that layer.
    pub plain: bool,
    /// Each segment and its layer (its fact name is `{fact}_by_{column}`).
    pub layers: Vec<(SegmentValue, Activation)>,
}

/// Rows and users of one segment, for the quality report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SegmentCounts {
    /// The segment.
    pub segment: SegmentValue,
    /// Fact rows used in the segment.
    pub rows: u64,
    /// Users in the segment (with activity in the run or in the snapshot).
    pub users: u64,
}

impl Segments {
    /// The layer of one segment; an error naming a few of the segments
    /// when `value` is not one of them.
    pub fn layer(&self, value: &SegmentValue) -> Result<&Activation, Error> {
        self.layers
            .iter()
            .find(|(v, _)| v == value)
            .map(|(_, a)| a)
            .ok_or_else(|| {
                let some: Vec<String> = self
                    .layers
                    .iter()
                    .take(NAMED_VALUES)
                    .map(|(v, _)| v.to_string())
                    .collect();
                let more = self.layers.len().saturating_sub(NAMED_VALUES);
                Error::Usage(format!(
                    "no segment {value} in this run's {} segments of {}: {}{}",
                    self.layers.len(),
                    self.column,
                    some.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ))
            })
    }

    /// Rows and users per segment.
    pub fn counts(&self) -> Vec<SegmentCounts> {
        self.layers
            .iter()
            .map(|(segment, a)| SegmentCounts {
                segment: segment.clone(),
                rows: a.quality.rows_used,
                users: a.quality.total_users,
            })
            .collect()
    }
}

/// The segment of every user of a partition run: the distinct values in
/// segment order, and each user's index into them.
pub(crate) struct Assignment {
    /// The segments, null last.
    pub values: Vec<SegmentValue>,
    /// Whether the values are integers.
    pub is_int: bool,
    /// `segment[user]` indexes `values`.
    pub segment: Vec<u32>,
}

/// Reads the users table and gives every user of the run (`ids`) their
/// segment: their value of the attribute, null when absent from the table
/// or null there.
pub(crate) fn partition(
    users: &InputFile,
    id_column: Option<&str>,
    attribute: &str,
    ids: &UserIds,
    max_segments: usize,
) -> Result<Assignment, Error> {
    let table = Table::read(users)?;
    let names = table.names();
    let file = &users.name;
    let id = match find_column(&names, id_column, &USER_COLUMNS) {
        Ok(Some(i)) => i,
        Ok(None) => {
            return Err(Error::Data(format!(
                "users table {file}: no id column{}: its columns are {}; name it with {}",
                id_column.map_or(String::new(), |c| format!(" {c:?}")),
                names.join(", "),
                Opt::UsersIdColumn
            )))
        }
        Err((a, b)) => {
            return Err(Error::Data(format!(
                "users table {file}: columns {:?} and {:?} differ only by case: name the id column with {}",
                names[a],
                names[b],
                Opt::UsersIdColumn
            )))
        }
    };
    let Some(attr) = names.iter().position(|n| n == attribute) else {
        return Err(Error::column(
            file,
            attribute,
            format!(
                "no such column in the users table ({} {attribute}); its columns are {}",
                Opt::SegmentBy,
                names.join(", ")
            ),
        ));
    };
    let id_cells = table.batch.column(id);
    let rows = user_rows(file, &names[id], id_cells, ids)?;
    let cells = segment_cells(file, attribute, table.batch.column(attr))?;
    let mut of_user: Vec<SegmentValue> = vec![SegmentValue::Null; ids.len()];
    for (row, user) in rows.into_iter().enumerate() {
        if let Some(u) = user {
            of_user[u as usize] = cells.values.values[cells.index[row] as usize].clone();
        }
    }
    let is_int = cells.values.is_int.unwrap_or(false);
    assign(of_user, is_int, file, attribute, max_segments)
}

/// The run's user of each row of the users table (`None` for ids the run
/// does not know), refusing duplicate ids and ids of the other type.
fn user_rows(
    file: &str,
    column: &str,
    cells: &ArrayRef,
    ids: &UserIds,
) -> Result<Vec<Option<UserIndex>>, Error> {
    let mismatch = |holds: &str, run: &str| {
        Error::column(
            file,
            column,
            format!("holds {holds} user ids but the facts' user ids are {run}: the users table must use the facts' ids"),
        )
    };
    let mut rows = Vec::with_capacity(cells.len());
    if is_text(cells.data_type()) {
        let mut bad = None;
        for_each_str(cells, |_, v| {
            rows.push(v.and_then(|s| match ids {
                UserIds::Text(_) => ids.find(s),
                UserIds::Int(_) => match crate::ids::canonical_int(s.trim().as_bytes()) {
                    Some(n) => ids.find_int(n),
                    None => {
                        bad.get_or_insert_with(|| s.to_string());
                        None
                    }
                },
            }))
        });
        if let Some(v) = bad {
            return Err(mismatch(&format!("text (such as {v:?})"), "integers"));
        }
    } else if cells.data_type().is_integer() {
        if !ids.is_int() {
            return Err(mismatch("integer", "text"));
        }
        let values = integers(cells).map_err(|m| Error::column(file, column, m))?;
        rows.extend(values.into_iter().map(|v| v.and_then(|n| ids.find_int(n))));
    } else {
        return Err(Error::column(
            file,
            column,
            format!(
                "has type {}: user ids are text or integers",
                cells.data_type()
            ),
        ));
    }
    let mut seen: HashMap<UserIndex, u32> = HashMap::new();
    for u in rows.iter().flatten() {
        *seen.entry(*u).or_default() += 1;
    }
    let mut repeated: Vec<UserIndex> = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(u, _)| u)
        .collect();
    if !repeated.is_empty() {
        repeated.sort_unstable();
        let few: Vec<String> = repeated
            .iter()
            .take(NAMED_VALUES)
            .map(|u| ids.display(*u))
            .collect();
        return Err(Error::column(
            file,
            column,
            format!(
                "{} user ids appear on more than one row (such as {}): a users table has one row per user",
                repeated.len(),
                few.join(", ")
            ),
        ));
    }
    Ok(rows)
}

/// Numbers the distinct values in segment order, refusing more than
/// `max_segments` of them.
fn assign(
    of_user: Vec<SegmentValue>,
    is_int: bool,
    file: &str,
    column: &str,
    max_segments: usize,
) -> Result<Assignment, Error> {
    let mut values: Vec<SegmentValue> = of_user.clone();
    values.sort_unstable();
    values.dedup();
    too_many(&values, file, column, max_segments)?;
    let index: HashMap<&SegmentValue, u32> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (v, i as u32))
        .collect();
    let segment = of_user.iter().map(|v| index[v]).collect();
    Ok(Assignment {
        values,
        is_int,
        segment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dictionary column's values become segments on first use: a value
    /// no row uses is none, a null key or a null value is the null segment.
    #[test]
    fn dictionary_values_are_segments_only_when_used() {
        use arrow_array::{DictionaryArray, Int32Array, StringArray};
        use std::sync::Arc;
        let values = StringArray::from(vec![Some("unused"), Some("web"), None, Some("ios")]);
        let keys = Int32Array::from(vec![Some(1), None, Some(3), Some(2), Some(1)]);
        let a: ArrayRef = Arc::new(DictionaryArray::try_new(keys, Arc::new(values)).unwrap());
        let mut s = SegmentInterner::default();
        let mut out = Vec::new();
        s.column("f", "c", &a, &mut out).unwrap();
        let text = |v: &str| SegmentValue::Text(v.into());
        assert_eq!(s.values, [text("web"), SegmentValue::Null, text("ios")]);
        assert_eq!(out, [0, 1, 2, 1, 0]);
        assert_eq!(s.is_int, Some(false));
    }

    #[test]
    fn null_is_the_last_segment() {
        let mut v = vec![
            SegmentValue::Null,
            SegmentValue::Text("web".into()),
            SegmentValue::Text("ios".into()),
        ];
        v.sort();
        assert_eq!(
            v,
            [
                SegmentValue::Text("ios".into()),
                SegmentValue::Text("web".into()),
                SegmentValue::Null
            ]
        );
    }
}
