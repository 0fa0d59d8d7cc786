//! The dbt package (`dbt/`, SPEC section 13) against the engine: its
//! checked-in schema.yml is what `activation dictionary --format dbt`
//! writes, and its macros detect the engine's default columns. The
//! package's numbers are compared with the engine's by
//! `tests/dbt/parity.py` (make test).

use std::path::Path;
use std::process::Command;

use activation_layer::read::{TIME_COLUMNS, USER_COLUMNS};

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
        for suffix in ["", "_summary", "_transitions", "_cohorts"] {
            assert!(
                yml.contains(&format!(
                    "  - name: visits_by_platform_activation_{g}{suffix}\n"
                )),
                "{g}{suffix} missing"
            );
        }
    }
    assert!(yml.contains("  - name: visits_by_platform_firstlast\n"));
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
