//! User ids: interned to dense integers once, kept in their type for output.
//!
//! Ids are strings or 64-bit integers (SPEC section 7). A CSV column has no
//! type of its own: its ids are integers only when every value in every CSV
//! file is a canonical integer, so they are interned as text until the end
//! (or until a typed Parquet column decides).

mod table;

use self::table::{IdTable, Probe};
use crate::error::Error;

/// Dense user indexes, assigned in order of first appearance.
pub type UserIndex = u32;

/// String ids, indexed by [`UserIndex`], in one buffer (a million ids are
/// one allocation, not a million).
#[derive(Clone, Debug, PartialEq)]
pub struct Texts {
    text: String,
    /// Id `i` is `text[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<usize>,
}

impl Default for Texts {
    fn default() -> Self {
        Texts {
            text: String::new(),
            offsets: vec![0],
        }
    }
}

impl Texts {
    /// Number of ids.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no ids.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of every id together.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    /// Id `i`.
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        &self.text[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The length in bytes shared by every id, if they all have one
    /// (fixed-width ids are common: `u0000042`, UUIDs).
    pub fn common_len(&self) -> Option<usize> {
        let mut lens = self.offsets.windows(2).map(|w| w[1] - w[0]);
        let first = lens.next()?;
        lens.all(|l| l == first).then_some(first)
    }

    /// Appends an id.
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.offsets.push(self.text.len());
    }

    /// Whether the ids are in bytewise order.
    pub fn is_sorted(&self) -> bool {
        (1..self.len()).all(|i| self.get(i - 1) <= self.get(i))
    }

    /// The length of the prefix every id shares (capped at the shortest id).
    fn common_prefix(&self) -> usize {
        let Some(first) = self.iter().next() else {
            return 0;
        };
        let first = first.as_bytes();
        self.iter().fold(first.len(), |n, id| {
            first[..n]
                .iter()
                .zip(id.as_bytes())
                .take_while(|(a, b)| a == b)
                .count()
        })
    }

    /// Bytes `skip..skip + 8` of id `i` as a big-endian number, zero-padded:
    /// ids with different keys compare as their keys do.
    fn key(&self, i: usize, skip: usize) -> u64 {
        let id = &self.get(i).as_bytes()[skip..];
        let mut b = [0u8; 8];
        let n = id.len().min(8);
        b[..n].copy_from_slice(&id[..n]);
        u64::from_be_bytes(b)
    }

    /// The ids in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl<'a> FromIterator<&'a str> for Texts {
    fn from_iter<I: IntoIterator<Item = &'a str>>(ids: I) -> Self {
        let mut texts = Texts::default();
        ids.into_iter().for_each(|id| texts.push(id));
        texts
    }
}

/// The final, typed ids of a run, indexed by [`UserIndex`].
#[derive(Clone, Debug, PartialEq)]
pub enum UserIds {
    /// String ids.
    Text(Texts),
    /// Integer ids.
    Int(Vec<i64>),
}

impl UserIds {
    /// Number of users.
    pub fn len(&self) -> usize {
        match self {
            UserIds::Text(v) => v.len(),
            UserIds::Int(v) => v.len(),
        }
    }

    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the ids are integers.
    pub fn is_int(&self) -> bool {
        matches!(self, UserIds::Int(_))
    }

    /// One id as text (for messages and lookups).
    pub fn display(&self, user: UserIndex) -> String {
        match self {
            UserIds::Text(v) => v.get(user as usize).to_string(),
            UserIds::Int(v) => v[user as usize].to_string(),
        }
    }

