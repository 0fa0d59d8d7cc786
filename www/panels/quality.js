// @ts-check
// The data-quality panel: warnings first (empty days read as false churn),
// then what was read, used and rejected, and with a breakdown the rows and users per segment.
import { $ } from '../dom.js';
import { escapeHtml, fmtInt, fmtPct } from '../format.js';
import { segmentKey, segmentLabel } from '../segment.js';

/** @import { Shown } from '../state.js' */

/** @param {string} key  a quality field */
const def = (key) => `data-def="q:${key}"`;

/** @param {Shown} shown */
export function render({ run, view }) {
  const q = run.result.quality;
  const parts = [];
  const empty = q.empty_days;
  if (empty.length) {
    const shown = empty.slice(0, 60).map((d) => `<span>${escapeHtml(d)}</span>`).join('');
    parts.push(`<div class="q-warn" role="note" data-testid="empty-days"><strong ${def('empty_days')}>⚠ ${fmtInt(empty.length)} empty day${empty.length === 1 ? '' : 's'}</strong>
      No fact rows at all on these days. Missing data reads as false churn: check that no export is missing.
      <div class="q-days">${shown}${empty.length > 60 ? `<span>+${empty.length - 60} more</span>` : ''}</div></div>`);
  }
  // Dates that say the mapping is off, or a "through" beyond the data: both read as churn.
  const days = (/** @type {string} */ a, /** @type {string} */ b) => Math.round((Date.parse(b) - Date.parse(a)) / 86400000);
  const odd = [];
  if (q.max_local_date && q.through > q.max_local_date) {
    odd.push(`<div class="q-warn" role="note" data-testid="through-beyond"><strong ${def('through')}>⚠ Through is ${fmtInt(days(q.max_local_date, q.through))} days after the last day with data</strong>
      The data end on ${escapeHtml(q.max_local_date)}; through is ${escapeHtml(q.through)}. The days after the data have no facts, so every user reads as churned there: leave “Through” empty for the last day with data.</div>`);
  }
  const year = (/** @type {string | null} */ d) => (d ? Number(d.slice(0, 4)) : NaN);
  if (year(q.min_local_date) < 1990 || year(q.max_local_date) > new Date().getFullYear() + 1) {
    odd.push(`<div class="q-warn" role="note" data-testid="odd-dates"><strong ${def('min_local_date')}>⚠ The dates run from ${escapeHtml(q.min_local_date)} to ${escapeHtml(q.max_local_date)}</strong>
      Times read with an epoch unit or a time format that does not fit the data land in 1970 or far ahead: check “Epoch unit” and “Time format”.</div>`);
  }
  parts.push(...odd);
  const rej = q.rows_rejected;
  if (rej.total) {
    parts.push(`<div class="q-warn" role="note"><strong>⚠ ${fmtInt(rej.total)} rejected row${rej.total === 1 ? '' : 's'}</strong> (${fmtPct(rej.total / Math.max(1, q.rows_read))} of the rows read)</div>`);
  }
  if (!empty.length && !rej.total && !odd.length) parts.push('<p class="q-ok">✓ No empty days and no rejected rows.</p>');
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
  const seg = run.segments?.layer;
  if (seg) {
    const current = view.segment ? segmentKey(view.segment.value) : null;
    const rowsOf = seg.quality.segments.map((c) => `<tr${segmentKey(c.segment) === current ? ' class="current"' : ''}><th scope="row">${escapeHtml(segmentLabel(c.segment))}</th><td>${fmtInt(c.rows)}</td><td>${fmtInt(c.users)}</td></tr>`);
    parts.push(`<div class="table-wrap q-segments" tabindex="0" role="region" aria-label="Rows and users per segment"><table data-testid="quality-segments">
      <thead><tr><th scope="col" data-def="col:segment">${escapeHtml(seg.column)}</th><th scope="col">rows used</th><th scope="col">users</th></tr></thead>
      <tbody>${rowsOf.join('')}</tbody></table></div>`);
  }
  if (q.warnings.length) {
    parts.push(`<ul class="q-list" aria-label="Warnings">${q.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`);
  }
  $('quality-body').innerHTML = parts.join('');
}
