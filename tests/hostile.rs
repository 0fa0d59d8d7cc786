//! Hostile input (issue 20): values a file can hold that no calendar or
//! count allows. Each is a clear error or a rejected, counted row, never a
//! date that wraps to another one, a saturated epoch or a narrowed count
//! that changes the states.

#[path = "common/corpus.rs"]
mod corpus;
#[path = "common/fuzzed.rs"]
mod fuzzed;
#[path = "common/prop.rs"]
mod prop;
#[path = "common/spec.rs"]
mod spec;

use std::sync::Arc;

use activation_layer::grain::{format_day, parse_day, FIRST_DAY, LAST_DAY};
use activation_layer::output::TableKind;
use activation_layer::write::{csv_bytes, parquet_bytes};
use activation_layer::{run, Activation, Grain, InputFile, Kind, RunOptions, Settings, TimeUnit};
use arrow_array::{Date32Array, Date64Array, Float64Array, Int64Array};
use corpus::*;
use prop::{Cases, Rng};

fn weekly() -> RunOptions {
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    // The intruders are a large share of these small files.
    o.max_rejected = 0.5;
    o
}

fn states_csv(a: &Activation) -> Vec<u8> {
    csv_bytes(&TableKind::States.batch(a).unwrap()).unwrap()
}

/// The example alone, read from Date32 Parquet: the numbers every file
/// below must give.
fn clean() -> Activation {
    let days = Arc::new(Date32Array::from(example_days()));
    run(
        &[parquet(vec![("user_id", users(0)), ("event_date", days)])],
        None,
        &weekly(),
    )
    .unwrap()
}

#[track_caller]
fn assert_rejected_only(a: &Activation, bad: u64, what: &str) {
    assert_eq!(a.quality.rows_rejected.unparseable_time, bad, "{what}");
    assert_eq!(a.quality.rows_rejected.total(), bad, "{what}");
    assert_eq!(
        states_csv(a),
        states_csv(&clean()),
        "{what}: the example's states"
    );
}

#[test]
fn the_calendar_is_years_1_to_9999() {
    assert_eq!(format_day(FIRST_DAY), "0001-01-01");
    assert_eq!(format_day(LAST_DAY), "9999-12-31");
    assert_eq!(day("0001-01-01"), FIRST_DAY);
    assert!(parse_day("--through", "0000-12-31").is_err());
}

#[test]
fn dates_outside_the_calendar_are_unreadable_not_wrapped() {
    // Year 586000 overflowed the microseconds and wrapped to 2023-12-31;
    // 10000-01-01 and i32::MAX have no YYYY-MM-DD; 0000-12-31 is year 0.
    let bad = [214_000_000, LAST_DAY + 1, i32::MAX, FIRST_DAY - 1, i32::MIN];
    let mut days = example_days();
    days.extend(bad);
    let f = parquet(vec![
        ("user_id", users(bad.len())),
        ("event_date", Arc::new(Date32Array::from(days))),
    ]);
    let a = run(&[f], None, &weekly()).unwrap();
    assert_rejected_only(&a, bad.len() as u64, "Date32");

    let bad_ms = [
        214_000_000 * DAY_MS,
        i64::MAX,
        i64::MIN,
        (i64::from(LAST_DAY) + 1) * DAY_MS,
    ];
    let mut ms: Vec<i64> = example_days()
        .iter()
        .map(|d| i64::from(*d) * DAY_MS)
        .collect();
    ms.extend(bad_ms);
    let f = parquet(vec![
        ("user_id", users(bad_ms.len())),
        ("event_date", Arc::new(Date64Array::from(ms))),
    ]);
    let a = run(&[f], None, &weekly()).unwrap();
    assert_rejected_only(&a, bad_ms.len() as u64, "Date64");
}

