// @ts-check
// Charts (ECharts, tree-shaken, canvas). Every number drawn here comes from
// the engine's outputs; the page only arranges them. Colours come from the
// CSS variables so light and dark themes stay in one place.
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, SankeyChart } from 'echarts/charts';
import {
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

import { fmtInt, fmtPct, fmtRatio, escapeHtml } from './format.js';
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
 */

echarts.use([
  BarChart, HeatmapChart, LineChart, SankeyChart,
  AriaComponent, DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent,
  TooltipComponent, VisualMapComponent, CanvasRenderer,
]);

/** @type {Map<HTMLElement, echarts.ECharts>} */
const charts = new Map();

function palette() {
  const css = getComputedStyle(document.documentElement);
  const v = (/** @type {string} */ name) => css.getPropertyValue(name).trim();
  return {
    text: v('--text'), muted: v('--muted'), border: v('--border'), surface: v('--surface'), surface2: v('--surface-2'),
    new: v('--c-new'), retained: v('--c-retained'), reactivated: v('--c-reactivated'),
    churned: v('--c-churned'), dormant: v('--c-dormant'), active: v('--c-active'), quick: v('--c-quick'),
    accent: v('--accent'), cohortMid: v('--cohort-mid'),
    series: v('--series').split(',').map((c) => c.trim()),
  };
}

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
    aria: { enabled: true },
    textStyle: { color: p.text, fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
    tooltip: {
      backgroundColor: p.surface, borderColor: p.border, textStyle: { color: p.text, fontSize: 12 },
      extraCssText: 'max-width: 340px; white-space: normal; box-shadow: 0 4px 14px rgba(0,0,0,.18);',
      confine: true,
    },
    legend: { textStyle: { color: p.text }, top: 0, icon: 'roundRect', itemWidth: 12, itemHeight: 10 },
  };
}

