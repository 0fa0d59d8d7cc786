//! Self-describing outputs (SPEC section 14): the files of a run as a
//! Frictionless Data Package (`datapackage.json`). Each table is a
//! tabular resource whose Table Schema is read off the Arrow schema it was
//! written with (so types cannot disagree with the file) and the data
//! dictionary (descriptions, keys, allowed values); the package carries the
//! run's settings, so the files can be read without any other document.

use std::collections::BTreeMap;
use std::io::Write;

use arrow_schema::{DataType, Schema};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dictionary::{self, ColumnDoc, SEGMENT};
use crate::error::Error;
use crate::output::{Layer, TableKind};
use crate::write::OutputFormat;

/// The descriptor's file name, beside the files it describes.
pub const FILE_NAME: &str = "datapackage.json";

/// A writer that counts and hashes (SHA-256) the bytes passing through it,
/// so a file's size and hash are known without reading it again.
pub struct Digesting<W> {
    inner: W,
    bytes: u64,
    hash: Sha256,
}

impl<W> Digesting<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Digesting {
            inner,
            bytes: 0,
            hash: Sha256::new(),
        }
    }

    /// The inner writer, and the size and hash of what was written.
    pub fn finish(self) -> (W, Stamp) {
        let stamp = Stamp {
            bytes: self.bytes,
            sha256: hex(&self.hash.finalize()),
        };
        (self.inner, stamp)
    }
}

impl<W: Write> Write for Digesting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A file's size and SHA-256, as a resource lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, in lowercase hex.
    pub sha256: String,
}

impl Stamp {
    /// The stamp of bytes in memory.
    pub fn of(bytes: &[u8]) -> Self {
        Stamp {
            bytes: bytes.len() as u64,
            sha256: hex(&Sha256::digest(bytes)),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One file of a run's outputs.
pub struct OutputFile {
    /// Its name (a path relative to the descriptor).
    pub name: String,
    /// What it holds.
    pub content: Content,
    /// Its size and hash.
    pub stamp: Stamp,
}

/// What an output file holds.
pub enum Content {
    /// A table, in a format, with the Arrow schema it was written with.
    Table(TableKind, OutputFormat, arrow_schema::SchemaRef),
    /// The quality report (JSON).
    QualityReport,
}

/// A Frictionless Data Package (profile `data-package`), with the run's
/// settings as the `activation` property.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Package {
    /// Always `data-package`.
    pub profile: String,
    /// The package's name: the layer's fact name and grain, lowercase.
    pub name: String,
    /// A title for people.
    pub title: String,
    /// What the package holds.
    pub description: String,
    /// The files.
    pub resources: Vec<Resource>,
    /// How the files were made.
    pub activation: RunProperties,
}

/// One file of the package.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Its name: the table's short name (`states`, `summary`, ...) or
    /// `quality`.
    pub name: String,
    /// The file, relative to the descriptor.
    pub path: String,
    /// `tabular-data-resource` for tables, `data-resource` otherwise.
    pub profile: String,
    /// `csv`, `parquet` or `json`.
    pub format: String,
    /// Its media type.
    pub mediatype: String,
    /// Text files' encoding.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub encoding: Option<String>,
    /// Its size in bytes, for the files a Frictionless validator can
    /// measure (CSV and JSON; it reads Parquet through pandas, which gives
    /// it no bytes): every file's is in the package's `checksums`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bytes: Option<u64>,
    /// `sha256:` and its hash in hex, for the same files.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hash: Option<String>,
    /// What one row is, from the dictionary.
    pub description: String,
    /// A table's Table Schema.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub schema: Option<TableSchema>,
}

/// A Frictionless Table Schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableSchema {
    /// The columns, in file order.
    pub fields: Vec<Field>,
    /// The columns whose values identify a row (SPEC section 4's keys).
    pub primary_key: Vec<String>,
    /// Cells read as null: the empty field in CSV; none in Parquet, whose
    /// nulls are typed.
    pub missing_values: Vec<String>,
}

