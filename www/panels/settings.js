// @ts-check
// The settings form (with the snapshot's as-of and skip-overlap): read into and set from hash
// settings, its column pickers filled from what inspect() found in the files (the breakdown's
// also from the users table).
import { $ } from '../dom.js';
import { escapeHtml, fmtInt } from '../format.js';
import { SETTINGS } from '../settings.js';
import { state } from '../state.js';

/**
 * @import { FileInfo } from 'activation-layer/worker'
 * @import { HashSettings } from '../settings.js'
 */

/** Settings naming a column: a link may name one the files do not have (yet). */
const COLUMNS = new Set(['user', 'time', 'fcol', 'uid']);

/**
 * The two kinds of breakdown share one picker: its values are `col:NAME`
 * (split by a fact column, `seg`) and `attr:NAME` (partition by a users
 * table attribute, `by`).
 */
const BREAKDOWN = /** @type {const} */ ({ seg: 'col:', by: 'attr:' });

/** @param {string} id */
const control = (id) => /** @type {HTMLInputElement | HTMLSelectElement} */ ($(id));

/** @param {unknown} v */
const text = (v) => (typeof v === 'string' ? v : '');

function infos() {
  return state.infos.filter(/** @returns {i is FileInfo} */ (i) => !(i instanceof Error));
}