/** @param {Palette} p */
function axisStyle(p) {
  return {
    axisLine: { lineStyle: { color: p.border } },
    axisLabel: { color: p.muted },
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
 * @param {Record<string, string>} defs
 * @param {string} key
 */
function defLine(defs, key) {
  const d = defs[key];
  return d ? `<div style="color:inherit;opacity:.75;font-size:11px;margin:1px 0 4px">${escapeHtml(d)}</div>` : '';
}

/**
 * PostHog-style lifecycle: new, retained, reactivated above zero; churned below.
 * `compact` draws a small multiple (no legend, no zoom); `onBar` hears clicks on bars.
 * @param {HTMLElement} el
 * @param {SummaryRow[]} summary
 * @param {SummaryChart & { compact?: boolean, onBar?: OnBar }} opts
 */
export function lifecycle(el, summary, { grain, defs, compact = false, onBar }) {
  const p = palette();
  const labels = summary.map((r) => periodLabel(r, grain));
  const faded = (/** @type {SummaryRow} */ row) => (row.complete ? 1 : 0.45);
  /** @type {['new' | 'retained' | 'reactivated', string][]} */
  const active = [['new', p.new], ['retained', p.retained], ['reactivated', p.reactivated]];
  /** @type {object[]} */
  const series = active.map(([key, color]) => ({
    name: key, type: 'bar', stack: 'active', color, barMaxWidth: 36,
    data: summary.map((r) => ({ value: r[key], itemStyle: { opacity: faded(r) } })),
  }));
  series.push({
    name: 'churned', type: 'bar', stack: 'gone', color: p.churned, barMaxWidth: 36, barGap: '-100%',
    data: summary.map((r) => ({ value: -r.churned, itemStyle: { opacity: faded(r) } })),
  });
  const chart = chartFor(el);
  const zoom = !compact && summary.length > 30;
  chart.off('click');
  if (onBar) {
    chart.on('click', { seriesType: 'bar' }, (it) => {
      // The series are named after the summary columns they draw.
      onBar({ period: summary[it.dataIndex].period_start, state: /** @type {BarState} */ (it.seriesName) });
    });
  }
  chart.setOption({
    ...base(p),
    grid: compact
      ? { left: 4, right: 8, top: 10, bottom: 4, containLabel: true }
      : { left: 8, right: 16, top: 36, bottom: zoom ? 56 : 24, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (/** @type {AxisItem[]} */ items) => {
        const row = summary[items[0].dataIndex];
        const lines = items.map((it) => `<div style="display:flex;justify-content:space-between;gap:14px">
            <span>${it.marker}<b>${it.seriesName}</b></span><b>${fmtInt(Math.abs(it.value))}</b></div>${defLine(defs, it.seriesName)}`);
        return `<b>${row.period_start} – ${row.period_end}</b>${row.complete ? '' : ' <i>(incomplete)</i>'}
          ${lines.join('')}<div style="border-top:1px solid ${p.border};margin-top:4px;padding-top:4px">
          active <b>${fmtInt(row.active)}</b> · quick ratio <b>${fmtRatio(row.quick_ratio)}</b></div>`;
      },
    },
    legend: { ...base(p).legend, show: !compact, data: ['new', 'retained', 'reactivated', 'churned'] },
    xAxis: { type: 'category', data: labels, ...axisStyle(p), splitLine: { show: false } },
    yAxis: { type: 'value', ...axisStyle(p), axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => fmtInt(Math.abs(v), true) } },
    dataZoom: zoom ? [{ type: 'slider', height: 18, bottom: 8, start: Math.max(0, 100 - (3000 / summary.length)), end: 100 }, { type: 'inside' }] : [],
    series,
  }, true);
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
  const chart = chartFor(el);
  chart.setOption({
    ...base(p),
    color: p.series,
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis',
      formatter: (/** @type {AxisItem[]} */ items) => {
        const row = rows[items[0].dataIndex];
        return `<b>${row.period_start} – ${row.period_end}</b>${row.complete ? '' : ' <i>(incomplete)</i>'}${defLine(defs, metric)}` +
          items.map((it) => `<div style="display:flex;justify-content:space-between;gap:14px"><span>${it.marker}${escapeHtml(it.seriesName)}</span><b>${show(it.value)}</b></div>`).join('');
      },
    },
    legend: { ...base(p).legend, type: 'scroll', pageTextStyle: { color: p.muted } },
    xAxis: { type: 'category', data: rows.map((r) => periodLabel(r, grain)), ...axisStyle(p), splitLine: { show: false } },
    yAxis: {
      type: 'value', ...axisStyle(p),
      axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => (rate ? `${Math.round(v * 100)}%` : ratio ? String(v) : fmtInt(v, true)) },
    },
    series: segments.map((s) => ({
      name: s.name, type: 'line', symbolSize: 4, connectNulls: false,
      data: s.rows.map((r) => r[metric]),
    })),
  }, true);
}

/**
 * Active users (bars) and quick ratio (line, right axis, reference at 1).
 * @param {HTMLElement} el
 * @param {SummaryRow[]} summary
 * @param {SummaryChart} opts
 */
