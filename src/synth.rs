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
    /// Kinds of event in an `event` column (0: no such column), for split
    /// runs (SPEC section 11): each user favours one kind, so the segments
    /// differ in size and in their users.
    pub event_kinds: u32,
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
    // Kinds come from a stream of their own: the users and times of a seed
    // are the same with or without them.
    let kinds = event_kinds(&users, o);
    let (users, times, kinds) = reorder(users, times, kinds, o.order, &mut rng);
    batch(&users, times, kinds, o.int_ids)
}

/// Names of the first event kinds (more are `kind_N`).
const KIND_NAMES: [&str; 10] = [
    "view",
    "search",
    "add_to_cart",
    "purchase",
    "share",
    "comment",
    "like",
    "login",
    "upload",
    "invite",
];

/// A kind for each event: the user's favourite (drawn with weights 1/k)
/// seven times in ten, else any kind with the same weights.
fn event_kinds(users: &[u64], o: &SynthOptions) -> Option<Vec<u32>> {
    let n = o.event_kinds;
    if n == 0 {
        return None;
    }
    let weights: Vec<f64> = (1..=n).map(|k| 1.0 / f64::from(k)).collect();
    let total: f64 = weights.iter().sum();
    let draw = |rng: &mut Rng| {
        let mut x = rng.unit() * total;
        for (k, w) in weights.iter().enumerate() {
            x -= w;
            if x < 0.0 {
                return k as u32;
            }
        }
        n - 1
    };
    let mut rng = Rng(o.seed ^ 0x6B69_6E64);
    let favourite: Vec<u32> = (0..o.users).map(|_| draw(&mut rng)).collect();
    Some(
        users
            .iter()
            .map(|&u| {
                if rng.unit() < 0.7 {
                    favourite[u as usize]
                } else {
                    draw(&mut rng)
                }
            })
            .collect(),
    )
}

fn kind_name(k: u32) -> String {
    KIND_NAMES
        .get(k as usize)
        .map_or_else(|| format!("kind_{k}"), |s| s.to_string())
}

/// Plans of the users table: the most active users pay more often.
const PLANS: [&str; 4] = ["free", "pro", "team", "enterprise"];
/// Countries of the users table, the first most common.
const COUNTRIES: [&str; 8] = ["US", "DE", "FR", "GB", "JP", "BR", "IN", "KR"];

/// A users table for partition runs (SPEC section 11): `user_id` (as in the
/// facts of the same options), `plan` (tied to how active the user is;
/// null for one user in twenty) and `country`. Every tenth user is left
/// out, as users tables lag behind events.
pub fn users(o: &SynthOptions) -> Result<RecordBatch, Error> {
    let mut rng = Rng(o.seed);
    let plans: Vec<Plan> = (0..o.users).map(|_| plan(&mut rng, o)).collect();
    let mut rng = Rng(o.seed ^ 0x7573_6572);
    let (mut ids, mut plan_col, mut country) = (Vec::new(), Vec::new(), Vec::new());
    for (u, p) in plans.iter().enumerate() {
        if rng.unit() < 0.1 {
            continue;
        }
        ids.push(u as u64);
        // Rates run from 0.04 to 4 events a day.
        let paid = (p.rate / 0.5).min(0.9);
        let x = rng.unit();
        plan_col.push(if x < 0.05 {
            None
        } else if x < 1.0 - paid * 0.8 {
            Some(PLANS[0])
        } else {
            Some(PLANS[1 + (rng.next() % 3) as usize])
        });
        country.push(COUNTRIES[(rng.unit().powi(2) * COUNTRIES.len() as f64) as usize]);
    }
    let schema = Schema::new(vec![
        user_field(o.int_ids),
        Field::new("plan", DataType::Utf8, true),
        Field::new("country", DataType::Utf8, false),
    ]);
    let columns: Vec<ArrayRef> = vec![
        user_column(&ids, o.int_ids),
        Arc::new(StringArray::from(plan_col)),
        Arc::new(StringArray::from(country)),
    ];
    RecordBatch::try_new(Arc::new(schema), columns).map_err(|e| Error::Internal(e.to_string()))
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
fn reorder(
    users: Vec<u64>,
    times: Vec<i64>,
    kinds: Option<Vec<u32>>,
    order: Order,
    rng: &mut Rng,
) -> (Vec<u64>, Vec<i64>, Option<Vec<u32>>) {
    if order == Order::User {
        return (users, times, kinds);
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
    let pick = |v: &[u32]| perm.iter().map(|&i| v[i as usize]).collect();
    (
        perm.iter().map(|&i| users[i as usize]).collect(),
        perm.iter().map(|&i| times[i as usize]).collect(),
        kinds.as_deref().map(pick),
    )
}

fn user_field(int_ids: bool) -> Field {
    let dt = if int_ids {
        DataType::Int64
    } else {
        DataType::Utf8
    };
    Field::new("user_id", dt, false)
}

fn user_column(users: &[u64], int_ids: bool) -> ArrayRef {
    if int_ids {
        Arc::new(Int64Array::from_iter_values(
            users.iter().map(|u| 1000 + *u as i64),
        ))
    } else {
        Arc::new(StringArray::from_iter_values(
            users.iter().map(|u| format!("u{u:07}")),
        ))
    }
}

/// The facts as one Arrow batch.
fn batch(
    users: &[u64],
    times: Vec<i64>,
    kinds: Option<Vec<u32>>,
    int_ids: bool,
) -> Result<RecordBatch, Error> {
    let mut fields = vec![
        user_field(int_ids),
        Field::new(
            "event_time",
            DataType::Timestamp(ArrowUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        user_column(users, int_ids),
        Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC")),
    ];
    if let Some(kinds) = kinds {
        fields.push(Field::new("event", DataType::Utf8, false));
        columns.push(Arc::new(StringArray::from_iter_values(
            kinds.into_iter().map(kind_name),
        )));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| Error::Internal(e.to_string()))
}
