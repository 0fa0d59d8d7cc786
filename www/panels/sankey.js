// @ts-check
// The transitions Sankey: its period picker (default: the latest complete
// period; a link may ask for another), the dormant toggle and the chart.
import * as charts from '../charts.js';
import { defs } from '../defs.js';
import { $ } from '../dom.js';
import { fillPeriods, pick } from '../periods.js';
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
export function render({ run, view }) {
  const periods = [...new Set(view.transitions.map((r) => r.period_start))];
  const latest = view.summary.findLast((r) => r.complete)?.period_start;
  fillPeriods(period(), periods, { grain: run.result.grain, latest, linked: state.pending.period });
  delete state.pending.period;
}

/** @param {Shown} shown */
export function draw({ view }) {
  const rows = view.transitions.filter((r) => r.period_start === period().value);
  charts.sankey($('sankey-chart'), rows, { includeDormant: dormant().checked, defs, period: period().value });
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
  period().addEventListener('change', () => {
    pick(period());
    redraw();
  });
  dormant().addEventListener('change', redraw);
}
