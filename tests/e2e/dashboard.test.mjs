// The static dashboard, end to end: the site built by `make site` (dist/),
// served from a sub-path on localhost, driven in headless Debian Chromium.
// Every test records every request and fails on one to another origin.
// Screenshots of the main views go to target/e2e-screenshots/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launch, openPage } from '../js/browser.mjs';
import { serve } from '../js/server.mjs';

const root = new URL('../../', import.meta.url).pathname;
const dist = join(root, 'dist');
const shots = join(root, 'target', 'e2e-screenshots');
const specCsv = join(root, 'tests', 'data', 'spec_example.csv');
const cli = ['debug', 'release'].map((p) => join(root, 'target', p, 'activation')).find((p) => existsSync(p));

let server;
let browser;
let site; // the dashboard's URL, under a sub-path
let tmp;

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'dist/ is missing: run `make site` first');
  assert.ok(cli, 'the CLI is missing: run `cargo build` first');
  tmp = mkdtempSync(join(tmpdir(), 'activation-e2e-'));
  mkdirSync(shots, { recursive: true });
  // Serve dist/ as /some/sub/path/ to check it works from any sub-path.
  const www = join(tmp, 'www');
  mkdirSync(join(www, 'some', 'sub'), { recursive: true });
  symlinkSync(dist, join(www, 'some', 'sub', 'path'));
  server = await serve(www);
  site = `${server.url}some/sub/path/`;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

function runCli(args) {
  return execFileSync(cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the CLI on `facts` and returns its output directory. */
function cliRun(facts, extra, name) {
  const out = join(tmp, `cli-${name}`);
  runCli(['run', ...facts, '--out', out, ...extra]);
  return out;
}

/** Opens the dashboard; `check()` at the end asserts no foreign request and no page error. */
async function open(hash = '', viewport = { width: 1440, height: 1000 }) {
  const { page, requests, errors } = await openPage(browser);
  await page.setViewportSize(viewport);
  await page.goto(site + (hash ? `#${hash}` : ''));
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.dataset.state === 'idle');
  const check = async () => {
    const origin = new URL(server.url).origin;
    const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
    assert.deepEqual(foreign, [], 'requests to other origins');
    assert.ok(requests.some((u) => /\/assets\/worker-[^/]+\.js$/.test(u)), 'the engine ran in a worker');
    assert.ok(requests.some((u) => u.endsWith('.wasm')), 'the wasm module was loaded from the site');
    assert.deepEqual(errors.filter((e) => !/Failed to load resource.*404/.test(e)), [], 'page errors');
    await page.close();
  };
  return { page, requests, errors, check };
}

/** Waits for the run to end; returns the status text (`done …` or `error: …`). */
async function settled(page, timeout = 120000) {
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid=status]');
    return s && (s.dataset.state === 'done' || s.dataset.state === 'error');
  }, null, { timeout });
  return page.getByTestId('status').textContent();
}

async function done(page) {
  const status = await settled(page);
  assert.match(status, /done/, status);
  return status;
}

/** Sets a form control as a user would (change event). */
async function setField(page, testid, value) {
  const el = page.getByTestId(testid);
  const tag = await el.evaluate((e) => e.tagName);
  if (tag === 'SELECT') await el.selectOption(value);
  else {
    await el.fill(value);
    await el.dispatchEvent('change');
  }
}

async function summaryTable(page) {
  return page.getByTestId('summary-table').evaluate((t) => ({
    header: [...t.querySelectorAll('thead th')].map((th) => th.textContent),
    rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
  }));
}

/** The summary CSV (a string) as the table would show it: rates rounded to 4 places. */
function csvAsTable(csv) {
  const [header, ...lines] = csv.trim().split('\n').map((l) => l.split(','));
  const rates = new Set(['retention_rate', 'churn_rate', 'reactivation_rate', 'quick_ratio']);
  return {
    header,
    rows: lines.map((l) => l.map((v, i) => (rates.has(header[i]) && v !== '' ? String(Math.round(Number(v) * 10000) / 10000) : v))),
  };
}

