//! Integration tests of the `activation` binary (SPEC sections 4, 5, 9, 10):
//! the worked example as a golden test in CSV and Parquet, idempotence, the
//! data dictionary, error exits, `--help`, and the incremental
//! run + merge workflow.

#[path = "common/corpus.rs"]
mod corpus;
#[path = "common/spec.rs"]
mod spec;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use spec::{ALL_TRANSITIONS, COHORTS_CSV, STATES_CSV, SUMMARY_CSV, TRANSITIONS};

// ---------------------------------------------------------------------------
// SPEC section 10 (weekly, Monday weeks, through 2024-02-04): the facts and
// expected outputs are in tests/common/spec.rs; these are its tables' files.
// ---------------------------------------------------------------------------

const TABLE_FILES: [&str; 6] = [
    "spec_example_activation_weekly",
    "spec_example_activation_weekly_summary",
    "spec_example_activation_weekly_transitions",
    "spec_example_activation_weekly_cohorts",
    "spec_example_activity_daily",
    "spec_example_activation_weekly_depth",
];

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/spec_example.csv")
}

fn activation<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_activation"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// A failed run: non-zero exit (not a crash), the message on stderr.
#[track_caller]
fn failure(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected a failure, got success\nstdout:\n{}",
        text(&out.stdout)
    );
    let code = out.status.code();
    assert!(code.is_some(), "killed by a signal");
    assert_ne!(
        code,
        Some(70),
        "an internal error (panic): {}",
        text(&out.stderr)
    );
    let err = text(&out.stderr);
    assert!(err.contains("error"), "stderr: {err}");
    err
}

/// `activation run FACTS --grain week --out DIR ...extra`.
fn run_weekly(facts: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&OsStr> = vec![OsStr::new("run")];
    args.extend(facts.iter().map(|f| f.as_os_str()));
    args.extend(
        ["--grain", "week", "--out"]
            .iter()
            .map(OsStr::new)
            .chain([out.as_os_str()]),
    );
    args.extend(extra.iter().map(OsStr::new));
    activation(args)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn date(days: i32) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    (epoch + chrono::Duration::days(i64::from(days))).to_string()
}

/// One cell as text, the way the SPEC's CSV writes it.
fn cell(a: &dyn Array, i: usize) -> String {
    if a.is_null(i) {
        return String::new();
    }
    match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(i).to_string(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Float64 => a.as_primitive::<Float64Type>().value(i).to_string(),
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::Date32 => date(a.as_primitive::<Date32Type>().value(i)),
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let k = d.normalized_keys()[i];
            cell(d.values().as_ref(), k)
        }
        other => panic!("unexpected output type {other}"),
    }
}

struct ParquetTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    metadata: BTreeMap<String, String>,
}

impl ParquetTable {
    fn read(path: &Path) -> Self {
        let f = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let b = ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let metadata = b
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .map(|kv| {
                kv.iter()
                    .map(|e| (e.key.clone(), e.value.clone().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        let schema = b.schema().clone();
        let batches = b.build().unwrap().map(|r| r.unwrap()).collect();
        ParquetTable {
            schema,
            batches,
            metadata,
        }
    }

    fn names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// Rows as maps from column name to text.
    fn rows(&self) -> Vec<BTreeMap<String, String>> {
        let names = self.names();
        let mut out = Vec::new();
        for b in &self.batches {
            for i in 0..b.num_rows() {
                out.push(
                    names
                        .iter()
                        .zip(b.columns())
                        .map(|(n, c)| (n.clone(), cell(c.as_ref(), i)))
                        .collect(),
                );
            }
        }
        out
    }

    /// The table as CSV text (no quoting: the outputs have no commas).
    fn csv(&self) -> String {
        let mut s = self.names().join(",");
        s.push('\n');
        for b in &self.batches {
            for i in 0..b.num_rows() {
                let cells: Vec<String> = b.columns().iter().map(|c| cell(c.as_ref(), i)).collect();
                s.push_str(&cells.join(","));
                s.push('\n');
            }
        }
        s
    }
}

/// Parses transitions CSV text into (period, transition name) -> users.
fn transitions_of(csv_text: &str) -> Vec<(String, String, u64)> {
    let mut lines = csv_text.lines();
    assert_eq!(
        lines.next(),
        Some("period_start,from_state,to_state,users"),
        "transitions header"
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 4, "{l}");
            let name = if f[1].is_empty() {
                assert_eq!(f[2], "new", "{l}");
                "new".to_string()
            } else {
                format!("{}_to_{}", f[1], f[2])
            };
            (f[0].to_string(), name, f[3].parse().unwrap())
        })
        .collect()
}

fn assert_transitions(csv_text: &str, ctx: &str) {
    let rows = transitions_of(csv_text);
    assert_eq!(rows.len(), 45, "{ctx}: nine transitions per week");
    for week in spec::weeks() {
        let mut names: Vec<&str> = rows
            .iter()
            .filter(|r| r.0 == week)
            .map(|r| r.1.as_str())
            .collect();
        names.sort();
        let mut all = ALL_TRANSITIONS.to_vec();
        all.sort();
        assert_eq!(names, all, "{ctx}: {week}");
    }
    for (week, name, users) in &rows {
        let want = TRANSITIONS
            .iter()
            .find(|t| t.0 == week && t.1 == name)
            .map_or(0, |t| t.2);
        assert_eq!(*users, want, "{ctx}: {week} {name}");
    }
    // Rows are ordered by period_start.
    let periods: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let mut sorted = periods.clone();
    sorted.sort();
    assert_eq!(periods, sorted, "{ctx}: ordered by period_start");
}

fn assert_snapshot(path: &Path, fact: &str) {
    let t = ParquetTable::read(path);
    let names = t.names();
    let mut sorted_want: Vec<String> = ["user_id", "first_active_date", "last_active_date"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for g in ["daily", "weekly", "monthly"] {
        for c in ["previous_active_date", "streak", "active_periods"] {
            sorted_want.push(format!("{g}_{c}"));
        }
        if g != "daily" {
            sorted_want.push(format!("{g}_active_days"));
        }
    }
    sorted_want.sort();
    let mut sorted_names = names.clone();
    sorted_names.sort();
    assert_eq!(sorted_names, sorted_want, "snapshot columns");
    assert_eq!(names[0], "user_id");
    let rows = t.rows();
    assert_eq!(rows.len(), 4);
    for (row, want) in rows.iter().zip(spec::snapshot()) {
        let user = want.text("user_id");
        assert_eq!(row["user_id"], user, "users in order");
        for (c, v) in want.cells() {
            assert_eq!(row[c], v, "snapshot {user} {c}");
        }
    }
    // Types: dates are Date32, counts integers.
    for f in t.schema.fields() {
        if f.name().ends_with("_date") {
            assert_eq!(f.data_type(), &DataType::Date32, "{}", f.name());
        }
    }
    let m = &t.metadata;
    assert_eq!(m.get("as_of").map(String::as_str), Some("2024-02-04"));
    assert_eq!(m.get("week_start").map(String::as_str), Some("monday"));
    assert_eq!(m.get("timezone").map(String::as_str), Some("UTC"));
    assert_eq!(m.get("fact").map(String::as_str), Some(fact));
    assert_eq!(m.get("exact").map(String::as_str), Some("true"));
    assert_eq!(m.get("format_version").map(String::as_str), Some("2"));
}

/// Every file of a directory: name -> bytes.
fn dir_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Golden test: SPEC section 10
// ---------------------------------------------------------------------------

#[test]
fn golden_spec_example_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run_weekly(
        &[&example()],
        &out,
        &["--through", "2024-02-04", "--format", "csv"],
    );
    success(&o);
    let files: Vec<String> = dir_files(&out).into_keys().collect();
    assert_eq!(
        files,
        [
            "datapackage.json",
            "spec_example_activation_weekly.csv",
            "spec_example_activation_weekly_cohorts.csv",
            "spec_example_activation_weekly_depth.csv",
            "spec_example_activation_weekly_quality.json",
            "spec_example_activation_weekly_summary.csv",
            "spec_example_activation_weekly_transitions.csv",
            "spec_example_activity_daily.csv",
            "spec_example_firstlast.parquet",
        ]
    );
    // stdout lists the files written.
    let stdout = text(&o.stdout);
    for f in &files {
        assert!(stdout.contains(f.as_str()), "stdout lists {f}: {stdout}");
    }
    assert_eq!(
        read(&out.join("spec_example_activation_weekly.csv")),
        STATES_CSV
    );
    assert_eq!(
        read(&out.join("spec_example_activation_weekly_summary.csv")),
        SUMMARY_CSV
    );
    assert_eq!(
        read(&out.join("spec_example_activation_weekly_cohorts.csv")),
        COHORTS_CSV
    );
    assert_eq!(
        read(&out.join("spec_example_activity_daily.csv")),
        spec::ACTIVITY_CSV
    );
    assert_eq!(
        read(&out.join("spec_example_activation_weekly_depth.csv")),
        spec::DEPTH_CSV
    );
    assert_transitions(
        &read(&out.join("spec_example_activation_weekly_transitions.csv")),
        "csv",
    );
    assert_snapshot(&out.join("spec_example_firstlast.parquet"), "spec_example");

    // The quality report.
    let q: serde_json::Value = serde_json::from_str(&read(
        &out.join("spec_example_activation_weekly_quality.json"),
    ))
    .unwrap();
    assert_eq!(q["rows_read"], 11);
    assert_eq!(q["rows_used"], 11);
    assert_eq!(q["rows_rejected"]["total"], 0);
    assert_eq!(q["duplicate_rows"], 0);
    assert_eq!(q["distinct_users"], 4);
    assert_eq!(q["new_users"], 4);
    assert_eq!(q["min_local_date"], "2024-01-01");
    assert_eq!(q["max_local_date"], "2024-01-31");
    assert_eq!(q["exact"], true);
    assert_eq!(q["empty_days"].as_array().unwrap().len(), 24);
    assert_eq!(q["empty_days"][0], "2024-01-05");
    assert!(q["warnings"].as_array().is_some_and(|w| !w.is_empty()));
}

/// The SPEC example's weekly run through 2024-02-04 written twice, with
/// CSV and with Parquet tables (the default): the temporary directory and
/// the two run directories.
fn spec_example_runs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let csv_out = tmp.path().join("csv");
    let pq_out = tmp.path().join("parquet");
    success(&run_weekly(
        &[&example()],
        &csv_out,
        &["--through", "2024-02-04", "--format", "csv"],
    ));
    success(&run_weekly(
        &[&example()],
        &pq_out,
        &["--through", "2024-02-04"],
    ));
    (tmp, csv_out, pq_out)
}

#[test]
fn golden_spec_example_parquet() {
    let (_tmp, csv_out, pq_out) = spec_example_runs();
    let files: Vec<String> = dir_files(&pq_out).into_keys().collect();
    assert_eq!(
        files,
        [
            "datapackage.json",
            "spec_example_activation_weekly.parquet",
            "spec_example_activation_weekly_cohorts.parquet",
            "spec_example_activation_weekly_depth.parquet",
            "spec_example_activation_weekly_quality.json",
            "spec_example_activation_weekly_summary.parquet",
            "spec_example_activation_weekly_transitions.parquet",
            "spec_example_activity_daily.parquet",
            "spec_example_firstlast.parquet",
        ]
    );
    let table = |stem: &str| ParquetTable::read(&pq_out.join(format!("{stem}.parquet")));
    assert_eq!(table(TABLE_FILES[0]).csv(), STATES_CSV);
    assert_eq!(table(TABLE_FILES[1]).csv(), SUMMARY_CSV);
    assert_eq!(table(TABLE_FILES[3]).csv(), COHORTS_CSV);
    assert_eq!(table(TABLE_FILES[4]).csv(), spec::ACTIVITY_CSV);
    assert_eq!(table(TABLE_FILES[5]).csv(), spec::DEPTH_CSV);
    let transitions = table(TABLE_FILES[2]).csv();
    assert_transitions(&transitions, "parquet");
    assert_eq!(
        transitions,
        read(&csv_out.join(format!("{}.csv", TABLE_FILES[2]))),
        "the same transitions in both formats"
    );
    assert_snapshot(
        &pq_out.join("spec_example_firstlast.parquet"),
        "spec_example",
    );
    // The snapshot is the same whatever the table format.
    assert_eq!(
        std::fs::read(pq_out.join("spec_example_firstlast.parquet")).unwrap(),
        std::fs::read(csv_out.join("spec_example_firstlast.parquet")).unwrap()
    );

    // Column types of the states and summary tables.
    let states = table(TABLE_FILES[0]);
    let ty = |t: &ParquetTable, n: &str| t.schema.field_with_name(n).unwrap().data_type().clone();
    assert_eq!(ty(&states, "user_id"), DataType::Utf8);
    assert_eq!(ty(&states, "period_start"), DataType::Date32);
    assert_eq!(ty(&states, "first_period"), DataType::Date32);
    let summary = table(TABLE_FILES[1]);
    assert_eq!(ty(&summary, "complete"), DataType::Boolean);
    assert_eq!(ty(&summary, "retention_rate"), DataType::Float64);
}

#[test]
fn every_output_parquet_field_has_a_description() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    success(&run_weekly(&[&example()], &out, &["--format", "parquet"]));
    let mut seen = 0;
    for (name, _) in dir_files(&out) {
        if !name.ends_with(".parquet") {
            continue;
        }
        seen += 1;
        let t = ParquetTable::read(&out.join(&name));
        for f in t.schema.fields() {
            let d = f.metadata().get("description");
            assert!(
                d.is_some_and(|d| !d.trim().is_empty()),
                "{name}: field {} has no description (metadata {:?})",
                f.name(),
                f.metadata()
            );
        }
    }
    assert_eq!(seen, 7, "six tables and the snapshot");
}

