//! The worked example of SPEC section 10, once for every test crate: its
//! facts (`tests/data/spec_example.csv`) and what a weekly run of them
//! (Monday weeks, through 2024-02-04) gives. The tables are CSV text exactly
//! as the CLI writes them; tests that compare structured rows read the same
//! text through [`records`] (cells by column name), so no number is written
//! twice.
//!
//! Included with `#[path = "common/spec.rs"] mod spec;`. Plain text and
//! `std` only (no files read at run time, nothing from the engine), so the
//! wasm32 test crate uses it too.

// Each test crate uses only part of this module; the rest would warn there.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::str::FromStr;

/// The facts file, `user_id,event_date` (11 rows, 4 users).
pub const FACTS_CSV: &[u8] = include_bytes!("../data/spec_example.csv");

/// [`FACTS_CSV`] as text.
pub fn facts_text() -> &'static str {
    std::str::from_utf8(FACTS_CSV).expect("the facts file is UTF-8")
}

/// The data lines of the facts file (`user,date`), in file order.
pub fn fact_lines() -> Vec<&'static str> {
    facts_text()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The facts as (user, local date) pairs, in file order.
pub fn facts() -> Vec<(&'static str, &'static str)> {
    records(facts_text())
        .iter()
        .map(|r| (r.text("user_id"), r.text("event_date")))
        .collect()
}

/// The weekly states table (rows = changes).
pub const STATES_CSV: &str = "\
user_id,period_start,state,previous_state,transition,streak,inactive_streak,gap,churned_periods,active_periods,first_period,tenure
alice,2024-01-01,new,,new,1,0,,,1,2024-01-01,0
bob,2024-01-01,new,,new,1,0,,,1,2024-01-01,0
dave,2024-01-01,new,,new,1,0,,,1,2024-01-01,0
alice,2024-01-08,retained,new,new_to_retained,2,0,1,,2,2024-01-01,1
bob,2024-01-08,inactive,new,new_to_inactive,0,1,,,1,2024-01-01,1
carol,2024-01-08,new,,new,1,0,,,1,2024-01-08,0
dave,2024-01-08,inactive,new,new_to_inactive,0,1,,,1,2024-01-01,1
alice,2024-01-15,inactive,retained,retained_to_inactive,0,1,,,2,2024-01-01,2
carol,2024-01-15,retained,new,new_to_retained,2,0,1,,2,2024-01-08,1
carol,2024-01-22,retained,retained,retained_to_retained,3,0,1,,3,2024-01-08,2
dave,2024-01-22,reactivated,inactive,inactive_to_reactivated,1,0,3,2,2,2024-01-01,3
alice,2024-01-29,reactivated,inactive,inactive_to_reactivated,1,0,3,2,3,2024-01-01,4
carol,2024-01-29,inactive,retained,retained_to_inactive,0,1,,,3,2024-01-08,3
dave,2024-01-29,retained,reactivated,reactivated_to_retained,2,0,1,,3,2024-01-01,4
";

/// The weekly summary.
pub const SUMMARY_CSV: &str = "\
period_start,period_end,complete,active,new,retained,reactivated,churned,dormant,inactive,total_users,retention_rate,churn_rate,reactivation_rate,quick_ratio
2024-01-01,2024-01-07,true,3,3,0,0,0,0,0,3,,,,
2024-01-08,2024-01-14,true,2,1,1,0,2,0,2,4,0.3333333333333333,0.6666666666666666,,0.5
2024-01-15,2024-01-21,true,1,0,1,0,1,2,3,4,0.5,0.5,0,0
2024-01-22,2024-01-28,true,2,0,1,1,0,2,2,4,1,0,0.3333333333333333,
2024-01-29,2024-02-04,true,2,0,1,1,1,1,2,4,0.5,0.5,0.5,1
";

/// The count columns of [`SUMMARY_CSV`], in its order.
pub const SUMMARY_COUNTS: [&str; 8] = [
    "active",
    "new",
    "retained",
    "reactivated",
    "churned",
    "dormant",
    "inactive",
    "total_users",
];

