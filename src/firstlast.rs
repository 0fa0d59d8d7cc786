//! The FirstLast snapshot (SPEC section 5): first and last activity per
//! user, plus for each grain what is needed to resume the state machine.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Date64Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;

use crate::arrays::{for_each_str, integers, is_text};
use crate::dictionary::SEGMENT;
use crate::error::Error;
use crate::grain::{
    format_day, in_calendar, parse_day, Calendar, Grain, Weekday, FIRST_DAY, LAST_DAY,
};
use crate::ids::{Interner, UserIds, UserIndex};
use crate::read::{Format, InputFile, Table};
use crate::segment::SegmentInterner;
use crate::time::{LocalDates, Zone};

/// The snapshot format this build writes (and the newest it reads).
/// Format 2 added `weekly_active_days` and `monthly_active_days` (SPEC
/// section 12); format 1 snapshots are read with the shortest history
/// consistent with their dates there, and are not exact.
pub const FORMAT_VERSION: u32 = 2;

/// The first format whose snapshots record active days per period.
const ACTIVE_DAYS_SINCE: u32 = 2;

/// One user's history in one grain, as of the snapshot's `as_of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrainHistory {
    /// Latest active date before the period holding the last active date.
    pub previous_active_date: Option<i32>,
    /// Consecutive active periods ending at the period of the last active date.
    pub streak: u32,
    /// Active periods through the period of the last active date.
    pub active_periods: u32,
    /// Distinct active days in the period of the last active date (always 1
    /// for days; the open period's depth starts from it, SPEC section 12).
    pub active_days: u32,
}

/// One user's row of the snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserHistory {
    /// Local date of the first activity.
    pub first_active_date: i32,
    /// Local date of the latest activity.
    pub last_active_date: i32,
    /// Per grain, in the order of [`Grain::ALL`].
    pub grains: [GrainHistory; 3],
}

/// Snapshot metadata, stored as Parquet key-value metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotMeta {
    /// The day through which all facts are folded in.
    pub as_of: i32,
    /// The week start of the weekly columns.
    pub week_start: Weekday,
    /// The zone of every date.
    pub timezone: Zone,
    /// The fact name.
    pub fact: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// False once any value descends from a minimal snapshot.
    pub exact: bool,
    /// A split run's segment column (SPEC section 11): its snapshot has one
    /// row per segment and user, the segment first.
    pub segment_column: Option<String>,
}

/// A whole snapshot: metadata, user ids, and one history per user.
#[derive(Clone, Debug, PartialEq)]
pub struct FirstLast {
    /// Metadata.
    pub meta: SnapshotMeta,
    /// User ids, indexed like `users`.
    pub ids: UserIds,
    /// One history per user.
    pub users: Vec<UserHistory>,
}

/// The three calendars of a snapshot, in the order of [`Grain::ALL`].
pub fn calendars(week_start: Weekday) -> [Calendar; 3] {
    Grain::ALL.map(|g| Calendar::new(g, week_start))
}

/// The index of a grain in [`Grain::ALL`].
pub fn grain_index(g: Grain) -> usize {
    Grain::ALL
        .iter()
        .position(|x| *x == g)
        .expect("every grain is listed")
}

/// A user's active periods in one grain as far as they are known: every
/// period that matters for states from now on is listed; older active
/// periods that a snapshot only counts are `unlisted`.
#[derive(Clone, Debug, Default)]
pub struct PeriodList {
    /// Sorted distinct active periods; the first is the user's first period.
    pub periods: Vec<i32>,
    /// Active periods known only by count (all before the listed streak).
    pub unlisted: u32,
}

