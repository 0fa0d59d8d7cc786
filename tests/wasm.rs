//! The WASM façade, run in Node by wasm-bindgen-test-runner:
//! `make test` runs it with `cargo test --target wasm32-unknown-unknown --features wasm,zstd --profile wasm --test wasm`.
#![cfg(all(target_arch = "wasm32", feature = "wasm"))]

#[path = "common/codecs.rs"]
mod codecs;
#[path = "common/corpus.rs"]
mod corpus;
#[path = "common/spec.rs"]
mod spec;

use activation_layer::wasm::{compute, dictionary, inspect, Computation};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const SPEC: &[u8] = spec::FACTS_CSV;

fn file(name: &str, bytes: &[u8]) -> JsValue {
    let f = Object::new();
    Reflect::set(&f, &"name".into(), &name.into()).unwrap();
    Reflect::set(&f, &"bytes".into(), &Uint8Array::from(bytes).into()).unwrap();
    f.into()
}

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), &(*v).into()).unwrap();
    }
    o.into()
}

fn message(v: JsValue) -> String {
    assert!(
        v.is_instance_of::<js_sys::Error>(),
        "errors reach JS as Error objects"
    );
    Reflect::get(&v, &"message".into())
        .unwrap()
        .as_string()
        .unwrap()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

/// The SPEC example's weekly run (through 2024-02-04) of one file.
fn spec_weekly(f: JsValue) -> Result<Computation, JsValue> {
    compute(
        Array::of1(&f).into(),
        options(&[("grain", "week"), ("through", "2024-02-04")]),
        None,
    )
}

/// One column of a run's summary.
fn summary_column(r: &Computation, k: &str) -> Vec<f64> {
    let summary: Array = r.summary().unwrap().dyn_into().unwrap();
    summary
        .iter()
        .map(|row| get(&row, k).as_f64().unwrap())
        .collect()
}

/// One column of the SPEC example's summary, as the façade gives numbers.
fn spec_column(k: &str) -> Vec<f64> {
    spec::summary().iter().map(|w| w.get(k)).collect()
}

#[wasm_bindgen_test]
fn spec_example_through_the_facade() {
    let r = spec_weekly(file("spec_example.csv", SPEC)).unwrap();
    let summary: Array = r.summary().unwrap().dyn_into().unwrap();
    let want = spec::summary();
    for k in ["active", "new", "churned", "dormant"] {
        assert_eq!(summary_column(&r, k), spec_column(k), "{k}");
    }
    assert_eq!(
        get(&summary.get(1), "retention_rate").as_f64(),
        want[1].opt("retention_rate")
    );
    assert!(get(&summary.get(0), "quick_ratio").is_null());
    assert_eq!(
        get(&summary.get(4), "period_start").as_string().unwrap(),
        want[4].text("period_start")
    );
    let states = String::from_utf8(
        r.table("states".into(), "csv".into(), JsValue::UNDEFINED)
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert_eq!(states.lines().count(), spec::STATES_CSV.lines().count());
    let dave = spec::STATES_CSV
        .lines()
        .find(|l| l.starts_with("dave,2024-01-22,"))
        .unwrap();
    assert!(states.contains(dave));
    let snapshot = r
        .table("snapshot".into(), "parquet".into(), JsValue::UNDEFINED)
        .unwrap()
        .to_vec();
    assert_eq!(&snapshot[..4], b"PAR1");
    assert_eq!(
        r.table_name("summary".into(), JsValue::UNDEFINED).unwrap(),
        "spec_example_activation_weekly_summary"
    );
    // SPEC section 12's tables, exactly as the CLI writes them.
    let csv = |which: &str| {
        String::from_utf8(
            r.table(which.into(), "csv".into(), JsValue::UNDEFINED)
                .unwrap()
                .to_vec(),
        )
        .unwrap()
    };
    assert_eq!(csv("activity"), spec::ACTIVITY_CSV);
    assert_eq!(csv("depth"), spec::DEPTH_CSV);
    assert_eq!(
        r.tables(),
        [
            "states",
            "summary",
            "transitions",
            "cohorts",
            "snapshot",
            "activity",
            "depth"
        ]
    );
    // Every file the CLI writes, the data package last (SPEC section 14).
    let files: Vec<String> = r
        .files("csv".into(), JsValue::UNDEFINED)
        .unwrap()
        .iter()
        .map(|f| get(&f, "name").as_string().unwrap())
        .collect();
    assert_eq!(files.len(), 9);
    assert_eq!(files[0], "spec_example_activation_weekly.csv");
    assert_eq!(files[8], "datapackage.json");
    let package = r.datapackage("csv".into(), JsValue::UNDEFINED).unwrap();
    assert_eq!(
        get(&package, "name").as_string().unwrap(),
        "spec_example_activation_weekly"
    );
    let resources: Array = get(&package, "resources").dyn_into().unwrap();
    assert_eq!(resources.length(), 8);
    let e = r.files("arrow".into(), JsValue::UNDEFINED).unwrap_err();
    assert!(message(e).contains("parquet or csv"));
    let daily = compute(
        Array::of1(&file("spec_example.csv", SPEC)).into(),
        options(&[("grain", "day"), ("through", "2024-02-04")]),
        None,
    )
    .unwrap();
    assert!(!daily.tables().iter().any(|t| t == "depth"));
    let e = daily
        .table("depth".into(), "csv".into(), JsValue::UNDEFINED)
        .unwrap_err();
    assert!(message(e).contains("no depth table"));
    let timeline: Array = r
        .user_timeline("alice".into(), JsValue::UNDEFINED)
        .unwrap()
        .dyn_into()
        .unwrap();
    assert_eq!(timeline.length(), 5);
    assert!(r
        .user_timeline("nobody".into(), JsValue::UNDEFINED)
        .unwrap()
        .is_null());
    let quality = r.quality().unwrap();
    assert_eq!(get(&quality, "rows_read").as_f64(), Some(11.0));
}

#[wasm_bindgen_test]
fn bad_inputs_are_errors_and_the_module_stays_usable() {
    let cases: Vec<(JsValue, JsValue, &str)> = vec![
        (
            Array::of1(&file("x.parquet", b"nope")).into(),
            options(&[]),
            "x.parquet: not a Parquet file",
        ),
        (
            Array::of1(&file("t.parquet", b"PAR1\0\0\0")).into(),
            options(&[]),
            "t.parquet",
        ),
        (
            Array::of1(&file("r.csv", b"user_id,date\na,2024-01-01\nb\n")).into(),
            options(&[]),
            "r.csv: line 3",
        ),
        (
            Array::of1(&file("s.csv", SPEC)).into(),
            options(&[("timezone", "Mars/Olympus")]),
            "Mars/Olympus",
        ),
        (
            Array::of1(&file("s.csv", SPEC)).into(),
            options(&[("grain", "fortnight")]),
            "fortnight",
        ),
        (
            Array::of1(&file("s.csv", SPEC)).into(),
            options(&[("granularity", "week")]),
            "granularity",
        ),
        (
            JsValue::from_str("not an array"),
            options(&[]),
            "files must be an array",
        ),
        (
            Array::of1(&file("s.csv", SPEC)).into(),
            options(&[("windows", "7,28")]),
            "windows must be a list of whole numbers of days, not string",
        ),
        (
            Array::of1(&file("s.csv", SPEC)).into(),
            {
                let o = Object::new();
                let w = Array::of2(&7.into(), &7.into());
                Reflect::set(&o, &"windows".into(), &w).unwrap();
                o.into()
            },
            "7 is given twice",
        ),
    ];
    for (files, opts, expected) in cases {
        let err = message(compute(files, opts, None).err().expect("an error"));
        assert!(
            err.contains(expected),
            "{err:?} should contain {expected:?}"
        );
        let ok = compute(
            Array::of1(&file("s.csv", SPEC)).into(),
            options(&[("grain", "month")]),
            None,
        )
        .unwrap();
        assert_eq!(ok.state_rows(), 4, "all four users are new in January");
    }
}

#[wasm_bindgen_test]
fn inspect_and_dictionary() {
    let info = inspect(file("spec_example.csv", SPEC)).unwrap();
    assert_eq!(get(&info, "user_column").as_string().unwrap(), "user_id");
    assert_eq!(get(&info, "time_column").as_string().unwrap(), "event_date");
    assert_eq!(get(&info, "rows").as_f64(), Some(11.0));
    let dict = dictionary().unwrap();
    let tables: Array = get(&dict, "tables").dyn_into().unwrap();
    assert_eq!(tables.length(), 7);
}

#[wasm_bindgen_test]
fn merge_tables_upserts_a_later_run_into_earlier_results() {
    use activation_layer::wasm::merge_tables;
    let (early, late): (Vec<&str>, Vec<&str>) = spec::fact_lines()
        .into_iter()
        .partition(|l| l.split(',').nth(1).unwrap() <= "2024-01-17");
    let csv = |rows: &[&str]| format!("user_id,event_date\n{}\n", rows.join("\n"));
    let day1 = compute(
        Array::of1(&file("spec_example.csv", csv(&early).as_bytes())).into(),
        options(&[("grain", "week"), ("through", "2024-01-17")]),
        None,
    )
    .unwrap();
    let opts = options(&[("grain", "week"), ("through", "2024-02-04")]);
    Reflect::set(
        &opts,
        &"snapshot".into(),
        &file(
            "snap.parquet",
            &day1
                .table("snapshot".into(), "parquet".into(), JsValue::UNDEFINED)
                .unwrap()
                .to_vec(),
        ),
    )
    .unwrap();
    let day2 = compute(
        Array::of1(&file("later.csv", csv(&late).as_bytes())).into(),
        opts,
        None,
    )
    .unwrap();
    let full = spec_weekly(file("spec_example.csv", SPEC)).unwrap();
    for which in ["summary", "transitions", "cohorts", "states"] {
        let merged = merge_tables(
            which.into(),
            file(
                "history.csv",
                &day1
                    .table(which.into(), "csv".into(), JsValue::UNDEFINED)
                    .unwrap()
                    .to_vec(),
            ),
            file(
                "run.csv",
                &day2
                    .table(which.into(), "csv".into(), JsValue::UNDEFINED)
                    .unwrap()
                    .to_vec(),
            ),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(merged).unwrap(),
            String::from_utf8(
                full.table(which.into(), "csv".into(), JsValue::UNDEFINED)
                    .unwrap()
                    .to_vec()
            )
            .unwrap(),
            "{which}"
        );
    }
    let mixed = merge_tables(
        "summary".into(),
        file(
            "h.csv",
            &day1
                .table("summary".into(), "csv".into(), JsValue::UNDEFINED)
                .unwrap()
                .to_vec(),
        ),
        file(
            "r.parquet",
            &day2
                .table("summary".into(), "parquet".into(), JsValue::UNDEFINED)
                .unwrap()
                .to_vec(),
        ),
    );
    assert!(message(mixed.err().unwrap()).contains("different formats"));

    // Parquet tables carry the run's settings: a run of Sunday weeks is
    // refused, and a merged table keeps them.
    let sunday = compute(
        Array::of1(&file("later.csv", csv(&late).as_bytes())).into(),
        options(&[
            ("grain", "week"),
            ("through", "2024-02-04"),
            ("weekStart", "sunday"),
            ("name", "spec_example"),
        ]),
        None,
    )
    .unwrap();
    let parquet = |r: &Computation| {
        r.table("summary".into(), "parquet".into(), JsValue::UNDEFINED)
            .unwrap()
            .to_vec()
    };
    let merged = merge_tables(
        "summary".into(),
        file("h.parquet", &parquet(&day1)),
        file("r.parquet", &parquet(&day2)),
    )
    .unwrap();
    for history in [parquet(&day1), merged] {
        let e = merge_tables(
            "summary".into(),
            file("h.parquet", &history),
            file("r.parquet", &parquet(&sunday)),
        )
        .err()
        .expect("Sunday weeks refused");
        assert_eq!(get(&e, "name").as_string().as_deref(), Some("UsageError"));
        let m = message(e);
        assert!(
            m.starts_with(r#"r.parquet: the run's week_start "sunday" differs from the history's "monday" (h.parquet)"#),
            "{m}"
        );
    }
}

/// The package reads Parquet in every codec (the size budget of the `.wasm`
/// is measured with all of them in): each file, written by the parquet
/// crate's own writer inside this WebAssembly build (Brotli's by pyarrow:
/// the build has only its decoder), gives the SPEC example.
#[wasm_bindgen_test]
fn every_parquet_codec_reads_through_the_facade() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    let (users, dates): (Vec<&str>, Vec<&str>) = spec::fact_lines()
        .into_iter()
        .map(|l| l.split_once(',').unwrap())
        .unzip();
    let batch = RecordBatch::try_from_iter([
        ("user_id", Arc::new(StringArray::from(users)) as ArrayRef),
        ("event_date", Arc::new(StringArray::from(dates)) as ArrayRef),
    ])
    .unwrap();
    let written = codecs::written().map(|(name, codec)| {
        let props = WriterProperties::builder().set_compression(codec).build();
        let mut bytes = Vec::new();
        let mut w = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        (name, bytes)
    });
    let brotli = codecs::brotli_files().map(|(name, bytes)| (name, bytes.to_vec()));
    for (name, bytes) in written.into_iter().chain(brotli) {
        let r = spec_weekly(file(&format!("spec_{name}.parquet"), &bytes))
            .unwrap_or_else(|e| panic!("{name}: {}", message(e)));
        assert_eq!(
            summary_column(&r, "active"),
            spec_column("active"),
            "{name}"
        );
    }
}

/// Every error reaches JS named by its kind, with options spelt as JS
/// spells them.
#[wasm_bindgen_test]
fn errors_are_named_by_kind() {
    let spec = || Array::of1(&file("s.csv", SPEC)).into();
    let cases: [(JsValue, JsValue, &str, &str); 4] = [
        (
            spec(),
            options(&[("weekStart", "someday")]),
            "UsageError",
            "weekStart",
        ),
        (
            spec(),
            options(&[("asOf", "2024-01-07")]),
            "UsageError",
            "asOf only applies with a snapshot (snapshot FILE)",
        ),
        (
            Array::of1(&file("nocols.csv", b"a,b\n1,2\n")).into(),
            options(&[]),
            "DataError",
            "no user column",
        ),
        (
            Array::of1(&file("bad.parquet", b"nope")).into(),
            options(&[]),
            "CorruptFileError",
            "bad.parquet",
        ),
    ];
    for (files, opts, name, text) in cases {
        let e = compute(files, opts, None).err().expect("an error");
        assert_eq!(get(&e, "name").as_string().as_deref(), Some(name));
        let m = message(e);
        assert!(m.contains(text), "{m:?} should contain {text:?}");
        assert!(!m.contains("--"), "{m:?} spells options as JS does");
    }
    let opts =
        wasm_bindgen::JsCast::unchecked_into::<Array>(activation_layer::wasm::options().unwrap());
    let names: Vec<String> = opts
        .iter()
        .map(|o| get(&o, "name").as_string().unwrap())
        .collect();
    assert_eq!(names.len(), 21);
    assert!(names.contains(&"maxRejected".to_string()));
    assert!(names.contains(&"segmentBy".to_string()));
}

/// SPEC section 11's partition example through the façade: both layers
/// from one call, the segmented one's summary per plan.
#[wasm_bindgen_test]
fn a_partition_by_plan_through_the_facade() {
    let opts = options(&[
        ("grain", "week"),
        ("through", "2024-02-04"),
        ("segmentBy", "plan"),
    ]);
    let users = file("users.csv", spec::PLAN_USERS_CSV.as_bytes());
    Reflect::set(&opts, &"users".into(), &users).unwrap();
    let r = compute(Array::of1(&file("s.csv", SPEC)).into(), opts, None).unwrap();
    assert_eq!(
        r.table_name("summary".into(), "segmented".into()).unwrap(),
        "s_by_plan_activation_weekly_summary"
    );
    assert_eq!(
        r.table_name("summary".into(), JsValue::UNDEFINED).unwrap(),
        "s_activation_weekly_summary"
    );
    let segments = r.segments().unwrap();
    assert_eq!(
        get(&segments, "kind").as_string().as_deref(),
        Some("user_attribute")
    );
    let rows = wasm_bindgen::JsCast::unchecked_into::<Array>(get(&segments, "summary"));
    for (segment, active) in spec::PLAN_ACTIVE {
        let got: Vec<f64> = rows
            .iter()
            .filter(|row| get(row, "segment").as_string().unwrap_or_default() == segment)
            .map(|row| get(&row, "active").as_f64().unwrap())
            .collect();
        let expected: Vec<f64> = active.iter().map(|&a| a as f64).collect();
        assert_eq!(got, expected, "segment {segment:?}");
    }
    let csv = String::from_utf8(
        r.table("summary".into(), "csv".into(), "segmented".into())
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(csv.starts_with("segment,period_start,"), "{csv}");
    // A run without segments has no segmented layer, and says so.
    let plain = spec_weekly(file("s.csv", SPEC)).unwrap();
    let e = plain
        .table("summary".into(), "csv".into(), "segmented".into())
        .err()
        .unwrap();
    assert!(message(e).contains("this run has no segmented layer: give segmentBy with users"));
}

/// The hostile corpus (tests/common/corpus.rs) through the façade: each
/// case's error name and message, or the example's numbers, and after each
/// the module still computes the example.
#[wasm_bindgen_test]
fn the_hostile_corpus_through_the_facade() {
    let as_js = |f: &activation_layer::InputFile| {
        let activation_layer::read::Source::Bytes(b) = &f.source else {
            unreachable!("the corpus is in memory")
        };
        file(&f.name, b)
    };
    for case in corpus::cases() {
        let opts = js_sys::JSON::parse(&case.options.to_string()).unwrap();
        if let Some(s) = &case.snapshot {
            Reflect::set(&opts, &"snapshot".into(), &as_js(s)).unwrap();
        }
        let result = compute(Array::of1(&as_js(&case.facts)).into(), opts, None);
        match (case.outcome, result) {
            (corpus::Outcome::Example { rejected }, Ok(r)) => {
                for k in ["active", "new", "churned", "dormant"] {
                    assert_eq!(summary_column(&r, k), spec_column(k), "{}: {k}", case.what);
                }
                let q = get(&r.quality().unwrap(), "rows_rejected");
                assert_eq!(
                    get(&q, "unparseable_time").as_f64(),
                    Some(rejected as f64),
                    "{}",
                    case.what
                );
            }
            (corpus::Outcome::Error(kind, text), Err(e)) => {
                assert_eq!(
                    get(&e, "name").as_string().as_deref(),
                    Some(kind.js_name()),
                    "{}",
                    case.what
                );
                let m = message(e);
                assert!(m.contains(text), "{}: {m}", case.what);
            }
            (want, Ok(_)) => panic!("{}: a run, not {want:?}", case.what),
            (want, Err(e)) => panic!("{}: {}, not {want:?}", case.what, message(e)),
        }
        let ok = spec_weekly(file("s.csv", SPEC)).unwrap();
        assert_eq!(summary_column(&ok, "active"), spec_column("active"));
    }
}
