//! The interner's hash table: open addressing with linear probing over
//! 16-byte slots that hold an id's first 8 bytes and its length next to
//! its index. With ids in time order every look-up lands at a random
//! place; this layout makes that one cache line (ids of at most 8 bytes,
//! and integers, are never read elsewhere), where a table of bare indexes
//! costs a control byte, a slot, the id's offsets and its bytes.

use super::UserIndex;

/// One slot: `index == EMPTY` marks a free one.
#[derive(Clone, Copy)]
#[repr(C)]
struct Slot {
    head: u64,
    len: u32,
    index: UserIndex,
}

const EMPTY: UserIndex = UserIndex::MAX;
const FREE: Slot = Slot {
    head: 0,
    len: 0,
    index: EMPTY,
};

/// An id as the table sees it: its hash, first 8 bytes (or the integer
/// itself) and length, and whether those say everything about it.
#[derive(Clone, Copy)]
pub(super) struct Probe {
    /// A well-mixed hash of the whole id.
    pub hash: u64,
    /// The first 8 bytes, little-endian and zero-padded, or the integer.
    pub head: u64,
    /// The length in bytes (0 for integers).
    pub len: u32,
    /// Whether `head` and `len` equal only for equal ids (integers, and
    /// texts of at most 8 bytes).
    pub exact: bool,
}

impl Probe {
    /// A text id.
    #[inline]
    pub fn text(id: &[u8]) -> Probe {
        let mut h = rustc_hash::FxHasher::default();
        std::hash::Hasher::write(&mut h, id);
        let mut b = [0u8; 8];
        let n = id.len().min(8);
        b[..n].copy_from_slice(&id[..n]);
        Probe {
            hash: mix(std::hash::Hasher::finish(&h)),
            head: u64::from_le_bytes(b),
            len: id.len() as u32,
            exact: id.len() <= 8,
        }
    }

    /// An integer id.
    #[inline]
    pub fn int(id: i64) -> Probe {
        Probe {
            hash: mix(id as u64),
            head: id as u64,
            len: 0,
            exact: true,
        }
    }
}

/// Spreads every input bit over the high bits, which pick the slot.
#[inline]
fn mix(h: u64) -> u64 {
    (h ^ (h >> 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Indexes of ids, found by [`Probe`]s. The indexes given must be dense
/// (`0..len`, each once), as the interner's are.
pub(super) struct IdTable {
    slots: Vec<Slot>,
    /// The slot of the last id found or placed: files grouped by user
    /// repeat an id row after row, which is then found without a probe.
    last: Slot,
    /// `64 - log2(slots.len())`: the hash's high bits pick the first slot.
    shift: u32,
    len: usize,
}

impl Default for IdTable {
    fn default() -> Self {
        IdTable {
            slots: vec![FREE; 1 << 10],
            last: FREE,
            shift: 64 - 10,
            len: 0,
        }
    }
}

impl IdTable {
    /// The index of the id `p` describes, or `index` newly given to it
    /// (then `Err`). `same` tells whether the id of an index is this one
    /// (asked only when the probe is not exact and heads match);
    /// `rehash` gives the probe of a stored index when the table grows.
    #[inline]
    pub fn find_or_insert(
        &mut self,
        p: Probe,
        index: UserIndex,
        same: impl Fn(UserIndex) -> bool,
        rehash: impl Fn(UserIndex) -> Probe,
    ) -> Result<UserIndex, UserIndex> {
        let is = |s: &Slot| s.head == p.head && s.len == p.len && (p.exact || same(s.index));
        if self.last.index != EMPTY && is(&self.last) {
            return Ok(self.last.index);
        }
        let mask = self.slots.len() - 1;
        let mut i = (p.hash >> self.shift) as usize;
        loop {
            let s = self.slots[i];
            if s.index == EMPTY {
                break;
            }
            if is(&s) {
                self.last = s;
                return Ok(s.index);
            }
            i = (i + 1) & mask;
        }
        // At most three quarters full: probes stay about one line long.
        // The table grows before the new id is placed, so every stored
        // index is one `rehash` knows.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow(rehash);
            i = self.free_slot(p.hash);
        }
        self.slots[i] = Slot {
            head: p.head,
            len: p.len,
            index,
        };
        self.last = self.slots[i];
        self.len += 1;
        Err(index)
    }

    /// Reads the first slot of each probe and returns a value made of
    /// them. With ids in time order each look-up misses the cache; one
    /// tight loop of independent loads (no branch, no store) has all of a
    /// group's misses in flight at once, where the look-ups, with their
    /// branches, would wait for them a few at a time. WebAssembly has no
    /// prefetch instruction; a load serves as one on every target.
    #[inline]
    pub fn touch(&self, probes: &[Probe]) -> u64 {
        probes.iter().fold(0, |acc, p| {
            acc ^ self.slots[(p.hash >> self.shift) as usize].head
        })
    }

    /// The first free slot on the probe path of `hash`.
    fn free_slot(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = (hash >> self.shift) as usize;
        while self.slots[i].index != EMPTY {
            i = (i + 1) & mask;
        }
        i
    }

    /// Doubles the table. The ids are placed again in index order, so that
    /// `rehash` reads them front to back (the indexes are dense: `0..len`).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, rehash: impl Fn(UserIndex) -> Probe) {
        self.slots = vec![FREE; self.slots.len() * 2];
        self.shift -= 1;
        for index in 0..self.len as UserIndex {
            let p = rehash(index);
            let i = self.free_slot(p.hash);
            self.slots[i] = Slot {
                head: p.head,
                len: p.len,
                index,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids sharing their first 8 bytes, ids that differ only past them, a
    /// NUL byte and the empty id all stay distinct through many growths.
    #[test]
    fn distinct_ids_get_distinct_indexes() {
        let mut ids: Vec<Vec<u8>> = (0..50_000u32)
            .map(|i| format!("user-prefix-{i}").into_bytes())
            .collect();
        ids.extend([
            b"".to_vec(),
            b"a".to_vec(),
            b"a\0".to_vec(),
            b"abcdefgh".to_vec(),
        ]);
        ids.extend([b"abcdefghi".to_vec(), b"abcdefghj".to_vec()]);
        let mut t = IdTable::default();
        let texts = std::cell::RefCell::new(Vec::<Vec<u8>>::new());
        for round in 0..2 {
            for (n, id) in ids.iter().enumerate() {
                let next = texts.borrow().len() as UserIndex;
                let got = t.find_or_insert(
                    Probe::text(id),
                    next,
                    |i| texts.borrow()[i as usize] == *id,
                    |i| Probe::text(&texts.borrow()[i as usize]),
                );
                match got {
                    Err(i) => {
                        assert_eq!(round, 0, "{id:?} inserted twice");
                        texts.borrow_mut().push(id.clone());
                        assert_eq!(i as usize, n);
                    }
                    Ok(i) => {
                        assert_eq!(round, 1, "{id:?} found before it was inserted");
                        assert_eq!(i as usize, n);
                    }
                }
            }
        }
        let mut ints = IdTable::default();
        let values: Vec<i64> = [i64::MIN, -1, i64::MAX, 1 << 32]
            .into_iter()
            .chain(0..5_000)
            .collect();
        for round in 0..2 {
            for (i, v) in values.iter().enumerate() {
                let got = ints.find_or_insert(
                    Probe::int(*v),
                    i as UserIndex,
                    |_| false,
                    |j| Probe::int(values[j as usize]),
                );
                let want = i as UserIndex;
                assert_eq!(got, if round == 0 { Err(want) } else { Ok(want) }, "{v}");
            }
        }
    }
}
