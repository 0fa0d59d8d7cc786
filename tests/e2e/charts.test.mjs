// What the dashboard's charts draw, read from the option each chart hands
// to ECharts (`window.drawnOption`, www/charts.js) and compared with the
// CLI's tables of the same facts: the lifecycle, active users and rates
// charts with the summary, the Sankey with the transitions, the cohort
// heatmap with the cohorts, and the three distributions with what the
// states table (rows = all) says of streaks, gaps and churn durations.
// The SPEC example at the week grain, and generated facts at the day grain
// (more cohorts and longer runs than the charts show: their cut-offs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { assertNoErrors, assertSameOrigin, launch, openPage } from '../js/browser.mjs';
import { serve } from '../js/server.mjs';

const root = new URL('../../', import.meta.url).pathname;
const dist = join(root, 'dist');
const specCsv = join(root, 'tests', 'data', 'spec_example.csv');
const cli = ['debug', 'release'].map((p) => join(root, 'target', p, 'activation')).find((p) => existsSync(p));

let server;
let browser;
let tmp;

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), 'dist/ is missing: run `make site` first');
  assert.ok(cli, 'the CLI is missing: run `cargo build` first');
  tmp = mkdtempSync(join(tmpdir(), 'activation-charts-'));
  server = await serve(dist);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

/** The CLI's tables of `facts` (CSV, rows = all), parsed: `{ summary, transitions, cohorts, states }`. */
function cliTables(facts, grain, name) {
  const out = join(tmp, name);
  execFileSync(cli, ['run', facts, '--grain', grain, '--rows', 'all', '--format', 'csv', '--out', out], { stdio: 'pipe' });
  const fact = name;
  const g = { day: 'daily', week: 'weekly', month: 'monthly' }[grain];
  const read = (file) => {
    const [header, ...lines] = readFileSync(join(out, file), 'utf8').trim().split('\n').map((l) => l.split(','));
    return lines.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
  };
  return {
    summary: read(`${fact}_activation_${g}_summary.csv`),
    transitions: read(`${fact}_activation_${g}_transitions.csv`),
    cohorts: read(`${fact}_activation_${g}_cohorts.csv`),
    states: read(`${fact}_activation_${g}.csv`),
  };
}

/** The dashboard with `facts` computed at `grain`; `finish()` runs the page checks. */
async function dashboard(facts, grain) {
  const recorded = await openPage(browser);
  const { page } = recorded;
  await page.goto(`${server.url}#grain=${grain}`);
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.dataset.state === 'idle');
  await page.getByTestId('facts-input').setInputFiles(facts);
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.dataset.state === 'done', null, { timeout: 120000 });
  const finish = async () => {
    assertSameOrigin(recorded.requests, server.url);
    assertNoErrors(recorded.errors);
    await page.close();
  };
  return { page, finish };
}

/** The drawn option of a chart: its axes' labels and its series. */
async function drawn(page, testid) {
  const o = await page.getByTestId(testid).evaluate((el) => {
    const option = window.drawnOption(el);
    return option && {
      x: (option.xAxis ?? []).map((a) => a.data),
      y: (option.yAxis ?? []).map((a) => a.data),
      series: option.series.map((s) => ({ name: s.name, data: s.data, links: s.links })),
    };
  });
  assert.ok(o, `${testid} drew nothing`);
  return o;
}

/** A bar's value (bars carry their own style), with -0 as 0. */
const value = (d) => (d !== null && typeof d === 'object' ? d.value : d) + 0;
const num = (s) => (s === '' ? null : Number(s));
const seriesOf = (chart, name) => {
  const s = chart.series.find((x) => x.name === name);
  assert.ok(s, `no series ${name}`);
  return s.data.map((d) => (d === null ? null : value(d)));
};

