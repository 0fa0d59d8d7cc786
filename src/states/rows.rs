//! The states table in memory: rows packed per period, read in table order
//! without sorting, column by column.

use std::num::NonZeroU32;

use super::State;
use crate::ids::UserIndex;

/// The states table of a run, stored period by period so that it is read
/// in table order (period, then user in output order) without sorting.
///
/// Rows are packed (20 bytes) and kept in chunks per period: nothing is ever
/// copied to grow, and the unused tail of a period is at most one chunk.
/// `first_period`, `tenure` and `churned_periods` are derived, not stored.
#[derive(Clone, Debug, Default)]
pub struct StateRows {
    first: i32,
    periods: Vec<Vec<Vec<Packed>>>,
    first_period: Vec<i32>,
    len: usize,
}

/// One stored row. `run` is the streak when active and the inactive streak
/// when not; `gap` is 0 when there is none; `code` packs state and previous.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packed {
    user: UserIndex,
    active_periods: u32,
    run: u32,
    gap: u32,
    code: u8,
}

const SMALLEST_CHUNK: usize = 64;
const LARGEST_CHUNK: usize = 8192;

#[inline(always)]
fn encode(state: State, previous: Option<State>) -> u8 {
    state as u8 | previous.map_or(0, |p| (p as u8 + 1) << 2)
}

#[inline(always)]
fn decode(code: u8) -> (State, Option<State>) {
    let state = State::ALL[(code & 3) as usize];
    let previous = (code >> 2).checked_sub(1).map(|p| State::ALL[p as usize]);
    (state, previous)
}

/// Starts a period's next chunk (twice the last one, up to the largest).
#[cold]
fn new_chunk(chunks: &mut Vec<Vec<Packed>>, row: Packed) {
    let size = chunks
        .last()
        .map_or(SMALLEST_CHUNK, |c| (2 * c.capacity()).min(LARGEST_CHUNK));
    let mut chunk = Vec::with_capacity(size);
    chunk.push(row);
    chunks.push(chunk);
}

/// One row of the states table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateRow {
    /// The user.
    pub user: UserIndex,
    /// The period (an index of the run's calendar).
    pub period: i32,
    /// The state in the period.
    pub state: State,
    /// The state in the previous period (none on the new row).
    pub previous: Option<State>,
    /// Consecutive active periods ending here (0 when inactive).
    pub streak: u32,
    /// Consecutive inactive periods ending here (0 when active).
    pub inactive_streak: u32,
    /// Periods since the previous active period (active, non-new rows).
    pub gap: Option<NonZeroU32>,
    /// Inactive periods just ended (reactivated rows).
    pub churned_periods: Option<NonZeroU32>,
    /// Lifetime active periods through this one.
    pub active_periods: u32,
    /// The user's first period (cohort).
    pub first_period: i32,
    /// Periods since the first period.
    pub tenure: u32,
}

impl StateRows {
    /// An empty table for the reported periods `first..=last` and `users` users.
    pub fn new(first: i32, last: i32, users: usize) -> Self {
        StateRows {
            first,
            periods: vec![Vec::new(); (last - first + 1).max(0) as usize],
            first_period: vec![0; users],
            len: 0,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first reported period.
    pub fn first(&self) -> i32 {
        self.first
    }

    /// The last reported period.
    pub fn last(&self) -> i32 {
        self.first + self.periods.len() as i32 - 1
    }

    fn chunks(&self, p: i32) -> impl Iterator<Item = &Vec<Packed>> {
        usize::try_from(p - self.first)
            .ok()
            .and_then(|i| self.periods.get(i))
            .into_iter()
            .flatten()
    }

    fn stored<'a>(&'a self, period: i32, row: &'a Packed) -> StoredRow<'a> {
        StoredRow {
            period,
            row,
            first_period: &self.first_period,
        }
    }

    /// The rows of period `p` as stored, users in output order.
    pub fn period(&self, p: i32) -> impl Iterator<Item = StoredRow<'_>> + '_ {
        self.chunks(p).flatten().map(move |r| self.stored(p, r))
    }

    /// Every row in table order: by period, then user in output order.
    pub fn iter(&self) -> impl Iterator<Item = StateRow> + '_ {
        (self.first..=self.last()).flat_map(|p| self.period(p).map(StoredRow::row))
    }

    /// Every row in table order, `size` rows at a time (the last batch may be
    /// shorter; an empty table gives one empty batch).
    pub fn batches(&self, size: usize) -> impl Iterator<Item = StateBatch<'_>> + '_ {
        let size = size.max(1);
        let mut slices = (self.first..=self.last())
            .flat_map(move |p| self.chunks(p).map(move |c| (p, &c[..])))
            .peekable();
        let mut first = true;
        std::iter::from_fn(move || {
            let mut batch = StateBatch {
                table: self,
                runs: Vec::new(),
                len: 0,
            };
            while batch.len < size {
                let Some((p, rows)) = slices.peek_mut() else {
                    break;
                };
                let take = rows.len().min(size - batch.len);
                batch.runs.push((*p, &rows[..take]));
                batch.len += take;
                *rows = &rows[take..];
                if rows.is_empty() {
                    slices.next();
                }
            }
            (std::mem::take(&mut first) || batch.len > 0).then_some(batch)
        })
    }

    /// The rows of period `p` whose state and previous state pass `keep`,
    /// in table order, as one batch: only that period's rows are read, and
    /// the kept ones are lent, not copied (a run of consecutive kept rows
    /// is one slice).
    pub fn period_where(
        &self,
        p: i32,
        keep: impl Fn(State, Option<State>) -> bool,
    ) -> StateBatch<'_> {
        let mut batch = StateBatch {
            table: self,
            runs: Vec::new(),
            len: 0,
        };
        for chunk in self.chunks(p) {
            let mut from = None;
            for (i, r) in chunk.iter().enumerate() {
                let (state, previous) = decode(r.code);
                match (keep(state, previous), from) {
                    (true, None) => from = Some(i),
                    (false, Some(start)) => {
                        batch.runs.push((p, &chunk[start..i]));
                        from = None;
                    }
                    _ => {}
                }
            }
            if let Some(start) = from {
                batch.runs.push((p, &chunk[start..]));
            }
        }
        batch.len = batch.runs.iter().map(|(_, rows)| rows.len()).sum();
        batch
    }

