// @ts-check
// The downloads: every table of the run as the engine writes it (CSV or
// Parquet, named as the CLI names its files), and the quality report.
import { $ } from '../dom.js';
import * as status from './status.js';

/**
 * @import { TableFormat, TableName } from 'activation-layer/worker'
 * @import { Run, Shown } from '../state.js'
 */

/**
 * @param {BlobPart} bytes
 * @param {string} name
 * @param {string} type
 */
function save(bytes, name, type) {
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
 */
async function download(run, which, format) {
  if (which === 'quality') {
    save(JSON.stringify(run.result.quality, null, 2), `${run.statesName}_quality.json`, 'application/json');
    return;
  }
  const table = /** @type {TableName} */ (which);
  const bytes = await run.result.table(table, /** @type {TableFormat} */ (format));
  const name = await run.result.tableName(table);
  save(/** @type {Uint8Array<ArrayBuffer>} */ (bytes), `${name}.${format}`, format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet');
}

/** @param {() => Shown | null} shown */
export function init(shown) {
  $('downloads').addEventListener('click', async (e) => {
    const button = e.target instanceof Element ? e.target.closest('button[data-dl]') : null;
    const s = shown();
    if (!(button instanceof HTMLButtonElement) || !s) return;
    const [which, format] = (button.dataset.dl ?? '').split(':');
    button.disabled = true;
    try {
      await download(s.run, which, format);
    } catch (e) {
      status.set('error', `download failed: ${e instanceof Error ? e.message : e}`);
    } finally {
      button.disabled = false;
    }
  });
}
