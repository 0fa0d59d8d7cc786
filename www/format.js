// @ts-check
// Display formatting only (no arithmetic on the engine's numbers beyond
// rounding for display).

const intFmt = new Intl.NumberFormat('en-US');
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/**
 * @param {number | null | undefined} v
 * @param {boolean} [compact]  abbreviate from 10,000 on (12.3K)
 */
export function fmtInt(v, compact = false) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  return compact && Math.abs(v) >= 10000 ? compactFmt.format(v) : intFmt.format(v);
}

/**
 * The tick labels of an axis of counts, one notation for all: compact (12K, 9K) when the axis
 * reaches 10,000, in full (9,000) otherwise, so that no axis mixes the two.
 * @param {number[]} values  what the axis spans
 * @returns {(v: number) => string}
 */
export function countFormat(values) {
  const compact = values.some((v) => Math.abs(v) >= 10000);
  return (v) => (compact ? compactFmt.format(v) : intFmt.format(v));
}

/** @param {number | null | undefined} v */
export function fmtPct(v) {
  if (v === null || v === undefined) return '–';
  return `${(v * 100).toFixed(1)}%`;
}

/** @param {number | null | undefined} v */
export function fmtRatio(v) {
  if (v === null || v === undefined) return '–';
  return v.toFixed(2);
}

/**
 * Rates in the summary table: '.' decimals, rounded to 4 places like SPEC section 10.
 * @param {number | null | undefined} v
 */
export function fmtRate(v) {
  if (v === null || v === undefined) return '';
  return String(Math.round(v * 10000) / 10000);
}

/** @param {unknown} s */
export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => /** @type {Record<string, string>} */ ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** @param {number} n */
export function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
