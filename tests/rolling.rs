//! Rolling activity and depth of use (SPEC section 12): the worked example;
//! on random facts (instants around midnight in DST zones and fixed
//! offsets, every week start and grain, spans of over a year, random
//! windows) both tables against a deliberately naive model: a window scan
//! per day and a day count per user and period, on dates the model takes
//! from chrono-tz, not from the engine; format-1 and hostile snapshots;
//! the windows option's errors. Incremental equivalence of both tables is
//! part of the chains of `tests/incremental.rs`, and the segments' of
//! `tests/segments.rs`.
//!
//! Random cases follow `tests/common/prop.rs` (`ACTIVATION_TEST_SEED`,
//! `_CASE`, `_SCALE`).

#[path = "common/prop.rs"]
mod prop;
#[path = "common/spec.rs"]
mod spec;

use prop::{Cases, Rng};

use std::collections::BTreeSet;

use activation_layer::output::TableKind;
use activation_layer::read::Table;
use activation_layer::write::{parquet_bytes, table_bytes, OutputFormat};
use activation_layer::{run, Activation, Grain, InputFile, Kind, RunOptions, Settings, Weekday};
use arrow_array::{Int32Array, RecordBatch};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

fn csv(a: &Activation, kind: TableKind) -> String {
    String::from_utf8(table_bytes(a, kind, OutputFormat::Csv).expect("a table")).unwrap()
}

fn day(s: &str) -> i32 {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    (d - epoch()).num_days() as i32
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
}

fn facts(name: &str, text: String) -> InputFile {
    InputFile::bytes(name, text.into_bytes())
}

fn example_options() -> RunOptions {
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    o
}

#[test]
fn the_spec_example() {
    let example = InputFile::bytes("spec_example.csv", spec::FACTS_CSV.to_vec());
    let a = run(&[example], None, &example_options()).unwrap();
    assert_eq!(csv(&a, TableKind::Activity), spec::ACTIVITY_CSV);
    assert_eq!(csv(&a, TableKind::Depth), spec::DEPTH_CSV);
    // SPEC section 12's sentences, read off the table.
    let rows = spec::records(spec::ACTIVITY_CSV);
    let on = |d: &str| rows.iter().find(|r| r.text("date") == d).unwrap();
    let r = on("2024-01-31");
    assert_eq!(
        [
            r.text("active_1d"),
            r.text("active_7d"),
            r.text("active_28d")
        ],
        ["1", "2", "3"]
    );
    assert_eq!(r.get::<f64>("stickiness_7d"), 0.5);
    assert_eq!(r.get::<f64>("stickiness_28d"), 1.0 / 3.0);
    assert_eq!(on("2024-01-05").text("complete_7d"), "false");
    // Each week's users add up to its active users.
    for s in spec::summary() {
        let users: u64 = spec::records(spec::DEPTH_CSV)
            .iter()
            .filter(|d| d.text("period_start") == s.text("period_start"))
            .map(|d| d.get::<u64>("users"))
            .sum();
        assert_eq!(users, s.get::<u64>("active"), "{}", s.text("period_start"));
    }
    // A daily run has no depth table; its activity table is the same.
    let mut o = example_options();
    o.grain = Grain::Day;
    let example = InputFile::bytes("spec_example.csv", spec::FACTS_CSV.to_vec());
    let daily = run(&[example], None, &o).unwrap();
    assert_eq!(csv(&daily, TableKind::Activity), spec::ACTIVITY_CSV);
    let e = table_bytes(&daily, TableKind::Depth, OutputFormat::Csv).unwrap_err();
    assert_eq!(e.kind(), Kind::Usage);
    assert!(e.to_string().contains("no depth table"), "{e}");
    assert!(!daily.layer().tables().any(|t| t == TableKind::Depth));
}

