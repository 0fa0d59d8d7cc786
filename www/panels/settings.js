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

/**
 * The mapping of a schema: the user and time columns, and how times are read. It is kept per
 * schema (the fact files' column names), so that the mapping chosen for one file is never
 * applied to a file without its columns.
 * @typedef {{ user: string, time: string, unit: string, fmt: string }} Mapping
 */

/** The mapping's controls, by its keys (also the hash's). */
const MAPPING = /** @type {const} */ ({ user: 'user-col-select', time: 'time-col-select', unit: 'time-unit-select', fmt: 'time-format-input' });

/** @type {Map<string, Mapping>} */
const mappings = new Map();
/** The schema the form's mapping is of ('' before any file). */
let schema = '';

/** The mapping the form holds. @returns {Mapping} */
function mappingNow() {
  return { user: control(MAPPING.user).value, time: control(MAPPING.time).value, unit: control(MAPPING.unit).value, fmt: control(MAPPING.fmt).value.trim() };
}

/** Fills the column pickers from the files, keeping (or taking from the link) what was chosen. */
export function fillColumns() {
  const files = infos();
  /** @type {string[]} */
  const columns = [];
  for (const info of files) for (const c of info.columns) if (!columns.includes(c.name)) columns.push(c.name);
  const first = files[0];
  const { pending } = state;
  // New files: the mapping chosen for their columns before, else the link's (the columns the
  // files have), else none. The same files again keep the form's.
  const key = [...columns].sort().join('\u0001');
  const fresh = key !== schema && files.length > 0;
  /** @type {Mapping} */
  const wanted = fresh
    ? mappings.get(key) ?? { user: text(pending.user), time: text(pending.time), unit: text(pending.unit), fmt: text(pending.fmt) }
    : mappingNow();
  if (files.length) schema = key;
  for (const k of /** @type {const} */ (['user', 'time', 'unit', 'fmt'])) delete pending[k];
  /**
   * @param {string} id
   * @param {string | null | undefined} detected
   * @param {string} keep
   */
  const fill = (id, detected, keep) => {
    const select = $(id, HTMLSelectElement);
    select.replaceChildren(new Option(detected ? `auto (${detected})` : 'auto-detect', ''));
    for (const c of columns) select.append(new Option(c === detected ? `${c} ✓` : c, c));
    // A column these files lack is not kept; before any file, a link's column waits for them.
    if (keep && !columns.includes(keep) && !files.length) select.append(new Option(`${keep} (not in the files)`, keep));
    select.value = select.querySelector(`option[value="${CSS.escape(keep)}"]`) ? keep : '';
  };
  fill(MAPPING.user, first?.user_column, wanted.user);
  fill(MAPPING.time, first?.time_column, wanted.time);
  if (fresh) {
    control(MAPPING.unit).value = wanted.unit;
    control(MAPPING.fmt).value = wanted.fmt;
  }

  const fsel = $('fact-col-select', HTMLSelectElement);
  const facts = factColumns();
  const keep = text(pending.fcol ?? fsel.value);
  fsel.replaceChildren(new Option('every row counts', ''));
  for (const c of facts.keys()) fsel.append(new Option(c, c));
  if (keep && !facts.has(keep) && !files.length) fsel.append(new Option(keep, keep));
  fsel.value = facts.has(keep) || !files.length ? keep : '';
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
  if (fresh) $('mapping').hidden = true;
}

/** Time types of Parquet columns (CSV columns are all Utf8). */
const TIME_TYPE = /^(Timestamp|Date32|Date64)/;
const INTEGER_TYPE = /^U?Int(8|16|32|64)$/;

/**
 * What a column's sample looks like: a time (and the epoch unit its integers would need), or an id.
 * @param {FileInfo['columns'][number]} c
 * @returns {{ time: boolean, unit: string, text: boolean }}
 */
function looks(c) {
  const values = c.sample.filter((v) => v !== '');
  const integers = values.length > 0 && values.every((v) => /^-?\d+$/.test(v));
  // Epoch seconds have 9 to 10 digits today, milliseconds 12 to 13.
  const digits = integers ? Math.max(...values.map((v) => v.replace('-', '').length)) : 0;
  const unit = digits >= 9 && digits <= 10 ? 's' : digits >= 12 && digits <= 13 ? 'ms' : digits >= 15 && digits <= 16 ? 'us' : '';
  const dates = values.length > 0 && values.every((v) => /^\d{4}-\d{2}-\d{2}([ T]|$)/.test(v) || /^\d{1,2}[/.]\d{1,2}[/.]\d{4}/.test(v));
  return {
    time: TIME_TYPE.test(c.type) || dates || ((integers || INTEGER_TYPE.test(c.type)) && unit !== ''),
    unit: TIME_TYPE.test(c.type) || dates ? '' : unit,
    text: c.type === 'Utf8' || c.type === 'LargeUtf8' || c.type === 'Utf8View' || INTEGER_TYPE.test(c.type),
  };
}

