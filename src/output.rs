//! The output tables as Arrow record batches whose fields carry their
//! description (from [`crate::dictionary`]) as metadata, so Parquet files,
//! Arrow IPC streams and anything read from them explain themselves.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder,
};
use arrow_array::types::{Int32Type, Int8Type};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int32Array, Int64Array,
    Int8Array, RecordBatch, StringArray,
};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema};

use crate::dictionary;
use crate::error::Error;
use crate::firstlast::FirstLast;
use crate::grain::{Calendar, Grain};
use crate::ids::{UserIds, UserIndex};
use crate::rolling::Activity;
use crate::run::Activation;
use crate::segment::{SegmentValue, Segments, USER_ATTRIBUTE};
use crate::states::{transition_index, transition_name, State, StateBatch, StoredRow, TRANSITIONS};

/// An output table of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableKind {
    /// Per user and period states.
    States,
    /// Per period summary.
    Summary,
    /// Per period transitions.
    Transitions,
    /// Per period and cohort retention.
    Cohorts,
    /// The FirstLast snapshot.
    Snapshot,
    /// Per day rolling activity (SPEC section 12).
    Activity,
    /// Per period and number of active days: the depth of use (weeks and
    /// months only).
    Depth,
}

impl TableKind {
    /// Every table, in the order they are written.
    pub const ALL: [TableKind; 7] = [
        TableKind::States,
        TableKind::Summary,
        TableKind::Transitions,
        TableKind::Cohorts,
        TableKind::Snapshot,
        TableKind::Activity,
        TableKind::Depth,
    ];

    /// The short name (`states`, `summary`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TableKind::States => "states",
            TableKind::Summary => "summary",
            TableKind::Transitions => "transitions",
            TableKind::Cohorts => "cohorts",
            TableKind::Snapshot => "snapshot",
            TableKind::Activity => "activity",
            TableKind::Depth => "depth",
        }
    }

    /// Whether a run of this grain has the table: every run but a daily
    /// one has a depth table.
    pub fn exists(self, grain: Grain) -> bool {
        self != TableKind::Depth || grain != Grain::Day
    }

    /// The documentation of this table.
    pub fn doc(self) -> &'static dictionary::TableDoc {
        dictionary::table(self.as_str()).expect("every table is documented")
    }

    /// The file stem of the table of a run without segments (SPEC
    /// section 4); [`Layer::file_stem`] for either layer.
    pub fn file_stem(self, a: &Activation) -> String {
        Layer::Plain(a).file_stem(self)
    }

    /// Hands the table of a run without segments to `f` one record batch
    /// at a time, in table order (at least one batch, so an empty table
    /// still has its schema). Only the states table has more than one.
    pub fn for_each_batch(
        self,
        a: &Activation,
        f: &mut dyn FnMut(RecordBatch) -> Result<(), Error>,
    ) -> Result<(), Error> {
        match self {
            TableKind::States => states(a, f),
            TableKind::Summary => f(summary(a)?),
            TableKind::Transitions => f(transitions(a)?),
            TableKind::Cohorts => f(cohorts(a)?),
            TableKind::Snapshot => f(snapshot(&a.snapshot)?),
            TableKind::Activity => f(activity(&a.activity)?),
            TableKind::Depth => f(depth(a)?),
        }
    }

    /// The segmented layer's table (SPEC section 11): each segment's
    /// table after the other, with a first column `segment`. The snapshot
    /// of a partition run is the unsegmented one.
    fn for_each_segmented_batch(
        self,
        a: &Activation,
        segments: &Segments,
        f: &mut dyn FnMut(RecordBatch) -> Result<(), Error>,
    ) -> Result<(), Error> {
        // A partition's snapshot is the run's; a split's has a row per
        // segment and user, like its other tables.
        if self == TableKind::Snapshot && segments.kind == USER_ATTRIBUTE {
            return f(snapshot(&a.snapshot)?);
        }
        let segment = SegmentColumn::new(self.as_str(), segments);
        let mut any = false;
        for (value, layer) in &segments.layers {
            // One column of the value for the segment's batches, sliced to
            // each one's length.
            let mut column: Option<ArrayRef> = None;
            self.for_each_batch(layer, &mut |b| {
                any = true;
                let n = b.num_rows();
                let c = match &column {
                    Some(c) if c.len() >= n => c.slice(0, n),
                    _ => column.insert(segment.cells(value, n)).clone(),
                };
                f(segment.with(c, b)?)
            })?;
        }
        if any {
            return Ok(());
        }
        // No segment at all (a run without users): the schema, no rows.
        self.for_each_batch(a, &mut |b| {
            let c = segment.cells(&SegmentValue::Null, 0);
            f(segment.with(c, b.slice(0, 0))?)
        })
    }

    /// An upper bound of the table's size as an Arrow IPC stream, known
    /// before it is written: for the states table and the snapshot
    /// (fixed-width columns plus the user ids' bytes) so a writer can size
    /// its output once instead of growing it; `None` for the small tables.
    pub fn arrow_size_bound(self, a: &Activation) -> Option<usize> {
        match self {
            TableKind::States => Some(states_arrow_size_bound(a)),
            TableKind::Snapshot => Some(snapshot_arrow_size_bound(&a.snapshot)),
            _ => None,
        }
    }

    /// The whole table of a run without segments as one record batch.
    pub fn batch(self, a: &Activation) -> Result<RecordBatch, Error> {
        Layer::Plain(a).batch(self)
    }
}