/// The rate columns of [`SUMMARY_CSV`], in its order.
pub const SUMMARY_RATES: [&str; 4] = [
    "retention_rate",
    "churn_rate",
    "reactivation_rate",
    "quick_ratio",
];

/// The weekly cohorts.
pub const COHORTS_CSV: &str = "\
cohort_period,period_start,periods_since,cohort_size,active_users,retention
2024-01-01,2024-01-01,0,3,3,1
2024-01-01,2024-01-08,1,3,1,0.3333333333333333
2024-01-08,2024-01-08,0,1,1,1
2024-01-01,2024-01-15,2,3,0,0
2024-01-08,2024-01-15,1,1,1,1
2024-01-01,2024-01-22,3,3,1,0.3333333333333333
2024-01-08,2024-01-22,2,1,1,1
2024-01-01,2024-01-29,4,3,2,0.6666666666666666
2024-01-08,2024-01-29,3,1,0,0
";

/// Non-zero transitions per week: (period_start, transition, users); every
/// other transition of [`ALL_TRANSITIONS`] has 0 users that week.
pub const TRANSITIONS: [(&str, &str, u64); 14] = [
    ("2024-01-01", "new", 3),
    ("2024-01-08", "new", 1),
    ("2024-01-08", "new_to_retained", 1),
    ("2024-01-08", "new_to_inactive", 2),
    ("2024-01-15", "new_to_retained", 1),
    ("2024-01-15", "retained_to_inactive", 1),
    ("2024-01-15", "inactive_to_inactive", 2),
    ("2024-01-22", "retained_to_retained", 1),
    ("2024-01-22", "inactive_to_reactivated", 1),
    ("2024-01-22", "inactive_to_inactive", 2),
    ("2024-01-29", "inactive_to_reactivated", 1),
    ("2024-01-29", "retained_to_inactive", 1),
    ("2024-01-29", "reactivated_to_retained", 1),
    ("2024-01-29", "inactive_to_inactive", 1),
];

/// The nine transitions, each reported for every week.
pub const ALL_TRANSITIONS: [&str; 9] = [
    "new",
    "new_to_retained",
    "new_to_inactive",
    "retained_to_retained",
    "retained_to_inactive",
    "reactivated_to_retained",
    "reactivated_to_inactive",
    "inactive_to_reactivated",
    "inactive_to_inactive",
];

/// The FirstLast snapshot as of 2024-02-04, one row per user in id order
/// (SPEC section 10 gives the weekly columns and dave's daily and monthly
/// ones; the rest follow from the facts). The CLI writes it as Parquet only.
pub const SNAPSHOT_CSV: &str = "\
user_id,first_active_date,last_active_date,daily_previous_active_date,daily_streak,daily_active_periods,weekly_previous_active_date,weekly_streak,weekly_active_periods,weekly_active_days,monthly_previous_active_date,monthly_streak,monthly_active_periods,monthly_active_days
alice,2024-01-01,2024-01-30,2024-01-09,1,3,2024-01-09,1,3,1,,1,1,3
bob,2024-01-03,2024-01-03,,1,1,,1,1,1,,1,1,1
carol,2024-01-10,2024-01-24,2024-01-17,1,3,2024-01-17,3,3,1,,1,1,3
dave,2024-01-02,2024-01-31,2024-01-23,1,4,2024-01-23,2,3,1,,1,1,4
";

