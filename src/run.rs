//! One run: facts (and optionally a snapshot) in, every output of SPEC
//! section 4 out, in memory. Writing files is the caller's choice.

use crate::activity::ActiveDays;
use crate::distributions::Distributions;
use crate::error::Error;
use crate::firstlast::{
    calendars, fold, grain_index, FirstLast, PeriodList, SnapshotFile, SnapshotMeta, UserHistory,
    FORMAT_VERSION,
};
use crate::grain::{format_day, Calendar, Grain, Weekday};
use crate::ids::UserIds;
use crate::progress::{ignore, Progress, Report, READ_SHARE};
use crate::quality::{Quality, Rejected};
use crate::read::{read_facts, FactOptions, FactRow, InputFile};
use crate::states::{Rows, StateRows, Walk};
use crate::summary::{aggregate, Aggregates, CohortSizes};
use crate::time::Zone;

/// Longest span of dates a run accepts (SPEC section 8).
const MAX_SPAN_DAYS: i32 = 50 * 365 + 12;

/// Everything a run can be told (the CLI flags of SPEC section 9).
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// How to read the fact files (columns, time parsing, fact filter).
    /// Its `zone` is ignored: `timezone` below decides.
    pub facts: FactOptions,
    /// The grain of the states and aggregate tables.
    pub grain: Grain,
    /// Week start; default the snapshot's, else Monday.
    pub week_start: Option<Weekday>,
    /// Time zone; default the snapshot's, else UTC.
    pub timezone: Option<Zone>,
    /// The fact name used in output names.
    pub name: Option<String>,
    /// The snapshot's as-of day (required for a minimal snapshot).
    pub as_of: Option<i32>,
    /// Skip (and count) facts dated on or before `as_of` instead of failing.
    pub skip_overlap: bool,
    /// Last day of data; later rows are rejected. Default: the last activity date.
    pub through: Option<i32>,
    /// First reported day. Default: the first activity date, or `as_of + 1`.
    pub report_from: Option<i32>,
    /// Largest fraction of rejected rows before the run fails.
    pub max_rejected: f64,
    /// Which state rows to emit.
    pub rows: Rows,
}

impl RunOptions {
    /// Defaults for a grain.
    pub fn new(grain: Grain) -> Self {
        RunOptions {
            facts: FactOptions::default(),
            grain,
            week_start: None,
            timezone: None,
            name: None,
            as_of: None,
            skip_overlap: false,
            through: None,
            report_from: None,
            max_rejected: 0.01,
            rows: Rows::Changes,
        }
    }
}

/// The result of a run: every table of SPEC section 4, in memory.
#[derive(Clone, Debug)]
pub struct Activation {
    /// The fact name.
    pub fact: String,
    /// The run's calendar (grain and week start).
    pub calendar: Calendar,
    /// First reported period.
    pub first_period: i32,
    /// Last reported period.
    pub last_period: i32,
    /// The states table, ordered by period then user.
    pub states: StateRows,
    /// Summary, transitions and cohorts.
    pub aggregates: Aggregates,
    /// The new FirstLast snapshot (its ids also index `states.user`).
    pub snapshot: FirstLast,
    /// The quality report.
    pub quality: Quality,
    /// Streak, gap and churn-duration distributions.
    pub distributions: Distributions,
}

impl Activation {
    /// The user ids.
    pub fn ids(&self) -> &UserIds {
        &self.snapshot.ids
    }

    /// The base name of an output table: `{fact}_activation_{g}` plus `suffix`.
    pub fn table_name(&self, suffix: &str) -> String {
        format!(
            "{}_activation_{}{}",
            self.fact,
            self.calendar.grain().adjective(),
            suffix
        )
    }
}

fn fact_name(
    opts: &RunOptions,
    snapshot: Option<&SnapshotMeta>,
    files: &[InputFile],
) -> Result<String, Error> {
    let snap = snapshot.map(|m| m.fact.as_str()).filter(|f| !f.is_empty());
    let name = match (&opts.name, snap) {
        (Some(n), Some(s)) if n != s => {
            return Err(Error::Usage(format!(
                "the name {n:?} differs from the snapshot's fact {s:?}: a snapshot belongs to one fact; drop --name or use that fact's snapshot"
            )))
        }
        (Some(n), _) => n.clone(),
        (None, Some(s)) => s.to_string(),
        (None, None) if !opts.facts.fact_values.is_empty() => opts.facts.fact_values.join("_"),
        (None, None) if files.len() == 1 => files[0].stem(),
        (None, None) => {
            return Err(Error::Usage(
                "several fact files and no fact name: give one with --name (it names the output tables)".into(),
            ))
        }
    };
    let clean = name.trim();
    if clean.is_empty() || clean.contains(['/', '\\']) || clean.contains("..") {
        return Err(Error::invalid_option(
            "name",
            &name,
            "a non-empty name without path separators",
        ));
    }
    Ok(clean.to_string())
}