impl PeriodList {
    /// Builds the list from a snapshot row (if any) and new active days
    /// (sorted, distinct, all after the snapshot's last active date).
    ///
    /// From a snapshot row the list holds the first period, the previous
    /// active period and the streak ending at the last active period: enough
    /// for every state, gap and streak after it (SPEC section 5).
    pub fn build(
        &mut self,
        cal: &Calendar,
        seed: Option<&UserHistory>,
        new_days: &[i32],
    ) -> Result<(), String> {
        self.periods.clear();
        self.unlisted = 0;
        if let Some(s) = seed {
            let h = &s.grains[grain_index(cal.grain())];
            let first = cal.period_of(s.first_active_date);
            let last = cal.period_of(s.last_active_date);
            // In i64: a streak or count from a file can be any u32.
            let run_start = i64::from(last) - i64::from(h.streak) + 1;
            if h.streak == 0 || run_start < i64::from(first) {
                return Err(format!(
                    "{}_streak {} does not fit between first and last active dates",
                    cal.grain().adjective(),
                    h.streak
                ));
            }
            let prev = h.previous_active_date.map(|d| cal.period_of(d));
            if let Some(p) = prev {
                let expected_ok = if h.streak >= 2 {
                    p == last - 1
                } else {
                    p < last - 1
                };
                if !expected_ok || p < first {
                    return Err(format!(
                        "{}_previous_active_date does not agree with {}_streak {}",
                        cal.grain().adjective(),
                        cal.grain().adjective(),
                        h.streak
                    ));
                }
            }
            let run_start = run_start as i32;
            if first == run_start - 1 {
                return Err(format!(
                    "{}_streak {} is shorter than the active periods show",
                    cal.grain().adjective(),
                    h.streak
                ));
            }
            if first < run_start {
                self.periods.push(first);
            }
            if let Some(p) = prev.filter(|p| *p < run_start && *p > first) {
                self.periods.push(p);
            }
            self.periods.extend(run_start..=last);
            let listed = self.periods.len() as u32;
            if h.active_periods < listed {
                return Err(format!(
                    "{}_active_periods {} is less than the {} active periods the other columns show",
                    cal.grain().adjective(),
                    h.active_periods,
                    listed
                ));
            }
            let spanned = last - first + 1;
            if i64::from(h.active_periods) > i64::from(spanned) {
                return Err(format!(
                    "{}_active_periods {} is more than the {} periods from the first to the last active date",
                    cal.grain().adjective(),
                    h.active_periods,
                    spanned
                ));
            }
            self.unlisted = h.active_periods - listed;
            // The last active date is one of the period's active days, and
            // so is the first when it falls in the same period.
            let from = cal.start(last).max(s.first_active_date);
            let least = 1 + u32::from(first == last && s.first_active_date != s.last_active_date);
            if h.active_days < least
                || i64::from(h.active_days) > i64::from(s.last_active_date - from) + 1
            {
                return Err(format!(
                    "{}_active_days {} does not fit the days from {} to last_active_date {}",
                    cal.grain().adjective(),
                    h.active_days,
                    format_day(from),
                    format_day(s.last_active_date)
                ));
            }
        }
        // The days are sorted: a day before the next period's start is in
        // the last listed period, so the calendar is asked once per period.
        let mut next_start = i32::MIN;
        for &d in new_days {
            if d < next_start {
                continue;
            }
            let p;
            (p, next_start) = cal.period_span(d);
            if self.periods.last().is_none_or(|l| *l < p) {
                self.periods.push(p);
            }
        }
        Ok(())
    }

    /// The user's first active period.
    pub fn first(&self) -> Option<i32> {
        self.periods.first().copied()
    }

    /// Consecutive active periods ending at the last one.
    pub fn final_streak(&self) -> u32 {
        let p = &self.periods;
        let mut n = 0;
        while n < p.len() && p[p.len() - 1 - n] == p[p.len() - 1] - n as i32 {
            n += 1;
        }
        n as u32
    }

    /// Active periods in all.
    pub fn active_periods(&self) -> u32 {
        self.unlisted + self.periods.len() as u32
    }
}

/// The snapshot row of a user after folding in `new_days` (sorted, distinct,
/// after the seed's last active date), given the period lists of each grain.
pub fn fold(
    seed: Option<&UserHistory>,
    new_days: &[i32],
    cals: &[Calendar; 3],
    lists: &[PeriodList; 3],
) -> Option<UserHistory> {
    let (Some(&last), Some(&first_new)) = (new_days.last(), new_days.first()) else {
        return seed.copied();
    };
    let first_active_date = seed.map_or(first_new, |s| s.first_active_date);
    let grains = std::array::from_fn(|g| {
        let cal = &cals[g];
        // A day is in an earlier period than the last one exactly when it
        // is before that period's start: one calendar look-up per grain.
        let last_start = cal.start(cal.period_of(last));
        let previous_active_date = new_days
            .iter()
            .rev()
            .find(|d| **d < last_start)
            .copied()
            .or_else(|| {
                let s = seed?;
                if s.last_active_date < last_start {
                    Some(s.last_active_date)
                } else {
                    s.grains[g].previous_active_date
                }
            });
        let in_last = new_days.len() - new_days.partition_point(|d| *d < last_start);
        let carried = seed
            .filter(|s| s.last_active_date >= last_start)
            .map_or(0, |s| s.grains[g].active_days);
        GrainHistory {
            previous_active_date,
            streak: lists[g].final_streak(),
            active_periods: lists[g].active_periods(),
            active_days: in_last as u32 + carried,
        }
    });
    Some(UserHistory {
        first_active_date,
        last_active_date: last,
        grains,
    })
}

