//! The second phase: which of the rows read are admitted (SPEC section 8):
//! the rejection limit, the snapshot's users, facts on or before its as_of,
//! facts after `through`, the reported range and the 50-year check.

use super::plan::Plan;
use crate::error::Error;
use crate::firstlast::UserHistory;
use crate::grain::format_day;
use crate::ids::{UserIds, UserIndex};
use crate::options::Opt;
use crate::quality::Rejected;
use crate::read::{DaySet, FactRow, Facts, ReadStats};
use crate::segment::SegmentValue;

/// Longest span of dates a run accepts (SPEC section 8).
const MAX_SPAN_DAYS: i32 = 50 * 365 + 12;

/// The rows a run uses, its users, and what it knows of the rest.
pub(super) struct Admitted {
    /// The rows that count, in file order, their users still numbered in
    /// order of appearance (grouping them renumbers them by `rank`).
    pub rows: Vec<FactRow>,
    /// Each user's index in `ids`, by order of appearance.
    pub rank: Vec<UserIndex>,
    /// Every user, the facts' and the snapshot's, in output order.
    pub ids: UserIds,
    /// The snapshot's history of each user (by index into `ids`).
    pub seeds: Vec<Option<UserHistory>>,
    /// Counts and dates of the admission.
    pub admission: Admission,
    /// A split run's segments: each row's, and the values in segment order.
    pub split: Option<Split>,
}

/// What a split run (SPEC section 11) knows of its segments.
pub(super) struct Split {
    /// The segment of each row, indexing `values`.
    pub rows: Vec<u32>,
    /// The segments, in segment order (null last).
    pub values: Vec<SegmentValue>,
    /// Whether they are integers.
    pub is_int: bool,
    /// The split snapshot's histories: (segment, user in `ids`, history).
    pub seeds: Vec<(u32, UserIndex, UserHistory)>,
}

/// What the admission found: counts, the days with data and the run's dates.
#[derive(Clone)]
pub(super) struct Admission {
    /// Counts of the reading stage.
    pub stats: ReadStats,
    /// Days with any data.
    pub days_seen: DaySet,
    /// Users in the snapshot.
    pub snapshot_users: u64,
    /// Rows rejected, by reason.
    pub rejected: Rejected,
    /// The first and last day of the used rows.
    pub range: Option<(i32, i32)>,
    /// The first reported day.
    pub report_from: i32,
    /// The last day of data.
    pub through: i32,
    /// The earliest day the run's periods must cover.
    pub earliest: i32,
    /// The first day of history: the earliest used row's or snapshot
    /// user's first active date (none without either).
    pub history_start: Option<i32>,
}

