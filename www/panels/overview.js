// @ts-check
// The result head (title, what was run and how it is broken down, the note on earlier results)
// and which shows: the start card or the dashboard.
import { $ } from '../dom.js';
import { segmentLabel } from '../segment.js';

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
