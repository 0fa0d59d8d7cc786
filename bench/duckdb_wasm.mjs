// DuckDB-WASM in Node (single thread, the blocking Node bindings), on the
// same bytes as the engine: a warm-up then N timed runs of the SQL in
// sql.mjs (states table built in DuckDB memory, summary fetched to JS).
//   node duckdb_wasm.mjs parquet|csv FILE GRAIN RUNS [--int-ids] [--rows]
//     [--timezone TZ] [--week-start DAY]
//     [--segment-col C | --users FILE --segment-by A]   (the same SQL, per segment)
// The warm-up also gives the transitions and cohorts (and with --rows the
// states rows and the snapshot) for the cross-check, outside the timings.
// `parquet` uses @duckdb/duckdb-wasm@1.28.0 (the last release with Parquet
// built in; later ones fetch the extension from the network), `csv` the
// current release.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { activationSql, sourceExpr } from './sql.mjs';

const require = createRequire(import.meta.url);
const [kind, file, grain, runsArg, ...flags] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const intIds = flags.includes('--int-ids');
const wantRows = flags.includes('--rows');
const flag = (name) => (flags.includes(name) ? flags[flags.indexOf(name) + 1] : undefined);
const pkgName = kind === 'parquet' ? 'duckdb-wasm-parquet' : '@duckdb/duckdb-wasm';
const pkgDir = new URL(`./node_modules/${pkgName}/`, import.meta.url).pathname;
const pkgJson = join(pkgDir, 'package.json');
const dist = join(pkgDir, 'dist');
const version = JSON.parse(readFileSync(pkgJson, 'utf8')).version;
const duckdb = require(join(dist, 'duckdb-node-blocking.cjs'));

const bundles = {
  mvp: { mainModule: join(dist, 'duckdb-mvp.wasm'), mainWorker: join(dist, 'duckdb-node-mvp.worker.cjs') },
  eh: { mainModule: join(dist, 'duckdb-eh.wasm'), mainWorker: join(dist, 'duckdb-node-eh.worker.cjs') },
};
const db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
await db.instantiate(() => {});
const conn = db.connect();
const engineVersion = conn.query('SELECT version() AS v').toArray()[0].toJSON().v;
// No `SET TimeZone`: DuckDB-WASM has no ICU built in (1.32 would try to fetch
// it and hang); without ICU, TIMESTAMPTZ -> TIMESTAMP is plain UTC, as wanted.

const name = kind === 'parquet' ? 'facts.parquet' : 'facts.csv';
const bytes = new Uint8Array(readFileSync(file));
db.registerFileBuffer(name, bytes);
let segment = null;
if (flag('--segment-col')) segment = { column: flag('--segment-col') };
if (flag('--users')) {
  db.registerFileBuffer('users.parquet', new Uint8Array(readFileSync(flag('--users'))));
  segment = { users: "read_parquet('users.parquet')", attribute: flag('--segment-by') };
}
const local = { timezone: flag('--timezone') ?? 'UTC', weekStart: flag('--week-start') ?? 'monday' };
const sql = activationSql(grain, sourceExpr(kind, name, intIds), segment, local);

const rowsOf = (table) => table.toArray().map((r) => r.toJSON());

function once(keep) {
  const t0 = performance.now();
  for (const s of sql.run) conn.query(s);
  const summary = rowsOf(conn.query(sql.summary));
  const ms = performance.now() - t0;
  const out = { ms, summary };
  if (keep) {
    out.stateRows = Number(rowsOf(conn.query('SELECT count(*) AS n FROM states'))[0].n);
    if (!segment) out.statesCheck = rowsOf(conn.query(sql.statesCheck));
    if (wantRows && !segment) out.statesRows = rowsOf(conn.query(sql.statesRows));
    // A check DuckDB cannot finish (out of memory at a large scale) is
    // reported, and the timings still stand.
    for (const t of segment ? [] : ['transitions', 'cohorts', ...(wantRows ? ['snapshot'] : [])]) {
      try {
        out[t] = rowsOf(conn.query(sql[t]));
      } catch (e) {
        out.checkErrors = [...(out.checkErrors ?? []), `${t}: ${e.message}`];
      }
    }
  }
  for (const s of sql.cleanup) conn.query(s);
  return out;
}

const warm = once(true);
const times = [];
for (let i = 0; i < runs; i++) times.push(once(false).ms);
const out = {
  engine: `duckdb-wasm-${kind}${segment ? (segment.column ? '-split' : '-partition') : ''}`,
  version: `@duckdb/duckdb-wasm@${version} (DuckDB ${engineVersion})`,
  grain,
  inputBytes: bytes.length,
  warmupMs: warm.ms,
  times,
  stateRows: warm.stateRows,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  summary: warm.summary,
  statesCheck: warm.statesCheck,
  transitions: warm.transitions,
  cohorts: warm.cohorts,
  snapshot: warm.snapshot,
  checkErrors: warm.checkErrors,
};
if (wantRows) out.statesRows = warm.statesRows;
process.stdout.write(JSON.stringify(out, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));