/// Metadata keys of the snapshot file.
pub mod keys {
    /// The day through which all facts are folded in.
    pub const AS_OF: &str = "as_of";
    /// The week start of the weekly columns.
    pub const WEEK_START: &str = "week_start";
    /// The zone of every date.
    pub const TIMEZONE: &str = "timezone";
    /// The fact name.
    pub const FACT: &str = "fact";
    /// The format version.
    pub const FORMAT_VERSION: &str = "format_version";
    /// Whether every value is exact.
    pub const EXACT: &str = "exact";
    /// A split snapshot's segment column.
    pub const SEGMENT_COLUMN: &str = "segment_column";
}

impl SnapshotMeta {
    /// Whether every value a run reads from the snapshot is exact: not when
    /// it descends from a minimal snapshot, nor when it is of format 1,
    /// which does not record active days per period.
    pub fn values_exact(&self) -> bool {
        self.exact && self.format_version >= ACTIVE_DAYS_SINCE
    }

    /// The key-value metadata written to the Parquet file.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        vec![
            (keys::AS_OF.into(), format_day(self.as_of)),
            (keys::WEEK_START.into(), self.week_start.to_string()),
            (keys::TIMEZONE.into(), self.timezone.name()),
            (keys::FACT.into(), self.fact.clone()),
            (keys::FORMAT_VERSION.into(), self.format_version.to_string()),
            (keys::EXACT.into(), self.exact.to_string()),
        ]
        .into_iter()
        .chain(
            self.segment_column
                .iter()
                .map(|c| (keys::SEGMENT_COLUMN.into(), c.clone())),
        )
        .collect()
    }

    /// Reads the metadata of a snapshot file; `None` for a minimal snapshot
    /// (no `as_of` key).
    fn from_table(t: &Table) -> Result<Option<SnapshotMeta>, Error> {
        let Some(as_of) = t.meta(keys::AS_OF) else {
            return Ok(None);
        };
        let bad = |key: &str, expected: &str| {
            Error::corrupt(
                &t.file,
                format!("snapshot metadata {key:?} is missing or invalid: expected {expected}"),
            )
        };
        let get = |key: &str| t.meta(key).map(str::to_string);
        let format_version: u32 = get(keys::FORMAT_VERSION)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(keys::FORMAT_VERSION, "an integer"))?;
        if format_version > FORMAT_VERSION {
            return Err(Error::corrupt(
                &t.file,
                format!("snapshot format_version {format_version} was written by a newer activation-layer (this one reads up to {FORMAT_VERSION})"),
            ));
        }
        Ok(Some(SnapshotMeta {
            as_of: parse_day(keys::AS_OF, as_of)
                .map_err(|_| bad(keys::AS_OF, "a date YYYY-MM-DD"))?,
            week_start: get(keys::WEEK_START)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad(keys::WEEK_START, "a weekday name"))?,
            timezone: get(keys::TIMEZONE)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad(keys::TIMEZONE, "a time zone"))?,
            fact: get(keys::FACT).unwrap_or_default(),
            format_version,
            exact: match get(keys::EXACT).as_deref() {
                Some("true") => true,
                Some("false") => false,
                _ => return Err(bad(keys::EXACT, "true or false")),
            },
            segment_column: get(keys::SEGMENT_COLUMN),
        }))
    }
}

/// The snapshot column names of one grain.
pub fn grain_columns(g: Grain) -> [String; 3] {
    let a = g.adjective();
    [
        format!("{a}_previous_active_date"),
        format!("{a}_streak"),
        format!("{a}_active_periods"),
    ]
}

