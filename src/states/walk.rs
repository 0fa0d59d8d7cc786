//! The walk: one pass over a user's sorted active periods gives every
//! state row and its streak, gap and churn metadata (SPEC sections 2, 3).

use std::num::NonZeroU32;

use super::{Rows, State, StateRow, StateRows};
use crate::distributions::Distributions;
use crate::firstlast::PeriodList;
use crate::ids::UserIndex;

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