/// One layer of a run's outputs: the run without segments, or its
/// segmented layer (SPEC section 11), which one read can give together.
#[derive(Clone, Copy, Debug)]
pub enum Layer<'a> {
    /// The run without segments.
    Plain(&'a Activation),
    /// The segmented layer of a segmented run.
    Segmented(&'a Activation, &'a Segments),
}

impl<'a> From<&'a Activation> for Layer<'a> {
    fn from(a: &'a Activation) -> Self {
        Layer::Plain(a)
    }
}

impl<'a> Layer<'a> {
    /// The run the layer belongs to.
    pub fn run(self) -> &'a Activation {
        match self {
            Layer::Plain(a) | Layer::Segmented(a, _) => a,
        }
    }

    /// The fact name in its file names: `{fact}`, or `{fact}_by_{column}`.
    pub fn fact(self) -> &'a str {
        match self {
            Layer::Plain(a) => &a.fact,
            Layer::Segmented(_, s) => &s.fact,
        }
    }

    /// Its quality report (with rows and users per segment when segmented).
    pub fn quality(self) -> &'a crate::quality::Quality {
        match self {
            Layer::Plain(a) => &a.quality,
            Layer::Segmented(_, s) => &s.quality,
        }
    }

    /// The base name of an output table: `{fact}_activation_{g}` plus `suffix`.
    pub fn table_name(self, suffix: &str) -> String {
        let grain = self.run().calendar.grain().adjective();
        format!("{}_activation_{grain}{suffix}", self.fact())
    }

    /// The file stem of a table (SPEC section 4).
    pub fn file_stem(self, kind: TableKind) -> String {
        match kind {
            TableKind::States => self.table_name(""),
            TableKind::Summary => self.table_name("_summary"),
            TableKind::Transitions => self.table_name("_transitions"),
            TableKind::Cohorts => self.table_name("_cohorts"),
            TableKind::Snapshot => format!("{}_firstlast", self.fact()),
            TableKind::Activity => format!("{}_activity_daily", self.fact()),
            TableKind::Depth => self.table_name("_depth"),
        }
    }

    /// The tables this layer has, in the order they are written.
    pub fn tables(self) -> impl Iterator<Item = TableKind> {
        let grain = self.run().calendar.grain();
        TableKind::ALL.into_iter().filter(move |t| t.exists(grain))
    }

    /// The snapshot's key-value metadata in Parquet.
    pub fn snapshot_metadata(self) -> Vec<(String, String)> {
        let mut meta = self.run().snapshot.meta.clone();
        if let Layer::Segmented(_, s) = self {
            if s.kind != USER_ATTRIBUTE {
                meta.segment_column = Some(s.column.clone());
            }
        }
        meta.to_pairs()
    }

    /// An upper bound of a table's size as an Arrow IPC stream (the states
    /// table's and the snapshot's, as [`TableKind::arrow_size_bound`]), so
    /// a writer sizes its output once; a segmented layer's is its
    /// segments' with their segment column.
    pub fn arrow_size_bound(self, kind: TableKind) -> Option<usize> {
        match self {
            Layer::Plain(a) => kind.arrow_size_bound(a),
            Layer::Segmented(a, s) if kind == TableKind::Snapshot && s.kind == USER_ATTRIBUTE => {
                kind.arrow_size_bound(a)
            }
            Layer::Segmented(_, s) => {
                let rows = |a: &Activation| match kind {
                    TableKind::States => a.states.len(),
                    _ => a.snapshot.users.len(),
                };
                // One stream: the segments' batches without their own
                // stream's schema and end.
                let batches = s
                    .layers
                    .iter()
                    .map(|(v, a)| {
                        let bound = kind.arrow_size_bound(a)? - IPC_STREAM_OVERHEAD;
                        Some(bound + segment_column_bound(v, rows(a)))
                    })
                    .sum::<Option<usize>>()?;
                Some(batches + segment_dictionary_bound(s) + IPC_STREAM_OVERHEAD)
            }
        }
    }

    /// Hands a table to `f` one record batch at a time, in table order.
    pub fn for_each_batch(
        self,
        kind: TableKind,
        f: &mut dyn FnMut(RecordBatch) -> Result<(), Error>,
    ) -> Result<(), Error> {
        match self {
            Layer::Plain(a) if a.segments.as_ref().is_some_and(|s| !s.plain) => {
                Err(no_plain_layer())
            }
            Layer::Plain(a) => kind.for_each_batch(a, f),
            Layer::Segmented(a, s) => kind.for_each_segmented_batch(a, s, f),
        }
    }

    /// A whole table as one record batch.
    pub fn batch(self, kind: TableKind) -> Result<RecordBatch, Error> {
        let mut batches = Vec::new();
        self.for_each_batch(kind, &mut |b| {
            batches.push(b);
            Ok(())
        })?;
        match batches.len() {
            1 => Ok(batches.pop().expect("one batch")),
            _ => arrow_select::concat::concat_batches(&batches[0].schema(), &batches)
                .map_err(|e| Error::Internal(format!("joining the {} table: {e}", kind.as_str()))),
        }
    }
}

