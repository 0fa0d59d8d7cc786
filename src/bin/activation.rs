//! `activation`: the command-line tool (SPEC section 9).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use activation_layer::grain::parse_day;
use activation_layer::progress::Progress;
use activation_layer::rolling::Windows;
use activation_layer::write::{
    csv_bytes, parquet_bytes, write_atomic, write_outputs, OutputFormat,
};
use activation_layer::{run_with_progress, Activation, Error, InputFile, Kind};
use activation_layer::{Grain, Settings};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

/// User activation states (new, retained, reactivated, inactive) from activity facts.
///
/// Reads fact files (one row per qualifying activity: a user id and a time),
/// computes each user's state per day, week or month, and writes the states,
/// summary, transitions and cohorts tables, the daily rolling activity (DAU,
/// WAU, MAU, stickiness) and the depth of use per week or month, a FirstLast
/// snapshot for the next incremental run, and a data-quality report.
#[derive(Parser)]
#[command(name = "activation", version, max_term_width = 100, after_help = exit_codes())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The exit codes, one per kind of error, for `--help`.
fn exit_codes() -> String {
    let kinds: Vec<String> = Kind::ALL
        .iter()
        .map(|k| format!("{} {}", k.exit_code(), k.summary()))
        .collect();
    format!("Exit codes: 0 success; {}.", kinds.join("; "))
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
    /// Show what a run would read from fact files: columns and types, rows,
    /// the user and time columns it would pick, fact values and the columns
    /// that could segment a run.
    Inspect {
        /// Fact files: Parquet or CSV.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Print what the package's `inspect` returns, as a JSON array (one object per file).
        #[arg(long)]
        json: bool,
    },
    /// Print the data dictionary (every output table and column): as JSON,
    /// as the schema.yml of the dbt package's models for one fact, or as
    /// the Frictionless Table Schema of every table.
    ///
    /// Examples:
    ///   activation dictionary --format dbt --name app_visit --grain week > models/schema.yml
    ///   activation dictionary --format frictionless | jq '.tables.states.schema' > states.schema.json
    #[command(verbatim_doc_comment)]
    Dictionary(DictionaryArgs),
    /// Write a synthetic, realistic fact file (for demos and benchmarks).
    Generate(GenerateArgs),
    /// Print the shell completion script for bash, zsh or fish.
    ///
    /// Example:
    ///   activation completions bash > ~/.local/share/bash-completion/completions/activation
    #[command(verbatim_doc_comment)]
    Completions {
        /// The shell.
        #[arg(value_parser = ["bash", "zsh", "fish"])]
        shell: String,
    },
    /// Print the man page (roff), e.g. `activation man | man -l -`, or
    /// write it and one page per subcommand (activation-run.1, ...) to a
    /// directory.
    Man {
        /// Directory for every page (created if missing).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// The forms `activation dictionary` prints.
#[derive(Clone, Copy, clap::ValueEnum)]
enum DictionaryFormat {
    /// Every table, column, state and transition, as JSON.
    Json,
    /// The schema.yml of the dbt package's models (SPEC section 13).
    Dbt,
    /// One JSON object: under `tables`, each table's name, description and
    /// Frictionless Table Schema (fields with types, descriptions and
    /// constraints, primaryKey, CSV null marker), the schema a run's
    /// datapackage.json gives that table's file (SPEC section 14); the
    /// user id is `any` (the facts' type), the activity table has the
    /// columns of --windows; `segment_field` is the first field and key
    /// part of a segmented layer's tables.
    Frictionless,
}

#[derive(Args)]
struct DictionaryArgs {
    #[arg(long, value_enum, default_value = "json")]
    format: DictionaryFormat,
    /// dbt: the fact name of the models ({fact}_activation_{g}, {fact}_firstlast, ...) [default: fact].
    #[arg(long, value_name = "FACT_NAME")]
    name: Option<String>,
    /// dbt: a grain of the period models (repeatable) [default: day, week and month].
    #[arg(long, value_parser = ["day", "week", "month"])]
    grain: Vec<String>,
    /// dbt: the models split by this fact column ({fact}_by_{C}_..., a first column segment).
    #[arg(long = "segment-col", value_name = "C")]
    segment_column: Option<String>,
    /// dbt, frictionless: the activity table's trailing windows, in days [default: 7,28].
    #[arg(long, value_name = "N,N", value_delimiter = ',')]
    windows: Option<Vec<u32>>,
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
    /// Row order: time (as event logs are appended), user (each user's rows together) or random.
    #[arg(long, value_parser = ["time", "user", "random"], default_value = "time")]
    order: String,
    /// Add an `event` column with this many kinds of event (each user
    /// favours one), to split runs by it (--segment-col event).
    #[arg(long, value_name = "N", default_value_t = 0)]
    event_kinds: u32,
    /// Also write a users table (user_id, plan, country) for partition
    /// runs (--users FILE --segment-by plan): .parquet or .csv.
    #[arg(long, value_name = "FILE")]
    users_out: Option<PathBuf>,
}

#[derive(Args)]
struct RunArgs {
    /// Fact files: Parquet or CSV (comma, tab or semicolon; header row). Several files form one fact table.
    #[arg(required = true, value_name = "FACTS")]
    facts: Vec<PathBuf>,
    #[command(flatten)]
    settings: Settings,
    /// FirstLast snapshot of an earlier run to resume from (or a minimal user_id, first_active_date, last_active_date table with --as-of).
    #[arg(long, value_name = "FILE")]
    snapshot: Option<PathBuf>,
    /// Users table (Parquet or CSV, one row per user) whose --segment-by
    /// attribute partitions the run: states are the unsegmented run's, and
    /// every aggregate is counted per segment. Tables are named
    /// {fact}_by_{A}_activation_... and gain a first column `segment`.
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Table format (the snapshot is always Parquet).
    #[arg(long, value_parser = ["parquet", "csv"], default_value = "parquet")]
    format: String,
    /// No progress bar and no summary line on standard error (warnings and
    /// errors are still printed).
    #[arg(long, short)]
    quiet: bool,
}

fn execute(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run(args) => {
            let started = Instant::now();
            let mut opts = args.settings.to_options()?;
            opts.users = args.users.as_ref().map(InputFile::path);
            // The CLI writes one layer per run.
            opts.unsegmented = false;
            let format = args.format.parse::<OutputFormat>()?;
            let facts: Vec<InputFile> = args.facts.iter().map(InputFile::path).collect();
            let snapshot = args.snapshot.as_ref().map(InputFile::path);
            let bar = Bar::new(args.quiet);
            let result = run_with_progress(&facts, snapshot.as_ref(), &opts, &mut |p| bar.show(p))?;
            bar.writing();
            let written = write_outputs(result.layer(), &args.out, format);
            bar.clear();
            let written = written?;
            for w in &result.layer().quality().warnings {
                eprintln!("warning: {w}");
            }
            for p in &written {
                say(p.display())?;
            }
            if !args.quiet {
                eprintln!("{}", summary(&result, written.len(), started.elapsed()));
            }
            Ok(())
        }
        Command::Merge {
            history_dir,
            run_dir,
        } => {
            let report = activation_layer::merge::merge_dirs(&history_dir, &run_dir)?;
            for line in report {
                say(line)?;
            }
            Ok(())
        }
        Command::Generate(g) => {
            let options = activation_layer::synth::SynthOptions {
                events: g.events,
                users: g.users,
                days: g.days,
                start: parse_day("start", &g.start)?,
                seed: g.seed,
                int_ids: g.int_ids,
                order: g.order.parse()?,
                event_kinds: g.event_kinds,
            };
            let batch = activation_layer::synth::generate(&options)?;
            write_generated(&g.out, &batch)?;
            say(format_args!(
                "{} ({} events)",
                g.out.display(),
                batch.num_rows()
            ))?;
            if let Some(path) = &g.users_out {
                let users = activation_layer::synth::users(&options)?;
                write_generated(path, &users)?;
                say(format_args!(
                    "{} ({} users)",
                    path.display(),
                    users.num_rows()
                ))?;
            }
            Ok(())
        }
        Command::Inspect { files, json } => {
            let infos = files
                .iter()
                .map(|f| activation_layer::inspect::inspect(&InputFile::path(f)))
                .collect::<Result<Vec<_>, _>>()?;
            if json {
                let text = serde_json::to_string_pretty(&infos)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                return say(text);
            }
            infos.iter().try_for_each(describe)
        }
        Command::Completions { shell } => {
            use clap_complete::Shell;
            let shell = match shell.as_str() {
                "bash" => Shell::Bash,
                "zsh" => Shell::Zsh,
                _ => Shell::Fish,
            };
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cli_command(), "activation", &mut script);
            say(String::from_utf8_lossy(&script).trim_end())
        }
        Command::Man { out } => {
            let top = cli_command();
            let Some(dir) = out else {
                return say(String::from_utf8_lossy(&man_page(top)?).trim_end());
            };
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            let subcommands: Vec<clap::Command> = top
                .get_subcommands()
                .filter(|c| c.get_name() != "help")
                .map(|c| {
                    let name = format!("activation-{}", c.get_name());
                    c.clone().name(&*Box::leak(name.into_boxed_str()))
                })
                .collect();
            for page in std::iter::once(top).chain(subcommands) {
                let path = dir.join(format!("{}.1", page.get_name()));
                write_atomic(&path, &man_page(page)?)?;
                say(path.display())?;
            }
            Ok(())
        }
        Command::Dictionary(d) => match d.format {
            DictionaryFormat::Json | DictionaryFormat::Frictionless
                if d.name.is_some() || !d.grain.is_empty() || d.segment_column.is_some() =>
            {
                Err(Error::Usage(
                    "--name, --grain and --segment-col describe dbt models: give --format dbt"
                        .into(),
                ))
            }
            DictionaryFormat::Json if d.windows.is_some() => Err(Error::Usage(
                "--windows gives the activity table's columns: give --format dbt or frictionless"
                    .into(),
            )),
            DictionaryFormat::Json => {
                let json = serde_json::to_string_pretty(&activation_layer::dictionary::to_json())
                    .map_err(|e| Error::Internal(e.to_string()))?;
                say(json)
            }
            DictionaryFormat::Frictionless => {
                let json = serde_json::to_string_pretty(&activation_layer::datapackage::schemas(
                    &Windows::given(d.windows.as_deref())?,
                ))
                .map_err(|e| Error::Internal(e.to_string()))?;
                say(json)
            }
            DictionaryFormat::Dbt => {
                let grains = if d.grain.is_empty() {
                    Grain::ALL.to_vec()
                } else {
                    d.grain
                        .iter()
                        .map(|g| g.parse())
                        .collect::<Result<_, _>>()?
                };
                say(
                    activation_layer::dbt::schema_yml(&activation_layer::dbt::DbtModels {
                        fact: d.name.as_deref().unwrap_or("fact"),
                        grains: &grains,
                        segment_column: d.segment_column.as_deref(),
                        windows: &Windows::given(d.windows.as_deref())?,
                    })
                    .trim_end(),
                )
            }
        },
    }
}