/** @returns {HashSettings} */
export function read() {
  /** @type {HashSettings} */
  const s = {};
  const breakdown = control('breakdown-select').value;
  for (const { key, field } of SETTINGS) {
    if (key === 'seg' || key === 'by') s[key] = breakdown.startsWith(BREAKDOWN[key]) ? breakdown.slice(BREAKDOWN[key].length) : '';
    else if (!field) s[key] = [...$('fact-values').querySelectorAll('input:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value);
    else {
      const el = control(field);
      s[key] = el.type === 'checkbox' ? /** @type {HTMLInputElement} */ (el).checked : el.value.trim();
    }
  }
  return s;
}

/** @param {HashSettings} s */
export function apply(s) {
  for (const { key, field } of SETTINGS) {
    if (key === 'seg' || key === 'by') continue;
    if (!field) {
      if (Array.isArray(s[key])) fillFactValues(s[key]);
      continue;
    }
    const el = control(field);
    if (el.type === 'checkbox') {
      /** @type {HTMLInputElement} */ (el).checked = s[key] === '1' || s[key] === true;
      continue;
    }
    const v = text(s[key] ?? (key === 'grain' ? 'week' : ''));
    if (el instanceof HTMLSelectElement && v && ![...el.options].some((o) => o.value === v)) {
      if (COLUMNS.has(key)) el.append(new Option(v, v));
      else continue;
    }
    el.value = v;
  }
  fillBreakdown(wantedBreakdown(s));
}

/**
 * The breakdown picker's value for hash settings (a split wins: both kinds at once are an error).
 * @param {HashSettings} s
 */
function wantedBreakdown(s) {
  const seg = text(s.seg);
  const by = text(s.by);
  return seg ? `${BREAKDOWN.seg}${seg}` : by ? `${BREAKDOWN.by}${by}` : '';
}

/** @param {FileInfo['columns']} columns */
function segmentColumns(columns) {
  return columns.filter((c) => c.segment_values !== null);
}

/**
 * Fills the breakdown picker: the facts' columns that could segment a run
 * (few distinct values, from inspect()) and the users table's attributes.
 * @param {string} wanted  the value to select; one the files do not offer (yet) is kept, and says so
 */
function fillBreakdown(wanted) {
  const select = control('breakdown-select');
  /** @type {Map<string, number>} */
  const columns = new Map();
  for (const info of infos()) {
    for (const c of segmentColumns(info.columns)) columns.set(c.name, Math.max(columns.get(c.name) ?? 0, c.segment_values ?? 0));
  }
  const users = state.usersInfo instanceof Error ? null : state.usersInfo;
  const id = control('users-id-select').value || users?.user_column;
  const attributes = users ? segmentColumns(users.columns).filter((c) => c.name !== id) : [];
  /**
   * @param {string} label
   * @param {[string, string][]} options  value, text
   */
  const group = (label, options) => {
    const g = document.createElement('optgroup');
    g.label = label;
    g.append(...options.map(([value, t]) => new Option(t, value)));
    return g;
  };
  /** @param {number | null} n */
  const values = (n) => `${fmtInt(n)} value${n === 1 ? '' : 's'}`;
  /** @type {[string, string][]} */
  const split = [...columns].map(([name, n]) => [`${BREAKDOWN.seg}${name}`, `${name} · ${values(n)}`]);
  /** @type {[string, string][]} */
  const partition = attributes.map((c) => [`${BREAKDOWN.by}${c.name}`, `${c.name} · ${values(c.segment_values)}`]);
  if (wanted.startsWith(BREAKDOWN.seg) && !split.some(([v]) => v === wanted)) split.push([wanted, `${wanted.slice(BREAKDOWN.seg.length)} (not in the files)`]);
  if (wanted.startsWith(BREAKDOWN.by) && !partition.some(([v]) => v === wanted)) {
    partition.push([wanted, `${wanted.slice(BREAKDOWN.by.length)} (${users ? 'not in the users table' : 'drop its users table'})`]);
  }
  select.replaceChildren(new Option('nothing', ''));
  if (split.length) select.append(group('Fact column: split the facts', split));
  if (partition.length) select.append(group('Users table attribute: partition the users', partition));
  select.value = wanted;
  showBreakdownFields();
}

/** The users table's id and the segment cap show when they matter. */
function showBreakdownFields() {
  const users = state.usersInfo && !(state.usersInfo instanceof Error);
  $('users-id-field').hidden = !users;
  $('max-segments-field').hidden = !control('breakdown-select').value && !control('max-segments-input').value;
}

/** Fills the users table's id picker, keeping (or taking from the link) what was chosen. */
function fillUsersId() {
  const select = $('users-id-select', HTMLSelectElement);
  const users = state.usersInfo instanceof Error ? null : state.usersInfo;
  const keep = text(state.pending.uid ?? select.value);
  delete state.pending.uid;
  const detected = users?.user_column;
  const names = users?.columns.map((c) => c.name) ?? [];
  select.replaceChildren(new Option(detected ? `auto (${detected})` : 'auto-detect', ''));
  for (const c of names) select.append(new Option(c === detected ? `${c} ✓` : c, c));
  if (keep && !names.includes(keep)) select.append(new Option(`${keep} (not in the users table)`, keep));
  select.value = keep;
}

/** The fact columns inspect() offers, over every file: value -> rows. */
function factColumns() {
  /** @type {Map<string, Map<string, number | null>>} */
  const columns = new Map();
  for (const info of infos()) {
    for (const fc of info.fact_columns) {
      const m = columns.get(fc.column) || new Map();
      for (const v of fc.values) m.set(v.value, (m.get(v.value) || 0) + v.rows);
      columns.set(fc.column, m);
    }
  }
  return columns;
}

/** Fills the column pickers from the files, keeping (or taking from the link) what was chosen. */
export function fillColumns() {
  const files = infos();
  /** @type {string[]} */
  const columns = [];
  for (const info of files) for (const c of info.columns) if (!columns.includes(c.name)) columns.push(c.name);
  const first = files[0];
  const { pending } = state;
  /**
   * @param {string} id
   * @param {string | null | undefined} detected
   * @param {unknown} wanted
   */
  const fill = (id, detected, wanted) => {
    const select = $(id, HTMLSelectElement);
    const keep = text(wanted ?? select.value);
    select.replaceChildren(new Option(detected ? `auto (${detected})` : 'auto-detect', ''));
    for (const c of columns) select.append(new Option(c === detected ? `${c} ✓` : c, c));
    if (keep && !columns.includes(keep)) select.append(new Option(`${keep} (not in the files)`, keep));
    select.value = keep || '';
  };
  fill('user-col-select', first?.user_column, pending.user);
  fill('time-col-select', first?.time_column, pending.time);
  delete pending.user;
  delete pending.time;

  const fsel = $('fact-col-select', HTMLSelectElement);
  const facts = factColumns();
  const keep = text(pending.fcol ?? fsel.value);
  fsel.replaceChildren(new Option('every row counts', ''));
  for (const c of facts.keys()) fsel.append(new Option(c, c));
  if (keep && !facts.has(keep)) fsel.append(new Option(keep, keep));
  fsel.value = keep || '';
  delete pending.fcol;
  fillFactValues(Array.isArray(pending.fv) ? pending.fv : undefined);
  delete pending.fv;

  fillUsersId();
  fillBreakdown('seg' in pending || 'by' in pending ? wantedBreakdown(pending) : control('breakdown-select').value);
  delete pending.seg;
  delete pending.by;

  // Epoch integers need a unit (or a format): point at the picker.
  const needsUnit = first?.time_is_integer && !control('time-unit-select').value && !control('time-format-input').value;
  $('time-unit-select').closest('.field')?.classList.toggle('attention', !!needsUnit);
}

/** @param {string[]} [wanted]  the values to check (default: those checked now) */
function fillFactValues(wanted) {
  const col = control('fact-col-select').value;
  const field = $('fact-values-field');
  const box = $('fact-values');
  const before = wanted ?? [...box.querySelectorAll('input:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value);
  box.replaceChildren();
  field.hidden = !col;
  if (!col) return;
  /** @type {Map<string, number | null>} */
  const values = factColumns().get(col) || new Map();
  for (const v of before) if (!values.has(v)) values.set(v, null);
  let i = 0;
  for (const [value, rows] of values) {
    const id = `fv-${i++}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.innerHTML = `<input type="checkbox" id="${id}" value="${escapeHtml(value)}"${before.includes(value) ? ' checked' : ''}> ${escapeHtml(value)}${rows !== null ? ` <span class="n">${fmtInt(rows, true)}</span>` : ''}`;
    box.append(label);
  }
}

/**
 * @param {{ changed: () => void, submitted: () => void }} on
 */
export function init(on) {
  const tzs = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  $('timezones').replaceChildren(...['UTC', ...tzs.filter((t) => t !== 'UTC')].map((t) => new Option(t)));

  const changed = () => {
    $('fact-values-field').hidden = !control('fact-col-select').value;
    showBreakdownFields();
    on.changed();
  };
  const form = $('settings', HTMLFormElement);
  form.addEventListener('submit', (e) => { e.preventDefault(); on.submitted(); });
  form.addEventListener('change', (e) => {
    if (e.target instanceof HTMLElement && e.target.id === 'fact-col-select') fillFactValues([]);
    // Another id column makes another column an attribute.
    if (e.target instanceof HTMLElement && e.target.id === 'users-id-select') fillBreakdown(control('breakdown-select').value);
    changed();
  });
  // These two sit with the snapshot input, outside the form.
  $('skip-overlap').addEventListener('change', changed);
  $('as-of-input').addEventListener('change', changed);
}
