//! A synthetic fact generator: realistic activity for demos, tests and
//! benchmarks. Users arrive over time, act at heavy-tailed rates with
//! weekly seasonality, churn (with a churn wave at about 60% of the span)
//! and are partly won back by a reactivation campaign (at about 75%).
//! The same seed always gives the same facts.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit as ArrowUnit};

use crate::error::Error;

/// What to generate.
#[derive(Clone, Debug)]
pub struct SynthOptions {
    /// Approximate number of events.
    pub events: u64,
    /// Number of users.
    pub users: u64,
    /// Days covered.
    pub days: u32,
    /// First day (days since 1970-01-01).
    pub start: i32,
    /// Random seed.
    pub seed: u64,
    /// Integer user ids instead of strings such as `u000042`.
    pub int_ids: bool,
    /// The order of the rows.
    pub order: Order,
}

/// The order in which the generated rows are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// By time, as event logs are appended (ties by user).
    #[default]
    Time,
    /// Each user's rows together, in time order.
    User,
    /// Shuffled.
    Random,
}

impl std::str::FromStr for Order {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "time" => Ok(Order::Time),
            "user" => Ok(Order::User),
            "random" => Ok(Order::Random),
            other => Err(Error::Usage(format!(
                "order must be time, user or random, not {other:?}"
            ))),
        }
    }
}

/// A small, fast, seedable generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Exponential with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

/// Relative activity by weekday (Monday first): quieter weekends.
const WEEKDAY: [f64; 7] = [1.0, 1.05, 1.05, 1.0, 0.9, 0.55, 0.5];

/// One user's plan: when they are around and how active.
struct Plan {
    signup: f64,
    rate: f64,
    stints: Vec<(f64, f64)>,
}

fn plan(rng: &mut Rng, o: &SynthOptions) -> Plan {
    let d = f64::from(o.days);
    // More users arrive later (growth), a few exist from the first day.
    let signup = if rng.unit() < 0.08 {
        0.0
    } else {
        d * rng.unit().powf(0.8)
    };
    // Heavy-tailed rate (Pareto, alpha 1.6): most users come rarely, a few daily.
    let rate = (0.04 / (1.0 - rng.unit()).powf(1.0 / 1.6)).min(4.0);
    let wave = (0.58 * d, 0.64 * d);
    let campaign = 0.75 * d;
    let mut life = rng.exp(d / 2.5);
    let mut end = signup + life;
    if end > wave.0 && signup < wave.1 && rng.unit() < 0.35 {
        end = end.min(wave.0 + rng.unit() * (wave.1 - wave.0));
    }
    let mut stints = vec![(signup, end.min(d))];
    if end < campaign && rng.unit() < 0.3 {
        life = rng.exp(d / 6.0);
        stints.push((campaign + rng.unit() * 3.0, (campaign + life).min(d)));
    }
    Plan {
        signup,
        rate,
        stints,
    }
}

/// Generates the facts: columns `user_id` (string or int64) and
/// `event_time` (UTC timestamps, microseconds), in the requested order.
pub fn generate(o: &SynthOptions) -> Result<RecordBatch, Error> {
    if o.users == 0 || o.days == 0 {
        return Err(Error::Usage(
            "generate needs at least one user and one day".into(),
        ));
    }
    let mut rng = Rng(o.seed);
    let plans: Vec<Plan> = (0..o.users).map(|_| plan(&mut rng, o)).collect();
    let mean_weight = WEEKDAY.iter().sum::<f64>() / 7.0;
    let expected: f64 = plans
        .iter()
        .map(|p| p.rate * mean_weight * p.stints.iter().map(|(a, b)| (b - a).max(0.0)).sum::<f64>())
        .sum();
    let scale = if expected > 0.0 {
        o.events as f64 / expected
    } else {
        1.0
    };
    let (users, times) = events(&plans, scale, &mut rng, o);
    let (users, times) = reorder(users, times, o.order, &mut rng);
    batch(&users, times, o.int_ids)
}

/// Every user's events, user after user, each user's in time order.
fn events(plans: &[Plan], scale: f64, rng: &mut Rng, o: &SynthOptions) -> (Vec<u64>, Vec<i64>) {
    let mut users = Vec::new();
    let mut times = Vec::new();
    'users: for (u, p) in plans.iter().enumerate() {
        let rate = p.rate * scale;
        if rate <= 0.0 {
            continue;
        }
        let mut first = true;
        for &(from, to) in &p.stints {
            let mut t = from.max(p.signup);
            loop {
                if !first {
                    t += rng.exp(1.0 / rate);
                }
                if t >= to {
                    break;
                }
                let day = t.floor();
                let weekday = (i64::from(o.start) + day as i64 + 3).rem_euclid(7) as usize;
                // Thinning gives the weekly shape; the first event always happens.
                if first || rng.unit() < WEEKDAY[weekday] / 1.05 {
                    // Daytime-heavy hour of day.
                    let secs = (6.0 + 17.0 * rng.unit().powf(0.9)) * 3600.0;
                    let us =
                        (i64::from(o.start) + day as i64) * 86_400_000_000 + (secs * 1e6) as i64;
                    users.push(u as u64);
                    times.push(us);
                    if times.len() as u64 >= o.events {
                        break 'users;
                    }
                }
                first = false;
            }
        }
    }
    (users, times)
}

/// The rows in `order`: a stable sort by time keeps same-time rows in user
/// order; a Fisher-Yates shuffle with the run's generator keeps the seed's promise.
fn reorder(users: Vec<u64>, times: Vec<i64>, order: Order, rng: &mut Rng) -> (Vec<u64>, Vec<i64>) {
    if order == Order::User {
        return (users, times);
    }
    let mut perm: Vec<u32> = (0..users.len() as u32).collect();
    match order {
        Order::User => {}
        Order::Time => perm.sort_by_key(|&i| times[i as usize]),
        Order::Random => {
            for i in (1..perm.len()).rev() {
                let j = (rng.next() % (i as u64 + 1)) as usize;
                perm.swap(i, j);
            }
        }
    }
    (
        perm.iter().map(|&i| users[i as usize]).collect(),
        perm.iter().map(|&i| times[i as usize]).collect(),
    )
}

/// The facts as one Arrow batch.
fn batch(users: &[u64], times: Vec<i64>, int_ids: bool) -> Result<RecordBatch, Error> {
    let user_col: ArrayRef = if int_ids {
        Arc::new(Int64Array::from_iter_values(
            users.iter().map(|u| 1000 + *u as i64),
        ))
    } else {
        Arc::new(StringArray::from_iter_values(
            users.iter().map(|u| format!("u{u:07}")),
        ))
    };
    let schema = Schema::new(vec![
        Field::new(
            "user_id",
            if int_ids {
                DataType::Int64
            } else {
                DataType::Utf8
            },
            false,
        ),
        Field::new(
            "event_time",
            DataType::Timestamp(ArrowUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ]);
    let time_col: ArrayRef = Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC"));
    RecordBatch::try_new(Arc::new(schema), vec![user_col, time_col])
        .map_err(|e| Error::Internal(e.to_string()))
}