export function activeAndQuick(el, summary, { grain, defs }) {
  const p = palette();
  const chart = chartFor(el);
  chart.setOption({
    ...base(p),
    grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis',
      formatter: (/** @type {AxisItem[]} */ items) => {
        const row = summary[items[0].dataIndex];
        return `<b>${row.period_start} – ${row.period_end}</b>${row.complete ? '' : ' <i>(incomplete)</i>'}
          <div>active <b>${fmtInt(row.active)}</b></div>${defLine(defs, 'active')}
          <div>quick ratio <b>${fmtRatio(row.quick_ratio)}</b></div>${defLine(defs, 'quick_ratio')}
          <div>total users <b>${fmtInt(row.total_users)}</b></div>`;
      },
    },
    legend: { ...base(p).legend, data: ['active', 'quick_ratio'] },
    xAxis: { type: 'category', data: summary.map((r) => periodLabel(r, grain)), ...axisStyle(p), splitLine: { show: false } },
    yAxis: [
      { type: 'value', ...axisStyle(p), axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => fmtInt(v, true) } },
      { type: 'value', ...axisStyle(p), splitLine: { show: false }, min: 0 },
    ],
    series: [
      {
        name: 'active', type: 'bar', color: p.active, barMaxWidth: 28, itemStyle: { opacity: 0.85 },
        data: summary.map((r) => ({ value: r.active, itemStyle: { opacity: r.complete ? 0.8 : 0.35 } })),
      },
      {
        name: 'quick_ratio', type: 'line', yAxisIndex: 1, color: p.quick, smooth: false, symbolSize: 5, connectNulls: false,
        data: summary.map((r) => r.quick_ratio),
        markLine: { silent: true, symbol: 'none', lineStyle: { color: p.muted, type: 'dashed' }, label: { color: p.muted, position: 'insideStartTop', formatter: 'quick ratio 1' }, data: [{ yAxis: 1 }] },
      },
    ],
  }, true);
}

/**
 * Retention, churn and reactivation rates over time.
 * @param {HTMLElement} el
 * @param {SummaryRow[]} summary
 * @param {SummaryChart} opts
 */
export function rates(el, summary, { grain, defs }) {
  const p = palette();
  const chart = chartFor(el);
  /** @type {['retention_rate' | 'churn_rate' | 'reactivation_rate', string][]} */
  const keys = [['retention_rate', p.retained], ['churn_rate', p.churned], ['reactivation_rate', p.reactivated]];
  chart.setOption({
    ...base(p),
    grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis',
      formatter: (/** @type {AxisItem[]} */ items) => {
        const row = summary[items[0].dataIndex];
        return `<b>${row.period_start} – ${row.period_end}</b>${row.complete ? '' : ' <i>(incomplete)</i>'}` +
          keys.map(([k]) => `<div>${k} <b>${fmtPct(row[k])}</b></div>${defLine(defs, k)}`).join('');
      },
    },
    legend: { ...base(p).legend, data: keys.map(([k]) => k) },
    xAxis: { type: 'category', data: summary.map((r) => periodLabel(r, grain)), ...axisStyle(p), splitLine: { show: false } },
    yAxis: { type: 'value', ...axisStyle(p), axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => `${Math.round(v * 100)}%` } },
    series: keys.map(([k, color]) => ({
      name: k, type: 'line', color, symbolSize: 4, connectNulls: false, data: summary.map((r) => r[k]),
    })),
  }, true);
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
 * @param {{ includeDormant: boolean, defs: Record<string, string> }} opts
 */
export function sankey(el, rows, { includeDormant, defs }) {
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
  const chart = chartFor(el);
  if (!links.length) {
    chart.clear();
    chart.setOption({ ...base(p), title: { text: 'No transitions in this period', left: 'center', top: 'middle', textStyle: { color: p.muted, fontSize: 13 } } }, true);
    return;
  }
  chart.setOption({
    ...base(p),
    tooltip: {
      ...base(p).tooltip, trigger: 'item',
      formatter: (/** @type {{ dataType: string, name: string, value: number, data: { transition: string, value: number, to: string } }} */ it) => it.dataType === 'edge'
        ? `<b>${escapeHtml(it.data.transition)}</b>: <b>${fmtInt(it.data.value)}</b> users${defLine(defs, `state:${it.data.to}`)}`
        : `<b>${escapeHtml(it.name)}</b>: ${fmtInt(it.value)} users`,
    },
    series: [{
      type: 'sankey', left: 8, right: 130, top: 10, bottom: 10, nodeWidth: 14, nodeGap: 10, draggable: false, layoutIterations: 0,
      emphasis: { focus: 'adjacency' },
      label: { color: p.text, fontSize: 12, formatter: (/** @type {{ name: string, value: number }} */ it) => `${it.name}  ${fmtInt(it.value, true)}` },
      levels: [{ depth: 0, label: { position: 'right' } }, { depth: 1, label: { position: 'right' } }],
      lineStyle: { color: 'gradient', opacity: 0.35, curveness: 0.5 },
      data: nodes, links,
    }],
  }, true);
}

