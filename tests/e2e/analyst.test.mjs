// The page for every analyst (issue 21): axe-core finds no violation on
// the start page, the results and an error, light and dark, desktop and
// phone; a keyboard alone walks the whole flow; the view survives in-page
// links, errors and files of another schema; every chart says what it
// draws without its canvas; nothing is cut off silently; the analysts'
// conveniences do what they say. Screenshots at 1440, 1280x720 and 390 px.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  cliRun, csvRows, done, downloadBytes, drawn, open, root, runCli, setField, settled, shots, specCsv, summaryTable, tmp, useSite, values,
} from './site.mjs';

useSite();

// axe-core from node_modules, run in the page (evaluated by the test, so the page's CSP stays as it is).
const axeSource = readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** axe-core's violations on the page as it stands: `rule: targets` lines. */
async function axe(page) {
  await page.evaluate(axeSource);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The theme the toggle cycles to (auto, light, dark). */
async function theme(page, want) {
  for (let i = 0; i < 3 && (await page.evaluate(() => document.documentElement.dataset.theme)) !== want; i++) await page.locator('#theme-toggle').click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), want);
  await page.waitForTimeout(400); // charts drawn again in the theme's colours
}

/** Records the status line's states from now on (a recompute shows `busy`). */
async function watchStatus(page) {
  await page.evaluate(() => {
    window.statusSeen = [];
    new MutationObserver(() => window.statusSeen.push(document.querySelector('[data-testid=status]').dataset.state))
      .observe(document.querySelector('[data-testid=status]'), { attributes: true, attributeFilter: ['data-state'] });
  });
  return () => page.evaluate(() => window.statusSeen);
}

test('axe-core: no violation on the start page, the results and an error, light and dark, desktop and phone', async () => {
  for (const viewport of [{ width: 1440, height: 1000 }, { width: 390, height: 844 }]) {
    const { page, check } = await open('', viewport);
    for (const mode of ['light', 'dark']) {
      await theme(page, mode);
      assert.deepEqual(await axe(page), [], `start page, ${mode}, ${viewport.width} px`);
    }
    await page.getByTestId('demo-button').click();
    await done(page);
    // A chart's data table and the mapping's markup are checked too.
    await page.locator('#lifecycle-chart + .chart-foot summary').click();
    for (const mode of ['light', 'dark']) {
      await theme(page, mode);
      assert.deepEqual(await axe(page), [], `results, ${mode}, ${viewport.width} px`);
    }
    await setField(page, 'timezone-input', 'Mars/Olympus_Mons');
    assert.match(await settled(page), /^error: /);
    for (const mode of ['light', 'dark']) {
      await theme(page, mode);
      assert.deepEqual(await axe(page), [], `error, ${mode}, ${viewport.width} px`);
    }
    await check();
  }
});

