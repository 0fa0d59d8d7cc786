//! CSV files: header row, comma, tab or semicolon, quoted fields.
//!
//! Records are split in two ways that give the same fields. Most records
//! sit on one line and no field of theirs starts with a quote: their field
//! ends are found with a vectorised byte search (`memchr`) and the fields
//! are borrowed from the input, never copied. Any other record goes through
//! `csv_core`'s state machine, which copies and unescapes it. Both follow
//! `csv_core`'s rules: RFC 4180 quotes (a quote is special only at the start
//! of a field), CR, LF and CRLF all end a record, blank lines are skipped,
//! a UTF-8 byte order mark before the header is dropped.

use std::io::Read;

use bytes::Bytes;
use csv_core::ReadRecordResult;

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

/// Bytes read from a file at a time; a record longer than this doubles it.
const CHUNK: usize = 1 << 20;

/// The longest record a file read in chunks may hold: an
/// endless input without line ends (`/dev/zero`, a binary stream on a
/// pipe) stops here with an error instead of doubling the buffer until
/// memory runs out.
const MAX_RECORD_BYTES: usize = 64 << 20;

/// Where the records come from: the whole file in memory, or a file read
/// a chunk at a time.
enum Input {
    Whole(Bytes),
    Stream {
        reader: std::fs::File,
        buf: Vec<u8>,
        /// Bytes of `buf` that hold input.
        len: usize,
        eof: bool,
    },
}

impl Input {
    /// The input at hand; records start at the reader's position in it.
    fn window(&self) -> &[u8] {
        match self {
            Input::Whole(b) => b,
            Input::Stream { buf, len, .. } => &buf[..*len],
        }
    }

    /// Whether the window holds the rest of the file.
    fn eof(&self) -> bool {
        match self {
            Input::Whole(_) => true,
            Input::Stream { eof, .. } => *eof,
        }
    }
}

/// How a record ended in the fast path.
enum Split {
    /// The record's fields are in the spans; `end` is just past its
    /// terminator, `newline` whether that terminator was a LF.
    Record { end: usize, newline: bool },
    /// The record runs past the window.
    Incomplete,
    /// A field starts with a quote: `csv_core` reads this record.
    Quoted,
}

/// The fields of a one-line record without quoting, starting at `start`.
#[inline]
fn split_line(
    w: &[u8],
    start: usize,
    delimiter: u8,
    eof: bool,
    spans: &mut Vec<(usize, usize)>,
) -> Split {
    spans.clear();
    let mut field = start;
    loop {
        if w.get(field) == Some(&b'"') {
            return Split::Quoted;
        }
        match memchr::memchr3(delimiter, b'\n', b'\r', &w[field..]) {
            Some(i) => {
                let i = field + i;
                spans.push((field, i));
                if w[i] != delimiter {
                    return Split::Record {
                        end: i + 1,
                        newline: w[i] == b'\n',
                    };
                }
                field = i + 1;
            }
            None if eof => {
                spans.push((field, w.len()));
                return Split::Record {
                    end: w.len(),
                    newline: false,
                };
            }
            None => return Split::Incomplete,
        }
    }
}

/// The records of a CSV file, one at a time, after its header.
pub(crate) struct Records {
    name: String,
    input: Input,
    /// Start of the unread input in the window.
    pos: usize,
    /// Bytes of the file before the window.
    offset: u64,
    core: csv_core::Reader,
    delimiter: u8,
    /// Fields per record: the header's.
    width: usize,
    /// Line number of the next unread byte (1-based, counting LFs).
    line: u64,
    /// The current record's fields: spans of the window (fast path) or of
    /// `out` (`csv_core`).
    spans: Vec<(usize, usize)>,
    in_out: bool,
    record_line: u64,
    out: Vec<u8>,
    ends: Vec<usize>,
}

/// One record: its fields and the line it starts on.
pub(crate) struct Record<'a> {
    bytes: &'a [u8],
    spans: &'a [(usize, usize)],
    line: u64,
}

