//! History merge (SPEC section 5): upsert a run's tables into accumulated
//! tables by key, so a daily `run` + `merge` keeps the whole trend.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;

use crate::datapackage;
use crate::dictionary;
use crate::dictionary::SEGMENT;
use crate::error::Error;
use crate::quality::SETTINGS;
use crate::read::{Format, InputFile, Table};
use crate::segment::{segment_cells, SegmentValue};
use crate::write::{column_text, csv_bytes, parquet_bytes, remove_stale_temporaries, write_atomic};

/// Upserts `run` into `history` by the columns of `key`: history rows whose
/// key is in `run` are replaced, then rows are ordered by `period_start`
/// (`date` in the activity table; stable, so each run's own order within a
/// period is kept).
pub fn merge_tables(
    history: &RecordBatch,
    run: &RecordBatch,
    key: &[&str],
) -> Result<RecordBatch, Error> {
    if history.schema().fields() != run.schema().fields() {
        let names = |b: &RecordBatch| {
            b.schema()
                .fields()
                .iter()
                .map(|f| format!("{} {}", f.name(), f.data_type()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Error::Data(format!(
            "the history table's columns ({}) differ from the run's ({}): merge tables of the same kind and format",
            names(history),
            names(run)
        )));
    }
    // A segmented layer's key and order begin with its segment (SPEC
    // section 11).
    let segmented = run.column_by_name(SEGMENT.name).is_some();
    let key: Vec<&str> = segmented
        .then_some(SEGMENT.name)
        .into_iter()
        .chain(key.iter().copied())
        .collect();
    let keys = |b: &RecordBatch| keys_of(b, &key);
    let run_keys: HashSet<String> = keys(run)?.into_iter().collect();
    // Rows as (table, row): history rows not replaced, then the run's rows.
    let mut rows: Vec<(usize, usize)> = keys(history)?
        .iter()
        .enumerate()
        .filter(|(_, k)| !run_keys.contains(*k))
        .map(|(i, _)| (0, i))
        .chain((0..run.num_rows()).map(|j| (1, j)))
        .collect();
    let tables = [history, run];
    let periods = tables
        .iter()
        .map(|t| {
            t.column_by_name("period_start")
                .or_else(|| t.column_by_name("date"))
                .map(|c| column_text(c.as_ref()))
        })
        .collect::<Option<Result<Vec<_>, _>>>()
        .transpose()?;
    let segments = if segmented {
        Some([segment_values(history)?, segment_values(run)?])
    } else {
        None
    };
    let segment = |(t, i): (usize, usize)| segments.as_ref().map(|s| &s[t][i]);
    if let Some(p) = periods {
        rows.sort_by(|&a, &b| {
            segment(a)
                .cmp(&segment(b))
                .then_with(|| p[a.0][a.1].cmp(&p[b.0][b.1]))
        });
    }
    // One gather from both tables (interleave, which the readers need
    // anyway, rather than take: the WebAssembly module stays smaller).
    arrow_select::interleave::interleave_record_batch(&tables, &rows)
        .map_err(|e| Error::Internal(format!("merging tables: {e}")))
}

/// Each row's key: its `key` cells as text, joined.
fn keys_of(b: &RecordBatch, key: &[&str]) -> Result<Vec<String>, Error> {
    let cols: Vec<Vec<String>> = key
        .iter()
        .map(|k| {
            let c = b
                .column_by_name(k)
                .ok_or_else(|| Error::Data(format!("the table has no key column {k:?}")))?;
            column_text(c.as_ref())
        })
        .collect::<Result<_, _>>()?;
    Ok((0..b.num_rows())
        .map(|i| {
            cols.iter()
                .map(|c| c[i].as_str())
                .collect::<Vec<_>>()
                .join("\u{1f}")
        })
        .collect())
}

/// The segment of each row of a segmented table, for its order.
fn segment_values(b: &RecordBatch) -> Result<Vec<SegmentValue>, Error> {
    let column = b
        .column_by_name(SEGMENT.name)
        .ok_or_else(|| Error::Data("the table has no segment column".into()))?;
    let cells = segment_cells("the table", SEGMENT.name, column)?;
    Ok(cells
        .index
        .iter()
        .map(|&i| cells.values.values[i as usize].clone())
        .collect())
}

/// Upserts the table in `run` into the table in `history` (both Parquet or
/// both CSV) by `key`; returns the merged file's bytes in the same format.
pub fn merge_files(history: &InputFile, run: &InputFile, key: &[&str]) -> Result<Vec<u8>, Error> {
    let old = Table::read(history)?;
    let new = Table::read(run)?;
    if old.format != new.format {
        return Err(Error::Data(format!(
            "{} and {} have different formats: merge Parquet with Parquet, CSV with CSV",
            history.name, run.name
        )));
    }
    // Runs that differ in a setting cannot share a history (Monday and
    // Sunday weeks would interleave); Parquet tables carry them (tables
    // written before they did, and CSV, carry none).
    for setting in SETTINGS {
        if let (Some(was), Some(is)) = (old.meta(setting), new.meta(setting)) {
            if was != is {
                return Err(Error::Usage(format!(
                    "{}: the run's {setting} {is:?} differs from the history's {was:?} ({}): a history holds runs of one {}",
                    run.name,
                    history.name,
                    SETTINGS.join(", ")
                )));
            }
        }
    }
    let merged = merge_tables(&old.batch, &new.batch, key)
        .map_err(|e| Error::Data(format!("{}: {e}", history.name)))?;
    // The merged table keeps the settings of whichever side has them.
    let has_settings = |t: &Table| SETTINGS.iter().all(|k| t.meta(k).is_some());
    let metadata = if has_settings(&new) || !has_settings(&old) {
        &new.metadata
    } else {
        &old.metadata
    };
    match new.format {
        Format::Parquet => parquet_bytes(&merged, metadata),
        Format::Csv => csv_bytes(&merged),
    }
}

/// What a file of a run directory is.
enum RunFile {
    /// A table to upsert, with its key.
    Table(&'static [&'static str]),
    /// A file whose latest version replaces the earlier one.
    Latest,
}

fn classify(name: &str) -> Option<RunFile> {
    let stem = name
        .strip_suffix(".parquet")
        .or_else(|| name.strip_suffix(".csv"));
    if name.ends_with("_quality.json") || stem.is_some_and(|s| s.ends_with("_firstlast")) {
        return Some(RunFile::Latest);
    }
    let stem = stem?;
    let table = ["summary", "transitions", "cohorts", "depth"]
        .into_iter()
        .find(|t| stem.ends_with(&format!("_{t}")))
        .or_else(|| stem.ends_with("_activity_daily").then_some("activity"))
        .or_else(|| {
            ["daily", "weekly", "monthly"]
                .iter()
                .any(|g| stem.ends_with(&format!("_activation_{g}")))
                .then_some("states")
        })?;
    Some(RunFile::Table(dictionary::table(table)?.key))
}

/// Refuses to merge a run whose settings differ from the history's, as
/// the quality reports of both record them.
fn check_settings(run_report: &Path, history_report: &Path) -> Result<(), Error> {
    if !history_report.exists() {
        return Ok(());
    }
    let read = |p: &Path| -> Result<serde_json::Value, Error> {
        let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::corrupt(
                &p.display().to_string(),
                format!("not a quality report: {e}"),
            )
        })
    };
    let (run, history) = (read(run_report)?, read(history_report)?);
    for key in SETTINGS {
        if run.get(key) != history.get(key) {
            let show = |v: &serde_json::Value| v.get(key).map_or("none".into(), |x| x.to_string());
            return Err(Error::Usage(format!(
                "{}: the run's {key} {} differs from the history's {} ({}): a history holds runs of one {}",
                run_report.display(),
                show(&run),
                show(&history),
                history_report.display(),
                SETTINGS.join(", ")
            )));
        }
    }
    Ok(())
}

