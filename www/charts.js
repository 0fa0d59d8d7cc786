// @ts-check
// Charts (ECharts, tree-shaken, canvas). Every number drawn here comes from
// the engine's outputs; the page only arranges them (shares of a period's
// users are divided here for reading, never written back). Colours come from
// the CSS variables so light and dark themes stay in one place.
//
// Every chart also says what it draws without its canvas: an aria-label with
// what it shows and its latest values, a data table of its numbers (opened
// on request), series toggles that are buttons (the legend, for the keyboard
// too), arrow keys that walk its tooltip through the data (read out by a live
// region), PNG and SVG downloads; and a second channel beside colour (dashes
// and markers on lines, decal patterns on bars).
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, SankeyChart } from 'echarts/charts';
import {
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

import { save } from './dom.js';
import { countFormat, fmtInt, fmtPct, fmtRatio, escapeHtml } from './format.js';
import { label } from './labels.js';

/**
 * @import { Bucket, Grain, SummaryRow } from 'activation-layer/worker'
 * @import { ActivityRow, CohortRow, DepthRow, TransitionRow } from './csv.js'
 *
 * @typedef {{ grain: Grain, defs: Record<string, string> }} SummaryChart  how summary charts label periods and series
 * @typedef {'new' | 'retained' | 'reactivated' | 'churned'} BarState  a bar of the lifecycle chart
 * @typedef {(bar: { period: string, state: BarState }) => void} OnBar  a bar was clicked
 * @typedef {{ dataIndex: number, seriesName: string, marker: string, value: number, name: string }} AxisItem  a series at the hovered period (ECharts' tooltip)
 * @typedef {ReturnType<typeof palette>} Palette
 * @typedef {string | number | boolean | null} Cell
 *
 * @typedef {object} Key  one entry of a chart's legend: a series (or several of one name) the reader can hide
 * @property {string} name  the series' name (a column name: the legend's key)
 * @property {string} color
 * @property {'bar' | 'line'} mark
 * @property {string} [dash]  a line's dash (solid, dashed, dotted)
 * @property {string} [symbol]  a line's marker
 * @property {string} [text]  what the legend says (default: the column's label)
 * @property {boolean} [off]  hidden at first
 *
 * @typedef {object} Described  what a chart says besides its canvas
 * @property {string} label  what it shows and its latest values (its aria-label)
 * @property {string[]} columns  its data table's header
 * @property {Cell[][]} rows  its data table: one row per period, day or item, which the arrow keys walk
 * @property {Key[]} [keys]  its legend (series toggles); none for a chart of one series
 * @property {(i: number) => { type: string }} [tip]  the showTip action of row i (default: the first series' point i)
 * @property {string} [empty]  said instead of bare axes when there are no rows
 */

echarts.use([
  BarChart, HeatmapChart, LineChart, SankeyChart,
  AriaComponent, DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent,
  TooltipComponent, VisualMapComponent, CanvasRenderer, SVGRenderer,
]);

/** @type {Map<HTMLElement, echarts.ECharts>} */
const charts = new Map();
/** What each chart says besides its canvas (its data table is built when opened). @type {WeakMap<HTMLElement, Described>} */
const described = new WeakMap();

/** Line styles and markers, one a series: the channel beside colour. */
const DASHES = ['solid', 'dashed', 'dotted'];
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow', 'roundRect'];

function palette() {
  const css = getComputedStyle(document.documentElement);
  const v = (/** @type {string} */ name) => css.getPropertyValue(name).trim();
  return {
    text: v('--text'), muted: v('--muted'), border: v('--border'), surface: v('--surface'), surface2: v('--surface-2'),
    new: v('--c-new'), retained: v('--c-retained'), reactivated: v('--c-reactivated'),
    churned: v('--c-churned'), active: v('--c-active'), quick: v('--c-quick'),
    accent: v('--accent'), cohortMid: v('--cohort-mid'),
    series: v('--series').split(',').map((c) => c.trim()),
  };
}

/**
 * The colour, dash and marker of the i-th series of a chart: colours repeat after the palette,
 * with another dash.
 * @param {Palette} p
 * @param {number} i
 */
function seriesStyle(p, i) {
  return {
    color: p.series[i % p.series.length],
    dash: DASHES[(i + Math.floor(i / p.series.length)) % DASHES.length],
    symbol: SYMBOLS[i % SYMBOLS.length],
  };
}

/** Narrow screens: tooltips stay short (no definitions). */
const phone = window.matchMedia('(max-width: 560px)');

/** @param {HTMLElement} el */
function chartFor(el) {
  let chart = charts.get(el);
  if (!chart || chart.isDisposed()) {
    chart = echarts.init(el, null, { renderer: 'canvas' });
    charts.set(el, chart);
  }
  return chart;
}

/**
 * The option ECharts holds for the chart drawn in `el` (its series data
 * and axis labels), or null before one is drawn. The page never reads it:
 * the e2e tests call it as `window.drawnOption(el)` to compare what a chart
 * shows with the engine's tables.
 * @param {HTMLElement} el
 */
export function drawnOption(el) {
  const chart = charts.get(el);
  return chart && !chart.isDisposed() ? chart.getOption() : null;
}
Object.assign(window, { drawnOption });

/** Drops every chart (theme change); the caller draws them again. */
export function disposeAll() {
  for (const chart of charts.values()) chart.dispose();
  charts.clear();
}

let resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    for (const chart of charts.values()) if (!chart.isDisposed()) chart.resize({ animation: { duration: 0 } });
  }, 100);
});

