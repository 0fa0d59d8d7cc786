#!/usr/bin/env node
// The benchmark harness: the WASM engine against DuckDB-WASM, the native
// engine and native DuckDB, on the same generated facts, in one run.
// Every configuration runs in a fresh process (so peak memory is its own):
// a warm-up, then the median of --runs timed runs. DuckDB's summary and
// states fingerprint must equal the engine's, or the run fails.
//
//   node bench/run.mjs                       # 1M and 10M events, every grain, every engine
//   node bench/run.mjs --scales 1m --grains week --runs 5
//   node bench/run.mjs --small               # the smoke run of the test suite (seconds)
//   node bench/run.mjs --render bench/out/1m/results.json bench/out/10m/results.json   # one table
//
// Segments (SPEC section 11) are measured on the same facts with an `event`
// column (10 kinds) and a users table: the engine without segments, split
// by `event` and partitioned by `plan`, against DuckDB-WASM doing the same
// with the segment in every GROUP BY and window (--segment-grains, default
// week; --segment-grains none skips them).
//
// Options: --scales 1m,10m (or small) --grains day,week,month --runs N
//   --engines LIST (wasm, wasm-csv, duckdb-wasm-parquet, duckdb-wasm-csv,
//   native, duckdb-native-t1, duckdb-native-t2) --data DIR --out DIR
//   --cli PATH (the activation CLI that generates the facts)
//   --native-bin PATH (a built `engine` bench binary, instead of `cargo bench`)
//   --full-rows (compare every states row; automatic below 200k events)
//   --pkg DIR (a copy of the built npm package to measure, default ../pkg)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

import {
  compareCohorts, compareFingerprint, compareSegmentSummary, compareSnapshot, compareStateRows, compareSummary, compareTransitions,
  statesRowsFromObjects,
} from './check.mjs';
import { activationSql, sourceExpr } from './sql.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

// Rows in time order, as event logs are written, unless the scale says
// otherwise: the same rows grouped by user or shuffled show the sensitivity
// to order (run them with --grains week). A scale may set the run's time
// zone and week start (the SQL knows UTC and the US zones).
const SCALES = {
  small: { events: 4000, users: 300, days: 120, intIds: false, order: 'time' },
  'small-int': { events: 3000, users: 250, days: 100, intIds: true, order: 'random' },
  // Both DST changes of Los Angeles, whose midnight (07:00 or 08:00 UTC)
  // falls in the generator's hours, Sunday weeks; --small runs only the
  // engine and DuckDB on its Parquet file (and native DuckDB) here.
  'small-zoned': {
    events: 4000, users: 300, days: 330, intIds: false, order: 'time', timezone: 'America/Los_Angeles', weekStart: 'sunday',
    smallEngines: ['wasm', 'duckdb-wasm-parquet', 'duckdb-native-t1'],
  },
  '1m': { events: 1_000_000, users: 100_000, days: 365, intIds: false, order: 'time' },
  '1m-user': { events: 1_000_000, users: 100_000, days: 365, intIds: false, order: 'user' },
  '10m': { events: 10_000_000, users: 1_000_000, days: 365, intIds: false, order: 'time' },
  '10m-user': { events: 10_000_000, users: 1_000_000, days: 365, intIds: false, order: 'user' },
  '10m-random': { events: 10_000_000, users: 1_000_000, days: 365, intIds: false, order: 'random' },
  // The memory ceiling check of issue 6: run it with --scales 30m --grains week.
  '30m': { events: 30_000_000, users: 3_000_000, days: 365, intIds: false, order: 'time' },
};
const ALL_ENGINES = ['wasm', 'wasm-csv', 'duckdb-wasm-parquet', 'duckdb-wasm-csv', 'native', 'duckdb-native-t1', 'duckdb-native-t2'];
// The segmented configurations, each checked against its DuckDB peer.
const SEGMENT_ENGINES = ['wasm', 'wasm-split', 'duckdb-wasm-split', 'wasm-partition', 'duckdb-wasm-partition'];
const SEGMENT_PEERS = { 'duckdb-wasm-split': 'wasm-split', 'duckdb-wasm-partition': 'wasm-partition' };
const EVENT_KINDS = 10;