/**
 * Cohort retention triangle: cohorts down, periods since first up to `maxSince` across.
 * @param {HTMLElement} el
 * @param {CohortRow[]} rows
 * @param {{ grain: Grain, maxCohorts?: number, maxSince?: number }} opts
 */
export function cohorts(el, rows, { grain, maxCohorts = 24, maxSince = 24 }) {
  const p = palette();
  const cohortList = [...new Set(rows.map((r) => r.cohort_period))].sort().slice(-maxCohorts);
  const keep = new Set(cohortList);
  const sinceMax = Math.min(maxSince, Math.max(0, ...rows.filter((r) => keep.has(r.cohort_period)).map((r) => r.periods_since)));
  /** @type {{ value: number[], label?: { color: string } }[]} */
  const cells = [];
  /** @type {Map<string, number>} */
  const size = new Map();
  let maxLater = 0;
  for (const r of rows) {
    if (!keep.has(r.cohort_period) || r.periods_since > sinceMax) continue;
    size.set(r.cohort_period, r.cohort_size);
    cells.push({ value: [r.periods_since, cohortList.indexOf(r.cohort_period), r.retention, r.active_users, r.cohort_size] });
    if (r.periods_since > 0 && r.retention > maxLater) maxLater = r.retention;
  }
  const chart = chartFor(el);
  const maxV = maxLater || 1;
  const dark = document.documentElement.dataset.theme === 'dark';
  for (const c of cells) {
    const strong = Math.min(1, c.value[2] / maxV) > 0.55;
    c.label = { color: strong ? (dark ? '#0b1020' : '#ffffff') : p.text };
  }
  const showLabels = el.clientWidth / (sinceMax + 2) >= 26 && cohortList.length <= 26;
  chart.setOption({
    ...base(p),
    grid: { left: 8, right: 8, top: 8, bottom: 44, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'item',
      formatter: (/** @type {{ data: { value: number[] } }} */ it) => {
        const [since, ci, retention, active, cohortSize] = it.data.value;
        return `cohort <b>${cohortList[ci]}</b> (${fmtInt(cohortSize)} users)<br>${grain} ${since}: <b>${fmtPct(retention)}</b> active (${fmtInt(active)})`;
      },
    },
    xAxis: { type: 'category', data: Array.from({ length: sinceMax + 1 }, (_, i) => String(i)), name: `${grain}s since first`, nameLocation: 'middle', nameGap: 24, nameTextStyle: { color: p.muted }, ...axisStyle(p), splitLine: { show: false } },
    yAxis: {
      type: 'category', inverse: true, data: cohortList.map((c) => `${grain === 'month' ? c.slice(0, 7) : c} · ${fmtInt(size.get(c), true)}`),
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
  }, true);
}

/**
 * One distribution: ended vs ongoing counts by length in periods.
 * @param {HTMLElement} el
 * @param {Bucket[]} ended
 * @param {Bucket[] | null} ongoing
 * @param {{ labels: string[], color: string, unit: Grain, maxBars?: number }} opts
 */
export function distribution(el, ended, ongoing, { labels, color, unit, maxBars = 30 }) {
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
  /** @type {object[]} */
  const series = [{ name: labels[0], type: 'bar', stack: 'd', color, data: pick(ended), barMaxWidth: 22 }];
  if (ongoing) series.push({ name: labels[1], type: 'bar', stack: 'd', color, itemStyle: { opacity: 0.4 }, data: pick(ongoing), barMaxWidth: 22 });
  const chart = chartFor(el);
  chart.setOption({
    ...base(p),
    grid: { left: 4, right: 8, top: 28, bottom: 20, containLabel: true },
    tooltip: { ...base(p).tooltip, trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (/** @type {AxisItem[]} */ items) => `<b>${items[0].name} ${unit}${items[0].name === '1' ? '' : 's'}</b>` +
        items.map((it) => `<div>${it.marker}${it.seriesName}: <b>${fmtInt(it.value)}</b></div>`).join('') },
    legend: { ...base(p).legend, textStyle: { color: p.muted, fontSize: 11 }, itemWidth: 10, itemHeight: 8 },
    xAxis: { type: 'category', data: xs.map((x) => (hasTail && x === top ? `${x}+` : String(x))), ...axisStyle(p), splitLine: { show: false } },
    yAxis: { type: 'value', ...axisStyle(p), axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => fmtInt(v, true) } },
    series,
  }, true);
}