/// Writes a generated table as CSV or Parquet, by the file's extension.
fn write_generated(path: &std::path::Path, batch: &arrow_array::RecordBatch) -> Result<(), Error> {
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let bytes = if csv {
        csv_bytes(batch)?
    } else {
        parquet_bytes(batch, &[])?
    };
    write_atomic(path, &bytes)
}

/// Prints what `inspect` found in one file, for a person.
fn describe(info: &activation_layer::inspect::FileInfo) -> Result<(), Error> {
    use activation_layer::read::{TIME_COLUMNS, USER_COLUMNS};
    say(format_args!(
        "{} ({}, {} rows{})",
        info.name,
        info.format.name(),
        info.rows,
        if info.sampled {
            "; values counted on the first rows"
        } else {
            ""
        }
    ))?;
    let picked = |what: &str, col: &Option<String>, names: &[&str], flag: &str| match col {
        Some(c) => format!(
            "  {what} column: {c} (the first of {} present)",
            names.join(", ")
        ),
        None => format!(
            "  {what} column: none of {} (or two differing only by case): give {flag}",
            names.join(", ")
        ),
    };
    say(picked(
        "user",
        &info.user_column,
        &USER_COLUMNS,
        "--user-col",
    ))?;
    say(picked(
        "time",
        &info.time_column,
        &TIME_COLUMNS,
        "--time-col",
    ))?;
    if info.time_is_integer {
        say("  the time column holds integers: give --time-unit or --time-format")?;
    }
    let widest = |f: fn(&activation_layer::inspect::ColumnInfo) -> usize, title: &str| {
        info.columns
            .iter()
            .map(f)
            .max()
            .unwrap_or(0)
            .max(title.len())
    };
    let (name_w, type_w) = (
        widest(|c| c.name.len(), "column"),
        widest(|c| c.data_type.len(), "type"),
    );
    say(format_args!(
        "  {:name_w$}  {:type_w$}  segment values  sample",
        "column", "type"
    ))?;
    for c in &info.columns {
        let segments = c.segment_values.map_or("-".to_string(), |n| n.to_string());
        say(format_args!(
            "  {:name_w$}  {:type_w$}  {segments:14}  {}",
            c.name,
            c.data_type,
            c.sample.join(", ")
        ))?;
    }
    for f in &info.fact_columns {
        let values: Vec<String> = f
            .values
            .iter()
            .map(|v| format!("{} ({})", v.value, v.rows))
            .collect();
        say(format_args!(
            "  fact values of {}: {}",
            f.column,
            values.join(", ")
        ))?;
    }
    Ok(())
}