test('a keyboard alone: the demo, a setting, a chart\'s tooltips and legend, a download; focus stays where the action started; definitions are no tab stops', async () => {
  const { page, check } = await open();
  // From the top: the skip link, the theme, the files, the demo: four tab stops.
  const stops = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    stops.push(await page.evaluate(() => document.activeElement.id));
  }
  assert.deepEqual(stops, ['skip-link', 'theme-toggle', 'facts-input', 'demo-button']);
  await page.keyboard.press('Enter');
  await done(page);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'demo-button', 'focus stays on the demo button');

  // Every tab stop of the page is a control: no definition label among them.
  const all = await page.evaluate(() => [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
    .filter((el) => el.tabIndex >= 0 && !el.disabled && el.offsetParent !== null)
    .map((el) => ({ tag: el.tagName, def: el.dataset.def ?? null, role: el.getAttribute('role') })));
  assert.deepEqual(all.filter((s) => s.def && !['BUTTON', 'A', 'INPUT', 'SELECT'].includes(s.tag)), [], 'definition labels are not tab stops');

  // A setting from the keyboard: the grain picker, one step down (weekly -> monthly).
  await page.getByTestId('grain-select').focus();
  await page.keyboard.press('ArrowDown');
  assert.match(await done(page), /months/);

  // The lifecycle chart: arrow keys walk its tooltip, a live region reads the period.
  await page.getByTestId('lifecycle-chart').focus();
  await page.keyboard.press('Home');
  const summary = await summaryTable(page);
  const tip = () => page.getByTestId('lifecycle-chart').evaluate((el) => {
    const box = [...el.querySelectorAll('div')].find((d) => getComputedStyle(d).zIndex === '9999999');
    const style = box && getComputedStyle(box);
    return { shown: !!style && style.display !== 'none' && style.visibility !== 'hidden' && style.opacity !== '0', text: box?.innerText ?? '' };
  });
  const live = () => page.locator('#lifecycle-chart + .chart-foot [aria-live]').textContent();
  assert.equal((await tip()).shown, true, 'Home shows the first period\'s tooltip');
  const count = (text) => Number(text).toLocaleString('en-US');
  assert.match(await live(), new RegExp(`^month: ${summary.rows[0][0]}, New: ${count(summary.rows[0][4])}`));
  await page.keyboard.press('ArrowRight');
  assert.match(await live(), new RegExp(`^month: ${summary.rows[1][0]}, New: ${count(summary.rows[1][4])}`));
  assert.match((await tip()).text, new RegExp(summary.rows[1][0]));
  await page.keyboard.press('Escape');
  await page.waitForTimeout(600); // the tooltip fades out
  assert.equal((await tip()).shown, false, 'Escape hides it');

  // The legend is buttons: Space hides a series, and the chart's option says so.
  const churned = page.locator('#lifecycle-chart').locator('xpath=preceding-sibling::div[1]').getByRole('button', { name: 'Churned' });
  await churned.focus();
  await page.keyboard.press('Space');
  assert.equal(await churned.getAttribute('aria-pressed'), 'false');
  const legend = await page.getByTestId('lifecycle-chart').evaluate((el) => window.drawnOption(el).legend[0].selected);
  assert.equal(legend.churned, false);
  await page.keyboard.press('Space');
  assert.equal(await churned.getAttribute('aria-pressed'), 'true');

  // A download from the keyboard: the file comes, focus stays on its button.
  await page.getByTestId('download-summary-csv').focus();
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  assert.match(download.suggestedFilename(), /_summary\.csv$/);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'download-summary-csv');
  await check();
});

