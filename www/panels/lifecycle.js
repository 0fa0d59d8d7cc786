// @ts-check
// The charts of the summary over time: the lifecycle, active users with
// the quick ratio, and the rates.
import * as charts from '../charts.js';
import { defs } from '../defs.js';
import { $ } from '../dom.js';

/** @import { Shown } from '../state.js' */

/** @param {Shown} shown */
export function draw({ run, view: { summary } }) {
  const opts = { grain: run.result.grain, defs };
  charts.lifecycle($('lifecycle-chart'), summary, opts);
  charts.activeAndQuick($('active-chart'), summary, opts);
  charts.rates($('rates-chart'), summary, opts);
}