impl FromStr for TableKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        TableKind::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                Error::invalid_option(
                    "table",
                    s,
                    "one of states, summary, transitions, cohorts, snapshot, activity, depth",
                )
            })
    }
}

/// A bar of a lifecycle chart: the users of one period counted by one of
/// the summary's columns `new`, `retained`, `reactivated` or `churned`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bar {
    /// In their first period.
    New,
    /// Active now and in the previous period.
    Retained,
    /// Active again after inactive periods.
    Reactivated,
    /// Inactive now after an active previous period.
    Churned,
}

impl Bar {
    /// Whether a states row with this state and previous state is one of
    /// the bar's users.
    pub fn holds(self, state: State, previous: Option<State>) -> bool {
        match self {
            Bar::New => state == State::New,
            Bar::Retained => state == State::Retained,
            Bar::Reactivated => state == State::Reactivated,
            Bar::Churned => state == State::Inactive && previous.is_some_and(State::is_active),
        }
    }
}

impl FromStr for Bar {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "new" => Ok(Bar::New),
            "retained" => Ok(Bar::Retained),
            "reactivated" => Ok(Bar::Reactivated),
            "churned" => Ok(Bar::Churned),
            _ => Err(Error::invalid_option(
                "bar",
                s,
                "one of new, retained, reactivated, churned",
            )),
        }
    }
}

/// The rows of `a`'s states table behind one bar of its lifecycle chart:
/// the users the summary counts in that column for the period starting on
/// `period_start` (a day). With `segment`, `a` is that segment's layer and
/// the rows are those of the segmented states table, segment first.
/// Only that period's rows are read.
pub fn bar_rows(
    a: &Activation,
    segment: Option<(&Segments, &SegmentValue)>,
    period_start: i32,
    bar: Bar,
) -> Result<RecordBatch, Error> {
    let cal = &a.calendar;
    let period = cal.period_of(period_start);
    if cal.start(period) != period_start || period < a.first_period() || period > a.last_period() {
        return Err(Error::Usage(format!(
            "{} is not the first day of a reported {} (the run reports {} to {})",
            crate::grain::format_day(period_start),
            cal.grain().as_str(),
            crate::grain::format_day(cal.start(a.first_period())),
            crate::grain::format_day(cal.start(a.last_period())),
        )));
    }
    let rows = a.states.period_where(period, |s, p| bar.holds(s, p));
    let mut out = None;
    states_of(a, std::iter::once(rows), &mut |b| {
        out = Some(b);
        Ok(())
    })?;
    let rows = out.expect("one batch in, one batch out");
    match segment {
        Some((segments, value)) => {
            let segment = SegmentColumn::new(TableKind::States.as_str(), segments);
            segment.with(segment.cells(value, rows.num_rows()), rows)
        }
        None => Ok(rows),
    }
}

/// Why a split run resumed from a split snapshot has no layer without
/// segments.
pub fn no_plain_layer() -> Error {
    Error::Usage(
        "this run has only its segmented layer: it was asked for it alone (unsegmented: false), or it resumed from a split snapshot, which holds no history of the layer without segments"
            .into(),
    )
}

/// The `segment` column of a segmented layer's table. Text segments are
/// a dictionary of every segment's value, shared by all the table's
/// batches: each row holds a 4-byte key instead of the text (a sixth of a
/// split's states table), as the state columns hold theirs. Integers are
/// themselves.
struct SegmentColumn<'a> {
    field: Arc<Field>,
    segments: &'a Segments,
    /// The text values, and each one's key; `None` for integers.
    dictionary: Option<(ArrayRef, HashMap<&'a str, i32>)>,
}

impl<'a> SegmentColumn<'a> {
    fn new(table: &str, segments: &'a Segments) -> Self {
        let (dt, dictionary) = if segments.is_int {
            (DataType::Int64, None)
        } else {
            let texts: Vec<&str> = segments
                .layers
                .iter()
                .filter_map(|(v, _)| match v {
                    SegmentValue::Text(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect();
            let keys = texts
                .iter()
                .enumerate()
                .map(|(k, s)| (*s, k as i32))
                .collect();
            let values: ArrayRef = Arc::new(StringArray::from(texts));
            (segment_type(), Some((values, keys)))
        };
        SegmentColumn {
            field: Arc::new(field(table, "segment", dt, true)),
            segments,
            dictionary,
        }
    }

    /// The column of `n` rows of one segment.
    fn cells(&self, value: &SegmentValue, n: usize) -> ArrayRef {
        match (value, &self.dictionary) {
            (SegmentValue::Int(v), None) => Arc::new(Int64Array::from(vec![*v; n])),
            (SegmentValue::Text(v), Some((values, keys))) => {
                let keys = Int32Array::from(vec![keys[v.as_str()]; n]);
                Arc::new(
                    DictionaryArray::<Int32Type>::try_new(keys, values.clone())
                        .expect("keys index the segment values"),
                )
            }
            // The null segment's keys are null, with the same values: a
            // stream's dictionary is never replaced.
            (_, Some((values, _))) => Arc::new(
                DictionaryArray::<Int32Type>::try_new(Int32Array::new_null(n), values.clone())
                    .expect("null keys"),
            ),
            _ => arrow_array::new_null_array(self.field.data_type(), n),
        }
    }

    /// A layer's batch with its segment column first, and the segment kind
    /// and column in the schema's metadata.
    fn with(&self, column: ArrayRef, b: RecordBatch) -> Result<RecordBatch, Error> {
        let schema = b.schema();
        let mut metadata = schema.metadata().clone();
        metadata.insert("segment_kind".to_string(), self.segments.kind.to_string());
        metadata.insert("segment_column".to_string(), self.segments.column.clone());
        let fields: Vec<Arc<Field>> = std::iter::once(self.field.clone())
            .chain(schema.fields().iter().cloned())
            .collect();
        let columns = std::iter::once(column).chain(b.columns().iter().cloned());
        RecordBatch::try_new(
            Arc::new(Schema::new(fields).with_metadata(metadata)),
            columns.collect(),
        )
        .map_err(|e| Error::Internal(format!("adding the segment column: {e}")))
    }
}

/// The type of text segment columns.
fn segment_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The field of a documented column, with its description as metadata.
fn field(table: &str, name: &str, dt: DataType, nullable: bool) -> Field {
    Field::new(name, dt, nullable).with_metadata(HashMap::from([(
        "description".to_string(),
        dictionary::describe(table, name).to_string(),
    )]))
}

fn state_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8))
}