/// Computes every output of a run.
pub fn run(
    files: &[InputFile],
    snapshot: Option<&InputFile>,
    opts: &RunOptions,
) -> Result<Activation, Error> {
    run_with_progress(files, snapshot, opts, &mut ignore)
}

/// [`run`], reporting progress to a callback.
pub fn run_with_progress(
    files: &[InputFile],
    snapshot: Option<&InputFile>,
    opts: &RunOptions,
    progress: Report,
) -> Result<Activation, Error> {
    if !(0.0..=1.0).contains(&opts.max_rejected) {
        return Err(Error::invalid_option(
            "max_rejected",
            &opts.max_rejected.to_string(),
            "a fraction between 0 and 1",
        ));
    }
    if files.is_empty() && snapshot.is_none() {
        return Err(Error::Usage(
            "no fact files: give at least one Parquet or CSV file".into(),
        ));
    }
    let snap = snapshot.map(SnapshotFile::open).transpose()?;
    let meta = snap.as_ref().and_then(|s| s.meta.clone());

    let zone = match (opts.timezone, &meta) {
        (Some(z), Some(m)) if z != m.timezone => {
            return Err(Error::Usage(format!(
                "the snapshot {} was computed in time zone {}, but this run uses {}: local dates would not line up; run with --timezone {} or rebuild the snapshot",
                snap.as_ref().map_or("", |s| s.name()),
                m.timezone,
                z,
                m.timezone
            )))
        }
        (Some(z), _) => z,
        (None, Some(m)) => m.timezone,
        (None, None) => Zone::default(),
    };
    let week_start = match (opts.week_start, &meta) {
        (Some(w), Some(m)) if w != m.week_start && opts.grain == Grain::Week => {
            return Err(Error::Usage(format!(
                "the snapshot {} has weeks starting on {}, but this weekly run starts them on {}: run with --week-start {} or rebuild the snapshot",
                snap.as_ref().map_or("", |s| s.name()),
                m.week_start,
                w,
                m.week_start
            )))
        }
        (Some(w), _) => w,
        (None, Some(m)) => m.week_start,
        (None, None) => Weekday::Monday,
    };
    // The snapshot's weekly columns keep the snapshot's own week start.
    let snapshot_week_start = meta.as_ref().map_or(week_start, |m| m.week_start);
    let cals = calendars(snapshot_week_start);
    let cal = Calendar::new(opts.grain, week_start);

    let as_of = match (&snap, &meta, opts.as_of) {
        (None, _, Some(_)) => return Err(Error::Usage("--as-of only applies with a snapshot (--snapshot FILE)".into())),
        (None, _, None) => None,
        (Some(_), Some(m), Some(a)) if a != m.as_of => {
            return Err(Error::Usage(format!(
                "--as-of {} differs from the snapshot's as_of {}",
                format_day(a),
                format_day(m.as_of)
            )))
        }
        (Some(_), Some(m), _) => Some(m.as_of),
        (Some(s), None, None) => {
            return Err(Error::Usage(format!(
                "{} is a minimal snapshot (no as_of in its metadata): give --as-of, the last day its dates cover",
                s.name()
            )))
        }
        (Some(s), None, Some(a)) => {
            if cal.end(cal.period_of(a)) != a {
                return Err(Error::Usage(format!(
                    "--as-of {} must be the last day of a {} period to resume from the minimal snapshot {} (the period ends {})",
                    format_day(a),
                    opts.grain,
                    s.name(),
                    format_day(cal.end(cal.period_of(a)))
                )));
            }
            Some(a)
        }
    };
    let fact = fact_name(opts, meta.as_ref(), files)?;

    let mut fact_opts = opts.facts.clone();
    fact_opts.zone = zone;
    let facts = read_facts(files, &fact_opts, &mut *progress)?;
    let stats = facts.stats.clone();
    let file_names = files
        .iter()
        .map(|f| f.name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    if stats.rows_read == 0 && snap.is_none() {
        return Err(Error::Data(format!(
            "{file_names}: no fact rows: the files hold a header but no data (give a snapshot and --through for a day without activity)"
        )));
    }
    let rejected = stats.rejected();
    if rejected > 0 && rejected as f64 > opts.max_rejected * stats.rows_read as f64 {
        return Err(Error::Data(format!(
            "{file_names}: {rejected} of {} rows ({:.2}%) were rejected (null user {}, null time {}, unreadable time {}), more than the allowed {}% (--max-rejected); for example: {}. {}",
            stats.rows_read,
            100.0 * rejected as f64 / stats.rows_read as f64,
            stats.null_user,
            stats.null_time,
            stats.unparseable_time,
            opts.max_rejected * 100.0,
            stats.samples.join("; "),
            rejection_hint(&stats)
        )));
    }
    if stats.rows_read > 0 && facts.rows.is_empty() && stats.filtered_out > 0 && snap.is_none() {
        return Err(Error::Data(format!(
            "{file_names}: no row has a fact value among {:?} in column {:?}",
            opts.facts.fact_values,
            opts.facts.fact_column.as_deref().unwrap_or("")
        )));
    }

    let mut users = facts.users;
    let seeds: Vec<(u32, UserHistory)> = match &snap {
        Some(s) => s.histories(
            &mut users,
            zone,
            &cals,
            as_of.expect("as_of is set with a snapshot"),
        )?,
        None => Vec::new(),
    };
    let ids = users.finish();
    let mut seed_of: Vec<Option<UserHistory>> = vec![None; ids.len()];
    for (u, h) in &seeds {
        seed_of[*u as usize] = Some(*h);
    }

    // Split the kept rows: dated on or before as_of, after through, used.
    let mut rows: Vec<FactRow> = facts.rows;
    let mut rejected_rows = Rejected {
        null_user: stats.null_user,
        null_time: stats.null_time,
        unparseable_time: stats.unparseable_time,
        ..Rejected::default()
    };
    if let Some(a) = as_of {
        // One pass: count and date range of the rows already in the snapshot.
        let (count, lo, hi) = rows
            .iter()
            .filter(|r| r.day <= a)
            .fold((0usize, i32::MAX, i32::MIN), |(n, lo, hi), r| {
                (n + 1, lo.min(r.day), hi.max(r.day))
            });
        if count > 0 {
            if !opts.skip_overlap {
                return Err(Error::Data(format!(
                    "{file_names}: {} fact rows are dated on or before the snapshot's as_of {} (from {} to {}): they are already folded into the snapshot. Pass only newer facts, or --skip-overlap to skip and count them",
                    count,
                    format_day(a),
                    format_day(lo),
                    format_day(hi)
                )));
            }
            rejected_rows.dated_on_or_before_as_of = count as u64;
            rows.retain(|r| r.day > a);
        }
    }
    let mut range = day_range(&rows);
    let through = match opts.through {
        Some(t) => {
            let before = rows.len();
            rows.retain(|r| r.day <= t);
            if rows.len() < before {
                rejected_rows.dated_after_through = (before - rows.len()) as u64;
                range = day_range(&rows);
            }
            t
        }
        None => match range {
            Some((_, d)) => d,
            None if snap.is_some() => {
                return Err(Error::Usage(
                    "no new fact rows after the snapshot's as_of: give --through (the last day the run covers) to record a day without activity".into(),
                ))
            }
            None => return Err(Error::Data(format!("{file_names}: no usable fact rows"))),
        },
    };
    rejected_rows.total = rejected_rows.null_user
        + rejected_rows.null_time
        + rejected_rows.unparseable_time
        + rejected_rows.dated_on_or_before_as_of
        + rejected_rows.dated_after_through;
    if let Some(a) = as_of {
        if through <= a {
            return Err(Error::Usage(format!(
                "--through {} must be after the snapshot's as_of {}",
                format_day(through),
                format_day(a)
            )));
        }
    }
    let (min_day, max_day) = range.unzip();
    let report_from = match (opts.report_from, as_of) {
        (Some(r), Some(a)) if r <= a => {
            return Err(Error::Usage(format!(
                "--report-from {} must be after the snapshot's as_of {}: earlier periods are summarised in the snapshot",
                format_day(r),
                format_day(a)
            )))
        }
        (Some(r), _) => r,
        (None, Some(a)) => a + 1,
        (None, None) => min_day.ok_or_else(|| Error::Data(format!("{file_names}: no usable fact rows")))?,
    };
    if report_from > through {
        return Err(Error::Usage(format!(
            "--report-from {} is after --through {}: nothing to report",
            format_day(report_from),
            format_day(through)
        )));
    }
    let earliest = [
        min_day,
        seeds.iter().map(|(_, h)| h.first_active_date).min(),
        Some(report_from),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(report_from);
    if through - earliest > MAX_SPAN_DAYS {
        return Err(Error::Data(format!(
            "{file_names}: dates span from {} to {}, more than 50 years: such dates are usually placeholders (1970-01-01, 9999-12-31); remove those rows or set --through / --report-from",
            format_day(earliest),
            format_day(through)
        )));
    }

    progress(&Progress {
        phase: "compute",
        file: files.len(),
        files: files.len(),
        rows: stats.rows_read,
        fraction: READ_SHARE,
    });
    let used = rows.len() as u64;
    let days = ActiveDays::build(rows, ids.len());
    let (first_period, last_period) = (cal.period_of(report_from), cal.period_of(through));
    let run_g = grain_index(opts.grain);
    let walk = Walk {
        first: first_period,
        last: last_period,
        rows: opts.rows,
    };
    let mut states = StateRows::new(first_period, last_period, ids.len());
    let mut distributions = Distributions::default();
    let mut cohorts = CohortSizes::new(cal.period_of(earliest), last_period);
    let mut lists: [PeriodList; 3] = Default::default();
    let mut histories: Vec<Option<UserHistory>> = vec![None; ids.len()];
    let snapshot_name = snap.as_ref().map_or("", |s| s.name()).to_string();
    for user in ids.sorted_order() {
        let seed = seed_of[user as usize].as_ref();
        let new_days = days.of(user);
        for (g, list) in lists.iter_mut().enumerate() {
            // A weekly run may use another week start than the snapshot's
            // weekly columns only when it is not weekly, so the run's list
            // is always one of the snapshot calendars' lists.
            list.build(&cals[g], seed, new_days).map_err(|m| {
                Error::Data(format!(
                    "{snapshot_name}: snapshot row of user {}: {m}",
                    ids.display(user)
                ))
            })?;
        }
        let list = &lists[run_g];
        walk.user(user, list, &mut states, &mut distributions);
        if let Some(f) = list.first() {
            cohorts.add(f);
        }
        histories[user as usize] = fold(seed, new_days, &cals, &lists);
    }
    // Users whose every row was rejected (after through, before as_of) have
    // no history: they leave the outputs.
    let (ids, histories) = if histories.iter().all(Option::is_some) {
        (ids, histories.into_iter().flatten().collect())
    } else {
        let keep: Vec<bool> = histories.iter().map(Option::is_some).collect();
        let (kept, new_index) = ids.retain(&keep);
        states.renumber_users(&new_index, kept.len());
        (kept, histories.into_iter().flatten().collect())
    };
    let aggregates = aggregate(&states, &cohorts, &cal, through);

    let snapshot_exact = meta
        .as_ref()
        .map(|m| m.exact)
        .or(snap.as_ref().map(|_| false));
    let exact = snapshot_exact.unwrap_or(true);
    let quality = quality_report(QualityInputs {
        fact: &fact,
        cal: &cal,
        zone,
        files,
        snapshot,
        as_of,
        report_from,
        through,
        stats: &stats,
        rejected: rejected_rows,
        used,
        days: &days,
        seeds: seeds.len() as u64,
        total_users: ids.len() as u64,
        min_day,
        max_day,
        snapshot_exact,
        exact,
        days_seen: &facts.days_seen,
        last_complete: aggregates.summary.last().is_some_and(|s| s.complete),
    });
    progress(&Progress {
        phase: "done",
        file: files.len(),
        files: files.len(),
        rows: stats.rows_read,
        fraction: 1.0,
    });
    Ok(Activation {
        fact: fact.clone(),
        calendar: cal,
        first_period,
        last_period,
        states,
        aggregates,
        snapshot: FirstLast {
            meta: SnapshotMeta {
                as_of: through,
                week_start: snapshot_week_start,
                timezone: zone,
                fact,
                format_version: FORMAT_VERSION,
                exact,
            },
            ids,
            users: histories,
        },
        quality,
        distributions,
    })
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
fn rejection_hint(stats: &crate::read::ReadStats) -> String {
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
            "the user column {} should hold a user id on every row (choose another with --user-col)",
            names(|c| &c.0)
        ));
    }
    if stats.null_time + stats.unparseable_time > 0 {
        hints.push(format!(
            "the time column {} should hold a date or time on every row: ISO 8601 dates or times (2024-01-31, 2024-01-31T13:45:00Z), or give --time-format (e.g. %d/%m/%Y) or --time-unit for epoch numbers (or choose another column with --time-col)",
            names(|c| &c.1)
        ));
    }
    format!("Expected: {}", hints.join("; "))
}

