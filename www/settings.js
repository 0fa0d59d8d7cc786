// View settings <-> URL hash, so a link reproduces the view (never the data).
// Only settings go into the hash: no file names, no user ids, no values read
// from the data except the column names and fact values a user picked.

/** Hash key -> form field id. */
export const FIELDS = {
  grain: 'grain-select',
  ws: 'week-start-select',
  tz: 'timezone-input',
  user: 'user-col-select',
  time: 'time-col-select',
  unit: 'time-unit-select',
  fmt: 'time-format-input',
  fcol: 'fact-col-select',
  name: 'name-input',
  from: 'report-from-input',
  through: 'through-input',
  asof: 'as-of-input',
  rows: 'rows-select',
  maxrej: 'max-rejected-input',
};

const DEFAULTS = { grain: 'week' };

/** Reads the hash: { grain, ws, tz, ..., fv: [values], skip, period, dormant }. */
export function readHash(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const out = { ...DEFAULTS };
  for (const [k, v] of params) {
    if (k === 'fv') out.fv = v === '' ? [] : v.split(',').map(decodeURIComponent);
    else out[k] = v;
  }
  return out;
}

/** Writes the settings into the hash without adding a history entry. */
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