/** @param {Palette} p */
function base(p) {
  return {
    animationDuration: 350,
    textStyle: { color: p.text, fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
    tooltip: {
      backgroundColor: p.surface, borderColor: p.border, textStyle: { color: p.text, fontSize: 12 },
      extraCssText: 'max-width: min(340px, 78vw); max-height: 70%; overflow: hidden; white-space: normal; box-shadow: 0 4px 14px rgba(0,0,0,.18);',
      confine: true,
    },
    // The legend is drawn as buttons beside the chart (see legend()); this one only keeps what is shown.
    legend: { show: false },
  };
}

/**
 * A value axis of counts: one notation for every tick (12K beside 9K, never beside 9,000).
 * @param {Palette} p
 * @param {number[]} values  what the axis spans
 */
function countAxis(p, values) {
  return { type: 'value', ...axisStyle(p), axisLabel: { color: p.muted, hideOverlap: true, formatter: countFormat(values) } };
}

/** @param {Palette} p */
function axisStyle(p) {
  return {
    axisLine: { lineStyle: { color: p.border } },
    axisLabel: { color: p.muted, hideOverlap: true },
    splitLine: { lineStyle: { color: p.border, type: 'dashed' } },
  };
}

/**
 * @param {{ period_start: string }} row
 * @param {Grain} grain
 */
function periodLabel(row, grain) {
  if (grain === 'month') return row.period_start.slice(0, 7);
  return row.period_start;
}

/**
 * A definition in a tooltip (left out on phones, where tooltips must stay short).
 * @param {Record<string, string>} defs
 * @param {string} key
 */
function defLine(defs, key) {
  const d = defs[key];
  return d && !phone.matches ? `<div style="color:inherit;opacity:.75;font-size:11px;margin:1px 0 4px">${escapeHtml(d)}</div>` : '';
}

/**
 * A row of a tooltip: marker, label, value.
 * @param {string} marker
 * @param {string} name
 * @param {string} value
 */
function tipRow(marker, name, value) {
  return `<div style="display:flex;justify-content:space-between;gap:14px"><span>${marker}${escapeHtml(name)}</span><b>${value}</b></div>`;
}

/**
 * The latest complete period of summary rows (or the latest), for what a chart's label reads out.
 * @template {{ complete: boolean }} R
 * @param {R[]} rows
 */
function latest(rows) {
  return rows.findLast((r) => r.complete) ?? rows.at(-1);
}

/**
 * Draws a chart and what it says besides its canvas.
 * @param {HTMLElement} el
 * @param {object} option  ECharts' option, without aria and legend data
 * @param {Described} d
 */
function draw(el, option, d) {
  const chart = chartFor(el);
  described.set(el, d);
  el.setAttribute('aria-label', d.label);
  if (!d.rows.length && d.empty) {
    // No bare axes: a chart with nothing to draw says so.
    const p = palette();
    chart.clear();
    chart.setOption({ title: { text: d.empty, left: 'center', top: 'middle', textStyle: { color: p.muted, fontSize: 13, fontWeight: 'normal' } } }, true);
  } else {
    chart.setOption({
      ...option,
      // ECharts writes this label on the chart's element; decals are the bars' second channel.
      aria: { enabled: true, label: { description: d.label }, decal: { show: true } },
      legend: { ...base(palette()).legend, data: (d.keys ?? []).map((k) => k.name), selected: Object.fromEntries((d.keys ?? []).map((k) => [k.name, !k.off])) },
    }, true);
  }
  extras(el, chart, d);
}

/**
 * The parts of a chart outside its canvas, made once per chart element: the legend's buttons
 * before it; after it, the data table, the downloads and a live region for the keyboard.
 * @param {HTMLElement} el
 * @param {echarts.ECharts} chart
 * @param {Described} d
 */
function extras(el, chart, d) {
  const title = titleOf(el);
  if (!el.dataset.extras) {
    el.dataset.extras = '1';
    el.tabIndex = 0;
    el.setAttribute('aria-describedby', 'chart-keys');
    const legend = document.createElement('div');
    legend.className = 'chart-legend';
    legend.setAttribute('role', 'group');
    legend.setAttribute('aria-label', `Series of ${title}`);
    el.before(legend);
    const foot = document.createElement('div');
    foot.className = 'chart-foot';
    foot.innerHTML = `<details class="chart-data"><summary>Data table</summary><div class="table-wrap" tabindex="0" role="region" aria-label="${escapeHtml(title)}: data table"><table></table></div></details>
      <span class="chart-export">${['png', 'svg'].map((t) => `<button type="button" class="chip-btn" data-export="${t}" data-testid="${el.dataset.testid}-${t}" aria-label="Download ${escapeHtml(title)} as ${t.toUpperCase()}">${t.toUpperCase()}</button>`).join('')}</span>
      <p class="sr-only" aria-live="polite"></p>`;
    el.after(foot);
    const details = /** @type {HTMLDetailsElement} */ (foot.querySelector('details'));
    details.addEventListener('toggle', () => { if (details.open) fillTable(el); });
    foot.addEventListener('click', (e) => {
      const button = e.target instanceof Element ? e.target.closest('button[data-export]') : null;
      if (button instanceof HTMLButtonElement) exportChart(el, /** @type {'png' | 'svg'} */ (button.dataset.export), button);
    });
    el.addEventListener('keydown', (e) => walk(el, e));
    el.addEventListener('blur', () => charts.get(el)?.dispatchAction({ type: 'hideTip' }));
  }
  legend(el, chart, d);
  const details = /** @type {HTMLDetailsElement} */ (el.nextElementSibling?.querySelector('details'));
  if (details?.open) fillTable(el);
  el.dataset.at = '';
}

/**
 * A chart's title, for labels and file names: its data-title, or its figure's or card's heading.
 * @param {HTMLElement} el
 */
function titleOf(el) {
  const heading = el.dataset.title ?? el.closest('figure')?.querySelector('figcaption b')?.textContent
    ?? el.previousElementSibling?.closest('div')?.querySelector('h4')?.textContent
    ?? el.closest('section')?.querySelector('h3')?.textContent;
  return (heading ?? 'chart').trim();
}

/**
 * The legend as buttons (aria-pressed): each shows or hides its series, by mouse or keyboard.
 * @param {HTMLElement} el
 * @param {echarts.ECharts} chart
 * @param {Described} d
 */
function legend(el, chart, d) {
  const box = /** @type {HTMLElement} */ (el.previousElementSibling);
  const keys = d.rows.length ? d.keys ?? [] : [];
  box.hidden = !keys.length;
  box.replaceChildren(...keys.map((k) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'legend-key';
    button.setAttribute('aria-pressed', String(!k.off));
    const swatch = k.mark === 'bar'
      ? `<rect x="4" y="1" width="14" height="10" rx="2" fill="${k.color}"/>`
      : `<line x1="1" y1="6" x2="21" y2="6" stroke="${k.color}" stroke-width="2.2" stroke-dasharray="${k.dash === 'dashed' ? '5 3' : k.dash === 'dotted' ? '1.5 2.5' : 'none'}"/>${marker(k.symbol, k.color)}`;
    button.innerHTML = `<svg width="22" height="12" aria-hidden="true">${swatch}</svg>${escapeHtml(k.text ?? label(k.name))}`;
    button.addEventListener('click', () => {
      chart.dispatchAction({ type: 'legendToggleSelect', name: k.name });
      button.setAttribute('aria-pressed', String(button.getAttribute('aria-pressed') !== 'true'));
    });
    return button;
  }));
}

