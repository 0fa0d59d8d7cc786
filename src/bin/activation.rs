//! `activation`: the command-line tool (SPEC section 9).

use std::path::PathBuf;
use std::process::ExitCode;

use activation_layer::grain::parse_day;
use activation_layer::settings::Settings;
use activation_layer::write::{
    csv_bytes, parquet_bytes, write_atomic, write_outputs, OutputFormat,
};
use activation_layer::{run, Error, InputFile, RunOptions};
use clap::{Args, Parser, Subcommand};

/// User activation states (new, retained, reactivated, inactive) from activity facts.
///
/// Reads fact files (one row per qualifying activity: a user id and a time),
/// computes each user's state per day, week or month, and writes the states,
/// summary, transitions and cohorts tables, a FirstLast snapshot for the next
/// incremental run, and a data-quality report.
#[derive(Parser)]
#[command(name = "activation", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute activation states from fact files (and optionally a snapshot).
    ///
    /// Example:
    ///   activation run events.parquet --grain week --out out/
    ///   activation run day2.csv --grain day --snapshot out/events_firstlast.parquet --out out2/
    #[command(verbatim_doc_comment)]
    Run(Box<RunArgs>),
    /// Upsert a run's tables into an accumulated history directory, by key.
    Merge {
        /// Directory holding the accumulated tables (created if missing).
        history_dir: PathBuf,
        /// Directory written by `activation run`.
        run_dir: PathBuf,
    },
    /// Print the data dictionary (every output table and column) as JSON.
    Dictionary,
    /// Write a synthetic, realistic fact file (for demos and benchmarks).
    Generate(GenerateArgs),
}

#[derive(Args)]
struct GenerateArgs {
    /// Output file: .parquet (snappy, row groups of about 1M rows) or .csv.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Approximate number of events.
    #[arg(long, default_value_t = 100_000)]
    events: u64,
    /// Number of users.
    #[arg(long, default_value_t = 10_000)]
    users: u64,
    /// Days covered.
    #[arg(long, default_value_t = 180)]
    days: u32,
    /// First day (YYYY-MM-DD).
    #[arg(long, default_value = "2024-01-01")]
    start: String,
    /// Random seed (the same seed gives the same file).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Integer user ids instead of strings.
    #[arg(long = "int-ids")]
    int_ids: bool,
}

#[derive(Args)]
struct RunArgs {
    /// Fact files: Parquet or CSV (comma, tab or semicolon; header row). Several files form one fact table.
    #[arg(required = true, value_name = "FACTS")]
    facts: Vec<PathBuf>,
    /// Period size of the states and summary.
    #[arg(long, value_parser = ["day", "week", "month"])]
    grain: String,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// User id column [default: first of user_id, userid, user, customer_id, member_id, account_id].
    #[arg(long = "user-col", value_name = "C")]
    user_col: Option<String>,
    /// Time column [default: first of event_time, timestamp, ts, time, event_date, date, created_at].
    #[arg(long = "time-col", value_name = "C")]
    time_col: Option<String>,
    /// Unit of epoch integer times (required for integer times unless --time-format).
    #[arg(long = "time-unit", value_parser = ["s", "ms", "us", "ns"])]
    time_unit: Option<String>,
    /// strftime pattern for times, e.g. %Y%m%d or "%d/%m/%Y %H:%M" (applies to strings and integers).
    #[arg(long = "time-format", value_name = "F")]
    time_format: Option<String>,
    /// Column naming the kind of activity; only rows with a --fact value count.
    #[arg(long = "fact-col", value_name = "C")]
    fact_col: Option<String>,
    /// A value of --fact-col that counts as activity (repeatable).
    #[arg(long = "fact", value_name = "V")]
    fact: Vec<String>,
    /// Fact name used in output file names [default: the snapshot's fact, else the --fact values joined with _, else the file's stem].
    #[arg(long, value_name = "FACT_NAME")]
    name: Option<String>,
    /// Time zone of local dates: an IANA name (Asia/Seoul) or an offset (+09:00) [default: the snapshot's, else UTC].
    #[arg(long, value_name = "TZ")]
    timezone: Option<String>,
    /// First day of weeks [default: the snapshot's, else monday].
    #[arg(long = "week-start", value_name = "DAY")]
    week_start: Option<String>,
    /// FirstLast snapshot of an earlier run to resume from (or a minimal user_id, first_active_date, last_active_date table with --as-of).
    #[arg(long, value_name = "FILE")]
    snapshot: Option<PathBuf>,
    /// Last day folded into the snapshot (required for a minimal snapshot; must end a period of the grain).
    #[arg(long = "as-of", value_name = "DATE")]
    as_of: Option<String>,
    /// Skip (and count) facts dated on or before the snapshot's as_of instead of failing.
    #[arg(long = "skip-overlap")]
    skip_overlap: bool,
    /// Last day of data (YYYY-MM-DD); later rows are rejected and counted [default: the last activity date].
    #[arg(long, value_name = "DATE")]
    through: Option<String>,
    /// First reported day (YYYY-MM-DD) [default: the first activity date, or the day after the snapshot's as_of].
    #[arg(long = "report-from", value_name = "DATE")]
    report_from: Option<String>,
    /// Fail when more than this fraction of rows is rejected (null user, unreadable time).
    #[arg(long = "max-rejected", value_name = "FRACTION", default_value_t = 0.01)]
    max_rejected: f64,
    /// States rows: changes (active users and churn rows) or all (every user, every period).
    #[arg(long, value_parser = ["changes", "all"], default_value = "changes")]
    rows: String,
    /// Table format (the snapshot is always Parquet).
    #[arg(long, value_parser = ["parquet", "csv"], default_value = "parquet")]
    format: String,
}