/// The snapshot column of a grain's active days in the period of the last
/// active date (format 2); none for days, where it is always 1.
pub fn active_days_column(g: Grain) -> Option<String> {
    (g != Grain::Day).then(|| format!("{}_active_days", g.adjective()))
}

/// A snapshot file opened for a run.
pub struct SnapshotFile {
    table: Table,
    /// Its metadata; `None` for a minimal snapshot.
    pub meta: Option<SnapshotMeta>,
}

impl SnapshotFile {
    /// Reads a full (Parquet) or minimal (Parquet or CSV) snapshot.
    pub fn open(file: &InputFile) -> Result<Self, Error> {
        let table = Table::read(file)?;
        let meta = SnapshotMeta::from_table(&table)?;
        let mut required = vec![
            "user_id".to_string(),
            "first_active_date".into(),
            "last_active_date".into(),
        ];
        if let Some(m) = &meta {
            required.extend(Grain::ALL.iter().flat_map(|g| grain_columns(*g)));
            if m.format_version >= ACTIVE_DAYS_SINCE {
                required.extend(Grain::ALL.iter().filter_map(|g| active_days_column(*g)));
            }
            if m.segment_column.is_some() {
                required.push(SEGMENT.name.to_string());
            }
        }
        let names = table.names();
        for r in &required {
            if table.column(r).is_none() {
                return Err(Error::MissingColumn {
                    file: table.file.clone(),
                    role: "snapshot".into(),
                    wanted: Some(r.clone()),
                    expected: if meta.is_some() {
                        "the columns of a FirstLast snapshot written by activation-layer".into()
                    } else {
                        "a minimal snapshot with user_id, first_active_date and last_active_date"
                            .into()
                    },
                    available: names,
                });
            }
        }
        Ok(SnapshotFile { table, meta })
    }

    /// The file name.
    pub fn name(&self) -> &str {
        &self.table.file
    }

    /// The segment of each row of a split snapshot, interned with the
    /// facts' segments.
    pub fn segments(&self, values: &mut SegmentInterner) -> Result<Vec<u32>, Error> {
        let t = &self.table;
        let column = t.column(SEGMENT.name).ok_or_else(|| {
            Error::Usage(format!(
                "{}: this run splits by a segment column, but the snapshot has no segment column: it was written by a run without one",
                t.file
            ))
        })?;
        let mut out = Vec::new();
        values.column(&t.file, SEGMENT.name, column, &mut out)?;
        Ok(out)
    }