/// Merges every output of `run_dir` into `history_dir`; returns one line per
/// file. Everything is read, checked and merged in memory first: a
/// mismatch or an unreadable file leaves every history file as it was.
pub fn merge_dirs(history_dir: &Path, run_dir: &Path) -> Result<Vec<String>, Error> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(run_dir)
        .map_err(|e| Error::io(run_dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let named: Vec<(String, PathBuf, RunFile)> = entries
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            let kind = classify(&name)?;
            Some((name, path, kind))
        })
        .collect();
    if named.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no activation outputs to merge",
            run_dir.display()
        )));
    }
    for (name, path, _) in &named {
        if name.ends_with("_quality.json") {
            check_settings(path, &history_dir.join(name))?;
        }
    }
    let mut merged = Vec::with_capacity(named.len() + 1);
    for (name, path, kind) in &named {
        let target = history_dir.join(name);
        let bytes = match kind {
            RunFile::Table(key) if target.exists() => {
                merge_files(&InputFile::path(&target), &InputFile::path(path), key)?
            }
            _ => std::fs::read(path).map_err(|e| Error::io(path, e))?,
        };
        merged.push((target, bytes));
    }
    // The history's data package: the run's, describing the merged files.
    if let Some(package) = datapackage::read(run_dir)? {
        let files: Vec<(String, &[u8])> = named
            .iter()
            .zip(&merged)
            .map(|((name, ..), (_, bytes))| (name.clone(), bytes.as_slice()))
            .collect();
        let history = datapackage::read(history_dir).ok().flatten();
        let package = package.merged(history.as_ref(), &files)?;
        merged.push((
            history_dir.join(datapackage::FILE_NAME),
            datapackage::to_bytes(&package)?,
        ));
    }
    std::fs::create_dir_all(history_dir).map_err(|e| Error::io(history_dir, e))?;
    remove_stale_temporaries(history_dir);
    let mut report = Vec::with_capacity(merged.len());
    for (target, bytes) in merged {
        write_atomic(&target, &bytes)?;
        report.push(target.display().to_string());
    }
    Ok(report)
}
