//! The data dictionary as a dbt `schema.yml` (SPEC section 13): the models
//! that the `activation_layer` dbt package (`dbt/`) builds for one fact,
//! every column described from [`crate::dictionary`], with the tests the
//! dictionary implies: `not_null` on non-nullable columns, `accepted_values`
//! on categorical ones, and each table's key as the package's generic test
//! `activation_layer.unique_key`.

use std::fmt::Write;

use crate::dictionary::{columns_with_windows, ColumnDoc, TableDoc, SEGMENT, TABLES, WINDOW};
use crate::grain::Grain;
use crate::output::TableKind;
use crate::rolling::Windows;

/// Which models a `schema.yml` describes.
#[derive(Clone, Debug)]
pub struct DbtModels<'a> {
    /// The fact name: models are named as the engine names its files
    /// (`{fact}_activation_{g}`, `{fact}_firstlast`, ...).
    pub fact: &'a str,
    /// The grains of the period models (the snapshot serves all of them).
    pub grains: &'a [Grain],
    /// The split's segment column (SPEC section 11): the models are then
    /// `{fact}_by_{column}_...` with a first column `segment`.
    pub segment_column: Option<&'a str>,
    /// The activity model's trailing windows (SPEC section 12): its
    /// `active_{N}d`, `stickiness_{N}d` and `complete_{N}d` columns.
    pub windows: &'a Windows,
}

/// Columns the snapshot model has in a warehouse and not in the engine's
/// file: how an incremental `dbt build` knows where it resumes from.
const SNAPSHOT_BUILD_COLUMNS: &[ColumnDoc] = &[
    ColumnDoc {
        name: "as_of",
        ty: "date",
        nullable: false,
        description: "The day through which the row's values are folded in: the through of the build that wrote it. The snapshot's as_of is the latest of them.",
        values: &[],
    },
    ColumnDoc {
        name: "resumed_from",
        ty: "date",
        nullable: true,
        description: "The snapshot's as_of before the build that wrote the row; null when that build was a full one.",
        values: &[],
    },
    ColumnDoc {
        name: "prior",
        ty: "struct",
        nullable: true,
        description: "The row as it stood before the build that wrote it (last_active_date and the per-grain columns), from which the period models built after it resume; null for a user new in that build or after a full build.",
        values: &[],
    },
];

/// The sentence of the engine's table descriptions about Parquet file
/// metadata, which warehouse tables do not carry.
const FILE_METADATA: &str = " Parquet metadata:";

/// The `schema.yml` of the models of `models`, as text.
pub fn schema_yml(models: &DbtModels) -> String {
    let fact = match models.segment_column {
        Some(c) => format!("{}_by_{c}", models.fact),
        None => models.fact.to_string(),
    };
    let mut out = format!(
        "# The models of fact {fact}, described by the engine's data dictionary\n\
         # (activation dictionary --format dbt): regenerate it, do not edit it.\n\
         version: 2\n\nmodels:\n"
    );
    for table in TABLES {
        // The snapshot and the activity table serve every grain.
        if !table.name.contains("{g}") {
            model(&mut out, table, &fact, None, models);
            continue;
        }
        let kind = TableKind::ALL.iter().find(|k| k.as_str() == table.table);
        for &g in models.grains {
            if kind.is_none_or(|k| k.exists(g)) {
                model(&mut out, table, &fact, Some(g), models);
            }
        }
    }
    out
}

/// One model's entry.
fn model(out: &mut String, table: &TableDoc, fact: &str, grain: Option<Grain>, models: &DbtModels) {
    let name = table
        .name
        .replace("{fact}", fact)
        .replace("{g}", grain.map_or("", Grain::adjective));
    let description = table
        .description
        .find(FILE_METADATA)
        .map_or(table.description, |i| &table.description[..i]);
    let segment_columns: &[ColumnDoc] = if models.segment_column.is_some() {
        &[SEGMENT]
    } else {
        &[]
    };
    let key: Vec<&str> = segment_columns
        .iter()
        .map(|c| c.name)
        .chain(table.key.iter().copied())
        .collect();
    let extra: &[ColumnDoc] = if table.table == "snapshot" {
        SNAPSHOT_BUILD_COLUMNS
    } else {
        &[]
    };
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "  - name: {name}\n    description: {}",
        quoted(description)
    );
    let _ = writeln!(
        out,
        "    data_tests:\n      - activation_layer.unique_key:\n          arguments:\n            columns: [{}]",
        key.join(", ")
    );
    out.push_str("    columns:\n");
    for c in segment_columns {
        column(out, c, c.name, c.description);
    }
    for (name, window, c) in columns_with_windows(table.columns, models.windows) {
        let description = match window {
            Some(n) => c.description.replace(WINDOW, &n.to_string()),
            None => c.description.to_string(),
        };
        column(out, c, &name, &description);
    }
    for c in extra {
        column(out, c, c.name, c.description);
    }
}

/// One column's entry, with its tests; `name` and `description` are
/// those of `c` with a window's length in place of [`WINDOW`].
fn column(out: &mut String, c: &ColumnDoc, name: &str, description: &str) {
    let _ = writeln!(
        out,
        "      - name: {name}\n        description: {}",
        quoted(description)
    );
    if c.nullable && c.values.is_empty() {
        return;
    }
    out.push_str("        data_tests:\n");
    if !c.nullable {
        out.push_str("          - not_null\n");
    }
    if !c.values.is_empty() {
        let _ =
            writeln!(
            out,
            "          - accepted_values:\n              arguments:\n                values: [{}]",
            c.values.iter().map(|v| quoted(v)).collect::<Vec<_>>().join(", ")
        );
    }
}

/// A YAML double-quoted scalar (JSON's string syntax is YAML's).
fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}
