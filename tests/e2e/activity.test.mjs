// Rolling activity and depth of use on the dashboard (SPEC section 12):
// the "Active users" chart and the power-user curve, read from the option
// each hands to ECharts, the DAU/MAU tile, the windows setting and the two
// tables' downloads, against the CLI's files of the same facts.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  cliRun, csvRows, done, downloadBytes, drawn, open, platformCsv, setField, settled, specCsv, tmp, useSite, values,
} from './site.mjs';

useSite();

/** 4-place rounding, as SPEC section 12 writes its rates. */
const round = (v) => (v === null ? null : Math.round(v * 10000) / 10000);

/**
 * The rolling chart against an activity CSV of the CLI: every day, every
 * window; a window's incomplete days drawn by its `:incomplete` series.
 */
async function sameActivity(page, csvText, windows) {
  const rows = csvRows(csvText);
  const chart = await drawn(page, 'rolling-chart');
  assert.deepEqual(chart.x[0], rows.map((r) => r.date));
  assert.deepEqual(values(chart, 'active_1d'), rows.map((r) => Number(r.active_1d)));
  for (const n of windows) {
    const complete = rows.map((r) => r[`complete_${n}d`] === 'true');
    for (const column of [`active_${n}d`, `stickiness_${n}d`]) {
      const cli = rows.map((r) => (r[column] === '' ? null : Number(r[column])));
      const drawnComplete = values(chart, column);
      assert.deepEqual(drawnComplete, cli.map((v, i) => (complete[i] ? v : null)), `${column} on complete days`);
      if (complete.every(Boolean)) continue;
      const incomplete = values(chart, `${column}:incomplete`);
      cli.forEach((v, i) => { if (!complete[i]) assert.equal(incomplete[i], v, `${column} on ${rows[i].date}, incomplete`); });
    }
  }
  return chart;
}

