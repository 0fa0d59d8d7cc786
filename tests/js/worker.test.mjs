// The package in a real headless Chromium: the README's browser-module and
// worker snippets as written, cancel, recovery after bad input, and the
// engine's errors rebuilt in the page with their names.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { assertNoErrors, assertSameOrigin, launch, openPage } from './browser.mjs';
import { installedProject, runCli, snippet, specCsv } from './helpers.mjs';
import { serve } from './server.mjs';

let project;
let server;
let browser;

before(async () => {
  project = installedProject();
  writeFileSync(join(project, 'browser.html'), `<!doctype html><link rel="icon" href="data:,"><title>browser</title>${snippet('browser')}`);
  writeFileSync(join(project, 'worker.html'), `<!doctype html><link rel="icon" href="data:,"><title>worker</title>${snippet('worker')}`);
  runCli(['generate', '--events', '1500000', '--users', '200000', '--days', '365', '--seed', '3', '--out', join(project, 'big.csv')]);
  writeFileSync(
    join(project, 'cancel.html'),
    `<!doctype html><link rel="icon" href="data:,"><title>cancel</title><script type="module">
      import { createEngine, EngineError } from './node_modules/activation-layer/worker/client.js';
      const engine = createEngine();
      const load = async (f) => new Uint8Array(await (await fetch(f)).arrayBuffer());
      const out = { progress: [] };
      const controller = new AbortController();
      try {
        await engine.compute([{ name: 'big.csv', bytes: await load('big.csv') }], { grain: 'week' }, {
          signal: controller.signal,
          onProgress: (p) => { out.progress.push(p.phase); if (p.phase === 'read') controller.abort(); },
        });
        out.cancel = 'finished';
      } catch (e) { out.cancel = e.name; }
      try {
        await engine.compute([{ name: 'bad.parquet', bytes: new Uint8Array([80, 65, 82, 49, 0, 0]) }], {});
      } catch (e) { out.bad = e.message; out.badName = e.name; out.badIsEngineError = e instanceof EngineError; out.badOptions = e.options; }
      try {
        await engine.compute([{ name: 'events.csv', bytes: await load('events.csv') }], { grain: 'fortnight' });
      } catch (e) { out.usage = { name: e.name, message: e.message, options: e.options }; }
      out.options = await engine.options().catch((e) => ({ error: e.message }));
      const r = await engine.compute([{ name: 'events.csv', bytes: await load('events.csv') }], { grain: 'week', through: '2024-02-04' });
      out.summary = r.summary;
      out.timeline = await r.userTimeline('alice');
      out.dist = await r.distributions();
      out.states = new TextDecoder().decode(await r.table('states', 'csv')).split('\\n').length;
      out.tables = r.tables;
      // Every file the CLI writes, transferred from the worker, and the data package they end with.
      const files = await r.files('csv');
      out.files = files.map((f) => [f.name, f.bytes.byteLength]);
      out.package = new TextDecoder().decode(files[files.length - 1].bytes);
      out.descriptor = await r.datapackage('csv');
      out.activity = new TextDecoder().decode(await r.table('activity', 'csv'));
      out.depth = new TextDecoder().decode(await r.table('depth', 'csv'));
      out.info = await engine.inspect({ name: 'events.csv', bytes: await load('events.csv') });
      // SPEC section 11's partition through the worker: the users table is transferred too.
      const users = { name: 'plans.csv', bytes: new TextEncoder().encode('user_id,plan\\nalice,pro\\nbob,free\\ncarol,pro\\n') };
      const p = await engine.compute([{ name: 'events.csv', bytes: await load('events.csv') }], { grain: 'week', through: '2024-02-04', users, segmentBy: 'plan' });
      out.usersTransferred = users.bytes.byteLength;
      out.plan = { fact: p.fact, summary: p.summary.length, segments: p.segments.summary.map((x) => [x.segment, x.active]),
        name: await p.tableName('summary', 'segmented'),
        csv: new TextDecoder().decode(await p.table('summary', 'csv', 'segmented')).split('\\n')[0] };
      await p.free();
      await r.free();
      try { await r.table('states', 'csv'); } catch (e) { out.freed = e.message; }
      document.body.dataset.out = JSON.stringify(out);
    </script>`,
  );
  server = await serve(project);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

async function result(page, attr, timeout = 60000) {
  await page.waitForFunction((a) => document.body && document.body.dataset[a], attr, { timeout });
  return page.evaluate((a) => document.body.dataset[a], attr);
}

test('the README browser-module snippet computes the SPEC example in Chromium', async () => {
  const { page, requests, errors } = await openPage(browser);
  await page.goto(server.url + 'browser.html');
  const summary = JSON.parse(await result(page, 'summary'));
  assert.deepEqual(summary.map((r) => [r.active, r.new, r.retained, r.reactivated, r.churned, r.dormant]), [
    [3, 3, 0, 0, 0, 0], [2, 1, 1, 0, 2, 0], [1, 0, 1, 0, 1, 2], [2, 0, 1, 1, 0, 2], [2, 0, 1, 1, 1, 1],
  ]);
  assertNoErrors(errors);
  assertSameOrigin(requests, server.url);
  await page.close();
});

test('the README worker snippet runs the engine in a Web Worker', async () => {
  const { page, requests, errors } = await openPage(browser);
  await page.goto(server.url + 'worker.html');
  const summary = JSON.parse(await result(page, 'summary'));
  assert.equal(summary.length, 5);
  assert.equal(summary[3].reactivation_rate, 1 / 3);
  assert.ok(Number(await page.evaluate(() => document.body.dataset.snapshotBytes)) > 500);
  assert.ok(requests.some((u) => u.endsWith('/worker/worker.js')), 'a worker was started');
  assertNoErrors(errors);
  assertSameOrigin(requests, server.url);
  await page.close();
});

test('the worker cancels a long run, survives bad input, and serves results on request', async () => {
  const { page, requests } = await openPage(browser);
  await page.goto(server.url + 'cancel.html');
  const out = JSON.parse(await result(page, 'out', 120000));
  assert.equal(out.cancel, 'AbortError');
  assert.ok(out.progress.includes('read'));
  assert.match(out.bad, /bad\.parquet/);
  assert.equal(out.badName, 'CorruptFileError');
  assert.equal(out.badIsEngineError, true);
  assert.equal(out.usage.name, 'UsageError');
  assert.match(out.usage.message, /invalid grain "fortnight"/);
  assert.deepEqual(out.usage.options, ['grain'], 'the options a message names reach the page');
  assert.deepEqual(out.badOptions, []);
  const script = "import { options } from 'activation-layer'; console.log(JSON.stringify(options()));";
  const direct = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' }));
  assert.deepEqual(out.options, direct, 'the worker gives the engine\'s options');
  assert.equal(out.summary.length, 5);
  assert.equal(out.summary[4].quick_ratio, 1);
  assert.deepEqual(out.timeline.map((t) => t.state), ['new', 'retained', 'inactive', 'inactive', 'reactivated']);
  assert.deepEqual(out.timeline.map((t) => t.inactive_streak), [0, 0, 1, 2, 0]);
  assert.deepEqual(out.dist.churn_duration, [{ periods: 2, count: 2 }]);
  assert.equal(out.states, 16);
  // SPEC section 12's tables, as the CLI writes them.
  assert.deepEqual(out.tables, ['states', 'summary', 'transitions', 'cohorts', 'snapshot', 'activity', 'depth']);
  const cliOut = mkdtempSync(join(tmpdir(), 'activation-worker-'));
  runCli(['run', specCsv, '--grain', 'week', '--through', '2024-02-04', '--format', 'csv', '--out', cliOut]);
  assert.equal(out.activity, readFileSync(join(cliOut, 'spec_example_activity_daily.csv'), 'utf8'));
  assert.equal(out.depth, readFileSync(join(cliOut, 'spec_example_activation_weekly_depth.csv'), 'utf8'));
  assert.match(out.activity, /^2024-01-31,1,2,0\.5,true,3,0\.3333333333333333,true$/m);
  // SPEC section 14: the same files as the CLI, the data package last and equal to datapackage().
  const cliFiles = readdirSync(cliOut).sort();
  assert.deepEqual(out.files.map(([name]) => name).sort(), cliFiles.map((f) => f.replace('spec_example', 'events')).sort());
  assert.equal(out.files[out.files.length - 1][0], 'datapackage.json');
  assert.deepEqual(JSON.parse(out.package), out.descriptor);
  assert.equal(out.descriptor.resources.length, 8);
  assert.equal(out.descriptor.activation.fact, 'events');
  assert.equal(out.info.time_column, 'event_date');
  // The user and time columns are never offered as segments.
  assert.deepEqual(out.info.columns.map((c) => [c.name, c.segment_values]), [['user_id', null], ['event_date', null]]);
  assert.match(out.freed, /freed/);
  assert.equal(out.usersTransferred, 0, 'the users table was transferred, not copied');
  assert.equal(out.plan.fact, 'events');
  assert.equal(out.plan.summary, 5, 'the layer without segments comes with it');
  assert.equal(out.plan.name, 'events_by_plan_activation_weekly_summary');
  assert.match(out.plan.csv, /^segment,period_start,/);
  const active = (seg) => out.plan.segments.filter(([s]) => s === seg).map(([, a]) => a);
  assert.deepEqual([active('free'), active('pro'), active(null)], [[1, 0, 0, 0, 0], [1, 2, 1, 1, 1], [1, 0, 0, 1, 1]]);
  assertSameOrigin(requests, server.url);
  await page.close();
});