/** The summary charts (lifecycle, active + quick ratio, rates) against the summary table. */
async function checkSummaryCharts(page, summary, grain) {
  const labels = summary.map((r) => (grain === 'month' ? r.period_start.slice(0, 7) : r.period_start));
  const column = (c, sign = 1) => summary.map((r) => (r[c] === '' ? null : sign * Number(r[c]) + 0));
  const lifecycle = await drawn(page, 'lifecycle-chart');
  assert.deepEqual(lifecycle.x[0], labels);
  for (const c of ['new', 'retained', 'reactivated']) assert.deepEqual(seriesOf(lifecycle, c), column(c), `lifecycle ${c}`);
  assert.deepEqual(seriesOf(lifecycle, 'churned'), column('churned', -1), 'lifecycle churned, drawn below zero');
  const active = await drawn(page, 'active-chart');
  assert.deepEqual(active.x[0], labels);
  assert.deepEqual(seriesOf(active, 'active'), column('active'));
  assert.deepEqual(seriesOf(active, 'quick_ratio'), column('quick_ratio'));
  const rates = await drawn(page, 'rates-chart');
  assert.deepEqual(rates.x[0], labels);
  for (const c of ['retention_rate', 'churn_rate', 'reactivation_rate']) assert.deepEqual(seriesOf(rates, c), column(c), c);
}

/** The Sankey's links against the transitions of the period shown. */
async function checkSankey(page, transitions, period, dormant) {
  const chart = await drawn(page, 'sankey-chart');
  const got = chart.series[0].links.map((l) => `${l.transition}=${l.value}`).sort();
  const want = transitions
    .filter((t) => t.period_start === period && Number(t.users) > 0)
    .filter((t) => dormant || !(t.from_state === 'inactive' && t.to_state === 'inactive'))
    .map((t) => `${t.from_state ? `${t.from_state}_to_${t.to_state}` : 'new'}=${t.users}`)
    .sort();
  assert.deepEqual(got, want, `Sankey of ${period} (dormant ${dormant})`);
}

/** The heatmap's cells against the cohorts table: every cell it shows, and all the table has of its cohorts. */
async function checkCohorts(page, cohorts) {
  const chart = await drawn(page, 'cohort-chart');
  const shown = chart.y[0].map((label) => label.split(' · ')[0]);
  const cells = chart.series[0].data.map((c) => c.value);
  const sinceMax = Math.max(...cells.map((c) => c[0]));
  const got = cells.map(([since, row, retention, active, size]) => [shown[row], since, retention, active, size].join('|')).sort();
  const want = cohorts
    .filter((c) => shown.includes(c.cohort_period.slice(0, shown[0].length)) && Number(c.periods_since) <= sinceMax)
    .map((c) => [c.cohort_period.slice(0, shown[0].length), Number(c.periods_since), Number(c.retention), Number(c.active_users), Number(c.cohort_size)].join('|'))
    .sort();
  assert.deepEqual(got, want);
  return { cohorts: shown.length, sinceMax };
}

/**
 * The distributions the states table (rows = all, one row per user and
 * period) implies: streaks ended by a churn and still running at the last
 * period, gaps of retained and reactivated rows, churn durations ended by a
 * reactivation and still running.
 */
function distributions(states) {
  const last = states.reduce((m, r) => (r.period_start > m ? r.period_start : m), '');
  const byUser = new Map();
  for (const r of states) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r]);
  const count = (rows, key) => {
    const m = new Map();
    for (const r of rows) m.set(Number(r[key]), (m.get(Number(r[key])) ?? 0) + 1);
    return m;
  };
  const endedStreaks = [];
  for (const rows of byUser.values()) {
    rows.sort((a, b) => (a.period_start < b.period_start ? -1 : 1));
    rows.forEach((r, i) => { if (r.state === 'inactive' && r.inactive_streak === '1') endedStreaks.push(rows[i - 1]); });
  }
  const atLast = states.filter((r) => r.period_start === last);
  return {
    streak: [count(endedStreaks, 'streak'), count(atLast.filter((r) => r.state !== 'inactive'), 'streak')],
    gap: [count(states.filter((r) => r.gap !== ''), 'gap')],
    churn: [count(states.filter((r) => r.churned_periods !== ''), 'churned_periods'), count(atLast.filter((r) => r.state === 'inactive'), 'inactive_streak')],
  };
}

