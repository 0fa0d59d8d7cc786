// @ts-check
// The KPI tiles: the latest complete period, with the change from the one before.
import { $ } from '../dom.js';
import { escapeHtml, fmtInt, fmtPct, fmtRatio } from '../format.js';
import { label, windowsOf } from '../labels.js';

/** @import { Shown } from '../state.js' */

/** @type {['active' | 'new' | 'retained' | 'reactivated' | 'churned' | 'quick_ratio', string][]} */
const KPIS = [
  ['active', 'Active'], ['new', 'New'], ['retained', 'Retained'],
  ['reactivated', 'Reactivated'], ['churned', 'Churned'], ['quick_ratio', 'Quick ratio'],
];

/** @param {Shown} shown */
export function render({ run, view: { summary, activity } }) {
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
  $('kpi-caption').textContent = `${row.complete ? 'Latest complete' : 'Latest (incomplete)'} ${run.result.grain}: ${row.period_start} – ${row.period_end}${prev ? `, change versus ${prev.period_start}` : ''}`;
  for (const [key, label] of KPIS) {
    const value = row[key];
    const before = prev ? prev[key] : null;
    const tile = document.createElement('div');
    tile.className = `kpi ${key}`;
    tile.dataset.testid = `kpi-${key}`;
    let delta = '';
    let cls = 'flat';
    if (value !== null && before !== null) {
      const d = value - before;
      cls = d > 0 ? 'up' : d < 0 ? 'down' : 'flat';
      const sign = d >= 0 ? '+' : '−';
      if (key === 'quick_ratio') delta = `${sign}${Math.abs(d).toFixed(2)}`;
      else delta = `${sign}${fmtInt(Math.abs(d))}${before ? ` (${sign}${Math.abs((d / before) * 100).toFixed(1)}%)` : ''}`;
    } else if (prev) delta = 'no previous value';
    const bad = key === 'churned' ? ' bad' : '';
    tile.innerHTML = `<div class="k-label" data-def="${key}">${label}</div>
      <div class="k-value">${key === 'quick_ratio' ? fmtRatio(value) : fmtInt(value)}</div>
      <div class="k-delta ${cls}${bad}">${cls === 'up' ? '▲' : cls === 'down' ? '▼' : ''} ${escapeHtml(delta || '\u00a0')}</div>`;
    box.append(tile);
  }
  box.append(stickiness(activity));
}

/**
 * DAU/MAU: the stickiness of the run's longest window on the latest day (SPEC section 12).
 * @param {import('../csv.js').ActivityRow[]} activity
 */
function stickiness(activity) {
  const row = activity.at(-1);
  const n = windowsOf(Object.keys(row ?? {})).at(-1);
  const tile = document.createElement('div');
  tile.className = 'kpi stickiness';
  tile.dataset.testid = 'kpi-stickiness';
  const column = `stickiness_${n}d`;
  const value = row && n ? /** @type {number | null} */ (row[column]) : null;
  const complete = row && n ? row[`complete_${n}d`] === true : true;
  tile.innerHTML = `<div class="k-label" data-def="col:activity:stickiness_{N}d">${escapeHtml(n ? label(column) : 'DAU/MAU')}</div>
    <div class="k-value">${fmtPct(value)}</div>
    <div class="k-delta flat">${row ? `on ${escapeHtml(row.date)}${complete ? '' : ' · window incomplete'}` : 'no days reported'}</div>`;
  return tile;
}