impl<'a> Record<'a> {
    /// Field `i` (empty past the last field).
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        self.spans.get(i).map_or(&[], |&(s, e)| &self.bytes[s..e])
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.spans.iter().map(|&(s, e)| &self.bytes[s..e])
    }

    /// The line the record starts on (the header is line 1).
    pub fn line(&self) -> u64 {
        self.line
    }
}

impl Records {
    /// Opens a CSV file: its records after the header, and the header's
    /// column names.
    pub(crate) fn open(file: &InputFile) -> Result<(Records, Vec<String>), Error> {
        Self::open_chunked(file, CHUNK)
    }

    fn open_chunked(file: &InputFile, chunk: usize) -> Result<(Records, Vec<String>), Error> {
        let input = match &file.source {
            Source::Bytes(b) => Input::Whole(b.clone()),
            Source::Path(p) => Input::Stream {
                reader: std::fs::File::open(p).map_err(|e| Error::io(p, e))?,
                buf: vec![0; chunk.max(1)],
                len: 0,
                eof: false,
            },
        };
        let mut records = Records {
            name: file.name.clone(),
            input,
            pos: 0,
            offset: 0,
            core: csv_core::Reader::new(),
            delimiter: b',',
            width: 0,
            line: 1,
            spans: Vec::new(),
            in_out: false,
            record_line: 1,
            out: vec![0; 1024],
            ends: vec![0; 64],
        };
        // The header line whole in the window: the delimiter is sniffed from
        // it, and csv_core drops a byte order mark only if it sees all three
        // bytes at once.
        records.refill()?;
        while !records.input.eof() && memchr::memchr(b'\n', records.input.window()).is_none() {
            records.refill()?;
        }
        records.delimiter = sniff_delimiter(records.input.window());
        records.core = csv_core::ReaderBuilder::new()
            .delimiter(records.delimiter)
            .build();
        let names: Vec<String> = if records.advance(true)? {
            records
                .record()
                .iter()
                .map(|h| String::from_utf8_lossy(h).trim().to_string())
                .collect()
        } else {
            Vec::new()
        };
        if names.iter().all(String::is_empty) {
            return Err(Error::corrupt(
                &file.name,
                "the CSV file has no header row: expected column names on the first line",
            ));
        }
        records.width = names.len();
        Ok((records, names))
    }

    /// Bytes of the file read so far.
    pub(crate) fn position(&self) -> u64 {
        self.offset + self.pos as u64
    }