function parseArgs(argv) {
  const o = {
    scales: ['1m', '10m'], grains: ['day', 'week', 'month'], runs: 5, engines: null,
    data: join(here, 'data'), out: join(here, 'out'), cli: null, nativeBin: null, fullRows: false, small: false, pkg: join(root, 'pkg'),
    segmentGrains: ['week'],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--scales') o.scales = next().split(',');
    else if (a === '--grains') o.grains = next().split(',');
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--engines') o.engines = next().split(',');
    else if (a === '--data') o.data = next();
    else if (a === '--out') o.out = next();
    else if (a === '--cli') o.cli = next();
    else if (a === '--native-bin') o.nativeBin = next();
    else if (a === '--full-rows') o.fullRows = true;
    else if (a === '--pkg') o.pkg = next();
    else if (a === '--segment-grains') { const g = next(); o.segmentGrains = g === 'none' ? [] : g.split(','); }
    else if (a === '--small') { o.small = true; o.scales = ['small', 'small-int', 'small-zoned']; o.runs = 1; }
    else throw new Error(`unknown option ${a}`);
  }
  for (const s of o.scales) if (!SCALES[s]) throw new Error(`unknown scale ${s} (${Object.keys(SCALES).join(', ')})`);
  if (!(o.runs >= 1)) throw new Error('--runs must be at least 1');
  return o;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

function pythonHasDuckdb() {
  return spawnSync('python3', ['-c', 'import duckdb'], { stdio: 'ignore' }).status === 0;
}

function prerequisites(o) {
  const missing = [];
  if (!existsSync(join(here, 'node_modules', 'duckdb-wasm-parquet')) || !existsSync(join(here, 'node_modules', '@duckdb', 'duckdb-wasm'))) {
    missing.push('bench/node_modules is missing: run `make setup-bench` (cd bench && npm ci)');
  }
  if (!existsSync(join(o.pkg, 'node', 'index.js')) || !existsSync(join(o.pkg, 'web', 'activation_layer_bg.wasm'))) missing.push(`${o.pkg} has no built package: run \`make pkg\``);
  if (missing.length) throw new Error(`cannot run the benchmark:\n  ${missing.join('\n  ')}`);
}

function findCli(o) {
  if (o.cli) return o.cli;
  for (const p of ['release', 'debug']) {
    const c = join(root, 'target', p, 'activation');
    if (existsSync(c)) return c;
  }
  throw new Error('no activation CLI in target/release or target/debug: run `cargo build --release`');
}

/** The scale's Parquet and CSV files (CSV only when an engine reads it), generated with the project's generator when missing. */
function dataFiles(o, name, engines) {
  const s = SCALES[name];
  mkdirSync(o.data, { recursive: true });
  const files = {};
  const exts = engines.some((e) => e.endsWith('-csv')) ? ['parquet', 'csv'] : ['parquet'];
  for (const ext of exts) {
    const f = join(o.data, `events_${name}.${ext}`);
    if (!existsSync(f)) {
      const args = ['generate', '--events', String(s.events), '--users', String(s.users), '--days', String(s.days),
        '--seed', '42', '--order', s.order, ...(s.intIds ? ['--int-ids'] : []), '--out', f];
      execFileSync(findCli(o), args, { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    files[ext] = f;
  }
  return files;
}

/** The scale's facts with an `event` column, and its users table. */
function segmentFiles(o, name) {
  const s = SCALES[name];
  const facts = join(o.data, `events_${name}_kinds.parquet`);
  const users = join(o.data, `users_${name}.parquet`);
  if (!existsSync(facts) || !existsSync(users)) {
    const args = ['generate', '--events', String(s.events), '--users', String(s.users), '--days', String(s.days),
      '--seed', '42', '--order', s.order, ...(s.intIds ? ['--int-ids'] : []), '--event-kinds', String(EVENT_KINDS),
      '--out', facts, '--users-out', users];
    execFileSync(findCli(o), args, { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return { parquet: facts, users };
}

/** One segmented configuration on the facts with kinds. */
function runSegmentEngine(o, engine, files, grain, scale) {
  const runs = String(o.runs);
  const intFlag = SCALES[scale].intIds ? ['--int-ids'] : [];
  const split = ['--segment-col', 'event'];
  const partition = ['--users', files.users, '--segment-by', 'plan'];
  switch (engine) {
    case 'wasm': return runJson('node', ['engine_wasm.mjs', files.parquet, grain, runs]);
    case 'wasm-split': return runJson('node', ['engine_wasm.mjs', files.parquet, grain, runs, ...split]);
    case 'wasm-partition': return runJson('node', ['engine_wasm.mjs', files.parquet, grain, runs, ...partition]);
    case 'duckdb-wasm-split': return runJson('node', ['duckdb_wasm.mjs', 'parquet', files.parquet, grain, runs, ...intFlag, ...split]);
    case 'duckdb-wasm-partition': return runJson('node', ['duckdb_wasm.mjs', 'parquet', files.parquet, grain, runs, ...intFlag, ...partition]);
    default: throw new Error(`unknown segment engine ${engine}`);
  }
}

let childEnv = process.env;
function runJson(cmd, args, input) {
  const r = spawnSync(cmd, args, { cwd: here, input, env: childEnv, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${(r.stderr || '').slice(-3000)}`);
  return JSON.parse(r.stdout);
}

let nativeBinCache = null;
function nativeBin(o) {
  if (o.nativeBin) return o.nativeBin;
  if (nativeBinCache) return nativeBinCache;
  // Build the bench target once; cargo prints the executable's path.
  const r = spawnSync('cargo', ['bench', '--bench', 'engine', '--no-run', '--message-format', 'json'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('cargo bench --bench engine --no-run failed (is the [[bench]] stanza in Cargo.toml?)');
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const m = JSON.parse(line);
    if (m.reason === 'compiler-artifact' && m.target?.name === 'engine' && m.executable) nativeBinCache = m.executable;
  }
  if (!nativeBinCache) throw new Error('cargo bench --no-run did not report the engine bench executable');
  return nativeBinCache;
}

/** A scale's time zone and week start (UTC and Monday unless it says). */
function local(scale) {
  const s = SCALES[scale];
  return { timezone: s.timezone ?? 'UTC', weekStart: s.weekStart ?? 'monday' };
}

function runEngine(o, engine, files, grain, scale, wantRows) {
  const runs = String(o.runs);
  const rowsFlag = wantRows ? ['--rows'] : [];
  const intFlag = SCALES[scale].intIds ? ['--int-ids'] : [];
  const { timezone, weekStart } = local(scale);
  const localFlags = ['--timezone', timezone, '--week-start', weekStart];
  switch (engine) {
    case 'wasm':
      return runJson('node', ['engine_wasm.mjs', files.parquet, grain, runs, ...rowsFlag, ...localFlags]);
    case 'wasm-csv':
      return { ...runJson('node', ['engine_wasm.mjs', files.csv, grain, runs, ...localFlags]), engine: 'wasm-csv' };
    case 'duckdb-wasm-parquet':
      return runJson('node', ['duckdb_wasm.mjs', 'parquet', files.parquet, grain, runs, ...intFlag, ...rowsFlag, ...localFlags]);
    case 'duckdb-wasm-csv':
      return runJson('node', ['duckdb_wasm.mjs', 'csv', files.csv, grain, runs, ...intFlag, ...localFlags]);
    case 'native': {
      const out = execFileSync(nativeBin(o), [files.parquet, '--grain', grain, '--runs', runs, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
      return JSON.parse(out.trim().split('\n').pop());
    }
    case 'duckdb-native-t1':
    case 'duckdb-native-t2': {
      const sql = activationSql(grain, sourceExpr('parquet', files.parquet, SCALES[scale].intIds), null, local(scale));
      const job = { threads: Number(engine.slice(-1)), runs: o.runs, rows: wantRows, sql };
      return runJson('python3', ['duckdb_native.py'], JSON.stringify(job));
    }
    default:
      throw new Error(`unknown engine ${engine}`);
  }
}

function wasmSize(pkg) {
  const f = join(pkg, 'web', 'activation_layer_bg.wasm');
  const raw = readFileSync(f);
  return {
    raw: raw.length,
    gzip: gzipSync(raw, { level: 9 }).length,
    brotli: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }).length,
  };
}

function machine() {
  const c = cpus();
  let os = '';
  try { os = execFileSync('uname', ['-srm'], { encoding: 'utf8' }).trim(); } catch { /* not Linux */ }
  let commit = '';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  return { cpu: c[0]?.model ?? '?', cores: c.length, memoryBytes: totalmem(), os, node: process.version, commit };
}

const fmtMs = (x) => (x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
/** A cell: the median, or why the configuration has none. */
const cell = (r) => (r?.error ? (/out of memory/i.test(r.error) ? 'out of memory' : 'failed') : fmtMs(r?.medianMs));
const fmtX = (a, b) => (a === undefined || b === undefined ? '–' : `${(b / a).toFixed(2)}x`);
const mib = (b) => (b === undefined || b === null ? '–' : `${(b / 2 ** 20).toFixed(0)} MiB`);

/** The row order of a scale's facts, and its time zone and week start when not UTC and Monday. */
function orderCell(scale) {
  const s = SCALES[scale];
  if (!s) return '–';
  return s.timezone || s.weekStart ? `${s.order} (${s.timezone ?? 'UTC'}, ${s.weekStart ?? 'monday'} weeks)` : s.order;
}

/** The 1-minute load average seen before this row's configurations (2 cores: above ~1 means contention). */
function loadRange(r) {
  const l = Object.values(r.engines).map((e) => e.loadBefore).filter((x) => x !== undefined);
  return l.length ? `${Math.min(...l).toFixed(1)}–${Math.max(...l).toFixed(1)}` : '–';
}

function markdown(results, meta) {
  const L = [];
  L.push(`Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${(meta.machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${meta.machine.os}, Node ${meta.machine.node}, commit ${meta.machine.commit}.`);
  L.push(`Median of ${meta.runs} runs after a warm-up, milliseconds. Versions: ${meta.versions.join('; ')}.`);
  L.push('');
  L.push('| events | order | grain | WASM engine (Parquet) | DuckDB-WASM 1.28 (Parquet) | DuckDB-WASM / engine | WASM engine (CSV) | DuckDB-WASM 1.32 (CSV) | DuckDB-WASM / engine (CSV) | native engine | WASM / native | DuckDB native 1 thr | DuckDB native 2 thr | state rows | load avg |');
  L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const m = (e) => r.engines[e]?.medianMs;
    const c = (e) => cell(r.engines[e]);
    L.push(`| ${r.events.toLocaleString('en-US')} | ${orderCell(r.scale)} | ${r.grain} | ${c('wasm')} | ${c('duckdb-wasm-parquet')} | ${fmtX(m('wasm'), m('duckdb-wasm-parquet'))} | ` +
      `${c('wasm-csv')} | ${c('duckdb-wasm-csv')} | ${fmtX(m('wasm-csv'), m('duckdb-wasm-csv'))} | ` +
      `${c('native')} | ${m('wasm') && m('native') ? (m('wasm') / m('native')).toFixed(2) + 'x' : '–'} | ${c('duckdb-native-t1')} | ${c('duckdb-native-t2')} | ${r.stateRows?.toLocaleString('en-US') ?? '–'} | ${loadRange(r)} |`);
  }
  L.push('');
  L.push('Peak memory (each configuration in its own process; WASM linear memory never shrinks, so its final size is the high-water mark):');
  L.push('');
  L.push('| events | order | grain | WASM linear memory (peak) | bytes / input event | of which working set (after compute) | of which outputs (growth while every table is handed to JS) | engine (WASM) process RSS | DuckDB-WASM 1.28 RSS | native engine RSS | DuckDB native 2 thr RSS |');
  L.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const w = r.engines.wasm;
    const work = w?.wasmMemoryComputeBytes;
    const perEvent = (b) => (b === undefined ? '–' : `${mib(b)} (${(b / r.events).toFixed(1)} B/event)`);
    L.push(`| ${r.events.toLocaleString('en-US')} | ${orderCell(r.scale)} | ${r.grain} | ${w ? `${w.wasmMemoryBytes.toLocaleString('en-US')} (${mib(w.wasmMemoryBytes)})` : '–'} | ${w ? (w.wasmMemoryBytes / r.events).toFixed(1) : '–'} | ` +
      `${perEvent(work)} | ${perEvent(work === undefined ? undefined : w.wasmMemoryBytes - work)} | ` +
      `${mib(w?.maxRssBytes)} | ${mib(r.engines['duckdb-wasm-parquet']?.maxRssBytes)} | ${mib(r.engines.native?.maxRssBytes)} | ${mib(r.engines['duckdb-native-t2']?.maxRssBytes)} |`);
  }
  const with12 = results.filter((r) => r.engines.native?.section12Ms !== undefined);
  if (with12.length) {
    L.push('');
    L.push('What SPEC section 12 adds to a run (native engine): the activity and depth counters fed every user\'s active days, and both tables encoded, timed apart on the same file (the rest of the run is unchanged by them).');
    L.push('');
    L.push('| events | order | grain | native engine, whole run | of which section 12 | share |');
    L.push('|---|---|---|---|---|---|');
    for (const r of with12) {
      const n = r.engines.native;
      L.push(`| ${r.events.toLocaleString('en-US')} | ${SCALES[r.scale]?.order ?? '–'} | ${r.grain} | ${fmtMs(n.medianMs)} | ${fmtMs(n.section12Ms)} | ${(100 * n.section12Ms / n.medianMs).toFixed(1)}% |`);
    }
  }
  const segmented = meta.segments ?? [];
  if (segmented.length) {
    L.push('');
    L.push(`Segments (SPEC section 11), on the same facts with an \`event\` column of ${EVENT_KINDS} kinds and a users table: the engine without segments, split by \`event\`, partitioned by \`plan\`; DuckDB-WASM 1.28 (Parquet) runs the same SQL with the segment in every key. Peak WASM linear memory in parentheses.`);
    L.push('');
    L.push('| events | order | grain | engine, no segments | engine, split | split / no segments | DuckDB-WASM, split | DuckDB-WASM / engine (split) | engine, partition | partition / no segments | DuckDB-WASM, partition | DuckDB-WASM / engine (partition) | state rows (split) | load avg |');
    L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of segmented) {
      const m = (e) => r.engines[e]?.medianMs;
      const c = (e) => `${cell(r.engines[e])}${r.engines[e]?.wasmMemoryBytes ? ` (${mib(r.engines[e].wasmMemoryBytes)})` : ''}`;
      L.push(`| ${r.events.toLocaleString('en-US')} | ${orderCell(r.scale)} | ${r.grain} | ${c('wasm')} | ${c('wasm-split')} | ${fmtX(m('wasm'), m('wasm-split'))} | ${c('duckdb-wasm-split')} | ${fmtX(m('wasm-split'), m('duckdb-wasm-split'))} | ` +
        `${c('wasm-partition')} | ${fmtX(m('wasm'), m('wasm-partition'))} | ${c('duckdb-wasm-partition')} | ${fmtX(m('wasm-partition'), m('duckdb-wasm-partition'))} | ${r.engines['wasm-split']?.stateRows?.toLocaleString('en-US') ?? '–'} | ${loadRange(r)} |`);
    }
  }
  L.push('');
  const s = meta.wasmSize;
  L.push(`\`.wasm\` (pkg/web/activation_layer_bg.wasm): raw ${s.raw.toLocaleString('en-US')} B, gzip -9 ${s.gzip.toLocaleString('en-US')} B, brotli q11 ${s.brotli.toLocaleString('en-US')} B.`);
  return L.join('\n');
}

async function main() {
  // --render A/results.json B/results.json ...: one table from earlier runs.
  if (process.argv[2] === '--render') {
    const runs = process.argv.slice(3).map((f) => JSON.parse(readFileSync(f, 'utf8')));
    const meta = { ...runs[0].meta, versions: [...new Set(runs.flatMap((r) => r.meta.versions))], segments: runs.flatMap((r) => r.meta.segments ?? []) };
    // Rows of the same scale and grain from several runs are merged (later runs win).
    const rows = new Map();
    for (const x of runs.flatMap((r) => r.results)) {
      const k = `${x.scale}/${x.grain}`;
      const prev = rows.get(k);
      rows.set(k, prev ? { ...prev, ...x, stateRows: x.stateRows ?? prev.stateRows, engines: { ...prev.engines, ...x.engines } } : x);
    }
    console.log(markdown([...rows.values()], meta));
    return;
  }
  const o = parseArgs(process.argv.slice(2));
  prerequisites(o);
  childEnv = { ...process.env, ACTIVATION_PKG: o.pkg };
  let engines = o.engines ?? (o.small ? ['wasm', 'wasm-csv', 'duckdb-wasm-parquet', 'duckdb-wasm-csv', 'duckdb-native-t1'] : ALL_ENGINES);
  if (!pythonHasDuckdb() && engines.some((e) => e.startsWith('duckdb-native'))) {
    const msg = 'python3 cannot import duckdb (pip install duckdb): native DuckDB skipped';
    if (!o.small && !o.engines) throw new Error(msg);
    console.error(msg);
    engines = engines.filter((e) => !e.startsWith('duckdb-native'));
  }
  const results = [];
  const segments = [];
  const failures = [];
  const errors = [];
  const versions = new Set();
  for (const scale of o.scales) {
    const files = dataFiles(o, scale, engines);
    const fullRows = o.fullRows || SCALES[scale].events <= 200_000;
    // The native engine's bench binary runs in UTC with Monday weeks.
    const zoned = SCALES[scale].timezone || SCALES[scale].weekStart;
    if (zoned && engines.includes('native')) console.error(`${scale}: the native engine bench has no time zone or week start option: skipped`);
    for (const grain of o.grains) {
      const row = { scale, events: SCALES[scale].events, grain, engines: {} };
      const mine = engines.filter((x) => !(zoned && x === 'native') && (!o.small || (SCALES[scale].smallEngines ?? engines).includes(x)));
      for (const e of mine) {
        process.stderr.write(`${scale} ${grain} ${e} ... `);
        const load = loadavg()[0];
        let r;
        try {
          r = runEngine(o, e, files, grain, scale, fullRows && (e === 'wasm' || e === 'duckdb-wasm-parquet' || e.startsWith('duckdb-native')));
        } catch (err) {
          // A peer that cannot do the job (e.g. DuckDB-WASM out of memory) is a
          // result, not a harness failure: recorded, shown in the table.
          const line = err.message.split('\n').find((l) => /Error:/.test(l)) ?? err.message.split('\n')[0];
          row.engines[e] = { error: line.trim().slice(0, 300), loadBefore: load };
          errors.push(`${scale} ${grain} ${e}: ${line.trim()}`);
          process.stderr.write(`FAILED: ${line.trim().slice(0, 200)}\n`);
          continue;
        }
        r.medianMs = median(r.times);
        r.loadBefore = load;
        if (r.version) versions.add(`${e}: ${r.version}`);
        process.stderr.write(`${fmtMs(r.medianMs)} ms\n`);
        row.engines[e] = r;
      }
      // The cross-checks: every peer against the WASM engine on Parquet.
      const ref = row.engines.wasm;
      if (ref) {
        row.stateRows = ref.stateRows;
        for (const [e, r] of Object.entries(row.engines)) {
          if (e === 'wasm' || r.error) continue;
          const label = `${scale} ${grain} ${e}`;
          try {
            compareSummary(label, ref.summary, r.summary);
            if (r.stateRows !== ref.stateRows) throw new Error(`${label}: ${ref.stateRows} state rows from the engine, ${r.stateRows} from the peer`);
            if (r.statesCheck) compareFingerprint(label, ref.statesCheck, r.statesCheck);
            if (r.statesRows && ref.statesRows) compareStateRows(label, ref.statesRows, statesRowsFromObjects(r.statesRows));
            // The other tables, wherever the peer computed them.
            const tables = ['summary', 'states'];
            for (const [t, compare] of [['transitions', compareTransitions], ['cohorts', compareCohorts], ['snapshot', compareSnapshot]]) {
              if (!r[t]) continue;
              if (!ref[t]) throw new Error(`${label}: the engine gave no ${t} to compare`);
              compare(label, ref[t], r[t]);
              tables.push(t);
            }
            // A table the peer could not compute is not a wrong number: a
            // failure of the smoke run, a note of the benchmark.
            for (const m of r.checkErrors ?? []) (o.small ? failures : errors).push(`${label}: DuckDB could not check ${m}`);
            row.checked = [...(row.checked ?? []), e];
            row.checkedTables = { ...row.checkedTables, [e]: tables };
          } catch (err) {
            failures.push(err.message);
          }
        }
      }
      for (const r of Object.values(row.engines)) {
        for (const k of ['summary', 'statesCheck', 'statesRows', 'transitions', 'cohorts', 'snapshot', 'checkErrors']) delete r[k];
      }
      results.push(row);
    }
    // Segments: string-id scales in UTC only (the users table joins on the
    // ids as written; the segment runs use the default zone and week start).
    if (SCALES[scale].intIds || zoned) continue;
    for (const grain of o.segmentGrains) {
      const files = segmentFiles(o, scale);
      const row = { scale, events: SCALES[scale].events, grain, engines: {} };
      for (const e of SEGMENT_ENGINES) {
        const label = `${scale} ${grain} segments ${e}`;
        process.stderr.write(`${label} ... `);
        const load = loadavg()[0];
        try {
          const r = runSegmentEngine(o, e, files, grain, scale);
          r.medianMs = median(r.times);
          r.loadBefore = load;
          if (r.version) versions.add(`${e}: ${r.version}`);
          row.engines[e] = r;
          process.stderr.write(`${fmtMs(r.medianMs)} ms\n`);
        } catch (err) {
          const line = err.message.split('\n').find((l) => /Error:/.test(l)) ?? err.message.split('\n')[0];
          row.engines[e] = { error: line.trim().slice(0, 300), loadBefore: load };
          errors.push(`${label}: ${line.trim()}`);
          process.stderr.write(`FAILED: ${line.trim().slice(0, 200)}\n`);
        }
      }
      for (const [peer, ref] of Object.entries(SEGMENT_PEERS)) {
        const a = row.engines[ref];
        const b = row.engines[peer];
        if (!a || !b || a.error || b.error) continue;
        try {
          compareSegmentSummary(`${scale} ${grain} ${peer}`, a.summary, b.summary);
          if (a.stateRows !== b.stateRows) throw new Error(`${scale} ${grain} ${peer}: ${a.stateRows} segmented state rows from the engine, ${b.stateRows} from DuckDB`);
          row.checked = [...(row.checked ?? []), peer];
        } catch (err) {
          failures.push(err.message);
        }
      }
      for (const r of Object.values(row.engines)) { delete r.summary; delete r.statesCheck; delete r.statesRows; }
      segments.push(row);
    }
  }
  const meta = { machine: machine(), runs: o.runs, versions: [...versions], wasmSize: wasmSize(o.pkg), date: new Date().toISOString(), segments };
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, 'results.json'), JSON.stringify({ meta, results }, null, 2));
  const md = markdown(results, meta);
  writeFileSync(join(o.out, 'results.md'), md + '\n');
  console.log(md);
  if (errors.length) console.error(`\nconfigurations that failed to run (${errors.length}):\n${errors.join('\n')}`);
  if (failures.length || (o.small && errors.length)) {
    console.error(`\nCROSS-CHECK FAILED (${failures.length}):\n${failures.join('\n\n')}`);
    process.exit(1);
  }
  console.error(`\ncross-checks passed: ${[...results, ...segments.map((r) => ({ ...r, grain: `${r.grain} segments` }))].map((r) => `${r.scale}/${r.grain}: ${(r.checked ?? []).length} peers`).join(', ')}`);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
