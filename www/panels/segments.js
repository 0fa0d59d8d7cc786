// @ts-check
// A run's breakdown (SPEC section 11): the segment every panel shows (the filter in the result
// head), the lifecycle of the largest segments as small multiples (a picker adds others), one
// metric compared across them (a chart and its data table), and every segment's latest complete
// period. Only arranges the engine's segmented summary.
import * as charts from '../charts.js';
import { defs } from '../defs.js';
import { $ } from '../dom.js';
import { escapeHtml, fmtInt, fmtRate } from '../format.js';
import { decodeSegment, encodeSegment, rowsOf, segmentKey, segmentLabel } from '../segment.js';
import { state } from '../state.js';
import * as barUsers from './bar-users.js';
import { periods } from './lifecycle.js';

/**
 * @import { SegmentValue, SummaryRow } from 'activation-layer/worker'
 * @import { HashSettings } from '../settings.js'
 * @import { SegmentRun, Shown } from '../state.js'
 */

/** Small multiples drawn before any is picked. */
const LARGEST = 6;

/** @type {(keyof SummaryRow)[]} */
const LATEST_COLUMNS = ['total_users', 'active', 'new', 'retained', 'reactivated', 'churned', 'dormant',
  'retention_rate', 'churn_rate', 'reactivation_rate', 'quick_ratio'];
const RATES = new Set(['retention_rate', 'churn_rate', 'reactivation_rate', 'quick_ratio']);

const filter = () => $('segment-filter', HTMLSelectElement);
const picker = () => $('segment-picker', HTMLSelectElement);
const metric = () => /** @type {keyof SummaryRow} */ ($('compare-metric', HTMLSelectElement).value);

/** Segments added with the picker, by key, for the breakdown they were picked in. */
let picked = { column: '', keys: /** @type {string[]} */ ([]) };

/** @param {SegmentRun} seg */
function shownSegments(seg) {
  if (picked.column !== seg.layer.column) picked = { column: seg.layer.column, keys: [] };
  const largest = seg.largest.slice(0, LARGEST);
  const keys = new Set(largest.map(segmentKey));
  const extra = seg.values.filter((v) => picked.keys.includes(segmentKey(v)) && !keys.has(segmentKey(v)));
  return { largest, extra };
}

/**
 * @param {SegmentRun} seg
 * @param {SegmentValue} v
 */
function usersOf(seg, v) {
  return seg.layer.quality.segments.find((c) => segmentKey(c.segment) === segmentKey(v))?.users ?? 0;
}

/** @returns {HashSettings} */
export function read() {
  const m = metric();
  return { sf: state.filter ? encodeSegment(state.filter.value) : '', cmp: m === 'active' ? '' : m };
}

/** @param {HashSettings} s */
export function apply(s) {
  state.filter = typeof s.sf === 'string' && s.sf ? decodeSegment(s.sf) : null;
  const select = $('compare-metric', HTMLSelectElement);
  select.value = typeof s.cmp === 'string' && [...select.options].some((o) => o.value === s.cmp) ? s.cmp : 'active';
}

/** @param {Shown} shown */
export function render({ run, view }) {
  const seg = run.segments;
  for (const id of ['segment-filter-box', 'multiples-card', 'compare-card', 'segment-latest-card']) $(id).hidden = !seg;
  if (!seg) return;
  const { column } = seg.layer;
  const select = filter();
  select.replaceChildren(
    ...(run.distributions ? [new Option('every user', '')] : []),
    ...seg.values.map((v) => new Option(`${column} = ${segmentLabel(v)}`, encodeSegment(v))),
  );
  select.value = view.segment ? encodeSegment(view.segment.value) : '';

  $('multiples-h').textContent = `Lifecycle by ${column}`;
  const { largest, extra } = shownSegments(seg);
  const more = seg.values.length - largest.length;
  $('multiples-caption').textContent = `${more > 0 ? `The ${largest.length} largest of ${fmtInt(seg.values.length)} segments` : `Every segment`} (by users), each on its own scale. Click a bar to list its users.`;
  const box = $('multiples');
  box.replaceChildren(...[...largest, ...extra].map((v, i) => {
    const fig = document.createElement('figure');
    fig.className = 'multiple';
    fig.dataset.segment = encodeSegment(v);
    const label = segmentLabel(v);
    const remove = i >= largest.length
      ? `<button type="button" class="chip-btn remove" data-remove="${escapeHtml(encodeSegment(v))}" aria-label="Remove ${escapeHtml(label)}">×</button>` : '';
    fig.innerHTML = `<figcaption><span><b>${escapeHtml(label)}</b> <span class="muted">${fmtInt(usersOf(seg, v))} users</span></span>${remove}</figcaption>
      <div class="chart multiple-chart" data-testid="segment-multiple" role="img" data-title="${escapeHtml(`Lifecycle of ${column} = ${label}`)}" aria-label="Lifecycle of ${escapeHtml(`${column} = ${label}`)}"></div>`;
    return fig;
  }));
  const shownKeys = new Set([...largest, ...extra].map(segmentKey));
  const rest = seg.values.filter((v) => !shownKeys.has(segmentKey(v)));
  picker().replaceChildren(new Option(rest.length ? `${fmtInt(rest.length)} more…` : 'none left', ''), ...rest.map((v) => new Option(segmentLabel(v), encodeSegment(v))));
  picker().disabled = !rest.length;

  renderCompareTable(seg, [...largest, ...extra]);
  renderLatest(seg, view.segment);
}

