// @ts-check
// Rolling activity and depth of use (SPEC section 12): the daily and rolling active users with
// their stickiness, and the power-user curve of one period beside the period before (weekly and
// monthly runs; a daily run says why it has none). Of every user, or of the segment shown.
import * as charts from '../charts.js';
import { defs } from '../defs.js';
import { $ } from '../dom.js';
import { windowsOf } from '../labels.js';
import { fillPeriods, pick } from '../periods.js';
import { state } from '../state.js';

/**
 * @import { HashSettings } from '../settings.js'
 * @import { Shown } from '../state.js'
 */

const period = () => $('depth-period', HTMLSelectElement);

/** @returns {HashSettings} */
export function read() {
  return { dp: period().value || state.pending.dp || '' };
}

/** @param {Shown} shown */
export function render({ run, view }) {
  const daily = !run.result.tables.includes('depth');
  $('depth-daily-note').hidden = !daily;
  $('depth-body').hidden = daily;
  $('depth-body-controls').hidden = daily;
  if (daily) return;
  const periods = [...new Set(view.depth.map((r) => r.period_start))];
  // By default the latest complete period: an open one has had fewer days to be active on.
  const latest = view.summary.findLast((r) => r.complete)?.period_start;
  fillPeriods(period(), periods, { grain: run.result.grain, latest, linked: state.pending.dp });
  delete state.pending.dp;
}

/** @param {Shown} shown */
export function draw({ run, view }) {
  const windows = windowsOf(Object.keys(view.activity[0] ?? {}));
  charts.rolling($('rolling-chart'), view.activity, { windows, defs });
  if (!run.result.tables.includes('depth')) return;
  const periods = [...new Set(view.depth.map((r) => r.period_start))];
  const i = periods.indexOf(period().value);
  const shown = [periods[i], periods[i - 1]].filter((p) => p !== undefined);
  charts.depth($('depth-chart'), shown.map((p) => ({ period: p, rows: view.depth.filter((r) => r.period_start === p) })), { grain: run.result.grain, defs });
}

/**
 * @param {() => Shown | null} shown
 * @param {() => void} changed  the view settings changed (the link keeps them)
 */
export function init(shown, changed) {
  period().addEventListener('change', () => {
    pick(period());
    changed();
    const s = shown();
    if (s) draw(s);
  });
}