#[test]
fn outputs_are_byte_identical_across_runs() {
    let tmp = tempfile::tempdir().unwrap();
    for format in ["csv", "parquet"] {
        let a = tmp.path().join(format!("{format}_a"));
        let b = tmp.path().join(format!("{format}_b"));
        for dir in [&a, &b] {
            success(&run_weekly(
                &[&example()],
                dir,
                &["--through", "2024-02-04", "--format", format],
            ));
        }
        let (fa, fb) = (dir_files(&a), dir_files(&b));
        assert_eq!(fa.len(), 9, "{format}");
        assert_eq!(
            fa.keys().collect::<Vec<_>>(),
            fb.keys().collect::<Vec<_>>(),
            "{format}"
        );
        for (name, bytes) in &fa {
            assert!(bytes == &fb[name], "{format}: {name} differs between runs");
        }
        // Running again into the same directory rewrites the same bytes
        // and leaves no temporary files.
        success(&run_weekly(
            &[&example()],
            &a,
            &["--through", "2024-02-04", "--format", format],
        ));
        assert_eq!(dir_files(&a), fa, "{format}: rerun into the same directory");
    }
}

#[test]
fn monthly_grain_csv() {
    let tmp = tempfile::tempdir().unwrap();
    // Monthly: everybody is new in January 2024.
    let out = tmp.path().join("monthly");
    let ex = example();
    let mut args: Vec<&OsStr> = vec![OsStr::new("run"), ex.as_os_str()];
    args.extend(["--grain", "month", "--format", "csv", "--out"].map(OsStr::new));
    args.push(out.as_os_str());
    success(&activation(&args));
    assert_eq!(
        read(&out.join("spec_example_activation_monthly_summary.csv")),
        "period_start,period_end,complete,active,new,retained,reactivated,churned,dormant,inactive,total_users,retention_rate,churn_rate,reactivation_rate,quick_ratio\n\
         2024-01-01,2024-01-31,true,4,4,0,0,0,0,0,4,,,,\n"
    );
}

#[test]
fn rows_all() {
    let tmp = tempfile::tempdir().unwrap();
    // rows = all: one row per user and week from their first week.
    let out = tmp.path().join("all");
    success(&run_weekly(
        &[&example()],
        &out,
        &[
            "--through",
            "2024-02-04",
            "--format",
            "csv",
            "--rows",
            "all",
        ],
    ));
    let states = read(&out.join("spec_example_activation_weekly.csv"));
    // alice, bob, dave: 5 weeks each; carol: 4.
    assert_eq!(states.lines().count(), 1 + 5 + 5 + 4 + 5);
    assert!(
        states
            .contains("bob,2024-01-29,inactive,inactive,inactive_to_inactive,0,4,,,1,2024-01-01,4"),
        "{states}"
    );
    // The summary does not depend on the rows option.
    assert_eq!(
        read(&out.join("spec_example_activation_weekly_summary.csv")),
        SUMMARY_CSV
    );
}

