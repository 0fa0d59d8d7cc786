// What the dashboard's e2e tests share: the site built by `make site`
// (dist/), served from a sub-path on localhost, and headless Debian
// Chromium (useSite() starts both around a test file); pages opened with
// open() fail their check() on a request to another origin or a page
// error. Also the CLI, to compare the page's numbers and downloads with,
// and the ways a test reads the page (tables, charts' data, downloads).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

import { launch, openPage } from '../js/browser.mjs';
import { serve } from '../js/server.mjs';

export const root = new URL('../../', import.meta.url).pathname;
export const dist = join(root, 'dist');
export const shots = join(root, 'target', 'e2e-screenshots');
export const specCsv = join(root, 'tests', 'data', 'spec_example.csv');
// SPEC section 11's split example: section 10's facts with the platform of each.
export const platformCsv = join(root, 'tests', 'js', 'fixtures', 'spec_platform.csv');
export const cli = ['debug', 'release'].map((p) => join(root, 'target', p, 'activation')).find((p) => existsSync(p));

let server;
let browser;
let site; // the dashboard's URL, under a sub-path
/** A fresh directory of the test file (a live binding: set once the site is up). */
export let tmp;

/** Serves the site and starts Chromium before the file's tests, and stops both after them. */
export function useSite() {
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
}

/** Runs the CLI with `args`, in `cwd` (default: this process's), and returns what it printed. */
export function runCli(args, cwd = undefined) {
  return execFileSync(cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd });
}

/** Runs the CLI on `facts` and returns its output directory. */
export function cliRun(facts, extra, name) {
  const out = join(tmp, `cli-${name}`);
  runCli(['run', ...facts, '--out', out, ...extra]);
  return out;
}

/** Opens the dashboard; `check()` at the end asserts no foreign request and no page error. */
export async function open(hash = '', viewport = { width: 1440, height: 1000 }) {
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
export async function settled(page, timeout = 120000) {
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid=status]');
    return s && (s.dataset.state === 'done' || s.dataset.state === 'error');
  }, null, { timeout });
  return page.getByTestId('status').textContent();
}

export async function done(page) {
  const status = await settled(page);
  assert.match(status, /done/, status);
  return status;
}

/** Sets a form control as a user would (change event). */
export async function setField(page, testid, value) {
  const el = page.getByTestId(testid);
  const tag = await el.evaluate((e) => e.tagName);
  if (tag === 'SELECT') await el.selectOption(value);
  else {
    await el.fill(value);
    await el.dispatchEvent('change');
  }
}

export async function summaryTable(page) {
  return page.getByTestId('summary-table').evaluate((t) => ({
    header: [...t.querySelectorAll('thead th')].map((th) => th.textContent),
    rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
  }));
}

/** The summary CSV (a string) as the table would show it: rates rounded to 4 places. */
export function csvAsTable(csv) {
  const [header, ...lines] = csv.trim().split('\n').map((l) => l.split(','));
  const rates = new Set(['retention_rate', 'churn_rate', 'reactivation_rate', 'quick_ratio']);
  return {
    header,
    rows: lines.map((l) => l.map((v, i) => (rates.has(header[i]) && v !== '' ? String(Math.round(Number(v) * 10000) / 10000) : v))),
  };
}

