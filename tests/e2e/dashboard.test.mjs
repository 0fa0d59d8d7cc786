// The static dashboard, end to end: the site built by `make site` (dist/),
// served from a sub-path on localhost, driven in headless Debian Chromium.
// Every test records every request and fails on one to another origin.
// Screenshots of the main views go to target/e2e-screenshots/.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  bars, clickBar, cliRun, compared, csvAsTable, done, downloadBytes, open, platformCsv, root, runCli, sameDownloads,
  setField, settled, shots, specCsv, statesBehind, summaryTable, tableText, tmp, useSite,
} from './site.mjs';

useSite();

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

  // Without a breakdown there is no segment to choose.
  assert.equal(await page.getByTestId('segment-filter').isHidden(), true);
  assert.equal(await page.getByTestId('segment-multiples').isHidden(), true);
  assert.equal(await page.getByTestId('bar-segment').isHidden(), true);
  const out = cliRun([specCsv], ['--grain', 'week', '--through', '2024-02-04', '--format', 'csv'], 'spec-csv');

  // The red bar of the second week: bob and dave churned (SPEC section 10), their states rows as the CLI writes them.
  const lifecycle = page.getByTestId('lifecycle-chart');
  const churned = await bars(lifecycle, '--c-churned');
  assert.equal(churned.length, 3, 'churn in three weeks');
  const behind = await clickBar(page, lifecycle, churned[0]);
  assert.equal(behind.summary, '2 users churned in the week of 2024-01-08');
  assert.deepEqual(behind.rows.map((r) => r.slice(0, 5)), [
    ['bob', '2024-01-08', 'inactive', 'new', 'new_to_inactive'],
    ['dave', '2024-01-08', 'inactive', 'new', 'new_to_inactive'],
  ]);
  assert.equal(behind.focused, 'bar-users-csv', 'focus moves to the list a click made');
  const listed = await downloadBytes(page, 'bar-users-csv');
  assert.equal(listed.name, 'spec_example_activation_weekly_churned_2024-01-08.csv');
  const cliStates = readFileSync(join(out, 'spec_example_activation_weekly.csv'), 'utf8');
  assert.equal(listed.bytes.toString(), statesBehind(cliStates, { period: '2024-01-08', state: 'churned' }));
  await page.getByTestId('bar-users-close').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'lifecycle-chart', 'closing gives focus back to the chart');

  // Downloads are the CLI's files, byte for byte.
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

