//! One run: facts (and optionally a snapshot) in, every output of SPEC
//! section 4 out, in memory, in the SPEC's phases: resolve the options into
//! a plan, admit the rows, walk the users, aggregate, report. Writing files
//! is the caller's choice.

mod admit;
mod plan;
mod report;
mod walk;

use crate::depth::Depth;
use crate::distributions::Distributions;
use crate::error::Error;
use crate::firstlast::UserHistory;
use crate::firstlast::{FirstLast, SnapshotMeta, FORMAT_VERSION};
use crate::grain::Calendar;
use crate::ids::UserIds;
use crate::ids::UserIndex;
use crate::options::RunOptions;
use crate::output::Layer;
use crate::progress::{ignore, Progress, Report, READ_SHARE};
use crate::quality::Quality;
use crate::read::{read_facts, FactRow, InputFile};
use crate::rolling::Activity;
use crate::segment::{self, Segments};
use crate::states::StateRows;
use crate::summary::{aggregate, Aggregates};

use self::admit::Admitted;
use self::plan::Plan;
use self::walk::Walked;

/// The result of a run: every table of SPEC section 4, in memory.
#[derive(Clone, Debug)]
pub struct Activation {
    /// The fact name.
    pub fact: String,
    /// The run's calendar (grain and week start).
    pub calendar: Calendar,
    /// The states table, ordered by period then user.
    pub states: StateRows,
    /// Summary, transitions and cohorts.
    pub aggregates: Aggregates,
    /// The new FirstLast snapshot (its ids also index `states.user`).
    pub snapshot: FirstLast,
    /// The quality report.
    pub quality: Quality,
    /// Streak, gap and churn-duration distributions.
    pub distributions: Distributions,
    /// The daily activity table (SPEC section 12).
    pub activity: Activity,
    /// The depth table (SPEC section 12); none for a daily run.
    pub depth: Option<Depth>,
    /// The segmented layer, when the run is segmented (SPEC section 11).
    pub segments: Option<Segments>,
}

impl Activation {
    /// The user ids.
    pub fn ids(&self) -> &UserIds {
        &self.snapshot.ids
    }

    /// The first reported period.
    pub fn first_period(&self) -> i32 {
        self.states.first()
    }

    /// The last reported period.
    pub fn last_period(&self) -> i32 {
        self.states.last()
    }

    /// The base name of an output table: `{fact}_activation_{g}` plus `suffix`.
    pub fn table_name(&self, suffix: &str) -> String {
        Layer::Plain(self).table_name(suffix)
    }

    /// The layer the run's options describe: the segmented one when the
    /// run is segmented (what the CLI writes), else the run itself.
    pub fn layer(&self) -> Layer<'_> {
        match &self.segments {
            Some(s) => Layer::Segmented(self, s),
            None => Layer::Plain(self),
        }
    }
}

/// Computes every output of a run.
pub fn run(
    files: &[InputFile],
    snapshot: Option<&InputFile>,
    opts: &RunOptions,
) -> Result<Activation, Error> {
    run_with_progress(files, snapshot, opts, &mut ignore)
}

/// [`run`], reporting progress to a callback.
pub fn run_with_progress(
    files: &[InputFile],
    snapshot: Option<&InputFile>,
    opts: &RunOptions,
    progress: Report,
) -> Result<Activation, Error> {
    let plan = Plan::resolve(files, snapshot, opts)?;
    let facts = read_facts(files, &opts.facts, plan.zone, &mut *progress)?;
    let rows_read = facts.stats.rows_read;
    let admitted = Admitted::new(&plan, facts)?;
    let at = |phase, fraction| Progress {
        phase,
        file: files.len(),
        files: files.len(),
        rows: rows_read,
        fraction,
    };
    progress(&at("compute", READ_SHARE));
    let mut admitted = admitted;
    // A segmented run asked for its segmented layer only lends the segments
    // its rows instead of copying them, and walks no layer without
    // segments (a partition's snapshot, the users' histories, is gathered
    // from its segments, which hold each user once). A run without
    // segments has no use for it.
    let one_layer = !opts.unsegmented;
    let segments = segments(&plan, &mut admitted, one_layer)?;
    let mut activation = layer(&plan, admitted, plan.fact.clone())?;
    if let Some((mut s, users, histories)) = segments {
        if let Some((ids, histories)) = histories {
            activation.snapshot.ids = ids;
            activation.snapshot.users = histories;
        }
        s.quality = report::segmented(&activation.quality, &s, users);
        s.plain &= !one_layer;
        activation.segments = Some(s);
    }
    progress(&at("done", 1.0));
    Ok(activation)
}

