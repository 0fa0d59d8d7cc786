// The npm package as a user gets it: packed, installed from the tarball
// into a fresh project, imported from Node (ESM). Its numbers must equal
// the native CLI's on the same files, table by table, byte for byte.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { brotliCompressSync, constants } from 'node:zlib';

import { tableFromIPC } from 'apache-arrow';

import { installedProject, root, runCli, snippet, specCsv } from './helpers.mjs';

let project;
let work;

before(() => {
  project = installedProject();
  work = mkdtempSync(join(tmpdir(), 'activation-parity-'));
  for (const f of ['dump.mjs', 'resilience.mjs']) copyFileSync(join(root, 'tests', 'js', 'fixtures', f), join(project, f));
  runCli(['generate', '--events', '20000', '--users', '1500', '--days', '120', '--seed', '7', '--out', join(work, 'gen.parquet')]);
  runCli(['generate', '--events', '8000', '--users', '700', '--days', '75', '--seed', '8', '--int-ids', '--out', join(work, 'gen_int.csv')]);
});

const SPEC_SUMMARY = [
  ['2024-01-01', 3, 3, 0, 0, 0, 0, 3, null, null, null, null],
  ['2024-01-08', 2, 1, 1, 0, 2, 0, 4, 1 / 3, 2 / 3, null, 0.5],
  ['2024-01-15', 1, 0, 1, 0, 1, 2, 4, 0.5, 0.5, 0, 0],
  ['2024-01-22', 2, 0, 1, 1, 0, 2, 4, 1, 0, 1 / 3, null],
  ['2024-01-29', 2, 0, 1, 1, 1, 1, 4, 0.5, 0.5, 0.5, 1],
];

function assertSpecSummary(summary) {
  assert.equal(summary.length, 5);
  summary.forEach((row, i) => {
    const [start, active, nw, retained, reactivated, churned, dormant, total, rr, cr, rar, qr] = SPEC_SUMMARY[i];
    assert.deepEqual(
      [row.period_start, row.active, row.new, row.retained, row.reactivated, row.churned, row.dormant, row.total_users],
      [start, active, nw, retained, reactivated, churned, dormant, total],
    );
    assert.deepEqual([row.retention_rate, row.churn_rate, row.reactivation_rate, row.quick_ratio], [rr, cr, rar, qr]);
  });
}

test('the README Node snippet runs as written and gives the SPEC example', () => {
  writeFileSync(join(project, 'snippet.mjs'), snippet('node'));
  const out = JSON.parse(execFileSync('node', ['snippet.mjs'], { cwd: project, encoding: 'utf8' }));
  assert.equal(out.userColumn, 'user_id');
  assertSpecSummary(out.summary);
  assert.ok(out.statesBytes > 100);
});

/** Compares every file the package gives (result.files) with the CLI's: the tables, the snapshot, the quality report and datapackage.json. */
function parity(label, files, options, cliArgs) {
  const pkgOut = join(work, `${label}-pkg`);
  execFileSync('node', ['dump.mjs', pkgOut, JSON.stringify(options), ...files], { cwd: project, stdio: 'pipe' });
  for (const format of ['csv', 'parquet']) {
    const cliOut = join(work, `${label}-cli-${format}`);
    runCli(['run', ...files, ...cliArgs, '--out', cliOut, '--format', format]);
    const expected = readdirSync(cliOut).sort();
    const got = readdirSync(join(pkgOut, format)).sort();
    assert.deepEqual(got, expected, `${label}: files`);
    assert.ok(expected.includes('datapackage.json'), `${label}: a data package`);
    for (const f of expected) {
      const a = readFileSync(join(cliOut, f));
      const b = readFileSync(join(pkgOut, format, f));
      assert.ok(a.equals(b), `${label}: ${f} differs between the CLI and the package`);
    }
    if (format === 'csv') {
      // result.datapackage() is the descriptor files() ends with.
      const descriptor = JSON.parse(readFileSync(join(pkgOut, 'datapackage.json'), 'utf8'));
      assert.deepEqual(descriptor, JSON.parse(readFileSync(join(cliOut, 'datapackage.json'), 'utf8')), `${label}: datapackage()`);
    }
  }
}

test('parity with the CLI: the SPEC example CSV, weekly', () => {
  parity('spec', [specCsv], { grain: 'week', through: '2024-02-04' }, ['--grain', 'week', '--through', '2024-02-04']);
});