impl Admitted {
    /// Admits the rows read, or says why the run cannot give correct numbers.
    pub fn new(plan: &Plan, facts: Facts) -> Result<Self, Error> {
        check_counts(plan, &facts)?;
        let Facts {
            mut rows,
            stats,
            days_seen,
            mut users,
            segments: mut row_segments,
            mut segment_values,
        } = facts;
        let segment_column = plan.opts.facts.segment_column.as_deref();
        // A split snapshot's segments count even without new facts.
        let seed_segments = match (&plan.snapshot, segment_column) {
            (Some(s), Some(_)) => Some(s.segments(&mut segment_values)?),
            _ => None,
        };
        let seeds = match &plan.snapshot {
            Some(s) => s.histories(
                &mut users,
                plan.zone,
                &plan.calendars,
                plan.as_of.expect("as_of is set with a snapshot"),
                seed_segments.as_deref(),
            )?,
            None => Vec::new(),
        };
        capacity(&plan.file_names(), rows.len(), users.len())?;
        let (ids, rank) = users.finish().into_sorted();
        let mut seed_of: Vec<Option<UserHistory>> = vec![None; ids.len()];
        let mut split = match segment_column {
            Some(column) => {
                let (values, order) =
                    segment_values.ordered(&plan.file_names(), column, plan.opts.max_segments)?;
                row_segments
                    .iter_mut()
                    .for_each(|s| *s = order[*s as usize]);
                let seeds = seed_segments
                    .unwrap_or_default()
                    .iter()
                    .zip(&seeds)
                    .map(|(s, (u, h))| (order[*s as usize], rank[*u as usize], *h))
                    .collect();
                Some(Split {
                    rows: std::mem::take(&mut row_segments),
                    values,
                    is_int: segment_values.is_int.unwrap_or(false),
                    seeds,
                })
            }
            None => {
                for (u, h) in &seeds {
                    seed_of[rank[*u as usize] as usize] = Some(*h);
                }
                None
            }
        };
        let mut rejected = Rejected {
            null_user: stats.null_user,
            null_time: stats.null_time,
            unparseable_time: stats.unparseable_time,
            ..Rejected::default()
        };
        rejected.dated_on_or_before_as_of = drop_overlap(plan, &mut rows, &mut split)?;
        let mut range = day_range(&rows);
        let through = match plan.opts.through {
            Some(t) => {
                let before = rows.len();
                retain(&mut rows, &mut split, |r| r.day <= t);
                // With nothing left and no date to report from, say why.
                let nothing_left = rows.is_empty() && before > 0;
                if nothing_left && plan.as_of.is_none() && plan.opts.report_from.is_none() {
                    return Err(Error::Data(format!(
                        "{}: every one of the {before} fact rows (column {}) is dated after {} {}; the first is on {}",
                        plan.file_names(),
                        time_columns(&stats),
                        Opt::Through,
                        format_day(t),
                        format_day(range.map_or(t, |r| r.0)),
                    )));
                }
                if rows.len() < before {
                    rejected.dated_after_through = (before - rows.len()) as u64;
                    range = day_range(&rows);
                }
                t
            }
            None => last_day(plan, range)?,
        };
        let report_from = report_from(plan, range, through)?;
        let history_start = history_start(&rows, seeds.iter().map(|(_, h)| h));
        let earliest = history_start.map_or(report_from, |h| h.min(report_from));
        if through - earliest > MAX_SPAN_DAYS {
            // Name where the earliest date comes from.
            let source = match (&plan.snapshot, range) {
                (_, Some((first, _))) if first == earliest => {
                    format!("column {}", time_columns(&stats))
                }
                (Some(s), _) if Some(earliest) != plan.opts.report_from => {
                    format!("snapshot {} column first_active_date", s.name())
                }
                _ => Opt::ReportFrom.to_string(),
            };
            return Err(Error::Data(format!(
                "{} ({source}): dates span from {} to {}, more than 50 years: such dates are usually placeholders (1970-01-01, 9999-12-31); remove those rows or set {} / {}",
                plan.file_names(),
                format_day(earliest),
                format_day(through),
                Opt::Through,
                Opt::ReportFrom
            )));
        }
        // The users this admission seeds (a split run seeds its segments'
        // layers only).
        let snapshot_users = seed_of.iter().flatten().count() as u64;
        Ok(Admitted {
            rows,
            rank,
            ids,
            seeds: seed_of,
            admission: Admission {
                stats,
                days_seen,
                snapshot_users,
                rejected,
                range,
                report_from,
                through,
                earliest,
                history_start,
            },
            split,
        })
    }
}

/// Keeps the rows `keep` admits, and their segments in a split run.
fn retain(rows: &mut Vec<FactRow>, split: &mut Option<Split>, keep: impl Fn(&FactRow) -> bool) {
    match split {
        None => rows.retain(keep),
        Some(s) => {
            let mut i = 0;
            s.rows.retain(|_| {
                i += 1;
                keep(&rows[i - 1])
            });
            rows.retain(keep);
        }
    }
}

impl Admitted {
    /// The admission of one segment (SPEC section 11): its `rows` (users
    /// numbered by appearance in the whole run, renumbered here by
    /// appearance in the segment) and its snapshot histories (users by
    /// index into `ids`), with the run's dates; with
    /// `own_history`, the first day of history is the segment's own (a
    /// split's segment is the layer of its rows alone), else the run's.
    /// `scratch` is reused from one segment to the next. Also returns the
    /// segment's users: their indexes in `ids`, in order.
    pub fn segment(
        &self,
        mut rows: Vec<FactRow>,
        seeds: &[(UserIndex, UserHistory)],
        own_history: bool,
        scratch: &mut Vec<UserIndex>,
    ) -> (Admitted, Vec<UserIndex>) {
        let history_start = if own_history {
            history_start(&rows, seeds.iter().map(|(_, h)| h))
        } else {
            self.admission.history_start
        };
        // One pass over the rows numbers the segment's users by appearance
        // (`scratch` maps the run's users to them) as the run's rows are
        // numbered; their rank in output order is then found per user, not
        // per row: by a scan of the marks when the segment holds a good
        // share of the run's users, else by a sort.
        let n = self.ids.len();
        scratch.resize(n, UserIndex::MAX);
        let mut users: Vec<UserIndex> = Vec::new();
        let mut number = |u: UserIndex| {
            let s = &mut scratch[u as usize];
            if *s == UserIndex::MAX {
                *s = users.len() as UserIndex;
                users.push(u);
            }
            *s
        };
        for r in &mut rows {
            r.user = number(self.rank[r.user as usize]);
        }
        let seeded: Vec<UserIndex> = seeds.iter().map(|s| number(s.0)).collect();
        let k = users.len();
        let mut rank = vec![0; k];
        let in_order: Vec<UserIndex> = if k * (usize::BITS - k.leading_zeros()) as usize >= n {
            (0..n as UserIndex)
                .filter(|&u| scratch[u as usize] != UserIndex::MAX)
                .collect()
        } else {
            users.sort_unstable();
            users
        };
        for (position, &u) in in_order.iter().enumerate() {
            rank[scratch[u as usize] as usize] = position as UserIndex;
            scratch[u as usize] = UserIndex::MAX;
        }
        let ids = self.ids.subset(&in_order);
        let mut seed_of = vec![None; k];
        for (a, (_, h)) in seeded.into_iter().zip(seeds) {
            seed_of[rank[a as usize] as usize] = Some(*h);
        }
        let admission = Admission {
            snapshot_users: seeds.len() as u64,
            history_start,
            ..self.admission.clone()
        };
        let admitted = Admitted {
            rows,
            rank,
            ids,
            seeds: seed_of,
            admission,
            split: None,
        };
        (admitted, in_order)
    }
}

