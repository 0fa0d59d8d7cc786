//! The third phase: every user's active periods, from the snapshot's
//! history and the admitted days, walked into state rows, distributions,
//! cohort sizes and the user's new history (SPEC sections 2, 3 and 5).

use super::admit::{Admission, Admitted};
use super::plan::Plan;
use crate::activity::ActiveDays;
use crate::depth::{Depth, DepthCounter};
use crate::distributions::Distributions;
use crate::error::Error;
use crate::firstlast::{fold, grain_index, PeriodList, UserHistory};
use crate::ids::{UserIds, UserIndex};
use crate::rolling::{Activity, ActivityCounter};
use crate::states::{StateRows, Walk};
use crate::summary::CohortSizes;

/// What walking every user gives.
pub(super) struct Walked {
    /// The states table.
    pub states: StateRows,
    /// Streak, gap and churn-duration distributions.
    pub distributions: Distributions,
    /// Users per first period.
    pub cohorts: CohortSizes,
    /// The users with a history, indexing `histories` and `states`.
    pub ids: UserIds,
    /// Each user's history through the run's last day.
    pub histories: Vec<UserHistory>,
    /// Each user's active days (for duplicate and user counts).
    pub days: ActiveDays,
    /// The daily activity table.
    pub activity: Activity,
    /// The depth table (weeks and months).
    pub depth: Option<Depth>,
}

impl Walked {
    /// Walks every admitted user, in output order.
    pub fn new(plan: &Plan, admitted: Admitted) -> Result<(Self, Admission), Error> {
        let Admitted {
            rows,
            rank,
            ids,
            seeds,
            admission,
            ..
        } = admitted;
        let cal = &plan.calendar;
        let (first, last) = (
            cal.period_of(admission.report_from),
            cal.period_of(admission.through),
        );
        let days = ActiveDays::build(rows, &rank);
        let walk = Walk {
            first,
            last,
            rows: plan.opts.rows,
        };
        let run_grain = grain_index(cal.grain());
        let mut states = StateRows::new(first, last, ids.len());
        let mut distributions = Distributions::default();
        let mut cohorts = CohortSizes::new(cal.period_of(admission.earliest), last);
        let mut lists: [PeriodList; 3] = Default::default();
        let mut histories: Vec<Option<UserHistory>> = vec![None; ids.len()];
        let snapshot = plan.snapshot.as_ref().map_or("", |s| s.name());
        // Days up to as_of are folded into the snapshot: no later run can
        // change them, so a resumed run reports the days after it.
        let activity_from = plan
            .as_of
            .map_or(cal.start(first), |a| (a + 1).max(cal.start(first)));
        let mut activity =
            ActivityCounter::new(activity_from, admission.through, &plan.opts.windows);
        let mut depth = DepthCounter::new(cal, first, last);
        // Users are numbered in output order (Admitted::ids).
        for user in 0..ids.len() as UserIndex {
            let seed = seeds[user as usize].as_ref();
            let new_days = days.of(user);
            for (list, cal) in lists.iter_mut().zip(&plan.calendars) {
                // A weekly run may use another week start than the snapshot's
                // weekly columns only when it is not weekly, so the run's list
                // is always one of the snapshot calendars' lists.
                list.build(cal, seed, new_days).map_err(|m| {
                    Error::Data(format!(
                        "{snapshot}: snapshot row of user {}: {m}",
                        ids.display(user)
                    ))
                })?;
            }
            let list = &lists[run_grain];
            walk.user(user, list, &mut states, &mut distributions);
            if let Some(f) = list.first() {
                cohorts.add(f);
            }
            activity.add(seed.map(|s| s.last_active_date), new_days);
            if let Some(d) = &mut depth {
                let carried = seed.map(|s| {
                    let h = &s.grains[run_grain];
                    (cal.period_of(s.last_active_date), h.active_days)
                });
                d.add(carried, new_days);
            }
            histories[user as usize] = fold(seed, new_days, &plan.calendars, &lists);
        }
        let (ids, histories) = drop_users_without_history(ids, histories, &mut states);
        let walked = Walked {
            states,
            distributions,
            cohorts,
            ids,
            histories,
            days,
            activity: activity.finish(admission.history_start),
            depth: depth.map(DepthCounter::finish),
        };
        Ok((walked, admission))
    }
}

/// Users whose every row was rejected (after through, before as_of) have
/// no history: they leave the outputs.
fn drop_users_without_history(
    ids: UserIds,
    histories: Vec<Option<UserHistory>>,
    states: &mut StateRows,
) -> (UserIds, Vec<UserHistory>) {
    if histories.iter().all(Option::is_some) {
        return (ids, histories.into_iter().flatten().collect());
    }
    let keep: Vec<bool> = histories.iter().map(Option::is_some).collect();
    let (kept, new_index) = ids.retain(&keep);
    states.renumber_users(&new_index, kept.len());
    (kept, histories.into_iter().flatten().collect())
}
