//! Per-period aggregates of the states table (SPEC section 4): summary,
//! transitions and cohorts. They are counted from the state rows, so they
//! cannot disagree with them.

use crate::grain::Calendar;
use crate::states::{transition_index, State, StateRows, TRANSITIONS};

/// One row of the summary table. It serializes (for the JS API) with the
/// SPEC column names and dates as `YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SummaryRow {
    /// Period index.
    #[serde(skip)]
    pub period: i32,
    /// First day.
    #[serde(serialize_with = "as_date")]
    pub period_start: i32,
    /// Last day.
    #[serde(serialize_with = "as_date")]
    pub period_end: i32,
    /// Whether the period ended on or before `through`.
    pub complete: bool,
    /// Active users.
    pub active: u64,
    /// New users.
    pub new: u64,
    /// Retained users.
    pub retained: u64,
    /// Reactivated users.
    pub reactivated: u64,
    /// Users who became inactive in this period.
    pub churned: u64,
    /// Users inactive in this period and the previous one.
    pub dormant: u64,
    /// churned + dormant.
    pub inactive: u64,
    /// Users whose first period is this one or earlier.
    pub total_users: u64,
    /// retained / active(p-1).
    pub retention_rate: Option<f64>,
    /// churned / active(p-1).
    pub churn_rate: Option<f64>,
    /// reactivated / inactive(p-1).
    pub reactivation_rate: Option<f64>,
    /// (new + reactivated) / churned.
    pub quick_ratio: Option<f64>,
}

fn as_date<S: serde::Serializer>(day: &i32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::grain::format_day(*day))
}

/// One row of the transitions table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitionRow {
    /// Period index.
    pub period: i32,
    /// State in the previous period (none for `new`).
    pub from: Option<State>,
    /// State in this period.
    pub to: State,
    /// Users who made this transition.
    pub users: u64,
}

/// One row of the cohorts table.
#[derive(Clone, Debug, PartialEq)]
pub struct CohortRow {
    /// The cohort's first period (index).
    pub cohort: i32,
    /// The reported period (index).
    pub period: i32,
    /// period - cohort.
    pub periods_since: u32,
    /// Users whose first period is the cohort.
    pub cohort_size: u64,
    /// Of those, users active in the period.
    pub active_users: u64,
    /// active_users / cohort_size.
    pub retention: f64,
}

/// The three aggregate tables.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Aggregates {
    /// Summary rows, one per reported period.
    pub summary: Vec<SummaryRow>,
    /// Nine transition rows per reported period.
    pub transitions: Vec<TransitionRow>,
    /// Cohort rows, per reported period and cohort.
    pub cohorts: Vec<CohortRow>,
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// Sizes of cohorts: users per first period, over a contiguous range.
#[derive(Clone, Debug, Default)]
pub struct CohortSizes {
    first: i32,
    sizes: Vec<u64>,
}

impl CohortSizes {
    /// Empty sizes for first periods in `first..=last`.
    pub fn new(first: i32, last: i32) -> Self {
        CohortSizes {
            first,
            sizes: vec![0; (last - first + 1).max(0) as usize],
        }
    }

    /// Counts one user whose first period is `p`.
    pub fn add(&mut self, p: i32) {
        self.sizes[(p - self.first) as usize] += 1;
    }

    /// Users whose first period is `p`.
    fn size(&self, p: i32) -> u64 {
        usize::try_from(p - self.first)
            .ok()
            .and_then(|i| self.sizes.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// Users whose first period is before `p`.
    fn before(&self, p: i32) -> u64 {
        (self.first..p).map(|q| self.size(q)).sum()
    }

    /// The cohort rows of period `p`, from the active users of each cohort.
    fn rows(&self, p: i32, active: &[u64], out: &mut Vec<CohortRow>) {
        for (c, &size) in self.sizes.iter().enumerate() {
            let cohort = self.first + c as i32;
            if cohort > p {
                break;
            }
            if size == 0 {
                continue;
            }
            out.push(CohortRow {
                cohort,
                period: p,
                periods_since: (p - cohort) as u32,
                cohort_size: size,
                active_users: active[c],
                retention: active[c] as f64 / size as f64,
            });
        }
    }
}

/// Counts the aggregates of `rows` for its periods; `through` decides
/// which periods are complete.
pub fn aggregate(
    rows: &StateRows,
    cohorts: &CohortSizes,
    cal: &Calendar,
    through: i32,
) -> Aggregates {
    let (first, last) = (rows.first(), rows.last());
    let mut out = Aggregates::default();
    let mut total_users = cohorts.before(first);
    let mut cohort_active = vec![0u64; cohorts.sizes.len()];
    for p in first..=last {
        let mut by_transition = count_period(rows, p, cohorts.first, &mut cohort_active);
        total_users += cohorts.size(p);
        let row = summary_row(p, cal, through, &by_transition, total_users);
        // Dormant users have no state row: their count is derived.
        by_transition[TRANSITIONS.len() - 1] = row.dormant;
        out.summary.push(row);
        for (&(from, to), users) in TRANSITIONS.iter().zip(by_transition) {
            out.transitions.push(TransitionRow {
                period: p,
                from,
                to,
                users,
            });
        }
        cohorts.rows(p, &cohort_active, &mut out.cohorts);
    }
    out
}

/// The users of each transition in period `p`, and the active users of each
/// cohort (by first period, from `first_cohort`).
fn count_period(
    rows: &StateRows,
    p: i32,
    first_cohort: i32,
    cohort_active: &mut [u64],
) -> [u64; TRANSITIONS.len()] {
    let mut by_transition = [0u64; TRANSITIONS.len()];
    cohort_active.iter_mut().for_each(|c| *c = 0);
    for r in rows.period(p) {
        let (state, previous) = r.states();
        if let Some(t) = transition_index(previous, state) {
            by_transition[t] += 1;
        }
        if state.is_active() {
            cohort_active[(r.first_period() - first_cohort) as usize] += 1;
        }
    }
    by_transition
}

/// The summary row of period `p` from its transitions (SPEC section 4).
fn summary_row(
    p: i32,
    cal: &Calendar,
    through: i32,
    by_transition: &[u64; TRANSITIONS.len()],
    total_users: u64,
) -> SummaryRow {
    let count =
        |from: Option<State>, to: State| by_transition[transition_index(from, to).expect("listed")];
    let new = count(None, State::New);
    let into = |to: State| -> u64 {
        [State::New, State::Retained, State::Reactivated]
            .iter()
            .map(|s| count(Some(*s), to))
            .sum()
    };
    let (retained, churned) = (into(State::Retained), into(State::Inactive));
    let reactivated = count(Some(State::Inactive), State::Reactivated);
    let active = new + retained + reactivated;
    let dormant = total_users - active - churned;
    let active_before = retained + churned;
    let inactive_before = (total_users - new) - active_before;
    SummaryRow {
        period: p,
        period_start: cal.start(p),
        period_end: cal.end(p),
        complete: cal.end(p) <= through,
        active,
        new,
        retained,
        reactivated,
        churned,
        dormant,
        inactive: churned + dormant,
        total_users,
        retention_rate: ratio(retained, active_before),
        churn_rate: ratio(churned, active_before),
        reactivation_rate: ratio(reactivated, inactive_before),
        quick_ratio: ratio(new + reactivated, churned),
    }
}
