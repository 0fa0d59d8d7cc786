//! The data dictionary: every output table and column with its type and
//! meaning. Output schemas take their field descriptions from here, and
//! `activation dictionary` prints it, so the two cannot drift apart.

use serde::Serialize;

/// One column of an output table.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ColumnDoc {
    /// Column name.
    pub name: &'static str,
    /// Logical type: `user_id` (string or int64, as in the facts), `date`,
    /// `string`, `int32`, `int64`, `float64`, `boolean`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// Whether the column can be null.
    pub nullable: bool,
    /// What a value means.
    pub description: &'static str,
    /// The allowed values, for categorical columns.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub values: &'static [&'static str],
}

/// One output table.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TableDoc {
    /// Short name used by the APIs (`states`, `summary`, ...).
    pub table: &'static str,
    /// The file name pattern (`{fact}`, `{g}` = daily/weekly/monthly).
    pub name: &'static str,
    /// What one row is.
    pub description: &'static str,
    /// The key: a later run's row replaces an earlier one with the same key.
    pub key: &'static [&'static str],
    /// The columns, in order.
    pub columns: &'static [ColumnDoc],
}

const STATES: &[&str] = &["new", "retained", "reactivated", "inactive"];
const TRANSITIONS: &[&str] = &[
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

const fn col(
    name: &'static str,
    ty: &'static str,
    nullable: bool,
    description: &'static str,
) -> ColumnDoc {
    ColumnDoc {
        name,
        ty,
        nullable,
        description,
        values: &[],
    }
}

const fn cat(
    name: &'static str,
    nullable: bool,
    description: &'static str,
    values: &'static [&'static str],
) -> ColumnDoc {
    ColumnDoc {
        name,
        ty: "string",
        nullable,
        description,
        values,
    }
}

/// What a run's Parquet tables (all but the snapshot) say of their run.
macro_rules! run_metadata {
    () => {
        " Parquet metadata: fact, grain, timezone, week_start (merge refuses a run whose values differ)."
    };
}

