//! Values out of Arrow arrays whatever their layout (plain, large, view
//! or dictionary-encoded), for every reader of tables: facts, snapshots,
//! earlier outputs, file inspection.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType};
use arrow_schema::DataType;

/// Calls `f` with each string of a string-like array (plain or dictionary).
pub fn for_each_str(a: &ArrayRef, mut f: impl FnMut(usize, Option<&str>)) {
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

/// One cell as text, for messages and previews: text and integers as
/// written, other types as Arrow prints them, "" for a null.
pub fn cell_text(a: &ArrayRef, i: usize) -> String {
    let one = a.slice(i, 1);
    if is_text(a.data_type()) {
        let mut s = String::new();
        for_each_str(&one, |_, v| s = v.unwrap_or("").to_string());
        return s;
    }
    if let Ok(v) = integers(&one) {
        return v[0].map(|x| x.to_string()).unwrap_or_default();
    }
    // Arrow prints a one-value array as `Type`, `[`, `  value,`, `]`.
    let printed = format!("{one:?}");
    match printed.lines().collect::<Vec<_>>()[..] {
        [_, "[", value, "]"] if value.trim() != "null," => {
            let value = value.trim().trim_end_matches(',');
            // A zoned timestamp whose zone Arrow cannot resolve without its
            // time-zone database is printed in UTC, with a note.
            match value.split_once(" (Unknown Time Zone") {
                Some((utc, _)) => format!("{utc}Z"),
                None => value.to_string(),
            }
        }
        [_, "[", _, "]"] => String::new(),
        _ => printed,
    }
}

/// The cells of a plain string array (not a dictionary), borrowed.
pub fn plain_strs(a: &ArrayRef) -> Option<Vec<Option<&str>>> {
    Some(match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().iter().collect(),
        DataType::LargeUtf8 => a.as_string::<i64>().iter().collect(),
        DataType::Utf8View => a.as_string_view().iter().collect(),
        _ => return None,
    })
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
pub fn integers(a: &ArrayRef) -> Result<Vec<Option<i64>>, String> {
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

/// Whether a column of this type holds strings (plain or dictionary).
pub fn is_text(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// The value index of every key of a dictionary array. arrow-rs asserts on
/// `normalized_keys` of a dictionary without values (an all-null column),
/// where every key is null anyway.
pub fn dictionary_keys(d: &dyn arrow_array::AnyDictionaryArray) -> Vec<usize> {
    if d.values().is_empty() {
        vec![0; d.keys().len()]
    } else {
        d.normalized_keys()
    }
}
