// The benchmark harness at a small scale (a few thousand events, string and
// integer ids, UTC with Monday weeks and Los Angeles with Sunday weeks
// over both DST changes, every grain), so the comparison code and the DuckDB
// cross-checks never rot: DuckDB-WASM 1.28 (Parquet) and 1.32 (CSV), and
// native DuckDB when python3 has it, must give the engine's summary,
// states, transitions, cohorts and snapshot, row for row. No timing is
// asserted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { cli, root } from './helpers.mjs';

const bench = join(root, 'bench');

test('the benchmark harness runs at small scale and DuckDB agrees with the engine', () => {
  assert.ok(
    existsSync(join(bench, 'node_modules', 'duckdb-wasm-parquet')) && existsSync(join(bench, 'node_modules', '@duckdb', 'duckdb-wasm')),
    'bench/node_modules is missing: run `make setup-bench` (cd bench && npm ci) before the JS tests',
  );
  const work = mkdtempSync(join(tmpdir(), 'activation-bench-'));
  const args = [join(bench, 'run.mjs'), '--small', '--data', join(work, 'data'), '--out', join(work, 'out')];
  if (existsSync(cli)) args.push('--cli', cli);
  const r = spawnSync('node', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `bench/run.mjs --small failed:\n${r.stderr}\n${r.stdout}`);
  assert.match(r.stderr, /cross-checks passed/);

  const { meta, results } = JSON.parse(readFileSync(join(work, 'out', 'results.json'), 'utf8'));
  assert.deepEqual(results.map((x) => `${x.scale}/${x.grain}`),
    ['small', 'small-int', 'small-zoned'].flatMap((s) => ['day', 'week', 'month'].map((g) => `${s}/${g}`)));
  for (const x of results) {
    // Every DuckDB-WASM flavour was compared with the engine, and so was
    // the engine on CSV (in Los Angeles, DuckDB on Parquet only).
    const peers = x.scale === 'small-zoned' ? ['duckdb-wasm-parquet'] : ['wasm-csv', 'duckdb-wasm-parquet', 'duckdb-wasm-csv'];
    for (const e of peers) {
      assert.ok(x.checked.includes(e), `${x.scale}/${x.grain}: ${e} not cross-checked`);
      assert.deepEqual(x.checkedTables[e].slice(0, 4), ['summary', 'states', 'transitions', 'cohorts'], `${x.scale}/${x.grain}: ${e}`);
    }
    // Every row of the snapshot, against DuckDB reading the same Parquet file.
    assert.ok(x.checkedTables['duckdb-wasm-parquet'].includes('snapshot'), `${x.scale}/${x.grain}: snapshot not cross-checked`);
    assert.ok(x.stateRows > 0);
    assert.ok(x.engines.wasm.wasmMemoryBytes > 0 && x.engines.wasm.maxRssBytes > 0);
  }
  assert.ok(meta.wasmSize.raw > meta.wasmSize.gzip && meta.wasmSize.gzip > meta.wasmSize.brotli);
  // Segments (SPEC section 11): split and partition, each against DuckDB-WASM's SQL.
  assert.deepEqual(meta.segments.map((x) => `${x.scale}/${x.grain}`), ['small/week']);
  assert.deepEqual(meta.segments[0].checked, ['duckdb-wasm-split', 'duckdb-wasm-partition']);
  assert.ok(meta.segments[0].engines['wasm-split'].stateRows > meta.segments[0].engines.wasm.stateRows);
  const md = readFileSync(join(work, 'out', 'results.md'), 'utf8');
  assert.match(md, /DuckDB-WASM 1\.28 \(Parquet\)/);
  assert.match(md, /time \(America\/Los_Angeles, sunday weeks\) \| week/);
});