test('SPEC section 12 on the page: the Active users chart, the power-user curve, DAU/MAU, and CLI-identical activity and depth downloads', async () => {
  const { page, check } = await open('through=2024-02-04');
  await page.getByTestId('facts-input').setInputFiles(specCsv);
  await done(page);
  const out = cliRun([specCsv], ['--grain', 'week', '--through', '2024-02-04', '--format', 'csv'], 'rolling-csv');
  const outPq = cliRun([specCsv], ['--grain', 'week', '--through', '2024-02-04'], 'rolling-pq');
  const activityCsv = readFileSync(join(out, 'spec_example_activity_daily.csv'), 'utf8');

  // The worked example, read from the chart's data.
  const chart = await sameActivity(page, activityCsv, [7, 28]);
  const day = chart.x[0].indexOf('2024-01-31');
  assert.equal(values(chart, 'active_1d')[day], 1);
  assert.equal(values(chart, 'active_7d')[day], 2);
  assert.equal(values(chart, 'active_28d')[day], 3);
  assert.equal(values(chart, 'stickiness_7d')[day], 0.5);
  assert.equal(round(values(chart, 'stickiness_28d')[day]), 0.3333);
  // 2024-01-05: the 7-day window starts before the first day of history, drawn as incomplete.
  const early = chart.x[0].indexOf('2024-01-05');
  assert.equal(values(chart, 'active_7d')[early], null);
  assert.equal(values(chart, 'active_7d:incomplete')[early], 3);
  assert.equal(chart.series.find((s) => s.id === 'active_7d:incomplete').name, 'incomplete window', 'one legend entry says it');

  // The power-user curve: the latest complete week by default, beside the week before.
  assert.equal(await page.getByTestId('depth-period').inputValue(), '2024-01-29');
  let depth = await drawn(page, 'depth-chart');
  assert.deepEqual(depth.x[0], ['1', '2', '3', '4', '5', '6', '7']);
  assert.deepEqual(depth.series.map((s) => s.name), ['2024-01-29', '2024-01-22']);
  // SPEC section 12: the week of 2024-01-01, 1 day 2 users (alice, bob), 2 days 1 user (dave).
  await setField(page, 'depth-period', '2024-01-01');
  depth = await drawn(page, 'depth-chart');
  assert.deepEqual(depth.series.map((s) => [s.name, s.data]), [['2024-01-01', [2, 1, 0, 0, 0, 0, 0]]], 'no week before the first');
  assert.match(page.url(), /dp=2024-01-01/, 'the period is in the link');
  const depthCsv = csvRows(readFileSync(join(out, 'spec_example_activation_weekly_depth.csv'), 'utf8'));
  await setField(page, 'depth-period', '2024-01-15');
  depth = await drawn(page, 'depth-chart');
  for (const s of depth.series) {
    assert.deepEqual(s.data, depthCsv.filter((r) => r.period_start === s.name).map((r) => Number(r.users)), `depth of ${s.name}`);
  }

  // DAU/MAU on the latest day, defined by the dictionary.
  const last = csvRows(activityCsv).at(-1);
  assert.equal(last.date, '2024-02-04');
  const tile = page.getByTestId('kpi-stickiness');
  assert.equal(await tile.locator('.k-label').textContent(), 'DAU/MAU');
  assert.equal(await tile.locator('.k-value').textContent(), `${(Number(last.stickiness_28d) * 100).toFixed(1)}%`);
  assert.match(await tile.locator('.k-delta').textContent(), /on 2024-02-04/);
  const { dictionary } = await import(join(new URL('../../', import.meta.url).pathname, 'pkg', 'node', 'index.js'));
  const doc = dictionary().tables.find((t) => t.table === 'activity').columns.find((c) => c.name === 'stickiness_{N}d');
  assert.equal(await tile.locator('.k-label').getAttribute('data-tip'), doc.description);

  // Both tables download as the CLI writes them.
  for (const [t, file] of [['activity', 'spec_example_activity_daily'], ['depth', 'spec_example_activation_weekly_depth']]) {
    const csv = await downloadBytes(page, `download-${t}-csv`);
    assert.equal(csv.name, `${file}.csv`);
    assert.deepEqual(csv.bytes, readFileSync(join(out, csv.name)));
    const pq = await downloadBytes(page, `download-${t}-parquet`);
    assert.equal(pq.name, `${file}.parquet`);
    assert.deepEqual(pq.bytes, readFileSync(join(outPq, pq.name)));
  }

  // Other windows: the setting is in the link, and the chart and the download follow.
  await setField(page, 'windows-input', '3, 14');
  await done(page);
  assert.match(page.url(), /win=3%2C\+?14/);
  const out14 = cliRun([specCsv], ['--grain', 'week', '--through', '2024-02-04', '--windows', '3,14', '--format', 'csv'], 'rolling-14');
  const activity14 = readFileSync(join(out14, 'spec_example_activity_daily.csv'), 'utf8');
  await sameActivity(page, activity14, [3, 14]);
  assert.equal(await page.getByTestId('kpi-stickiness').locator('.k-label').textContent(), 'DAU/14-day active');
  assert.deepEqual((await downloadBytes(page, 'download-activity-csv')).bytes.toString(), activity14);
  // A window out of range is the engine's error; fixed, the page computes again.
  await setField(page, 'windows-input', '7, 120');
  assert.match(await settled(page), /^error: .*120/);
  await setField(page, 'windows-input', '');
  await done(page);

  // A daily run has no depth table: the page says why, and offers no depth download.
  await setField(page, 'grain-select', 'day');
  await done(page);
  assert.equal(await page.getByTestId('depth-daily-note').isVisible(), true);
  assert.equal(await page.getByTestId('depth-chart').isVisible(), false);
  assert.equal(await page.getByTestId('download-depth-csv').isVisible(), false);
  await sameActivity(page, activityCsv, [7, 28]);
  await check();
});

