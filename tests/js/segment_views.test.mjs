// One segment of a run, as the dashboard asks for it: the users behind a
// bar of a lifecycle chart (usersBehind), and a segment's distributions,
// user timelines and sample users. Through the packed package in Node,
// against the CLI's tables and against runs on a segment's rows alone
// (SPEC section 11: a split segment's layer is that of its rows), then the
// same calls through the worker in Chromium.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launch, openPage } from './browser.mjs';
import { installedProject, root, runCli, specCsv } from './helpers.mjs';
import { serve } from './server.mjs';

const PLANS_CSV = 'user_id,plan\nalice,pro\nbob,free\ncarol,pro\n';
const WEEK = { grain: 'week', through: '2024-02-04' };
/** SPEC section 11's split example: section 10's facts with the platform of each. */
const PLATFORM_CSV = readFileSync(join(root, 'tests', 'js', 'fixtures', 'spec_platform.csv'), 'utf8');

let project;
let work;

before(() => {
  project = installedProject();
  work = mkdtempSync(join(tmpdir(), 'activation-segment-views-'));
  writeFileSync(join(project, 'platform.csv'), PLATFORM_CSV);
  writeFileSync(join(project, 'plans.csv'), PLANS_CSV);
  // The split's segments as runs of their own: the facts filtered to one platform.
  const lines = PLATFORM_CSV.trim().split('\n');
  for (const p of ['ios', 'web']) writeFileSync(join(project, `${p}.csv`), [lines[0], ...lines.slice(1).filter((l) => l.endsWith(`,${p}`))].join('\n'));
  // The partition's null segment: dave, absent from the users table.
  writeFileSync(join(project, 'dave.csv'), readFileSync(specCsv, 'utf8').split('\n').filter((l, i) => i === 0 || l.startsWith('dave,')).join('\n'));
});

/** Runs `body` (an async function body with `compute`, `file` and `out`) in the installed package; returns `out`. */
function node(name, body) {
  writeFileSync(join(project, `${name}.mjs`), `import { readFileSync } from 'node:fs';
import { compute } from 'activation-layer';
const file = (name) => ({ name, bytes: readFileSync(name) });
const text = (bytes) => new TextDecoder().decode(bytes);
const out = {};
${body}
console.log(JSON.stringify(out));
`);
  return JSON.parse(execFileSync('node', [`${name}.mjs`], { cwd: project, encoding: 'utf8' }));
}

/** The lines of a CLI states CSV behind one bar (as its summary counts them). */
function statesBehind(csv, { period, state, segment }) {
  const [header, ...lines] = csv.trimEnd().split('\n');
  const col = (name) => header.split(',').indexOf(name);
  const kept = lines.filter((l) => {
    const f = l.split(',');
    const is = state === 'churned'
      ? f[col('state')] === 'inactive' && ['new', 'retained', 'reactivated'].includes(f[col('previous_state')])
      : f[col('state')] === state;
    return f[col('period_start')] === period && is && (segment === undefined || f[col('segment')] === segment);
  });
  return `${[header, ...kept].join('\n')}\n`;
}