/// The first day of history of `rows` and snapshot histories.
fn history_start<'a>(
    rows: &[FactRow],
    seeds: impl Iterator<Item = &'a UserHistory>,
) -> Option<i32> {
    let first_row = day_range(rows).map(|r| r.0);
    first_row
        .into_iter()
        .chain(seeds.map(|h| h.first_active_date))
        .min()
}

/// The most kept rows one run holds: rows and days are indexed by `u32`.
const MAX_ROWS: usize = u32::MAX as usize;
/// The most users one run holds: the two highest indexes mark null and
/// unseen ids.
const MAX_USERS: usize = UserIndex::MAX as usize - 1;

/// Refuses a run beyond [`MAX_ROWS`] or [`MAX_USERS`] rather than let an
/// index wrap.
fn capacity(files: &str, rows: usize, users: usize) -> Result<(), Error> {
    if rows <= MAX_ROWS && users <= MAX_USERS {
        return Ok(());
    }
    Err(Error::Data(format!(
        "{files}: {rows} fact rows of {users} users, more than one run holds ({MAX_ROWS} rows, {MAX_USERS} users): run the facts in parts by time, each resuming from the previous part's snapshot ({})",
        Opt::Snapshot
    )))
}

/// The checks of what was read: some rows, few rejected, some kept.
fn check_counts(plan: &Plan, facts: &Facts) -> Result<(), Error> {
    let stats = &facts.stats;
    let files = plan.file_names();
    let resumes = plan.snapshot.is_some();
    if stats.rows_read == 0 && !resumes {
        return Err(Error::Data(format!(
            "{files}: no fact rows: the files hold a header but no data (give a snapshot and {} for a day without activity)",
            Opt::Through
        )));
    }
    let rejected = stats.rejected();
    let limit = plan.opts.max_rejected;
    if rejected > 0 && rejected as f64 > limit * stats.rows_read as f64 {
        return Err(Error::Data(format!(
            "{files}: {rejected} of {} rows ({:.2}%) were rejected (null user {}, null time {}, unreadable time {}), more than the allowed {}% ({}); for example: {}. {}",
            stats.rows_read,
            100.0 * rejected as f64 / stats.rows_read as f64,
            stats.null_user,
            stats.null_time,
            stats.unparseable_time,
            limit * 100.0,
            Opt::MaxRejected,
            stats.samples.join("; "),
            rejection_hint(stats)
        )));
    }
    if stats.rows_read > 0 && facts.rows.is_empty() && stats.filtered_out > 0 && !resumes {
        let opts = &plan.opts.facts;
        return Err(Error::Data(format!(
            "{files}: no row has a fact value among {:?} in column {:?}",
            opts.fact_values,
            opts.fact_column.as_deref().unwrap_or("")
        )));
    }
    Ok(())
}

/// Drops the rows already folded into the snapshot (with the skip-overlap
/// option; without it they are an error) and returns how many.
fn drop_overlap(
    plan: &Plan,
    rows: &mut Vec<FactRow>,
    split: &mut Option<Split>,
) -> Result<u64, Error> {
    let Some(a) = plan.as_of else { return Ok(0) };
    // One pass: count and date range of the rows already in the snapshot.
    let (count, lo, hi) = rows
        .iter()
        .filter(|r| r.day <= a)
        .fold((0usize, i32::MAX, i32::MIN), |(n, lo, hi), r| {
            (n + 1, lo.min(r.day), hi.max(r.day))
        });
    if count == 0 {
        return Ok(0);
    }
    if !plan.opts.skip_overlap {
        return Err(Error::Data(format!(
            "{}: {} fact rows are dated on or before the snapshot's as_of {} (from {} to {}): they are already folded into the snapshot. Pass only newer facts, or {} to skip and count them",
            plan.file_names(),
            count,
            format_day(a),
            format_day(lo),
            format_day(hi),
            Opt::SkipOverlap
        )));
    }
    retain(rows, split, |r| r.day > a);
    Ok(count as u64)
}