/**
 * A line's marker in a legend key.
 * @param {string | undefined} symbol
 * @param {string} color
 */
function marker(symbol, color) {
  switch (symbol) {
    case 'rect': return `<rect x="8" y="3" width="6" height="6" fill="${color}"/>`;
    case 'triangle': return `<path d="M11 2 L15 10 L7 10 Z" fill="${color}"/>`;
    case 'diamond': return `<path d="M11 1 L15 6 L11 11 L7 6 Z" fill="${color}"/>`;
    case 'circle': return `<circle cx="11" cy="6" r="3" fill="${color}"/>`;
    case undefined: return '';
    default: return `<rect x="8" y="3" width="6" height="6" rx="2" fill="${color}"/>`;
  }
}

/** @param {HTMLElement} el */
function fillTable(el) {
  const d = described.get(el);
  const table = el.nextElementSibling?.querySelector('table');
  if (!d || !table) return;
  const cell = (/** @type {Cell} */ v) => (v === null ? '' : typeof v === 'number' ? fmtCell(v) : escapeHtml(v));
  table.innerHTML = `<caption class="sr-only">${escapeHtml(d.label)}</caption><thead><tr>${d.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr></thead>
    <tbody>${d.rows.map((r) => `<tr>${r.map((v, i) => (i === 0 ? `<th scope="row">${cell(v)}</th>` : `<td>${cell(v)}</td>`)).join('')}</tr>`).join('')}</tbody>`;
}

/**
 * A number of a data table: counts in full, shares in percent.
 * @param {number} v
 */
function fmtCell(v) {
  return Number.isInteger(v) ? fmtInt(v) : fmtPct(v);
}

/**
 * The arrow keys walk a focused chart's tooltip through its rows (Home, End; Escape hides it);
 * a live region reads each row.
 * @param {HTMLElement} el
 * @param {KeyboardEvent} e
 */
function walk(el, e) {
  const d = described.get(el);
  const chart = charts.get(el);
  if (!d || !chart || !d.rows.length) return;
  const last = d.rows.length - 1;
  const at = el.dataset.at === '' || el.dataset.at === undefined ? -1 : Number(el.dataset.at);
  const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: last }[e.key];
  if (e.key === 'Escape') {
    chart.dispatchAction({ type: 'hideTip' });
    return;
  }
  if (next === undefined) return;
  e.preventDefault();
  const i = Math.max(0, Math.min(last, at < 0 && next < 0 ? last : next));
  el.dataset.at = String(i);
  chart.dispatchAction(d.tip ? d.tip(i) : { type: 'showTip', seriesIndex: 0, dataIndex: i });
  const live = el.nextElementSibling?.querySelector('[aria-live]');
  if (live) live.textContent = d.rows[i].map((v, k) => `${d.columns[k]}: ${v === null ? 'none' : typeof v === 'number' ? fmtCell(v) : v}`).join(', ');
}

/**
 * Downloads a chart as PNG (as drawn) or SVG (drawn again by the SVG renderer), named after
 * the fact and the chart; focus stays on the button.
 * @param {HTMLElement} el
 * @param {'png' | 'svg'} type
 * @param {HTMLButtonElement} button
 */
function exportChart(el, type, button) {
  const chart = charts.get(el);
  if (!chart) return;
  const p = palette();
  const name = (el.dataset.testid ?? 'chart').replace(/-chart$/, '');
  const fact = document.getElementById('result-title')?.textContent?.split(' · ')[0] ?? 'chart';
  const file = `${fact}_${name}.${type}`;
  if (type === 'png') {
    const url = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: p.surface });
    save(Uint8Array.from(atob(url.split(',')[1]), (c) => c.charCodeAt(0)), file, 'image/png');
  } else {
    const box = document.createElement('div');
    const svg = echarts.init(box, null, { renderer: 'svg', width: el.clientWidth, height: el.clientHeight });
    svg.setOption({ ...chart.getOption(), animation: false, backgroundColor: p.surface });
    save(svg.renderToSVGString(), file, 'image/svg+xml');
    svg.dispose();
  }
  button.focus();
}

/**
 * PostHog-style lifecycle: new, retained, reactivated above zero; churned below.
 * `compact` draws a small multiple (no legend, no zoom); `onBar` hears clicks on bars;
 * `percent` draws each state as a share of the period's active users (churned: of the
 * period before's, the engine's churn rate); `through` is the last day with data, so that
 * the zoom never opens on periods after it.
 * @param {HTMLElement} el
 * @param {SummaryRow[]} summary
 * @param {SummaryChart & { compact?: boolean, onBar?: OnBar, percent?: boolean, lastData?: string | null }} opts
 */
