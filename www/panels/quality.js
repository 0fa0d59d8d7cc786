// @ts-check
// The data-quality panel: warnings first (empty days read as false churn),
// then what was read, used and rejected.
import { $ } from '../dom.js';
import { escapeHtml, fmtInt, fmtPct } from '../format.js';

/** @import { Shown } from '../state.js' */

/** @param {string} key  a quality field */
const def = (key) => `data-def="q:${key}"`;

/** @param {Shown} shown */
export function render({ run }) {
  const q = run.result.quality;
  const parts = [];
  const empty = q.empty_days;
  if (empty.length) {
    const shown = empty.slice(0, 60).map((d) => `<span>${escapeHtml(d)}</span>`).join('');
    parts.push(`<div class="q-warn" role="note" data-testid="empty-days"><strong ${def('empty_days')}>⚠ ${fmtInt(empty.length)} empty day${empty.length === 1 ? '' : 's'}</strong>
      No fact rows at all on these days. Missing data reads as false churn: check that no export is missing.
      <div class="q-days">${shown}${empty.length > 60 ? `<span>+${empty.length - 60} more</span>` : ''}</div></div>`);
  }
  const rej = q.rows_rejected;
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
    <tr><th scope="row">&nbsp;&nbsp;total</th><td>${fmtInt(rej.total)}</td></tr></tbody></table>`);
  if (q.warnings.length) {
    parts.push(`<ul class="q-list" aria-label="Warnings">${q.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`);
  }
  $('quality-body').innerHTML = parts.join('');
}