test('parity with the CLI: a generated Parquet file, every grain and options', () => {
  const f = join(work, 'gen.parquet');
  parity('gen-day', [f], { grain: 'day', timezone: 'America/New_York' }, ['--grain', 'day', '--timezone', 'America/New_York']);
  parity('gen-week', [f], { grain: 'week', weekStart: 'sunday', rows: 'all' }, ['--grain', 'week', '--week-start', 'sunday', '--rows', 'all']);
  parity('gen-month', [f], { grain: 'month', timezone: 'Asia/Seoul', reportFrom: '2024-02-01' }, [
    '--grain', 'month', '--timezone', 'Asia/Seoul', '--report-from', '2024-02-01',
  ]);
});

test('parity with the CLI: the SPEC section 11 example partitioned by plan, and its segments', () => {
  const users = join(work, 'plans.csv');
  writeFileSync(users, 'user_id,plan\nalice,pro\nbob,free\ncarol,pro\n');
  const options = { grain: 'week', through: '2024-02-04', users, segmentBy: 'plan' };
  const cli = ['--grain', 'week', '--through', '2024-02-04', '--users', users, '--segment-by', 'plan'];
  parity('spec-plan', [specCsv], { ...options, layer: 'segmented' }, cli);
  const script = `
    import { readFileSync } from 'node:fs';
    import { compute } from 'activation-layer';
    const read = (p) => ({ name: p, bytes: readFileSync(p) });
    const r = compute([read(${JSON.stringify(specCsv)})], { ...${JSON.stringify(options)}, users: read(${JSON.stringify(users)}) });
    const s = r.segments;
    console.log(JSON.stringify({ fact: r.fact, plain: r.tableName('summary'), segmented: r.tableName('summary', 'segmented'),
      kind: s.kind, column: s.column, active: s.summary.map((x) => [x.segment, x.active]), counts: s.quality.segments }));
    r.free();`;
  const out = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' }));
  assert.equal(out.fact, 'spec_example');
  assert.equal(out.plain, 'spec_example_activation_weekly_summary');
  assert.equal(out.segmented, 'spec_example_by_plan_activation_weekly_summary');
  assert.deepEqual([out.kind, out.column], ['user_attribute', 'plan']);
  const active = (seg) => out.active.filter(([s]) => s === seg).map(([, a]) => a);
  assert.deepEqual(active('pro'), [1, 2, 1, 1, 1]);
  assert.deepEqual(active('free'), [1, 0, 0, 0, 0]);
  assert.deepEqual(active(null), [1, 0, 0, 1, 1]);
  assert.deepEqual(out.counts, [{ segment: 'free', rows: 1, users: 1 }, { segment: 'pro', rows: 6, users: 2 }, { segment: null, rows: 4, users: 1 }]);
});

test('parity with the CLI: SPEC section 11 split by platform', () => {
  const facts = join(work, 'platform.csv');
  const lines = readFileSync(specCsv, 'utf8').trim().split('\n');
  const platforms = ['web', 'ios', 'web', 'web', 'ios', 'ios', 'web', 'web', 'ios', 'web', 'web'];
  // The SPEC file lists alice, bob, carol, dave's rows in date order per user.
  writeFileSync(facts, [lines[0] + ',platform', ...lines.slice(1).map((l, i) => `${l},${platforms[i]}`)].join('\n') + '\n');
  const options = { grain: 'week', through: '2024-02-04', segmentColumn: 'platform', layer: 'segmented' };
  parity('spec-platform', [facts], options, ['--grain', 'week', '--through', '2024-02-04', '--segment-col', 'platform']);
});

test('parity with the CLI: integer ids from CSV, and an incremental run from a snapshot', () => {
  const f = join(work, 'gen_int.csv');
  parity('int', [f], { grain: 'week', through: '2024-02-20' }, ['--grain', 'week', '--through', '2024-02-20']);
  const snap = join(work, 'int-cli-parquet', 'gen_int_firstlast.parquet');
  parity('int-next', [f], { grain: 'day', snapshot: snap, skipOverlap: true }, ['--grain', 'day', '--snapshot', snap, '--skip-overlap']);
});

const ERROR_NAMES = ['UsageError', 'DataError', 'CorruptFileError', 'IoError', 'InternalError'];

