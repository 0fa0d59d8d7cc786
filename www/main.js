// The dashboard: files in, the engine (WASM in a Web Worker, through the
// package's worker API) computes, the page shows what it returned. All
// numbers come from the engine, earlier results are merged by the engine
// (engine.mergeTables); the page formats and arranges.
import { createEngine } from 'activation-layer/worker';

import './style.css';
import * as charts from './charts.js';
import { csvObjects, tableKind } from './csv.js';
import { escapeHtml, fmtBytes, fmtInt, fmtPct, fmtRate, fmtRatio } from './format.js';
import { FIELDS, readHash, writeHash } from './settings.js';

const $ = (id) => document.getElementById(id);
const engine = createEngine();

const state = {
  sources: [], // [{ name, size, read: () => Promise<Uint8Array> }]
  infos: [], // inspect() results, one per source
  snapshot: null, // { name, size, read }
  history: { summary: [], transitions: [], cohorts: [], bytes: {}, files: [] },
  view: null,
  current: null, // { result, summary, transitions, cohorts, dist, users, names, quality, grain, ms }
  defs: {},
  dictionary: null,
  runSeq: 0,
  controller: null,
  pending: readHash(), // settings from the link, applied as columns become known
};

// ---------------------------------------------------------------- status

function setStatus(kind, text) {
  const el = $('status');
  el.textContent = kind === 'error' ? `error: ${text}` : text;
  el.className = kind === 'error' ? 'is-error' : kind === 'done' ? 'is-done' : '';
  el.dataset.state = kind;
  const box = $('error-box');
  if (kind === 'error') {
    box.textContent = text;
    box.hidden = false;
  } else box.hidden = true;
}

function setBusy(busy) {
  $('cancel-button').disabled = !busy;
  $('progress').hidden = !busy;
  if (busy) $('progress').removeAttribute('value');
  document.body.classList.toggle('busy', busy);
}

function showProgress(p) {
  const bar = $('progress');
  bar.value = p.fraction;
  const what = p.phase === 'read'
    ? `reading ${p.files > 1 ? `file ${Math.min(p.file + 1, p.files)} of ${p.files}` : 'facts'}${p.rows ? ` · ${fmtInt(p.rows)} rows` : ''}`
    : p.phase === 'compute' ? 'computing states' : 'finishing';
  $('status').textContent = `${what}… ${Math.round(p.fraction * 100)}%`;
}

// ---------------------------------------------------------------- dictionary

async function loadDictionary() {
  try {
    const dict = await engine.dictionary();
    state.dictionary = dict;
    const defs = {};
    for (const t of dict.tables || []) {
      const kind = t.name.endsWith('_summary') ? 'summary'
        : t.name.endsWith('_transitions') ? 'transitions'
          : t.name.endsWith('_cohorts') ? 'cohorts'
            : t.name.endsWith('_firstlast') ? 'snapshot' : 'states';
      defs[`table:${kind}`] = t.description;
      for (const c of t.columns) {
        defs[`col:${kind}:${c.name}`] = c.description;
        if (kind === 'summary') defs[c.name] = c.description;
      }
    }
    for (const s of dict.states || []) defs[`state:${s.state}`] = s.description;
    if (dict.quality_report) {
      defs.quality = dict.quality_report.description;
      for (const f of dict.quality_report.fields || []) defs[`q:${f.name}`] = f.description;
    }
    state.summaryColumns = (dict.tables || []).find((t) => t.name.endsWith('_summary'))?.columns.map((c) => c.name);
    state.defs = defs;
    applyDefs(document);
    if (state.current) render();
  } catch (e) {
    setStatus('error', `the engine did not start: ${e.message}`);
  }
}

/** Elements with data-def="key" get the definition on hover and focus. */
function applyDefs(root) {
  for (const el of root.querySelectorAll('[data-def]')) {
    const text = state.defs[el.dataset.def];
    if (!text) continue;
    el.dataset.tip = text;
    el.setAttribute('aria-description', text);
    if (!el.hasAttribute('tabindex') && !/^(BUTTON|A|INPUT|SELECT)$/.test(el.tagName)) el.tabIndex = 0;
  }
}

// ---------------------------------------------------------------- files

function fileSource(file) {
  return { name: file.name, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) };
}

function bufferSource(name, buffer) {
  // The worker takes the bytes (transfer); every read hands it a fresh copy.
  return { name, size: buffer.byteLength, read: async () => new Uint8Array(buffer.slice(0)) };
}

