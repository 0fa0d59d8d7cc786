// @ts-check
// The streak, gap and churn-duration distributions of the run or of the segment shown
// (earlier results do not have them).
import * as charts from '../charts.js';
import { $ } from '../dom.js';

/** @import { Shown } from '../state.js' */

/** @param {Shown} shown */
export function draw({ run, view }) {
  const dist = view.distributions;
  const unit = run.result.grain;
  const css = getComputedStyle(document.documentElement);
  /** @param {string} name */
  const color = (name) => css.getPropertyValue(name).trim();
  charts.distribution($('dist-streak'), dist.streak_length, dist.ongoing_streak_length,
    { labels: ['ended by churn', 'still running'], color: color('--c-retained'), unit });
  charts.distribution($('dist-gap'), dist.gap, null,
    { labels: ['returns'], color: color('--c-new'), unit });
  charts.distribution($('dist-churn'), dist.churn_duration, dist.ongoing_churn_duration,
    { labels: ['ended by reactivation', 'still inactive'], color: color('--c-churned'), unit });
}
