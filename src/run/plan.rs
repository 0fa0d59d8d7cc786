//! The first phase of a run: the options resolved against the snapshot
//! (zone, week start, as_of, fact name) into the plan every later phase
//! reads. Every check of the options happens here.

use crate::error::Error;
use crate::firstlast::{calendars, grain_index, SnapshotFile, SnapshotMeta};
use crate::grain::{format_day, Calendar, Grain, Weekday};
use crate::options::{Opt, RunOptions};
use crate::read::InputFile;
use crate::time::Zone;

/// What a run will do, decided before any fact is read.
pub(super) struct Plan<'a> {
    /// The fact files.
    pub files: &'a [InputFile],
    /// The options as given.
    pub opts: &'a RunOptions,
    /// The snapshot the run resumes from.
    pub snapshot: Option<SnapshotFile>,
    /// The zone of local dates.
    pub zone: Zone,
    /// The run's calendar (grain and week start).
    pub calendar: Calendar,
    /// The calendars of the snapshot's three grains (its own week start).
    pub calendars: [Calendar; 3],
    /// The snapshot's as_of.
    pub as_of: Option<i32>,
    /// The fact name.
    pub fact: String,
}

impl<'a> Plan<'a> {
    /// Checks the options and resolves them against the snapshot.
    pub fn resolve(
        files: &'a [InputFile],
        snapshot: Option<&InputFile>,
        opts: &'a RunOptions,
    ) -> Result<Self, Error> {
        check_options(opts)?;
        if files.is_empty() && snapshot.is_none() {
            return Err(Error::Usage(
                "no fact files: give at least one Parquet or CSV file".into(),
            ));
        }
        let snapshot = snapshot.map(SnapshotFile::open).transpose()?;
        let meta = snapshot.as_ref().and_then(|s| s.meta.as_ref());
        let name = snapshot.as_ref().map_or("", |s| s.name());
        let zone = against_snapshot(opts.timezone, meta.map(|m| m.timezone), |z, m| {
            (z != m).then(|| Error::Usage(format!(
                "the snapshot {name} was computed in time zone {m}, but this run uses {z}: local dates would not line up; run with {} {m} or rebuild the snapshot",
                Opt::Timezone
            )))
        })?
        .unwrap_or_default();
        let weekly = opts.grain == Grain::Week;
        let week_start = against_snapshot(opts.week_start, meta.map(|m| m.week_start), |w, m| {
            (weekly && w != m).then(|| Error::Usage(format!(
                "the snapshot {name} has weeks starting on {m}, but this weekly run starts them on {w}: run with {} {m} or rebuild the snapshot",
                Opt::WeekStart
            )))
        })?
        .unwrap_or(Weekday::Monday);
        let calendar = Calendar::new(opts.grain, week_start);
        // The snapshot's weekly columns keep the snapshot's own week start.
        let calendars = calendars(meta.map_or(week_start, |m| m.week_start));
        let as_of = as_of(opts, snapshot.as_ref(), &calendar)?;
        let fact = fact_name(opts, meta, files)?;
        if let Some(s) = &snapshot {
            let split = opts.facts.segment_column.as_deref();
            let stored = meta.and_then(|m| m.segment_column.as_deref());
            if split != stored {
                let said = |c: Option<&str>| {
                    c.map_or("no segment column".to_string(), |c| {
                        format!("segment column {c:?}")
                    })
                };
                return Err(Error::Usage(format!(
                    "the snapshot {} was written by a run with {}, but this run has {}: a split run resumes from the snapshot of the same split ({})",
                    s.name(),
                    said(stored),
                    said(split),
                    Opt::SegmentColumn
                )));
            }
        }
        Ok(Plan {
            files,
            opts,
            snapshot,
            zone,
            calendar,
            calendars,
            as_of,
            fact,
        })
    }

    /// The week start of the snapshot's weekly columns (the one it resumes
    /// from, else the run's).
    pub fn snapshot_week_start(&self) -> Weekday {
        self.calendars[grain_index(Grain::Week)].week_start()
    }

    /// Whether the snapshot's values are exact (none without a snapshot; a
    /// minimal or format-1 snapshot is not).
    pub fn snapshot_exact(&self) -> Option<bool> {
        let snapshot = self.snapshot.as_ref()?;
        Some(snapshot.meta.as_ref().is_some_and(|m| m.values_exact()))
    }

    /// The fact files' names, for messages.
    pub fn file_names(&self) -> String {
        let names: Vec<&str> = self.files.iter().map(|f| f.name.as_str()).collect();
        names.join(", ")
    }
}