/// The daily activity table of the example (SPEC section 12; default
/// windows 7 and 28), from the first day of the first reported week
/// through 2024-02-04. Computed from the facts by a window scan per day.
pub const ACTIVITY_CSV: &str = "\
date,active_1d,active_7d,stickiness_7d,complete_7d,active_28d,stickiness_28d,complete_28d
2024-01-01,1,1,1,false,1,1,false
2024-01-02,1,2,0.5,false,2,0.5,false
2024-01-03,1,3,0.3333333333333333,false,3,0.3333333333333333,false
2024-01-04,1,3,0.3333333333333333,false,3,0.3333333333333333,false
2024-01-05,0,3,0,false,3,0,false
2024-01-06,0,3,0,false,3,0,false
2024-01-07,0,3,0,true,3,0,false
2024-01-08,0,2,0,true,3,0,false
2024-01-09,1,3,0.3333333333333333,true,3,0.3333333333333333,false
2024-01-10,1,3,0.3333333333333333,true,4,0.25,false
2024-01-11,0,2,0,true,4,0,false
2024-01-12,0,2,0,true,4,0,false
2024-01-13,0,2,0,true,4,0,false
2024-01-14,0,2,0,true,4,0,false
2024-01-15,0,2,0,true,4,0,false
2024-01-16,0,1,0,true,4,0,false
2024-01-17,1,1,1,true,4,0.25,false
2024-01-18,0,1,0,true,4,0,false
2024-01-19,0,1,0,true,4,0,false
2024-01-20,0,1,0,true,4,0,false
2024-01-21,0,1,0,true,4,0,false
2024-01-22,0,1,0,true,4,0,false
2024-01-23,1,2,0.5,true,4,0.25,false
2024-01-24,1,2,0.5,true,4,0.25,false
2024-01-25,0,2,0,true,4,0,false
2024-01-26,0,2,0,true,4,0,false
2024-01-27,0,2,0,true,4,0,false
2024-01-28,0,2,0,true,4,0,true
2024-01-29,0,2,0,true,4,0,true
2024-01-30,1,2,0.5,true,4,0.25,true
2024-01-31,1,2,0.5,true,3,0.3333333333333333,true
2024-02-01,0,2,0,true,3,0,true
2024-02-02,0,2,0,true,3,0,true
2024-02-03,0,2,0,true,3,0,true
2024-02-04,0,2,0,true,3,0,true
";

/// The weekly depth table of the example (SPEC section 12): per week, the
/// users active on exactly 1..=7 distinct days of it.
pub const DEPTH_CSV: &str = "\
period_start,days_active,users
2024-01-01,1,2
2024-01-01,2,1
2024-01-01,3,0
2024-01-01,4,0
2024-01-01,5,0
2024-01-01,6,0
2024-01-01,7,0
2024-01-08,1,2
2024-01-08,2,0
2024-01-08,3,0
2024-01-08,4,0
2024-01-08,5,0
2024-01-08,6,0
2024-01-08,7,0
2024-01-15,1,1
2024-01-15,2,0
2024-01-15,3,0
2024-01-15,4,0
2024-01-15,5,0
2024-01-15,6,0
2024-01-15,7,0
2024-01-22,1,2
2024-01-22,2,0
2024-01-22,3,0
2024-01-22,4,0
2024-01-22,5,0
2024-01-22,6,0
2024-01-22,7,0
2024-01-29,1,2
2024-01-29,2,0
2024-01-29,3,0
2024-01-29,4,0
2024-01-29,5,0
2024-01-29,6,0
2024-01-29,7,0
";

/// One row of a CSV table of this module: its cells by column name.
pub struct Row(BTreeMap<&'static str, &'static str>);

impl Row {
    /// The cell as written ("" for null).
    pub fn text(&self, column: &str) -> &'static str {
        self.0
            .get(column)
            .copied()
            .unwrap_or_else(|| panic!("no column {column}"))
    }

    /// The cell parsed; `None` where it is null (empty).
    pub fn opt<T: FromStr>(&self, column: &str) -> Option<T>
    where
        T::Err: Debug,
    {
        let cell = self.text(column);
        (!cell.is_empty()).then(|| {
            cell.parse()
                .unwrap_or_else(|e| panic!("{column} = {cell:?}: {e:?}"))
        })
    }

    /// The cell parsed; it must not be null.
    pub fn get<T: FromStr>(&self, column: &str) -> T
    where
        T::Err: Debug,
    {
        self.opt(column)
            .unwrap_or_else(|| panic!("{column} is null"))
    }

    /// Every cell, by column name.
    pub fn cells(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.0.iter().map(|(c, v)| (*c, *v))
    }
}

