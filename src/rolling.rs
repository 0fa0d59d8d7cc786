//! Rolling activity (SPEC section 12): per day, the users active that day
//! and in each trailing window (DAU, WAU, MAU), and the stickiness between
//! them. Every user adds a few marks to a difference array per window; one
//! running sum over the days then gives every count, so the cost is the
//! users' active days plus the days, never a window scan per user or day.

use crate::error::Error;
use crate::options::Opt;

/// The trailing windows of the activity table, in days: each in
/// [`Windows::RANGE`], distinct, ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Windows(Vec<u32>);

impl Windows {
    /// The windows when none are asked for: a week and four weeks.
    pub const DEFAULT: [u32; 2] = [7, 28];
    /// The window lengths a run accepts.
    pub const RANGE: std::ops::RangeInclusive<u32> = 2..=90;

    /// Checks a list of windows (in any order).
    pub fn new(list: &[u32]) -> Result<Self, Error> {
        let given = || {
            list.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        if let Some(bad) = list.iter().find(|n| !Self::RANGE.contains(n)) {
            return Err(Error::invalid_option(
                Opt::Windows,
                &given(),
                &format!(
                    "window lengths from {} to {} days ({bad} is not)",
                    Self::RANGE.start(),
                    Self::RANGE.end()
                ),
            ));
        }
        let mut sorted = list.to_vec();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::invalid_option(
                Opt::Windows,
                &given(),
                &format!("distinct window lengths ({} is given twice)", w[0]),
            ));
        }
        Ok(Windows(sorted))
    }

    /// The windows a caller gave, or the default ones when none.
    pub fn given(list: Option<&[u32]>) -> Result<Self, Error> {
        list.map_or_else(|| Ok(Self::default()), Self::new)
    }

    /// The lengths, ascending.
    pub fn lengths(&self) -> &[u32] {
        &self.0
    }
}

impl Default for Windows {
    fn default() -> Self {
        Windows(Self::DEFAULT.to_vec())
    }
}

/// The activity table accumulated user by user.
pub struct ActivityCounter {
    first_day: i32,
    through: i32,
    /// 1 (active that day), then each window.
    widths: Vec<u32>,
    /// Per width, +1 where a user's coverage starts and -1 after it ends.
    marks: Vec<Vec<i64>>,
    /// Active days earlier than this reach no reported day in any window.
    reach: i32,
    windows: Windows,
}

impl ActivityCounter {
    /// Counts for the days `first_day..=through` (none when `through` is
    /// earlier).
    pub fn new(first_day: i32, through: i32, windows: &Windows) -> Self {
        let days = (through - first_day + 1).max(0) as usize;
        let widths: Vec<u32> = std::iter::once(1)
            .chain(windows.lengths().iter().copied())
            .collect();
        let longest = *widths.last().expect("width 1 is always there") as i32;
        ActivityCounter {
            first_day,
            through,
            marks: vec![vec![0; days + 1]; widths.len()],
            widths,
            reach: first_day - longest + 1,
            windows: windows.clone(),
        }
    }

    /// Adds a user: `before`, their latest active day before `days` (a
    /// snapshot's last active date: any earlier one is covered by it in
    /// every window), and `days`, sorted and distinct.
    pub fn add(&mut self, before: Option<i32>, days: &[i32]) {
        let skip = days.partition_point(|d| *d < self.reach);
        let before = before.filter(|b| *b >= self.reach);
        let days = &days[skip..];
        if before.is_none() && days.is_empty() {
            return;
        }
        for (k, &width) in self.widths.iter().enumerate() {
            let reach = width as i32 - 1;
            // Days whose windows overlap or touch make one covered run.
            let mut run: Option<(i32, i32)> = None;
            for a in before.into_iter().chain(days.iter().copied()) {
                run = match run {
                    Some((s, e)) if a <= e + 1 => Some((s, a + reach)),
                    Some((s, e)) => {
                        mark(&mut self.marks[k], self.first_day, self.through, s, e);
                        Some((a, a + reach))
                    }
                    None => Some((a, a + reach)),
                };
            }
            if let Some((s, e)) = run {
                mark(&mut self.marks[k], self.first_day, self.through, s, e);
            }
        }
    }

