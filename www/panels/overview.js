// @ts-check
// The result head (title, what was run and how it is broken down, the note on earlier results)
// and which shows: the start card or the dashboard.
import { $ } from '../dom.js';
import { segmentLabel } from '../segment.js';
import { state } from '../state.js';

/** @import { Shown } from '../state.js' */

const ADJECTIVE = { day: 'daily', week: 'weekly', month: 'monthly' };

/** @param {Shown} shown */
export function render({ run, view }) {
  const { fact, grain, quality: q } = run.result;
  const seg = run.segments?.layer;
  $('empty').hidden = true;
  $('dashboard').hidden = false;
  const shown = seg && view.segment ? ` · ${seg.column} = ${segmentLabel(view.segment.value)}` : '';
  $('result-title').textContent = `${fact} · ${ADJECTIVE[grain]}${shown}`;
  const breakdown = seg ? ` · ${seg.kind === 'fact_column' ? 'split by the fact column' : 'partitioned by the users attribute'} ${seg.column}` : '';
  $('result-meta').textContent = `${q.report_from} → ${q.through} · timezone ${q.timezone}${grain === 'week' ? ` · weeks start ${q.week_start}` : ''}${q.snapshot ? ` · resumed from ${q.snapshot} (as of ${q.as_of})` : ''}${breakdown}`;
  const note = $('history-note');
  note.hidden = !view.note;
  note.textContent = view.note;
}

export function clear() {
  $('dashboard').hidden = true;
  $('empty').hidden = false;
}

/** Says whether the results on screen match the form (state.stale: why they do not). */
export function stale() {
  const note = $('stale-note');
  note.hidden = !state.stale;
  $('dashboard').classList.toggle('is-stale', !!state.stale);
  if (state.stale) note.textContent = `Not up to date: ${state.stale}. The results below are those of the last run that worked; they do not match the form until a run succeeds.`;
}

/**
 * "Copy link": the address with the settings (never the data), and a note that says so once
 * copied; where the clipboard is out of reach, the address is selected to copy by hand.
 */
export function init() {
  const button = $('copy-link', HTMLButtonElement);
  const note = $('copy-link-note');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      note.textContent = 'Link copied. It carries the settings, not the data: whoever opens it drops the same files.';
    } catch {
      note.textContent = `Copy this link (the settings, not the data): ${location.href}`;
    }
  });
}