test('SPEC section 11 split by platform: both charts of one segment, and the segmented activity and depth downloads', async () => {
  const { page, check } = await open('through=2024-02-04&seg=platform');
  await page.getByTestId('facts-input').setInputFiles(platformCsv);
  assert.match(await done(page), /2 segments/);
  const out = cliRun([platformCsv], ['--grain', 'week', '--through', '2024-02-04', '--segment-col', 'platform', '--format', 'csv'], 'split-rolling-csv');
  const outPq = cliRun([platformCsv], ['--grain', 'week', '--through', '2024-02-04', '--segment-col', 'platform'], 'split-rolling-pq');
  const activity = readFileSync(join(out, 'spec_platform_by_platform_activity_daily.csv'), 'utf8');
  const depth = csvRows(readFileSync(join(out, 'spec_platform_by_platform_activation_weekly_depth.csv'), 'utf8'));

  for (const segment of ['ios', 'web']) {
    await setField(page, 'segment-filter', JSON.stringify(segment));
    await page.waitForFunction((s) => document.querySelector('#result-title').textContent.endsWith(`platform = ${s}`), segment);
    // The segment's rows of the CLI's segmented table, without the segment column.
    const [header, ...lines] = activity.trimEnd().split('\n');
    const own = [header.split(',').slice(1).join(','), ...lines.filter((l) => l.startsWith(`${segment},`)).map((l) => l.split(',').slice(1).join(','))].join('\n');
    await sameActivity(page, own, [7, 28]);
    const curve = await drawn(page, 'depth-chart');
    for (const s of curve.series) {
      assert.deepEqual(s.data, depth.filter((r) => r.segment === segment && r.period_start === s.name).map((r) => Number(r.users)), `${segment} depth of ${s.name}`);
    }
  }
  for (const [t, file] of [['activity', 'spec_platform_by_platform_activity_daily'], ['depth', 'spec_platform_by_platform_activation_weekly_depth']]) {
    const csv = await downloadBytes(page, `download-segmented-${t}-csv`);
    assert.equal(csv.name, `${file}.csv`);
    assert.deepEqual(csv.bytes, readFileSync(join(out, csv.name)));
    const pq = await downloadBytes(page, `download-segmented-${t}-parquet`);
    assert.deepEqual(pq.bytes, readFileSync(join(outPq, pq.name)));
  }
  await check();
});

test('earlier activity and depth tables: a resumed run shows every day and week again', async () => {
  // Section 10's facts cut on a Wednesday: the open week is reported again by the second run.
  const [header, ...lines] = readFileSync(specCsv, 'utf8').trim().split('\n');
  const cut = '2024-01-17';
  const part1 = join(tmp, 'spec_1.csv');
  const part2 = join(tmp, 'spec_2.csv');
  writeFileSync(part1, [header, ...lines.filter((l) => l.split(',')[1] <= cut)].join('\n'));
  writeFileSync(part2, [header, ...lines.filter((l) => l.split(',')[1] > cut)].join('\n'));

  const { page, check } = await open(`through=${cut}&name=spec_example`);
  await page.getByTestId('facts-input').setInputFiles(part1);
  await done(page);
  const snapshot = await downloadBytes(page, 'download-snapshot-parquet');
  const earlier = [];
  for (const t of ['summary-csv', 'activity-csv', 'depth-parquet']) earlier.push((await downloadBytes(page, `download-${t}`)).path);

  await setField(page, 'through-input', '2024-02-04');
  await page.getByTestId('snapshot-input').setInputFiles(snapshot.path);
  await page.getByTestId('facts-input').setInputFiles(part2);
  await done(page);
  const rolling = await drawn(page, 'rolling-chart');
  assert.equal(rolling.x[0][0], '2024-01-18', 'the resumed run reports the days after the snapshot');

  // With the first run's tables, the charts show the one-shot run's days and weeks.
  await page.getByTestId('history-input').setInputFiles(earlier);
  await page.waitForFunction(() => window.drawnOption(document.querySelector('[data-testid=rolling-chart]')).xAxis[0].data[0] === '2024-01-01');
  const whole = cliRun([specCsv], ['--grain', 'week', '--through', '2024-02-04', '--format', 'csv'], 'whole');
  await sameActivity(page, readFileSync(join(whole, 'spec_example_activity_daily.csv'), 'utf8'), [7, 28]);
  const depth = csvRows(readFileSync(join(whole, 'spec_example_activation_weekly_depth.csv'), 'utf8'));
  await setField(page, 'depth-period', '2024-01-01');
  assert.deepEqual((await drawn(page, 'depth-chart')).series[0].data, depth.filter((r) => r.period_start === '2024-01-01').map((r) => Number(r.users)));
  assert.match(await page.locator('#history-note').textContent(), /Showing 5 periods: 2 from earlier results, 3 from this run/);
  await check();
});