export function lifecycle(el, summary, { grain, defs, compact = false, onBar, percent = false, lastData = null }) {
  const p = palette();
  const labels = summary.map((r) => periodLabel(r, grain));
  const faded = (/** @type {SummaryRow} */ row) => (row.complete ? 1 : 0.45);
  /** @type {BarState[]} */
  const STATES = ['new', 'retained', 'reactivated', 'churned'];
  const colour = { new: p.new, retained: p.retained, reactivated: p.reactivated, churned: p.churned };
  /** @param {SummaryRow} r @param {BarState} k */
  const value = (r, k) => {
    if (!percent) return k === 'churned' ? -r.churned : r[k];
    if (k === 'churned') return r.churn_rate === null ? null : -r.churn_rate;
    return r.active ? r[k] / r.active : null;
  };
  const series = STATES.map((key) => ({
    name: key, type: 'bar', stack: key === 'churned' ? 'gone' : 'active', color: colour[key], barMaxWidth: 36,
    ...(key === 'churned' ? { barGap: '-100%' } : {}),
    data: summary.map((r) => ({ value: value(r, key), itemStyle: { opacity: faded(r) } })),
  }));
  const chart = chartFor(el);
  // The zoom opens on the last 30 periods with data (a "through" far ahead adds empty ones after them).
  const withData = lastData ? summary.filter((r) => r.period_start <= lastData).length : summary.length;
  const zoom = !compact && summary.length > 30;
  chart.off('click');
  if (onBar) {
    chart.on('click', { seriesType: 'bar' }, (it) => {
      // The series are named after the summary columns they draw.
      onBar({ period: summary[it.dataIndex].period_start, state: /** @type {BarState} */ (it.seriesName) });
    });
  }
  const show = (/** @type {SummaryRow} */ r, /** @type {BarState} */ k) => (percent ? fmtPct(Math.abs(value(r, k) ?? NaN)) : fmtInt(r[k]));
  const row = latest(summary);
  const what = percent ? 'as shares of each period\'s active users (churned: of the period before\'s)' : 'users per state';
  draw(el, {
    ...base(p),
    grid: compact
      ? { left: 4, right: 8, top: 10, bottom: 4, containLabel: true }
      : { left: 8, right: 16, top: 12, bottom: zoom ? 56 : 24, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (/** @type {AxisItem[]} */ items) => {
        const r = summary[items[0].dataIndex];
        const lines = items.map((it) => `${tipRow(it.marker, label(it.seriesName), show(r, /** @type {BarState} */ (it.seriesName)))}${defLine(defs, it.seriesName)}`);
        return `<b>${r.period_start} – ${r.period_end}</b>${r.complete ? '' : ' <i>(incomplete)</i>'}
          ${lines.join('')}<div style="border-top:1px solid ${p.border};margin-top:4px;padding-top:4px">
          ${label('active')} <b>${fmtInt(r.active)}</b> · ${label('quick_ratio')} <b>${fmtRatio(r.quick_ratio)}</b></div>`;
      },
    },
    xAxis: { type: 'category', data: labels, ...axisStyle(p), splitLine: { show: false } },
    yAxis: percent
      ? { type: 'value', ...axisStyle(p), axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => `${Math.round(Math.abs(v) * 100)}%` } }
      : { ...countAxis(p, summary.flatMap((r) => [r.active, r.churned])), axisLabel: { color: p.muted, hideOverlap: true, formatter: (/** @type {number} */ v) => countFormat(summary.flatMap((r) => [r.active, r.churned]))(Math.abs(v)) } },
    dataZoom: zoom ? [{ type: 'slider', height: 18, bottom: 8, startValue: Math.max(0, withData - 30), endValue: Math.max(0, withData - 1) }, { type: 'inside' }] : [],
    series,
  }, {
    label: row
      ? `Lifecycle per ${grain}, ${summary[0].period_start} to ${summary.at(-1)?.period_start}, ${what}: new, retained and reactivated above zero, churned below. ${row.complete ? 'Latest complete' : 'Latest'} ${grain}, ${row.period_start}: ${STATES.map((k) => `${show(row, k)} ${k}`).join(', ')}.`
      : 'Lifecycle: no reported periods.',
    columns: [grain, ...STATES.map(label)],
    rows: summary.map((r) => [r.period_start, ...STATES.map((k) => (percent ? Math.abs(value(r, k) ?? NaN) : r[k]))].map((v) => (Number.isNaN(v) ? null : v))),
    keys: compact ? [] : STATES.map((k) => ({ name: k, color: colour[k], mark: /** @type {const} */ ('bar') })),
    empty: 'No reported periods',
  });
}

/**
 * One line per segment of one summary metric: counts on their own scale, rates in percent.
 * @param {HTMLElement} el
 * @param {{ name: string, rows: SummaryRow[] }[]} segments  the same periods each
 * @param {keyof SummaryRow} metric
 * @param {SummaryChart} opts
 */
export function compare(el, segments, metric, { grain, defs }) {
  const p = palette();
  const rows = segments[0]?.rows ?? [];
  const ratio = metric === 'quick_ratio';
  const rate = metric.endsWith('_rate');
  const show = (/** @type {number | null} */ v) => (rate ? fmtPct(v) : ratio ? fmtRatio(v) : fmtInt(v));
  const values = segments.flatMap((s) => s.rows.map((r) => /** @type {number} */ (r[metric]) ?? 0));
  const styles = segments.map((_, i) => seriesStyle(p, i));
  const at = rows.findLastIndex((r) => r.complete);
  draw(el, {
    ...base(p),
    grid: { left: 8, right: 16, top: 12, bottom: 8, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis',
      formatter: (/** @type {AxisItem[]} */ items) => {
        const row = rows[items[0].dataIndex];
        return `<b>${row.period_start} – ${row.period_end}</b>${row.complete ? '' : ' <i>(incomplete)</i>'} · ${label(metric)}${defLine(defs, metric)}` +
          items.map((it) => tipRow(it.marker, it.seriesName, show(it.value))).join('');
      },
    },
    xAxis: { type: 'category', data: rows.map((r) => periodLabel(r, grain)), ...axisStyle(p), splitLine: { show: false } },
    yAxis: rate || ratio
      ? { type: 'value', ...axisStyle(p), axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => (rate ? `${Math.round(v * 100)}%` : fmtRatio(v)) } }
      : countAxis(p, values),
    series: segments.map((s, i) => ({
      name: s.name, type: 'line', symbolSize: 6, connectNulls: false, color: styles[i].color, symbol: styles[i].symbol,
      lineStyle: { type: styles[i].dash, width: 2 },
      data: s.rows.map((r) => r[metric]),
    })),
  }, {
    label: `${label(metric)} per ${grain}, one line per segment: ${segments.map((s) => s.name).join(', ')}.${at >= 0 ? ` ${rows[at].period_start}: ${segments.map((s) => `${s.name} ${show(/** @type {number | null} */ (s.rows[at][metric]))}`).join(', ')}.` : ''}`,
    columns: [grain, ...segments.map((s) => s.name)],
    rows: rows.map((r, i) => [r.period_start, ...segments.map((s) => /** @type {number | null} */ (s.rows[i][metric]))]),
    keys: segments.map((s, i) => ({ name: s.name, text: s.name, mark: /** @type {const} */ ('line'), ...styles[i] })),
    empty: 'No reported periods',
  });
}

/**
 * Active users (bars) and quick ratio (line, right axis, reference at 1).
 * @param {HTMLElement} el
 * @param {SummaryRow[]} summary
 * @param {SummaryChart} opts
 */
