// @ts-check
// The charts of the summary over time: the lifecycle (its bars list their users; counts or
// shares of the active users), active users with the quick ratio, and the rates. "Only
// complete periods" leaves the open period out of these and of the segments' charts.
import * as charts from '../charts.js';
import { defs } from '../defs.js';
import { $ } from '../dom.js';
import * as barUsers from './bar-users.js';

/**
 * @import { SummaryRow } from 'activation-layer/worker'
 * @import { HashSettings } from '../settings.js'
 * @import { Shown } from '../state.js'
 */

const percent = () => $('lifecycle-percent', HTMLInputElement);
const complete = () => $('only-complete', HTMLInputElement);

/** @returns {HashSettings} */
export function read() {
  return { pct: percent().checked, cmpl: complete().checked };
}

/** @param {HashSettings} s */
export function apply(s) {
  percent().checked = s.pct === '1' || s.pct === true;
  complete().checked = s.cmpl === '1' || s.cmpl === true;
}

/**
 * The periods the summary charts draw: all, or the complete ones only.
 * @template {{ complete: boolean }} R
 * @param {R[]} rows
 * @returns {R[]}
 */
export function periods(rows) {
  return complete().checked ? rows.filter((r) => r.complete) : rows;
}

/** @param {Shown} shown */
export function draw({ run, view: { summary, segment } }) {
  const opts = { grain: run.result.grain, defs };
  const rows = periods(summary);
  const el = $('lifecycle-chart');
  charts.lifecycle(el, rows, {
    ...opts, percent: percent().checked, lastData: run.result.quality.max_local_date,
    onBar: (bar) => barUsers.list(segment ? { ...bar, segment: segment.value } : bar, el),
  });
  charts.activeAndQuick($('active-chart'), rows, opts);
  charts.rates($('rates-chart'), rows, opts);
}

/**
 * @param {() => Shown | null} shown
 * @param {() => void} redraw  the view settings changed: the link keeps them, the charts follow
 */
export function init(shown, redraw) {
  percent().addEventListener('change', () => {
    redraw();
    const s = shown();
    if (s) draw(s);
  });
  complete().addEventListener('change', redraw);
}
