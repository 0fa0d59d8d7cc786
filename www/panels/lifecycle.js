// @ts-check
// The charts of the summary over time: the lifecycle (its bars list their users), active
// users with the quick ratio, and the rates.
import * as charts from '../charts.js';
import { defs } from '../defs.js';
import { $ } from '../dom.js';
import * as barUsers from './bar-users.js';

/** @import { Shown } from '../state.js' */

/** @param {Shown} shown */
export function draw({ run, view: { summary, segment } }) {
  const opts = { grain: run.result.grain, defs };
  const el = $('lifecycle-chart');
  charts.lifecycle(el, summary, { ...opts, onBar: (bar) => barUsers.list(segment ? { ...bar, segment: segment.value } : bar, el) });
  charts.activeAndQuick($('active-chart'), summary, opts);
  charts.rates($('rates-chart'), summary, opts);
}
