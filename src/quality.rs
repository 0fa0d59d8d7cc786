//! The quality report (SPEC section 6): what was read, what was rejected
//! and why, and what in the data could make the numbers mislead.

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// Rows rejected, by reason (serialized with their `total`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rejected {
    /// Rows without a user id.
    pub null_user: u64,
    /// Rows without a time.
    pub null_time: u64,
    /// Rows whose time could not be read.
    pub unparseable_time: u64,
    /// Rows dated on or before the snapshot's `as_of` (skipped with `skip_overlap`).
    pub dated_on_or_before_as_of: u64,
    /// Rows dated after `through`.
    pub dated_after_through: u64,
}

impl Rejected {
    /// All of the above.
    pub fn total(&self) -> u64 {
        self.null_user
            + self.null_time
            + self.unparseable_time
            + self.dated_on_or_before_as_of
            + self.dated_after_through
    }
}

impl Serialize for Rejected {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("Rejected", 6)?;
        o.serialize_field("null_user", &self.null_user)?;
        o.serialize_field("null_time", &self.null_time)?;
        o.serialize_field("unparseable_time", &self.unparseable_time)?;
        o.serialize_field("dated_on_or_before_as_of", &self.dated_on_or_before_as_of)?;
        o.serialize_field("dated_after_through", &self.dated_after_through)?;
        o.serialize_field("total", &self.total())?;
        o.end()
    }
}

/// The settings a history holds one value of (a merge refuses a run with
/// another): the quality report's fields, and the key-value metadata of
/// every Parquet table a run writes.
pub const SETTINGS: [&str; 4] = ["fact", "grain", "timezone", "week_start"];

/// The quality report of one run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Quality {
    /// The fact name.
    pub fact: String,
    /// The grain of the run (`day`, `week`, `month`).
    pub grain: String,
    /// The time zone of local dates.
    pub timezone: String,
    /// The first day of weekly periods.
    pub week_start: String,
    /// The fact files read.
    pub files: Vec<String>,
    /// The snapshot the run resumed from, if any.
    pub snapshot: Option<String>,
    /// The snapshot's `as_of`, if any.
    pub as_of: Option<String>,
    /// The first reported day.
    pub report_from: String,
    /// The last day of data folded in.
    pub through: String,
    /// Data rows in all fact files.
    pub rows_read: u64,
    /// Rows that count as activity.
    pub rows_used: u64,
    /// Rows rejected, by reason.
    pub rows_rejected: Rejected,
    /// Rows left out by the fact filter (not errors).
    pub rows_filtered_out: u64,
    /// Rows repeating an earlier row's user and timestamp (kept).
    pub duplicate_rows: u64,
    /// Users with at least one used row.
    pub distinct_users: u64,
    /// Users first seen in this run (not in the snapshot).
    pub new_users: u64,
    /// Users in the snapshot this run resumed from.
    pub snapshot_users: u64,
    /// Users in the written snapshot.
    pub total_users: u64,
    /// Earliest local date of a used row.
    pub min_local_date: Option<String>,
    /// Latest local date of a used row.
    pub max_local_date: Option<String>,
    /// Whether the input snapshot's values are exact (none without a snapshot).
    pub snapshot_exact: Option<bool>,
    /// Whether the written snapshot's values are exact.
    pub exact: bool,
    /// Days from the first reported day through `through` with no fact rows at all.
    pub empty_days: Vec<String>,
    /// Human-readable warnings.
    pub warnings: Vec<String>,
    /// Rows and users per segment, in a segmented run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<crate::segment::SegmentCounts>>,
}

impl Quality {
    /// The run's [`SETTINGS`] as key-value metadata.
    pub fn settings(&self) -> Vec<(String, String)> {
        let values = [&self.fact, &self.grain, &self.timezone, &self.week_start];
        SETTINGS
            .iter()
            .zip(values)
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }
}
