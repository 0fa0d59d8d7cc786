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
    /// Groups `rows` by user in place (users are dense indexes; no second
    /// copy of the rows), then sorts each user's few rows: linear in the
    /// rows, no hashing. The rows are consumed.
    pub fn build(mut rows: Vec<FactRow>, users: usize) -> Self {
        let offsets = group_by_user(&mut rows, users);
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

/// Users per bucket of the first grouping pass: a bucket's rows (about
/// ten per user) fit in the L2 cache for the second pass.
const BUCKET_USERS: usize = 1024;

/// Orders `rows` by user in place and returns where each user's rows start
/// (`users + 1` offsets). Two passes of an in-place counting sort: first by
/// bucket of [`BUCKET_USERS`] users, then each bucket by user. One pass over
/// a million users would move every row to a random place in memory (a
/// cache miss per row when rows are in time order); a thousand buckets keep
/// each pass's write positions in cache, whatever the rows' order.
fn group_by_user(rows: &mut [FactRow], users: usize) -> Vec<u32> {
    let buckets = users.div_ceil(BUCKET_USERS);
    let starts = counting_sort(rows, buckets, |r| r.user as usize / BUCKET_USERS);
    let mut offsets = Vec::with_capacity(users + 1);
    for b in 0..buckets {
        let base = b * BUCKET_USERS;
        let n = BUCKET_USERS.min(users - base);
        let bucket = &mut rows[starts[b] as usize..starts[b + 1] as usize];
        let inner = counting_sort(bucket, n, |r| r.user as usize - base);
        offsets.extend(inner[..n].iter().map(|o| o + starts[b]));
    }
    offsets.push(rows.len() as u32);
    offsets
}

/// Orders `rows` by `key` (below `keys`) in place, by cycles of swaps;
/// returns the `keys + 1` start offsets.
fn counting_sort(rows: &mut [FactRow], keys: usize, key: impl Fn(&FactRow) -> usize) -> Vec<u32> {
    let mut starts = vec![0u32; keys + 1];
    for r in rows.iter() {
        starts[key(r) + 1] += 1;
    }
    for i in 0..keys {
        starts[i + 1] += starts[i];
    }
    let mut next = starts[..keys].to_vec();
    for k in 0..keys {
        let end = starts[k + 1];
        while next[k] < end {
            let i = next[k] as usize;
            let owner = key(&rows[i]);
            if owner == k {
                next[k] += 1;
            } else {
                rows.swap(i, next[owner] as usize);
                next[owner] += 1;
            }
        }
    }
    starts
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

    /// Users across many buckets of the first pass, rows in a scattered
    /// order: each user gets exactly their days, as a naive grouping does.
    #[test]
    fn groups_users_across_buckets() {
        let users = 3 * BUCKET_USERS + 17;
        let mut rows = Vec::new();
        let mut x = 12345u64;
        for _ in 0..40_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let user = ((x >> 33) % users as u64) as UserIndex;
            let day = ((x >> 13) % 50) as i32;
            rows.push(FactRow {
                user,
                day,
                ts: i64::from(day) * 10 + (x % 3) as i64,
            });
        }
        let mut naive: Vec<Vec<i32>> = vec![Vec::new(); users];
        for r in &rows {
            naive[r.user as usize].push(r.day);
        }
        let a = ActiveDays::build(rows, users);
        for (u, days) in naive.iter_mut().enumerate() {
            days.sort_unstable();
            days.dedup();
            assert_eq!(a.of(u as UserIndex), &days[..], "user {u}");
        }
    }
}