/**
 * Guesses the user and time columns of a file nothing detected them in: a time column is one
 * whose values read as dates or epoch numbers; a user column, the text or integer column with
 * the most distinct values (few distinct values make a category, not an id).
 * @param {FileInfo} info
 */
function guess(info) {
  const time = info.time_column ? null : info.columns.find((c) => looks(c).time && c.name !== info.user_column) ?? null;
  const distinct = (/** @type {FileInfo['columns'][number]} */ c) => c.segment_values ?? Infinity;
  const user = info.user_column ? null : info.columns
    .filter((c) => c !== time && c.name !== info.time_column && looks(c).text && !looks(c).time)
    .sort((a, b) => distinct(b) - distinct(a))[0] ?? null;
  return { user, time, unit: time ? looks(time).unit : '' };
}

/**
 * Why the files need their columns chosen before a run, or null. When nothing detects a user
 * or time column, the mapping opens (once per schema): the file's columns with a few values
 * each, and a guess selected in the pickers.
 * @returns {string | null}
 */
export function mapping() {
  const first = infos()[0];
  const box = $('mapping');
  const lacking = first ? [!first.user_column && 'user', !first.time_column && 'time'].filter(Boolean) : [];
  if (!first || !lacking.length) {
    box.hidden = true;
    return null;
  }
  // Chosen already (a mapping kept for this schema, or the link's): nothing to ask.
  const chosen = lacking.every((k) => control(k === 'user' ? MAPPING.user : MAPPING.time).value);
  const g = guess(first);
  if (!chosen) {
    if (g.user && !control(MAPPING.user).value) control(MAPPING.user).value = g.user.name;
    if (g.time && !control(MAPPING.time).value) {
      control(MAPPING.time).value = g.time.name;
      if (g.unit && !control(MAPPING.unit).value) control(MAPPING.unit).value = g.unit;
    }
    mappings.set(schema, mappingNow());
  }
  const what = lacking.join(' and ');
  const rows = first.columns.map((c) => {
    const role = c === g.user ? 'user id' : c === g.time ? `time${g.unit ? ` (epoch, ${UNITS[g.unit]})` : ''}` : '';
    return `<tr><th scope="row">${escapeHtml(c.name)}</th><td>${escapeHtml(c.type)}</td><td class="sample">${c.sample.slice(0, 3).map((v) => `<code>${escapeHtml(v)}</code>`).join(' ')}</td><td>${role ? `<b>${role}</b>` : ''}</td></tr>`;
  }).join('');
  box.innerHTML = `<p id="mapping-h"><strong>No ${what} column was detected in ${escapeHtml(first.name)}.</strong>
    Its columns are below, with a few values each; ${g.user || g.time ? 'the guess is selected above' : 'choose them above'}. Check, then press Compute.</p>
    <div class="table-wrap" tabindex="0" role="region" aria-label="Columns of ${escapeHtml(first.name)}"><table data-testid="mapping-table">
    <thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col">Values</th><th scope="col">Guess</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
  box.hidden = false;
  if (chosen) return null;
  return `choose the ${what} column of ${first.name} (a guess is selected), then press Compute`;
}

const UNITS = /** @type {Record<string, string>} */ ({ s: 'seconds', ms: 'milliseconds', us: 'microseconds' });

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
    // A mapping chosen for these files' columns is theirs.
    if (e.target instanceof HTMLElement && Object.values(MAPPING).includes(/** @type {never} */ (e.target.id)) && schema) mappings.set(schema, mappingNow());
    if (e.target instanceof HTMLElement && e.target.id === 'fact-col-select') fillFactValues([]);
    // Another id column makes another column an attribute.
    if (e.target instanceof HTMLElement && e.target.id === 'users-id-select') fillBreakdown(control('breakdown-select').value);
    changed();
  });
  // These two sit with the snapshot input, outside the form.
  $('skip-overlap').addEventListener('change', changed);
  $('as-of-input').addEventListener('change', changed);
}