#[test]
fn windows_are_checked() {
    let with = |w: Vec<u32>| {
        Settings {
            windows: Some(w),
            ..Settings::default()
        }
        .to_options()
    };
    for (w, says) in [
        (vec![7, 1], "1 is not"),
        (vec![91], "91 is not"),
        (vec![0, 28], "0 is not"),
        (vec![28, 7, 28], "28 is given twice"),
    ] {
        let e = with(w.clone()).unwrap_err();
        assert_eq!(e.kind(), Kind::Usage, "{w:?}");
        let m = e.to_string();
        assert!(m.contains("--windows") && m.contains(says), "{w:?}: {m}");
    }
    // Given in any order, the windows come out shortest first; none is
    // allowed (the daily actives alone).
    let o = with(vec![30, 2, 90]).unwrap();
    assert_eq!(o.windows.lengths(), &[2, 30, 90]);
    let example = || InputFile::bytes("spec_example.csv", spec::FACTS_CSV.to_vec());
    let mut opts = example_options();
    opts.windows = o.windows;
    let a = run(&[example()], None, &opts).unwrap();
    let header = csv(&a, TableKind::Activity);
    assert_eq!(
        header.lines().next().unwrap(),
        "date,active_1d,active_2d,stickiness_2d,complete_2d,active_30d,stickiness_30d,complete_30d,active_90d,stickiness_90d,complete_90d"
    );
    opts.windows = with(vec![]).unwrap().windows;
    let a = run(&[example()], None, &opts).unwrap();
    assert!(csv(&a, TableKind::Activity).starts_with("date,active_1d\n2024-01-01,1\n"));
}

// ---------------------------------------------------------------------------
// The naive model.

const ZONES: [&str; 6] = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "+05:30",
    "-03:00",
];

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// The local date of an instant, by chrono-tz or a fixed offset.
fn local_date(zone: &str, t: DateTime<Utc>) -> NaiveDate {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => t.with_timezone(&tz).date_naive(),
        Err(_) => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = zone[1..].split_once(':').unwrap();
            let secs = sign * (h.parse::<i32>().unwrap() * 3600 + m.parse::<i32>().unwrap() * 60);
            t.with_timezone(&FixedOffset::east_opt(secs).unwrap())
                .date_naive()
        }
    }
}

/// The first day of the period of `grain` holding `d`.
fn period_start(grain: Grain, week_start: usize, d: NaiveDate) -> NaiveDate {
    match grain {
        Grain::Day => d,
        Grain::Week => {
            let back = (d.weekday().num_days_from_monday() as usize + 7 - week_start) % 7;
            d - Duration::days(back as i64)
        }
        Grain::Month => d.with_day(1).unwrap(),
    }
}

fn next_period(grain: Grain, d: NaiveDate) -> NaiveDate {
    match grain {
        Grain::Day => d + Duration::days(1),
        Grain::Week => d + Duration::days(7),
        Grain::Month => (d + Duration::days(32)).with_day(1).unwrap(),
    }
}

struct Case {
    zone: &'static str,
    week_start: usize,
    grain: Grain,
    windows: Option<Vec<u32>>,
    /// Per user, the instants of their facts.
    users: Vec<Vec<DateTime<Utc>>>,
    through_after: Option<i64>,
    report_from_at: Option<u64>,
}

fn gen_case(rng: &mut Rng) -> Case {
    let span = 20 + rng.below(480) as i64;
    // Around the DST changes of both hemispheres.
    let base = Utc.with_ymd_and_hms(2023, 2, 20, 0, 0, 0).unwrap();
    let users = (0..2 + rng.below(30))
        .map(|_| {
            let mut at = rng.below(span as u64) as i64;
            let mut times = Vec::new();
            while at < span && times.len() < 60 {
                // Near midnight (UTC and local) half of the time.
                let secs = if rng.below(2) == 0 {
                    rng.below(86_400)
                } else {
                    (86_400 + rng.below(7200) - 3600) % 86_400
                } as i64;
                times.push(base + Duration::days(at) + Duration::seconds(secs));
                at += match rng.below(4) {
                    0 => 0,
                    1 => 1,
                    2 => rng.below(10),
                    _ => rng.below(60),
                } as i64;
            }
            times
        })
        .collect();
    let windows = match rng.below(3) {
        0 => None,
        _ => {
            let mut w: Vec<u32> = (0..1 + rng.below(3))
                .map(|_| 2 + rng.below(89) as u32)
                .collect();
            w.sort_unstable();
            w.dedup();
            Some(w)
        }
    };
    Case {
        zone: rng.pick(&ZONES),
        week_start: rng.below(7) as usize,
        grain: rng.pick(&[Grain::Day, Grain::Week, Grain::Month]),
        windows,
        users,
        through_after: (rng.below(3) == 0).then(|| rng.below(40) as i64),
        report_from_at: (rng.below(3) == 0).then(|| rng.next()),
    }
}

