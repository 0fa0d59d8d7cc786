// @ts-check
// The cohort retention heatmap, a page of cohorts and of periods since first at a time: the
// pickers reach every one, and the caption says which are shown (the newest cohorts and the
// first periods by default).
import * as charts from '../charts.js';
import { $ } from '../dom.js';
import { fmtInt } from '../format.js';

/** @import { Shown } from '../state.js' */

/** Cohorts, and periods since first, on one page. */
const PAGE = 24;

const rowsPick = () => $('cohort-rows', HTMLSelectElement);
const colsPick = () => $('cohort-cols', HTMLSelectElement);

/**
 * The pages of `n` things, as [first, last] indexes, in order.
 * @param {number} n
 * @param {boolean} [fromEnd]  the last page full (the newest cohorts), the first one short
 * @returns {[number, number][]}
 */
function pages(n, fromEnd = false) {
  /** @type {[number, number][]} */
  const out = [];
  if (fromEnd) for (let b = n - 1; b >= 0; b -= PAGE) out.unshift([Math.max(0, b - PAGE + 1), b]);
  else for (let a = 0; a < n; a += PAGE) out.push([a, Math.min(n, a + PAGE) - 1]);
  return out;
}

/** @param {Shown} shown */
function layout({ view }) {
  const cohorts = [...new Set(view.cohorts.map((r) => r.cohort_period))].sort();
  const since = Math.max(-1, ...view.cohorts.map((r) => r.periods_since)) + 1;
  return { cohorts, since };
}

/** @param {Shown} shown */
export function render(shown) {
  const { cohorts, since } = layout(shown);
  const fill = (/** @type {HTMLSelectElement} */ select, /** @type {[number, number][]} */ list, /** @type {(p: [number, number]) => string} */ text, /** @type {number} */ fallback) => {
    const keep = select.value;
    select.replaceChildren(...list.map((p) => new Option(text(p), `${p[0]}-${p[1]}`)));
    select.value = list.some((p) => `${p[0]}-${p[1]}` === keep) ? keep : list.length ? `${list[fallback]?.[0]}-${list[fallback]?.[1]}` : '';
    select.disabled = list.length < 2;
  };
  const rowPages = pages(cohorts.length, true);
  fill(rowsPick(), rowPages, ([a, b]) => `${cohorts[a]} to ${cohorts[b]} (${a + 1}–${b + 1} of ${cohorts.length})`, rowPages.length - 1);
  fill(colsPick(), pages(since), ([a, b]) => `${a} to ${b}`, 0);
}

/** @param {Shown} shown */
export function draw(shown) {
  const { run, view } = shown;
  const { grain } = run.result;
  const { cohorts, since } = layout(shown);
  const [a, b] = rowsPick().value.split('-').map(Number);
  const shownCohorts = cohorts.length ? cohorts.slice(a, b + 1) : [];
  // Up to the longest the shown cohorts reach: newer cohorts have fewer periods since.
  const keep = new Set(shownCohorts);
  const reach = Math.max(0, ...view.cohorts.filter((r) => keep.has(r.cohort_period)).map((r) => r.periods_since));
  const [from, page] = colsPick().value.split('-').map(Number);
  const to = Math.max(from, Math.min(page, reach));
  charts.cohorts($('cohort-chart'), view.cohorts, { grain, cohorts: shownCohorts, since: cohorts.length ? [from, to] : [0, 0] });
  $('cohort-caption').textContent = cohorts.length
    ? `Share of each cohort (users first active in a ${grain}) active N ${grain}s later. Showing cohorts ${fmtInt(a + 1)}–${fmtInt(b + 1)} of ${fmtInt(cohorts.length)} (${shownCohorts[0]} to ${shownCohorts.at(-1)}) and ${grain}s ${from}–${to} of 0–${since - 1} since first; the pickers show the others.`
    : 'No cohorts in these periods.';
}

/** @param {() => Shown | null} shown */
export function init(shown) {
  for (const pick of [rowsPick(), colsPick()]) {
    pick.addEventListener('change', () => {
      const s = shown();
      if (s) draw(s);
    });
  }
}