export function activeAndQuick(el, summary, { grain, defs }) {
  const p = palette();
  const row = latest(summary);
  draw(el, {
    ...base(p),
    grid: { left: 8, right: 8, top: 12, bottom: 8, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis',
      formatter: (/** @type {AxisItem[]} */ items) => {
        const r = summary[items[0].dataIndex];
        return `<b>${r.period_start} – ${r.period_end}</b>${r.complete ? '' : ' <i>(incomplete)</i>'}
          ${tipRow('', label('active'), fmtInt(r.active))}${defLine(defs, 'active')}
          ${tipRow('', label('quick_ratio'), fmtRatio(r.quick_ratio))}${defLine(defs, 'quick_ratio')}
          ${tipRow('', label('total_users'), fmtInt(r.total_users))}`;
      },
    },
    xAxis: { type: 'category', data: summary.map((r) => periodLabel(r, grain)), ...axisStyle(p), splitLine: { show: false } },
    yAxis: [
      countAxis(p, summary.map((r) => r.active)),
      { type: 'value', ...axisStyle(p), splitLine: { show: false }, min: 0, axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => fmtRatio(v) } },
    ],
    series: [
      {
        name: 'active', type: 'bar', color: p.active, barMaxWidth: 28,
        data: summary.map((r) => ({ value: r.active, itemStyle: { opacity: r.complete ? 0.8 : 0.35 } })),
      },
      {
        name: 'quick_ratio', type: 'line', yAxisIndex: 1, color: p.quick, smooth: false, symbol: 'diamond', symbolSize: 7, connectNulls: false,
        lineStyle: { type: 'dashed', width: 2 },
        data: summary.map((r) => r.quick_ratio),
        markLine: { silent: true, symbol: 'none', lineStyle: { color: p.muted, type: 'dotted' }, label: { color: p.muted, position: 'insideStartTop', formatter: 'quick ratio 1' }, data: [{ yAxis: 1 }] },
      },
    ],
  }, {
    label: row
      ? `Active users (bars) and quick ratio (line) per ${grain}, ${summary[0].period_start} to ${summary.at(-1)?.period_start}. ${row.period_start}: ${fmtInt(row.active)} active, quick ratio ${fmtRatio(row.quick_ratio)}.`
      : 'Active users and quick ratio: no reported periods.',
    columns: [grain, label('active'), label('quick_ratio'), label('total_users')],
    rows: summary.map((r) => [r.period_start, r.active, r.quick_ratio === null ? null : fmtRatio(r.quick_ratio), r.total_users]),
    keys: [
      { name: 'active', color: p.active, mark: 'bar' },
      { name: 'quick_ratio', color: p.quick, mark: 'line', dash: 'dashed', symbol: 'diamond' },
    ],
    empty: 'No reported periods',
  });
}

/**
 * Retention, churn and reactivation rates over time.
 * @param {HTMLElement} el
 * @param {SummaryRow[]} summary
 * @param {SummaryChart} opts
 */
export function rates(el, summary, { grain, defs }) {
  const p = palette();
  /** @type {['retention_rate' | 'churn_rate' | 'reactivation_rate', string, string, string][]} */
  const keys = [['retention_rate', p.retained, 'solid', 'circle'], ['churn_rate', p.churned, 'dashed', 'rect'], ['reactivation_rate', p.reactivated, 'dotted', 'triangle']];
  const row = latest(summary);
  draw(el, {
    ...base(p),
    grid: { left: 8, right: 12, top: 12, bottom: 8, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis',
      formatter: (/** @type {AxisItem[]} */ items) => {
        const r = summary[items[0].dataIndex];
        return `<b>${r.period_start} – ${r.period_end}</b>${r.complete ? '' : ' <i>(incomplete)</i>'}` +
          items.map((it) => `${tipRow(it.marker, label(it.seriesName), fmtPct(r[/** @type {'churn_rate'} */ (it.seriesName)]))}${defLine(defs, it.seriesName)}`).join('');
      },
    },
    xAxis: { type: 'category', data: summary.map((r) => periodLabel(r, grain)), ...axisStyle(p), splitLine: { show: false } },
    yAxis: { type: 'value', ...axisStyle(p), axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => `${Math.round(v * 100)}%` } },
    series: keys.map(([k, color, dash, symbol]) => ({
      name: k, type: 'line', color, symbol, symbolSize: 6, connectNulls: false, lineStyle: { type: dash, width: 2 }, data: summary.map((r) => r[k]),
    })),
  }, {
    label: row
      ? `Retention, churn and reactivation rates per ${grain}, ${summary[0].period_start} to ${summary.at(-1)?.period_start}. ${row.period_start}: ${keys.map(([k]) => `${label(k).toLowerCase()} ${fmtPct(row[k])}`).join(', ')}.`
      : 'Rates: no reported periods.',
    columns: [grain, ...keys.map(([k]) => label(k))],
    rows: summary.map((r) => [r.period_start, ...keys.map(([k]) => r[k])]),
    keys: keys.map(([name, color, dash, symbol]) => ({ name, color, dash, symbol, mark: /** @type {const} */ ('line') })),
    empty: 'No reported periods',
  });
}

/**
 * @param {Palette} p
 * @returns {Record<string, string>}
 */
const STATE_COLOR = (p) => ({ new: p.new, retained: p.retained, reactivated: p.reactivated, inactive: p.churned, start: p.muted });

/**
 * Transition flow of one period: previous state -> state (from the transitions table).
 * @param {HTMLElement} el
 * @param {TransitionRow[]} rows
 * @param {{ includeDormant: boolean, defs: Record<string, string>, period: string }} opts
 */
