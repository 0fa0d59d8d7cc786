// @ts-check
// Definitions on hover and focus: every `data-def` key takes its text from
// the engine's data dictionary, so no definition is written twice.

/** @import { Dictionary } from 'activation-layer/worker' */

/**
 * Definitions by data-def key: `table:summary`, `col:states:gap`, `col:segment`,
 * `state:new`, `quality`, `q:rows_read`, and the summary's columns by name.
 * @type {Record<string, string>}
 */
export const defs = {};

/** @param {Dictionary} dict */
export function learn(dict) {
  for (const t of dict.tables) {
    defs[`table:${t.table}`] = t.description;
    for (const c of t.columns) {
      defs[`col:${t.table}:${c.name}`] = c.description;
      if (t.table === 'summary') defs[c.name] = c.description;
    }
  }
  for (const s of dict.states) defs[`state:${s.state}`] = s.description;
  defs['col:segment'] = dict.segment_column.description;
  defs.quality = dict.quality_report.description;
  for (const f of dict.quality_report.fields) defs[`q:${f.name}`] = f.description;
}

/**
 * Elements with data-def="key" under `root` get the definition as a tip on
 * hover and as their accessible description. They are labels, not tab stops:
 * a screen reader reads the description with the label, and a control that
 * carries one shows its tip on focus.
 * @param {ParentNode} root
 */
export function applyDefs(root) {
  for (const el of root.querySelectorAll('[data-def]')) {
    if (!(el instanceof HTMLElement)) continue;
    const text = defs[el.dataset.def ?? ''];
    if (!text) continue;
    el.dataset.tip = text;
    el.setAttribute('aria-description', text);
  }
}