test('SPEC section 11 split by platform: segments compared, small multiples, one segment in every panel, users behind a bar, CLI-identical downloads', async () => {
  const facts = platformCsv;
  const { page, check } = await open('through=2024-02-04');
  await page.getByTestId('facts-input').setInputFiles(facts);
  await done(page);
  // inspect() offers the low-cardinality fact column, never the user or time column.
  const offered = await page.getByTestId('breakdown-select').evaluate((s) => [...s.options].map((o) => [o.value, o.text]));
  assert.deepEqual(offered, [['', 'nothing'], ['col:platform', 'platform · 2 values']]);
  await setField(page, 'breakdown-select', 'col:platform');
  assert.match(await done(page), /2 segments/);
  assert.match(page.url(), /seg=platform/, 'the breakdown lives in the URL hash');

  // SPEC section 11: active per week, ios 1, 2, 1, 0, 0; web 3, 0, 0, 2, 2 (the compare table, metric active).
  assert.deepEqual(await compared(page), { web: [3, 0, 0, 2, 2], ios: [1, 2, 1, 0, 0] });
  assert.deepEqual((await tableText(page, 'compare-table')).rows.map((r) => r[0]), ['2024-01-01', '2024-01-08', '2024-01-15', '2024-01-22', '2024-01-29']);
  // The latest complete week of every segment, in the engine's segment order.
  const latest = await tableText(page, 'segment-table');
  assert.deepEqual(latest.header.slice(0, 8), ['segment', 'total_users', 'active', 'new', 'retained', 'reactivated', 'churned', 'dormant']);
  assert.deepEqual(latest.rows.map((r) => r.slice(0, 8)), [['ios', '3', '0', '0', '0', '0', '0', '3'], ['web', '4', '2', '0', '1', '1', '1', '1']]);
  // Small multiples: the largest segment first.
  const multiples = page.getByTestId('segment-multiple');
  assert.equal(await multiples.count(), 2);
  assert.deepEqual(await page.locator('.multiple figcaption').allTextContents(), ['web 4 users', 'ios 3 users']);
  for (let i = 0; i < 2; i++) assert.ok(await multiples.nth(i).locator('canvas').count() > 0, 'a multiple drew');
  assert.equal(await page.getByTestId('segment-picker').isDisabled(), true, 'no segment left to add');
  // The rates compared are the engine's (SPEC: rates use each segment's own denominators).
  await setField(page, 'compare-metric', 'retention_rate');
  // web, ios: retained / active the week before (null when no one was active then).
  assert.deepEqual((await tableText(page, 'compare-table')).rows.map((r) => r.slice(1)), [['', ''], ['0', '0'], ['', '0.5'], ['', '0'], ['0.5', '']]);
  assert.match(page.url(), /cmp=retention_rate/);
  await setField(page, 'compare-metric', 'active');

  // A bar of a small multiple: the users new on the web in the first week.
  const webNew = await bars(multiples.nth(0), '--c-new');
  const web = await clickBar(page, multiples.nth(0), webNew[0]);
  assert.equal(web.summary, '3 users new in the week of 2024-01-01 · platform = web');
  assert.deepEqual(web.rows.map((r) => r.slice(0, 4)), [['web', 'alice', '2024-01-01', 'new'], ['web', 'bob', '2024-01-01', 'new'], ['web', 'dave', '2024-01-01', 'new']]);

  // One segment in every panel: the summary table, KPIs, transitions, user lookup of ios alone.
  await setField(page, 'segment-filter', '"ios"');
  await page.waitForFunction(() => document.querySelector('#result-title').textContent.endsWith('platform = ios'));
  assert.match(page.url(), /sf=%22ios%22/);
  const ios = await summaryTable(page);
  assert.deepEqual(ios.header, SUMMARY_COLUMNS);
  assert.deepEqual(ios.rows.map((r) => r[3]), ['1', '2', '1', '0', '0']);
  assert.equal(await page.getByTestId('kpi-active').locator('.k-value').textContent(), '0');
  assert.equal(await page.locator('[data-testid=segment-table] tr.current th').textContent(), 'ios');
  assert.equal(await page.locator('[data-testid=quality-segments] tr.current').textContent(), 'ios43');
  await page.getByTestId('user-input').fill('alice');
  await page.getByTestId('user-button').click();
  await page.getByTestId('user-timeline').locator('table').waitFor();
  assert.match(await page.getByTestId('user-timeline').locator('p').first().textContent(), /^alice in platform = ios · first active 2024-01-08/);
  assert.deepEqual(await page.getByTestId('user-timeline').locator('tbody tr td:nth-child(2)').allTextContents(), ['new', 'inactive', 'inactive', 'inactive']);
  await page.waitForTimeout(700); // chart animations
  await page.screenshot({ path: join(shots, 'split-ios.png'), fullPage: true });

  // The lifecycle chart now draws ios: its churn of the second week is dave, as the CLI's split writes him.
  const cliCsv = cliRun([facts], ['--grain', 'week', '--through', '2024-02-04', '--segment-col', 'platform', '--format', 'csv'], 'split-csv');
  const cliPq = cliRun([facts], ['--grain', 'week', '--through', '2024-02-04', '--segment-col', 'platform'], 'split-pq');
  const lifecycle = page.getByTestId('lifecycle-chart');
  const churned = await bars(lifecycle, '--c-churned');
  assert.equal(churned.length, 3);
  const dave = await clickBar(page, lifecycle, churned[0]);
  assert.equal(dave.summary, '1 user churned in the week of 2024-01-08 · platform = ios');
  assert.deepEqual(dave.header, ['segment', 'user_id', 'period_start', 'state', 'previous_state', 'transition', 'streak', 'inactive_streak', 'gap', 'churned_periods', 'active_periods', 'first_period', 'tenure']);
  assert.deepEqual(dave.rows, [['ios', 'dave', '2024-01-08', 'inactive', 'new', 'new_to_inactive', '0', '1', '', '', '1', '2024-01-01', '1']]);
  const listed = await downloadBytes(page, 'bar-users-csv');
  assert.equal(listed.name, 'spec_platform_by_platform_activation_weekly_churned_2024-01-08_ios.csv');
  const cliStates = readFileSync(join(cliCsv, 'spec_platform_by_platform_activation_weekly.csv'), 'utf8');
  assert.equal(listed.bytes.toString(), statesBehind(cliStates, { period: '2024-01-08', state: 'churned', segment: 'ios' }));
  await page.getByTestId('bar-users-close').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'lifecycle-chart');

  // The keyboard's way: the form lists a bar and keeps focus on its button.
  await setField(page, 'bar-state', 'retained');
  await setField(page, 'bar-period', '2024-01-15');
  await setField(page, 'bar-segment', '"ios"');
  await page.getByTestId('bar-users-button').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('bar-users-table').waitFor();
  assert.deepEqual((await tableText(page, 'bar-users-table')).rows.map((r) => r.slice(0, 4)), [['ios', 'carol', '2024-01-15', 'retained']]);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'bar-users-button');
  await page.getByTestId('bar-users-close').click();
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'bar-users-button', 'focus goes back to the button that listed');

  // Every download: the segmented layer's are the CLI's split files, the others a run without segments.
  await sameDownloads(page, 'download-segmented', cliCsv, cliPq, 'split');
  const plainCsv = cliRun([facts], ['--grain', 'week', '--through', '2024-02-04', '--format', 'csv'], 'split-plain-csv');
  const plainPq = cliRun([facts], ['--grain', 'week', '--through', '2024-02-04'], 'split-plain-pq');
  await sameDownloads(page, 'download', plainCsv, plainPq, 'without segments');

  // Every user again: the run without segments (SPEC section 10).
  await setField(page, 'segment-filter', '');
  await page.waitForFunction(() => document.querySelector('#result-title').textContent === 'spec_platform · weekly');
  assert.deepEqual((await summaryTable(page)).rows.map((r) => r[3]), ['3', '2', '1', '2', '2']);
  assert.doesNotMatch(page.url(), /sf=/);
  await check();
});

