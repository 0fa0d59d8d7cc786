//! Differential and property tests of the engine against SPEC sections 2-5.
//!
//! A deliberately naive model of the SPEC (every user, every period, counted
//! with plain loops) is run next to the engine on random fact sets, for every
//! grain, several week starts and time zones (with real DST), with and
//! without `through` / `report_from`, for `rows = changes` and `rows = all`.
//! Every row of every table is compared. Independently of the model, the
//! identities of SPEC section 4 are checked on the engine's own outputs.
//!
//! Knobs (environment variables):
//! - `DIFFERENTIAL_CASES=N`: number of random fact sets (default 250);
//! - `DIFFERENTIAL_SEED=0x...`: run the one case with this seed (as printed
//!   in a failure message).

#[path = "common/spec.rs"]
mod spec;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use activation_layer::grain::{civil_from_days, days_from_civil, format_day};
use activation_layer::{run, Activation, Grain, InputFile, Rows, RunOptions, State, Weekday, Zone};

const US_PER_SEC: i64 = 1_000_000;
const US_PER_DAY: i64 = 86_400 * US_PER_SEC;

// ---------------------------------------------------------------------------
// A tiny seeded PRNG (splitmix64).

struct Rng(u64);

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo + 1) as u64) as i64
        }
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize].clone()
    }
}

// ---------------------------------------------------------------------------
// Dates, weekdays, time zones: written here from scratch (only the civil
// date conversion is borrowed from the crate).

/// A day count that prints as `YYYY-MM-DD` in failure messages.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Day(i32);

impl fmt::Debug for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_day(self.0))
    }
}

fn ymd(y: i32, m: u32, d: u32) -> i32 {
    days_from_civil(y, m, d)
}

/// Monday = 0 .. Sunday = 6, counted from a known Monday.
fn weekday(day: i32) -> i32 {
    (day - ymd(2024, 1, 1)).rem_euclid(7)
}

fn week_start_index(w: Weekday) -> i32 {
    match w {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    }
}

/// The `n`-th Sunday of a month.
fn nth_sunday(y: i32, m: u32, n: i32) -> i32 {
    let d1 = ymd(y, m, 1);
    d1 + (6 - weekday(d1)).rem_euclid(7) + 7 * (n - 1)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum ModelZone {
    Utc,
    Plus9,
    NewYork,
}

fn model_zone(name: Option<&str>) -> ModelZone {
    match name {
        None | Some("UTC") => ModelZone::Utc,
        Some("+09:00") => ModelZone::Plus9,
        Some("America/New_York") => ModelZone::NewYork,
        Some(other) => panic!("no model for zone {other}"),
    }
}

fn zone_display(name: Option<&str>) -> String {
    name.unwrap_or("UTC").to_string()
}

/// US rules since 2007: daylight time from the second Sunday of March at
/// 02:00 EST (07:00 UTC) to the first Sunday of November at 02:00 EDT
/// (06:00 UTC).
fn new_york_is_dst(utc_secs: i64) -> bool {
    let (y, _, _) = civil_from_days(utc_secs.div_euclid(86_400) as i32);
    let start = i64::from(nth_sunday(y, 3, 2)) * 86_400 + 7 * 3600;
    let end = i64::from(nth_sunday(y, 11, 1)) * 86_400 + 6 * 3600;
    start <= utc_secs && utc_secs < end
}

fn offset_secs(zone: ModelZone, utc_secs: i64) -> i64 {
    match zone {
        ModelZone::Utc => 0,
        ModelZone::Plus9 => 9 * 3600,
        ModelZone::NewYork => {
            if new_york_is_dst(utc_secs) {
                -4 * 3600
            } else {
                -5 * 3600
            }
        }
    }
}

/// A fact's time: an instant (UTC microseconds) or a local wall-clock
/// reading (local microseconds).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Time {
    Instant(i64),
    Local(i64),
}

impl Time {
    fn micros(self) -> i64 {
        match self {
            Time::Instant(us) | Time::Local(us) => us,
        }
    }
}

fn local_day(t: Time, zone: ModelZone) -> i32 {
    match t {
        Time::Local(us) => us.div_euclid(US_PER_DAY) as i32,
        Time::Instant(us) => {
            let off = offset_secs(zone, us.div_euclid(US_PER_SEC));
            (us + off * US_PER_SEC).div_euclid(US_PER_DAY) as i32
        }
    }
}

/// `YYYY-MM-DD`, hour, minute, second, microseconds of a wall-clock value.
fn wall(us: i64) -> (String, i64, i64, i64, i64) {
    let day = us.div_euclid(US_PER_DAY);
    let rest = us.rem_euclid(US_PER_DAY);
    let secs = rest / US_PER_SEC;
    (
        format_day(day as i32),
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        rest % US_PER_SEC,
    )
}

/// Naive periods of a grain, identified by their first day.
#[derive(Clone, Copy, Debug)]
struct ModelCalendar {
    grain: Grain,
    week_start: i32,
}

impl ModelCalendar {
    fn new(grain: Grain, week_start: Weekday) -> Self {
        ModelCalendar {
            grain,
            week_start: week_start_index(week_start),
        }
    }
    /// First day of the period holding `d`.
    fn start(&self, d: i32) -> i32 {
        match self.grain {
            Grain::Day => d,
            Grain::Week => d - (weekday(d) - self.week_start).rem_euclid(7),
            Grain::Month => {
                let (y, m, _) = civil_from_days(d);
                ymd(y, m, 1)
            }
        }
    }
    /// First day of the period after the one starting on `s`.
    fn next(&self, s: i32) -> i32 {
        match self.grain {
            Grain::Day => s + 1,
            Grain::Week => s + 7,
            Grain::Month => {
                let (y, m, _) = civil_from_days(s);
                if m == 12 {
                    ymd(y + 1, 1, 1)
                } else {
                    ymd(y, m + 1, 1)
                }
            }
        }
    }
    /// First day of the period before the one starting on `s`.
    fn prev(&self, s: i32) -> i32 {
        self.start(s - 1)
    }
}

fn canonical_int(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 19 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.parse().ok()
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Int(i64),
    Text(Vec<u8>),
}

fn user_key(id: &str, ints: bool) -> Key {
    if ints {
        Key::Int(canonical_int(id).expect("canonical"))
    } else {
        Key::Text(id.as_bytes().to_vec())
    }
}

// ---------------------------------------------------------------------------
// Cases: a fact set (written as CSV) and a run configuration.

#[derive(Clone, Debug)]
struct Fact {
    id: String,
    text: String,
    time: Time,
}

#[derive(Clone, Debug)]
struct FactSet {
    facts: Vec<Fact>,
    delimiter: u8,
    header: (&'static str, &'static str),
    crlf: bool,
}

