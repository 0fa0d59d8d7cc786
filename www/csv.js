// Reads the engine's own CSV tables (summary, transitions, cohorts) back
// into rows for the charts. No metric is computed here, and merging earlier
// results is the engine's (engine.mergeTables).

/** Splits CSV text (RFC 4180 quoting) into arrays of fields. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
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

const TEXT = new Set(['period_start', 'period_end', 'cohort_period', 'from_state', 'to_state', 'user_id', 'state', 'previous_state', 'transition', 'first_period']);

/** CSV bytes or text -> objects with typed values (null for empty fields). */
export function csvObjects(input) {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  const [header, ...body] = parseCsv(text);
  if (!header) return { columns: [], rows: [] };
  const rows = body.map((fields) => {
    const o = {};
    header.forEach((name, i) => {
      const v = fields[i] ?? '';
      if (v === '') o[name] = null;
      else if (TEXT.has(name)) o[name] = v;
      else if (v === 'true' || v === 'false') o[name] = v === 'true';
      else o[name] = Number(v);
    });
    return o;
  });
  return { columns: header, rows };
}

/** Which engine table a CSV header is, or null. */
export function tableKind(columns) {
  const has = (...names) => names.every((n) => columns.includes(n));
  if (has('period_start', 'period_end', 'active', 'quick_ratio')) return 'summary';
  if (has('period_start', 'from_state', 'to_state', 'users')) return 'transitions';
  if (has('cohort_period', 'period_start', 'periods_since', 'retention')) return 'cohorts';
  return null;
}