/// Every output table.
pub const TABLES: &[TableDoc] = &[
    TableDoc {
        table: "states",
        name: "{fact}_activation_{g}",
        description: concat!("One row per user and reported period: every user active in the period plus each user who churned in it (rows = changes), or every user from their first period on (rows = all).", run_metadata!()),
        key: &["user_id", "period_start"],
        columns: &[
            col("user_id", "user_id", false, "The user, with the id type of the facts (string or integer)."),
            col("period_start", "date", false, "First day of the period (weeks start on the configured week start; months on the 1st)."),
            cat("state", false, "new = first active period; retained = active now and in the previous period; reactivated = active now, not in the previous period; inactive = not active now.", STATES),
            cat("previous_state", true, "The state in the previous period; null on the new row.", STATES),
            cat("transition", false, "previous_state_to_state, or new when there is no previous state.", TRANSITIONS),
            col("streak", "int32", false, "Consecutive active periods ending at this one, this one included; 0 on inactive rows."),
            col("inactive_streak", "int32", false, "Consecutive inactive periods ending at this one; 0 on active rows, 1 on the churn row."),
            col("gap", "int32", true, "Periods since the previous active period (1 for retained); null on new and inactive rows."),
            col("churned_periods", "int32", true, "On reactivated rows, the inactive periods that just ended (gap - 1); null otherwise."),
            col("active_periods", "int32", false, "Active periods from the user's first period through this one (lifetime count)."),
            col("first_period", "date", false, "period_start of the user's first active period (the cohort)."),
            col("tenure", "int32", false, "Periods from the user's first period to this one (0 on the new row)."),
        ],
    },
    TableDoc {
        table: "summary",
        name: "{fact}_activation_{g}_summary",
        description: concat!("One row per reported period: users by state and the rates between periods. active = new + retained + reactivated; active(p-1) = retained + churned; total_users = active + inactive.", run_metadata!()),
        key: &["period_start"],
        columns: &[
            col("period_start", "date", false, "First day of the period."),
            col("period_end", "date", false, "Last day of the period (inclusive)."),
            col("complete", "boolean", false, "Whether the period ended on or before the last day of data (through); incomplete periods change when later facts arrive."),
            col("active", "int64", false, "Users active in the period (new + retained + reactivated)."),
            col("new", "int64", false, "Users whose first active period is this one."),
            col("retained", "int64", false, "Users active in this period and the previous one."),
            col("reactivated", "int64", false, "Users active in this period, inactive in the previous one, and not new."),
            col("churned", "int64", false, "Users who became inactive in this period (active in the previous one)."),
            col("dormant", "int64", false, "Users inactive in this period and in the previous one."),
            col("inactive", "int64", false, "Users inactive in this period (churned + dormant)."),
            col("total_users", "int64", false, "Users whose first active period is this one or earlier."),
            col("retention_rate", "float64", true, "retained / active in the previous period; null when no one was active then."),
            col("churn_rate", "float64", true, "churned / active in the previous period; null when no one was active then."),
            col("reactivation_rate", "float64", true, "reactivated / inactive in the previous period; null when no one was inactive then."),
            col("quick_ratio", "float64", true, "(new + reactivated) / churned: growth per lost user; null when no one churned."),
        ],
    },
    TableDoc {
        table: "transitions",
        name: "{fact}_activation_{g}_transitions",
        description: concat!("Nine rows per reported period: how many users moved from each state in the previous period to each state in this one, zeros included.", run_metadata!()),
        key: &["period_start", "from_state", "to_state"],
        columns: &[
            col("period_start", "date", false, "First day of the period."),
            cat("from_state", true, "The state in the previous period; null for users who are new in this period.", STATES),
            cat("to_state", false, "The state in this period.", STATES),
            col("users", "int64", false, "Users who made this transition in this period."),
        ],
    },
    TableDoc {
        table: "cohorts",
        name: "{fact}_activation_{g}_cohorts",
        description: concat!("One row per reported period and cohort (users grouped by their first active period) that has users: how many of the cohort are active.", run_metadata!()),
        key: &["cohort_period", "period_start"],
        columns: &[
            col("cohort_period", "date", false, "period_start of the cohort's first active period."),
            col("period_start", "date", false, "First day of the reported period."),
            col("periods_since", "int32", false, "Periods from the cohort's first period to this one."),
            col("cohort_size", "int64", false, "Users whose first active period is the cohort period."),
            col("active_users", "int64", false, "Users of the cohort active in this period."),
            col("retention", "float64", false, "active_users / cohort_size."),
        ],
    },
    TableDoc {
        table: "snapshot",
        name: "{fact}_firstlast",
        description: "FirstLast snapshot: one row per user ever seen, with what is needed to resume any grain from the day after as_of. Parquet metadata: as_of, week_start, timezone, fact, format_version, exact.",
        key: &["user_id"],
        columns: &[
            col("user_id", "user_id", false, "The user, with the id type of the facts (string or integer)."),
            col("first_active_date", "date", false, "Local date of the user's first activity."),
            col("last_active_date", "date", false, "Local date of the user's latest activity on or before as_of."),
            col("daily_previous_active_date", "date", true, "Latest active date before the day of last_active_date; null if none."),
            col("daily_streak", "int32", false, "Consecutive active days ending at the day of last_active_date."),
            col("daily_active_periods", "int32", false, "Active days through the day of last_active_date."),
            col("weekly_previous_active_date", "date", true, "Latest active date before the week of last_active_date; null if none."),
            col("weekly_streak", "int32", false, "Consecutive active weeks ending at the week of last_active_date."),
            col("weekly_active_periods", "int32", false, "Active weeks through the week of last_active_date."),
            col("weekly_active_days", "int32", false, "Distinct active days in the week of last_active_date (format 2; the open week's depth starts from it)."),
            col("monthly_previous_active_date", "date", true, "Latest active date before the month of last_active_date; null if none."),
            col("monthly_streak", "int32", false, "Consecutive active months ending at the month of last_active_date."),
            col("monthly_active_periods", "int32", false, "Active months through the month of last_active_date."),
            col("monthly_active_days", "int32", false, "Distinct active days in the month of last_active_date (format 2; the open month's depth starts from it)."),
        ],
    },
    TableDoc {
        table: "activity",
        name: "{fact}_activity_daily",
        description: concat!("One row per day, from the first day of the first reported period (with a snapshot, from the day after its as_of: earlier days are folded into it) through the last day of data: users active that day and in each trailing window of N days (the run's windows, 7 and 28 by default), whatever the grain. Columns active_{N}d, stickiness_{N}d and complete_{N}d repeat for each window, shortest first.", run_metadata!()),
        key: &["date"],
        columns: &[
            col("date", "date", false, "The day."),
            col("active_1d", "int64", false, "Users active on this day (daily active users)."),
            col("active_{N}d", "int64", false, "Users active on at least one day of the N days ending on this day (active_7d: weekly, active_28d: monthly active users)."),
            col("stickiness_{N}d", "float64", true, "active_1d / active_{N}d: the share of the window's users active on this day (DAU/MAU for N = 28); null when no one was active in the window."),
            col("complete_{N}d", "boolean", false, "Whether the window starts on or after the first day of history (the earliest first active date of the facts and the snapshot); false when earlier activity could be missing from active_{N}d."),
        ],
    },
    TableDoc {
        table: "depth",
        name: "{fact}_activation_{g}_depth",
        description: concat!("Weekly and monthly runs only: one row per reported period and per number of days k from 1 to the days in the period, zeros included: how many users were active on exactly k distinct days of it (the power-user curve: L7 for weeks, L28 to L31 for months). A period's users add up to its active users in the summary.", run_metadata!()),
        key: &["period_start", "days_active"],
        columns: &[
            col("period_start", "date", false, "First day of the period."),
            col("days_active", "int32", false, "A number of distinct active days in the period, from 1 to its length."),
            col("users", "int64", false, "Users active on exactly days_active distinct days of the period."),
        ],
    },
];

