//! The one convention of every random (property) test: seeded cases that
//! repeat from run to run, a count of the cases that really ran, and a
//! longer run for before a release.
//!
//! Environment variables, the same for every property test:
//! - `ACTIVATION_TEST_SEED=N` (decimal, or hex with `0x`): the base seed
//!   (default 0). Each test draws its case seeds from it and its own name,
//!   so a new seed gives every test new cases.
//! - `ACTIVATION_TEST_CASE=0x...`: run only the case with this seed, as a
//!   failure message prints it (pick the test by name: `cargo test --test
//!   differential NAME`).
//! - `ACTIVATION_TEST_SCALE=N`: N times each test's default number of cases
//!   (`make test-long` sets 10).
//!
//! A test runs its cases with [`Cases::run`] (each case says whether it
//! ran to the end and was checked, or its data allowed no run, checked to
//! be so; a failing case names its seed), or takes the seeds and counts
//! itself ([`Cases::ran`], [`Cases::skipped`]); it ends with
//! [`Cases::finish`], which prints the counts and fails when fewer cases
//! than the minimum ran: a generator gone wrong cannot pass by running
//! nothing.

// Each test crate uses only part of this module; the rest would warn there.
#![allow(dead_code)]

/// splitmix64's output function.
pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small seeded generator (splitmix64): the same seed, the same case.
pub struct Rng(u64);

impl Rng {
    /// The generator of one case.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    /// Uniform in `lo..=hi` (`lo` when `hi < lo`), for any integer type
    /// that fits in an `i64`.
    pub fn range<T>(&mut self, lo: T, hi: T) -> T
    where
        T: Copy + Into<i64> + TryFrom<i64>,
    {
        let (l, h) = (lo.into(), hi.into());
        if h <= l {
            return lo;
        }
        let v = l + self.below((h - l + 1) as u64) as i64;
        T::try_from(v).unwrap_or(lo)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// One of `xs`, uniformly.
    pub fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize].clone()
    }

    /// `xs` in a random order (Fisher-Yates).
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            xs.swap(i, j);
        }
    }
}

fn env_number(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={v:?}: expected a number (decimal or 0x hex)")))
}

/// `ACTIVATION_TEST_SCALE`, at least 1.
fn scale() -> usize {
    env_number("ACTIVATION_TEST_SCALE").map_or(1, |n| n.max(1) as usize)
}

/// The cases of one property test and the count of those that ran.
pub struct Cases {
    test: &'static str,
    seeds: Vec<u64>,
    only: bool,
    ran: usize,
    skipped: usize,
}

impl Cases {
    /// The seeds of `default` cases (times the scale) of the test `test`,
    /// or the one case `ACTIVATION_TEST_CASE` names.
    pub fn new(test: &'static str, default: usize) -> Self {
        if let Some(seed) = env_number("ACTIVATION_TEST_CASE") {
            return Cases {
                test,
                seeds: vec![seed],
                only: true,
                ran: 0,
                skipped: 0,
            };
        }
        let base = env_number("ACTIVATION_TEST_SEED").unwrap_or(0);
        // FNV-1a of the name: each test its own stream of seeds.
        let name = test.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        });
        let seeds = (0..(default * scale()) as u64)
            .map(|i| splitmix(base ^ name ^ splitmix(i)))
            .collect();
        Cases {
            test,
            seeds,
            only: false,
            ran: 0,
            skipped: 0,
        }
    }

    /// The case seeds, in order.
    pub fn seeds(&self) -> Vec<u64> {
        self.seeds.clone()
    }

    /// How many cases there are.
    pub fn len(&self) -> usize {
        self.seeds.len()
    }

    /// A case ran to the end and was checked.
    pub fn ran(&mut self) {
        self.ran += 1;
    }

    /// A case whose data allow no run (checked to be refused as they must, or
    /// with nothing to run).
    pub fn skipped(&mut self) {
        self.skipped += 1;
    }

    /// Runs every case: `case(index, seed)` is true when the case ran and
    /// was checked, false when its data allowed no run. A case that fails
    /// fails the test with its seed.
    pub fn run(&mut self, mut case: impl FnMut(usize, u64) -> bool) {
        for (i, seed) in self.seeds().into_iter().enumerate() {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(i, seed))) {
                Ok(true) => self.ran(),
                Ok(false) => self.skipped(),
                Err(p) => {
                    let msg = activation_layer::error::panic_message(p.as_ref()).to_string();
                    panic!("{}\n(rerun: {})", msg, self.rerun(seed));
                }
            }
        }
    }

    /// How to rerun one case, for failure messages.
    pub fn rerun(&self, seed: u64) -> String {
        format!("ACTIVATION_TEST_CASE={seed:#x} cargo test {}", self.test)
    }

    /// Prints the counts and fails unless at least `min_fraction` of the
    /// cases ran (a single case named by `ACTIVATION_TEST_CASE` must run).
    #[track_caller]
    pub fn finish(&self, min_fraction: f64) {
        eprintln!(
            "{}: {} cases, {} ran, {} had no run (as their data say) (ACTIVATION_TEST_SCALE={}, ACTIVATION_TEST_SEED={})",
            self.test,
            self.seeds.len(),
            self.ran,
            self.skipped,
            scale(),
            std::env::var("ACTIVATION_TEST_SEED").unwrap_or_else(|_| "0".into())
        );
        assert_eq!(
            self.ran + self.skipped,
            self.seeds.len(),
            "{}: every case must be counted as run or refused",
            self.test
        );
        let min = if self.only {
            0
        } else {
            (self.seeds.len() as f64 * min_fraction).ceil() as usize
        };
        assert!(
            self.ran >= min.max(1) || (self.only && self.skipped == 1),
            "{}: only {} of {} cases ran (at least {min} must)",
            self.test,
            self.ran,
            self.seeds.len()
        );
    }
}

/// The seven week starts, for cases that pick one.
pub const WEEKDAYS: [activation_layer::Weekday; 7] = {
    use activation_layer::Weekday::*;
    [
        Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
    ]
};