function renderFileList() {
  const list = $('file-list');
  list.replaceChildren();
  const item = (name, meta, detail, bad = false) => {
    const li = document.createElement('li');
    if (bad) li.className = 'bad';
    li.innerHTML = `<span class="file-name">${escapeHtml(name)}</span> <span class="muted">${escapeHtml(meta)}</span>${detail ? `<br><span class="cols">${escapeHtml(detail)}</span>` : ''}`;
    list.append(li);
  };
  state.sources.forEach((s, i) => {
    const info = state.infos[i];
    if (info instanceof Error) item(s.name, fmtBytes(s.size), info.message, true);
    else if (info) item(s.name, `${fmtBytes(s.size)} · ${info.format} · ${fmtInt(info.rows)} rows`, `columns: ${info.columns.map((c) => c.name).join(', ')}`);
    else item(s.name, fmtBytes(s.size), 'reading…');
  });
  if (state.snapshot) item(state.snapshot.name, `${fmtBytes(state.snapshot.size)} · snapshot`, 'history is resumed from this FirstLast snapshot');
  for (const f of state.history.files) item(f.name, `earlier ${f.kind} · ${fmtInt(f.rows)} rows`, '');
}

async function setFacts(sources) {
  state.sources = sources;
  state.infos = [];
  const seq = ++state.runSeq;
  setStatus('busy', sources.length ? 'reading files…' : 'no fact files');
  renderFileList();
  if (!sources.length) return;
  state.inspecting = true;
  setBusy(true);
  try {
    for (const s of sources) {
      try {
        state.infos.push(await engine.inspect({ name: s.name, bytes: await s.read() }));
      } catch (e) {
        state.infos.push(e);
        renderFileList();
        throw e;
      }
    }
  } catch (e) {
    if (seq !== state.runSeq) return;
    state.inspecting = false;
    setBusy(false);
    clearResults();
    if (e.name === 'AbortError') setStatus('idle', 'cancelled · choose files again to run');
    else setStatus('error', e.message);
    return;
  }
  state.inspecting = false;
  setBusy(false);
  if (seq !== state.runSeq) return;
  renderFileList();
  fillColumns();
  run();
}

function fillColumns() {
  const columns = [];
  for (const info of state.infos) for (const c of info.columns) if (!columns.includes(c.name)) columns.push(c.name);
  const first = state.infos[0] || {};
  const fill = (select, detected, wanted) => {
    const keep = wanted ?? select.value;
    select.replaceChildren(new Option(detected ? `auto (${detected})` : 'auto-detect', ''));
    for (const c of columns) select.append(new Option(c === detected ? `${c} ✓` : c, c));
    if (keep && !columns.includes(keep)) select.append(new Option(`${keep} (not in the files)`, keep));
    select.value = keep || '';
  };
  fill($('user-col-select'), first.user_column, state.pending.user);
  fill($('time-col-select'), first.time_column, state.pending.time);
  delete state.pending.user;
  delete state.pending.time;

  // Fact filter candidates: columns with few distinct values.
  const factCols = new Map();
  for (const info of state.infos) {
    for (const fc of info.fact_columns || []) {
      const m = factCols.get(fc.column) || new Map();
      for (const v of fc.values) m.set(v.value, (m.get(v.value) || 0) + v.rows);
      factCols.set(fc.column, m);
    }
  }
  state.factColumns = factCols;
  const fsel = $('fact-col-select');
  const keep = state.pending.fcol ?? fsel.value;
  fsel.replaceChildren(new Option('every row counts', ''));
  for (const c of factCols.keys()) fsel.append(new Option(c, c));
  if (keep && !factCols.has(keep)) fsel.append(new Option(keep, keep));
  fsel.value = keep || '';
  delete state.pending.fcol;
  fillFactValues(state.pending.fv);
  delete state.pending.fv;

  const needsUnit = first.time_is_integer && !$('time-unit-select').value && !$('time-format-input').value;
  $('time-unit-select').closest('.field').classList.toggle('attention', !!needsUnit);
}