test('SPEC section 11 partition by a users table: attributes offered once it is dropped, named errors, the id column and the segment cap in the link', async () => {
  const plans = join(tmp, 'plans.csv');
  // The id column has a name no rule detects: it must be chosen.
  writeFileSync(plans, 'who,plan,signup\nalice,pro,2023-12-01\nbob,free,2023-12-02\ncarol,pro,2023-12-03\n');
  const { page, check } = await open('through=2024-02-04&by=plan');
  // A link that asks for an attribute before its users table is dropped says so, and runs without it.
  assert.deepEqual(await page.getByTestId('breakdown-select').evaluate((s) => [...s.selectedOptions].map((o) => o.text)), ['plan (drop its users table)']);
  await page.getByTestId('facts-input').setInputFiles(specCsv);
  assert.doesNotMatch(await done(page), /segments/);
  assert.equal(await page.getByTestId('segment-multiples').isHidden(), true);

  await page.getByTestId('users-input').setInputFiles(plans);
  // The users table is inspected first; the run it starts then fails.
  await page.waitForFunction(() => document.querySelector('[data-testid=status]').dataset.state === 'error');
  let status = await page.getByTestId('status').textContent();
  assert.match(status, /^error: .*plans\.csv.*who, plan, signup/, 'no id column: the columns are listed');
  assert.match(await page.locator('#file-list').textContent(), /plans\.csv.*users table · 3 rows/);
  await setField(page, 'users-id-select', 'who');
  status = await done(page);
  assert.match(status, /3 segments/);
  assert.match(page.url(), /by=plan/);
  assert.match(page.url(), /uid=who/);
  const offered = await page.getByTestId('breakdown-select').evaluate((s) => [...s.options].map((o) => o.value));
  assert.deepEqual(offered, ['', 'attr:plan'], 'the attributes with few values: not the id, nor a date per user');

  // SPEC section 11: pro 1, 2, 1, 1, 1; free 1, 0, 0, 0, 0; dave (absent) in the null segment 1, 0, 0, 1, 1.
  assert.deepEqual(await compared(page), { pro: [1, 2, 1, 1, 1], free: [1, 0, 0, 0, 0], '(null)': [1, 0, 0, 1, 1] });
  // They add up to the run without segments (SPEC section 10: 3, 2, 1, 2, 2), which every panel shows.
  assert.deepEqual((await summaryTable(page)).rows.map((r) => r[3]), ['3', '2', '1', '2', '2']);
  assert.deepEqual((await tableText(page, 'segment-table')).rows.map((r) => r.slice(0, 3)), [['free', '1', '0'], ['pro', '2', '1'], ['(null)', '1', '1']]);
  // The null segment in every panel, chosen from the latest-period table.
  await page.locator('[data-testid=segment-table] button', { hasText: '(null)' }).click();
  await page.waitForFunction(() => document.querySelector('#result-title').textContent.endsWith('plan = (null)'));
  assert.match(page.url(), /sf=null/);
  assert.deepEqual((await summaryTable(page)).rows.map((r) => r[3]), ['1', '0', '0', '1', '1']);

  // Downloads of the segmented layer are the CLI's partition files.
  const args = ['--grain', 'week', '--through', '2024-02-04', '--users', plans, '--users-id-col', 'who', '--segment-by', 'plan'];
  await sameDownloads(page, 'download-segmented', cliRun([specCsv], [...args, '--format', 'csv'], 'plan-csv'), cliRun([specCsv], args, 'plan-pq'), 'partition');

  // The segment cap: too many segments is the engine's named error, and the cap is in the link.
  await setField(page, 'max-segments-input', '2');
  status = await settled(page);
  assert.match(status, /^error: The data cannot give correct numbers: plans\.csv: column "plan": has 3 distinct values .*more than “Most segments” 2/);
  assert.equal(await page.getByTestId('max-segments-input').getAttribute('aria-invalid'), 'true', 'the field the message names is marked');
  assert.match(page.url(), /maxseg=2/);
  await setField(page, 'max-segments-input', '');
  await done(page);

  // The link reproduces the breakdown once the same files are given.
  const again = await open(new URL(page.url()).hash.slice(1));
  await again.page.getByTestId('users-input').setInputFiles(plans);
  await again.page.getByTestId('facts-input').setInputFiles(specCsv);
  await done(again.page);
  assert.equal(await again.page.locator('#result-title').textContent(), 'spec_example · weekly · plan = (null)');
  assert.deepEqual(await compared(again.page), { pro: [1, 2, 1, 1, 1], free: [1, 0, 0, 0, 0], '(null)': [1, 0, 0, 1, 1] });
  await again.check();
  await check();
});