#[test]
fn csv_output_when_every_state_row_is_new() {
    // The first day of data: every state row is `new`, so previous_state is
    // null on every row. The CSV writer must still write it.
    let tmp = tempfile::tempdir().unwrap();
    let facts = tmp.path().join("first_day.csv");
    std::fs::write(
        &facts,
        "user_id,event_date\nalice,2024-01-01\nbob,2024-01-01\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let mut args: Vec<&OsStr> = vec![OsStr::new("run"), facts.as_os_str()];
    args.extend(["--grain", "day", "--format", "csv", "--out"].map(OsStr::new));
    args.push(out.as_os_str());
    success(&activation(&args));
    assert_eq!(
        read(&out.join("first_day_activation_daily.csv")),
        "user_id,period_start,state,previous_state,transition,streak,inactive_streak,gap,churned_periods,active_periods,first_period,tenure\n\
         alice,2024-01-01,new,,new,1,0,,,1,2024-01-01,0\n\
         bob,2024-01-01,new,,new,1,0,,,1,2024-01-01,0\n"
    );
}

#[test]
fn column_and_fact_flags() {
    // Other column names, a fact filter, times with offsets read in Seoul.
    let tmp = tempfile::tempdir().unwrap();
    let facts = tmp.path().join("events.csv");
    let mut s = String::from("user_id;who;kind;seen_at\n");
    for l in spec::fact_lines() {
        let (user, date) = l.split_once(',').unwrap();
        // 01:00 in Seoul is 16:00 UTC the day before.
        s.push_str(&format!("decoy;{user};visit;{date}T01:00:00+09:00\n"));
    }
    s.push_str("decoy;erin;click;2024-01-20T01:00:00+09:00\n");
    std::fs::write(&facts, s).unwrap();
    let out = tmp.path().join("out");
    success(&run_weekly(
        &[&facts],
        &out,
        &[
            "--user-col",
            "WHO",
            "--time-col",
            "seen_at",
            "--fact-col",
            "kind",
            "--fact",
            "visit",
            "--timezone",
            "Asia/Seoul",
            "--through",
            "2024-02-04",
            "--format",
            "csv",
        ],
    ));
    // The fact name comes from the --fact value.
    assert_eq!(
        read(&out.join("visit_activation_weekly_summary.csv")),
        SUMMARY_CSV
    );
    assert_eq!(read(&out.join("visit_activation_weekly.csv")), STATES_CSV);
    let snap = ParquetTable::read(&out.join("visit_firstlast.parquet"));
    assert_eq!(snap.metadata["timezone"], "Asia/Seoul");
    assert_eq!(snap.metadata["fact"], "visit");
    // In UTC the same instants are a day earlier: alice starts on 2023-12-31.
    let out = tmp.path().join("utc");
    success(&run_weekly(
        &[&facts],
        &out,
        &[
            "--user-col",
            "who",
            "--time-col",
            "seen_at",
            "--fact-col",
            "kind",
            "--fact",
            "visit",
            "--name",
            "visits_utc",
        ],
    ));
    let snap = ParquetTable::read(&out.join("visits_utc_firstlast.parquet"));
    let rows = snap.rows();
    assert_eq!(rows[0]["user_id"], "alice");
    assert_eq!(rows[0]["first_active_date"], "2023-12-31");
}

// ---------------------------------------------------------------------------
// Dictionary, help, errors
// ---------------------------------------------------------------------------

#[test]
fn dictionary_lists_every_table_and_column() {
    let o = activation(["dictionary"]);
    success(&o);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let tables = json["tables"].as_array().expect("a tables array");
    let want: [(&str, &[&str], &[&str]); 7] = [
        (
            "states",
            &[
                "user_id",
                "period_start",
                "state",
                "previous_state",
                "transition",
                "streak",
                "inactive_streak",
                "gap",
                "churned_periods",
                "active_periods",
                "first_period",
                "tenure",
            ],
            &["user_id", "period_start"],
        ),
        (
            "summary",
            &[
                "period_start",
                "period_end",
                "complete",
                "active",
                "new",
                "retained",
                "reactivated",
                "churned",
                "dormant",
                "inactive",
                "total_users",
                "retention_rate",
                "churn_rate",
                "reactivation_rate",
                "quick_ratio",
            ],
            &["period_start"],
        ),
        (
            "transitions",
            &["period_start", "from_state", "to_state", "users"],
            &["period_start", "from_state", "to_state"],
        ),
        (
            "cohorts",
            &[
                "cohort_period",
                "period_start",
                "periods_since",
                "cohort_size",
                "active_users",
                "retention",
            ],
            &["cohort_period", "period_start"],
        ),
        (
            "snapshot",
            &[
                "user_id",
                "first_active_date",
                "last_active_date",
                "daily_previous_active_date",
                "daily_streak",
                "daily_active_periods",
                "weekly_previous_active_date",
                "weekly_streak",
                "weekly_active_periods",
                "weekly_active_days",
                "monthly_previous_active_date",
                "monthly_streak",
                "monthly_active_periods",
                "monthly_active_days",
            ],
            &[],
        ),
        (
            "activity",
            &[
                "date",
                "active_1d",
                "active_{N}d",
                "stickiness_{N}d",
                "complete_{N}d",
            ],
            &["date"],
        ),
        (
            "depth",
            &["period_start", "days_active", "users"],
            &["period_start", "days_active"],
        ),
    ];
    // The dictionary must agree with the files a run writes.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    success(&run_weekly(&[&example()], &out, &[]));
    let written = |table: &str| {
        let file = match table {
            "states" => TABLE_FILES[0].to_string(),
            "summary" => TABLE_FILES[1].to_string(),
            "transitions" => TABLE_FILES[2].to_string(),
            "cohorts" => TABLE_FILES[3].to_string(),
            "activity" => TABLE_FILES[4].to_string(),
            "depth" => TABLE_FILES[5].to_string(),
            _ => "spec_example_firstlast".to_string(),
        };
        ParquetTable::read(&out.join(format!("{file}.parquet")))
    };
    for (name, columns, key) in want {
        let t = tables
            .iter()
            .find(|t| t["table"] == name)
            .unwrap_or_else(|| panic!("no table {name} in the dictionary"));
        assert!(
            t["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name}"
        );
        assert!(t["name"].as_str().is_some_and(|n| !n.is_empty()), "{name}");
        let cols: Vec<&str> = t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(cols, columns, "{name} columns");
        for c in t["columns"].as_array().unwrap() {
            assert!(
                c["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{name}.{}",
                c["name"]
            );
            assert!(c["type"].as_str().is_some_and(|d| !d.is_empty()), "{name}");
        }
        if !key.is_empty() {
            let k: Vec<&str> = t["key"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            assert_eq!(k, key, "{name} key");
        }
        // The activity table repeats its {N} columns for each window, 7
        // and 28 by default.
        let columns: Vec<String> = columns
            .iter()
            .flat_map(|c| match c.contains("{N}") {
                true => vec![],
                false if *c == "active_1d" => std::iter::once(c.to_string())
                    .chain([7, 28].into_iter().flat_map(|n| {
                        columns
                            .iter()
                            .filter(|t| t.contains("{N}"))
                            .map(move |t| t.replace("{N}", &n.to_string()))
                    }))
                    .collect(),
                false => vec![c.to_string()],
            })
            .collect();
        let file = written(name);
        assert_eq!(
            file.names(),
            columns,
            "{name}: written columns = dictionary"
        );
        for f in file.schema.fields() {
            let template = f.name().replace("_7d", "_{N}d").replace("_28d", "_{N}d");
            let c = t["columns"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == f.name().as_str() || c["name"] == template.as_str())
                .unwrap_or_else(|| panic!("{name}.{}: not in the dictionary", f.name()));
            assert_eq!(
                f.metadata().get("description").map(String::as_str),
                c["description"].as_str(),
                "{name}.{}: field description = dictionary",
                f.name()
            );
        }
    }
    // The quality report's fields are documented too.
    let q = json["quality_report"]["fields"]
        .as_array()
        .expect("quality fields");
    let qn: Vec<&str> = q.iter().map(|f| f["name"].as_str().unwrap()).collect();
    for f in [
        "rows_read",
        "rows_used",
        "rows_rejected",
        "duplicate_rows",
        "distinct_users",
        "new_users",
        "min_local_date",
        "max_local_date",
        "exact",
        "empty_days",
        "warnings",
    ] {
        assert!(qn.contains(&f), "quality field {f}");
    }
}

#[test]
fn help_mentions_every_flag() {
    let o = activation(["run", "--help"]);
    success(&o);
    let help = text(&o.stdout);
    for flag in [
        "--grain",
        "--out",
        "--user-col",
        "--time-col",
        "--time-unit",
        "--time-format",
        "--fact-col",
        "--fact ",
        "--name",
        "--timezone",
        "--week-start",
        "--snapshot",
        "--as-of",
        "--skip-overlap",
        "--through",
        "--report-from",
        "--max-rejected",
        "--rows",
        "--format",
    ] {
        assert!(help.contains(flag), "run --help mentions {flag}:\n{help}");
    }
    for value in ["day", "week", "month", "changes", "all", "parquet", "csv"] {
        assert!(help.contains(value), "run --help mentions {value}");
    }
    let o = activation(["--help"]);
    success(&o);
    let help = text(&o.stdout);
    for sub in ["run", "merge", "dictionary"] {
        assert!(help.contains(sub), "--help mentions {sub}:\n{help}");
    }
    let o = activation(["merge", "--help"]);
    success(&o);
    let help = text(&o.stdout).to_uppercase();
    assert!(
        help.contains("HISTORY_DIR") && help.contains("RUN_DIR"),
        "{help}"
    );
    // No subcommand, or an unknown flag: a usage error.
    let ex = example().to_string_lossy().into_owned();
    let o = activation(["run", ex.as_str(), "--grain", "year", "--out", "x"]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("year"));
}

#[test]
fn error_missing_file() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no_such_facts.csv");
    let out = tmp.path().join("out");
    let err = failure(&run_weekly(&[&missing], &out, &[]));
    assert!(err.contains("no_such_facts.csv"), "{err}");
    assert!(
        !out.exists() || dir_files(&out).is_empty(),
        "nothing is written on error"
    );
}

#[test]
fn error_corrupt_parquet() {
    let tmp = tempfile::tempdir().unwrap();
    // Random bytes with a .parquet name.
    let garbage = tmp.path().join("garbage.parquet");
    std::fs::write(
        &garbage,
        b"this is not parquet at all, just text\n".repeat(20),
    )
    .unwrap();
    let err = failure(&run_weekly(&[&garbage], &tmp.path().join("o1"), &[]));
    assert!(err.contains("garbage.parquet"), "{err}");
    // A valid Parquet file cut in half.
    let good = tmp.path().join("good");
    success(&run_weekly(&[&example()], &good, &[]));
    let bytes = std::fs::read(good.join("spec_example_firstlast.parquet")).unwrap();
    let cut = tmp.path().join("truncated.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = failure(&run_weekly(&[&cut], &tmp.path().join("o2"), &[]));
    assert!(err.contains("truncated.parquet"), "{err}");
    // The same as a snapshot.
    let err = failure(&run_weekly(
        &[&example()],
        &tmp.path().join("o3"),
        &[
            "--snapshot",
            cut.to_str().unwrap(),
            "--through",
            "2024-03-01",
        ],
    ));
    assert!(err.contains("truncated.parquet"), "{err}");
}

#[test]
fn error_bad_timezone() {
    let tmp = tempfile::tempdir().unwrap();
    let err = failure(&run_weekly(
        &[&example()],
        &tmp.path().join("out"),
        &["--timezone", "Mars/Olympus"],
    ));
    assert!(err.contains("Mars/Olympus"), "{err}");
    assert!(err.contains("timezone"), "{err}");
}

#[test]
fn error_bad_through_date() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in ["2024-02-30", "2024/02/04", "yesterday", "20240204"] {
        let err = failure(&run_weekly(
            &[&example()],
            &tmp.path().join("out"),
            &["--through", bad],
        ));
        assert!(err.contains(bad), "{bad}: {err}");
        assert!(err.contains("through"), "{bad}: {err}");
        assert!(err.contains("YYYY-MM-DD"), "{bad}: {err}");
    }
}

#[test]
fn error_bad_input_data_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    // Missing user column.
    let f = tmp.path().join("who.csv");
    std::fs::write(&f, "person,event_date\nalice,2024-01-01\n").unwrap();
    let err = failure(&run_weekly(&[&f], &tmp.path().join("o1"), &[]));
    assert!(
        err.contains("who.csv") && err.contains("person, event_date"),
        "{err}"
    );
    // Integer times without a unit.
    let f = tmp.path().join("epoch.csv");
    std::fs::write(&f, "user_id,ts\nalice,1704067200\n").unwrap();
    let err = failure(&run_weekly(&[&f], &tmp.path().join("o2"), &[]));
    assert!(
        err.contains("epoch.csv") && err.contains("--time-unit"),
        "{err}"
    );
    // ... which works with one.
    success(&run_weekly(
        &[&f],
        &tmp.path().join("o3"),
        &["--time-unit", "s"],
    ));
    // Header only.
    let f = tmp.path().join("header.csv");
    std::fs::write(&f, "user_id,event_date\n").unwrap();
    let err = failure(&run_weekly(&[&f], &tmp.path().join("o4"), &[]));
    assert!(err.contains("header.csv"), "{err}");
    // Empty file.
    let f = tmp.path().join("empty.csv");
    std::fs::write(&f, "").unwrap();
    let err = failure(&run_weekly(&[&f], &tmp.path().join("o5"), &[]));
    assert!(err.contains("empty.csv") && err.contains("empty"), "{err}");
}

// ---------------------------------------------------------------------------
// Incremental workflow: run, run from the snapshot, merge
// ---------------------------------------------------------------------------

fn write_facts(path: &Path, keep: impl Fn(&str) -> bool) {
    let mut s = String::from("user_id,event_date\n");
    for l in spec::fact_lines() {
        if keep(&l[l.len() - 10..]) {
            s.push_str(l);
            s.push('\n');
        }
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, s).unwrap();
}

fn merge(history: &Path, run: &Path) {
    let o = activation([OsStr::new("merge"), history.as_os_str(), run.as_os_str()]);
    success(&o);
}

fn incremental(format: &str, cut: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let ctx = format!("{format}, cut {cut}");
    // One run over all facts.
    let whole = t.join("whole");
    success(&run_weekly(
        &[&example()],
        &whole,
        &["--through", "2024-02-04", "--format", format],
    ));
    // Day 1: facts up to the cut (named like the example so the fact name matches).
    let early = t.join("in1/spec_example.csv");
    write_facts(&early, |d| d <= cut);
    let day1 = t.join("day1");
    success(&run_weekly(
        &[&early],
        &day1,
        &["--through", cut, "--format", format],
    ));
    let snap1 = day1.join("spec_example_firstlast.parquet");
    assert!(snap1.exists(), "{ctx}");
    // Day 2: the rest, from day 1's snapshot; the snapshot names the fact.
    let late = t.join("in2/later_rows.csv");
    write_facts(&late, |d| d > cut);
    let day2 = t.join("day2");
    let o = run_weekly(
        &[&late],
        &day2,
        &[
            "--snapshot",
            snap1.to_str().unwrap(),
            "--through",
            "2024-02-04",
            "--format",
            format,
        ],
    );
    success(&o);
    assert!(
        day2.join(format!("{}.{format}", TABLE_FILES[1])).exists(),
        "{ctx}: the snapshot's fact names the outputs: {:?}",
        dir_files(&day2).keys().collect::<Vec<_>>()
    );
    // A different --name than the snapshot's fact is an error.
    let err = failure(&run_weekly(
        &[&late],
        &t.join("other"),
        &[
            "--snapshot",
            snap1.to_str().unwrap(),
            "--through",
            "2024-02-04",
            "--name",
            "other_fact",
        ],
    ));
    assert!(
        err.contains("other_fact") && err.contains("spec_example"),
        "{err}"
    );
    // Facts already in the snapshot are an error naming their count and dates.
    let err = failure(&run_weekly(
        &[&example()],
        &t.join("overlap"),
        &[
            "--snapshot",
            snap1.to_str().unwrap(),
            "--through",
            "2024-02-04",
        ],
    ));
    assert!(err.contains(cut) && err.contains("--skip-overlap"), "{err}");

    // Merge both runs into a history.
    let hist = t.join("hist");
    merge(&hist, &day1);
    merge(&hist, &day2);
    let ext = format;
    for stem in TABLE_FILES {
        let name = format!("{stem}.{ext}");
        let (merged, one_shot) = if format == "csv" {
            (read(&hist.join(&name)), read(&whole.join(&name)))
        } else {
            (
                ParquetTable::read(&hist.join(&name)).csv(),
                ParquetTable::read(&whole.join(&name)).csv(),
            )
        };
        assert_eq!(merged, one_shot, "{ctx}: merged {name} = one-shot run");
    }
    let summary = format!("{}.{ext}", TABLE_FILES[1]);
    if format == "csv" {
        assert_eq!(read(&hist.join(&summary)), SUMMARY_CSV, "{ctx}");
    } else {
        assert_eq!(
            ParquetTable::read(&hist.join(&summary)).csv(),
            SUMMARY_CSV,
            "{ctx}"
        );
    }
    // The latest snapshot is kept in the history and equals the one-shot snapshot.
    let s_hist = ParquetTable::read(&hist.join("spec_example_firstlast.parquet"));
    let s_whole = ParquetTable::read(&whole.join("spec_example_firstlast.parquet"));
    assert_eq!(s_hist.csv(), s_whole.csv(), "{ctx}: snapshot");
    assert_eq!(
        s_hist.metadata, s_whole.metadata,
        "{ctx}: snapshot metadata"
    );
    assert_snapshot(&hist.join("spec_example_firstlast.parquet"), "spec_example");

    // Merging the same run again changes nothing.
    let before = dir_files(&hist);
    merge(&hist, &day2);
    assert_eq!(dir_files(&hist), before, "{ctx}: merge is idempotent");
}

/// A merge checks every file before it writes one: a run made with other
/// settings, or an unreadable history file, leaves the history as it was;
/// temporary files of killed runs are cleaned up by the next merge.
#[test]
fn merge_checks_everything_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let facts = t.join("in/spec_example.csv");
    write_facts(&facts, |d| d <= "2024-01-17");
    let monday = t.join("monday");
    success(&run_weekly(
        &[&facts],
        &monday,
        &["--through", "2024-01-17", "--format", "csv"],
    ));
    let hist = t.join("hist");
    merge(&hist, &monday);
    let before = dir_files(&hist);

    let sunday = t.join("sunday");
    success(&run_weekly(
        &[&facts],
        &sunday,
        &[
            "--through",
            "2024-01-17",
            "--format",
            "csv",
            "--week-start",
            "sunday",
        ],
    ));
    let o = activation([OsStr::new("merge"), hist.as_os_str(), sunday.as_os_str()]);
    let err = failure(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(r#"the run's week_start "sunday" differs from the history's "monday""#),
        "{err}"
    );
    assert_eq!(dir_files(&hist), before, "a refused merge writes nothing");

    // One unreadable history table: no other file is rewritten either.
    let summary = hist.join(format!("{}.csv", TABLE_FILES[1]));
    std::fs::write(&summary, "period_start,active\n2024-01-01\n").unwrap();
    let broken = dir_files(&hist);
    let err = failure(&activation([
        OsStr::new("merge"),
        hist.as_os_str(),
        monday.as_os_str(),
    ]));
    assert!(err.contains(TABLE_FILES[1]), "{err}");
    assert_eq!(dir_files(&hist), broken, "a failed merge writes nothing");
    std::fs::write(&summary, &before[&format!("{}.csv", TABLE_FILES[1])]).unwrap();

    // A killed run's temporary file goes (no process has that id); a live
    // process's and other files stay.
    let dead = hist.join(".x.csv.tmp-4294967295");
    let live = hist.join(format!(".x.csv.tmp-{}", std::process::id()));
    let other = hist.join(".notes.tmp-draft");
    for f in [&dead, &live, &other] {
        std::fs::write(f, "partial").unwrap();
    }
    merge(&hist, &monday);
    assert!(!dead.exists() && live.exists() && other.exists());
    for f in [&live, &other] {
        std::fs::remove_file(f).unwrap();
    }
    assert_eq!(
        dir_files(&hist),
        before,
        "merging the same run again changes nothing"
    );
}

#[test]
fn incremental_workflow_csv() {
    incremental("csv", "2024-01-17");
}

#[test]
fn incremental_workflow_parquet() {
    incremental("parquet", "2024-01-17");
}

#[test]
fn incremental_workflow_other_cut_days() {
    // A cut at the end of a week, and one on a day without facts.
    incremental("csv", "2024-01-14");
    incremental("csv", "2024-01-20");
}

#[test]
fn a_day_without_activity_from_a_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let early = t.join("in1/spec_example.csv");
    write_facts(&early, |d| d <= "2024-01-31");
    let day1 = t.join("day1");
    success(&run_weekly(
        &[&early],
        &day1,
        &["--through", "2024-01-31", "--format", "csv"],
    ));
    // A header-only file with a snapshot is valid: nothing happened.
    let empty = t.join("in2/nothing.csv");
    std::fs::create_dir_all(empty.parent().unwrap()).unwrap();
    std::fs::write(&empty, "user_id,event_date\n").unwrap();
    let snap = day1.join("spec_example_firstlast.parquet");
    let day2 = t.join("day2");
    success(&run_weekly(
        &[&empty],
        &day2,
        &[
            "--snapshot",
            snap.to_str().unwrap(),
            "--through",
            "2024-02-04",
            "--format",
            "csv",
        ],
    ));
    let summary = read(&day2.join(format!("{}.csv", TABLE_FILES[1])));
    assert_eq!(
        summary.lines().nth(1),
        SUMMARY_CSV.lines().nth(5),
        "the last week, complete: {summary}"
    );
    // Without --through it is an error that says so.
    let err = failure(&run_weekly(
        &[&empty],
        &t.join("day2b"),
        &["--snapshot", snap.to_str().unwrap()],
    ));
    assert!(err.contains("--through"), "{err}");
}

/// Each kind of error has its documented exit code (`activation --help`).
#[test]
fn exit_codes_tell_the_kind_of_error() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    };
    let nocols = write("nocols.csv", b"a,b\n1,2\n");
    let garbage = write("garbage.parquet", b"not parquet at all");
    let missing = tmp
        .path()
        .join("missing.csv")
        .to_string_lossy()
        .into_owned();
    let ex = example().to_string_lossy().into_owned();
    let out = tmp.path().join("out").to_string_lossy().into_owned();
    let cases: [(&[&str], i32, &str); 6] = [
        (
            &["run", &ex, "--grain", "fortnight", "--out", &out],
            2,
            "fortnight",
        ),
        (
            &[
                "run",
                &ex,
                "--grain",
                "week",
                "--as-of",
                "2024-01-07",
                "--out",
                &out,
            ],
            2,
            "--as-of only applies with a snapshot (--snapshot FILE)",
        ),
        (
            &[
                "run",
                &ex,
                "--grain",
                "week",
                "--week-start",
                "someday",
                "--out",
                &out,
            ],
            2,
            "invalid --week-start \"someday\"",
        ),
        (
            &["run", &nocols, "--grain", "week", "--out", &out],
            65,
            "no user column",
        ),
        (
            &["run", &garbage, "--grain", "week", "--out", &out],
            66,
            "garbage.parquet",
        ),
        (
            &["run", &missing, "--grain", "week", "--out", &out],
            74,
            "missing.csv",
        ),
    ];
    for (args, code, text_expected) in cases {
        let o = activation(args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(text_expected), "{args:?}: {err}");
    }
    let help = text(&activation(["--help"]).stdout);
    for code in [
        "2 usage",
        "65 data",
        "66 corrupt file",
        "74 I/O",
        "70 internal",
    ] {
        assert!(
            help.contains(code),
            "--help documents exit code {code}: {help}"
        );
    }
}

