//! One user's timeline: their state in every reported period from their
//! first period on, for the per-user lookup.

use serde::Serialize;

use crate::firstlast::grain_index;
use crate::grain::format_day;
use crate::run::Activation;
use crate::states::{transition_name, State, StateRow};

/// One period of a user's timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// First day of the period.
    pub period_start: String,
    /// The state.
    pub state: &'static str,
    /// The previous state (none on the new row).
    pub previous_state: Option<&'static str>,
    /// The transition.
    pub transition: &'static str,
    /// Consecutive active periods ending here.
    pub streak: u32,
    /// Consecutive inactive periods ending here.
    pub inactive_streak: u32,
    /// Periods since the previous active period.
    pub gap: Option<u32>,
    /// Inactive periods just ended.
    pub churned_periods: Option<u32>,
    /// Lifetime active periods.
    pub active_periods: u32,
    /// Periods since the first period.
    pub tenure: u32,
}

/// A user's timeline over the reported periods, or `None` for an unknown id.
///
/// Periods without a state row (dormant periods with `rows = changes`)
/// are filled in: the user stays inactive, one more period each time.
pub fn timeline(a: &Activation, user_id: &str) -> Option<Vec<TimelineEntry>> {
    let user = a.ids().find(user_id)?;
    let history = &a.snapshot.users[user as usize];
    let cal = &a.calendar;
    let first = cal.period_of(history.first_active_date);
    let rows: Vec<StateRow> = a.states.of_user(user).collect();
    let mut next = rows.iter().peekable();
    let mut out = Vec::new();
    // Before the first row in range, a user seen earlier is dormant since
    // their last active period before the range.
    let last_active = cal.period_of(history.last_active_date);
    let mut inactive_since = rows.first().map_or(last_active, |r| match r.state {
        State::Inactive => r.period - r.inactive_streak as i32,
        _ => r.period - r.gap.map_or(1, |g| g.get() as i32),
    });
    let mut active_periods = rows.first().map_or(
        history.grains[grain_index(cal.grain())].active_periods,
        |r| r.active_periods - u32::from(r.state.is_active()),
    );
    for p in a.first_period().max(first)..=a.last_period() {
        let entry = match next.peek() {
            Some(r) if r.period == p => {
                let r = *next.next().expect("peeked");
                if r.state.is_active() {
                    inactive_since = p;
                }
                active_periods = r.active_periods;
                TimelineEntry {
                    period_start: format_day(cal.start(p)),
                    state: r.state.as_str(),
                    previous_state: r.previous.map(State::as_str),
                    transition: transition_name(r.previous, r.state),
                    streak: r.streak,
                    inactive_streak: r.inactive_streak,
                    gap: r.gap.map(|g| g.get()),
                    churned_periods: r.churned_periods.map(|g| g.get()),
                    active_periods: r.active_periods,
                    tenure: r.tenure,
                }
            }
            _ => TimelineEntry {
                period_start: format_day(cal.start(p)),
                state: State::Inactive.as_str(),
                previous_state: Some(State::Inactive.as_str()),
                transition: transition_name(Some(State::Inactive), State::Inactive),
                streak: 0,
                inactive_streak: (p - inactive_since) as u32,
                gap: None,
                churned_periods: None,
                active_periods,
                tenure: (p - first) as u32,
            },
        };
        out.push(entry);
    }
    Some(out)
}