    /// The next record, or `None` at the end of the file. A record whose
    /// number of fields differs from the header's is an error.
    pub(crate) fn next(&mut self) -> Result<Option<Record<'_>>, Error> {
        if !self.advance(false)? {
            return Ok(None);
        }
        if self.spans.len() != self.width {
            return Err(Error::corrupt(
                &self.name,
                format!(
                    "line {}: the row has {} fields, but the header has {}: expected every row to have one field per column",
                    self.record_line,
                    self.spans.len(),
                    self.width
                ),
            ));
        }
        Ok(Some(self.record()))
    }

    /// Moves to the next record (`csv_core` reads the header); false at
    /// the end of the file.
    fn advance(&mut self, header: bool) -> Result<bool, Error> {
        loop {
            let eof = self.input.eof();
            let w = self.input.window();
            while let Some(&b) = w.get(self.pos) {
                match b {
                    b'\n' => self.line += 1,
                    b'\r' => {}
                    _ => break,
                }
                self.pos += 1;
            }
            if self.pos == w.len() {
                if eof {
                    return Ok(false);
                }
                self.refill()?;
                continue;
            }
            self.record_line = self.line;
            let split = if header {
                Split::Quoted
            } else {
                split_line(w, self.pos, self.delimiter, eof, &mut self.spans)
            };
            match split {
                Split::Record { end, newline } => {
                    self.pos = end;
                    self.line += u64::from(newline);
                    self.in_out = false;
                }
                Split::Incomplete => {
                    self.refill()?;
                    continue;
                }
                Split::Quoted => {
                    self.read_with_core()?;
                    self.in_out = true;
                }
            }
            return Ok(true);
        }
    }

    /// The current record.
    fn record(&self) -> Record<'_> {
        let bytes = if self.in_out {
            &self.out[..]
        } else {
            self.input.window()
        };
        Record {
            bytes,
            spans: &self.spans,
            line: self.record_line,
        }
    }

    /// Reads the record at the position with `csv_core`, into `out`.
    fn read_with_core(&mut self) -> Result<(), Error> {
        let lines = self.core.line();
        let (mut nout, mut nend) = (0, 0);
        loop {
            let eof = self.input.eof();
            let (result, nin, o, e) = self.core.read_record(
                &self.input.window()[self.pos..],
                &mut self.out[nout..],
                &mut self.ends[nend..],
            );
            self.pos += nin;
            nout += o;
            nend += e;
            match result {
                // At the end of the file the next call, with no input,
                // tells csv_core so.
                ReadRecordResult::InputEmpty if eof => {}
                ReadRecordResult::InputEmpty => self.refill()?,
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record | ReadRecordResult::End => break,
            }
        }
        self.line += self.core.line() - lines;
        self.spans.clear();
        let mut start = 0;
        for &end in &self.ends[..nend] {
            self.spans.push((start, end));
            start = end;
        }
        Ok(())
    }

    /// Moves the unread input to the front of the buffer and reads more
    /// after it (a file source; the whole-file source is already complete).
    fn refill(&mut self) -> Result<(), Error> {
        let Input::Stream {
            reader,
            buf,
            len,
            eof,
        } = &mut self.input
        else {
            return Ok(());
        };
        buf.copy_within(self.pos..*len, 0);
        self.offset += self.pos as u64;
        *len -= self.pos;
        self.pos = 0;
        if *len == buf.len() {
            if buf.len() >= MAX_RECORD_BYTES {
                return Err(Error::corrupt(
                    &self.name,
                    format!(
                        "line {}: a record longer than {} MiB: expected lines of delimited text (is this a CSV file?)",
                        self.line,
                        MAX_RECORD_BYTES >> 20
                    ),
                ));
            }
            buf.resize(buf.len() * 2, 0);
        }
        loop {
            match reader.read(&mut buf[*len..]) {
                Ok(0) => *eof = true,
                Ok(n) => *len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Error::corrupt(
                        &self.name,
                        format!("line {}: cannot read the file: {e}", self.line),
                    ))
                }
            }
            return Ok(());
        }
    }
}

/// Rows between two progress reports.
const PROGRESS_ROWS: u64 = 1 << 16;

pub(super) fn read(file: &InputFile, opts: &FactOptions, sink: &mut Sink) -> Result<(), Error> {
    let (mut records, names) = Records::open(file)?;
    let cols = resolve_columns(&file.name, &names, opts)?;
    sink.columns(&names[cols.user], &names[cols.time]);
    let reader = TimeReader {
        unit: opts.time_unit,
        format: opts.time_format.as_ref(),
    };
    let total_bytes = (file.len() as f64).max(1.0);
    let mut rows = 0u64;
    let mut ids = PendingIds::new(&file.name, &names[cols.user]);
    loop {
        if rows % PROGRESS_ROWS == PROGRESS_ROWS - 1 {
            sink.report(records.position() as f64 / total_bytes);
        }
        // Errors come in the order of the rows: the ids before a bad
        // record are interned (and may fail) first.
        let rec = match records.next() {
            Ok(Some(rec)) => rec,
            Ok(None) => break,
            Err(e) => {
                ids.flush(sink)?;
                return Err(e);
            }
        };
        rows += 1;
        let user = match rec.get(cols.user) {
            b"" => None,
            raw => Some(ids.add(raw, rec.line())?),
        };
        let raw_time = rec.get(cols.time);
        let cell = reader.bytes(raw_time);
        if matches!(cell, Cell::Bad)
            && !reader.reads_integers()
            && raw_time.iter().all(u8::is_ascii_digit)
        {
            ids.flush(sink)?;
            return Err(integer_time_error(&file.name, &names[cols.time]));
        }
        let keep = cols.fact.is_none_or(|f| {
            let v = rec.get(f);
            opts.fact_values.iter().any(|x| x.as_bytes() == v)
        });
        if let Some(c) = cols.segment {
            let segment = sink.segments().text(rec.get(c));
            sink.set_segment(segment);
        }
        let known = user.map(|id| match id {
            Id::Known(user) => user,
            // Set when the id is interned.
            Id::Pending(_) => 0,
        });
        let kept = sink.row(known, cell, keep, || {
            String::from_utf8_lossy(raw_time).into_owned()
        });
        if let (Some(row), Some(Id::Pending(id))) = (kept, user) {
            ids.wait(row, id);
        }
        if ids.is_full() {
            ids.flush(sink)?;
        }
    }
    ids.flush(sink)
}