/** Marker shapes, one a series: a second channel beside colour. */
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow', 'roundRect'];

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
  const colour = (/** @type {number} */ i) => p.series[i % p.series.length];
  /** @type {object[]} */
  const series = [{
    id: 'active_1d', name: 'active_1d', type: 'line', color: colour(0), symbol: SYMBOLS[0], symbolSize: 5, showSymbol: rows.length <= 60,
    lineStyle: { width: 1.5 }, data: rows.map((r) => r.active_1d),
  }];
  /**
   * A window's column, split in two series: complete days, and incomplete days (lighter).
   * Each keeps its neighbour's point so the line stays joined.
   */
  const split = (/** @type {string} */ column, /** @type {number} */ n, /** @type {number} */ i, /** @type {object} */ style) => {
    const done = rows.map((r) => r[`complete_${n}d`] === true);
    const at = (/** @type {number} */ k) => /** @type {number | null} */ (rows[k][column]);
    const common = { type: 'line', color: colour(i), symbol: SYMBOLS[i % SYMBOLS.length], symbolSize: 5, showSymbol: rows.length <= 60, connectNulls: false, ...style };
    series.push({ id: column, name: column, ...common, data: rows.map((_, k) => (done[k] ? at(k) : null)) });
    if (done.some((d) => !d)) {
      series.push({
        id: `${column}:incomplete`, name: INCOMPLETE, ...common, itemStyle: { opacity: 0.4 },
        lineStyle: { ...(/** @type {{ lineStyle?: object }} */ (style).lineStyle), opacity: 0.4 },
        data: rows.map((_, k) => (!done[k] || !done[k - 1] || !done[k + 1] ? at(k) : null)),
      });
    }
  };
  windows.forEach((n, w) => split(`active_${n}d`, n, w + 1, { lineStyle: { width: 2 } }));
  windows.forEach((n, w) => split(`stickiness_${n}d`, n, w + 1, { yAxisIndex: 1, lineStyle: { width: 1.5, type: 'dashed' } }));
  const names = [...new Set(series.map((s) => /** @type {{ name: string }} */ (s).name))];
  const chart = chartFor(el);
  const zoom = rows.length > 120;
  chart.setOption({
    ...base(p),
    grid: { left: 8, right: 8, top: 56, bottom: zoom ? 56 : 8, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis',
      formatter: (/** @type {AxisItem[]} */ items) => {
        const row = rows[items[0].dataIndex];
        const lines = [`<div>${label('active_1d')} <b>${fmtInt(row.active_1d)}</b></div>`];
        for (const n of windows) {
          const complete = row[`complete_${n}d`] === true;
          lines.push(`<div>${escapeHtml(label(`active_${n}d`))} <b>${fmtInt(/** @type {number} */ (row[`active_${n}d`]))}</b>
            · ${escapeHtml(label(`stickiness_${n}d`))} <b>${fmtPct(/** @type {number | null} */ (row[`stickiness_${n}d`]))}</b>${complete ? '' : ' <i>(window incomplete)</i>'}</div>`);
        }
        const incomplete = windows.some((n) => row[`complete_${n}d`] !== true);
        return `<b>${row.date}</b>${lines.join('')}${incomplete ? defLine(defs, `col:activity:complete_{N}d`) : ''}`;
      },
    },
    legend: {
      ...base(p).legend, type: 'scroll', data: names,
      // DAU/MAU (the longest window) shows; the shorter windows' stickiness is a click away.
      selected: Object.fromEntries(windows.slice(0, -1).map((n) => [`stickiness_${n}d`, false])),
      formatter: (/** @type {string} */ name) => (name === INCOMPLETE ? 'incomplete window (lighter)' : label(name)),
    },
    xAxis: { type: 'category', data: rows.map((r) => r.date), ...axisStyle(p), splitLine: { show: false } },
    yAxis: [
      { type: 'value', ...axisStyle(p), min: 0, axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => fmtInt(v, true) } },
      { type: 'value', ...axisStyle(p), min: 0, splitLine: { show: false }, axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => `${Math.round(v * 100)}%` } },
    ],
    dataZoom: zoom ? [{ type: 'slider', height: 18, bottom: 8, start: 0, end: 100 }, { type: 'inside' }] : [],
    series,
  }, true);
}