/// The last day of data when `through` is not given: the last used row's.
fn last_day(plan: &Plan, range: Option<(i32, i32)>) -> Result<i32, Error> {
    match range {
        Some((_, d)) => Ok(d),
        None if plan.snapshot.is_some() => Err(Error::Usage(format!(
            "no new fact rows after the snapshot's as_of: give {} (the last day the run covers) to record a day without activity",
            Opt::Through
        ))),
        None => Err(no_rows(plan)),
    }
}

/// The time columns read, quoted: `"ts"` or `"ts", "event_time"`.
fn time_columns(stats: &ReadStats) -> String {
    let mut names: Vec<String> = Vec::new();
    for (_, time) in &stats.columns {
        let quoted = format!("{time:?}");
        if !names.contains(&quoted) {
            names.push(quoted);
        }
    }
    names.join(", ")
}

fn no_rows(plan: &Plan) -> Error {
    Error::Data(format!("{}: no usable fact rows", plan.file_names()))
}

/// The first reported day, checked against as_of and `through`.
fn report_from(plan: &Plan, range: Option<(i32, i32)>, through: i32) -> Result<i32, Error> {
    if let Some(a) = plan.as_of {
        if through <= a {
            return Err(Error::Usage(format!(
                "{} {} must be after the snapshot's as_of {}",
                Opt::Through,
                format_day(through),
                format_day(a)
            )));
        }
    }
    let report_from = match (plan.opts.report_from, plan.as_of) {
        (Some(r), Some(a)) if r <= a => {
            return Err(Error::Usage(format!(
                "{} {} must be after the snapshot's as_of {}: earlier periods are summarised in the snapshot",
                Opt::ReportFrom,
                format_day(r),
                format_day(a)
            )))
        }
        (Some(r), _) => r,
        (None, Some(a)) => a + 1,
        (None, None) => range.ok_or_else(|| no_rows(plan))?.0,
    };
    if report_from > through {
        return Err(Error::Usage(format!(
            "{} {} is after {} {}: nothing to report",
            Opt::ReportFrom,
            format_day(report_from),
            Opt::Through,
            format_day(through)
        )));
    }
    Ok(report_from)
}

/// The earliest and latest day of the rows, in one pass of plain
/// comparisons (`Iterator::min`/`max` can leave an out-of-line comparison
/// call per row when the WebAssembly build optimises for size).
fn day_range(rows: &[FactRow]) -> Option<(i32, i32)> {
    let first = rows.first()?.day;
    let (mut lo, mut hi) = (first, first);
    for r in rows {
        if r.day < lo {
            lo = r.day;
        }
        if r.day > hi {
            hi = r.day;
        }
    }
    Some((lo, hi))
}

/// What to check when too many rows are rejected, naming the columns.
fn rejection_hint(stats: &ReadStats) -> String {
    let names = |pick: fn(&(String, String)) -> &String| {
        let mut v: Vec<String> = stats
            .columns
            .iter()
            .map(|c| format!("{:?}", pick(c)))
            .collect();
        v.dedup();
        v.join(" / ")
    };
    let mut hints = Vec::new();
    if stats.null_user > 0 {
        hints.push(format!(
            "the user column {} should hold a user id on every row (choose another with {})",
            names(|c| &c.0),
            Opt::UserColumn
        ));
    }
    if stats.null_time + stats.unparseable_time > 0 {
        hints.push(format!(
            "the time column {} should hold a date or time on every row: ISO 8601 dates or times (2024-01-31, 2024-01-31T13:45:00Z), or give {} (e.g. %d/%m/%Y) or {} for epoch numbers (or choose another column with {})",
            names(|c| &c.1),
            Opt::TimeFormat,
            Opt::TimeUnit,
            Opt::TimeColumn
        ));
    }
    format!("Expected: {}", hints.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_past_its_indexes_is_refused_not_wrapped() {
        assert!(capacity("f", MAX_ROWS, MAX_USERS).is_ok());
        let e = capacity("f", MAX_ROWS + 1, 10).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("f: 4294967296 fact rows of 10 users, more than one run holds"),
            "{e}"
        );
        assert!(e.to_string().contains("--snapshot"), "{e}");
        assert!(capacity("f", 10, MAX_USERS + 1).is_err());
    }
}
