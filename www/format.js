// Display formatting only (no arithmetic on the engine's numbers beyond
// rounding for display).

const intFmt = new Intl.NumberFormat('en-US');
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function fmtInt(v, compact = false) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  return compact && Math.abs(v) >= 10000 ? compactFmt.format(v) : intFmt.format(v);
}

export function fmtPct(v) {
  if (v === null || v === undefined) return '–';
  return `${(v * 100).toFixed(1)}%`;
}

export function fmtRatio(v) {
  if (v === null || v === undefined) return '–';
  return v.toFixed(2);
}

/** Rates in the summary table: '.' decimals, rounded to 4 places like SPEC section 10. */
export function fmtRate(v) {
  if (v === null || v === undefined) return '';
  return String(Math.round(v * 10000) / 10000);
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