function fillFactValues(wanted) {
  const col = $('fact-col-select').value;
  const field = $('fact-values-field');
  const box = $('fact-values');
  const before = wanted ?? [...box.querySelectorAll('input:checked')].map((i) => i.value);
  box.replaceChildren();
  field.hidden = !col;
  if (!col) return;
  const values = state.factColumns?.get(col) || new Map(before.map((v) => [v, null]));
  for (const v of before) if (!values.has(v)) values.set(v, null);
  let i = 0;
  for (const [value, rows] of values) {
    const id = `fv-${i++}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.innerHTML = `<input type="checkbox" id="${id}" value="${escapeHtml(value)}"${before.includes(value) ? ' checked' : ''}> ${escapeHtml(value)}${rows !== null ? ` <span class="n">${fmtInt(rows, true)}</span>` : ''}`;
    box.append(label);
  }
}

async function loadDemo() {
  const button = $('demo-button');
  button.disabled = true;
  state.runSeq++;
  setStatus('busy', 'loading the demo facts…');
  try {
    const response = await fetch(new URL('demo/demo_events.parquet', document.baseURI));
    if (!response.ok) throw new Error(`the demo file is missing (HTTP ${response.status}); build the site with make site`);
    const buffer = await response.arrayBuffer();
    $('facts-input').value = '';
    await setFacts([bufferSource('demo_events.parquet', buffer)]);
  } catch (e) {
    setStatus('error', e.message);
  } finally {
    button.disabled = false;
  }
}

async function setHistory(files) {
  const history = { summary: [], transitions: [], cohorts: [], bytes: {}, files: [] };
  try {
    for (const file of files) {
      const raw = new Uint8Array(await file.arrayBuffer());
      // Parquet tables (downloads, a merged history) are turned into the
      // engine's CSV form, which the charts read.
      const bytes = /\.parquet$/i.test(file.name) ? await engine.convertTable({ name: file.name, bytes: raw }, 'csv') : raw;
      const { columns, rows } = csvObjects(bytes);
      const kind = tableKind(columns);
      if (!kind) throw new Error(`${file.name}: not a summary, transitions or cohorts table (columns: ${columns.join(', ')})`);
      // Several earlier files of one table are upserted by the engine, by key.
      history.bytes[kind] = history.bytes[kind]
        ? await engine.mergeTables(kind, { name: 'earlier results', bytes: history.bytes[kind] }, { name: file.name, bytes })
        : bytes;
      history[kind] = csvObjects(history.bytes[kind]).rows;
      history.files.push({ name: file.name, kind, rows: rows.length });
    }
  } catch (e) {
    setStatus('error', e.message);
    return;
  }
  state.history = history;
  renderFileList();
  if (state.current) {
    await mergeView();
    render();
    setStatus('done', `done · merged ${history.files.length} earlier table${history.files.length === 1 ? '' : 's'}`);
  }
}

// ---------------------------------------------------------------- settings

function readForm() {
  const s = {};
  for (const [key, id] of Object.entries(FIELDS)) s[key] = $(id).value.trim();
  s.fv = [...$('fact-values').querySelectorAll('input:checked')].map((i) => i.value);
  s.skip = $('skip-overlap').checked;
  s.period = $('sankey-period').value || state.pending.period || '';
  s.dormant = $('sankey-dormant').checked;
  return s;
}

function applySettings(s) {
  for (const [key, id] of Object.entries(FIELDS)) {
    const el = $(id);
    const v = s[key] ?? (key === 'grain' ? 'week' : '');
    if (el.tagName === 'SELECT' && v && ![...el.options].some((o) => o.value === v)) {
      if (key === 'user' || key === 'time' || key === 'fcol') el.append(new Option(v, v));
      else continue;
    }
    el.value = v;
  }
  $('skip-overlap').checked = s.skip === '1' || s.skip === true;
  $('sankey-dormant').checked = s.dormant === '1' || s.dormant === true;
  if (s.fv) fillFactValues(s.fv);
}

function buildOptions() {
  const s = readForm();
  const o = { grain: s.grain || 'week' };
  if (s.ws) o.weekStart = s.ws;
  if (s.tz) o.timezone = s.tz;
  if (s.user) o.userColumn = s.user;
  if (s.time) o.timeColumn = s.time;
  if (s.unit) o.timeUnit = s.unit;
  if (s.fmt) o.timeFormat = s.fmt;
  if (s.fcol && s.fv.length) {
    o.factColumn = s.fcol;
    o.factValues = s.fv;
  }
  if (s.name) o.name = s.name;
  if (s.from) o.reportFrom = s.from;
  if (s.through) o.through = s.through;
  if (s.asof) o.asOf = s.asof;
  if (s.skip) o.skipOverlap = true;
  if (s.rows) o.rows = s.rows;
  if (s.maxrej) {
    const v = Number(s.maxrej);
    if (!Number.isFinite(v) || v < 0 || v > 1) return { error: `max rejected share must be a number from 0 to 1, not "${s.maxrej}"` };
    o.maxRejected = v;
  }
  return o;
}

let runTimer = 0;
function settingsChanged() {
  writeHash(readForm());
  const col = $('fact-col-select').value;
  $('fact-values-field').hidden = !col;
  clearTimeout(runTimer);
  if (state.sources.length || state.snapshot) setStatus('busy', 'settings changed, computing…');
  runTimer = setTimeout(() => run(), 300);
}

// ---------------------------------------------------------------- run

async function run() {
  clearTimeout(runTimer);
  // Files being inspected: setFacts() runs once the columns are known.
  if (state.inspecting) return;
  if (!state.sources.length && !state.snapshot) {
    setStatus('idle', 'Choose fact files or try the demo.');
    return;
  }
  if (state.infos.some((i) => i instanceof Error)) {
    setStatus('error', state.infos.find((i) => i instanceof Error).message);
    return;
  }
  const seq = ++state.runSeq;
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const options = buildOptions();
  if (options.error) {
    state.controller = null;
    clearResults();
    setStatus('error', options.error);
    return;
  }
  setBusy(true);
  setStatus('busy', 'reading files…');
  const t0 = performance.now();
  try {
    const files = await Promise.all(state.sources.map(async (s) => ({ name: s.name, bytes: await s.read() })));
    if (state.snapshot) options.snapshot = { name: state.snapshot.name, bytes: await state.snapshot.read() };
    if (seq !== state.runSeq) return;
    const result = await engine.compute(files, options, {
      signal: controller.signal,
      onProgress: (p) => { if (seq === state.runSeq) showProgress(p); },
    });
    if (seq !== state.runSeq) { result.free().catch(() => {}); return; }
    const [summaryCsv, transitions, cohorts, dist, users, statesName, snapshotName] = await Promise.all([
      result.table('summary', 'csv'),
      result.table('transitions', 'csv'),
      result.table('cohorts', 'csv'),
      result.distributions(),
      result.sampleUsers(300),
      result.tableName('states'),
      result.tableName('snapshot'),
    ]);
    if (seq !== state.runSeq) { result.free().catch(() => {}); return; }
    const previous = state.current;
    state.current = {
      result,
      grain: result.grain,
      fact: result.fact,
      summary: result.summary,
      quality: result.quality,
      transitions: csvObjects(transitions).rows,
      cohorts: csvObjects(cohorts).rows,
      csv: { summary: summaryCsv, transitions, cohorts },
      dist,
      users,
      names: { states: statesName, snapshot: snapshotName },
      ms: performance.now() - t0,
      stateRows: result.stateRows,
    };
    if (previous) previous.result.free().catch(() => {});
    await mergeView();
    const firstShow = $('dashboard').hidden;
    render();
    if (firstShow && window.matchMedia('(max-width: 860px)').matches) $('statusbar').scrollIntoView({ behavior: 'smooth', block: 'start' });
    const q = result.quality;
    setStatus('done', `done · ${fmtInt(q.rows_used)} rows, ${fmtInt(q.total_users)} users, ${result.summary.length} ${unitOf(result.grain)}${result.summary.length === 1 ? '' : 's'} in ${(state.current.ms / 1000).toFixed(2)} s`);
  } catch (e) {
    if (seq !== state.runSeq) return;
    if (e.name === 'AbortError') {
      // Cancelling stops the worker, and every result it held with it.
      clearResults();
      setStatus('idle', 'cancelled · change a setting or press Compute to run again');
    } else {
      clearResults();
      setStatus('error', e.message);
    }
  } finally {
    if (seq === state.runSeq) {
      setBusy(false);
      state.controller = null;
    }
  }
}

function clearResults() {
  if (state.current) state.current.result.free().catch(() => {});
  state.current = null;
  $('dashboard').hidden = true;
  $('empty').hidden = false;
}

function unitOf(grain) {
  return grain === 'day' ? 'day' : grain === 'month' ? 'month' : 'week';
}

// ---------------------------------------------------------------- render

/**
 * Merges the run's tables over the earlier results (same grain only) with
 * the engine's merge (the same upsert by key as `activation merge`), and
 * keeps the rows for view().
 */
async function mergeView() {
  const c = state.current;
  const h = state.history;
  const sameGrain = (rows) => {
    if (!rows.length || !c.summary.length) return true;
    const span = (r) => (Date.parse(r.period_end) - Date.parse(r.period_start)) / 86400000;
    const kind = (d) => (d === 0 ? 'day' : d === 6 ? 'week' : 'month');
    return kind(span(rows[0])) === c.grain;
  };
  const v = { summary: c.summary, transitions: c.transitions, cohorts: c.cohorts, note: '' };
  if (h.files.length) {
    if (sameGrain(h.summary)) {
      for (const kind of ['summary', 'transitions', 'cohorts']) {
        if (!h.bytes[kind]) continue;
        const merged = await engine.mergeTables(kind, { name: 'earlier results', bytes: h.bytes[kind] }, { name: 'this run', bytes: c.csv[kind] });
        v[kind] = csvObjects(merged).rows;
      }
      v.note = `Showing ${v.summary.length} periods: ${v.summary.length - c.summary.length} from earlier results, ${c.summary.length} from this run (this run's rows replace earlier rows of the same period). Distributions, quality and downloads cover this run only.`;
    } else v.note = 'The earlier results are of another grain and are not shown; choose their grain to see them.';
  }
  state.view = v;
}

