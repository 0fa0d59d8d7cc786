// @ts-check
// The user lookup: suggestions from the run (or the segment shown), and one user's state in
// every reported period of the run or of that segment (a strip and a table).
import { applyDefs } from '../defs.js';
import { $ } from '../dom.js';
import { escapeHtml } from '../format.js';
import { segmentLabel } from '../segment.js';

/**
 * @import { TimelineEntry } from 'activation-layer/worker'
 * @import { Run, Shown, View } from '../state.js'
 */

/** @type {(keyof TimelineEntry)[]} */
const COLUMNS = ['period_start', 'state', 'transition', 'streak', 'inactive_streak', 'gap', 'churned_periods', 'active_periods', 'tenure'];

/** @param {Shown} shown */
export function render({ view: { users } }) {
  $('user-suggestions').replaceChildren(...users.map((u) => new Option(u)));
  const p = document.createElement('p');
  p.className = 'muted';
  p.textContent = `Type a user id (suggestions: ${users.slice(0, 3).join(', ')}${users.length > 3 ? ', …' : ''}) to see their state in every period.`;
  $('user-timeline').replaceChildren(p);
}

/**
 * @param {Run} run
 * @param {View} view
 * @param {string} id
 */
async function lookup(run, view, id) {
  const out = $('user-timeline');
  /** @type {TimelineEntry[] | null} */
  let timeline;
  const where = view.segment && run.segments ? ` in ${run.segments.layer.column} = ${segmentLabel(view.segment.value)}` : '';
  try {
    timeline = view.segment ? await run.result.userTimeline(id, view.segment.value) : await run.result.userTimeline(id);
  } catch (e) {
    out.innerHTML = `<p class="error">${escapeHtml(e instanceof Error ? e.message : e)}</p>`;
    return;
  }
  if (!timeline) {
    out.innerHTML = `<p class="muted">No user <b>${escapeHtml(id)}</b> in this run${escapeHtml(where)}.</p>`;
    return;
  }
  const cells = timeline.map((r) => {
    const churn = r.state === 'inactive' && r.previous_state !== 'inactive';
    return `<span class="cell ${r.state}${churn ? ' churn' : ''}" title="${escapeHtml(`${r.period_start}: ${churn ? 'churned' : r.state}`)}"></span>`;
  }).join('');
  const head = COLUMNS.map((k) => `<th scope="col" data-def="col:states:${k}">${k}</th>`).join('');
  const body = timeline.map((r) => `<tr>${COLUMNS.map((k) => {
    const v = r[k];
    if (k === 'state') return `<td><span class="state-pill ${v}" data-def="state:${v}">${v}</span></td>`;
    return `<td>${v === null || v === undefined ? '' : escapeHtml(v)}</td>`;
  }).join('')}</tr>`).join('');
  const active = timeline.filter((r) => r.state !== 'inactive').length;
  out.innerHTML = `<p><b>${escapeHtml(id)}</b>${escapeHtml(where)} · first active ${escapeHtml(timeline[0].period_start)} · active in ${active} of ${timeline.length} reported ${run.result.grain}s</p>
    <div class="strip" role="img" aria-label="State per period, oldest first">${cells}</div>
    <div class="tl-legend"><span><span class="dot c-new"></span>new</span><span><span class="dot c-retained"></span>retained</span>
      <span><span class="dot c-reactivated"></span>reactivated</span><span><span class="dot c-churned"></span>churned</span><span>▢ dormant</span></div>
    <div class="table-wrap timeline-table" tabindex="0" role="region" aria-label="Timeline of ${escapeHtml(id)}"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
  applyDefs(out);
}

/** @param {() => Shown | null} shown */
export function init(shown) {
  $('user-form', HTMLFormElement).addEventListener('submit', (e) => {
    e.preventDefault();
    const s = shown();
    const id = $('user-input', HTMLInputElement).value.trim();
    if (s && id) lookup(s.run, s.view, id);
  });
}