async function downloadBytes(page, testid) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  const path = join(tmp, `dl-${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return { name: download.suggestedFilename(), path, bytes: readFileSync(path) };
}

const SUMMARY_COLUMNS = ['period_start', 'period_end', 'complete', 'active', 'new', 'retained', 'reactivated', 'churned',
  'dormant', 'inactive', 'total_users', 'retention_rate', 'churn_rate', 'reactivation_rate', 'quick_ratio'];

test('the SPEC example CSV gives the SPEC summary, definitions from the dictionary, and CLI-identical downloads', async () => {
  const { page, check } = await open('through=2024-02-04');
  assert.equal(await page.getByTestId('through-input').inputValue(), '2024-02-04', 'the hash sets the form');
  await page.getByTestId('facts-input').setInputFiles(specCsv);
  await done(page);

  const table = await summaryTable(page);
  assert.deepEqual(table.header, SUMMARY_COLUMNS);
  // SPEC section 10 (rates rounded to 4 places there and in the table).
  assert.deepEqual(table.rows, [
    ['2024-01-01', '2024-01-07', 'true', '3', '3', '0', '0', '0', '0', '0', '3', '', '', '', ''],
    ['2024-01-08', '2024-01-14', 'true', '2', '1', '1', '0', '2', '0', '2', '4', '0.3333', '0.6667', '', '0.5'],
    ['2024-01-15', '2024-01-21', 'true', '1', '0', '1', '0', '1', '2', '3', '4', '0.5', '0.5', '0', '0'],
    ['2024-01-22', '2024-01-28', 'true', '2', '0', '1', '1', '0', '2', '2', '4', '1', '0', '0.3333', ''],
    ['2024-01-29', '2024-02-04', 'true', '2', '0', '1', '1', '1', '1', '2', '4', '0.5', '0.5', '0.5', '1'],
  ]);

  // KPI tiles: the latest complete week, versus the week before.
  assert.equal(await page.getByTestId('kpi-active').locator('.k-value').textContent(), '2');
  assert.equal(await page.getByTestId('kpi-quick_ratio').locator('.k-value').textContent(), '1.00');
  assert.match(await page.getByTestId('kpi-churned').locator('.k-delta').textContent(), /\+1/);

  // Definitions on hover come from the engine's data dictionary.
  const { dictionary } = await import(join(root, 'pkg', 'node', 'index.js'));
  const dict = dictionary();
  const summaryDef = dict.tables.find((t) => t.name.endsWith('_summary')).columns.find((c) => c.name === 'quick_ratio').description;
  assert.equal(await page.locator('[data-testid=summary-table] th', { hasText: 'quick_ratio' }).getAttribute('data-tip'), summaryDef);
  assert.equal(await page.getByTestId('kpi-churned').locator('.k-label').getAttribute('data-tip'),
    dict.tables.find((t) => t.name.endsWith('_summary')).columns.find((c) => c.name === 'churned').description);
  assert.equal(await page.locator('.legend-list [data-def="state:reactivated"]').getAttribute('data-tip'),
    dict.states.find((s) => s.state === 'reactivated').description);

  // Charts drew, the quality panel warns about the empty days.
  assert.ok(await page.getByTestId('lifecycle-chart').locator('canvas').count() > 0);
  const quality = await page.getByTestId('quality-panel').textContent();
  assert.match(quality, /24 empty days/);
  assert.match(quality, /Rows read\s*11/);

  // The user lookup shows one user's timeline (SPEC: alice).
  await page.getByTestId('user-input').fill('alice');
  await page.getByTestId('user-button').click();
  await page.getByTestId('user-timeline').locator('table').waitFor();
  const states = await page.getByTestId('user-timeline').locator('tbody tr td:nth-child(2)').allTextContents();
  assert.deepEqual(states, ['new', 'retained', 'inactive', 'inactive', 'reactivated']);

  await page.waitForTimeout(700); // chart animations
  await page.screenshot({ path: join(shots, 'spec-example.png'), fullPage: true });

  // Downloads are the CLI's files, byte for byte.
  const out = cliRun([specCsv], ['--grain', 'week', '--through', '2024-02-04', '--format', 'csv'], 'spec-csv');
  const outPq = cliRun([specCsv], ['--grain', 'week', '--through', '2024-02-04'], 'spec-pq');
  const summaryCsv = await downloadBytes(page, 'download-summary-csv');
  assert.equal(summaryCsv.name, 'spec_example_activation_weekly_summary.csv');
  assert.deepEqual(summaryCsv.bytes, readFileSync(join(out, summaryCsv.name)));
  const statesCsv = await downloadBytes(page, 'download-states-csv');
  assert.equal(statesCsv.name, 'spec_example_activation_weekly.csv');
  assert.deepEqual(statesCsv.bytes, readFileSync(join(out, statesCsv.name)));
  const statesPq = await downloadBytes(page, 'download-states-parquet');
  assert.equal(statesPq.name, 'spec_example_activation_weekly.parquet');
  assert.deepEqual(statesPq.bytes, readFileSync(join(outPq, statesPq.name)));
  const snapshot = await downloadBytes(page, 'download-snapshot-parquet');
  assert.equal(snapshot.name, 'spec_example_firstlast.parquet');
  assert.deepEqual(snapshot.bytes, readFileSync(join(outPq, snapshot.name)));
  const qualityJson = await downloadBytes(page, 'download-quality-json');
  assert.equal(qualityJson.name, 'spec_example_activation_weekly_quality.json');
  const cliQuality = JSON.parse(readFileSync(join(out, qualityJson.name), 'utf8'));
  assert.deepEqual(JSON.parse(qualityJson.bytes), { ...cliQuality, files: ['spec_example.csv'] }, 'the CLI names files by path');
  await check();
});

test('a Parquet upload works and matches the CLI; grain and week start follow the form', async () => {
  const facts = join(tmp, 'events.parquet');
  runCli(['generate', '--events', '30000', '--users', '3000', '--days', '90', '--seed', '7', '--out', facts]);
  const { page, check } = await open();
  await page.getByTestId('facts-input').setInputFiles(facts);
  await done(page);
  const expected = readFileSync(join(cliRun([facts], ['--grain', 'week', '--format', 'csv'], 'pq-week'), 'events_activation_weekly_summary.csv'), 'utf8');
  assert.deepEqual(await summaryTable(page), csvAsTable(expected));

  await setField(page, 'grain-select', 'month');
  await done(page);
  const monthly = readFileSync(join(cliRun([facts], ['--grain', 'month', '--format', 'csv'], 'pq-month'), 'events_activation_monthly_summary.csv'), 'utf8');
  assert.deepEqual(await summaryTable(page), csvAsTable(monthly));
  assert.match(page.url(), /grain=month/, 'settings live in the URL hash');

  await setField(page, 'grain-select', 'week');
  await setField(page, 'week-start-select', 'sunday');
  await setField(page, 'timezone-input', 'Asia/Seoul');
  await done(page);
  const sunday = readFileSync(join(cliRun([facts], ['--grain', 'week', '--week-start', 'sunday', '--timezone', 'Asia/Seoul', '--format', 'csv'], 'pq-sunday'), 'events_activation_weekly_summary.csv'), 'utf8');
  assert.deepEqual(await summaryTable(page), csvAsTable(sunday));
  assert.match(page.url(), /ws=sunday/);
  assert.match(page.url(), /tz=Asia%2FSeoul/);
  await check();

  // The link reproduces the view (with the same files).
  const again = await open(new URL(page.url()).hash.slice(1));
  assert.equal(await again.page.getByTestId('week-start-select').inputValue(), 'sunday');
  assert.equal(await again.page.getByTestId('timezone-input').inputValue(), 'Asia/Seoul');
  await again.page.getByTestId('facts-input').setInputFiles(facts);
  await done(again.page);
  assert.deepEqual(await summaryTable(again.page), csvAsTable(sunday));
  await again.check();
});

test('the demo runs and every view draws (light, dark, phone screenshots)', async () => {
  const { page, check } = await open();
  await page.screenshot({ path: join(shots, 'start.png'), fullPage: true });
  await page.getByTestId('demo-button').click();
  const status = await done(page);
  assert.match(status, /400,000 rows/);
  const table = await summaryTable(page);
  assert.ok(table.rows.length >= 25, 'several months of weeks');
  for (const id of ['lifecycle-chart', 'active-chart', 'rates-chart', 'sankey-chart', 'cohort-chart', 'dist-streak', 'dist-gap', 'dist-churn']) {
    assert.ok(await page.getByTestId(id).locator('canvas').count() > 0, `${id} drew`);
  }
  assert.equal(await page.locator('.kpi').count(), 6);
  assert.match(await page.getByTestId('quality-panel').textContent(), /Rows read\s*400,000/);
  const user = await page.evaluate(() => document.querySelector('#user-suggestions option')?.value);
  await page.getByTestId('user-input').fill(user);
  await page.getByTestId('user-button').click();
  await page.getByTestId('user-timeline').locator('.strip').waitFor();
  await page.getByTestId('lifecycle-chart').hover({ position: { x: 500, y: 200 } });
  await page.waitForTimeout(700); // chart animations
  await page.screenshot({ path: join(shots, 'demo-light.png'), fullPage: true });

  // Dark theme (the toggle cycles auto -> light -> dark).
  await page.locator('#theme-toggle').click();
  await page.locator('#theme-toggle').click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(shots, 'demo-dark.png'), fullPage: true });
  await page.screenshot({ path: join(shots, 'demo-dark-top.png') });

  // A phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(800);
  await page.locator('#dashboard').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'demo-phone.png'), fullPage: true });
  await page.locator('#theme-toggle').click();
  await check();
});

test('snapshot round trip: first part, download the snapshot, upload it with later facts = one full run', async () => {
  const csv = join(tmp, 'all.csv');
  runCli(['generate', '--events', '20000', '--users', '2000', '--days', '70', '--seed', '11', '--out', csv]);
  const [header, ...lines] = readFileSync(csv, 'utf8').trim().split('\n');
  const cut = '2024-02-14'; // a Wednesday: the open week is reported again
  const last = lines.map((l) => l.split(',')[1].slice(0, 10)).sort().at(-1);
  const part1 = join(tmp, 'part1.csv');
  const part2 = join(tmp, 'part2.csv');
  writeFileSync(part1, [header, ...lines.filter((l) => l.split(',')[1].slice(0, 10) <= cut)].join('\n'));
  writeFileSync(part2, [header, ...lines.filter((l) => l.split(',')[1].slice(0, 10) > cut)].join('\n'));

  // One full run.
  const full = await open(`through=${last}&name=visits`);
  await full.page.getByTestId('facts-input').setInputFiles(csv);
  await done(full.page);
  const whole = await summaryTable(full.page);
  const fullSnapshot = await downloadBytes(full.page, 'download-snapshot-parquet');
  await full.check();

  // Day 1: facts through the cut.
  const { page, check } = await open(`through=${cut}&name=visits`);
  await page.getByTestId('facts-input').setInputFiles(part1);
  await done(page);
  const snapshot = await downloadBytes(page, 'download-snapshot-parquet');
  assert.equal(snapshot.name, 'visits_firstlast.parquet');
  const earlier = [];
  const earlierParquet = [];
  for (const t of ['summary', 'transitions', 'cohorts']) {
    earlier.push((await downloadBytes(page, `download-${t}-csv`)).path);
    earlierParquet.push((await downloadBytes(page, `download-${t}-parquet`)).path);
  }

  // Day 2: the snapshot plus only the later facts.
  await setField(page, 'through-input', last);
  await page.getByTestId('snapshot-input').setInputFiles(snapshot.path);
  await page.getByTestId('facts-input').setInputFiles(part2);
  await done(page);
  const resumed = await summaryTable(page);
  assert.ok(resumed.rows.length < whole.rows.length, 'the incremental run reports only the later periods');
  assert.equal(resumed.rows[0][0], '2024-02-12', 'the open week is reported again');
  const byPeriod = new Map(whole.rows.map((r) => [r[0], r]));
  for (const row of resumed.rows) assert.deepEqual(row, byPeriod.get(row[0]), `period ${row[0]}`);
  // The snapshot after the second run equals the full run's.
  const snapshot2 = await downloadBytes(page, 'download-snapshot-parquet');
  assert.deepEqual(snapshot2.bytes, fullSnapshot.bytes);

  // With the earlier tables uploaded, the charts and the table show every period again.
  await page.getByTestId('history-input').setInputFiles(earlier);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=summary-table] tbody tr').length === n, whole.rows.length);
  assert.deepEqual(await summaryTable(page), whole);
  await page.waitForTimeout(700); // chart animations
  await page.screenshot({ path: join(shots, 'incremental.png'), fullPage: true });
  // The same earlier tables as Parquet (the engine converts and merges them).
  await page.getByTestId('history-input').setInputFiles(earlierParquet);
  await page.waitForFunction(() => document.body.innerText.includes('summary.parquet'));
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=summary-table] tbody tr').length === n, whole.rows.length);
  assert.deepEqual(await summaryTable(page), whole);
  await check();
});

test('bad files, wrong mappings and bad options show a clear message, and the page keeps working', async () => {
  const { page, check } = await open();
  const bad = join(tmp, 'broken.parquet');
  writeFileSync(bad, Buffer.from('PAR1 this is not parquet at all PAR1'));
  await page.getByTestId('facts-input').setInputFiles(bad);
  let status = await settled(page);
  assert.match(status, /^error: .*broken\.parquet/);
  assert.ok(await page.locator('#error-box').isVisible());
  await page.screenshot({ path: join(shots, 'error.png'), fullPage: true });

  await page.getByTestId('facts-input').setInputFiles(specCsv);
  await done(page);
  assert.equal((await summaryTable(page)).rows.length, 5);

  // Out-of-range option: an unknown time zone, then fixed.
  await setField(page, 'timezone-input', 'Mars/Olympus_Mons');
  status = await settled(page);
  assert.match(status, /^error: .*time ?zone/i);
  await setField(page, 'timezone-input', 'Europe/Berlin');
  await done(page);

  // Wrong mapping: epoch integers need a unit; a missing column is named.
  const epoch = join(tmp, 'epoch.csv');
  writeFileSync(epoch, 'member_id,ts\n1,1704067200\n2,1704153600\n1,1704758400\n');
  await setField(page, 'timezone-input', '');
  await page.getByTestId('facts-input').setInputFiles(epoch);
  status = await settled(page);
  assert.match(status, /^error: .*time unit/);
  await setField(page, 'time-unit-select', 's');
  await done(page);
  // week of 2024-01-01: users 1 and 2 new; week of 2024-01-08: user 1 retained.
  assert.deepEqual((await summaryTable(page)).rows.map((r) => r.slice(3, 6)), [['2', '2', '0'], ['1', '0', '1']]);
  // A time format that does not fit: every row is rejected, the message shows offending values.
  await setField(page, 'time-unit-select', '');
  await setField(page, 'time-format-input', '%d/%m/%Y');
  status = await settled(page);
  assert.match(status, /^error: .*1704067200/);
  await setField(page, 'time-format-input', '');
  await setField(page, 'time-unit-select', 's');
  await done(page);
  await check();
});

test('a long run shows progress, keeps the page responsive, and can be cancelled', async () => {
  const big = join(tmp, 'big.csv');
  runCli(['generate', '--events', '1500000', '--users', '200000', '--days', '365', '--seed', '3', '--out', big]);
  const { page, check } = await open();
  await page.getByTestId('facts-input').setInputFiles(big);
  // The engine reports progress while it reads; the main thread stays free.
  await page.waitForFunction(() => /reading .*%|computing/.test(document.querySelector('[data-testid=status]').textContent), null, { timeout: 60000, polling: 10 });
  const t0 = Date.now();
  assert.equal(await page.evaluate(() => document.querySelector('progress').hidden), false);
  assert.ok(Date.now() - t0 < 1000, 'the page answers while the engine works');
  await page.getByTestId('cancel-button').click();
  await page.waitForFunction(() => /cancelled/.test(document.querySelector('[data-testid=status]').textContent));
  assert.equal(await page.locator('#dashboard').isHidden(), true);
  // A fresh worker serves the next run.
  await page.getByTestId('facts-input').setInputFiles(specCsv);
  await done(page);
  assert.equal((await summaryTable(page)).rows.length, 5);
  // And the big file itself computes when left alone.
  await page.getByTestId('facts-input').setInputFiles(big);
  assert.match(await done(page), /1,500,000 rows/);
  await check();
});