#[test]
fn epochs_beyond_the_calendar_are_unreadable_not_saturated() {
    // 1e300 seconds saturated to i64::MAX microseconds (year 294247).
    let secs = |d: i32| f64::from(d) * 86_400.0 + 3_600.0;
    let bad = [1e300, -1e300, 1e15, f64::MAX, 253_402_300_800.0];
    let mut v: Vec<f64> = example_days().into_iter().map(secs).collect();
    v.extend(bad);
    let f = parquet(vec![
        ("user_id", users(bad.len())),
        ("ts", Arc::new(Float64Array::from(v))),
    ]);
    let mut o = weekly();
    o.facts.time_column = Some("ts".into());
    o.facts.time_unit = Some(TimeUnit::Seconds);
    let a = run(&[f], None, &o).unwrap();
    assert_rejected_only(&a, bad.len() as u64, "float seconds");

    // Integer epochs: in range of the type, not of the calendar.
    let bad = [i64::MAX, i64::MIN, 253_402_300_800_000_000];
    let mut v: Vec<i64> = example_days()
        .into_iter()
        .map(|d| i64::from(d) * DAY_MS * 1000)
        .collect();
    v.extend(bad);
    let f = parquet(vec![
        ("user_id", users(bad.len())),
        ("ts", Arc::new(Int64Array::from(v))),
    ]);
    o.facts.time_unit = Some(TimeUnit::Micros);
    let a = run(&[f], None, &o).unwrap();
    assert_rejected_only(&a, bad.len() as u64, "integer microseconds");
}

#[test]
fn text_times_outside_the_calendar_are_unreadable() {
    let mut s = String::from("user_id,event_date\n");
    for (u, d) in spec::facts() {
        s.push_str(&format!("{u},{d}\n"));
    }
    s.push_str("intruder0,0000-06-01\nintruder1,0000-12-31T23:00:00Z\n");
    let a = run(
        &[InputFile::bytes("hostile.csv", s.into_bytes())],
        None,
        &weekly(),
    )
    .unwrap();
    assert_rejected_only(&a, 2, "year 0 in text");
}

