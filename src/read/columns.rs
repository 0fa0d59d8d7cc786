//! Column resolution: which columns of a file hold the user, the time and
//! the fact (SPEC section 7).

use super::FactOptions;
use crate::error::Error;
use crate::options::Opt;

/// Candidate user columns, in order of preference (SPEC section 7).
pub const USER_COLUMNS: [&str; 6] = [
    "user_id",
    "userid",
    "user",
    "customer_id",
    "member_id",
    "account_id",
];
/// Candidate time columns, in order of preference (SPEC section 7).
pub const TIME_COLUMNS: [&str; 7] = [
    "event_time",
    "timestamp",
    "ts",
    "time",
    "event_date",
    "date",
    "created_at",
];

/// Finds a column by its given name (exact, then case-insensitive) or by
/// the first present candidate.
pub(crate) fn find_column(
    names: &[String],
    wanted: Option<&str>,
    candidates: &[&str],
) -> Option<usize> {
    match wanted {
        Some(w) => names
            .iter()
            .position(|n| n == w)
            .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(w))),
        None => candidates
            .iter()
            .find_map(|c| names.iter().position(|n| n.eq_ignore_ascii_case(c))),
    }
}

/// The positions of the user, time and (optional) fact columns in a file.
pub(crate) struct Columns {
    pub user: usize,
    pub time: usize,
    pub fact: Option<usize>,
}

/// Resolves the fact columns of a file with these column names.
pub(crate) fn resolve_columns(
    file: &str,
    names: &[String],
    opts: &FactOptions,
) -> Result<Columns, Error> {
    let missing = |role: &str, wanted: Option<&String>, expected: String| Error::MissingColumn {
        file: file.to_string(),
        role: role.to_string(),
        wanted: wanted.cloned(),
        expected,
        available: names.to_vec(),
    };
    let user = find_column(names, opts.user_column.as_deref(), &USER_COLUMNS).ok_or_else(|| {
        missing(
            "user",
            opts.user_column.as_ref(),
            match &opts.user_column {
                Some(w) => format!("a column {w:?} (from the user column option)"),
                None => format!(
                    "one of {} (or name it with {})",
                    USER_COLUMNS.join(", "),
                    Opt::UserColumn
                ),
            },
        )
    })?;
    let time = find_column(names, opts.time_column.as_deref(), &TIME_COLUMNS).ok_or_else(|| {
        missing(
            "time",
            opts.time_column.as_ref(),
            match &opts.time_column {
                Some(w) => format!("a column {w:?} (from the time column option)"),
                None => format!(
                    "one of {} (or name it with {})",
                    TIME_COLUMNS.join(", "),
                    Opt::TimeColumn
                ),
            },
        )
    })?;
    let fact = match &opts.fact_column {
        None => None,
        Some(w) => Some(find_column(names, Some(w), &[]).ok_or_else(|| {
            missing(
                "fact",
                Some(w),
                format!("a column {w:?} (from the fact column option)"),
            )
        })?),
    };
    Ok(Columns { user, time, fact })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_detection_order() {
        let names: Vec<String> = ["Date", "USER", "customer_id", "ts"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(find_column(&names, None, &USER_COLUMNS), Some(1));
        assert_eq!(find_column(&names, None, &TIME_COLUMNS), Some(3));
        assert_eq!(find_column(&names, Some("date"), &[]), Some(0));
        assert_eq!(find_column(&names, Some("nope"), &[]), None);
    }
}