/// The data rows of CSV text without quoting (no cell of these tables holds
/// a comma).
pub fn records(csv: &'static str) -> Vec<Row> {
    let mut lines = csv.lines().filter(|l| !l.is_empty());
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{l}");
            Row(header.iter().copied().zip(cells).collect())
        })
        .collect()
}

/// [`STATES_CSV`]'s rows.
pub fn states() -> Vec<Row> {
    records(STATES_CSV)
}

/// [`SUMMARY_CSV`]'s rows.
pub fn summary() -> Vec<Row> {
    records(SUMMARY_CSV)
}

/// A summary row's counts of [`SUMMARY_COUNTS`] without `inactive`, the
/// shape the incremental and differential tests compare.
pub fn counts_but_inactive(row: &Row) -> [u64; 7] {
    let counts: Vec<u64> = SUMMARY_COUNTS
        .iter()
        .filter(|c| **c != "inactive")
        .map(|c| row.get(c))
        .collect();
    counts.try_into().expect("seven counts")
}

/// A summary row's rates of [`SUMMARY_RATES`] (`None` where null).
pub fn rates(row: &Row) -> [Option<f64>; 4] {
    SUMMARY_RATES.map(|c| row.opt(c))
}

/// [`COHORTS_CSV`]'s rows.
pub fn cohorts() -> Vec<Row> {
    records(COHORTS_CSV)
}

/// [`SNAPSHOT_CSV`]'s rows.
pub fn snapshot() -> Vec<Row> {
    records(SNAPSHOT_CSV)
}

/// The reported weeks' starts, in order.
pub fn weeks() -> Vec<&'static str> {
    summary().iter().map(|r| r.text("period_start")).collect()
}

/// The users in id order.
pub fn users() -> Vec<&'static str> {
    snapshot().iter().map(|r| r.text("user_id")).collect()
}

/// A user's snapshot dates and the columns of one grain (`daily`, `weekly`
/// or `monthly`): (first_active_date, last_active_date,
/// previous_active_date, streak, active_periods).
pub fn snapshot_columns(user: &str, grain: &str) -> (String, String, Option<String>, u32, u32) {
    let rows = snapshot();
    let r = rows
        .iter()
        .find(|r| r.text("user_id") == user)
        .unwrap_or_else(|| panic!("no user {user} in the snapshot"));
    (
        r.get("first_active_date"),
        r.get("last_active_date"),
        r.opt(&format!("{grain}_previous_active_date")),
        r.get(&format!("{grain}_streak")),
        r.get(&format!("{grain}_active_periods")),
    )
}

// ---------------------------------------------------------------------------
// SPEC section 11's worked example: the same facts partitioned by a users
// table's `plan` (dave is absent from it, so his segment is null).
// ---------------------------------------------------------------------------

/// The users table of the partition example.
pub const PLAN_USERS_CSV: &str = "user_id,plan\nalice,pro\nbob,free\ncarol,pro\n";

/// `active` per week (01-01 .. 01-29) of each plan segment, in segment
/// order (null last, written as an empty cell).
pub const PLAN_ACTIVE: [(&str, [u64; 5]); 3] = [
    ("free", [1, 0, 0, 0, 0]),
    ("pro", [1, 2, 1, 1, 1]),
    ("", [1, 0, 0, 1, 1]),
];

/// The split example: section 10's facts with the platform of each.
pub const PLATFORM_FACTS_CSV: &str = include_str!("../data/spec_example_platform.csv");

/// `active` per week of each platform segment, split by `platform`.
pub const PLATFORM_ACTIVE: [(&str, [u64; 5]); 2] =
    [("ios", [1, 2, 1, 0, 0]), ("web", [3, 0, 0, 2, 2])];