fn quote(s: &str, delimiter: u8) -> String {
    if s.contains(delimiter as char) || s.contains('"') || s.contains('\n') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl FactSet {
    fn csv(&self) -> String {
        let d = self.delimiter as char;
        let nl = if self.crlf { "\r\n" } else { "\n" };
        let mut out = format!("{}{d}{}{nl}", self.header.0, self.header.1);
        for f in &self.facts {
            out.push_str(&quote(&f.id, self.delimiter));
            out.push(d);
            out.push_str(&quote(&f.text, self.delimiter));
            out.push_str(nl);
        }
        out
    }
}

#[derive(Clone, Debug)]
struct Config {
    grain: Grain,
    week_start: Option<Weekday>,
    tz: Option<&'static str>,
    through: Option<i32>,
    report_from: Option<i32>,
}

impl Config {
    fn describe(&self) -> String {
        let day = |d: Option<i32>| d.map_or("-".to_string(), format_day);
        format!(
            "grain={} week_start={} timezone={} through={} report_from={}",
            self.grain,
            self.week_start.map_or("-".to_string(), |w| w.to_string()),
            self.tz.unwrap_or("-"),
            day(self.through),
            day(self.report_from)
        )
    }
}

fn gen_ids(rng: &mut Rng, style: u64, n: usize) -> Vec<String> {
    const POOL: &[&str] = &[
        "a", "A", "b", "B", "ab", "a,b", "a\"q", "ü", "Z", "_x", "x-1", "x.1", "10", "9", "é",
        "aa", "a;b", "0", "007",
    ];
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while out.len() < n {
        let id = match style {
            0 => format!("u{}", rng.below(300 + 10 * n as u64)),
            1 => {
                if rng.chance(0.03) {
                    i64::MAX.to_string()
                } else {
                    rng.below(2000).to_string()
                }
            }
            2 => {
                let k = rng.below(60 + n as u64);
                match rng.below(3) {
                    0 => k.to_string(),
                    1 => format!("0{k}"),
                    _ => format!("00{k}"),
                }
            }
            _ => {
                if rng.chance(0.6) {
                    rng.pick(POOL).to_string()
                } else {
                    format!("k{}", rng.below(100 + 10 * n as u64))
                }
            }
        };
        if seen.insert(id.clone()) {
            out.push(id);
        }
    }
    out
}

fn gen_time(rng: &mut Rng, day: i32) -> (String, Time) {
    if rng.chance(0.75) {
        // An instant; hours near local midnight in New York (04:00-05:00
        // UTC) and in +09:00 (15:00 UTC) are favoured.
        let hour = match rng.below(10) {
            0..=3 => rng.range(2, 6),
            4 => rng.range(14, 16),
            _ => rng.range(0, 23),
        };
        let (min, sec) = (rng.range(0, 59), rng.range(1, 59));
        let frac = if rng.chance(0.2) {
            rng.range(0, 999) * 1000
        } else {
            0
        };
        let utc = i64::from(day) * US_PER_DAY + (hour * 3600 + min * 60 + sec) * US_PER_SEC + frac;
        let sep = if rng.chance(0.1) { ' ' } else { 'T' };
        let (offset, suffix) = if rng.chance(0.8) {
            (0, "Z".to_string())
        } else {
            let (o, s) = rng.pick(&[
                (9 * 3600, "+09:00"),
                (-5 * 3600, "-05:00"),
                (5 * 3600 + 1800, "+05:30"),
                (-(3 * 3600 + 1800), "-03:30"),
                (3600, "+01:00"),
            ]);
            (o, s.to_string())
        };
        let (date, h, m, s, us) = wall(utc + offset * US_PER_SEC);
        let frac_text = if frac > 0 {
            format!(".{:03}", us / 1000)
        } else {
            String::new()
        };
        (
            format!("{date}{sep}{h:02}:{m:02}:{s:02}{frac_text}{suffix}"),
            Time::Instant(utc),
        )
    } else {
        // A local value: a date, or a naive date-time (seconds always 0, so
        // that it never has the same microseconds as an instant).
        let (h, m) = (rng.range(0, 23), rng.range(0, 59));
        match rng.below(4) {
            0 | 1 => (format_day(day), Time::Local(i64::from(day) * US_PER_DAY)),
            kind => {
                let us = i64::from(day) * US_PER_DAY + (h * 3600 + m * 60) * US_PER_SEC;
                let text = if kind == 2 {
                    format!("{} {h:02}:{m:02}:00", format_day(day))
                } else {
                    format!("{}T{h:02}:{m:02}", format_day(day))
                };
                (text, Time::Local(us))
            }
        }
    }
}

fn gen_facts(rng: &mut Rng) -> FactSet {
    let style = rng.below(4);
    let (n_users, n_events) = if rng.chance(0.1) {
        (rng.range(1, 4), rng.range(20, 60))
    } else {
        (rng.range(1, 40), rng.range(1, 60))
    };
    let span = match rng.below(3) {
        0 => rng.range(1, 10),
        1 => rng.range(10, 60),
        _ => rng.range(60, 120),
    } as i32;
    let base = if rng.chance(0.4) {
        let y = rng.range(2023, 2025) as i32;
        let edge = if rng.chance(0.5) {
            nth_sunday(y, 3, 2)
        } else {
            nth_sunday(y, 11, 1)
        };
        edge - rng.range(0, i64::from(span)) as i32
    } else {
        ymd(2022, 6, 1) + rng.range(0, 1500) as i32
    };
    let ids = gen_ids(rng, style, n_users as usize);
    let mut last_day: Vec<Option<i32>> = vec![None; ids.len()];
    let mut facts: Vec<Fact> = Vec::new();
    for _ in 0..n_events {
        if !facts.is_empty() && rng.chance(0.08) {
            let f = facts[rng.below(facts.len() as u64) as usize].clone();
            facts.push(f);
            continue;
        }
        let n = ids.len() as u64;
        let u = if rng.chance(0.5) {
            rng.below(n).min(rng.below(n))
        } else {
            rng.below(n)
        } as usize;
        let day = match last_day[u] {
            Some(d) if rng.chance(0.4) => {
                (d + rng.range(-2, 9) as i32).clamp(base, base + span - 1)
            }
            _ => base + rng.range(0, i64::from(span) - 1) as i32,
        };
        last_day[u] = Some(day);
        let (text, time) = gen_time(rng, day);
        facts.push(Fact {
            id: ids[u].clone(),
            text,
            time,
        });
    }
    let delimiter = match rng.below(20) {
        0..=13 => b',',
        14..=16 => b';',
        _ => b'\t',
    };
    let header = rng.pick(&[
        ("user_id", "event_time"),
        ("user_id", "event_time"),
        ("user_id", "event_date"),
        ("customer_id", "timestamp"),
        ("User_Id", "TS"),
        ("user", "time"),
    ]);
    FactSet {
        facts,
        delimiter,
        header,
        crlf: rng.chance(0.1),
    }
}

fn gen_config(rng: &mut Rng, fs: &FactSet, grain: Grain) -> Config {
    let tz = rng.pick(&[
        None,
        Some("UTC"),
        Some("+09:00"),
        Some("America/New_York"),
        Some("America/New_York"),
    ]);
    let week_start = rng.pick(&[
        None,
        Some(Weekday::Monday),
        Some(Weekday::Sunday),
        Some(Weekday::Wednesday),
    ]);
    let zone = model_zone(tz);
    let days: Vec<i32> = fs.facts.iter().map(|f| local_day(f.time, zone)).collect();
    let lo = *days.iter().min().expect("facts");
    let hi = *days.iter().max().expect("facts");
    let span = i64::from(hi - lo);
    let through = match rng.below(20) {
        0..=8 => None,
        9..=17 => Some(hi + rng.range(-(span / 2), 12) as i32),
        _ => Some(lo + rng.range(-4, 2) as i32),
    };
    let t = through.unwrap_or(hi);
    let report_from = match rng.below(12) {
        0..=5 => None,
        6..=8 => Some((lo + rng.range(0, span) as i32).min(t)),
        9 | 10 => Some(lo - rng.range(1, 20) as i32),
        _ => Some(t - rng.range(-1, 10) as i32),
    };
    Config {
        grain,
        week_start,
        tz,
        through,
        report_from,
    }
}

// ---------------------------------------------------------------------------
// The outputs, in a form both sides produce and failure messages can show.

#[derive(Clone, Debug, PartialEq)]
struct StateOut {
    user: String,
    period_start: Day,
    state: State,
    previous: Option<State>,
    streak: u32,
    inactive_streak: u32,
    gap: Option<u32>,
    churned_periods: Option<u32>,
    active_periods: u32,
    first_period: Day,
    tenure: u32,
}

#[derive(Clone, Debug, PartialEq)]
struct SummaryOut {
    period_start: Day,
    period_end: Day,
    complete: bool,
    active: u64,
    new: u64,
    retained: u64,
    reactivated: u64,
    churned: u64,
    dormant: u64,
    inactive: u64,
    total_users: u64,
    retention_rate: Option<f64>,
    churn_rate: Option<f64>,
    reactivation_rate: Option<f64>,
    quick_ratio: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
struct TransitionOut {
    period_start: Day,
    from: Option<State>,
    to: State,
    users: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct CohortOut {
    cohort: Day,
    period_start: Day,
    periods_since: u32,
    cohort_size: u64,
    active_users: u64,
    retention: f64,
}

#[derive(Clone, Debug, PartialEq)]
struct GrainOut {
    previous_active_date: Option<Day>,
    streak: u32,
    active_periods: u32,
}

#[derive(Clone, Debug, PartialEq)]
struct SnapshotOut {
    user: String,
    first_active_date: Day,
    last_active_date: Day,
    daily: GrainOut,
    weekly: GrainOut,
    monthly: GrainOut,
}

#[derive(Clone, Debug, PartialEq)]
struct SnapshotMetaOut {
    as_of: Day,
    week_start: Weekday,
    timezone: String,
    fact: String,
    exact: bool,
}

#[derive(Clone, Debug, PartialEq)]
struct QualityOut {
    fact: String,
    grain: String,
    timezone: String,
    week_start: String,
    files: Vec<String>,
    snapshot: Option<String>,
    as_of: Option<String>,
    report_from: String,
    through: String,
    rows_read: u64,
    rows_used: u64,
    null_user: u64,
    null_time: u64,
    unparseable_time: u64,
    dated_on_or_before_as_of: u64,
    dated_after_through: u64,
    rejected_total: u64,
    rows_filtered_out: u64,
    duplicate_rows: u64,
    distinct_users: u64,
    new_users: u64,
    snapshot_users: u64,
    total_users: u64,
    min_local_date: Option<String>,
    max_local_date: Option<String>,
    snapshot_exact: Option<bool>,
    exact: bool,
    empty_days: Vec<String>,
}

#[derive(Clone, Debug)]
struct Outputs {
    fact: String,
    ids_are_int: bool,
    first_period: Day,
    last_period: Day,
    states: Vec<StateOut>,
    summary: Vec<SummaryOut>,
    transitions: Vec<TransitionOut>,
    cohorts: Vec<CohortOut>,
    snapshot: Vec<SnapshotOut>,
    snapshot_meta: SnapshotMetaOut,
    quality: QualityOut,
}

/// The nine transitions in the SPEC's order.
const NINE: [(Option<State>, State); 9] = [
    (None, State::New),
    (Some(State::New), State::Retained),
    (Some(State::New), State::Inactive),
    (Some(State::Retained), State::Retained),
    (Some(State::Retained), State::Inactive),
    (Some(State::Reactivated), State::Retained),
    (Some(State::Reactivated), State::Inactive),
    (Some(State::Inactive), State::Reactivated),
    (Some(State::Inactive), State::Inactive),
];

fn is_active(s: State) -> bool {
    s != State::Inactive
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    if d == 0 {
        None
    } else {
        Some(n as f64 / d as f64)
    }
}

// ---------------------------------------------------------------------------
// The naive model.

/// One user's state in one period, straight from the SPEC's definitions.
#[derive(Clone, Copy, Debug)]
struct Cell {
    state: State,
    previous: Option<State>,
    streak: u32,
    inactive_streak: u32,
    gap: Option<u32>,
    churned_periods: Option<u32>,
    active_periods: u32,
    tenure: u32,
}

struct ModelUser {
    id: String,
    days: Vec<i32>,
    first: usize,
    active: Vec<bool>,
    cells: Vec<Option<Cell>>,
}

/// The model's outputs, or `None` when the run must fail.
#[allow(clippy::needless_range_loop)] // deliberately naive: index every period
fn model(fs: &FactSet, cfg: &Config, rows: Rows) -> Option<Outputs> {
    if fs.facts.is_empty() {
        return None;
    }
    let zone = model_zone(cfg.tz);
    let ws = cfg.week_start.unwrap_or(Weekday::Monday);
    let days: Vec<i32> = fs.facts.iter().map(|f| local_day(f.time, zone)).collect();
    let kept: Vec<usize> = (0..fs.facts.len())
        .filter(|&i| cfg.through.is_none_or(|t| days[i] <= t))
        .collect();
    let kept_min = kept.iter().map(|&i| days[i]).min();
    let kept_max = kept.iter().map(|&i| days[i]).max();
    let through = cfg.through.or(kept_max)?;
    let report_from = cfg.report_from.or(kept_min)?;
    if report_from > through {
        return None;
    }
    let ints = fs.facts.iter().all(|f| canonical_int(&f.id).is_some());

    // Users (with at least one kept row), in output order.
    let mut by_user: BTreeMap<Key, (String, BTreeSet<i32>)> = BTreeMap::new();
    for &i in &kept {
        let f = &fs.facts[i];
        by_user
            .entry(user_key(&f.id, ints))
            .or_insert_with(|| (f.id.clone(), BTreeSet::new()))
            .1
            .insert(days[i]);
    }

    // Every period from the earliest known day through `through`.
    let cal = ModelCalendar::new(cfg.grain, ws);
    let earliest = kept_min.map_or(report_from, |m| m.min(report_from));
    let mut starts = Vec::new();
    let mut s = cal.start(earliest);
    while s <= through {
        starts.push(s);
        s = cal.next(s);
    }
    let index: HashMap<i32, usize> = starts.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let np = starts.len();
    let end_of = |p: usize| cal.next(starts[p]) - 1;
    let r0 = index[&cal.start(report_from)];
    let r1 = np - 1;

    let mut users: Vec<ModelUser> = Vec::new();
    for (_, (id, set)) in by_user {
        let mut active = vec![false; np];
        for d in &set {
            active[index[&cal.start(*d)]] = true;
        }
        let first = active.iter().position(|a| *a).expect("a kept day");
        let mut cells: Vec<Option<Cell>> = vec![None; np];
        for p in first..np {
            let act = active[p];
            let state = if p == first {
                State::New
            } else if act && active[p - 1] {
                State::Retained
            } else if act {
                State::Reactivated
            } else {
                State::Inactive
            };
            let previous = if p == first {
                None
            } else {
                Some(cells[p - 1].expect("earlier cell").state)
            };
            let mut streak = 0;
            if act {
                let mut q = p as i64;
                while q >= 0 && active[q as usize] {
                    streak += 1;
                    q -= 1;
                }
            }
            let mut inactive_streak = 0;
            if !act {
                let mut q = p;
                while !active[q] {
                    inactive_streak += 1;
                    q -= 1;
                }
            }
            let gap = match state {
                State::Retained | State::Reactivated => {
                    let q = (first..p).rev().find(|q| active[*q]).expect("first");
                    Some((p - q) as u32)
                }
                _ => None,
            };
            let churned_periods = match state {
                State::Reactivated => gap.map(|g| g - 1),
                _ => None,
            };
            let active_periods = (first..=p).filter(|q| active[*q]).count() as u32;
            cells[p] = Some(Cell {
                state,
                previous,
                streak,
                inactive_streak,
                gap,
                churned_periods,
                active_periods,
                tenure: (p - first) as u32,
            });
        }
        users.push(ModelUser {
            id,
            days: set.into_iter().collect(),
            first,
            active,
            cells,
        });
    }

    // States.
    let mut states = Vec::new();
    for p in r0..=r1 {
        for u in &users {
            let Some(c) = u.cells[p] else { continue };
            let emit = match rows {
                Rows::All => true,
                Rows::Changes => {
                    is_active(c.state)
                        || (c.state == State::Inactive && c.previous.is_some_and(is_active))
                }
            };
            if emit {
                states.push(StateOut {
                    user: u.id.clone(),
                    period_start: Day(starts[p]),
                    state: c.state,
                    previous: c.previous,
                    streak: c.streak,
                    inactive_streak: c.inactive_streak,
                    gap: c.gap,
                    churned_periods: c.churned_periods,
                    active_periods: c.active_periods,
                    first_period: Day(starts[u.first]),
                    tenure: c.tenure,
                });
            }
        }
    }

    // Summary and transitions.
    let mut summary = Vec::new();
    let mut transitions = Vec::new();
    for p in r0..=r1 {
        let cells: Vec<Cell> = users.iter().filter_map(|u| u.cells[p]).collect();
        let count = |st: State| cells.iter().filter(|c| c.state == st).count() as u64;
        let new = count(State::New);
        let retained = count(State::Retained);
        let reactivated = count(State::Reactivated);
        let churned = cells
            .iter()
            .filter(|c| c.state == State::Inactive && c.previous.is_some_and(is_active))
            .count() as u64;
        let dormant = cells
            .iter()
            .filter(|c| c.state == State::Inactive && c.previous == Some(State::Inactive))
            .count() as u64;
        let inactive = count(State::Inactive);
        let total_users = users.iter().filter(|u| u.first <= p).count() as u64;
        let (active_before, inactive_before) = if p == 0 {
            (0, 0)
        } else {
            let known: Vec<&ModelUser> = users.iter().filter(|u| u.first < p).collect();
            let a = known.iter().filter(|u| u.active[p - 1]).count() as u64;
            (a, known.len() as u64 - a)
        };
        summary.push(SummaryOut {
            period_start: Day(starts[p]),
            period_end: Day(end_of(p)),
            complete: end_of(p) <= through,
            active: new + retained + reactivated,
            new,
            retained,
            reactivated,
            churned,
            dormant,
            inactive,
            total_users,
            retention_rate: ratio(retained, active_before),
            churn_rate: ratio(churned, active_before),
            reactivation_rate: ratio(reactivated, inactive_before),
            quick_ratio: ratio(new + reactivated, churned),
        });
        for (from, to) in NINE {
            transitions.push(TransitionOut {
                period_start: Day(starts[p]),
                from,
                to,
                users: cells
                    .iter()
                    .filter(|c| c.previous == from && c.state == to)
                    .count() as u64,
            });
        }
    }

    // Cohorts.
    let mut cohorts = Vec::new();
    for p in r0..=r1 {
        for c in 0..=p {
            let members: Vec<&ModelUser> = users.iter().filter(|u| u.first == c).collect();
            if members.is_empty() {
                continue;
            }
            let active_users = members.iter().filter(|u| u.active[p]).count() as u64;
            cohorts.push(CohortOut {
                cohort: Day(starts[c]),
                period_start: Day(starts[p]),
                periods_since: (p - c) as u32,
                cohort_size: members.len() as u64,
                active_users,
                retention: active_users as f64 / members.len() as f64,
            });
        }
    }

    // Snapshot (SPEC section 5): every grain, weeks of the run's week start.
    let snapshot = users
        .iter()
        .map(|u| {
            let first = *u.days.first().expect("days");
            let last = *u.days.last().expect("days");
            let grain = |g: Grain| {
                let c = ModelCalendar::new(g, ws);
                let last_period = c.start(last);
                let previous_active_date = u
                    .days
                    .iter()
                    .filter(|d| c.start(**d) < last_period)
                    .max()
                    .map(|d| Day(*d));
                let periods: BTreeSet<i32> = u.days.iter().map(|d| c.start(*d)).collect();
                let mut streak = 0;
                let mut s = last_period;
                while periods.contains(&s) {
                    streak += 1;
                    s = c.prev(s);
                }
                GrainOut {
                    previous_active_date,
                    streak,
                    active_periods: periods.len() as u32,
                }
            };
            SnapshotOut {
                user: u.id.clone(),
                first_active_date: Day(first),
                last_active_date: Day(last),
                daily: grain(Grain::Day),
                weekly: grain(Grain::Week),
                monthly: grain(Grain::Month),
            }
        })
        .collect();

    // Quality report.
    let all_days: HashSet<i32> = days.iter().copied().collect();
    let distinct_rows: HashSet<(&str, i64)> = kept
        .iter()
        .map(|&i| (fs.facts[i].id.as_str(), fs.facts[i].time.micros()))
        .collect();
    let n_users = users.len() as u64;
    let quality = QualityOut {
        fact: "facts".into(),
        grain: cfg.grain.as_str().into(),
        timezone: zone_display(cfg.tz),
        week_start: ws.to_string(),
        files: vec!["facts.csv".into()],
        snapshot: None,
        as_of: None,
        report_from: format_day(report_from),
        through: format_day(through),
        rows_read: fs.facts.len() as u64,
        rows_used: kept.len() as u64,
        null_user: 0,
        null_time: 0,
        unparseable_time: 0,
        dated_on_or_before_as_of: 0,
        dated_after_through: (fs.facts.len() - kept.len()) as u64,
        rejected_total: (fs.facts.len() - kept.len()) as u64,
        rows_filtered_out: 0,
        duplicate_rows: (kept.len() - distinct_rows.len()) as u64,
        distinct_users: n_users,
        new_users: n_users,
        snapshot_users: 0,
        total_users: n_users,
        min_local_date: kept_min.map(format_day),
        max_local_date: kept_max.map(format_day),
        snapshot_exact: None,
        exact: true,
        empty_days: (report_from..=through)
            .filter(|d| !all_days.contains(d))
            .map(format_day)
            .collect(),
    };

    Some(Outputs {
        fact: "facts".into(),
        ids_are_int: ints,
        first_period: Day(starts[r0]),
        last_period: Day(starts[r1]),
        states,
        summary,
        transitions,
        cohorts,
        snapshot,
        snapshot_meta: SnapshotMetaOut {
            as_of: Day(through),
            week_start: ws,
            timezone: zone_display(cfg.tz),
            fact: "facts".into(),
            exact: true,
        },
        quality,
    })
}

// ---------------------------------------------------------------------------
// The engine's side.

fn run_engine(csv: &str, cfg: &Config, rows: Rows) -> Result<Activation, String> {
    let file = InputFile::bytes("facts.csv", csv.as_bytes().to_vec());
    let mut o = RunOptions::new(cfg.grain);
    o.week_start = cfg.week_start;
    o.timezone = cfg.tz.map(|z| z.parse::<Zone>().expect("a valid zone"));
    o.through = cfg.through;
    o.report_from = cfg.report_from;
    o.rows = rows;
    match catch_unwind(AssertUnwindSafe(|| run(&[file], None, &o))) {
        Ok(Ok(a)) => Ok(a),
        Ok(Err(e)) => Err(format!("error: {e}")),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("PANIC: {msg}"))
        }
    }
}

fn engine_outputs(a: &Activation) -> Outputs {
    let cal = a.calendar;
    let ids = a.ids();
    let day = |p: i32| Day(cal.start(p));
    let states = a
        .states
        .iter()
        .map(|r| StateOut {
            user: ids.display(r.user),
            period_start: day(r.period),
            state: r.state,
            previous: r.previous,
            streak: r.streak,
            inactive_streak: r.inactive_streak,
            gap: r.gap.map(|g| g.get()),
            churned_periods: r.churned_periods.map(|g| g.get()),
            active_periods: r.active_periods,
            first_period: day(r.first_period),
            tenure: r.tenure,
        })
        .collect();
    let summary = a
        .aggregates
        .summary
        .iter()
        .map(|s| SummaryOut {
            period_start: Day(s.period_start),
            period_end: Day(s.period_end),
            complete: s.complete,
            active: s.active,
            new: s.new,
            retained: s.retained,
            reactivated: s.reactivated,
            churned: s.churned,
            dormant: s.dormant,
            inactive: s.inactive,
            total_users: s.total_users,
            retention_rate: s.retention_rate,
            churn_rate: s.churn_rate,
            reactivation_rate: s.reactivation_rate,
            quick_ratio: s.quick_ratio,
        })
        .collect();
    let transitions = a
        .aggregates
        .transitions
        .iter()
        .map(|t| TransitionOut {
            period_start: day(t.period),
            from: t.from,
            to: t.to,
            users: t.users,
        })
        .collect();
    let cohorts = a
        .aggregates
        .cohorts
        .iter()
        .map(|c| CohortOut {
            cohort: day(c.cohort),
            period_start: day(c.period),
            periods_since: c.periods_since,
            cohort_size: c.cohort_size,
            active_users: c.active_users,
            retention: c.retention,
        })
        .collect();
    let snap = &a.snapshot;
    let snapshot = snap
        .ids
        .sorted_order()
        .into_iter()
        .map(|u| {
            let h = &snap.users[u as usize];
            let g = |i: usize| GrainOut {
                previous_active_date: h.grains[i].previous_active_date.map(Day),
                streak: h.grains[i].streak,
                active_periods: h.grains[i].active_periods,
            };
            SnapshotOut {
                user: snap.ids.display(u),
                first_active_date: Day(h.first_active_date),
                last_active_date: Day(h.last_active_date),
                daily: g(0),
                weekly: g(1),
                monthly: g(2),
            }
        })
        .collect();
    let q = &a.quality;
    let quality = QualityOut {
        fact: q.fact.clone(),
        grain: q.grain.clone(),
        timezone: q.timezone.clone(),
        week_start: q.week_start.clone(),
        files: q.files.clone(),
        snapshot: q.snapshot.clone(),
        as_of: q.as_of.clone(),
        report_from: q.report_from.clone(),
        through: q.through.clone(),
        rows_read: q.rows_read,
        rows_used: q.rows_used,
        null_user: q.rows_rejected.null_user,
        null_time: q.rows_rejected.null_time,
        unparseable_time: q.rows_rejected.unparseable_time,
        dated_on_or_before_as_of: q.rows_rejected.dated_on_or_before_as_of,
        dated_after_through: q.rows_rejected.dated_after_through,
        rejected_total: q.rows_rejected.total(),
        rows_filtered_out: q.rows_filtered_out,
        duplicate_rows: q.duplicate_rows,
        distinct_users: q.distinct_users,
        new_users: q.new_users,
        snapshot_users: q.snapshot_users,
        total_users: q.total_users,
        min_local_date: q.min_local_date.clone(),
        max_local_date: q.max_local_date.clone(),
        snapshot_exact: q.snapshot_exact,
        exact: q.exact,
        empty_days: q.empty_days.clone(),
    };
    Outputs {
        fact: a.fact.clone(),
        ids_are_int: ids.is_int(),
        first_period: day(a.first_period()),
        last_period: day(a.last_period()),
        states,
        summary,
        transitions,
        cohorts,
        snapshot,
        snapshot_meta: SnapshotMetaOut {
            as_of: Day(snap.meta.as_of),
            week_start: snap.meta.week_start,
            timezone: snap.meta.timezone.name(),
            fact: snap.meta.fact.clone(),
            exact: snap.meta.exact,
        },
        quality,
    }
}

// ---------------------------------------------------------------------------
// Comparison and properties.

fn diff_rows<T: PartialEq + fmt::Debug>(
    what: &str,
    model: &[T],
    engine: &[T],
) -> Result<(), String> {
    let n = model.len().min(engine.len());
    for i in 0..n {
        if model[i] != engine[i] {
            let before = if i > 0 {
                format!("\n  (row {} agrees: {:?})", i - 1, model[i - 1])
            } else {
                String::new()
            };
            return Err(format!(
                "{what}: first difference at row {i} (model {} rows, engine {} rows):\n  model:  {:?}\n  engine: {:?}{before}",
                model.len(),
                engine.len(),
                model[i],
                engine[i]
            ));
        }
    }
    if model.len() != engine.len() {
        let extra = if model.len() > n {
            format!("model has {:?}", model[n])
        } else {
            format!("engine has {:?}", engine[n])
        };
        return Err(format!(
            "{what}: model {} rows, engine {} rows; the first {n} agree; then the {extra}",
            model.len(),
            engine.len()
        ));
    }
    Ok(())
}

fn compare(model: &Outputs, engine: &Outputs) -> Result<(), String> {
    if model.fact != engine.fact {
        return Err(format!(
            "fact: model {:?}, engine {:?}",
            model.fact, engine.fact
        ));
    }
    if model.ids_are_int != engine.ids_are_int {
        return Err(format!(
            "id type: model says integer ids = {}, engine {}",
            model.ids_are_int, engine.ids_are_int
        ));
    }
    if (model.first_period, model.last_period) != (engine.first_period, engine.last_period) {
        return Err(format!(
            "reported periods: model {:?}..={:?}, engine {:?}..={:?}",
            model.first_period, model.last_period, engine.first_period, engine.last_period
        ));
    }
    diff_rows("summary", &model.summary, &engine.summary)?;
    diff_rows("states", &model.states, &engine.states)?;
    diff_rows("transitions", &model.transitions, &engine.transitions)?;
    diff_rows("cohorts", &model.cohorts, &engine.cohorts)?;
    diff_rows("snapshot", &model.snapshot, &engine.snapshot)?;
    if model.snapshot_meta != engine.snapshot_meta {
        return Err(format!(
            "snapshot metadata:\n  model:  {:?}\n  engine: {:?}",
            model.snapshot_meta, engine.snapshot_meta
        ));
    }
    if model.quality != engine.quality {
        return Err(format!(
            "quality report:\n  model:  {:?}\n  engine: {:?}",
            model.quality, engine.quality
        ));
    }
    Ok(())
}

macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err(format!($($arg)*));
        }
    };
}