export function sankey(el, rows, { includeDormant, defs, period }) {
  const p = palette();
  const colors = STATE_COLOR(p);
  const links = [];
  const used = new Set();
  /** @type {[string, string][]} */
  const LEFT = [['first seen', 'start'], ['new (before)', 'new'], ['retained (before)', 'retained'], ['reactivated (before)', 'reactivated'], ['inactive (before)', 'inactive']];
  /** @type {[string, string][]} */
  const RIGHT = [['new', 'new'], ['retained', 'retained'], ['reactivated', 'reactivated'], ['churned', 'inactive'], ['dormant', 'inactive']];
  for (const r of rows) {
    if (!r.users) continue;
    if (r.from_state === 'inactive' && r.to_state === 'inactive' && !includeDormant) continue;
    const from = r.from_state ? `${r.from_state} (before)` : 'first seen';
    const to = r.to_state === 'inactive' ? (r.from_state === 'inactive' ? 'dormant' : 'churned') : r.to_state;
    used.add(from);
    used.add(to);
    links.push({ source: from, target: to, value: r.users, transition: r.from_state ? `${r.from_state}_to_${r.to_state}` : 'new', to: r.to_state });
  }
  const node = (/** @type {[string, string]} */ [name, st], /** @type {number} */ depth) => ({ name, depth, itemStyle: { color: colors[st], borderColor: colors[st] } });
  const nodes = [...LEFT.filter(([n]) => used.has(n)).map((n) => node(n, 0)), ...RIGHT.filter(([n]) => used.has(n)).map((n) => node(n, 1))];
  const narrow = el.clientWidth < 420;
  draw(el, {
    ...base(p),
    tooltip: {
      ...base(p).tooltip, trigger: 'item',
      formatter: (/** @type {{ dataType: string, name: string, value: number, data: { transition: string, value: number, to: string } }} */ it) => it.dataType === 'edge'
        ? `<b>${escapeHtml(label(it.data.transition))}</b>: <b>${fmtInt(it.data.value)}</b> users${defLine(defs, `state:${it.data.to}`)}`
        : `<b>${escapeHtml(it.name)}</b>: ${fmtInt(it.value)} users`,
    },
    series: [{
      // Labels sit beside their nodes: the left column's to the right, the right column's to the left of the margin kept for them.
      // On a phone the count goes under the name, so that the labels fit their margin.
      type: 'sankey', left: 8, right: narrow ? 86 : 130, top: 10, bottom: 10, nodeWidth: 14, nodeGap: 12, draggable: false, layoutIterations: 0,
      emphasis: { focus: 'adjacency' },
      label: { color: p.text, fontSize: narrow ? 11 : 12, lineHeight: 14, distance: 6, formatter: (/** @type {{ name: string, value: number }} */ it) => `${it.name}${narrow ? '\n' : '  '}${fmtInt(it.value)}` },
      levels: [{ depth: 0, label: { position: 'right' } }, { depth: 1, label: { position: 'right' } }],
      lineStyle: { color: 'gradient', opacity: 0.35, curveness: 0.5 },
      data: nodes, links,
    }],
  }, {
    label: links.length
      ? `Transitions into the period of ${period}, from each user's state the period before: ${links.map((l) => `${label(l.transition)} ${fmtInt(l.value)}`).join(', ')}.`
      : `No transitions in the period of ${period || 'none'}.`,
    columns: ['transition', 'users'],
    rows: links.map((l) => [label(l.transition), l.value]),
    tip: (i) => ({ type: 'showTip', seriesIndex: 0, dataType: 'edge', dataIndex: i }),
    empty: 'No transitions in this period',
  });
}

/**
 * Cohort retention: cohorts down, periods since first across, a page of each at a time (the
 * caller pages through every cohort and period; the caption says which are shown).
 * @param {HTMLElement} el
 * @param {CohortRow[]} rows
 * @param {{ grain: Grain, cohorts: string[], since: [number, number] }} opts  the cohorts shown, and the first and last period since first
 */
export function cohorts(el, rows, { grain, cohorts: cohortList, since }) {
  const p = palette();
  const keep = new Set(cohortList);
  const [from, to] = since;
  /** @type {{ value: number[], label?: { color: string } }[]} */
  const cells = [];
  /** @type {Map<string, number>} */
  const size = new Map();
  let maxLater = 0;
  for (const r of rows) {
    if (!keep.has(r.cohort_period)) continue;
    size.set(r.cohort_period, r.cohort_size);
    if (r.periods_since > 0 && r.retention > maxLater) maxLater = r.retention;
    if (r.periods_since < from || r.periods_since > to) continue;
    cells.push({ value: [r.periods_since - from, cohortList.indexOf(r.cohort_period), r.retention, r.active_users, r.cohort_size] });
  }
  const maxV = maxLater || 1;
  const dark = document.documentElement.dataset.theme === 'dark';
  for (const c of cells) {
    const strong = Math.min(1, c.value[2] / maxV) > 0.55;
    c.label = { color: strong ? (dark ? '#0b1020' : '#ffffff') : p.text };
  }
  const width = to - from + 1;
  const showLabels = el.clientWidth / (width + 2) >= 26 && cohortList.length <= 26;
  const name = (/** @type {string} */ c) => (grain === 'month' ? c.slice(0, 7) : c);
  const first = cohortList.at(-1);
  const latestCell = first ? rows.filter((r) => r.cohort_period === first).at(-1) : undefined;
  draw(el, {
    ...base(p),
    grid: { left: 8, right: 8, top: 8, bottom: 44, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'item',
      formatter: (/** @type {{ data: { value: number[] } }} */ it) => {
        const [x, ci, retention, active, cohortSize] = it.data.value;
        return `cohort <b>${name(cohortList[ci])}</b> (${fmtInt(cohortSize)} users)<br>${grain} ${x + from}: <b>${fmtPct(retention)}</b> active (${fmtInt(active)})`;
      },
    },
    xAxis: { type: 'category', data: Array.from({ length: width }, (_, i) => String(i + from)), name: `${grain}s since first`, nameLocation: 'middle', nameGap: 24, nameTextStyle: { color: p.muted }, ...axisStyle(p), splitLine: { show: false } },
    yAxis: {
      type: 'category', inverse: true, data: cohortList.map((c) => `${name(c)} · ${fmtInt(size.get(c))}`),
      ...axisStyle(p), splitLine: { show: false }, axisLabel: { color: p.muted, fontSize: 11 },
    },
    visualMap: {
      show: false, min: 0, max: maxV, dimension: 2,
      inRange: { color: [p.surface2, p.cohortMid, p.accent] },
    },
    series: [{
      type: 'heatmap', data: cells, itemStyle: { borderColor: p.surface, borderWidth: 1 },
      label: { show: showLabels, fontSize: 10, formatter: (/** @type {{ data: { value: number[] } }} */ it) => `${Math.round(it.data.value[2] * 100)}` },
      emphasis: { itemStyle: { borderColor: p.text, borderWidth: 1 } },
    }],
  }, {
    label: cohortList.length
      ? `Cohort retention: the share of each cohort (users first active in a ${grain}) active N ${grain}s later; cohorts ${name(cohortList[0])} to ${name(cohortList.at(-1) ?? '')}, ${grain}s ${from} to ${to} since first.${latestCell ? ` Newest cohort shown, ${name(latestCell.cohort_period)}: ${fmtInt(latestCell.cohort_size)} users, ${fmtPct(latestCell.retention)} active ${latestCell.periods_since} ${grain}s later.` : ''}`
      : 'Cohort retention: no cohorts.',
    columns: ['cohort', 'users', ...Array.from({ length: width }, (_, i) => `${grain} ${i + from}`)],
    rows: cohortList.map((c) => [name(c), size.get(c) ?? null, ...Array.from({ length: width }, (_, i) => rows.find((r) => r.cohort_period === c && r.periods_since === i + from)?.retention ?? null)]),
    tip: (i) => ({ type: 'showTip', seriesIndex: 0, dataIndex: cells.findIndex((c) => c.value[1] === i) }),
    empty: 'No cohorts',
  });
}

