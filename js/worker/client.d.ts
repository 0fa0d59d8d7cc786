// The worker API of activation-layer (`activation-layer/worker`), and the
// JSON shapes the engine returns (src/inspect.rs, src/dictionary.rs,
// src/quality.rs, src/distributions.rs, src/timeline.rs, src/options.rs).
// Optional Rust values arrive as null.

export interface FileInput {
  name: string;
  bytes: Uint8Array;
}

export interface Progress {
  /** `read` (decoding fact files), `compute` (states and tables) or `done`. */
  phase: 'read' | 'compute' | 'done';
  /** Index of the file being read (0-based). */
  file: number;
  files: number;
  /** Rows read so far, over all files. */
  rows: number;
  /** Estimated fraction of the whole run done, 0 to 1. */
  fraction: number;
}

export type Grain = 'day' | 'week' | 'month';
export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';
export type State = 'new' | 'retained' | 'reactivated' | 'inactive';
export type Transition =
  | 'new'
  | 'new_to_retained'
  | 'new_to_inactive'
  | 'retained_to_retained'
  | 'retained_to_inactive'
  | 'reactivated_to_retained'
  | 'reactivated_to_inactive'
  | 'inactive_to_reactivated'
  | 'inactive_to_inactive';

/** The options of a run: the CLI flags in camelCase (`options()` lists them, without `snapshot`). */
export interface ComputeOptions {
  grain?: Grain;
  weekStart?: string;
  timezone?: string;
  userColumn?: string;
  timeColumn?: string;
  timeUnit?: 's' | 'ms' | 'us' | 'ns';
  timeFormat?: string;
  factColumn?: string;
  factValues?: string[];
  name?: string;
  through?: string;
  reportFrom?: string;
  rows?: 'changes' | 'all';
  snapshot?: FileInput;
  /** The users table whose `segmentBy` attribute partitions the run (SPEC section 11). */
  users?: FileInput;
  /** With `false`, a split run computes its segmented layer alone (less time and memory; no layer without segments). Default true. */
  unsegmented?: boolean;
  asOf?: string;
  skipOverlap?: boolean;
  maxRejected?: number;
  /** The fact column that splits the run (SPEC section 11): each value's layer is the layer of its rows; a user has states in each segment they are active in. */
  segmentColumn?: string;
  /** The attribute of `users` that partitions the run (SPEC section 11): states stay the run's, every aggregate is counted per segment. */
  segmentBy?: string;
  /** The users table's id column. */
  usersIdColumn?: string;
  /** The most distinct segments a run accepts (default 1000). */
  maxSegments?: number;
  /** Trailing windows of the activity table, in days, each 2 to 90, distinct (default [7, 28]): active_{N}d, stickiness_{N}d and complete_{N}d per window (SPEC section 12). */
  windows?: number[];
}

/** One file of a run, named as the CLI names it. */
export interface RunFile {
  name: string;
  bytes: Uint8Array;
}

/** The format of a run's files: tables as the CLI writes them. */
export type FileFormat = 'parquet' | 'csv';

/** One column of a Frictionless Table Schema (src/datapackage.rs). */
export interface DataField {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'any';
  description: string;
  constraints?: { required?: boolean; enum?: string[] };
}

/** One file of a data package: a table (with its Table Schema) or the quality report. */
export interface DataResource {
  name: TableName | 'quality';
  path: string;
  profile: 'tabular-data-resource' | 'data-resource';
  format: 'csv' | 'parquet' | 'json';
  mediatype: string;
  encoding?: 'utf-8';
  bytes: number;
  /** `sha256:` and the file's hash in hex. */
  hash: string;
  description: string;
  schema?: { fields: DataField[]; primaryKey: string[]; missingValues: string[] };
}

/** A run's files as a Frictionless Data Package (SPEC section 14): what `datapackage.json` holds. */
export interface DataPackage {
  profile: 'data-package';
  name: string;
  title: string;
  description: string;
  resources: DataResource[];
  /** The settings the files were made with. */
  activation: {
    engine: string;
    engine_version: string;
    fact: string;
    grain: Grain;
    week_start: string;
    timezone: string;
    report_from: string;
    through: string;
    as_of: string;
    windows: number[];
    segment_kind?: 'fact_column' | 'user_attribute';
    segment_column?: string;
    snapshot_format_version: number;
  };
}

/** The name of a run option as `options()` gives it. */
export type OptionName = Exclude<keyof ComputeOptions, 'snapshot' | 'users' | 'unsegmented'>;