fn user_type(ids: &UserIds) -> DataType {
    if ids.is_int() {
        DataType::Int64
    } else {
        DataType::Utf8
    }
}

/// The user id column for a list of users.
fn user_column(ids: &UserIds, users: &[UserIndex]) -> Result<ArrayRef, Error> {
    Ok(match ids {
        UserIds::Int(v) => Arc::new(Int64Array::from(
            users.iter().map(|u| v[*u as usize]).collect::<Vec<_>>(),
        )),
        UserIds::Text(v) => {
            // Sized once: the ids' bytes are known before they are copied.
            let bytes: usize = users.iter().map(|u| v.get(*u as usize).len()).sum();
            if i32::try_from(bytes).is_err() {
                return Err(Error::Internal(format!(
                    "{bytes} bytes of user ids in one batch exceed Arrow's 2 GiB string column"
                )));
            }
            let mut values = vec![0; bytes];
            let mut offsets = Vec::with_capacity(users.len() + 1);
            offsets.push(0i32);
            let mut at = 0;
            for u in users {
                let id = v.get(*u as usize).as_bytes();
                copy_short(&mut values[at..at + id.len()], id);
                at += id.len();
                offsets.push(at as i32);
            }
            // SAFETY: the offsets start at 0, never decrease and end at the
            // values' length (checked to fit i32 above), and every id is a
            // Rust string, so valid UTF-8 between any two offsets.
            Arc::new(unsafe {
                StringArray::new_unchecked(
                    OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)),
                    Buffer::from_vec(values),
                    None,
                )
            })
        }
    })
}

/// Copies `src` into `dst` (of the same length). Ids are short, and in
/// WebAssembly the `memory.copy` that a slice copy becomes costs far more
/// than the copy itself, so up to 16 bytes are moved as two overlapping
/// words (array assignments: a slice copy of a word's length can stay an
/// out-of-line call when optimising for size).
#[inline]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    fn word<const W: usize>(dst: &mut [u8], src: &[u8]) {
        let to: &mut [u8; W] = dst.try_into().expect("a slice of the word's length");
        *to = src.try_into().expect("a slice of the word's length");
    }
    match n {
        0 => {}
        1..=3 => {
            dst[0] = src[0];
            dst[n / 2] = src[n / 2];
            dst[n - 1] = src[n - 1];
        }
        4..=7 => {
            word::<4>(&mut dst[..4], &src[..4]);
            word::<4>(&mut dst[n - 4..n], &src[n - 4..]);
        }
        8..=16 => {
            word::<8>(&mut dst[..8], &src[..8]);
            word::<8>(&mut dst[n - 8..n], &src[n - 8..]);
        }
        _ => dst.copy_from_slice(src),
    }
}

/// A table's schema, with the table's description as metadata.
fn schema(table: &str, fields: Vec<Field>) -> Schema {
    let doc = dictionary::table(table).map_or("", |t| t.description);
    Schema::new(fields).with_metadata(HashMap::from([(
        "description".to_string(),
        doc.to_string(),
    )]))
}

fn batch(table: &str, fields: Vec<Field>, columns: Vec<ArrayRef>) -> Result<RecordBatch, Error> {
    RecordBatch::try_new(Arc::new(schema(table, fields)), columns)
        .map_err(|e| Error::Internal(format!("building the {table} table: {e}")))
}

/// Rows per record batch of the states table: it is built and written a
/// batch at a time, so its Arrow form never exists whole in memory.
pub const STATE_BATCH_ROWS: usize = 65_536;

