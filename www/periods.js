// @ts-check
// Period pickers (the Sankey's, the power-user curve's): they follow the run. A period the
// reader picked stays while the grain stays and the run has it; else the link's; else the
// latest complete period (a week start left from a weekly run is no day to show).

/** @import { Grain } from 'activation-layer/worker' */

/**
 * @param {HTMLSelectElement} select
 * @param {string[]} periods  the run's, in order
 * @param {{ grain: Grain, latest: string | undefined, linked: unknown }} opts  latest: the latest
 *   complete period; linked: the link's period, if any
 */
export function fillPeriods(select, periods, { grain, latest, linked }) {
  const picked = select.dataset.grain === grain && select.dataset.picked ? select.value : '';
  select.replaceChildren(...periods.map((p) => new Option(p, p)));
  const want = [picked, linked].find((p) => typeof p === 'string' && periods.includes(p));
  select.value = typeof want === 'string' ? want : latest && periods.includes(latest) ? latest : periods.at(-1) ?? '';
  if (select.dataset.grain !== grain) delete select.dataset.picked;
  select.dataset.grain = grain;
}

/**
 * Remembers that the reader picked the period shown.
 * @param {HTMLSelectElement} select
 */
export function pick(select) {
  select.dataset.picked = '1';
}