/// One column of a Table Schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The column name.
    pub name: String,
    /// `string`, `integer`, `number`, `boolean`, `date` (or `any`, in the
    /// dictionary's form, where the facts decide).
    #[serde(rename = "type")]
    pub ty: String,
    /// Its meaning, from the dictionary.
    pub description: String,
    /// Not null, and the allowed values of categorical columns.
    #[serde(skip_serializing_if = "Constraints::is_empty", default)]
    pub constraints: Constraints,
    /// The field's own null markers: `nan` for a nullable integer column
    /// of a Parquet file, which readers through pandas see as a NaN float
    /// (an integer column never holds the value NaN).
    #[serde(
        rename = "missingValues",
        skip_serializing_if = "Vec::is_empty",
        default
    )]
    pub missing_values: Vec<String>,
}

/// The constraints of a field.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Constraints {
    /// Whether every row has a value.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub required: bool,
    /// The allowed values.
    #[serde(rename = "enum", skip_serializing_if = "Vec::is_empty", default)]
    pub values: Vec<String>,
}

impl Constraints {
    fn is_empty(&self) -> bool {
        !self.required && self.values.is_empty()
    }
}

/// The run's settings, as the package records them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunProperties {
    /// The program that wrote the files.
    pub engine: String,
    /// Its version.
    pub engine_version: String,
    /// The fact name of the files (`{fact}`, or `{fact}_by_{column}`).
    pub fact: String,
    /// day, week or month.
    pub grain: String,
    /// The first day of weeks.
    pub week_start: String,
    /// The zone of every date.
    pub timezone: String,
    /// The first reported day.
    pub report_from: String,
    /// The last day of data.
    pub through: String,
    /// The day through which the written snapshot folds in every fact.
    pub as_of: String,
    /// The trailing windows of the activity table, in days.
    pub windows: Vec<u32>,
    /// `fact_column` or `user_attribute` in a segmented layer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub segment_kind: Option<String>,
    /// The segment column or users attribute.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub segment_column: Option<String>,
    /// The snapshot format written.
    pub snapshot_format_version: u32,
    /// Every file's size and SHA-256, by path (the resources carry them
    /// only where a Frictionless validator can check them).
    pub checksums: BTreeMap<String, Checksum>,
}

/// A file's size and hash, as the package records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksum {
    /// Its size in bytes.
    pub bytes: u64,
    /// `sha256:` and its hash in hex.
    pub hash: String,
}

impl From<&Stamp> for Checksum {
    fn from(s: &Stamp) -> Self {
        Checksum {
            bytes: s.bytes,
            hash: format!("sha256:{}", s.sha256),
        }
    }
}

/// The data package of a layer's files.
pub fn package(layer: Layer, files: &[OutputFile]) -> Package {
    let q = layer.quality();
    let a = layer.run();
    let segments = match layer {
        Layer::Segmented(_, s) => Some(s),
        Layer::Plain(_) => None,
    };
    let grain = a.calendar.grain();
    Package {
        profile: "data-package".into(),
        name: slug(&layer.table_name("")),
        title: format!("Activation layer of {}, {}", layer.fact(), grain.adjective()),
        description: format!(
            "User activation states (new, retained, reactivated, inactive) of the fact {}, {}, with their transitions, cohorts, rolling activity and depth, the FirstLast snapshot to resume from and the quality report. Every column is described in its table's schema; the settings the files were made with are in `activation`.",
            layer.fact(),
            grain.adjective()
        ),
        resources: files.iter().map(resource).collect(),
        activation: RunProperties {
            engine: env!("CARGO_PKG_NAME").into(),
            engine_version: env!("CARGO_PKG_VERSION").into(),
            fact: layer.fact().to_string(),
            grain: grain.to_string(),
            week_start: q.week_start.clone(),
            timezone: q.timezone.clone(),
            report_from: q.report_from.clone(),
            through: q.through.clone(),
            as_of: crate::grain::format_day(a.snapshot.meta.as_of),
            windows: a.activity.windows.lengths().to_vec(),
            segment_kind: segments.map(|s| s.kind.to_string()),
            segment_column: segments.map(|s| s.column.clone()),
            snapshot_format_version: a.snapshot.meta.format_version,
            checksums: files
                .iter()
                .map(|f| (f.name.clone(), Checksum::from(&f.stamp)))
                .collect(),
        },
    }
}

