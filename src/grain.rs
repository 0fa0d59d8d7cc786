//! Grains and calendar periods (SPEC section 1).
//!
//! Dates are counted as days since 1970-01-01 (the Arrow `Date32` encoding),
//! and periods as integers so that "the previous period" is `p - 1` whatever
//! the grain. All arithmetic is integer-only: bucketing a row never formats
//! or allocates.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The calendar bucket size of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grain {
    /// One calendar day.
    Day,
    /// Seven days starting on the configured week start.
    Week,
    /// One calendar month.
    Month,
}

impl Grain {
    /// Every grain, in the order the snapshot stores their columns.
    pub const ALL: [Grain; 3] = [Grain::Day, Grain::Week, Grain::Month];

    /// The option value: `day`, `week` or `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
        }
    }

    /// The adjective used in output names: `daily`, `weekly` or `monthly`.
    pub fn adjective(self) -> &'static str {
        match self {
            Grain::Day => "daily",
            Grain::Week => "weekly",
            Grain::Month => "monthly",
        }
    }
}

impl fmt::Display for Grain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Grain {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" | "daily" | "d" => Ok(Grain::Day),
            "week" | "weekly" | "w" => Ok(Grain::Week),
            "month" | "monthly" | "m" => Ok(Grain::Month),
            _ => Err(Error::invalid_option(
                crate::options::Opt::Grain,
                s,
                "one of day, week, month",
            )),
        }
    }
}

/// A day of the week, used as the first day of weekly periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Weekday {
    /// Monday (the default week start).
    #[default]
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    const NAMES: [&'static str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// Days after Monday (Monday = 0, Sunday = 6).
    pub fn index(self) -> i32 {
        self as i32
    }

    /// The lowercase English name, as written in options and snapshots.
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

impl fmt::Display for Weekday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Weekday {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let lower = s.trim().to_ascii_lowercase();
        Self::NAMES
            .iter()
            .position(|n| *n == lower || (lower.len() >= 3 && n.starts_with(&lower)))
            .map(|i| Self::ALL[i])
            .ok_or_else(|| {
                Error::invalid_option(
                    crate::options::Opt::WeekStart,
                    s,
                    "a weekday name such as monday or sunday",
                )
            })
    }
}

/// Maps days to periods of one grain and back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calendar {
    grain: Grain,
    week_start: Weekday,
}

impl Calendar {
    /// A calendar for `grain`; `week_start` only matters for weeks.
    pub fn new(grain: Grain, week_start: Weekday) -> Self {
        Calendar { grain, week_start }
    }

    /// The grain of this calendar.
    pub fn grain(&self) -> Grain {
        self.grain
    }

    /// The configured week start.
    pub fn week_start(&self) -> Weekday {
        self.week_start
    }

    /// The period holding `day`.
    #[inline]
    pub fn period_of(&self, day: i32) -> i32 {
        match self.grain {
            Grain::Day => day,
            // 1970-01-01 was a Thursday, three days after a Monday.
            Grain::Week => (day + 3 - self.week_start.index()).div_euclid(7),
            Grain::Month => {
                let (y, m, _) = civil_from_days(day);
                month_period(y, m)
            }
        }
    }

    /// The first day of `period`.
    #[inline]
    pub fn start(&self, period: i32) -> i32 {
        match self.grain {
            Grain::Day => period,
            Grain::Week => period * 7 - 3 + self.week_start.index(),
            Grain::Month => {
                days_from_civil(period.div_euclid(12), period.rem_euclid(12) as u32 + 1, 1)
            }
        }
    }

    /// The last day of `period` (inclusive).
    #[inline]
    pub fn end(&self, period: i32) -> i32 {
        self.start(period + 1) - 1
    }

    /// The period holding `day` and the first day of the next period: one
    /// date conversion where `period_of` then `start` would take two.
    #[inline]
    pub fn period_span(&self, day: i32) -> (i32, i32) {
        match self.grain {
            Grain::Month => {
                let (y, m, d) = civil_from_days(day);
                (
                    month_period(y, m),
                    day - d as i32 + 1 + month_length(y, m) as i32,
                )
            }
            _ => {
                let p = self.period_of(day);
                (p, self.start(p + 1))
            }
        }
    }
}

/// The first day a date may be: 0001-01-01.
pub const FIRST_DAY: i32 = -719_162;
/// The last day a date may be: 9999-12-31.
pub const LAST_DAY: i32 = 2_932_896;