/// The model's tables, as the engine's CSV would hold them.
struct Expected {
    activity: Vec<Vec<String>>,
    depth: Vec<Vec<String>>,
}

fn model(c: &Case, through: NaiveDate, report_from: NaiveDate) -> Expected {
    let days: Vec<BTreeSet<NaiveDate>> = c
        .users
        .iter()
        .map(|ts| ts.iter().map(|t| local_date(c.zone, *t)).collect())
        .collect();
    let history = days.iter().flatten().min().copied().unwrap();
    let windows = c.windows.clone().unwrap_or(vec![7, 28]);
    let mut header = vec!["date".to_string(), "active_1d".to_string()];
    for n in &windows {
        header.extend([
            format!("active_{n}d"),
            format!("stickiness_{n}d"),
            format!("complete_{n}d"),
        ]);
    }
    let mut activity = vec![header];
    let mut d = period_start(c.grain, c.week_start, report_from);
    while d <= through {
        let a1 = days.iter().filter(|s| s.contains(&d)).count();
        let mut row = vec![d.to_string(), a1.to_string()];
        for &n in &windows {
            let lo = d - Duration::days(n as i64 - 1);
            let an = days
                .iter()
                .filter(|s| s.range(lo..=d).next().is_some())
                .count();
            row.push(an.to_string());
            row.push(if an == 0 {
                String::new()
            } else {
                (a1 as f64 / an as f64).to_string()
            });
            row.push((lo >= history).to_string());
        }
        activity.push(row);
        d += Duration::days(1);
    }
    let mut depth = vec![vec![
        "period_start".into(),
        "days_active".into(),
        "users".into(),
    ]];
    if c.grain != Grain::Day {
        let mut p = period_start(c.grain, c.week_start, report_from);
        while p <= through {
            let next = next_period(c.grain, p);
            let mut by_days = vec![0u64; (next - p).num_days() as usize];
            for s in &days {
                let k = s.range(p..next).count();
                if k > 0 {
                    by_days[k - 1] += 1;
                }
            }
            for (k, n) in by_days.iter().enumerate() {
                depth.push(vec![p.to_string(), (k + 1).to_string(), n.to_string()]);
            }
            p = next;
        }
    }
    Expected { activity, depth }
}