/// A name Frictionless accepts: lowercase letters, digits, `-`, `.`, `_`.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-' | '.' | '_') => c,
            _ => '-',
        })
        .collect()
}

fn resource(f: &OutputFile) -> Resource {
    let (name, format, mediatype, description, schema) = match &f.content {
        Content::Table(kind, format, schema) => (
            kind.as_str().to_string(),
            *format,
            match format {
                OutputFormat::Csv => "text/csv",
                OutputFormat::Parquet => "application/vnd.apache.parquet",
                OutputFormat::Arrow => "application/vnd.apache.arrow.stream",
            },
            kind.doc().description.to_string(),
            Some(table_schema(*kind, *format, schema)),
        ),
        Content::QualityReport => (
            "quality".to_string(),
            OutputFormat::Csv,
            "application/json",
            dictionary::QUALITY_REPORT.to_string(),
            None,
        ),
    };
    let text = matches!(f.content, Content::QualityReport) || format == OutputFormat::Csv;
    let checksum = Checksum::from(&f.stamp);
    Resource {
        name,
        path: f.name.clone(),
        profile: if schema.is_some() {
            "tabular-data-resource"
        } else {
            "data-resource"
        }
        .into(),
        format: match f.content {
            Content::QualityReport => "json".into(),
            _ => format.extension().into(),
        },
        mediatype: mediatype.into(),
        encoding: text.then(|| "utf-8".into()),
        bytes: text.then_some(checksum.bytes),
        hash: text.then_some(checksum.hash),
        description,
        schema,
    }
}

/// The Table Schema of a table written with `schema`: types from the
/// file's own columns, the rest from the dictionary. A segmented table
/// (a first column `segment`) has the segment first in its key.
pub fn table_schema(kind: TableKind, format: OutputFormat, schema: &Schema) -> TableSchema {
    let doc = kind.doc();
    let segmented = schema
        .fields()
        .first()
        .is_some_and(|f| f.name() == SEGMENT.name);
    let fields = schema
        .fields()
        .iter()
        .map(|f| {
            let column = column_doc(kind, f.name());
            let ty = field_type(f.data_type());
            Field {
                name: f.name().clone(),
                ty: ty.into(),
                description: dictionary::describe(doc.table, f.name()).to_string(),
                constraints: Constraints {
                    required: !f.is_nullable(),
                    values: column
                        .map(|c| c.values.iter().map(|v| v.to_string()).collect())
                        .unwrap_or_default(),
                },
                missing_values: match (format, ty) {
                    (OutputFormat::Parquet, "integer") if f.is_nullable() => vec!["nan".into()],
                    _ => Vec::new(),
                },
            }
        })
        .collect();
    TableSchema {
        fields,
        primary_key: key(kind, segmented),
        missing_values: match format {
            OutputFormat::Csv => vec![String::new()],
            _ => Vec::new(),
        },
    }
}

/// A table's key, the segment first in a segmented layer.
fn key(kind: TableKind, segmented: bool) -> Vec<String> {
    segmented
        .then_some(SEGMENT.name)
        .into_iter()
        .chain(kind.doc().key.iter().copied())
        .map(String::from)
        .collect()
}

fn column_doc(kind: TableKind, name: &str) -> Option<&'static ColumnDoc> {
    kind.doc()
        .columns
        .iter()
        .find(|c| c.name == name || dictionary::fills_window(c.name, name))
}

/// The Table Schema type of an Arrow column as the writers write it.
fn field_type(dt: &DataType) -> &'static str {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string",
        DataType::Dictionary(_, v) => field_type(v),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => "integer",
        DataType::Float32 | DataType::Float64 => "number",
        DataType::Boolean => "boolean",
        DataType::Date32 | DataType::Date64 => "date",
        _ => "any",
    }
}