/** A distribution chart's bars as counts by length; a last bar `N+` holds every length from N. */
async function checkDistribution(page, testid, want) {
  const chart = await drawn(page, testid);
  const labels = chart.x[0];
  assert.equal(chart.series.length, want.length, `${testid} series`);
  chart.series.forEach((s, k) => {
    const got = new Map();
    const expected = new Map();
    labels.forEach((label, i) => { if (value(s.data[i]) > 0) got.set(label, value(s.data[i])); });
    const top = labels.at(-1).endsWith('+') ? Number(labels.at(-1).slice(0, -1)) : Infinity;
    for (const [len, n] of want[k]) {
      const label = len >= top ? `${top}+` : String(len);
      expected.set(label, (expected.get(label) ?? 0) + n);
    }
    assert.deepEqual(got, expected, `${testid} series ${s.name}`);
  });
  return labels.at(-1);
}

test('the SPEC example: every chart draws the numbers of the CLI tables', async () => {
  const t = cliTables(specCsv, 'week', 'spec_example');
  assert.equal(t.summary.length, 5);
  const { page, finish } = await dashboard(specCsv, 'week');
  await checkSummaryCharts(page, t.summary, 'week');
  // The Sankey shows the latest complete week (the data end on Wednesday
  // 2024-01-31); then another, with the dormant.
  assert.equal(await page.getByTestId('sankey-period').inputValue(), '2024-01-22');
  await checkSankey(page, t.transitions, '2024-01-22', false);
  await page.getByTestId('sankey-period').selectOption('2024-01-15');
  await page.locator('#sankey-dormant').check();
  await checkSankey(page, t.transitions, '2024-01-15', true);
  assert.deepEqual(await checkCohorts(page, t.cohorts), { cohorts: 2, sinceMax: 4 });
  const d = distributions(t.states);
  // SPEC section 10 by hand: streaks ended 1, 1, 2, 3 (bob, dave, alice,
  // carol), running 1 and 2 (alice, dave); gaps 1 four times, 3 twice;
  // churns ended after 2 periods twice, running 1 (carol) and 4 (bob).
  assert.deepEqual(d.streak.map((m) => [...m].sort()), [[[1, 2], [2, 1], [3, 1]], [[1, 1], [2, 1]]]);
  assert.deepEqual(d.gap.map((m) => [...m].sort()), [[[1, 4], [3, 2]]]);
  assert.deepEqual(d.churn.map((m) => [...m].sort()), [[[2, 2]], [[1, 1], [4, 1]]]);
  await checkDistribution(page, 'dist-streak', d.streak);
  await checkDistribution(page, 'dist-gap', d.gap);
  await checkDistribution(page, 'dist-churn', d.churn);
  await finish();
});

test('generated facts by day: the charts draw the CLI tables, up to the cohorts and lengths they cut off', async () => {
  const facts = join(tmp, 'visits.parquet');
  execFileSync(cli, ['generate', '--events', '8000', '--users', '600', '--days', '120', '--seed', '23', '--out', facts], { stdio: 'pipe' });
  const t = cliTables(facts, 'day', 'visits');
  assert.ok(t.summary.length > 100);
  const { page, finish } = await dashboard(facts, 'day');
  await checkSummaryCharts(page, t.summary, 'day');
  const latest = t.summary.filter((r) => r.complete === 'true').at(-1).period_start;
  assert.equal(await page.getByTestId('sankey-period').inputValue(), latest);
  await checkSankey(page, t.transitions, latest, false);
  // The heatmap shows the latest 24 of the 120 cohorts.
  assert.deepEqual(await checkCohorts(page, t.cohorts), { cohorts: 24, sinceMax: 23 });
  const d = distributions(t.states);
  await checkDistribution(page, 'dist-streak', d.streak);
  // Gaps run longer than the 30 bars drawn: the last bar holds them.
  assert.equal(await checkDistribution(page, 'dist-gap', d.gap), '30+');
  await checkDistribution(page, 'dist-churn', d.churn);
  await finish();
});
