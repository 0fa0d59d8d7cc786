// @ts-check
// The users behind a bar of a lifecycle chart: a click on a bar (or the form, the keyboard's
// way) asks the engine for that period's states rows of that state, in the run without segments
// or in one segment; the first rows show in a table, and every row downloads as CSV.
import { readRows } from '../csv.js';
import { applyDefs } from '../defs.js';
import { $, save } from '../dom.js';
import { escapeHtml, fmtInt } from '../format.js';
import { decodeSegment, encodeSegment, rowsOf, segmentLabel } from '../segment.js';
import { state } from '../state.js';

/**
 * @import { Bar } from 'activation-layer/worker'
 * @import { Run, Shown } from '../state.js'
 */

/** Rows shown on the page; the CSV has them all. */
const SHOWN = 200;

const PHRASE = { new: 'new', retained: 'retained', reactivated: 'reactivated', churned: 'churned' };

/**
 * What is listed, for its download and for the control focus goes back to.
 * @type {{ run: Run, bar: Bar, csv: Uint8Array, name: string, from: HTMLElement } | null}
 */
let listed = null;
/** Bumped by each listing: an earlier one that ends later is dropped. */
let asked = 0;

const form = () => $('bar-form', HTMLFormElement);
const out = () => $('bar-users');

/** @param {Shown} shown */
export function render({ run, view }) {
  const period = $('bar-period', HTMLSelectElement);
  const keep = period.value;
  const periods = view.summary.map((r) => r.period_start);
  period.replaceChildren(...periods.map((p) => new Option(p, p)));
  period.value = periods.includes(keep) ? keep : view.summary.findLast((r) => r.complete)?.period_start ?? periods.at(-1) ?? '';
  const seg = run.segments;
  $('bar-segment-field').hidden = !seg;
  const segment = $('bar-segment', HTMLSelectElement);
  segment.replaceChildren(
    ...(run.distributions ? [new Option('every user', '')] : []),
    ...(seg?.values ?? []).map((v) => new Option(`${seg?.layer.column} = ${segmentLabel(v)}`, encodeSegment(v))),
  );
  segment.value = view.segment ? encodeSegment(view.segment.value) : '';
  // A list of another run is gone with it.
  if (listed && listed.run !== run) clear();
}

function clear() {
  listed = null;
  asked++;
  out().replaceChildren();
}

/**
 * Lists the users behind `bar`, asked for by `from` (where focus goes back when the list closes).
 * @param {Bar} bar
 * @param {HTMLElement} from
 */
export async function list(bar, from) {
  const run = state.current;
  if (!run) return;
  const n = ++asked;
  const box = out();
  box.innerHTML = '<p class="muted" role="status">Listing the users…</p>';
  const byForm = from === $('bar-button');
  // The form says which bar is listed, however it was asked for.
  $('bar-state', HTMLSelectElement).value = bar.state;
  $('bar-period', HTMLSelectElement).value = bar.period;
  $('bar-segment', HTMLSelectElement).value = 'segment' in bar ? encodeSegment(bar.segment ?? null) : '';
  if (!byForm) $('bar-users-card').scrollIntoView({ block: 'nearest' });
  /** @type {Uint8Array} */
  let csv;
  try {
    csv = await run.result.usersBehind(bar, 'csv');
  } catch (e) {
    if (n === asked) box.innerHTML = `<p class="error" role="alert">${escapeHtml(e instanceof Error ? e.message : e)}</p>`;
    return;
  }
  if (n !== asked || state.current !== run || !state.dictionary) return;
  const doc = state.dictionary.tables.find((t) => t.table === 'states');
  if (!doc) return;
  // The page shows the first rows; the summary counts them all (the engine's own count of the bar).
  /** @type {Record<string, string | number | boolean | null>[]} */
  const rows = readRows(csv, doc, SHOWN);
  const columns = Object.keys(rows[0] ?? {});
  const segmented = 'segment' in bar && run.segments;
  const summary = segmented ? rowsOf(segmented.layer.summary, bar.segment ?? null) : run.result.summary ?? [];
  const count = summary.find((r) => r.period_start === bar.period)?.[bar.state] ?? rows.length;
  const statesName = segmented ? segmented.statesName : run.statesName;
  const suffix = segmented ? `_${segmentLabel(bar.segment ?? null).replace(/[^\w.-]+/g, '_')}` : '';
  listed = { run, bar, csv, name: `${statesName}_${bar.state}_${bar.period}${suffix}.csv`, from };
  const where = segmented ? ` · ${segmented.layer.column} = ${segmentLabel(bar.segment ?? null)}` : '';
  // Counts align right, names and dates left.
  const numeric = new Set(doc.columns.filter((c) => c.type.startsWith('int')).map((c) => c.name));
  const cls = (/** @type {string} */ c) => (numeric.has(c) ? ' class="num"' : '');
  const head = columns.map((c) => `<th scope="col"${cls(c)} data-def="${c === 'segment' ? 'col:segment' : `col:states:${c}`}">${escapeHtml(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td${cls(c)}>${r[c] === null ? '' : escapeHtml(r[c])}</td>`).join('')}</tr>`).join('');
  box.innerHTML = `<div class="bar-head">
      <p role="status" id="bar-users-summary"><b>${fmtInt(count)} user${count === 1 ? '' : 's'}</b> ${PHRASE[bar.state]} in the ${run.result.grain} of ${escapeHtml(bar.period)}${escapeHtml(where)}</p>
      <div class="actions">
        <button type="button" class="chip-btn" data-testid="bar-users-csv" id="bar-users-csv">Download CSV</button>
        <button type="button" class="chip-btn" data-testid="bar-users-close" id="bar-users-close">Close</button>
      </div>
    </div>
    ${rows.length ? `<div class="table-wrap" tabindex="0" role="region" aria-labelledby="bar-users-summary"><table data-testid="bar-users-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>` : ''}
    ${count > rows.length ? `<p class="muted small">The first ${fmtInt(rows.length)} of ${fmtInt(count)} rows; the CSV has every one.</p>` : ''}`;
  applyDefs(box);
  // A click on a chart moves focus to what it listed; the form keeps it on its button.
  if (!byForm) $('bar-users-csv').focus({ preventScroll: true });
}

/** Closes the list; focus goes back to the control that asked for it. */
function close() {
  const from = listed?.from;
  clear();
  from?.focus();
}

export function init() {
  form().addEventListener('submit', (e) => {
    e.preventDefault();
    const period = $('bar-period', HTMLSelectElement).value;
    const stateValue = /** @type {Bar['state']} */ ($('bar-state', HTMLSelectElement).value);
    const segment = $('bar-segment', HTMLSelectElement).value;
    const picked = segment ? decodeSegment(segment) : null;
    if (period) list({ period, state: stateValue, ...(picked ? { segment: picked.value } : {}) }, $('bar-button'));
  });
  out().addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('button') : null;
    if (!button || !listed) return;
    if (button.id === 'bar-users-close') close();
    // The CSV as the engine wrote it: the states table's columns and rows.
    else if (button.id === 'bar-users-csv') save(/** @type {Uint8Array<ArrayBuffer>} */ (listed.csv), listed.name, 'text/csv');
  });
}