/** The rows on screen: the run's, merged over earlier results by mergeView(). */
function view() {
  return state.view;
}

function render() {
  const c = state.current;
  if (!c) return;
  const v = view();
  $('empty').hidden = true;
  $('dashboard').hidden = false;
  const q = c.quality;
  $('result-title').textContent = `${c.fact} · ${c.grain === 'day' ? 'daily' : c.grain === 'month' ? 'monthly' : 'weekly'}`;
  $('result-meta').textContent = `${q.report_from} → ${q.through} · timezone ${q.timezone}${c.grain === 'week' ? ` · weeks start ${q.week_start}` : ''}${q.snapshot ? ` · resumed from ${q.snapshot} (as of ${q.as_of})` : ''}`;
  $('history-note').hidden = !v.note;
  $('history-note').textContent = v.note;
  renderKpis(v.summary, c.grain);
  renderSummaryTable(v.summary);
  renderQuality(q);
  renderSankeyOptions(v.transitions);
  renderCharts();
  renderUserSuggestions(c.users);
  applyDefs($('dashboard'));
}

function renderCharts() {
  const c = state.current;
  if (!c || $('dashboard').hidden) return;
  const v = view();
  const opts = { grain: c.grain, defs: state.defs };
  charts.lifecycle($('lifecycle-chart'), v.summary, opts);
  charts.activeAndQuick($('active-chart'), v.summary, opts);
  charts.rates($('rates-chart'), v.summary, opts);
  renderSankey();
  charts.cohorts($('cohort-chart'), v.cohorts, { grain: c.grain });
  const unit = unitOf(c.grain);
  const css = getComputedStyle(document.documentElement);
  charts.distribution($('dist-streak'), c.dist.streak_length, c.dist.ongoing_streak_length,
    { labels: ['ended by churn', 'still running'], color: css.getPropertyValue('--c-retained').trim(), unit });
  charts.distribution($('dist-gap'), c.dist.gap, null,
    { labels: ['returns'], color: css.getPropertyValue('--c-new').trim(), unit });
  charts.distribution($('dist-churn'), c.dist.churn_duration, c.dist.ongoing_churn_duration,
    { labels: ['ended by reactivation', 'still inactive'], color: css.getPropertyValue('--c-churned').trim(), unit });
}