    /// User indexes in output order: string ids bytewise, integers numerically.
    pub fn sorted_order(&self) -> Vec<UserIndex> {
        let n = self.len() as UserIndex;
        // Sorted by a key read once per id, not by comparing ids scattered
        // in memory: an integer (its sign bit flipped, so that unsigned
        // order is numeric order), or a text id's 8 bytes after the prefix
        // every id shares; only texts with the same key are compared whole.
        let (mut keyed, texts): (Vec<(u64, UserIndex)>, _) = match self {
            UserIds::Text(v) if v.is_sorted() => return (0..n).collect(),
            UserIds::Int(v) if v.is_sorted() => return (0..n).collect(),
            UserIds::Text(v) => {
                let skip = v.common_prefix();
                (
                    (0..n).map(|i| (v.key(i as usize, skip), i)).collect(),
                    Some(v),
                )
            }
            UserIds::Int(v) => (
                v.iter()
                    .map(|x| (*x as u64) ^ (1 << 63))
                    .zip(0..n)
                    .collect(),
                None,
            ),
        };
        keyed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| match texts {
                Some(v) => v.get(a.1 as usize).cmp(v.get(b.1 as usize)),
                None => std::cmp::Ordering::Equal,
            })
        });
        keyed.into_iter().map(|(_, i)| i).collect()
    }

    /// The same ids in output order, and each old index's new index: a
    /// run numbers its users so, and every later phase then reads users,
    /// their days and their ids front to back, whatever the files' order.
    pub fn into_sorted(self) -> (UserIds, Vec<UserIndex>) {
        let order = self.sorted_order();
        let mut rank = vec![0; order.len()];
        for (new, old) in order.iter().enumerate() {
            rank[*old as usize] = new as UserIndex;
        }
        let ids = match &self {
            UserIds::Text(v) => UserIds::Text(order.iter().map(|i| v.get(*i as usize)).collect()),
            UserIds::Int(v) => UserIds::Int(order.iter().map(|i| v[*i as usize]).collect()),
        };
        (ids, rank)
    }

    /// The ids of the users marked in `keep`, and each old index's new index
    /// (meaningful only for kept users).
    pub fn retain(&self, keep: &[bool]) -> (UserIds, Vec<UserIndex>) {
        let mut new_index = vec![UserIndex::MAX; self.len()];
        let mut next = 0;
        for (i, k) in keep.iter().enumerate() {
            if *k {
                new_index[i] = next;
                next += 1;
            }
        }
        let ids = match self {
            UserIds::Text(v) => UserIds::Text(
                v.iter()
                    .zip(keep)
                    .filter(|(_, k)| **k)
                    .map(|(x, _)| x)
                    .collect(),
            ),
            UserIds::Int(v) => UserIds::Int(
                v.iter()
                    .zip(keep)
                    .filter(|(_, k)| **k)
                    .map(|(x, _)| *x)
                    .collect(),
            ),
        };
        (ids, new_index)
    }

    /// The ids at `indexes` (ascending), in that order.
    pub fn subset(&self, indexes: &[UserIndex]) -> UserIds {
        match self {
            UserIds::Text(v) => UserIds::Text(indexes.iter().map(|&i| v.get(i as usize)).collect()),
            UserIds::Int(v) => UserIds::Int(indexes.iter().map(|&i| v[i as usize]).collect()),
        }
    }

    /// The index of a user given as text, if known. The ids are in output
    /// order (text bytewise, integers numerically), so this is a binary
    /// search.
    pub fn find(&self, text: &str) -> Option<UserIndex> {
        match self {
            UserIds::Text(v) => {
                let (mut lo, mut hi) = (0, v.len());
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    match v.get(mid).cmp(text) {
                        std::cmp::Ordering::Less => lo = mid + 1,
                        std::cmp::Ordering::Greater => hi = mid,
                        std::cmp::Ordering::Equal => return Some(mid as UserIndex),
                    }
                }
                None
            }
            UserIds::Int(_) => self.find_int(text.trim().parse().ok()?),
        }
    }

    /// The index of an integer id, if known (`None` for text ids).
    pub fn find_int(&self, id: i64) -> Option<UserIndex> {
        match self {
            UserIds::Int(v) => v.binary_search(&id).ok().map(|i| i as UserIndex),
            UserIds::Text(_) => None,
        }
    }
}

/// A string id cell: a typed column's may be null, a CSV cell never is.
trait IdCell {
    fn text(&self) -> Option<&str>;
}

impl IdCell for Option<&str> {
    fn text(&self) -> Option<&str> {
        *self
    }
}

