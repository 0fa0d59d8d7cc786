// @ts-check
// The cohort retention heatmap.
import * as charts from '../charts.js';
import { $ } from '../dom.js';

/** @import { Shown } from '../state.js' */

/** @param {Shown} shown */
export function draw({ run, view }) {
  charts.cohorts($('cohort-chart'), view.cohorts, { grain: run.result.grain });
}
