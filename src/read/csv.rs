//! CSV fact files: header row, comma, tab or semicolon, quoted fields.

use std::io::{BufRead, BufReader, Read};

use super::{
    integer_time_error, resolve_columns, Cell, FactOptions, InputFile, Sink, Source, TimeReader,
};
use crate::error::Error;
use crate::ids::UserIndex;

/// Picks the delimiter of a CSV file from its header line: the most
/// frequent of comma, tab and semicolon outside quotes (comma on a tie).
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3)
        .max_by_key(|i| (counts[*i], std::cmp::Reverse(*i)))
        .unwrap_or(0);
    [b',', b'\t', b';'][best]
}

/// A CSV reader over a file or bytes.
pub(crate) type CsvReader = csv::Reader<Box<dyn Read>>;

/// Opens a CSV file: its reader positioned after the header, and the
/// header's column names.
pub(crate) fn open(file: &InputFile) -> Result<(CsvReader, Vec<String>), Error> {
    let inner: Box<dyn Read> = match &file.source {
        Source::Path(p) => Box::new(std::fs::File::open(p).map_err(|e| Error::io(p, e))?),
        Source::Bytes(b) => Box::new(std::io::Cursor::new(b.clone())),
    };
    let mut buffered = BufReader::with_capacity(1 << 20, inner);
    let head = buffered.fill_buf().map_err(|e| Error::io(&file.name, e))?;
    let delimiter = sniff_delimiter(head);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(Box::new(buffered) as Box<dyn Read>);
    let header = rdr.byte_headers().map_err(|e| csv_error(&file.name, e))?;
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h)
            } else {
                h
            };
            String::from_utf8_lossy(h).trim().to_string()
        })
        .collect();
    if names.iter().all(String::is_empty) {
        return Err(Error::corrupt(
            &file.name,
            "the CSV file has no header row: expected column names on the first line",
        ));
    }
    Ok((rdr, names))
}

pub(crate) fn csv_error(file: &str, e: csv::Error) -> Error {
    let line = e
        .position()
        .map(|p| format!("line {}: ", p.line()))
        .unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => Error::corrupt(
            file,
            format!("{line}the row has {len} fields, but the header has {expected_len}: expected every row to have one field per column"),
        ),
        csv::ErrorKind::Io(_) => Error::corrupt(file, format!("{line}cannot read the file: {e}")),
        _ => Error::corrupt(file, format!("{line}not a readable CSV file: {e}")),
    }
}

/// Rows between two progress reports.
const PROGRESS_ROWS: u64 = 1 << 16;

pub(super) fn read(file: &InputFile, opts: &FactOptions, sink: &mut Sink) -> Result<(), Error> {
    let (mut rdr, names) = open(file)?;
    let cols = resolve_columns(&file.name, &names, opts)?;
    sink.columns(&names[cols.user], &names[cols.time]);
    let reader = TimeReader {
        unit: opts.time_unit,
        format: opts.time_format.as_ref(),
    };
    let total_bytes = match &file.source {
        Source::Bytes(b) => b.len() as f64,
        Source::Path(p) => std::fs::metadata(p).map_or(0.0, |m| m.len() as f64),
    }
    .max(1.0);
    let mut rec = csv::ByteRecord::new();
    let mut rows = 0u64;
    // The previous row's id and user: facts grouped by user (as many
    // exports are) repeat an id row after row, and are then read without
    // a UTF-8 check or a hash lookup. The id starts empty, which no
    // non-empty cell matches.
    let mut previous: (Vec<u8>, UserIndex) = (Vec::new(), 0);
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_error(&file.name, e))?
    {
        rows += 1;
        if rows % PROGRESS_ROWS == 0 {
            sink.report(rdr.position().byte() as f64 / total_bytes);
        }
        let line = || rec.position().map_or(0, |p| p.line());
        let user = match rec.get(cols.user).unwrap_or_default() {
            b"" => None,
            raw if previous.0 == raw => Some(previous.1),
            raw => {
                let s = std::str::from_utf8(raw).map_err(|_| {
                    Error::column(
                        &file.name,
                        &names[cols.user],
                        format!("line {}: the user id is not valid UTF-8 text", line()),
                    )
                })?;
                let user = sink.users().untyped(s).map_err(|m| {
                    Error::column(
                        &file.name,
                        &names[cols.user],
                        format!("line {}: {m}", line()),
                    )
                })?;
                previous.0.clear();
                previous.0.extend_from_slice(raw);
                previous.1 = user;
                Some(user)
            }
        };
        let raw_time = rec.get(cols.time).unwrap_or_default();
        let cell = match std::str::from_utf8(raw_time) {
            Ok(s) => reader.text(s),
            Err(_) => Cell::Bad,
        };
        if matches!(cell, Cell::Bad)
            && !reader.reads_integers()
            && raw_time.iter().all(u8::is_ascii_digit)
        {
            return Err(integer_time_error(&file.name, &names[cols.time]));
        }
        let keep = cols.fact.is_none_or(|f| {
            let v = rec.get(f).unwrap_or_default();
            opts.fact_values.iter().any(|x| x.as_bytes() == v)
        });
        sink.row(user, cell, keep, || {
            String::from_utf8_lossy(raw_time).into_owned()
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter(b"user_id,date\n1,2"), b',');
        assert_eq!(sniff_delimiter(b"user_id\tdate\n"), b'\t');
        assert_eq!(sniff_delimiter(b"user_id;date;\"a,b,c\"\n"), b';');
        assert_eq!(sniff_delimiter(b"user_id\n"), b',');
    }
}
