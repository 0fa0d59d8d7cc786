//! Run settings as text, the form every interface receives them in (CLI
//! flags, JS options objects, URL hashes), and their one conversion into
//! [`RunOptions`], so every interface accepts exactly the same values.

use serde::Deserialize;

use crate::error::Error;
use crate::grain::{parse_day, Grain, Weekday};
use crate::read::FactOptions;
use crate::run::RunOptions;
use crate::states::Rows;
use crate::time::{TimeFormat, TimeUnit, Zone};

/// Every option of a run, as text. Field names follow the JS API
/// (camelCase); the CLI flags are the same words in kebab-case.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// `day`, `week` or `month` (default `week`).
    pub grain: Option<String>,
    /// First day of weeks, e.g. `monday`.
    pub week_start: Option<String>,
    /// IANA zone or fixed offset.
    pub timezone: Option<String>,
    /// The user id column.
    pub user_column: Option<String>,
    /// The time column.
    pub time_column: Option<String>,
    /// `s`, `ms`, `us` or `ns` for epoch integers.
    pub time_unit: Option<String>,
    /// strftime pattern for times.
    pub time_format: Option<String>,
    /// Column naming the kind of activity.
    pub fact_column: Option<String>,
    /// Values of `fact_column` that count as activity.
    #[serde(default)]
    pub fact_values: Vec<String>,
    /// Fact name for output names.
    pub name: Option<String>,
    /// Last day of data, `YYYY-MM-DD`.
    pub through: Option<String>,
    /// First reported day, `YYYY-MM-DD`.
    pub report_from: Option<String>,
    /// `changes` or `all`.
    pub rows: Option<String>,
    /// The snapshot's as-of day, `YYYY-MM-DD` (minimal snapshots).
    pub as_of: Option<String>,
    /// Skip facts dated on or before as_of instead of failing.
    #[serde(default)]
    pub skip_overlap: bool,
    /// Largest fraction of rejected rows (default 0.01).
    pub max_rejected: Option<f64>,
    /// Ignored here: the snapshot file travels beside the settings.
    #[serde(default, skip_serializing)]
    pub snapshot: Option<serde::de::IgnoredAny>,
}

fn opt<T>(v: &Option<String>, f: impl Fn(&str) -> Result<T, Error>) -> Result<Option<T>, Error> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(f)
        .transpose()
}

/// The option names [`Settings`] accepts, as serde sees them. A
/// deserializer of JS objects may read only the fields it is asked for, so
/// unknown keys are checked against this list.
pub fn option_names() -> &'static [&'static str] {
    struct Names(&'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for &mut Names {
        type Error = serde::de::value::Error;
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(serde::de::Error::custom("names only"))
        }
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("names only"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut names = Names(&[]);
    let _ = Settings::deserialize(&mut names);
    names.0
}

impl Settings {
    /// The run options these settings describe.
    pub fn to_options(&self) -> Result<RunOptions, Error> {
        let grain = opt(&self.grain, str::parse::<Grain>)?.unwrap_or(Grain::Week);
        let mut o = RunOptions::new(grain);
        o.facts = FactOptions {
            user_column: self.user_column.clone().filter(|s| !s.trim().is_empty()),
            time_column: self.time_column.clone().filter(|s| !s.trim().is_empty()),
            time_unit: opt(&self.time_unit, str::parse::<TimeUnit>)?,
            time_format: opt(&self.time_format, TimeFormat::new)?,
            fact_column: self.fact_column.clone().filter(|s| !s.trim().is_empty()),
            fact_values: self.fact_values.clone(),
            zone: Zone::default(),
        };
        o.week_start = opt(&self.week_start, str::parse::<Weekday>)?;
        o.timezone = opt(&self.timezone, str::parse::<Zone>)?;
        o.name = self.name.clone().filter(|s| !s.trim().is_empty());
        o.through = opt(&self.through, |d| parse_day("through", d))?;
        o.report_from = opt(&self.report_from, |d| parse_day("report_from", d))?;
        o.as_of = opt(&self.as_of, |d| parse_day("as_of", d))?;
        o.skip_overlap = self.skip_overlap;
        if let Some(m) = self.max_rejected {
            o.max_rejected = m;
        }
        o.rows = opt(&self.rows, str::parse::<Rows>)?.unwrap_or_default();
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_names_are_the_camel_case_fields() {
        let names = option_names();
        for n in [
            "grain",
            "weekStart",
            "timezone",
            "factValues",
            "maxRejected",
            "rows",
        ] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        assert!(!names.contains(&"week_start"));
    }

    #[test]
    fn converts_and_rejects() {
        let s = Settings {
            grain: Some("month".into()),
            timezone: Some("Asia/Seoul".into()),
            through: Some("2024-02-04".into()),
            user_column: Some("".into()),
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
    }
}