test('bad input throws Errors with the CLI messages, named by kind, and leaves the module usable', () => {
  const out = JSON.parse(execFileSync('node', ['resilience.mjs', join(work, 'gen.parquet')], { cwd: project, encoding: 'utf8' }));
  const [garbage, truncated, cut, ragged, nocols, none] = out.errors;
  for (const e of out.errors) {
    assert.equal(e.isError, true, JSON.stringify(e));
    assert.ok(ERROR_NAMES.includes(e.name), `${e.name}: ${e.message}`);
  }
  assert.equal(garbage.name, 'CorruptFileError');
  assert.equal(nocols.name, 'DataError');
  assert.match(garbage.message, /garbage\.parquet: not a Parquet file/);
  assert.match(truncated.message, /truncated\.parquet/);
  assert.match(cut.message, /cut\.parquet/);
  assert.match(ragged.message, /ragged\.csv: line 3: the row has 1 fields, but the header has 2/);
  assert.match(nocols.message, /nocols\.csv: no user column: expected one of user_id/);
  assert.match(none.message, /no fact files/);
  assert.match(out.optionError.message, /invalid grain "fortnight"/);
  assert.equal(out.optionError.name, 'UsageError');
  // Each error lists the options its message names, in its order.
  assert.deepEqual(out.optionError.options, ['grain']);
  assert.deepEqual(garbage.options, []);
  assert.match(nocols.message, /or name it with userColumn/);
  assert.deepEqual(nocols.options, ['userColumn']);
  assert.match(out.named[0].message, /^reportFrom 2024-03-01 is after through 2024-02-04/);
  assert.deepEqual(out.named[0].options, ['reportFrom', 'through']);
  assert.match(out.named[1].message, /^asOf only applies with a snapshot \(snapshot FILE\)/);
  assert.deepEqual(out.named[1].options, ['asOf', 'snapshot']);
  assert.match(out.unknownOption.message, /granularity/);
  assert.equal(out.unknownOption.name, 'UsageError');
  assert.deepEqual(out.tables, ['states', 'summary', 'transitions', 'cohorts', 'snapshot', 'activity', 'depth']);
  assert.equal(out.inspect, 'event_date');
  const messages = [
    /invalid options: factValues must be a list of strings, not string/,
    /invalid timezone "": expected a value \(leave the option out for its default\)/,
    /onProgress must be a function/,
    /the user id must be a string, not number/,
    /the table must be a string, not object/,
    /the format must be a string, not number/,
    /the table must be a string, not object/,
    /the limit must be a whole number of users/,
  ];
  out.wrongTypes.forEach((e, i) => {
    assert.equal(e?.name, 'UsageError', JSON.stringify(e));
    assert.match(e.message, messages[i]);
  });
  assert.deepEqual(out.stillUsable, [5, 2, 'events_activation_weekly']);
});

test('Arrow IPC tables are readable by apache-arrow, with column descriptions', async () => {
  const script = `
    import { readFileSync, writeFileSync } from 'node:fs';
    import { compute } from 'activation-layer';
    const r = compute([{ name: 'events.csv', bytes: readFileSync('events.csv') }], { grain: 'week', through: '2024-02-04' });
    for (const t of r.tables) writeFileSync(t + '.arrow', r.table(t, 'arrow'));
    r.free();`;
  writeFileSync(join(project, 'arrow.mjs'), script);
  execFileSync('node', ['arrow.mjs'], { cwd: project });
  const rows = { states: 14, summary: 5, transitions: 45, cohorts: 9, snapshot: 4, activity: 35, depth: 35 };
  for (const [t, n] of Object.entries(rows)) {
    const table = tableFromIPC(readFileSync(join(project, `${t}.arrow`)));
    assert.equal(table.numRows, n, t);
    for (const field of table.schema.fields) assert.ok(field.metadata.get('description'), `${t}.${field.name} has a description`);
  }
  const states = tableFromIPC(readFileSync(join(project, 'states.arrow')));
  const dave = states.toArray().filter((r) => r.user_id === 'dave').map((r) => `${r.state}:${r.streak}:${r.gap ?? ''}`);
  assert.deepEqual(dave, ['new:1:', 'inactive:0:', 'reactivated:1:3', 'retained:2:1']);
});

test('the packed .wasm fits the size budget: 1.2 MB brotli with every codec', () => {
  // tests/wasm.rs reads a Parquet file of every codec through this build.
  const wasm = readFileSync(join(project, 'node_modules', 'activation-layer', 'web', 'activation_layer_bg.wasm'));
  const brotli = brotliCompressSync(wasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: wasm.length } }).length;
  assert.ok(brotli <= 1_200_000, `the .wasm is ${brotli} bytes brotli, over the 1,200,000 budget`);
});