/// The progress bar of `activation run` on standard error: drawn only
/// when standard error is a terminal and the run is not `--quiet`, so logs
/// and pipes never receive control characters.
struct Bar(Option<indicatif::ProgressBar>);

/// Steps of the bar: fractions of a run in thousandths.
const BAR_STEPS: u64 = 1000;

impl Bar {
    fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = indicatif::ProgressBar::new(BAR_STEPS);
        // The template is a constant: a typo in it is a bug the tests catch.
        let style = indicatif::ProgressStyle::with_template(
            "{spinner} {msg:30} {wide_bar} {percent:>3}% ETA {eta}",
        )
        .expect("a valid progress template")
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        Bar(Some(bar))
    }

    /// Shows where the engine is: the file being read and the rows so far,
    /// then computing.
    fn show(&self, p: &Progress) {
        let Some(bar) = &self.0 else { return };
        bar.set_position((p.fraction * BAR_STEPS as f64) as u64);
        bar.set_message(match p.phase {
            "read" => format!("reading file {}/{}, {} rows", p.file + 1, p.files, p.rows),
            "compute" => format!("computing states, {} rows", p.rows),
            _ => "done".to_string(),
        });
    }

    fn writing(&self) {
        if let Some(bar) = &self.0 {
            bar.set_message("writing the tables");
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// The line that ends a run, on standard error (standard output lists the
/// files written, for scripts). A segmented run counts the segmented layer's rows and users (the one it
/// writes), and names its segments.
fn summary(result: &Activation, files: usize, elapsed: Duration) -> String {
    let q = result.layer().quality();
    let periods = result.last_period() - result.first_period() + 1;
    let plural = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let users = match &result.segments {
        Some(s) => format!(
            "{} in {} of {}",
            plural(q.total_users, "user"),
            plural(s.layers.len() as u64, "segment"),
            s.column
        ),
        None => plural(q.total_users, "user"),
    };
    format!(
        "{} read ({} used), {}, {} ({} to {}), {} written in {:.2} s",
        plural(q.rows_read, "row"),
        q.rows_used,
        users,
        plural(periods.max(0) as u64, q.grain.as_str()),
        q.report_from,
        q.through,
        plural(files as u64, "file"),
        elapsed.as_secs_f64()
    )
}

/// A command's man page in roff.
fn man_page(command: clap::Command) -> Result<Vec<u8>, Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| Error::Internal(format!("rendering the man page: {e}")))?;
    Ok(page)
}