struct QualityInputs<'a> {
    fact: &'a str,
    cal: &'a Calendar,
    zone: Zone,
    files: &'a [InputFile],
    snapshot: Option<&'a InputFile>,
    as_of: Option<i32>,
    report_from: i32,
    through: i32,
    stats: &'a crate::read::ReadStats,
    rejected: Rejected,
    used: u64,
    days: &'a ActiveDays,
    seeds: u64,
    total_users: u64,
    min_day: Option<i32>,
    max_day: Option<i32>,
    snapshot_exact: Option<bool>,
    exact: bool,
    days_seen: &'a crate::read::DaySet,
    last_complete: bool,
}

fn quality_report(q: QualityInputs) -> Quality {
    let empty_days: Vec<String> = (q.report_from..=q.through)
        .filter(|d| !q.days_seen.contains(*d))
        .map(format_day)
        .collect();
    let mut warnings = Vec::new();
    if !empty_days.is_empty() {
        let shown: Vec<&str> = empty_days.iter().take(10).map(String::as_str).collect();
        warnings.push(format!(
            "{} day(s) between {} and {} have no fact rows at all ({}{}): a missing day of data looks like churn; check that no export is missing",
            empty_days.len(),
            format_day(q.report_from),
            format_day(q.through),
            shown.join(", "),
            if empty_days.len() > shown.len() { ", ..." } else { "" }
        ));
    }
    if q.snapshot.is_none() {
        warnings.push(format!(
            "no snapshot: users active in the first {} of the data ({}) count as new there, since nothing earlier is known",
            q.cal.grain(),
            q.min_day.map(format_day).unwrap_or_default()
        ));
    }
    if q.snapshot_exact == Some(false) {
        warnings.push(
            "the snapshot descends from a minimal snapshot: streak and active_periods are lower bounds, and previous_state / transitions out of its as_of period follow the shortest consistent history".into(),
        );
    }
    let r = &q.rejected;
    if r.total > 0 {
        warnings.push(format!(
            "{} row(s) rejected: null user {}, null time {}, unreadable time {}, dated on or before as_of {}, dated after through {}",
            r.total, r.null_user, r.null_time, r.unparseable_time, r.dated_on_or_before_as_of, r.dated_after_through
        ));
    }
    if q.days.duplicates() > 0 {
        warnings.push(format!(
            "{} duplicate row(s) (same user and timestamp) were kept",
            q.days.duplicates()
        ));
    }
    if !q.last_complete {
        warnings.push(format!(
            "the last {} is incomplete (data through {}): its numbers will change when later facts arrive",
            q.cal.grain(),
            format_day(q.through)
        ));
    }
    let distinct_users = q.days.users_with_activity() as u64;
    Quality {
        fact: q.fact.to_string(),
        grain: q.cal.grain().to_string(),
        timezone: q.zone.name(),
        week_start: q.cal.week_start().to_string(),
        files: q.files.iter().map(|f| f.name.clone()).collect(),
        snapshot: q.snapshot.map(|f| f.name.clone()),
        as_of: q.as_of.map(format_day),
        report_from: format_day(q.report_from),
        through: format_day(q.through),
        rows_read: q.stats.rows_read,
        rows_used: q.used,
        rows_rejected: q.rejected,
        rows_filtered_out: q.stats.filtered_out,
        duplicate_rows: q.days.duplicates(),
        distinct_users,
        new_users: q.total_users - q.seeds,
        snapshot_users: q.seeds,
        total_users: q.total_users,
        min_local_date: q.min_day.map(format_day),
        max_local_date: q.max_day.map(format_day),
        snapshot_exact: q.snapshot_exact,
        exact: q.exact,
        empty_days,
        warnings,
    }
}
