// @ts-check
// Errors in the page's words, next to what caused them. The engine's error kinds and the
// options its messages name (EngineError.options, in JS spelling) become the page's own
// labels; the form control or file input of the first one named is marked (aria-invalid,
// aria-describedby to the message beside it) and scrolled into view; the status line, a live
// region, says it once. Errors of a file name the file: its input is marked.
import { $ } from '../dom.js';
import { SETTINGS } from '../settings.js';
import { state } from '../state.js';
import * as status from './status.js';

/** @import { NamedOption } from 'activation-layer/worker' */

/** What each kind of error means, in the page's words. */
const KINDS = /** @type {Record<string, string>} */ ({
  UsageError: 'This setting cannot be used',
  DataError: 'The data cannot give correct numbers',
  CorruptFileError: 'A file cannot be read',
  IoError: 'A file could not be read',
  InternalError: 'The engine failed (a bug: please report it)',
  RuntimeError: 'The engine stopped (a bug: please report it); it was restarted',
});

/** The control of each option without a field of its own in SETTINGS, and of the two files. */
const OTHER_FIELDS = /** @type {Record<string, string>} */ ({
  factValues: 'fact-values', segmentColumn: 'breakdown-select', segmentBy: 'breakdown-select',
  snapshot: 'snapshot-input', users: 'users-input',
});

/** @param {string} option */
function fieldOf(option) {
  return SETTINGS.find((s) => s.option === option)?.field ?? OTHER_FIELDS[option] ?? null;
}

/**
 * A control's label as the page shows it (without its "(optional…)" aside).
 * @param {string} id
 */
function labelOf(id) {
  const label = document.querySelector(`label[for="${id}"]`) ?? document.getElementById(`${id}-label`);
  if (!label) return id;
  const copy = /** @type {HTMLElement} */ (label.cloneNode(true));
  for (const aside of copy.querySelectorAll('.opt, .drop-sub')) aside.remove();
  return (copy.querySelector('.drop-title') ?? copy).textContent?.trim() ?? id;
}

/**
 * An error's message in the page's words: its kind said first, every option it names by the
 * label of its control (the engine spells them as JS options: `timeColumn`).
 * @param {unknown} e
 * @returns {{ text: string, field: string | null }}  field: the control to mark, if any
 */
export function words(e) {
  const error = e instanceof Error ? e : new Error(String(e));
  const options = /** @type {NamedOption[]} */ ('options' in error && Array.isArray(error.options) ? error.options : []);
  let text = error.message;
  let field = null;
  for (const option of options) {
    const id = fieldOf(option);
    if (!id) continue;
    field ??= id;
    text = text.replace(new RegExp(`\\b${option}\\b`, 'g'), `“${labelOf(id)}”`);
  }
  // What follows an option in a usage hint is the CLI's placeholder for its value (FILE, C, V).
  text = text.replace(/” [A-Z][A-Z_]*\b(, repeatable)?/g, '”');
  // A file's own error: its input is the control to mark.
  field ??= fileField(text);
  const kind = KINDS[error.name];
  return { text: kind ? `${kind}: ${text}` : text, field };
}

/**
 * The input of the file a message starts with (or names), if it names one the page holds.
 * @param {string} text
 */
function fileField(text) {
  const named = (/** @type {{ name: string } | null} */ f) => !!f && text.includes(f.name);
  if (state.sources.some(named)) return 'facts-input';
  if (named(state.users)) return 'users-input';
  if (named(state.snapshot)) return 'snapshot-input';
  if (state.history.files.some(named)) return 'history-input';
  return null;
}

/** The control marked now, and what it was described by before. */
let marked = /** @type {{ el: HTMLElement, describedBy: string | null } | null} */ (null);

/**
 * Shows an error (null: clears the one shown): the status line says it, the control that
 * caused it is marked and brought into view with the message beside it; an error of no
 * control shows in the status bar.
 * @param {unknown} e
 */
export function show(e) {
  clear();
  if (e === null || e === undefined) return;
  const { text, field } = words(e);
  status.set('error', text);
  const el = field ? document.getElementById(field) : null;
  if (!el) return;
  $('error-box').hidden = true;
  const message = $('problem');
  message.textContent = text;
  message.hidden = false;
  // Beside the control: after its field (or its drop zone), inside a closed <details> opened.
  const place = el.closest('.field, .dropzone, .chips') ?? el;
  place.after(message);
  for (let d = place.closest('details'); d; d = d.parentElement?.closest('details') ?? null) d.open = true;
  marked = { el, describedBy: el.getAttribute('aria-describedby') };
  el.setAttribute('aria-invalid', 'true');
  el.setAttribute('aria-describedby', [marked.describedBy, 'problem'].filter(Boolean).join(' '));
  message.scrollIntoView({ block: 'center' });
}

function clear() {
  if (marked) {
    marked.el.removeAttribute('aria-invalid');
    if (marked.describedBy) marked.el.setAttribute('aria-describedby', marked.describedBy);
    else marked.el.removeAttribute('aria-describedby');
    marked = null;
  }
  $('problem').hidden = true;
  $('error-box').hidden = true;
}