fn resume(snap: &InputFile) -> String {
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    match run(&[example_csv(|d| d > day("2024-01-17"))], Some(snap), &o) {
        Ok(_) => panic!("a snapshot that no history allows was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn snapshot_counts_beyond_their_dates_are_errors_not_narrowed() {
    for (column, value) in [
        ("weekly_streak", 4_294_967_295i64),
        ("weekly_streak", 4_294_967_296),
        ("weekly_active_periods", 3_000_000_000),
        ("monthly_active_periods", 4_294_967_295),
        ("daily_streak", -1),
    ] {
        let snap = edited_snapshot(column, Edit::Int(value));
        let e = resume(&snap);
        assert!(
            e.contains("snap.parquet") && e.contains(column),
            "{column} = {value}: {e}"
        );
    }
}

#[test]
fn snapshot_dates_outside_the_calendar_are_errors() {
    for (column, value) in [
        ("first_active_date", i32::MIN),
        ("first_active_date", FIRST_DAY - 1),
        ("weekly_previous_active_date", i32::MIN),
        ("last_active_date", i32::MAX),
    ] {
        let snap = edited_snapshot(column, Edit::Date32(value));
        let e = resume(&snap);
        assert!(
            e.contains("snap.parquet") && e.contains(column) && e.contains("outside the calendar"),
            "{column} = {value}: {e}"
        );
    }
    let e = resume(&edited_snapshot(
        "first_active_date",
        Edit::Date64(i64::MAX),
    ));
    assert!(e.contains("outside the calendar"), "Date64: {e}");
}

#[test]
fn seconds_beyond_60_are_unreadable_not_clamped() {
    let a = run(
        &[example_times("user_id,ts", "{d}T10:00:59Z")],
        None,
        &weekly(),
    )
    .unwrap();
    assert_eq!(a.quality.rows_rejected.total(), 0);
    // A leap second is the second before it, on the same date.
    let leap = run(
        &[example_times("user_id,ts", "{d}T23:59:60Z")],
        None,
        &weekly(),
    )
    .unwrap();
    assert_eq!(states_csv(&leap), states_csv(&clean()));
    // `10:00:99` was read as `10:00:59`: now every row is unreadable.
    let e = run(
        &[example_times("user_id,ts", "{d}T10:00:99Z")],
        None,
        &weekly(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("10:00:99"), "{e}");
    assert!(e.to_string().contains("rejected"), "{e}");
}

#[test]
fn columns_differing_only_by_case_are_ambiguous() {
    let mut s = String::from("USER_ID,user_id,event_date\n");
    for (u, d) in spec::facts() {
        s.push_str(&format!("x{u},{u},{d}\n"));
    }
    let f = InputFile::bytes("clash.csv", s.into_bytes());
    let e = run(std::slice::from_ref(&f), None, &weekly()).unwrap_err();
    let m = e.to_string();
    assert!(
        m.starts_with("clash.csv")
            && m.contains(r#""USER_ID" and "user_id" differ only by case"#)
            && m.contains("--user-col"),
        "{m}"
    );
    assert_eq!(e.kind().exit_code(), 65);
    // Named exactly, the column is the one meant.
    let mut o = weekly();
    o.facts.user_column = Some("user_id".into());
    let a = run(&[f], None, &o).unwrap();
    assert_eq!(states_csv(&a), states_csv(&clean()));
}

#[test]
fn blank_options_are_errors_not_defaults() {
    for (field, flag) in [
        ("timezone", "--timezone"),
        ("weekStart", "--week-start"),
        ("through", "--through"),
        ("userColumn", "--user-col"),
        ("name", "--name"),
    ] {
        for blank in ["", "  "] {
            let s: Settings = serde_json::from_value(serde_json::json!({ field: blank })).unwrap();
            let e = s.to_options().unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid {flag} {blank:?}: expected a value (leave the option out for its default)"),
                "{field}"
            );
            assert_eq!(e.kind().exit_code(), 2);
        }
    }
    assert!(Settings::default().to_options().is_ok());
}

/// An endless input without line ends stops at the record bound with an
/// error, instead of doubling a buffer until memory runs out.
#[cfg(unix)]
#[test]
fn endless_input_stops_with_an_error() {
    let e = run(&[InputFile::path("/dev/zero")], None, &weekly()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/dev/zero: line 1: a record longer than 64 MiB: expected lines of delimited text (is this a CSV file?)"
    );
    assert_eq!(e.kind().exit_code(), 66);
}

#[test]
fn parquet_page_checksums_are_verified() {
    let bytes = checksummed();
    let a = run(
        &[InputFile::bytes("crc.parquet", bytes.clone())],
        None,
        &weekly(),
    )
    .unwrap();
    assert_eq!(states_csv(&a), states_csv(&clean()));
    // The last byte of the dictionary page (user ids), which a flip would
    // turn into another id.
    let mut bad = bytes;
    bad[DICTIONARY_PAGE_END - 1] ^= 0x20;
    let e = run(&[InputFile::bytes("crc.parquet", bad)], None, &weekly()).unwrap_err();
    assert!(
        e.to_string().starts_with("crc.parquet: ")
            && e.to_string().contains("CRC checksum mismatch"),
        "{e}"
    );
    assert_eq!(e.kind().exit_code(), 66);
}

/// Every byte of the checksummed file flipped in turn (a seeded bit or
/// byte value; a case is one pass over the file): each mutant is read as a
/// clean error (a corrupt file, or data that cannot give numbers) or as
/// the example's own numbers, never as other numbers, a panic or another
/// kind of error.
#[test]
fn byte_flips_of_a_checksummed_parquet_file() {
    let original = checksummed();
    let clean = states_csv(&clean());
    let mut cases = Cases::new("byte_flips_of_a_checksummed_parquet_file", 1);
    let mut outcomes = [0usize; 2];
    cases.run(|_, seed| {
        let mut rng = Rng::new(seed);
        for at in 0..original.len() {
            let mut bytes = original.clone();
            let flip = rng.range(1u8, 255);
            bytes[at] ^= flip;
            let ctx = format!("seed {seed:#x}: byte {at} ^ {flip:#04x}");
            match run(
                &[InputFile::bytes("mutant.parquet", bytes)],
                None,
                &weekly(),
            ) {
                Ok(a) => {
                    assert_eq!(states_csv(&a), clean, "{ctx}: other numbers");
                    outcomes[0] += 1;
                }
                Err(e) => {
                    assert!(
                        matches!(e.kind(), Kind::Corrupt | Kind::Data),
                        "{ctx}: {:?}: {e}",
                        e.kind()
                    );
                    outcomes[1] += 1;
                }
            }
        }
        true
    });
    cases.finish(1.0);
    // Most flips are caught; some fall where nothing is read.
    assert!(outcomes[1] > outcomes[0], "{outcomes:?}");
}

/// Seeded mutations of the example as CSV (a byte replaced, removed or
/// repeated): text has no checksum, so a mutant may mean other facts, but
/// every one is a clean error or a run whose counts add up.
#[test]
fn byte_mutations_of_a_csv_file() {
    let original = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/spec_example.csv"
    ))
    .unwrap();
    let mut cases = Cases::new("byte_mutations_of_a_csv_file", 600);
    cases.run(|i, seed| {
        let mut rng = Rng::new(seed);
        let mut bytes = original.clone();
        let at = rng.below(bytes.len() as u64) as usize;
        let value = rng.range(0u8, 255);
        match i % 3 {
            0 => bytes[at] = value,
            1 => {
                bytes.remove(at);
            }
            _ => bytes.insert(at, bytes[at]),
        }
        let ctx = format!("seed {seed:#x}: {:?}", String::from_utf8_lossy(&bytes));
        let mut o = weekly();
        o.max_rejected = 1.0;
        match run(&[InputFile::bytes("mutant.csv", bytes.clone())], None, &o) {
            Ok(a) => {
                let q = &a.quality;
                assert_eq!(
                    q.rows_read,
                    q.rows_used + q.rows_rejected.total() + q.rows_filtered_out,
                    "{ctx}"
                );
            }
            Err(e) => assert!(
                matches!(e.kind(), Kind::Corrupt | Kind::Data),
                "{ctx}: {:?}: {e}",
                e.kind()
            ),
        }
        true
    });
    cases.finish(1.0);
}

/// A footer that claims far more rows than the file holds allocates
/// nothing for them (it aborted the process): fact file or snapshot.
#[test]
fn footer_row_counts_are_not_trusted() {
    for claimed in [1_000_000_000_000, 1 << 62, i64::MAX] {
        let facts = claim_rows(&checksummed(), 11, claimed);
        // The pages hold the true rows: the true numbers, or a clean error.
        match run(
            &[InputFile::bytes("claims.parquet", facts)],
            None,
            &weekly(),
        ) {
            Ok(a) => assert_eq!(states_csv(&a), states_csv(&clean()), "{claimed}"),
            Err(e) => {
                assert!(
                    e.to_string().starts_with("claims.parquet: "),
                    "{claimed}: {e}"
                );
                assert_ne!(e.kind().exit_code(), 70, "{claimed}: {e}");
            }
        }

        let (b, meta) = example_snapshot();
        let bytes = parquet_bytes(&b, &meta).unwrap();
        let snap = InputFile::bytes(
            "snap.parquet",
            claim_rows(&bytes, b.num_rows() as i64, claimed),
        );
        let rest = || example_csv(|d| d > day("2024-01-17"));
        let mut o = RunOptions::new(Grain::Week);
        o.through = Some(day("2024-02-04"));
        let true_run = run(
            &[rest()],
            Some(&InputFile::bytes("snap.parquet", bytes)),
            &o,
        )
        .unwrap();
        match run(&[rest()], Some(&snap), &o) {
            Ok(a) => assert_eq!(states_csv(&a), states_csv(&true_run), "{claimed}"),
            Err(e) => {
                assert!(
                    e.to_string().starts_with("snap.parquet: "),
                    "{claimed}: {e}"
                );
                assert_ne!(e.kind().exit_code(), 70, "{claimed}: {e}");
            }
        }
    }
}

/// A page header claiming far more bytes than its codec can make of the
/// page is an error naming the column, before any buffer is sized from it
/// (a 2 GB claim grew the WASM memory by 2 GB or trapped).
#[test]
fn page_headers_claiming_impossible_sizes_are_errors() {
    let page = one_big_page();
    let bytes = &page.0;
    let facts = |b: &[u8]| [InputFile::bytes("pages.parquet", b.to_vec())];
    let mut o = RunOptions::new(Grain::Week);
    o.through = Some(day("2024-02-04"));
    let a = run(&facts(bytes), None, &o).unwrap();
    assert_eq!(a.quality.rows_read, 200_000);

    let edited = claiming_page(&page);
    let e = run(&facts(&edited), None, &o).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("pages.parquet: ")
            && text.contains("column \"event_time\" in row group 0")
            && text.contains("claiming 134217727 bytes once decompressed"),
        "{text}"
    );
    assert_ne!(e.kind().exit_code(), 70, "{text}");
    // The same file read as a table (a snapshot's path) checks it too.
    let Err(e) = activation_layer::read::Table::read(&facts(&edited)[0]) else {
        panic!("the edited page was read as a table");
    };
    assert!(e.to_string().contains("claiming 134217727 bytes"), "{e}");
}