/// The hostile corpus (tests/common/corpus.rs) through the real binary:
/// each case's exit code and message, or the example's own states.
#[test]
fn the_hostile_corpus_through_the_cli() {
    use activation_layer::options::OPTIONS;
    use activation_layer::read::Source;
    let tmp = tempfile::tempdir().unwrap();
    let write = |dir: &Path, f: &activation_layer::InputFile| {
        let Source::Bytes(b) = &f.source else {
            unreachable!("the corpus is in memory")
        };
        let path = dir.join(&f.name);
        std::fs::write(&path, b).unwrap();
        path
    };
    for (i, case) in corpus::cases().iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        std::fs::create_dir(&dir).unwrap();
        let facts = write(&dir, &case.facts);
        let out = dir.join("out");
        let mut args = vec![
            "run".to_string(),
            facts.display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--format".into(),
            "csv".into(),
        ];
        if let Some(snap) = &case.snapshot {
            args.extend(["--snapshot".into(), write(&dir, snap).display().to_string()]);
        }
        for (name, value) in case.options.as_object().unwrap() {
            let flag = OPTIONS.iter().find(|o| o.name == name).unwrap().flag;
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            args.extend([flag.to_string(), value]);
        }
        let o = activation(&args);
        match case.outcome {
            corpus::Outcome::Example { rejected } => {
                success(&o);
                let stem = case.facts.stem();
                let states = read(&out.join(format!("{stem}_activation_weekly.csv")));
                assert_eq!(states, STATES_CSV, "{}", case.what);
                let q: serde_json::Value = serde_json::from_str(&read(
                    &out.join(format!("{stem}_activation_weekly_quality.json")),
                ))
                .unwrap();
                assert_eq!(
                    q["rows_rejected"]["unparseable_time"], rejected,
                    "{}",
                    case.what
                );
            }
            corpus::Outcome::Error(kind, text) => {
                let err = failure(&o);
                assert_eq!(
                    o.status.code(),
                    Some(i32::from(kind.exit_code())),
                    "{}: {err}",
                    case.what
                );
                assert!(err.contains(text), "{}: {err}", case.what);
            }
        }
    }
}

