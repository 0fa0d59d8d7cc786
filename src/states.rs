//! The state machine (SPEC sections 2 and 3): one pass over each user's
//! sorted active periods gives every state row and its metadata.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use crate::distributions::Distributions;
use crate::error::Error;
use crate::firstlast::PeriodList;
use crate::ids::UserIndex;

/// A user's state in a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum State {
    /// The user's first active period.
    New = 0,
    /// Active now and in the previous period.
    Retained = 1,
    /// Active now, not in the previous period, and not new.
    Reactivated = 2,
    /// Not active (after the first period).
    Inactive = 3,
}

impl State {
    /// Every state.
    pub const ALL: [State; 4] = [
        State::New,
        State::Retained,
        State::Reactivated,
        State::Inactive,
    ];

    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Retained => "retained",
            State::Reactivated => "reactivated",
            State::Inactive => "inactive",
        }
    }

    /// Whether the user is active in this state.
    pub fn is_active(self) -> bool {
        self != State::Inactive
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        State::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                Error::invalid_option("state", s, "one of new, retained, reactivated, inactive")
            })
    }
}

/// The nine transitions `(previous_state, state)`, in SPEC order.
pub const TRANSITIONS: [(Option<State>, State); 9] = [
    (None, State::New),
    (Some(State::New), State::Retained),
    (Some(State::New), State::Inactive),
    (Some(State::Retained), State::Retained),
    (Some(State::Retained), State::Inactive),
    (Some(State::Reactivated), State::Retained),
    (Some(State::Reactivated), State::Inactive),
    (Some(State::Inactive), State::Reactivated),
    (Some(State::Inactive), State::Inactive),
];

/// The position of `(previous, state)` in [`TRANSITIONS`] (a match, not a
/// search: it runs once per state row).
#[inline]
pub fn transition_index(previous: Option<State>, state: State) -> Option<usize> {
    use State::*;
    Some(match (previous, state) {
        (None, New) => 0,
        (Some(New), Retained) => 1,
        (Some(New), Inactive) => 2,
        (Some(Retained), Retained) => 3,
        (Some(Retained), Inactive) => 4,
        (Some(Reactivated), Retained) => 5,
        (Some(Reactivated), Inactive) => 6,
        (Some(Inactive), Reactivated) => 7,
        (Some(Inactive), Inactive) => 8,
        _ => return None,
    })
}

/// The transition name: `{previous}_to_{state}`, or `new`.
pub fn transition_name(previous: Option<State>, state: State) -> &'static str {
    match (previous, state) {
        (None, _) => "new",
        (Some(State::New), State::Retained) => "new_to_retained",
        (Some(State::New), _) => "new_to_inactive",
        (Some(State::Retained), State::Retained) => "retained_to_retained",
        (Some(State::Retained), _) => "retained_to_inactive",
        (Some(State::Reactivated), State::Retained) => "reactivated_to_retained",
        (Some(State::Reactivated), _) => "reactivated_to_inactive",
        (Some(State::Inactive), State::Inactive) => "inactive_to_inactive",
        (Some(State::Inactive), _) => "inactive_to_reactivated",
    }
}

/// Which state rows a run emits (SPEC section 4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rows {
    /// Active users, plus one row when a user churns.
    #[default]
    Changes,
    /// Every user in every reported period from their first period on.
    All,
}

impl FromStr for Rows {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim() {
            "changes" => Ok(Rows::Changes),
            "all" => Ok(Rows::All),
            _ => Err(Error::invalid_option("rows", s, "changes or all")),
        }
    }
}

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
    fn set_first_period(&mut self, user: UserIndex, first: i32) {
        self.first_period[user as usize] = first;
    }

    #[inline]
    fn push(&mut self, r: StateRow) {
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

/// Emits the state rows of users for the reported periods `first..=last`.
pub struct Walk {
    /// First reported period.
    pub first: i32,
    /// Last reported period.
    pub last: i32,
    /// Which rows to emit.
    pub rows: Rows,
}

fn nz(v: i32) -> Option<NonZeroU32> {
    NonZeroU32::new(v.max(0) as u32)
}

impl Walk {
    /// Walks one user's active periods, emits their rows in range and
    /// counts their streaks, gaps and churn durations.
    pub fn user(
        &self,
        user: UserIndex,
        list: &PeriodList,
        out: &mut StateRows,
        dist: &mut Distributions,
    ) {
        let Some(first) = list.first() else { return };
        out.set_first_period(user, first);
        let mut count = list.unlisted;
        let mut prev: Option<(i32, State)> = None;
        let mut streak = 0;
        for &p in &list.periods {
            if p > self.last {
                break;
            }
            let (state, previous, gap) = match prev {
                None => (State::New, None, None),
                Some((q, qs)) if q == p - 1 => (State::Retained, Some(qs), Some(1)),
                Some((q, qs)) => {
                    if (self.first..=self.last).contains(&(q + 1)) {
                        dist.ended_streaks.add(streak);
                    }
                    self.inactive(user, first, q, qs, count, p - 1, out);
                    (State::Reactivated, Some(State::Inactive), Some(p - q))
                }
            };
            streak = if state == State::Retained {
                streak + 1
            } else {
                1
            };
            count += 1;
            if p >= self.first {
                if let Some(g) = gap {
                    dist.gaps.add(g as u32);
                    if state == State::Reactivated {
                        dist.churn_durations.add(g as u32 - 1);
                    }
                }
                out.push(StateRow {
                    user,
                    period: p,
                    state,
                    previous,
                    streak,
                    inactive_streak: 0,
                    gap: gap.and_then(nz),
                    churned_periods: if state == State::Reactivated {
                        gap.and_then(|g| nz(g - 1))
                    } else {
                        None
                    },
                    active_periods: count,
                    first_period: first,
                    tenure: (p - first) as u32,
                });
            }
            prev = Some((p, state));
        }
        if let Some((q, qs)) = prev {
            if q == self.last {
                dist.ongoing_streaks.add(streak);
            } else {
                if (self.first..=self.last).contains(&(q + 1)) {
                    dist.ended_streaks.add(streak);
                }
                dist.ongoing_churn_durations.add((self.last - q) as u32);
            }
            self.inactive(user, first, q, qs, count, self.last, out);
        }
    }

    /// Rows of the inactive periods after active period `q` (state `qs`)
    /// through `until`: the churn row, and with `rows = all` the dormant ones.
    #[allow(clippy::too_many_arguments)]
    fn inactive(
        &self,
        user: UserIndex,
        first: i32,
        q: i32,
        qs: State,
        count: u32,
        until: i32,
        out: &mut StateRows,
    ) {
        let churn = q + 1;
        let end = match self.rows {
            Rows::Changes => churn,
            Rows::All => until,
        }
        .min(until)
        .min(self.last);
        for t in churn.max(self.first)..=end {
            out.push(StateRow {
                user,
                period: t,
                state: State::Inactive,
                previous: Some(if t == churn { qs } else { State::Inactive }),
                streak: 0,
                inactive_streak: (t - q) as u32,
                gap: None,
                churned_periods: None,
                active_periods: count,
                first_period: first,
                tenure: (t - first) as u32,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_index_is_the_position_in_transitions() {
        let previous = std::iter::once(None).chain(State::ALL.map(Some));
        for p in previous {
            for s in State::ALL {
                assert_eq!(
                    transition_index(p, s),
                    TRANSITIONS.iter().position(|t| *t == (p, s)),
                    "{p:?} -> {s:?}"
                );
                assert_eq!(decode(encode(s, p)), (s, p));
            }
        }
    }
}