/// Every case of the corpus through the library, its options read as the
/// interfaces read them.
#[test]
fn the_corpus_through_the_library() {
    let example = states_csv(&clean());
    for case in cases() {
        let settings: Settings = serde_json::from_value(case.options.clone()).unwrap();
        let result = settings.to_options().and_then(|o| {
            run(
                std::slice::from_ref(&case.facts),
                case.snapshot.as_ref(),
                &o,
            )
        });
        match (case.outcome, result) {
            (Outcome::Example { rejected }, Ok(a)) => {
                assert_eq!(a.quality.rows_rejected.total(), rejected, "{}", case.what);
                assert_eq!(states_csv(&a), example, "{}", case.what);
            }
            (Outcome::Error(kind, text), Err(e)) => {
                assert_eq!(e.kind(), kind, "{}: {e}", case.what);
                assert!(e.to_string().contains(text), "{}: {e}", case.what);
            }
            (want, Ok(_)) => panic!("{}: a run, not {want:?}", case.what),
            (want, Err(e)) => panic!("{}: {e}, not {want:?}", case.what),
        }
    }
}

/// Every input kept for the fuzz targets (their seeds, and whatever
/// `make fuzz` found) replayed: numbers or an error, never an internal
/// error, nor a panic even where the reader catches it (as the fuzzer
/// counts it: the WASM build cannot catch one).
#[test]
fn fuzz_findings_are_replayed() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    static PANICKED: AtomicBool = AtomicBool::new(false);
    // Only this thread's panics count: the other tests of this binary run
    // beside it, and their hook is passed on.
    let me = std::thread::current().id();
    let previous: Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync> =
        Arc::from(std::panic::take_hook());
    let others = previous.clone();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == me {
            PANICKED.store(true, Ordering::SeqCst);
            eprintln!("{info}");
        } else {
            others(info);
        }
    }));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut replayed = 0;
    for (target, run_one) in fuzzed::TARGETS {
        for entry in std::fs::read_dir(root.join(target)).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            PANICKED.store(false, Ordering::SeqCst);
            let result = run_one(&bytes);
            assert!(
                !PANICKED.load(Ordering::SeqCst),
                "{}: a panic",
                path.display()
            );
            if let Err(e) = result {
                assert_ne!(e.kind(), Kind::Internal, "{}: {e}", path.display());
            }
            replayed += 1;
        }
    }
    std::panic::set_hook(Box::new(move |info| previous(info)));
    assert!(replayed >= 4, "the seeds and findings are there");
}