/** One run option, as every interface names it. */
export interface OptionInfo {
  /** The JS option name (camelCase): `weekStart`. */
  name: OptionName;
  /** The CLI flag: `--week-start`. */
  flag: string;
  description: string;
}

/** The run's tables; `depth` exists in weekly and monthly runs only (SPEC section 12). */
export type TableName = 'states' | 'summary' | 'transitions' | 'cohorts' | 'snapshot' | 'activity' | 'depth';
/** Which layer of a run a table comes from: without segments (the default) or segmented. */
export type LayerName = 'plain' | 'segmented';

/** A segment: a value of the segment column or attribute (text or integer), or null. */
export type SegmentValue = string | number | null;

/** One segment's summary row. */
export type SegmentSummaryRow = SummaryRow & { segment: SegmentValue };

/** A bar of a lifecycle chart: the users one summary column counts in one period. */
export interface Bar {
  /** The period's first day, `YYYY-MM-DD`. */
  period: string;
  /** The summary column: `churned` is the bar below zero (inactive after an active period). */
  state: 'new' | 'retained' | 'reactivated' | 'churned';
  /** A segment of the segmented layer (null is the null segment); absent: the run without segments. */
  segment?: SegmentValue;
}

/** The segmented layer of a run (SPEC section 11). */
export interface SegmentedLayer {
  kind: 'user_attribute' | 'fact_column';
  /** The attribute or column. */
  column: string;
  /** Its fact name, `{fact}_by_{column}`. */
  fact: string;
  /** The run's report with `segments`: rows and users per segment. */
  quality: QualityReport & { segments: { segment: SegmentValue; rows: number; users: number }[] };
  /** Every segment's summary rows, segment by segment (null last). */
  summary: SegmentSummaryRow[];
}
export type TableFormat = 'parquet' | 'csv' | 'arrow';

export interface SummaryRow {
  period_start: string;
  period_end: string;
  complete: boolean;
  active: number;
  new: number;
  retained: number;
  reactivated: number;
  churned: number;
  dormant: number;
  inactive: number;
  total_users: number;
  retention_rate: number | null;
  churn_rate: number | null;
  reactivation_rate: number | null;
  quick_ratio: number | null;
}

/** What `inspect()` says about a fact file. */
export interface FileInfo {
  name: string;
  format: 'parquet' | 'csv';
  /**
   * Every column with its Arrow type (CSV columns are `Utf8`) and, when it
   * could segment a run (text or integer, not the user or time column, at
   * most 1,000 distinct values among the rows read, not one per row), its
   * distinct non-null value count; `null` otherwise.
   */
  columns: { name: string; type: string; segment_values: number | null; sample: string[] }[];
  rows: number;
  /** The user column a run would pick. */
  user_column: string | null;
  /** The time column a run would pick. */
  time_column: string | null;
  /** Whether the time column holds integers (a time unit or format is then required). */
  time_is_integer: boolean;
  /** Columns with few distinct values (candidates for the fact filter), values most frequent first. */
  fact_columns: { column: string; values: { value: string; rows: number }[] }[];
  /** Whether `fact_columns` were counted on a sample of the rows. */
  sampled: boolean;
}

/** One column of an output table, or one field of the quality report. */
export interface ColumnDoc {
  name: string;
  /** `user_id` (string or int64, as in the facts), `date`, `string`, `int32`, `int64`, `float64`, `boolean`; quality fields also `object`, `date[]`, `string[]`. */
  type: string;
  nullable: boolean;
  description: string;
  /** The allowed values, for categorical columns. */
  values?: string[];
}

export interface TableDoc {
  /** The short name the APIs use. */
  table: TableName;
  /** The file name pattern (`{fact}`, `{g}` = daily/weekly/monthly). */
  name: string;
  /** What one row is. */
  description: string;
  /** The key: a later run's row replaces an earlier one with the same key. */
  key: string[];
  columns: ColumnDoc[];
}

/** The data dictionary: every output table and column with its meaning. */
export interface Dictionary {
  tables: TableDoc[];
  quality_report: { name: string; description: string; fields: ColumnDoc[] };
  states: { state: State; description: string }[];
  transitions: Transition[];
  /** The first column of every table of a segmented layer. */
  segment_column: ColumnDoc;
}