test('the view survives: in-page links never reset it, an error keeps the last results beside its field, a mapping stays with its schema', async () => {
  const { page, check } = await open('grain=month&tz=America%2FNew_York&ws=sunday&through=2024-02-04', { width: 1280, height: 720 });
  await page.getByTestId('facts-input').setInputFiles(specCsv);
  const status = await done(page);
  const before = await summaryTable(page);
  const hash = new URL(page.url()).hash;
  const settingsOf = (url) => [...new URLSearchParams(new URL(url).hash.slice(1))].sort();

  // "Skip to results": focus moves, the settings and the results stay, nothing recomputes.
  const seen = await watchStatus(page);
  await page.locator('#skip-link').focus();
  await page.keyboard.press('Enter');
  await page.waitForTimeout(600);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'results');
  assert.equal(new URL(page.url()).hash, hash);
  assert.deepEqual(await seen(), [], 'no run');
  assert.equal(await page.getByTestId('status').textContent(), status);
  // An anchor in the address (#results) is no setting either.
  await page.evaluate(() => { location.hash = 'results'; });
  await page.waitForTimeout(600);
  // (with the view's own keys beside them: the periods shown)
  const now = settingsOf(page.url()).map(String);
  assert.deepEqual(settingsOf(`http://x/${hash}`).filter((kv) => !now.includes(String(kv))), [], 'the settings come back to the address');
  assert.deepEqual([await page.getByTestId('grain-select').inputValue(), await page.getByTestId('timezone-input').inputValue(), await page.getByTestId('week-start-select').inputValue()], ['month', 'America/New_York', 'sunday']);
  assert.deepEqual(await seen(), [], 'still no run');

  // A through date typed before the report-from date: the error shows beside its field, in view at 1280x720, and the results stay.
  await setField(page, 'report-from-input', '2024-03-01');
  assert.match(await settled(page), /^error: This setting cannot be used: “Report from” 2024-03-01 is after “Through” 2024-02-04/);
  assert.equal(await page.getByTestId('report-from-input').getAttribute('aria-invalid'), 'true');
  const box = await page.getByTestId('problem').boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= 720, `the message is in view (${JSON.stringify(box)})`);
  assert.deepEqual(await summaryTable(page), before, 'the last results stay');
  assert.equal(await page.getByTestId('stale-note').isVisible(), true);
  await page.screenshot({ path: join(shots, 'error-1280x720.png') });
  // Set back: the results match the form again, without a run.
  await setField(page, 'report-from-input', '');
  await page.waitForFunction(() => document.querySelector('[data-testid=status]').dataset.state === 'done');
  assert.match(await page.getByTestId('status').textContent(), /match the form again/);
  assert.equal(await page.getByTestId('stale-note').isHidden(), true);
  assert.equal(await page.getByTestId('report-from-input').getAttribute('aria-invalid'), null);

  // A file whose columns nothing detects: the mapping lists them with a few values and a guess, once.
  const customers = join(tmp, 'customers.csv');
  writeFileSync(customers, 'customer,when,plan\nc1,2024-01-01,pro\nc2,2024-01-02,free\nc3,2024-01-09,pro\nc1,2024-01-10,pro\nc4,2024-01-10,free\n');
  await page.getByTestId('facts-input').setInputFiles(customers);
  await page.waitForFunction(() => !document.querySelector('[data-testid=mapping]').hidden);
  assert.match(await page.getByTestId('status').textContent(), /choose the user and time column of customers\.csv \(a guess is selected\)/);
  const mapping = await page.getByTestId('mapping-table').evaluate((t) => [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(mapping, [
    ['customer', 'Utf8', 'c1 c2 c3', 'user id'],
    ['when', 'Utf8', '2024-01-01 2024-01-02 2024-01-09', 'time'],
    ['plan', 'Utf8', 'pro free', ''],
  ]);
  assert.deepEqual([await page.getByTestId('user-col-select').inputValue(), await page.getByTestId('time-col-select').inputValue()], ['customer', 'when']);
  await page.getByTestId('run-button').click();
  assert.match(await done(page), /5 rows, 4 users/);
  // Back to the SPEC file: its own columns, not the mapping of customers.csv (which it lacks).
  await page.getByTestId('facts-input').setInputFiles(specCsv);
  await done(page);
  assert.deepEqual([await page.getByTestId('user-col-select').inputValue(), await page.getByTestId('time-col-select').inputValue()], ['', '']);
  assert.equal(await page.getByTestId('mapping').isHidden(), true);
  assert.doesNotMatch(page.url(), /user=|time=/);
  // And customers.csv again: its mapping comes back with it, nothing to ask.
  await page.getByTestId('facts-input').setInputFiles(customers);
  assert.match(await done(page), /5 rows, 4 users/);
  assert.equal(await page.getByTestId('user-col-select').inputValue(), 'customer');
  await check();
});