/// Walks, aggregates and reports the admitted users as one layer named
/// `fact`.
fn layer(plan: &Plan, admitted: Admitted, fact: String) -> Result<Activation, Error> {
    let (walked, admission) = Walked::new(plan, admitted)?;
    let through = admission.through;
    let aggregates = aggregate(&walked.states, &walked.cohorts, &plan.calendar, through);
    let mut quality = report::quality(plan, admission, &walked, &aggregates);
    quality.fact = fact.clone();
    let snapshot = FirstLast {
        meta: SnapshotMeta {
            as_of: through,
            week_start: plan.snapshot_week_start(),
            timezone: plan.zone,
            fact: plan.fact.clone(),
            format_version: FORMAT_VERSION,
            exact: plan.snapshot_exact().unwrap_or(true),
            segment_column: None,
        },
        ids: walked.ids,
        users: walked.histories,
    };
    Ok(Activation {
        fact,
        calendar: plan.calendar,
        states: walked.states,
        aggregates,
        snapshot,
        quality,
        distributions: walked.distributions,
        activity: walked.activity,
        depth: walked.depth,
        segments: None,
    })
}

/// The users of a segmented layer, counted once over its segments.
pub(super) struct LayerUsers {
    /// With a used row in any segment.
    pub active: u64,
    /// With a row or a snapshot history in any segment.
    pub total: u64,
    /// With a snapshot history in any segment.
    pub snapshot: u64,
}

/// The users and histories of a partition's snapshot gathered from its
/// segments, when no layer without segments is walked.
type Gathered = Option<(UserIds, Vec<UserHistory>)>;