/** Rows rejected, by reason. */
export interface RejectedRows {
  null_user: number;
  null_time: number;
  unparseable_time: number;
  dated_on_or_before_as_of: number;
  dated_after_through: number;
  total: number;
}

/** The quality report of a run (the CLI's `…_quality.json`). */
export interface QualityReport {
  fact: string;
  grain: Grain;
  timezone: string;
  week_start: Weekday;
  /** The fact files read. */
  files: string[];
  /** The snapshot the run resumed from. */
  snapshot: string | null;
  /** The snapshot's `as_of`. */
  as_of: string | null;
  /** The first reported day. */
  report_from: string;
  /** The last day of data folded in. */
  through: string;
  rows_read: number;
  rows_used: number;
  rows_rejected: RejectedRows;
  rows_filtered_out: number;
  duplicate_rows: number;
  distinct_users: number;
  new_users: number;
  snapshot_users: number;
  total_users: number;
  min_local_date: string | null;
  max_local_date: string | null;
  /** Whether the input snapshot's values are exact (null without a snapshot). */
  snapshot_exact: boolean | null;
  /** Whether the written snapshot's values are exact. */
  exact: boolean;
  /** Days from the first reported day through `through` with no fact rows at all. */
  empty_days: string[];
  warnings: string[];
}

/** One bar of a distribution: how many had this length in periods. */
export interface Bucket {
  periods: number;
  count: number;
}

/** Distributions over the reported periods, non-empty bars shortest first. */
export interface Distributions {
  /** Active streaks that ended with a churn. */
  streak_length: Bucket[];
  /** Streaks still running in the last reported period. */
  ongoing_streak_length: Bucket[];
  /** Periods since the previous active period, on retained and reactivated rows. */
  gap: Bucket[];
  /** Inactive periods ended by a reactivation. */
  churn_duration: Bucket[];
  /** Inactive periods so far of users inactive in the last reported period. */
  ongoing_churn_duration: Bucket[];
}

/** One period of a user's timeline. */
export interface TimelineEntry {
  period_start: string;
  state: State;
  previous_state: State | null;
  transition: Transition;
  streak: number;
  inactive_streak: number;
  gap: number | null;
  churned_periods: number | null;
  active_periods: number;
  tenure: number;
}

/** The `name` of every error the engine throws. */
export type EngineErrorName = 'UsageError' | 'DataError' | 'CorruptFileError' | 'IoError' | 'InternalError';

/** An option or file a message can name: a run option, or the snapshot or users file. */
export type NamedOption = OptionName | 'snapshot' | 'users';

/** An error as the worker forwards it. */
export interface ErrorMessage {
  name: string;
  message: string;
  /** The options the engine's message names, in the order it names them (a page points at their fields). */
  options?: NamedOption[];
}

/**
 * An error of the engine, rebuilt in the page with the engine's name and
 * message. `RuntimeError` means the module trapped: the worker was
 * restarted, and every result it held is gone. Another name means the
 * worker itself failed (the .wasm did not load, for example).
 */
export declare class EngineError extends Error {
  constructor(error: ErrorMessage);
  name: EngineErrorName | 'RuntimeError' | (string & {});
  /** The options the message names, in its order; empty when it names none (and for errors of the worker itself). */
  options: NamedOption[];
}

/** What a cancelled call rejects with (`name` is `AbortError`). */
export declare class CancelledError extends Error {}

/** A computed run, as the worker describes it: the rest stays in the worker under `handle`. */
export interface ComputedRun {
  handle: number;
  fact: string;
  grain: Grain;
  stateRows: number;
  /** Null for a split run resumed from a split snapshot: it has only its segmented layer. */
  summary: SummaryRow[] | null;
  quality: QualityReport;
  segments: SegmentedLayer | null;
  /** The run's tables, in the order the CLI writes them (`depth` only for weeks and months). */
  tables: TableName[];
}

/**
 * The worker protocol, one entry per operation: `args` is what the request
 * carries, `value` what a successful response carries. Byte arrays in
 * values are transferred to the page.
 */
