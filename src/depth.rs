//! Depth of use (SPEC section 12): for each reported week or month, how
//! many users were active on exactly k distinct days of it (the "power user
//! curve", L7 for weeks, L28 to L31 for months).

use crate::grain::{Calendar, Grain};

/// The depth table accumulated user by user.
pub struct DepthCounter {
    cal: Calendar,
    first: i32,
    /// The first day of the first reported period.
    first_day: i32,
    /// Per reported period, users by active days (index k - 1).
    counts: Vec<Vec<u64>>,
}

impl DepthCounter {
    /// Counts for the reported periods `first..=last` of `cal`; none for
    /// days, where every active user is active on the one day.
    pub fn new(cal: &Calendar, first: i32, last: i32) -> Option<Self> {
        if cal.grain() == Grain::Day {
            return None;
        }
        let counts = (first..=last)
            .map(|p| vec![0; (cal.end(p) - cal.start(p) + 1) as usize])
            .collect();
        Some(DepthCounter {
            cal: *cal,
            first,
            first_day: cal.start(first),
            counts,
        })
    }

    /// Adds a user: `carried`, the period of their last active date before
    /// `days` and their active days in it (from a snapshot), and `days`,
    /// sorted and distinct, all later than that date.
    pub fn add(&mut self, carried: Option<(i32, u32)>, days: &[i32]) {
        let mut pending = carried;
        let mut i = days.partition_point(|d| *d < self.first_day);
        while i < days.len() {
            let (p, next_start) = self.cal.period_span(days[i]);
            let n = days[i..].partition_point(|d| *d < next_start);
            let mut k = n as u32;
            match pending {
                Some((q, c)) if q == p => {
                    k += c;
                    pending = None;
                }
                Some((q, c)) => {
                    self.count(q, c);
                    pending = None;
                }
                None => {}
            }
            self.count(p, k);
            i += n;
        }
        if let Some((q, c)) = pending {
            self.count(q, c);
        }
    }

    /// One user active on `k` days of period `p` (ignored outside the
    /// reported periods).
    fn count(&mut self, p: i32, k: u32) {
        let slot = usize::try_from(p - self.first)
            .ok()
            .and_then(|i| self.counts.get_mut(i))
            .and_then(|c| c.get_mut((k as usize).checked_sub(1)?));
        if let Some(n) = slot {
            *n += 1;
        }
    }

    /// The table.
    pub fn finish(self) -> Depth {
        Depth {
            first: self.first,
            counts: self.counts,
        }
    }
}

/// The depth table of a run: per reported period, from the first, the
/// users active on exactly 1, 2, ... days of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Depth {
    /// The first reported period.
    pub first: i32,
    /// Per period, users by active days (index k - 1).
    pub counts: Vec<Vec<u64>>,
}

impl Depth {
    /// Every row: (period, days active, users), zeros included.
    pub fn rows(&self) -> impl Iterator<Item = (i32, u32, u64)> + '_ {
        self.counts.iter().enumerate().flat_map(move |(i, c)| {
            let p = self.first + i as i32;
            c.iter()
                .enumerate()
                .map(move |(k, n)| (p, k as u32 + 1, *n))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grain::{days_from_civil, Weekday};

    #[test]
    fn days_are_counted_per_period_with_the_carried_ones() {
        let cal = Calendar::new(Grain::Week, Weekday::Monday);
        let monday = days_from_civil(2024, 1, 1);
        let (first, last) = (cal.period_of(monday), cal.period_of(monday + 13));
        assert!(DepthCounter::new(&Calendar::new(Grain::Day, Weekday::Monday), 0, 1).is_none());
        let mut c = DepthCounter::new(&cal, first, last).unwrap();
        // Two days carried into the first week plus one new; then one day.
        c.add(Some((first, 2)), &[monday + 3, monday + 8]);
        // Carried into a week before the reported ones: not counted.
        c.add(Some((first - 1, 3)), &[monday + 7, monday + 9, monday + 10]);
        // Only carried.
        c.add(Some((first, 1)), &[]);
        let d = c.finish();
        assert_eq!(d.counts[0], vec![1, 0, 1, 0, 0, 0, 0]);
        assert_eq!(d.counts[1], vec![1, 0, 1, 0, 0, 0, 0]);
        assert_eq!(d.rows().count(), 14);
        assert_eq!(d.rows().nth(2), Some((first, 3, 1)));
    }
}