fn states_schema(a: &Activation) -> Schema {
    let t = "states";
    schema(
        t,
        vec![
            field(t, "user_id", user_type(a.ids()), false),
            field(t, "period_start", DataType::Date32, false),
            field(t, "state", state_type(), false),
            field(t, "previous_state", state_type(), true),
            field(t, "transition", state_type(), false),
            field(t, "streak", DataType::Int32, false),
            field(t, "inactive_streak", DataType::Int32, false),
            field(t, "gap", DataType::Int32, true),
            field(t, "churned_periods", DataType::Int32, true),
            field(t, "active_periods", DataType::Int32, false),
            field(t, "first_period", DataType::Date32, false),
            field(t, "tenure", DataType::Int32, false),
        ],
    )
}

/// Bytes per row of the states table's fixed-width columns, besides the
/// user id: two dates, six 32-bit integers, three 8-bit dictionary keys.
const STATES_ROW_BYTES: usize = 2 * 4 + 6 * 4 + 3;
/// Nullable columns of the states table (one validity bit per row each).
const STATES_NULLABLE: usize = 3;
/// Per record batch: its message header and the padding of each of its
/// buffers to 64 bytes (Arrow IPC's alignment).
const IPC_BATCH_OVERHEAD: usize = 4096;
/// The schema message (with every column's description), the three
/// dictionaries and the end-of-stream marker.
const IPC_STREAM_OVERHEAD: usize = 64 * 1024;

fn states_arrow_size_bound(a: &Activation) -> usize {
    let rows = a.states.len();
    let batches = rows.div_ceil(STATE_BATCH_ROWS).max(1);
    let user_bytes = match a.ids() {
        UserIds::Int(_) => 8 * rows,
        // 32-bit offsets (one more per batch) and the ids' text.
        UserIds::Text(v) => {
            4 * (rows + batches)
                + match v.common_len() {
                    Some(len) => rows * len,
                    None => a
                        .states
                        .users()
                        .map(|u| v.get(u as usize).len())
                        .sum::<usize>(),
                }
        }
    };
    rows * STATES_ROW_BYTES
        + STATES_NULLABLE * (rows / 8 + batches)
        + user_bytes
        + batches * IPC_BATCH_OVERHEAD
        + IPC_STREAM_OVERHEAD
}

/// Bytes per row of the snapshot's fixed-width columns, besides the user
/// id: two dates, then per grain a date and two 32-bit integers, and the
/// active days of weeks and months.
const SNAPSHOT_ROW_BYTES: usize = 2 * 4 + 3 * 3 * 4 + 2 * 4;
/// Nullable columns of the snapshot: each grain's previous active date.
const SNAPSHOT_NULLABLE: usize = 3;

fn snapshot_arrow_size_bound(s: &FirstLast) -> usize {
    let rows = s.users.len();
    let user_bytes = match &s.ids {
        UserIds::Int(_) => 8 * rows,
        UserIds::Text(v) => 4 * (rows + 1) + v.bytes(),
    };
    rows * SNAPSHOT_ROW_BYTES
        + SNAPSHOT_NULLABLE * (rows / 8 + 1)
        + user_bytes
        + IPC_BATCH_OVERHEAD
        + IPC_STREAM_OVERHEAD
}

/// Bytes of one segment's `segment` column in a table's IPC stream: per
/// row a dictionary key (text) or an integer, validity bits, and per batch
/// its buffers' padding and the column's header entries.
fn segment_column_bound(value: &SegmentValue, rows: usize) -> usize {
    let batches = rows.div_ceil(STATE_BATCH_ROWS).max(1);
    let per_row = match value {
        SegmentValue::Int(_) => 8,
        _ => 4,
    };
    rows * per_row + rows / 8 + batches * (4 + 3 * 64 + 256)
}

/// Bytes of the text segments' dictionary, sent once in a table's stream:
/// the values, their offsets, and the message around them.
fn segment_dictionary_bound(segments: &Segments) -> usize {
    let texts = segments.layers.iter().map(|(v, _)| match v {
        SegmentValue::Text(s) => 4 + s.len(),
        _ => 0,
    });
    texts.sum::<usize>() + 4 + IPC_BATCH_OVERHEAD
}

/// The categorical columns share fixed dictionaries (every possible value,
/// in SPEC order), so each row is one key and every batch has the same
/// dictionary. A negative key is a null.
fn categorical(mut keys: Vec<i8>, values: &ArrayRef) -> ArrayRef {
    let nulls = nulls_where(&keys, |k| k < 0);
    keys.iter_mut().for_each(|k| *k = (*k).max(0));
    Arc::new(
        DictionaryArray::<Int8Type>::try_new(Int8Array::new(keys.into(), nulls), values.clone())
            .expect("keys index the fixed dictionary"),
    )
}

/// An Int32 column where 0 stands for null (counts that are never 0).
fn zero_is_null(values: Vec<i32>) -> ArrayRef {
    let nulls = nulls_where(&values, |v| v == 0);
    Arc::new(Int32Array::new(values.into(), nulls))
}

/// The validity of a column, built 64 rows at a time.
fn nulls_where<T: Copy>(values: &[T], is_null: impl Fn(T) -> bool) -> Option<NullBuffer> {
    let valid = BooleanBuffer::collect_bool(values.len(), |i| !is_null(values[i]));
    Some(NullBuffer::new(valid)).filter(|n| n.null_count() > 0)
}

/// The dictionary of every state column: the state names in SPEC order.
fn state_values() -> ArrayRef {
    Arc::new(StringArray::from_iter_values(
        State::ALL.iter().map(|s| s.as_str()),
    ))
}