/// Distinct ids waiting to be interned together, and the kept rows that
/// wait for them: a log in time order has a different id on almost every
/// row, and interning a group at a time overlaps the id table's cache
/// misses ([`crate::ids::Interner::untyped_many`]).
struct PendingIds<'a> {
    file: &'a str,
    column: &'a str,
    /// The ids, one after the other; id `i` ends at `ends[i]`.
    text: String,
    ends: Vec<usize>,
    /// The line of each id's first row, for messages.
    lines: Vec<u64>,
    /// Runs of kept rows (their indexes in the sink) with one id, and the
    /// id's position here: a run per row in a time-ordered log, a run per
    /// user in a file grouped by user.
    rows: Vec<(std::ops::Range<usize>, usize)>,
    users: Vec<UserIndex>,
    /// The last id added and, once interned, its user: facts grouped by
    /// user (as many exports are) repeat an id row after row, and are then
    /// read without a UTF-8 check or hashing.
    last: (Vec<u8>, Option<UserIndex>),
}

/// Distinct ids per group: enough for the look-ups to overlap, few enough
/// for the group's rows to stay in cache.
const PENDING_IDS: usize = 256;

/// A row's user: interned already, or the position of its pending id.
#[derive(Clone, Copy)]
enum Id {
    Known(UserIndex),
    Pending(usize),
}

impl<'a> PendingIds<'a> {
    fn new(file: &'a str, column: &'a str) -> Self {
        PendingIds {
            file,
            column,
            text: String::new(),
            ends: Vec::with_capacity(PENDING_IDS),
            lines: Vec::with_capacity(PENDING_IDS),
            rows: Vec::new(),
            users: Vec::with_capacity(PENDING_IDS),
            // No non-empty cell matches the empty id.
            last: (Vec::new(), None),
        }
    }

    /// Adds the id of a row at `line`.
    fn add(&mut self, raw: &[u8], line: u64) -> Result<Id, Error> {
        if self.last.0 == raw {
            return Ok(match self.last.1 {
                Some(user) => Id::Known(user),
                None => Id::Pending(self.ends.len() - 1),
            });
        }
        let id = std::str::from_utf8(raw).map_err(|_| {
            Error::column(
                self.file,
                self.column,
                format!("line {line}: the user id is not valid UTF-8 text"),
            )
        })?;
        self.push(id, line);
        self.last.0.clear();
        self.last.0.extend_from_slice(raw);
        self.last.1 = None;
        Ok(Id::Pending(self.ends.len() - 1))
    }

