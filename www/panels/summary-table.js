// @ts-check
// The summary table: one row per period, the columns of the dictionary's
// summary table, exactly as the engine writes them (rates rounded for display).
import { $ } from '../dom.js';
import { escapeHtml, fmtRate } from '../format.js';

/**
 * @import { SummaryRow } from 'activation-layer/worker'
 * @import { Shown } from '../state.js'
 */

const RATES = new Set(['retention_rate', 'churn_rate', 'reactivation_rate', 'quick_ratio']);

/** @param {Shown} shown */
export function render({ view: { summary }, dictionary }) {
  const doc = dictionary.tables.find((t) => t.table === 'summary');
  const columns = /** @type {(keyof SummaryRow)[]} */ (doc?.columns.map((c) => c.name) ?? []);
  const tr = document.createElement('tr');
  for (const c of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    // Long names may break after an underscore, so every column fits a laptop's width.
    th.innerHTML = escapeHtml(c).replaceAll('_', '_<wbr>');
    th.dataset.def = c;
    tr.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(tr);
  const tbody = document.createElement('tbody');
  for (const row of summary) {
    const r = document.createElement('tr');
    if (!row.complete) r.className = 'incomplete';
    for (const c of columns) {
      const td = document.createElement('td');
      const v = row[c];
      td.textContent = v === null || v === undefined ? '' : typeof v === 'number' && RATES.has(c) ? fmtRate(v) : String(v);
      if (RATES.has(c) && v !== null) td.title = String(v);
      r.append(td);
    }
    tbody.append(r);
  }
  $('summary-table').replaceChildren(thead, tbody);
}