// The states table's column builders: generic, not function pointers, so
// each column is one tight loop over the stored rows.
fn ints<'a>(b: &StateBatch<'a>, v: impl Fn(StoredRow<'a>) -> u32) -> ArrayRef {
    Arc::new(Int32Array::from(b.column(|r| v(r) as i32)))
}

fn zero_null<'a>(b: &StateBatch<'a>, v: impl Fn(StoredRow<'a>) -> Option<NonZeroU32>) -> ArrayRef {
    zero_is_null(b.column(|r| v(r).map_or(0, |g| g.get() as i32)))
}

fn dates<'a>(b: &StateBatch<'a>, cal: &Calendar, v: impl Fn(StoredRow<'a>) -> i32) -> ArrayRef {
    let mut days = b.column(v);
    period_starts(&mut days, cal);
    Arc::new(Date32Array::from(days))
}

/// Replaces periods by their first days.
fn period_starts(days: &mut [i32], cal: &Calendar) {
    // A batch spans few periods: when there are fewer than rows, each
    // period's start is computed once (a month start is a date conversion).
    let (lo, hi) = days
        .iter()
        .fold((i32::MAX, i32::MIN), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    if lo <= hi && ((hi as i64 - lo as i64) as usize) < days.len() {
        let starts: Vec<i32> = (lo..=hi).map(|p| cal.start(p)).collect();
        days.iter_mut()
            .for_each(|p| *p = starts[(*p - lo) as usize]);
    } else {
        days.iter_mut().for_each(|p| *p = cal.start(*p));
    }
}

fn states(
    a: &Activation,
    f: &mut dyn FnMut(RecordBatch) -> Result<(), Error>,
) -> Result<(), Error> {
    states_of(a, a.states.batches(STATE_BATCH_ROWS), f)
}

/// The states table's record batches of some of `a`'s rows.
fn states_of<'a>(
    a: &'a Activation,
    batches: impl Iterator<Item = StateBatch<'a>>,
    f: &mut dyn FnMut(RecordBatch) -> Result<(), Error>,
) -> Result<(), Error> {
    let schema = Arc::new(states_schema(a));
    let cal = &a.calendar;
    let state_values = state_values();
    let transition_values: ArrayRef = Arc::new(StringArray::from_iter_values(
        TRANSITIONS.iter().map(|(p, s)| transition_name(*p, *s)),
    ));
    for batch in batches {
        let columns = vec![
            user_column(a.ids(), &batch.column(StoredRow::user))?,
            dates(&batch, cal, StoredRow::period),
            categorical(batch.column(|r| r.states().0 as i8), &state_values),
            categorical(
                batch.column(|r| r.states().1.map_or(-1, |p| p as i8)),
                &state_values,
            ),
            categorical(
                batch.column(|r| {
                    let (state, previous) = r.states();
                    transition_index(previous, state).map_or(-1, |k| k as i8)
                }),
                &transition_values,
            ),
            ints(&batch, StoredRow::streak),
            ints(&batch, StoredRow::inactive_streak),
            zero_null(&batch, StoredRow::gap),
            zero_null(&batch, StoredRow::churned_periods),
            ints(&batch, StoredRow::active_periods),
            dates(&batch, cal, StoredRow::first_period),
            ints(&batch, StoredRow::tenure),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .map_err(|e| Error::Internal(format!("building the states table: {e}")))?;
        f(batch)?;
    }
    Ok(())
}

fn summary(a: &Activation) -> Result<RecordBatch, Error> {
    let t = "summary";
    let rows = &a.aggregates.summary;
    let mut starts = Date32Builder::new();
    let mut ends = Date32Builder::new();
    let mut complete = BooleanBuilder::new();
    let mut counts: Vec<Int64Builder> = (0..8).map(|_| Int64Builder::new()).collect();
    let mut rates: Vec<Float64Builder> = (0..4).map(|_| Float64Builder::new()).collect();
    for r in rows {
        starts.append_value(r.period_start);
        ends.append_value(r.period_end);
        complete.append_value(r.complete);
        for (b, v) in counts.iter_mut().zip([
            r.active,
            r.new,
            r.retained,
            r.reactivated,
            r.churned,
            r.dormant,
            r.inactive,
            r.total_users,
        ]) {
            b.append_value(v as i64);
        }
        for (b, v) in rates.iter_mut().zip([
            r.retention_rate,
            r.churn_rate,
            r.reactivation_rate,
            r.quick_ratio,
        ]) {
            b.append_option(v);
        }
    }
    let count_names = [
        "active",
        "new",
        "retained",
        "reactivated",
        "churned",
        "dormant",
        "inactive",
        "total_users",
    ];
    let rate_names = [
        "retention_rate",
        "churn_rate",
        "reactivation_rate",
        "quick_ratio",
    ];
    let mut fields = vec![
        field(t, "period_start", DataType::Date32, false),
        field(t, "period_end", DataType::Date32, false),
        field(t, "complete", DataType::Boolean, false),
    ];
    fields.extend(
        count_names
            .iter()
            .map(|n| field(t, n, DataType::Int64, false)),
    );
    fields.extend(
        rate_names
            .iter()
            .map(|n| field(t, n, DataType::Float64, true)),
    );
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(starts.finish()),
        Arc::new(ends.finish()),
        Arc::new(complete.finish()),
    ];
    columns.extend(counts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.extend(rates.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    batch(t, fields, columns)
}

fn transitions(a: &Activation) -> Result<RecordBatch, Error> {
    let t = "transitions";
    let cal: &Calendar = &a.calendar;
    let rows = &a.aggregates.transitions;
    let states = state_values();
    batch(
        t,
        vec![
            field(t, "period_start", DataType::Date32, false),
            field(t, "from_state", state_type(), true),
            field(t, "to_state", state_type(), false),
            field(t, "users", DataType::Int64, false),
        ],
        vec![
            Arc::new(Date32Array::from_iter_values(
                rows.iter().map(|r| cal.start(r.period)),
            )),
            categorical(
                rows.iter()
                    .map(|r| r.from.map_or(-1, |s| s as i8))
                    .collect(),
                &states,
            ),
            categorical(rows.iter().map(|r| r.to as i8).collect(), &states),
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|r| r.users as i64),
            )),
        ],
    )
}

