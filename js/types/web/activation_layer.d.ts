// For `npm run typecheck` only (tsconfig.json `rootDirs` puts it where
// pkg/web/activation_layer.js will be): the module wasm-bindgen generates
// into pkg/web/, which is not in the repository, with the JSON shapes of
// ../../worker/client.d.ts where the generated types say `any`.
import type {
  ComputeOptions, DataPackage, Dictionary, Distributions, FileFormat, FileInfo, FileInput, Grain, OptionInfo,
  Progress, LayerName, QualityReport, RunFile, SegmentedLayer, SummaryRow, TableFormat, TableName, TimelineEntry,
  Bar, SegmentValue,
} from '../../worker/client.js';

/** The result of `compute`; it lives in WASM memory until `free()`. */
export class Computation {
  private constructor();
  free(): void;
  readonly fact: string;
  readonly grain: Grain;
  readonly summary: SummaryRow[] | null;
  readonly quality: QualityReport;
  readonly segments: SegmentedLayer | null;
  readonly stateRows: number;
  readonly tables: TableName[];
  table(which: TableName, format: TableFormat, layer?: LayerName): Uint8Array;
  tableName(which: TableName, layer?: LayerName): string;
  files(format: FileFormat, layer?: LayerName): RunFile[];
  datapackage(format: FileFormat, layer?: LayerName): DataPackage;
  distributions(segment?: SegmentValue): Distributions;
  userTimeline(user_id: string, segment?: SegmentValue): TimelineEntry[] | null;
  sampleUsers(limit: number, segment?: SegmentValue): string[];
  usersBehind(bar: Bar, format: TableFormat): Uint8Array;
}

export function inspect(file: FileInput): FileInfo;
export function dictionary(): Dictionary;
export function options(): OptionInfo[];
export function mergeTables(which: TableName, history: FileInput, run: FileInput): Uint8Array;
export function convertTable(file: FileInput, format: TableFormat): Uint8Array;
export function compute(files: FileInput[], options: ComputeOptions, on_progress?: (p: Progress) => void): Computation;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;
export function initSync(module: { module: BufferSource | WebAssembly.Module }): unknown;
export default function init(module_or_path?: { module_or_path: InitInput | Promise<InitInput> }): Promise<unknown>;