const KPIS = [
  ['active', 'Active'], ['new', 'New'], ['retained', 'Retained'],
  ['reactivated', 'Reactivated'], ['churned', 'Churned'], ['quick_ratio', 'Quick ratio'],
];

function renderKpis(summary, grain) {
  const box = $('kpis');
  box.replaceChildren();
  if (!summary.length) {
    $('kpi-caption').textContent = 'No reported periods.';
    return;
  }
  let i = summary.length - 1;
  while (i > 0 && !summary[i].complete) i--;
  const row = summary[i];
  const prev = i > 0 ? summary[i - 1] : null;
  $('kpi-caption').textContent = `${row.complete ? 'Latest complete' : 'Latest (incomplete)'} ${unitOf(grain)}: ${row.period_start} – ${row.period_end}${prev ? `, change versus ${prev.period_start}` : ''}`;
  for (const [key, label] of KPIS) {
    const value = row[key];
    const before = prev ? prev[key] : null;
    const tile = document.createElement('div');
    tile.className = `kpi ${key}`;
    tile.dataset.testid = `kpi-${key}`;
    let delta = '';
    let cls = 'flat';
    if (value !== null && before !== null && before !== undefined) {
      const d = value - before;
      cls = d > 0 ? 'up' : d < 0 ? 'down' : 'flat';
      if (key === 'quick_ratio') delta = `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(2)}`;
      else delta = `${d >= 0 ? '+' : '−'}${fmtInt(Math.abs(d))}${before ? ` (${d >= 0 ? '+' : '−'}${Math.abs((d / before) * 100).toFixed(1)}%)` : ''}`;
    } else if (prev) delta = 'no previous value';
    const bad = key === 'churned' ? ' bad' : '';
    tile.innerHTML = `<div class="k-label" data-def="${key}">${label}</div>
      <div class="k-value">${key === 'quick_ratio' ? fmtRatio(value) : fmtInt(value)}</div>
      <div class="k-delta ${cls}${bad}">${cls === 'up' ? '▲' : cls === 'down' ? '▼' : ''} ${escapeHtml(delta || '\u00a0')}</div>`;
    box.append(tile);
  }
}

