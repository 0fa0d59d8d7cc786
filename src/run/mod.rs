//! One run: facts (and optionally a snapshot) in, every output of SPEC
//! section 4 out, in memory, in the SPEC's phases: resolve the options into
//! a plan, admit the rows, walk the users, aggregate, report. Writing files
//! is the caller's choice.

mod admit;
mod plan;
mod report;
mod walk;

use crate::distributions::Distributions;
use crate::error::Error;
use crate::firstlast::{FirstLast, SnapshotMeta, FORMAT_VERSION};
use crate::grain::Calendar;
use crate::ids::UserIds;
use crate::options::RunOptions;
use crate::output::Layer;
use crate::progress::{ignore, Progress, Report, READ_SHARE};
use crate::quality::Quality;
use crate::read::{read_facts, InputFile};
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
    let segments = segments(&plan, &admitted)?;
    let mut activation = layer(&plan, admitted, plan.fact.clone())?;
    if let Some(mut s) = segments {
        s.quality = Quality {
            fact: s.fact.clone(),
            segments: Some(s.counts()),
            ..activation.quality.clone()
        };
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
        segments: None,
    })
}

/// The segmented layer of a partition run (SPEC section 11): each
/// segment's users walked as a layer of their own, with the run's dates.
/// States are the unsegmented run's; every aggregate counts the segment's
/// users only.
fn segments(plan: &Plan, admitted: &Admitted) -> Result<Option<Segments>, Error> {
    let opts = plan.opts;
    let (Some(users), Some(attribute)) = (&opts.users, &opts.segment_by) else {
        return Ok(None);
    };
    let assignment = segment::partition(
        users,
        opts.users_id_column.as_deref(),
        attribute,
        &admitted.ids,
        opts.max_segments,
    )?;
    let fact = format!("{}_by_{attribute}", plan.fact);
    let layers = assignment
        .values
        .into_iter()
        .enumerate()
        .map(|(s, value)| {
            let keep: Vec<bool> = assignment
                .segment
                .iter()
                .map(|&x| x as usize == s)
                .collect();
            Ok((value, layer(plan, admitted.restrict(&keep), fact.clone())?))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Some(Segments {
        kind: "user_attribute",
        column: attribute.clone(),
        is_int: assignment.is_int,
        fact,
        quality: Quality::default(),
        layers,
    }))
}