fn cells(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Runs one random case; false when it made no facts.
fn check_case(seed: u64) -> bool {
    let mut rng = Rng::new(seed);
    let c = gen_case(&mut rng);
    let mut text = String::from("user_id,event_time\n");
    for (u, ts) in c.users.iter().enumerate() {
        for t in ts {
            text.push_str(&format!("u{u},{}\n", t.format("%Y-%m-%dT%H:%M:%SZ")));
        }
    }
    let locals: Vec<NaiveDate> = c
        .users
        .iter()
        .flatten()
        .map(|t| local_date(c.zone, *t))
        .collect();
    let (Some(&first), Some(&last)) = (locals.iter().min(), locals.iter().max()) else {
        return false;
    };
    let through = last + Duration::days(c.through_after.unwrap_or(0));
    let report_from = match c.report_from_at {
        Some(r) => first + Duration::days((r % ((last - first).num_days() as u64 + 1)) as i64),
        None => first,
    };
    let mut o = RunOptions::new(c.grain);
    o.timezone = Some(c.zone.parse().unwrap());
    o.week_start = Some(WEEKDAYS[c.week_start]);
    o.through = c
        .through_after
        .map(|_| (through - epoch()).num_days() as i32);
    o.report_from = c
        .report_from_at
        .map(|_| (report_from - epoch()).num_days() as i32);
    if let Some(w) = &c.windows {
        o.windows = activation_layer::rolling::Windows::new(w).unwrap();
    }
    let ctx = format!(
        "seed {seed:#x}: zone {}, week start {:?}, {}, windows {:?}, through {through}, report from {report_from}",
        c.zone, WEEKDAYS[c.week_start], c.grain, c.windows
    );
    let a = run(&[facts("facts.csv", text)], None, &o)
        .unwrap_or_else(|e| panic!("{ctx}: the run failed: {e}"));
    let want = model(&c, through, report_from);
    let got = cells(&csv(&a, TableKind::Activity));
    assert_eq!(got[0], want.activity[0], "{ctx}: activity header");
    assert_eq!(got.len(), want.activity.len(), "{ctx}: activity rows");
    for (g, w) in got.iter().zip(&want.activity) {
        assert_eq!(g, w, "{ctx}: activity on {}", w[0]);
    }
    if c.grain != Grain::Day {
        assert_eq!(
            cells(&csv(&a, TableKind::Depth)),
            want.depth,
            "{ctx}: depth"
        );
    }
    true
}

#[test]
fn activity_and_depth_match_the_naive_model() {
    let mut cases = Cases::new("activity_and_depth_match_the_naive_model", 200);
    cases.run(|_, seed| check_case(seed));
    cases.finish(0.9);
}

// ---------------------------------------------------------------------------
// Snapshots without active days per period, and snapshots that lie.

/// Facts of one user active Monday to Wednesday of a week, then later.
fn three_days() -> (InputFile, InputFile, InputFile) {
    let rows = [
        "2024-01-08",
        "2024-01-09",
        "2024-01-10",
        "2024-01-12",
        "2024-01-16",
    ];
    // y is active once, on the Tuesday before.
    let file = |keep: &dyn Fn(&str) -> bool| {
        let mut t = String::from("user_id,event_date\n");
        for d in rows.iter().filter(|d| keep(d)) {
            t.push_str(&format!("x,{d}\n"));
        }
        if keep("2024-01-02") {
            t.push_str("y,2024-01-02\n");
        }
        facts("facts.csv", t)
    };
    (
        file(&|_| true),
        file(&|d| d <= "2024-01-10"),
        file(&|d| d > "2024-01-10"),
    )
}

/// The snapshot of `a` with its columns edited by `edit` and its metadata by `meta`.
fn edited_snapshot(
    a: &Activation,
    edit: impl Fn(&RecordBatch) -> RecordBatch,
    meta: impl Fn(&mut Vec<(String, String)>),
) -> InputFile {
    let bytes = table_bytes(a, TableKind::Snapshot, OutputFormat::Parquet).unwrap();
    let t = Table::read(&InputFile::bytes("snap.parquet", bytes)).unwrap();
    let mut metadata = t.metadata.clone();
    meta(&mut metadata);
    InputFile::bytes(
        "snap.parquet",
        parquet_bytes(&edit(&t.batch), &metadata).unwrap(),
    )
}

fn weekly_through(d: &str) -> RunOptions {
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day(d));
    o
}