    /// The user of every row, in table order.
    pub fn users(&self) -> impl Iterator<Item = UserIndex> + '_ {
        self.periods.iter().flatten().flatten().map(|r| r.user)
    }

    /// The rows of one user, by period.
    pub fn of_user(&self, user: UserIndex) -> impl Iterator<Item = StateRow> + '_ {
        (self.first..=self.last()).flat_map(move |p| {
            self.chunks(p)
                .flatten()
                .filter(move |r| r.user == user)
                .map(move |r| self.stored(p, r).row())
        })
    }

    /// Records the first period of a user (every row of theirs derives
    /// `first_period` and `tenure` from it).
    pub(super) fn set_first_period(&mut self, user: UserIndex, first: i32) {
        self.first_period[user as usize] = first;
    }

    #[inline]
    pub(super) fn push(&mut self, r: StateRow) {
        let active = r.state.is_active();
        let row = Packed {
            user: r.user,
            active_periods: r.active_periods,
            run: if active { r.streak } else { r.inactive_streak },
            gap: r.gap.map_or(0, NonZeroU32::get),
            code: encode(r.state, r.previous),
        };
        let chunks = &mut self.periods[(r.period - self.first) as usize];
        match chunks.last_mut() {
            Some(c) if c.len() < c.capacity() => c.push(row),
            _ => new_chunk(chunks, row),
        }
        self.len += 1;
    }

    /// Renumbers users after some were dropped: `new_index[old]` is the new
    /// index of every user that has rows; `users` is the new number of users.
    pub fn renumber_users(&mut self, new_index: &[UserIndex], users: usize) {
        let mut first_period = vec![0; users];
        for (old, new) in new_index.iter().enumerate() {
            if (*new as usize) < users {
                first_period[*new as usize] = self.first_period[old];
            }
        }
        self.first_period = first_period;
        for r in self.periods.iter_mut().flatten().flatten() {
            r.user = new_index[r.user as usize];
        }
    }
}

/// A batch of consecutive rows of the states table, read column by column
/// straight from storage.
pub struct StateBatch<'a> {
    table: &'a StateRows,
    runs: Vec<(i32, &'a [Packed])>,
    len: usize,
}

impl<'a> StateBatch<'a> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// One value per row, in table order.
    pub fn column<T>(&self, f: impl Fn(StoredRow<'a>) -> T) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len);
        for &(p, rows) in &self.runs {
            out.extend(rows.iter().map(|r| f(self.table.stored(p, r))));
        }
        out
    }
}

/// One row of the states table as stored; each column is derived on demand.
#[derive(Clone, Copy)]
pub struct StoredRow<'a> {
    period: i32,
    row: &'a Packed,
    first_period: &'a [i32],
}

impl StoredRow<'_> {
    /// The user.
    #[inline]
    pub fn user(self) -> UserIndex {
        self.row.user
    }

    /// The period.
    #[inline]
    pub fn period(self) -> i32 {
        self.period
    }

    /// The state and the previous state.
    #[inline]
    pub fn states(self) -> (State, Option<State>) {
        decode(self.row.code)
    }

    /// Consecutive active periods ending here (0 when inactive).
    #[inline]
    pub fn streak(self) -> u32 {
        if self.states().0.is_active() {
            self.row.run
        } else {
            0
        }
    }

    /// Consecutive inactive periods ending here (0 when active).
    #[inline]
    pub fn inactive_streak(self) -> u32 {
        if self.states().0.is_active() {
            0
        } else {
            self.row.run
        }
    }

    /// Periods since the previous active period.
    #[inline]
    pub fn gap(self) -> Option<NonZeroU32> {
        NonZeroU32::new(self.row.gap)
    }

    /// Inactive periods just ended (reactivated rows).
    #[inline]
    pub fn churned_periods(self) -> Option<NonZeroU32> {
        if self.states().0 == State::Reactivated {
            NonZeroU32::new(self.row.gap - 1)
        } else {
            None
        }
    }

    /// Lifetime active periods through this one.
    #[inline]
    pub fn active_periods(self) -> u32 {
        self.row.active_periods
    }

    /// The user's first period.
    #[inline]
    pub fn first_period(self) -> i32 {
        self.first_period[self.row.user as usize]
    }

    /// Periods since the first period.
    #[inline]
    pub fn tenure(self) -> u32 {
        (self.period - self.first_period()) as u32
    }

    /// The whole row.
    pub fn row(self) -> StateRow {
        let (state, previous) = self.states();
        StateRow {
            user: self.user(),
            period: self.period,
            state,
            previous,
            streak: self.streak(),
            inactive_streak: self.inactive_streak(),
            gap: self.gap(),
            churned_periods: self.churned_periods(),
            active_periods: self.active_periods(),
            first_period: self.first_period(),
            tenure: self.tenure(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for p in std::iter::once(None).chain(State::ALL.map(Some)) {
            for s in State::ALL {
                assert_eq!(decode(encode(s, p)), (s, p));
            }
        }
    }
}