export async function downloadBytes(page, testid) {
  // Chromium drops a frame's downloads beyond 10 a second (its URL download
  // throttle): a test that downloads every table paces itself like a person.
  await page.waitForTimeout(110);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  const path = join(tmp, `dl-${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return { name: download.suggestedFilename(), path, bytes: readFileSync(path) };
}

/** The `{ rows, header }` of a table of the page (text of its header and body cells). */
export async function tableText(page, testid) {
  return page.getByTestId(testid).evaluate((t) => ({
    header: [...t.querySelectorAll('thead th')].map((th) => th.textContent),
    rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('th, td')].map((td) => td.textContent)),
  }));
}

/** The compare table's columns: segment -> the metric per period. */
export async function compared(page) {
  const { header, rows } = await tableText(page, 'compare-table');
  return Object.fromEntries(header.slice(1).map((name, i) => [name, rows.map((r) => Number(r[i + 1]))]));
}

/**
 * Where to click the bars of one colour in a chart: the middle of each bar
 * drawn in that CSS colour, left to right, in the chart's CSS pixels, found
 * in the canvas's own pixels (as a user finds a bar by its colour).
 */
export async function bars(chart, colourVar) {
  await chart.page().mouse.move(0, 0); // no hover shading over the bars
  await chart.page().waitForTimeout(700); // chart animations
  return chart.evaluate((el, name) => {
    const canvas = el.querySelector('canvas');
    const { data, width, height } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const hex = getComputedStyle(document.documentElement).getPropertyValue(name).trim().replace('#', '');
    const rgb = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const runs = [];
    for (let x = 0; x < width; x++) {
      const ys = [];
      for (let y = 0; y < height; y++) {
        const i = (y * width + x) * 4;
        if (rgb.every((c, k) => Math.abs(data[i + k] - c) <= 2)) ys.push(y);
      }
      // Legend icons are small; a bar (even of one user) is taller.
      if (ys.length < 12) continue;
      const run = runs.at(-1);
      if (run && run.to === x - 1) run.to = x;
      else runs.push({ from: x, to: x, y: ys[Math.floor(ys.length / 2)] });
    }
    const r = window.devicePixelRatio;
    return runs.map((b) => ({ x: (b.from + b.to) / 2 / r, y: b.y / r }));
  }, colourVar);
}

/** Clicks a bar; resolves to the users listed behind it (the table's rows) and the focused element. */
export async function clickBar(page, chart, point) {
  await chart.click({ position: point });
  await page.getByTestId('bar-users-csv').waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid=bar-users]').textContent.includes('Listing'));
  const { header, rows } = await tableText(page, 'bar-users-table');
  return { header, rows, summary: await page.locator('#bar-users-summary').textContent(), focused: await page.evaluate(() => document.activeElement?.dataset.testid) };
}

/** The lines of a CLI states CSV behind one bar (state, or churned: inactive after an active period). */
export function statesBehind(csv, { period, state, segment }) {
  const [header, ...lines] = csv.trimEnd().split('\n');
  const col = (name) => header.split(',').indexOf(name);
  const kept = lines.filter((l) => {
    const f = l.split(',');
    const previous = f[col('previous_state')];
    const stateOk = state === 'churned' ? f[col('state')] === 'inactive' && ['new', 'retained', 'reactivated'].includes(previous) : f[col('state')] === state;
    return f[col('period_start')] === period && stateOk && (segment === undefined || f[col('segment')] === segment);
  });
  return `${[header, ...kept].join('\n')}\n`;
}

/**
 * Every download of one layer equals the CLI's file of the same name in
 * `csvDir` / `pqDir` (the depth table in weekly and monthly runs).
 */
export async function sameDownloads(page, prefix, csvDir, pqDir, label) {
  const depth = await page.getByTestId(`${prefix}-depth-csv`).isVisible();
  for (const t of ['summary', 'states', 'transitions', 'cohorts', 'activity', ...(depth ? ['depth'] : [])]) {
    const csv = await downloadBytes(page, `${prefix}-${t}-csv`);
    assert.deepEqual(csv.bytes, readFileSync(join(csvDir, csv.name)), `${label}: ${csv.name}`);
    const pq = await downloadBytes(page, `${prefix}-${t}-parquet`);
    assert.deepEqual(pq.bytes, readFileSync(join(pqDir, pq.name)), `${label}: ${pq.name}`);
  }
  const snapshot = await downloadBytes(page, `${prefix}-snapshot-parquet`);
  assert.deepEqual(snapshot.bytes, readFileSync(join(pqDir, snapshot.name)), `${label}: ${snapshot.name}`);
  const quality = await downloadBytes(page, `${prefix}-quality-json`);
  const cliQuality = JSON.parse(readFileSync(join(csvDir, quality.name), 'utf8'));
  const files = cliQuality.files.map((f) => f.split('/').at(-1));
  assert.deepEqual(JSON.parse(quality.bytes), { ...cliQuality, files }, `${label}: ${quality.name} (the CLI names files by path)`);
}

/**
 * The option a chart handed to ECharts (www/charts.js drawnOption): its
 * axes' labels and its series (id, name, data).
 */
export async function drawn(page, testid) {
  const o = await page.getByTestId(testid).evaluate((el) => {
    const option = window.drawnOption(el);
    return option && {
      x: (option.xAxis ?? []).map((a) => a.data),
      series: option.series.map((s) => ({ id: s.id, name: s.name, data: s.data })),
    };
  });
  assert.ok(o, `${testid} drew nothing`);
  return o;
}

/** A series' values, by its id or else its name (bars may carry their own style: { value, itemStyle }). */
export function values(chart, id) {
  const s = chart.series.find((x) => x.id === id) ?? chart.series.find((x) => x.name === id);
  assert.ok(s, `no series ${id}`);
  return s.data.map((d) => (d !== null && typeof d === 'object' ? d.value : d));
}

/** The rows of a CSV file (text), as objects of strings. */
export function csvRows(text) {
  const [header, ...lines] = text.trimEnd().split('\n').map((l) => l.split(','));
  return lines.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}
