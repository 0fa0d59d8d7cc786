//! The native engine doing the same in-memory work as the WASM benchmark
//! (bench/engine_wasm.mjs): `activation_layer::run` on the file's bytes plus
//! every output table encoded as an Arrow IPC stream into memory (the WASM
//! engine hands them to JavaScript that way: one array per table, sized by
//! the same bound), then the run freed. The tables' bytes are dropped after
//! the clock stops, as JavaScript collects them later.
//! A warm-up, then the median of N timed runs (default 5).
//!
//! ```text
//! cargo bench --bench engine                         # bench/data/*.parquet, every grain
//! cargo bench --bench engine -- FILE... [--grain day|week|month]... [--runs N] [--json]
//!     [--segment-col C | --users FILE --segment-by A]
//! ```
//!
//! With segments (SPEC section 11) the run gives its segmented layer alone
//! and that layer's tables are encoded, as the CLI and bench/engine_wasm.mjs
//! ask; the section 12 share is then not measured.
//!
//! `--json` prints one JSON object per file and grain on stdout (times in
//! ms, state rows, the summary rows, peak RSS from /proc/self/status);
//! bench/run.mjs reads it to build BENCHMARKS.md.
//!
//! It also times what SPEC section 12 adds to a run, apart: the activity
//! and depth counters fed every user's active days (as the walk feeds
//! them) and both tables encoded, on the same file (`section12Ms`, the
//! median of the same number of runs).

use std::path::{Path, PathBuf};
use std::time::Instant;

use activation_layer::activity::ActiveDays;
use activation_layer::depth::DepthCounter;
use activation_layer::output::TableKind;
use activation_layer::progress::ignore;
use activation_layer::read::read_facts;
use activation_layer::rolling::ActivityCounter;
use activation_layer::write::{write_table, OutputFormat};
use activation_layer::{run, Activation, Grain, InputFile, RunOptions};

struct Args {
    files: Vec<PathBuf>,
    grains: Vec<Grain>,
    runs: usize,
    json: bool,
    segment_col: Option<String>,
    users: Option<PathBuf>,
    segment_by: Option<String>,
}

fn parse_args() -> Args {
    let mut a = Args {
        files: Vec::new(),
        grains: Vec::new(),
        runs: 5,
        json: false,
        segment_col: None,
        users: None,
        segment_by: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            // cargo bench passes --bench to harness = false targets.
            "--bench" => {}
            "--json" => a.json = true,
            "--grain" => {
                let g = it.next().expect("--grain needs day, week or month");
                a.grains
                    .push(g.parse().expect("--grain: day, week or month"));
            }
            "--runs" => {
                a.runs = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .expect("--runs needs a positive number");
            }
            "--segment-col" => a.segment_col = it.next(),
            "--users" => a.users = it.next().map(PathBuf::from),
            "--segment-by" => a.segment_by = it.next(),
            other if other.starts_with("--") => panic!("unknown flag {other}"),
            file => a.files.push(PathBuf::from(file)),
        }
    }
    if a.grains.is_empty() {
        a.grains = vec![Grain::Day, Grain::Week, Grain::Month];
    }
    if a.files.is_empty() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/data");
        for name in ["events_1m.parquet", "events_10m.parquet"] {
            if dir.join(name).exists() {
                a.files.push(dir.join(name));
            }
        }
        if a.files.is_empty() {
            eprintln!(
                "no input: pass FILE... or generate bench/data/events_1m.parquet (make bench does)"
            );
            std::process::exit(2);
        }
    }
    a
}