/// Whether `day` is in the calendar the engine reads and writes: years 1
/// to 9999, the dates `YYYY-MM-DD` can spell. Every date taken from input
/// is checked against it, so that no later step (periods, formatting,
/// microseconds) can overflow: a year-586000 `Date32` or an epoch of 1e300
/// seconds is an unreadable time, not a date that wraps to another one.
#[inline]
pub fn in_calendar(day: i32) -> bool {
    (FIRST_DAY..=LAST_DAY).contains(&day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    // Howard Hinnant's algorithm: shift the year to start in March so the
    // leap day is the last day of the shifted year.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats a day count as `YYYY-MM-DD`.
pub fn format_day(day: i32) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses a `YYYY-MM-DD` option value into a day count.
pub fn parse_day(option: impl std::fmt::Display, s: &str) -> Result<i32, Error> {
    let bad = || Error::invalid_option(&option, s, "a date written YYYY-MM-DD");
    let b = s.trim().as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = (
        num(0..4).ok_or_else(bad)?,
        num(5..7).ok_or_else(bad)?,
        num(8..10).ok_or_else(bad)?,
    );
    if y == 0 || !valid_date(y as i32, m, d) {
        return Err(bad());
    }
    Ok(days_from_civil(y as i32, m, d))
}

/// Whether (y, m, d) is a real calendar date.
pub fn valid_date(y: i32, m: u32, d: u32) -> bool {
    (1..=12).contains(&m) && d != 0 && d <= month_length(y, m)
}

/// The monthly period of month `m` (1-12) of year `y`: months since year 0.
fn month_period(y: i32, m: u32) -> i32 {
    y * 12 + (m as i32 - 1)
}

/// The number of days of month `m` (1-12) of year `y`.
fn month_length(y: i32, m: u32) -> u32 {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in -800_000..800_000 {
            let (y, m, d) = civil_from_days(z);
            assert!(valid_date(y, m, d));
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 1, 1), 19723);
    }

    #[test]
    fn weeks_start_on_the_configured_day() {
        let monday = Calendar::new(Grain::Week, Weekday::Monday);
        let jan1 = days_from_civil(2024, 1, 1); // a Monday
        let p = monday.period_of(jan1);
        assert_eq!(monday.start(p), jan1);
        assert_eq!(monday.end(p), jan1 + 6);
        assert_eq!(monday.period_of(jan1 + 6), p);
        assert_eq!(monday.period_of(jan1 - 1), p - 1);
        let sunday = Calendar::new(Grain::Week, Weekday::Sunday);
        let q = sunday.period_of(jan1);
        assert_eq!(sunday.start(q), jan1 - 1);
        for ws in Weekday::ALL {
            let c = Calendar::new(Grain::Week, ws);
            for day in -400..400 {
                let p = c.period_of(day);
                assert!(c.start(p) <= day && day <= c.end(p));
                assert_eq!(c.end(p) - c.start(p), 6);
                assert_eq!((c.start(p) + 3).rem_euclid(7), ws.index());
            }
        }
    }

    #[test]
    fn months_are_calendar_months() {
        let c = Calendar::new(Grain::Month, Weekday::Monday);
        let feb = c.period_of(days_from_civil(2024, 2, 15));
        assert_eq!(c.start(feb), days_from_civil(2024, 2, 1));
        assert_eq!(c.end(feb), days_from_civil(2024, 2, 29));
        assert_eq!(c.period_of(days_from_civil(2024, 1, 31)), feb - 1);
        assert_eq!(
            c.period_of(days_from_civil(1969, 12, 31)),
            c.period_of(0) - 1
        );
    }

    #[test]
    fn a_period_span_is_the_period_and_the_next_start() {
        for grain in Grain::ALL {
            for ws in Weekday::ALL {
                let c = Calendar::new(grain, ws);
                for day in -150_000..150_000 {
                    let p = c.period_of(day);
                    assert_eq!(c.period_span(day), (p, c.start(p + 1)), "{grain:?} {day}");
                }
            }
        }
    }

    #[test]
    fn parses_options() {
        assert_eq!(
            parse_day("through", "2024-02-04").unwrap(),
            days_from_civil(2024, 2, 4)
        );
        assert!(parse_day("through", "2024-02-30").is_err());
        assert!(parse_day("through", "2024-2-4").is_err());
        assert_eq!("Sun".parse::<Weekday>().unwrap(), Weekday::Sunday);
        assert_eq!("weekly".parse::<Grain>().unwrap(), Grain::Week);
        assert_eq!(format_day(days_from_civil(2024, 1, 9)), "2024-01-09");
    }
}
