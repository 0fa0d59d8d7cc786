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
    /// Groups `rows` by user, renumbering each row's user by `rank` (its
    /// index in output order) on the way, then sorts each user's few rows:
    /// linear in the rows, no hashing. The rows are consumed.
    pub fn build(rows: Vec<FactRow>, rank: &[UserIndex]) -> Self {
        let users = rank.len();
        let (mut rows, offsets) = group_by_user(rows, rank);
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

/// Orders `rows` by user, each user's rows in their order in `rows`, and
/// returns them with where each user's rows start (`users + 1` offsets).
/// Two passes of a counting sort: first by bucket of [`BUCKET_USERS`]
/// users, then each bucket by user. One pass over a million users would
/// move every row to a random place in memory (a cache miss per row when
/// rows are in time order); a thousand buckets keep each pass's write
/// positions in cache, whatever the rows' order. Both passes are stable, so
/// a log in time order leaves each user's rows in time order, and sorting
/// them costs a glance.
fn group_by_user(mut rows: Vec<FactRow>, rank: &[UserIndex]) -> (Vec<FactRow>, Vec<u32>) {
    let users = rank.len();
    let buckets = users.div_ceil(BUCKET_USERS);
    let mut starts = vec![0u32; buckets + 1];
    for r in rows.iter_mut() {
        r.user = rank[r.user as usize];
        starts[r.user as usize / BUCKET_USERS + 1] += 1;
    }
    for i in 0..buckets {
        starts[i + 1] += starts[i];
    }
    let mut grouped = vec![NO_ROW; rows.len()];
    scatter(&rows, &mut grouped, &starts, |r| {
        r.user as usize / BUCKET_USERS
    });
    drop(rows);
    let mut offsets = Vec::with_capacity(users + 1);
    let (mut scratch, mut inner) = (Vec::new(), Vec::new());
    for b in 0..buckets {
        let base = b * BUCKET_USERS;
        let n = BUCKET_USERS.min(users - base);
        let bucket = &mut grouped[starts[b] as usize..starts[b + 1] as usize];
        let key = |r: &FactRow| r.user as usize - base;
        inner.clear();
        inner.resize(n + 1, 0);
        for r in bucket.iter() {
            inner[key(r) + 1] += 1;
        }
        for i in 0..n {
            inner[i + 1] += inner[i];
        }
        scratch.clear();
        scratch.resize(bucket.len(), NO_ROW);
        scatter(bucket, &mut scratch, &inner, key);
        bucket.copy_from_slice(&scratch);
        offsets.extend(inner[..n].iter().map(|o| o + starts[b]));
    }
    offsets.push(grouped.len() as u32);
    (grouped, offsets)
}

/// A placeholder row, overwritten before it is read.
const NO_ROW: FactRow = FactRow {
    user: 0,
    day: 0,
    ts: 0,
};

/// Copies `src` into `dst` ordered by `key`, rows of one key in their order
/// in `src`; `starts` holds where each key's rows begin.
fn scatter(src: &[FactRow], dst: &mut [FactRow], starts: &[u32], key: impl Fn(&FactRow) -> usize) {
    let mut next = starts[..starts.len() - 1].to_vec();
    for r in src {
        let k = key(r);
        dst[next[k] as usize] = *r;
        next[k] += 1;
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
        // Users 0, 1, 2 of the file are users 2, 0, 1 in output order.
        let a = ActiveDays::build(rows.to_vec(), &[2, 0, 1]);
        assert_eq!(a.of(2), &[3]);
        assert_eq!(a.of(0), &[2, 5]);
        assert_eq!(a.of(1), &[] as &[i32]);
        assert_eq!(a.of(7), &[] as &[i32]);
        assert_eq!(a.duplicates(), 1);
        assert_eq!(a.users_with_activity(), 2);
    }

    /// Users across many buckets of the first pass, rows in a scattered
    /// order, renumbered in reverse: each user gets exactly their rows, in
    /// their order in the input, as a naive grouping does.
    #[test]
    fn groups_users_across_buckets() {
        let users = 3 * BUCKET_USERS + 17;
        let rank: Vec<UserIndex> = (0..users as UserIndex).rev().collect();
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
        let mut naive: Vec<Vec<FactRow>> = vec![Vec::new(); users];
        for r in &rows {
            let user = rank[r.user as usize];
            naive[user as usize].push(FactRow { user, ..*r });
        }
        let (grouped, offsets) = group_by_user(rows.clone(), &rank);
        for (u, mine) in naive.iter().enumerate() {
            assert_eq!(
                &grouped[offsets[u] as usize..offsets[u + 1] as usize],
                &mine[..],
                "user {u}"
            );
        }
        let a = ActiveDays::build(rows, &rank);
        for (u, mine) in naive.iter().enumerate() {
            let mut days: Vec<i32> = mine.iter().map(|r| r.day).collect();
            days.sort_unstable();
            days.dedup();
            assert_eq!(a.of(u as UserIndex), &days[..], "user {u}");
        }
    }
}