/// A reader that closes the pipe early (`activation dictionary | head`)
/// ends the program quietly and successfully, not as an internal error.
#[test]
fn a_closed_stdout_ends_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_activation"))
        .arg("dictionary")
        .stdout(writer)
        .output()
        .unwrap();
    assert!(o.stdout.is_empty(), "stdout went to the closed pipe");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr), "");
}

/// The progress bar is drawn on a terminal only, and `--quiet` silences it
/// and the summary line; pipes and logs get the summary line alone.
#[test]
fn progress_on_a_terminal_and_a_summary_unless_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let summary =
        "11 rows read (11 used), 4 users, 5 weeks (2024-01-01 to 2024-02-04), 9 files written in ";
    let through = ["--through", "2024-02-04"];
    let o = run_weekly(&[&example()], &out, &through);
    success(&o);
    let err = text(&o.stderr);
    let last = err.lines().last().unwrap_or("");
    assert!(last.starts_with(summary) && last.ends_with(" s"), "{err}");
    assert!(
        !err.contains('\x1b') && !err.contains("reading file"),
        "{err}"
    );
    let quiet = run_weekly(&[&example()], &out, &[&through[..], &["--quiet"]].concat());
    success(&quiet);
    assert!(
        !text(&quiet.stderr).contains("rows read"),
        "{}",
        text(&quiet.stderr)
    );
    assert_eq!(
        quiet.stdout, o.stdout,
        "the files written are listed either way"
    );

    // Under a pseudo-terminal (util-linux `script`), the bar is drawn.
    let on_terminal = |extra: &str| {
        let cmd = format!(
            "{} run {} --grain week --through 2024-02-04 --out {} {extra}",
            env!("CARGO_BIN_EXE_activation"),
            example().display(),
            out.display()
        );
        let o = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .output()
            .expect("util-linux `script` runs");
        success(&o);
        text(&o.stdout)
    };
    let shown = on_terminal("");
    for part in [
        "reading file 1/1",
        "computing states, 11 rows",
        "writing the tables",
        "100%",
        summary,
    ] {
        assert!(shown.contains(part), "{part:?} in {shown}");
    }
    let quiet = on_terminal("--quiet");
    assert!(
        !quiet.contains("reading file") && !quiet.contains("rows read"),
        "{quiet}"
    );
    assert!(quiet.contains("spec_example_firstlast.parquet"), "{quiet}");
}