test('a split run resumed from its split snapshot, with its segmented downloads as earlier results, shows every week of each segment', async () => {
  const [header, ...lines] = readFileSync(platformCsv, 'utf8').trim().split('\n');
  const cut = '2024-01-17'; // a Wednesday: the open week is reported again
  const part1 = join(tmp, 'platform_1.csv');
  const part2 = join(tmp, 'platform_2.csv');
  writeFileSync(part1, [header, ...lines.filter((l) => l.split(',')[1] <= cut)].join('\n'));
  writeFileSync(part2, [header, ...lines.filter((l) => l.split(',')[1] > cut)].join('\n'));

  const { page, check } = await open(`through=${cut}&seg=platform&name=apps`);
  await page.getByTestId('facts-input').setInputFiles(part1);
  await done(page);
  const snapshot = await downloadBytes(page, 'download-segmented-snapshot-parquet');
  assert.equal(snapshot.name, 'apps_by_platform_firstlast.parquet');
  const earlier = [];
  for (const t of ['summary', 'transitions', 'cohorts']) earlier.push((await downloadBytes(page, `download-segmented-${t}-csv`)).path);

  // Day 2: the split snapshot and the later facts. The snapshot holds no history of the run without segments.
  await setField(page, 'through-input', '2024-02-04');
  await page.getByTestId('snapshot-input').setInputFiles(snapshot.path);
  await page.getByTestId('facts-input').setInputFiles(part2);
  assert.match(await done(page), /2 segments, 3 weeks/);
  assert.deepEqual(await page.getByTestId('segment-filter').evaluate((s) => [...s.options].map((o) => o.text)), ['platform = ios', 'platform = web'], 'no "every user"');
  assert.equal(await page.locator('#result-title').textContent(), 'apps · weekly · platform = web', 'the largest segment is shown');
  assert.equal(await page.locator('#downloads').isHidden(), true);
  assert.deepEqual(await compared(page), { web: [0, 2, 2], ios: [1, 0, 0] }, 'the weeks from the open one on');

  // With the first day's segmented tables, each segment shows every week again: SPEC section 11's numbers.
  await page.getByTestId('history-input').setInputFiles(earlier);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=compare-table] tbody tr').length === 5);
  assert.deepEqual(await compared(page), { web: [3, 0, 0, 2, 2], ios: [1, 2, 1, 0, 0] });
  assert.deepEqual((await summaryTable(page)).rows.map((r) => r[3]), ['3', '0', '0', '2', '2']);
  assert.match(await page.locator('#history-note').textContent(), /^Showing 5 periods: 2 from earlier results, 3 from this run/);
  await setField(page, 'segment-filter', '"ios"');
  await page.waitForFunction(() => document.querySelector('#result-title').textContent.endsWith('platform = ios'));
  assert.deepEqual((await summaryTable(page)).rows.map((r) => r[3]), ['1', '2', '1', '0', '0']);
  assert.match(await page.locator('#file-list').textContent(), /earlier segmented summary/);
  await check();
});