/// Peak resident set size of this process so far (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// One full in-memory computation, every table encoded as Arrow IPC (as
/// the WASM engine hands them to JavaScript); returns the state rows, the
/// summary and the tables' bytes.
fn once(input: &InputFile, opts: &RunOptions) -> (usize, serde_json::Value, Vec<Vec<u8>>) {
    let a = run(std::slice::from_ref(input), None, opts).expect("run failed");
    let layer = a.layer();
    let tables = layer
        .tables()
        .map(|kind| {
            let out = Vec::with_capacity(layer.arrow_size_bound(kind).unwrap_or(0));
            write_table(layer, kind, OutputFormat::Arrow, out).expect("writing a table failed")
        })
        .collect();
    let (states, summary) = match &a.segments {
        Some(s) => (
            s.layers.iter().map(|(_, l)| l.states.len()).sum(),
            serde_json::to_value(
                s.layers
                    .iter()
                    .map(|(v, l)| (v, &l.aggregates.summary))
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
        ),
        None => (
            a.states.len(),
            serde_json::to_value(&a.aggregates.summary).unwrap(),
        ),
    };
    (states, summary, tables)
}

/// What SPEC section 12 costs a run of `a`: each user's active days, read
/// and grouped as the run does, fed to the two counters, and both tables
/// encoded; the time of the counters and the encoding only.
fn section12(input: &InputFile, opts: &RunOptions, a: &Activation) -> f64 {
    let facts = read_facts(
        std::slice::from_ref(input),
        &opts.facts,
        a.snapshot.meta.timezone,
        &mut ignore,
    )
    .expect("reading the facts failed");
    let (_, rank) = facts.users.finish().into_sorted();
    let days = ActiveDays::build(facts.rows, &rank);
    let t = Instant::now();
    let cal = a.calendar;
    let through = a.activity.days().end - 1;
    let mut activity = ActivityCounter::new(a.activity.first_day, through, &opts.windows);
    let mut depth = DepthCounter::new(&cal, a.first_period(), a.last_period());
    for u in 0..rank.len() as u32 {
        let d = days.of(u);
        activity.add(None, d);
        if let Some(c) = &mut depth {
            c.add(None, d);
        }
    }
    let counted = (
        activity.finish(a.activity.history_start),
        depth.map(DepthCounter::finish),
    );
    assert_eq!(
        counted.0, a.activity,
        "the activity counter agrees with the run"
    );
    assert_eq!(counted.1, a.depth, "the depth counter agrees with the run");
    for kind in [TableKind::Activity, TableKind::Depth]
        .into_iter()
        .filter(|k| k.exists(cal.grain()))
    {
        write_table(a, kind, OutputFormat::Arrow, Vec::new()).expect("writing a table failed");
    }
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let args = parse_args();
    for file in &args.files {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let input = InputFile::bytes(name.clone(), bytes.clone());
        for &grain in &args.grains {
            let mut opts = RunOptions::new(grain);
            opts.facts.segment_column = args.segment_col.clone();
            opts.users = args.users.as_ref().map(|p| {
                let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                InputFile::bytes(p.file_name().unwrap().to_string_lossy(), bytes)
            });
            opts.segment_by = args.segment_by.clone();
            let segmented = opts.facts.segment_column.is_some() || opts.users.is_some();
            opts.unsegmented = !segmented;
            let t = Instant::now();
            let (state_rows, summary, tables) = once(&input, &opts);
            let warmup_ms = t.elapsed().as_secs_f64() * 1e3;
            let out_bytes: usize = tables.iter().map(Vec::len).sum();
            drop(tables);
            let mut times = Vec::with_capacity(args.runs);
            for _ in 0..args.runs {
                let t = Instant::now();
                let r = once(&input, &opts);
                times.push(t.elapsed().as_secs_f64() * 1e3);
                drop(r);
            }
            let med = median(&times);
            let section12_ms = if segmented {
                f64::NAN
            } else {
                let a = run(std::slice::from_ref(&input), None, &opts).expect("run failed");
                let extra: Vec<f64> = (0..args.runs)
                    .map(|_| section12(&input, &opts, &a))
                    .collect();
                median(&extra)
            };
            if args.json {
                let out = serde_json::json!({
                    "engine": "native",
                    "file": name,
                    "grain": grain.to_string(),
                    "inputBytes": bytes.len(),
                    "warmupMs": warmup_ms,
                    "times": times,
                    "medianMs": med,
                    "stateRows": state_rows,
                    "outputBytes": out_bytes,
                    "section12Ms": section12_ms,
                    "maxRssBytes": peak_rss(),
                    "summary": summary,
                });
                println!("{out}");
            } else {
                let section12 = if segmented {
                    String::new()
                } else {
                    format!(
                        "; section 12 tables {section12_ms:.1} ms ({:.1}%)",
                        100.0 * section12_ms / med
                    )
                };
                println!(
                    "{name} {grain}: median {med:.1} ms of {} runs (warm-up {warmup_ms:.1} ms), {} state rows, peak RSS {} MiB{section12}",
                    args.runs,
                    state_rows,
                    peak_rss().unwrap_or(0) / (1 << 20),
                );
            }
        }
    }
}