impl IdCell for &str {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

/// Where a file's id type came from, for conflict messages.
#[derive(Clone, Debug)]
struct Origin {
    file: String,
    column: String,
}

enum State {
    /// Nothing read yet.
    Empty,
    /// Text ids; `strict` once a typed (Parquet) string column was read,
    /// otherwise they may still turn out to be integers.
    Text {
        table: IdTable,
        texts: Texts,
        all_canonical: bool,
        strict: Option<Origin>,
    },
    /// Integer ids, decided by a typed integer column.
    Int {
        table: IdTable,
        values: Vec<i64>,
        origin: Origin,
    },
}

/// Assigns dense indexes to user ids across files.
pub struct Interner {
    state: State,
    len: UserIndex,
    /// A batch's probes, kept for the next batch.
    probes: Vec<Probe>,
}

impl Default for Interner {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `s` is a canonical 64-bit integer: no sign, no leading zero, no spaces.
pub fn canonical_int(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 19 || (s[0] == b'0' && s.len() > 1) {
        return None;
    }
    let mut v: i64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(v)
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Self {
        Interner {
            state: State::Empty,
            len: 0,
            probes: Vec::new(),
        }
    }

    /// Number of distinct users so far.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether no user was seen.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether ids are known to be integers.
    pub fn is_int(&self) -> bool {
        matches!(self.state, State::Int { .. })
    }

    /// Declares that `file` has a typed integer id column.
    pub fn expect_int(&mut self, file: &str, column: &str) -> Result<(), Error> {
        let origin = Origin {
            file: file.into(),
            column: column.into(),
        };
        let values = match &self.state {
            State::Empty => Vec::new(),
            State::Int { .. } => return Ok(()),
            State::Text {
                strict: Some(o), ..
            } => return Err(conflict(o, "strings", &origin, "integers")),
            State::Text { texts, .. } => {
                let mut values = Vec::with_capacity(texts.len());
                for id in texts.iter() {
                    let Some(v) = canonical_int(id.as_bytes()) else {
                        return Err(Error::column(
                            file,
                            column,
                            format!(
                                "holds integer user ids, but an earlier CSV file has the non-integer id {id:?}; all files of one fact must use one id type"
                            ),
                        ));
                    };
                    values.push(v);
                }
                values
            }
        };
        // CSV ids are distinct as text and canonical, so distinct as integers.
        let mut table = IdTable::default();
        for (i, v) in values.iter().enumerate() {
            let _ = table.find_or_insert(
                Probe::int(*v),
                i as UserIndex,
                |_| false,
                |j| Probe::int(values[j as usize]),
            );
        }
        self.state = State::Int {
            table,
            values,
            origin,
        };
        Ok(())
    }

    /// Declares that `file` has a typed string id column.
    pub fn expect_text(&mut self, file: &str, column: &str) -> Result<(), Error> {
        let origin = Origin {
            file: file.into(),
            column: column.into(),
        };
        match &mut self.state {
            State::Empty => {
                self.state = State::Text {
                    table: IdTable::default(),
                    texts: Texts::default(),
                    all_canonical: true,
                    strict: Some(origin),
                }
            }
            State::Text { strict, .. } => {
                strict.get_or_insert(origin);
            }
            State::Int { origin: o, .. } => {
                return Err(conflict(o, "integers", &origin, "strings"))
            }
        }
        Ok(())
    }

    /// Interns an integer id (the column must have been declared integer).
    #[inline]
    pub fn int(&mut self, id: i64) -> UserIndex {
        match &mut self.state {
            State::Int { table, values, .. } => {
                let found = table.find_or_insert(
                    Probe::int(id),
                    self.len,
                    |_| false,
                    |i| Probe::int(values[i as usize]),
                );
                found.unwrap_or_else(|new| {
                    values.push(id);
                    // Saturates: a run past the last index is refused by
                    // its length (`run::admit`), never wrapped.
                    self.len = self.len.saturating_add(1);
                    new
                })
            }
            _ => unreachable!("integer ids interned before the column type was declared"),
        }
    }

    /// Interns a typed string id.
    #[inline]
    pub fn text(&mut self, id: &str) -> UserIndex {
        self.text_probed(id, Probe::text(id.as_bytes()))
    }

    /// Interns a batch of typed string ids (`None` gives `null`).
    pub fn texts(&mut self, ids: &[Option<&str>], null: UserIndex, out: &mut Vec<UserIndex>) {
        self.texts_grouped(ids, null, out);
    }

    /// Interns string ids a group at a time: the ids' hashes are computed
    /// first, then their slots touched, then looked up in a tight loop, so
    /// the table's cache misses of consecutive ids overlap instead of
    /// queueing behind each id's hashing (ids in a time-ordered log differ
    /// from row to row).
    fn texts_grouped<T: IdCell>(&mut self, ids: &[T], null: UserIndex, out: &mut Vec<UserIndex>) {
        let mut probes = std::mem::take(&mut self.probes);
        probes.clear();
        probes.extend(
            ids.iter()
                .map(|id| Probe::text(id.text().unwrap_or("").as_bytes())),
        );
        // Groups small enough that their slots stay in the L1 cache
        // between the touch and the look-ups.
        const GROUP: usize = 32;
        let mut touched = 0;
        for (ids, probes) in ids.chunks(GROUP).zip(probes.chunks(GROUP)) {
            if let State::Text { table, .. } = &self.state {
                touched ^= table.touch(probes);
            }
            out.extend(ids.iter().zip(probes).map(|(id, p)| match id.text() {
                Some(id) => self.text_probed(id, *p),
                None => null,
            }));
        }
        std::hint::black_box(touched);
        self.probes = probes;
    }

    #[inline]
    fn text_probed(&mut self, id: &str, probe: Probe) -> UserIndex {
        match &mut self.state {
            State::Text {
                table,
                texts,
                all_canonical,
                ..
            } => {
                let found = table.find_or_insert(
                    probe,
                    self.len,
                    |i| texts.get(i as usize) == id,
                    |i| Probe::text(texts.get(i as usize).as_bytes()),
                );
                found.unwrap_or_else(|new| {
                    if *all_canonical && canonical_int(id.as_bytes()).is_none() {
                        *all_canonical = false;
                    }
                    texts.push(id);
                    // Saturates: a run past the last index is refused by
                    // its length (`run::admit`), never wrapped.
                    self.len = self.len.saturating_add(1);
                    new
                })
            }
            _ => unreachable!("text ids interned before the column type was declared"),
        }
    }

    /// Interns an id from an untyped (CSV) column; `Err` holds a message
    /// when the ids are integers and this value is not one.
    #[inline]
    pub fn untyped(&mut self, id: &str) -> Result<UserIndex, String> {
        match &mut self.state {
            State::Empty => {
                self.state = State::Text {
                    table: IdTable::default(),
                    texts: Texts::default(),
                    all_canonical: true,
                    strict: None,
                };
                self.untyped(id)
            }
            State::Text { .. } => Ok(self.text(id)),
            State::Int { origin, .. } => match canonical_int(id.as_bytes()) {
                Some(v) => Ok(self.int(v)),
                None => Err(format!(
                    "user id {id:?} is not an integer, but {} column {:?} has integer ids; all files of one fact must use one id type",
                    origin.file, origin.column
                )),
            },
        }
    }

    /// Interns untyped ids (CSV cells) a group at a time, as
    /// [`Interner::untyped`] does one by one; on an id the ids' type
    /// refuses, its position in `ids` and why.
    pub fn untyped_many(
        &mut self,
        ids: &[&str],
        out: &mut Vec<UserIndex>,
    ) -> Result<(), (usize, String)> {
        match self.state {
            State::Int { .. } => {
                for (i, id) in ids.iter().enumerate() {
                    out.push(self.untyped(id).map_err(|m| (i, m))?);
                }
            }
            _ => {
                if let Some(first) = ids.first() {
                    // Declares the text state, if not yet declared.
                    out.push(self.untyped(first).map_err(|m| (0, m))?);
                    self.texts_grouped(&ids[1..], UserIndex::MAX, out);
                }
            }
        }
        Ok(())
    }

    /// The typed ids, indexed by [`UserIndex`].
    pub fn finish(self) -> UserIds {
        let n = self.len as usize;
        match self.state {
            State::Empty => UserIds::Text(Texts::default()),
            State::Int { values, .. } => UserIds::Int(values),
            State::Text {
                texts,
                all_canonical,
                strict,
                ..
            } => {
                if all_canonical && strict.is_none() && n > 0 {
                    UserIds::Int(
                        texts
                            .iter()
                            .map(|id| canonical_int(id.as_bytes()).expect("checked canonical"))
                            .collect(),
                    )
                } else {
                    UserIds::Text(texts)
                }
            }
        }
    }
}

fn conflict(a: &Origin, a_kind: &str, b: &Origin, b_kind: &str) -> Error {
    Error::column(
        &b.file,
        &b.column,
        format!(
            "holds user ids as {b_kind}, but {} column {:?} holds them as {a_kind}; all files of one fact (and its snapshot) must use one id type",
            a.file, a.column
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_integers() {
        assert_eq!(canonical_int(b"123"), Some(123));
        assert_eq!(canonical_int(b"0"), Some(0));
        for bad in [
            &b"00123"[..],
            b"-1",
            b"+1",
            b" 1",
            b"1.0",
            b"",
            b"99999999999999999999",
        ] {
            assert_eq!(canonical_int(bad), None);
        }
    }

    #[test]
    fn csv_ids_become_integers_only_when_all_canonical() {
        let mut a = Interner::new();
        a.untyped("10").unwrap();
        a.untyped("2").unwrap();
        a.untyped("10").unwrap();
        assert_eq!(a.finish(), UserIds::Int(vec![10, 2]));
        let mut b = Interner::new();
        b.untyped("123").unwrap();
        b.untyped("00123").unwrap();
        assert_eq!(
            b.finish(),
            UserIds::Text(["123", "00123"].into_iter().collect())
        );
    }

    #[test]
    fn conflicting_types_are_errors() {
        let mut a = Interner::new();
        a.expect_text("a.parquet", "user_id").unwrap();
        a.text("u1");
        let e = a
            .expect_int("b.parquet", "user_id")
            .unwrap_err()
            .to_string();
        assert!(e.contains("b.parquet") && e.contains("a.parquet"), "{e}");
        let mut b = Interner::new();
        b.untyped("x").unwrap();
        assert!(b.expect_int("c.parquet", "uid").is_err());
        let mut c = Interner::new();
        c.expect_int("c.parquet", "uid").unwrap();
        c.int(5);
        assert_eq!(c.untyped("5").unwrap(), 0);
        assert!(c.untyped("05").unwrap_err().contains("c.parquet"));
    }

    #[test]
    fn output_order() {
        let ids = UserIds::Int(vec![10, 2, 33]);
        assert_eq!(ids.sorted_order(), vec![1, 0, 2]);
        let t = UserIds::Text(["b", "B", "a"].into_iter().collect());
        assert_eq!(t.sorted_order(), vec![1, 2, 0]);
        let neg = UserIds::Int(vec![5, i64::MIN, -1, i64::MAX, 0]);
        assert_eq!(neg.sorted_order(), vec![1, 2, 4, 0, 3]);
        // A shared prefix, keys that tie past 8 bytes, a NUL and a prefix id.
        let ids = [
            "user-0000000012",
            "user-0000000011",
            "user-",
            "user-\0",
            "user-00000000111",
        ];
        let t = UserIds::Text(ids.into_iter().collect());
        assert_eq!(t.sorted_order(), vec![2, 3, 1, 4, 0]);
        let (sorted, rank) = t.into_sorted();
        assert_eq!(sorted.sorted_order(), vec![0, 1, 2, 3, 4]);
        assert_eq!(rank, vec![4, 2, 0, 1, 3]);
    }

    #[test]
    fn common_length() {
        let same: Texts = ["u01", "u02", "abc"].into_iter().collect();
        assert_eq!(same.common_len(), Some(3));
        let mixed: Texts = ["u1", "u02"].into_iter().collect();
        assert_eq!(mixed.common_len(), None);
        assert_eq!(Texts::default().common_len(), None);
    }
}
