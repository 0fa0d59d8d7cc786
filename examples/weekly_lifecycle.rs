//! The library API in one program: weekly states of a fact file, the
//! lifecycle per week, one user's timeline, and the snapshot written for
//! tomorrow's incremental run.
//!
//! ```text
//! cargo run --example weekly_lifecycle -- tests/data/spec_example.csv 2024-02-04
//! ```

use std::process::ExitCode;

use activation_layer::output::TableKind;
use activation_layer::write::{write_table, OutputFormat};
use activation_layer::{run, InputFile, Settings};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [facts, through] = args.as_slice() else {
        eprintln!("usage: weekly_lifecycle FACTS.csv|FACTS.parquet THROUGH_DATE");
        return ExitCode::from(2);
    };
    match lifecycle(facts, through) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.kind().exit_code())
        }
    }
}

fn lifecycle(facts: &str, through: &str) -> Result<(), activation_layer::Error> {
    // The same settings a CLI flag or a JS option would give, as text.
    let options = Settings {
        grain: Some("week".into()),
        through: Some(through.into()),
        ..Settings::default()
    }
    .to_options()?;
    let result = run(&[InputFile::path(facts)], None, &options)?;

    println!("week        active  new  retained  reactivated  churned");
    for s in &result.aggregates.summary {
        println!(
            "{}  {:>6}  {:>3}  {:>8}  {:>11}  {:>7}",
            activation_layer::grain::format_day(s.period_start),
            s.active,
            s.new,
            s.retained,
            s.reactivated,
            s.churned
        );
    }
    if let Some(user) = result.ids().sorted_order().first() {
        let id = result.ids().display(*user);
        let timeline = activation_layer::timeline::timeline(&result, &id).unwrap_or_default();
        let states: Vec<&str> = timeline.iter().map(|p| p.state).collect();
        println!("{id}: {}", states.join(" -> "));
    }
    let snapshot = write_table(
        &result,
        TableKind::Snapshot,
        OutputFormat::Parquet,
        Vec::new(),
    )?;
    println!(
        "{} users in the snapshot as of {} ({} bytes of Parquet)",
        result.snapshot.users.len(),
        result.quality.through,
        snapshot.len()
    );
    Ok(())
}