    /// Interns the snapshot's users and reads their histories. A minimal
    /// snapshot gets the shortest history consistent with its three dates
    /// (SPEC section 5); `as_of` is the run's.
    pub fn histories(
        &self,
        ids: &mut Interner,
        zone: Zone,
        cals: &[Calendar; 3],
        as_of: i32,
        segments: Option<&[u32]>,
    ) -> Result<Vec<(UserIndex, UserHistory)>, Error> {
        let t = &self.table;
        let file = &t.file;
        let col = |n: &str| t.column(n).expect("checked on open");
        let users = intern(t, col("user_id"), ids)?;
        let first = dates(file, "first_active_date", col("first_active_date"), zone)?;
        let last = dates(file, "last_active_date", col("last_active_date"), zone)?;
        // A full snapshot's history columns; a minimal one has none.
        let mut columns = Vec::new();
        if let Some(m) = &self.meta {
            for g in Grain::ALL {
                let [p, s, a] = grain_columns(g);
                let days = active_days_column(g).filter(|_| m.format_version >= ACTIVE_DAYS_SINCE);
                columns.push(GrainColumns {
                    previous: dates(file, &p, col(&p), zone)?,
                    streak: counts(file, &s, col(&s))?,
                    active_periods: counts(file, &a, col(&a))?,
                    active_days: days.map(|d| counts(file, &d, col(&d))).transpose()?,
                });
            }
        }
        let mut out = Vec::with_capacity(users.len());
        let mut seen = vec![false; ids.len()];
        // A split snapshot holds a user once per segment.
        let mut seen_in: std::collections::HashSet<(u32, UserIndex)> = Default::default();
        for i in 0..users.len() {
            let row_err = |what: String| {
                Error::Data(format!(
                    "{file}: snapshot row {} (user {}): {what}",
                    i + 1,
                    users_display(t, i)
                ))
            };
            let user = users[i].ok_or_else(|| row_err("the user_id is null".into()))?;
            let twice = match segments {
                Some(s) => !seen_in.insert((s[i], user)),
                None => {
                    if seen.len() <= user as usize {
                        seen.resize(user as usize + 1, false);
                    }
                    std::mem::replace(&mut seen[user as usize], true)
                }
            };
            if twice {
                return Err(row_err(if segments.is_some() {
                    "the user appears twice in one segment; a split snapshot holds one row per segment and user".into()
                } else {
                    "the user appears twice; a snapshot holds one row per user".into()
                }));
            }
            let (Some(f), Some(l)) = (first[i], last[i]) else {
                return Err(row_err(
                    "first_active_date and last_active_date must not be null".into(),
                ));
            };
            if f > l || l > as_of {
                return Err(row_err(format!(
                    "expected first_active_date {} <= last_active_date {} <= as_of {}",
                    format_day(f),
                    format_day(l),
                    format_day(as_of)
                )));
            }
            let grains = match columns.as_slice() {
                [d, w, m] => [
                    d.history(i, &cals[0], f, l).map_err(&row_err)?,
                    w.history(i, &cals[1], f, l).map_err(&row_err)?,
                    m.history(i, &cals[2], f, l).map_err(&row_err)?,
                ],
                _ => std::array::from_fn(|g| shortest_history(&cals[g], f, l)),
            };
            let history = UserHistory {
                first_active_date: f,
                last_active_date: l,
                grains,
            };
            let mut list = PeriodList::default();
            for cal in cals {
                list.build(cal, Some(&history), &[]).map_err(&row_err)?;
            }
            out.push((user, history));
        }
        Ok(out)
    }
}

/// The history columns of one grain of a full snapshot.
struct GrainColumns {
    previous: Vec<Option<i32>>,
    streak: Vec<Option<i64>>,
    active_periods: Vec<Option<i64>>,
    /// Absent in format 1 (and always for days).
    active_days: Option<Vec<Option<i64>>>,
}

impl GrainColumns {
    /// Row `i`'s history (first and last active dates `f`, `l`), or what is
    /// wrong with it.
    fn history(&self, i: usize, cal: &Calendar, f: i32, l: i32) -> Result<GrainHistory, String> {
        let g = cal.grain();
        let [_, s, a] = grain_columns(g);
        let count = |v: Option<i64>, name: &str| -> Result<u32, String> {
            v.and_then(|x| u32::try_from(x).ok())
                .filter(|x| *x >= 1)
                .ok_or_else(|| format!("{name} must be a positive integer"))
        };
        let active_days = match (&self.active_days, active_days_column(g)) {
            (Some(days), Some(name)) => count(days[i], &name)?,
            _ => shortest_active_days(cal, f, l),
        };
        Ok(GrainHistory {
            previous_active_date: self.previous[i],
            streak: count(self.streak[i], &s)?,
            active_periods: count(self.active_periods[i], &a)?,
            active_days,
        })
    }
}

/// The shortest history consistent with a minimal snapshot's dates: first
/// and last active, nothing between. When they fall in adjacent periods
/// that history is a streak of two, and the first date is the previous
/// active date.
fn shortest_history(cal: &Calendar, first: i32, last: i32) -> GrainHistory {
    let (pf, pl) = (cal.period_of(first), cal.period_of(last));
    let adjacent = pl == pf + 1;
    GrainHistory {
        previous_active_date: adjacent.then_some(first),
        streak: if adjacent { 2 } else { 1 },
        active_periods: if pf == pl { 1 } else { 2 },
        active_days: shortest_active_days(cal, first, last),
    }
}

/// The fewest active days the period of `last` can hold: the last active
/// date, and the first when it is another day of the same period.
fn shortest_active_days(cal: &Calendar, first: i32, last: i32) -> u32 {
    1 + u32::from(first != last && cal.period_of(first) == cal.period_of(last))
}