export interface Operations {
  inspect: { args: { file: FileInput }; value: FileInfo };
  dictionary: { args: Record<string, never>; value: Dictionary };
  options: { args: Record<string, never>; value: OptionInfo[] };
  mergeTables: { args: { which: TableName; history: FileInput; run: FileInput }; value: Uint8Array };
  convertTable: { args: { file: FileInput; format: TableFormat }; value: Uint8Array };
  compute: { args: { files: FileInput[]; options: ComputeOptions }; value: ComputedRun };
  table: { args: { handle: number; which: TableName; format: TableFormat; layer?: LayerName }; value: Uint8Array };
  tableName: { args: { handle: number; which: TableName; layer?: LayerName }; value: string };
  files: { args: { handle: number; format: FileFormat; layer?: LayerName }; value: RunFile[] };
  datapackage: { args: { handle: number; format: FileFormat; layer?: LayerName }; value: DataPackage };
  distributions: { args: { handle: number; segment?: SegmentValue }; value: Distributions };
  userTimeline: { args: { handle: number; user: string; segment?: SegmentValue }; value: TimelineEntry[] | null };
  sampleUsers: { args: { handle: number; limit: number; segment?: SegmentValue }; value: string[] };
  usersBehind: { args: { handle: number; bar: Bar; format: TableFormat }; value: Uint8Array };
  free: { args: { handle: number }; value: true };
}

export type Operation = keyof Operations;

/** Page to worker. */
export interface WorkerRequest<Op extends Operation = Operation> {
  id: number;
  op: Op;
  args: Operations[Op]['args'];
}

/**
 * Worker to page: one final response per request (`ok` with the value, or
 * the error as `{ name, message }`), and progress messages before it while
 * computing.
 */
export type WorkerResponse<Op extends Operation = Operation> =
  | { id: number; ok: true; value: Operations[Op]['value'] }
  | { id: number; ok: false; error: ErrorMessage }
  | { id: number; progress: Progress };

export declare class EngineResult {
  readonly fact: string;
  readonly grain: Grain;
  readonly stateRows: number;
  /** Null for a split run resumed from a split snapshot: it has only its segmented layer. */
  readonly summary: SummaryRow[] | null;
  readonly quality: QualityReport;
  /** The segmented layer, when the run has `segmentColumn`, or `users` and `segmentBy`; else null. */
  readonly segments: SegmentedLayer | null;
  /** The run's tables, in the order the CLI writes them (`depth` only for weeks and months). */
  readonly tables: TableName[];
  /** One table's bytes, of the run without segments or of its segmented layer; possibly a view on a slightly larger buffer (use its byteLength, not its buffer's). */
  table(which: TableName, format: TableFormat, layer?: LayerName): Promise<Uint8Array>;
  /** The file name (without extension) the CLI would give a table. */
  tableName(which: TableName, layer?: LayerName): Promise<string>;
  /** Every file the CLI writes for this layer, tables in `format`: the tables, the snapshot, the quality report, and last `datapackage.json` describing them. */
  files(format: FileFormat, layer?: LayerName): Promise<RunFile[]>;
  /** The data package `files` ends with, as an object. */
  datapackage(format: FileFormat, layer?: LayerName): Promise<DataPackage>;
  /** Of the run without segments, or of one segment (`segment` given, null included). */
  distributions(segment?: SegmentValue): Promise<Distributions>;
  /** One user's state in every reported period, in the run without segments or in one segment; null for an unknown id. */
  userTimeline(user: string, segment?: SegmentValue): Promise<TimelineEntry[] | null>;
  sampleUsers(limit?: number, segment?: SegmentValue): Promise<string[]>;
  /**
   * The rows of the states table behind one bar of a lifecycle chart (the
   * users the summary counts there), of the run without segments or, with
   * `bar.segment`, of the segmented layer's segment (segment first). Only
   * that period's rows are read.
   */
  usersBehind(bar: Bar, format: TableFormat): Promise<Uint8Array>;
  /** Releases the result's WASM memory. */
  free(): Promise<void>;
}

export declare class Engine {
  constructor(options?: { workerUrl?: string | URL });
  inspect(file: FileInput): Promise<FileInfo>;
  dictionary(): Promise<Dictionary>;
  /** The run options, in order. */
  options(): Promise<OptionInfo[]>;
  mergeTables(which: TableName, history: FileInput, run: FileInput): Promise<Uint8Array>;
  convertTable(file: FileInput, format: TableFormat): Promise<Uint8Array>;
  compute(
    files: FileInput[],
    options?: ComputeOptions,
    control?: { signal?: AbortSignal; onProgress?: (p: Progress) => void },
  ): Promise<EngineResult>;
  /** Stops whatever runs: pending calls reject with a CancelledError, results are gone. */
  cancel(): void;
  terminate(): void;
}

export declare function createEngine(options?: { workerUrl?: string | URL }): Engine;