    fn push(&mut self, id: &str, line: u64) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
        self.lines.push(line);
    }

    /// Row `row` of the sink waits for id `id`.
    fn wait(&mut self, row: usize, id: usize) {
        match self.rows.last_mut() {
            Some((run, i)) if *i == id && run.end == row => run.end += 1,
            _ => self.rows.push((row..row + 1, id)),
        }
    }

    fn is_full(&self) -> bool {
        self.ends.len() >= PENDING_IDS
    }

    /// Interns the ids and gives the waiting rows their users.
    fn flush(&mut self, sink: &mut Sink) -> Result<(), Error> {
        let mut start = 0;
        let ids: Vec<&str> = self
            .ends
            .iter()
            .map(|&end| {
                let id = &self.text[start..end];
                start = end;
                id
            })
            .collect();
        self.users.clear();
        sink.users()
            .untyped_many(&ids, &mut self.users)
            .map_err(|(i, m)| {
                Error::column(
                    self.file,
                    self.column,
                    format!("line {}: {m}", self.lines[i]),
                )
            })?;
        for (rows, id) in &self.rows {
            sink.set_user(rows.clone(), self.users[*id]);
        }
        if let Some(user) = self.users.last() {
            self.last.1 = Some(*user);
        }
        self.text.clear();
        self.ends.clear();
        self.lines.clear();
        self.rows.clear();
        Ok(())
    }
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

    /// Every record, header included, as `(fields, line)`.
    fn all_records(file: &InputFile, chunk: usize) -> Vec<(Vec<Vec<u8>>, u64)> {
        let Ok((mut records, names)) = Records::open_chunked(file, chunk) else {
            return Vec::new();
        };
        let mut all = vec![(names.into_iter().map(String::into_bytes).collect(), 1)];
        while records.advance(false).unwrap() {
            let r = records.record();
            all.push((r.iter().map(<[u8]>::to_vec).collect(), r.line()));
        }
        all
    }

    /// The csv crate's records of the same bytes (the header trimmed as
    /// column names are).
    fn csv_crate_records(bytes: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(sniff_delimiter(bytes))
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut all: Vec<Vec<Vec<u8>>> = Vec::new();
        for r in rdr.byte_records() {
            let r = r.unwrap();
            all.push(r.iter().map(<[u8]>::to_vec).collect());
        }
        if let Some(h) = all.first_mut() {
            if h.iter()
                .all(|f| String::from_utf8_lossy(f).trim().is_empty())
            {
                return Vec::new();
            }
            for f in h.iter_mut() {
                *f = String::from_utf8_lossy(f).trim().as_bytes().to_vec();
            }
        }
        all
    }

    #[test]
    fn records_match_the_csv_crate_on_random_text() {
        const BYTES: &[u8] = b"ab,;\t\"\r\n x";
        let dir = std::env::temp_dir().join(format!("al-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("random.csv");
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for case in 0..4000 {
            let len = (next() % 48) as usize;
            let mut text: Vec<u8> = if case % 7 == 0 {
                b"\xEF\xBB\xBF".to_vec()
            } else {
                Vec::new()
            };
            text.extend((0..len).map(|_| BYTES[(next() % BYTES.len() as u64) as usize]));
            let expected = csv_crate_records(&text);
            let whole = all_records(&InputFile::bytes("r.csv", text.clone()), CHUNK);
            let fields: Vec<_> = whole.iter().map(|(f, _)| f.clone()).collect();
            assert_eq!(fields, expected, "{:?}", String::from_utf8_lossy(&text));
            std::fs::write(&path, &text).unwrap();
            for chunk in [1, 2, 3, 5, 16] {
                let streamed = all_records(&InputFile::path(&path), chunk);
                assert_eq!(
                    streamed,
                    whole,
                    "chunk {chunk}: {:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn records_know_their_lines_and_width() {
        let text = "a,b\r\n\r\n1,\"x\ny\"\n\n2,3\r4,5\n6\n";
        let file = InputFile::bytes("l.csv", text.as_bytes().to_vec());
        let lines: Vec<u64> = all_records(&file, CHUNK).iter().map(|(_, l)| *l).collect();
        assert_eq!(lines, [1, 3, 6, 6, 7]);
        let (mut records, _) = Records::open(&file).unwrap();
        assert_eq!(records.next().unwrap().unwrap().get(1), b"x\ny");
        assert_eq!(records.next().unwrap().unwrap().get(1), b"3");
        assert_eq!(records.next().unwrap().unwrap().get(0), b"4");
        let e = records.next().err().unwrap().to_string();
        assert!(
            e.contains("l.csv") && e.contains("line 7") && e.contains("1 fields"),
            "{e}"
        );
    }
}
