// @ts-check
// The engine's own CSV tables read back into rows for the charts, typed as the data
// dictionary types their columns; no metric is computed here (merging is the engine's too).

/** @import { State, TableDoc } from 'activation-layer/worker' */

/**
 * @typedef {object} TransitionRow  a row of the transitions table
 * @property {string} period_start
 * @property {State | null} from_state
 * @property {State} to_state
 * @property {number} users
 */

/**
 * @typedef {object} CohortRow  a row of the cohorts table
 * @property {string} cohort_period
 * @property {string} period_start
 * @property {number} periods_since
 * @property {number} cohort_size
 * @property {number} active_users
 * @property {number} retention
 */

/**
 * @typedef {object} DepthRow  a row of the depth table (SPEC section 12)
 * @property {string} period_start
 * @property {number} days_active
 * @property {number} users
 */

/**
 * A row of the activity table (SPEC section 12): `date`, `active_1d`, and
 * for each window N of the run `active_{N}d`, `stickiness_{N}d` (null when
 * no one was active in the window) and `complete_{N}d`.
 * @typedef {{ date: string, active_1d: number } & Record<string, string | number | boolean | null>} ActivityRow
 */

/**
 * Splits CSV bytes (RFC 4180 quoting) into records of fields, the header first.
 * @param {Uint8Array} bytes
 * @param {number} [limit]  records to read after the header (default: all)
 * @returns {string[][]}
 */
export function parseCsv(bytes, limit = Infinity) {
  const text = new TextDecoder().decode(bytes);
  /** @type {string[][]} */
  const rows = [];
  /** @type {string[]} */
  let row = [];
  let field = '';
  let quoted = false;
  // The header and `limit` records at the most.
  for (let i = 0; i < text.length && rows.length <= limit; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

const NUMERIC = new Set(['int32', 'int64', 'float64']);

/**
 * The dictionary's entry for a column: by its name, or by a name with the
 * `{N}` placeholder it fills (`active_7d` is `active_{N}d`).
 * @param {TableDoc} doc
 * @param {string} name
 */
export function columnDoc(doc, name) {
  return doc.columns.find((c) => c.name === name) ?? doc.columns.find((c) => fillsWindow(c.name, name));
}

/**
 * Whether `name` is `template` with its `{N}` placeholder filled by a number of days.
 * @param {string} template
 * @param {string} name
 */
export function fillsWindow(template, name) {
  const [before, after] = template.split('{N}');
  if (after === undefined || !name.startsWith(before) || !name.endsWith(after)) return false;
  return /^\d+$/.test(name.slice(before.length, name.length - after.length));
}

/**
 * The rows of one of the engine's tables in CSV (null for an empty field).
 * @template R  the row type
 * @param {Uint8Array} bytes
 * @param {TableDoc} doc  the table's entry in the data dictionary
 * @param {number} [limit]  rows to read (default: all)
 * @returns {R[]}
 */
export function readRows(bytes, doc, limit = Infinity) {
  const [header = [], ...records] = parseCsv(bytes, limit);
  const types = header.map((name) => columnDoc(doc, name)?.type);
  return records.map((fields) => {
    /** @type {Record<string, string | number | boolean | null>} */
    const o = {};
    header.forEach((name, i) => {
      const v = fields[i] ?? '';
      const type = types[i];
      o[name] = v === '' ? null : type === 'boolean' ? v === 'true' : type && NUMERIC.has(type) ? Number(v) : v;
    });
    return /** @type {R} */ (/** @type {unknown} */ (o));
  });
}
