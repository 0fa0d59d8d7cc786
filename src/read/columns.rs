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
/// the first present candidate (case-insensitive). Two columns that match
/// alike (`USER_ID` and `user_id`) are ambiguous: `Err` holds both.
pub(crate) fn find_column(
    names: &[String],
    wanted: Option<&str>,
    candidates: &[&str],
) -> Result<Option<usize>, (usize, usize)> {
    let folded = |w: &str| {
        let mut hits = (0..names.len()).filter(|i| names[*i].eq_ignore_ascii_case(w));
        match (hits.next(), hits.next()) {
            (Some(a), Some(b)) => Err((a, b)),
            (a, _) => Ok(a),
        }
    };
    if let Some(w) = wanted {
        return match names.iter().position(|n| n == w) {
            Some(i) => Ok(Some(i)),
            None => folded(w),
        };
    }
    for c in candidates {
        if let Some(i) = folded(c)? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// The positions of the user, time and (optional) fact columns in a file.
pub(crate) struct Columns {
    pub user: usize,
    pub time: usize,
    pub fact: Option<usize>,
    pub segment: Option<usize>,
}

/// Resolves the fact columns of a file with these column names.
pub(crate) fn resolve_columns(
    file: &str,
    names: &[String],
    opts: &FactOptions,
) -> Result<Columns, Error> {
    // A column named by an option, else the first present candidate.
    let find = |role: &str, wanted: &Option<String>, candidates: &[&str], opt: Opt| {
        let found = find_column(names, wanted.as_deref(), candidates).map_err(|(a, b)| {
            Error::column(
                file,
                &names[a],
                format!(
                    "columns {:?} and {:?} differ only by case, so which one is the {role} column is ambiguous: name it exactly with {opt}",
                    names[a], names[b]
                ),
            )
        })?;
        found.ok_or_else(|| Error::MissingColumn {
            file: file.to_string(),
            role: role.to_string(),
            wanted: wanted.clone(),
            expected: match wanted {
                Some(w) => format!("a column {w:?} (from the {role} column option)"),
                None => format!("one of {} (or name it with {opt})", candidates.join(", ")),
            },
            available: names.to_vec(),
        })
    };
    let user = find("user", &opts.user_column, &USER_COLUMNS, Opt::UserColumn)?;
    let time = find("time", &opts.time_column, &TIME_COLUMNS, Opt::TimeColumn)?;
    let fact = match &opts.fact_column {
        None => None,
        Some(_) => Some(find("fact", &opts.fact_column, &[], Opt::FactColumn)?),
    };
    let segment = match &opts.segment_column {
        None => None,
        Some(_) => Some(find(
            "segment",
            &opts.segment_column,
            &[],
            Opt::SegmentColumn,
        )?),
    };
    Ok(Columns {
        user,
        time,
        fact,
        segment,
    })
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
        assert_eq!(find_column(&names, None, &USER_COLUMNS), Ok(Some(1)));
        assert_eq!(find_column(&names, None, &TIME_COLUMNS), Ok(Some(3)));
        assert_eq!(find_column(&names, Some("date"), &[]), Ok(Some(0)));
        assert_eq!(find_column(&names, Some("nope"), &[]), Ok(None));
        let clash: Vec<String> = ["USER_ID", "ts", "user_id"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(find_column(&clash, None, &USER_COLUMNS), Err((0, 2)));
        // Named exactly, either one is meant.
        assert_eq!(find_column(&clash, Some("user_id"), &[]), Ok(Some(2)));
        assert_eq!(find_column(&clash, Some("User_Id"), &[]), Err((0, 2)));
    }
}