/// Prints one line on standard output. A reader that closed the pipe
/// (`activation dictionary | head`) has what it wanted: the program ends
/// quietly and successfully, as ripgrep does, instead of reporting a bug.
fn say(line: impl std::fmt::Display) -> Result<(), Error> {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{line}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        r => r.map_err(|e| Error::io("standard output", e)),
    }
}

/// The argument definitions, as `--help`, the completions and the man page
/// show them. The version names the snapshot format it writes too: a
/// pipeline that keeps snapshots learns whether an upgrade changes them.
fn cli_command() -> clap::Command {
    let version = format!(
        "{} (writes FirstLast snapshot format {})",
        env!("CARGO_PKG_VERSION"),
        activation_layer::firstlast::FORMAT_VERSION
    );
    // Built once or twice per process: leaking it for clap's 'static str
    // costs nothing.
    Cli::command().version(&*Box::leak(version.into_boxed_str()))
}

fn main() -> ExitCode {
    let matches = cli_command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // A panic is a bug, but it must still end as a message and a non-zero
    // exit, not a backtrace: the default hook is silenced and the payload
    // reported as an internal error.
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(|| execute(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(e.kind().exit_code())
        }
        Err(panic) => {
            let msg = activation_layer::error::panic_message(panic.as_ref());
            eprintln!("error: {}", Error::Internal(msg.to_string()));
            ExitCode::from(Kind::Internal.exit_code())
        }
    }
}