/// The segmented layer (SPEC section 11): each segment's rows and
/// snapshot histories walked as a layer of their own, with the run's dates.
/// In a partition the segments are the users' (their states are the
/// unsegmented run's); in a split, the rows' and the split snapshot's.
/// With `one_layer`, the segments take the admitted rows and histories
/// instead of copying them (no layer without segments is walked), and a
/// partition gathers the run's snapshot from its segments.
fn segments(
    plan: &Plan,
    admitted: &mut Admitted,
    one_layer: bool,
) -> Result<Option<(Segments, LayerUsers, Gathered)>, Error> {
    let opts = plan.opts;
    let (kind, column, values, is_int, of_row, seeds) =
        // The split is the segments' alone: taken, not copied.
        match (admitted.split.take(), &opts.users, &opts.segment_by) {
            (Some(split), _, _) => (
                segment::FACT_COLUMN,
                opts.facts.segment_column.clone().unwrap_or_default(),
                split.values,
                split.is_int,
                split.rows,
                split.seeds,
            ),
            (None, Some(users), Some(attribute)) => {
                let a = segment::partition(
                    users,
                    opts.users_id_column.as_deref(),
                    attribute,
                    &admitted.ids,
                    opts.max_segments,
                )?;
                let of_row = admitted
                    .rows
                    .iter()
                    .map(|r| a.segment[admitted.rank[r.user as usize] as usize])
                    .collect();
                let seeds = admitted
                    .seeds
                    .iter()
                    .enumerate()
                    .filter_map(|(u, h)| h.map(|h| (a.segment[u], u as UserIndex, h)))
                    .collect();
                (
                    segment::USER_ATTRIBUTE,
                    attribute.clone(),
                    a.values,
                    a.is_int,
                    of_row,
                    seeds,
                )
            }
            _ => return Ok(None),
        };
    // The layer's users, counted once however many segments they are in:
    // with rows, and with rows or a snapshot history in any segment.
    let n = admitted.ids.len();
    let (mut active, mut in_snapshot) = (vec![false; n], vec![false; n]);
    for r in &admitted.rows {
        active[admitted.rank[r.user as usize] as usize] = true;
    }
    // Buckets of their exact size: grown by doubling, they would hold up to
    // twice the rows at the run's peak of memory.
    let mut sizes = vec![0usize; values.len()];
    for &s in &of_row {
        sizes[s as usize] += 1;
    }
    let mut rows: Vec<Vec<FactRow>> = sizes.into_iter().map(Vec::with_capacity).collect();
    let all = if one_layer {
        // The layer without segments is walked empty; its user counts are
        // the segments' (report::segmented).
        admitted.admission.snapshot_users = 0;
        std::mem::take(&mut admitted.rows)
    } else {
        admitted.rows.clone()
    };
    for (r, &s) in all.into_iter().zip(&of_row) {
        rows[s as usize].push(r);
    }
    drop(of_row);
    let mut seeds_of: Vec<Vec<(UserIndex, UserHistory)>> = vec![Vec::new(); values.len()];
    for (s, u, h) in seeds {
        in_snapshot[u as usize] = true;
        seeds_of[s as usize].push((u, h));
    }
    let count = |v: &mut dyn Iterator<Item = bool>| v.filter(|x| *x).count() as u64;
    let users = LayerUsers {
        active: count(&mut active.iter().copied()),
        total: count(&mut active.iter().zip(&in_snapshot).map(|(a, s)| *a || *s)),
        snapshot: count(&mut in_snapshot.iter().copied()),
    };
    let fact = format!("{}_by_{column}", plan.fact);
    let mut scratch = Vec::new();
    let partition = kind == segment::USER_ATTRIBUTE;
    let mut gathered: Vec<Option<UserHistory>> = if one_layer && partition {
        vec![None; n]
    } else {
        Vec::new()
    };
    let layers = values
        .into_iter()
        .zip(rows)
        .zip(seeds_of)
        .map(|((value, rows), seeds)| {
            let (admitted, users) = admitted.segment(rows, &seeds, !partition, &mut scratch);
            let a = layer(plan, admitted, fact.clone())?;
            if !gathered.is_empty() {
                // A segment's users all have rows or a history: none left
                // its layer, so its snapshot's users are `users`, in order.
                if a.snapshot.users.len() != users.len() {
                    return Err(Error::Internal(format!(
                        "segment {value}: {} snapshot rows for {} users",
                        a.snapshot.users.len(),
                        users.len()
                    )));
                }
                for (u, h) in users.iter().zip(&a.snapshot.users) {
                    gathered[*u as usize] = Some(*h);
                }
            }
            Ok((value, a))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let gathered = (!gathered.is_empty()).then(|| {
        let keep: Vec<bool> = gathered.iter().map(Option::is_some).collect();
        let (ids, _) = admitted.ids.retain(&keep);
        (ids, gathered.into_iter().flatten().collect())
    });
    if one_layer {
        // Nor are its users walked: none has a row or a history left.
        admitted.ids = admitted.ids.subset(&[]);
        admitted.rank.clear();
        admitted.seeds.clear();
    }
    let segments = Segments {
        kind,
        column,
        is_int,
        fact,
        quality: Quality::default(),
        // A split snapshot holds no history of the run without segments.
        plain: !(kind == segment::FACT_COLUMN && plan.snapshot.is_some()),
        layers,
    };
    Ok(Some((segments, users, gathered)))
}
