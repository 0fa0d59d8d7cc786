// @ts-check
// The downloads: every table of the run as the engine writes it (CSV or
// Parquet, named as the CLI names its files), and the quality report; with a
// breakdown, the same of its segmented layer.
import { $ } from '../dom.js';
import * as status from './status.js';

/**
 * @import { LayerName, TableFormat, TableName } from 'activation-layer/worker'
 * @import { Run, Shown } from '../state.js'
 */

/**
 * Hands bytes to the browser as a file download.
 * @param {BlobPart} bytes
 * @param {string} name
 * @param {string} type
 */
export function save(bytes, name, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later, not at once: the browser reads the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/**
 * @param {Run} run
 * @param {string} which  a table, or `quality`
 * @param {string} format
 * @param {LayerName} layer
 */
async function download(run, which, format, layer) {
  if (which === 'quality') {
    const segmented = layer === 'segmented' ? run.segments : null;
    const report = segmented ? segmented.layer.quality : run.result.quality;
    save(JSON.stringify(report, null, 2), `${segmented ? segmented.statesName : run.statesName}_quality.json`, 'application/json');
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
  for (const b of copy.querySelectorAll('button[data-dl]')) {
    if (!(b instanceof HTMLButtonElement)) continue;
    b.dataset.testid = `${b.dataset.testid}`.replace(/^download-/, 'download-segmented-');
    b.dataset.dl = `${b.dataset.dl}:segmented`;
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
      await download(s.run, which, format, /** @type {LayerName} */ (layer));
    } catch (e) {
      status.set('error', `download failed: ${e instanceof Error ? e.message : e}`);
    } finally {
      button.removeAttribute('aria-disabled');
    }
  });
}