test('every chart says what it draws: labels with the latest values, data tables, PNG and SVG; nothing cut off silently', async () => {
  const facts = join(tmp, 'daily.csv');
  runCli(['generate', '--events', '6000', '--users', '500', '--days', '80', '--seed', '5', '--out', facts]);
  const { page, check } = await open('grain=day');
  await page.getByTestId('facts-input').setInputFiles(facts);
  await done(page);
  const out = cliRun([facts], ['--grain', 'day', '--format', 'csv'], 'daily');
  const summary = csvRows(readFileSync(join(out, 'daily_activation_daily_summary.csv'), 'utf8'));
  const cohorts = csvRows(readFileSync(join(out, 'daily_activation_daily_cohorts.csv'), 'utf8'));

  // The lifecycle's label reads its latest complete day; its data table has every day.
  const last = summary.findLast((r) => r.complete === 'true');
  const label = await page.getByTestId('lifecycle-chart').getAttribute('aria-label');
  assert.match(label, new RegExp(`^Lifecycle per day, ${summary[0].period_start} to ${summary.at(-1).period_start}, .* Latest complete day, ${last.period_start}: ${Number(last.new).toLocaleString('en-US')} new, ${Number(last.retained).toLocaleString('en-US')} retained, ${Number(last.reactivated).toLocaleString('en-US')} reactivated, ${Number(last.churned).toLocaleString('en-US')} churned\\.$`));
  await page.locator('#lifecycle-chart + .chart-foot summary').click();
  const rows = await page.locator('#lifecycle-chart + .chart-foot tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(rows.map((r) => r[0]), summary.map((r) => r.period_start));
  assert.deepEqual(rows.map((r) => r[4]), summary.map((r) => Number(r.churned).toLocaleString('en-US')));
  // Every chart has a label of its own and a data table (the Sankey and the heatmap too).
  for (const id of ['lifecycle-chart', 'active-chart', 'rates-chart', 'rolling-chart', 'sankey-chart', 'cohort-chart', 'dist-streak', 'dist-gap', 'dist-churn']) {
    const chart = page.getByTestId(id);
    assert.doesNotMatch(await chart.getAttribute('aria-label'), /^(Lifecycle chart|Cohort retention heatmap|Rates over time)$/, `${id} has its own label`);
    assert.equal(await page.locator(`[data-testid=${id}] + .chart-foot details`).count(), 1, `${id} has a data table`);
  }

  // The heatmap pages through every cohort: the newest 24 at first, said so, then the first (and largest) one.
  const all = [...new Set(cohorts.map((r) => r.cohort_period))];
  assert.ok(all.length > 48, `${all.length} cohorts`);
  assert.match(await page.locator('#cohort-caption').textContent(), new RegExp(`Showing cohorts ${all.length - 23}–${all.length} of ${all.length}`));
  const options = await page.getByTestId('cohort-rows').evaluate((s) => [...s.options].map((o) => o.value));
  await setField(page, 'cohort-rows', options[0]);
  const heat = await page.getByTestId('cohort-chart').evaluate((el) => window.drawnOption(el).yAxis[0].data);
  assert.equal(heat[0].split(' · ')[0], all[0], 'the first cohort can be shown');
  assert.match(await page.locator('#cohort-caption').textContent(), /Showing cohorts 1–/);

  // PNG and SVG of a chart, named after the fact and the chart.
  const png = await downloadBytes(page, 'lifecycle-chart-png');
  assert.equal(png.name, 'daily_lifecycle.png');
  assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const svg = await downloadBytes(page, 'lifecycle-chart-svg');
  assert.equal(svg.name, 'daily_lifecycle.svg');
  assert.match(svg.bytes.toString(), /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);

  // The Sankey follows the grain: a day picked, then weeks: the latest complete week, not that day.
  const days = await page.getByTestId('sankey-period').evaluate((s) => [...s.options].map((o) => o.value));
  await setField(page, 'sankey-period', days[3]);
  await setField(page, 'grain-select', 'week');
  await done(page);
  const weekly = csvRows(readFileSync(join(cliRun([facts], ['--grain', 'week', '--format', 'csv'], 'weekly'), 'daily_activation_weekly_summary.csv'), 'utf8'));
  assert.equal(await page.getByTestId('sankey-period').inputValue(), weekly.findLast((r) => r.complete === 'true').period_start);

  // A through date far beyond the data: the page warns, and the zoom opens on the periods with data.
  await setField(page, 'through-input', '2026-12-31');
  await done(page);
  assert.match(await page.getByTestId('through-beyond').textContent(), /Through is [\d,]+ days after the last day with data/);
  const zoom = await page.getByTestId('lifecycle-chart').evaluate((el) => window.drawnOption(el).dataZoom[0]);
  const withData = weekly.length;
  assert.equal(zoom.endValue, withData - 1, 'the zoom ends on the last week with data');
  await check();
});

test('conveniences: shares of the active users, only complete periods, log scale, copy link, in the link', async () => {
  const { page, check } = await open('through=2024-02-04');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByTestId('facts-input').setInputFiles(specCsv);
  await done(page);
  const rows = csvRows(readFileSync(join(cliRun([specCsv], ['--grain', 'week', '--through', '2024-02-04', '--format', 'csv'], 'conv'), 'spec_example_activation_weekly_summary.csv'), 'utf8'));

  // Shares: each state over the period's active users; churned, the engine's churn rate (below zero).
  await page.getByTestId('lifecycle-percent').check();
  await page.waitForFunction(() => window.drawnOption(document.querySelector('[data-testid=lifecycle-chart]')).series[0].data[0].value === 1);
  let chart = await drawn(page, 'lifecycle-chart');
  assert.deepEqual(values(chart, 'new'), rows.map((r) => Number(r.new) / Number(r.active)));
  assert.deepEqual(values(chart, 'churned'), rows.map((r) => (r.churn_rate === '' ? null : -Number(r.churn_rate))));
  assert.match(page.url(), /pct=1/);

  // Only complete periods: through a Wednesday, the open week leaves the summary charts.
  await setField(page, 'through-input', '2024-01-31');
  await done(page);
  await page.getByTestId('only-complete').check();
  await page.waitForFunction(() => window.drawnOption(document.querySelector('[data-testid=rates-chart]')).xAxis[0].data.length === 4);
  chart = await drawn(page, 'lifecycle-chart');
  assert.deepEqual(chart.x[0], ['2024-01-01', '2024-01-08', '2024-01-15', '2024-01-22']);
  assert.match(page.url(), /cmpl=1/);

  // Log scale on the distributions.
  await page.getByTestId('dist-log').check();
  await page.waitForFunction(() => window.drawnOption(document.querySelector('[data-testid=dist-gap]')).yAxis[0].type === 'log');
  assert.match(page.url(), /dlog=1/);

  // Copy link: the address, which carries the settings and not the data, and says so.
  await page.getByTestId('copy-link').click();
  await page.waitForFunction(() => /Link copied/.test(document.querySelector('[data-testid=copy-link-note]').textContent));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), page.url());
  assert.match(await page.getByTestId('copy-link-note').textContent(), /It carries the settings, not the data/);
  // The link gives the same view again.
  const again = await open(new URL(page.url()).hash.slice(1));
  assert.deepEqual(await Promise.all(['lifecycle-percent', 'only-complete', 'dist-log'].map((id) => again.page.getByTestId(id).isChecked())), [true, true, true]);
  await again.check();
  await check();
});

test('screenshots at 1440, 1280x720 and 390 px, light and dark', async () => {
  for (const [name, viewport] of [['1440', { width: 1440, height: 1000 }], ['1280x720', { width: 1280, height: 720 }], ['390', { width: 390, height: 844 }]]) {
    const { page, check } = await open('', viewport);
    await page.screenshot({ path: join(shots, `start-${name}.png`) });
    await page.getByTestId('demo-button').click();
    await done(page);
    for (const mode of ['light', 'dark']) {
      await theme(page, mode);
      await page.locator('#results').evaluate((el) => el.scrollIntoView());
      await page.waitForTimeout(600);
      await page.screenshot({ path: join(shots, `results-${name}-${mode}.png`), fullPage: name !== '1280x720' });
    }
    await page.getByTestId('lifecycle-chart').hover({ position: { x: 200, y: 150 } });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(shots, `tooltip-${name}.png`) });
    await check();
  }
});