/// The dictionary as Table Schemas, one per table (`activation dictionary
/// --format frictionless`): the column types of the dictionary (the user
/// id and segment are `any`, their type is the facts'), each window
/// column once with its `{N}` placeholder.
pub fn schemas() -> serde_json::Value {
    let schema = |kind: TableKind| {
        let doc = kind.doc();
        TableSchema {
            fields: doc
                .columns
                .iter()
                .map(|c| Field {
                    name: c.name.to_string(),
                    ty: match c.ty {
                        "int32" | "int64" => "integer",
                        "float64" => "number",
                        "boolean" => "boolean",
                        "date" => "date",
                        "string" => "string",
                        _ => "any",
                    }
                    .into(),
                    description: c.description.to_string(),
                    constraints: Constraints {
                        required: !c.nullable,
                        values: c.values.iter().map(|v| v.to_string()).collect(),
                    },
                    missing_values: Vec::new(),
                })
                .collect(),
            primary_key: key(kind, false),
            missing_values: vec![String::new()],
        }
    };
    serde_json::json!({
        "profile": "activation-layer-table-schemas",
        "description": "The Frictionless Table Schema of every table activation-layer writes, from its data dictionary. Every run's datapackage.json holds the schemas of its files, with the id column's type; a segmented layer adds a first column `segment`, first in its primary key.",
        "segment_field": Field {
            name: SEGMENT.name.into(),
            ty: "any".into(),
            description: SEGMENT.description.into(),
            constraints: Constraints::default(),
            missing_values: Vec::new(),
        },
        "tables": TableKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), serde_json::json!({
                "name": k.doc().name,
                "description": k.doc().description,
                "schema": schema(*k),
            })))
            .collect::<serde_json::Map<_, _>>(),
    })
}

/// Reads the data package in `dir`, if there is one.
pub fn read(dir: &std::path::Path) -> Result<Option<Package>, Error> {
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        Error::corrupt(
            &path.display().to_string(),
            format!("not a data package written by activation-layer: {e}"),
        )
    })
}

impl Package {
    /// The package of a history directory after `run` (this package) was
    /// merged into it: each resource's size and hash those of the merged
    /// file in `files` (name, bytes), the reported days from the earlier
    /// history's first (`history`, its package).
    pub fn merged(
        mut self,
        history: Option<&Package>,
        files: &[(String, &[u8])],
    ) -> Result<Package, Error> {
        for r in &mut self.resources {
            let (_, bytes) = files.iter().find(|(n, _)| *n == r.path).ok_or_else(|| {
                Error::Data(format!(
                    "{FILE_NAME} lists {}, which the run's directory does not hold",
                    r.path
                ))
            })?;
            let c = Checksum::from(&Stamp::of(bytes));
            if r.bytes.is_some() {
                (r.bytes, r.hash) = (Some(c.bytes), Some(c.hash.clone()));
            }
            self.activation.checksums.insert(r.path.clone(), c);
        }
        if let Some(h) = history {
            // Dates as YYYY-MM-DD compare as text.
            let first = &h.activation.report_from;
            if *first < self.activation.report_from {
                self.activation.report_from = first.clone();
            }
        }
        Ok(self)
    }
}

/// The descriptor's bytes: pretty JSON, ending with a newline.
pub fn to_bytes(p: &Package) -> Result<Vec<u8>, Error> {
    let mut bytes = serde_json::to_vec_pretty(p).map_err(|e| Error::Internal(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_names() {
        let s = Stamp::of(b"abc");
        assert_eq!(s.bytes, 3);
        assert_eq!(
            s.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut d = Digesting::new(Vec::new());
        d.write_all(b"ab").unwrap();
        d.write_all(b"c").unwrap();
        let (inner, stamp) = d.finish();
        assert_eq!((inner, stamp), (b"abc".to_vec(), s));
        assert_eq!(slug("App Visit_by_Plan"), "app-visit_by_plan");
    }
}
