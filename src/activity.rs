//! Each user's distinct active days, built once from the kept fact rows.

use crate::ids::UserIndex;
use crate::read::FactRow;

/// Sorted distinct active days per user (compressed rows), plus the counts
/// of rows and of duplicate rows (same user, same timestamp).
#[derive(Clone, Debug, Default)]
pub struct ActiveDays {
    offsets: Vec<u32>,
    days: Vec<i32>,
    rows: usize,
    duplicates: u64,
}

impl ActiveDays {
    /// Groups `rows` by user with an in-place counting sort (users are
    /// dense indexes; no second copy of the rows), then sorts each user's
    /// few rows: linear in the rows, no hashing. The rows are consumed.
    pub fn build(mut rows: Vec<FactRow>, users: usize) -> Self {
        let mut offsets = vec![0u32; users + 1];
        for r in &rows {
            offsets[r.user as usize + 1] += 1;
        }
        for i in 0..users {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets[..users].to_vec();
        for u in 0..users {
            let end = offsets[u + 1];
            while next[u] < end {
                let i = next[u] as usize;
                let owner = rows[i].user as usize;
                if owner == u {
                    next[u] += 1;
                } else {
                    rows.swap(i, next[owner] as usize);
                    next[owner] += 1;
                }
            }
        }
        drop(next);
        let mut days = Vec::with_capacity(rows.len() / 2);
        let mut out_offsets = Vec::with_capacity(users + 1);
        out_offsets.push(0u32);
        let mut duplicates = 0u64;
        let mut buf = Vec::new();
        for u in 0..users {
            let seg = &mut rows[offsets[u] as usize..offsets[u + 1] as usize];
            if seg.len() > 1 {
                seg.sort_unstable_by_key(|r| r.ts);
                duplicates += seg.windows(2).filter(|w| w[0].ts == w[1].ts).count() as u64;
            }
            buf.clear();
            buf.extend(seg.iter().map(|r| r.day));
            buf.sort_unstable();
            buf.dedup();
            days.extend_from_slice(&buf);
            out_offsets.push(days.len() as u32);
        }
        days.shrink_to_fit();
        ActiveDays {
            offsets: out_offsets,
            days,
            rows: rows.len(),
            duplicates,
        }
    }

    /// The sorted distinct active days of `user` (empty for users not in the rows).
    #[inline]
    pub fn of(&self, user: UserIndex) -> &[i32] {
        let u = user as usize;
        if u + 1 >= self.offsets.len() {
            return &[];
        }
        &self.days[self.offsets[u] as usize..self.offsets[u + 1] as usize]
    }

    /// The rows the days were built from.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Rows that repeat an earlier row's user and timestamp.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Users with at least one active day.
    pub fn users_with_activity(&self) -> usize {
        self.offsets.windows(2).filter(|w| w[1] > w[0]).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_counts_duplicates() {
        let rows = [
            FactRow {
                user: 1,
                day: 5,
                ts: 50,
            },
            FactRow {
                user: 0,
                day: 3,
                ts: 30,
            },
            FactRow {
                user: 1,
                day: 2,
                ts: 20,
            },
            FactRow {
                user: 1,
                day: 5,
                ts: 50,
            },
            FactRow {
                user: 1,
                day: 5,
                ts: 51,
            },
        ];
        let a = ActiveDays::build(rows.to_vec(), 3);
        assert_eq!(a.of(0), &[3]);
        assert_eq!(a.of(1), &[2, 5]);
        assert_eq!(a.of(2), &[] as &[i32]);
        assert_eq!(a.of(7), &[] as &[i32]);
        assert_eq!(a.duplicates(), 1);
        assert_eq!(a.users_with_activity(), 2);
    }
}
