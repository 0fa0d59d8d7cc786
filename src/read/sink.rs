//! The sink every reader pushes rows into: counting, rejection, local
//! dates and progress are written once for both formats.

use super::{Cell, FactRow, Facts};
use crate::ids::{Interner, UserIndex};
use crate::progress::{Progress, Report, READ_SHARE};
use crate::segment::SegmentInterner;
use crate::time::{LocalDates, TimeValue, Zone};

/// Where every row goes: counting, rejection and local dates.
pub(crate) struct Sink<'a> {
    facts: &'a mut Facts,
    /// Whether kept rows record a segment (a split run), and the segment
    /// of the next row.
    split: bool,
    segment: u32,
    dates: LocalDates,
    progress: Report<'a>,
    file: usize,
    files: usize,
}

impl<'a> Sink<'a> {
    /// A sink for file `file.0` of `file.1`, with local dates in `zone`.
    pub fn new(
        facts: &'a mut Facts,
        zone: Zone,
        progress: Report<'a>,
        file: (usize, usize),
    ) -> Self {
        Sink {
            split: false,
            segment: 0,
            facts,
            dates: LocalDates::new(zone),
            progress,
            file: file.0,
            files: file.1,
        }
    }

    /// Reports that `done` (0 to 1) of the current file is read.
    pub fn report(&mut self, done: f64) {
        let overall = (self.file as f64 + done.clamp(0.0, 1.0)) / self.files.max(1) as f64;
        (self.progress)(&Progress {
            phase: "read",
            file: self.file,
            files: self.files,
            rows: self.facts.stats.rows_read,
            fraction: overall * READ_SHARE,
        });
    }

    /// Records which columns serve as user and time, for messages.
    pub fn columns(&mut self, user: &str, time: &str) {
        let pair = (user.to_string(), time.to_string());
        if !self.facts.stats.columns.contains(&pair) {
            self.facts.stats.columns.push(pair);
        }
    }

    /// Makes room for `rows` more rows (a Parquet file knows its row count):
    /// the rows never grow by copying.
    pub fn reserve(&mut self, rows: usize) {
        self.facts.rows.reserve_exact(rows);
    }

    /// The segment values shared by every file; from now on kept rows
    /// record the segment [`Sink::set_segment`] last gave.
    pub fn segments(&mut self) -> &mut SegmentInterner {
        self.split = true;
        &mut self.facts.segment_values
    }

    /// The segment of the next row.
    #[inline]
    pub fn set_segment(&mut self, segment: u32) {
        self.segment = segment;
    }

    /// The user-id interner shared by every file.
    pub fn users(&mut self) -> &mut Interner {
        &mut self.facts.users
    }

    /// Records one row and, if it is kept, returns its index (see
    /// [`Sink::set_user`]). `user` is `None` for a null id; `keep` is the
    /// fact filter's verdict; `show` renders the time cell for messages.
    #[inline]
    pub fn row(
        &mut self,
        user: Option<UserIndex>,
        time: Cell,
        keep: bool,
        show: impl FnOnce() -> String,
    ) -> Option<usize> {
        let stats = &mut self.facts.stats;
        stats.rows_read += 1;
        let value = match time {
            Cell::Time(v) => self.dates.day(v).map(|d| (d, v)),
            Cell::Null | Cell::Bad => None,
        };
        if let Some((day, _)) = value {
            self.facts.days_seen.insert(day);
        }
        let Some(user) = user else {
            stats.null_user += 1;
            stats.sample(|row| format!("a null user id (row {row})"));
            return None;
        };
        let Some((day, v)) = value else {
            if matches!(time, Cell::Null) {
                stats.null_time += 1;
                stats.sample(|row| format!("a null time (row {row})"));
            } else {
                stats.unparseable_time += 1;
                stats.sample(|row| format!("time {:?} (row {row})", show()));
            }
            return None;
        };
        if !keep {
            stats.filtered_out += 1;
            return None;
        }
        let ts = match v {
            TimeValue::Instant(us) | TimeValue::Local(us) => us,
        };
        self.facts.rows.push(FactRow { user, day, ts });
        if self.split {
            self.facts.segments.push(self.segment);
        }
        Some(self.facts.rows.len() - 1)
    }

    /// Sets the user of kept rows `rows`: a reader that interns ids a
    /// group at a time records their rows first.
    pub fn set_user(&mut self, rows: std::ops::Range<usize>, user: UserIndex) {
        for r in &mut self.facts.rows[rows] {
            r.user = user;
        }
    }
}