fn users_display(t: &Table, i: usize) -> String {
    let a = t.column("user_id").expect("checked on open");
    let mut s = String::new();
    if is_text(a.data_type()) {
        for_each_str(&a.slice(i, 1), |_, v| s = v.unwrap_or("null").to_string());
    } else if let Ok(v) = integers(&a.slice(i, 1)) {
        s = v[0].map_or("null".into(), |x| x.to_string());
    }
    s
}

fn intern(t: &Table, a: &ArrayRef, ids: &mut Interner) -> Result<Vec<Option<UserIndex>>, Error> {
    let file = &t.file;
    let mut out = Vec::with_capacity(a.len());
    if is_text(a.data_type()) {
        if t.format == Format::Parquet {
            ids.expect_text(file, "user_id")?;
            for_each_str(a, |_, v| out.push(v.map(|s| ids.text(s))));
        } else {
            let mut err = None;
            for_each_str(a, |_, v| {
                out.push(v.and_then(|s| match ids.untyped(s) {
                    Ok(u) => Some(u),
                    Err(m) => {
                        err.get_or_insert(m);
                        None
                    }
                }))
            });
            if let Some(m) = err {
                return Err(Error::column(file, "user_id", m));
            }
        }
    } else {
        ids.expect_int(file, "user_id")?;
        let vs = integers(a).map_err(|d| Error::column(file, "user_id", d))?;
        out.extend(vs.into_iter().map(|v| v.map(|x| ids.int(x))));
    }
    Ok(out)
}

fn dates(file: &str, name: &str, a: &ArrayRef, zone: Zone) -> Result<Vec<Option<i32>>, Error> {
    let mut dates = LocalDates::new(zone);
    let bad = |detail: String| Error::column(file, name, detail);
    // Typed dates are checked against the calendar here, text dates by
    // the parser: a snapshot with one date outside it is refused whole.
    let outside = |what: String| {
        bad(format!(
            "value {what} is outside the calendar: expected dates from {} to {}",
            format_day(FIRST_DAY),
            format_day(LAST_DAY)
        ))
    };
    let typed = |d: i64| {
        i32::try_from(d)
            .ok()
            .filter(|d| in_calendar(*d))
            .ok_or_else(|| outside(format!("{d} (days since 1970-01-01)")))
    };
    let mut out = Vec::with_capacity(a.len());
    match a.data_type() {
        DataType::Date32 => {
            for v in a.as_primitive::<Date32Type>().iter() {
                out.push(v.map(|d| typed(i64::from(d))).transpose()?);
            }
        }
        DataType::Date64 => {
            for v in a.as_primitive::<Date64Type>().iter() {
                out.push(v.map(|ms| typed(ms.div_euclid(86_400_000))).transpose()?);
            }
        }
        DataType::Timestamp(_, _) => {
            return Err(bad(
                "has timestamps: expected dates (a Date column, or YYYY-MM-DD text)".into(),
            ));
        }
        dt if is_text(dt) => {
            let mut err = None;
            for_each_str(a, |_, v| {
                out.push(v.and_then(|s| {
                    let day = crate::time::parse_iso(s.as_bytes()).map(|tv| dates.day(tv));
                    if day.is_none_or(|d| d.is_none()) {
                        err.get_or_insert((s.to_string(), day.is_some()));
                    }
                    day.flatten()
                }))
            });
            match err {
                Some((s, true)) => return Err(outside(format!("{s:?}"))),
                Some((s, false)) => {
                    return Err(bad(format!(
                        "value {s:?} is not a date: expected YYYY-MM-DD"
                    )))
                }
                None => {}
            }
        }
        other => return Err(bad(format!("has type {other}: expected dates"))),
    }
    Ok(out)
}

fn counts(file: &str, name: &str, a: &ArrayRef) -> Result<Vec<Option<i64>>, Error> {
    if is_text(a.data_type()) {
        let mut out = Vec::with_capacity(a.len());
        let mut err = None;
        for_each_str(a, |_, v| {
            out.push(v.and_then(|s| {
                let r = s.trim().parse().ok();
                if r.is_none() {
                    err.get_or_insert_with(|| s.to_string());
                }
                r
            }))
        });
        if let Some(s) = err {
            return Err(Error::column(
                file,
                name,
                format!("value {s:?} is not an integer"),
            ));
        }
        return Ok(out);
    }
    integers(a).map_err(|d| Error::column(file, name, d))
}
