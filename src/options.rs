//! The run options, defined once: [`Settings`] is their text form (CLI
//! flags, JS options objects and URL hashes all arrive as text), and its one
//! conversion gives the typed [`RunOptions`]. The same list names every
//! option for each interface ([`OPTIONS`], [`Opt`]), so messages can name
//! an option neutrally and each interface spell it its own way.
//!
//! Parsing text is done here; whether the options fit together and fit the
//! snapshot is decided when a run resolves them into its plan
//! (`run::plan`), so options built in Rust are checked the same way.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::grain::{parse_day, Grain, Weekday};
use crate::read::{FactOptions, InputFile};
use crate::rolling::Windows;
use crate::segment::DEFAULT_MAX_SEGMENTS;
use crate::states::Rows;
use crate::time::{TimeFormat, TimeUnit, Zone};

/// One run option as every interface names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct OptionInfo {
    /// The JS (and URL-hash-free) name, camelCase: `weekStart`.
    pub name: &'static str,
    /// The CLI flag: `--week-start`.
    pub flag: &'static str,
    /// What the option does.
    pub description: &'static str,
}

/// How an interface spells option names in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spelling {
    /// CLI flags (`--as-of`); also the library's `Display`.
    Cli,
    /// JS option names (`asOf`).
    Js,
}

impl Opt {
    /// The option's entry in [`OPTIONS`] (or the snapshot file's).
    pub fn info(self) -> &'static OptionInfo {
        match self {
            Opt::Snapshot => &SNAPSHOT,
            Opt::Users => &USERS,
            o => &OPTIONS[o as usize],
        }
    }

    /// The option's name as `spelling` writes it.
    pub fn spelt(self, spelling: Spelling) -> &'static str {
        match spelling {
            Spelling::Cli => self.info().flag,
            Spelling::Js => self.info().name,
        }
    }

    /// Every option, the two files ([`Opt::Snapshot`], [`Opt::Users`]) last.
    fn all() -> impl Iterator<Item = Opt> {
        ALL.into_iter().chain([Opt::Snapshot, Opt::Users])
    }
}

/// Text of messages names an option between these marks, so that each
/// interface can spell it ([`spell`]); `Display` of [`Opt`] writes them.
const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';

impl std::fmt::Display for Opt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{OPEN}{}{CLOSE}", self.info().name)
    }
}

/// `text` with every marked option name spelt as `spelling` spells it.
pub fn spell(text: &str, spelling: Spelling) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len_utf8()..];
        let end = after.find(CLOSE).unwrap_or(after.len());
        let name = &after[..end];
        out.push_str(
            Opt::all()
                .find(|o| o.info().name == name)
                .map_or(name, |o| o.spelt(spelling)),
        );
        rest = after.get(end + CLOSE.len_utf8()..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

const USERS: OptionInfo = OptionInfo {
    name: "users",
    flag: "--users",
    description: "The users table whose attribute partitions a run (SPEC section 11).",
};

const SNAPSHOT: OptionInfo = OptionInfo {
    name: "snapshot",
    flag: "--snapshot",
    description: "The FirstLast snapshot of an earlier run to resume from.",
};

/// Declares the options once: the [`Settings`] fields (with their serde
/// names, CLI flags and help), [`OPTIONS`] and [`Opt`] come from one list.
macro_rules! options {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident $field:ident: $ty:ty = $js:literal, $flag:literal $([$($arg:tt)+])?;
    )+) => {
        /// Every option of a run, as text. The field names of JS objects
        /// are [`OptionInfo::name`]; the CLI flags [`OptionInfo::flag`].
        #[derive(Clone, Debug, Default, Deserialize, PartialEq)]
        #[cfg_attr(feature = "cli", derive(clap::Args))]
        #[serde(deny_unknown_fields)]
        pub struct Settings {
            $(
                $(#[doc = $doc])+
                #[serde(rename = $js, default)]
                #[cfg_attr(feature = "cli", arg(long = $flag $(, $($arg)+)?))]
                pub $field: $ty,
            )+
        }

        /// A run option (or the snapshot file), for messages that name it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Opt {
            $(
                $(#[doc = $doc])+
                $variant,
            )+
            /// The snapshot file to resume from.
            Snapshot,
            /// The users table of a partition run.
            Users,
        }

        const ALL: [Opt; [$(Opt::$variant),+].len()] = [$(Opt::$variant),+];

        /// Every run option, in the order of [`Settings`].
        pub const OPTIONS: &[OptionInfo] = &[$(
            OptionInfo {
                name: $js,
                flag: concat!("--", $flag),
                description: concat!($($doc),+),
            },
        )+];
    };
}

