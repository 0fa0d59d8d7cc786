// @ts-check
// The transitions Sankey: its period picker (default: the latest complete
// period; a link may ask for another), the dormant toggle and the chart.
import * as charts from '../charts.js';
import { defs } from '../defs.js';
import { $ } from '../dom.js';
import { state } from '../state.js';

/**
 * @import { HashSettings } from '../settings.js'
 * @import { Shown } from '../state.js'
 */

const period = () => $('sankey-period', HTMLSelectElement);
const dormant = () => $('sankey-dormant', HTMLInputElement);

/** @returns {HashSettings} */
export function read() {
  return { period: period().value || state.pending.period || '', dormant: dormant().checked };
}

/** @param {HashSettings} s */
export function apply(s) {
  dormant().checked = s.dormant === '1' || s.dormant === true;
}

/** @param {Shown} shown */
export function render({ view }) {
  const select = period();
  const periods = [...new Set(view.transitions.map((r) => r.period_start))];
  const want = select.value || state.pending.period;
  select.replaceChildren(...periods.map((p) => new Option(p, p)));
  const complete = view.summary.filter((r) => r.complete).map((r) => r.period_start);
  const latest = complete.at(-1);
  const fallback = latest && periods.includes(latest) ? latest : periods.at(-1);
  select.value = typeof want === 'string' && periods.includes(want) ? want : fallback || '';
  delete state.pending.period;
}

/** @param {Shown} shown */
export function draw({ view }) {
  const rows = view.transitions.filter((r) => r.period_start === period().value);
  charts.sankey($('sankey-chart'), rows, { includeDormant: dormant().checked, defs });
}

/**
 * @param {() => Shown | null} shown
 * @param {() => void} changed  the view settings changed (the link keeps them)
 */
export function init(shown, changed) {
  const redraw = () => {
    changed();
    const s = shown();
    if (s) draw(s);
  };
  period().addEventListener('change', redraw);
  dormant().addEventListener('change', redraw);
}