function renderSummaryTable(summary) {
  const table = $('summary-table');
  const columns = state.summaryColumns || Object.keys(summary[0] || {});
  const rates = new Set(['retention_rate', 'churn_rate', 'reactivation_rate', 'quick_ratio']);
  const thead = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const c of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c;
    th.dataset.def = c;
    tr.append(th);
  }
  thead.append(tr);
  const tbody = document.createElement('tbody');
  const frag = document.createDocumentFragment();
  for (const row of summary) {
    const r = document.createElement('tr');
    if (!row.complete) r.className = 'incomplete';
    for (const c of columns) {
      const td = document.createElement('td');
      const v = row[c];
      td.textContent = v === null || v === undefined ? '' : rates.has(c) ? fmtRate(v) : String(v);
      if (rates.has(c) && v !== null) td.title = String(v);
      r.append(td);
    }
    frag.append(r);
  }
  tbody.append(frag);
  table.replaceChildren(thead, tbody);
}

function renderQuality(q) {
  const body = $('quality-body');
  const parts = [];
  const def = (k) => `data-def="q:${k}"`;
  const empty = q.empty_days || [];
  if (empty.length) {
    const shown = empty.slice(0, 60).map((d) => `<span>${escapeHtml(d)}</span>`).join('');
    parts.push(`<div class="q-warn" role="note" data-testid="empty-days"><strong ${def('empty_days')}>⚠ ${fmtInt(empty.length)} empty day${empty.length === 1 ? '' : 's'}</strong>
      No fact rows at all on these days. Missing data reads as false churn: check that no export is missing.
      <div class="q-days">${shown}${empty.length > 60 ? `<span>+${empty.length - 60} more</span>` : ''}</div></div>`);
  }
  const rej = q.rows_rejected || {};
  if (rej.total) {
    parts.push(`<div class="q-warn" role="note"><strong>⚠ ${fmtInt(rej.total)} rejected row${rej.total === 1 ? '' : 's'}</strong> (${fmtPct(rej.total / Math.max(1, q.rows_read))} of the rows read)</div>`);
  }
  if (!empty.length && !rej.total) parts.push('<p class="q-ok">✓ No empty days and no rejected rows.</p>');
  const rows = [
    ['rows_read', 'Rows read', fmtInt(q.rows_read)],
    ['rows_used', 'Rows used', fmtInt(q.rows_used)],
    ['rows_filtered_out', 'Rows filtered out', fmtInt(q.rows_filtered_out)],
    ['duplicate_rows', 'Duplicate rows', fmtInt(q.duplicate_rows)],
    ['distinct_users', 'Distinct users', fmtInt(q.distinct_users)],
    ['new_users', 'New users', fmtInt(q.new_users)],
    ['min_local_date', 'First day', q.min_local_date ?? '–'],
    ['max_local_date', 'Last day', q.max_local_date ?? '–'],
    ['exact', 'Exact snapshot values', q.exact ? 'yes' : 'no (lower bounds)'],
  ];
  const reasons = Object.entries(rej).filter(([k]) => k !== 'total');
  parts.push(`<table class="kv"><tbody>${rows.map(([k, label, v]) => `<tr><th scope="row"><span ${def(k)}>${label}</span></th><td>${escapeHtml(v)}</td></tr>`).join('')}
    <tr><th scope="row" colspan="2"><span ${def('rows_rejected')}>Rejected rows by reason</span></th></tr>
    ${reasons.map(([k, n]) => `<tr><th scope="row">&nbsp;&nbsp;${escapeHtml(k.replaceAll('_', ' '))}</th><td>${fmtInt(n)}</td></tr>`).join('')}
    <tr><th scope="row">&nbsp;&nbsp;total</th><td>${fmtInt(rej.total ?? 0)}</td></tr></tbody></table>`);
  if ((q.warnings || []).length) {
    parts.push(`<ul class="q-list" aria-label="Warnings">${q.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`);
  }
  body.innerHTML = parts.join('');
}

