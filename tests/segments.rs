//! Segments (SPEC section 11), the partition kind: the worked example, and
//! on random data the properties that define it: every user's states are
//! the unsegmented run's, and the segments' counts add up to the
//! unsegmented summary, transitions and cohorts, resumed runs included.

#[path = "common/prop.rs"]
mod prop;
#[path = "common/spec.rs"]
mod spec;

use std::collections::BTreeMap;

use activation_layer::output::TableKind;
use activation_layer::segment::SegmentValue;
use activation_layer::write::{table_bytes, OutputFormat};
use activation_layer::{run, Activation, Grain, InputFile, Rows, RunOptions, Weekday};
use prop::{Cases, Rng};

fn table(a: &Activation, kind: TableKind) -> Vec<Vec<String>> {
    let bytes = table_bytes(a.layer(), kind, OutputFormat::Csv).expect("a table");
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn partitioned(mut o: RunOptions, users: &str, attribute: &str) -> RunOptions {
    o.users = Some(InputFile::bytes("users.csv", users.as_bytes().to_vec()));
    o.segment_by = Some(attribute.to_string());
    o
}

fn example_options() -> RunOptions {
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(spec_day("2024-02-04"));
    o
}

fn spec_day(s: &str) -> i32 {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

fn example_facts() -> InputFile {
    InputFile::bytes("spec_example.csv", spec::FACTS_CSV.to_vec())
}

#[test]
fn the_spec_example_partitioned_by_plan() {
    let o = partitioned(example_options(), spec::PLAN_USERS_CSV, "plan");
    let a = run(&[example_facts()], None, &o).unwrap();
    assert_eq!(a.fact, "spec_example");
    assert_eq!(a.layer().fact(), "spec_example_by_plan");
    let summary = table(&a, TableKind::Summary);
    assert_eq!(
        summary[0][..5],
        [
            "segment",
            "period_start",
            "period_end",
            "complete",
            "active"
        ]
    );
    let mut active: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut order = Vec::new();
    for r in &summary[1..] {
        if !order.contains(&r[0]) {
            order.push(r[0].clone());
        }
        active
            .entry(r[0].clone())
            .or_default()
            .push(r[4].parse().unwrap());
    }
    assert_eq!(order, ["free", "pro", ""], "segment order, null last");
    for (segment, expected) in spec::PLAN_ACTIVE {
        assert_eq!(active[segment], expected, "segment {segment:?}");
    }
    // The states are the unsegmented run's, each row under its user's plan.
    let plain = run(&[example_facts()], None, &example_options()).unwrap();
    let states = table(&a, TableKind::States);
    assert_eq!(states[0][0], "segment");
    let plan = |user: &str| match user {
        "alice" | "carol" => "pro",
        "bob" => "free",
        _ => "",
    };
    let mut segmented: Vec<Vec<String>> = states[1..]
        .iter()
        .map(|r| {
            assert_eq!(r[0], plan(&r[1]), "{r:?}");
            r[1..].to_vec()
        })
        .collect();
    let mut unsegmented = table(&plain, TableKind::States)[1..].to_vec();
    segmented.sort();
    unsegmented.sort();
    assert_eq!(segmented, unsegmented);
    // A partition run's snapshot is the unsegmented one.
    assert_eq!(
        table_bytes(a.layer(), TableKind::Snapshot, OutputFormat::Parquet).unwrap(),
        table_bytes(&plain, TableKind::Snapshot, OutputFormat::Parquet).unwrap()
    );
    assert_eq!(
        a.quality.segments, None,
        "the run's own report has no segments"
    );
    let counts = a.layer().quality().segments.clone().unwrap();
    let c: Vec<(String, u64, u64)> = counts
        .iter()
        .map(|c| (c.segment.to_string(), c.rows, c.users))
        .collect();
    assert_eq!(
        c,
        [
            ("\"free\"".to_string(), 1, 1),
            ("\"pro\"".to_string(), 6, 2),
            ("null".to_string(), 4, 1)
        ]
    );
}

#[test]
fn users_tables_that_cannot_partition_a_run_are_named_errors() {
    let err = |users: &str, attribute: &str, max: Option<usize>| {
        let mut o = partitioned(example_options(), users, attribute);
        if let Some(m) = max {
            o.max_segments = m;
        }
        run(&[example_facts()], None, &o).unwrap_err().to_string()
    };
    let e = err(
        "user_id,plan\nalice,pro\nbob,free\nalice,free\n",
        "plan",
        None,
    );
    assert!(
        e.contains("users.csv")
            && e.contains("1 user ids appear on more than one row (such as alice)"),
        "{e}"
    );
    // Integer facts' ids against a users table of text ids.
    let mut o = partitioned(example_options(), "user_id,plan\nalice,pro\n", "plan");
    o.through = None;
    let int_facts = InputFile::bytes("ints.csv", b"user_id,event_date\n1,2024-01-01\n".to_vec());
    let e = run(&[int_facts], None, &o).unwrap_err().to_string();
    assert!(
        e.contains("holds text (such as \"alice\") user ids but the facts' user ids are integers"),
        "{e}"
    );
    let e = err(spec::PLAN_USERS_CSV, "tier", None);
    assert!(
        e.contains("users.csv")
            && e.contains("tier")
            && e.contains("its columns are user_id, plan"),
        "{e}"
    );
    let e = err(spec::PLAN_USERS_CSV, "plan", Some(2));
    assert!(
        e.contains(
            "has 3 distinct values (such as \"free\", \"pro\", null), more than --max-segments 2"
        ),
        "{e}"
    );
    let e = err("customer,plan\nalice,pro\n", "plan", None);
    assert!(
        e.contains("no id column") && e.contains("--users-id-col"),
        "{e}"
    );
    let mut o = example_options();
    o.segment_by = Some("plan".into());
    let e = run(&[example_facts()], None, &o).unwrap_err().to_string();
    assert!(e.contains("needs the users table"), "{e}");
}

/// Options of one random case: its grain by `case`, a random week start
/// and row mode, through the last day of its facts (`last` days after
/// 2024-01-01).
fn random_options(rng: &mut Rng, case: usize, last: i32) -> RunOptions {
    let mut o = RunOptions::new([Grain::Day, Grain::Week, Grain::Month][case % 3]);
    o.week_start = Some(
        [
            Weekday::Monday,
            Weekday::Sunday,
            Weekday::Wednesday,
            Weekday::Thursday,
        ][rng.below(4) as usize],
    );
    o.rows = if rng.below(2) == 0 {
        Rows::Changes
    } else {
        Rows::All
    };
    o.through = Some(spec_day("2024-01-01") + last);
    o
}

/// Random facts over `days` days from 2024-01-01 and a users table giving
/// most users one of three plans (some none, some a null plan).
fn dataset(rng: &mut Rng, days: i32) -> (Vec<(u32, i32)>, String) {
    let facts: Vec<(u32, i32)> = random_facts(rng, days, 40)
        .into_iter()
        .map(|(u, d, _)| (u, d))
        .collect();
    let users = facts.iter().map(|f| f.0 + 1).max().unwrap_or(0);
    let mut table = String::from("user_id,plan\n");
    for u in 0..users + 5 {
        match rng.below(5) {
            0 => {}
            1 => table.push_str(&format!("u{u},\n")),
            k => table.push_str(&format!(
                "u{u},{}\n",
                ["basic", "pro", "team"][k as usize - 2]
            )),
        }
    }
    (facts, table)
}

fn facts_file(facts: &[(u32, i32)], keep: impl Fn(i32) -> bool) -> InputFile {
    let mut csv = String::from("user_id,event_date\n");
    for &(u, d) in facts.iter().filter(|f| keep(f.1)) {
        let date =
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(d as u64);
        csv.push_str(&format!("u{u},{date}\n"));
    }
    InputFile::bytes("facts.csv", csv.into_bytes())
}

/// Sums the numeric cells of `rows` (without their segment column) by
/// the key cells `key`, keeping `value` columns.
fn sums(rows: &[Vec<String>], key: &[usize], values: &[usize]) -> BTreeMap<Vec<String>, Vec<u64>> {
    let mut out: BTreeMap<Vec<String>, Vec<u64>> = BTreeMap::new();
    for r in rows {
        let k: Vec<String> = key.iter().map(|&i| r[i].clone()).collect();
        let e = out.entry(k).or_insert_with(|| vec![0; values.len()]);
        for (slot, &i) in e.iter_mut().zip(values) {
            *slot += r[i].parse::<u64>().unwrap();
        }
    }
    out
}

/// The segments' counts add up to the unsegmented run's, and its states
/// are the unsegmented run's, on random data, every grain, both row
/// modes, fresh and resumed from a snapshot.
#[test]
fn partition_counts_add_up_to_the_unsegmented_run() {
    let mut cases = Cases::new("partition_counts_add_up_to_the_unsegmented_run", 60);
    cases.run(|case, seed| {
        let mut rng = Rng::new(seed);
        let days = 20 + rng.below(100) as i32;
        let (facts, users) = dataset(&mut rng, days);
        if facts.is_empty() {
            return false;
        }
        let last = facts.iter().map(|f| f.1).max().unwrap();
        let mut o = random_options(&mut rng, case, last);
        let grain = o.grain;
        // Resumed: a first run through a cut, then the rest from its
        // snapshot; both partitioned.
        let cut = (case % 2 == 1).then(|| rng.below(last as u64 + 1) as i32);
        let (file, snapshot) = match cut {
            Some(c) if facts.iter().any(|f| f.1 <= c) && c < last => {
                let mut first = RunOptions::new(grain);
                first.week_start = o.week_start;
                first.through = Some(spec_day("2024-01-01") + c);
                let a = run(&[facts_file(&facts, |d| d <= c)], None, &first).unwrap();
                let snap = InputFile::bytes(
                    "snap.parquet",
                    table_bytes(&a, TableKind::Snapshot, OutputFormat::Parquet).unwrap(),
                );
                o.report_from = None;
                (facts_file(&facts, |d| d > c), Some(snap))
            }
            _ => (facts_file(&facts, |_| true), None),
        };
        let plain = match run(std::slice::from_ref(&file), snapshot.as_ref(), &o) {
            Ok(a) => a,
            // A cut that leaves no rows to report is refused alike with segments.
            Err(e) => {
                let seg = run(&[file], snapshot.as_ref(), &partitioned(o, &users, "plan"));
                let seg = seg.unwrap_err();
                assert_eq!(
                    (seg.kind(), seg.to_string()),
                    (e.kind(), e.to_string()),
                    "seed {seed:#x}"
                );
                return false;
            }
        };
        let partition = partitioned(o, &users, "plan");
        let seg = run(std::slice::from_ref(&file), snapshot.as_ref(), &partition).unwrap();
        let ctx = format!("seed {seed:#x} ({grain}, cut {cut:?})\nusers:\n{users}");
        // Asked for its segmented layer alone (as the CLI asks), the same
        // layer, snapshot and report, and no layer without segments.
        let mut alone = partition.clone();
        alone.unsegmented = false;
        let one = run(&[file], snapshot.as_ref(), &alone).unwrap();
        for kind in seg.layer().tables() {
            assert_eq!(
                table(&one, kind),
                table(&seg, kind),
                "{ctx}: one layer, {}",
                kind.as_str()
            );
        }
        assert_eq!(
            one.layer().quality(),
            seg.layer().quality(),
            "{ctx}: one layer"
        );
        assert_eq!(one.snapshot, seg.snapshot, "{ctx}: one layer's snapshot");
        let plain_table =
            activation_layer::write::table_bytes(&one, TableKind::Summary, OutputFormat::Csv);
        assert!(plain_table.is_err(), "{ctx}: no layer without segments");
        // The partition's snapshot (the run's) fits the size its writer
        // reserves.
        let ipc = table_bytes(one.layer(), TableKind::Snapshot, OutputFormat::Arrow).unwrap();
        let bound = one.layer().arrow_size_bound(TableKind::Snapshot).unwrap();
        assert!(
            ipc.len() <= bound,
            "{ctx}: snapshot {} bytes over {bound}",
            ipc.len()
        );
        let (q, sq) = (&plain.quality, seg.layer().quality());
        assert_eq!(
            (
                sq.total_users,
                sq.snapshot_users,
                sq.new_users,
                sq.rows_used
            ),
            (q.total_users, q.snapshot_users, q.new_users, q.rows_used),
            "{ctx}"
        );
        // States: the unsegmented rows, under the user's plan.
        let plans: BTreeMap<String, String> = users
            .lines()
            .skip(1)
            .map(|l| {
                let (u, p) = l.split_once(',').unwrap();
                (u.to_string(), p.to_string())
            })
            .collect();
        let states = table(&seg, TableKind::States);
        let mut segmented: Vec<Vec<String>> = states[1..]
            .iter()
            .map(|r| {
                assert_eq!(&r[0], plans.get(&r[1]).map_or("", String::as_str), "{ctx}");
                r[1..].to_vec()
            })
            .collect();
        let mut unsegmented = table(&plain, TableKind::States)[1..].to_vec();
        segmented.sort();
        unsegmented.sort();
        assert_eq!(segmented, unsegmented, "{ctx}");
        // Summary counts (active .. total_users), transitions, cohorts.
        let summary = table(&plain, TableKind::Summary);
        let counts: Vec<usize> = (3..11).collect();
        let shifted: Vec<usize> = counts.iter().map(|i| i + 1).collect();
        let seg_summary = table(&seg, TableKind::Summary);
        assert_eq!(seg_summary[0][1..], summary[0][..], "{ctx}");
        assert_eq!(
            sums(&seg_summary[1..], &[1, 2, 3], &shifted),
            sums(&summary[1..], &[0, 1, 2], &counts),
            "{ctx}"
        );
        let segments = seg.segments.as_ref().unwrap();
        for (value, layer) in &segments.layers {
            assert_eq!(
                layer.aggregates.summary.len(),
                plain.aggregates.summary.len(),
                "{ctx}: segment {value} reports every period"
            );
        }
        let transitions = table(&plain, TableKind::Transitions);
        let seg_transitions = table(&seg, TableKind::Transitions);
        let n = transitions[0].len();
        assert_eq!(
            sums(&seg_transitions[1..], &(1..n).collect::<Vec<_>>(), &[n]),
            sums(&transitions[1..], &(0..n - 1).collect::<Vec<_>>(), &[n - 1]),
            "{ctx}"
        );
        let cohorts = table(&plain, TableKind::Cohorts);
        let col = |t: &[Vec<String>], name: &str| t[0].iter().position(|c| c == name).unwrap();
        let key = |t: &[Vec<String>]| vec![col(t, "cohort_period"), col(t, "period_start")];
        let vals = |t: &[Vec<String>]| vec![col(t, "cohort_size"), col(t, "active_users")];
        assert_eq!(
            sums(
                &table(&seg, TableKind::Cohorts)[1..],
                &key(&table(&seg, TableKind::Cohorts)),
                &vals(&table(&seg, TableKind::Cohorts))
            ),
            sums(&cohorts[1..], &key(&cohorts), &vals(&cohorts)),
            "{ctx}"
        );
        // SPEC section 12: active users per day and window, and users per
        // period and days active, add up too.
        let activity = table(&plain, TableKind::Activity);
        let seg_activity = table(&seg, TableKind::Activity);
        assert_eq!(seg_activity[0][1..], activity[0][..], "{ctx}");
        let active = |t: &[Vec<String>]| -> Vec<usize> {
            (0..t[0].len())
                .filter(|&i| t[0][i].starts_with("active_"))
                .collect()
        };
        assert_eq!(
            sums(
                &seg_activity[1..],
                &[col(&seg_activity, "date")],
                &active(&seg_activity)
            ),
            sums(
                &activity[1..],
                &[col(&activity, "date")],
                &active(&activity)
            ),
            "{ctx}"
        );
        if grain != Grain::Day {
            let depth = table(&plain, TableKind::Depth);
            let seg_depth = table(&seg, TableKind::Depth);
            assert_eq!(
                sums(&seg_depth[1..], &[1, 2], &[3]),
                sums(&depth[1..], &[0, 1], &[2]),
                "{ctx}"
            );
        }
        true
    });
    cases.finish(0.8);
}

fn split(mut o: RunOptions, column: &str) -> RunOptions {
    o.facts.segment_column = Some(column.to_string());
    o
}

fn active_by_segment(a: &Activation) -> Vec<(String, Vec<u64>)> {
    let mut out: Vec<(String, Vec<u64>)> = Vec::new();
    for r in &table(a, TableKind::Summary)[1..] {
        match out.last_mut() {
            Some((s, v)) if *s == r[0] => v.push(r[4].parse().unwrap()),
            _ => out.push((r[0].clone(), vec![r[4].parse().unwrap()])),
        }
    }
    out
}

#[test]
fn the_spec_example_split_by_platform() {
    let facts = InputFile::bytes(
        "spec_example.csv",
        spec::PLATFORM_FACTS_CSV.as_bytes().to_vec(),
    );
    let a = run(&[facts], None, &split(example_options(), "platform")).unwrap();
    assert_eq!(a.layer().fact(), "spec_example_by_platform");
    assert_eq!(
        active_by_segment(&a),
        spec::PLATFORM_ACTIVE.map(|(s, a)| (s.to_string(), a.to_vec()))
    );
    // The run without segments comes from the same read: section 10's numbers.
    let active: Vec<u64> = a.aggregates.summary.iter().map(|r| r.active).collect();
    assert_eq!(active, [3, 2, 1, 2, 2]);
    // A user active on both platforms is in both segments' snapshots.
    let snapshot = table(&a, TableKind::Snapshot);
    assert_eq!(snapshot[0][..2], ["segment", "user_id"]);
    let pairs: Vec<(&str, &str)> = snapshot[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("ios", "alice"),
            ("ios", "carol"),
            ("ios", "dave"),
            ("web", "alice"),
            ("web", "bob"),
            ("web", "carol"),
            ("web", "dave")
        ]
    );
}

/// Random facts with a `platform` cell (three values, some empty: the null
/// segment), as CSV rows of day offsets from 2024-01-01.
fn random_facts(rng: &mut Rng, days: i32, most_users: u64) -> Vec<(u32, i32, &'static str)> {
    let users = 1 + rng.below(most_users) as u32;
    let mut facts = Vec::new();
    for u in 0..users {
        let start = rng.below(days as u64) as i32;
        for _ in 0..rng.below(14) {
            let d = start + rng.below((days - start) as u64) as i32;
            facts.push((u, d, ["web", "ios", "android", ""][rng.below(4) as usize]));
        }
    }
    // Time order, as logs are written.
    facts.sort_by_key(|f| f.1);
    facts
}

fn split_file(facts: &[(u32, i32, &str)], keep: impl Fn(i32, &str) -> bool) -> InputFile {
    let mut csv = String::from("user_id,event_date,platform\n");
    for &(u, d, p) in facts.iter().filter(|f| keep(f.1, f.2)) {
        let date =
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(d as u64);
        csv.push_str(&format!("u{u},{date},{p}\n"));
    }
    InputFile::bytes("facts.csv", csv.into_bytes())
}

/// The split layer of every segment is, row for row, the run of the facts
/// filtered to that segment; and a split run resumed from its own
/// snapshot (cut anywhere, mid-period included) gives the one-shot run's
/// numbers for the periods it reports.
#[test]
fn each_split_segment_is_the_run_of_its_rows() {
    let mut cases = Cases::new("each_split_segment_is_the_run_of_its_rows", 50);
    let mut resumed = 0;
    cases.run(|case, seed| {
        let mut rng = Rng::new(seed);
        let days = 15 + rng.below(120) as i32;
        let facts = random_facts(&mut rng, days, 30);
        if facts.is_empty() {
            return false;
        }
        let last = facts.iter().map(|f| f.1).max().unwrap();
        let o = random_options(&mut rng, case, last);
        let grain = o.grain;
        let a = run(
            &[split_file(&facts, |_, _| true)],
            None,
            &split(o.clone(), "platform"),
        )
        .unwrap();
        let segments = a.segments.as_ref().unwrap();
        let ctx = format!("seed {seed:#x} ({grain})");
        // Asked for the segmented layer alone, the same layer.
        let mut alone_layer = split(o.clone(), "platform");
        alone_layer.unsegmented = false;
        let one = run(&[split_file(&facts, |_, _| true)], None, &alone_layer).unwrap();
        assert!(!one.segments.as_ref().unwrap().plain, "{ctx}");
        for kind in a.layer().tables() {
            assert_eq!(
                table(&one, kind),
                table(&a, kind),
                "{ctx}: one layer, {}",
                kind.as_str()
            );
        }
        assert_eq!(
            one.layer().quality(),
            a.layer().quality(),
            "{ctx}: one layer, quality"
        );
        // The segmented states table and snapshot fit the size their
        // writer reserves.
        for kind in [TableKind::States, TableKind::Snapshot] {
            let ipc = table_bytes(a.layer(), kind, OutputFormat::Arrow).unwrap();
            let bound = a.layer().arrow_size_bound(kind).unwrap();
            assert!(
                ipc.len() <= bound,
                "{ctx}: {} {} bytes over a bound of {bound}",
                kind.as_str(),
                ipc.len()
            );
        }
        for (value, layer) in &segments.layers {
            let cell = match value {
                SegmentValue::Text(s) => s.clone(),
                _ => String::new(),
            };
            // Filtered to its rows, with the run's reported periods.
            let mut alone_options = o.clone();
            alone_options.report_from = Some(spec_day("2024-01-01") + facts[0].1);
            let alone = run(
                &[split_file(&facts, |_, p| p == cell)],
                None,
                &alone_options,
            )
            .unwrap_or_else(|e| panic!("{ctx}: segment {value}: {e}"));
            for kind in a.layer().tables() {
                let csv = |a: &Activation| {
                    String::from_utf8(table_bytes(a, kind, OutputFormat::Csv).unwrap()).unwrap()
                };
                assert_eq!(
                    csv(layer),
                    csv(&alone),
                    "{ctx}: segment {value}, {}",
                    kind.as_str()
                );
            }
        }
        // Resumed from the split snapshot of a first run through a cut.
        let cut = rng.below(last as u64) as i32;
        if !facts.iter().any(|f| f.1 <= cut) {
            return true;
        }
        let mut first = split(o.clone(), "platform");
        first.through = Some(spec_day("2024-01-01") + cut);
        let a1 = run(&[split_file(&facts, |d, _| d <= cut)], None, &first).unwrap();
        let snap = InputFile::bytes(
            "snap.parquet",
            table_bytes(a1.layer(), TableKind::Snapshot, OutputFormat::Parquet).unwrap(),
        );
        let a2 = run(
            &[split_file(&facts, |d, _| d > cut)],
            Some(&snap),
            &split(o.clone(), "platform"),
        )
        .unwrap_or_else(|e| panic!("{ctx}: resumed after {cut}: {e}"));
        assert!(
            !a2.segments.as_ref().unwrap().plain,
            "{ctx}: no layer without segments"
        );
        // The first period the resumed run reports.
        let from = table(&a2, TableKind::Summary)[1][1].clone();
        for kind in [
            TableKind::Summary,
            TableKind::Transitions,
            TableKind::Cohorts,
            TableKind::States,
        ] {
            let full = table(&a, kind);
            let p = full[0].iter().position(|c| c == "period_start").unwrap();
            let expected: Vec<Vec<String>> = full
                .into_iter()
                .enumerate()
                .filter(|(i, r)| *i == 0 || r[p] >= from)
                .map(|(_, r)| r)
                .collect();
            assert_eq!(
                table(&a2, kind),
                expected,
                "{ctx}: resumed after day {cut}, {}",
                kind.as_str()
            );
        }
        assert_eq!(
            table(&a2, TableKind::Snapshot),
            table(&a, TableKind::Snapshot),
            "{ctx}: resumed after day {cut}, snapshot"
        );
        // Users are counted once over the segments, the snapshot's included.
        let (q1, q2, q) = (
            a1.layer().quality(),
            a2.layer().quality(),
            a.layer().quality(),
        );
        assert_eq!(
            q2.total_users, q.total_users,
            "{ctx}: resumed after day {cut}"
        );
        assert_eq!(
            q2.snapshot_users, q1.total_users,
            "{ctx}: resumed after day {cut}"
        );
        assert_eq!(
            q.total_users, a.quality.total_users,
            "{ctx}: the users of the run"
        );
        resumed += 1;
        true
    });
    cases.finish(0.8);
    assert!(
        resumed * 2 >= cases.len(),
        "only {resumed} of {} cases resumed",
        cases.len()
    );
}

/// A split's segment column gives the same layer however Parquet stores
/// it: one dictionary per chunk (read as a dictionary, each value looked up
/// once), dictionaries overflowing into plain pages, no dictionary, many
/// row groups, or an Arrow dictionary column; null cells are the null
/// segment, as empty CSV cells are.
#[test]
fn a_split_reads_its_segment_column_alike_however_parquet_stores_it() {
    use std::sync::Arc;

    use arrow_array::{
        types::Int32Type, ArrayRef, Date32Array, DictionaryArray, RecordBatch, StringArray,
    };
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    let mut cases = Cases::new(
        "a_split_reads_its_segment_column_alike_however_parquet_stores_it",
        20,
    );
    cases.run(|case, seed| {
        let mut rng = Rng::new(seed);
        let facts = random_facts(&mut rng, 60, 400);
        if facts.is_empty() {
            return false;
        }
        let last = facts.iter().map(|f| f.1).max().unwrap();
        let o = split(random_options(&mut rng, case, last), "platform");
        let want = run(&[split_file(&facts, |_, _| true)], None, &o).unwrap();
        let users = StringArray::from_iter_values(facts.iter().map(|f| format!("u{}", f.0)));
        let dates =
            Date32Array::from_iter_values(facts.iter().map(|f| spec_day("2024-01-01") + f.1));
        let cells = || facts.iter().map(|f| (!f.2.is_empty()).then_some(f.2));
        let plain: ArrayRef = Arc::new(StringArray::from_iter(cells()));
        let dictionary: ArrayRef = Arc::new(cells().collect::<DictionaryArray<Int32Type>>());
        let props = |dictionary: bool, limit: usize, group: usize| {
            WriterProperties::builder()
                .set_dictionary_enabled(dictionary)
                .set_dictionary_page_size_limit(limit)
                .set_data_page_row_count_limit(50)
                .set_max_row_group_row_count(Some(group))
                .build()
        };
        for (what, platform, p) in [
            (
                "one dictionary per chunk",
                &plain,
                props(true, 1 << 20, 1 << 20),
            ),
            ("overflowing dictionaries", &plain, props(true, 8, 1 << 20)),
            ("no dictionary", &plain, props(false, 1 << 20, 1 << 20)),
            ("many row groups", &plain, props(true, 1 << 20, 97)),
            (
                "an Arrow dictionary",
                &dictionary,
                props(true, 1 << 20, 1 << 20),
            ),
        ] {
            let b = RecordBatch::try_from_iter([
                ("user_id", Arc::new(users.clone()) as ArrayRef),
                ("event_date", Arc::new(dates.clone()) as ArrayRef),
                ("platform", platform.clone()),
            ])
            .unwrap();
            let mut bytes = Vec::new();
            let mut w = ArrowWriter::try_new(&mut bytes, b.schema(), Some(p)).unwrap();
            w.write(&b).unwrap();
            w.close().unwrap();
            let got = run(&[InputFile::bytes("facts.parquet", bytes)], None, &o).unwrap();
            for kind in want.layer().tables() {
                assert_eq!(
                    table(&got, kind),
                    table(&want, kind),
                    "seed {seed:#x}, {what}: {}",
                    kind.as_str()
                );
            }
        }
        true
    });
}