/// The columns of the activity table repeated for each window are named
/// with this placeholder for the window's length in days.
pub const WINDOW: &str = "{N}";

/// The documentation of a table by its short name.
pub fn table(name: &str) -> Option<&'static TableDoc> {
    TABLES.iter().find(|t| t.table == name)
}

/// The first column of every table of a segmented layer (SPEC section 11).
pub const SEGMENT: ColumnDoc = col(
    "segment",
    "string or int64",
    true,
    "The segment of the row: a value of the segment column (kind fact_column) or of the users table's attribute (kind user_attribute), null for null cells and for users absent from the users table. Present only in segmented layers (fact name {fact}_by_{column}), whose table metadata names segment_kind and segment_column; it is the first part of every key.",
);

/// The description of a column of a table.
pub fn describe(table_name: &str, column: &str) -> &'static str {
    if column == SEGMENT.name {
        return SEGMENT.description;
    }
    table(table_name)
        .and_then(|t| {
            t.columns
                .iter()
                .find(|c| c.name == column || fills_window(c.name, column))
        })
        .map_or("", |c| c.description)
}

/// Whether `name` is `template` with a window's length in place of
/// [`WINDOW`] (`active_7d` for `active_{N}d`).
pub fn fills_window(template: &str, name: &str) -> bool {
    template.split_once(WINDOW).is_some_and(|(before, after)| {
        name.strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// What the quality report is.
pub const QUALITY_REPORT: &str =
    "What was read, what was rejected and why, and what in the data could mislead.";

/// The quality report's fields.
pub const QUALITY: &[ColumnDoc] = &[
    col("rows_read", "int64", false, "Data rows in all fact files."),
    col("rows_used", "int64", false, "Rows that count as activity after every filter."),
    col("rows_rejected", "object", false, "Rejected rows by reason: null_user, null_time, unparseable_time, dated_on_or_before_as_of, dated_after_through, total."),
    col("rows_filtered_out", "int64", false, "Rows whose fact value is not one of the chosen ones (not errors)."),
    col("duplicate_rows", "int64", false, "Rows with the same user and timestamp as an earlier row (kept, counted)."),
    col("distinct_users", "int64", false, "Users with at least one used row."),
    col("new_users", "int64", false, "Users first seen in this run (not in the snapshot)."),
    col("min_local_date", "date", true, "Earliest local date of a used row."),
    col("max_local_date", "date", true, "Latest local date of a used row."),
    col("snapshot_exact", "boolean", true, "Whether the input snapshot's values are exact; null without a snapshot."),
    col("exact", "boolean", false, "Whether the written snapshot's values are exact."),
    col("empty_days", "date[]", false, "Days from the first reported day through `through` with no fact rows at all: missing data looks like churn."),
    col("warnings", "string[]", false, "Human-readable warnings."),
    col("segments", "object[]", true, "In a segmented layer: each segment with its used rows and its users; absent otherwise."),
];

/// The whole dictionary as JSON.
pub fn to_json() -> serde_json::Value {
    serde_json::json!({
        "tables": TABLES,
        "quality_report": {
            "name": "{fact}_activation_{g}_quality.json",
            "description": QUALITY_REPORT,
            "fields": QUALITY,
        },
        "segment_column": SEGMENT,
        "states": STATES.iter().map(|s| serde_json::json!({"state": s, "description": state_description(s)})).collect::<Vec<_>>(),
        "transitions": TRANSITIONS,
    })
}

/// The meaning of a state.
pub fn state_description(state: &str) -> &'static str {
    match state {
        "new" => "First active period of the user.",
        "retained" => "Active in this period and in the previous one.",
        "reactivated" => "Active in this period, not in the previous one, and not new.",
        "inactive" => "Not active in this period (after the first period); churned when active in the previous one, dormant otherwise.",
        _ => "",
    }
}