/**
 * The power-user curve: users by the number of days they were active in
 * one period (weekly or monthly depth, SPEC section 12), beside the period
 * before it (lighter).
 * @param {HTMLElement} el
 * @param {{ period: string, rows: DepthRow[] }[]} periods  the chosen period, then the one before (if any)
 * @param {{ grain: Grain, defs: Record<string, string> }} opts
 */
export function depth(el, periods, { grain, defs }) {
  const p = palette();
  const days = Math.max(0, ...periods.flatMap((x) => x.rows.map((r) => r.days_active)));
  const ks = Array.from({ length: days }, (_, i) => i + 1);
  const totals = periods.map((x) => x.rows.reduce((sum, r) => sum + r.users, 0));
  const chart = chartFor(el);
  chart.setOption({
    ...base(p),
    grid: { left: 8, right: 8, top: 36, bottom: 30, containLabel: true },
    tooltip: {
      ...base(p).tooltip, trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (/** @type {AxisItem[]} */ items) => `<b>${items[0].name} day${items[0].name === '1' ? '' : 's'} active in the ${grain}</b>${defLine(defs, 'col:depth:users')}` +
        items.map((it) => {
          const i = periods.findIndex((x) => x.period === it.seriesName);
          // Shares are for reading only: of the users active in that period.
          return `<div>${it.marker}${escapeHtml(it.seriesName)}: <b>${fmtInt(it.value)}</b>${totals[i] ? ` (${fmtPct(it.value / totals[i])} of its active users)` : ''}</div>`;
        }).join(''),
    },
    legend: { ...base(p).legend, data: periods.map((x) => x.period), formatter: (/** @type {string} */ name) => `${grain} of ${name}${name === periods[0].period ? '' : ' (previous)'}` },
    xAxis: { type: 'category', data: ks.map(String), name: `days active in the ${grain}`, nameLocation: 'middle', nameGap: 26, nameTextStyle: { color: p.muted }, ...axisStyle(p), splitLine: { show: false } },
    yAxis: { type: 'value', ...axisStyle(p), minInterval: 1, axisLabel: { color: p.muted, formatter: (/** @type {number} */ v) => fmtInt(v, true) } },
    series: periods.map((x, i) => {
      const users = new Map(x.rows.map((r) => [r.days_active, r.users]));
      return {
        name: x.period, type: 'bar', barMaxWidth: 26, color: i === 0 ? p.accent : p.muted,
        itemStyle: { opacity: i === 0 ? 0.9 : 0.5 },
        // A month shorter than the other has no bar for its missing days.
        data: ks.map((k) => users.get(k) ?? null),
      };
    }),
  }, true);
}
