// Cross-checks: the engine's tables against DuckDB's. The summary is
// compared row by row and column by column (rates exactly: both sides
// divide the same integers in 64-bit floats); the states table by a
// fingerprint per period and state (row count and sums of every numeric
// column), and row by row at small scale.
import { tableFromIPC } from 'apache-arrow';

const DAY_MS = 86_400_000;
const dayString = (days) => new Date(days * DAY_MS).toISOString().slice(0, 10);

function validAt(data, i) {
  const bm = data.nullBitmap;
  if (!bm || data.nullCount === 0) return true;
  const j = data.offset + i;
  return (bm[j >> 3] & (1 << (j & 7))) !== 0;
}

/** Per (period_start, state): count and sums, from the engine's states Arrow IPC. */
export function statesFingerprint(ipc) {
  const table = tableFromIPC(ipc);
  const acc = new Map();
  for (const batch of table.batches) {
    const col = (name) => batch.getChild(name).data[0];
    const period = col('period_start');
    const state = col('state');
    const prev = col('previous_state');
    const nums = ['streak', 'inactive_streak', 'gap', 'churned_periods', 'active_periods', 'tenure'].map((n) => [n, col(n)]);
    const dict = state.dictionary ? Array.from(state.dictionary.toArray ? state.dictionary : state.dictionary) : null;
    const stateAt = dict ? (i) => dict[state.values[i]] : (i) => batch.getChild('state').get(i);
    for (let i = 0; i < batch.numRows; i++) {
      const key = `${dayString(period.values[i])}|${stateAt(i)}`;
      let a = acc.get(key);
      if (!a) {
        a = { n: 0, streak: 0, inactive_streak: 0, gap: 0, churned_periods: 0, active_periods: 0, tenure: 0, with_previous: 0 };
        acc.set(key, a);
      }
      a.n++;
      for (const [n, d] of nums) if (validAt(d, i)) a[n] += d.values[i];
      if (validAt(prev, i)) a.with_previous++;
    }
  }
  return [...acc.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([k, a]) => {
      const [period_start, state] = k.split('|');
      return { period_start, state, ...a };
    });
}

const ROW_COLS = ['user_id', 'period_start', 'state', 'previous_state', 'transition', 'streak', 'inactive_streak',
  'gap', 'churned_periods', 'active_periods', 'first_period', 'tenure'];

function norm(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  return v;
}

/** Every states row as an array of plain values (dates as YYYY-MM-DD), sorted. */
export function statesRowsFromArrow(ipc) {
  const table = tableFromIPC(ipc);
  const rows = [];
  for (const r of table) {
    rows.push(ROW_COLS.map((c) => {
      const v = r[c];
      if (c === 'period_start' || c === 'first_period') return dayString(typeof v === 'number' ? Math.round(v / DAY_MS) : Number(v) / DAY_MS);
      if (c === 'user_id') return String(v);
      return norm(v);
    }));
  }
  return sortRows(rows);
}

/** Rows of DuckDB's `statesRows` query (objects) as sorted arrays. */
export function statesRowsFromObjects(objs) {
  return sortRows(objs.map((o) => ROW_COLS.map((c) => norm(o[c]))));
}

function sortRows(rows) {
  return rows.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const SUMMARY_COLS = ['period_start', 'period_end', 'complete', 'active', 'new', 'retained', 'reactivated', 'churned',
  'dormant', 'inactive', 'total_users', 'retention_rate', 'churn_rate', 'reactivation_rate', 'quick_ratio'];

/** Throws unless two lists of rows are equal on `cols` (first difference in the message). */
function compareRows(label, expected, actual, cols) {
  if (expected.length !== actual.length) {
    throw new Error(`${label}: ${expected.length} rows from the engine, ${actual.length} from the peer`);
  }
  for (let i = 0; i < expected.length; i++) {
    for (const c of cols) {
      const e = norm(expected[i][c]);
      const a = norm(actual[i][c]);
      if (e !== a && !(typeof e === 'number' && typeof a === 'number' && Math.abs(e - a) <= 1e-12 * Math.max(1, Math.abs(e)))) {
        throw new Error(`${label}: row ${i} column ${c}: engine ${JSON.stringify(e)}, peer ${JSON.stringify(a)}\n` +
          `engine row: ${JSON.stringify(expected[i])}\npeer row:   ${JSON.stringify(actual[i])}`);
      }
    }
  }
}

export function compareSummary(label, engine, peer) {
  compareRows(`${label} summary`, engine, peer, SUMMARY_COLS);
}

/** A segmented summary (SPEC section 11): the same columns, segment first. */
export function compareSegmentSummary(label, engine, peer) {
  compareRows(`${label} segmented summary`, engine, peer, ['segment', ...SUMMARY_COLS]);
}

export function compareFingerprint(label, engine, peer) {
  compareRows(`${label} states fingerprint`, engine, peer,
    ['period_start', 'state', 'n', 'streak', 'inactive_streak', 'gap', 'churned_periods', 'active_periods', 'tenure', 'with_previous']);
}

export function compareStateRows(label, engine, peer) {
  compareRows(`${label} states rows`, engine, peer, ROW_COLS.map((_, i) => i));
}

/** Every row of an engine table (Arrow IPC) as an object: dates as YYYY-MM-DD, integers as numbers, ids as text. */
export function tableRowsFromArrow(ipc) {
  const table = tableFromIPC(ipc);
  const dates = new Set(table.schema.fields.filter((f) => String(f.type).startsWith('Date')).map((f) => f.name));
  return table.toArray().map((r) => {
    const row = {};
    for (const f of table.schema.fields) {
      const v = r[f.name];
      if (v === null || v === undefined) row[f.name] = null;
      else if (dates.has(f.name)) row[f.name] = dayString(typeof v === 'number' ? Math.round(v / DAY_MS) : Number(v) / DAY_MS);
      else if (f.name === 'user_id') row[f.name] = String(v);
      else row[f.name] = norm(v);
    }
    return row;
  });
}

const TRANSITION_COLS = ['period_start', 'from_state', 'to_state', 'users'];
const COHORT_COLS = ['cohort_period', 'period_start', 'periods_since', 'cohort_size', 'active_users', 'retention'];
const SNAPSHOT_COLS = ['user_id', 'first_active_date', 'last_active_date',
  ...['daily', 'weekly', 'monthly'].flatMap((g) => [`${g}_previous_active_date`, `${g}_streak`, `${g}_active_periods`])];

/** The transitions table (SPEC section 4): nine rows per period, in order. */
export function compareTransitions(label, engine, peer) {
  compareRows(`${label} transitions`, engine, peer, TRANSITION_COLS);
}

/** The cohorts table, in order. */
export function compareCohorts(label, engine, peer) {
  compareRows(`${label} cohorts`, engine, peer, COHORT_COLS);
}

/** The FirstLast snapshot (SPEC section 5), users in the same order on both sides. */
export function compareSnapshot(label, engine, peer) {
  const byUser = (rows) => [...rows].sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0));
  compareRows(`${label} snapshot`, byUser(engine), byUser(peer), SNAPSHOT_COLS);
}