fn options(a: &RunArgs) -> Result<RunOptions, Error> {
    Settings {
        grain: Some(a.grain.clone()),
        week_start: a.week_start.clone(),
        timezone: a.timezone.clone(),
        user_column: a.user_col.clone(),
        time_column: a.time_col.clone(),
        time_unit: a.time_unit.clone(),
        time_format: a.time_format.clone(),
        fact_column: a.fact_col.clone(),
        fact_values: a.fact.clone(),
        name: a.name.clone(),
        through: a.through.clone(),
        report_from: a.report_from.clone(),
        rows: Some(a.rows.clone()),
        as_of: a.as_of.clone(),
        skip_overlap: a.skip_overlap,
        max_rejected: Some(a.max_rejected),
        snapshot: None,
    }
    .to_options()
}

fn execute(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run(args) => {
            let opts = options(&args)?;
            let facts: Vec<InputFile> = args.facts.iter().map(InputFile::path).collect();
            let snapshot = args.snapshot.as_ref().map(InputFile::path);
            let result = run(&facts, snapshot.as_ref(), &opts)?;
            let written = write_outputs(&result, &args.out, args.format.parse::<OutputFormat>()?)?;
            for w in &result.quality.warnings {
                eprintln!("warning: {w}");
            }
            for p in written {
                println!("{}", p.display());
            }
            Ok(())
        }
        Command::Merge {
            history_dir,
            run_dir,
        } => {
            let report = activation_layer::merge::merge_dirs(&history_dir, &run_dir)?;
            for line in report {
                println!("{line}");
            }
            Ok(())
        }
        Command::Generate(g) => {
            let batch =
                activation_layer::synth::generate(&activation_layer::synth::SynthOptions {
                    events: g.events,
                    users: g.users,
                    days: g.days,
                    start: parse_day("start", &g.start)?,
                    seed: g.seed,
                    int_ids: g.int_ids,
                })?;
            let csv = g
                .out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            let bytes = if csv {
                csv_bytes(&batch)?
            } else {
                parquet_bytes(&batch, &[])?
            };
            write_atomic(&g.out, &bytes)?;
            println!("{} ({} events)", g.out.display(), batch.num_rows());
            Ok(())
        }
        Command::Dictionary => {
            let json = serde_json::to_string_pretty(&activation_layer::dictionary::to_json())
                .map_err(|e| Error::Internal(e.to_string()))?;
            println!("{json}");
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A panic is a bug, but it must still end as a message and a non-zero
    // exit, not a backtrace: the default hook is silenced and the payload
    // reported as an internal error.
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(|| execute(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        Err(panic) => {
            let msg = activation_layer::error::panic_message(panic.as_ref());
            eprintln!("error: {}", Error::Internal(msg.to_string()));
            ExitCode::from(70)
        }
    }
}
