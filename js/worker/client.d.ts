export interface FileInput {
  name: string;
  bytes: Uint8Array;
}

export interface Progress {
  phase: 'read' | 'compute' | 'done';
  file: number;
  files: number;
  rows: number;
  fraction: number;
}

export interface ComputeOptions {
  grain?: 'day' | 'week' | 'month';
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
  asOf?: string;
  skipOverlap?: boolean;
  maxRejected?: number;
}

export type TableName = 'states' | 'summary' | 'transitions' | 'cohorts' | 'snapshot';
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

export declare class CancelledError extends Error {}

export declare class EngineResult {
  readonly fact: string;
  readonly grain: string;
  readonly stateRows: number;
  readonly summary: SummaryRow[];
  readonly quality: Record<string, unknown>;
  /** One table's bytes; possibly a view on a slightly larger buffer (use its byteLength, not its buffer's). */
  table(which: TableName, format: TableFormat): Promise<Uint8Array>;
  tableName(which: TableName): Promise<string>;
  distributions(): Promise<Record<string, { periods: number; count: number }[]>>;
  userTimeline(user: string): Promise<Record<string, unknown>[] | null>;
  sampleUsers(limit?: number): Promise<string[]>;
  free(): Promise<void>;
}

export declare class Engine {
  constructor(options?: { workerUrl?: string | URL });
  inspect(file: FileInput): Promise<Record<string, unknown>>;
  dictionary(): Promise<Record<string, unknown>>;
  mergeTables(which: TableName, history: FileInput, run: FileInput): Promise<Uint8Array>;
  convertTable(file: FileInput, format: TableFormat): Promise<Uint8Array>;
  compute(
    files: FileInput[],
    options?: ComputeOptions,
    control?: { signal?: AbortSignal; onProgress?: (p: Progress) => void },
  ): Promise<EngineResult>;
  cancel(): void;
  terminate(): void;
}

export declare function createEngine(options?: { workerUrl?: string | URL }): Engine;