/**
 * @param {SegmentRun} seg
 * @param {SegmentValue[]} values
 */
function renderCompareTable(seg, values) {
  const m = metric();
  const columns = values.map((v) => rowsOf(seg.summary, v));
  const periods = columns[0] ?? [];
  const head = `<tr><th scope="col">period_start</th>${values.map((v) => `<th scope="col">${escapeHtml(segmentLabel(v))}</th>`).join('')}</tr>`;
  const body = periods.map((p, i) => `<tr${p.complete ? '' : ' class="incomplete"'}><th scope="row">${p.period_start}</th>${columns.map((rows) => {
    const v = rows[i][m];
    return `<td>${v === null ? '' : RATES.has(m) ? fmtRate(/** @type {number} */ (v)) : escapeHtml(v)}</td>`;
  }).join('')}</tr>`).join('');
  $('compare-table').innerHTML = `<caption class="sr-only">${escapeHtml(m)} per period and segment</caption><thead>${head}</thead><tbody>${body}</tbody>`;
}

/**
 * @param {SegmentRun} seg
 * @param {{ value: SegmentValue } | null} current  the segment shown in every panel
 */
function renderLatest(seg, current) {
  const first = rowsOf(seg.summary, seg.values[0]);
  let i = first.length - 1;
  while (i > 0 && !first[i].complete) i--;
  const row = first[i];
  $('segment-latest-caption').textContent = row
    ? `${row.complete ? 'Latest complete' : 'Latest (incomplete)'} period: ${row.period_start} – ${row.period_end}. Choose a segment to show it in every panel.`
    : 'No reported periods.';
  const head = `<tr><th scope="col" data-def="col:segment">segment</th>${LATEST_COLUMNS.map((c) => `<th scope="col" data-def="${c}">${c}</th>`).join('')}</tr>`;
  const body = row ? seg.values.map((v) => {
    const r = rowsOf(seg.summary, v)[i];
    const label = segmentLabel(v);
    const on = current && segmentKey(current.value) === segmentKey(v);
    const cells = LATEST_COLUMNS.map((c) => {
      const x = r[c];
      return `<td>${x === null ? '' : RATES.has(c) ? fmtRate(/** @type {number} */ (x)) : escapeHtml(x)}</td>`;
    }).join('');
    return `<tr${on ? ' class="current"' : ''}><th scope="row"><button type="button" class="linklike" data-show="${escapeHtml(encodeSegment(v))}" aria-pressed="${on ? 'true' : 'false'}" aria-label="Show ${escapeHtml(label)} in every panel">${escapeHtml(label)}</button></th>${cells}</tr>`;
  }).join('') : '';
  $('segment-table').innerHTML = `<thead>${head}</thead><tbody>${body}</tbody>`;
}

/** @param {Shown} shown */
export function draw({ run }) {
  const seg = run.segments;
  if (!seg) return;
  const opts = { grain: run.result.grain, defs };
  const values = [];
  for (const fig of $('multiples').querySelectorAll('figure')) {
    const v = decodeSegment(/** @type {HTMLElement} */ (fig).dataset.segment ?? '');
    const el = /** @type {HTMLElement} */ (fig.querySelector('.multiple-chart'));
    if (!v) continue;
    values.push(v.value);
    charts.lifecycle(el, periods(rowsOf(seg.summary, v.value)), {
      ...opts, compact: true, onBar: (bar) => barUsers.list({ ...bar, segment: v.value }, el),
    });
  }
  charts.compare($('compare-chart'), values.map((v) => ({ name: segmentLabel(v), rows: periods(rowsOf(seg.summary, v)) })), metric(), opts);
}

/**
 * @param {() => Shown | null} shown
 * @param {{ select: (filter: { value: SegmentValue } | null) => void, changed: () => void }} on
 *   `select` shows a segment in every panel (null: every user); `changed` saves the link
 */
export function init(shown, on) {
  /** @param {{ value: SegmentValue } | null} f */
  const select = (f) => {
    state.filter = f;
    on.changed();
    on.select(f);
  };
  filter().addEventListener('change', () => select(filter().value ? decodeSegment(filter().value) : null));
  $('segment-table').addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('button[data-show]') : null;
    if (button instanceof HTMLButtonElement) select(decodeSegment(button.dataset.show ?? ''));
  });
  const redraw = () => {
    const s = shown();
    if (!s) return;
    render(s);
    draw(s);
  };
  picker().addEventListener('change', () => {
    const v = decodeSegment(picker().value);
    if (!v) return;
    picked.keys.push(segmentKey(v.value));
    redraw();
    picker().focus();
  });
  $('multiples').addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('button[data-remove]') : null;
    const v = button instanceof HTMLButtonElement ? decodeSegment(button.dataset.remove ?? '') : null;
    if (!v) return;
    picked.keys = picked.keys.filter((k) => k !== segmentKey(v.value));
    redraw();
    // The button is gone with its chart: focus goes back to the control that adds segments.
    picker().focus();
  });
  $('compare-metric').addEventListener('change', () => {
    on.changed();
    redraw();
  });
}