function renderSankeyOptions(transitions) {
  const select = $('sankey-period');
  const periods = [...new Set(transitions.map((r) => r.period_start))];
  const want = select.value || state.pending.period;
  select.replaceChildren(...periods.map((p) => new Option(p, p)));
  const c = state.current;
  // Default: the latest complete period.
  let def = periods[periods.length - 1];
  const complete = view().summary.filter((r) => r.complete).map((r) => r.period_start);
  if (complete.length && periods.includes(complete[complete.length - 1])) def = complete[complete.length - 1];
  select.value = periods.includes(want) ? want : def || '';
  if (c) delete state.pending.period;
}

function renderSankey() {
  const period = $('sankey-period').value;
  const rows = view().transitions.filter((r) => r.period_start === period);
  charts.sankey($('sankey-chart'), rows, { includeDormant: $('sankey-dormant').checked, defs: state.defs });
}

function renderUserSuggestions(users) {
  const list = $('user-suggestions');
  list.replaceChildren(...users.map((u) => new Option(u)));
  $('user-timeline').replaceChildren();
  const p = document.createElement('p');
  p.className = 'muted';
  p.textContent = `Type a user id (suggestions: ${users.slice(0, 3).join(', ')}${users.length > 3 ? ', …' : ''}) to see their state in every period.`;
  $('user-timeline').append(p);
}