/// The identities of SPEC sections 2-4, on the engine's outputs alone.
fn check_properties(a: &Activation, rows: Rows) -> Result<(), String> {
    let cal = a.calendar;
    let sum = &a.aggregates.summary;
    let n = (a.last_period() - a.first_period() + 1) as usize;
    let d = |p: i32| format_day(cal.start(p));
    ensure!(
        sum.len() == n,
        "summary has {} rows for {n} reported periods",
        sum.len()
    );
    for (i, s) in sum.iter().enumerate() {
        let p = a.first_period() + i as i32;
        let at = d(p);
        ensure!(
            s.period == p && s.period_start == cal.start(p) && s.period_end == cal.end(p),
            "summary row {i}: period {} {}..{} for period {p} ({at})",
            s.period,
            format_day(s.period_start),
            format_day(s.period_end)
        );
        ensure!(
            s.active == s.new + s.retained + s.reactivated,
            "{at}: active {} != new {} + retained {} + reactivated {}",
            s.active,
            s.new,
            s.retained,
            s.reactivated
        );
        ensure!(
            s.total_users == s.active + s.inactive,
            "{at}: total_users {} != active {} + inactive {}",
            s.total_users,
            s.active,
            s.inactive
        );
        ensure!(
            s.inactive == s.churned + s.dormant,
            "{at}: inactive {} != churned {} + dormant {}",
            s.inactive,
            s.churned,
            s.dormant
        );
        let active_before = s.retained + s.churned;
        ensure!(
            s.total_users >= s.new + active_before,
            "{at}: total_users {} < new {} + retained {} + churned {}",
            s.total_users,
            s.new,
            s.retained,
            s.churned
        );
        let inactive_before = s.total_users - s.new - active_before;
        if i > 0 {
            let q = &sum[i - 1];
            ensure!(
                q.active == active_before,
                "{at}: active(p-1) {} != retained {} + churned {}",
                q.active,
                s.retained,
                s.churned
            );
            ensure!(
                s.total_users == q.total_users + s.new,
                "{at}: total_users {} != total_users(p-1) {} + new {}",
                s.total_users,
                q.total_users,
                s.new
            );
            ensure!(
                q.inactive == s.reactivated + s.dormant,
                "{at}: inactive(p-1) {} != reactivated {} + dormant {}",
                q.inactive,
                s.reactivated,
                s.dormant
            );
        }
        ensure!(
            s.retention_rate == ratio(s.retained, active_before)
                && s.churn_rate == ratio(s.churned, active_before)
                && s.reactivation_rate == ratio(s.reactivated, inactive_before)
                && s.quick_ratio == ratio(s.new + s.reactivated, s.churned),
            "{at}: rates {:?} disagree with the counts {:?}",
            (
                s.retention_rate,
                s.churn_rate,
                s.reactivation_rate,
                s.quick_ratio
            ),
            s
        );
    }

    // Transitions: nine per period, in order, summing to the summary.
    let tr = &a.aggregates.transitions;
    ensure!(
        tr.len() == 9 * n,
        "{} transition rows for {n} periods",
        tr.len()
    );
    for (i, s) in sum.iter().enumerate() {
        let t = &tr[9 * i..9 * i + 9];
        for (k, row) in t.iter().enumerate() {
            ensure!(
                row.period == s.period && (row.from, row.to) == NINE[k],
                "transition row {} is {:?}, expected period {} {:?}",
                9 * i + k,
                row,
                d(s.period),
                NINE[k]
            );
        }
        let u = |k: usize| t[k].users;
        let at = d(s.period);
        ensure!(
            u(0) == s.new,
            "{at}: transition new {} != new {}",
            u(0),
            s.new
        );
        ensure!(
            u(1) + u(3) + u(5) == s.retained,
            "{at}: *_to_retained {} != retained {}",
            u(1) + u(3) + u(5),
            s.retained
        );
        ensure!(
            u(2) + u(4) + u(6) == s.churned,
            "{at}: *_to_inactive {} != churned {}",
            u(2) + u(4) + u(6),
            s.churned
        );
        ensure!(
            u(7) == s.reactivated,
            "{at}: inactive_to_reactivated {} != reactivated {}",
            u(7),
            s.reactivated
        );
        ensure!(
            u(8) == s.dormant,
            "{at}: inactive_to_inactive {} != dormant {}",
            u(8),
            s.dormant
        );
    }

    // Cohorts.
    let co = &a.aggregates.cohorts;
    let mut sizes: HashMap<i32, u64> = HashMap::new();
    let mut j = 0;
    for s in sum {
        let at = d(s.period);
        let (mut size_sum, mut active_sum) = (0, 0);
        let mut last_cohort = None;
        while j < co.len() && co[j].period == s.period {
            let c = &co[j];
            ensure!(
                c.cohort <= c.period && last_cohort.is_none_or(|l| l < c.cohort),
                "{at}: cohort rows out of order or after the period: {c:?}"
            );
            ensure!(
                c.periods_since == (c.period - c.cohort) as u32
                    && c.cohort_size > 0
                    && c.active_users <= c.cohort_size
                    && c.retention == c.active_users as f64 / c.cohort_size as f64,
                "{at}: inconsistent cohort row {c:?}"
            );
            ensure!(
                *sizes.entry(c.cohort).or_insert(c.cohort_size) == c.cohort_size,
                "cohort {} changes size: {c:?}",
                d(c.cohort)
            );
            last_cohort = Some(c.cohort);
            size_sum += c.cohort_size;
            active_sum += c.active_users;
            j += 1;
        }
        ensure!(
            size_sum == s.total_users,
            "{at}: cohort sizes sum to {size_sum}, total_users {}",
            s.total_users
        );
        ensure!(
            active_sum == s.active,
            "{at}: cohort active users sum to {active_sum}, active {}",
            s.active
        );
    }
    ensure!(
        j == co.len(),
        "cohort rows left over after the last period: {:?}",
        co.get(j)
    );

    // States: order, per-row rules, per-period counts.
    let order = a.ids().sorted_order();
    let mut rank = vec![0usize; order.len()];
    for (k, u) in order.iter().enumerate() {
        rank[*u as usize] = k;
    }
    let st = &a.states;
    let mut seen: HashMap<(u32, i32), State> = HashMap::new();
    let mut counts: HashMap<i32, [u64; 6]> = HashMap::new();
    let all_rows: Vec<_> = st.iter().collect();
    ensure!(all_rows.len() == st.len(), "len() disagrees with the rows");
    for (i, &r) in all_rows.iter().enumerate() {
        let at = format!(
            "state row {i} ({} {})",
            a.ids().display(r.user),
            d(r.period)
        );
        ensure!(
            r.period >= a.first_period() && r.period <= a.last_period(),
            "{at}: outside the reported periods"
        );
        if i > 0 {
            let q = all_rows[i - 1];
            ensure!(
                (q.period, rank[q.user as usize]) < (r.period, rank[r.user as usize]),
                "{at}: not ordered by period then user id after {}",
                a.ids().display(q.user)
            );
        }
        ensure!(
            r.tenure as i64 == i64::from(r.period - r.first_period),
            "{at}: tenure {} for first period {}",
            r.tenure,
            d(r.first_period)
        );
        ensure!(
            r.active_periods >= 1 && r.active_periods <= r.tenure + 1,
            "{at}: active_periods {} with tenure {}",
            r.active_periods,
            r.tenure
        );
        ensure!(
            (r.previous.is_none()) == (r.state == State::New),
            "{at}: previous {:?} on a {:?} row",
            r.previous,
            r.state
        );
        ensure!(
            r.churned_periods.is_some() == (r.state == State::Reactivated),
            "{at}: churned_periods {:?} on a {:?} row",
            r.churned_periods,
            r.state
        );
        let gap = r.gap.map(|g| g.get());
        match r.state {
            State::New => ensure!(
                r.tenure == 0
                    && r.streak == 1
                    && r.inactive_streak == 0
                    && gap.is_none()
                    && r.active_periods == 1,
                "{at}: bad new row {r:?}"
            ),
            State::Retained => ensure!(
                gap == Some(1)
                    && r.previous.is_some_and(is_active)
                    && r.streak >= 2
                    && r.inactive_streak == 0
                    && r.streak <= r.active_periods,
                "{at}: bad retained row {r:?}"
            ),
            State::Reactivated => ensure!(
                gap.is_some_and(|g| g >= 2)
                    && r.churned_periods.map(|c| c.get() + 1) == gap
                    && r.previous == Some(State::Inactive)
                    && r.streak == 1
                    && r.inactive_streak == 0,
                "{at}: bad reactivated row {r:?}"
            ),
            State::Inactive => ensure!(
                r.streak == 0
                    && r.inactive_streak >= 1
                    && gap.is_none()
                    && (r.inactive_streak == 1) == r.previous.is_some_and(is_active),
                "{at}: bad inactive row {r:?}"
            ),
        }
        if rows == Rows::Changes {
            ensure!(
                is_active(r.state) || r.previous.is_some_and(is_active),
                "{at}: a dormant row with rows = changes"
            );
        }
        if let (Some(prev), Some(q)) = (r.previous, seen.get(&(r.user, r.period - 1))) {
            ensure!(
                *q == prev,
                "{at}: previous {prev:?} but the row of the period before says {q:?}"
            );
        }
        if rows == Rows::All && r.period > a.first_period() && r.state != State::New {
            ensure!(
                seen.contains_key(&(r.user, r.period - 1)),
                "{at}: rows = all, but the user has no row in the period before"
            );
        }
        seen.insert((r.user, r.period), r.state);
        let c = counts.entry(r.period).or_default();
        c[0] += 1;
        c[1] += u64::from(r.state == State::New);
        c[2] += u64::from(r.state == State::Retained);
        c[3] += u64::from(r.state == State::Reactivated);
        c[4] += u64::from(r.state == State::Inactive && r.previous.is_some_and(is_active));
        c[5] += u64::from(r.state == State::Inactive && r.previous == Some(State::Inactive));
    }
    for s in sum {
        let c = counts.get(&s.period).copied().unwrap_or_default();
        let expected_rows = match rows {
            Rows::All => s.total_users,
            Rows::Changes => s.active + s.churned,
        };
        let dormant = match rows {
            Rows::All => s.dormant,
            Rows::Changes => 0,
        };
        ensure!(
            c == [expected_rows, s.new, s.retained, s.reactivated, s.churned, dormant],
            "{}: state rows [rows, new, retained, reactivated, churned, dormant] = {c:?}, summary says {:?}",
            d(s.period),
            [expected_rows, s.new, s.retained, s.reactivated, s.churned, dormant]
        );
    }
    Ok(())
}