/// `activation inspect`: what a run would read, for a person and as the
/// package's JSON.
#[test]
fn inspect_shows_what_a_run_would_read() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("events.csv");
    let mut csv = String::from("user_id,event_date,platform\n");
    for (i, (u, d)) in spec::facts().iter().enumerate() {
        csv.push_str(&format!("{u},{d},{}\n", ["web", "ios"][i % 2]));
    }
    std::fs::write(&f, csv).unwrap();
    let o = activation([OsStr::new("inspect"), f.as_os_str()]);
    success(&o);
    let name = f.display().to_string();
    assert_eq!(
        text(&o.stdout),
        format!(
            "{name} (csv, 11 rows)
  user column: user_id (the first of user_id, userid, user, customer_id, member_id, account_id present)
  time column: event_date (the first of event_time, timestamp, ts, time, event_date, date, created_at present)
  column      type  segment values  sample
  user_id     Utf8  -               alice, bob, carol
  event_date  Utf8  -               2024-01-01, 2024-01-09, 2024-01-30
  platform    Utf8  2               web, ios
  fact values of platform: web (6), ios (5)
"
        )
    );
    // A Parquet file written by another writer: typed columns, a
    // dictionary-encoded id column.
    let parquet =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/spec_example_brotli_dict.parquet");
    let o = activation([OsStr::new("inspect"), parquet.as_os_str()]);
    success(&o);
    assert_eq!(
        text(&o.stdout),
        format!(
            "{} (parquet, 11 rows)
  user column: user_id (the first of user_id, userid, user, customer_id, member_id, account_id present)
  time column: event_date (the first of event_time, timestamp, ts, time, event_date, date, created_at present)
  column      type                     segment values  sample
  user_id     Dictionary(Int32, Utf8)  -               alice, bob, carol
  event_date  Date32                   -               2024-01-01, 2024-01-09, 2024-01-30
",
            parquet.display()
        )
    );
    let o = activation([OsStr::new("inspect"), OsStr::new("--json"), f.as_os_str()]);
    success(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["rows"], 11);
    assert_eq!(v[0]["columns"][2]["segment_values"], 2);
    assert_eq!(
        v[0]["columns"][2]["sample"],
        serde_json::json!(["web", "ios"])
    );
    assert_eq!(v[0]["user_column"], "user_id");
    // A file that cannot be read is its error and exit code.
    let bad = tmp.path().join("bad.parquet");
    std::fs::write(&bad, b"nope").unwrap();
    let o = activation([OsStr::new("inspect"), bad.as_os_str()]);
    assert!(failure(&o).contains("bad.parquet: not a Parquet file"));
    assert_eq!(o.status.code(), Some(66));
}

/// `--version` names the engine and the snapshot format it writes.
#[test]
fn version_names_the_snapshot_format() {
    let o = activation(["--version"]);
    success(&o);
    assert_eq!(
        text(&o.stdout),
        format!(
            "activation {} (writes FirstLast snapshot format {})\n",
            env!("CARGO_PKG_VERSION"),
            activation_layer::firstlast::FORMAT_VERSION
        )
    );
}

/// Completions for each shell and the man page come from the same
/// argument definitions as `--help`.
#[test]
fn completions_and_man_page() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef activation"),
        ("fish", "complete -c activation"),
    ] {
        let o = activation(["completions", shell]);
        success(&o);
        let script = text(&o.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["run", "merge", "inspect", "week-start", "max-rejected"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    let o = activation(["completions", "powershell"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let o = activation(["man"]);
    success(&o);
    let page = text(&o.stdout);
    assert!(page.contains(".TH activation 1"), "{page}");
    assert!(page.contains("Exit codes: 0 success; 2 usage"), "{page}");
    // One page per subcommand beside it, as the top page refers to them.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    success(&activation([
        OsStr::new("man"),
        OsStr::new("--out"),
        dir.as_os_str(),
    ]));
    let run = read(&dir.join("activation-run.1"));
    assert!(
        run.contains(".TH activation-run 1") && run.contains("week\\-start"),
        "{run}"
    );
    assert!(page.contains("activation\\-run(1)"), "{page}");
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "activation-completions.1",
            "activation-dictionary.1",
            "activation-generate.1",
            "activation-inspect.1",
            "activation-man.1",
            "activation-merge.1",
            "activation-run.1",
            "activation.1"
        ]
    );
}

/// Checks a segmented weekly summary's `active` counts, segment by
/// segment in order, five weeks each.
#[track_caller]
fn assert_segments_active(summary_csv: &str, expected: &[(&str, [u64; 5])]) {
    let mut lines = summary_csv.lines();
    assert!(lines.next().unwrap().starts_with("segment,period_start,"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 5 * expected.len());
    for (i, (segment, active)) in expected.iter().enumerate() {
        let got: Vec<u64> = rows[5 * i..5 * i + 5]
            .iter()
            .map(|r| {
                assert_eq!(r[0], *segment);
                r[4].parse().unwrap()
            })
            .collect();
        assert_eq!(&got, active, "segment {segment:?}");
    }
}

/// SPEC section 11's partition example through the binary: the files
/// named `{fact}_by_plan`, a `segment` column first, the segments' active
/// counts, and the errors of a users table that cannot partition a run.
#[test]
fn a_run_partitioned_by_a_users_attribute() {
    let tmp = tempfile::tempdir().unwrap();
    let users = tmp.path().join("users.csv");
    std::fs::write(&users, spec::PLAN_USERS_CSV).unwrap();
    let out = tmp.path().join("o");
    let users_arg = users.to_str().unwrap();
    let partitioned = &[
        "--through",
        "2024-02-04",
        "--users",
        users_arg,
        "--segment-by",
        "plan",
    ];
    let o = run_weekly(
        &[&example()],
        &out,
        &[&partitioned[..], &["--format", "csv"]].concat(),
    );
    success(&o);
    let names: Vec<String> = dir_files(&out).into_keys().collect();
    assert_eq!(
        names,
        [
            "datapackage.json",
            "spec_example_by_plan_activation_weekly.csv",
            "spec_example_by_plan_activation_weekly_cohorts.csv",
            "spec_example_by_plan_activation_weekly_depth.csv",
            "spec_example_by_plan_activation_weekly_quality.json",
            "spec_example_by_plan_activation_weekly_summary.csv",
            "spec_example_by_plan_activation_weekly_transitions.csv",
            "spec_example_by_plan_activity_daily.csv",
            "spec_example_by_plan_firstlast.parquet",
        ]
    );
    let summary = read(&out.join("spec_example_by_plan_activation_weekly_summary.csv"));
    assert_segments_active(&summary, &spec::PLAN_ACTIVE);
    let quality: serde_json::Value = serde_json::from_str(&read(
        &out.join("spec_example_by_plan_activation_weekly_quality.json"),
    ))
    .unwrap();
    assert_eq!(
        quality["segments"],
        serde_json::json!([
            {"segment": "free", "rows": 1, "users": 1},
            {"segment": "pro", "rows": 6, "users": 2},
            {"segment": null, "rows": 4, "users": 1},
        ])
    );
    // Parquet tables say which kind of segment and which column.
    let o = run_weekly(&[&example()], &out, partitioned);
    success(&o);
    let file =
        File::open(out.join("spec_example_by_plan_activation_weekly_summary.parquet")).unwrap();
    let schema = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .schema()
        .clone();
    assert_eq!(schema.metadata()["segment_kind"], "user_attribute");
    assert_eq!(schema.metadata()["segment_column"], "plan");
    assert!(schema.field(0).metadata()["description"].starts_with("The segment of the row"));
    // Errors, with their exit codes.
    let dup = tmp.path().join("dup.csv");
    std::fs::write(&dup, "user_id,plan\nalice,pro\nalice,free\n").unwrap();
    let o = run_weekly(
        &[&example()],
        &out,
        &["--users", dup.to_str().unwrap(), "--segment-by", "plan"],
    );
    assert!(failure(&o).contains("1 user ids appear on more than one row (such as alice)"));
    assert_eq!(o.status.code(), Some(65));
    let o = run_weekly(
        &[&example()],
        &out,
        &[
            "--users",
            users_arg,
            "--segment-by",
            "plan",
            "--max-segments",
            "2",
        ],
    );
    assert!(failure(&o).contains("has 3 distinct values"));
    let o = run_weekly(&[&example()], &out, &["--segment-by", "plan"]);
    assert!(failure(&o).contains("--segment-by plan needs the users table"));
    assert_eq!(o.status.code(), Some(2));
}

/// A partitioned layer accumulates like any other: two runs (cut mid-week,
/// the second resuming from the first's snapshot) merged by key, segment
/// first, give the one-shot partitioned run's tables.
#[test]
fn partitioned_runs_merge_into_the_one_shot_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let users = t.join("users.csv");
    std::fs::write(&users, spec::PLAN_USERS_CSV).unwrap();
    let seg = [
        "--users",
        users.to_str().unwrap(),
        "--segment-by",
        "plan",
        "--format",
        "csv",
        "--name",
        "spec_example",
    ];
    let (d1, d2) = (t.join("d1.csv"), t.join("d2.csv"));
    write_facts(&d1, |d| d <= "2024-01-17");
    write_facts(&d2, |d| d > "2024-01-17");
    success(&run_weekly(
        &[&d1],
        &t.join("r1"),
        &[&seg[..], &["--through", "2024-01-17"]].concat(),
    ));
    let snap = t.join("r1/spec_example_by_plan_firstlast.parquet");
    let resumed = [
        &seg[..],
        &[
            "--through",
            "2024-02-04",
            "--snapshot",
            snap.to_str().unwrap(),
        ],
    ]
    .concat();
    success(&run_weekly(&[&d2], &t.join("r2"), &resumed));
    let history = t.join("history");
    merge(&history, &t.join("r1"));
    merge(&history, &t.join("r2"));
    success(&run_weekly(
        &[&example()],
        &t.join("full"),
        &[&seg[..], &["--through", "2024-02-04"]].concat(),
    ));
    for table in ["", "_summary", "_transitions", "_cohorts"] {
        let name = format!("spec_example_by_plan_activation_weekly{table}.csv");
        assert_eq!(
            read(&history.join(&name)),
            read(&t.join("full").join(&name)),
            "{name}"
        );
    }
}

