// @ts-check
// The result head (title, what was run, the note on earlier results) and
// which shows: the start card or the dashboard.
import { $ } from '../dom.js';

/** @import { Shown } from '../state.js' */

const ADJECTIVE = { day: 'daily', week: 'weekly', month: 'monthly' };

/** @param {Shown} shown */
export function render({ run, view }) {
  const { fact, grain, quality: q } = run.result;
  $('empty').hidden = true;
  $('dashboard').hidden = false;
  $('result-title').textContent = `${fact} · ${ADJECTIVE[grain]}`;
  $('result-meta').textContent = `${q.report_from} → ${q.through} · timezone ${q.timezone}${grain === 'week' ? ` · weeks start ${q.week_start}` : ''}${q.snapshot ? ` · resumed from ${q.snapshot} (as of ${q.as_of})` : ''}`;
  const note = $('history-note');
  note.hidden = !view.note;
  note.textContent = view.note;
}

export function clear() {
  $('dashboard').hidden = true;
  $('empty').hidden = false;
}