fn cohorts(a: &Activation) -> Result<RecordBatch, Error> {
    let t = "cohorts";
    let cal = &a.calendar;
    let rows = &a.aggregates.cohorts;
    let mut cohort = Date32Builder::new();
    let mut period = Date32Builder::new();
    let mut since = Int32Builder::new();
    let mut size = Int64Builder::new();
    let mut active = Int64Builder::new();
    let mut retention = Float64Builder::new();
    for r in rows {
        cohort.append_value(cal.start(r.cohort));
        period.append_value(cal.start(r.period));
        since.append_value(r.periods_since as i32);
        size.append_value(r.cohort_size as i64);
        active.append_value(r.active_users as i64);
        retention.append_value(r.retention);
    }
    batch(
        t,
        vec![
            field(t, "cohort_period", DataType::Date32, false),
            field(t, "period_start", DataType::Date32, false),
            field(t, "periods_since", DataType::Int32, false),
            field(t, "cohort_size", DataType::Int64, false),
            field(t, "active_users", DataType::Int64, false),
            field(t, "retention", DataType::Float64, false),
        ],
        vec![
            Arc::new(cohort.finish()),
            Arc::new(period.finish()),
            Arc::new(since.finish()),
            Arc::new(size.finish()),
            Arc::new(active.finish()),
            Arc::new(retention.finish()),
        ],
    )
}