test('usersBehind gives the CLI states rows behind each bar, of the run and of each segment, with the summary\'s counts', () => {
  const out = node('bars', `
    const r = compute([file('platform.csv')], { ...${JSON.stringify(WEEK)}, segmentColumn: 'platform' });
    out.bars = [];
    for (const row of r.summary) for (const state of ['new', 'retained', 'reactivated', 'churned']) {
      out.bars.push({ period: row.period_start, state, count: row[state], csv: text(r.usersBehind({ period: row.period_start, state }, 'csv')) });
    }
    for (const row of r.segments.summary) for (const state of ['new', 'retained', 'reactivated', 'churned']) {
      const bar = { period: row.period_start, state, segment: row.segment };
      out.bars.push({ ...bar, count: row[state], csv: text(r.usersBehind(bar, 'csv')) });
    }
    out.arrow = Array.from(r.usersBehind({ period: '2024-01-08', state: 'new', segment: 'ios' }, 'arrow'));
    out.parquet = Array.from(r.usersBehind({ period: '2024-01-08', state: 'churned' }, 'parquet').subarray(0, 4));
    const error = (bar, format = 'csv') => { try { r.usersBehind(bar, format); return null; } catch (e) { return [e.name, e.message]; } };
    out.errors = [
      error({ period: '2024-01-09', state: 'new' }),
      error({ period: '2024-02-05', state: 'new' }),
      error({ period: '2024-01-08', state: 'dormant' }),
      error({ period: '2024-01-08', state: 'new', segment: 'android' }),
      error({ period: '2024-01-08', state: 'new', segment: 3 }),
      error({ period: '2024-01-08', state: 'new' }, 'xlsx'),
    ];
    const plain = compute([file('platform.csv')], ${JSON.stringify(WEEK)});
    try { plain.usersBehind({ period: '2024-01-08', state: 'new', segment: 'ios' }, 'csv'); } catch (e) { out.unsegmented = [e.name, e.message]; }
  `);
  const split = runCli(['run', join(project, 'platform.csv'), '--grain', 'week', '--through', '2024-02-04', '--segment-col', 'platform', '--format', 'csv', '--quiet', '--out', join(work, 'split')]);
  assert.ok(split.includes('platform_by_platform_activation_weekly.csv'));
  runCli(['run', join(project, 'platform.csv'), '--grain', 'week', '--through', '2024-02-04', '--format', 'csv', '--quiet', '--out', join(work, 'plain')]);
  const cli = {
    plain: readFileSync(join(work, 'plain', 'platform_activation_weekly.csv'), 'utf8'),
    split: readFileSync(join(work, 'split', 'platform_by_platform_activation_weekly.csv'), 'utf8'),
  };
  assert.equal(out.bars.length, 4 * 5 * 3, 'every bar of the run and of its two segments');
  for (const b of out.bars) {
    const label = `${b.segment ?? 'all'} ${b.period} ${b.state}`;
    const expected = b.segment === undefined ? statesBehind(cli.plain, b) : statesBehind(cli.split, b);
    assert.equal(b.csv, expected, label);
    assert.equal(b.csv.trimEnd().split('\n').length - 1, b.count, `${label}: the summary counts the bar's rows`);
  }
  // SPEC section 10: bob and dave churned in the week of 2024-01-08.
  assert.match(out.bars.find((b) => b.segment === undefined && b.period === '2024-01-08' && b.state === 'churned').csv, /^user_id,.*\nbob,2024-01-08,inactive,new,.*\ndave,2024-01-08,inactive,new,/s);
  assert.deepEqual(out.parquet, [80, 65, 82, 49], 'PAR1');
  assert.ok(out.arrow.length > 100);
  assert.deepEqual(out.errors, [
    ['UsageError', '2024-01-09 is not the first day of a reported week (the run reports 2024-01-01 to 2024-01-29)'],
    ['UsageError', '2024-02-05 is not the first day of a reported week (the run reports 2024-01-01 to 2024-01-29)'],
    ['UsageError', 'invalid bar "dormant": expected one of new, retained, reactivated, churned'],
    ['UsageError', 'no segment "android" in this run\'s 2 segments of platform: "ios", "web"'],
    ['UsageError', 'the segment must be a string or null: the segments of platform are text'],
    ['UsageError', 'invalid format "xlsx": expected parquet, csv or arrow'],
  ]);
  assert.equal(out.unsegmented[0], 'UsageError');
  assert.match(out.unsegmented[1], /this run has no segments/);
});

test("a split segment's distributions, timelines and users are those of a run on its rows alone", () => {
  const out = node('split', `
    const r = compute([file('platform.csv')], { ...${JSON.stringify(WEEK)}, segmentColumn: 'platform' });
    for (const p of ['ios', 'web']) {
      const alone = compute([file(p + '.csv')], ${JSON.stringify(WEEK)});
      out[p] = {
        distributions: [r.distributions(p), alone.distributions()],
        alice: [r.userTimeline('alice', p), alone.userTimeline('alice')],
        bob: [r.userTimeline('bob', p), alone.userTimeline('bob')],
        users: [r.sampleUsers(10, p), alone.sampleUsers(10)],
      };
    }
    out.plain = [r.distributions(), compute([file('platform.csv')], ${JSON.stringify(WEEK)}).distributions()];
  `);
  for (const p of ['ios', 'web']) {
    for (const [what, [segment, alone]] of Object.entries(out[p])) assert.deepEqual(segment, alone, `${p}: ${what}`);
  }
  assert.equal(out.ios.bob[0], null, 'bob never used iOS');
  assert.deepEqual(out.ios.users[0], ['alice', 'carol', 'dave']);
  assert.deepEqual(out.plain[0], out.plain[1], 'without a segment: the run without segments');
});