test('the demo runs and every view draws (light, dark, phone screenshots)', async () => {
  const { page, check } = await open();
  await page.screenshot({ path: join(shots, 'start.png'), fullPage: true });
  await page.getByTestId('demo-button').click();
  const status = await done(page);
  assert.match(status, /400,000 rows/);
  const table = await summaryTable(page);
  assert.ok(table.rows.length >= 25, 'several months of weeks');
  for (const id of ['lifecycle-chart', 'active-chart', 'rates-chart', 'rolling-chart', 'depth-chart', 'sankey-chart', 'cohort-chart', 'dist-streak', 'dist-gap', 'dist-churn']) {
    assert.ok(await page.getByTestId(id).locator('canvas').count() > 0, `${id} drew`);
  }
  assert.equal(await page.locator('.kpi').count(), 7);
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

test('the demo broken down: its users table and event column offered, small multiples with a picker, panels of one segment (light, dark, phone screenshots)', async () => {
  const { page, check } = await open();
  await page.getByTestId('demo-button').click();
  await done(page);
  assert.match(await page.locator('#file-list').textContent(), /demo_users\.parquet.*users table/);
  const offered = await page.getByTestId('breakdown-select').evaluate((s) => [...s.options].map((o) => o.value));
  assert.deepEqual(offered, ['', 'col:event', 'attr:plan', 'attr:country']);

  // Countries: more segments than multiples; the picker adds one, and removing it gives focus back to the picker.
  await setField(page, 'breakdown-select', 'attr:country');
  const status = await done(page);
  const segments = Number(status.match(/(\d+) segments/)[1]);
  assert.ok(segments > 6, status);
  const multiples = page.getByTestId('segment-multiple');
  assert.equal(await multiples.count(), 6);
  const picker = page.getByTestId('segment-picker');
  const rest = await picker.evaluate((s) => [...s.options].slice(1).map((o) => o.value));
  assert.equal(rest.length, segments - 6);
  await picker.selectOption(rest[0]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=segment-multiple]').length === 7);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'segment-picker');
  assert.equal((await tableText(page, 'compare-table')).header.length, 1 + 7, 'the compared segments are those drawn');
  await page.locator('.multiple button.remove').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=segment-multiple]').length === 6);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'segment-picker');
  // A partition adds up: the latest complete week's active users over the countries are the run's.
  const latest = await tableText(page, 'segment-table');
  const active = latest.rows.reduce((sum, r) => sum + Number(r[2]), 0);
  assert.equal(String(active), (await page.getByTestId('kpi-active').locator('.k-value').textContent()).replaceAll(',', ''));

  // Split by the event column, one event in every panel.
  await setField(page, 'breakdown-select', 'col:event');
  assert.match(await done(page), /6 segments/);
  await setField(page, 'compare-metric', 'churn_rate');
  const event = await page.getByTestId('segment-filter').evaluate((s) => s.options[1].value);
  await setField(page, 'segment-filter', event);
  await page.waitForFunction((e) => document.querySelector('#result-title').textContent.endsWith(`event = ${JSON.parse(e)}`), event);
  for (const id of ['lifecycle-chart', 'active-chart', 'rates-chart', 'rolling-chart', 'depth-chart', 'sankey-chart', 'cohort-chart', 'dist-streak', 'dist-gap', 'dist-churn', 'compare-chart']) {
    assert.ok(await page.getByTestId(id).locator('canvas').count() > 0, `${id} drew`);
  }
  const lifecycle = page.getByTestId('lifecycle-chart');
  const retained = await bars(lifecycle, '--c-retained');
  const behind = await clickBar(page, lifecycle, retained[0]);
  assert.match(behind.summary, new RegExp(`^[\\d,]+ users retained in the week of \\d{4}-\\d{2}-\\d{2} · event = ${JSON.parse(event)}$`));
  assert.ok(behind.rows.length > 0 && behind.rows.every((r) => r[0] === JSON.parse(event) && r[3] === 'retained'));
  await page.waitForTimeout(700); // chart animations
  await page.screenshot({ path: join(shots, 'breakdown-light.png'), fullPage: true });
  await page.screenshot({ path: join(shots, 'breakdown-light-top.png') });

  await page.locator('#theme-toggle').click();
  await page.locator('#theme-toggle').click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.waitForTimeout(700);
  await page.screenshot({ path: join(shots, 'breakdown-dark.png'), fullPage: true });
  await page.getByTestId('segment-multiples').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'breakdown-dark-multiples.png') });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(800);
  await page.getByTestId('segment-multiples').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'breakdown-phone-dark.png'), fullPage: true });
  await page.locator('#theme-toggle').click();
  await page.waitForTimeout(700);
  await page.screenshot({ path: join(shots, 'breakdown-phone-light.png'), fullPage: true });
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

