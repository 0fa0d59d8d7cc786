// @ts-check
// The run settings: each URL-hash key, the engine option it sets and its form control; and
// the URL hash, so that a link reproduces the view (never the data).

/** @import { ComputeOptions, OptionName } from 'activation-layer/worker' */

/**
 * @typedef {object} Setting
 * @property {string} key  the hash key (short, and kept: old links must keep working)
 * @property {OptionName} option  the engine option it sets
 * @property {string} [field]  the id of its form control (the fact values are the chips of
 *   #fact-values; the two kinds of breakdown share #breakdown-select)
 */

/**
 * Settings as the form and the hash hold them, by hash key: text, checkbox
 * states (`'1'` in the hash), `fv` the fact values; also the Sankey's
 * `period` and `dormant`, which are views, not engine options.
 * @typedef {{ [key: string]: string | boolean | string[] | undefined }} HashSettings
 */

/** Every engine option the page sets, in the hash's order. @type {Setting[]} */
export const SETTINGS = [
  { key: 'grain', option: 'grain', field: 'grain-select' },
  { key: 'ws', option: 'weekStart', field: 'week-start-select' },
  { key: 'tz', option: 'timezone', field: 'timezone-input' },
  { key: 'user', option: 'userColumn', field: 'user-col-select' },
  { key: 'time', option: 'timeColumn', field: 'time-col-select' },
  { key: 'unit', option: 'timeUnit', field: 'time-unit-select' },
  { key: 'fmt', option: 'timeFormat', field: 'time-format-input' },
  { key: 'fcol', option: 'factColumn', field: 'fact-col-select' },
  { key: 'name', option: 'name', field: 'name-input' },
  { key: 'from', option: 'reportFrom', field: 'report-from-input' },
  { key: 'through', option: 'through', field: 'through-input' },
  { key: 'asof', option: 'asOf', field: 'as-of-input' },
  { key: 'rows', option: 'rows', field: 'rows-select' },
  { key: 'maxrej', option: 'maxRejected', field: 'max-rejected-input' },
  { key: 'fv', option: 'factValues' },
  { key: 'skip', option: 'skipOverlap', field: 'skip-overlap' },
  { key: 'seg', option: 'segmentColumn' },
  { key: 'by', option: 'segmentBy' },
  { key: 'uid', option: 'usersIdColumn', field: 'users-id-select' },
  { key: 'maxseg', option: 'maxSegments', field: 'max-segments-input' },
  { key: 'win', option: 'windows', field: 'windows-input' },
];

const DEFAULTS = { grain: 'week' };

/**
 * An error of the page's own checks, shaped as the engine's: a usage error
 * naming the option it is about.
 * @param {string} message
 * @param {OptionName} option
 */
function usage(message, option) {
  return Object.assign(new Error(message), { name: 'UsageError', options: [option] });
}

/**
 * The engine options the settings ask for, or why they cannot be passed on.
 * @param {HashSettings} s
 * @returns {ComputeOptions | Error}
 */
export function engineOptions(s) {
  /** @type {Record<string, unknown>} */
  const o = { ...DEFAULTS };
  for (const { key, option } of SETTINGS) {
    const v = s[key];
    if (v !== undefined && v !== '' && v !== false && !(Array.isArray(v) && !v.length)) o[option] = v;
  }
  // A fact column filters only with values picked: without, every row counts.
  if (!o.factColumn || !o.factValues) {
    delete o.factColumn;
    delete o.factValues;
  }
  if (o.maxRejected !== undefined) {
    const v = Number(o.maxRejected);
    if (!Number.isFinite(v) || v < 0 || v > 1) return usage(`maxRejected must be a number from 0 to 1, not "${s.maxrej}"`, 'maxRejected');
    o.maxRejected = v;
  }
  // Days, as typed ("7, 28"): the engine says what a window may be.
  if (o.windows !== undefined) o.windows = String(o.windows).split(/[\s,]+/).filter(Boolean).map(Number);
  if (o.maxSegments !== undefined) {
    const v = Number(o.maxSegments);
    if (!Number.isInteger(v) || v < 1) return usage(`maxSegments must be a whole number from 1 on, not "${s.maxseg}"`, 'maxSegments');
    o.maxSegments = v;
  }
  return o;
}

/**
 * Reads the hash.
 * @param {string} [hash]
 * @returns {HashSettings}
 */
export function readHash(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  /** @type {HashSettings} */
  const out = { ...DEFAULTS };
  for (const [k, v] of params) {
    if (k === 'fv') out.fv = v === '' ? [] : v.split(',').map(decodeURIComponent);
    else out[k] = v;
  }
  return out;
}

/**
 * Writes the settings into the hash without adding a history entry. Only
 * settings go there: no file names, no user ids, no values read from the
 * data but the column names and fact values a user picked.
 * @param {HashSettings} settings
 */
export function writeHash(settings) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(settings)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (k === 'grain' && v === DEFAULTS.grain) continue;
    if (Array.isArray(v)) {
      if (v.length) params.set(k, v.map(encodeURIComponent).join(','));
    } else params.set(k, v === true ? '1' : String(v));
  }
  const hash = params.toString();
  const url = `${location.pathname}${location.search}${hash ? `#${hash}` : ''}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', url);
}
