// @ts-check
// Segment values (SPEC section 11) as the page compares, shows and links them. The engine's
// JSON types them (text, integer or null); its CSV tables give text, and null as an empty cell.

/** @import { SegmentValue } from 'activation-layer/worker' */

/**
 * A key equal for the same segment read from JSON or from CSV.
 * @param {SegmentValue | undefined} v
 */
export function segmentKey(v) {
  return v === null || v === undefined ? '\u0000null' : String(v);
}

/**
 * How a segment is named on screen.
 * @param {SegmentValue} v
 */
export function segmentLabel(v) {
  return v === null ? '(null)' : String(v);
}

/**
 * A segment as a select's option value or a link's, exact in type (JSON).
 * @param {SegmentValue} v
 */
export function encodeSegment(v) {
  return JSON.stringify(v);
}

/**
 * @param {string} text  from encodeSegment
 * @returns {{ value: SegmentValue } | null}  null for text that is no segment
 */
export function decodeSegment(text) {
  try {
    const value = JSON.parse(text);
    return value === null || typeof value === 'string' || typeof value === 'number' ? { value } : null;
  } catch {
    return null;
  }
}

/**
 * The rows of one segment, without their segment.
 * @template {{ segment: SegmentValue | string }} R
 * @param {R[]} rows
 * @param {SegmentValue} value
 * @returns {Omit<R, 'segment'>[]}
 */
export function rowsOf(rows, value) {
  const key = segmentKey(value);
  return rows.filter((r) => segmentKey(r.segment) === key).map(({ segment, ...row }) => row);
}
