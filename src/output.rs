//! The output tables as Arrow record batches whose fields carry their
//! description (from [`crate::dictionary`]) as metadata, so Parquet files,
//! Arrow IPC streams and anything read from them explain themselves.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder,
};
use arrow_array::types::Int8Type;
use arrow_array::{
    ArrayRef, Date32Array, DictionaryArray, Int32Array, Int64Array, Int8Array, RecordBatch,
    StringArray,
};
use arrow_schema::{DataType, Field, Schema};

use crate::dictionary;
use crate::error::Error;
use crate::firstlast::FirstLast;
use crate::grain::Calendar;
use crate::ids::{UserIds, UserIndex};
use crate::run::Activation;
use crate::states::{transition_index, transition_name, State, StateRow, TRANSITIONS};

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
}

impl TableKind {
    /// Every table, in the order they are written.
    pub const ALL: [TableKind; 5] = [
        TableKind::States,
        TableKind::Summary,
        TableKind::Transitions,
        TableKind::Cohorts,
        TableKind::Snapshot,
    ];

    /// The short name (`states`, `summary`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TableKind::States => "states",
            TableKind::Summary => "summary",
            TableKind::Transitions => "transitions",
            TableKind::Cohorts => "cohorts",
            TableKind::Snapshot => "snapshot",
        }
    }

    /// The documentation of this table.
    pub fn doc(self) -> &'static dictionary::TableDoc {
        dictionary::table(self.as_str()).expect("every table is documented")
    }

    /// The file stem for a run (SPEC section 4).
    pub fn file_stem(self, a: &Activation) -> String {
        match self {
            TableKind::States => a.table_name(""),
            TableKind::Summary => a.table_name("_summary"),
            TableKind::Transitions => a.table_name("_transitions"),
            TableKind::Cohorts => a.table_name("_cohorts"),
            TableKind::Snapshot => format!("{}_firstlast", a.fact),
        }
    }

    /// Hands the table to `f` one record batch at a time, in table order
    /// (at least one batch, so an empty table still has its schema). Only
    /// the states table has more than one.
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
        }
    }

    /// The whole table as one record batch.
    pub fn batch(self, a: &Activation) -> Result<RecordBatch, Error> {
        let mut batches = Vec::new();
        self.for_each_batch(a, &mut |b| {
            batches.push(b);
            Ok(())
        })?;
        match batches.len() {
            1 => Ok(batches.pop().expect("one batch")),
            _ => arrow_select::concat::concat_batches(&batches[0].schema(), &batches)
                .map_err(|e| Error::Internal(format!("joining the {} table: {e}", self.as_str()))),
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
                    "one of states, summary, transitions, cohorts, snapshot",
                )
            })
    }
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
fn user_column(ids: &UserIds, users: impl Iterator<Item = UserIndex>) -> ArrayRef {
    match ids {
        UserIds::Int(v) => Arc::new(Int64Array::from_iter_values(users.map(|u| v[u as usize]))),
        UserIds::Text(v) => Arc::new(StringArray::from_iter_values(
            users.map(|u| &*v[u as usize]),
        )),
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

/// The categorical columns share fixed dictionaries (every possible value,
/// in SPEC order), so each row is one key and every batch has the same
/// dictionary.
fn categorical(keys: Vec<Option<i8>>, values: &ArrayRef) -> ArrayRef {
    Arc::new(
        DictionaryArray::<Int8Type>::try_new(Int8Array::from(keys), values.clone())
            .expect("keys index the fixed dictionary"),
    )
}

/// The dictionary of every state column: the state names in SPEC order.
fn state_values() -> ArrayRef {
    Arc::new(StringArray::from_iter_values(
        State::ALL.iter().map(|s| s.as_str()),
    ))
}

fn states(
    a: &Activation,
    f: &mut dyn FnMut(RecordBatch) -> Result<(), Error>,
) -> Result<(), Error> {
    let schema = Arc::new(states_schema(a));
    let cal = &a.calendar;
    let state_values = state_values();
    let transition_values: ArrayRef = Arc::new(StringArray::from_iter_values(
        TRANSITIONS.iter().map(|(p, s)| transition_name(*p, *s)),
    ));
    let mut batches = a.states.batches(STATE_BATCH_ROWS).peekable();
    loop {
        let chunk: Vec<StateRow> = batches.next().unwrap_or_default();
        let ints = |v: fn(&StateRow) -> u32| -> ArrayRef {
            Arc::new(Int32Array::from_iter_values(
                chunk.iter().map(|r| v(r) as i32),
            ))
        };
        let opts = |v: fn(&StateRow) -> Option<std::num::NonZeroU32>| -> ArrayRef {
            Arc::new(Int32Array::from_iter(
                chunk.iter().map(|r| v(r).map(|g| g.get() as i32)),
            ))
        };
        let dates = |v: fn(&StateRow) -> i32| -> ArrayRef {
            Arc::new(Date32Array::from_iter_values(
                chunk.iter().map(|r| cal.start(v(r))),
            ))
        };
        let transition = |r: &StateRow| transition_index(r.previous, r.state).map(|k| k as i8);
        let columns = vec![
            user_column(a.ids(), chunk.iter().map(|r| r.user)),
            dates(|r| r.period),
            categorical(
                chunk.iter().map(|r| Some(r.state as i8)).collect(),
                &state_values,
            ),
            categorical(
                chunk.iter().map(|r| r.previous.map(|p| p as i8)).collect(),
                &state_values,
            ),
            categorical(chunk.iter().map(transition).collect(), &transition_values),
            ints(|r| r.streak),
            ints(|r| r.inactive_streak),
            opts(|r| r.gap),
            opts(|r| r.churned_periods),
            ints(|r| r.active_periods),
            dates(|r| r.first_period),
            ints(|r| r.tenure),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .map_err(|e| Error::Internal(format!("building the states table: {e}")))?;
        f(batch)?;
        if batches.peek().is_none() {
            return Ok(());
        }
    }
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
                rows.iter().map(|r| r.from.map(|s| s as i8)).collect(),
                &states,
            ),
            categorical(rows.iter().map(|r| Some(r.to as i8)).collect(), &states),
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
        user_column(&s.ids, order.iter().copied()),
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
    }
    batch(t, fields, columns)
}