options! {
    /// Period size of the states and summary tables: day, week or month
    /// (required by the CLI; week elsewhere when not given).
    Grain grain: Option<String> = "grain", "grain"
        [required = true, value_parser = ["day", "week", "month"]];
    /// First day of weeks, e.g. monday [default: the snapshot's, else monday].
    WeekStart week_start: Option<String> = "weekStart", "week-start" [value_name = "DAY"];
    /// Time zone of local dates: an IANA name (Asia/Seoul) or an offset
    /// (+09:00) [default: the snapshot's, else UTC].
    Timezone timezone: Option<String> = "timezone", "timezone" [value_name = "TZ"];
    /// User id column [default: first of user_id, userid, user, customer_id,
    /// member_id, account_id].
    UserColumn user_column: Option<String> = "userColumn", "user-col" [value_name = "C"];
    /// Time column [default: first of event_time, timestamp, ts, time,
    /// event_date, date, created_at].
    TimeColumn time_column: Option<String> = "timeColumn", "time-col" [value_name = "C"];
    /// Unit of epoch integer times: s, ms, us or ns (required for integer
    /// times unless a time format is given).
    TimeUnit time_unit: Option<String> = "timeUnit", "time-unit"
        [value_parser = ["s", "ms", "us", "ns"]];
    /// strftime pattern for times, e.g. %Y%m%d or "%d/%m/%Y %H:%M" (applies
    /// to strings and integers).
    TimeFormat time_format: Option<String> = "timeFormat", "time-format" [value_name = "F"];
    /// Column naming the kind of activity; only rows with one of the fact
    /// values count.
    FactColumn fact_column: Option<String> = "factColumn", "fact-col" [value_name = "C"];
    /// A value of the fact column that counts as activity (repeatable).
    FactValues fact_values: Vec<String> = "factValues", "fact" [value_name = "V"];
    /// Fact name used in output names [default: the snapshot's fact, else
    /// the fact values joined with _, else the file's stem].
    Name name: Option<String> = "name", "name" [value_name = "FACT_NAME"];
    /// Last day of data (YYYY-MM-DD); later rows are rejected and counted
    /// [default: the last activity date].
    Through through: Option<String> = "through", "through" [value_name = "DATE"];
    /// First reported day (YYYY-MM-DD) [default: the first activity date,
    /// or the day after the snapshot's as_of].
    ReportFrom report_from: Option<String> = "reportFrom", "report-from" [value_name = "DATE"];
    /// States rows: changes (active users and churn rows) or all (every
    /// user, every period) [default: changes].
    Rows rows: Option<String> = "rows", "rows" [value_parser = ["changes", "all"]];
    /// Last day folded into the snapshot (required for a minimal snapshot;
    /// must end a period of the grain).
    AsOf as_of: Option<String> = "asOf", "as-of" [value_name = "DATE"];
    /// Skip (and count) facts dated on or before the snapshot's as_of
    /// instead of failing.
    SkipOverlap skip_overlap: bool = "skipOverlap", "skip-overlap";
    /// Fail when more than this fraction of rows is rejected (null user,
    /// unreadable time) [default: 0.01].
    MaxRejected max_rejected: Option<f64> = "maxRejected", "max-rejected" [value_name = "FRACTION"];
    /// Split the layer by this fact column: each value's layer is the
    /// layer of the rows holding it, users counted in each segment they
    /// are active in.
    SegmentColumn segment_column: Option<String> = "segmentColumn", "segment-col" [value_name = "C"];
    /// Partition the layer by this attribute of the users table: each
    /// user's segment is their value of it (null when absent), and every
    /// aggregate is counted per segment.
    SegmentBy segment_by: Option<String> = "segmentBy", "segment-by" [value_name = "A"];
    /// User id column of the users table [default: first of user_id,
    /// userid, user, customer_id, member_id, account_id].
    UsersIdColumn users_id_column: Option<String> = "usersIdColumn", "users-id-col" [value_name = "C"];
    /// Fail when a segmented run has more distinct segments than this
    /// [default: 1000].
    MaxSegments max_segments: Option<usize> = "maxSegments", "max-segments" [value_name = "N"];
    /// Trailing windows of the daily activity table, in days, each 2 to 90
    /// (active users and stickiness over the last N days) [default: 7,28].
    Windows windows: Option<Vec<u32>> = "windows", "windows"
        [value_name = "N,N", value_delimiter = ','];
}

/// Everything a run can be told, typed (SPEC section 9). Built from
/// [`Settings`] by every interface, or directly in Rust.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// How to read the fact files (columns, time parsing, fact filter).
    /// The zone they are read in is the run's (below), resolved against the
    /// snapshot.
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
    /// The users table of a partition run (SPEC section 11).
    pub users: Option<InputFile>,
    /// Its id column; found by name when not given.
    pub users_id_column: Option<String>,
    /// The users table's attribute that partitions the layer.
    pub segment_by: Option<String>,
    /// The most distinct segments a run accepts.
    pub max_segments: usize,
    /// The trailing windows of the activity table (SPEC section 12).
    pub windows: Windows,
    /// Whether a segmented run also gives the layer without segments (the
    /// page shows both from one read). Without it a split run walks its
    /// segments only; a partition needs that layer's snapshot anyway.
    pub unsegmented: bool,
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
            users: None,
            users_id_column: None,
            segment_by: None,
            max_segments: DEFAULT_MAX_SEGMENTS,
            windows: Windows::default(),
            unsegmented: true,
        }
    }
}

