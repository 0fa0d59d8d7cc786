//! The dbt package (`dbt/`, SPEC section 13) against the engine: its
//! checked-in schema.yml is what `activation dictionary --format dbt`
//! writes, and its macros detect the engine's default columns. The
//! package's numbers are compared with the engine's by
//! `tests/dbt/parity.py` (make test).

use std::path::Path;
use std::process::Command;

use activation_layer::read::{TIME_COLUMNS, USER_COLUMNS};
use activation_layer::rolling::Windows;

fn activation(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_activation"))
        .args(args)
        .output()
        .expect("the CLI runs");
    assert!(
        out.status.success(),
        "activation {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn the_example_schema_is_the_engines_dictionary() {
    let written = activation(&[
        "dictionary",
        "--format",
        "dbt",
        "--name",
        "fact_app_visit",
        "--grain",
        "week",
    ]);
    let checked_in = repo_file("dbt/example/models/schema.yml");
    assert!(
        written == checked_in,
        "dbt/example/models/schema.yml differs from the engine's dictionary: regenerate it with\n  \
         activation dictionary --format dbt --name fact_app_visit --grain week > dbt/example/models/schema.yml\n\
         --- engine ---\n{written}"
    );
}

#[test]
fn the_dbt_schema_describes_every_model_with_its_tests() {
    let yml = activation(&[
        "dictionary",
        "--format",
        "dbt",
        "--name",
        "visits",
        "--segment-col",
        "platform",
    ]);
    for g in ["daily", "weekly", "monthly"] {
        for suffix in ["", "_summary", "_transitions", "_cohorts", "_depth"] {
            // Depth counts active days per week or month (SPEC section 12).
            let name = format!("  - name: visits_by_platform_activation_{g}{suffix}\n");
            assert_eq!(
                yml.contains(&name),
                g != "daily" || suffix != "_depth",
                "{g}{suffix}"
            );
        }
    }
    assert!(yml.contains("  - name: visits_by_platform_firstlast\n"));
    // One activity model serves every grain; its columns repeat per window.
    assert_eq!(yml.matches("_activity_daily\n").count(), 1);
    assert!(yml.contains("columns: [segment, date]\n"));
    assert!(yml.contains("columns: [segment, period_start, days_active]\n"));
    let columns = |from: &str| -> Vec<String> {
        let model = yml
            .split(from)
            .nth(1)
            .expect("model")
            .split("\n  - name:")
            .next()
            .unwrap();
        model
            .lines()
            .filter_map(|l| l.strip_prefix("      - name: "))
            .map(String::from)
            .collect()
    };
    assert_eq!(
        columns("  - name: visits_by_platform_activity_daily\n"),
        [
            "segment",
            "date",
            "active_1d",
            "active_7d",
            "stickiness_7d",
            "complete_7d",
            "active_28d",
            "stickiness_28d",
            "complete_28d"
        ]
    );
    assert!(columns("  - name: visits_by_platform_firstlast\n")
        .iter()
        .any(|c| c == "monthly_active_days"));
    // Keys start with the segment; the snapshot is keyed by segment and user.
    assert!(yml.contains("columns: [segment, user_id, period_start]"));
    assert!(yml.contains("columns: [segment, user_id]\n"));
    assert!(yml.contains("columns: [segment, period_start, from_state, to_state]"));
    // A nullable column has no not_null test; the segment is nullable.
    let segment = yml
        .split("      - name: segment\n")
        .nth(1)
        .expect("segment");
    assert!(
        segment
            .split("      - name:")
            .next()
            .unwrap()
            .contains("description")
            && !segment
                .split("      - name:")
                .next()
                .unwrap()
                .contains("not_null")
    );
    // Warehouse tables carry no Parquet metadata, and their docs do not say so.
    assert!(!yml.contains("Parquet metadata"));
    assert!(yml.contains("      - name: as_of\n"));
}

#[test]
fn the_dbt_schema_has_the_activity_columns_of_the_windows_given() {
    let yml = activation(&[
        "dictionary",
        "--format",
        "dbt",
        "--grain",
        "day",
        "--windows",
        "30,3",
    ]);
    let activity = yml
        .split("  - name: fact_activity_daily\n")
        .nth(1)
        .expect("the activity model");
    let names: Vec<&str> = activity
        .lines()
        .filter_map(|l| l.strip_prefix("      - name: "))
        .collect();
    assert_eq!(
        names,
        [
            "date",
            "active_1d",
            "active_3d",
            "stickiness_3d",
            "complete_3d",
            "active_30d",
            "stickiness_30d",
            "complete_30d"
        ]
    );
    assert!(activity.contains("\"active_1d / active_30d: "));
    assert!(
        !yml.contains("_depth\n"),
        "a daily layer has no depth model"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_activation"))
        .args(["dictionary", "--format", "dbt", "--windows", "7,1"])
        .output()
        .expect("the CLI runs");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("from 2 to 90 days (1 is not)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_default_dictionary_format_is_json_as_before() {
    let default = activation(&["dictionary"]);
    assert_eq!(default, activation(&["dictionary", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&default).expect("JSON");
    assert!(json["tables"].as_array().is_some_and(|t| t.len() == 7));
}

#[test]
fn dbt_options_need_the_dbt_format() {
    let out = Command::new(env!("CARGO_BIN_EXE_activation"))
        .args(["dictionary", "--name", "visits"])
        .output()
        .expect("the CLI runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format dbt"));
}

#[test]
fn the_macros_detect_the_engines_default_columns() {
    let options = repo_file("dbt/macros/options.sql");
    let list = |names: &[&str]| {
        let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
        format!("[{}]", quoted.join(", "))
    };
    assert!(
        options.contains(&format!("'user': {}", list(&USER_COLUMNS))),
        "dbt/macros/options.sql: the user columns differ from the engine's {USER_COLUMNS:?}"
    );
    assert!(
        options.contains(&format!("'time': {}", list(&TIME_COLUMNS))),
        "dbt/macros/options.sql: the time columns differ from the engine's {TIME_COLUMNS:?}"
    );
}

#[test]
fn the_macros_check_windows_as_the_engine_does() {
    let options = repo_file("dbt/macros/options.sql");
    let default = format!(
        "{{{{ return({:?}) }}}}",
        Windows::default().lengths().to_vec()
    );
    assert!(
        options.contains(&default),
        "dbt/macros/options.sql: the default windows differ from the engine's {default}"
    );
    let range = format!(
        "n < {} or n > {}",
        Windows::RANGE.start(),
        Windows::RANGE.end()
    );
    assert!(
        options.contains(&range),
        "dbt/macros/options.sql: the window lengths differ from the engine's {:?}",
        Windows::RANGE
    );
}