test('bad files, wrong mappings and bad options: the page says what is wrong in its words, beside what caused it, and keeps the last results', async () => {
  const { page, check } = await open();
  /** What marks a control as the cause of the error shown. */
  const marked = (testid) => page.getByTestId(testid).evaluate((el) => [el.getAttribute('aria-invalid'), (el.getAttribute('aria-describedby') ?? '').split(' ').includes('problem')]);
  const bad = join(tmp, 'broken.parquet');
  writeFileSync(bad, Buffer.from('PAR1 this is not parquet at all PAR1'));
  await page.getByTestId('facts-input').setInputFiles(bad);
  let status = await settled(page);
  assert.match(status, /^error: A file cannot be read: broken\.parquet/);
  assert.deepEqual(await marked('facts-input'), ['true', true], 'the file input is marked');
  assert.equal(await page.getByTestId('problem').textContent(), status.replace(/^error: /, ''), 'the message stands beside it');
  await page.screenshot({ path: join(shots, 'error.png'), fullPage: true });

  await page.getByTestId('facts-input').setInputFiles(specCsv);
  await done(page);
  assert.equal((await summaryTable(page)).rows.length, 5);
  assert.deepEqual(await marked('facts-input'), [null, false], 'a run that succeeds clears the mark');
  assert.equal(await page.getByTestId('problem').isHidden(), true);

  // Out-of-range option: an unknown time zone. The field is marked, the results stay, marked as not matching the form.
  await setField(page, 'timezone-input', 'Mars/Olympus_Mons');
  status = await settled(page);
  assert.match(status, /^error: This setting cannot be used: invalid “Time zone” "Mars\/Olympus_Mons": expected an IANA time zone/);
  assert.doesNotMatch(status, /timezone|--/, 'no option spelt as code');
  assert.deepEqual(await marked('timezone-input'), ['true', true]);
  assert.equal((await summaryTable(page)).rows.length, 5, 'the last results stay');
  assert.match(await page.getByTestId('stale-note').textContent(), /^Not up to date: the last run failed/);
  await setField(page, 'timezone-input', 'Europe/Berlin');
  await done(page);
  assert.equal(await page.getByTestId('stale-note').isHidden(), true);
  assert.deepEqual(await marked('timezone-input'), [null, false]);

  // Wrong mapping: epoch integers need a unit; the message names the page's controls.
  const epoch = join(tmp, 'epoch.csv');
  writeFileSync(epoch, 'member_id,ts\n1,1704067200\n2,1704153600\n1,1704758400\n');
  await setField(page, 'timezone-input', '');
  await page.getByTestId('facts-input').setInputFiles(epoch);
  status = await settled(page);
  assert.match(status, /^error: The data cannot give correct numbers: epoch\.csv: column "ts": holds integers: give a time unit \(“Epoch unit” s\|ms\|us\|ns\) for epoch values, or a time format \(“Time format”, e\.g\. %Y%m%d\)/);
  assert.deepEqual(await marked('time-unit-select'), ['true', true], 'the first control the message names');
  await setField(page, 'time-unit-select', 's');
  await done(page);
  // week of 2024-01-01: users 1 and 2 new; week of 2024-01-08: user 1 retained.
  assert.deepEqual((await summaryTable(page)).rows.map((r) => r.slice(3, 6)), [['2', '2', '0'], ['1', '0', '1']]);
  // Epoch milliseconds read as seconds land far ahead: the quality panel says the dates are off.
  await setField(page, 'time-unit-select', 'ms');
  await done(page);
  assert.match(await page.getByTestId('odd-dates').textContent(), /The dates run from 1970-01-20 to 1970-01-20/);
  assert.doesNotMatch(await page.getByTestId('quality-panel').textContent(), /No empty days and no rejected rows/);
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
  // Cancel keeps the results on screen: they live in the other worker, and still download as the CLI writes them.
  await page.getByTestId('facts-input').setInputFiles(big);
  await page.waitForFunction(() => /reading .*%|computing/.test(document.querySelector('[data-testid=status]').textContent), null, { timeout: 60000, polling: 10 });
  await page.getByTestId('cancel-button').click();
  await page.waitForFunction(() => /cancelled/.test(document.querySelector('[data-testid=status]').textContent));
  assert.match(await page.getByTestId('status').textContent(), /the results below are the previous run's/);
  assert.equal((await summaryTable(page)).rows.length, 5);
  assert.match(await page.getByTestId('stale-note').textContent(), /^Not up to date: the run that would replace them was cancelled/);
  const summary = await downloadBytes(page, 'download-summary-csv');
  const cli = cliRun([specCsv], ['--grain', 'week', '--format', 'csv'], 'cancel-kept');
  assert.deepEqual(summary.bytes, readFileSync(join(cli, summary.name)));
  // And the big file itself computes when left alone.
  await page.getByTestId('facts-input').setInputFiles(big);
  assert.match(await done(page), /1,500,000 rows/);
  await check();
});
