// The WASM engine (the built npm package in ../pkg) in Node: one grain on
// one file, a warm-up then N timed runs of the full in-memory computation
// (compute + every output table materialised as Arrow IPC + summary).
// Prints one JSON object: times, summary, states fingerprint, memory.
//   node engine_wasm.mjs FILE GRAIN RUNS [--rows] [--timezone TZ] [--week-start DAY]
//     [--segment-col C | --users FILE --segment-by A]
// With segments (SPEC section 11) the segmented layer's tables are the ones
// materialised (as the CLI writes them), and its summary is returned.
// Without, the transitions and cohorts are returned for the cross-check,
// and with --rows the states rows and the snapshot too.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

import { tableFromIPC } from 'apache-arrow';

import { statesFingerprint, statesRowsFromArrow, tableRowsFromArrow } from './check.mjs';

// The package in ../pkg, or a copy of it named by ACTIVATION_PKG (run.mjs --pkg).
const pkgDir = process.env.ACTIVATION_PKG || new URL('../pkg', import.meta.url).pathname;
const { compute, initSync } = await import(pathToFileURL(join(pkgDir, 'node', 'index.js')).href);

const [file, grain, runsArg, ...flags] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const wantRows = flags.includes('--rows');
const flag = (name) => (flags.includes(name) ? flags[flags.indexOf(name) + 1] : undefined);
const options = { grain };
if (flag('--timezone')) options.timezone = flag('--timezone');
if (flag('--week-start')) options.weekStart = flag('--week-start');
// A split asks for its segmented layer alone, as the CLI writes it.
if (flag('--segment-col')) Object.assign(options, { segmentColumn: flag('--segment-col'), unsegmented: false });
if (flag('--users')) {
  const users = flag('--users');
  options.users = { name: basename(users), bytes: new Uint8Array(readFileSync(users)) };
  options.segmentBy = flag('--segment-by');
}
const layer = options.segmentColumn || options.users ? 'segmented' : undefined;
// initSync returns the already-instantiated module's exports (with `memory`).
const wasm = initSync();
const bytes = new Uint8Array(readFileSync(file));

function once(keep) {
  const t0 = performance.now();
  const result = compute([{ name: basename(file), bytes }], options);
  // Linear memory never shrinks: its size now is the high-water mark of the
  // computation (the working set); what grows after it is the outputs' share.
  const computedMemory = wasm.memory.buffer.byteLength;
  const tables = {};
  let outBytes = 0;
  for (const t of result.tables) {
    const b = result.table(t, 'arrow', layer);
    outBytes += b.length;
    if (keep) tables[t] = b;
  }
  const summary = layer ? result.segments.summary : result.summary;
  const stateRows = layer ? (keep ? tableFromIPC(tables.states).numRows : undefined) : result.stateRows;
  result.free();
  const ms = performance.now() - t0;
  return { ms, tables, summary, stateRows, outBytes, computedMemory };
}

// The warm-up's tables are checked, then let go before the timed runs, as
// the native bench drops its own: JS arrays kept alive (1.45 GB at 30M
// weekly) would slow the timed runs' allocations and collections.
const warm = once(true);
// The fingerprints are of the layer without segments (the SQL's).
const statesCheck = layer ? undefined : statesFingerprint(warm.tables.states);
const statesRows = wantRows && !layer ? statesRowsFromArrow(warm.tables.states) : undefined;
const others = layer ? {} : {
  transitions: tableRowsFromArrow(warm.tables.transitions),
  cohorts: tableRowsFromArrow(warm.tables.cohorts),
  ...(wantRows ? { snapshot: tableRowsFromArrow(warm.tables.snapshot) } : {}),
};
warm.tables = null;
const times = [];
for (let i = 0; i < runs; i++) times.push(once(false).ms);
const out = {
  engine: layer ? `wasm-${options.segmentColumn ? 'split' : 'partition'}` : 'wasm',
  file: basename(file),
  grain,
  inputBytes: bytes.length,
  warmupMs: warm.ms,
  times,
  stateRows: warm.stateRows,
  outputArrowBytes: warm.outBytes,
  wasmMemoryBytes: wasm.memory.buffer.byteLength,
  wasmMemoryComputeBytes: warm.computedMemory,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  summary: warm.summary,
  statesCheck,
  ...others,
};
if (wantRows) out.statesRows = statesRows;
process.stdout.write(JSON.stringify(out));