test("a partition's null segment (users absent from the users table) is a segment like the others", () => {
  const out = node('partition', `
    const r = compute([file('events.csv')], { ...${JSON.stringify(WEEK)}, users: file('plans.csv'), segmentBy: 'plan' });
    const dave = compute([file('dave.csv')], ${JSON.stringify(WEEK)});
    out.distributions = [r.distributions(null), dave.distributions()];
    out.timeline = [r.userTimeline('dave', null), dave.userTimeline('dave'), r.userTimeline('dave')];
    out.users = [r.sampleUsers(10, null), r.sampleUsers(10, 'pro')];
    out.bar = text(r.usersBehind({ period: '2024-01-22', state: 'reactivated', segment: null }, 'csv'));
  `);
  assert.deepEqual(out.distributions[0], out.distributions[1]);
  // States are the run's: dave's timeline is the same in his segment and in the run.
  assert.deepEqual(out.timeline[0], out.timeline[1]);
  assert.deepEqual(out.timeline[0], out.timeline[2]);
  assert.deepEqual(out.users, [['dave'], ['alice', 'carol']]);
  assert.equal(out.bar.split('\n')[1], ',dave,2024-01-22,reactivated,inactive,inactive_to_reactivated,1,0,3,2,2,2024-01-01,3');
});

let server;
let browser;

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

test('the worker gives the same segment views as the package', async () => {
  writeFileSync(join(project, 'views.html'), `<!doctype html><link rel="icon" href="data:,"><title>views</title><script type="module">
    import { createEngine } from './node_modules/activation-layer/worker/client.js';
    const engine = createEngine();
    const load = async (f) => ({ name: f, bytes: new Uint8Array(await (await fetch(f)).arrayBuffer()) });
    const r = await engine.compute([await load('platform.csv')], { grain: 'week', through: '2024-02-04', segmentColumn: 'platform' });
    const text = (bytes) => new TextDecoder().decode(bytes);
    const out = {
      bar: text(await r.usersBehind({ period: '2024-01-08', state: 'new', segment: 'ios' }, 'csv')),
      plainBar: text(await r.usersBehind({ period: '2024-01-08', state: 'churned' }, 'csv')),
      distributions: await r.distributions('web'),
      timeline: await r.userTimeline('carol', 'web'),
      users: await r.sampleUsers(10, 'web'),
      plainUsers: await r.sampleUsers(10),
    };
    try { await r.usersBehind({ period: '2024-01-08', state: 'new', segment: null }, 'csv'); } catch (e) { out.error = [e.name, e.message]; }
    document.body.dataset.out = JSON.stringify(out);
  </script>`);
  const expected = node('views', `
    const r = compute([file('platform.csv')], { ...${JSON.stringify(WEEK)}, segmentColumn: 'platform' });
    Object.assign(out, {
      bar: text(r.usersBehind({ period: '2024-01-08', state: 'new', segment: 'ios' }, 'csv')),
      plainBar: text(r.usersBehind({ period: '2024-01-08', state: 'churned' }, 'csv')),
      distributions: r.distributions('web'),
      timeline: r.userTimeline('carol', 'web'),
      users: r.sampleUsers(10, 'web'),
      plainUsers: r.sampleUsers(10),
    });
  `);
  server = await serve(project);
  browser = await launch();
  const { page, errors } = await openPage(browser);
  await page.goto(`${server.url}views.html`);
  await page.waitForFunction(() => document.body?.dataset.out, null, { timeout: 60000 });
  const out = JSON.parse(await page.evaluate(() => document.body.dataset.out));
  assert.deepEqual(out.error, ['UsageError', 'no segment null in this run\'s 2 segments of platform: "ios", "web"']);
  delete out.error;
  assert.deepEqual(out, expected);
  assert.match(out.bar, /\nios,alice,2024-01-08,new,.*\nios,carol,2024-01-08,new,/s);
  assert.deepEqual(errors, []);
  await page.close();
});
