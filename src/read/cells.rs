//! Time cells: how the value of a time column, of whatever type, is read
//! according to the time options.

use crate::error::Error;
use crate::options::Opt;
use crate::time::{TimeFormat, TimeUnit, TimeValue};

/// A parsed time cell.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cell {
    Time(TimeValue),
    Null,
    Bad,
}

/// Reads the time cells of one column according to the options.
pub(crate) struct TimeReader<'a> {
    pub unit: Option<TimeUnit>,
    pub format: Option<&'a TimeFormat>,
}

impl TimeReader<'_> {
    /// A string cell: the format if given, else an epoch integer if a unit is
    /// given, else ISO 8601.
    #[inline]
    pub fn text(&self, s: &str) -> Cell {
        // Stops at the first character that is not white space (a trim
        // would also scan the value from its end).
        if s.chars().all(char::is_whitespace) {
            return Cell::Null;
        }
        let v = if let Some(f) = self.format {
            f.parse(s)
        } else if let Some(unit) = self.unit {
            let t = s.trim();
            t.parse::<i64>()
                .ok()
                .and_then(|v| unit.to_micros(v))
                .or_else(|| {
                    let f: f64 = t.parse().ok()?;
                    let us = f * unit.to_micros(1).map_or(0.001, |m| m as f64);
                    us.is_finite().then_some(us.floor() as i64)
                })
                .map(TimeValue::Instant)
        } else {
            crate::time::parse_iso(s.as_bytes())
        };
        v.map_or(Cell::Bad, Cell::Time)
    }

    /// A cell as raw bytes (CSV). ISO 8601 values skip the UTF-8 check:
    /// the parser accepts ASCII text only, so a value it reads is valid.
    #[inline]
    pub fn bytes(&self, raw: &[u8]) -> Cell {
        if self.format.is_none() && self.unit.is_none() {
            if let Some(v) = crate::time::parse_iso(raw) {
                return Cell::Time(v);
            }
        }
        std::str::from_utf8(raw).map_or(Cell::Bad, |s| self.text(s))
    }

    /// An integer cell of a column that has no time type.
    #[inline]
    pub fn int(&self, v: i64) -> Cell {
        if let Some(f) = self.format {
            return f.parse(&v.to_string()).map_or(Cell::Bad, Cell::Time);
        }
        match self.unit.and_then(|u| u.to_micros(v)) {
            Some(us) => Cell::Time(TimeValue::Instant(us)),
            None => Cell::Bad,
        }
    }

    /// Whether integers can be read (an explicit unit or format).
    pub fn reads_integers(&self) -> bool {
        self.unit.is_some() || self.format.is_some()
    }
}

/// The error for an integer time column without a unit or format.
pub(crate) fn integer_time_error(file: &str, column: &str) -> Error {
    Error::column(
        file,
        column,
        format!("holds integers: give a time unit ({} s|ms|us|ns) for epoch values, or a time format ({}, e.g. %Y%m%d) for dates written as numbers", Opt::TimeUnit, Opt::TimeFormat),
    )
}