async function lookupUser(id) {
  const c = state.current;
  const out = $('user-timeline');
  if (!c || !id) return;
  let timeline;
  try {
    timeline = await c.result.userTimeline(id);
  } catch (e) {
    out.innerHTML = `<p class="error">${escapeHtml(e.message)}</p>`;
    return;
  }
  if (!timeline) {
    out.innerHTML = `<p class="muted">No user <b>${escapeHtml(id)}</b> in this run.</p>`;
    return;
  }
  const cells = timeline.map((r) => {
    const churn = r.state === 'inactive' && r.previous_state !== 'inactive';
    return `<span class="cell ${r.state}${churn ? ' churn' : ''}" title="${escapeHtml(`${r.period_start}: ${churn ? 'churned' : r.state}`)}"></span>`;
  }).join('');
  const cols = ['period_start', 'state', 'transition', 'streak', 'inactive_streak', 'gap', 'churned_periods', 'active_periods', 'tenure'];
  const head = cols.map((k) => `<th scope="col" data-def="col:states:${k}">${k}</th>`).join('');
  const body = timeline.map((r) => `<tr>${cols.map((k) => {
    const v = r[k];
    if (k === 'state') return `<td><span class="state-pill ${v}" data-def="state:${v}">${v}</span></td>`;
    return `<td>${v === null || v === undefined ? '' : escapeHtml(v)}</td>`;
  }).join('')}</tr>`).join('');
  const active = timeline.filter((r) => r.state !== 'inactive').length;
  out.innerHTML = `<p><b>${escapeHtml(id)}</b> · first active ${escapeHtml(timeline[0].period_start)} · active in ${active} of ${timeline.length} reported ${unitOf(c.grain)}s</p>
    <div class="strip" role="img" aria-label="State per period, oldest first">${cells}</div>
    <div class="tl-legend"><span><span class="dot c-new"></span>new</span><span><span class="dot c-retained"></span>retained</span>
      <span><span class="dot c-reactivated"></span>reactivated</span><span><span class="dot c-churned"></span>churned</span><span>▢ dormant</span></div>
    <div class="table-wrap timeline-table" tabindex="0" role="region" aria-label="Timeline of ${escapeHtml(id)}"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
  applyDefs(out);
}

// ---------------------------------------------------------------- downloads

function save(bytes, name, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function download(which, format, button) {
  const c = state.current;
  if (!c) return;
  button.disabled = true;
  try {
    if (which === 'quality') {
      save(JSON.stringify(c.quality, null, 2), `${c.names.states}_quality.json`, 'application/json');
    } else {
      const bytes = await c.result.table(which, format);
      const name = await c.result.tableName(which);
      save(bytes, `${name}.${format}`, format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet');
    }
  } catch (e) {
    setStatus('error', `download failed: ${e.message}`);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- theme

const THEMES = ['auto', 'light', 'dark'];
const media = window.matchMedia('(prefers-color-scheme: dark)');

function applyTheme() {
  let choice = 'auto';
  try { choice = localStorage.getItem('activation-theme') || 'auto'; } catch { /* private mode */ }
  const resolved = choice === 'auto' ? (media.matches ? 'dark' : 'light') : choice;
  const changed = document.documentElement.dataset.theme !== resolved;
  document.documentElement.dataset.theme = resolved;
  $('theme-label').textContent = choice[0].toUpperCase() + choice.slice(1);
  $('theme-icon').textContent = choice === 'auto' ? '◐' : choice === 'dark' ? '☾' : '☀';
  $('theme-toggle').setAttribute('aria-label', `Colour theme: ${choice === 'auto' ? `follows the system (${resolved})` : choice}. Change`);
  if (changed && state.current) {
    charts.disposeAll();
    renderCharts();
  }
}

// ---------------------------------------------------------------- wiring

function init() {
  applyTheme();
  media.addEventListener('change', applyTheme);
  $('theme-toggle').addEventListener('click', () => {
    let choice = 'auto';
    try { choice = localStorage.getItem('activation-theme') || 'auto'; } catch { /* ignore */ }
    const next = THEMES[(THEMES.indexOf(choice) + 1) % THEMES.length];
    try { localStorage.setItem('activation-theme', next); } catch { /* ignore */ }
    applyTheme();
  });

  const tzs = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  $('timezones').replaceChildren(...['UTC', ...tzs.filter((t) => t !== 'UTC')].map((t) => new Option(t)));

  applySettings(state.pending);

  $('facts-input').addEventListener('change', (e) => {
    const files = [...e.target.files];
    if (files.length) setFacts(files.map(fileSource));
  });
  $('snapshot-input').addEventListener('change', (e) => {
    const f = e.target.files[0];
    state.snapshot = f ? fileSource(f) : null;
    renderFileList();
    if (state.sources.length || state.snapshot) {
      setStatus('busy', 'reading files…');
      run();
    }
  });
  $('history-input').addEventListener('change', (e) => setHistory([...e.target.files]));
  $('demo-button').addEventListener('click', loadDemo);

  const zone = $('dropzone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...e.dataTransfer.files];
    const snap = files.find((f) => /firstlast/i.test(f.name));
    const earlier = files.filter((f) => /_(summary|transitions|cohorts)\.(csv|parquet)$/i.test(f.name));
    const facts = files.filter((f) => f !== snap && !earlier.includes(f));
    if (snap) state.snapshot = fileSource(snap);
    if (earlier.length) setHistory(earlier);
    if (facts.length) setFacts(facts.map(fileSource));
    else if (snap) { renderFileList(); run(); }
  });

  const form = $('settings');
  form.addEventListener('submit', (e) => { e.preventDefault(); writeHash(readForm()); run(); });
  form.addEventListener('change', (e) => {
    if (e.target.id === 'fact-col-select') fillFactValues([]);
    settingsChanged();
  });
  $('skip-overlap').addEventListener('change', settingsChanged);
  $('as-of-input').addEventListener('change', settingsChanged);
  $('cancel-button').addEventListener('click', () => {
    if (state.controller) state.controller.abort();
    else if (state.inspecting) engine.cancel();
  });

  $('sankey-period').addEventListener('change', () => { writeHash(readForm()); renderSankey(); });
  $('sankey-dormant').addEventListener('change', () => { writeHash(readForm()); renderSankey(); });
  $('user-form').addEventListener('submit', (e) => { e.preventDefault(); lookupUser($('user-input').value.trim()); });
  $('downloads').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-dl]');
    if (!button) return;
    const [which, format] = button.dataset.dl.split(':');
    download(which, format, button);
  });

  window.addEventListener('hashchange', () => {
    const s = readHash();
    state.pending = { ...s };
    applySettings(s);
    if (state.infos.length) fillColumns();
    if (state.current || state.sources.length) run();
  });

  setStatus('idle', 'Choose fact files or try the demo.');
  loadDictionary();
}

init();