/**
 * One distribution: ended vs ongoing counts by length in periods.
 * @param {HTMLElement} el
 * @param {Bucket[]} ended
 * @param {Bucket[] | null} ongoing
 * @param {{ labels: string[], colors: string[], unit: Grain, log?: boolean, maxBars?: number, what: string }} opts
 */
export function distribution(el, ended, ongoing, { labels, colors, unit, log = false, maxBars = 30, what }) {
  const p = palette();
  const all = [...ended, ...(ongoing || [])];
  const top = Math.min(Math.max(1, ...all.map((b) => b.periods)), maxBars);
  const lo = Math.min(...all.map((b) => b.periods), 1);
  const xs = Array.from({ length: top - lo + 1 }, (_, i) => lo + i);
  const pick = (/** @type {Bucket[]} */ list) => {
    const m = new Map(list.map((b) => [b.periods, b.count]));
    // The last bar holds everything longer (labelled "N+").
    const tail = list.filter((b) => b.periods > top).reduce((s, b) => s + b.count, 0);
    return xs.map((x) => (m.get(x) || 0) + (x === top ? tail : 0));
  };
  const hasTail = all.some((b) => b.periods > top);
  const names = xs.map((x) => (hasTail && x === top ? `${x}+` : String(x)));
  const counts = [pick(ended), ...(ongoing ? [pick(ongoing)] : [])];
  // A log scale has no 0: empty bars are left out.
  const drawn = (/** @type {number[]} */ c) => (log ? c.map((v) => (v > 0 ? v : null)) : c);
  const series = counts.map((c, i) => ({
    name: labels[i], type: 'bar', stack: log ? undefined : 'd', color: colors[i], data: drawn(c), barMaxWidth: 22,
  }));
  const total = counts.map((c) => c.reduce((s, v) => s + v, 0));
  draw(el, {
    ...base(p),
    grid: { left: 4, right: 8, top: 10, bottom: 20, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (/** @type {AxisItem[]} */ items) => `<b>${items[0].name} ${unit}${items[0].name === '1' ? '' : 's'}</b>` +
        items.map((it) => tipRow(it.marker, it.seriesName, fmtInt(it.value))).join(''),
    },
    xAxis: { type: 'category', data: names, ...axisStyle(p), splitLine: { show: false } },
    yAxis: log
      ? { type: 'log', min: 1, logBase: 10, ...axisStyle(p), axisLabel: { color: p.muted, formatter: countFormat(counts.flat()) } }
      : countAxis(p, counts.flat()),
    series,
  }, {
    label: total.some((n) => n > 0)
      ? `${what}, in ${unit}s${log ? ' (log scale)' : ''}: ${labels.map((l, i) => `${fmtInt(total[i])} ${l}`).join(', ')}; lengths 1 to ${names.at(-1)}.`
      : `${what}: none.`,
    columns: [`${unit}s`, ...labels],
    rows: total.some((n) => n > 0) ? names.map((n, x) => [n, ...counts.map((c) => c[x])]) : [],
    keys: labels.map((l, i) => ({ name: l, text: l, color: colors[i], mark: /** @type {const} */ ('bar') })),
    empty: 'None in these periods',
  });
}

/**
 * Rolling activity (SPEC section 12): daily active users and the users of
 * each trailing window (left axis, solid lines) and each window's
 * stickiness (right axis, dashed, the window's colour). Days whose window
 * starts before the first day of history (`complete_{N}d` false: fewer days
 * could count) are drawn lighter, as series named `incomplete window` (one
 * legend entry; the tooltip says it too).
 * @param {HTMLElement} el
 * @param {ActivityRow[]} rows
 * @param {{ windows: number[], defs: Record<string, string> }} opts
 */
