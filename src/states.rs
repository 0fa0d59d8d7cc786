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

/// The states table, column by column. Periods are period indexes of the
/// run's calendar.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateRows {
    /// The user.
    pub user: Vec<UserIndex>,
    /// The period.
    pub period: Vec<i32>,
    /// The state in the period.
    pub state: Vec<State>,
    /// The state in the previous period (none on the new row).
    pub previous: Vec<Option<State>>,
    /// Consecutive active periods ending here (0 when inactive).
    pub streak: Vec<u32>,
    /// Consecutive inactive periods ending here (0 when active).
    pub inactive_streak: Vec<u32>,
    /// Periods since the previous active period (active, non-new rows).
    pub gap: Vec<Option<NonZeroU32>>,
    /// Inactive periods just ended (reactivated rows).
    pub churned_periods: Vec<Option<NonZeroU32>>,
    /// Lifetime active periods through this one.
    pub active_periods: Vec<u32>,
    /// The user's first period (cohort).
    pub first_period: Vec<i32>,
    /// Periods since the first period.
    pub tenure: Vec<u32>,
}

/// One row of the states table (used while walking and by readers of one user).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateRow {
    /// The user.
    pub user: UserIndex,
    /// The period.
    pub period: i32,
    /// The state.
    pub state: State,
    /// The previous state.
    pub previous: Option<State>,
    /// See [`StateRows::streak`].
    pub streak: u32,
    /// See [`StateRows::inactive_streak`].
    pub inactive_streak: u32,
    /// See [`StateRows::gap`].
    pub gap: Option<NonZeroU32>,
    /// See [`StateRows::churned_periods`].
    pub churned_periods: Option<NonZeroU32>,
    /// See [`StateRows::active_periods`].
    pub active_periods: u32,
    /// See [`StateRows::first_period`].
    pub first_period: i32,
    /// See [`StateRows::tenure`].
    pub tenure: u32,
}

impl StateRows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.user.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.user.is_empty()
    }

    /// Row `i`.
    pub fn get(&self, i: usize) -> StateRow {
        StateRow {
            user: self.user[i],
            period: self.period[i],
            state: self.state[i],
            previous: self.previous[i],
            streak: self.streak[i],
            inactive_streak: self.inactive_streak[i],
            gap: self.gap[i],
            churned_periods: self.churned_periods[i],
            active_periods: self.active_periods[i],
            first_period: self.first_period[i],
            tenure: self.tenure[i],
        }
    }

    fn push(&mut self, r: StateRow) {
        self.user.push(r.user);
        self.period.push(r.period);
        self.state.push(r.state);
        self.previous.push(r.previous);
        self.streak.push(r.streak);
        self.inactive_streak.push(r.inactive_streak);
        self.gap.push(r.gap);
        self.churned_periods.push(r.churned_periods);
        self.active_periods.push(r.active_periods);
        self.first_period.push(r.first_period);
        self.tenure.push(r.tenure);
    }

    /// Reorders rows by period, keeping the order within a period: rows are
    /// emitted user by user in output order, so this gives the SPEC order
    /// with a linear counting sort.
    pub fn sort_by_period(&mut self, first: i32, last: i32) {
        let n = (last - first + 1).max(0) as usize;
        let mut starts = vec![0usize; n + 1];
        for p in &self.period {
            starts[(p - first) as usize + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut order = vec![0usize; self.len()];
        for (i, p) in self.period.iter().enumerate() {
            let s = &mut starts[(p - first) as usize];
            order[*s] = i;
            *s += 1;
        }
        fn apply<T: Copy>(v: &mut Vec<T>, order: &[usize]) {
            *v = order.iter().map(|i| v[*i]).collect();
        }
        apply(&mut self.user, &order);
        apply(&mut self.period, &order);
        apply(&mut self.state, &order);
        apply(&mut self.previous, &order);
        apply(&mut self.streak, &order);
        apply(&mut self.inactive_streak, &order);
        apply(&mut self.gap, &order);
        apply(&mut self.churned_periods, &order);
        apply(&mut self.active_periods, &order);
        apply(&mut self.first_period, &order);
        apply(&mut self.tenure, &order);
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
