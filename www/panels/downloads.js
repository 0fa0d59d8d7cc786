// @ts-check
// The downloads: every table of the run as the engine writes it (CSV or
// Parquet, named as the CLI names its files), and the quality report; all of
// them at once as one .zip with the data package that describes them (the
// CLI's run directory, zipped here); with a breakdown, the same of its
// segmented layer.
import { zip } from 'fflate';

import { $, save } from '../dom.js';
import { fmtBytes } from '../format.js';
import * as status from './status.js';

/**
 * @import { FileFormat, LayerName, RunFile, TableFormat, TableName } from 'activation-layer/worker'
 * @import { AsyncZippable } from 'fflate'
 * @import { Run, Shown } from '../state.js'
 */

/**
 * One .zip of the files, deflated off the main thread (fflate's own workers); Parquet is
 * stored as it is, being compressed already.
 * @param {RunFile[]} files
 * @returns {Promise<Uint8Array>}
 */
function zipped(files) {
  /** @type {AsyncZippable} */
  const entries = {};
  for (const f of files) entries[f.name] = [f.bytes, { level: f.name.endsWith('.parquet') ? 0 : 6 }];
  return new Promise((resolve, reject) => zip(entries, (e, data) => (e ? reject(e) : resolve(data))));
}

/**
 * The run's segmented layer when `layer` names it, else null.
 * @param {Run} run
 * @param {LayerName} layer
 */
const segmentedOf = (run, layer) => (layer === 'segmented' ? run.segments ?? null : null);

/**
 * Every file the CLI writes for the layer, in one .zip named after its states table and the
 * format; says in `note` what it holds.
 * @param {Run} run
 * @param {FileFormat} format
 * @param {LayerName} layer
 * @param {Element | null} note
 */
async function downloadAll(run, format, layer, note) {
  const say = (/** @type {string} */ text) => { if (note) note.textContent = text; };
  say('Zipping…');
  const files = await run.result.files(format, layer);
  const bytes = await zipped(files);
  const name = `${(segmentedOf(run, layer) ?? run).statesName}_${format}.zip`;
  save(/** @type {Uint8Array<ArrayBuffer>} */ (bytes), name, 'application/zip');
  say(`${name}: ${files.length} files, ${fmtBytes(bytes.length)}.`);
}

/**
 * @param {Run} run
 * @param {string} which  a table, or `quality`
 * @param {string} format
 * @param {LayerName} layer
 */
async function download(run, which, format, layer) {
  if (which === 'quality') {
    const segmented = segmentedOf(run, layer);
    const report = segmented ? segmented.layer.quality : run.result.quality;
    save(JSON.stringify(report, null, 2), `${(segmented ?? run).statesName}_quality.json`, 'application/json');
    return;
  }
  const table = /** @type {TableName} */ (which);
  const bytes = await run.result.table(table, /** @type {TableFormat} */ (format), layer);
  const name = await run.result.tableName(table, layer);
  save(/** @type {Uint8Array<ArrayBuffer>} */ (bytes), `${name}.${format}`, format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet');
}

/** @param {Shown} shown */
export function render({ run }) {
  const seg = run.segments;
  $('downloads-segmented').hidden = !seg;
  // A split run resumed from a split snapshot has no layer without segments.
  $('downloads').hidden = !run.distributions;
  if (seg) $('downloads-segmented-h').textContent = `By ${seg.layer.column} (${seg.layer.fact} files)`;
  // Daily runs have no depth table.
  for (const group of $('downloads-card').querySelectorAll('[data-table]')) {
    if (group instanceof HTMLElement) group.hidden = !run.result.tables.includes(/** @type {TableName} */ (group.dataset.table));
  }
}

/**
 * The segmented layer's downloads: the same buttons as the run's, each
 * asking for the segmented table (`download-segmented-…`, `…:segmented`).
 */
function segmentedButtons() {
  const copy = /** @type {HTMLElement} */ ($('downloads').cloneNode(true));
  for (const el of copy.querySelectorAll('[data-testid^="download-"]')) {
    if (!(el instanceof HTMLElement)) continue;
    el.dataset.testid = `${el.dataset.testid}`.replace(/^download-/, 'download-segmented-');
    if (el.dataset.dl) el.dataset.dl = `${el.dataset.dl}:segmented`;
  }
  $('downloads-segmented-list').replaceChildren(...copy.children);
}

/** @param {() => Shown | null} shown */
export function init(shown) {
  segmentedButtons();
  $('downloads-card').addEventListener('click', async (e) => {
    const button = e.target instanceof Element ? e.target.closest('button[data-dl]') : null;
    const s = shown();
    if (!(button instanceof HTMLButtonElement) || !s) return;
    const [which, format, layer = 'plain'] = (button.dataset.dl ?? '').split(':');
    // Busy, not disabled: focus stays on the button that started the download.
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    try {
      if (which === 'all') await downloadAll(s.run, /** @type {FileFormat} */ (format), /** @type {LayerName} */ (layer), button.parentElement?.querySelector('.dl-note') ?? null);
      else await download(s.run, which, format, /** @type {LayerName} */ (layer));
    } catch (e) {
      status.set('error', `download failed: ${e instanceof Error ? e.message : e}`);
    } finally {
      button.removeAttribute('aria-disabled');
    }
  });
}