/// A text option's value, trimmed: `None` when absent. A blank value is an
/// error: a mistake (an unset shell variable, an empty form field) must not
/// silently mean the default.
fn text(opt: Opt, v: &Option<String>) -> Result<Option<&str>, Error> {
    match v.as_deref().map(str::trim) {
        Some("") => Err(Error::invalid_option(
            opt,
            v.as_deref().unwrap_or_default(),
            "a value (leave the option out for its default)",
        )),
        t => Ok(t),
    }
}

fn parse<T>(
    opt: Opt,
    v: &Option<String>,
    f: impl Fn(&str) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    text(opt, v)?.map(f).transpose()
}

/// A name option (a column, the fact's name) as given, untrimmed.
fn name(opt: Opt, v: &Option<String>) -> Result<Option<String>, Error> {
    text(opt, v).map(|t| t.and(v.clone()))
}

impl Settings {
    /// The run options these settings describe.
    pub fn to_options(&self) -> Result<RunOptions, Error> {
        let grain = parse(Opt::Grain, &self.grain, str::parse::<Grain>)?.unwrap_or(Grain::Week);
        Ok(RunOptions {
            facts: FactOptions {
                user_column: name(Opt::UserColumn, &self.user_column)?,
                time_column: name(Opt::TimeColumn, &self.time_column)?,
                time_unit: parse(Opt::TimeUnit, &self.time_unit, str::parse::<TimeUnit>)?,
                time_format: parse(Opt::TimeFormat, &self.time_format, TimeFormat::new)?,
                fact_column: name(Opt::FactColumn, &self.fact_column)?,
                fact_values: self.fact_values.clone(),
                segment_column: name(Opt::SegmentColumn, &self.segment_column)?,
            },
            grain,
            week_start: parse(Opt::WeekStart, &self.week_start, str::parse::<Weekday>)?,
            timezone: parse(Opt::Timezone, &self.timezone, str::parse::<Zone>)?,
            name: name(Opt::Name, &self.name)?,
            through: parse(Opt::Through, &self.through, |d| parse_day(Opt::Through, d))?,
            report_from: parse(Opt::ReportFrom, &self.report_from, |d| {
                parse_day(Opt::ReportFrom, d)
            })?,
            as_of: parse(Opt::AsOf, &self.as_of, |d| parse_day(Opt::AsOf, d))?,
            skip_overlap: self.skip_overlap,
            max_rejected: self.max_rejected.unwrap_or(0.01),
            rows: parse(Opt::Rows, &self.rows, str::parse::<Rows>)?.unwrap_or_default(),
            users: None,
            users_id_column: name(Opt::UsersIdColumn, &self.users_id_column)?,
            segment_by: name(Opt::SegmentBy, &self.segment_by)?,
            max_segments: self.max_segments.unwrap_or(DEFAULT_MAX_SEGMENTS),
            windows: Windows::given(self.windows.as_deref())?,
            unsegmented: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_the_settings_fields() {
        let names: Vec<&str> = OPTIONS.iter().map(|o| o.name).collect();
        assert_eq!(names.len(), 21);
        for (o, info) in ALL.iter().zip(OPTIONS) {
            assert_eq!(o.info(), info);
            assert!(info.flag.starts_with("--") && !info.description.is_empty());
        }
        assert_eq!(Opt::AsOf.spelt(Spelling::Cli), "--as-of");
        assert_eq!(Opt::AsOf.spelt(Spelling::Js), "asOf");
        let text = format!("give {} with {}", Opt::Through, Opt::Snapshot);
        assert_eq!(
            spell(&text, Spelling::Cli),
            "give --through with --snapshot"
        );
        assert_eq!(spell(&text, Spelling::Js), "give through with snapshot");
    }

    #[test]
    fn converts_and_rejects() {
        let s = Settings {
            grain: Some("month".into()),
            timezone: Some("Asia/Seoul".into()),
            through: Some("2024-02-04".into()),
            ..Settings::default()
        };
        let o = s.to_options().unwrap();
        assert_eq!(o.grain, Grain::Month);
        assert_eq!(o.facts.user_column, None);
        assert_eq!(o.through, Some(crate::grain::days_from_civil(2024, 2, 4)));
        let bad = Settings {
            week_start: Some("someday".into()),
            ..Settings::default()
        };
        assert!(bad
            .to_options()
            .unwrap_err()
            .to_string()
            .contains("someday"));
        // Given blank, an option is a mistake, not a request for the default.
        let blank = Settings {
            user_column: Some(" ".into()),
            ..Settings::default()
        };
        assert!(blank.to_options().is_err());
    }
}
