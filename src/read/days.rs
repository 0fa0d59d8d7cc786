//! The days that have any data: a run flags days without any row as
//! possibly missing exports (SPEC section 6).

/// The days that have at least one row with a readable time, of any fact value.
#[derive(Clone, Debug, Default)]
pub struct DaySet {
    base: i32,
    bits: Vec<u64>,
}

/// Days past which a run fails anyway (SPEC section 8: spans over 50 years).
const MAX_TRACKED_DAYS: i64 = 200 * 366;

impl DaySet {
    /// Marks `day`.
    #[inline]
    pub fn insert(&mut self, day: i32) {
        // Days near the last one land in an existing word: that test is
        // kept inline, growing the set is not.
        let off = i64::from(day) - i64::from(self.base);
        if off >= 0 {
            if let Some(w) = self.bits.get_mut((off / 64) as usize) {
                *w |= 1 << (off % 64);
                return;
            }
        }
        self.insert_outside(day);
    }

    #[inline(never)]
    fn insert_outside(&mut self, day: i32) {
        if self.bits.is_empty() {
            self.base = day - day.rem_euclid(64);
            self.bits.push(0);
        }
        let mut off = i64::from(day) - i64::from(self.base);
        if off < 0 {
            let words = ((-off) as usize).div_ceil(64);
            if (self.bits.len() + words) as i64 * 64 > MAX_TRACKED_DAYS {
                return;
            }
            self.bits.splice(0..0, std::iter::repeat_n(0, words));
            self.base -= (words * 64) as i32;
            off = i64::from(day) - i64::from(self.base);
        }
        let word = (off / 64) as usize;
        if word >= self.bits.len() {
            if word as i64 * 64 > MAX_TRACKED_DAYS {
                return;
            }
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << (off % 64);
    }

    /// Whether `day` was marked.
    pub fn contains(&self, day: i32) -> bool {
        let off = i64::from(day) - i64::from(self.base);
        if off < 0 {
            return false;
        }
        let word = (off / 64) as usize;
        word < self.bits.len() && self.bits[word] & (1 << (off % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_set_grows_both_ways() {
        let mut s = DaySet::default();
        for d in [100, 5, 300, -70, 100] {
            s.insert(d);
        }
        for d in [100, 5, 300, -70] {
            assert!(s.contains(d));
        }
        assert!(!s.contains(6));
        assert!(!s.contains(-1000));
    }
}