#[test]
fn a_format_1_snapshot_counts_the_fewest_days_and_is_not_exact() {
    let (all, before, after) = three_days();
    let full = run(&[all], None, &weekly_through("2024-01-21")).unwrap();
    let first = run(&[before], None, &weekly_through("2024-01-10")).unwrap();
    assert_eq!(first.snapshot.meta.format_version, 2);
    let x = first.snapshot.users[0];
    assert_eq!((x.grains[1].active_days, x.grains[2].active_days), (3, 3));
    // Format 2: the resumed run is exact, and its depth is the full run's.
    let snap2 = edited_snapshot(&first, |b| b.clone(), |_| {});
    let resumed = run(
        std::slice::from_ref(&after),
        Some(&snap2),
        &weekly_through("2024-01-21"),
    )
    .unwrap();
    assert!(resumed.quality.exact && resumed.snapshot.meta.exact);
    let from_week_of_8th = |a: &Activation| -> Vec<String> {
        csv(a, TableKind::Depth)
            .lines()
            .skip(1)
            .filter(|l| *l >= "2024-01-08")
            .map(str::to_string)
            .collect()
    };
    assert_eq!(from_week_of_8th(&resumed), from_week_of_8th(&full));
    // Format 1: no active days; x counts its first and last days of the
    // week (Monday, Wednesday), 2 of 3, and Friday makes 3 of 4.
    let snap1 = edited_snapshot(
        &first,
        |b| {
            let keep: Vec<usize> = (0..b.num_columns())
                .filter(|&i| !b.schema().field(i).name().ends_with("_active_days"))
                .collect();
            b.project(&keep).unwrap()
        },
        |m| {
            m.iter_mut()
                .filter(|(k, _)| k == "format_version")
                .for_each(|(_, v)| *v = "1".into())
        },
    );
    let old = run(&[after], Some(&snap1), &weekly_through("2024-01-21")).unwrap();
    assert!(!old.snapshot.meta.exact);
    assert_eq!(old.quality.snapshot_exact, Some(false));
    assert!(!old.quality.exact);
    assert!(
        old.quality.warnings.iter().any(|w| w.contains("format 1")),
        "{:?}",
        old.quality.warnings
    );
    let week_of_8th = |a: &Activation| -> Vec<String> {
        csv(a, TableKind::Depth)
            .lines()
            .filter(|l| l.starts_with("2024-01-08"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        week_of_8th(&full),
        [
            "2024-01-08,1,0",
            "2024-01-08,2,0",
            "2024-01-08,3,0",
            "2024-01-08,4,1",
            "2024-01-08,5,0",
            "2024-01-08,6,0",
            "2024-01-08,7,0"
        ]
    );
    assert_eq!(week_of_8th(&old)[2], "2024-01-08,3,1", "a lower bound");
    // Rolling counts need only the last active date: still exact.
    assert_eq!(
        csv(&old, TableKind::Activity),
        csv(&resumed, TableKind::Activity)
    );
    // x's January: the format-1 snapshot's 2 days, then the 12th and 16th.
    assert_eq!(old.snapshot.ids.display(0), "x");
    assert_eq!(old.snapshot.users[0].grains[2].active_days, 2 + 2);
    assert_eq!(full.snapshot.users[0].grains[2].active_days, 5);
}

#[test]
fn snapshot_active_days_beyond_their_dates_are_named_errors() {
    let (_, before, after) = three_days();
    let first = run(&[before], None, &weekly_through("2024-01-10")).unwrap();
    let with_weekly_days = |v: i32| {
        edited_snapshot(
            &first,
            |b| {
                let i = b.schema().index_of("weekly_active_days").unwrap();
                let mut columns = b.columns().to_vec();
                columns[i] = std::sync::Arc::new(Int32Array::from(vec![v; b.num_rows()]));
                RecordBatch::try_new(b.schema(), columns).unwrap()
            },
            |_| {},
        )
    };
    for (v, says) in [
        (
            4,
            "weekly_active_days 4 does not fit the days from 2024-01-08",
        ),
        (0, "weekly_active_days must be a positive integer"),
        (-3, "weekly_active_days must be a positive integer"),
    ] {
        let e = run(
            std::slice::from_ref(&after),
            Some(&with_weekly_days(v)),
            &weekly_through("2024-01-21"),
        )
        .unwrap_err();
        let m = e.to_string();
        assert!(m.contains("snap.parquet") && m.contains(says), "{v}: {m}");
    }
    // y's first and last active dates are one day, its only one.
    let e = run(
        &[after],
        Some(&with_weekly_days(3)),
        &weekly_through("2024-01-21"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("user y"), "{e}");
}