/// SPEC section 11's split example through the binary, resumed from its
/// own snapshot and merged (the one-shot tables again), and the snapshot
/// refused by a run that does not split the same way.
#[test]
fn a_run_split_by_a_fact_column() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let write = |name: &str, keep: &dyn Fn(&str) -> bool| {
        let path = t.join(name);
        let mut lines = spec::PLATFORM_FACTS_CSV.lines();
        let mut csv = format!("{}\n", lines.next().unwrap());
        for l in lines.filter(|l| keep(l.split(',').nth(1).unwrap())) {
            csv.push_str(l);
            csv.push('\n');
        }
        std::fs::write(&path, csv).unwrap();
        path
    };
    let all = write("spec_example.csv", &|_| true);
    let seg = [
        "--segment-col",
        "platform",
        "--format",
        "csv",
        "--name",
        "spec_example",
    ];
    let full = t.join("full");
    let o = run_weekly(
        &[&all],
        &full,
        &[&seg[..], &["--through", "2024-02-04"]].concat(),
    );
    success(&o);
    // The summary line counts the segmented layer it wrote.
    let line = "11 rows read (11 used), 4 users in 2 segments of platform, 5 weeks (2024-01-01 to 2024-02-04), 9 files written in ";
    assert!(text(&o.stderr).contains(line), "{}", text(&o.stderr));
    let summary = read(&full.join("spec_example_by_platform_activation_weekly_summary.csv"));
    assert_segments_active(&summary, &spec::PLATFORM_ACTIVE);
    // Resumed mid-week from the split snapshot, then merged.
    let (d1, d2) = (
        write("d1.csv", &|d| d <= "2024-01-17"),
        write("d2.csv", &|d| d > "2024-01-17"),
    );
    success(&run_weekly(
        &[&d1],
        &t.join("r1"),
        &[&seg[..], &["--through", "2024-01-17"]].concat(),
    ));
    let snap = t.join("r1/spec_example_by_platform_firstlast.parquet");
    let snap_arg = snap.to_str().unwrap();
    success(&run_weekly(
        &[&d2],
        &t.join("r2"),
        &[
            &seg[..],
            &["--through", "2024-02-04", "--snapshot", snap_arg],
        ]
        .concat(),
    ));
    let history = t.join("history");
    merge(&history, &t.join("r1"));
    merge(&history, &t.join("r2"));
    for table in ["", "_summary", "_transitions", "_cohorts"] {
        let name = format!("spec_example_by_platform_activation_weekly{table}.csv");
        assert_eq!(
            read(&history.join(&name)),
            read(&full.join(&name)),
            "{name}"
        );
    }
    assert_eq!(
        dir_files(&t.join("r2"))["spec_example_by_platform_firstlast.parquet"],
        dir_files(&full)["spec_example_by_platform_firstlast.parquet"],
        "the resumed snapshot is the one-shot run's"
    );
    // The split snapshot resumes only the same split, and the other way.
    let o = run_weekly(&[&d2], &t.join("x"), &["--snapshot", snap_arg]);
    let err = failure(&o);
    assert!(
        err.contains("was written by a run with segment column \"platform\", but this run has no segment column"),
        "{err}"
    );
    assert_eq!(o.status.code(), Some(2));
    success(&run_weekly(
        &[&d1],
        &t.join("p1"),
        &["--through", "2024-01-17", "--name", "spec_example"],
    ));
    let plain = t.join("p1/spec_example_firstlast.parquet");
    let o = run_weekly(
        &[&d2],
        &t.join("x"),
        &[&seg[..], &["--snapshot", plain.to_str().unwrap()]].concat(),
    );
    assert!(failure(&o)
        .contains("with no segment column, but this run has segment column \"platform\""));
    // Too many segments, and both kinds at once.
    let o = run_weekly(
        &[&all],
        &t.join("x"),
        &["--segment-col", "platform", "--max-segments", "1"],
    );
    assert!(failure(&o)
        .contains("has 2 distinct values (such as \"ios\", \"web\"), more than --max-segments 1"));
    let o = run_weekly(
        &[&all],
        &t.join("x"),
        &["--segment-col", "platform", "--segment-by", "plan"],
    );
    assert!(failure(&o).contains("--segment-col and --segment-by segment a run in two ways"));
}

/// `generate --event-kinds N --users-out FILE`: facts with an `event`
/// column of N kinds and a users table, ready for split and partition runs.
#[test]
fn generate_writes_event_kinds_and_a_users_table() {
    let tmp = tempfile::tempdir().unwrap();
    let (facts, users) = (tmp.path().join("f.csv"), tmp.path().join("u.csv"));
    // 3,000 events of 200 users, and `extra`.
    let generate = |extra: &[&OsStr]| {
        let base = ["generate", "--events", "3000", "--users", "200"].map(OsStr::new);
        success(&activation(base.iter().chain(extra)));
    };
    let flag = OsStr::new;
    generate(&[
        flag("--event-kinds"),
        flag("3"),
        flag("--out"),
        facts.as_os_str(),
        flag("--users-out"),
        users.as_os_str(),
    ]);
    let text_of = read(&facts);
    let mut lines = text_of.lines();
    assert_eq!(lines.next(), Some("user_id,event_time,event"));
    let kinds: std::collections::BTreeSet<&str> =
        lines.map(|l| l.rsplit(',').next().unwrap()).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["add_to_cart", "search", "view"]
    );
    let users_text = read(&users);
    assert!(
        users_text.starts_with("user_id,plan,country\n"),
        "{users_text}"
    );
    let listed = users_text.lines().count() - 1;
    assert!(
        (150..200).contains(&listed),
        "about one user in ten is left out: {listed} of 200"
    );
    // The same seed without kinds gives the same users and times.
    let plain = tmp.path().join("p.csv");
    generate(&[flag("--out"), plain.as_os_str()]);
    let strip: Vec<String> = text_of
        .lines()
        .skip(1)
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect();
    let plain_rows: Vec<String> = read(&plain).lines().skip(1).map(str::to_string).collect();
    assert_eq!(strip, plain_rows);
    for args in [
        &["--segment-col", "event"][..],
        &["--users", users.to_str().unwrap(), "--segment-by", "plan"],
    ] {
        success(&run_weekly(&[&facts], &tmp.path().join("o"), args));
    }
}

// ---------------------------------------------------------------------------
// SPEC section 14: the data package of every run directory.
// ---------------------------------------------------------------------------

/// The run directory's `datapackage.json`, each resource checked against
/// its file (size, SHA-256, columns), every file listed once.
fn checked_package(dir: &Path) -> serde_json::Value {
    use sha2::{Digest, Sha256};
    let files = dir_files(dir);
    let p: serde_json::Value =
        serde_json::from_slice(&files["datapackage.json"]).expect("datapackage.json is JSON");
    assert_eq!(p["profile"], "data-package");
    let resources = p["resources"].as_array().unwrap();
    let mut listed: Vec<&str> = resources
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    listed.push("datapackage.json");
    listed.sort();
    assert_eq!(listed, files.keys().map(String::as_str).collect::<Vec<_>>());
    let checksums = p["activation"]["checksums"].as_object().unwrap();
    assert_eq!(checksums.len(), resources.len());
    for r in resources {
        let path = r["path"].as_str().unwrap();
        let bytes = &files[path];
        let hash: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let want = serde_json::json!({"bytes": bytes.len(), "hash": format!("sha256:{hash}")});
        assert_eq!(checksums[path], want, "{path}");
        // The resource carries them where a Frictionless validator can
        // check them: not for Parquet, which it reads through pandas.
        if path.ends_with(".parquet") {
            assert!(
                r.get("bytes").is_none() && r.get("hash").is_none(),
                "{path}"
            );
        } else {
            assert_eq!(
                (&r["bytes"], &r["hash"]),
                (&want["bytes"], &want["hash"]),
                "{path}"
            );
        }
        let Some(schema) = r.get("schema") else {
            assert_eq!(r["format"], "json", "{path}: only the report has no schema");
            continue;
        };
        let names: Vec<String> = schema["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                assert!(
                    f["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{path}: {f} has no description"
                );
                f["name"].as_str().unwrap().to_string()
            })
            .collect();
        let columns = if path.ends_with(".csv") {
            let text = String::from_utf8(bytes.clone()).unwrap();
            text.lines()
                .next()
                .unwrap()
                .split(',')
                .map(str::to_string)
                .collect()
        } else {
            ParquetTable::read(&dir.join(path)).names()
        };
        assert_eq!(
            names, columns,
            "{path}: the schema's fields are the file's columns"
        );
    }
    p
}

