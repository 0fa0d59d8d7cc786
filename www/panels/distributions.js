// @ts-check
// The streak, gap and churn-duration distributions of the run or of the segment shown
// (earlier results do not have them), on a linear or a log scale.
import * as charts from '../charts.js';
import { $ } from '../dom.js';

/**
 * @import { HashSettings } from '../settings.js'
 * @import { Shown } from '../state.js'
 */

const log = () => $('dist-log', HTMLInputElement);

/** @returns {HashSettings} */
export function read() {
  return { dlog: log().checked };
}

/** @param {HashSettings} s */
export function apply(s) {
  log().checked = s.dlog === '1' || s.dlog === true;
}

/** @param {Shown} shown */
export function draw({ run, view }) {
  const dist = view.distributions;
  const unit = run.result.grain;
  const css = getComputedStyle(document.documentElement);
  /** @param {string} name */
  const color = (name) => css.getPropertyValue(name).trim();
  const scale = { unit, log: log().checked };
  charts.distribution($('dist-streak'), dist.streak_length, dist.ongoing_streak_length,
    { ...scale, labels: ['ended by churn', 'still running'], colors: [color('--c-churned'), color('--c-retained')], what: 'Active streaks' });
  charts.distribution($('dist-gap'), dist.gap, null,
    { ...scale, labels: ['returns'], colors: [color('--c-new')], what: 'Gaps before a return' });
  charts.distribution($('dist-churn'), dist.churn_duration, dist.ongoing_churn_duration,
    { ...scale, labels: ['ended by reactivation', 'still inactive'], colors: [color('--c-reactivated'), color('--c-churned')], what: 'Inactive spells' });
}

/**
 * @param {() => Shown | null} shown
 * @param {() => void} changed  the view settings changed (the link keeps them)
 */
export function init(shown, changed) {
  log().addEventListener('change', () => {
    changed();
    const s = shown();
    if (s) draw(s);
  });
}