/// The activity table: a row per day, then per window its active users,
/// stickiness and completeness.
fn activity(a: &Activity) -> Result<RecordBatch, Error> {
    let t = "activity";
    let mut fields = vec![
        field(t, "date", DataType::Date32, false),
        field(t, "active_1d", DataType::Int64, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(Date32Array::from_iter_values(a.days())),
        Arc::new(Int64Array::from_iter_values(
            a.active_1d.iter().map(|n| *n as i64),
        )),
    ];
    for (w, n) in a.windows.lengths().iter().enumerate() {
        fields.push(field(t, &format!("active_{n}d"), DataType::Int64, false));
        fields.push(field(
            t,
            &format!("stickiness_{n}d"),
            DataType::Float64,
            true,
        ));
        fields.push(field(
            t,
            &format!("complete_{n}d"),
            DataType::Boolean,
            false,
        ));
        columns.push(Arc::new(Int64Array::from_iter_values(
            a.active[w].iter().map(|n| *n as i64),
        )));
        columns.push(Arc::new(Float64Array::from_iter(
            (0..a.active_1d.len()).map(|i| a.stickiness(w, i)),
        )));
        columns.push(Arc::new(BooleanArray::from_iter(
            a.days().map(|d| Some(a.complete(w, d))),
        )));
    }
    batch(t, fields, columns)
}

/// The depth table of a weekly or monthly run.
fn depth(a: &Activation) -> Result<RecordBatch, Error> {
    let t = "depth";
    let d = a.depth.as_ref().ok_or_else(|| {
        Error::Usage(
            "a daily run has no depth table: depth counts active days per week or month".into(),
        )
    })?;
    let cal = &a.calendar;
    batch(
        t,
        vec![
            field(t, "period_start", DataType::Date32, false),
            field(t, "days_active", DataType::Int32, false),
            field(t, "users", DataType::Int64, false),
        ],
        vec![
            Arc::new(Date32Array::from_iter_values(
                d.rows().map(|(p, _, _)| cal.start(p)),
            )),
            Arc::new(Int32Array::from_iter_values(
                d.rows().map(|(_, k, _)| k as i32),
            )),
            Arc::new(Int64Array::from_iter_values(
                d.rows().map(|(_, _, n)| n as i64),
            )),
        ],
    )
}

/// The snapshot table, users in output order.
pub fn snapshot(s: &FirstLast) -> Result<RecordBatch, Error> {
    let t = "snapshot";
    let order = s.ids.sorted_order();
    let users = || order.iter().map(|u| &s.users[*u as usize]);
    let mut fields = vec![
        field(t, "user_id", user_type(&s.ids), false),
        field(t, "first_active_date", DataType::Date32, false),
        field(t, "last_active_date", DataType::Date32, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        user_column(&s.ids, &order)?,
        Arc::new(arrow_array::Date32Array::from_iter_values(
            users().map(|h| h.first_active_date),
        )),
        Arc::new(arrow_array::Date32Array::from_iter_values(
            users().map(|h| h.last_active_date),
        )),
    ];
    for (g, grain) in crate::grain::Grain::ALL.iter().enumerate() {
        let [p, st, ap] = crate::firstlast::grain_columns(*grain);
        fields.push(field(t, &p, DataType::Date32, true));
        fields.push(field(t, &st, DataType::Int32, false));
        fields.push(field(t, &ap, DataType::Int32, false));
        columns.push(Arc::new(arrow_array::Date32Array::from_iter(
            users().map(|h| h.grains[g].previous_active_date),
        )));
        columns.push(Arc::new(arrow_array::Int32Array::from_iter_values(
            users().map(|h| h.grains[g].streak as i32),
        )));
        columns.push(Arc::new(arrow_array::Int32Array::from_iter_values(
            users().map(|h| h.grains[g].active_periods as i32),
        )));
        if let Some(d) = crate::firstlast::active_days_column(*grain) {
            fields.push(field(t, &d, DataType::Int32, false));
            columns.push(Arc::new(arrow_array::Int32Array::from_iter_values(
                users().map(|h| h.grains[g].active_days as i32),
            )));
        }
    }
    batch(t, fields, columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC section 11's split example as CSV text: a bar's rows, in the
    /// layer without segments and in one segment.
    #[test]
    fn a_bars_rows_are_its_periods_states_rows_of_that_state() {
        use crate::grain::{parse_day, Grain};
        use crate::options::RunOptions;
        use crate::read::InputFile;
        let facts = InputFile::bytes(
            "spec_example.csv",
            "user_id,event_date,platform\nalice,2024-01-01,web\nalice,2024-01-09,ios\n\
             alice,2024-01-30,web\nbob,2024-01-03,web\ncarol,2024-01-10,ios\n\
             carol,2024-01-17,ios\ncarol,2024-01-24,web\ndave,2024-01-02,web\n\
             dave,2024-01-04,ios\ndave,2024-01-23,web\ndave,2024-01-31,web\n"
                .as_bytes()
                .to_vec(),
        );
        let mut o = RunOptions::new(Grain::Week);
        o.through = Some(parse_day("through", "2024-02-04").unwrap());
        o.facts.segment_column = Some("platform".into());
        let a = crate::run::run(&[facts], None, &o).unwrap();
        let day = |d| parse_day("day", d).unwrap();
        let csv = |segment, period, bar| {
            let b = bar_rows(&a, segment, day(period), bar).unwrap();
            String::from_utf8(crate::write::csv_bytes(&b).unwrap()).unwrap()
        };
        // SPEC section 10: bob and dave churned in the week of 2024-01-08.
        assert_eq!(
            csv(None, "2024-01-08", Bar::Churned),
            "user_id,period_start,state,previous_state,transition,streak,inactive_streak,gap,churned_periods,active_periods,first_period,tenure\n\
             bob,2024-01-08,inactive,new,new_to_inactive,0,1,,,1,2024-01-01,1\n\
             dave,2024-01-08,inactive,new,new_to_inactive,0,1,,,1,2024-01-01,1\n"
        );
        assert_eq!(
            csv(None, "2024-01-22", Bar::Reactivated).lines().count(),
            2,
            "dave"
        );
        // On iOS alice and carol are new in that week; no one retained.
        let s = a.segments.as_ref().unwrap();
        let ios = SegmentValue::Text("ios".into());
        let layer = s.layer(&ios).unwrap();
        assert_eq!(
            bar_rows(layer, Some((s, &ios)), day("2024-01-08"), Bar::New)
                .and_then(|b| crate::write::csv_bytes(&b))
                .map(|b| String::from_utf8(b).unwrap())
                .unwrap(),
            "segment,user_id,period_start,state,previous_state,transition,streak,inactive_streak,gap,churned_periods,active_periods,first_period,tenure\n\
             ios,alice,2024-01-08,new,,new,1,0,,,1,2024-01-08,0\n\
             ios,carol,2024-01-08,new,,new,1,0,,,1,2024-01-08,0\n"
        );
        assert_eq!(
            bar_rows(layer, Some((s, &ios)), day("2024-01-08"), Bar::Retained)
                .unwrap()
                .num_rows(),
            0
        );
        // A day that starts no reported week is refused, naming the weeks.
        let e = bar_rows(&a, None, day("2024-01-09"), Bar::New).unwrap_err();
        assert_eq!(
            e.to_string(),
            "2024-01-09 is not the first day of a reported week (the run reports 2024-01-01 to 2024-01-29)"
        );
        assert!(bar_rows(&a, None, day("2024-02-05"), Bar::New).is_err());
        assert!(s
            .layer(&SegmentValue::Text("android".into()))
            .unwrap_err()
            .to_string()
            .contains("\"ios\", \"web\""));
    }

    #[test]
    fn copy_short_copies_every_length() {
        let src: Vec<u8> = (1..=40).collect();
        for n in 0..=src.len() {
            let mut dst = vec![0; n];
            copy_short(&mut dst, &src[..n]);
            assert_eq!(dst, &src[..n]);
        }
    }
}