fn field<'a>(p: &'a serde_json::Value, resource: &str, name: &str) -> &'a serde_json::Value {
    let r = p["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == resource)
        .unwrap_or_else(|| panic!("no resource {resource}"));
    r["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {resource}.{name}"))
}

#[test]
fn every_run_directory_describes_itself() {
    let (_tmp, csv, pq) = spec_example_runs();
    let p = checked_package(&csv);
    assert_eq!(p["name"], "spec_example_activation_weekly");
    let run = &p["activation"];
    for (k, v) in [
        ("fact", "spec_example"),
        ("grain", "week"),
        ("week_start", "monday"),
        ("timezone", "UTC"),
        ("report_from", "2024-01-01"),
        ("through", "2024-02-04"),
        ("as_of", "2024-02-04"),
    ] {
        assert_eq!(run[k], v, "{k}");
    }
    assert_eq!(run["windows"], serde_json::json!([7, 28]));
    assert_eq!(run["snapshot_format_version"], 2);
    let names: Vec<&str> = p["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "states",
            "summary",
            "transitions",
            "cohorts",
            "snapshot",
            "activity",
            "depth",
            "quality"
        ]
    );
    let resource = |name: &str| {
        p["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()
            .clone()
    };
    let states = resource("states");
    assert_eq!(states["mediatype"], "text/csv");
    assert_eq!(
        states["schema"]["primaryKey"],
        serde_json::json!(["user_id", "period_start"])
    );
    assert_eq!(states["schema"]["missingValues"], serde_json::json!([""]));
    assert_eq!(
        field(&p, "states", "state")["constraints"],
        serde_json::json!({"required": true, "enum": ["new", "retained", "reactivated", "inactive"]})
    );
    assert_eq!(
        field(&p, "states", "previous_state")["constraints"]["required"],
        serde_json::Value::Null
    );
    assert_eq!(
        field(&p, "states", "transition")["constraints"]["enum"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    assert_eq!(field(&p, "states", "user_id")["type"], "string");
    assert_eq!(field(&p, "summary", "retention_rate")["type"], "number");
    assert_eq!(field(&p, "summary", "complete")["type"], "boolean");
    assert_eq!(field(&p, "summary", "period_start")["type"], "date");
    assert_eq!(field(&p, "activity", "stickiness_28d")["type"], "number");
    assert_eq!(
        resource("depth")["schema"]["primaryKey"],
        serde_json::json!(["period_start", "days_active"])
    );
    assert_eq!(resource("quality")["mediatype"], "application/json");
    // The snapshot is Parquet whatever the tables' format; its nulls are typed.
    let snapshot = resource("snapshot");
    assert_eq!(snapshot["mediatype"], "application/vnd.apache.parquet");
    assert_eq!(snapshot["schema"]["missingValues"], serde_json::json!([]));
    // The Parquet run's package differs only in its table files.
    let mut q = checked_package(&pq);
    let mut p = p;
    for x in [&mut p, &mut q] {
        x["activation"]["checksums"] = serde_json::Value::Null;
    }
    assert_eq!(q["activation"], p["activation"]);
    assert_eq!(
        q["resources"][1]["path"],
        "spec_example_activation_weekly_summary.parquet"
    );
}

#[test]
fn segmented_and_merged_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let users = tmp.path().join("plans.csv");
    std::fs::write(&users, spec::PLAN_USERS_CSV).unwrap();
    let out = tmp.path().join("plan");
    let users_arg = users.to_str().unwrap();
    success(&run_weekly(
        &[&example()],
        &out,
        &[
            "--through",
            "2024-02-04",
            "--users",
            users_arg,
            "--segment-by",
            "plan",
            "--format",
            "csv",
        ],
    ));
    let p = checked_package(&out);
    assert_eq!(p["activation"]["segment_kind"], "user_attribute");
    assert_eq!(p["activation"]["segment_column"], "plan");
    assert_eq!(p["activation"]["fact"], "spec_example_by_plan");
    for r in p["resources"].as_array().unwrap() {
        let key = &r["schema"]["primaryKey"];
        match r["name"].as_str().unwrap() {
            // A partition's snapshot is the run's own, one row per user.
            "snapshot" => assert_eq!(key, &serde_json::json!(["user_id"])),
            "quality" => assert!(key.is_null()),
            name => assert_eq!(key[0], "segment", "{name}"),
        }
    }
    // A history directory's package describes its merged files; its
    // reported days start with the first run's.
    let (first, second, history) = (
        tmp.path().join("first"),
        tmp.path().join("second"),
        tmp.path().join("history"),
    );
    let (before, after) = (tmp.path().join("before.csv"), tmp.path().join("after.csv"));
    write_facts(&before, |d| d <= "2024-01-17");
    write_facts(&after, |d| d > "2024-01-17");
    success(&run_weekly(
        &[&before],
        &first,
        &["--through", "2024-01-17", "--format", "csv"],
    ));
    let snapshot = first.join("before_firstlast.parquet");
    success(&run_weekly(
        &[&after],
        &second,
        &[
            "--through",
            "2024-02-04",
            "--format",
            "csv",
            "--snapshot",
            snapshot.to_str().unwrap(),
        ],
    ));
    merge(&history, &first);
    merge(&history, &second);
    let h = checked_package(&history);
    assert_eq!(h["activation"]["report_from"], "2024-01-01");
    assert_eq!(h["activation"]["through"], "2024-02-04");
    assert_eq!(
        checked_package(&second)["activation"]["report_from"],
        "2024-01-18",
        "the second run reports from the day after its snapshot's as_of"
    );
}

/// `activation dictionary --format frictionless`: every table's Table
/// Schema, the very one a run's package gives the table's CSV file but for
/// the user id's type (the facts'), with the columns of the windows asked
/// for; dbt's options are refused.
#[test]
fn the_dictionary_as_frictionless_table_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    for windows in [None, Some("30,3")] {
        let out = tmp.path().join(windows.unwrap_or("default"));
        let mut args = vec!["--through", "2024-02-04", "--format", "csv"];
        let mut dictionary = vec!["dictionary", "--format", "frictionless"];
        if let Some(w) = windows {
            args.extend(["--windows", w]);
            dictionary.extend(["--windows", w]);
        }
        success(&run_weekly(&[&example()], &out, &args));
        let package = checked_package(&out);
        let printed = activation(&dictionary);
        success(&printed);
        let d: serde_json::Value = serde_json::from_slice(&printed.stdout).expect("JSON");
        let tables = d["tables"].as_object().unwrap();
        assert_eq!(
            tables.keys().collect::<Vec<_>>(),
            [
                "activity",
                "cohorts",
                "depth",
                "snapshot",
                "states",
                "summary",
                "transitions"
            ]
        );
        let resources = package["resources"].as_array().unwrap();
        for r in resources.iter().filter(|r| r.get("schema").is_some()) {
            let name = r["name"].as_str().unwrap();
            let mut want = r["schema"].clone();
            for f in want["fields"].as_array_mut().unwrap() {
                if f["name"] == "user_id" {
                    f["type"] = "any".into();
                }
            }
            let table = &tables[name];
            assert_eq!(table["description"], r["description"], "{name}");
            if r["format"] == "parquet" {
                // The snapshot is Parquet in every run: typed nulls, no
                // CSV null marker.
                assert_eq!(table["schema"]["fields"], want["fields"], "{name}");
                assert_eq!(table["schema"]["primaryKey"], want["primaryKey"], "{name}");
            } else {
                assert_eq!(table["schema"], want, "{name} with windows {windows:?}");
            }
        }
        assert_eq!(
            resources.len(),
            tables.len() + 1,
            "every table, and the quality report"
        );
    }
    assert_eq!(
        activation(["dictionary", "--format", "frictionless"]).stdout,
        activation([
            "dictionary",
            "--format",
            "frictionless",
            "--windows",
            "28,7"
        ])
        .stdout,
        "the default windows are 7 and 28"
    );
    let err = failure(&activation([
        "dictionary",
        "--format",
        "frictionless",
        "--grain",
        "week",
    ]));
    assert!(err.contains("give --format dbt"), "{err}");
    let err = failure(&activation(["dictionary", "--windows", "7"]));
    assert!(err.contains("give --format dbt or frictionless"), "{err}");
}