export function rolling(el, rows, { windows, defs }) {
  const p = palette();
  const INCOMPLETE = 'incomplete window';
  const style = (/** @type {number} */ i) => seriesStyle(p, i);
  /** @type {object[]} */
  const series = [{
    id: 'active_1d', name: 'active_1d', type: 'line', color: style(0).color, symbol: style(0).symbol, symbolSize: 5, showSymbol: rows.length <= 60,
    lineStyle: { width: 1.5 }, data: rows.map((r) => r.active_1d),
  }];
  /**
   * A window's column, split in two series: complete days, and incomplete days (lighter).
   * Each keeps its neighbour's point so the line stays joined.
   */
  const split = (/** @type {string} */ column, /** @type {number} */ n, /** @type {number} */ i, /** @type {object} */ extra) => {
    const done = rows.map((r) => r[`complete_${n}d`] === true);
    const at = (/** @type {number} */ k) => /** @type {number | null} */ (rows[k][column]);
    const common = { type: 'line', color: style(i).color, symbol: style(i).symbol, symbolSize: 5, showSymbol: rows.length <= 60, connectNulls: false, ...extra };
    series.push({ id: column, name: column, ...common, data: rows.map((_, k) => (done[k] ? at(k) : null)) });
    if (done.some((d) => !d)) {
      series.push({
        id: `${column}:incomplete`, name: INCOMPLETE, ...common, itemStyle: { opacity: 0.4 },
        lineStyle: { ...(/** @type {{ lineStyle?: object }} */ (extra).lineStyle), opacity: 0.4 },
        data: rows.map((_, k) => (!done[k] || !done[k - 1] || !done[k + 1] ? at(k) : null)),
      });
    }
  };
  windows.forEach((n, w) => split(`active_${n}d`, n, w + 1, { lineStyle: { width: 2 } }));
  windows.forEach((n, w) => split(`stickiness_${n}d`, n, w + 1, { yAxisIndex: 1, lineStyle: { width: 1.5, type: 'dashed' } }));
  const zoom = rows.length > 120;
  const last = rows.at(-1);
  const longest = windows.at(-1);
  /** @type {Key[]} */
  const keys = [
    { name: 'active_1d', color: style(0).color, mark: 'line', dash: 'solid', symbol: style(0).symbol },
    ...windows.map((n, w) => /** @type {Key} */ ({ name: `active_${n}d`, color: style(w + 1).color, mark: 'line', dash: 'solid', symbol: style(w + 1).symbol })),
    // DAU/MAU (the longest window) shows; the shorter windows' stickiness is a click away.
    ...windows.map((n, w) => /** @type {Key} */ ({ name: `stickiness_${n}d`, color: style(w + 1).color, mark: 'line', dash: 'dashed', symbol: style(w + 1).symbol, off: n !== longest })),
  ];
  if (series.some((s) => /** @type {{ name: string }} */ (s).name === INCOMPLETE)) keys.push({ name: INCOMPLETE, text: 'incomplete window (lighter)', color: p.muted, mark: 'line', dash: 'solid' });
  draw(el, {
    ...base(p),
    grid: { left: 8, right: 8, top: 12, bottom: zoom ? 56 : 8, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis',
      formatter: (/** @type {AxisItem[]} */ items) => {
        const row = rows[items[0].dataIndex];
        const lines = [tipRow('', label('active_1d'), fmtInt(row.active_1d))];
        for (const n of windows) {
          const complete = row[`complete_${n}d`] === true;
          lines.push(`${tipRow('', label(`active_${n}d`), fmtInt(/** @type {number} */ (row[`active_${n}d`])))}
            ${tipRow('', label(`stickiness_${n}d`), fmtPct(/** @type {number | null} */ (row[`stickiness_${n}d`])))}${complete ? '' : '<div><i>window incomplete</i></div>'}`);
        }
        const incomplete = windows.some((n) => row[`complete_${n}d`] !== true);
        return `<b>${row.date}</b>${lines.join('')}${incomplete ? defLine(defs, 'col:activity:complete_{N}d') : ''}`;
      },
    },
    xAxis: { type: 'category', data: rows.map((r) => r.date), ...axisStyle(p), splitLine: { show: false } },
    yAxis: [
      { ...countAxis(p, rows.flatMap((r) => windows.map((n) => /** @type {number} */ (r[`active_${n}d`])))), min: 0 },
      { type: 'value', ...axisStyle(p), min: 0, splitLine: { show: false }, axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => `${Math.round(v * 100)}%` } },
    ],
    dataZoom: zoom ? [{ type: 'slider', height: 18, bottom: 8, start: 0, end: 100 }, { type: 'inside' }] : [],
    series,
  }, {
    label: last
      ? `Daily and rolling active users per day, ${rows[0].date} to ${last.date}, with stickiness. On ${last.date}: ${fmtInt(last.active_1d)} daily active, ${windows.map((n) => `${fmtInt(/** @type {number} */ (last[`active_${n}d`]))} ${n}-day active`).join(', ')}; ${windows.map((n) => `${label(`stickiness_${n}d`)} ${fmtPct(/** @type {number | null} */ (last[`stickiness_${n}d`]))}`).join(', ')}.`
      : 'Active users: no days reported.',
    columns: ['day', label('active_1d'), ...windows.flatMap((n) => [label(`active_${n}d`), label(`stickiness_${n}d`), label(`complete_${n}d`)])],
    rows: rows.map((r) => [r.date, r.active_1d, ...windows.flatMap((n) => [
      /** @type {number} */ (r[`active_${n}d`]), /** @type {number | null} */ (r[`stickiness_${n}d`]), r[`complete_${n}d`] === true ? 'yes' : 'no',
    ])]),
    keys,
    empty: 'No days reported',
  });
}

/**
 * The power-user curve: users by the number of days they were active in
 * one period (weekly or monthly depth, SPEC section 12), beside the period
 * before it (lighter, with another pattern).
 * @param {HTMLElement} el
 * @param {{ period: string, rows: DepthRow[] }[]} periods  the chosen period, then the one before (if any)
 * @param {{ grain: Grain, defs: Record<string, string> }} opts
 */
export function depth(el, periods, { grain, defs }) {
  const p = palette();
  const days = Math.max(0, ...periods.flatMap((x) => x.rows.map((r) => r.days_active)));
  const ks = Array.from({ length: days }, (_, i) => i + 1);
  const totals = periods.map((x) => x.rows.reduce((sum, r) => sum + r.users, 0));
  const colors = [p.accent, p.muted];
  const users = periods.map((x) => new Map(x.rows.map((r) => [r.days_active, r.users])));
  const name = (/** @type {string} */ period, /** @type {number} */ i) => `${grain} of ${period}${i ? ' (previous)' : ''}`;
  draw(el, {
    ...base(p),
    grid: { left: 8, right: 8, top: 12, bottom: 30, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (/** @type {AxisItem[]} */ items) => `<b>${items[0].name} day${items[0].name === '1' ? '' : 's'} active in the ${grain}</b>${defLine(defs, 'col:depth:users')}` +
        items.map((it) => {
          const i = periods.findIndex((x) => x.period === it.seriesName);
          // Shares are for reading only: of the users active in that period.
          return tipRow(it.marker, name(it.seriesName, i), `${fmtInt(it.value)}${totals[i] ? ` (${fmtPct(it.value / totals[i])})` : ''}`);
        }).join(''),
    },
    xAxis: { type: 'category', data: ks.map(String), name: `days active in the ${grain}`, nameLocation: 'middle', nameGap: 26, nameTextStyle: { color: p.muted }, ...axisStyle(p), splitLine: { show: false } },
    yAxis: { ...countAxis(p, periods.flatMap((x) => x.rows.map((r) => r.users))), minInterval: 1 },
    series: periods.map((x, i) => ({
      name: x.period, type: 'bar', barMaxWidth: 26, color: colors[i],
      itemStyle: { opacity: i === 0 ? 0.9 : 0.6 },
      // A month shorter than the other has no bar for its missing days.
      data: ks.map((k) => users[i].get(k) ?? null),
    })),
  }, {
    label: periods.length
      ? `Power-user curve: users by days active in the ${grain} of ${periods[0].period}${periods[1] ? `, beside the ${grain} of ${periods[1].period}` : ''}. ${periods.map((x, i) => `${name(x.period, i)}: ${ks.map((k) => `${fmtInt(users[i].get(k) ?? 0)} on ${k} day${k === 1 ? '' : 's'}`).join(', ')}`).join('; ')}.`
      : 'Power-user curve: no periods.',
    columns: ['days active', ...periods.map((x, i) => name(x.period, i))],
    rows: ks.map((k) => [k, ...users.map((u) => u.get(k) ?? null)]),
    keys: periods.map((x, i) => ({ name: x.period, text: name(x.period, i), color: colors[i], mark: /** @type {const} */ ('bar') })),
    empty: 'No periods',
  });
}
