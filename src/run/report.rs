//! The last phase: the quality report (SPEC section 6), from the plan and
//! what the other phases found.

use super::admit::Admission;
use super::plan::Plan;
use super::walk::Walked;
use super::LayerUsers;
use crate::grain::format_day;
use crate::quality::Quality;
use crate::segment::Segments;
use crate::summary::Aggregates;

/// The quality report of a run.
pub(super) fn quality(
    plan: &Plan,
    admission: Admission,
    walked: &Walked,
    aggregates: &Aggregates,
) -> Quality {
    let Admission {
        stats,
        days_seen,
        snapshot_users,
        rejected,
        range,
        report_from,
        through,
        ..
    } = admission;
    let (min_day, max_day) = range.unzip();
    let empty_days: Vec<String> = (report_from..=through)
        .filter(|d| !days_seen.contains(*d))
        .map(format_day)
        .collect();
    let snapshot_exact = plan.snapshot_exact();
    let total_users = walked.ids.len() as u64;
    let mut q = Quality {
        fact: plan.fact.clone(),
        grain: plan.calendar.grain().to_string(),
        timezone: plan.zone.name(),
        week_start: plan.calendar.week_start().to_string(),
        files: plan.files.iter().map(|f| f.name.clone()).collect(),
        snapshot: plan.snapshot.as_ref().map(|s| s.name().to_string()),
        as_of: plan.as_of.map(format_day),
        report_from: format_day(report_from),
        through: format_day(through),
        rows_read: stats.rows_read,
        rows_used: walked.days.rows() as u64,
        rows_rejected: rejected,
        rows_filtered_out: stats.filtered_out,
        duplicate_rows: walked.days.duplicates(),
        distinct_users: walked.days.users_with_activity() as u64,
        new_users: total_users - snapshot_users,
        snapshot_users,
        total_users,
        min_local_date: min_day.map(format_day),
        max_local_date: max_day.map(format_day),
        snapshot_exact,
        exact: snapshot_exact.unwrap_or(true),
        empty_days,
        warnings: Vec::new(),
        segments: None,
    };
    q.warnings = warnings(&q, aggregates.summary.last().is_some_and(|s| s.complete));
    q
}

/// The quality report of a segmented layer: the run's reading and dates
/// (`base`), rows counted over the segments (each row is in one), users
/// once however many segments they are in, rows and users per segment.
/// Whether the layer without segments was walked changes none of it.
pub(super) fn segmented(base: &Quality, s: &Segments, users: LayerUsers) -> Quality {
    let sum = |f: fn(&Quality) -> u64| s.layers.iter().map(|(_, a)| f(&a.quality)).sum::<u64>();
    let mut q = Quality {
        fact: s.fact.clone(),
        rows_used: sum(|q| q.rows_used),
        duplicate_rows: sum(|q| q.duplicate_rows),
        distinct_users: users.active,
        total_users: users.total,
        snapshot_users: users.snapshot,
        new_users: users.total - users.snapshot,
        segments: Some(s.counts()),
        ..base.clone()
    };
    let last_complete = s
        .layers
        .first()
        .and_then(|(_, a)| a.aggregates.summary.last())
        .is_none_or(|r| r.complete);
    q.warnings = warnings(&q, last_complete);
    q
}

/// What in the data could make the numbers mislead.
fn warnings(q: &Quality, last_complete: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    let empty = &q.empty_days;
    if !empty.is_empty() {
        let shown: Vec<&str> = empty.iter().take(10).map(String::as_str).collect();
        warnings.push(format!(
            "{} day(s) between {} and {} have no fact rows at all ({}{}): a missing day of data looks like churn; check that no export is missing",
            empty.len(),
            q.report_from,
            q.through,
            shown.join(", "),
            if empty.len() > shown.len() { ", ..." } else { "" }
        ));
    }
    if q.snapshot.is_none() {
        warnings.push(format!(
            "no snapshot: users active in the first {} of the data ({}) count as new there, since nothing earlier is known",
            q.grain,
            q.min_local_date.as_deref().unwrap_or_default()
        ));
    }
    if q.snapshot_exact == Some(false) {
        warnings.push(
            "the snapshot is not exact (it descends from a minimal snapshot, or from one of format 1, which did not record active days per period): streak, active_periods and the depth of the period holding its as_of are lower bounds, and previous_state / transitions out of its as_of period follow the shortest consistent history".into(),
        );
    }
    let r = &q.rows_rejected;
    if r.total() > 0 {
        warnings.push(format!(
            "{} row(s) rejected: null user {}, null time {}, unreadable time {}, dated on or before as_of {}, dated after through {}",
            r.total(), r.null_user, r.null_time, r.unparseable_time, r.dated_on_or_before_as_of, r.dated_after_through
        ));
    }
    if q.duplicate_rows > 0 {
        warnings.push(format!(
            "{} duplicate row(s) (same user and timestamp) were kept",
            q.duplicate_rows
        ));
    }
    if !last_complete {
        warnings.push(format!(
            "the last {} is incomplete (data through {}): its numbers will change when later facts arrive",
            q.grain, q.through
        ));
    }
    warnings
}
