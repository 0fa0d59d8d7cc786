//! Time values, time zones and the local date of an activity (SPEC sections 1 and 7).
//!
//! A time value is either an *instant* (a point on the UTC time line, turned
//! into a local date with the run's zone and its real DST rules) or a *local*
//! value (a wall-clock reading used as it is). Both are kept as microseconds
//! so that duplicates (same user, same timestamp) can be counted exactly
//! without keeping the original text.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use crate::error::Error;
use crate::grain::{days_from_civil, in_calendar, valid_date};

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// A parsed time value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeValue {
    /// Microseconds since 1970-01-01T00:00:00Z.
    Instant(i64),
    /// Microseconds since 1970-01-01T00:00:00 on the local wall clock.
    Local(i64),
}

/// The unit of epoch integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    /// Seconds.
    Seconds,
    /// Milliseconds.
    Millis,
    /// Microseconds.
    Micros,
    /// Nanoseconds.
    Nanos,
}

impl TimeUnit {
    /// The option value: `s`, `ms`, `us` or `ns`.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Millis => "ms",
            TimeUnit::Micros => "us",
            TimeUnit::Nanos => "ns",
        }
    }

    /// Microseconds of an epoch count in this unit, `None` on overflow.
    #[inline]
    pub fn to_micros(self, v: i64) -> Option<i64> {
        match self {
            TimeUnit::Seconds => v.checked_mul(MICROS_PER_SECOND),
            TimeUnit::Millis => v.checked_mul(1000),
            TimeUnit::Micros => Some(v),
            TimeUnit::Nanos => Some(v.div_euclid(1000)),
        }
    }
}

impl FromStr for TimeUnit {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim() {
            "s" | "sec" | "seconds" => Ok(TimeUnit::Seconds),
            "ms" | "millis" | "milliseconds" => Ok(TimeUnit::Millis),
            "us" | "micros" | "microseconds" => Ok(TimeUnit::Micros),
            "ns" | "nanos" | "nanoseconds" => Ok(TimeUnit::Nanos),
            _ => Err(Error::invalid_option(
                crate::options::Opt::TimeUnit,
                s,
                "one of s, ms, us, ns",
            )),
        }
    }
}

/// The time zone in which activity times become local dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset east of UTC, in seconds (UTC is `Fixed(0)`).
    Fixed(i32),
    /// An IANA zone with its historical and DST rules.
    Named(Tz),
}

impl Default for Zone {
    fn default() -> Self {
        Zone::Fixed(0)
    }
}

impl Zone {
    /// The canonical name: `UTC`, `+09:00`, or the IANA name.
    pub fn name(&self) -> String {
        self.to_string()
    }