    /// The table, given the first day of history (the earliest first
    /// active date of the users counted; none without users).
    pub fn finish(self, history_start: Option<i32>) -> Activity {
        let mut counts = self.marks.into_iter().map(|m| {
            let mut sum = 0i64;
            let mut out: Vec<u64> = m
                .iter()
                .map(|d| {
                    sum += d;
                    sum as u64
                })
                .collect();
            out.pop();
            out
        });
        let active_1d = counts.next().expect("width 1 is always there");
        Activity {
            first_day: self.first_day,
            active_1d,
            active: counts.collect(),
            windows: self.windows,
            history_start,
        }
    }
}

/// Marks the coverage of days `s..=e`, clipped to the counted days.
fn mark(marks: &mut [i64], first_day: i32, through: i32, s: i32, e: i32) {
    let (s, e) = (s.max(first_day), e.min(through));
    if s <= e {
        marks[(s - first_day) as usize] += 1;
        marks[(e - first_day + 1) as usize] -= 1;
    }
}

/// The activity table of a run: one row per day from `first_day`.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    /// The first day.
    pub first_day: i32,
    /// Users active on each day.
    pub active_1d: Vec<u64>,
    /// Per window (in the order of `windows`), users active on at least one
    /// day of the window ending on each day.
    pub active: Vec<Vec<u64>>,
    /// The windows.
    pub windows: Windows,
    /// The earliest first active date of the users: a window starting
    /// before it may miss activity, so its counts are not complete.
    pub history_start: Option<i32>,
}

impl Activity {
    /// The days of the table, in order.
    pub fn days(&self) -> std::ops::Range<i32> {
        self.first_day..self.first_day + self.active_1d.len() as i32
    }

    /// active_1d / active in window `w` on the `i`-th day; none when no
    /// one was active in the window.
    pub fn stickiness(&self, w: usize, i: usize) -> Option<f64> {
        let all = self.active[w][i];
        (all > 0).then(|| self.active_1d[i] as f64 / all as f64)
    }

    /// Whether window `w` ending on `day` starts on or after the first day
    /// of history, so that no earlier activity could be missing from it.
    pub fn complete(&self, w: usize, day: i32) -> bool {
        let start = day - self.windows.lengths()[w] as i32 + 1;
        self.history_start.is_some_and(|h| start >= h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_checked_and_sorted() {
        assert_eq!(Windows::new(&[28, 7]).unwrap().lengths(), &[7, 28]);
        assert_eq!(Windows::default().lengths(), &[7, 28]);
        let e = Windows::new(&[7, 1]).unwrap_err().to_string();
        assert!(e.contains("from 2 to 90 days (1 is not)"), "{e}");
        let e = Windows::new(&[91]).unwrap_err().to_string();
        assert!(e.contains("91 is not"), "{e}");
        let e = Windows::new(&[7, 28, 7]).unwrap_err().to_string();
        assert!(e.contains("7 is given twice"), "{e}");
    }

    #[test]
    fn one_user_covers_each_window_once() {
        let w = Windows::new(&[3]).unwrap();
        let mut c = ActivityCounter::new(10, 20, &w);
        // Day 5 reaches day 7 only; 11 and 12 overlap; 18 runs past the end.
        c.add(Some(5), &[11, 12, 18]);
        let a = c.finish(Some(1));
        assert_eq!(a.active_1d, vec![0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!(a.active[0], vec![0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
        assert_eq!(a.stickiness(0, 0), None);
        assert_eq!(a.stickiness(0, 3), Some(0.0));
        assert!(
            a.complete(0, 10)
                && !Activity {
                    history_start: Some(9),
                    ..a.clone()
                }
                .complete(0, 10)
        );
    }
}
