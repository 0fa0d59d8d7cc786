// @ts-check
// The status bar: the status line (its data-state, idle/busy/done/error, is the automation
// contract), the error box, the progress bar and whether Cancel is live.
import { $ } from '../dom.js';
import { fmtInt } from '../format.js';

/** @import { Progress } from 'activation-layer/worker' */
/** @import { StatusKind } from '../session.js' */

/**
 * @param {StatusKind} kind
 * @param {string} text
 */
export function set(kind, text) {
  const el = $('status');
  el.textContent = kind === 'error' ? `error: ${text}` : text;
  el.className = kind === 'error' ? 'is-error' : kind === 'done' ? 'is-done' : '';
  el.dataset.state = kind;
  const box = $('error-box');
  box.hidden = kind !== 'error';
  if (kind === 'error') box.textContent = text;
}

/** @param {boolean} busy */
export function busy(busy) {
  const bar = $('progress', HTMLProgressElement);
  $('cancel-button', HTMLButtonElement).disabled = !busy;
  bar.hidden = !busy;
  // No value: an indeterminate bar until the engine reports progress.
  if (busy) bar.removeAttribute('value');
  document.body.classList.toggle('busy', busy);
}

/** @param {Progress} p */
export function progress(p) {
  $('progress', HTMLProgressElement).value = p.fraction;
  const what = p.phase === 'read'
    ? `reading ${p.files > 1 ? `file ${Math.min(p.file + 1, p.files)} of ${p.files}` : 'facts'}${p.rows ? ` · ${fmtInt(p.rows)} rows` : ''}`
    : p.phase === 'compute' ? 'computing states' : 'finishing';
  $('status').textContent = `${what}… ${Math.round(p.fraction * 100)}%`;
}