    /// Offset east of UTC, in seconds, at an instant given in UTC seconds.
    fn offset_at(&self, utc_seconds: i64) -> Option<i32> {
        match self {
            Zone::Fixed(o) => Some(*o),
            Zone::Named(tz) => {
                let utc = DateTime::from_timestamp(utc_seconds, 0)?.naive_utc();
                Some(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc())
            }
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Fixed(0) => f.write_str("UTC"),
            Zone::Fixed(o) => {
                let sign = if *o < 0 { '-' } else { '+' };
                let a = o.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
            }
            Zone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

impl FromStr for Zone {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        if ["utc", "etc/utc", "z", "gmt", "etc/gmt"].contains(&t.to_ascii_lowercase().as_str()) {
            return Ok(Zone::Fixed(0));
        }
        if let Some(o) = parse_offset(t.as_bytes()) {
            return Ok(Zone::Fixed(o));
        }
        t.parse::<Tz>()
            .ok()
            .or_else(|| {
                chrono_tz::TZ_VARIANTS
                    .iter()
                    .find(|z| z.name().eq_ignore_ascii_case(t))
                    .copied()
            })
            .map(Zone::Named)
            .ok_or_else(|| {
                Error::invalid_option(
                    crate::options::Opt::Timezone,
                    s,
                    "an IANA time zone name such as Asia/Seoul or a fixed offset such as +09:00",
                )
            })
    }
}

/// `+HH:MM`, `+HHMM` or `+HH` (or `-`), as seconds east of UTC.
fn parse_offset(b: &[u8]) -> Option<i32> {
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let d = |i: usize| {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| i32::from(c - b'0'))
    };
    let h = d(1)? * 10 + d(2)?;
    let m = match b.len() {
        3 => 0,
        5 => d(3)? * 10 + d(4)?,
        6 if b[3] == b':' => d(4)? * 10 + d(5)?,
        _ => return None,
    };
    (h <= 18 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// Turns time values into local dates (days since 1970-01-01) in one zone.
///
/// Zone rules are looked up once per UTC hour and cached: offsets change at
/// most a few times a year, and looking them up per row would dominate the
/// time of a run.
pub struct LocalDates {
    zone: Zone,
    hours: Vec<i64>,
    offsets: Vec<i32>,
}

const CACHE_SLOTS: usize = 4096;
const EXACT_PER_ROW: i32 = i32::MIN;

impl LocalDates {
    /// A converter for `zone`.
    pub fn new(zone: Zone) -> Self {
        LocalDates {
            zone,
            hours: vec![i64::MIN; CACHE_SLOTS],
            offsets: vec![0; CACHE_SLOTS],
        }
    }

    /// The zone.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The local date of a time value, `None` when it is out of range.
    #[inline]
    pub fn day(&mut self, value: TimeValue) -> Option<i32> {
        match value {
            TimeValue::Local(us) => day_of_micros(us),
            TimeValue::Instant(us) => {
                let secs = us.div_euclid(MICROS_PER_SECOND);
                let offset = self.offset(secs)?;
                day_of_micros(us.checked_add(i64::from(offset) * MICROS_PER_SECOND)?)
            }
        }
    }

    #[inline]
    fn offset(&mut self, secs: i64) -> Option<i32> {
        if let Zone::Fixed(o) = self.zone {
            return Some(o);
        }
        let hour = secs.div_euclid(3600);
        let slot = (hour as usize) & (CACHE_SLOTS - 1);
        if self.hours[slot] != hour {
            // An hour is cached only when its offset is the same at both ends;
            // the rare hour that holds a transition is resolved per row.
            let a = self.zone.offset_at(hour * 3600)?;
            let b = self.zone.offset_at(hour * 3600 + 3599)?;
            self.hours[slot] = hour;
            self.offsets[slot] = if a == b { a } else { EXACT_PER_ROW };
        }
        match self.offsets[slot] {
            EXACT_PER_ROW => self.zone.offset_at(secs),
            o => Some(o),
        }
    }
}

#[inline]
fn day_of_micros(us: i64) -> Option<i32> {
    i32::try_from(us.div_euclid(MICROS_PER_DAY))
        .ok()
        .filter(|d| in_calendar(*d))
}

/// Microseconds of a local date at midnight.
#[inline]
pub fn micros_of_day(day: i32) -> i64 {
    i64::from(day) * MICROS_PER_DAY
}

/// A date read from a date-typed column, as a local time value; `None`
/// where its microseconds overflow. Whether it is in the calendar is
/// [`LocalDates::day`]'s one check, as for every other time value.
#[inline]
pub fn local_date(day: i32) -> Option<TimeValue> {
    i64::from(day)
        .checked_mul(MICROS_PER_DAY)
        .map(TimeValue::Local)
}

/// Parses an ISO 8601 / RFC 3339 date or date-time.
///
/// `2024-01-31` and `2024-01-31 13:45[:07[.123]]` (or with `T`) are local;
/// the same followed by `Z`, `UTC` or an offset such as `+09:00` are instants.
pub fn parse_iso(text: &[u8]) -> Option<TimeValue> {
    let b = text.trim_ascii();
    if b.len() < 10 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let sep = b[4];
    if !(sep == b'-' || sep == b'/') || b[7] != sep || !valid_date(y as i32, m, d) {
        return None;
    }
    let day = days_from_civil(y as i32, m, d);
    let mut us = micros_of_day(day);
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(TimeValue::Local(us));
    }
    if !matches!(rest[0], b'T' | b't' | b' ') || rest.len() < 6 {
        return None;
    }
    let t = &rest[1..];
    let two = |i: usize| -> Option<i64> {
        let (a, b) = (t.get(i)?, t.get(i + 1)?);
        (a.is_ascii_digit() && b.is_ascii_digit()).then(|| i64::from((a - b'0') * 10 + (b - b'0')))
    };
    let (hh, mm) = (two(0)?, two(3)?);
    if t[2] != b':' || hh > 23 || mm > 59 {
        return None;
    }
    let mut i = 5;
    let mut ss = 0;
    if t.get(i) == Some(&b':') {
        ss = two(i + 1)?;
        if ss > 60 {
            return None;
        }
        // A leap second (`23:59:60`) is read as the second before it, on
        // the same date.
        ss = ss.min(59);
        i += 3;
        if matches!(t.get(i), Some(b'.') | Some(b',')) {
            i += 1;
            let start = i;
            let mut frac = 0i64;
            while i < t.len() && t[i].is_ascii_digit() {
                if i - start < 6 {
                    frac = frac * 10 + i64::from(t[i] - b'0');
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 {
                return None;
            }
            for _ in n..6 {
                frac *= 10;
            }
            us += frac;
        }
    }
    us += (hh * 3600 + mm * 60 + ss) * MICROS_PER_SECOND;
    let zone = t[i..].trim_ascii_start();
    if zone.is_empty() {
        return Some(TimeValue::Local(us));
    }
    if zone.eq_ignore_ascii_case(b"z") || zone.eq_ignore_ascii_case(b"utc") {
        return Some(TimeValue::Instant(us));
    }
    let offset = parse_offset(zone)?;
    Some(TimeValue::Instant(
        us - i64::from(offset) * MICROS_PER_SECOND,
    ))
}

/// A strftime pattern such as `%Y%m%d`, applied to strings and integers.
#[derive(Clone, Debug)]
pub struct TimeFormat {
    pattern: String,
    has_offset: bool,
}

impl TimeFormat {
    /// Checks that `pattern` is a usable chrono strftime pattern.
    pub fn new(pattern: &str) -> Result<Self, Error> {
        let items: Vec<_> = chrono::format::StrftimeItems::new(pattern).collect();
        if items
            .iter()
            .any(|i| matches!(i, chrono::format::Item::Error))
            || pattern.is_empty()
        {
            return Err(Error::invalid_option(
                crate::options::Opt::TimeFormat,
                pattern,
                "a strftime pattern such as %Y%m%d or %d/%m/%Y %H:%M",
            ));
        }
        Ok(TimeFormat {
            pattern: pattern.to_string(),
            has_offset: pattern.contains("%z")
                || pattern.contains("%:z")
                || pattern.contains("%#z"),
        })
    }

    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Parses one value, `None` when it does not match the pattern.
    pub fn parse(&self, text: &str) -> Option<TimeValue> {
        let text = text.trim();
        if self.has_offset {
            let t = DateTime::parse_from_str(text, &self.pattern).ok()?;
            return Some(TimeValue::Instant(t.timestamp_micros()));
        }
        if let Ok(t) = NaiveDateTime::parse_from_str(text, &self.pattern) {
            return Some(TimeValue::Local(t.and_utc().timestamp_micros()));
        }
        let d = NaiveDate::parse_from_str(text, &self.pattern).ok()?;
        Some(TimeValue::Local(
            d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> i32 {
        days_from_civil(y, m, d)
    }

    #[test]
    fn iso_strings() {
        let jan31 = micros_of_day(day(2024, 1, 31));
        assert_eq!(parse_iso(b"2024-01-31"), Some(TimeValue::Local(jan31)));
        assert_eq!(
            parse_iso(b"2024-01-31T13:45:07.5"),
            Some(TimeValue::Local(
                jan31 + (13 * 3600 + 45 * 60 + 7) * 1_000_000 + 500_000
            ))
        );
        assert_eq!(
            parse_iso(b"2024-01-31 13:45"),
            Some(TimeValue::Local(jan31 + (13 * 3600 + 45 * 60) * 1_000_000))
        );
        assert_eq!(
            parse_iso(b"2024-01-31T00:00:00Z"),
            Some(TimeValue::Instant(jan31))
        );
        assert_eq!(
            parse_iso(b"2024-01-31T09:00:00+09:00"),
            Some(TimeValue::Instant(jan31))
        );
        assert_eq!(
            parse_iso(b"2024-01-31T09:00:00+0900"),
            Some(TimeValue::Instant(jan31))
        );
        for bad in [
            &b"2024-02-30"[..],
            b"yesterday",
            b"2024-01-31T25:00",
            b"2024-01-31X",
            b"",
        ] {
            assert_eq!(parse_iso(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn zones() {
        for utc in ["UTC", "Etc/UTC", "Z", "+00:00"] {
            assert_eq!(utc.parse::<Zone>().unwrap(), Zone::Fixed(0));
        }
        assert_eq!("+09:00".parse::<Zone>().unwrap(), Zone::Fixed(9 * 3600));
        assert_eq!("-05:30".parse::<Zone>().unwrap().name(), "-05:30");
        assert_eq!("asia/seoul".parse::<Zone>().unwrap().name(), "Asia/Seoul");
        let err = "Mars/Olympus".parse::<Zone>().unwrap_err().to_string();
        assert!(
            err.contains("Mars/Olympus") && err.contains("IANA"),
            "{err}"
        );
    }

    #[test]
    fn dst_uses_real_rules() {
        let ny: Zone = "America/New_York".parse().unwrap();
        let mut dates = LocalDates::new(ny);
        // 2024-07-01T03:30Z is 23:30 EDT (UTC-4) on June 30.
        let summer = micros_of_day(day(2024, 7, 1)) + 3 * 3600 * 1_000_000 + 30 * 60 * 1_000_000;
        assert_eq!(
            dates.day(TimeValue::Instant(summer)),
            Some(day(2024, 6, 30))
        );
        // 2024-01-01T04:30Z is 23:30 EST (UTC-5) on Dec 31; 05:30Z is Jan 1.
        let winter = micros_of_day(day(2024, 1, 1)) + 4 * 3600 * 1_000_000 + 30 * 60 * 1_000_000;
        assert_eq!(
            dates.day(TimeValue::Instant(winter)),
            Some(day(2023, 12, 31))
        );
        assert_eq!(
            dates.day(TimeValue::Instant(winter + 3600 * 1_000_000)),
            Some(day(2024, 1, 1))
        );
        // A local value is used as it is.
        assert_eq!(dates.day(TimeValue::Local(winter)), Some(day(2024, 1, 1)));
    }

    #[test]
    fn formats() {
        let f = TimeFormat::new("%Y%m%d").unwrap();
        assert_eq!(
            f.parse("20240131"),
            Some(TimeValue::Local(micros_of_day(day(2024, 1, 31))))
        );
        assert_eq!(f.parse("2024-01-31"), None);
        let g = TimeFormat::new("%d/%m/%Y %H:%M %z").unwrap();
        assert_eq!(
            g.parse("31/01/2024 09:00 +0900"),
            Some(TimeValue::Instant(micros_of_day(day(2024, 1, 31))))
        );
        assert!(TimeFormat::new("%Q").is_err());
    }
}
