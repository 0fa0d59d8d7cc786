//! Distributions of streak lengths, gaps between active periods and churn
//! durations, counted while the state machine walks each user.

use serde::Serialize;

/// Counts of users (or events) by a length in periods.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram(Vec<u64>);

/// One bar of a distribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// Length in periods.
    pub periods: u32,
    /// How many.
    pub count: u64,
}

impl Histogram {
    /// Counts one length.
    #[inline]
    pub fn add(&mut self, periods: u32) {
        let i = periods as usize;
        if self.0.len() <= i {
            self.0.resize(i + 1, 0);
        }
        self.0[i] += 1;
    }

    /// The non-empty bars, shortest first.
    pub fn buckets(&self) -> Vec<Bucket> {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(p, c)| Bucket {
                periods: p as u32,
                count: *c,
            })
            .collect()
    }
}

/// The distributions of a run, over its reported periods.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Distributions {
    /// Lengths of active streaks that ended with a churn in a reported period.
    pub ended_streaks: Histogram,
    /// Lengths of streaks still running in the last reported period.
    pub ongoing_streaks: Histogram,
    /// Gaps (periods since the previous active period) of retained and
    /// reactivated rows: 1 for back-to-back activity.
    pub gaps: Histogram,
    /// Inactive periods ended by a reactivation in a reported period.
    pub churn_durations: Histogram,
    /// Inactive periods, so far, of users inactive in the last reported period.
    pub ongoing_churn_durations: Histogram,
}

/// The distributions as plain data for the page and the JS API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DistributionReport {
    /// See [`Distributions::ended_streaks`].
    pub streak_length: Vec<Bucket>,
    /// See [`Distributions::ongoing_streaks`].
    pub ongoing_streak_length: Vec<Bucket>,
    /// See [`Distributions::gaps`].
    pub gap: Vec<Bucket>,
    /// See [`Distributions::churn_durations`].
    pub churn_duration: Vec<Bucket>,
    /// See [`Distributions::ongoing_churn_durations`].
    pub ongoing_churn_duration: Vec<Bucket>,
}

impl Distributions {
    /// The report form.
    pub fn report(&self) -> DistributionReport {
        DistributionReport {
            streak_length: self.ended_streaks.buckets(),
            ongoing_streak_length: self.ongoing_streaks.buckets(),
            gap: self.gaps.buckets(),
            churn_duration: self.churn_durations.buckets(),
            ongoing_churn_duration: self.ongoing_churn_durations.buckets(),
        }
    }
}