/// `rows = changes` and `rows = all` differ only in the dormant state rows.
fn check_modes_agree(changes: &Activation, all: &Activation) -> Result<(), String> {
    ensure!(
        changes.aggregates == all.aggregates,
        "the aggregates differ between rows = changes and rows = all"
    );
    ensure!(
        changes.snapshot == all.snapshot,
        "the snapshot differs between rows = changes and rows = all"
    );
    ensure!(
        changes.quality == all.quality,
        "the quality report differs between rows = changes and rows = all"
    );
    let filtered: Vec<_> = all
        .states
        .iter()
        .filter(|r| is_active(r.state) || r.previous.is_some_and(is_active))
        .collect();
    let got: Vec<_> = changes.states.iter().collect();
    diff_rows(
        "rows = all filtered to changes vs rows = changes",
        &filtered,
        &got,
    )
}

/// Runs one fact set and configuration in both row modes against the model.
fn check_case(fs: &FactSet, cfg: &Config) -> Result<CaseKind, String> {
    let csv = fs.csv();
    let mut done = Vec::new();
    for rows in [Rows::Changes, Rows::All] {
        let expected = model(fs, cfg, rows);
        let got = run_engine(&csv, cfg, rows);
        match (expected, got) {
            (_, Err(e)) if e.starts_with("PANIC") => return Err(format!("rows={rows:?}: the engine panicked: {e}")),
            (None, Err(_)) => {}
            (None, Ok(a)) => {
                return Err(format!(
                    "rows={rows:?}: the model expects the run to fail, but the engine reported {} periods and {} state rows",
                    a.aggregates.summary.len(),
                    a.states.len()
                ))
            }
            (Some(_), Err(e)) => return Err(format!("rows={rows:?}: the engine failed: {e}")),
            (Some(m), Ok(a)) => {
                compare(&m, &engine_outputs(&a)).map_err(|e| format!("rows={rows:?}: {e}"))?;
                check_properties(&a, rows).map_err(|e| format!("rows={rows:?}: property: {e}"))?;
                done.push(a);
            }
        }
    }
    match done.as_slice() {
        [changes, all] => {
            check_modes_agree(changes, all)?;
            Ok(CaseKind::Ran)
        }
        [] => Ok(CaseKind::Error),
        _ => Err("one row mode failed and the other did not".into()),
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum CaseKind {
    Ran,
    Error,
}

/// Greedily removes fact rows and options while the case still fails.
fn shrink(fs: &FactSet, cfg: &Config, msg: &str) -> (FactSet, Config, String) {
    let mut fs = fs.clone();
    let mut cfg = cfg.clone();
    let mut msg = msg.to_string();
    loop {
        let mut progress = false;
        let mut i = fs.facts.len();
        while i > 0 {
            i -= 1;
            let mut t = fs.clone();
            t.facts.remove(i);
            if let Err(m) = check_case(&t, &cfg) {
                fs = t;
                msg = m;
                progress = true;
            }
        }
        // Each simplification is applied to the current configuration.
        for step in 0..4 {
            let mut c = cfg.clone();
            match step {
                0 => c.through = None,
                1 => c.report_from = None,
                2 => c.week_start = None,
                _ => c.tz = None,
            }
            if c.describe() != cfg.describe() {
                if let Err(m) = check_case(&fs, &c) {
                    cfg = c;
                    msg = m;
                    progress = true;
                }
            }
        }
        if !progress {
            return (fs, cfg, msg);
        }
    }
}

fn case_seeds() -> Vec<u64> {
    if let Ok(s) = std::env::var("DIFFERENTIAL_SEED") {
        let s = s.trim().trim_start_matches("0x");
        return vec![u64::from_str_radix(s, 16).expect("DIFFERENTIAL_SEED is hex")];
    }
    let n: u64 = std::env::var("DIFFERENTIAL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    (0..n)
        .map(|i| splitmix(0xAC71_7A71_0000_0000 ^ i))
        .collect()
}

// ---------------------------------------------------------------------------
// Tests.

#[test]
fn engine_matches_naive_model_on_random_fact_sets() {
    let seeds = case_seeds();
    let mut failures: Vec<(u64, FactSet, Config, String)> = Vec::new();
    let (mut ran, mut errors) = (0, 0);
    let mut coverage: BTreeMap<String, usize> = BTreeMap::new();
    for &seed in &seeds {
        let mut rng = Rng::new(seed);
        let fs = gen_facts(&mut rng);
        for grain in Grain::ALL {
            let cfg = gen_config(&mut rng, &fs, grain);
            match check_case(&fs, &cfg) {
                Ok(CaseKind::Ran) => {
                    ran += 1;
                    let ints = fs.facts.iter().all(|f| canonical_int(&f.id).is_some());
                    for key in [
                        format!("grain={grain}"),
                        format!("tz={}", cfg.tz.unwrap_or("-")),
                        format!("week_start={:?}", cfg.week_start),
                        format!("through={}", cfg.through.is_some()),
                        format!("report_from={}", cfg.report_from.is_some()),
                        format!("int_ids={ints}"),
                    ] {
                        *coverage.entry(key).or_default() += 1;
                    }
                }
                Ok(CaseKind::Error) => errors += 1,
                Err(m) => failures.push((seed, fs.clone(), cfg, m)),
            }
        }
    }
    eprintln!(
        "differential: {} fact sets, {ran} configurations run in both row modes, {errors} expected errors, {} failures; coverage {coverage:?}",
        seeds.len(),
        failures.len()
    );
    if let Some((seed, fs, cfg, msg)) = failures.first() {
        let (small, small_cfg, small_msg) = shrink(fs, cfg, msg);
        let mut seeds: Vec<String> = failures.iter().map(|f| format!("{:#x}", f.0)).collect();
        seeds.dedup();
        seeds.truncate(20);
        panic!(
            "{} of {} configurations differ from the model. First: seed {seed:#x} (DIFFERENTIAL_SEED={seed:#x})\n\
             config: {}\nmismatch: {msg}\n\n\
             minimized ({} rows) with config: {}\nmismatch: {small_msg}\ncsv:\n{}\n\
             original csv:\n{}\nfailing seeds: {}",
            failures.len(),
            ran + errors + failures.len(),
            cfg.describe(),
            small.facts.len(),
            small_cfg.describe(),
            small.csv(),
            fs.csv(),
            seeds.join(", ")
        );
    }
    if seeds.len() > 20 {
        assert!(
            ran * 10 >= (ran + errors) * 8,
            "too few runnable configurations: {ran} ran, {errors} expected errors"
        );
        for key in [
            "grain=day",
            "grain=week",
            "grain=month",
            "tz=America/New_York",
            "tz=+09:00",
            "tz=-",
            "week_start=Some(Sunday)",
            "week_start=Some(Wednesday)",
            "through=true",
            "through=false",
            "report_from=true",
            "report_from=false",
            "int_ids=true",
            "int_ids=false",
        ] {
            assert!(
                coverage.get(key).copied().unwrap_or(0) > 0,
                "no case covered {key}"
            );
        }
    }
}

/// Larger random runs, checked only against the SPEC identities and the
/// agreement of the two row modes (no model: it would be slow here).
#[test]
fn identities_hold_on_larger_random_runs() {
    for i in 0..12u64 {
        let seed = splitmix(0x1DE7_0000 ^ i);
        let mut rng = Rng::new(seed);
        let ids = gen_ids(&mut rng, i % 4, 150);
        let base = ymd(2023, 9, 1) + rng.range(0, 200) as i32;
        let mut facts = Vec::new();
        for _ in 0..800 {
            let u = rng.below(ids.len() as u64).min(rng.below(ids.len() as u64)) as usize;
            let day = base + rng.range(0, 300) as i32;
            let (text, time) = gen_time(&mut rng, day);
            facts.push(Fact {
                id: ids[u].clone(),
                text,
                time,
            });
        }
        let fs = FactSet {
            facts,
            delimiter: b',',
            header: ("user_id", "event_time"),
            crlf: false,
        };
        let csv = fs.csv();
        for grain in Grain::ALL {
            let cfg = gen_config(&mut rng, &fs, grain);
            let runs: Vec<Activation> = [Rows::Changes, Rows::All]
                .into_iter()
                .filter_map(|rows| {
                    let r = run_engine(&csv, &cfg, rows);
                    if let Err(e) = &r {
                        assert!(
                            !e.starts_with("PANIC"),
                            "seed {seed:#x} {}: {e}",
                            cfg.describe()
                        );
                    }
                    let a = r.ok()?;
                    if let Err(e) = check_properties(&a, rows) {
                        panic!("seed {seed:#x} {} rows={rows:?}: {e}", cfg.describe());
                    }
                    Some(a)
                })
                .collect();
            if let [changes, all] = runs.as_slice() {
                if let Err(e) = check_modes_agree(changes, all) {
                    panic!("seed {seed:#x} {}: {e}", cfg.describe());
                }
            }
        }
    }
}

/// The model itself reproduces the worked example of SPEC section 10, and
/// the engine agrees with it there.
#[test]
fn model_reproduces_the_spec_worked_example() {
    let date = |s: &str| {
        let p: Vec<u32> = s.split('-').map(|x| x.parse().unwrap()).collect();
        ymd(p[0] as i32, p[1], p[2])
    };
    let fs = FactSet {
        facts: spec::facts()
            .iter()
            .map(|(u, d)| Fact {
                id: u.to_string(),
                text: d.to_string(),
                time: Time::Local(i64::from(date(d)) * US_PER_DAY),
            })
            .collect(),
        delimiter: b',',
        header: ("user_id", "event_date"),
        crlf: false,
    };
    let cfg = Config {
        grain: Grain::Week,
        week_start: None,
        tz: None,
        through: Some(date("2024-02-04")),
        report_from: None,
    };
    let m = model(&fs, &cfg, Rows::Changes).expect("runs");
    // user, period, state, previous, streak, inactive_streak, gap, churned_periods, active_periods, tenure
    type Expected = (
        &'static str,
        &'static str,
        State,
        Option<State>,
        u32,
        u32,
        Option<u32>,
        Option<u32>,
        u32,
        u32,
    );
    let mut table: Vec<Expected> = spec::states()
        .iter()
        .map(|r| {
            (
                r.text("user_id"),
                r.text("period_start"),
                r.get("state"),
                r.opt("previous_state"),
                r.get("streak"),
                r.get("inactive_streak"),
                r.opt("gap"),
                r.opt("churned_periods"),
                r.get("active_periods"),
                r.get("tenure"),
            )
        })
        .collect();
    table.sort_by_key(|t| (t.0, t.1));
    let mut rows: Vec<&StateOut> = m.states.iter().collect();
    rows.sort_by(|a, b| (&a.user, a.period_start).cmp(&(&b.user, b.period_start)));
    let got: Vec<Expected> = rows
        .iter()
        .map(|r| {
            let user = table.iter().find(|t| t.0 == r.user).expect("user").0;
            let period = table
                .iter()
                .find(|t| date(t.1) == r.period_start.0)
                .map_or("?", |t| t.1);
            (
                user,
                period,
                r.state,
                r.previous,
                r.streak,
                r.inactive_streak,
                r.gap,
                r.churned_periods,
                r.active_periods,
                r.tenure,
            )
        })
        .collect();
    assert_eq!(got, table);
    // period_start, active, new, retained, reactivated, churned, dormant, total_users
    let summary: Vec<(i32, [u64; 7])> = m
        .summary
        .iter()
        .map(|s| {
            (
                s.period_start.0,
                [
                    s.active,
                    s.new,
                    s.retained,
                    s.reactivated,
                    s.churned,
                    s.dormant,
                    s.total_users,
                ],
            )
        })
        .collect();
    let want: Vec<(i32, [u64; 7])> = spec::summary()
        .iter()
        .map(|w| (date(w.text("period_start")), spec::counts_but_inactive(w)))
        .collect();
    assert_eq!(summary, want);
    let rates: Vec<_> = m
        .summary
        .iter()
        .map(|s| {
            [
                s.retention_rate,
                s.churn_rate,
                s.reactivation_rate,
                s.quick_ratio,
            ]
        })
        .collect();
    let want: Vec<_> = spec::summary().iter().map(spec::rates).collect();
    assert_eq!(rates, want);
    // A user's dates and the columns of one grain, as text.
    let columns = |s: &SnapshotOut, g: &GrainOut| {
        (
            format_day(s.first_active_date.0),
            format_day(s.last_active_date.0),
            g.previous_active_date.map(|d| format_day(d.0)),
            g.streak,
            g.active_periods,
        )
    };
    let weekly: Vec<_> = m
        .snapshot
        .iter()
        .map(|s| (s.user.as_str(), columns(s, &s.weekly)))
        .collect();
    let want: Vec<_> = spec::users()
        .into_iter()
        .map(|u| (u, spec::snapshot_columns(u, "weekly")))
        .collect();
    assert_eq!(weekly, want);
    let dave = &m.snapshot[3];
    assert_eq!(
        columns(dave, &dave.daily),
        spec::snapshot_columns("dave", "daily")
    );
    assert_eq!(
        columns(dave, &dave.monthly),
        spec::snapshot_columns("dave", "monthly")
    );
    let last: Vec<_> = m
        .cohorts
        .iter()
        .filter(|c| c.period_start.0 == date("2024-01-29"))
        .map(|c| (c.cohort.0, c.cohort_size, c.active_users))
        .collect();
    let want: Vec<_> = spec::cohorts()
        .iter()
        .filter(|c| c.text("period_start") == "2024-01-29")
        .map(|c| {
            let cohort = date(c.text("cohort_period"));
            (cohort, c.get("cohort_size"), c.get("active_users"))
        })
        .collect();
    assert_eq!(last, want);

    check_case(&fs, &cfg).unwrap_or_else(|e| panic!("engine vs model on the SPEC example: {e}"));
}

/// The hand-written New York rules of the model, at the 2023-2025 DST edges.
#[test]
fn model_time_zone_rules() {
    assert_eq!(nth_sunday(2023, 3, 2), ymd(2023, 3, 12));
    assert_eq!(nth_sunday(2023, 11, 1), ymd(2023, 11, 5));
    assert_eq!(nth_sunday(2024, 3, 2), ymd(2024, 3, 10));
    assert_eq!(nth_sunday(2024, 11, 1), ymd(2024, 11, 3));
    assert_eq!(nth_sunday(2025, 3, 2), ymd(2025, 3, 9));
    assert_eq!(nth_sunday(2025, 11, 1), ymd(2025, 11, 2));
    let at = |y, m, d, h: i64, min: i64| {
        Time::Instant(i64::from(ymd(y, m, d)) * US_PER_DAY + (h * 3600 + min * 60) * US_PER_SEC)
    };
    let ny = ModelZone::NewYork;
    // Before the spring change: 04:30Z is 23:30 EST the day before.
    assert_eq!(local_day(at(2024, 3, 10, 4, 30), ny), ymd(2024, 3, 9));
    // After it: 04:30Z is 00:30 EDT.
    assert_eq!(local_day(at(2024, 3, 11, 4, 30), ny), ymd(2024, 3, 11));
    // Still EDT on the morning of the autumn change: 04:30Z is 00:30.
    assert_eq!(local_day(at(2024, 11, 3, 4, 30), ny), ymd(2024, 11, 3));
    // Then EST: 04:30Z is 23:30 the day before.
    assert_eq!(local_day(at(2024, 11, 4, 4, 30), ny), ymd(2024, 11, 3));
    assert_eq!(
        local_day(at(2024, 1, 1, 14, 59), ModelZone::Plus9),
        ymd(2024, 1, 1)
    );
    assert_eq!(
        local_day(at(2024, 1, 1, 15, 0), ModelZone::Plus9),
        ymd(2024, 1, 2)
    );
}

/// Instants around local midnight on DST change days, one user each, in
/// New York: each user's first_active_date is the local date.
#[test]
fn new_york_dates_around_dst_changes() {
    let cases = [
        ("2024-03-10T04:59:59Z", "2024-03-09"),
        ("2024-03-10T05:00:01Z", "2024-03-10"),
        ("2024-03-11T03:59:59Z", "2024-03-10"),
        ("2024-03-11T04:00:01Z", "2024-03-11"),
        ("2024-11-03T03:59:59Z", "2024-11-02"),
        ("2024-11-03T04:00:01Z", "2024-11-03"),
        ("2024-11-04T04:59:59Z", "2024-11-03"),
        ("2024-11-04T05:00:01Z", "2024-11-04"),
        ("2024-07-01T03:30:00Z", "2024-06-30"),
        ("2024-12-31T23:30:00-05:00", "2024-12-31"),
    ];
    let mut csv = String::from("user_id,event_time\n");
    for (i, (t, _)) in cases.iter().enumerate() {
        csv.push_str(&format!("u{i:02},{t}\n"));
    }
    let cfg = Config {
        grain: Grain::Day,
        week_start: None,
        tz: Some("America/New_York"),
        through: None,
        report_from: None,
    };
    let a = run_engine(&csv, &cfg, Rows::Changes).expect("runs");
    for (i, (t, want)) in cases.iter().enumerate() {
        let u = a.ids().find(&format!("u{i:02}")).expect("user");
        let got = format_day(a.snapshot.users[u as usize].first_active_date);
        assert_eq!(&got, want, "{t} in America/New_York");
    }
}