/// The checks that need no file.
fn check_options(opts: &RunOptions) -> Result<(), Error> {
    if !(0.0..=1.0).contains(&opts.max_rejected) {
        return Err(Error::invalid_option(
            Opt::MaxRejected,
            &opts.max_rejected.to_string(),
            "a fraction between 0 and 1",
        ));
    }
    if opts.facts.segment_column.is_some() && opts.segment_by.is_some() {
        return Err(Error::Usage(format!(
            "{} and {} segment a run in two ways: give one",
            Opt::SegmentColumn,
            Opt::SegmentBy
        )));
    }
    match (&opts.users, &opts.segment_by) {
        (Some(u), None) => {
            return Err(Error::Usage(format!(
                "a users table ({}) was given without the attribute that segments the run ({} A)",
                u.name,
                Opt::SegmentBy
            )))
        }
        (None, Some(a)) => {
            return Err(Error::Usage(format!(
                "{} {a} needs the users table that holds it ({})",
                Opt::SegmentBy,
                Opt::Users
            )))
        }
        (None, None) if opts.users_id_column.is_some() => {
            return Err(Error::Usage(format!(
                "{} names a column of the users table, but no users table was given",
                Opt::UsersIdColumn
            )))
        }
        _ => {}
    }
    if opts.max_segments == 0 {
        return Err(Error::invalid_option(
            Opt::MaxSegments,
            "0",
            "a number of segments of at least 1",
        ));
    }
    let facts = &opts.facts;
    match (&facts.fact_column, facts.fact_values.is_empty()) {
        (Some(_), true) => Err(Error::Usage(format!(
            "a fact column was given without fact values: say which values count as activity ({} V, repeatable)",
            Opt::FactValues
        ))),
        (None, false) => Err(Error::Usage(format!(
            "fact values were given without a fact column ({} C)",
            Opt::FactColumn
        ))),
        _ => Ok(()),
    }
}

/// An option against the snapshot's value of it: the option, unless
/// `conflict` says the two cannot both hold; without it, the snapshot's.
fn against_snapshot<T: Copy>(
    given: Option<T>,
    stored: Option<T>,
    conflict: impl FnOnce(T, T) -> Option<Error>,
) -> Result<Option<T>, Error> {
    match (given, stored) {
        (Some(g), Some(s)) => conflict(g, s).map_or(Ok(Some(g)), Err),
        (g, s) => Ok(g.or(s)),
    }
}

/// The snapshot's as_of: from its metadata, or given for a minimal one.
fn as_of(
    opts: &RunOptions,
    snapshot: Option<&SnapshotFile>,
    cal: &Calendar,
) -> Result<Option<i32>, Error> {
    let Some(snap) = snapshot else {
        return match opts.as_of {
            Some(_) => Err(Error::Usage(format!(
                "{} only applies with a snapshot ({} FILE)",
                Opt::AsOf,
                Opt::Snapshot
            ))),
            None => Ok(None),
        };
    };
    let stored = snap.meta.as_ref().map(|m| m.as_of);
    let as_of = against_snapshot(opts.as_of, stored, |a, m| {
        (a != m).then(|| {
            Error::Usage(format!(
                "{} {} differs from the snapshot's as_of {}",
                Opt::AsOf,
                format_day(a),
                format_day(m)
            ))
        })
    })?;
    let Some(a) = as_of else {
        return Err(Error::Usage(format!(
            "{} is a minimal snapshot (no as_of in its metadata): give {}, the last day its dates cover",
            snap.name(),
            Opt::AsOf
        )));
    };
    let end = cal.end(cal.period_of(a));
    if stored.is_none() && end != a {
        return Err(Error::Usage(format!(
            "{} {} must be the last day of a {} period to resume from the minimal snapshot {} (the period ends {})",
            Opt::AsOf,
            format_day(a),
            cal.grain(),
            snap.name(),
            format_day(end)
        )));
    }
    Ok(Some(a))
}

/// The fact name: given, the snapshot's, the fact values', or the file's.
fn fact_name(
    opts: &RunOptions,
    meta: Option<&SnapshotMeta>,
    files: &[InputFile],
) -> Result<String, Error> {
    let stored = meta.map(|m| m.fact.as_str()).filter(|f| !f.is_empty());
    let name = against_snapshot(opts.name.as_deref(), stored, |n, s| {
        (n != s).then(|| Error::Usage(format!(
            "the name {n:?} differs from the snapshot's fact {s:?}: a snapshot belongs to one fact; drop {} or use that fact's snapshot",
            Opt::Name
        )))
    })?;
    let name = match name {
        Some(n) => n.to_string(),
        None if !opts.facts.fact_values.is_empty() => opts.facts.fact_values.join("_"),
        None if files.len() == 1 => files[0].stem(),
        None => {
            return Err(Error::Usage(format!(
            "several fact files and no fact name: give one with {} (it names the output tables)",
            Opt::Name
        )))
        }
    };
    let clean = name.trim();
    if clean.is_empty() || clean.contains(['/', '\\']) || clean.contains("..") {
        return Err(Error::invalid_option(
            Opt::Name,
            &name,
            "a non-empty name without path separators",
        ));
    }
    Ok(clean.to_string())
}
